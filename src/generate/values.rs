//! Deterministic values from plans: the minimal valid value (what boundary and catalogue cases
//! start from), the maximal one (every optional member present) and runs of distinct values
//! (for `uniqueItems`). No randomness: the same plan always gives the same values.
//!
//! The random side is [`super::strategy`]; the two share [`super::place`] and [`crate::values`]
//! and never import each other.

use super::place::{Place, fits};
use super::plan::Node;
use crate::rng::Rng;
use crate::values::format;
use crate::values::num_value;
use crate::values::pattern::{repetitions, sample};
use serde_json::{Map, Value};

const MAX_DEPTH: usize = 8;

/// The simplest value a node admits at a place: required members only, minimum counts, numbers
/// nearest zero, the first enum value, the schema's own example for strings when it has one.
pub(crate) fn minimal(node: &Node, place: Place) -> Option<Value> {
    build(node, place, false, 0)
}

/// Like [`minimal`], with every optional object member present (nested ones too).
pub(crate) fn maximal(node: &Node, place: Place) -> Option<Value> {
    build(node, place, true, 0)
}

fn build(node: &Node, place: Place, full: bool, depth: usize) -> Option<Value> {
    if depth > MAX_DEPTH {
        return None;
    }
    Some(match node {
        Node::Never(..) => return None,
        Node::Any => Value::String("a".into()),
        Node::Const(v) => v.clone(),
        Node::Enum(values) => values
            .iter()
            .find(|v| !v.is_null() && fits(v, place))
            .or_else(|| values.iter().find(|v| v.is_null() && place.allows_null()))?
            .clone(),
        Node::Null => {
            if !place.allows_null() {
                return None;
            }
            Value::Null
        }
        Node::Bool => Value::Bool(false),
        Node::Int(spec) => {
            let v = if spec.min > 0 {
                spec.min
            } else if spec.max < 0 {
                spec.max
            } else {
                0
            };
            Value::from(v)
        }
        Node::Num(spec) => {
            let (lo, hi) = spec.range();
            let mut v = if lo > 0.0 {
                lo
            } else if hi < 0.0 {
                hi
            } else {
                0.0
            };
            if let Some(m) = spec.multiple {
                v = (lo / m).ceil() * m;
            }
            num_value(v)
        }
        Node::Str(spec) => {
            let len_ok = |s: &str| {
                let n = s.chars().count();
                n >= spec.min && spec.max.is_none_or(|m| n <= m) && place.carries(s)
            };
            if let Some(e) = spec.examples.iter().find(|e| len_ok(e)) {
                return Some(Value::String(e.clone()));
            }
            if let Some(p) = &spec.pattern {
                // Minimal repetitions first; then one repetition stretched to `minLength`
                // (`^[a-z]*$` with minLength 1); then the matches found while compiling.
                let mut counts: Vec<Vec<(usize, u32)>> = vec![Vec::new()];
                for (i, lo, hi) in repetitions(&p.hir) {
                    let want = (lo as usize).max(spec.min).min(hi.map_or(usize::MAX, |h| h as usize));
                    counts.push(vec![(i, u32::try_from(want).unwrap_or(lo))]);
                }
                let found = counts
                    .iter()
                    .flat_map(|c| (0..8u64).map(move |seed| (seed, c)))
                    .filter_map(|(seed, c)| p.keep(sample(&p.hir, &mut Rng::new(seed), c)))
                    .find(|s| len_ok(s))
                    .or_else(|| p.generator.pool.iter().find(|s| len_ok(s)).cloned())?;
                return Some(Value::String(found));
            }
            if let Some(s) = spec.format.as_deref().and_then(format::canonical) {
                if len_ok(s) {
                    return Some(Value::String(s.to_owned()));
                }
                return None;
            }
            let n = spec.min.max(1).min(spec.max.unwrap_or(usize::MAX));
            Value::String("a".repeat(n))
        }
        Node::Array(spec) => {
            let n = if full { spec.min.max(1).min(spec.max.unwrap_or(usize::MAX)) } else { spec.min };
            if n == 0 {
                return Some(Value::Array(Vec::new()));
            }
            if spec.unique && n > 1 {
                return distinct(&spec.items, n, place.nested()).map(Value::Array);
            }
            let item = build(&spec.items, place.nested(), full, depth + 1)?;
            Value::Array(vec![item; n])
        }
        Node::Object(spec) => {
            let mut map = Map::new();
            for prop in &spec.props {
                if prop.required {
                    map.insert(prop.name.clone(), build(&prop.node, place.nested(), full, depth + 1)?);
                } else if full && let Some(v) = build(&prop.node, place.nested(), full, depth + 1) {
                    map.insert(prop.name.clone(), v);
                }
            }
            Value::Object(map)
        }
        Node::Union(alts) => {
            return alts
                .iter()
                .filter(|a| !matches!(a, Node::Null))
                .find_map(|a| build(a, place, full, depth + 1))
                .or_else(|| alts.iter().find_map(|a| build(a, place, full, depth + 1)));
        }
    })
}

/// `n` distinct values of a node, when they are easy to name.
pub(crate) fn distinct(node: &Node, n: usize, place: Place) -> Option<Vec<Value>> {
    let out: Vec<Value> = match node {
        Node::Enum(values) => values.iter().filter(|v| fits(v, place)).take(n).cloned().collect(),
        Node::Bool => [false, true].into_iter().take(n).map(Value::Bool).collect(),
        Node::Int(spec) => {
            let mut out = Vec::new();
            let mut v = spec.min;
            while out.len() < n && v <= spec.max {
                out.push(Value::from(v));
                match v.checked_add(spec.multiple) {
                    Some(next) => v = next,
                    None => break,
                }
            }
            out
        }
        Node::Str(spec) if spec.pattern.is_none() && spec.format.is_none() => {
            let len = spec.min.max(2);
            if spec.max.is_some_and(|m| m < len) {
                return None;
            }
            (0..n)
                .map(|i| {
                    let mut s = "a".repeat(len - 2);
                    s.push(char::from(b'a' + (i / 26 % 26) as u8));
                    s.push(char::from(b'a' + (i % 26) as u8));
                    Value::String(s)
                })
                .collect()
        }
        Node::Str(spec) if spec.pattern.is_some() => {
            let pattern = spec.pattern.as_ref()?;
            let mut out: Vec<Value> = Vec::new();
            let drawn =
                (0..64 * n as u64).filter_map(|seed| pattern.keep(sample(&pattern.hir, &mut Rng::new(seed), &[])));
            for s in drawn.chain(pattern.generator.pool.iter().cloned()) {
                let len = s.chars().count();
                let fits = len >= spec.min && spec.max.is_none_or(|m| len <= m) && place.carries(&s);
                let v = Value::String(s);
                if fits && !out.contains(&v) {
                    out.push(v);
                    if out.len() == n {
                        break;
                    }
                }
            }
            out
        }
        Node::Any => (0..n).map(|i| Value::from(i as i64)).collect(),
        _ => return None,
    };
    (out.len() == n).then_some(out)
}

//! proptest strategies from value plans, built once per operation and shared by every case.
//!
//! Strings are restricted to what the value's place can carry: header values are visible
//! ASCII (HTTP cannot carry CR/LF or arbitrary bytes, whatever the schema allows), cookie
//! values are cookie-octets, and items inside delimited parameters (`a,b`, `a|b`) avoid the
//! delimiters so that the wire form reads back as the same value. Shrinking goes towards
//! small numbers, short strings of `a`s, the first enum value and absent optional fields.
//! Format and pattern strategies come from [`crate::values`]; this module never imports the
//! deterministic values ([`super::values`]).

use super::place::{Place, fits};
use super::plan::{ArraySpec, Node, NumSpec, ObjectSpec, StrSpec};
use crate::values::format::{self, lower};
use crate::values::num_value;
use proptest::prelude::*;
use proptest::strategy::{SBoxedStrategy, Union};
use serde_json::{Map, Value};

/// How many items or characters beyond the minimum unbounded values get.
const SPREAD: usize = 16;

/// The strategy for a plan node at a place; `None` when nothing can be generated.
pub(crate) fn strategy(node: &Node, place: Place) -> Option<SBoxedStrategy<Value>> {
    Some(match node {
        Node::Never(..) => return None,
        Node::Any => any_value(place),
        Node::Const(v) => Just(v.clone()).sboxed(),
        Node::Enum(values) => {
            let kept: Vec<Value> = values.iter().filter(|v| fits(v, place)).cloned().collect();
            if kept.is_empty() {
                return None;
            }
            proptest::sample::select(kept).sboxed()
        }
        Node::Null => {
            if !place.allows_null() {
                return None;
            }
            Just(Value::Null).sboxed()
        }
        Node::Bool => any::<bool>().prop_map(Value::Bool).sboxed(),
        Node::Int(spec) => {
            let m = spec.multiple;
            if m == 1 {
                (spec.min..=spec.max).prop_map(Value::from).sboxed()
            } else {
                (spec.min / m..=spec.max / m).prop_map(move |k| Value::from(k * m)).sboxed()
            }
        }
        Node::Num(spec) => number(spec),
        Node::Str(spec) => string(spec, place)?,
        Node::Array(spec) => array(spec, place)?,
        Node::Object(spec) => object(spec, place)?,
        Node::Union(alts) => {
            let live: Vec<SBoxedStrategy<Value>> = alts.iter().filter_map(|a| strategy(a, place)).collect();
            match live.len() {
                0 => return None,
                1 => live.into_iter().next()?,
                _ => Union::new(live).sboxed(),
            }
        }
    })
}

fn any_value(place: Place) -> SBoxedStrategy<Value> {
    let text = free_string(place, if place.is_path() { 1 } else { 0 }, 8);
    Union::new(vec![
        text,
        (-1000i64..1000).prop_map(Value::from).sboxed(),
        any::<bool>().prop_map(Value::Bool).sboxed(),
    ])
    .sboxed()
}

fn number(spec: &NumSpec) -> SBoxedStrategy<Value> {
    let (lo, hi) = spec.range();
    if let Some(m) = spec.multiple {
        let (a, b) = ((lo / m).ceil(), (hi / m).floor());
        if a <= b && b - a < 9e15 {
            let (a, b) = (a as i64, b as i64);
            return (a..=b).prop_map(move |k| num_value(k as f64 * m)).sboxed();
        }
    }
    if lo == hi {
        return Just(num_value(lo)).sboxed();
    }
    (lo..=hi).prop_map(num_value).sboxed()
}

fn string(spec: &StrSpec, place: Place) -> Option<SBoxedStrategy<Value>> {
    let (min, max) = (spec.min, spec.max);
    let len_ok = move |s: &str| {
        let n = s.chars().count();
        n >= min && max.is_none_or(|m| n <= m)
    };
    if let Some(pattern) = &spec.pattern {
        return pattern.strategy(move |s: &String| len_ok(s) && place.carries(s));
    }
    if let Some(format) = &spec.format
        && let Some(s) = format::strategy(format)
    {
        return Some(
            s.prop_filter("length and place", move |s| len_ok(s) && place.carries(s)).prop_map(Value::String).sboxed(),
        );
    }
    let lo = if place.is_path() { min.max(1) } else { min };
    let hi = max.unwrap_or(lo + SPREAD).min(lo + SPREAD.max(64));
    if hi < lo {
        return None;
    }
    let s = free_string(place, lo, hi);
    Some(if place.is_path() {
        s.prop_filter("path segment", move |v| v.as_str().is_some_and(|s| place.carries(s))).sboxed()
    } else {
        s
    })
}

fn free_string(place: Place, lo: usize, hi: usize) -> SBoxedStrategy<Value> {
    let ranges: Vec<std::ops::RangeInclusive<char>> = place.char_ranges().into_iter().map(|(a, b)| a..=b).collect();
    let chars = proptest::char::ranges(ranges.into());
    proptest::collection::vec(chars, lo..=hi).prop_map(|cs| Value::String(cs.into_iter().collect())).sboxed()
}

fn array(spec: &ArraySpec, place: Place) -> Option<SBoxedStrategy<Value>> {
    let items = strategy(&spec.items, place.nested())?;
    let lo = if place.is_path() { spec.min.max(1) } else { spec.min };
    let hi = spec.max.unwrap_or(lo + 4).min(lo + 8);
    if hi < lo {
        return None;
    }
    let min = spec.min;
    let vec = proptest::collection::vec(items, lo..=hi);
    Some(if spec.unique {
        vec.prop_map(|items| {
            let mut seen = std::collections::HashSet::new();
            Value::Array(items.into_iter().filter(|v| seen.insert(v.to_string())).collect())
        })
        .prop_filter("minItems after removing duplicates", move |v| v.as_array().is_some_and(|a| a.len() >= min))
        .sboxed()
    } else {
        vec.prop_map(Value::Array).sboxed()
    })
}

type Member = SBoxedStrategy<Option<(String, Value)>>;

fn object(spec: &ObjectSpec, place: Place) -> Option<SBoxedStrategy<Value>> {
    let mut members: Vec<Member> = Vec::new();
    for prop in &spec.props {
        let name = prop.name.clone();
        match strategy(&prop.node, place.nested()) {
            Some(s) => {
                let s = s.prop_map(move |v| (name.clone(), v));
                members.push(if prop.required { s.prop_map(Some).sboxed() } else { proptest::option::of(s).sboxed() });
            }
            None if prop.required => return None,
            None => {}
        }
    }
    let known: Vec<String> = spec.props.iter().map(|p| p.name.clone()).collect();
    let extra: SBoxedStrategy<Vec<(String, Value)>> =
        match spec.additional.as_ref().and_then(|n| strategy(n, place.nested())) {
            Some(values) => proptest::collection::vec((free_key(), values), 0..=2).sboxed(),
            None => Just(Vec::new()).sboxed(),
        };
    Some(
        (members, extra)
            .prop_map(move |(members, extra)| {
                let mut map = Map::new();
                for (k, v) in members.into_iter().flatten() {
                    map.insert(k, v);
                }
                for (k, v) in extra {
                    if !known.contains(&k) {
                        map.entry(k).or_insert(v);
                    }
                }
                Value::Object(map)
            })
            .sboxed(),
    )
}

fn free_key() -> impl Strategy<Value = String> {
    lower(1..=8).prop_map(|s| format!("x{s}"))
}

//! Strings from `pattern`s for value building, on top of the spec's pattern compiler
//! ([`crate::spec::pattern`], which relaxes look-arounds and back-references and judges drawn
//! strings with the validator's engine).
//!
//! Three samplers, for three needs, all drawing from the same relaxed expression:
//! - [`draw`] gives varied strings from a seed: the mock's answers;
//! - [`sample`] walks the expression without proptest, with chosen repetition counts: the
//!   generator's minimal values and boundary cases;
//! - [`Pattern::strategy`] is a proptest strategy: the generator's random cases.
//!
//! None may hand out a string the full pattern rejects ([`Pattern::keep`] is the gate for
//! [`sample`] and [`Pattern::strategy`]; [`GenPattern::draw`] checks its own).

use crate::rng::Rng;
use crate::spec::pattern::GenPattern;
use proptest::prelude::*;
use proptest::strategy::{SBoxedStrategy, Union};
use regex_syntax::hir::{self, Hir, HirKind};
use serde_json::Value;
use std::sync::Arc;

/// A `pattern`, relaxed for generation (see [`crate::spec::pattern`]): anchors and
/// look-arounds removed, back-references marked. Strings drawn from `hir` go through
/// [`Pattern::keep`] before use.
#[derive(Debug, Clone)]
pub(crate) struct Pattern {
    /// The ECMA-262 source, as the schema spells it.
    pub source: String,
    /// The relaxed expression (the same as the generator's).
    pub hir: Arc<Hir>,
    /// The compiled generator: the full pattern's check and the matches found while compiling.
    pub generator: Arc<GenPattern>,
}

impl Pattern {
    /// The pattern to build values from, for a compiled generator.
    pub(crate) fn new(source: &str, generator: Arc<GenPattern>) -> Pattern {
        Pattern { source: source.to_owned(), hir: generator.hir.clone(), generator }
    }

    /// A string drawn from `hir`, finished (back-references filled in) if the full pattern
    /// accepts it; `None` when it does not.
    pub(crate) fn keep(&self, drawn: String) -> Option<String> {
        let s = self.generator.finish(drawn);
        (!self.generator.lossy || self.generator.accepts(&s)).then_some(s)
    }

    /// Random strings (as JSON strings) the full pattern accepts and `keep` admits, for the
    /// generator's random cases: drawn from the relaxed expression and filtered, or, when the
    /// relaxed draws rarely match, picked among the matches found while compiling. `None` when
    /// nothing can be drawn.
    pub(crate) fn strategy<F>(&self, keep: F) -> Option<SBoxedStrategy<Value>>
    where
        F: Fn(&String) -> bool + Send + Sync + 'static,
    {
        let generator = &self.generator;
        if generator.lossy && generator.rate < MIN_RATE {
            // Relaxed draws rarely match: pick among the matches found while compiling.
            let pool: Vec<String> = generator.pool.iter().filter(|s| keep(s)).cloned().collect();
            return (!pool.is_empty()).then(|| proptest::sample::select(pool).prop_map(Value::String).sboxed());
        }
        let base = match fast_regex(&self.hir, 0) {
            Some(fast) => fast,
            None => proptest::string::string_regex_parsed(&self.hir).ok()?.sboxed(),
        };
        let pattern = self.clone();
        Some(
            base.prop_filter_map("pattern, length and place", move |s| pattern.keep(s).filter(&keep))
                .prop_map(Value::String)
                .sboxed(),
        )
    }
}

/// Below this fraction of relaxed draws matching the full pattern, strings come from the
/// matches found while compiling it (filtering would exhaust proptest's rejection budget).
const MIN_RATE: f64 = 0.125;

/// Strings from the common pattern shapes (literals, classes, repeated classes, concatenations,
/// alternations) drawn as `char`s straight from class ranges. proptest's general regex
/// generator builds a byte vector per character, which made patterned ids the most expensive
/// part of a request. `None` for other shapes (they use proptest's generator).
fn fast_regex(h: &Hir, depth: usize) -> Option<SBoxedStrategy<String>> {
    if depth > 8 {
        return None;
    }
    Some(match h.kind() {
        HirKind::Empty => Just(String::new()).sboxed(),
        HirKind::Literal(lit) => Just(String::from_utf8(lit.0.to_vec()).ok()?).sboxed(),
        HirKind::Class(class) => match small_class(class) {
            Some(chars) => chars.prop_map(String::from).sboxed(),
            None => class_chars(class)?.prop_map(String::from).sboxed(),
        },
        HirKind::Capture(c) => fast_regex(&c.sub, depth + 1)?,
        HirKind::Repetition(r) => {
            let lo = r.min as usize;
            let hi = r.max.map_or(lo + 8, |m| m as usize).min(lo + 64);
            match r.sub.kind() {
                HirKind::Class(class) => match small_class(class) {
                    Some(chars) => proptest::collection::vec(chars, lo..=hi)
                        .prop_map(|cs| cs.into_iter().collect::<String>())
                        .sboxed(),
                    None => {
                        let chars = class_chars(class)?;
                        proptest::collection::vec(chars, lo..=hi)
                            .prop_map(|cs| cs.into_iter().collect::<String>())
                            .sboxed()
                    }
                },
                _ => {
                    let sub = fast_regex(&r.sub, depth + 1)?;
                    proptest::collection::vec(sub, lo..=hi).prop_map(|parts| parts.concat()).sboxed()
                }
            }
        }
        HirKind::Concat(subs) => {
            let parts: Vec<SBoxedStrategy<String>> =
                subs.iter().map(|s| fast_regex(s, depth + 1)).collect::<Option<_>>()?;
            parts.prop_map(|parts| parts.concat()).sboxed()
        }
        HirKind::Alternation(subs) => {
            let alts: Vec<SBoxedStrategy<String>> =
                subs.iter().map(|s| fast_regex(s, depth + 1)).collect::<Option<_>>()?;
            Union::new(alts).sboxed()
        }
        HirKind::Look(_) => return None,
    })
}

/// Classes of at most this many characters are drawn by index from their list.
const SMALL_CLASS: u32 = 256;

/// A small class (`[a-f0-9]`) as a uniform pick from its characters, shrinking towards the
/// first: one random number per character, where proptest's `char` strategy spends several on
/// its special and preferred characters (the cost of every patterned id in a request).
fn small_class(class: &hir::Class) -> Option<proptest::sample::Select<char>> {
    let ranges: Vec<(u32, u32)> = match class {
        hir::Class::Unicode(c) => c.iter().map(|r| (u32::from(r.start()), u32::from(r.end()))).collect(),
        hir::Class::Bytes(c) => c.iter().map(|r| (u32::from(r.start()), u32::from(r.end()))).collect(),
    };
    let size: u32 = ranges.iter().map(|(a, b)| b - a + 1).sum();
    if size == 0 || size > SMALL_CLASS || ranges.iter().any(|(_, b)| *b > 0x7f && matches!(class, hir::Class::Bytes(_)))
    {
        return None;
    }
    let chars: Vec<char> = ranges.iter().flat_map(|&(a, b)| (a..=b).filter_map(char::from_u32)).collect();
    (!chars.is_empty()).then(|| proptest::sample::select(chars))
}

/// A class as a `char` strategy (ASCII byte classes included).
fn class_chars(class: &hir::Class) -> Option<proptest::char::CharStrategy<'static>> {
    let ranges: Vec<std::ops::RangeInclusive<char>> = match class {
        hir::Class::Unicode(c) => c.iter().map(|r| r.start()..=r.end()).collect(),
        hir::Class::Bytes(c) => {
            if c.iter().any(|r| r.end() > 0x7f) {
                return None;
            }
            c.iter().map(|r| char::from(r.start())..=char::from(r.end())).collect()
        }
    };
    if ranges.is_empty() {
        return None;
    }
    Some(proptest::char::ranges(ranges.into()))
}

/// A string matching `source` (look-arounds and back-references included) drawn with `seed`;
/// `None` when the pattern cannot be generated from or no bounded number of draws matched.
#[cfg(feature = "mock")]
pub(crate) fn draw(source: &str, seed: u64) -> Option<String> {
    crate::spec::pattern::generator(source).ok()?.draw(seed)
}

/// Draws one string from a pattern HIR without proptest: classes prefer printable ASCII,
/// alternations take their first branch, and repetition number `i` (pre-order) repeats
/// `counts[i]` times when given, else its minimum. The result is unfinished: pass it through
/// [`Pattern::keep`] (or [`GenPattern::finish`]).
pub(crate) fn sample(h: &Hir, rng: &mut Rng, counts: &[(usize, u32)]) -> String {
    let mut out = String::new();
    let mut index = 0;
    sample_into(h, rng, counts, &mut index, &mut out);
    out
}

fn sample_into(h: &Hir, rng: &mut Rng, counts: &[(usize, u32)], index: &mut usize, out: &mut String) {
    match h.kind() {
        HirKind::Empty | HirKind::Look(_) => {}
        HirKind::Literal(lit) => out.push_str(&String::from_utf8_lossy(&lit.0)),
        HirKind::Class(class) => out.push(class_char(class, rng)),
        HirKind::Repetition(r) => {
            let me = *index;
            *index += 1;
            let n = counts.iter().find(|(i, _)| *i == me).map_or(r.min, |(_, c)| *c);
            let start = *index;
            for _ in 0..n {
                *index = start;
                sample_into(&r.sub, rng, counts, index, out);
            }
            if n == 0 {
                skip_reps(&r.sub, index);
            }
        }
        HirKind::Capture(c) => sample_into(&c.sub, rng, counts, index, out),
        HirKind::Concat(subs) => subs.iter().for_each(|s| sample_into(s, rng, counts, index, out)),
        HirKind::Alternation(subs) => {
            if let Some(first) = subs.first() {
                sample_into(first, rng, counts, index, out);
            }
            for s in subs.iter().skip(1) {
                skip_reps(s, index);
            }
        }
    }
}

/// Advances the repetition counter past the repetitions inside `h` (not sampled).
fn skip_reps(h: &Hir, index: &mut usize) {
    match h.kind() {
        HirKind::Repetition(r) => {
            *index += 1;
            skip_reps(&r.sub, index);
        }
        HirKind::Capture(c) => skip_reps(&c.sub, index),
        HirKind::Concat(subs) | HirKind::Alternation(subs) => subs.iter().for_each(|s| skip_reps(s, index)),
        _ => {}
    }
}

/// The repetitions of a pattern, pre-order: `(index, min, max)`, the indices [`sample`]'s
/// `counts` refer to.
pub(crate) fn repetitions(h: &Hir) -> Vec<(usize, u32, Option<u32>)> {
    let mut out = Vec::new();
    let mut index = 0;
    collect_reps(h, &mut index, &mut out);
    out
}

fn collect_reps(h: &Hir, index: &mut usize, out: &mut Vec<(usize, u32, Option<u32>)>) {
    match h.kind() {
        HirKind::Repetition(r) => {
            out.push((*index, r.min, r.max));
            *index += 1;
            collect_reps(&r.sub, index, out);
        }
        HirKind::Capture(c) => collect_reps(&c.sub, index, out),
        HirKind::Concat(subs) | HirKind::Alternation(subs) => subs.iter().for_each(|s| collect_reps(s, index, out)),
        _ => {}
    }
}

fn class_char(class: &hir::Class, rng: &mut Rng) -> char {
    let mut printable: Vec<char> = Vec::new();
    let mut any: Option<char> = None;
    match class {
        hir::Class::Unicode(c) => {
            for r in c.iter() {
                any.get_or_insert(r.start());
                for ch in r.start()..=r.end() {
                    if ch.is_ascii_alphanumeric() {
                        printable.push(ch);
                    }
                    if printable.len() >= 62 || ch as u32 > 0x7f {
                        break;
                    }
                }
            }
        }
        hir::Class::Bytes(c) => {
            for r in c.iter() {
                any.get_or_insert(char::from(r.start()));
                for b in r.start()..=r.end() {
                    if b.is_ascii_alphanumeric() {
                        printable.push(char::from(b));
                    }
                }
            }
        }
    }
    if printable.is_empty() {
        // Punctuation or non-ASCII only: take a printable ASCII member if there is one.
        if let hir::Class::Unicode(c) = class {
            for r in c.iter() {
                for ch in r.start()..=r.end().min('\u{7e}') {
                    if ch.is_ascii_graphic() {
                        return ch;
                    }
                }
            }
        }
        return any.unwrap_or('a');
    }
    printable[rng.index(printable.len())]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::pattern::generator;

    #[test]
    fn patterns_sample_and_count_repetitions() {
        let g = generator("^([a-f0-9]{24})$").unwrap();
        assert!(!g.lossy);
        let hir = &g.hir;
        let s = sample(hir, &mut Rng::new(1), &[]);
        assert_eq!(s.len(), 24);
        assert!(s.chars().all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()));
        assert_eq!(repetitions(hir), [(0, 24, Some(24))]);
        assert_eq!(sample(hir, &mut Rng::new(1), &[(0, 23)]).len(), 23);
        assert!(generator("(?<=a)b").is_err(), "nothing precedes the start");
        assert!(generator("[^\\s\\S]").is_err(), "a class with no member");
    }

    #[test]
    fn kept_samples_match_the_full_pattern() {
        let p = Pattern::new("^([a-z]{2})=\\1$", generator("^([a-z]{2})=\\1$").unwrap());
        let s = p.keep(sample(&p.hir, &mut Rng::new(3), &[])).unwrap();
        assert!(p.generator.accepts(&s), "{s}");
        #[cfg(feature = "mock")]
        assert!(draw("^(?!xn--)[a-z0-9-]{1,20}(?<!-)$", 9).is_some());
    }
}

//! The schema → value engine's shared pieces: what both the request generator (`generate`) and
//! the mock's answers (`mock`) need to turn a converted JSON Schema into values.
//!
//! - which keywords only annotate a schema ([`is_annotation`]);
//! - which values a schema offers as its own examples ([`declared_example`], [`offered_examples`]);
//! - numeric limits ([`bounds`]) and floats written as JSON numbers ([`json_number`], [`num_value`]);
//! - format samples and strategies ([`format`](mod@format));
//! - strings drawn from `pattern`s ([`pattern`], on top of the spec's pattern compiler).
//!
//! The seeded PRNG both use is [`crate::rng::Rng`] (a leaf: the spec's pattern compiler needs it
//! too). Layering: `spec` → `values` → `generate`; the mock reads `values`. Nothing here may
//! import `generate` or `mock`.
//!
//! The generator and the mock deliberately draw different values for the same schema (the
//! generator shrinks towards one canonical sample, the mock varies its answers per seed), and
//! snapshots hold both. Where they differ, the difference is a named parameter or a separate
//! function here, never a second copy of the logic; nothing here may change a drawn value.

pub(crate) mod format;
pub(crate) mod pattern;

use serde_json::{Map, Number, Value};

/// Which keywords [`is_annotation`] counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Annotations {
    /// Every keyword that only annotates: the planner's view (a `$ref` beside nothing else is a
    /// plain `$ref`; two merged parts may disagree on these without losing exactness).
    All,
    /// The keywords that describe a value (`description`, `title`, `example`, `default`,
    /// `readOnly`, `writeOnly`, `deprecated`) and extensions: the mock's view of "a `oneOf` with
    /// only notes beside it", which it answers from the alternative without merging.
    #[cfg_attr(not(feature = "mock"), allow(dead_code))]
    Descriptive,
}

/// Whether `key` only annotates a schema (it constrains no value) in the given set. Extension
/// keywords (`x-…`) always do.
pub(crate) fn is_annotation(key: &str, set: Annotations) -> bool {
    let descriptive =
        matches!(key, "description" | "title" | "example" | "default" | "readOnly" | "writeOnly" | "deprecated")
            || key.starts_with("x-");
    descriptive
        || (set == Annotations::All
            && matches!(
                key,
                "examples" | "externalDocs" | "xml" | "$comment" | "$id" | "$schema" | "$anchor" | "summary"
            ))
}

/// The keywords holding a single value a schema offers, best first.
const EXAMPLE_KEYS: [&str; 2] = ["example", "default"];

/// The one value a schema node offers for itself: its `example`, else its `default`.
#[cfg(feature = "mock")]
pub(crate) fn declared_example(map: &Map<String, Value>) -> Option<&Value> {
    EXAMPLE_KEYS.iter().find_map(|k| map.get(*k))
}

/// Every value a schema node offers, best first: `example`, `default`, then the members of
/// `examples`. They are not checked against the schema here.
pub(crate) fn offered_examples(map: &Map<String, Value>) -> impl Iterator<Item = &Value> {
    let listed = map.get("examples").and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default();
    EXAMPLE_KEYS.iter().filter_map(|k| map.get(*k)).chain(listed)
}

/// A numeric limit as a schema states it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Bound<'s> {
    /// The limit (always finite: JSON holds no infinities).
    pub value: f64,
    /// Whether the limit itself is excluded (`exclusiveMinimum`, `exclusiveMaximum`).
    pub exclusive: bool,
    /// The keyword's value as the schema writes it (for descriptions).
    pub written: &'s Value,
}

/// The lower and upper limits of a numeric schema. Of `minimum` and `exclusiveMinimum` (and of
/// the two maxima) the tighter wins; on a tie, the exclusive one. Non-numeric values (a 3.0
/// boolean `exclusiveMinimum` left unconverted) are no limit.
pub(crate) fn bounds(map: &Map<String, Value>) -> (Option<Bound<'_>>, Option<Bound<'_>>) {
    let bound = |key: &str, exclusive: bool| {
        map.get(key).and_then(|written| {
            written.as_f64().filter(|f| f.is_finite()).map(|value| Bound { value, exclusive, written })
        })
    };
    let lo = match (bound("minimum", false), bound("exclusiveMinimum", true)) {
        (Some(a), Some(b)) => Some(if b.value >= a.value { b } else { a }),
        (a, b) => a.or(b),
    };
    let hi = match (bound("maximum", false), bound("exclusiveMaximum", true)) {
        (Some(a), Some(b)) => Some(if b.value <= a.value { b } else { a }),
        (a, b) => a.or(b),
    };
    (lo, hi)
}

/// Whole numbers below this magnitude become JSON integers in requests: every integer up to
/// 2⁵³ (about 9.007e15) is exact in an `f64`.
pub(crate) const REQUEST_INTEGRAL: f64 = 9e15;
/// Whole numbers below this magnitude become JSON integers in the mock's answers.
#[cfg(feature = "mock")]
pub(crate) const ANSWER_INTEGRAL: f64 = 1e15;

/// A float as a JSON number: whole numbers below `integral_below` in magnitude stay integral
/// (`3`, not `3.0`). `None` for NaN and the infinities.
pub(crate) fn json_number(f: f64, integral_below: f64) -> Option<Value> {
    if f.fract() == 0.0 && f.abs() < integral_below {
        return Some(Value::from(f as i64));
    }
    Number::from_f64(f).map(Value::Number)
}

/// A float as a request's JSON number ([`json_number`] below [`REQUEST_INTEGRAL`]); `null`
/// for a float JSON cannot hold (the validator then refuses the value).
pub(crate) fn num_value(f: f64) -> Value {
    json_number(f, REQUEST_INTEGRAL).unwrap_or(Value::Null)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn annotation_sets_nest() {
        for key in ["description", "example", "x-anything", "readOnly"] {
            assert!(is_annotation(key, Annotations::Descriptive) && is_annotation(key, Annotations::All), "{key}");
        }
        for key in ["examples", "$comment", "xml"] {
            assert!(!is_annotation(key, Annotations::Descriptive) && is_annotation(key, Annotations::All), "{key}");
        }
        for key in ["type", "pattern", "allOf", "$ref"] {
            assert!(!is_annotation(key, Annotations::All), "{key}");
        }
    }

    #[test]
    fn offered_examples_come_best_first() {
        let map = json!({"default": 2, "examples": [3, 4], "example": 1});
        let map = map.as_object().unwrap();
        assert_eq!(offered_examples(map).collect::<Vec<_>>(), [&json!(1), &json!(2), &json!(3), &json!(4)]);
        #[cfg(feature = "mock")]
        assert_eq!(declared_example(map), Some(&json!(1)));
    }

    #[test]
    fn the_tighter_bound_wins_and_ties_exclude() {
        let map = json!({"minimum": 3, "exclusiveMinimum": 3, "maximum": 10, "exclusiveMaximum": 11.5});
        let (lo, hi) = bounds(map.as_object().unwrap());
        let (lo, hi) = (lo.unwrap(), hi.unwrap());
        assert_eq!((lo.value, lo.exclusive, lo.written), (3.0, true, &json!(3)));
        assert_eq!((hi.value, hi.exclusive), (10.0, false));
        assert_eq!(bounds(json!({"exclusiveMinimum": true}).as_object().unwrap()), (None, None));
    }

    #[test]
    fn numbers_stay_integral_below_the_limit() {
        assert_eq!(num_value(3.0), json!(3));
        assert_eq!(num_value(0.5), json!(0.5));
        assert_eq!(num_value(f64::NAN), Value::Null);
        assert_eq!(json_number(2e15, 1e15), Some(json!(2e15)));
        assert_eq!(json_number(2e15, 9e15), Some(json!(2_000_000_000_000_000i64)));
    }
}

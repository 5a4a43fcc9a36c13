//! proptest strategies from value plans, built once per operation and shared by every case.
//!
//! Strings are restricted to what the value's place can carry: header values are visible
//! ASCII (HTTP cannot carry CR/LF or arbitrary bytes, whatever the schema allows), cookie
//! values are cookie-octets, and items inside delimited parameters (`a,b`, `a|b`) avoid the
//! delimiters so that the wire form reads back as the same value. Shrinking goes towards
//! small numbers, short strings of `a`s, the first enum value and absent optional fields.

use super::plan::{ArraySpec, Node, NumSpec, ObjectSpec, StrSpec};
use super::values::fits;
use proptest::prelude::*;
use proptest::strategy::{SBoxedStrategy, Union};
use regex_syntax::hir::{self, Hir, HirKind};
use serde_json::{Map, Value};

/// Where a value goes: decides which characters strings may hold and whether `null` is sendable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Place {
    /// A JSON body: anything.
    Json,
    /// A query value or a form field: any text, but `null` cannot be told from "".
    Text,
    /// A form body (an object whose members are [`Place::Text`]).
    Form,
    /// A path segment: non-empty, percent-encoded later, without `/`: WSGI and ASGI servers
    /// decode `%2F` before routing, so a value holding it reaches another route (307, 308, 404).
    Path,
    /// A path segment that may hold `/` (as `%2F`): only with `--path-slashes`.
    PathSlash,
    /// A header value: visible ASCII.
    Header,
    /// A cookie value: cookie-octets.
    Cookie,
    /// An item inside a delimited parameter value: `[A-Za-z0-9-_~]` only.
    Item,
}

impl Place {
    /// The place of values nested inside this one (array items, object members).
    pub(super) fn nested(self) -> Place {
        match self {
            Place::Json => Place::Json,
            Place::Form => Place::Text,
            _ => Place::Item,
        }
    }

    /// A path segment, with or without `/`.
    pub(super) fn is_path(self) -> bool {
        matches!(self, Place::Path | Place::PathSlash)
    }

    pub(super) fn allows_null(self) -> bool {
        self == Place::Json
    }

    /// Whether a string can be carried here unchanged.
    pub(super) fn carries(self, s: &str) -> bool {
        match self {
            Place::Json | Place::Text | Place::Form => true,
            Place::Path => !s.is_empty() && s != "." && s != ".." && !s.contains('/'),
            Place::PathSlash => !s.is_empty() && s != "." && s != "..",
            Place::Header => s.bytes().all(|b| (0x20..0x7f).contains(&b)) && s.trim() == s,
            Place::Cookie => s.bytes().all(is_cookie_octet),
            Place::Item => s.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_~".contains(&b)),
        }
    }

    /// Characters free strings are drawn from (shrinking goes to the first range's start).
    fn char_ranges(self) -> Vec<(char, char)> {
        let alnum = vec![('a', 'z'), ('A', 'Z'), ('0', '9')];
        match self {
            Place::Item => {
                let mut r = alnum;
                r.extend([('-', '-'), ('_', '_'), ('~', '~')]);
                r
            }
            Place::Header => {
                let mut r = alnum;
                r.extend([('!', '/'), (':', '@'), ('[', '`'), ('{', '~')]);
                r
            }
            Place::Cookie => {
                let mut r = alnum;
                r.extend([('!', '!'), ('#', '+'), ('-', '/'), (':', ':'), ('<', '@'), ('[', '['), (']', '`')]);
                r
            }
            Place::Json | Place::Text | Place::Form | Place::Path | Place::PathSlash => {
                let mut r = alnum;
                r.extend([
                    (' ', if self == Place::Path { '.' } else { '/' }),
                    (':', '@'),
                    ('[', '`'),
                    ('{', '~'),
                    ('é', 'é'),
                    ('ß', 'ß'),
                    ('中', '中'),
                    ('😀', '😀'),
                ]);
                r
            }
        }
    }
}

fn is_cookie_octet(b: u8) -> bool {
    b == 0x21
        || (0x23..=0x2b).contains(&b)
        || (0x2d..=0x3a).contains(&b)
        || (0x3c..=0x5b).contains(&b)
        || (0x5d..=0x7e).contains(&b)
}

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

/// A finite float as JSON; whole numbers stay integral (`3`, not `3.0`).
pub(crate) fn num_value(f: f64) -> Value {
    if f.fract() == 0.0 && f.abs() < 9e15 {
        return Value::from(f as i64);
    }
    serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)
}

fn string(spec: &StrSpec, place: Place) -> Option<SBoxedStrategy<Value>> {
    let (min, max) = (spec.min, spec.max);
    let len_ok = move |s: &str| {
        let n = s.chars().count();
        n >= min && max.is_none_or(|m| n <= m)
    };
    if let Some(pattern) = &spec.pattern {
        let generator = &pattern.generator;
        let keep = move |s: &String| len_ok(s) && place.carries(s);
        if generator.lossy && generator.rate < MIN_RATE {
            // Relaxed draws rarely match: pick among the matches found while compiling.
            let pool: Vec<String> = generator.pool.iter().filter(|s| keep(s)).cloned().collect();
            return (!pool.is_empty()).then(|| proptest::sample::select(pool).prop_map(Value::String).sboxed());
        }
        let base = match fast_regex(&pattern.hir, 0) {
            Some(fast) => fast,
            None => proptest::string::string_regex_parsed(&pattern.hir).ok()?.sboxed(),
        };
        let pattern = pattern.clone();
        return Some(
            base.prop_filter_map("pattern, length and place", move |s| pattern.keep(s).filter(&keep))
                .prop_map(Value::String)
                .sboxed(),
        );
    }
    if let Some(format) = &spec.format
        && let Some(s) = format_strategy(format)
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

fn lower(n: std::ops::RangeInclusive<u8>) -> impl Strategy<Value = String> {
    proptest::collection::vec(proptest::char::range('a', 'z'), n.start().to_owned() as usize..=*n.end() as usize)
        .prop_map(|cs| cs.into_iter().collect::<String>())
}

/// Values of the formats conform generates.
fn format_strategy(format: &str) -> Option<SBoxedStrategy<String>> {
    let date = (1970u32..2100, 1u32..=12, 1u32..=28).prop_map(|(y, m, d)| format!("{y:04}-{m:02}-{d:02}"));
    let time = (0u32..24, 0u32..60, 0u32..60).prop_map(|(h, m, s)| format!("{h:02}:{m:02}:{s:02}Z"));
    Some(match format {
        "date" => date.sboxed(),
        "date-time" => (date, time).prop_map(|(d, t)| format!("{d}T{t}")).sboxed(),
        "time" => time.sboxed(),
        "email" | "idn-email" => (lower(1..=8), lower(1..=8)).prop_map(|(a, b)| format!("{a}@{b}.example")).sboxed(),
        "uuid" => any::<u128>()
            .prop_map(|n| {
                let h = format!("{:032x}", (n & !(0xf << 76) & !(0x3 << 62)) | (0x4 << 76) | (0x2 << 62));
                format!("{}-{}-{}-{}-{}", &h[0..8], &h[8..12], &h[12..16], &h[16..20], &h[20..32])
            })
            .sboxed(),
        "uri" | "iri" | "uri-reference" | "iri-reference" => {
            (lower(1..=10), lower(0..=10)).prop_map(|(host, path)| format!("https://{host}.example/{path}")).sboxed()
        }
        "hostname" | "idn-hostname" => {
            (lower(1..=10), lower(1..=10)).prop_map(|(a, b)| format!("{a}.{b}.example")).sboxed()
        }
        "ipv4" => any::<[u8; 4]>().prop_map(|b| format!("{}.{}.{}.{}", b[0], b[1], b[2], b[3])).sboxed(),
        "ipv6" => {
            any::<[u16; 8]>().prop_map(|p| p.iter().map(|x| format!("{x:x}")).collect::<Vec<_>>().join(":")).sboxed()
        }
        "byte" => proptest::collection::vec(any::<u8>(), 0..=24)
            .prop_map(|bytes| {
                use base64::Engine;
                base64::engine::general_purpose::STANDARD.encode(bytes)
            })
            .sboxed(),
        "duration" => (0u32..400, 0u32..24).prop_map(|(d, h)| format!("P{d}DT{h}H")).sboxed(),
        "json-pointer" => proptest::collection::vec(lower(1..=6), 0..=3)
            .prop_map(|parts| parts.iter().map(|p| format!("/{p}")).collect::<String>())
            .sboxed(),
        "relative-json-pointer" => (0u32..10).prop_map(|n| n.to_string()).sboxed(),
        _ => return None,
    })
}

/// A value of a format for deterministic cases (the first a generator would shrink to, roughly).
pub(crate) fn format_sample(format: &str) -> Option<&'static str> {
    Some(match format {
        "date" => "2024-01-31",
        "date-time" => "2024-01-31T12:00:00Z",
        "time" => "12:00:00Z",
        "email" | "idn-email" => "user@example.com",
        "uuid" => "123e4567-e89b-42d3-a456-426614174000",
        "uri" | "iri" | "uri-reference" | "iri-reference" => "https://example.com/",
        "hostname" | "idn-hostname" => "example.com",
        "ipv4" => "192.0.2.1",
        "ipv6" => "2001:db8::1",
        "byte" => "aGVsbG8=",
        "duration" => "P1D",
        "json-pointer" => "/a",
        "relative-json-pointer" => "0",
        _ => return None,
    })
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

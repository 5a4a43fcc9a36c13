//! Variants of a minimal valid request: boundary values (each bound, bound ± 1, each enum value,
//! each optional member present) and the invalid catalogue (wrong type, missing required
//! member, null where not nullable, pattern and enum violations, lengths and counts out of
//! bounds, unexpected properties, malformed or missing bodies, wrong Content-Type, undocumented
//! methods).
//!
//! A variant is an edit at a place (a parameter or the body, plus a path inside the value), so
//! the same variant applies to the minimal request and to any random valid one. Whether an
//! invalid variant really breaks exactly one thing is decided later, on the rendered request.

use super::place::{Place, fits};
use super::plan::Node;
use super::values::{distinct, minimal};
use crate::model::case::{CaseOrigin, Location};
use crate::rng::Rng;
use crate::spec::Method;
use crate::values::format;
use crate::values::num_value;
use crate::values::pattern::{Pattern, repetitions, sample};
use serde_json::{Value, json};

/// How many variants one parameter or body may contribute.
const MAX_VARIANTS: usize = 240;
/// Nesting depth the catalogue walks into.
const MAX_DEPTH: usize = 6;
/// Arrays and strings longer than this are not built for boundary cases.
const MAX_BUILT: usize = 4096;
/// How many edge variants (values at edges the schema leaves open) one parameter or body may
/// contribute: each is one more request per operation.
const MAX_EDGES: usize = 24;
/// The length of the "very long" string sent where no `maxLength` is declared, unless set.
pub(super) const DEFAULT_MAX_STRING: usize = 1000;
/// Text with non-ASCII letters, a symbol outside the BMP's Latin blocks, CJK and an emoji (four
/// UTF-8 bytes: what a 3-byte `utf8` database column cannot store). Starts non-ASCII, so any
/// prefix of it is non-ASCII.
const NON_ASCII: &str = "Ünïcödé ✓ 日本語 🙂";

/// One step from a value to a place inside it. Each step carries the value to create when the
/// place does not exist yet (the minimal valid value there).
#[derive(Debug, Clone)]
pub(crate) enum Step {
    Key(String, Value),
    Index(usize, Value),
    /// Enter one alternative of a union: the value there is replaced by that alternative's
    /// minimal value first.
    Alt(Value),
}

/// What a variant does at its place.
#[derive(Debug, Clone)]
pub(crate) enum Action {
    /// Set the value; the first candidate that works is used: `(value, description)`.
    Set(Vec<(Value, String)>),
    /// Remove the member or parameter.
    Remove(String),
}

/// Whole-request edits.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Special {
    MalformedJson,
    MissingBody,
    ContentType(String),
    Method(Method),
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Target {
    /// Index into the operation plan's parameters.
    Param(usize),
    Body,
    Request(Special),
}

#[derive(Debug, Clone)]
pub(crate) struct Variant {
    pub target: Target,
    pub path: Vec<Step>,
    pub action: Action,
    /// `None` for a valid variant; else the broken keyword.
    pub constraint: Option<&'static str>,
    pub origin: CaseOrigin,
    pub location: Location,
}

impl Variant {
    pub(super) fn is_valid(&self) -> bool {
        self.constraint.is_none()
    }
}

/// Shortens long values for descriptions: `"32b6…e7b"`.
pub(crate) fn abbreviate(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    if chars.len() <= 12 {
        return s.to_owned();
    }
    let head: String = chars[..4].iter().collect();
    let tail: String = chars[chars.len() - 3..].iter().collect();
    format!("{head}…{tail}")
}

fn show(v: &Value) -> String {
    match v {
        Value::String(s) => format!("\"{}\"", abbreviate(s)),
        Value::Array(a) if a.len() > 3 => format!("[…{} items]", a.len()),
        other => {
            let t = other.to_string();
            if t.chars().count() > 40 { format!("{}…", t.chars().take(37).collect::<String>()) } else { t }
        }
    }
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "an integer",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Walks a plan and collects variants for one target.
pub(crate) struct Walker {
    pub out: Vec<Variant>,
    /// Edge variants, kept apart so that their cap never crowds out the catalogue.
    edges: Vec<Variant>,
    target: Target,
    /// For parameters: the one location; for the body: `None` (pointers are built).
    param_location: Option<Location>,
    /// The length of the very long string sent where no `maxLength` is declared.
    max_string: usize,
}

impl Walker {
    pub(super) fn new(target: Target, param_location: Option<Location>, max_string: usize) -> Walker {
        Walker { out: Vec::new(), edges: Vec::new(), target, param_location, max_string }
    }

    /// Every variant: boundaries and the catalogue, then the edges.
    pub(super) fn into_variants(mut self) -> Vec<Variant> {
        self.out.append(&mut self.edges);
        self.out
    }

    /// A valid value at an edge the schema leaves open, described for reports.
    fn edge(&mut self, path: &[Step], value: Value, description: String) {
        if self.edges.len() >= MAX_EDGES {
            return;
        }
        let location = self.location(path);
        self.edges.push(Variant {
            target: self.target.clone(),
            path: path.to_vec(),
            action: Action::Set(vec![(value, description)]),
            constraint: None,
            origin: CaseOrigin::Edge,
            location,
        });
    }

    /// Integers at the edges of an open range: int64's extremes where no bound is declared,
    /// one past int64's maximum, 0 and -1 (also where the only bounds are a format's).
    fn integer_edges(&mut self, path: &[Step], label: &str, spec: &super::plan::IntSpec) {
        let m = spec.multiple;
        let format_only =
            [(i64::from(i32::MIN), i64::from(i32::MAX)), (i64::MIN, i64::MAX)].contains(&(spec.min, spec.max));
        let open = spec.lo.is_none() || spec.hi.is_none() || format_only;
        if !open {
            return;
        }
        let mut edges: Vec<(Value, String)> = Vec::new();
        if spec.lo.is_none() {
            edges.push((json!(spec.min), format!("{label} = {} (int64 minimum; no minimum declared)", spec.min)));
        }
        if spec.hi.is_none() {
            edges.push((json!(spec.max), format!("{label} = {} (int64 maximum; no maximum declared)", spec.max)));
            if m == 1 {
                let beyond = i64::MAX as u64 + 1;
                edges.push((json!(beyond), format!("{label} = {beyond} (beyond int64; no maximum declared)")));
            }
        }
        for v in [0i64, -1] {
            if (spec.min..=spec.max).contains(&v) && v % m == 0 {
                edges.push((json!(v), format!("{label} = {v}")));
            }
        }
        for (v, d) in edges {
            self.edge(path, v, d);
        }
    }

    /// Numbers at the edges of an open range: the largest finite magnitudes, the smallest
    /// positive one and -0.
    fn number_edges(&mut self, path: &[Step], label: &str, spec: &super::plan::NumSpec) {
        if spec.lo.is_some() && spec.hi.is_some() {
            return;
        }
        let number = |f: f64| serde_json::Number::from_f64(f).map(Value::Number);
        let mut edges: Vec<(f64, String)> = Vec::new();
        if spec.hi.is_none() {
            edges.push((f64::MAX, format!("{label} = {:e} (largest double; no maximum declared)", f64::MAX)));
        }
        if spec.lo.is_none() {
            edges.push((-f64::MAX, format!("{label} = {:e} (lowest double; no minimum declared)", -f64::MAX)));
        }
        edges.push((f64::from_bits(1), format!("{label} = {:e} (smallest positive double)", f64::from_bits(1))));
        edges.push((-0.0, format!("{label} = -0.0")));
        for (f, d) in edges {
            if let Some(v) = number(f) {
                self.edge(path, v, d);
            }
        }
    }

    /// Free strings at the edges of an open length: very long where no `maxLength` is
    /// declared, and non-ASCII text.
    fn string_edges(&mut self, path: &[Step], label: &str, place: Place, spec: &super::plan::StrSpec) {
        if spec.max.is_none() {
            let n = self.max_string.max(spec.min);
            self.edge(path, json!("a".repeat(n)), format!("{label} has {n} characters (no maxLength declared)"));
        }
        let len = NON_ASCII.chars().count().max(spec.min).min(spec.max.unwrap_or(usize::MAX));
        let text: String = NON_ASCII.chars().cycle().take(len).collect();
        if len > 0 && place.carries(&text) {
            self.edge(path, json!(text), format!("{label} = \"{}\" (non-ASCII)", abbreviate(&text)));
        }
    }

    /// Array query parameters: an empty item (`state=`) and an item repeated.
    fn array_edges(&mut self, path: &[Step], label: &str, spec: &super::plan::ArraySpec, item: Option<&Value>) {
        if !path.is_empty() || !matches!(self.param_location, Some(Location::Query(_))) {
            return;
        }
        if spec.min <= 1 {
            self.edge(path, json!([""]), format!("{label} = [\"\"] (an empty item)"));
        }
        if let Some(i) = item.filter(|_| !spec.unique && spec.max.is_none_or(|m| m >= 2) && spec.min <= 2) {
            self.edge(path, json!([i, i]), format!("{label} = [{}, {}] (an item repeated)", show(i), show(i)));
        }
    }

    fn location(&self, path: &[Step]) -> Location {
        if let Some(l) = &self.param_location {
            return l.clone();
        }
        let mut pointer = String::new();
        for step in path {
            match step {
                Step::Key(k, _) => {
                    pointer.push('/');
                    pointer.push_str(&crate::spec::pointer::escape(k));
                }
                Step::Index(i, _) => pointer.push_str(&format!("/{i}")),
                Step::Alt(_) => {}
            }
        }
        Location::Body(pointer)
    }

    fn push(&mut self, path: &[Step], action: Action, constraint: Option<&'static str>, origin: CaseOrigin) {
        if self.out.len() >= MAX_VARIANTS {
            return;
        }
        let location = self.location(path);
        self.out.push(Variant {
            target: self.target.clone(),
            path: path.to_vec(),
            action,
            constraint,
            origin,
            location,
        });
    }

    fn valid(&mut self, path: &[Step], value: Value) {
        self.push(path, Action::Set(vec![(value, String::new())]), None, CaseOrigin::Boundary);
    }

    fn invalid(
        &mut self,
        path: &[Step],
        constraint: &'static str,
        origin: CaseOrigin,
        candidates: Vec<(Value, String)>,
    ) {
        if !candidates.is_empty() {
            self.push(path, Action::Set(candidates), Some(constraint), origin);
        }
    }

    /// Walks `node`, the value at `path` (labelled `label` in descriptions).
    pub(super) fn walk(
        &mut self,
        node: &Node,
        path: &mut Vec<Step>,
        label: &str,
        place: Place,
        nullable: bool,
        depth: usize,
    ) {
        if depth > MAX_DEPTH || self.out.len() >= MAX_VARIANTS {
            return;
        }
        let nullable = nullable || node.admits_null();
        match node {
            Node::Union(alts) => {
                let plain: Vec<&Node> = alts.iter().filter(|a| !matches!(a, Node::Null)).collect();
                if alts.iter().any(|a| matches!(a, Node::Null)) && place.allows_null() {
                    self.valid(path, Value::Null);
                }
                if plain.len() == 1 {
                    return self.walk(plain[0], path, label, place, nullable, depth);
                }
                for alt in plain.into_iter().take(6) {
                    let Some(m) = minimal(alt, place) else { continue };
                    self.valid(path, m.clone());
                    path.push(Step::Alt(m));
                    self.walk(alt, path, label, place, nullable, depth + 1);
                    path.pop();
                }
            }
            Node::Int(spec) => {
                let m = spec.multiple;
                let mut bounds = Vec::new();
                if spec.lo.is_some() {
                    bounds.push(spec.min);
                    bounds.extend(spec.min.checked_add(m).filter(|v| *v <= spec.max));
                }
                if spec.hi.is_some() {
                    bounds.extend(spec.max.checked_sub(m).filter(|v| *v >= spec.min));
                    bounds.push(spec.max);
                }
                bounds.dedup();
                bounds.sort_unstable();
                bounds.dedup();
                for b in bounds {
                    self.valid(path, json!(b));
                }
                if let Some(lo) = &spec.lo
                    && let Some(below) = spec.min.checked_sub(m)
                {
                    let d = format!("{label} = {below} ({})", lo.describe(false));
                    self.invalid(path, lo.keyword(false), CaseOrigin::Boundary, vec![(json!(below), d)]);
                }
                if let Some(hi) = &spec.hi
                    && let Some(above) = spec.max.checked_add(m)
                {
                    let d = format!("{label} = {above} ({})", hi.describe(true));
                    self.invalid(path, hi.keyword(true), CaseOrigin::Boundary, vec![(json!(above), d)]);
                } else if spec.hi.is_some() && spec.max == i64::MAX {
                    // int64's upper bound + 1 still fits JSON as an unsigned integer.
                    let above = i64::MAX as u64 + 1;
                    let d = format!("{label} = {above} (maximum {})", i64::MAX);
                    self.invalid(path, "maximum", CaseOrigin::Boundary, vec![(json!(above), d)]);
                }
                if m > 1 && spec.min.checked_add(1).is_some_and(|v| v <= spec.max) {
                    let v = spec.min + 1;
                    let d = format!("{label} = {v} (multipleOf {m})");
                    self.invalid(path, "multipleOf", CaseOrigin::Catalogue, vec![(json!(v), d)]);
                }
                self.integer_edges(path, label, spec);
                let typical = minimal(node, place).map_or_else(|| spec.min.to_string(), |v| v.to_string());
                self.wrong_type(path, label, "an integer", vec![json!(typical), json!(true), json!(1.5)]);
                self.null(path, label, place, nullable);
            }
            Node::Num(spec) => {
                let (lo, hi) = spec.range();
                let mut bounds = Vec::new();
                if spec.lo.is_some() {
                    bounds.push(lo);
                }
                if spec.hi.is_some() && hi != lo {
                    bounds.push(hi);
                }
                for b in bounds {
                    self.valid(path, num_value(b));
                }
                if let Some(l) = &spec.lo {
                    let v = if l.exclusive { l.value } else { l.value - 1.0 };
                    let d = format!("{label} = {} ({})", show(&num_value(v)), l.describe(false));
                    self.invalid(path, l.keyword(false), CaseOrigin::Boundary, vec![(num_value(v), d)]);
                }
                if let Some(h) = &spec.hi {
                    let v = if h.exclusive { h.value } else { h.value + 1.0 };
                    let d = format!("{label} = {} ({})", show(&num_value(v)), h.describe(true));
                    self.invalid(path, h.keyword(true), CaseOrigin::Boundary, vec![(num_value(v), d)]);
                }
                self.number_edges(path, label, spec);
                self.wrong_type(path, label, "a number", vec![json!("1"), json!(true)]);
                self.null(path, label, place, nullable);
            }
            Node::Str(spec) => {
                let base = minimal(node, place).and_then(|v| v.as_str().map(str::to_owned));
                if let Some(pattern) = &spec.pattern {
                    self.pattern(path, label, place, pattern, base.as_deref());
                } else if let Some(format) = &spec.format {
                    if let Some(s) = format::canonical(format) {
                        self.valid(path, json!(s));
                    }
                    if format::canonical(format).is_some() {
                        let bad = json!(format!("not-a-{format}"));
                        let d = format!("{label} = {} (format {format})", show(&bad));
                        self.invalid(path, "format", CaseOrigin::Catalogue, vec![(bad, d)]);
                    }
                } else {
                    let filler = |n: usize| json!("a".repeat(n));
                    let mut lengths = vec![spec.min];
                    lengths.extend(spec.max.filter(|m| *m <= MAX_BUILT && *m != spec.min));
                    for n in lengths {
                        self.valid(path, filler(n));
                    }
                    if spec.min > 0 {
                        let n = spec.min - 1;
                        let d = format!("{label} has {n} characters (minLength {})", spec.min);
                        self.invalid(path, "minLength", CaseOrigin::Boundary, vec![(filler(n), d)]);
                    }
                    if let Some(m) = spec.max.filter(|m| *m < MAX_BUILT) {
                        let d = format!("{label} has {} characters (maxLength {m})", m + 1);
                        self.invalid(path, "maxLength", CaseOrigin::Boundary, vec![(filler(m + 1), d)]);
                    }
                    self.string_edges(path, label, place, spec);
                }
                self.wrong_type(path, label, "a string", vec![json!(123), json!(true), json!(["a"])]);
                self.null(path, label, place, nullable);
            }
            Node::Bool => {
                self.valid(path, json!(true));
                self.valid(path, json!(false));
                self.wrong_type(path, label, "a boolean", vec![json!("true"), json!(1), json!("yes")]);
                self.null(path, label, place, nullable);
            }
            Node::Enum(values) => {
                for v in values.iter().filter(|v| fits(v, place)).take(16) {
                    self.valid(path, v.clone());
                }
                let strings = values.iter().all(Value::is_string);
                let mut candidates = Vec::new();
                let listed: Vec<String> = values.iter().take(3).map(show).collect();
                let more = if values.len() > 3 { ", …" } else { "" };
                let outside = if strings {
                    json!("NOT_IN_ENUM")
                } else {
                    let max = values.iter().filter_map(Value::as_i64).max().unwrap_or(0);
                    json!(max.saturating_add(1))
                };
                if !values.contains(&outside) {
                    let d = format!("{label} = {} (not one of {}{more})", show(&outside), listed.join(", "));
                    candidates.push((outside, d));
                }
                self.invalid(path, "enum", CaseOrigin::Catalogue, candidates);
                if strings {
                    self.wrong_type(path, label, "a string", vec![json!(123), json!(true)]);
                }
                self.null(path, label, place, nullable);
            }
            Node::Const(v) => {
                let other = match v {
                    Value::String(s) => json!(format!("{s}_x")),
                    Value::Bool(b) => json!(!b),
                    Value::Number(n) => json!(n.as_f64().unwrap_or(0.0) + 1.0),
                    _ => json!("other"),
                };
                let d = format!("{label} = {} (must be {})", show(&other), show(v));
                self.invalid(path, "const", CaseOrigin::Catalogue, vec![(other, d)]);
                self.null(path, label, place, nullable);
            }
            Node::Array(spec) => {
                let items_place = place.nested();
                let item = minimal(&spec.items, items_place);
                let build = |n: usize| -> Option<Value> {
                    if n == 0 {
                        return Some(json!([]));
                    }
                    if n > MAX_BUILT {
                        return None;
                    }
                    if spec.unique && n > 1 {
                        return distinct(&spec.items, n, items_place).map(Value::Array);
                    }
                    item.clone().map(|i| Value::Array(vec![i; n]))
                };
                let mut counts = vec![spec.min];
                counts.extend(spec.max.filter(|m| *m != spec.min && *m <= 64));
                for n in counts {
                    if let Some(v) = build(n) {
                        self.valid(path, v);
                    }
                }
                if spec.min > 0
                    && let Some(v) = build(spec.min - 1)
                {
                    let d = format!("{label} has {} items (minItems {})", spec.min - 1, spec.min);
                    self.invalid(path, "minItems", CaseOrigin::Boundary, vec![(v, d)]);
                }
                if let Some(m) = spec.max.filter(|m| *m < 64) {
                    let v = if spec.unique {
                        distinct(&spec.items, m + 1, items_place).map(Value::Array)
                    } else {
                        build(m + 1)
                    };
                    if let Some(v) = v {
                        let d = format!("{label} has {} items (maxItems {m})", m + 1);
                        self.invalid(path, "maxItems", CaseOrigin::Boundary, vec![(v, d)]);
                    }
                }
                if spec.unique
                    && spec.max.is_none_or(|m| m >= 2)
                    && let Some(i) = &item
                {
                    let d = format!("{label} has duplicate items (uniqueItems)");
                    self.invalid(path, "uniqueItems", CaseOrigin::Catalogue, vec![(json!([i, i]), d)]);
                }
                self.array_edges(path, label, spec, item.as_ref());
                self.wrong_type(path, label, "an array", vec![json!({}), json!("a")]);
                self.null(path, label, place, nullable);
                if let Some(i) = item {
                    path.push(Step::Index(0, i));
                    self.walk(&spec.items, path, &format!("{label}[0]"), items_place, false, depth + 1);
                    path.pop();
                }
            }
            Node::Object(spec) => {
                let member_place = place.nested();
                let child = |name: &str| if label == "body" { name.to_owned() } else { format!("{label}.{name}") };
                for prop in &spec.props {
                    let Some(pmin) = minimal(&prop.node, member_place) else { continue };
                    path.push(Step::Key(prop.name.clone(), pmin.clone()));
                    if prop.required {
                        let d = format!("required property {} is missing", child(&prop.name));
                        self.push(path, Action::Remove(d), Some("required"), CaseOrigin::Catalogue);
                    } else {
                        self.valid(path, pmin);
                    }
                    self.walk(&prop.node, path, &child(&prop.name), member_place, false, depth + 1);
                    path.pop();
                }
                if spec.closed {
                    let mut name = "unexpectedProperty".to_owned();
                    while spec.props.iter().any(|p| p.name == name) {
                        name.push('_');
                    }
                    path.push(Step::Key(name.clone(), json!("a")));
                    let d = format!("unexpected property {} (additionalProperties is false)", child(&name));
                    self.invalid(path, "additionalProperties", CaseOrigin::Catalogue, vec![(json!("a"), d)]);
                    path.pop();
                }
                self.wrong_type(path, label, "an object", vec![json!([]), json!("a")]);
                self.null(path, label, place, nullable);
            }
            Node::Null | Node::Any | Node::Never(..) => {}
        }
    }

    fn wrong_type(&mut self, path: &[Step], label: &str, wanted: &str, candidates: Vec<Value>) {
        let candidates = candidates
            .into_iter()
            .map(|v| {
                let d = format!("{label} = {} ({} where {wanted} is required)", show(&v), type_name(&v));
                (v, d)
            })
            .collect();
        self.invalid(path, "type", CaseOrigin::Catalogue, candidates);
    }

    fn null(&mut self, path: &[Step], label: &str, place: Place, nullable: bool) {
        if !nullable && place.allows_null() {
            let d = format!("{label} = null (not nullable)");
            self.invalid(path, "nullable", CaseOrigin::Catalogue, vec![(Value::Null, d)]);
        }
    }

    fn pattern(&mut self, path: &[Step], label: &str, place: Place, pattern: &Pattern, base: Option<&str>) {
        let src = &pattern.source;
        let describe = |s: &str, why: &str| format!("{label} \"{}\" does not match {src} ({why})", abbreviate(s));
        let chars = |s: &str| s.chars().count();
        for (index, min, max) in repetitions(&pattern.hir).into_iter().take(3) {
            let draw = |count: u32| pattern.generator.finish(sample(&pattern.hir, &mut Rng::new(7), &[(index, count)]));
            let mut valid_counts = vec![min];
            valid_counts.extend(max.filter(|m| *m != min && *m as usize <= MAX_BUILT));
            for c in valid_counts {
                let s = draw(c);
                if place.carries(&s) && (!pattern.generator.lossy || pattern.generator.accepts(&s)) {
                    self.valid(path, json!(s));
                }
            }
            if min > 0 {
                let s = draw(min - 1);
                let d = describe(&s, &format!("{} characters", chars(&s)));
                self.invalid(path, "pattern", CaseOrigin::Boundary, vec![(json!(s), d)]);
            }
            if let Some(m) = max.filter(|m| (*m as usize) < MAX_BUILT) {
                let s = draw(m + 1);
                let d = describe(&s, &format!("{} characters", chars(&s)));
                self.invalid(path, "pattern", CaseOrigin::Boundary, vec![(json!(s), d)]);
            }
        }
        let Some(base) = base else { return };
        let upper = base.to_uppercase();
        if upper != base {
            let d = describe(&upper, "uppercase");
            self.invalid(path, "pattern", CaseOrigin::Catalogue, vec![(json!(upper), d)]);
        }
        let lower = base.to_lowercase();
        if lower != base {
            let d = describe(&lower, "lowercase");
            self.invalid(path, "pattern", CaseOrigin::Catalogue, vec![(json!(lower), d)]);
        }
        let mut candidates = Vec::new();
        for c in ['z', 'g', 'Z', '!', '-', '_', '~', '.'] {
            let mut s: String = base.chars().skip(1).collect();
            s.insert(0, c);
            if s != base {
                let d = describe(&s, &format!("'{c}' is not allowed"));
                candidates.push((json!(s), d));
            }
        }
        self.invalid(path, "pattern", CaseOrigin::Catalogue, candidates);
        if !base.is_empty() {
            self.invalid(path, "pattern", CaseOrigin::Catalogue, vec![(json!(""), describe("", "0 characters"))]);
        }
    }
}

/// Applies a path edit to an optional root value (`fill` creates the root when absent).
/// Returns false when the edit does not apply (a step through a value of another shape).
pub(crate) fn apply(root: &mut Option<Value>, fill: &Value, path: &[Step], action: &Action, candidate: usize) -> bool {
    let set_value = || match action {
        Action::Set(c) => c.get(candidate).map(|(v, _)| v.clone()),
        Action::Remove(_) => None,
    };
    if path.is_empty() {
        *root = set_value();
        return true;
    }
    let mut cur = root.get_or_insert_with(|| fill.clone());
    for (i, step) in path.iter().enumerate() {
        let last = i + 1 == path.len();
        match step {
            Step::Alt(m) => {
                *cur = m.clone();
                if last {
                    match set_value() {
                        Some(v) => *cur = v,
                        None => return false,
                    }
                    return true;
                }
            }
            Step::Key(k, child_fill) => {
                let Value::Object(map) = cur else { return false };
                if last {
                    match set_value() {
                        Some(v) => {
                            map.insert(k.clone(), v);
                        }
                        None => {
                            map.shift_remove(k);
                        }
                    }
                    return true;
                }
                cur = map.entry(k.clone()).or_insert_with(|| child_fill.clone());
            }
            Step::Index(n, child_fill) => {
                let Value::Array(items) = cur else { return false };
                while items.len() <= *n {
                    items.push(child_fill.clone());
                }
                if last {
                    match set_value() {
                        Some(v) => items[*n] = v,
                        None => {
                            items.remove(*n);
                        }
                    }
                    return true;
                }
                cur = &mut items[*n];
            }
        }
    }
    true
}

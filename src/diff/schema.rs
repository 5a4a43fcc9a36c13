//! Comparing two converted JSON Schemas (one from each spec version) for one side of the
//! exchange, and classifying every difference as a narrowing, a widening or an incomparable
//! change of the set of values the schema accepts.
//!
//! The comparison reads the converted (JSON Schema 2020-12) documents, so OpenAPI 3.0 quirks are
//! already gone: `nullable` is `type: [T, "null"]` or `anyOf: [.., {type: null}]`, exclusive bounds
//! are numeric, `int32`/`int64` ranges are explicit, discriminators are `anyOf` + `if`/`then`.
//!
//! Rules (see [`super::KINDS`] for every kind):
//! - `allOf` members are merged into one schema before comparing (types intersected, the tighter
//!   bound kept, properties and `required` united, closed when any member is closed).
//! - `anyOf` and `oneOf` are both read as "one of these alternatives". Alternatives are paired by
//!   `$ref` target, then by type, then (one left on each side) with each other; an unpaired old
//!   alternative is removed (a narrowing), an unpaired new one is added (a widening). So in a
//!   request, removing an alternative breaks the clients that send it; in a response it is
//!   adding one that breaks clients (a shape they do not handle), while removing one only
//!   means they stop receiving a shape they already handle. A schema `X` that becomes
//!   `oneOf: [X, Y]` is compared as a union of one: `Y` added. `anyOf` beside other
//!   constraints that appears or disappears as a whole is a narrowing or a widening.
//! - `oneOf`'s "exactly one" is not modelled: alternatives that start or stop overlapping are
//!   not reported.
//! - `if`/`then`/`else` (discriminator dispatch) are not compared; the discriminator's value
//!   `enum`, which the converter adds beside them, is.
//! - Type-specific keywords are compared only when both versions admit that type, so a type
//!   change is reported once, not once per keyword.
//! - `$ref`s are followed in each document. A pair (old target, new target) is compared once per
//!   side and its result reused wherever the pair is reached again; a pair reached again while it
//!   is still being compared (a recursive schema) is skipped. Depth is capped as a last guard.
//!
//! This module must never panic: every malformed shape reads as "no constraint".

use super::{Class, Side};
use crate::spec::{DISCRIMINATOR_KEY, Schema, pointer};
use indexmap::IndexMap;
use serde_json::{Map, Value};
use std::collections::{HashMap, HashSet};

/// Deepest nesting compared; beyond it nothing more is reported.
const MAX_DEPTH: usize = 64;
/// Longest `$ref` chain followed.
const MAX_REF_HOPS: usize = 32;
/// Most schema nodes merged into one (`allOf` expansion).
const MAX_MERGED: usize = 256;
/// Most differences reported under one schema. Only a pathological document (each level
/// referencing the next several times, so that one change is reachable by 2^depth paths)
/// comes near it; beyond it the rest is dropped rather than exhaust memory.
const MAX_DELTAS: usize = 10_000;
/// Keywords that carry no constraint.
const ANNOTATIONS: [&str; 10] = [
    "description",
    "title",
    "example",
    "examples",
    "deprecated",
    "readOnly",
    "writeOnly",
    "default",
    "externalDocs",
    "xml",
];
/// Formats whose meaning the converter already turned into bounds (or that nothing validates).
const NUMERIC_FORMATS: [&str; 4] = ["int32", "int64", "float", "double"];

static TRUE: Value = Value::Bool(true);

/// One difference inside a schema, relative to the schema's root.
#[derive(Debug, Clone)]
pub(super) struct Delta {
    /// Instance path: `/protectedHours/startHourOfDay`; `/[]` stands for array items and `/*`
    /// for additional properties. Empty at the root.
    pub path: String,
    pub kind: &'static str,
    pub class: Class,
    pub message: String,
    /// The named component (`components/schemas/X`) the difference lies in, and the path inside
    /// it: the nearest one on the way down. A change under a shared component is reported there,
    /// once, rather than once per place that uses it.
    pub component: Option<(String, String)>,
}

/// How the set of accepted values changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Effect {
    /// Fewer values accepted.
    Narrowed,
    /// More values accepted.
    Widened,
    /// Some values gained and some lost.
    Changed,
}

/// The classification of an effect on one side: a client must keep being able to send what it
/// sent (requests) and to read what it gets (responses).
fn classify(side: Side, effect: Effect) -> Class {
    match (side, effect) {
        (_, Effect::Changed) => Class::BREAKS_BOTH,
        (Side::Request, Effect::Narrowed) | (Side::Response, Effect::Widened) => Class::BREAKS_CLIENTS,
        (Side::Request, Effect::Widened) | (Side::Response, Effect::Narrowed) => Class::SERVERS,
    }
}

/// `request_` or `response_` + a literal, as a `&'static str`.
macro_rules! sided {
    ($side:expr, $what:literal) => {
        match $side {
            Side::Request => concat!("request_", $what),
            Side::Response => concat!("response_", $what),
        }
    };
}

/// Results of compared `$ref` pairs, shared by every schema of one diff.
#[derive(Default)]
pub(super) struct Memo {
    done: HashMap<(Side, String, String), Vec<Delta>>,
    in_progress: HashSet<(Side, String, String)>,
}

/// Compares the schemas at two places (a body, a parameter, a header). `None` (no schema) accepts
/// anything. A schema that appears or disappears is one change, not one per keyword.
pub(super) fn compare_roots(memo: &mut Memo, side: Side, old: Option<&Schema>, new: Option<&Schema>) -> Vec<Delta> {
    let old_node = old.map(|s| Node { value: s.value(), ptr: s.pointer().to_owned(), via_ref: false });
    let new_node = new.map(|s| Node { value: s.value(), ptr: s.pointer().to_owned(), via_ref: false });
    let old_doc = old.map_or(&TRUE, Schema::document);
    let new_doc = new.map_or(&TRUE, Schema::document);
    let old_trivial = old_node.as_ref().is_none_or(|n| is_trivial(resolve(old_doc, n.clone()).value));
    let new_trivial = new_node.as_ref().is_none_or(|n| is_trivial(resolve(new_doc, n.clone()).value));
    let mut cmp = Comparator { memo, side, old_doc, new_doc };
    match (old_node, new_node) {
        _ if old_trivial && new_trivial => Vec::new(),
        _ if old_trivial => vec![cmp.delta(
            String::new(),
            sided!(side, "schema_added"),
            Effect::Narrowed,
            "a schema now constrains what was unconstrained".to_owned(),
        )],
        _ if new_trivial => vec![cmp.delta(
            String::new(),
            sided!(side, "schema_removed"),
            Effect::Widened,
            "the schema no longer constrains anything".to_owned(),
        )],
        (Some(o), Some(n)) => cmp.compare(&[o], &[n], 0),
        _ => Vec::new(),
    }
}

/// A schema node and its pointer in its document.
#[derive(Debug, Clone)]
struct Node<'a> {
    value: &'a Value,
    ptr: String,
    /// Whether a `$ref` was followed to get here.
    via_ref: bool,
}

/// Follows `$ref`s; a broken or too long chain reads as `true`.
fn resolve<'a>(doc: &'a Value, mut node: Node<'a>) -> Node<'a> {
    for _ in 0..MAX_REF_HOPS {
        let Some(reference) = node.value.get("$ref").and_then(Value::as_str) else { return node };
        let target = pointer::local_fragment(reference).and_then(|f| pointer::get(doc, f).map(|v| (f, v)));
        match target {
            Some((fragment, value)) => node = Node { value, ptr: fragment.to_owned(), via_ref: true },
            None => return Node { value: &TRUE, ptr: format!("{}/$ref", node.ptr), via_ref: true },
        }
    }
    Node { value: &TRUE, ptr: node.ptr, via_ref: true }
}

/// `readOnly`, `writeOnly` and `deprecated` of a property, through `$ref`s and `allOf` members,
/// without building the whole merged view.
#[derive(Debug, Default, Clone, Copy)]
struct Flags {
    read_only: bool,
    write_only: bool,
    deprecated: bool,
}

fn flags(doc: &Value, nodes: &[Node]) -> Flags {
    let mut out = Flags::default();
    let mut queue: Vec<&Value> = nodes.iter().map(|n| n.value).collect();
    let mut next = 0;
    while next < queue.len() && next < MAX_MERGED {
        let mut value = queue[next];
        next += 1;
        for _ in 0..MAX_REF_HOPS {
            match value.get("$ref").and_then(Value::as_str).and_then(pointer::local_fragment) {
                Some(fragment) => match pointer::get(doc, fragment) {
                    Some(target) => value = target,
                    None => break,
                },
                None => break,
            }
        }
        let flag = |key: &str| value.get(key) == Some(&Value::Bool(true));
        out.read_only |= flag("readOnly");
        out.write_only |= flag("writeOnly");
        out.deprecated |= flag("deprecated");
        if let Some(Value::Array(members)) = value.get("allOf") {
            queue.extend(members);
        }
    }
    out
}

/// Whether a node has no constraint at all (`true`, `{}`, or only annotations).
fn is_trivial(value: &Value) -> bool {
    match value {
        Value::Object(map) => map.keys().all(|k| ANNOTATIONS.contains(&k.as_str()) || k.starts_with("x-")),
        Value::Bool(b) => *b,
        _ => true,
    }
}

/// A numeric bound with its original spelling.
#[derive(Debug, Clone)]
struct Bound {
    value: f64,
    exclusive: bool,
    text: String,
}

impl Bound {
    fn describe(bound: Option<&Bound>) -> String {
        match bound {
            None => "none".to_owned(),
            Some(b) if b.exclusive => format!("{} (exclusive)", b.text),
            Some(b) => b.text.clone(),
        }
    }
}

/// One or more schema nodes (an `allOf`) merged into one view.
#[derive(Debug, Default)]
struct Flat<'a> {
    /// `None`: any type. Includes `"null"` when the type list does.
    types: Option<Vec<&'a str>>,
    /// An `anyOf` alternative `{type: null}` was folded away.
    null_alternative: bool,
    enumeration: Option<Vec<&'a Value>>,
    minimum: Option<Bound>,
    maximum: Option<Bound>,
    multiple_of: Option<(f64, String)>,
    min_length: Option<u64>,
    max_length: Option<u64>,
    patterns: Vec<&'a str>,
    format: Option<&'a str>,
    items: Vec<Node<'a>>,
    min_items: Option<u64>,
    max_items: Option<u64>,
    unique_items: bool,
    properties: IndexMap<&'a str, Vec<Node<'a>>>,
    required: Vec<&'a str>,
    closed: bool,
    additional: Vec<Node<'a>>,
    min_properties: Option<u64>,
    max_properties: Option<u64>,
    /// `anyOf`/`oneOf` lists (each alternative a conjunction of nodes).
    alternatives: Vec<Vec<Vec<Node<'a>>>>,
    nots: Vec<&'a Value>,
    discriminator: Option<&'a Map<String, Value>>,
}

impl<'a> Flat<'a> {
    /// Merges nodes (and their `allOf` members) into one view.
    fn of(doc: &'a Value, nodes: &[Node<'a>]) -> Flat<'a> {
        let mut flat = Flat::default();
        let mut queue: Vec<Node<'a>> = nodes.to_vec();
        let mut seen = HashSet::new();
        let mut next = 0;
        while next < queue.len() && next < MAX_MERGED {
            let node = resolve(doc, queue[next].clone());
            next += 1;
            if !seen.insert(node.ptr.clone()) {
                continue;
            }
            let Value::Object(map) = node.value else { continue };
            flat.merge(map, &node.ptr);
            if let Some(Value::Array(members)) = map.get("allOf") {
                let base = pointer::join(&node.ptr, "allOf");
                for (i, member) in members.iter().enumerate() {
                    queue.push(Node { value: member, ptr: pointer::join_index(&base, i), via_ref: false });
                }
            }
            for key in ["anyOf", "oneOf"] {
                let Some(Value::Array(members)) = map.get(key) else { continue };
                let base = pointer::join(&node.ptr, key);
                let mut alternatives = Vec::new();
                let mut null_alternative = false;
                for (i, member) in members.iter().enumerate() {
                    let alt = Node { value: member, ptr: pointer::join_index(&base, i), via_ref: false };
                    if is_null_only(resolve(doc, alt.clone()).value) {
                        null_alternative = true;
                    } else {
                        alternatives.push(vec![alt]);
                    }
                }
                flat.null_alternative |= null_alternative;
                match alternatives.len() {
                    0 => {}
                    // `anyOf: [X, {type: null}]` is a nullable X: merge X in.
                    1 if null_alternative => queue.extend(alternatives.pop().unwrap_or_default()),
                    _ => flat.alternatives.push(alternatives),
                }
            }
        }
        flat
    }

    fn merge(&mut self, map: &'a Map<String, Value>, at: &str) {
        if let Some(types) = read_types(map.get("type")) {
            self.types = Some(match self.types.take() {
                Some(current) => intersect_types(&current, &types),
                None => types,
            });
        }
        let values = match (map.get("enum"), map.get("const")) {
            (Some(Value::Array(values)), _) => Some(values.iter().collect::<Vec<_>>()),
            (_, Some(value)) => Some(vec![value]),
            _ => None,
        };
        if let Some(values) = values {
            self.enumeration = Some(match self.enumeration.take() {
                Some(current) => current.into_iter().filter(|v| values.contains(v)).collect(),
                None => values,
            });
        }
        for (key, exclusive_key, lower) in
            [("minimum", "exclusiveMinimum", true), ("maximum", "exclusiveMaximum", false)]
        {
            for (k, exclusive) in [(key, false), (exclusive_key, true)] {
                let Some(number) = map.get(k).filter(|v| v.is_number()) else { continue };
                let Some(value) = number.as_f64() else { continue };
                let bound = Bound { value, exclusive, text: number.to_string() };
                let slot = if lower { &mut self.minimum } else { &mut self.maximum };
                let tighter = match slot {
                    None => true,
                    Some(current) if lower => {
                        value > current.value || (value == current.value && exclusive && !current.exclusive)
                    }
                    Some(current) => {
                        value < current.value || (value == current.value && exclusive && !current.exclusive)
                    }
                };
                if tighter {
                    *slot = Some(bound);
                }
            }
        }
        if let Some(m) = map.get("multipleOf").and_then(Value::as_f64).filter(|m| *m > 0.0) {
            self.multiple_of = Some((m, map.get("multipleOf").map(Value::to_string).unwrap_or_default()));
        }
        let count = |key: &str| map.get(key).and_then(Value::as_u64);
        tighten_min(&mut self.min_length, count("minLength"));
        tighten_max(&mut self.max_length, count("maxLength"));
        tighten_min(&mut self.min_items, count("minItems"));
        tighten_max(&mut self.max_items, count("maxItems"));
        tighten_min(&mut self.min_properties, count("minProperties"));
        tighten_max(&mut self.max_properties, count("maxProperties"));
        if let Some(pattern) = map.get("pattern").and_then(Value::as_str)
            && !self.patterns.contains(&pattern)
        {
            self.patterns.push(pattern);
        }
        if let Some(format) = map.get("format").and_then(Value::as_str) {
            self.format = Some(format);
        } else if let Some(format) = content_format(map) {
            self.format = Some(format);
        }
        if let Some(items) = map.get("items").filter(|v| v.is_object() || v.is_boolean()) {
            self.items.push(Node { value: items, ptr: pointer::join(at, "items"), via_ref: false });
        }
        self.unique_items |= map.get("uniqueItems") == Some(&Value::Bool(true));
        if let Some(Value::Object(properties)) = map.get("properties") {
            let base = pointer::join(at, "properties");
            for (name, schema) in properties {
                let node = Node { value: schema, ptr: pointer::join(&base, name), via_ref: false };
                self.properties.entry(name.as_str()).or_default().push(node);
            }
        }
        if let Some(Value::Array(required)) = map.get("required") {
            for name in required.iter().filter_map(Value::as_str) {
                if !self.required.contains(&name) {
                    self.required.push(name);
                }
            }
        }
        match map.get("additionalProperties") {
            Some(Value::Bool(false)) => self.closed = true,
            Some(schema @ Value::Object(_)) => self.additional.push(Node {
                value: schema,
                ptr: pointer::join(at, "additionalProperties"),
                via_ref: false,
            }),
            _ => {}
        }
        if let Some(not) = map.get("not") {
            self.nots.push(not);
        }
        if self.discriminator.is_none() {
            self.discriminator = map.get(DISCRIMINATOR_KEY).and_then(Value::as_object);
        }
    }

    /// Types other than `null`, sorted; `None` for any type.
    fn value_types(&self) -> Option<Vec<&'a str>> {
        self.types.as_ref().map(|ts| {
            let mut out: Vec<&str> = ts.iter().copied().filter(|t| *t != "null").collect();
            out.sort_unstable();
            out.dedup();
            out
        })
    }

    /// Whether `null` is accepted, when that is stated (a type list or a folded null alternative).
    fn nullable(&self) -> Option<bool> {
        match &self.types {
            Some(ts) => Some(ts.contains(&"null") || self.null_alternative),
            None if self.null_alternative => Some(true),
            None => None,
        }
    }

    /// Whether values of this JSON type can be valid.
    fn admits(&self, json_type: &str) -> bool {
        self.types
            .as_ref()
            .is_none_or(|ts| ts.contains(&json_type) || (json_type == "number" && ts.contains(&"integer")))
    }

    /// No constraint besides `anyOf`/`oneOf` (the shape of a pure union).
    fn is_pure_union(&self) -> bool {
        self.types.is_none()
            && self.enumeration.is_none()
            && self.minimum.is_none()
            && self.maximum.is_none()
            && self.multiple_of.is_none()
            && self.min_length.is_none()
            && self.max_length.is_none()
            && self.patterns.is_empty()
            && self.format.is_none()
            && self.items.is_empty()
            && self.min_items.is_none()
            && self.max_items.is_none()
            && !self.unique_items
            && self.properties.is_empty()
            && self.required.is_empty()
            && !self.closed
            && self.additional.is_empty()
            && self.min_properties.is_none()
            && self.max_properties.is_none()
            && self.nots.is_empty()
    }
}

/// The 3.0 `format` that 3.1's content keywords stand for, as the 3.1 migration rewrites it:
/// `contentEncoding: base64` is `format: byte`, a `contentMediaType` without an encoding is
/// `format: binary`. So a 3.0 -> 3.1 rewrite of either is no change.
fn content_format(map: &Map<String, Value>) -> Option<&'static str> {
    match map.get("contentEncoding").and_then(Value::as_str) {
        Some(e) if e.eq_ignore_ascii_case("base64") => Some("byte"),
        Some(_) => None,
        None => map.get("contentMediaType").is_some().then_some("binary"),
    }
}

fn tighten_min(slot: &mut Option<u64>, value: Option<u64>) {
    if let Some(v) = value {
        *slot = Some(slot.map_or(v, |c| c.max(v)));
    }
}

fn tighten_max(slot: &mut Option<u64>, value: Option<u64>) {
    if let Some(v) = value {
        *slot = Some(slot.map_or(v, |c| c.min(v)));
    }
}

fn read_types(value: Option<&Value>) -> Option<Vec<&str>> {
    match value? {
        Value::String(t) => Some(vec![t.as_str()]),
        Value::Array(ts) => Some(ts.iter().filter_map(Value::as_str).collect()),
        _ => None,
    }
}

/// Whether `set` admits every value of type `t` (`number` admits `integer`).
fn covers(set: &[&str], t: &str) -> bool {
    set.contains(&t) || (t == "integer" && set.contains(&"number"))
}

fn intersect_types<'a>(a: &[&'a str], b: &[&'a str]) -> Vec<&'a str> {
    let mut out: Vec<&str> = a.iter().copied().filter(|t| covers(b, t)).collect();
    out.extend(b.iter().copied().filter(|t| covers(a, t)));
    out.sort_unstable();
    out.dedup();
    // `number` and `integer` together mean `integer` after an intersection.
    if out.contains(&"integer") && !(covers(a, "number") && covers(b, "number")) {
        out.retain(|t| *t != "number");
    }
    out
}

/// `{type: null}` (and annotations): the alternative a nullable schema adds.
fn is_null_only(value: &Value) -> bool {
    let Value::Object(map) = value else { return false };
    map.get("type").and_then(Value::as_str) == Some("null")
        && map.keys().all(|k| k == "type" || ANNOTATIONS.contains(&k.as_str()) || k.starts_with("x-"))
}

fn describe_types(types: Option<&[&str]>) -> String {
    match types {
        None => "any".to_owned(),
        Some([]) => "nothing".to_owned(),
        Some(ts) => ts.join(" or "),
    }
}

fn describe_values(values: &[&Value]) -> String {
    values.iter().map(|v| v.to_string()).collect::<Vec<_>>().join(", ")
}

/// The name of the component schema a one-node conjunction is a `$ref` to (`Pet` for
/// `#/components/schemas/Pet`), following a chain of `$ref`s to its last named target.
fn component_name(doc: &Value, nodes: &[Node]) -> Option<String> {
    let [node] = nodes else { return None };
    let resolved = resolve(doc, node.clone());
    if !resolved.via_ref {
        return None;
    }
    let name = resolved.ptr.strip_prefix("/components/schemas/")?;
    (!name.contains('/')).then(|| pointer::unescape(name))
}

fn prefixed(mut deltas: Vec<Delta>, segment: &str) -> Vec<Delta> {
    for d in &mut deltas {
        d.path = format!("/{segment}{}", d.path);
    }
    deltas
}

fn is_multiple(value: f64, of: f64) -> bool {
    let ratio = value / of;
    ratio.is_finite() && (ratio - ratio.round()).abs() < 1e-9
}

struct Comparator<'m, 'a> {
    memo: &'m mut Memo,
    side: Side,
    old_doc: &'a Value,
    new_doc: &'a Value,
}

impl<'a> Comparator<'_, 'a> {
    fn delta(&self, path: String, kind: &'static str, effect: Effect, message: String) -> Delta {
        Delta { path, kind, class: classify(self.side, effect), message, component: None }
    }

    /// Compares two conjunctions of nodes.
    fn compare(&mut self, old: &[Node<'a>], new: &[Node<'a>], depth: usize) -> Vec<Delta> {
        if depth > MAX_DEPTH {
            return Vec::new();
        }
        // Keyed by the resolved pointers of both sides (lists too: properties merged from
        // several `allOf` members recurse as lists).
        let resolved = |doc: &'a Value, nodes: &[Node<'a>]| -> (bool, String) {
            let nodes: Vec<Node> = nodes.iter().map(|n| resolve(doc, n.clone())).collect();
            let mut ptrs: Vec<&str> = nodes.iter().map(|n| n.ptr.as_str()).collect();
            ptrs.sort_unstable();
            ptrs.dedup();
            (nodes.iter().any(|n| n.via_ref), ptrs.join(" & "))
        };
        let (old_ref, old_key) = resolved(self.old_doc, old);
        let (new_ref, new_key) = resolved(self.new_doc, new);
        let key = (old_ref || new_ref).then_some((self.side, old_key, new_key));
        if let Some(key) = &key {
            if let Some(done) = self.memo.done.get(key) {
                return done.clone();
            }
            if !self.memo.in_progress.insert(key.clone()) {
                return Vec::new(); // A recursive schema: this pair is being compared further up.
            }
        }
        let mut out = self.compare_flat(old, new, depth);
        out.truncate(MAX_DELTAS);
        // Differences found here that no deeper component claimed belong to this one.
        if let Some(name) = component_name(self.new_doc, new).or_else(|| component_name(self.old_doc, old)) {
            for d in out.iter_mut().filter(|d| d.component.is_none()) {
                d.component = Some((name.clone(), d.path.clone()));
            }
        }
        if let Some(key) = key {
            self.memo.in_progress.remove(&key);
            self.memo.done.insert(key, out.clone());
        }
        out
    }

    fn compare_flat(&mut self, old_nodes: &[Node<'a>], new_nodes: &[Node<'a>], depth: usize) -> Vec<Delta> {
        let old = Flat::of(self.old_doc, old_nodes);
        let new = Flat::of(self.new_doc, new_nodes);
        // A schema that became (or stopped being) a pure union of alternatives: compare it as a
        // union of one alternative, so that `X` -> `oneOf: [X, Y]` reads as "Y added".
        match (old.alternatives.len(), new.alternatives.len()) {
            (0, 1) if new.is_pure_union() && !old.is_pure_union() => {
                let mut out = self.nullability(&old, &new);
                out.extend(self.alternatives(
                    &[old_nodes.to_vec()],
                    &new.alternatives[0],
                    (None, new.discriminator),
                    depth,
                ));
                return out;
            }
            (1, 0) if old.is_pure_union() && !new.is_pure_union() => {
                let mut out = self.nullability(&old, &new);
                out.extend(self.alternatives(
                    &old.alternatives[0],
                    &[new_nodes.to_vec()],
                    (old.discriminator, None),
                    depth,
                ));
                return out;
            }
            _ => {}
        }
        let mut out = Vec::new();
        self.types(&old, &new, &mut out);
        out.extend(self.nullability(&old, &new));
        self.enumeration(&old, &new, &mut out);
        self.format(&old, &new, &mut out);
        if old.admits("number") && new.admits("number") {
            self.numbers(&old, &new, &mut out);
        }
        if old.admits("string") && new.admits("string") {
            self.strings(&old, &new, &mut out);
        }
        if old.admits("array") && new.admits("array") {
            self.arrays(&old, &new, depth, &mut out);
        }
        if old.admits("object") && new.admits("object") {
            self.objects(&old, &new, depth, &mut out);
        }
        self.unions(&old, &new, depth, &mut out);
        self.nots(&old, &new, &mut out);
        self.discriminators(&old, &new, &mut out);
        out
    }

    fn types(&self, old: &Flat<'a>, new: &Flat<'a>, out: &mut Vec<Delta>) {
        let (o, n) = (old.value_types(), new.value_types());
        let effect = match (&o, &n) {
            (None, None) => return,
            (None, Some(_)) => Effect::Narrowed,
            (Some(_), None) => Effect::Widened,
            (Some(o), Some(n)) => {
                let widened = o.iter().all(|t| covers(n, t));
                let narrowed = n.iter().all(|t| covers(o, t));
                match (widened, narrowed) {
                    (true, true) => return,
                    (true, false) => Effect::Widened,
                    (false, true) => Effect::Narrowed,
                    (false, false) => Effect::Changed,
                }
            }
        };
        let (kind, verb) = match effect {
            Effect::Narrowed => (sided!(self.side, "type_narrowed"), "narrowed"),
            Effect::Widened => (sided!(self.side, "type_widened"), "widened"),
            Effect::Changed => (sided!(self.side, "type_changed"), "changed"),
        };
        let message = format!("type {verb} from {} to {}", describe_types(o.as_deref()), describe_types(n.as_deref()));
        out.push(self.delta(String::new(), kind, effect, message));
    }

    fn nullability(&self, old: &Flat, new: &Flat) -> Vec<Delta> {
        match (old.nullable(), new.nullable()) {
            (Some(false), Some(true)) => vec![self.delta(
                String::new(),
                sided!(self.side, "nullable_added"),
                Effect::Widened,
                "null became allowed".to_owned(),
            )],
            (Some(true), Some(false)) => vec![self.delta(
                String::new(),
                sided!(self.side, "nullable_removed"),
                Effect::Narrowed,
                "null is no longer allowed".to_owned(),
            )],
            _ => Vec::new(),
        }
    }

    fn enumeration(&self, old: &Flat<'a>, new: &Flat<'a>, out: &mut Vec<Delta>) {
        // `null` in an enum follows `nullable`, which is reported on its own.
        let non_null = |values: &Option<Vec<&'a Value>>| {
            values.as_ref().map(|vs| vs.iter().copied().filter(|v| !v.is_null()).collect::<Vec<_>>())
        };
        match (non_null(&old.enumeration), non_null(&new.enumeration)) {
            (None, None) => {}
            (None, Some(n)) => out.push(self.delta(
                String::new(),
                sided!(self.side, "enum_added"),
                Effect::Narrowed,
                format!("values restricted to {}", describe_values(&n)),
            )),
            (Some(o), None) => out.push(self.delta(
                String::new(),
                sided!(self.side, "enum_removed"),
                Effect::Widened,
                format!("values no longer restricted to {}", describe_values(&o)),
            )),
            (Some(o), Some(n)) => {
                let removed: Vec<&Value> = o.iter().copied().filter(|v| !n.contains(v)).collect();
                let added: Vec<&Value> = n.iter().copied().filter(|v| !o.contains(v)).collect();
                if !removed.is_empty() {
                    let s = if removed.len() == 1 { "" } else { "s" };
                    out.push(self.delta(
                        String::new(),
                        sided!(self.side, "enum_value_removed"),
                        Effect::Narrowed,
                        format!("enum value{s} {} removed", describe_values(&removed)),
                    ));
                }
                if !added.is_empty() {
                    let s = if added.len() == 1 { "" } else { "s" };
                    out.push(self.delta(
                        String::new(),
                        sided!(self.side, "enum_value_added"),
                        Effect::Widened,
                        format!("enum value{s} {} added", describe_values(&added)),
                    ));
                }
            }
        }
    }

    fn format(&self, old: &Flat<'a>, new: &Flat<'a>, out: &mut Vec<Delta>) {
        let relevant = |f: Option<&'a str>| f.filter(|f| !NUMERIC_FORMATS.contains(f));
        let (kind, effect, message) = match (relevant(old.format), relevant(new.format)) {
            (None, Some(n)) => (sided!(self.side, "format_added"), Effect::Narrowed, format!("format {n} added")),
            (Some(o), None) => (sided!(self.side, "format_removed"), Effect::Widened, format!("format {o} removed")),
            (Some(o), Some(n)) if o != n => {
                (sided!(self.side, "format_changed"), Effect::Changed, format!("format changed from {o} to {n}"))
            }
            _ => return,
        };
        out.push(self.delta(String::new(), kind, effect, message));
    }

    fn numbers(&self, old: &Flat<'a>, new: &Flat<'a>, out: &mut Vec<Delta>) {
        for lower in [true, false] {
            let (o, n) = if lower { (&old.minimum, &new.minimum) } else { (&old.maximum, &new.maximum) };
            let name = if lower { "minimum" } else { "maximum" };
            // Whether the new bound is the tighter one (a bound added is tighter than none).
            let narrowed = match (o, n) {
                (None, None) => continue,
                (None, Some(_)) => true,
                (Some(_), None) => false,
                (Some(o), Some(n)) if o.value == n.value => {
                    if o.exclusive == n.exclusive {
                        continue;
                    }
                    let (kind, effect, became) = match (lower, n.exclusive) {
                        (true, true) => (sided!(self.side, "exclusive_minimum_added"), Effect::Narrowed, "exclusive"),
                        (true, false) => (sided!(self.side, "exclusive_minimum_removed"), Effect::Widened, "inclusive"),
                        (false, true) => (sided!(self.side, "exclusive_maximum_added"), Effect::Narrowed, "exclusive"),
                        (false, false) => {
                            (sided!(self.side, "exclusive_maximum_removed"), Effect::Widened, "inclusive")
                        }
                    };
                    out.push(self.delta(String::new(), kind, effect, format!("{name} {} became {became}", n.text)));
                    continue;
                }
                (Some(o), Some(n)) => {
                    if lower {
                        n.value > o.value
                    } else {
                        n.value < o.value
                    }
                }
            };
            let (kind, verb) = match (lower, narrowed) {
                (true, true) => (sided!(self.side, "minimum_raised"), "raised"),
                (true, false) => (sided!(self.side, "minimum_lowered"), "lowered"),
                (false, true) => (sided!(self.side, "maximum_lowered"), "lowered"),
                (false, false) => (sided!(self.side, "maximum_raised"), "raised"),
            };
            let effect = if narrowed { Effect::Narrowed } else { Effect::Widened };
            let message =
                format!("{name} {verb} from {} to {}", Bound::describe(o.as_ref()), Bound::describe(n.as_ref()));
            out.push(self.delta(String::new(), kind, effect, message));
        }
        let (kind, effect, message) = match (&old.multiple_of, &new.multiple_of) {
            (None, Some((_, n))) => {
                (sided!(self.side, "multiple_of_added"), Effect::Narrowed, format!("multipleOf {n} added"))
            }
            (Some((_, o)), None) => {
                (sided!(self.side, "multiple_of_removed"), Effect::Widened, format!("multipleOf {o} removed"))
            }
            (Some((o, ot)), Some((n, nt))) if o != n => {
                let effect = if is_multiple(*n, *o) {
                    Effect::Narrowed
                } else if is_multiple(*o, *n) {
                    Effect::Widened
                } else {
                    Effect::Changed
                };
                (sided!(self.side, "multiple_of_changed"), effect, format!("multipleOf changed from {ot} to {nt}"))
            }
            _ => return,
        };
        out.push(self.delta(String::new(), kind, effect, message));
    }

    /// Compares a `min*` and a `max*` count (lengths, items, properties).
    fn counts(
        &self,
        (old_min, new_min): (Option<u64>, Option<u64>),
        (old_max, new_max): (Option<u64>, Option<u64>),
        names: [&str; 2],
        kinds: [&'static str; 4],
        out: &mut Vec<Delta>,
    ) {
        let (o, n) = (old_min.unwrap_or(0), new_min.unwrap_or(0));
        if n > o {
            out.push(self.delta(
                String::new(),
                kinds[0],
                Effect::Narrowed,
                format!("{} raised from {o} to {n}", names[0]),
            ));
        } else if n < o {
            out.push(self.delta(
                String::new(),
                kinds[1],
                Effect::Widened,
                format!("{} lowered from {o} to {n}", names[0]),
            ));
        }
        let show = |v: Option<u64>| v.map_or_else(|| "unbounded".to_owned(), |v| v.to_string());
        let narrowed = match (old_max, new_max) {
            (Some(o), Some(n)) if n < o => true,
            (None, Some(_)) => true,
            (Some(o), Some(n)) if n > o => false,
            (Some(_), None) => false,
            _ => return,
        };
        let (kind, verb, effect) =
            if narrowed { (kinds[2], "lowered", Effect::Narrowed) } else { (kinds[3], "raised", Effect::Widened) };
        let message = format!("{} {verb} from {} to {}", names[1], show(old_max), show(new_max));
        out.push(self.delta(String::new(), kind, effect, message));
    }

    fn strings(&self, old: &Flat<'a>, new: &Flat<'a>, out: &mut Vec<Delta>) {
        self.counts(
            (old.min_length, new.min_length),
            (old.max_length, new.max_length),
            ["minLength", "maxLength"],
            [
                sided!(self.side, "min_length_raised"),
                sided!(self.side, "min_length_lowered"),
                sided!(self.side, "max_length_lowered"),
                sided!(self.side, "max_length_raised"),
            ],
            out,
        );
        let removed: Vec<&str> = old.patterns.iter().copied().filter(|p| !new.patterns.contains(p)).collect();
        let added: Vec<&str> = new.patterns.iter().copied().filter(|p| !old.patterns.contains(p)).collect();
        match (removed.as_slice(), added.as_slice()) {
            ([], []) => {}
            ([], added) => {
                for p in added {
                    out.push(self.delta(
                        String::new(),
                        sided!(self.side, "pattern_added"),
                        Effect::Narrowed,
                        format!("pattern {p} added"),
                    ));
                }
            }
            (removed, []) => {
                for p in removed {
                    out.push(self.delta(
                        String::new(),
                        sided!(self.side, "pattern_removed"),
                        Effect::Widened,
                        format!("pattern {p} removed"),
                    ));
                }
            }
            (removed, added) => out.push(self.delta(
                String::new(),
                sided!(self.side, "pattern_changed"),
                Effect::Changed,
                format!("pattern changed from {} to {}", removed.join(" and "), added.join(" and ")),
            )),
        }
    }

    fn arrays(&mut self, old: &Flat<'a>, new: &Flat<'a>, depth: usize, out: &mut Vec<Delta>) {
        self.counts(
            (old.min_items, new.min_items),
            (old.max_items, new.max_items),
            ["minItems", "maxItems"],
            [
                sided!(self.side, "min_items_raised"),
                sided!(self.side, "min_items_lowered"),
                sided!(self.side, "max_items_lowered"),
                sided!(self.side, "max_items_raised"),
            ],
            out,
        );
        match (old.unique_items, new.unique_items) {
            (false, true) => out.push(self.delta(
                String::new(),
                sided!(self.side, "unique_items_added"),
                Effect::Narrowed,
                "items must now be unique".to_owned(),
            )),
            (true, false) => out.push(self.delta(
                String::new(),
                sided!(self.side, "unique_items_removed"),
                Effect::Widened,
                "items no longer need to be unique".to_owned(),
            )),
            _ => {}
        }
        if !old.items.is_empty() || !new.items.is_empty() {
            let o = if old.items.is_empty() { vec![self.anything()] } else { old.items.clone() };
            let n = if new.items.is_empty() { vec![self.anything()] } else { new.items.clone() };
            out.extend(prefixed(self.compare(&o, &n, depth + 1), "[]"));
        }
    }

    fn anything(&self) -> Node<'a> {
        Node { value: &TRUE, ptr: String::new(), via_ref: false }
    }

    /// Whether a property exists on this side: `readOnly` ones are not sent, `writeOnly` ones
    /// are not answered.
    fn hidden(&self, flags: Flags) -> bool {
        match self.side {
            Side::Request => flags.read_only,
            Side::Response => flags.write_only,
        }
    }

    fn objects(&mut self, old: &Flat<'a>, new: &Flat<'a>, depth: usize, out: &mut Vec<Delta>) {
        let mut names: Vec<&str> = new.properties.keys().copied().collect();
        for name in old.properties.keys().chain(&new.required).chain(&old.required) {
            if !names.contains(name) {
                names.push(name);
            }
        }
        for name in names {
            let segment = pointer::escape(name);
            let path = format!("/{segment}");
            let (op, np) = (old.properties.get(name), new.properties.get(name));
            let old_flags = op.map(|nodes| flags(self.old_doc, nodes));
            let new_flags = np.map(|nodes| flags(self.new_doc, nodes));
            let old_exists = old_flags.is_some_and(|f| !self.hidden(f));
            let new_exists = new_flags.is_some_and(|f| !self.hidden(f));
            let (old_required, new_required) = (old.required.contains(&name), new.required.contains(&name));
            match (old_exists, new_exists) {
                (true, true) => {
                    self.required_change(&path, name, old_required, new_required, out);
                    if let (Some(of), Some(nf)) = (old_flags, new_flags)
                        && !of.deprecated
                        && nf.deprecated
                    {
                        out.push(Delta {
                            path: path.clone(),
                            kind: sided!(self.side, "property_deprecated"),
                            class: Class::NONE,
                            message: format!("{name} is deprecated"),
                            component: None,
                        });
                    }
                    if let (Some(o), Some(n)) = (op, np) {
                        out.extend(prefixed(self.compare(o, n, depth + 1), &segment));
                    }
                }
                (true, false) => out.push(self.property_removed(path, name, old_required, new)),
                (false, true) => out.push(self.property_added(path, name, new_required, old)),
                // Only `required` mentions it (or it is hidden on this side in both versions).
                (false, false) if op.is_none() && np.is_none() => {
                    self.required_change(&path, name, old_required, new_required, out)
                }
                (false, false) => {}
            }
        }
        match (old.closed, new.closed) {
            (false, true) => out.push(self.delta(
                String::new(),
                sided!(self.side, "additional_properties_closed"),
                Effect::Narrowed,
                "properties not listed are no longer allowed".to_owned(),
            )),
            (true, false) => out.push(self.delta(
                String::new(),
                sided!(self.side, "additional_properties_opened"),
                Effect::Widened,
                "properties not listed are now allowed".to_owned(),
            )),
            (false, false) if !old.additional.is_empty() || !new.additional.is_empty() => {
                let o = if old.additional.is_empty() { vec![self.anything()] } else { old.additional.clone() };
                let n = if new.additional.is_empty() { vec![self.anything()] } else { new.additional.clone() };
                out.extend(prefixed(self.compare(&o, &n, depth + 1), "*"));
            }
            _ => {}
        }
        self.counts(
            (old.min_properties, new.min_properties),
            (old.max_properties, new.max_properties),
            ["minProperties", "maxProperties"],
            [
                sided!(self.side, "min_properties_raised"),
                sided!(self.side, "min_properties_lowered"),
                sided!(self.side, "max_properties_lowered"),
                sided!(self.side, "max_properties_raised"),
            ],
            out,
        );
    }

    fn required_change(&self, path: &str, name: &str, old: bool, new: bool, out: &mut Vec<Delta>) {
        let (kind, effect, message) = match (old, new) {
            (false, true) => {
                (sided!(self.side, "property_became_required"), Effect::Narrowed, format!("{name} became required"))
            }
            (true, false) => (
                sided!(self.side, "property_became_optional"),
                Effect::Widened,
                format!("{name} is no longer required"),
            ),
            _ => return,
        };
        out.push(self.delta(path.to_owned(), kind, effect, message));
    }

    fn property_removed(&self, path: String, name: &str, was_required: bool, new: &Flat) -> Delta {
        let required = if was_required { "required " } else { "" };
        match self.side {
            // A closed body now rejects it; an open one accepts anything under that name.
            Side::Request if new.closed => Delta {
                path,
                kind: "request_property_removed",
                class: Class::BREAKS_CLIENTS,
                message: format!("{required}property {name} removed; the object is closed, so sending it is rejected"),
                component: None,
            },
            Side::Request => Delta {
                path,
                kind: "request_property_removed",
                class: Class::SERVERS,
                message: format!("{required}property {name} removed; it is no longer documented"),
                component: None,
            },
            Side::Response => Delta {
                path,
                kind: "response_property_removed",
                class: Class::BREAKS_CLIENTS,
                message: format!("{required}property {name} removed"),
                component: None,
            },
        }
    }

    fn property_added(&self, path: String, name: &str, required: bool, old: &Flat) -> Delta {
        let (kind, class) = match (self.side, required) {
            (Side::Request, true) => ("request_required_property_added", Class::BREAKS_CLIENTS),
            (Side::Request, false) => ("request_property_added", Class::SERVERS),
            // A closed answer promised clients that nothing else appears.
            (Side::Response, true) if old.closed => ("response_required_property_added", Class::BREAKS_CLIENTS),
            (Side::Response, false) if old.closed => ("response_property_added", Class::BREAKS_CLIENTS),
            (Side::Response, true) => ("response_required_property_added", Class::SERVERS),
            (Side::Response, false) => ("response_property_added", Class::NONE),
        };
        let what = if required { "required property" } else { "optional property" };
        let closed = if self.side == Side::Response && old.closed { " to a closed object" } else { "" };
        Delta { path, kind, class, message: format!("{what} {name} added{closed}"), component: None }
    }

    fn unions(&mut self, old: &Flat<'a>, new: &Flat<'a>, depth: usize, out: &mut Vec<Delta>) {
        let (o, n) = (old.alternatives.len(), new.alternatives.len());
        let dispatch = (old.discriminator, new.discriminator);
        for i in 0..o.max(n) {
            match (old.alternatives.get(i), new.alternatives.get(i)) {
                (Some(a), Some(b)) => out.extend(self.alternatives(a, b, dispatch, depth)),
                (None, Some(b)) => out.push(self.delta(
                    String::new(),
                    sided!(self.side, "composition_added"),
                    Effect::Narrowed,
                    format!("values must now match one of {} alternatives", b.len()),
                )),
                (Some(a), None) => out.push(self.delta(
                    String::new(),
                    sided!(self.side, "composition_removed"),
                    Effect::Widened,
                    format!("values no longer need to match one of {} alternatives", a.len()),
                )),
                (None, None) => {}
            }
        }
    }

    fn alternative_label(id: &AltId, index: usize) -> String {
        match (&id.target, id.title) {
            (Some(target), _) => target.rsplit('/').next().map(pointer::unescape).unwrap_or_default(),
            (None, Some(title)) => format!("\"{title}\""),
            (None, None) => format!("#{} ({})", index + 1, describe_types(id.types.as_deref())),
        }
    }

    /// Pairs the alternatives of two unions by what identifies them, never by position: the
    /// `$ref` target, then the discriminator value that selects them, then `title`, then the
    /// `const`/`enum` of a discriminating property, then (for alternatives no name tells
    /// apart) their structure. What is left unpaired was removed or added.
    fn alternatives(
        &mut self,
        old: &[Vec<Node<'a>>],
        new: &[Vec<Node<'a>>],
        dispatch: Dispatch<'a>,
        depth: usize,
    ) -> Vec<Delta> {
        let old_ids: Vec<AltId> = old.iter().map(|a| AltId::of(self.old_doc, a)).collect();
        let new_ids: Vec<AltId> = new.iter().map(|a| AltId::of(self.new_doc, a)).collect();
        let pairs = pair_alternatives(&old_ids, &new_ids, dispatch);
        let mut old_free = vec![true; old.len()];
        let mut new_free = vec![true; new.len()];
        let mut out = Vec::new();
        for &(i, j) in &pairs {
            old_free[i] = false;
            new_free[j] = false;
            out.extend(self.compare(&old[i], &new[j], depth + 1));
        }
        for (i, id) in old_ids.iter().enumerate().filter(|(i, _)| old_free[*i]) {
            let label = Self::alternative_label(id, i);
            out.push(self.delta(
                String::new(),
                sided!(self.side, "alternative_removed"),
                Effect::Narrowed,
                format!("alternative {label} removed"),
            ));
        }
        for (j, id) in new_ids.iter().enumerate().filter(|(j, _)| new_free[*j]) {
            let label = Self::alternative_label(id, j);
            out.push(self.delta(
                String::new(),
                sided!(self.side, "alternative_added"),
                Effect::Widened,
                format!("alternative {label} added"),
            ));
        }
        out
    }

    fn nots(&self, old: &Flat<'a>, new: &Flat<'a>, out: &mut Vec<Delta>) {
        // Best effort: any change to a `not` is incomparable without solving the schemas.
        let changed = old.nots.len() != new.nots.len()
            || old.nots.iter().zip(&new.nots).any(|(o, n)| {
                let o = resolve(self.old_doc, Node { value: o, ptr: String::new(), via_ref: false }).value;
                let n = resolve(self.new_doc, Node { value: n, ptr: String::new(), via_ref: false }).value;
                o != n
            });
        if changed {
            out.push(self.delta(
                String::new(),
                sided!(self.side, "not_changed"),
                Effect::Changed,
                "a `not` constraint changed".to_owned(),
            ));
        }
    }

    fn discriminators(&self, old: &Flat<'a>, new: &Flat<'a>, out: &mut Vec<Delta>) {
        let mapping = |f: &Flat<'a>| f.discriminator.and_then(|d| d.get("mapping")).and_then(Value::as_object);
        let (Some(o), Some(n)) = (mapping(old), mapping(new)) else { return };
        let target = |v: &Value| v.as_str().and_then(|s| s.rsplit('/').next()).map(pointer::unescape);
        for (value, old_target) in o {
            let Some(new_target) = n.get(value) else { continue };
            let (ot, nt) = (target(old_target), target(new_target));
            if ot != nt {
                out.push(self.delta(
                    String::new(),
                    sided!(self.side, "discriminator_mapping_changed"),
                    Effect::Changed,
                    format!(
                        "discriminator value {value} now selects {} instead of {}",
                        nt.unwrap_or_default(),
                        ot.unwrap_or_default()
                    ),
                ));
            }
        }
    }
}

/// Most enum values of one property used to tell alternatives apart.
const MAX_TAG_VALUES: usize = 256;
/// Least structural similarity (shared keywords, properties and tags over all of them) for two
/// unnamed alternatives to be read as one alternative, changed.
const MIN_SIMILARITY: f64 = 0.5;

/// The discriminators (old, new) of two unions whose alternatives are paired.
type Dispatch<'a> = (Option<&'a Map<String, Value>>, Option<&'a Map<String, Value>>);

/// What identifies one alternative of a union.
struct AltId<'a> {
    /// The pointer a `$ref` alternative resolves to.
    target: Option<String>,
    title: Option<&'a str>,
    /// Value types, `null` aside; `None` for any.
    types: Option<Vec<&'a str>>,
    /// Properties whose schema is a `const` or an `enum`, with their values.
    tags: Vec<(&'a str, Vec<&'a Value>)>,
    /// Keywords, property names, required names and tag values, for structural similarity.
    features: HashSet<String>,
    /// The resolved schema (one-node alternatives), to recognise a renamed but identical one.
    value: Option<&'a Value>,
}

impl<'a> AltId<'a> {
    fn of(doc: &'a Value, alt: &[Node<'a>]) -> AltId<'a> {
        let (target, title, value) = match alt {
            [node] => {
                let resolved = resolve(doc, node.clone());
                let target = resolved.via_ref.then(|| resolved.ptr.clone());
                (target, resolved.value.get("title").and_then(Value::as_str), Some(resolved.value))
            }
            _ => (None, None, None),
        };
        let flat = Flat::of(doc, alt);
        let mut features = HashSet::new();
        let mut tags = Vec::new();
        for node in alt {
            if let Value::Object(map) = resolve(doc, node.clone()).value {
                for key in map.keys().filter(|k| !ANNOTATIONS.contains(&k.as_str()) && !k.starts_with("x-")) {
                    features.insert(format!("k:{key}"));
                }
            }
        }
        for t in flat.value_types().unwrap_or_default() {
            features.insert(format!("t:{t}"));
        }
        for name in &flat.required {
            features.insert(format!("r:{name}"));
        }
        for (name, nodes) in &flat.properties {
            features.insert(format!("p:{name}"));
            let mut values: Vec<&Value> = Vec::new();
            for node in nodes {
                let schema = resolve(doc, node.clone()).value;
                match (schema.get("enum"), schema.get("const")) {
                    (Some(Value::Array(vs)), _) => values.extend(vs.iter().take(MAX_TAG_VALUES)),
                    (_, Some(v)) => values.push(v),
                    _ => {}
                }
            }
            if !values.is_empty() {
                for v in &values {
                    features.insert(format!("v:{name}={v}"));
                }
                tags.push((*name, values));
            }
        }
        AltId { target, title, types: flat.value_types(), tags, features, value }
    }

    /// Whether both carry a name and the names differ (another schema, not this one changed).
    fn named_otherwise(&self, other: &AltId) -> bool {
        let differ = |a: Option<&str>, b: Option<&str>| matches!((a, b), (Some(a), Some(b)) if a != b);
        differ(self.target.as_deref(), other.target.as_deref()) || differ(self.title, other.title)
    }

    fn tag(&self, property: &str) -> Option<&[&'a Value]> {
        self.tags.iter().find(|(p, _)| *p == property).map(|(_, vs)| vs.as_slice())
    }

    fn similarity(&self, other: &AltId) -> f64 {
        let union = self.features.union(&other.features).count();
        if union == 0 {
            return 1.0;
        }
        self.features.intersection(&other.features).count() as f64 / union as f64
    }
}

/// Properties whose `const`/`enum` tells the alternatives of one side apart: tagged in two
/// alternatives or more, with different values.
fn discriminating<'a>(ids: &[AltId<'a>]) -> Vec<&'a str> {
    let mut out: Vec<&str> = Vec::new();
    for id in ids {
        for (property, _) in &id.tags {
            if out.contains(property) {
                continue;
            }
            let tagged: Vec<&[&Value]> = ids.iter().filter_map(|i| i.tag(property)).collect();
            if tagged.len() >= 2 && tagged.iter().any(|vs| *vs != tagged[0]) {
                out.push(property);
            }
        }
    }
    out
}

fn overlap(a: &[&Value], b: &[&Value]) -> usize {
    a.iter().filter(|v| b.contains(v)).count()
}

/// `(old index, new index)` pairs of alternatives that are the same alternative; see
/// [`Comparator::alternatives`].
fn pair_alternatives(old: &[AltId], new: &[AltId], (old_dispatch, new_dispatch): Dispatch) -> Vec<(usize, usize)> {
    let mut pairs = Vec::new();
    let mut old_free = vec![true; old.len()];
    let mut new_free = vec![true; new.len()];
    let take = |pairs: &mut Vec<(usize, usize)>, old_free: &mut [bool], new_free: &mut [bool], i: usize, j: usize| {
        old_free[i] = false;
        new_free[j] = false;
        pairs.push((i, j));
    };
    // 1. The same `$ref` target.
    for (i, o) in old.iter().enumerate() {
        let Some(target) = &o.target else { continue };
        if let Some(j) = (0..new.len()).find(|j| new_free[*j] && new[*j].target.as_ref() == Some(target)) {
            take(&mut pairs, &mut old_free, &mut new_free, i, j);
        }
    }
    // 2. The discriminator value that selects each (a mapping that now names another schema).
    let mapping = |d: Option<&Map<String, Value>>| d.and_then(|d| d.get("mapping")).and_then(Value::as_object).cloned();
    if let (Some(om), Some(nm)) = (mapping(old_dispatch), mapping(new_dispatch)) {
        let fragment = |v: &Value| v.as_str().and_then(pointer::local_fragment).map(str::to_owned);
        for (value, old_target) in &om {
            let (Some(ot), Some(nt)) = (fragment(old_target), nm.get(value).and_then(fragment)) else { continue };
            let i = (0..old.len()).find(|i| old_free[*i] && old[*i].target.as_deref() == Some(ot.as_str()));
            let j = (0..new.len()).find(|j| new_free[*j] && new[*j].target.as_deref() == Some(nt.as_str()));
            if let (Some(i), Some(j)) = (i, j) {
                take(&mut pairs, &mut old_free, &mut new_free, i, j);
            }
        }
    }
    // 3. The same title (an inline alternative that became a `$ref`, or a schema renamed,
    //    keeps its title).
    for (i, o) in old.iter().enumerate() {
        let Some(title) = o.title else { continue };
        if !old_free[i] {
            continue;
        }
        let found = (0..new.len()).find(|j| new_free[*j] && new[*j].title == Some(title));
        if let Some(j) = found {
            take(&mut pairs, &mut old_free, &mut new_free, i, j);
        }
    }
    // 4. The values of a discriminating property (`type: {const: AWS}`): the value a client
    //    sends selects the alternative, whatever the schema is called now.
    let mut properties = discriminating(old);
    for p in discriminating(new) {
        if !properties.contains(&p) {
            properties.push(p);
        }
    }
    if !properties.is_empty() {
        for (i, o) in old.iter().enumerate() {
            if !old_free[i] {
                continue;
            }
            let best = (0..new.len())
                .filter(|j| new_free[*j])
                .filter_map(|j| {
                    let shared: usize =
                        properties.iter().filter_map(|p| Some(overlap(o.tag(p)?, new[j].tag(p)?))).sum();
                    (shared > 0).then_some((shared, j))
                })
                .max_by_key(|(shared, j)| (*shared, std::cmp::Reverse(*j)));
            if let Some((_, j)) = best {
                take(&mut pairs, &mut old_free, &mut new_free, i, j);
            }
        }
    }
    // 5. Structure, for what no name tells apart: same types, no contradicting discriminating
    //    tag, similar enough; the most similar pairs first. Two differently named alternatives
    //    pair only when identical (a schema renamed).
    let mut candidates: Vec<(f64, usize, usize)> = Vec::new();
    for (i, o) in old.iter().enumerate().filter(|(i, _)| old_free[*i]) {
        for (j, n) in new.iter().enumerate().filter(|(j, _)| new_free[*j]) {
            if o.types != n.types {
                continue;
            }
            let contradicts = properties.iter().any(|p| match (o.tag(p), n.tag(p)) {
                (Some(a), Some(b)) => overlap(a, b) == 0,
                _ => false,
            });
            if contradicts {
                continue;
            }
            if o.named_otherwise(n) {
                if o.value.is_some() && o.value == n.value {
                    candidates.push((1.0, i, j));
                }
                continue;
            }
            let score = o.similarity(n);
            if score >= MIN_SIMILARITY {
                candidates.push((score, i, j));
            }
        }
    }
    candidates.sort_by(|a, b| b.0.total_cmp(&a.0).then((a.1, a.2).cmp(&(b.1, b.2))));
    for (_, i, j) in candidates {
        if old_free[i] && new_free[j] {
            take(&mut pairs, &mut old_free, &mut new_free, i, j);
        }
    }
    pairs.sort_unstable();
    pairs
}

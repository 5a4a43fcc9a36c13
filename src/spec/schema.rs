//! OpenAPI schemas -> JSON Schema (draft 2020-12), in two passes over the bundled document.
//! 3.0 schemas are a dialect and are converted; 3.1 schemas are 2020-12 as written and only get
//! what every version gets (direction-dependent `required`, discriminator dispatch, integer
//! format ranges, and a lenient reading of a stray `nullable`).
//!
//! 1. [`sanitize`] walks every schema reachable from the spec's operations and components and
//!    removes what no validator could compile (a keyword of the wrong shape, a regex no engine
//!    accepts, a `$ref` that points nowhere), recording a [`SpecFinding`] for each. One broken
//!    place never sinks the rest: the keyword is dropped, the constraint is unchecked.
//! 2. [`convert`] rewrites the sanitised schemas for one direction: `nullable`, boolean
//!    `exclusiveMinimum`/`exclusiveMaximum`, `int32`/`int64` ranges, `readOnly`/`writeOnly`
//!    required-ness, `discriminator` dispatch, `$ref` siblings (dropped in 3.0, kept in 3.1).
//!    It cannot fail.
//!
//! Both passes keep the document's pointer layout, so a schema's pointer is the same in the
//! source, in the converted documents and in findings.

use super::finding::{FindingKind, SpecFinding};
use super::model::Direction;
use super::pointer;
use serde_json::{Map, Value, json};
use std::collections::{HashMap, HashSet};

/// Keywords whose value is one subschema.
const SINGLE_SUBSCHEMA: [&str; 6] = ["not", "if", "then", "else", "contains", "propertyNames"];
/// 2020-12 keywords whose value is one subschema (besides [`SINGLE_SUBSCHEMA`]).
const SINGLE_SUBSCHEMA_2020: [&str; 3] = ["unevaluatedItems", "unevaluatedProperties", "contentSchema"];
/// Keywords whose value is a list of subschemas.
const SCHEMA_LISTS: [&str; 4] = ["allOf", "anyOf", "oneOf", "prefixItems"];
/// Keywords whose value is a map of subschemas.
const SCHEMA_MAPS: [&str; 4] = ["properties", "patternProperties", "$defs", "dependentSchemas"];
/// Keywords that carry no constraint; beside a `$ref` they are harmless.
const ANNOTATIONS: [&str; 6] = ["description", "title", "example", "examples", "summary", "deprecated"];
const TYPES: [&str; 7] = ["string", "number", "integer", "boolean", "array", "object", "null"];

/// Annotation kept on converted schemas so that generators can pick discriminator values.
pub const DISCRIMINATOR_KEY: &str = "x-conform-discriminator";

/// Everything [`sanitize`] learned: the schema pointers to convert, in order (roots first).
#[derive(Debug, Default)]
pub(super) struct Sanitized {
    pub order: Vec<String>,
    /// Pointers of the schema nodes that hold a defect (for "unchecked" bookkeeping).
    pub defects: Vec<String>,
}

enum Edit {
    Remove { at: String, key: String },
    Replace { at: String, with: Value },
}

/// Which schema dialect the document's schemas are written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Dialect {
    /// The OpenAPI 3.0 Schema Object (also what Swagger 2.0 is converted to).
    Oas30,
    /// JSON Schema 2020-12 with the OpenAPI vocabulary (3.1 and later).
    Oas31,
}

struct Walker<'d> {
    doc: &'d Value,
    dialect: Dialect,
    covered: HashSet<String>,
    queue: Vec<String>,
    edits: Vec<Edit>,
    findings: Vec<SpecFinding>,
    defects: Vec<String>,
    pattern_ok: HashMap<String, bool>,
    already_reported: HashSet<String>,
}

/// Pass 1: checks the schemas at `roots` and everything they reference; removes what cannot be
/// compiled, in place, and reports it.
pub(super) fn sanitize(doc: &mut Value, roots: &[String], findings: &mut Vec<SpecFinding>) -> Sanitized {
    sanitize_dialect(doc, roots, findings, Dialect::Oas30)
}

/// [`sanitize`] for schemas of `dialect`.
pub(super) fn sanitize_dialect(
    doc: &mut Value,
    roots: &[String],
    findings: &mut Vec<SpecFinding>,
    dialect: Dialect,
) -> Sanitized {
    let already_reported = findings.iter().map(|f| f.pointer.clone()).collect();
    let mut w = Walker {
        doc,
        dialect,
        covered: HashSet::new(),
        queue: roots.to_vec(),
        edits: Vec::new(),
        findings: Vec::new(),
        defects: Vec::new(),
        pattern_ok: HashMap::new(),
        already_reported,
    };
    let mut order = Vec::new();
    let mut next = 0;
    while next < w.queue.len() {
        let at = w.queue[next].clone();
        next += 1;
        if w.covered.contains(&at) {
            continue;
        }
        if let Some(node) = pointer::get(w.doc, &at) {
            order.push(at.clone());
            w.node(&at, node);
        }
    }
    let Walker { edits, findings: found, defects, .. } = w;
    for edit in edits {
        match edit {
            Edit::Remove { at, key } => {
                if let Some(Value::Object(map)) = pointer::get_mut(doc, &at) {
                    map.shift_remove(&key);
                }
            }
            Edit::Replace { at, with } => {
                if let Some(slot) = pointer::get_mut(doc, &at) {
                    *slot = with;
                }
            }
        }
    }
    findings.extend(found);
    Sanitized { order, defects }
}

impl Walker<'_> {
    fn report(&mut self, kind: FindingKind, at: String, message: String, node_at: &str) {
        if kind.severity() == super::finding::Severity::Error {
            self.defects.push(node_at.to_owned());
        }
        if !self.already_reported.contains(&at) {
            self.findings.push(SpecFinding::new(kind, at, message));
        }
    }

    fn invalid(&mut self, at: &str, key: &str, why: &str) {
        self.report(
            FindingKind::InvalidSchema,
            pointer::join(at, key),
            format!("`{key}` {why}; the keyword is ignored"),
            at,
        );
        self.edits.push(Edit::Remove { at: at.to_owned(), key: key.to_owned() });
    }

    fn node(&mut self, at: &str, node: &Value) {
        if !self.covered.insert(at.to_owned()) {
            return;
        }
        let map = match node {
            Value::Object(map) => map,
            Value::Bool(_) => return,
            _ => {
                self.report(
                    FindingKind::InvalidSchema,
                    at.to_owned(),
                    "a schema must be a mapping; anything is accepted here".to_owned(),
                    at,
                );
                self.edits.push(Edit::Replace { at: at.to_owned(), with: json!({}) });
                return;
            }
        };
        if let Some(reference) = map.get("$ref") {
            self.reference(at, map, reference);
            if self.dialect == Dialect::Oas30 {
                return;
            }
        }
        for (key, value) in map {
            self.keyword(at, key, value);
            self.version_keyword(at, key, value);
        }
    }

    /// Reports a keyword written for another OpenAPI version than the document's.
    fn version_keyword(&mut self, at: &str, key: &str, value: &Value) {
        let why = match (self.dialect, key) {
            (_, "x-nullable") => Some(
                "`x-nullable` is a Swagger 2.0 extension that OpenAPI 3 ignores; null is not allowed here \
                 (write `nullable: true` in 3.0, a `type` list with \"null\" in 3.1)"
                    .to_owned(),
            ),
            (Dialect::Oas31, "nullable") => Some(
                "`nullable` is an OpenAPI 3.0 keyword, not 3.1; conform honours it, but 3.1 tools ignore it \
                 (write a `type` list with \"null\")"
                    .to_owned(),
            ),
            (Dialect::Oas31, "exclusiveMinimum" | "exclusiveMaximum") if value.is_boolean() => Some(format!(
                "a boolean `{key}` is OpenAPI 3.0; in 3.1 it is the bound itself (a number), and 3.1 validators \
                 reject the boolean form; conform reads it as 3.0 did"
            )),
            (Dialect::Oas30, "exclusiveMinimum" | "exclusiveMaximum") if value.is_number() => Some(format!(
                "a numeric `{key}` is OpenAPI 3.1; in 3.0 it is a boolean beside `{}`, and 3.0 tools reject \
                 the number; conform reads it as 3.1 does",
                if key == "exclusiveMinimum" { "minimum" } else { "maximum" }
            )),
            (Dialect::Oas30, "type") if value.is_array() => Some(
                "a `type` list is OpenAPI 3.1; 3.0 takes one type (with `nullable: true` for null), and 3.0 \
                 tools reject the list; conform reads it as 3.1 does"
                    .to_owned(),
            ),
            (Dialect::Oas30, k) if ONLY_31.contains(&k) => Some(format!(
                "`{k}` is not an OpenAPI 3.0 schema keyword (it is JSON Schema 2020-12, OpenAPI 3.1); \
                 3.0 tools ignore it{}",
                match k {
                    "examples" => " (3.0 schemas take one `example`)",
                    "$schema" | "$anchor" | "contentMediaType" | "contentEncoding" => "",
                    _ => ", conform applies it",
                }
            )),
            _ => None,
        };
        if let Some(why) = why {
            self.report(FindingKind::VersionKeyword, pointer::join(at, key), why, at);
        }
    }

    fn reference(&mut self, at: &str, map: &Map<String, Value>, reference: &Value) {
        let ref_at = pointer::join(at, "$ref");
        let Some(text) = reference.as_str() else {
            self.report(
                FindingKind::InvalidSchema,
                ref_at,
                "`$ref` must be a string; anything is accepted here".to_owned(),
                at,
            );
            self.edits.push(Edit::Replace { at: at.to_owned(), with: json!({}) });
            return;
        };
        let target = pointer::local_fragment(text).filter(|f| pointer::get(self.doc, f).is_some());
        match target {
            Some(fragment) => self.queue.push(fragment.to_owned()),
            None => {
                self.report(
                    FindingKind::UnresolvedRef,
                    ref_at,
                    format!("`{text}` does not resolve; anything is accepted here"),
                    at,
                );
                self.edits.push(Edit::Replace { at: at.to_owned(), with: json!({}) });
                return;
            }
        }
        let siblings: Vec<&str> = map
            .keys()
            .map(String::as_str)
            .filter(|k| *k != "$ref" && !k.starts_with("x-") && !ANNOTATIONS.contains(k))
            .collect();
        if !siblings.is_empty() && self.dialect == Dialect::Oas30 {
            self.report(
                FindingKind::RefSiblings,
                at.to_owned(),
                format!(
                    "`{}` beside `$ref` {} ignored, as OpenAPI 3.0 says; wrap the reference in `allOf` to apply {}",
                    siblings.join("`, `"),
                    if siblings.len() == 1 { "is" } else { "are" },
                    if siblings.len() == 1 { "it" } else { "them" },
                ),
                at,
            );
        }
    }

    fn keyword(&mut self, at: &str, key: &str, value: &Value) {
        match key {
            "type" => {
                let ok = match value {
                    Value::String(t) => TYPES.contains(&t.as_str()),
                    Value::Array(ts) => {
                        !ts.is_empty() && ts.iter().all(|t| t.as_str().is_some_and(|t| TYPES.contains(&t)))
                    }
                    _ => false,
                };
                if !ok {
                    self.invalid(at, key, &format!("is {value}, not one of {}", TYPES[..6].join(", ")));
                }
            }
            "properties" | "patternProperties" => match value {
                Value::Object(children) => {
                    let base = pointer::join(at, key);
                    for (name, child) in children {
                        if key == "patternProperties" && !self.pattern_compiles(name) {
                            self.report(
                                FindingKind::InvalidPattern,
                                pointer::join(&base, name),
                                format!("`{name}` is not a valid regular expression; the property pattern is ignored"),
                                at,
                            );
                            self.edits.push(Edit::Remove { at: base.clone(), key: name.clone() });
                            continue;
                        }
                        self.node(&pointer::join(&base, name), child);
                    }
                }
                _ => self.invalid(at, key, "must be a mapping of schemas"),
            },
            "additionalProperties" | "additionalItems" | "unevaluatedProperties" | "unevaluatedItems" => match value {
                Value::Bool(_) => {}
                Value::Object(_) => self.node(&pointer::join(at, key), value),
                _ => self.invalid(at, key, "must be a boolean or a schema"),
            },
            "items" => match value {
                Value::Object(_) | Value::Bool(_) => self.node(&pointer::join(at, key), value),
                Value::Array(_) => self.invalid(at, key, "is a list (tuples are written `prefixItems`)"),
                _ => self.invalid(at, key, "must be a schema"),
            },
            "$defs" | "dependentSchemas" => match value {
                Value::Object(children) => {
                    let base = pointer::join(at, key);
                    for (name, child) in children {
                        self.node(&pointer::join(&base, name), child);
                    }
                }
                _ => self.invalid(at, key, "must be a mapping of schemas"),
            },
            "dependentRequired" => {
                let ok = value.as_object().is_some_and(|m| {
                    m.values().all(|names| names.as_array().is_some_and(|a| a.iter().all(Value::is_string)))
                });
                if !ok {
                    self.invalid(at, key, "must map property names to lists of property names");
                }
            }
            "prefixItems" => match value {
                Value::Array(items) if !items.is_empty() => {
                    let base = pointer::join(at, key);
                    for (i, item) in items.iter().enumerate() {
                        self.node(&pointer::join_index(&base, i), item);
                    }
                }
                _ => self.invalid(at, key, "must be a non-empty list of schemas"),
            },
            "contentMediaType" | "contentEncoding" if !value.is_string() => self.invalid(at, key, "must be a string"),
            "examples" if self.dialect == Dialect::Oas31 && !value.is_array() => {
                self.invalid(at, key, "must be a list of example values")
            }
            k if SINGLE_SUBSCHEMA.contains(&k) || SINGLE_SUBSCHEMA_2020.contains(&k) => match value {
                Value::Object(_) | Value::Bool(_) => self.node(&pointer::join(at, key), value),
                _ => self.invalid(at, key, "must be a schema"),
            },
            k if SCHEMA_LISTS.contains(&k) => match value {
                Value::Array(items) if !items.is_empty() => {
                    let base = pointer::join(at, key);
                    for (i, item) in items.iter().enumerate() {
                        self.node(&pointer::join_index(&base, i), item);
                    }
                }
                _ => self.invalid(at, key, "must be a non-empty list of schemas"),
            },
            "required" => match value {
                Value::Array(names) if names.iter().all(Value::is_string) => {}
                Value::Array(names) => {
                    let kept: Vec<Value> = names.iter().filter(|n| n.is_string()).cloned().collect();
                    self.report(
                        FindingKind::InvalidSchema,
                        pointer::join(at, key),
                        "`required` holds entries that are not strings; they are ignored".to_owned(),
                        at,
                    );
                    self.edits.push(Edit::Replace { at: pointer::join(at, key), with: Value::Array(kept) });
                }
                Value::Bool(_) => {} // Swagger-style `required: true` on a schema: meaningless, harmless.
                _ => self.invalid(at, key, "must be a list of property names"),
            },
            "enum" | "minimum" | "maximum" | "exclusiveMinimum" | "exclusiveMaximum" | "multipleOf" | "format"
            | "nullable" | "readOnly" | "writeOnly" | "uniqueItems" => {
                if let Some(why) = shape_problem(key, value) {
                    self.invalid(at, key, &why);
                }
            }
            "minLength" | "maxLength" | "minItems" | "maxItems" | "minProperties" | "maxProperties" => {
                match value {
                    Value::Number(n) if n.is_u64() => {}
                    Value::Number(n) if n.as_f64().is_some_and(|f| f >= 0.0 && f.fract() == 0.0 && f < 1e15) => {
                        // `5.0`: the meaning is clear; store it as an integer.
                        let whole = n.as_f64().map_or(0, |f| f as u64);
                        self.edits.push(Edit::Replace { at: pointer::join(at, key), with: json!(whole) });
                    }
                    _ => self.invalid(at, key, &format!("is {value}, not a non-negative integer")),
                }
            }
            "pattern" => match value.as_str() {
                Some(p) if self.pattern_compiles(p) => {
                    if let Err(why) = super::pattern::generator(p) {
                        self.report(
                            FindingKind::UngeneratablePattern,
                            pointer::join(at, key),
                            format!("`{p}` cannot be generated from: {why}; values are still checked"),
                            at,
                        );
                    }
                }
                Some(p) => {
                    self.report(
                        FindingKind::InvalidPattern,
                        pointer::join(at, key),
                        format!("`{p}` is not a valid regular expression; the pattern is unchecked"),
                        at,
                    );
                    self.edits.push(Edit::Remove { at: at.to_owned(), key: key.to_owned() });
                }
                None => self.invalid(at, key, "must be a string"),
            },
            "discriminator" => self.discriminator(at, value),
            _ => {}
        }
        if key == "format"
            && let Some(format) = value.as_str()
            && let Some(known) = format_typo(format)
        {
            self.report(
                FindingKind::UnknownFormat,
                pointer::join(at, key),
                format!("`{format}` is not a known format, so it is an unchecked annotation; did you mean `{known}`?"),
                at,
            );
        }
    }

    fn discriminator(&mut self, at: &str, value: &Value) {
        let Some(map) = value.as_object() else {
            return self.invalid(at, "discriminator", "must be a mapping");
        };
        if !map.get("propertyName").is_some_and(Value::is_string) {
            return self.invalid(at, "discriminator", "has no `propertyName` string");
        }
        if let Some(mapping) = map.get("mapping") {
            let Some(entries) = mapping.as_object() else {
                return self.invalid(at, "discriminator", "has a `mapping` that is not a mapping");
            };
            for (name, target) in entries {
                let resolves = target
                    .as_str()
                    .map(mapping_ref)
                    .and_then(|r| pointer::local_fragment(&r).and_then(|f| pointer::get(self.doc, f)).map(|_| ()));
                if resolves.is_none() {
                    self.report(
                        FindingKind::UnresolvedRef,
                        pointer::join(&pointer::join(&pointer::join(at, "discriminator"), "mapping"), name),
                        format!(
                            "discriminator mapping `{name}` -> {target} does not resolve; the discriminator is ignored"
                        ),
                        at,
                    );
                    self.edits.push(Edit::Remove { at: at.to_owned(), key: "discriminator".to_owned() });
                    return;
                }
            }
        }
    }

    fn pattern_compiles(&mut self, pattern: &str) -> bool {
        if let Some(&ok) = self.pattern_ok.get(pattern) {
            return ok;
        }
        let ok = super::pattern::pattern_compiles(pattern);
        self.pattern_ok.insert(pattern.to_owned(), ok);
        ok
    }
}

/// Schema keywords of JSON Schema 2020-12 (OpenAPI 3.1) that the OpenAPI 3.0 Schema Object
/// does not have. (`patternProperties`, `contains` and `propertyNames` are left out: 3.0 tools
/// widely accept them.)
const ONLY_31: [&str; 16] = [
    "const",
    "examples",
    "prefixItems",
    "$defs",
    "dependentRequired",
    "dependentSchemas",
    "if",
    "then",
    "else",
    "unevaluatedProperties",
    "unevaluatedItems",
    "contentMediaType",
    "contentEncoding",
    "contentSchema",
    "$schema",
    "$anchor",
];

/// Formats JSON Schema 2020-12 and the OpenAPI Format Registry define.
const FORMATS: [&str; 46] = [
    "date-time",
    "date",
    "time",
    "duration",
    "email",
    "idn-email",
    "hostname",
    "idn-hostname",
    "ipv4",
    "ipv6",
    "uri",
    "uri-reference",
    "iri",
    "iri-reference",
    "uuid",
    "uri-template",
    "json-pointer",
    "relative-json-pointer",
    "regex",
    "int8",
    "int16",
    "int32",
    "int64",
    "uint8",
    "uint16",
    "uint32",
    "uint64",
    "float",
    "double",
    "decimal",
    "decimal128",
    "byte",
    "binary",
    "base64url",
    "password",
    "char",
    "commonmark",
    "html",
    "date-time-local",
    "time-local",
    "http-date",
    "media-range",
    "sf-binary",
    "sf-boolean",
    "sf-decimal",
    "sf-integer",
];

/// The known format an unknown `format` is most likely a typo of: the same once case and
/// separators are ignored (`datetime`, `Date_Time`), or one edit away (`hostnmae`). A name that
/// extends or shortens a known one (`uuid4`, `int`) is taken as a custom format, as is anything
/// farther away.
pub(crate) fn format_typo(format: &str) -> Option<&'static str> {
    if FORMATS.contains(&format) || format.starts_with("sf-") {
        return None;
    }
    let norm = |s: &str| -> Vec<char> {
        s.chars().filter(|c| !matches!(c, '-' | '_' | ' ' | '.')).flat_map(char::to_lowercase).collect()
    };
    let mine = norm(format);
    if mine.is_empty() {
        return None;
    }
    if let Some(k) = FORMATS.iter().find(|k| norm(k) == mine) {
        return Some(k);
    }
    let contains = |a: &[char], b: &[char]| b.is_empty() || a.windows(b.len()).any(|w| w == b);
    FORMATS.iter().copied().find(|k| {
        let theirs = norm(k);
        theirs.len() >= 4
            && !contains(&mine, &theirs)
            && !contains(&theirs, &mine)
            && edit_distance(&mine, &theirs) <= 1
    })
}

/// Optimal string alignment distance (Levenshtein with adjacent transpositions).
fn edit_distance(a: &[char], b: &[char]) -> usize {
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (d[i - 1][j] + 1).min(d[i][j - 1] + 1).min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = best;
        }
    }
    d[a.len()][b.len()]
}

/// What is wrong with the value of a keyword that takes a plain scalar or list, if anything.
fn shape_problem(key: &str, value: &Value) -> Option<String> {
    let ok = match key {
        "enum" => value.as_array().is_some_and(|a| !a.is_empty()),
        "minimum" | "maximum" => value.is_number(),
        "exclusiveMinimum" | "exclusiveMaximum" => value.is_boolean() || value.is_number(),
        "multipleOf" => value.as_f64().is_some_and(|m| m > 0.0),
        "format" => value.is_string(),
        _ => value.is_boolean(),
    };
    let expected = match key {
        "enum" => "a non-empty list",
        "minimum" | "maximum" => "a number",
        "multipleOf" => "a number above 0",
        "format" => "a string",
        _ => "a boolean",
    };
    (!ok).then(|| format!("is {value}, not {expected}"))
}

/// A discriminator mapping value as a reference: `#/…` stays, a bare name means a component.
fn mapping_ref(target: &str) -> String {
    if target.starts_with('#') {
        target.to_owned()
    } else {
        format!("#/components/schemas/{}", pointer::escape(target))
    }
}

/// Pass 2: the converted document for one direction. `order` comes from [`sanitize`].
pub(super) fn convert(doc: &Value, order: &[String], direction: Direction) -> Value {
    convert_dialect(doc, order, direction, Dialect::Oas30)
}

/// [`convert`] for schemas of `dialect`.
pub(super) fn convert_dialect(doc: &Value, order: &[String], direction: Direction, dialect: Dialect) -> Value {
    let mut out = doc.clone();
    let mut c = Converter { source: doc, direction, dialect, done: HashSet::new() };
    for at in order {
        if c.done.contains(at) {
            continue;
        }
        if let Some(slot) = pointer::get_mut(&mut out, at) {
            let mut node = std::mem::take(slot);
            c.node(&mut node, at);
            *slot = node;
        }
    }
    out
}

struct Converter<'d> {
    source: &'d Value,
    direction: Direction,
    dialect: Dialect,
    done: HashSet<String>,
}

impl Converter<'_> {
    fn node(&mut self, node: &mut Value, at: &str) {
        if !self.done.insert(at.to_owned()) {
            return;
        }
        let Value::Object(map) = node else { return };
        if map.contains_key("$ref") && self.dialect == Dialect::Oas30 {
            map.retain(|k, _| k == "$ref");
            return;
        }
        self.children(map, at);
        exclusive_bounds(map);
        integer_format_bounds(map);
        self.required_by_direction(map, at);
        self.discriminator(map);
        nullable(node);
    }

    fn children(&mut self, map: &mut Map<String, Value>, at: &str) {
        for key in SCHEMA_MAPS {
            if let Some(Value::Object(children)) = map.get_mut(key) {
                let base = pointer::join(at, key);
                for (name, child) in children.iter_mut() {
                    self.node(child, &pointer::join(&base, name));
                }
            }
        }
        for key in SCHEMA_LISTS {
            if let Some(Value::Array(items)) = map.get_mut(key) {
                let base = pointer::join(at, key);
                for (i, item) in items.iter_mut().enumerate() {
                    self.node(item, &pointer::join_index(&base, i));
                }
            }
        }
        for key in SINGLE_SUBSCHEMA.iter().chain(&SINGLE_SUBSCHEMA_2020).chain(&["items", "additionalProperties"]) {
            if let Some(child) = map.get_mut(*key)
                && child.is_object()
            {
                self.node(child, &pointer::join(at, key));
            }
        }
    }

    /// Drops readOnly properties from `required` in requests and writeOnly ones in responses.
    fn required_by_direction(&self, map: &mut Map<String, Value>, at: &str) {
        let flag = match self.direction {
            Direction::Request => "readOnly",
            Direction::Response => "writeOnly",
        };
        let Some(Value::Array(required)) = map.get("required") else { return };
        let drop: HashSet<String> = required
            .iter()
            .filter_map(Value::as_str)
            .filter(|name| {
                let prop = pointer::join(&pointer::join(at, "properties"), name);
                self.flag_through_refs(&prop, flag)
            })
            .map(str::to_owned)
            .collect();
        if drop.is_empty() {
            return;
        }
        let kept: Vec<Value> =
            required.iter().filter(|n| n.as_str().is_none_or(|n| !drop.contains(n))).cloned().collect();
        if kept.is_empty() {
            map.shift_remove("required");
        } else {
            map.insert("required".to_owned(), Value::Array(kept));
        }
    }

    /// Whether the (source) schema at `at`, or what its `$ref` chain leads to, sets `flag`.
    fn flag_through_refs(&self, at: &str, flag: &str) -> bool {
        let mut node = pointer::get(self.source, at);
        for _ in 0..32 {
            let Some(n) = node else { return false };
            if n.get(flag) == Some(&Value::Bool(true)) {
                return true;
            }
            match n.get("$ref").and_then(Value::as_str).and_then(pointer::local_fragment) {
                Some(fragment) => node = pointer::get(self.source, fragment),
                None => return false,
            }
        }
        false
    }

    /// `oneOf`/`anyOf` + `discriminator`: the discriminator value picks the schema, so
    /// overlapping alternatives (which plain `oneOf` would reject) validate as the spec means.
    fn discriminator(&self, map: &mut Map<String, Value>) {
        let Some(Value::Object(disc)) = map.get("discriminator") else { return };
        let list_key = if map.contains_key("oneOf") {
            "oneOf"
        } else if map.contains_key("anyOf") {
            "anyOf"
        } else {
            return; // Inheritance style (the discriminator sits on a base schema): annotation only.
        };
        let Some(property) = disc.get("propertyName").and_then(Value::as_str).map(str::to_owned) else { return };
        let mut mapping: Vec<(String, String)> = disc
            .get("mapping")
            .and_then(Value::as_object)
            .map(|m| m.iter().filter_map(|(k, v)| v.as_str().map(|v| (k.clone(), mapping_ref(v)))).collect())
            .unwrap_or_default();
        let alternatives = map.get(list_key).and_then(Value::as_array).cloned().unwrap_or_default();
        let mut all_refs = true;
        for alt in &alternatives {
            match alt.get("$ref").and_then(Value::as_str) {
                Some(r) => {
                    if let Some(name) = r.strip_prefix("#/components/schemas/") {
                        let name = pointer::unescape(name);
                        if !mapping.iter().any(|(k, _)| *k == name) {
                            mapping.push((name, r.to_owned()));
                        }
                    }
                }
                None => all_refs = false,
            }
        }
        map.shift_remove("discriminator");
        map.shift_remove(list_key);
        map.insert("anyOf".to_owned(), Value::Array(alternatives));
        let mut all_of = match map.shift_remove("allOf") {
            Some(Value::Array(items)) => items,
            _ => Vec::new(),
        };
        for (value, target) in &mapping {
            all_of.push(json!({
                "if": {"properties": {property.as_str(): {"const": value}}, "required": [property.as_str()]},
                "then": {"$ref": target},
            }));
        }
        if all_refs && !mapping.is_empty() {
            let values: Vec<&str> = mapping.iter().map(|(k, _)| k.as_str()).collect();
            all_of.push(json!({"required": [property.as_str()], "properties": {property.as_str(): {"enum": values}}}));
        }
        map.insert("allOf".to_owned(), Value::Array(all_of));
        let mapping_obj: Map<String, Value> = mapping.into_iter().map(|(k, v)| (k, Value::String(v))).collect();
        map.insert(DISCRIMINATOR_KEY.to_owned(), json!({"propertyName": property, "mapping": mapping_obj}));
    }
}

/// `minimum: 5, exclusiveMinimum: true` -> `exclusiveMinimum: 5` (and the same for maximum).
fn exclusive_bounds(map: &mut Map<String, Value>) {
    for (bound, exclusive) in [("minimum", "exclusiveMinimum"), ("maximum", "exclusiveMaximum")] {
        match map.get(exclusive) {
            Some(Value::Bool(true)) => {
                match map.shift_remove(bound) {
                    Some(limit) => map.insert(exclusive.to_owned(), limit),
                    None => map.shift_remove(exclusive),
                };
            }
            Some(Value::Bool(false)) => {
                map.shift_remove(exclusive);
            }
            _ => {}
        }
    }
}

/// `format: int32`/`int64` bound the value; add the range unless a tighter bound is given.
fn integer_format_bounds(map: &mut Map<String, Value>) {
    let (low, high): (i64, i64) = match map.get("format").and_then(Value::as_str) {
        Some("int32") => (i64::from(i32::MIN), i64::from(i32::MAX)),
        Some("int64") => (i64::MIN, i64::MAX),
        _ => return,
    };
    let tight = |map: &Map<String, Value>, keys: [&str; 2], ok: &dyn Fn(f64) -> bool| {
        keys.iter().any(|k| map.get(*k).and_then(Value::as_f64).is_some_and(ok))
    };
    if !tight(map, ["minimum", "exclusiveMinimum"], &|v| v >= low as f64) {
        map.shift_remove("exclusiveMinimum");
        map.insert("minimum".to_owned(), json!(low));
    }
    if !tight(map, ["maximum", "exclusiveMaximum"], &|v| v <= high as f64) {
        map.shift_remove("exclusiveMaximum");
        map.insert("maximum".to_owned(), json!(high));
    }
}

/// `nullable: true` -> `null` is allowed: added to `type` (and `enum`), or, with no `type`,
/// the schema becomes `anyOf: [schema, {type: null}]`.
fn nullable(node: &mut Value) {
    let Value::Object(map) = node else { return };
    if map.shift_remove("nullable") != Some(Value::Bool(true)) {
        return;
    }
    if let Some(Value::Array(values)) = map.get_mut("enum")
        && !values.contains(&Value::Null)
    {
        values.push(Value::Null);
    }
    match map.get_mut("type") {
        Some(Value::String(t)) => {
            let t = std::mem::take(t);
            if t != "null" {
                map.insert("type".to_owned(), json!([t, "null"]));
            }
        }
        Some(Value::Array(ts)) => {
            if !ts.contains(&json!("null")) {
                ts.push(json!("null"));
            }
        }
        _ => {
            let inner = std::mem::take(map);
            let mut wrapped = Map::new();
            for key in ["readOnly", "writeOnly", DISCRIMINATOR_KEY] {
                if let Some(v) = inner.get(key) {
                    wrapped.insert(key.to_owned(), v.clone());
                }
            }
            wrapped.insert("anyOf".to_owned(), json!([Value::Object(inner), {"type": "null"}]));
            *map = wrapped;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Sanitises and converts one schema placed at `/s`, returns (converted, findings).
    fn run(schema: Value, direction: Direction) -> (Value, Vec<SpecFinding>) {
        run_doc(json!({"s": schema}), direction)
    }

    fn run_doc(mut doc: Value, direction: Direction) -> (Value, Vec<SpecFinding>) {
        let mut findings = Vec::new();
        let s = sanitize(&mut doc, &["/s".to_owned()], &mut findings);
        (convert(&doc, &s.order, direction), findings)
    }

    fn validator(doc: &Value) -> jsonschema::Validator {
        let registry = jsonschema::Registry::new()
            .draft(jsonschema::Draft::Draft202012)
            .add("https://conform.invalid/doc.json", doc)
            .and_then(|b| b.prepare())
            .unwrap();
        jsonschema::draft202012::options()
            .with_registry(&registry)
            .should_validate_formats(true)
            .build(&json!({"$ref": "https://conform.invalid/doc.json#/s"}))
            .unwrap()
    }

    /// Asserts `pass` validates and `fail` does not, for a schema at `/s`.
    fn check(schema: Value, direction: Direction, pass: Value, fail: Value) {
        let (doc, findings) = run(schema, direction);
        assert!(findings.iter().all(|f| f.severity != super::super::finding::Severity::Error), "{findings:?}");
        let v = validator(&doc);
        assert!(v.is_valid(&pass), "{pass} should pass {}", doc["s"]);
        assert!(!v.is_valid(&fail), "{fail} should fail {}", doc["s"]);
    }

    /// Asserts `pass` validates and `fail` does not, for a 3.1 schema at `/s` in `doc`.
    fn check31(doc: Value, direction: Direction, pass: Value, fail: Value) {
        let mut doc = doc;
        let mut findings = Vec::new();
        let s = sanitize_dialect(&mut doc, &["/s".to_owned()], &mut findings, Dialect::Oas31);
        assert!(findings.is_empty(), "{findings:?}");
        let out = convert_dialect(&doc, &s.order, direction, Dialect::Oas31);
        let v = validator(&out);
        assert!(v.is_valid(&pass), "{pass} should pass {}", out["s"]);
        assert!(!v.is_valid(&fail), "{fail} should fail {}", out["s"]);
    }

    fn s31(schema: Value) -> Value {
        json!({"s": schema})
    }

    #[test]
    fn oas31_type_arrays_const_examples_and_numeric_exclusive_bounds() {
        let r = Direction::Request;
        check31(s31(json!({"type": ["string", "null"]})), r, json!(null), json!(1));
        check31(s31(json!({"type": ["string", "null"]})), r, json!("x"), json!(true));
        check31(s31(json!({"const": "on"})), r, json!("on"), json!("off"));
        check31(s31(json!({"type": "integer", "examples": [1, 2]})), r, json!(3), json!("3"));
        check31(s31(json!({"type": "number", "exclusiveMinimum": 0})), r, json!(0.1), json!(0));
        check31(s31(json!({"type": "number", "exclusiveMaximum": 10})), r, json!(9.9), json!(10));
    }

    #[test]
    fn oas31_tuples_defs_and_dependencies() {
        let r = Direction::Request;
        check31(
            s31(json!({"type": "array", "prefixItems": [{"type": "string"}, {"type": "integer"}], "items": false})),
            r,
            json!(["a", 1]),
            json!(["a", "b"]),
        );
        check31(
            json!({"s": {"$ref": "#/D/$defs/id"}, "D": {"$defs": {"id": {"type": "string", "minLength": 2}}}}),
            r,
            json!("ab"),
            json!("a"),
        );
        check31(
            s31(json!({"type": "object", "dependentRequired": {"card": ["cvc"]}})),
            r,
            json!({"card": "1", "cvc": "2"}),
            json!({"card": "1"}),
        );
        check31(
            s31(json!({"type": "object", "dependentSchemas": {"card": {"required": ["cvc"]}}})),
            r,
            json!({"cvc": "2"}),
            json!({"card": "1"}),
        );
        check31(
            s31(
                json!({"if": {"properties": {"k": {"const": "a"}}}, "then": {"required": ["a"]}, "else": {"required": ["b"]}}),
            ),
            r,
            json!({"k": "b", "b": 1}),
            json!({"k": "a", "b": 1}),
        );
    }

    #[test]
    fn oas31_unevaluated_content_and_ref_siblings() {
        let r = Direction::Request;
        check31(
            s31(json!({"allOf": [{"properties": {"a": {}}}], "unevaluatedProperties": false})),
            r,
            json!({"a": 1}),
            json!({"a": 1, "b": 2}),
        );
        check31(
            s31(json!({"prefixItems": [{"type": "integer"}], "unevaluatedItems": false})),
            r,
            json!([1]),
            json!([1, 2]),
        );
        // Annotations in 2020-12: they never fail a value, but they load without a finding.
        check31(
            s31(json!({"type": "string", "contentMediaType": "application/json", "contentEncoding": "base64"})),
            r,
            json!("e30="),
            json!(5),
        );
        // 3.1: keywords beside `$ref` apply (3.0 ignored them).
        check31(json!({"s": {"$ref": "#/X", "maxLength": 2}, "X": {"type": "string"}}), r, json!("ab"), json!("abc"));
    }

    #[test]
    fn oas31_read_only_still_leaves_requests_through_type_arrays() {
        let doc = json!({"s": {"type": "object", "required": ["id"], "properties": {"id": {"type": ["string", "null"], "readOnly": true}}}});
        check31(doc.clone(), Direction::Request, json!({}), json!({"id": 1}));
        check31(doc, Direction::Response, json!({"id": null}), json!({}));
    }

    fn lint(schema: Value, dialect: Dialect) -> Vec<(FindingKind, String)> {
        let mut doc = json!({"s": schema});
        let mut findings = Vec::new();
        sanitize_dialect(&mut doc, &["/s".to_owned()], &mut findings, dialect);
        findings.into_iter().map(|f| (f.kind, f.pointer)).collect()
    }

    /// Issue 12, item 8: a `format` one typo away from a known one is flagged; custom formats
    /// that extend a known name, or are far from every one, are not.
    #[test]
    fn format_typos_are_flagged_and_custom_formats_are_not() {
        for (typo, known) in [
            ("datetime", "date-time"),
            ("date_time", "date-time"),
            ("DateTime", "date-time"),
            ("UUID", "uuid"),
            ("hostnmae", "hostname"),
            ("emial", "email"),
            ("ip4", "ipv4"),
        ] {
            assert_eq!(format_typo(typo), Some(known), "{typo}");
        }
        for custom in ["uuid4", "uint32", "int", "url", "phone", "iso-8601", "objectid", "date-time", "sf-token", ""] {
            assert_eq!(format_typo(custom), None, "{custom}");
        }
        let found = lint(json!({"properties": {"at": {"type": "string", "format": "datetime"}}}), Dialect::Oas30);
        assert_eq!(found, [(FindingKind::UnknownFormat, "/s/properties/at/format".to_owned())]);
        assert!(lint(json!({"type": "string", "format": "phone"}), Dialect::Oas30).is_empty());
    }

    /// Issue 12, item 8: keywords of another OpenAPI version are flagged at their pointer, both
    /// ways; each version's own keywords are not.
    #[test]
    fn keywords_from_another_openapi_version_are_flagged() {
        let v30 = json!({"type": "object", "properties": {
            "a": {"type": ["string", "null"]},
            "b": {"const": 1},
            "c": {"type": "integer", "exclusiveMinimum": 3},
            "d": {"type": "string", "examples": ["x"]},
            "e": {"type": "string", "x-nullable": true},
            "ok": {"type": "string", "nullable": true, "example": "x"},
            "okBound": {"type": "integer", "minimum": 3, "exclusiveMinimum": true}
        }});
        let at = |found: Vec<(FindingKind, String)>| -> Vec<String> {
            found.into_iter().filter(|(k, _)| *k == FindingKind::VersionKeyword).map(|(_, p)| p).collect()
        };
        assert_eq!(
            at(lint(v30, Dialect::Oas30)),
            [
                "/s/properties/a/type",
                "/s/properties/b/const",
                "/s/properties/c/exclusiveMinimum",
                "/s/properties/d/examples",
                "/s/properties/e/x-nullable"
            ]
        );
        let v31 = json!({"type": "object", "properties": {
            "a": {"type": "string", "nullable": true},
            "b": {"type": "integer", "minimum": 3, "exclusiveMaximum": true},
            "c": {"type": "string", "x-nullable": true},
            "ok": {"type": ["string", "null"], "const": "x", "examples": ["x"]},
            "okBound": {"type": "integer", "exclusiveMinimum": 3}
        }});
        assert_eq!(
            at(lint(v31, Dialect::Oas31)),
            ["/s/properties/a/nullable", "/s/properties/b/exclusiveMaximum", "/s/properties/c/x-nullable"]
        );
    }

    #[test]
    fn oas31_shape_errors_are_findings() {
        let mut doc =
            json!({"s": {"prefixItems": {}, "dependentRequired": {"a": "b"}, "examples": 3, "contentMediaType": 1}});
        let mut findings = Vec::new();
        sanitize_dialect(&mut doc, &["/s".to_owned()], &mut findings, Dialect::Oas31);
        let at: Vec<&str> = findings.iter().map(|f| f.pointer.as_str()).collect();
        assert_eq!(at, ["/s/prefixItems", "/s/dependentRequired", "/s/examples", "/s/contentMediaType"]);
    }

    #[test]
    fn nullable_with_type_admits_null() {
        check(json!({"type": "string", "nullable": true}), Direction::Response, json!(null), json!(1));
        check(json!({"type": "string"}), Direction::Response, json!("x"), json!(null));
        check(json!({"type": "string", "enum": ["a"], "nullable": true}), Direction::Response, json!(null), json!("b"));
    }

    #[test]
    fn nullable_without_type_wraps_in_any_of() {
        let doc = json!({
            "s": {"allOf": [{"$ref": "#/X"}], "nullable": true},
            "X": {"type": "object", "required": ["a"]}
        });
        let (out, _) = run_doc(doc, Direction::Response);
        let v = validator(&out);
        assert!(v.is_valid(&json!(null)) && v.is_valid(&json!({"a": 1})));
        assert!(!v.is_valid(&json!({})));
    }

    #[test]
    fn boolean_exclusive_bounds_become_numeric() {
        check(
            json!({"type": "number", "minimum": 0, "exclusiveMinimum": true}),
            Direction::Request,
            json!(0.5),
            json!(0),
        );
        check(
            json!({"type": "number", "maximum": 10, "exclusiveMaximum": true}),
            Direction::Request,
            json!(9.9),
            json!(10),
        );
        check(
            json!({"type": "number", "maximum": 10, "exclusiveMaximum": false}),
            Direction::Request,
            json!(10),
            json!(10.1),
        );
    }

    #[test]
    fn integer_formats_bound_the_range() {
        check(
            json!({"type": "integer", "format": "int32"}),
            Direction::Request,
            json!(2147483647),
            json!(2147483648_i64),
        );
        check(
            json!({"type": "integer", "format": "int32"}),
            Direction::Request,
            json!(-2147483648_i64),
            json!(-2147483649_i64),
        );
        check(json!({"type": "integer", "format": "int64"}), Direction::Request, json!(i64::MAX), json!(u64::MAX));
        // A tighter bound given by the spec stays.
        check(
            json!({"type": "integer", "format": "int32", "minimum": 1, "maximum": 7}),
            Direction::Request,
            json!(7),
            json!(8),
        );
    }

    #[test]
    fn string_formats_are_validated() {
        check(
            json!({"type": "string", "format": "date-time"}),
            Direction::Response,
            json!("2015-10-23T22:00:00Z"),
            json!("yesterday"),
        );
        check(
            json!({"type": "string", "format": "date"}),
            Direction::Response,
            json!("2015-10-23"),
            json!("2015-13-23"),
        );
        check(json!({"type": "string", "format": "email"}), Direction::Response, json!("a@b.example"), json!("nope"));
        check(
            json!({"type": "string", "format": "uuid"}),
            Direction::Response,
            json!("123e4567-e89b-12d3-a456-426614174000"),
            json!("123"),
        );
        check(json!({"type": "string", "format": "ipv4"}), Direction::Response, json!("10.0.0.1"), json!("10.0.0.256"));
        check(json!({"type": "string", "format": "ipv6"}), Direction::Response, json!("::1"), json!("::g"));
        check(
            json!({"type": "string", "format": "uri"}),
            Direction::Response,
            json!("https://x.example/a"),
            json!("not a uri"),
        );
    }

    #[test]
    fn read_only_is_not_required_in_requests_and_write_only_not_in_responses() {
        let schema = json!({
            "type": "object",
            "required": ["id", "secret", "name"],
            "properties": {
                "id": {"type": "string", "readOnly": true},
                "secret": {"$ref": "#/Secret"},
                "name": {"type": "string"}
            }
        });
        let doc = json!({"s": schema, "Secret": {"type": "string", "writeOnly": true}});
        let (req, _) = run_doc(doc.clone(), Direction::Request);
        let v = validator(&req);
        assert!(v.is_valid(&json!({"secret": "x", "name": "n"})));
        assert!(!v.is_valid(&json!({"id": "1", "name": "n"})), "secret is required in requests");
        let (resp, _) = run_doc(doc, Direction::Response);
        let v = validator(&resp);
        assert!(v.is_valid(&json!({"id": "1", "name": "n"})));
        assert!(!v.is_valid(&json!({"secret": "x", "name": "n"})), "id is required in responses");
    }

    #[test]
    fn composition_keywords_keep_their_meaning() {
        let base = json!({"type": "object", "required": ["a"], "properties": {"a": {"type": "integer"}}});
        check(
            json!({"allOf": [base, {"required": ["b"]}]}),
            Direction::Request,
            json!({"a": 1, "b": 2}),
            json!({"a": 1}),
        );
        check(json!({"anyOf": [{"type": "string"}, {"type": "integer"}]}), Direction::Request, json!(1), json!(true));
        check(json!({"oneOf": [{"type": "integer"}, {"minimum": 0}]}), Direction::Request, json!(-1), json!(1));
        check(json!({"not": {"type": "string"}}), Direction::Request, json!(1), json!("x"));
        check(
            json!({"type": "object", "additionalProperties": false, "properties": {"a": {}}}),
            Direction::Request,
            json!({"a": 1}),
            json!({"b": 1}),
        );
        check(
            json!({"type": "object", "additionalProperties": {"type": "integer"}}),
            Direction::Request,
            json!({"x": 1}),
            json!({"x": "1"}),
        );
        check(
            json!({"type": "array", "items": {"type": "integer"}, "minItems": 1, "maxItems": 2, "uniqueItems": true}),
            Direction::Request,
            json!([1, 2]),
            json!([1, 1]),
        );
        check(
            json!({"type": "string", "minLength": 2, "maxLength": 3, "pattern": "^[a-f]+$"}),
            Direction::Request,
            json!("abc"),
            json!("abg"),
        );
        check(json!({"type": "number", "multipleOf": 0.5}), Direction::Request, json!(1.5), json!(1.2));
    }

    #[test]
    fn discriminator_picks_the_alternative_even_when_alternatives_overlap() {
        let doc = json!({
            "s": {
                "oneOf": [{"$ref": "#/components/schemas/Cat"}, {"$ref": "#/components/schemas/Dog"}],
                "discriminator": {"propertyName": "kind", "mapping": {"kitty": "#/components/schemas/Cat"}}
            },
            "components": {"schemas": {
                "Cat": {"type": "object", "required": ["kind"], "properties": {"kind": {"type": "string"}, "lives": {"type": "integer", "maximum": 9}}},
                "Dog": {"type": "object", "required": ["kind"], "properties": {"kind": {"type": "string"}, "lives": {"type": "integer", "maximum": 1}}}
            }}
        });
        let (out, findings) = run_doc(doc, Direction::Response);
        assert!(findings.is_empty(), "{findings:?}");
        let v = validator(&out);
        // Both alternatives match {"kind": "Dog", "lives": 1}: plain oneOf would reject it.
        assert!(v.is_valid(&json!({"kind": "Dog", "lives": 1})));
        assert!(v.is_valid(&json!({"kind": "kitty", "lives": 5})));
        assert!(v.is_valid(&json!({"kind": "Cat", "lives": 5})), "implicit mapping by schema name");
        assert!(!v.is_valid(&json!({"kind": "Dog", "lives": 5})));
        assert!(!v.is_valid(&json!({"kind": "Cow"})));
        assert_eq!(out["s"][DISCRIMINATOR_KEY]["mapping"]["Dog"], json!("#/components/schemas/Dog"));
    }

    #[test]
    fn recursive_refs_validate() {
        let doc = json!({"s": {"$ref": "#/Node"}, "Node": {"type": "object", "properties": {"children": {"type": "array", "items": {"$ref": "#/Node"}}, "v": {"type": "integer"}}}});
        let (out, _) = run_doc(doc, Direction::Response);
        let v = validator(&out);
        assert!(v.is_valid(&json!({"children": [{"children": [{"v": 1}]}]})));
        assert!(!v.is_valid(&json!({"children": [{"children": [{"v": "x"}]}]})));
    }

    #[test]
    fn ref_siblings_are_ignored_with_a_warning() {
        let doc = json!({"s": {"$ref": "#/X", "maxLength": 1, "description": "ok"}, "X": {"type": "string"}});
        let (out, findings) = run_doc(doc, Direction::Request);
        assert_eq!(findings.len(), 1);
        assert_eq!(findings[0].kind, FindingKind::RefSiblings);
        assert!(validator(&out).is_valid(&json!("long string")));
    }

    #[test]
    fn broken_places_become_findings_and_the_rest_still_validates() {
        let schema = json!({
            "type": "object",
            "required": ["a", 7],
            "properties": {
                "a": {"type": "string", "pattern": "^(abc$"},
                "b": {"$ref": "#/Missing"},
                "c": {"type": 7},
                "d": {"type": "integer", "minimum": "ten", "maximum": 5},
                "e": {"type": "string", "pattern": "(?<=a)b"},
                "f": "not a schema",
                "g": {"type": "array", "items": [{"type": "string"}]}
            }
        });
        let (out, findings) = run(schema, Direction::Request);
        let kinds: Vec<(FindingKind, &str)> = findings.iter().map(|f| (f.kind, f.pointer.as_str())).collect();
        assert!(kinds.contains(&(FindingKind::InvalidPattern, "/s/properties/a/pattern")), "{kinds:?}");
        assert!(kinds.contains(&(FindingKind::UnresolvedRef, "/s/properties/b/$ref")), "{kinds:?}");
        assert!(kinds.contains(&(FindingKind::InvalidSchema, "/s/properties/c/type")), "{kinds:?}");
        assert!(kinds.contains(&(FindingKind::InvalidSchema, "/s/properties/d/minimum")), "{kinds:?}");
        assert!(kinds.contains(&(FindingKind::UngeneratablePattern, "/s/properties/e/pattern")), "{kinds:?}");
        assert!(kinds.contains(&(FindingKind::InvalidSchema, "/s/properties/f")), "{kinds:?}");
        assert!(kinds.contains(&(FindingKind::InvalidSchema, "/s/properties/g/items")), "{kinds:?}");
        assert!(kinds.contains(&(FindingKind::InvalidSchema, "/s/required")), "{kinds:?}");
        let v = validator(&out);
        assert!(v.is_valid(&json!({"a": "anything", "b": 1, "c": [], "d": 5, "e": "ab"})));
        assert!(!v.is_valid(&json!({"a": "x", "d": 6})), "the intact maximum still holds");
        assert!(!v.is_valid(&json!({"d": 1})), "the intact required entry still holds");
        assert!(!v.is_valid(&json!({"a": "x", "e": "xb"})), "look-behind is still checked");
    }
}

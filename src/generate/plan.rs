//! Value plans: a converted JSON Schema reduced once, per schema use, to the shape generators
//! walk. `$ref`s are resolved (recursion bounded), `allOf` is merged, discriminators become
//! tagged alternatives, `readOnly` properties disappear (this module only plans requests) and
//! patterns are parsed into a regex HIR.
//!
//! Where the reduction cannot be exact (`not`, overlapping `oneOf`, two patterns on one
//! string…) the plan is marked *inexact* and every value drawn from it is checked against the
//! compiled validator before it is used. A schema nothing can satisfy becomes [`Node::Never`]
//! with the pointer and reason, so the caller can report it; planning never panics.

use crate::spec::pattern::generator;
use crate::spec::{DISCRIMINATOR_KEY, Schema, inherited_base, pointer, require_within};
use crate::values::format::{KNOWN_FORMATS, validated_format};
use crate::values::pattern::Pattern;
use crate::values::{Annotations, Bound, bounds, is_annotation, offered_examples};
use serde_json::{Map, Value, json};

/// How many times one `$ref` may appear on the path from the root: deeper recursion is cut.
const MAX_SAME_REF: usize = 2;
/// Hard cap on schema nesting, whatever the references.
const MAX_DEPTH: usize = 24;

/// An inclusive or exclusive numeric limit, as written in the schema.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Limit {
    /// The limit.
    pub value: f64,
    /// Whether the limit itself is excluded.
    pub exclusive: bool,
    /// The number as the schema spells it (for descriptions).
    pub text: String,
}

impl Limit {
    /// The keyword that states this limit (`minimum`, `exclusiveMaximum`…).
    pub(super) fn keyword(&self, upper: bool) -> &'static str {
        match (upper, self.exclusive) {
            (false, false) => "minimum",
            (false, true) => "exclusiveMinimum",
            (true, false) => "maximum",
            (true, true) => "exclusiveMaximum",
        }
    }

    /// The limit in words, for case labels (`exclusive minimum 0`).
    pub(super) fn describe(&self, upper: bool) -> String {
        let word = match (upper, self.exclusive) {
            (false, false) => "minimum",
            (false, true) => "exclusive minimum",
            (true, false) => "maximum",
            (true, true) => "exclusive maximum",
        };
        format!("{word} {}", self.text)
    }
}

/// An `integer` schema.
#[derive(Debug, Clone)]
pub(crate) struct IntSpec {
    /// Effective inclusive range (already a multiple of `multiple`).
    pub min: i64,
    /// See `min`.
    pub max: i64,
    /// `multipleOf` (1 when absent or not a whole number).
    pub multiple: i64,
    /// The lower limit as written.
    pub lo: Option<Limit>,
    /// The upper limit as written.
    pub hi: Option<Limit>,
}

/// A `number` schema.
#[derive(Debug, Clone)]
pub(crate) struct NumSpec {
    /// The lower limit as written.
    pub lo: Option<Limit>,
    /// The upper limit as written.
    pub hi: Option<Limit>,
    /// `multipleOf`, when positive.
    pub multiple: Option<f64>,
}

impl NumSpec {
    /// The smallest and largest finite values inside the limits (unbounded sides get a
    /// moderate range so that generated numbers stay readable).
    pub(super) fn range(&self) -> (f64, f64) {
        let lo = self.lo.as_ref().map(|l| if l.exclusive { next_up(l.value) } else { l.value });
        let hi = self.hi.as_ref().map(|l| if l.exclusive { next_down(l.value) } else { l.value });
        match (lo, hi) {
            (Some(a), Some(b)) => (a, b),
            (Some(a), None) => (a, a + 1e6),
            (None, Some(b)) => (b - 1e6, b),
            (None, None) => (-1e6, 1e6),
        }
    }
}

/// The smallest float above `x` (`x` itself for NaN and +∞).
pub(crate) fn next_up(x: f64) -> f64 {
    if x.is_nan() || x == f64::INFINITY {
        return x;
    }
    if x == 0.0 {
        return f64::from_bits(1);
    }
    let bits = x.to_bits();
    f64::from_bits(if x > 0.0 { bits + 1 } else { bits - 1 })
}

/// The largest float below `x`.
pub(crate) fn next_down(x: f64) -> f64 {
    -next_up(-x)
}

/// A `string` schema.
#[derive(Debug, Clone)]
pub(crate) struct StrSpec {
    /// `minLength`, in characters.
    pub min: usize,
    /// `maxLength`, in characters.
    pub max: Option<usize>,
    /// `pattern`, compiled for drawing.
    pub pattern: Option<Pattern>,
    /// `format`, as written.
    pub format: Option<String>,
    /// Values the schema offers (`example`, `default`, `examples`) that fit it, best first.
    pub examples: Vec<String>,
}

/// An `array` schema.
#[derive(Debug, Clone)]
pub(crate) struct ArraySpec {
    /// What every item must look like.
    pub items: Node,
    /// `minItems`.
    pub min: usize,
    /// `maxItems`.
    pub max: Option<usize>,
    /// `uniqueItems: true`.
    pub unique: bool,
}

/// A declared property of an object schema (`readOnly` ones are left out of request plans).
#[derive(Debug, Clone)]
pub(crate) struct Prop {
    /// The property's name.
    pub name: String,
    /// What its value must look like.
    pub node: Node,
    /// Whether `required` lists it.
    pub required: bool,
}

/// An `object` schema.
#[derive(Debug, Clone)]
pub(crate) struct ObjectSpec {
    /// Declared properties, in document order (required ones named by `required` alone included).
    pub props: Vec<Prop>,
    /// `additionalProperties: false`.
    pub closed: bool,
    /// `additionalProperties: {schema}`: extra keys may be generated from it.
    pub additional: Option<Node>,
}

/// What a value must look like.
#[derive(Debug, Clone)]
pub(crate) enum Node {
    /// No constraint.
    Any,
    /// Nothing satisfies the schema: `(pointer, why)`.
    Never(String, String),
    /// Exactly this value.
    Const(Value),
    /// One of these values (already narrowed to the allowed types).
    Enum(Vec<Value>),
    /// `null`.
    Null,
    /// `true` or `false`.
    Bool,
    /// An integer.
    Int(IntSpec),
    /// A number.
    Num(NumSpec),
    /// A string.
    Str(Box<StrSpec>),
    /// An array.
    Array(Box<ArraySpec>),
    /// An object.
    Object(Box<ObjectSpec>),
    /// One of these (anyOf/oneOf, several types, nullable, discriminator alternatives).
    Union(Vec<Node>),
}

impl Node {
    /// Whether nothing satisfies this node.
    pub(super) fn is_never(&self) -> bool {
        matches!(self, Node::Never(..))
    }

    /// Whether `null` is one of the admitted values.
    pub(super) fn admits_null(&self) -> bool {
        match self {
            Node::Null | Node::Any => true,
            Node::Const(v) => v.is_null(),
            Node::Enum(vs) => vs.iter().any(Value::is_null),
            Node::Union(alts) => alts.iter().any(Node::admits_null),
            _ => false,
        }
    }
}

/// A plan and whether it is exact (every value drawn from it satisfies the schema).
#[derive(Debug, Clone)]
pub(crate) struct Plan {
    /// What a value must look like.
    pub node: Node,
    /// Whether every value drawn from `node` satisfies the schema (else each is checked).
    pub exact: bool,
    /// Patterns that could not be generated from: `(pointer, pattern, fell back to examples)`.
    pub ungeneratable: Vec<(String, String, bool)>,
}

/// Plans the request-direction schema `schema`.
pub(crate) fn plan(schema: &Schema) -> Plan {
    let mut p = Planner { schema, exact: true, refs: Vec::new(), ungeneratable: Vec::new() };
    let node = p.node(schema.value(), schema.pointer(), 0);
    Plan { node, exact: p.exact, ungeneratable: p.ungeneratable }
}

struct Planner<'s> {
    schema: &'s Schema,
    exact: bool,
    refs: Vec<String>,
    ungeneratable: Vec<(String, String, bool)>,
}

impl Planner<'_> {
    fn never(&self, at: &str, why: impl Into<String>) -> Node {
        Node::Never(at.to_owned(), why.into())
    }

    /// Plans the schema value `v` found at `at`.
    fn node(&mut self, v: &Value, at: &str, depth: usize) -> Node {
        if depth > MAX_DEPTH {
            return self.never(at, "schema nesting is too deep to generate");
        }
        match v {
            Value::Bool(true) => return Node::Any,
            Value::Bool(false) => return self.never(at, "the schema is `false`"),
            Value::Object(_) => {}
            _ => return Node::Any,
        }
        // Keywords beside a `$ref` apply (OpenAPI 3.1; 3.0's are dropped on conversion): such a
        // node is planned like an `allOf`, through `flatten`.
        let siblings =
            v.as_object().is_some_and(|m| m.keys().any(|k| k != "$ref" && !is_annotation(k, Annotations::All)));
        if let Some(reference) = v.get("$ref").and_then(Value::as_str).filter(|_| !siblings) {
            let Some(fragment) = pointer::local_fragment(reference) else { return Node::Any };
            if self.refs.iter().filter(|r| r.as_str() == fragment).count() >= MAX_SAME_REF {
                return self.never(fragment, "recursion is cut here");
            }
            let Some(target) = self.schema.lookup(reference) else { return Node::Any };
            self.refs.push(fragment.to_owned());
            let node = self.node(target, fragment, depth + 1);
            self.refs.pop();
            return node;
        }
        let mut merged = Map::new();
        let pushed = self.flatten(v, at, &mut merged, 0);
        let node = self.map_node(merged, at, depth);
        for _ in 0..pushed {
            self.refs.pop();
        }
        node
    }

    /// Merges `v` (following `$ref` and `allOf`) into `out`. Returns how many refs it pushed
    /// on the recursion stack (popped by the caller once the merged node is planned).
    fn flatten(&mut self, v: &Value, at: &str, out: &mut Map<String, Value>, hops: usize) -> usize {
        if hops > 16 {
            return 0;
        }
        let mut pushed = 0;
        let mut node = v;
        // The schema whose `allOf` is walked below: a subtype, if a base it includes names it.
        let mut owner = at;
        if let Some(reference) = v.get("$ref").and_then(Value::as_str) {
            let Some(target) = self.schema.lookup(reference) else { return 0 };
            if let Some(fragment) = pointer::local_fragment(reference) {
                owner = fragment;
                if self.refs.iter().filter(|r| r.as_str() == fragment).count() >= MAX_SAME_REF {
                    out.insert("x-conform-never".into(), json!(format!("{fragment}: recursion is cut here")));
                    return 0;
                }
                self.refs.push(fragment.to_owned());
                pushed += 1;
            }
            if let Some(own) = v.as_object().filter(|m| m.len() > 1) {
                let mut own = own.clone();
                own.shift_remove("$ref");
                pushed += self.flatten(&Value::Object(own), at, out, hops + 1);
            }
            node = target;
        }
        let Some(map) = node.as_object() else {
            if node == &Value::Bool(false) {
                out.insert("x-conform-never".into(), json!(format!("{at}: the schema is `false`")));
            }
            return pushed;
        };
        let discriminated = map.contains_key(DISCRIMINATOR_KEY);
        for (key, value) in map {
            if key == "allOf" || key == "$ref" {
                continue;
            }
            self.merge_key(out, key, value);
        }
        if let Some(Value::Array(items)) = map.get("allOf") {
            for (i, item) in items.iter().enumerate() {
                if item.get("if").is_some() && discriminated {
                    continue; // The discriminator dispatch; alternatives are planned one by one.
                }
                let item_at = pointer::join_index(&pointer::join(at, "allOf"), i);
                // A base that lists this schema as a subtype: its alternatives are satisfied
                // by the subtype itself, not expanded again (OpenAPI inheritance).
                if let Some(inherited) = inherited_base(self.schema.resolve(item), owner) {
                    self.exact &= !inherited.dropped_one_of;
                    pushed += self.flatten(&inherited.schema, &item_at, out, hops + 1);
                    continue;
                }
                pushed += self.flatten(item, &item_at, out, hops + 1);
            }
        }
        pushed
    }

    fn merge_key(&mut self, out: &mut Map<String, Value>, key: &str, value: &Value) {
        let Some(old) = out.get_mut(key) else {
            out.insert(key.to_owned(), value.clone());
            return;
        };
        match key {
            "properties" => {
                if let (Some(o), Some(n)) = (old.as_object_mut(), value.as_object()) {
                    for (name, schema) in n {
                        match o.get_mut(name) {
                            Some(existing) => *existing = json!({"allOf": [existing.clone(), schema.clone()]}),
                            None => {
                                o.insert(name.clone(), schema.clone());
                            }
                        }
                    }
                }
            }
            "required" => {
                if let (Some(o), Some(n)) = (old.as_array_mut(), value.as_array()) {
                    for name in n {
                        if !o.contains(name) {
                            o.push(name.clone());
                        }
                    }
                }
            }
            "type" => {
                let set = |v: &Value| -> Vec<String> {
                    match v {
                        Value::String(s) => vec![s.clone()],
                        Value::Array(a) => a.iter().filter_map(|t| t.as_str().map(str::to_owned)).collect(),
                        _ => Vec::new(),
                    }
                };
                let (a, b) = (set(old), set(value));
                let mut both: Vec<String> = Vec::new();
                for t in &a {
                    if b.contains(t) || (t == "integer" && b.iter().any(|x| x == "number")) {
                        both.push(t.clone());
                    } else if t == "number" && b.iter().any(|x| x == "integer") {
                        both.push("integer".into());
                    }
                }
                if both.is_empty() {
                    out.insert("x-conform-never".into(), json!("allOf requires types that exclude each other"));
                } else {
                    *old = json!(both);
                }
            }
            "enum" => {
                if let (Some(o), Some(n)) = (old.as_array_mut(), value.as_array()) {
                    o.retain(|x| n.contains(x));
                }
            }
            "const" => {
                if old != value {
                    out.insert("x-conform-never".into(), json!("allOf requires two different constants"));
                }
            }
            "minimum" | "exclusiveMinimum" | "minLength" | "minItems" | "minProperties" => {
                if let (Some(o), Some(n)) = (old.as_f64(), value.as_f64())
                    && n > o
                {
                    *old = value.clone();
                }
            }
            "maximum" | "exclusiveMaximum" | "maxLength" | "maxItems" | "maxProperties" => {
                if let (Some(o), Some(n)) = (old.as_f64(), value.as_f64())
                    && n < o
                {
                    *old = value.clone();
                }
            }
            "additionalProperties" | "items" => {
                if value == &Value::Bool(false) || old == &Value::Bool(false) {
                    *old = Value::Bool(false);
                } else if value != &Value::Bool(true) {
                    *old = json!({"allOf": [old.clone(), value.clone()]});
                }
            }
            "uniqueItems" => {
                if value == &Value::Bool(true) {
                    *old = Value::Bool(true);
                }
            }
            k if is_annotation(k, Annotations::All) || k == DISCRIMINATOR_KEY => {}
            _ => {
                if old != value {
                    // Two patterns, two formats, two anyOf lists…: keep the first, check values.
                    self.exact = false;
                }
            }
        }
    }

    fn map_node(&mut self, mut map: Map<String, Value>, at: &str, depth: usize) -> Node {
        if let Some(why) = map.get("x-conform-never") {
            return self.never(at, why.as_str().unwrap_or("unsatisfiable"));
        }
        for key in [
            "not",
            "if",
            "patternProperties",
            "dependentRequired",
            "dependentSchemas",
            "contains",
            "propertyNames",
            "minProperties",
            "maxProperties",
            "unevaluatedProperties",
        ] {
            if map.contains_key(key) {
                self.exact = false;
            }
        }
        let alternatives =
            map.shift_remove("anyOf").map(|a| ("anyOf", a)).or_else(|| map.shift_remove("oneOf").map(|a| ("oneOf", a)));
        if let Some((keyword, Value::Array(alts))) = alternatives {
            return self.alternatives(map, keyword, &alts, at, depth);
        }
        if let Some(c) = map.get("const") {
            if map.get("enum").and_then(Value::as_array).is_some_and(|values| !values.contains(c)) {
                return self.never(at, "the `const` value is not among the `enum` values");
            }
            return Node::Const(c.clone());
        }
        let types: Vec<String> = match map.get("type") {
            Some(Value::String(t)) => vec![t.clone()],
            Some(Value::Array(ts)) => ts.iter().filter_map(|t| t.as_str().map(str::to_owned)).collect(),
            _ => Vec::new(),
        };
        if let Some(Value::Array(values)) = map.get("enum") {
            let kept: Vec<Value> = values
                .iter()
                .filter(|v| types.is_empty() || types.iter().any(|t| value_has_type(v, t)))
                .cloned()
                .collect();
            if map
                .keys()
                .any(|k| !is_annotation(k, Annotations::All) && !matches!(k.as_str(), "enum" | "type" | "format"))
            {
                self.exact = false;
            }
            return if kept.is_empty() {
                self.never(at, "no `enum` value has an allowed type")
            } else {
                Node::Enum(kept)
            };
        }
        let types = if types.is_empty() { inferred_types(&map) } else { types };
        if types.is_empty() {
            return Node::Any;
        }
        let mut nodes: Vec<Node> = Vec::new();
        for t in &types {
            let node = match t.as_str() {
                "null" => Node::Null,
                "boolean" => Node::Bool,
                "integer" => self.integer(&map, at),
                "number" => self.number(&map, at),
                "string" => self.string(&map, at),
                "array" => self.array(&map, at, depth),
                "object" => self.object(&map, at, depth),
                _ => continue,
            };
            nodes.push(node);
        }
        one_of(nodes, at)
    }

    fn alternatives(
        &mut self,
        base: Map<String, Value>,
        keyword: &str,
        alts: &[Value],
        at: &str,
        depth: usize,
    ) -> Node {
        let list_at = pointer::join(at, keyword);
        let disc = base.get(DISCRIMINATOR_KEY).cloned();
        let mut nodes = Vec::new();
        if let Some(disc) = disc.as_ref().filter(|d| d.get("mapping").is_some_and(|m| !m.is_null())) {
            let property = disc.get("propertyName").and_then(Value::as_str).unwrap_or_default().to_owned();
            let mapping = disc.get("mapping").and_then(Value::as_object).cloned().unwrap_or_default();
            for (value, target) in &mapping {
                let Some(reference) = target.as_str() else { continue };
                let mut merged = base.clone();
                merged.shift_remove(DISCRIMINATOR_KEY);
                let pushed = self.flatten(&json!({"$ref": reference}), &list_at, &mut merged, 0);
                // The discriminator value, within what the property itself allows.
                require_within(&mut merged, &property, json!({"const": value}));
                let target_at = pointer::local_fragment(reference).unwrap_or(at).to_owned();
                let node = self.map_node(merged, &target_at, depth + 1);
                for _ in 0..pushed {
                    self.refs.pop();
                }
                nodes.push(node);
            }
        } else {
            let plain: Vec<&Value> = alts.iter().filter(|a| a.get("type") != Some(&json!("null"))).collect();
            if keyword == "oneOf" && plain.len() > 1 {
                self.exact = false; // Overlapping alternatives must be caught by the validator.
            }
            for (i, alt) in alts.iter().enumerate() {
                let mut merged = base.clone();
                let alt_at = pointer::join_index(&list_at, i);
                let pushed = self.flatten(alt, &alt_at, &mut merged, 0);
                let node = self.map_node(merged, &alt_at, depth + 1);
                for _ in 0..pushed {
                    self.refs.pop();
                }
                nodes.push(node);
            }
        }
        one_of(nodes, at)
    }

    fn limits(&self, map: &Map<String, Value>) -> (Option<Limit>, Option<Limit>) {
        let (lo, hi) = bounds(map);
        let limit = |b: Bound| Limit { value: b.value, exclusive: b.exclusive, text: b.written.to_string() };
        (lo.map(limit), hi.map(limit))
    }

    fn integer(&mut self, map: &Map<String, Value>, at: &str) -> Node {
        let (lo, hi) = self.limits(map);
        let multiple = match map.get("multipleOf").and_then(Value::as_f64) {
            Some(m) if m >= 1.0 && m.fract() == 0.0 && m < 9e15 => m as i64,
            Some(_) => {
                self.exact = false;
                1
            }
            None => 1,
        };
        let min =
            lo.as_ref().map_or(i64::MIN as f64, |l| if l.exclusive { l.value.floor() + 1.0 } else { l.value.ceil() });
        let max =
            hi.as_ref().map_or(i64::MAX as f64, |l| if l.exclusive { l.value.ceil() - 1.0 } else { l.value.floor() });
        let (min, max) = (clamp_i64(min), clamp_i64(max));
        let min = round_up(min, multiple);
        let max = round_down(max, multiple);
        match (min, max) {
            (Some(a), Some(b)) if a <= b => Node::Int(IntSpec { min: a, max: b, multiple, lo, hi }),
            _ => self.never(at, format!("no integer satisfies {}", describe_range(&lo, &hi, multiple))),
        }
    }

    fn number(&mut self, map: &Map<String, Value>, at: &str) -> Node {
        let (lo, hi) = self.limits(map);
        let multiple = map.get("multipleOf").and_then(Value::as_f64).filter(|m| *m > 0.0);
        if multiple.is_some_and(|m| m.fract() != 0.0) {
            self.exact = false; // Floating-point multiples are checked by the validator.
        }
        let spec = NumSpec { lo, hi, multiple };
        let (a, b) = spec.range();
        if a > b || !a.is_finite() || !b.is_finite() {
            return self.never(at, format!("no number satisfies {}", describe_range(&spec.lo, &spec.hi, 1)));
        }
        Node::Num(spec)
    }

    fn string(&mut self, map: &Map<String, Value>, at: &str) -> Node {
        let min = map.get("minLength").and_then(Value::as_u64).unwrap_or(0) as usize;
        let max = map.get("maxLength").and_then(Value::as_u64).map(|m| m as usize);
        if max.is_some_and(|m| m < min) {
            return self.never(at, format!("minLength {min} > maxLength {}", max.unwrap_or(0)));
        }
        let format = map.get("format").and_then(Value::as_str).map(str::to_owned);
        let mut examples: Vec<String> = offered_examples(map).filter_map(Value::as_str).map(str::to_owned).collect();
        examples.retain(|e| {
            let n = e.chars().count();
            n >= min && max.is_none_or(|m| n <= m)
        });
        let mut pattern = None;
        if let Some(source) = map.get("pattern").and_then(Value::as_str) {
            let checker = jsonschema::options().build(&json!({"pattern": source})).ok();
            examples.retain(|e| checker.as_ref().is_some_and(|c| c.is_valid(&json!(e))));
            match generator(source) {
                Ok(generator) => {
                    // Lossy draws are filtered against the full pattern where they are drawn;
                    // the request is checked as well.
                    self.exact &= !generator.lossy;
                    pattern = Some(Pattern::new(source, generator));
                    if min > 0 || max.is_some() || format.is_some() {
                        self.exact = false; // Drawn from the pattern, then filtered.
                    }
                }
                Err(why) => {
                    let pattern_at = pointer::join(at, "pattern");
                    self.ungeneratable.push((pattern_at.clone(), source.to_owned(), !examples.is_empty()));
                    if examples.is_empty() {
                        return self.never(
                            &pattern_at,
                            format!(
                                "no value can be generated from pattern `{source}` ({why}) and the schema gives no example"
                            ),
                        );
                    }
                    return Node::Enum(examples.into_iter().map(Value::String).collect());
                }
            }
        } else if format.is_some() && (min > 0 || max.is_some()) {
            self.exact = false;
        }
        if let Some(f) = &format
            && !KNOWN_FORMATS.contains(&f.as_str())
            && validated_format(f)
        {
            self.exact = false;
        }
        Node::Str(Box::new(StrSpec { min, max, pattern, format, examples }))
    }

    fn array(&mut self, map: &Map<String, Value>, at: &str, depth: usize) -> Node {
        let min = map.get("minItems").and_then(Value::as_u64).unwrap_or(0) as usize;
        let max = map.get("maxItems").and_then(Value::as_u64).map(|m| m as usize);
        if max.is_some_and(|m| m < min) {
            return self.never(at, format!("minItems {min} > maxItems {}", max.unwrap_or(0)));
        }
        let unique = map.get("uniqueItems") == Some(&Value::Bool(true));
        if unique {
            self.exact = false; // Duplicates are removed after drawing; the count is re-checked.
        }
        if map.contains_key("prefixItems") {
            // Tuples are not generated from: an empty array where that is allowed, else a
            // finding at the keyword (the operation is skipped unless examples help).
            if min == 0 {
                self.exact = false;
                return Node::Const(json!([]));
            }
            return self.never(
                &pointer::join(at, "prefixItems"),
                "tuples (`prefixItems`) are not generated from and the array may not be empty",
            );
        }
        let items = match map.get("items") {
            Some(items) => self.node(items, &pointer::join(at, "items"), depth + 1),
            None => Node::Any,
        };
        if items.is_never() {
            if min == 0 {
                return Node::Const(json!([]));
            }
            let Node::Never(p, why) = items else { unreachable!() };
            return Node::Never(p, why);
        }
        Node::Array(Box::new(ArraySpec { items, min, max, unique }))
    }

    fn object(&mut self, map: &Map<String, Value>, at: &str, depth: usize) -> Node {
        let required: Vec<&str> = map
            .get("required")
            .and_then(Value::as_array)
            .map(|r| r.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        let additional = match map.get("additionalProperties") {
            Some(Value::Bool(false)) => None,
            Some(v @ Value::Object(_)) => Some(self.node(v, &pointer::join(at, "additionalProperties"), depth + 1)),
            _ => Some(Node::Any),
        };
        let closed = additional.is_none();
        let explicit_additional = matches!(map.get("additionalProperties"), Some(Value::Object(_)));
        let mut props = Vec::new();
        let props_at = pointer::join(at, "properties");
        if let Some(Value::Object(properties)) = map.get("properties") {
            for (name, schema) in properties {
                if self.read_only(schema) {
                    continue; // Never sent in a request.
                }
                let is_required = required.contains(&name.as_str());
                let node = self.node(schema, &pointer::join(&props_at, name), depth + 1);
                if let Node::Never(p, why) = &node {
                    if is_required {
                        return Node::Never(p.clone(), why.clone());
                    }
                    continue;
                }
                props.push(Prop { name: name.clone(), node, required: is_required });
            }
        }
        for name in &required {
            if props.iter().any(|p| p.name == *name) {
                continue;
            }
            let declared = map.get("properties").and_then(|p| p.get(*name)).is_some();
            if declared {
                continue; // readOnly: the converter already dropped it from `required`.
            }
            match &additional {
                Some(node) if !node.is_never() => {
                    props.push(Prop { name: (*name).to_owned(), node: node.clone(), required: true })
                }
                _ => return self.never(at, format!("required property {name} is not allowed")),
            }
        }
        let additional = if explicit_additional { additional.filter(|n| !n.is_never()) } else { None };
        Node::Object(Box::new(ObjectSpec { props, closed, additional }))
    }

    /// Whether a property schema (through its `$ref` chain and `allOf`) is `readOnly`.
    fn read_only(&self, schema: &Value) -> bool {
        let node = self.schema.resolve(schema);
        if node.get("readOnly") == Some(&Value::Bool(true)) {
            return true;
        }
        node.get("allOf").and_then(Value::as_array).is_some_and(|items| {
            items.iter().any(|i| self.schema.resolve(i).get("readOnly") == Some(&Value::Bool(true)))
        })
    }
}

fn describe_range(lo: &Option<Limit>, hi: &Option<Limit>, multiple: i64) -> String {
    let mut parts = Vec::new();
    if let Some(l) = lo {
        parts.push(l.describe(false));
    }
    if let Some(h) = hi {
        parts.push(h.describe(true));
    }
    if multiple > 1 {
        parts.push(format!("multipleOf {multiple}"));
    }
    parts.join(", ")
}

fn clamp_i64(v: f64) -> Option<i64> {
    if v.is_nan() {
        None
    } else if v <= i64::MIN as f64 {
        Some(i64::MIN)
    } else if v >= i64::MAX as f64 {
        Some(i64::MAX)
    } else {
        Some(v as i64)
    }
}

fn round_up(v: Option<i64>, m: i64) -> Option<i64> {
    let v = v?;
    if m == 1 {
        return Some(v);
    }
    let r = v.rem_euclid(m);
    if r == 0 { Some(v) } else { v.checked_add(m - r) }
}

fn round_down(v: Option<i64>, m: i64) -> Option<i64> {
    let v = v?;
    if m == 1 {
        return Some(v);
    }
    v.checked_sub(v.rem_euclid(m))
}

fn one_of(nodes: Vec<Node>, at: &str) -> Node {
    let mut live: Vec<Node> = Vec::new();
    let mut first_never = None;
    for n in nodes {
        match n {
            Node::Never(..) => {
                first_never.get_or_insert(n);
            }
            Node::Union(inner) => live.extend(inner),
            other => live.push(other),
        }
    }
    match live.len() {
        0 => first_never.unwrap_or_else(|| Node::Never(at.to_owned(), "no alternative can be satisfied".into())),
        1 => live.pop().unwrap_or(Node::Any),
        _ => Node::Union(live),
    }
}

fn value_has_type(v: &Value, t: &str) -> bool {
    match t {
        "null" => v.is_null(),
        "boolean" => v.is_boolean(),
        "integer" => v.as_f64().is_some_and(|f| f.fract() == 0.0),
        "number" => v.is_number(),
        "string" => v.is_string(),
        "array" => v.is_array(),
        "object" => v.is_object(),
        _ => false,
    }
}

fn inferred_types(map: &Map<String, Value>) -> Vec<String> {
    let has = |keys: &[&str]| keys.iter().any(|k| map.contains_key(*k));
    if has(&["properties", "required", "additionalProperties"]) {
        vec!["object".into()]
    } else if has(&["items", "minItems", "maxItems", "uniqueItems"]) {
        vec!["array".into()]
    } else if has(&["pattern", "minLength", "maxLength"]) || map.get("format").is_some_and(|f| f != "int32") {
        vec!["string".into()]
    } else if has(&["minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf"]) {
        vec!["number".into()]
    } else {
        Vec::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::{Direction, standalone_schema};

    fn plan_of(schema: Value) -> Plan {
        plan(&standalone_schema(&schema, Direction::Request).unwrap())
    }

    #[test]
    fn bounds_become_integer_ranges() {
        let p = plan_of(json!({"type": "integer", "format": "int32", "minimum": 1, "maximum": 7}));
        let Node::Int(spec) = p.node else { panic!("{:?}", p.node) };
        assert_eq!((spec.min, spec.max), (1, 7));
        let p = plan_of(json!({"type": "integer", "exclusiveMinimum": 0, "exclusiveMaximum": 10, "multipleOf": 3}));
        let Node::Int(spec) = p.node else { panic!() };
        assert_eq!((spec.min, spec.max), (3, 9));
        assert!(p.exact);
    }

    #[test]
    fn unsatisfiable_schemas_are_never() {
        for s in [
            json!({"type": "integer", "minimum": 5, "maximum": 3}),
            json!({"type": "string", "minLength": 5, "maxLength": 3}),
            json!({"type": "object", "required": ["a"], "properties": {"a": {"type": "integer", "minimum": 2, "maximum": 1}}}),
            json!({"allOf": [{"type": "string"}, {"type": "integer"}]}),
        ] {
            assert!(plan_of(s.clone()).node.is_never(), "{s}");
        }
    }

    #[test]
    fn nullable_and_all_of_are_planned() {
        let p = plan_of(json!({"type": "integer", "nullable": true, "minimum": 0}));
        assert!(p.node.admits_null());
        let p = plan_of(json!({"allOf": [
            {"type": "object", "required": ["a"], "properties": {"a": {"type": "integer"}}},
            {"type": "object", "properties": {"b": {"type": "string", "readOnly": true}, "c": {"type": "boolean"}}}
        ]}));
        let Node::Object(o) = p.node else { panic!() };
        let names: Vec<(&str, bool)> = o.props.iter().map(|p| (p.name.as_str(), p.required)).collect();
        assert_eq!(names, [("a", true), ("c", false)]);
    }
}

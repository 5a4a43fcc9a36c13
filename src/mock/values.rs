//! Deterministic, realistic values from a converted JSON Schema, for the answers the mock has no
//! state or example for (and for required headers, list wrappers, error fallbacks).
//!
//! Every value is checked with the schema's compiled validator before it is used; a value that
//! does not validate is retried with another seed, and after a few attempts the caller gets
//! `None`. This module must never hand out a value its schema rejects.

use crate::rng::{Rng, mix};
use crate::spec::{DISCRIMINATOR_KEY, Direction, Schema, inherited_base, pointer};
use crate::values::{
    ANSWER_INTEGRAL, Annotations, Bound, bounds, declared_example, format, is_annotation, json_number, pattern,
};
use serde_json::{Map, Value, json};

/// Attempts (each with a different seed and choices) before giving up.
const ATTEMPTS: u64 = 12;
/// Nesting deeper than this only fills required properties; past `MAX_DEPTH` generation fails.
const OPTIONAL_DEPTH: usize = 4;
const MAX_DEPTH: usize = 24;
/// Nodes per attempt, so that a huge or recursive schema cannot run away.
const BUDGET: usize = 20_000;
/// Schema nodes copied per attempt (merging `allOf`, `oneOf` with siblings, discriminator
/// targets). Visits alone do not bound the work: a recursive discriminated schema merged at
/// every level copies ever larger schemas (the 2023 Atlas spec spent minutes in one body).
const COPY_BUDGET: usize = 400_000;

/// Marks a copied subtype (a `oneOf` alternative merged with its siblings) with the pointer it
/// was copied from, so that the bases it includes still recognise it (see [`inherited_base`]).
const OWNER_KEY: &str = "x-conform-owner";

/// A value valid against `schema`, the same for the same `seed`; `None` when none was found.
///
/// The last two attempts are minimal: arrays at `minItems` and objects with their required
/// properties only, so that an optional part nothing satisfies (a contradictory item schema,
/// say) does not sink a value that can leave it out.
pub(crate) fn generate(schema: &Schema, seed: u64) -> Option<Value> {
    (0..ATTEMPTS + 2).find_map(|attempt| {
        let value = attempt_with(schema, schema.value(), seed, attempt, attempt >= ATTEMPTS)?;
        schema.is_valid(&value).then_some(value)
    })
}

/// One unchecked attempt at a value for `node` (a node of `schema`'s document).
fn attempt_with(schema: &Schema, node: &Value, seed: u64, attempt: u64, minimal: bool) -> Option<Value> {
    let mut g = Gen {
        schema,
        rng: Rng::new(mix(seed ^ attempt.wrapping_mul(0xA24B_AED4_963E_E407))),
        attempt,
        budget: BUDGET,
        copies: COPY_BUDGET,
        minimal,
    };
    g.value(node, 0)
}

struct Gen<'s> {
    schema: &'s Schema,
    rng: Rng,
    attempt: u64,
    budget: usize,
    /// What is left of [`COPY_BUDGET`].
    copies: usize,
    /// Only what the schema requires: arrays at `minItems`, no optional properties.
    minimal: bool,
}

impl Gen<'_> {
    /// Whether this attempt starts from the spec's own `example`/`default` values.
    fn use_examples(&self) -> bool {
        self.attempt.is_multiple_of(2)
    }

    fn value(&mut self, node: &Value, depth: usize) -> Option<Value> {
        if depth > MAX_DEPTH || self.budget == 0 {
            return None;
        }
        self.budget -= 1;
        let owner = self.last_ref(node);
        let node = self.schema.resolve(node);
        let map = match node {
            Value::Object(map) => map,
            Value::Bool(false) => return None,
            _ => return Some(json!("example")),
        };
        if self.use_examples()
            && let Some(v) = declared_example(map)
        {
            return Some(v.clone());
        }
        if let Some(v) = map.get("const") {
            return Some(v.clone());
        }
        if let Some(Value::Array(values)) = map.get("enum") {
            let choices: Vec<&Value> = values.iter().filter(|v| !v.is_null()).collect();
            let pick = if self.attempt == 0 { 0 } else { self.rng.below(choices.len() as u64) as usize };
            return choices.get(pick).map(|v| (*v).clone()).or_else(|| values.first().cloned());
        }
        if let Some(disc) = map.get(DISCRIMINATOR_KEY)
            && let Some(v) = self.discriminated(disc, depth)
        {
            return Some(v);
        }
        if let Some(Value::Array(parts)) = map.get("allOf")
            && !parts.is_empty()
        {
            let owner = owner.or_else(|| map.get(OWNER_KEY).and_then(Value::as_str).map(str::to_owned));
            let merged = self.merge_all(map, parts, owner.as_deref());
            if !self.charge(&merged) {
                return None;
            }
            return self.value(&merged, depth + 1);
        }
        for key in ["oneOf", "anyOf"] {
            if let Some(Value::Array(alternatives)) = map.get(key)
                && !alternatives.is_empty()
            {
                let alt = self.pick_alternative(alternatives);
                let mut rest = map.clone();
                rest.shift_remove(key);
                let merged = if rest.keys().all(|k| is_annotation(k, Annotations::Descriptive)) {
                    alt.clone()
                } else {
                    let mut merged = merge(self.schema.resolve(&alt).clone(), Value::Object(rest));
                    if let (Some(from), Value::Object(m)) = (self.last_ref(&alt), &mut merged) {
                        m.insert(OWNER_KEY.to_owned(), Value::String(from));
                    }
                    merged
                };
                if !self.charge(&merged) {
                    return None;
                }
                return self.value(&merged, depth + 1);
            }
        }
        match self.type_of(map) {
            "object" => self.object(map, depth),
            "array" => self.array(map, depth),
            "integer" => self.integer(map),
            "number" => self.number(map),
            "boolean" => Some(Value::Bool(self.attempt % 2 == 1)),
            "null" => Some(Value::Null),
            _ => self.string(map),
        }
    }

    /// Takes a copied schema's size from the copy budget; `false` once it is spent.
    fn charge(&mut self, copied: &Value) -> bool {
        let size = nodes(copied, self.copies.saturating_add(1));
        self.copies = self.copies.saturating_sub(size);
        self.copies > 0
    }

    fn discriminated(&mut self, disc: &Value, depth: usize) -> Option<Value> {
        let property = disc.get("propertyName")?.as_str()?;
        let mapping = disc.get("mapping")?.as_object()?;
        if mapping.is_empty() {
            return None;
        }
        let index = (self.attempt as usize) % mapping.len();
        let (name, target) = mapping.iter().nth(index)?;
        let reference = target.as_str()?;
        if !self.charge(self.schema.lookup(reference)?) {
            return None;
        }
        // Through the reference, so that the target's bases know it as their subtype.
        let mut value = self.value(&json!({"$ref": reference}), depth + 1)?;
        if let Value::Object(obj) = &mut value {
            obj.insert(property.to_owned(), Value::String(name.clone()));
        }
        Some(value)
    }

    fn pick_alternative(&mut self, alternatives: &[Value]) -> Value {
        let non_null: Vec<&Value> = alternatives
            .iter()
            .filter(|a| self.schema.resolve(a).get("type").and_then(Value::as_str) != Some("null"))
            .collect();
        let pool: Vec<&Value> = if non_null.is_empty() { alternatives.iter().collect() } else { non_null };
        pool[(self.attempt as usize) % pool.len()].clone()
    }

    /// The pointer of the last schema `node`'s `$ref` chain leads to (`None` without one).
    fn last_ref(&self, node: &Value) -> Option<String> {
        let mut last = None;
        let mut node = node;
        for _ in 0..32 {
            let Some(reference) = node.get("$ref").and_then(Value::as_str) else { break };
            last = pointer::local_fragment(reference).map(str::to_owned);
            match self.schema.lookup(reference) {
                Some(next) => node = next,
                None => break,
            }
        }
        last
    }

    /// One schema standing for `allOf` and the keywords beside it; `owner` is the pointer of
    /// the schema holding them, when known.
    fn merge_all(&self, map: &Map<String, Value>, parts: &[Value], owner: Option<&str>) -> Value {
        let mut own = map.clone();
        own.shift_remove("allOf");
        own.shift_remove(OWNER_KEY);
        let mut merged = Value::Object(own);
        for raw in parts {
            let part_owner = self.last_ref(raw);
            let resolved = self.schema.resolve(raw);
            // Conditional parts (`if`/`then`, from discriminators) constrain, they do not shape.
            if resolved.get("if").is_some() {
                continue;
            }
            // A base that lists `owner` as a subtype: its alternatives are the subtype itself.
            let inherited = owner.and_then(|o| inherited_base(resolved, o)).map(|i| i.schema);
            let part = inherited.as_ref().unwrap_or(resolved);
            let part = match part.get("allOf").and_then(Value::as_array) {
                Some(inner) if !inner.is_empty() => {
                    self.merge_all(part.as_object().unwrap_or(&Map::new()), inner, part_owner.as_deref())
                }
                _ => part.clone(),
            };
            merged = merge(merged, part);
        }
        merged
    }

    fn type_of(&mut self, map: &Map<String, Value>) -> &'static str {
        const NAMES: [&str; 7] = ["object", "array", "integer", "number", "boolean", "null", "string"];
        let named = |t: &str| NAMES.iter().copied().find(|n| *n == t);
        match map.get("type") {
            Some(Value::String(t)) => return named(t).unwrap_or("string"),
            Some(Value::Array(ts)) => {
                let types: Vec<&'static str> = ts.iter().filter_map(Value::as_str).filter_map(named).collect();
                let non_null: Vec<&'static str> = types.iter().copied().filter(|t| *t != "null").collect();
                return match (non_null.is_empty(), types.first()) {
                    (false, _) => non_null[(self.attempt as usize) % non_null.len()],
                    (true, Some(t)) => t,
                    (true, None) => "string",
                };
            }
            _ => {}
        }
        let has = |keys: &[&str]| keys.iter().any(|k| map.contains_key(*k));
        if has(&["properties", "required", "additionalProperties", "minProperties", "maxProperties"]) {
            "object"
        } else if has(&["items", "minItems", "maxItems", "uniqueItems"]) {
            "array"
        } else if has(&["minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf"]) {
            "number"
        } else {
            "string"
        }
    }

    fn skip_property(&self, node: &Value) -> bool {
        let node = self.schema.resolve(node);
        let flag = |k: &str| node.get(k).and_then(Value::as_bool).unwrap_or(false);
        match self.schema.direction() {
            Direction::Request => flag("readOnly"),
            Direction::Response => flag("writeOnly"),
        }
    }

    fn object(&mut self, map: &Map<String, Value>, depth: usize) -> Option<Value> {
        let empty = Map::new();
        let props = map.get("properties").and_then(Value::as_object).unwrap_or(&empty);
        let required: Vec<&str> = map
            .get("required")
            .and_then(Value::as_array)
            .map(|r| r.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        let max = map.get("maxProperties").and_then(Value::as_u64).unwrap_or(u64::MAX) as usize;
        let min = map.get("minProperties").and_then(Value::as_u64).unwrap_or(0) as usize;
        let mut out = Map::new();
        // Required first (they must fit under maxProperties), then the optional ones in order.
        for name in &required {
            let sub = props
                .get(*name)
                .cloned()
                .or_else(|| map.get("additionalProperties").filter(|a| a.is_object()).cloned());
            let value = match sub {
                Some(sub) => self.value(&sub, depth + 1)?,
                None => json!("example"),
            };
            out.insert((*name).to_owned(), value);
        }
        if depth < OPTIONAL_DEPTH && !self.minimal {
            for (name, sub) in props {
                if out.len() >= max {
                    break;
                }
                if out.contains_key(name) || self.skip_property(sub) {
                    continue;
                }
                if let Some(value) = self.value(sub, depth + 1) {
                    out.insert(name.clone(), value);
                }
            }
        }
        let extra = map.get("additionalProperties");
        let mut n = 1;
        while out.len() < min && n < 64 {
            let key = format!("key{n}");
            n += 1;
            if out.contains_key(&key) {
                continue;
            }
            let value = match extra {
                Some(Value::Bool(false)) => break,
                Some(sub @ Value::Object(_)) => self.value(sub, depth + 1)?,
                _ => json!("example"),
            };
            out.insert(key, value);
        }
        Some(Value::Object(out))
    }

    fn array(&mut self, map: &Map<String, Value>, depth: usize) -> Option<Value> {
        let min = map.get("minItems").and_then(Value::as_u64).unwrap_or(0);
        let max = map.get("maxItems").and_then(Value::as_u64).unwrap_or(u64::MAX);
        let wanted = if depth >= OPTIONAL_DEPTH || self.minimal { min } else { min.max(1) };
        let count = wanted.min(max).min(64);
        let items = map.get("items").cloned().unwrap_or(json!({}));
        let unique = map.get("uniqueItems").and_then(Value::as_bool).unwrap_or(false);
        let mut out: Vec<Value> = Vec::new();
        let mut tries = 0;
        while (out.len() as u64) < count && tries < count * 8 + 8 {
            tries += 1;
            // Later items vary: the attempt number steers enum and type choices.
            let saved = self.attempt;
            self.attempt = self.attempt.wrapping_add(out.len() as u64 * 2 + tries);
            let item = self.value(&items, depth + 1);
            self.attempt = saved;
            let Some(item) = item else { continue };
            if unique && out.contains(&item) {
                continue;
            }
            out.push(item);
        }
        Some(Value::Array(out))
    }

    fn bounds(map: &Map<String, Value>) -> (Option<f64>, Option<f64>, bool, bool) {
        let (lo, hi) = bounds(map);
        let exclusive = |b: Option<Bound>| b.is_some_and(|b| b.exclusive);
        (lo.map(|b| b.value), hi.map(|b| b.value), exclusive(lo), exclusive(hi))
    }

    fn integer(&mut self, map: &Map<String, Value>) -> Option<Value> {
        let (lo, hi, lo_ex, hi_ex) = Gen::bounds(map);
        let lo = lo.map(|l| if lo_ex { l.floor() as i128 + 1 } else { l.ceil() as i128 });
        let hi = hi.map(|h| if hi_ex { h.ceil() as i128 - 1 } else { h.floor() as i128 });
        let (lo, hi) = match (lo, hi) {
            (Some(l), Some(h)) => (l, h),
            (Some(l), None) => (l, l.saturating_add(1000)),
            (None, Some(h)) => (h.saturating_sub(1000).max(h.min(0)), h),
            (None, None) => (0, 1000),
        };
        if lo > hi {
            return None;
        }
        let mut v = if self.attempt == 0 {
            1.clamp(lo, hi)
        } else {
            let span = (hi - lo).min(100) as u64 + 1;
            lo + self.rng.below(span) as i128
        };
        if let Some(m) = map.get("multipleOf").and_then(Value::as_f64).filter(|m| *m >= 1.0 && m.fract() == 0.0) {
            let m = m as i128;
            v = v.div_euclid(m) * m;
            if v < lo {
                v += m;
            }
        }
        let v = v.clamp(i128::from(i64::MIN), i128::from(i64::MAX)) as i64;
        Some(Value::from(v))
    }

    fn number(&mut self, map: &Map<String, Value>) -> Option<Value> {
        let (lo, hi, lo_ex, hi_ex) = Gen::bounds(map);
        let (lo, hi) = match (lo, hi) {
            (Some(l), Some(h)) => (l, h),
            (Some(l), None) => (l, l + 1000.0),
            (None, Some(h)) => (h - 1000.0, h),
            (None, None) => (0.0, 1000.0),
        };
        let span = hi - lo;
        if !span.is_finite() || span < 0.0 {
            return None;
        }
        let fraction = if self.attempt == 0 { 0.5 } else { (self.rng.below(1000) as f64 + 0.5) / 1001.0 };
        let mut v = lo + span * fraction;
        if !(lo_ex || hi_ex) && self.attempt == 0 && lo <= 1.0 && 1.0 <= hi {
            v = 1.0;
        }
        if let Some(m) = map.get("multipleOf").and_then(Value::as_f64).filter(|m| *m > 0.0) {
            v = (v / m).ceil() * m;
        }
        json_number(v, ANSWER_INTEGRAL)
    }

    fn string(&mut self, map: &Map<String, Value>) -> Option<Value> {
        let min = map.get("minLength").and_then(Value::as_u64).unwrap_or(0) as usize;
        let max = map.get("maxLength").and_then(Value::as_u64).unwrap_or(u64::MAX) as usize;
        if let Some(pattern) = map.get("pattern").and_then(Value::as_str) {
            for _ in 0..4 {
                let s = self.matching(pattern)?;
                let n = s.chars().count();
                if n >= min && n <= max {
                    return Some(Value::String(s));
                }
            }
            return None;
        }
        let format = map.get("format").and_then(Value::as_str).unwrap_or("");
        let s = format::varied(format, &mut self.rng, self.attempt == 0);
        Some(Value::String(fit_length(s, min, max)))
    }

    /// A string matching `source` (look-arounds and back-references included).
    fn matching(&mut self, source: &str) -> Option<String> {
        pattern::draw(source, self.rng.next_u64())
    }
}

/// Pads (`x`) or cuts a string to a length range, counting characters as JSON Schema does.
fn fit_length(s: String, min: usize, max: usize) -> String {
    let n = s.chars().count();
    if n < min {
        let mut s = s;
        s.extend(std::iter::repeat_n('x', min - n));
        s
    } else if n > max {
        s.chars().take(max).collect()
    } else {
        s
    }
}

/// The number of JSON nodes in `value`, counting no further than `cap`.
fn nodes(value: &Value, cap: usize) -> usize {
    let mut count = 0;
    let mut stack = vec![value];
    while let Some(v) = stack.pop() {
        count += 1;
        if count >= cap {
            return cap;
        }
        match v {
            Value::Object(map) => stack.extend(map.values()),
            Value::Array(items) => stack.extend(items.iter()),
            _ => {}
        }
    }
    count
}

/// Two schemas as one: properties and required lists are united, other keywords kept from
/// `base` unless only `extra` has them. (An approximation of `allOf` that is good enough to
/// generate from; the validator has the last word.)
fn merge(base: Value, extra: Value) -> Value {
    let (Value::Object(mut base), Value::Object(extra)) = (base, extra) else { return json!({}) };
    for (key, value) in extra {
        match (key.as_str(), base.get_mut(&key), value) {
            ("properties", Some(Value::Object(mine)), Value::Object(theirs)) => {
                for (name, schema) in theirs {
                    match mine.get_mut(&name) {
                        Some(existing) => {
                            let both = json!({"allOf": [existing.clone(), schema]});
                            *existing = both;
                        }
                        None => {
                            mine.insert(name, schema);
                        }
                    }
                }
            }
            ("required", Some(Value::Array(mine)), Value::Array(theirs)) => {
                for r in theirs {
                    if !mine.contains(&r) {
                        mine.push(r);
                    }
                }
            }
            ("enum", Some(Value::Array(mine)), Value::Array(theirs)) => mine.retain(|v| theirs.contains(v)),
            (_, Some(_), _) => {}
            (_, None, value) => {
                base.insert(key, value);
            }
        }
    }
    // An example or default the merged `enum` no longer admits would be handed out first.
    if let Some(Value::Array(allowed)) = base.get("enum").cloned() {
        base.retain(|k, v| !matches!(k.as_str(), "example" | "default") || allowed.contains(v));
    }
    Value::Object(base)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::standalone_schema;

    fn valid(schema: Value) -> Value {
        let s = standalone_schema(&schema, Direction::Response).unwrap();
        let v = generate(&s, 7).unwrap_or_else(|| panic!("nothing generated for {schema}"));
        assert!(s.is_valid(&v), "{v} for {schema}");
        v
    }

    #[test]
    fn values_respect_types_bounds_enums_and_required() {
        let v = valid(json!({
            "type": "object", "required": ["day", "hour", "kind"], "additionalProperties": false,
            "properties": {
                "day": {"type": "integer", "minimum": 1, "maximum": 7},
                "hour": {"type": "integer", "minimum": 0, "maximum": 23, "format": "int32"},
                "ratio": {"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 1},
                "kind": {"type": "string", "enum": ["HOST", "CLUSTER"]},
                "tags": {"type": "array", "items": {"type": "string"}, "minItems": 2, "uniqueItems": true},
                "name": {"type": "string", "minLength": 12, "maxLength": 14},
                "n": {"type": "integer", "multipleOf": 5, "minimum": 7}
            }
        }));
        assert_eq!(v["kind"], json!("HOST"));
        assert_eq!(v["tags"].as_array().unwrap().len(), 2);
    }

    #[test]
    fn formats_and_patterns_generate_valid_strings() {
        for format in ["date-time", "date", "uuid", "email", "uri", "ipv4", "ipv6", "byte"] {
            valid(json!({"type": "string", "format": format}));
        }
        let id = valid(json!({"type": "string", "pattern": "^([a-f0-9]{24})$"}));
        assert_eq!(id.as_str().unwrap().len(), 24);
        valid(json!({"type": "string", "pattern": "^AC[0-9a-fA-F]{32}$", "minLength": 34, "maxLength": 34}));
        valid(json!({"type": "string", "pattern": "\\d+-\\w+"}));
        // Look-around, back-references and Unicode properties (issue 12, item 2).
        valid(json!({"type": "string", "pattern": "^(?!xn--)[a-z0-9-]{1,20}(?<!-)$"}));
        valid(json!({"type": "string", "pattern": "^([a-z]{2})=\\1$"}));
        valid(json!({"type": "string", "pattern": "^[\\p{L}\\p{N}\\-_.(),:&@+']{1,64}$"}));
        let s = standalone_schema(&json!({"type": "string", "pattern": "^a{100000}$"}), Direction::Response).unwrap();
        assert_eq!(generate(&s, 0), None, "too long to generate, and no panic");
    }

    #[test]
    fn composition_nullable_and_recursion() {
        valid(json!({"allOf": [
            {"type": "object", "required": ["a"], "properties": {"a": {"type": "string"}}},
            {"type": "object", "required": ["b"], "properties": {"b": {"type": "integer", "minimum": 3}}}
        ]}));
        valid(json!({"oneOf": [{"type": "string", "maxLength": 2}, {"type": "integer"}]}));
        valid(json!({"type": "string", "nullable": true, "format": "date-time"}));
        valid(json!({"type": "object", "required": ["v"], "properties": {"v": {"nullable": true}}}));
        valid(json!({"type": "object", "maxProperties": 0}));
    }

    #[test]
    fn generation_is_deterministic_per_seed() {
        let s = standalone_schema(
            &json!({"type": "object", "properties": {"id": {"type": "string", "format": "uuid"}, "n": {"type": "integer"}}}),
            Direction::Response,
        )
        .unwrap();
        assert_eq!(generate(&s, 1), generate(&s, 1));
    }

    /// Issue 12: the classic polymorphism (a discriminated base with a `oneOf` of subtypes that
    /// include it through `allOf`) answered 500 "could not produce a body". A subtype's value
    /// carries its mapping name and validates, through the base or on its own.
    #[test]
    fn subtypes_including_their_discriminated_base_get_values() {
        let spec = crate::spec::Spec::from_value(
            "t.yaml",
            json!({
                "openapi": "3.0.3", "info": {"title": "t", "version": "1"},
                "paths": {"/pets": {"get": {"responses": {"200": {"description": "ok", "content": {"application/json": {"schema": {
                    "type": "object", "properties": {
                        "pet": {"$ref": "#/components/schemas/Pet"},
                        "cat": {"$ref": "#/components/schemas/Cat"},
                        "dogs": {"type": "array", "minItems": 1, "items": {"$ref": "#/components/schemas/Dog"}}
                    }, "required": ["pet", "cat", "dogs"]
                }}}}}}}},
                "components": {"schemas": {
                    "Pet": {
                        "type": "object",
                        "discriminator": {"propertyName": "kind", "mapping": {"CAT": "#/components/schemas/Cat", "DOG": "#/components/schemas/Dog"}},
                        "oneOf": [{"$ref": "#/components/schemas/Cat"}, {"$ref": "#/components/schemas/Dog"}],
                        "required": ["kind"],
                        "properties": {"kind": {"type": "string", "enum": ["CAT", "DOG", "FISH"], "example": "DOG"}, "name": {"type": "string"}}
                    },
                    "Cat": {"type": "object", "allOf": [{"$ref": "#/components/schemas/Pet"}, {"type": "object", "properties": {"lives": {"type": "integer", "minimum": 1, "maximum": 9}}}]},
                    "Dog": {"type": "object", "allOf": [{"$ref": "#/components/schemas/Pet"}, {"type": "object", "required": ["bark"], "properties": {"bark": {"type": "string", "enum": ["woof"]}}}]}
                }}
            }),
        )
        .unwrap();
        let schema = spec.operations[0].responses[0].content[0].schema.clone().unwrap();
        for seed in 0..8 {
            let v = generate(&schema, seed).unwrap_or_else(|| panic!("no value for seed {seed}"));
            assert!(schema.is_valid(&v), "{v}");
            assert_eq!(v["cat"]["kind"], json!("CAT"), "a Cat carries its mapping name: {v}");
            assert!(v["dogs"].as_array().unwrap().iter().all(|d| d["kind"] == "DOG" && d["bark"] == "woof"), "{v}");
            let pet = &v["pet"];
            assert!(pet["kind"] == "CAT" || (pet["kind"] == "DOG" && pet["bark"] == "woof"), "{v}");
        }
        // The validator is not loosened: a DOG without its bark is still refused.
        let mut wrong = generate(&schema, 0).unwrap();
        wrong["pet"] = json!({"kind": "DOG"});
        assert!(!schema.is_valid(&wrong));
    }

    /// An optional part nothing satisfies (here array items whose `type` contradicts their
    /// `oneOf`, as in the 2023 Atlas spec's `MatcherFieldView`) is left out: an empty array.
    #[test]
    fn a_contradictory_optional_part_is_left_out() {
        let v = valid(json!({"type": "array", "items": {"type": "object", "oneOf": [
            {"type": "string", "enum": ["A"]}, {"type": "string", "enum": ["B"]}
        ]}}));
        assert_eq!(v, json!([]));
        let v = valid(json!({"type": "object", "required": ["a"], "properties": {
            "a": {"type": "integer"},
            "b": {"type": "object", "oneOf": [{"type": "string"}]}
        }}));
        assert_eq!(v.get("b"), None);
        let s = standalone_schema(
            &json!({"type": "array", "minItems": 1, "items": {"type": "object", "oneOf": [{"type": "string"}]}}),
            Direction::Response,
        )
        .unwrap();
        assert_eq!(generate(&s, 3), None, "a required impossible part still gives nothing");
    }

    #[test]
    fn impossible_schemas_give_none() {
        let s =
            standalone_schema(&json!({"type": "integer", "minimum": 5, "maximum": 4}), Direction::Response).unwrap();
        assert_eq!(generate(&s, 0), None);
        let s = standalone_schema(&json!({"not": {}}), Direction::Response).unwrap();
        assert_eq!(generate(&s, 0), None);
    }
}

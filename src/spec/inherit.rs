//! The OpenAPI inheritance rule, shared by the request generator and the mock's value engine.
//!
//! The classic polymorphism pattern: a base schema lists its subtypes (a `discriminator`
//! mapping, usually a `oneOf` too) and each subtype is `allOf: [{$ref: base}, {own keywords}]`.
//! Read naively, a subtype includes the base, whose alternatives lead back to the subtype, for
//! ever. OpenAPI means something simpler: inside a subtype, the base contributes its own
//! keywords (properties, required…), its alternatives are satisfied by the subtype itself, and
//! the discriminator property carries a mapping name of that subtype. The validator agrees: a
//! value of the subtype whose discriminator names it satisfies the base's dispatch.

use super::pointer;
use super::schema::DISCRIMINATOR_KEY;
use serde_json::{Map, Value, json};

/// A base schema as one of its own subtypes sees it (see the module documentation).
#[derive(Debug, Clone)]
pub(crate) struct Inherited {
    /// The base without its alternatives and discriminator dispatch; the discriminator
    /// property (when there is one) is restricted to the subtype's mapping names and required.
    pub schema: Value,
    /// Whether a plain `oneOf` naming the subtype was dropped: a value must then also fail the
    /// other alternatives, which only the validator can tell.
    pub dropped_one_of: bool,
}

/// `base` (a converted schema, `$ref`s already followed) as the subtype at pointer `owner`
/// includes it through `allOf`, or `None` when `base` does not name `owner` among its
/// alternatives or discriminator mapping (then the base applies in full).
pub(crate) fn inherited_base(base: &Value, owner: &str) -> Option<Inherited> {
    let map = base.as_object()?;
    let names_owner =
        |reference: &Value| reference.as_str().and_then(pointer::local_fragment).is_some_and(|f| f == owner);
    let disc = map.get(DISCRIMINATOR_KEY);
    let names: Vec<Value> = disc
        .and_then(|d| d.get("mapping"))
        .and_then(Value::as_object)
        .map(|m| m.iter().filter(|(_, target)| names_owner(target)).map(|(k, _)| json!(k)).collect())
        .unwrap_or_default();
    let listing = ["anyOf", "oneOf"].into_iter().find(|k| {
        map.get(*k)
            .and_then(Value::as_array)
            .is_some_and(|alts| alts.iter().any(|a| a.get("$ref").is_some_and(names_owner)))
    });
    if names.is_empty() && listing.is_none() {
        return None;
    }
    let mut out: Map<String, Value> = map.clone();
    if let Some(keyword) = listing {
        out.shift_remove(keyword);
    }
    let dropped_one_of = listing == Some("oneOf");
    if disc.is_some() {
        out.shift_remove(DISCRIMINATOR_KEY);
        // The dispatch (`if` the discriminator names a subtype `then` that subtype) is
        // satisfied by the subtype; the remaining parts (the list of allowed names) stay.
        if let Some(Value::Array(parts)) = out.get_mut("allOf") {
            parts.retain(|p| p.get("if").is_none());
            if parts.is_empty() {
                out.shift_remove("allOf");
            }
        }
    }
    let property = disc.and_then(|d| d.get("propertyName")).and_then(Value::as_str);
    if let Some(property) = property.filter(|_| !names.is_empty()) {
        require_within(&mut out, property, json!({"enum": names}));
    }
    Some(Inherited { schema: Value::Object(out), dropped_one_of })
}

/// Makes `property` of the object schema `map` required and holds it to `constraint` as well
/// as to its own schema (the discriminator value a subtype must carry).
pub(crate) fn require_within(map: &mut Map<String, Value>, property: &str, constraint: Value) {
    let props = map.entry("properties").or_insert_with(|| json!({}));
    if let Some(props) = props.as_object_mut() {
        let held = match props.get(property) {
            Some(own) => json!({"allOf": [own, constraint]}),
            None => constraint,
        };
        props.insert(property.to_owned(), held);
    }
    let required = map.entry("required").or_insert_with(|| json!([]));
    if let Some(required) = required.as_array_mut()
        && !required.iter().any(|r| r.as_str() == Some(property))
    {
        required.push(json!(property));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base() -> Value {
        json!({
            "type": "object",
            "properties": {"kind": {"type": "string", "enum": ["CAT", "DOG"]}, "name": {"type": "string"}},
            "anyOf": [{"$ref": "#/components/schemas/Cat"}, {"$ref": "#/components/schemas/Dog"}],
            "allOf": [
                {"if": {"properties": {"kind": {"const": "CAT"}}}, "then": {"$ref": "#/components/schemas/Cat"}},
                {"required": ["kind"], "properties": {"kind": {"enum": ["CAT", "DOG"]}}}
            ],
            DISCRIMINATOR_KEY: {"propertyName": "kind", "mapping": {
                "CAT": "#/components/schemas/Cat", "DOG": "#/components/schemas/Dog"
            }}
        })
    }

    #[test]
    fn a_subtype_sees_the_base_without_its_dispatch_and_with_its_own_name() {
        let seen = inherited_base(&base(), "/components/schemas/Cat").expect("Cat is a subtype");
        let s = seen.schema;
        assert!(s.get("anyOf").is_none() && s.get(DISCRIMINATOR_KEY).is_none(), "{s}");
        assert_eq!(s["allOf"], json!([{"required": ["kind"], "properties": {"kind": {"enum": ["CAT", "DOG"]}}}]));
        assert_eq!(s["properties"]["kind"]["allOf"][1], json!({"enum": ["CAT"]}));
        assert_eq!(s["required"], json!(["kind"]));
        assert!(!seen.dropped_one_of);
    }

    #[test]
    fn a_schema_the_base_does_not_name_gets_the_base_in_full() {
        assert!(inherited_base(&base(), "/components/schemas/Fish").is_none());
        assert!(inherited_base(&json!({"type": "object"}), "/components/schemas/Cat").is_none());
        let plain = json!({"oneOf": [{"$ref": "#/components/schemas/A"}, {"$ref": "#/components/schemas/B"}]});
        let seen = inherited_base(&plain, "/components/schemas/A").expect("A is listed");
        assert_eq!(seen.schema, json!({}));
        assert!(seen.dropped_one_of, "the other alternatives are left to the validator");
    }
}

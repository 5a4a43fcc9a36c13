//! The judging half of `stateful_conformance`: pure functions that compare what a sequence
//! wrote with what the matching read shows, and a reset with the resource's default. The
//! engine's sequences (`engine::stateful`) send the requests and call these; nothing here does
//! I/O or keeps state, and no answer makes it panic.

use super::{CheckFailure, CheckName};
use crate::spec::semantics::Resource;
use crate::spec::{Direction, Operation, ParamLocation, Schema, pointer, without_places, write_only_places};
use serde_json::{Map, Value};
use std::collections::HashSet;

/// Whether `id` is a value `read`'s path parameter `param` accepts (true when it is not
/// documented).
pub fn id_fits(read: &Operation, param: &str, id: &str) -> bool {
    read.parameters
        .iter()
        .filter(|p| p.location == ParamLocation::Path && p.name == param)
        .all(|p| p.schema.as_ref().is_none_or(|schema| schema.is_valid(&crate::spec::params::parse(p, &[id], &[]))))
}

/// Whether a JSON value equals another, numbers compared by value (`1` is `1.0`).
pub fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        (Value::Array(x), Value::Array(y)) => x.len() == y.len() && x.iter().zip(y).all(|(p, q)| same(p, q)),
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| same(v, w)))
        }
        _ => a == b,
    }
}

/// A value as reports show it; `nothing` for an absent one.
pub fn shown(v: Option<&Value>) -> String {
    v.map_or("nothing".to_owned(), compact)
}

/// A value on one line, cut after 120 characters.
pub fn compact(v: &Value) -> String {
    let text = v.to_string();
    if text.chars().count() > 120 { format!("{}…", text.chars().take(120).collect::<String>()) } else { text }
}

/// Leaf paths of a written body, server fields aside: (`/protectedHours/startHourOfDay`, 3).
/// An empty object writes nothing (a merge of `{}` changes no field), so it has no leaves.
fn leaves<'v>(prefix: String, value: &'v Value, out: &mut Vec<(String, &'v Value)>) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                leaves(pointer::join(&prefix, k), v, out);
            }
        }
        other => out.push((prefix, other)),
    }
}

fn written_leaves<'v>(body: &'v Value, resource: &Resource) -> Vec<(String, &'v Value)> {
    let mut out = Vec::new();
    leaves(String::new(), body, &mut out);
    out.retain(|(path, _)| {
        let top = path.trim_start_matches('/').split('/').next().unwrap_or("");
        !resource.server_fields.iter().any(|f| pointer::unescape(top) == *f)
    });
    out
}

/// Every written field must read back as written (`null` means "unset": absent or null).
///
/// # Errors
/// The `stateful_conformance` failure of the first field that does not read back.
pub fn compare_written(
    body: &Value,
    after: &Value,
    resource: &Resource,
    what: &str,
    fields: &Fields,
) -> Result<(), CheckFailure> {
    // Where the read's schema marks a property writeOnly, inside a written array or object:
    // the read leaves it out, so the written value is compared without it.
    let hidden = match fields {
        Fields::DeclaredBy(schema) if schema.direction() == Direction::Response => write_only_places(schema),
        _ => Vec::new(),
    };
    for (path, expected) in written_leaves(body, resource) {
        let shown_part = (!hidden.is_empty() && matches!(expected, Value::Array(_) | Value::Object(_)))
            .then(|| {
                let tokens: Vec<String> = path.trim_start_matches('/').split('/').map(pointer::unescape).collect();
                let inside: Vec<Vec<String>> =
                    hidden.iter().filter_map(|p| p.strip_prefix(tokens.as_slice()).map(<[String]>::to_vec)).collect();
                without_places(expected, &inside)
            })
            .flatten();
        let expected = shown_part.as_ref().unwrap_or(expected);
        let confirmed = match fields {
            Fields::All => true,
            Fields::DeclaredBy(schema) => declares(schema, schema.value(), &path),
            Fields::Unconfirmed => false,
        };
        if !confirmed {
            continue; // A guessed pairing of fields the read does not even document.
        }
        let actual = pointer::get(after, &path);
        let ok = match (expected, actual) {
            (Value::Null, _) => actual.is_none_or(Value::is_null),
            // A guessed pairing holds an array to its members, not to its order or to the
            // members the server adds itself (Kinto puts the creator into `permissions.write`
            // and sorts the list): servers keep many lists as sets.
            (Value::Array(want), Some(Value::Array(got))) if !matches!(fields, Fields::All) => {
                want.iter().all(|w| got.iter().any(|g| same(g, w)))
            }
            _ => actual.is_some_and(|a| same(a, expected)),
        };
        if !ok
            && let Fields::DeclaredBy(schema) = fields
            && !representable(schema, after, &path, expected)
        {
            // The read's own schema cannot show the written value there (the request and the
            // response schemas disagree): the guessed pairing cannot hold for this field.
            continue;
        }
        if !ok {
            let field = path.trim_start_matches('/').replace('/', ".");
            return Err(CheckFailure::new(
                CheckName::StatefulConformance,
                format!(
                    "after {what} with {field} = {}, the read shows {field} = {}",
                    compact(expected),
                    shown(actual)
                ),
                // Which field shows a lost write depends on the data; the finding is the same.
                "lost",
            ));
        }
    }
    Ok(())
}

/// Whether the read's schema accepts `after` with `expected` written at `path` (`null`: the
/// field removed), missing parent objects made on the way.
fn representable(schema: &Schema, after: &Value, path: &str, expected: &Value) -> bool {
    if path.is_empty() {
        return schema.is_valid(expected);
    }
    let mut probe = after.clone();
    let keys: Vec<String> = path.trim_start_matches('/').split('/').map(pointer::unescape).collect();
    let Some((last, parents)) = keys.split_last() else { return schema.is_valid(expected) };
    let mut node = &mut probe;
    for key in parents {
        let Value::Object(map) = node else { return false };
        node = map.entry(key.clone()).or_insert_with(|| Value::Object(Map::new()));
    }
    let Value::Object(map) = node else { return false };
    if expected.is_null() {
        map.shift_remove(last);
    } else {
        map.insert(last.clone(), expected.clone());
    }
    schema.is_valid(&probe)
}

/// Which written fields a read is held to.
#[derive(Debug)]
pub enum Fields {
    /// Every field: the pairing of write and read is declared (a semantics sidecar).
    All,
    /// Only the fields this schema (the read's documented 2xx JSON schema) declares: with
    /// inferred semantics, which fields a write and a read share is a guess.
    DeclaredBy(Schema),
    /// None: the read documents no JSON schema to confirm the guess with.
    Unconfirmed,
}

/// Whether the object schema `node` declares the property at `path` (`/a/b`), through
/// `properties` and the members of `allOf`, `anyOf` and `oneOf`.
pub fn declares(schema: &Schema, node: &Value, path: &str) -> bool {
    declares_once(schema, node, path, &mut HashSet::new())
}

/// [`declares`], visiting each (schema node, path) once: subtypes include the base that lists
/// them, so composition is cyclic.
fn declares_once<'a>(
    schema: &'a Schema,
    node: &'a Value,
    path: &str,
    seen: &mut HashSet<(*const Value, String)>,
) -> bool {
    let node = schema.resolve(node);
    if !seen.insert((node as *const Value, path.to_owned())) {
        return false; // Already answered (false) or being answered further up.
    }
    let Some((first, rest)) = path.strip_prefix('/').map(|p| p.split_once('/').unwrap_or((p, ""))) else {
        return true;
    };
    let key = pointer::unescape(first);
    if let Some(child) = node.get("properties").and_then(|p| p.get(key.as_ref() as &str))
        && !hidden_in_answers(schema, child)
        && (rest.is_empty() || declares_once(schema, child, &format!("/{rest}"), seen))
    {
        return true;
    }
    ["allOf", "anyOf", "oneOf"].iter().any(|k| {
        node.get(*k)
            .and_then(Value::as_array)
            .is_some_and(|members| members.iter().any(|m| declares_once(schema, m, path, seen)))
    })
}

/// Whether a property of a response schema is `writeOnly`: OpenAPI says such a property
/// SHOULD NOT be sent in a response (a password, a secret), so a read that leaves it out does
/// not contradict the write, and the read schema does not declare it for the comparison.
fn hidden_in_answers(schema: &Schema, property: &Value) -> bool {
    schema.direction() == Direction::Response
        && schema.resolve(property).get("writeOnly").and_then(Value::as_bool).unwrap_or(false)
}

/// Whether writing `body` would change something visible in `state`.
pub fn changes(body: &Value, state: &Value, resource: &Resource) -> bool {
    written_leaves(body, resource).iter().any(|(path, v)| !pointer::get(state, path).is_some_and(|a| same(a, v)))
}

/// The first non-server field where `state` differs from `default`, described.
pub fn first_difference(default: &Value, state: &Value, resource: &Resource) -> Option<String> {
    let mut fields = Vec::new();
    leaves(String::new(), default, &mut fields);
    // A field the default does not have must be absent (or null) too.
    if let Value::Object(map) = state {
        for k in map.keys().filter(|k| default.get(k.as_str()).is_none()) {
            fields.push((pointer::join("", k), &Value::Null));
        }
    }
    fields.into_iter().find_map(|(path, expected)| {
        let top = path.trim_start_matches('/').split('/').next().unwrap_or("");
        if resource.server_fields.iter().any(|f| f == top) {
            return None;
        }
        let actual = pointer::get(state, &path);
        let ok = match expected {
            Value::Null => actual.is_none_or(Value::is_null),
            _ => actual.is_some_and(|a| same(a, expected)),
        };
        (!ok).then(|| {
            let field = path.trim_start_matches('/').replace('/', ".");
            format!("{field} is {} where the default is {}", shown(actual), compact(expected))
        })
    })
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::spec::semantics::ResourceKind;
    use serde_json::json;

    /// A resource with these server fields and nothing else.
    pub(crate) fn resource(server_fields: &[&str]) -> Resource {
        Resource {
            kind: ResourceKind::Singleton,
            instance: "/x".into(),
            collection: None,
            id_param: None,
            id_field: None,
            default: None,
            server_fields: server_fields.iter().map(|s| s.to_string()).collect(),
            on_create: Default::default(),
            touch: Vec::new(),
        }
    }

    #[test]
    fn written_fields_must_read_back_nested_and_by_value() {
        let r = resource(&["numberOfDeferrals"]);
        let body = json!({"dayOfWeek": 3, "protectedHours": {"startHourOfDay": 1}, "numberOfDeferrals": 9});
        let good = json!({"dayOfWeek": 3.0, "protectedHours": {"startHourOfDay": 1, "endHourOfDay": 4}, "numberOfDeferrals": 0});
        assert!(
            compare_written(&body, &good, &r, "PATCH", &Fields::All).is_ok(),
            "server fields aside, numbers by value"
        );
        let lost = json!({"dayOfWeek": 3, "protectedHours": {"startHourOfDay": 2}});
        let Err(f) = compare_written(&body, &lost, &r, "PATCH update", &Fields::All) else { panic!() };
        assert_eq!(
            f.message,
            "after PATCH update with protectedHours.startHourOfDay = 1, the read shows protectedHours.startHourOfDay = 2"
        );
        assert_eq!(f.signature, "lost");
        assert!(compare_written(&json!({"a": null}), &json!({}), &r, "x", &Fields::All).is_ok(), "null unsets");
        // Regression: an update with an empty body (every field optional) writes nothing.
        assert!(compare_written(&json!({}), &json!({"a": 1}), &r, "x", &Fields::All).is_ok());
        assert!(compare_written(&json!({"p": {}}), &json!({"p": {"x": 1}}), &r, "x", &Fields::All).is_ok());
    }

    /// Regression (issue 12, Atlas 2026 `updateGroup`, `createOrgApiKey`): with inferred
    /// semantics, a read is held only to written values its own schema can show. A value the
    /// read's schema refuses at that place (another pattern, strings where it has objects) is
    /// a guessed pairing, not a lost write; a value it accepts is still held.
    #[test]
    fn inferred_reads_are_held_only_to_values_their_schema_can_show() {
        let r = resource(&[]);
        let read = crate::spec::standalone_schema(
            &json!({"type": "object", "properties": {
                "name": {"type": "string", "pattern": "^[a-z]+$"},
                "roles": {"type": "array", "items": {"type": "object"}},
                "tags": {"type": "array", "items": {"type": "string"}}
            }}),
            crate::spec::Direction::Response,
        )
        .unwrap();
        let fields = Fields::DeclaredBy(read);
        let after = json!({"name": "other", "roles": [{"roleName": "x"}], "tags": []});
        let unshowable = json!({"name": "^", "roles": ["ORG_OWNER"]});
        assert!(compare_written(&unshowable, &after, &r, "PATCH", &fields).is_ok());
        let Err(f) = compare_written(&json!({"name": "abc"}), &after, &r, "PATCH", &fields) else {
            panic!("a lost write the read could show is still caught")
        };
        assert_eq!(f.message, "after PATCH with name = \"abc\", the read shows name = \"other\"");
        let Err(_) = compare_written(&json!({"tags": ["a"]}), &after, &r, "PATCH", &fields) else {
            panic!("a lost array the read could show is still caught")
        };
        // Regression (Kinto 26.5 `update_bucket`): a guessed pairing holds an array to its
        // members; the order and members the server adds (the creator) are the server's.
        let kept = json!({"tags": ["b", "account:admin", "a"]});
        assert!(compare_written(&json!({"tags": ["a", "b"]}), &kept, &r, "PATCH", &fields).is_ok());
        assert!(compare_written(&json!({"tags": ["a", "c"]}), &kept, &r, "PATCH", &fields).is_err());
        assert!(compare_written(&json!({"tags": ["a", "b"]}), &kept, &r, "PATCH", &Fields::All).is_err());
        // Declared semantics (a sidecar) hold every field.
        assert!(compare_written(&unshowable, &after, &r, "PATCH", &Fields::All).is_err());
    }

    /// A `writeOnly` property SHOULD NOT come back in an answer (OpenAPI 3.0): a read that
    /// leaves out the secret just written is right, not a lost write; every other written field
    /// is still held. (Whether a read shows the secret at all is not this comparison's concern.)
    #[test]
    fn write_only_fields_are_not_held_to_reading_back() {
        let r = resource(&[]);
        let read = crate::spec::standalone_schema(
            &json!({"type": "object", "properties": {
                "name": {"type": "string"},
                "password": {"type": "string", "writeOnly": true},
                "nested": {"type": "object", "properties": {"token": {"type": "string", "writeOnly": true}}}
            }}),
            crate::spec::Direction::Response,
        )
        .unwrap();
        let fields = Fields::DeclaredBy(read.clone());
        let body = json!({"name": "n", "password": "s3cret", "nested": {"token": "t"}});
        assert!(compare_written(&body, &json!({"name": "n", "nested": {}}), &r, "POST", &fields).is_ok());
        assert!(compare_written(&body, &json!({"name": "other"}), &r, "POST", &fields).is_err(), "name is held");
        assert!(!declares(&read, read.value(), "/password"));
        assert!(declares(&read, read.value(), "/name"));
        // In a request schema the flag says nothing about reads: the property is declared.
        let request = crate::spec::standalone_schema(
            &json!({"type": "object", "properties": {"password": {"type": "string", "writeOnly": true}}}),
            crate::spec::Direction::Request,
        )
        .unwrap();
        assert!(declares(&request, request.value(), "/password"));
        // Inside a written array (Atlas 2026 `otelSuppliedHeaders`: each header's value is
        // writeOnly), the read is compared with what it may show.
        let read = crate::spec::standalone_schema(
            &json!({"type": "object", "properties": {"headers": {"type": "array", "items": {"type": "object",
                "properties": {"name": {"type": "string"}, "value": {"type": "string", "writeOnly": true}}}}}}),
            crate::spec::Direction::Response,
        )
        .unwrap();
        let fields = Fields::DeclaredBy(read);
        let body = json!({"headers": [{"name": "a", "value": "x"}, {"name": "b", "value": "y"}]});
        let shown = json!({"headers": [{"name": "a"}, {"name": "b"}]});
        assert!(compare_written(&body, &shown, &r, "PUT", &fields).is_ok());
        let lost = json!({"headers": [{"name": "a"}]});
        assert!(compare_written(&body, &lost, &r, "PUT", &fields).is_err(), "a lost item is still caught");
    }

    /// Regression (issue 12, 2023 Atlas `CloudProviderContainer`): subtypes include the base
    /// that lists them, so composition is cyclic; looking a field up terminates, and still
    /// finds fields declared by the base or by a subtype.
    #[test]
    fn declared_fields_are_found_through_cyclic_composition() {
        let spec = crate::spec::Spec::from_value(
            "t",
            json!({
                "openapi": "3.0.3", "info": {"title": "t", "version": "1"},
                "paths": {"/x": {"get": {"responses": {"200": {"description": "ok", "content": {"application/json": {
                    "schema": {"$ref": "#/components/schemas/Base"}}}}}}}},
                "components": {"schemas": {
                    "Base": {"type": "object", "properties": {"kind": {"type": "string"}},
                        "oneOf": [{"$ref": "#/components/schemas/A"}, {"$ref": "#/components/schemas/B"}]},
                    "A": {"allOf": [{"$ref": "#/components/schemas/Base"}, {"properties": {"a": {"type": "object", "properties": {"n": {}}}}}]},
                    "B": {"allOf": [{"$ref": "#/components/schemas/Base"}, {"properties": {"b": {}}}]}
                }}
            }),
        )
        .unwrap();
        let schema = spec.operations[0].responses[0].content[0].schema.clone().unwrap();
        for (path, declared) in [("/kind", true), ("/a/n", true), ("/b", true), ("/c", false), ("/a/m", false)] {
            assert_eq!(declares(&schema, schema.value(), path), declared, "{path}");
        }
    }

    #[test]
    fn created_ids_must_fit_the_reads_id_parameter() {
        let spec = crate::spec::Spec::from_value(
            "t",
            json!({
                "openapi": "3.0.3", "info": {"title": "t", "version": "1"},
                "paths": {"/e/{endpointId}": {"get": {"operationId": "get",
                    "parameters": [{"name": "endpointId", "in": "path", "required": true,
                                    "schema": {"type": "string", "pattern": "^vpce-[0-9a-f]{17}$"}}],
                    "responses": {"200": {"description": "ok"}}}}}
            }),
        )
        .unwrap();
        let read = spec.operation("get").unwrap();
        assert!(id_fits(read, "endpointId", "vpce-0123456789abcdef0"));
        assert!(!id_fits(read, "endpointId", "5692161dcf2a1ed561cac94e"));
        assert!(id_fits(read, "other", "anything"), "an undocumented parameter takes any id");
    }

    #[test]
    fn resets_are_judged_against_what_was_written() {
        let r = resource(&[]);
        let written = json!({"dayOfWeek": 3});
        assert!(changes(&written, &json!({"dayOfWeek": 7}), &r));
        assert!(!changes(&written, &json!({"dayOfWeek": 3, "other": 1}), &r));
        let default = json!({"dayOfWeek": 7, "startASAP": false});
        assert_eq!(first_difference(&default, &json!({"dayOfWeek": 7, "startASAP": false}), &r), None);
        assert_eq!(
            first_difference(&default, &json!({"dayOfWeek": 3, "startASAP": false}), &r).as_deref(),
            Some("dayOfWeek is 3 where the default is 7")
        );
        assert!(first_difference(&default, &json!({"dayOfWeek": 7, "startASAP": false, "hourOfDay": 5}), &r).is_some());
    }
}

//! Compiling validators: one shared registry holding the two converted documents, and one small
//! `{"$ref": …}` validator per distinct schema target, built once and shared by every operation
//! that uses it. (Compiling each schema with the whole document as its own root costs seconds on
//! a large spec; this costs tens of milliseconds.)

use super::finding::{FindingKind, SpecFinding};
use super::model::{Direction, Operation, Schema, SchemaDocs};
use super::pointer;
use base64::Engine;
use serde_json::{Value, json};
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

const REQUEST_URI: &str = "https://conform.invalid/request.json";
const RESPONSE_URI: &str = "https://conform.invalid/response.json";

fn base_uri(direction: Direction) -> &'static str {
    match direction {
        Direction::Request => REQUEST_URI,
        Direction::Response => RESPONSE_URI,
    }
}

/// Characters a JSON pointer may keep as-is inside a URI fragment.
const FRAGMENT: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'/')
    .remove(b'~')
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'!')
    .remove(b'$')
    .remove(b'&')
    .remove(b'\'')
    .remove(b'(')
    .remove(b')')
    .remove(b'*')
    .remove(b'+')
    .remove(b',')
    .remove(b';')
    .remove(b'=')
    .remove(b':')
    .remove(b'@');

/// `format: byte`: base64 (standard alphabet, padding optional).
fn is_base64(s: &str) -> bool {
    let trimmed = s.trim_end_matches('=');
    base64::engine::general_purpose::STANDARD_NO_PAD.decode(trimmed).is_ok()
}

/// Compiles every schema the operations use and binds the handles to the shared documents.
pub(super) fn compile_and_bind(docs: &Arc<SchemaDocs>, operations: &mut [Operation], findings: &mut Vec<SpecFinding>) {
    let registry = jsonschema::Registry::new()
        .draft(jsonschema::Draft::Draft202012)
        .add(REQUEST_URI, &docs.request)
        .and_then(|b| b.add(RESPONSE_URI, &docs.response))
        .and_then(|b| b.prepare());
    let registry = match registry {
        Ok(r) => r,
        Err(e) => {
            findings.push(SpecFinding::new(
                FindingKind::CompileFailed,
                "",
                format!("cannot index the schemas ({e}); no schema is checked"),
            ));
            for op in operations.iter_mut() {
                for schema in op.schemas_mut() {
                    schema.docs = docs.clone();
                }
            }
            return;
        }
    };
    let patterns = jsonschema::PatternCache::new();
    let mut cache: HashMap<(Direction, String), Option<Arc<jsonschema::Validator>>> = HashMap::new();
    for op in operations.iter_mut() {
        for schema in op.schemas_mut() {
            schema.docs = docs.clone();
            let target = ref_target(docs.document(schema.direction), &schema.pointer);
            let key = (schema.direction, target);
            let validator = cache
                .entry(key)
                .or_insert_with_key(|(direction, target)| {
                    let wrapper = json!({
                        "$ref": format!(
                            "{}#{}",
                            base_uri(*direction),
                            percent_encoding::utf8_percent_encode(target, FRAGMENT)
                        )
                    });
                    let built = jsonschema::draft202012::options()
                        .with_registry(&registry)
                        .with_pattern_cache(patterns.clone())
                        .should_validate_formats(true)
                        .with_format("byte", is_base64)
                        .offline()
                        .build(&wrapper);
                    match built {
                        Ok(v) => Some(Arc::new(v)),
                        Err(e) => {
                            findings.push(SpecFinding::new(
                                FindingKind::CompileFailed,
                                target.clone(),
                                format!("cannot compile a validator ({}); the schema is unchecked", e.masked()),
                            ));
                            None
                        }
                    }
                })
                .clone();
            schema.validator = validator;
        }
    }
}

/// Where a schema really is: a pure local `$ref` is followed (one hop) so that every place that
/// refers to the same component shares one validator.
fn ref_target(doc: &Value, at: &str) -> String {
    let node = pointer::get(doc, at);
    match node.and_then(|n| n.get("$ref")).and_then(Value::as_str).and_then(pointer::local_fragment) {
        Some(fragment) if pointer::get(doc, fragment).is_some() => fragment.to_owned(),
        _ => at.to_owned(),
    }
}

/// Marks, on each operation, the defects (schema nodes sanitised away) reachable from its
/// schemas, so reports can say which constraints were not checked.
pub(super) fn mark_unchecked(docs: &SchemaDocs, operations: &mut [Operation], defects: &[String]) {
    if defects.is_empty() {
        return;
    }
    for op in operations.iter_mut() {
        let mut reached: HashSet<String> = HashSet::new();
        let mut stack: Vec<(Direction, String)> =
            op.schemas_mut().into_iter().map(|s| (s.direction, s.pointer.to_string())).collect();
        while let Some((direction, at)) = stack.pop() {
            if !reached.insert(at.clone()) {
                continue;
            }
            if let Some(node) = pointer::get(docs.document(direction), &at) {
                collect_refs(node, &mut |target| stack.push((direction, target.to_owned())));
            }
        }
        let mut unchecked: Vec<String> = defects
            .iter()
            .filter(|d| reached.iter().any(|r| d.as_str() == r || d.starts_with(&format!("{r}/"))))
            .cloned()
            .collect();
        unchecked.sort();
        unchecked.dedup();
        op.unchecked = unchecked;
    }
}

fn collect_refs(node: &Value, found: &mut impl FnMut(&str)) {
    match node {
        Value::Object(map) => {
            if let Some(fragment) = map.get("$ref").and_then(Value::as_str).and_then(pointer::local_fragment) {
                found(fragment);
            }
            for (key, child) in map {
                if key != "example" && key != "default" && key != "enum" {
                    collect_refs(child, found);
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|i| collect_refs(i, found)),
        _ => {}
    }
}

/// Examples that do not satisfy their own schema are warnings: generators would start from them.
pub(super) fn check_examples(operations: &[Operation], findings: &mut Vec<SpecFinding>) {
    let mut seen = HashSet::new();
    for op in operations {
        let bodies = op.request_body.iter().flat_map(|b| b.content.iter());
        let answers = op.responses.iter().flat_map(|r| r.content.iter());
        for media in bodies.chain(answers) {
            let Some(schema) = &media.schema else { continue };
            for (i, example) in media.examples.iter().enumerate() {
                if !seen.insert((media.pointer.clone(), i)) || schema.is_valid(example) {
                    continue;
                }
                let why = schema.violations(example, 1).into_iter().next().map(|v| v.to_string()).unwrap_or_default();
                findings.push(SpecFinding::new(
                    FindingKind::InvalidExample,
                    media.pointer.clone(),
                    format!("example {} does not satisfy the schema ({why})", i + 1),
                ));
            }
        }
        for p in &op.parameters {
            let Some(schema) = &p.schema else { continue };
            for (i, example) in p.examples.iter().enumerate() {
                if seen.insert((p.pointer.clone(), i)) && !schema.is_valid(example) {
                    findings.push(SpecFinding::new(
                        FindingKind::InvalidExample,
                        p.pointer.clone(),
                        format!("the example of parameter `{}` does not satisfy its schema", p.name),
                    ));
                }
            }
        }
    }
}

/// A standalone handle for tests and tools: compiles `schema` on its own.
///
/// # Errors
/// The validator's message when the converted schema does not compile (an unknown `$ref`, a
/// keyword of the wrong type).
pub fn standalone(schema: &Value, direction: Direction) -> Result<Schema, String> {
    let doc = json!({ "s": schema });
    let mut findings = Vec::new();
    let mut doc = doc;
    let sanitized = super::schema::sanitize(&mut doc, &["/s".to_owned()], &mut findings);
    let converted = super::schema::convert(&doc, &sanitized.order, direction);
    let docs = match direction {
        Direction::Request => SchemaDocs { request: converted, response: Value::Null },
        Direction::Response => SchemaDocs { request: Value::Null, response: converted },
    };
    let validator = {
        let registry = jsonschema::Registry::new()
            .draft(jsonschema::Draft::Draft202012)
            .add(base_uri(direction), docs.document(direction))
            .and_then(|b| b.prepare())
            .map_err(|e| e.to_string())?;
        jsonschema::draft202012::options()
            .with_registry(&registry)
            .should_validate_formats(true)
            .with_format("byte", is_base64)
            .offline()
            .build(&json!({"$ref": format!("{}#/s", base_uri(direction))}))
            .map_err(|e| e.to_string())?
    };
    let docs = Arc::new(docs);
    Ok(Schema { docs, pointer: "/s".into(), direction, validator: Some(Arc::new(validator)) })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn byte_format_is_base64() {
        let s = standalone(&json!({"type": "string", "format": "byte"}), Direction::Request).unwrap();
        assert!(s.is_valid(&json!("aGVsbG8=")) && s.is_valid(&json!("aGVsbG8")));
        assert!(!s.is_valid(&json!("not base64!")));
    }

    #[test]
    fn pointers_with_braces_and_slashes_compile() {
        let encoded = percent_encoding::utf8_percent_encode("/paths/~1a~1{id}/get", FRAGMENT).to_string();
        assert_eq!(encoded, "/paths/~1a~1%7Bid%7D/get");
    }
}

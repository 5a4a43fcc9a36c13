//! What OpenAPI 3.1 adds at the document level and conform must say something about.
//!
//! 3.1 schemas are JSON Schema 2020-12 as written ([`super::schema`] reads them with
//! `Dialect::Oas31`); its other additions (`webhooks`, `components.pathItems`, a response
//! without `description`, `mutualTLS`) are read by the normaliser. What is left is the schema
//! dialect a document declares: conform validates with 2020-12 (plus the OpenAPI vocabulary,
//! whose keywords are annotations or handled by the converter), so any other declared dialect
//! is a finding rather than a silent misreading. This module never fails a load.

use super::finding::{FindingKind, SpecFinding};
use serde_json::Value;

/// The dialects conform reads as 2020-12 without loss.
const KNOWN_DIALECTS: [&str; 4] = [
    "https://spec.openapis.org/oas/3.1/dialect/base",
    "https://spec.openapis.org/oas/3.1/dialect/2024-10-25",
    "https://json-schema.org/draft/2020-12/schema",
    "https://spec.openapis.org/oas/3.2/dialect/2025-09-17",
];

/// Reports a `jsonSchemaDialect` (or a schema's `$schema` at the top of `components.schemas`)
/// that is not 2020-12 based.
pub(super) fn check_dialect(doc: &Value, findings: &mut Vec<SpecFinding>) {
    if let Some(dialect) = doc.get("jsonSchemaDialect") {
        match dialect.as_str() {
            Some(d) if known(d) => {}
            Some(d) => findings.push(SpecFinding::new(
                FindingKind::Unsupported,
                "/jsonSchemaDialect",
                format!("schemas are declared in the dialect `{d}`; conform reads them as JSON Schema 2020-12"),
            )),
            None => findings.push(SpecFinding::new(
                FindingKind::InvalidStructure,
                "/jsonSchemaDialect",
                "`jsonSchemaDialect` must be a URI string; schemas are read as JSON Schema 2020-12",
            )),
        }
    }
    if let Some(Value::Object(schemas)) = doc.pointer("/components/schemas") {
        for (name, schema) in schemas {
            if let Some(d) = schema.get("$schema").and_then(Value::as_str)
                && !known(d)
            {
                findings.push(SpecFinding::new(
                    FindingKind::Unsupported,
                    super::pointer::join(&super::pointer::join("/components/schemas", name), "$schema"),
                    format!("this schema declares the dialect `{d}`; conform reads it as JSON Schema 2020-12"),
                ));
            }
        }
    }
}

fn known(dialect: &str) -> bool {
    let d = dialect.trim_end_matches('#');
    KNOWN_DIALECTS.contains(&d)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn only_a_foreign_dialect_is_a_finding() {
        let mut findings = Vec::new();
        check_dialect(&json!({"jsonSchemaDialect": "https://spec.openapis.org/oas/3.1/dialect/base"}), &mut findings);
        check_dialect(&json!({"jsonSchemaDialect": "https://json-schema.org/draft/2020-12/schema#"}), &mut findings);
        assert!(findings.is_empty(), "{findings:?}");
        check_dialect(&json!({"jsonSchemaDialect": "http://json-schema.org/draft-04/schema#"}), &mut findings);
        check_dialect(
            &json!({"components": {"schemas": {"A": {"$schema": "http://json-schema.org/draft-07/schema#"}}}}),
            &mut findings,
        );
        let pointers: Vec<&str> = findings.iter().map(|f| f.pointer.as_str()).collect();
        assert_eq!(pointers, ["/jsonSchemaDialect", "/components/schemas/A/$schema"]);
        assert!(findings.iter().all(|f| f.kind == FindingKind::Unsupported));
    }
}

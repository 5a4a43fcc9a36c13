//! `conform list` and `conform lint` output.
//!
//! The JSON forms are stable (documented in README.md): fields are only ever added.

use crate::spec::{Operation, Severity, Spec, SpecFinding};
use serde::Serialize;
use std::fmt::Write as _;

#[derive(Serialize)]
struct ListingJson<'a> {
    spec: &'a str,
    title: &'a str,
    version: &'a str,
    openapi: &'a str,
    servers: &'a [String],
    operations: Vec<OperationJson<'a>>,
    /// 3.1 webhooks (described, never fired); absent when there are none.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    webhooks: Vec<WebhookJson<'a>>,
}

#[derive(Serialize)]
struct WebhookJson<'a> {
    name: &'a str,
    method: &'a str,
    #[serde(rename = "operationId")]
    operation_id: Option<&'a str>,
    summary: Option<&'a str>,
}

#[derive(Serialize)]
struct OperationJson<'a> {
    id: &'a str,
    #[serde(rename = "operationId")]
    operation_id: Option<&'a str>,
    method: &'a str,
    path: &'a str,
    summary: Option<&'a str>,
    deprecated: bool,
    /// Alternatives, each a list of scheme names used together; `[]` inside means anonymous.
    security: Vec<Vec<&'a str>>,
    parameters: Vec<ParameterJson<'a>>,
    #[serde(rename = "requestBody")]
    request_body: Option<BodyJson<'a>>,
    responses: Vec<ResponseJson<'a>>,
    /// Pointers of spec findings whose constraints this operation cannot check.
    unchecked: &'a [String],
}

#[derive(Serialize)]
struct ParameterJson<'a> {
    name: &'a str,
    #[serde(rename = "in")]
    location: &'a str,
    required: bool,
    style: crate::spec::ParamStyle,
    explode: bool,
    /// Pointer of the parameter's schema, if it has one.
    schema: Option<&'a str>,
}

#[derive(Serialize)]
struct BodyJson<'a> {
    required: bool,
    content: Vec<&'a str>,
}

#[derive(Serialize)]
struct ResponseJson<'a> {
    status: String,
    description: &'a str,
    content: Vec<&'a str>,
    headers: Vec<&'a str>,
}

fn operation_json(op: &Operation) -> OperationJson<'_> {
    OperationJson {
        id: &op.id,
        operation_id: op.operation_id.as_deref(),
        method: op.method.as_str(),
        path: &op.path,
        summary: op.summary.as_deref(),
        deprecated: op.deprecated,
        security: op.security.iter().map(|a| a.schemes.iter().map(|(n, _)| n.as_str()).collect()).collect(),
        parameters: op
            .parameters
            .iter()
            .map(|p| ParameterJson {
                name: &p.name,
                location: p.location.as_str(),
                required: p.required,
                style: p.style,
                explode: p.explode,
                schema: p.schema.as_ref().map(|s| s.pointer()),
            })
            .collect(),
        request_body: op
            .request_body
            .as_ref()
            .map(|b| BodyJson { required: b.required, content: b.content.iter().map(|m| m.name.as_str()).collect() }),
        responses: op
            .responses
            .iter()
            .map(|r| ResponseJson {
                status: r.status.to_string(),
                description: &r.description,
                content: r.content.iter().map(|m| m.name.as_str()).collect(),
                headers: r.headers.iter().map(|h| h.name.as_str()).collect(),
            })
            .collect(),
        unchecked: &op.unchecked,
    }
}

/// `conform list --format json`.
pub fn list_json(spec: &Spec) -> String {
    let listing = ListingJson {
        spec: &spec.source,
        title: &spec.title,
        version: &spec.version,
        openapi: &spec.openapi,
        servers: &spec.servers,
        operations: spec.operations.iter().map(operation_json).collect(),
        webhooks: spec
            .webhooks
            .iter()
            .map(|w| WebhookJson {
                name: &w.name,
                method: w.method.as_str(),
                operation_id: w.operation_id.as_deref(),
                summary: w.summary.as_deref(),
            })
            .collect(),
    };
    serde_json::to_string_pretty(&listing).unwrap_or_default()
}

/// `conform list` for people.
pub fn list_text(spec: &Spec) -> String {
    let mut out = String::new();
    let count = spec.operations.len();
    let _ = writeln!(
        out,
        "{} {} ({} {}): {count} operation{}",
        spec.title,
        spec.version,
        if spec.format == crate::spec::Version::Swagger2 { "Swagger" } else { "OpenAPI" },
        spec.openapi,
        if count == 1 { "" } else { "s" }
    );
    for op in &spec.operations {
        let _ = writeln!(out, "\n{}  {} {}", op.id, op.method, op.path);
        if op.parameters.is_empty() {
            let _ = writeln!(out, "  parameters: none");
        } else {
            let params: Vec<String> = op
                .parameters
                .iter()
                .map(|p| format!("{} ({}{})", p.name, p.location, if p.required { ", required" } else { "" }))
                .collect();
            let _ = writeln!(out, "  parameters: {}", params.join(", "));
        }
        match &op.request_body {
            Some(body) => {
                let media: Vec<&str> = body.content.iter().map(|m| m.name.as_str()).collect();
                let _ = writeln!(
                    out,
                    "  request:    {}{}",
                    media.join(", "),
                    if body.required { " (required)" } else { "" }
                );
            }
            None => {
                let _ = writeln!(out, "  request:    no body");
            }
        }
        let _ = writeln!(out, "  responses:");
        for r in &op.responses {
            let media: Vec<&str> = r.content.iter().map(|m| m.name.as_str()).collect();
            let media = if media.is_empty() { "no body".to_owned() } else { media.join(", ") };
            let _ = writeln!(out, "    {:<8}{media}", r.status.to_string());
        }
        let security: Vec<String> = op
            .security
            .iter()
            .map(|a| {
                if a.schemes.is_empty() {
                    "anonymous".to_owned()
                } else {
                    a.schemes.iter().map(|(n, _)| n.as_str()).collect::<Vec<_>>().join(" + ")
                }
            })
            .collect();
        let _ = writeln!(
            out,
            "  security:   {}",
            if security.is_empty() { "none".to_owned() } else { security.join(" | ") }
        );
        if !op.unchecked.is_empty() {
            let _ = writeln!(out, "  unchecked:  {}", op.unchecked.join(", "));
        }
    }
    if !spec.webhooks.is_empty() {
        let _ = writeln!(out, "\nwebhooks (sent by the API; described, never fired):");
        for w in &spec.webhooks {
            let id = w.operation_id.as_deref().map(|id| format!("  {id}")).unwrap_or_default();
            let _ = writeln!(out, "  {}  {}{id}", w.name, w.method);
        }
    }
    out
}

fn counts(findings: &[SpecFinding]) -> (usize, usize) {
    let errors = findings.iter().filter(|f| f.severity == Severity::Error).count();
    (errors, findings.len() - errors)
}

/// `conform lint --format json`.
pub fn lint_json(spec: &Spec) -> String {
    let (errors, warnings) = counts(&spec.findings);
    let value = serde_json::json!({
        "spec": spec.source,
        "errors": errors,
        "warnings": warnings,
        "findings": spec.findings,
    });
    serde_json::to_string_pretty(&value).unwrap_or_default()
}

/// `conform lint` for people.
pub fn lint_text(spec: &Spec) -> String {
    let mut out = String::new();
    for f in &spec.findings {
        let _ = writeln!(out, "{f}");
    }
    let (errors, warnings) = counts(&spec.findings);
    let _ = writeln!(
        out,
        "{}: {} operation{}, {errors} error{}, {warnings} warning{}",
        spec.source,
        spec.operations.len(),
        if spec.operations.len() == 1 { "" } else { "s" },
        if errors == 1 { "" } else { "s" },
        if warnings == 1 { "" } else { "s" },
    );
    out
}

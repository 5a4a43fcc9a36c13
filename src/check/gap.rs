//! `undocumented_constraint`: a request that satisfies the contract was refused for a rule the
//! spec does not declare: the server's answer names a field as required (or missing) that the
//! spec leaves optional, or as unknown where the spec documents it; or a value at an edge the
//! spec leaves open (no `maximum`, no `maxLength`) was refused. Either way the spec
//! under-documents the API, and clients generated from it send requests that fail.
//!
//! A warning (fails only with `--strict`): a hint to fix the spec. It reads the server's words
//! in any common shape (FastAPI/pydantic `detail[].loc/msg`, marshmallow and Django REST
//! Framework `{"field": ["..."]}`, problem+json `detail` text, plain text) and never one
//! server's exact sentences. It must never judge conform's own mock (whose refusals are
//! `positive_data_acceptance`'s) nor a refusal for existence, uniqueness or permission.

use super::envelope::{Answer, Body};
use super::{CheckContext, CheckName, Exchange, Failure};
use crate::generate::{CaseOrigin, Request};
use crate::spec::Operation;
use serde_json::Value;

/// Characters of the server's words quoted in a finding.
const WORDS: usize = 160;
/// Fields reported from one answer at most.
const MAX_FIELDS: usize = 5;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// The server requires (or misses) a field.
    Required,
    /// The server does not know a field.
    Unknown,
}

/// One complaint about one field, as the server put it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Complaint {
    kind: Kind,
    field: String,
    words: String,
}

/// Keys whose values are free text about the error, not a field.
fn is_text_key(key: &str) -> bool {
    matches!(
        key.to_ascii_lowercase().as_str(),
        "detail"
            | "details"
            | "message"
            | "messages"
            | "msg"
            | "title"
            | "error"
            | "errors"
            | "error_description"
            | "description"
            | "reason"
            | "non_field_errors"
            | "__all__"
            | "_schema"
            | "json"
            | "body"
            | "query"
            | "form"
            | "path"
            | "headers"
            | "cookies"
            | "type"
            | "status"
            | "code"
            | "instance"
    )
}

/// Location words in a pydantic `loc`, never field names.
fn is_location(s: &str) -> bool {
    matches!(s, "body" | "query" | "path" | "header" | "cookie" | "__root__")
}

/// What a message says about its field, if it speaks of one being required or unknown.
fn classify(words: &str) -> Option<Kind> {
    let w = words.to_lowercase();
    const UNKNOWN: [&str; 11] = [
        "unknown field",
        "unknown propert",
        "unknown parameter",
        "unknown key",
        "unrecognized",
        "unrecognised",
        "unexpected",
        "not permitted",
        "extra inputs",
        "extra_forbidden",
        "additional propert",
    ];
    const REQUIRED: [&str; 6] =
        ["required", "missing", "must be provided", "must be present", "must be specified", "must be supplied"];
    if UNKNOWN.iter().any(|k| w.contains(k)) || w.contains("is not allowed") {
        return Some(Kind::Unknown);
    }
    if w.contains("not required") {
        return None;
    }
    REQUIRED.iter().any(|k| w.contains(k)).then_some(Kind::Required)
}

/// Field names quoted in free text: 'x', "x", `x`, ‘x’, “x”.
fn quoted(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for (open, close) in [('\'', '\''), ('"', '"'), ('`', '`'), ('‘', '’'), ('“', '”')] {
        let mut rest = text;
        while let Some(i) = rest.find(open) {
            let after = &rest[i + open.len_utf8()..];
            let Some(j) = after.find(close) else { break };
            let name = &after[..j];
            if !name.is_empty() && name.len() <= 64 && !name.contains(char::is_whitespace) {
                out.push(name.to_owned());
            }
            rest = &after[j + close.len_utf8()..];
        }
    }
    out
}

/// Every (field, words) pair an answer body holds, and the free text that names no field by
/// its structure.
#[derive(Default)]
struct Reading {
    pairs: Vec<(String, String)>,
    free: Vec<String>,
}

fn read_json(v: &Value, field: Option<&str>, out: &mut Reading, depth: usize) {
    if depth > 8 || out.pairs.len() + out.free.len() > 200 {
        return;
    }
    match v {
        Value::String(s) => match field {
            Some(f) => out.pairs.push((f.to_owned(), s.clone())),
            None => out.free.push(s.clone()),
        },
        Value::Array(items) => items.iter().for_each(|i| read_json(i, field, out, depth + 1)),
        Value::Object(map) => {
            // pydantic / FastAPI: {"loc": ["body", "name"], "msg": "Field required", "type": "missing"}.
            if let (Some(Value::Array(loc)), Some(Value::String(msg))) = (map.get("loc"), map.get("msg")) {
                let name = loc.iter().rev().filter_map(Value::as_str).find(|s| !is_location(s));
                let kind = map.get("type").and_then(Value::as_str).unwrap_or_default();
                let words = if kind.is_empty() { msg.clone() } else { format!("{msg} ({kind})") };
                match name {
                    Some(n) => out.pairs.push((n.to_owned(), words)),
                    None => out.free.push(words),
                }
                return;
            }
            for (k, child) in map {
                let inner = if is_text_key(k) { field } else { Some(k.as_str()) };
                read_json(child, inner, out, depth + 1);
            }
        }
        _ => {}
    }
}

/// The fields a request sends: every key of its body (at any depth) and every parameter name.
fn sent_fields(request: &Request, op: &Operation) -> Vec<String> {
    fn keys(v: &Value, out: &mut Vec<String>, depth: usize) {
        if depth > 16 {
            return;
        }
        match v {
            Value::Object(map) => {
                for (k, child) in map {
                    out.push(k.clone());
                    keys(child, out, depth + 1);
                }
            }
            Value::Array(items) => items.iter().for_each(|i| keys(i, out, depth + 1)),
            _ => {}
        }
    }
    let mut out = Vec::new();
    match &request.body {
        Some(crate::generate::Body::Json(v)) => keys(v, &mut out, 0),
        Some(crate::generate::Body::Form(pairs)) => out.extend(pairs.iter().map(|(k, _)| k.clone())),
        _ => {}
    }
    out.extend(request.query.iter().map(|(k, _)| k.clone()));
    out.extend(request.headers.iter().map(|(k, _)| k.clone()));
    out.extend(request.cookies.iter().map(|(k, _)| k.clone()));
    out.extend(op.params_in(crate::spec::ParamLocation::Path).map(|p| p.name.clone()));
    out
}

/// The fields the operation documents: its parameters and every property its request body's
/// schemas name.
fn documented_fields(op: &Operation) -> Vec<String> {
    fn properties(v: &Value, schema: &crate::spec::Schema, out: &mut Vec<String>, depth: usize) {
        if depth > 12 {
            return;
        }
        let v = schema.resolve(v);
        if let Some(Value::Object(props)) = v.get("properties") {
            for (name, child) in props {
                out.push(name.clone());
                properties(child, schema, out, depth + 1);
            }
        }
        for key in ["items", "additionalProperties"] {
            if let Some(child) = v.get(key).filter(|c| c.is_object()) {
                properties(child, schema, out, depth + 1);
            }
        }
        for key in ["allOf", "anyOf", "oneOf"] {
            if let Some(Value::Array(alts)) = v.get(key) {
                alts.iter().for_each(|a| properties(a, schema, out, depth + 1));
            }
        }
    }
    let mut out: Vec<String> = op.parameters.iter().map(|p| p.name.clone()).collect();
    for media in op.request_body.iter().flat_map(|rb| rb.content.iter()) {
        if let Some(schema) = &media.schema {
            properties(schema.value(), schema, &mut out, 0);
        }
    }
    out
}

fn same(a: &str, b: &str) -> bool {
    a.eq_ignore_ascii_case(b)
}

/// The server's complaints about fields in an answer body: structured ones name their field by
/// their shape; free text only counts for a quoted name the request sent or the spec documents.
fn complaints(answer: &Answer<'_>, sent: &[String], documented: &[String]) -> Vec<Complaint> {
    let mut reading = Reading::default();
    match &answer.body {
        Body::Json(v) => read_json(v, None, &mut reading, 0),
        Body::Raw(bytes) => match serde_json::from_slice::<Value>(bytes) {
            Ok(v) => read_json(&v, None, &mut reading, 0),
            Err(_) => reading.free.push(String::from_utf8_lossy(&bytes[..bytes.len().min(4096)]).into_owned()),
        },
        Body::Empty => {}
    }
    let known = |name: &str| sent.iter().chain(documented).any(|f| same(f, name));
    let mut out: Vec<Complaint> = Vec::new();
    let mut push = |kind: Kind, field: String, words: &str| {
        if !out.iter().any(|c| c.kind == kind && same(&c.field, &field)) {
            out.push(Complaint { kind, field, words: words.to_owned() });
        }
    };
    for (field, words) in &reading.pairs {
        // A structured key may still hold free text naming the field ("name": "'x' is required").
        let Some(kind) = classify(words) else { continue };
        let named: Vec<String> = quoted(words).into_iter().filter(|q| known(q)).collect();
        if named.is_empty() {
            push(kind, field.clone(), words);
        } else {
            named.into_iter().for_each(|n| push(kind, n, words));
        }
    }
    for text in &reading.free {
        let Some(kind) = classify(text) else { continue };
        let mut named: Vec<String> = quoted(text).into_iter().filter(|q| known(q)).collect();
        if named.is_empty() {
            // Plain words: only a name the request or the spec has ("name is required").
            named = text
                .split(|c: char| !(c.is_alphanumeric() || c == '_' || c == '-'))
                .filter(|w| w.len() > 1 && known(w))
                .map(str::to_owned)
                .collect();
        }
        named.into_iter().for_each(|n| push(kind, n, text));
    }
    out
}

/// A bounded excerpt of the server's words, on one line.
fn excerpt(words: &str) -> String {
    let one_line: String = words.split_whitespace().collect::<Vec<_>>().join(" ");
    if one_line.chars().count() <= WORDS {
        return one_line;
    }
    format!("{}…", one_line.chars().take(WORDS).collect::<String>())
}

/// Whether the answer is one `undocumented_constraint` may judge: a valid, ordinary request
/// to a server other than conform's own mock, refused with 400 or 422.
fn judged(ctx: &CheckContext, ex: &Exchange<'_>, answer: &Answer<'_>) -> bool {
    !ctx.reference_target
        && ex.case.is_valid()
        && ex.probe.is_none()
        && ex.case.origin != CaseOrigin::Probe
        && matches!(answer.status, 400 | 422)
}

/// The label of an edge description (`count` of `count = 9223… (int64 maximum; …)`).
fn edge_label(description: &str) -> &str {
    [" = ", " has "].iter().filter_map(|sep| description.find(sep)).min().map_or(description, |i| &description[..i])
}

/// See the module documentation.
pub(super) fn undocumented_constraint(ctx: &CheckContext, ex: &Exchange<'_>, answer: &Answer<'_>) -> Vec<Failure> {
    if !judged(ctx, ex, answer) {
        return Vec::new();
    }
    let sent = sent_fields(ex.request, ex.operation);
    let documented = documented_fields(ex.operation);
    let status = answer.status;
    let mut out: Vec<Failure> = complaints(answer, &sent, &documented)
        .into_iter()
        .filter(|c| !super::refusal::data_words(&c.words))
        .filter(|c| match c.kind {
            // Required, yet not sent: the spec left it optional (or does not have it).
            Kind::Required => !sent.iter().any(|f| same(f, &c.field)),
            // Unknown, yet sent: the spec documents it.
            Kind::Unknown => sent.iter().any(|f| same(f, &c.field)),
        })
        .take(MAX_FIELDS)
        .map(|c| {
            let (what, kind) = match c.kind {
                Kind::Required => {
                    (format!("the server requires {}, which the spec does not mark required", c.field), "required")
                }
                Kind::Unknown => {
                    (format!("the server does not accept {}, which the spec documents", c.field), "unknown")
                }
            };
            Failure::warning(
                CheckName::UndocumentedConstraint,
                format!(
                    "a request that satisfies the contract was refused with {status}: {what} (\"{}\")",
                    excerpt(&c.words)
                ),
                format!("{kind}:{}", c.field),
            )
        })
        .collect();
    if out.is_empty()
        && ex.case.origin == CaseOrigin::Edge
        && ctx.expect_acceptance
        && super::refusal::path_pinned(ctx, ex.operation)
        && !super::refusal::speaks_of_data(answer)
        && let Some(edge) = &ex.case.edge
    {
        let words = match &answer.body {
            Body::Json(v) => excerpt(&v.to_string()),
            Body::Raw(b) => excerpt(&String::from_utf8_lossy(&b[..b.len().min(4096)])),
            Body::Empty => String::new(),
        };
        let quoted = if words.is_empty() { String::new() } else { format!(" (\"{words}\")") };
        out.push(Failure::warning(
            CheckName::UndocumentedConstraint,
            format!("a request with {edge} was refused with {status}: the server limits a value the spec leaves open{quoted}"),
            format!("edge:{}", edge_label(edge)),
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::envelope::effective;
    use super::super::test_support::*;
    use super::*;
    use crate::generate::Body as ReqBody;
    use serde_json::json;

    fn spec() -> crate::spec::Spec {
        load_inline(json!({
            "openapi": "3.0.3", "info": {"title": "t", "version": "1"},
            "paths": {"/pools/{pool}": {"patch": {
                "parameters": [
                    {"name": "pool", "in": "path", "required": true, "schema": {"type": "string"}},
                    {"name": "update_mask", "in": "query", "schema": {"type": "array", "items": {"type": "string"}}}
                ],
                "requestBody": {"content": {"application/json": {"schema": {"type": "object", "properties": {
                    "name": {"type": "string"}, "slots": {"type": "integer"}, "description": {"type": "string"}
                }}}}},
                "responses": {"200": {"description": "ok"}, "400": {"description": "bad"}}
            }}}
        }))
    }

    fn judge_with(
        ctx: &CheckContext,
        body: Value,
        sent: Value,
        status: u16,
        raw: Option<&[u8]>,
    ) -> Vec<(String, String)> {
        let spec = spec();
        let mut case = valid_case(0);
        case.request.method = crate::spec::Method::Patch;
        case.request.body = Some(ReqBody::Json(sent));
        let resp = match raw {
            Some(bytes) => raw_response(status, Some("text/plain"), bytes),
            None => response(status, "application/json", body),
        };
        let ex = exchange(&spec.operations[0], &case, &case.request, &resp);
        undocumented_constraint(ctx, &ex, &effective(&case.request, &resp))
            .into_iter()
            .inspect(|f| assert_eq!(f.severity, super::super::Severity::Warning))
            .map(|f| (f.signature, f.message))
            .collect()
    }

    fn judge(body: Value, sent: Value) -> Vec<String> {
        judge_with(&CheckContext::default(), body, sent, 400, None).into_iter().map(|(s, _)| s).collect()
    }

    /// Issue 19, item 3: the common shapes of "this field is required", each recognised by its
    /// shape, and the field named with the server's words.
    #[test]
    fn required_fields_are_read_from_every_common_shape() {
        // marshmallow (flask-smorest / webargs nest it under the location).
        assert_eq!(judge(json!({"name": ["Missing data for required field."]}), json!({})), ["required:name"]);
        assert_eq!(
            judge(json!({"code": 422, "errors": {"json": {"slots": ["Missing data for required field."]}}}), json!({})),
            ["required:slots"]
        );
        // Django REST Framework.
        assert_eq!(judge(json!({"name": ["This field is required."]}), json!({"slots": 1})), ["required:name"]);
        // FastAPI / pydantic v2 and v1.
        assert_eq!(
            judge(
                json!({"detail": [{"loc": ["body", "name"], "msg": "Field required", "type": "missing"}]}),
                json!({})
            ),
            ["required:name"]
        );
        assert_eq!(
            judge(
                json!({"detail": [{"loc": ["query", "limit"], "msg": "field required", "type": "value_error.missing"}]}),
                json!({})
            ),
            ["required:limit"],
            "a field the spec does not have at all is a gap too"
        );
        // connexion (problem+json).
        assert_eq!(
            judge(
                json!({"type": "about:blank", "title": "Bad Request", "status": 400, "detail": "'name' is a required property"}),
                json!({})
            ),
            ["required:name"]
        );
        // Plain text naming a documented field.
        let plain = judge_with(&CheckContext::default(), json!(null), json!({}), 400, Some(b"description is missing"));
        assert_eq!(plain.iter().map(|(s, _)| s.as_str()).collect::<Vec<_>>(), ["required:description"]);
        let (_, message) = &judge_with(
            &CheckContext::default(),
            json!({"name": ["Missing data for required field."]}),
            json!({}),
            400,
            None,
        )[0];
        assert_eq!(
            message,
            "a request that satisfies the contract was refused with 400: the server requires name, which the spec does not mark required (\"Missing data for required field.\")"
        );
    }

    #[test]
    fn unknown_fields_the_request_sent_are_gaps_too() {
        assert_eq!(judge(json!({"slots": ["Unknown field."]}), json!({"slots": 3})), ["unknown:slots"]);
        assert_eq!(
            judge(
                json!({"detail": [{"loc": ["body", "description"], "msg": "Extra inputs are not permitted", "type": "extra_forbidden"}]}),
                json!({"description": "x"})
            ),
            ["unknown:description"]
        );
        assert_eq!(
            judge(
                json!({"detail": "Additional properties are not allowed ('slots' was unexpected)"}),
                json!({"slots": 1})
            ),
            ["unknown:slots"]
        );
        assert!(judge(json!({"slots": ["Unknown field."]}), json!({})).is_empty(), "not sent: not ours");
    }

    /// Negative: refusals that name no field as required or unknown, or that speak of
    /// existence or permission, stay as they were; conform's own mock is never judged here;
    /// and a sent field the server calls required is not a missing one.
    #[test]
    fn other_refusals_are_not_gaps() {
        assert!(judge(json!({"detail": "Pool not found"}), json!({})).is_empty());
        assert!(judge(json!({"name": ["Pool with this name already exists."]}), json!({"name": "a"})).is_empty());
        assert!(judge(json!({"detail": "You do not have permission to perform this action."}), json!({})).is_empty());
        assert!(
            judge(json!({"slots": ["Ensure this value is less than or equal to 10."]}), json!({"slots": 99}))
                .is_empty()
        );
        assert!(
            judge(json!({"detail": "token is required"}), json!({})).is_empty(),
            "a token is not a field of the spec"
        );
        assert!(judge(json!({"name": ["This field is required."]}), json!({"name": "x"})).is_empty());
        let mock = CheckContext { reference_target: true, expect_acceptance: true, ..CheckContext::default() };
        assert!(
            judge_with(&mock, json!({"name": ["Missing data for required field."]}), json!({}), 400, None).is_empty()
        );
        for status in [401, 403, 404, 409] {
            assert!(
                judge_with(
                    &CheckContext::default(),
                    json!({"name": ["This field is required."]}),
                    json!({}),
                    status,
                    None
                )
                .is_empty()
            );
        }
    }
}

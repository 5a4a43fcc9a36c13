//! The client's side of an exchange: which operation a request is for, and what in it breaks
//! the contract (`request_parameters_conformance`, `request_content_type_conformance`,
//! `request_schema_conformance`), judged with the mock's own validation
//! ([`crate::check::request`]); and the request as a [`Case`], so that the answer is judged by
//! the run's checks.
//!
//! Messages name the parameter or the body field, never the value sent.

use crate::check::request::{self, Inputs, ParamPlan};
use crate::model::case::{Body, Case, CaseKind, CaseOrigin, Location, Mutation, Request};
use crate::model::{CheckFailure, CheckName};
use crate::spec::{Method, Operation, ParamLocation, Spec, media};
use hyper::http::HeaderMap;
use hyper::http::header;
use serde_json::Value;

/// The operation a request is for, with its raw path variables.
pub(super) struct Routed {
    pub op: usize,
    pub vars: Vec<(String, String)>,
}

/// The path below `base` (the spec's base path, or the target URL's own path) when it starts
/// with it, else the whole path.
pub(super) fn below_base<'p>(path: &'p str, base: &str) -> &'p str {
    match path.strip_prefix(base) {
        Some(rest) if !base.is_empty() && (rest.is_empty() || rest.starts_with('/')) => rest,
        _ => path,
    }
}

/// Routes a request by the spec's own matcher ([`Spec::route`]: most literal template first),
/// then by method. `None`: the spec documents no such path, or not this method on it.
pub(super) fn route(spec: &Spec, method: &str, path: &str) -> Option<Routed> {
    let method = Method::parse(method)?;
    let found = spec.route(path)?;
    let op = found.operations.iter().find(|o| o.method == method)?;
    let index = spec.operations.iter().position(|o| std::ptr::eq(o, *op))?;
    Some(Routed { op: index, vars: found.params })
}

/// Whether a request `Content-Type` is one the operation documents: the same essence, a
/// documented wildcard that covers it, or a version of the same versioned family
/// (`application/vnd.atlas.2025-03-12+json` for `application/vnd.atlas.2023-01-01+json`).
fn documented_media<'o>(op: &'o Operation, sent: &str) -> Option<&'o crate::spec::MediaTypeSpec> {
    let body = op.request_body.as_ref()?;
    let essence = media::essence(sent);
    let family = |m: &str| media::version_date(m).map(|d| m.replacen(d, "", 1));
    body.content
        .iter()
        .find(|m| media::essence(&m.name) == essence)
        .or_else(|| body.content.iter().find(|m| m.name.contains('*') && media::covers(&m.name, &essence)))
        .or_else(|| {
            let sent_family = family(&essence)?;
            body.content.iter().find(|m| family(&media::essence(&m.name)).as_deref() == Some(sent_family.as_str()))
        })
}

/// Everything wrong with a request, as client-side failures (at most 20 fields, as the mock
/// reports). `body` is `None` when it was longer than the cap: then only its presence and
/// media type are judged.
pub(super) fn check(
    op: &Operation,
    plans: &[ParamPlan],
    vars: &[(String, String)],
    query: &[(String, String)],
    headers: &HeaderMap,
    body: Option<&[u8]>,
    body_present: bool,
) -> Vec<CheckFailure> {
    let mut out = Vec::new();
    let decoded: Vec<(String, Option<String>)> = vars
        .iter()
        .map(|(k, v)| (k.clone(), percent_encoding::percent_decode_str(v).decode_utf8().ok().map(|s| s.into_owned())))
        .collect();
    let inputs = Inputs { vars: &decoded, query, headers };
    for field in request::parameters(op, plans, &inputs, &|_| false) {
        let place = op.parameters.iter().find(|p| p.name == field.field).map_or("", |p| p.location.as_str());
        out.push(CheckFailure::new(
            CheckName::RequestParametersConformance,
            format!("{place} parameter {}: {}", field.field, fragment(&field.description)).trim_start().to_owned(),
            format!("{place}:{}", field.field),
        ));
    }
    let Some(documented) = &op.request_body else { return out };
    if !body_present {
        if documented.required {
            out.push(CheckFailure::new(
                CheckName::RequestContentTypeConformance,
                "the operation requires a request body and none was sent",
                "missing_body",
            ));
        }
        return out;
    }
    let sent_type = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).map(str::trim).unwrap_or("");
    if sent_type.is_empty() {
        out.push(CheckFailure::new(
            CheckName::RequestContentTypeConformance,
            "a request body was sent without a Content-Type",
            "no_content_type",
        ));
        return out;
    }
    let Some(media_spec) = documented_media(op, sent_type) else {
        let names: Vec<&str> = documented.content.iter().map(|m| m.name.as_str()).collect();
        let essence = media::essence(sent_type);
        out.push(CheckFailure::new(
            CheckName::RequestContentTypeConformance,
            format!("the request body is {essence}; the operation accepts {}", names.join(", ")),
            format!("content_type:{essence}"),
        ));
        return out;
    };
    let (Some(bytes), Some(schema)) = (body, media_spec.schema.as_ref()) else { return out };
    let value = match parse(&media_spec.name, sent_type, bytes, schema) {
        Ok(Some(value)) => value,
        Ok(None) => return out,
        Err(why) => {
            out.push(CheckFailure::new(
                CheckName::RequestSchemaConformance,
                format!("the request body cannot be read as {}: {why}", media::essence(&media_spec.name)),
                "unreadable",
            ));
            return out;
        }
    };
    for field in request::body(schema, &value, &|_| false).fields {
        out.push(CheckFailure::new(
            CheckName::RequestSchemaConformance,
            format!("request body {}: {}", field.field, fragment(&field.description)),
            format!("body:{}", field.field),
        ));
    }
    out
}

/// A request body as JSON by its documented media type (as the mock reads it); `None` for
/// media types conform does not inspect.
fn parse(
    media_name: &str,
    sent_type: &str,
    bytes: &[u8],
    schema: &crate::spec::Schema,
) -> Result<Option<Value>, String> {
    if media::is_json(media_name) {
        return serde_json::from_slice::<Value>(bytes).map(Some).map_err(|_| "malformed JSON".to_owned());
    }
    let essence = media::essence(media_name);
    if essence == "application/x-www-form-urlencoded" {
        return Ok(Some(request::form(bytes, Some(schema))));
    }
    if essence == "multipart/form-data" {
        let parts = crate::multipart::parse(sent_type, bytes).map_err(|e| e.to_string())?;
        return Ok(Some(request::fields(parts.into_iter().map(|p| (p.name, p.data)), Some(schema))));
    }
    if essence.starts_with("text/") {
        return std::str::from_utf8(bytes)
            .map(|t| Some(Value::String(t.to_owned())))
            .map_err(|_| "not UTF-8".to_owned());
    }
    Ok(None)
}

/// A validator's sentence as a report fragment: lowercase first letter, no full stop.
fn fragment(sentence: &str) -> String {
    let trimmed = sentence.trim().trim_end_matches('.');
    let mut chars = trimmed.chars();
    match chars.next() {
        Some(c) => c.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// The request as a [`Case`] of `op`: valid when the client broke nothing, else invalid with
/// the first break (so that the answer is judged on what does not depend on validity).
pub(super) fn case(op: &Operation, index: usize, request: Request, client: &[CheckFailure]) -> Case {
    let kind = match client.first() {
        None => CaseKind::Valid,
        Some(first) => {
            let location = match first.check {
                CheckName::RequestContentTypeConformance => Location::ContentType,
                CheckName::RequestParametersConformance => {
                    let name = first.signature.split_once(':').map_or("", |(_, n)| n);
                    match op.parameters.iter().find(|p| p.name == name).map(|p| p.location) {
                        Some(ParamLocation::Path) => Location::Path(name.to_owned()),
                        Some(ParamLocation::Header) => Location::Header(name.to_owned()),
                        Some(ParamLocation::Cookie) => Location::Cookie(name.to_owned()),
                        _ => Location::Query(name.to_owned()),
                    }
                }
                _ => Location::Body(String::new()),
            };
            CaseKind::Invalid(Mutation {
                location,
                constraint: first.check.as_str().to_owned(),
                description: first.message.clone(),
            })
        }
    };
    Case { operation: index, index: 0, kind, origin: CaseOrigin::Example, seed: None, request, edge: None }
}

/// The client's request as the model's [`Request`]: `path` below the base path, still
/// percent-encoded; query pairs decoded; the headers as forwarded.
pub(super) fn model_request(
    method: Method,
    path: &str,
    query: Vec<(String, String)>,
    headers: Vec<(String, String)>,
    content_type: Option<String>,
    body: Option<&[u8]>,
) -> Request {
    let body = body.filter(|b| !b.is_empty()).map(|b| match serde_json::from_slice::<Value>(b) {
        Ok(v) if content_type.as_deref().is_some_and(media::is_json) => Body::Json(v),
        _ => Body::Text(String::from_utf8_lossy(b).into_owned()),
    });
    Request { method, path: path.to_owned(), query, headers, cookies: Vec::new(), content_type, body }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec() -> Spec {
        Spec::load(&format!("{}/specs/atlas-maintenance-window.yaml", env!("CARGO_MANIFEST_DIR"))).unwrap()
    }

    #[test]
    fn requests_route_by_path_then_method() {
        let spec = spec();
        let base = spec.base_path();
        let path = below_base("/api/atlas/v2/groups/5f4d1e2b3c4a5b6c7d8e9f01/maintenanceWindow", &base);
        let get = route(&spec, "GET", path).unwrap();
        assert_eq!(spec.operations[get.op].id, "getGroupMaintenanceWindow");
        assert_eq!(get.vars, [("groupId".to_owned(), "5f4d1e2b3c4a5b6c7d8e9f01".to_owned())]);
        assert_eq!(spec.operations[route(&spec, "PATCH", path).unwrap().op].id, "updateGroupMaintenanceWindow");
        assert!(route(&spec, "PUT", path).is_none());
        assert!(route(&spec, "GET", "/nothing/here").is_none());
    }

    #[test]
    fn each_break_is_named_without_its_value() {
        let spec = spec();
        let op = spec.operation("updateGroupMaintenanceWindow").unwrap();
        let plans: Vec<ParamPlan> = op.parameters.iter().map(ParamPlan::new).collect();
        let vars = [("groupId".to_owned(), "not-an-id".to_owned())];
        let mut headers = HeaderMap::new();
        headers.insert(header::CONTENT_TYPE, "application/vnd.atlas.2023-01-01+json".parse().unwrap());
        let found = check(op, &plans, &vars, &[], &headers, Some(br#"{"dayOfWeek": 9}"#), true);
        let names: Vec<(CheckName, &str)> = found.iter().map(|f| (f.check, f.signature.as_str())).collect();
        assert_eq!(
            names,
            [
                (CheckName::RequestParametersConformance, "path:groupId"),
                (CheckName::RequestSchemaConformance, "body:dayOfWeek")
            ]
        );
        assert!(found.iter().all(|f| !f.message.contains("not-an-id")), "{found:?}");
        let vars = [("groupId".to_owned(), "5f4d1e2b3c4a5b6c7d8e9f01".to_owned())];
        assert!(check(op, &plans, &vars, &[], &headers, Some(br#"{"dayOfWeek": 3}"#), true).is_empty());
        // A newer version date of the same family is the same media type.
        headers.insert(header::CONTENT_TYPE, "application/vnd.atlas.2025-03-12+json".parse().unwrap());
        assert!(check(op, &plans, &vars, &[], &headers, Some(br#"{"dayOfWeek": 3}"#), true).is_empty());
        headers.insert(header::CONTENT_TYPE, "text/plain".parse().unwrap());
        let ct = check(op, &plans, &vars, &[], &headers, Some(b"x"), true);
        assert_eq!(ct[0].check, CheckName::RequestContentTypeConformance);
        let missing = check(op, &plans, &vars, &[], &HeaderMap::new(), None, false);
        assert_eq!(missing[0].signature, "missing_body");
    }
}

//! Content families: `content_type_conformance`, `response_schema_conformance` and
//! `response_headers_conformance`. Error answers are held to their documented schema and media
//! type exactly like success answers.

use super::envelope::{Answer, Body};
use super::{CheckName, Exchange, Failure};
use crate::spec::{MediaTypeSpec, ResponseSpec, Schema, media, params};
use serde_json::Value;
use std::borrow::Cow;

/// At most this many schema violations are quoted in one failure.
const QUOTED_VIOLATIONS: usize = 3;

/// The documented media type that covers the answer's Content-Type; with no (or an unknown)
/// Content-Type and a single documented type, that one.
fn matching_media<'o>(response: &'o ResponseSpec, content_type: Option<&str>) -> Option<&'o MediaTypeSpec> {
    match content_type {
        Some(ct) => response.content.iter().find(|m| media::covers(&m.name, ct)),
        None if response.content.len() == 1 => response.content.first(),
        None => None,
    }
}

/// The answer must carry a documented Content-Type for its status (when it has a body).
pub(super) fn content_type_conformance(ex: &Exchange<'_>, answer: &Answer<'_>) -> Option<Failure> {
    let response = ex.operation.response_for(answer.status)?;
    if response.content.is_empty() || answer.is_empty() || ex.response.truncated {
        return None;
    }
    let names: Vec<&str> = response.content.iter().map(|m| m.name.as_str()).collect();
    match ex.response.content_type() {
        None => Some(Failure::new(
            CheckName::ContentTypeConformance,
            format!("the {} answer has a body but no Content-Type (documented: {})", answer.status, names.join(", ")),
            format!("{}:missing", answer.status),
        )),
        // An envelope's Content-Type belongs to the HTTP 200 that carries it as much as to the
        // status inside: documented for either one, it is right.
        Some(ct) if matching_media(response, Some(ct)).is_none() && !envelope_media(ex, answer, ct) => {
            Some(Failure::new(
                CheckName::ContentTypeConformance,
                format!("Content-Type {ct} is not documented for {} (documented: {})", answer.status, names.join(", ")),
                format!("{}:{}", answer.status, media::essence(ct)),
            ))
        }
        Some(_) => None,
    }
}

/// Whether `ct` is documented for the HTTP 200 that carries an envelope.
fn envelope_media(ex: &Exchange<'_>, answer: &Answer<'_>, ct: &str) -> bool {
    answer.enveloped && ex.operation.response_for(200).is_some_and(|r| matching_media(r, Some(ct)).is_some())
}

/// The body must parse as its media type and validate against the documented schema.
pub(super) fn response_schema_conformance(ex: &Exchange<'_>, answer: &Answer<'_>) -> Option<Failure> {
    if ex.response.truncated {
        return None; // `transport` reports a body conform did not read in full.
    }
    let response = ex.operation.response_for(answer.status)?;
    let content_type = ex.response.content_type().filter(|_| !answer.enveloped || response.content.len() != 1);
    let media = matching_media(response, content_type).or_else(|| {
        // Unwrapped envelope bodies are JSON whatever the outer Content-Type says.
        answer.enveloped.then(|| response.content.iter().find(|m| m.is_json())).flatten()
    })?;
    let schema = media.schema.as_ref()?;
    let fail = |message: String, way: String| {
        Some(Failure::new(CheckName::ResponseSchemaConformance, message, format!("{}:{way}", answer.status)))
    };
    let instance: Cow<'_, Value> = match &answer.body {
        Body::Json(v) => Cow::Borrowed(v),
        Body::Empty => return empty_body(schema, answer.status, &media.name).and_then(|m| fail(m, "empty".into())),
        Body::Raw(bytes) if bytes.iter().all(u8::is_ascii_whitespace) => {
            return empty_body(schema, answer.status, &media.name).and_then(|m| fail(m, "empty".into()));
        }
        Body::Raw(bytes) if media.is_json() => match serde_json::from_slice(bytes) {
            Ok(v) => Cow::Owned(v),
            Err(e) => {
                return fail(format!("the {} body is not valid JSON ({e})", answer.status), "invalid_json".into());
            }
        },
        Body::Raw(bytes) => match std::str::from_utf8(bytes) {
            // Non-JSON media: only a string schema can be checked.
            Ok(text) if schema.resolve(schema.value()).get("type") == Some(&Value::String("string".into())) => {
                Cow::Owned(Value::String(text.to_owned()))
            }
            _ => return None,
        },
    };
    if schema.is_valid(&instance) {
        return None;
    }
    let violations = schema.violations(&instance, QUOTED_VIOLATIONS);
    let quoted: Vec<String> = violations.iter().map(ToString::to_string).collect();
    let way = violations.first().map(|v| v.keyword_path.clone()).unwrap_or_default();
    fail(format!("the {} {} body does not match its schema: {}", answer.status, media.name, quoted.join("; ")), way)
}

/// An empty body where a schema is documented is a break, except where HTTP forbids a body
/// (RFC 9110: 1xx, 204, 205 and 304 answers end at their headers): there a spec that documents
/// content asks for what no server may send, and the empty body is the right answer.
fn empty_body(schema: &Schema, status: u16, media: &str) -> Option<String> {
    if matches!(status, 100..=199 | 204 | 205 | 304) {
        return None;
    }
    (!schema.is_valid(&Value::Null))
        .then(|| format!("the {status} answer has an empty body, but {media} documents a schema"))
}

/// Documented headers: required ones present, every present one valid.
pub(super) fn response_headers_conformance(ex: &Exchange<'_>, answer: &Answer<'_>) -> Option<Failure> {
    let response = ex.operation.response_for(answer.status)?;
    for header in &response.headers {
        match ex.response.header(&header.name) {
            None if header.required => {
                return Some(Failure::new(
                    CheckName::ResponseHeadersConformance,
                    format!("required header {} is missing from the {} answer", header.name, answer.status),
                    format!("{}:{}:missing", answer.status, header.name.to_ascii_lowercase()),
                ));
            }
            Some(text) => {
                let Some(schema) = &header.schema else { continue };
                let value = params::parse_simple(schema, text);
                if !schema.is_valid(&value) {
                    let why = schema.violations(&value, 1).into_iter().next().map(|v| v.message).unwrap_or_default();
                    return Some(Failure::new(
                        CheckName::ResponseHeadersConformance,
                        format!(
                            "header {} of the {} answer does not match its schema: {why}",
                            header.name, answer.status
                        ),
                        format!("{}:{}:invalid", answer.status, header.name.to_ascii_lowercase()),
                    ));
                }
            }
            None => {}
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::super::envelope::effective;
    use super::super::test_support::*;
    use super::*;
    use serde_json::json;

    fn judge(
        f: fn(&Exchange<'_>, &Answer<'_>) -> Option<Failure>,
        op_id: &str,
        resp: crate::check::Response,
    ) -> Option<Failure> {
        let (spec, case) = atlas_case(op_id);
        let op = &spec.operations[case.operation];
        let ex = exchange(op, &case, &case.request, &resp);
        f(&ex, &effective(&case.request, &resp))
    }

    const VENDOR: &str = "application/vnd.atlas.2023-01-01+json";

    #[test]
    fn content_type_must_be_documented_for_the_status() {
        let ok = response(200, VENDOR, json!({"dayOfWeek": 1}));
        assert!(judge(content_type_conformance, "getGroupMaintenanceWindow", ok).is_none());
        let with_charset = response(400, "application/json; charset=utf-8", json!({"error": 400, "errorCode": "X"}));
        assert!(judge(content_type_conformance, "getGroupMaintenanceWindow", with_charset).is_none());
        let wrong = response(200, "application/json", json!({"dayOfWeek": 1}));
        let f = judge(content_type_conformance, "getGroupMaintenanceWindow", wrong).unwrap();
        assert_eq!(
            f.message,
            format!("Content-Type application/json is not documented for 200 (documented: {VENDOR})")
        );
        let newer = response(200, "application/vnd.atlas.2025-03-12+json", json!({"dayOfWeek": 1}));
        assert!(judge(content_type_conformance, "getGroupMaintenanceWindow", newer).is_some());
        let mut missing = response(200, VENDOR, json!({"dayOfWeek": 1}));
        missing.headers.clear();
        assert!(judge(content_type_conformance, "getGroupMaintenanceWindow", missing).is_some());
        let no_body = raw_response(204, None, b"");
        assert!(judge(content_type_conformance, "resetGroupMaintenanceWindow", no_body).is_none());
    }

    #[test]
    fn bodies_must_match_their_schema_errors_included() {
        let ok = response(200, VENDOR, json!({"dayOfWeek": 7, "hourOfDay": 0, "newField": true}));
        assert!(judge(response_schema_conformance, "getGroupMaintenanceWindow", ok).is_none());
        let out_of_range = response(200, VENDOR, json!({"dayOfWeek": 9}));
        let f = judge(response_schema_conformance, "getGroupMaintenanceWindow", out_of_range).unwrap();
        assert!(f.message.contains("/dayOfWeek"), "{}", f.message);
        let wrong_type = response(200, VENDOR, json!({"dayOfWeek": "7"}));
        assert!(judge(response_schema_conformance, "getGroupMaintenanceWindow", wrong_type).is_some());
        let missing = response(200, VENDOR, json!({"hourOfDay": 1}));
        assert!(judge(response_schema_conformance, "getGroupMaintenanceWindow", missing).is_some());
        let good_error = response(
            404,
            "application/json",
            json!({"error": 404, "errorCode": "RESOURCE_NOT_FOUND", "reason": "Not Found"}),
        );
        assert!(judge(response_schema_conformance, "getGroupMaintenanceWindow", good_error).is_none());
        let bad_error = response(404, "application/json", json!({"error": 404, "reason": "Not Found"}));
        let f = judge(response_schema_conformance, "getGroupMaintenanceWindow", bad_error).unwrap();
        assert!(f.message.contains("errorCode"), "{}", f.message);
        let garbage = raw_response(200, Some(VENDOR), b"{\"dayOfWeek\": ");
        let f = judge(response_schema_conformance, "getGroupMaintenanceWindow", garbage).unwrap();
        assert!(f.message.starts_with("the 200 body is not valid JSON"), "{}", f.message);
        let empty = raw_response(200, Some(VENDOR), b"");
        assert!(judge(response_schema_conformance, "getGroupMaintenanceWindow", empty).is_some());
        // HTTP forbids a body in a 204, 205 or 304: a schema documented for one cannot be met,
        // and the empty body is right (the 2023 Atlas spec documents JSON for its 204s).
        let spec = load_inline(json!({"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": {"/a": {
            "delete": {"responses": {
                "204": {"description": "gone", "content": {"application/json": {"schema": {"type": "object"}}}},
                "200": {"description": "ok", "content": {"application/json": {"schema": {"type": "object"}}}}}}}}}));
        let case = valid_case(0);
        let empty_with = |status: u16| {
            let resp = raw_response(status, None, b"");
            let ex = exchange(&spec.operations[0], &case, &case.request, &resp);
            response_schema_conformance(&ex, &effective(&case.request, &resp))
        };
        assert!(empty_with(204).is_none(), "no body is allowed in a 204");
        assert!(empty_with(200).is_some(), "an empty 200 still breaks its documented schema");
        // No schema documented (PATCH's 200): any body passes.
        let anything = response(200, VENDOR, json!([1, 2]));
        assert!(judge(response_schema_conformance, "updateGroupMaintenanceWindow", anything).is_none());
    }

    #[test]
    fn enveloped_bodies_are_judged_inside() {
        let (spec, case) = atlas_case("getGroupMaintenanceWindow");
        let op = &spec.operations[case.operation];
        let req = request_with_query(&[("envelope", "true")]);
        let resp = response(200, VENDOR, json!({"status": 200, "content": {"dayOfWeek": 9}}));
        let ex = exchange(op, &case, &req, &resp);
        assert!(response_schema_conformance(&ex, &effective(&req, &resp)).is_some());
        let resp = response(
            200,
            "application/json",
            json!({"status": 404, "content": {"error": 404, "errorCode": "RESOURCE_NOT_FOUND"}}),
        );
        let ex = exchange(op, &case, &req, &resp);
        assert!(response_schema_conformance(&ex, &effective(&req, &resp)).is_none());
    }

    /// Regression (issue 11, class 1): the HTTP 200 that carries an envelope may have the
    /// Content-Type documented for 200 even when the status inside is an error documented as
    /// `application/json`, and the other way round. A type documented for neither still fails.
    #[test]
    fn an_envelope_content_type_may_be_the_outer_or_the_inner_one() {
        let (spec, case) = atlas_case("getGroupMaintenanceWindow");
        let op = &spec.operations[case.operation];
        let req = request_with_query(&[("envelope", "true")]);
        let judge = |ct: &str, inner: u16| {
            let resp = response(200, ct, json!({"status": inner, "content": {"error": inner, "errorCode": "X"}}));
            let ex = exchange(op, &case, &req, &resp);
            content_type_conformance(&ex, &effective(&req, &resp)).is_some()
        };
        assert!(!judge(VENDOR, 404), "documented for the outer 200");
        assert!(!judge("application/json", 404), "documented for the inner 404");
        assert!(judge("text/html", 404), "documented for neither");
        // Without an envelope the type is held to the status alone.
        let resp = response(404, VENDOR, json!({"error": 404, "errorCode": "X"}));
        let ex = exchange(op, &case, &case.request, &resp);
        assert!(content_type_conformance(&ex, &effective(&case.request, &resp)).is_some());
    }

    #[test]
    fn required_headers_must_be_present_and_valid() {
        let spec = load_inline(json!({
            "openapi": "3.0.3", "info": {"title": "t", "version": "1"},
            "paths": {"/a": {"get": {"responses": {"200": {"description": "ok", "headers": {
                "X-Rate-Limit": {"required": true, "schema": {"type": "integer", "minimum": 0}},
                "X-Optional": {"schema": {"type": "string", "enum": ["a"]}}
            }}}}}}
        }));
        let case = valid_case(0);
        let op = &spec.operations[0];
        let judge = |headers: &[(&str, &str)]| {
            let mut resp = raw_response(200, None, b"");
            resp.headers = headers.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
            let ex = exchange(op, &case, &case.request, &resp);
            response_headers_conformance(&ex, &effective(&case.request, &resp)).map(|f| f.signature)
        };
        assert_eq!(judge(&[("x-rate-limit", "10")]), None);
        assert_eq!(judge(&[]), Some("200:x-rate-limit:missing".to_owned()));
        assert_eq!(judge(&[("x-rate-limit", "-1")]), Some("200:x-rate-limit:invalid".to_owned()));
        assert_eq!(judge(&[("x-rate-limit", "1"), ("x-optional", "b")]), Some("200:x-optional:invalid".to_owned()));
    }
}

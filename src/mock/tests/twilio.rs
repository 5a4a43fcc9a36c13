//! A real-world spec the mock was not written for: Twilio's API v2010 (1.5 MB, form-encoded
//! bodies, no error schemas). Every operation answers a valid request with a documented success
//! that validates, and an invalid one with JSON.

use super::*;
use crate::mock::values;
use crate::spec::params::{Serialized, scalar_text, serialize};
use crate::spec::{Operation, ParamLocation};
use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
use serde_json::Value;

/// `(path and query, headers, content type, body)`.
pub(super) type Parts = (String, Vec<(String, String)>, Option<String>, Option<Vec<u8>>);

/// A valid request for `op`.
pub(super) fn valid_request(op: &Operation, seed: u64) -> Parts {
    request_with(op, seed, &[])
}

/// A request for `op`, valid except for path variables given (already encoded) in `overrides`.
pub(super) fn request_with(op: &Operation, seed: u64, overrides: &[(&str, String)]) -> Parts {
    let value_of = |p: &crate::spec::ParameterSpec| -> Value {
        p.schema.as_ref().and_then(|s| values::generate(s, seed)).unwrap_or_else(|| Value::String("example".into()))
    };
    let path = op.template.render(|name| {
        if let Some((_, v)) = overrides.iter().find(|(k, _)| *k == name) {
            return Some(v.clone());
        }
        let p = op.parameters.iter().find(|p| p.location == ParamLocation::Path && p.name == name)?;
        match serialize(p, &value_of(p)) {
            Serialized::Single(text) => Some(utf8_percent_encode(&text, NON_ALPHANUMERIC).to_string()),
            Serialized::Pairs(_) => None,
        }
    });
    let mut query = url::form_urlencoded::Serializer::new(String::new());
    let mut headers = Vec::new();
    for p in op.parameters.iter().filter(|p| p.required) {
        match (p.location, serialize(p, &value_of(p))) {
            (ParamLocation::Query, Serialized::Pairs(pairs)) => {
                for (k, v) in pairs {
                    query.append_pair(&k, &v);
                }
            }
            (ParamLocation::Header, Serialized::Single(v)) => headers.push((p.name.clone(), v)),
            _ => {}
        }
    }
    let query = query.finish();
    let target = if query.is_empty() { path } else { format!("{path}?{query}") };
    let Some(body) = &op.request_body else { return (target, headers, None, None) };
    let Some(media) = body.content.first() else { return (target, headers, None, None) };
    let value =
        media.schema.as_ref().and_then(|s| values::generate(s, seed)).unwrap_or(Value::Object(Default::default()));
    let bytes = if media.is_json() {
        serde_json::to_vec(&value).unwrap()
    } else {
        let mut form = url::form_urlencoded::Serializer::new(String::new());
        if let Value::Object(map) = &value {
            for (k, v) in map {
                match v {
                    Value::Array(items) => items.iter().for_each(|i| {
                        form.append_pair(k, &scalar_text(i));
                    }),
                    other => {
                        form.append_pair(k, &scalar_text(other));
                    }
                }
            }
        }
        form.finish().into_bytes()
    };
    (target, headers, Some(media.name.clone()), Some(bytes))
}

pub(super) async fn fire(server: &MockServer, base: &str, op: &Operation, seed: u64) -> Got {
    let (target, headers, content_type, body) = valid_request(op, seed);
    let url = format!("{}{base}{target}", server.url());
    let mut req = client().request(reqwest::Method::from_bytes(op.method.as_str().as_bytes()).unwrap(), &url);
    for (k, v) in &headers {
        req = req.header(k.as_str(), v.as_str());
    }
    if let (Some(ct), Some(body)) = (content_type, body) {
        req = req.header("content-type", ct).body(body);
    }
    let res = req.send().await.unwrap_or_else(|e| panic!("{} {url}: {e}", op.id));
    let status = res.status().as_u16();
    let headers = res.headers().clone();
    Got { status, headers, body: res.bytes().await.unwrap().to_vec() }
}

#[tokio::test]
async fn every_twilio_operation_answers_a_valid_request_validly() {
    let spec = twilio_spec();
    assert!(spec.operations.len() > 150);
    let server = start(spec.clone(), MockConfig::default()).await;
    let mut failures = Vec::new();
    for op in &spec.operations {
        let got = fire(&server, "", op, 1).await;
        // Success is what the operation documents: 2xx, or the 307 of an operation that only
        // documents a redirect.
        if got.status >= 400 {
            failures.push(format!("{} {}: {}", op.id, got.status, String::from_utf8_lossy(&got.body)));
            continue;
        }
        if let Err(e) = check(op, &got) {
            failures.push(e);
        }
    }
    assert!(failures.is_empty(), "{} failures:\n{}", failures.len(), failures.join("\n"));
    server.shutdown().await;
}

#[tokio::test]
async fn twilio_errors_are_json_even_without_an_error_schema() {
    let spec = twilio_spec();
    let server = start(spec.clone(), MockConfig::default()).await;
    let op = spec.operations.iter().find(|o| o.id == "CreateCall").expect("CreateCall");
    let (target, _, _, _) = valid_request(op, 1);
    let url = format!("{}{target}", server.url());
    let missing = send("POST", &url, &[("content-type", "application/x-www-form-urlencoded")], Some("Foo=bar")).await;
    assert_generic_error(&missing, 400, "VALIDATION_ERROR");
    assert!(missing.bad_fields().contains(&"To".to_owned()), "{:?}", missing.json());
    let json_body = send("POST", &url, &[("content-type", "application/json")], Some("{}")).await;
    assert_generic_error(&json_body, 415, "UNSUPPORTED_MEDIA_TYPE");
    let nowhere = get(&format!("{}/2010-04-01/Nothing.json", server.url())).await;
    assert_generic_error(&nowhere, 404, "RESOURCE_NOT_FOUND");
    server.shutdown().await;
}

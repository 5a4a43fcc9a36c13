//! Tests of the mock against a running server on 127.0.0.1:0, with reqwest, one module per
//! area. Every answer a test looks at can be checked against the spec with [`conforms`].

mod atlas;
mod auth;
mod cloud_manager;
mod faults;
mod inferred;
mod robustness;
mod router;
mod shapes;
mod sweep;
mod twilio;

use super::{MockConfig, MockServer};
use crate::spec::{Operation, Spec, media};
use reqwest::header::HeaderMap;
use serde_json::Value;
use std::sync::{Arc, OnceLock};

pub(super) const GROUP: &str = "32b6e34b3d91647abb20e7b8";
pub(super) const PROJECT: &str = "5628faffd4c606594adaa3b2";
pub(super) const ATLAS_JSON: &str = "application/vnd.atlas.2023-01-01+json";

pub(super) fn repo(path: &str) -> String {
    format!("{}/{path}", env!("CARGO_MANIFEST_DIR"))
}

fn load(cell: &'static OnceLock<Arc<Spec>>, path: &str) -> Arc<Spec> {
    cell.get_or_init(|| Arc::new(Spec::load(&repo(path)).expect("the spec loads"))).clone()
}

pub(super) fn atlas_spec() -> Arc<Spec> {
    static CELL: OnceLock<Arc<Spec>> = OnceLock::new();
    load(&CELL, "specs/atlas-maintenance-window.yaml")
}

pub(super) fn cloud_manager_spec() -> Arc<Spec> {
    static CELL: OnceLock<Arc<Spec>> = OnceLock::new();
    load(&CELL, "specs/cloud-manager-maintenance-windows.yaml")
}

pub(super) fn twilio_spec() -> Arc<Spec> {
    static CELL: OnceLock<Arc<Spec>> = OnceLock::new();
    load(&CELL, "../shared/fixtures/twilio_api_v2010.yaml")
}

pub(super) async fn start(spec: Arc<Spec>, config: MockConfig) -> MockServer {
    MockServer::start(spec, "127.0.0.1:0".parse().unwrap(), config).await.expect("the mock starts")
}

pub(super) async fn atlas(config: MockConfig) -> MockServer {
    start(atlas_spec(), config).await
}

/// A new client (building one loads the TLS roots: slow in debug builds, so tests share one
/// per test thread through [`client`]).
pub(super) fn fresh_client() -> reqwest::Client {
    crate::tls::install_default_provider();
    reqwest::Client::builder().no_proxy().timeout(std::time::Duration::from_secs(10)).build().expect("a client")
}

/// The test thread's client. Each tokio test runs on its own thread and runtime, so a pooled
/// connection never outlives the runtime that opened it.
pub(super) fn client() -> reqwest::Client {
    thread_local! {
        static CLIENT: reqwest::Client = fresh_client();
    }
    CLIENT.with(Clone::clone)
}

/// An answer, read whole.
#[derive(Debug)]
pub(super) struct Got {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl Got {
    pub(super) fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }

    pub(super) fn content_type(&self) -> Option<&str> {
        self.headers.get("content-type").and_then(|v| v.to_str().ok())
    }

    pub(super) fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The `field` names of an Atlas `badRequestDetail`.
    pub(super) fn bad_fields(&self) -> Vec<String> {
        self.json()["badRequestDetail"]["fields"]
            .as_array()
            .map(|a| a.iter().filter_map(|f| f["field"].as_str().map(str::to_owned)).collect())
            .unwrap_or_default()
    }
}

/// Sends a request: `(method, url, headers, body)`.
pub(super) async fn send(method: &str, url: &str, headers: &[(&str, &str)], body: Option<&str>) -> Got {
    let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
    let mut req = client().request(method, url);
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    if let Some(b) = body {
        req = req.body(b.to_owned());
    }
    let res = req.send().await.unwrap_or_else(|e| panic!("{url}: {e}"));
    let status = res.status().as_u16();
    let headers = res.headers().clone();
    let body = res.bytes().await.expect("a body").to_vec();
    Got { status, headers, body }
}

pub(super) async fn get(url: &str) -> Got {
    send("GET", url, &[], None).await
}

/// A JSON request with the Atlas media type.
pub(super) async fn atlas_send(method: &str, url: &str, body: Option<&str>) -> Got {
    send(method, url, &[("content-type", ATLAS_JSON)], body).await
}

pub(super) fn window_url(server: &MockServer, group: &str) -> String {
    format!("{}/api/atlas/v2/groups/{group}/maintenanceWindow", server.url())
}

/// Whether an answer satisfies what `op` documents for its status: the status is documented
/// (code, range or default), the Content-Type is one documented for it, and the body parses
/// and validates against the schema of that media type.
pub(super) fn conforms(op: &Operation, status: u16, content_type: Option<&str>, body: &[u8]) -> Result<(), String> {
    let at = format!("{} answered {status}", op.id);
    let response = op.response_for(status).ok_or_else(|| format!("{at}: status not documented"))?;
    if response.content.is_empty() {
        return if body.is_empty() { Ok(()) } else { Err(format!("{at}: a body where none is documented")) };
    }
    if status == 204 && !body.is_empty() {
        return Err(format!("{at}: 204 with a body"));
    }
    let ct = match content_type {
        Some(ct) => ct,
        None if body.is_empty() => return Ok(()),
        None => return Err(format!("{at}: no Content-Type")),
    };
    let m = response
        .content
        .iter()
        .find(|m| media::covers(&m.name, ct))
        .ok_or_else(|| format!("{at}: Content-Type {ct} not documented"))?;
    if body.is_empty() && status == 204 {
        return Ok(());
    }
    if m.is_json() {
        let v: Value = serde_json::from_slice(body).map_err(|e| format!("{at}: body is not JSON: {e}"))?;
        if let Some(schema) = &m.schema
            && !schema.is_valid(&v)
        {
            let why: Vec<String> = schema.violations(&v, 3).iter().map(ToString::to_string).collect();
            return Err(format!("{at}: body does not validate ({}): {v}", why.join("; ")));
        }
    }
    Ok(())
}

/// [`conforms`] for a [`Got`].
pub(super) fn check(op: &Operation, got: &Got) -> Result<(), String> {
    conforms(op, got.status, got.content_type(), &got.body)
}

/// Asserts the generic error shape used for statuses the spec does not document.
pub(super) fn assert_generic_error(got: &Got, status: u16, code: &str) {
    assert_eq!(got.status, status, "{}", String::from_utf8_lossy(&got.body));
    assert_eq!(got.content_type(), Some("application/json"));
    let v = got.json();
    assert_eq!(v["error"], serde_json::json!(status), "{v}");
    assert_eq!(v["errorCode"], serde_json::json!(code), "{v}");
    assert!(v["detail"].as_str().is_some_and(|d| !d.is_empty()), "{v}");
    assert!(v["reason"].as_str().is_some(), "{v}");
}

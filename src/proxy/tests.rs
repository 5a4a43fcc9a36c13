//! The proxy against scripted servers: what it forwards, what it keeps, what it reports.

use super::*;
use conform_testkit::server::{Reply, TestServer};
use serde_json::json;

fn spec() -> Arc<Spec> {
    Arc::new(Spec::load(&format!("{}/specs/atlas-maintenance-window.yaml", env!("CARGO_MANIFEST_DIR"))).unwrap())
}

const WINDOW: &str = "/api/atlas/v2/groups/5f4d1e2b3c4a5b6c7d8e9f01/maintenanceWindow";
const ATLAS: &str = "application/vnd.atlas.2023-01-01+json";

#[test]
fn fail_on_names_a_side() {
    assert_eq!("client".parse::<FailOn>(), Ok(FailOn::Client));
    assert_eq!("server".parse::<FailOn>(), Ok(FailOn::Server));
    assert_eq!("any".parse::<FailOn>(), Ok(FailOn::Any));
    assert!("both".parse::<FailOn>().is_err());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_clean_exchange_is_forwarded_unchanged_and_reports_nothing() {
    let server = TestServer::start(|r| {
        assert_eq!(r.header("host").map(|h| h.starts_with("127.0.0.1:")), Some(true), "the target's Host");
        assert_eq!(r.header("x-trace"), Some("abc"));
        Reply::json(200, ATLAS, &json!({"dayOfWeek": 3, "hourOfDay": 4, "startASAP": false}))
            .with_header("X-Custom", "kept")
    })
    .await;
    let proxy = Proxy::start(spec(), server.url().parse().unwrap(), ProxyConfig::default()).await.unwrap();
    let client = reqwest::Client::new();
    let answer = client
        .get(format!("{}{WINDOW}", proxy.url()))
        .header("Accept", ATLAS)
        .header("X-Trace", "abc")
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 200);
    assert_eq!(answer.headers()["x-custom"], "kept");
    assert_eq!(answer.headers()["content-type"], ATLAS);
    let body: serde_json::Value = serde_json::from_slice(&answer.bytes().await.unwrap()).unwrap();
    assert_eq!(body["dayOfWeek"], 3);
    let report = proxy.finish().await;
    assert!(report.findings.is_empty(), "{:?}", report.findings);
    assert_eq!(report.stats.requests, 1);
    assert_eq!(server.requests(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_break_is_reported_on_its_side() {
    let server = TestServer::start(|r| {
        if r.path().ends_with("/nothing") {
            Reply::empty(404)
        } else if r.method == "GET" {
            // The server's break: dayOfWeek as a string.
            Reply::json(200, ATLAS, &json!({"dayOfWeek": "monday", "hourOfDay": 4}))
        } else {
            Reply::json(200, ATLAS, &json!({}))
        }
    })
    .await;
    let proxy = Proxy::start(spec(), server.url().parse().unwrap(), ProxyConfig::default()).await.unwrap();
    let client = reqwest::Client::new();
    // The client's break: dayOfWeek 9 (maximum 7).
    let bad = client
        .patch(format!("{}{WINDOW}", proxy.url()))
        .header("Content-Type", ATLAS)
        .body(r#"{"dayOfWeek": 9}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 200, "the proxy does not answer for the server");
    let _ = bad.bytes().await.unwrap();
    let read = client.get(format!("{}{WINDOW}", proxy.url())).send().await.unwrap();
    assert_eq!(read.bytes().await.unwrap().as_ref(), br#"{"dayOfWeek":"monday","hourOfDay":4}"#, "forwarded as is");
    let unknown = client.get(format!("{}/api/atlas/v2/nothing", proxy.url())).send().await.unwrap();
    assert_eq!(unknown.status(), 404, "an unknown path is forwarded");
    let _ = unknown.bytes().await.unwrap();
    let report = proxy.finish().await;
    let mut seen: Vec<(&str, &str, &str)> =
        report.findings.iter().map(|f| (f.check.side(), f.check.as_str(), f.operation.as_str())).collect();
    seen.sort_unstable();
    assert_eq!(
        seen,
        [
            ("client", "request_schema_conformance", "updateGroupMaintenanceWindow"),
            ("client", "unknown_operation", "GET /api/atlas/v2/nothing"),
            ("server", "response_schema_conformance", "getGroupMaintenanceWindow"),
        ]
    );
    assert_eq!(report.stats.requests, 3);
    assert!(fails(&report, FailOn::Client) && fails(&report, FailOn::Server) && fails(&report, FailOn::Any));
    let mut client_only = report.clone();
    client_only.findings.retain(|f| f.check.is_client_side());
    assert!(fails(&client_only, FailOn::Client) && !fails(&client_only, FailOn::Server));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_target_is_a_502_and_a_transport_finding() {
    let server = TestServer::start(|_| Reply::Close).await;
    let proxy = Proxy::start(spec(), server.url().parse().unwrap(), ProxyConfig::default()).await.unwrap();
    let answer = reqwest::get(format!("{}{WINDOW}", proxy.url())).await.unwrap();
    assert_eq!(answer.status(), 502);
    let report = proxy.finish().await;
    let checks: Vec<CheckName> = report.findings.iter().map(|f| f.check).collect();
    assert_eq!(checks, [CheckName::Transport]);
}

#[tokio::test]
async fn https_targets_are_refused() {
    let err = Proxy::start(spec(), "https://example.invalid".parse().unwrap(), ProxyConfig::default()).await;
    assert!(matches!(err, Err(ProxyError::Scheme(_))), "{err:?}");
}

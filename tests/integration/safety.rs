//! Runs that cannot wreck their target, or at least say so: a server with a "rotate my
//! credentials" operation must not lock a run out silently (the run names the operation and
//! stops), `--exclude` keeps that operation out entirely, and operations merely forbidden to
//! the credentials are not mistaken for a lockout.

use conform::engine::filter::parse_list;
use conform::engine::{RunConfig, Target, run};
use conform::model::events::NoProgress;
use conform::model::{RunReport, SkipCause};
use conform::spec::Spec;
use conform::transport::auth::AuthSettings;
use conform_testkit::server::{Received, Reply, TestServer};
use serde_json::{Value, json};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

const TOKEN: &str = "safety-token-1";

fn spec() -> Arc<Spec> {
    let ok = |schema: Value| json!({"description": "ok", "content": {"application/json": {"schema": schema}}});
    let refused = json!({"description": "no", "content": {"application/json": {"schema": {"type": "object"}}}});
    let list = |id: &str| {
        json!({"get": {"operationId": id, "responses": {
            "200": ok(json!({"type": "array", "items": {"type": "integer"}})),
            "401": refused, "403": refused
        }}})
    };
    let doc = json!({
        "openapi": "3.0.3", "info": {"title": "safety", "version": "1"},
        "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
        "security": [{"bearer": []}],
        "paths": {
            "/items": list("listItems"),
            "/token/rotate": {"post": {"operationId": "rotateToken", "tags": ["Danger"], "responses": {
                "200": ok(json!({"type": "object"})), "401": refused, "403": refused
            }}},
            "/users": list("listUsers"),
            "/orders": list("listOrders"),
            "/admin": list("listAdmin"),
        }
    });
    Arc::new(Spec::from_value("safety.json", doc).unwrap())
}

/// A server whose `POST /token/rotate` invalidates the token it was called with; `/admin` is
/// always forbidden to this token.
async fn server(rotated: Arc<AtomicBool>, rotations: Arc<AtomicUsize>) -> TestServer {
    TestServer::start(move |r: &Received| {
        let authorised =
            r.header("authorization") == Some(&format!("Bearer {TOKEN}")) && !rotated.load(Ordering::SeqCst);
        if !authorised {
            return Reply::json(401, "application/json", &json!({}));
        }
        match (r.method.as_str(), r.path()) {
            ("POST", "/token/rotate") => {
                rotations.fetch_add(1, Ordering::SeqCst);
                rotated.store(true, Ordering::SeqCst);
                Reply::json(200, "application/json", &json!({}))
            }
            ("GET", "/admin") => Reply::json(403, "application/json", &json!({})),
            ("GET", _) => Reply::json(200, "application/json", &json!([1, 2])),
            _ => Reply::json(401, "application/json", &json!({})),
        }
    })
    .await
}

async fn run_against(config: RunConfig) -> (RunReport, usize) {
    let (rotated, rotations) = (Arc::new(AtomicBool::new(false)), Arc::new(AtomicUsize::new(0)));
    let server = server(rotated, rotations.clone()).await;
    let config = RunConfig {
        seed: Some(3),
        cases: 12,
        concurrency: 2,
        auth: AuthSettings { token: Some(TOKEN.into()), ..AuthSettings::default() },
        ..config
    };
    let report = run(spec(), Target::Url(server.url().parse().unwrap()), config, &NoProgress).await.unwrap();
    (report, rotations.load(Ordering::SeqCst))
}

#[tokio::test]
async fn a_run_that_rotates_its_own_credentials_stops_and_names_the_operation() {
    let (report, rotations) = run_against(RunConfig::default()).await;
    assert!(rotations >= 1);
    assert_eq!(report.errors.len(), 1, "{:?}", report.errors);
    let error = &report.errors[0];
    assert!(error.starts_with("credentials stopped working after rotateToken (step "), "{error}");
    assert_eq!(report.run_error().as_deref(), Some(error.as_str()), "the run ends with exit 2");
    // Not a pile of findings blaming the server for refusing stale credentials.
    let refusals = report
        .findings
        .iter()
        .filter(|f| f.example.response.as_ref().is_some_and(|r| matches!(r.status, 401 | 403)))
        .count();
    assert_eq!(refusals, 0, "{:#?}", report.findings.iter().map(|f| &f.message).collect::<Vec<_>>());
    assert!(report.warnings.is_empty(), "{:?}", report.warnings);
    // The phase stopped: operations after the rotation were not hammered to the end.
    assert!(report.stats.requests < 5 * 40, "{} requests", report.stats.requests);
    // And every operation is still accounted for.
    assert_eq!(report.operations.len() + report.stats.skipped_operations.len(), 5);
}

#[tokio::test]
async fn excluding_the_destructive_operation_keeps_it_out_and_the_run_clean() {
    let config = RunConfig { exclude: parse_list("tag:Danger").unwrap(), ..RunConfig::default() };
    let (report, rotations) = run_against(config).await;
    assert_eq!(rotations, 0, "an excluded operation is never called");
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    let skipped = &report.stats.skipped_operations;
    assert_eq!(skipped.len(), 1, "{skipped:?}");
    assert_eq!((skipped[0].operation.as_str(), skipped[0].cause), ("rotateToken", SkipCause::Filter));
    assert_eq!(skipped[0].reason, "excluded by --exclude tag:Danger");
    // `/admin` is forbidden to this token from the start: that is not a lockout.
    assert_eq!(report.operations.len(), 4);
    assert_eq!(report.run_error(), None);
}

#[tokio::test]
async fn a_run_that_tests_nothing_says_why() {
    let config = RunConfig { include: parse_list("id:nothing*").unwrap(), ..RunConfig::default() };
    let (report, _) = run_against(config).await;
    assert_eq!(report.stats.requests, 0);
    assert_eq!(
        report.run_error().as_deref(),
        Some("nothing was tested: all 5 operations were skipped (5 matches no --include filter)")
    );
}

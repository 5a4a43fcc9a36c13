//! Runner tests against in-test servers that really verify credentials.

use super::*;
use crate::mock::Fault;
use crate::model::events::NoProgress;
use crate::model::{CheckName, Credentials};
use conform_testkit::server::{Received, Reply, TestServer, verify_digest};
use serde_json::json;
use std::sync::Mutex as StdMutex;
use std::time::Instant;

fn spec_with(security_schemes: serde_json::Value, security: serde_json::Value) -> Arc<Spec> {
    Arc::new(
        Spec::from_value(
            "auth.yaml",
            json!({
                "openapi": "3.0.3",
                "info": {"title": "auth", "version": "1"},
                "security": security,
                "components": {"securitySchemes": security_schemes},
                "paths": {"/w": {"get": {
                    "operationId": "getW",
                    "parameters": [{"name": "n", "in": "query", "schema": {"type": "integer", "minimum": 0, "maximum": 5}}],
                    "responses": {
                        "200": {"description": "ok", "content": {"application/json": {"schema": {"type": "object", "required": ["ok"], "properties": {"ok": {"type": "boolean"}}}}}},
                        "400": {"description": "bad", "content": {"application/json": {"schema": {"type": "object"}}}},
                        "401": {"description": "who?", "content": {"application/json": {"schema": {"type": "object"}}}}
                    }
                }}}
            }),
        )
        .unwrap(),
    )
}

fn bad_query(r: &Received) -> bool {
    r.query().iter().any(|(k, v)| k == "n" && !v.parse::<i64>().is_ok_and(|n| (0..=5).contains(&n)))
}

/// The authenticated answer of the little API: GET only, `n` within 0..=5.
fn answer(r: &Received) -> Reply {
    if r.method != "GET" {
        Reply::json(405, "application/json", &json!({})).with_header("Allow", "GET")
    } else if bad_query(r) {
        Reply::json(400, "application/json", &json!({}))
    } else {
        Reply::json(200, "application/json", &json!({"ok": true}))
    }
}

fn quick(auth: AuthSettings) -> RunConfig {
    RunConfig { seed: Some(7), cases: 10, concurrency: 4, auth, ..RunConfig::default() }
}

#[tokio::test]
async fn digest_with_qop_auth_and_nonce_counts() {
    const NONCE: &str = "d1g3st-n0nce";
    let counts: Arc<StdMutex<Vec<u32>>> = Arc::default();
    let seen = counts.clone();
    let server = TestServer::start(move |r| {
        let challenge = format!(r#"Digest realm="MMS Public API", nonce="{NONCE}", qop="auth", algorithm=MD5"#);
        let ok = r.header("authorization").and_then(|a| verify_digest(a, "private-key-1", NONCE, &r.method));
        match ok {
            Some(nc) => {
                seen.lock().unwrap().push(nc);
                answer(r)
            }
            None => Reply::json(401, "application/json", &json!({})).with_header("WWW-Authenticate", &challenge),
        }
    })
    .await;
    let spec = spec_with(json!({"digest": {"type": "http", "scheme": "digest"}}), json!([{"digest": []}]));
    let auth = AuthSettings {
        username: Some("public-key-1".into()),
        password: Some("private-key-1".into()),
        ..Default::default()
    };
    let report = run(spec, Target::Url(server.url().parse().unwrap()), quick(auth), &NoProgress).await.unwrap();
    assert_eq!(report.auth, AuthMode::Digest);
    assert!(report.findings.is_empty(), "{:#?}", report.findings.iter().map(|f| &f.message).collect::<Vec<_>>());
    let mut counts = counts.lock().unwrap().clone();
    assert!(counts.len() >= 10, "{} authenticated requests", counts.len());
    counts.sort_unstable();
    counts.dedup();
    assert!(counts.len() >= 10, "every request used a fresh nonce count");
}

#[tokio::test]
async fn a_wrong_digest_password_is_refused_and_probes_are_judged() {
    const NONCE: &str = "n2";
    let server = TestServer::start(move |r| {
        let challenge = format!(r#"Digest realm="r", nonce="{NONCE}", qop="auth""#);
        match r.header("authorization").and_then(|a| verify_digest(a, "right", NONCE, &r.method)) {
            Some(_) => Reply::json(200, "application/json", &json!({"ok": true})),
            None => Reply::json(401, "application/json", &json!({})).with_header("WWW-Authenticate", &challenge),
        }
    })
    .await;
    let spec = spec_with(json!({"digest": {"type": "http", "scheme": "digest"}}), json!([{"digest": []}]));
    let auth = AuthSettings { username: Some("user".into()), password: Some("wrong".into()), ..Default::default() };
    let config = RunConfig {
        checks: CheckSet::none().with(CheckName::IgnoredAuth).with(CheckName::StatusCodeConformance),
        ..quick(auth)
    };
    let report = run(spec, Target::Url(server.url().parse().unwrap()), config, &NoProgress).await.unwrap();
    // Wrong credentials get 401 everywhere: documented, and no probe was let in.
    assert!(report.findings.is_empty(), "{:#?}", report.findings);
    assert!(report.stats.requests > 10);
}

#[tokio::test]
async fn oauth_client_credentials_fetch_verify_and_refresh_the_token() {
    let issued: Arc<StdMutex<Vec<(String, Instant)>>> = Arc::default();
    let tokens = issued.clone();
    let server = TestServer::start(move |r| {
        if r.path() == "/oauth/token" {
            let basic = format!(
                "Basic {}",
                base64::Engine::encode(&base64::engine::general_purpose::STANDARD, "client-1:secret-1")
            );
            let form = String::from_utf8_lossy(&r.body).into_owned();
            if r.method != "POST"
                || r.header("authorization") != Some(basic.as_str())
                || form != "grant_type=client_credentials"
            {
                return Reply::json(401, "application/json", &json!({"error": "invalid_client"}));
            }
            let mut tokens = tokens.lock().unwrap();
            let token = format!("access-{}", tokens.len());
            tokens.push((token.clone(), Instant::now()));
            return Reply::json(
                200,
                "application/json",
                &json!({"access_token": token, "token_type": "Bearer", "expires_in": 1}),
            );
        }
        let tokens = tokens.lock().unwrap();
        let valid = r
            .header("authorization")
            .and_then(|a| a.strip_prefix("Bearer "))
            .is_some_and(|t| tokens.iter().any(|(issued, at)| issued == t && at.elapsed() < Duration::from_secs(1)));
        if valid { answer(r) } else { Reply::json(401, "application/json", &json!({})) }
    })
    .await;
    let spec = spec_with(
        json!({"sa": {"type": "oauth2", "flows": {"clientCredentials": {"tokenUrl": format!("{}/oauth/token", server.url()), "scopes": {}}}}}),
        json!([{"sa": []}]),
    );
    let auth = AuthSettings {
        client_id: Some("client-1".into()),
        client_secret: Some("secret-1".into()),
        ..Default::default()
    };
    // Five requests a second for about two seconds: the one-second token must be refreshed.
    let config = RunConfig { concurrency: 1, rate_limit: Some(5.0), ..quick(auth) };
    let report = run(spec, Target::Url(server.url().parse().unwrap()), config, &NoProgress).await.unwrap();
    assert_eq!(report.auth, AuthMode::OAuth);
    assert!(report.findings.is_empty(), "every request carried a live token: {:#?}", report.findings);
    assert!(issued.lock().unwrap().len() >= 2, "the token was refreshed before it expired");
    assert!(!report.secrets.is_empty());
}

/// Regression (found against Prism): credentials given with `-H` (an `Authorization` value
/// conform cannot make itself, or an API key) were sent on the probes "without credentials" and
/// "with wrong credentials" too, so a server that checks them was reported for `ignored_auth`.
#[tokio::test]
async fn credentials_given_with_h_are_left_out_of_auth_probes() {
    for (scheme, header, value) in [
        (json!({"type": "http", "scheme": "digest"}), "Authorization", r#"Digest username="u", response="r""#),
        (json!({"type": "apiKey", "in": "header", "name": "X-Api-Key"}), "X-Api-Key", "key-12345"),
    ] {
        let server = TestServer::start(move |r| {
            if r.header(&header.to_ascii_lowercase()) == Some(value) {
                answer(r)
            } else {
                Reply::json(401, "application/json", &json!({}))
            }
        })
        .await;
        let spec = spec_with(json!({"s": scheme}), json!([{"s": []}]));
        let config =
            RunConfig { headers: vec![(header.to_owned(), value.to_owned())], ..quick(AuthSettings::default()) };
        let report = run(spec, Target::Url(server.url().parse().unwrap()), config, &NoProgress).await.unwrap();
        assert!(report.findings.is_empty(), "{header}: {:#?}", report.findings);
        assert!(report.stats.requests > 10);
    }
}

/// Regression: with envelope=true, Atlas-style servers (the embedded mock too) answer the
/// Digest challenge as `200 {"status": 401, ...}` with `WWW-Authenticate`. conform only
/// answered challenges of a bare 401, so the first enveloped requests of a Digest run stayed
/// unauthenticated.
#[tokio::test]
async fn a_digest_challenge_inside_an_envelope_is_answered() {
    const NONCE: &str = "env3lope-n0nce";
    let server = TestServer::start(|r| {
        if r.header("authorization").and_then(|a| verify_digest(a, "private-key-2", NONCE, &r.method)).is_some() {
            return Reply::json(200, "application/json", &json!({"status": 200, "content": {"ok": true}}));
        }
        let challenge = format!(r#"Digest realm="MMS Public API", nonce="{NONCE}", qop="auth", algorithm=MD5"#);
        Reply::json(200, "application/json", &json!({"status": 401, "content": {}}))
            .with_header("WWW-Authenticate", &challenge)
    })
    .await;
    let spec = spec_with(json!({"digest": {"type": "http", "scheme": "digest"}}), json!([{"digest": []}]));
    let settings = AuthSettings {
        username: Some("public-key-2".into()),
        password: Some("private-key-2".into()),
        ..Default::default()
    };
    let transport = Transport {
        client: crate::transport::Client::new(reqwest::Client::builder(), &server.url(), false).unwrap(),
        base: server.url(),
        auth: Arc::new(Authenticator::new(&settings, &spec).unwrap()),
        extra_headers: Vec::new(),
        max_body: 1 << 20,
        timeout: Duration::from_secs(5),
        rate: None,
        pool: Default::default(),
    };
    let request = crate::generate::Request {
        method: crate::spec::Method::Get,
        path: "/w".into(),
        query: vec![("envelope".into(), "true".into())],
        headers: Vec::new(),
        cookies: Vec::new(),
        content_type: None,
        body: None,
    };
    let outcome = transport.send(&request, "application/json", Credentials::Configured).await;
    assert_eq!(outcome.requests, 2, "challenged once, then answered");
    let body: serde_json::Value = serde_json::from_slice(&outcome.result.unwrap().body).unwrap();
    assert_eq!(body["status"], 200);
}

#[tokio::test]
async fn a_failing_token_endpoint_stops_the_run_before_it_starts() {
    let server = TestServer::start(|_| Reply::json(401, "application/json", &json!({"error": "invalid_client"}))).await;
    let spec = spec_with(
        json!({"sa": {"type": "oauth2", "flows": {"clientCredentials": {"tokenUrl": format!("{}/oauth/token", server.url()), "scopes": {}}}}}),
        json!([{"sa": []}]),
    );
    let auth =
        AuthSettings { client_id: Some("c".into()), client_secret: Some("wrong-secret".into()), ..Default::default() };
    let err = run(spec, Target::Url(server.url().parse().unwrap()), quick(auth), &NoProgress).await.unwrap_err();
    let text = err.to_string();
    assert!(text.starts_with("cannot get an OAuth2 token from http://127.0.0.1:"), "{text}");
    assert!(!text.contains("wrong-secret"));
}

#[tokio::test]
async fn unreachable_targets_are_errors_not_findings() {
    // Bind and drop: nothing listens on that port any more.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let spec = spec_with(json!({}), json!([]));
    let err = run(
        spec,
        Target::Url(format!("http://127.0.0.1:{port}").parse().unwrap()),
        quick(AuthSettings::default()),
        &NoProgress,
    )
    .await
    .unwrap_err();
    assert!(matches!(err, RunError::Unreachable { .. }), "{err}");
}

#[test]
fn mutations_are_skipped_against_remote_targets_unless_allowed() {
    let spec = Spec::load(&format!("{}/specs/atlas-maintenance-window.yaml", env!("CARGO_MANIFEST_DIR"))).unwrap();
    assert!(!is_loopback(&"https://cloud.mongodb.com".parse().unwrap()));
    assert!(
        is_loopback(&"http://localhost:8080".parse().unwrap()) && is_loopback(&"http://[::1]:8080".parse().unwrap())
    );
    let config = RunConfig::default();
    let (only, skipped) = select_operations(&spec, &config, false);
    assert_eq!(only, ["getGroupMaintenanceWindow"]);
    assert_eq!(skipped.len(), 4);
    assert!(skipped[0].reason.contains("mutations are not allowed"), "{}", skipped[0].reason);
    assert_eq!(skipped[0].cause, SkipCause::Mutations);
    let (only, skipped) = select_operations(&spec, &RunConfig { allow_mutations: true, ..RunConfig::default() }, false);
    assert_eq!((only.len(), skipped.len()), (5, 0));
    let (only, _) = select_operations(&spec, &config, true);
    assert_eq!(only.len(), 5, "loopback targets get every operation");
    let one = RunConfig { operations: vec!["resetGroupMaintenanceWindow".into()], ..RunConfig::default() };
    let (only, skipped) = select_operations(&spec, &one, true);
    assert_eq!(only, ["resetGroupMaintenanceWindow"]);
    assert_eq!(skipped.len(), 4, "every other operation says it was filtered out");
    assert!(skipped.iter().all(|s| s.cause == SkipCause::Filter && s.reason == "not named by --operation"));
    let filtered = RunConfig {
        include: filter::parse_list("*MaintenanceWindow*").unwrap(),
        exclude: filter::parse_list("DELETE,id:defer*").unwrap(),
        ..RunConfig::default()
    };
    let (only, skipped) = select_operations(&spec, &filtered, true);
    assert_eq!(only.len(), 3, "{only:?}");
    let reasons: Vec<&str> = skipped.iter().map(|s| s.reason.as_str()).collect();
    assert_eq!(reasons, ["excluded by --exclude DELETE", "excluded by --exclude id:defer*"]);
}

#[test]
fn accept_lists_documented_types_with_the_api_version_applied() {
    let spec = Spec::load(&format!("{}/specs/atlas-maintenance-window.yaml", env!("CARGO_MANIFEST_DIR"))).unwrap();
    let op = spec.operation("getGroupMaintenanceWindow").unwrap();
    assert_eq!(accept_header(op, None), "application/vnd.atlas.2023-01-01+json, application/json");
    assert_eq!(accept_header(op, Some("2025-03-12")), "application/vnd.atlas.2025-03-12+json, application/json");
}

#[test]
fn base_urls_take_the_spec_path_only_when_the_target_has_none() {
    let url = |s: &str| url::Url::parse(s).unwrap();
    assert_eq!(
        base_with_path(&url("http://127.0.0.1:8080"), "/api/public/v1.0"),
        "http://127.0.0.1:8080/api/public/v1.0"
    );
    assert_eq!(base_with_path(&url("https://x.example/custom/"), "/api/public/v1.0"), "https://x.example/custom");
    assert_eq!(base_with_path(&url("http://[::1]:9/"), ""), "http://[::1]:9");
    // --base-path wins over both, and "/" means the root.
    let cm = "/api/public/v1.0";
    assert_eq!(request_base(&url("http://h:1"), cm, Some("/")), "http://h:1");
    assert_eq!(request_base(&url("http://h:1/x"), cm, Some("v2/")), "http://h:1/v2");
    assert_eq!(request_base(&url("http://h:1"), cm, None), "http://h:1/api/public/v1.0");
}

#[tokio::test]
async fn a_run_whose_valid_requests_are_all_refused_says_so() {
    let server = TestServer::start(|_| Reply::json(401, "application/json", &json!({}))).await;
    let spec = spec_with(json!({"b": {"type": "http", "scheme": "bearer"}}), json!([{"b": []}]));
    let auth = AuthSettings { token: Some("expired-token".into()), ..Default::default() };
    let report = run(spec, Target::Url(server.url().parse().unwrap()), quick(auth), &NoProgress).await.unwrap();
    assert_eq!(report.warnings.len(), 1, "{:?}", report.warnings);
    assert!(report.warnings[0].contains("valid requests were refused with 401 or 403"), "{}", report.warnings[0]);
    assert!(report.warnings[0].ends_with("check the bearer credentials"), "{}", report.warnings[0]);
}

/// Issue 11, class 7: credentials given with `-H` are not "no credentials".
#[tokio::test]
async fn refused_credentials_given_with_h_are_named_as_such() {
    let server = TestServer::start(|_| Reply::json(401, "application/json", &json!({}))).await;
    let spec = spec_with(json!({"b": {"type": "http", "scheme": "bearer"}}), json!([{"b": []}]));
    let config = RunConfig {
        headers: vec![("Authorization".into(), "Token stale-token-1".into())],
        ..quick(AuthSettings::default())
    };
    let report = run(spec, Target::Url(server.url().parse().unwrap()), config, &NoProgress).await.unwrap();
    assert_eq!(report.warnings.len(), 1, "{:?}", report.warnings);
    assert!(
        report.warnings[0].ends_with("check the credentials given with -H (Authorization)"),
        "{}",
        report.warnings[0]
    );
    // And without any credentials it still says none were given.
    let spec = spec_with(json!({"b": {"type": "http", "scheme": "bearer"}}), json!([{"b": []}]));
    let report = run(spec, Target::Url(server.url().parse().unwrap()), quick(AuthSettings::default()), &NoProgress)
        .await
        .unwrap();
    assert!(report.warnings[0].contains("no credentials were given"), "{}", report.warnings[0]);
}

#[tokio::test]
async fn stateful_sequences_catch_each_state_fault_of_the_mock_and_pass_without() {
    let atlas =
        Arc::new(Spec::load(&format!("{}/specs/atlas-maintenance-window.yaml", env!("CARGO_MANIFEST_DIR"))).unwrap());
    let cm = Arc::new(
        Spec::load(&format!("{}/specs/cloud-manager-maintenance-windows.yaml", env!("CARGO_MANIFEST_DIR"))).unwrap(),
    );
    let config = || RunConfig {
        seed: Some(5),
        cases: 20,
        checks: CheckSet::none().with(CheckName::StatefulConformance),
        ..RunConfig::default()
    };
    type Expected = &'static [(&'static str, &'static str)];
    let cases: [(&Arc<Spec>, Option<Fault>, Expected); 8] = [
        (&atlas, None, &[]),
        (&cm, None, &[]),
        (&atlas, Some(Fault::StateNotPersisted), &[("updateGroupMaintenanceWindow", "the read shows")]),
        (
            &atlas,
            Some(Fault::StateNotReset),
            &[("resetGroupMaintenanceWindow", "still shows what the earlier write set")],
        ),
        (&atlas, Some(Fault::StateNotIncremented), &[("deferGroupMaintenanceWindow", "not 1")]),
        (&atlas, Some(Fault::StateNotToggled), &[("toggleGroupMaintenanceWindowAutoDefer", "expected true")]),
        (&cm, Some(Fault::StateNotPersisted), &[("createMaintenanceWindow", "the read shows")]),
        // A delete that removes nothing: the read still answers it, and so does the list.
        (
            &cm,
            Some(Fault::StateNotReset),
            &[("createMaintenanceWindow", "instead of 404"), ("listMaintenanceWindows", "still shows it")],
        ),
    ];
    for (spec, fault, expected) in cases {
        let faults = fault.into_iter().collect();
        let report = run(spec.clone(), Target::Embedded { faults }, config(), &NoProgress).await.unwrap();
        let got: Vec<(&str, &str)> =
            report.findings.iter().map(|f| (f.operation.as_str(), f.message.as_str())).collect();
        assert_eq!(got.len(), expected.len(), "{} {fault:?}: {got:#?}", spec.source);
        for ((op, message), (want_op, needle)) in got.iter().zip(expected) {
            assert_eq!(op, want_op, "{fault:?}");
            assert!(message.contains(needle), "{fault:?}: {message}");
        }
        for finding in &report.findings {
            assert!(finding.steps.len() >= 2, "a sequence has its steps");
            assert_eq!(finding.example, *finding.steps.last().unwrap());
        }
    }
}

#[tokio::test]
async fn openapi_links_are_followed() {
    let spec = Arc::new(
        Spec::from_value(
            "links.yaml",
            json!({
                "openapi": "3.0.3", "info": {"title": "links", "version": "1"},
                "paths": {
                    "/items": {"post": {
                        "operationId": "makeItem",
                        "responses": {"201": {
                            "description": "made",
                            "content": {"application/json": {"schema": {"type": "object", "required": ["id"], "properties": {"id": {"type": "string"}}}}},
                            "links": {"GetItem": {"operationId": "getItem", "parameters": {"itemId": "$response.body#/id"}}}
                        }}
                    }},
                    "/items/{itemId}": {"get": {
                        "operationId": "getItem",
                        "parameters": [{"name": "itemId", "in": "path", "required": true, "schema": {"type": "string", "pattern": "^[a-z]{3}$"}}],
                        "responses": {
                            "200": {"description": "ok", "content": {"application/json": {"schema": {"type": "object"}}}},
                            "404": {"description": "gone", "content": {"application/json": {"schema": {"type": "object"}}}}
                        }
                    }}
                }
            }),
        )
        .unwrap(),
    );
    let serve = |finds_items: bool| {
        move |r: &Received| match (r.method.as_str(), r.path()) {
            ("POST", "/items") => Reply::json(201, "application/json", &json!({"id": "abc"})),
            ("GET", "/items/abc") if finds_items => Reply::json(200, "application/json", &json!({"id": "abc"})),
            ("GET", p) if p.starts_with("/items/") => Reply::json(404, "application/json", &json!({})),
            _ => Reply::json(405, "application/json", &json!({})),
        }
    };
    let config = || RunConfig {
        seed: Some(1),
        cases: 10,
        checks: CheckSet::none().with(CheckName::StatefulConformance),
        ..RunConfig::default()
    };
    let good = TestServer::start(serve(true)).await;
    let report = run(spec.clone(), Target::Url(good.url().parse().unwrap()), config(), &NoProgress).await.unwrap();
    assert!(report.findings.is_empty(), "{:#?}", report.findings.iter().map(|f| &f.message).collect::<Vec<_>>());
    let broken = TestServer::start(serve(false)).await;
    let report = run(spec, Target::Url(broken.url().parse().unwrap()), config(), &NoProgress).await.unwrap();
    let messages: Vec<&str> = report.findings.iter().map(|f| f.message.as_str()).collect();
    assert!(messages.contains(&"link `GetItem` from makeItem leads to getItem, which answered 404"), "{messages:#?}");
}

/// The embedded mock is authenticated with a scheme the spec declares and the mock verifies:
/// Bearer for Atlas (OAuth2), Digest for Cloud Manager (its only scheme), Basic for Twilio. Many
/// connections, envelopes and the probes included, not one valid request may be refused: with
/// the run's own credentials a 401 is a `positive_data_acceptance` failure.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_embedded_mock_uses_a_scheme_the_spec_declares() {
    let repo = |p: &str| format!("{}/{p}", env!("CARGO_MANIFEST_DIR"));
    for (path, operations, mode) in [
        ("specs/atlas-maintenance-window.yaml", vec![], AuthMode::Bearer),
        ("specs/cloud-manager-maintenance-windows.yaml", vec![], AuthMode::Digest),
        (
            "../shared/fixtures/twilio_api_v2010.yaml",
            vec!["FetchAccount".to_owned(), "CreateCall".to_owned()],
            AuthMode::Basic,
        ),
    ] {
        let spec = Arc::new(Spec::load(&repo(path)).unwrap());
        let config = RunConfig { seed: Some(3), cases: 20, concurrency: 32, operations, ..RunConfig::default() };
        let report = run(spec, Target::Embedded { faults: Vec::new() }, config, &NoProgress).await.unwrap();
        assert_eq!(report.auth, mode, "{path}");
        let findings: Vec<_> = report.findings.iter().map(|f| (f.check, &f.operation, &f.message)).collect();
        assert!(findings.is_empty(), "{path}: {findings:#?}");
    }
    // And the mock refuses what it was not configured for.
    let spec = Arc::new(Spec::load(&repo("../shared/fixtures/twilio_api_v2010.yaml")).unwrap());
    let config = RunConfig { seed: Some(3), cases: 2, operations: vec!["FetchAccount".into()], ..RunConfig::default() };
    let report =
        run(spec, Target::Embedded { faults: vec![Fault::AuthNotEnforced] }, config, &NoProgress).await.unwrap();
    assert_eq!(
        report.findings.iter().filter(|f| f.check == CheckName::IgnoredAuth).count(),
        2,
        "{:#?}",
        report.findings
    );
}

/// A pool keyed by name (no `id`) and a DAG whose PATCH takes a field its read does not
/// document: the shapes of issue 11's classes 2 and 3 (Apache Airflow's API).
/// A run of the stateful check alone, with these pins.
fn stateful_only(seed: u64, cases: usize, params: Vec<(String, String)>) -> RunConfig {
    RunConfig {
        seed: Some(seed),
        cases,
        checks: CheckSet::none().with(CheckName::StatefulConformance),
        params,
        ..RunConfig::default()
    }
}

fn pools_and_dags() -> Arc<Spec> {
    Arc::new(Spec::from_value("pools-and-dags.yaml", pools_and_dags_doc()).unwrap())
}

fn pools_and_dags_doc() -> serde_json::Value {
    let obj = |props: serde_json::Value, required: serde_json::Value| json!({"type": "object", "properties": props, "required": required});
    let json_of = |schema: serde_json::Value| json!({"application/json": {"schema": schema}});
    let pool = obj(
        json!({"name": {"type": "string", "pattern": "^[a-z]{4}$"}, "slots": {"type": "integer", "minimum": 0, "maximum": 9}}),
        json!(["name", "slots"]),
    );
    let dag = obj(json!({"dag_id": {"type": "string"}, "is_paused": {"type": "boolean"}}), json!(["is_paused"]));
    let patch = obj(
        json!({"is_paused": {"type": "boolean"}, "new_state": {"type": "string", "enum": ["failed", "success"]}}),
        json!(["is_paused", "new_state"]),
    );
    let param = |name: &str| json!([{"name": name, "in": "path", "required": true, "schema": {"type": "string", "pattern": "^[a-z]{5}$"}}]);
    let answers = |ok: &str, schema: serde_json::Value| json!({ok: {"description": "ok", "content": json_of(schema)}, "404": {"description": "missing", "content": json_of(json!({"type": "object"}))}});
    json!({
        "openapi": "3.0.3", "info": {"title": "t", "version": "1"},
        "paths": {
            "/pools": {"post": {"operationId": "post_pool", "requestBody": {"required": true, "content": json_of(pool.clone())}, "responses": answers("201", pool.clone())}},
            "/pools/{pool_name}": {"parameters": param("pool_name"), "get": {"operationId": "get_pool", "responses": answers("200", pool)}},
            "/dags/{dag_id}": {"parameters": param("dag_id"),
                "get": {"operationId": "get_dag", "responses": answers("200", dag.clone())},
                "patch": {"operationId": "patch_dag", "requestBody": {"required": true, "content": json_of(patch)}, "responses": answers("200", dag)}}
        }
    })
}

/// Regression (issue 11, classes 2 and 3): a create answered without an id when conform only
/// guessed the pairing, a field the read does not document, and sequences on items that do
/// not exist (random path values answered 404) are not findings: they are dropped with a
/// note. The same shapes still fail where the item exists (pinned) and a write is lost.
#[tokio::test]
async fn guessed_scenarios_and_missing_items_are_dropped_and_lost_writes_still_caught() {
    let spec = pools_and_dags();
    let serve = |persists: bool| {
        let paused = Arc::new(StdMutex::new(false));
        move |r: &Received| {
            let mut state = paused.lock().unwrap();
            match (r.method.as_str(), r.path()) {
                ("POST", "/pools") => Reply::json(201, "application/json", &r.json().unwrap_or(json!({}))),
                ("GET", "/dags/known") => {
                    Reply::json(200, "application/json", &json!({"dag_id": "known", "is_paused": *state}))
                }
                ("PATCH", "/dags/known") => {
                    let asked = r.json().and_then(|b| b["is_paused"].as_bool()).unwrap_or(false);
                    // A lost write: the broken server keeps something else than it was told.
                    *state = if persists { asked } else { !asked };
                    Reply::json(200, "application/json", &json!({"dag_id": "known", "is_paused": asked}))
                }
                _ => Reply::json(404, "application/json", &json!({"detail": "not found"})),
            }
        }
    };
    let config = |params: Vec<(String, String)>| stateful_only(3, 20, params);
    let pinned = || vec![("dag_id".to_owned(), "known".to_owned())];
    for (persists, params) in [(true, vec![]), (false, vec![]), (true, pinned())] {
        let server = TestServer::start(serve(persists)).await;
        let report =
            run(spec.clone(), Target::Url(server.url().parse().unwrap()), config(params), &NoProgress).await.unwrap();
        let messages: Vec<&str> = report.findings.iter().map(|f| f.message.as_str()).collect();
        assert!(messages.is_empty(), "persists={persists}: {messages:#?}");
        assert!(
            report.warnings.iter().any(|w| w.starts_with("stateful sequence dropped (post_pool)")),
            "{:#?}",
            report.warnings
        );
    }
    // The real break of the same shape: the item exists (pinned) and the write is lost.
    let server = TestServer::start(serve(false)).await;
    let report = run(spec, Target::Url(server.url().parse().unwrap()), config(pinned()), &NoProgress).await.unwrap();
    let messages: Vec<&str> = report.findings.iter().map(|f| f.message.as_str()).collect();
    assert_eq!(messages.len(), 1, "{messages:#?}");
    assert!(messages[0].contains("the read shows is_paused ="), "{}", messages[0]);
}

/// Regression (the 2023 Atlas spec): a read that also documents CSV answered CSV, and the
/// sequence failed with "answered 200 instead of the resource". A success in another media type
/// cannot show the state: the sequence is dropped with a note. An empty success still fails.
#[tokio::test]
async fn a_read_answered_in_another_media_type_is_a_note_and_an_empty_one_still_fails() {
    let spec = pools_and_dags();
    let serve = |csv: bool| {
        move |r: &Received| match (r.method.as_str(), r.path()) {
            ("GET", "/dags/known") if csv => Reply::Http {
                status: 200,
                headers: vec![("Content-Type".into(), "text/csv".into())],
                body: b"dag_id,is_paused\nknown,false\n".to_vec(),
            },
            ("GET", "/dags/known") => Reply::empty(200),
            ("PATCH", "/dags/known") => {
                Reply::json(200, "application/json", &json!({"dag_id": "known", "is_paused": true}))
            }
            _ => Reply::json(404, "application/json", &json!({"detail": "not found"})),
        }
    };
    let config = stateful_only(3, 20, vec![("dag_id".to_owned(), "known".to_owned())]);
    let server = TestServer::start(serve(true)).await;
    let report =
        run(spec.clone(), Target::Url(server.url().parse().unwrap()), config.clone(), &NoProgress).await.unwrap();
    assert!(report.findings.is_empty(), "{:#?}", report.findings);
    assert!(report.warnings.iter().any(|w| w.contains("not JSON")), "{:#?}", report.warnings);
    let server = TestServer::start(serve(false)).await;
    let report = run(spec, Target::Url(server.url().parse().unwrap()), config, &NoProgress).await.unwrap();
    assert!(
        report.findings.iter().any(|f| f.message.contains("answered 200 instead of the resource")),
        "{:#?}",
        report.findings
    );
}

/// Regression (REAL_WORLD.md, Kinto): a made-up `If-Match` in a sequence's write got 412, as
/// HTTP says it must, and the sequence failed. Sequences send no optional precondition
/// headers, so the write is judged; a lost write is still caught. A 412 that no precondition
/// asked for is a refused step, judged as `positive_data_acceptance` judges the request alone
/// (against a real server only a 400/422 validation refusal fails): the sequence is dropped
/// with the server's words, never silently.
#[tokio::test]
async fn sequences_send_no_made_up_preconditions_and_a_bare_412_is_a_note() {
    let mut doc = pools_and_dags_doc();
    let if_match = json!({"name": "If-Match", "in": "header", "required": false,
                          "schema": {"type": "string", "pattern": "^\"[0-9]+\"$"}});
    doc["paths"]["/dags/{dag_id}"]["patch"]["parameters"] = json!([if_match]);
    let spec = Arc::new(Spec::from_value("preconditions.yaml", doc).unwrap());
    // `etag`: a server that checks preconditions (412 to any If-Match it did not issue);
    // `always`: one that answers 412 to every PATCH, precondition or not.
    let serve = |persists: bool, always_412: bool| {
        let paused = Arc::new(StdMutex::new(false));
        move |r: &Received| {
            let mut state = paused.lock().unwrap();
            let has_if_match = r.headers.iter().any(|(k, _)| k.eq_ignore_ascii_case("if-match"));
            match (r.method.as_str(), r.path()) {
                ("GET", "/dags/known") => {
                    Reply::json(200, "application/json", &json!({"dag_id": "known", "is_paused": *state}))
                }
                ("PATCH", "/dags/known") if always_412 || has_if_match => {
                    Reply::json(412, "application/json", &json!({"detail": "precondition failed"}))
                }
                ("PATCH", "/dags/known") => {
                    let asked = r.json().and_then(|b| b["is_paused"].as_bool()).unwrap_or(false);
                    *state = if persists { asked } else { !asked };
                    Reply::json(200, "application/json", &json!({"dag_id": "known", "is_paused": asked}))
                }
                _ => Reply::json(404, "application/json", &json!({"detail": "not found"})),
            }
        }
    };
    let config = stateful_only(3, 20, vec![("dag_id".to_owned(), "known".to_owned())]);
    let messages = |persists: bool, always_412: bool| {
        let (spec, config) = (spec.clone(), config.clone());
        async move {
            let server = TestServer::start(serve(persists, always_412)).await;
            let report = run(spec, Target::Url(server.url().parse().unwrap()), config, &NoProgress).await.unwrap();
            let dropped = report.warnings.iter().filter(|w| w.contains("precondition")).cloned();
            report.findings.iter().map(|f| f.message.clone()).chain(dropped).collect::<Vec<_>>()
        }
    };
    // Neither a finding nor a sequence dropped for a precondition: the write was judged.
    assert_eq!(messages(true, false).await, Vec::<String>::new(), "no made-up If-Match is sent");
    let lost = messages(false, false).await;
    assert!(lost.len() == 1 && lost[0].contains("the read shows is_paused ="), "{lost:#?}");
    let bare = messages(true, true).await;
    assert!(
        bare.len() == 1 && bare[0].starts_with("stateful sequence dropped") && bare[0].contains("answered 412"),
        "{bare:#?}"
    );
}

/// Regression (issue 11, Apache Airflow): "the sequence stopped: POST post_connection answered
/// 400 to a valid request" on a server that requires fields its spec leaves optional, and
/// "PATCH patch_dag answered 400" for a made-up `update_mask`. A refused step is judged as the
/// same request alone would be (`positive_data_acceptance`'s rules): without pins against a
/// real server it is dropped with the server's words in the note. The same shape still fails
/// where acceptance is expected (the path pinned, a validation refusal), and a 5xx always does.
#[tokio::test]
async fn refused_steps_are_judged_as_positive_data_acceptance_would_judge_them() {
    let spec = pools_and_dags();
    let serve = |create: u16| {
        move |r: &Received| match (r.method.as_str(), r.path()) {
            ("POST", "/pools") => Reply::json(
                create,
                "application/json",
                &json!({"detail": "{'slots': ['Missing data for required field.']}"}),
            ),
            ("GET", "/dags/known") => {
                Reply::json(200, "application/json", &json!({"dag_id": "known", "is_paused": false}))
            }
            ("PATCH", "/dags/known") => {
                Reply::json(400, "application/json", &json!({"detail": "Only `is_paused` field can be updated"}))
            }
            _ => Reply::json(404, "application/json", &json!({"detail": "not found"})),
        }
    };
    let config = |params: Vec<(String, String)>| stateful_only(5, 10, params);
    let messages = |report: &RunReport| report.findings.iter().map(|f| f.message.clone()).collect::<Vec<_>>();
    // No pins: the refused create is a note, not a finding.
    let server = TestServer::start(serve(400)).await;
    let report =
        run(spec.clone(), Target::Url(server.url().parse().unwrap()), config(vec![]), &NoProgress).await.unwrap();
    assert!(report.findings.is_empty(), "{:#?}", messages(&report));
    assert!(
        report.warnings.iter().any(|w| w.contains("POST post_pool answered 400 to a request valid by the spec")
            && w.contains("Missing data for required field")),
        "{:#?}",
        report.warnings
    );
    // The DAG pinned: its PATCH refused for validation is the server's fault.
    let pinned = vec![("dag_id".to_owned(), "known".to_owned())];
    let report =
        run(spec.clone(), Target::Url(server.url().parse().unwrap()), config(pinned), &NoProgress).await.unwrap();
    assert_eq!(
        messages(&report),
        vec!["the sequence stopped: PATCH patch_dag answered 400 to a valid request".to_owned()],
        "{:#?}",
        report.warnings
    );
    // A 5xx to the create fails without pins.
    let server = TestServer::start(serve(500)).await;
    let report = run(spec, Target::Url(server.url().parse().unwrap()), config(vec![]), &NoProgress).await.unwrap();
    assert_eq!(
        messages(&report),
        vec!["the sequence stopped: POST post_pool answered 500 to a valid request".to_owned()]
    );
}

/// `--auth apikey`: the key goes where the spec's apiKey scheme says (header, query, cookie),
/// probes get no key and a wrong one, and reports reference `$CONFORM_API_KEY`, never the key.
#[tokio::test]
async fn api_keys_go_where_the_scheme_names_them_and_never_into_reports() {
    const KEY: &str = "api-key-0123456789";
    for location in ["header", "query", "cookie"] {
        let server = TestServer::start(move |r: &Received| {
            let given = match location {
                "header" => r.header("x-api-key").map(str::to_owned),
                "query" => r.query().into_iter().find(|(k, _)| k == "X-API-Key").map(|(_, v)| v),
                _ => r
                    .header("cookie")
                    .and_then(|c| c.split("; ").find_map(|p| p.strip_prefix("X-API-Key=")).map(str::to_owned)),
            };
            if given.as_deref() == Some(KEY) {
                // A broken answer on purpose, so that a finding (and its curl line) exists.
                Reply::json(200, "application/json", &json!({"ok": "not a boolean"}))
            } else {
                Reply::json(401, "application/json", &json!({}))
            }
        })
        .await;
        let scheme = json!({"key": {"type": "apiKey", "in": location, "name": "X-API-Key"}});
        let spec = spec_with(scheme, json!([{"key": []}]));
        let settings = AuthSettings { api_key: Some(KEY.into()), ..AuthSettings::default() };
        let report = run(spec, Target::Url(server.url().parse().unwrap()), quick(settings), &NoProgress).await.unwrap();
        assert_eq!(report.auth, AuthMode::ApiKey, "{location}: the mode follows the key given");
        let checks: Vec<CheckName> = report.findings.iter().map(|f| f.check).collect();
        assert!(checks.contains(&CheckName::ResponseSchemaConformance), "{location}: the key was accepted: {checks:?}");
        assert!(!checks.contains(&CheckName::IgnoredAuth), "{location}: probes went without the key: {checks:?}");
        let json = crate::report::json::render(&report);
        assert!(!json.contains(KEY), "{location}: the key leaked into the report");
        assert!(json.contains("$CONFORM_API_KEY"), "{location}: curl lines reference the variable");
    }
}

#[test]
fn apikey_mode_without_an_apikey_scheme_is_an_error() {
    let spec = spec_with(json!({"b": {"type": "http", "scheme": "bearer"}}), json!([{"b": []}]));
    let settings = AuthSettings { mode: Some(AuthMode::ApiKey), api_key: Some("k-1234".into()), ..Default::default() };
    let err = Authenticator::new(&settings, &spec).unwrap_err().to_string();
    assert_eq!(err, "API-key authentication needs an apiKey security scheme in the spec, and it declares none");
}

/// Records what a sink hears, as (kind, phase, operation, requests).
#[derive(Default)]
struct Recorder(StdMutex<Vec<(&'static str, Option<crate::model::events::Phase>, usize)>>);

impl crate::model::events::EventSink for Recorder {
    fn event(&self, event: &crate::model::events::Event<'_>) {
        use crate::model::events::Event;
        let (phase, n) = match *event {
            Event::CaseSent { phase, requests, .. } => (Some(phase), requests),
            Event::AnswerJudged { phase, .. } | Event::Finding { phase, .. } => (Some(phase), 0),
            Event::PhaseStarted { phase } | Event::PhaseSkipped { phase, .. } => (Some(phase), 0),
            _ => (None, 0),
        };
        self.0.lock().unwrap().push((event.kind(), phase, n));
    }
}

/// The engine's events tell the whole run: started first and finished last, every request
/// counted by a `case_sent`, every kept finding preceded by a `finding` event, every phase
/// either started or skipped, and the same report as without a sink.
#[tokio::test]
async fn events_tell_the_run_the_report_folds() {
    use crate::model::events::Phase;
    let spec =
        Arc::new(Spec::load(&format!("{}/specs/atlas-maintenance-window.yaml", env!("CARGO_MANIFEST_DIR"))).unwrap());
    let config = RunConfig { seed: Some(3), cases: 15, concurrency: 4, ..RunConfig::default() };
    let target = || Target::Embedded { faults: vec![Fault::ServerError] };
    let recorder = Recorder::default();
    let report = run(spec.clone(), target(), config.clone(), &recorder).await.unwrap();
    let events = recorder.0.into_inner().unwrap();
    assert_eq!(events.first().map(|e| e.0), Some("started"));
    assert_eq!(events.last().map(|e| e.0), Some("finished"));
    let sent: usize = events.iter().filter(|e| e.0 == "case_sent").map(|e| e.2).sum();
    assert_eq!(sent, report.stats.requests, "every request is told");
    assert!(!report.findings.is_empty(), "the server errors are found");
    assert!(events.iter().filter(|e| e.0 == "finding").count() >= report.findings.len());
    for phase in Phase::ALL {
        let told = |kind: &str| events.iter().any(|e| e.0 == kind && e.1 == Some(phase));
        assert!(told("phase_started") || told("phase_skipped"), "{phase} is started or skipped");
    }
    let done = events.iter().filter(|e| e.0 == "operation_done").count();
    assert_eq!(done, report.operations.len());
    // The sink only listens: the same seed gives the same findings without it.
    let quiet = run(spec, target(), config, &NoProgress).await.unwrap();
    let keys = |r: &RunReport| -> Vec<(String, CheckName, String)> {
        r.findings.iter().map(|f| (f.operation.clone(), f.check, f.signature.clone())).collect()
    };
    assert_eq!(keys(&report), keys(&quiet));
}

/// A collection of widgets per organisation: create, list, read, update, delete.
fn widgets_doc() -> serde_json::Value {
    let json_of = |schema: serde_json::Value| json!({"application/json": {"schema": schema}});
    let widget = json!({"type": "object", "required": ["id", "org", "name"], "properties": {
        "id": {"type": "string"}, "org": {"type": "string"}, "name": {"type": "string", "pattern": "^[a-z]{8}$"}}});
    let write = json!({"type": "object", "required": ["name"], "properties": {"name": {"type": "string", "pattern": "^[a-z]{8}$"}}});
    let list = json!({"type": "object", "required": ["results"], "properties": {
        "results": {"type": "array", "items": widget.clone()}, "totalCount": {"type": "integer"}}});
    let error = json!({"type": "object"});
    let param = |name: &str| json!({"name": name, "in": "path", "required": true, "schema": {"type": "string", "pattern": "^[a-z]{6}$"}});
    let refusals = |ok: &str, body: serde_json::Value| {
        let mut out = json!({ok: {"description": "ok", "content": json_of(body)}});
        for status in ["400", "403", "404"] {
            out[status] = json!({"description": "refused", "content": json_of(error.clone())});
        }
        out
    };
    json!({
        "openapi": "3.0.3", "info": {"title": "widgets", "version": "1"},
        "paths": {
            "/orgs/{org}/widgets": {"parameters": [param("org")],
                "post": {"operationId": "createWidget", "requestBody": {"required": true, "content": json_of(write.clone())}, "responses": refusals("201", widget.clone())},
                "get": {"operationId": "listWidgets", "responses": refusals("200", list)}},
            "/orgs/{org}/widgets/{widgetId}": {"parameters": [param("org"), {"name": "widgetId", "in": "path", "required": true, "schema": {"type": "string"}}],
                "get": {"operationId": "getWidget", "responses": refusals("200", widget.clone())},
                "patch": {"operationId": "updateWidget", "requestBody": {"required": true, "content": json_of(write)}, "responses": refusals("200", widget)},
                "delete": {"operationId": "deleteWidget", "responses": {"204": {"description": "gone"}, "403": {"description": "refused"}, "404": {"description": "missing"}}}}
        }
    })
}

/// How the widget server treats an item asked for under another organisation.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Owner {
    /// 404, as if it did not exist.
    Hides,
    /// 403.
    Forbids,
    /// Serves it (the read ignores the organisation).
    LeaksReads,
    /// Changes it.
    LeaksUpdates,
    /// Removes it.
    LeaksDeletes,
}

fn widget_server(owner: Owner, list_forgets: bool) -> impl Fn(&Received) -> Reply + Send + Sync + 'static {
    let store: Arc<StdMutex<Vec<serde_json::Value>>> = Arc::default();
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    move |r: &Received| {
        let mut items = store.lock().unwrap();
        let segments: Vec<&str> = r.path().trim_matches('/').split('/').collect();
        let (org, id) = match segments.as_slice() {
            ["orgs", org, "widgets"] => (*org, None),
            ["orgs", org, "widgets", id] => (*org, Some(*id)),
            _ => return Reply::json(404, "application/json", &json!({})),
        };
        let name_ok = |b: &serde_json::Value| {
            b["name"].as_str().is_some_and(|n| n.len() == 8 && n.bytes().all(|c| c.is_ascii_lowercase()))
        };
        let org_ok = org.len() == 6 && org.bytes().all(|c| c.is_ascii_lowercase());
        if !org_ok {
            return Reply::json(400, "application/json", &json!({"detail": "bad org"}));
        }
        // The lookup of an item: under its own organisation, or (a broken server) anywhere.
        let ignores_org = |method: &str| match owner {
            Owner::LeaksReads => method == "GET",
            Owner::LeaksUpdates => method == "PATCH",
            Owner::LeaksDeletes => method == "DELETE",
            _ => false,
        };
        let position = id.and_then(|id| {
            items.iter().position(|w| w["id"] == json!(id) && (w["org"] == json!(org) || ignores_org(&r.method)))
        });
        let elsewhere = id.is_some_and(|id| items.iter().any(|w| w["id"] == json!(id)));
        let missing = || {
            if elsewhere && owner == Owner::Forbids {
                Reply::json(403, "application/json", &json!({"detail": "not yours"}))
            } else {
                Reply::json(404, "application/json", &json!({"detail": "not found"}))
            }
        };
        match (r.method.as_str(), id, position) {
            ("POST", None, _) => match r.json().filter(name_ok) {
                Some(body) => {
                    let n = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    let widget = json!({"id": format!("w{n}"), "org": org, "name": body["name"]});
                    items.push(widget.clone());
                    Reply::json(201, "application/json", &widget)
                }
                None => Reply::json(400, "application/json", &json!({"detail": "bad body"})),
            },
            ("GET", None, _) => {
                let mine: Vec<serde_json::Value> = if list_forgets {
                    Vec::new()
                } else {
                    items.iter().filter(|w| w["org"] == json!(org)).cloned().collect()
                };
                Reply::json(200, "application/json", &json!({"results": mine, "totalCount": mine.len()}))
            }
            ("GET", Some(_), Some(i)) => Reply::json(200, "application/json", &items[i]),
            ("PATCH", Some(_), Some(i)) => match r.json().filter(name_ok) {
                Some(body) => {
                    items[i]["name"] = body["name"].clone();
                    Reply::json(200, "application/json", &items[i])
                }
                None => Reply::json(400, "application/json", &json!({"detail": "bad body"})),
            },
            ("DELETE", Some(_), Some(i)) => {
                items.remove(i);
                Reply::Http { status: 204, headers: Vec::new(), body: Vec::new() }
            }
            (_, Some(_), None) => missing(),
            _ => Reply::json(405, "application/json", &json!({})),
        }
    }
}

fn ownership_config(checks: CheckSet) -> RunConfig {
    RunConfig { seed: Some(5), cases: 10, checks, ..RunConfig::default() }
}

/// `object_ownership` in both directions: a server that serves, changes or removes an item
/// under another organisation is caught, on the operation that leaked; one that answers 404 or
/// 403 there passes, and so does the correct list.
#[tokio::test]
async fn ownership_probes_catch_leaks_and_pass_refusals() {
    let spec = Arc::new(Spec::from_value("widgets.yaml", widgets_doc()).unwrap());
    let checks = CheckSet::none().with(CheckName::ObjectOwnership).with(CheckName::StatefulConformance);
    for owner in [Owner::Hides, Owner::Forbids] {
        let server = TestServer::start(widget_server(owner, false)).await;
        let target = Target::Url(server.url().parse().unwrap());
        let report = run(spec.clone(), target, ownership_config(checks), &NoProgress).await.unwrap();
        let messages: Vec<&str> = report.findings.iter().map(|f| f.message.as_str()).collect();
        assert!(messages.is_empty(), "{owner:?}: {messages:#?}");
        let judged = report.operations.iter().find(|o| o.operation == "getWidget").unwrap();
        assert!(judged.checks.contains(&CheckName::ObjectOwnership), "{owner:?}: the probe ran: {judged:?}");
    }
    for (owner, operation, words) in [
        (Owner::LeaksReads, "getWidget", "answered 200 with the item"),
        (Owner::LeaksUpdates, "updateWidget", "changed the item"),
        (Owner::LeaksDeletes, "deleteWidget", "removed the item"),
    ] {
        let server = TestServer::start(widget_server(owner, false)).await;
        let target = Target::Url(server.url().parse().unwrap());
        let report = run(spec.clone(), target, ownership_config(checks), &NoProgress).await.unwrap();
        let found: Vec<(&str, CheckName, &str)> =
            report.findings.iter().map(|f| (f.operation.as_str(), f.check, f.message.as_str())).collect();
        assert_eq!(found.len(), 1, "{owner:?}: {found:#?}");
        assert_eq!((found[0].0, found[0].1), (operation, CheckName::ObjectOwnership), "{owner:?}");
        assert!(found[0].2.contains(words) && found[0].2.contains("under org="), "{owner:?}: {}", found[0].2);
    }
}

/// Lists are followed after a create with inferred semantics: a list that never shows the
/// created item cannot confirm a guessed pairing (a note, not a finding), and the correct list
/// gives no note either.
#[tokio::test]
async fn a_guessed_list_that_forgets_items_is_a_note_not_a_finding() {
    let spec = Arc::new(Spec::from_value("widgets.yaml", widgets_doc()).unwrap());
    let checks = CheckSet::none().with(CheckName::StatefulConformance);
    for forgets in [false, true] {
        let server = TestServer::start(widget_server(Owner::Hides, forgets)).await;
        let target = Target::Url(server.url().parse().unwrap());
        let report = run(spec.clone(), target, ownership_config(checks), &NoProgress).await.unwrap();
        assert!(report.findings.is_empty(), "forgets={forgets}: {:#?}", report.findings);
        let noted = report.warnings.iter().any(|w| w.contains("listWidgets did not show the item"));
        assert_eq!(noted, forgets, "{:#?}", report.warnings);
        let list = report.operations.iter().find(|o| o.operation == "listWidgets").unwrap();
        assert_eq!(list.checks.contains(&CheckName::StatefulConformance), !forgets, "the list was followed: {list:?}");
    }
}

/// `object_ownership` across tenants: with a second tenant's token, the item the first made is
/// read as the other; a server that serves it is caught, one that answers 404 passes. The
/// organisation is pinned, so only the tenant probe can run; the token never shows in the report.
#[tokio::test]
async fn a_second_tenant_must_not_read_the_first_tenants_items() {
    let spec = Arc::new(Spec::from_value("widgets.yaml", widgets_doc()).unwrap());
    let serve = |leaks: bool| {
        let inner = widget_server(Owner::Hides, false);
        let owners: Arc<StdMutex<Vec<(String, String)>>> = Arc::default();
        move |r: &Received| {
            let Some(tenant) = r.header("authorization").and_then(|a| a.strip_prefix("Bearer ")).map(str::to_owned)
            else {
                return Reply::json(401, "application/json", &json!({"detail": "who?"}));
            };
            if tenant != "alpha-tenant-token" && tenant != "bravo-tenant-token" {
                return Reply::json(401, "application/json", &json!({"detail": "who?"}));
            }
            let id = r.path().trim_matches('/').split('/').nth(3).map(str::to_owned);
            let owner =
                id.as_ref().and_then(|id| owners.lock().unwrap().iter().find(|(w, _)| w == id).map(|(_, t)| t.clone()));
            if owner.is_some_and(|o| o != tenant) && !(leaks && r.method == "GET") {
                return Reply::json(404, "application/json", &json!({"detail": "not found"}));
            }
            let reply = inner(r);
            if r.method == "POST"
                && let Reply::Http { status: 201, body, .. } = &reply
                && let Some(id) = serde_json::from_slice::<serde_json::Value>(body)
                    .ok()
                    .and_then(|b| b["id"].as_str().map(str::to_owned))
            {
                owners.lock().unwrap().push((id, tenant));
            }
            reply
        }
    };
    let auth = AuthSettings {
        token: Some("alpha-tenant-token".into()),
        other: Some(Box::new(AuthSettings { token: Some("bravo-tenant-token".into()), ..Default::default() })),
        ..Default::default()
    };
    let config = RunConfig {
        auth,
        params: vec![("org".into(), "abcdef".into())],
        ..ownership_config(CheckSet::none().with(CheckName::ObjectOwnership))
    };
    for leaks in [false, true] {
        let server = TestServer::start(serve(leaks)).await;
        let target = Target::Url(server.url().parse().unwrap());
        let report = run(spec.clone(), target, config.clone(), &NoProgress).await.unwrap();
        let found: Vec<&str> = report.findings.iter().map(|f| f.message.as_str()).collect();
        if leaks {
            assert_eq!(found.len(), 1, "{found:#?}");
            assert!(found[0].contains("with the second tenant's credentials answered 200"), "{}", found[0]);
            assert_eq!(report.findings[0].example.credentials, Credentials::Other);
        } else {
            assert!(found.is_empty(), "{found:#?}");
            assert!(!report.warnings.iter().any(|w| w.contains("object_ownership")), "{:#?}", report.warnings);
        }
        let text = format!("{report:?}{}", crate::report::json::render(&report));
        assert!(!text.contains("bravo-tenant-token") && !text.contains("alpha-tenant-token"));
    }
}

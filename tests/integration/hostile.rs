//! Hostile servers: answers broken at the byte level (resets, hangs, trickles, huge or lying
//! bodies, cut chunked encoding, redirect loops, endless 429s, close-delimited HTTP/1.0). Each
//! mode answers one operation of a two-operation spec while the other operation stays correct:
//! the run must end within a bounded time, report what happened as a finding of the right
//! check, keep the correct operation's requests and findings exactly as against a correct
//! server, and never hold a huge body whole.

use conform::check::CheckName;
use conform::engine::{DEFAULT_MAX_BODY, RunConfig, Target, run};
use conform::model::events::NoProgress;
use conform::model::{EXCERPT, RunReport};
use conform::spec::Spec;
use conform_testkit::server::{Received, Reply, TestServer};
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Per-request timeout of these runs: short, so that hanging modes stay fast, yet long enough
/// for the correct operation's answers on a loaded machine.
const TIMEOUT: Duration = Duration::from_secs(2);
/// A whole run against any mode ends well within this, even on a loaded 2-core CI box.
const BOUND: Duration = Duration::from_secs(60);
const FIFTY_MB: u64 = 50 * 1024 * 1024;

fn spec_json() -> Value {
    let error = json!({"description": "bad", "content": {"application/json": {"schema": {"type": "object"}}}});
    json!({
        "openapi": "3.0.3", "info": {"title": "hostile", "version": "1"},
        "paths": {
            "/things/{id}": {"get": {
                "operationId": "getThing",
                "parameters": [{"name": "id", "in": "path", "required": true,
                                "schema": {"type": "integer", "minimum": 1, "maximum": 1000}}],
                "responses": {
                    "200": {"description": "a thing", "content": {"application/json": {"schema": {
                        "type": "object", "required": ["id", "name"],
                        "properties": {"id": {"type": "integer"}, "name": {"type": "string"}}
                    }}}},
                    "400": error
                }
            }},
            "/health": {"get": {
                "operationId": "getHealth",
                "parameters": [{"name": "verbose", "in": "query", "schema": {"type": "boolean"}}],
                "responses": {
                    "200": {"description": "ok", "content": {"application/json": {"schema": {
                        "type": "object", "required": ["ok"], "properties": {"ok": {"type": "boolean"}}
                    }}}},
                    "400": error
                }
            }}
        }
    })
}

fn spec() -> Arc<Spec> {
    Arc::new(Spec::from_value("hostile.yaml", spec_json()).expect("the hostile spec loads"))
}

/// How the server answers a valid `GET /things/{id}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Correct,
    ResetMidBody,
    NeverAnswers,
    Trickle,
    FiftyMegabytes,
    FiftyMegabytesCloseDelimited,
    InvalidUtf8,
    InvalidJson,
    ContentLengthShorter,
    ContentLengthLonger,
    ChunkedCut,
    RedirectLoop,
    RateLimitedForever,
    Http10CloseDelimited,
    OtherId,
}

fn thing(id: u64) -> Vec<u8> {
    serde_json::to_vec(&json!({"id": id, "name": format!("thing-{id}")})).unwrap_or_default()
}

fn head(status: &str, headers: &[(&str, &str)]) -> Vec<u8> {
    let mut text = format!("{status}\r\n");
    for (k, v) in headers {
        text.push_str(&format!("{k}: {v}\r\n"));
    }
    text.push_str("\r\n");
    text.into_bytes()
}

fn joined(head: Vec<u8>, body: &[u8]) -> Vec<u8> {
    let mut bytes = head;
    bytes.extend_from_slice(body);
    bytes
}

fn hostile(mode: Mode, id: u64, r: &Received) -> Reply {
    const JSON: (&str, &str) = ("Content-Type", "application/json");
    let body = thing(id);
    match mode {
        Mode::Correct => Reply::Http { status: 200, headers: vec![(JSON.0.into(), JSON.1.into())], body },
        Mode::ResetMidBody => {
            let len = body.len().to_string();
            Reply::Reset(joined(head("HTTP/1.1 200 OK", &[JSON, ("Content-Length", &len)]), &body[..body.len() / 2]))
        }
        Mode::NeverAnswers => Reply::Hang,
        Mode::Trickle => {
            let len = body.len().to_string();
            let bytes = joined(head("HTTP/1.1 200 OK", &[JSON, ("Content-Length", &len)]), &body);
            Reply::Trickle { bytes, per_byte: Duration::from_millis(100) }
        }
        Mode::FiftyMegabytes => {
            let len = FIFTY_MB.to_string();
            Reply::Stream { head: head("HTTP/1.1 200 OK", &[JSON, ("Content-Length", &len)]), len: FIFTY_MB }
        }
        Mode::FiftyMegabytesCloseDelimited => Reply::Stream { head: head("HTTP/1.0 200 OK", &[JSON]), len: FIFTY_MB },
        Mode::InvalidUtf8 => Reply::Http {
            status: 200,
            headers: vec![(JSON.0.into(), JSON.1.into())],
            body: b"{\"id\": 1, \"name\": \"\xff\xfe\xc3\x28\"}".to_vec(),
        },
        Mode::InvalidJson => Reply::Http {
            status: 200,
            headers: vec![(JSON.0.into(), JSON.1.into())],
            body: b"{\"id\": 1, \"na".to_vec(),
        },
        // The connection stays open with the rest of the body still in it.
        Mode::ContentLengthShorter => Reply::Http {
            status: 200,
            headers: vec![(JSON.0.into(), JSON.1.into()), ("Content-Length".into(), "9".into())],
            body,
        },
        Mode::ContentLengthLonger => {
            let len = (body.len() + 500).to_string();
            Reply::Raw(joined(head("HTTP/1.1 200 OK", &[JSON, ("Content-Length", &len)]), &body))
        }
        Mode::ChunkedCut => Reply::Raw(joined(
            head("HTTP/1.1 200 OK", &[JSON, ("Transfer-Encoding", "chunked")]),
            b"a\r\n{\"id\": 1, \r\n20\r\n\"name\": \"cu",
        )),
        Mode::RedirectLoop => Reply::empty(302).with_header("Location", &r.target),
        Mode::RateLimitedForever => {
            Reply::json(429, "application/json", &json!({"error": "slow down"})).with_header("Retry-After", "3600")
        }
        // Legal HTTP: the body ends when the connection closes. The violation is at its very end,
        // so finding it proves the whole body was read.
        Mode::Http10CloseDelimited => {
            let mut text = format!("{{\"name\": \"{}\", \"id\": ", "x".repeat(4000)).into_bytes();
            text.extend_from_slice(b"\"late\"}");
            Reply::Raw(joined(head("HTTP/1.0 200 OK", &[JSON]), &text))
        }
        Mode::OtherId => {
            Reply::json(200, "application/json", &json!({"id": id + 1, "name": format!("thing-{}", id + 1)}))
        }
    }
}

/// The little API: correct everywhere except valid `GET /things/{id}`, answered per `mode`.
fn handle(mode: Mode, r: &Received) -> Reply {
    let bad = || Reply::json(400, "application/json", &json!({"error": "bad request"}));
    if r.method != "GET" {
        return Reply::json(405, "application/json", &json!({})).with_header("Allow", "GET");
    }
    if r.path() == "/health" {
        return match r.query().iter().find(|(k, _)| k == "verbose").map(|(_, v)| v.as_str()) {
            None | Some("true" | "false") => Reply::json(200, "application/json", &json!({"ok": true})),
            Some(_) => bad(),
        };
    }
    match r.path().strip_prefix("/things/").and_then(|id| id.parse::<u64>().ok()) {
        Some(id) if (1..=1000).contains(&id) => hostile(mode, id, r),
        _ => bad(),
    }
}

fn config() -> RunConfig {
    RunConfig { seed: Some(11), cases: 4, concurrency: 8, timeout: TIMEOUT, ..RunConfig::default() }
}

async fn run_mode(mode: Mode) -> (RunReport, TestServer) {
    run_mode_with(mode, config()).await
}

async fn run_mode_with(mode: Mode, config: RunConfig) -> (RunReport, TestServer) {
    let server = TestServer::start(move |r| handle(mode, r)).await;
    let started = Instant::now();
    let report =
        run(spec(), Target::Url(server.url().parse().unwrap()), config, &NoProgress).await.expect("the run starts");
    let took = started.elapsed();
    assert!(took < BOUND, "{mode:?}: the run took {took:?}");
    assert!(report.internal_errors.is_empty(), "{mode:?}: {:?}", report.internal_errors);
    // Every rendering copes with whatever came.
    let _ = conform::report::terminal::render(&report, conform::report::terminal::Style { color: false });
    let _ = conform::report::json::render(&report);
    let _ = conform::report::junit::render(&report, &CheckName::ALL);
    for f in conform::report::view::findings(&report) {
        let _ = conform::report::snapshot::normalize(&conform::report::snapshot::content(&f), &report.target);
    }
    (report, server)
}

fn requests(report: &RunReport, op: &str) -> usize {
    report.operations.iter().find(|o| o.operation == op).map_or(0, |o| o.requests)
}

fn summary(report: &RunReport) -> Vec<(String, CheckName, String)> {
    report.findings.iter().map(|f| (f.operation.clone(), f.check, f.message.clone())).collect()
}

/// Runs `mode` and checks what every mode must keep: a bounded run, the correct operation's
/// requests and (absent) findings exactly as against a correct server, and findings on the
/// faulty operation only, of `check`, one of whose messages contains `says`.
async fn assert_mode(mode: Mode, check: CheckName, says: &[&str]) -> RunReport {
    let (baseline, _s) = run_mode(Mode::Correct).await;
    assert!(baseline.findings.is_empty(), "the correct server gives no finding: {:#?}", summary(&baseline));
    let (report, _server) = run_mode(mode).await;
    assert_eq!(
        requests(&report, "getHealth"),
        requests(&baseline, "getHealth"),
        "{mode:?}: the correct operation's requests are intact"
    );
    let healthy: Vec<_> = summary(&report).into_iter().filter(|(op, _, _)| op == "getHealth").collect();
    assert!(healthy.is_empty(), "{mode:?}: the correct operation has no finding: {healthy:#?}");
    assert!(report.failed(), "{mode:?}: the run fails");
    assert_eq!(report.stats.failures, report.findings.len());
    let found = report
        .findings
        .iter()
        .filter(|f| f.operation == "getThing" && f.check == check)
        .any(|f| says.iter().any(|s| f.message.contains(s)));
    assert!(found, "{mode:?}: expected a {check} finding saying one of {says:?}; got {:#?}", summary(&report));
    report
}

#[tokio::test]
async fn connection_reset_mid_body_is_a_transport_finding() {
    assert_mode(Mode::ResetMidBody, CheckName::Transport, &["the connection broke while reading the 200 body"]).await;
}

#[tokio::test]
async fn a_server_that_never_answers_times_out() {
    assert_mode(Mode::NeverAnswers, CheckName::Transport, &["no answer within the timeout"]).await;
}

#[tokio::test]
async fn a_byte_by_byte_answer_times_out() {
    assert_mode(Mode::Trickle, CheckName::Transport, &["no answer within the timeout", "timed out while reading"])
        .await;
}

#[tokio::test]
async fn a_50_mb_body_is_cut_at_the_cap_and_never_held_whole() {
    for mode in [Mode::FiftyMegabytes, Mode::FiftyMegabytesCloseDelimited] {
        // Reading 10 MiB per answer must not race the timeout on a loaded machine: this test is
        // about size.
        // Concurrency 16, as in DESIGN's memory target (benches/hostile_50mb.py measures the RSS).
        let config = RunConfig { timeout: Duration::from_secs(30), concurrency: 16, ..config() };
        let (report, server) = run_mode_with(mode, config).await;
        let f = report
            .findings
            .iter()
            .find(|f| f.check == CheckName::Transport && f.operation == "getThing")
            .unwrap_or_else(|| panic!("{mode:?}: a transport finding: {:#?}", summary(&report)));
        assert_eq!(
            f.message,
            format!("the 200 body is larger than {DEFAULT_MAX_BODY} bytes; conform read only that much"),
            "{mode:?}"
        );
        // A finding keeps an excerpt, not the cap's worth: memory does not grow with findings.
        let kept = f.example.response.as_ref().expect("the cut answer is kept");
        assert!(kept.truncated && kept.body.len() == EXCERPT, "{mode:?}: {} bytes kept", kept.body.len());
        // Every read stopped near the cap: the server could not push whole bodies.
        let bodies = f.count as u64;
        assert!(
            server.streamed() < bodies * FIFTY_MB / 2,
            "{mode:?}: {} bytes streamed for {bodies} bodies",
            server.streamed()
        );
        // No other check judges a body conform did not read whole.
        assert!(report.findings.iter().all(|f| f.check == CheckName::Transport), "{mode:?}: {:#?}", summary(&report));
        let json = conform::report::json::render(&report);
        assert!(json.len() < 1024 * 1024, "{mode:?}: the report shows a cut of the body, {} bytes", json.len());
    }
}

#[tokio::test]
async fn the_body_cap_is_configurable() {
    let server = TestServer::start(|r| handle(Mode::FiftyMegabytes, r)).await;
    let config = RunConfig { max_body: 1024, ..config() };
    let report = run(spec(), Target::Url(server.url().parse().unwrap()), config, &NoProgress).await.unwrap();
    let f = report.findings.iter().find(|f| f.check == CheckName::Transport).expect("a transport finding");
    assert_eq!(f.message, "the 200 body is larger than 1024 bytes; conform read only that much");
    assert_eq!(f.example.response.as_ref().map(|r| r.body.len()), Some(1024));
}

#[tokio::test]
async fn invalid_utf8_in_a_json_body_is_a_schema_finding() {
    assert_mode(Mode::InvalidUtf8, CheckName::ResponseSchemaConformance, &["the 200 body is not valid JSON"]).await;
}

#[tokio::test]
async fn invalid_json_under_a_json_content_type_is_a_schema_finding() {
    assert_mode(Mode::InvalidJson, CheckName::ResponseSchemaConformance, &["the 200 body is not valid JSON"]).await;
}

#[tokio::test]
async fn a_content_length_shorter_than_the_body_cuts_it_and_spoils_nothing_else() {
    assert_mode(Mode::ContentLengthShorter, CheckName::ResponseSchemaConformance, &["the 200 body is not valid JSON"])
        .await;
}

#[tokio::test]
async fn a_content_length_longer_than_the_body_is_a_transport_finding() {
    assert_mode(Mode::ContentLengthLonger, CheckName::Transport, &["the connection broke while reading the 200 body"])
        .await;
}

#[tokio::test]
async fn chunked_encoding_cut_off_is_a_transport_finding() {
    assert_mode(Mode::ChunkedCut, CheckName::Transport, &["the connection broke while reading the 200 body"]).await;
}

#[tokio::test]
async fn a_redirect_loop_is_not_followed_and_its_status_is_judged() {
    let report = assert_mode(Mode::RedirectLoop, CheckName::StatusCodeConformance, &["answered 302"]).await;
    let f = report.findings.iter().find(|f| f.check == CheckName::StatusCodeConformance).unwrap();
    assert_eq!(f.example.response.as_ref().map(|r| r.status), Some(302), "conform reports the redirect itself");
}

#[tokio::test]
async fn endless_429s_are_retried_a_bounded_number_of_times() {
    let report =
        assert_mode(Mode::RateLimitedForever, CheckName::Transport, &["still rate limited (429) after 3 retries"])
            .await;
    assert!(report.findings.iter().all(|f| f.check == CheckName::Transport), "{:#?}", summary(&report));
}

#[tokio::test]
async fn http_1_0_close_delimited_bodies_are_read_to_the_end() {
    let report = assert_mode(Mode::Http10CloseDelimited, CheckName::ResponseSchemaConformance, &["/id"]).await;
    assert!(
        report.findings.iter().all(|f| f.check == CheckName::ResponseSchemaConformance),
        "a close-delimited body is legal HTTP, not a transport failure: {:#?}",
        summary(&report)
    );
}

/// `GET /things/5` answered with thing 6: every answer is a valid thing, so no check that
/// judges an answer against the schema can see it. Which body field carries the id a path
/// variable names is not in OpenAPI; where the semantics sidecar declares it, the identity
/// rule of `stateful_conformance` does (and without one, nothing guesses).
#[tokio::test]
async fn an_answer_about_another_id_fails_the_declared_identity_rule() {
    let (report, _server) = run_mode(Mode::OtherId).await;
    assert!(report.findings.is_empty(), "without a sidecar nothing guesses: {:#?}", summary(&report));

    let dir = std::env::temp_dir().join(format!("conform-identity-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let spec_path = dir.join("hostile.json");
    std::fs::write(&spec_path, serde_json::to_vec(&spec_json()).unwrap()).unwrap();
    std::fs::write(
        dir.join("hostile.semantics.yaml"),
        "resources:\n  thing: {kind: collection, collection: /things, instance: '/things/{id}', id_param: id, id_field: id}\n\
         operations:\n  getThing: {effect: read, resource: thing}\n",
    )
    .unwrap();
    let spec = Arc::new(Spec::load(spec_path.to_str().unwrap()).unwrap());
    let server = TestServer::start(|r| handle(Mode::OtherId, r)).await;
    let report = run(spec.clone(), Target::Url(server.url().parse().unwrap()), config(), &NoProgress).await.unwrap();
    let f = report.findings.iter().find(|f| f.check == CheckName::StatefulConformance).expect("an identity finding");
    assert_eq!(f.operation, "getThing");
    assert!(f.message.starts_with("the read of id = ") && f.message.contains("whose id is"), "{}", f.message);
    assert!(report.findings.iter().all(|f| f.check == CheckName::StatefulConformance), "{:#?}", summary(&report));

    // The same sidecar against a correct server: no false alarm.
    let correct = TestServer::start(|r| handle(Mode::Correct, r)).await;
    let report = run(spec, Target::Url(correct.url().parse().unwrap()), config(), &NoProgress).await.unwrap();
    assert!(report.findings.is_empty(), "{:#?}", summary(&report));
    let _ = std::fs::remove_dir_all(dir);
}

/// The real binary against a hanging server: exit 1, the finding on stdout, in bounded time.
#[tokio::test]
async fn the_binary_exits_1_against_a_hanging_server() {
    let server = TestServer::start(|r| handle(Mode::NeverAnswers, r)).await;
    let dir = std::env::temp_dir().join(format!("conform-hostile-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let spec_path = dir.join("hostile.json");
    std::fs::write(&spec_path, serde_json::to_vec(&spec_json()).unwrap()).unwrap();
    let args: Vec<String> = [
        "run",
        "--spec",
        spec_path.to_str().unwrap(),
        "--target",
        &server.url(),
        "--timeout",
        "2",
        "--cases",
        "4",
        "--seed",
        "11",
        "--concurrency",
        "8",
        "--no-snapshots",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let started = Instant::now();
    let out = tokio::task::spawn_blocking(move || {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        crate::support::conform(&args)
    })
    .await
    .unwrap();
    assert!(started.elapsed() < BOUND, "took {:?}", started.elapsed());
    let stdout = crate::support::stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{stdout}{}", crate::support::stderr(&out));
    assert!(stdout.contains("transport · getThing"), "{stdout}");
    assert!(stdout.contains("no answer within the timeout"), "{stdout}");
    let _ = std::fs::remove_dir_all(dir);
}

/// A tarpit for unauthenticated requests: authenticated ones are answered at once, those
/// without (or with wrong) credentials never. The `ignored_auth` probes (two per secured
/// operation) used to run one at a time after the cases, two timeouts per operation; they run
/// with the run's concurrency now.
#[tokio::test]
async fn auth_probes_against_a_tarpit_run_concurrently() {
    const TOKEN: &str = "tarpit-token";
    let mut paths = serde_json::Map::new();
    for i in 0..16 {
        paths.insert(
            format!("/r{i}"),
            json!({"get": {"operationId": format!("get{i}"), "responses": {
                "200": {"description": "ok", "content": {"application/json": {"schema": {"type": "object"}}}},
                "401": {"description": "who?"}
            }}}),
        );
    }
    let doc = json!({
        "openapi": "3.0.3", "info": {"title": "tarpit", "version": "1"},
        "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
        "security": [{"bearer": []}],
        "paths": paths
    });
    let spec = Arc::new(Spec::from_value("tarpit.yaml", doc).unwrap());
    let server = TestServer::start(|r| {
        if r.header("authorization") != Some(&format!("Bearer {TOKEN}")) {
            Reply::Hang
        } else if r.method == "GET" {
            Reply::json(200, "application/json", &json!({}))
        } else {
            Reply::json(405, "application/json", &json!({})).with_header("Allow", "GET")
        }
    })
    .await;
    let config = RunConfig {
        seed: Some(1),
        cases: 0,
        concurrency: 16,
        timeout: Duration::from_secs(1),
        auth: conform::transport::auth::AuthSettings { token: Some(TOKEN.into()), ..Default::default() },
        ..RunConfig::default()
    };
    let started = Instant::now();
    let report = run(spec, Target::Url(server.url().parse().unwrap()), config, &NoProgress).await.unwrap();
    let took = started.elapsed();
    // One at a time: 16 operations x 2 probes x 1 s = 32 s at least.
    assert!(took < Duration::from_secs(16), "the run took {took:?}");
    let timeouts = report.findings.iter().filter(|f| f.check == CheckName::Transport).map(|f| f.count).sum::<usize>();
    assert_eq!(timeouts, 32, "every probe timed out: {:#?}", summary(&report));
    assert!(report.findings.iter().all(|f| f.check == CheckName::Transport), "{:#?}", summary(&report));
}

/// A server that falls over after its first error: every later request hangs. The failing
/// case was random, so conform shrinks it against a server that no longer answers: candidates
/// that time out do not reproduce the failure, so the shrinker gives up after a few and keeps
/// the case it had; the run stays bounded and the finding intact.
#[tokio::test]
async fn a_server_that_falls_over_mid_run_keeps_the_run_bounded() {
    let doc = json!({
        "openapi": "3.0.3", "info": {"title": "falls over", "version": "1"},
        "paths": {"/search": {"get": {
            "operationId": "search",
            "parameters": [{"name": "q", "in": "query", "schema": {"type": "string", "maxLength": 100}}],
            "responses": {"200": {"description": "ok", "content": {"application/json": {"schema": {"type": "object"}}}},
                          "400": {"description": "bad", "content": {"application/json": {"schema": {"type": "object"}}}}}
        }}}
    });
    let spec = Arc::new(Spec::from_value("falls-over.yaml", doc).unwrap());
    let fallen = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let state = fallen.clone();
    let server = TestServer::start(move |r| {
        if r.method != "GET" {
            return Reply::json(405, "application/json", &json!({})).with_header("Allow", "GET");
        }
        if state.load(std::sync::atomic::Ordering::SeqCst) {
            return Reply::Hang;
        }
        let q = r.query().into_iter().find(|(k, _)| k == "q").map(|(_, v)| v);
        match q {
            Some(q) if q.chars().count() > 100 => Reply::json(400, "application/json", &json!({})),
            Some(q) if (20..=80).contains(&q.chars().count()) => {
                state.store(true, std::sync::atomic::Ordering::SeqCst);
                Reply::json(500, "application/json", &json!({"error": "fell over"}))
            }
            _ => Reply::json(200, "application/json", &json!({})),
        }
    })
    .await;
    let config =
        RunConfig { seed: Some(4), cases: 10, concurrency: 4, timeout: Duration::from_secs(1), ..RunConfig::default() };
    let started = Instant::now();
    let report = run(spec, Target::Url(server.url().parse().unwrap()), config, &NoProgress).await.unwrap();
    let took = started.elapsed();
    let errors: Vec<_> = report.findings.iter().filter(|f| f.check == CheckName::NotAServerError).collect();
    assert_eq!(errors.len(), 1, "{:#?}", summary(&report));
    assert_eq!(errors[0].example.case.origin, conform::generate::CaseOrigin::Random, "the failing case was random");
    assert!(took < Duration::from_secs(20), "the run took {took:?} ({} requests)", report.stats.requests);
}

//! Every check against a small in-test server, both ways: a correct server gives no finding at
//! all, and each fault is caught by the check named for it.

use conform::check::CheckName;
use conform::engine::{RunConfig, Target, run};
use conform::model::RunReport;
use conform::model::events::NoProgress;
use conform::spec::Spec;
use conform::transport::auth::AuthSettings;
use conform_testkit::server::{Received, Reply, TestServer};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

const TOKEN: &str = "widget-token-123";

fn widgets() -> Arc<Spec> {
    let error = json!({"type": "object", "required": ["code"], "properties": {"code": {"type": "string"}}});
    let widget = json!({"type": "object", "required": ["id", "name"], "properties": {
        "id": {"type": "integer", "minimum": 0}, "name": {"type": "string", "maxLength": 20}
    }});
    let err = |d: &str| json!({"description": d, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}});
    let ok = json!({"description": "ok", "headers": {"X-Request-Id": {"required": true, "schema": {"type": "string", "pattern": "^req-[0-9]+$"}}},
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Widget"}}}});
    let params = json!([
        {"name": "id", "in": "path", "required": true, "schema": {"type": "string", "pattern": "^[0-9]{1,6}$"}},
        {"name": "envelope", "in": "query", "schema": {"type": "boolean"}}
    ]);
    Arc::new(
        Spec::from_value(
            "widgets.yaml",
            json!({
                "openapi": "3.0.3", "info": {"title": "widgets", "version": "1"},
                "security": [{"bearer": []}],
                "components": {
                    "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
                    "schemas": {"Widget": widget, "Error": error}
                },
                "paths": {"/widgets/{id}": {
                    "parameters": params,
                    "get": {"operationId": "getWidget", "responses": {"200": ok, "400": err("bad"), "401": err("who")}},
                    "patch": {
                        "operationId": "renameWidget",
                        "requestBody": {"required": true, "content": {"application/json": {"schema": {
                            "type": "object", "additionalProperties": false, "required": ["name"],
                            "properties": {"name": {"type": "string", "minLength": 1, "maxLength": 20}}
                        }}}},
                        "responses": {"200": ok, "400": err("bad"), "401": err("who")}
                    }
                }}
            }),
        )
        .expect("widgets spec"),
    )
}

/// One way to break the contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fault {
    None,
    ServerError,
    UndocumentedStatus,
    WrongContentType,
    WrongBody,
    MissingHeader,
    AcceptLongName,
    RejectValid,
    NoAuth,
    IgnoreEnvelope,
    AllowPut,
    Slow,
    DropConnection,
}

fn error(status: u16, code: &str) -> Reply {
    Reply::json(status, "application/json", &json!({"code": code}))
}

/// A correct widgets server, except for `fault`.
fn handle(fault: Fault, names: &Mutex<HashMap<String, String>>, counter: &Mutex<u64>, r: &Received) -> Reply {
    let authorized = r.header("authorization") == Some(&format!("Bearer {TOKEN}"));
    if !authorized && fault != Fault::NoAuth {
        return error(401, "UNAUTHORIZED");
    }
    let Some(id) = r.path().strip_prefix("/widgets/") else { return error(400, "NOT_FOUND") };
    if !matches!(r.method.as_str(), "GET" | "PATCH") {
        return if fault == Fault::AllowPut {
            Reply::empty(200)
        } else {
            error(405, "METHOD").with_header("Allow", "GET, PATCH")
        };
    }
    let envelope = match r.query().iter().find(|(k, _)| k == "envelope").map(|(_, v)| v.as_str()) {
        None | Some("false") => false,
        Some("true") => true,
        Some(_) => return error(400, "BAD_ENVELOPE"),
    };
    let wrap = |status: u16, body: Value, reply: Reply| {
        if envelope && fault != Fault::IgnoreEnvelope {
            let mut wrapped = Reply::json(200, "application/json", &json!({"status": status, "content": body}));
            if let Reply::Http { headers: h, .. } = &reply {
                for (k, v) in h.iter().filter(|(k, _)| k != "Content-Type") {
                    wrapped = wrapped.with_header(k, v);
                }
            }
            wrapped
        } else {
            reply
        }
    };
    if id.is_empty() || id.len() > 6 || !id.bytes().all(|b| b.is_ascii_digit()) {
        return wrap(400, json!({"code": "BAD_ID"}), error(400, "BAD_ID"));
    }
    if r.method == "PATCH" {
        let body = r.json();
        let name = body.as_ref().and_then(|b| b.get("name")).and_then(Value::as_str).map(str::to_owned);
        let only_name = body.as_ref().and_then(Value::as_object).is_some_and(|m| m.keys().all(|k| k == "name"));
        let valid_name =
            name.as_ref().is_some_and(|n| !n.is_empty() && (n.chars().count() <= 20 || fault == Fault::AcceptLongName));
        let json_type = r.header("content-type").is_some_and(|c| c.starts_with("application/json"));
        if !json_type || !only_name || !valid_name || fault == Fault::RejectValid {
            return wrap(400, json!({"code": "VALIDATION"}), error(400, "VALIDATION"));
        }
        if let Some(n) = name {
            names.lock().unwrap().insert(id.to_owned(), n);
        }
    }
    match fault {
        Fault::ServerError => return error(500, "OOPS"),
        Fault::DropConnection => return Reply::Close,
        Fault::Slow => std::thread::sleep(Duration::from_millis(300)),
        _ => {}
    }
    let name: String =
        names.lock().unwrap().get(id).cloned().unwrap_or_else(|| format!("widget-{id}")).chars().take(20).collect();
    let body = if fault == Fault::WrongBody {
        json!({"id": id, "name": name})
    } else {
        json!({"id": id.parse::<u64>().unwrap_or(0), "name": name})
    };
    let status = if fault == Fault::UndocumentedStatus { 203 } else { 200 };
    let content_type = if fault == Fault::WrongContentType { "text/plain" } else { "application/json" };
    let mut reply = Reply::json(status, content_type, &body);
    if fault != Fault::MissingHeader {
        let n = {
            let mut c = counter.lock().unwrap();
            *c += 1;
            *c
        };
        reply = reply.with_header("X-Request-Id", &format!("req-{n}"));
    }
    wrap(status, body, reply)
}

async fn server(fault: Fault) -> TestServer {
    let names = Mutex::new(HashMap::new());
    let counter = Mutex::new(0);
    TestServer::start(move |r| handle(fault, &names, &counter, r)).await
}

async fn run_against(server: &TestServer) -> RunReport {
    run_with_limit(server, Duration::from_secs(5)).await
}

/// `max_response_time` must stay quiet on a correct server even on a loaded CI machine, so the
/// limit is generous except where slowness is the fault.
async fn run_with_limit(server: &TestServer, limit: Duration) -> RunReport {
    let config = RunConfig {
        seed: Some(3),
        cases: 20,
        concurrency: 4,
        timeout: Duration::from_secs(2),
        max_response_time: Some(limit),
        params: vec![("id".into(), "42".into())],
        auth: AuthSettings { token: Some(TOKEN.into()), ..AuthSettings::default() },
        ..RunConfig::default()
    };
    run(widgets(), Target::Url(server.url().parse().unwrap()), config, &NoProgress).await.expect("the run starts")
}

fn checks(report: &RunReport) -> Vec<CheckName> {
    let mut c: Vec<CheckName> = report.findings.iter().map(|f| f.check).collect();
    c.dedup();
    c
}

#[tokio::test]
async fn a_correct_server_gives_no_finding() {
    let s = server(Fault::None).await;
    let report = run_against(&s).await;
    assert!(
        report.findings.is_empty(),
        "{:#?}",
        report.findings.iter().map(|f| (&f.check, &f.message)).collect::<Vec<_>>()
    );
    assert!(report.stats.requests > 50, "{} requests", report.stats.requests);
}

async fn caught(fault: Fault, check: CheckName) -> RunReport {
    let s = server(fault).await;
    let report = run_against(&s).await;
    assert!(checks(&report).contains(&check), "{fault:?} should fail {check}; got {:?}", checks(&report));
    report
}

#[tokio::test]
async fn not_a_server_error_fires() {
    caught(Fault::ServerError, CheckName::NotAServerError).await;
}

#[tokio::test]
async fn status_code_conformance_fires() {
    caught(Fault::UndocumentedStatus, CheckName::StatusCodeConformance).await;
}

#[tokio::test]
async fn content_type_conformance_fires() {
    caught(Fault::WrongContentType, CheckName::ContentTypeConformance).await;
}

#[tokio::test]
async fn response_schema_conformance_fires() {
    let report = caught(Fault::WrongBody, CheckName::ResponseSchemaConformance).await;
    let f = report.findings.iter().find(|f| f.check == CheckName::ResponseSchemaConformance).unwrap();
    assert!(f.message.contains("/id"), "{}", f.message);
}

#[tokio::test]
async fn response_headers_conformance_fires() {
    caught(Fault::MissingHeader, CheckName::ResponseHeadersConformance).await;
}

#[tokio::test]
async fn negative_data_rejection_fires() {
    let report = caught(Fault::AcceptLongName, CheckName::NegativeDataRejection).await;
    let f = report.findings.iter().find(|f| f.check == CheckName::NegativeDataRejection).unwrap();
    assert!(f.message.contains("maxLength"), "{}", f.message);
}

#[tokio::test]
async fn positive_data_acceptance_fires() {
    caught(Fault::RejectValid, CheckName::PositiveDataAcceptance).await;
}

#[tokio::test]
async fn ignored_auth_fires() {
    caught(Fault::NoAuth, CheckName::IgnoredAuth).await;
}

#[tokio::test]
async fn envelope_conformance_fires() {
    caught(Fault::IgnoreEnvelope, CheckName::EnvelopeConformance).await;
}

#[tokio::test]
async fn unsupported_method_fires() {
    caught(Fault::AllowPut, CheckName::UnsupportedMethod).await;
}

#[tokio::test]
async fn max_response_time_fires() {
    let s = server(Fault::Slow).await;
    let report = run_with_limit(&s, Duration::from_millis(150)).await;
    assert!(checks(&report).contains(&CheckName::MaxResponseTime), "{:?}", checks(&report));
}

#[tokio::test]
async fn transport_fires() {
    caught(Fault::DropConnection, CheckName::Transport).await;
}

/// Same seed, same faulty server: the same report, byte for byte (volatile parts redacted).
#[tokio::test]
async fn reports_are_stable_for_a_fixed_seed() {
    let render = |report: &RunReport| {
        let text = conform::report::terminal::render(report, conform::report::terminal::Style { color: false });
        let text = conform::report::snapshot::normalize(&text, &report.target);
        // Durations are the one thing a fixed seed cannot fix.
        text.lines()
            .map(|l| match l.find(" requests in ") {
                Some(i) => format!("{}{}", &l[..i], " requests in [DURATION]: ") + l.rsplit(": ").next().unwrap_or(""),
                None => l.to_owned(),
            })
            .collect::<Vec<_>>()
            .join("\n")
    };
    let first = {
        let s = server(Fault::AcceptLongName).await;
        render(&run_against(&s).await)
    };
    let second = {
        let s = server(Fault::AcceptLongName).await;
        render(&run_against(&s).await)
    };
    assert_eq!(first, second);
    assert!(!first.contains(TOKEN), "the token never appears");
    crate::support::snapshots().bind(|| insta::assert_snapshot!("run_widgets_accept_long_name", first));
}

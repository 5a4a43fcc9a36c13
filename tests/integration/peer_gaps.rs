//! Issue 19: the true breaks a peer tool found that conform missed, each against an in-test
//! server both ways: the correct server gives no finding, and the break is caught by the check
//! named for it.
//! 1. a 405 without `Allow`, and an `OPTIONS` answer whose `Allow` omits a documented method;
//! 2. values at edges the schema leaves open (int64 extremes, an empty array item, a very
//!    long string) crashing the server, and their 4xx refusal never an error;
//! 3. fields the server requires that the spec leaves optional (`undocumented_constraint`);
//! 4. a documented error (403, 404) answered with an undocumented media type.

use conform::check::{CheckName, Severity};
use conform::engine::{RunConfig, Target, run};
use conform::model::RunReport;
use conform::model::events::NoProgress;
use conform::spec::Spec;
use conform::transport::auth::AuthSettings;
use conform_testkit::server::{Received, Reply, TestServer};
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::Duration;

const TOKEN: &str = "pool-token-123";

fn error_response(description: &str) -> Value {
    json!({"description": description, "content": {"application/json": {"schema": {"type": "object"}}}})
}

/// Pools: a list with an unbounded `limit` and an array `state` filter, a create with an
/// optional-only body, and an item read and update behind a path id.
fn pools() -> Arc<Spec> {
    let pool = json!({"type": "object", "properties": {
        "name": {"type": "string"}, "slots": {"type": "integer"}
    }});
    let id =
        json!({"name": "id", "in": "path", "required": true, "schema": {"type": "string", "pattern": "^[0-9]{1,6}$"}});
    let ok = json!({"description": "ok", "content": {"application/json": {"schema": {"type": "object"}}}});
    let errors = |r: &mut serde_json::Map<String, Value>| {
        for (code, what) in [("400", "bad"), ("401", "who"), ("403", "forbidden"), ("404", "not found"), ("422", "bad")]
        {
            r.insert(code.into(), error_response(what));
        }
        // Problem details too, as connexion answers validation errors.
        r["400"]["content"]["application/problem+json"] = json!({"schema": {"type": "object"}});
    };
    let mut responses = serde_json::Map::new();
    responses.insert("200".into(), ok);
    errors(&mut responses);
    let responses = Value::Object(responses);
    Arc::new(
        Spec::from_value(
            "pools.yaml",
            json!({
                "openapi": "3.0.3", "info": {"title": "pools", "version": "1"},
                "security": [{"bearer": []}],
                "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
                "paths": {
                    "/pools": {
                        "get": {"operationId": "listPools", "parameters": [
                            {"name": "limit", "in": "query", "schema": {"type": "integer"}},
                            {"name": "state", "in": "query", "schema": {"type": "array", "items": {"type": "string"}}}
                        ], "responses": responses},
                        "post": {"operationId": "createPool",
                            "requestBody": {"required": true, "content": {"application/json": {"schema": pool}}},
                            "responses": responses}
                    },
                    "/pools/{id}": {
                        "parameters": [id],
                        "get": {"operationId": "getPool", "responses": responses},
                        "patch": {"operationId": "updatePool",
                            "requestBody": {"required": true, "content": {"application/json": {"schema": pool}}},
                            "responses": responses}
                    }
                }
            }),
        )
        .expect("pools spec"),
    )
}

/// One way to break the contract (or to refuse in a way that must stay quiet).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fault {
    None,
    /// 405 without `Allow`.
    NoAllow,
    /// `OPTIONS` offered, with an `Allow` that leaves out PATCH.
    OptionsIncomplete,
    /// 500 for a `limit` beyond int32 (an overflow).
    LimitOverflow,
    /// 500 for an empty `state` item.
    EmptyStateItem,
    /// 500 for a name longer than 255 characters (a varchar column).
    LongName,
    /// 400 for a `limit` or `slots` beyond int64 (a limit the spec does not declare).
    RefuseHuge,
    /// `name` required by the server in this shape, though optional in the spec.
    RequireName(Shape),
    /// 403 (wrong credentials) answered as text/html.
    HtmlForbidden,
    /// 404 (unknown id) answered as text/html.
    HtmlNotFound,
}

/// How a server says "name is required".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shape {
    Marshmallow,
    Pydantic,
    Connexion,
    /// A refusal for permission, which is no spec gap.
    Permission,
}

fn json_reply(status: u16, body: Value) -> Reply {
    Reply::json(status, "application/json", &body)
}

fn handle(fault: Fault, r: &Received) -> Reply {
    let bearer = r.header("authorization");
    if bearer.is_none() {
        return json_reply(401, json!({"detail": "Not authenticated"}));
    }
    if bearer != Some(&format!("Bearer {TOKEN}")) {
        return if fault == Fault::HtmlForbidden {
            Reply::Http {
                status: 403,
                headers: vec![("Content-Type".into(), "text/html".into())],
                body: b"<html><body>Forbidden</body></html>".to_vec(),
            }
        } else {
            json_reply(403, json!({"detail": "Forbidden"}))
        };
    }
    let path = r.path().to_owned();
    let item = path.strip_prefix("/pools/");
    let documented: &[&str] = if item.is_some() { &["GET", "PATCH"] } else { &["GET", "POST"] };
    if r.method == "OPTIONS" {
        return match fault {
            Fault::OptionsIncomplete => Reply::empty(204).with_header("Allow", "GET, OPTIONS"),
            _ => Reply::empty(204).with_header("Allow", &format!("{}, OPTIONS", documented.join(", "))),
        };
    }
    if !documented.contains(&r.method.as_str()) {
        let reply = json_reply(405, json!({"detail": "Method Not Allowed"}));
        return if fault == Fault::NoAllow { reply } else { reply.with_header("Allow", &documented.join(", ")) };
    }
    if let Some(id) = item {
        if id.is_empty() || id.len() > 6 || !id.bytes().all(|b| b.is_ascii_digit()) {
            return json_reply(400, json!({"detail": "bad id"}));
        }
        if id != "1" {
            return if fault == Fault::HtmlNotFound {
                Reply::Http {
                    status: 404,
                    headers: vec![("Content-Type".into(), "text/html".into())],
                    body: b"<html>Not Found</html>".to_vec(),
                }
            } else {
                json_reply(404, json!({"detail": "Pool not found"}))
            };
        }
    }
    let query = r.query();
    if r.method == "GET" && item.is_none() {
        if let Some((_, limit)) = query.iter().find(|(k, _)| k == "limit") {
            let Ok(n) = limit.parse::<i128>() else {
                return json_reply(400, json!({"detail": "limit: not an integer"}));
            };
            if fault == Fault::LimitOverflow && i32::try_from(n).is_err() {
                return json_reply(500, json!({"detail": "integer overflow"}));
            }
            if fault == Fault::RefuseHuge && i64::try_from(n).is_err() {
                return json_reply(400, json!({"detail": "limit: value too large"}));
            }
        }
        if fault == Fault::EmptyStateItem && query.iter().any(|(k, v)| k == "state" && v.is_empty()) {
            return json_reply(500, json!({"detail": "KeyError: ''"}));
        }
        return json_reply(200, json!({"pools": []}));
    }
    if r.method == "GET" {
        return json_reply(200, json!({"name": "p", "slots": 1}));
    }
    // POST /pools, PATCH /pools/1.
    if !r.header("content-type").is_some_and(|c| c.starts_with("application/json")) {
        return json_reply(415, json!({"detail": "unsupported media type"}));
    }
    let Some(body) = r.json().filter(Value::is_object) else {
        return json_reply(400, json!({"detail": "bad body"}));
    };
    if body.as_object().is_some_and(|m| m.keys().any(|k| k != "name" && k != "slots")) {
        return json_reply(400, json!({"detail": "unknown field"}));
    }
    if body.get("name").is_some_and(|n| !n.is_string()) || body.get("slots").is_some_and(|s| !s.is_i64() && !s.is_u64())
    {
        return json_reply(400, json!({"detail": "wrong type"}));
    }
    if fault == Fault::RefuseHuge && body.get("slots").is_some_and(|s| s.as_i64().is_none()) {
        return json_reply(400, json!({"detail": "slots: value too large"}));
    }
    if fault == Fault::LongName && body.get("name").and_then(Value::as_str).is_some_and(|n| n.chars().count() > 255) {
        return json_reply(500, json!({"detail": "value too long for type character varying(255)"}));
    }
    if let Fault::RequireName(shape) = fault
        && body.get("name").is_none()
    {
        return match shape {
            Shape::Marshmallow => json_reply(400, json!({"name": ["Missing data for required field."]})),
            Shape::Pydantic => json_reply(
                422,
                json!({"detail": [{"loc": ["body", "name"], "msg": "Field required", "type": "missing"}]}),
            ),
            Shape::Connexion => Reply::json(
                400,
                "application/problem+json",
                &json!({"type": "about:blank", "title": "Bad Request", "status": 400, "detail": "'name' is a required property"}),
            ),
            Shape::Permission => json_reply(403, json!({"detail": "You do not have permission to create a pool."})),
        };
    }
    json_reply(200, json!({"name": body.get("name").cloned().unwrap_or(json!("p")), "slots": 1}))
}

async fn run_against(fault: Fault, pinned: bool) -> RunReport {
    let server = TestServer::start(move |r| handle(fault, r)).await;
    let config = RunConfig {
        seed: Some(5),
        cases: 10,
        concurrency: 4,
        timeout: Duration::from_secs(5),
        params: if pinned { vec![("id".into(), "1".into())] } else { Vec::new() },
        auth: AuthSettings { token: Some(TOKEN.into()), ..AuthSettings::default() },
        max_string: 300,
        ..RunConfig::default()
    };
    run(pools(), Target::Url(server.url().parse().unwrap()), config, &NoProgress).await.expect("the run starts")
}

fn shown(report: &RunReport) -> Vec<(CheckName, String, String)> {
    report.findings.iter().map(|f| (f.check, f.operation.clone(), f.message.clone())).collect()
}

fn of(report: &RunReport, check: CheckName) -> Vec<&conform::model::Finding> {
    report.findings.iter().filter(|f| f.check == check).collect()
}

#[tokio::test]
async fn a_correct_server_gives_no_finding_pinned_or_not() {
    for pinned in [false, true] {
        let report = run_against(Fault::None, pinned).await;
        assert!(report.findings.is_empty(), "pinned {pinned}: {:#?}", shown(&report));
        assert!(!report.failed());
    }
}

/// Item 1: RFC 9110 §15.5.6 requires `Allow` on a 405; an `OPTIONS` answer's `Allow` must
/// list the documented methods.
#[tokio::test]
async fn a_405_without_allow_and_an_incomplete_options_allow_are_caught() {
    let report = run_against(Fault::NoAllow, true).await;
    let found = of(&report, CheckName::UnsupportedMethod);
    assert!(!found.is_empty() && found.iter().all(|f| f.signature == "405:allow_missing"), "{:#?}", shown(&report));
    assert!(found[0].message.contains("without an Allow header"), "{}", found[0].message);
    assert!(report.failed());

    let report = run_against(Fault::OptionsIncomplete, true).await;
    let found = of(&report, CheckName::UnsupportedMethod);
    assert!(found.iter().any(|f| f.signature == "OPTIONS:allow_incomplete"), "{:#?}", shown(&report));
    assert!(found.iter().any(|f| f.message.contains("leaves out documented PATCH")), "{:#?}", shown(&report));
}

/// Item 2: edges the schema leaves open are sent, and a 5xx on one is `not_a_server_error`,
/// with the edge in the finding.
#[tokio::test]
async fn edges_the_schema_leaves_open_find_crashes() {
    for (fault, what) in [
        (Fault::LimitOverflow, "limit = "),
        (Fault::EmptyStateItem, "state = [\"\"]"),
        (Fault::LongName, "name has 300 characters"),
    ] {
        let report = run_against(fault, false).await;
        let crashes = of(&report, CheckName::NotAServerError);
        assert!(!crashes.is_empty(), "{fault:?}: {:#?}", shown(&report));
        let case = &crashes[0].example.case;
        if fault == Fault::EmptyStateItem {
            // The maximal boundary request may send `state=` first; either way it is sent.
            assert!(case.request.query.iter().any(|(k, v)| k == "state" && v.is_empty()), "{:?}", case.request);
        } else {
            assert_eq!(case.origin, conform::generate::CaseOrigin::Edge, "{fault:?}");
            assert!(case.edge.as_deref().is_some_and(|e| e.contains(what)), "{fault:?}: {:?}", case.edge);
        }
    }
}

/// Item 2, the false alarm: a 4xx for a value beyond int64 is no failure. Without pins the
/// positive-acceptance rules do not apply and nothing is reported; where they apply it is an
/// `undocumented_constraint` warning naming the edge, never `positive_data_acceptance`.
#[tokio::test]
async fn refusing_an_open_edge_is_never_an_error() {
    let report = run_against(Fault::RefuseHuge, false).await;
    assert!(report.findings.is_empty(), "{:#?}", shown(&report));
    // Pinned: updatePool's path is real, so its refusal is a hint about the spec.
    let report = run_against(Fault::RefuseHuge, true).await;
    assert!(of(&report, CheckName::PositiveDataAcceptance).is_empty(), "{:#?}", shown(&report));
    let gaps = of(&report, CheckName::UndocumentedConstraint);
    assert_eq!(gaps.len(), 1, "{:#?}", shown(&report));
    assert_eq!((gaps[0].operation.as_str(), gaps[0].signature.as_str()), ("updatePool", "edge:slots"));
    assert!(gaps[0].message.contains("slots = 9223372036854775808 (beyond int64"), "{}", gaps[0].message);
    assert!(!report.failed(), "{:#?}", shown(&report));
}

/// Item 3: a schema-valid body refused because the server requires a field the spec leaves
/// optional, in three common shapes: a warning under `undocumented_constraint` with the field
/// and the server's words, and never a second finding as `positive_data_acceptance`.
#[tokio::test]
async fn fields_the_server_requires_are_spec_gaps_in_every_shape() {
    for (shape, words) in [
        (Shape::Marshmallow, "Missing data for required field."),
        (Shape::Pydantic, "Field required"),
        (Shape::Connexion, "'name' is a required property"),
    ] {
        let report = run_against(Fault::RequireName(shape), true).await;
        let gaps = of(&report, CheckName::UndocumentedConstraint);
        assert!(!gaps.is_empty(), "{shape:?}: {:#?}", shown(&report));
        for g in &gaps {
            assert_eq!(g.severity, Severity::Warning);
            assert_eq!(g.signature, "required:name", "{shape:?}");
            assert!(g.message.contains("requires name") && g.message.contains(words), "{shape:?}: {}", g.message);
        }
        let ops: Vec<&str> = gaps.iter().map(|g| g.operation.as_str()).collect();
        assert!(ops.contains(&"createPool") && ops.contains(&"updatePool"), "{shape:?}: {ops:?}");
        assert!(of(&report, CheckName::PositiveDataAcceptance).is_empty(), "{shape:?}: {:#?}", shown(&report));
        assert!(!report.failed(), "a warning fails nothing without --strict");
    }
    // Negative: a refusal for permission stays as before (403 is excused), no gap.
    let report = run_against(Fault::RequireName(Shape::Permission), true).await;
    assert!(report.findings.is_empty(), "{:#?}", shown(&report));
}

/// Item 4: every documented error status conform can provoke is provoked once per operation,
/// so that its media type is checked: a 403 for wrong credentials, and a 404 for an unknown id
/// even where the id is pinned to a real one.
#[tokio::test]
async fn documented_errors_are_provoked_and_their_media_type_checked() {
    let report = run_against(Fault::HtmlForbidden, true).await;
    let wrong = of(&report, CheckName::ContentTypeConformance);
    assert!(!wrong.is_empty() && wrong.iter().all(|f| f.signature == "403:text/html"), "{:#?}", shown(&report));
    assert_eq!(wrong.len(), 4, "every secured operation: {:#?}", shown(&report));

    let report = run_against(Fault::HtmlNotFound, true).await;
    let wrong = of(&report, CheckName::ContentTypeConformance);
    let ops: Vec<&str> = wrong.iter().map(|f| f.operation.as_str()).collect();
    assert!(wrong.iter().all(|f| f.signature == "404:text/html"), "{:#?}", shown(&report));
    assert_eq!(ops, ["getPool", "updatePool"], "{:#?}", shown(&report));
    assert!(
        of(&report, CheckName::PositiveDataAcceptance).is_empty(),
        "the probe's 404 is expected: {:#?}",
        shown(&report)
    );
}

//! Issue 12, item 7: form and multipart bodies, both ways. A small spec with a multipart
//! upload and an operation that takes JSON, form and multipart bodies runs clean against the
//! embedded mock; an in-test server that mishandles multipart is caught, and the finding's curl
//! line carries the parts as `-F`.

use conform::check::CheckName;
use conform::engine::{RunConfig, Target, run};
use conform::mock::{MockConfig, MockServer};
use conform::model::RunReport;
use conform::model::events::NoProgress;
use conform::multipart;
use conform::spec::Spec;
use conform::transport::auth::AuthSettings;
use conform_testkit::server::{Received, Reply, TestServer};
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::Duration;

const TOKEN: &str = "uploads-token-123";

fn uploads() -> Arc<Spec> {
    let note = json!({"type": "object", "required": ["title", "priority"], "properties": {
        "title": {"type": "string", "minLength": 1, "maxLength": 20},
        "priority": {"type": "integer", "minimum": 1, "maximum": 5},
        "done": {"type": "boolean"}}});
    let photo = json!({"type": "object", "required": ["file", "position"], "properties": {
        "file": {"type": "string", "format": "binary", "maxLength": 64},
        "position": {"type": "integer", "minimum": 1, "maximum": 999},
        "caption": {"type": "string", "maxLength": 40}}});
    let album = json!({"name": "albumId", "in": "path", "required": true, "schema": {"type": "integer", "minimum": 1}});
    let error = json!({"description": "bad", "content": {"application/json": {"schema": {"type": "object"}}}});
    let created =
        |schema: Value| json!({"description": "created", "content": {"application/json": {"schema": schema}}});
    Arc::new(
        Spec::from_value(
            "uploads.yaml",
            json!({
                "openapi": "3.0.3", "info": {"title": "uploads", "version": "1"},
                "security": [{"bearer": []}],
                "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
                "paths": {
                    "/albums/{albumId}/photos": {"parameters": [album.clone()], "post": {
                        "operationId": "uploadPhoto",
                        "requestBody": {"required": true, "content": {"multipart/form-data": {
                            "schema": photo, "encoding": {"file": {"contentType": "image/png"}}}}},
                        "responses": {"201": created(json!({"type": "object", "required": ["position"],
                            "properties": {"position": {"type": "integer"}}})), "400": error.clone(), "401": error.clone()}
                    }},
                    "/albums/{albumId}/notes": {"parameters": [album], "post": {
                        "operationId": "createNote",
                        "requestBody": {"required": true, "content": {
                            "application/json": {"schema": note},
                            "application/x-www-form-urlencoded": {"schema": note},
                            "multipart/form-data": {"schema": note}}},
                        "responses": {"201": created(json!({"type": "object", "required": ["title"],
                            "properties": {"title": {"type": "string"}}})), "400": error.clone(), "401": error}
                    }}
                }
            }),
        )
        .expect("uploads spec"),
    )
}

fn config() -> RunConfig {
    RunConfig {
        seed: Some(5),
        cases: 15,
        concurrency: 4,
        timeout: Duration::from_secs(2),
        max_response_time: Some(Duration::from_secs(5)),
        allow_mutations: true,
        auth: AuthSettings { token: Some(TOKEN.into()), ..AuthSettings::default() },
        // A pinned album: refusals of valid requests count against a real server.
        params: vec![("albumId".into(), "7".into())],
        ..RunConfig::default()
    }
}

fn show(report: &RunReport) -> Vec<(String, String)> {
    report.findings.iter().map(|f| (f.check.as_str().to_owned(), f.message.clone())).collect()
}

#[tokio::test]
async fn form_and_multipart_bodies_run_clean_against_the_mock() {
    let spec = uploads();
    let mock_config = MockConfig { token: Some(TOKEN.into()), seed: 5, ..MockConfig::default() };
    let mock = MockServer::start(spec.clone(), "127.0.0.1:0".parse().unwrap(), mock_config).await.unwrap();
    let report = run(spec, Target::Url(mock.url().parse().unwrap()), config(), &NoProgress).await.expect("runs");
    mock.shutdown().await;
    assert!(report.findings.is_empty(), "{:#?}", show(&report));
    assert_eq!(report.stats.operations, 2, "both operations tested");
    assert!(report.stats.requests > 30, "{} requests", report.stats.requests);
}

/// How the in-test server goes wrong with multipart bodies.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Mishandling {
    /// Reads the parts but never checks them: invalid multipart requests get 201.
    AcceptsAnything,
    /// Cannot read multipart at all: every multipart request gets 400.
    RejectsMultipart,
}

fn reply(status: u16, body: Value) -> Reply {
    Reply::json(status, "application/json", &body)
}

/// A notes-and-photos server that handles JSON and forms correctly and multipart as `how` says.
fn handle(how: Mishandling, r: &Received) -> Reply {
    if r.header("authorization") != Some(&format!("Bearer {TOKEN}")) {
        return reply(401, json!({"error": "who"}));
    }
    if r.method != "POST" {
        return reply(405, json!({"error": "method"})).with_header("Allow", "POST");
    }
    let content_type = r.header("content-type").unwrap_or("");
    // Fields as JSON: a JSON body as sent, form and multipart text typed as the schema says.
    let texts: Vec<(String, String)> = if content_type.starts_with("application/json") {
        match r.json() {
            Some(Value::Object(m)) => return judge(how, r.path(), false, &m),
            _ => return reply(400, json!({"error": "json"})),
        }
    } else if content_type.starts_with("application/x-www-form-urlencoded") {
        url::form_urlencoded::parse(&r.body).into_owned().collect()
    } else if content_type.starts_with("multipart/form-data") {
        if how == Mishandling::RejectsMultipart {
            return reply(400, json!({"error": "multipart bodies are not read here"}));
        }
        match multipart::parse(content_type, &r.body) {
            Ok(parts) => parts.into_iter().map(|p| (p.name, p.data)).collect(),
            Err(_) => return reply(400, json!({"error": "unreadable"})),
        }
    } else {
        return reply(415, json!({"error": "media type"}));
    };
    let mut fields = serde_json::Map::new();
    for (k, v) in texts {
        let typed = match k.as_str() {
            "priority" | "position" => v.parse::<i64>().map(Value::from).unwrap_or(Value::String(v)),
            "done" => match v.as_str() {
                "true" => Value::Bool(true),
                "false" => Value::Bool(false),
                _ => Value::String(v),
            },
            _ => Value::String(v),
        };
        fields.entry(k).or_insert(typed);
    }
    judge(how, r.path(), content_type.starts_with("multipart/"), &fields)
}

fn judge(how: Mishandling, path: &str, multipart: bool, fields: &serde_json::Map<String, Value>) -> Reply {
    let text = |name: &str, max: usize| fields.get(name).and_then(Value::as_str).filter(|t| t.chars().count() <= max);
    let int_in =
        |name: &str, lo: i64, hi: i64| fields.get(name).and_then(Value::as_i64).filter(|n| (lo..=hi).contains(n));
    let checked = !(multipart && how == Mishandling::AcceptsAnything);
    let Some((album, what)) = path.strip_prefix("/albums/").and_then(|rest| rest.split_once('/')) else {
        return reply(404, json!({"error": "where"}));
    };
    if album.parse::<u64>().map_or(true, |a| a < 1) {
        return reply(400, json!({"error": "album"}));
    }
    match what {
        "photos" => {
            let ok = fields.get("file").is_some_and(Value::is_string)
                && int_in("position", 1, 999).is_some()
                && fields.get("caption").is_none_or(|_| text("caption", 40).is_some());
            if checked && !ok {
                return reply(400, json!({"error": "invalid"}));
            }
            reply(201, json!({"position": int_in("position", 1, 999).unwrap_or(1)}))
        }
        "notes" => {
            let ok = text("title", 20).is_some_and(|t| !t.is_empty())
                && int_in("priority", 1, 5).is_some()
                && fields.get("done").is_none_or(Value::is_boolean);
            if checked && !ok {
                return reply(400, json!({"error": "invalid"}));
            }
            reply(201, json!({"title": text("title", 20).unwrap_or("t")}))
        }
        _ => reply(404, json!({"error": "where"})),
    }
}

async fn run_against(how: Mishandling) -> RunReport {
    let server = TestServer::start(move |r| handle(how, r)).await;
    run(uploads(), Target::Url(server.url().parse().unwrap()), config(), &NoProgress).await.expect("runs")
}

#[tokio::test]
async fn a_server_that_accepts_any_multipart_body_is_caught() {
    let report = run_against(Mishandling::AcceptsAnything).await;
    let found: Vec<_> = report.findings.iter().filter(|f| f.check == CheckName::NegativeDataRejection).collect();
    assert!(!found.is_empty(), "{:#?}", show(&report));
    // Every finding is about a multipart request, the only thing this server gets wrong.
    for f in &report.findings {
        let sent_type = f.example.sent.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case("content-type"));
        assert!(sent_type.is_some_and(|(_, v)| v.starts_with("multipart/form-data")), "{:?}: {}", f.check, f.message);
    }
    // The curl line carries the parts as -F, lets curl write the boundary, and no secret.
    let views = conform::report::view::findings(&report);
    let line = &views.iter().find(|v| v.check == "negative_data_rejection").unwrap().reproduce;
    assert!(line.contains(" -F '"), "{line}");
    assert!(!line.contains("boundary="), "{line}");
    assert!(!line.contains(TOKEN), "{line}");
}

#[tokio::test]
async fn a_server_that_cannot_read_multipart_is_caught() {
    let report = run_against(Mishandling::RejectsMultipart).await;
    let rejected: Vec<_> = report.findings.iter().filter(|f| f.check == CheckName::PositiveDataAcceptance).collect();
    assert!(!rejected.is_empty(), "{:#?}", show(&report));
    // Both operations: the upload and the multipart encoding of the note.
    let ops: std::collections::HashSet<&str> = rejected.iter().map(|f| f.operation.as_str()).collect();
    assert!(ops.contains("uploadPhoto") && ops.contains("createNote"), "{ops:?}");
}

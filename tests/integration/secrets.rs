//! Secrets never leave conform. In every auth mode, conform (the library and the real binary)
//! runs against a failing server that echoes the request's headers and the secrets themselves
//! into its bodies, headers, `Location` and error messages; then stdout, stderr, the JSON
//! report, the JUnit file and every snapshot file are searched for each secret (and the Basic
//! encoding of a username/password pair): none may appear.

use base64::Engine;
use conform::check::CheckName;
use conform::engine::{RunConfig, Target, run};
use conform::model::RunReport;
use conform::model::events::NoProgress;
use conform::spec::Spec;
use conform::transport::auth::{AuthMode, AuthSettings};
use conform_testkit::server::{Received, Reply, TestServer, verify_digest};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

const NONCE: &str = "echo-nonce";
const PUBLIC_KEY: &str = "pubkey-S3CRET-digest-user";
const PRIVATE_KEY: &str = "privkey-S3CRET-digest-pass";
const CLIENT_ID: &str = "client-S3CRET-oauth-id";
const CLIENT_SECRET: &str = "client-S3CRET-oauth-secret";
const TOKEN: &str = "bearer-S3CRET-token";
const USERNAME: &str = "basic-S3CRET-user";
const PASSWORD: &str = "basic-S3CRET-pass";
const API_KEY: &str = "apikey-S3CRET-header";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Digest,
    OAuth,
    Bearer,
    Basic,
    ApiKeyHeader,
}

fn basic(user: &str, pass: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(format!("{user}:{pass}"))
}

impl Mode {
    /// What the server knows and echoes, and what must never be printed.
    fn secrets(self) -> Vec<String> {
        let s: &[&str] = match self {
            Mode::Digest => &[PUBLIC_KEY, PRIVATE_KEY],
            Mode::OAuth => &[CLIENT_ID, CLIENT_SECRET],
            Mode::Bearer => &[TOKEN],
            Mode::Basic => &[USERNAME, PASSWORD],
            Mode::ApiKeyHeader => &[API_KEY],
        };
        let mut all: Vec<String> = s.iter().map(|s| s.to_string()).collect();
        if self == Mode::Basic {
            all.push(basic(USERNAME, PASSWORD));
        }
        all
    }

    fn settings(self) -> AuthSettings {
        let some = |s: &str| Some(s.to_owned());
        match self {
            Mode::Digest => AuthSettings {
                mode: Some(AuthMode::Digest),
                username: some(PUBLIC_KEY),
                password: some(PRIVATE_KEY),
                ..AuthSettings::default()
            },
            Mode::OAuth => AuthSettings {
                mode: Some(AuthMode::OAuth),
                client_id: some(CLIENT_ID),
                client_secret: some(CLIENT_SECRET),
                ..AuthSettings::default()
            },
            Mode::Bearer => AuthSettings { token: some(TOKEN), ..AuthSettings::default() },
            Mode::Basic => AuthSettings {
                mode: Some(AuthMode::Basic),
                username: some(USERNAME),
                password: some(PASSWORD),
                ..AuthSettings::default()
            },
            Mode::ApiKeyHeader => AuthSettings { mode: Some(AuthMode::None), ..AuthSettings::default() },
        }
    }

    /// The binary's environment and extra flags for the same credentials.
    fn cli(self) -> (Vec<(&'static str, &'static str)>, Vec<&'static str>) {
        match self {
            Mode::Digest => (
                vec![("MONGODB_ATLAS_PUBLIC_API_KEY", PUBLIC_KEY), ("MONGODB_ATLAS_PRIVATE_API_KEY", PRIVATE_KEY)],
                vec!["--auth", "digest"],
            ),
            Mode::OAuth => (
                vec![("MONGODB_ATLAS_CLIENT_ID", CLIENT_ID), ("MONGODB_ATLAS_CLIENT_SECRET", CLIENT_SECRET)],
                vec!["--auth", "oauth"],
            ),
            Mode::Bearer => (vec![("CONFORM_TOKEN", TOKEN)], vec![]),
            Mode::Basic => {
                (vec![("CONFORM_USERNAME", USERNAME), ("CONFORM_PASSWORD", PASSWORD)], vec!["--auth", "basic"])
            }
            Mode::ApiKeyHeader => (vec![], vec!["-H", "X-Api-Key: apikey-S3CRET-header"]),
        }
    }
}

fn spec_json(server: &str) -> Value {
    let item = json!({"type": "object", "required": ["id", "name"], "properties": {
        "id": {"type": "integer"}, "name": {"type": "string", "maxLength": 10}
    }});
    let ok = json!({"description": "ok", "content": {"application/json": {"schema": item}}});
    let err = json!({"description": "no", "content": {"application/json": {"schema": {"type": "object"}}}});
    json!({
        "openapi": "3.0.3", "info": {"title": "echo", "version": "1"},
        "components": {"securitySchemes": {
            "digest": {"type": "http", "scheme": "digest"},
            "basic": {"type": "http", "scheme": "basic"},
            "bearer": {"type": "http", "scheme": "bearer"},
            "oauth": {"type": "oauth2", "flows": {"clientCredentials": {"tokenUrl": format!("{server}/oauth/token"), "scopes": {}}}},
            "apiKey": {"type": "apiKey", "in": "header", "name": "X-Api-Key"}
        }},
        "security": [{"digest": []}, {"basic": []}, {"bearer": []}, {"oauth": []}, {"apiKey": []}],
        "paths": {"/items/{id}": {
            "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "integer", "minimum": 1}}],
            "get": {"operationId": "getItem", "responses": {"200": ok, "400": err, "401": err}},
            "patch": {
                "operationId": "renameItem",
                "requestBody": {"required": true, "content": {"application/json": {"schema": {
                    "type": "object", "additionalProperties": false, "required": ["name"],
                    "properties": {"name": {"type": "string", "maxLength": 10}}
                }}}},
                "responses": {"200": ok, "400": err, "401": err}
            }
        }}
    })
}

/// A server that fails every request and echoes everything it knows.
fn echo(mode: Mode, issued: &Mutex<Vec<String>>, r: &Received) -> Reply {
    let secrets = mode.secrets();
    if r.path() == "/oauth/token" {
        let mut issued = issued.lock().unwrap();
        let token = format!("oauth-access-S3CRET-{}", issued.len());
        issued.push(token.clone());
        return Reply::json(200, "application/json", &json!({"access_token": token, "expires_in": 3600}));
    }
    let authorization = r.header("authorization").unwrap_or("").to_owned();
    if mode == Mode::Digest && !authorization.starts_with("Digest ") {
        let challenge = format!(r#"Digest realm="echo {PUBLIC_KEY}", nonce="{NONCE}", qop="auth""#);
        return Reply::json(401, "application/json", &json!({"error": "who?"}))
            .with_header("WWW-Authenticate", &challenge);
    }
    if mode == Mode::Digest {
        assert!(
            verify_digest(&authorization, PRIVATE_KEY, NONCE, &r.method).is_some()
                || authorization.contains("conform-wrong")
        );
    }
    let headers: serde_json::Map<String, Value> =
        r.headers.iter().map(|(k, v)| (k.clone(), Value::String(v.clone()))).collect();
    let everything = format!("{} {}", secrets.join(" "), authorization);
    let location = format!("{}?echo={}&auth={}", r.target, secrets.join(","), authorization.replace(' ', "+"));
    let credentialed = !authorization.is_empty() || r.header("x-api-key").is_some();
    if r.method == "PATCH" {
        // A text error page: the raw (non-JSON) body path of the reports.
        let text = format!("<html>denied: {everything}; headers: {headers:?}</html>").into_bytes();
        return Reply::Http {
            status: 500,
            headers: vec![("Content-Type".into(), "text/html".into()), ("Location".into(), location)],
            body: text,
        };
    }
    let body = json!({
        "error": format!("invalid credentials {everything}"),
        "echo": headers,
        secrets[0].clone(): "a secret as a key",
    });
    let status = if credentialed { 500 } else { 200 };
    Reply::json(status, "application/json", &body)
        .with_header("Location", &location)
        .with_header("X-Debug", &everything)
        .with_header("Set-Cookie", &format!("session={}", secrets[0]))
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("conform-secrets-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Every file under `dir`, with its text.
fn files(dir: &Path) -> Vec<(PathBuf, String)> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(files(&path));
        } else {
            let text = String::from_utf8_lossy(&std::fs::read(&path).unwrap_or_default()).into_owned();
            out.push((path, text));
        }
    }
    out
}

fn assert_clean(mode: Mode, forbidden: &[String], outputs: &[(String, String)]) {
    for (place, text) in outputs {
        for secret in forbidden {
            assert!(!text.contains(secret.as_str()), "{mode:?}: {secret} leaked into {place}:\n{text}");
        }
    }
}

async fn library_run(mode: Mode, server: &TestServer, spec: Arc<Spec>) -> RunReport {
    let mut config =
        RunConfig { seed: Some(5), cases: 6, concurrency: 4, auth: mode.settings(), ..RunConfig::default() };
    if mode == Mode::ApiKeyHeader {
        config.headers = vec![("X-Api-Key".into(), API_KEY.into())];
    }
    run(spec, Target::Url(server.url().parse().unwrap()), config, &NoProgress).await.expect("the run starts")
}

async fn no_secret_leaks(mode: Mode) {
    let issued: Arc<Mutex<Vec<String>>> = Arc::default();
    let tokens = issued.clone();
    let server = TestServer::start(move |r| echo(mode, &tokens, r)).await;
    let dir = temp_dir(&format!("{mode:?}"));
    let spec_path = dir.join("echo.json");
    std::fs::write(&spec_path, serde_json::to_vec_pretty(&spec_json(&server.url())).unwrap()).unwrap();
    let spec = Arc::new(Spec::load(spec_path.to_str().unwrap()).unwrap());

    // The library, every renderer.
    let report = library_run(mode, &server, spec).await;
    assert!(report.findings.len() >= 2, "{mode:?}: findings to render: {:?}", report.findings);
    assert!(report.findings.iter().any(|f| f.check == CheckName::NotAServerError), "{mode:?}");
    let snapshots = dir.join("library-snapshots");
    conform::report::snapshot::write(&report, &snapshots).unwrap();
    let mut outputs = vec![
        (
            "terminal".to_owned(),
            conform::report::terminal::render(&report, conform::report::terminal::Style { color: false }),
        ),
        ("json".to_owned(), conform::report::json::render(&report)),
        ("junit".to_owned(), conform::report::junit::render(&report, &CheckName::ALL)),
    ];
    outputs.extend(files(&snapshots).into_iter().map(|(p, t)| (p.display().to_string(), t)));
    // `{:?}` of every public type that holds a secret: the report (with echoes in its bodies),
    // each finding's request, and the configuration the run started from.
    outputs.push(("debug report".to_owned(), format!("{report:?}")));
    outputs.push(("debug report (alternate)".to_owned(), format!("{report:#?}")));
    for finding in &report.findings {
        outputs.push(("debug sent".to_owned(), format!("{:?}", finding.example.sent)));
    }
    let mut config = RunConfig { auth: mode.settings(), ..RunConfig::default() };
    config.headers = vec![("X-Api-Key".into(), API_KEY.into()), ("X-Custom".into(), TOKEN.into())];
    config.params = vec![("Authorization".into(), format!("Bearer {TOKEN}"))];
    outputs.push(("debug config".to_owned(), format!("{config:?} {config:#?}")));
    let with_password: url::Url = format!("http://{USERNAME}:{PASSWORD}@127.0.0.1:1/").parse().unwrap();
    outputs.push(("debug target".to_owned(), format!("{:?}", Target::Url(with_password))));
    // The server saw them: the echo is real.
    let json = conform::report::json::render(&report);
    assert!(json.contains("[REDACTED]"), "{mode:?}: {json}");

    // The real binary.
    let (env, flags) = mode.cli();
    let out_dir = dir.join("cli");
    std::fs::create_dir_all(&out_dir).unwrap();
    let report_path = out_dir.join("report.json");
    let junit_path = out_dir.join("junit.xml");
    let snapshot_dir = out_dir.join("snapshots");
    let mut args: Vec<String> = vec![
        "run".into(),
        "--spec".into(),
        spec_path.display().to_string(),
        "--target".into(),
        server.url(),
        "--seed".into(),
        "5".into(),
        "--cases".into(),
        "6".into(),
        "--report".into(),
        report_path.display().to_string(),
        "--junit".into(),
        junit_path.display().to_string(),
        "--snapshot-dir".into(),
        snapshot_dir.display().to_string(),
    ];
    args.extend(flags.iter().map(|s| s.to_string()));
    for format in ["text", "json"] {
        let (args, env) = (args.clone(), env.clone());
        let out = tokio::task::spawn_blocking(move || {
            let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_conform"));
            command.args(&args).args(["--format", format]).env("NO_COLOR", "1");
            for var in [
                "CONFORM_TOKEN",
                "CONFORM_USERNAME",
                "CONFORM_PASSWORD",
                "MONGODB_ATLAS_PUBLIC_API_KEY",
                "MONGODB_ATLAS_PRIVATE_API_KEY",
                "MONGODB_ATLAS_CLIENT_ID",
                "MONGODB_ATLAS_CLIENT_SECRET",
            ] {
                command.env_remove(var);
            }
            command.envs(env);
            command.output().expect("the conform binary runs")
        })
        .await
        .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert_eq!(out.status.code(), Some(1), "{mode:?} {format}: {stderr}");
        assert!(stdout.contains("not_a_server_error"), "{mode:?} {format}: {stdout}");
        outputs.push((format!("stdout ({format})"), stdout));
        outputs.push((format!("stderr ({format})"), stderr));
    }
    for (path, text) in files(&out_dir) {
        outputs.push((path.display().to_string(), text));
    }
    assert!(outputs.iter().any(|(p, _)| p.ends_with(".snap.new")), "{mode:?}: snapshots were written");
    assert!(outputs.iter().any(|(p, _)| p.ends_with("junit.xml")));

    let mut forbidden = mode.secrets();
    // The configuration and target above carry these whatever the mode.
    forbidden.extend([API_KEY, TOKEN, PASSWORD].map(str::to_owned));
    forbidden.extend(issued.lock().unwrap().iter().cloned());
    if mode == Mode::OAuth {
        assert!(!issued.lock().unwrap().is_empty(), "tokens were issued");
    }
    assert_clean(mode, &forbidden, &outputs);
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn digest_keys_never_leak() {
    no_secret_leaks(Mode::Digest).await;
}

#[tokio::test]
async fn oauth_client_credentials_and_access_tokens_never_leak() {
    no_secret_leaks(Mode::OAuth).await;
}

#[tokio::test]
async fn bearer_tokens_never_leak() {
    no_secret_leaks(Mode::Bearer).await;
}

#[tokio::test]
async fn basic_credentials_and_their_encoding_never_leak() {
    no_secret_leaks(Mode::Basic).await;
}

#[tokio::test]
async fn credential_headers_given_with_h_never_leak() {
    no_secret_leaks(Mode::ApiKeyHeader).await;
}

/// A secret in the target URL's user information must not reach an error message.
#[test]
fn an_unreachable_target_error_does_not_show_url_credentials() {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let target = format!("http://user:{PASSWORD}@127.0.0.1:{port}/?api_key={API_KEY}");
    let out = crate::support::conform(&[
        "run",
        "--spec",
        "specs/atlas-maintenance-window.yaml",
        "--target",
        &target,
        "--timeout",
        "2",
    ]);
    let stderr = crate::support::stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.starts_with("error: cannot reach http://127.0.0.1:"), "{stderr}");
    assert!(!stderr.contains(PASSWORD) && !stderr.contains(API_KEY), "{stderr}");
}

/// A spec fetched from a URL with credentials in it (`user:password@`, `?token=`): they are
/// used for the fetch but never shown, neither in the report (its `spec` field, the terminal
/// header, JUnit's suite name) nor in a fetch error.
#[tokio::test]
async fn spec_url_credentials_never_show() {
    let spec_text = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let served = spec_text.clone();
    let server = TestServer::start(move |r| {
        if r.path() == "/spec.json" {
            let body = served.lock().unwrap().clone();
            Reply::Http { status: 200, headers: vec![("Content-Type".into(), "application/json".into())], body }
        } else {
            Reply::json(500, "application/json", &json!({"error": "down"}))
        }
    })
    .await;
    *spec_text.lock().unwrap() = serde_json::to_vec(&spec_json(&server.url())).unwrap();
    let dir = temp_dir("spec-url");
    let report_path = dir.join("report.json");
    let junit_path = dir.join("junit.xml");
    let with_credentials = server.url().replace("http://", &format!("http://user:{PASSWORD}@")) + "/spec.json";
    let spec_url = format!("{with_credentials}?token={TOKEN}");
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let unreachable = format!("http://user:{PASSWORD}@127.0.0.1:{closed}/spec.json?token={TOKEN}");
    let args: Vec<Vec<String>> = vec![
        vec![
            "run".into(),
            "--spec".into(),
            spec_url,
            "--target".into(),
            server.url(),
            "--seed".into(),
            "1".into(),
            "--cases".into(),
            "2".into(),
            "--no-snapshots".into(),
            "--report".into(),
            report_path.display().to_string(),
            "--junit".into(),
            junit_path.display().to_string(),
        ],
        vec!["lint".into(), "--spec".into(), unreachable],
    ];
    let mut outputs = Vec::new();
    for (n, args) in args.into_iter().enumerate() {
        let out = tokio::task::spawn_blocking(move || {
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            crate::support::conform(&args)
        })
        .await
        .unwrap();
        assert_eq!(out.status.code(), Some(if n == 0 { 1 } else { 2 }), "{}", crate::support::stderr(&out));
        outputs.push((format!("stdout {n}"), crate::support::stdout(&out)));
        outputs.push((format!("stderr {n}"), crate::support::stderr(&out)));
    }
    assert!(outputs[0].1.contains("/spec.json"), "the report names the spec: {}", outputs[0].1);
    assert!(
        outputs[3].1.starts_with("error: failed to load the spec: cannot fetch http://127.0.0.1:"),
        "{}",
        outputs[3].1
    );
    for (path, text) in files(&dir) {
        outputs.push((path.display().to_string(), text));
    }
    assert_clean(Mode::Bearer, &[PASSWORD.to_owned(), TOKEN.to_owned()], &outputs);
    let _ = std::fs::remove_dir_all(dir);
}

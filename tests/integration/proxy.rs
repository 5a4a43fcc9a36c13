//! `conform proxy`: a real HTTP client (reqwest) sends its traffic through the proxy to the
//! reference mock, with breaks seeded on both sides (the client's requests; the mock's faults),
//! through the library and through the binary. Every break must come out on its side, a clean
//! exchange must give nothing, and a 50 MB answer must pass through whole within the memory
//! bound.

use crate::support::{conform, repo, root, snapshots, stderr, stdout};
use conform::check::CheckName;
use conform::mock::{Fault, MockConfig, MockServer};
use conform::proxy::{FailOn, Proxy, ProxyConfig, fails};
use conform::spec::Spec;
use conform_testkit::server::{Reply, TestServer};
use std::io::{BufRead as _, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

const WINDOW: &str = "/api/atlas/v2/groups/5f4d1e2b3c4a5b6c7d8e9f01/maintenanceWindow";
const ATLAS: &str = "application/vnd.atlas.2023-01-01+json";
/// The client's credentials: forwarded, never shown.
const SECRET: &str = "proxy-client-secret-0123456789";

fn atlas() -> Arc<Spec> {
    Arc::new(Spec::load(&repo("specs/atlas-maintenance-window.yaml")).expect("the shipped spec loads"))
}

async fn mock(faults: Vec<Fault>) -> MockServer {
    let config = MockConfig { faults, ..MockConfig::default() };
    MockServer::start(atlas(), "127.0.0.1:0".parse().unwrap(), config).await.expect("the mock starts")
}

/// One request the client sends: method, path (with query), Content-Type, body.
type Send = (&'static str, String, Option<&'static str>, Option<&'static str>);

/// Every operation of the spec, called as the contract says.
fn clean_traffic() -> Vec<Send> {
    vec![
        ("GET", WINDOW.to_owned(), None, None),
        ("PATCH", WINDOW.to_owned(), Some(ATLAS), Some(r#"{"dayOfWeek": 3, "hourOfDay": 4}"#)),
        ("POST", format!("{WINDOW}/defer"), None, None),
        ("POST", format!("{WINDOW}/autoDefer"), None, None),
        ("DELETE", WINDOW.to_owned(), None, None),
        ("GET", format!("{WINDOW}?envelope=true"), None, None),
    ]
}

/// The client's breaks, one per request: a bad path parameter, a body out of range, a body of
/// an undocumented media type, a required body missing, an unknown path, an unknown method.
fn broken_traffic() -> Vec<Send> {
    vec![
        ("GET", "/api/atlas/v2/groups/not-a-group/maintenanceWindow".to_owned(), None, None),
        ("PATCH", WINDOW.to_owned(), Some(ATLAS), Some(r#"{"dayOfWeek": 9}"#)),
        ("PATCH", WINDOW.to_owned(), Some("text/plain"), Some("dayOfWeek=3")),
        ("PATCH", WINDOW.to_owned(), None, None),
        ("GET", "/api/atlas/v2/groups/5f4d1e2b3c4a5b6c7d8e9f01/nothing".to_owned(), None, None),
        ("PUT", WINDOW.to_owned(), Some(ATLAS), Some(r#"{"dayOfWeek": 3}"#)),
    ]
}

/// Sends each request through `base` with reqwest and reads each answer to its end; gives the
/// statuses.
async fn drive(base: &str, traffic: &[Send]) -> Vec<u16> {
    conform::tls::install_default_provider();
    let client = reqwest::Client::builder().timeout(Duration::from_secs(10)).build().unwrap();
    let mut statuses = Vec::new();
    for (method, path, content_type, body) in traffic {
        let method: reqwest::Method = method.parse().unwrap();
        let mut request = client
            .request(method, format!("{base}{path}"))
            .header("Accept", ATLAS)
            .header("Authorization", format!("Bearer {SECRET}"));
        if let Some(ct) = content_type {
            request = request.header("Content-Type", *ct);
        }
        if let Some(body) = body {
            request = request.body(*body);
        }
        let answer = request.send().await.expect("the proxy answers");
        statuses.push(answer.status().as_u16());
        let _ = answer.bytes().await.expect("the answer's body arrives");
    }
    statuses
}

/// The same traffic sent directly to the mock and through the proxy gets the same answers.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clean_traffic_passes_unchanged_and_reports_nothing() {
    let server = mock(Vec::new()).await;
    let direct = drive(&server.url(), &clean_traffic()).await;
    let proxy = Proxy::start(atlas(), server.url().parse().unwrap(), ProxyConfig::default()).await.unwrap();
    let through = drive(&proxy.url(), &clean_traffic()).await;
    assert_eq!(through, direct, "the proxy changes no answer");
    assert!(direct.iter().all(|s| (200..300).contains(s)), "{direct:?}");
    let report = proxy.finish().await;
    assert!(report.findings.is_empty(), "a clean exchange gives nothing: {:#?}", report.findings);
    assert_eq!(report.stats.requests, clean_traffic().len());
    assert_eq!(report.stats.operations, 5, "every operation was seen");
    assert!(!fails(&report, FailOn::Any));
    server.shutdown().await;
}

/// The sides of every finding of `report`, as (side, check, operation, signature), sorted.
fn sides(report: &conform::model::RunReport) -> Vec<(String, String, String, String)> {
    let mut out: Vec<(String, String, String, String)> = report
        .findings
        .iter()
        .map(|f| (f.check.side().to_owned(), f.check.to_string(), f.operation.clone(), f.signature.clone()))
        .collect();
    out.sort();
    out
}

fn expected_breaks() -> Vec<(String, String, String, String)> {
    let mut want: Vec<(String, String, String, String)> = [
        ("client", "request_parameters_conformance", "getGroupMaintenanceWindow", "path:groupId"),
        ("client", "request_schema_conformance", "updateGroupMaintenanceWindow", "body:dayOfWeek"),
        ("client", "request_content_type_conformance", "updateGroupMaintenanceWindow", "content_type:text/plain"),
        ("client", "request_content_type_conformance", "updateGroupMaintenanceWindow", "missing_body"),
        ("client", "unknown_operation", "GET /api/atlas/v2/groups/5f4d1e2b3c4a5b6c7d8e9f01/nothing", "path"),
        ("client", "unknown_operation", &format!("PUT {WINDOW}"), "method"),
        // wrong-type: the window's dayOfWeek comes as a string.
        (
            "server",
            "response_schema_conformance",
            "getGroupMaintenanceWindow",
            "200:/components/schemas/GroupMaintenanceWindow/properties/dayOfWeek/type",
        ),
    ]
    .iter()
    .map(|(a, b, c, d)| ((*a).to_owned(), (*b).to_owned(), (*c).to_owned(), (*d).to_owned()))
    .collect();
    want.sort();
    want
}

/// Breaks seeded on both sides: each is reported once, on its side, and the fail-on rule
/// counts the side asked for.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_seeded_break_is_reported_on_its_side() {
    let server = mock(vec![Fault::WrongType]).await;
    let proxy = Proxy::start(atlas(), server.url().parse().unwrap(), ProxyConfig::default()).await.unwrap();
    let mut traffic = broken_traffic();
    traffic.push(("GET", WINDOW.to_owned(), None, None));
    let statuses = drive(&proxy.url(), &traffic).await;
    assert_eq!(statuses[..4], [400, 400, 415, 400], "the mock's answers come back as they are");
    let report = proxy.finish().await;
    assert_eq!(sides(&report), expected_breaks(), "{:#?}", report.findings);
    assert!(fails(&report, FailOn::Client) && fails(&report, FailOn::Server));
    let json = conform::report::json::value(&report);
    let side_of = |check: &str| {
        json["failures"].as_array().unwrap().iter().find(|f| f["check"] == check).map(|f| f["side"].clone())
    };
    assert_eq!(side_of("request_schema_conformance"), Some(serde_json::json!("client")));
    assert_eq!(side_of("response_schema_conformance"), Some(serde_json::json!("server")));
    let text = conform::report::terminal::render(&report, conform::report::terminal::Style { color: false });
    for shown in [json.to_string(), text] {
        assert!(!shown.contains(SECRET), "the client's credentials are redacted");
    }
    server.shutdown().await;
}

/// A running `conform proxy` process, killed if a test fails before it ends.
struct ProxyProcess {
    child: Child,
    url: String,
}

impl Drop for ProxyProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn spawn_proxy(args: &[&str]) -> ProxyProcess {
    let mut child = Command::new(env!("CARGO_BIN_EXE_conform"))
        .arg("proxy")
        .args(args)
        .current_dir(root())
        .env("NO_COLOR", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the conform binary runs");
    let mut line = String::new();
    BufReader::new(child.stdout.as_mut().expect("stdout is piped")).read_line(&mut line).expect("a first line");
    let url = line.trim().strip_prefix("listening on ").unwrap_or_else(|| panic!("first line: {line:?}")).to_owned();
    ProxyProcess { child, url }
}

/// Peak resident memory of a process, in kB (Linux's VmHWM).
fn peak_rss_kb(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Stops the process as Ctrl-C does and collects its exit code, stdout (after the first line)
/// and stderr; at most 20 s.
fn interrupt(mut p: ProxyProcess) -> (Option<i32>, String, String) {
    let pid = p.child.id().to_string();
    let _ = Command::new("kill").args(["-INT", &pid]).status();
    let started = Instant::now();
    let code = loop {
        if let Ok(Some(status)) = p.child.try_wait() {
            break status.code();
        }
        assert!(started.elapsed() < Duration::from_secs(20), "the proxy did not stop on SIGINT");
        std::thread::sleep(Duration::from_millis(20));
    };
    let mut out = String::new();
    let mut err = String::new();
    use std::io::Read as _;
    let _ = p.child.stdout.take().map(|mut s| s.read_to_string(&mut out));
    let _ = p.child.stderr.take().map(|mut s| s.read_to_string(&mut err));
    (code, out, err)
}

/// Ports and durations vary from run to run.
fn stable(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("127.0.0.1:") {
        out.push_str(&rest[..at]);
        out.push_str("[TARGET]");
        rest = rest[at + "127.0.0.1:".len()..].trim_start_matches(|c: char| c.is_ascii_digit());
    }
    out.push_str(rest);
    out.lines()
        .map(|line| match (line.find(" in "), line.find(" s:")) {
            (Some(a), Some(b)) if a < b => format!("{} in [DURATION]{}", &line[..a], &line[b..]),
            _ => line.to_owned(),
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The binary: `--target mock` with a seeded fault, the client's breaks, Ctrl-C; the terminal
/// report (snapshotted), the JSON report's sides, and the exit codes of `--fail-on`.
#[test]
fn the_binary_reports_both_sides_and_exits_by_fail_on() {
    let dir = std::env::temp_dir().join(format!("conform-proxy-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let json_path = dir.join("report.json");
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let mut traffic = broken_traffic();
    traffic.push(("GET", WINDOW.to_owned(), None, None));
    let mut text = String::new();
    for (fail_on, faults, want) in
        [("any", true, 1), ("client", false, 1), ("server", false, 0), ("server", true, 1), ("any", false, 1)]
    {
        let mut args = vec!["--spec", "specs/atlas-maintenance-window.yaml", "--target", "mock", "--no-snapshots"];
        args.extend(["--fail-on", fail_on, "--report", json_path.to_str().unwrap()]);
        if faults {
            args.extend(["--mock-fault", "wrong-type"]);
        }
        let proxy = spawn_proxy(&args);
        let base = proxy.url.clone();
        let statuses = runtime.block_on(drive(&base, &traffic));
        assert_eq!(statuses.len(), traffic.len());
        let (code, out, err) = interrupt(proxy);
        assert_eq!(code, Some(want), "--fail-on {fail_on} (fault: {faults}): {out}\n{err}");
        let written = std::fs::read_to_string(&json_path).unwrap();
        assert!(!out.contains(SECRET) && !err.contains(SECRET) && !written.contains(SECRET), "secrets are redacted");
        let report: serde_json::Value = serde_json::from_str(&written).unwrap();
        let mut seen: Vec<(String, String)> = report["failures"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| (f["side"].as_str().unwrap().to_owned(), f["check"].as_str().unwrap().to_owned()))
            .collect();
        seen.sort();
        seen.dedup();
        let server_side = seen.iter().any(|(side, _)| side == "server");
        assert_eq!(server_side, faults, "{seen:?}");
        assert!(seen.contains(&("client".to_owned(), "request_schema_conformance".to_owned())), "{seen:?}");
        if fail_on == "any" && faults {
            text = out;
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    snapshots().bind(|| insta::assert_snapshot!("proxy_both_sides_text", stable(&text)));
}

/// FNV-1a over a stream, for a checksum the client computes without holding the body.
fn fnv(hash: u64, bytes: &[u8]) -> u64 {
    bytes.iter().fold(hash, |h, b| (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3))
}

/// A 50 MB answer goes through the binary whole (byte count and checksum on the client side)
/// while the proxy keeps at most `--max-body` of it; it is judged as `run` judges an over-cap
/// body (a `transport` finding); the proxy's peak RSS stays under the bound.
#[test]
fn a_50_mb_answer_passes_whole_within_the_memory_bound() {
    const SIZE: usize = 50 * 1024 * 1024;
    let body: Arc<Vec<u8>> = Arc::new((0..SIZE).map(|i| (i.wrapping_mul(31) ^ (i >> 13)) as u8).collect());
    let want = (body.len(), fnv(0xcbf2_9ce4_8422_2325, &body));
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let server = runtime.block_on(TestServer::start({
        let body = body.clone();
        move |_| Reply::Http {
            status: 200,
            headers: vec![("Content-Type".into(), ATLAS.into())],
            body: body.as_ref().clone(),
        }
    }));
    let proxy = spawn_proxy(&[
        "--spec",
        "specs/atlas-maintenance-window.yaml",
        "--target",
        &server.url(),
        "--no-snapshots",
        "--format",
        "json",
    ]);
    let base = proxy.url.clone();
    let got = runtime.block_on(async move {
        conform::tls::install_default_provider();
        let mut answer = reqwest::get(format!("{base}{WINDOW}")).await.expect("the proxy answers");
        let (mut len, mut hash) = (0usize, 0xcbf2_9ce4_8422_2325u64);
        while let Some(chunk) = answer.chunk().await.expect("the body streams") {
            len += chunk.len();
            hash = fnv(hash, &chunk);
        }
        (len, hash)
    });
    assert_eq!(got, want, "the 50 MB answer arrives whole and unchanged");
    let peak = peak_rss_kb(proxy.child.id()).expect("VmHWM is readable");
    println!("conform proxy peak RSS with a 50 MB answer: {} MB", peak / 1024);
    assert!(peak < 100 * 1024, "peak RSS {peak} kB");
    let (code, out, _) = interrupt(proxy);
    assert_eq!(code, Some(1));
    let report: serde_json::Value = serde_json::from_str(&out).expect("--format json");
    let failures = report["failures"].as_array().unwrap();
    assert_eq!(failures.len(), 1, "{failures:#?}");
    assert_eq!(failures[0]["check"], CheckName::Transport.as_str());
    assert!(failures[0]["message"].as_str().unwrap().contains("larger than 10485760 bytes"), "{failures:#?}");
}

/// `--duration` ends the proxy by itself; with no traffic there is nothing to fail (exit 0),
/// and an unreachable target or an https one is exit 2 before it listens.
#[test]
fn duration_ends_it_and_bad_targets_are_exit_2() {
    let started = Instant::now();
    let out =
        conform(&["proxy", "--spec", "specs/atlas-maintenance-window.yaml", "--target", "mock", "--duration", "0.5"]);
    assert_eq!(out.status.code(), Some(0), "{}{}", stdout(&out), stderr(&out));
    assert!(stdout(&out).starts_with("listening on http://127.0.0.1:"), "{}", stdout(&out));
    assert!(started.elapsed() < Duration::from_secs(15));
    for target in ["https://127.0.0.1:1", "http://127.0.0.1:1"] {
        let out = conform(&["proxy", "--spec", "specs/atlas-maintenance-window.yaml", "--target", target]);
        assert_eq!(out.status.code(), Some(2), "{target}: {}", stderr(&out));
        assert!(stdout(&out).is_empty(), "nothing listens: {}", stdout(&out));
        assert!(stderr(&out).starts_with("error: "), "{}", stderr(&out));
    }
}

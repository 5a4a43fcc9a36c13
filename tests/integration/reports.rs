//! Report files through the real binary: the JSON report's fixed fields, JUnit test cases per
//! operation x check, and the snapshot baseline (new findings exit 1, accepted ones exit 0).

use crate::support::{stderr, stdout};
use conform::mock::{Fault, MockConfig, MockServer};
use conform::spec::Spec;
use std::process::{Command, Output};
use std::sync::Arc;

const SPEC: &str = "specs/atlas-maintenance-window.yaml";

/// A mock with `faults` on its own runtime (the binary runs outside it).
fn mock(faults: Vec<Fault>) -> (tokio::runtime::Runtime, MockServer) {
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap();
    let spec = Arc::new(Spec::load(&crate::support::repo(SPEC)).unwrap());
    let server = runtime
        .block_on(MockServer::start(
            spec,
            "127.0.0.1:0".parse().unwrap(),
            MockConfig { faults, ..MockConfig::default() },
        ))
        .unwrap();
    (runtime, server)
}

fn run(target: &str, extra: &[&str]) -> Output {
    let mut args = vec!["run", "--spec", SPEC, "--target", target, "--seed", "4", "--cases", "10"];
    args.extend_from_slice(extra);
    Command::new(env!("CARGO_BIN_EXE_conform"))
        .args(&args)
        .current_dir(crate::support::root())
        .env("NO_COLOR", "1")
        .output()
        .unwrap()
}

#[test]
fn json_and_junit_reports_carry_the_findings() {
    let (runtime, server) = mock(vec![Fault::AcceptBadDayOfWeek]);
    let dir = tempdir("reports");
    let (json, junit) = (dir.join("report.json"), dir.join("junit.xml"));
    let out =
        run(&server.url(), &["--report", json.to_str().unwrap(), "--junit", junit.to_str().unwrap(), "--no-snapshots"]);
    assert_eq!(out.status.code(), Some(1), "{}{}", stdout(&out), stderr(&out));
    let report: serde_json::Value = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
    for key in ["conform_version", "spec", "target", "seed", "stats", "operations", "failures"] {
        assert!(report.get(key).is_some(), "{key} missing");
    }
    assert_eq!(report["seed"], 4);
    for key in ["operations", "requests", "duration_ms", "failures", "skipped_operations"] {
        assert!(report["stats"].get(key).is_some(), "stats.{key} missing");
    }
    let failure = report["failures"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["check"] == "negative_data_rejection")
        .expect("the fault is reported");
    assert_eq!(failure["operation"], "updateGroupMaintenanceWindow");
    for key in ["message", "request", "response", "reproduce", "seed"] {
        assert!(failure.get(key).is_some(), "failures[].{key} missing");
    }
    assert!(failure["message"].as_str().unwrap().contains("dayOfWeek"), "{}", failure["message"]);
    assert_eq!(failure["request"]["method"], "PATCH");
    assert!(failure["reproduce"].as_str().unwrap().starts_with("curl "));

    let xml = std::fs::read_to_string(&junit).unwrap();
    assert!(xml.contains(r#"<testcase name="updateGroupMaintenanceWindow::negative_data_rejection""#), "{xml}");
    assert!(xml.contains(r#"<testcase name="getGroupMaintenanceWindow::not_a_server_error""#));
    // One failing test case per (operation, check) pair that has findings.
    let failing = xml.split("<testcase ").filter(|t| t.contains("<failure")).count();
    let mut pairs: Vec<(String, String)> = report["failures"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["operation"].to_string(), f["check"].to_string()))
        .collect();
    pairs.sort();
    pairs.dedup();
    assert_eq!(failing, pairs.len(), "{xml}");
    // Only checks that judged an exchange are listed: no limit was set, so `max_response_time`
    // never ran; and every check with a finding on an operation is among that operation's checks.
    assert!(!xml.contains("::max_response_time"), "{xml}");
    assert!(xml.contains("::transport"), "{xml}");
    for op in report["operations"].as_array().unwrap() {
        let checks: Vec<&str> = op["checks"].as_array().unwrap().iter().map(|c| c.as_str().unwrap()).collect();
        assert!(!checks.contains(&"max_response_time"), "{op}");
        assert!(checks.contains(&"not_a_server_error"), "{op}");
        for (name, _) in op["by_check"].as_object().unwrap() {
            assert!(checks.contains(&name.as_str()), "{name} found but not listed as run: {op}");
        }
    }
    let listed = xml.matches("<testcase ").count();
    let expected: usize =
        report["operations"].as_array().unwrap().iter().map(|o| o["checks"].as_array().unwrap().len()).sum::<usize>()
            + report["skipped_operations"].as_array().unwrap().len();
    assert_eq!(listed, expected, "{xml}");
    runtime.block_on(server.shutdown());
}

/// Runs the binary once against a fresh mock (the same seed against the same server state gives
/// the same findings; a mock that kept the previous run's writes would answer differently).
fn run_fresh(faults: Vec<Fault>, args: &[&str]) -> Output {
    let (runtime, server) = mock(faults);
    let out = run(&server.url(), args);
    runtime.block_on(server.shutdown());
    out
}

#[test]
fn committed_snapshots_are_the_baseline() {
    let dir = tempdir("baseline");
    let snapshots = dir.join("snaps");
    let args = ["--snapshot-dir", snapshots.to_str().unwrap()];
    // First run: every finding is new.
    let first = run_fresh(vec![Fault::AcceptBadHourOfDay], &args);
    assert_eq!(first.status.code(), Some(1), "{}", stderr(&first));
    let pending: Vec<_> = std::fs::read_dir(&snapshots).unwrap().map(|e| e.unwrap().path()).collect();
    assert!(!pending.is_empty() && pending.iter().all(|p| p.to_string_lossy().ends_with(".snap.new")), "{pending:?}");
    // Accept them (what `cargo insta review` does), run again: known findings only.
    for p in &pending {
        std::fs::rename(p, p.with_extension("")).unwrap();
    }
    let second = run_fresh(vec![Fault::AcceptBadHourOfDay], &args);
    assert_eq!(second.status.code(), Some(0), "{}", stderr(&second));
    assert!(stderr(&second).contains("accepted baseline"), "{}", stderr(&second));
    // A new fault is a new finding: exit 1 again.
    let third = run_fresh(vec![Fault::AcceptBadHourOfDay, Fault::ServerError], &args);
    assert_eq!(third.status.code(), Some(1), "{}", stderr(&third));
    assert!(stderr(&third).contains("changed findings written as"), "{}", stderr(&third));
    let _ = std::fs::remove_dir_all(dir);
}

fn tempdir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("conform-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

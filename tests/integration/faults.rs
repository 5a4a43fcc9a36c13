//! Every seeded fault of the reference mock is caught: conform runs (as a library call) against
//! the embedded mock with that one fault and a fixed seed, must fail with the check the fault
//! names (`Fault::check`) on the operation where the fault shows, and the failure report is
//! committed as an insta snapshot (`snapshots/fault_<name>.snap`).
//!
//! The snapshot is the terminal report without colour, with the target, ports, times and
//! durations redacted. Each test runs twice and compares the two renderings before
//! snapshotting, so a snapshot that could flicker fails here first. Runs are narrowed to one
//! operation, a few random cases and one connection (faults that fire on one request in 3 pick
//! it by the request's content, so they fire on the same requests every time), so the module
//! takes seconds.

use conform::check::CheckName;
use conform::engine::{RunConfig, Target, run};
use conform::mock::Fault;
use conform::model::RunReport;
use conform::model::events::NoProgress;
use conform::report::snapshot::normalize;
use conform::report::terminal::{Style, render};
use conform::spec::Spec;
use serde_json::json;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

const SEED: u64 = 1;

fn atlas() -> Arc<Spec> {
    static SPEC: OnceLock<Arc<Spec>> = OnceLock::new();
    SPEC.get_or_init(|| {
        Arc::new(
            Spec::load(&crate::support::repo("specs/atlas-maintenance-window.yaml")).expect("the Atlas spec loads"),
        )
    })
    .clone()
}

fn cloud_manager() -> Arc<Spec> {
    static SPEC: OnceLock<Arc<Spec>> = OnceLock::new();
    SPEC.get_or_init(|| {
        Arc::new(
            Spec::load(&crate::support::repo("specs/cloud-manager-maintenance-windows.yaml"))
                .expect("the Cloud Manager spec loads"),
        )
    })
    .clone()
}

/// The shipped specs declare no required response header: a small spec that does.
fn rate_limited() -> Arc<Spec> {
    let doc = json!({
        "openapi": "3.0.3",
        "info": {"title": "rate-limited things", "version": "1"},
        "paths": {"/things": {"get": {
            "operationId": "listThings",
            "parameters": [{"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 50}}],
            "responses": {
                "200": {
                    "description": "the things",
                    "headers": {"X-Rate-Limit-Remaining": {"required": true, "schema": {"type": "integer", "minimum": 0}}},
                    "content": {"application/json": {"schema": {"type": "array", "items": {"type": "string"}}}}
                },
                "400": {"description": "bad request", "content": {"application/json": {"schema": {"type": "object"}}}}
            }
        }}}
    });
    Arc::new(Spec::from_value("rate-limited.yaml", doc).expect("the inline spec loads"))
}

/// One fault's run: which spec, which operations, and the operation the finding must name.
struct Scenario {
    fault: Fault,
    spec: Arc<Spec>,
    /// Operations to run (empty: all of them).
    operations: Vec<&'static str>,
    /// The operation the fault's check must fail on.
    expected: &'static str,
    concurrency: usize,
    max_response_time: Option<Duration>,
}

impl Scenario {
    fn new(fault: Fault, spec: Arc<Spec>, operation: &'static str) -> Scenario {
        Scenario {
            fault,
            spec,
            operations: vec![operation],
            expected: operation,
            concurrency: 1,
            max_response_time: None,
        }
    }

    fn atlas(fault: Fault, operation: &'static str) -> Scenario {
        Scenario::new(fault, atlas(), operation)
    }

    async fn run(&self) -> RunReport {
        let config = RunConfig {
            seed: Some(SEED),
            cases: 2,
            concurrency: self.concurrency,
            timeout: Duration::from_secs(5),
            operations: self.operations.iter().map(|s| (*s).to_owned()).collect(),
            max_response_time: self.max_response_time,
            ..RunConfig::default()
        };
        run(self.spec.clone(), Target::Embedded { faults: vec![self.fault] }, config, &NoProgress)
            .await
            .expect("the run starts")
    }

    /// Runs twice, checks the fault was caught where expected, checks both reports render the
    /// same, and snapshots the rendering.
    async fn assert_caught(&self) {
        let first = self.run().await;
        let findings: Vec<(CheckName, &str, &str)> =
            first.findings.iter().map(|f| (f.check, f.operation.as_str(), f.message.as_str())).collect();
        assert!(first.failed(), "{}: the run passed", self.fault);
        assert!(first.internal_errors.is_empty(), "{:?}", first.internal_errors);
        assert!(
            first.findings.iter().any(|f| f.check.as_str() == self.fault.check() && f.operation == self.expected),
            "{} must fail {} on {}; findings: {findings:#?}",
            self.fault,
            self.fault.check(),
            self.expected
        );
        let text = stable_text(&first);
        let second = stable_text(&self.run().await);
        assert_eq!(text, second, "{}: the same seed gave another report", self.fault);
        let name = format!("fault_{}", self.fault.name().replace('-', "_"));
        crate::support::snapshots().bind(|| insta::assert_snapshot!(name, text));
    }
}

/// The terminal report, without what a fixed seed cannot fix: target and ports, timestamps,
/// server-made ids (all by `normalize`), durations, and the checkout's absolute path.
fn stable_text(report: &RunReport) -> String {
    let text = render(report, Style { color: false });
    let text = normalize(&text, &report.target).replace(&format!("{}/", crate::support::root()), "");
    text.lines().map(redact_durations).collect::<Vec<_>>().join("\n")
}

/// `… requests in 0.57 s: …` and `answered in 251 ms` vary from run to run.
fn redact_durations(line: &str) -> String {
    let mut out = line.to_owned();
    for (before, after) in [(" requests in ", " s: "), ("answered in ", " ms")] {
        if let Some(start) = out.find(before).map(|i| i + before.len())
            && let Some(len) = out[start..].find(after)
            && out[start..start + len].bytes().all(|b| b.is_ascii_digit() || b == b'.')
        {
            out.replace_range(start..start + len, "[DURATION]");
        }
    }
    out
}

#[tokio::test]
async fn wrong_type_is_caught() {
    Scenario::atlas(Fault::WrongType, "getGroupMaintenanceWindow").assert_caught().await;
}

#[tokio::test]
async fn missing_required_field_is_caught() {
    Scenario::atlas(Fault::MissingRequiredField, "getGroupMaintenanceWindow").assert_caught().await;
}

#[tokio::test]
async fn out_of_range_is_caught() {
    Scenario::atlas(Fault::OutOfRange, "getGroupMaintenanceWindow").assert_caught().await;
}

#[tokio::test]
async fn error_without_code_is_caught() {
    Scenario::atlas(Fault::ErrorWithoutCode, "updateGroupMaintenanceWindow").assert_caught().await;
}

#[tokio::test]
async fn undocumented_status_is_caught() {
    Scenario::atlas(Fault::UndocumentedStatus, "getGroupMaintenanceWindow").assert_caught().await;
}

#[tokio::test]
async fn wrong_content_type_is_caught() {
    Scenario::atlas(Fault::WrongContentType, "getGroupMaintenanceWindow").assert_caught().await;
}

#[tokio::test]
async fn missing_required_header_is_caught() {
    Scenario::new(Fault::MissingRequiredHeader, rate_limited(), "listThings").assert_caught().await;
}

#[tokio::test]
async fn accept_bad_day_of_week_is_caught() {
    Scenario::atlas(Fault::AcceptBadDayOfWeek, "updateGroupMaintenanceWindow").assert_caught().await;
}

#[tokio::test]
async fn accept_bad_hour_of_day_is_caught() {
    Scenario::atlas(Fault::AcceptBadHourOfDay, "updateGroupMaintenanceWindow").assert_caught().await;
}

#[tokio::test]
async fn accept_bad_group_id_is_caught() {
    Scenario::atlas(Fault::AcceptBadGroupId, "getGroupMaintenanceWindow").assert_caught().await;
}

#[tokio::test]
async fn reject_valid_is_caught() {
    Scenario::atlas(Fault::RejectValid, "updateGroupMaintenanceWindow").assert_caught().await;
}

#[tokio::test]
async fn server_error_is_caught() {
    Scenario::atlas(Fault::ServerError, "updateGroupMaintenanceWindow").assert_caught().await;
}

/// The state faults need sequences (write, then the matching read), so their runs cover every
/// Atlas operation; the finding belongs to the write. Their snapshots do not exist yet: once
/// `stateful_conformance` is merged, un-ignore them and accept the four new snapshots
/// (`cargo insta test --accept -- faults::state`) after reading them.
fn stateful(fault: Fault, write: &'static str) -> Scenario {
    Scenario { operations: Vec::new(), ..Scenario::atlas(fault, write) }
}

#[tokio::test]
async fn state_not_persisted_is_caught() {
    stateful(Fault::StateNotPersisted, "updateGroupMaintenanceWindow").assert_caught().await;
}

#[tokio::test]
async fn state_not_reset_is_caught() {
    stateful(Fault::StateNotReset, "resetGroupMaintenanceWindow").assert_caught().await;
}

#[tokio::test]
async fn state_not_incremented_is_caught() {
    stateful(Fault::StateNotIncremented, "deferGroupMaintenanceWindow").assert_caught().await;
}

#[tokio::test]
async fn state_not_toggled_is_caught() {
    stateful(Fault::StateNotToggled, "toggleGroupMaintenanceWindowAutoDefer").assert_caught().await;
}

/// Cloud Manager's windows are a collection per project: these faults show only across
/// operations (a create, then the list; a create under one project, then a read under another),
/// so their runs cover every operation, like the state faults above. Neither has a snapshot
/// yet: the list-after-create comparison of `stateful_conformance` and the `object_ownership`
/// probes are being built; once merged, accept `fault_list_ignores_created.snap` and
/// `fault_cross_parent_read.snap` after reading them.
fn collection(fault: Fault, operation: &'static str) -> Scenario {
    Scenario { operations: Vec::new(), ..Scenario::new(fault, cloud_manager(), operation) }
}

#[tokio::test]
async fn list_ignores_created_is_caught() {
    collection(Fault::ListIgnoresCreated, "listMaintenanceWindows").assert_caught().await;
}

#[tokio::test]
async fn cross_parent_read_is_caught() {
    collection(Fault::CrossParentRead, "getMaintenanceWindow").assert_caught().await;
}

/// The singleton form of the same fault (Atlas: one window per group): a group never written
/// reads as the last one written, and `object_ownership` says so on the read.
#[tokio::test]
async fn cross_parent_read_of_a_singleton_is_caught() {
    let scenario = Scenario {
        operations: vec!["getGroupMaintenanceWindow", "updateGroupMaintenanceWindow"],
        ..Scenario::atlas(Fault::CrossParentRead, "getGroupMaintenanceWindow")
    };
    let report = scenario.run().await;
    let leaks: Vec<&str> = report
        .findings
        .iter()
        .filter(|f| f.check == CheckName::ObjectOwnership && f.operation == "getGroupMaintenanceWindow")
        .map(|f| f.message.as_str())
        .collect();
    assert_eq!(leaks.len(), 1, "{:#?}", report.findings);
    assert!(leaks[0].contains("shows those values instead of its own"), "{}", leaks[0]);
}

#[tokio::test]
async fn envelope_ignored_is_caught() {
    Scenario::atlas(Fault::EnvelopeIgnored, "getGroupMaintenanceWindow").assert_caught().await;
}

#[tokio::test]
async fn auth_not_enforced_is_caught() {
    Scenario::atlas(Fault::AuthNotEnforced, "getGroupMaintenanceWindow").assert_caught().await;
}

#[tokio::test]
async fn undocumented_method_allowed_is_caught() {
    Scenario::atlas(Fault::UndocumentedMethodAllowed, "getGroupMaintenanceWindow").assert_caught().await;
}

#[tokio::test]
async fn drop_connection_is_caught() {
    Scenario::atlas(Fault::DropConnection, "getGroupMaintenanceWindow").assert_caught().await;
}

#[tokio::test]
async fn slow_response_is_caught() {
    // Every answer is held 250 ms: far above the limit whatever the machine's load, and slow
    // on every request, so several connections keep the test short without changing the report.
    Scenario {
        concurrency: 4,
        max_response_time: Some(Duration::from_millis(100)),
        ..Scenario::atlas(Fault::SlowResponse, "getGroupMaintenanceWindow")
    }
    .assert_caught()
    .await;
}

/// Fails when a fault has no test above: each needs `async fn <name>_is_caught()` whose body
/// names that very fault.
#[test]
fn every_fault_has_a_test() {
    let source = include_str!("faults.rs");
    let mut missing = Vec::new();
    for fault in Fault::ALL {
        let header = format!("async fn {}_is_caught()", fault.name().replace('-', "_"));
        let body = source.split_once(header.as_str()).map(|(_, rest)| rest.split("async fn").next().unwrap_or(""));
        if !body.is_some_and(|b| b.contains(&format!("Fault::{fault:?}"))) {
            missing.push(fault.name());
        }
    }
    assert!(missing.is_empty(), "faults without a test in tests/integration/faults.rs: {missing:?}");
}

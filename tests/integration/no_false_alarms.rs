//! Zero false alarms: against the reference mock with no fault, conform must find nothing, over
//! many seeds, with every check on (`max_response_time` too, with a limit only a hung server
//! would pass). A finding here is a bug in conform or in the mock, to be fixed at its root, never
//! hidden by leaving out a check or a seed.
//!
//! Both shipped specs run 20 seeds x 100 random cases per operation (on top of the
//! deterministic cases); Twilio's API (197 operations, HTTP Basic, form bodies, `nullable`
//! everywhere) runs fewer, as the generality check. Seeds run concurrently in one runtime.

use conform::engine::{RunConfig, Target, run};
use conform::model::RunReport;
use conform::model::events::NoProgress;
use conform::spec::Spec;
use std::fmt::Write as _;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Semaphore;

/// Runs of one spec in flight at once (each with its own mock and connections).
const PARALLEL_RUNS: usize = 4;

/// Runs conform against a fault-free embedded mock once per seed; returns the reports in seed
/// order.
async fn reports(spec: &str, seeds: std::ops::RangeInclusive<u64>, cases: usize) -> Vec<RunReport> {
    let spec = Arc::new(Spec::load(&crate::support::repo(spec)).expect("the spec loads"));
    let permits = Arc::new(Semaphore::new(PARALLEL_RUNS));
    let mut runs = tokio::task::JoinSet::new();
    for seed in seeds {
        let (spec, permits) = (spec.clone(), permits.clone());
        runs.spawn(async move {
            let _permit = permits.acquire_owned().await.expect("the semaphore stays open");
            let config = RunConfig {
                seed: Some(seed),
                cases,
                concurrency: 4,
                // Every check on: the limit only catches a hung answer, not a busy CI machine.
                max_response_time: Some(Duration::from_secs(5)),
                timeout: Duration::from_secs(20),
                ..RunConfig::default()
            };
            run(spec, Target::Embedded { faults: Vec::new() }, config, &NoProgress).await.expect("the run starts")
        });
    }
    let mut all: Vec<RunReport> = runs.join_all().await;
    all.sort_by_key(|r| r.seed);
    all
}

/// Every finding of every report, with what it takes to reproduce it.
fn false_alarms(reports: &[RunReport]) -> String {
    let mut out = String::new();
    for r in reports {
        for e in &r.internal_errors {
            let _ = writeln!(out, "seed {}: internal error: {e}", r.seed);
        }
        for f in conform::report::view::findings(r) {
            let _ = writeln!(
                out,
                "seed {}: {} on {} ({} requests): {}\n    {}",
                r.seed, f.check, f.operation, f.count, f.message, f.reproduce
            );
        }
    }
    out
}

/// Asserts no finding, and that every operation of the spec was really exercised.
fn assert_quiet(spec_name: &str, reports: &[RunReport], operations: usize, min_requests: usize) {
    let alarms = false_alarms(reports);
    assert!(alarms.is_empty(), "false alarms against the {spec_name} mock:\n{alarms}");
    for r in reports {
        assert!(r.stats.skipped_operations.is_empty(), "seed {}: {:?}", r.seed, r.stats.skipped_operations);
        assert_eq!(r.operations.len(), operations, "seed {}: operations run", r.seed);
        for op in &r.operations {
            assert!(op.requests >= min_requests, "seed {}: {} got {} requests", r.seed, op.operation, op.requests);
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn atlas_mock_raises_no_false_alarm_over_20_seeds() {
    let reports = reports("specs/atlas-maintenance-window.yaml", 1..=20, 100).await;
    assert_quiet("Atlas", &reports, 5, 100);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cloud_manager_mock_raises_no_false_alarm_over_20_seeds() {
    let reports = reports("specs/cloud-manager-maintenance-windows.yaml", 1..=20, 100).await;
    assert_quiet("Cloud Manager", &reports, 5, 100);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twilio_mock_raises_no_false_alarm() {
    let reports = reports("../shared/fixtures/twilio_api_v2010.yaml", 1..=3, 5).await;
    assert_quiet("Twilio", &reports, 197, 5);
}

/// OpenAPI 3.1 (Adyen's Management API v3: type arrays, `examples`, 134 operations), read from
/// the shared fixtures beside the checkout.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn adyen_31_mock_raises_no_false_alarm() {
    let reports = reports("../shared/fixtures/adyen/ManagementService-v3.json", 1..=3, 5).await;
    assert_quiet("Adyen (3.1)", &reports, 134, 5);
}

/// Swagger 2.0 (Cyclotron: body and form parameters, `produces`, 50 operations), converted on
/// load.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cyclotron_swagger_2_mock_raises_no_false_alarm() {
    let reports = reports("../shared/fixtures/swagger2/cyclotron-swagger.json", 1..=3, 5).await;
    assert_quiet("Cyclotron (2.0)", &reports, 50, 5);
}

/// Regression (issue 12): the Atlas 2026 collections whose stateful sequences raised false
/// alarms against the mock (ids a UUID or `vpce-…` parameter refuses, creates of a list,
/// request and read schemas that disagree) run clean, and the same sequences still catch the
/// mock's seeded state faults on them (a delete that deletes nothing, a write never stored).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn atlas_2026_stateful_sequences_hold_and_still_catch_state_faults() {
    use conform::check::{CheckName, CheckSet};
    use conform::mock::Fault;
    let spec = Arc::new(Spec::load(&crate::support::repo("../shared/fixtures/atlas/atlas-api-2026.yaml")).unwrap());
    let include = conform::engine::filter::parse_list(
        "id:*GroupMcpConfig*,id:*PrivateEndpointId*,id:*GroupTeam*,id:*OrgApiKey,id:*OrgUser,id:*Group,\
         id:*AccessListEntr*,id:*CostExplorer*,id:*OrgInvite",
    )
    .unwrap();
    let config = |seed: u64| RunConfig {
        seed: Some(seed),
        cases: 1,
        concurrency: 4,
        include: include.clone(),
        checks: CheckSet::none().with(CheckName::StatefulConformance),
        ..RunConfig::default()
    };
    for seed in 1..=2 {
        let report =
            run(spec.clone(), Target::Embedded { faults: Vec::new() }, config(seed), &NoProgress).await.unwrap();
        assert!(report.operations.len() >= 30, "seed {seed}: {} operations", report.operations.len());
        let alarms = false_alarms(std::slice::from_ref(&report));
        assert!(alarms.is_empty(), "false alarms on Atlas 2026:\n{alarms}");
        assert!(report.warnings.iter().all(|w| !w.contains("stateful sequence dropped")), "{:?}", report.warnings);
    }
    let caught = |report: &RunReport, op: &str| {
        report.findings.iter().any(|f| f.check == CheckName::StatefulConformance && f.operation == op)
    };
    let report = run(spec.clone(), Target::Embedded { faults: vec![Fault::StateNotReset] }, config(1), &NoProgress)
        .await
        .unwrap();
    for op in ["createGroupMcpConfig", "createPrivateEndpointId", "createGroup"] {
        assert!(
            caught(&report, op),
            "state-not-reset on {op} is caught:\n{}",
            false_alarms(std::slice::from_ref(&report))
        );
    }
    let report =
        run(spec, Target::Embedded { faults: vec![Fault::StateNotPersisted] }, config(1), &NoProgress).await.unwrap();
    assert!(
        caught(&report, "createGroup"),
        "state-not-persisted is caught:\n{}",
        false_alarms(std::slice::from_ref(&report))
    );
}

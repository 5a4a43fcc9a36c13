//! Same seed, same verdict, whatever the concurrency (issue 18): one seed runs at concurrency 1
//! and at concurrency 16 against the embedded mock with several faults at once (faults that
//! write bad data, fire on some requests, or break the answer of every success), over both
//! shipped specs, and the whole JSON reports must be equal once what no seed can fix is
//! redacted: durations, the target's port, timestamps and server-made ids (`normalize`), and
//! `Date` headers. The concurrent run is repeated (a bounded number of times) so that a lucky
//! interleaving does not pass it.

use conform::engine::{RunConfig, Target, run};
use conform::mock::Fault;
use conform::model::events::NoProgress;
use conform::report::snapshot::normalize;
use conform::spec::Spec;
use serde_json::Value;
use std::sync::Arc;
use std::time::Duration;

const SEED: u64 = 7;

/// Faults that interact with state and ordering: a bad write that a later read shows, writes
/// that are not stored, answers that fail on some requests, and answers broken on every
/// success.
const FAULTS: [Fault; 5] = [
    Fault::AcceptBadDayOfWeek,
    Fault::WrongContentType,
    Fault::StateNotPersisted,
    Fault::ServerError,
    Fault::UndocumentedStatus,
];

/// Concurrent runs compared with the sequential one.
const CONCURRENT_RUNS: usize = 3;

fn spec(path: &str) -> Arc<Spec> {
    Arc::new(Spec::load(&crate::support::repo(path)).expect("the spec loads"))
}

/// The run's JSON report with the volatile parts redacted.
async fn report(spec: &Arc<Spec>, concurrency: usize) -> String {
    let config = RunConfig {
        seed: Some(SEED),
        cases: 20,
        concurrency,
        timeout: Duration::from_secs(10),
        ..RunConfig::default()
    };
    let report = run(spec.clone(), Target::Embedded { faults: FAULTS.to_vec() }, config, &NoProgress)
        .await
        .expect("the run starts");
    assert!(report.internal_errors.is_empty(), "{:?}", report.internal_errors);
    let mut value = conform::report::json::value(&report);
    redact(&mut value);
    let text = serde_json::to_string_pretty(&value).expect("a JSON value serialises");
    normalize(&text, &report.target)
}

/// Durations and `Date` headers, wherever they are.
fn redact(value: &mut Value) {
    match value {
        Value::Object(map) => {
            for (key, v) in map.iter_mut() {
                if key == "duration_ms" || key.eq_ignore_ascii_case("date") {
                    *v = Value::String("[REDACTED]".to_owned());
                } else {
                    redact(v);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(redact),
        _ => {}
    }
}

/// The first line where two texts differ, with a little context, for the failure message.
fn first_difference(a: &str, b: &str) -> String {
    let (a, b): (Vec<&str>, Vec<&str>) = (a.lines().collect(), b.lines().collect());
    let at = a.iter().zip(&b).position(|(x, y)| x != y).unwrap_or(a.len().min(b.len()));
    let from = at.saturating_sub(8);
    format!(
        "line {}:\n--- concurrency 1\n{}\n--- concurrency 16\n{}",
        at + 1,
        a[from..(at + 8).min(a.len())].join("\n"),
        b[from..(at + 8).min(b.len())].join("\n")
    )
}

async fn same_verdict(path: &str) {
    let spec = spec(path);
    let sequential = report(&spec, 1).await;
    assert!(sequential.contains("\"failures\""), "a JSON report");
    for run in 0..CONCURRENT_RUNS {
        let concurrent = report(&spec, 16).await;
        assert!(
            sequential == concurrent,
            "{path}, concurrent run {run}: the report differs from the sequential one at {}",
            first_difference(&sequential, &concurrent)
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn atlas_reports_are_the_same_at_concurrency_1_and_16() {
    same_verdict("specs/atlas-maintenance-window.yaml").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cloud_manager_reports_are_the_same_at_concurrency_1_and_16() {
    same_verdict("specs/cloud-manager-maintenance-windows.yaml").await;
}

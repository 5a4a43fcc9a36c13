//! The `cargo test` harness: trials named `<operationId>::<check>`, passing against a
//! conforming target and failing, by name, against a faulty one.

use conform::harness;
use conform::mock::{Fault, MockConfig, MockServer};
use conform::spec::Spec;
use libtest_mimic::Arguments;
use std::sync::Arc;

fn spec_path() -> String {
    crate::support::repo("specs/atlas-maintenance-window.yaml")
}

/// One exactly named trial, its report written to `log` (libtest-mimic prints past the test
/// harness's capture otherwise, and a FAILED line in CI's log would read as a real failure).
fn exact(name: &str, log: &std::path::Path) -> Arguments {
    Arguments {
        filter: Some(name.to_owned()),
        exact: true,
        test_threads: Some(1),
        logfile: Some(log.display().to_string()),
        ..Arguments::default()
    }
}

/// Runs the harness against a mock with these faults, for one exactly named trial: its
/// conclusion and the report it printed.
fn conclusion(faults: Vec<Fault>, trial: &str) -> (libtest_mimic::Conclusion, String) {
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let spec = Arc::new(Spec::load(&spec_path()).unwrap());
    let mock = runtime
        .block_on(MockServer::start(
            spec,
            "127.0.0.1:0".parse().unwrap(),
            MockConfig { faults, ..MockConfig::default() },
        ))
        .unwrap();
    let contract = conform::Contract::from_path(spec_path()).target(conform::Target::url(&mock.url()).unwrap());
    // The harness blocks on its own runtime: run it outside this one.
    let log = std::env::temp_dir().join(format!("conform-harness-{}-{trial}.log", std::process::id()));
    let result = std::thread::spawn({
        let args = exact(trial, &log);
        move || harness::run(contract, &args).unwrap()
    })
    .join()
    .unwrap();
    runtime.block_on(mock.shutdown());
    let printed = std::fs::read_to_string(&log).unwrap_or_default();
    let _ = std::fs::remove_file(&log);
    (result, printed)
}

#[test]
fn trials_are_one_per_operation_and_check() {
    let trials =
        harness::trials(conform::Contract::from_path(spec_path()), &Arguments { list: true, ..Arguments::default() })
            .unwrap();
    let names: Vec<&str> = trials.iter().map(|t| t.name()).collect();
    assert_eq!(names.len(), 5 * conform::check::CheckName::ALL.len());
    assert!(names.contains(&"updateGroupMaintenanceWindow::negative_data_rejection"));
    assert!(names.contains(&"deferGroupMaintenanceWindow::stateful_conformance"));
}

#[test]
fn a_faulty_target_fails_the_named_trial_and_only_it() {
    let (failing, printed) =
        conclusion(vec![Fault::AcceptBadDayOfWeek], "updateGroupMaintenanceWindow::negative_data_rejection");
    assert_eq!((failing.num_failed, failing.num_passed), (1, 0));
    assert!(printed.contains("updateGroupMaintenanceWindow::negative_data_rejection ... FAILED"), "{printed}");
    assert!(printed.contains("dayOfWeek"), "the failure names what was accepted: {printed}");
    let (other, _) = conclusion(vec![Fault::AcceptBadDayOfWeek], "getGroupMaintenanceWindow::negative_data_rejection");
    assert_eq!((other.num_failed, other.num_passed), (0, 1));
    let (clean, printed) = conclusion(Vec::new(), "updateGroupMaintenanceWindow::negative_data_rejection");
    assert_eq!((clean.num_failed, clean.num_passed), (0, 1));
    assert!(printed.contains("updateGroupMaintenanceWindow::negative_data_rejection ... ok"), "{printed}");
}

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
    // object_ownership reaches items by their path: the two POST operations (defer,
    // auto-defer) get no trial for it.
    let run_checks = conform::check::CheckName::ALL.iter().filter(|c| !c.is_client_side()).count();
    assert_eq!(names.len(), 5 * run_checks - 2);
    assert!(names.contains(&"getGroupMaintenanceWindow::object_ownership"));
    assert!(!names.contains(&"deferGroupMaintenanceWindow::object_ownership"));
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

/// The builder's `run().await`: a conforming target conforms; a faulty one does not, and
/// `assert_conforms` panics with the terminal report naming what was accepted. Secrets given
/// to the builder (credentials, credential headers) show in neither `{:?}` nor the rendering
/// of the report.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_builder_runs_and_reports_without_printing_secrets() {
    const TOKEN: &str = "bearer-S3CRET-builder";
    const HEADER: &str = "header-S3CRET-builder";
    let spec = Arc::new(Spec::load(&spec_path()).unwrap());
    for (faults, conforms) in [(Vec::new(), true), (vec![Fault::AcceptBadDayOfWeek], false)] {
        let config = MockConfig { faults, token: Some(TOKEN.to_owned()), ..MockConfig::default() };
        let mock = MockServer::start(spec.clone(), "127.0.0.1:0".parse().unwrap(), config).await.unwrap();
        let contract = conform::Contract::from_spec(spec.clone())
            .target(conform::Target::url(&mock.url()).unwrap())
            .auth(conform::Auth::bearer(TOKEN))
            .header("X-Api-Token", HEADER)
            .cases(3);
        let shown = format!("{contract:?}");
        assert!(!shown.contains(TOKEN) && !shown.contains(HEADER), "{shown}");
        let report = contract.run().await.unwrap();
        mock.shutdown().await;
        for text in [format!("{report:?}"), format!("{report:#?}"), report.to_string()] {
            assert!(!text.contains(TOKEN) && !text.contains(HEADER), "a secret shows: {text}");
        }
        assert_eq!(report.conforms(), conforms, "{report}");
        let panicked = std::panic::catch_unwind(|| report.assert_conforms());
        match panicked {
            Ok(()) => assert!(conforms),
            Err(payload) => {
                let message = payload.downcast_ref::<String>().cloned().unwrap_or_default();
                assert!(!conforms, "{message}");
                assert!(message.contains("negative_data_rejection") && message.contains("dayOfWeek"), "{message}");
                assert!(!message.contains(TOKEN) && !message.contains(HEADER), "{message}");
            }
        }
    }
}

/// Errors speak library words and keep their sources: a target nothing listens on.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_builder_reports_an_unreachable_target_with_its_source() {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let err = conform::Contract::from_path(spec_path())
        .target(conform::Target::url(&format!("http://127.0.0.1:{port}")).unwrap())
        .timeout(std::time::Duration::from_secs(2))
        .run()
        .await
        .unwrap_err();
    assert!(matches!(err, conform::ContractError::Run(conform::engine::RunError::Unreachable { .. })), "{err:?}");
    assert!(err.to_string().starts_with("cannot reach http://127.0.0.1:"), "{err}");
    let source = std::error::Error::source(&err).expect("the I/O error is kept as the source");
    assert!(source.downcast_ref::<std::io::Error>().is_some(), "{source:?}");
}

//! The example application (`examples/axum-app`) contract-tests itself in-process, both ways:
//! its own `cargo test` passes as shipped (the workspace's `cargo test` runs it), and with the
//! feature `contract-bug` the same test fails and names the failing trial. This module runs
//! the second way as a subprocess, within a deadline.

use super::support::root;
use std::io::Read;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// A cold build of the example (and of conform with its feature set) fits easily within this.
const DEADLINE: Duration = Duration::from_secs(15 * 60);

/// Reads a child's pipe to its end on a thread of its own, so that neither pipe fills up.
fn drain(pipe: Option<impl Read + Send + 'static>) -> std::thread::JoinHandle<String> {
    std::thread::spawn(move || {
        let mut text = String::new();
        if let Some(mut pipe) = pipe {
            let _ = pipe.read_to_string(&mut text);
        }
        text
    })
}

#[test]
fn the_example_apps_contract_test_fails_with_the_planted_bug_and_names_the_trial() {
    // Cargo releases its build lock before it runs tests, so the cargo that runs this test
    // does not block the one it starts.
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| env!("CARGO").into());
    let mut command = Command::new(cargo);
    // What cargo sets for this test process is not the environment of a cargo run from a
    // shell: ring's build script tracks `CARGO_MANIFEST_DIR`, so the nested build would
    // rebuild it and everything above it, and the next plain `cargo test` would again.
    for (name, _) in std::env::vars_os() {
        let name = name.to_string_lossy();
        let set_for_tests = ["CARGO_MANIFEST_", "CARGO_PKG_", "CARGO_BIN_", "CARGO_CRATE_", "CARGO_PRIMARY_"]
            .iter()
            .any(|prefix| name.starts_with(prefix));
        if set_for_tests || name == "CARGO_TARGET_TMPDIR" || name == "OUT_DIR" {
            command.env_remove(name.as_ref());
        }
    }
    let mut child = command
        .args(["test", "--offline", "--locked", "-p", "conform-example-axum", "--features", "contract-bug"])
        .args(["--test", "contract"])
        .current_dir(root())
        .env("NO_COLOR", "1")
        .env("CARGO_TERM_COLOR", "never")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("cargo starts");
    let stdout = drain(child.stdout.take());
    let stderr = drain(child.stderr.take());
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("the cargo subprocess can be waited for") {
            break status;
        }
        if started.elapsed() > DEADLINE {
            let _ = child.kill();
            let _ = child.wait();
            panic!("cargo test of the example took longer than {DEADLINE:?}");
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let (stdout, stderr) = (stdout.join().unwrap_or_default(), stderr.join().unwrap_or_default());
    let shown = format!("status: {status}\n--- stdout\n{stdout}\n--- stderr\n{stderr}");
    assert_eq!(status.code(), Some(101), "the contract test fails (libtest's code)\n{shown}");
    assert!(stdout.contains("test getTodo::response_schema_conformance") && stdout.contains("FAILED"), "{shown}");
    assert!(stdout.contains("---- getTodo::response_schema_conformance ----"), "{shown}");
    assert!(stdout.contains("/id: value is not of type \"integer\""), "the finding says what is wrong\n{shown}");
    assert!(stdout.contains("1 failed"), "only the planted bug fails\n{shown}");
}

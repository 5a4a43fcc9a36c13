//! conform against a third-party mock: Stoplight Prism serving the Atlas spec. Runs only where
//! Prism is installed (`CONFORM_PRISM=/path/to/prism`, or `prism` on the PATH); anywhere else it
//! says why and passes, so the core suite never depends on Node or the network.
//!
//! It pins what conform reports about Prism 5 (README, "Validating a mock server"): only true
//! contract violations, each explained there, and nothing from the checks Prism honours.

use conform::check::CheckName;
use conform::engine::{RunConfig, Target, run};
use conform::model::events::NoProgress;
use conform::spec::Spec;
use conform::transport::auth::AuthSettings;
use std::collections::BTreeSet;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::mpsc;
use std::time::Duration;

/// Prism, killed when dropped.
struct Prism(Child);

impl Drop for Prism {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The Prism command to use, or why there is none.
fn prism_command() -> Result<String, String> {
    if let Some(p) = std::env::var_os("CONFORM_PRISM").filter(|p| !p.is_empty()) {
        return Ok(p.to_string_lossy().into_owned());
    }
    let on_path = Command::new("prism").arg("--version").stdout(Stdio::null()).stderr(Stdio::null()).status();
    match on_path {
        Ok(status) if status.success() => Ok("prism".to_owned()),
        _ => Err("Prism is not installed: `npm install -g @stoplight/prism-cli`, or set CONFORM_PRISM to \
                  node_modules/.bin/prism"
            .to_owned()),
    }
}

/// Starts `prism mock SPEC` on a free port; returns it once it listens.
fn start_prism(command: &str, spec: &str) -> Result<(Prism, u16), String> {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .map_err(|e| format!("no free port: {e}"))?;
    let mut child = Command::new(command)
        .args(["mock", spec, "--host", "127.0.0.1", "--port", &port.to_string()])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("cannot start {command}: {e}"))?;
    let stdout = child.stdout.take().ok_or("no stdout")?;
    let prism = Prism(child);
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if line.contains("Prism is listening") {
                let _ = tx.send(());
            }
        }
    });
    rx.recv_timeout(Duration::from_secs(60)).map_err(|_| "Prism did not start listening within 60 s".to_owned())?;
    Ok((prism, port))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn prism_serving_atlas_breaks_only_what_it_cannot_know() {
    let command = match prism_command() {
        Ok(c) => c,
        Err(why) => {
            eprintln!("skipped: {why}");
            return;
        }
    };
    let spec_path = crate::support::repo("specs/atlas-maintenance-window.yaml");
    let (_prism, port) = start_prism(&command, &spec_path).expect("Prism starts");
    let spec = Arc::new(Spec::load(&spec_path).expect("the Atlas spec loads"));
    let config = RunConfig {
        seed: Some(1),
        cases: 20,
        // Prism accepts any well-formed Bearer token for the OAuth2 scheme.
        auth: AuthSettings { token: Some("prism-token".into()), ..AuthSettings::default() },
        // A real project id, so that valid requests are expected to be accepted.
        params: vec![("groupId".into(), "32b6e34b3d91647abb20e7b8".into())],
        ..RunConfig::default()
    };
    let target = Target::Url(format!("http://127.0.0.1:{port}").parse().expect("a URL"));
    let report = run(spec, target, config, &NoProgress).await.expect("the run starts");
    let checks: BTreeSet<CheckName> = report.findings.iter().map(|f| f.check).collect();
    let summary: Vec<String> =
        report.findings.iter().map(|f| format!("{} {}: {}", f.check, f.operation, f.message)).collect();
    // Prism cannot verify credentials, does not implement Atlas's `envelope=true`, answers
    // malformed JSON with its own error shape instead of the documented ApiError, keeps no
    // state (a PATCH, a defer, a toggle are not reflected by the next read), and refuses
    // undocumented methods with a 405 that has no `Allow` header.
    let expected = BTreeSet::from([
        CheckName::IgnoredAuth,
        CheckName::EnvelopeConformance,
        CheckName::ResponseSchemaConformance,
        CheckName::StatefulConformance,
        CheckName::UnsupportedMethod,
    ]);
    assert_eq!(checks, expected, "{summary:#?}");
    for f in &report.findings {
        match f.check {
            CheckName::IgnoredAuth => assert!(f.message.contains("with wrong credentials"), "{}", f.message),
            CheckName::UnsupportedMethod => assert!(f.message.contains("without an Allow header"), "{}", f.message),
            CheckName::StatefulConformance => assert!(f.operation != "getGroupMaintenanceWindow", "{}", f.message),
            CheckName::ResponseSchemaConformance => {
                assert_eq!(f.example.case.mutation().map(|m| m.constraint.as_str()), Some("malformed_json"));
                assert!(f.message.starts_with("the 400 application/json body"), "{}", f.message);
            }
            _ => {}
        }
    }
    assert!(report.internal_errors.is_empty(), "{:?}", report.internal_errors);
}

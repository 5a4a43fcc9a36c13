//! The mock mounted as an axum `Router` in an application's own server: the application's
//! routes keep working, the contract is served conformingly, and faults are caught.

use super::atlas_spec;
use crate::check::CheckName;
use crate::engine::{RunConfig, Target, run};
use crate::mock::{Fault, MockConfig, router};
use crate::model::RunReport;
use crate::model::events::NoProgress;
use crate::transport::auth::AuthSettings;

const TOKEN: &str = "router-test-token";

/// Serves `own routes + the mock` on 127.0.0.1:0, runs conform against it, and stops it.
async fn run_against_router(faults: Vec<Fault>) -> RunReport {
    let spec = atlas_spec();
    let mock = router(spec.clone(), MockConfig { faults, seed: 3, token: Some(TOKEN.into()), ..MockConfig::default() })
        .unwrap();
    let app = axum::Router::new().route("/health", axum::routing::get(|| async { "ok" })).merge(mock);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let server = tokio::spawn(async move { axum::serve(listener, app).await });

    crate::tls::install_default_provider();
    let health = reqwest::get(format!("{url}/health")).await.unwrap();
    assert_eq!(health.text().await.unwrap(), "ok", "the application's own route wins");

    let config = RunConfig {
        seed: Some(11),
        cases: 20,
        concurrency: 4,
        auth: AuthSettings { token: Some(TOKEN.into()), ..AuthSettings::default() },
        ..RunConfig::default()
    };
    let report = run(spec, Target::Url(url.parse().unwrap()), config, &NoProgress).await.unwrap();
    server.abort();
    report
}

fn failed(report: &RunReport) -> Vec<(String, CheckName)> {
    report.findings.iter().map(|f| (f.operation.clone(), f.check)).collect()
}

#[tokio::test]
async fn the_router_serves_the_contract_next_to_the_applications_routes() {
    let report = run_against_router(Vec::new()).await;
    assert_eq!(failed(&report), Vec::new());
    assert!(report.stats.requests > 250, "{:?}", report.stats);
    assert!(report.internal_errors.is_empty(), "{:?}", report.internal_errors);
}

#[tokio::test]
async fn faults_seeded_into_the_router_are_caught() {
    let accepted = run_against_router(vec![Fault::AcceptBadDayOfWeek]).await;
    assert!(
        failed(&accepted).contains(&("updateGroupMaintenanceWindow".into(), CheckName::NegativeDataRejection)),
        "{:?}",
        failed(&accepted)
    );
    // A router cannot drop the connection before answering: it breaks the answer's body.
    let dropped = run_against_router(vec![Fault::DropConnection]).await;
    assert!(failed(&dropped).iter().any(|(_, check)| *check == CheckName::Transport), "{:?}", failed(&dropped));
}

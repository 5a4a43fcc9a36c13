//! In-process targets: an application's own tower `Service` (an axum `Router`, a
//! `tower::ServiceBuilder` stack…) contract-tested inside `cargo test` without binding a port,
//! the way Schemathesis tests ASGI and WSGI applications in-process.
//!
//! Each connection the transport's fast path opens is a [`tokio::io::duplex`] pipe; hyper's
//! HTTP/1.1 server serves its far end with the service, in a task of its own. Everything above
//! the byte stream (requests, retries, timeouts, body caps, checks, stateful sequences,
//! reports) is what a URL target gets. Requests go to [`ORIGIN`]: they carry
//! `Host: in-process`, and the report names the target `http://in-process` plus the spec's
//! base path (or `base_path`). The target counts as loopback: mutating operations run.
//!
//! A service that fails (returns `Err`) or panics closes the connection, and the request gets
//! a `transport` finding, as a server that drops its connection does. Nothing here may take
//! the run down: no panic, and no task left running once its connection is gone.

use super::{Dial, Dialing, Io};
use hyper::body::{Body, Incoming};
use hyper::server::conn::http1;
use hyper_util::rt::TokioIo;
use hyper_util::service::TowerToHyperService;
use std::sync::{Arc, Mutex, PoisonError};
use tokio::io::DuplexStream;

/// The origin of every request to an in-process target.
pub const ORIGIN: &str = "http://in-process";

/// Bytes in flight each way on one connection's pipe before the writer waits for the reader.
const PIPE_BUFFER: usize = 64 * 1024;

/// An error a service may return (hyper's bound for service and body errors).
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Serves one connection's far end with the service, in a task of its own.
type Serve = dyn Fn(DuplexStream) -> std::io::Result<()> + Send + Sync;

/// A tower service to contract-test in-process: what `engine::Target::service` wraps. Cloning it
/// shares the service; its `Debug` output shows nothing of the service.
#[derive(Clone)]
pub struct InProcess {
    serve: Arc<Serve>,
}

impl std::fmt::Debug for InProcess {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("InProcess")
    }
}

impl InProcess {
    /// Wraps `service`: each connection gets a clone of it (as `axum::serve` does).
    /// `engine::Target::service` is the usual way in.
    ///
    /// ```
    /// # #[cfg(feature = "mock")] {
    /// use conform::{engine::Target, transport::inprocess::InProcess};
    /// let target = Target::Service(InProcess::new(axum::Router::new()));
    /// # }
    /// ```
    pub fn new<S, B>(service: S) -> InProcess
    where
        S: tower_service::Service<hyper::Request<Incoming>, Response = hyper::Response<B>> + Clone + Send + 'static,
        S::Future: Send + 'static,
        S::Error: Into<BoxError>,
        B: Body + Send + 'static,
        B::Data: Send,
        B::Error: Into<BoxError>,
    {
        // Behind a lock only to be cloned: a service need not be `Sync` (tower's boxed ones are not).
        let service = Mutex::new(service);
        let serve = move |io: DuplexStream| {
            let runtime = tokio::runtime::Handle::try_current().map_err(std::io::Error::other)?;
            let service = service.lock().unwrap_or_else(PoisonError::into_inner).clone();
            let connection =
                http1::Builder::new().serve_connection(TokioIo::new(io), TowerToHyperService::new(service));
            // An error (or a panic) ends the task and drops the pipe's far end: the client half
            // reads the connection as closed, and the request gets a `transport` finding.
            runtime.spawn(async move {
                let _ = connection.await;
            });
            Ok(())
        };
        InProcess { serve: Arc::new(serve) }
    }

    /// The transport's way to open connections to this service.
    pub(crate) fn dialer(&self) -> Arc<dyn Dial> {
        Arc::new(self.clone())
    }
}

impl Dial for InProcess {
    fn dial(&self) -> Dialing<'_> {
        let (near, far) = tokio::io::duplex(PIPE_BUFFER);
        let opened = (self.serve)(far).map(|()| Box::new(near) as Box<dyn Io>);
        Box::pin(std::future::ready(opened))
    }
}

#[cfg(all(test, feature = "mock"))]
mod tests {
    use super::*;
    use crate::check::CheckName;
    use crate::engine::{RunConfig, Target, run};
    use crate::mock::{MockConfig, router};
    use crate::model::RunReport;
    use crate::model::events::NoProgress;
    use crate::spec::Spec;
    use crate::transport::auth::AuthSettings;
    use std::convert::Infallible;
    use std::task::{Context, Poll};

    const TOKEN: &str = "in-process-token";

    fn atlas() -> Arc<Spec> {
        let path = format!("{}/specs/atlas-maintenance-window.yaml", env!("CARGO_MANIFEST_DIR"));
        Arc::new(Spec::load(&path).expect("the spec loads"))
    }

    fn config() -> RunConfig {
        RunConfig {
            seed: Some(11),
            cases: 20,
            concurrency: 1,
            auth: AuthSettings { token: Some(TOKEN.into()), ..AuthSettings::default() },
            ..RunConfig::default()
        }
    }

    fn mock(spec: &Arc<Spec>) -> axum::Router {
        router(spec.clone(), MockConfig { seed: 3, token: Some(TOKEN.into()), ..MockConfig::default() }).unwrap()
    }

    /// Everything a report says that does not depend on where the target listens or how long
    /// the run took.
    fn outcome(report: &RunReport) -> impl PartialEq + std::fmt::Debug {
        let findings: Vec<(String, CheckName, String)> =
            report.findings.iter().map(|f| (f.operation.clone(), f.check, f.message.clone())).collect();
        let operations: Vec<(String, usize, Vec<CheckName>)> =
            report.operations.iter().map(|o| (o.operation.clone(), o.requests, o.checks.clone())).collect();
        let stats = (report.stats.operations, report.stats.requests, report.stats.failures);
        (findings, operations, stats, report.stats.skipped_operations.clone(), report.warnings.clone())
    }

    /// The Atlas spec against the mock as a Router: in-process, the run sends, judges and
    /// reports exactly what it does over TCP.
    #[tokio::test]
    async fn an_in_process_router_is_judged_as_the_same_router_over_tcp() {
        let spec = atlas();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let app = mock(&spec);
        let server = tokio::spawn(async move { axum::serve(listener, app).await });
        let over_tcp = run(spec.clone(), Target::Url(url.parse().unwrap()), config(), &NoProgress).await.unwrap();
        server.abort();

        let in_process = run(spec.clone(), Target::service(mock(&spec)), config(), &NoProgress).await.unwrap();
        assert_eq!(in_process.target, format!("{ORIGIN}{}", spec.base_path()));
        assert!(in_process.findings.is_empty(), "{:?}", outcome(&in_process));
        assert!(in_process.internal_errors.is_empty(), "{:?}", in_process.internal_errors);
        assert!(in_process.stats.requests > 250, "{:?}", in_process.stats);
        assert_eq!(outcome(&in_process), outcome(&over_tcp));
        let sent = &in_process.operations;
        assert!(sent.iter().any(|o| o.method != "GET" && o.requests > 0), "mutations run in-process: {sent:?}");
    }

    fn items_spec() -> Arc<Spec> {
        let doc = serde_json::json!({
            "openapi": "3.0.3",
            "info": {"title": "items", "version": "1"},
            "paths": {"/items/{id}": {"get": {
                "operationId": "getItem",
                "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "integer"}}],
                "responses": {
                    "200": {"description": "the item", "content": {"application/json": {"schema": {
                        "type": "object", "required": ["id"], "properties": {"id": {"type": "integer"}}
                    }}}},
                    "404": {"description": "no such item"}
                }
            }}}
        });
        Arc::new(Spec::from_value("items", doc).unwrap())
    }

    fn found(report: &RunReport) -> Vec<(String, CheckName)> {
        let mut found: Vec<_> = report.findings.iter().map(|f| (f.operation.clone(), f.check)).collect();
        found.dedup();
        found
    }

    fn quick() -> RunConfig {
        RunConfig { seed: Some(1), cases: 5, concurrency: 2, timeout: Duration::from_secs(5), ..RunConfig::default() }
    }

    use std::time::Duration;

    /// A Router that answers the id as a string where the contract says integer.
    #[tokio::test]
    async fn a_broken_router_is_caught_in_process() {
        use axum::extract::Path;
        let app = axum::Router::new().route(
            "/items/{id}",
            axum::routing::get(|Path(id): Path<String>| async move {
                ([("content-type", "application/json")], serde_json::json!({ "id": id }).to_string())
            }),
        );
        let report = run(items_spec(), Target::service(app), quick(), &NoProgress).await.unwrap();
        assert!(
            found(&report).contains(&("getItem".to_owned(), CheckName::ResponseSchemaConformance)),
            "{:?}",
            found(&report)
        );
        let example = &report.findings[0].example.sent;
        assert!(example.url.starts_with("http://in-process/items/"), "{}", example.url);
    }

    /// A service that fails every request, or panics on it.
    #[derive(Clone)]
    struct Failing {
        panic: bool,
    }

    impl tower_service::Service<hyper::Request<Incoming>> for Failing {
        type Response = hyper::Response<http_body_util::Full<hyper::body::Bytes>>;
        type Error = std::io::Error;
        type Future = std::future::Ready<Result<Self::Response, Self::Error>>;

        fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
            Poll::Ready(Ok(()))
        }

        fn call(&mut self, _: hyper::Request<Incoming>) -> Self::Future {
            assert!(!self.panic, "the application panicked");
            std::future::ready(Err(std::io::Error::other("the application failed")))
        }
    }

    /// A service error or panic is the request's `transport` finding, as a dropped connection
    /// is; the run goes on and reports.
    #[tokio::test]
    async fn a_failing_or_panicking_service_is_a_transport_finding() {
        for panic in [false, true] {
            let report = run(items_spec(), Target::service(Failing { panic }), quick(), &NoProgress).await.unwrap();
            assert_eq!(found(&report), vec![("getItem".to_owned(), CheckName::Transport)], "panic: {panic}");
            let finding = &report.findings[0];
            assert!(finding.message.contains("connection"), "{}", finding.message);
            assert!(report.internal_errors.is_empty(), "{:?}", report.internal_errors);
        }
    }

    /// A service that never answers is a timeout, not a hung run.
    #[tokio::test]
    async fn a_service_that_never_answers_times_out() {
        #[derive(Clone)]
        struct Hang;
        impl tower_service::Service<hyper::Request<Incoming>> for Hang {
            type Response = hyper::Response<String>;
            type Error = Infallible;
            type Future = std::future::Pending<Result<Self::Response, Infallible>>;
            fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
                Poll::Ready(Ok(()))
            }
            fn call(&mut self, _: hyper::Request<Incoming>) -> Self::Future {
                std::future::pending()
            }
        }
        let config = RunConfig { timeout: Duration::from_millis(200), cases: 1, ..quick() };
        let report = run(items_spec(), Target::service(Hang), config, &NoProgress).await.unwrap();
        assert_eq!(found(&report), vec![("getItem".to_owned(), CheckName::Transport)]);
        assert!(report.findings[0].message.contains("timeout"), "{}", report.findings[0].message);
    }

    #[test]
    fn the_target_shows_nothing_of_the_service() {
        let target = Target::service(axum::Router::new());
        assert_eq!(format!("{target:?}"), "Service(InProcess)");
    }
}

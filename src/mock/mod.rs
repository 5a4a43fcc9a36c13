//! The reference mock: serves any loaded spec over HTTP, exactly as the contract says, so that
//! `conform run` has a target that conforms (the default one) and, with seeded faults, targets
//! that break the contract in one known way each.
//!
//! - Every documented path and method under the spec's base path is served; requests are
//!   validated against the contract (parameters, media types, bodies) and violations answered
//!   with the documented error status and body shape.
//! - Success answers come from the state model of [`crate::spec::semantics`] where the operation
//!   has an effect, else from a valid example, else from a generated valid value.
//! - Atlas conventions: versioned media types resolved by date, `envelope=true`, `pretty=true`,
//!   HTTP Digest and Bearer authentication (and Basic, for specs that declare it).
//! - [`Fault`]s break one rule each, deterministically.
//!
//! It must never panic on any input, never answer (without a fault) anything the spec does not
//! document, and never take a global lock on the request path.

mod app;
mod auth;
mod errors;
mod fault;
mod negotiate;
mod respond;
mod server;
mod state;
mod validate;
mod values;

#[cfg(test)]
mod tests;

pub use fault::{Fault, SLOW_DELAY, list_faults};
pub use respond::MAX_BODY;

use crate::spec::Spec;
use crate::spec::semantics::{Semantics, SemanticsError};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// How long [`MockServer::shutdown`] lets open connections finish.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(3);

/// How the mock behaves. Its `Debug` output redacts the credentials.
#[derive(Clone, Default)]
pub struct MockConfig {
    /// Contract breaches to commit (none: a conforming server).
    pub faults: Vec<Fault>,
    /// Accept `Authorization: Bearer <token>`.
    pub token: Option<String>,
    /// Accept HTTP Digest with this `(username, password)` (Atlas: public and private key).
    pub digest: Option<(String, String)>,
    /// Accept HTTP Basic with this `(username, password)` (Twilio: account SID and token).
    pub basic: Option<(String, String)>,
    /// Seeds ids and generated values, so that runs are reproducible.
    pub seed: u64,
    /// State semantics; `None`: the spec's sidecar, else inferred from its paths.
    pub semantics: Option<Semantics>,
}

impl std::fmt::Debug for MockConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let redacted = |set: bool| if set { Some("<redacted>") } else { None };
        f.debug_struct("MockConfig")
            .field("faults", &self.faults)
            .field("token", &redacted(self.token.is_some()))
            .field("digest", &self.digest.as_ref().map(|(user, _)| (user.as_str(), "<redacted>")))
            .field("basic", &self.basic.as_ref().map(|(user, _)| (user.as_str(), "<redacted>")))
            .field("seed", &self.seed)
            .field("semantics", &self.semantics.as_ref().map(|s| s.source.clone()))
            .finish()
    }
}

/// Why the mock could not start (or a fault name could not be read).
#[derive(Debug, thiserror::Error)]
pub enum MockError {
    #[error("listen on {addr}")]
    Bind {
        addr: SocketAddr,
        #[source]
        source: std::io::Error,
    },
    #[error("load the API semantics")]
    Semantics(#[from] SemanticsError),
    #[error("use the API semantics: {0}")]
    BadSemantics(String),
    #[error("unknown fault `{name}`")]
    UnknownFault { name: String },
}

/// The mock as an axum [`Router`](axum::Router), to mount in an application's own axum server:
/// `my_routes.merge(conform::mock::router(spec, config)?)` serves the API's contract next to
/// routes of the application's own (which win: the mock's router only has a fallback). Answers
/// are those of [`MockServer`], except that `drop-connection` breaks the answer's body rather
/// than the connection before it.
///
/// # Errors
/// [`MockError::Semantics`] or [`MockError::BadSemantics`] when the state semantics cannot be
/// loaded or do not fit the spec.
pub fn router(spec: Arc<Spec>, config: MockConfig) -> Result<axum::Router, MockError> {
    Ok(server::router(Arc::new(app::App::new(spec, config)?)))
}

/// A running mock server. Dropping it stops accepting connections.
pub struct MockServer {
    addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl MockServer {
    /// Precomputes everything the spec needs, binds `listen` and serves on the current tokio
    /// runtime. Returns once the socket is listening.
    ///
    /// # Errors
    /// [`MockError::Bind`] when the address cannot be bound; [`MockError::Semantics`] or
    /// [`MockError::BadSemantics`] when the state semantics cannot be loaded or do not fit.
    pub async fn start(spec: Arc<Spec>, listen: SocketAddr, config: MockConfig) -> Result<MockServer, MockError> {
        let app = Arc::new(app::App::new(spec, config)?);
        let listener =
            tokio::net::TcpListener::bind(listen).await.map_err(|source| MockError::Bind { addr: listen, source })?;
        let addr = listener.local_addr().map_err(|source| MockError::Bind { addr: listen, source })?;
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(server::serve(listener, app, stopped));
        Ok(MockServer { addr, stop: Some(stop), task: Some(task) })
    }

    /// The bound address (with the real port when port 0 was asked for).
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT`, without the spec's base path.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Stops accepting, lets open requests finish for a few seconds, then stops for good.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(mut task) = self.task.take()
            && tokio::time::timeout(SHUTDOWN_GRACE, &mut task).await.is_err()
        {
            task.abort();
        }
    }
}

impl Drop for MockServer {
    fn drop(&mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}

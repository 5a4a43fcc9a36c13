//! `conform proxy`: a validating proxy. It forwards every request to the target and streams the
//! answer back unchanged, and judges each exchange in both directions: the client's request
//! against the contract (client-side findings: [`CheckName::is_client_side`]) and the target's
//! answer with the run's own checks ([`engine::Recorder`]). Findings go through the run's
//! events and report builder, so the report, its writers and the snapshots are the run's.
//!
//! Memory is bounded: a request body is read up to `max_body` bytes before it is forwarded
//! (the rest follows unread), and an answer is teed, at most `max_body` bytes of it kept for
//! judging, every byte forwarded as it comes. Over the cap, the answer is judged as `run`
//! judges an over-cap body (a `transport` finding, no schema verdict).
//!
//! It never changes traffic, except where it must: hop-by-hop headers (RFC 9110 §7.6.1) stay
//! behind, `Host` is the target's, and a target that cannot be reached is answered 502.
//! Plain-HTTP targets only (`https://` is refused at start).

mod forward;
mod request;

use crate::check::request::ParamPlan;
use crate::engine::{self, Recorder, RunConfig, RunError, RunPlan, Target};
use crate::model::case::{Case, CaseKind, CaseOrigin, Request};
use crate::model::events::{Event, Phase, Position};
use crate::model::{
    CheckFailure, CheckName, CheckSet, Credentials, Example, Finding, Response, RunReport, Sent, Severity, SkipCause,
};
use crate::spec::{Method, Spec};
use crate::transport::{Outcome, TransportFailure};
use forward::{Kept, Pool, RequestBody, TeeBody};
use hyper::body::Incoming;
use hyper::http::{HeaderValue, Request as HttpRequest, Response as HttpResponse, StatusCode, header};
use hyper_util::rt::TokioIo;
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::net::TcpListener;
use tokio::sync::watch;

/// Distinct unknown `METHOD path`s kept as findings; later ones only count as requests.
const MAX_UNKNOWN: usize = 256;

/// How long [`Proxy::finish`] waits for exchanges still in flight.
const DRAIN: Duration = Duration::from_secs(2);

/// What the proxy is asked to do.
#[derive(Debug, Clone)]
pub struct ProxyConfig {
    /// Where to listen (port 0: any free port).
    pub listen: SocketAddr,
    /// Bytes of a request or an answer kept for judging at most (the run's `--max-body`).
    pub max_body: usize,
    /// Seconds to connect to the target and to get an answer's head.
    pub timeout: Duration,
}

impl Default for ProxyConfig {
    fn default() -> ProxyConfig {
        ProxyConfig {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            max_body: engine::DEFAULT_MAX_BODY,
            timeout: engine::DEFAULT_TIMEOUT,
        }
    }
}

/// Whose breaks fail the run (`--fail-on`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FailOn {
    /// Only the client's (the request checks).
    Client,
    /// Only the server's (every other check).
    Server,
    /// Either side's.
    #[default]
    Any,
}

impl std::str::FromStr for FailOn {
    type Err = String;
    fn from_str(s: &str) -> Result<FailOn, String> {
        match s {
            "client" => Ok(FailOn::Client),
            "server" => Ok(FailOn::Server),
            "any" => Ok(FailOn::Any),
            other => Err(format!("unknown side `{other}` (client, server, any)")),
        }
    }
}

/// Whether `report` fails by `on`: a finding of the counted side that is an error (or any,
/// with `--strict`), as [`RunReport::failed`] decides for a run.
pub fn fails(report: &RunReport, on: FailOn) -> bool {
    report.findings.iter().any(|f| {
        let counted = match on {
            FailOn::Client => f.check.is_client_side(),
            FailOn::Server => !f.check.is_client_side(),
            FailOn::Any => true,
        };
        counted && (report.strict || f.severity == Severity::Error)
    })
}

/// Why the proxy could not start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ProxyError {
    /// The target is not a plain-HTTP URL.
    #[error("the proxy forwards to http:// targets only, not {0}")]
    Scheme(String),
    /// The run's preparation failed (target unreachable…).
    #[error(transparent)]
    Run(#[from] RunError),
    /// The listen address could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Listen {
        /// The address asked for.
        addr: SocketAddr,
        /// Why.
        source: std::io::Error,
    },
}

/// A running proxy. [`Proxy::finish`] stops it and gives the report.
pub struct Proxy {
    addr: SocketAddr,
    shared: Arc<Shared>,
    stop: watch::Sender<bool>,
    /// The accept loop; `None` once [`Proxy::finish`] has waited for it.
    accept: Option<tokio::task::JoinHandle<()>>,
}

impl Drop for Proxy {
    /// A proxy dropped without [`Proxy::finish`] stops listening at once.
    fn drop(&mut self) {
        if let Some(task) = self.accept.take() {
            task.abort();
        }
    }
}

impl std::fmt::Debug for Proxy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Proxy").field("addr", &self.addr).finish_non_exhaustive()
    }
}

/// A client request to a path or method the spec does not document.
struct Unknown {
    count: usize,
    position: Position,
    failure: CheckFailure,
    example: Example,
}

struct Shared {
    recorder: Recorder,
    spec: Arc<Spec>,
    /// The path prefix that routing strips (the target URL's path, else the spec's base path).
    base: String,
    /// `http://host:port`, for the URLs reports show.
    origin: String,
    /// The `Host` header of forwarded requests.
    host: HeaderValue,
    pool: Pool,
    plans: Vec<Vec<ParamPlan>>,
    max_body: usize,
    timeout: Duration,
    /// Exchanges in the order they arrived (the report keeps each way of failing's earliest).
    seq: AtomicUsize,
    /// Exchanges not judged yet.
    in_flight: AtomicUsize,
    unknown: Mutex<BTreeMap<String, Unknown>>,
    unknown_requests: AtomicUsize,
}

/// The checks that judge the target's answers: those of a run against a real server that
/// apply to a single exchange (no generated invalid requests, probes or sequences).
fn server_checks() -> CheckSet {
    [
        CheckName::NotAServerError,
        CheckName::StatusCodeConformance,
        CheckName::ContentTypeConformance,
        CheckName::ResponseSchemaConformance,
        CheckName::ResponseHeadersConformance,
        CheckName::EnvelopeConformance,
        CheckName::StatefulConformance,
        CheckName::Transport,
    ]
    .into_iter()
    .fold(CheckSet::none(), CheckSet::with)
}

/// The checks the proxy judges with, in report order: the server's (those of `run` that judge one
/// exchange) and the client's ([`CheckName::is_client_side`]); what `--junit` lists.
pub fn checks() -> Vec<CheckName> {
    let server = server_checks();
    CheckName::ALL.into_iter().filter(|c| c.is_client_side() || server.contains(*c)).collect()
}

impl Proxy {
    /// Checks the target answers TCP, prepares the judging (as `run` would against it) and
    /// starts listening.
    ///
    /// # Errors
    /// [`ProxyError`] when the target is not `http://`, cannot be reached, or the address
    /// cannot be bound.
    pub async fn start(spec: Arc<Spec>, target: url::Url, config: ProxyConfig) -> Result<Proxy, ProxyError> {
        if target.scheme() != "http" {
            return Err(ProxyError::Scheme(crate::transport::shown_url(&target)));
        }
        let run = RunConfig {
            checks: server_checks(),
            allow_mutations: true,
            max_body: config.max_body,
            timeout: config.timeout,
            cases: 0,
            seed: Some(0),
            ..RunConfig::default()
        };
        let plan = RunPlan::prepare(spec.clone(), Target::Url(target.clone()), run).await?;
        let host_port =
            format!("{}:{}", target.host_str().unwrap_or("127.0.0.1"), target.port_or_known_default().unwrap_or(80));
        let authority = match target.port() {
            Some(port) => format!("{}:{port}", target.host_str().unwrap_or("127.0.0.1")),
            None => target.host_str().unwrap_or("127.0.0.1").to_owned(),
        };
        let own_path = target.path().trim_end_matches('/');
        let base = if own_path.is_empty() { spec.base_path() } else { own_path.to_owned() };
        let listener = TcpListener::bind(config.listen)
            .await
            .map_err(|source| ProxyError::Listen { addr: config.listen, source })?;
        let addr = listener.local_addr().map_err(|source| ProxyError::Listen { addr: config.listen, source })?;
        let shared = Arc::new(Shared {
            plans: spec.operations.iter().map(|op| op.parameters.iter().map(ParamPlan::new).collect()).collect(),
            recorder: Recorder::new(plan),
            spec,
            base,
            origin: format!("http://{authority}"),
            host: HeaderValue::from_str(&authority).unwrap_or(HeaderValue::from_static("localhost")),
            pool: Pool::new(host_port, config.timeout.min(Duration::from_secs(10))),
            max_body: config.max_body,
            timeout: config.timeout,
            seq: AtomicUsize::new(0),
            in_flight: AtomicUsize::new(0),
            unknown: Mutex::new(BTreeMap::new()),
            unknown_requests: AtomicUsize::new(0),
        });
        let (stop, stopped) = watch::channel(false);
        let accept = tokio::spawn(serve(listener, shared.clone(), stopped));
        Ok(Proxy { addr, shared, stop, accept: Some(accept) })
    }

    /// The address the proxy listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT`: where to point a client.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Requests received so far (known operations and unknown ones).
    pub fn requests(&self) -> usize {
        self.shared.seq.load(Ordering::Relaxed)
    }

    /// Stops listening, closes the clients' connections, waits (a little) for the exchanges
    /// still in flight to be judged, and gives the report.
    pub async fn finish(mut self) -> RunReport {
        let _ = self.stop.send(true);
        if let Some(task) = self.accept.take() {
            let _ = task.await;
        }
        let deadline = Instant::now() + DRAIN;
        while self.shared.in_flight.load(Ordering::Acquire) > 0 && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        into_report(&self.shared)
    }
}

fn into_report(shared: &Shared) -> RunReport {
    let unknown = std::mem::take(&mut *shared.unknown.lock().unwrap_or_else(std::sync::PoisonError::into_inner));
    let unknown_requests = shared.unknown_requests.load(Ordering::Relaxed);
    let mut report = shared.recorder.finish();
    // The run's wording for operations nobody called would blame a stopped run.
    for skipped in &mut report.stats.skipped_operations {
        if skipped.cause == SkipCause::NotReached {
            skipped.reason = "no request for it went through the proxy".to_owned();
        }
    }
    // The run's credentials warning speaks of conform's flags; the proxy sends no credentials
    // of its own.
    report.warnings.retain(|w| !w.contains("valid requests were refused with 401 or 403"));
    let mut unknown: Vec<(String, Unknown)> = unknown.into_iter().collect();
    unknown.sort_by_key(|(_, u)| u.position);
    for (operation, u) in unknown {
        report.findings.push(Finding {
            check: CheckName::UnknownOperation,
            operation,
            operation_index: usize::MAX,
            message: u.failure.message,
            signature: u.failure.signature,
            count: u.count,
            shrunk: false,
            example: u.example,
            steps: Vec::new(),
            severity: u.failure.severity,
        });
    }
    report.stats.requests += unknown_requests;
    report.stats.failures = report.findings.len();
    report
}

async fn serve(listener: TcpListener, shared: Arc<Shared>, mut stop: watch::Receiver<bool>) {
    let mut connections = tokio::task::JoinSet::new();
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            _ = stop.wait_for(|s| *s) => break,
        };
        match accepted {
            Ok((stream, _)) => {
                let _ = stream.set_nodelay(true);
                let shared = shared.clone();
                connections.spawn(async move {
                    let service = hyper::service::service_fn(move |req| handle(shared.clone(), req));
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
            Err(_) => tokio::time::sleep(Duration::from_millis(20)).await,
        }
        // Reap finished connections so that the set stays small.
        while connections.try_join_next().is_some() {}
    }
    drop(listener);
    // Let exchanges in flight end (bounded), then close every connection.
    let deadline = Instant::now() + DRAIN;
    while shared.in_flight.load(Ordering::Acquire) > 0 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    connections.shutdown().await;
}

/// What the client gets: the target's answer streamed through, or the proxy's own 502.
type Answer = HttpResponse<http_body_util::Either<TeeBody, forward::FixedBody>>;

/// Marks an exchange in flight until judged (or dropped).
struct InFlight(Arc<Shared>);

impl InFlight {
    fn new(shared: &Arc<Shared>) -> InFlight {
        shared.in_flight.fetch_add(1, Ordering::AcqRel);
        InFlight(shared.clone())
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::AcqRel);
    }
}

async fn handle(shared: Arc<Shared>, req: HttpRequest<Incoming>) -> Result<Answer, std::convert::Infallible> {
    let guard = InFlight::new(&shared);
    let position = Position::new(shared.seq.fetch_add(1, Ordering::Relaxed), 0);
    let started = Instant::now();
    let (mut parts, body) = req.into_parts();
    let (head, rest) = match forward::read_head(body, shared.max_body).await {
        Ok(read) => read,
        Err(_) => return Ok(bad_gateway("the request body broke off")),
    };
    let over_cap = rest.is_some() || head.len() > shared.max_body;
    let body_present = !head.is_empty();

    forward::strip_hop_by_hop(&mut parts.headers);
    // What the client sent, as reports show it.
    let client_headers: Vec<(String, String)> = parts
        .headers
        .iter()
        // The proxy's own Host, and the length a reproducing `curl` computes itself.
        .filter(|(k, _)| *k != header::HOST && *k != header::CONTENT_LENGTH)
        .map(|(k, v)| (k.as_str().to_owned(), String::from_utf8_lossy(v.as_bytes()).into_owned()))
        .collect();
    let path = parts.uri.path().to_owned();
    let path_and_query = parts.uri.path_and_query().map_or_else(|| path.clone(), |p| p.as_str().to_owned());
    let query: Vec<(String, String)> = parts
        .uri
        .query()
        .map(|q| url::form_urlencoded::parse(q.as_bytes()).map(|(k, v)| (k.into_owned(), v.into_owned())).collect())
        .unwrap_or_default();
    let method_name = parts.method.as_str().to_owned();
    let below = request::below_base(&path, &shared.base).to_owned();
    let routed = request::route(&shared.spec, &method_name, &below);
    let client = match &routed {
        Some(r) => request::check(
            &shared.spec.operations[r.op],
            shared.plans.get(r.op).map_or(&[][..], Vec::as_slice),
            &r.vars,
            &query,
            &parts.headers,
            (!over_cap).then_some(&head[..]),
            body_present,
        ),
        None => Vec::new(),
    };
    let sent = Sent {
        method: method_name.clone(),
        url: format!("{}{}", shared.origin, path_and_query),
        headers: client_headers.clone(),
        body: body_present.then(|| head.slice(..head.len().min(shared.max_body))),
        api_key: None,
    };
    let content_type = parts.headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).map(str::to_owned);
    let model = request::model_request(
        Method::parse(&method_name).unwrap_or(Method::Get),
        &below,
        query,
        client_headers,
        content_type,
        (!over_cap).then_some(&head[..]),
    );
    let exchange =
        Pending { routed: routed.map(|r| r.op), client, model, sent, position, started, method: method_name };

    // Forward: same method, path, query, headers and body; the target's Host.
    parts.headers.insert(header::HOST, shared.host.clone());
    let mut forwarded = HttpRequest::from_parts(parts, RequestBody::new(head, rest));
    *forwarded.uri_mut() = path_and_query.parse().unwrap_or_else(|_| hyper::http::Uri::from_static("/"));
    let mut sender = match shared.pool.get().await {
        Ok(sender) => sender,
        Err(why) => {
            judge(&shared, exchange, Err(TransportFailure { kind: "connect", message: why }));
            drop(guard);
            return Ok(bad_gateway("conform proxy: the target cannot be reached\n"));
        }
    };
    let answer = match tokio::time::timeout(shared.timeout, sender.send_request(forwarded)).await {
        Ok(Ok(answer)) => answer,
        Ok(Err(e)) => {
            let failure = TransportFailure { kind: "reset", message: format!("the target gave no answer: {e}") };
            judge(&shared, exchange, Err(failure));
            drop(guard);
            return Ok(bad_gateway("conform proxy: the target gave no answer\n"));
        }
        Err(_) => {
            let failure = TransportFailure {
                kind: "timeout",
                message: format!("no answer within {} s", shared.timeout.as_secs_f64()),
            };
            judge(&shared, exchange, Err(failure));
            drop(guard);
            return Ok(bad_gateway("conform proxy: the target did not answer in time\n"));
        }
    };
    let (mut head, body) = answer.into_parts();
    forward::strip_hop_by_hop(&mut head.headers);
    let status = head.status.as_u16();
    let headers: Vec<(String, String)> = head
        .headers
        .iter()
        .map(|(k, v)| (k.as_str().to_owned(), String::from_utf8_lossy(v.as_bytes()).into_owned()))
        .collect();
    let done_shared = shared.clone();
    let done = Box::new(move |kept: Kept| {
        done_shared.pool.put(sender);
        let result = match kept.broken {
            Some(why) => Err(TransportFailure { kind: "body", message: format!("the answer's body broke off: {why}") }),
            None => Ok(Response {
                status,
                headers,
                body: kept.body,
                truncated: kept.truncated,
                elapsed: exchange.started.elapsed(),
            }),
        };
        // Judging validates a body of up to `max_body` bytes: off the connection's task.
        tokio::task::spawn_blocking(move || {
            judge(&done_shared, exchange, result);
            drop(guard);
        });
    });
    let body = TeeBody::new(body, shared.max_body, done);
    Ok(HttpResponse::from_parts(head, http_body_util::Either::Left(body)))
}

fn bad_gateway(text: &'static str) -> Answer {
    let mut answer = HttpResponse::new(http_body_util::Either::Right(TeeBody::fixed(text)));
    *answer.status_mut() = StatusCode::BAD_GATEWAY;
    answer.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain"));
    answer
}

/// One exchange waiting for its answer to end.
struct Pending {
    /// The operation, `None` for a path or method the spec does not document.
    routed: Option<usize>,
    client: Vec<CheckFailure>,
    model: Request,
    sent: Sent,
    position: Position,
    started: Instant,
    method: String,
}

/// Judges an exchange and records it: the client's breaks, then the answer by the run's checks.
fn judge(shared: &Shared, exchange: Pending, result: Result<Response, TransportFailure>) {
    let phase = Phase::Examples;
    let Some(op) = exchange.routed else {
        unknown(shared, exchange, result.ok());
        return;
    };
    let Some(operation) = shared.spec.operations.get(op) else { return };
    let case: Case = request::case(operation, op, exchange.model, &exchange.client);
    let outcome = Outcome { sent: exchange.sent, requests: 1, result };
    let (mut failures, mut checks) = shared.recorder.judge(&case, &outcome);
    let status = outcome.result.as_ref().ok().map(|r| r.status);
    checks = checks.with(CheckName::RequestParametersConformance);
    if operation.request_body.is_some() {
        checks = checks.with(CheckName::RequestContentTypeConformance).with(CheckName::RequestSchemaConformance);
    }
    let mut all = exchange.client;
    all.append(&mut failures);
    let valid = case.is_valid();
    shared.recorder.record(&Event::CaseSent { phase, operation: op, requests: 1 });
    shared.recorder.record(&Event::AnswerJudged { phase, operation: op, valid, status, checks, failures: all.len() });
    // What the client exercised of the contract: its intent is not known, only what it sent.
    let content_type = outcome.result.as_ref().ok().and_then(|r| r.header("content-type"));
    let facts = crate::model::coverage::Facts::of_request(operation, &case.request, status, content_type);
    shared.recorder.record(&Event::Covered { operation: op, facts: &facts });
    if all.is_empty() {
        return;
    }
    let example =
        Example { case, sent: outcome.sent, response: outcome.result.ok(), credentials: Credentials::Configured }
            .bounded();
    for failure in &all {
        shared.recorder.record(&Event::Finding {
            phase,
            operation: op,
            position: exchange.position,
            failure,
            example: &example,
            steps: &[],
        });
    }
}

/// A request to a path or method the spec does not document: an `unknown_operation` finding
/// under the operation `METHOD path`.
fn unknown(shared: &Shared, exchange: Pending, response: Option<Response>) {
    shared.unknown_requests.fetch_add(1, Ordering::Relaxed);
    let path = exchange.sent.url.strip_prefix(shared.origin.as_str()).unwrap_or("/");
    let path = path.split('?').next().unwrap_or("/");
    let shown: String = exchange.method.chars().filter(|c| c.is_ascii_graphic()).take(16).collect();
    let name = format!("{shown} {path}");
    let known_path = shared.spec.route(request::below_base(path, &shared.base)).is_some();
    let message = if known_path {
        format!("the spec does not document {shown} on {path}")
    } else {
        format!("the spec documents no path {path}")
    };
    let signature = if known_path { "method" } else { "path" };
    let mut map = shared.unknown.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    if let Some(entry) = map.get_mut(&name) {
        entry.count += 1;
        return;
    }
    if map.len() >= MAX_UNKNOWN {
        return;
    }
    let case = Case {
        operation: usize::MAX,
        index: 0,
        kind: CaseKind::Valid,
        origin: CaseOrigin::Example,
        seed: None,
        request: exchange.model,
        edge: None,
    };
    let example = Example { case, sent: exchange.sent, response, credentials: Credentials::Configured }.bounded();
    let failure = CheckFailure::new(CheckName::UnknownOperation, message, signature);
    map.insert(name, Unknown { count: 1, position: exchange.position, failure, example });
}

#[cfg(test)]
mod tests;

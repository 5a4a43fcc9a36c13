//! Putting a generated [`Request`] on the wire and reading the answer, defensively: a server
//! that hangs, resets, answers garbage or a huge body costs one `transport` failure, never the
//! run. Bodies are read up to a cap; 429 answers are retried after `Retry-After` a bounded number
//! of times; a Digest challenge is answered once.
//!
//! Plain `http://` targets (with no proxy configured in the environment) take a fast path: a
//! small pool of HTTP/1.1 keep-alive connections, each driven by hyper inside the task that sends
//! on it, so a request costs no URL parsing, no pool lookup by host and no hand-off to a
//! connection task. `https://` targets, and any target when a proxy is configured, go through
//! reqwest. Both paths read answers the same way and classify failures with the same kinds.
//!
//! The fast path opens its connections through a [`Dial`] when the pool has one (an in-process
//! service, see [`inprocess`]) instead of TCP: everything above the byte stream (the
//! pool, retries, timeouts, body caps, failure kinds) is the same for both.

pub mod auth;
mod http;
pub mod inprocess;

use crate::generate::Request;
use crate::model::{Credentials, Response, Sent};
use auth::{Authenticator, TokenClient};
pub use http::describe;
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper::client::conn::http1;
use hyper_util::rt::TokioIo;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

/// Query keys and values: everything but RFC 3986 unreserved characters is encoded.
const QUERY: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'~');
/// 429 answers are retried at most this many times per request.
const MAX_RATE_LIMIT_RETRIES: u32 = 3;
/// A `Retry-After` longer than this is not waited for.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(30);

/// Why no usable answer came.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransportFailure {
    /// Stable kind for deduplication: `connect`, `timeout`, `reset`, `body`, `too_large`,
    /// `rate_limited`, `request`.
    pub kind: &'static str,
    /// What happened, as a lowercase fragment.
    pub message: String,
}

/// The reqwest client, for `https://` and proxied targets and for OAuth2 token endpoints.
/// Building one loads the system's CA certificates (about 0.1 s of CPU, more than a thousand
/// requests cost), so a run whose target takes the plain-HTTP fast path and that fetches no
/// token never builds it.
pub struct Client {
    builder: Mutex<Option<reqwest::ClientBuilder>>,
    built: OnceLock<Result<reqwest::Client, String>>,
}

impl Client {
    /// Builds the client now when `base` does not take the fast path or `eager` says so
    /// (OAuth2), so that a client that cannot be built stops the run before it starts.
    ///
    /// # Errors
    /// Why reqwest could not build the client.
    pub fn new(builder: reqwest::ClientBuilder, base: &str, eager: bool) -> Result<Client, String> {
        let client = Client { builder: Mutex::new(Some(builder)), built: OnceLock::new() };
        if eager || direct_target(base, None).is_none() {
            client.get()?;
        }
        Ok(client)
    }

    /// The client, built on first use.
    ///
    /// # Errors
    /// Why reqwest could not build it.
    pub fn get(&self) -> Result<&reqwest::Client, String> {
        self.built
            .get_or_init(|| {
                let builder = self.builder.lock().unwrap_or_else(std::sync::PoisonError::into_inner).take();
                crate::tls::install_default_provider();
                builder.unwrap_or_default().build().map_err(|e| describe(&e))
            })
            .as_ref()
            .map_err(Clone::clone)
    }
}

impl TokenClient for Client {
    fn reqwest(&self) -> Result<&reqwest::Client, String> {
        self.get()
    }
}

/// Sends requests to one target. Shared by every task.
pub struct Transport {
    /// The reqwest client, for `https://` and proxied targets and OAuth2 token endpoints.
    pub client: Client,
    /// `scheme://host:port` plus the base path, without a trailing slash.
    pub base: String,
    /// Adds the run's credentials (or the probes' wrong ones).
    pub auth: Arc<Authenticator>,
    /// `-H` headers, added to every request.
    pub extra_headers: Vec<(String, String)>,
    /// Bytes of an answer read at most; a longer body is cut (`truncated`).
    pub max_body: usize,
    /// How long to wait for an answer before a `timeout` failure.
    pub timeout: Duration,
    /// Spaces requests out when a rate limit is set.
    pub rate: Option<RateLimiter>,
    /// Keep-alive connections of the plain-HTTP fast path (unused for other targets).
    pub pool: Pool,
}

/// The plain-HTTP fast path's idle connections, and where they go (worked out from
/// [`Transport::base`] on first use).
#[derive(Default)]
pub struct Pool {
    target: OnceLock<Option<Direct>>,
    idle: Mutex<Vec<Conn>>,
    /// Opens connections instead of TCP (an in-process target); set once, before any request.
    dialer: Option<Arc<dyn Dial>>,
}

impl Pool {
    /// A pool whose connections `dialer` opens (`None`: TCP to the base URL's host).
    pub fn with_dialer(dialer: Option<Arc<dyn Dial>>) -> Pool {
        Pool { dialer, ..Pool::default() }
    }
}

/// The byte stream a fast-path connection runs on: a TCP socket, or what a [`Dial`] opened.
pub trait Io: tokio::io::AsyncRead + tokio::io::AsyncWrite + Send + Unpin {}
impl<T: tokio::io::AsyncRead + tokio::io::AsyncWrite + Send + Unpin> Io for T {}

/// A connection being opened by a [`Dial`].
pub type Dialing<'a> = Pin<Box<dyn Future<Output = std::io::Result<Box<dyn Io>>> + Send + 'a>>;

/// Opens connections to a target that is not reached over TCP. A failure to open one is a
/// `connect` failure of the request that needed it, as a refused TCP connection is.
pub trait Dial: Send + Sync {
    /// A new connection's stream.
    fn dial(&self) -> Dialing<'_>;
}

/// Idle connections kept at most (as many as `--concurrency` allows in flight).
const MAX_IDLE: usize = 1024;

/// A target the fast path serves: `host:port` to connect to and the `Host` header value.
struct Direct {
    host: String,
    port: u16,
    /// Opens the connections instead of TCP to `host:port`.
    dialer: Option<Arc<dyn Dial>>,
    host_header: hyper::header::HeaderValue,
    user_agent: hyper::header::HeaderValue,
}

/// One HTTP/1.1 connection: the sending half and the connection future that does its I/O.
struct Conn {
    sender: http1::SendRequest<Full<Bytes>>,
    connection: http1::Connection<TokioIo<Box<dyn Io>>, Full<Bytes>>,
    /// When it last went back to the pool (see [`MAX_IDLE_AGE`]).
    idle_since: Instant,
}

/// How long an idle connection is reused. Servers close idle keep-alive connections (gunicorn
/// after 2 s, uvicorn after 5 s), and a request written while the close is under way is reset
/// with no answer: a `transport` finding the server did not earn. A connection idle longer
/// than this is dropped and a new one opened.
const MAX_IDLE_AGE: Duration = Duration::from_secs(1);

/// Why a fast-path exchange failed, before it is worded as a [`TransportFailure`].
enum Failed {
    Connect(std::io::Error),
    /// No complete answer head.
    Head(hyper::Error),
    /// The body broke off after the head.
    Body(u16, hyper::Error),
}

impl Transport {
    /// Every secret value the requests carry, for reporters to redact: the credentials', and the
    /// values of `-H` headers whose names mark them as credentials (`X-Api-Key`, `Authorization`…),
    /// which a server may echo anywhere.
    pub fn secrets(&self) -> Vec<String> {
        let mut secrets = self.auth.secrets();
        for (name, value) in &self.extra_headers {
            if crate::model::redact::is_credential_header(name) {
                secrets.push(value.trim().to_owned());
                // `Bearer abc`: the token alone is what an echo may show.
                if let Some((_, rest)) = value.trim().split_once(' ') {
                    secrets.push(rest.trim().to_owned());
                }
            }
        }
        secrets
    }
}

pub use crate::spec::shown_url;

/// Spaces requests `1/rate` seconds apart across all tasks.
pub struct RateLimiter {
    interval: Duration,
    next: tokio::sync::Mutex<Instant>,
}

impl RateLimiter {
    /// A limiter allowing `per_second` requests a second (at least one every 1000 s).
    pub fn new(per_second: f64) -> RateLimiter {
        let interval = Duration::from_secs_f64(1.0 / per_second.max(0.001));
        RateLimiter { interval, next: tokio::sync::Mutex::new(Instant::now()) }
    }

    async fn wait(&self) {
        let slot = {
            let mut next = self.next.lock().await;
            let slot = (*next).max(Instant::now());
            *next = slot + self.interval;
            slot
        };
        tokio::time::sleep_until(slot.into()).await;
    }
}

/// The answer to one exchange: what was sent, how many HTTP requests it took, and the answer.
pub struct Outcome {
    /// The request as it went on the wire (the last attempt).
    pub sent: Sent,
    /// HTTP requests it took: retries after a 429 or a Digest challenge included.
    pub requests: usize,
    /// The answer, or why no usable one came.
    pub result: Result<Response, TransportFailure>,
}

impl Transport {
    /// Builds the URL of a request: base + path + encoded query.
    pub fn url(&self, request: &Request) -> String {
        let mut url = String::with_capacity(self.base.len() + request.path.len() + 64);
        url.push_str(&self.base);
        url.push_str(&request.path);
        for (i, (k, v)) in request.query.iter().enumerate() {
            url.push(if i == 0 { '?' } else { '&' });
            url.extend(utf8_percent_encode(k, QUERY));
            url.push('=');
            url.extend(utf8_percent_encode(v, QUERY));
        }
        url
    }

    /// Sends one request (with Digest and 429 handling) and reads the answer.
    pub async fn send(&self, request: &Request, accept: &str, credentials: Credentials) -> Outcome {
        let mut url = self.url(request);
        let api_key = self.auth.api_key(credentials);
        if let Some((place, key)) = api_key.filter(|(p, _)| p.location == crate::spec::ParamLocation::Query) {
            url.push(if request.query.is_empty() { '?' } else { '&' });
            url.extend(utf8_percent_encode(&place.name, QUERY));
            url.push('=');
            url.extend(utf8_percent_encode(key, QUERY));
        }
        let body = request.body.as_ref().map(|b| Bytes::from(b.to_bytes()));
        let uri = path_and_query(&url);
        let mut requests = 0;
        let mut digest_retried = false;
        let mut rate_retries = 0;
        loop {
            // Wait first: credentials chosen before the wait could expire (an OAuth token) or
            // fall out of order (a Digest nonce count) while it lasts.
            if let Some(rate) = &self.rate {
                rate.wait().await;
            }
            let authorization = match credentials {
                Credentials::Omitted => None,
                Credentials::Wrong => self.auth.wrong_authorization(request.method.as_str(), uri, body.as_deref()),
                Credentials::Configured | Credentials::Other => {
                    let auth = self.auth.of(credentials);
                    match auth.authorization(&self.client, request.method.as_str(), uri, body.as_deref()).await {
                        Ok(a) => a,
                        Err(e) => {
                            let sent = self.sent(request, &url, accept, credentials, None, &body);
                            let failure = TransportFailure { kind: "auth", message: e.to_string() };
                            return Outcome { sent, requests, result: Err(failure) };
                        }
                    }
                }
            };
            let sent = self.sent(request, &url, accept, credentials, authorization.as_deref(), &body);
            requests += 1;
            let result = self.exchange(&sent).await;
            let Ok(response) = &result else { return Outcome { sent, requests, result } };
            // With envelope=true the 401 (and its challenge) may come wrapped in a 200.
            if matches!(credentials, Credentials::Configured | Credentials::Other)
                && !digest_retried
                && crate::model::envelope::effective_status_is(request, response, 401)
            {
                let challenge = response.header("www-authenticate").unwrap_or_default().to_owned();
                match self.auth.of(credentials).learn_challenge(&challenge) {
                    Ok(true) => {
                        digest_retried = true;
                        continue;
                    }
                    Ok(false) => {}
                    Err(e) => {
                        return Outcome {
                            sent,
                            requests,
                            result: Err(TransportFailure { kind: "auth", message: e.to_string() }),
                        };
                    }
                }
            }
            if response.status == 429 {
                if rate_retries >= MAX_RATE_LIMIT_RETRIES {
                    let failure = TransportFailure {
                        kind: "rate_limited",
                        message: format!("still rate limited (429) after {MAX_RATE_LIMIT_RETRIES} retries"),
                    };
                    return Outcome { sent, requests, result: Err(failure) };
                }
                rate_retries += 1;
                let wait = retry_after(response.header("retry-after")).unwrap_or(Duration::from_secs(1));
                tokio::time::sleep(wait.min(MAX_RETRY_AFTER).min(self.timeout)).await;
                continue;
            }
            return Outcome { sent, requests, result };
        }
    }

    fn sent(
        &self,
        request: &Request,
        url: &str,
        accept: &str,
        credentials: Credentials,
        authorization: Option<&str>,
        body: &Option<Bytes>,
    ) -> Sent {
        let mut headers = Vec::with_capacity(request.headers.len() + self.extra_headers.len() + 4);
        if !accept.is_empty() {
            headers.push(("Accept".to_owned(), accept.to_owned()));
        }
        if let Some(ct) = &request.content_type {
            headers.push(("Content-Type".to_owned(), ct.clone()));
        }
        headers.extend(request.headers.iter().cloned());
        let api_key = self.auth.api_key(credentials);
        let mut cookies: Vec<String> = request.cookies.iter().map(|(k, v)| format!("{k}={v}")).collect();
        match api_key {
            Some((place, key)) if place.location == crate::spec::ParamLocation::Header => {
                headers.retain(|(k, _)| !k.eq_ignore_ascii_case(&place.name));
                headers.push((place.name.clone(), key.to_owned()));
            }
            Some((place, key)) if place.location == crate::spec::ParamLocation::Cookie => {
                cookies.push(format!("{}={key}", place.name));
            }
            _ => {}
        }
        if !cookies.is_empty() {
            headers.push(("Cookie".to_owned(), cookies.join("; ")));
        }
        // Credentials given with `-H` are the configured ones: a probe leaves them out.
        headers.extend(
            self.extra_headers
                .iter()
                .filter(|(k, _)| credentials == Credentials::Configured || !self.auth.is_credential_header(k))
                .cloned(),
        );
        if let Some(a) = authorization {
            headers.push(("Authorization".to_owned(), a.to_owned()));
        }
        Sent {
            method: request.method.as_str().to_owned(),
            url: url.to_owned(),
            headers,
            body: body.clone(),
            api_key: api_key.map(|(place, _)| place.clone()),
        }
    }

    async fn exchange(&self, sent: &Sent) -> Result<Response, TransportFailure> {
        match self.direct() {
            Some(direct) => self.exchange_direct(direct, sent).await,
            None => self.exchange_reqwest(sent).await,
        }
    }

    /// The fast path's target, when [`Transport::base`] is plain HTTP and no proxy is set.
    fn direct(&self) -> Option<&Direct> {
        self.pool.target.get_or_init(|| direct_target(&self.base, self.pool.dialer.clone())).as_ref()
    }

    /// One exchange on a pooled keep-alive connection (a new one when none is idle), within
    /// the timeout. A server may close an idle keep-alive connection at any time (RFC 9112
    /// §9.6), so a request that failed on a reused connection before an answer head came is
    /// sent again, as RFC 9112 §9.3.1 allows: on another connection when it had not been
    /// written, and once on a fresh one when it had been but its method is idempotent. A
    /// written `POST` or `PATCH` is never sent twice (it may have been applied); what keeps
    /// it off connections about to close is the rule in [`Transport::exchange_on`].
    async fn exchange_direct(&self, direct: &Direct, sent: &Sent) -> Result<Response, TransportFailure> {
        let start = Instant::now();
        let request = build_request(direct, sent).map_err(|message| TransportFailure { kind: "request", message })?;
        let idempotent = idempotent(&sent.method);
        let attempt = async {
            let mut request = request;
            let mut fresh_only = false;
            loop {
                let pooled = if fresh_only { None } else { self.checkout() };
                let (conn, reused) = match pooled {
                    Some(conn) => (conn, true),
                    None => (connect(direct).await.map_err(Failed::Connect)?, false),
                };
                match self.exchange_on(conn, request).await {
                    Err((Failed::Head(e), Some(unsent))) if reused && !e.is_timeout() => request = unsent,
                    Err((Failed::Head(e), None)) if reused && idempotent && !e.is_timeout() => {
                        // Built once already, so it builds again.
                        let Ok(again) = build_request(direct, sent) else { return Err(Failed::Head(e)) };
                        request = again;
                        fresh_only = true;
                    }
                    other => return other.map_err(|(failed, _)| failed),
                }
            }
        };
        let result = match tokio::time::timeout(self.timeout, attempt).await {
            Ok(result) => result,
            Err(_) => return Err(TransportFailure { kind: "timeout", message: "no answer within the timeout".into() }),
        };
        match result {
            Ok((status, headers, body, truncated)) => {
                Ok(Response { status, headers, body, truncated, elapsed: start.elapsed() })
            }
            Err(Failed::Connect(e)) => {
                Err(TransportFailure { kind: "connect", message: format!("cannot connect: {}", describe_error(&e)) })
            }
            Err(Failed::Head(e)) => Err(TransportFailure {
                kind: "reset",
                message: format!("the connection failed before an answer: {}", describe_error(&e)),
            }),
            Err(Failed::Body(status, e)) => Err(TransportFailure {
                kind: "body",
                message: format!("the connection broke while reading the {status} body: {}", describe_error(&e)),
            }),
        }
    }

    fn checkout(&self) -> Option<Conn> {
        let mut idle = self.pool.idle.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        while let Some(conn) = idle.pop() {
            if !conn.sender.is_closed() && conn.idle_since.elapsed() <= MAX_IDLE_AGE {
                return Some(conn);
            }
        }
        None
    }

    fn checkin(&self, mut conn: Conn) {
        conn.idle_since = Instant::now();
        let mut idle = self.pool.idle.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if idle.len() < MAX_IDLE {
            idle.push(conn);
        }
    }

    /// Sends on one connection and reads the answer (up to the body cap) while driving the
    /// connection's I/O in this task. The connection goes back to the pool when it can carry
    /// another request. On a failure before the head, the request comes back if it was never
    /// written.
    #[allow(clippy::type_complexity)]
    async fn exchange_on(
        &self,
        mut conn: Conn,
        request: hyper::Request<Full<Bytes>>,
    ) -> Result<(u16, Vec<(String, String)>, Vec<u8>, bool), (Failed, Option<hyper::Request<Full<Bytes>>>)> {
        let Conn { sender, connection, .. } = &mut conn;
        let exchange = async {
            if let Err(e) = std::future::poll_fn(|cx| sender.poll_ready(cx)).await {
                return Err((Failed::Head(e), Some(request)));
            }
            let response = match sender.try_send_request(request).await {
                Ok(response) => response,
                Err(mut e) => {
                    let unsent = e.take_message();
                    return Err((Failed::Head(e.into_error()), unsent));
                }
            };
            let status = response.status().as_u16();
            let headers = owned_headers(response.headers());
            let (mut body, hold) = body_buffer(response.headers(), self.max_body);
            let mut body_stream = response.into_body();
            let mut truncated = false;
            while let Some(frame) = body_stream.frame().await {
                let frame = frame.map_err(|e| (Failed::Body(status, e), None))?;
                let Ok(chunk) = frame.into_data() else { continue };
                if !take(&mut body, &chunk, hold) {
                    truncated = true;
                    break;
                }
            }
            Ok((status, headers, body, truncated))
        };
        let (result, open) = drive(connection, exchange).await;
        // After a server error the server may close the connection without saying so: uvicorn
        // closes it after every exception that escapes the application, and Starlette
        // re-raises after sending its 500 (or a handler's 503). The next request written on
        // it would be reset unanswered, and blamed for it.
        let reusable = open && matches!(&result, Ok((status, _, _, false)) if *status < 500);
        if reusable {
            self.checkin(conn);
        }
        result
    }

    async fn exchange_reqwest(&self, sent: &Sent) -> Result<Response, TransportFailure> {
        let method = reqwest::Method::from_bytes(sent.method.as_bytes()).map_err(|_| TransportFailure {
            kind: "request",
            message: format!("`{}` is not an HTTP method", sent.method),
        })?;
        let client = self.client.get().map_err(|message| TransportFailure { kind: "request", message })?;
        let mut builder = client.request(method, &sent.url);
        for (name, value) in &sent.headers {
            builder = builder.header(name.as_str(), value.as_str());
        }
        if let Some(body) = &sent.body {
            builder = builder.body(body.clone());
        }
        let start = Instant::now();
        let mut response = builder.send().await.map_err(|e| classify(&e))?;
        let status = response.status().as_u16();
        let headers = owned_headers(response.headers());
        let (mut body, hold) = body_buffer(response.headers(), self.max_body);
        let mut truncated = false;
        loop {
            match response.chunk().await {
                Ok(Some(chunk)) => {
                    if !take(&mut body, &chunk, hold) {
                        truncated = true;
                        break;
                    }
                }
                Ok(None) => break,
                Err(e) => {
                    let mut failure = classify(&e);
                    if failure.kind != "timeout" {
                        failure.kind = "body";
                        failure.message =
                            format!("the connection broke while reading the {status} body: {}", describe(&e));
                    } else {
                        failure.message = format!("timed out while reading the {status} body");
                    }
                    return Err(failure);
                }
            }
        }
        Ok(Response { status, headers, body, truncated, elapsed: start.elapsed() })
    }
}

/// An answer's headers as owned pairs (values that are not UTF-8 are shown lossily).
fn owned_headers(headers: &hyper::HeaderMap) -> Vec<(String, String)> {
    headers.iter().map(|(k, v)| (k.as_str().to_owned(), String::from_utf8_lossy(v.as_bytes()).into_owned())).collect()
}

/// The buffer for a body and how much of it to hold. A body whose `Content-Length` is over
/// `cap` will be cut whatever it holds, and a cut body is judged by the `transport` check
/// alone, so only an excerpt of it is read. Otherwise up to `cap` bytes are held, in a buffer
/// sized once from `Content-Length` when the server gives one.
fn body_buffer(headers: &hyper::HeaderMap, cap: usize) -> (Vec<u8>, usize) {
    let declared = headers
        .get(hyper::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<usize>().ok());
    let hold = match declared {
        Some(len) if len > cap => crate::model::EXCERPT.min(cap),
        _ => cap,
    };
    (Vec::with_capacity(declared.unwrap_or(0).min(hold)), hold)
}

/// Appends `chunk` to `body` up to `cap` bytes in all; false when the chunk had to be cut.
/// The buffer never grows past `cap`: memory per answer in flight is bounded by the cap, not
/// by the next power of two above it.
fn take(body: &mut Vec<u8>, chunk: &[u8], cap: usize) -> bool {
    let room = cap.saturating_sub(body.len());
    let part = &chunk[..chunk.len().min(room)];
    let needed = body.len() + part.len();
    if needed > body.capacity() {
        // Past 1 MiB, one reservation up to the cap: pages not yet written are not resident,
        // and no large buffer is copied into a larger one while both are held.
        let doubled = body.capacity().saturating_mul(2).max(needed).max(8 * 1024);
        let target = if doubled > 1024 * 1024 { cap } else { doubled.min(cap) };
        body.reserve_exact(target.max(needed) - body.len());
    }
    body.extend_from_slice(part);
    chunk.len() <= room
}

/// The fast path's target for `base`: plain HTTP, and no proxy in the environment (a proxy
/// does not apply to connections a `dialer` opens).
fn direct_target(base: &str, dialer: Option<Arc<dyn Dial>>) -> Option<Direct> {
    let proxied = dialer.is_none()
        && ["http_proxy", "HTTP_PROXY", "all_proxy", "ALL_PROXY"]
            .iter()
            .any(|v| std::env::var_os(v).is_some_and(|x| !x.is_empty()));
    let url = url::Url::parse(base).ok().filter(|u| u.scheme() == "http" && !proxied)?;
    let host = url.host_str()?.to_owned();
    let port = url.port_or_known_default()?;
    let host_header = match url.port() {
        Some(p) => format!("{host}:{p}"),
        None => host.clone(),
    };
    Some(Direct {
        host: host.trim_start_matches('[').trim_end_matches(']').to_owned(),
        port,
        dialer,
        host_header: hyper::header::HeaderValue::from_str(&host_header).ok()?,
        user_agent: hyper::header::HeaderValue::from_static(concat!("conform/", env!("CARGO_PKG_VERSION"))),
    })
}

/// Whether a request with this method may be sent again after the connection failed
/// (RFC 9110 §9.2.2).
fn idempotent(method: &str) -> bool {
    matches!(method, "GET" | "HEAD" | "PUT" | "DELETE" | "OPTIONS" | "TRACE")
}

/// Opens a connection to the fast path's target.
async fn connect(direct: &Direct) -> std::io::Result<Conn> {
    let stream: Box<dyn Io> = match &direct.dialer {
        Some(dialer) => dialer.dial().await?,
        None => {
            let stream = tokio::net::TcpStream::connect((direct.host.as_str(), direct.port)).await?;
            stream.set_nodelay(true)?;
            Box::new(stream)
        }
    };
    let (sender, connection) = http1::handshake(TokioIo::new(stream)).await.map_err(std::io::Error::other)?;
    Ok(Conn { sender, connection, idle_since: Instant::now() })
}

/// Polls `exchange` to completion while driving `connection` (whose I/O it needs) in the same
/// task. Returns the exchange's output and whether the connection is still open.
async fn drive<F: Future>(
    connection: &mut http1::Connection<TokioIo<Box<dyn Io>>, Full<Bytes>>,
    exchange: F,
) -> (F::Output, bool) {
    let mut exchange = std::pin::pin!(exchange);
    let mut open = true;
    let output = std::future::poll_fn(|cx| {
        if open && Pin::new(&mut *connection).poll(cx).is_ready() {
            // Closed (or failed): the exchange learns it from its own half.
            open = false;
        }
        exchange.as_mut().poll(cx)
    })
    .await;
    (output, open)
}

/// The request the fast path sends: what reqwest would have sent for the same [`Sent`]
/// (origin-form target, `Host`, `User-Agent`, `Accept: */*` unless one is given).
fn build_request(direct: &Direct, sent: &Sent) -> Result<hyper::Request<Full<Bytes>>, String> {
    let method = hyper::Method::from_bytes(sent.method.as_bytes())
        .map_err(|_| format!("`{}` is not an HTTP method", sent.method))?;
    let target = origin_form(&sent.url).ok_or_else(|| "the request URL cannot be sent".to_owned())?;
    let mut request = hyper::Request::builder()
        .method(method)
        .uri(target)
        .body(Full::new(sent.body.clone().unwrap_or_default()))
        .map_err(|e| e.to_string())?;
    let headers = request.headers_mut();
    headers.insert(hyper::header::HOST, direct.host_header.clone());
    let mut has_accept = false;
    let mut has_agent = false;
    for (name, value) in &sent.headers {
        let name = hyper::header::HeaderName::from_bytes(name.as_bytes())
            .map_err(|_| format!("`{name}` is not a valid header name"))?;
        let value = hyper::header::HeaderValue::from_str(value)
            .map_err(|_| format!("the value of header {name} is not a valid header value"))?;
        has_accept |= name == hyper::header::ACCEPT;
        has_agent |= name == hyper::header::USER_AGENT;
        headers.append(name, value);
    }
    if !has_accept {
        headers.insert(hyper::header::ACCEPT, hyper::header::HeaderValue::from_static("*/*"));
    }
    if !has_agent {
        headers.insert(hyper::header::USER_AGENT, direct.user_agent.clone());
    }
    Ok(request)
}

/// Path and query of `url` as a request target, normalised as the `url` crate (and so reqwest)
/// would: the common case, a path of plain characters without dot segments, is taken as it
/// is; anything else goes through the URL parser.
fn origin_form(url: &str) -> Option<hyper::Uri> {
    let target = path_and_query(url);
    let plain = target.bytes().all(|b| {
        b.is_ascii_alphanumeric()
            || matches!(b, b'-' | b'.' | b'_' | b'~' | b'!' | b'$' | b'&' | b'\'' | b'(' | b')' | b'*' | b'+')
            || matches!(b, b',' | b';' | b'=' | b':' | b'@' | b'/' | b'%' | b'?')
    }) && !target.contains("/.")
        && !target.contains('#');
    if plain {
        return hyper::Uri::try_from(target).ok();
    }
    let parsed = url::Url::parse(url).ok()?;
    let mut normalised = parsed.path().to_owned();
    if let Some(q) = parsed.query() {
        normalised.push('?');
        normalised.push_str(q);
    }
    hyper::Uri::try_from(normalised).ok()
}

/// `Retry-After`: delay seconds or an HTTP date (any of the three formats HTTP allows).
fn retry_after(value: Option<&str>) -> Option<Duration> {
    let value = value?.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let when = httpdate::parse_http_date(value).ok()?;
    // A date in the past means now.
    Some(when.duration_since(std::time::SystemTime::now()).unwrap_or(Duration::ZERO))
}

fn path_and_query(url: &str) -> &str {
    let after_scheme = after_scheme(url);
    after_scheme.find('/').map_or("/", |i| &after_scheme[i..])
}

/// `url` after its `scheme://`, or the whole of it when it has none. A byte scan: the general
/// substring search sets up a searcher per call, and this runs for every request.
fn after_scheme(url: &str) -> &str {
    let bytes = url.as_bytes();
    (0..bytes.len().saturating_sub(2)).find(|&i| &bytes[i..i + 3] == b"://").map_or(url, |i| &url[i + 3..])
}

fn classify(e: &reqwest::Error) -> TransportFailure {
    let message = describe(e);
    let kind = if e.is_timeout() {
        "timeout"
    } else if e.is_connect() {
        "connect"
    } else if e.is_body() || e.is_decode() {
        "body"
    } else if e.is_request() {
        "reset"
    } else {
        "request"
    };
    let message = match kind {
        "timeout" => "no answer within the timeout".to_owned(),
        "connect" => format!("cannot connect: {message}"),
        "reset" => format!("the connection failed before an answer: {message}"),
        _ => message,
    };
    TransportFailure { kind, message }
}

/// An error and its sources as one message, each distinct part once.
fn describe_error(e: &(dyn std::error::Error + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(s) = source {
        let text = s.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        source = s.source();
    }
    parts.join(": ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_reads_seconds_and_dates() {
        assert_eq!(retry_after(Some("3")), Some(Duration::from_secs(3)));
        assert_eq!(retry_after(Some("Sun, 06 Nov 1994 08:49:37 GMT")), Some(Duration::ZERO));
        assert_eq!(retry_after(Some("soon")), None);
        // Answers are hostile input: odd dates are no date, never a panic.
        for odd in ["Sun, 06 Jan 0 08:49:37 GMT", "Sun, 06 Nov 1969 99999999999:49:37 GMT", "Mon, 00 Feb 1 0:0:0 GMT"] {
            assert_eq!(retry_after(Some(odd)), None, "{odd}");
        }
        let later = httpdate::fmt_http_date(std::time::SystemTime::now() + Duration::from_secs(120));
        assert!(retry_after(Some(&later)).is_some_and(|d| d > Duration::from_secs(100)));
        assert_eq!(retry_after(None), None);
    }

    #[test]
    fn urls_encode_query_pairs_and_keep_the_path() {
        let t = Transport {
            client: Client::new(reqwest::Client::builder(), "http://127.0.0.1:1/api", false).unwrap(),
            base: "http://127.0.0.1:1/api".into(),
            auth: Arc::new(
                Authenticator::new(
                    &super::auth::AuthSettings::default(),
                    &crate::spec::Spec::from_value(
                        "t",
                        serde_json::json!({"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": {}}),
                    )
                    .unwrap(),
                )
                .unwrap(),
            ),
            extra_headers: Vec::new(),
            max_body: 10,
            timeout: Duration::from_secs(1),
            rate: None,
            pool: Pool::default(),
        };
        let request = Request {
            method: crate::spec::Method::Get,
            path: "/a/b%2Fc".into(),
            query: vec![("q".into(), "a b&c=d".into()), ("x[y]".into(), "1".into())],
            headers: vec![],
            cookies: vec![],
            content_type: None,
            body: None,
        };
        assert_eq!(t.url(&request), "http://127.0.0.1:1/api/a/b%2Fc?q=a%20b%26c%3Dd&x%5By%5D=1");
        assert_eq!(path_and_query("http://h:1/a/b?c=d"), "/a/b?c=d");
    }

    fn transport(base: &str, timeout: Duration, max_body: usize) -> Transport {
        let spec = crate::spec::Spec::from_value(
            "t",
            serde_json::json!({"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": {}}),
        )
        .unwrap();
        Transport {
            client: Client::new(reqwest::Client::builder(), base, false).unwrap(),
            base: base.to_owned(),
            auth: Arc::new(Authenticator::new(&super::auth::AuthSettings::default(), &spec).unwrap()),
            extra_headers: vec![("X-Extra".into(), "1".into())],
            max_body,
            timeout,
            rate: None,
            pool: Pool::default(),
        }
    }

    fn get(path: &str) -> Request {
        Request {
            method: crate::spec::Method::Get,
            path: path.into(),
            query: vec![("q".into(), "a b".into())],
            headers: vec![],
            cookies: vec![],
            content_type: None,
            body: None,
        }
    }

    fn idle(t: &Transport) -> usize {
        t.pool.idle.lock().unwrap().len()
    }

    #[tokio::test]
    async fn plain_http_reuses_keep_alive_connections_and_sends_what_reqwest_sends() {
        use conform_testkit::server::{Reply, TestServer};
        let seen = Arc::new(Mutex::new(Vec::new()));
        let log = seen.clone();
        let server = TestServer::start(move |r| {
            log.lock().unwrap().push(r.clone());
            Reply::json(200, "application/json", &serde_json::json!({"ok": true}))
        })
        .await;
        let t = transport(&format!("{}/api", server.url()), Duration::from_secs(5), 1024);
        assert!(t.direct().is_some(), "plain http takes the fast path");
        let mut post = get("/w");
        post.method = crate::spec::Method::Post;
        post.content_type = Some("application/json".into());
        post.body = Some(crate::generate::Body::Json(serde_json::json!({"a": 1})));
        for request in [get("/w"), get("/w"), post] {
            let outcome = t.send(&request, "application/json", Credentials::Configured).await;
            let response = outcome.result.unwrap();
            assert_eq!((response.status, response.body.as_slice()), (200, &b"{\"ok\":true}"[..]));
            assert_eq!(response.header("content-type"), Some("application/json"));
            assert_eq!(idle(&t), 1, "one connection, back in the pool");
        }
        let seen = seen.lock().unwrap();
        assert_eq!(seen.len(), 3);
        let first = &seen[0];
        assert_eq!((first.method.as_str(), first.target.as_str()), ("GET", "/api/w?q=a%20b"));
        assert_eq!(first.header("host"), Some(server.addr().to_string().as_str()));
        assert_eq!(first.header("accept"), Some("application/json"));
        assert_eq!(first.header("x-extra"), Some("1"));
        assert!(first.header("user-agent").unwrap().starts_with("conform/"));
        assert_eq!((seen[2].method.as_str(), seen[2].body.as_slice()), ("POST", &b"{\"a\":1}"[..]));
        assert_eq!(seen[2].header("content-length"), Some("7"));
        assert_eq!(seen[2].header("content-type"), Some("application/json"));
    }

    /// Found looking into Prefect's resets (REAL_WORLD.md): uvicorn closes a keep-alive
    /// connection idle for 5 s, and a request written as it closes is reset with no answer. A
    /// connection idle longer than [`MAX_IDLE_AGE`] is not reused; a fresh one still is.
    #[tokio::test]
    async fn connections_idle_for_long_are_not_reused() {
        use conform_testkit::server::{Reply, TestServer};
        let server = TestServer::start(|_| Reply::empty(204)).await;
        let t = transport(&server.url(), Duration::from_secs(5), 16);
        let request = get("/w");
        let send = || t.send(&request, "", Credentials::Configured);
        assert_eq!(send().await.result.map(|r| r.status).ok(), Some(204));
        let fresh = t.checkout().expect("a connection just used is reused");
        t.checkin(fresh);
        tokio::time::sleep(MAX_IDLE_AGE + Duration::from_millis(200)).await;
        assert!(t.checkout().is_none(), "a connection idle for long may be closing on the server");
        assert_eq!(send().await.result.map(|r| r.status).ok(), Some(204), "a new connection is opened");
    }

    fn with_method(path: &str, method: crate::spec::Method) -> Request {
        let mut request = get(path);
        request.method = method;
        request
    }

    /// Found in Prefect's resets (REAL_WORLD.md): uvicorn answers a 500 (or 503) in full,
    /// keep-alive, then closes the connection, and the next request written on it was reset
    /// and reported as a `transport` failure of an operation that did nothing wrong.
    #[tokio::test]
    async fn a_connection_is_not_reused_after_a_server_error() {
        use crate::spec::Method;
        use conform_testkit::server::{Reply, TestServer};
        let server = TestServer::start(|r| match r.path() {
            "/boom" => Reply::HttpThenClose { status: 500, after: Duration::from_millis(500) },
            _ => Reply::empty(204),
        })
        .await;
        let t = transport(&server.url(), Duration::from_secs(5), 16);
        let status = |outcome: Outcome| outcome.result.map(|r| r.status).map_err(|f| f.kind);
        assert_eq!(status(t.send(&get("/boom"), "", Credentials::Configured).await), Ok(500));
        assert_eq!(idle(&t), 0, "a connection that carried a server error is not kept");
        let post = with_method("/w", Method::Post);
        assert_eq!(status(t.send(&post, "", Credentials::Configured).await), Ok(204));
        assert_eq!(idle(&t), 1, "a connection that carried a success is kept");
    }

    /// RFC 9112 §9.3.1: a request that failed on a reused connection before any answer is sent
    /// again on a fresh one when its method is idempotent; a written `POST` is not (it may
    /// have been applied), and a server that fails a fresh connection too is still reported.
    #[tokio::test]
    async fn idempotent_requests_are_sent_again_when_a_reused_connection_closes() {
        use crate::spec::Method;
        use conform_testkit::server::{Reply, TestServer};
        let server = TestServer::start(|r| match r.path() {
            "/then-close" => Reply::HttpThenClose { status: 200, after: Duration::from_millis(500) },
            "/close" => Reply::Close,
            _ => Reply::empty(204),
        })
        .await;
        let t = &transport(&server.url(), Duration::from_secs(5), 16);
        let status = |outcome: Outcome| outcome.result.map(|r| r.status).map_err(|f| f.kind);
        let send = |request: Request| async move { status(t.send(&request, "", Credentials::Configured).await) };
        // The server closes an idle keep-alive connection: no finding for an idempotent request.
        for method in [Method::Get, Method::Put, Method::Delete] {
            assert_eq!(send(get("/then-close")).await, Ok(200));
            assert_eq!(idle(t), 1, "kept: nothing said it would close");
            assert_eq!(send(with_method("/w", method)).await, Ok(204), "{method:?} is sent again");
        }
        // A written POST is never sent twice.
        assert_eq!(send(get("/then-close")).await, Ok(200));
        assert_eq!(send(with_method("/w", Method::Post)).await, Err("reset"));
        // A server that closes without answering, on a fresh connection too, is still reported,
        // after one retry only.
        assert_eq!(send(get("/w")).await, Ok(204));
        let before = server.requests();
        assert_eq!(send(get("/close")).await, Err("reset"));
        assert_eq!(server.requests() - before, 2, "the reused connection, then one fresh one");
        assert_eq!(send(with_method("/close", Method::Post)).await, Err("reset"), "a fresh connection is not retried");
    }

    #[tokio::test]
    async fn plain_http_failures_have_the_same_kinds_as_reqwest_ones() {
        use conform_testkit::server::{Reply, TestServer};
        let server = TestServer::start(|r| match r.path() {
            "/close" => Reply::Close,
            "/hang" => Reply::Hang,
            "/short" => Reply::Raw(b"HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\nabc".to_vec()),
            "/chunked" => Reply::Raw(
                b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n".to_vec(),
            ),
            "/big" => Reply::Http { status: 200, headers: vec![], body: vec![b'x'; 64] },
            _ => Reply::empty(204),
        })
        .await;
        let t = transport(&server.url(), Duration::from_millis(500), 16);
        let kind = |outcome: Outcome| outcome.result.map(|r| (r.status, r.truncated, r.body.len())).map_err(|f| f.kind);
        assert_eq!(kind(t.send(&get("/close"), "", Credentials::Configured).await), Err("reset"));
        assert_eq!(kind(t.send(&get("/hang"), "", Credentials::Configured).await), Err("timeout"));
        assert_eq!(kind(t.send(&get("/short"), "", Credentials::Configured).await), Err("body"));
        assert_eq!(kind(t.send(&get("/chunked"), "", Credentials::Configured).await), Ok((200, false, 5)));
        assert_eq!(idle(&t), 0, "a server that closes after answering leaves nothing to reuse");
        assert_eq!(kind(t.send(&get("/big"), "", Credentials::Configured).await), Ok((200, true, 16)));
        assert_eq!(idle(&t), 0, "a connection left mid-body is not reused");
        assert_eq!(kind(t.send(&get("/ok"), "", Credentials::Configured).await), Ok((204, false, 0)));
        assert_eq!(idle(&t), 1);
        let closed = {
            let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            listener.local_addr().unwrap()
        };
        let t = transport(&format!("http://{closed}"), Duration::from_secs(2), 16);
        let failure = t.send(&get("/"), "", Credentials::Configured).await.result.unwrap_err();
        assert_eq!(failure.kind, "connect");
        assert!(failure.message.starts_with("cannot connect: "), "{}", failure.message);
    }

    #[test]
    fn request_targets_are_normalised_like_the_url_crate_does() {
        let same = |url: &str| origin_form(url).map(|u| u.to_string());
        assert_eq!(same("http://h:1/a/b%2Fc?x=1&y=%20").as_deref(), Some("/a/b%2Fc?x=1&y=%20"));
        assert_eq!(same("http://h:1/a/./b/../c").as_deref(), Some("/a/c"));
        assert_eq!(same("http://h:1/a b/\"q\"").as_deref(), Some("/a%20b/%22q%22"));
        assert_eq!(same("http://h:1").as_deref(), Some("/"));
    }
}

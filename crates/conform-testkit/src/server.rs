//! A tiny HTTP/1.1 server for tests, on raw tokio TCP so that it can also misbehave at the byte
//! level (reset mid-body, lie about Content-Length, trickle bytes, never answer). It binds
//! 127.0.0.1:0; every connection and every wait in it is bounded.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// Requests larger than this are cut (the tests never need more).
const MAX_REQUEST: usize = 4 * 1024 * 1024;
/// A connection idle this long is closed.
const IDLE: Duration = Duration::from_secs(30);

/// A request as received.
#[derive(Debug, Clone, Default)]
pub struct Received {
    pub method: String,
    /// Path and query, as sent.
    pub target: String,
    /// Header names lower-cased.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Received {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    pub fn path(&self) -> &str {
        self.target.split('?').next().unwrap_or("")
    }

    pub fn query(&self) -> Vec<(String, String)> {
        let q = self.target.split_once('?').map(|(_, q)| q).unwrap_or("");
        url::form_urlencoded::parse(q.as_bytes()).into_owned().collect()
    }

    pub fn json(&self) -> Option<serde_json::Value> {
        serde_json::from_slice(&self.body).ok()
    }
}

/// What to do with a request.
#[derive(Debug, Clone)]
pub enum Reply {
    /// A well-formed answer (Content-Length added); the connection stays open.
    Http { status: u16, headers: Vec<(String, String)>, body: Vec<u8> },
    /// A well-formed answer (as [`Reply::Http`], with no `Connection: close`), then, `after`
    /// it, the connection closed: a server that drops a keep-alive connection once it has
    /// answered (uvicorn after an exception). A request that arrives meanwhile is reset.
    HttpThenClose { status: u16, after: Duration },
    /// These bytes, then close.
    Raw(Vec<u8>),
    /// These bytes one at a time, `per_byte` apart, then close.
    Trickle { bytes: Vec<u8>, per_byte: Duration },
    /// Close without answering.
    Close,
    /// Never answer (until the client gives up or `IDLE` passes).
    Hang,
    /// These bytes, then a TCP reset (RST, not FIN): a server that crashed mid-answer.
    Reset(Vec<u8>),
    /// `head` (status line and headers, through the blank line), then `len` filler bytes
    /// written in chunks (never held whole), then close: a huge body.
    Stream { head: Vec<u8>, len: u64 },
}

impl Reply {
    /// A JSON answer.
    pub fn json(status: u16, content_type: &str, body: &serde_json::Value) -> Reply {
        Reply::Http {
            status,
            headers: vec![("Content-Type".into(), content_type.into())],
            body: serde_json::to_vec(body).unwrap_or_default(),
        }
    }

    /// An answer with no body.
    pub fn empty(status: u16) -> Reply {
        Reply::Http { status, headers: Vec::new(), body: Vec::new() }
    }

    /// Adds a header to an `Http` reply.
    pub fn with_header(mut self, name: &str, value: &str) -> Reply {
        if let Reply::Http { headers, .. } = &mut self {
            headers.push((name.into(), value.into()));
        }
        self
    }
}

type Handler = dyn Fn(&Received) -> Reply + Send + Sync;

/// A running test server; stops when dropped.
pub struct TestServer {
    addr: SocketAddr,
    requests: Arc<AtomicUsize>,
    written: Arc<AtomicU64>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl TestServer {
    /// Starts a server answering with `handler`.
    ///
    /// # Panics
    /// If 127.0.0.1:0 cannot be bound (test environment broken).
    pub async fn start(handler: impl Fn(&Received) -> Reply + Send + Sync + 'static) -> TestServer {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind 127.0.0.1:0");
        let addr = listener.local_addr().expect("bound address");
        let handler: Arc<Handler> = Arc::new(handler);
        let requests = Arc::new(AtomicUsize::new(0));
        let written = Arc::new(AtomicU64::new(0));
        let (counter, out) = (requests.clone(), written.clone());
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let (handler, counter, out) = (handler.clone(), counter.clone(), out.clone());
                tokio::spawn(async move {
                    let _ = tokio::time::timeout(IDLE * 4, serve(stream, handler, counter, out)).await;
                });
            }
        });
        TestServer { addr, requests, written, task }
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Requests received so far.
    pub fn requests(&self) -> usize {
        self.requests.load(Ordering::Relaxed)
    }

    /// Body bytes of [`Reply::Stream`] answers the clients accepted so far (a client that stops
    /// reading makes the writes fail, so this shows how much it read at most, plus buffers).
    pub fn streamed(&self) -> u64 {
        self.written.load(Ordering::Relaxed)
    }
}

async fn serve(mut stream: TcpStream, handler: Arc<Handler>, counter: Arc<AtomicUsize>, written: Arc<AtomicU64>) {
    let mut buf: Vec<u8> = Vec::new();
    loop {
        let Some(request) = read_request(&mut stream, &mut buf).await else { return };
        counter.fetch_add(1, Ordering::Relaxed);
        match handler(&request) {
            Reply::Http { status, headers, body } => {
                let mut head = format!("HTTP/1.1 {status} {}\r\n", reason(status));
                for (k, v) in &headers {
                    head.push_str(&format!("{k}: {v}\r\n"));
                }
                if !headers.iter().any(|(k, _)| k.eq_ignore_ascii_case("content-length")) {
                    head.push_str(&format!("content-length: {}\r\n", body.len()));
                }
                head.push_str("\r\n");
                if stream.write_all(head.as_bytes()).await.is_err() || stream.write_all(&body).await.is_err() {
                    return;
                }
            }
            Reply::HttpThenClose { status, after } => {
                let head = format!("HTTP/1.1 {status} {}\r\ncontent-length: 0\r\n\r\n", reason(status));
                if stream.write_all(head.as_bytes()).await.is_ok() {
                    tokio::time::sleep(after).await;
                }
                return;
            }
            Reply::Raw(bytes) => {
                let _ = stream.write_all(&bytes).await;
                let _ = stream.shutdown().await;
                return;
            }
            Reply::Trickle { bytes, per_byte } => {
                for b in bytes {
                    if stream.write_all(&[b]).await.is_err() {
                        return;
                    }
                    tokio::time::sleep(per_byte).await;
                }
                let _ = stream.shutdown().await;
                return;
            }
            Reply::Close => return,
            Reply::Hang => {
                tokio::time::sleep(IDLE).await;
                return;
            }
            Reply::Reset(bytes) => {
                let _ = stream.write_all(&bytes).await;
                let _ = stream.flush().await;
                // Let the bytes leave before the reset discards the send buffer.
                tokio::time::sleep(Duration::from_millis(20)).await;
                let _ = stream.set_zero_linger();
                return;
            }
            Reply::Stream { head, len } => {
                if stream.write_all(&head).await.is_err() {
                    return;
                }
                let chunk = vec![b'x'; 64 * 1024];
                let mut left = len;
                while left > 0 {
                    let n = left.min(chunk.len() as u64);
                    if stream.write_all(&chunk[..n as usize]).await.is_err() {
                        return;
                    }
                    written.fetch_add(n, Ordering::Relaxed);
                    left -= n;
                }
                let _ = stream.shutdown().await;
                return;
            }
        }
    }
}

async fn read_request(stream: &mut TcpStream, buf: &mut Vec<u8>) -> Option<Received> {
    let head_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i;
        }
        if buf.len() > MAX_REQUEST {
            return None;
        }
        let mut chunk = [0u8; 8192];
        let n = tokio::time::timeout(IDLE, stream.read(&mut chunk)).await.ok()?.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    let mut lines = head.split("\r\n");
    let mut first = lines.next()?.split_whitespace();
    let (method, target) = (first.next()?.to_owned(), first.next()?.to_owned());
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':').map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned())))
        .collect();
    let length: usize =
        headers.iter().find(|(k, _)| k == "content-length").and_then(|(_, v)| v.parse().ok()).unwrap_or(0);
    let body_start = head_end + 4;
    while buf.len() < body_start + length.min(MAX_REQUEST) {
        let mut chunk = [0u8; 8192];
        let n = tokio::time::timeout(IDLE, stream.read(&mut chunk)).await.ok()?.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    let end = (body_start + length).min(buf.len());
    let body = buf[body_start..end].to_vec();
    buf.drain(..end);
    Some(Received { method, target, headers, body })
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        201 => "Created",
        204 => "No Content",
        301 => "Moved Permanently",
        302 => "Found",
        304 => "Not Modified",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        415 => "Unsupported Media Type",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        _ => "Status",
    }
}

/// Checks an HTTP Digest `Authorization` header (RFC 7616, MD5, qop=auth) against a password,
/// the nonce the server issued, and the request's method and URI. Returns the client's nonce
/// count when valid.
pub fn verify_digest(authorization: &str, password: &str, nonce: &str, method: &str) -> Option<u32> {
    let header = digest_auth::AuthorizationHeader::parse(authorization.strip_prefix("Digest ")?).ok()?;
    if header.nonce != nonce || header.qop != Some(digest_auth::Qop::AUTH) || header.cnonce.is_none() {
        return None;
    }
    let mut expected = header.clone();
    let context = digest_auth::AuthContext::new_with_method(
        header.username.clone(),
        password.to_owned(),
        header.uri.clone(),
        Option::<&[u8]>::None,
        digest_auth::HttpMethod::from(method.to_owned()),
    );
    expected.digest(&context);
    (expected.response == header.response).then_some(header.nc)
}

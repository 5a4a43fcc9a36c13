//! The wire side of the proxy: a small keep-alive pool of HTTP/1.1 connections to the target,
//! the headers that are not forwarded (hop-by-hop, RFC 9110 §7.6.1), and the two bodies that
//! stream through it: the client's request (its first bytes kept for judging) and the target's
//! answer (teed: every byte forwarded as it comes, at most `max_body` of them kept).
//!
//! Nothing here judges; it hands what it kept to a callback once the answer has ended.

use hyper::body::{Body, Bytes, Frame, Incoming, SizeHint};
use hyper::client::conn::http1::SendRequest;
use hyper::http::HeaderMap;
use hyper::http::header::{self, HeaderName};
use hyper_util::rt::TokioIo;
use std::pin::Pin;
use std::sync::Mutex;
use std::task::{Context, Poll};
use std::time::Duration;

/// Idle connections kept to the target, at most.
const POOL: usize = 8;

/// Boxed error of a body (hyper's and our own).
pub(super) type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Headers never forwarded (RFC 9110 §7.6.1, and the older `Keep-Alive` and `Proxy-Connection`),
/// besides those the `Connection` header names.
const HOP_BY_HOP: [&str; 8] = [
    "connection",
    "keep-alive",
    "proxy-connection",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "proxy-authorization",
];

/// Removes the hop-by-hop headers from `headers`: the fixed list and every name the
/// `Connection` header lists.
pub(super) fn strip_hop_by_hop(headers: &mut HeaderMap) {
    let named: Vec<String> = headers
        .get_all(header::CONNECTION)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|n| n.trim().to_ascii_lowercase())
        .filter(|n| !n.is_empty())
        .collect();
    for name in HOP_BY_HOP.iter().copied().map(str::to_owned).chain(named) {
        if let Ok(name) = HeaderName::from_bytes(name.as_bytes()) {
            headers.remove(name);
        }
    }
}

/// Idle connections to the target: a connection goes back once the answer on it has ended.
pub(super) struct Pool {
    /// `host:port` to connect to.
    addr: String,
    idle: Mutex<Vec<SendRequest<RequestBody>>>,
    connect_timeout: Duration,
}

impl Pool {
    pub(super) fn new(addr: String, connect_timeout: Duration) -> Pool {
        Pool { addr, idle: Mutex::new(Vec::new()), connect_timeout }
    }

    /// An idle connection that is still usable, or a new one.
    pub(super) async fn get(&self) -> Result<SendRequest<RequestBody>, String> {
        loop {
            let idle = self.idle.lock().unwrap_or_else(std::sync::PoisonError::into_inner).pop();
            let Some(mut sender) = idle else { break };
            if sender.is_closed() {
                continue;
            }
            if sender.ready().await.is_ok() {
                return Ok(sender);
            }
        }
        let connect = tokio::net::TcpStream::connect(self.addr.as_str());
        let stream = match tokio::time::timeout(self.connect_timeout, connect).await {
            Ok(Ok(stream)) => stream,
            Ok(Err(e)) => return Err(format!("cannot connect to the target: {e}")),
            Err(_) => return Err("no connection to the target within the timeout".to_owned()),
        };
        let _ = stream.set_nodelay(true);
        let (sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
            .await
            .map_err(|e| format!("cannot talk HTTP/1.1 to the target: {e}"))?;
        tokio::spawn(async move {
            let _ = conn.await;
        });
        Ok(sender)
    }

    /// Gives a connection back once its answer has ended.
    pub(super) fn put(&self, sender: SendRequest<RequestBody>) {
        if sender.is_closed() {
            return;
        }
        let mut idle = self.idle.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if idle.len() < POOL {
            idle.push(sender);
        }
    }
}

/// The client's request body as forwarded: the part read for judging, then the rest as it
/// comes (a body over the cap is forwarded whole, but only its first part was kept).
pub(super) struct RequestBody {
    head: Option<Bytes>,
    rest: Option<Incoming>,
}

impl RequestBody {
    pub(super) fn new(head: Bytes, rest: Option<Incoming>) -> RequestBody {
        RequestBody { head: (!head.is_empty()).then_some(head), rest }
    }
}

impl Body for RequestBody {
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        if let Some(head) = self.head.take() {
            return Poll::Ready(Some(Ok(Frame::data(head))));
        }
        match self.rest.as_mut() {
            Some(rest) => Pin::new(rest).poll_frame(cx).map(|f| f.map(|r| r.map_err(BoxError::from))),
            None => Poll::Ready(None),
        }
    }

    fn is_end_stream(&self) -> bool {
        self.head.is_none() && self.rest.as_ref().is_none_or(Body::is_end_stream)
    }

    fn size_hint(&self) -> SizeHint {
        let head = self.head.as_ref().map_or(0, |h| h.len() as u64);
        match &self.rest {
            None => SizeHint::with_exact(head),
            Some(rest) => {
                let inner = rest.size_hint();
                let mut hint = SizeHint::new();
                hint.set_lower(inner.lower() + head);
                if let Some(upper) = inner.upper() {
                    hint.set_upper(upper + head);
                }
                hint
            }
        }
    }
}

/// What a teed answer body hands over when it ends.
pub(super) struct Kept {
    /// The first `max_body` bytes.
    pub body: Vec<u8>,
    /// The body was longer than that.
    pub truncated: bool,
    /// The body broke off (the target reset the connection mid-answer).
    pub broken: Option<String>,
}

/// The target's answer body on its way to the client: each frame forwarded as it comes, the
/// first `cap` bytes kept; at the end (or on an error) `done` gets what was kept. Dropped
/// before its end (the client went away), it hands nothing over.
pub(super) struct TeeBody {
    inner: Option<Incoming>,
    kept: Vec<u8>,
    cap: usize,
    truncated: bool,
    done: Option<Box<dyn FnOnce(Kept) + Send>>,
}

impl TeeBody {
    pub(super) fn new(inner: Incoming, cap: usize, done: Box<dyn FnOnce(Kept) + Send>) -> TeeBody {
        // Room for what will be kept, when the length is known (at most the cap): no doubling.
        let room = inner.size_hint().exact().map_or(0, |n| usize::try_from(n).unwrap_or(usize::MAX).min(cap));
        let mut body =
            TeeBody { inner: Some(inner), kept: Vec::with_capacity(room), cap, truncated: false, done: None };
        if body.inner.as_ref().is_some_and(Body::is_end_stream) {
            // An empty body is never polled: hand over at once.
            body.inner = None;
            done(Kept { body: Vec::new(), truncated: false, broken: None });
        } else {
            body.done = Some(done);
        }
        body
    }

    /// A body of fixed bytes (the proxy's own 502), handing nothing over.
    pub(super) fn fixed(text: &'static str) -> FixedBody {
        FixedBody(Some(Bytes::from_static(text.as_bytes())))
    }

    fn end(&mut self, broken: Option<String>) {
        if let Some(done) = self.done.take() {
            let body = std::mem::take(&mut self.kept);
            done(Kept { body, truncated: self.truncated, broken });
        }
    }
}

impl Body for TeeBody {
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        let this = &mut *self;
        let Some(inner) = this.inner.as_mut() else { return Poll::Ready(None) };
        match Pin::new(inner).poll_frame(cx) {
            Poll::Pending => Poll::Pending,
            Poll::Ready(Some(Ok(frame))) => {
                if let Some(data) = frame.data_ref() {
                    let room = this.cap.saturating_sub(this.kept.len());
                    if data.len() > room {
                        this.truncated = true;
                    }
                    this.kept.extend_from_slice(&data[..data.len().min(room)]);
                }
                // hyper stops polling a body that says it has ended: hand over now.
                if this.inner.as_ref().is_some_and(Body::is_end_stream) {
                    this.inner = None;
                    this.end(None);
                }
                Poll::Ready(Some(Ok(frame)))
            }
            Poll::Ready(Some(Err(e))) => {
                this.inner = None;
                this.end(Some(e.to_string()));
                Poll::Ready(Some(Err(Box::new(e))))
            }
            Poll::Ready(None) => {
                this.inner = None;
                this.end(None);
                Poll::Ready(None)
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        self.inner.as_ref().is_none_or(Body::is_end_stream)
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.as_ref().map_or_else(|| SizeHint::with_exact(0), Body::size_hint)
    }
}

/// A body of fixed bytes.
pub(super) struct FixedBody(Option<Bytes>);

impl Body for FixedBody {
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(mut self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        Poll::Ready(self.0.take().map(|b| Ok(Frame::data(b))))
    }

    fn is_end_stream(&self) -> bool {
        self.0.is_none()
    }

    fn size_hint(&self) -> SizeHint {
        SizeHint::with_exact(self.0.as_ref().map_or(0, |b| b.len() as u64))
    }
}

/// Reads up to `cap` bytes of a request body: what was read, and the rest of the body when it
/// is longer (then forwarded as it comes, unread).
///
/// # Errors
/// The client's body broke off.
pub(super) async fn read_head(mut body: Incoming, cap: usize) -> Result<(Bytes, Option<Incoming>), String> {
    use http_body_util::BodyExt as _;
    if body.is_end_stream() {
        return Ok((Bytes::new(), None));
    }
    let mut buf: Vec<u8> = Vec::new();
    loop {
        match body.frame().await {
            None => return Ok((Bytes::from(buf), None)),
            Some(Err(e)) => return Err(format!("the client's request body broke off: {e}")),
            Some(Ok(frame)) => {
                let Ok(data) = frame.into_data() else { continue };
                buf.extend_from_slice(&data);
                if buf.len() > cap {
                    return Ok((Bytes::from(buf), Some(body)));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hyper::http::HeaderValue;

    #[test]
    fn hop_by_hop_headers_and_those_connection_names_stay_behind() {
        let mut h = HeaderMap::new();
        for (k, v) in [
            ("connection", "keep-alive, X-Private"),
            ("keep-alive", "timeout=5"),
            ("x-private", "1"),
            ("transfer-encoding", "chunked"),
            ("upgrade", "h2c"),
            ("authorization", "Bearer t"),
            ("content-type", "application/json"),
        ] {
            h.append(HeaderName::from_static(k), HeaderValue::from_static(v));
        }
        strip_hop_by_hop(&mut h);
        let mut left: Vec<&str> = h.keys().map(HeaderName::as_str).collect();
        left.sort_unstable();
        assert_eq!(left, ["authorization", "content-type"]);
    }
}

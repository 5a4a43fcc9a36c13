//! The HTTP side: an axum server with one thin fallback handler that reads the (capped) body and
//! hands everything to [`App::respond`]. The listener wraps each connection in a
//! [`KillableStream`] so that `drop-connection` can close a connection without an answer.

use super::app::App;
use super::fault::{Fault, SLOW_DELAY};
use super::respond::{Answer, BodyProblem, Incoming, MAX_BODY};
use axum::Router;
use axum::body::{Body, Bytes, HttpBody};
use axum::extract::connect_info::{ConnectInfo, Connected};
use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::serve::{IncomingStream, Listener};
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};

/// Bytes read past the cap (and thrown away) before a 413, so that a client still sending
/// its body reads the answer instead of a reset connection.
const DRAIN_LIMIT: usize = 16 * MAX_BODY;

/// A TCP stream that fails every read and write once killed; hyper then drops the connection
/// without writing the answer it was given.
pub(crate) struct KillableStream {
    inner: TcpStream,
    killed: Arc<AtomicBool>,
}

fn aborted() -> io::Error {
    io::Error::new(io::ErrorKind::ConnectionAborted, "connection dropped by a seeded fault")
}

impl AsyncRead for KillableStream {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        if self.killed.load(Ordering::Relaxed) {
            return Poll::Ready(Err(aborted()));
        }
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl AsyncWrite for KillableStream {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        if self.killed.load(Ordering::Relaxed) {
            return Poll::Ready(Err(aborted()));
        }
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        if self.killed.load(Ordering::Relaxed) {
            return Poll::Ready(Err(aborted()));
        }
        Pin::new(&mut self.inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        if self.killed.load(Ordering::Relaxed) {
            return Poll::Ready(Err(aborted()));
        }
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

/// The TCP listener: no Nagle delay, and a kill switch per connection.
pub(crate) struct MockListener(pub TcpListener);

impl Listener for MockListener {
    type Io = KillableStream;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (KillableStream, SocketAddr) {
        loop {
            match self.0.accept().await {
                Ok((stream, remote)) => {
                    let _ = stream.set_nodelay(true);
                    return (KillableStream { inner: stream, killed: Arc::default() }, remote);
                }
                // Out of file descriptors and the like: wait a little rather than spin.
                Err(_) => tokio::time::sleep(std::time::Duration::from_millis(20)).await,
            }
        }
    }

    fn local_addr(&self) -> io::Result<SocketAddr> {
        self.0.local_addr()
    }
}

/// The kill switch of the connection a request came on.
#[derive(Clone)]
pub(crate) struct KillSwitch(Arc<AtomicBool>);

impl Connected<IncomingStream<'_, MockListener>> for KillSwitch {
    fn connect_info(stream: IncomingStream<'_, MockListener>) -> KillSwitch {
        KillSwitch(stream.io().killed.clone())
    }
}

/// The router: every request goes to [`handle`].
pub(crate) fn router(app: Arc<App>) -> Router {
    Router::new().fallback(handle).with_state(app)
}

async fn handle(State(app): State<Arc<App>>, ConnectInfo(kill): ConnectInfo<KillSwitch>, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    let body = read_capped(body).await;
    if app.faults.has(Fault::SlowResponse) {
        tokio::time::sleep(SLOW_DELAY).await;
    }
    let target = parts.uri.path_and_query().map(|p| p.as_str()).unwrap_or("/");
    let incoming = Incoming {
        method: parts.method.as_str(),
        path: parts.uri.path(),
        query: parts.uri.query(),
        target,
        headers: &parts.headers,
        body,
    };
    let answer = app.respond(&incoming);
    if answer.drop_connection {
        kill.0.store(true, Ordering::Relaxed);
    }
    answer.into_response()
}

/// Reads a body up to [`MAX_BODY`] bytes; past it, drains up to [`DRAIN_LIMIT`] and reports
/// it as too large.
async fn read_capped(mut body: Body) -> Result<Bytes, BodyProblem> {
    if body.size_hint().exact() == Some(0) {
        return Ok(Bytes::new());
    }
    let mut buf: Vec<u8> = Vec::new();
    let mut seen = 0usize;
    loop {
        let frame = std::future::poll_fn(|cx| Pin::new(&mut body).poll_frame(cx)).await;
        match frame {
            None => break,
            Some(Err(_)) => return Err(BodyProblem::Unreadable),
            Some(Ok(frame)) => {
                let Ok(data) = frame.into_data() else { continue };
                seen = seen.saturating_add(data.len());
                if seen > DRAIN_LIMIT {
                    return Err(BodyProblem::TooLarge);
                }
                if seen <= MAX_BODY {
                    buf.extend_from_slice(&data);
                }
            }
        }
    }
    if seen > MAX_BODY { Err(BodyProblem::TooLarge) } else { Ok(Bytes::from(buf)) }
}

impl IntoResponse for Answer {
    fn into_response(self) -> Response {
        let mut response = Response::new(Body::from(self.body));
        *response.status_mut() = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let headers = response.headers_mut();
        for (name, value) in self.headers {
            if name == header::CONTENT_TYPE {
                headers.insert(name, value);
            } else {
                headers.append(name, value);
            }
        }
        response
    }
}

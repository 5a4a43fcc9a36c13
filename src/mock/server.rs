//! The HTTP side: a plain hyper HTTP/1.1 server, one task per connection, whose service reads
//! the (capped) body and hands everything to [`App::respond`]. There is no router: the mock
//! routes by the spec itself, so a framework's router, extensions and service layers would only
//! add work to every request. Each connection's stream is a [`KillableStream`], so that
//! `drop-connection` can close a connection without an answer.
//!
//! It must never take a lock per request, and never leave a connection open past shutdown's
//! grace period once [`serve`]'s task is aborted.

use super::app::App;
use super::fault::{Fault, SLOW_DELAY};
use super::respond::{Answer, BodyProblem, Incoming, MAX_BODY};
use axum::body::Bytes;
use axum::http::{Request, Response, StatusCode, header};
use http_body_util::{BodyExt, Full};
use hyper::body::Body;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use std::convert::Infallible;
use std::io;
use std::pin::{Pin, pin};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{oneshot, watch};

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

/// Accepts connections on `listener` and serves `app` on each until `stop` fires (or its sender
/// is dropped); then stops accepting, lets every open connection finish the request it is on,
/// and returns once all are closed.
pub(crate) async fn serve(listener: TcpListener, app: Arc<App>, stop: oneshot::Receiver<()>) {
    // Every connection holds a receiver; `closed` resolves once all of them are gone.
    let (shutdown, open) = watch::channel(false);
    let mut stop = pin!(stop);
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            _ = &mut stop => break,
        };
        match accepted {
            Ok((stream, _)) => {
                let _ = stream.set_nodelay(true);
                tokio::spawn(connection(stream, app.clone(), open.clone()));
            }
            // Out of file descriptors and the like: wait a little rather than spin.
            Err(_) => tokio::time::sleep(std::time::Duration::from_millis(20)).await,
        }
    }
    drop(listener);
    drop(open);
    let _ = shutdown.send(true);
    shutdown.closed().await;
}

/// Serves one connection (HTTP/1.1, keep-alive) until the client closes it, a fault kills it,
/// or shutdown is asked for and the request in flight is answered.
async fn connection(stream: TcpStream, app: Arc<App>, mut shutdown: watch::Receiver<bool>) {
    let killed = Arc::new(AtomicBool::new(false));
    let io = TokioIo::new(KillableStream { inner: stream, killed: killed.clone() });
    let service = service_fn(move |req| handle(app.clone(), killed.clone(), req));
    let mut conn = pin!(http1::Builder::new().serve_connection(io, service));
    tokio::select! {
        _ = conn.as_mut() => return,
        _ = shutdown.wait_for(|stop| *stop) => {}
    }
    conn.as_mut().graceful_shutdown();
    let _ = conn.await;
}

async fn handle(
    app: Arc<App>,
    killed: Arc<AtomicBool>,
    req: Request<hyper::body::Incoming>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let (parts, body) = req.into_parts();
    let answer = answer(&app, &parts, body).await;
    if answer.drop_connection {
        killed.store(true, Ordering::Relaxed);
    }
    Ok(answer.into_response())
}

/// What the mock answers to one request, whichever server carries it.
async fn answer<B: Body<Data = Bytes> + Unpin>(app: &App, parts: &axum::http::request::Parts, body: B) -> Answer {
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
    app.respond(&incoming)
}

/// The mock as an axum [`Router`](axum::Router) whose fallback answers everything, for mounting
/// in an application's own axum server (next to its own routes, behind its own layers). The
/// answers are the same as [`serve`]'s; only `drop-connection` differs, as a router cannot reach
/// the connection: the answer's body fails instead, and hyper closes the connection mid-answer.
pub(crate) fn router(app: Arc<App>) -> axum::Router {
    axum::Router::new().fallback(move |req: axum::extract::Request| {
        let app = app.clone();
        async move {
            let (parts, body) = req.into_parts();
            let answer = answer(&app, &parts, body).await;
            if answer.drop_connection {
                return Response::new(axum::body::Body::new(Broken));
            }
            answer.into_response().map(axum::body::Body::new)
        }
    })
}

/// A body that fails at once: hyper then closes the connection without a complete answer.
struct Broken;

impl Body for Broken {
    type Data = Bytes;
    type Error = io::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        _: &mut Context<'_>,
    ) -> Poll<Option<Result<hyper::body::Frame<Bytes>, io::Error>>> {
        Poll::Ready(Some(Err(aborted())))
    }
}

/// Reads a body up to [`MAX_BODY`] bytes; past it, drains up to [`DRAIN_LIMIT`] and reports
/// it as too large.
async fn read_capped<B: Body<Data = Bytes> + Unpin>(mut body: B) -> Result<Bytes, BodyProblem> {
    if body.size_hint().exact() == Some(0) {
        return Ok(Bytes::new());
    }
    let mut buf: Vec<u8> = Vec::new();
    let mut seen = 0usize;
    loop {
        match body.frame().await {
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

impl Answer {
    fn into_response(self) -> Response<Full<Bytes>> {
        let mut response = Response::new(Full::new(self.body));
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

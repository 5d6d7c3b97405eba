//! The client that forwards calls to the providers: HTTP/1.1 (hyper's `client::conn::http1`),
//! TLS by rustls (webpki roots), a connect timeout, a pool of idle keep-alive connections.
//!
//! A call's upstream connection is driven inside the call's own task: the task that sends
//! the request polls the connection while it waits for the response head and while it reads
//! the body, then puts the connection back in the pool. There is no connection task, so the
//! request, the response head and each body chunk are not handed between tasks (each
//! hand-off was a wake-up and a trip through tokio's run queue). See `docs/SPEC.md §8.8`.
//!
//! Rules (each tested in `upstream_tests.rs`):
//! - a connection goes back to the pool only after its response was read to the end and
//!   hyper reports it ready for another request; anything else (error, timeout, response
//!   too large, client gone, `Connection: close`) drops it;
//! - an idle connection the upstream closed is noticed when it is taken and discarded;
//! - a request that was never written (the pooled connection failed before hyper wrote it)
//!   is sent again once, on a fresh connection; a request that was written is never resent;
//! - connect (TCP and TLS handshake) is bounded by `upstream_connect_timeout_ms`; the read
//!   timeout is the caller's (`proxy.rs`), and a timed-out call drops its connection.

use std::collections::HashMap;
use std::fmt;
use std::future::{poll_fn, Future};
use std::io;
use std::pin::{pin, Pin};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body::Frame;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::client::conn::http1;
use hyper::header::{HeaderValue, HOST};
use hyper::{HeaderMap, Request, Response, StatusCode, Uri};
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;

use crate::config::Config;
use crate::inplace::InPlaceWaker;

type Body = Full<Bytes>;

/// At most this many idle connections are kept per upstream (scheme, host, port).
const MAX_IDLE_PER_HOST: usize = 256;
/// An idle connection older than this is closed instead of reused.
const IDLE_TIMEOUT: Duration = Duration::from_secs(60);

/// Why the upstream could not be used.
#[derive(Debug)]
pub enum UpstreamError {
    /// TCP connect or TLS handshake failed or timed out.
    Connect(String),
    /// The URL cannot be sent (no host, a host that is not a TLS name).
    Uri(String),
    /// hyper failed (connection closed, malformed response, ...).
    Http(hyper::Error),
}

impl fmt::Display for UpstreamError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            UpstreamError::Connect(e) => write!(f, "connect: {e}"),
            UpstreamError::Uri(e) => write!(f, "upstream URL: {e}"),
            UpstreamError::Http(e) => write!(f, "{e}"),
        }
    }
}

/// The pooled upstream client (cheap to clone: one shared pool).
#[derive(Clone)]
pub struct Upstream {
    inner: Arc<Inner>,
}

impl fmt::Debug for Upstream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Upstream").finish_non_exhaustive()
    }
}

struct Inner {
    idle: Mutex<HashMap<Key, Vec<Idle>>>,
    tls: tokio_rustls::TlsConnector,
    connect_timeout: Duration,
    http: http1::Builder,
}

/// Which connections can carry a request: scheme, host, port.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
struct Key {
    https: bool,
    host: Arc<str>,
    port: u16,
}

struct Idle {
    conn: UpConn,
    since: Instant,
}

impl Upstream {
    /// A client with the configured connect timeout and the webpki roots.
    pub fn new(config: &Config) -> Result<Upstream, String> {
        let roots = rustls::RootCertStore {
            roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
        };
        Upstream::with_roots(
            Duration::from_millis(config.limits.upstream_connect_timeout_ms),
            roots,
        )
    }

    /// A client trusting `roots` (tests give their own CA).
    pub fn with_roots(
        connect_timeout: Duration,
        roots: rustls::RootCertStore,
    ) -> Result<Upstream, String> {
        // ring (not aws-lc-rs): no C toolchain beyond ring's own, and the same provider the
        // rest of the build uses. Its deprecation only notes the lack of post-quantum kex.
        #[allow(deprecated)]
        let provider = rustls::crypto::ring::default_provider();
        // No ALPN: HTTP/1.1 only, the ClientHello hyper-rustls sent for it.
        let tls = rustls::ClientConfig::builder_with_provider(Arc::new(provider))
            .with_safe_default_protocol_versions()
            .map_err(|e| e.to_string())?
            .with_root_certificates(roots)
            .with_no_client_auth();
        Ok(Upstream {
            inner: Arc::new(Inner {
                idle: Mutex::new(HashMap::new()),
                tls: tokio_rustls::TlsConnector::from(Arc::new(tls)),
                connect_timeout,
                http: http1::Builder::new(),
            }),
        })
    }

    /// Send `req` (an absolute `http(s)://` URI) and wait for the response head. The body is
    /// read with [`UpResponse::frame`]. Time bounds other than connect are the caller's:
    /// dropping the future drops the connection.
    pub async fn send(&self, mut req: Request<Body>) -> Result<UpResponse, UpstreamError> {
        let key = prepare(&mut req)?;
        let pooled = self.checkout(&key);
        self.send_on(&key, pooled, req).await
    }

    /// Send on `pooled` (a connection from the pool) or, without one, on a fresh connection.
    /// A request the pooled connection never wrote is sent once more, on a fresh one.
    async fn send_on(
        &self,
        key: &Key,
        mut pooled: Option<UpConn>,
        mut req: Request<Body>,
    ) -> Result<UpResponse, UpstreamError> {
        loop {
            let reused = pooled.is_some();
            let mut conn = match pooled.take() {
                Some(c) => c,
                None => self.connect(key).await?,
            };
            let mut fut = pin!(conn.tx.try_send_request(req));
            let r = poll_fn(|cx| conn.drive(cx, |cx| fut.as_mut().poll(cx))).await;
            match r {
                Some(Ok(resp)) => {
                    let (parts, body) = resp.into_parts();
                    return Ok(UpResponse {
                        head: Response::from_parts(parts, ()),
                        body,
                        conn: Some(conn),
                        upstream: self.clone(),
                    });
                }
                Some(Err(mut e)) => match e.take_message() {
                    // Never written: once more, on a connection of its own.
                    Some(m) if reused => {
                        tracing::debug!(error = %e.error(), "pooled upstream connection closed before the request was written; retrying on a fresh one");
                        req = m;
                    }
                    _ => return Err(UpstreamError::Http(e.into_error())),
                },
                None => return Err(conn.ended()),
            }
        }
    }

    /// The most recently used idle connection that is still open, if any.
    fn checkout(&self, key: &Key) -> Option<UpConn> {
        loop {
            let idle = {
                let mut map = self.inner.idle.lock().unwrap_or_else(|p| p.into_inner());
                map.get_mut(key)?.pop()?
            };
            let mut conn = idle.conn;
            if idle.since.elapsed() >= IDLE_TIMEOUT {
                continue;
            }
            // One poll: a connection the upstream closed (EOF, error) resolves here.
            if conn.poll_idle() && conn.tx.is_ready() {
                return Some(conn);
            }
        }
    }

    fn checkin(&self, mut conn: UpConn) {
        if !conn.poll_idle() || !conn.tx.is_ready() {
            return;
        }
        let mut map = self.inner.idle.lock().unwrap_or_else(|p| p.into_inner());
        let list = map.entry(conn.key.clone()).or_default();
        if list.len() < MAX_IDLE_PER_HOST {
            list.push(Idle {
                conn,
                since: Instant::now(),
            });
        }
    }

    async fn connect(&self, key: &Key) -> Result<UpConn, UpstreamError> {
        let inner = &self.inner;
        let io = tokio::time::timeout(inner.connect_timeout, async {
            let tcp = TcpStream::connect((&*key.host, key.port))
                .await
                .map_err(|e| UpstreamError::Connect(e.to_string()))?;
            let _ = tcp.set_nodelay(true);
            if !key.https {
                return Ok(Stream::Plain(tcp));
            }
            let name = rustls::pki_types::ServerName::try_from(key.host.to_string())
                .map_err(|e| UpstreamError::Uri(e.to_string()))?;
            let tls = inner
                .tls
                .connect(name, tcp)
                .await
                .map_err(|e| UpstreamError::Connect(format!("TLS: {e}")))?;
            Ok(Stream::Tls(Box::new(tls)))
        })
        .await
        .map_err(|_| {
            UpstreamError::Connect(format!(
                "no connection within {} ms",
                inner.connect_timeout.as_millis()
            ))
        })??;
        let (tx, conn) = inner
            .http
            .handshake(TokioIo::new(io))
            .await
            .map_err(UpstreamError::Http)?;
        Ok(UpConn::new(tx, conn, key.clone()))
    }
}

/// Host header and origin-form target, as hyper-util's client wrote them (the bytes sent
/// upstream are unchanged): `Host` is the URI's host, with the port unless it is the
/// scheme's default; the request line carries the path and query.
fn prepare(req: &mut Request<Body>) -> Result<Key, UpstreamError> {
    let uri = req.uri().clone();
    let https = match uri.scheme_str() {
        Some("https") => true,
        Some("http") => false,
        _ => return Err(UpstreamError::Uri(format!("{uri}: not http(s)"))),
    };
    let host = uri
        .host()
        .ok_or_else(|| UpstreamError::Uri(format!("{uri}: no host")))?;
    let default_port = if https { 443 } else { 80 };
    let port = uri.port_u16().unwrap_or(default_port);
    if !req.headers().contains_key(HOST) {
        let v = match uri.port_u16() {
            Some(p) if p != default_port => HeaderValue::from_str(&format!("{host}:{p}")),
            _ => HeaderValue::from_str(host),
        }
        .map_err(|_| UpstreamError::Uri(format!("{uri}: host is not a header value")))?;
        req.headers_mut().insert(HOST, v);
    }
    let target = uri.path_and_query().map(|p| p.as_str()).unwrap_or("/");
    *req.uri_mut() = Uri::try_from(if target.is_empty() { "/" } else { target })
        .map_err(|e| UpstreamError::Uri(e.to_string()))?;
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    Ok(Key {
        https,
        host: Arc::from(bare),
        port,
    })
}

/// An upstream response: the head, and the body read with [`UpResponse::frame`], which
/// drives the connection. The connection returns to the pool when the body has been read
/// to its end; dropped earlier, the connection is closed.
pub struct UpResponse {
    head: Response<()>,
    body: Incoming,
    conn: Option<UpConn>,
    upstream: Upstream,
}

impl fmt::Debug for UpResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UpResponse")
            .field("head", &self.head)
            .finish_non_exhaustive()
    }
}

impl UpResponse {
    /// The response status.
    pub fn status(&self) -> StatusCode {
        self.head.status()
    }

    /// The response headers.
    pub fn headers(&self) -> &HeaderMap {
        self.head.headers()
    }

    /// The next frame of the body; `None` at its end (the connection then goes back to the
    /// pool if hyper can reuse it).
    pub async fn frame(&mut self) -> Option<Result<Frame<Bytes>, hyper::Error>> {
        let body = &mut self.body;
        let got = match self.conn.as_mut() {
            Some(conn) => {
                let mut next = body.frame();
                match poll_fn(|cx| conn.drive(cx, |cx| Pin::new(&mut next).poll(cx))).await {
                    Some(f) => f,
                    // The connection ended with the body unfinished: hyper has already
                    // handed the body its error or end; read it.
                    None => body.frame().await,
                }
            }
            None => body.frame().await,
        };
        if got.is_none() {
            if let Some(conn) = self.conn.take() {
                self.upstream.checkin(conn);
            }
        } else if matches!(got, Some(Err(_))) {
            self.conn = None;
        }
        got
    }
}

/// One upstream connection: hyper's sender and the connection future, polled by whichever
/// task is using it.
struct UpConn {
    tx: http1::SendRequest<Body>,
    conn: http1::Connection<TokioIo<Stream>, Body>,
    /// The connection future has resolved (closed or failed); never polled again.
    done: Option<Result<(), hyper::Error>>,
    drive: Arc<InPlaceWaker>,
    waker: Waker,
    key: Key,
}

impl UpConn {
    fn new(
        tx: http1::SendRequest<Body>,
        conn: http1::Connection<TokioIo<Stream>, Body>,
        key: Key,
    ) -> UpConn {
        let (drive, waker) = InPlaceWaker::new();
        UpConn {
            tx,
            conn,
            done: None,
            drive,
            waker,
            key,
        }
    }

    /// Poll `f` and the connection together until `f` is ready or neither can progress.
    /// Wake-ups that happen while this runs (hyper's channels between the connection and
    /// the request, both polled right here) re-poll in place instead of rescheduling the
    /// task (`inplace.rs`); wake-ups from outside (socket readiness) wake the task. `None`:
    /// the connection ended and `f` is still pending.
    fn drive<T>(
        &mut self,
        cx: &mut Context<'_>,
        mut f: impl FnMut(&mut Context<'_>) -> Poll<T>,
    ) -> Poll<Option<T>> {
        let UpConn {
            conn,
            done,
            drive,
            waker,
            ..
        } = self;
        drive.run(cx, waker, |c| {
            if let Poll::Ready(v) = f(c) {
                return Poll::Ready(Some(v));
            }
            if done.is_none() {
                if let Poll::Ready(r) = Pin::new(&mut *conn).poll(c) {
                    *done = Some(r);
                }
            }
            if let Poll::Ready(v) = f(c) {
                return Poll::Ready(Some(v));
            }
            if done.is_some() {
                return Poll::Ready(None);
            }
            Poll::Pending
        })
    }

    /// Poll an idle connection once (nobody waits on it): false when it has ended.
    fn poll_idle(&mut self) -> bool {
        if self.done.is_some() || self.tx.is_closed() {
            return false;
        }
        let mut c = Context::from_waker(Waker::noop());
        if let Poll::Ready(r) = Pin::new(&mut self.conn).poll(&mut c) {
            self.done = Some(r);
            return false;
        }
        true
    }

    fn ended(&mut self) -> UpstreamError {
        match self.done.take() {
            Some(Err(e)) => UpstreamError::Http(e),
            _ => UpstreamError::Connect("the upstream closed the connection".into()),
        }
    }
}

/// A plain or TLS upstream socket.
enum Stream {
    Plain(TcpStream),
    Tls(Box<tokio_rustls::client::TlsStream<TcpStream>>),
}

impl AsyncRead for Stream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_read(cx, buf),
            Stream::Tls(s) => Pin::new(&mut **s).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for Stream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_write(cx, buf),
            Stream::Tls(s) => Pin::new(&mut **s).poll_write(cx, buf),
        }
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_write_vectored(cx, bufs),
            Stream::Tls(s) => Pin::new(&mut **s).poll_write_vectored(cx, bufs),
        }
    }

    fn is_write_vectored(&self) -> bool {
        match self {
            Stream::Plain(s) => s.is_write_vectored(),
            Stream::Tls(s) => s.is_write_vectored(),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_flush(cx),
            Stream::Tls(s) => Pin::new(&mut **s).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_shutdown(cx),
            Stream::Tls(s) => Pin::new(&mut **s).poll_shutdown(cx),
        }
    }
}

#[cfg(test)]
#[path = "upstream_tests.rs"]
mod tests;

//! Accept loop, connection limits, reload, graceful shutdown.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::error::GatewayError;
use crate::state::State;

/// Connections being turned away at once (`503 GATEWAY_BUSY`, each for at most
/// [`TURN_AWAY_TIME`]); beyond that an extra connection is closed without an answer.
const MAX_TURNING_AWAY: usize = 64;
/// How long a connection turned away may take to receive its answer and close.
const TURN_AWAY_TIME: Duration = Duration::from_secs(1);

/// A whole HTTP/1.1 answer that closes the connection: `status` with `e`'s JSON error body
/// (what the gateway writes itself, outside hyper: a connection turned away, a request head
/// hyper refused).
fn closing_answer(status: hyper::StatusCode, e: &GatewayError) -> Vec<u8> {
    let body = serde_json::to_vec(&e.body()).unwrap_or_default();
    let mut r = format!(
        "HTTP/1.1 {} {}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
        status.as_u16(),
        status.canonical_reason().unwrap_or(""),
        body.len()
    )
    .into_bytes();
    r.extend_from_slice(&body);
    r
}

/// The whole answer to a connection beyond `limits.max_connections`.
fn busy_response() -> Vec<u8> {
    closing_answer(GatewayError::Busy.status(), &GatewayError::Busy)
}

/// Answer a connection beyond the limit without reading its request: the 503, then close
/// (our side first, then reading what the client sent until it closes, so the close is not a
/// reset that could destroy the answer before the client read it), all within
/// [`TURN_AWAY_TIME`].
async fn turn_away(mut tcp: TcpStream, answer: bytes::Bytes, _slot: OwnedSemaphorePermit) {
    let _ = tokio::time::timeout(TURN_AWAY_TIME, async {
        tcp.write_all(&answer).await?;
        tcp.shutdown().await?;
        let mut sink = [0u8; 4096];
        while tcp.read(&mut sink).await? > 0 {}
        Ok::<_, io::Error>(())
    })
    .await;
}

/// Serve on `listener` until SIGTERM/SIGINT (or `stop` resolves): then stop accepting, let
/// in-flight requests (streams included) finish up to the grace deadline, and return.
/// SIGHUP (and a change of a watched file, checked every second) reloads the issuer keys
/// and the incident switches.
pub async fn serve(
    state: Arc<State>,
    listener: TcpListener,
    stop: impl std::future::Future<Output = ()>,
) -> std::io::Result<()> {
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(Duration::from_millis(state.config.limits.header_timeout_ms))
        .max_buf_size(state.config.limits.max_header_bytes.max(8192))
        .max_headers(state.config.limits.max_headers)
        .keep_alive(true);
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let mut hup = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup())?;
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    // Each open client connection holds one of these until it ends.
    let connections = Arc::new(Semaphore::new(state.config.limits.max_connections));
    let turning_away = Arc::new(Semaphore::new(MAX_TURNING_AWAY));
    let busy = bytes::Bytes::from(busy_response());
    tokio::pin!(stop);
    loop {
        tokio::select! {
            acc = listener.accept() => {
                let (tcp, _) = match acc {
                    Ok(x) => x,
                    Err(e) => {
                        tracing::warn!(error = %e, "accept failed");
                        tokio::time::sleep(Duration::from_millis(10)).await;
                        continue;
                    }
                };
                let _ = tcp.set_nodelay(true);
                let Ok(slot) = connections.clone().try_acquire_owned() else {
                    state.metrics.decision(GatewayError::Busy.reason_code());
                    tracing::info!(reason_code = GatewayError::Busy.reason_code(), "connection refused");
                    match turning_away.clone().try_acquire_owned() {
                        Ok(t) => {
                            tokio::spawn(turn_away(tcp, busy.clone(), t));
                        }
                        Err(_) => drop(tcp),
                    }
                    continue;
                };
                let st = state.clone();
                let svc = service_fn(move |req| {
                    let st = st.clone();
                    async move { Ok::<_, std::convert::Infallible>(crate::proxy::handle(st, req).await) }
                });
                let io = ParseErrorBody::new(WriteStall::new(
                    tcp,
                    Duration::from_millis(state.config.limits.client_write_timeout_ms),
                ));
                let conn = http.serve_connection(TokioIo::new(io), svc);
                // Polled in place (`inplace.rs`): collecting the request body wakes the
                // connection's own dispatcher; without this every call yielded to tokio.
                let conn = crate::inplace::InPlace::new(graceful.watch(conn));
                tokio::spawn(async move {
                    let _slot = slot;
                    if let Err(e) = conn.await {
                        tracing::debug!(error = %e, "connection ended");
                    }
                });
            }
            _ = hup.recv() => {
                match state.reload() {
                    Ok(()) => tracing::info!("reloaded issuer keys and incident switches (SIGHUP)"),
                    Err(e) => tracing::error!(error = %e, "reload failed; keeping the previous values"),
                }
            }
            _ = tick.tick() => {
                match state.reload_if_changed() {
                    Some(Ok(())) => tracing::info!("reloaded issuer keys and incident switches (file changed)"),
                    Some(Err(e)) => tracing::error!(error = %e, "reload failed; keeping the previous values"),
                    None => {}
                }
            }
            _ = term.recv() => break,
            _ = tokio::signal::ctrl_c() => break,
            _ = &mut stop => break,
        }
    }
    drop(listener);
    state.shutting_down.store(true, Ordering::Relaxed);
    tracing::info!("shutting down: no new connections, finishing in-flight requests");
    let grace = Duration::from_millis(state.config.limits.shutdown_grace_ms);
    let max = u32::try_from(state.config.limits.max_concurrent).unwrap_or(u32::MAX);
    let drained = tokio::time::timeout(grace, async {
        graceful.shutdown().await;
        // Streams run in their own tasks: wait for every request permit to come back
        // (each stream task gives its permit back after its receipt is written).
        let _ = state.permits.acquire_many(max).await;
    })
    .await;
    match drained {
        Ok(()) => tracing::info!("all in-flight requests finished"),
        Err(_) => tracing::warn!("grace period over with requests still in flight"),
    }
    Ok(())
}

/// A client connection whose writes fail once the client has taken none of the gateway's
/// bytes for `timeout` (`limits.client_write_timeout_ms`). hyper has no write timeout: a
/// client that stops reading (a zero receive window) held its connection, the response
/// buffered for it and, for a stream, the call's concurrency permit and upstream
/// connection, for as long as it liked. The failed write closes the connection; a stream
/// then ends as `client_disconnected` and its receipt is stored.
#[derive(Debug)]
pub struct WriteStall<T> {
    inner: T,
    timeout: Duration,
    /// Running while a write (or flush) has been pending since it started.
    stalled: Option<Pin<Box<tokio::time::Sleep>>>,
}

impl<T> WriteStall<T> {
    /// Wrap `inner`.
    pub fn new(inner: T, timeout: Duration) -> WriteStall<T> {
        WriteStall {
            inner,
            timeout,
            stalled: None,
        }
    }

    /// After a write attempt: progress clears the clock; pending starts it (or checks it).
    fn after<R>(&mut self, cx: &mut Context<'_>, p: Poll<io::Result<R>>) -> Poll<io::Result<R>> {
        match p {
            Poll::Ready(r) => {
                self.stalled = None;
                Poll::Ready(r)
            }
            Poll::Pending => {
                let timeout = self.timeout;
                let clock = self
                    .stalled
                    .get_or_insert_with(|| Box::pin(tokio::time::sleep(timeout)));
                match clock.as_mut().poll(cx) {
                    Poll::Ready(()) => Poll::Ready(Err(io::Error::new(
                        io::ErrorKind::TimedOut,
                        "the client took none of the response within client_write_timeout_ms",
                    ))),
                    Poll::Pending => Poll::Pending,
                }
            }
        }
    }
}

impl<T: AsyncRead + Unpin> AsyncRead for WriteStall<T> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_read(cx, buf)
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for WriteStall<T> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let p = Pin::new(&mut this.inner).poll_write(cx, buf);
        this.after(cx, p)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let p = Pin::new(&mut this.inner).poll_write_vectored(cx, bufs);
        this.after(cx, p)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let p = Pin::new(&mut this.inner).poll_flush(cx);
        this.after(cx, p)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let p = Pin::new(&mut this.inner).poll_shutdown(cx);
        this.after(cx, p)
    }
}

/// hyper answers a request head it cannot parse itself, before the gateway sees the request:
/// `400` (method, URI, version or a header it refuses, e.g. `Content-Length` given twice),
/// `431` (more than `max_headers` headers, a head above the buffer), `414`; a status line,
/// `connection: close`, `content-length: 0` and `date`, no body, and nothing in hyper 1 to
/// shape it (its server role builds that head itself). This wrapper replaces that head, as
/// hyper writes it, by the same status with the gateway's JSON error body. A head is hyper's
/// when its status is one of those three and it has `content-length: 0` and no
/// `content-type`: every answer the gateway writes has a JSON (or text) body and a content
/// type.
#[derive(Debug)]
pub struct ParseErrorBody<T> {
    inner: T,
    /// The replacement being written: its bytes, how many are written, and how many bytes of
    /// hyper's head it stands for.
    pending: Option<(Vec<u8>, usize, usize)>,
}

impl<T> ParseErrorBody<T> {
    /// Wrap `inner`.
    pub fn new(inner: T) -> ParseErrorBody<T> {
        ParseErrorBody {
            inner,
            pending: None,
        }
    }
}

/// The length and status of hyper's own error head at the start of `buf`, if it is one.
fn hyper_error_head(buf: &[u8]) -> Option<(usize, u16)> {
    let code = match buf.strip_prefix(b"HTTP/1.1 ")?.get(..4)? {
        b"400 " => 400,
        b"414 " => 414,
        b"431 " => 431,
        _ => return None,
    };
    // hyper writes that head alone (it has no body); a write with more after the head, or a
    // longer one, is not it. Chunks of a relayed body never start a write alone either (a
    // chunked body's data follows its size line), so the provider's bytes are never taken
    // for it.
    if buf.len() > 1024 {
        return None;
    }
    let end = buf.windows(4).position(|w| w == b"\r\n\r\n")? + 4;
    if end != buf.len() {
        return None;
    }
    let lower = buf.to_ascii_lowercase();
    let has = |needle: &[u8]| lower.windows(needle.len()).any(|w| w == needle);
    (has(b"\r\ncontent-length: 0\r\n") && !has(b"\r\ncontent-type:")).then_some((end, code))
}

/// The gateway's answer for hyper's error status `code`.
fn shaped_parse_error(code: u16) -> Vec<u8> {
    use hyper::StatusCode as S;
    let (status, rc, message) = match code {
        431 => (
            S::REQUEST_HEADER_FIELDS_TOO_LARGE,
            "REQUEST_HEADERS_TOO_LARGE",
            "the request head has more than max_headers headers or is above max_header_bytes",
        ),
        414 => (S::URI_TOO_LONG, "URI_TOO_LONG", "the request URI is too long"),
        _ => (
            S::BAD_REQUEST,
            "INVALID_HTTP_REQUEST",
            "the request head could not be parsed (its method, URI, version or a header, e.g. Content-Length given twice)",
        ),
    };
    closing_answer(status, &GatewayError::bad(rc, message))
}

impl<T: AsyncWrite + Unpin> ParseErrorBody<T> {
    /// Write `buf`, or the replacement for it when it starts with hyper's error head.
    fn write_one(&mut self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        if self.pending.is_none() {
            match hyper_error_head(buf) {
                Some((claim, code)) => {
                    tracing::info!(status = code, "request head refused by the HTTP parser");
                    self.pending = Some((shaped_parse_error(code), 0, claim));
                }
                None => return Pin::new(&mut self.inner).poll_write(cx, buf),
            }
        }
        let ParseErrorBody { inner, pending } = self;
        let Some((bytes, written, claim)) = pending.as_mut() else {
            return Poll::Ready(Ok(0));
        };
        while *written < bytes.len() {
            match Pin::new(&mut *inner).poll_write(cx, &bytes[*written..]) {
                Poll::Ready(Ok(0)) => return Poll::Ready(Err(io::ErrorKind::WriteZero.into())),
                Poll::Ready(Ok(n)) => *written += n,
                Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                Poll::Pending => return Poll::Pending,
            }
        }
        let claim = *claim;
        *pending = None;
        Poll::Ready(Ok(claim))
    }
}

impl<T: AsyncRead + Unpin> AsyncRead for ParseErrorBody<T> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_read(cx, buf)
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for ParseErrorBody<T> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.get_mut().write_one(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let first = bufs.iter().find(|b| !b.is_empty());
        match first {
            Some(b) if this.pending.is_some() || hyper_error_head(b).is_some() => {
                this.write_one(cx, b)
            }
            _ => Pin::new(&mut this.inner).poll_write_vectored(cx, bufs),
        }
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::hyper_error_head;

    #[test]
    fn only_a_whole_bodyless_error_head_is_hypers() {
        let head = b"HTTP/1.1 400 Bad Request\r\nconnection: close\r\ncontent-length: 0\r\ndate: x\r\n\r\n";
        assert_eq!(hyper_error_head(head), Some((head.len(), 400)));
        // Bytes after the head (a body, or a relayed chunk that merely looks like a head).
        let mut more = head.to_vec();
        more.extend_from_slice(b"{}");
        assert_eq!(hyper_error_head(&more), None);
        // The gateway's own answers have a content type.
        let own = b"HTTP/1.1 400 Bad Request\r\ncontent-type: application/json\r\ncontent-length: 0\r\n\r\n";
        assert_eq!(hyper_error_head(own), None);
        assert_eq!(
            hyper_error_head(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n"),
            None
        );
    }
}

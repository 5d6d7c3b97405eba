//! Accept loop, connection limits, reload, graceful shutdown.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;

use crate::state::State;

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
                let st = state.clone();
                let svc = service_fn(move |req| {
                    let st = st.clone();
                    async move { Ok::<_, std::convert::Infallible>(crate::proxy::handle(st, req).await) }
                });
                let conn = http.serve_connection(TokioIo::new(tcp), svc);
                // Polled in place (`inplace.rs`): collecting the request body wakes the
                // connection's own dispatcher; without this every call yielded to tokio.
                let conn = crate::inplace::InPlace::new(graceful.watch(conn));
                tokio::spawn(async move {
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

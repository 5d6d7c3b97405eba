//! `claw-gateway`: the model gateway. A reverse proxy between agents and model providers
//! that validates the scoped token (CST) of every call, enforces the work policy (WPC) it is
//! pinned to, forwards the exact bytes, and signs a `gateway_receipt` over the bytes the
//! provider received and sent. Wire contract: `docs/SPEC.md §8`.
//!
//! Built on plain hyper 1 (not axum): the gateway has seven routes and needs control of
//! every byte of the body (hash-as-you-stream, a trailer after the upstream's last byte,
//! bounded reads with timeouts); a router framework would add a layer without removing
//! any of that work.

pub mod auth;
pub mod body;
pub mod config;
pub mod error;
pub mod inplace;
pub mod metrics;
pub mod proxy;
pub mod receipt;
pub mod server;
pub mod shared;
pub mod sink;
pub mod sse_usage;
pub mod state;
pub mod switches;
pub mod upstream;

/// Wall clock, Unix milliseconds (the gateway's only clock; claw-core takes it injected).
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

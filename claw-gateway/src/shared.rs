//! The gateway on shared state (`state = "redis://…"`, `docs/SPEC.md §9.7`): revocations
//! read from the store (plus the incident switches'), one-time tokens, nonces reserved
//! across instances, receipts stored where every instance reads them.
//!
//! Every call into the store blocks for one round trip; the request path runs them on
//! tokio's blocking pool. Any failure to consult the store refuses the request with
//! `503 STATE_STORE_UNAVAILABLE` (or `STATE_STORE_STALE` / `STATE_STORE_CORRUPT`).

use std::sync::Arc;
use std::time::Duration;

use claw_core::cst::{RevocationList, RevocationSource, Revocations, StateError, VerifiedClaims};
use claw_store::{NonceState, RedisState};

use crate::error::GatewayError;
use crate::sink::{ReceiptSink, SinkError};
use crate::state::State;

/// How long a nonce stays reserved, and its receipt stored, in the shared store.
pub const NONCE_TTL: Duration = Duration::from_secs(24 * 3600);

/// The shared store of a gateway.
#[derive(Debug, Clone)]
pub struct Shared {
    pub store: Arc<RedisState>,
}

impl Shared {
    /// Open the store at `url` (Redis need not be up yet: until it is, calls are refused).
    pub fn open(url: &str) -> Result<Shared, StateError> {
        Ok(Shared {
            store: Arc::new(RedisState::open(url)?),
        })
    }

    /// The receipt sink on this store.
    pub fn sink(&self) -> RedisSink {
        RedisSink {
            store: self.store.clone(),
        }
    }
}

/// The revocations in force: the store's copy (which must be confirmed current) and the
/// incident switches' entries of this instance.
#[derive(Debug)]
pub struct Merged<'a> {
    pub store: &'a RedisState,
    pub local: &'a Revocations,
}

impl RevocationSource for Merged<'_> {
    fn current(&self) -> Result<Arc<RevocationList>, StateError> {
        let shared = self.store.current()?;
        let local = self.local.snapshot();
        if local.is_empty() {
            return Ok(shared);
        }
        let mut all = (*shared).clone();
        for e in local.entries() {
            all.apply(&e);
        }
        Ok(Arc::new(all))
    }
}

/// Receipts in the store under their nonce key (`ns:n:<hash>`, value `R‖envelope`), so
/// `GET /v1/receipt/:nonce` answers on every instance.
#[derive(Debug)]
pub struct RedisSink {
    store: Arc<RedisState>,
}

impl ReceiptSink for RedisSink {
    fn put(&self, key: &str, envelope: &[u8]) -> Result<(), SinkError> {
        crate::sink::check(key, envelope)?;
        if let Some(NonceState::Done(_)) = self.store.nonce_state(key.as_bytes())? {
            return Err(SinkError::Exists(key.to_string()));
        }
        self.store
            .complete_nonce(key.as_bytes(), envelope, NONCE_TTL)?;
        Ok(())
    }

    fn get(&self, key: &str) -> Result<Option<Vec<u8>>, SinkError> {
        crate::sink::check_key(key)?;
        Ok(self.store.receipt(key.as_bytes())?)
    }
}

fn joined<T>(r: Result<T, tokio::task::JoinError>) -> Result<T, GatewayError> {
    r.map_err(|e| GatewayError::State(StateError::Unavailable(format!("state task: {e}"))))
}

/// Validate the token with the store's revocations and, in one-time-token mode, its
/// replay guard (on the blocking pool: one round trip).
pub async fn validate(
    state: &Arc<State>,
    token: &str,
    run_id: Option<&str>,
    policy_hash: Option<&str>,
    now: i64,
) -> Result<VerifiedClaims, GatewayError> {
    let st = state.clone();
    let (t, r, p) = (
        token.to_string(),
        run_id.map(str::to_string),
        policy_hash.map(str::to_string),
    );
    joined(
        tokio::task::spawn_blocking(move || {
            crate::auth::validate(&st, &t, r.as_deref(), p.as_deref(), now)
        })
        .await,
    )?
}

/// Reserve `nonce` across every instance: only the first sight forwards; a nonce another
/// call holds (in flight or answered) is refused with `409 IDEMPOTENCY_KEY_REUSED`; its
/// receipt is at `GET /v1/receipt/:nonce` on any instance once stored.
pub async fn reserve(shared: &Shared, nonce: &str) -> Result<(), GatewayError> {
    let store = shared.store.clone();
    let n = nonce.to_string();
    let got = joined(
        tokio::task::spawn_blocking(move || store.reserve_nonce(n.as_bytes(), NONCE_TTL)).await,
    )?
    .map_err(GatewayError::State)?;
    match got {
        NonceState::Reserved => Ok(()),
        NonceState::Pending | NonceState::Done(_) => {
            Err(GatewayError::NonceReused(nonce.to_string()))
        }
    }
}

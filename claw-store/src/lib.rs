//! Shared state for claw on Redis: one replay guard, one revocation list and one receipt
//! store for every instance of a gateway or harness (`docs/SPEC.md §9`).
//!
//! [`RedisState`] implements the core's [`ReplayGuard`](claw_core::cst::ReplayGuard),
//! [`RevocationSource`](claw_core::cst::RevocationSource) and
//! [`RevocationStore`](claw_core::cst::RevocationStore), so it goes wherever the in-memory
//! guard and list go:
//!
//! ```no_run
//! use claw_core::cst::{self, KeySet, ReplayMode, ValidationOptions};
//! use claw_store::RedisState;
//! # fn demo(token: &str, keys: &KeySet, now: i64) -> Result<(), Box<dyn std::error::Error>> {
//! let state = RedisState::open("redis://127.0.0.1:6379")?;
//! let mut opts = ValidationOptions::new("gateway", "tool:run");
//! opts.job = Some("job-42");
//! opts.replay = ReplayMode::JtiOncePerJob(&state);
//! opts.revocations = Some(&state);
//! let verified = cst::validate(token, keys, &opts, now)?;
//! # Ok(()) }
//! ```
//!
//! The API is blocking (each call is one Redis round trip, bounded by
//! [`StateConfig::timeout`]). From an async server, call it inside
//! `tokio::task::spawn_blocking` (or `block_in_place`); a `RedisState` is `Send + Sync` and
//! is shared with an `Arc`.
//!
//! Failure policy: anything that prevents an answer (Redis unreachable, a timeout, a key
//! holding something claw never writes, a revocation copy older than
//! [`StateConfig::max_staleness`]) refuses, with reason code `STATE_STORE_UNAVAILABLE`,
//! `STATE_STORE_STALE` or `STATE_STORE_CORRUPT`. Nothing needs a restart when Redis comes
//! back: the next call reconnects and the background thread resynchronises.

#![deny(missing_docs)]

mod address;
mod keys;
mod pool;
mod receipts;
mod replay;
mod revocations;
#[doc(hidden)]
pub mod testing;

pub use address::{Address, MAX_ADDRESS_BYTES, MAX_HOSTS};
pub use claw_core::cst::StateError;
pub use keys::MAX_NAMESPACE_BYTES;
pub use receipts::{NonceState, MAX_RECEIPT_BYTES};

use keys::Keys;
use pool::Pool;
use revocations::Local;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::thread::JoinHandle;
use std::time::Duration;

/// Settings of a [`RedisState`]; [`StateConfig::default`] gives the documented defaults.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct StateConfig {
    /// Prefix of every key and channel (`[A-Za-z0-9._-]`, at most 64 bytes). Default `claw`.
    pub namespace: String,
    /// Idle connections kept. Default 16.
    pub pool_size: usize,
    /// Bound on connecting and on each round trip. Default 2 s.
    pub timeout: Duration,
    /// The revocation copy must have been confirmed current by Redis this recently, or
    /// every validation that consults revocations is refused (`STATE_STORE_STALE`).
    /// Default 5 s.
    pub max_staleness: Duration,
    /// How often the background thread confirms the copy when no revocation arrives (one
    /// `MGET`). Default 1 s.
    pub poll_interval: Duration,
    /// Added to a replay record's lifetime (`exp + skew − now`) to cover clock differences
    /// between instances. Default 60 s.
    pub replay_margin: Duration,
    /// After this instance sees that Redis lost its data (the epoch changed), one-time
    /// uses are refused for this long: the lost records could otherwise be replayed. Set it
    /// to the longest token lifetime you issue plus the skew. Default 1 h.
    pub quarantine_after_reset: Duration,
    /// Bound on the revocation entries read from Redis. Default 1,000,000.
    pub max_revocations: usize,
    /// Keep the revocation copy current with a background thread (pub/sub plus polling).
    /// Without it (one-shot tools such as the CLI), call [`RedisState::sync_now`]. Default
    /// true.
    pub background_sync: bool,
}

impl Default for StateConfig {
    fn default() -> StateConfig {
        StateConfig {
            namespace: "claw".into(),
            pool_size: 16,
            timeout: Duration::from_secs(2),
            max_staleness: Duration::from_secs(5),
            poll_interval: Duration::from_secs(1),
            replay_margin: Duration::from_secs(60),
            quarantine_after_reset: Duration::from_secs(3600),
            max_revocations: 1_000_000,
            background_sync: true,
        }
    }
}

pub(crate) struct Inner {
    pool: Pool,
    cfg: StateConfig,
    keys: Keys,
    local: RwLock<Local>,
    stop: AtomicBool,
    /// Serializes full synchronisations (the thread's and `sync_now`).
    sync_lock: Mutex<()>,
}

/// Replay guard, revocation list and receipt store shared through Redis. Cheap to share
/// (`Arc`); dropping the last handle stops its background thread.
pub struct RedisState {
    inner: Arc<Inner>,
    thread: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for RedisState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "RedisState({})", self.inner.pool.address)
    }
}

impl RedisState {
    /// Open the state at `url` ([`Address::parse`]) with the default settings and start
    /// the background synchronisation. Redis need not be up yet: until it is, every call
    /// fails closed.
    pub fn open(url: &str) -> Result<RedisState, StateError> {
        RedisState::open_with(url, StateConfig::default())
    }

    /// Open with explicit settings.
    pub fn open_with(url: &str, cfg: StateConfig) -> Result<RedisState, StateError> {
        if !keys::valid_namespace(&cfg.namespace) {
            return Err(StateError::Invalid(format!(
                "namespace must be 1 to {MAX_NAMESPACE_BYTES} bytes of [A-Za-z0-9._-]"
            )));
        }
        let address = Address::parse(url)?;
        let pool = Pool::new(&address, cfg.pool_size, cfg.timeout)?;
        let inner = Arc::new(Inner {
            pool,
            keys: Keys::new(&cfg.namespace),
            local: RwLock::new(Local::default()),
            stop: AtomicBool::new(false),
            sync_lock: Mutex::new(()),
            cfg,
        });
        let thread = if inner.cfg.background_sync {
            let i = Arc::clone(&inner);
            Some(
                std::thread::Builder::new()
                    .name("claw-state-sync".into())
                    .spawn(move || revocations::run(&i))
                    .map_err(|e| StateError::Unavailable(format!("sync thread: {e}")))?,
            )
        } else {
            None
        };
        Ok(RedisState { inner, thread })
    }

    /// The address, password hidden.
    pub fn address(&self) -> &str {
        &self.inner.pool.address
    }

    /// The settings in force.
    pub fn config(&self) -> &StateConfig {
        &self.inner.cfg
    }

    /// Read the revocations from Redis now (one round trip) and confirm the local copy.
    pub fn sync_now(&self) -> Result<(), StateError> {
        self.inner.full_sync()
    }

    /// Wait until the local copy is confirmed current (or `timeout` passes: the last error).
    pub fn wait_ready(&self, timeout: Duration) -> Result<(), StateError> {
        let deadline = std::time::Instant::now() + timeout;
        loop {
            let r = self.inner.current_list().map(|_| ());
            if r.is_ok() || std::time::Instant::now() >= deadline {
                return r;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// The revocation version of the local copy (0 before the first revocation).
    pub fn revocation_version(&self) -> i64 {
        self.inner.read_local().version
    }
}

impl Drop for RedisState {
    fn drop(&mut self) {
        self.inner.stop.store(true, Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            // The thread wakes at least every 100 ms (or when a round trip ends, bounded by
            // the timeout) and then sees `stop`.
            let _ = t.join();
        }
    }
}

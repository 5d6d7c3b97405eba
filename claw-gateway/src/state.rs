//! What the gateway holds while it runs: keys, trusted issuers, policies, incident
//! switches, the receipt sink, the upstream client, counters.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use arc_swap::ArcSwap;
use claw_core::cst::{KeySet, Revocations, SignatureMemo};
use claw_core::envelope::Signers;
use claw_core::evidence::Gateway;
use claw_core::keys::SigningKey;
use claw_core::wpc::{self, CompiledPolicy, Policy};
use tokio::sync::Semaphore;

use crate::config::{Config, ConfigError};
use crate::error::GatewayError;
use crate::metrics::Metrics;
use crate::sink::{DirSink, JsonlSink, MultiSink};
use crate::switches::Switches;
use crate::upstream::Upstream;

/// Bound on a key or key-set file.
const MAX_KEY_FILE_BYTES: u64 = 256 * 1024;
/// Policies kept verified and compiled in memory.
const POLICY_CACHE_ENTRIES: usize = 1024;
/// Token signatures remembered as verified (`claw_core::cst::SignatureMemo`).
const SIGNATURE_MEMO_ENTRIES: usize = 16_384;
/// Hashes remembered as missing from the policy directory.
const POLICY_NEGATIVE_ENTRIES: usize = 4096;

/// A verified, compiled policy.
#[derive(Debug)]
pub struct LoadedPolicy {
    pub policy: Policy,
    pub compiled: CompiledPolicy,
    /// The envelope's `expires_at` (Unix ms): from then on the cached copy is not used.
    pub expires_at_ms: Option<i64>,
}

/// What the gateway remembers of the policy directory: verified policies (until their
/// envelope expires) and hashes that were not there (for `policy_negative_ttl_ms`).
#[derive(Debug, Default)]
struct PolicyCache {
    found: HashMap<String, Arc<LoadedPolicy>>,
    /// Hash → Unix ms until which "not in the directory" is answered without reading it.
    missing: HashMap<String, i64>,
}

/// The running gateway's state.
#[derive(Debug)]
pub struct State {
    pub config: Config,
    pub gateway: Gateway,
    /// The same key as `gateway`, for the legacy `_receipt` signature.
    pub key: SigningKey,
    pub did: String,
    /// `key`'s reference key id (the legacy receipt's `kid`), computed once.
    pub reference_kid: String,
    pub gateway_id: String,
    pub issuers: ArcSwap<KeySet>,
    pub switches: ArcSwap<Switches>,
    pub revocations: Revocations,
    /// CST signatures already verified: a run's token is checked once per issuer key, every
    /// other rule on every call.
    pub signature_memo: SignatureMemo,
    /// The shared state (`state = "redis://…"`), if configured.
    pub shared: Option<crate::shared::Shared>,
    policies: Mutex<PolicyCache>,
    pub sink: MultiSink,
    pub upstream: Upstream,
    pub metrics: Metrics,
    pub permits: Arc<Semaphore>,
    pub shutting_down: AtomicBool,
    /// Idempotency keys of requests in flight.
    pub inflight: Mutex<HashSet<String>>,
    /// Provider API keys read from the environment variables the configuration names.
    provider_keys: HashMap<String, zeroize::Zeroizing<String>>,
    watched: Mutex<Vec<(PathBuf, Option<Fingerprint>)>>,
}

fn read_bounded(path: &Path) -> Result<String, ConfigError> {
    let meta =
        std::fs::metadata(path).map_err(|e| ConfigError(format!("{}: {e}", path.display())))?;
    if meta.len() > MAX_KEY_FILE_BYTES {
        return Err(ConfigError(format!("{}: too large", path.display())));
    }
    std::fs::read_to_string(path).map_err(|e| ConfigError(format!("{}: {e}", path.display())))
}

/// Read the CST issuer keys: each file is a JWK set (`{"keys":[...]}`) or a single JWK.
pub fn load_issuers(paths: &[PathBuf]) -> Result<KeySet, ConfigError> {
    let mut set = KeySet::new();
    for p in paths {
        let text = read_bounded(p)?;
        let v = claw_core::json::parse(text.as_bytes(), &claw_core::json::Limits::STRICT)
            .map_err(|e| ConfigError(format!("{}: {e}", p.display())))?;
        let res = if v.get("keys").is_some() {
            KeySet::from_jwks_value(&v).and_then(|s| {
                for kid in s.kids() {
                    if let Some(k) = s.get(kid) {
                        set.insert(Some(kid), *k, None)?;
                    }
                }
                Ok(())
            })
        } else {
            set.insert_jwk_value(&v).map(|_| ())
        };
        res.map_err(|e| ConfigError(format!("{}: {e}", p.display())))?;
    }
    if set.is_empty() {
        return Err(ConfigError("no CST issuer key".into()));
    }
    Ok(set)
}

fn load_switches(path: Option<&Path>) -> Result<Switches, ConfigError> {
    match path {
        None => Ok(Switches::default()),
        Some(p) if !p.exists() => Ok(Switches::default()),
        Some(p) => {
            let text = read_bounded(p)?;
            Switches::parse(text.as_bytes())
                .map_err(|e| ConfigError(format!("{}: {e}", p.display())))
        }
    }
}

/// What a watched file was when last looked at: its modification time, length and the
/// SHA-256 of its bytes (read up to a bound a little above the largest file loaded).
type Fingerprint = (Option<SystemTime>, u64, [u8; 32]);

/// The file's fingerprint; `None` when it cannot be read. The content is hashed, not only
/// the modification time compared: two writes within one tick of the file system's clock
/// (a few ms on Linux, whole seconds on some file systems) leave the same mtime, and a
/// switch written second would never be loaded.
fn fingerprint(p: &Path) -> Option<Fingerprint> {
    use sha2::{Digest, Sha256};
    use std::io::Read;
    let f = std::fs::File::open(p).ok()?;
    let meta = f.metadata().ok()?;
    let bound = (crate::switches::MAX_SWITCH_BYTES as u64).max(MAX_KEY_FILE_BYTES) + 1;
    let mut bytes = Vec::new();
    f.take(bound).read_to_end(&mut bytes).ok()?;
    Some((
        meta.modified().ok(),
        meta.len(),
        Sha256::digest(&bytes).into(),
    ))
}

impl State {
    /// Load everything the configuration names; fails on the first problem.
    pub fn load(config: Config) -> Result<State, ConfigError> {
        let key = SigningKey::from_jwk(&read_bounded(&config.signing_key)?)
            .map_err(|e| ConfigError(format!("{}: {e}", config.signing_key.display())))?;
        let did = key.verifying_key().did();
        let gateway_id = config.gateway_id.clone().unwrap_or_else(|| did.clone());
        let gateway = Gateway::new(&gateway_id, key.clone())
            .map_err(|e| ConfigError(format!("gateway_id: {e}")))?;
        let issuers = load_issuers(&config.cst_issuers)?;
        let switches = load_switches(config.overrides.as_deref())?;
        let revocations = Revocations::new(switches.revocations());
        if let Some(d) = &config.wpc_dir {
            if !d.is_dir() {
                return Err(ConfigError(format!(
                    "wpc_dir {}: not a directory",
                    d.display()
                )));
            }
        }
        let mut sink = MultiSink::new();
        if let Some(d) = &config.receipts_dir {
            sink.push(Box::new(
                DirSink::open(d).map_err(|e| ConfigError(e.to_string()))?,
            ));
        }
        if let Some(p) = &config.receipts_log {
            sink.push(Box::new(
                JsonlSink::open(p).map_err(|e| ConfigError(e.to_string()))?,
            ));
        }
        let shared = match &config.state {
            Some(url) => {
                let s = crate::shared::Shared::open(url)
                    .map_err(|e| ConfigError(format!("state: {e}")))?;
                sink.push(Box::new(s.sink()));
                Some(s)
            }
            None => None,
        };
        let upstream = Upstream::new(&config).map_err(|e| ConfigError(format!("upstream: {e}")))?;
        let mut watched: Vec<(PathBuf, Option<Fingerprint>)> = config
            .cst_issuers
            .iter()
            .map(|p| (p.clone(), fingerprint(p)))
            .collect();
        if let Some(p) = &config.overrides {
            watched.push((p.clone(), fingerprint(p)));
        }
        let mut provider_keys = HashMap::new();
        for (provider, var) in &config.upstream_key_env {
            let v = std::env::var(var).map_err(|_| {
                ConfigError(format!(
                    "upstream key for {provider}: environment variable {var} is not set"
                ))
            })?;
            provider_keys.insert(provider.clone(), zeroize::Zeroizing::new(v));
        }
        let state = State {
            provider_keys,
            gateway,
            reference_kid: key.verifying_key().reference_kid(),
            key,
            did,
            gateway_id,
            issuers: ArcSwap::from_pointee(issuers),
            switches: ArcSwap::from_pointee(switches),
            revocations,
            signature_memo: SignatureMemo::new(SIGNATURE_MEMO_ENTRIES),
            shared,
            policies: Mutex::new(PolicyCache::default()),
            sink,
            upstream,
            metrics: Metrics::default(),
            permits: Arc::new(Semaphore::new(config.limits.max_concurrent)),
            shutting_down: AtomicBool::new(false),
            inflight: Mutex::new(HashSet::new()),
            watched: Mutex::new(watched),
            config,
        };
        if let Some(h) = state.config.policy_hash.clone() {
            state
                .policy(&h, crate::now_ms() / 1000)
                .map_err(|e| ConfigError(e.to_string()))?;
        }
        Ok(state)
    }

    /// Re-read the issuer keys and the incident switches. A file that fails to load keeps
    /// the previous value (and is reported).
    pub fn reload(&self) -> Result<(), ConfigError> {
        let issuers = load_issuers(&self.config.cst_issuers);
        let switches = load_switches(self.config.overrides.as_deref());
        if let Ok(s) = &switches {
            self.revocations.replace(s.revocations());
            self.switches.store(Arc::new(s.clone()));
        }
        if let Ok(i) = issuers.as_ref() {
            self.issuers.store(Arc::new(i.clone()));
        }
        issuers.and(switches).map(|_| ())
    }

    /// The configured API key of `provider`, if any.
    pub fn provider_key(&self, provider: &str) -> Option<String> {
        self.provider_keys.get(provider).map(|k| k.to_string())
    }

    /// Reload if a watched file changed since the last look.
    pub fn reload_if_changed(&self) -> Option<Result<(), ConfigError>> {
        let mut changed = false;
        {
            let mut w = self.watched.lock().unwrap_or_else(|p| p.into_inner());
            for (p, t) in w.iter_mut() {
                let now = fingerprint(p);
                if now != *t {
                    *t = now;
                    changed = true;
                }
            }
        }
        changed.then(|| self.reload())
    }

    /// The policy with this hash from the policy directory: signed by a trusted signer,
    /// hash checked, envelope not expired at `now` (Unix seconds), compiled. Cached: a
    /// cached policy is used until its envelope's `expires_at` (then the directory is read
    /// and verified again, so an expired policy is refused and a re-signed one is found);
    /// a hash that is not in the directory is answered `POLICY_NOT_FOUND` without reading
    /// it again for `limits.policy_negative_ttl_ms`.
    pub fn policy(&self, hash: &str, now: i64) -> Result<Arc<LoadedPolicy>, GatewayError> {
        self.policy_at(hash, now.saturating_mul(1000))
    }

    /// Entries in the policy cache: (verified policies, hashes remembered as missing).
    pub fn policy_cache_len(&self) -> (usize, usize) {
        let c = self.policies.lock().unwrap_or_else(|p| p.into_inner());
        (c.found.len(), c.missing.len())
    }

    /// [`State::policy`] at `now_ms` (Unix milliseconds).
    pub fn policy_at(&self, hash: &str, now_ms: i64) -> Result<Arc<LoadedPolicy>, GatewayError> {
        if !claw_core::hash::is_b64u_sha256(hash) {
            return Err(GatewayError::bad(
                "POLICY_HASH_INVALID",
                "X-Policy-Hash must be a base64url SHA-256 (43 characters)",
            ));
        }
        // The envelope check is `now_s * 1000 >= expires_at` (whole seconds): the cache
        // uses the same clock so a hit is never accepted where a fresh load is refused.
        let now = now_ms.div_euclid(1000);
        {
            let mut cache = self.policies.lock().unwrap_or_else(|p| p.into_inner());
            if let Some(p) = cache.found.get(hash) {
                match p.expires_at_ms {
                    Some(exp) if now.saturating_mul(1000) >= exp => {
                        cache.found.remove(hash);
                    }
                    _ => return Ok(p.clone()),
                }
            }
            if let Some(&until) = cache.missing.get(hash) {
                if now_ms < until {
                    return Err(GatewayError::PolicyNotFound(hash.to_string()));
                }
                cache.missing.remove(hash);
            }
        }
        let dir = self
            .config
            .wpc_dir
            .as_ref()
            .ok_or_else(|| GatewayError::PolicyNotFound(hash.to_string()))?;
        // `hash` is 43 base64url characters: it cannot name another directory.
        let path = dir.join(format!("{hash}.json"));
        let bytes = match std::fs::read(&path) {
            Ok(b) => b,
            Err(e) => {
                // Only "not there" is remembered; any other read error is retried.
                let ttl =
                    i64::try_from(self.config.limits.policy_negative_ttl_ms).unwrap_or(i64::MAX);
                if e.kind() == std::io::ErrorKind::NotFound && ttl > 0 {
                    let mut cache = self.policies.lock().unwrap_or_else(|p| p.into_inner());
                    if cache.missing.len() >= POLICY_NEGATIVE_ENTRIES {
                        cache.missing.retain(|_, until| now_ms < *until);
                        if cache.missing.len() >= POLICY_NEGATIVE_ENTRIES {
                            cache.missing.clear();
                        }
                    }
                    cache
                        .missing
                        .insert(hash.to_string(), now_ms.saturating_add(ttl));
                }
                return Err(GatewayError::PolicyNotFound(hash.to_string()));
            }
        };
        let perr = |source| GatewayError::Policy {
            hash: hash.to_string(),
            source,
        };
        let verified = wpc::verify_policy_envelope(
            &bytes,
            Signers::OneOf(&self.config.wpc_signers),
            Some(hash),
            Some(now),
        )
        .map_err(perr)?;
        let expires_at_ms = verified.envelope().expires_at_ms;
        let policy = verified.into_policy();
        let compiled = CompiledPolicy::compile(&policy).map_err(perr)?;
        let loaded = Arc::new(LoadedPolicy {
            policy,
            compiled,
            expires_at_ms,
        });
        let mut cache = self.policies.lock().unwrap_or_else(|p| p.into_inner());
        if cache.found.len() >= POLICY_CACHE_ENTRIES {
            cache.found.clear();
        }
        cache.found.insert(hash.to_string(), loaded.clone());
        Ok(loaded)
    }
}

//! Scoped tokens (CST): `claw.issue_cst`, `claw.verify_cst`, `claw.KeySet`, `claw.ReplayGuard`,
//! `claw.Revocations`. Every check is the core's (`claw_core::cst`, docs/SPEC.md §5).

use crate::convert;
use crate::envelope::now_secs;
use crate::errors::IntoPyResult;
use crate::keys::{PySigningKey, PyVerifyingKey};
use crate::state::PyRedisState;
use claw_core::cst::{self, Claims, IssueOptions, ReplayMode, ValidationOptions};
use claw_core::keys::VerifyingKey;
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyString};
use serde_json::{Map, Value};

/// Trusted issuer keys by `kid` (immutable once built).
#[pyclass(module = "claw", name = "KeySet", frozen)]
#[derive(Debug, Clone)]
pub struct PyKeySet {
    inner: cst::KeySet,
}

/// A key given as a `VerifyingKey` or a `did:key` string.
fn verifying_key(py: Python<'_>, item: &Bound<'_, PyAny>) -> PyResult<VerifyingKey> {
    if let Ok(k) = item.cast::<PyVerifyingKey>() {
        return Ok(k.get().inner);
    }
    let did: String = item
        .extract()
        .map_err(|_| PyTypeError::new_err("expected a claw.VerifyingKey or a did:key string"))?;
    VerifyingKey::from_did(&did).py_err(py)
}

#[pymethods]
impl PyKeySet {
    /// Keys (`VerifyingKey` or `did:key`), each filed under the reference kid (first 16 hex
    /// characters of SHA-256 of the raw key), or under the kid given in `kids` (same order).
    #[new]
    #[pyo3(signature = (keys, *, kids = None))]
    fn new(
        py: Python<'_>,
        keys: Vec<Bound<'_, PyAny>>,
        kids: Option<Vec<String>>,
    ) -> PyResult<PyKeySet> {
        if let Some(k) = &kids {
            if k.len() != keys.len() {
                return Err(PyTypeError::new_err("kids must name one kid per key"));
            }
        }
        let mut inner = cst::KeySet::new();
        for (i, item) in keys.iter().enumerate() {
            let key = verifying_key(py, item)?;
            let kid = kids.as_ref().and_then(|k| k.get(i)).map(String::as_str);
            inner.insert(kid, key, None).py_err(py)?;
        }
        Ok(PyKeySet { inner })
    }

    /// Read a JWKS (`{"keys": [...]}`) given as JSON text or a dict; every entry must be a
    /// public OKP/Ed25519 JWK, filed under its own `kid` or the reference kid.
    #[staticmethod]
    fn from_jwks(py: Python<'_>, jwks: &Bound<'_, PyAny>) -> PyResult<PyKeySet> {
        let inner = if let Ok(s) = jwks.cast::<PyString>() {
            let text = convert::text(s).py_err(py)?;
            cst::KeySet::from_jwks(&text).py_err(py)?
        } else {
            let v = convert::to_value(jwks)?;
            cst::KeySet::from_jwks_value(&v).py_err(py)?
        };
        Ok(PyKeySet { inner })
    }

    /// The kids in the set, sorted.
    fn kids(&self) -> Vec<String> {
        let mut k: Vec<String> = self.inner.kids().map(str::to_owned).collect();
        k.sort();
        k
    }

    /// The key filed under `kid`, if any.
    fn get(&self, kid: &str) -> Option<PyVerifyingKey> {
        self.inner.get(kid).map(|k| PyVerifyingKey { inner: *k })
    }

    fn __len__(&self) -> usize {
        self.inner.len()
    }

    fn __repr__(&self) -> String {
        format!("KeySet(kids={:?})", self.kids())
    }
}

/// An in-memory replay guard: a token's `jti` is accepted once (once per job for a token
/// bound to a job by its `mission_id` claim) until it expires.
/// Share one guard between all the threads of a process.
#[pyclass(module = "claw", name = "ReplayGuard", frozen)]
#[derive(Debug)]
pub struct PyReplayGuard {
    inner: cst::InMemoryReplayGuard,
}

#[pymethods]
impl PyReplayGuard {
    /// A guard holding at most `max_entries` unexpired uses; when full it refuses new uses
    /// (`REPLAY_GUARD_FULL`) rather than forget one that could still be replayed.
    #[new]
    #[pyo3(signature = (max_entries = 100_000))]
    fn new(max_entries: usize) -> PyReplayGuard {
        PyReplayGuard {
            inner: cst::InMemoryReplayGuard::new(max_entries),
        }
    }

    /// The hard capacity.
    #[getter]
    fn capacity(&self) -> usize {
        self.inner.capacity()
    }

    fn __len__(&self) -> usize {
        self.inner.len()
    }

    /// Forget every use whose token has expired by `now` (Unix seconds, default the clock).
    #[pyo3(signature = (now = None))]
    fn purge_expired(&self, now: Option<i64>) {
        self.inner.purge_expired(now.unwrap_or_else(now_secs));
    }

    fn __repr__(&self) -> String {
        format!(
            "ReplayGuard(len={}, capacity={})",
            self.inner.len(),
            self.inner.capacity()
        )
    }
}

/// The revocation list in force; edits take effect for the next verification, without a
/// restart.
#[pyclass(module = "claw", name = "Revocations", frozen)]
#[derive(Debug, Default)]
pub struct PyRevocations {
    inner: cst::Revocations,
}

#[pymethods]
impl PyRevocations {
    #[new]
    fn new() -> PyRevocations {
        PyRevocations::default()
    }

    /// Revoke one token by its `jti`.
    fn revoke_jti(&self, jti: String) {
        self.inner.update(|l| {
            l.revoke_jti(jti);
        });
    }

    /// Revoke every token signed under `kid`.
    fn revoke_kid(&self, kid: String) {
        self.inner.update(|l| {
            l.revoke_kid(kid);
        });
    }

    /// Revoke every token signed by `key` (under any kid it is filed under).
    fn revoke_key(&self, key: &PyVerifyingKey) {
        self.inner.update(|l| {
            l.revoke_key(&key.inner);
        });
    }

    /// Revoke every token that pins this policy hash.
    fn revoke_policy_hash(&self, policy_hash: String) {
        self.inner.update(|l| {
            l.revoke_policy_hash(policy_hash);
        });
    }

    /// Revoke one token by its hash (`cst_token_hash`).
    fn revoke_token_hash(&self, token_hash: String) {
        self.inner.update(|l| {
            l.revoke_token_hash(token_hash);
        });
    }

    fn __repr__(&self) -> String {
        format!("Revocations(empty={})", self.inner.snapshot().is_empty())
    }
}

/// Issue a CST signed by `key`: `claims` holds `sub`, `aud`, `scope` and any optional claim
/// of `scoped_token_claims.v1`; `iat`/`exp` (= now + `ttl`, capped by `max_ttl`), a random
/// `jti` and `token_scope_hash_b64u` are set by the core. Returns the compact JWS.
#[pyfunction]
#[pyo3(signature = (key, claims, ttl = 300, *, kid = None, max_ttl = None, now = None))]
pub(crate) fn issue_cst(
    py: Python<'_>,
    key: &PySigningKey,
    claims: &Bound<'_, PyDict>,
    ttl: u64,
    kid: Option<String>,
    max_ttl: Option<u64>,
    now: Option<i64>,
) -> PyResult<String> {
    let now = now.unwrap_or_else(now_secs);
    let Value::Object(mut map) = convert::to_value(claims.as_any())? else {
        return Err(PyTypeError::new_err("claims must be a dict"));
    };
    // The claims parser reads a whole token's claims; what the issuer sets itself is filled in
    // here only where the caller left it out, and is replaced by `issue` anyway.
    let defaults = [
        ("token_version", Value::String(cst::TOKEN_VERSION.into())),
        ("iat", Value::from(now)),
        ("exp", Value::from(now.saturating_add(1))),
    ];
    for (k, v) in defaults {
        map.entry(k).or_insert(v);
    }
    let claims = Claims::from_json_object(map).py_err(py)?;
    let mut opts = IssueOptions::default();
    opts.kid = kid.as_deref();
    opts.max_ttl_seconds = max_ttl;
    let issued =
        cst::issue_with(&key.inner, &claims, ttl, now, &mut rand_core::OsRng, &opts).py_err(py)?;
    Ok(issued.token)
}

/// Verify a CST for `audience` and the action `scope`, with every check of the core in its
/// order (docs/SPEC.md §5); returns the verified claims as a dict. Raises `TokenError` with
/// the reason code of the first failing check. `scope=None` is for inspection only: every
/// other check runs, but the token is not authorized for any particular action.
///
/// `issuers`: a `KeySet`, or a list of `VerifyingKey`/`did:key` (reference kids).
/// `mission_id`: the job this runtime executes (a token naming another job fails);
/// `require_mission` also fails tokens that name none. `policy_hash`: the hash of the policy
/// in force (a token pinning another fails, and a pinned token fails without it).
/// `replay_guard`: accept each `jti` once (keyed by the token's own `mission_id` claim, never
/// by the `mission_id` argument). `now`: Unix seconds, default the clock.
#[pyfunction]
#[pyo3(signature = (
    token, issuers, *, audience, scope = None, subject = None, mission_id = None,
    require_mission = false, policy_hash = None, require_policy_pin = false,
    require_scope_hash = false, max_ttl = None, clock_skew = 60, now = None,
    replay_guard = None, revocations = None
))]
#[allow(clippy::too_many_arguments)]
pub(crate) fn verify_cst<'py>(
    py: Python<'py>,
    token: String,
    issuers: &Bound<'py, PyAny>,
    audience: String,
    scope: Option<String>,
    subject: Option<String>,
    mission_id: Option<String>,
    require_mission: bool,
    policy_hash: Option<String>,
    require_policy_pin: bool,
    require_scope_hash: bool,
    max_ttl: Option<u64>,
    clock_skew: u32,
    now: Option<i64>,
    replay_guard: Option<&Bound<'py, PyAny>>,
    revocations: Option<&Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyDict>> {
    let owned;
    let keys: &cst::KeySet = if let Ok(ks) = issuers.cast::<PyKeySet>() {
        &ks.get().inner
    } else {
        let items: Vec<Bound<'py, PyAny>> = issuers.extract().map_err(|_| {
            PyTypeError::new_err("issuers must be a claw.KeySet or a list of keys / did:keys")
        })?;
        owned = PyKeySet::new(py, items, None)?;
        &owned.inner
    };
    let now = now.unwrap_or_else(now_secs);
    // In-memory (ReplayGuard, Revocations) or shared (RedisState): the core sees traits.
    let (mem_guard, redis_guard) = match replay_guard {
        None => (None, None),
        Some(g) => {
            if let Ok(g) = g.cast::<PyReplayGuard>() {
                (Some(g.clone()), None)
            } else if let Ok(s) = g.cast::<PyRedisState>() {
                (None, Some(std::sync::Arc::clone(&s.get().inner)))
            } else {
                return Err(PyTypeError::new_err(
                    "replay_guard must be a claw.ReplayGuard or a claw.RedisState",
                ));
            }
        }
    };
    let (mem_revs, redis_revs) = match revocations {
        None => (None, None),
        Some(r) => {
            if let Ok(r) = r.cast::<PyRevocations>() {
                (Some(r.clone()), None)
            } else if let Ok(s) = r.cast::<PyRedisState>() {
                (None, Some(std::sync::Arc::clone(&s.get().inner)))
            } else {
                return Err(PyTypeError::new_err(
                    "revocations must be a claw.Revocations or a claw.RedisState",
                ));
            }
        }
    };
    let guard: Option<&dyn cst::ReplayGuard> = match (&mem_guard, &redis_guard) {
        (Some(g), _) => Some(&g.get().inner),
        (_, Some(s)) => Some(&**s),
        _ => None,
    };
    let revs: Option<&dyn cst::RevocationSource> = match (&mem_revs, &redis_revs) {
        (Some(r), _) => Some(&r.get().inner),
        (_, Some(s)) => Some(&**s),
        _ => None,
    };
    let verified = py
        .detach(|| {
            let mut opts = ValidationOptions::new(&audience, "");
            opts.action = scope.as_deref();
            opts.subject = subject.as_deref();
            opts.job = mission_id.as_deref();
            opts.require_job_binding = require_mission;
            opts.runtime_policy_hash = policy_hash.as_deref();
            opts.require_policy_pin = require_policy_pin;
            opts.require_scope_hash = require_scope_hash;
            opts.max_ttl_seconds = max_ttl;
            opts.clock_skew_seconds = clock_skew;
            if let Some(g) = guard {
                opts.replay = ReplayMode::JtiOncePerJob(g);
            }
            opts.revocations = revs;
            cst::validate(&token, keys, &opts, now)
        })
        .py_err(py)?;
    let claims: Map<String, Value> = verified.claims().to_json_object();
    let out = convert::to_py(py, &Value::Object(claims))?;
    out.cast_into::<PyDict>().map_err(PyErr::from)
}

/// The reference's `token_hash`: lowercase hex SHA-256 of the compact token (for revocation).
#[pyfunction]
pub(crate) fn cst_token_hash(token: &str) -> String {
    cst::token_hash(token)
}

/// The `token_scope_hash_b64u` the core computes for these claims (a dict of a token's
/// claims, as `verify_cst` returns).
#[pyfunction]
pub(crate) fn cst_scope_hash(py: Python<'_>, claims: &Bound<'_, PyDict>) -> PyResult<String> {
    let Value::Object(map) = convert::to_value(claims.as_any())? else {
        return Err(PyTypeError::new_err("claims must be a dict"));
    };
    let claims = Claims::from_json_object(map).py_err(py)?;
    Ok(claims.scope_hash_b64u())
}

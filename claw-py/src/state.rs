//! `claw.RedisState`: the shared state of `claw-store` (docs/SPEC.md §9), usable wherever a
//! `ReplayGuard` or `Revocations` is accepted. Failures raise `claw.TokenError` with the
//! store's reason code (`STATE_STORE_UNAVAILABLE`, `STATE_STORE_STALE`, ...).

use crate::keys::PyVerifyingKey;
use claw_core::cst::{self, Revocation, RevocationStore, StateError, TokenError};
use claw_store::{RedisState, StateConfig};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use std::sync::Arc;
use std::time::Duration;

fn state_err(py: Python<'_>, e: StateError) -> PyErr {
    crate::errors::to_py(py, &claw_core::Error::from(TokenError::State(e)))
}

fn secs(name: &str, v: f64) -> PyResult<Duration> {
    Duration::try_from_secs_f64(v)
        .ok()
        .filter(|d| !d.is_zero())
        .ok_or_else(|| {
            PyValueError::new_err(format!("{name} must be a positive number of seconds"))
        })
}

/// Replay guard, revocation list and receipt store shared by every process using the same
/// Redis. Pass it as `replay_guard=` and/or `revocations=` to `claw.verify_cst`.
#[pyclass(module = "claw", name = "RedisState", frozen)]
#[derive(Debug)]
pub struct PyRedisState {
    pub(crate) inner: Arc<RedisState>,
}

#[pymethods]
impl PyRedisState {
    /// Open the state at `url` (`redis://`, `rediss://`, `redis+cluster://`,
    /// `redis+sentinel://`). Redis need not be up: until it is, every use fails closed.
    #[new]
    #[pyo3(signature = (url, *, namespace = "claw", timeout = 2.0,
                        max_staleness = 5.0, poll_interval = 1.0, quarantine_after_reset = 3600.0))]
    fn new(
        py: Python<'_>,
        url: &str,
        namespace: &str,
        timeout: f64,
        max_staleness: f64,
        poll_interval: f64,
        quarantine_after_reset: f64,
    ) -> PyResult<PyRedisState> {
        let mut cfg = StateConfig::default();
        cfg.namespace = namespace.to_string();
        cfg.timeout = secs("timeout", timeout)?;
        cfg.max_staleness = secs("max_staleness", max_staleness)?;
        cfg.poll_interval = secs("poll_interval", poll_interval)?;
        cfg.quarantine_after_reset = secs("quarantine_after_reset", quarantine_after_reset)?;
        let state = py
            .detach(|| RedisState::open_with(url, cfg))
            .map_err(|e| state_err(py, e))?;
        Ok(PyRedisState {
            inner: Arc::new(state),
        })
    }

    /// Wait until the revocation copy is confirmed current (raises the last error after
    /// `timeout` seconds).
    #[pyo3(signature = (timeout = 5.0))]
    fn wait_ready(&self, py: Python<'_>, timeout: f64) -> PyResult<()> {
        let t = secs("timeout", timeout)?;
        let s = Arc::clone(&self.inner);
        py.detach(move || s.wait_ready(t))
            .map_err(|e| state_err(py, e))
    }

    /// Revoke, in one batch, every token with one of these jtis / kids / keys / policy
    /// hashes, and these tokens (by hash). Every instance refuses them within the
    /// propagation bound.
    #[pyo3(signature = (*, jti = Vec::new(), kid = Vec::new(), key = Vec::new(),
                        policy_hash = Vec::new(), token = Vec::new(), token_hash = Vec::new()))]
    #[allow(clippy::too_many_arguments)]
    fn revoke(
        &self,
        py: Python<'_>,
        jti: Vec<String>,
        kid: Vec<String>,
        key: Vec<PyRef<'_, PyVerifyingKey>>,
        policy_hash: Vec<String>,
        token: Vec<String>,
        token_hash: Vec<String>,
    ) -> PyResult<usize> {
        let mut entries: Vec<Revocation> = Vec::new();
        entries.extend(jti.into_iter().map(Revocation::Jti));
        entries.extend(kid.into_iter().map(Revocation::Kid));
        entries.extend(key.iter().map(|k| Revocation::key(&k.inner)));
        entries.extend(policy_hash.into_iter().map(Revocation::PolicyHash));
        entries.extend(
            token
                .iter()
                .map(|t| Revocation::TokenHash(cst::token_hash(t))),
        );
        entries.extend(token_hash.into_iter().map(Revocation::TokenHash));
        if entries.is_empty() {
            return Err(PyValueError::new_err("nothing to revoke"));
        }
        let n = entries.len();
        let s = Arc::clone(&self.inner);
        py.detach(move || s.revoke(&entries))
            .map_err(|e| state_err(py, e))?;
        Ok(n)
    }

    /// The revocation version of the local copy.
    #[getter]
    fn revocation_version(&self) -> i64 {
        self.inner.revocation_version()
    }

    /// The address (password hidden).
    #[getter]
    fn address(&self) -> String {
        self.inner.address().to_string()
    }

    fn __repr__(&self) -> String {
        format!("RedisState({})", self.inner.address())
    }
}

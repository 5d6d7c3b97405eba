//! The scoped token on every model call: where it is read from and how it is validated
//! (`claw_core::cst::validate`, every rule of `docs/SPEC.md §5`).

use claw_core::cst::{self, ValidationOptions, VerifiedClaims};
use hyper::HeaderMap;

use crate::error::GatewayError;
use crate::state::State;

/// Scopes that authorize a model call (the reference accepts either).
pub const SCOPES: [&str; 2] = ["proxy:call", "clawproxy:call"];

fn header<'a>(h: &'a HeaderMap, name: &str) -> Option<&'a str> {
    h.get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|s| !s.is_empty())
}

fn strip_bearer(s: &str) -> &str {
    s.strip_prefix("Bearer ")
        .or_else(|| s.strip_prefix("bearer "))
        .unwrap_or(s)
        .trim()
}

/// The token from `X-CST` or `X-Scoped-Token` (an optional `Bearer ` prefix removed); both
/// present must agree.
pub fn token(h: &HeaderMap) -> Result<&str, GatewayError> {
    // One header given twice with different values is two tokens too: which one a proxy in
    // front of the gateway (or a log) took is not known, so neither is chosen.
    for name in ["x-cst", "x-scoped-token"] {
        let mut all = h.get_all(name).iter();
        if let Some(first) = all.next() {
            if all.any(|v| v != first) {
                return Err(GatewayError::TokenConflict);
            }
        }
    }
    let a = header(h, "x-cst").map(strip_bearer);
    let b = header(h, "x-scoped-token").map(strip_bearer);
    match (a, b) {
        (Some(a), Some(b)) if a != b => Err(GatewayError::TokenConflict),
        (Some(t), _) | (None, Some(t)) => Ok(t),
        (None, None) => Err(GatewayError::TokenMissing),
    }
}

/// Validate `token` for a model call: audience, scope `proxy:call` (or `clawproxy:call`),
/// expiry, revocation (incident switches), job binding to `run_id`, policy pin to
/// `policy_hash`.
pub fn validate(
    state: &State,
    token: &str,
    run_id: Option<&str>,
    policy_hash: Option<&str>,
    now: i64,
) -> Result<VerifiedClaims, GatewayError> {
    let keys = state.issuers.load();
    let mut first = None;
    for scope in SCOPES {
        let mut o = ValidationOptions::new(&state.config.audience, scope);
        o.job = run_id;
        o.require_job_binding = state.config.require_job_binding;
        o.runtime_policy_hash = policy_hash;
        o.require_scope_hash = state.config.require_scope_hash;
        o.signature_memo = Some(&state.signature_memo);
        let merged;
        match &state.shared {
            Some(sh) => {
                merged = crate::shared::Merged {
                    store: &sh.store,
                    local: &state.revocations,
                };
                o.revocations = Some(&merged);
                if state.config.one_time_tokens {
                    o.replay = cst::ReplayMode::JtiOncePerJob(&*sh.store);
                }
            }
            None => o.revocations = Some(&state.revocations),
        }
        match cst::validate(token, &keys, &o, now) {
            Ok(v) => return Ok(v),
            Err(e) if e.reason_code() == "TOKEN_INSUFFICIENT_SCOPE" => {
                first.get_or_insert(e);
            }
            Err(e) => return Err(e.into()),
        }
    }
    Err(first.map_or(GatewayError::TokenMissing, GatewayError::from))
}

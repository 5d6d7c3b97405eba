//! Scoped tokens (CST) through the C ABI: issue, validate (key sets, the in-memory replay
//! guard, revocation).

use crate::error::{claw_error, claw_result, claw_result_code, Fail};
use crate::ffi::{
    canonical, free_handle, try_json, try_out, try_ref, try_str, write_out, write_string,
};
use crate::guard::{boundary, returning_handle, returning_string};
use crate::keys::{claw_signing_key, claw_verifying_key};
use crate::strings::to_c_string;
use claw_core::cst::{
    self, Claims, InMemoryReplayGuard, IssueOptions, KeySet, ReplayGuard, ReplayMode, Revocation,
    RevocationSource, Revocations, ValidationOptions,
};
use serde::Deserialize;
use serde_json::{Map, Value};
use std::os::raw::c_char;

/// A set of trusted CST issuer keys, by `kid`. Immutable once built; thread-safe.
#[derive(Debug)]
pub struct claw_keyset {
    pub(crate) inner: KeySet,
}

/// The in-memory replay guard: remembers each accepted `(jti, token's job)` until its token
/// expires, in a bounded, sharded table. Thread-safe: share one guard between every thread
/// that validates tokens (of any number of concurrent uses of one token, exactly one
/// passes).
#[derive(Debug)]
pub struct claw_replay_guard {
    pub(crate) inner: InMemoryReplayGuard,
}

/// The current CST revocations (by `jti`, issuer `kid`, issuer key, pinned policy hash or
/// token hash). Thread-safe: revoking while other threads validate is allowed; each
/// validation uses the list in force when it started.
#[derive(Debug, Default)]
pub struct claw_revocations {
    pub(crate) inner: Revocations,
}

/// What `claw_revocations_revoke` revokes. Values are explicit and never reused.
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum claw_revocation_kind {
    /// Every token with this `jti`.
    CLAW_REVOKE_JTI = 1,
    /// Every token whose header names this issuer `kid`.
    CLAW_REVOKE_KID = 2,
    /// Every token that pins this policy hash.
    CLAW_REVOKE_POLICY_HASH = 3,
    /// One token, by its hash (lowercase hex SHA-256 of the compact token, see
    /// `claw_cst_token_hash`).
    CLAW_REVOKE_TOKEN_HASH = 4,
}

fn token_fail(e: impl Into<claw_core::Error>) -> Fail {
    Fail::from(e.into())
}

/// The revocation entry a `claw_revocation_kind` value and a non-empty UTF-8 value name, for
/// the in-memory list and the shared store alike.
pub(crate) fn revocation_of_kind(kind: u32, value: &str) -> Result<Revocation, Fail> {
    if value.is_empty() {
        return Err(invalid("EMPTY_VALUE", "value is empty"));
    }
    let v = value.to_string();
    Ok(match kind {
        1 => Revocation::Jti(v),
        2 => Revocation::Kid(v),
        3 => Revocation::PolicyHash(v),
        4 => Revocation::TokenHash(v),
        _ => {
            return Err(invalid(
                "INVALID_REVOCATION_KIND",
                format!("kind {kind} is not a claw_revocation_kind"),
            ))
        }
    })
}

fn invalid(reason: &'static str, msg: impl Into<String>) -> Fail {
    Fail::new(claw_result_code::CLAW_ERR_INVALID_ARGUMENT, reason, msg)
}

/// Build a key set from a JWKS (`{"keys":[…]}`: public OKP/Ed25519 JWKs, each filed under
/// its `kid` or the reference kid) or, when `jwks_json` is a JSON array, from `did:key`
/// strings. A set that cannot be read whole is refused (`CLAW_ERR_TOKEN`,
/// `TOKEN_INVALID_KEY_SET`-family reason).
#[no_mangle]
pub unsafe extern "C" fn claw_keyset_from_json(
    json: *const c_char,
    json_len: usize,
    out: *mut *mut claw_keyset,
    err: *mut claw_error,
) -> claw_result {
    returning_handle(err, out, || {
        // SAFETY: caller contract on the pointer/length pair.
        let v = unsafe { try_json(json, json_len, "json")? };
        let set = match &v {
            Value::Array(items) => {
                let dids = items
                    .iter()
                    .map(|d| {
                        d.as_str().ok_or_else(|| {
                            invalid("INVALID_KEY_SET", "DID list entries must be strings")
                        })
                    })
                    .collect::<Result<Vec<_>, _>>()?;
                KeySet::from_dids(dids).map_err(token_fail)?
            }
            _ => KeySet::from_jwks_value(&v).map_err(token_fail)?,
        };
        Ok(claw_keyset { inner: set })
    })
}

/// A key set holding one verifying key, filed under `kid` (`kid_len` bytes; NULL with 0 for
/// the reference kid), usable until `not_after_s` (Unix seconds; `<= 0` for no limit).
#[no_mangle]
pub unsafe extern "C" fn claw_keyset_from_key(
    key: *const claw_verifying_key,
    kid: *const c_char,
    kid_len: usize,
    not_after_s: i64,
    out: *mut *mut claw_keyset,
    err: *mut claw_error,
) -> claw_result {
    returning_handle(err, out, || {
        // SAFETY: caller contract on the handle and the pointer/length pair.
        let (key, kid) = unsafe {
            (
                try_ref(key, "key")?,
                if kid.is_null() && kid_len == 0 {
                    None
                } else {
                    Some(try_str(kid, kid_len, "kid")?)
                },
            )
        };
        let mut set = KeySet::new();
        set.insert(kid, key.inner, crate::envelope::opt_time(not_after_s))
            .map_err(token_fail)?;
        Ok(claw_keyset { inner: set })
    })
}

/// Free a key set. NULL is accepted.
#[no_mangle]
pub unsafe extern "C" fn claw_keyset_free(keyset: *mut claw_keyset) {
    // SAFETY: caller contract: NULL or a handle from this module, not used afterwards.
    unsafe { free_handle(keyset) }
}

/// A replay guard holding at most `max_entries` unexpired uses (1 to 2^24). When full of
/// unexpired entries it refuses new uses (`REPLAY_GUARD_FULL`) rather than forget one.
#[no_mangle]
pub unsafe extern "C" fn claw_replay_guard_new(
    max_entries: usize,
    out: *mut *mut claw_replay_guard,
    err: *mut claw_error,
) -> claw_result {
    returning_handle(err, out, || {
        if !(1..=1 << 24).contains(&max_entries) {
            return Err(invalid(
                "INVALID_CAPACITY",
                format!("max_entries {max_entries} is not in 1..=16777216"),
            ));
        }
        let g = claw_replay_guard {
            inner: InMemoryReplayGuard::new(max_entries),
        };
        Ok(g)
    })
}

/// The number of uses the guard remembers now (expired ones included until purged).
#[no_mangle]
pub unsafe extern "C" fn claw_replay_guard_len(
    guard: *const claw_replay_guard,
    len_out: *mut usize,
    err: *mut claw_error,
) -> claw_result {
    boundary(err, || {
        try_out(len_out, "len_out")?;
        // SAFETY: caller contract: NULL or a live handle.
        let g = unsafe { try_ref(guard, "guard")? };
        // SAFETY: checked non-NULL.
        unsafe { write_out(len_out, g.inner.len()) };
        Ok(())
    })
}

/// Forget every use whose token expired at `now_s` (Unix seconds). Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn claw_replay_guard_purge_expired(
    guard: *const claw_replay_guard,
    now_s: i64,
    err: *mut claw_error,
) -> claw_result {
    boundary(err, || {
        // SAFETY: caller contract: NULL or a live handle.
        let g = unsafe { try_ref(guard, "guard")? };
        g.inner.purge_expired(now_s);
        Ok(())
    })
}

/// Free a replay guard. NULL is accepted. No other thread may be using it.
#[no_mangle]
pub unsafe extern "C" fn claw_replay_guard_free(guard: *mut claw_replay_guard) {
    // SAFETY: caller contract: NULL or a handle from this module, not used afterwards.
    unsafe { free_handle(guard) }
}

/// An empty revocation set.
#[no_mangle]
pub unsafe extern "C" fn claw_revocations_new(
    out: *mut *mut claw_revocations,
    err: *mut claw_error,
) -> claw_result {
    returning_handle(err, out, || Ok(claw_revocations::default()))
}

/// Revoke by `kind` (a `claw_revocation_kind` value) the `value` (`value_len` bytes of
/// UTF-8, non-empty). Takes effect for every validation that starts after the call returns.
/// Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn claw_revocations_revoke(
    revocations: *const claw_revocations,
    kind: u32,
    value: *const c_char,
    value_len: usize,
    err: *mut claw_error,
) -> claw_result {
    boundary(err, || {
        // SAFETY: caller contract on the handle and the pointer/length pair.
        let (r, value) = unsafe {
            (
                try_ref(revocations, "revocations")?,
                try_str(value, value_len, "value")?,
            )
        };
        let entry = revocation_of_kind(kind, value)?;
        r.inner.update(|l| {
            l.apply(&entry);
        });
        Ok(())
    })
}

/// Revoke every token signed by `key`, under whatever kid a key set files it. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn claw_revocations_revoke_key(
    revocations: *const claw_revocations,
    key: *const claw_verifying_key,
    err: *mut claw_error,
) -> claw_result {
    boundary(err, || {
        // SAFETY: caller contract on both handles.
        let (r, key) = unsafe { (try_ref(revocations, "revocations")?, try_ref(key, "key")?) };
        r.inner.update(|l| {
            l.revoke_key(&key.inner);
        });
        Ok(())
    })
}

/// Free a revocation set. NULL is accepted. No other thread may be using it.
#[no_mangle]
pub unsafe extern "C" fn claw_revocations_free(revocations: *mut claw_revocations) {
    // SAFETY: caller contract: NULL or a handle from this module, not used afterwards.
    unsafe { free_handle(revocations) }
}

/// The reference's `token_hash` of a compact token: lowercase hex SHA-256 (64 characters),
/// the value `CLAW_REVOKE_TOKEN_HASH` takes.
#[no_mangle]
pub unsafe extern "C" fn claw_cst_token_hash(
    token: *const c_char,
    token_len: usize,
    out: *mut *mut c_char,
    err: *mut claw_error,
) -> claw_result {
    returning_string(err, out, "out", || {
        // SAFETY: caller contract on the pointer/length pair.
        let token = unsafe { try_str(token, token_len, "token")? };
        Ok(cst::token_hash(token))
    })
}

/// Issue a CST signed by `key`: `claims_json` is a JSON object of the claims to grant
/// (`sub`, `aud`, `scope` required; any other `scoped_token_claims.v1` claim allowed, e.g.
/// `mission_id`, `policy_hash_b64u`, `agent_did`); `token_version`, `iat`, `exp`, `jti` and
/// `token_scope_hash_b64u` are filled in (`iat = now_s`, `exp = now_s + ttl_seconds`, capped
/// to `max_ttl_seconds` when `> 0`). `kid` (NULL with 0 for the reference kid) names the
/// issuer key in the header. On success `*token_out` is the compact JWS (free with
/// `claw_string_free`), `*token_len_out` (optional) its length, and `*claims_out`
/// (optional, may be NULL) the signed claims as canonical JSON.
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn claw_cst_issue(
    key: *const claw_signing_key,
    claims_json: *const c_char,
    claims_json_len: usize,
    ttl_seconds: u64,
    max_ttl_seconds: u64,
    kid: *const c_char,
    kid_len: usize,
    now_s: i64,
    token_out: *mut *mut c_char,
    token_len_out: *mut usize,
    claims_out: *mut *mut c_char,
    err: *mut claw_error,
) -> claw_result {
    boundary(err, || {
        try_out(token_out, "token_out")?;
        // SAFETY: caller contract on the handle and every pointer/length pair.
        let (key, v, kid) = unsafe {
            (
                try_ref(key, "key")?,
                try_json(claims_json, claims_json_len, "claims_json")?,
                if kid.is_null() && kid_len == 0 {
                    None
                } else {
                    Some(try_str(kid, kid_len, "kid")?)
                },
            )
        };
        let Value::Object(mut map) = v else {
            return Err(invalid(
                "INVALID_CLAIMS",
                "claims_json must be a JSON object",
            ));
        };
        // issue() replaces these; placeholders let the schema reader accept a request.
        map.entry("token_version")
            .or_insert_with(|| Value::String(cst::TOKEN_VERSION.into()));
        map.entry("iat").or_insert_with(|| Value::from(0));
        map.entry("exp").or_insert_with(|| Value::from(1));
        let claims = Claims::from_json_object(map).map_err(token_fail)?;
        let mut opts = IssueOptions::default();
        opts.kid = kid;
        opts.max_ttl_seconds = (max_ttl_seconds > 0).then_some(max_ttl_seconds);
        let issued = cst::issue_with(
            &key.inner,
            &claims,
            ttl_seconds,
            now_s,
            &mut rand_core::OsRng,
            &opts,
        )
        .map_err(token_fail)?;
        let claims_text = if claims_out.is_null() {
            None
        } else {
            Some(canonical(&Value::Object(issued.claims.to_json_object()))?)
        };
        // Both strings are made before either is handed over, so a failure writes nothing.
        let token_len = issued.token.len();
        let token_c = to_c_string(issued.token)?;
        let claims_c = match claims_text.map(to_c_string).transpose() {
            Ok(c) => c,
            Err(e) => {
                // SAFETY: `token_c` came from to_c_string just above and was never handed out.
                unsafe { crate::strings::claw_string_free(token_c) };
                return Err(e);
            }
        };
        // SAFETY: `token_out` checked above; the optional outputs are written when non-NULL.
        unsafe {
            write_out(token_out, token_c);
            if !token_len_out.is_null() {
                write_out(token_len_out, token_len);
            }
            if let Some(c) = claims_c {
                write_out(claims_out, c);
            }
        }
        Ok(())
    })
}

/// Validation options (JSON form of `claw_core::cst::ValidationOptions`).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Options {
    audience: String,
    action: String,
    #[serde(default)]
    subject: Option<String>,
    #[serde(default)]
    job: Option<String>,
    #[serde(default)]
    require_job_binding: bool,
    #[serde(default)]
    runtime_policy_hash: Option<String>,
    #[serde(default)]
    require_policy_pin: bool,
    #[serde(default)]
    max_ttl_seconds: Option<u64>,
    #[serde(default)]
    require_scope_hash: bool,
    #[serde(default)]
    clock_skew_seconds: Option<u32>,
    #[serde(default)]
    replay: Option<String>,
}

/// Validate a compact CST at `now_s` (Unix seconds) against the issuer keys `keyset` and the
/// options `options_json`:
/// `{"audience":…,"action":…` (required) `,"subject":…,"job":…,"require_job_binding":bool,
/// "runtime_policy_hash":…,"require_policy_pin":bool,"max_ttl_seconds":n,
/// "require_scope_hash":bool,"clock_skew_seconds":n,"replay":"off"|"jti_once_per_job"|
/// "bound_to_job"}`. `replay_guard` is required with `"jti_once_per_job"` and ignored
/// otherwise; `revocations` may be NULL. Every check of `docs/SPEC.md §5` runs in order;
/// the first failure is `CLAW_ERR_TOKEN` with its reason (`TOKEN_EXPIRED`,
/// `TOKEN_REPLAYED`, `TOKEN_REVOKED`, ...). On success `*claims_out` is
/// `{"claims":{…},"kid":"…"}` as canonical JSON. Thread-safe for shared handles.
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn claw_cst_validate(
    token: *const c_char,
    token_len: usize,
    keyset: *const claw_keyset,
    options_json: *const c_char,
    options_json_len: usize,
    replay_guard: *const claw_replay_guard,
    revocations: *const claw_revocations,
    now_s: i64,
    claims_out: *mut *mut c_char,
    claims_len_out: *mut usize,
    err: *mut claw_error,
) -> claw_result {
    boundary(err, || {
        // SAFETY: caller contract: NULL or live handles.
        let (guard, revs) = unsafe { (replay_guard.as_ref(), revocations.as_ref()) };
        // SAFETY: the remaining pointers are checked by validate_with under the same contract.
        unsafe {
            validate_with(
                token,
                token_len,
                keyset,
                options_json,
                options_json_len,
                guard.map(|g| &g.inner as &dyn ReplayGuard),
                revs.map(|r| &r.inner as &dyn RevocationSource),
                now_s,
                claims_out,
                claims_len_out,
            )
        }
    })
}

/// The body of `claw_cst_validate` for any replay guard and revocation source (the
/// in-memory handles, or a `claw_state`).
///
/// # Safety
/// Every pointer/length pair as in `claw_cst_validate`.
#[allow(clippy::too_many_arguments)]
pub(crate) unsafe fn validate_with(
    token: *const c_char,
    token_len: usize,
    keyset: *const claw_keyset,
    options_json: *const c_char,
    options_json_len: usize,
    guard: Option<&dyn ReplayGuard>,
    revs: Option<&dyn RevocationSource>,
    now_s: i64,
    claims_out: *mut *mut c_char,
    claims_len_out: *mut usize,
) -> Result<(), Fail> {
    try_out(claims_out, "claims_out")?;
    // SAFETY: caller contract on the handles and every pointer/length pair.
    let (token, keys, ov) = unsafe {
        (
            try_str(token, token_len, "token")?,
            try_ref(keyset, "keyset")?,
            try_json(options_json, options_json_len, "options_json")?,
        )
    };
    let o: Options = serde_json::from_value(ov)
        .map_err(|e| invalid("INVALID_OPTIONS", format!("options_json: {e}")))?;
    let mut opts = ValidationOptions::new(&o.audience, &o.action);
    opts.subject = o.subject.as_deref();
    opts.job = o.job.as_deref();
    opts.require_job_binding = o.require_job_binding;
    opts.runtime_policy_hash = o.runtime_policy_hash.as_deref();
    opts.require_policy_pin = o.require_policy_pin;
    opts.max_ttl_seconds = o.max_ttl_seconds;
    opts.require_scope_hash = o.require_scope_hash;
    if let Some(s) = o.clock_skew_seconds {
        opts.clock_skew_seconds = s;
    }
    opts.replay = match o.replay.as_deref() {
        None | Some("off") => ReplayMode::Off,
        Some("bound_to_job") => ReplayMode::BoundToJob,
        Some("jti_once_per_job") => match guard {
            Some(g) => ReplayMode::JtiOncePerJob(g),
            None => return Err(crate::ffi::null("replay_guard")),
        },
        Some(other) => {
            return Err(invalid(
                "INVALID_OPTIONS",
                format!("options_json.replay: unknown mode {other:?}"),
            ))
        }
    };
    opts.revocations = revs;
    let verified = cst::validate(token, &keys.inner, &opts, now_s).map_err(token_fail)?;
    let mut m = Map::new();
    m.insert("kid".into(), Value::String(verified.kid().to_string()));
    m.insert(
        "claims".into(),
        Value::Object(verified.claims().to_json_object()),
    );
    let bytes = canonical(&Value::Object(m))?;
    // SAFETY: `claims_out` checked above.
    unsafe { write_string(claims_out, claims_len_out, bytes) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn handles_are_send_and_sync() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<claw_keyset>();
        assert_send_sync::<claw_replay_guard>();
        assert_send_sync::<claw_revocations>();
    }
}

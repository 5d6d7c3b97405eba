//! Shared state through the C ABI: a `claw_state` handle created from a URL (Redis, see
//! `docs/SPEC.md §9`), used as replay guard and revocation list by
//! `claw_cst_validate_with_state`, and revoked through by `claw_state_revoke`.

use crate::cst::{claw_keyset, validate_with};
use crate::error::{claw_error, claw_result, claw_result_code, Fail};
use crate::ffi::{free_handle, try_ref, try_str};
use crate::guard::{boundary, returning_handle};
use crate::keys::claw_verifying_key;
use claw_core::cst::{Revocation, RevocationStore, StateError, TokenError};
use claw_store::RedisState;
use std::os::raw::c_char;
use std::time::Duration;

/// Shared state (replay records, revocations) in Redis. Thread-safe: share one handle
/// between every thread of a process; every process using the same URL sees the same
/// state. A background thread keeps the revocation copy current; `claw_state_free` stops it.
#[derive(Debug)]
pub struct claw_state {
    pub(crate) inner: RedisState,
}

fn state_fail(e: StateError) -> Fail {
    match e {
        StateError::Invalid(_) => Fail::new(
            claw_result_code::CLAW_ERR_INVALID_ARGUMENT,
            e.reason_code(),
            e.to_string(),
        ),
        e => Fail::from(claw_core::Error::from(TokenError::State(e))),
    }
}

/// Open the shared state at `url` (`url_len` bytes of UTF-8): `redis://`, `rediss://`
/// (TLS), `redis+cluster://h1:p1,h2:p2`, `redis+sentinel://s1:p1,s2:p2/master`. Redis need
/// not be up: until it is, validations fail closed (`CLAW_ERR_TOKEN`,
/// `STATE_STORE_UNAVAILABLE`). A malformed URL is `CLAW_ERR_INVALID_ARGUMENT`,
/// `STATE_REQUEST_INVALID` (the message never shows the password).
#[no_mangle]
pub unsafe extern "C" fn claw_state_new_from_url(
    url: *const c_char,
    url_len: usize,
    out: *mut *mut claw_state,
    err: *mut claw_error,
) -> claw_result {
    returning_handle(err, out, || {
        // SAFETY: caller contract on the pointer/length pair.
        let url = unsafe { try_str(url, url_len, "url")? };
        let inner = RedisState::open(url).map_err(state_fail)?;
        Ok(claw_state { inner })
    })
}

/// Wait up to `timeout_ms` for the revocation copy to be confirmed current; on timeout the
/// last error (`STATE_STORE_UNAVAILABLE`, ...).
#[no_mangle]
pub unsafe extern "C" fn claw_state_wait_ready(
    state: *const claw_state,
    timeout_ms: u32,
    err: *mut claw_error,
) -> claw_result {
    boundary(err, || {
        // SAFETY: caller contract: NULL or a live handle.
        let s = unsafe { try_ref(state, "state")? };
        s.inner
            .wait_ready(Duration::from_millis(u64::from(timeout_ms)))
            .map_err(state_fail)
    })
}

/// Revoke in the shared store, by `kind` (a `claw_revocation_kind` value), the `value`
/// (`value_len` bytes of UTF-8, non-empty). Every process using the store refuses matching
/// tokens within the propagation bound (`docs/SPEC.md §9.4`); this one at once.
#[no_mangle]
pub unsafe extern "C" fn claw_state_revoke(
    state: *const claw_state,
    kind: u32,
    value: *const c_char,
    value_len: usize,
    err: *mut claw_error,
) -> claw_result {
    boundary(err, || {
        // SAFETY: caller contract on the handle and the pointer/length pair.
        let (s, value) = unsafe {
            (
                try_ref(state, "state")?,
                try_str(value, value_len, "value")?,
            )
        };
        let entry = crate::cst::revocation_of_kind(kind, value)?;
        s.inner.revoke(&[entry]).map_err(state_fail)
    })
}

/// Revoke in the shared store every token signed by `key`.
#[no_mangle]
pub unsafe extern "C" fn claw_state_revoke_key(
    state: *const claw_state,
    key: *const claw_verifying_key,
    err: *mut claw_error,
) -> claw_result {
    boundary(err, || {
        // SAFETY: caller contract on both handles.
        let (s, key) = unsafe { (try_ref(state, "state")?, try_ref(key, "key")?) };
        s.inner
            .revoke(&[Revocation::key(&key.inner)])
            .map_err(state_fail)
    })
}

/// `claw_cst_validate` with the shared state as replay guard (for `"jti_once_per_job"`:
/// the token's jti is consumed for its job across every process using the store) and as
/// revocation list. The same options and output; store failures are `CLAW_ERR_TOKEN` with
/// `STATE_STORE_UNAVAILABLE`, `STATE_STORE_STALE` or `STATE_STORE_CORRUPT`.
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn claw_cst_validate_with_state(
    token: *const c_char,
    token_len: usize,
    keyset: *const claw_keyset,
    options_json: *const c_char,
    options_json_len: usize,
    state: *const claw_state,
    now_s: i64,
    claims_out: *mut *mut c_char,
    claims_len_out: *mut usize,
    err: *mut claw_error,
) -> claw_result {
    boundary(err, || {
        // SAFETY: caller contract: NULL or a live handle.
        let s = unsafe { try_ref(state, "state")? };
        // SAFETY: the remaining pointers are checked by validate_with under the same contract.
        unsafe {
            validate_with(
                token,
                token_len,
                keyset,
                options_json,
                options_json_len,
                Some(&s.inner),
                Some(&s.inner),
                now_s,
                claims_out,
                claims_len_out,
            )
        }
    })
}

/// Free a state handle (stops its background thread). NULL is accepted. No other thread
/// may be using it.
#[no_mangle]
pub unsafe extern "C" fn claw_state_free(state: *mut claw_state) {
    // SAFETY: caller contract: NULL or a handle from this module, not used afterwards.
    unsafe { free_handle(state) }
}

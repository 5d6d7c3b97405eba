//! Ed25519 keys through the C ABI.

use crate::error::Fail;
use crate::error::{claw_error, claw_result};
use crate::ffi::{free_handle, try_cstr, try_ref, try_str};
use crate::guard::{returning_handle, returning_string};
use claw_core::keys::{SigningKey, VerifyingKey};
use std::os::raw::c_char;

/// An Ed25519 signing key (secret). Zeroized when freed. Immutable after creation, so one
/// handle may be used from several threads at once.
pub struct claw_signing_key {
    pub(crate) inner: SigningKey,
}

impl std::fmt::Debug for claw_signing_key {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.inner.fmt(f) // redacts the secret
    }
}

/// An Ed25519 public key that passed the canonical-encoding and small-order checks.
/// Immutable; thread-safe.
#[derive(Debug)]
pub struct claw_verifying_key {
    pub(crate) inner: VerifyingKey,
}

/// Generate a signing key from the operating system's CSPRNG.
#[no_mangle]
pub unsafe extern "C" fn claw_signing_key_generate(
    out: *mut *mut claw_signing_key,
    err: *mut claw_error,
) -> claw_result {
    returning_handle(err, out, || {
        Ok(claw_signing_key {
            inner: SigningKey::generate(&mut rand_core::OsRng),
        })
    })
}

/// Read a private OKP/Ed25519 JWK (`jwk_len` bytes of UTF-8).
#[no_mangle]
pub unsafe extern "C" fn claw_signing_key_from_jwk(
    jwk: *const c_char,
    jwk_len: usize,
    out: *mut *mut claw_signing_key,
    err: *mut claw_error,
) -> claw_result {
    returning_handle(err, out, || {
        // SAFETY: caller contract on `jwk`/`jwk_len`.
        let text = unsafe { try_str(jwk, jwk_len, "jwk")? };
        let inner = SigningKey::from_jwk(text).map_err(key_fail)?;
        Ok(claw_signing_key { inner })
    })
}

/// The private JWK of `key` (a secret: free it with `claw_string_free` as soon as written).
#[no_mangle]
pub unsafe extern "C" fn claw_signing_key_to_jwk(
    key: *const claw_signing_key,
    out: *mut *mut c_char,
    err: *mut claw_error,
) -> claw_result {
    returning_string(err, out, "out", || {
        // SAFETY: caller contract: NULL or a live handle.
        let jwk = unsafe { try_ref(key, "key")? }.inner.to_jwk();
        // Room for the NUL: the secret's copy is never reallocated (which would free a copy
        // unzeroized); `jwk` itself is zeroized on drop, the copy by `claw_string_free`.
        let mut bytes = Vec::with_capacity(jwk.len() + 1);
        bytes.extend_from_slice(jwk.as_bytes());
        Ok(bytes)
    })
}

/// The public key of a signing key, as a new handle.
#[no_mangle]
pub unsafe extern "C" fn claw_signing_key_public(
    key: *const claw_signing_key,
    out: *mut *mut claw_verifying_key,
    err: *mut claw_error,
) -> claw_result {
    returning_handle(err, out, || {
        // SAFETY: caller contract: NULL or a live handle.
        let key = unsafe { try_ref(key, "key")? };
        Ok(claw_verifying_key {
            inner: key.inner.verifying_key(),
        })
    })
}

/// Free a signing key (its secret is zeroized). NULL is accepted.
#[no_mangle]
pub unsafe extern "C" fn claw_signing_key_free(key: *mut claw_signing_key) {
    // SAFETY: caller contract: NULL or a handle from this module, not used afterwards.
    unsafe { free_handle(key) }
}

/// Read a public OKP/Ed25519 JWK. A private JWK is refused (`CLAW_ERR_KEY`).
#[no_mangle]
pub unsafe extern "C" fn claw_verifying_key_from_jwk(
    jwk: *const c_char,
    jwk_len: usize,
    out: *mut *mut claw_verifying_key,
    err: *mut claw_error,
) -> claw_result {
    returning_handle(err, out, || {
        // SAFETY: caller contract on `jwk`/`jwk_len`.
        let text = unsafe { try_str(jwk, jwk_len, "jwk")? };
        let inner = VerifyingKey::from_jwk(text).map_err(key_fail)?;
        Ok(claw_verifying_key { inner })
    })
}

/// Read a `did:key` (NUL-terminated) for an Ed25519 key.
#[no_mangle]
pub unsafe extern "C" fn claw_verifying_key_from_did(
    did: *const c_char,
    out: *mut *mut claw_verifying_key,
    err: *mut claw_error,
) -> claw_result {
    returning_handle(err, out, || {
        // SAFETY: caller contract: NUL-terminated string.
        let did = unsafe { try_cstr(did, "did")? };
        let inner = VerifyingKey::from_did(did).map_err(key_fail)?;
        Ok(claw_verifying_key { inner })
    })
}

/// The public JWK of `key` (`{"crv":"Ed25519","kty":"OKP","x":…}`).
#[no_mangle]
pub unsafe extern "C" fn claw_verifying_key_to_jwk(
    key: *const claw_verifying_key,
    out: *mut *mut c_char,
    err: *mut claw_error,
) -> claw_result {
    returning_string(err, out, "out", || {
        // SAFETY: caller contract: NULL or a live handle.
        Ok(unsafe { try_ref(key, "key")? }.inner.to_jwk())
    })
}

/// The `did:key` of `key`.
#[no_mangle]
pub unsafe extern "C" fn claw_verifying_key_did(
    key: *const claw_verifying_key,
    out: *mut *mut c_char,
    err: *mut claw_error,
) -> claw_result {
    returning_string(err, out, "out", || {
        // SAFETY: caller contract: NULL or a live handle.
        Ok(unsafe { try_ref(key, "key")? }.inner.did())
    })
}

/// Free a verifying key. NULL is accepted.
#[no_mangle]
pub unsafe extern "C" fn claw_verifying_key_free(key: *mut claw_verifying_key) {
    // SAFETY: caller contract: NULL or a handle from this module, not used afterwards.
    unsafe { free_handle(key) }
}

fn key_fail(e: claw_core::keys::KeyError) -> Fail {
    Fail::from(claw_core::Error::from(e))
}

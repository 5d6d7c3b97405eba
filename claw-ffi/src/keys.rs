//! Ed25519 keys through the C ABI.

use crate::error::{claw_error, claw_result};
use crate::ffi::{free_handle, try_cstr, try_out, try_ref, try_str, write_handle, write_out};
use crate::guard::boundary;
use crate::strings::to_c_string;
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
    boundary(err, || {
        try_out(out, "out")?;
        let key = SigningKey::generate(&mut rand_core::OsRng);
        // SAFETY: checked non-NULL.
        unsafe {
            write_out(
                out,
                Box::into_raw(Box::new(claw_signing_key { inner: key })),
            )
        };
        Ok(())
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
    boundary(err, || {
        try_out(out, "out")?;
        // SAFETY: caller contract on `jwk`/`jwk_len`.
        let text = unsafe { try_str(jwk, jwk_len, "jwk")? };
        let key = SigningKey::from_jwk(text).map_err(claw_core::Error::from)?;
        // SAFETY: checked non-NULL.
        unsafe {
            write_out(
                out,
                Box::into_raw(Box::new(claw_signing_key { inner: key })),
            )
        };
        Ok(())
    })
}

/// The private JWK of `key` (a secret: free it with `claw_string_free` as soon as written).
#[no_mangle]
pub unsafe extern "C" fn claw_signing_key_to_jwk(
    key: *const claw_signing_key,
    out: *mut *mut c_char,
    err: *mut claw_error,
) -> claw_result {
    boundary(err, || {
        try_out(out, "out")?;
        // SAFETY: caller contract: NULL or a live handle.
        let key = unsafe { try_ref(key, "key")? };
        let s = to_c_string(key.inner.to_jwk().as_bytes())?;
        // SAFETY: checked non-NULL.
        unsafe { write_out(out, s) };
        Ok(())
    })
}

/// The public key of a signing key, as a new handle.
#[no_mangle]
pub unsafe extern "C" fn claw_signing_key_public(
    key: *const claw_signing_key,
    out: *mut *mut claw_verifying_key,
    err: *mut claw_error,
) -> claw_result {
    boundary(err, || {
        try_out(out, "out")?;
        // SAFETY: caller contract: NULL or a live handle.
        let key = unsafe { try_ref(key, "key")? };
        let pk = claw_verifying_key {
            inner: key.inner.verifying_key(),
        };
        // SAFETY: checked non-NULL.
        unsafe { write_handle(out, pk) };
        Ok(())
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
    boundary(err, || {
        try_out(out, "out")?;
        // SAFETY: caller contract on `jwk`/`jwk_len`.
        let text = unsafe { try_str(jwk, jwk_len, "jwk")? };
        let key = VerifyingKey::from_jwk(text).map_err(claw_core::Error::from)?;
        // SAFETY: checked non-NULL.
        unsafe {
            write_out(
                out,
                Box::into_raw(Box::new(claw_verifying_key { inner: key })),
            )
        };
        Ok(())
    })
}

/// Read a `did:key` (NUL-terminated) for an Ed25519 key.
#[no_mangle]
pub unsafe extern "C" fn claw_verifying_key_from_did(
    did: *const c_char,
    out: *mut *mut claw_verifying_key,
    err: *mut claw_error,
) -> claw_result {
    boundary(err, || {
        try_out(out, "out")?;
        // SAFETY: caller contract: NUL-terminated string.
        let did = unsafe { try_cstr(did, "did")? };
        let key = VerifyingKey::from_did(did).map_err(claw_core::Error::from)?;
        // SAFETY: checked non-NULL.
        unsafe {
            write_out(
                out,
                Box::into_raw(Box::new(claw_verifying_key { inner: key })),
            )
        };
        Ok(())
    })
}

/// The public JWK of `key` (`{"crv":"Ed25519","kty":"OKP","x":…}`).
#[no_mangle]
pub unsafe extern "C" fn claw_verifying_key_to_jwk(
    key: *const claw_verifying_key,
    out: *mut *mut c_char,
    err: *mut claw_error,
) -> claw_result {
    boundary(err, || {
        try_out(out, "out")?;
        // SAFETY: caller contract: NULL or a live handle.
        let key = unsafe { try_ref(key, "key")? };
        let s = to_c_string(key.inner.to_jwk())?;
        // SAFETY: checked non-NULL.
        unsafe { write_out(out, s) };
        Ok(())
    })
}

/// The `did:key` of `key`.
#[no_mangle]
pub unsafe extern "C" fn claw_verifying_key_did(
    key: *const claw_verifying_key,
    out: *mut *mut c_char,
    err: *mut claw_error,
) -> claw_result {
    boundary(err, || {
        try_out(out, "out")?;
        // SAFETY: caller contract: NULL or a live handle.
        let key = unsafe { try_ref(key, "key")? };
        let s = to_c_string(key.inner.did())?;
        // SAFETY: checked non-NULL.
        unsafe { write_out(out, s) };
        Ok(())
    })
}

/// Free a verifying key. NULL is accepted.
#[no_mangle]
pub unsafe extern "C" fn claw_verifying_key_free(key: *mut claw_verifying_key) {
    // SAFETY: caller contract: NULL or a handle from this module, not used afterwards.
    unsafe { free_handle(key) }
}

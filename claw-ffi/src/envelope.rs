//! Clawsig signed envelopes (v1) through the C ABI.

use crate::error::{claw_error, claw_result, claw_result_code, Fail};
use crate::ffi::{canonical, json_limits, try_json, try_ref, try_str};
use crate::guard::returning_string_len;
use crate::keys::claw_signing_key;
use claw_core::envelope::{self, Envelope, Signers, VerifyOptions};
use serde_json::{Map, Value};
use std::os::raw::c_char;

/// Optional time in the C ABI: a value `<= 0` means "none".
pub(crate) fn opt_time(t: i64) -> Option<i64> {
    (t > 0).then_some(t)
}

/// Read an optional JSON array of `did:key` strings (NULL/0 = none given).
pub(crate) unsafe fn try_did_list(
    ptr: *const c_char,
    len: usize,
    name: &str,
) -> Result<Option<Vec<String>>, Fail> {
    if ptr.is_null() && len == 0 {
        return Ok(None);
    }
    // SAFETY: forwarded contract.
    let v = unsafe { try_json(ptr, len, name)? };
    let bad = || {
        Fail::new(
            claw_result_code::CLAW_ERR_INVALID_ARGUMENT,
            "INVALID_SIGNER_LIST",
            format!("{name} must be a JSON array of strings"),
        )
    };
    let Value::Array(items) = v else {
        return Err(bad());
    };
    items
        .into_iter()
        .map(|i| match i {
            Value::String(s) => Ok(s),
            _ => Err(bad()),
        })
        .collect::<Result<Vec<_>, _>>()
        .map(Some)
}

/// Sign the JSON object `payload_json` into a Clawsig envelope v1 of type `envelope_type`
/// with `key`. The payload is stored with its keys sorted, so both of the reference's hash
/// rules agree. `issued_at_ms` is Unix milliseconds; `expires_at_ms <= 0` means no expiry.
/// On success `*out` is the envelope's canonical JSON (free with `claw_string_free`) and
/// `*out_len`, if not NULL, its length.
#[no_mangle]
pub unsafe extern "C" fn claw_envelope_sign(
    envelope_type: *const c_char,
    envelope_type_len: usize,
    payload_json: *const c_char,
    payload_json_len: usize,
    key: *const claw_signing_key,
    issued_at_ms: i64,
    expires_at_ms: i64,
    out: *mut *mut c_char,
    out_len: *mut usize,
    err: *mut claw_error,
) -> claw_result {
    returning_string_len(err, out, out_len, || {
        // SAFETY: caller contract on every pointer/length pair and handle.
        let (ty, payload, key) = unsafe {
            (
                try_str(envelope_type, envelope_type_len, "envelope_type")?,
                try_json(payload_json, payload_json_len, "payload_json")?,
                try_ref(key, "key")?,
            )
        };
        let env = envelope::sign(
            ty,
            &payload,
            &key.inner,
            issued_at_ms,
            opt_time(expires_at_ms),
        )
        .map_err(claw_core::Error::from)?;
        Ok(env.to_json().map_err(claw_core::Error::from)?)
    })
}

/// Verify a Clawsig envelope v1: version, `expected_type`, algorithms, payload hash,
/// signature, signer and expiry, in that order. `trusted_signers_json` is a JSON array of
/// `did:key` strings, or NULL with length 0 to accept any valid signer (integrity only).
/// `now_s` (Unix seconds) enables the expiry check when `> 0`.
/// On success `*out` is `{"issued_at_ms":…,"expires_at_ms":…|null,"payload":{…},
/// "payload_hash_b64u":"…","signer_did":"…"}` as canonical JSON.
#[no_mangle]
pub unsafe extern "C" fn claw_envelope_verify(
    envelope_json: *const c_char,
    envelope_json_len: usize,
    expected_type: *const c_char,
    expected_type_len: usize,
    trusted_signers_json: *const c_char,
    trusted_signers_json_len: usize,
    now_s: i64,
    out: *mut *mut c_char,
    out_len: *mut usize,
    err: *mut claw_error,
) -> claw_result {
    returning_string_len(err, out, out_len, || {
        // SAFETY: caller contract on every pointer/length pair.
        let (text, ty, signers) = unsafe {
            (
                try_str(envelope_json, envelope_json_len, "envelope_json")?,
                try_str(expected_type, expected_type_len, "expected_type")?,
                try_did_list(
                    trusted_signers_json,
                    trusted_signers_json_len,
                    "trusted_signers_json",
                )?,
            )
        };
        let env =
            Envelope::parse(text.as_bytes(), &json_limits()).map_err(claw_core::Error::from)?;
        let opts = VerifyOptions {
            expected_type: ty,
            signers: match &signers {
                Some(list) => Signers::OneOf(list),
                None => Signers::Any,
            },
            now: opt_time(now_s),
        };
        let v = env.verify(&opts).map_err(claw_core::Error::from)?;
        let mut m = Map::new();
        m.insert("issued_at_ms".into(), v.issued_at_ms.into());
        m.insert(
            "expires_at_ms".into(),
            v.expires_at_ms.map(Value::from).unwrap_or(Value::Null),
        );
        m.insert("payload".into(), v.payload);
        m.insert("payload_hash_b64u".into(), v.payload_hash_b64u.into());
        m.insert("signer_did".into(), v.signer_did.into());
        canonical(&Value::Object(m))
    })
}

//! Small readers shared by the steps: DIDs, the reference's `JSON.stringify` hash, typed
//! reads of untyped members.

use crate::json::{self, KeyOrder};
use crate::keys::VerifyingKey;
use crate::{b64, time};
use serde_json::Value;

use super::super::schema::is_b64u_chars;

/// Longest DID [`did_key`] decodes: the bound `VerifyingKey::from_did` applies.
pub(crate) const MAX_DID_KEY_LEN: usize = 128;

/// `^did:(key|web):[a-zA-Z0-9._%-]+$`
pub(crate) fn did_format_ok(s: &str) -> bool {
    let rest = s
        .strip_prefix("did:key:")
        .or_else(|| s.strip_prefix("did:web:"));
    rest.is_some_and(|r| {
        !r.is_empty()
            && r.bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'%' | b'-'))
    })
}

/// The reference's did:key decoding outcome: `Err` = INVALID_DID_FORMAT (not `did:key:z`,
/// not base58btc, wrong multicodec), `Ok(None)` = decodes but is no usable Ed25519 key
/// (the reference's signature check then fails: SIGNATURE_INVALID).
///
/// DIDs longer than [`MAX_DID_KEY_LEN`] are `Err` without decoding: base58 decoding is
/// quadratic in the length (a 1 MiB `signer_did` kept a verifier busy for many minutes, and
/// every receipt and co-signature DID is decoded before any allowlist check). An Ed25519
/// did:key is 56 characters. Deviation: an overlong identifier whose base58 value happens
/// to start with the bytes `ed 01` was `Ok(None)` (SIGNATURE_INVALID) and is now `Err`
/// (INVALID_DID_FORMAT); deciding that exactly needs the whole quadratic conversion.
pub(crate) fn did_key(did: &str) -> Result<Option<VerifyingKey>, ()> {
    if did.len() > MAX_DID_KEY_LEN {
        return Err(());
    }
    let ident = did.strip_prefix("did:key:z").ok_or(())?;
    let raw = bs58::decode(ident).into_vec().map_err(|_| ())?;
    if raw.len() < 2 || raw[0] != 0xed || raw[1] != 0x01 {
        return Err(());
    }
    Ok(VerifyingKey::from_did(did).ok())
}

/// base64url(SHA-256(JSON.stringify(v))) in the value's own key order.
pub(crate) fn js_hash(v: &Value) -> Option<String> {
    json::sha256_of(v, KeyOrder::JavaScript)
        .ok()
        .map(b64::encode)
}

pub(crate) fn js_len(v: &Value) -> usize {
    json::serialize(v, KeyOrder::JavaScript).map_or(usize::MAX, |b| b.len())
}

pub(crate) fn str_of<'a>(v: &'a Value, k: &str) -> Option<&'a str> {
    v.get(k).and_then(Value::as_str)
}

pub(crate) fn b64u8(s: Option<&str>) -> bool {
    s.is_some_and(|s| s.len() >= 8 && is_b64u_chars(s))
}

pub(crate) fn parse_ms(s: Option<&str>) -> Option<i64> {
    s.and_then(|s| time::parse_rfc3339_millis(s).ok())
}

pub(crate) fn arr<'a>(p: &'a Value, k: &str) -> &'a [Value] {
    p.get(k)
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice)
}

//! Issuing scoped tokens.

use super::claims::Claims;
use super::error::TokenError;
use super::jws;
use super::keyset::MAX_KID_BYTES;
use crate::json::{self, KeyOrder};
use crate::keys::SigningKey;
use crate::{b64, json::MAX_SAFE_INTEGER};
use rand_core::CryptoRngCore;
use serde_json::Value;

/// Issuing options beyond the defaults of [`issue`].
#[derive(Debug, Clone, Copy, Default)]
#[non_exhaustive]
pub struct IssueOptions<'a> {
    /// The header `kid` (default: the reference rule, [`crate::keys::VerifyingKey::reference_kid`]).
    pub kid: Option<&'a str>,
    /// The policy's maximum TTL: a longer requested TTL is capped to it.
    pub max_ttl_seconds: Option<u64>,
}

/// A freshly issued token and the claims it carries.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct IssuedToken {
    /// The compact JWS.
    pub token: String,
    /// The claims as signed (with `iat`, `exp`, `jti` and `token_scope_hash_b64u` filled).
    pub claims: Claims,
    /// The header `kid`.
    pub kid: String,
}

/// Issue a token: `iat = now`, `exp = now + ttl_seconds`, a random 128-bit `jti`
/// (base64url, 22 characters), `token_scope_hash_b64u` computed; header
/// `{"alg":"EdDSA","typ":"JWT","kid":<reference kid>}`. Any `iat`, `exp`, `jti` or
/// `token_scope_hash_b64u` in `claims` is replaced; `nbf` and `nonce` are kept.
pub fn issue(
    key: &SigningKey,
    claims: &Claims,
    ttl_seconds: u64,
    now: i64,
    rng: &mut impl CryptoRngCore,
) -> Result<IssuedToken, TokenError> {
    issue_with(key, claims, ttl_seconds, now, rng, &IssueOptions::default())
}

/// [`issue`] with an explicit `kid` and/or a maximum TTL (the TTL is capped to it).
pub fn issue_with(
    key: &SigningKey,
    claims: &Claims,
    ttl_seconds: u64,
    now: i64,
    rng: &mut impl CryptoRngCore,
    opts: &IssueOptions<'_>,
) -> Result<IssuedToken, TokenError> {
    let ttl = opts
        .max_ttl_seconds
        .map_or(ttl_seconds, |max| ttl_seconds.min(max));
    if ttl == 0 {
        return Err(TokenError::InvalidIssue("ttl must be positive".into()));
    }
    let max = i64::try_from(MAX_SAFE_INTEGER).unwrap_or(i64::MAX);
    if !(0..=max).contains(&now) {
        return Err(TokenError::InvalidIssue("now is out of range".into()));
    }
    let exp = i64::try_from(ttl)
        .ok()
        .and_then(|t| now.checked_add(t))
        .filter(|e| *e <= max)
        .ok_or_else(|| TokenError::InvalidIssue("now + ttl is out of range".into()))?;
    let kid = match opts.kid {
        Some(k) => k.to_string(),
        None => key.verifying_key().reference_kid(),
    };
    if kid.is_empty() || kid.len() > MAX_KID_BYTES {
        return Err(TokenError::InvalidIssue(format!(
            "kid must be 1 to {MAX_KID_BYTES} bytes"
        )));
    }

    let mut c = claims.clone();
    c.iat = now;
    c.exp = exp;
    let mut jti = [0u8; 16];
    rng.fill_bytes(&mut jti);
    c.jti = Some(b64::encode(jti));
    c.token_scope_hash_b64u = Some(c.scope_hash_b64u());

    // Hold issued tokens to the validator's own schema: read the claims back and insist
    // they round-trip (catches empty strings, bad DIDs, NaN spend caps, oversized lists).
    let object = c.to_json_object();
    let back = Claims::from_json_object(object.clone())?;
    if back != c {
        return Err(TokenError::InvalidIssue(
            "claims do not survive a JSON round trip".into(),
        ));
    }
    let payload = json::serialize(&Value::Object(object), KeyOrder::JavaScript)
        .map_err(|e| TokenError::InvalidIssue(e.to_string()))?;
    // Header in the reference's member order: alg, typ, kid.
    let mut header = br#"{"alg":"EdDSA","typ":"JWT","kid":"#.to_vec();
    header.extend_from_slice(
        &json::serialize(&Value::String(kid.clone()), KeyOrder::Jcs)
            .map_err(|e| TokenError::InvalidIssue(e.to_string()))?,
    );
    header.push(b'}');
    let token = jws::sign_compact(key, &header, &payload);
    if token.len() > jws::DEFAULT_MAX_TOKEN_BYTES {
        return Err(TokenError::InvalidIssue(format!(
            "token would be {} bytes, above the {} byte bound validators apply",
            token.len(),
            jws::DEFAULT_MAX_TOKEN_BYTES
        )));
    }
    Ok(IssuedToken {
        token,
        claims: c,
        kid,
    })
}

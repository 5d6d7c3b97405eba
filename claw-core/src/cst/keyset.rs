//! The issuer keys a validator trusts, looked up by `kid`.

use super::error::{quoted, TokenError};
use crate::json;
use crate::keys::VerifyingKey;
use serde_json::Value;
use std::collections::HashMap;

/// Bound on a JWKS document, in bytes.
pub const MAX_JWKS_BYTES: usize = 256 * 1024;
/// Bound on a `kid`, in bytes.
pub const MAX_KID_BYTES: usize = 256;

#[derive(Debug, Clone)]
struct Entry {
    key: VerifyingKey,
    not_after: Option<i64>,
}

/// Trusted Ed25519 issuer keys by `kid`. Every key is an OKP/Ed25519 key that passed the
/// canonical-encoding and small-order checks; a `kid` names exactly one key (building a set
/// in which a `kid` would name two entries fails with `SIGNING_CONFIG_INVALID`).
///
/// A key's `kid` is the JWK's own `kid` when it has one, else the reference's rule
/// ([`VerifyingKey::reference_kid`]: the first 16 hex characters of SHA-256 of the raw key).
#[derive(Debug, Clone, Default)]
pub struct KeySet {
    keys: HashMap<String, Entry>,
}

impl KeySet {
    /// An empty set (every token fails with `TOKEN_UNKNOWN_KID`).
    pub fn new() -> KeySet {
        KeySet::default()
    }

    /// Read a JWKS (`{"keys":[JWK, ...]}`, RFC 7517 §5). Every entry must be a public
    /// OKP/Ed25519 JWK; any other key type, a private key or an unknown member fails the
    /// whole set (a trusted set is configuration: it should not be half-read).
    pub fn from_jwks(text: &str) -> Result<KeySet, TokenError> {
        let v = json::parse(
            text.as_bytes(),
            &json::Limits::STRICT.with_max_bytes(MAX_JWKS_BYTES),
        )
        .map_err(|e| TokenError::InvalidKeySet(format!("JWKS: {e}")))?;
        KeySet::from_jwks_value(&v)
    }

    /// Read a parsed JWKS object.
    pub fn from_jwks_value(v: &Value) -> Result<KeySet, TokenError> {
        let obj = v
            .as_object()
            .ok_or_else(|| TokenError::InvalidKeySet("JWKS must be a JSON object".into()))?;
        if let Some(k) = obj.keys().find(|k| *k != "keys") {
            return Err(TokenError::InvalidKeySet(format!(
                "JWKS: unknown member {}",
                quoted(k)
            )));
        }
        let keys = obj
            .get("keys")
            .and_then(Value::as_array)
            .ok_or_else(|| TokenError::InvalidKeySet("JWKS: keys must be an array".into()))?;
        let mut set = KeySet::new();
        for (i, jwk) in keys.iter().enumerate() {
            set.insert_jwk_value(jwk)
                .map_err(|e| TokenError::InvalidKeySet(format!("JWKS keys[{i}]: {e}")))?;
        }
        Ok(set)
    }

    /// A set of public JWKs (each a JSON text).
    pub fn from_jwks_texts<'a>(
        jwks: impl IntoIterator<Item = &'a str>,
    ) -> Result<KeySet, TokenError> {
        let mut set = KeySet::new();
        for j in jwks {
            set.insert_jwk(j)?;
        }
        Ok(set)
    }

    /// A set of Ed25519 `did:key` DIDs, each under the reference kid of its key.
    pub fn from_dids<'a>(dids: impl IntoIterator<Item = &'a str>) -> Result<KeySet, TokenError> {
        let mut set = KeySet::new();
        for d in dids {
            set.insert_did(d)?;
        }
        Ok(set)
    }

    /// Add a public JWK (JSON text); returns the `kid` it is filed under.
    pub fn insert_jwk(&mut self, jwk: &str) -> Result<String, TokenError> {
        let v = json::parse(
            jwk.as_bytes(),
            &json::Limits::STRICT.with_max_bytes(64 * 1024),
        )
        .map_err(|e| TokenError::InvalidKeySet(format!("JWK: {e}")))?;
        self.insert_jwk_value(&v)
    }

    /// Add a parsed public JWK; returns the `kid` it is filed under.
    pub fn insert_jwk_value(&mut self, jwk: &Value) -> Result<String, TokenError> {
        let (key, kid) = VerifyingKey::from_jwk_value(jwk)
            .map_err(|e| TokenError::InvalidKeySet(e.to_string()))?;
        self.insert(kid.as_deref(), key, None)
    }

    /// Add an Ed25519 `did:key`, filed under the reference kid; returns that kid.
    pub fn insert_did(&mut self, did: &str) -> Result<String, TokenError> {
        let key =
            VerifyingKey::from_did(did).map_err(|e| TokenError::InvalidKeySet(e.to_string()))?;
        self.insert(None, key, None)
    }

    /// Add `key` under `kid` (the reference kid when `None`), optionally usable only while
    /// `now <= not_after` (epoch seconds; later tokens fail with `TOKEN_KID_EXPIRED`, as the
    /// reference's verify-only keys do). Returns the kid. A kid already in the set fails.
    pub fn insert(
        &mut self,
        kid: Option<&str>,
        key: VerifyingKey,
        not_after: Option<i64>,
    ) -> Result<String, TokenError> {
        let kid = match kid {
            Some(k) => k.to_string(),
            None => key.reference_kid(),
        };
        if kid.is_empty() || kid.len() > MAX_KID_BYTES {
            return Err(TokenError::InvalidKeySet(format!(
                "kid must be 1 to {MAX_KID_BYTES} bytes"
            )));
        }
        if self.keys.contains_key(&kid) {
            return Err(TokenError::InvalidKeySet(format!(
                "kid {} names more than one key entry",
                quoted(&kid)
            )));
        }
        self.keys.insert(kid.clone(), Entry { key, not_after });
        Ok(kid)
    }

    /// The key filed under `kid`.
    pub fn get(&self, kid: &str) -> Option<&VerifyingKey> {
        self.keys.get(kid).map(|e| &e.key)
    }

    /// Look up for validation: unknown → `TOKEN_UNKNOWN_KID`, past `not_after` →
    /// `TOKEN_KID_EXPIRED`.
    pub(crate) fn lookup(&self, kid: &str, now: i64) -> Result<&VerifyingKey, TokenError> {
        let e = self
            .keys
            .get(kid)
            .ok_or_else(|| TokenError::UnknownKid(truncate(kid)))?;
        if e.not_after.is_some_and(|t| now > t) {
            return Err(TokenError::KidExpired(truncate(kid)));
        }
        Ok(&e.key)
    }

    /// The kids in the set (unordered).
    pub fn kids(&self) -> impl Iterator<Item = &str> {
        self.keys.keys().map(String::as_str)
    }

    /// Number of keys.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// Whether the set is empty.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }
}

fn truncate(s: &str) -> String {
    let mut end = s.len().min(64);
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    s[..end].to_string()
}

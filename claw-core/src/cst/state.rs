//! The contract between validation and the state it consults (replay records and
//! revocations), stated so that a store shared by several processes fits as well as the
//! in-memory default. The store itself (Redis) lives outside the core (`claw-store`); this
//! module only says what it must do, how a revocation is written down, and how its failures
//! are reported. The full contract (keys, TTLs, failure modes, propagation bound) is
//! `docs/SPEC.md §9`.

use super::revocation::{RevocationList, Revocations};
use crate::keys::VerifyingKey;
use std::sync::Arc;

/// Bound on one revocation entry in its wire form ([`Revocation::to_wire`]), in bytes.
pub const MAX_REVOCATION_ENTRY_BYTES: usize = 1024;

/// Why shared state could not be used. Every variant fails closed: the validation (or the
/// revocation, or the receipt lookup) that needed the state is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum StateError {
    /// The store could not be reached or did not answer in time.
    #[error("state store unavailable: {0}")]
    Unavailable(String),
    /// The local copy of the revocations has not been confirmed current by the store for
    /// longer than the configured maximum staleness.
    #[error("revocation copy is {age_ms} ms old, above the maximum staleness of {max_ms} ms")]
    Stale {
        /// Milliseconds since the copy was last confirmed current.
        age_ms: u64,
        /// The configured bound.
        max_ms: u64,
    },
    /// The store answered with something claw never writes there (a key of the wrong type,
    /// a malformed value or revocation entry).
    #[error("state store holds invalid data: {0}")]
    Corrupt(String),
    /// The request itself is out of bounds (an entry too long, too many entries).
    #[error("state request refused: {0}")]
    Invalid(String),
}

impl StateError {
    /// Stable reason code.
    pub fn reason_code(&self) -> &'static str {
        match self {
            StateError::Unavailable(_) => "STATE_STORE_UNAVAILABLE",
            StateError::Stale { .. } => "STATE_STORE_STALE",
            StateError::Corrupt(_) => "STATE_STORE_CORRUPT",
            StateError::Invalid(_) => "STATE_REQUEST_INVALID",
        }
    }
}

/// Where validation reads the revocations in force ([`super::ValidationOptions::revocations`]).
///
/// Contract: [`RevocationSource::current`] returns a complete list that the source knows to
/// be current within its documented propagation bound, or an error (never a partial or
/// unconfirmed list). The in-memory [`Revocations`] is always current.
pub trait RevocationSource: Send + Sync + std::fmt::Debug {
    /// The revocations in force now.
    fn current(&self) -> Result<Arc<RevocationList>, StateError>;
}

impl RevocationSource for Revocations {
    fn current(&self) -> Result<Arc<RevocationList>, StateError> {
        Ok(self.snapshot())
    }
}

/// Where revocations are made. A shared store makes them visible to every instance within
/// its propagation bound; `revoke` returns once the entries are durable in the store (or
/// fails, and then none of them may be assumed revoked).
pub trait RevocationStore: RevocationSource {
    /// Revoke every entry of `entries` (one batch, applied atomically by shared stores).
    fn revoke(&self, entries: &[Revocation]) -> Result<(), StateError>;
}

impl RevocationStore for Revocations {
    fn revoke(&self, entries: &[Revocation]) -> Result<(), StateError> {
        self.update(|l| {
            for e in entries {
                l.apply(e);
            }
        });
        Ok(())
    }
}

/// One revocation entry, as stored and exchanged between instances.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Revocation {
    /// Every token with this `jti`.
    Jti(String),
    /// Every token signed under this `kid`.
    Kid(String),
    /// Every token signed by this Ed25519 public key (32 bytes).
    Key([u8; 32]),
    /// Every token pinning this policy hash (base64url).
    PolicyHash(String),
    /// One token, by [`super::token_hash`] (lowercase hex).
    TokenHash(String),
}

impl Revocation {
    /// Revoke a key.
    pub fn key(key: &VerifyingKey) -> Revocation {
        Revocation::Key(key.to_bytes())
    }

    /// The wire form: `jti:<jti>`, `kid:<kid>`, `key:<64 lowercase hex>`,
    /// `policy:<policy hash b64u>`, `token:<64 lowercase hex>`.
    pub fn to_wire(&self) -> String {
        match self {
            Revocation::Jti(v) => format!("jti:{v}"),
            Revocation::Kid(v) => format!("kid:{v}"),
            Revocation::Key(k) => format!("key:{}", hex(k)),
            Revocation::PolicyHash(v) => format!("policy:{v}"),
            Revocation::TokenHash(v) => format!("token:{}", v.to_ascii_lowercase()),
        }
    }

    /// Read the wire form back; anything else (unknown kind, empty value, bad hex, above
    /// [`MAX_REVOCATION_ENTRY_BYTES`]) is [`StateError::Corrupt`].
    pub fn from_wire(wire: &[u8]) -> Result<Revocation, StateError> {
        let corrupt = |why: &str| StateError::Corrupt(format!("revocation entry: {why}"));
        if wire.len() > MAX_REVOCATION_ENTRY_BYTES {
            return Err(corrupt("too long"));
        }
        let s = std::str::from_utf8(wire).map_err(|_| corrupt("not UTF-8"))?;
        let (kind, value) = s.split_once(':').ok_or_else(|| corrupt("no kind"))?;
        if value.is_empty() {
            return Err(corrupt("empty value"));
        }
        Ok(match kind {
            "jti" => Revocation::Jti(value.to_string()),
            "kid" => Revocation::Kid(value.to_string()),
            "policy" => Revocation::PolicyHash(value.to_string()),
            "key" => {
                Revocation::Key(unhex32(value).ok_or_else(|| corrupt("key is not 64 hex digits"))?)
            }
            "token" => {
                unhex32(value).ok_or_else(|| corrupt("token hash is not 64 hex digits"))?;
                Revocation::TokenHash(value.to_ascii_lowercase())
            }
            _ => return Err(corrupt("unknown kind")),
        })
    }

    /// Check the entry is within bounds before it is written to a store
    /// ([`StateError::Invalid`] otherwise).
    pub fn check(&self) -> Result<(), StateError> {
        let wire = self.to_wire();
        if wire.len() > MAX_REVOCATION_ENTRY_BYTES {
            return Err(StateError::Invalid(format!(
                "revocation entry is {} bytes, above {MAX_REVOCATION_ENTRY_BYTES}",
                wire.len()
            )));
        }
        Revocation::from_wire(wire.as_bytes())
            .map(|_| ())
            .map_err(|e| StateError::Invalid(e.to_string()))
    }
}

fn hex(b: &[u8]) -> String {
    use std::fmt::Write;
    let mut s = String::with_capacity(b.len() * 2);
    for x in b {
        // Writing to a String cannot fail.
        let _ = write!(s, "{x:02x}");
    }
    s
}

fn unhex32(s: &str) -> Option<[u8; 32]> {
    let b = s.as_bytes();
    if b.len() != 64 {
        return None;
    }
    let mut out = [0u8; 32];
    for (i, pair) in b.chunks_exact(2).enumerate() {
        let hi = (pair[0] as char).to_digit(16)?;
        let lo = (pair[1] as char).to_digit(16)?;
        out[i] = (hi * 16 + lo) as u8;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_form_round_trips_and_rejects_garbage() {
        let all = [
            Revocation::Jti("j-1:x".into()),
            Revocation::Kid("k1".into()),
            Revocation::Key([7u8; 32]),
            Revocation::PolicyHash("abc_-".into()),
            Revocation::TokenHash("AB".repeat(32)),
        ];
        for r in &all {
            let back = Revocation::from_wire(r.to_wire().as_bytes()).unwrap();
            assert_eq!(back.to_wire(), r.to_wire());
            r.check().unwrap();
        }
        for bad in [
            &b"jti:"[..],
            b"nokind",
            b"what:x",
            b"key:zz",
            b"token:00",
            b"\xff:x",
            &[b'j'; 2000],
        ] {
            let e = Revocation::from_wire(bad).unwrap_err();
            assert_eq!(e.reason_code(), "STATE_STORE_CORRUPT", "{bad:?}");
        }
        assert_eq!(
            Revocation::Jti("x".repeat(2000))
                .check()
                .unwrap_err()
                .reason_code(),
            "STATE_REQUEST_INVALID"
        );
    }

    #[test]
    fn in_memory_revocations_implement_the_store_traits() {
        let r = Revocations::default();
        assert!(r.current().unwrap().is_empty());
        RevocationStore::revoke(
            &r,
            &[Revocation::Jti("a".into()), Revocation::Kid("k".into())],
        )
        .unwrap();
        let l = r.current().unwrap();
        assert!(!l.is_empty());
        let mut expected = RevocationList::new();
        expected.revoke_jti("a").revoke_kid("k");
        assert_eq!(*l, expected);
    }
}

//! Key names (`docs/SPEC.md §9.2`). Identifiers are hashed: no jti, job, nonce or token
//! is ever written to Redis in the clear.

use sha2::{Digest, Sha256};
use std::fmt::Write;

fn hex(b: &[u8]) -> String {
    let mut s = String::with_capacity(b.len() * 2);
    for x in b {
        // Writing to a String cannot fail.
        let _ = write!(s, "{x:02x}");
    }
    s
}

/// Bound on a namespace, in bytes (`[A-Za-z0-9._-]`).
pub const MAX_NAMESPACE_BYTES: usize = 64;

/// Whether `ns` is a valid namespace.
pub(crate) fn valid_namespace(ns: &str) -> bool {
    !ns.is_empty()
        && ns.len() <= MAX_NAMESPACE_BYTES
        && ns
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
}

#[derive(Debug, Clone)]
pub(crate) struct Keys {
    ns: String,
    /// `{<ns>:rev}:ver`: the revocation version (an integer, INCR'd by every revoke).
    pub(crate) rev_version: String,
    /// `{<ns>:rev}:set`: the revocation entries (a set of wire forms).
    pub(crate) rev_set: String,
    /// `{<ns>:rev}:epoch`: a random id written once per store lifetime (data-loss detector).
    pub(crate) epoch: String,
    /// `<ns>:rev`: the pub/sub channel announcing revocations.
    pub(crate) channel: String,
}

impl Keys {
    pub(crate) fn new(ns: &str) -> Keys {
        Keys {
            ns: ns.to_string(),
            rev_version: format!("{{{ns}:rev}}:ver"),
            rev_set: format!("{{{ns}:rev}}:set"),
            epoch: format!("{{{ns}:rev}}:epoch"),
            channel: format!("{ns}:rev"),
        }
    }

    /// `<ns>:r:<hex SHA-256(u64be len(job) ‖ job ‖ jti)>`: one use of a jti for a job.
    pub(crate) fn replay(&self, jti: &str, job: &str) -> String {
        format!(
            "{}:r:{}",
            self.ns,
            hex(&claw_core::cst::replay_key(jti, job))
        )
    }

    /// `<ns>:n:<hex SHA-256(nonce)>`: a request nonce and its receipt.
    pub(crate) fn nonce(&self, nonce: &[u8]) -> String {
        format!("{}:n:{}", self.ns, hex(&Sha256::digest(nonce)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_namespaced_hashed_and_slot_tagged() {
        let k = Keys::new("claw");
        let r = k.replay("jti-secret", "job-1");
        assert!(r.starts_with("claw:r:") && r.len() == "claw:r:".len() + 64);
        assert!(!r.contains("secret"));
        assert_ne!(r, k.replay("jti-secret", "job-2"));
        assert_ne!(k.replay("b", "a"), k.replay("", "ab"));
        assert_eq!(k.rev_set, "{claw:rev}:set");
        assert!(k.nonce(b"n1").starts_with("claw:n:"));
        assert!(valid_namespace("claw-prod.eu_1"));
        for bad in ["", "a b", "a{b", "x:y", &"a".repeat(65)] {
            assert!(!valid_namespace(bad), "{bad}");
        }
    }
}

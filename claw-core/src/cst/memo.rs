//! A memo of token signatures this process has already verified (`docs/SPEC.md §5.3`
//! step 4). A long-lived validator (the gateway) sees the same token on every call of a
//! run; the Ed25519 check of a given (issuer key, signing input, signature) always gives
//! the same answer, so it is done once. Only that check is skipped: every other rule
//! (header, key lookup by `kid` and its validity, claims, time, revocation, audience,
//! scope, job, policy pin, replay) runs on every call.

use std::collections::{HashSet, VecDeque};
use std::sync::Mutex;

use sha2::{Digest, Sha256};

use crate::keys::{SignatureError, VerifyingKey};

/// Domain separation of the memo's digests.
const DOMAIN: &[u8] = b"claw.cst-signature-memo.v1\0";

/// A bounded set of verified signatures, each remembered as SHA-256 of (domain, the
/// issuer's public key, the length-prefixed signing input, the signature); the oldest
/// entry is forgotten first. Only signatures that verified are entered.
#[derive(Debug)]
pub struct SignatureMemo {
    capacity: usize,
    inner: Mutex<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    seen: HashSet<[u8; 32]>,
    order: VecDeque<[u8; 32]>,
}

impl SignatureMemo {
    /// A memo of at most `capacity` signatures (0: remembers nothing).
    pub fn new(capacity: usize) -> SignatureMemo {
        SignatureMemo {
            capacity,
            inner: Mutex::new(Inner::default()),
        }
    }

    /// Signatures remembered.
    pub fn len(&self) -> usize {
        self.lock().seen.len()
    }

    /// Whether nothing is remembered.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// `key.verify(msg, sig)`, answered from the memo when this exact triple verified
    /// before.
    pub fn verify(&self, key: &VerifyingKey, msg: &[u8], sig: &[u8]) -> Result<(), SignatureError> {
        let mut h = Sha256::new();
        h.update(DOMAIN);
        h.update(key.to_bytes());
        h.update((msg.len() as u64).to_be_bytes());
        h.update(msg);
        h.update(sig);
        let d: [u8; 32] = h.finalize().into();
        if self.lock().seen.contains(&d) {
            return Ok(());
        }
        key.verify(msg, sig)?;
        if self.capacity > 0 {
            let mut g = self.lock();
            if g.seen.insert(d) {
                g.order.push_back(d);
                while g.order.len() > self.capacity {
                    if let Some(old) = g.order.pop_front() {
                        g.seen.remove(&old);
                    }
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cst::{
        issue, validate, Claims, KeySet, RevocationList, Revocations, ValidationOptions,
    };
    use crate::keys::SigningKey;

    const NOW: i64 = 1_800_000_000;

    fn code(r: Result<crate::cst::VerifiedClaims, crate::cst::TokenError>) -> &'static str {
        r.map(|_| "OK").unwrap_or_else(|e| e.reason_code())
    }

    #[test]
    fn a_remembered_signature_skips_only_the_signature_check() {
        let issuer = SigningKey::from_seed(&[7; 32]);
        let mut keys = KeySet::new();
        let kid = keys.insert(None, issuer.verifying_key(), None).unwrap();
        let c = Claims::new(
            "did:key:z6MkAgent",
            vec!["gw".into()],
            vec!["proxy:call".into()],
        );
        let issued = issue(&issuer, &c, 600, NOW, &mut rand_core::OsRng).unwrap();
        let tok = issued.token;
        let jti = issued.claims.jti.unwrap();
        let memo = SignatureMemo::new(16);
        let mut o = ValidationOptions::new("gw", "proxy:call");
        o.signature_memo = Some(&memo);
        assert_eq!(code(validate(&tok, &keys, &o, NOW)), "OK");
        assert_eq!(memo.len(), 1);
        assert_eq!(code(validate(&tok, &keys, &o, NOW + 1)), "OK");
        assert_eq!(memo.len(), 1);
        // Every other rule still applies to a remembered token.
        assert_eq!(
            code(validate(&tok, &keys, &o, NOW + 10_000)),
            "TOKEN_EXPIRED"
        );
        let mut other = o;
        other.audience = "elsewhere";
        assert_eq!(
            code(validate(&tok, &keys, &other, NOW)),
            "TOKEN_BAD_AUDIENCE"
        );
        let mut list = RevocationList::new();
        list.revoke_jti(jti);
        let revs = Revocations::new(list);
        let mut revoked = o;
        revoked.revocations = Some(&revs);
        assert_eq!(code(validate(&tok, &keys, &revoked, NOW)), "TOKEN_REVOKED");
        // Another key under the same kid: the memo entry (bound to the old key) does not
        // vouch for it.
        let mut swapped = KeySet::new();
        swapped
            .insert(
                Some(&kid),
                SigningKey::from_seed(&[8; 32]).verifying_key(),
                None,
            )
            .unwrap();
        assert_eq!(
            code(validate(&tok, &swapped, &o, NOW)),
            "TOKEN_SIGNATURE_INVALID"
        );
        // A forged signature is never entered.
        let (head, sig) = tok.rsplit_once('.').unwrap();
        let first = if sig.starts_with('A') { 'B' } else { 'A' };
        let bad_sig = format!("{first}{}", &sig[1..]);
        let forged = format!("{head}.{bad_sig}");
        for _ in 0..2 {
            assert_ne!(code(validate(&forged, &keys, &o, NOW)), "OK");
        }
        assert_eq!(memo.len(), 1);
    }

    #[test]
    fn the_memo_is_bounded() {
        let k = SigningKey::from_seed(&[9; 32]);
        let memo = SignatureMemo::new(2);
        for m in [b"a", b"b", b"c"] {
            memo.verify(&k.verifying_key(), m, &k.sign(m)).unwrap();
        }
        assert_eq!(memo.len(), 2);
        let none = SignatureMemo::new(0);
        none.verify(&k.verifying_key(), b"a", &k.sign(b"a"))
            .unwrap();
        assert!(none.is_empty());
    }
}

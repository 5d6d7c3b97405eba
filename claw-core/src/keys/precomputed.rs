//! Strict verification for many signatures by one key, with a table of the key's multiples.
//!
//! [`VerifyingKey::verify`] (ed25519-dalek's `verify_strict`) computes `[s]B − [k]A` with one
//! double-scalar multiplication per signature: about 253 point doublings plus additions, and
//! then compresses the result (one field inversion) to compare it with the encoded `R`. A run's
//! receipts are signed by a handful of keys, so most of that work can be shared: with a
//! radix-16 table of `−A` built once per key (ed25519-dalek's fixed-base method, the one it
//! uses for `B` when signing), each of `[s]B` and `[k](−A)` costs 64 table additions and 4
//! doublings, and the result is compared with the decoded `R` as a point, without the
//! inversion. Measured: about 1.4 times faster per signature (BENCHMARKS.md).
//!
//! The accept set is exactly `verify_strict`'s, rule for rule:
//!
//! | `verify_strict` | here |
//! |---|---|
//! | `S < L` (`Scalar::from_canonical_bytes`) | same call |
//! | `R` decompresses | same call |
//! | `R` and `A` not of small order | `R` checked here; `A` at key import (never weak) |
//! | `k = SHA-512(R_bytes ‖ A_bytes ‖ M) mod L` | same, over the same bytes |
//! | `compress([s]B − [k]A) == R_bytes` | `R_bytes` canonical and `[s]B + [k](−A) == R` |
//!
//! The last row is the same test: compression is a bijection from points onto canonical
//! encodings, so the compressed result equals `R_bytes` exactly when `R_bytes` is canonical and
//! encodes the result. Differential tests against `verify_strict` (RFC 8032, Wycheproof,
//! torsion components, small-order and non-canonical `R`, non-canonical `S`, bit flips) and the
//! `sig_verify_differential` fuzz target hold the two to the same verdicts.

use super::{canonical_point_encoding, SignatureError, VerifyingKey};
use curve25519_dalek::constants::ED25519_BASEPOINT_TABLE;
use curve25519_dalek::edwards::{CompressedEdwardsY, EdwardsBasepointTable, EdwardsPoint};
use curve25519_dalek::scalar::Scalar;
use curve25519_dalek::traits::BasepointTable;
use sha2::{Digest, Sha512};

/// A verifying key with a precomputed table of multiples of `−A`, for checking many
/// signatures by the same key. Building it costs about as much as 25 verifications and it
/// holds 30 KiB, so it pays off from about a hundred signatures on.
pub struct PrecomputedVerifyingKey {
    key: VerifyingKey,
    minus_a: EdwardsBasepointTable,
}

impl std::fmt::Debug for PrecomputedVerifyingKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("PrecomputedVerifyingKey")
            .field(&self.key)
            .finish()
    }
}

impl PrecomputedVerifyingKey {
    /// Build the table for `key`.
    pub fn new(key: &VerifyingKey) -> PrecomputedVerifyingKey {
        // The key was decoded at import (canonical, not of small order), so this is its point.
        let a = key.dalek().to_edwards();
        PrecomputedVerifyingKey {
            key: *key,
            minus_a: EdwardsBasepointTable::create(&-a),
        }
    }

    /// The key the table was built for.
    pub fn key(&self) -> &VerifyingKey {
        &self.key
    }

    /// Verify `sig` over `msg`: the same verdict as [`VerifyingKey::verify`] for every input.
    pub fn verify(&self, msg: &[u8], sig: &[u8]) -> Result<(), SignatureError> {
        let sig: &[u8; 64] = sig
            .try_into()
            .map_err(|_| SignatureError::Malformed("signature must be 64 bytes"))?;
        let mut r_bytes = [0u8; 32];
        r_bytes.copy_from_slice(&sig[..32]);
        let mut s_bytes = [0u8; 32];
        s_bytes.copy_from_slice(&sig[32..]);
        let s = Option::<Scalar>::from(Scalar::from_canonical_bytes(s_bytes))
            .ok_or(SignatureError::Invalid)?;
        if !canonical_point_encoding(&r_bytes) {
            return Err(SignatureError::Invalid);
        }
        let r = CompressedEdwardsY(r_bytes)
            .decompress()
            .ok_or(SignatureError::Invalid)?;
        if r.is_small_order() {
            return Err(SignatureError::Invalid);
        }
        let k = Scalar::from_hash(
            Sha512::new()
                .chain_update(r_bytes)
                .chain_update(self.key.to_bytes())
                .chain_update(msg),
        );
        let expected: EdwardsPoint = ED25519_BASEPOINT_TABLE * &s + &self.minus_a * &k;
        if expected == r {
            Ok(())
        } else {
            Err(SignatureError::Invalid)
        }
    }
}

/// Test support: signatures that only a deviating verifier would accept.
#[cfg(test)]
pub(crate) use test_support::{identity_r_signature, torsioned_signature};

#[cfg(test)]
mod test_support {
    use curve25519_dalek::constants::{ED25519_BASEPOINT_POINT, EIGHT_TORSION};
    use curve25519_dalek::edwards::EdwardsPoint;
    use curve25519_dalek::scalar::Scalar;
    use curve25519_dalek::traits::Identity;
    use sha2::{Digest, Sha512};

    /// A signature by the holder of `seed` whose `R` carries the torsion point `t`:
    /// `R = [r]B + T`, `s = r + H(R ‖ A ‖ M)·a`. `verify_strict` refuses it (`[s]B − [k]A`
    /// is `[r]B`, not `R`); a cofactorless batch equation accepts it whenever the item's
    /// random coefficient kills `T` (z even for an order-2 `T`: one time in two).
    pub(crate) fn torsioned_signature(seed: &[u8; 32], msg: &[u8], r: u64, t: usize) -> [u8; 64] {
        let r = Scalar::from(r) * Scalar::from(0x9e37_79b9_7f4a_7c15u64) + Scalar::ONE;
        signature_with_nonce(seed, msg, r, EIGHT_TORSION[t])
    }

    /// A signature by the holder of `seed` with `R` the identity and `s = H(R ‖ A ‖ M)·a`:
    /// the cofactorless equation `[s]B − [k]A = R` holds, and only the small-order check on
    /// `R` refuses it.
    pub(crate) fn identity_r_signature(seed: &[u8; 32], msg: &[u8]) -> [u8; 64] {
        signature_with_nonce(seed, msg, Scalar::ZERO, EdwardsPoint::identity())
    }

    /// `R = [r]B + extra`, `s = r + H(R ‖ A ‖ M)·a`, by the RFC 8032 key of `seed`.
    fn signature_with_nonce(
        seed: &[u8; 32],
        msg: &[u8],
        r: Scalar,
        extra: EdwardsPoint,
    ) -> [u8; 64] {
        let h = Sha512::digest(seed);
        let mut a_bytes = [0u8; 32];
        a_bytes.copy_from_slice(&h[..32]);
        a_bytes[0] &= 248;
        a_bytes[31] &= 127;
        a_bytes[31] |= 64;
        let a = Scalar::from_bytes_mod_order(a_bytes);
        let public = (ED25519_BASEPOINT_POINT * a).compress();
        let big_r = (ED25519_BASEPOINT_POINT * r + extra).compress();
        let mut hram = Sha512::new();
        hram.update(big_r.as_bytes());
        hram.update(public.as_bytes());
        hram.update(msg);
        let k = Scalar::from_hash(hram);
        let s = r + k * a;
        let mut sig = [0u8; 64];
        sig[..32].copy_from_slice(big_r.as_bytes());
        sig[32..].copy_from_slice(s.as_bytes());
        sig
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::SigningKey;
    use curve25519_dalek::constants::EIGHT_TORSION;
    use curve25519_dalek::traits::Identity;

    fn same_verdict(table: &PrecomputedVerifyingKey, msg: &[u8], sig: &[u8; 64]) -> bool {
        let strict = table.key().verify(msg, sig).is_ok();
        assert_eq!(
            table.verify(msg, sig).is_ok(),
            strict,
            "verdicts differ for sig {}",
            crate::b64::encode(sig)
        );
        strict
    }

    /// Every single-bit flip of valid signatures, and of their messages: refused by both.
    #[test]
    fn bit_flips_are_refused_by_both() {
        for seed in 0..4u8 {
            let sk = SigningKey::from_seed(&[seed; 32]);
            let table = PrecomputedVerifyingKey::new(&sk.verifying_key());
            let msg = format!("payload-hash-{seed}").into_bytes();
            let sig = sk.sign(&msg);
            assert!(same_verdict(&table, &msg, &sig));
            for bit in 0..512 {
                let mut bad = sig;
                bad[bit / 8] ^= 1 << (bit % 8);
                assert!(!same_verdict(&table, &msg, &bad));
            }
            for bit in 0..msg.len() * 8 {
                let mut m = msg.clone();
                m[bit / 8] ^= 1 << (bit % 8);
                assert!(!same_verdict(&table, &m, &sig));
            }
        }
    }

    /// `S + L` (non-canonical S, same point): refused by both.
    #[test]
    fn non_canonical_s_is_refused_by_both() {
        const L: [u8; 32] = [
            0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9,
            0xde, 0x14, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
        ];
        let sk = SigningKey::from_seed(&[9; 32]);
        let table = PrecomputedVerifyingKey::new(&sk.verifying_key());
        let mut tried = 0;
        for i in 0..64u32 {
            let msg = i.to_be_bytes();
            let mut sig = sk.sign(&msg);
            let mut carry = 0u16;
            for j in 0..32 {
                let v = sig[32 + j] as u16 + L[j] as u16 + carry;
                sig[32 + j] = v as u8;
                carry = v >> 8;
            }
            if carry == 0 && sig[63] & 0xe0 == 0 {
                tried += 1;
                assert!(!same_verdict(&table, &msg, &sig));
            }
        }
        assert!(tried > 0);
    }

    /// `R` with a torsion component, every small-order `R`, and non-canonical encodings of
    /// `R` (`y + p` for small `y`, the sign bit set with `x = 0`): refused by both.
    #[test]
    fn small_order_torsioned_and_non_canonical_r_are_refused_by_both() {
        let seed = [0x42u8; 32];
        let sk = SigningKey::from_seed(&seed);
        let table = PrecomputedVerifyingKey::new(&sk.verifying_key());
        let msg = b"m";
        for (t, torsion_point) in EIGHT_TORSION.iter().enumerate() {
            for r in 0..8 {
                let sig = torsioned_signature(&seed, msg, r, t);
                let ok = same_verdict(&table, msg, &sig);
                assert_eq!(ok, t == 0, "torsion index {t}");
            }
            let mut sig = sk.sign(msg);
            sig[..32].copy_from_slice(torsion_point.compress().as_bytes());
            assert!(!same_verdict(&table, msg, &sig));
        }
        // Non-canonical encodings: y in [p, 2^255) (y + p for y < 19), with either sign bit;
        // y = ±1 with the sign bit set.
        for low in 0xedu8..=0xff {
            for sign in [0u8, 0x80] {
                let mut enc = [0xffu8; 32];
                enc[0] = low;
                enc[31] = 0x7f | sign;
                let mut sig = sk.sign(msg);
                sig[..32].copy_from_slice(&enc);
                assert!(!same_verdict(&table, msg, &sig));
            }
        }
        // R = identity with s = k·a satisfies the equation: only the small-order check refuses.
        let sig = identity_r_signature(&seed, msg);
        assert!(!same_verdict(&table, msg, &sig));
        let mut one = EdwardsPoint::identity().compress().to_bytes();
        one[31] |= 0x80;
        let mut sig = sk.sign(msg);
        sig[..32].copy_from_slice(&one);
        assert!(!same_verdict(&table, msg, &sig));
        // A valid signature whose R has a second, non-canonical encoding would need R with
        // y < 19 and a known discrete logarithm, which nobody can build; the encoding check
        // keeps the two verifiers equal regardless. Flipping R's sign bit encodes −x, another
        // point.
        let mut sig = sk.sign(msg);
        sig[31] ^= 0x80;
        assert!(!same_verdict(&table, msg, &sig));
    }

    /// Many keys and messages, valid and random signatures.
    #[test]
    fn random_signatures_agree() {
        let mut state = 0x1234_5678_9abc_def0u64;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for i in 0..200u64 {
            let sk = SigningKey::from_seed(&[(i % 251) as u8; 32]);
            let table = PrecomputedVerifyingKey::new(&sk.verifying_key());
            let msg = next().to_le_bytes();
            assert!(same_verdict(&table, &msg, &sk.sign(&msg)));
            let mut junk = [0u8; 64];
            for c in junk.chunks_mut(8) {
                c.copy_from_slice(&next().to_le_bytes());
            }
            junk[63] &= 0x0f;
            same_verdict(&table, &msg, &junk);
        }
    }
}

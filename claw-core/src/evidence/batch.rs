//! Ed25519 signature checks for many receipts: `verify_strict` for every signature, on one
//! thread ([`SigMode::Sequential`]) or spread over threads ([`SigMode::Batch`]).
//!
//! Batch mode used to check groups of 64 with `ed25519_dalek::verify_batch` after strict
//! pre-checks. That equation is cofactorless with coefficients derived from the signatures,
//! so a signer can grind an `R` with a torsion component that `verify_strict` refuses and the
//! batch accepts (one attempt in two for an order-2 component): the verdict of a bundle then
//! depended on the mode. Excluding such `R` needs a subgroup check per signature, which
//! costs about as much as `verify_strict` itself, so both modes now run `verify_strict` on
//! every signature and differ only in threads. Their verdicts are identical by construction
//! (regression test `batch_refuses_a_torsion_component_in_r_that_verify_strict_refuses`).

use crate::b64;
use crate::keys::VerifyingKey;
use std::collections::HashMap;

/// How signatures are checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SigMode {
    /// `verify_strict` for every signature, spread over the configured threads (the
    /// default). The name is kept for compatibility: it no longer uses batch verification,
    /// whose accept set differs from `verify_strict` (see the module documentation).
    #[default]
    Batch,
    /// `verify_strict` for every signature, on one thread.
    Sequential,
}

/// One signature to check: Ed25519 by `did` over `msg`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct SigJob<'a> {
    pub did: &'a str,
    pub msg: &'a [u8],
    pub sig_b64u: &'a str,
}

/// Fewest signatures worth a thread of their own.
const CHUNK: usize = 64;

struct Prepared<'a> {
    key: VerifyingKey,
    msg: &'a [u8],
    raw: [u8; 64],
}

fn check_chunk(items: &[Option<Prepared<'_>>], out: &mut [bool]) {
    for (o, it) in out.iter_mut().zip(items) {
        *o = it
            .as_ref()
            .is_some_and(|p| p.key.verify(p.msg, &p.raw).is_ok());
    }
}

/// Check every job; `true` where the signature is valid. `threads` ≥ 1.
pub(crate) fn verify_all(jobs: &[SigJob<'_>], mode: SigMode, threads: usize) -> Vec<bool> {
    let mut keys: HashMap<&str, Option<VerifyingKey>> = HashMap::new();
    let prepared: Vec<Option<Prepared<'_>>> = jobs
        .iter()
        .map(|j| {
            let key = (*keys
                .entry(j.did)
                .or_insert_with(|| VerifyingKey::from_did(j.did).ok()))?;
            let raw: [u8; 64] = b64::decode_array(j.sig_b64u).ok()?;
            Some(Prepared {
                key,
                msg: j.msg,
                raw,
            })
        })
        .collect();
    let mut out = vec![false; jobs.len()];
    let threads = if mode == SigMode::Sequential {
        1
    } else {
        threads.max(1)
    };
    if threads == 1 || jobs.len() < 2 * CHUNK {
        check_chunk(&prepared, &mut out);
        return out;
    }
    let per = jobs.len().div_ceil(threads).max(CHUNK);
    std::thread::scope(|s| {
        for (items, outs) in prepared.chunks(per).zip(out.chunks_mut(per)) {
            s.spawn(move || check_chunk(items, outs));
        }
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::SigningKey;

    #[test]
    fn batch_finds_culprits_and_matches_sequential() {
        let keys: Vec<SigningKey> = (0..3u8).map(|i| SigningKey::from_seed(&[i; 32])).collect();
        let dids: Vec<String> = keys.iter().map(|k| k.verifying_key().did()).collect();
        let msgs: Vec<Vec<u8>> = (0..300u32).map(|i| format!("m{i}").into_bytes()).collect();
        let mut sigs: Vec<String> = msgs
            .iter()
            .enumerate()
            .map(|(i, m)| b64::encode(keys[i % 3].sign(m)))
            .collect();
        // Corrupt a few: wrong message, non-canonical S, bad encoding.
        let mut raw = b64::decode(&sigs[7]).unwrap();
        raw[0] ^= 1;
        sigs[7] = b64::encode(&raw);
        let mut raw = b64::decode(&sigs[100]).unwrap();
        raw[63] |= 0xf0;
        sigs[100] = b64::encode(&raw);
        sigs[250] = "AAAA".into();
        let jobs: Vec<SigJob<'_>> = msgs
            .iter()
            .enumerate()
            .map(|(i, m)| SigJob {
                did: &dids[i % 3],
                msg: m,
                sig_b64u: &sigs[i],
            })
            .collect();
        let a = verify_all(&jobs, SigMode::Batch, 2);
        let b = verify_all(&jobs, SigMode::Sequential, 1);
        assert_eq!(a, b);
        let bad: Vec<usize> = a
            .iter()
            .enumerate()
            .filter(|(_, ok)| !**ok)
            .map(|(i, _)| i)
            .collect();
        assert_eq!(bad, vec![7, 100, 250]);
    }
}

#[cfg(test)]
mod torsion {
    use super::*;
    use curve25519_dalek::constants::{ED25519_BASEPOINT_POINT, EIGHT_TORSION};
    use curve25519_dalek::edwards::EdwardsPoint;
    use curve25519_dalek::scalar::Scalar;
    use sha2::{Digest, Sha512};

    /// A signature by the holder of `seed` whose `R` carries the torsion point `t`:
    /// `R = [r]B + T`, `s = r + H(R ‖ A ‖ M)·a`. `verify_strict` refuses it (`[s]B − [k]A`
    /// is `[r]B`, not `R`); a cofactorless batch equation accepts it whenever the item's
    /// random coefficient kills `T` (z even for an order-2 `T`: one time in two).
    pub(crate) fn torsioned_signature(seed: &[u8; 32], msg: &[u8], r: u64, t: usize) -> [u8; 64] {
        let h = Sha512::digest(seed);
        let mut a_bytes = [0u8; 32];
        a_bytes.copy_from_slice(&h[..32]);
        a_bytes[0] &= 248;
        a_bytes[31] &= 127;
        a_bytes[31] |= 64;
        let a = Scalar::from_bytes_mod_order(a_bytes);
        let public = (ED25519_BASEPOINT_POINT * a).compress();
        let r = Scalar::from(r) * Scalar::from(0x9e37_79b9_7f4a_7c15u64) + Scalar::ONE;
        let big_r: EdwardsPoint = ED25519_BASEPOINT_POINT * r + EIGHT_TORSION[t];
        let big_r = big_r.compress();
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

    /// Regression (hardening review): batch mode accepted a signature with a torsion
    /// component in `R` that `verify_strict` refuses, so a signer could make receipts whose
    /// verdict depended on `SigMode`. Grind `r` until ed25519-dalek's batch equation accepts
    /// the signature on its own, then require claw's batch mode to refuse it like sequential.
    #[test]
    fn batch_refuses_a_torsion_component_in_r_that_verify_strict_refuses() {
        use crate::keys::SigningKey;
        let seed = [0x21u8; 32];
        let key = SigningKey::from_seed(&seed).verifying_key();
        let did = key.did();
        let msg = b"uvV8b3Ty8yXmzLHm0wCQ2qz6M9mDnDJq6gW9uD4bF2Q";
        for t in [4usize, 2, 1] {
            let mut found = None;
            for r in 0..4096u64 {
                let sig = torsioned_signature(&seed, msg, r, t);
                let dalek_sig = ed25519_dalek::Signature::from_bytes(&sig);
                assert!(key.verify(msg, &sig).is_err(), "verify_strict accepted it");
                if ed25519_dalek::verify_batch(&[msg.as_slice()], &[dalek_sig], &[*key.dalek()])
                    .is_ok()
                {
                    found = Some(sig);
                    break;
                }
            }
            let sig = found.expect("the batch equation accepts one attempt in 2 to 8");
            let sig_b64u = b64::encode(sig);
            let jobs = [SigJob {
                did: &did,
                msg,
                sig_b64u: &sig_b64u,
            }];
            assert_eq!(verify_all(&jobs, SigMode::Sequential, 1), vec![false]);
            assert_eq!(
                verify_all(&jobs, SigMode::Batch, 1),
                vec![false],
                "torsion {t}"
            );
        }
    }
}

#[cfg(test)]
mod bench {
    use super::*;
    use crate::keys::SigningKey;

    /// `cargo test --release -p claw-core --lib batch_timing -- --ignored --nocapture`
    #[test]
    #[ignore = "timing only"]
    fn batch_timing() {
        let k = SigningKey::from_seed(&[1; 32]);
        let did = k.verifying_key().did();
        let msgs: Vec<Vec<u8>> = (0..20_000u32)
            .map(|i| format!("{i:043}").into_bytes())
            .collect();
        let sigs: Vec<String> = msgs.iter().map(|m| b64::encode(k.sign(m))).collect();
        let jobs: Vec<SigJob<'_>> = msgs
            .iter()
            .zip(&sigs)
            .map(|(m, s)| SigJob {
                did: &did,
                msg: m,
                sig_b64u: s,
            })
            .collect();
        for (mode, t) in [
            (SigMode::Sequential, 1),
            (SigMode::Batch, 1),
            (SigMode::Batch, 2),
        ] {
            let start = std::time::Instant::now();
            assert!(verify_all(&jobs, mode, t).iter().all(|x| *x));
            println!("{mode:?} x{t}: {:?}", start.elapsed());
        }
    }
}

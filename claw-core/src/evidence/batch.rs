//! Ed25519 signature checks for the many receipts of a bundle, with `verify_strict`'s accept
//! set in both modes.
//!
//! * [`SigMode::Sequential`]: ed25519-dalek's `verify_strict` for each signature, one at a
//!   time on one thread. The baseline of the benchmarks, and an independent second
//!   implementation the tests hold the other mode to.
//! * [`SigMode::Batch`] (the default): the signatures are grouped by key; a key that signed at
//!   least [`TABLE_MIN_SIGNATURES`] of them gets a [`PrecomputedVerifyingKey`] (a table of its
//!   multiples, built once), the others are checked with `verify_strict`; the work is spread
//!   over the threads.
//!
//! Why not a batch equation (one random linear combination of all the signatures' equations,
//! as `ed25519_dalek::verify_batch`)? It is cofactorless with coefficients a signer can
//! predict, so a signer can grind an `R` with a torsion component that `verify_strict`
//! refuses and the batch accepts (one attempt in two for an order-2 component), and a bundle's
//! verdict would depend on the mode. Ruling such `R` out needs a subgroup check per signature,
//! which costs about as much as `verify_strict` itself. Claw's batch mode used that equation
//! until the hardening review; regression test
//! `batch_refuses_a_torsion_component_in_r_that_verify_strict_refuses`.

use crate::b64;
use crate::keys::{PrecomputedVerifyingKey, VerifyingKey};
use std::collections::HashMap;

/// How signatures are checked. Both modes accept exactly the signatures `verify_strict`
/// accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SigMode {
    /// Per-key precomputed tables for keys with many signatures, spread over the configured
    /// threads (the default).
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

/// Fewest signatures by one key worth building its table for: the table costs about 25
/// `verify_strict` calls (0.72 ms) and saves about 8 µs of each 29 µs check (BENCHMARKS.md),
/// so it pays off from about 90 signatures; 256 leaves a margin for slower machines and
/// bounds the tables a bundle can make a verifier build (at most one per 256 signatures,
/// 30 KiB each).
pub const TABLE_MIN_SIGNATURES: usize = 256;

/// How one job's key is checked.
#[derive(Clone, Copy)]
enum Checker<'k> {
    Strict(&'k VerifyingKey),
    Table(&'k PrecomputedVerifyingKey),
}

struct Prepared<'a, 'k> {
    checker: Checker<'k>,
    msg: &'a [u8],
    raw: [u8; 64],
}

fn check_chunk(items: &[Option<Prepared<'_, '_>>], out: &mut [bool]) {
    for (o, it) in out.iter_mut().zip(items) {
        *o = it.as_ref().is_some_and(|p| match p.checker {
            Checker::Strict(k) => k.verify(p.msg, &p.raw).is_ok(),
            Checker::Table(t) => t.verify(p.msg, &p.raw).is_ok(),
        });
    }
}

/// Check every job; `true` where the signature is valid. `threads` ≥ 1.
pub(crate) fn verify_all(jobs: &[SigJob<'_>], mode: SigMode, threads: usize) -> Vec<bool> {
    // Each distinct DID is decoded once; a DID that does not decode fails its jobs.
    let mut keys: HashMap<&str, (Option<VerifyingKey>, usize)> = HashMap::new();
    for j in jobs {
        keys.entry(j.did)
            .or_insert_with(|| (VerifyingKey::from_did(j.did).ok(), 0))
            .1 += 1;
    }
    let tables: HashMap<&str, PrecomputedVerifyingKey> = if mode == SigMode::Batch {
        keys.iter()
            .filter(|(_, (_, n))| *n >= TABLE_MIN_SIGNATURES)
            .filter_map(|(did, (k, _))| Some((*did, PrecomputedVerifyingKey::new(k.as_ref()?))))
            .collect()
    } else {
        HashMap::new()
    };
    let prepared: Vec<Option<Prepared<'_, '_>>> = jobs
        .iter()
        .map(|j| {
            let checker = match tables.get(j.did) {
                Some(t) => Checker::Table(t),
                None => Checker::Strict(keys.get(j.did)?.0.as_ref()?),
            };
            let raw: [u8; 64] = b64::decode_array(j.sig_b64u).ok()?;
            Some(Prepared {
                checker,
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

    /// Key 0 signs enough to get a table, keys 1 and 2 are checked with `verify_strict`;
    /// bad signatures on both paths are found, and the modes agree job by job.
    #[test]
    fn batch_finds_culprits_and_matches_sequential() {
        let keys: Vec<SigningKey> = (0..3u8).map(|i| SigningKey::from_seed(&[i; 32])).collect();
        let mut dids: Vec<String> = keys.iter().map(|k| k.verifying_key().did()).collect();
        dids.push("did:key:zNotAKey".into());
        let key_of = |i: usize| if i < 600 { 0 } else { 1 + i % 2 };
        let msgs: Vec<Vec<u8>> = (0..800u32).map(|i| format!("m{i}").into_bytes()).collect();
        let mut sigs: Vec<String> = msgs
            .iter()
            .enumerate()
            .map(|(i, m)| b64::encode(keys[key_of(i)].sign(m)))
            .collect();
        // Corrupt some on each path: wrong bit, non-canonical S, bad encoding, an R with a
        // torsion component.
        for i in [7, 650] {
            let mut raw = b64::decode(&sigs[i]).unwrap();
            raw[0] ^= 1;
            sigs[i] = b64::encode(&raw);
        }
        for i in [100, 701] {
            let mut raw = b64::decode(&sigs[i]).unwrap();
            raw[63] |= 0xf0;
            sigs[i] = b64::encode(&raw);
        }
        sigs[250] = "AAAA".into();
        sigs[300] = b64::encode(crate::keys::precomputed::torsioned_signature(
            &[0; 32], &msgs[300], 1, 4,
        ));
        let mut jobs: Vec<SigJob<'_>> = msgs
            .iter()
            .enumerate()
            .map(|(i, m)| SigJob {
                did: &dids[key_of(i)],
                msg: m,
                sig_b64u: &sigs[i],
            })
            .collect();
        jobs[450].did = &dids[3];
        let a = verify_all(&jobs, SigMode::Batch, 2);
        let b = verify_all(&jobs, SigMode::Sequential, 1);
        assert_eq!(a, b);
        let bad: Vec<usize> = a
            .iter()
            .enumerate()
            .filter(|(_, ok)| !**ok)
            .map(|(i, _)| i)
            .collect();
        assert_eq!(bad, vec![7, 100, 250, 300, 450, 650, 701]);
    }
}

#[cfg(test)]
mod torsion {
    use super::*;

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
                let sig = crate::keys::precomputed::torsioned_signature(&seed, msg, r, t);
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
            // Also behind enough valid signatures by the same key for batch mode to use the
            // key's precomputed table.
            let signer = SigningKey::from_seed(&seed);
            let valid = b64::encode(signer.sign(msg));
            let mut bulk = vec![
                SigJob {
                    did: &did,
                    msg,
                    sig_b64u: &valid,
                };
                TABLE_MIN_SIGNATURES
            ];
            bulk.push(jobs[0]);
            let verdicts = verify_all(&bulk, SigMode::Batch, 2);
            assert_eq!(verdicts.iter().filter(|ok| !**ok).count(), 1, "torsion {t}");
            assert!(!verdicts[TABLE_MIN_SIGNATURES]);
            assert_eq!(verify_all(&jobs, SigMode::Sequential, 1), vec![false]);
            assert_eq!(
                verify_all(&jobs, SigMode::Batch, 1),
                vec![false],
                "torsion {t}"
            );
        }
    }
}

//! Ed25519 signature checks for many receipts: strict single verification, or batch
//! verification spread over threads.
//!
//! `ed25519_dalek::verify_batch` is not `verify_strict`, so before batching every signature
//! passes the strict pre-checks itself: `S` canonical (`S < L`), `R` a canonical encoding
//! of a point that is not of small order, and `A` (the key) canonical and not of small
//! order (checked when the DID is parsed). A batch that fails is re-checked one signature
//! at a time with `verify_strict`, which names the culprits. Signatures that pass these
//! checks and the batch equation but not `verify_strict` exist only for an `R` with a
//! torsion component, which no honest signer produces and which cannot change what was
//! signed (see docs/SPEC-evidence.md).

use crate::b64;
use crate::keys::VerifyingKey;
use curve25519_dalek::edwards::CompressedEdwardsY;
use curve25519_dalek::scalar::Scalar;
use std::collections::HashMap;

/// How signatures are checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SigMode {
    /// Batch verification on all threads (the default).
    #[default]
    Batch,
    /// One `verify_strict` at a time, on one thread (the reference path for benchmarks).
    Sequential,
}

/// One signature to check: Ed25519 by `did` over `msg`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct SigJob<'a> {
    pub did: &'a str,
    pub msg: &'a [u8],
    pub sig_b64u: &'a str,
}

const BATCH: usize = 64;

struct Prepared<'a> {
    key: VerifyingKey,
    msg: &'a [u8],
    sig: ed25519_dalek::Signature,
    raw: [u8; 64],
}

fn strict_prechecks(raw: &[u8; 64]) -> bool {
    let mut s = [0u8; 32];
    s.copy_from_slice(&raw[32..]);
    if Option::<Scalar>::from(Scalar::from_canonical_bytes(s)).is_none() {
        return false;
    }
    let mut r = [0u8; 32];
    r.copy_from_slice(&raw[..32]);
    match CompressedEdwardsY(r).decompress() {
        Some(p) => p.compress().to_bytes() == r && !p.is_small_order(),
        None => false,
    }
}

fn check_chunk(items: &[Option<Prepared<'_>>], out: &mut [bool], mode: SigMode) {
    match mode {
        SigMode::Sequential => {
            for (o, it) in out.iter_mut().zip(items) {
                *o = it
                    .as_ref()
                    .is_some_and(|p| p.key.verify(p.msg, &p.raw).is_ok());
            }
        }
        SigMode::Batch => {
            for (outs, group) in out.chunks_mut(BATCH).zip(items.chunks(BATCH)) {
                let mut idx = Vec::with_capacity(group.len());
                let mut msgs = Vec::with_capacity(group.len());
                let mut sigs = Vec::with_capacity(group.len());
                let mut keys = Vec::with_capacity(group.len());
                for (i, it) in group.iter().enumerate() {
                    outs[i] = false;
                    if let Some(p) = it {
                        if strict_prechecks(&p.raw) {
                            idx.push(i);
                            msgs.push(p.msg);
                            sigs.push(p.sig);
                            keys.push(*p.key.dalek());
                        }
                    }
                }
                if idx.is_empty() {
                    continue;
                }
                if ed25519_dalek::verify_batch(&msgs, &sigs, &keys).is_ok() {
                    for i in idx {
                        outs[i] = true;
                    }
                } else {
                    for i in idx {
                        if let Some(p) = &group[i] {
                            outs[i] = p.key.verify(p.msg, &p.raw).is_ok();
                        }
                    }
                }
            }
        }
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
                sig: ed25519_dalek::Signature::from_bytes(&raw),
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
    if threads == 1 || jobs.len() < 2 * BATCH {
        check_chunk(&prepared, &mut out, mode);
        return out;
    }
    let per = jobs.len().div_ceil(threads).max(BATCH);
    std::thread::scope(|s| {
        for (items, outs) in prepared.chunks(per).zip(out.chunks_mut(per)) {
            s.spawn(move || check_chunk(items, outs, mode));
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

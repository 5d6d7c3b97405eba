//! The precomputed-table verifier (`PrecomputedVerifyingKey`, used by bundle verification
//! for keys with many signatures) against ed25519-dalek's `verify_strict`: for any key,
//! message and signature, both give the same verdict.
//!
//! Input: a mode byte, then bytes for the key, the signature and the message. Mode bit 0: the
//! signature is an honest one by one of four fixed keys, XORed with input bytes (often zero, so
//! valid signatures are reached), else raw input bytes. Bit 1: `R` replaced by input bytes
//! (reaching small-order, torsioned and non-canonical encodings from the dictionary-free
//! search). Bit 2: the key is read from input bytes instead (any point that imports).
#![no_main]
use claw_core::keys::{PrecomputedVerifyingKey, SigningKey, VerifyingKey};
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

/// Tables for the fixed keys, built once: a table costs milliseconds under ASan.
fn fixed() -> &'static [(SigningKey, PrecomputedVerifyingKey)] {
    static KEYS: OnceLock<Vec<(SigningKey, PrecomputedVerifyingKey)>> = OnceLock::new();
    KEYS.get_or_init(|| {
        (0..4u8)
            .map(|i| {
                let sk = SigningKey::from_seed(&[i.wrapping_mul(37).wrapping_add(1); 32]);
                let table = PrecomputedVerifyingKey::new(&sk.verifying_key());
                (sk, table)
            })
            .collect()
    })
}

fn take<const N: usize>(data: &mut &[u8]) -> [u8; N] {
    let mut out = [0u8; N];
    let n = N.min(data.len());
    out[..n].copy_from_slice(&data[..n]);
    *data = &data[n..];
    out
}

fuzz_target!(|input: &[u8]| {
    let mut data = input;
    let [mode] = take::<1>(&mut data);
    let [which] = take::<1>(&mut data);
    let key_bytes = take::<32>(&mut data);
    let sig_bytes = take::<64>(&mut data);
    let r_bytes = take::<32>(&mut data);
    let msg = data;

    let own_table;
    let (table, honest): (&PrecomputedVerifyingKey, Option<&SigningKey>) = if mode & 4 != 0 {
        let Ok(key) = VerifyingKey::from_bytes(&key_bytes) else {
            return;
        };
        own_table = PrecomputedVerifyingKey::new(&key);
        (&own_table, None)
    } else {
        let (sk, t) = &fixed()[usize::from(which) % 4];
        (t, Some(sk))
    };
    let mut sig = match (mode & 1 != 0, honest) {
        (true, Some(sk)) => {
            let mut s = sk.sign(msg);
            for (b, m) in s.iter_mut().zip(sig_bytes) {
                *b ^= m;
            }
            s
        }
        _ => sig_bytes,
    };
    if mode & 2 != 0 {
        sig[..32].copy_from_slice(&r_bytes);
    }
    let strict = table.key().verify(msg, &sig).is_ok();
    let fast = table.verify(msg, &sig).is_ok();
    assert_eq!(fast, strict, "precomputed and strict verdicts differ");
});

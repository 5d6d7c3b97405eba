//! Each claw operation beside its bare baseline, measured *interleaved*: batches of A and B
//! alternate for many rounds and each side's minimum (and median) time per operation is
//! reported. On a machine shared with other jobs the minimum of interleaved batches is the
//! fairest ratio; criterion (benches/evidence.rs) measures A and B minutes apart.
//!
//! `cargo run --release --bin bench_pairs -- [rounds=30]`
use claw_benches::{bundle_leaves, gateway, receipt_call, TestRng};
use claw_core::json::{self, KeyOrder};
use claw_core::merkle::rfc9162;
use claw_core::{b64, envelope};
use sha2::{Digest, Sha256};
use std::hint::black_box;
use std::time::Instant;

/// Per-operation seconds of `iters` runs of `f`.
fn batch(iters: usize, f: &mut dyn FnMut()) -> f64 {
    let t = Instant::now();
    for _ in 0..iters {
        f();
    }
    t.elapsed().as_secs_f64() / iters as f64
}

fn pair(
    name: &str,
    rounds: usize,
    iters: usize,
    a: &mut dyn FnMut(),
    b: &mut dyn FnMut(),
) -> (f64, f64) {
    let (mut ta, mut tb) = (Vec::new(), Vec::new());
    batch(iters, a);
    batch(iters, b);
    for _ in 0..rounds {
        ta.push(batch(iters, a));
        tb.push(batch(iters, b));
    }
    ta.sort_by(f64::total_cmp);
    tb.sort_by(f64::total_cmp);
    let (ma, mb) = (ta[0], tb[0]);
    println!(
        "{name}: claw min {} median {} | bare min {} median {} | claw/bare min {:.3} median {:.3}",
        fmt(ma),
        fmt(ta[rounds / 2]),
        fmt(mb),
        fmt(tb[rounds / 2]),
        ma / mb,
        ta[rounds / 2] / tb[rounds / 2]
    );
    (ma, mb)
}

fn fmt(s: f64) -> String {
    if s < 1e-3 {
        format!("{:.2} µs", s * 1e6)
    } else {
        format!("{:.3} ms", s * 1e3)
    }
}

fn main() {
    let rounds: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(30);
    println!(
        "load {}",
        std::fs::read_to_string("/proc/loadavg")
            .unwrap_or_default()
            .trim()
    );

    let gw = gateway();
    let call = receipt_call();
    let (request, response) = (call.request, call.response);
    let mut rng = TestRng::new(1);
    let env = gw.sign_receipt(&call, None, &mut rng).unwrap();
    let payload_bytes = json::serialize(&env.payload, KeyOrder::JavaScript).unwrap();
    let sk = ed25519_dalek::SigningKey::from_bytes(&[9u8; 32]);
    let vk_bytes = sk.verifying_key().to_bytes();
    let sig = ed25519_dalek::Signature::from_bytes(
        &b64::decode(&env.signature_b64u)
            .unwrap()
            .try_into()
            .unwrap(),
    );
    let allowed = [gw.did()];
    let opts = envelope::VerifyOptions {
        expected_type: "gateway_receipt",
        signers: envelope::Signers::OneOf(&allowed),
        now: None,
    };

    pair(
        "receipt sign (gateway receipt vs 3x SHA-256 + Ed25519 sign)",
        rounds,
        2000,
        &mut || {
            black_box(gw.sign_receipt(black_box(&call), None, &mut rng).unwrap());
        },
        &mut || {
            let _rq = black_box(Sha256::digest(black_box(request)));
            let _rs = black_box(Sha256::digest(black_box(response)));
            let h = b64::encode(Sha256::digest(black_box(&payload_bytes)));
            black_box(ed25519_dalek::Signer::sign(&sk, h.as_bytes()));
        },
    );
    pair(
        "receipt verify (Envelope::verify vs SHA-256 + key decode + verify_strict)",
        rounds,
        1000,
        &mut || {
            black_box(black_box(&env).verify(&opts).unwrap());
        },
        &mut || {
            let h = b64::encode(Sha256::digest(black_box(&payload_bytes)));
            let vk = ed25519_dalek::VerifyingKey::from_bytes(black_box(&vk_bytes)).unwrap();
            vk.verify_strict(h.as_bytes(), &sig).unwrap();
        },
    );
    for n in [10_000usize, 100_000] {
        let leaves = bundle_leaves(n);
        let bytes: usize = leaves.iter().map(Vec::len).sum();
        let (m, r) = pair(
            &format!("merkle root over {n} receipt leaves ({bytes} bytes) vs raw SHA-256 over the same bytes"),
            rounds,
            if n > 10_000 { 1 } else { 5 },
            &mut || {
                let hs: Vec<[u8; 32]> = black_box(&leaves).iter().map(|l| rfc9162::leaf_hash(l)).collect();
                black_box(rfc9162::root_from_leaf_hashes(&hs));
            },
            &mut || {
                let mut h = Sha256::new();
                for l in black_box(&leaves) {
                    h.update(l);
                }
                black_box(h.finalize());
            },
        );
        let mib = bytes as f64 / (1024.0 * 1024.0);
        println!(
            "  merkle {:.0} MiB/s, raw SHA-256 {:.0} MiB/s: {:.1}% (mean leaf {} bytes)",
            mib / m,
            mib / r,
            100.0 * r / m,
            bytes / leaves.len()
        );
    }
    println!(
        "load {}",
        std::fs::read_to_string("/proc/loadavg")
            .unwrap_or_default()
            .trim()
    );
}

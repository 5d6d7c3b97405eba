//! Evidence: proof-bundle verification (batch mode: per-key tables on all cores, vs one
//! `verify_strict` at a time on one thread) for mixed and gateway-only bundles, one signature
//! with and without a table, receipt signing and verification beside the bare
//! Ed25519 + SHA-256 work they contain, and the RFC 9162 Merkle root over a bundle's leaves
//! beside raw SHA-256 over the same bytes. Results: ../BENCHMARKS.md.
//!
//! `cd benches && cargo bench --bench evidence` (the 100k-receipt group takes a few minutes;
//! `-- verify_bundle/1000` etc. selects one group).
use claw_benches::{bundle_bytes, bundle_leaves, config, gateway, receipt_call, Mix, TestRng};
use claw_core::evidence::SigMode;
use claw_core::json::{self, KeyOrder};
use claw_core::keys::PrecomputedVerifyingKey;
use claw_core::merkle::rfc9162;
use claw_core::{b64, envelope};
use criterion::{black_box, criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use sha2::{Digest, Sha256};
use std::time::Duration;

fn verify_bundles(c: &mut Criterion) {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    for (n, mix) in [
        (1_000usize, Mix::Mixed),
        (10_000, Mix::Mixed),
        (100_000, Mix::Mixed),
        (1_000, Mix::Gateway),
        (10_000, Mix::Gateway),
        (100_000, Mix::Gateway),
    ] {
        let bytes = bundle_bytes(n, mix);
        let batch = config();
        let mut seq = config();
        seq.sig_mode = SigMode::Sequential;
        assert!(claw_core::evidence::verify_bundle(&bytes, &batch).valid);
        let mut g = c.benchmark_group(format!("verify_bundle_{}/{n}", mix.name()));
        g.throughput(Throughput::Elements(n as u64));
        if n >= 100_000 {
            // ~2–10 s an iteration on this machine: the minimum sample count.
            g.sample_size(10)
                .warm_up_time(Duration::from_secs(1))
                .measurement_time(Duration::from_secs(30));
        } else if n >= 10_000 {
            g.sample_size(10).measurement_time(Duration::from_secs(10));
        } else {
            g.sample_size(20).measurement_time(Duration::from_secs(5));
        }
        g.bench_function(
            BenchmarkId::new("batch", format!("{threads}_threads")),
            |b| {
                b.iter(|| {
                    assert!(claw_core::evidence::verify_bundle(black_box(&bytes), &batch).valid)
                })
            },
        );
        g.bench_function(BenchmarkId::new("sequential", "1_thread"), |b| {
            b.iter(|| assert!(claw_core::evidence::verify_bundle(black_box(&bytes), &seq).valid))
        });
        g.finish();
    }
}

/// One Ed25519 signature by a key that signs many: `verify_strict`, the precomputed-table
/// verifier batch mode uses for such keys, and the cost of building the table.
fn signatures(c: &mut Criterion) {
    let sk = claw_core::keys::SigningKey::from_seed(&[9u8; 32]);
    let vk = sk.verifying_key();
    let msg = b"uvV8b3Ty8yXmzLHm0wCQ2qz6M9mDnDJq6gW9uD4bF2Q";
    let sig = sk.sign(msg);
    let table = PrecomputedVerifyingKey::new(&vk);
    let mut g = c.benchmark_group("signature");
    g.bench_function("verify_strict", |b| {
        b.iter(|| {
            black_box(&vk)
                .verify(black_box(msg), black_box(&sig))
                .unwrap()
        })
    });
    g.bench_function("precomputed_table_verify", |b| {
        b.iter(|| {
            black_box(&table)
                .verify(black_box(msg), black_box(&sig))
                .unwrap()
        })
    });
    g.bench_function("precomputed_table_build", |b| {
        b.iter(|| PrecomputedVerifyingKey::new(black_box(&vk)))
    });
    g.finish();

    // The signature stage of a 100k-receipt bundle on its own: what bundle batch mode does
    // (one table for the key, the signatures split over the cores) beside sequential single
    // verification.
    let n: usize = 100_000;
    let msgs: Vec<[u8; 43]> = (0..n)
        .map(|i| {
            let mut m = [b'a'; 43];
            m[..8].copy_from_slice(&(i as u64).to_le_bytes());
            m
        })
        .collect();
    let sigs: Vec<[u8; 64]> = msgs.iter().map(|m| sk.sign(m)).collect();
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let mut g = c.benchmark_group(format!("signatures_{n}"));
    g.throughput(Throughput::Elements(n as u64))
        .sample_size(10)
        .measurement_time(Duration::from_secs(20));
    g.bench_function("sequential_verify_strict", |b| {
        b.iter(|| {
            for (m, s) in msgs.iter().zip(&sigs) {
                vk.verify(m, s).unwrap();
            }
        })
    });
    g.bench_function(format!("table_{threads}_threads"), |b| {
        b.iter(|| {
            let table = PrecomputedVerifyingKey::new(&vk);
            let per = n.div_ceil(threads);
            std::thread::scope(|s| {
                for (ms, ss) in msgs.chunks(per).zip(sigs.chunks(per)) {
                    let table = &table;
                    s.spawn(move || {
                        for (m, sig) in ms.iter().zip(ss) {
                            table.verify(m, sig).unwrap();
                        }
                    });
                }
            });
        })
    });
    g.finish();
}

/// One gateway receipt: `Gateway::sign_receipt` and `Envelope::verify`, beside the bare
/// cryptography a receipt needs (hash the request and the response, hash the payload bytes,
/// Ed25519-sign / decode the key and `verify_strict` the payload hash).
fn receipts(c: &mut Criterion) {
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
    env.verify(&opts).unwrap();

    let mut g = c.benchmark_group("receipt");
    g.bench_function("claw_sign_gateway_receipt", |b| {
        b.iter(|| gw.sign_receipt(black_box(&call), None, &mut rng).unwrap())
    });
    g.bench_function("bare_sha256x3_ed25519_sign", |b| {
        b.iter(|| {
            let _rq = Sha256::digest(black_box(request));
            let _rs = Sha256::digest(black_box(response));
            let h = b64::encode(Sha256::digest(black_box(&payload_bytes)));
            ed25519_dalek::Signer::sign(&sk, h.as_bytes())
        })
    });
    g.bench_function("claw_verify_gateway_receipt", |b| {
        b.iter(|| black_box(&env).verify(&opts).unwrap())
    });
    g.bench_function("bare_sha256_decode_key_verify_strict", |b| {
        b.iter(|| {
            let h = b64::encode(Sha256::digest(black_box(&payload_bytes)));
            let vk = ed25519_dalek::VerifyingKey::from_bytes(black_box(&vk_bytes)).unwrap();
            vk.verify_strict(h.as_bytes(), &sig).unwrap()
        })
    });
    g.finish();
}

fn merkle(c: &mut Criterion) {
    for n in [10_000usize, 100_000] {
        let leaves = bundle_leaves(n);
        let bytes: u64 = leaves.iter().map(|l| l.len() as u64).sum();
        let mut g = c.benchmark_group(format!("merkle_root_{n}_receipt_leaves"));
        g.throughput(Throughput::Bytes(bytes));
        if n >= 100_000 {
            g.sample_size(20);
        }
        g.bench_function("rfc9162_root", |b| {
            b.iter(|| {
                let hs: Vec<[u8; 32]> = black_box(&leaves)
                    .iter()
                    .map(|l| rfc9162::leaf_hash(l))
                    .collect();
                rfc9162::root_from_leaf_hashes(&hs)
            })
        });
        // The verifier hashes the leaves on all cores (tree hashing splits, a single SHA-256
        // stream does not).
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
        g.bench_function(format!("rfc9162_root_{threads}_threads"), |b| {
            b.iter(|| {
                let leaves = black_box(&leaves);
                let per = leaves.len().div_ceil(threads);
                let parts: Vec<Vec<[u8; 32]>> = std::thread::scope(|s| {
                    let hs: Vec<_> = leaves
                        .chunks(per)
                        .map(|c| s.spawn(move || c.iter().map(|l| rfc9162::leaf_hash(l)).collect()))
                        .collect();
                    hs.into_iter().map(|h| h.join().unwrap()).collect()
                });
                rfc9162::root_from_leaf_hashes(&parts.concat())
            })
        });
        g.bench_function("raw_sha256_same_bytes", |b| {
            b.iter(|| {
                let mut h = Sha256::new();
                for l in black_box(&leaves) {
                    h.update(l);
                }
                h.finalize()
            })
        });
        g.finish();
    }
}

criterion_group!(benches, signatures, receipts, merkle, verify_bundles);
criterion_main!(benches);

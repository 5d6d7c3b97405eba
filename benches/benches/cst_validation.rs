//! CST validation (every check: header, kid lookup, strict signature, claims, time, audience,
//! scope, job, policy pin) beside a bare `verify_strict` of the same signature bytes.
use claw_core::cst::{self, Claims, KeySet, ValidationOptions};
use claw_core::keys::SigningKey;
use criterion::{black_box, criterion_group, criterion_main, Criterion};

fn bench(c: &mut Criterion) {
    let issuer = SigningKey::from_seed(&[7u8; 32]);
    let mut claims = Claims::new(
        "did:key:z6MkAgent",
        vec!["gateway".into()],
        vec!["tool:execute".into()],
    );
    claims.mission_id = Some("job-42".into());
    claims.policy_hash_b64u = Some("mK1g_juiUE4SnMxLuqPiQCLFI5nZKqiP7CVEUSKk87o".into());
    let now = 1_800_000_000;
    let token = cst::issue(&issuer, &claims, 600, now, &mut rand_core::OsRng)
        .unwrap()
        .token;
    let keys = KeySet::from_dids([issuer.verifying_key().did().as_str()]).unwrap();
    let mut opts = ValidationOptions::new("gateway", "tool:execute");
    opts.job = Some("job-42");
    opts.runtime_policy_hash = Some("mK1g_juiUE4SnMxLuqPiQCLFI5nZKqiP7CVEUSKk87o");
    opts.max_ttl_seconds = Some(1800);

    // The bare check: the same signing input and signature, already decoded.
    let (signing_input, sig_b64) = token.rsplit_once('.').unwrap();
    let sig = claw_core::b64::decode(sig_b64).unwrap();
    let sig = ed25519_dalek::Signature::from_slice(&sig).unwrap();
    let vk = ed25519_dalek::VerifyingKey::from_bytes(&issuer.verifying_key().to_bytes()).unwrap();

    let mut g = c.benchmark_group("cst");
    g.bench_function("claw_validate", |b| {
        b.iter(|| cst::validate(black_box(&token), &keys, &opts, now + 5).unwrap())
    });
    g.bench_function("bare_verify_strict", |b| {
        b.iter(|| {
            vk.verify_strict(black_box(signing_input.as_bytes()), &sig)
                .unwrap()
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);

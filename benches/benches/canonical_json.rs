//! Canonicalization throughput: claw's strict parse + JCS beside serde_json's parse + to_vec
//! on the same documents (serde_json does less: no duplicate/surrogate/number checks, no sort).
#![allow(clippy::disallowed_methods)] // tests may read JSON with serde_json (clippy.toml)
use claw_core::json::{self, Limits};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};

/// A receipt-shaped document: what claw canonicalizes most.
fn doc(n: usize) -> String {
    let items: Vec<String> = (0..n)
        .map(|i| {
            format!(
                r#"{{"receipt_id":"rcpt_{i:08}","tool_name":"shell.exec","args_hash_b64u":"mK1g_juiUE4SnMxLuqPiQCLFI5nZKqiP7CVEUSKk87o","latency_ms":{},"ok":true,"score":{}}}"#,
                i * 7,
                i as f64 / 3.0
            )
        })
        .collect();
    format!(
        r#"{{"bundle_version":"1","receipts":[{}]}}"#,
        items.join(",")
    )
}

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("canonicalize");
    for n in [10usize, 1000] {
        let text = doc(n);
        g.throughput(Throughput::Bytes(text.len() as u64));
        g.bench_with_input(
            BenchmarkId::new("claw_parse_strict_and_jcs", n),
            &text,
            |b, t| b.iter(|| json::canonicalize_bytes(t.as_bytes(), &Limits::STRICT).unwrap()),
        );
        let parsed = json::parse(text.as_bytes(), &Limits::STRICT).unwrap();
        g.bench_with_input(BenchmarkId::new("claw_jcs_only", n), &parsed, |b, v| {
            b.iter(|| json::canonicalize(v).unwrap())
        });
        g.bench_with_input(
            BenchmarkId::new("serde_json_parse_and_to_vec", n),
            &text,
            |b, t| {
                b.iter(|| {
                    let v: serde_json::Value = serde_json::from_str(t).unwrap();
                    serde_json::to_vec(&v).unwrap()
                })
            },
        );
        g.bench_with_input(
            BenchmarkId::new("serde_json_to_vec_only", n),
            &parsed,
            |b, v| b.iter(|| serde_json::to_vec(v).unwrap()),
        );
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);

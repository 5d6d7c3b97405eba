//! Fixtures shared by the benchmarks and the measuring binaries: the evidence tests' RNG and
//! bundle generator (`claw-core/tests/evidence_util`, included), bundles cached on disk, Merkle
//! leaves and a model call to sign.
#![allow(clippy::missing_panics_doc)]

#[path = "../../claw-core/tests/evidence_util/mod.rs"]
mod evidence_util;

use claw_core::evidence::ModelCall;
pub use evidence_util::{agent_key, build_mix as build, config, gateway, Mix, TestRng, T0};

/// The JSON bytes of a bundle with `n` receipts, cached under the system temp directory
/// (building 100k receipts takes several seconds; verification is what is measured).
pub fn bundle_bytes(n: usize, mix: Mix) -> Vec<u8> {
    let path = std::env::temp_dir().join(format!("claw-bench-bundle-{n}-{}-v1.json", mix.name()));
    if let Ok(b) = std::fs::read(&path) {
        return b;
    }
    let bytes = build(n, 100, mix).to_json().unwrap().into_bytes();
    let tmp = path.with_extension(format!("tmp{}", std::process::id()));
    if std::fs::write(&tmp, &bytes).is_ok() {
        let _ = std::fs::rename(&tmp, &path);
    }
    bytes
}

/// The leaves of a bundle (claw.receipt-leaf.v1: JCS of {kind, receipt}), as the verifier
/// hashes them.
pub fn bundle_leaves(n: usize) -> Vec<Vec<u8>> {
    let v: serde_json::Value = claw_core::json::parse(
        &bundle_bytes(n, Mix::Mixed),
        &claw_core::json::Limits::STRICT.with_max_bytes(1 << 30),
    )
    .unwrap();
    let p = &v["payload"];
    let mut leaves = Vec::new();
    for (array, kind) in [
        ("receipts", "gateway_receipt"),
        ("tool_receipts", "tool_receipt"),
        ("side_effect_receipts", "side_effect_receipt"),
        ("human_approval_receipts", "human_approval_receipt"),
        ("delegation_receipts", "delegation_receipt"),
    ] {
        for r in p[array].as_array().unwrap() {
            let leaf = serde_json::json!({"kind": kind, "receipt": r});
            leaves.push(claw_core::json::canonicalize(&leaf).unwrap());
        }
    }
    leaves
}

/// The model call both receipt benchmarks sign: a short chat request and its response.
pub fn receipt_call() -> ModelCall<'static> {
    ModelCall {
        provider: "anthropic",
        model: "claude-test",
        request: br#"{"model":"claude-test","messages":[{"role":"user","content":"Summarize the build log and list the failing tests."}],"max_tokens":1024}"#,
        response: br#"{"id":"msg_01","type":"message","content":[{"type":"text","text":"Two tests fail: evidence_big and cst_replay."}],"usage":{"input_tokens":31,"output_tokens":17}}"#,
        tokens_input: 31,
        tokens_output: 17,
        latency_ms: 850,
        timestamp_ms: T0,
        metadata: None,
    }
}

/// A `/proc/self/status` field in KiB (`VmRSS:`, `VmHWM:`), 0 where it cannot be read (not
/// Linux). Used by the peak-memory binaries.
pub fn status_kib(field: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .find_map(|l| {
            l.strip_prefix(field)?
                .trim()
                .strip_suffix("kB")?
                .trim()
                .parse()
                .ok()
        })
        .unwrap_or(0)
}

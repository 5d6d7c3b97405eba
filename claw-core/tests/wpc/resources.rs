//! Policies within every documented limit whose cost used to grow faster than their size
//! (tests/adversarial/README.md, "Resource exhaustion").

use claw_core::wpc::{CompiledPolicy, NoContext, Policy, Request, Verdict};
use serde_json::json;
use std::time::{Duration, Instant};

/// The index hasher compilation used (`FastHasher`: unkeyed, `(rotl(h, 5) ^ word) * K` per
/// 8-byte word, then the `0xff` that ends a `str`), reproduced to build colliding keys.
const K: u64 = 0x51_7c_c1_b7_27_22_0a_95;

fn step(h: u64, w: u64) -> u64 {
    (h.rotate_left(5) ^ w).wrapping_mul(K)
}

/// `n` (a square, at most 2^32) distinct 32-byte resource names (printable ASCII, no glob
/// character) that all had one hash under the old index hasher. A "zero block" is 16 bytes
/// taking the hasher's state from 0 back to 0 (8 free letters, then the 8 bytes solved for,
/// kept when printable); any sequence of zero blocks hashes alike, so √n blocks give n names.
fn colliding_names(n: usize) -> Vec<String> {
    let ok = |b: u8| (0x21..0x7f).contains(&b) && !b"*?\\\"".contains(&b);
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut blocks: Vec<[u8; 16]> = Vec::new();
    while blocks.len() * blocks.len() < n {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let w1 = x.to_le_bytes().map(|b| b'a' + b % 26);
        let w2 = step(0, u64::from_le_bytes(w1)).rotate_left(5).to_le_bytes();
        assert_eq!(
            step(step(0, u64::from_le_bytes(w1)), u64::from_le_bytes(w2)),
            0
        );
        if w2.iter().all(|b| ok(*b)) {
            let mut b = [0u8; 16];
            b[..8].copy_from_slice(&w1);
            b[8..].copy_from_slice(&w2);
            blocks.push(b);
        }
    }
    let names: Vec<String> = blocks
        .iter()
        .flat_map(|a| blocks.iter().map(move |b| [*a, *b].concat()))
        // Only printable ASCII: valid UTF-8.
        .map(|bytes| String::from_utf8(bytes).unwrap())
        .collect();
    names
}

/// A policy of 64 statements, each allowing the same 64 literal actions on 256 literal
/// resources of its own, every resource name colliding under the old index hasher (640 KB,
/// under the 1 MiB bound; 64 statements, 64 actions and 256 resources are the schema's
/// maxima). Compiling it filed 16,384 colliding names in each of 64 buckets of a hash map
/// whose hasher anyone can invert: quadratic, about 8.6 × 10⁹ key comparisons (minutes).
/// With a keyed hasher it compiles in linear time.
#[test]
fn policy_with_colliding_resource_names_compiles_in_linear_time() {
    let mut names = colliding_names(64 * 256);
    names.sort();
    names.dedup();
    assert_eq!(names.len(), 64 * 256);
    let actions: Vec<String> = (0..64).map(|i| format!("tool:a{i}")).collect();
    let statements: Vec<_> = names
        .chunks(256)
        .enumerate()
        .map(|(i, rs)| {
            json!({"sid": format!("s{i}"), "effect": "Allow", "actions": actions, "resources": rs})
        })
        .collect();
    let doc = json!({"policy_version": "2", "policy_id": "p", "issuer_did": "did:web:example.com",
                     "statements": statements});
    let text = serde_json::to_vec(&doc).unwrap();
    assert!(text.len() < 1 << 20, "{} bytes", text.len());
    let policy = Policy::parse(&text).unwrap();
    let t = Instant::now();
    let compiled = CompiledPolicy::compile(&policy).unwrap();
    let took = t.elapsed();
    assert!(took < Duration::from_secs(10), "compiled in {took:?}");
    // The index still answers: every name allowed for every action, nothing else.
    let last = &names[names.len() - 1];
    let d = compiled.decide(&Request::new("tool:a63", last, &NoContext, 1_800_000_000));
    assert_eq!(d.verdict, Verdict::Allow);
    let d = compiled.decide(&Request::new("tool:a64", last, &NoContext, 1_800_000_000));
    assert_eq!(d.verdict, Verdict::Deny);
}

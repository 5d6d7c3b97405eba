//! Tampering with a valid 1,000-receipt bundle: dropping, reordering, duplicating or changing
//! one character of any receipt, event or signature fails with the expected reason code.
//! Positions are sampled deterministically.
//!
//! Two attackers: one without the agent key (the bundle is not re-signed: every payload
//! change is a HASH_MISMATCH, a signature change SIGNATURE_INVALID), and the agent itself
//! re-signing a doctored bundle (the inner checks must still catch it).

mod common;
mod evidence_util;

use claw_core::evidence::{verify_bundle, verify_bundle_with_tree, ReceiptKind, VerifyConfig};
use evidence_util::*;
use serde_json::Value;

/// Change one character of a base64url string, keeping it base64url and its length.
fn flip(s: &str, at: usize) -> String {
    let mut c: Vec<char> = s.chars().collect();
    let i = at % c.len();
    c[i] = if c[i] == 'A' { 'B' } else { 'A' };
    c.into_iter().collect()
}

/// Deterministic positions: first, last, and a few spread by a fixed LCG.
fn positions(n: usize, seed: u64) -> Vec<usize> {
    let mut x = seed;
    let mut out = vec![0, n - 1];
    for _ in 0..2 {
        x = x
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        out.push((x >> 33) as usize % n);
    }
    out.sort();
    out.dedup();
    out
}

fn code(env: &Value, cfg: &VerifyConfig) -> &'static str {
    let bytes = text(env);
    let v = verify_bundle(&bytes, cfg);
    // The streamed verifier (these bundles have more than 512 items) and the parsed tree
    // give the same verdict, component for component.
    assert_eq!(v, verify_bundle_with_tree(&bytes, cfg));
    assert!(!v.valid || v.reason_code == "OK");
    v.reason_code
}

fn receipt_payload(r: &Value) -> &Value {
    if r.get("envelope_type").is_some() {
        &r["payload"]
    } else {
        r
    }
}

/// `_b64u` fields of a receipt, as JSON pointers relative to the receipt.
fn hash_fields(r: &Value) -> Vec<String> {
    let mut out = Vec::new();
    let base = if r.get("envelope_type").is_some() {
        "/payload"
    } else {
        ""
    };
    for (k, v) in receipt_payload(r).as_object().unwrap() {
        if k.ends_with("_b64u") && v.is_string() {
            out.push(format!("{base}/{k}"));
        }
    }
    out.push(format!("{base}/binding/event_hash_b64u"));
    if r.get("envelope_type").is_some() {
        out.push("/payload_hash_b64u".into());
        out.push("/signature_b64u".into());
    }
    out
}

#[test]
fn tampering_with_1000_receipts() {
    let bundle = build(1000, 42);
    let env = bundle.envelope().to_value();
    let cfg = config();
    assert_eq!(code(&env, &cfg), "OK");
    let mut strict = config();
    strict.spec_strict = true;
    let mut checked = 0;

    // The bundle signature.
    for at in [0, 17, 85] {
        let mut e = env.clone();
        e["signature_b64u"] = Value::String(flip(e["signature_b64u"].as_str().unwrap(), at));
        assert_eq!(code(&e, &cfg), "SIGNATURE_INVALID");
        checked += 1;
    }

    for kind in ReceiptKind::ALL {
        let name = kind.array_name();
        let items = env["payload"][name].as_array().unwrap().clone();
        let n = items.len();
        assert!(n >= 200, "{name}: {n}");
        for (k, &i) in positions(n, kind as u64 + 1).iter().enumerate() {
            let j = if i + 1 < n { i + 1 } else { i - 1 };
            // Drop, reorder, duplicate.
            let mutations: Vec<(&str, Vec<Value>)> = vec![
                ("drop", {
                    let mut a = items.clone();
                    a.remove(i);
                    a
                }),
                ("reorder", {
                    let mut a = items.clone();
                    a.swap(i, j);
                    a
                }),
                ("duplicate", {
                    let mut a = items.clone();
                    a.insert(i, items[i].clone());
                    a
                }),
            ];
            for (what, arr) in mutations {
                let mut e = env.clone();
                e["payload"][name] = Value::Array(arr);
                assert_eq!(code(&e, &cfg), "HASH_MISMATCH", "{name}[{i}] {what}");
                resign(&mut e);
                let got = if what == "reorder" {
                    code(&e, &strict)
                } else {
                    code(&e, &cfg)
                };
                let expected: &[&str] = match what {
                    "reorder" => &["UNSORTED_RECEIPT_ARRAY"],
                    "drop" if kind == ReceiptKind::Gateway => {
                        // Dropping a model call's receipt can orphan the spans others name.
                        &[
                            "INVALID_ROOT",
                            "CAUSAL_REFERENCE_DANGLING",
                            "CAUSAL_SIDE_EFFECT_ORPHANED",
                            "CAUSAL_HUMAN_APPROVAL_ORPHANED",
                        ]
                    }
                    _ => &["INVALID_ROOT"],
                };
                assert!(
                    expected.contains(&got),
                    "{name}[{i}] {what} re-signed: {got}"
                );
                if what == "drop" && kind == ReceiptKind::Gateway {
                    let span = items[i]["payload"]["binding"]["span_id"].as_str().unwrap();
                    let is_root = items[i]["payload"]["binding"]
                        .get("parent_span_id")
                        .is_none();
                    let orphans_se = env["payload"]["side_effect_receipts"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .any(|r| r["binding"]["parent_span_id"] == span);
                    let want = if is_root {
                        "CAUSAL_REFERENCE_DANGLING"
                    } else if orphans_se {
                        "CAUSAL_SIDE_EFFECT_ORPHANED"
                    } else {
                        "INVALID_ROOT"
                    };
                    assert_eq!(got, want, "{name}[{i}] drop re-signed");
                }
                checked += 2;
            }
            // One character of one hash / signature field.
            let fields = hash_fields(&items[i]);
            let ptr = &fields[k % fields.len()];
            for field in [ptr.clone(), fields[(k + 3) % fields.len()].clone()] {
                let mut e = env.clone();
                let slot = e["payload"][name][i].pointer_mut(&field).unwrap();
                *slot = Value::String(flip(slot.as_str().unwrap(), i + 5));
                assert_eq!(code(&e, &cfg), "HASH_MISMATCH", "{name}[{i}]{field}");
                resign(&mut e);
                let got = code(&e, &cfg);
                let expected = match (kind, field.as_str()) {
                    (ReceiptKind::Gateway, _) => "RECEIPT_VERIFICATION_FAILED",
                    (ReceiptKind::Tool, "/payload/binding/event_hash_b64u") => {
                        "RECEIPT_BINDING_MISMATCH"
                    }
                    (ReceiptKind::Tool, "/signature_b64u") => "SIGNATURE_INVALID",
                    (ReceiptKind::Tool, _) => "HASH_MISMATCH",
                    (_, "/binding/event_hash_b64u") => "RECEIPT_BINDING_MISMATCH",
                    _ => "INVALID_ROOT",
                };
                assert_eq!(got, expected, "{name}[{i}]{field} re-signed");
                checked += 2;
            }
        }
    }

    // Events.
    let events = env["payload"]["event_chain"].as_array().unwrap().clone();
    let n = events.len();
    for &i in &positions(n, 99) {
        for field in [
            "payload_hash_b64u",
            "event_hash_b64u",
            "prev_hash_b64u",
            "drop",
            "reorder",
            "duplicate",
        ] {
            if field == "prev_hash_b64u" && i == 0 {
                continue;
            }
            let mut e = env.clone();
            let chain = e["payload"]["event_chain"].as_array_mut().unwrap();
            match field {
                "drop" => {
                    chain.remove(i);
                }
                "reorder" => {
                    let j = if i + 1 < n { i + 1 } else { i - 1 };
                    chain.swap(i, j);
                }
                "duplicate" => chain.insert(i, events[i].clone()),
                f => {
                    let s = chain[i][f].as_str().unwrap();
                    chain[i][f] = Value::String(flip(s, i));
                }
            }
            // A duplicated event repeats its event_id, which step 12 refuses before the hash.
            let unsigned = if field == "duplicate" {
                "MALFORMED_ENVELOPE"
            } else {
                "HASH_MISMATCH"
            };
            assert_eq!(code(&e, &cfg), unsigned, "event {i} {field}");
            resign(&mut e);
            let got = code(&e, &cfg);
            let expected: &[&str] = match field {
                "payload_hash_b64u" => &["HASH_MISMATCH"],
                "event_hash_b64u" if i + 1 == n => &["HASH_MISMATCH"],
                "duplicate" => &["MALFORMED_ENVELOPE"], // duplicate event_id
                // A receipt bound to a vanished event, or a broken link.
                "drop" if i + 1 == n => &[
                    "RECEIPT_BINDING_MISMATCH",
                    "RECEIPT_VERIFICATION_FAILED",
                    "INVALID_ROOT",
                ],
                _ => &["MALFORMED_ENVELOPE"],
            };
            assert!(
                expected.contains(&got),
                "event {i} {field} re-signed: {got}"
            );
            checked += 2;
        }
    }
    println!("{checked} tampered bundles rejected");
    assert!(checked > 150);
}

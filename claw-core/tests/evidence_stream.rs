//! The streamed verifier (bundles of more than 512 items) against the parsed tree, on the
//! shapes where the two could part: legacy gateway entries set aside (and the count falling
//! to 512 or fewer), a wrapped envelope, an element that is not strict JSON, schema errors in
//! arrays that come in another order than the schema's, a full tie in Merkle leaf order, and
//! the CLI's document verifier. Each verdict must equal the tree's, component for component.

mod common;
mod evidence_util;

use claw_core::evidence::{
    verify_bundle, verify_bundle_with_tree, verify_document, DocumentVerdict, Verdict,
    VerifyConfig, PROOF_BUNDLE_BIG_ARRAYS,
};
use evidence_util::*;
use serde_json::{json, Value};

/// The verdict, checked against the tree's.
fn same(bytes: &[u8], cfg: &VerifyConfig) -> Verdict {
    let v = verify_bundle(bytes, cfg);
    assert_eq!(v, verify_bundle_with_tree(bytes, cfg));
    v
}

fn big() -> Value {
    build(600, 7).envelope().to_value()
}

#[test]
fn legacy_entries_are_set_aside_as_the_tree_does() {
    let cfg = config();
    let env = big();
    assert!(same(&text(&env), &cfg).valid);
    // Legacy raw entries among the gateway receipts, signed into the payload by the agent:
    // set aside for every step, covered by the hash.
    let mut e = env.clone();
    let receipts = e["payload"]["receipts"].as_array_mut().unwrap();
    receipts.insert(
        3,
        json!({"receipt_type": "model_call", "receipt_id": "legacy_1"}),
    );
    receipts.push(json!({"receipt_type": "model_call", "receipt_id": "legacy_2"}));
    resign(&mut e);
    let v = same(&text(&e), &cfg);
    assert!(v.valid, "{}", v.reason);
    // The same with a legacy entry that fails nothing but is changed after signing.
    e["payload"]["receipts"][3]["receipt_id"] = json!("legacy_x");
    assert_eq!(same(&text(&e), &cfg).reason_code, "HASH_MISMATCH");
}

#[test]
fn legacy_entries_can_bring_a_bundle_back_to_the_whole_envelope_schema() {
    // 513 items of which two are legacy: 511 remain, so the schema checks the envelope in
    // one pass; the streamed verifier leaves it to the tree.
    let cfg = config();
    let mut env = build(60, 3).envelope().to_value();
    let p = &mut env["payload"];
    let have: usize = PROOF_BUNDLE_BIG_ARRAYS
        .iter()
        .map(|k| p[*k].as_array().map_or(0, Vec::len))
        .sum();
    assert!(have < 511, "{have}");
    let receipts = p["receipts"].as_array_mut().unwrap();
    for i in 0..(513 - have) {
        receipts.push(json!({"receipt_type": "model_call", "receipt_id": format!("legacy_{i}")}));
    }
    resign(&mut env);
    let v = same(&text(&env), &cfg);
    assert!(v.valid, "{}", v.reason);
}

#[test]
fn a_wrapped_envelope_and_a_wrapper_with_a_second_payload() {
    let cfg = config();
    let wrapped = json!({"description": "a run", "envelope": big()});
    assert!(same(&text(&wrapped), &cfg).valid);
    // A wrapper carrying a payload of its own beside the envelope is ambiguous.
    let mut two = wrapped.clone();
    two["payload"] = json!({"event_chain": [1, 2, 3]});
    assert_eq!(same(&text(&two), &cfg).reason_code, "AMBIGUOUS_DOCUMENT");
}

#[test]
fn an_element_that_is_not_strict_json_is_invalid_json() {
    let cfg = config();
    let good = String::from_utf8(text(&big())).unwrap();
    // A duplicate key inside one event, and a lone surrogate inside one receipt.
    let dup = good.replacen("\"event_id\":", "\"event_id\":\"x\",\"event_id\":", 300);
    let v = same(dup.as_bytes(), &cfg);
    assert_eq!(v.reason_code, "INVALID_JSON");
    let lone = good.replacen("\"receipt_id\":\"", "\"receipt_id\":\"\\ud800", 1);
    assert_eq!(same(lone.as_bytes(), &cfg).reason_code, "INVALID_JSON");
}

#[test]
fn schema_errors_are_reported_in_schema_order_whatever_the_document_order() {
    let cfg = config();
    let mut env = big();
    // Delegation receipts come before the event chain in the document (sorted keys); an
    // error in both reports the event chain's.
    env["payload"]["delegation_receipts"][5]["unknown_member"] = json!(1);
    env["payload"]["event_chain"][400]["event_id"] = json!("");
    resign(&mut env);
    let v = same(&text(&env), &cfg);
    assert_eq!(v.reason_code, "SCHEMA_VALIDATION_FAILED");
    assert!(v.reason.contains("event_chain[400]"), "{}", v.reason);
    // And a skeleton error outranks both.
    env["payload"]["bundle_version"] = json!("9");
    resign(&mut env);
    let v = same(&text(&env), &cfg);
    assert!(!v.reason.contains("event_chain[400]"), "{}", v.reason);
}

#[test]
fn a_full_tie_in_leaf_order_is_broken_by_the_leaf_bytes() {
    // Two delegation receipts with the same id, bound to the same event, in both orders: the
    // Merkle root is over the leaf bytes' order, so one order is VALID, and both verifiers
    // say which.
    let cfg = config();
    let env = big();
    let dl = env["payload"]["delegation_receipts"]
        .as_array()
        .unwrap()
        .clone();
    let mut twin = dl[0].clone();
    twin["task_description"] = json!("a twin with other bytes");
    let mut verdicts = Vec::new();
    for first in [true, false] {
        let mut e = env.clone();
        let arr = e["payload"]["delegation_receipts"].as_array_mut().unwrap();
        if first {
            arr.insert(1, twin.clone());
        } else {
            arr.insert(0, twin.clone());
        }
        resign(&mut e);
        verdicts.push(same(&text(&e), &cfg).reason_code);
    }
    // The metadata's root was computed without the twin: both fail C3, identically in each
    // verifier; the point is that the tie-break re-reads the receipts without a panic.
    assert!(verdicts.iter().all(|c| *c != "OK"), "{verdicts:?}");
}

#[test]
fn the_document_verifier_streams_a_large_proof_bundle() {
    let cfg = config();
    let env = big();
    let bytes = text(&env);
    match verify_document(&bytes, &cfg) {
        DocumentVerdict::Proof(v) => assert_eq!(v, verify_bundle_with_tree(&bytes, &cfg)),
        _ => panic!("a proof bundle"),
    }
    let mut bad = env.clone();
    bad["payload"]["tool_receipts"][9]["signature_b64u"] = json!("AAAA");
    let bytes = text(&bad);
    match verify_document(&bytes, &cfg) {
        DocumentVerdict::Proof(v) => {
            assert!(!v.valid);
            assert_eq!(v, verify_bundle_with_tree(&bytes, &cfg));
        }
        _ => panic!("a proof bundle"),
    }
}

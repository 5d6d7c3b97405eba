//! The receipt's JSON texts are written once (`receipt::Signed`) and spliced into the
//! response, the sink and the SSE trailer. These tests pin that the bytes are exactly what
//! serializing the receipt objects gave before (so the wire did not change), and that both
//! receipts still verify by their rules: the envelope (`docs/SPEC.md` §3, `STRINGIFY` hash
//! rule) and the legacy `_receipt` (Ed25519 over `JSON.stringify` of every member but
//! `signature`, members in the reference's order).

use std::time::Instant;

use claw_core::envelope::{Envelope, Signers, VerifyOptions};
use claw_core::evidence::Binding;
use claw_core::keys::{SigningKey, VerifyingKey};
use claw_core::wpc::ReceiptPrivacyMode;
use claw_gateway::config::{self, Overrides};
use claw_gateway::proxy::{merge_receipt, receipted_error};
use claw_gateway::receipt::{self, Call, CallResult, Outcome, Signed};
use claw_gateway::state::State;
use http_body_util::BodyExt;
use hyper::StatusCode;
use serde_json::{json, Value};

fn state(dir: &std::path::Path) -> State {
    let gw = SigningKey::from_seed(&[1; 32]);
    let issuer = SigningKey::from_seed(&[2; 32]);
    std::fs::write(dir.join("gw.jwk"), gw.to_jwk()).unwrap();
    std::fs::write(dir.join("issuer.jwk"), issuer.verifying_key().to_jwk()).unwrap();
    let o = Overrides {
        signing_key: Some(dir.join("gw.jwk")),
        cst_issuers: vec![dir.join("issuer.jwk")],
        audience: Some("claw-gateway".into()),
        upstreams: vec!["openai=http://127.0.0.1:9".into()],
        ..Overrides::default()
    };
    State::load(config::resolve(None, o).unwrap()).unwrap()
}

fn call(model: &str, binding: Option<Binding>, nonce: Option<&str>) -> Call {
    Call {
        provider: "openai".into(),
        model: model.into(),
        binding,
        nonce: nonce.map(str::to_string),
        stream: false,
        started: Instant::now(),
        started_ms: 1_900_000_000_123,
        request_sha256: [7; 32],
        privacy: ReceiptPrivacyMode::HashOnly,
        redacted: false,
    }
}

fn result(outcome: Outcome, status: Option<u16>) -> CallResult {
    CallResult {
        status,
        outcome,
        response_sha256: [9; 32],
        response_bytes: 1234,
        tokens_input: 5,
        tokens_output: 2,
    }
}

/// Models that need JSON escaping (quotes, backslash, control characters, DEL, U+2028,
/// non-ASCII), with and without a binding.
fn receipts(st: &State) -> Vec<Signed> {
    let binding = Binding {
        run_id: "run_\"x\"".into(),
        event_hash_b64u: claw_core::b64::encode([4u8; 32]),
        nonce: Some("nonce-1".into()),
        policy_hash: Some("ph\\1".into()),
        token_scope_hash_b64u: Some(claw_core::b64::encode([5u8; 32])),
        span_id: None,
        parent_span_id: None,
    };
    let models = ["gpt-4o", "q\"u\\o\u{1}\u{1f}\u{7f}\n\t\u{2028}é😀</"];
    let mut out = Vec::new();
    for m in models {
        for (b, n) in [(None, None), (Some(binding.clone()), Some("nonce-1"))] {
            for (o, s) in [
                (Outcome::Complete, Some(200)),
                (Outcome::UpstreamError, None),
            ] {
                out.push(receipt::sign(st, &call(m, b.clone(), n), &result(o, s)).unwrap());
            }
        }
    }
    out
}

#[test]
fn receipt_texts_are_the_serialized_receipts_and_verify() {
    let t = tempfile::tempdir().unwrap();
    let st = state(t.path());
    let did = SigningKey::from_seed(&[1; 32]).verifying_key().did();
    for s in receipts(&st) {
        // The envelope: what serde_json and RFC 8785 write for it, byte for byte.
        let v = s.envelope.to_value();
        assert_eq!(&s.envelope_json[..], &serde_json::to_vec(&v).unwrap()[..]);
        assert_eq!(
            &s.envelope_json[..],
            &claw_core::json::canonicalize(&v).unwrap()[..]
        );
        let parsed = Envelope::parse(&s.envelope_json, &claw_core::json::Limits::STRICT).unwrap();
        let ok = parsed
            .verify(&VerifyOptions {
                expected_type: "gateway_receipt",
                signers: Signers::OneOf(std::slice::from_ref(&did)),
                now: None,
            })
            .unwrap();
        assert_eq!(ok.payload, s.envelope.payload);
        // The legacy receipt: serde_json's text of the object, `signature` last.
        assert_eq!(
            &s.legacy_json[..],
            &serde_json::to_vec(&s.legacy).unwrap()[..]
        );
        let mut m = s.legacy.as_object().unwrap().clone();
        assert_eq!(m.keys().next_back().map(String::as_str), Some("signature"));
        let sig = m.shift_remove("signature").unwrap();
        let signed_text = serde_json::to_vec(&m).unwrap();
        VerifyingKey::from_did(&did)
            .unwrap()
            .verify_b64u(&signed_text, sig.as_str().unwrap())
            .unwrap();
        // The key: the nonce, else the receipt id.
        let rid = s.envelope.payload["receipt_id"].as_str().unwrap();
        assert!(s.key == "nonce-1" || s.key == rid);
    }
}

#[test]
fn spliced_bodies_equal_the_bodies_built_from_values() {
    let t = tempfile::tempdir().unwrap();
    let st = state(t.path());
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    for s in receipts(&st) {
        // A provider's JSON object: the receipts appended as its last members.
        let body = br#"{"id":"chatcmpl-1","choices":[],"usage":{"prompt_tokens":5}}"#;
        let parsed = claw_core::json::parse(body, &claw_core::json::Limits::STRICT).unwrap();
        let mut want = parsed.as_object().unwrap().clone();
        want.insert("_receipt".into(), s.legacy.clone());
        want.insert("_receipt_envelope".into(), s.envelope.to_value());
        let got = merge_receipt(body, Some(&parsed), StatusCode::OK, &s);
        assert_eq!(got, serde_json::to_vec(&Value::Object(want)).unwrap());
        // A refusal that carries the receipts.
        let r = receipted_error(StatusCode::BAD_GATEWAY, "PROVIDER_ERROR", "m\"x", &s);
        assert_eq!(r.status(), StatusCode::BAD_GATEWAY);
        let bytes = rt.block_on(r.into_body().collect()).unwrap().to_bytes();
        let want = json!({
            "error": {"code": "PROVIDER_ERROR", "message": "m\"x"},
            "reason_code": "PROVIDER_ERROR",
            "_receipt": s.legacy,
            "_receipt_envelope": s.envelope.to_value(),
        });
        assert_eq!(&bytes[..], &serde_json::to_vec(&want).unwrap()[..]);
        // The SSE trailer: what the value-based writer gives.
        let legacy = claw_core::json::canonicalize(&s.legacy).unwrap();
        assert_eq!(
            claw_core::evidence::sse_trailer_from_json(&s.envelope_json, Some(&legacy)),
            claw_core::evidence::sse_trailer(&s.envelope.to_value(), Some(&s.legacy)).unwrap()
        );
    }
}

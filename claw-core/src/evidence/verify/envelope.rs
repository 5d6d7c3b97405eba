//! docs/SPEC.md §6.3 steps 1–9 (the envelope's shape and header) and 15–17 (its payload
//! hash and the agent's signature) [envelope].

use super::super::schema::is_b64u_chars;
use super::config::VerifyConfig;
use super::failure::{Detail, Step, StepResult, VerifyFailure};
use super::helpers::{did_format_ok, did_key, parse_ms};
use super::view::Header;
use serde_json::Value;

const E: Step = Step::Envelope;

/// The members every envelope must carry: all of `envelope::FIELDS` but the optional
/// `expires_at`, its last.
const ENVELOPE_KEYS: &[&str] = crate::envelope::FIELDS
    .split_at(crate::envelope::FIELDS.len() - 1)
    .0;

const ENVELOPE_TYPES: [&str; 16] = [
    "artifact_signature",
    "message_signature",
    "gateway_receipt",
    "vir_receipt",
    "web_receipt",
    "coverage_attestation",
    "binary_semantic_evidence",
    "proof_bundle",
    "event_chain",
    "owner_attestation",
    "commit_proof",
    "execution_attestation",
    "derivation_attestation",
    "audit_result_attestation",
    "export_bundle",
    "scoped_token",
];

/// Steps 1–9: an object with the nine envelope keys, version "1", type `proof_bundle`,
/// Ed25519, a known hash algorithm, a DID signer, dates, not expired, base64url hash and
/// signature. Returns the header for the later steps.
pub(crate) fn check_header<'a>(env: &'a Value, cfg: &VerifyConfig) -> StepResult<Header<'a>> {
    // 1. Shape.
    let Some(eo) = env.as_object() else {
        return Err(VerifyFailure::malformed_envelope(
            E,
            "bundle must be a JSON object",
            None,
        ));
    };
    let looks = eo.contains_key("envelope_version")
        && eo.contains_key("payload")
        && eo.contains_key("signature_b64u");
    if !looks {
        // Deviation: the reference would verify a raw payload without any signature.
        return Err(VerifyFailure::malformed_envelope(
            E,
            "not a signed envelope (raw bundle payloads are refused)",
            None,
        ));
    }
    if let Some(k) = ENVELOPE_KEYS.iter().find(|k| !eo.contains_key(**k)) {
        return Err(VerifyFailure::malformed_envelope(
            E,
            format!("missing envelope field {k}"),
            Some(k),
        ));
    }
    // 3–9.
    if env["envelope_version"].as_str() != Some("1") {
        return Err(VerifyFailure::UnknownEnvelopeVersion(Detail::new(
            E,
            "envelope_version must be \"1\"",
            Some("envelope_version"),
        )));
    }
    let etype = env["envelope_type"].as_str().unwrap_or("");
    if !ENVELOPE_TYPES.contains(&etype) || etype != "proof_bundle" {
        return Err(VerifyFailure::UnknownEnvelopeType(Detail::new(
            E,
            "envelope_type must be proof_bundle",
            Some("envelope_type"),
        )));
    }
    if env["algorithm"].as_str() != Some("Ed25519") {
        return Err(VerifyFailure::UnknownAlgorithm(Detail::new(
            E,
            "algorithm must be Ed25519",
            Some("algorithm"),
        )));
    }
    let hash_algorithm = env["hash_algorithm"].as_str().unwrap_or("");
    if !matches!(hash_algorithm, "SHA-256" | "BLAKE3") {
        return Err(VerifyFailure::UnknownHashAlgorithm(Detail::new(
            E,
            "hash_algorithm must be SHA-256",
            Some("hash_algorithm"),
        )));
    }
    let signer_did = env["signer_did"].as_str().unwrap_or("");
    if !did_format_ok(signer_did) {
        return Err(VerifyFailure::invalid_did_format(
            E,
            "signer_did is not a did:key/did:web DID",
            Some("signer_did"),
        ));
    }
    if parse_ms(env["issued_at"].as_str()).is_none() {
        return Err(VerifyFailure::malformed_envelope(
            E,
            "issued_at is not a date-time",
            Some("issued_at"),
        ));
    }
    if let Some(exp) = env.get("expires_at") {
        let Some(exp_ms) = parse_ms(exp.as_str()) else {
            return Err(VerifyFailure::malformed_envelope(
                E,
                "expires_at is not a date-time",
                Some("expires_at"),
            ));
        };
        if cfg.now_ms > exp_ms.saturating_add(cfg.ttl_skew_ms) {
            return Err(VerifyFailure::expired_ttl(
                E,
                "bundle envelope expired",
                Some("expires_at"),
            ));
        }
    }
    let payload_hash_b64u = env["payload_hash_b64u"].as_str().unwrap_or("");
    let signature_b64u = env["signature_b64u"].as_str().unwrap_or("");
    if !is_b64u_chars(payload_hash_b64u) || !is_b64u_chars(signature_b64u) {
        return Err(VerifyFailure::malformed_envelope(
            E,
            "payload_hash_b64u / signature_b64u are not base64url",
            None,
        ));
    }
    Ok(Header {
        hash_algorithm,
        signer_did,
        payload_hash_b64u,
        signature_b64u,
        payload: &env["payload"],
    })
}

/// Steps 15–17: the payload hash (`bundle_hash`, computed by the caller, `None` when the
/// payload cannot be serialized) equals `payload_hash_b64u` under SHA-256, the signer is an
/// Ed25519 did:key, and its `verify_strict` signature over the hash holds.
pub(crate) fn check_signature(h: &Header<'_>, bundle_hash: Option<&str>) -> StepResult {
    if h.hash_algorithm != "SHA-256" || bundle_hash != Some(h.payload_hash_b64u) {
        return Err(VerifyFailure::hash_mismatch(
            E,
            "payload_hash_b64u does not match the payload",
            Some("payload_hash_b64u"),
        ));
    }
    let Ok(key) = did_key(h.signer_did) else {
        return Err(VerifyFailure::invalid_did_format(
            E,
            "signer_did is not an Ed25519 did:key",
            Some("signer_did"),
        ));
    };
    let sig_valid = key.is_some_and(|k| {
        k.verify_b64u(h.payload_hash_b64u.as_bytes(), h.signature_b64u)
            .is_ok()
    });
    if !sig_valid {
        return Err(VerifyFailure::signature_invalid(
            E,
            "bundle signature does not verify for signer_did",
            Some("signature_b64u"),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn env() -> Value {
        json!({
            "envelope_version": "1", "envelope_type": "proof_bundle", "payload": {},
            "payload_hash_b64u": "abc", "hash_algorithm": "SHA-256", "signature_b64u": "def",
            "algorithm": "Ed25519", "signer_did": "did:key:z6Mk", "issued_at": "2026-01-01T00:00:00Z",
        })
    }

    fn code(v: &Value) -> &'static str {
        match check_header(v, &VerifyConfig::new(0)) {
            Ok(_) => "OK",
            Err(e) => e.reason_code(),
        }
    }

    #[test]
    fn header_checks_in_order() {
        assert_eq!(code(&env()), "OK");
        assert_eq!(code(&json!([])), "MALFORMED_ENVELOPE");
        let mut e = env();
        e.as_object_mut().map(|o| o.remove("issued_at"));
        assert_eq!(code(&e), "MALFORMED_ENVELOPE");
        for (k, v, want) in [
            ("envelope_version", json!("2"), "UNKNOWN_ENVELOPE_VERSION"),
            (
                "envelope_type",
                json!("gateway_receipt"),
                "UNKNOWN_ENVELOPE_TYPE",
            ),
            ("algorithm", json!("ES256"), "UNKNOWN_ALGORITHM"),
            ("hash_algorithm", json!("MD5"), "UNKNOWN_HASH_ALGORITHM"),
            ("signer_did", json!("did:x:1"), "INVALID_DID_FORMAT"),
            ("issued_at", json!("yesterday"), "MALFORMED_ENVELOPE"),
            ("expires_at", json!("1970-01-01T00:00:00Z"), "OK"),
            ("expires_at", json!("1969-12-31T23:59:59Z"), "EXPIRED_TTL"),
            ("signature_b64u", json!("a+b"), "MALFORMED_ENVELOPE"),
        ] {
            let mut e = env();
            e[k] = v;
            assert_eq!(code(&e), want, "{k}");
        }
    }

    #[test]
    fn signature_step_refuses_blake3_and_a_wrong_hash() {
        let e = env();
        let h = check_header(&e, &VerifyConfig::new(0)).map_err(|e| e.reason_code());
        let Ok(mut h) = h else { panic!("{h:?}") };
        let c =
            |h: &Header<'_>, x: Option<&str>| check_signature(h, x).map_err(|e| e.reason_code());
        assert_eq!(c(&h, Some("abd")), Err("HASH_MISMATCH"));
        assert_eq!(c(&h, None), Err("HASH_MISMATCH"));
        // Right hash, a did:key that does not decode.
        assert_eq!(c(&h, Some("abc")), Err("INVALID_DID_FORMAT"));
        h.hash_algorithm = "BLAKE3";
        assert_eq!(c(&h, Some("abc")), Err("HASH_MISMATCH"));
    }
}

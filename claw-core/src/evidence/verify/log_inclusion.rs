//! claw's C1 [log_inclusion]: `metadata.log_inclusion_proof` of gateway receipts, with the
//! reference log's Merkle rule and signed root.

use super::super::schema;
use super::config::VerifyConfig;
use super::failure::{Detail, Step, StepResult, VerifyFailure};
use super::gateway_facts::GatewayFacts;
use super::helpers::{arr, did_key, js_hash, str_of};
use crate::b64;
use crate::error::{Error, ErrorKind};
use serde_json::Value;

/// Verify a `log_inclusion_proof.v1` with the reference log's Merkle rule
/// (`SHA-256(left ‖ right)`, last node duplicated on odd levels, `metadata.leaf_index`) and
/// its signed root (Ed25519 by `root_signature.signer_did` over the UTF-8 of
/// `root_hash_b64u`). When `trusted` is non-empty the root signer must be in it. When
/// `expected_leaf_b64u` is given the proof's leaf must equal it.
pub fn verify_log_inclusion_proof(
    proof: &Value,
    trusted: &[String],
    expected_leaf_b64u: Option<&str>,
) -> Result<(), Error> {
    let err = |code: &'static str, m: &str| Error::new(ErrorKind::Merkle, code, m.to_string());
    schema::log_inclusion_proof()
        .validate(proof, "$")
        .map_err(|e| {
            err(
                "SCHEMA_VALIDATION_FAILED",
                &format!("{}: {}", e.path, e.message),
            )
        })?;
    let size = proof["tree_size"].as_f64().unwrap_or(-1.0);
    let index = proof
        .get("metadata")
        .and_then(|m| m.get("leaf_index"))
        .and_then(Value::as_f64);
    let Some(index) = index.filter(|i| {
        i.fract() == 0.0 && *i >= 0.0 && *i < size && size >= 1.0 && size.fract() == 0.0
    }) else {
        return Err(err(
            "INCLUSION_PROOF_INVALID",
            "metadata.leaf_index must be an integer in [0, tree_size)",
        ));
    };
    let (idx, size) = (index as u64, size as u64);
    let path = arr(proof, "audit_path");
    let leaf = str_of(proof, "leaf_hash_b64u").unwrap_or("");
    if let Some(x) = expected_leaf_b64u {
        if x != leaf {
            return Err(err(
                "INCLUSION_PROOF_INVALID",
                "leaf_hash_b64u is not the expected leaf",
            ));
        }
    }
    let signer = proof["root_signature"]["signer_did"].as_str().unwrap_or("");
    if !trusted.is_empty() && !trusted.iter().any(|d| d == signer) {
        return Err(err(
            "INCLUSION_PROOF_INVALID",
            "log root signer is not trusted",
        ));
    }
    let root = str_of(proof, "root_hash_b64u").unwrap_or("");
    let key = match did_key(signer) {
        Err(()) => {
            return Err(err(
                "INVALID_DID_FORMAT",
                "root signer is not an Ed25519 did:key",
            ))
        }
        Ok(k) => k,
    };
    let sig = proof["root_signature"]["sig_b64u"].as_str().unwrap_or("");
    if key.is_none_or(|k| k.verify_b64u(root.as_bytes(), sig).is_err()) {
        return Err(err(
            "SIGNATURE_INVALID",
            "log root signature does not verify",
        ));
    }
    let decode = |s: &str| {
        b64::decode(s).map_err(|_| err("INCLUSION_PROOF_INVALID", "proof hashes must be base64url"))
    };
    let leaf_bytes = decode(leaf)?;
    let root_bytes = decode(root)?;
    let siblings = path
        .iter()
        .map(|s| decode(s.as_str().unwrap_or("")))
        .collect::<Result<Vec<_>, _>>()?;
    crate::merkle::clawlogs::verify_inclusion(&leaf_bytes, idx, size, &siblings, &root_bytes)
        .map_err(|e| err("INCLUSION_PROOF_INVALID", &format!("audit path: {e}")))
}

/// claw: gateway receipts carrying `metadata.log_inclusion_proof`, each checked on its own
/// ([`receipt_proof`], a gateway fact); the first failure in receipt order. Returns how many
/// receipts carried a valid proof.
pub(crate) fn check(gw: &GatewayFacts) -> StepResult<usize> {
    let mut n = 0;
    for proof in gw.log_proofs() {
        match proof {
            None => {}
            Some(Ok(())) => n += 1,
            Some(Err(f)) => return Err(f.clone()),
        }
    }
    Ok(n)
}

/// C1 for gateway receipt `i` (`r`): `None` without a `metadata.log_inclusion_proof`, else
/// whether it verifies. The logged leaf is the payload hash computed without the proof (the
/// gateway logs, then embeds the proof, then signs).
pub(crate) fn receipt_proof(i: usize, r: &Value, cfg: &VerifyConfig) -> Option<StepResult> {
    let proof = r
        .get("payload")
        .and_then(|p| p.get("metadata"))
        .and_then(|m| m.get("log_inclusion_proof"))?;
    let mut p = r["payload"].clone();
    if let Some(m) = p.get_mut("metadata").and_then(Value::as_object_mut) {
        m.shift_remove("log_inclusion_proof");
    }
    let leaf = js_hash(&p).unwrap_or_default();
    Some(
        verify_log_inclusion_proof(proof, &cfg.trusted_log_signer_dids, Some(&leaf)).map_err(|e| {
            VerifyFailure::from_code(
                e.reason_code(),
                Detail::new(
                    Step::LogInclusion,
                    format!("receipts[{i}]: {}", e.message()),
                    Some(&format!(
                        "payload.receipts[{i}].payload.metadata.log_inclusion_proof"
                    )),
                ),
            )
        }),
    )
}

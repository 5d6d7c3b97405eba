//! Verifying a receipt proof (`claw.receipt_inclusion`, docs/SPEC.md §6.2.10, §6.5): the
//! checkpoint, the inclusion of the receipt's leaf, and the receipt itself checked as
//! [`super::verify_bundle`] checks it in a bundle.

use super::super::merkle_proofs::{err, leaf_bytes, leaf_hash, read_hashes, Checkpoint};
use super::super::receipts::ReceiptKind;
use super::config::VerifyConfig;
use super::in_bundle::verify_receipt_as_in_bundle;
use crate::error::{Error, ErrorKind};
use crate::json;
use crate::merkle::rfc9162;
use serde_json::Value;

/// What a verified receipt proof establishes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceiptProofVerdict {
    /// Which receipt array the receipt comes from.
    pub kind: ReceiptKind,
    /// The receipt's `receipt_id`.
    pub receipt_id: String,
    /// The run whose receipts the tree holds.
    pub run_id: String,
    /// The agent that signed the checkpoint.
    pub agent_did: String,
    /// The receipt's leaf index in the tree.
    pub leaf_index: u64,
    /// Number of leaves in the tree.
    pub tree_size: u64,
    /// base64url RFC 9162 root hash of the tree.
    pub root_b64u: String,
    /// The receipt's own signer when it is an envelope (gateway or tool-receipt envelope).
    pub receipt_signer_did: Option<String>,
}

/// Verify a receipt proof offline: the checkpoint's signature (by its `agent_did`, which
/// must equal `expected_agent_did` when given), the inclusion of the receipt's leaf under
/// the checkpoint root, the receipt itself with every check [`super::verify_bundle`] makes
/// for it in a bundle of the checkpoint's agent (a gateway receipt must be a signed envelope
/// by one of `gateway_signers`: an empty list is `DEPENDENCY_NOT_CONFIGURED`; a tool
/// receipt's signature and `agent_did`), and that the receipt's binding names the
/// checkpoint's run. Envelope expiry is not checked (a proof is verified at no given time).
pub fn verify_receipt_proof(
    proof: &[u8],
    expected_agent_did: Option<&str>,
    gateway_signers: &[String],
) -> Result<ReceiptProofVerdict, Error> {
    let v = json::parse(proof, &json::Limits::STRICT)?;
    let o = v.as_object().ok_or_else(|| {
        err(
            ErrorKind::Merkle,
            "SCHEMA_VALIDATION_FAILED",
            "receipt proof must be an object",
        )
    })?;
    let bad = |m: &str| err(ErrorKind::Merkle, "SCHEMA_VALIDATION_FAILED", m.to_string());
    const FIELDS: [&str; 8] = [
        "audit_path_b64u",
        "checkpoint",
        "kind",
        "leaf_index",
        "proof_type",
        "proof_version",
        "receipt",
        "tree_size",
    ];
    if let Some(k) = o.keys().find(|k| !FIELDS.contains(&k.as_str())) {
        return Err(bad(&format!("receipt proof: unknown field {k:?}")));
    }
    if o.get("proof_version").and_then(Value::as_str) != Some("1")
        || o.get("proof_type").and_then(Value::as_str) != Some("claw.receipt_inclusion")
    {
        return Err(err(
            ErrorKind::Merkle,
            "UNKNOWN_VERSION",
            "not a claw.receipt_inclusion proof version 1",
        ));
    }
    let kind = o
        .get("kind")
        .and_then(Value::as_str)
        .and_then(ReceiptKind::from_type_name)
        .ok_or_else(|| bad("receipt proof: unknown kind"))?;
    let receipt = o
        .get("receipt")
        .filter(|r| r.is_object())
        .ok_or_else(|| bad("receipt proof: receipt must be an object"))?;
    let leaf_index = o
        .get("leaf_index")
        .and_then(Value::as_u64)
        .ok_or_else(|| bad("receipt proof: leaf_index must be an integer"))?;
    let tree_size = o
        .get("tree_size")
        .and_then(Value::as_u64)
        .ok_or_else(|| bad("receipt proof: tree_size must be an integer"))?;
    let path = read_hashes(o.get("audit_path_b64u"), "audit_path_b64u")?;
    let cp = Checkpoint::from_envelope(
        o.get("checkpoint")
            .ok_or_else(|| bad("receipt proof: checkpoint missing"))?,
    )?;
    if let Some(a) = expected_agent_did {
        if a != cp.agent_did {
            return Err(err(
                ErrorKind::Merkle,
                "PROOF_BUNDLE_AGENT_MISMATCH",
                "checkpoint agent_did is not the expected agent",
            ));
        }
    }
    if tree_size != cp.tree_size {
        return Err(err(
            ErrorKind::Merkle,
            "INCLUSION_PROOF_INVALID",
            "tree_size differs from the checkpoint's",
        ));
    }
    let leaf = leaf_bytes(kind, receipt).map_err(Error::from)?;
    if rfc9162::verify_inclusion(&leaf_hash(&leaf), leaf_index, tree_size, &path, &cp.root())
        .is_err()
    {
        return Err(err(
            ErrorKind::Merkle,
            "INCLUSION_PROOF_INVALID",
            "audit path does not lead from the receipt to the checkpoint root",
        ));
    }
    let r = super::super::receipts::Receipt {
        kind,
        value: receipt.clone(),
    };
    // The receipt is checked as `verify_bundle` checks it in a bundle of this agent
    // (§6.5): a bare gateway payload, an untrusted gateway signer (or none configured), a
    // tool receipt of another agent or with a bad signature are refused.
    let mut cfg = VerifyConfig::new(i64::MIN);
    cfg.allowlists.gateway_receipt_signer_dids = gateway_signers.to_vec();
    let receipt_signer_did = verify_receipt_as_in_bundle(kind, receipt, &cp.agent_did, &cfg)?;
    let run = r
        .binding()
        .and_then(|b| b.get("run_id"))
        .and_then(Value::as_str);
    if run != Some(cp.run_id.as_str()) {
        return Err(err(
            ErrorKind::Bundle,
            "RECEIPT_BINDING_MISMATCH",
            "receipt binding.run_id differs from the checkpoint's run_id",
        ));
    }
    Ok(ReceiptProofVerdict {
        kind,
        receipt_id: r.receipt_id().to_string(),
        run_id: cp.run_id.clone(),
        agent_did: cp.agent_did.clone(),
        leaf_index,
        tree_size,
        root_b64u: cp.root_b64u.clone(),
        receipt_signer_did,
    })
}

//! claw's Merkle layer over a bundle's receipts (beyond the reference).
//!
//! * **Tree.** RFC 9162 (Certificate Transparency v2) Merkle tree with SHA-256:
//!   leaf hash = SHA-256(0x00 ‖ leaf), node hash = SHA-256(0x01 ‖ left ‖ right).
//! * **Leaf bytes** ([`LEAF_RULE`] `claw.receipt-leaf.v1`): the RFC 8785 JCS of
//!   `{"kind": <receipt type>, "receipt": <the receipt exactly as in the bundle array>}`,
//!   where the type is `gateway_receipt`, `tool_receipt`, `side_effect_receipt`,
//!   `human_approval_receipt` or `delegation_receipt`. Naming the kind in the leaf keeps a
//!   receipt of one kind from being presented as another.
//! * **Leaf order** (`event-chain`): receipts sorted by the index, in the event chain, of the
//!   event their `binding.event_hash_b64u` names; ties by kind order (gateway, tool,
//!   side-effect, approval, delegation), then `receipt_id`, then leaf bytes. Events are
//!   append-only, so a run's log only ever grows: the recorder commits the receipts of an
//!   event once no earlier model call is still waiting for its gateway receipt, and every
//!   checkpoint is a prefix of every later one. (The bundle's arrays stay sorted by
//!   `receipt_id` as §7 of the protocol asks; the tree does not use that order, which would
//!   not be append-only.)
//! * **Checkpoint**: an envelope of type [`CHECKPOINT_ENVELOPE_TYPE`] signed by the agent,
//!   payload `{checkpoint_version:"1", run_id, agent_did, tree_alg, leaf_rule, tree_size,
//!   root_b64u, event_count, event_head_b64u?, timestamp}`.

use super::chain::Event;
use super::receipts::ReceiptKind;
use super::{invalid, EvidenceError};
use crate::envelope::{self, Envelope, Signers, VerifyOptions};
use crate::error::{Error, ErrorKind};
use crate::json::Sink;
use crate::keys::{SigningKey, VerifyingKey};
use crate::merkle::rfc9162::{self, MerkleTree};
use crate::{b64, hash, json, time};
use serde_json::{json, Value};

/// `tree_alg` of checkpoints and bundle metadata.
pub const TREE_ALG: &str = "rfc9162-sha256";
/// `leaf_rule` of checkpoints and bundle metadata.
pub const LEAF_RULE: &str = "claw.receipt-leaf.v1";
/// Leaf order named in bundle metadata.
pub const LEAF_ORDER: &str = "event-chain";
/// `envelope_type` of a signed checkpoint.
pub const CHECKPOINT_ENVELOPE_TYPE: &str = "claw_receipt_checkpoint";

/// The leaf bytes of a receipt (see the module documentation).
pub fn leaf_bytes(kind: ReceiptKind, receipt: &Value) -> Result<Vec<u8>, EvidenceError> {
    let mut out = Vec::with_capacity(1024);
    write_leaf(&mut out, kind, receipt)?;
    Ok(out)
}

/// Write the leaf bytes: `{"kind":…,"receipt":…}` is already in JCS key order, so this is
/// `JCS({"kind", "receipt"})` without building (cloning the receipt into) that object.
fn write_leaf<O: json::Sink>(
    out: &mut O,
    kind: ReceiptKind,
    receipt: &Value,
) -> Result<(), EvidenceError> {
    out.put(b"{\"kind\":");
    json::write_string(out, kind.type_name());
    out.put(b",");
    json::write_keyed(out, "receipt", receipt, json::KeyOrder::Jcs, 1)?;
    out.put(b"}");
    Ok(())
}

/// The RFC 9162 leaf hash `SHA-256(0x00 ‖ leaf bytes)` of a receipt, streamed (the leaf
/// bytes are never held).
pub(crate) fn receipt_leaf_hash(
    kind: ReceiptKind,
    receipt: &Value,
) -> Result<[u8; 32], EvidenceError> {
    let mut sink = json::HashSink::new(sha2::Sha256::default());
    sink.put(&[0]);
    write_leaf(&mut sink, kind, receipt)?;
    Ok(sink.finish().into())
}

/// Sort (event index, receipt) pairs into leaf order (without their bytes).
pub(crate) fn sort_leaves(items: &mut [(usize, &super::receipts::Receipt)]) {
    items.sort_by(|a, b| {
        (a.0, a.1.kind.rank())
            .cmp(&(b.0, b.1.kind.rank()))
            .then_with(|| json::cmp_utf16(a.1.receipt_id(), b.1.receipt_id()))
            .then_with(|| {
                let x = json::canonicalize(&a.1.value).unwrap_or_default();
                let y = json::canonicalize(&b.1.value).unwrap_or_default();
                x.cmp(&y)
            })
    });
}

pub(crate) fn leaf_hash(data: &[u8]) -> [u8; 32] {
    rfc9162::leaf_hash(data)
}

/// An append-only list of leaf hashes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct LeafTree {
    leaves: Vec<[u8; 32]>,
}

impl LeafTree {
    pub(crate) fn push(&mut self, leaf: &[u8]) {
        self.leaves.push(leaf_hash(leaf));
    }

    pub(crate) fn len(&self) -> usize {
        self.leaves.len()
    }

    pub(crate) fn root_of(&self, size: usize) -> [u8; 32] {
        rfc9162::root_from_leaf_hashes(&self.leaves[..size.min(self.leaves.len())])
    }

    pub(crate) fn root(&self) -> [u8; 32] {
        rfc9162::root_from_leaf_hashes(&self.leaves)
    }

    fn tree(&self) -> MerkleTree {
        MerkleTree::from_leaf_hashes(self.leaves.clone())
    }

    pub(crate) fn inclusion(&self, index: usize) -> Vec<[u8; 32]> {
        self.tree()
            .inclusion_proof(index as u64)
            .unwrap_or_default()
    }

    pub(crate) fn consistency(&self, m: usize, n: usize) -> Vec<[u8; 32]> {
        if m == 0 || m >= n {
            return Vec::new();
        }
        self.tree()
            .consistency_proof_between(m as u64, n as u64)
            .unwrap_or_default()
    }
}

pub(crate) fn err(kind: ErrorKind, code: &'static str, msg: impl Into<String>) -> Error {
    Error::new(kind, code, msg)
}

fn hashes_b64u(v: &[[u8; 32]]) -> Value {
    Value::Array(v.iter().map(|h| Value::String(b64::encode(h))).collect())
}

pub(crate) fn read_hashes(v: Option<&Value>, field: &str) -> Result<Vec<[u8; 32]>, Error> {
    let arr = v.and_then(Value::as_array).ok_or_else(|| {
        err(
            ErrorKind::Merkle,
            "SCHEMA_VALIDATION_FAILED",
            format!("{field} must be an array"),
        )
    })?;
    arr.iter()
        .map(|x| {
            x.as_str()
                .and_then(|s| b64::decode_array::<32>(s).ok())
                .ok_or_else(|| {
                    err(
                        ErrorKind::Merkle,
                        "SCHEMA_VALIDATION_FAILED",
                        format!("{field} items must be base64url SHA-256 hashes"),
                    )
                })
        })
        .collect()
}

/// A signed checkpoint of a run's receipt log.
#[derive(Debug, Clone, PartialEq)]
pub struct Checkpoint {
    envelope: Envelope,
    /// The run whose receipts the tree holds.
    pub run_id: String,
    /// The agent that signed the checkpoint.
    pub agent_did: String,
    /// Number of leaves in the tree.
    pub tree_size: u64,
    /// base64url RFC 9162 root hash of the tree.
    pub root_b64u: String,
    /// Number of events covered (the receipts of these events are all in the tree).
    pub event_count: u64,
    /// Hash of the last covered event (absent when no event is covered).
    pub event_head_b64u: Option<String>,
}

const CHECKPOINT_FIELDS: [&str; 10] = [
    "agent_did",
    "checkpoint_version",
    "event_count",
    "event_head_b64u",
    "leaf_rule",
    "root_b64u",
    "run_id",
    "timestamp",
    "tree_alg",
    "tree_size",
];

impl Checkpoint {
    pub(crate) fn sign(
        run_id: &str,
        agent: &SigningKey,
        tree: &LeafTree,
        covered_events: &[Event],
        issued_at_ms: i64,
    ) -> Result<Checkpoint, EvidenceError> {
        let agent_did = agent.verifying_key().did();
        let root_b64u = b64::encode(tree.root());
        let mut p = json!({
            "checkpoint_version": "1",
            "run_id": run_id,
            "agent_did": agent_did,
            "tree_alg": TREE_ALG,
            "leaf_rule": LEAF_RULE,
            "tree_size": tree.len() as u64,
            "root_b64u": root_b64u,
            "event_count": covered_events.len() as u64,
            "timestamp": time::format_rfc3339_millis(issued_at_ms),
        });
        if let (Some(last), Some(o)) = (covered_events.last(), p.as_object_mut()) {
            o.insert(
                "event_head_b64u".into(),
                Value::String(last.event_hash_b64u.clone()),
            );
        }
        let env = envelope::sign(CHECKPOINT_ENVELOPE_TYPE, &p, agent, issued_at_ms, None)?;
        Checkpoint::from_envelope(&env.to_value())
            .map_err(|e| invalid("checkpoint", e.message().to_string()))
    }

    /// Read and verify a checkpoint envelope: type, hash, Ed25519 signature, signer equal
    /// to the payload's `agent_did`, and the payload shape.
    pub fn from_envelope(v: &Value) -> Result<Checkpoint, Error> {
        let env = Envelope::from_value(v.clone())?;
        let verified = env.verify(&VerifyOptions {
            expected_type: CHECKPOINT_ENVELOPE_TYPE,
            signers: Signers::Any,
            now: None,
        })?;
        let p = verified.payload.as_object().ok_or_else(|| {
            err(
                ErrorKind::Merkle,
                "SCHEMA_VALIDATION_FAILED",
                "checkpoint payload must be an object",
            )
        })?;
        let bad = |m: &str| err(ErrorKind::Merkle, "SCHEMA_VALIDATION_FAILED", m.to_string());
        if let Some(k) = p.keys().find(|k| !CHECKPOINT_FIELDS.contains(&k.as_str())) {
            return Err(bad(&format!("checkpoint: unknown field {k:?}")));
        }
        let st = |k: &str| -> Result<String, Error> {
            p.get(k)
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .ok_or_else(|| bad(&format!("checkpoint: {k} must be a non-empty string")))
        };
        let int = |k: &str| -> Result<u64, Error> {
            p.get(k)
                .and_then(Value::as_u64)
                .ok_or_else(|| bad(&format!("checkpoint: {k} must be a non-negative integer")))
        };
        if st("checkpoint_version")? != "1" {
            return Err(err(
                ErrorKind::Merkle,
                "UNKNOWN_VERSION",
                "checkpoint_version must be \"1\"",
            ));
        }
        if st("tree_alg")? != TREE_ALG || st("leaf_rule")? != LEAF_RULE {
            return Err(err(
                ErrorKind::Merkle,
                "UNKNOWN_ALGORITHM",
                "checkpoint tree_alg/leaf_rule not supported",
            ));
        }
        st("timestamp").and_then(|t| {
            time::parse_rfc3339_millis(&t)
                .map(|_| ())
                .map_err(|_| bad("checkpoint: timestamp must be RFC 3339"))
        })?;
        let agent_did = st("agent_did")?;
        if agent_did != verified.signer_did {
            return Err(err(
                ErrorKind::Merkle,
                "PROOF_BUNDLE_AGENT_MISMATCH",
                "checkpoint signer_did differs from its agent_did",
            ));
        }
        let root_b64u = st("root_b64u")?;
        if !hash::is_b64u_sha256(&root_b64u) {
            return Err(bad("checkpoint: root_b64u must be a base64url SHA-256"));
        }
        let event_head_b64u = match p.get("event_head_b64u") {
            None => None,
            Some(Value::String(s)) if hash::is_b64u_sha256(s) => Some(s.clone()),
            Some(_) => return Err(bad("checkpoint: event_head_b64u must be a hash")),
        };
        let event_count = int("event_count")?;
        if (event_count == 0) != event_head_b64u.is_none() {
            return Err(bad(
                "checkpoint: event_head_b64u must be present iff event_count > 0",
            ));
        }
        Ok(Checkpoint {
            envelope: env,
            run_id: st("run_id")?,
            agent_did,
            tree_size: int("tree_size")?,
            root_b64u,
            event_count,
            event_head_b64u,
        })
    }

    /// The signed envelope.
    pub fn envelope(&self) -> &Envelope {
        &self.envelope
    }

    /// The envelope as JSON (keys sorted).
    pub fn to_value(&self) -> Value {
        self.envelope.to_value()
    }

    pub(crate) fn root(&self) -> [u8; 32] {
        // Checked in from_envelope.
        b64::decode_array::<32>(&self.root_b64u).unwrap_or([0; 32])
    }
}

/// One receipt, its inclusion proof, and the signed checkpoint it is proven against: a
/// vendor verifies all three offline without the rest of the bundle.
#[derive(Debug, Clone, PartialEq)]
pub struct ReceiptProof {
    /// Which receipt array the receipt comes from.
    pub kind: ReceiptKind,
    /// The receipt exactly as in the bundle array.
    pub receipt: Value,
    /// The receipt's leaf index in the tree.
    pub leaf_index: u64,
    /// Number of leaves in the tree.
    pub tree_size: u64,
    /// The RFC 9162 inclusion proof, leaf to root.
    pub audit_path: Vec<[u8; 32]>,
    /// The signed checkpoint the proof leads to.
    pub checkpoint: Checkpoint,
}

impl ReceiptProof {
    pub(crate) fn build(
        tree: &LeafTree,
        index: usize,
        kind: ReceiptKind,
        receipt: Value,
        checkpoint: Checkpoint,
    ) -> ReceiptProof {
        ReceiptProof {
            kind,
            receipt,
            leaf_index: index as u64,
            tree_size: tree.len() as u64,
            audit_path: tree.inclusion(index),
            checkpoint,
        }
    }

    /// The JSON object `{proof_version:"1", proof_type:"claw.receipt_inclusion", kind,
    /// receipt, leaf_index, tree_size, audit_path_b64u, checkpoint}` (keys sorted).
    pub fn to_value(&self) -> Value {
        json::sorted(&json!({
            "proof_version": "1",
            "proof_type": "claw.receipt_inclusion",
            "kind": self.kind.type_name(),
            "receipt": self.receipt,
            "leaf_index": self.leaf_index,
            "tree_size": self.tree_size,
            "audit_path_b64u": hashes_b64u(&self.audit_path),
            "checkpoint": self.checkpoint.to_value(),
        }))
    }

    /// Canonical JSON text.
    pub fn to_json(&self) -> Result<String, Error> {
        Ok(String::from_utf8(json::canonicalize(&self.to_value())?).unwrap_or_default())
    }
}

/// Two checkpoints of one run and the RFC 9162 consistency proof between them.
#[derive(Debug, Clone, PartialEq)]
pub struct ConsistencyProof {
    /// The older checkpoint.
    pub from: Checkpoint,
    /// The newer checkpoint.
    pub to: Checkpoint,
    /// The RFC 9162 consistency proof from `from` to `to`.
    pub path: Vec<[u8; 32]>,
}

impl ConsistencyProof {
    pub(crate) fn build(
        tree: &LeafTree,
        from: &Checkpoint,
        to: &Checkpoint,
    ) -> Result<ConsistencyProof, EvidenceError> {
        let (m, n) = (from.tree_size as usize, to.tree_size as usize);
        if from.run_id != to.run_id || m > n || n > tree.len() {
            return Err(invalid(
                "checkpoints",
                "not two checkpoints of this log, in order",
            ));
        }
        if b64::encode(tree.root_of(n)) != to.root_b64u
            || b64::encode(tree.root_of(m)) != from.root_b64u
        {
            return Err(invalid("checkpoints", "roots are not this log's"));
        }
        Ok(ConsistencyProof {
            from: from.clone(),
            to: to.clone(),
            path: tree.consistency(m, n),
        })
    }

    /// `{proof_version:"1", proof_type:"claw.checkpoint_consistency", from, to,
    /// path_b64u}` (keys sorted).
    pub fn to_value(&self) -> Value {
        json::sorted(&json!({
            "proof_version": "1",
            "proof_type": "claw.checkpoint_consistency",
            "from": self.from.to_value(),
            "to": self.to.to_value(),
            "path_b64u": hashes_b64u(&self.path),
        }))
    }

    /// Canonical JSON text.
    pub fn to_json(&self) -> Result<String, Error> {
        Ok(String::from_utf8(json::canonicalize(&self.to_value())?).unwrap_or_default())
    }
}

/// Verify a consistency proof offline: both checkpoints signed by the same agent for the
/// same run, sizes and event counts non-decreasing, and the RFC 9162 proof that the later
/// tree extends the earlier. Returns `(from, to)`.
pub fn verify_consistency_proof(
    proof: &[u8],
    expected_agent_did: Option<&str>,
) -> Result<(Checkpoint, Checkpoint), Error> {
    let v = json::parse(proof, &json::Limits::STRICT)?;
    let bad = |m: &str| err(ErrorKind::Merkle, "SCHEMA_VALIDATION_FAILED", m.to_string());
    let o = v
        .as_object()
        .ok_or_else(|| bad("consistency proof must be an object"))?;
    const FIELDS: [&str; 5] = ["from", "path_b64u", "proof_type", "proof_version", "to"];
    if let Some(k) = o.keys().find(|k| !FIELDS.contains(&k.as_str())) {
        return Err(bad(&format!("consistency proof: unknown field {k:?}")));
    }
    if o.get("proof_version").and_then(Value::as_str) != Some("1")
        || o.get("proof_type").and_then(Value::as_str) != Some("claw.checkpoint_consistency")
    {
        return Err(err(
            ErrorKind::Merkle,
            "UNKNOWN_VERSION",
            "not a claw.checkpoint_consistency proof version 1",
        ));
    }
    let from = Checkpoint::from_envelope(o.get("from").ok_or_else(|| bad("from missing"))?)?;
    let to = Checkpoint::from_envelope(o.get("to").ok_or_else(|| bad("to missing"))?)?;
    let path = read_hashes(o.get("path_b64u"), "path_b64u")?;
    if from.agent_did != to.agent_did || expected_agent_did.is_some_and(|a| a != from.agent_did) {
        return Err(err(
            ErrorKind::Merkle,
            "PROOF_BUNDLE_AGENT_MISMATCH",
            "checkpoints are not signed by the expected agent",
        ));
    }
    if from.run_id != to.run_id {
        return Err(err(
            ErrorKind::Merkle,
            "INCONSISTENT_RUN_ID",
            "checkpoints belong to different runs",
        ));
    }
    // Every tree extends the empty tree (RFC 9162 leaves size 0 undefined).
    let extends = if from.tree_size == 0 {
        path.is_empty()
    } else {
        rfc9162::verify_consistency(
            from.tree_size,
            to.tree_size,
            &from.root(),
            &to.root(),
            &path,
        )
        .is_ok()
    };
    if from.event_count > to.event_count || from.tree_size > to.tree_size || !extends {
        return Err(err(
            ErrorKind::Merkle,
            "INVALID_ROOT",
            "the later checkpoint does not extend the earlier one",
        ));
    }
    Ok((from, to))
}

/// Check a verifying key parses from a DID (re-export for the verifier).
#[allow(dead_code)]
pub(crate) fn did_key(did: &str) -> Option<VerifyingKey> {
    VerifyingKey::from_did(did).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree(n: usize) -> LeafTree {
        let mut t = LeafTree::default();
        for i in 0..n {
            t.push(format!("leaf{i}").as_bytes());
        }
        t
    }

    #[test]
    fn inclusion_and_consistency_all_small_sizes() {
        for n in 1..=17usize {
            let t = tree(n);
            let root = t.root();
            for i in 0..n {
                let p = t.inclusion(i);
                let leaf = leaf_hash(format!("leaf{i}").as_bytes());
                assert!(
                    rfc9162::verify_inclusion(&leaf, i as u64, n as u64, &p, &root).is_ok(),
                    "{i}/{n}"
                );
                if n > 1 {
                    let other = (i + 1) % n;
                    assert!(
                        rfc9162::verify_inclusion(&leaf, other as u64, n as u64, &p, &root)
                            .is_err()
                    );
                }
            }
            for m in 1..=n {
                let p = t.consistency(m, n);
                assert!(
                    rfc9162::verify_consistency(m as u64, n as u64, &t.root_of(m), &root, &p)
                        .is_ok(),
                    "{m}->{n}"
                );
                if m < n {
                    let mut bad = t.root_of(m);
                    bad[0] ^= 1;
                    assert!(
                        rfc9162::verify_consistency(m as u64, n as u64, &bad, &root, &p).is_err()
                    );
                }
            }
        }
    }

    #[test]
    fn rfc9162_empty_and_single() {
        assert_eq!(
            b64::encode(LeafTree::default().root()),
            "47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU"
        );
        // Leaf hash of the empty string (RFC 6962 test vector).
        let mut t = LeafTree::default();
        t.push(b"");
        assert_eq!(
            t.root()
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect::<String>(),
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"
        );
    }
}

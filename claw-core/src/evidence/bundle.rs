//! The proof bundle (`proof_bundle.v1` payload in an envelope signed by the agent).
//!
//! Payload: `bundle_version:"1"`, `bundle_id:"bundle_<uuid>"`, `agent_did`, `event_chain`,
//! the non-empty receipt arrays (`receipts`, `tool_receipts`, `side_effect_receipts`,
//! `human_approval_receipts`, `delegation_receipts`), each sorted by `receipt_id`, and
//! `metadata: {harness: {id, version, runtime?}, "claw.dev/v1": {merkle, checkpoint,
//! trust_pulse?, …caller's entries}}`. Every object has sorted keys.

use super::chain::Event;
use super::merkle_proofs::{
    self, Checkpoint, LeafTree, ReceiptProof, LEAF_ORDER, LEAF_RULE, TREE_ALG,
};
use super::pulse::{PulseObserver, TrustPulse};
use super::receipts::{Receipt, ReceiptKind};
use super::verify::{self, Verdict, VerifyConfig};
use super::{check_emittable, ids, invalid, EvidenceError, CLAW_NAMESPACE};
use crate::envelope::{self, Envelope};
use crate::error::{Error, ErrorKind};
use crate::keys::SigningKey;
use crate::{b64, json};
use rand_core::CryptoRngCore;
use serde_json::{json, Map, Value};
use std::collections::BTreeSet;

/// Bytes of `JSON.stringify(payload.metadata)` the reference accepts.
pub(crate) const REFERENCE_METADATA_LIMIT: usize = 16_384;

/// Whether side-effect and approval receipts must be causally anchored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CausalAnchoring {
    /// Refuse to build a bundle whose side-effect or human-approval receipts do not name a
    /// span declared by one of its gateway receipts (the reference verifier's default
    /// `enforce` mode rejects such bundles with `CAUSAL_*_ORPHANED`).
    #[default]
    Require,
    /// Build anyway (verify with [`super::CausalMode::Observe`]).
    Off,
}

/// How to build the bundle.
#[derive(Debug, Clone)]
pub struct BundleOptions {
    /// `metadata.harness.id` (e.g. "openclaw", "script").
    pub harness_id: String,
    /// `metadata.harness.version`.
    pub harness_version: String,
    /// `metadata.harness.runtime` (e.g. "host", "docker").
    pub harness_runtime: Option<String>,
    /// Extra entries under `metadata["claw.dev/v1"]` (e.g. the policy engineer's `wpc`);
    /// `merkle`, `checkpoint` and `trust_pulse` are claw's and may not be set here.
    pub namespace_extra: Map<String, Value>,
    /// Derive a Trust Pulse and bind its hash in the metadata.
    pub trust_pulse: bool,
    /// See [`CausalAnchoring`].
    pub causal_anchoring: CausalAnchoring,
}

impl Default for BundleOptions {
    fn default() -> Self {
        BundleOptions {
            harness_id: "claw".into(),
            harness_version: env!("CARGO_PKG_VERSION").into(),
            harness_runtime: None,
            namespace_extra: Map::new(),
            trust_pulse: true,
            causal_anchoring: CausalAnchoring::Require,
        }
    }
}

pub(crate) struct Parts<'a> {
    pub run_id: &'a str,
    pub agent: &'a SigningKey,
    pub agent_did: &'a str,
    pub events: &'a [Event],
    pub receipts: &'a [(usize, Receipt)],
    pub tree: &'a LeafTree,
    pub pulse: &'a PulseObserver,
}

/// A signed proof bundle with its Merkle log, ready to serialize or to prove receipts from.
#[derive(Debug, Clone)]
pub struct Bundle {
    envelope: Envelope,
    /// Receipts in leaf order.
    leaves: Vec<Receipt>,
    tree: LeafTree,
    checkpoint: Checkpoint,
    trust_pulse: Option<TrustPulse>,
}

fn causal_check(receipts: &[(usize, Receipt)]) -> Result<(), EvidenceError> {
    let declared: BTreeSet<&str> = receipts
        .iter()
        .filter(|(_, r)| r.kind == ReceiptKind::Gateway)
        .filter_map(|(_, r)| r.binding()?.get("span_id")?.as_str())
        .collect();
    for (_, r) in receipts {
        let parent = r
            .binding()
            .and_then(|b| b.get("parent_span_id"))
            .and_then(Value::as_str);
        let needs_anchor = matches!(r.kind, ReceiptKind::SideEffect | ReceiptKind::HumanApproval);
        let ok = match parent {
            Some(p) => declared.contains(p),
            None => !needs_anchor,
        };
        if !ok {
            return Err(EvidenceError::UnanchoredReceipt {
                kind: r.kind.type_name(),
                receipt_id: r.receipt_id().to_string(),
            });
        }
    }
    Ok(())
}

pub(crate) fn build(
    parts: Parts<'_>,
    opts: &BundleOptions,
    issued_at_ms: i64,
    rng: &mut impl CryptoRngCore,
) -> Result<Bundle, EvidenceError> {
    if parts.events.is_empty() {
        return Err(invalid("event_chain", "a bundle needs at least one event"));
    }
    if opts.harness_id.is_empty() || opts.harness_version.is_empty() {
        return Err(invalid("harness", "id and version must not be empty"));
    }
    for k in ["merkle", "checkpoint", "trust_pulse"] {
        if opts.namespace_extra.contains_key(k) {
            return Err(invalid("namespace_extra", format!("{k} is reserved")));
        }
    }
    if opts.causal_anchoring == CausalAnchoring::Require {
        causal_check(parts.receipts)?;
    }
    let checkpoint = Checkpoint::sign(
        parts.run_id,
        parts.agent,
        parts.tree,
        parts.events,
        issued_at_ms,
    )?;

    // Receipt arrays sorted by receipt_id (then by canonical bytes, for equal ids).
    let mut payload = Map::new();
    payload.insert("bundle_version".into(), json!("1"));
    payload.insert(
        "bundle_id".into(),
        Value::String(ids::new_id("bundle", rng)),
    );
    payload.insert("agent_did".into(), Value::String(parts.agent_did.into()));
    payload.insert(
        "event_chain".into(),
        Value::Array(parts.events.iter().map(Event::to_value).collect()),
    );
    for kind in ReceiptKind::ALL {
        let mut items: Vec<&Receipt> = parts
            .receipts
            .iter()
            .map(|(_, r)| r)
            .filter(|r| r.kind == kind)
            .collect();
        if items.is_empty() {
            continue;
        }
        items.sort_by(|a, b| {
            json::cmp_utf16(a.receipt_id(), b.receipt_id()).then_with(|| {
                json::canonicalize(&a.value)
                    .unwrap_or_default()
                    .cmp(&json::canonicalize(&b.value).unwrap_or_default())
            })
        });
        payload.insert(
            kind.array_name().into(),
            Value::Array(items.into_iter().map(|r| r.value.clone()).collect()),
        );
    }

    let mut harness = Map::new();
    harness.insert("id".into(), Value::String(opts.harness_id.clone()));
    harness.insert(
        "version".into(),
        Value::String(opts.harness_version.clone()),
    );
    if let Some(rt) = &opts.harness_runtime {
        harness.insert("runtime".into(), Value::String(rt.clone()));
    }
    let mut ns = opts.namespace_extra.clone();
    ns.insert(
        "merkle".into(),
        json!({
            "alg": TREE_ALG,
            "leaf": LEAF_RULE,
            "order": LEAF_ORDER,
            "size": parts.tree.len() as u64,
            "root_b64u": b64::encode(parts.tree.root()),
        }),
    );
    ns.insert("checkpoint".into(), checkpoint.to_value());
    let trust_pulse = if opts.trust_pulse {
        let tp = TrustPulse::from_observer(
            parts.pulse,
            parts.run_id,
            parts.agent_did,
            issued_at_ms,
            rng,
        );
        ns.insert("trust_pulse".into(), tp.pointer()?);
        Some(tp)
    } else {
        None
    };
    let metadata = json!({"harness": Value::Object(harness), CLAW_NAMESPACE: Value::Object(ns)});
    let md_len = json::canonicalize(&metadata)?.len();
    if md_len > REFERENCE_METADATA_LIMIT {
        return Err(invalid(
            "metadata",
            format!("{md_len} bytes; the reference accepts at most {REFERENCE_METADATA_LIMIT}"),
        ));
    }
    payload.insert("metadata".into(), metadata);
    let payload = Value::Object(payload);
    check_emittable(&payload)?;
    let envelope = envelope::sign("proof_bundle", &payload, parts.agent, issued_at_ms, None)?;

    // Receipts in leaf order (the recorder committed them in this order).
    let mut ordered: Vec<(usize, &Receipt)> = parts.receipts.iter().map(|(i, r)| (*i, r)).collect();
    merkle_proofs::sort_leaves(&mut ordered);
    let leaves: Vec<Receipt> = ordered.into_iter().map(|(_, r)| r.clone()).collect();
    Ok(Bundle {
        envelope,
        leaves,
        tree: parts.tree.clone(),
        checkpoint,
        trust_pulse,
    })
}

impl Bundle {
    /// The signed `proof_bundle` envelope.
    pub fn envelope(&self) -> &Envelope {
        &self.envelope
    }

    /// Canonical JSON text of the envelope (what is written to disk).
    pub fn to_json(&self) -> Result<String, EvidenceError> {
        Ok(self.envelope.to_json()?)
    }

    /// The final checkpoint (also carried in `metadata["claw.dev/v1"].checkpoint`).
    pub fn checkpoint(&self) -> &Checkpoint {
        &self.checkpoint
    }

    /// The Trust Pulse bound in the metadata, if one was derived.
    pub fn trust_pulse(&self) -> Option<&TrustPulse> {
        self.trust_pulse.as_ref()
    }

    /// Receipts in Merkle leaf order.
    pub fn leaves(&self) -> &[Receipt] {
        &self.leaves
    }

    /// A self-contained inclusion proof for one receipt against the bundle's checkpoint.
    pub fn receipt_proof(&self, receipt_id: &str) -> Result<ReceiptProof, EvidenceError> {
        let i = self
            .leaves
            .iter()
            .position(|r| r.receipt_id() == receipt_id)
            .ok_or_else(|| EvidenceError::NotFound(format!("receipt {receipt_id}")))?;
        Ok(ReceiptProof::build(
            &self.tree,
            i,
            self.leaves[i].kind,
            self.leaves[i].value.clone(),
            self.checkpoint.clone(),
        ))
    }

    /// Verify a bundle (see [`verify::verify_bundle`]) and, when it is VALID and carries
    /// claw's Merkle metadata, rebuild its log so receipt proofs can be issued from it by
    /// anyone holding the bundle.
    pub fn from_verified_json(bytes: &[u8], cfg: &VerifyConfig) -> Result<Bundle, Error> {
        let (verdict, parsed) = verify::verify_bundle_keep(bytes, cfg);
        let Some(parsed) = parsed else {
            return Err(verdict_error(&verdict));
        };
        if !verdict.is_valid() {
            return Err(verdict_error(&verdict));
        }
        let (env, leaves, checkpoint) = parsed;
        let env = Envelope::from_value(env)
            .map_err(|e| Error::new(ErrorKind::Bundle, e.reason_code(), e.to_string()))?;
        let Some(checkpoint) = checkpoint else {
            return Err(Error::new(
                ErrorKind::Bundle,
                "CLAIM_NOT_FOUND",
                "bundle carries no claw Merkle checkpoint",
            ));
        };
        let mut tree = LeafTree::default();
        for r in &leaves {
            tree.push(&merkle_proofs::leaf_bytes(r.kind, &r.value)?);
        }
        Ok(Bundle {
            envelope: env,
            leaves,
            tree,
            checkpoint,
            trust_pulse: None,
        })
    }
}

fn verdict_error(v: &Verdict) -> Error {
    Error::new(ErrorKind::Bundle, v.reason_code, v.reason.clone())
}

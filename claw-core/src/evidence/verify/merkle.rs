//! claw's C3 [merkle]: the RFC 9162 root over the bundle's receipts in event-chain order
//! equals `metadata["claw.dev/v1"].merkle`, and the signed checkpoint commits to it, the
//! agent, the run and the event head.

use super::super::merkle_proofs::{self, Checkpoint, LEAF_ORDER, LEAF_RULE, TREE_ALG};
use super::super::par_map;
use super::super::receipts::{Receipt, ReceiptKind};
use super::super::CLAW_NAMESPACE;
use super::events::EventFacts;
use super::failure::{Detail, Step, StepResult, VerifyFailure};
use super::helpers::{arr, str_of};
use crate::{b64, hash, json};
use serde_json::Value;

/// claw: recompute the Merkle root over the receipts (event-chain order) and check the
/// signed checkpoint. Returns the receipts in leaf order and the checkpoint.
#[allow(clippy::too_many_arguments)]
pub(crate) fn check(
    payload: &Value,
    events: &EventFacts,
    agent_did: &str,
    chain_run: Option<&str>,
    threads: usize,
    keep: bool,
) -> StepResult<(Vec<Receipt>, Option<Checkpoint>)> {
    const C: Step = Step::Merkle;
    let ns = payload.get("metadata").and_then(|m| m.get(CLAW_NAMESPACE));
    let Some(ns) = ns else {
        return Ok((Vec::new(), None));
    };
    let Some(ns) = ns.as_object() else {
        return Err(VerifyFailure::schema_validation_failed(
            C,
            format!("metadata[{CLAW_NAMESPACE:?}] must be an object"),
            None,
        ));
    };
    let (merkle, cp) = match (ns.get("merkle"), ns.get("checkpoint")) {
        (None, None) => return Ok((Vec::new(), None)),
        (Some(m), Some(c)) => (m, c),
        _ => {
            return Err(VerifyFailure::schema_validation_failed(
                C,
                "merkle and checkpoint must come together",
                None,
            ))
        }
    };
    let field = format!("payload.metadata[{CLAW_NAMESPACE:?}].merkle");
    let bad = |m: &str| VerifyFailure::schema_validation_failed(C, m.to_string(), Some(&field));
    let mo = merkle
        .as_object()
        .ok_or_else(|| bad("merkle must be an object"))?;
    if let Some(k) = mo
        .keys()
        .find(|k| !["alg", "leaf", "order", "size", "root_b64u"].contains(&k.as_str()))
    {
        return Err(bad(&format!("merkle: unknown field {k:?}")));
    }
    if str_of(merkle, "alg") != Some(TREE_ALG)
        || str_of(merkle, "leaf") != Some(LEAF_RULE)
        || str_of(merkle, "order") != Some(LEAF_ORDER)
    {
        return Err(VerifyFailure::unknown_algorithm(
            C,
            "merkle alg/leaf/order not supported",
            Some(&field),
        ));
    }
    let size = merkle
        .get("size")
        .and_then(Value::as_u64)
        .ok_or_else(|| bad("merkle.size must be an integer"))?;
    let root_b64u = str_of(merkle, "root_b64u")
        .filter(|r| hash::is_b64u_sha256(r))
        .ok_or_else(|| bad("merkle.root_b64u must be a hash"))?;

    let mut items: Vec<(ReceiptKind, &Value)> = Vec::new();
    for kind in ReceiptKind::ALL {
        for r in arr(payload, kind.array_name()) {
            items.push((kind, r));
        }
    }
    // Per receipt (in parallel): its event index, id and leaf hash, streamed from the value
    // (no copy of the receipt, no leaf bytes kept).
    let prepared = par_map(&items, threads, |(kind, r)| -> Result<Leaf<'_>, String> {
        let p = if r.get("envelope_type").is_some() {
            &r["payload"]
        } else {
            *r
        };
        let id = str_of(p, "receipt_id").unwrap_or("");
        let ev = p.get("binding").and_then(|b| str_of(b, "event_hash_b64u"));
        let i = ev.and_then(|h| events.index_of(h)).ok_or_else(|| {
            format!(
                "{} {id} is not bound to an event of the chain",
                kind.type_name()
            )
        })?;
        let hash = merkle_proofs::receipt_leaf_hash(*kind, r).map_err(|e| e.to_string())?;
        Ok(Leaf {
            event: i,
            kind: *kind,
            id,
            hash,
            item: r,
        })
    });
    let mut leaves: Vec<Leaf<'_>> = Vec::with_capacity(prepared.len());
    for p in prepared {
        leaves.push(p.map_err(|m| VerifyFailure::receipt_binding_mismatch(C, m, Some(&field)))?);
    }
    // Leaf order (as merkle_proofs::sort_leaves); leaf bytes only for a full tie.
    leaves.sort_by(|a, b| {
        (a.event, a.kind.rank())
            .cmp(&(b.event, b.kind.rank()))
            .then_with(|| json::cmp_utf16(a.id, b.id))
            .then_with(|| {
                let x = merkle_proofs::leaf_bytes(a.kind, a.item).unwrap_or_default();
                let y = merkle_proofs::leaf_bytes(b.kind, b.item).unwrap_or_default();
                x.cmp(&y)
            })
    });
    let hashes: Vec<[u8; 32]> = leaves.iter().map(|l| l.hash).collect();
    let root = crate::merkle::rfc9162::root_from_leaf_hashes(&hashes);
    drop(hashes);
    if leaves.len() as u64 != size || b64::encode(root) != root_b64u {
        return Err(VerifyFailure::invalid_root(
            C,
            "Merkle root/size over the receipts differs from metadata.merkle",
            Some(&field),
        ));
    }
    let cp_field = format!("payload.metadata[{CLAW_NAMESPACE:?}].checkpoint");
    let checkpoint = Checkpoint::from_envelope(cp).map_err(|e| {
        VerifyFailure::from_code(
            e.reason_code(),
            Detail::new(C, format!("checkpoint: {}", e.message()), Some(&cp_field)),
        )
    })?;
    if checkpoint.agent_did != agent_did {
        return Err(VerifyFailure::proof_bundle_agent_mismatch(
            C,
            "checkpoint is not signed by the bundle's agent",
            Some(&cp_field),
        ));
    }
    if Some(checkpoint.run_id.as_str()) != chain_run {
        return Err(VerifyFailure::inconsistent_run_id(
            C,
            "checkpoint run_id differs from the event chain's",
            Some(&cp_field),
        ));
    }
    if checkpoint.tree_size != size
        || checkpoint.root_b64u != root_b64u
        || checkpoint.event_count != events.len() as u64
        || checkpoint.event_head_b64u.as_deref() != events.last_hash()
    {
        return Err(VerifyFailure::invalid_root(
            C,
            "checkpoint does not commit to this bundle's receipts and events",
            Some(&cp_field),
        ));
    }
    // Receipts in leaf order (for receipt proofs from a verified bundle).
    if !keep {
        return Ok((Vec::new(), Some(checkpoint)));
    }
    let ordered = leaves
        .iter()
        .map(|l| Receipt {
            kind: l.kind,
            value: l.item.clone(),
        })
        .collect();
    Ok((ordered, Some(checkpoint)))
}

/// One receipt being placed in the tree.
struct Leaf<'a> {
    event: usize,
    kind: ReceiptKind,
    id: &'a str,
    hash: [u8; 32],
    item: &'a Value,
}

//! claw's C3 [merkle]: the RFC 9162 root over the bundle's receipts in event-chain order
//! equals `metadata["claw.dev/v1"].merkle`, and the signed checkpoint commits to it, the
//! agent, the run and the event head.
//!
//! Each receipt's part ([`LeafFact`]: its id, the event it names, its leaf hash) is gathered
//! by a [`LeafScan`] fed runs of one array's receipts, so the receipts need not be held when
//! the step runs (docs/design/streaming-verifier.md). Only a full tie in leaf order (same
//! event, kind and id) reads two receipts again, through the caller's `leaf_bytes`.

use super::super::merkle_proofs::{self, Checkpoint, LEAF_ORDER, LEAF_RULE, TREE_ALG};
use super::super::par_map;
use super::super::receipts::{self, ReceiptKind};
use super::super::CLAW_NAMESPACE;
use super::events::EventFacts;
use super::failure::{Detail, Step, StepResult, VerifyFailure};
use super::helpers::str_of;
use crate::{b64, hash, json};
use serde_json::Value;

/// One receipt's part in the claw Merkle tree, read from the receipt alone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct LeafFact {
    kind: ReceiptKind,
    /// Its position in its array (after legacy entries are set aside).
    index: usize,
    /// Its payload's `receipt_id` (`""` when absent).
    id: Box<str>,
    /// Its payload's `binding.event_hash_b64u`, resolved against the chain when the step runs.
    event_hash: Option<Box<str>>,
    /// Its RFC 9162 leaf hash, or why it has none.
    hash: Result<[u8; 32], String>,
}

/// Gathers the [`LeafFact`]s of one receipt array from runs of consecutive receipts.
#[derive(Debug)]
pub(crate) struct LeafScan {
    kind: ReceiptKind,
    facts: Vec<LeafFact>,
}

impl LeafScan {
    /// A scan of the `kind` array.
    pub(crate) fn new(kind: ReceiptKind) -> LeafScan {
        LeafScan {
            kind,
            facts: Vec::new(),
        }
    }

    /// The leaf facts of a whole `kind` array.
    #[cfg(test)]
    pub(crate) fn whole(kind: ReceiptKind, items: &[Value], threads: usize) -> Vec<LeafFact> {
        let mut s = LeafScan::new(kind);
        s.push(items, threads);
        s.finish()
    }

    /// The next `items` of the array (in parallel; the receipts are streamed into their leaf
    /// hashes, never copied).
    pub(crate) fn push(&mut self, items: &[Value], threads: usize) {
        let kind = self.kind;
        let base = self.facts.len();
        let idx: Vec<usize> = (0..items.len()).collect();
        let facts = par_map(&idx, threads, |&k| {
            let r = &items[k];
            let p = receipts::payload_of(r);
            LeafFact {
                kind,
                index: base + k,
                id: str_of(p, "receipt_id").unwrap_or("").into(),
                event_hash: p
                    .get("binding")
                    .and_then(|b| str_of(b, "event_hash_b64u"))
                    .map(Into::into),
                hash: merkle_proofs::receipt_leaf_hash(kind, r).map_err(|e| e.to_string()),
            }
        });
        self.facts.extend(facts);
    }

    /// The facts of every receipt pushed, in array order.
    pub(crate) fn finish(self) -> Vec<LeafFact> {
        self.facts
    }
}

/// Whether the payload's metadata asks for step C3, so that its receipts' [`LeafFact`]s are
/// worth gathering (when it does not, or is malformed, [`check`] never reads them).
pub(crate) fn wanted(payload: &Value) -> bool {
    payload
        .get("metadata")
        .and_then(|m| m.get(CLAW_NAMESPACE))
        .and_then(Value::as_object)
        .is_some_and(|ns| ns.contains_key("merkle") && ns.contains_key("checkpoint"))
}

/// The positions of the receipts in leaf order, and the checkpoint, of a passing C3.
pub(crate) type LeafOrder = (Vec<(ReceiptKind, usize)>, Option<Checkpoint>);

/// claw: recompute the Merkle root over the receipts (event-chain order) and check the
/// signed checkpoint. `leaves` holds every receipt's [`LeafFact`], arrays in
/// [`ReceiptKind::ALL`] order, each in array order (empty unless [`wanted`]); `leaf_bytes`
/// gives a receipt's leaf bytes again, for a full tie. Returns the receipts' positions in leaf
/// order and the checkpoint.
pub(crate) fn check(
    payload: &Value,
    leaves: Vec<LeafFact>,
    events: &EventFacts,
    agent_did: &str,
    chain_run: Option<&str>,
    leaf_bytes: impl Fn(ReceiptKind, usize) -> Vec<u8>,
) -> StepResult<LeafOrder> {
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

    let placed = place(leaves, events, leaf_bytes)
        .map_err(|m| VerifyFailure::receipt_binding_mismatch(C, m, Some(&field)))?;
    let hashes: Vec<[u8; 32]> = placed.iter().map(|l| l.hash).collect();
    let root = crate::merkle::rfc9162::root_from_leaf_hashes(&hashes);
    drop(hashes);
    if placed.len() as u64 != size || b64::encode(root) != root_b64u {
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
    let order = placed.iter().map(|l| (l.kind, l.index)).collect();
    Ok((order, Some(checkpoint)))
}

/// The receipts placed at their events, in leaf order (as `merkle_proofs::sort_leaves`;
/// leaf bytes read only for a full tie). The first receipt (arrays in `ALL` order, each in
/// array order) that names no event of the chain, or has no leaf hash, fails.
fn place(
    leaves: Vec<LeafFact>,
    events: &EventFacts,
    leaf_bytes: impl Fn(ReceiptKind, usize) -> Vec<u8>,
) -> Result<Vec<Placed>, String> {
    let mut placed: Vec<Placed> = Vec::with_capacity(leaves.len());
    for l in leaves {
        let Some(event) = l.event_hash.as_deref().and_then(|h| events.index_of(h)) else {
            return Err(format!(
                "{} {} is not bound to an event of the chain",
                l.kind.type_name(),
                l.id
            ));
        };
        placed.push(Placed {
            event,
            kind: l.kind,
            index: l.index,
            id: l.id,
            hash: l.hash?,
        });
    }
    placed.sort_by(|a, b| {
        (a.event, a.kind.rank())
            .cmp(&(b.event, b.kind.rank()))
            .then_with(|| json::cmp_utf16(&a.id, &b.id))
            .then_with(|| leaf_bytes(a.kind, a.index).cmp(&leaf_bytes(b.kind, b.index)))
    });
    Ok(placed)
}

/// One receipt placed in the tree.
struct Placed {
    event: usize,
    kind: ReceiptKind,
    index: usize,
    id: Box<str>,
    hash: [u8; 32],
}

#[cfg(test)]
mod tests {
    use super::super::events::EventScan;
    use super::*;
    use serde_json::json;

    fn receipt(id: &str, event: &str, n: u64) -> Value {
        json!({"receipt_id": id, "binding": {"event_hash_b64u": event}, "n": n})
    }

    fn events() -> EventFacts {
        let e = |h: &str| json!({"event_id": h, "run_id": "r", "event_hash_b64u": h});
        EventScan::whole(&[e("h0"), e("h1"), e("h2")], 1)
    }

    /// Runs of every size give the whole array's facts, on one thread and on two (more than
    /// 256 receipts take the parallel path).
    #[test]
    fn runs_of_any_size_give_the_whole_arrays_facts() {
        let items: Vec<Value> = (0..300)
            .map(|i| receipt(&format!("id{i}"), &format!("h{}", i % 3), i))
            .collect();
        let whole = LeafScan::whole(ReceiptKind::Tool, &items, 1);
        assert_eq!(whole.len(), 300);
        assert_eq!(whole[7].index, 7);
        assert_eq!(&*whole[7].id, "id7");
        assert_eq!(whole[7].event_hash.as_deref(), Some("h1"));
        assert_eq!(
            whole[7].hash,
            Ok(merkle_proofs::receipt_leaf_hash(ReceiptKind::Tool, &items[7]).unwrap())
        );
        for size in [1, 2, 7, 255, 256, 299, 300] {
            for threads in [1, 2] {
                let mut s = LeafScan::new(ReceiptKind::Tool);
                for run in items.chunks(size) {
                    s.push(run, threads);
                }
                assert_eq!(s.finish(), whole, "runs of {size} on {threads} threads");
            }
        }
    }

    /// Leaf order: event, then kind, then id (UTF-16), then leaf bytes; the first unbound
    /// receipt in array order fails, whatever the order of events.
    #[test]
    fn receipts_are_placed_in_leaf_order_and_the_first_unbound_fails() {
        let gw = [receipt("b", "h1", 0), receipt("a", "h1", 0)];
        let tl = [
            receipt("z", "h0", 0),
            receipt("t", "h1", 2),
            receipt("t", "h1", 1),
        ];
        let all = || {
            let mut l = LeafScan::whole(ReceiptKind::Gateway, &gw, 1);
            l.extend(LeafScan::whole(ReceiptKind::Tool, &tl, 1));
            l
        };
        let item = |k: ReceiptKind, i: usize| match k {
            ReceiptKind::Gateway => &gw[i],
            _ => &tl[i],
        };
        let reads = std::cell::Cell::new(0);
        let bytes = |k: ReceiptKind, i: usize| {
            reads.set(reads.get() + 1);
            merkle_proofs::leaf_bytes(k, item(k, i)).unwrap()
        };
        let placed = place(all(), &events(), bytes).unwrap();
        let order: Vec<(ReceiptKind, usize)> = placed.iter().map(|p| (p.kind, p.index)).collect();
        // `{"n":1,…}` sorts before `{"n":2,…}`: the tie on (h1, tool, "t") is broken by bytes.
        assert_eq!(
            order,
            [
                (ReceiptKind::Tool, 0),
                (ReceiptKind::Gateway, 1),
                (ReceiptKind::Gateway, 0),
                (ReceiptKind::Tool, 2),
                (ReceiptKind::Tool, 1),
            ]
        );
        assert!(reads.get() >= 2, "only a full tie reads leaf bytes");
        let mut unbound = all();
        unbound[4].event_hash = Some("h9".into());
        unbound[1].event_hash = None;
        let e = place(unbound, &events(), |_, _| Vec::new())
            .map(|_| ())
            .unwrap_err();
        assert_eq!(e, "gateway_receipt a is not bound to an event of the chain");
        let mut hashless = all();
        hashless[3].hash = Err("no leaf".into());
        hashless[4].event_hash = None;
        let e = place(hashless, &events(), |_, _| Vec::new())
            .map(|_| ())
            .unwrap_err();
        assert_eq!(e, "no leaf", "the earlier receipt's failure comes first");
    }
}

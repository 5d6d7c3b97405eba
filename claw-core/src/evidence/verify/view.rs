//! The bundle parsed once into a typed view: the envelope header the first steps checked,
//! and the payload's members as the later steps read them, borrowed from the parsed input
//! (nothing is copied).

use super::super::receipts::ReceiptKind;
use super::helpers::{arr, str_of};
use serde_json::Value;

/// The envelope's header members (docs/SPEC.md §6.3 steps 1–9 checked their shape), and the
/// payload exactly as received (what `payload_hash_b64u` covers).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Header<'a> {
    pub hash_algorithm: &'a str,
    pub signer_did: &'a str,
    pub payload_hash_b64u: &'a str,
    pub signature_b64u: &'a str,
    /// The payload as received, legacy receipt entries included.
    pub payload: &'a Value,
}

/// The payload as the steps after the schema read it (legacy receipt entries set aside).
#[derive(Debug, Clone, Copy)]
pub(crate) struct BundleView<'a> {
    pub payload: &'a Value,
    pub bundle_id: Option<&'a str>,
    /// `payload.agent_did` (`""` when absent; step 13 refuses that).
    pub agent_did: &'a str,
    pub events: &'a [Value],
    /// `receipts`: gateway receipt envelopes.
    pub gateway: &'a [Value],
    pub tools: &'a [Value],
    pub side_effects: &'a [Value],
    pub approvals: &'a [Value],
    pub delegations: &'a [Value],
    pub attestations: &'a [Value],
    pub rate_limit_claims: &'a [Value],
    pub urm: Option<&'a Value>,
    pub metadata: Option<&'a Value>,
}

impl<'a> BundleView<'a> {
    /// The view of `env["payload"]` (absent members read as empty).
    pub fn new(env: &'a Value) -> BundleView<'a> {
        let payload = &env["payload"];
        BundleView {
            payload,
            bundle_id: str_of(payload, "bundle_id"),
            agent_did: str_of(payload, "agent_did").unwrap_or(""),
            events: arr(payload, "event_chain"),
            gateway: arr(payload, "receipts"),
            tools: arr(payload, "tool_receipts"),
            side_effects: arr(payload, "side_effect_receipts"),
            approvals: arr(payload, "human_approval_receipts"),
            delegations: arr(payload, "delegation_receipts"),
            attestations: arr(payload, "attestations"),
            rate_limit_claims: arr(payload, "rate_limit_claims"),
            urm: payload.get("urm"),
            metadata: payload.get("metadata"),
        }
    }

    /// The receipt array of `kind`.
    pub fn receipts(&self, kind: ReceiptKind) -> &'a [Value] {
        match kind {
            ReceiptKind::Gateway => self.gateway,
            ReceiptKind::Tool => self.tools,
            ReceiptKind::SideEffect => self.side_effects,
            ReceiptKind::HumanApproval => self.approvals,
            ReceiptKind::Delegation => self.delegations,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_members_and_their_absence() {
        let env = json!({"payload": {
            "agent_did": "did:key:z1",
            "bundle_id": "b",
            "event_chain": [{"run_id": "r"}],
            "tool_receipts": [{}, {}],
            "urm": {"urm_id": "u"},
        }});
        let v = BundleView::new(&env);
        assert_eq!(v.agent_did, "did:key:z1");
        assert_eq!(v.bundle_id, Some("b"));
        assert_eq!(v.events.len(), 1);
        assert_eq!(v.receipts(ReceiptKind::Tool).len(), 2);
        assert!(v.receipts(ReceiptKind::Gateway).is_empty());
        assert!(v.urm.is_some() && v.metadata.is_none());
        let empty = json!({});
        let v = BundleView::new(&empty);
        assert_eq!(v.agent_did, "");
        assert!(v.events.is_empty());
    }
}

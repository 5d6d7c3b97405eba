//! docs/SPEC.md §6.3 steps 10–14: the payload's structure, the configured limits, unique
//! event ids, and the agent DID that must have signed it [envelope].

use super::config::VerifyConfig;
use super::events::EventFacts;
use super::failure::{Step, StepResult, VerifyFailure};
use super::gateway_facts::GatewayFacts;
use super::helpers::{did_format_ok, js_len};
use super::view::{BundleView, Header};
use serde_json::Value;

const E: Step = Step::Envelope;

/// Steps 10–14 on the schema-checked payload.
pub(crate) fn check(
    v: &BundleView<'_>,
    events: &EventFacts,
    gw: &GatewayFacts,
    h: &Header<'_>,
    cfg: &VerifyConfig,
) -> StepResult {
    // 10. Payload structure.
    if v.urm.is_none() && events.is_empty() && gw.is_empty() && v.attestations.is_empty() {
        return Err(VerifyFailure::malformed_envelope(
            E,
            "payload needs urm, event_chain, receipts or attestations",
            Some("payload"),
        ));
    }
    // 11. Limits.
    let l = &cfg.limits;
    if events.len() > l.max_events
        || gw.len() > l.max_receipts
        || v.attestations.len() > l.max_attestations
    {
        return Err(VerifyFailure::malformed_envelope(
            E,
            "event_chain, receipts or attestations exceed the configured limits",
            Some("payload"),
        ));
    }
    let md_over = |m: Option<&Value>| m.is_some_and(|m| js_len(m) > l.max_metadata_bytes);
    if md_over(v.metadata) || md_over(v.urm.and_then(|u| u.get("metadata"))) || gw.metadata_over() {
        return Err(VerifyFailure::malformed_envelope(
            E,
            "metadata exceeds the configured size limit",
            Some("payload.metadata"),
        ));
    }
    // 12. Unique event ids.
    if events.duplicate_id() {
        return Err(VerifyFailure::malformed_envelope(
            E,
            "duplicate event_id in event_chain",
            Some("payload.event_chain"),
        ));
    }
    // 13–14.
    if !did_format_ok(v.agent_did) {
        return Err(VerifyFailure::invalid_did_format(
            E,
            "payload.agent_did is not a did:key/did:web DID",
            Some("payload.agent_did"),
        ));
    }
    if h.signer_did != v.agent_did {
        return Err(VerifyFailure::invalid_did_format(
            E,
            "signer_did differs from payload.agent_did",
            Some("signer_did"),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::events::EventScan;
    use super::super::gateway_facts::GatewayScan;
    use super::*;
    use serde_json::json;

    fn run(payload: Value, signer: &str) -> Result<(), (&'static str, Option<String>)> {
        let env = json!({ "payload": payload });
        let v = BundleView::new(&env);
        let h = Header {
            hash_algorithm: "SHA-256",
            signer_did: signer,
            payload_hash_b64u: "",
            signature_b64u: "",
            payload: &env["payload"],
        };
        let events = EventScan::whole(v.events, 1);
        let cfg = VerifyConfig::new(0);
        let gw = GatewayScan::whole(v.gateway, &cfg, 1);
        check(&v, &events, &gw, &h, &cfg)
            .map_err(|e| (e.reason_code(), e.field().map(str::to_string)))
    }

    #[test]
    fn structure_limits_ids_and_agent() {
        let a = "did:key:z6Mk";
        let ev = |id: &str| json!({"event_id": id});
        assert_eq!(
            run(json!({"agent_did": a, "event_chain": [ev("1")]}), a),
            Ok(())
        );
        assert_eq!(
            run(json!({"agent_did": a}), a),
            Err(("MALFORMED_ENVELOPE", Some("payload".into())))
        );
        assert_eq!(
            run(
                json!({"agent_did": a, "event_chain": [ev("1"), ev("1")]}),
                a
            ),
            Err(("MALFORMED_ENVELOPE", Some("payload.event_chain".into())))
        );
        let big = "x".repeat(16_385);
        assert_eq!(
            run(
                json!({"agent_did": a, "urm": {}, "metadata": {"k": big}}),
                a
            ),
            Err(("MALFORMED_ENVELOPE", Some("payload.metadata".into())))
        );
        assert_eq!(
            run(json!({"agent_did": "nope", "urm": {}}), "nope"),
            Err(("INVALID_DID_FORMAT", Some("payload.agent_did".into())))
        );
        assert_eq!(
            run(json!({"agent_did": a, "urm": {}}), "did:key:z6Mj"),
            Err(("INVALID_DID_FORMAT", Some("signer_did".into())))
        );
    }
}

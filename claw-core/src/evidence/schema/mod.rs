//! Strict structural validation of proof bundles, export bundles and aggregate bundles: the
//! constraints of the reference's JSON Schemas (`poh/proof_bundle_envelope.v1.json` and
//! everything it refers to) as a declarative table per schema (`tables.rs`, static data),
//! applied by one small engine (`engine.rs`). Unknown fields are refused wherever those
//! schemas say `additionalProperties: false`. The first error (in document order: type,
//! required members in schema order, unknown members, then each member in schema order) is
//! reported with its JSON path.
//!
//! `reference_tests.rs` holds every table to the reference's schema files with an independent
//! JSON Schema implementation (valid and mutated instances must get the same verdict), and
//! `claw-core/tests/evidence_emit.rs` checks emitted bundles against them.

mod engine;
#[cfg(test)]
mod reference_tests;
mod tables;

pub(crate) use engine::{is_b64u_chars, SchemaError};
use engine::{Ctx, P, S};
use serde_json::Value;
pub use tables::UNVERIFIED_METADATA_MEMBERS;

/// Array bounds used by the bundle schema.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ArrayLimits {
    /// `maxItems` of tool/side-effect/approval/delegation receipt arrays (reference: 1000).
    pub receipts: usize,
    /// `maxItems` of `rate_limit_claims` (reference: 256).
    pub rate_limit_claims: usize,
}

impl ArrayLimits {
    /// The reference schemas' own bounds.
    pub(crate) const REFERENCE: ArrayLimits = ArrayLimits {
        receipts: 1000,
        rate_limit_claims: 256,
    };
}

/// A schema table bound to the limits of one verification.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Schema {
    node: &'static S,
    cx: Ctx,
}

impl Schema {
    fn new(node: &'static S, limits: ArrayLimits) -> Self {
        Schema {
            node,
            cx: Ctx {
                limits,
                skip_split_items: false,
            },
        }
    }

    pub(crate) fn validate(&self, v: &Value, path: &str) -> Result<(), SchemaError> {
        self.node.check(v, &P::Root(path), &self.cx)
    }

    /// Validate item `i` of an array at `parent` (path `{parent}[{i}]`).
    pub(crate) fn validate_item(
        &self,
        v: &Value,
        parent: &str,
        i: usize,
    ) -> Result<(), SchemaError> {
        self.node.check(v, &P::Idx(&P::Root(parent), i), &self.cx)
    }

    /// The same schema without looking into the items of the bundle payload's big arrays
    /// (`event_chain`, `receipts`, `tool_receipts`, `side_effect_receipts`,
    /// `human_approval_receipts`, `delegation_receipts`): the caller checks those items
    /// itself, in parallel.
    pub(crate) fn without_split_items(mut self) -> Self {
        self.cx.skip_split_items = true;
        self
    }
}

fn fixed(node: &'static S) -> Schema {
    Schema::new(node, ArrayLimits::REFERENCE)
}

/// `gateway_receipt_envelope.v1` (a `payload.receipts[]` item).
pub(crate) fn gateway_envelope() -> Schema {
    fixed(&tables::GATEWAY_ENVELOPE)
}

/// A `payload.tool_receipts[]` item: `tool_receipt.v1`/`.v2`, bare or in its envelope.
pub(crate) fn tool_item() -> Schema {
    fixed(&tables::TOOL_ITEM)
}

/// A `payload.event_chain[]` item.
pub(crate) fn event_item() -> Schema {
    fixed(&tables::EVENT_ITEM)
}

/// The item schema of one of the bundle's receipt arrays `side_effect_receipts`,
/// `human_approval_receipts`, `delegation_receipts`.
pub(crate) fn array_item(k: &str, l: ArrayLimits) -> Schema {
    let node = match k {
        "side_effect_receipts" => &tables::SIDE_EFFECT_ITEM,
        "human_approval_receipts" => &tables::HUMAN_APPROVAL_ITEM,
        _ => &tables::DELEGATION_ITEM,
    };
    Schema::new(node, l)
}

/// `proof_bundle_envelope.v1`.
pub(crate) fn bundle_envelope(l: ArrayLimits) -> Schema {
    Schema::new(&tables::BUNDLE_ENVELOPE, l)
}

/// `log_inclusion_proof.v1`.
pub(crate) fn log_inclusion_proof() -> Schema {
    fixed(&tables::LOG_INCLUSION_PROOF)
}

/// `export_bundle.v1` with every artifact's schema (`proof_bundle_envelope.v1`, the three
/// attestation envelopes) inlined, as the reference's validator resolves its `$ref`s.
pub(crate) fn export_bundle(l: ArrayLimits) -> Schema {
    Schema::new(&tables::EXPORT_BUNDLE, l)
}

/// `aggregate_bundle_envelope.v1` with `aggregate_bundle.v1` and its members' schemas
/// (`proof_bundle_envelope.v1` or `export_bundle.v1`) inlined.
pub(crate) fn aggregate_envelope(l: ArrayLimits) -> Schema {
    Schema::new(&tables::AGGREGATE_ENVELOPE, l)
}

#[cfg(test)]
mod tests {
    use super::engine::{Obj, Pat};
    use super::*;
    use serde_json::json;

    fn v(node: &'static S) -> Schema {
        fixed(node)
    }

    #[test]
    fn first_error_path_and_closed_objects() {
        let s = v(&tables::RECEIPT_BINDING);
        assert!(s.validate(&json!({"run_id":"r"}), "$").is_ok());
        let e = s.validate(&json!({"run_id":"r","x":1}), "$").unwrap_err();
        assert!(e.message.contains("additional property \"x\""), "{e:?}");
        let e = s.validate(&json!({"phase":"nap"}), "$.b").unwrap_err();
        assert_eq!(e.path, "$.b.phase");
        let one = v(&S::OneOf(&[tables::TOOL_V1, tables::TOOL_V2]));
        assert!(one.validate(&json!({"receipt_version":"2"}), "$").is_err());
        assert!(Pat::Eip155.matches("eip155:1:0x0123456789abcdef0123456789ABCDEF01234567"));
        assert!(!Pat::Eip155.matches("eip155:1:0x0123"));
        assert!(Pat::Uri.matches("https://example.com/a?b"));
        assert!(Pat::Uri.matches("urn:isbn:1"));
        for bad in [
            "",
            "example.com",
            "1http://x",
            "ht tp://x",
            "https://a b",
            ":x",
        ] {
            assert!(!Pat::Uri.matches(bad), "{bad:?}");
        }
    }

    #[test]
    fn tee_execution_needs_its_claims() {
        let s = v(&tables::EXECUTION_ATTESTATION);
        let base = json!({"attestation_version": "1", "attestation_id": "a",
            "execution_type": "sandbox_execution", "agent_did": "did:key:zA",
            "attester_did": "did:key:zB", "issued_at": "2026-02-11T00:00:00.000Z"});
        assert!(s.validate(&base, "$").is_ok());
        let mut tee = base.clone();
        tee["execution_type"] = json!("tee_execution");
        assert_eq!(s.validate(&tee, "$").unwrap_err().path, "$");
        tee["runtime_metadata"] = json!({"image": "x"});
        assert_eq!(
            s.validate(&tee, "$").unwrap_err().path,
            "$.runtime_metadata"
        );
        tee["runtime_metadata"]["tee"] = json!({"attestation_type": "generic_tee",
            "root_id": "r", "tcb_version": "1", "measurements": {"measurement_hash_b64u": "AAAAAAAA"},
            "evidence_ref": {"resource_type": "quote", "resource_hash_b64u": "AAAAAAAA"}});
        assert!(s.validate(&tee, "$").is_ok());
    }

    fn props(node: &S) -> &'static [(&'static str, S)] {
        match node {
            S::Obj(Obj { props, .. }) => props,
            _ => panic!("not an object: {node:?}"),
        }
    }

    fn member(node: &S, name: &str) -> S {
        props(node)
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, s)| *s)
            .unwrap_or_else(|| panic!("no member {name}"))
    }

    /// The metadata members refused as unverified evidence are exactly the public list.
    #[test]
    fn unverified_metadata_members_match_the_table() {
        let meta = member(&member(&tables::BUNDLE_ENVELOPE, "payload"), "metadata");
        let unsupported: Vec<&str> = props(&meta)
            .iter()
            .filter(|(_, s)| matches!(s, S::Unsupported))
            .map(|(k, _)| *k)
            .collect();
        assert_eq!(unsupported, UNVERIFIED_METADATA_MEMBERS);
    }

    /// Skipping split items skips exactly the payload's big arrays' items, not their bounds.
    #[test]
    fn split_items_are_skipped_only_on_request() {
        let bad_item = json!({"envelope_version": "1", "envelope_type": "proof_bundle",
            "payload": {"bundle_version": "1", "bundle_id": "b", "agent_did": "did:key:zA",
                "event_chain": [{"event_id": 1}]},
            "payload_hash_b64u": "AAAAAAAA", "hash_algorithm": "SHA-256",
            "signature_b64u": "AAAAAAAA", "algorithm": "Ed25519", "signer_did": "did:key:zA",
            "issued_at": "2026-02-11T00:00:00.000Z"});
        let full = bundle_envelope(ArrayLimits::REFERENCE);
        let e = full.validate(&bad_item, "$").unwrap_err();
        assert_eq!(e.path, "$.payload.event_chain[0]");
        assert!(full.without_split_items().validate(&bad_item, "$").is_ok());
        let mut empty = bad_item.clone();
        empty["payload"]["event_chain"] = json!([]);
        let e = full
            .without_split_items()
            .validate(&empty, "$")
            .unwrap_err();
        assert_eq!(e.path, "$.payload.event_chain");
    }
}

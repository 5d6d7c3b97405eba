//! The schema tables: the constraints of the reference's JSON Schemas (`poh/*.json`) as static
//! data, one `const` per schema (applied by `engine.rs`). Where a table deliberately differs
//! from the reference's schema, a comment says so and `reference_tests.rs` lists it.

use super::engine::{fail, Arr, Max, Obj, Pat, SchemaError, Str, P, S};
use crate::evidence::{ApprovalType, EffectClass, ToolStatus};
use serde_json::Value;

/// `{type: object, required: [...], properties: {...}, additionalProperties: !closed}`.
macro_rules! obj {
    ($closed:expr, $required:expr, $props:expr $(,)?) => {
        S::Obj(Obj {
            props: $props,
            required: $required,
            closed: $closed,
            any_of_required: &[],
        })
    };
}

/// `{type: array, items, minItems, maxItems}`.
macro_rules! arr {
    ($items:expr, $min:expr, $max:expr $(,)?) => {
        S::Arr(Arr {
            items: &$items,
            min: $min,
            max: $max,
            split: false,
        })
    };
}

/// [`arr!`] for a big array of the bundle payload whose items the verifier may check
/// separately, in parallel.
macro_rules! split_arr {
    ($items:expr, $min:expr, $max:expr $(,)?) => {
        S::Arr(Arr {
            items: &$items,
            min: $min,
            max: $max,
            split: true,
        })
    };
}

/// A string with a pattern.
macro_rules! pattern {
    ($p:expr) => {
        S::Str(Str {
            min: 0,
            max: usize::MAX,
            pat: Some($p),
            datetime: false,
        })
    };
}

/// The closed signed-envelope shape every `*_envelope` schema shares: `envelope_version`,
/// `envelope_type`, `payload`, `payload_hash_b64u`, `hash_algorithm` (SHA-256 or BLAKE3),
/// `signature_b64u`, `algorithm` (Ed25519), `signer_did`, `issued_at`, then `extra` members.
macro_rules! envelope {
    ($version:literal, $type:literal, $payload:expr $(, $extra:expr)* $(,)?) => {
        obj!(
            true,
            &ENVELOPE_REQUIRED,
            &[
                ("envelope_version", S::Const($version)),
                ("envelope_type", S::Const($type)),
                ("payload", $payload),
                ("payload_hash_b64u", B64U8),
                ("hash_algorithm", S::Enum(SHA256_BLAKE3)),
                ("signature_b64u", B64U8),
                ("algorithm", S::Enum(ED25519)),
                ("signer_did", DID),
                ("issued_at", DT),
                $($extra,)*
            ]
        )
    };
}

const fn string(min: usize, pat: Option<Pat>, datetime: bool) -> S {
    S::Str(Str {
        min,
        max: usize::MAX,
        pat,
        datetime,
    })
}

pub(crate) const STRING: S = string(0, None, false);
pub(crate) const NONEMPTY: S = string(1, None, false);
/// `minLength: 8, pattern: ^[A-Za-z0-9_-]+$`
pub(crate) const B64U8: S = string(8, Some(Pat::B64u), false);
pub(crate) const DID: S = string(0, Some(Pat::Did), false);
/// `format: date-time`
pub(crate) const DT: S = string(0, None, true);
/// `type: number, minimum: 0`
pub(crate) const NUM0: S = S::Num {
    min: Some(0.0),
    int: false,
};
pub(crate) const NUMBER: S = S::Num {
    min: None,
    int: false,
};
/// `type: number, minimum: 1`
pub(crate) const COUNT: S = S::Num {
    min: Some(1.0),
    int: false,
};
/// `type: object` with any members.
pub(crate) const OBJ_ANY: S = obj!(false, &[], &[]);

pub(crate) const ENVELOPE_REQUIRED: [&str; 9] = [
    "envelope_version",
    "envelope_type",
    "payload",
    "payload_hash_b64u",
    "hash_algorithm",
    "signature_b64u",
    "algorithm",
    "signer_did",
    "issued_at",
];
pub(crate) const SHA256_BLAKE3: &[&str] = &["SHA-256", "BLAKE3"];
pub(crate) const SHA256: &[&str] = &["SHA-256"];
pub(crate) const ED25519: &[&str] = &["Ed25519"];

/// `receipt_binding.v1` (closed).
pub(crate) const RECEIPT_BINDING: S = obj!(
    true,
    &[],
    &[
        ("run_id", NONEMPTY),
        ("event_hash_b64u", B64U8),
        ("nonce", NONEMPTY),
        ("policy_hash", NONEMPTY),
        ("token_scope_hash_b64u", B64U8),
        ("span_id", NONEMPTY),
        ("spanId", NONEMPTY),
        ("parent_span_id", NONEMPTY),
        ("parentSpanId", NONEMPTY),
        ("tool_span_id", NONEMPTY),
        ("toolSpanId", NONEMPTY),
        (
            "phase",
            S::Enum(&[
                "setup",
                "planning",
                "reasoning",
                "execution",
                "observation",
                "reflection",
                "teardown",
            ]),
        ),
        ("attribution_confidence", NUMBER),
        ("attributionConfidence", NUMBER),
    ],
);

/// The gateway receipt payload as `proof_bundle.v1` inlines it.
pub(crate) const GATEWAY_PAYLOAD: S = obj!(
    true,
    &[
        "receipt_version",
        "receipt_id",
        "gateway_id",
        "provider",
        "model",
        "request_hash_b64u",
        "response_hash_b64u",
        "tokens_input",
        "tokens_output",
        "latency_ms",
        "timestamp",
    ],
    &[
        ("receipt_version", S::Const("1")),
        ("receipt_id", NONEMPTY),
        ("gateway_id", NONEMPTY),
        ("provider", NONEMPTY),
        ("model", NONEMPTY),
        ("request_hash_b64u", B64U8),
        ("response_hash_b64u", B64U8),
        ("tokens_input", NUM0),
        ("tokens_output", NUM0),
        ("latency_ms", NUM0),
        ("timestamp", DT),
        ("binding", RECEIPT_BINDING),
        (
            "metadata",
            obj!(
                false,
                &[],
                &[
                    // Deviation: model_identity.v1 is checked to be an object only.
                    ("model_identity", OBJ_ANY),
                    ("model_identity_hash_b64u", B64U8),
                    (
                        "audit_result_refs",
                        arr!(
                            obj!(
                                true,
                                &["resource_hash_b64u"],
                                &[
                                    ("resource_type", STRING),
                                    ("resource_hash_b64u", B64U8),
                                    ("uri", STRING),
                                ],
                            ),
                            0,
                            Max::Unbounded,
                        ),
                    ),
                ],
            ),
        ),
    ],
);

/// A `payload.receipts[]` item: `gateway_receipt` envelope.
pub(crate) const GATEWAY_ENVELOPE: S =
    envelope!("1", "gateway_receipt", GATEWAY_PAYLOAD, ("expires_at", DT));

/// The `binding` of `tool_receipt.v1` (open, every member a string).
pub(crate) const LEGACY_BINDING: S = obj!(
    false,
    &[],
    &[
        ("run_id", STRING),
        ("event_hash_b64u", STRING),
        ("nonce", STRING),
        ("policy_hash", STRING),
        ("token_scope_hash_b64u", STRING),
    ]
);

/// `tool_receipt.v1` payload.
pub(crate) const TOOL_V1: S = obj!(
    true,
    &[
        "receipt_version",
        "receipt_id",
        "tool_name",
        "args_hash_b64u",
        "result_hash_b64u",
        "hash_algorithm",
        "agent_did",
        "timestamp",
        "latency_ms",
    ],
    &[
        ("receipt_version", S::Const("1")),
        ("receipt_id", NONEMPTY),
        ("tool_name", NONEMPTY),
        ("tool_version", STRING),
        ("args_hash_b64u", NONEMPTY),
        ("result_hash_b64u", NONEMPTY),
        ("result_status", S::Enum(ToolStatus::NAMES)),
        ("hash_algorithm", S::Enum(SHA256)),
        ("agent_did", NONEMPTY),
        ("timestamp", DT),
        ("latency_ms", NUM0),
        ("binding", LEGACY_BINDING),
    ],
);

/// `tool_receipt_envelope.v1`.
pub(crate) const TOOL_V1_ENVELOPE: S = obj!(
    true,
    &ENVELOPE_REQUIRED,
    &[
        ("envelope_version", S::Const("1")),
        ("envelope_type", S::Const("tool_receipt")),
        ("payload", TOOL_V1),
        ("payload_hash_b64u", NONEMPTY),
        ("hash_algorithm", S::Enum(SHA256)),
        ("signature_b64u", NONEMPTY),
        ("algorithm", S::Enum(ED25519)),
        ("signer_did", NONEMPTY),
        ("issued_at", DT),
        ("expires_at", DT),
    ],
);

pub(crate) const SELECTIVE_DISCLOSURE: S = obj!(
    true,
    &[
        "disclosure_algorithm",
        "merkle_root_b64u",
        "redacted_leaf_hashes_b64u",
        "disclosed_leaves",
    ],
    &[
        (
            "disclosure_algorithm",
            S::Const("vir_v2_typed_lexicographical"),
        ),
        ("merkle_root_b64u", B64U8),
        ("redacted_leaf_hashes_b64u", arr!(B64U8, 0, Max::Unbounded)),
        (
            "disclosed_leaves",
            S::Map(
                &(obj!(
                    true,
                    &["type", "value", "salt_b64u"],
                    &[
                        (
                            "type",
                            S::Enum(&["string", "number", "boolean", "null", "array", "object"]),
                        ),
                        ("value", S::Any),
                        ("salt_b64u", B64U8),
                    ],
                ))
            ),
        ),
    ],
);

/// `tool_receipt.v2` payload.
pub(crate) const TOOL_V2: S = obj!(
    true,
    &[
        "receipt_version",
        "receipt_id",
        "tool_name",
        "args_hash_b64u",
        "result_hash_b64u",
        "hash_algorithm",
        "agent_did",
        "timestamp",
        "latency_ms",
        "args_salt_b64u",
        "result_salt_b64u",
    ],
    &[
        ("receipt_version", S::Const("2")),
        ("receipt_id", NONEMPTY),
        ("tool_name", NONEMPTY),
        ("tool_version", STRING),
        ("args_hash_b64u", B64U8),
        ("result_hash_b64u", B64U8),
        ("result_status", S::Enum(ToolStatus::NAMES)),
        ("hash_algorithm", S::Enum(SHA256_BLAKE3)),
        ("agent_did", DID),
        ("timestamp", DT),
        ("latency_ms", NUM0),
        ("binding", RECEIPT_BINDING),
        ("args_salt_b64u", B64U8),
        ("result_salt_b64u", B64U8),
        ("args_disclosure", SELECTIVE_DISCLOSURE),
        ("result_disclosure", SELECTIVE_DISCLOSURE),
    ],
);

/// A `payload.tool_receipts[]` item: a v1 or v2 tool receipt, bare or in its envelope.
pub(crate) const TOOL_ITEM: S = S::OneOf(&[TOOL_V1, TOOL_V1_ENVELOPE, TOOL_V2, TOOL_V2_ENVELOPE]);

/// `co_signature.v1`.
pub(crate) const CO_SIGNATURE: S = obj!(
    true,
    &[
        "signature_b64u",
        "algorithm",
        "signer_did",
        "issued_at",
        "role",
    ],
    &[
        ("signature_b64u", B64U8),
        ("algorithm", S::Enum(ED25519)),
        ("signer_did", DID),
        ("issued_at", DT),
        (
            "role",
            S::Enum(&["proxy", "approver", "auditor", "supervisor"]),
        ),
    ],
);

/// `tool_receipt_envelope.v2`.
pub(crate) const TOOL_V2_ENVELOPE: S = envelope!(
    "2",
    "tool_receipt",
    TOOL_V2,
    ("expires_at", DT),
    ("co_signatures", arr!(CO_SIGNATURE, 0, Max::N(16)))
);

pub(crate) const SIDE_EFFECT_ITEM: S = obj!(
    false,
    &[
        "receipt_version",
        "receipt_id",
        "effect_class",
        "hash_algorithm",
        "agent_did",
        "timestamp",
    ],
    &[
        ("receipt_version", S::Const("1")),
        ("receipt_id", NONEMPTY),
        ("effect_class", S::Enum(EffectClass::NAMES)),
        ("target_digest", STRING),
        ("request_digest", STRING),
        ("response_digest", STRING),
        ("hash_algorithm", S::Enum(SHA256_BLAKE3)),
        ("vendor_id", STRING),
        ("bytes_written", NUM0),
        ("agent_did", DID),
        ("timestamp", DT),
        ("binding", OBJ_ANY),
    ],
);

pub(crate) const HUMAN_APPROVAL_ITEM: S = obj!(
    false,
    &[
        "receipt_version",
        "receipt_id",
        "approval_type",
        "agent_did",
        "timestamp",
    ],
    &[
        ("receipt_version", S::Const("1")),
        ("receipt_id", NONEMPTY),
        ("approval_type", S::Enum(ApprovalType::NAMES)),
        ("scope_hash_b64u", STRING),
        ("plan_hash_b64u", STRING),
        ("approver_subject", STRING),
        ("capability_minted", S::Bool),
        ("policy_hash_b64u", STRING),
        ("agent_did", DID),
        ("timestamp", DT),
        ("binding", OBJ_ANY),
    ],
);

pub(crate) const DELEGATION_ITEM: S = obj!(
    false,
    &[
        "receipt_version",
        "receipt_id",
        "delegator_did",
        "delegate_did",
        "task_description_hash_b64u",
        "delegate_bundle_hash_b64u",
        "hash_algorithm",
        "delegated_at",
    ],
    &[
        ("receipt_version", S::Const("1")),
        ("receipt_id", NONEMPTY),
        ("delegator_did", DID),
        ("delegate_did", DID),
        ("task_description_hash_b64u", B64U8),
        ("delegate_bundle_hash_b64u", B64U8),
        ("delegation_policy", STRING),
        ("hash_algorithm", S::Enum(SHA256_BLAKE3)),
        ("delegated_at", DT),
        ("completed_at", DT),
        ("binding", OBJ_ANY),
    ],
);

pub(crate) const RATE_LIMIT_CLAIM: S = obj!(
    true,
    &[
        "claim_version",
        "scope",
        "scope_key",
        "window_start",
        "window_end",
        "max_requests",
        "observed_requests",
    ],
    &[
        ("claim_version", S::Const("1")),
        ("scope", S::Enum(&["agent", "model", "tool"])),
        ("scope_key", NONEMPTY),
        ("window_start", DT),
        ("window_end", DT),
        ("max_requests", NUM0),
        ("observed_requests", NUM0),
        ("max_tokens_input", NUM0),
        ("observed_tokens_input", NUM0),
        ("max_tokens_output", NUM0),
        ("observed_tokens_output", NUM0),
        ("run_id", NONEMPTY),
    ],
);

pub(crate) const ATTESTATION: S = obj!(
    true,
    &[
        "attestation_id",
        "attestation_type",
        "attester_did",
        "subject_did",
        "signature_b64u",
    ],
    &[
        ("attestation_id", NONEMPTY),
        ("attestation_type", S::Enum(&["owner", "third_party"])),
        ("attester_did", DID),
        ("subject_did", DID),
        ("expires_at", DT),
        ("signature_b64u", B64U8),
    ],
);

pub(crate) const EVENT_ITEM: S = obj!(
    true,
    &[
        "event_id",
        "run_id",
        "event_type",
        "timestamp",
        "payload_hash_b64u",
        "prev_hash_b64u",
        "event_hash_b64u",
    ],
    &[
        ("event_id", NONEMPTY),
        ("run_id", NONEMPTY),
        ("event_type", NONEMPTY),
        ("timestamp", DT),
        ("payload_hash_b64u", B64U8),
        ("prev_hash_b64u", S::Nullable(&(B64U8))),
        ("event_hash_b64u", B64U8),
    ],
);

pub(crate) const METADATA: S = obj!(
    false,
    &[],
    &[
        (
            "harness",
            obj!(
                false,
                &["id", "version"],
                &[
                    ("id", NONEMPTY),
                    ("version", NONEMPTY),
                    ("runtime", STRING),
                    ("config_hash_b64u", B64U8),
                ],
            ),
        ),
        (
            "sentinels",
            obj!(
                true,
                &["interpose_active"],
                &[
                    ("interpose_active", S::Bool),
                    ("shell_events", NUM0),
                    ("fs_events", NUM0),
                    ("net_events", NUM0),
                    ("net_suspicious", NUM0),
                    ("interpose_events", NUM0),
                    ("interpose_gateway", NUM0),
                    ("interpose_transcript", NUM0),
                    ("interpose_tool_calls", NUM0),
                    ("interpose_anomalies", NUM0),
                    ("preload_llm_events", NUM0),
                    ("tls_sni_events", NUM0),
                    ("tls_sni_receipts", NUM0),
                    ("tls_decrypt_receipts", NUM0),
                    ("vir_receipts", NUM0),
                    ("runtime_profile", OBJ_ANY),
                    ("runtime_hygiene", OBJ_ANY),
                    ("egress_policy_receipt", S::Unsupported),
                    ("interpose_state", OBJ_ANY),
                ],
            ),
        ),
        // Reference evidence claw does not verify: fail closed when present (the same
        // names as UNVERIFIED_METADATA_MEMBERS; a unit test holds the two together).
        ("policy_binding", S::Unsupported),
        ("runner_measurement", S::Unsupported),
        ("runner_attestation_receipt", S::Unsupported),
        ("reviewer_signoff_receipts", S::Unsupported),
        ("data_handling", S::Unsupported),
        ("revoked_policy_issuer_keys", S::Unsupported),
        ("prompt_pack", S::Unsupported),
        ("system_prompt_report", S::Unsupported),
    ],
);

/// Members of a proof bundle's `payload.metadata` that the reference verifies as evidence
/// (its `verify-proof-bundle.ts` reads and checks them) and claw does not: a bundle carrying
/// one is refused (`UNKNOWN_SCHEMA_ID`) instead of passing with the evidence unchecked
/// (docs/SPEC.md §6.3, "Evidence claw does not verify").
pub const UNVERIFIED_METADATA_MEMBERS: [&str; 8] = [
    "policy_binding",
    "runner_measurement",
    "runner_attestation_receipt",
    "reviewer_signoff_receipts",
    "data_handling",
    "revoked_policy_issuer_keys",
    "prompt_pack",
    "system_prompt_report",
];

/// `proof_bundle.v1` payload. Its big arrays are `split`: their items may be checked
/// separately (in parallel) by the caller.
pub(crate) const BUNDLE_PAYLOAD: S = S::Obj(Obj {
    props: &[
        ("bundle_version", S::Const("1")),
        ("bundle_id", NONEMPTY),
        ("agent_did", DID),
        ("eip8004_agent_id", pattern!(Pat::Digits)),
        ("eip8004_registry", pattern!(Pat::Eip155)),
        (
            "urm",
            obj!(
                true,
                &[
                    "urm_version",
                    "urm_id",
                    "resource_type",
                    "resource_hash_b64u",
                ],
                &[
                    ("urm_version", S::Const("1")),
                    ("urm_id", NONEMPTY),
                    ("resource_type", NONEMPTY),
                    ("resource_hash_b64u", B64U8),
                    ("metadata", OBJ_ANY),
                ],
            ),
        ),
        ("event_chain", split_arr!(EVENT_ITEM, 1, Max::Unbounded)),
        ("vir_receipts", S::Unsupported),
        ("receipts", split_arr!(GATEWAY_ENVELOPE, 1, Max::Unbounded)),
        ("web_receipts", S::Unsupported),
        ("coverage_attestations", S::Unsupported),
        ("binary_semantic_evidence_attestations", S::Unsupported),
        ("tool_receipts", split_arr!(TOOL_ITEM, 0, Max::Receipts,)),
        (
            "side_effect_receipts",
            split_arr!(SIDE_EFFECT_ITEM, 0, Max::Receipts,),
        ),
        (
            "human_approval_receipts",
            split_arr!(HUMAN_APPROVAL_ITEM, 0, Max::Receipts,),
        ),
        (
            "delegation_receipts",
            split_arr!(DELEGATION_ITEM, 0, Max::Receipts,),
        ),
        (
            "rate_limit_claims",
            arr!(RATE_LIMIT_CLAIM, 0, Max::RateLimitClaims),
        ),
        ("attestations", arr!(ATTESTATION, 1, Max::Unbounded)),
        ("metadata", METADATA),
    ],
    required: &["bundle_version", "bundle_id", "agent_did"],
    closed: true,
    any_of_required: &[
        "urm",
        "event_chain",
        "receipts",
        "vir_receipts",
        "web_receipts",
        "binary_semantic_evidence_attestations",
        "tool_receipts",
        "side_effect_receipts",
        "human_approval_receipts",
        "delegation_receipts",
        "attestations",
    ],
});

/// `proof_bundle_envelope.v1`.
pub(crate) const BUNDLE_ENVELOPE: S =
    envelope!("1", "proof_bundle", BUNDLE_PAYLOAD, ("expires_at", DT));

/// `log_inclusion_proof.v1`.
pub(crate) const LOG_INCLUSION_PROOF: S = obj!(
    true,
    &[
        "proof_version",
        "log_id",
        "tree_size",
        "leaf_hash_b64u",
        "root_hash_b64u",
        "audit_path",
        "root_published_at",
        "root_signature",
    ],
    &[
        ("proof_version", S::Const("1")),
        ("log_id", NONEMPTY),
        ("tree_size", NUM0),
        ("leaf_hash_b64u", B64U8),
        ("root_hash_b64u", B64U8),
        ("audit_path", arr!(B64U8, 0, Max::Unbounded)),
        ("root_published_at", DT),
        (
            "root_signature",
            obj!(
                true,
                &["signer_did", "sig_b64u"],
                &[("signer_did", DID), ("sig_b64u", B64U8)],
            ),
        ),
        ("metadata", OBJ_ANY),
    ],
);

// ---------------------------------------------------------------------------------------
// Export bundles (`export_bundle.v1`) and the attestations they carry
// ---------------------------------------------------------------------------------------

/// `{resource_type, resource_hash_b64u, uri?}` (closed), used by model identities and TEE
/// claims.
pub(crate) const RESOURCE_REF: S = obj!(
    true,
    &["resource_type", "resource_hash_b64u"],
    &[
        ("resource_type", NONEMPTY),
        ("resource_hash_b64u", B64U8),
        ("uri", STRING),
    ],
);

/// `model_identity.v1`.
pub(crate) const MODEL_IDENTITY: S = obj!(
    true,
    &["model_identity_version", "tier", "model"],
    &[
        ("model_identity_version", S::Const("1")),
        (
            "tier",
            S::Enum(&[
                "closed_opaque",
                "closed_provider_manifest",
                "openweights_hashable",
                "tee_measured",
            ]),
        ),
        (
            "model",
            obj!(
                true,
                &["provider", "name"],
                &[
                    ("provider", NONEMPTY),
                    ("name", NONEMPTY),
                    ("family", STRING),
                    ("endpoint", STRING),
                    ("region", STRING),
                    ("deployment_id", STRING),
                    ("revision", STRING),
                ],
            ),
        ),
        (
            "gateway_observed",
            obj!(
                true,
                &["gateway_id", "observed_at"],
                &[
                    ("gateway_id", DID),
                    ("observed_at", DT),
                    ("request_id", STRING),
                    ("provider_response_fingerprint", STRING),
                    (
                        "transport",
                        obj!(
                            true,
                            &[],
                            &[
                                ("provider_api", STRING),
                                ("http_status", NUM0),
                                ("latency_ms", NUM0),
                            ],
                        ),
                    ),
                ],
            ),
        ),
        (
            "artifacts",
            obj!(
                true,
                &[],
                &[
                    (
                        "provider_manifest",
                        obj!(
                            true,
                            &["manifest_type", "hash_b64u"],
                            &[
                                ("manifest_type", S::Const("provider_build_manifest")),
                                ("uri", STRING),
                                ("hash_b64u", B64U8),
                                ("content_type", STRING),
                                (
                                    "signature",
                                    obj!(
                                        true,
                                        &["signer_did", "signature_envelope_ref"],
                                        &[
                                            ("signer_did", DID),
                                            ("signature_envelope_ref", RESOURCE_REF),
                                        ],
                                    ),
                                ),
                            ],
                        ),
                    ),
                    (
                        "openweights",
                        obj!(
                            true,
                            &[],
                            &[
                                ("weights_format", STRING),
                                (
                                    "weights",
                                    arr!(
                                        obj!(
                                            true,
                                            &["hash_b64u"],
                                            &[
                                                ("file_name", STRING),
                                                ("hash_b64u", B64U8),
                                                ("size_bytes", NUM0),
                                            ],
                                        ),
                                        0,
                                        Max::Unbounded,
                                    ),
                                ),
                                ("tokenizer", OBJ_ANY),
                                ("config", OBJ_ANY),
                                ("serving_code", OBJ_ANY),
                            ],
                        ),
                    ),
                    (
                        "tee_measurement",
                        obj!(
                            true,
                            &[],
                            &[
                                ("attestation_type", STRING),
                                ("attestation_report_ref", RESOURCE_REF),
                                ("measurement", OBJ_ANY),
                                ("tcb", OBJ_ANY),
                            ],
                        ),
                    ),
                ],
            ),
        ),
        ("metadata", OBJ_ANY),
    ],
);

pub(crate) const TEE_CLAIMS: S = obj!(
    true,
    &[
        "attestation_type",
        "root_id",
        "tcb_version",
        "evidence_ref",
        "measurements",
    ],
    &[
        (
            "attestation_type",
            S::Enum(&[
                "sgx_quote",
                "tdx_quote",
                "sev_snp_report",
                "nitro_attestation_doc",
                "generic_tee",
            ]),
        ),
        ("root_id", NONEMPTY),
        ("tcb_version", NONEMPTY),
        ("evidence_ref", RESOURCE_REF),
        ("nonce_binding_b64u", B64U8),
        (
            "measurements",
            obj!(
                true,
                &["measurement_hash_b64u"],
                &[
                    ("measurement_hash_b64u", B64U8),
                    ("runtime_digest_b64u", B64U8),
                    ("kernel_digest_b64u", B64U8),
                    ("model_weights_digest_b64u", B64U8),
                ],
            ),
        ),
        (
            "tcb",
            obj!(
                true,
                &[],
                &[
                    (
                        "status",
                        S::Enum(&[
                            "up_to_date",
                            "out_of_date",
                            "configuration_needed",
                            "revoked",
                            "unknown",
                        ]),
                    ),
                    ("advisory_ids", arr!(NONEMPTY, 0, Max::Unbounded)),
                ],
            ),
        ),
        ("metadata", OBJ_ANY),
    ],
);

/// The schema's `allOf: [{if: {execution_type: tee_execution}, then: {required:
/// [runtime_metadata], runtime_metadata: {required: [tee]}}}]`.
fn tee_execution_rule(v: &Value, path: &P<'_>) -> Result<(), SchemaError> {
    if v.get("execution_type").and_then(Value::as_str) != Some("tee_execution") {
        return Ok(());
    }
    match v.get("runtime_metadata") {
        None => fail(path, "must have required property \"runtime_metadata\""),
        Some(m) if m.get("tee").is_none() => fail(
            &P::Key(path, "runtime_metadata"),
            "must have required property \"tee\"",
        ),
        Some(_) => Ok(()),
    }
}

/// `execution_attestation.v1`.
pub(crate) const EXECUTION_ATTESTATION: S = S::With(
    &(obj!(
        true,
        &[
            "attestation_version",
            "attestation_id",
            "execution_type",
            "agent_did",
            "attester_did",
            "issued_at",
        ],
        &[
            ("attestation_version", S::Const("1")),
            ("attestation_id", NONEMPTY),
            (
                "execution_type",
                S::Enum(&["sandbox_execution", "tee_execution"]),
            ),
            ("agent_did", DID),
            ("attester_did", DID),
            ("run_id", STRING),
            ("proof_bundle_hash_b64u", B64U8),
            (
                "harness",
                obj!(
                    true,
                    &[],
                    &[
                        ("id", STRING),
                        ("version", STRING),
                        ("runtime", STRING),
                        ("config_hash_b64u", pattern!(Pat::B64u)),
                    ],
                ),
            ),
            ("runtime_metadata", obj!(false, &[], &[("tee", TEE_CLAIMS)]),),
            ("issued_at", DT),
            ("expires_at", DT),
            ("metadata", OBJ_ANY),
        ],
    )),
    tee_execution_rule,
);

/// `execution: {execution_attestation_hash_b64u?, proof_bundle_hash_b64u?}` of derivation
/// and audit-result attestations.
pub(crate) const EXECUTION_REF: S = obj!(
    true,
    &[],
    &[
        ("execution_attestation_hash_b64u", B64U8),
        ("proof_bundle_hash_b64u", B64U8),
    ],
);

pub(crate) const CLAWLOGS_REF: S = obj!(
    true,
    &[],
    &[
        ("log_entry_hash_b64u", B64U8),
        ("inclusion_proof", LOG_INCLUSION_PROOF),
    ],
);

/// `derivation_attestation.v1`.
pub(crate) const DERIVATION_ATTESTATION: S = obj!(
    true,
    &[
        "derivation_version",
        "derivation_id",
        "issued_at",
        "input_model",
        "output_model",
        "transform",
    ],
    &[
        ("derivation_version", S::Const("1")),
        ("derivation_id", NONEMPTY),
        ("issued_at", DT),
        ("input_model", MODEL_IDENTITY),
        ("output_model", MODEL_IDENTITY),
        (
            "transform",
            obj!(
                true,
                &["kind"],
                &[
                    ("kind", NONEMPTY),
                    ("code_hash_b64u", B64U8),
                    ("params_hash_b64u", B64U8),
                    ("build_steps", arr!(STRING, 0, Max::Unbounded)),
                ],
            ),
        ),
        (
            "artifacts",
            arr!(
                obj!(
                    true,
                    &["type", "hash_b64u"],
                    &[
                        ("type", NONEMPTY),
                        ("hash_b64u", B64U8),
                        ("uri", STRING),
                        ("content_type", STRING),
                    ],
                ),
                0,
                Max::Unbounded,
            ),
        ),
        ("execution", EXECUTION_REF),
        ("clawlogs", CLAWLOGS_REF),
        ("metadata", OBJ_ANY),
    ],
);

/// `audit_result_attestation.v1`.
pub(crate) const AUDIT_RESULT_ATTESTATION: S = obj!(
    true,
    &[
        "audit_version",
        "audit_id",
        "issued_at",
        "model",
        "audit_code",
        "dataset",
        "protocol",
        "result",
    ],
    &[
        (
            "audit_pack",
            obj!(
                true,
                &["pack_hash_b64u"],
                &[
                    ("pack_id", STRING),
                    ("pack_version", STRING),
                    ("pack_hash_b64u", B64U8),
                ],
            ),
        ),
        ("audit_version", S::Const("1")),
        ("audit_id", NONEMPTY),
        ("issued_at", DT),
        ("expires_at", DT),
        ("model", MODEL_IDENTITY),
        ("derivation_attestation_hash_b64u", B64U8),
        (
            "audit_code",
            obj!(
                true,
                &["code_hash_b64u"],
                &[
                    ("repo_uri", pattern!(Pat::Uri)),
                    ("commit_sha", STRING),
                    ("code_hash_b64u", B64U8),
                    ("uri", STRING),
                ],
            ),
        ),
        (
            "dataset",
            obj!(
                true,
                &["dataset_id", "dataset_hash_b64u", "access"],
                &[
                    ("dataset_id", NONEMPTY),
                    ("dataset_hash_b64u", B64U8),
                    ("access", S::Enum(&["public", "confidential"])),
                    ("uri", STRING),
                ],
            ),
        ),
        (
            "protocol",
            obj!(
                true,
                &["name", "config_hash_b64u"],
                &[
                    ("name", NONEMPTY),
                    ("config_hash_b64u", B64U8),
                    ("seed", NUMBER),
                ],
            ),
        ),
        (
            "result",
            obj!(
                true,
                &["status", "results_hash_b64u"],
                &[
                    ("status", S::Enum(&["pass", "fail", "warn"])),
                    ("results_hash_b64u", B64U8),
                    ("summary", OBJ_ANY),
                ],
            ),
        ),
        ("execution", EXECUTION_REF),
        ("clawlogs", CLAWLOGS_REF),
        ("metadata", OBJ_ANY),
    ],
);

/// `export_bundle_manifest.v1`.
pub(crate) const EXPORT_MANIFEST: S = obj!(
    true,
    &["manifest_version", "generated_at", "entries"],
    &[
        ("manifest_version", S::Const("1")),
        ("generated_at", DT),
        (
            "entries",
            arr!(
                obj!(
                    true,
                    &["path", "sha256_b64u", "content_type", "size_bytes"],
                    &[
                        ("path", NONEMPTY),
                        ("sha256_b64u", B64U8),
                        ("content_type", NONEMPTY),
                        ("size_bytes", NUM0),
                    ],
                ),
                1,
                Max::Unbounded,
            ),
        ),
    ],
);

/// `export_bundle.v1` with every artifact's schema (`proof_bundle_envelope.v1`, the three
/// attestation envelopes) inlined, as the reference's validator resolves its `$ref`s.
pub(crate) const EXPORT_BUNDLE: S = obj!(
    true,
    &[
        "export_version",
        "export_id",
        "created_at",
        "issuer_did",
        "manifest",
        "artifacts",
        "bundle_hash_b64u",
        "hash_algorithm",
        "signature_b64u",
        "algorithm",
        "issued_at",
    ],
    &[
        ("export_version", S::Const("1")),
        ("export_id", NONEMPTY),
        ("created_at", DT),
        ("issuer_did", DID),
        ("manifest", EXPORT_MANIFEST),
        (
            "artifacts",
            obj!(
                true,
                &["proof_bundle_envelope"],
                &[
                    ("proof_bundle_envelope", BUNDLE_ENVELOPE),
                    (
                        "execution_attestation_envelopes",
                        arr!(
                            envelope!("1", "execution_attestation", EXECUTION_ATTESTATION),
                            0,
                            Max::Unbounded,
                        ),
                    ),
                    (
                        "derivation_attestation_envelopes",
                        arr!(
                            envelope!("1", "derivation_attestation", DERIVATION_ATTESTATION),
                            0,
                            Max::Unbounded,
                        ),
                    ),
                    (
                        "audit_result_attestation_envelopes",
                        arr!(
                            envelope!("1", "audit_result_attestation", AUDIT_RESULT_ATTESTATION),
                            0,
                            Max::Unbounded,
                        ),
                    ),
                ],
            ),
        ),
        ("bundle_hash_b64u", B64U8),
        ("hash_algorithm", S::Enum(SHA256)),
        ("signature_b64u", B64U8),
        ("algorithm", S::Enum(ED25519)),
        ("issued_at", DT),
        ("expires_at", DT),
        ("metadata", OBJ_ANY),
    ],
);

/// `aggregate_bundle_envelope.v1` with `aggregate_bundle.v1` and its members' schemas
/// (`proof_bundle_envelope.v1` or `export_bundle.v1`) inlined.
pub(crate) const AGGREGATE_ENVELOPE: S = envelope!(
    "1",
    "aggregate_bundle",
    AGGREGATE_PAYLOAD,
    ("expires_at", DT)
);

/// `aggregate_bundle.v1`.
pub(crate) const AGGREGATE_PAYLOAD: S = obj!(
    true,
    &[
        "aggregate_version",
        "aggregate_id",
        "created_at",
        "issuer_did",
        "manifest",
        "artifacts",
        "metadata",
    ],
    &[
        ("aggregate_version", S::Const("1")),
        ("aggregate_id", NONEMPTY),
        ("created_at", DT),
        ("expires_at", DT),
        ("issuer_did", DID),
        ("manifest", EXPORT_MANIFEST),
        (
            "artifacts",
            obj!(
                true,
                &["member_bundles"],
                &[(
                    "member_bundles",
                    arr!(S::OneOf(&[BUNDLE_ENVELOPE, EXPORT_BUNDLE]), 1, Max::N(1000),),
                )],
            ),
        ),
        (
            "metadata",
            obj!(
                false,
                &["fleet_summary"],
                &[(
                    "fleet_summary",
                    obj!(
                        true,
                        &["total_members", "unique_agents", "total_runs"],
                        &[
                            ("total_members", COUNT),
                            ("unique_agents", COUNT),
                            ("total_runs", COUNT),
                            ("fleet_proof_tier", STRING),
                        ],
                    ),
                )],
            ),
        ),
    ],
);

//! Work Policy Contracts (WPC): parse, hash, compile, decide, author, override.
//!
//! * [`Policy`] reads a WPC v1 or v2 payload exactly per the reference JSON Schemas (unknown
//!   fields rejected at every level, every limit enforced, string lengths in Unicode code
//!   points) and computes its `policy_hash_b64u` = base64url(SHA-256(JCS(payload))).
//! * [`CompiledPolicy`] indexes a policy (and its `inherits` parent) once; [`CompiledPolicy::decide`]
//!   answers a [`Request`] with a [`Decision`] (Allow, Deny or ApprovalRequired, a stable
//!   [`ReasonCode`] and the deciding statement id) without allocating.
//! * [`compile_authoring`] turns the glossary's authoring form into a v2 WPC whose extra
//!   requirements live in `metadata["claw.dev/v1"]` ([`ClawMetadata`], [`Requirements`]).
//! * [`Overrides`] and [`PolicyRuntime`] are the incident switch: deny tools or policy hashes,
//!   or force a policy hash, atomically while other threads keep deciding.
//!
//! Semantics, reason codes and every deviation from the reference are specified in
//! `docs/SPEC.md §4`.
//!
//! * [`sign_policy`] and [`verify_policy_envelope`] handle signed policies
//!   (`work_policy_contract_envelope.v1`); a [`VerifiedPolicy`] is the only proof that a
//!   policy came from a trusted signer.

#![deny(missing_docs)]

mod authoring;
mod claw_meta;
mod compile;
mod cond;
mod decision;
mod error;
mod glob;
mod policy;
mod redact;
mod runtime;
mod schema;
mod signed;

pub use authoring::compile_authoring;
pub use claw_meta::{
    ClawMetadata, DataClasses, EvidenceRequirements, Requirements, TokenRequirements,
    CLAW_METADATA_KEY, CLAW_METADATA_PREFIX, MAX_DURATION_MINUTES,
};
pub use compile::{CompiledPolicy, ReplayVerdict, MAX_INHERITANCE_DEPTH};
pub use cond::MAX_LIKE_VALUE_BYTES;
pub use decision::{
    ContextLookup, Decision, NoContext, OwnedDecision, ReasonCode, Request, Verdict,
    ACTION_MODEL_INVOKE, ACTION_NETWORK_EGRESS, ACTION_TOOL_EXECUTE, KEY_DATA_CLASS,
    KEY_HUMAN_APPROVAL, MAX_ACTION_BYTES, MAX_RESOURCE_BYTES,
};
pub use error::PolicyError;
pub use policy::{policy_hash_b64u, Policy, PolicyBody, PolicyVersion, MAX_POLICY_BYTES};
pub use redact::{apply_redaction_rules, receipt_privacy_mode, MASK as REDACTION_MASK};
pub use runtime::{Overrides, PolicyRuntime, Snapshot, MAX_OVERRIDES_BYTES};
pub use schema::{
    ConditionMap, ConditionOperator, Conditions, CoverageEnforcement, Effect, ModelIdentityTier,
    Provider, ReceiptPrivacyMode, RedactionAction, RedactionRule, Statement, TransparencyMode,
    WitnessedWebMode, WitnessedWebPolicy, WitnessedWebQuorum, WitnessedWebTransparency, WpcV1,
    WpcV2,
};
pub use signed::{sign_policy, verify_policy_envelope, VerifiedPolicy, ENVELOPE_TYPE};

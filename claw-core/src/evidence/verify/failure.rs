//! Why a proof-bundle verification stopped: one [`VerifyFailure`] variant per reason code,
//! each carrying its message and the failing field, and the [`Step`] (the verdict's
//! component) that found it.

/// The steps of docs/SPEC.md §6.3, named as the verdict's components.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Step {
    /// Steps 1–9, 10–17: envelope shape, header, payload structure, hash, signature.
    Envelope,
    /// Step 9.75: the strict schema.
    Schema,
    /// Step 18: the event chain.
    EventChain,
    /// Step 19: rate-limit claims.
    RateLimits,
    /// Step 24: the URM reference.
    Urm,
    /// Steps 26–28 and C2, C5: tool, side-effect, approval and delegation receipts.
    Receipts,
    /// Steps 29–32: causal bindings, receipt replay, anchoring.
    Causal,
    /// Step 34: attestations (never fatal).
    Attestations,
    /// Step 25 and the strict layer S: gateway receipts.
    Gateway,
    /// C1: log inclusion proofs.
    LogInclusion,
    /// C3: claw's Merkle root and checkpoint.
    Merkle,
    /// C4a, C4: policy binding and replay.
    Policy,
}

impl Step {
    /// Every step, in the order the verifier runs them.
    pub const ALL: [Step; 12] = [
        Step::Envelope,
        Step::Schema,
        Step::EventChain,
        Step::RateLimits,
        Step::Urm,
        Step::Receipts,
        Step::Causal,
        Step::Attestations,
        Step::Gateway,
        Step::LogInclusion,
        Step::Merkle,
        Step::Policy,
    ];

    /// The component name in the verdict.
    pub fn as_str(self) -> &'static str {
        match self {
            Step::Envelope => "envelope",
            Step::Schema => "schema",
            Step::EventChain => "event_chain",
            Step::RateLimits => "rate_limits",
            Step::Urm => "urm",
            Step::Receipts => "receipts",
            Step::Causal => "causal",
            Step::Attestations => "attestations",
            Step::Gateway => "gateway",
            Step::LogInclusion => "log_inclusion",
            Step::Merkle => "merkle",
            Step::Policy => "policy",
        }
    }
}

/// What a failure says besides its code: the step that found it, the message, and the JSON
/// path of the failing field when known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Detail {
    /// The pipeline step that found the failure.
    pub step: Step,
    /// What was found, for people.
    pub message: String,
    /// JSON path of the failing field, when known.
    pub field: Option<String>,
}

macro_rules! failures {
    ($($(#[$doc:meta])* $variant:ident / $ctor:ident = $code:literal,)*) => {
        /// Why a verification failed. Each variant is one reason code of docs/SPEC.md §6.3
        /// (`reason_code()`) and carries its [`Detail`].
        #[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
        #[non_exhaustive]
        pub enum VerifyFailure {
            $(#[doc = concat!("Reason code `", $code, "`.")] $(#[$doc])* #[error("{}", .0.message)] $variant(Detail),)*
            /// A code passed through unchanged from a lower layer's error (the checkpoint
            /// envelope, a log inclusion proof) that is not one of the variants above. None
            /// is known: the unit tests hold the lower layers' codes to this list.
            #[error("{}", .1.message)]
            PassedThrough(&'static str, Detail),
        }

        impl VerifyFailure {
            /// The reason code of every variant (but [`VerifyFailure::PassedThrough`]), in
            /// declaration order.
            pub const CODES: &'static [&'static str] = &[$($code),*];

            /// The stable reason code.
            pub fn reason_code(&self) -> &'static str {
                match self {
                    $(VerifyFailure::$variant(_) => $code,)*
                    VerifyFailure::PassedThrough(code, _) => code,
                }
            }

            /// The message, field and step.
            pub fn detail(&self) -> &Detail {
                match self {
                    $(VerifyFailure::$variant(d))|* => d,
                    VerifyFailure::PassedThrough(_, d) => d,
                }
            }

            fn into_detail(self) -> Detail {
                match self {
                    $(VerifyFailure::$variant(d))|* => d,
                    VerifyFailure::PassedThrough(_, d) => d,
                }
            }

            $(
                #[doc = concat!("A `", $code, "` failure at `step`.")]
                #[allow(dead_code)]
                pub(crate) fn $ctor(
                    step: Step,
                    message: impl Into<String>,
                    field: Option<&str>,
                ) -> VerifyFailure {
                    VerifyFailure::$variant(Detail::new(step, message, field))
                }
            )*

            /// The variant of a code a lower layer's error carries.
            pub(crate) fn from_code(code: &'static str, d: Detail) -> VerifyFailure {
                match code {
                    $($code => VerifyFailure::$variant(d),)*
                    _ => VerifyFailure::PassedThrough(code, d),
                }
            }
        }
    };
}

failures! {
    /// The input is not strict JSON.
    InvalidJson / invalid_json = "INVALID_JSON",
    /// The root holds more than one document (§6.8).
    AmbiguousDocument / ambiguous_document = "AMBIGUOUS_DOCUMENT",
    MalformedEnvelope / malformed_envelope = "MALFORMED_ENVELOPE",
    UnknownEnvelopeVersion / unknown_envelope_version = "UNKNOWN_ENVELOPE_VERSION",
    UnknownEnvelopeType / unknown_envelope_type = "UNKNOWN_ENVELOPE_TYPE",
    UnknownAlgorithm / unknown_algorithm = "UNKNOWN_ALGORITHM",
    UnknownHashAlgorithm / unknown_hash_algorithm = "UNKNOWN_HASH_ALGORITHM",
    InvalidDidFormat / invalid_did_format = "INVALID_DID_FORMAT",
    ExpiredTtl / expired_ttl = "EXPIRED_TTL",
    SchemaValidationFailed / schema_validation_failed = "SCHEMA_VALIDATION_FAILED",
    UnknownSchemaId / unknown_schema_id = "UNKNOWN_SCHEMA_ID",
    HashMismatch / hash_mismatch = "HASH_MISMATCH",
    SignatureInvalid / signature_invalid = "SIGNATURE_INVALID",
    RateLimitClaimInconsistent / rate_limit_claim_inconsistent = "RATE_LIMIT_CLAIM_INCONSISTENT",
    RateLimitWindowInvalid / rate_limit_window_invalid = "RATE_LIMIT_WINDOW_INVALID",
    RateLimitExceeded / rate_limit_exceeded = "RATE_LIMIT_EXCEEDED",
    UrmMissing / urm_missing = "URM_MISSING",
    UrmMismatch / urm_mismatch = "URM_MISMATCH",
    ProofBundleAgentMismatch / proof_bundle_agent_mismatch = "PROOF_BUNDLE_AGENT_MISMATCH",
    ReceiptBindingMismatch / receipt_binding_mismatch = "RECEIPT_BINDING_MISMATCH",
    CoSignatureInvalid / co_signature_invalid = "CO_SIGNATURE_INVALID",
    DisclosureAlgorithmUnknown / disclosure_algorithm_unknown = "DISCLOSURE_ALGORITHM_UNKNOWN",
    DisclosureRootMismatch / disclosure_root_mismatch = "DISCLOSURE_ROOT_MISMATCH",
    DisclosureTypeMismatch / disclosure_type_mismatch = "DISCLOSURE_TYPE_MISMATCH",
    UnknownVersion / unknown_version = "UNKNOWN_VERSION",
    CausalBindingNormalizationFailed / causal_binding_normalization_failed = "CAUSAL_BINDING_NORMALIZATION_FAILED",
    CausalBindingFieldConflict / causal_binding_field_conflict = "CAUSAL_BINDING_FIELD_CONFLICT",
    CausalClockContradiction / causal_clock_contradiction = "CAUSAL_CLOCK_CONTRADICTION",
    CausalPhaseInvalid / causal_phase_invalid = "CAUSAL_PHASE_INVALID",
    CausalPhaseTransitionInvalid / causal_phase_transition_invalid = "CAUSAL_PHASE_TRANSITION_INVALID",
    CausalConfidenceOutOfRange / causal_confidence_out_of_range = "CAUSAL_CONFIDENCE_OUT_OF_RANGE",
    CausalConfidenceEvidenceInconsistent / causal_confidence_evidence_inconsistent = "CAUSAL_CONFIDENCE_EVIDENCE_INCONSISTENT",
    CausalReferenceDangling / causal_reference_dangling = "CAUSAL_REFERENCE_DANGLING",
    CausalSpanReuseConflict / causal_span_reuse_conflict = "CAUSAL_SPAN_REUSE_CONFLICT",
    CausalCycleDetected / causal_cycle_detected = "CAUSAL_CYCLE_DETECTED",
    CausalGraphDisconnected / causal_graph_disconnected = "CAUSAL_GRAPH_DISCONNECTED",
    CausalReceiptReplayDetected / causal_receipt_replay_detected = "CAUSAL_RECEIPT_REPLAY_DETECTED",
    CausalSideEffectOrphaned / causal_side_effect_orphaned = "CAUSAL_SIDE_EFFECT_ORPHANED",
    CausalHumanApprovalOrphaned / causal_human_approval_orphaned = "CAUSAL_HUMAN_APPROVAL_ORPHANED",
    DependencyNotConfigured / dependency_not_configured = "DEPENDENCY_NOT_CONFIGURED",
    ReceiptVerificationFailed / receipt_verification_failed = "RECEIPT_VERIFICATION_FAILED",
    /// A gateway receipt's signer is not allowlisted (one receipt's finding; the verdict
    /// reports `RECEIPT_VERIFICATION_FAILED`).
    ClaimNotFound / claim_not_found = "CLAIM_NOT_FOUND",
    InclusionProofInvalid / inclusion_proof_invalid = "INCLUSION_PROOF_INVALID",
    UnsortedReceiptArray / unsorted_receipt_array = "UNSORTED_RECEIPT_ARRAY",
    InvalidRoot / invalid_root = "INVALID_ROOT",
    InconsistentRunId / inconsistent_run_id = "INCONSISTENT_RUN_ID",
    PolicyBindingMismatch / policy_binding_mismatch = "POLICY_BINDING_MISMATCH",
    PolicyViolation / policy_violation = "POLICY_VIOLATION",
    ApprovalArgsMismatch / approval_args_mismatch = "APPROVAL_ARGS_MISMATCH",
    GatewayPolicyMismatch / gateway_policy_mismatch = "GATEWAY_POLICY_MISMATCH",
    /// Checkpoint envelope codes (docs/SPEC.md §3), passed through from the envelope layer.
    SignerNotAllowed / signer_not_allowed = "SIGNER_NOT_ALLOWED",
    InvalidTimestamp / invalid_timestamp = "INVALID_TIMESTAMP",
    Expired / expired = "EXPIRED",
    CanonicalizationError / canonicalization_error = "CANONICALIZATION_ERROR",
}

impl Detail {
    /// A detail at `step`.
    pub(crate) fn new(step: Step, message: impl Into<String>, field: Option<&str>) -> Detail {
        Detail {
            step,
            message: message.into(),
            field: field.map(str::to_string),
        }
    }
}

impl VerifyFailure {
    /// The step (component) that failed.
    pub fn step(&self) -> Step {
        self.detail().step
    }

    /// The message.
    pub fn message(&self) -> &str {
        &self.detail().message
    }

    /// The JSON path of the failing field, when known.
    pub fn field(&self) -> Option<&str> {
        self.detail().field.as_deref()
    }

    /// (reason code, message, field), consuming the failure.
    pub(crate) fn into_parts(self) -> (&'static str, String, Option<String>) {
        let code = self.reason_code();
        let d = self.into_detail();
        (code, d.message, d.field)
    }
}

/// A step's outcome: `Err` stops the verification.
pub(crate) type StepResult<T = ()> = Result<T, VerifyFailure>;

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    const SPEC: &str = include_str!("../../../../docs/SPEC.md");

    fn d() -> Detail {
        Detail::new(Step::Envelope, "m", Some("f"))
    }

    #[test]
    fn codes_are_distinct_and_round_trip() {
        let set: HashSet<&str> = VerifyFailure::CODES.iter().copied().collect();
        assert_eq!(set.len(), VerifyFailure::CODES.len());
        for code in VerifyFailure::CODES {
            let f = VerifyFailure::from_code(code, d());
            assert!(!matches!(f, VerifyFailure::PassedThrough(..)), "{code}");
            assert_eq!(f.reason_code(), *code);
            assert_eq!(f.message(), "m");
            assert_eq!(f.field(), Some("f"));
            assert_eq!(f.step(), Step::Envelope);
        }
    }

    #[test]
    fn every_code_is_documented_in_the_spec() {
        for code in VerifyFailure::CODES {
            assert!(SPEC.contains(code), "{code} is not in docs/SPEC.md");
        }
    }

    #[test]
    fn every_step_is_a_documented_component() {
        let names: HashSet<&str> = Step::ALL.iter().map(|s| s.as_str()).collect();
        assert_eq!(names.len(), Step::ALL.len());
        let spec = SPEC
            .split("components:")
            .nth(1)
            .and_then(|s| s.split("each `pass").next())
            .unwrap_or("");
        for s in Step::ALL {
            assert!(spec.contains(s.as_str()), "{} not listed", s.as_str());
        }
    }

    #[test]
    fn lower_layer_codes_have_their_own_variant() {
        // The envelope layer's codes (a checkpoint), the causal checks', the approval
        // binding's and the one-document rule's: none falls through to PassedThrough.
        let lower = [
            crate::envelope::EnvelopeError::HashMismatch.reason_code(),
            crate::envelope::EnvelopeError::SignatureInvalid.reason_code(),
            crate::envelope::EnvelopeError::Malformed(String::new()).reason_code(),
            crate::envelope::EnvelopeError::UnknownVersion(String::new()).reason_code(),
            crate::envelope::EnvelopeError::UnknownHashAlgorithm(String::new()).reason_code(),
            crate::envelope::EnvelopeError::UnknownAlgorithm(String::new()).reason_code(),
            crate::envelope::EnvelopeError::InvalidDid(String::new()).reason_code(),
            crate::envelope::EnvelopeError::SignerNotAllowed(String::new()).reason_code(),
            crate::envelope::EnvelopeError::InvalidTimestamp(String::new()).reason_code(),
            crate::envelope::EnvelopeError::Expired(String::new()).reason_code(),
            crate::envelope::EnvelopeError::Canonicalization(String::new()).reason_code(),
            super::super::super::AMBIGUOUS_DOCUMENT,
        ];
        for code in lower {
            let f = VerifyFailure::from_code(code, d());
            assert!(!matches!(f, VerifyFailure::PassedThrough(..)), "{code}");
        }
    }

    #[test]
    fn causal_and_approval_codes_have_their_own_variant() {
        // Every code literal of the causal checks and the approval binding.
        for src in [
            include_str!("../causal.rs"),
            include_str!("../approval_binding.rs"),
            include_str!("../gateway_policy.rs"),
        ] {
            let mut n = 0;
            for part in src.split('"').skip(1).step_by(2) {
                let is_code = part.len() > 3
                    && part.contains('_')
                    && part.bytes().all(|b| b.is_ascii_uppercase() || b == b'_');
                if !is_code {
                    continue;
                }
                n += 1;
                let code: &'static str = Box::leak(part.to_string().into_boxed_str());
                let f = VerifyFailure::from_code(code, d());
                assert!(!matches!(f, VerifyFailure::PassedThrough(..)), "{code}");
            }
            assert!(n > 0);
        }
    }

    #[test]
    fn passed_through_keeps_its_code() {
        let f = VerifyFailure::from_code("OK", d());
        assert!(matches!(f, VerifyFailure::PassedThrough("OK", _)));
        assert_eq!(f.reason_code(), "OK");
        assert_eq!(f.to_string(), "m");
    }
}

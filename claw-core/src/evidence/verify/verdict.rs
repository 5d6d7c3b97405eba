//! What the verifiers answer: the [`VerdictHead`] every verdict starts with (proof, export
//! and aggregate bundles), the tiers, the components, and the proof-bundle [`Verdict`].

use crate::json;
use serde_json::{json, Map, Value};

/// The proof tier.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ProofTier {
    /// The bundle is invalid.
    Unknown,
    /// Intact and signed by its agent, nothing external verified (`self`).
    SelfTier,
    /// At least one allowlisted, bound gateway receipt (`gateway`).
    Gateway,
    /// At least one valid attestation by an allowlisted attester (`sandbox`).
    Sandbox,
}

impl ProofTier {
    /// The protocol's name.
    pub fn as_str(self) -> &'static str {
        match self {
            ProofTier::Unknown => "unknown",
            ProofTier::SelfTier => "self",
            ProofTier::Gateway => "gateway",
            ProofTier::Sandbox => "sandbox",
        }
    }
}

/// The reference's trust tier, lowest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum TrustTier {
    /// The bundle is invalid.
    Unknown,
    /// Valid, nothing more shown (`basic`).
    Basic,
    /// A valid event chain, or every gateway receipt verified (`verified`).
    Verified,
    /// Every attestation verified (`attested`).
    Attested,
    /// URM, event chain, receipts and attestations all verified (`full`).
    Full,
}

impl TrustTier {
    /// The reference's name.
    pub fn as_str(self) -> &'static str {
        match self {
            TrustTier::Unknown => "unknown",
            TrustTier::Basic => "basic",
            TrustTier::Verified => "verified",
            TrustTier::Attested => "attested",
            TrustTier::Full => "full",
        }
    }
}

impl std::fmt::Display for TrustTier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl PartialEq<&str> for TrustTier {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

/// Outcome of one component.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ComponentStatus {
    /// Checked and correct.
    Pass,
    /// Checked and wrong: the bundle is invalid.
    Fail,
    /// Checked, problem reported without failing the bundle (e.g. causal `warn` mode).
    Warn,
    /// Absent or not configured.
    Skipped,
}

impl ComponentStatus {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            ComponentStatus::Pass => "pass",
            ComponentStatus::Fail => "fail",
            ComponentStatus::Warn => "warn",
            ComponentStatus::Skipped => "skipped",
        }
    }
}

/// One component's result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Component {
    /// The component (`envelope`, `event_chain`, `receipts`, ...).
    pub name: &'static str,
    /// Its outcome.
    pub status: ComponentStatus,
    /// `OK` or the reason code.
    pub code: &'static str,
    /// What was found, for people.
    pub detail: String,
}

/// What every verdict says first: valid or not, the one reason code (`OK` when valid), the
/// reason, the failing field when known, and the verification time. [`Verdict::head`],
/// [`super::super::ExportVerdict::head`] and [`super::super::AggregateVerdict::head`] give
/// it; its one JSON form is [`VerdictHead::write_json`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VerdictHead<'a> {
    /// Whether the document verified.
    pub valid: bool,
    /// `OK` when valid, else one reason code.
    pub reason_code: &'static str,
    /// A human-readable explanation of `reason_code`.
    pub reason: &'a str,
    /// JSON path of the failing field, when known.
    pub field: Option<&'a str>,
    /// RFC 3339 with milliseconds.
    pub verified_at: &'a str,
}

impl VerdictHead<'_> {
    /// VALID?
    pub fn is_valid(&self) -> bool {
        self.valid
    }

    /// The head's members of the registry's verification shape: `status` (`PASS`/`FAIL`),
    /// `reason_code`, `reason`, `verified_at`, and `field` when known.
    pub fn write_json(&self, m: &mut Map<String, Value>) {
        m.insert(
            "status".into(),
            Value::String(if self.valid { "PASS" } else { "FAIL" }.into()),
        );
        m.insert("reason_code".into(), Value::String(self.reason_code.into()));
        m.insert("reason".into(), Value::String(self.reason.into()));
        m.insert("verified_at".into(), Value::String(self.verified_at.into()));
        if let Some(f) = self.field {
            m.insert("field".into(), Value::String(f.into()));
        }
    }
}

/// `is_valid` and `head` of each verdict type: every one has the head's members (`valid`,
/// `reason_code`, `reason`, `field`, `verified_at`) as public fields of its own, and reads
/// them here. A macro because the three are inherent methods of three types.
macro_rules! verdict_head {
    ($($verdict:ty),+) => {$(
        impl $verdict {
            /// VALID?
            pub fn is_valid(&self) -> bool {
                self.valid
            }

            /// Valid, reason code, reason, field, time.
            pub fn head(&self) -> VerdictHead<'_> {
                VerdictHead {
                    valid: self.valid,
                    reason_code: self.reason_code,
                    reason: &self.reason,
                    field: self.field.as_deref(),
                    verified_at: &self.verified_at,
                }
            }
        }
    )+};
}

verdict_head!(
    Verdict,
    crate::evidence::ExportVerdict,
    crate::evidence::AggregateVerdict
);

/// The verifier's answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    /// Whether the bundle verified.
    pub valid: bool,
    /// `OK` when valid, else one reason code.
    pub reason_code: &'static str,
    /// A human-readable explanation of `reason_code`.
    pub reason: String,
    /// JSON path of the failing field, when known.
    pub field: Option<String>,
    /// What the bundle proves (highest tier its verified evidence reaches).
    pub proof_tier: ProofTier,
    /// The reference's trust tier.
    pub trust_tier: TrustTier,
    /// RFC 3339 time of the verification (the injected clock).
    pub verified_at: String,
    /// The bundle's `bundle_id`, when it could be read.
    pub bundle_id: Option<String>,
    /// The bundle's `agent_did`, when it could be read.
    pub agent_did: Option<String>,
    /// The run id the bundle's events carry, when it could be read.
    pub run_id: Option<String>,
    /// Each check's result, in order.
    pub components: Vec<Component>,
    /// Gateway receipts in the bundle.
    pub receipts_count: usize,
    /// Gateway receipts whose signature verified.
    pub receipts_signature_verified_count: usize,
    /// Gateway receipts whose signature and binding both verified.
    pub receipts_verified_count: usize,
}

impl Verdict {
    /// A component by name.
    pub fn component(&self, name: &str) -> Option<&Component> {
        self.components.iter().find(|c| c.name == name)
    }

    /// The registry's verification shape: `{status: PASS|FAIL, reason_code, reason,
    /// verified_at, proof_tier, trust_tier, bundle_id?, agent_did?, run_id?, field?,
    /// components: {name: {status, code, detail}}, counts}` (keys sorted).
    pub fn to_json(&self) -> Value {
        let mut m = verdict_json(
            self.head(),
            self.proof_tier,
            &self.components,
            [
                ("bundle_id", &self.bundle_id),
                ("agent_did", &self.agent_did),
                ("run_id", &self.run_id),
            ],
            json!({
                "receipts": self.receipts_count,
                "receipts_signature_verified": self.receipts_signature_verified_count,
                "receipts_verified": self.receipts_verified_count,
            }),
        );
        m.insert(
            "trust_tier".into(),
            Value::String(self.trust_tier.as_str().into()),
        );
        json::sorted(&Value::Object(m))
    }
}

/// The registry's verification shape shared by proof and export verdicts: the head,
/// `proof_tier`, the identifiers that are known, `components: {name: {status, code,
/// detail}}` and `counts`. The caller adds its own members and sorts.
pub(crate) fn verdict_json(
    head: VerdictHead<'_>,
    proof_tier: ProofTier,
    components: &[Component],
    ids: [(&str, &Option<String>); 3],
    counts: Value,
) -> Map<String, Value> {
    let mut comps = Map::new();
    for c in components {
        comps.insert(
            c.name.into(),
            json!({"status": c.status.as_str(), "code": c.code, "detail": c.detail}),
        );
    }
    let mut m = Map::new();
    head.write_json(&mut m);
    m.insert(
        "proof_tier".into(),
        Value::String(proof_tier.as_str().into()),
    );
    for (k, v) in ids {
        if let Some(v) = v {
            m.insert(k.into(), Value::String(v.clone()));
        }
    }
    m.insert("components".into(), Value::Object(comps));
    m.insert("counts".into(), counts);
    m
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tiers_are_ordered_lowest_first() {
        let proof = [
            ProofTier::Unknown,
            ProofTier::SelfTier,
            ProofTier::Gateway,
            ProofTier::Sandbox,
        ];
        assert!(proof.windows(2).all(|w| w[0] < w[1]));
        let names: Vec<&str> = proof.iter().map(|t| t.as_str()).collect();
        assert_eq!(names, ["unknown", "self", "gateway", "sandbox"]);
        let trust = [
            TrustTier::Unknown,
            TrustTier::Basic,
            TrustTier::Verified,
            TrustTier::Attested,
            TrustTier::Full,
        ];
        assert!(trust.windows(2).all(|w| w[0] < w[1]));
        let names: Vec<String> = trust.iter().map(ToString::to_string).collect();
        assert_eq!(names, ["unknown", "basic", "verified", "attested", "full"]);
        assert!(TrustTier::Full == "full");
    }

    #[test]
    fn head_json_has_field_only_when_known() {
        let pass = VerdictHead {
            valid: true,
            reason_code: "OK",
            reason: "ok",
            field: None,
            verified_at: "t",
        };
        let mut m = Map::new();
        pass.write_json(&mut m);
        assert_eq!(
            Value::Object(m),
            json!({"status": "PASS", "reason_code": "OK", "reason": "ok", "verified_at": "t"})
        );
        let mut m = Map::new();
        let h = VerdictHead {
            valid: false,
            reason_code: "HASH_MISMATCH",
            field: Some("x.y"),
            ..pass
        };
        assert!(!h.is_valid());
        h.write_json(&mut m);
        assert_eq!(m["status"], "FAIL");
        assert_eq!(m["reason_code"], "HASH_MISMATCH");
        assert_eq!(m["field"], "x.y");
    }
}

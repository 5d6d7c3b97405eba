//! docs/SPEC.md §6.3 step 35: the proof tier and the reference's trust tier of a VALID
//! bundle, from what the steps before counted.

use super::verdict::{ProofTier, TrustTier};

/// What the tiers are decided from.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Counted {
    /// Attestations verified, and how many the bundle carries.
    pub attestations_verified: usize,
    pub attestations: usize,
    /// Gateway receipts fully verified, and how many the bundle carries.
    pub gateway_verified: usize,
    pub gateway: usize,
    /// Gateway receipts with a valid log inclusion proof.
    pub with_log_proof: usize,
    /// The bundle has an event chain (it verified).
    pub event_chain: bool,
    /// The bundle references a URM, and it verified.
    pub urm: Option<bool>,
    /// `spec_strict`: a gateway receipt counts only with a log proof.
    pub spec_strict: bool,
}

/// `sandbox` if an attestation verified; else `gateway` if a gateway receipt counts; else
/// `self`.
pub(crate) fn proof_tier(c: &Counted) -> ProofTier {
    let gateway_counted = if c.spec_strict {
        c.with_log_proof.min(c.gateway_verified)
    } else {
        c.gateway_verified
    };
    if c.attestations_verified > 0 {
        ProofTier::Sandbox
    } else if gateway_counted > 0 {
        ProofTier::Gateway
    } else {
        ProofTier::SelfTier
    }
}

/// The reference's rule: `full` with a verified URM, event chain, receipts and
/// attestations; else `attested` with verified attestations; else `verified` with an event
/// chain or verified gateway receipts; else `basic`.
pub(crate) fn trust_tier(c: &Counted) -> TrustTier {
    let receipts_valid = c.gateway_verified == c.gateway;
    let attestations_valid = c.attestations_verified == c.attestations;
    if c.urm == Some(true) && c.event_chain && receipts_valid && attestations_valid {
        TrustTier::Full
    } else if attestations_valid && c.attestations > 0 {
        TrustTier::Attested
    } else if c.event_chain || (receipts_valid && c.gateway > 0) {
        TrustTier::Verified
    } else {
        TrustTier::Basic
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proof_tier_rules() {
        let mut c = Counted::default();
        assert_eq!(proof_tier(&c), ProofTier::SelfTier);
        c.gateway = 2;
        c.gateway_verified = 2;
        assert_eq!(proof_tier(&c), ProofTier::Gateway);
        c.spec_strict = true;
        assert_eq!(proof_tier(&c), ProofTier::SelfTier);
        c.with_log_proof = 1;
        assert_eq!(proof_tier(&c), ProofTier::Gateway);
        c.attestations = 2;
        c.attestations_verified = 1;
        assert_eq!(proof_tier(&c), ProofTier::Sandbox);
    }

    #[test]
    fn trust_tier_rules() {
        let mut c = Counted::default();
        assert_eq!(trust_tier(&c), TrustTier::Basic);
        c.gateway = 1;
        c.gateway_verified = 1;
        assert_eq!(trust_tier(&c), TrustTier::Verified);
        c.gateway_verified = 0;
        assert_eq!(trust_tier(&c), TrustTier::Basic);
        c.event_chain = true;
        assert_eq!(trust_tier(&c), TrustTier::Verified);
        c.attestations = 1;
        c.attestations_verified = 1;
        assert_eq!(trust_tier(&c), TrustTier::Attested);
        c.gateway_verified = 1;
        c.urm = Some(false);
        assert_eq!(trust_tier(&c), TrustTier::Attested);
        c.urm = Some(true);
        assert_eq!(trust_tier(&c), TrustTier::Full);
        // No URM reference: never full (the reference's rule).
        c.urm = None;
        assert_eq!(trust_tier(&c), TrustTier::Attested);
    }
}

//! docs/SPEC.md §6.3 step 25 (gateway receipts counted: signature, binding to the run and an
//! event) and the strict layer S of the reference's CLI [gateway].

use super::super::par_map;
use super::config::VerifyConfig;
use super::events::EventFacts;
use super::failure::{Step, StepResult, VerifyFailure};
use super::gateway_facts::GatewayFacts;
use serde_json::Value;

/// Step 25's counts: gateway receipts signature-verified and fully verified (signed and
/// bound), and one line per receipt that is not.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct GatewayCount {
    pub total: usize,
    pub signature_verified: usize,
    pub verified: usize,
    pub problems: Vec<String>,
}

impl GatewayCount {
    /// Every gateway receipt verified (vacuously with none).
    pub fn all_verified(&self) -> bool {
        self.verified == self.total
    }
}

/// Step 25 (never fatal): each receipt's generic checks and signature (its facts, `sig_ok`
/// indexed by their jobs) and its binding to the chain's run and one of its events.
pub(crate) fn count(
    gw: &GatewayFacts,
    sig_ok: &[bool],
    chain: Option<&EventFacts>,
    threads: usize,
) -> GatewayCount {
    let receipts = gw.receipts();
    let bound = par_map(receipts, threads, |r| chain.is_some_and(|c| r.bound_to(c)));
    let mut c = GatewayCount {
        total: gw.len(),
        ..GatewayCount::default()
    };
    for (i, (r, bound)) in receipts.iter().zip(bound).enumerate() {
        let sig = match r.pre() {
            Ok(j) if sig_ok[j] => Ok(()),
            Ok(_) => Err(("SIGNATURE_INVALID", "signature does not verify")),
            Err(e) => Err((e.failure().reason_code(), e.message())),
        };
        if let Err((code, m)) = sig {
            c.problems.push(format!("receipts[{i}]: {code} {m}"));
            continue;
        }
        c.signature_verified += 1;
        if bound {
            c.verified += 1;
        } else {
            c.problems.push(format!(
                "receipts[{i}]: RECEIPT_BINDING_MISMATCH not bound to the event chain"
            ));
        }
    }
    c
}

/// The strict layer S with gateway receipts present: an allowlist is configured and every
/// receipt verified.
pub(crate) fn check_strict(c: &GatewayCount, cfg: &VerifyConfig) -> StepResult {
    const G: Step = Step::Gateway;
    if cfg.allowlists.gateway_receipt_signer_dids.is_empty() {
        return Err(VerifyFailure::dependency_not_configured(
            G,
            "gateway receipts present but no gateway signer allowlist is configured",
            Some("payload.receipts"),
        ));
    }
    if !c.all_verified() {
        let f = if c.signature_verified == c.total {
            VerifyFailure::receipt_binding_mismatch
        } else {
            VerifyFailure::receipt_verification_failed
        };
        return Err(f(G, c.problems.join("; "), Some("payload.receipts")));
    }
    Ok(())
}

/// C6: every gateway receipt bound to the policy the run declares
/// (`metadata["claw.dev/v1"].run.policy.hash_b64u`), when the receipt states one
/// (docs/SPEC.md §7.12). Returns (receipts bound to it, receipts stating no policy).
pub(crate) fn check_policy(payload: &Value, gw: &GatewayFacts) -> StepResult<(usize, usize)> {
    use super::super::gateway_policy::GatewayPolicy;
    let declared = payload
        .get("metadata")
        .and_then(|m| m.get(super::super::CLAW_NAMESPACE))
        .and_then(|n| n.get("run"))
        .and_then(|r| r.get("policy"))
        .and_then(|p| p.get("hash_b64u"))
        .and_then(Value::as_str);
    let (mut bound, mut unstated) = (0, 0);
    for (i, r) in gw.receipts().iter().enumerate() {
        match r.policy().check(declared, r.receipt_id()) {
            Ok(GatewayPolicy::Bound) => bound += 1,
            Ok(GatewayPolicy::Unstated) => unstated += 1,
            Ok(GatewayPolicy::Undeclared) => {}
            Err(e) => {
                let field = format!("payload.receipts[{i}].payload.binding.policy_hash");
                return Err(VerifyFailure::from_code(
                    e.reason_code(),
                    super::failure::Detail::new(
                        Step::Gateway,
                        format!("receipts[{i}]: {}", e.message),
                        Some(&field),
                    ),
                ));
            }
        }
    }
    Ok((bound, unstated))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn counted(total: usize, sig: usize, ok: usize) -> GatewayCount {
        GatewayCount {
            total,
            signature_verified: sig,
            verified: ok,
            problems: vec!["receipts[0]: x".into()],
        }
    }

    #[test]
    fn strict_layer_codes() {
        let mut cfg = VerifyConfig::new(0);
        let code = |c: &GatewayCount, cfg: &VerifyConfig| {
            check_strict(c, cfg).map_err(|e| e.reason_code())
        };
        assert_eq!(
            code(&counted(1, 1, 1), &cfg),
            Err("DEPENDENCY_NOT_CONFIGURED")
        );
        cfg.allowlists.gateway_receipt_signer_dids = vec!["did:key:z".into()];
        assert_eq!(code(&counted(1, 1, 1), &cfg), Ok(()));
        assert_eq!(
            code(&counted(2, 2, 1), &cfg),
            Err("RECEIPT_BINDING_MISMATCH")
        );
        assert_eq!(
            code(&counted(2, 1, 1), &cfg),
            Err("RECEIPT_VERIFICATION_FAILED")
        );
    }

    #[test]
    fn count_reports_unsigned_and_unbound_receipts() {
        let gw = vec![
            serde_json::json!({"payload": {"binding": {"run_id": "r", "event_hash_b64u": "AAAAAAAA"}}}),
            serde_json::json!({"payload": {"binding": {"run_id": "other", "event_hash_b64u": "AAAAAAAA"}}}),
            serde_json::json!({}),
        ];
        // Every receipt passes the generic checks: the allowlisted signer is every one's.
        let mut cfg = VerifyConfig::new(0);
        cfg.allowlists.gateway_receipt_signer_dids = vec!["did:key:z".into()];
        let facts = GatewayFacts::for_tests(&gw, &cfg);
        let event = serde_json::json!({"run_id": "r", "event_hash_b64u": "AAAAAAAA"});
        let events = super::super::events::EventScan::whole(&[event], 1);
        let c = count(&facts, &[true, true, false], Some(&events), 1);
        assert_eq!((c.total, c.signature_verified, c.verified), (3, 2, 1));
        assert_eq!(
            c.problems,
            [
                "receipts[1]: RECEIPT_BINDING_MISMATCH not bound to the event chain",
                "receipts[2]: SIGNATURE_INVALID signature does not verify"
            ]
        );
    }
}

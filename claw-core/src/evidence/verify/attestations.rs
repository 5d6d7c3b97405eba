//! docs/SPEC.md §6.3 step 34 [attestations]: counted, never fatal: an allowlisted attester,
//! the bundle's agent as subject, not expired, the signature over the JCS of the attestation
//! with an empty `signature_b64u`.

use super::config::VerifyConfig;
use super::helpers::{did_key, parse_ms, str_of};
use crate::json;
use serde_json::Value;

/// Step 34: how many attestations verify.
pub(crate) fn count(atts: &[Value], agent_did: &str, cfg: &VerifyConfig) -> usize {
    atts.iter()
        .filter(|a| {
            let attester = str_of(a, "attester_did").unwrap_or("");
            if !cfg
                .allowlists
                .attestation_signer_dids
                .iter()
                .any(|d| d == attester)
            {
                return false;
            }
            if str_of(a, "subject_did") != Some(agent_did) {
                return false;
            }
            if let Some(exp) = a.get("expires_at") {
                if parse_ms(exp.as_str()).is_none_or(|ms| cfg.now_ms > ms) {
                    return false;
                }
            }
            let mut unsigned = (*a).clone();
            if let Some(o) = unsigned.as_object_mut() {
                o.insert("signature_b64u".into(), Value::String(String::new()));
            }
            let Ok(msg) = json::canonicalize(&unsigned) else {
                return false;
            };
            let Ok(Some(k)) = did_key(attester) else {
                return false;
            };
            k.verify_b64u(&msg, str_of(a, "signature_b64u").unwrap_or(""))
                .is_ok()
        })
        .count()
}

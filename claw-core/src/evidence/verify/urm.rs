//! docs/SPEC.md §6.3 step 24: the URM a bundle references [urm]: supplied
//! (`VerifyConfig::urm`), its ids the bundle's, its hash the reference's.

use super::failure::{Step, StepResult, VerifyFailure};
use super::helpers::{js_hash, str_of};
use serde_json::Value;

/// Step 24: `reference` is `payload.urm`, `urm` the document supplied.
pub(crate) fn check(
    reference: &Value,
    urm: Option<&Value>,
    agent_did: &str,
    chain_run: Option<&str>,
    first_event_hash: Option<&str>,
) -> StepResult<bool> {
    const C: Step = Step::Urm;
    let Some(u) = urm else {
        return Err(VerifyFailure::urm_missing(
            C,
            "bundle references a URM but none was supplied",
            Some("payload.urm"),
        ));
    };
    if !u.is_object() {
        return Err(VerifyFailure::schema_validation_failed(
            C,
            "URM must be an object",
            None,
        ));
    }
    let mismatch = |k: &str| {
        VerifyFailure::urm_mismatch(
            C,
            format!("URM {k} does not match the bundle"),
            Some("payload.urm"),
        )
    };
    if str_of(u, "urm_id") != str_of(reference, "urm_id") {
        return Err(mismatch("urm_id"));
    }
    if str_of(u, "agent_did") != Some(agent_did) {
        return Err(mismatch("agent_did"));
    }
    if let Some(run) = chain_run {
        if str_of(u, "run_id") != Some(run) {
            return Err(mismatch("run_id"));
        }
        if str_of(u, "event_chain_root_hash_b64u") != first_event_hash {
            return Err(mismatch("event_chain_root_hash_b64u"));
        }
    }
    if js_hash(u).as_deref() != str_of(reference, "resource_hash_b64u") {
        return Err(VerifyFailure::hash_mismatch(
            C,
            "URM hash differs from urm.resource_hash_b64u",
            Some("payload.urm.resource_hash_b64u"),
        ));
    }
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn missing_mismatched_and_hashed() {
        let doc = json!({"urm_id": "u", "agent_did": "a", "run_id": "r",
                         "event_chain_root_hash_b64u": "h0"});
        let reference = json!({"urm_id": "u", "resource_hash_b64u": js_hash(&doc)});
        let code = |urm: Option<&Value>, agent: &str| {
            check(&reference, urm, agent, Some("r"), Some("h0")).map_err(|e| e.reason_code())
        };
        assert_eq!(code(Some(&doc), "a"), Ok(true));
        assert_eq!(code(None, "a"), Err("URM_MISSING"));
        assert_eq!(code(Some(&json!([])), "a"), Err("SCHEMA_VALIDATION_FAILED"));
        assert_eq!(code(Some(&doc), "b"), Err("URM_MISMATCH"));
        let mut other = doc.clone();
        other["extra"] = json!(1);
        assert_eq!(code(Some(&other), "a"), Err("HASH_MISMATCH"));
    }
}

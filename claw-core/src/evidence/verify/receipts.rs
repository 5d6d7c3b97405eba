//! docs/SPEC.md §6.3 steps 26–28 [receipts]: tool receipts (agent, binding, expiry, hash,
//! signature, co-signatures, selective disclosures), side-effect and approval receipts
//! (version, hash algorithm, agent); and claw's C2 (`spec_strict` sorting) and C5 (approvals
//! bound to the arguments they approved).

use super::super::approval_binding;
use super::super::receipts::{receipt_id_of, ReceiptKind};
use super::config::VerifyConfig;
use super::events::EventFacts;
use super::failure::{Detail, Step, StepResult, VerifyFailure};
use super::helpers::{arr, parse_ms, str_of};
use super::prepare::{ToolPre, Variant};
use super::support_facts::SupportFacts;
use super::tool_facts::ToolFacts;
use super::view::BundleView;
use crate::{hash, json};
use serde_json::{json, Value};

const C: Step = Step::Receipts;

/// Step 26 for every tool receipt: the first failure in array order, from the receipts'
/// facts and the event chain's (`chain`, when there is one).
pub(crate) fn check_tools(tools: &ToolFacts, chain: Option<&EventFacts>) -> StepResult {
    tools.check(chain)
}

/// C2 (`spec_strict`): every receipt array sorted by `receipt_id`.
pub(crate) fn check_sorted(v: &BundleView<'_>) -> StepResult {
    for kind in ReceiptKind::ALL {
        let items = v.receipts(kind);
        let sorted = items.windows(2).all(|w| {
            json::cmp_utf16(receipt_id_of(&w[0]), receipt_id_of(&w[1]))
                != std::cmp::Ordering::Greater
        });
        if !sorted {
            return Err(VerifyFailure::unsorted_receipt_array(
                C,
                format!("{} is not sorted by receipt_id", kind.array_name()),
                Some(kind.array_name()),
            ));
        }
    }
    Ok(())
}

/// C5: approvals bound to the arguments they approved (docs/SPEC.md §7.9).
pub(crate) fn check_approvals(v: &BundleView<'_>, events: &EventFacts) -> StepResult {
    approval_binding::check(events, v.tools, v.approvals)
        .map(|_| ())
        .map_err(|e| {
            let code = e.reason_code();
            VerifyFailure::from_code(code, Detail::new(C, e.message, Some("tool_receipts")))
        })
}

/// Step 26 for one tool receipt, but its binding to the event chain (checked from
/// [`ToolFacts`], or by the caller of a receipt checked outside its bundle): its agent, then
/// [`check_tool_sealed`].
pub(crate) fn check_tool_receipt(
    i: usize,
    r: &Value,
    pre: &ToolPre,
    sig_ok: &[bool],
    agent_did: &str,
    cfg: &VerifyConfig,
) -> StepResult {
    check_tool_agent(i, r, agent_did)?;
    check_tool_sealed(i, r, pre, sig_ok, cfg)
}

/// Tool receipt `i`'s failure `v` with message `m`.
pub(crate) fn tool_fail(i: usize, v: Variant, m: &str) -> VerifyFailure {
    let f = format!("payload.tool_receipts[{i}]");
    v(Detail::new(C, format!("tool_receipts[{i}]: {m}"), Some(&f)))
}

/// Step 26's first check of tool receipt `i`, before its binding: the payload's `agent_did`
/// is the bundle's.
pub(crate) fn check_tool_agent(i: usize, r: &Value, agent_did: &str) -> StepResult {
    let p = if r.get("envelope_type").is_some() {
        &r["payload"]
    } else {
        r
    };
    if str_of(p, "agent_did") != Some(agent_did) {
        return Err(tool_fail(
            i,
            VerifyFailure::ProofBundleAgentMismatch,
            "agent_did differs from the bundle's",
        ));
    }
    Ok(())
}

/// Step 26's checks of tool receipt `i` after its binding: an envelope's expiry, payload
/// hash, signature and co-signatures (`pre`, `sig_ok` from [`super::prepare`]), then a v2
/// payload's selective disclosures.
pub(crate) fn check_tool_sealed(
    i: usize,
    r: &Value,
    pre: &ToolPre,
    sig_ok: &[bool],
    cfg: &VerifyConfig,
) -> StepResult {
    let fail = |v: Variant, m: &str| tool_fail(i, v, m);
    let is_env = r.get("envelope_type").is_some();
    let p = if is_env { &r["payload"] } else { r };
    if is_env {
        if let Some(exp) = r.get("expires_at") {
            let Some(ms) = parse_ms(exp.as_str()) else {
                return Err(fail(
                    VerifyFailure::SchemaValidationFailed,
                    "expires_at is not a date-time",
                ));
            };
            if cfg.now_ms > ms.saturating_add(cfg.ttl_skew_ms) {
                return Err(fail(
                    VerifyFailure::ExpiredTtl,
                    "tool receipt envelope expired",
                ));
            }
        }
        match pre.hash_ok {
            Some(Ok(())) => {}
            Some(Err(v)) => return Err(fail(v, "payload_hash_b64u does not match the payload")),
            None => return Err(fail(VerifyFailure::HashMismatch, "payload missing")),
        }
        if !pre.primary_key_ok || !pre.primary_job.is_some_and(|j| sig_ok[j]) {
            return Err(fail(
                VerifyFailure::SignatureInvalid,
                "envelope signature does not verify",
            ));
        }
        if str_of(r, "envelope_version") == Some("2") {
            for (j, job) in pre.cosig_jobs.iter().enumerate() {
                if !job.is_some_and(|j| sig_ok[j]) {
                    return Err(fail(
                        VerifyFailure::CoSignatureInvalid,
                        &format!("co_signatures[{j}] does not verify"),
                    ));
                }
            }
        }
    }
    if str_of(p, "receipt_version") == Some("2") {
        for (d, committed) in [
            ("args_disclosure", "args_hash_b64u"),
            ("result_disclosure", "result_hash_b64u"),
        ] {
            if let Some(disc) = p.get(d) {
                check_disclosure(disc, str_of(p, committed).unwrap_or(""))
                    .map_err(|(v, m)| fail(v, &format!("{d}: {m}")))?;
            }
        }
    }
    Ok(())
}

fn js_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// Selective disclosure (`vir_v2_typed_lexicographical`).
fn check_disclosure(d: &Value, committed: &str) -> Result<(), (Variant, String)> {
    if str_of(d, "disclosure_algorithm") != Some("vir_v2_typed_lexicographical") {
        return Err((
            VerifyFailure::DisclosureAlgorithmUnknown as Variant,
            "unknown disclosure_algorithm".into(),
        ));
    }
    let root = str_of(d, "merkle_root_b64u").unwrap_or("");
    if root != committed {
        return Err((
            VerifyFailure::DisclosureRootMismatch as Variant,
            "merkle_root_b64u differs from the committed hash".into(),
        ));
    }
    let mut leaves: Vec<String> = arr(d, "redacted_leaf_hashes_b64u")
        .iter()
        .filter_map(|v| v.as_str().map(str::to_string))
        .collect();
    for (path, leaf) in d
        .get("disclosed_leaves")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        let value = leaf.get("value").unwrap_or(&Value::Null);
        let ty = str_of(leaf, "type").unwrap_or("");
        if js_type(value) != ty {
            return Err((
                VerifyFailure::DisclosureTypeMismatch as Variant,
                format!("leaf {path} declares {ty} but holds {}", js_type(value)),
            ));
        }
        let obj = json!({"type": ty, "value": value, "salt_b64u": str_of(leaf, "salt_b64u").unwrap_or("")});
        let jcs = json::canonicalize(&obj).map_err(|e| {
            (
                VerifyFailure::DisclosureRootMismatch as Variant,
                e.to_string(),
            )
        })?;
        let mut bytes = format!("{path}:").into_bytes();
        bytes.extend_from_slice(&jcs);
        leaves.push(hash::sha256_b64u(bytes));
    }
    leaves.sort_by(|a, b| json::cmp_utf16(a, b));
    let arr = Value::Array(leaves.into_iter().map(Value::String).collect());
    let computed = json::canonicalize(&arr)
        .map(hash::sha256_b64u)
        .unwrap_or_default();
    if computed != root {
        return Err((
            VerifyFailure::DisclosureRootMismatch as Variant,
            "recomputed disclosure root differs".into(),
        ));
    }
    Ok(())
}

/// Steps 27–28 for one array of side-effect or approval receipts: the first failure in
/// array order, from the array's facts.
pub(crate) fn check_support(items: &SupportFacts) -> StepResult {
    items.check()
}

/// Steps 27–28 for receipt `i` of `array`: version, hash algorithm, agent.
pub(crate) fn check_support_one(i: usize, r: &Value, array: &str, agent_did: &str) -> StepResult {
    {
        let f = format!("payload.{array}[{i}]");
        let fail = |v: Variant, m: &str| v(Detail::new(C, format!("{array}[{i}]: {m}"), Some(&f)));
        if r.get("receipt_version").is_some() && str_of(r, "receipt_version") != Some("1") {
            return Err(fail(
                VerifyFailure::UnknownVersion,
                "receipt_version must be \"1\"",
            ));
        }
        if r.get("hash_algorithm").is_some() && str_of(r, "hash_algorithm") != Some("SHA-256") {
            return Err(fail(
                VerifyFailure::UnknownHashAlgorithm,
                "hash_algorithm must be SHA-256",
            ));
        }
        if str_of(r, "agent_did").is_some_and(|a| a != agent_did) {
            return Err(fail(
                VerifyFailure::ProofBundleAgentMismatch,
                "agent_did differs from the bundle's",
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn support_receipts_version_algorithm_agent() {
        let code = |r: Value| {
            check_support_one(3, &r, "side_effect_receipts", "did:key:a")
                .map_err(|e| (e.reason_code(), e.field().map(str::to_string)))
        };
        assert_eq!(code(json!({"agent_did": "did:key:a"})), Ok(()));
        assert_eq!(
            code(json!({"receipt_version": "2"})).map_err(|e| e.0),
            Err("UNKNOWN_VERSION")
        );
        assert_eq!(
            code(json!({"hash_algorithm": "BLAKE3"})).map_err(|e| e.0),
            Err("UNKNOWN_HASH_ALGORITHM")
        );
        assert_eq!(
            code(json!({"agent_did": "did:key:b"})),
            Err((
                "PROOF_BUNDLE_AGENT_MISMATCH",
                Some("payload.side_effect_receipts[3]".into())
            ))
        );
    }

    #[test]
    fn disclosure_algorithm_and_root() {
        let code = |d: Value, committed: &str| {
            check_disclosure(&d, committed)
                .map_err(|(v, _)| v(Detail::new(C, "", None)).reason_code())
        };
        assert_eq!(
            code(json!({"disclosure_algorithm": "x"}), "r"),
            Err("DISCLOSURE_ALGORITHM_UNKNOWN")
        );
        let alg = "vir_v2_typed_lexicographical";
        assert_eq!(
            code(
                json!({"disclosure_algorithm": alg, "merkle_root_b64u": "s"}),
                "r"
            ),
            Err("DISCLOSURE_ROOT_MISMATCH")
        );
        assert_eq!(
            code(
                json!({"disclosure_algorithm": alg, "merkle_root_b64u": "r",
                       "disclosed_leaves": {"a": {"type": "string", "value": 1, "salt_b64u": ""}}}),
                "r"
            ),
            Err("DISCLOSURE_TYPE_MISMATCH")
        );
    }
}

//! docs/SPEC.md §6.3 steps 26–28 [receipts]: tool receipts (agent, binding, expiry, hash,
//! signature, co-signatures, selective disclosures), side-effect and approval receipts
//! (version, hash algorithm, agent); and claw's C2 (`spec_strict` sorting) and C5 (approvals
//! bound to the arguments they approved).

use super::super::approval_binding;
use super::super::receipts::ReceiptKind;
use super::config::VerifyConfig;
use super::events::EventFacts;
use super::failure::{Detail, Step, StepResult, VerifyFailure};
use super::helpers::{arr, parse_ms, str_of};
use super::prepare::{ToolPre, Variant};
use super::support_facts::SupportFacts;
use super::tool_facts::ToolFacts;
use crate::{hash, json};
use serde_json::{json, Value};

const C: Step = Step::Receipts;

/// Step 26 for every tool receipt: the first failure in array order, from the receipts'
/// facts and the event chain's (`chain`, when there is one).
pub(crate) fn check_tools(tools: &ToolFacts, chain: Option<&EventFacts>) -> StepResult {
    tools.check(chain)
}

/// C2 (`spec_strict`): every receipt array sorted by `receipt_id`, the first unsorted one
/// in [`ReceiptKind::ALL`] order failing. Read from the arrays' facts; the gateway
/// receipts' first unsorted position is given (`gateway`).
pub(crate) fn check_sorted(
    gateway: Option<usize>,
    tools: &ToolFacts,
    support: [&SupportFacts; 3],
) -> StepResult {
    for kind in ReceiptKind::ALL {
        let unsorted = match kind {
            ReceiptKind::Gateway => gateway,
            ReceiptKind::Tool => tools.first_unsorted(),
            _ => support
                .iter()
                .find(|s| s.kind() == kind)
                .and_then(|s| s.first_unsorted()),
        };
        if unsorted.is_some() {
            return Err(VerifyFailure::unsorted_receipt_array(
                C,
                format!("{} is not sorted by receipt_id", kind.array_name()),
                Some(kind.array_name()),
            ));
        }
    }
    Ok(())
}

/// C5: approvals bound to the arguments they approved (docs/SPEC.md §7.9), from the tool
/// and approval receipts' facts and the event chain's.
pub(crate) fn check_approvals(
    tools: &ToolFacts,
    approvals: &SupportFacts,
    events: &EventFacts,
) -> StepResult {
    approval_binding::check(events, tools.bound(), approvals.approvals())
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

    use super::super::super::receipts::{payload_of, receipt_id_of};
    use super::super::super::CLAW_NAMESPACE;
    use super::super::config::PolicyReplay;
    use super::super::events::EventScan;
    use super::super::gateway_facts::GatewayScan;
    use super::super::policy;
    use super::super::support_facts::SupportScan;
    use super::super::tool_facts::ToolScan;
    use super::super::view::BundleView;
    use std::collections::HashMap;

    const AGENT: &str = "did:key:zA";

    /// C2 as it read the receipts' values before the facts.
    fn old_sorted(payload: &Value) -> StepResult {
        let v = BundleView::new(payload);
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

    /// C4 as it read the receipts' values before the facts (C4a: `policy::check_binding`,
    /// which reads the values).
    fn old_policy(payload: &Value, pol: &PolicyReplay) -> StepResult<policy::Replayed> {
        let v = BundleView::new(payload);
        let named = policy::check_binding(&payload["payload"], &pol.policy_hash_b64u)?;
        let mut n = 0;
        for (kind, items) in [
            (ReceiptKind::Tool, v.tools),
            (ReceiptKind::SideEffect, v.side_effects),
        ] {
            for (i, r) in items.iter().enumerate() {
                let rec = super::super::super::receipts::Receipt {
                    kind,
                    value: r.clone(),
                };
                if let Some(why) = (pol.decide)(kind, rec.payload()) {
                    return Err(VerifyFailure::policy_violation(
                        Step::Policy,
                        format!(
                            "{}[{i}] ({}) denied by policy {}: {why}",
                            kind.array_name(),
                            rec.receipt_id(),
                            pol.policy_hash_b64u
                        ),
                        Some(kind.array_name()),
                    ));
                }
                n += 1;
            }
        }
        Ok(policy::Replayed { receipts: n, named })
    }

    /// C5 as it read the receipts' values before the facts.
    fn old_approvals(events: &EventFacts, tools: &[Value], approvals: &[Value]) -> StepResult {
        let bound_event = |r: &Value| {
            let h = r.get("binding")?.get("event_hash_b64u")?.as_str()?;
            events.index_of(h)
        };
        let approving = |a: &&Value| {
            a.get("approval_type").and_then(Value::as_str) == Some("explicit_approve")
                && a.get("plan_hash_b64u").is_some()
        };
        if !approvals.iter().any(|a| approving(&a)) {
            return Ok(());
        }
        let mut tool_at: HashMap<usize, &Value> = HashMap::new();
        for t in tools {
            if let Some(i) = bound_event(payload_of(t)) {
                tool_at.insert(i, payload_of(t));
            }
        }
        for a in approvals {
            if a.get("approval_type").and_then(Value::as_str) != Some("explicit_approve") {
                continue;
            }
            let Some(plan) = a.get("plan_hash_b64u").and_then(Value::as_str) else {
                continue;
            };
            let Some(i) = bound_event(a) else {
                continue;
            };
            if !events.is_tool_call(i + 1) {
                continue;
            }
            let Some(p) = tool_at.get(&(i + 1)) else {
                continue;
            };
            let args = str_of(p, "args_hash_b64u").unwrap_or("");
            if args != plan {
                let m = format!(
                    "tool receipt {} ({}) follows approval {} but its args_hash_b64u {} is not the approved plan_hash_b64u {}",
                    str_of(p, "receipt_id").unwrap_or("?"),
                    str_of(p, "tool_name").unwrap_or("?"),
                    str_of(a, "receipt_id").unwrap_or("?"),
                    args,
                    plan
                );
                return Err(VerifyFailure::from_code(
                    "APPROVAL_ARGS_MISMATCH",
                    Detail::new(C, m, Some("tool_receipts")),
                ));
            }
        }
        Ok(())
    }

    /// A tool receipt envelope.
    fn tool(id: &str, name: &str, ev: &str, args: &str, policy: Value) -> Value {
        json!({"envelope_type": "tool_receipt", "payload": {"receipt_id": id, "tool_name": name,
               "args_hash_b64u": args, "agent_did": AGENT,
               "binding": {"run_id": "r", "event_hash_b64u": ev, "policy_hash": policy}}})
    }

    fn approval(id: &str, ev: &str, plan: Value, policy: Value) -> Value {
        json!({"receipt_id": id, "approval_type": "explicit_approve", "plan_hash_b64u": plan,
               "binding": {"event_hash_b64u": ev}, "policy_hash_b64u": policy})
    }

    /// The bundle `{"payload": …}` with these arrays and the run's policy hash `run_policy`.
    fn bundle(arrays: [Vec<Value>; 5], run_policy: Option<&str>) -> Value {
        let mut p = json!({"agent_did": AGENT});
        for (kind, items) in ReceiptKind::ALL.into_iter().zip(arrays) {
            p[kind.array_name()] = Value::Array(items);
        }
        if let Some(h) = run_policy {
            p["metadata"] = json!({CLAW_NAMESPACE: {"run": {"policy": {"hash_b64u": h}}}});
        }
        json!({ "payload": p })
    }

    /// C2, C4a, C4 and C5 read from the arrays' facts, gathered from runs of every size, as
    /// they read the receipts.
    #[test]
    fn c2_c4_c5_from_facts_of_runs_of_any_size() {
        let events: Vec<Value> = ["h0", "h1", "h2", "h3", "h4"]
            .iter()
            .zip(["approval", "tool_call", "approval", "tool_call", "llm_call"])
            .map(|(h, ty)| json!({"event_id": h, "run_id": "r", "event_type": ty, "event_hash_b64u": h}))
            .collect();
        let events = EventScan::whole(&events, 1);
        let p = || json!("P");
        let se = |id: &str, target: &str| json!({"receipt_id": id, "target": target, "binding": {"policy_hash": "P"}});
        let dl = |id: &str| json!({"receipt_id": id});
        let gw = |id: &str, pol: Value| {
            json!({"envelope_type": "gateway_receipt",
                                              "payload": {"receipt_id": id, "binding": {"policy_hash": pol}}})
        };
        let good = || -> [Vec<Value>; 5] {
            [
                vec![gw("rcpt_a", p()), gw("rcpt_b", p())],
                vec![
                    tool("tr_a", "read", "h1", "args1", p()),
                    tool("tr_b", "read", "h3", "old", p()),
                    tool("tr_c", "read", "h3", "args3", p()),
                    json!({"receipt_id": "tr_d", "binding": {"event_hash_b64u": 5}}),
                ],
                vec![se("ser_a", "x"), se("ser_b", "y")],
                vec![
                    approval("har_a", "h0", json!("args1"), p()),
                    approval("har_b", "h2", json!("args3"), p()),
                    approval("har_c", "h4", json!("zz"), p()),
                    approval("har_d", "h9", json!("zz"), p()),
                    approval("har_e", "h0", json!(7), p()),
                    json!({"receipt_id": "har_f", "approval_type": "deny", "plan_hash_b64u": "zz",
                           "binding": {"event_hash_b64u": "h0"}}),
                ],
                vec![dl("dr_a"), dl("dr_b"), dl("dr_b")],
            ]
        };
        let mut cases = vec![(good(), Some("P"))];
        let mut c = good();
        c[1].swap(1, 2);
        cases.push((c, None));
        let mut c = good();
        c[4].swap(0, 2);
        c[2][1]["target"] = json!("deny");
        cases.push((c, Some("P")));
        let mut c = good();
        c[0].swap(0, 1);
        c[3][1]["plan_hash_b64u"] = json!("other");
        cases.push((c, Some("Q")));
        let mut c = good();
        c[3][1]["policy_hash_b64u"] = json!(null);
        c[1][1]["tool_name"] = json!("rm");
        cases.push((c, Some("P")));
        let mut c = good();
        c[1][3]["binding"]["policy_hash"] = json!({"a": 1});
        c[2][0]["target"] = json!("deny");
        cases.push((c, None));
        let mut c = good();
        c[1][1]["tool_name"] = json!("rm");
        c[1][1]["payload"]["tool_name"] = json!("rm");
        c[2][0]["target"] = json!("deny");
        cases.push((c, None));
        let mut c = good();
        c[0][1]["payload"]["binding"]["policy_hash"] = json!("Q");
        cases.push((c, None));
        let mut c = good();
        c[1][2]["payload"]["args_hash_b64u"] = json!("old");
        c[1][1]["payload"]["args_hash_b64u"] = json!("args3");
        cases.push((c, None));
        // A JSON null names a policy, and is not its hash.
        let mut c = good();
        c[1][2]["payload"]["binding"]["policy_hash"] = json!(null);
        cases.push((c, Some("P")));
        // The same for a gateway receipt (C6 reads it as stating no policy).
        let mut c = good();
        c[0][1]["payload"]["binding"]["policy_hash"] = json!(null);
        cases.push((c, None));
        // An absent statement names none; a non-string one is shown as its JSON.
        let mut c = good();
        c[0][0]["payload"]["binding"] = json!({});
        c[0][1]["payload"]["binding"]["policy_hash"] = json!({"h": "P\u{2028}"});
        cases.push((c, None));
        let pol = PolicyReplay::new("P", |kind, p| {
            let denied = match kind {
                ReceiptKind::Tool => p["tool_name"] == "rm",
                ReceiptKind::SideEffect => p["target"] == "deny",
                _ => panic!("only tool and side-effect receipts are replayed"),
            };
            denied.then(|| format!("{kind:?} denied"))
        });
        let mut cfg = VerifyConfig::new(0);
        cfg.policy = Some(pol.clone());
        let mut codes = Vec::new();
        for (arrays, run_policy) in &cases {
            let b = bundle(arrays.clone(), *run_policy);
            let v = BundleView::new(&b);
            let sorted = old_sorted(&b);
            let replayed = old_policy(&b, &pol);
            let approved = old_approvals(&events, v.tools, v.approvals);
            let code = |r: Result<(), &VerifyFailure>| r.err().map_or("OK", |e| e.reason_code());
            codes.push([
                code(sorted.as_ref().map(|_| ())),
                code(replayed.as_ref().map(|_| ())),
                code(approved.as_ref().map(|_| ())),
            ]);
            let pre: Vec<ToolPre> = v
                .tools
                .iter()
                .map(|_| ToolPre {
                    hash_ok: None,
                    primary_job: None,
                    primary_key_ok: false,
                    cosig_jobs: Vec::new(),
                })
                .collect();
            // Runs of every size, and the whole array at once (0).
            for size in 0..=6 {
                let runs = |items| -> Vec<&[Value]> {
                    match size {
                        0 => vec![items],
                        n => items.chunks(n).collect(),
                    }
                };
                let mut t = ToolScan::new(AGENT, &cfg);
                let mut at = 0;
                for run in runs(v.tools) {
                    t.push(run, &pre[at..at + run.len()], &[], 2);
                    at += run.len();
                }
                let t = t.finish();
                let [se, ha, dl] = [
                    ReceiptKind::SideEffect,
                    ReceiptKind::HumanApproval,
                    ReceiptKind::Delegation,
                ]
                .map(|kind| {
                    let mut s = SupportScan::new(kind, AGENT, &cfg);
                    for run in runs(v.receipts(kind)) {
                        s.push(run, 2);
                    }
                    s.finish()
                });
                let support = [&se, &ha, &dl];
                let mut g = GatewayScan::new(&cfg);
                for run in runs(v.gateway) {
                    g.push(run, 2);
                }
                let g = g.finish();
                let got = check_sorted(g.first_unsorted(), &t, support);
                assert_eq!(got, sorted, "runs of {size}");
                let got = policy::check(v.payload, g.statements("P"), &t, support, &pol);
                assert_eq!(got, replayed, "runs of {size}");
                assert_eq!(
                    check_approvals(&t, &ha, &events),
                    approved,
                    "runs of {size}"
                );
            }
        }
        let (ok, unsorted) = ("OK", "UNSORTED_RECEIPT_ARRAY");
        let (binding, denied) = ("POLICY_BINDING_MISMATCH", "POLICY_VIOLATION");
        let args = "APPROVAL_ARGS_MISMATCH";
        assert_eq!(
            codes,
            [
                [ok, ok, ok],
                [unsorted, ok, args],
                [unsorted, denied, ok],
                [unsorted, binding, args],
                [ok, binding, ok],
                [ok, binding, ok],
                [ok, denied, ok],
                [ok, binding, ok],
                [ok, ok, args],
                [ok, binding, ok],
                [ok, binding, ok],
                [ok, binding, ok],
            ]
        );
    }
}

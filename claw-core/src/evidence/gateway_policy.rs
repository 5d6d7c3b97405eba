//! Gateway receipts bound to the run's policy (docs/SPEC.md §7.12, verifier step C6).
//!
//! A run can declare the policy (WPC hash) it executes under; a gateway that enforced a
//! policy on a model call signs that policy's hash into its receipt's `binding.policy_hash`.
//! When both are stated they must be the same hash: a receipt signed under another policy is
//! not evidence of this run's model call under this run's policy (`GATEWAY_POLICY_MISMATCH`).
//! A receipt that states no policy hash is accepted: the gateway enforced no policy on that
//! call and its signature claims nothing about one (gateways without a policy directory, and
//! runs recorded before the plugin sent `X-Policy-Hash`, make such receipts).
//!
//! One rule for the recorder (refusing to attach such a receipt) and the verifier (refusing a
//! bundle that carries one).

use serde_json::Value;

/// What a gateway receipt says about the run's declared policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum GatewayPolicy {
    /// The run declares no policy hash: nothing to compare.
    Undeclared,
    /// The receipt carries the run's policy hash.
    Bound,
    /// The receipt carries no policy hash (the gateway enforced none).
    Unstated,
}

/// A gateway receipt bound to another policy than the run's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct GatewayPolicyMismatch {
    /// What differs.
    pub(crate) message: String,
}

impl GatewayPolicyMismatch {
    /// Stable reason code.
    pub(crate) fn reason_code(&self) -> &'static str {
        "GATEWAY_POLICY_MISMATCH"
    }
}

impl std::fmt::Display for GatewayPolicyMismatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

/// Compare the run's declared policy hash with a gateway receipt's `binding.policy_hash`
/// (`receipt_payload` is the receipt envelope's payload). A `policy_hash` that is present but
/// not a string is a mismatch.
pub(crate) fn check(
    declared: Option<&str>,
    receipt_payload: &Value,
) -> Result<GatewayPolicy, GatewayPolicyMismatch> {
    let id = receipt_payload.get("receipt_id").and_then(Value::as_str);
    PolicyStatement::of(receipt_payload).check(declared, id)
}

/// What a gateway receipt's `binding.policy_hash` states, read from the receipt alone (the
/// run's declared hash is compared later, by [`PolicyStatement::check`]). Owns its data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum PolicyStatement {
    /// Absent.
    Unstated,
    /// `null`: no policy for C6, a statement naming none for C4a.
    Null,
    /// A string.
    Hash(Box<str>),
    /// Another value, as its JSON text (what a mismatch message shows).
    Other(Box<str>),
}

impl PolicyStatement {
    /// The statement of the receipt whose payload is `receipt_payload`.
    pub(crate) fn of(receipt_payload: &Value) -> PolicyStatement {
        match receipt_payload
            .get("binding")
            .and_then(|b| b.get("policy_hash"))
        {
            None => PolicyStatement::Unstated,
            Some(Value::Null) => PolicyStatement::Null,
            Some(Value::String(s)) => PolicyStatement::Hash(s.as_str().into()),
            Some(v) => PolicyStatement::Other(v.to_string().into()),
        }
    }

    /// The statement against the run's declared policy hash; `receipt_id` (the receipt's
    /// `receipt_id`, when a string) names the receipt in a mismatch.
    pub(crate) fn check(
        &self,
        declared: Option<&str>,
        receipt_id: Option<&str>,
    ) -> Result<GatewayPolicy, GatewayPolicyMismatch> {
        let Some(want) = declared else {
            return Ok(GatewayPolicy::Undeclared);
        };
        let got = match self {
            PolicyStatement::Unstated | PolicyStatement::Null => {
                return Ok(GatewayPolicy::Unstated)
            }
            PolicyStatement::Hash(got) if &**got == want => return Ok(GatewayPolicy::Bound),
            PolicyStatement::Hash(got) => Value::String(got.to_string()).to_string(),
            PolicyStatement::Other(got) => got.to_string(),
        };
        let id = receipt_id.unwrap_or("?");
        Err(GatewayPolicyMismatch {
            message: format!(
                "gateway receipt {id} is bound to policy {got}, not to the run's policy {want}"
            ),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_four_cases() {
        let r = |b: Value| json!({"receipt_id": "r1", "binding": b});
        assert_eq!(
            check(None, &r(json!({"policy_hash": "X"}))),
            Ok(GatewayPolicy::Undeclared)
        );
        assert_eq!(
            check(Some("P"), &r(json!({"policy_hash": "P"}))),
            Ok(GatewayPolicy::Bound)
        );
        assert_eq!(
            check(Some("P"), &r(json!({"run_id": "x"}))),
            Ok(GatewayPolicy::Unstated)
        );
        assert_eq!(check(Some("P"), &json!({})), Ok(GatewayPolicy::Unstated));
        let e = check(Some("P"), &r(json!({"policy_hash": "Q"}))).unwrap_err();
        assert_eq!(e.reason_code(), "GATEWAY_POLICY_MISMATCH");
        assert!(
            e.message.contains("r1") && e.message.contains("\"Q\""),
            "{e}"
        );
        assert!(check(Some("P"), &r(json!({"policy_hash": 1}))).is_err());
    }

    /// The statement read alone and compared later says what [`check`] says, message
    /// included (a string shown as JSON text, escapes and all).
    #[test]
    fn a_statement_compared_later_agrees() {
        let stated = [
            json!(null),
            json!("P"),
            json!("Q\"\n"),
            json!(1),
            json!({"a": [1, "b"]}),
        ];
        for s in stated {
            for p in [
                json!({"receipt_id": "r1", "binding": {"policy_hash": s}}),
                json!({"binding": {"policy_hash": s}}),
                json!({"receipt_id": 3, "binding": {}}),
            ] {
                let id = p.get("receipt_id").and_then(Value::as_str);
                for declared in [None, Some("P")] {
                    let whole = super::check(declared, &p);
                    assert_eq!(PolicyStatement::of(&p).check(declared, id), whole);
                }
            }
        }
    }
}

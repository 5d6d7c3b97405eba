//! Helpers shared by the WPC tests.

use claw_core::wpc::{CompiledPolicy, Policy, PolicyError};
use serde_json::{json, Value};
use std::sync::Arc;

pub const DID: &str = "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK";

/// Parse a policy from a JSON value written by the test.
pub fn policy(v: &Value) -> Policy {
    Policy::parse(v.to_string().as_bytes()).unwrap_or_else(|e| panic!("{e}\n{v:#}"))
}

/// Parse, expecting an error.
pub fn policy_err(v: &Value) -> PolicyError {
    match Policy::parse(v.to_string().as_bytes()) {
        Ok(_) => panic!("expected an error for\n{v:#}"),
        Err(e) => e,
    }
}

/// A v2 policy with these statements.
pub fn v2(id: &str, statements: Value) -> Value {
    json!({ "policy_version": "2", "policy_id": id, "issuer_did": DID, "statements": statements })
}

/// Compile a policy without parent.
pub fn compiled(v: &Value) -> Arc<CompiledPolicy> {
    Arc::new(CompiledPolicy::compile(&policy(v)).unwrap())
}

/// A statement.
pub fn st(sid: &str, effect: &str, actions: &[&str], resources: &[&str]) -> Value {
    json!({ "sid": sid, "effect": effect, "actions": actions, "resources": resources })
}

/// A statement with conditions.
pub fn stc(
    sid: &str,
    effect: &str,
    actions: &[&str],
    resources: &[&str],
    conditions: Value,
) -> Value {
    json!({ "sid": sid, "effect": effect, "actions": actions, "resources": resources, "conditions": conditions })
}

/// 2026-01-05 (a Monday) at `hour`:00:00 UTC.
pub const fn monday_at(hour: i64) -> i64 {
    1_767_571_200 + hour * 3600
}

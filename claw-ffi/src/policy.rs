//! Work Policy Contracts through the C ABI: load (JSON or verified envelope), compile,
//! decide, incident overrides.
//!
//! A `claw_policy` is a compiled policy plus swappable overrides (`wpc::PolicyRuntime`):
//! decisions read a snapshot lock-free while another thread may swap the overrides.

use crate::envelope::{opt_time, try_did_list};
use crate::error::{claw_error, claw_result, claw_result_code, Fail};
use crate::ffi::{canonical, free_handle, try_json, try_out, try_ref, try_str};
use crate::guard::{boundary, returning_handle, returning_string_len};
use crate::keys::claw_signing_key;
use claw_core::envelope::Signers;
use claw_core::wpc::{
    self, CompiledPolicy, ContextLookup, Decision, NoContext, Overrides, Policy, PolicyError,
    PolicyRuntime, Request, Verdict,
};
use serde_json::{Map, Value};
use std::os::raw::c_char;
use std::sync::Arc;

/// A compiled Work Policy Contract with swappable incident overrides. Thread-safe: any
/// number of threads may call `claw_policy_decide*` on one handle while another calls
/// `claw_policy_set_overrides`; each decision sees either the old or the new overrides,
/// never a mix. Free it with `claw_policy_free` once no thread uses it.
#[derive(Debug)]
pub struct claw_policy {
    pub(crate) runtime: PolicyRuntime,
}

/// The verdict of a decision (`claw_decision.decision`). Values are explicit and never
/// reused; 0 is never a verdict, so a zeroed `claw_decision` never reads as an allow.
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum claw_decision_code {
    /// The request may proceed.
    CLAW_DECISION_ALLOW = 1,
    /// The request must not proceed.
    CLAW_DECISION_DENY = 2,
    /// The request may proceed once a human approves it: decide again with the context key
    /// `Request:HasHumanApproval` set to `"true"`.
    CLAW_DECISION_APPROVAL_REQUIRED = 3,
}

/// Size of `claw_decision.reason_code`, including the terminating NUL.
pub const CLAW_DECISION_REASON_LEN: usize = 64;
/// Size of `claw_decision.statement_id`, including the NUL: a statement id is at most 128
/// Unicode code points (512 bytes of UTF-8), so it is never truncated.
pub const CLAW_STATEMENT_ID_LEN: usize = 516;
/// Size of `claw_decision.policy_hash`, including the NUL (a base64url SHA-256 is 43
/// characters).
pub const CLAW_POLICY_HASH_LEN: usize = 48;

/// The answer to one request, written into storage the caller owns (no allocation, nothing
/// to free). Strings are NUL-terminated UTF-8; an empty string means "none".
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct claw_decision {
    /// A `claw_decision_code` value.
    pub decision: u32,
    /// Stable reason, e.g. "POLICY_ALLOW", "POLICY_DEFAULT_DENY", "OVERRIDE_TOOL_DENIED".
    pub reason_code: [c_char; CLAW_DECISION_REASON_LEN],
    /// The `sid` of the statement that decided (the Allow that applied or would apply with
    /// approval, or the Deny that fired); empty when no statement decided.
    pub statement_id: [c_char; CLAW_STATEMENT_ID_LEN],
    /// `policy_hash_b64u` of the policy that decided (the policy itself or the ancestor
    /// whose statement decided); empty if none.
    pub policy_hash: [c_char; CLAW_POLICY_HASH_LEN],
}

/// Copy `s` (truncated on a character boundary to `cap - 1` bytes) and a NUL to `dst`.
///
/// SAFETY: `dst` points to `cap >= 1` writable bytes.
unsafe fn copy_c_string(dst: *mut c_char, cap: usize, s: &str) {
    let mut n = s.len().min(cap - 1);
    while !s.is_char_boundary(n) {
        n -= 1;
    }
    // SAFETY: `n < cap` bytes fit, and the NUL at `n` too (caller contract).
    unsafe {
        std::ptr::copy_nonoverlapping(s.as_ptr(), dst.cast::<u8>(), n);
        dst.add(n).write(0);
    }
}

/// Write a decision into the caller's record: only the bytes in use (each string and its
/// NUL), so the hot path neither zeroes nor copies the whole record.
///
/// SAFETY: `out` points to a writable `claw_decision`.
unsafe fn write_decision(out: *mut claw_decision, d: &Decision<'_>) {
    let code = match d.verdict {
        Verdict::Allow => claw_decision_code::CLAW_DECISION_ALLOW,
        Verdict::Deny => claw_decision_code::CLAW_DECISION_DENY,
        Verdict::ApprovalRequired => claw_decision_code::CLAW_DECISION_APPROVAL_REQUIRED,
    } as u32;
    // SAFETY: field pointers of a writable record; each array has its declared length.
    unsafe {
        std::ptr::addr_of_mut!((*out).decision).write(code);
        copy_c_string(
            std::ptr::addr_of_mut!((*out).reason_code).cast(),
            CLAW_DECISION_REASON_LEN,
            d.reason.as_str(),
        );
        copy_c_string(
            std::ptr::addr_of_mut!((*out).statement_id).cast(),
            CLAW_STATEMENT_ID_LEN,
            d.statement_id.unwrap_or(""),
        );
        copy_c_string(
            std::ptr::addr_of_mut!((*out).policy_hash).cast(),
            CLAW_POLICY_HASH_LEN,
            d.policy_hash.unwrap_or(""),
        );
    }
}

/// Run a decide export: on any failure `*decision_out` (when not NULL) is written as a deny
/// carrying the failure's reason code, so a caller that reads the decision without checking
/// the result still never sees an allow (fail closed; docs/SPEC.md §4.9).
fn decide_export(
    decision_out: *mut claw_decision,
    err: *mut claw_error,
    body: impl FnOnce() -> Result<(), Fail>,
) -> claw_result {
    let mut reason = "INTERNAL_ERROR";
    let rc = boundary(err, || {
        body().inspect_err(|f| {
            reason = f.reason;
        })
    });
    if rc != claw_result_code::CLAW_OK as claw_result && !decision_out.is_null() {
        let deny = claw_decision_code::CLAW_DECISION_DENY as u32;
        // SAFETY: caller contract: a non-NULL `decision_out` points to a writable record;
        // each array has its declared length.
        unsafe {
            std::ptr::addr_of_mut!((*decision_out).decision).write(deny);
            copy_c_string(
                std::ptr::addr_of_mut!((*decision_out).reason_code).cast(),
                CLAW_DECISION_REASON_LEN,
                reason,
            );
            for (field, len) in [
                (
                    std::ptr::addr_of_mut!((*decision_out).statement_id).cast::<c_char>(),
                    CLAW_STATEMENT_ID_LEN,
                ),
                (
                    std::ptr::addr_of_mut!((*decision_out).policy_hash).cast::<c_char>(),
                    CLAW_POLICY_HASH_LEN,
                ),
            ] {
                copy_c_string(field, len, "");
            }
        }
    }
    rc
}

/// A policy error as a C failure: envelope refusals keep their own result code
/// (`CLAW_ERR_ENVELOPE`), everything else is `CLAW_ERR_POLICY`.
pub(crate) fn policy_fail(e: PolicyError) -> Fail {
    match e {
        PolicyError::Envelope(env) => Fail::from(claw_core::Error::from(env)),
        other => Fail::new(
            claw_result_code::CLAW_ERR_POLICY,
            other.reason_code(),
            other.to_string(),
        ),
    }
}

/// The compiled policy behind a handle given as a parent.
unsafe fn parent_of(parent: *const claw_policy) -> Option<Arc<CompiledPolicy>> {
    // SAFETY: caller contract: NULL or a live handle.
    unsafe { parent.as_ref() }.map(|p| Arc::clone(p.runtime.snapshot().policy()))
}

fn compile(policy: &Policy, parent: Option<Arc<CompiledPolicy>>) -> Result<claw_policy, Fail> {
    let compiled = match parent {
        Some(p) => CompiledPolicy::compile_with_parent(policy, Some(p)),
        None => CompiledPolicy::compile(policy),
    }
    .map_err(policy_fail)?;
    Ok(claw_policy {
        runtime: PolicyRuntime::new(Arc::new(compiled)),
    })
}

/// Parse, validate, hash and compile a WPC (v1 or v2) from JSON text. `parent` is the
/// compiled policy this one `inherits` from, or NULL; a policy that inherits and is given no
/// parent compiles, but every decision denies with `POLICY_PARENT_MISSING`. Refusals are
/// `CLAW_ERR_POLICY` (reason `SCHEMA_VALIDATION_FAILED`, `UNKNOWN_SCHEMA_VERSION`,
/// `POLICY_PARENT_MISMATCH`, ...) or `CLAW_ERR_JSON`-family reasons for bad JSON.
/// No signature is checked: use `claw_policy_from_envelope` for a policy from elsewhere.
#[no_mangle]
pub unsafe extern "C" fn claw_policy_from_json(
    json: *const c_char,
    json_len: usize,
    parent: *const claw_policy,
    out: *mut *mut claw_policy,
    err: *mut claw_error,
) -> claw_result {
    returning_handle(err, out, || {
        // SAFETY: caller contract on `json`/`json_len`.
        let text = unsafe { try_str(json, json_len, "json")? };
        let policy = Policy::parse(text.as_bytes()).map_err(policy_fail)?;
        // SAFETY: caller contract on `parent`.
        compile(&policy, unsafe { parent_of(parent) })
    })
}

/// Verify a signed WPC envelope (type `work_policy_contract`) and compile its payload:
/// envelope checks first (version, type, algorithms, payload hash, signature, signer in
/// `trusted_signers_json` — a JSON array of `did:key` strings, required — and expiry when
/// `now_s > 0`), then the policy schema, then the policy hash against the envelope's
/// `payload_hash_b64u`. `parent` as in `claw_policy_from_json`.
#[no_mangle]
pub unsafe extern "C" fn claw_policy_from_envelope(
    envelope_json: *const c_char,
    envelope_json_len: usize,
    trusted_signers_json: *const c_char,
    trusted_signers_json_len: usize,
    now_s: i64,
    parent: *const claw_policy,
    out: *mut *mut claw_policy,
    err: *mut claw_error,
) -> claw_result {
    returning_handle(err, out, || {
        // SAFETY: caller contract on every pointer/length pair.
        let (text, signers) = unsafe {
            (
                try_str(envelope_json, envelope_json_len, "envelope_json")?,
                try_did_list(
                    trusted_signers_json,
                    trusted_signers_json_len,
                    "trusted_signers_json",
                )?,
            )
        };
        let Some(signers) = signers else {
            return Err(crate::ffi::null("trusted_signers_json"));
        };
        let verified = wpc::verify_policy_envelope(
            text.as_bytes(),
            Signers::OneOf(&signers),
            None,
            opt_time(now_s),
        )
        .map_err(policy_fail)?;
        // SAFETY: caller contract on `parent`.
        compile(verified.policy(), unsafe { parent_of(parent) })
    })
}

/// Sign the WPC `policy_json` (validated first) into a `work_policy_contract` envelope with
/// `key`, issued at `issued_at_ms` (Unix ms), expiring at `expires_at_ms` (`<= 0`: never).
/// The envelope's `payload_hash_b64u` is the policy hash. On success `*out` is the envelope
/// as canonical JSON.
#[no_mangle]
pub unsafe extern "C" fn claw_policy_sign(
    policy_json: *const c_char,
    policy_json_len: usize,
    key: *const claw_signing_key,
    issued_at_ms: i64,
    expires_at_ms: i64,
    out: *mut *mut c_char,
    out_len: *mut usize,
    err: *mut claw_error,
) -> claw_result {
    returning_string_len(err, out, out_len, || {
        // SAFETY: caller contract on the handle and the pointer/length pair.
        let (text, key) = unsafe {
            (
                try_str(policy_json, policy_json_len, "policy_json")?,
                try_ref(key, "key")?,
            )
        };
        let policy = Policy::parse(text.as_bytes()).map_err(policy_fail)?;
        let env = wpc::sign_policy(&policy, &key.inner, issued_at_ms, opt_time(expires_at_ms))
            .map_err(policy_fail)?;
        Ok(env.to_json().map_err(claw_core::Error::from)?)
    })
}

/// Compile the glossary's authoring form (allowed/denied tools, data classes, approvals,
/// time limits, token and evidence requirements) into a WPC v2 document. On success `*out`
/// is the policy's canonical JSON (load it with `claw_policy_from_json`, or sign it).
#[no_mangle]
pub unsafe extern "C" fn claw_policy_compile_authoring(
    authoring_json: *const c_char,
    authoring_json_len: usize,
    out: *mut *mut c_char,
    out_len: *mut usize,
    err: *mut claw_error,
) -> claw_result {
    returning_string_len(err, out, out_len, || {
        // SAFETY: caller contract on the pointer/length pair.
        let text = unsafe { try_str(authoring_json, authoring_json_len, "authoring_json")? };
        let policy = wpc::compile_authoring(text).map_err(policy_fail)?;
        Ok(policy.canonical_bytes())
    })
}

/// Facts about the policy in force: `{"policy_id":…,"policy_hash_b64u":…,
/// "policy_version":"1"|"2","statement_count":…,"chain_hashes":[…],"missing_parent":…|null,
/// "requirements":{…},"overrides":{…}}` as canonical JSON.
#[no_mangle]
pub unsafe extern "C" fn claw_policy_info(
    policy: *const claw_policy,
    out: *mut *mut c_char,
    out_len: *mut usize,
    err: *mut claw_error,
) -> claw_result {
    returning_string_len(err, out, out_len, || {
        // SAFETY: caller contract: NULL or a live handle.
        let h = unsafe { try_ref(policy, "policy")? };
        let snap = h.runtime.snapshot();
        let p = snap.policy();
        let r = p.requirements();
        let mut req = Map::new();
        req.insert("declared".into(), r.declared().into());
        req.insert("require_cst".into(), r.require_cst().into());
        req.insert(
            "pin_cst_to_policy_hash".into(),
            r.pin_cst_to_policy_hash().into(),
        );
        req.insert("max_ttl_seconds".into(), r.max_ttl_seconds().into());
        req.insert(
            "require_gateway_receipts".into(),
            r.require_gateway_receipts().into(),
        );
        req.insert(
            "require_proof_bundle".into(),
            r.require_proof_bundle().into(),
        );
        req.insert(
            "run_time_limit_seconds".into(),
            r.run_time_limit_seconds().into(),
        );
        let o = snap.overrides();
        let mut ov = Map::new();
        ov.insert("denied_tools".into(), o.denied_tools.clone().into());
        ov.insert(
            "denied_policy_hashes".into(),
            o.denied_policy_hashes.clone().into(),
        );
        ov.insert(
            "required_policy_hash".into(),
            o.required_policy_hash.clone().into(),
        );
        let mut m = Map::new();
        m.insert("policy_id".into(), p.policy_id().into());
        m.insert("policy_hash_b64u".into(), p.hash_b64u().into());
        m.insert(
            "policy_version".into(),
            match p.version() {
                wpc::PolicyVersion::V1 => "1",
                _ => "2",
            }
            .into(),
        );
        m.insert("statement_count".into(), p.statement_count().into());
        m.insert(
            "chain_hashes".into(),
            p.chain_hashes().map(Value::from).collect::<Vec<_>>().into(),
        );
        m.insert("missing_parent".into(), p.missing_parent().into());
        m.insert("requirements".into(), Value::Object(req));
        m.insert("overrides".into(), Value::Object(ov));
        canonical(&Value::Object(m))
    })
}

/// Context of a decision: borrowed key/value pairs of a flat JSON object of strings.
struct JsonContext<'a>(Vec<(&'a str, &'a str)>);

impl ContextLookup for JsonContext<'_> {
    fn get(&self, key: &str) -> Option<&str> {
        self.0.iter().find(|(k, _)| *k == key).map(|(_, v)| *v)
    }
}

fn context_of(v: &Value) -> Result<JsonContext<'_>, Fail> {
    let bad = |detail: String| {
        Fail::new(
            claw_result_code::CLAW_ERR_INVALID_ARGUMENT,
            "INVALID_CONTEXT",
            detail,
        )
    };
    let Value::Object(m) = v else {
        return Err(bad("context_json must be a JSON object of strings".into()));
    };
    m.iter()
        .map(|(k, v)| match v {
            Value::String(s) => Ok((k.as_str(), s.as_str())),
            _ => Err(bad(format!("context_json[{k:?}] must be a string"))),
        })
        .collect::<Result<Vec<_>, _>>()
        .map(JsonContext)
}

/// Decide one request and write the decision. Shared by both decide exports.
#[allow(clippy::too_many_arguments)]
#[inline]
unsafe fn decide(
    policy: *const claw_policy,
    action: &str,
    resource: *const c_char,
    resource_len: usize,
    context_json: *const c_char,
    context_json_len: usize,
    now_s: i64,
    run_started_at_s: Option<i64>,
    decision_out: *mut claw_decision,
) -> Result<(), Fail> {
    try_out(decision_out, "decision_out")?;
    // SAFETY: caller contract on the handle and every pointer/length pair.
    let (h, resource) = unsafe {
        (
            try_ref(policy, "policy")?,
            try_str(resource, resource_len, "resource")?,
        )
    };
    let ctx_value;
    let ctx_pairs;
    let ctx: &dyn ContextLookup = if context_json.is_null() && context_json_len == 0 {
        &NoContext
    } else {
        // SAFETY: caller contract on the pointer/length pair.
        ctx_value = unsafe { try_json(context_json, context_json_len, "context_json")? };
        ctx_pairs = context_of(&ctx_value)?;
        &ctx_pairs
    };
    let mut req = Request::new(action, resource, ctx, now_s);
    if let Some(t) = run_started_at_s {
        req = req.with_run_started_at(t);
    }
    // The decision is complete before anything is written; writing cannot fail.
    // SAFETY: `decision_out` checked non-NULL above (caller contract: writable).
    h.runtime
        .decide_with(&req, |d| unsafe { write_decision(decision_out, &d) });
    Ok(())
}

/// Decide a tool call (action `tool:execute`, resource the tool name `tool`) at `now_s`
/// (Unix seconds; the clock is the caller's). `context_json` is a flat JSON object of string
/// values (e.g. `{"Data:Class":"internal","Request:HasHumanApproval":"true"}`), or NULL with
/// length 0 for none. Overrides in force are applied first. Nothing is allocated for the
/// decision itself. A deny is a successful call (`CLAW_OK` with `decision ==
/// CLAW_DECISION_DENY`); errors are for bad arguments only. The result code says whether the
/// call worked, never whether the request is allowed: the request may proceed only when
/// `decision == CLAW_DECISION_ALLOW` (0 is no decision code, so a zeroed record is not an
/// allow). On failure a non-NULL `*decision_out` is written as a deny whose `reason_code` is
/// the error's reason. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn claw_policy_decide(
    policy: *const claw_policy,
    tool: *const c_char,
    tool_len: usize,
    context_json: *const c_char,
    context_json_len: usize,
    now_s: i64,
    decision_out: *mut claw_decision,
    err: *mut claw_error,
) -> claw_result {
    decide_export(decision_out, err, || {
        // SAFETY: forwarded caller contract.
        unsafe {
            decide(
                policy,
                wpc::ACTION_TOOL_EXECUTE,
                tool,
                tool_len,
                context_json,
                context_json_len,
                now_s,
                None,
                decision_out,
            )
        }
    })
}

/// Decide any request: `action` (e.g. `tool:execute`, `model:invoke`,
/// `side_effect:network_egress`) on `resource`, with the run's start time
/// `run_started_at_s` (Unix seconds, `<= 0` for unknown) for policies with a run time limit.
/// Otherwise as `claw_policy_decide`. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn claw_policy_decide_request(
    policy: *const claw_policy,
    action: *const c_char,
    action_len: usize,
    resource: *const c_char,
    resource_len: usize,
    context_json: *const c_char,
    context_json_len: usize,
    now_s: i64,
    run_started_at_s: i64,
    decision_out: *mut claw_decision,
    err: *mut claw_error,
) -> claw_result {
    decide_export(decision_out, err, || {
        // SAFETY: caller contract on the pointer/length pair.
        let action = unsafe { try_str(action, action_len, "action")? };
        // SAFETY: forwarded caller contract.
        unsafe {
            decide(
                policy,
                action,
                resource,
                resource_len,
                context_json,
                context_json_len,
                now_s,
                opt_time(run_started_at_s),
                decision_out,
            )
        }
    })
}

/// Replace the incident overrides of `policy` atomically (thread-safe; decisions running on
/// other threads finish on the old overrides, every later one sees the new). JSON form, all
/// fields optional: `{"denied_tools":["shell_exec","browser_*"],
/// "denied_policy_hashes":["<43 chars>"],"required_policy_hash":"<43 chars>"}`; `{}` clears
/// them. Invalid overrides are refused (`CLAW_ERR_POLICY`, reason `OVERRIDES_INVALID`) and
/// the ones in force stay.
#[no_mangle]
pub unsafe extern "C" fn claw_policy_set_overrides(
    policy: *const claw_policy,
    overrides_json: *const c_char,
    overrides_json_len: usize,
    err: *mut claw_error,
) -> claw_result {
    boundary(err, || {
        // SAFETY: caller contract on the handle and the pointer/length pair.
        let (h, text) = unsafe {
            (
                try_ref(policy, "policy")?,
                try_str(overrides_json, overrides_json_len, "overrides_json")?,
            )
        };
        let o = Overrides::parse(text.as_bytes()).map_err(policy_fail)?;
        h.runtime.set_overrides(o).map_err(policy_fail)
    })
}

/// Free a policy. NULL is accepted. No other thread may be using it.
#[no_mangle]
pub unsafe extern "C" fn claw_policy_free(policy: *mut claw_policy) {
    // SAFETY: caller contract: NULL or a handle from this module, not used afterwards.
    unsafe { free_handle(policy) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn handle_is_send_and_sync() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<claw_policy>();
    }
}

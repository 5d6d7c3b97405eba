//! Evidence through the C ABI: the run recorder (events, receipts, checkpoints, proof
//! bundle), bundle, aggregate and commit signature verification, receipt proofs and the
//! Trust Pulse.
//!
//! Records are passed as JSON objects (one per call), read strictly (unknown fields
//! refused), because their shapes follow the reference schemas and grow over time: a JSON
//! field can be added without breaking the ABI, a struct member cannot.

use crate::error::{claw_error, claw_result, claw_result_code, Fail};
use crate::ffi::{
    canonical, free_handle, json_limits, try_bytes, try_json, try_out, try_ref, try_str, write_out,
    write_string,
};
use crate::guard::{boundary, returning_handle, returning_string, returning_string_len};
use crate::keys::claw_signing_key;
use claw_core::envelope::Envelope;
use claw_core::evidence::{
    self, Binding, BundleOptions, Delegation, Gateway, HumanApproval, ModelCall, ParseEnumError,
    PendingModelCall, Recorder, SideEffect, ToolCall, VerifyConfig,
};
use claw_core::keys::SigningKey;
use serde::Deserialize;
use serde_json::{Map, Value};
use std::collections::HashMap;
use std::os::raw::c_char;
use std::str::FromStr;
use std::sync::Mutex;

/// One run being recorded: its hash-linked event chain, the receipts bound to it and the
/// Merkle log of those receipts, until `claw_recorder_finish` signs the proof bundle.
/// Thread-safe: calls on one recorder from several threads are serialized (events are
/// chained in the order the calls take the lock).
#[derive(Debug)]
pub struct claw_recorder {
    state: Mutex<RecorderState>,
}

#[derive(Debug)]
struct RecorderState {
    /// `None` once finished.
    recorder: Option<Recorder>,
    /// Model calls awaiting their gateway receipt, by the event hash of their `llm_call`.
    pending: HashMap<String, PendingModelCall>,
}

fn ev_fail(e: impl Into<claw_core::Error>) -> Fail {
    Fail::from(e.into())
}

fn invalid(reason: &'static str, msg: impl Into<String>) -> Fail {
    Fail::new(claw_result_code::CLAW_ERR_INVALID_ARGUMENT, reason, msg)
}

fn bundle_fail(reason: &'static str, msg: impl Into<String>) -> Fail {
    Fail::new(claw_result_code::CLAW_ERR_BUNDLE, reason, msg)
}

/// Read a JSON object record into `T` (strict: unknown fields refused).
unsafe fn try_record<T: for<'de> Deserialize<'de>>(
    ptr: *const c_char,
    len: usize,
    name: &str,
) -> Result<T, Fail> {
    // SAFETY: forwarded caller contract.
    let v = unsafe { try_json(ptr, len, name)? };
    serde_json::from_value(v).map_err(|e| {
        Fail::new(
            claw_result_code::CLAW_ERR_BUNDLE,
            "SCHEMA_VALIDATION_FAILED",
            format!("{name}: {e}"),
        )
    })
}

fn binding_json(b: &Binding) -> Result<Vec<u8>, Fail> {
    canonical(&b.to_value())
}

/// The frame of every verification export: `verdict_out` checked first, then `verify`, and
/// only when it ran the verdict's canonical JSON in `*verdict_out` (its length in
/// `*verdict_len_out` and whether it is VALID/PASS in `*valid_out`, each when not NULL).
fn returning_verdict(
    err: *mut claw_error,
    valid_out: *mut bool,
    verdict_out: *mut *mut c_char,
    verdict_len_out: *mut usize,
    verify: impl FnOnce() -> Result<(bool, Value), Fail>,
) -> claw_result {
    boundary(err, || {
        try_out(verdict_out, "verdict_out")?;
        let (valid, verdict) = verify()?;
        let bytes = canonical(&verdict)?;
        // SAFETY: `verdict_out` checked above; `verdict_len_out` and `valid_out` are
        // optional; all writable by the caller's contract.
        unsafe {
            write_string(verdict_out, verdict_len_out, bytes)?;
            if !valid_out.is_null() {
                write_out(valid_out, valid);
            }
        }
        Ok(())
    })
}

/// Read the wire name of an evidence enum with the core's `FromStr`; the message names the
/// JSON field.
fn pick<T: FromStr<Err = ParseEnumError>>(field: &str, value: &str) -> Result<T, Fail> {
    value.parse().map_err(|e: ParseEnumError| {
        let mut f = ev_fail(e);
        f.message = format!("{field}: {}", f.message);
        f
    })
}

impl claw_recorder {
    /// Run `f` on the live recorder (an error once finished).
    fn with<R>(
        &self,
        f: impl FnOnce(&mut Recorder, &mut HashMap<String, PendingModelCall>) -> Result<R, Fail>,
    ) -> Result<R, Fail> {
        // A poisoned lock means a call panicked mid-way (reported as CLAW_ERR_PANIC); the
        // recorder may be half-updated, so refuse to continue rather than sign it.
        let mut g = self.state.lock().map_err(|_| {
            bundle_fail(
                "RECORDER_POISONED",
                "an earlier call on this recorder panicked; the run cannot be finished",
            )
        })?;
        let RecorderState { recorder, pending } = &mut *g;
        match recorder.as_mut() {
            Some(r) => f(r, pending),
            None => Err(bundle_fail(
                "RECORDER_FINISHED",
                "the recorder was finished; start a new one",
            )),
        }
    }
}

/// Start recording a run for the agent whose key signs the bundle and its tool receipts.
/// `run_id` (`run_id_len` bytes; NULL with 0 for a fresh `run_<uuid>`) names the run. The
/// recorder keeps its own copy of the key (zeroized when freed).
#[no_mangle]
pub unsafe extern "C" fn claw_recorder_new(
    agent_key: *const claw_signing_key,
    run_id: *const c_char,
    run_id_len: usize,
    out: *mut *mut claw_recorder,
    err: *mut claw_error,
) -> claw_result {
    returning_handle(err, out, || {
        // SAFETY: caller contract on the handle and the pointer/length pair.
        let (key, run_id) = unsafe {
            (
                try_ref(agent_key, "agent_key")?,
                if run_id.is_null() && run_id_len == 0 {
                    None
                } else {
                    Some(try_str(run_id, run_id_len, "run_id")?)
                },
            )
        };
        let key = SigningKey::from_seed(&key.inner.to_seed());
        let recorder = match run_id {
            Some(id) => Recorder::with_run_id(key, id).map_err(ev_fail)?,
            None => Recorder::new(key, &mut rand_core::OsRng),
        };
        let h = claw_recorder {
            state: Mutex::new(RecorderState {
                recorder: Some(recorder),
                pending: HashMap::new(),
            }),
        };
        Ok(h)
    })
}

/// `{"run_id":…,"agent_did":…,"events":n,"receipts":n,"pending_model_calls":n}` as
/// canonical JSON.
#[no_mangle]
pub unsafe extern "C" fn claw_recorder_info(
    recorder: *const claw_recorder,
    out: *mut *mut c_char,
    out_len: *mut usize,
    err: *mut claw_error,
) -> claw_result {
    returning_string_len(err, out, out_len, || {
        // SAFETY: caller contract: NULL or a live handle.
        let h = unsafe { try_ref(recorder, "recorder")? };
        let bytes = h.with(|r, pending| {
            let mut m = Map::new();
            m.insert("run_id".into(), r.run_id().into());
            m.insert("agent_did".into(), r.agent_did().into());
            m.insert("events".into(), r.events().len().into());
            m.insert("receipts".into(), r.receipts().count().into());
            m.insert("pending_model_calls".into(), pending.len().into());
            canonical(&Value::Object(m))
        })?;
        Ok(bytes)
    })
}

/// Append an event of any type (e.g. `run_start`, `run_end`) at `timestamp_ms` (Unix ms;
/// never earlier than the previous event). `payload_json` (a JSON value) is hashed into the
/// chain, not stored. On success `*binding_out` is the binding (run id, event hash, nonce)
/// that receipts about this event carry, as canonical JSON.
#[no_mangle]
pub unsafe extern "C" fn claw_recorder_record_event(
    recorder: *const claw_recorder,
    event_type: *const c_char,
    event_type_len: usize,
    payload_json: *const c_char,
    payload_json_len: usize,
    timestamp_ms: i64,
    binding_out: *mut *mut c_char,
    err: *mut claw_error,
) -> claw_result {
    returning_string(err, binding_out, "binding_out", || {
        // SAFETY: caller contract on the handle and every pointer/length pair.
        let (h, ty, payload) = unsafe {
            (
                try_ref(recorder, "recorder")?,
                try_str(event_type, event_type_len, "event_type")?,
                try_json(payload_json, payload_json_len, "payload_json")?,
            )
        };
        let b = h.with(|r, _| {
            r.record_event(ty, &payload, timestamp_ms, &mut rand_core::OsRng)
                .map_err(ev_fail)
        })?;
        binding_json(&b)
    })
}

/// Record a policy decision as a `policy_decision` event (no receipt). `decision_json` is
/// the caller's record, e.g. `{"action":"tool:execute","resource":"exec","effect":"deny",
/// "reason_code":"POLICY_VIOLATION","statement_id":"DenyShell","policy_hash_b64u":…}`.
/// Output as in `claw_recorder_record_event`.
#[no_mangle]
pub unsafe extern "C" fn claw_recorder_record_decision(
    recorder: *const claw_recorder,
    decision_json: *const c_char,
    decision_json_len: usize,
    timestamp_ms: i64,
    binding_out: *mut *mut c_char,
    err: *mut claw_error,
) -> claw_result {
    returning_string(err, binding_out, "binding_out", || {
        // SAFETY: caller contract on the handle and the pointer/length pair.
        let (h, decision) = unsafe {
            (
                try_ref(recorder, "recorder")?,
                try_json(decision_json, decision_json_len, "decision_json")?,
            )
        };
        if !decision.is_object() {
            return Err(invalid(
                "INVALID_DECISION",
                "decision_json must be a JSON object",
            ));
        }
        let b = h.with(|r, _| {
            r.record_decision(&decision, timestamp_ms, &mut rand_core::OsRng)
                .map_err(ev_fail)
        })?;
        binding_json(&b)
    })
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ToolCallIn {
    tool_name: String,
    #[serde(default)]
    tool_version: Option<String>,
    #[serde(default)]
    args: Value,
    #[serde(default)]
    result: Value,
    result_status: String,
    #[serde(default)]
    latency_ms: u64,
    timestamp_ms: i64,
}

/// Record a tool call: a `tool_call` event and a `tool_receipt` signed by the agent.
/// `call_json`: `{"tool_name":…,"tool_version":…?,"args":any,"result":any,
/// "result_status":"success"|"error"|"timeout","latency_ms":n,"timestamp_ms":n}` (args and
/// result are hashed, not stored). On success `*receipt_id_out` is the receipt id.
#[no_mangle]
pub unsafe extern "C" fn claw_recorder_record_tool_call(
    recorder: *const claw_recorder,
    call_json: *const c_char,
    call_json_len: usize,
    receipt_id_out: *mut *mut c_char,
    err: *mut claw_error,
) -> claw_result {
    returning_string(err, receipt_id_out, "receipt_id_out", || {
        // SAFETY: caller contract on the handle and the pointer/length pair.
        let (h, c) = unsafe {
            (
                try_ref(recorder, "recorder")?,
                try_record::<ToolCallIn>(call_json, call_json_len, "call_json")?,
            )
        };
        let status = pick("result_status", &c.result_status)?;
        let call = ToolCall {
            tool_name: &c.tool_name,
            tool_version: c.tool_version.as_deref(),
            args: &c.args,
            result: &c.result,
            result_status: status,
            latency_ms: c.latency_ms,
            timestamp_ms: c.timestamp_ms,
        };
        let id = h.with(|r, _| {
            r.record_tool_call(&call, &mut rand_core::OsRng)
                .map_err(ev_fail)
        })?;
        Ok(id)
    })
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SideEffectIn {
    effect_class: String,
    target: String,
    #[serde(default)]
    vendor_id: Option<String>,
    #[serde(default)]
    request: String,
    #[serde(default)]
    response: String,
    #[serde(default)]
    response_status: Option<String>,
    #[serde(default)]
    bytes_written: Option<u64>,
    #[serde(default)]
    latency_ms: u64,
    timestamp_ms: i64,
}

/// Record a side effect (a `side_effect` event and receipt anchored to the latest model
/// call's span). `effect_json`: `{"effect_class":"network_egress"|"filesystem_write"|
/// "external_api_write","target":…,"vendor_id":…?,"request":…,"response":…,
/// "response_status":"success"|"error"|"timeout"|"denied"?,"bytes_written":n?,
/// "latency_ms":n,"timestamp_ms":n}` (target, request and response are hashed). On success
/// `*receipt_id_out` is the receipt id.
#[no_mangle]
pub unsafe extern "C" fn claw_recorder_record_side_effect(
    recorder: *const claw_recorder,
    effect_json: *const c_char,
    effect_json_len: usize,
    receipt_id_out: *mut *mut c_char,
    err: *mut claw_error,
) -> claw_result {
    returning_string(err, receipt_id_out, "receipt_id_out", || {
        // SAFETY: caller contract on the handle and the pointer/length pair.
        let (h, e) = unsafe {
            (
                try_ref(recorder, "recorder")?,
                try_record::<SideEffectIn>(effect_json, effect_json_len, "effect_json")?,
            )
        };
        let class = pick("effect_class", &e.effect_class)?;
        let status = e
            .response_status
            .as_deref()
            .map(|s| pick("response_status", s))
            .transpose()?;
        let effect = SideEffect {
            effect_class: class,
            target: e.target.as_bytes(),
            vendor_id: e.vendor_id.as_deref(),
            request: e.request.as_bytes(),
            response: e.response.as_bytes(),
            response_status: status,
            bytes_written: e.bytes_written,
            latency_ms: e.latency_ms,
            timestamp_ms: e.timestamp_ms,
        };
        let id = h.with(|r, _| {
            r.record_side_effect(&effect, &mut rand_core::OsRng)
                .map_err(ev_fail)
        })?;
        Ok(id)
    })
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ApprovalIn {
    approval_type: String,
    approver_subject: String,
    #[serde(default)]
    approver_method: Option<String>,
    #[serde(default)]
    scope: Value,
    #[serde(default)]
    scope_summary: Option<String>,
    #[serde(default)]
    policy_hash_b64u: Option<String>,
    #[serde(default)]
    minted_capability_id: Option<String>,
    #[serde(default)]
    minted_capability_ttl_seconds: Option<u64>,
    #[serde(default)]
    plan: Option<Value>,
    timestamp_ms: i64,
}

/// Record a human approval or denial (`human_approval` event and receipt, anchored like
/// side effects). `approval_json`: `{"approval_type":"explicit_approve"|"explicit_deny"|
/// "auto_approve"|"timeout_deny","approver_subject":…,"approver_method":"ui_click"|
/// "cli_confirm"|"api_call"|"policy_auto"|"timeout"?,"scope":any,"scope_summary":…?,"policy_hash_b64u":…?,
/// "minted_capability_id":…?,"minted_capability_ttl_seconds":n?,"plan":any?,
/// "timestamp_ms":n}`. On success `*receipt_id_out` is the receipt id.
#[no_mangle]
pub unsafe extern "C" fn claw_recorder_record_human_approval(
    recorder: *const claw_recorder,
    approval_json: *const c_char,
    approval_json_len: usize,
    receipt_id_out: *mut *mut c_char,
    err: *mut claw_error,
) -> claw_result {
    returning_string(err, receipt_id_out, "receipt_id_out", || {
        // SAFETY: caller contract on the handle and the pointer/length pair.
        let (h, a) = unsafe {
            (
                try_ref(recorder, "recorder")?,
                try_record::<ApprovalIn>(approval_json, approval_json_len, "approval_json")?,
            )
        };
        let ty = pick("approval_type", &a.approval_type)?;
        let method = a
            .approver_method
            .as_deref()
            .map(|m| pick("approver_method", m))
            .transpose()?;
        let approval = HumanApproval {
            approval_type: ty,
            approver_subject: &a.approver_subject,
            approver_method: method,
            scope: &a.scope,
            scope_summary: a.scope_summary.as_deref(),
            policy_hash_b64u: a.policy_hash_b64u.as_deref(),
            minted_capability_id: a.minted_capability_id.as_deref(),
            minted_capability_ttl_seconds: a.minted_capability_ttl_seconds,
            plan: a.plan.as_ref(),
            timestamp_ms: a.timestamp_ms,
        };
        let id = h.with(|r, _| {
            r.record_human_approval(&approval, &mut rand_core::OsRng)
                .map_err(ev_fail)
        })?;
        Ok(id)
    })
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DelegationIn {
    delegate_did: String,
    task_description: String,
    delegate_bundle_hash_b64u: String,
    #[serde(default)]
    delegation_policy: Option<String>,
    delegated_at_ms: i64,
    #[serde(default)]
    completed_at_ms: Option<i64>,
}

/// Record a delegation to another agent (`delegation` event and receipt).
/// `delegation_json`: `{"delegate_did":…,"task_description":…,"delegate_bundle_hash_b64u":…,
/// "delegation_policy":…?,"delegated_at_ms":n,"completed_at_ms":n?}`. On success
/// `*receipt_id_out` is the receipt id.
#[no_mangle]
pub unsafe extern "C" fn claw_recorder_record_delegation(
    recorder: *const claw_recorder,
    delegation_json: *const c_char,
    delegation_json_len: usize,
    receipt_id_out: *mut *mut c_char,
    err: *mut claw_error,
) -> claw_result {
    returning_string(err, receipt_id_out, "receipt_id_out", || {
        // SAFETY: caller contract on the handle and the pointer/length pair.
        let (h, d) = unsafe {
            (
                try_ref(recorder, "recorder")?,
                try_record::<DelegationIn>(
                    delegation_json,
                    delegation_json_len,
                    "delegation_json",
                )?,
            )
        };
        let delegation = Delegation {
            delegate_did: &d.delegate_did,
            task_description: d.task_description.as_bytes(),
            delegate_bundle_hash_b64u: &d.delegate_bundle_hash_b64u,
            delegation_policy: d.delegation_policy.as_deref(),
            delegated_at_ms: d.delegated_at_ms,
            completed_at_ms: d.completed_at_ms,
        };
        let id = h.with(|r, _| {
            r.record_delegation(&delegation, &mut rand_core::OsRng)
                .map_err(ev_fail)
        })?;
        Ok(id)
    })
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct BeginModelIn {
    provider: String,
    model: String,
    timestamp_ms: i64,
    #[serde(default)]
    policy_hash: Option<String>,
}

/// Record the `llm_call` event of a model call about to go through an external gateway.
/// `call_json`: `{"provider":…,"model":…,"timestamp_ms":n,"policy_hash"?:…}`. On success
/// `*binding_out` is the binding the gateway must sign (send it as `X-Run-Id`, `X-Event-Hash`,
/// `X-Idempotency-Key`, span headers and, with `policy_hash`, `X-Policy-Hash`: a receipt
/// signed under another policy is then refused with `GATEWAY_POLICY_MISMATCH`); the call stays pending until
/// `claw_recorder_attach_gateway_receipt` or `claw_recorder_abandon_model_call`.
#[no_mangle]
pub unsafe extern "C" fn claw_recorder_begin_model_call(
    recorder: *const claw_recorder,
    call_json: *const c_char,
    call_json_len: usize,
    binding_out: *mut *mut c_char,
    err: *mut claw_error,
) -> claw_result {
    returning_string(err, binding_out, "binding_out", || {
        // SAFETY: caller contract on the handle and the pointer/length pair.
        let (h, c) = unsafe {
            (
                try_ref(recorder, "recorder")?,
                try_record::<BeginModelIn>(call_json, call_json_len, "call_json")?,
            )
        };
        let bytes = h.with(|r, pending| {
            let p = r
                .begin_model_call_under(
                    &c.provider,
                    &c.model,
                    c.policy_hash.as_deref(),
                    c.timestamp_ms,
                    &mut rand_core::OsRng,
                )
                .map_err(ev_fail)?;
            let bytes = binding_json(&p.binding)?;
            pending.insert(p.binding.event_hash_b64u.clone(), p);
            Ok(bytes)
        })?;
        Ok(bytes)
    })
}

/// Attach the gateway's signed `gateway_receipt` envelope to the pending model call its
/// binding names (run id and event hash). Refused (`RECEIPT_BINDING_MISMATCH`) when no
/// pending call of this run matches.
#[no_mangle]
pub unsafe extern "C" fn claw_recorder_attach_gateway_receipt(
    recorder: *const claw_recorder,
    receipt_json: *const c_char,
    receipt_json_len: usize,
    err: *mut claw_error,
) -> claw_result {
    boundary(err, || {
        // SAFETY: caller contract on the handle and the pointer/length pair.
        let (h, text) = unsafe {
            (
                try_ref(recorder, "recorder")?,
                try_str(receipt_json, receipt_json_len, "receipt_json")?,
            )
        };
        let env = Envelope::parse(text.as_bytes(), &json_limits()).map_err(ev_fail)?;
        attach_envelope(h, &env)
    })
}

/// Attach the gateway receipt a model response carries (`docs/SPEC.md §8.5`): the body of a
/// gateway's JSON response (its `_receipt_envelope`) or of a streamed (SSE) response (its
/// `:clawproxy_receipt_envelope_b64u=` trailer), as the bytes received. Refused with
/// `RECEIPT_NOT_CARRIED` when the response carries none; otherwise as
/// `claw_recorder_attach_gateway_receipt`.
#[no_mangle]
pub unsafe extern "C" fn claw_recorder_attach_response_receipt(
    recorder: *const claw_recorder,
    response: *const u8,
    response_len: usize,
    err: *mut claw_error,
) -> claw_result {
    boundary(err, || {
        // SAFETY: caller contract on the handle and the pointer/length pair.
        let (h, body) = unsafe {
            (
                try_ref(recorder, "recorder")?,
                try_bytes(response, response_len, "response")?,
            )
        };
        let carried = claw_core::evidence::receipt_from_response(body).map_err(ev_fail)?;
        let env = Envelope::from_value(carried.envelope).map_err(ev_fail)?;
        attach_envelope(h, &env)
    })
}

fn attach_envelope(h: &claw_recorder, env: &Envelope) -> Result<(), Fail> {
    let event_hash = env
        .payload
        .get("binding")
        .and_then(|b| b.get("event_hash_b64u"))
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    h.with(|r, pending| {
        let Some(p) = pending.remove(&event_hash) else {
            return Err(bundle_fail(
                "RECEIPT_BINDING_MISMATCH",
                "no pending model call of this run has the receipt's event hash",
            ));
        };
        // On refusal the call stays pending (it may still get its right receipt).
        let keep = PendingModelCall::clone(&p);
        r.attach_gateway_receipt(p, env).map_err(|e| {
            pending.insert(event_hash.clone(), keep);
            ev_fail(e)
        })
    })
}

/// Close a pending model call that produced no receipt, by the `event_hash_b64u` of its
/// binding.
#[no_mangle]
pub unsafe extern "C" fn claw_recorder_abandon_model_call(
    recorder: *const claw_recorder,
    event_hash: *const c_char,
    event_hash_len: usize,
    err: *mut claw_error,
) -> claw_result {
    boundary(err, || {
        // SAFETY: caller contract on the handle and the pointer/length pair.
        let (h, hash) = unsafe {
            (
                try_ref(recorder, "recorder")?,
                try_str(event_hash, event_hash_len, "event_hash")?,
            )
        };
        h.with(|r, pending| match pending.remove(hash) {
            Some(p) => {
                r.abandon_model_call(p);
                Ok(())
            }
            None => Err(bundle_fail(
                "CLAIM_NOT_FOUND",
                "no pending model call has this event hash",
            )),
        })
    })
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ModelCallIn {
    provider: String,
    model: String,
    #[serde(default)]
    request: String,
    #[serde(default)]
    response: String,
    #[serde(default)]
    tokens_input: u64,
    #[serde(default)]
    tokens_output: u64,
    #[serde(default)]
    latency_ms: u64,
    timestamp_ms: i64,
    #[serde(default)]
    metadata: Option<Map<String, Value>>,
}

/// Record a complete model call through claw's own gateway: the `llm_call` event, a
/// `gateway_receipt` signed by `gateway_key` as gateway `gateway_id`, attached at once.
/// `call_json`: `{"provider":…,"model":…,"request":…,"response":…,"tokens_input":n,
/// "tokens_output":n,"latency_ms":n,"timestamp_ms":n,"metadata":{…}?}` (request and
/// response are hashed). On success `*receipt_id_out` is the receipt id.
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn claw_recorder_record_model_call(
    recorder: *const claw_recorder,
    gateway_key: *const claw_signing_key,
    gateway_id: *const c_char,
    gateway_id_len: usize,
    call_json: *const c_char,
    call_json_len: usize,
    receipt_id_out: *mut *mut c_char,
    err: *mut claw_error,
) -> claw_result {
    returning_string(err, receipt_id_out, "receipt_id_out", || {
        // SAFETY: caller contract on the handles and every pointer/length pair.
        let (h, key, gid, c) = unsafe {
            (
                try_ref(recorder, "recorder")?,
                try_ref(gateway_key, "gateway_key")?,
                try_str(gateway_id, gateway_id_len, "gateway_id")?,
                try_record::<ModelCallIn>(call_json, call_json_len, "call_json")?,
            )
        };
        let gateway =
            Gateway::new(gid, SigningKey::from_seed(&key.inner.to_seed())).map_err(ev_fail)?;
        let call = ModelCall {
            provider: &c.provider,
            model: &c.model,
            request: c.request.as_bytes(),
            response: c.response.as_bytes(),
            tokens_input: c.tokens_input,
            tokens_output: c.tokens_output,
            latency_ms: c.latency_ms,
            timestamp_ms: c.timestamp_ms,
            metadata: c.metadata.as_ref(),
        };
        let id = h.with(|r, _| {
            r.record_model_call(&gateway, &call, &mut rand_core::OsRng)
                .map_err(ev_fail)
        })?;
        Ok(id)
    })
}

/// Sign a checkpoint of the run's receipt log (every receipt of an event before the first
/// still-pending model call) at `issued_at_ms`. On success `*checkpoint_out` is the signed
/// checkpoint envelope as canonical JSON.
#[no_mangle]
pub unsafe extern "C" fn claw_recorder_checkpoint(
    recorder: *const claw_recorder,
    issued_at_ms: i64,
    checkpoint_out: *mut *mut c_char,
    err: *mut claw_error,
) -> claw_result {
    returning_string(err, checkpoint_out, "checkpoint_out", || {
        // SAFETY: caller contract: NULL or a live handle.
        let h = unsafe { try_ref(recorder, "recorder")? };
        let bytes = h.with(|r, _| {
            let c = r.checkpoint(issued_at_ms).map_err(ev_fail)?;
            canonical(&c.to_value())
        })?;
        Ok(bytes)
    })
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct BundleOptionsIn {
    #[serde(default)]
    harness_id: Option<String>,
    #[serde(default)]
    harness_version: Option<String>,
    #[serde(default)]
    harness_runtime: Option<String>,
    #[serde(default)]
    namespace_extra: Option<Map<String, Value>>,
    #[serde(default)]
    trust_pulse: Option<bool>,
    #[serde(default)]
    causal_anchoring: Option<String>,
}

/// Finish the run: sign the `proof_bundle` envelope at `issued_at_ms`. `options_json` (NULL
/// with 0 for the defaults): `{"harness_id":…,"harness_version":…,"harness_runtime":…,
/// "namespace_extra":{…},"trust_pulse":bool,"causal_anchoring":"require"|"off"}`. Fails
/// while a model call is pending (the recorder stays usable). Any other refusal, e.g. an
/// unanchored side-effect receipt under `"causal_anchoring":"require"`, spends the run, as
/// success does: the core's `Recorder::finish` consumes it. On success the recorder is spent (later calls fail with
/// `RECORDER_FINISHED`; it must still be freed), `*bundle_out` is the bundle envelope as
/// canonical JSON, and `*trust_pulse_out` (optional, may be NULL) the Trust Pulse document
/// or `null`.
#[no_mangle]
pub unsafe extern "C" fn claw_recorder_finish(
    recorder: *const claw_recorder,
    options_json: *const c_char,
    options_json_len: usize,
    issued_at_ms: i64,
    bundle_out: *mut *mut c_char,
    bundle_len_out: *mut usize,
    trust_pulse_out: *mut *mut c_char,
    err: *mut claw_error,
) -> claw_result {
    boundary(err, || {
        try_out(bundle_out, "bundle_out")?;
        // SAFETY: caller contract on the handle and the pointer/length pair.
        let (h, o) = unsafe {
            (
                try_ref(recorder, "recorder")?,
                if options_json.is_null() && options_json_len == 0 {
                    None
                } else {
                    Some(try_record::<BundleOptionsIn>(
                        options_json,
                        options_json_len,
                        "options_json",
                    )?)
                },
            )
        };
        let mut opts = BundleOptions::default();
        if let Some(o) = o {
            if let Some(v) = o.harness_id {
                opts.harness_id = v;
            }
            if let Some(v) = o.harness_version {
                opts.harness_version = v;
            }
            opts.harness_runtime = o.harness_runtime;
            if let Some(v) = o.namespace_extra {
                opts.namespace_extra = v;
            }
            if let Some(v) = o.trust_pulse {
                opts.trust_pulse = v;
            }
            if let Some(c) = o.causal_anchoring {
                opts.causal_anchoring = pick("causal_anchoring", &c)?;
            }
        }
        let mut g = h.state.lock().map_err(|_| {
            bundle_fail(
                "RECORDER_POISONED",
                "an earlier call on this recorder panicked; the run cannot be finished",
            )
        })?;
        let Some(rec) = g.recorder.take() else {
            return Err(bundle_fail(
                "RECORDER_FINISHED",
                "the recorder was finished; start a new one",
            ));
        };
        if !g.pending.is_empty() {
            g.recorder = Some(rec);
            return Err(bundle_fail(
                "MISSING_REQUIRED_FIELD",
                "a model call is still waiting for its gateway receipt",
            ));
        }
        // finish() consumes the recorder (the core offers no way to keep it when signing
        // fails), so a refusal here spends the run too.
        let bundle = rec
            .finish(&opts, issued_at_ms, &mut rand_core::OsRng)
            .map_err(ev_fail)?;
        let text = bundle.to_json().map_err(ev_fail)?;
        let pulse = match bundle.trust_pulse() {
            Some(p) => p.to_json().map_err(ev_fail)?,
            None => "null".to_string(),
        };
        let len = text.len();
        let bundle_c = crate::strings::to_c_string(text)?;
        let pulse_c = if trust_pulse_out.is_null() {
            None
        } else {
            match crate::strings::to_c_string(pulse) {
                Ok(p) => Some(p),
                Err(e) => {
                    // SAFETY: made just above, never handed out.
                    unsafe { crate::strings::claw_string_free(bundle_c) };
                    return Err(e);
                }
            }
        };
        // SAFETY: `bundle_out` checked above; optional outputs written when non-NULL.
        unsafe {
            write_out(bundle_out, bundle_c);
            if !bundle_len_out.is_null() {
                write_out(bundle_len_out, len);
            }
            if let Some(p) = pulse_c {
                write_out(trust_pulse_out, p);
            }
        }
        Ok(())
    })
}

/// Free a recorder (finished or not; an unfinished run is discarded). NULL is accepted.
#[no_mangle]
pub unsafe extern "C" fn claw_recorder_free(recorder: *mut claw_recorder) {
    // SAFETY: caller contract: NULL or a handle from this module, not used afterwards.
    unsafe { free_handle(recorder) }
}

/// The verifier configuration from the C arguments: `config_json` is the core's options
/// document (`VerifyOptions`, docs/SPEC.md §12), read by the core; `now_ms` is the caller's
/// clock, used unless the options say `verify_at`.
unsafe fn verify_config(
    config_json: *const c_char,
    config_json_len: usize,
    now_ms: i64,
) -> Result<VerifyConfig, Fail> {
    if config_json.is_null() && config_json_len == 0 {
        return Ok(VerifyConfig::new(now_ms));
    }
    // SAFETY: forwarded caller contract.
    let bytes =
        unsafe { crate::ffi::try_bytes(config_json.cast(), config_json_len, "config_json")? };
    evidence::VerifyOptions::parse(bytes)
        .and_then(|o| o.to_config(now_ms))
        .map_err(Fail::from)
}

/// Verify a proof bundle (its envelope JSON, or `{"envelope":…}`) at `now_ms`, following
/// the reference verifier's check order and reason codes. `config_json` (NULL with 0 for
/// none) is the verifier options document of docs/SPEC.md §12: a clawverify configuration
/// (`{"config_version":"1","allowlists":{"gateway_receipt_signer_dids":[…],…}}`) with any of
/// claw's members (`causal_mode`, `ttl_skew_ms`, `trusted_log_signer_dids`, `spec_strict`,
/// `sig_mode`, `threads`, `verify_at`, `urm`, `wpc`); an unknown member is `CONFIG_ERROR`. `policy` (NULL for none) is the compiled policy the run was pinned
/// to: every tool receipt is replayed against it, and one no context could have allowed
/// fails the bundle with `POLICY_VIOLATION`. `CLAW_OK` means the verification ran: `*valid_out` (optional)
/// says whether the bundle is VALID, and `*verdict_out` is the verdict (`valid`,
/// `reason_code`, `proof_tier`, per-component results, ...) as canonical JSON. Errors are
/// for bad arguments or configuration only.
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn claw_bundle_verify(
    bundle_json: *const c_char,
    bundle_json_len: usize,
    config_json: *const c_char,
    config_json_len: usize,
    policy: *const crate::policy::claw_policy,
    now_ms: i64,
    valid_out: *mut bool,
    verdict_out: *mut *mut c_char,
    verdict_len_out: *mut usize,
    err: *mut claw_error,
) -> claw_result {
    returning_verdict(err, valid_out, verdict_out, verdict_len_out, || {
        // SAFETY: caller contract on every pointer/length pair.
        let (text, mut cfg, policy) = unsafe {
            (
                try_str(bundle_json, bundle_json_len, "bundle_json")?,
                verify_config(config_json, config_json_len, now_ms)?,
                policy.as_ref(),
            )
        };
        if let Some(p) = policy {
            cfg.policy = Some(evidence::PolicyReplay::from_policy(std::sync::Arc::clone(
                p.runtime.snapshot().policy(),
            )));
        }
        let verdict = evidence::verify_bundle(text.as_bytes(), &cfg);
        Ok((verdict.is_valid(), verdict.to_json()))
    })
}

/// Verify an aggregate bundle (its `aggregate_bundle` envelope JSON, or `{"envelope":…}`) at
/// `now_ms`, as docs/SPEC.md §11.2 orders the checks: the envelope, the manifest, every member
/// (a proof bundle or an export bundle, verified under the same options), the cross-member
/// rules and the fleet summary. `config_json` (NULL with 0 for none) is the verifier options
/// document of docs/SPEC.md §12, as for `claw_bundle_verify`; an unknown member is
/// `CONFIG_ERROR`. `CLAW_OK` means the verification ran: `*valid_out` (optional) says whether
/// the aggregate is VALID, and `*verdict_out` is the verdict (`status`, `reason_code`, `reason`,
/// `kind` "aggregate_bundle", `proof_tier`, `aggregate_id`, `signer_did`, `counts`, …) as
/// canonical JSON; text that is not JSON is a FAIL verdict (`INVALID_JSON`, `JSON_TOO_LARGE`,
/// …). Errors are for bad arguments (NULL, not UTF-8) or configuration only.
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn claw_aggregate_verify(
    aggregate_json: *const c_char,
    aggregate_json_len: usize,
    config_json: *const c_char,
    config_json_len: usize,
    now_ms: i64,
    valid_out: *mut bool,
    verdict_out: *mut *mut c_char,
    verdict_len_out: *mut usize,
    err: *mut claw_error,
) -> claw_result {
    returning_verdict(err, valid_out, verdict_out, verdict_len_out, || {
        // SAFETY: caller contract on every pointer/length pair.
        let (text, cfg) = unsafe {
            (
                try_str(aggregate_json, aggregate_json_len, "aggregate_json")?,
                verify_config(config_json, config_json_len, now_ms)?,
            )
        };
        let verdict = evidence::verify_aggregate_bundle(text.as_bytes(), &cfg);
        Ok((verdict.is_valid(), verdict.to_json()))
    })
}

/// Verify a commit signature (docs/SPEC.md §11.1): a `message_signature` over
/// `commit:<sha>`, or a `commit_proof` envelope, at most 64 KiB. No options: a commit signature
/// names its own signer and carries no time or trust list. `CLAW_OK` means the verification
/// ran: `*valid_out` (optional) says whether the signature holds, and `*verdict_out` is the
/// verdict as canonical JSON: `{"status":"PASS","reason_code":"OK","kind":"commit_sig","form":
/// "message_signature"|"commit_proof","commit_sha":…,"signer_did":…,"repository"?,
/// "repo_claim_id"?,"branch"?,…}`, or `{"status":"FAIL","reason_code":…,"reason":…,"kind":
/// "commit_sig"}` (also for text that is not JSON or too large). Errors are for bad arguments
/// (NULL, not UTF-8) only.
#[no_mangle]
pub unsafe extern "C" fn claw_commit_verify(
    signature_json: *const c_char,
    signature_json_len: usize,
    valid_out: *mut bool,
    verdict_out: *mut *mut c_char,
    verdict_len_out: *mut usize,
    err: *mut claw_error,
) -> claw_result {
    returning_verdict(err, valid_out, verdict_out, verdict_len_out, || {
        // SAFETY: caller contract on the pointer/length pair.
        let text = unsafe { try_str(signature_json, signature_json_len, "signature_json")? };
        Ok(match evidence::verify_commit_signature(text.as_bytes()) {
            Ok(v) => (true, v.to_json()),
            Err(e) => (false, evidence::commit_failure_json(&e)),
        })
    })
}

/// A self-contained inclusion proof for one receipt (`receipt_id`) of a VALID bundle,
/// against the bundle's signed checkpoint. The bundle is verified first (`config_json` and
/// `now_ms` as in `claw_bundle_verify`); an invalid bundle fails with `CLAW_ERR_BUNDLE` and
/// the verdict's reason code. On success `*proof_out` is the proof as canonical JSON.
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn claw_bundle_receipt_proof(
    bundle_json: *const c_char,
    bundle_json_len: usize,
    config_json: *const c_char,
    config_json_len: usize,
    now_ms: i64,
    receipt_id: *const c_char,
    receipt_id_len: usize,
    proof_out: *mut *mut c_char,
    err: *mut claw_error,
) -> claw_result {
    returning_string(err, proof_out, "proof_out", || {
        // SAFETY: caller contract on every pointer/length pair.
        let (text, cfg, id) = unsafe {
            (
                try_str(bundle_json, bundle_json_len, "bundle_json")?,
                verify_config(config_json, config_json_len, now_ms)?,
                try_str(receipt_id, receipt_id_len, "receipt_id")?,
            )
        };
        let bundle =
            evidence::Bundle::from_verified_json(text.as_bytes(), &cfg).map_err(Fail::from)?;
        let proof = bundle.receipt_proof(id).map_err(ev_fail)?;
        canonical(&proof.to_value())
    })
}

/// Verify a receipt proof offline: the checkpoint's signature (by `expected_agent_did` when
/// given, NUL-free, `len` bytes; NULL with 0 for any), the receipt's inclusion under the
/// checkpoint root, the receipt checked as `claw_bundle_verify` checks it (a gateway receipt
/// must be a signed envelope by a signer in `gateway_signers_json`, a JSON array of DIDs: none
/// given is `DEPENDENCY_NOT_CONFIGURED`; a tool receipt's signature and agent) and its binding
/// to the run.
/// On success `*verdict_out` is `{"kind":…,"receipt_id":…,"run_id":…,"agent_did":…,
/// "leaf_index":n,"tree_size":n,"root_b64u":…,"receipt_signer_did":…|null}`.
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn claw_receipt_proof_verify(
    proof_json: *const c_char,
    proof_json_len: usize,
    expected_agent_did: *const c_char,
    expected_agent_did_len: usize,
    gateway_signers_json: *const c_char,
    gateway_signers_json_len: usize,
    verdict_out: *mut *mut c_char,
    err: *mut claw_error,
) -> claw_result {
    returning_string(err, verdict_out, "verdict_out", || {
        // SAFETY: caller contract on every pointer/length pair.
        let (text, agent, signers) = unsafe {
            (
                try_str(proof_json, proof_json_len, "proof_json")?,
                if expected_agent_did.is_null() && expected_agent_did_len == 0 {
                    None
                } else {
                    Some(try_str(
                        expected_agent_did,
                        expected_agent_did_len,
                        "expected_agent_did",
                    )?)
                },
                crate::envelope::try_did_list(
                    gateway_signers_json,
                    gateway_signers_json_len,
                    "gateway_signers_json",
                )?
                .unwrap_or_default(),
            )
        };
        let v =
            evidence::verify_receipt_proof(text.as_bytes(), agent, &signers).map_err(Fail::from)?;
        let mut m = Map::new();
        m.insert("kind".into(), v.kind.type_name().into());
        m.insert("receipt_id".into(), v.receipt_id.into());
        m.insert("run_id".into(), v.run_id.into());
        m.insert("agent_did".into(), v.agent_did.into());
        m.insert("leaf_index".into(), v.leaf_index.into());
        m.insert("tree_size".into(), v.tree_size.into());
        m.insert("root_b64u".into(), v.root_b64u.into());
        m.insert("receipt_signer_did".into(), v.receipt_signer_did.into());
        canonical(&Value::Object(m))
    })
}

/// Derive a Trust Pulse (`trust_pulse.v1`: tools used, call counts, run times) from a proof
/// bundle, stamped `issued_at_ms`. The bundle is verified first (`config_json` and `now_ms`
/// as in `claw_bundle_verify`) and the pulse is read from the envelope exactly as verified
/// (docs/SPEC.md §6.8); a bundle that does not verify (including an ambiguous document root,
/// `AMBIGUOUS_DOCUMENT`) fails with `CLAW_ERR_BUNDLE` and the verdict's reason code. On
/// success `*pulse_out` is the Trust Pulse document as canonical JSON.
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn claw_trust_pulse_from_bundle(
    bundle_json: *const c_char,
    bundle_json_len: usize,
    config_json: *const c_char,
    config_json_len: usize,
    now_ms: i64,
    issued_at_ms: i64,
    pulse_out: *mut *mut c_char,
    err: *mut claw_error,
) -> claw_result {
    returning_string(err, pulse_out, "pulse_out", || {
        // SAFETY: caller contract on every pointer/length pair.
        let (text, cfg) = unsafe {
            (
                try_str(bundle_json, bundle_json_len, "bundle_json")?,
                verify_config(config_json, config_json_len, now_ms)?,
            )
        };
        let verified = evidence::verify_bundle_for_use(text.as_bytes(), &cfg).map_err(|v| {
            Fail::from(claw_core::Error::new(
                claw_core::error::ErrorKind::Bundle,
                v.reason_code,
                v.reason,
            ))
        })?;
        let p = evidence::trust_pulse_from_bundle(&verified, issued_at_ms, &mut rand_core::OsRng)
            .map_err(ev_fail)?;
        p.to_json().map_err(ev_fail)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recorder_is_send_and_sync() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<claw_recorder>();
    }

    /// Wire names are the core's; a refused one is CLAW_ERR_BUNDLE / SCHEMA_VALIDATION_FAILED
    /// with the JSON field, the value and the accepted names in the message.
    #[test]
    fn pick_reads_the_core_spellings() {
        use claw_core::evidence::{ApproverMethod, CausalAnchoring, ResponseStatus};
        let ok: Result<ResponseStatus, Fail> = pick("response_status", "denied");
        assert!(matches!(ok, Ok(ResponseStatus::Denied)));
        let ok: Result<CausalAnchoring, Fail> = pick("causal_anchoring", "off");
        assert!(matches!(ok, Ok(CausalAnchoring::Off)));
        let Err(f) = pick::<ApproverMethod>("approver_method", "UI_CLICK") else {
            panic!("UI_CLICK accepted");
        };
        assert_eq!(f.code, claw_result_code::CLAW_ERR_BUNDLE);
        assert_eq!(f.reason, "SCHEMA_VALIDATION_FAILED");
        assert!(
            f.message.starts_with("approver_method: \"UI_CLICK\""),
            "{}",
            f.message
        );
        assert!(f.message.contains("\"policy_auto\""), "{}", f.message);
    }
}

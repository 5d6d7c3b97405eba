//! Evidence: `claw.Recorder`, `claw.Gateway`, `claw.Bundle`, `claw.build_bundle`,
//! `claw.verify_bundle` (GIL released), `claw.Verdict`, checkpoints, receipt and consistency
//! proofs, the Trust Pulse. Every format and check is the core's (`claw_core::evidence`,
//! docs/SPEC.md §6); this file converts arguments and results.

use crate::convert;
use crate::envelope::now_ms;
use crate::errors::IntoPyResult;
use crate::json::{limits, require_text, text_bytes};
use crate::keys::{dids, PySigningKey};
use crate::policy::PyPolicy;
use claw_core::envelope::Envelope;
use claw_core::evidence::{
    self, BundleOptions, Delegation, HumanApproval, ModelCall, ParseEnumError, PendingModelCall,
    PolicyReplay, Recorder, SideEffect, ToolCall, VerifyConfig, VerifyOptions,
};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyDict;
use serde_json::{Map, Value};
use std::str::FromStr;
use std::sync::{Arc, Mutex, MutexGuard};

/// Read the wire name of an evidence enum with the core's `FromStr`, or raise `ValueError`
/// naming the argument, the value and the accepted names.
fn choice<T: FromStr<Err = ParseEnumError>>(what: &str, given: &str) -> PyResult<T> {
    given
        .parse()
        .map_err(|e: ParseEnumError| PyValueError::new_err(format!("{what}: {e}")))
}

/// A JSON value given as a Python object (for payloads, args, results, scopes).
fn value(obj: &Bound<'_, PyAny>) -> PyResult<Value> {
    convert::to_value(obj)
}

/// A JSON object given as a dict.
fn object(obj: &Bound<'_, PyDict>) -> PyResult<Map<String, Value>> {
    match convert::to_value(obj.as_any())? {
        Value::Object(m) => Ok(m),
        _ => Err(PyTypeError::new_err("expected a dict")),
    }
}

// ---------------------------------------------------------------------------------------------
// Gateway, pending model calls, checkpoints
// ---------------------------------------------------------------------------------------------

/// A model gateway: an id and the key that signs its `gateway_receipt` envelopes.
#[pyclass(module = "claw", name = "Gateway", frozen)]
#[derive(Debug)]
pub struct PyGateway {
    inner: evidence::Gateway,
}

#[pymethods]
impl PyGateway {
    #[new]
    fn new(py: Python<'_>, gateway_id: String, key: &PySigningKey) -> PyResult<PyGateway> {
        let inner = evidence::Gateway::new(&gateway_id, key.inner.clone()).py_err(py)?;
        Ok(PyGateway { inner })
    }

    /// The signer DID (what verifiers allowlist as a gateway).
    #[getter]
    fn did(&self) -> String {
        self.inner.did()
    }

    /// Sign a `gateway_receipt` for one model call bound to `pending` (from
    /// `Recorder.begin_model_call`); returns the envelope JSON to hand to
    /// `Recorder.attach_gateway_receipt`. `request`/`response` are hashed, never embedded.
    #[pyo3(signature = (pending, *, provider, model, request, response, tokens_input = 0, tokens_output = 0, latency_ms = 0, timestamp_ms = None, metadata = None))]
    #[allow(clippy::too_many_arguments)]
    fn sign_receipt(
        &self,
        py: Python<'_>,
        pending: &PyPendingModelCall,
        provider: String,
        model: String,
        request: &[u8],
        response: &[u8],
        tokens_input: u64,
        tokens_output: u64,
        latency_ms: u64,
        timestamp_ms: Option<i64>,
        metadata: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<String> {
        let md = metadata.map(object).transpose()?;
        let binding = pending.binding(py)?;
        let call = ModelCall {
            provider: &provider,
            model: &model,
            request,
            response,
            tokens_input,
            tokens_output,
            latency_ms,
            timestamp_ms: timestamp_ms.unwrap_or_else(now_ms),
            metadata: md.as_ref(),
        };
        let env = self
            .inner
            .sign_receipt(&call, Some(&binding), &mut rand_core::OsRng)
            .py_err(py)?;
        env.to_json().py_err(py)
    }

    fn __repr__(&self) -> String {
        format!("Gateway(did='{}')", self.inner.did())
    }
}

/// A model call whose `llm_call` event is recorded and whose gateway receipt is awaited.
#[pyclass(module = "claw", name = "PendingModelCall", frozen)]
#[derive(Debug)]
pub struct PyPendingModelCall {
    inner: Mutex<Option<PendingModelCall>>,
}

impl PyPendingModelCall {
    fn lock(&self) -> MutexGuard<'_, Option<PendingModelCall>> {
        // A poisoned lock means a panic elsewhere; the Option inside is still whole.
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn binding(&self, _py: Python<'_>) -> PyResult<evidence::Binding> {
        self.lock()
            .as_ref()
            .map(|p| p.binding.clone())
            .ok_or_else(|| {
                PyValueError::new_err("this model call was already attached or abandoned")
            })
    }

    fn take(&self) -> PyResult<PendingModelCall> {
        self.lock().take().ok_or_else(|| {
            PyValueError::new_err("this model call was already attached or abandoned")
        })
    }
}

#[pymethods]
impl PyPendingModelCall {
    /// The binding the gateway must sign (`run_id`, `event_hash_b64u`, `nonce`, spans...).
    #[getter(binding)]
    fn binding_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let b = self.binding(py)?;
        convert::to_py(py, &b.to_value())
    }

    fn __repr__(&self) -> String {
        match self.lock().as_ref() {
            Some(p) => format!(
                "PendingModelCall(event_hash_b64u='{}')",
                p.binding.event_hash_b64u
            ),
            None => "PendingModelCall(closed)".into(),
        }
    }
}

/// A signed checkpoint of a run's receipt log.
#[pyclass(module = "claw", name = "Checkpoint", frozen)]
#[derive(Debug)]
pub struct PyCheckpoint {
    inner: evidence::Checkpoint,
}

#[pymethods]
impl PyCheckpoint {
    #[getter]
    fn run_id(&self) -> &str {
        &self.inner.run_id
    }
    #[getter]
    fn agent_did(&self) -> &str {
        &self.inner.agent_did
    }
    #[getter]
    fn tree_size(&self) -> u64 {
        self.inner.tree_size
    }
    /// base64url RFC 9162 root of the receipts log.
    #[getter]
    fn root(&self) -> &str {
        &self.inner.root_b64u
    }
    #[getter]
    fn event_count(&self) -> u64 {
        self.inner.event_count
    }
    #[getter]
    fn event_head(&self) -> Option<&str> {
        self.inner.event_head_b64u.as_deref()
    }
    /// The signed `claw_receipt_checkpoint` envelope, canonical JSON.
    fn to_json(&self, py: Python<'_>) -> PyResult<String> {
        self.inner.envelope().to_json().py_err(py)
    }
    fn __repr__(&self) -> String {
        format!(
            "Checkpoint(run_id='{}', tree_size={}, root='{}')",
            self.inner.run_id, self.inner.tree_size, self.inner.root_b64u
        )
    }
}

// ---------------------------------------------------------------------------------------------
// Recorder
// ---------------------------------------------------------------------------------------------

/// Records one run: the hash-linked event chain and the receipts of every model call, tool
/// call, side effect, approval and delegation; `finish` signs the proof bundle. Safe to share
/// between threads (calls are serialized).
#[pyclass(module = "claw", name = "Recorder", frozen)]
#[derive(Debug)]
pub struct PyRecorder {
    inner: Mutex<Option<Recorder>>,
    run_id: String,
    agent_did: String,
}

impl PyRecorder {
    fn with<T>(
        &self,
        py: Python<'_>,
        f: impl FnOnce(&mut Recorder) -> Result<T, evidence::EvidenceError>,
    ) -> PyResult<T> {
        let mut g = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        let rec = g.as_mut().ok_or_else(|| {
            PyValueError::new_err("the recorder is finished (its bundle was built)")
        })?;
        f(rec).py_err(py)
    }

    /// Attach a gateway receipt to its pending call; refused, the call stays pending, as it
    /// does in the core.
    fn attach(&self, py: Python<'_>, pending: &PyPendingModelCall, env: &Envelope) -> PyResult<()> {
        let p = pending.take()?;
        let back = p.clone();
        self.with(py, |r| r.attach_gateway_receipt(p, env))
            .inspect_err(|_| *pending.lock() = Some(back))
    }
}

fn ts(t: Option<i64>) -> i64 {
    t.unwrap_or_else(now_ms)
}

fn binding_py<'py>(py: Python<'py>, b: &evidence::Binding) -> PyResult<Bound<'py, PyAny>> {
    convert::to_py(py, &b.to_value())
}

#[pymethods]
impl PyRecorder {
    /// A new run (`run_<uuid>`, or `run_id`) for the agent whose key signs the bundle and
    /// the tool receipts.
    #[new]
    #[pyo3(signature = (agent, *, run_id = None))]
    fn new(py: Python<'_>, agent: &PySigningKey, run_id: Option<String>) -> PyResult<PyRecorder> {
        let rec = match run_id {
            Some(id) => Recorder::with_run_id(agent.inner.clone(), &id).py_err(py)?,
            None => Recorder::new(agent.inner.clone(), &mut rand_core::OsRng),
        };
        Ok(PyRecorder {
            run_id: rec.run_id().to_string(),
            agent_did: rec.agent_did().to_string(),
            inner: Mutex::new(Some(rec)),
        })
    }

    #[getter]
    fn run_id(&self) -> &str {
        &self.run_id
    }

    #[getter]
    fn agent_did(&self) -> &str {
        &self.agent_did
    }

    /// Number of events recorded so far.
    fn __len__(&self) -> usize {
        let g = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        g.as_ref().map_or(0, |r| r.events().len())
    }

    /// Append an event of any type (its payload is hashed with JCS, not stored); returns the
    /// binding for receipts about it.
    #[pyo3(signature = (event_type, payload, *, timestamp_ms = None))]
    fn record_event<'py>(
        &self,
        py: Python<'py>,
        event_type: String,
        payload: &Bound<'py, PyAny>,
        timestamp_ms: Option<i64>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let v = value(payload)?;
        let b = self.with(py, |r| {
            r.record_event(&event_type, &v, ts(timestamp_ms), &mut rand_core::OsRng)
        })?;
        binding_py(py, &b)
    }

    /// Record a policy decision (`policy_decision` event): `decision` is your record of it,
    /// e.g. `{"tool": ..., "decision": d.decision, "reason_code": d.reason_code,
    /// "statement_id": d.statement_id, "policy_hash_b64u": d.policy_hash}` (no `None`
    /// values: JSON `null` is refused in evidence).
    #[pyo3(signature = (decision, *, timestamp_ms = None))]
    fn record_decision<'py>(
        &self,
        py: Python<'py>,
        decision: &Bound<'py, PyDict>,
        timestamp_ms: Option<i64>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let v = value(decision.as_any())?;
        let b = self.with(py, |r| {
            r.record_decision(&v, ts(timestamp_ms), &mut rand_core::OsRng)
        })?;
        binding_py(py, &b)
    }

    /// Record the `llm_call` event of a model call about to go through a gateway; send the
    /// returned call's `binding` to the gateway, then `attach_gateway_receipt`.
    #[pyo3(signature = (provider, model, *, timestamp_ms = None))]
    fn begin_model_call(
        &self,
        py: Python<'_>,
        provider: String,
        model: String,
        timestamp_ms: Option<i64>,
    ) -> PyResult<PyPendingModelCall> {
        let p = self.with(py, |r| {
            r.begin_model_call(&provider, &model, ts(timestamp_ms), &mut rand_core::OsRng)
        })?;
        Ok(PyPendingModelCall {
            inner: Mutex::new(Some(p)),
        })
    }

    /// Attach the gateway's receipt envelope (JSON text) for a pending call.
    fn attach_gateway_receipt(
        &self,
        py: Python<'_>,
        pending: &PyPendingModelCall,
        receipt: &Bound<'_, PyAny>,
    ) -> PyResult<()> {
        let bytes = require_text(receipt, "receipt")?;
        let env = Envelope::parse(&bytes, &limits()).py_err(py)?;
        self.attach(py, pending, &env)
    }

    /// Attach the gateway receipt a model response carries (`_receipt_envelope` of a JSON
    /// body, or the SSE trailer of a streamed one; `response` is the bytes received) to its
    /// pending call. Raises `BundleError` (`RECEIPT_NOT_CARRIED`) when it carries none.
    fn attach_response_receipt(
        &self,
        py: Python<'_>,
        pending: &PyPendingModelCall,
        response: &Bound<'_, PyAny>,
    ) -> PyResult<()> {
        let body = require_text(response, "response")?;
        let carried = claw_core::evidence::receipt_from_response(&body).py_err(py)?;
        let env = Envelope::from_value(carried.envelope).py_err(py)?;
        self.attach(py, pending, &env)
    }

    /// Close a pending call that produced no receipt.
    fn abandon_model_call(&self, py: Python<'_>, pending: &PyPendingModelCall) -> PyResult<()> {
        let p = pending.take()?;
        self.with(py, |r| {
            r.abandon_model_call(p);
            Ok(())
        })
    }

    /// Begin, sign through `gateway` and attach, for one complete model call; returns the
    /// receipt id. The `llm_call` event is stamped `timestamp_ms - latency_ms`.
    #[pyo3(signature = (gateway, *, provider, model, request, response, tokens_input = 0, tokens_output = 0, latency_ms = 0, timestamp_ms = None, metadata = None))]
    #[allow(clippy::too_many_arguments)]
    fn record_model_call(
        &self,
        py: Python<'_>,
        gateway: &PyGateway,
        provider: String,
        model: String,
        request: &[u8],
        response: &[u8],
        tokens_input: u64,
        tokens_output: u64,
        latency_ms: u64,
        timestamp_ms: Option<i64>,
        metadata: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<String> {
        let md = metadata.map(object).transpose()?;
        let call = ModelCall {
            provider: &provider,
            model: &model,
            request,
            response,
            tokens_input,
            tokens_output,
            latency_ms,
            timestamp_ms: ts(timestamp_ms),
            metadata: md.as_ref(),
        };
        self.with(py, |r| {
            r.record_model_call(&gateway.inner, &call, &mut rand_core::OsRng)
        })
    }

    /// Record a tool call (`tool_call` event + a `tool_receipt` signed by the agent; `args`
    /// and `result` are hashed with JCS, never embedded); returns the receipt id.
    #[pyo3(signature = (tool_name, args, result, *, status = "success", tool_version = None, latency_ms = 0, timestamp_ms = None))]
    #[allow(clippy::too_many_arguments)]
    fn record_tool_call(
        &self,
        py: Python<'_>,
        tool_name: String,
        args: &Bound<'_, PyAny>,
        result: &Bound<'_, PyAny>,
        status: &str,
        tool_version: Option<String>,
        latency_ms: u64,
        timestamp_ms: Option<i64>,
    ) -> PyResult<String> {
        let (args, result) = (value(args)?, value(result)?);
        let call = ToolCall {
            tool_name: &tool_name,
            tool_version: tool_version.as_deref(),
            args: &args,
            result: &result,
            result_status: choice("status", status)?,
            latency_ms,
            timestamp_ms: ts(timestamp_ms),
        };
        self.with(py, |r| r.record_tool_call(&call, &mut rand_core::OsRng))
    }

    /// Record a side effect (`effect_class`: network_egress, filesystem_write,
    /// external_api_write); `target`, `request` and `response` are hashed. Anchored to the
    /// latest model call's span. Returns the receipt id.
    #[pyo3(signature = (effect_class, *, target, request = b"".as_slice(), response = b"".as_slice(), vendor_id = None, response_status = None, bytes_written = None, latency_ms = 0, timestamp_ms = None))]
    #[allow(clippy::too_many_arguments)]
    fn record_side_effect(
        &self,
        py: Python<'_>,
        effect_class: &str,
        target: &[u8],
        request: &[u8],
        response: &[u8],
        vendor_id: Option<String>,
        response_status: Option<String>,
        bytes_written: Option<u64>,
        latency_ms: u64,
        timestamp_ms: Option<i64>,
    ) -> PyResult<String> {
        let effect = SideEffect {
            effect_class: choice("effect_class", effect_class)?,
            target,
            vendor_id: vendor_id.as_deref(),
            request,
            response,
            response_status: response_status
                .as_deref()
                .map(|s| choice("response_status", s))
                .transpose()?,
            bytes_written,
            latency_ms,
            timestamp_ms: ts(timestamp_ms),
        };
        self.with(py, |r| r.record_side_effect(&effect, &mut rand_core::OsRng))
    }

    /// Record a human approval or denial (`approval_type`: explicit_approve, explicit_deny,
    /// auto_approve, timeout_deny); `scope` (and `plan`) are hashed with JCS. Returns the
    /// receipt id.
    #[pyo3(signature = (approval_type, approver_subject, scope, *, approver_method = None, scope_summary = None, policy_hash = None, minted_capability_id = None, minted_capability_ttl_seconds = None, plan = None, timestamp_ms = None))]
    #[allow(clippy::too_many_arguments)]
    fn record_human_approval(
        &self,
        py: Python<'_>,
        approval_type: &str,
        approver_subject: String,
        scope: &Bound<'_, PyAny>,
        approver_method: Option<String>,
        scope_summary: Option<String>,
        policy_hash: Option<String>,
        minted_capability_id: Option<String>,
        minted_capability_ttl_seconds: Option<u64>,
        plan: Option<&Bound<'_, PyAny>>,
        timestamp_ms: Option<i64>,
    ) -> PyResult<String> {
        let scope = value(scope)?;
        let plan = plan.map(value).transpose()?;
        let approval = HumanApproval {
            approval_type: choice("approval_type", approval_type)?,
            approver_subject: &approver_subject,
            approver_method: approver_method
                .as_deref()
                .map(|s| choice("approver_method", s))
                .transpose()?,
            scope: &scope,
            scope_summary: scope_summary.as_deref(),
            policy_hash_b64u: policy_hash.as_deref(),
            minted_capability_id: minted_capability_id.as_deref(),
            minted_capability_ttl_seconds,
            plan: plan.as_ref(),
            timestamp_ms: ts(timestamp_ms),
        };
        self.with(py, |r| {
            r.record_human_approval(&approval, &mut rand_core::OsRng)
        })
    }

    /// Record a delegation to another agent; `delegate_bundle_hash` is the
    /// `payload_hash_b64u` of the delegate's signed proof bundle. Returns the receipt id.
    #[pyo3(signature = (delegate_did, task_description, delegate_bundle_hash, *, delegation_policy = None, delegated_at_ms = None, completed_at_ms = None))]
    #[allow(clippy::too_many_arguments)]
    fn record_delegation(
        &self,
        py: Python<'_>,
        delegate_did: String,
        task_description: &[u8],
        delegate_bundle_hash: String,
        delegation_policy: Option<String>,
        delegated_at_ms: Option<i64>,
        completed_at_ms: Option<i64>,
    ) -> PyResult<String> {
        let d = Delegation {
            delegate_did: &delegate_did,
            task_description,
            delegate_bundle_hash_b64u: &delegate_bundle_hash,
            delegation_policy: delegation_policy.as_deref(),
            delegated_at_ms: ts(delegated_at_ms),
            completed_at_ms,
        };
        self.with(py, |r| r.record_delegation(&d, &mut rand_core::OsRng))
    }

    /// Sign a checkpoint of the receipts log (every event before the first pending model call).
    #[pyo3(signature = (*, timestamp_ms = None))]
    fn checkpoint(&self, py: Python<'_>, timestamp_ms: Option<i64>) -> PyResult<PyCheckpoint> {
        let inner = self.with(py, |r| r.checkpoint(ts(timestamp_ms)))?;
        Ok(PyCheckpoint { inner })
    }

    /// A proof (JSON text) that the log at `new` extends the log at `old` (both of this run).
    fn consistency_proof(
        &self,
        py: Python<'_>,
        old: &PyCheckpoint,
        new: &PyCheckpoint,
    ) -> PyResult<String> {
        let proof = self.with(py, |r| r.consistency_proof(&old.inner, &new.inner))?;
        proof.to_json().py_err(py)
    }

    /// Sign the proof bundle (see `build_bundle`). The recorder cannot be used afterwards,
    /// even when this raises (the core's `finish` takes the run): finish only once no model
    /// call is pending.
    #[pyo3(signature = (*, harness_id = "claw-py".to_string(), harness_version = env!("CARGO_PKG_VERSION").to_string(), harness_runtime = None, extra = None, trust_pulse = true, causal_anchoring = "require", timestamp_ms = None))]
    #[allow(clippy::too_many_arguments)]
    fn finish(
        &self,
        py: Python<'_>,
        harness_id: String,
        harness_version: String,
        harness_runtime: Option<String>,
        extra: Option<&Bound<'_, PyDict>>,
        trust_pulse: bool,
        causal_anchoring: &str,
        timestamp_ms: Option<i64>,
    ) -> PyResult<PyBundle> {
        let opts = BundleOptions {
            harness_id,
            harness_version,
            harness_runtime,
            namespace_extra: extra.map(object).transpose()?.unwrap_or_default(),
            trust_pulse,
            causal_anchoring: choice("causal_anchoring", causal_anchoring)?,
        };
        let rec = {
            let mut g = self.inner.lock().unwrap_or_else(|p| p.into_inner());
            g.take().ok_or_else(|| {
                PyValueError::new_err("the recorder is finished (its bundle was built)")
            })?
        };
        let t = ts(timestamp_ms);
        // Signing and Merkle assembly of a long run: release the GIL.
        let bundle = py
            .detach(move || rec.finish(&opts, t, &mut rand_core::OsRng))
            .py_err(py)?;
        Ok(PyBundle { inner: bundle })
    }

    fn __repr__(&self) -> String {
        format!(
            "Recorder(run_id='{}', events={})",
            self.run_id,
            self.__len__()
        )
    }
}

/// Sign the proof bundle of `recorder`'s run (the same as `recorder.finish(...)`).
#[pyfunction]
#[pyo3(signature = (recorder, *, harness_id = "claw-py".to_string(), harness_version = env!("CARGO_PKG_VERSION").to_string(), harness_runtime = None, extra = None, trust_pulse = true, causal_anchoring = "require", timestamp_ms = None))]
#[allow(clippy::too_many_arguments)]
pub(crate) fn build_bundle(
    py: Python<'_>,
    recorder: &PyRecorder,
    harness_id: String,
    harness_version: String,
    harness_runtime: Option<String>,
    extra: Option<&Bound<'_, PyDict>>,
    trust_pulse: bool,
    causal_anchoring: &str,
    timestamp_ms: Option<i64>,
) -> PyResult<PyBundle> {
    recorder.finish(
        py,
        harness_id,
        harness_version,
        harness_runtime,
        extra,
        trust_pulse,
        causal_anchoring,
        timestamp_ms,
    )
}

// ---------------------------------------------------------------------------------------------
// Bundle, verification
// ---------------------------------------------------------------------------------------------

/// A signed proof bundle with its Merkle log.
#[pyclass(module = "claw", name = "Bundle", frozen)]
#[derive(Debug)]
pub struct PyBundle {
    inner: evidence::Bundle,
}

fn payload_str<'a>(env: &'a Envelope, key: &str) -> Option<&'a str> {
    env.payload.get(key).and_then(Value::as_str)
}

#[pymethods]
impl PyBundle {
    /// Canonical JSON text of the signed `proof_bundle` envelope (what is written to disk).
    fn to_json(&self, py: Python<'_>) -> PyResult<String> {
        self.inner.to_json().py_err(py)
    }

    #[getter]
    fn bundle_id(&self) -> Option<&str> {
        payload_str(self.inner.envelope(), "bundle_id")
    }

    #[getter]
    fn agent_did(&self) -> Option<&str> {
        payload_str(self.inner.envelope(), "agent_did")
    }

    /// `payload_hash_b64u` of the envelope (what a delegation receipt names).
    #[getter]
    fn payload_hash(&self) -> &str {
        &self.inner.envelope().payload_hash_b64u
    }

    /// The payload, as plain Python objects.
    #[getter]
    fn payload<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        convert::to_py(py, &self.inner.envelope().payload)
    }

    /// The final checkpoint.
    #[getter]
    fn checkpoint(&self) -> PyCheckpoint {
        PyCheckpoint {
            inner: self.inner.checkpoint().clone(),
        }
    }

    /// The Trust Pulse bound in the metadata, if one was derived.
    #[getter]
    fn trust_pulse<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        self.inner
            .trust_pulse()
            .map(|p| convert::to_py(py, p.to_value()))
            .transpose()
    }

    /// Receipt ids in Merkle leaf order.
    fn receipt_ids(&self) -> Vec<String> {
        self.inner
            .leaves()
            .iter()
            .map(|r| r.receipt_id().to_string())
            .collect()
    }

    /// A self-contained inclusion proof (JSON text) for one receipt against the checkpoint.
    fn receipt_proof(&self, py: Python<'_>, receipt_id: &str) -> PyResult<String> {
        let p = self.inner.receipt_proof(receipt_id).py_err(py)?;
        p.to_json().py_err(py)
    }

    /// Verify a bundle (as `verify_bundle`) and, when VALID, rebuild its Merkle log so receipt
    /// proofs can be cut from it. Raises `BundleError` with the verdict's code otherwise.
    #[staticmethod]
    #[pyo3(signature = (text, config = None, gateway_signers = None, *, now = None, causal_mode = None, spec_strict = None, trusted_log_signers = None, urm = None, policy = None))]
    #[allow(clippy::too_many_arguments)]
    fn from_verified_json(
        py: Python<'_>,
        text: &Bound<'_, PyAny>,
        config: Option<&Bound<'_, PyAny>>,
        gateway_signers: Option<Vec<Bound<'_, PyAny>>>,
        now: Option<i64>,
        causal_mode: Option<&str>,
        spec_strict: Option<bool>,
        trusted_log_signers: Option<Vec<Bound<'_, PyAny>>>,
        urm: Option<&Bound<'_, PyAny>>,
        policy: Option<&Bound<'_, PyPolicy>>,
    ) -> PyResult<PyBundle> {
        let bytes = require_text(text, "text")?;
        let cfg = verify_config(
            py,
            config,
            gateway_signers,
            now,
            causal_mode,
            spec_strict,
            trusted_log_signers,
            None,
            None,
            urm,
            policy,
        )?;
        let inner = py
            .detach(move || evidence::Bundle::from_verified_json(&bytes, &cfg))
            .py_err(py)?;
        Ok(PyBundle { inner })
    }

    fn __repr__(&self) -> String {
        format!(
            "Bundle(bundle_id={:?}, receipts={}, root='{}')",
            self.bundle_id().unwrap_or(""),
            self.inner.leaves().len(),
            self.inner.checkpoint().root_b64u
        )
    }
}

/// The verifier's configuration from the binding's arguments: `config` is the core's
/// options document (`VerifyOptions`, docs/SPEC.md §12, read by the core); each keyword
/// given sets the one member it names, converted to its type here and nothing more.
#[allow(clippy::too_many_arguments)]
pub(crate) fn verify_config(
    py: Python<'_>,
    config: Option<&Bound<'_, PyAny>>,
    gateway_signers: Option<Vec<Bound<'_, PyAny>>>,
    now: Option<i64>,
    causal_mode: Option<&str>,
    spec_strict: Option<bool>,
    trusted_log_signers: Option<Vec<Bound<'_, PyAny>>>,
    sig_mode: Option<&str>,
    threads: Option<usize>,
    urm: Option<&Bound<'_, PyAny>>,
    policy: Option<&Bound<'_, PyPolicy>>,
) -> PyResult<VerifyConfig> {
    let mut o = match config {
        None => VerifyOptions::default(),
        Some(c) => match text_bytes(c)? {
            Some(b) => VerifyOptions::parse(&b).py_err(py)?,
            None => VerifyOptions::from_value(&value(c)?).py_err(py)?,
        },
    };
    if let Some(g) = gateway_signers {
        for d in dids(&g)? {
            o.add_gateway(&d).py_err(py)?;
        }
    }
    if let Some(t) = trusted_log_signers {
        o.trusted_log_signer_dids = dids(&t)?;
    }
    if let Some(m) = causal_mode {
        o.causal_mode = Some(choice("causal_mode", m)?);
    }
    if let Some(m) = sig_mode {
        o.sig_mode = Some(choice("sig_mode", m)?);
    }
    if let Some(t) = threads {
        o.threads = t;
    }
    if let Some(s) = spec_strict {
        o.spec_strict = s;
    }
    if let Some(u) = urm {
        o.urm = Some(value(u)?);
    }
    let mut cfg = o
        .to_config(now.map_or_else(now_ms, |s| s.saturating_mul(1000)))
        .py_err(py)?;
    if let Some(p) = policy {
        cfg.policy = Some(PolicyReplay::from_policy(Arc::clone(&p.get().compiled)));
    }
    Ok(cfg)
}

/// The verifier's answer about a proof bundle.
#[pyclass(module = "claw", name = "Verdict", frozen)]
#[derive(Debug)]
pub struct PyVerdict {
    inner: evidence::Verdict,
}

#[pymethods]
impl PyVerdict {
    /// Whether the bundle is VALID.
    #[getter]
    fn valid(&self) -> bool {
        self.inner.valid
    }
    /// `"OK"` or the code of the first failing check.
    #[getter]
    fn reason_code(&self) -> &'static str {
        self.inner.reason_code
    }
    #[getter]
    fn reason(&self) -> &str {
        &self.inner.reason
    }
    /// The JSON path at fault, when there is one.
    #[getter]
    fn field(&self) -> Option<&str> {
        self.inner.field.as_deref()
    }
    /// `"unknown"`, `"self"`, `"gateway"` or `"sandbox"`.
    #[getter]
    fn proof_tier(&self) -> &'static str {
        self.inner.proof_tier.as_str()
    }
    #[getter]
    fn trust_tier(&self) -> &'static str {
        self.inner.trust_tier.as_str()
    }
    #[getter]
    fn verified_at(&self) -> &str {
        &self.inner.verified_at
    }
    #[getter]
    fn bundle_id(&self) -> Option<&str> {
        self.inner.bundle_id.as_deref()
    }
    #[getter]
    fn agent_did(&self) -> Option<&str> {
        self.inner.agent_did.as_deref()
    }
    #[getter]
    fn run_id(&self) -> Option<&str> {
        self.inner.run_id.as_deref()
    }
    /// `{name: {"status": "pass"|"fail"|"warn"|"skipped", "code": ..., "detail": ...}}`.
    #[getter]
    fn components<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        convert::member(py, &self.inner.to_json(), "components")
    }
    /// `{"receipts": n, "receipts_signature_verified": n, "receipts_verified": n}`.
    #[getter]
    fn counts<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        convert::member(py, &self.inner.to_json(), "counts")
    }
    /// The registry's verification result shape, as canonical JSON text.
    fn to_json(&self, py: Python<'_>) -> PyResult<String> {
        convert::canonical_text(py, &self.inner.to_json())
    }
    fn __repr__(&self) -> String {
        format!(
            "Verdict(valid={}, reason_code='{}', proof_tier='{}')",
            if self.inner.valid { "True" } else { "False" },
            self.inner.reason_code,
            self.inner.proof_tier.as_str()
        )
    }
}

/// Verify a proof bundle offline (envelope JSON, or `{"envelope": ...}`), following the
/// reference verifier's order and codes plus claw's Merkle checks; never raises for a bad
/// bundle: read `Verdict.valid` and `Verdict.reason_code`. The GIL is released meanwhile.
///
/// `config`: the verifier options (JSON text or dict, docs/SPEC.md §12): a reference
/// `clawverify` config with any of claw's members; the keywords below set one member each,
/// over the config's. `gateway_signers`: gateway DIDs/keys to trust in addition; `now`: Unix
/// seconds (default the clock; the config's `verify_at` wins); `causal_mode`: "enforce" |
/// "warn" | "observe"; `spec_strict`: protocol-text checks the reference does not make;
/// `sig_mode`: "batch" | "sequential"; `threads`: 0 = all cores; `urm`: the URM document;
/// `policy`: replay the tool receipts against this `Policy` (what no context could allow is a
/// `POLICY_VIOLATION`).
#[pyfunction]
#[pyo3(signature = (text, config = None, gateway_signers = None, *, now = None, causal_mode = None, spec_strict = None, trusted_log_signers = None, sig_mode = None, threads = None, urm = None, policy = None))]
#[allow(clippy::too_many_arguments)]
pub(crate) fn verify_bundle(
    py: Python<'_>,
    text: &Bound<'_, PyAny>,
    config: Option<&Bound<'_, PyAny>>,
    gateway_signers: Option<Vec<Bound<'_, PyAny>>>,
    now: Option<i64>,
    causal_mode: Option<&str>,
    spec_strict: Option<bool>,
    trusted_log_signers: Option<Vec<Bound<'_, PyAny>>>,
    sig_mode: Option<&str>,
    threads: Option<usize>,
    urm: Option<&Bound<'_, PyAny>>,
    policy: Option<&Bound<'_, PyPolicy>>,
) -> PyResult<PyVerdict> {
    let bytes = require_text(text, "text")?;
    let cfg = verify_config(
        py,
        config,
        gateway_signers,
        now,
        causal_mode,
        spec_strict,
        trusted_log_signers,
        sig_mode,
        threads,
        urm,
        policy,
    )?;
    let inner = py.detach(move || evidence::verify_bundle(&bytes, &cfg));
    Ok(PyVerdict { inner })
}

/// Verify a receipt proof (`Bundle.receipt_proof`) offline; returns what it establishes.
/// Raises `ClawError` subclasses with the failed check's code.
#[pyfunction]
#[pyo3(signature = (text, *, expected_agent = None, gateway_signers = None))]
pub(crate) fn verify_receipt_proof<'py>(
    py: Python<'py>,
    text: &Bound<'py, PyAny>,
    expected_agent: Option<String>,
    gateway_signers: Option<Vec<Bound<'py, PyAny>>>,
) -> PyResult<Bound<'py, PyDict>> {
    let bytes = require_text(text, "text")?;
    let gw = gateway_signers
        .as_deref()
        .map(dids)
        .transpose()?
        .unwrap_or_default();
    let v = evidence::verify_receipt_proof(&bytes, expected_agent.as_deref(), &gw).py_err(py)?;
    let d = PyDict::new(py);
    d.set_item("kind", v.kind.type_name())?;
    d.set_item("receipt_id", v.receipt_id)?;
    d.set_item("run_id", v.run_id)?;
    d.set_item("agent_did", v.agent_did)?;
    d.set_item("leaf_index", v.leaf_index)?;
    d.set_item("tree_size", v.tree_size)?;
    d.set_item("root_b64u", v.root_b64u)?;
    d.set_item("receipt_signer_did", v.receipt_signer_did)?;
    Ok(d)
}

/// Verify a checkpoint consistency proof (`Recorder.consistency_proof`) offline; returns the
/// two checkpoints `(old, new)`.
#[pyfunction]
#[pyo3(signature = (text, *, expected_agent = None))]
pub(crate) fn verify_checkpoint_consistency(
    py: Python<'_>,
    text: &Bound<'_, PyAny>,
    expected_agent: Option<String>,
) -> PyResult<(PyCheckpoint, PyCheckpoint)> {
    let bytes = require_text(text, "text")?;
    let (a, b) =
        evidence::verify_consistency_proof(&bytes, expected_agent.as_deref()).py_err(py)?;
    Ok((PyCheckpoint { inner: a }, PyCheckpoint { inner: b }))
}

/// Derive a Trust Pulse (`trust_pulse.v1`, self-reported) from a proof bundle (JSON text):
/// tools and times; files are empty since bundles hold hashes only. The bundle is verified
/// first (`config`, `gateway_signers`, `now`, `causal_mode`, `trusted_log_signers` as in
/// `verify_bundle`) and the pulse is read from the envelope exactly as verified (docs/SPEC.md
/// §6.8); a bundle that does not verify raises `BundleError` with the verdict's reason code.
#[pyfunction]
#[pyo3(signature = (bundle, config = None, gateway_signers = None, *, now = None, issued_at_ms = None, causal_mode = None, trusted_log_signers = None))]
#[allow(clippy::too_many_arguments, clippy::result_large_err)] // one verdict per call
pub(crate) fn trust_pulse_from_bundle<'py>(
    py: Python<'py>,
    bundle: &Bound<'py, PyAny>,
    config: Option<&Bound<'py, PyAny>>,
    gateway_signers: Option<Vec<Bound<'py, PyAny>>>,
    now: Option<i64>,
    issued_at_ms: Option<i64>,
    causal_mode: Option<&str>,
    trusted_log_signers: Option<Vec<Bound<'py, PyAny>>>,
) -> PyResult<Bound<'py, PyAny>> {
    let bytes = require_text(bundle, "bundle")?;
    let cfg = verify_config(
        py,
        config,
        gateway_signers,
        now,
        causal_mode,
        None,
        trusted_log_signers,
        None,
        None,
        None,
        None,
    )?;
    let verified = py
        .detach(move || {
            evidence::verify_bundle_for_use(&bytes, &cfg).map_err(|v| {
                claw_core::Error::new(claw_core::ErrorKind::Bundle, v.reason_code, v.reason)
            })
        })
        .py_err(py)?;
    let pulse =
        evidence::trust_pulse_from_bundle(&verified, ts(issued_at_ms), &mut rand_core::OsRng)
            .py_err(py)?;
    convert::to_py(py, pulse.to_value())
}

/// Verify a reference transparency-log inclusion proof (`log_inclusion_proof.v1`, JSON text or
/// dict): the clawlogs Merkle rule and the signed root, by one of `trusted_signers` (any
/// `did:key` when empty); `expected_leaf` is the leaf hash (base64url) you recomputed.
#[pyfunction]
#[pyo3(signature = (proof, *, trusted_signers = None, expected_leaf = None))]
pub(crate) fn verify_log_inclusion_proof(
    py: Python<'_>,
    proof: &Bound<'_, PyAny>,
    trusted_signers: Option<Vec<Bound<'_, PyAny>>>,
    expected_leaf: Option<String>,
) -> PyResult<()> {
    let v = match text_bytes(proof)? {
        Some(b) => claw_core::json::parse(&b, &limits()).py_err(py)?,
        None => value(proof)?,
    };
    let trusted = trusted_signers
        .as_deref()
        .map(dids)
        .transpose()?
        .unwrap_or_default();
    evidence::verify_log_inclusion_proof(&v, &trusted, expected_leaf.as_deref()).py_err(py)
}

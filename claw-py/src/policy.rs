//! Work Policy Contracts: `claw.Policy`, `claw.Decision`, `claw.compile_policy`,
//! `claw.PolicyRuntime`. Every rule is the core's (`claw_core::wpc`, docs/SPEC.md §4).

use crate::convert;
use crate::envelope::{now_ms, now_secs};
use crate::errors::IntoPyResult;
use crate::json::require_text;
use crate::keys::{dids, PySigningKey};
use claw_core::envelope::Signers;
use claw_core::wpc::{
    self, CompiledPolicy, Overrides, OwnedDecision, PolicyRuntime, PolicyVersion, Request, Verdict,
    ACTION_TOOL_EXECUTE,
};
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict};
use std::sync::Arc;

/// A parsed, schema-valid, hashed and compiled Work Policy Contract.
#[pyclass(module = "claw", name = "Policy", frozen)]
#[derive(Debug)]
pub struct PyPolicy {
    policy: wpc::Policy,
    pub(crate) compiled: Arc<CompiledPolicy>,
    signer_did: Option<String>,
}

/// The outcome of one decision.
#[pyclass(module = "claw", name = "Decision", frozen)]
#[derive(Debug)]
pub struct PyDecision {
    inner: OwnedDecision,
}

fn verdict_str(v: Verdict) -> &'static str {
    match v {
        Verdict::Allow => "allow",
        Verdict::Deny => "deny",
        Verdict::ApprovalRequired => "approval_required",
    }
}

#[pymethods]
impl PyDecision {
    /// `"allow"`, `"deny"` or `"approval_required"`.
    #[getter]
    fn decision(&self) -> &'static str {
        verdict_str(self.inner.verdict)
    }

    /// Whether the call may proceed now (`decision == "allow"`).
    #[getter]
    fn allowed(&self) -> bool {
        self.inner.verdict == Verdict::Allow
    }

    /// The stable reason code (`POLICY_ALLOW`, `POLICY_DEFAULT_DENY`, ...).
    #[getter]
    fn reason_code(&self) -> &'static str {
        self.inner.reason.as_str()
    }

    /// The statement that decided, when one did.
    #[getter]
    fn statement_id(&self) -> Option<&str> {
        self.inner.statement_id.as_deref()
    }

    /// Hash of the policy that decided (the policy, or the ancestor that decided).
    #[getter]
    fn policy_hash(&self) -> Option<&str> {
        self.inner.policy_hash.as_deref()
    }

    /// Truth testing is refused: `if policy.decide(tool): run()` would run denied tools if
    /// a decision were truthy, and `approval_required` is neither yes nor no. Test
    /// `.allowed` (docs/SPEC.md §4.9).
    fn __bool__(&self) -> PyResult<bool> {
        Err(pyo3::exceptions::PyTypeError::new_err(format!(
            "a claw.Decision has no truth value (this one is {:?}): test decision.allowed, or compare decision.decision with \"allow\"",
            verdict_str(self.inner.verdict)
        )))
    }

    fn __repr__(&self) -> String {
        format!(
            "Decision(decision='{}', reason_code='{}', statement_id={})",
            verdict_str(self.inner.verdict),
            self.inner.reason.as_str(),
            self.inner
                .statement_id
                .as_deref()
                .map_or_else(|| "None".to_string(), |s| format!("{s:?}"))
        )
    }
}

/// Context keys given as a dict of `str` to `str`.
fn context_pairs(context: Option<&Bound<'_, PyDict>>) -> PyResult<Vec<(String, String)>> {
    let mut out = Vec::new();
    if let Some(d) = context {
        for (k, v) in d.iter() {
            let (Ok(k), Ok(v)) = (k.extract::<String>(), v.extract::<String>()) else {
                return Err(PyTypeError::new_err(
                    "context must map str keys to str values (e.g. {\"Request:HasHumanApproval\": \"true\"})",
                ));
            };
            out.push((k, v));
        }
    }
    Ok(out)
}

/// One `decide` call's arguments (`Policy.decide` and `PolicyRuntime.decide` take the same),
/// with their defaults applied: `action` `"tool:execute"`, `resource` the tool, `now` the clock.
struct Asked {
    action: String,
    resource: String,
    context: Vec<(String, String)>,
    now: i64,
    run_started_at: Option<i64>,
}

impl Asked {
    fn new(
        tool: String,
        action: Option<String>,
        resource: Option<String>,
        context: Option<&Bound<'_, PyDict>>,
        now: Option<i64>,
        run_started_at: Option<i64>,
    ) -> PyResult<Asked> {
        Ok(Asked {
            context: context_pairs(context)?,
            action: action.unwrap_or_else(|| ACTION_TOOL_EXECUTE.to_string()),
            resource: resource.unwrap_or(tool),
            now: now.unwrap_or_else(now_secs),
            run_started_at,
        })
    }

    fn request(&self) -> Request<'_> {
        let req = Request::new(&self.action, &self.resource, &self.context, self.now);
        match self.run_started_at {
            Some(t) => req.with_run_started_at(t),
            None => req,
        }
    }
}

/// The parent to compile with, if any.
fn parent_of(parent: Option<&Bound<'_, PyPolicy>>) -> Option<Arc<CompiledPolicy>> {
    parent.map(|p| Arc::clone(&p.get().compiled))
}

impl PyPolicy {
    fn build(
        py: Python<'_>,
        policy: wpc::Policy,
        parent: Option<&Bound<'_, PyPolicy>>,
        signer_did: Option<String>,
    ) -> PyResult<PyPolicy> {
        let compiled =
            CompiledPolicy::compile_with_parent(&policy, parent_of(parent)).py_err(py)?;
        Ok(PyPolicy {
            policy,
            compiled: Arc::new(compiled),
            signer_did,
        })
    }
}

#[pymethods]
impl PyPolicy {
    /// Read a WPC (v1 or v2) from JSON text, strictly, and compile it. A policy that
    /// `inherits` needs its `parent` (another `Policy`), else every decision denies with
    /// `POLICY_PARENT_MISSING`.
    #[staticmethod]
    #[pyo3(signature = (text, *, parent = None))]
    fn from_json(
        py: Python<'_>,
        text: &Bound<'_, PyAny>,
        parent: Option<&Bound<'_, PyPolicy>>,
    ) -> PyResult<PyPolicy> {
        let bytes = require_text(text, "text")?;
        let policy = wpc::Policy::parse(&bytes).py_err(py)?;
        PyPolicy::build(py, policy, parent, None)
    }

    /// Read a signed WPC envelope (`work_policy_contract`): the core checks, in order, strict
    /// JSON and envelope shape, version, type, algorithms, signer DID, hash, signature, signer
    /// in `signers` (`did:key` strings or `VerifyingKey`s), expiry at `now` (default the
    /// clock), then the payload as a WPC, then `expected_hash` when given (e.g. the hash a CST
    /// pins). Every failure is a `PolicyError` with the core's reason code.
    #[staticmethod]
    #[pyo3(signature = (text, signers, *, parent = None, expected_hash = None, now = None))]
    fn from_envelope(
        py: Python<'_>,
        text: &Bound<'_, PyAny>,
        signers: Vec<Bound<'_, PyAny>>,
        parent: Option<&Bound<'_, PyPolicy>>,
        expected_hash: Option<String>,
        now: Option<i64>,
    ) -> PyResult<PyPolicy> {
        let bytes = require_text(text, "text")?;
        let allowed = dids(&signers)?;
        let now = now.unwrap_or_else(now_secs);
        let verified = py
            .detach(|| {
                wpc::verify_policy_envelope(
                    &bytes,
                    Signers::OneOf(&allowed),
                    expected_hash.as_deref(),
                    Some(now),
                )
            })
            .py_err(py)?;
        let signer = verified.envelope().signer_did.clone();
        PyPolicy::build(py, verified.into_policy(), parent, Some(signer))
    }

    /// `policy_hash_b64u`: base64url(SHA-256(JCS(payload))), 43 characters.
    #[getter]
    fn hash(&self) -> &str {
        self.policy.hash_b64u()
    }

    #[getter]
    fn policy_id(&self) -> &str {
        self.policy.policy_id()
    }

    #[getter]
    fn issuer_did(&self) -> &str {
        self.policy.issuer_did()
    }

    /// `"1"` or `"2"`.
    #[getter]
    fn version(&self) -> &'static str {
        match self.policy.version() {
            PolicyVersion::V1 => "1",
            _ => "2",
        }
    }

    /// The parent named by `inherits` (a policy id or hash), if any.
    #[getter]
    fn inherits(&self) -> Option<&str> {
        self.policy.inherits()
    }

    /// The DID that signed the envelope this policy came from (`None` from plain JSON).
    #[getter]
    fn signer_did(&self) -> Option<&str> {
        self.signer_did.as_deref()
    }

    /// The payload, as plain Python objects.
    #[getter]
    fn payload<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        convert::to_py(py, self.policy.payload())
    }

    /// The RFC 8785 bytes the hash is computed over.
    fn canonical_bytes<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, &self.policy.canonical_bytes())
    }

    /// The token, evidence and run-time requirements of the policy's `claw.dev/v1` metadata.
    #[getter]
    fn requirements<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let r = self.policy.requirements();
        let d = PyDict::new(py);
        d.set_item("declared", r.declared())?;
        d.set_item("require_cst", r.require_cst())?;
        d.set_item("pin_cst_to_policy_hash", r.pin_cst_to_policy_hash())?;
        d.set_item("max_ttl_seconds", r.max_ttl_seconds())?;
        d.set_item("require_gateway_receipts", r.require_gateway_receipts())?;
        d.set_item("require_proof_bundle", r.require_proof_bundle())?;
        d.set_item("run_time_limit_seconds", r.run_time_limit_seconds())?;
        Ok(d)
    }

    /// Sign the policy into a `work_policy_contract` envelope; returns the envelope JSON.
    #[pyo3(signature = (key, *, issued_at_ms = None, expires_at_ms = None))]
    fn sign(
        &self,
        py: Python<'_>,
        key: &PySigningKey,
        issued_at_ms: Option<i64>,
        expires_at_ms: Option<i64>,
    ) -> PyResult<String> {
        let env = wpc::sign_policy(
            &self.policy,
            &key.inner,
            issued_at_ms.unwrap_or_else(now_ms),
            expires_at_ms,
        )
        .py_err(py)?;
        env.to_json().py_err(py)
    }

    /// Decide one request: may `action` (default `"tool:execute"`) be done on `resource`
    /// (default `tool`) now? `context` maps condition keys to strings (e.g.
    /// `{"Request:HasHumanApproval": "true"}`); `now` and `run_started_at` are Unix seconds.
    #[pyo3(signature = (tool, *, action = None, resource = None, context = None, now = None, run_started_at = None))]
    fn decide(
        &self,
        tool: String,
        action: Option<String>,
        resource: Option<String>,
        context: Option<&Bound<'_, PyDict>>,
        now: Option<i64>,
        run_started_at: Option<i64>,
    ) -> PyResult<PyDecision> {
        let asked = Asked::new(tool, action, resource, context, now, run_started_at)?;
        Ok(PyDecision {
            inner: self.compiled.decide(&asked.request()).into_owned(),
        })
    }

    fn __repr__(&self) -> String {
        format!(
            "Policy(policy_id={:?}, version='{}', hash='{}')",
            self.policy.policy_id(),
            self.version(),
            self.policy.hash_b64u()
        )
    }
}

/// Compile the authoring form (the glossary's policy form) into a v2 WPC; returns its
/// canonical JSON text.
#[pyfunction]
pub(crate) fn compile_policy(
    py: Python<'_>,
    authoring_text: &Bound<'_, PyAny>,
) -> PyResult<String> {
    let bytes = require_text(authoring_text, "authoring_text")?;
    let text = String::from_utf8(bytes)
        .map_err(|_| PyTypeError::new_err("authoring_text must be UTF-8"))?;
    let policy = wpc::compile_authoring(&text).py_err(py)?;
    String::from_utf8(policy.canonical_bytes())
        .map_err(|_| PyTypeError::new_err("canonical JSON is always UTF-8"))
}

/// The policy in force plus incident overrides, swapped atomically while other threads
/// decide (no restart).
#[pyclass(module = "claw", name = "PolicyRuntime", frozen)]
#[derive(Debug)]
pub struct PyPolicyRuntime {
    inner: PolicyRuntime,
}

fn overrides_from(py: Python<'_>, overrides: Option<&Bound<'_, PyAny>>) -> PyResult<Overrides> {
    match overrides {
        None => Ok(Overrides::none()),
        Some(o) => {
            let bytes = match crate::json::text_bytes(o)? {
                Some(b) => b,
                None => {
                    let v = convert::to_value(o)?;
                    claw_core::json::canonicalize(&v).py_err(py)?
                }
            };
            Overrides::parse(&bytes).py_err(py)
        }
    }
}

#[pymethods]
impl PyPolicyRuntime {
    /// Start with `policy` and `overrides` (JSON text or a dict:
    /// `{"denied_tools": [...], "denied_policy_hashes": [...], "required_policy_hash": ...}`).
    #[new]
    #[pyo3(signature = (policy, *, overrides = None))]
    fn new(
        py: Python<'_>,
        policy: &Bound<'_, PyPolicy>,
        overrides: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<PyPolicyRuntime> {
        let o = overrides_from(py, overrides)?;
        let inner =
            PolicyRuntime::with_overrides(Arc::clone(&policy.get().compiled), o).py_err(py)?;
        Ok(PyPolicyRuntime { inner })
    }

    /// Put another policy in force.
    fn swap_policy(&self, policy: &Bound<'_, PyPolicy>) {
        self.inner.swap_policy(Arc::clone(&policy.get().compiled));
    }

    /// Replace the overrides (JSON text, a dict, or `None` for none).
    #[pyo3(signature = (overrides))]
    fn set_overrides(&self, py: Python<'_>, overrides: Option<&Bound<'_, PyAny>>) -> PyResult<()> {
        let o = overrides_from(py, overrides)?;
        self.inner.set_overrides(o).py_err(py)
    }

    /// Hash of the policy in force.
    #[getter]
    fn policy_hash(&self) -> String {
        self.inner.snapshot().policy().hash_b64u().to_string()
    }

    /// Decide under the overrides and the policy in force (same arguments as
    /// `Policy.decide`).
    #[pyo3(signature = (tool, *, action = None, resource = None, context = None, now = None, run_started_at = None))]
    fn decide(
        &self,
        tool: String,
        action: Option<String>,
        resource: Option<String>,
        context: Option<&Bound<'_, PyDict>>,
        now: Option<i64>,
        run_started_at: Option<i64>,
    ) -> PyResult<PyDecision> {
        let asked = Asked::new(tool, action, resource, context, now, run_started_at)?;
        Ok(PyDecision {
            inner: self.inner.decide(&asked.request()),
        })
    }

    fn __repr__(&self) -> String {
        format!("PolicyRuntime(policy_hash='{}')", self.policy_hash())
    }
}

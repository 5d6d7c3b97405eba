//! `claw.verify_aggregate_bundle` (GIL released) and `claw.AggregateVerdict`: aggregate
//! bundles, docs/SPEC.md §11.2. Every check is the core's
//! (`claw_core::evidence::verify_aggregate_bundle`); this file converts arguments and results.

use crate::convert;
use crate::evidence::verify_config;
use crate::json::require_text;
use claw_core::evidence;
use pyo3::prelude::*;

/// The verifier's answer about an aggregate bundle.
#[pyclass(module = "claw", name = "AggregateVerdict", frozen)]
#[derive(Debug)]
pub struct PyAggregateVerdict {
    inner: evidence::AggregateVerdict,
}

#[pymethods]
impl PyAggregateVerdict {
    /// Whether the aggregate and every member are VALID.
    #[getter]
    fn valid(&self) -> bool {
        self.inner.valid
    }
    /// `"OK"` or the code of the first failing check.
    #[getter]
    fn reason_code(&self) -> &'static str {
        self.inner.reason_code
    }
    /// A human-readable explanation of `reason_code`.
    #[getter]
    fn reason(&self) -> &str {
        &self.inner.reason
    }
    /// The JSON path at fault, when there is one.
    #[getter]
    fn field(&self) -> Option<&str> {
        self.inner.field.as_deref()
    }
    /// The fleet's proof tier: the lowest of its members' (`"unknown"` when invalid).
    #[getter]
    fn proof_tier(&self) -> &'static str {
        self.inner.proof_tier.as_str()
    }
    /// RFC 3339 time of the verification.
    #[getter]
    fn verified_at(&self) -> &str {
        &self.inner.verified_at
    }
    /// The aggregate's `aggregate_id`, when it could be read.
    #[getter]
    fn aggregate_id(&self) -> Option<&str> {
        self.inner.aggregate_id.as_deref()
    }
    /// The aggregate envelope's signer, when it could be read.
    #[getter]
    fn signer_did(&self) -> Option<&str> {
        self.inner.signer_did.as_deref()
    }
    /// `{"members": n, "unique_agents": n, "total_runs": n}`.
    #[getter]
    fn counts<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        convert::member(py, &self.inner.to_json(), "counts")
    }
    /// The verification result (`status`, `reason_code`, `kind` "aggregate_bundle", …) as
    /// canonical JSON text.
    fn to_json(&self, py: Python<'_>) -> PyResult<String> {
        convert::canonical_text(py, &self.inner.to_json())
    }
    fn __repr__(&self) -> String {
        format!(
            "AggregateVerdict(valid={}, reason_code='{}', members={})",
            if self.inner.valid { "True" } else { "False" },
            self.inner.reason_code,
            self.inner.member_count
        )
    }
}

/// Verify an aggregate bundle offline (its `aggregate_bundle` envelope JSON, or
/// `{"envelope": ...}`): the envelope, the manifest, every member proof or export bundle under
/// the same options, the cross-member rules and the fleet summary, in the reference
/// verifier's order and with its codes. Never raises for a bad aggregate (text that is not
/// JSON included): read `AggregateVerdict.valid` and `.reason_code`. The GIL is released
/// meanwhile.
///
/// `config`: the verifier options (JSON text or dict, docs/SPEC.md §12), as for
/// `verify_bundle`; a bad one raises `InputError` (`CONFIG_ERROR`). `now`: Unix seconds
/// (default the clock; the config's `verify_at` wins).
#[pyfunction]
#[pyo3(signature = (text, config = None, *, now = None))]
pub(crate) fn verify_aggregate_bundle(
    py: Python<'_>,
    text: &Bound<'_, PyAny>,
    config: Option<&Bound<'_, PyAny>>,
    now: Option<i64>,
) -> PyResult<PyAggregateVerdict> {
    let bytes = require_text(text, "text")?;
    let cfg = verify_config(
        py, config, None, now, None, None, None, None, None, None, None,
    )?;
    let inner = py.detach(move || evidence::verify_aggregate_bundle(&bytes, &cfg));
    Ok(PyAggregateVerdict { inner })
}

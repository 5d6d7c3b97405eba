//! `claw.sign_envelope`, `claw.verify_envelope`: the Clawsig signed envelope v1.

use crate::convert;
use crate::errors::IntoPyResult;
use crate::json::{limits, require_text};
use crate::keys::{dids, PySigningKey, PyVerifyingKey};
use claw_core::envelope::{self, Envelope, Signers, VerifyOptions};
use pyo3::prelude::*;

/// The current time in Unix milliseconds (the clock is read here, never in the core).
pub(crate) fn now_ms() -> i64 {
    let d = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

/// The current time in Unix seconds.
pub(crate) fn now_secs() -> i64 {
    now_ms() / 1000
}

/// An envelope whose hash, signature, signer and expiry were checked.
#[pyclass(module = "claw", name = "VerifiedEnvelope", frozen)]
#[derive(Debug)]
pub struct PyVerifiedEnvelope {
    inner: envelope::VerifiedEnvelope,
}

#[pymethods]
impl PyVerifiedEnvelope {
    #[getter]
    fn envelope_type(&self) -> &str {
        &self.inner.envelope_type
    }

    /// The signed payload, as plain Python objects.
    #[getter]
    fn payload<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        convert::to_py(py, &self.inner.payload)
    }

    /// base64url SHA-256 of the payload (43 characters).
    #[getter]
    fn payload_hash(&self) -> &str {
        &self.inner.payload_hash_b64u
    }

    #[getter]
    fn signer(&self) -> PyVerifyingKey {
        PyVerifyingKey {
            inner: self.inner.signer,
        }
    }

    #[getter]
    fn signer_did(&self) -> &str {
        &self.inner.signer_did
    }

    /// `issued_at` in Unix milliseconds.
    #[getter]
    fn issued_at_ms(&self) -> i64 {
        self.inner.issued_at_ms
    }

    /// `expires_at` in Unix milliseconds, if the envelope has one.
    #[getter]
    fn expires_at_ms(&self) -> Option<i64> {
        self.inner.expires_at_ms
    }

    fn __repr__(&self) -> String {
        format!(
            "VerifiedEnvelope(envelope_type={:?}, signer_did={:?}, payload_hash={:?})",
            self.inner.envelope_type, self.inner.signer_did, self.inner.payload_hash_b64u
        )
    }
}

/// Sign `payload` (a JSON object) into an envelope of `envelope_type`; returns its canonical
/// JSON text. `issued_at_ms` defaults to now; `expires_at_ms` to no expiry.
#[pyfunction]
#[pyo3(signature = (envelope_type, payload, key, *, issued_at_ms = None, expires_at_ms = None))]
pub(crate) fn sign_envelope(
    py: Python<'_>,
    envelope_type: String,
    payload: &Bound<'_, PyAny>,
    key: &PySigningKey,
    issued_at_ms: Option<i64>,
    expires_at_ms: Option<i64>,
) -> PyResult<String> {
    let payload = convert::to_value(payload)?;
    let env = envelope::sign(
        &envelope_type,
        &payload,
        &key.inner,
        issued_at_ms.unwrap_or_else(now_ms),
        expires_at_ms,
    )
    .py_err(py)?;
    env.to_json().py_err(py)
}

/// Verify an envelope's version, type, algorithms, hash, signature, signer and expiry.
///
/// `signers`: the trusted signers (`did:key` strings or `VerifyingKey`s); `None` accepts any
/// valid signer (integrity only). `now`: Unix seconds for the expiry check, default the current
/// time. Raises `EnvelopeError` with the core's reason code.
#[pyfunction]
#[pyo3(signature = (text, envelope_type, *, signers = None, now = None))]
pub(crate) fn verify_envelope(
    py: Python<'_>,
    text: &Bound<'_, PyAny>,
    envelope_type: String,
    signers: Option<Vec<Bound<'_, PyAny>>>,
    now: Option<i64>,
) -> PyResult<PyVerifiedEnvelope> {
    let bytes = require_text(text, "text")?;
    let allowed = signers.as_deref().map(dids).transpose()?;
    let now = now.unwrap_or_else(now_secs);
    let inner = py
        .detach(|| {
            let env = Envelope::parse(&bytes, &limits())?;
            env.verify(&VerifyOptions {
                expected_type: &envelope_type,
                signers: match &allowed {
                    Some(list) => Signers::OneOf(list),
                    None => Signers::Any,
                },
                now: Some(now),
            })
        })
        .py_err(py)?;
    Ok(PyVerifiedEnvelope { inner })
}

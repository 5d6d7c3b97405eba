//! `claw.verify_commit_signature` and `claw.CommitSignature`: commit signatures,
//! docs/SPEC.md §11.1. Every check is the core's
//! (`claw_core::evidence::verify_commit_signature`); this file converts arguments and results.

use crate::convert;
use crate::errors::IntoPyResult;
use crate::json::require_text;
use claw_core::evidence::{self, VerifiedCommit};
use pyo3::prelude::*;

/// A commit signature whose signature verified, and what it establishes.
#[pyclass(module = "claw", name = "CommitSignature", frozen)]
#[derive(Debug)]
pub struct PyCommitSignature {
    inner: VerifiedCommit,
}

#[pymethods]
impl PyCommitSignature {
    /// `"message_signature"` or `"commit_proof"`.
    #[getter]
    fn form(&self) -> &'static str {
        self.inner.form.as_str()
    }
    /// The commit, lower-case hex (7 to 64 digits).
    #[getter]
    fn commit_sha(&self) -> &str {
        &self.inner.commit_sha
    }
    /// The signer's did:key.
    #[getter]
    fn signer_did(&self) -> &str {
        &self.inner.signer_did
    }
    /// `commit_proof` only: the repository it names.
    #[getter]
    fn repository(&self) -> Option<&str> {
        self.inner.repository.as_deref()
    }
    /// `commit_proof` only: the repository claim id.
    #[getter]
    fn repo_claim_id(&self) -> Option<&str> {
        self.inner.repo_claim_id.as_deref()
    }
    /// `commit_proof` only: the branch, when given.
    #[getter]
    fn branch(&self) -> Option<&str> {
        self.inner.branch.as_deref()
    }
    /// The verification result (`status` "PASS", `reason_code` "OK", `kind` "commit_sig",
    /// `form`, `commit_sha`, `signer_did`, …) as canonical JSON text.
    fn to_json(&self, py: Python<'_>) -> PyResult<String> {
        convert::canonical_text(py, &self.inner.to_json())
    }
    fn __repr__(&self) -> String {
        format!(
            "CommitSignature(form='{}', commit_sha='{}')",
            self.inner.form.as_str(),
            self.inner.commit_sha
        )
    }
}

/// Verify a commit signature offline (JSON text, at most 64 KiB): a `message_signature` over
/// `commit:<sha>` or a `commit_proof` envelope. Returns what it establishes; raises a
/// `ClawError` subclass with the failed check's `reason_code` otherwise: `SignatureError`
/// (`SIGNATURE_INVALID`, `UNKNOWN_VERSION`, `COMMIT_MESSAGE_INVALID`, `INVALID_DID_FORMAT`, …),
/// `EnvelopeError` for a `commit_proof` envelope's own checks, `CanonicalizationError` for text
/// that is not strict JSON or too large. No options: a commit signature names its own signer.
#[pyfunction]
#[pyo3(signature = (text,))]
pub(crate) fn verify_commit_signature(
    py: Python<'_>,
    text: &Bound<'_, PyAny>,
) -> PyResult<PyCommitSignature> {
    let bytes = require_text(text, "text")?;
    let inner = evidence::verify_commit_signature(&bytes).py_err(py)?;
    Ok(PyCommitSignature { inner })
}

//! One exception hierarchy, one class per `claw_core::ErrorKind`.
//!
//! Every exception raised for a core error is an instance of the class of its kind (all
//! subclasses of `claw.ClawError`) and carries the core's stable `reason_code` as an attribute;
//! its message is the core's message, which never contains secrets.

use claw_core::{Error, ErrorKind};
use pyo3::exceptions::PyException;
use pyo3::prelude::*;

pyo3::create_exception!(
    claw,
    ClawError,
    PyException,
    "Base class of every claw error; `reason_code` is the core's stable code."
);
pyo3::create_exception!(
    claw,
    CanonicalizationError,
    ClawError,
    "A value or text is not acceptable JSON for hashing or signing."
);
pyo3::create_exception!(
    claw,
    KeyFormatError,
    ClawError,
    "A key, JWK or DID was refused."
);
pyo3::create_exception!(claw, SignatureError, ClawError, "A signature failed.");
pyo3::create_exception!(
    claw,
    EnvelopeError,
    ClawError,
    "A signed envelope was refused."
);
pyo3::create_exception!(
    claw,
    PolicyError,
    ClawError,
    "A policy could not be parsed, compiled or verified."
);
pyo3::create_exception!(claw, TokenError, ClawError, "A scoped token was refused.");
pyo3::create_exception!(
    claw,
    BundleError,
    ClawError,
    "Evidence (receipts, event chains, proof bundles) was refused."
);
pyo3::create_exception!(claw, MerkleError, ClawError, "A Merkle proof failed.");
pyo3::create_exception!(
    claw,
    InputError,
    ClawError,
    "Any other invalid input (timestamps, base64url, arguments)."
);

/// The Python exception for a core error: the class of its kind, with `reason_code` set.
pub(crate) fn to_py(py: Python<'_>, e: &Error) -> PyErr {
    // Outside text never reaches a log or terminal raw (docs/SPEC.md §12.4).
    let msg = claw_core::escape::escape(e.message()).into_owned();
    let err = match e.kind() {
        ErrorKind::Canonicalization => CanonicalizationError::new_err(msg),
        ErrorKind::Key => KeyFormatError::new_err(msg),
        ErrorKind::Signature => SignatureError::new_err(msg),
        ErrorKind::Envelope => EnvelopeError::new_err(msg),
        ErrorKind::Policy => PolicyError::new_err(msg),
        ErrorKind::Token => TokenError::new_err(msg),
        ErrorKind::Bundle => BundleError::new_err(msg),
        ErrorKind::Merkle => MerkleError::new_err(msg),
        ErrorKind::Input => InputError::new_err(msg),
        // A kind added to the core later still raises a claw error, never a bare one.
        _ => ClawError::new_err(msg),
    };
    // Setting an attribute on a fresh exception instance of a heap type cannot fail short of
    // memory exhaustion; if it does, raise that error instead of a half-built one.
    if let Err(set_err) = err.value(py).setattr("reason_code", e.reason_code()) {
        return set_err;
    }
    err
}

/// Extension for `Result<T, E>` where `E` converts into `claw_core::Error`.
pub(crate) trait IntoPyResult<T> {
    fn py_err(self, py: Python<'_>) -> PyResult<T>;
}

impl<T, E: Into<Error>> IntoPyResult<T> for Result<T, E> {
    fn py_err(self, py: Python<'_>) -> PyResult<T> {
        self.map_err(|e| to_py(py, &e.into()))
    }
}

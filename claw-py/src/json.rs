//! `claw.jcs`, `claw.parse_json`, `claw.sha256_b64u`.

use crate::convert;
use crate::errors::IntoPyResult;
use claw_core::json::{self, Limits};
use claw_core::{b64, hash};
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyByteArray, PyBytes, PyString};

/// Largest JSON text accepted (the C ABI's bound; proof bundles can be large).
pub(crate) const MAX_INPUT_BYTES: usize = 256 * 1024 * 1024;

pub(crate) fn limits() -> Limits {
    Limits::STRICT.with_max_bytes(MAX_INPUT_BYTES)
}

/// JSON text given as `str`, `bytes` or `bytearray`, as UTF-8 bytes. Invalid UTF-8 is left for
/// the core's parser to refuse; a `str` with a lone surrogate is refused here, as the core
/// refuses the same text written with a `\u` escape.
pub(crate) fn text_bytes(obj: &Bound<'_, PyAny>) -> PyResult<Option<Vec<u8>>> {
    if let Ok(s) = obj.cast::<PyString>() {
        let text = convert::text(s).py_err(obj.py())?;
        return Ok(Some(text.into_owned().into_bytes()));
    }
    if let Ok(b) = obj.cast::<PyBytes>() {
        return Ok(Some(b.as_bytes().to_vec()));
    }
    if let Ok(b) = obj.cast::<PyByteArray>() {
        return Ok(Some(b.to_vec()));
    }
    Ok(None)
}

/// Read JSON text (`str`/`bytes`/`bytearray`) or raise `TypeError` naming `what`.
pub(crate) fn require_text(obj: &Bound<'_, PyAny>, what: &str) -> PyResult<Vec<u8>> {
    text_bytes(obj)?
        .ok_or_else(|| PyTypeError::new_err(format!("{what} must be JSON text (str or bytes)")))
}

/// RFC 8785 canonical bytes of `value`.
///
/// `value` is JSON text (`str`, `bytes`, `bytearray`), parsed strictly (no duplicate keys, no
/// lone surrogates, finite numbers, integers within ±(2^53 − 1)), or a JSON-compatible Python
/// object. Raises `CanonicalizationError` with the JSON path at fault.
#[pyfunction]
pub(crate) fn jcs<'py>(
    py: Python<'py>,
    value: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyBytes>> {
    let out = match text_bytes(value)? {
        Some(text) => py
            .detach(move || json::canonicalize_bytes(&text, &limits()))
            .py_err(py)?,
        None => {
            let v = convert::to_value(value)?;
            json::canonicalize_within(&v, Limits::STRICT.max_bytes).py_err(py)?
        }
    };
    Ok(PyBytes::new(py, &out))
}

/// Parse JSON text strictly (the rules of `jcs`) into plain Python objects.
#[pyfunction]
pub(crate) fn parse_json<'py>(
    py: Python<'py>,
    text: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyAny>> {
    let bytes = require_text(text, "text")?;
    let v = py
        .detach(move || json::parse(&bytes, &limits()))
        .py_err(py)?;
    convert::to_py(py, &v)
}

/// base64url (unpadded) SHA-256 of `data`: the hash form used throughout claw.
#[pyfunction]
pub(crate) fn sha256_b64u(data: &[u8]) -> String {
    hash::sha256_b64u(data)
}

/// Strict base64url (unpadded) encoding.
#[pyfunction]
pub(crate) fn b64u_encode(data: &[u8]) -> String {
    b64::encode(data)
}

/// Strict base64url decoding (one spelling per byte string); raises `InputError`.
#[pyfunction]
pub(crate) fn b64u_decode<'py>(py: Python<'py>, text: String) -> PyResult<Bound<'py, PyBytes>> {
    let bytes = b64::decode(&text).py_err(py)?;
    Ok(PyBytes::new(py, &bytes))
}

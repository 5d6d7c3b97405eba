//! `claw.SigningKey` and `claw.VerifyingKey`: Ed25519 identities (JWK, did:key).

use crate::errors::IntoPyResult;
use claw_core::keys;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyString};
use zeroize::Zeroizing;

/// An Ed25519 signing key. The secret is wiped from Rust memory when the object is freed and is
/// never shown by `repr`; `to_jwk()` is the one way to get it out (as a Python `str`, which
/// Python itself cannot wipe, so call it only to store the key).
#[pyclass(module = "claw", name = "SigningKey", frozen)]
#[derive(Debug)]
pub struct PySigningKey {
    pub(crate) inner: keys::SigningKey,
}

#[pymethods]
impl PySigningKey {
    /// A fresh key from the operating system's CSPRNG.
    #[staticmethod]
    fn generate() -> PySigningKey {
        PySigningKey {
            inner: keys::SigningKey::generate(&mut rand_core::OsRng),
        }
    }

    /// Read a private OKP/Ed25519 JWK (members `kty`, `crv`, `d`, `x`; `x` must match `d`).
    #[staticmethod]
    fn from_jwk(py: Python<'_>, jwk: String) -> PyResult<PySigningKey> {
        // The Rust copy of the secret is wiped when dropped (the caller's str is Python's).
        let jwk = Zeroizing::new(jwk);
        let inner = keys::SigningKey::from_jwk(&jwk).py_err(py)?;
        Ok(PySigningKey { inner })
    }

    /// The private JWK, canonical member order. This is the secret: store it, never log it.
    fn to_jwk<'py>(&self, py: Python<'py>) -> Bound<'py, PyString> {
        // Straight from the core's wiped buffer into the Python str, no other Rust copy.
        PyString::new(py, self.inner.to_jwk().as_str())
    }

    /// The public half.
    fn public_key(&self) -> PyVerifyingKey {
        PyVerifyingKey {
            inner: self.inner.verifying_key(),
        }
    }

    /// The `did:key` of the public half.
    #[getter]
    fn did(&self) -> String {
        self.inner.verifying_key().did()
    }

    /// Ed25519 signature (64 bytes, RFC 8032, deterministic) over `message`.
    fn sign<'py>(&self, py: Python<'py>, message: &[u8]) -> Bound<'py, PyBytes> {
        PyBytes::new(py, &self.inner.sign(message))
    }

    fn __repr__(&self) -> String {
        format!("SigningKey(did='{}')", self.inner.verifying_key().did())
    }
}

/// An Ed25519 public key (refused at import when non-canonical or of small order).
#[pyclass(module = "claw", name = "VerifyingKey", frozen, eq, hash)]
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PyVerifyingKey {
    pub(crate) inner: keys::VerifyingKey,
}

#[pymethods]
impl PyVerifyingKey {
    /// Read a public OKP/Ed25519 JWK; a private JWK (with `d`) is refused.
    #[staticmethod]
    fn from_jwk(py: Python<'_>, jwk: String) -> PyResult<PyVerifyingKey> {
        let inner = keys::VerifyingKey::from_jwk(&jwk).py_err(py)?;
        Ok(PyVerifyingKey { inner })
    }

    /// Read a `did:key` for an Ed25519 key.
    #[staticmethod]
    fn from_did(py: Python<'_>, did: String) -> PyResult<PyVerifyingKey> {
        let inner = keys::VerifyingKey::from_did(&did).py_err(py)?;
        Ok(PyVerifyingKey { inner })
    }

    /// The public JWK `{"crv":"Ed25519","kty":"OKP","x":…}`.
    fn to_jwk(&self) -> String {
        self.inner.to_jwk()
    }

    /// The 32-byte key.
    fn to_bytes<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, &self.inner.to_bytes())
    }

    /// `did:key:z…`
    #[getter]
    fn did(&self) -> String {
        self.inner.did()
    }

    /// RFC 7638 JWK thumbprint (SHA-256, base64url).
    fn jwk_thumbprint(&self) -> String {
        self.inner.jwk_thumbprint()
    }

    /// Check `signature` over `message` (strict RFC 8032: non-malleable); raises
    /// `SignatureError` when it does not verify.
    fn verify(&self, py: Python<'_>, message: &[u8], signature: &[u8]) -> PyResult<()> {
        self.inner.verify(message, signature).py_err(py)
    }

    fn __repr__(&self) -> String {
        format!("VerifyingKey(did='{}')", self.inner.did())
    }
}

/// Read DIDs out of a list of `str` (DIDs) or `VerifyingKey` objects.
pub(crate) fn dids(items: &[Bound<'_, PyAny>]) -> PyResult<Vec<String>> {
    items
        .iter()
        .map(|item| {
            if let Ok(k) = item.cast::<PyVerifyingKey>() {
                Ok(k.get().inner.did())
            } else {
                item.extract::<String>().map_err(|_| {
                    pyo3::exceptions::PyTypeError::new_err(
                        "expected a did:key string or a claw.VerifyingKey",
                    )
                })
            }
        })
        .collect()
}

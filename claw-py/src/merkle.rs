//! Merkle trees and proofs: RFC 9162 (claw's own trees) and the reference log's rule
//! (`clawlogs`, verification of that log's proofs only). Hashes are raw 32-byte `bytes`.

use crate::errors::IntoPyResult;
use claw_core::merkle::{clawlogs, rfc9162, HashRole, MerkleError, HASH_LEN};
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyList};

/// Read an iterable of `bytes` (built while attached; the hashing runs detached).
fn byte_list(obj: &Bound<'_, PyAny>, what: &str) -> PyResult<Vec<Vec<u8>>> {
    let mut out = Vec::new();
    for item in obj.try_iter()? {
        let item = item?;
        let b = item
            .cast::<PyBytes>()
            .map_err(|_| PyTypeError::new_err(format!("{what} must be bytes objects")))?;
        out.push(b.as_bytes().to_vec());
    }
    Ok(out)
}

fn hashes_to_py<'py>(py: Python<'py>, hashes: &[[u8; HASH_LEN]]) -> PyResult<Bound<'py, PyList>> {
    PyList::new(py, hashes.iter().map(|h| PyBytes::new(py, h)))
}

/// An RFC 9162 Merkle tree held in memory; proofs for any earlier size are cut from it.
#[pyclass(module = "claw", name = "MerkleTree", frozen)]
#[derive(Debug)]
pub struct PyMerkleTree {
    inner: rfc9162::MerkleTree,
}

#[pymethods]
impl PyMerkleTree {
    /// Build the tree over `leaves` (raw data; each is hashed as `SHA-256(0x00 || data)`).
    #[new]
    fn new(py: Python<'_>, leaves: &Bound<'_, PyAny>) -> PyResult<PyMerkleTree> {
        let leaves = byte_list(leaves, "leaves")?;
        let inner = py.detach(move || rfc9162::MerkleTree::from_leaves(leaves));
        Ok(PyMerkleTree { inner })
    }

    /// Build the tree over leaf hashes (each 32 bytes, already `SHA-256(0x00 || data)`).
    #[staticmethod]
    fn from_leaf_hashes(py: Python<'_>, leaf_hashes: &Bound<'_, PyAny>) -> PyResult<PyMerkleTree> {
        let raw = byte_list(leaf_hashes, "leaf_hashes")?;
        let hashes = raw
            .iter()
            .enumerate()
            .map(|(i, h)| {
                <[u8; HASH_LEN]>::try_from(h.as_slice()).map_err(|_| MerkleError::BadHashLength {
                    role: HashRole::LeafAt(i),
                    got: h.len(),
                })
            })
            .collect::<Result<Vec<_>, _>>()
            .py_err(py)?;
        let inner = py.detach(move || rfc9162::MerkleTree::from_leaf_hashes(hashes));
        Ok(PyMerkleTree { inner })
    }

    fn __len__(&self) -> usize {
        self.inner.leaf_hashes().len()
    }

    /// The root of the whole tree (`SHA-256("")` when empty).
    #[getter]
    fn root<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, &self.inner.root())
    }

    /// The root of the tree made of the first `size` leaves.
    fn root_at<'py>(&self, py: Python<'py>, size: u64) -> PyResult<Bound<'py, PyBytes>> {
        let root = self.inner.root_at(size).py_err(py)?;
        Ok(PyBytes::new(py, &root))
    }

    /// The leaf hashes, in order.
    fn leaf_hashes<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        hashes_to_py(py, self.inner.leaf_hashes())
    }

    /// The inclusion proof of leaf `index` in the tree of the first `size` leaves (default:
    /// the whole tree), from the leaf's sibling upward.
    #[pyo3(signature = (index, size = None))]
    fn inclusion_proof<'py>(
        &self,
        py: Python<'py>,
        index: u64,
        size: Option<u64>,
    ) -> PyResult<Bound<'py, PyList>> {
        let proof = self
            .inner
            .inclusion_proof_at(index, size.unwrap_or_else(|| self.inner.len()))
            .py_err(py)?;
        hashes_to_py(py, &proof)
    }

    /// The consistency proof from the tree of the first `old_size` leaves to the tree of the
    /// first `new_size` leaves (default: the whole tree).
    #[pyo3(signature = (old_size, new_size = None))]
    fn consistency_proof<'py>(
        &self,
        py: Python<'py>,
        old_size: u64,
        new_size: Option<u64>,
    ) -> PyResult<Bound<'py, PyList>> {
        let proof = self
            .inner
            .consistency_proof_between(old_size, new_size.unwrap_or_else(|| self.inner.len()))
            .py_err(py)?;
        hashes_to_py(py, &proof)
    }

    fn __repr__(&self) -> String {
        format!(
            "MerkleTree(len={}, root='{}')",
            self.inner.len(),
            claw_core::b64::encode(self.inner.root())
        )
    }
}

/// The RFC 9162 leaf hash: `SHA-256(0x00 || data)`.
#[pyfunction]
pub(crate) fn merkle_leaf_hash<'py>(py: Python<'py>, data: &[u8]) -> Bound<'py, PyBytes> {
    PyBytes::new(py, &rfc9162::leaf_hash(data))
}

/// Check that `leaf_hash` is leaf `index` of the `size`-leaf tree whose root is `root`
/// (RFC 9162 §2.1.3.2); raises `MerkleError` naming the failed check.
#[pyfunction]
pub(crate) fn verify_inclusion_proof(
    py: Python<'_>,
    leaf_hash: &[u8],
    index: u64,
    size: u64,
    proof: &Bound<'_, PyAny>,
    root: &[u8],
) -> PyResult<()> {
    let proof = byte_list(proof, "proof elements")?;
    rfc9162::verify_inclusion(leaf_hash, index, size, &proof, root).py_err(py)
}

/// Check that the `size2`-leaf tree with root `root2` extends the `size1`-leaf tree with root
/// `root1` (RFC 9162 §2.1.4.2); raises `MerkleError` naming the failed check.
#[pyfunction]
pub(crate) fn verify_consistency_proof(
    py: Python<'_>,
    size1: u64,
    size2: u64,
    root1: &[u8],
    root2: &[u8],
    proof: &Bound<'_, PyAny>,
) -> PyResult<()> {
    let proof = byte_list(proof, "proof elements")?;
    rfc9162::verify_consistency(size1, size2, root1, root2, &proof).py_err(py)
}

/// Root of the reference log's tree over `leaves` (no prefixes, odd node duplicated). Use only
/// to check that log's proofs: claw's own trees are RFC 9162 (`MerkleTree`).
#[pyfunction]
pub(crate) fn clawlogs_root<'py>(
    py: Python<'py>,
    leaves: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyBytes>> {
    let leaves = byte_list(leaves, "leaves")?;
    let root = py.detach(move || clawlogs::root(&leaves)).py_err(py)?;
    Ok(PyBytes::new(py, &root))
}

/// The reference log's audit path of leaf `index`, from the leaf's sibling upward.
#[pyfunction]
pub(crate) fn clawlogs_audit_path<'py>(
    py: Python<'py>,
    leaves: &Bound<'py, PyAny>,
    index: u64,
) -> PyResult<Bound<'py, PyList>> {
    let leaves = byte_list(leaves, "leaves")?;
    let path = py
        .detach(move || clawlogs::audit_path(&leaves, index))
        .py_err(py)?;
    PyList::new(py, path.iter().map(|h| PyBytes::new(py, h)))
}

/// Check a reference-log inclusion proof (the Merkle part; the root signature is separate).
/// `index` and `size` are the prover's claims: verify only leaves you recomputed yourself.
#[pyfunction]
pub(crate) fn verify_clawlogs_inclusion(
    py: Python<'_>,
    leaf: &[u8],
    index: u64,
    size: u64,
    audit_path: &Bound<'_, PyAny>,
    root: &[u8],
) -> PyResult<()> {
    let path = byte_list(audit_path, "audit path elements")?;
    clawlogs::verify_inclusion(leaf, index, size, &path, root).py_err(py)
}

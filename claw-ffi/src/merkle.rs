//! Merkle trees and proofs through the C ABI.
//!
//! claw's own trees are RFC 9162 (Certificate Transparency) trees over 32-byte SHA-256
//! hashes, passed as raw bytes: a hash is `uint8_t[32]`, a list of hashes (leaf hashes or a
//! proof) is one buffer of `32 * n` bytes with its length in bytes. Proofs are written into a
//! caller buffer of `CLAW_MERKLE_MAX_PROOF_LEN` bytes, so nothing is allocated.
//!
//! The reference log's rule (`clawlogs`, no domain separation; see `claw_core::merkle`) is
//! exposed for verification only, in its JSON form with base64url strings.

use crate::error::{claw_error, claw_result, claw_result_code, Fail};
use crate::ffi::{try_bytes, try_json, try_out};
use crate::guard::boundary;
use claw_core::merkle::{clawlogs, rfc9162, HASH_LEN};
use serde_json::Value;
use std::os::raw::c_char;

/// Size of a Merkle hash (SHA-256) in bytes.
pub const CLAW_MERKLE_HASH_LEN: usize = 32;
/// Largest proof (inclusion or consistency) in bytes: 64 hashes of 32 bytes. A buffer of this
/// size always holds a proof.
pub const CLAW_MERKLE_MAX_PROOF_LEN: usize = 64 * 32;

fn merkle_fail(e: claw_core::merkle::MerkleError) -> Fail {
    Fail::from(claw_core::Error::from(e))
}

fn invalid(reason: &'static str, msg: impl Into<String>) -> Fail {
    Fail::new(claw_result_code::CLAW_ERR_INVALID_ARGUMENT, reason, msg)
}

/// Borrow a buffer of `len` bytes holding `len / 32` hashes.
unsafe fn try_hashes<'a>(ptr: *const u8, len: usize, name: &str) -> Result<&'a [[u8; 32]], Fail> {
    // SAFETY: forwarded caller contract.
    let bytes = unsafe { try_bytes(ptr, len, name)? };
    if bytes.len() % HASH_LEN != 0 {
        return Err(invalid(
            "MERKLE_HASH_LENGTH",
            format!("{name}: {len} bytes is not a multiple of 32"),
        ));
    }
    // SAFETY: `[u8; 32]` has alignment 1 and size 32, and `bytes` holds exactly
    // `len / 32` of them.
    Ok(unsafe { std::slice::from_raw_parts(bytes.as_ptr().cast(), bytes.len() / HASH_LEN) })
}

/// Borrow one 32-byte hash.
unsafe fn try_hash<'a>(ptr: *const u8, name: &str) -> Result<&'a [u8; 32], Fail> {
    if ptr.is_null() {
        return Err(crate::ffi::null(name));
    }
    // SAFETY: caller contract: `ptr` points to 32 readable bytes.
    Ok(unsafe { &*ptr.cast::<[u8; 32]>() })
}

/// The frame of an export whose result is one hash: `out` (called `name`) checked first,
/// then `make`, and only on its success its 32 bytes written to `out`.
fn returning_hash(
    err: *mut claw_error,
    out: *mut u8,
    name: &str,
    make: impl FnOnce() -> Result<[u8; 32], Fail>,
) -> claw_result {
    boundary(err, || {
        try_out(out, name)?;
        let h = make()?;
        // SAFETY: `out` non-NULL (checked), 32 writable bytes (caller contract).
        unsafe { std::ptr::copy_nonoverlapping(h.as_ptr(), out, HASH_LEN) };
        Ok(())
    })
}

/// The frame of an export whose result is a proof: both outputs checked first, then `make`,
/// and only on its success the proof written into the caller's buffer (`proof_out`, of
/// `out_cap` bytes: `BUFFER_TOO_SMALL` when it does not fit) and its length in bytes to
/// `*out_len`.
fn returning_proof(
    err: *mut claw_error,
    out: *mut u8,
    out_cap: usize,
    out_len: *mut usize,
    make: impl FnOnce() -> Result<Vec<[u8; 32]>, Fail>,
) -> claw_result {
    boundary(err, || {
        try_out(out, "proof_out")?;
        try_out(out_len, "proof_len_out")?;
        let proof = make()?;
        let need = proof.len() * HASH_LEN;
        if need > out_cap {
            return Err(invalid(
                "BUFFER_TOO_SMALL",
                format!("proof_out: {need} bytes needed, {out_cap} given"),
            ));
        }
        // SAFETY: `out` is non-NULL (checked) with `out_cap >= need` writable bytes; `out_len`
        // non-NULL (checked).
        unsafe {
            for (i, h) in proof.iter().enumerate() {
                std::ptr::copy_nonoverlapping(h.as_ptr(), out.add(i * HASH_LEN), HASH_LEN);
            }
            out_len.write(need);
        }
        Ok(())
    })
}

/// RFC 9162 leaf hash: `SHA-256(0x00 || data)`. `data` may be empty (NULL with length 0).
/// Writes 32 bytes to `hash_out`.
#[no_mangle]
pub unsafe extern "C" fn claw_merkle_leaf_hash(
    data: *const u8,
    data_len: usize,
    hash_out: *mut u8,
    err: *mut claw_error,
) -> claw_result {
    returning_hash(err, hash_out, "hash_out", || {
        // SAFETY: caller contract on the pointer/length pair.
        let data = unsafe { try_bytes(data, data_len, "data")? };
        Ok(rfc9162::leaf_hash(data))
    })
}

/// RFC 9162 root of the tree whose leaf hashes are `leaf_hashes` (`leaf_hashes_len` bytes, a
/// multiple of 32; 0 gives the empty tree's root, `SHA-256("")`). Writes 32 bytes to
/// `root_out`.
#[no_mangle]
pub unsafe extern "C" fn claw_merkle_root(
    leaf_hashes: *const u8,
    leaf_hashes_len: usize,
    root_out: *mut u8,
    err: *mut claw_error,
) -> claw_result {
    returning_hash(err, root_out, "root_out", || {
        // SAFETY: caller contract on the pointer/length pair.
        let leaves = unsafe { try_hashes(leaf_hashes, leaf_hashes_len, "leaf_hashes")? };
        Ok(rfc9162::root_from_leaf_hashes(leaves))
    })
}

/// RFC 9162 inclusion proof of leaf `index` in the tree of `tree_size` leaves built from the
/// first `tree_size` of `leaf_hashes` (`tree_size` 0 means all of them). The proof is written
/// to `proof_out` (capacity `proof_out_cap` bytes; `CLAW_MERKLE_MAX_PROOF_LEN` always
/// suffices) and its length in bytes to `*proof_len_out`.
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn claw_merkle_inclusion_proof(
    leaf_hashes: *const u8,
    leaf_hashes_len: usize,
    index: u64,
    tree_size: u64,
    proof_out: *mut u8,
    proof_out_cap: usize,
    proof_len_out: *mut usize,
    err: *mut claw_error,
) -> claw_result {
    returning_proof(err, proof_out, proof_out_cap, proof_len_out, || {
        // SAFETY: caller contract on the pointer/length pair.
        let leaves = unsafe { try_hashes(leaf_hashes, leaf_hashes_len, "leaf_hashes")? };
        let tree = rfc9162::MerkleTree::from_leaf_hashes(leaves.to_vec());
        let size = if tree_size == 0 {
            tree.len()
        } else {
            tree_size
        };
        tree.inclusion_proof_at(index, size).map_err(merkle_fail)
    })
}

/// RFC 9162 consistency proof from the tree of the first `old_size` leaf hashes to the tree
/// of all of `leaf_hashes`. Output as in `claw_merkle_inclusion_proof`.
#[no_mangle]
pub unsafe extern "C" fn claw_merkle_consistency_proof(
    leaf_hashes: *const u8,
    leaf_hashes_len: usize,
    old_size: u64,
    proof_out: *mut u8,
    proof_out_cap: usize,
    proof_len_out: *mut usize,
    err: *mut claw_error,
) -> claw_result {
    returning_proof(err, proof_out, proof_out_cap, proof_len_out, || {
        // SAFETY: caller contract on the pointer/length pair.
        let leaves = unsafe { try_hashes(leaf_hashes, leaf_hashes_len, "leaf_hashes")? };
        let tree = rfc9162::MerkleTree::from_leaf_hashes(leaves.to_vec());
        tree.consistency_proof(old_size).map_err(merkle_fail)
    })
}

/// Verify an RFC 9162 inclusion proof: `leaf_hash` (32 bytes, the leaf's hash, not its data)
/// is leaf `index` of the `tree_size`-leaf tree with root `root` (32 bytes). `proof` is
/// `proof_len` bytes (a multiple of 32). `CLAW_OK` when it verifies; otherwise
/// `CLAW_ERR_MERKLE` with the failing check as reason (`MERKLE_INDEX_OUT_OF_RANGE`,
/// `MERKLE_WRONG_PROOF_LENGTH`, `MERKLE_ROOT_MISMATCH`, ...). `tree_size` and `root` must
/// come from the same authenticated checkpoint.
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn claw_merkle_verify_inclusion(
    leaf_hash: *const u8,
    index: u64,
    tree_size: u64,
    proof: *const u8,
    proof_len: usize,
    root: *const u8,
    err: *mut claw_error,
) -> claw_result {
    boundary(err, || {
        // SAFETY: caller contract on each pointer.
        let (leaf, proof, root) = unsafe {
            (
                try_hash(leaf_hash, "leaf_hash")?,
                try_hashes(proof, proof_len, "proof")?,
                try_hash(root, "root")?,
            )
        };
        rfc9162::verify_inclusion(leaf, index, tree_size, proof, root).map_err(merkle_fail)
    })
}

/// Verify an RFC 9162 consistency proof: the `new_size`-leaf tree with root `new_root`
/// extends the `old_size`-leaf tree with root `old_root` (both 32 bytes). `CLAW_OK` when it
/// verifies, else `CLAW_ERR_MERKLE` with the failing check.
#[no_mangle]
pub unsafe extern "C" fn claw_merkle_verify_consistency(
    old_size: u64,
    new_size: u64,
    old_root: *const u8,
    new_root: *const u8,
    proof: *const u8,
    proof_len: usize,
    err: *mut claw_error,
) -> claw_result {
    boundary(err, || {
        // SAFETY: caller contract on each pointer.
        let (old_root, new_root, proof) = unsafe {
            (
                try_hash(old_root, "old_root")?,
                try_hash(new_root, "new_root")?,
                try_hashes(proof, proof_len, "proof")?,
            )
        };
        rfc9162::verify_consistency(old_size, new_size, old_root, new_root, proof)
            .map_err(merkle_fail)
    })
}

fn field<'a>(v: &'a Value, name: &str) -> Result<&'a Value, Fail> {
    v.get(name).ok_or_else(|| {
        Fail::new(
            claw_result_code::CLAW_ERR_MERKLE,
            "MALFORMED_PROOF",
            format!("proof_json: missing field {name}"),
        )
    })
}

fn b64_field(v: &Value, name: &str) -> Result<Vec<u8>, Fail> {
    let s = field(v, name)?.as_str().ok_or_else(|| {
        Fail::new(
            claw_result_code::CLAW_ERR_MERKLE,
            "MALFORMED_PROOF",
            format!("proof_json.{name} must be a base64url string"),
        )
    })?;
    claw_core::b64::decode(s).map_err(|e| Fail::from(claw_core::Error::from(e)))
}

fn u64_field(v: &Value, name: &str) -> Result<u64, Fail> {
    field(v, name)?.as_u64().ok_or_else(|| {
        Fail::new(
            claw_result_code::CLAW_ERR_MERKLE,
            "MALFORMED_PROOF",
            format!("proof_json.{name} must be a non-negative integer"),
        )
    })
}

/// Verify an inclusion proof of the reference transparency log (`clawlogs` rule, not RFC
/// 9162), given as JSON: `{"leaf_hash_b64u":…,"leaf_index":…,"tree_size":…,
/// "audit_path":["…"],"root_hash_b64u":…}` (other fields are ignored). Only the Merkle part
/// is checked, not the root's signature; treat `leaf_index` and `tree_size` as claims.
#[no_mangle]
pub unsafe extern "C" fn claw_merkle_clawlogs_verify_inclusion(
    proof_json: *const c_char,
    proof_json_len: usize,
    err: *mut claw_error,
) -> claw_result {
    boundary(err, || {
        // SAFETY: caller contract on the pointer/length pair.
        let v = unsafe { try_json(proof_json, proof_json_len, "proof_json")? };
        let leaf = b64_field(&v, "leaf_hash_b64u")?;
        let index = u64_field(&v, "leaf_index")?;
        let size = u64_field(&v, "tree_size")?;
        let root = b64_field(&v, "root_hash_b64u")?;
        let path = field(&v, "audit_path")?
            .as_array()
            .ok_or_else(|| {
                Fail::new(
                    claw_result_code::CLAW_ERR_MERKLE,
                    "MALFORMED_PROOF",
                    "proof_json.audit_path must be an array",
                )
            })?
            .iter()
            .enumerate()
            .map(|(i, e)| {
                let s = e.as_str().ok_or_else(|| {
                    Fail::new(
                        claw_result_code::CLAW_ERR_MERKLE,
                        "MALFORMED_PROOF",
                        format!("proof_json.audit_path[{i}] must be a string"),
                    )
                })?;
                claw_core::b64::decode(s).map_err(|e| Fail::from(claw_core::Error::from(e)))
            })
            .collect::<Result<Vec<_>, _>>()?;
        clawlogs::verify_inclusion(&leaf, index, size, &path, &root).map_err(merkle_fail)
    })
}

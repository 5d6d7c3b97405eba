//! Merkle trees: claw's own RFC 9162 trees and the reference log's rule.
//!
//! Two constructions live here, and they must not be confused:
//!
//! * [`rfc9162`] — RFC 6962 / RFC 9162 (Certificate Transparency) trees: leaves and inner nodes
//!   are hashed with different one-byte prefixes (`0x00`, `0x01`), unbalanced trees split at the
//!   largest power of two. Every tree claw builds itself uses this rule, and it offers both
//!   inclusion and consistency proofs.
//! * [`clawlogs`] — the Merkle rule of the reference transparency log (`clawlogs`,
//!   `MERKLE_TRANSPARENCY_LOG_v1`): `SHA-256(left || right)` with no prefixes and the last node of
//!   an odd level duplicated. claw only *verifies* proofs from that log; it has no domain
//!   separation, so it is kept apart and never used for claw's own trees.
//!
//! Both report failures with one error type, [`MerkleError`], whose
//! [`reason_code`](MerkleError::reason_code) is stable across releases.
//!
//! The module does no I/O and never panics on its inputs: every size, index and proof comes from
//! outside and is checked before it is used.
#![forbid(unsafe_code)]

pub mod clawlogs;
pub mod rfc9162;

/// Length in bytes of every hash in this module (SHA-256).
pub const HASH_LEN: usize = 32;

/// Which input a [`MerkleError::BadHashLength`] is about.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum HashRole {
    /// The leaf being proven (RFC 9162: the leaf hash; clawlogs: the leaf bytes).
    Leaf,
    /// The leaf at this 0-based position of a list of leaves (clawlogs tree building).
    LeafAt(usize),
    /// The root being verified against (RFC 9162 consistency: the second, newer root).
    Root,
    /// The first, older root of a consistency proof.
    OldRoot,
    /// The proof element at this 0-based position.
    ProofElement(usize),
}

impl core::fmt::Display for HashRole {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            HashRole::Leaf => f.write_str("leaf"),
            HashRole::LeafAt(i) => write!(f, "leaf {i}"),
            HashRole::Root => f.write_str("root"),
            HashRole::OldRoot => f.write_str("old root"),
            HashRole::ProofElement(i) => write!(f, "proof element {i}"),
        }
    }
}

/// Why a Merkle proof could not be produced or did not verify.
///
/// Each variant names the one check that failed. Verification stops at the first failure, so a
/// proof that is wrong in several ways reports only the first check in the order documented on
/// each verifier. Messages contain sizes and indexes only, never hash values.
///
/// The reference implementation reports every log-proof failure as `INCLUSION_PROOF_INVALID`;
/// the evidence layer maps these finer codes onto that one where it speaks the reference's
/// vocabulary.
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum MerkleError {
    /// The leaf index is not below the tree size (this includes every index of an empty tree).
    /// Code `MERKLE_INDEX_OUT_OF_RANGE`.
    #[error("leaf index {index} is out of range for a tree of size {size}")]
    IndexOutOfRange {
        /// The index that was asked for or claimed.
        index: u64,
        /// The tree size it was checked against.
        size: u64,
    },
    /// A proof was requested for a tree size larger than the tree that was built.
    /// Code `MERKLE_SIZE_OUT_OF_RANGE`.
    #[error("tree size {size} exceeds the {available} leaves available")]
    SizeOutOfRange {
        /// The size that was asked for.
        size: u64,
        /// The number of leaves the tree holds.
        available: u64,
    },
    /// The proof does not have the number of elements that the sizes (and index) dictate.
    /// RFC 9162 fixes that number exactly, so any other count is malformed: this catches
    /// truncated proofs, trailing or preceding garbage, and claims about the wrong tree size
    /// before a single hash is computed. Code `MERKLE_PROOF_LENGTH`.
    #[error("proof has {got} elements, expected {expected}")]
    WrongProofLength {
        /// The number of elements a well-formed proof has.
        expected: usize,
        /// The number of elements supplied.
        got: usize,
    },
    /// A hash input has the wrong length (RFC 9162: anything but 32 bytes; clawlogs: an empty
    /// leaf or sibling, or an inner sibling that is not 32 bytes). Code `MERKLE_HASH_LENGTH`.
    #[error("{role} has {got} bytes, which is not a valid length here")]
    BadHashLength {
        /// Which input is at fault.
        role: HashRole,
        /// Its length in bytes.
        got: usize,
    },
    /// A consistency proof from the empty tree (size 0) was asked for or supplied. Every tree
    /// extends the empty tree, so such a proof proves nothing; transparency-dev and RFC 9162
    /// (which defines proofs for `0 < m`) reject it rather than pass it vacuously.
    /// Code `MERKLE_SIZE_ZERO`.
    #[error("consistency with an empty tree (size 0) proves nothing")]
    SizeZero,
    /// The second (newer) tree is smaller than the first: a log never shrinks.
    /// Code `MERKLE_INCONSISTENT_SIZES`.
    #[error("second tree size {size2} is smaller than first tree size {size1}")]
    InconsistentSizes {
        /// The first (older) tree size.
        size1: u64,
        /// The second (newer) tree size.
        size2: u64,
    },
    /// The root recomputed from the proof differs from the expected root. For a consistency
    /// proof this is the second (newer) root; for two trees of equal size it means the two
    /// supplied roots differ, i.e. two different trees claim the same size.
    /// Code `MERKLE_ROOT_MISMATCH`.
    #[error("recomputed root does not match the expected root")]
    RootMismatch,
    /// Consistency only: the first (older) root recomputed from the proof differs from the
    /// supplied old root, so the proof does not extend that tree (for example, history was
    /// rewritten). When the old size is a power of two the old root is not recomputed (it is
    /// where the walk starts), so the same forgery is reported as [`MerkleError::RootMismatch`].
    /// Code `MERKLE_OLD_ROOT_MISMATCH`.
    #[error("recomputed old root does not match the expected old root")]
    OldRootMismatch,
}

impl MerkleError {
    /// The stable SCREAMING_SNAKE reason code of this error.
    ///
    /// Codes never change meaning; new variants get new codes.
    pub fn reason_code(&self) -> &'static str {
        match self {
            MerkleError::IndexOutOfRange { .. } => "MERKLE_INDEX_OUT_OF_RANGE",
            MerkleError::SizeOutOfRange { .. } => "MERKLE_SIZE_OUT_OF_RANGE",
            MerkleError::WrongProofLength { .. } => "MERKLE_PROOF_LENGTH",
            MerkleError::BadHashLength { .. } => "MERKLE_HASH_LENGTH",
            MerkleError::SizeZero => "MERKLE_SIZE_ZERO",
            MerkleError::InconsistentSizes { .. } => "MERKLE_INCONSISTENT_SIZES",
            MerkleError::RootMismatch => "MERKLE_ROOT_MISMATCH",
            MerkleError::OldRootMismatch => "MERKLE_OLD_ROOT_MISMATCH",
        }
    }
}

/// Reads `bytes` as a 32-byte hash, or says which input had the wrong length.
fn as_hash(bytes: &[u8], role: HashRole) -> Result<&[u8; HASH_LEN], MerkleError> {
    <&[u8; HASH_LEN]>::try_from(bytes).map_err(|_| MerkleError::BadHashLength {
        role,
        got: bytes.len(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reason_codes_are_distinct_and_screaming_snake() {
        let all = [
            MerkleError::IndexOutOfRange { index: 1, size: 1 },
            MerkleError::SizeOutOfRange {
                size: 2,
                available: 1,
            },
            MerkleError::WrongProofLength {
                expected: 1,
                got: 0,
            },
            MerkleError::BadHashLength {
                role: HashRole::Leaf,
                got: 0,
            },
            MerkleError::SizeZero,
            MerkleError::InconsistentSizes { size1: 2, size2: 1 },
            MerkleError::RootMismatch,
            MerkleError::OldRootMismatch,
        ];
        let mut codes: Vec<&str> = all.iter().map(MerkleError::reason_code).collect();
        for c in &codes {
            assert!(c.starts_with("MERKLE_"), "{c}");
            assert!(
                c.bytes().all(|b| b.is_ascii_uppercase() || b == b'_'),
                "{c}"
            );
        }
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), all.len());
    }

    #[test]
    fn messages_name_the_field() {
        let e = MerkleError::BadHashLength {
            role: HashRole::ProofElement(3),
            got: 9,
        };
        assert_eq!(
            e.to_string(),
            "proof element 3 has 9 bytes, which is not a valid length here"
        );
    }
}

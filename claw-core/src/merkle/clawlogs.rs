//! The Merkle rule of the reference transparency log, `clawlogs` (`MERKLE_TRANSPARENCY_LOG_v1`).
//!
//! This is **not** RFC 6962/9162. Per the spec:
//!
//! * leaves are the caller's bytes (in practice the decoded `leaf_hash_b64u` of a receipt), each
//!   non-empty, used as they are: no leaf hashing;
//! * a parent is `SHA-256(left || right)`, with no prefix;
//! * a level of odd length duplicates its last node (`right = left`);
//! * the empty tree's root is `SHA-256("")`, and a one-leaf tree's root is the leaf itself;
//! * an inclusion proof is the audit path from the leaf's sibling upward, with the leaf index
//!   and tree size given beside it; a verifier checks `index < size` and that the path length is
//!   the tree's height.
//!
//! claw implements this only to verify the reference log's proofs. The signed-root check
//! (Ed25519 over the `root_hash_b64u` string) is done by the caller; this module is the Merkle
//! part only.
//!
//! # Why claw's own trees do not use this rule
//!
//! * **No domain separation (second preimages).** Leaves are not hashed and a parent is the
//!   plain hash of its children, so a leaf and an inner node are values of the same kind: any
//!   inner node (32 bytes, indistinguishable from a leaf hash) can be presented as a "leaf" of
//!   a shorter tree. With the path from that node upward and a claimed tree size of matching
//!   height, the proof verifies against the real root. The height check does not stop this,
//!   because the tree size is not covered by the root signature (only the root string is
//!   signed), so the prover chooses it. This module's tests demonstrate it.
//! * **Duplicated last node.** The trees `[a, b, c]` and `[a, b, c, c]` have the same root, so a
//!   root does not commit to its size, and leaf `c` "at index 3 of 4" verifies against the
//!   three-leaf root (the pattern of Bitcoin's CVE-2012-2459). There is also no consistency
//!   proof between two roots of this log.
//!
//! A caller limits the damage by verifying only leaves it has recomputed itself, as the SHA-256
//! of a receipt it holds: a forged "leaf" that is really an inner node would need a receipt
//! hashing to that node, a preimage no one can find. It must also treat `leaf_index` and
//! `tree_size` as claims, not facts. RFC 9162 ([`super::rfc9162`]) has neither weakness: its
//! `0x00`/`0x01` prefixes keep leaf and node hashes apart, and its split rule gives each size
//! one shape. Every tree claw builds uses it.
//!
//! One check here is stricter than the spec, and rejects no proof the log can produce: audit
//! path elements above the leaf level must be 32 bytes, since they are SHA-256 outputs by
//! construction (the leaf-level element is a leaf, so it only has to be non-empty).

use sha2::{Digest, Sha256};

use super::{HashRole, MerkleError, HASH_LEN};

/// `SHA-256(left || right)`: the parent rule, with no domain-separation prefix.
fn parent(left: &[u8], right: &[u8]) -> [u8; HASH_LEN] {
    let mut h = Sha256::new();
    h.update(left);
    h.update(right);
    h.finalize().into()
}

/// The next level up: pairs hashed, the last node of an odd level paired with itself.
fn next_level<L: AsRef<[u8]>>(level: &[L]) -> Vec<[u8; HASH_LEN]> {
    level
        .chunks(2)
        // `chunks(2)` yields one or two nodes; `last()` of a single node is that node again,
        // which is exactly the duplicate-last rule.
        .filter_map(|pair| Some(parent(pair.first()?.as_ref(), pair.last()?.as_ref())))
        .collect()
}

/// Rejects a list with an empty leaf: the spec requires every leaf to decode to non-empty bytes.
fn check_leaves<L: AsRef<[u8]>>(leaves: &[L]) -> Result<(), MerkleError> {
    match leaves.iter().position(|leaf| leaf.as_ref().is_empty()) {
        Some(i) => Err(MerkleError::BadHashLength {
            role: HashRole::LeafAt(i),
            got: 0,
        }),
        None => Ok(()),
    }
}

/// The number of levels above the leaves in a tree of `tree_size` leaves, which is the exact
/// length of every audit path in that tree (spec §4: halve, rounding up, until one node is
/// left). 0 for sizes 0 and 1, at most 64.
pub fn expected_height(tree_size: u64) -> u32 {
    let mut n = tree_size;
    let mut height = 0;
    while n > 1 {
        // `div_ceil`, not the spec's `(n + 1) / 2`, which overflows at `u64::MAX`.
        n = n.div_ceil(2);
        height += 1;
    }
    height
}

/// The root of the tree over `leaves` (spec §2).
///
/// `SHA-256("")` for no leaves, the leaf itself for one leaf (so the root is then not
/// necessarily 32 bytes), otherwise a 32-byte hash. Fails if any leaf is empty.
pub fn root<L: AsRef<[u8]>>(leaves: &[L]) -> Result<Vec<u8>, MerkleError> {
    check_leaves(leaves)?;
    match leaves {
        [] => Ok(Sha256::digest(b"").to_vec()),
        [only] => Ok(only.as_ref().to_vec()),
        _ => {
            let mut level = next_level(leaves);
            while level.len() > 1 {
                level = next_level(&level);
            }
            // `next_level` of two or more nodes is never empty; the fallback is unreachable.
            Ok(level.first().map_or_else(Vec::new, |root| root.to_vec()))
        }
    }
}

/// The audit path of leaf `leaf_index` (spec §3), from the leaf's sibling upward, as the log
/// would emit it. Fails if the index is out of range or any leaf is empty.
pub fn audit_path<L: AsRef<[u8]>>(
    leaves: &[L],
    leaf_index: u64,
) -> Result<Vec<Vec<u8>>, MerkleError> {
    let out_of_range = MerkleError::IndexOutOfRange {
        index: leaf_index,
        // usize -> u64 is lossless on every supported target.
        size: leaves.len() as u64,
    };
    check_leaves(leaves)?;
    let Some(mut idx) = usize::try_from(leaf_index)
        .ok()
        .filter(|&i| i < leaves.len())
    else {
        return Err(out_of_range);
    };
    // The node's own value stands in for a missing right sibling: duplicate-last.
    let sibling_of = |idx: usize, len: usize| if idx ^ 1 < len { idx ^ 1 } else { idx };

    let mut path = Vec::with_capacity(expected_height(leaves.len() as u64) as usize);
    if leaves.len() > 1 {
        let sibling = leaves
            .get(sibling_of(idx, leaves.len()))
            .ok_or(out_of_range.clone())?;
        path.push(sibling.as_ref().to_vec());
        let mut level = next_level(leaves);
        idx /= 2;
        while level.len() > 1 {
            let sibling = level
                .get(sibling_of(idx, level.len()))
                .ok_or(out_of_range.clone())?;
            path.push(sibling.to_vec());
            level = next_level(&level);
            idx /= 2;
        }
    }
    Ok(path)
}

/// Verifies that `leaf` is leaf `leaf_index` of the `tree_size`-leaf tree whose root is `root`
/// (spec §4).
///
/// Checks, in order: the leaf is non-empty, `leaf_index < tree_size`, the path has exactly
/// [`expected_height`]`(tree_size)` elements, its first element is non-empty and the others are
/// 32 bytes, and the recomputed root equals `root` byte for byte. The spec compares base64url
/// strings; decoding them is the caller's job, with a strict decoder (one spelling per byte
/// string) so that comparing bytes is the same as comparing the strings.
///
/// This does not check the root's signature, and `leaf_index` and `tree_size` are whatever the
/// proof claims: see the module documentation for what that allows.
pub fn verify_inclusion<P: AsRef<[u8]>>(
    leaf: &[u8],
    leaf_index: u64,
    tree_size: u64,
    audit_path: &[P],
    root: &[u8],
) -> Result<(), MerkleError> {
    if leaf.is_empty() {
        return Err(MerkleError::BadHashLength {
            role: HashRole::Leaf,
            got: 0,
        });
    }
    if leaf_index >= tree_size {
        return Err(MerkleError::IndexOutOfRange {
            index: leaf_index,
            size: tree_size,
        });
    }
    // At most 64, so the conversion is lossless.
    let expected = expected_height(tree_size) as usize;
    if audit_path.len() != expected {
        return Err(MerkleError::WrongProofLength {
            expected,
            got: audit_path.len(),
        });
    }
    let mut idx = leaf_index;
    // `None` while still at the leaf, whose length is the caller's; every node above is 32 bytes.
    let mut node: Option<[u8; HASH_LEN]> = None;
    for (i, sibling) in audit_path.iter().enumerate() {
        let sibling = sibling.as_ref();
        let valid_len = if i == 0 {
            !sibling.is_empty()
        } else {
            sibling.len() == HASH_LEN
        };
        if !valid_len {
            return Err(MerkleError::BadHashLength {
                role: HashRole::ProofElement(i),
                got: sibling.len(),
            });
        }
        let current: &[u8] = node.as_ref().map_or(leaf, |h| h.as_slice());
        node = Some(if idx % 2 == 0 {
            parent(current, sibling)
        } else {
            parent(sibling, current)
        });
        idx /= 2;
    }
    let computed: &[u8] = node.as_ref().map_or(leaf, |h| h.as_slice());
    if computed != root {
        return Err(MerkleError::RootMismatch);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn leaves(n: u8) -> Vec<Vec<u8>> {
        (0..n).map(|i| Sha256::digest([i]).to_vec()).collect()
    }

    #[test]
    fn heights() {
        let cases = [
            (0, 0),
            (1, 0),
            (2, 1),
            (3, 2),
            (4, 2),
            (5, 3),
            (8, 3),
            (9, 4),
        ];
        for (size, height) in cases {
            assert_eq!(expected_height(size), height, "size {size}");
        }
        assert_eq!(expected_height(u64::MAX), 64);
        assert_eq!(expected_height(1 << 63), 63);
    }

    /// The weakness the module documentation describes: an inner node passes as a leaf of a
    /// "smaller" tree with the same root.
    #[test]
    fn inner_node_passes_as_a_leaf() {
        let l = leaves(8);
        let real_root = root(&l).expect("non-empty leaves");
        let level1 = next_level(&l);
        let level2 = next_level(&level1);
        let forged_leaf = level1[0];
        assert!(!l.iter().any(|leaf| leaf.as_slice() == forged_leaf));
        let path = [level1[1], level2[1]];
        assert_eq!(
            verify_inclusion(&forged_leaf, 0, 4, &path, &real_root),
            Ok(())
        );
    }

    /// Duplicate-last: a three-leaf tree and its four-leaf copy with the last leaf repeated share
    /// a root, so "leaf 3 of 4" verifies against the three-leaf root.
    #[test]
    fn duplicated_last_leaf_shares_the_root() {
        let three = leaves(3);
        let mut four = three.clone();
        four.push(three[2].clone());
        let r3 = root(&three).expect("non-empty leaves");
        assert_eq!(r3, root(&four).expect("non-empty leaves"));
        let path = audit_path(&four, 3).expect("index in range");
        assert_eq!(verify_inclusion(&three[2], 3, 4, &path, &r3), Ok(()));
    }
}

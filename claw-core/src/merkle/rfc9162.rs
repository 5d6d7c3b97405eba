//! RFC 6962 / RFC 9162 Merkle trees (Certificate Transparency v1 and v2 share the tree).
//!
//! * leaf hash: `SHA-256(0x00 || data)`, node hash: `SHA-256(0x01 || left || right)`;
//! * a tree of `n > 1` leaves splits at `k`, the largest power of two below `n`, so the left
//!   subtree is always complete and only the right edge of the tree is ragged;
//! * the empty tree's root is `SHA-256("")`.
//!
//! The two prefixes are what makes this the rule for claw's own trees: a leaf hash can never
//! equal an inner node hash (their SHA-256 inputs differ in the first byte), so an inner node
//! cannot be passed off as a leaf (the second-preimage attack that the [`super::clawlogs`] rule
//! is open to), and the split rule gives each tree size exactly one shape, so a root commits to
//! its size as well as to its leaves.
//!
//! Proofs follow RFC 9162 §2.1.3 (inclusion) and §2.1.4 (consistency). Verification uses the
//! iterative algorithms of §2.1.3.2 and §2.1.4.2, plus the stricter rules of the
//! transparency-dev Go implementation (whose test vectors claw passes): every hash is exactly 32
//! bytes, consistency from size 0 fails, equal sizes need an empty proof and identical roots.
//! Proof lengths are checked against the exact length the sizes dictate before any hashing, so
//! a proof of any size costs at most a length comparison to reject.

use super::{as_hash, HashRole, MerkleError, HASH_LEN};

/// Domain-separation prefix of a leaf hash.
const LEAF_PREFIX: u8 = 0x00;
/// Domain-separation prefix of an inner node hash.
const NODE_PREFIX: u8 = 0x01;

/// Root of the empty tree: `SHA-256("")` (RFC 9162 §2.1.1).
pub const EMPTY_ROOT: [u8; HASH_LEN] = [
    0xe3, 0xb0, 0xc4, 0x42, 0x98, 0xfc, 0x1c, 0x14, 0x9a, 0xfb, 0xf4, 0xc8, 0x99, 0x6f, 0xb9, 0x24,
    0x27, 0xae, 0x41, 0xe4, 0x64, 0x9b, 0x93, 0x4c, 0xa4, 0x95, 0x99, 0x1b, 0x78, 0x52, 0xb8, 0x55,
];

/// The hash of one leaf: `SHA-256(0x00 || data)`.
pub fn leaf_hash(data: &[u8]) -> [u8; HASH_LEN] {
    // The padded message `0x00 ‖ data ‖ 0x80 ‖ 0… ‖ bit length` is laid out in a stack
    // buffer of 16 blocks and compressed in one call per 16 blocks (one call for a typical
    // receipt leaf), without the streaming hasher's per-call bookkeeping.
    let mut state = SHA256_IV;
    let mut buf = [Block::default(); LEAF_BUF_BLOCKS];
    let mut at = 0usize;
    let mut put = |bytes: &[u8], buf: &mut [Block; LEAF_BUF_BLOCKS], at: &mut usize| {
        let mut bytes = bytes;
        while !bytes.is_empty() {
            let (blk, off) = (*at / 64, *at % 64);
            let n = bytes.len().min(64 - off);
            buf[blk][off..off + n].copy_from_slice(&bytes[..n]);
            bytes = &bytes[n..];
            *at += n;
            if *at == LEAF_BUF_BLOCKS * 64 {
                sha2::compress256(&mut state, &buf[..]);
                *at = 0;
            }
        }
    };
    put(&[LEAF_PREFIX], &mut buf, &mut at);
    put(data, &mut buf, &mut at);
    put(&[0x80], &mut buf, &mut at);
    let zeros = [0u8; 64];
    let pad = (64 + 56 - at % 64) % 64;
    put(&zeros[..pad], &mut buf, &mut at);
    put(
        &((data.len() as u64 + 1) * 8).to_be_bytes(),
        &mut buf,
        &mut at,
    );
    sha2::compress256(&mut state, &buf[..at / 64]);
    let mut out = [0u8; HASH_LEN];
    for (o, w) in out.chunks_exact_mut(4).zip(state) {
        o.copy_from_slice(&w.to_be_bytes());
    }
    out
}

const LEAF_BUF_BLOCKS: usize = 16;

/// The hash of an inner node: `SHA-256(0x01 || left || right)`.
pub fn node_hash(left: &[u8; HASH_LEN], right: &[u8; HASH_LEN]) -> [u8; HASH_LEN] {
    // The input is always 65 bytes: the two padded SHA-256 blocks are laid out here and
    // compressed directly (half the cost of a tree's hashing is these small hashes).
    let mut blocks = [Block::default(), Block::default()];
    blocks[0][0] = NODE_PREFIX;
    blocks[0][1..33].copy_from_slice(left);
    blocks[0][33..].copy_from_slice(&right[..31]);
    blocks[1][0] = right[31];
    blocks[1][1] = 0x80;
    blocks[1][56..].copy_from_slice(&(65u64 * 8).to_be_bytes());
    let mut state = SHA256_IV;
    sha2::compress256(&mut state, &blocks);
    let mut out = [0u8; HASH_LEN];
    for (o, w) in out.chunks_exact_mut(4).zip(state) {
        o.copy_from_slice(&w.to_be_bytes());
    }
    out
}

type Block = sha2::digest::generic_array::GenericArray<u8, sha2::digest::consts::U64>;

/// SHA-256's initial hash value (FIPS 180-4 §5.3.3).
const SHA256_IV: [u32; 8] = [
    0x6a09_e667,
    0xbb67_ae85,
    0x3c6e_f372,
    0xa54f_f53a,
    0x510e_527f,
    0x9b05_688c,
    0x1f83_d9ab,
    0x5be0_cd19,
];

/// The Merkle Tree Hash of a list of leaf hashes (RFC 9162 §2.1.1), without building the tree.
///
/// One pass, no recursion, one stack of at most 64 hashes: after leaf `i` the stack holds one
/// complete subtree per set bit of `i + 1`, largest first, so adding a leaf merges it with the
/// subtrees it completes. Folding what is left from the right gives the RFC's split at the
/// largest power of two. `n` leaves cost `n - 1` node hashes (65-byte inputs), the minimum.
pub fn root_from_leaf_hashes(leaf_hashes: &[[u8; HASH_LEN]]) -> [u8; HASH_LEN] {
    let mut stack: Vec<[u8; HASH_LEN]> = Vec::with_capacity(64);
    for (i, leaf) in leaf_hashes.iter().enumerate() {
        let mut h = *leaf;
        // Leaf `i` completes one subtree per trailing one bit of `i`: each was waiting on the
        // stack for a right sibling of its own size.
        for _ in 0..i.trailing_ones() {
            if let Some(left) = stack.pop() {
                h = node_hash(&left, &h);
            }
        }
        stack.push(h);
    }
    let Some(mut root) = stack.pop() else {
        return EMPTY_ROOT;
    };
    while let Some(left) = stack.pop() {
        root = node_hash(&left, &root);
    }
    root
}

/// Number of proof elements the RFC 9162 walk consumes from node `index` to the root of a tree
/// whose last node at that level is `last`.
///
/// Below the level where the paths to `index` and to `last` meet, `index` always has a sibling
/// (`inner` levels); above it, `index` is on the tree's right edge and has a sibling only where
/// it is a right child (`border`: the set bits left of the meeting level).
fn path_len(index: u64, last: u64) -> usize {
    let inner = u64::BITS - (index ^ last).leading_zeros();
    // `checked_shr` because `inner` is 64 when the top bit differs, and `x >> 64` overflows.
    let border = index.checked_shr(inner).unwrap_or(0).count_ones();
    // At most 128, so the conversion from u32 is lossless.
    (inner + border) as usize
}

/// The loop shared by RFC 9162 §2.1.3.2 (inclusion) and §2.1.4.2 (consistency): starting from
/// `seed` at node `fnode` of a tree whose last node is `snode`, hash in each proof element as
/// a left or right sibling. Returns the recomputed first root (only if `track_old`) and the
/// recomputed second root. `offset` is the position of `path[0]` in the caller's proof, for
/// error messages.
///
/// Callers check the proof length first; the `snode` checks of the RFC stay in as a second
/// line, reported as the same length error.
fn walk<P: AsRef<[u8]>>(
    mut fnode: u64,
    mut snode: u64,
    seed: [u8; HASH_LEN],
    path: &[P],
    offset: usize,
    track_old: bool,
) -> Result<(Option<[u8; HASH_LEN]>, [u8; HASH_LEN]), MerkleError> {
    let wrong_length = MerkleError::WrongProofLength {
        expected: offset.saturating_add(path_len(fnode, snode)),
        got: offset.saturating_add(path.len()),
    };
    let mut old = track_old.then_some(seed);
    let mut new = seed;
    for (i, element) in path.iter().enumerate() {
        let sibling = as_hash(
            element.as_ref(),
            HashRole::ProofElement(offset.saturating_add(i)),
        )?;
        if snode == 0 {
            return Err(wrong_length);
        }
        if fnode & 1 == 1 || fnode == snode {
            // The sibling is on the left. Only here does the path also lie in the old tree, so
            // only here does the old root advance.
            if let Some(old) = old.as_mut() {
                *old = node_hash(sibling, old);
            }
            new = node_hash(sibling, &new);
            // A rightmost node with no sibling is carried up unchanged (the RFC split): skip
            // those levels so the next element meets the node it belongs to.
            while fnode & 1 == 0 && fnode != 0 {
                fnode >>= 1;
                snode >>= 1;
            }
        } else {
            new = node_hash(&new, sibling);
        }
        fnode >>= 1;
        snode >>= 1;
    }
    if snode != 0 {
        return Err(wrong_length);
    }
    Ok((old, new))
}

/// Verifies that `leaf_hash` is the leaf at `index` of the tree of `size` leaves whose root is
/// `root` (RFC 9162 §2.1.3.2).
///
/// `leaf_hash` is the *hash* of the leaf ([`leaf_hash`] of its data), not the data: taking the
/// data's hash here is what keeps an inner node from passing as a leaf.
///
/// `size` and `root` must come from the same authenticated checkpoint. The proof does not bind
/// the size by itself: the proof of leaf 0 in a 3-leaf tree also verifies as "leaf 0 of 4"
/// against the 3-leaf root, because both walks take the same turns. That claim is harmless only
/// because no honest checkpoint pairs size 4 with that root.
///
/// Checks, in order: the leaf hash is 32 bytes, `index < size`, the root is 32 bytes, the proof
/// has exactly the length `index` and `size` dictate, every element is 32 bytes, and the
/// recomputed root equals `root`.
pub fn verify_inclusion<P: AsRef<[u8]>>(
    leaf_hash: &[u8],
    index: u64,
    size: u64,
    proof: &[P],
    root: &[u8],
) -> Result<(), MerkleError> {
    let leaf = as_hash(leaf_hash, HashRole::Leaf)?;
    if index >= size {
        return Err(MerkleError::IndexOutOfRange { index, size });
    }
    let root = as_hash(root, HashRole::Root)?;
    // `size - 1` cannot underflow: `index < size`.
    let last = size - 1;
    let expected = path_len(index, last);
    if proof.len() != expected {
        return Err(MerkleError::WrongProofLength {
            expected,
            got: proof.len(),
        });
    }
    let (_, computed) = walk(index, last, *leaf, proof, 0, false)?;
    // Plain comparison: roots and proofs are public, there is no secret to leak through timing.
    if computed != *root {
        return Err(MerkleError::RootMismatch);
    }
    Ok(())
}

/// Verifies that the tree of `size2` leaves with root `root2` extends (is append-only from) the
/// tree of `size1` leaves with root `root1` (RFC 9162 §2.1.4.2).
///
/// Checks, in order: `size1 <= size2`, `size1 > 0`; for `size1 == size2`, an empty proof and
/// byte-equal roots (no hashing, so the roots are not length-checked); otherwise both roots are
/// 32 bytes, the proof has exactly the length the sizes dictate, every element is 32 bytes, the
/// recomputed old root equals `root1` and the recomputed new root equals `root2`.
pub fn verify_consistency<P: AsRef<[u8]>>(
    size1: u64,
    size2: u64,
    root1: &[u8],
    root2: &[u8],
    proof: &[P],
) -> Result<(), MerkleError> {
    if size2 < size1 {
        return Err(MerkleError::InconsistentSizes { size1, size2 });
    }
    if size1 == 0 {
        return Err(MerkleError::SizeZero);
    }
    if size1 == size2 {
        if !proof.is_empty() {
            return Err(MerkleError::WrongProofLength {
                expected: 0,
                got: proof.len(),
            });
        }
        return if root1 == root2 {
            Ok(())
        } else {
            Err(MerkleError::RootMismatch)
        };
    }
    let root1 = as_hash(root1, HashRole::OldRoot)?;
    let root2 = as_hash(root2, HashRole::Root)?;

    // The old tree's rightmost complete subtree has 2^shift leaves; the levels below it carry no
    // information (RFC step 4), so the walk starts at that subtree's node. `shift < 64` because
    // `size1 != 0`.
    let shift = size1.trailing_zeros();
    let fnode = (size1 - 1) >> shift;
    let snode = (size2 - 1) >> shift;
    // When `size1` is a power of two that subtree is the whole old tree, so its hash is `root1`
    // and the proof does not repeat it (RFC step 2); otherwise the proof starts with it.
    let seeded = fnode == 0;
    let expected = path_len(fnode, snode) + usize::from(!seeded);
    if proof.len() != expected {
        return Err(MerkleError::WrongProofLength {
            expected,
            got: proof.len(),
        });
    }
    let (seed, path, offset) = if seeded {
        (*root1, proof, 0)
    } else {
        let Some((first, rest)) = proof.split_first() else {
            // Unreachable: `expected >= 1` here and the length matched.
            return Err(MerkleError::WrongProofLength { expected, got: 0 });
        };
        (
            *as_hash(first.as_ref(), HashRole::ProofElement(0))?,
            rest,
            1,
        )
    };
    let (old, new) = walk(fnode, snode, seed, path, offset, true)?;
    if old != Some(*root1) {
        return Err(MerkleError::OldRootMismatch);
    }
    if new != *root2 {
        return Err(MerkleError::RootMismatch);
    }
    Ok(())
}

/// An RFC 9162 Merkle tree held in memory, built once, from which proofs are cut in O(log n).
///
/// It stores every level: `levels[l][j]` is the hash of leaves `j·2^l .. min((j+1)·2^l, n)`.
/// A level of odd length carries its last node up unchanged, which gives exactly the RFC's
/// split at the largest power of two. Nodes whose range is complete are the same in every
/// tree that contains them, so proofs for any earlier size `m <= n` are cut from the same
/// levels; only the ragged right edge of a smaller tree is recomputed, once per proof, from
/// at most 64 stored nodes.
///
/// Memory: about `2n` hashes (64 bytes per leaf).
#[derive(Clone, PartialEq, Eq)]
pub struct MerkleTree {
    /// Never empty: `levels[0]` are the leaf hashes; the last level has at most one node.
    levels: Vec<Vec<[u8; HASH_LEN]>>,
}

impl core::fmt::Debug for MerkleTree {
    // A tree can hold millions of hashes: show its size and root only.
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let root: String = self.root().iter().map(|b| format!("{b:02x}")).collect();
        f.debug_struct("MerkleTree")
            .field("len", &self.len())
            .field("root", &root)
            .finish()
    }
}

impl MerkleTree {
    /// Builds the tree over these leaf hashes (each already `SHA-256(0x00 || data)`).
    pub fn from_leaf_hashes(leaf_hashes: Vec<[u8; HASH_LEN]>) -> Self {
        let mut levels = vec![leaf_hashes];
        while let Some(prev) = levels.last().filter(|level| level.len() > 1) {
            let pairs = prev.chunks_exact(2);
            let carried = pairs.remainder().first().copied();
            let mut next: Vec<[u8; HASH_LEN]> = Vec::with_capacity(prev.len().div_ceil(2));
            next.extend(pairs.filter_map(|pair| match pair {
                [left, right] => Some(node_hash(left, right)),
                _ => None,
            }));
            next.extend(carried);
            levels.push(next);
        }
        MerkleTree { levels }
    }

    /// Builds the tree over these leaves, hashing each with [`leaf_hash`].
    pub fn from_leaves<I>(leaves: I) -> Self
    where
        I: IntoIterator,
        I::Item: AsRef<[u8]>,
    {
        Self::from_leaf_hashes(leaves.into_iter().map(|d| leaf_hash(d.as_ref())).collect())
    }

    /// Number of leaves.
    pub fn len(&self) -> u64 {
        // usize -> u64 is lossless on every supported target.
        self.leaf_hashes().len() as u64
    }

    /// Whether the tree has no leaves.
    pub fn is_empty(&self) -> bool {
        self.leaf_hashes().is_empty()
    }

    /// The leaf hashes, in order.
    pub fn leaf_hashes(&self) -> &[[u8; HASH_LEN]] {
        self.levels.first().map_or(&[], Vec::as_slice)
    }

    /// The root of the whole tree ([`EMPTY_ROOT`] when it has no leaves).
    pub fn root(&self) -> [u8; HASH_LEN] {
        self.levels
            .last()
            .and_then(|top| top.first())
            .copied()
            .unwrap_or(EMPTY_ROOT)
    }

    /// The root of the tree made of the first `size` leaves.
    pub fn root_at(&self, size: u64) -> Result<[u8; HASH_LEN], MerkleError> {
        self.check_size(size)?;
        if size == 0 {
            return Ok(EMPTY_ROOT);
        }
        self.subtree_hash(0, size)
            .ok_or_else(|| self.size_out_of_range(size))
    }

    /// The inclusion proof (RFC 9162 §2.1.3.1 PATH) of leaf `index` in the whole tree.
    pub fn inclusion_proof(&self, index: u64) -> Result<Vec<[u8; HASH_LEN]>, MerkleError> {
        self.inclusion_proof_at(index, self.len())
    }

    /// The inclusion proof of leaf `index` in the tree of the first `size` leaves, ordered from
    /// the leaf's sibling up to the root's child, as [`verify_inclusion`] expects.
    pub fn inclusion_proof_at(
        &self,
        index: u64,
        size: u64,
    ) -> Result<Vec<[u8; HASH_LEN]>, MerkleError> {
        self.check_size(size)?;
        if index >= size {
            return Err(MerkleError::IndexOutOfRange { index, size });
        }
        let missing = || MerkleError::IndexOutOfRange { index, size };
        let mut proof = Vec::with_capacity(path_len(index, size - 1));
        // `node` is the ancestor of the leaf at `level`, `last` the last node of that level in
        // the tree of `size` leaves.
        let mut node = index;
        let mut last = size - 1;
        let mut level = 0u32;
        while last > 0 {
            let sibling = node ^ 1;
            if sibling < node || sibling < last {
                // A left sibling, or a right one that is not on the ragged edge: complete, so
                // stored as is.
                proof.push(*self.node(level, sibling).ok_or_else(missing)?);
            } else if sibling == last {
                // The right sibling is the ragged edge of the `size` tree: its leaves run from
                // `sibling << level` (no overflow: `sibling <= last = (size-1) >> level`) to
                // `size`.
                proof.push(
                    self.subtree_hash(sibling << level, size)
                        .ok_or_else(missing)?,
                );
            }
            // Otherwise `node` is the last of its level with nothing to its right: carried up
            // unchanged, no proof element.
            node >>= 1;
            last >>= 1;
            level += 1;
        }
        Ok(proof)
    }

    /// The consistency proof (RFC 9162 §2.1.4.1 PROOF) from the tree of the first `old_size`
    /// leaves to the whole tree.
    pub fn consistency_proof(&self, old_size: u64) -> Result<Vec<[u8; HASH_LEN]>, MerkleError> {
        self.consistency_proof_between(old_size, self.len())
    }

    /// The consistency proof from the tree of the first `size1` leaves to the tree of the first
    /// `size2` leaves, as [`verify_consistency`] expects. Empty when `size1 == size2`; an error
    /// for `size1 == 0`, which RFC 9162 leaves undefined and the verifier rejects.
    pub fn consistency_proof_between(
        &self,
        size1: u64,
        size2: u64,
    ) -> Result<Vec<[u8; HASH_LEN]>, MerkleError> {
        self.check_size(size2)?;
        if size1 > size2 {
            return Err(MerkleError::InconsistentSizes { size1, size2 });
        }
        if size1 == 0 {
            return Err(MerkleError::SizeZero);
        }
        let missing = || self.size_out_of_range(size2);
        // SUBPROOF(m, D[start:end], whole) unrolled from the top. Each step records the sibling
        // of the half that holds the old tree's edge; the RFC lists them bottom-up, so the
        // vector is reversed at the end. `m` (relative to `start`) stays >= 1, and each step
        // shrinks `end - start`, at most 64 times.
        let mut proof = Vec::new();
        let (mut start, mut end, mut m, mut whole) = (0u64, size2, size1, true);
        loop {
            let width = end - start;
            if m == width {
                // The old tree's edge is this whole subtree. When it is the old tree itself the
                // verifier has its root already; otherwise the proof must carry it.
                if !whole {
                    proof.push(self.subtree_hash(start, end).ok_or_else(missing)?);
                }
                break;
            }
            // Here 1 <= m < width, so width >= 2 and `k` is the largest power of two below it.
            let k = 1u64 << (u64::BITS - 1 - (width - 1).leading_zeros());
            if m <= k {
                proof.push(self.subtree_hash(start + k, end).ok_or_else(missing)?);
                end = start + k;
            } else {
                proof.push(self.subtree_hash(start, start + k).ok_or_else(missing)?);
                start += k;
                m -= k;
                whole = false;
            }
        }
        proof.reverse();
        Ok(proof)
    }

    fn check_size(&self, size: u64) -> Result<(), MerkleError> {
        if size > self.len() {
            return Err(self.size_out_of_range(size));
        }
        Ok(())
    }

    fn size_out_of_range(&self, size: u64) -> MerkleError {
        MerkleError::SizeOutOfRange {
            size,
            available: self.len(),
        }
    }

    /// The stored node `index` of `level`, if it exists.
    fn node(&self, level: u32, index: u64) -> Option<&[u8; HASH_LEN]> {
        self.levels
            .get(usize::try_from(level).ok()?)?
            .get(usize::try_from(index).ok()?)
    }

    /// The hash of leaves `start..end` taken as one subtree, which they are when `start` is a
    /// multiple of a power of two at least `end - start` (every caller's case). The range splits
    /// into complete subtrees, one per set bit of its width, largest on the left; they are
    /// folded from the right as the RFC split does. `None` if the range is empty or a node is
    /// missing, which callers' checks rule out.
    fn subtree_hash(&self, start: u64, end: u64) -> Option<[u8; HASH_LEN]> {
        let width = end.checked_sub(start)?;
        let mut right_edge = end;
        let mut acc: Option<[u8; HASH_LEN]> = None;
        for level in 0..u64::BITS {
            if (width >> level) & 1 == 0 {
                continue;
            }
            let node_start = right_edge.checked_sub(1u64 << level)?;
            let h = *self.node(level, node_start >> level)?;
            acc = Some(match acc {
                None => h,
                Some(right) => node_hash(&h, &right),
            });
            right_edge = node_start;
        }
        acc
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sha2::{Digest, Sha256};

    #[test]
    fn leaf_hash_is_sha256_of_prefix_and_data() {
        let data: Vec<u8> = (0..3000u32).map(|i| (i * 31 % 251) as u8).collect();
        for len in (0..200).chain([1023, 1024, 1025, 1087, 1088, 2047, 2048, 2049, 3000]) {
            let mut h = Sha256::new();
            h.update([LEAF_PREFIX]);
            h.update(&data[..len]);
            let want: [u8; HASH_LEN] = h.finalize().into();
            assert_eq!(leaf_hash(&data[..len]), want, "{len}");
        }
    }

    #[test]
    fn node_hash_is_sha256_of_prefix_left_right() {
        for i in 0..64u8 {
            let l = [i; HASH_LEN];
            let r = [i.wrapping_mul(7) ^ 0x5a; HASH_LEN];
            let mut h = Sha256::new();
            h.update([NODE_PREFIX]);
            h.update(l);
            h.update(r);
            let want: [u8; HASH_LEN] = h.finalize().into();
            assert_eq!(node_hash(&l, &r), want);
        }
    }

    #[test]
    fn empty_root_is_sha256_of_nothing() {
        let expected: [u8; HASH_LEN] = Sha256::digest(b"").into();
        assert_eq!(EMPTY_ROOT, expected);
        assert_eq!(root_from_leaf_hashes(&[]), EMPTY_ROOT);
        assert_eq!(MerkleTree::from_leaf_hashes(Vec::new()).root(), EMPTY_ROOT);
    }

    #[test]
    fn path_len_matches_the_walk_near_u64_max() {
        // The closed form must not overflow where `index ^ last` has its top bit set.
        assert_eq!(path_len(0, u64::MAX), 64);
        assert_eq!(path_len(u64::MAX, u64::MAX), 64);
        assert_eq!(path_len(0, 0), 0);
        assert_eq!(path_len(1 << 63, u64::MAX), 64);
    }
}

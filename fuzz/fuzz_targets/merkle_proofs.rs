//! Merkle proof checking with arbitrary proofs, sizes and indices, for RFC 9162 trees
//! (inclusion and consistency) and the reference log's rule (clawlogs), against honest trees
//! so that soundness can be asserted, not only the absence of panics:
//!
//! * RFC 9162 inclusion against an honest root succeeds only for a real leaf's data; a raw
//!   32-byte "leaf hash" can only pass if it is a node of the tree (callers must hash the
//!   leaf data themselves, which is what keeps an inner node from passing as a leaf);
//! * RFC 9162 consistency never links a rewritten history to the honest tree, and the proofs
//!   the tree cuts always verify (as do its inclusion proofs);
//! * clawlogs inclusion against an honest root succeeds only when the leaf and its first
//!   sibling are the two halves of a real parent's input (the rule's documented weakness:
//!   inner nodes and split pairs pass; nothing else does).
#![no_main]
use claw_core::hash::sha256;
use claw_core::merkle::{clawlogs, rfc9162};
use libfuzzer_sys::arbitrary::{Result, Unstructured};
use libfuzzer_sys::fuzz_target;
use std::collections::HashSet;

type Hash = [u8; 32];

fn leaf_data(i: u64, tag: u8) -> Vec<u8> {
    let mut d = vec![tag];
    d.extend_from_slice(&i.to_le_bytes());
    d
}

/// A size or index: mostly near the honest tree, sometimes anywhere in u64.
fn number(u: &mut Unstructured<'_>, n: u64) -> Result<u64> {
    Ok(match u.int_in_range(0u8..=3)? {
        0 => u.int_in_range(0..=n + 2)?,
        1 => u64::MAX - u.int_in_range(0..=3)?,
        2 => 1u64 << u.int_in_range(0..=63)?,
        _ => u.arbitrary()?,
    })
}

fn hashes(u: &mut Unstructured<'_>, base: &[Hash]) -> Result<Vec<Vec<u8>>> {
    // A real proof with some elements replaced, dropped or added, or arbitrary bytes.
    let mut out: Vec<Vec<u8>> = base.iter().map(|h| h.to_vec()).collect();
    for _ in 0..u.int_in_range(0..=4)? {
        match u.int_in_range(0u8..=4)? {
            0 if !out.is_empty() => {
                let i = u.choose_index(out.len())?;
                let bit = u.int_in_range(0..=255usize)?;
                if let Some(b) = out[i].get_mut(bit / 8) {
                    *b ^= 1 << (bit % 8);
                }
            }
            1 if !out.is_empty() => {
                let i = u.choose_index(out.len())?;
                out.remove(i);
            }
            2 => {
                let i = u.int_in_range(0..=out.len())?;
                let len = u.int_in_range(0..=40usize)?;
                out.insert(i, u.bytes(len)?.to_vec());
            }
            3 => {
                let h: Hash = u.arbitrary()?;
                let i = u.int_in_range(0..=out.len())?;
                out.insert(i, h.to_vec());
            }
            _ => out.reverse(),
        }
    }
    Ok(out)
}

fn run(u: &mut Unstructured<'_>) -> Result<()> {
    let n: u64 = u.int_in_range(1..=200)?;
    let tag: u8 = u.arbitrary()?;
    let data: Vec<Vec<u8>> = (0..n).map(|i| leaf_data(i, tag)).collect();
    let tree = rfc9162::MerkleTree::from_leaves(data.iter().map(Vec::as_slice));
    let root = tree.root();

    // Every node of the honest tree, for the raw-hash soundness check.
    let mut nodes: HashSet<Hash> = HashSet::new();
    let mut level: Vec<Hash> = tree.leaf_hashes().to_vec();
    while !level.is_empty() {
        nodes.extend(level.iter().copied());
        if level.len() == 1 {
            break;
        }
        level = level
            .chunks(2)
            .map(|p| {
                if p.len() == 2 {
                    rfc9162::node_hash(&p[0], &p[1])
                } else {
                    p[0]
                }
            })
            .collect();
    }

    match u.int_in_range(0u8..=3)? {
        0 => {
            // Inclusion: a leaf (real, foreign, or a raw hash), any index and size, a
            // mutated real proof.
            let i = u.int_in_range(0..=n - 1)?;
            let real = tree.inclusion_proof(i).expect("index in range");
            assert!(
                rfc9162::verify_inclusion(&tree.leaf_hashes()[i as usize], i, n, &real, &root)
                    .is_ok()
            );
            let proof = hashes(u, &real)?;
            let index = number(u, n)?;
            let size = number(u, n)?;
            let raw: bool = u.arbitrary()?;
            if raw {
                let h: Hash = if u.arbitrary()? {
                    *nodes
                        .iter()
                        .nth(u.choose_index(nodes.len())?)
                        .expect("non-empty")
                } else {
                    u.arbitrary()?
                };
                if rfc9162::verify_inclusion(&h, index, size, &proof, &root).is_ok() {
                    assert!(
                        nodes.contains(&h),
                        "a hash that is no node of the tree was proven"
                    );
                }
            } else {
                let d: Vec<u8> = if u.arbitrary()? {
                    data[u.choose_index(data.len())?].clone()
                } else {
                    u.arbitrary()?
                };
                if rfc9162::verify_inclusion(&rfc9162::leaf_hash(&d), index, size, &proof, &root)
                    .is_ok()
                {
                    assert!(data.contains(&d), "data that is no leaf was proven");
                }
            }
        }
        1 => {
            // Consistency from a rewritten history never verifies; honest proofs always do.
            let m = u.int_in_range(1..=n)?;
            let honest = tree.consistency_proof_between(m, n).expect("m <= n");
            assert!(rfc9162::verify_consistency(
                m,
                n,
                &tree.root_at(m).expect("m"),
                &root,
                &honest
            )
            .is_ok());
            let victim = u.int_in_range(0..=m - 1)? as usize;
            let mut forged_hashes = tree.leaf_hashes().to_vec();
            forged_hashes[victim] = rfc9162::leaf_hash(b"rewritten");
            let forged = rfc9162::MerkleTree::from_leaf_hashes(forged_hashes);
            let base = if u.arbitrary()? {
                forged.consistency_proof_between(m, n).expect("m <= n")
            } else {
                honest
            };
            let proof = hashes(u, &base)?;
            let old = forged.root_at(m).expect("m");
            let size1 = if u.arbitrary()? { m } else { number(u, n)? };
            let size2 = if u.arbitrary()? { n } else { number(u, n)? };
            assert!(
                rfc9162::verify_consistency(size1, size2, &old, &root, &proof).is_err(),
                "a rewritten history was proven consistent"
            );
        }
        2 => {
            // Arbitrary everything: no panics; generation at arbitrary sizes; what the tree
            // cuts verifies.
            let (a, b) = (number(u, n)?, number(u, n)?);
            if let Ok(p) = tree.inclusion_proof_at(a, b) {
                let leaf = tree.leaf_hashes()[a as usize];
                let r = tree.root_at(b).expect("size accepted for the proof");
                assert!(rfc9162::verify_inclusion(&leaf, a, b, &p, &r).is_ok());
            }
            if let Ok(p) = tree.consistency_proof_between(a, b) {
                if a > 0 {
                    let (r1, r2) = (tree.root_at(a).expect("a"), tree.root_at(b).expect("b"));
                    assert!(rfc9162::verify_consistency(a, b, &r1, &r2, &p).is_ok());
                }
            }
            let proof = hashes(u, &[])?;
            let len = u.int_in_range(0..=40usize)?;
            let x = u.bytes(len)?.to_vec();
            let _ = rfc9162::verify_inclusion(&x, a, b, &proof, &root);
            let _ = rfc9162::verify_consistency(a, b, &x, &root, &proof);
            let _ = clawlogs::verify_inclusion(&x, a, b, &proof, &x);
            let _ = clawlogs::audit_path(&proof, a);
            let _ = clawlogs::root(&proof);
        }
        _ => {
            // clawlogs: 32-byte leaves, duplicate-last rule.
            let leaves: Vec<Hash> = data.iter().map(sha256).collect();
            let croot = clawlogs::root(&leaves).expect("non-empty leaves");
            let i = u.int_in_range(0..=n - 1)?;
            let real = clawlogs::audit_path(&leaves, i).expect("index in range");
            assert!(clawlogs::verify_inclusion(&leaves[i as usize], i, n, &real, &croot).is_ok());
            let real32: Vec<Hash> = real
                .iter()
                .map(|h| h.as_slice().try_into().expect("32"))
                .collect();
            let proof = hashes(u, &real32)?;
            let len = u.int_in_range(1..=64usize)?;
            let leaf: Vec<u8> = if u.arbitrary()? {
                leaves[u.choose_index(leaves.len())?].to_vec()
            } else {
                u.bytes(len)?.to_vec()
            };
            let (index, size) = (number(u, n)?, number(u, n)?);
            if clawlogs::verify_inclusion(&leaf, index, size, &proof, &croot).is_ok() {
                // Every parent input of the honest tree, left || right.
                let mut pairs: HashSet<Vec<u8>> = HashSet::new();
                let mut level: Vec<Hash> = leaves.clone();
                while level.len() > 1 {
                    let mut up = Vec::new();
                    for p in level.chunks(2) {
                        let (l, r) = (p[0], *p.last().expect("1 or 2"));
                        pairs.insert([l, r].concat());
                        up.push(sha256([l, r].concat()));
                    }
                    level = up;
                }
                let ok = match proof.first() {
                    None => leaf == croot,
                    Some(s) => {
                        pairs.contains(&[leaf.as_slice(), s].concat())
                            || pairs.contains(&[s.as_slice(), leaf.as_slice()].concat())
                    }
                };
                assert!(
                    ok,
                    "clawlogs proved a leaf that is not half of a real parent input"
                );
            }
        }
    }
    Ok(())
}

fuzz_target!(|data: &[u8]| {
    let _ = run(&mut Unstructured::new(data));
});

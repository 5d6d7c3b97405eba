//! The Merkle module against external vectors and properties:
//!
//! * the 196 transparency-dev/merkle proof-verification vectors (`wantErr` for each);
//! * the RFC 6962 8-leaf Certificate Transparency tree: roots, node hashes and every proof,
//!   which the tree must also *generate* byte for byte;
//! * the clawlogs golden inclusion proof (reference log rule, not RFC 9162);
//! * properties: every proof of every tree up to 300 leaves (and random ones up to 1000)
//!   verifies and fails when anything is changed; consistency catches rewritten history; an
//!   inner node cannot pass as a leaf under RFC 9162; no input panics.

mod common;

use std::collections::BTreeMap;
use std::path::Path;

use proptest::collection::vec;
use proptest::prelude::*;
use serde_json::Value;

use claw_core::merkle::{clawlogs, rfc9162, HashRole, MerkleError, HASH_LEN};

use common::{b64_std_decode, b64url_decode, hex, read_json, shared_json, walk};
use rfc9162::{leaf_hash, node_hash, MerkleTree, EMPTY_ROOT};

type Hash = [u8; HASH_LEN];

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

fn field<'a>(v: &'a Value, key: &str, file: &Path) -> &'a Value {
    v.get(key)
        .unwrap_or_else(|| panic!("{}: no field {key:?}", file.display()))
}

fn u64_field(v: &Value, key: &str, file: &Path) -> u64 {
    field(v, key, file)
        .as_u64()
        .unwrap_or_else(|| panic!("{}: {key:?} is not a u64", file.display()))
}

fn str_field<'a>(v: &'a Value, key: &str, file: &Path) -> &'a str {
    field(v, key, file)
        .as_str()
        .unwrap_or_else(|| panic!("{}: {key:?} is not a string", file.display()))
}

fn array<'a>(v: &'a Value, key: &str, file: &Path) -> &'a [Value] {
    field(v, key, file)
        .as_array()
        .unwrap_or_else(|| panic!("{}: {key:?} is not an array", file.display()))
}

/// A std-base64 proof that may be `null` (Go's nil slice) or an array.
fn b64_proof(v: &Value, file: &Path) -> Vec<Vec<u8>> {
    match field(v, "proof", file) {
        Value::Null => Vec::new(),
        Value::Array(items) => items
            .iter()
            .map(|x| b64_std_decode(x.as_str().expect("proof element is a string")))
            .collect(),
        other => panic!("{}: proof is {other}", file.display()),
    }
}

fn hash_from_hex(s: &str) -> Hash {
    hex(s)
        .try_into()
        .unwrap_or_else(|_| panic!("{s} is not a 32-byte hash"))
}

fn hex_hashes(v: &Value, key: &str, file: &Path) -> Vec<Hash> {
    array(v, key, file)
        .iter()
        .map(|x| hash_from_hex(x.as_str().expect("hash is a hex string")))
        .collect()
}

fn flip_bit(h: &Hash, bit: usize) -> Hash {
    let mut out = *h;
    out[bit / 8 % HASH_LEN] ^= 1 << (bit % 8);
    out
}

/// Distinct leaf data for tests: the leaf number in 8 bytes and a tag, so trees built with
/// different tags share no leaf.
fn leaf_data(i: u64, tag: u8) -> Vec<u8> {
    let mut d = i.to_be_bytes().to_vec();
    d.push(tag);
    d
}

fn tree_of(n: u64, tag: u8) -> MerkleTree {
    MerkleTree::from_leaves((0..n).map(|i| leaf_data(i, tag)))
}

fn vectors_dir(kind: &str) -> std::path::PathBuf {
    common::shared_dir()
        .join("vectors/merkle/transparency-dev-merkle")
        .join(kind)
}

/// Runs `check` on every vector file of `kind`, compares `wantErr`, and returns how many files
/// and how many valid ones there were, with the reason codes seen per file-name mutation.
fn run_transparency_dev(
    kind: &str,
    check: impl Fn(&Value, &Path) -> Result<(), MerkleError>,
) -> (
    usize,
    usize,
    BTreeMap<String, BTreeMap<&'static str, usize>>,
) {
    let mut failures = Vec::new();
    let mut valid = 0;
    let mut codes: BTreeMap<String, BTreeMap<&'static str, usize>> = BTreeMap::new();
    let files = walk(&vectors_dir(kind));
    for file in &files {
        let v = read_json(file);
        let want_err = field(&v, "wantErr", file)
            .as_bool()
            .expect("wantErr is a bool");
        let got = check(&v, file);
        if got.is_err() != want_err {
            failures.push(format!(
                "{}: desc {:?}, wantErr {want_err}, got {got:?}",
                file.display(),
                v.get("desc")
            ));
        }
        if !want_err {
            valid += 1;
        }
        let mutation = file
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or("")
            .split(['-', '@', '['])
            .next()
            .unwrap_or("")
            .to_owned();
        let code = got.err().map_or("OK", |e| e.reason_code());
        *codes.entry(mutation).or_default().entry(code).or_default() += 1;
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    (files.len(), valid, codes)
}

// Straight transcriptions of the recursive definitions in RFC 9162 §2.1.1, §2.1.3.1 and
// §2.1.4.1, as an independent oracle for the iterative code.

fn ref_split(n: usize) -> usize {
    let mut k = 1;
    while k * 2 < n {
        k *= 2;
    }
    k
}

fn ref_mth(d: &[Hash]) -> Hash {
    match d {
        [] => EMPTY_ROOT,
        [one] => *one,
        _ => {
            let k = ref_split(d.len());
            node_hash(&ref_mth(&d[..k]), &ref_mth(&d[k..]))
        }
    }
}

fn ref_path(m: usize, d: &[Hash]) -> Vec<Hash> {
    if d.len() <= 1 {
        return Vec::new();
    }
    let k = ref_split(d.len());
    let (mut p, sibling) = if m < k {
        (ref_path(m, &d[..k]), ref_mth(&d[k..]))
    } else {
        (ref_path(m - k, &d[k..]), ref_mth(&d[..k]))
    };
    p.push(sibling);
    p
}

fn ref_subproof(m: usize, d: &[Hash], whole: bool) -> Vec<Hash> {
    if m == d.len() {
        return if whole { Vec::new() } else { vec![ref_mth(d)] };
    }
    let k = ref_split(d.len());
    let (mut p, sibling) = if m <= k {
        (ref_subproof(m, &d[..k], whole), ref_mth(&d[k..]))
    } else {
        (ref_subproof(m - k, &d[k..], false), ref_mth(&d[..k]))
    };
    p.push(sibling);
    p
}

// ---------------------------------------------------------------------------------------------
// transparency-dev/merkle vectors
// ---------------------------------------------------------------------------------------------

#[test]
fn transparency_dev_inclusion_vectors() {
    let (files, valid, codes) = run_transparency_dev("inclusion", |v, f| {
        rfc9162::verify_inclusion(
            &b64_std_decode(str_field(v, "leafHash", f)),
            u64_field(v, "leafIdx", f),
            u64_field(v, "treeSize", f),
            &b64_proof(v, f),
            &b64_std_decode(str_field(v, "root", f)),
        )
    });
    println!("inclusion reason codes by mutation: {codes:#?}");
    assert_eq!((files, valid), (98, 6));
    // The mutations that change the proof's shape are caught by the length check, before any
    // hashing; a changed bit is caught at the root.
    for (mutation, code) in [
        ("inserted", "MERKLE_PROOF_LENGTH"),
        ("removed", "MERKLE_PROOF_LENGTH"),
        ("preceding", "MERKLE_PROOF_LENGTH"),
        ("trailing", "MERKLE_PROOF_LENGTH"),
        ("modified", "MERKLE_ROOT_MISMATCH"),
        ("wrong", "MERKLE_HASH_LENGTH"),
    ] {
        let seen = &codes[mutation];
        assert_eq!(
            seen.keys().copied().collect::<Vec<_>>(),
            [code],
            "{mutation}"
        );
    }
}

#[test]
fn transparency_dev_consistency_vectors() {
    let (files, valid, codes) = run_transparency_dev("consistency", |v, f| {
        rfc9162::verify_consistency(
            u64_field(v, "size1", f),
            u64_field(v, "size2", f),
            &b64_std_decode(str_field(v, "root1", f)),
            &b64_std_decode(str_field(v, "root2", f)),
            &b64_proof(v, f),
        )
    });
    println!("consistency reason codes by mutation: {codes:#?}");
    assert_eq!((files, valid), (98, 6));
    for (mutation, code) in [
        ("truncated", "MERKLE_PROOF_LENGTH"),
        ("trailing", "MERKLE_PROOF_LENGTH"),
        ("empty", "MERKLE_PROOF_LENGTH"),
    ] {
        let seen = &codes[mutation];
        assert_eq!(
            seen.keys().copied().collect::<Vec<_>>(),
            [code],
            "{mutation}"
        );
    }
}

/// The four transparency-dev rules that go beyond the bare RFC loops, each pinned to its error.
#[test]
fn transparency_dev_rules_give_precise_errors() {
    let any_hash = [7u8; HASH_LEN];
    let no_proof: &[Hash] = &[];
    // Rule 1: the leaf hash must be 32 bytes, even where the RFC loop would accept it.
    assert_eq!(
        rfc9162::verify_inclusion(b"", 0, 1, no_proof, b""),
        Err(MerkleError::BadHashLength {
            role: HashRole::Leaf,
            got: 0
        })
    );
    // Rule 2: consistency from size 0 always fails, even to size 0 with equal roots.
    assert_eq!(
        rfc9162::verify_consistency(0, 5, &EMPTY_ROOT, &any_hash, no_proof),
        Err(MerkleError::SizeZero)
    );
    assert_eq!(
        rfc9162::verify_consistency(0, 0, &EMPTY_ROOT, &EMPTY_ROOT, no_proof),
        Err(MerkleError::SizeZero)
    );
    // Rule 3: equal sizes need an empty proof, and then the roots are compared as raw bytes.
    assert_eq!(
        rfc9162::verify_consistency(3, 3, b"don't care", b"don't care", no_proof),
        Ok(())
    );
    assert_eq!(
        rfc9162::verify_consistency(3, 3, &any_hash, &any_hash, &[any_hash]),
        Err(MerkleError::WrongProofLength {
            expected: 0,
            got: 1
        })
    );
    assert_eq!(
        rfc9162::verify_consistency(3, 3, &any_hash, &EMPTY_ROOT, no_proof),
        Err(MerkleError::RootMismatch)
    );
    // Rule 4: a shrinking tree fails, and so does an empty proof between different sizes.
    assert_eq!(
        rfc9162::verify_consistency(4, 3, &any_hash, &any_hash, no_proof),
        Err(MerkleError::InconsistentSizes { size1: 4, size2: 3 })
    );
    assert_eq!(
        rfc9162::verify_consistency(3, 4, &any_hash, &any_hash, no_proof),
        Err(MerkleError::WrongProofLength {
            expected: 3,
            got: 0
        })
    );
}

// ---------------------------------------------------------------------------------------------
// RFC 6962 8-leaf Certificate Transparency tree
// ---------------------------------------------------------------------------------------------

const CT_8LEAVES: &str = "vectors/merkle/rfc6962_ct_8leaves.json";

struct Ct8 {
    v: Value,
    file: std::path::PathBuf,
    tree: MerkleTree,
}

fn ct8() -> Ct8 {
    let file = common::shared_dir().join(CT_8LEAVES);
    let v = shared_json(CT_8LEAVES);
    let leaves: Vec<Vec<u8>> = array(&v, "leaves", &file)
        .iter()
        .map(|x| hex(x.as_str().expect("leaf is hex")))
        .collect();
    let tree = MerkleTree::from_leaves(&leaves);
    Ct8 { v, file, tree }
}

#[test]
fn ct_8leaves_hashes_and_roots() {
    let Ct8 { v, file, tree } = ct8();
    let leaf_hashes = hex_hashes(&v, "leaf_hashes", &file);
    assert_eq!(tree.leaf_hashes(), leaf_hashes.as_slice());
    assert_eq!(tree.len(), 8);

    let levels = array(field(&v, "node_hashes", &file), "levels", &file);
    let mut node_count = 0;
    for (level, nodes) in levels.iter().enumerate() {
        for (j, node) in nodes
            .as_array()
            .expect("level is an array")
            .iter()
            .enumerate()
        {
            let want = hash_from_hex(node.as_str().expect("node is hex"));
            let span = &leaf_hashes[j << level..(j + 1) << level];
            assert_eq!(
                rfc9162::root_from_leaf_hashes(span),
                want,
                "node {level}/{j}"
            );
            assert_eq!(ref_mth(span), want, "node {level}/{j}");
            node_count += 1;
        }
    }
    assert_eq!(node_count, 15);

    let roots = array(&v, "roots", &file);
    assert_eq!(roots.len(), 9);
    for r in roots {
        let size = u64_field(r, "tree_size", &file);
        let want = hash_from_hex(str_field(r, "root", &file));
        let prefix = &leaf_hashes[..size as usize];
        assert_eq!(tree.root_at(size), Ok(want), "size {size}");
        assert_eq!(rfc9162::root_from_leaf_hashes(prefix), want, "size {size}");
        assert_eq!(
            MerkleTree::from_leaf_hashes(prefix.to_vec()).root(),
            want,
            "size {size}"
        );
    }
    assert_eq!(tree.root_at(0), Ok(EMPTY_ROOT));
}

/// Checks every inclusion proof listed under `key`: it verifies, and the tree generates it.
fn check_ct8_inclusion(key: &str, expected_count: usize) {
    let Ct8 { v, file, tree } = ct8();
    let cases = array(&v, key, &file);
    assert_eq!(cases.len(), expected_count);
    for c in cases {
        let index = u64_field(c, "leaf_index", &file);
        let size = u64_field(c, "tree_size", &file);
        let leaf = hash_from_hex(str_field(c, "leaf_hash", &file));
        let root = hash_from_hex(str_field(c, "root", &file));
        let proof = hex_hashes(c, "proof", &file);
        if let Some(one_based) = c.get("leaf_index_1_based_in_source") {
            assert_eq!(one_based.as_u64(), Some(index + 1));
        }
        assert_eq!(
            rfc9162::verify_inclusion(&leaf, index, size, &proof, &root),
            Ok(()),
            "{key} ({index}, {size})"
        );
        assert_eq!(
            tree.inclusion_proof_at(index, size),
            Ok(proof),
            "{key} ({index}, {size})"
        );
        assert_eq!(tree.leaf_hashes()[index as usize], leaf);
        assert_eq!(tree.root_at(size), Ok(root));
    }
}

/// Checks every consistency proof listed under `key`: it verifies, and the tree generates it.
fn check_ct8_consistency(key: &str, expected_count: usize) {
    let Ct8 { v, file, tree } = ct8();
    let cases = array(&v, key, &file);
    assert_eq!(cases.len(), expected_count);
    for c in cases {
        let size1 = u64_field(c, "first_size", &file);
        let size2 = u64_field(c, "second_size", &file);
        let root1 = hash_from_hex(str_field(c, "first_root", &file));
        let root2 = hash_from_hex(str_field(c, "second_root", &file));
        let proof = hex_hashes(c, "proof", &file);
        assert_eq!(
            rfc9162::verify_consistency(size1, size2, &root1, &root2, &proof),
            Ok(()),
            "{key} ({size1}, {size2})"
        );
        assert_eq!(
            tree.consistency_proof_between(size1, size2),
            Ok(proof),
            "{key} ({size1}, {size2})"
        );
        assert_eq!(tree.root_at(size1), Ok(root1));
        assert_eq!(tree.root_at(size2), Ok(root2));
    }
}

#[test]
fn ct_8leaves_published_inclusion_proofs() {
    check_ct8_inclusion("published_inclusion_proofs", 5);
}

#[test]
fn ct_8leaves_all_inclusion_proofs() {
    check_ct8_inclusion("all_inclusion_proofs", 36);
}

#[test]
fn ct_8leaves_published_consistency_proofs() {
    check_ct8_consistency("published_consistency_proofs", 5);
}

#[test]
fn ct_8leaves_all_consistency_proofs() {
    check_ct8_consistency("all_consistency_proofs", 36);
}

#[test]
fn ct_8leaves_whole_tree_shortcuts() {
    let Ct8 { tree, .. } = ct8();
    for i in 0..8 {
        assert_eq!(tree.inclusion_proof(i), tree.inclusion_proof_at(i, 8));
    }
    for m in 1..=8 {
        assert_eq!(
            tree.consistency_proof(m),
            tree.consistency_proof_between(m, 8)
        );
    }
    assert_eq!(tree.root_at(8), Ok(tree.root()));
}

// ---------------------------------------------------------------------------------------------
// clawlogs golden fixture (reference log rule)
// ---------------------------------------------------------------------------------------------

#[test]
fn clawlogs_golden_inclusion_proof() {
    const GOLDEN: &str = "clawsig/fixtures/log_inclusion_proof_golden.v1.json";
    let file = common::shared_dir().join(GOLDEN);
    let v = shared_json(GOLDEN);
    let b64_list = |x: &Value, key: &str| -> Vec<Vec<u8>> {
        array(x, key, &file)
            .iter()
            .map(|s| b64url_decode(s.as_str().expect("base64url string")))
            .collect()
    };
    let leaves = b64_list(&v, "leaves");
    assert_eq!(leaves.len(), 5);
    let proof = field(&v, "proof", &file);
    let leaf = b64url_decode(str_field(proof, "leaf_hash_b64u", &file));
    let index = u64_field(proof, "leaf_index", &file);
    let size = u64_field(proof, "tree_size", &file);
    let path = b64_list(proof, "audit_path");
    let root = b64url_decode(str_field(proof, "root_hash_b64u", &file));

    // The fixture agrees with itself: the target leaf, the signed root and the v1 envelope.
    assert_eq!(
        leaf,
        b64url_decode(str_field(&v, "target_leaf_hash_b64u", &file))
    );
    assert_eq!(leaves[index as usize], leaf);
    let signed = field(&v, "signed_root", &file);
    assert_eq!(
        b64url_decode(str_field(signed, "root_hash_b64u", &file)),
        root
    );
    let v1 = field(&v, "inclusion_proof_v1", &file);
    assert_eq!(u64_field(v1, "tree_size", &file), size);
    assert_eq!(
        u64_field(field(v1, "metadata", &file), "leaf_index", &file),
        index
    );
    assert_eq!(b64_list(v1, "audit_path"), path);
    assert_eq!(b64url_decode(str_field(v1, "root_hash_b64u", &file)), root);

    // The Merkle rule: root from the leaves, the proof verifies, and we generate the same path.
    assert_eq!(clawlogs::root(&leaves), Ok(root.clone()));
    assert_eq!(clawlogs::expected_height(size), 3);
    assert_eq!(
        clawlogs::verify_inclusion(&leaf, index, size, &path, &root),
        Ok(())
    );
    assert_eq!(clawlogs::audit_path(&leaves, index), Ok(path.clone()));

    // Tampering fails, each with its own error.
    assert_eq!(
        clawlogs::verify_inclusion(&leaf, 2, size, &path, &root),
        Err(MerkleError::RootMismatch)
    );
    assert_eq!(
        clawlogs::verify_inclusion(&leaf, 5, size, &path, &root),
        Err(MerkleError::IndexOutOfRange { index: 5, size: 5 })
    );
    assert_eq!(
        clawlogs::verify_inclusion(&leaf, index, 9, &path, &root),
        Err(MerkleError::WrongProofLength {
            expected: 4,
            got: 3
        })
    );
    assert_eq!(
        clawlogs::verify_inclusion(&leaf, index, size, &path[..2], &root),
        Err(MerkleError::WrongProofLength {
            expected: 3,
            got: 2
        })
    );
    assert_eq!(
        clawlogs::verify_inclusion(&leaves[0], index, size, &path, &root),
        Err(MerkleError::RootMismatch)
    );
    assert_eq!(
        clawlogs::verify_inclusion(b"", index, size, &path, &root),
        Err(MerkleError::BadHashLength {
            role: HashRole::Leaf,
            got: 0
        })
    );
    for i in 0..path.len() {
        for bit in [0, 100, 255] {
            let mut bad = path.clone();
            bad[i][bit / 8] ^= 1 << (bit % 8);
            assert_eq!(
                clawlogs::verify_inclusion(&leaf, index, size, &bad, &root),
                Err(MerkleError::RootMismatch),
                "element {i} bit {bit}"
            );
        }
    }
    // The two rules really are different: the same proof means nothing under RFC 9162.
    assert!(rfc9162::verify_inclusion(&leaf, index, size, &path, &root).is_err());
}

#[test]
fn clawlogs_small_trees_and_edge_cases() {
    // Empty and one-leaf trees follow the spec's pseudocode literally.
    let none: &[Vec<u8>] = &[];
    assert_eq!(clawlogs::root(none), Ok(EMPTY_ROOT.to_vec()));
    assert_eq!(clawlogs::root(&[b"x".to_vec()]), Ok(b"x".to_vec()));
    let no_path: &[Vec<u8>] = &[];
    assert_eq!(
        clawlogs::verify_inclusion(b"x", 0, 1, no_path, b"x"),
        Ok(())
    );
    assert_eq!(
        clawlogs::verify_inclusion(b"x", 0, 0, no_path, b"x"),
        Err(MerkleError::IndexOutOfRange { index: 0, size: 0 })
    );
    // Empty leaves are refused wherever they appear.
    assert_eq!(
        clawlogs::root(&[b"a".to_vec(), Vec::new()]),
        Err(MerkleError::BadHashLength {
            role: HashRole::LeafAt(1),
            got: 0
        })
    );
    assert_eq!(
        clawlogs::verify_inclusion(b"a", 0, 2, &[Vec::new()], b"r"),
        Err(MerkleError::BadHashLength {
            role: HashRole::ProofElement(0),
            got: 0
        })
    );
    // Siblings above the leaf level are SHA-256 outputs, so 32 bytes.
    let leaves: Vec<Vec<u8>> = (0..4u8).map(|i| vec![i]).collect();
    let root = clawlogs::root(&leaves).expect("non-empty leaves");
    let mut path = clawlogs::audit_path(&leaves, 0).expect("index in range");
    assert_eq!(
        clawlogs::verify_inclusion(&leaves[0], 0, 4, &path, &root),
        Ok(())
    );
    path[1].push(0);
    assert_eq!(
        clawlogs::verify_inclusion(&leaves[0], 0, 4, &path, &root),
        Err(MerkleError::BadHashLength {
            role: HashRole::ProofElement(1),
            got: 33
        })
    );
    assert_eq!(
        clawlogs::audit_path(&leaves, 4),
        Err(MerkleError::IndexOutOfRange { index: 4, size: 4 })
    );
}

#[test]
fn clawlogs_every_proof_up_to_40_leaves() {
    let all: Vec<Vec<u8>> = (0..40u64)
        .map(|i| leaf_hash(&leaf_data(i, 9)).to_vec())
        .collect();
    let other = leaf_hash(b"not in the tree");
    for n in 1..=40usize {
        let leaves = &all[..n];
        let root = clawlogs::root(leaves).expect("non-empty leaves");
        let size = n as u64;
        for i in 0..size {
            let leaf = &leaves[i as usize];
            let path = clawlogs::audit_path(leaves, i).expect("index in range");
            assert_eq!(
                path.len(),
                clawlogs::expected_height(size) as usize,
                "({i}, {n})"
            );
            assert_eq!(
                clawlogs::verify_inclusion(leaf, i, size, &path, &root),
                Ok(()),
                "({i}, {n})"
            );
            for j in (0..size).filter(|&j| j != i) {
                assert!(
                    clawlogs::verify_inclusion(leaf, j, size, &path, &root).is_err(),
                    "({i}, {n}) as index {j}"
                );
            }
            assert!(clawlogs::verify_inclusion(&other, i, size, &path, &root).is_err());
            for k in 0..path.len() {
                let mut bad = path.clone();
                bad[k][(i as usize + k) % HASH_LEN] ^= 0x80;
                assert!(
                    clawlogs::verify_inclusion(leaf, i, size, &bad, &root).is_err(),
                    "({i}, {n}) element {k}"
                );
            }
            // A size of another height is refused; a size of the same height is not, because
            // the rule binds only the height (see the module documentation).
            let h = clawlogs::expected_height(size);
            for s in (i + 1)..=70 {
                let r = clawlogs::verify_inclusion(leaf, i, s, &path, &root);
                assert_eq!(
                    r.is_ok(),
                    clawlogs::expected_height(s) == h,
                    "({i}, {n}) as size {s}"
                );
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// RFC 9162 properties
// ---------------------------------------------------------------------------------------------

#[test]
fn roots_agree_with_the_recursive_definition() {
    let tree = tree_of(300, 1);
    let hashes = tree.leaf_hashes();
    for n in 0..=300usize {
        let want = ref_mth(&hashes[..n]);
        assert_eq!(
            rfc9162::root_from_leaf_hashes(&hashes[..n]),
            want,
            "size {n}"
        );
        assert_eq!(tree.root_at(n as u64), Ok(want), "size {n}");
    }
    assert_eq!(
        MerkleTree::from_leaf_hashes(hashes[..77].to_vec()).root(),
        ref_mth(&hashes[..77])
    );
}

#[test]
fn proofs_agree_with_the_recursive_definition() {
    let tree = tree_of(64, 2);
    let hashes = tree.leaf_hashes();
    for n in 1..=64usize {
        for i in 0..n {
            assert_eq!(
                tree.inclusion_proof_at(i as u64, n as u64),
                Ok(ref_path(i, &hashes[..n])),
                "inclusion ({i}, {n})"
            );
        }
        for m in 1..=n {
            assert_eq!(
                tree.consistency_proof_between(m as u64, n as u64),
                Ok(ref_subproof(m, &hashes[..n], true)),
                "consistency ({m}, {n})"
            );
        }
    }
}

/// For every size up to 300 and every leaf: the proof verifies, and fails for another index,
/// another size (with that size's root), another leaf, and one flipped bit. Up to 40 leaves
/// "another" means every other index and every other size; above that, one of each per leaf
/// (chosen to vary), which keeps the unoptimised test build fast.
#[test]
fn every_inclusion_proof_up_to_300_leaves() {
    const MAX: u64 = 300;
    const EXHAUSTIVE: u64 = 40;
    let tree = tree_of(MAX + 1, 3);
    let roots: Vec<Hash> = (0..=MAX + 1)
        .map(|n| tree.root_at(n).expect("size within the tree"))
        .collect();
    let stranger = leaf_hash(b"never appended");
    let mut verified = 0u64;
    let mut rejected = 0u64;
    for n in 1..=MAX {
        let root = roots[n as usize];
        for i in 0..n {
            let leaf = tree.leaf_hashes()[i as usize];
            let proof = tree.inclusion_proof_at(i, n).expect("index in range");
            assert_eq!(
                rfc9162::verify_inclusion(&leaf, i, n, &proof, &root),
                Ok(()),
                "({i}, {n})"
            );
            verified += 1;

            let other_indexes: Vec<u64> = if n <= EXHAUSTIVE {
                (0..n).filter(|&j| j != i).collect()
            } else {
                // Alternately a neighbour (one bit differs) and a far index.
                [if i % 2 == 0 { i ^ 1 } else { n - 1 - i }]
                    .into_iter()
                    .filter(|&j| j != i && j < n)
                    .collect()
            };
            for j in other_indexes {
                assert!(
                    rfc9162::verify_inclusion(&leaf, j, n, &proof, &root).is_err(),
                    "({i}, {n}) as index {j}"
                );
                rejected += 1;
            }
            let other_sizes: Vec<u64> = if n <= EXHAUSTIVE {
                (i + 1..=EXHAUSTIVE + 1).filter(|&s| s != n).collect()
            } else {
                [if (i + n) % 2 == 0 { n + 1 } else { n - 1 }]
                    .into_iter()
                    .filter(|&s| s > i && s <= MAX + 1)
                    .collect()
            };
            for s in other_sizes {
                assert!(
                    rfc9162::verify_inclusion(&leaf, i, s, &proof, &roots[s as usize]).is_err(),
                    "({i}, {n}) as size {s}"
                );
                rejected += 1;
            }
            assert_eq!(
                rfc9162::verify_inclusion(&stranger, i, n, &proof, &root),
                Err(MerkleError::RootMismatch)
            );
            if !proof.is_empty() {
                // One flipped bit in one element, a different element and bit each time.
                let k = (i as usize * 7 + n as usize) % proof.len();
                let mut bad = proof.clone();
                bad[k] = flip_bit(&bad[k], i as usize * 31 + n as usize);
                assert_eq!(
                    rfc9162::verify_inclusion(&leaf, i, n, &bad, &root),
                    Err(MerkleError::RootMismatch),
                    "({i}, {n}) element {k}"
                );
            }
        }
    }
    assert_eq!(verified, MAX * (MAX + 1) / 2);
    println!("{verified} proofs verified, {rejected} index/size substitutions rejected");
}

/// Every leaf of every tree size up to 1,000 (500,500 proofs) verifies. What must fail
/// (every other index, every other size with its root, every other leaf) is checked
/// exhaustively for sampled proofs by `a_proof_fails_for_every_other_index_and_size` below,
/// and for one substitution of each per proof up to 300 leaves above; doing all of it for
/// all 500,500 proofs would cost minutes in the unoptimised test build.
#[test]
fn every_inclusion_proof_up_to_1000_leaves() {
    const MAX: u64 = 1000;
    let tree = tree_of(MAX, 6);
    let mut verified = 0u64;
    for n in 1..=MAX {
        let root = tree.root_at(n).expect("size within the tree");
        for i in 0..n {
            let leaf = tree.leaf_hashes()[i as usize];
            let proof = tree.inclusion_proof_at(i, n).expect("index in range");
            assert_eq!(
                rfc9162::verify_inclusion(&leaf, i, n, &proof, &root),
                Ok(()),
                "({i}, {n})"
            );
            verified += 1;
        }
    }
    assert_eq!(verified, MAX * (MAX + 1) / 2);
}

/// For every bit of every element of every proof up to 16 leaves: the flip is caught.
#[test]
fn every_flipped_bit_is_caught_up_to_16_leaves() {
    let tree = tree_of(16, 4);
    for n in 1..=16u64 {
        let root = tree.root_at(n).expect("size within the tree");
        for i in 0..n {
            let leaf = tree.leaf_hashes()[i as usize];
            let proof = tree.inclusion_proof_at(i, n).expect("index in range");
            for k in 0..proof.len() {
                for bit in 0..HASH_LEN * 8 {
                    let mut bad = proof.clone();
                    bad[k] = flip_bit(&bad[k], bit);
                    assert!(rfc9162::verify_inclusion(&leaf, i, n, &bad, &root).is_err());
                }
            }
        }
    }
}

/// Every consistency proof up to 64 leaves verifies; it fails when either size is changed
/// (with the matching root), when a bit of it flips, and when any leaf of the old tree was
/// rewritten in the new tree, whichever side the rewritten tree is on.
#[test]
fn every_consistency_proof_up_to_64_leaves_and_rewritten_history() {
    const MAX: u64 = 64;
    let tree = tree_of(MAX, 5);
    let roots: Vec<Hash> = (0..=MAX).map(|n| tree.root_at(n).expect("size")).collect();
    for n in 1..=MAX {
        for m in 1..=n {
            let proof = tree.consistency_proof_between(m, n).expect("m <= n");
            let (r1, r2) = (roots[m as usize], roots[n as usize]);
            assert_eq!(
                rfc9162::verify_consistency(m, n, &r1, &r2, &proof),
                Ok(()),
                "({m}, {n})"
            );
            for m2 in [m - 1, m + 1] {
                if m2 != 0 && m2 <= n {
                    assert!(
                        rfc9162::verify_consistency(m2, n, &roots[m2 as usize], &r2, &proof)
                            .is_err(),
                        "({m}, {n}) as ({m2}, {n})"
                    );
                }
            }
            for n2 in [n - 1, n + 1] {
                if n2 >= m && n2 != n && n2 <= MAX {
                    assert!(
                        rfc9162::verify_consistency(m, n2, &r1, &roots[n2 as usize], &proof)
                            .is_err(),
                        "({m}, {n}) as ({m}, {n2})"
                    );
                }
            }
            for k in 0..proof.len() {
                let mut bad = proof.clone();
                bad[k] = flip_bit(&bad[k], (m * 13 + n) as usize);
                assert!(
                    rfc9162::verify_consistency(m, n, &r1, &r2, &bad).is_err(),
                    "({m}, {n}) element {k}"
                );
            }
        }
    }

    // Rewritten history: the log replaces old leaf `j` and proves consistency from the new
    // tree; checked against the genuine old root it must fail, and vice versa.
    let genuine_proofs: BTreeMap<(u64, u64), Vec<Hash>> = (1..=MAX)
        .flat_map(|n| (1..=n).map(move |m| (m, n)))
        .map(|(m, n)| {
            (
                (m, n),
                tree.consistency_proof_between(m, n).expect("m <= n"),
            )
        })
        .collect();
    for j in 0..MAX {
        let mut hashes = tree.leaf_hashes().to_vec();
        hashes[j as usize] = leaf_hash(b"rewritten");
        let forged = MerkleTree::from_leaf_hashes(hashes);
        for m in (j + 1)..=MAX {
            let forged_old = forged.root_at(m).expect("size");
            for n in m..=MAX {
                let forged_new = forged.root_at(n).expect("size");
                let forged_proof = forged.consistency_proof_between(m, n).expect("m <= n");
                let result = rfc9162::verify_consistency(
                    m,
                    n,
                    &roots[m as usize],
                    &forged_new,
                    &forged_proof,
                );
                // For a power-of-two old size the old root is the walk's starting point, not
                // something it recomputes, so the forgery surfaces at the new root.
                let want = if m == n || m.is_power_of_two() {
                    MerkleError::RootMismatch
                } else {
                    MerkleError::OldRootMismatch
                };
                assert_eq!(result, Err(want.clone()), "leaf {j}, ({m}, {n})");
                let result = rfc9162::verify_consistency(
                    m,
                    n,
                    &forged_old,
                    &roots[n as usize],
                    &genuine_proofs[&(m, n)],
                );
                assert_eq!(result, Err(want), "leaf {j}, ({m}, {n}) reversed");
            }
        }
    }
}

/// The attack the clawlogs rule is open to fails under RFC 9162: the bytes of an inner node's
/// children, presented as leaf data, hash with the leaf prefix and match nothing.
#[test]
fn inner_node_cannot_pass_as_a_leaf() {
    let tree = tree_of(8, 6);
    let lh = tree.leaf_hashes();
    let n01 = node_hash(&lh[0], &lh[1]);
    let n23 = node_hash(&lh[2], &lh[3]);
    let n4567 = node_hash(&node_hash(&lh[4], &lh[5]), &node_hash(&lh[6], &lh[7]));
    let root = tree.root();
    assert_eq!(node_hash(&node_hash(&n01, &n23), &n4567), root);

    let forged_data = [lh[0], lh[1]].concat();
    let forged_leaf = leaf_hash(&forged_data);
    assert_ne!(forged_leaf, n01);
    // As leaf 0 of a "4-leaf tree" whose leaves are the level-1 nodes: the root does not match.
    assert_eq!(
        rfc9162::verify_inclusion(&forged_leaf, 0, 4, &[n23, n4567], &root),
        Err(MerkleError::RootMismatch)
    );
    // At the checkpoint's real size the shortened path is not even the right length.
    assert_eq!(
        rfc9162::verify_inclusion(&forged_leaf, 0, 8, &[n23, n4567], &root),
        Err(MerkleError::WrongProofLength {
            expected: 3,
            got: 2
        })
    );
    // The inner node's own hash, claimed as a leaf hash at the real size, fails the same way.
    assert!(rfc9162::verify_inclusion(&n01, 0, 8, &[n23, n4567], &root).is_err());
    // The same shape of attack succeeds under the clawlogs rule.
    let claw_leaves: Vec<Hash> = lh.to_vec();
    let claw_root = clawlogs::root(&claw_leaves).expect("non-empty leaves");
    let sha = |a: &Hash, b: &Hash| -> Hash {
        use sha2::Digest;
        sha2::Sha256::new()
            .chain_update(a)
            .chain_update(b)
            .finalize()
            .into()
    };
    let c01 = sha(&lh[0], &lh[1]);
    let c23 = sha(&lh[2], &lh[3]);
    let c4567 = sha(&sha(&lh[4], &lh[5]), &sha(&lh[6], &lh[7]));
    assert_eq!(
        clawlogs::verify_inclusion(&c01, 0, 4, &[c23, c4567], &claw_root),
        Ok(())
    );
}

/// Pins a property callers must know (see `verify_inclusion`'s documentation): a proof does not
/// bind the tree size on its own, only together with a root signed for that size.
#[test]
fn inclusion_proof_alone_does_not_bind_the_size() {
    let tree = tree_of(4, 10);
    let leaf = tree.leaf_hashes()[0];
    let proof3 = tree.inclusion_proof_at(0, 3).expect("index in range");
    let root3 = tree.root_at(3).expect("size");
    assert_eq!(
        rfc9162::verify_inclusion(&leaf, 0, 3, &proof3, &root3),
        Ok(())
    );
    assert_eq!(
        rfc9162::verify_inclusion(&leaf, 0, 4, &proof3, &root3),
        Ok(())
    );
    // With the root that really belongs to size 4, the size-3 proof fails.
    assert_eq!(
        rfc9162::verify_inclusion(&leaf, 0, 4, &proof3, &tree.root()),
        Err(MerkleError::RootMismatch)
    );
}

#[test]
fn generation_errors() {
    let tree = tree_of(5, 7);
    assert_eq!(
        tree.inclusion_proof(5),
        Err(MerkleError::IndexOutOfRange { index: 5, size: 5 })
    );
    assert_eq!(
        tree.inclusion_proof_at(0, 6),
        Err(MerkleError::SizeOutOfRange {
            size: 6,
            available: 5
        })
    );
    assert_eq!(
        tree.inclusion_proof_at(3, 3),
        Err(MerkleError::IndexOutOfRange { index: 3, size: 3 })
    );
    assert_eq!(tree.consistency_proof(0), Err(MerkleError::SizeZero));
    assert_eq!(
        tree.consistency_proof_between(4, 3),
        Err(MerkleError::InconsistentSizes { size1: 4, size2: 3 })
    );
    assert_eq!(
        tree.consistency_proof_between(1, u64::MAX),
        Err(MerkleError::SizeOutOfRange {
            size: u64::MAX,
            available: 5
        })
    );
    assert_eq!(tree.consistency_proof(5), Ok(Vec::new()));
    assert_eq!(
        tree.root_at(6),
        Err(MerkleError::SizeOutOfRange {
            size: 6,
            available: 5
        })
    );
    let empty = MerkleTree::from_leaf_hashes(Vec::new());
    assert!(empty.is_empty());
    assert_eq!(empty.root_at(0), Ok(EMPTY_ROOT));
    assert_eq!(
        empty.inclusion_proof(0),
        Err(MerkleError::IndexOutOfRange { index: 0, size: 0 })
    );
    let debug = format!("{tree:?}");
    assert!(
        debug.starts_with("MerkleTree { len: 5, root: \""),
        "{debug}"
    );
}

// ---------------------------------------------------------------------------------------------
// Hostile input: errors, never panics or overflow
// ---------------------------------------------------------------------------------------------

/// The length a well-formed proof would have, read from the verifier's own error.
fn expected_inclusion_len(index: u64, size: u64) -> Option<usize> {
    match rfc9162::verify_inclusion(
        &[0; HASH_LEN],
        index,
        size,
        &[[0u8; 1]; 200],
        &[0; HASH_LEN],
    ) {
        Err(MerkleError::WrongProofLength { expected, .. }) => Some(expected),
        _ => None,
    }
}

fn expected_consistency_len(size1: u64, size2: u64) -> Option<usize> {
    let r = [0; HASH_LEN];
    match rfc9162::verify_consistency(size1, size2, &r, &r, &[[0u8; 1]; 200]) {
        Err(MerkleError::WrongProofLength { expected, .. }) => Some(expected),
        _ => None,
    }
}

#[test]
fn huge_sizes_and_proofs_are_rejected_cleanly() {
    let h = [0x5a; HASH_LEN];
    let million = vec![h; 1_000_000];
    assert_eq!(
        rfc9162::verify_inclusion(&h, 5, 8, &million, &h),
        Err(MerkleError::WrongProofLength {
            expected: 3,
            got: 1_000_000
        })
    );
    assert_eq!(
        rfc9162::verify_consistency(3, 8, &h, &h, &million),
        Err(MerkleError::WrongProofLength {
            expected: 4,
            got: 1_000_000
        })
    );
    assert_eq!(
        clawlogs::verify_inclusion(&h, 5, 8, &million, &h),
        Err(MerkleError::WrongProofLength {
            expected: 3,
            got: 1_000_000
        })
    );
    // Well-formed lengths at the top of the u64 range walk to the end and fail at the root.
    let cases = [
        (0, u64::MAX),
        (u64::MAX - 1, u64::MAX),
        (1 << 63, u64::MAX),
        ((1 << 63) - 1, 1 << 63),
        (u64::MAX - 2, u64::MAX - 1),
    ];
    for (index, size) in cases {
        let len = expected_inclusion_len(index, size).expect("a length");
        assert!(len <= 128, "({index}, {size}) -> {len}");
        assert_eq!(
            rfc9162::verify_inclusion(&h, index, size, &vec![h; len], &[1; HASH_LEN]),
            Err(MerkleError::RootMismatch),
            "({index}, {size})"
        );
        let len = expected_consistency_len(index.max(1), size).expect("a length");
        assert!(len <= 129, "({index}, {size}) -> {len}");
        let result =
            rfc9162::verify_consistency(index.max(1), size, &h, &[1; HASH_LEN], &vec![h; len]);
        assert!(
            matches!(
                result,
                Err(MerkleError::OldRootMismatch | MerkleError::RootMismatch)
            ),
            "({index}, {size}): {result:?}"
        );
    }
    assert_eq!(
        rfc9162::verify_inclusion(&h, u64::MAX, u64::MAX, &[h; 64], &h),
        Err(MerkleError::IndexOutOfRange {
            index: u64::MAX,
            size: u64::MAX
        })
    );
    assert_eq!(clawlogs::expected_height(u64::MAX), 64);
    assert_eq!(
        clawlogs::verify_inclusion(&h, u64::MAX - 1, u64::MAX, &[h; 64], &h),
        Err(MerkleError::RootMismatch)
    );
}

/// Mostly sizes and indexes at the edges of the u64 range, where shifts and `+ 1` overflow.
fn edgy_u64() -> impl Strategy<Value = u64> {
    prop_oneof![
        0u64..20,
        (0u64..20).prop_map(|d| u64::MAX - d),
        (0u32..64, 0u64..3).prop_map(|(b, d)| (1u64 << b).wrapping_sub(d)),
        (0u32..64, 0u64..3).prop_map(|(b, d)| (1u64 << b).wrapping_add(d)),
        any::<u64>(),
    ]
}

/// Mostly 32-byte values, sometimes any length up to 70.
fn edgy_bytes() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![3 => vec(any::<u8>(), HASH_LEN), 1 => vec(any::<u8>(), 0..70)]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// Random bytes everywhere: every verifier and generator returns, Ok or Err, never panics.
    #[test]
    fn no_input_panics(
        a in edgy_u64(),
        b in edgy_u64(),
        leaf in edgy_bytes(),
        root1 in edgy_bytes(),
        root2 in edgy_bytes(),
        proof in vec(edgy_bytes(), 0..70),
        fill in any::<u8>(),
    ) {
        let _ = rfc9162::verify_inclusion(&leaf, a, b, &proof, &root1);
        let _ = rfc9162::verify_consistency(a, b, &root1, &root2, &proof);
        let _ = clawlogs::verify_inclusion(&leaf, a, b, &proof, &root1);
        prop_assert!(clawlogs::expected_height(b) <= 64);
        // The same sizes with a proof of exactly the expected length, so the walk runs.
        if let Some(len) = expected_inclusion_len(a, b) {
            let proof = vec![[fill; HASH_LEN]; len];
            prop_assert!(rfc9162::verify_inclusion(&[fill; HASH_LEN], a, b, &proof, &root1).is_err());
        }
        if let Some(len) = expected_consistency_len(a, b) {
            let proof = vec![[fill; HASH_LEN]; len];
            let r = [fill; HASH_LEN];
            let result = rfc9162::verify_consistency(a, b, &r, &root2, &proof);
            prop_assert!(result.is_err(), "{:?}", result);
        }
        let tree = tree_of(17, 8);
        let _ = tree.inclusion_proof_at(a, b);
        let _ = tree.inclusion_proof(a);
        let _ = tree.consistency_proof_between(a, b);
        let _ = tree.consistency_proof(a);
        let _ = tree.root_at(b);
        let leaves: Vec<Vec<u8>> = proof.clone();
        let _ = clawlogs::root(&leaves);
        let _ = clawlogs::audit_path(&leaves, a);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Random trees up to 1000 leaves: a random leaf's proof verifies, and fails for another
    /// index, another size (with its root), another leaf and a flipped bit.
    #[test]
    fn random_inclusion_up_to_1000(
        n in 1u64..=1000,
        pick in any::<u64>(),
        other in any::<u64>(),
        bit in 0usize..256,
        tag in any::<u8>(),
    ) {
        let tree = tree_of(n + 1, tag);
        let i = pick % n;
        let root = tree.root_at(n).expect("size within the tree");
        let leaf = tree.leaf_hashes()[i as usize];
        let proof = tree.inclusion_proof_at(i, n).expect("index in range");
        prop_assert_eq!(rfc9162::verify_inclusion(&leaf, i, n, &proof, &root), Ok(()));
        let j = other % n;
        if j != i {
            prop_assert!(rfc9162::verify_inclusion(&leaf, j, n, &proof, &root).is_err());
        }
        let s = other % (n + 1) + 1;
        if s != n && s > i {
            let other_root = tree.root_at(s).expect("size within the tree");
            prop_assert!(rfc9162::verify_inclusion(&leaf, i, s, &proof, &other_root).is_err());
        }
        let stranger = leaf_hash(&leaf_data(n + 1, tag));
        prop_assert!(rfc9162::verify_inclusion(&stranger, i, n, &proof, &root).is_err());
        if !proof.is_empty() {
            let k = (other as usize) % proof.len();
            let mut bad = proof.clone();
            bad[k] = flip_bit(&bad[k], bit);
            prop_assert_eq!(
                rfc9162::verify_inclusion(&leaf, i, n, &bad, &root),
                Err(MerkleError::RootMismatch)
            );
        }
    }

    /// Random consistency proofs up to 1000 leaves verify, and fail when an old leaf changes.
    #[test]
    fn random_consistency_up_to_1000(
        n in 1u64..=1000,
        pick in any::<u64>(),
        victim in any::<u64>(),
        tag in any::<u8>(),
    ) {
        let tree = tree_of(n, tag);
        let m = pick % n + 1;
        let proof = tree.consistency_proof_between(m, n).expect("m <= n");
        let r1 = tree.root_at(m).expect("size");
        let r2 = tree.root();
        prop_assert_eq!(rfc9162::verify_consistency(m, n, &r1, &r2, &proof), Ok(()));
        let mut hashes = tree.leaf_hashes().to_vec();
        hashes[(victim % m) as usize] = leaf_hash(b"rewritten");
        let forged = MerkleTree::from_leaf_hashes(hashes);
        let forged_proof = forged.consistency_proof_between(m, n).expect("m <= n");
        prop_assert!(
            rfc9162::verify_consistency(m, n, &r1, &forged.root(), &forged_proof).is_err()
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// A random proof from a tree of up to 1,000 leaves fails for *every* other index of its
    /// tree, for *every* other size up to 1,001 (each with its own root), for every other
    /// leaf of the tree, and for the same leaf under every other tree's root.
    #[test]
    fn a_proof_fails_for_every_other_index_and_size(
        n in 1u64..=1000,
        pick in any::<u64>(),
        tag in any::<u8>(),
    ) {
        const TOP: u64 = 1001;
        let tree = tree_of(TOP, tag);
        let i = pick % n;
        let root = tree.root_at(n).expect("size");
        let leaf = tree.leaf_hashes()[i as usize];
        let proof = tree.inclusion_proof_at(i, n).expect("index in range");
        prop_assert_eq!(rfc9162::verify_inclusion(&leaf, i, n, &proof, &root), Ok(()));
        for j in (0..n).filter(|&j| j != i) {
            prop_assert!(rfc9162::verify_inclusion(&leaf, j, n, &proof, &root).is_err(), "index {}", j);
            let other = tree.leaf_hashes()[j as usize];
            prop_assert!(rfc9162::verify_inclusion(&other, i, n, &proof, &root).is_err(), "leaf {}", j);
        }
        for s in (i + 1..=TOP).filter(|&s| s != n) {
            let other_root = tree.root_at(s).expect("size");
            prop_assert!(rfc9162::verify_inclusion(&leaf, i, s, &proof, &other_root).is_err(), "size {}", s);
            prop_assert!(rfc9162::verify_inclusion(&leaf, i, n, &proof, &other_root).is_err(), "root of {}", s);
        }
    }
}

/// The test-only decoders the vectors are read with.
#[test]
fn vector_decoders_read_known_values() {
    assert_eq!(b64_std_decode(""), b"");
    assert_eq!(b64_std_decode("V3JvbmdSb290"), b"WrongRoot");
    assert_eq!(b64_std_decode("ZG9uJ3QgY2FyZSAy"), b"don't care 2");
    assert_eq!(b64_std_decode("+/8="), [0xfb, 0xff]);
    assert_eq!(b64url_decode("-_8"), [0xfb, 0xff]);
    assert_eq!(hex("00ff10"), [0x00, 0xff, 0x10]);
    assert_eq!(
        b64_std_decode("47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="),
        EMPTY_ROOT
    );
}

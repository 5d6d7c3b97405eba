package claw

/*
#include "claw.h"
*/
import "C"

import (
	"runtime"
	"unsafe"
)

// Hash is a 32-byte SHA-256 Merkle hash.
type Hash = [32]byte

func hashesBytes(hs []Hash) (*C.uint8_t, C.size_t) {
	if len(hs) == 0 {
		return nil, 0
	}
	return (*C.uint8_t)(unsafe.Pointer(&hs[0][0])), C.size_t(len(hs) * 32)
}

func proofHashes(buf []byte, n C.size_t) []Hash {
	out := make([]Hash, int(n)/32)
	for i := range out {
		copy(out[i][:], buf[i*32:])
	}
	return out
}

// MerkleLeafHash is the RFC 9162 leaf hash SHA-256(0x00 || data).
func MerkleLeafHash(data []byte) (Hash, error) {
	var h Hash
	p, n := cbytes(data)
	var e C.claw_error
	rc := C.claw_merkle_leaf_hash((*C.uint8_t)(unsafe.Pointer(p)), n, (*C.uint8_t)(unsafe.Pointer(&h[0])), &e)
	runtime.KeepAlive(data)
	return h, check(rc, &e)
}

// MerkleRoot is the RFC 9162 root of the tree with these leaf hashes.
func MerkleRoot(leafHashes []Hash) (Hash, error) {
	var h Hash
	p, n := hashesBytes(leafHashes)
	var e C.claw_error
	rc := C.claw_merkle_root(p, n, (*C.uint8_t)(unsafe.Pointer(&h[0])), &e)
	runtime.KeepAlive(leafHashes)
	return h, check(rc, &e)
}

// MerkleInclusionProof is the RFC 9162 inclusion proof of leaf index in the tree of the
// first treeSize leaf hashes (0: all of them).
func MerkleInclusionProof(leafHashes []Hash, index, treeSize uint64) ([]Hash, error) {
	buf := make([]byte, C.CLAW_MERKLE_MAX_PROOF_LEN)
	p, n := hashesBytes(leafHashes)
	var outLen C.size_t
	var e C.claw_error
	rc := C.claw_merkle_inclusion_proof(p, n, C.uint64_t(index), C.uint64_t(treeSize),
		(*C.uint8_t)(unsafe.Pointer(&buf[0])), C.size_t(len(buf)), &outLen, &e)
	runtime.KeepAlive(leafHashes)
	if err := check(rc, &e); err != nil {
		return nil, err
	}
	return proofHashes(buf, outLen), nil
}

// MerkleConsistencyProof is the RFC 9162 consistency proof from the tree of the first
// oldSize leaf hashes to the tree of all of them.
func MerkleConsistencyProof(leafHashes []Hash, oldSize uint64) ([]Hash, error) {
	buf := make([]byte, C.CLAW_MERKLE_MAX_PROOF_LEN)
	p, n := hashesBytes(leafHashes)
	var outLen C.size_t
	var e C.claw_error
	rc := C.claw_merkle_consistency_proof(p, n, C.uint64_t(oldSize),
		(*C.uint8_t)(unsafe.Pointer(&buf[0])), C.size_t(len(buf)), &outLen, &e)
	runtime.KeepAlive(leafHashes)
	if err := check(rc, &e); err != nil {
		return nil, err
	}
	return proofHashes(buf, outLen), nil
}

// MerkleVerifyInclusion checks an RFC 9162 inclusion proof; nil means it verifies.
func MerkleVerifyInclusion(leafHash Hash, index, treeSize uint64, proof []Hash, root Hash) error {
	p, n := hashesBytes(proof)
	var e C.claw_error
	rc := C.claw_merkle_verify_inclusion((*C.uint8_t)(unsafe.Pointer(&leafHash[0])), C.uint64_t(index),
		C.uint64_t(treeSize), p, n, (*C.uint8_t)(unsafe.Pointer(&root[0])), &e)
	runtime.KeepAlive(proof)
	return check(rc, &e)
}

// MerkleVerifyConsistency checks an RFC 9162 consistency proof; nil means it verifies.
func MerkleVerifyConsistency(oldSize, newSize uint64, oldRoot, newRoot Hash, proof []Hash) error {
	p, n := hashesBytes(proof)
	var e C.claw_error
	rc := C.claw_merkle_verify_consistency(C.uint64_t(oldSize), C.uint64_t(newSize),
		(*C.uint8_t)(unsafe.Pointer(&oldRoot[0])), (*C.uint8_t)(unsafe.Pointer(&newRoot[0])), p, n, &e)
	runtime.KeepAlive(proof)
	return check(rc, &e)
}

// ClawlogsVerifyInclusion checks an inclusion proof of the reference transparency log
// (JSON with base64url strings: leaf_hash_b64u, leaf_index, tree_size, audit_path,
// root_hash_b64u). The Merkle part only; the root signature is the caller's.
func ClawlogsVerifyInclusion(proofJSON []byte) error {
	p, n := cbytes(proofJSON)
	var e C.claw_error
	rc := C.claw_merkle_clawlogs_verify_inclusion(p, n, &e)
	runtime.KeepAlive(proofJSON)
	return check(rc, &e)
}

package claw

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

type ctVectors struct {
	Leaves []string `json:"leaves"`
	Roots  []struct {
		TreeSize uint64 `json:"tree_size"`
		Root     string `json:"root"`
	} `json:"roots"`
	Inclusion []struct {
		LeafIndex uint64   `json:"leaf_index"`
		TreeSize  uint64   `json:"tree_size"`
		LeafHash  string   `json:"leaf_hash"`
		Root      string   `json:"root"`
		Proof     []string `json:"proof"`
	} `json:"all_inclusion_proofs"`
	Consistency []struct {
		FirstSize  uint64   `json:"first_size"`
		SecondSize uint64   `json:"second_size"`
		FirstRoot  string   `json:"first_root"`
		SecondRoot string   `json:"second_root"`
		Proof      []string `json:"proof"`
	} `json:"all_consistency_proofs"`
}

func h(t *testing.T, s string) Hash {
	t.Helper()
	var out Hash
	b, err := hex.DecodeString(s)
	if err != nil || len(b) != 32 {
		t.Fatalf("bad hash %q", s)
	}
	copy(out[:], b)
	return out
}

func hs(t *testing.T, ss []string) []Hash {
	out := make([]Hash, len(ss))
	for i, s := range ss {
		out[i] = h(t, s)
	}
	return out
}

func TestMerkleVectors(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(sharedDir(t), "vectors", "merkle", "rfc6962_ct_8leaves.json"))
	if err != nil {
		t.Fatal(err)
	}
	var v ctVectors
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatal(err)
	}
	var leaves []Hash
	for _, l := range v.Leaves {
		data, _ := hex.DecodeString(l)
		lh, err := MerkleLeafHash(data)
		if err != nil {
			t.Fatal(err)
		}
		leaves = append(leaves, lh)
	}
	for _, r := range v.Roots {
		got, err := MerkleRoot(leaves[:r.TreeSize])
		if err != nil || got != h(t, r.Root) {
			t.Fatalf("root of %d: %x %v", r.TreeSize, got, err)
		}
	}
	for _, c := range v.Inclusion {
		proof, err := MerkleInclusionProof(leaves, c.LeafIndex, c.TreeSize)
		if err != nil {
			t.Fatal(err)
		}
		want := hs(t, c.Proof)
		if len(proof) != len(want) {
			t.Fatalf("proof length %d want %d", len(proof), len(want))
		}
		for i := range proof {
			if proof[i] != want[i] {
				t.Fatalf("proof %d/%d element %d differs", c.LeafIndex, c.TreeSize, i)
			}
		}
		if err := MerkleVerifyInclusion(h(t, c.LeafHash), c.LeafIndex, c.TreeSize, want, h(t, c.Root)); err != nil {
			t.Fatalf("verify %d/%d: %v", c.LeafIndex, c.TreeSize, err)
		}
	}
	for _, c := range v.Consistency {
		if err := MerkleVerifyConsistency(c.FirstSize, c.SecondSize, h(t, c.FirstRoot), h(t, c.SecondRoot), hs(t, c.Proof)); err != nil {
			t.Fatalf("consistency %d->%d: %v", c.FirstSize, c.SecondSize, err)
		}
	}
	root := h(t, v.Roots[8].Root)
	err = MerkleVerifyInclusion(leaves[0], 8, 8, nil, root)
	if !errors.Is(err, ErrMerkle) || ReasonCode(err) != "MERKLE_INDEX_OUT_OF_RANGE" {
		t.Fatalf("out of range: %v", err)
	}
}

func TestClawlogsGolden(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(sharedDir(t), "clawsig", "fixtures", "log_inclusion_proof_golden.v1.json"))
	if err != nil {
		t.Fatal(err)
	}
	var g struct {
		Proof json.RawMessage `json:"proof"`
	}
	if err := json.Unmarshal(raw, &g); err != nil {
		t.Fatal(err)
	}
	if err := ClawlogsVerifyInclusion(g.Proof); err != nil {
		t.Fatal(err)
	}
	if err := ClawlogsVerifyInclusion([]byte(`{}`)); ReasonCode(err) != "MALFORMED_PROOF" {
		t.Fatalf("empty proof: %v", err)
	}
}

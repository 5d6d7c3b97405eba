package claw

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// The aggregate vectors are valid until 2026-03-31 (as claw-core/tests/evidence_conformance.rs).
var aggregateNow = time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)

func conformanceFile(t *testing.T, rel string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(sharedDir(t), "clawsig", "fixtures", "protocol-conformance", rel))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Every commit_sig and aggregate_bundle vector of the shared manifest gets its expected verdict.
func TestVerifyConformanceManifest(t *testing.T) {
	var manifest struct {
		Vectors []struct {
			Name     string `json:"name"`
			Kind     string `json:"kind"`
			Path     string `json:"path"`
			Expected struct {
				Valid      bool            `json:"valid"`
				ReasonCode json.RawMessage `json:"reason_code"`
			} `json:"expected"`
		} `json:"vectors"`
	}
	if err := json.Unmarshal(conformanceFile(t, "manifest.v1.json"), &manifest); err != nil {
		t.Fatal(err)
	}
	config := conformanceFile(t, "clawverify.config.conformance.v1.json")
	seen := map[string]int{}
	for _, v := range manifest.Vectors {
		if v.Kind != "commit_sig" && v.Kind != "aggregate_bundle" {
			continue
		}
		seen[v.Kind]++
		var codes []string
		if err := json.Unmarshal(v.Expected.ReasonCode, &codes); err != nil {
			var one string
			if err := json.Unmarshal(v.Expected.ReasonCode, &one); err != nil {
				t.Fatalf("%s: reason_code %s", v.Name, v.Expected.ReasonCode)
			}
			codes = []string{one}
		}
		rel, ok := strings.CutPrefix(v.Path, "packages/schema/fixtures/")
		if !ok {
			t.Fatalf("%s: path %s", v.Name, v.Path)
		}
		text, err := os.ReadFile(filepath.Join(sharedDir(t), "clawsig", "fixtures", rel))
		if err != nil {
			t.Fatal(err)
		}
		var status, code, kind string
		if v.Kind == "commit_sig" {
			c, err := VerifyCommit(text)
			if (err == nil) != v.Expected.Valid || c == nil {
				t.Errorf("%s: err %v", v.Name, err)
				continue
			}
			if err != nil && !errors.Is(err, &Error{Code: ResultSignature, Reason: c.ReasonCode}) {
				t.Errorf("%s: error %v does not carry the verdict's code", v.Name, err)
			}
			status, code, kind = c.Status, c.ReasonCode, c.Kind
		} else {
			a, err := VerifyAggregate(text, config, aggregateNow)
			if (err == nil) != v.Expected.Valid || a == nil {
				t.Errorf("%s: err %v", v.Name, err)
				continue
			}
			if err != nil && ReasonCode(err) != a.ReasonCode {
				t.Errorf("%s: error %v does not carry the verdict's code", v.Name, err)
			}
			status, code, kind = a.Status, a.ReasonCode, a.Kind
		}
		if !slices.Contains(codes, code) {
			t.Errorf("%s: got %s, want one of %v", v.Name, code, codes)
		}
		if want := map[bool]string{true: "PASS", false: "FAIL"}[v.Expected.Valid]; status != want {
			t.Errorf("%s: status %s", v.Name, status)
		}
		if kind != v.Kind {
			t.Errorf("%s: kind %s", v.Name, kind)
		}
	}
	if seen["commit_sig"] != 5 || seen["aggregate_bundle"] != 9 {
		t.Fatalf("vectors seen: %v", seen)
	}
}

func TestVerifyCommitTamperedAndBadInput(t *testing.T) {
	pass := conformanceFile(t, "commit_sig_pass.v1.json")
	c, err := VerifyCommit(pass)
	if err != nil || c.Form != "message_signature" || c.CommitSHA != "135016bbeda0a95d5745ff9031c1287263ea0a06" {
		t.Fatalf("%+v %v", c, err)
	}
	tampered := bytes.Replace(pass, []byte("14:49:03.328Z"), []byte("14:49:03.329Z"), 1)
	if _, err := VerifyCommit(tampered); ReasonCode(err) != "SIGNATURE_INVALID" || !errors.Is(err, ErrSignature) {
		t.Fatalf("tampered: %v", err)
	}
	for text, code := range map[string]string{
		"not json": "JSON_SYNTAX", "": "JSON_SYNTAX", `{"a":1,"a":2}`: "JSON_DUPLICATE_KEY",
		"{" + strings.Repeat(" ", 64*1024) + "}": "JSON_TOO_LARGE", "[]": "MALFORMED_ENVELOPE",
	} {
		v, err := VerifyCommit([]byte(text))
		if v == nil || v.Status != "FAIL" || ReasonCode(err) != code {
			t.Errorf("%.20q: %+v %v", text, v, err)
		}
	}
	if v, err := VerifyCommit([]byte{0xff}); v != nil || !errors.Is(err, ErrInvalidUTF8) {
		t.Fatalf("not UTF-8: %v", err)
	}
}

func TestVerifyAggregateOptionsTamperedAndBadInput(t *testing.T) {
	golden := conformanceFile(t, "r48-r49-v02/aggregate_bundle/aggregate_pass_golden.v1.json")
	config := conformanceFile(t, "clawverify.config.conformance.v1.json")
	a, err := VerifyAggregate(golden, config, aggregateNow)
	if err != nil || a.AggregateID != "aggregate_r49_pass_golden" || a.Counts.Members != 2 {
		t.Fatalf("%+v %v", a, err)
	}
	// The caller's clock reaches the core; the options' verify_at wins over it.
	late := time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)
	if _, err := VerifyAggregate(golden, config, late); ReasonCode(err) != "EXPIRED_TTL" {
		t.Fatalf("late: %v", err)
	}
	if _, err := VerifyAggregate(golden, []byte(`{"verify_at":"2026-04-01T00:00:00.000Z"}`), aggregateNow); ReasonCode(err) != "EXPIRED_TTL" {
		t.Fatalf("verify_at: %v", err)
	}
	tampered := bytes.Replace(golden, []byte("aggregate_r49_pass_golden"), []byte("aggregate_r49_pass_goldeN"), 1)
	if _, err := VerifyAggregate(tampered, config, aggregateNow); ReasonCode(err) != "HASH_MISMATCH" || !errors.Is(err, ErrBundle) {
		t.Fatalf("tampered: %v", err)
	}
	for _, text := range []string{"not json", "", `{"a":1,"a":2}`, "{}", strings.Repeat("[", 100000)} {
		v, err := VerifyAggregate([]byte(text), nil, aggregateNow)
		if v == nil || v.Status != "FAIL" || !errors.Is(err, ErrBundle) || ReasonCode(err) == "" {
			t.Errorf("%.20q: %+v %v", text, v, err)
		}
	}
	if v, err := VerifyAggregate(golden, []byte(`{"causal_mdoe":"observe"}`), aggregateNow); v != nil || ReasonCode(err) != "CONFIG_ERROR" || !errors.Is(err, ErrInput) {
		t.Fatalf("bad options: %v", err)
	}
	if v, err := VerifyAggregate([]byte{0xff}, nil, aggregateNow); v != nil || !errors.Is(err, ErrInvalidUTF8) {
		t.Fatalf("not UTF-8: %v", err)
	}
}

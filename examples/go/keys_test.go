package claw

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// sharedDir is the shared/ folder beside the project (or $CLAW_SHARED_DIR), found by walking
// up from this package, as the Rust tests do. Missing vectors fail the test loudly.
func sharedDir(t *testing.T) string {
	t.Helper()
	if d := os.Getenv("CLAW_SHARED_DIR"); d != "" {
		return d
	}
	here, err := filepath.Abs(".")
	if err != nil {
		t.Fatal(err)
	}
	for {
		for _, c := range []string{filepath.Join(here, "shared"), filepath.Join(here, "..", "shared")} {
			if st, err := os.Stat(filepath.Join(c, "vectors")); err == nil && st.IsDir() {
				return c
			}
		}
		parent := filepath.Dir(here)
		if parent == here {
			t.Fatal("shared/ vectors not found above examples/go; set CLAW_SHARED_DIR")
		}
		here = parent
	}
}

func TestVersion(t *testing.T) {
	if Version() != CompiledVersion() {
		t.Fatalf("library %s, header %s", Version(), CompiledVersion())
	}
	if ResultPolicy.String() != "CLAW_ERR_POLICY" {
		t.Fatalf("name: %s", ResultPolicy)
	}
}

func TestJCSVectors(t *testing.T) {
	dir := filepath.Join(sharedDir(t), "vectors", "jcs")
	names, err := filepath.Glob(filepath.Join(dir, "input", "*.json"))
	if err != nil || len(names) == 0 {
		t.Fatalf("no JCS vectors: %v", err)
	}
	for _, in := range names {
		input, _ := os.ReadFile(in)
		want, _ := os.ReadFile(filepath.Join(dir, "output", filepath.Base(in)))
		got, err := JCS(input)
		if err != nil {
			t.Fatalf("%s: %v", in, err)
		}
		if got != string(want) {
			t.Errorf("%s:\n got %q\nwant %q", filepath.Base(in), got, want)
		}
	}
}

func TestJCSErrors(t *testing.T) {
	cases := []struct {
		in     string
		code   error
		reason string
	}{
		{`{"a":1,"a":2}`, ErrJSON, "JSON_DUPLICATE_KEY"},
		{`{"a":`, ErrJSON, "JSON_SYNTAX"},
		{"\"\xff\"", ErrInvalidUTF8, "INVALID_UTF8"},
		{``, ErrJSON, "JSON_SYNTAX"},
	}
	for _, c := range cases {
		_, err := JCS([]byte(c.in))
		if !errors.Is(err, c.code) || ReasonCode(err) != c.reason {
			t.Errorf("JCS(%q) = %v, want %v/%s", c.in, err, c.code, c.reason)
		}
		if !errors.Is(err, &Error{Reason: c.reason}) {
			t.Errorf("errors.Is by reason failed for %v", err)
		}
	}
}

func TestKeys(t *testing.T) {
	sk, err := GenerateSigningKey()
	if err != nil {
		t.Fatal(err)
	}
	defer sk.Close()
	jwk, err := sk.JWK()
	if err != nil || !strings.Contains(jwk, `"d":`) {
		t.Fatalf("jwk %q %v", jwk, err)
	}
	sk2, err := SigningKeyFromJWK(jwk)
	if err != nil {
		t.Fatal(err)
	}
	defer sk2.Close()
	pk, err := sk2.Public()
	if err != nil {
		t.Fatal(err)
	}
	defer pk.Close()
	did, err := pk.DID()
	if err != nil || !strings.HasPrefix(did, "did:key:z6Mk") {
		t.Fatalf("did %q %v", did, err)
	}
	pk2, err := VerifyingKeyFromDID(did)
	if err != nil {
		t.Fatal(err)
	}
	pub, _ := pk2.JWK()
	pk2.Close()
	pk2.Close() // repeatable
	if _, err := VerifyingKeyFromJWK(pub); err != nil {
		t.Fatal(err)
	}
	if _, err := VerifyingKeyFromJWK(jwk); !errors.Is(err, ErrKey) {
		t.Fatalf("private JWK as public: %v", err)
	}
	if _, err := VerifyingKeyFromDID("did:web:example.com"); ReasonCode(err) != "INVALID_DID_FORMAT" {
		t.Fatalf("did:web: %v", err)
	}
	// A closed handle is an error value, not a crash.
	if _, err := pk2.DID(); !errors.Is(err, ErrNullArgument) {
		t.Fatalf("closed handle: %v", err)
	}
}

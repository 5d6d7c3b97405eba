package claw

import (
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"strings"
	"testing"
)

func TestApprovalArguments(t *testing.T) {
	// Short arguments: their canonical text, whole.
	shown, err := ApprovalArguments([]byte(`{"path": "/tmp/a.txt", "content": "hi"}`), 0)
	if err != nil || shown != `{"content":"hi","path":"/tmp/a.txt"}` {
		t.Fatalf("shown %q, %v", shown, err)
	}
	// A right-to-left override never reaches the human raw.
	shown, err = ApprovalArguments([]byte(`{"path": "/tmp/\u202etxt.exe"}`), 0)
	if err != nil || strings.ContainsRune(shown, '\u202e') || !strings.Contains(shown, "txt.exe") {
		t.Fatalf("bidi shown %q, %v", shown, err)
	}
	// Long arguments: the beginning, what is hidden, and the hash the approval covers
	// (SHA-256 of the canonical form, computed here with the standard library).
	tail := "rm -rf / # the part a human must not miss"
	args := []byte(`{"cmd":"` + strings.Repeat("echo ok; ", 100) + tail + `"}`)
	canonical, err := JCS(args)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256([]byte(canonical))
	shown, err = ApprovalArguments(args, 300)
	if err != nil {
		t.Fatal(err)
	}
	if len([]rune(shown)) > 300 || strings.Contains(shown, tail) ||
		!strings.Contains(shown, base64.RawURLEncoding.EncodeToString(sum[:])) ||
		!strings.Contains(shown, "more characters not shown") {
		t.Fatalf("long arguments shown as %q", shown)
	}
	// Not strict JSON: refused with the reason.
	_, err = ApprovalArguments([]byte(`{"a":1,"a":2}`), 0)
	if !errors.Is(err, ErrJSON) || ReasonCode(err) != "JSON_DUPLICATE_KEY" {
		t.Fatalf("duplicate keys: %v", err)
	}
}

package claw

import (
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

var now = time.Unix(1770768000, 0)

func strp(s string) *string { return &s }

func issuer(t *testing.T) (*SigningKey, *VerifyingKey, *KeySet) {
	t.Helper()
	sk, err := GenerateSigningKey()
	if err != nil {
		t.Fatal(err)
	}
	pk, err := sk.Public()
	if err != nil {
		t.Fatal(err)
	}
	ks, err := KeySetFromKey(pk, "", time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	return sk, pk, ks
}

const claims = `{"sub":"did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK","aud":["gateway"],"scope":["tool:read"],"mission_id":"job-42"}`

func TestCSTValidate(t *testing.T) {
	sk, pk, ks := issuer(t)
	defer sk.Close()
	defer pk.Close()
	defer ks.Close()
	tok, err := IssueToken(sk, []byte(claims), 5*time.Minute, now, IssueOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(tok.Claims), `"jti":`) {
		t.Fatalf("claims %s", tok.Claims)
	}
	opts := ValidationOptions{Audience: "gateway", Action: "tool:read", Job: strp("job-42")}
	v, err := ValidateToken(tok.Token, ks, opts, now.Add(10*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	if v.KID == "" || !strings.Contains(string(v.Claims), `"mission_id":"job-42"`) {
		t.Fatalf("verified %+v", v)
	}
	cases := []struct {
		opts   ValidationOptions
		at     time.Time
		reason string
	}{
		{opts, now.Add(time.Hour), "TOKEN_EXPIRED"},
		{ValidationOptions{Audience: "other", Action: "tool:read"}, now, "TOKEN_BAD_AUDIENCE"},
		{ValidationOptions{Audience: "gateway", Action: "tool:exec"}, now, "TOKEN_INSUFFICIENT_SCOPE"},
		{ValidationOptions{Audience: "gateway", Action: "tool:read", Job: strp("job-7")}, now, "TOKEN_MISSION_MISMATCH"},
	}
	for _, c := range cases {
		_, err := ValidateToken(tok.Token, ks, c.opts, c.at)
		if !errors.Is(err, ErrToken) || ReasonCode(err) != c.reason {
			t.Errorf("want %s, got %v", c.reason, err)
		}
	}
	// Revocation by token hash and by key.
	revs, _ := NewRevocations()
	defer revs.Close()
	th, _ := TokenHash(tok.Token)
	if err := revs.Revoke(RevokeTokenHash, th); err != nil {
		t.Fatal(err)
	}
	o := opts
	o.Revocations = revs
	if _, err := ValidateToken(tok.Token, ks, o, now); ReasonCode(err) != "TOKEN_REVOKED" {
		t.Fatalf("revoked: %v", err)
	}
	if err := revs.Revoke(RevocationKind(99), "x"); !errors.Is(err, ErrInvalidArgument) {
		t.Fatalf("bad kind: %v", err)
	}
	// Closed handles are errors, not crashes.
	ks2, _ := KeySetFromDIDs(nil)
	ks2.Close()
	if _, err := ValidateToken(tok.Token, ks2, opts, now); !errors.Is(err, ErrNullArgument) {
		t.Fatalf("closed keyset: %v", err)
	}
}

// Of many goroutines presenting one token to one shared replay guard, exactly one passes.
func TestCSTReplayGuardShared(t *testing.T) {
	sk, pk, ks := issuer(t)
	defer sk.Close()
	defer pk.Close()
	defer ks.Close()
	guard, err := NewReplayGuard(1000)
	if err != nil {
		t.Fatal(err)
	}
	defer guard.Close()
	tok, err := IssueToken(sk, []byte(claims), 5*time.Minute, now, IssueOptions{})
	if err != nil {
		t.Fatal(err)
	}
	opts := ValidationOptions{Audience: "gateway", Action: "tool:read", Job: strp("job-42"), Replay: "jti_once_per_job", ReplayGuard: guard}
	var ok, replayed atomic.Int32
	var wg sync.WaitGroup
	for i := 0; i < 16; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := ValidateToken(tok.Token, ks, opts, now)
			switch {
			case err == nil:
				ok.Add(1)
			case ReasonCode(err) == "TOKEN_REPLAYED":
				replayed.Add(1)
			default:
				t.Errorf("unexpected %v", err)
			}
		}()
	}
	wg.Wait()
	if ok.Load() != 1 || replayed.Load() != 15 {
		t.Fatalf("ok %d replayed %d", ok.Load(), replayed.Load())
	}
	if n, _ := guard.Len(); n != 1 {
		t.Fatalf("guard len %d", n)
	}
}

package claw

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

func TestBundleBuildAndVerify(t *testing.T) {
	agent, _ := GenerateSigningKey()
	defer agent.Close()
	gw, _ := GenerateSigningKey()
	defer gw.Close()
	gwPub, _ := gw.Public()
	defer gwPub.Close()
	gwDID, _ := gwPub.DID()
	p := loadPolicy(t)
	defer p.Close()

	rec, err := NewRecorder(agent, "")
	if err != nil {
		t.Fatal(err)
	}
	defer rec.Close()
	t0 := now
	if _, err := rec.RecordEvent("run_start", map[string]string{"task": "demo"}, t0); err != nil {
		t.Fatal(err)
	}
	if _, err := rec.RecordModelCall(gw, "gw-test", ModelCall{Provider: "openai", Model: "gpt-5", Request: "hi",
		Response: "hello", TokensInput: 3, TokensOutput: 5, LatencyMs: 100, TimestampMs: t0.Add(time.Second).UnixMilli()}); err != nil {
		t.Fatal(err)
	}
	d, _ := p.Decide("read", nil, t0)
	if _, err := rec.RecordDecision("tool:execute", "read", d, t0.Add(1100*time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	if _, err := rec.RecordToolCall(ToolCall{ToolName: "read", Args: map[string]string{"path": "a.txt"},
		Result: map[string]bool{"ok": true}, ResultStatus: "success", LatencyMs: 5,
		TimestampMs: t0.Add(1200 * time.Millisecond).UnixMilli()}); err != nil {
		t.Fatal(err)
	}
	if _, err := rec.RecordToolCall(ToolCall{ToolName: "read", ResultStatus: "maybe", TimestampMs: t0.Add(2 * time.Second).UnixMilli()}); !errors.Is(err, ErrBundle) {
		t.Fatalf("bad status: %v", err)
	}
	bundle, pulse, err := rec.Finish(map[string]any{"harness_id": "go-test", "harness_version": "1.0.0"}, t0.Add(3*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(pulse, `"read"`) {
		t.Fatalf("pulse %s", pulse)
	}
	if _, err := rec.RecordEvent("late", map[string]string{}, t0.Add(4*time.Second)); ReasonCode(err) != "RECORDER_FINISHED" {
		t.Fatalf("after finish: %v", err)
	}

	config := []byte(fmt.Sprintf(`{"config_version":"1","allowlists":{"gateway_receipt_signer_dids":[%q]}}`, gwDID))
	v, err := VerifyBundle([]byte(bundle), config, p, t0.Add(5*time.Second))
	if err != nil {
		t.Fatalf("verify: %v (%s)", err, v.Raw)
	}
	if v.Status != "PASS" || v.ProofTier != "gateway" {
		t.Fatalf("verdict %s", v.Raw)
	}
	tampered := strings.Replace(bundle, `"id":"go-test"`, `"id":"go-tesT"`, 1)
	v, err = VerifyBundle([]byte(tampered), config, nil, t0.Add(5*time.Second))
	if !errors.Is(err, ErrBundle) || v == nil || v.Status != "FAIL" {
		t.Fatalf("tampered: %v", err)
	}
	// Replayed against a policy that allows no tool, the tool receipt is a violation.
	none, err := PolicyFromJSON([]byte(`{"policy_version":"2","policy_id":"p","issuer_did":"did:web:example.com","statements":[{"sid":"M","effect":"Allow","actions":["model:invoke"],"resources":["*"]}]}`), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer none.Close()
	if _, err := VerifyBundle([]byte(bundle), config, none, t0.Add(5*time.Second)); ReasonCode(err) != "POLICY_VIOLATION" {
		t.Fatalf("policy replay: %v", err)
	}
	if _, err := VerifyBundle([]byte(bundle), []byte(`{"config_version":"2"}`), nil, now); ReasonCode(err) != "CONFIG_ERROR" {
		t.Fatalf("bad config: %v", err)
	}
	if tp, err := TrustPulseFromBundle([]byte(bundle), config, now, t0); err != nil || !strings.Contains(tp, `"read"`) {
		t.Fatalf("pulse from bundle: %v", err)
	}
	// One document, one verdict: a genuine bundle wrapped beside an invented payload is
	// refused, not read.
	wrapped := `{"envelope":` + bundle + `,"payload":{"agent_did":"did:key:zInvented"}}`
	if _, err := TrustPulseFromBundle([]byte(wrapped), config, now, t0); ReasonCode(err) != "AMBIGUOUS_DOCUMENT" {
		t.Fatalf("ambiguous root: %v", err)
	}
}

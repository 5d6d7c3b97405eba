package claw

import (
	"errors"
	"fmt"
	"os"
	"sync"
	"testing"
	"time"
)

func loadPolicy(t *testing.T) *Policy {
	t.Helper()
	raw, err := os.ReadFile("../testdata/policy.v2.json")
	if err != nil {
		t.Fatal(err)
	}
	p, err := PolicyFromJSON(raw, nil)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestPolicyDecide(t *testing.T) {
	p := loadPolicy(t)
	defer p.Close()
	cases := []struct {
		tool    string
		ctx     map[string]string
		verdict Verdict
		reason  string
		sid     string
	}{
		{"read", nil, Allow, "POLICY_ALLOW", "AllowRead"},
		{"search_web", nil, Allow, "POLICY_ALLOW", "AllowRead"},
		{"exec", nil, Deny, "POLICY_VIOLATION", "DenyShell"},
		{"unknown", nil, Deny, "POLICY_DEFAULT_DENY", ""},
		{"write", nil, ApprovalRequired, "CAPABILITY_REQUIRES_APPROVAL", "AllowWriteWithApproval"},
		{"write", map[string]string{"Request:HasHumanApproval": "true"}, Allow, "POLICY_ALLOW", "AllowWriteWithApproval"},
	}
	for _, c := range cases {
		d, err := p.Decide(c.tool, c.ctx, now)
		if err != nil {
			t.Fatal(err)
		}
		if d.Verdict != c.verdict || d.ReasonCode != c.reason || d.StatementID != c.sid || len(d.PolicyHash) != 43 {
			t.Errorf("%s: %+v", c.tool, d)
		}
	}
	d, err := p.DecideRequest("model:invoke", "gpt-5", nil, now, time.Time{})
	if err != nil || !d.Allowed() {
		t.Fatalf("model: %+v %v", d, err)
	}
	// Overrides.
	if err := p.SetOverrides([]byte(`{"denied_tools":["read"]}`)); err != nil {
		t.Fatal(err)
	}
	if d, _ := p.Decide("read", nil, now); d.Verdict != Deny || d.ReasonCode != "OVERRIDE_TOOL_DENIED" {
		t.Fatalf("override: %+v", d)
	}
	if err := p.SetOverrides([]byte(`{"denied_tools":[1]}`)); !errors.Is(err, ErrPolicy) || ReasonCode(err) != "OVERRIDES_INVALID" {
		t.Fatalf("bad overrides: %v", err)
	}
	info, err := p.Info()
	if err != nil || info.PolicyID != "demo-agent" || string(info.Overrides) == "" {
		t.Fatalf("info %+v %v", info, err)
	}
	if _, err := PolicyFromJSON([]byte(`{"policy_version":"3"}`), nil); ReasonCode(err) != "UNKNOWN_SCHEMA_VERSION" {
		t.Fatalf("v3: %v", err)
	}
}

// A decision reads as allowed only when it is an Allow: a deny comes back with a nil error
// (the call worked), the zero Decision is not an allow, and a failed call returns a decision
// that is not an allow.
func TestDecisionIsNeverAllowedUnlessAllow(t *testing.T) {
	p := loadPolicy(t)
	defer p.Close()
	d, err := p.Decide("exec", nil, now)
	if err != nil || d.Allowed() || d.Verdict == Allow {
		t.Fatalf("deny: %+v %v", d, err)
	}
	if (Decision{}).Allowed() {
		t.Fatal("the zero Decision reads as allowed")
	}
	d, err = p.Decide("read", map[string]string{"a": "x"}, now)
	if err != nil || !d.Allowed() {
		t.Fatalf("read: %+v %v", d, err)
	}
	d, err = p.Decide("read\xff", nil, now)
	if err == nil || d.Allowed() {
		t.Fatalf("failed call: %+v %v", d, err)
	}
}

// ReasonCode sees through wrapping (errors.As), as errors.Is does.
func TestReasonCodeOfAWrappedError(t *testing.T) {
	_, err := PolicyFromJSON([]byte(`{"policy_version":"3"}`), nil)
	wrapped := fmt.Errorf("loading policy: %w", err)
	twice := fmt.Errorf("startup: %w", wrapped)
	for _, e := range []error{err, wrapped, twice} {
		if ReasonCode(e) != "UNKNOWN_SCHEMA_VERSION" || !errors.Is(e, ErrPolicy) {
			t.Fatalf("%v: reason %q", e, ReasonCode(e))
		}
	}
	if ReasonCode(errors.New("other")) != "" || ReasonCode(nil) != "" {
		t.Fatal("a foreign error has a reason code")
	}
}

func TestPolicyEnvelopeAndAuthoring(t *testing.T) {
	raw, _ := os.ReadFile("../testdata/policy.v2.json")
	sk, _ := GenerateSigningKey()
	defer sk.Close()
	pk, _ := sk.Public()
	defer pk.Close()
	did, _ := pk.DID()
	env, err := SignPolicy(raw, sk, now, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	p, err := PolicyFromEnvelope([]byte(env), []string{did}, now, nil)
	if err != nil {
		t.Fatal(err)
	}
	p.Close()
	if _, err := PolicyFromEnvelope([]byte(env), nil, now, nil); !errors.Is(err, ErrEnvelope) || ReasonCode(err) != "SIGNER_NOT_ALLOWED" {
		t.Fatalf("untrusted: %v", err)
	}
	a, _ := os.ReadFile("../testdata/authoring.json")
	wpc, err := CompileAuthoring(a)
	if err != nil {
		t.Fatal(err)
	}
	q, err := PolicyFromJSON([]byte(wpc), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer q.Close()
	// The authoring form sets a run time limit: a decision needs the run's start time.
	if d, _ := q.Decide("git_log", nil, now); d.ReasonCode != "POLICY_DENY_UNRESOLVED_CONTEXT" {
		t.Fatalf("git_log without run start: %+v", d)
	}
	if d, _ := q.DecideRequest("tool:execute", "git_log", nil, now, now.Add(-time.Minute)); !d.Allowed() {
		t.Fatalf("git_log: %+v", d)
	}
	if d, _ := q.DecideRequest("tool:execute", "git_log", nil, now, now.Add(-2*time.Hour)); d.ReasonCode != "POLICY_RUN_TIME_LIMIT_EXCEEDED" {
		t.Fatalf("git_log after the limit: %+v", d)
	}
	if d, _ := q.Decide("shell_exec", nil, now); d.Verdict != Deny {
		t.Fatalf("shell_exec: %+v", d)
	}
}

// Many goroutines decide on one shared policy while another swaps the overrides; run with
// -race by scripts/test-go.sh. Every result is checked: allow or override deny, nothing else.
func TestPolicySharedAcrossGoroutines(t *testing.T) {
	p := loadPolicy(t)
	defer p.Close()
	const workers = 16
	const perWorker = 2000
	var wg sync.WaitGroup
	errs := make(chan error, workers+1)
	stop := make(chan struct{})
	for i := 0; i < workers; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < perWorker; j++ {
				d, err := p.Decide("read", nil, now)
				if err != nil {
					errs <- err
					return
				}
				ok := (d.Verdict == Allow && d.ReasonCode == "POLICY_ALLOW" && d.StatementID == "AllowRead") ||
					(d.Verdict == Deny && d.ReasonCode == "OVERRIDE_TOOL_DENIED" && d.StatementID == "")
				if !ok {
					errs <- errors.New("unexpected decision " + d.ReasonCode)
					return
				}
			}
		}()
	}
	swapped := make(chan struct{})
	go func() {
		defer close(swapped)
		for k := 0; ; k++ {
			select {
			case <-stop:
				return
			default:
			}
			o := `{}`
			if k%2 == 0 {
				o = `{"denied_tools":["read"]}`
			}
			if err := p.SetOverrides([]byte(o)); err != nil {
				errs <- err
				return
			}
		}
	}()
	wg.Wait()
	close(stop)
	<-swapped
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	// After a final swap, every decision sees it.
	if err := p.SetOverrides([]byte(`{"denied_tools":["read"]}`)); err != nil {
		t.Fatal(err)
	}
	if d, _ := p.Decide("read", nil, now); d.ReasonCode != "OVERRIDE_TOOL_DENIED" {
		t.Fatalf("after swap: %+v", d)
	}
}

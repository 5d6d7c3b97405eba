package claw

/*
#include "claw.h"
*/
import "C"

import (
	"encoding/json"
	"runtime"
	"time"
)

// Verdict is the outcome of a decision.
type Verdict uint32

// The claw_decision_code values.
const (
	Allow            Verdict = C.CLAW_DECISION_ALLOW
	Deny             Verdict = C.CLAW_DECISION_DENY
	ApprovalRequired Verdict = C.CLAW_DECISION_APPROVAL_REQUIRED
)

func (v Verdict) String() string {
	switch v {
	case Allow:
		return "allow"
	case Deny:
		return "deny"
	case ApprovalRequired:
		return "approval_required"
	}
	return "unknown"
}

// Decision is the answer to one request.
type Decision struct {
	Verdict     Verdict
	ReasonCode  string // e.g. "POLICY_ALLOW", "POLICY_VIOLATION", "OVERRIDE_TOOL_DENIED"
	StatementID string // the deciding statement's sid, or ""
	PolicyHash  string // policy_hash_b64u of the deciding policy
}

// Allowed reports whether the verdict is Allow.
func (d Decision) Allowed() bool { return d.Verdict == Allow }

// Policy is a compiled Work Policy Contract with swappable incident overrides. Safe for
// concurrent use: many goroutines may Decide while another calls SetOverrides.
type Policy struct {
	ptr *C.claw_policy
}

func newPolicy(p *C.claw_policy) *Policy {
	h := &Policy{ptr: p}
	runtime.SetFinalizer(h, (*Policy).Close)
	return h
}

func parentPtr(parent *Policy) *C.claw_policy {
	if parent == nil {
		return nil
	}
	return parent.ptr
}

// PolicyFromJSON parses, validates, hashes and compiles a WPC (v1 or v2). parent is the
// policy it inherits from, or nil. No signature is checked (see PolicyFromEnvelope).
func PolicyFromJSON(policy []byte, parent *Policy) (*Policy, error) {
	p, n := cbytes(policy)
	var out *C.claw_policy
	var e C.claw_error
	rc := C.claw_policy_from_json(p, n, parentPtr(parent), &out, &e)
	runtime.KeepAlive(policy)
	runtime.KeepAlive(parent)
	if err := check(rc, &e); err != nil {
		return nil, err
	}
	return newPolicy(out), nil
}

// PolicyFromEnvelope verifies a signed WPC envelope (signer among trustedSigners; expiry
// checked when now is non-zero) and compiles its policy.
func PolicyFromEnvelope(envelope []byte, trustedSigners []string, now time.Time, parent *Policy) (*Policy, error) {
	if trustedSigners == nil {
		trustedSigners = []string{}
	}
	signers, _ := json.Marshal(trustedSigners) // []string always marshals
	ep, en := cbytes(envelope)
	sp, sn := cbytes(signers)
	var nowS int64
	if !now.IsZero() {
		nowS = now.Unix()
	}
	var out *C.claw_policy
	var e C.claw_error
	rc := C.claw_policy_from_envelope(ep, en, sp, sn, C.int64_t(nowS), parentPtr(parent), &out, &e)
	runtime.KeepAlive(envelope)
	runtime.KeepAlive(signers)
	runtime.KeepAlive(parent)
	if err := check(rc, &e); err != nil {
		return nil, err
	}
	return newPolicy(out), nil
}

// SignPolicy validates a WPC and signs it into a work_policy_contract envelope (zero
// expiresAt: no expiry).
func SignPolicy(policy []byte, key *SigningKey, issuedAt, expiresAt time.Time) (string, error) {
	p, n := cbytes(policy)
	var exp int64
	if !expiresAt.IsZero() {
		exp = expiresAt.UnixMilli()
	}
	var out *C.char
	var outLen C.size_t
	var e C.claw_error
	rc := C.claw_policy_sign(p, n, key.ptr, C.int64_t(issuedAt.UnixMilli()), C.int64_t(exp), &out, &outLen, &e)
	runtime.KeepAlive(policy)
	runtime.KeepAlive(key)
	if err := check(rc, &e); err != nil {
		return "", err
	}
	return takeStringN(out, outLen), nil
}

// CompileAuthoring turns the glossary's authoring form into a WPC v2 (canonical JSON).
func CompileAuthoring(authoring []byte) (string, error) {
	p, n := cbytes(authoring)
	var out *C.char
	var outLen C.size_t
	var e C.claw_error
	rc := C.claw_policy_compile_authoring(p, n, &out, &outLen, &e)
	runtime.KeepAlive(authoring)
	if err := check(rc, &e); err != nil {
		return "", err
	}
	return takeStringN(out, outLen), nil
}

func contextJSON(ctx map[string]string) ([]byte, error) {
	if len(ctx) == 0 {
		return nil, nil
	}
	return json.Marshal(ctx)
}

func toDecision(d *C.claw_decision) Decision {
	return Decision{
		Verdict:     Verdict(d.decision),
		ReasonCode:  C.GoString(&d.reason_code[0]),
		StatementID: C.GoString(&d.statement_id[0]),
		PolicyHash:  C.GoString(&d.policy_hash[0]),
	}
}

// Decide a tool call (action tool:execute on resource tool) at now, with optional context
// keys (e.g. "Request:HasHumanApproval": "true"). A deny is a Decision, not an error.
func (p *Policy) Decide(tool string, context map[string]string, now time.Time) (Decision, error) {
	cj, err := contextJSON(context)
	if err != nil {
		return Decision{}, err
	}
	tp, tn := cstr(tool)
	cp, cn := cbytes(cj)
	var d C.claw_decision
	var e C.claw_error
	rc := C.claw_policy_decide(p.ptr, tp, tn, cp, cn, C.int64_t(now.Unix()), &d, &e)
	runtime.KeepAlive(p)
	runtime.KeepAlive(tool)
	runtime.KeepAlive(cj)
	if err := check(rc, &e); err != nil {
		return Decision{}, err
	}
	return toDecision(&d), nil
}

// DecideRequest decides any action on a resource; runStartedAt (zero: unknown) feeds the
// policy's run time limit.
func (p *Policy) DecideRequest(action, resource string, context map[string]string, now, runStartedAt time.Time) (Decision, error) {
	cj, err := contextJSON(context)
	if err != nil {
		return Decision{}, err
	}
	ap, an := cstr(action)
	rp, rn := cstr(resource)
	cp, cn := cbytes(cj)
	var started int64
	if !runStartedAt.IsZero() {
		started = runStartedAt.Unix()
	}
	var d C.claw_decision
	var e C.claw_error
	rc := C.claw_policy_decide_request(p.ptr, ap, an, rp, rn, cp, cn, C.int64_t(now.Unix()), C.int64_t(started), &d, &e)
	runtime.KeepAlive(p)
	runtime.KeepAlive(action)
	runtime.KeepAlive(resource)
	runtime.KeepAlive(cj)
	if err := check(rc, &e); err != nil {
		return Decision{}, err
	}
	return toDecision(&d), nil
}

// SetOverrides atomically replaces the incident overrides
// ({"denied_tools":[...],"denied_policy_hashes":[...],"required_policy_hash":"..."}; {} clears).
func (p *Policy) SetOverrides(overrides []byte) error {
	op, on := cbytes(overrides)
	var e C.claw_error
	rc := C.claw_policy_set_overrides(p.ptr, op, on, &e)
	runtime.KeepAlive(p)
	runtime.KeepAlive(overrides)
	return check(rc, &e)
}

// PolicyInfo describes the policy in force.
type PolicyInfo struct {
	PolicyID       string          `json:"policy_id"`
	PolicyHashB64u string          `json:"policy_hash_b64u"`
	PolicyVersion  string          `json:"policy_version"`
	StatementCount int             `json:"statement_count"`
	ChainHashes    []string        `json:"chain_hashes"`
	MissingParent  *string         `json:"missing_parent"`
	Requirements   json.RawMessage `json:"requirements"`
	Overrides      json.RawMessage `json:"overrides"`
}

// Info describes the policy and the overrides in force.
func (p *Policy) Info() (*PolicyInfo, error) {
	var out *C.char
	var outLen C.size_t
	var e C.claw_error
	rc := C.claw_policy_info(p.ptr, &out, &outLen, &e)
	runtime.KeepAlive(p)
	if err := check(rc, &e); err != nil {
		return nil, err
	}
	var info PolicyInfo
	if err := json.Unmarshal([]byte(takeStringN(out, outLen)), &info); err != nil {
		return nil, err
	}
	return &info, nil
}

// Close frees the policy. Safe to call more than once; must not race with other calls.
func (p *Policy) Close() {
	if p.ptr != nil {
		C.claw_policy_free(p.ptr)
		p.ptr = nil
		runtime.SetFinalizer(p, nil)
	}
}

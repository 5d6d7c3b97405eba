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

// Recorder records one run (event chain, receipts, Merkle log) until Finish signs the proof
// bundle. Safe for concurrent use (calls are serialized).
type Recorder struct {
	ptr *C.claw_recorder
}

// NewRecorder starts a run for the agent key (runID "" for a fresh run_<uuid>).
func NewRecorder(agent *SigningKey, runID string) (*Recorder, error) {
	rp, rn := cstr(runID)
	var out *C.claw_recorder
	var e C.claw_error
	rc := C.claw_recorder_new(agent.ptr, rp, rn, &out, &e)
	runtime.KeepAlive(agent)
	runtime.KeepAlive(runID)
	if err := check(rc, &e); err != nil {
		return nil, err
	}
	r := &Recorder{ptr: out}
	runtime.SetFinalizer(r, (*Recorder).Close)
	return r, nil
}

// callJSON marshals a record, calls f with it and returns the string output.
func (r *Recorder) callJSON(record any, f func(p *C.char, n C.size_t, out **C.char, e *C.claw_error) C.claw_result) (string, error) {
	b, err := json.Marshal(record)
	if err != nil {
		return "", err
	}
	p, n := cbytes(b)
	var out *C.char
	var e C.claw_error
	rc := f(p, n, &out, &e)
	runtime.KeepAlive(r)
	runtime.KeepAlive(b)
	if err := check(rc, &e); err != nil {
		return "", err
	}
	return takeString(out), nil
}

// RecordEvent appends an event (its payload is hashed, not stored) and returns its binding.
func (r *Recorder) RecordEvent(eventType string, payload any, at time.Time) (json.RawMessage, error) {
	tp, tn := cstr(eventType)
	s, err := r.callJSON(payload, func(p *C.char, n C.size_t, out **C.char, e *C.claw_error) C.claw_result {
		return C.claw_recorder_record_event(r.ptr, tp, tn, p, n, C.int64_t(at.UnixMilli()), out, e)
	})
	runtime.KeepAlive(eventType)
	return json.RawMessage(s), err
}

// RecordDecision records a policy decision as a policy_decision event.
func (r *Recorder) RecordDecision(action, resource string, d Decision, at time.Time) (json.RawMessage, error) {
	rec := map[string]string{
		"action": action, "resource": resource, "effect": d.Verdict.String(),
		"reason_code": d.ReasonCode, "statement_id": d.StatementID, "policy_hash_b64u": d.PolicyHash,
	}
	s, err := r.callJSON(rec, func(p *C.char, n C.size_t, out **C.char, e *C.claw_error) C.claw_result {
		return C.claw_recorder_record_decision(r.ptr, p, n, C.int64_t(at.UnixMilli()), out, e)
	})
	return json.RawMessage(s), err
}

// ToolCall is one tool invocation (args and result are hashed into the receipt).
type ToolCall struct {
	ToolName     string `json:"tool_name"`
	ToolVersion  string `json:"tool_version,omitempty"`
	Args         any    `json:"args"`
	Result       any    `json:"result"`
	ResultStatus string `json:"result_status"` // success, error or timeout
	LatencyMs    uint64 `json:"latency_ms"`
	TimestampMs  int64  `json:"timestamp_ms"`
}

// RecordToolCall records a tool call and its signed tool receipt; returns the receipt id.
func (r *Recorder) RecordToolCall(c ToolCall) (string, error) {
	return r.callJSON(c, func(p *C.char, n C.size_t, out **C.char, e *C.claw_error) C.claw_result {
		return C.claw_recorder_record_tool_call(r.ptr, p, n, out, e)
	})
}

// RecordSideEffect records a side effect (fields as in claw_recorder_record_side_effect).
func (r *Recorder) RecordSideEffect(effect map[string]any) (string, error) {
	return r.callJSON(effect, func(p *C.char, n C.size_t, out **C.char, e *C.claw_error) C.claw_result {
		return C.claw_recorder_record_side_effect(r.ptr, p, n, out, e)
	})
}

// RecordHumanApproval records an approval or denial (fields as in
// claw_recorder_record_human_approval).
func (r *Recorder) RecordHumanApproval(approval map[string]any) (string, error) {
	return r.callJSON(approval, func(p *C.char, n C.size_t, out **C.char, e *C.claw_error) C.claw_result {
		return C.claw_recorder_record_human_approval(r.ptr, p, n, out, e)
	})
}

// ModelCall is one model call signed by claw's own gateway.
type ModelCall struct {
	Provider     string `json:"provider"`
	Model        string `json:"model"`
	Request      string `json:"request"`
	Response     string `json:"response"`
	TokensInput  uint64 `json:"tokens_input"`
	TokensOutput uint64 `json:"tokens_output"`
	LatencyMs    uint64 `json:"latency_ms"`
	TimestampMs  int64  `json:"timestamp_ms"`
}

// RecordModelCall records a model call and its gateway receipt signed by gatewayKey.
func (r *Recorder) RecordModelCall(gatewayKey *SigningKey, gatewayID string, c ModelCall) (string, error) {
	gp, gn := cstr(gatewayID)
	s, err := r.callJSON(c, func(p *C.char, n C.size_t, out **C.char, e *C.claw_error) C.claw_result {
		return C.claw_recorder_record_model_call(r.ptr, gatewayKey.ptr, gp, gn, p, n, out, e)
	})
	runtime.KeepAlive(gatewayKey)
	runtime.KeepAlive(gatewayID)
	return s, err
}

// Finish signs the proof bundle (options: harness_id, harness_version, ...; nil for the
// defaults) and returns it with its Trust Pulse ("null" when none). The recorder is spent.
func (r *Recorder) Finish(options map[string]any, at time.Time) (bundle string, trustPulse string, err error) {
	var ob []byte
	if options != nil {
		if ob, err = json.Marshal(options); err != nil {
			return "", "", err
		}
	}
	op, on := cbytes(ob)
	var b, tp *C.char
	var bl C.size_t
	var e C.claw_error
	rc := C.claw_recorder_finish(r.ptr, op, on, C.int64_t(at.UnixMilli()), &b, &bl, &tp, &e)
	runtime.KeepAlive(r)
	runtime.KeepAlive(ob)
	if err := check(rc, &e); err != nil {
		return "", "", err
	}
	return takeStringN(b, bl), takeString(tp), nil
}

// Close frees the recorder (an unfinished run is discarded). Safe to call more than once.
func (r *Recorder) Close() {
	if r.ptr != nil {
		C.claw_recorder_free(r.ptr)
		r.ptr = nil
		runtime.SetFinalizer(r, nil)
	}
}

// BundleVerdict is the verifier's verdict (the fields most callers need; Raw has it all).
type BundleVerdict struct {
	Status     string          `json:"status"`
	ReasonCode string          `json:"reason_code"`
	Reason     string          `json:"reason"`
	ProofTier  string          `json:"proof_tier"`
	AgentDID   string          `json:"agent_did"`
	RunID      string          `json:"run_id"`
	Components json.RawMessage `json:"components"`
	Raw        json.RawMessage `json:"-"`
}

// VerifyBundle verifies a proof bundle at now with an optional verifier configuration
// (clawverify format, nil for none) and, when policy is not nil, replays every tool receipt
// against it (a receipt no context could allow fails with POLICY_VIOLATION). An invalid
// bundle returns its verdict AND an *Error (code ResultBundle, the verdict's reason code);
// err == nil means VALID.
func VerifyBundle(bundle []byte, config []byte, policy *Policy, now time.Time) (*BundleVerdict, error) {
	bp, bn := cbytes(bundle)
	cp, cn := cbytes(config)
	var valid C.bool
	var out *C.char
	var outLen C.size_t
	var e C.claw_error
	rc := C.claw_bundle_verify(bp, bn, cp, cn, parentPtr(policy), C.int64_t(now.UnixMilli()), &valid, &out, &outLen, &e)
	runtime.KeepAlive(bundle)
	runtime.KeepAlive(policy)
	runtime.KeepAlive(config)
	var v BundleVerdict
	if err := takeVerdict(rc, &e, out, outLen, &v, &v.Raw); err != nil {
		return nil, err
	}
	return &v, verdictError(valid, ResultBundle, v.ReasonCode, v.Reason)
}

// TrustPulseFromBundle verifies a proof bundle at now with an optional verifier
// configuration (as VerifyBundle) and derives a Trust Pulse document, stamped issuedAt, from
// the envelope exactly as verified. A bundle that does not verify is an *Error (code
// ResultBundle, the verdict's reason code).
func TrustPulseFromBundle(bundle []byte, config []byte, now time.Time, issuedAt time.Time) (string, error) {
	bp, bn := cbytes(bundle)
	cp, cn := cbytes(config)
	var out *C.char
	var e C.claw_error
	rc := C.claw_trust_pulse_from_bundle(bp, bn, cp, cn, C.int64_t(now.UnixMilli()), C.int64_t(issuedAt.UnixMilli()), &out, &e)
	runtime.KeepAlive(bundle)
	runtime.KeepAlive(config)
	if err := check(rc, &e); err != nil {
		return "", err
	}
	return takeString(out), nil
}

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

// AggregateVerdict is the verdict on an aggregate bundle (docs/SPEC.md §11.2): the fields most
// callers need; Raw has it all.
type AggregateVerdict struct {
	Status      string `json:"status"`
	ReasonCode  string `json:"reason_code"`
	Reason      string `json:"reason"`
	Kind        string `json:"kind"`
	ProofTier   string `json:"proof_tier"`
	AggregateID string `json:"aggregate_id"`
	SignerDID   string `json:"signer_did"`
	Counts      struct {
		Members      int `json:"members"`
		UniqueAgents int `json:"unique_agents"`
		TotalRuns    int `json:"total_runs"`
	} `json:"counts"`
	Raw json.RawMessage `json:"-"`
}

// VerifyAggregate verifies an aggregate bundle (its aggregate_bundle envelope JSON, or
// {"envelope": ...}) at now with an optional verifier options document (the same as
// VerifyBundle's, nil for none). An invalid aggregate (text that is not JSON included) returns
// its verdict AND an *Error (code ResultBundle, the verdict's reason code); err == nil means
// VALID. A bad options document is an *Error with no verdict (CONFIG_ERROR).
func VerifyAggregate(aggregate []byte, config []byte, now time.Time) (*AggregateVerdict, error) {
	ap, an := cbytes(aggregate)
	cp, cn := cbytes(config)
	var valid C.bool
	var out *C.char
	var outLen C.size_t
	var e C.claw_error
	rc := C.claw_aggregate_verify(ap, an, cp, cn, C.int64_t(now.UnixMilli()), &valid, &out, &outLen, &e)
	runtime.KeepAlive(aggregate)
	runtime.KeepAlive(config)
	var v AggregateVerdict
	if err := takeVerdict(rc, &e, out, outLen, &v, &v.Raw); err != nil {
		return nil, err
	}
	return &v, verdictError(valid, ResultBundle, v.ReasonCode, v.Reason)
}

// CommitVerdict is the verdict on a commit signature (docs/SPEC.md §11.1); Raw has it all.
type CommitVerdict struct {
	Status      string          `json:"status"`
	ReasonCode  string          `json:"reason_code"`
	Reason      string          `json:"reason"`
	Kind        string          `json:"kind"`
	Form        string          `json:"form"`
	CommitSHA   string          `json:"commit_sha"`
	SignerDID   string          `json:"signer_did"`
	Repository  string          `json:"repository"`
	RepoClaimID string          `json:"repo_claim_id"`
	Branch      string          `json:"branch"`
	Raw         json.RawMessage `json:"-"`
}

// VerifyCommit verifies a commit signature: a message_signature over "commit:<sha>" or a
// commit_proof envelope (no options: it names its own signer). An invalid signature (text
// that is not JSON included) returns its verdict AND an *Error (code ResultSignature, the
// verdict's reason code); err == nil means the signature holds.
func VerifyCommit(signature []byte) (*CommitVerdict, error) {
	sp, sn := cbytes(signature)
	var valid C.bool
	var out *C.char
	var outLen C.size_t
	var e C.claw_error
	rc := C.claw_commit_verify(sp, sn, &valid, &out, &outLen, &e)
	runtime.KeepAlive(signature)
	var v CommitVerdict
	if err := takeVerdict(rc, &e, out, outLen, &v, &v.Raw); err != nil {
		return nil, err
	}
	return &v, verdictError(valid, ResultSignature, v.ReasonCode, v.Reason)
}

// takeVerdict reads the verdict a claw_*_verify call wrote (out, outLen) into v and its text
// into raw; a call that failed (rc, e: bad arguments or options) is its *Error, with no verdict.
func takeVerdict(rc C.claw_result, e *C.claw_error, out *C.char, outLen C.size_t, v any, raw *json.RawMessage) error {
	if err := check(rc, e); err != nil {
		return err
	}
	text := takeStringN(out, outLen)
	if err := json.Unmarshal([]byte(text), v); err != nil {
		return err
	}
	*raw = json.RawMessage(text)
	return nil
}

// verdictError is nil for a valid verdict, else the *Error it stands for: code, and the
// verdict's reason code and reason.
func verdictError(valid C.bool, code Result, reasonCode, reason string) error {
	if bool(valid) {
		return nil
	}
	return &Error{Code: code, Reason: reasonCode, Message: reason}
}

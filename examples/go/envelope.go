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

// SignEnvelope signs a JSON object payload into a Clawsig envelope v1 of the given type and
// returns the envelope's canonical JSON. A zero expiresAt means no expiry.
func SignEnvelope(envelopeType string, payload []byte, key *SigningKey, issuedAt, expiresAt time.Time) (string, error) {
	tp, tn := cstr(envelopeType)
	pp, pn := cbytes(payload)
	var exp int64
	if !expiresAt.IsZero() {
		exp = expiresAt.UnixMilli()
	}
	var out *C.char
	var outLen C.size_t
	var e C.claw_error
	rc := C.claw_envelope_sign(tp, tn, pp, pn, key.ptr, C.int64_t(issuedAt.UnixMilli()), C.int64_t(exp), &out, &outLen, &e)
	runtime.KeepAlive(envelopeType)
	runtime.KeepAlive(payload)
	runtime.KeepAlive(key)
	if err := check(rc, &e); err != nil {
		return "", err
	}
	return takeStringN(out, outLen), nil
}

// VerifiedEnvelope is what VerifyEnvelope returns once every check passed.
type VerifiedEnvelope struct {
	Payload         json.RawMessage `json:"payload"`
	PayloadHashB64u string          `json:"payload_hash_b64u"`
	SignerDID       string          `json:"signer_did"`
	IssuedAtMs      int64           `json:"issued_at_ms"`
	ExpiresAtMs     *int64          `json:"expires_at_ms"`
}

// VerifyEnvelope checks a Clawsig envelope v1 of the expected type. trustedSigners lists the
// acceptable did:key signers (nil: any valid signer, integrity only); a non-zero now enables
// the expiry check.
func VerifyEnvelope(envelope []byte, expectedType string, trustedSigners []string, now time.Time) (*VerifiedEnvelope, error) {
	ep, en := cbytes(envelope)
	tp, tn := cstr(expectedType)
	var signers []byte
	if trustedSigners != nil {
		signers, _ = json.Marshal(trustedSigners) // []string always marshals
	}
	sp, sn := cbytes(signers)
	var nowS int64
	if !now.IsZero() {
		nowS = now.Unix()
	}
	var out *C.char
	var outLen C.size_t
	var e C.claw_error
	rc := C.claw_envelope_verify(ep, en, tp, tn, sp, sn, C.int64_t(nowS), &out, &outLen, &e)
	runtime.KeepAlive(envelope)
	runtime.KeepAlive(expectedType)
	runtime.KeepAlive(signers)
	if err := check(rc, &e); err != nil {
		return nil, err
	}
	var v VerifiedEnvelope
	if err := json.Unmarshal([]byte(takeStringN(out, outLen)), &v); err != nil {
		return nil, err
	}
	return &v, nil
}

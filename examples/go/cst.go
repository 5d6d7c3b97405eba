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

// KeySet is a set of trusted CST issuer keys. Immutable; safe to share between goroutines.
type KeySet struct {
	ptr *C.claw_keyset
}

func newKeySet(p *C.claw_keyset) *KeySet {
	k := &KeySet{ptr: p}
	runtime.SetFinalizer(k, (*KeySet).Close)
	return k
}

// KeySetFromJWKS reads a JWKS ({"keys":[...]}) of public Ed25519 JWKs.
func KeySetFromJWKS(jwks []byte) (*KeySet, error) { return keySetFromJSON(jwks) }

// KeySetFromDIDs trusts these did:key issuers (each under its reference kid).
func KeySetFromDIDs(dids []string) (*KeySet, error) {
	b, _ := json.Marshal(dids) // []string always marshals
	if dids == nil {
		b = []byte("[]")
	}
	return keySetFromJSON(b)
}

func keySetFromJSON(b []byte) (*KeySet, error) {
	p, n := cbytes(b)
	var out *C.claw_keyset
	var e C.claw_error
	rc := C.claw_keyset_from_json(p, n, &out, &e)
	runtime.KeepAlive(b)
	if err := check(rc, &e); err != nil {
		return nil, err
	}
	return newKeySet(out), nil
}

// KeySetFromKey trusts one key under kid ("" for the reference kid) until notAfter (zero:
// no limit).
func KeySetFromKey(key *VerifyingKey, kid string, notAfter time.Time) (*KeySet, error) {
	kp, kn := cstr(kid)
	var na int64
	if !notAfter.IsZero() {
		na = notAfter.Unix()
	}
	var out *C.claw_keyset
	var e C.claw_error
	rc := C.claw_keyset_from_key(key.ptr, kp, kn, C.int64_t(na), &out, &e)
	runtime.KeepAlive(key)
	runtime.KeepAlive(kid)
	if err := check(rc, &e); err != nil {
		return nil, err
	}
	return newKeySet(out), nil
}

// Close frees the key set. Safe to call more than once.
func (k *KeySet) Close() {
	if k.ptr != nil {
		C.claw_keyset_free(k.ptr)
		k.ptr = nil
		runtime.SetFinalizer(k, nil)
	}
}

// ReplayGuard is the in-memory replay guard (each jti accepted once per job until it
// expires). Safe to share between goroutines.
type ReplayGuard struct {
	ptr *C.claw_replay_guard
}

// NewReplayGuard holds at most maxEntries unexpired uses.
func NewReplayGuard(maxEntries int) (*ReplayGuard, error) {
	if maxEntries < 0 {
		maxEntries = 0
	}
	var out *C.claw_replay_guard
	var e C.claw_error
	if err := check(C.claw_replay_guard_new(C.size_t(maxEntries), &out, &e), &e); err != nil {
		return nil, err
	}
	g := &ReplayGuard{ptr: out}
	runtime.SetFinalizer(g, (*ReplayGuard).Close)
	return g, nil
}

// Len is the number of uses remembered.
func (g *ReplayGuard) Len() (int, error) {
	var n C.size_t
	var e C.claw_error
	rc := C.claw_replay_guard_len(g.ptr, &n, &e)
	runtime.KeepAlive(g)
	return int(n), check(rc, &e)
}

// PurgeExpired forgets uses whose tokens expired at now.
func (g *ReplayGuard) PurgeExpired(now time.Time) error {
	var e C.claw_error
	rc := C.claw_replay_guard_purge_expired(g.ptr, C.int64_t(now.Unix()), &e)
	runtime.KeepAlive(g)
	return check(rc, &e)
}

// Close frees the guard. Safe to call more than once.
func (g *ReplayGuard) Close() {
	if g.ptr != nil {
		C.claw_replay_guard_free(g.ptr)
		g.ptr = nil
		runtime.SetFinalizer(g, nil)
	}
}

// RevocationKind says what a revocation value names.
type RevocationKind uint32

// The claw_revocation_kind values.
const (
	RevokeJTI        RevocationKind = C.CLAW_REVOKE_JTI
	RevokeKID        RevocationKind = C.CLAW_REVOKE_KID
	RevokePolicyHash RevocationKind = C.CLAW_REVOKE_POLICY_HASH
	RevokeTokenHash  RevocationKind = C.CLAW_REVOKE_TOKEN_HASH
)

// Revocations is the set of revoked tokens, keys and policy hashes. Safe to share between
// goroutines; revoking while others validate is allowed.
type Revocations struct {
	ptr *C.claw_revocations
}

// NewRevocations is an empty set.
func NewRevocations() (*Revocations, error) {
	var out *C.claw_revocations
	var e C.claw_error
	if err := check(C.claw_revocations_new(&out, &e), &e); err != nil {
		return nil, err
	}
	r := &Revocations{ptr: out}
	runtime.SetFinalizer(r, (*Revocations).Close)
	return r, nil
}

// Revoke adds a revocation.
func (r *Revocations) Revoke(kind RevocationKind, value string) error {
	p, n := cstr(value)
	var e C.claw_error
	rc := C.claw_revocations_revoke(r.ptr, C.uint32_t(kind), p, n, &e)
	runtime.KeepAlive(r)
	runtime.KeepAlive(value)
	return check(rc, &e)
}

// RevokeKey revokes every token signed by key.
func (r *Revocations) RevokeKey(key *VerifyingKey) error {
	var e C.claw_error
	rc := C.claw_revocations_revoke_key(r.ptr, key.ptr, &e)
	runtime.KeepAlive(r)
	runtime.KeepAlive(key)
	return check(rc, &e)
}

// Close frees the set. Safe to call more than once.
func (r *Revocations) Close() {
	if r.ptr != nil {
		C.claw_revocations_free(r.ptr)
		r.ptr = nil
		runtime.SetFinalizer(r, nil)
	}
}

// TokenHash is the reference's token_hash (lowercase hex SHA-256 of the compact token).
func TokenHash(token string) (string, error) {
	p, n := cstr(token)
	var out *C.char
	var e C.claw_error
	rc := C.claw_cst_token_hash(p, n, &out, &e)
	runtime.KeepAlive(token)
	if err := check(rc, &e); err != nil {
		return "", err
	}
	return takeString(out), nil
}

// IssueOptions are the optional parts of IssueToken.
type IssueOptions struct {
	MaxTTL time.Duration // cap on the lifetime (0: none)
	KID    string        // header kid ("" for the reference kid)
}

// IssuedToken is a freshly signed CST.
type IssuedToken struct {
	Token  string          // compact JWS
	Claims json.RawMessage // the claims as signed (canonical JSON)
}

// IssueToken signs a CST granting claims (a JSON object with sub, aud, scope and any other
// scoped_token_claims.v1 claim) for ttl from now.
func IssueToken(key *SigningKey, claims []byte, ttl time.Duration, now time.Time, opts IssueOptions) (*IssuedToken, error) {
	cp, cn := cbytes(claims)
	kp, kn := cstr(opts.KID)
	var tok, cl *C.char
	var tokLen C.size_t
	var e C.claw_error
	rc := C.claw_cst_issue(key.ptr, cp, cn, C.uint64_t(ttl/time.Second), C.uint64_t(opts.MaxTTL/time.Second),
		kp, kn, C.int64_t(now.Unix()), &tok, &tokLen, &cl, &e)
	runtime.KeepAlive(key)
	runtime.KeepAlive(claims)
	runtime.KeepAlive(opts.KID)
	if err := check(rc, &e); err != nil {
		return nil, err
	}
	return &IssuedToken{Token: takeStringN(tok, tokLen), Claims: json.RawMessage(takeString(cl))}, nil
}

// ValidationOptions say what the runtime expects of a token (JSON form of the core's
// options; zero values are the strict defaults).
type ValidationOptions struct {
	Audience          string  `json:"audience"`
	Action            string  `json:"action"`
	Subject           *string `json:"subject,omitempty"`
	Job               *string `json:"job,omitempty"`
	RequireJobBinding bool    `json:"require_job_binding,omitempty"`
	RuntimePolicyHash *string `json:"runtime_policy_hash,omitempty"`
	RequirePolicyPin  bool    `json:"require_policy_pin,omitempty"`
	MaxTTLSeconds     *uint64 `json:"max_ttl_seconds,omitempty"`
	RequireScopeHash  bool    `json:"require_scope_hash,omitempty"`
	ClockSkewSeconds  *uint32 `json:"clock_skew_seconds,omitempty"`
	// Replay is "off" (default), "jti_once_per_job" (needs a ReplayGuard) or "bound_to_job".
	Replay string `json:"replay,omitempty"`
	// ReplayGuard and Revocations are optional shared handles.
	ReplayGuard *ReplayGuard `json:"-"`
	Revocations *Revocations `json:"-"`
}

// VerifiedToken is what ValidateToken returns once every check passed.
type VerifiedToken struct {
	KID    string          `json:"kid"`
	Claims json.RawMessage `json:"claims"`
}

// ValidateToken runs every CST check in order at now; a failure is an *Error with code
// ResultToken and the check's reason (TOKEN_EXPIRED, TOKEN_REPLAYED, TOKEN_REVOKED, ...).
func ValidateToken(token string, keys *KeySet, opts ValidationOptions, now time.Time) (*VerifiedToken, error) {
	ob, err := json.Marshal(opts)
	if err != nil {
		return nil, err
	}
	tp, tn := cstr(token)
	op, on := cbytes(ob)
	var guard *C.claw_replay_guard
	if opts.ReplayGuard != nil {
		guard = opts.ReplayGuard.ptr
	}
	var revs *C.claw_revocations
	if opts.Revocations != nil {
		revs = opts.Revocations.ptr
	}
	var out *C.char
	var outLen C.size_t
	var e C.claw_error
	rc := C.claw_cst_validate(tp, tn, keys.ptr, op, on, guard, revs, C.int64_t(now.Unix()), &out, &outLen, &e)
	runtime.KeepAlive(token)
	runtime.KeepAlive(keys)
	runtime.KeepAlive(ob)
	runtime.KeepAlive(opts.ReplayGuard)
	runtime.KeepAlive(opts.Revocations)
	if err := check(rc, &e); err != nil {
		return nil, err
	}
	var v VerifiedToken
	if err := json.Unmarshal([]byte(takeStringN(out, outLen)), &v); err != nil {
		return nil, err
	}
	return &v, nil
}

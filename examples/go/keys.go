package claw

/*
#include "claw.h"
#include <stdlib.h>
*/
import "C"

import (
	"runtime"
	"unsafe"
)

// SigningKey is an Ed25519 secret key held by libclaw (zeroized when freed). Immutable and
// safe to share between goroutines.
type SigningKey struct {
	ptr *C.claw_signing_key
}

func newSigningKey(p *C.claw_signing_key) *SigningKey {
	k := &SigningKey{ptr: p}
	runtime.SetFinalizer(k, (*SigningKey).Close)
	return k
}

// GenerateSigningKey makes a key from the operating system's CSPRNG.
func GenerateSigningKey() (*SigningKey, error) {
	var out *C.claw_signing_key
	var e C.claw_error
	if err := check(C.claw_signing_key_generate(&out, &e), &e); err != nil {
		return nil, err
	}
	return newSigningKey(out), nil
}

// SigningKeyFromJWK reads a private OKP/Ed25519 JWK.
func SigningKeyFromJWK(jwk string) (*SigningKey, error) {
	p, n := cstr(jwk)
	var out *C.claw_signing_key
	var e C.claw_error
	rc := C.claw_signing_key_from_jwk(p, n, &out, &e)
	runtime.KeepAlive(jwk)
	if err := check(rc, &e); err != nil {
		return nil, err
	}
	return newSigningKey(out), nil
}

// JWK is the private JWK (a secret: handle it as one).
func (k *SigningKey) JWK() (string, error) {
	var out *C.char
	var e C.claw_error
	rc := C.claw_signing_key_to_jwk(k.ptr, &out, &e)
	runtime.KeepAlive(k)
	if err := check(rc, &e); err != nil {
		return "", err
	}
	return takeString(out), nil
}

// Public returns the verifying key.
func (k *SigningKey) Public() (*VerifyingKey, error) {
	var out *C.claw_verifying_key
	var e C.claw_error
	rc := C.claw_signing_key_public(k.ptr, &out, &e)
	runtime.KeepAlive(k)
	if err := check(rc, &e); err != nil {
		return nil, err
	}
	return newVerifyingKey(out), nil
}

// Close frees the key (zeroizing it). Safe to call more than once.
func (k *SigningKey) Close() {
	if k.ptr != nil {
		C.claw_signing_key_free(k.ptr)
		k.ptr = nil
		runtime.SetFinalizer(k, nil)
	}
}

// VerifyingKey is an Ed25519 public key that passed the canonical-encoding and small-order
// checks. Immutable and safe to share between goroutines.
type VerifyingKey struct {
	ptr *C.claw_verifying_key
}

func newVerifyingKey(p *C.claw_verifying_key) *VerifyingKey {
	k := &VerifyingKey{ptr: p}
	runtime.SetFinalizer(k, (*VerifyingKey).Close)
	return k
}

// VerifyingKeyFromJWK reads a public OKP/Ed25519 JWK (a private JWK is refused).
func VerifyingKeyFromJWK(jwk string) (*VerifyingKey, error) {
	p, n := cstr(jwk)
	var out *C.claw_verifying_key
	var e C.claw_error
	rc := C.claw_verifying_key_from_jwk(p, n, &out, &e)
	runtime.KeepAlive(jwk)
	if err := check(rc, &e); err != nil {
		return nil, err
	}
	return newVerifyingKey(out), nil
}

// VerifyingKeyFromDID reads an Ed25519 did:key.
func VerifyingKeyFromDID(did string) (*VerifyingKey, error) {
	cs := C.CString(did) // the C function wants a NUL-terminated string
	defer C.free(unsafe.Pointer(cs))
	var out *C.claw_verifying_key
	var e C.claw_error
	if err := check(C.claw_verifying_key_from_did(cs, &out, &e), &e); err != nil {
		return nil, err
	}
	return newVerifyingKey(out), nil
}

// JWK is the public JWK.
func (k *VerifyingKey) JWK() (string, error) {
	var out *C.char
	var e C.claw_error
	rc := C.claw_verifying_key_to_jwk(k.ptr, &out, &e)
	runtime.KeepAlive(k)
	if err := check(rc, &e); err != nil {
		return "", err
	}
	return takeString(out), nil
}

// DID is the did:key of the key.
func (k *VerifyingKey) DID() (string, error) {
	var out *C.char
	var e C.claw_error
	rc := C.claw_verifying_key_did(k.ptr, &out, &e)
	runtime.KeepAlive(k)
	if err := check(rc, &e); err != nil {
		return "", err
	}
	return takeString(out), nil
}

// Close frees the key. Safe to call more than once.
func (k *VerifyingKey) Close() {
	if k.ptr != nil {
		C.claw_verifying_key_free(k.ptr)
		k.ptr = nil
		runtime.SetFinalizer(k, nil)
	}
}

// Package claw is a thin Go binding of the claw C ABI (include/claw.h).
//
// Every wrapper converts Go values to C, makes one call and converts back: the rules live in
// the Rust core, never here. Conventions:
//
//   - Failures are returned as *Error values carrying the C result code, the stable reason
//     code (e.g. "POLICY_HASH_MISMATCH") and a message; compare with errors.Is against the
//     Err* sentinels or read ReasonCode(err).
//   - Handles (SigningKey, Policy, ...) own a C object. Close frees it and may be called
//     more than once; a finalizer frees it too if Close is forgotten. Using a handle after
//     Close returns an error with code ResultNullArgument instead of crashing.
//   - Handles documented as thread-safe may be shared by many goroutines; Close must not race
//     with other calls on the same handle.
//
// The package links libclaw through pkg-config (`claw.pc`, installed by scripts/install-c.sh).
package claw

/*
#cgo pkg-config: claw
#include <stdlib.h>
#include "claw.h"
*/
import "C"

import (
	"errors"
	"fmt"
	"unsafe"
)

// Result is a claw_result code returned by every C function.
type Result uint32

// The claw_result_code values of include/claw.h.
const (
	ResultOK              Result = C.CLAW_OK
	ResultNullArgument    Result = C.CLAW_ERR_NULL_ARGUMENT
	ResultInvalidUTF8     Result = C.CLAW_ERR_INVALID_UTF8
	ResultInvalidArgument Result = C.CLAW_ERR_INVALID_ARGUMENT
	ResultPanic           Result = C.CLAW_ERR_PANIC
	ResultJSON            Result = C.CLAW_ERR_JSON
	ResultKey             Result = C.CLAW_ERR_KEY
	ResultSignature       Result = C.CLAW_ERR_SIGNATURE
	ResultEnvelope        Result = C.CLAW_ERR_ENVELOPE
	ResultPolicy          Result = C.CLAW_ERR_POLICY
	ResultToken           Result = C.CLAW_ERR_TOKEN
	ResultBundle          Result = C.CLAW_ERR_BUNDLE
	ResultMerkle          Result = C.CLAW_ERR_MERKLE
	ResultInput           Result = C.CLAW_ERR_INPUT
)

// String is the C name of the code, e.g. "CLAW_ERR_POLICY".
func (r Result) String() string {
	return C.GoString(C.claw_result_name(C.claw_result(r)))
}

// Error is a failed claw call.
type Error struct {
	Code    Result // the C result code
	Reason  string // stable machine-readable reason, e.g. "JSON_DUPLICATE_KEY"
	Message string // human-readable; never contains secrets
}

func (e *Error) Error() string {
	return fmt.Sprintf("claw: %s: %s", e.Reason, e.Message)
}

// Is matches a sentinel with the same Code (and the same Reason, when the sentinel has one),
// so errors.Is(err, claw.ErrPolicy) and errors.Is(err, &claw.Error{Reason: "..."}) work.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	if !ok {
		return false
	}
	if t.Code != 0 && t.Code != e.Code {
		return false
	}
	return t.Reason == "" || t.Reason == e.Reason
}

// Sentinels for errors.Is, one per result code family.
var (
	ErrNullArgument    = &Error{Code: ResultNullArgument}
	ErrInvalidUTF8     = &Error{Code: ResultInvalidUTF8}
	ErrInvalidArgument = &Error{Code: ResultInvalidArgument}
	ErrPanic           = &Error{Code: ResultPanic}
	ErrJSON            = &Error{Code: ResultJSON}
	ErrKey             = &Error{Code: ResultKey}
	ErrSignature       = &Error{Code: ResultSignature}
	ErrEnvelope        = &Error{Code: ResultEnvelope}
	ErrPolicy          = &Error{Code: ResultPolicy}
	ErrToken           = &Error{Code: ResultToken}
	ErrBundle          = &Error{Code: ResultBundle}
	ErrMerkle          = &Error{Code: ResultMerkle}
	ErrInput           = &Error{Code: ResultInput}
)

// ReasonCode is the stable reason code of a claw error, or "" for any other error.
func ReasonCode(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Reason
	}
	return ""
}

// Version is the runtime version of libclaw ("MAJOR.MINOR.PATCH").
func Version() string { return C.GoString(C.claw_version()) }

var headerVersion = fmt.Sprintf("%d.%d.%d", C.CLAW_VERSION_MAJOR, C.CLAW_VERSION_MINOR, C.CLAW_VERSION_PATCH)

// CompiledVersion is the version of include/claw.h this package was built against; it
// equals Version() unless the shared library was swapped underneath.
func CompiledVersion() string { return headerVersion }

// check turns a result code and the error record into a Go error.
func check(rc C.claw_result, e *C.claw_error) error {
	if rc == C.CLAW_OK {
		return nil
	}
	return &Error{
		Code:    Result(rc),
		Reason:  C.GoString(&e.reason_code[0]),
		Message: C.GoString(&e.message[0]),
	}
}

// cbytes passes a Go byte slice to C as (pointer, length) without copying. cgo pins the
// memory for the duration of the call; claw never keeps it.
func cbytes(b []byte) (*C.char, C.size_t) {
	if len(b) == 0 {
		return nil, 0
	}
	return (*C.char)(unsafe.Pointer(unsafe.SliceData(b))), C.size_t(len(b))
}

// cstr passes a Go string to C as (pointer, length) without copying (no NUL needed).
func cstr(s string) (*C.char, C.size_t) {
	if len(s) == 0 {
		return nil, 0
	}
	return (*C.char)(unsafe.Pointer(unsafe.StringData(s))), C.size_t(len(s))
}

// takeString copies a string returned by claw and frees it with claw_string_free (which
// zeroizes it), never with C.free.
func takeString(p *C.char) string {
	if p == nil {
		return ""
	}
	s := C.GoString(p)
	C.claw_string_free(p)
	return s
}

// takeStringN is takeString for outputs that come with their length.
func takeStringN(p *C.char, n C.size_t) string {
	if p == nil {
		return ""
	}
	s := C.GoStringN(p, C.int(n))
	C.claw_string_free(p)
	return s
}

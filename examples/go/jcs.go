package claw

/*
#include "claw.h"
*/
import "C"

import "runtime"

// JCS returns the RFC 8785 canonical form of a JSON text. Input is parsed strictly:
// duplicate keys, lone surrogates, non-finite numbers and integers beyond 2^53 are refused
// (ErrJSON, with the reason code saying which).
func JCS(json []byte) (string, error) {
	p, n := cbytes(json)
	var out *C.char
	var outLen C.size_t
	var e C.claw_error
	rc := C.claw_jcs(p, n, &out, &outLen, &e)
	runtime.KeepAlive(json)
	if err := check(rc, &e); err != nil {
		return "", err
	}
	return takeStringN(out, outLen), nil
}

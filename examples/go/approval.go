package claw

/*
#include "claw.h"
*/
import "C"

import "runtime"

// ApprovalArguments returns the arguments of a call (strict JSON) as shown to a human asked to
// approve it: their RFC 8785 form with control and bidirectional characters escaped, at most
// maxChars characters (0 or less: 2048; at least 160 are used); when they do not fit, the beginning
// and an explicit note of how many characters are not shown and the SHA-256 of the arguments'
// canonical form, which the approval covers (docs/SPEC.md §7.9.1). JSON that is not strict,
// or outside I-JSON, fails with ErrJSON.
func ApprovalArguments(args []byte, maxChars int) (string, error) {
	if maxChars < 0 {
		maxChars = 0
	}
	p, n := cbytes(args)
	var out *C.char
	var outLen C.size_t
	var e C.claw_error
	rc := C.claw_approval_arguments(p, n, C.size_t(maxChars), &out, &outLen, &e)
	runtime.KeepAlive(args)
	if err := check(rc, &e); err != nil {
		return "", err
	}
	return takeStringN(out, outLen), nil
}

package claw_test

import (
	"errors"
	"fmt"
	"os"
	"time"

	"example.com/claw"
)

// Canonical JSON (RFC 8785): the bytes claw hashes and signs.
func ExampleJCS() {
	out, err := claw.JCS([]byte(`{"b":1,"a":[1.0,2e1]}`))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(out)
	// Output: {"a":[1,20],"b":1}
}

// Decide tool calls against a Work Policy Contract. A deny is an answer, not an error.
func ExamplePolicy_Decide() {
	raw, err := os.ReadFile("../testdata/policy.v2.json")
	if err != nil {
		fmt.Println(err)
		return
	}
	p, err := claw.PolicyFromJSON(raw, nil)
	if err != nil {
		fmt.Println(claw.ReasonCode(err), err)
		return
	}
	defer p.Close()
	for _, tool := range []string{"read", "exec", "write"} {
		d, err := p.Decide(tool, nil, time.Now())
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Printf("%s: %s %s %s\n", tool, d.Verdict, d.ReasonCode, d.StatementID)
	}
	// Output:
	// read: allow POLICY_ALLOW AllowRead
	// exec: deny POLICY_VIOLATION DenyShell
	// write: approval_required CAPABILITY_REQUIRES_APPROVAL AllowWriteWithApproval
}

// Failures carry a stable reason code to branch on.
func ExampleReasonCode() {
	_, err := claw.JCS([]byte(`{"a":1,"a":2}`))
	fmt.Println(claw.ReasonCode(err), errors.Is(err, claw.ErrJSON))
	// Output: JSON_DUPLICATE_KEY true
}

// Keys are Ed25519; a public key is shared as a did:key.
func ExampleGenerateSigningKey() {
	k, err := claw.GenerateSigningKey()
	if err != nil {
		fmt.Println(err)
		return
	}
	defer k.Close()
	pub, err := k.Public()
	if err != nil {
		fmt.Println(err)
		return
	}
	defer pub.Close()
	did, err := pub.DID()
	if err != nil {
		fmt.Println(err)
		return
	}
	back, err := claw.VerifyingKeyFromDID(did)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer back.Close()
	again, _ := back.DID()
	fmt.Println(did[:12], again == did)
	// Output: did:key:z6Mk true
}

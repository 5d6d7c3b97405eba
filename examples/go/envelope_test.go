package claw

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestEnvelope(t *testing.T) {
	sk, _ := GenerateSigningKey()
	defer sk.Close()
	pk, _ := sk.Public()
	defer pk.Close()
	did, _ := pk.DID()
	issued := time.UnixMilli(1770768000000)
	env, err := SignEnvelope("work_policy_contract", []byte(`{"z":1,"a":"b"}`), sk, issued, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	v, err := VerifyEnvelope([]byte(env), "work_policy_contract", []string{did}, issued)
	if err != nil {
		t.Fatal(err)
	}
	if string(v.Payload) != `{"a":"b","z":1}` || v.SignerDID != did || v.IssuedAtMs != 1770768000000 || v.ExpiresAtMs != nil {
		t.Fatalf("verified %+v", v)
	}
	_, err = VerifyEnvelope([]byte(strings.Replace(env, `"z":1`, `"z":2`, 1)), "work_policy_contract", nil, time.Time{})
	if !errors.Is(err, ErrEnvelope) || ReasonCode(err) != "HASH_MISMATCH" {
		t.Fatalf("tampered: %v", err)
	}
	_, err = VerifyEnvelope([]byte(env), "work_policy_contract", []string{}, time.Time{})
	if ReasonCode(err) != "SIGNER_NOT_ALLOWED" {
		t.Fatalf("empty trust list: %v", err)
	}
}

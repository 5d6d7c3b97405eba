"""Ed25519 keys: RFC 8032 §7.1, every Wycheproof case, RFC 8037 Appendix A, did:key, and
interop with `cryptography` (signatures both ways)."""

from __future__ import annotations

import json

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

import claw
from vectors import shared_json


def _jwk(seed: bytes, public: bytes) -> str:
    return json.dumps(
        {
            "kty": "OKP",
            "crv": "Ed25519",
            "d": claw.b64u_encode(seed),
            "x": claw.b64u_encode(public),
        }
    )


def _public_jwk(public: bytes) -> str:
    return json.dumps({"kty": "OKP", "crv": "Ed25519", "x": claw.b64u_encode(public)})


def test_rfc8032_section_7_1() -> None:
    vectors = shared_json("vectors/ed25519/rfc8032_7_1.json")["vectors"]
    assert len(vectors) == 5
    for t in vectors:
        seed = bytes.fromhex(t["secret_key"])
        public = bytes.fromhex(t["public_key"])
        sk = claw.SigningKey.from_jwk(_jwk(seed, public))
        pk = sk.public_key()
        assert pk.to_bytes() == public, t["name"]
        msg = bytes.fromhex(t["message"])
        sig = sk.sign(msg)
        assert sig == bytes.fromhex(t["signature"]), t["name"]
        pk.verify(msg, sig)
        with pytest.raises(claw.SignatureError) as ei:
            pk.verify(msg + b"x", sig)
        assert ei.value.reason_code == "SIGNATURE_INVALID"


def test_wycheproof_every_case() -> None:
    v = shared_json("vectors/ed25519/wycheproof_ed25519_test.json")
    seen = 0
    refused_keys = 0
    for group in v["testGroups"]:
        pk_bytes = bytes.fromhex(group["publicKey"]["pk"])
        try:
            key: claw.VerifyingKey | None = claw.VerifyingKey.from_jwk(_public_jwk(pk_bytes))
        except claw.KeyFormatError:
            key = None
        # The file's own JWK form agrees with the raw form.
        try:
            from_file: claw.VerifyingKey | None = claw.VerifyingKey.from_jwk(
                json.dumps(group["publicKeyJwk"])
            )
        except claw.KeyFormatError:
            from_file = None
        assert from_file == key
        for t in group["tests"]:
            seen += 1
            msg = bytes.fromhex(t["msg"])
            sig = bytes.fromhex(t["sig"])
            if key is None:
                refused_keys += 1
                got = False
            else:
                try:
                    key.verify(msg, sig)
                    got = True
                except claw.SignatureError:
                    got = False
            assert got == (t["result"] == "valid"), (t["tcId"], t["comment"])
    assert seen == v["numberOfTests"] == 151


def test_rfc8037_appendix_a() -> None:
    v = shared_json("vectors/jws/rfc8037_appendix_a.json")
    sk = claw.SigningKey.from_jwk(json.dumps(v["private_jwk"]))
    pk = claw.VerifyingKey.from_jwk(json.dumps(v["public_jwk"]))
    assert sk.public_key() == pk
    assert hash(sk.public_key()) == hash(pk)
    assert pk.jwk_thumbprint() == v["jwk_thumbprint"]["base64url"]
    assert pk.to_jwk() == v["jwk_thumbprint"]["hash_input"]
    jws = v["jws"]
    sig = sk.sign(jws["signing_input"].encode())
    assert claw.b64u_encode(sig) == jws["signature_b64u"]
    pk.verify(jws["signing_input"].encode(), claw.b64u_decode(jws["signature_b64u"]))
    # to_jwk of the private key: canonical member order, same key back.
    priv = sk.to_jwk()
    assert list(json.loads(priv)) == ["crv", "d", "kty", "x"]
    assert json.loads(priv) == v["private_jwk"]
    assert claw.SigningKey.from_jwk(priv).did == sk.did


def test_did_round_trip_and_repr_hides_secret() -> None:
    sk = claw.SigningKey.generate()
    pk = sk.public_key()
    assert sk.did == pk.did and pk.did.startswith("did:key:z6Mk")
    assert claw.VerifyingKey.from_did(pk.did) == pk
    assert claw.VerifyingKey.from_jwk(pk.to_jwk()) == pk
    d = json.loads(sk.to_jwk())["d"]
    for text in (repr(sk), str(sk), repr(pk)):
        assert d not in text
        assert pk.did in text
    assert repr(sk) == f"SigningKey(did='{pk.did}')"
    assert claw.SigningKey.generate().did != sk.did
    assert len({pk, claw.VerifyingKey.from_did(pk.did)}) == 1


@pytest.mark.parametrize(
    "jwk, code",
    [
        ("{}", "INVALID_JWK"),
        ("not json", "INVALID_JWK"),
        ('{"kty":"EC","crv":"P-256","x":"AA"}', "INVALID_JWK"),
    ],
)
def test_bad_jwks(jwk: str, code: str) -> None:
    with pytest.raises(claw.KeyFormatError) as ei:
        claw.VerifyingKey.from_jwk(jwk)
    assert ei.value.reason_code == code
    assert isinstance(ei.value, claw.ClawError)


def test_private_jwk_refused_where_a_public_key_is_expected() -> None:
    sk = claw.SigningKey.generate()
    with pytest.raises(claw.KeyFormatError):
        claw.VerifyingKey.from_jwk(sk.to_jwk())
    public_only = sk.public_key().to_jwk()
    with pytest.raises(claw.KeyFormatError):
        claw.SigningKey.from_jwk(public_only)


def test_private_jwk_with_wrong_x() -> None:
    a, b = claw.SigningKey.generate(), claw.SigningKey.generate()
    jwk = json.loads(a.to_jwk())
    jwk["x"] = json.loads(b.to_jwk())["x"]
    with pytest.raises(claw.KeyFormatError) as ei:
        claw.SigningKey.from_jwk(json.dumps(jwk))
    assert ei.value.reason_code == "KEY_MISMATCH"
    assert jwk["d"] not in str(ei.value)


@pytest.mark.parametrize(
    "did",
    ["", "did:web:example.com", "did:key:z", "did:key:zzzz", "did:key:z6Mk" + "1" * 200],
)
def test_bad_dids(did: str) -> None:
    with pytest.raises(claw.KeyFormatError) as ei:
        claw.VerifyingKey.from_did(did)
    assert ei.value.reason_code == "INVALID_DID_FORMAT"


def test_malformed_signature() -> None:
    pk = claw.SigningKey.generate().public_key()
    with pytest.raises(claw.SignatureError) as ei:
        pk.verify(b"m", b"short")
    assert ei.value.reason_code == "MALFORMED_SIGNATURE"


def test_cryptography_interop_both_ways() -> None:
    for _ in range(20):
        theirs = Ed25519PrivateKey.generate()
        raw_pub = theirs.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        mine = claw.VerifyingKey.from_jwk(_public_jwk(raw_pub))
        mine.verify(b"hello", theirs.sign(b"hello"))

        sk = claw.SigningKey.generate()
        their_pub = Ed25519PublicKey.from_public_bytes(sk.public_key().to_bytes())
        their_pub.verify(sk.sign(b"world"), b"world")

#!/usr/bin/env python3
"""Generate pyjwt_tokens.json: CSTs built with PyJWT + cryptography (and, for the shapes
PyJWT refuses to build, by hand with cryptography), for claw-core's Rust interop tests.

Each invalid case differs from a valid token in exactly one respect and names the reason code
claw must return. The keys are fixed seeds and Ed25519 is deterministic, so re-running the
script reproduces the file byte for byte.

    python3 -m venv /tmp/venv && /tmp/venv/bin/pip install pyjwt cryptography
    /tmp/venv/bin/python gen_pyjwt_tokens.py            # writes pyjwt_tokens.json beside it
    /tmp/venv/bin/python gen_pyjwt_tokens.py --check    # fails if the file would change
"""
import base64
import hashlib
import json
import os
import sys

import cryptography
import jwt
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "pyjwt_tokens.json")

NOW = 1_700_000_000
AUDIENCE = "gateway.test"
ACTION = "tool:execute"
JOB = "job-1"
MAX_TTL = 3600
SKEW = 60
L = 2**252 + 27742317777372353535851937790883648493  # order of the Ed25519 base point


def b64u(b: bytes) -> str:
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


def key(seed_byte: int) -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(bytes([seed_byte]) * 32)


def raw_pub(k: Ed25519PrivateKey) -> bytes:
    return k.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)


def reference_kid(k: Ed25519PrivateKey) -> str:
    """The reference rule: first 16 hex characters of SHA-256 of the raw public key."""
    return hashlib.sha256(raw_pub(k)).hexdigest()[:16]


def public_jwk(k: Ed25519PrivateKey, kid=None) -> dict:
    j = {"kty": "OKP", "crv": "Ed25519", "x": b64u(raw_pub(k))}
    if kid is not None:
        j["kid"] = kid
    return j


def jcs(obj) -> bytes:
    # Enough of RFC 8785 for these inputs: ASCII strings, integers, sorted keys.
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


OPTIONAL_HASHED = [
    "owner_ref", "owner_did", "controller_did", "agent_did", "policy_hash_b64u",
    "control_plane_policy_hash_b64u", "payment_account_did", "spend_cap", "mission_id",
    "delegation_id", "delegator_did", "delegate_did", "delegation_policy_hash_b64u",
    "delegation_spend_cap_minor", "delegation_expires_at",
]


def scope_hash(c: dict) -> str:
    """token_scope_hash_b64u as the schema describes it (written independently of claw)."""
    aud = c["aud"] if isinstance(c["aud"], list) else [c["aud"]]
    inp = {
        "token_version": "1",
        "sub": c["sub"],
        "aud": sorted(set(aud)),
        "scope": sorted(set(c["scope"])),
    }
    for name in OPTIONAL_HASHED:
        if name in c:
            inp[name] = c[name]
    return b64u(hashlib.sha256(jcs(inp)).digest())


ISSUER = key(0x11)
OTHER = key(0x22)  # a key the validator does not trust
ISSUER_KID = reference_kid(ISSUER)
POLICY = b64u(hashlib.sha256(b"runtime policy").digest())
OTHER_POLICY = b64u(hashlib.sha256(b"another policy").digest())
AGENT = "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"


def claims(**over) -> dict:
    c = {
        "token_version": "1",
        "sub": AGENT,
        "aud": AUDIENCE,
        "scope": [ACTION, "model:invoke"],
        "iat": NOW - 10,
        "exp": NOW + 290,
        "policy_hash_b64u": POLICY,
        "mission_id": JOB,
        "jti": "pyjwt-jti-0001",
    }
    for k, v in over.items():
        if v is None:
            c.pop(k, None)
        else:
            c[k] = v
    if "token_scope_hash_b64u" not in over:
        c["token_scope_hash_b64u"] = scope_hash(c)
    return c


def pyjwt(c: dict, k=ISSUER, kid=ISSUER_KID, **kw) -> str:
    headers = {"kid": kid} if kid is not None else None
    return jwt.encode(c, k, algorithm="EdDSA", headers=headers, **kw)


def raw(header, payload, k=ISSUER, sign_input=None) -> str:
    """Build a compact JWS by hand: header/payload are dicts or exact JSON bytes."""
    h = header if isinstance(header, bytes) else json.dumps(header, separators=(",", ":")).encode()
    p = payload if isinstance(payload, bytes) else json.dumps(payload, separators=(",", ":")).encode()
    si = sign_input or (b64u(h) + "." + b64u(p))
    return si + "." + b64u(k.sign(si.encode()))


HDR = {"alg": "EdDSA", "typ": "JWT", "kid": ISSUER_KID}

cases = []


def case(name, token, expect, note):
    cases.append({"name": name, "token": token, "expect": expect, "note": note})


# ---- valid -------------------------------------------------------------------------------
case("valid_pyjwt_full", pyjwt(claims()), "ok",
     "PyJWT defaults (header alg/kid/typ sorted), every check exercised")
case("valid_pyjwt_minimal",
     pyjwt(claims(policy_hash_b64u=None, mission_id=None, jti=None, token_scope_hash_b64u=None)),
     "ok", "only the schema's required claims")
case("valid_aud_array", pyjwt(claims(aud=["other.test", AUDIENCE])), "ok", "aud as an array")
case("valid_nbf_past", pyjwt(claims(nbf=NOW - 5)), "ok", "nbf in the past (RFC 7519 extension)")
case("valid_expired_within_skew", pyjwt(claims(iat=NOW - 300, exp=NOW - 30)), "ok",
     "exp 30 s ago, inside the 60 s skew")
case("valid_alg_ed25519", raw({"alg": "Ed25519", "typ": "JWT", "kid": ISSUER_KID}, claims()), "ok",
     "RFC 9864 fully-specified alg")
case("valid_typ_application_jwt",
     raw({"alg": "EdDSA", "typ": "application/JWT", "kid": ISSUER_KID}, claims()), "ok",
     "typ as a media type, case-insensitive")
case("valid_jwk_kid", pyjwt(claims(), kid="issuer-jwk-kid"), "ok",
     "kid taken from the JWK's own kid member")

# ---- header ------------------------------------------------------------------------------
case("alg_none", jwt.encode(claims(), None, algorithm="none", headers={"kid": ISSUER_KID}),
     "TOKEN_UNSUPPORTED_ALG", "alg none, empty signature")
case("alg_hs256_public_key",
     jwt.encode(claims(), raw_pub(ISSUER), algorithm="HS256", headers={"kid": ISSUER_KID}),
     "TOKEN_UNSUPPORTED_ALG", "HS256 keyed with the issuer's public key bytes")
case("alg_es256_header", raw({"alg": "ES256", "typ": "JWT", "kid": ISSUER_KID}, claims()),
     "TOKEN_UNSUPPORTED_ALG", "ES256 named in the header")
case("alg_rs256_header", raw({"alg": "RS256", "typ": "JWT", "kid": ISSUER_KID}, claims()),
     "TOKEN_UNSUPPORTED_ALG", "RS256 named in the header")
case("alg_eddsa_wrong_case", raw({"alg": "eddsa", "typ": "JWT", "kid": ISSUER_KID}, claims()),
     "TOKEN_UNSUPPORTED_ALG", "alg values are case-sensitive")
case("embedded_jwk_header",
     raw({"alg": "EdDSA", "typ": "JWT", "kid": ISSUER_KID, "jwk": public_jwk(OTHER)}, claims(), k=OTHER),
     "TOKEN_HEADER_FORBIDDEN", "self-supplied key in the header, signed by that key")
case("jku_header",
     raw({"alg": "EdDSA", "typ": "JWT", "kid": ISSUER_KID, "jku": "https://attacker.invalid/jwks"}, claims()),
     "TOKEN_HEADER_FORBIDDEN", "key URL in the header")
case("x5c_header",
     raw({"alg": "EdDSA", "typ": "JWT", "kid": ISSUER_KID, "x5c": ["AAAA"]}, claims()),
     "TOKEN_HEADER_FORBIDDEN", "certificate chain in the header")
case("crit_header",
     raw({"alg": "EdDSA", "typ": "JWT", "kid": ISSUER_KID, "crit": ["exp"]}, claims()),
     "TOKEN_HEADER_FORBIDDEN", "crit is never accepted")
case("unknown_header_member",
     raw({"alg": "EdDSA", "typ": "JWT", "kid": ISSUER_KID, "foo": "bar"}, claims()),
     "TOKEN_HEADER_FORBIDDEN", "unknown header members are refused")
case("typ_missing", raw({"alg": "EdDSA", "kid": ISSUER_KID}, claims()),
     "TOKEN_TYP_INVALID", "typ is required")
case("typ_at_jwt", raw({"alg": "EdDSA", "typ": "at+jwt", "kid": ISSUER_KID}, claims()),
     "TOKEN_TYP_INVALID", "another JWT type")
case("kid_unknown", pyjwt(claims(), kid="0000000000000000"),
     "TOKEN_UNKNOWN_KID", "kid not in the key set")
case("kid_missing", pyjwt(claims(), kid=None), "TOKEN_UNKNOWN_KID", "no kid: never try every key")
case("duplicate_header_key",
     raw(b'{"alg":"EdDSA","alg":"EdDSA","typ":"JWT","kid":"' + ISSUER_KID.encode() + b'"}', claims()),
     "TOKEN_MALFORMED", "duplicate member in the header")

# ---- signature and encoding ----------------------------------------------------------------
case("signed_by_untrusted_key", pyjwt(claims(), k=OTHER), "TOKEN_SIGNATURE_INVALID",
     "issuer kid, another key's signature")
good = pyjwt(claims())
h, p, s = good.split(".")
sig = base64.urlsafe_b64decode(s + "==")
S = int.from_bytes(sig[32:], "little")
case("non_canonical_s", f"{h}.{p}.{b64u(sig[:32] + (S + L).to_bytes(32, 'little'))}",
     "TOKEN_SIGNATURE_INVALID", "S replaced by S + L (malleable; verify_strict refuses)")
case("padded_signature", f"{h}.{p}.{s}==", "TOKEN_MALFORMED", "'=' padding on the signature")
# Non-canonical base64url: flip an unused trailing bit of the 86-char signature (same bytes).
alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
last = alphabet.index(s[-1])
case("signature_trailing_bits", f"{h}.{p}.{s[:-1]}{alphabet[last | 1]}", "TOKEN_MALFORMED",
     "non-zero unused bits in the last signature character")
# A payload whose base64url needs padding, padded, and signed over the padded input.
nonce = "n"
while len(json.dumps(claims(nonce=nonce), separators=(",", ":"))) % 3 == 0:
    nonce += "n"
pp = base64.urlsafe_b64encode(json.dumps(claims(nonce=nonce), separators=(",", ":")).encode()).decode()
assert pp.endswith("=")
case("padded_payload", raw(HDR, b"", sign_input=f"{b64u(json.dumps(HDR, separators=(',', ':')).encode())}.{pp}"),
     "TOKEN_MALFORMED", "'=' padding on the payload, signed as sent")
case("four_segments", good + ".AAAA", "TOKEN_MALFORMED", "four segments")

# ---- claims JSON -----------------------------------------------------------------------------
dup = json.dumps(claims(), separators=(",", ":")).encode()
dup = dup[:-1] + b',"sub":"did:key:z6MkOther"}'
case("duplicate_claim_key", raw(HDR, dup), "TOKEN_MALFORMED", "sub twice in the claims")
lone = json.dumps(claims(nonce="PLACEHOLDER"), separators=(",", ":")).encode().replace(b"PLACEHOLDER", b"\\ud800")
case("lone_surrogate", raw(HDR, lone), "TOKEN_MALFORMED", "lone surrogate escape in a claim")
fl = json.dumps(claims(), separators=(",", ":")).encode().replace(
    b'"iat":%d' % (NOW - 10), b'"iat":%d.0' % (NOW - 10))
case("iat_float", raw(HDR, fl), "TOKEN_INVALID_CLAIMS", "integer claim written as 1699999990.0")
case("unknown_claim", pyjwt(claims(role="admin")), "TOKEN_INVALID_CLAIMS", "claim not in the schema")
case("token_version_2", pyjwt(claims(token_version="2")), "TOKEN_UNKNOWN_VERSION", "token_version 2")
case("owner_did_pattern", pyjwt(claims(owner_did="did:Key:abc")), "TOKEN_INVALID_CLAIMS",
     "owner_did fails the DID pattern")
case("exp_missing", pyjwt(claims(exp=None)), "TOKEN_INVALID_CLAIMS", "exp is required")

# ---- time ------------------------------------------------------------------------------------
case("expired", pyjwt(claims(iat=NOW - 400, exp=NOW - 120)), "TOKEN_EXPIRED", "exp 120 s ago")
case("nbf_future", pyjwt(claims(nbf=NOW + 600)), "TOKEN_NOT_YET_VALID", "nbf in 600 s")
case("iat_future", pyjwt(claims(iat=NOW + 600, exp=NOW + 900)), "TOKEN_ISSUED_IN_FUTURE",
     "iat in 600 s")
case("over_ttl", pyjwt(claims(exp=NOW + 7200)), "TOKEN_TTL_EXCEEDS_POLICY",
     "exp - iat = 7210 s > 3600 s")

# ---- binding ---------------------------------------------------------------------------------
case("wrong_aud", pyjwt(claims(aud="other.test")), "TOKEN_BAD_AUDIENCE", "aud lacks the audience")
case("missing_scope", pyjwt(claims(scope=["model:invoke"])), "TOKEN_INSUFFICIENT_SCOPE",
     "scope lacks the action")
case("wildcard_scope", pyjwt(claims(scope=["*"])), "TOKEN_INSUFFICIENT_SCOPE",
     "scope matching is exact: * is a literal")
case("scope_hash_mismatch", pyjwt(claims(token_scope_hash_b64u=scope_hash(claims(scope=["*"])))),
     "TOKEN_SCOPE_HASH_MISMATCH", "hash of other claims")
case("wrong_mission", pyjwt(claims(mission_id="job-2")), "TOKEN_MISSION_MISMATCH",
     "bound to another job")
case("wrong_policy_hash", pyjwt(claims(policy_hash_b64u=OTHER_POLICY)), "POLICY_HASH_MISMATCH",
     "pins another policy")

doc = {
    "generator": "gen_pyjwt_tokens.py",
    "pyjwt_version": jwt.__version__,
    "cryptography_version": cryptography.__version__,
    "now": NOW,
    "options": {
        "audience": AUDIENCE,
        "action": ACTION,
        "job": JOB,
        "runtime_policy_hash": POLICY,
        "max_ttl_seconds": MAX_TTL,
        "clock_skew_seconds": SKEW,
    },
    "issuer_kid": ISSUER_KID,
    "jwks": {"keys": [public_jwk(ISSUER), public_jwk(ISSUER, "issuer-jwk-kid")]},
    "untrusted_jwk": public_jwk(OTHER),
    "cases": cases,
}
text = json.dumps(doc, indent=2) + "\n"
if "--check" in sys.argv:
    with open(OUT) as f:
        if f.read() != text:
            sys.exit("pyjwt_tokens.json is stale: re-run gen_pyjwt_tokens.py")
    print(f"pyjwt_tokens.json is current ({len(cases)} cases)")
else:
    with open(OUT, "w") as f:
        f.write(text)
    print(f"wrote {OUT} ({len(cases)} cases)")

"""Scoped tokens through Python: the committed PyJWT/jose/claw token files, live interop with
PyJWT + cryptography in both directions, and every check's reason code."""

from __future__ import annotations

import json
import random
import threading
import time
from pathlib import Path
from typing import Any, Callable, Dict, List

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

import claw

DATA = Path(__file__).resolve().parents[2] / "claw-core" / "tests" / "data" / "cst"
NOW = 1_700_000_000
AUD = "gateway.test"
ACTION = "tool:execute"


def _load(name: str) -> Any:
    return json.loads((DATA / name).read_text(encoding="utf-8"))


def _code(f: Any) -> str:
    try:
        f()
        return "ok"
    except claw.TokenError as e:
        return e.reason_code


@pytest.fixture(scope="module")
def issuer() -> claw.SigningKey:
    return claw.SigningKey.generate()


def _claims(**extra: Any) -> Dict[str, Any]:
    c: Dict[str, Any] = {
        "sub": "did:key:z6MkAgent",
        "aud": AUD,
        "scope": [ACTION, "model:invoke"],
    }
    c.update(extra)
    return c


# ---------------------------------------------------------------- committed token files


def test_pyjwt_tokens_get_their_expected_codes() -> None:
    doc = _load("pyjwt_tokens.json")
    keys = claw.KeySet.from_jwks(doc["jwks"])
    assert keys.get(doc["issuer_kid"]) is not None
    o = doc["options"]
    failures = []
    valid = 0
    assert len(doc["cases"]) >= 40
    for c in doc["cases"]:
        got = _code(
            lambda: claw.verify_cst(
                c["token"],
                keys,
                audience=o["audience"],
                scope=o["action"],
                mission_id=o["job"],
                policy_hash=o["runtime_policy_hash"],
                max_ttl=o["max_ttl_seconds"],
                clock_skew=o["clock_skew_seconds"],
                now=doc["now"],
            )
        )
        if got != c["expect"]:
            failures.append(f"{c['name']}: expected {c['expect']}, got {got}")
        valid += c["expect"] == "ok"
    assert not failures, failures
    assert valid >= 8
    # The same JWKS given as text.
    assert claw.KeySet.from_jwks(json.dumps(doc["jwks"])).kids() == keys.kids()


def test_jose_tokens_get_their_expected_codes() -> None:
    doc = _load("jose_tokens.json")
    keys = claw.KeySet.from_jwks({"keys": [doc["issuer_jwk"]]})
    for c in doc["cases"]:
        got = _code(
            lambda: claw.verify_cst(
                c["token"], keys, audience=AUD, scope=ACTION, mission_id="job-1", now=doc["now"]
            )
        )
        assert got == c["expect"], c["name"]


def test_claw_tokens_verify_with_pyjwt_and_with_claw() -> None:
    doc = _load("claw_tokens.json")
    pyjwk = jwt.PyJWK(doc["issuer_jwk"], algorithm="EdDSA")
    keys = claw.KeySet([claw.VerifyingKey.from_jwk(json.dumps(doc["issuer_jwk"]))])
    assert keys.kids() == [doc["issuer_kid"]]
    for t in doc["tokens"]:
        assert jwt.get_unverified_header(t["token"]) == {
            "alg": "EdDSA",
            "typ": "JWT",
            "kid": t["kid"],
        }
        claims = jwt.decode(
            t["token"],
            pyjwk,
            algorithms=["EdDSA"],
            audience=doc["audience"],
            options={"verify_exp": False, "verify_iat": False, "verify_nbf": False},
        )
        assert claims == t["claims"], t["name"]
        mine = claw.verify_cst(
            t["token"],
            claw.KeySet([claw.VerifyingKey.from_jwk(json.dumps(doc["issuer_jwk"]))], kids=[t["kid"]]),
            audience=doc["audience"],
            scope=t["claims"]["scope"][0],
            policy_hash=t["claims"].get("policy_hash_b64u"),
            mission_id=t["claims"].get("mission_id"),
            now=t["claims"]["iat"],
        )
        assert mine == t["claims"], t["name"]


# ---------------------------------------------------------------- live interop with PyJWT


def _random_claims(rng: random.Random) -> Dict[str, Any]:
    c = _claims(
        sub="did:key:z6Mk" + "".join(rng.choice("abcdefXYZ123") for _ in range(20)),
        aud=rng.choice([AUD, [AUD, "other.test"]]),
        scope=[ACTION] + [f"s:{rng.randrange(1000)}" for _ in range(rng.randrange(4))],
    )
    if rng.random() < 0.5:
        c["mission_id"] = f"job-{rng.randrange(100)}"
    if rng.random() < 0.5:
        c["owner_ref"] = "owner \u00e9\u4e2d\U0001f600"
    if rng.random() < 0.5:
        c["spend_cap"] = rng.choice([0, 12.5, 1000])
    return c


def test_claw_issues_pyjwt_verifies(issuer: claw.SigningKey) -> None:
    rng = random.Random(7519)
    pyjwk = jwt.PyJWK(json.loads(issuer.public_key().to_jwk()), algorithm="EdDSA")
    for _ in range(100):
        c = _random_claims(rng)
        token = claw.issue_cst(issuer, c, ttl=600)
        got = jwt.decode(token, pyjwk, algorithms=["EdDSA"], audience=AUD)
        for k, v in c.items():
            assert got[k] == v, k
        assert got["token_version"] == "1"
        assert got["exp"] - got["iat"] == 600
        assert len(got["jti"]) == 22
        assert got["token_scope_hash_b64u"] == claw.cst_scope_hash(got)
        # And claw accepts its own token, returning the same claims PyJWT read.
        # (A token bound to a job verifies only where the runtime names that job.)
        job = got.get("mission_id")
        assert claw.verify_cst(token, [issuer.public_key()], audience=AUD, scope=ACTION, mission_id=job) == got


def test_pyjwt_issues_claw_verifies() -> None:
    rng = random.Random(8037)
    for _ in range(50):
        priv = Ed25519PrivateKey.generate()
        raw = priv.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        pk = claw.VerifyingKey.from_jwk(
            json.dumps({"kty": "OKP", "crv": "Ed25519", "x": claw.b64u_encode(raw)})
        )
        kid = KeyKid.of(pk)
        now = int(time.time())
        c = _random_claims(rng)
        c.update(token_version="1", iat=now, exp=now + 300, jti=f"j{rng.randrange(10**9)}")
        token = jwt.encode(c, priv, algorithm="EdDSA", headers={"kid": kid, "typ": "JWT"})
        got = claw.verify_cst(token, [pk], audience=AUD, scope=ACTION, mission_id=c.get("mission_id"))
        assert got == c
        # A token from a key the runtime does not trust is refused by kid.
        other = claw.SigningKey.generate().public_key()
        assert _code(lambda: claw.verify_cst(token, [other], audience=AUD, scope=ACTION)) == (
            "TOKEN_UNKNOWN_KID"
        )
        # Same kid, other key: the signature fails.
        forged = claw.KeySet([other], kids=[kid])
        assert _code(lambda: claw.verify_cst(token, forged, audience=AUD, scope=ACTION)) == (
            "TOKEN_SIGNATURE_INVALID"
        )


class KeyKid:
    """The reference kid, as a KeySet files a key without one."""

    @staticmethod
    def of(pk: claw.VerifyingKey) -> str:
        (kid,) = claw.KeySet([pk]).kids()
        assert len(kid) == 16
        return kid


def test_pyjwt_alg_none_and_hs256_refused(issuer: claw.SigningKey) -> None:
    kid = KeyKid.of(issuer.public_key())
    c = _claims(token_version="1", iat=NOW, exp=NOW + 60)
    none = jwt.encode(c, None, algorithm="none", headers={"kid": kid, "typ": "JWT"})  # type: ignore[arg-type]
    hs = jwt.encode(c, "k" * 32, algorithm="HS256", headers={"kid": kid, "typ": "JWT"})
    for token in (none, hs):
        got = _code(lambda: claw.verify_cst(token, [issuer.did], audience=AUD, scope=ACTION, now=NOW))
        assert got in ("TOKEN_UNSUPPORTED_ALG", "TOKEN_MALFORMED")


# ---------------------------------------------------------------- every check


def _verify(token: str, issuer: claw.SigningKey, **kw: Any) -> Dict[str, Any]:
    kw.setdefault("audience", AUD)
    kw.setdefault("scope", ACTION)
    kw.setdefault("now", NOW + 10)
    # The runtime's job: a token bound to a job is refused by a runtime that names none.
    kw.setdefault("mission_id", "job-1")
    return claw.verify_cst(token, [issuer.public_key()], **kw)


def test_checks_and_codes(issuer: claw.SigningKey) -> None:
    policy = "bNhAvlwMZv1_HXWYiCqi78Saq_GksXTWfujitk1_lbk"
    t = claw.issue_cst(issuer, _claims(mission_id="job-1", policy_hash_b64u=policy), 300, now=NOW)
    plain = claw.issue_cst(issuer, _claims(), 300, now=NOW)
    ok = _verify(t, issuer, mission_id="job-1", policy_hash=policy)
    assert ok["mission_id"] == "job-1" and ok["iat"] == NOW and ok["exp"] == NOW + 300
    cases = {
        "TOKEN_EXPIRED": lambda: _verify(t, issuer, now=NOW + 300 + 60, policy_hash=policy),
        "TOKEN_ISSUED_IN_FUTURE": lambda: _verify(t, issuer, now=NOW - 61, policy_hash=policy),
        "TOKEN_BAD_AUDIENCE": lambda: _verify(t, issuer, audience="x", policy_hash=policy),
        "TOKEN_INSUFFICIENT_SCOPE": lambda: _verify(t, issuer, scope="tool:*", policy_hash=policy),
        "TOKEN_SUB_MISMATCH": lambda: _verify(t, issuer, subject="did:key:z6MkX", policy_hash=policy),
        "TOKEN_MISSION_MISMATCH": lambda: _verify(t, issuer, mission_id="job-2", policy_hash=policy),
        "TOKEN_MISSION_REQUIRED": lambda: _verify(plain, issuer, require_mission=True),
        "POLICY_HASH_MISMATCH": lambda: _verify(t, issuer, policy_hash="A" * 43),
        "TOKEN_POLICY_PIN_REQUIRED": lambda: _verify(plain, issuer, require_policy_pin=True),
        "TOKEN_TTL_EXCEEDS_POLICY": lambda: _verify(plain, issuer, max_ttl=299),
        "TOKEN_MALFORMED": lambda: _verify("a.b", issuer),
    }
    for want, f in cases.items():
        assert _code(f) == want, want
    # Clock skew: 60 s by default, configurable.
    _verify(t, issuer, now=NOW + 300 + 59, policy_hash=policy)
    assert _code(lambda: _verify(t, issuer, now=NOW + 300, policy_hash=policy, clock_skew=0)) == (
        "TOKEN_EXPIRED"
    )
    # Errors are TokenErrors (ClawErrors) with messages that never hold the token.
    with pytest.raises(claw.ClawError) as ei:
        _verify(t, issuer, audience="x", policy_hash=policy)
    assert isinstance(ei.value, claw.TokenError) and t not in str(ei.value)


def test_issue_errors_and_ttl_cap(issuer: claw.SigningKey) -> None:
    assert _code(lambda: claw.issue_cst(issuer, _claims(), 0)) == "TOKEN_ISSUE_INVALID"
    assert _code(lambda: claw.issue_cst(issuer, _claims(unknown=1))) == "TOKEN_INVALID_CLAIMS"
    assert _code(lambda: claw.issue_cst(issuer, _claims(scope=[]))) == "TOKEN_INVALID_CLAIMS"
    assert _code(lambda: claw.issue_cst(issuer, {"aud": AUD, "scope": [ACTION]})) == (
        "TOKEN_INVALID_CLAIMS"
    )
    assert _code(lambda: claw.issue_cst(issuer, _claims(owner_did="not a did"))) == (
        "TOKEN_INVALID_CLAIMS"
    )
    t = claw.issue_cst(issuer, _claims(), 3600, max_ttl=120, now=NOW, kid="my-kid")
    assert jwt.get_unverified_header(t)["kid"] == "my-kid"
    c = claw.verify_cst(
        t, claw.KeySet([issuer.public_key()], kids=["my-kid"]), audience=AUD, scope=ACTION, now=NOW
    )
    assert c["exp"] - c["iat"] == 120
    with pytest.raises(claw.CanonicalizationError):
        claw.issue_cst(issuer, _claims(spend_cap=float("nan")))
    with pytest.raises(TypeError):
        claw.issue_cst(issuer, [1])  # type: ignore[arg-type]


def test_replay_guard(issuer: claw.SigningKey) -> None:
    # The capacity is split over 16 shards (992 of 1000 here); it never exceeds the bound.
    assert claw.ReplayGuard(1000).capacity == 992
    guard = claw.ReplayGuard(1600)
    assert guard.capacity == 1600 and len(guard) == 0
    t = claw.issue_cst(issuer, _claims(), 300, now=NOW)
    _verify(t, issuer, replay_guard=guard)
    assert _code(lambda: _verify(t, issuer, replay_guard=guard)) == "TOKEN_REPLAYED"
    # The token names no job: naming one at validation does not make it new again.
    assert _code(lambda: _verify(t, issuer, replay_guard=guard, mission_id="job-9")) == (
        "TOKEN_REPLAYED"
    )
    assert len(guard) == 1
    guard.purge_expired(now=NOW + 10_000)
    assert len(guard) == 0
    # A failing check does not consume the jti.
    t2 = claw.issue_cst(issuer, _claims(), 300, now=NOW)
    assert _code(lambda: _verify(t2, issuer, replay_guard=guard, audience="x")) == (
        "TOKEN_BAD_AUDIENCE"
    )
    _verify(t2, issuer, replay_guard=guard)
    assert "capacity=1600" in repr(guard)


def test_replay_guard_across_threads(issuer: claw.SigningKey) -> None:
    guard = claw.ReplayGuard()
    t = claw.issue_cst(issuer, _claims(), 300, now=NOW)
    results: List[str] = []
    lock = threading.Lock()
    barrier = threading.Barrier(8)

    def worker() -> None:
        barrier.wait()
        got = _code(lambda: _verify(t, issuer, replay_guard=guard))
        with lock:
            results.append(got)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert sorted(results) == ["TOKEN_REPLAYED"] * 7 + ["ok"]


def test_revocations(issuer: claw.SigningKey) -> None:
    policy = "bNhAvlwMZv1_HXWYiCqi78Saq_GksXTWfujitk1_lbk"
    t = claw.issue_cst(issuer, _claims(policy_hash_b64u=policy), 300, now=NOW)
    jti = jwt.decode(t, options={"verify_signature": False})["jti"]
    kid = KeyKid.of(issuer.public_key())
    revokers: List[Callable[[claw.Revocations], None]] = [
        lambda r: r.revoke_jti(jti),
        lambda r: r.revoke_kid(kid),
        lambda r: r.revoke_key(issuer.public_key()),
        lambda r: r.revoke_policy_hash(policy),
        lambda r: r.revoke_token_hash(claw.cst_token_hash(t)),
    ]
    for revoke in revokers:
        revs = claw.Revocations()
        _verify(t, issuer, policy_hash=policy, revocations=revs)
        revoke(revs)
        assert _code(lambda: _verify(t, issuer, policy_hash=policy, revocations=revs)) == (
            "TOKEN_REVOKED"
        )
    assert len(claw.cst_token_hash(t)) == 64


def test_keyset_and_argument_errors(issuer: claw.SigningKey) -> None:
    ks = claw.KeySet([issuer.public_key(), claw.SigningKey.generate().did])
    assert len(ks) == 2 and issuer.public_key() in [ks.get(k) for k in ks.kids()]
    assert ks.get("nope") is None
    assert "KeySet(kids=" in repr(ks)
    with pytest.raises(claw.TokenError) as ei:
        claw.KeySet([issuer.public_key(), issuer.public_key()])
    assert ei.value.reason_code == "SIGNING_CONFIG_INVALID"
    with pytest.raises(claw.TokenError) as ei:
        claw.KeySet.from_jwks({"keys": [json.loads(issuer.to_jwk())]})
    assert ei.value.reason_code == "SIGNING_CONFIG_INVALID"
    with pytest.raises(claw.KeyFormatError):
        claw.KeySet(["did:web:example.com"])
    with pytest.raises(TypeError):
        claw.KeySet([issuer.public_key()], kids=["a", "b"])
    t = claw.issue_cst(issuer, _claims(), 300)
    with pytest.raises(TypeError):
        claw.verify_cst(t, 42, audience=AUD, scope=ACTION)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        claw.verify_cst(t, [issuer.public_key()], scope=ACTION)  # type: ignore[call-arg]


def test_inspection_without_scope(issuer: claw.SigningKey) -> None:
    t = claw.issue_cst(issuer, _claims(), 300, now=NOW)
    # Every other check still runs: audience, expiry, signature.
    assert claw.verify_cst(t, [issuer.did], audience=AUD, now=NOW)["scope"] == [ACTION, "model:invoke"]
    assert _code(lambda: claw.verify_cst(t, [issuer.did], audience="x", now=NOW)) == (
        "TOKEN_BAD_AUDIENCE"
    )
    assert _code(lambda: claw.verify_cst(t, [issuer.did], audience=AUD, now=NOW + 1000)) == (
        "TOKEN_EXPIRED"
    )

"""claw.RedisState against a real redis-server (started here on a free loopback port, stopped
at the end), checked from outside with redis-py: one-time use across processes' worth of
instances, revocations written by an independent client following docs/SPEC.md §9, keys hashed
as the spec says, fail closed when Redis is down, recovery without restart."""

from __future__ import annotations

import hashlib
import shutil
import socket
import struct
import subprocess
import tempfile
import time
from typing import Any, Iterator, List, Set, cast

import pytest
import redis

import claw

AUD = "gw"
ACTION = "tool:run"
JOB = "job-1"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


class Server:
    def __init__(self) -> None:
        self.port = _free_port()
        self.dir = tempfile.mkdtemp(prefix="claw-redis-py-")
        self.proc: "subprocess.Popen[bytes] | None" = None
        self.start()

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}"

    def start(self) -> None:
        exe = shutil.which("redis-server")
        assert exe, "redis-server missing (scripts/test-python.sh installs it)"
        self.proc = subprocess.Popen(
            [exe, "--port", str(self.port), "--bind", "127.0.0.1", "--dir", self.dir,
             "--save", "", "--appendonly", "yes", "--appendfsync", "always"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        client = redis.Redis(port=self.port, socket_connect_timeout=0.2)
        deadline = time.time() + 10
        while True:
            try:
                client.ping()
                return
            except redis.exceptions.ConnectionError:
                assert time.time() < deadline, "redis-server did not start"
                time.sleep(0.02)

    def kill(self) -> None:
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait()
            self.proc = None


@pytest.fixture
def server() -> Iterator[Server]:
    s = Server()
    try:
        yield s
    finally:
        s.kill()
        shutil.rmtree(s.dir, ignore_errors=True)


def _state(s: Server) -> claw.RedisState:
    st = claw.RedisState(s.url, timeout=0.5, max_staleness=0.4, poll_interval=0.1)
    st.wait_ready(5.0)
    return st


def _token(key: claw.SigningKey) -> str:
    return claw.issue_cst(key, {"sub": "did:key:z6MkAgent", "aud": [AUD], "scope": [ACTION],
                                "mission_id": JOB}, ttl=300)


def _verify(tok: str, key: claw.SigningKey, st: Any) -> dict[str, Any]:
    return claw.verify_cst(tok, [key.public_key()], audience=AUD, scope=ACTION,
                           mission_id=JOB, replay_guard=st, revocations=st)


def _code(f: Any) -> str:
    with pytest.raises(claw.TokenError) as e:
        f()
    code: str = e.value.reason_code
    return code


def test_one_time_use_across_instances_and_hashed_keys(server: Server) -> None:
    key = claw.SigningKey.generate()
    a, b = _state(server), _state(server)
    tok = _token(key)
    claims = _verify(tok, key, a)
    assert _code(lambda: _verify(tok, key, b)) == "TOKEN_REPLAYED"
    # The key, recomputed independently from the spec: <ns>:r:hex(SHA-256(u64be len(job) ||
    # job || jti)), with a TTL of exp + skew - now plus the 60 s margin.
    raw = struct.pack(">Q", len(JOB)) + JOB.encode() + claims["jti"].encode()
    rkey = "claw:r:" + hashlib.sha256(raw).hexdigest()
    r = redis.Redis(port=server.port)
    assert r.exists(rkey) == 1
    assert 300_000 < cast(int, r.pttl(rkey)) <= 420_000
    assert not any(claims["jti"].encode() in k for k in cast(List[bytes], r.keys("*")))


def test_revocations_from_claw_and_from_an_independent_writer(server: Server) -> None:
    key = claw.SigningKey.generate()
    a, b = _state(server), _state(server)
    t1, t2 = _token(key), _token(key)
    assert a.revoke(token=[t1]) == 1
    deadline = time.time() + 2
    while True:
        try:
            claw.verify_cst(t1, [key.public_key()], audience=AUD, mission_id=JOB, revocations=b)
        except claw.TokenError as e:
            assert e.reason_code == "TOKEN_REVOKED"
            break
        assert time.time() < deadline, "revocation did not reach the other instance"
        time.sleep(0.005)
    # redis-py writes a revocation exactly as SPEC §9.4 says (SADD, INCR, PUBLISH):
    jti = claw.verify_cst(t2, [key.public_key()], audience=AUD, mission_id=JOB)["jti"]
    r = redis.Redis(port=server.port)
    entry = f"jti:{jti}"
    r.sadd("{claw:rev}:set", entry)
    version = r.incr("{claw:rev}:ver")
    r.publish("claw:rev", f"{version}\n{entry}")
    deadline = time.time() + 2
    while True:
        try:
            claw.verify_cst(t2, [key.public_key()], audience=AUD, mission_id=JOB, revocations=a)
        except claw.TokenError as e:
            assert e.reason_code == "TOKEN_REVOKED"
            break
        assert time.time() < deadline, "independent revocation not honoured"
        time.sleep(0.005)
    assert a.revocation_version == 2
    members = {m.decode() for m in cast(Set[bytes], r.smembers("{claw:rev}:set"))}
    assert members == {f"token:{claw.cst_token_hash(t1)}", entry}


def test_fail_closed_and_recovery(server: Server) -> None:
    key = claw.SigningKey.generate()
    st = _state(server)
    used = _token(key)
    _verify(used, key, st)
    server.kill()
    fresh = _token(key)
    assert _code(lambda: _verify(fresh, key, st)) in ("STATE_STORE_UNAVAILABLE", "STATE_STORE_STALE")
    time.sleep(0.6)
    assert _code(lambda: claw.verify_cst(fresh, [key.public_key()], audience=AUD,
                                         revocations=st)) == "STATE_STORE_STALE"
    server.start()
    st.wait_ready(5.0)
    _verify(fresh, key, st)
    assert _code(lambda: _verify(used, key, st)) == "TOKEN_REPLAYED"


def test_bad_arguments() -> None:
    with pytest.raises(claw.TokenError) as e:
        claw.RedisState("http://nowhere")
    assert e.value.reason_code == "STATE_REQUEST_INVALID"
    with pytest.raises(ValueError):
        claw.RedisState("redis://127.0.0.1:1", timeout=-1)
    st = claw.RedisState("redis://:hunter2@127.0.0.1:1")
    assert "hunter2" not in repr(st) and "hunter2" not in st.address
    with pytest.raises(ValueError):
        st.revoke()
    with pytest.raises(TypeError):
        claw.verify_cst("x", [], audience=AUD, replay_guard=object())  # type: ignore[arg-type]

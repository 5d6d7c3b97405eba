"""The official openai and anthropic Python SDKs through claw-gateway (scripted upstream on
loopback): a normal and a streaming call each; the receipt each response carries is attached
to a claw run with `claw run attach --from-response`, and the run's bundle verifies at proof
tier `gateway`. The receipt hashes are checked against the exact bytes the provider saw."""
import base64
import hashlib
import json
import os
import subprocess

import anthropic
import httpx
import openai
import pytest

from harness import Gateway

CLAW = os.environ.get("CLAW_BIN", "claw")


def claw(*args, check=True):
    p = subprocess.run([CLAW, *args], capture_output=True, text=True)
    if check and p.returncode != 0:
        raise AssertionError(f"claw {' '.join(args)}: exit {p.returncode}: {p.stderr}")
    return p


class Tee(httpx.BaseTransport):
    """Pass-through transport that keeps the exact response bytes the SDK read."""

    def __init__(self):
        self.inner = httpx.HTTPTransport()
        self.bodies = []

    def handle_request(self, request):
        resp = self.inner.handle_request(request)
        buf = bytearray()
        self.bodies.append(buf)
        inner = resp.stream

        class Stream(httpx.SyncByteStream):
            def __iter__(self):
                for chunk in inner:
                    buf.extend(chunk)
                    yield chunk

            def close(self):
                inner.close()

        return httpx.Response(resp.status_code, headers=resp.headers, stream=Stream(),
                              extensions=resp.extensions, request=request)


def b64sha(b):
    return base64.urlsafe_b64encode(hashlib.sha256(b).digest()).rstrip(b"=").decode()


@pytest.fixture(scope="module")
def gw(tmp_path_factory):
    with Gateway(str(tmp_path_factory.mktemp("gw"))) as g:
        yield g


@pytest.fixture()
def run(gw, tmp_path):
    d = str(tmp_path / "run")
    claw("run", "start", "--dir", d, "--agent-key", os.path.join(gw.keys, "agent.jwk"),
         "--wpc", gw.policy_envelope, "--wpc-signer", gw.policy_signer_did)
    return d


def pending(run, provider, model):
    out = json.loads(claw("run", "model", "--dir", run, "--provider", provider, "--model", model, "--pending").stdout)
    b = out["binding"]
    h = {"X-Run-Id": b["run_id"], "X-Event-Hash": b["event_hash_b64u"]}
    for k, name in (("nonce", "X-Idempotency-Key"), ("span_id", "X-Span-Id"), ("parent_span_id", "X-Parent-Span-Id")):
        if b.get(k):
            h[name] = b[k]
    return h


def attach_and_verify(gw, run, tmp_path, bodies):
    for i, body in enumerate(bodies):
        f = tmp_path / f"response-{i}.bin"
        f.write_bytes(bytes(body))
        claw("run", "attach", "--dir", run, "--from-response", str(f))
    bundle = str(tmp_path / "bundle.json")
    claw("bundle", "build", "--run-dir", run, "--out", bundle)
    cfg = tmp_path / "clawverify.config.json"
    cfg.write_text(json.dumps({"config_version": "1", "allowlists": {"gateway_receipt_signer_dids": [gw.gateway_did]}}))
    v = json.loads(claw("bundle", "verify", bundle, "--config", str(cfg), "--wpc", gw.policy_envelope,
                        "--signer", gw.policy_signer_did, "--json").stdout)
    assert v["proof_tier"] == "gateway", v
    return v


def check_hashes(gw, envelope, upstream_response):
    """The receipt's hashes are over the bytes the provider received and sent."""
    rec = gw.recorded()
    reqs = [r["bytes"] for r in rec if r["kind"] == "request"]
    p = envelope["payload"]
    assert p["request_hash_b64u"] in {b64sha(b) for b in reqs}
    assert p["response_hash_b64u"] == b64sha(upstream_response)


def test_openai_sdk_normal_and_streaming(gw, run, tmp_path):
    tee = Tee()
    client = openai.OpenAI(base_url=gw.url + "/v1", api_key="sk-test",
                           default_headers={"X-CST": gw.token()}, http_client=httpx.Client(transport=tee))
    c = client.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": "hi"}],
                                       extra_headers=pending(run, "openai", "gpt-4o-mini"))
    assert c.choices[0].message.content == "Hello from gpt-4o-mini"
    env = c.model_extra["_receipt_envelope"]
    assert env["envelope_type"] == "gateway_receipt"
    assert env["payload"]["tokens_input"] == 7
    stream = client.chat.completions.create(model="gpt-4o-mini", stream=True,
                                            messages=[{"role": "user", "content": "hi"}],
                                            extra_headers=pending(run, "openai", "gpt-4o-mini"))
    text = "".join(ch.choices[0].delta.content or "" for ch in stream if ch.choices)
    assert text == "Hello from gpt-4o-mini"
    raw = bytes(tee.bodies[-1])
    i = raw.rindex(b":clawproxy_receipt_envelope_b64u=")
    trailer = raw[i:].split(b"\n")[0].split(b"=", 1)[1]
    env_s = json.loads(base64.urlsafe_b64decode(trailer + b"=" * (-len(trailer) % 4)))
    upstream = [r["bytes"] for r in gw.recorded() if r["kind"] == "response"][-1]
    assert raw[:i] == upstream, "SSE bytes pass through unchanged"
    check_hashes(gw, env_s, upstream)
    v = attach_and_verify(gw, run, tmp_path, tee.bodies)
    assert v["counts"]["receipts_verified"] == 2, v["counts"]


def test_openai_sdk_stream_whose_last_line_is_left_open(gw, run, tmp_path):
    """The provider ends its stream without a final line feed (`data: [DONE]`): the SDK still
    reads every event and the end, and the receipt trailer is found and attaches (the gateway
    starts it on a line of its own; glued to `data: [DONE]` it broke the SDK's last event and
    hid the receipt)."""
    tee = Tee()
    client = openai.OpenAI(base_url=gw.url + "/v1", api_key="sk-test",
                           default_headers={"X-CST": gw.token()}, http_client=httpx.Client(transport=tee))
    stream = client.chat.completions.create(model="unterminated", stream=True,
                                            messages=[{"role": "user", "content": "hi"}],
                                            extra_headers=pending(run, "openai", "unterminated"))
    text = "".join(ch.choices[0].delta.content or "" for ch in stream if ch.choices)
    assert text == "Hello from unterminated"
    raw = bytes(tee.bodies[-1])
    upstream = [r["bytes"] for r in gw.recorded() if r["kind"] == "response"][-1]
    assert upstream.endswith(b"data: [DONE]")
    assert raw.startswith(upstream + b"\n:clawproxy_receipt_envelope_b64u="), raw[-300:]
    ac = anthropic.Anthropic(base_url=gw.url, api_key="sk-ant-test",
                             default_headers={"X-CST": gw.token()}, http_client=httpx.Client(transport=tee))
    with ac.messages.stream(model="unterminated", max_tokens=32, messages=[{"role": "user", "content": "hi"}],
                            extra_headers=pending(run, "anthropic", "unterminated")) as s:
        assert s.get_final_text() == "Hello from unterminated"
    upstream = [r["bytes"] for r in gw.recorded() if r["kind"] == "response"][-1]
    assert bytes(tee.bodies[-1]).startswith(upstream + b"\n:clawproxy_receipt_envelope_b64u=")
    v = attach_and_verify(gw, run, tmp_path, tee.bodies)
    assert v["counts"]["receipts_verified"] == 2, v["counts"]


def test_anthropic_sdk_normal_and_streaming(gw, run, tmp_path):
    tee = Tee()
    client = anthropic.Anthropic(base_url=gw.url, api_key="sk-ant-test",
                                 default_headers={"X-CST": gw.token()}, http_client=httpx.Client(transport=tee))
    m = client.messages.create(model="claude-sonnet-4-5", max_tokens=32,
                               messages=[{"role": "user", "content": "hi"}],
                               extra_headers=pending(run, "anthropic", "claude-sonnet-4-5"))
    assert m.content[0].text == "Hello from claude-sonnet-4-5"
    upstream_json = [r["bytes"] for r in gw.recorded() if r["kind"] == "response"][-1]
    env = json.loads(bytes(tee.bodies[-1]))["_receipt_envelope"]
    check_hashes(gw, env, upstream_json)
    with client.messages.stream(model="claude-sonnet-4-5", max_tokens=32,
                                messages=[{"role": "user", "content": "hi"}],
                                extra_headers=pending(run, "anthropic", "claude-sonnet-4-5")) as s:
        assert s.get_final_text() == "Hello from claude-sonnet-4-5"
    v = attach_and_verify(gw, run, tmp_path, tee.bodies)
    assert v["counts"]["receipts_verified"] == 2, v["counts"]


def test_sdk_sees_401_and_403(gw):
    client = openai.OpenAI(base_url=gw.url + "/v1", api_key="sk-test", max_retries=0)
    with pytest.raises(openai.AuthenticationError) as e:
        client.chat.completions.create(model="gpt-4o-mini", messages=[])
    assert e.value.body["code"] == "TOKEN_REQUIRED" or "TOKEN_REQUIRED" in str(e.value)
    bad = openai.OpenAI(base_url=gw.url + "/v1", api_key="sk-test", max_retries=0,
                        default_headers={"X-CST": gw.token(audience="someone-else")})
    with pytest.raises(openai.AuthenticationError):
        bad.chat.completions.create(model="gpt-4o-mini", messages=[])


def test_reference_style_receipt_recovery_by_nonce(gw, run, tmp_path):
    """A dropped stream: the client gets the bytes so far and a trailer; the receipt is also
    recoverable by nonce and says the upstream failed."""
    h = pending(run, "openai", "drop")
    r = httpx.post(gw.url + "/v1/chat/completions", headers={"X-CST": gw.token(), **h},
                   json={"model": "drop", "stream": True, "messages": []}, timeout=30)
    assert r.status_code == 200
    got = httpx.get(gw.url + "/v1/receipt/" + h["X-Idempotency-Key"]).json()
    assert got["outcome"] == "upstream_error"
    assert got["receipt_envelope"]["payload"]["binding"]["run_id"] == h["X-Run-Id"]
    f = tmp_path / "recovered.json"
    f.write_text(json.dumps({"_receipt_envelope": got["receipt_envelope"]}))
    claw("run", "attach", "--dir", run, "--from-response", str(f))


def test_process_switches_slow_clients_and_sigterm(tmp_path):
    """The real process: incident switches apply to the next request once the file changes;
    a client that never finishes its headers is cut off; SIGTERM lets an in-flight stream
    finish with its receipt, then the process exits 0."""
    import signal
    import socket
    import time

    with Gateway(str(tmp_path / "gw"), extra_args=["--header-timeout-ms", "500", "--shutdown-grace-ms", "10000"]) as g:
        hdr = {"X-CST": g.token()}
        r = httpx.post(g.url + "/v1/chat/completions", headers=hdr, json={"model": "gpt-4o-mini", "messages": []})
        assert r.status_code == 200
        with open(g.overrides, "w") as f:
            json.dump({"denied_models": ["gpt-4o*"]}, f)
        deadline = time.time() + 10
        while True:
            r = httpx.post(g.url + "/v1/chat/completions", headers=hdr, json={"model": "gpt-4o-mini", "messages": []})
            if r.status_code == 403 or time.time() > deadline:
                break
            time.sleep(0.2)
        assert r.status_code == 403 and r.json()["reason_code"] == "MODEL_DENIED_BY_OVERRIDE", r.text
        # SIGHUP reloads too (here: lifting the switch).
        with open(g.overrides, "w") as f:
            f.write("{}")
        g.gateway.send_signal(signal.SIGHUP)
        deadline = time.time() + 10
        while httpx.post(g.url + "/v1/chat/completions", headers=hdr,
                         json={"model": "gpt-4o-mini", "messages": []}).status_code != 200:
            assert time.time() < deadline, "switch not lifted"
            time.sleep(0.2)
        # Slow client: half a request head, then silence.
        host, port = g.url.removeprefix("http://").split(":")
        s = socket.create_connection((host, int(port)))
        s.sendall(b"POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\n")
        s.settimeout(15)
        t0 = time.time()
        data = s.recv(1024)  # raises socket.timeout if the gateway keeps waiting
        assert data == b"" or data.startswith(b"HTTP/1.1 408"), data
        assert time.time() - t0 < 12, "the gateway did not cut off a slow client"
        s.close()
        # SIGTERM during a slow stream: the stream completes with its trailer, and its
        # receipt is on disk in both sinks (group commit included) when the process exits.
        nonce = "sigterm-stream-1"
        with httpx.Client(timeout=30) as c:
            with c.stream("POST", g.url + "/v1/chat/completions", headers={**hdr, "X-Idempotency-Key": nonce},
                          json={"model": "slow", "stream": True, "messages": []}) as resp:
                time.sleep(0.2)
                g.gateway.send_signal(signal.SIGTERM)
                body = b"".join(resp.iter_bytes())
        assert b":clawproxy_receipt_envelope_b64u=" in body
        assert g.gateway.wait(timeout=15) == 0
        i = body.rindex(b":clawproxy_receipt_envelope_b64u=")
        t = body[i:].split(b"\n")[0].split(b"=", 1)[1]
        env = json.loads(base64.urlsafe_b64decode(t + b"=" * (-len(t) % 4)))
        name = hashlib.sha256(nonce.encode()).hexdigest() + ".json"
        with open(os.path.join(g.receipts_dir, name)) as f:
            assert json.load(f) == env
        with open(os.path.join(g.workdir, "receipts.jsonl")) as f:
            lines = [json.loads(line) for line in f]
        assert [line["receipt_envelope"] for line in lines if line["key"] == nonce] == [env]

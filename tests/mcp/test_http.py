"""`claw mcp serve-http`: the official MCP Python SDK's Streamable HTTP client through the
proxy to reference server-everything instances in streamableHttp mode, one route per upstream;
approval through elicitation; SEP-2243 header checks with raw HTTP; one proxy per run dir."""
import asyncio
import http.client
import json
import os
import socket
import subprocess
import time

import pytest
from mcp import ClientSession, types
from mcp.client.streamable_http import streamable_http_client

from conftest import CLAW, claw, npm_server
from test_stdio import bundle_of, run_log, text_of


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, proc, timeout=30):
    end = time.time() + timeout
    while time.time() < end:
        assert proc.poll() is None, "process ended"
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"port {port} not listening")


def start_everything():
    port = free_port()
    p = subprocess.Popen([npm_server("mcp-server-everything"), "streamableHttp"],
                         env={**os.environ, "PORT": str(port)},
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_port(port, p)
    except BaseException:
        p.kill()
        p.wait()
        raise
    return p, f"http://127.0.0.1:{port}/mcp"


@pytest.fixture
def upstream():
    p, url = start_everything()
    try:
        yield url
    finally:
        p.kill()
        p.wait()


@pytest.fixture
def two_upstreams():
    a = start_everything()
    try:
        b = start_everything()
        try:
            yield a[1], b[1]
        finally:
            b[0].kill()
            b[0].wait()
    finally:
        a[0].kill()
        a[0].wait()


def start_proxy(keys, pol, run_dir, upstreams, extra=()):
    p = subprocess.Popen([CLAW, "mcp", "serve-http", "--wpc", str(pol), "--signer", keys.signer,
                          "--run-dir", str(run_dir), "--agent-key", str(keys.dir / "agent.jwk"),
                          *[a for u in upstreams for a in ("--upstream", u)], *extra],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    line = p.stdout.readline()
    if not line:
        p.kill()
        raise AssertionError(f"serve-http did not start: {p.stderr.read()}")
    return p, json.loads(line)


@pytest.fixture
def proxy(keys, upstream, tmp_path):
    pol = keys.policy("http-everything", [
        {"sid": "echo", "effect": "Allow", "actions": ["tool:execute"], "resources": ["echo", "get-sum"]},
    ])
    run_dir = tmp_path / "run"
    p, info = start_proxy(keys, pol, run_dir, [upstream], ["--server-name", "everything"])
    try:
        yield info["endpoint"], run_dir
    finally:
        p.kill()
        p.wait()


def test_sdk_client_over_http(proxy, tmp_path):
    endpoint, run_dir = proxy

    async def body():
        async with streamable_http_client(endpoint) as (read, write):
            async with ClientSession(read, write) as s:
                await s.initialize()
                listed = sorted(t.name for t in (await s.list_tools()).tools)
                echo = await s.call_tool("echo", {"message": "over http"})
                env = await s.call_tool("get-env", {})
                return listed, echo, env

    listed, echo, env = asyncio.run(body())
    assert listed == ["echo", "get-sum"]
    assert "over http" in text_of(echo) and not echo.is_error
    assert env.is_error and "POLICY_DEFAULT_DENY" in text_of(env)
    ops = [r["op"]["type"] for r in run_log(run_dir)]
    assert ops.count("tool") == 1 and ops.count("listing") == 1
    _, verdict, code = bundle_of(run_dir, tmp_path)
    assert code == 0, verdict


def post(endpoint, body, headers):
    host, rest = endpoint[len("http://"):].split("/", 1)
    c = http.client.HTTPConnection(host, timeout=10)
    c.request("POST", "/" + rest, body=body,
              headers={"Content-Type": "application/json",
                       "Accept": "application/json, text/event-stream", **headers})
    r = c.getresponse()
    return r.status, r.read()


def test_headers_must_agree_with_the_body(proxy):
    endpoint, run_dir = proxy
    call = json.dumps({"jsonrpc": "2.0", "id": 7, "method": "tools/call",
                       "params": {"name": "echo", "arguments": {"message": "x"}}})
    for headers in ({"Mcp-Method": "tools/list", "Mcp-Name": "echo"},
                    {"Mcp-Method": "tools/call", "Mcp-Name": "get-env"},
                    {"Mcp-Method": "tools/call", "MCP-Protocol-Version": "2026-07-28"}):
        status, body = post(endpoint, call, headers)
        err = json.loads(body)["error"]
        assert status == 400 and err["code"] == -32020, body
        assert err["data"]["reason_code"] == "MCP_HEADER_MISMATCH"
    status, body = post(endpoint, b"{not json", {})
    assert status == 400 and json.loads(body)["error"]["code"] == -32700
    # Nothing of it reached a decision.
    assert [r["op"]["type"] for r in run_log(run_dir)] == ["start"]


# Two servers behind one proxy, treated differently: get-sum only on "alpha"; on "beta" only
# echo; get-tiny-image needs a human's approval, on alpha only.
TWO_SERVERS = [
    {"sid": "echo-anywhere", "effect": "Allow", "actions": ["tool:execute"], "resources": ["echo"]},
    {"sid": "sum-on-alpha", "effect": "Allow", "actions": ["tool:execute"], "resources": ["get-sum"],
     "conditions": {"StringEquals": {"Mcp:Server": "alpha"}}},
    {"sid": "image-approved-on-alpha", "effect": "Allow", "actions": ["tool:execute"],
     "resources": ["get-tiny-image"],
     "conditions": {"StringEquals": {"Mcp:Server": "alpha"},
                    "Bool": {"Request:HasHumanApproval": "true"}}},
]


async def on_route(endpoint, body, elicitation_callback=None):
    async with streamable_http_client(endpoint) as (read, write):
        async with ClientSession(read, write, elicitation_callback=elicitation_callback) as s:
            await s.initialize()
            return await body(s)


def test_a_route_per_upstream_server(keys, two_upstreams, tmp_path):
    pol = keys.policy("two-servers", TWO_SERVERS)
    run_dir = tmp_path / "run"
    alpha_url, beta_url = two_upstreams
    p, info = start_proxy(keys, pol, run_dir, [f"alpha={alpha_url}", f"beta={beta_url}"])
    try:
        routes = {r["name"]: r["endpoint"] for r in info["routes"]}
        assert routes["alpha"].endswith("/mcp/alpha") and routes["beta"].endswith("/mcp/beta")

        async def body(s):
            listed = sorted(t.name for t in (await s.list_tools()).tools)
            echo = await s.call_tool("echo", {"message": "hi"})
            total = await s.call_tool("get-sum", {"a": 2, "b": 3})
            return listed, echo, total

        a_listed, a_echo, a_sum = asyncio.run(on_route(routes["alpha"], body))
        b_listed, b_echo, b_sum = asyncio.run(on_route(routes["beta"], body))
        # Unknown route: 404 with a reason code, nothing forwarded.
        status, raw = post(routes["alpha"].replace("/mcp/alpha", "/mcp/gamma"),
                           json.dumps({"jsonrpc": "2.0", "id": 1, "method": "tools/list"}), {})
    finally:
        p.kill()
        p.wait()
    assert status == 404 and json.loads(raw)["error"]["data"]["reason_code"] == "MCP_UNKNOWN_ROUTE"
    assert a_listed == b_listed == ["echo", "get-sum", "get-tiny-image"]
    assert not a_echo.is_error and not b_echo.is_error
    assert not a_sum.is_error and "5" in text_of(a_sum)
    assert b_sum.is_error and "POLICY_DEFAULT_DENY" in text_of(b_sum) and "beta" in text_of(b_sum)
    log = run_log(run_dir)
    assert [r["op"]["server"] for r in log if r["op"]["type"] == "listing"] == ["alpha", "beta"]
    assert [r["op"]["tool_name"] for r in log if r["op"]["type"] == "tool"] == ["echo", "get-sum", "echo"]
    _, verdict, code = bundle_of(run_dir, tmp_path)
    assert code == 0, verdict


def test_approval_through_elicitation_over_http(keys, two_upstreams, tmp_path):
    pol = keys.policy("two-servers-approval", TWO_SERVERS)
    run_dir = tmp_path / "run"
    p, info = start_proxy(keys, pol, run_dir, [f"alpha={two_upstreams[0]}"])
    asked = []

    async def answer(ctx, params):
        asked.append(params.message)
        return types.ElicitResult(action="accept" if len(asked) == 1 else "decline",
                                  content={"approve": True} if len(asked) == 1 else None)

    async def body(s):
        first = await s.call_tool("get-tiny-image", {})
        second = await s.call_tool("get-tiny-image", {})
        return first, second

    try:
        endpoint = info["routes"][0]["endpoint"]
        first, second = asyncio.run(on_route(endpoint, body, elicitation_callback=answer))
        # A client without the capability is not asked.
        third = asyncio.run(on_route(endpoint, lambda s: s.call_tool("get-tiny-image", {})))
        # An answer to an approval nobody asked in this session is refused, not forwarded.
        status, raw = post(endpoint, json.dumps({"jsonrpc": "2.0", "id": "claw-approval-0-1",
                                                 "result": {"action": "accept"}}), {})
    finally:
        p.kill()
        p.wait()
    assert len(asked) == 2 and "get-tiny-image" in asked[0] and "alpha" in asked[0]
    assert not first.is_error and any(c.type == "image" for c in first.content)
    assert second.is_error and "HUMAN_APPROVAL_DENIED" in text_of(second)
    assert third.is_error and "CAPABILITY_REQUIRES_APPROVAL" in text_of(third)
    assert status in (400, 404)
    log = run_log(run_dir)
    ops = [r["op"] for r in log]
    assert [o["approved"] for o in ops if o["type"] == "elicitation"] == [True, False]
    assert [o["server"] for o in ops if o["type"] == "elicitation"] == ["alpha", "alpha"]
    assert [o["reason_code"] for o in ops if o["type"] == "decision"] == [
        "CAPABILITY_REQUIRES_APPROVAL", "POLICY_ALLOW",
        "CAPABILITY_REQUIRES_APPROVAL", "HUMAN_APPROVAL_DENIED",
        "CAPABILITY_REQUIRES_APPROVAL"]
    # Only the approved call was forwarded: one tool receipt.
    assert [o["tool_name"] for o in ops if o["type"] == "tool"] == ["get-tiny-image"]
    _, verdict, code = bundle_of(run_dir, tmp_path)
    assert code == 0, verdict


def test_one_proxy_per_run_dir(keys, upstream, tmp_path):
    pol = keys.policy("one-writer", [
        {"sid": "echo", "effect": "Allow", "actions": ["tool:execute"], "resources": ["echo"]}])
    run_dir = tmp_path / "run"
    p, _ = start_proxy(keys, pol, run_dir, [f"one={upstream}"])
    try:
        second = subprocess.run(
            [CLAW, "mcp", "wrap", "--wpc", str(pol), "--signer", keys.signer, "--run-dir",
             str(run_dir), "--agent-key", str(keys.dir / "agent.jwk"), "--", "sh", "-c", "exit 0"],
            capture_output=True, text=True, timeout=30)
    finally:
        p.kill()
        p.wait()
    assert second.returncode == 1, second.stderr
    assert second.stderr.startswith("claw: RUN_DIR_LOCKED: "), second.stderr
    # The lock goes with the process: the next proxy continues the run.
    third = subprocess.run(
        [CLAW, "mcp", "wrap", "--wpc", str(pol), "--signer", keys.signer, "--run-dir",
         str(run_dir), "--agent-key", str(keys.dir / "agent.jwk"), "--", "sh", "-c", "exit 0"],
        capture_output=True, text=True, timeout=30)
    assert third.returncode == 0, third.stderr

"""`claw mcp serve-http`: the official MCP Python SDK's Streamable HTTP client through the
proxy to the reference server-everything in streamableHttp mode; SEP-2243 header checks with
raw HTTP."""
import asyncio
import http.client
import json
import os
import socket
import subprocess
import time

import pytest
from mcp import ClientSession
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


@pytest.fixture
def upstream():
    port = free_port()
    p = subprocess.Popen([npm_server("mcp-server-everything"), "streamableHttp"],
                         env={**os.environ, "PORT": str(port)},
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_port(port, p)
        yield f"http://127.0.0.1:{port}/mcp"
    finally:
        p.kill()
        p.wait()


@pytest.fixture
def proxy(keys, upstream, tmp_path):
    pol = keys.policy("http-everything", [
        {"sid": "echo", "effect": "Allow", "actions": ["tool:execute"], "resources": ["echo", "get-sum"]},
    ])
    run_dir = tmp_path / "run"
    p = subprocess.Popen([CLAW, "mcp", "serve-http", "--wpc", str(pol), "--signer", keys.signer,
                          "--server-name", "everything", "--run-dir", str(run_dir),
                          "--agent-key", str(keys.dir / "agent.jwk"), "--upstream", upstream],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        info = json.loads(p.stdout.readline())
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

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
from mcp.shared.exceptions import MCPError

from conftest import (APPROVED_DATA_STATEMENTS, CLAW, NAMES_STATEMENTS, approve_the_first,
                      assert_data_approvals, assert_names_follow_the_policy, claw, npm_server,
                      read_then_prompt, survey_names)
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


def test_progress_reaches_the_sdk_client_before_the_answer(keys, upstream, tmp_path):
    # server-everything's long-running operation sends a progress notification each second
    # in its answer's event stream; through the proxy the SDK client sees each as it is sent,
    # not all of them with the answer.
    pol = keys.policy("http-progress", [{"sid": "long", "effect": "Allow", "actions": ["tool:execute"],
                                         "resources": ["trigger-long-running-operation"]}])
    p, info = start_proxy(keys, pol, tmp_path / "run", [upstream], ["--server-name", "everything"])
    seen = []

    async def progress(done, total, message):
        seen.append((time.monotonic(), done))

    async def body():
        async with streamable_http_client(info["endpoint"]) as (read, write):
            async with ClientSession(read, write) as s:
                await s.initialize()
                r = await s.call_tool("trigger-long-running-operation", {"duration": 3, "steps": 3},
                                      progress_callback=progress)
                return r, time.monotonic()

    try:
        result, answered = asyncio.run(body())
    finally:
        p.kill()
        p.wait()
    assert not result.is_error and "completed" in text_of(result), result
    assert [d for _, d in seen] == [1, 2, 3], seen
    assert answered - seen[0][0] > 1.2, "the first progress came with the answer, not a second after the call"
    tools = [r["op"] for r in run_log(tmp_path / "run") if r["op"]["type"] == "tool"]
    assert len(tools) == 1 and tools[0]["tool_name"] == "trigger-long-running-operation"


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
    assert len(asked) == 2 and "get-tiny-image" in asked[0] and "alpha" in asked[0], (
        run_log(run_dir), p.stderr.read())
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


def test_approval_of_a_read_and_a_prompt_over_http(keys, upstream, tmp_path):
    # test_stdio.py::test_approval_of_a_read_and_a_prompt_through_elicitation on the HTTP
    # proxy: the approval request travels in the request's own answer stream.
    pol = keys.policy("http-data-approval", APPROVED_DATA_STATEMENTS)
    run_dir = tmp_path / "run"
    p, info = start_proxy(keys, pol, run_dir, [upstream], ["--server-name", "everything"])
    asked = []
    try:
        uri, read, refused = asyncio.run(on_route(
            info["endpoint"], read_then_prompt, elicitation_callback=approve_the_first(asked)))
    finally:
        p.kill()
        p.wait()
    assert_data_approvals(asked, uri, read, refused, run_log(run_dir))
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


class RogueUpstream:
    """A deliberately misbehaving Streamable HTTP MCP server (stateful: it hands out an
    Mcp-Session-Id). Its `tools/call` answers are crafted by the argument `message`:
    "sse" — an event stream with the real answer, a second answer to the same id, an answer to
    an id nobody sent, and an event claw cannot read (duplicate keys) that a lenient client
    would take as the answer; "json" — one JSON body with duplicate keys; "slow" — the real
    answer after 1.5 s; "latin1" — an event stream whose answer is not UTF-8; "stream" — an
    event stream without a length, a progress notification first, the answer only once
    `release` is set (or after 10 s; `released` says which); "cut" — the progress
    notification, then the connection closed without an answer. GET opens a server stream: a
    log notification, a response to an id nobody sent, a `ping` request, then the end (with
    `hold_gets` set: the log notification, then the end only once `let_go` is set). It
    lists one tool, `echo` (after 5 s when `silent_listing` is set), and answers a call of any
    name. Every request it receives is kept in `received`."""

    def __init__(self):
        import http.server
        import threading
        rogue = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def do_GET(self):
                if rogue.hold_gets:
                    note = {"jsonrpc": "2.0", "method": "notifications/message",
                            "params": {"level": "info", "data": "held"}}
                    return self.stream([note], then=lambda: rogue.let_go.wait(30))
                self.stream([{"jsonrpc": "2.0", "method": "notifications/message",
                              "params": {"level": "info", "data": "from the server"}},
                             {"jsonrpc": "2.0", "id": 41, "result": {"content": [{"type": "text", "text": "UNSOLICITED"}]}},
                             {"jsonrpc": "2.0", "id": "srv-1", "method": "ping"}])

            def stream(self, messages, then=None):
                """An event stream without a length, each event flushed on its own; `then`
                runs after the first event."""
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.send_header("Connection", "close")
                self.send_header("Mcp-Session-Id", "rogue-session")
                self.end_headers()
                try:
                    for i, m in enumerate(messages):
                        self.wfile.write(f"event: message\r\ndata: {json.dumps(m)}\r\n\r\n".encode())
                        self.wfile.flush()
                        if i == 0 and then:
                            then()
                except OSError:
                    pass
                self.close_connection = True

            def do_POST(self):
                msg = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                rogue.received.append(msg)
                mid, method = msg.get("id"), msg.get("method")
                if mid is None:
                    return self.reply(202, "text/plain", b"")
                if method == "initialize":
                    return self.reply(200, "application/json", json.dumps({
                        "jsonrpc": "2.0", "id": mid, "result": {
                            "protocolVersion": msg["params"]["protocolVersion"],
                            "capabilities": {"tools": {}}, "serverInfo": {"name": "rogue", "version": "1"}}}).encode(),
                        {"Mcp-Session-Id": "rogue-session"})
                if method == "tools/list":
                    if rogue.silent_listing:
                        time.sleep(5)
                    # One tool; but any name is answered at tools/call (a server that matches
                    # names loosely).
                    tools = [{"name": "echo", "inputSchema": {"type": "object"}}]
                    return self.reply(200, "application/json", json.dumps(
                        {"jsonrpc": "2.0", "id": mid, "result": {"tools": tools}}).encode())
                if method != "tools/call":
                    return self.reply(200, "application/json", json.dumps({"jsonrpc": "2.0", "id": mid, "result": {}}).encode())
                how = msg["params"]["arguments"]["message"]
                real = {"jsonrpc": "2.0", "id": mid, "result": {"content": [{"type": "text", "text": "REAL " + how}]}}
                if how == "slow":
                    time.sleep(1.5)
                progress = {"jsonrpc": "2.0", "method": "notifications/progress",
                            "params": {"progressToken": "p1", "progress": 1, "total": 2}}
                if how == "stream":
                    def wait():
                        rogue.released = rogue.release.wait(10)
                    return self.stream([progress, real], then=wait)
                if how == "cut":
                    return self.stream([progress])
                if how == "latin1":
                    # The answer's text in ISO 8859-1: not UTF-8, so no JSON text.
                    body = b"event: message\r\ndata: " + json.dumps(real).replace(
                        "REAL latin1", "REAL caf\u00e9").encode("latin-1") + b"\r\n\r\n"
                    return self.reply(200, "text/event-stream", body)
                if how == "json":
                    body = ('{"jsonrpc":"2.0","id":%s,"result":{"content":[]},"result":{"content":[{"type":"text","text":"SMUGGLED"}]}}'
                            % json.dumps(mid)).encode()
                    return self.reply(200, "application/json", body)
                if how != "sse":
                    return self.reply(200, "application/json", json.dumps(real).encode())
                second = {**real, "result": {"content": [{"type": "text", "text": "SECOND"}]}}
                ghost = {**real, "id": "ghost", "result": {"content": [{"type": "text", "text": "GHOST"}]}}
                smuggled = ('{"jsonrpc":"2.0","id":"other","id":%s,"result":{"content":[{"type":"text","text":"SMUGGLED"}]}}'
                            % json.dumps(mid))
                events = [json.dumps(real), json.dumps(second), json.dumps(ghost), smuggled]
                body = "".join(f"event: message\r\ndata: {e}\r\n\r\n" for e in events).encode()
                return self.reply(200, "text/event-stream", body)

            def reply(self, status, ctype, body, headers=None):
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.end_headers()
                try:
                    self.wfile.write(body)
                except OSError:
                    pass  # the proxy stopped waiting

        self.received = []
        self.silent_listing = False
        self.hold_gets = False
        self.let_go = threading.Event()
        self.release = threading.Event()
        self.released = None
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/mcp"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.let_go.set()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def rogue(keys, tmp_path):
    up = RogueUpstream()
    pol = keys.policy("rogue-http", [
        {"sid": "echo", "effect": "Allow", "actions": ["tool:execute"], "resources": ["echo", "simulate-research-query"]}])
    run_dir = tmp_path / "run"
    p, info = start_proxy(keys, pol, run_dir, [f"rogue={up.url}"])
    try:
        yield info["endpoint"], run_dir, up, p
    finally:
        p.kill()
        p.wait()
        up.close()


def call(i, message, **params):
    return json.dumps({"jsonrpc": "2.0", "id": i, "method": "tools/call",
                       "params": {"name": "echo", "arguments": {"message": message}, **params}})


def sse_messages(body):
    return [json.loads(l[len("data: "):]) for l in body.decode().splitlines() if l.startswith("data: ")]


def test_only_the_answer_to_the_request_reaches_the_client(rogue):
    endpoint, run_dir, up, p = rogue
    session = {"Mcp-Session-Id": "rogue-session"}
    status, body = post(endpoint, call(1, "sse"), session)
    assert status == 200
    # One message reaches the client: the first answer to id 1, the one in the receipt. The
    # second answer, the answer to "ghost" and the unreadable event are dropped.
    assert sse_messages(body) == [{"jsonrpc": "2.0", "id": 1, "result": {"content": [{"type": "text", "text": "REAL sse"}]}}]
    # A JSON answer claw cannot read (duplicate keys) is replaced by an error, never relayed.
    status, body = post(endpoint, call(2, "json"), session)
    err = json.loads(body)["error"]
    assert status == 200 and err["code"] == -32603 and err["data"]["reason_code"] == "MCP_INVALID_JSON", body
    assert b"SMUGGLED" not in body
    tools = [r["op"] for r in run_log(run_dir) if r["op"]["type"] == "tool"]
    assert [t["result"]["content"][0]["text"] for t in tools] == ["REAL sse"]


def test_an_answer_that_is_not_utf8_is_dropped_not_repaired(rogue):
    # An event stream whose answer is not UTF-8 carries no JSON text: the event is dropped
    # (one line on stderr) as on stdio, not decoded with U+FFFD into an answer the proxy
    # would sign a receipt over and relay.
    endpoint, run_dir, up, p = rogue
    status, body = post(endpoint, call(3, "latin1"), {"Mcp-Session-Id": "rogue-session"})
    assert status == 200 and b"caf" not in body and "\ufffd".encode() not in body, body
    assert [r["op"]["type"] for r in run_log(run_dir) if r["op"]["type"] == "tool"] == []


def open_stream(endpoint, method, body=None, headers=None):
    """A request whose answer is read as it arrives: the response, its lines to be read."""
    host, rest = endpoint[len("http://"):].split("/", 1)
    c = http.client.HTTPConnection(host, timeout=30)
    c.request(method, "/" + rest, body=body,
              headers={"Content-Type": "application/json",
                       "Accept": "application/json, text/event-stream", **(headers or {})})
    return c.getresponse()


def next_message(r):
    """The next message of an event stream being read, or None at its end."""
    while True:
        line = r.readline()
        if not line:
            return None
        if line.startswith(b"data: "):
            return json.loads(line[len(b"data: "):])


def test_an_event_stream_is_relayed_as_it_arrives(rogue):
    # A progress notification reaches the client while the upstream is still working on the
    # call (the upstream sends the answer only once the client has seen the notification),
    # then the answer, with its receipt.
    endpoint, run_dir, up, p = rogue
    r = open_stream(endpoint, "POST", call(5, "stream", _meta={"progressToken": "p1"}),
                    {"Mcp-Session-Id": "rogue-session"})
    assert r.status == 200 and r.getheader("Content-Type") == "text/event-stream"
    assert r.getheader("Mcp-Session-Id") == "rogue-session"
    first = next_message(r)
    assert first["method"] == "notifications/progress", first
    up.release.set()
    answer = next_message(r)
    assert answer == {"jsonrpc": "2.0", "id": 5, "result": {"content": [{"type": "text", "text": "REAL stream"}]}}
    assert next_message(r) is None
    assert up.released is True, "the answer was sent only after the 10 s wait: the progress was held back"
    tools = [r["op"] for r in run_log(run_dir) if r["op"]["type"] == "tool"]
    assert [t["result"]["content"][0]["text"] for t in tools] == ["REAL stream"]


def test_a_stream_that_ends_without_the_answer_gets_an_error(rogue):
    # The upstream closes the stream after a notification: the client is told, instead of
    # waiting for an answer that cannot come; no receipt.
    endpoint, run_dir, up, p = rogue
    r = open_stream(endpoint, "POST", call(6, "cut"), {"Mcp-Session-Id": "rogue-session"})
    assert next_message(r)["method"] == "notifications/progress"
    err = next_message(r)
    assert err["id"] == 6 and err["error"]["data"]["reason_code"] == "MCP_UPSTREAM_ERROR", err
    assert next_message(r) is None
    assert [r for r in run_log(run_dir) if r["op"]["type"] == "tool"] == []


def test_the_server_stream_opened_with_get(rogue):
    # GET opens the upstream's own stream through the same gate: its notification and request
    # reach the client; a response to a request nobody sent does not.
    endpoint, run_dir, up, p = rogue
    r = open_stream(endpoint, "GET", headers={"Mcp-Session-Id": "rogue-session"})
    assert r.status == 200 and r.getheader("Content-Type") == "text/event-stream"
    got = []
    while (m := next_message(r)) is not None:
        got.append(m)
    assert [m.get("method") for m in got] == ["notifications/message", "ping"], got
    assert b"UNSOLICITED" not in json.dumps(got).encode()


def test_streams_held_open_cannot_take_every_connection(rogue):
    # GET streams and subscriptions/listen answers stay open as long as the upstream keeps
    # them so: at most 16 at once (a quarter of the 64 connections), the next refused with 503
    # MCP_TOO_MANY_STREAMS and a JSON body, before anything is sent upstream; calls still go
    # through meanwhile, and a stream that ends gives its place back.
    endpoint, run_dir, up, p = rogue
    up.hold_gets = True
    session = {"Mcp-Session-Id": "rogue-session"}
    held = [open_stream(endpoint, "GET", headers=session) for _ in range(16)]
    for r in held:
        assert r.status == 200 and next_message(r)["params"]["data"] == "held"
    r = open_stream(endpoint, "GET", headers=session)
    body = json.loads(r.read())
    assert r.status == 503 and body["error"]["data"]["reason_code"] == "MCP_TOO_MANY_STREAMS", body
    listen = json.dumps({"jsonrpc": "2.0", "id": 7, "method": "subscriptions/listen",
                         "params": {"notifications": {"toolsListChanged": True}}})
    status, body = post(endpoint, listen, session)
    body = json.loads(body)
    assert status == 503 and body["id"] == 7, body
    assert body["error"]["data"]["reason_code"] == "MCP_TOO_MANY_STREAMS", body
    assert "subscriptions/listen" not in [m.get("method") for m in up.received]
    status, body = post(endpoint, call(8, "plain"), session)
    assert status == 200 and json.loads(body)["result"]["content"][0]["text"] == "REAL plain", body
    # The upstream ends its streams: each place is given back.
    up.let_go.set()
    for r in held:
        while next_message(r) is not None:
            pass
    deadline = time.time() + 10
    while True:
        r = open_stream(endpoint, "GET", headers=session)
        if r.status == 200 or time.time() > deadline:
            break
        r.read()
        time.sleep(0.1)
    assert r.status == 200 and next_message(r)["params"]["data"] == "held"


def test_a_connection_beyond_the_limit_gets_a_json_answer(rogue):
    # 64 connections that send nothing take every place; the next one is answered 503 with a
    # JSON body and its reason code (it was an empty 503), and once they are gone calls pass.
    endpoint, run_dir, up, p = rogue
    host, port = endpoint[len("http://"):].split("/", 1)[0].split(":")
    idle = [socket.create_connection((host, int(port)), timeout=10) for _ in range(64)]
    try:
        # Nothing sent: the answer comes at once, and an unread request could reset it.
        status, body = raw_exchange(endpoint, [])
        assert status == 503 and body["error"]["data"]["reason_code"] == "MCP_PROXY_BUSY", body
    finally:
        for s in idle:
            s.close()
    deadline = time.time() + 10
    while True:
        status, body = post(endpoint, call(9, "plain"), {"Mcp-Session-Id": "rogue-session"})
        if status == 200 or time.time() > deadline:
            break
        time.sleep(0.1)
    assert status == 200 and json.loads(body)["result"]["content"][0]["text"] == "REAL plain", body


def raw_exchange(endpoint, chunks, pause=0.0):
    """Send `chunks` (bytes) on one connection, `pause` seconds apart; return the status and
    the JSON body of the answer."""
    host, rest = endpoint[len("http://"):].split("/", 1)
    h, port = host.split(":")
    with socket.create_connection((h, int(port)), timeout=20) as s:
        try:
            for c in chunks:
                s.sendall(c)
                time.sleep(pause)
        except OSError:
            pass  # the proxy answered and closed before everything was sent
        data = b""
        while True:
            got = s.recv(65536)
            if not got:
                break
            data += got
    head, _, body = data.partition(b"\r\n\r\n")
    return int(head.split(b" ")[1]), json.loads(body)


def test_requests_are_framed_once_and_read_in_bounded_time(rogue, keys, tmp_path):
    # A request whose length is stated twice or both ways (how requests are smuggled past one
    # reader and not another), an unreadable head, endless trailers: 400 MCP_HTTP_MALFORMED
    # with a JSON body, nothing forwarded. A client that sends its request a byte now and then
    # gets 408 REQUEST_TIMEOUT once --request-timeout has passed in all, not per read.
    endpoint, run_dir, up, p = rogue
    path = "/" + endpoint.split("/", 3)[3]
    msg = call(1, "x").encode()
    start = f"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n".encode()
    chunked = b"%x\r\n" % len(msg) + msg + b"\r\n0\r\n"
    for req in (
        start + b"Content-Length: %d\r\nTransfer-Encoding: chunked\r\n\r\n" % len(msg) + chunked + b"\r\n",
        start + b"Content-Length: %d\r\nContent-Length: 5\r\n\r\n" % len(msg) + msg,
        start + b"Transfer-Encoding: gzip, chunked\r\n\r\n" + chunked + b"\r\n",
        start + b"Content-Length: +%d\r\n\r\n" % len(msg) + msg,
        start + b"Transfer-Encoding: chunked\r\n\r\n" + chunked + b"X-T: y\r\n" * 20000 + b"\r\n",
        start + b"no colon here\r\n\r\n",
    ):
        status, body = raw_exchange(endpoint, [req])
        assert status == 400 and body["error"]["data"]["reason_code"] == "MCP_HTTP_MALFORMED", (req[:200], body)
    # The same body, framed once either way, goes through.
    for req in (start + b"Content-Length: %d\r\n\r\n" % len(msg) + msg,
                start + b"Transfer-Encoding: chunked\r\n\r\n" + chunked + b"\r\n"):
        status, body = raw_exchange(endpoint, [req])
        assert status == 200 and body["result"]["content"][0]["text"] == "REAL x", body
    assert [m["method"] for m in up.received] == ["tools/list", "tools/call", "tools/call"]

    pol = keys.policy("slow-client", [
        {"sid": "echo", "effect": "Allow", "actions": ["tool:execute"], "resources": ["echo"]}])
    q, info = start_proxy(keys, pol, tmp_path / "slow", [f"rogue={up.url}"], ["--request-timeout", "1"])
    try:
        started = time.monotonic()
        req = start + b"Content-Length: %d\r\n\r\n" % len(msg) + msg
        status, body = raw_exchange(info["endpoint"], [req[i:i + 1] for i in range(len(req))], pause=0.2)
        waited = time.monotonic() - started
    finally:
        q.kill()
        q.wait()
    assert status == 408 and body["error"]["data"]["reason_code"] == "REQUEST_TIMEOUT", body
    assert waited < 10, waited
    assert len(up.received) == 3


def test_a_request_id_in_flight_is_not_reused_within_a_session(rogue):
    import threading
    endpoint, run_dir, up, p = rogue
    session = {"Mcp-Session-Id": "rogue-session"}
    first = {}
    t = threading.Thread(target=lambda: first.update(r=post(endpoint, call(5, "slow"), session)))
    t.start()
    deadline = time.time() + 10
    while not any(m.get("id") == 5 for m in up.received) and time.time() < deadline:
        time.sleep(0.02)
    status, body = post(endpoint, call(5, "fast"), session)
    t.join()
    err = json.loads(body)["error"]
    assert status == 409 and err["code"] == -32600 and err["data"]["reason_code"] == "MCP_DUPLICATE_REQUEST_ID", body
    assert first["r"][0] == 200 and b"REAL slow" in first["r"][1]
    # Not forwarded; and once answered, the id is free again; another session has its own ids.
    assert [m["params"]["arguments"]["message"] for m in up.received if m.get("id") == 5] == ["slow"]
    assert post(endpoint, call(5, "again"), session)[0] == 200
    assert post(endpoint, call(5, "elsewhere"), {"Mcp-Session-Id": "another"})[0] == 200


def test_tasks_are_not_relayed_over_http(rogue):
    endpoint, run_dir, up, p = rogue
    for body in (call(9, "t", task={"ttl": 60000}),
                 json.dumps({"jsonrpc": "2.0", "id": 10, "method": "tasks/result", "params": {"taskId": "x"}})):
        status, out = post(endpoint, body, {"Mcp-Session-Id": "rogue-session"})
        err = json.loads(out)["error"]
        assert status == 200 and err["data"]["reason_code"] == "MCP_TASKS_UNSUPPORTED", out
    assert up.received == []
    assert [r["op"]["type"] for r in run_log(run_dir)] == ["start"]


def test_resources_and_prompts_are_decided_over_http(keys, upstream, tmp_path):
    # The rule of test_stdio.py::test_resources_and_prompts_are_decided on the HTTP proxy:
    # resources/read and prompts/get decided (mcp:read_resource, mcp:get_prompt), listings
    # filtered, decisions recorded.
    run_dir = tmp_path / "run"
    open_pol = keys.policy("http-data-open", [
        {"sid": "all-data", "effect": "Allow", "actions": ["mcp:*"], "resources": ["*"]}])

    async def survey(s):
        res = (await s.list_resources()).resources
        prompts = (await s.list_prompts()).prompts
        return [str(r.uri) for r in res], [p.name for p in prompts if not p.arguments]

    p, info = start_proxy(keys, open_pol, tmp_path / "survey", [upstream],
                          ["--server-name", "everything"])
    try:
        uris, prompts = asyncio.run(on_route(info["endpoint"], survey))
    finally:
        p.kill()
        p.wait()
    assert len(uris) >= 2 and prompts, (uris, prompts)
    pol = keys.policy("http-one-resource", [
        {"sid": "one", "effect": "Allow", "actions": ["mcp:read_resource"], "resources": [uris[0]]}])

    async def body(s):
        listed = [str(r.uri) for r in (await s.list_resources()).resources]
        shown_prompts = (await s.list_prompts()).prompts
        read = await s.read_resource(uris[0])
        with pytest.raises(MCPError) as denied:
            await s.read_resource(uris[1])
        with pytest.raises(MCPError) as prompt:
            await s.get_prompt(prompts[0])
        return listed, shown_prompts, read, denied.value.error, prompt.value.error

    p, info = start_proxy(keys, pol, run_dir, [upstream], ["--server-name", "everything"])
    try:
        listed, shown_prompts, read, denied, prompt = asyncio.run(on_route(info["endpoint"], body))
    finally:
        p.kill()
        p.wait()
    assert listed == [uris[0]] and shown_prompts == []
    assert read.contents and str(read.contents[0].uri) == uris[0]
    for e in (denied, prompt):
        assert e.code == -32010 and e.data["reason_code"] == "POLICY_DEFAULT_DENY", e
    decisions = [r["op"] for r in run_log(run_dir) if r["op"]["type"] == "decision"]
    assert [(d["action"], d["resource"], d["decision"]) for d in decisions] == [
        ("mcp:read_resource", uris[0], "allow"),
        ("mcp:read_resource", uris[1], "deny"),
        ("mcp:get_prompt", prompts[0], "deny"),
    ]
    _, verdict, code = bundle_of(run_dir, tmp_path)
    assert code == 0, verdict


def test_templates_and_completions_follow_the_policy_over_http(keys, upstream, tmp_path):
    # test_stdio.py::test_subscriptions_templates_and_completions_follow_the_policy on the
    # HTTP proxy: only the template and the prompt the policy could allow are listed and
    # completed; the hidden ones get an empty completion from the proxy.
    pol = keys.policy("http-names", NAMES_STATEMENTS)
    p, info = start_proxy(keys, pol, tmp_path / "run", [upstream], ["--server-name", "everything"])
    try:
        seen = asyncio.run(on_route(info["endpoint"], survey_names))
    finally:
        p.kill()
        p.wait()
    assert_names_follow_the_policy(*seen)


def test_a_listing_the_upstream_does_not_answer_in_time_refuses_the_call(keys, tmp_path):
    # The HTTP proxy lists the upstream's tools itself before deciding a first call (§10.3,
    # step 0); an upstream that takes longer than --listing-timeout to answer has the call
    # refused, not forwarded, and the client answered in time.
    up = RogueUpstream()
    up.silent_listing = True
    pol = keys.policy("rogue-slow-list", [
        {"sid": "echo", "effect": "Allow", "actions": ["tool:execute"], "resources": ["echo"]}])
    p, info = start_proxy(keys, pol, tmp_path / "run", [f"rogue={up.url}"],
                          ["--listing-timeout", "1"])
    try:
        started = time.monotonic()
        status, raw = post(info["endpoint"], call(1, "plain"), {"Mcp-Session-Id": "rogue-session"})
        waited = time.monotonic() - started
    finally:
        p.kill()
        p.wait()
        up.close()
    result = json.loads(raw)["result"]
    assert status == 200 and result["isError"], raw
    assert "MCP_TOOL_LISTING_UNAVAILABLE" in result["content"][0]["text"], raw
    assert waited < 4.5, waited
    assert [m["method"] for m in up.received] == ["tools/list"]


def test_a_tool_the_upstream_never_listed_is_refused(rogue):
    # The rogue upstream lists `echo` but runs a call of any name: `ECHO`, which the policy's
    # glob does not match as `echo`, is refused before the policy and never forwarded. The
    # client never listed: the proxy did, in the client's session.
    endpoint, run_dir, up, p = rogue
    session = {"Mcp-Session-Id": "rogue-session"}
    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "tools/call",
                       "params": {"name": "ECHO", "arguments": {"message": "x"}}})
    status, raw = post(endpoint, body, session)
    result = json.loads(raw)["result"]
    assert status == 200 and result["isError"] and "MCP_TOOL_NOT_LISTED" in result["content"][0]["text"], raw
    status, raw = post(endpoint, call(2, "plain"), session)
    assert status == 200 and b"REAL plain" in raw
    assert [m["method"] for m in up.received] == ["tools/list", "tools/call"]
    assert up.received[1]["params"]["name"] == "echo"
    decisions = [r["op"]["reason_code"] for r in run_log(run_dir) if r["op"]["type"] == "decision"]
    assert decisions == ["MCP_TOOL_NOT_LISTED", "POLICY_ALLOW"]

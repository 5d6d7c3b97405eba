"""`claw mcp wrap` between the official MCP Python SDK (client, over stdio) and the official
reference servers from npm: decisions, listings, receipts, bundles, elicitation, overrides,
tokens, malformed input, exit codes."""
import asyncio
import json
import os
import subprocess
import time
from pathlib import Path

import pytest
from mcp import ClientSession, StdioServerParameters, types
from mcp.shared.exceptions import MCPError
from mcp.client.stdio import stdio_client

from conftest import (APPROVED_DATA_STATEMENTS, CLAW, NAMES_STATEMENTS, TEXT_TEMPLATE,
                      approve_the_first, assert_data_approvals, assert_names_follow_the_policy,
                      claw, jcs_hash, npm_server, read_then_prompt, survey_names)


def wrap_params(*, wpc, signer, server_name, server_cmd, run_dir=None, agent_key=None,
                extra=(), env=None):
    args = ["mcp", "wrap", "--wpc", str(wpc), "--signer", signer, "--server-name", server_name]
    if run_dir is not None:
        args += ["--run-dir", str(run_dir), "--agent-key", str(agent_key)]
    args += list(extra)
    args += ["--", *server_cmd]
    e = dict(os.environ)
    e.update(env or {})
    return StdioServerParameters(command=CLAW, args=args, env=e)


async def session_do(params, body, elicitation_callback=None):
    async with stdio_client(params) as (read, write):
        async with ClientSession(read, write, elicitation_callback=elicitation_callback) as s:
            await s.initialize()
            return await body(s)


def text_of(result) -> str:
    return "\n".join(c.text for c in result.content if getattr(c, "type", None) == "text")


def bundle_of(run_dir: Path, tmp: Path):
    out = tmp / "bundle.json"
    claw("bundle", "build", "--run-dir", str(run_dir), "--out", str(out))
    v = claw("bundle", "verify", "--json", str(out), check=False)
    return json.loads(out.read_text()), json.loads(v.stdout), v.returncode


def run_log(run_dir: Path):
    return [json.loads(l) for l in (run_dir / "run.jsonl").read_text().splitlines()]


@pytest.fixture
def files(tmp_path):
    root = tmp_path / "files"
    root.mkdir()
    (root / "notes.txt").write_text("the real content\n")
    (root / "edit-me.txt").write_text("alpha\n")
    return root


def fs_cmd(root: Path, tee: Path | None = None):
    server = [npm_server("mcp-server-filesystem"), str(root)]
    if tee is None:
        return server
    # Keep a copy of every byte the server reads, to compare with the receipts.
    return ["sh", "-c", f'tee "$0" | exec "$@"', str(tee), *server]


def test_filesystem_server_behind_the_policy(keys, fs_policy, files, tmp_path):
    run_dir = tmp_path / "run"
    seen = tmp_path / "server-stdin.jsonl"
    params = wrap_params(wpc=fs_policy, signer=keys.signer, server_name="fs",
                         server_cmd=fs_cmd(files, seen), run_dir=run_dir,
                         agent_key=keys.dir / "agent.jwk")

    async def body(s):
        listed = [t.name for t in (await s.list_tools()).tools]
        read = await s.call_tool("read_text_file", {"path": str(files / "notes.txt")})
        write = await s.call_tool("write_file", {"path": str(files / "new.txt"), "content": "x"})
        move = await s.call_tool("move_file", {"source": str(files / "notes.txt"),
                                               "destination": str(files / "moved.txt")})
        return listed, read, write, move

    listed, read, write, move = asyncio.run(session_do(params, body))
    # tools/list: only what the policy could allow.
    assert "read_text_file" in listed and "list_directory" in listed
    assert "edit_file" in listed  # allowed with an approval
    for hidden in ("write_file", "move_file", "create_directory"):
        assert hidden not in listed
    # An allowed read returns the real content.
    assert not read.is_error
    assert "the real content" in text_of(read)
    # A denied write never reaches the server, and the filesystem is unchanged.
    assert write.is_error
    assert "claw: POLICY_VIOLATION:" in text_of(write)
    assert not (files / "new.txt").exists()
    assert move.is_error and "POLICY_DEFAULT_DENY" in text_of(move)
    assert (files / "notes.txt").exists() and not (files / "moved.txt").exists()

    # What the server received: no write_file, no move_file; the read's arguments.
    calls = [json.loads(l) for l in seen.read_text().splitlines() if l.strip()]
    calls = [m for m in calls if m.get("method") == "tools/call"]
    assert [m["params"]["name"] for m in calls] == ["read_text_file"]

    # The run log: the listing, three decisions, one tool receipt.
    log = run_log(run_dir)
    ops = [r["op"]["type"] for r in log]
    assert ops == ["start", "listing", "decision", "tool", "decision", "decision"]
    listing = log[1]["op"]
    assert "write_file" in listing["offered"] and "write_file" not in listing["shown"]
    assert listing["server"] == "fs"
    assert [r["op"]["reason_code"] for r in log if r["op"]["type"] == "decision"] == [
        "POLICY_ALLOW", "POLICY_VIOLATION", "POLICY_DEFAULT_DENY"]

    # The bundle verifies, and its receipt's argument hash is the hash of what the server got.
    bundle, verdict, code = bundle_of(run_dir, tmp_path)
    assert code == 0 and verdict["status"] == "PASS", verdict
    receipts = bundle["payload"]["tool_receipts"]
    assert len(receipts) == 1
    r = receipts[0]["payload"] if "payload" in receipts[0] else receipts[0]
    assert r["tool_name"] == "read_text_file"
    assert r["args_hash_b64u"] == jcs_hash(calls[0]["params"]["arguments"])


def test_approval_through_elicitation(keys, fs_policy, files, tmp_path):
    run_dir = tmp_path / "run"
    params = wrap_params(wpc=fs_policy, signer=keys.signer, server_name="fs",
                         server_cmd=fs_cmd(files), run_dir=run_dir,
                         agent_key=keys.dir / "agent.jwk")
    asked = []

    async def answer(ctx, p):
        asked.append(p.message)
        approve = len(asked) == 1  # approve the first call, refuse the second
        return types.ElicitResult(action="accept", content={"approve": approve})

    async def body(s):
        edit = {"path": str(files / "edit-me.txt"), "edits": [{"oldText": "alpha", "newText": "beta"}]}
        first = await s.call_tool("edit_file", edit)
        again = {"path": str(files / "edit-me.txt"), "edits": [{"oldText": "beta", "newText": "gamma"}]}
        second = await s.call_tool("edit_file", again)
        return first, second

    first, second = asyncio.run(session_do(params, body, elicitation_callback=answer))
    assert len(asked) == 2 and "edit_file" in asked[0]
    assert not first.is_error, text_of(first)
    assert "HUMAN_APPROVAL_DENIED" in text_of(second)
    assert (files / "edit-me.txt").read_text() == "beta\n"
    log = run_log(run_dir)
    answers = [r["op"]["approved"] for r in log if r["op"]["type"] == "elicitation"]
    assert answers == [True, False]
    decisions = [r["op"]["reason_code"] for r in log if r["op"]["type"] == "decision"]
    assert decisions == ["CAPABILITY_REQUIRES_APPROVAL", "POLICY_ALLOW",
                         "CAPABILITY_REQUIRES_APPROVAL", "HUMAN_APPROVAL_DENIED"]
    _, verdict, code = bundle_of(run_dir, tmp_path)
    assert code == 0, verdict


def test_approval_of_a_read_and_a_prompt_through_elicitation(keys, tmp_path):
    # A resource read and a prompt the policy allows only with a human's approval are asked
    # through elicitation like a call: the approved read answered, the refused prompt not
    # sent; both answers recorded (`action`, `resource`), and the bundle verifies.
    pol = keys.policy("data-approval", APPROVED_DATA_STATEMENTS)
    run_dir = tmp_path / "run"
    params = wrap_params(wpc=pol, signer=keys.signer, server_name="everything",
                         server_cmd=[npm_server("mcp-server-everything"), "stdio"],
                         run_dir=run_dir, agent_key=keys.dir / "agent.jwk")
    asked = []
    uri, read, refused = asyncio.run(
        session_do(params, read_then_prompt, elicitation_callback=approve_the_first(asked)))
    assert_data_approvals(asked, uri, read, refused, run_log(run_dir))
    _, verdict, code = bundle_of(run_dir, tmp_path)
    assert code == 0, verdict


def test_an_operator_approval_of_a_read_and_a_prompt(keys, tmp_path):
    # `claw run approve --resource URI` and `--prompt NAME --args FILE` from an operator's
    # shell approve a data request the policy allows only with an approval; each approval is
    # used once, by the request it names (the prompt's by its arguments too).
    pol = keys.policy("data-operator-approval", APPROVED_DATA_STATEMENTS)
    run_dir = tmp_path / "run"
    params = wrap_params(wpc=pol, signer=keys.signer, server_name="everything",
                         server_cmd=[npm_server("mcp-server-everything"), "stdio"],
                         run_dir=run_dir, agent_key=keys.dir / "agent.jwk")
    paris = tmp_path / "paris.json"
    paris.write_text(json.dumps({"city": "Paris"}))

    async def refused(request):
        with pytest.raises(MCPError) as e:
            await request
        return e.value.error.data["reason_code"]

    async def body(s):
        uri = str((await s.list_resources()).resources[0].uri)
        seen = [await refused(s.read_resource(uri))]
        claw("run", "approve", "--dir", str(run_dir), "--resource", uri,
             "--approver", "oncall@example.com")
        read = await s.read_resource(uri)
        seen.append(await refused(s.read_resource(uri)))  # used once
        claw("run", "approve", "--dir", str(run_dir), "--prompt", "args-prompt",
             "--args", str(paris), "--approver", "oncall@example.com")
        seen.append(await refused(s.get_prompt("args-prompt", {"city": "Rome"})))
        prompt = await s.get_prompt("args-prompt", {"city": "Paris"})
        return uri, seen, read, prompt

    uri, seen, read, prompt = asyncio.run(session_do(params, body))
    assert seen == ["CAPABILITY_REQUIRES_APPROVAL"] * 3, seen
    assert str(read.contents[0].uri) == uri
    assert "Paris" in prompt.messages[0].content.text
    log = run_log(run_dir)
    approvals = [r for r in log if r["op"]["type"] == "approval"]
    assert [a["op"]["scope"]["action"] for a in approvals] == ["mcp:read_resource", "mcp:get_prompt"]
    used = [r["op"] for r in log if r["op"].get("decision") == "allow"]
    assert [(u["action"], u["approval_receipt_id"]) for u in used] == [
        ("mcp:read_resource", approvals[0]["out"]["receipt_id"]),
        ("mcp:get_prompt", approvals[1]["out"]["receipt_id"])]
    # The whole log replays in a fresh process. (No bundle: a human-approval receipt needs a
    # model call to anchor to, which this proxy-only run has not, §6.2.6.)
    status = json.loads(claw("run", "status", "--dir", str(run_dir)).stdout)
    assert status["events"] == len(log)


def test_approval_without_elicitation_is_refused(keys, fs_policy, files):
    params = wrap_params(wpc=fs_policy, signer=keys.signer, server_name="fs",
                         server_cmd=fs_cmd(files))

    async def body(s):
        return await s.call_tool("edit_file", {"path": str(files / "edit-me.txt"),
                                              "edits": [{"oldText": "alpha", "newText": "beta"}]})

    r = asyncio.run(session_do(params, body))
    assert r.is_error and "claw: CAPABILITY_REQUIRES_APPROVAL:" in text_of(r)
    assert (files / "edit-me.txt").read_text() == "alpha\n"


def test_an_operator_approval_between_calls(keys, fs_policy, files, tmp_path):
    # Another writer (`claw run approve` from an operator's shell) appends to the run log
    # while the proxy records into it: the proxy replays what was appended before its next
    # record, so the approval is used and the log stays one chain.
    run_dir = tmp_path / "run"
    params = wrap_params(wpc=fs_policy, signer=keys.signer, server_name="fs",
                         server_cmd=fs_cmd(files), run_dir=run_dir,
                         agent_key=keys.dir / "agent.jwk")
    args = {"path": str(files / "edit-me.txt"),
            "edits": [{"oldText": "alpha", "newText": "beta"}]}
    args_file = tmp_path / "args.json"
    args_file.write_text(json.dumps(args))

    async def body(s):
        first = await s.call_tool("edit_file", args)
        claw("run", "approve", "--dir", str(run_dir), "--tool", "edit_file",
             "--args", str(args_file), "--approver", "oncall@example.com")
        second = await s.call_tool("edit_file", args)
        third = await s.call_tool("edit_file", args)  # the approval was used once
        read = await s.call_tool("read_text_file", {"path": str(files / "notes.txt")})
        return first, second, third, read

    first, second, third, read = asyncio.run(session_do(params, body))
    assert first.is_error and "CAPABILITY_REQUIRES_APPROVAL" in text_of(first)
    assert not second.is_error
    assert third.is_error and "CAPABILITY_REQUIRES_APPROVAL" in text_of(third)
    assert not read.is_error
    assert (files / "edit-me.txt").read_text() == "beta\n"
    log = run_log(run_dir)
    assert [r["seq"] for r in log] == list(range(len(log)))
    # (The SDK lists the tools once, to learn their output schemas.)
    ops = [(r["op"]["type"], r["op"].get("decision")) for r in log if r["op"]["type"] != "listing"]
    assert ops == [("start", None), ("decision", "approval_required"), ("approval", None),
                   ("decision", "allow"), ("tool", None), ("decision", "approval_required"),
                   ("decision", "allow"), ("tool", None)]
    approval = next(r for r in log if r["op"]["type"] == "approval")
    used = [r["op"] for r in log if r["op"].get("decision") == "allow"][0]
    assert used["approval_receipt_id"] == approval["out"]["receipt_id"]
    # The whole log replays (every record's `out` checked) in a fresh process.
    status = json.loads(claw("run", "status", "--dir", str(run_dir)).stdout)
    assert status["events"] == len(log)  # every record here appends one event


def test_server_name_is_a_context_key(keys, fs_policy, files):
    # The same policy, the server called something else: edit_file can never be allowed
    # there, yet listing hides only what no context allows, so it is refused at the call.
    params = wrap_params(wpc=fs_policy, signer=keys.signer, server_name="other",
                         server_cmd=fs_cmd(files))

    async def body(s):
        return await s.call_tool("edit_file", {"path": str(files / "edit-me.txt"),
                                              "edits": [{"oldText": "alpha", "newText": "beta"}]})

    r = asyncio.run(session_do(params, body, elicitation_callback=None))
    assert r.is_error and "POLICY_DEFAULT_DENY" in text_of(r)


def test_overrides_apply_to_the_next_call(keys, fs_policy, files, tmp_path):
    ov = tmp_path / "overrides.json"
    ov.write_text("{}")
    params = wrap_params(wpc=fs_policy, signer=keys.signer, server_name="fs",
                         server_cmd=fs_cmd(files), extra=["--overrides", str(ov)])
    path = str(files / "notes.txt")

    async def body(s):
        before = await s.call_tool("read_text_file", {"path": path})
        ov.write_text(json.dumps({"denied_tools": ["read_*"]}))
        after = await s.call_tool("read_text_file", {"path": path})
        listed = [t.name for t in (await s.list_tools()).tools]
        ov.write_text("{not json")
        broken = await s.call_tool("list_directory", {"path": str(files)})
        ov.write_text("{}")
        time.sleep(0.01)
        fixed = await s.call_tool("read_text_file", {"path": path})
        return before, after, listed, broken, fixed

    before, after, listed, broken, fixed = asyncio.run(session_do(params, body))
    assert not before.is_error
    assert after.is_error and "OVERRIDE_TOOL_DENIED" in text_of(after)
    assert "read_text_file" not in listed and "list_directory" in listed
    assert broken.is_error and "OVERRIDES_INVALID" in text_of(broken)
    assert not fixed.is_error


def test_everything_server(keys, tmp_path):
    pol = keys.policy("everything", [
        {"sid": "echo", "effect": "Allow", "actions": ["tool:execute"], "resources": ["echo", "get-sum"]},
    ])
    run_dir = tmp_path / "run"
    params = wrap_params(wpc=pol, signer=keys.signer, server_name="everything",
                         server_cmd=[npm_server("mcp-server-everything"), "stdio"],
                         run_dir=run_dir, agent_key=keys.dir / "agent.jwk")

    async def body(s):
        listed = sorted(t.name for t in (await s.list_tools()).tools)
        echo = await s.call_tool("echo", {"message": "hello through claw"})
        env = await s.call_tool("get-env", {})
        return listed, echo, env

    listed, echo, env = asyncio.run(session_do(params, body))
    assert listed == ["echo", "get-sum"]
    assert "hello through claw" in text_of(echo)
    assert env.is_error and "POLICY_DEFAULT_DENY" in text_of(env)
    _, verdict, code = bundle_of(run_dir, tmp_path)
    assert code == 0, verdict


def test_token_required_and_pinned(keys, files, tmp_path):
    pol = keys.policy("needs-cst", [
        {"sid": "reads", "effect": "Allow", "actions": ["tool:execute"], "resources": ["read_*"]},
    ], metadata={"claw.dev/v1": {"token_requirements": {"require_cst": True, "pin_cst_to_policy_hash": True}}})
    cmd = ["mcp", "wrap", "--wpc", str(pol), "--signer", keys.signer, "--server-name", "fs",
           "--run-dir", str(tmp_path / "r0"), "--agent-key", str(keys.dir / "agent.jwk"),
           "--", npm_server("mcp-server-filesystem"), str(files)]
    p = subprocess.run([CLAW, *cmd], capture_output=True, text=True, stdin=subprocess.DEVNULL)
    assert p.returncode == 3 and p.stderr.startswith("claw: TOKEN_REQUIRED: "), p.stderr
    h = claw("wpc", "hash", str(keys.dir / "needs-cst.json")).stdout.strip()
    tok = claw("cst", "issue", "--key", str(keys.dir / "issuer.jwk"), "--sub", keys.agent,
               "--aud", "fs", "--scope", "tool:execute", "--policy-hash", h,
               "--ttl", "300").stdout.strip()
    (tmp_path / "tok").write_text(tok)
    run_dir = tmp_path / "r1"
    params = wrap_params(wpc=pol, signer=keys.signer, server_name="fs",
                         server_cmd=fs_cmd(files), run_dir=run_dir,
                         agent_key=keys.dir / "agent.jwk",
                         extra=["--cst-issuer", keys.issuer], env={"CLAW_MCP_CST": "@" + str(tmp_path / "tok")})

    async def body(s):
        return await s.call_tool("read_text_file", {"path": str(files / "notes.txt")})

    r = asyncio.run(session_do(params, body))
    assert not r.is_error, text_of(r)
    assert run_log(run_dir)[0]["op"]["token"]["scope_hash_b64u"]
    # A token pinned to another policy is refused at start.
    other = claw("cst", "issue", "--key", str(keys.dir / "issuer.jwk"), "--sub", keys.agent,
                 "--aud", "fs", "--scope", "tool:execute", "--policy-hash", "A" * 43,
                 "--ttl", "300").stdout.strip()
    cmd2 = [c.replace("r0", "r2") for c in cmd]
    p = subprocess.run([CLAW, *cmd2[:-3], "--cst", other, "--cst-issuer", keys.issuer, *cmd2[-3:]],
                       capture_output=True, text=True, stdin=subprocess.DEVNULL)
    assert p.returncode == 3, p.stderr
    assert len(p.stderr.splitlines()) == 1 and p.stderr.startswith("claw: "), p.stderr


def raw_proxy(keys, fs_policy, server_cmd, extra=()):
    return subprocess.Popen(
        [CLAW, "mcp", "wrap", "--wpc", str(fs_policy), "--signer", keys.signer, *extra, "--", *server_cmd],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def test_malformed_input_gets_json_rpc_errors(keys, fs_policy, files):
    p = raw_proxy(keys, fs_policy, fs_cmd(files), extra=["--max-message-bytes", "4096"])
    try:
        lines = [
            b"this is not json",
            b'{"jsonrpc":"2.0","id":1,"id":2,"method":"ping"}',
            b'[{"jsonrpc":"2.0","id":1,"method":"ping"}]',
            b'{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":5}}',
            b'{"jsonrpc":"2.0","id":4,"method":"' + b"x" * 5000 + b'"}',
            b'{"jsonrpc":"2.0","id":5,"method":"ping"}',
        ]
        p.stdin.write(b"\n".join(lines) + b"\n")
        p.stdin.flush()
        got = [json.loads(p.stdout.readline()) for _ in range(6)]
    finally:
        p.stdin.close()
        p.wait(timeout=20)
    codes = [(g.get("error") or {}).get("code") for g in got]
    reasons = [((g.get("error") or {}).get("data") or {}).get("reason_code") for g in got]
    assert codes[:5] == [-32700, -32700, -32600, -32602, -32600]
    assert reasons[:5] == ["MCP_INVALID_JSON", "MCP_INVALID_JSON", "MCP_BATCH_UNSUPPORTED",
                           "MCP_INVALID_PARAMS", "MCP_MESSAGE_TOO_LARGE"]
    # And the proxy still relays: the ping reached the server and came back.
    assert got[5] == {"jsonrpc": "2.0", "id": 5, "result": {}}
    assert p.returncode == 0


def test_child_exit_code_and_stderr_pass_through(keys, fs_policy):
    p = raw_proxy(keys, fs_policy, ["sh", "-c", "echo from-the-server >&2; exit 7"])
    out, err = p.communicate(timeout=20)
    assert p.returncode == 7
    assert b"from-the-server" in err
    p = raw_proxy(keys, fs_policy, ["sh", "-c", "kill -TERM $$"])
    p.communicate(timeout=20)
    assert p.returncode == 128 + 15


# A server that answers every request with a ~2 KB result (above the 1 KiB line buffer of the
# proxy's stdout, below PIPE_BUF) and reports, in each answer, how many of its reads of stdin
# so far ended inside a line.
CHUNK_SERVER = r"""
import json, os, sys
buf, partial = b"", 0
while True:
    chunk = os.read(0, 1 << 16)
    if not chunk:
        break
    if not chunk.endswith(b"\n"):
        partial += 1
    buf += chunk
    while b"\n" in buf:
        line, buf = buf.split(b"\n", 1)
        msg = json.loads(line)
        if "id" in msg and "method" in msg:
            res = {"partial_reads": partial, "pad": "x" * 2000}
            if msg["method"] == "tools/list":
                res["tools"] = [{"name": "read_file", "inputSchema": {"type": "object"}}]
            os.write(1, json.dumps({"jsonrpc": "2.0", "id": msg["id"], "result": res}).encode() + b"\n")
"""


def test_each_message_is_one_write(keys, fs_policy, tmp_path):
    """The proxy writes each relayed message with its newline in one write(2), both ways: a
    peer blocked in read() is woken once, with a whole line (two writes woke it twice, the
    first time with a line without its end)."""
    server = ["python3", "-c", CHUNK_SERVER]
    # (The proxy's own tools/list before the first call is not relayed: one answer per request.)
    for extra in ([], ["--run-dir", str(tmp_path / "run"), "--agent-key", str(keys.dir / "agent.jwk")]):
        p = raw_proxy(keys, fs_policy, server, extra=extra)
        out_partial, last = 0, None
        try:
            for i in range(40):
                method = "tools/call" if i % 2 else "ping"
                params = {"name": "read_file", "arguments": {"path": f"/n/{i}"}} if i % 2 else {}
                p.stdin.write(json.dumps({"jsonrpc": "2.0", "id": i, "method": method,
                                          "params": params}).encode() + b"\n")
                p.stdin.flush()
                got = b""
                while not got.endswith(b"\n"):
                    chunk = os.read(p.stdout.fileno(), 1 << 16)
                    assert chunk, p.stderr.read()
                    if not chunk.endswith(b"\n"):
                        out_partial += 1
                    got += chunk
                last = json.loads(got)
                assert last["id"] == i and len(last["result"]["pad"]) == 2000, last
        finally:
            p.stdin.close()
            p.wait(timeout=20)
        assert last["result"]["partial_reads"] == 0, extra
        assert out_partial == 0, extra
    # With the run directory, each allowed call left its decision and its receipt.
    log = run_log(tmp_path / "run")
    assert [r["op"]["type"] for r in log[1:]].count("tool") == 20


def rpc_client(p):
    """send(message) and until(id): every message the proxy relays up to the answer to id."""
    def send(m):
        p.stdin.write(json.dumps(m).encode() + b"\n")
        p.stdin.flush()

    def until(i):
        seen = []
        while True:
            line = p.stdout.readline()
            assert line, "the proxy closed its stdout"
            seen.append(json.loads(line))
            if seen[-1].get("id") == i and "method" not in seen[-1]:
                return seen
    return send, until


INIT = {"jsonrpc": "2.0", "id": 0, "method": "initialize",
        "params": {"protocolVersion": "2025-11-25", "capabilities": {},
                   "clientInfo": {"name": "raw", "version": "1"}}}


def raw_session(keys, pol, server, run_dir, capabilities=None):
    """A raw proxy recording into run_dir, initialized: (process, send, until)."""
    p = raw_proxy(keys, pol, server,
                  extra=["--run-dir", str(run_dir), "--agent-key", str(keys.dir / "agent.jwk")])
    send, until = rpc_client(p)
    try:
        send({**INIT, "params": {**INIT["params"], "capabilities": capabilities or {}}})
        until(0)
    except BaseException:
        p.kill()
        p.wait()
        raise
    return p, send, until


def test_a_request_id_in_flight_is_not_reused(keys, tmp_path):
    # MCP: a request id is never reused within a session. A proxy that matched answers by id
    # would otherwise sign a receipt over another request's answer (here: the ping's `{}`) and
    # relay the call's real result without one.
    pol = keys.policy("dup", [{"sid": "slow", "effect": "Allow", "actions": ["tool:execute"],
                               "resources": ["trigger-long-running-operation", "echo"]}])
    run_dir = tmp_path / "run"
    p, send, until = raw_session(keys, pol, [npm_server("mcp-server-everything"), "stdio"], run_dir)
    try:
        send({"jsonrpc": "2.0", "id": 7, "method": "tools/call",
              "params": {"name": "trigger-long-running-operation", "arguments": {"duration": 2, "steps": 1}}})
        send({"jsonrpc": "2.0", "id": 7, "method": "ping"})
        send({"jsonrpc": "2.0", "id": 7, "method": "tools/call",
              "params": {"name": "echo", "arguments": {"message": "second"}}})
        answers = [until(7)[-1], until(7)[-1]]
        # The two duplicates are refused at once, the long call still runs.
        assert [a["error"]["data"]["reason_code"] for a in answers] == ["MCP_DUPLICATE_REQUEST_ID"] * 2
        assert all(a["error"]["code"] == -32600 for a in answers)
        done = until(7)[-1]
        assert "result" in done and "Long running operation completed" in json.dumps(done), done
        # Answered, the id is free again.
        send({"jsonrpc": "2.0", "id": 7, "method": "tools/call",
              "params": {"name": "echo", "arguments": {"message": "after"}}})
        assert "Echo: after" in json.dumps(until(7)[-1])
    finally:
        p.stdin.close()
        p.wait(timeout=20)
    tools = [r["op"] for r in run_log(run_dir) if r["op"]["type"] == "tool"]
    decisions = [r["op"] for r in run_log(run_dir) if r["op"]["type"] == "decision"]
    # The refused duplicate call was never decided; each receipt holds its own call's answer.
    assert [d["resource"] for d in decisions] == ["trigger-long-running-operation", "echo"]
    assert [t["tool_name"] for t in tools] == ["trigger-long-running-operation", "echo"]
    assert "Long running operation completed" in json.dumps(tools[0]["result"])
    assert "Echo: after" in json.dumps(tools[1]["result"])


def test_an_answer_to_no_request_in_flight_is_dropped(keys, tmp_path):
    # The server answers each call twice, then answers an id nobody sent: only the first
    # answer reaches the client, and it is the one in the receipt.
    pol = keys.policy("rogue", [{"sid": "echo", "effect": "Allow", "actions": ["tool:execute"],
                                 "resources": ["echo"]}])
    run_dir = tmp_path / "run"
    server = ["python3", str(Path(__file__).parent / "rogue_server.py")]
    p, send, until = raw_session(keys, pol, server, run_dir)
    try:
        send({"jsonrpc": "2.0", "id": 1, "method": "tools/call",
              "params": {"name": "echo", "arguments": {"message": "first"}}})
        send({"jsonrpc": "2.0", "id": 2, "method": "ping"})
        # The ping may be answered first: the proxy lists the server's tools before the
        # first call (docs/SPEC.md §10.3, step 0).
        seen = until(1)
        if not any(m.get("id") == 2 for m in seen):
            seen += until(2)
    finally:
        p.stdin.close()
        p.wait(timeout=20)
    stderr = p.stderr.read().decode()
    assert sorted(m.get("id") for m in seen) == [1, 2], seen
    assert "SECOND ANSWER" not in json.dumps(seen) and "GHOST" not in json.dumps(seen)
    assert stderr.count("claw: MCP_UNSOLICITED_RESPONSE: ") == 2, stderr
    tools = [r["op"] for r in run_log(run_dir) if r["op"]["type"] == "tool"]
    assert len(tools) == 1 and tools[0]["result"]["content"][0]["text"] == "first"


def test_a_listing_the_server_never_answers_refuses_the_waiting_call(keys, tmp_path):
    # The client calls before listing, so the proxy lists the server's tools first (§10.3,
    # step 0); this server never answers tools/list. Past --listing-timeout the held call is
    # refused (it is not held forever, and never reaches the server), the proxy goes on
    # relaying, and the late listing is not waited for.
    pol = keys.policy("silent", [{"sid": "echo", "effect": "Allow", "actions": ["tool:execute"],
                                  "resources": ["echo"]}])
    seen = tmp_path / "server-stdin.jsonl"
    server = ["sh", "-c", 'tee "$0" | exec "$@"', str(seen),
              "python3", str(Path(__file__).parent / "rogue_server.py"), "silent-listing"]
    p = raw_proxy(keys, pol, server, extra=["--listing-timeout", "1"])
    send, until = rpc_client(p)
    try:
        send(INIT)
        until(0)
        started = time.monotonic()
        send({"jsonrpc": "2.0", "id": 1, "method": "tools/call",
              "params": {"name": "echo", "arguments": {"message": "x"}}})
        refused = until(1)[-1]
        waited = time.monotonic() - started
        send({"jsonrpc": "2.0", "id": 2, "method": "ping"})
        pong = until(2)[-1]
    finally:
        p.stdin.close()
        p.wait(timeout=20)
    text = refused["result"]["content"][0]["text"]
    assert refused["result"]["isError"] and "MCP_TOOL_LISTING_UNAVAILABLE" in text, refused
    assert 0.9 <= waited < 20, waited
    assert pong == {"jsonrpc": "2.0", "id": 2, "result": {}}
    sent = [json.loads(l).get("method") for l in seen.read_text().splitlines()]
    assert sent == ["initialize", "tools/list", "ping"], sent
    stderr = p.stderr.read().decode()
    assert "claw: MCP_TOOL_LISTING_UNAVAILABLE: the server did not answer" in stderr, stderr


def test_tasks_are_not_relayed(keys, tmp_path):
    # A task-augmented call is answered with a task handle and its result fetched later with
    # tasks/result, outside the call decided on and receipted: refused, never sent.
    pol = keys.policy("tasks", [{"sid": "all", "effect": "Allow", "actions": ["tool:execute"],
                                 "resources": ["simulate-research-query", "echo"]}])
    seen = tmp_path / "server-stdin.jsonl"
    server = ["sh", "-c", 'tee "$0" | exec "$@"', str(seen), npm_server("mcp-server-everything"), "stdio"]
    run_dir = tmp_path / "run"
    p, send, until = raw_session(keys, pol, server, run_dir, capabilities={"tasks": {}})
    try:
        send({"jsonrpc": "2.0", "id": 1, "method": "tools/list"})
        listed = [t["name"] for t in until(1)[-1]["result"]["tools"]]
        send({"jsonrpc": "2.0", "id": 2, "method": "tools/call",
              "params": {"name": "simulate-research-query", "arguments": {"topic": "x"},
                         "task": {"ttl": 60000}}})
        refused = until(2)[-1]
        send({"jsonrpc": "2.0", "id": 3, "method": "tasks/list"})
        refused_list = until(3)[-1]
        send({"jsonrpc": "2.0", "id": 4, "method": "tools/call",
              "params": {"name": "echo", "arguments": {"message": "plain"}}})
        plain = until(4)[-1]
    finally:
        p.stdin.close()
        p.wait(timeout=20)
    # The policy allows simulate-research-query, but it runs only as a task: never shown.
    assert "echo" in listed and "simulate-research-query" not in listed
    for r in (refused, refused_list):
        assert r["error"]["code"] == -32600 and r["error"]["data"]["reason_code"] == "MCP_TASKS_UNSUPPORTED", r
    assert "Echo: plain" in json.dumps(plain)
    sent = [json.loads(l) for l in seen.read_text().splitlines()]
    assert [m.get("method") for m in sent if "id" in m] == ["initialize", "tools/list", "tools/call"]
    assert [r["op"]["resource"] for r in run_log(run_dir) if r["op"]["type"] == "decision"] == ["echo"]


def test_subscriptions_templates_and_completions_follow_the_policy(keys, tmp_path):
    # What only names data follows the policy too: a resource template is listed, and its or a
    # prompt's argument completions asked of the server, only when the policy could allow a
    # read of the template's text (here through a glob) or a get of the prompt; otherwise the
    # proxy answers an empty completion and the server is never asked. A subscription is
    # decided as a read of its URI and recorded.
    everything = [npm_server("mcp-server-everything"), "stdio"]
    pol = keys.policy("names", NAMES_STATEMENTS)
    run_dir = tmp_path / "run"
    seen = tmp_path / "server-stdin.jsonl"
    tee = ["sh", "-c", 'tee "$0" | exec "$@"', str(seen), *everything]

    async def body(s):
        names = await survey_names(s)
        await s.subscribe_resource("demo://resource/dynamic/text/1")
        with pytest.raises(MCPError) as denied:
            await s.subscribe_resource("demo://resource/static/document/features.md")
        return names, denied.value.error

    names, denied = asyncio.run(session_do(
        wrap_params(wpc=pol, signer=keys.signer, server_name="everything", server_cmd=tee,
                    run_dir=run_dir, agent_key=keys.dir / "agent.jwk"), body))
    assert_names_follow_the_policy(*names)
    assert denied.code == -32010 and denied.data["reason_code"] == "POLICY_DEFAULT_DENY", denied
    sent = [json.loads(l) for l in seen.read_text().splitlines()]
    asked = [m["params"]["ref"] for m in sent if m.get("method") == "completion/complete"]
    assert asked == [{"type": "ref/resource", "uri": TEXT_TEMPLATE},
                     {"type": "ref/prompt", "name": "completable-prompt"}], asked
    subscribed = [m["params"]["uri"] for m in sent if m.get("method") == "resources/subscribe"]
    assert subscribed == ["demo://resource/dynamic/text/1"]
    # The template listing is recorded: what the server offered, what the client was shown.
    listings = [r["op"] for r in run_log(run_dir) if r["op"]["type"] == "listing"]
    assert [(l.get("kind"), l["offered"], l["shown"]) for l in listings] == [
        ("resource_templates", [TEXT_TEMPLATE, "demo://resource/dynamic/blob/{resourceId}"],
         [TEXT_TEMPLATE])], listings
    decisions = [r["op"] for r in run_log(run_dir) if r["op"]["type"] == "decision"]
    assert [(d["action"], d["resource"], d["decision"]) for d in decisions] == [
        ("mcp:read_resource", "demo://resource/dynamic/text/1", "allow"),
        ("mcp:read_resource", "demo://resource/static/document/features.md", "deny"),
    ]
    _, verdict, code = bundle_of(run_dir, tmp_path)
    assert code == 0, verdict


def test_a_listen_is_decided_per_subscribed_uri(keys, tmp_path):
    # Revision 2026-07-28 subscribes through `subscriptions/listen`: each URI of
    # notifications.resourceSubscriptions is decided as a read, in order, and the request goes
    # to the server only when every one is allowed; opt-ins that name no data pass. A listen
    # refused records its refusal alone: no allow for a URI that was not subscribed to, and
    # an operator's approval of one stays unused for the read that comes later.
    approved = "demo://resource/dynamic/text/2"
    pol = keys.policy("listen", [
        {"sid": "text", "effect": "Allow", "actions": ["mcp:read_resource"],
         "resources": ["demo://resource/dynamic/text/1"]},
        {"sid": "approved", "effect": "Allow", "actions": ["mcp:read_resource"],
         "resources": [approved], "conditions": {"Bool": {"Request:HasHumanApproval": "true"}}}])
    allowed, denied = "demo://resource/dynamic/text/1", "demo://resource/static/document/features.md"
    seen = tmp_path / "server-stdin.jsonl"
    server = ["sh", "-c", 'tee "$0" | exec "$@"', str(seen), npm_server("mcp-server-everything"), "stdio"]
    run_dir = tmp_path / "run"
    listen = lambda i, f: {"jsonrpc": "2.0", "id": i, "method": "subscriptions/listen",
                           "params": {"notifications": f}}
    p, send, until = raw_session(keys, pol, server, run_dir)
    try:
        send(listen(1, {"resourceSubscriptions": [allowed, denied]}))
        refused = until(1)[-1]
        send(listen(2, {"toolsListChanged": True}))
        send(listen(3, {"resourceSubscriptions": [allowed]}))
        send({"jsonrpc": "2.0", "id": 4, "method": "ping"})
        until(4)
        claw("run", "approve", "--dir", str(run_dir), "--resource", approved,
             "--approver", "oncall@example.com")
        send(listen(5, {"resourceSubscriptions": [approved, denied]}))
        until(5)
        send({"jsonrpc": "2.0", "id": 6, "method": "resources/read", "params": {"uri": approved}})
        read = until(6)[-1]
    finally:
        p.stdin.close()
        p.wait(timeout=20)
    e = refused["error"]
    assert e["code"] == -32010 and e["data"]["reason_code"] == "POLICY_DEFAULT_DENY", refused
    assert denied in e["message"] and "not sent to the server" in e["message"], e
    assert read["result"]["contents"][0]["uri"] == approved, read
    sent = [json.loads(l) for l in seen.read_text().splitlines()]
    assert [m["id"] for m in sent if m.get("method") == "subscriptions/listen"] == [2, 3]
    log = run_log(run_dir)
    decisions = [r["op"] for r in log if r["op"]["type"] == "decision"]
    assert [(d["action"], d["resource"], d["decision"]) for d in decisions] == [
        ("mcp:read_resource", denied, "deny"),
        ("mcp:read_resource", allowed, "allow"),
        ("mcp:read_resource", denied, "deny"),
        ("mcp:read_resource", approved, "allow"),
    ]
    approval = next(r for r in log if r["op"]["type"] == "approval")
    assert decisions[-1]["approval_receipt_id"] == approval["out"]["receipt_id"]


def test_resources_and_prompts_are_decided(keys, tmp_path):
    # A resource's contents and a prompt's messages reach the client outside tools/call: the
    # proxy decides resources/read (mcp:read_resource on the URI) and prompts/get
    # (mcp:get_prompt on the name) like calls, default deny, and shows in resources/list and
    # prompts/list only what the policy could allow. The server's own listing first, through
    # a proxy whose policy allows every MCP action.
    everything = [npm_server("mcp-server-everything"), "stdio"]
    open_pol = keys.policy("data-open", [
        {"sid": "all-data", "effect": "Allow", "actions": ["mcp:*"], "resources": ["*"]}])

    async def survey(s):
        res = (await s.list_resources()).resources
        prompts = (await s.list_prompts()).prompts
        return [str(r.uri) for r in res], [p for p in prompts if not p.arguments]

    uris, prompts = asyncio.run(session_do(
        wrap_params(wpc=open_pol, signer=keys.signer, server_name="everything",
                    server_cmd=everything), survey))
    assert len(uris) >= 2 and prompts, (uris, prompts)
    allowed_uri, denied_uri, prompt = uris[0], uris[1], prompts[0].name

    # A policy that allows every tool: no resource, no prompt.
    tools_pol = keys.policy("tools-only", [
        {"sid": "all-tools", "effect": "Allow", "actions": ["tool:*"], "resources": ["*"]}])

    async def blocked(s):
        listed = (await s.list_resources()).resources
        with pytest.raises(MCPError) as read:
            await s.read_resource(allowed_uri)
        with pytest.raises(MCPError) as got:
            await s.get_prompt(prompt)
        return listed, read.value.error, got.value.error

    seen = tmp_path / "server-stdin.jsonl"
    tee = ["sh", "-c", 'tee "$0" | exec "$@"', str(seen), *everything]
    listed, read_err, prompt_err = asyncio.run(session_do(
        wrap_params(wpc=tools_pol, signer=keys.signer, server_name="everything", server_cmd=tee),
        blocked))
    assert listed == []
    for e in (read_err, prompt_err):
        assert e.code == -32010, e
        assert e.data["reason_code"] == "POLICY_DEFAULT_DENY" and e.data["decision"] == "deny", e
    assert "resource" in read_err.message and "not sent to the server" in read_err.message
    sent = [json.loads(l).get("method") for l in seen.read_text().splitlines()]
    assert "resources/read" not in sent and "prompts/get" not in sent, sent

    # One resource and one prompt allowed: exactly those, with decisions in the run.
    pol = keys.policy("one-resource", [
        {"sid": "one", "effect": "Allow", "actions": ["mcp:read_resource"], "resources": [allowed_uri],
         "conditions": {"StringEquals": {"Mcp:Server": "everything"}}},
        {"sid": "p", "effect": "Allow", "actions": ["mcp:get_prompt"], "resources": [prompt]}])
    run_dir = tmp_path / "run"

    async def some(s):
        listed = [str(r.uri) for r in (await s.list_resources()).resources]
        read = await s.read_resource(allowed_uri)
        with pytest.raises(MCPError) as denied:
            await s.read_resource(denied_uri)
        got = await s.get_prompt(prompt)
        return listed, read, denied.value.error, got

    listed, read, denied, got = asyncio.run(session_do(
        wrap_params(wpc=pol, signer=keys.signer, server_name="everything", server_cmd=everything,
                    run_dir=run_dir, agent_key=keys.dir / "agent.jwk"), some))
    assert listed == [allowed_uri]
    assert read.contents and str(read.contents[0].uri) == allowed_uri
    assert denied.code == -32010 and denied.data["reason_code"] == "POLICY_DEFAULT_DENY"
    assert got.messages
    decisions = [r["op"] for r in run_log(run_dir) if r["op"]["type"] == "decision"]
    assert [(d["action"], d["resource"], d["decision"]) for d in decisions] == [
        ("mcp:read_resource", allowed_uri, "allow"),
        ("mcp:read_resource", denied_uri, "deny"),
        ("mcp:get_prompt", prompt, "allow"),
    ]
    assert decisions[0]["statement_id"] == "one"
    _, verdict, code = bundle_of(run_dir, tmp_path)
    assert code == 0, verdict


def test_a_token_must_cover_a_data_request(keys, tmp_path):
    # The run's token is checked for each request's own action: a token scoped to
    # tool:execute reads no resource, even where the policy allows it.
    pol = keys.policy("data-cst", [
        {"sid": "tools", "effect": "Allow", "actions": ["tool:execute"], "resources": ["echo"]},
        {"sid": "data", "effect": "Allow", "actions": ["mcp:read_resource"], "resources": ["*"]},
    ], metadata={"claw.dev/v1": {"token_requirements": {"require_cst": True,
                                                        "pin_cst_to_policy_hash": False}}})
    everything = [npm_server("mcp-server-everything"), "stdio"]
    results = {}
    for name, scopes in (("tools", ["tool:execute"]), ("both", ["tool:execute", "mcp:read_resource"])):
        tok = claw("cst", "issue", "--key", str(keys.dir / "issuer.jwk"), "--sub", keys.agent,
                   "--aud", "everything", *[a for s in scopes for a in ("--scope", s)],
                   "--ttl", "300").stdout.strip()
        params = wrap_params(wpc=pol, signer=keys.signer, server_name="everything",
                             server_cmd=everything, run_dir=tmp_path / name,
                             agent_key=keys.dir / "agent.jwk",
                             extra=["--cst", tok, "--cst-issuer", keys.issuer])

        async def body(s):
            uri = str((await s.list_resources()).resources[0].uri)
            echo = await s.call_tool("echo", {"message": "m"})
            try:
                return echo, await s.read_resource(uri)
            except MCPError as e:
                return echo, e.error

        results[name] = asyncio.run(session_do(params, body))
    echo, refused = results["tools"]
    assert not echo.is_error
    assert refused.code == -32010 and refused.data["reason_code"] == "TOKEN_INSUFFICIENT_SCOPE", refused
    echo, read = results["both"]
    assert not echo.is_error and read.contents


PAGED_SERVER = r"""
import json, sys
pages = [["a", "grow"], ["b"], ["c"]]
for line in sys.stdin:
    msg = json.loads(line)
    mid, method = msg.get("id"), msg.get("method")
    if mid is None:
        continue
    def send(m):
        sys.stdout.write(json.dumps(m) + "\n"); sys.stdout.flush()
    if method == "tools/list":
        i = int((msg.get("params") or {}).get("cursor") or 0)
        res = {"tools": [{"name": n, "inputSchema": {"type": "object"}} for n in pages[i]]}
        if i + 1 < len(pages):
            res["nextCursor"] = str(i + 1)
        send({"jsonrpc": "2.0", "id": mid, "result": res})
    elif method == "tools/call":
        name = msg["params"]["name"]
        if name == "grow":
            pages[-1].append("d")
            send({"jsonrpc": "2.0", "method": "notifications/tools/list_changed"})
        # Any name is answered: a server that matches names loosely.
        send({"jsonrpc": "2.0", "id": mid, "result": {"content": [{"type": "text", "text": "ran " + name}]}})
    else:
        send({"jsonrpc": "2.0", "id": mid, "result": {}})
"""


def test_a_tool_the_server_never_listed_is_refused(keys, tmp_path):
    # Unknown tool: deny. The proxy lists the server's tools itself (every page) before the
    # first call the client makes without listing; a name the server did not list is refused
    # before the policy, even where the policy's Allow * would let it through.
    pol = keys.policy("any-tool", [{"sid": "any", "effect": "Allow", "actions": ["tool:execute"],
                                    "resources": ["*"]}])
    seen = tmp_path / "server-stdin.jsonl"
    server = ["sh", "-c", 'tee "$0" | exec "$@"', str(seen), "python3", "-c", PAGED_SERVER]
    run_dir = tmp_path / "run"
    p, send, until = raw_session(keys, pol, server, run_dir)
    try:
        answers = {}
        for i, name in enumerate(["c", "C", "grow", "d", "e"], start=1):
            send({"jsonrpc": "2.0", "id": i, "method": "tools/call",
                  "params": {"name": name, "arguments": {}}})
            msgs = until(i)
            answers[name] = msgs[-1]
            if name == "grow":
                assert [m.get("method") for m in msgs[:-1]] == ["notifications/tools/list_changed"], msgs
            else:
                assert len(msgs) == 1, msgs  # the proxy's own listings are never relayed
    finally:
        p.stdin.close()
        p.wait(timeout=20)
    text = {n: a["result"]["content"][0]["text"] for n, a in answers.items()}
    assert text["c"] == "ran c" and text["grow"] == "ran grow" and text["d"] == "ran d", text
    for n in ("C", "e"):
        assert answers[n]["result"]["isError"] and "MCP_TOOL_NOT_LISTED" in text[n], text
    sent = [json.loads(l) for l in seen.read_text().splitlines()]
    calls = [m["params"]["name"] for m in sent if m.get("method") == "tools/call"]
    assert calls == ["c", "grow", "d"], calls
    # Three pages before the first call, three again after the server said its tools changed.
    cursors = [(m.get("params") or {}).get("cursor") for m in sent if m.get("method") == "tools/list"]
    assert cursors == [None, "1", "2", None, "1", "2"], cursors
    decisions = [(r["op"]["resource"], r["op"]["reason_code"]) for r in run_log(run_dir)
                 if r["op"]["type"] == "decision"]
    assert decisions == [("c", "POLICY_ALLOW"), ("C", "MCP_TOOL_NOT_LISTED"), ("grow", "POLICY_ALLOW"),
                         ("d", "POLICY_ALLOW"), ("e", "MCP_TOOL_NOT_LISTED")], decisions


def test_a_listing_resumed_from_a_cursor_is_not_taken_as_whole(keys, tmp_path):
    # The client reads only the last page (it resumed from a cursor): the tools of the pages
    # before it are not "never listed"; the proxy lists them itself before deciding.
    pol = keys.policy("any-tool-2", [{"sid": "any", "effect": "Allow", "actions": ["tool:execute"],
                                      "resources": ["*"]}])
    seen = tmp_path / "server-stdin.jsonl"
    server = ["sh", "-c", 'tee "$0" | exec "$@"', str(seen), "python3", "-c", PAGED_SERVER]
    p, send, until = raw_session(keys, pol, server, tmp_path / "run")
    try:
        send({"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {"cursor": "2"}})
        last = until(1)[-1]["result"]
        send({"jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": {"name": "a", "arguments": {}}})
        a = until(2)[-1]["result"]
        send({"jsonrpc": "2.0", "id": 3, "method": "tools/call", "params": {"name": "A", "arguments": {}}})
        refused = until(3)[-1]["result"]
    finally:
        p.stdin.close()
        p.wait(timeout=20)
    assert [t["name"] for t in last["tools"]] == ["c"] and "nextCursor" not in last
    assert a["content"][0]["text"] == "ran a", a
    assert refused["isError"] and "MCP_TOOL_NOT_LISTED" in refused["content"][0]["text"], refused
    sent = [json.loads(l) for l in seen.read_text().splitlines()]
    cursors = [(m.get("params") or {}).get("cursor") for m in sent if m.get("method") == "tools/list"]
    assert cursors == ["2", None, "1", "2"], cursors

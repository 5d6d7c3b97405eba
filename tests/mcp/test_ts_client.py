"""`claw mcp wrap` under the official MCP TypeScript SDK's client (tests/mcp/ts_client.mjs),
in front of the npm server-everything: the same rules as under the Python SDK, seen by a second
client implementation."""
import json
import os
import shutil
import subprocess

from conftest import CLAW, NAMES_STATEMENTS, npm_server
from test_stdio import bundle_of, run_log


def test_the_typescript_sdk_client_sees_the_policy(keys, tmp_path):
    npm_dir = os.environ["CLAW_MCP_NPM"]
    script = os.path.join(npm_dir, "ts_client.mjs")
    shutil.copy(os.path.join(os.path.dirname(__file__), "ts_client.mjs"), script)
    approval = {"Bool": {"Request:HasHumanApproval": "true"}}
    pol = keys.policy("ts-client", NAMES_STATEMENTS + [
        {"sid": "echo", "effect": "Allow", "actions": ["tool:execute"], "resources": ["echo"]},
        {"sid": "architecture-approved", "effect": "Allow", "actions": ["mcp:read_resource"],
         "resources": ["demo://resource/static/document/architecture.md"], "conditions": approval},
        {"sid": "args-approved", "effect": "Allow", "actions": ["mcp:get_prompt"],
         "resources": ["args-prompt"], "conditions": approval}])
    run_dir = tmp_path / "run"
    wrap = {"command": CLAW, "args": [
        "mcp", "wrap", "--wpc", str(pol), "--signer", keys.signer, "--server-name", "everything",
        "--run-dir", str(run_dir), "--agent-key", str(keys.dir / "agent.jwk"),
        "--", npm_server("mcp-server-everything"), "stdio"]}
    done = subprocess.run(["node", script, json.dumps(wrap)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen["tools"] == ["echo"]
    assert seen["echo"] == {"isError": False, "text": "Echo: from ts"}
    assert seen["sum"]["isError"] and "POLICY_DEFAULT_DENY" in seen["sum"]["text"], seen["sum"]
    assert seen["templates"] == ["demo://resource/dynamic/text/{resourceId}"]
    assert seen["text_completion"] == ["1"] and seen["blob_completion"] == []
    assert seen["read"] == ["demo://resource/dynamic/text/1"]
    assert seen["read_refused"] == {"code": -32010, "reason_code": "POLICY_DEFAULT_DENY"}
    # Data requests that need an approval are asked through the SDK's elicitation handler.
    assert seen["approved_read"] == ["demo://resource/static/document/architecture.md"]
    assert seen["prompt_refused"] == {"code": -32010, "reason_code": "HUMAN_APPROVAL_DENIED"}
    assert len(seen["asked"]) == 2 and 'prompt "args-prompt"' in seen["asked"][1], seen["asked"]
    decisions = [(r["op"]["action"], r["op"]["resource"], r["op"]["decision"])
                 for r in run_log(run_dir) if r["op"]["type"] == "decision"]
    assert decisions == [
        ("tool:execute", "echo", "allow"),
        ("tool:execute", "get-sum", "deny"),
        ("mcp:read_resource", "demo://resource/dynamic/text/1", "allow"),
        ("mcp:read_resource", "demo://resource/static/document/features.md", "deny"),
        ("mcp:read_resource", "demo://resource/static/document/architecture.md", "approval_required"),
        ("mcp:read_resource", "demo://resource/static/document/architecture.md", "allow"),
        ("mcp:get_prompt", "args-prompt", "approval_required"),
        ("mcp:get_prompt", "args-prompt", "deny"),
    ]
    tools = [r["op"] for r in run_log(run_dir) if r["op"]["type"] == "tool"]
    assert [t["tool_name"] for t in tools] == ["echo"]
    _, verdict, code = bundle_of(run_dir, tmp_path)
    assert code == 0, verdict

"""Shared set-up for the MCP proxy tests: the claw binary, keys, signed policies, the
reference MCP servers installed by scripts/test-mcp.sh."""
import base64
import hashlib
import json
import os
import subprocess
from pathlib import Path

import pytest

CLAW = os.environ.get("CLAW_BIN", "claw")
NPM_BIN = Path(os.environ["CLAW_MCP_NPM"]) / "node_modules" / ".bin"


def claw(*args, check=True, **kw):
    p = subprocess.run([CLAW, *args], capture_output=True, text=True, **kw)
    if check and p.returncode != 0:
        raise AssertionError(f"claw {' '.join(args)}: exit {p.returncode}: {p.stderr}")
    return p


def jcs_hash(value) -> str:
    """SHA-256 (base64url, no padding) of the RFC 8785 bytes, computed by `claw jcs`."""
    p = subprocess.run([CLAW, "jcs", "-"], input=json.dumps(value).encode(), capture_output=True)
    assert p.returncode == 0, p.stderr
    return base64.urlsafe_b64encode(hashlib.sha256(p.stdout).digest()).rstrip(b"=").decode()


class Keys:
    def __init__(self, d: Path):
        self.dir = d
        self.signer = claw("keygen", "--out", str(d / "signer")).stdout.strip()
        self.agent = claw("keygen", "--out", str(d / "agent")).stdout.strip()
        self.issuer = claw("keygen", "--out", str(d / "issuer")).stdout.strip()

    def policy(self, name: str, statements, **extra) -> Path:
        doc = {
            "policy_version": "2",
            "policy_id": name,
            "issuer_did": self.signer,
            "statements": statements,
            **extra,
        }
        src = self.dir / f"{name}.json"
        src.write_text(json.dumps(doc))
        env = claw("wpc", "sign", str(src), "--key", str(self.dir / "signer.jwk")).stdout
        out = self.dir / f"{name}.env.json"
        out.write_text(env)
        return out


@pytest.fixture(scope="session")
def keys(tmp_path_factory):
    return Keys(tmp_path_factory.mktemp("keys"))


# What the filesystem server may do: read and list; edit with a human's approval on the
# server named "fs"; never write; nothing else (move_file, create_directory, ... are hidden).
FS_STATEMENTS = [
    {"sid": "reads", "effect": "Allow", "actions": ["tool:execute"],
     "resources": ["read_*", "list_*", "get_file_info"]},
    {"sid": "fs-edits-approved", "effect": "Allow", "actions": ["tool:execute"],
     "resources": ["edit_file"],
     "conditions": {"StringEquals": {"Mcp:Server": "fs"},
                    "Bool": {"Request:HasHumanApproval": "true"}}},
    {"sid": "no-writes", "effect": "Deny", "actions": ["tool:execute"], "resources": ["write_file"]},
]


@pytest.fixture(scope="session")
def fs_policy(keys):
    return keys.policy("fs-policy", FS_STATEMENTS)


def npm_server(name: str) -> str:
    p = NPM_BIN / name
    assert p.exists(), f"{p} missing: run scripts/test-mcp.sh"
    return str(p)


# The npm server-everything's resource templates and prompts, and a policy that could allow a
# read of the text template (through a glob) and a get of one prompt: what the template and
# completion tests show and hide.
TEXT_TEMPLATE = "demo://resource/dynamic/text/{resourceId}"
BLOB_TEMPLATE = "demo://resource/dynamic/blob/{resourceId}"
NAMES_STATEMENTS = [
    {"sid": "text", "effect": "Allow", "actions": ["mcp:read_resource"],
     "resources": ["demo://resource/dynamic/text/*"]},
    {"sid": "prompt", "effect": "Allow", "actions": ["mcp:get_prompt"],
     "resources": ["completable-prompt"]}]


async def survey_names(s):
    """Through an SDK session: the templates listed, then the completions of the text and the
    blob template and of an argument of `completable-prompt` and of `resource-prompt`."""
    from mcp import types
    tpls = [t.uri_template for t in (await s.list_resource_templates()).resource_templates]
    ref = lambda u: types.ResourceTemplateReference(type="ref/resource", uri=u)
    prompt = lambda n: types.PromptReference(type="ref/prompt", name=n)
    text = await s.complete(ref(TEXT_TEMPLATE), {"name": "resourceId", "value": "1"})
    blob = await s.complete(ref(BLOB_TEMPLATE), {"name": "resourceId", "value": "1"})
    dept = await s.complete(prompt("completable-prompt"), {"name": "department", "value": ""})
    kind = await s.complete(prompt("resource-prompt"), {"name": "resourceType", "value": ""})
    return tpls, text, blob, dept, kind


def assert_names_follow_the_policy(tpls, text, blob, dept, kind):
    assert tpls == [TEXT_TEMPLATE]
    assert text.completion.values == ["1"] and "Engineering" in dept.completion.values
    for hidden in (blob, kind):
        assert hidden.completion.values == [] and not hidden.completion.has_more


# A resource read and a prompt allowed only with a human's approval (docs/SPEC.md §10.4), on
# the npm `server-everything`: the approval tests of both transports ask for them.
APPROVED_DATA_STATEMENTS = [
    {"sid": "read-approved", "effect": "Allow", "actions": ["mcp:read_resource"],
     "resources": ["*"], "conditions": {"Bool": {"Request:HasHumanApproval": "true"}}},
    {"sid": "prompt-approved", "effect": "Allow", "actions": ["mcp:get_prompt"],
     "resources": ["args-prompt"], "conditions": {"Bool": {"Request:HasHumanApproval": "true"}}}]


def approve_the_first(asked):
    """An elicitation callback that keeps each message asked in `asked` and approves only
    the first request."""
    from mcp import types

    async def answer(ctx, params):
        asked.append(params.message)
        return types.ElicitResult(action="accept", content={"approve": len(asked) == 1})
    return answer


async def read_then_prompt(s):
    """Through an SDK session: the first resource listed read (approved), then `args-prompt`
    for Paris (refused): the URI, the read result and the prompt's error."""
    from mcp.shared.exceptions import MCPError
    uri = str((await s.list_resources()).resources[0].uri)
    read = await s.read_resource(uri)
    with pytest.raises(MCPError) as refused:
        await s.get_prompt("args-prompt", {"city": "Paris"})
    return uri, read, refused.value.error


def assert_data_approvals(asked, uri, read, refused, log):
    """What `read_then_prompt` with `approve_the_first` shows and records: each request asked
    about by name, the read answered, the prompt refused, both answers and the four decisions
    recorded."""
    assert len(asked) == 2, asked
    assert f'reading resource "{uri}"' in asked[0], asked
    assert 'prompt "args-prompt"' in asked[1] and '{"city":"Paris"}' in asked[1], asked
    assert read.contents and str(read.contents[0].uri) == uri
    assert refused.code == -32010 and refused.data["reason_code"] == "HUMAN_APPROVAL_DENIED"
    ops = [r["op"] for r in log]
    answers = [o for o in ops if o["type"] == "elicitation"]
    assert [(o.get("action"), o.get("resource"), o["approved"], "tool" in o) for o in answers] == [
        ("mcp:read_resource", uri, True, False), ("mcp:get_prompt", "args-prompt", False, False)]
    assert [(d["action"], d["reason_code"]) for d in ops if d["type"] == "decision"] == [
        ("mcp:read_resource", "CAPABILITY_REQUIRES_APPROVAL"),
        ("mcp:read_resource", "POLICY_ALLOW"),
        ("mcp:get_prompt", "CAPABILITY_REQUIRES_APPROVAL"),
        ("mcp:get_prompt", "HUMAN_APPROVAL_DENIED")]

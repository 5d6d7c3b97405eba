#!/usr/bin/env python3
"""Copies the native module's docstrings (the Rust `///` comments PyO3 exposes as `__doc__`) into
claw-py/python/claw/_claw.pyi, for every public function, class, method and property of the stub
that has none, so editors and `help()` on the stub show them. Docstrings already in the stub are
kept. Run with the wheel installed: python claw-py/tools/stub_docstrings.py [--check]
(--check: exit 1 when a public stub item has no docstring)."""

from __future__ import annotations

import ast
import inspect
import pathlib
import sys

STUB = pathlib.Path(__file__).resolve().parents[1] / "python" / "claw" / "_claw.pyi"


def public(name: str) -> bool:
    return not name.startswith("_") or name in ("__init__", "__new__", "__call__")


def has_doc(node: ast.AST) -> bool:
    body = getattr(node, "body", [])
    return bool(body) and isinstance(body[0], ast.Expr) and isinstance(getattr(body[0], "value", None), ast.Constant) \
        and isinstance(body[0].value.value, str)


def missing(tree: ast.Module) -> list[tuple[str, ast.AST, int]]:
    """(qualified name, node, indent of its body) of public items without a docstring."""
    out: list[tuple[str, ast.AST, int]] = []

    def visit(nodes: list[ast.stmt], prefix: str, indent: int) -> None:
        for n in nodes:
            if isinstance(n, (ast.FunctionDef, ast.ClassDef)) and public(n.name):
                q = f"{prefix}{n.name}"
                if n.name in ("__init__", "__new__") and prefix:
                    pass
                elif not has_doc(n):
                    out.append((q, n, indent + 4))
                if isinstance(n, ast.ClassDef):
                    visit(n.body, q + ".", indent + 4)

    visit(tree.body, "", 0)
    return out


# Read-only attributes whose Rust getters carry no doc comment.
FALLBACK = {
    "run_id": "The run id (`run_<uuid>`).",
    "agent_did": "The agent's did:key (who signed the run's evidence).",
    "bundle_id": "The bundle id (`bundle_<uuid>`).",
    "verified_at": "When the verification ran (RFC 3339, UTC).",
    "trust_tier": "The reference's trust tier: unknown, basic, verified, attested or full.",
    "reason": "The verdict in words (for humans; branch on `reason_code`).",
    "event_head": "Hash of the last event the checkpoint covers (base64url).",
    "event_count": "Number of events the checkpoint covers.",
    "tree_size": "Number of receipt leaves in the checkpointed Merkle tree.",
    "issuer_did": "The policy's `issuer_did`.",
    "policy_id": "The policy's `policy_id`.",
    "signer_did": "The did:key that signed the envelope.",
    "signer": "The envelope's signer as a `VerifyingKey`.",
    "envelope_type": "The envelope's `envelope_type`.",
}


def runtime_doc(qname: str) -> str | None:
    import claw._claw as native

    obj: object = native
    for part in qname.split("."):
        obj = getattr(obj, part, None)
        if obj is None:
            return None
    doc = inspect.getdoc(obj)
    if not doc or doc.startswith(("str(object", "Create and return a new object")):
        return FALLBACK.get(qname.rsplit(".", 1)[-1])
    return doc


def quote(doc: str, indent: int) -> str:
    pad = " " * indent
    doc = doc.replace("\\", "\\\\").replace('"""', '\\"\\"\\"')
    lines = doc.splitlines()
    if len(lines) == 1:
        return f'{pad}"""{lines[0]}"""'
    body = "\n".join((pad + l) if l else "" for l in lines[1:])
    return f'{pad}"""{lines[0]}\n{body}\n{pad}"""'


def main() -> int:
    text = STUB.read_text(encoding="utf-8")
    tree = ast.parse(text)
    todo = missing(tree)
    if sys.argv[1:] == ["--check"]:
        for q, _, _ in todo:
            print(f"{STUB.name}: {q} has no docstring", file=sys.stderr)
        return 1 if todo else 0
    lines = text.splitlines(keepends=True)
    undocumented = []
    # Bottom-up, so earlier positions stay valid.
    for q, node, indent in sorted(todo, key=lambda t: t[1].lineno, reverse=True):
        doc = runtime_doc(q)
        if doc is None:
            undocumented.append(q)
            continue
        first = node.body[0]  # type: ignore[attr-defined]
        if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) and first.value.value is Ellipsis \
                and first.lineno == first.end_lineno and len(node.body) == 1:  # type: ignore[attr-defined]
            i = first.lineno - 1
            line = lines[i]
            col = first.col_offset
            if line[col:col + 3] == "..." and line[:col].rstrip().endswith(":"):
                lines[i] = line[:col].rstrip() + "\n" + quote(doc, indent) + "\n" + line[col + 3:].lstrip(" ")
                if lines[i].endswith("\n\n"):
                    lines[i] = lines[i][:-1]
                continue
        start = min([first.lineno, *(d.lineno for d in getattr(first, "decorator_list", []))])
        lines.insert(start - 1, quote(doc, indent) + "\n")
    STUB.write_text("".join(lines), encoding="utf-8")
    for q in undocumented:
        print(f"no runtime docstring for {q}", file=sys.stderr)
    print(f"added {len(todo) - len(undocumented)} docstrings; {len(undocumented)} items have none")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Every public function, class, method and property of the stubs has a docstring."""

from __future__ import annotations

import ast
from pathlib import Path

import claw


def test_every_public_stub_item_has_a_docstring() -> None:
    stub = Path(claw.__file__).with_name("_claw.pyi")
    tree = ast.parse(stub.read_text(encoding="utf-8"))
    undocumented: list[str] = []
    count = 0

    def visit(nodes: list[ast.stmt], prefix: str) -> None:
        nonlocal count
        for n in nodes:
            if isinstance(n, (ast.FunctionDef, ast.ClassDef)) and not n.name.startswith("_"):
                count += 1
                if ast.get_docstring(n) is None:
                    undocumented.append(prefix + n.name)
                if isinstance(n, ast.ClassDef):
                    visit(n.body, f"{prefix}{n.name}.")

    visit(tree.body, "")
    assert count > 100, count
    assert not undocumented, f"no docstring in _claw.pyi: {undocumented}"
    # The pure-Python part too.
    assert claw.ReasonCode.__doc__

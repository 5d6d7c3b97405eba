"""`claw.approval_arguments`: what a human asked to approve a call reads of its arguments,
checked against an independent RFC 8785 implementation (`rfc8785`) and `hashlib`."""

from __future__ import annotations

import base64
import hashlib
from typing import Any

import pytest
import rfc8785

import claw


def b64u_sha256(data: bytes) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()


def test_short_arguments_are_their_canonical_text() -> None:
    args: dict[str, Any] = {"path": "/tmp/a.txt", "content": "hi", "n": 1.5}
    want = rfc8785.dumps(args).decode()
    assert claw.approval_arguments(args) == want
    # JSON text in any of its forms reads the same.
    text = '{"path": "/tmp/a.txt", "content": "hi", "n": 1.5}'
    assert claw.approval_arguments(text) == want
    assert claw.approval_arguments(text.encode()) == want
    assert claw.approval_arguments(bytearray(text.encode())) == want


def test_bidi_and_control_characters_never_reach_the_human_raw() -> None:
    shown = claw.approval_arguments({"path": "/tmp/\u202etxt.exe", "x": "a\u0007b"})
    assert "\u202e" not in shown and "\u0007" not in shown
    assert "txt.exe" in shown


def test_long_arguments_say_what_is_hidden_and_the_hash_the_approval_covers() -> None:
    tail = "rm -rf / # the part a human must not miss"
    args = {"cmd": "echo ok; " * 100 + tail}
    shown = claw.approval_arguments(args, 300)
    assert len(shown) <= 300
    assert tail not in shown
    assert b64u_sha256(rfc8785.dumps(args)) in shown
    assert "more characters not shown" in shown
    # The default bound shows these whole.
    assert claw.approval_arguments(args) == rfc8785.dumps(args).decode()


def test_json_outside_i_json_is_refused() -> None:
    with pytest.raises(claw.CanonicalizationError):
        claw.approval_arguments({"n": 2**53})
    with pytest.raises(claw.ClawError):
        claw.approval_arguments('{"a": 1, "a": 2}')

"""The package itself: exports, the exception hierarchy, typing files, the abi3 build."""

from __future__ import annotations

import importlib.metadata
from pathlib import Path

import pytest

import claw
from claw import _claw

ERRORS = [
    "BundleError",
    "CanonicalizationError",
    "EnvelopeError",
    "InputError",
    "KeyFormatError",
    "MerkleError",
    "PolicyError",
    "SignatureError",
    "TokenError",
]


def test_all_is_explicit_and_complete() -> None:
    assert len(set(claw.__all__)) == len(claw.__all__)
    for name in claw.__all__:
        assert hasattr(claw, name), name
    public_native = {n for n in dir(_claw) if not n.startswith("_")}
    assert public_native <= set(claw.__all__), public_native - set(claw.__all__)


def test_version_matches_distribution() -> None:
    assert claw.__version__ == importlib.metadata.version("claw-py")


def test_exception_hierarchy() -> None:
    assert issubclass(claw.ClawError, Exception)
    assert claw.ClawError.__module__ == "claw"
    for name in ERRORS:
        cls = getattr(claw, name)
        assert issubclass(cls, claw.ClawError), name
        assert cls.__module__ == "claw", name
        assert cls.__doc__, name
    # Distinct classes: catching one kind never catches another.
    assert len({getattr(claw, n) for n in ERRORS}) == len(ERRORS)
    # KeyFormatError is deliberately not the builtin KeyError (a mapping lookup failure).
    assert not issubclass(claw.KeyFormatError, KeyError)


def test_errors_carry_reason_code_and_message() -> None:
    with pytest.raises(claw.ClawError) as ei:
        claw.jcs("[1,")
    err = ei.value
    assert type(err) is claw.CanonicalizationError
    assert err.reason_code == "JSON_SYNTAX"
    assert str(err).startswith("invalid JSON at $")
    assert err.args == (str(err),)


def test_classes_live_in_claw() -> None:
    for cls in (claw.SigningKey, claw.VerifyingKey, claw.VerifiedEnvelope):
        assert cls.__module__ == "claw"
    with pytest.raises(TypeError):
        claw.SigningKey()


def test_typing_files_and_abi3_module_are_installed() -> None:
    pkg = Path(claw.__file__).parent
    assert (pkg / "py.typed").is_file()
    assert (pkg / "_claw.pyi").is_file()
    native = Path(_claw.__file__ or "")
    assert native.name.endswith(".abi3.so") or native.suffix == ".pyd", native.name
    # The installed package, not the source tree (which has no native module).
    assert "site-packages" in str(pkg)

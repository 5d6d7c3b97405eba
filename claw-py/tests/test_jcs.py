"""RFC 8785 through Python: the cyberphone files, the ES6 number file, the conversion rules for
Python objects, and interop with the `rfc8785` package on generated documents."""

from __future__ import annotations

import json
import math
import random
import struct
from typing import Any

import pytest
import rfc8785
from hypothesis import given, settings
from hypothesis import strategies as st

import claw
from vectors import shared_bytes, shared_path

MAX_SAFE = 2**53 - 1
CYBERPHONE = ["arrays", "french", "structures", "unicode", "values", "weird"]


# ---------------------------------------------------------------- shared vectors


def test_cyberphone_inputs_canonicalize_to_outputs() -> None:
    names = sorted(p.stem for p in shared_path("vectors/jcs/input").glob("*.json"))
    assert names == CYBERPHONE
    for name in names:
        raw = shared_bytes(f"vectors/jcs/input/{name}.json")
        want = shared_bytes(f"vectors/jcs/output/{name}.json")
        hexed = shared_bytes(f"vectors/jcs/outhex/{name}.txt").decode()
        assert want == bytes(int(h, 16) for h in hexed.split()), name
        # As bytes, as str, as bytearray, and as the Python objects json.loads gives.
        assert claw.jcs(raw) == want, name
        assert claw.jcs(raw.decode("utf-8")) == want, name
        assert claw.jcs(bytearray(raw)) == want, name
        assert claw.jcs(json.loads(raw)) == want, name
        # The canonical form is a fixed point, and parse_json reads it back to the same data.
        assert claw.jcs(want) == want, name
        assert claw.parse_json(want) == json.loads(want), name


def _es6_lines() -> list[tuple[str, float, str]]:
    out = []
    for line in shared_bytes("vectors/jcs/numbers/es6testfile10k.txt").decode().splitlines():
        hexbits, want = line.split(",")
        value = struct.unpack(">d", int(hexbits, 16).to_bytes(8, "big"))[0]
        out.append((hexbits, value, want))
    return out


def test_es6_number_file_all_10000_lines() -> None:
    lines = _es6_lines()
    assert len(lines) == 10_000
    for hexbits, value, want in lines:
        # A Python float, and its repr as JSON text (repr always has "." or "e").
        assert claw.jcs(value) == want.encode(), hexbits
        assert claw.jcs(repr(value)) == want.encode(), hexbits
        assert claw.jcs([value]) == f"[{want}]".encode(), hexbits
        # The expected text itself is a fixed point, integer literals beyond 2^53 included
        # (each is the canonical spelling of its double).
        assert claw.jcs(want) == want.encode(), hexbits


# ---------------------------------------------------------------- Python objects


def test_bool_is_not_an_int() -> None:
    assert claw.jcs([True, False, 1, 0, None]) == b"[true,false,1,0,null]"
    assert claw.jcs({"t": True}) == b'{"t":true}'


def test_integer_bounds() -> None:
    assert claw.jcs(MAX_SAFE) == str(MAX_SAFE).encode()
    assert claw.jcs(-MAX_SAFE) == str(-MAX_SAFE).encode()
    for bad in [MAX_SAFE + 1, -MAX_SAFE - 1, 2**63, -(2**63) - 1, 10**40]:
        with pytest.raises(claw.CanonicalizationError) as ei:
            claw.jcs({"n": [bad]})
        assert ei.value.reason_code == "JSON_INEXACT_INTEGER"
        assert "$.n[0]" in str(ei.value)


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_non_finite_floats_refused(bad: float) -> None:
    with pytest.raises(claw.CanonicalizationError) as ei:
        claw.jcs({"x": bad})
    assert ei.value.reason_code == "JSON_NUMBER_OUT_OF_RANGE"
    assert "$.x" in str(ei.value)


@pytest.mark.parametrize("text", ["NaN", "Infinity", "-Infinity", "1e309", "[-1e309]"])
def test_non_finite_text_refused(text: str) -> None:
    with pytest.raises(claw.CanonicalizationError):
        claw.jcs(text)


def test_floats_and_negative_zero() -> None:
    assert claw.jcs(-0.0) == b"0"
    assert claw.jcs(1.0) == b"1"
    assert claw.jcs(1e21) == b"1e+21"
    assert claw.jcs(1e-7) == b"1e-7"
    assert claw.jcs(0.1 + 0.2) == b"0.30000000000000004"


@pytest.mark.parametrize(
    "value, what",
    [
        ({1: "a"}, "key of type int"),
        ({("a",): 1}, "key of type tuple"),
        ({None: 1}, "key of type NoneType"),
        ({"a": {1, 2}}, "type set"),
        ({"a": b"bytes"}, "type bytes"),
        ({"a": object()}, "type object"),
        ([1, 2, 3j], "type complex"),
    ],
)
def test_values_without_json_form(value: Any, what: str) -> None:
    with pytest.raises(claw.CanonicalizationError) as ei:
        claw.jcs(value)
    assert ei.value.reason_code == "JSON_UNSUPPORTED_TYPE"
    assert what in str(ei.value)


def test_shared_references_are_bounded() -> None:
    # `l = [l, l]` nested 22 deep stands for 2**22 values (25 MB of output): refused by the
    # core's memory budget after a bounded amount of work, not expanded.
    shared: Any = []
    for _ in range(22):
        shared = [shared, shared]
    with pytest.raises(claw.CanonicalizationError) as ei:
        claw.jcs(shared)
    assert ei.value.reason_code == "JSON_TOO_COMPLEX"
    # The same through a dict, and text that canonicalizes past the output bound.
    d: Any = {}
    for i in range(22):
        d = {"a": d, "b": d}
    with pytest.raises(claw.CanonicalizationError) as ei:
        claw.jcs(d)
    assert ei.value.reason_code == "JSON_TOO_COMPLEX"
    # Output past 16 MiB (1e20 is written as 100000000000000000000): refused, not returned.
    with pytest.raises(claw.CanonicalizationError) as ei:
        claw.jcs([1e20] * 800_000)
    assert ei.value.reason_code == "JSON_OUTPUT_TOO_LARGE"
    # A small shared structure is fine (it is written out in full).
    small: Any = [1]
    for _ in range(8):
        small = [small, small]
    assert len(claw.jcs(small)) > 2**8


def test_error_paths_name_the_value_at_fault() -> None:
    with pytest.raises(claw.CanonicalizationError) as ei:
        claw.jcs({"a": [{"x y": [0, math.nan]}]})
    assert '$.a[0]["x y"][1]' in str(ei.value)


def test_lone_surrogates_refused_in_values_keys_and_text() -> None:
    for value in ["\ud800", {"k": "a\udc00"}, {"\ud800": 1}]:
        with pytest.raises(claw.CanonicalizationError) as ei:
            claw.jcs([value])
        assert ei.value.reason_code == "JSON_LONE_SURROGATE"
    with pytest.raises(claw.CanonicalizationError) as ei:
        claw.jcs('["\\ud800"]')
    assert ei.value.reason_code == "JSON_LONE_SURROGATE"
    # A real surrogate pair is fine, written as UTF-8.
    assert claw.jcs('"\\ud83d\\ude00"') == '"\U0001f600"'.encode()


def test_depth_is_bounded_and_cycles_stop() -> None:
    deep: Any = []
    for _ in range(200):
        deep = [deep]
    with pytest.raises(claw.CanonicalizationError) as ei:
        claw.jcs(deep)
    assert ei.value.reason_code == "JSON_TOO_DEEP"
    cyclic: list[Any] = []
    cyclic.append(cyclic)
    with pytest.raises(claw.CanonicalizationError) as ei:
        claw.jcs(cyclic)
    assert ei.value.reason_code == "JSON_TOO_DEEP"
    ok: Any = 1
    for _ in range(63):
        ok = [ok]
    assert claw.jcs(ok) == b"[" * 63 + b"1" + b"]" * 63
    with pytest.raises(claw.CanonicalizationError):
        claw.jcs("[" * 65 + "]" * 65)


def test_tuples_subclasses_and_key_order() -> None:
    class D(dict):  # type: ignore[type-arg]
        pass

    class S(str):
        pass

    assert claw.jcs((1, (2,))) == b"[1,[2]]"
    assert claw.jcs(D(b=1, a=2)) == b'{"a":2,"b":1}'
    assert claw.jcs({S("k"): S("v")}) == b'{"k":"v"}'
    # RFC 8785 sorts by UTF-16 code units: U+1F600 (D83D DE00) before U+FB01.
    assert claw.jcs({"\ufb01": 1, "\U0001f600": 2}) == '{"\U0001f600":2,"\ufb01":1}'.encode()


@pytest.mark.parametrize(
    "text, code",
    [
        ('{"a":1,"a":2}', "JSON_DUPLICATE_KEY"),
        ("[1,]", "JSON_SYNTAX"),
        ("{} x", "JSON_SYNTAX"),
        ("'a'", "JSON_SYNTAX"),
        ("", "JSON_SYNTAX"),
        ("9007199254740993", "JSON_INEXACT_INTEGER"),
        ("12345678901234567890", "JSON_INEXACT_INTEGER"),
    ],
)
def test_strict_text(text: str, code: str) -> None:
    with pytest.raises(claw.CanonicalizationError) as ei:
        claw.jcs(text)
    assert ei.value.reason_code == code
    with pytest.raises(claw.CanonicalizationError):
        claw.parse_json(text)


def test_invalid_utf8_bytes() -> None:
    with pytest.raises(claw.CanonicalizationError) as ei:
        claw.jcs(b'"\xff"')
    assert ei.value.reason_code == "INVALID_UTF8"


def test_str_is_text_not_a_string_value() -> None:
    assert claw.jcs('"hello"') == b'"hello"'
    with pytest.raises(claw.CanonicalizationError):
        claw.jcs("hello")


def test_parse_json_types() -> None:
    v = claw.parse_json('{"i":1,"n":-2,"f":1.5,"b":true,"z":null,"s":"\\u00e9","a":[]}')
    assert v == {"i": 1, "n": -2, "f": 1.5, "b": True, "z": None, "s": "\u00e9", "a": []}
    assert type(v["i"]) is int and type(v["f"]) is float and v["b"] is True
    with pytest.raises(TypeError):
        claw.parse_json(42)  # type: ignore[arg-type]


def test_hash_and_base64url_helpers() -> None:
    assert claw.sha256_b64u(b"") == "47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU"
    assert claw.b64u_encode(b"\xfb\xff") == "-_8"
    assert claw.b64u_decode("-_8") == b"\xfb\xff"
    for bad in ["-_8=", "a", "+/8", "-_9"]:
        with pytest.raises(claw.InputError) as ei:
            claw.b64u_decode(bad)
        assert ei.value.reason_code


# ---------------------------------------------------------------- interop with rfc8785


def _random_string(rng: random.Random) -> str:
    pools = [
        (0x20, 0x7E),  # ASCII
        (0x00, 0x1F),  # controls (escaped)
        (0xA0, 0x2FF),  # Latin
        (0x3040, 0x30FF),  # kana
        (0xE000, 0xFFFD),  # private use and specials (sort after surrogates in UTF-16)
        (0x1F300, 0x1FAFF),  # emoji (astral: surrogate pairs in UTF-16)
        (0x10000, 0x10FFFF),  # anything astral
    ]
    out = []
    for _ in range(rng.randrange(0, 8)):
        lo, hi = rng.choice(pools)
        out.append(chr(rng.randint(lo, hi)))
    return "".join(out)


def _random_float(rng: random.Random) -> float:
    while True:
        kind = rng.randrange(4)
        f: float
        if kind == 0:
            f = struct.unpack(">d", rng.getrandbits(64).to_bytes(8, "big"))[0]
        elif kind == 1:
            f = rng.uniform(-1e6, 1e6)
        elif kind == 2:
            f = rng.randint(-(10**6), 10**6) / 10 ** rng.randrange(0, 8)
        else:
            f = float(rng.randint(-MAX_SAFE, MAX_SAFE))
        if math.isfinite(f):
            return f


def _random_value(rng: random.Random, depth: int = 0) -> Any:
    kind = rng.randrange(9 if depth < 4 else 6)
    if kind == 0:
        return None
    if kind == 1:
        return rng.random() < 0.5
    if kind == 2:
        return rng.randint(-MAX_SAFE, MAX_SAFE)
    if kind == 3:
        return _random_float(rng)
    if kind in (4, 5):
        return _random_string(rng)
    if kind in (6, 7):
        return {_random_string(rng): _random_value(rng, depth + 1) for _ in range(rng.randrange(6))}
    return [_random_value(rng, depth + 1) for _ in range(rng.randrange(6))]


def _as_document(value: Any) -> Any:
    # A top-level str given to jcs() is JSON text, so wrap bare strings.
    return [value] if isinstance(value, str) else value


def _check_text_round_trip(want: bytes) -> None:
    """The canonical text is a fixed point, through bytes and through Python objects."""
    assert claw.jcs(want) == want
    assert claw.jcs(claw.parse_json(want)) == want


def test_rfc8785_interop_seeded_random_documents() -> None:
    rng = random.Random(8785)
    for i in range(3000):
        doc = _as_document(_random_value(rng))
        want = rfc8785.dumps(doc)
        assert claw.jcs(doc) == want, (i, doc)
        # Through the stdlib's JSON text too (json.dumps writes floats with "." or "e").
        assert claw.jcs(json.dumps(doc)) == want, (i, doc)
        _check_text_round_trip(want)


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-MAX_SAFE, max_value=MAX_SAFE)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda children: st.lists(children, max_size=5)
    | st.dictionaries(st.text(), children, max_size=5),
    max_leaves=30,
)


@settings(max_examples=400)
@given(json_values)
def test_rfc8785_interop_property(doc: Any) -> None:
    doc = _as_document(doc)
    want = rfc8785.dumps(doc)
    assert claw.jcs(doc) == want
    _check_text_round_trip(want)


def test_big_integers_text_and_objects() -> None:
    # A float beyond 2^53 is written as its canonical integer spelling, which reads back.
    assert claw.jcs(2.0**53) == b"9007199254740992" == rfc8785.dumps(2.0**53)
    assert claw.jcs(b"9007199254740992") == b"9007199254740992"
    assert claw.jcs(b"1e20") == b"100000000000000000000"
    assert claw.jcs(b"100000000000000000000") == b"100000000000000000000"
    # Not the canonical spelling of any double: a JavaScript peer would read another number.
    with pytest.raises(claw.CanonicalizationError) as ei:
        claw.jcs(b"9007199254740993")
    assert ei.value.reason_code == "JSON_INEXACT_INTEGER"
    # A Python int is an integer, held exactly, so beyond 2^53 - 1 it is refused.
    with pytest.raises(claw.CanonicalizationError) as ei:
        claw.jcs(2**53)
    assert ei.value.reason_code == "JSON_INEXACT_INTEGER"

"""Micro-benchmarks of the claw Python package beside plain-Python baselines, in one run.

    python claw-py/bench/bench.py [--quick] [--json]

Pairs (each line is ns per operation, best of several timeit repeats):
  * CST verification: claw.verify_cst vs PyJWT's jwt.decode on the same token and key;
  * one policy decision: Policy.decide vs a plain dict lookup of the tool name;
  * canonical JSON: claw.jcs vs the pure-Python rfc8785 package on the same document.
PyJWT and rfc8785 are optional: a pair whose peer is not installed is reported as skipped.
The numbers belong in BENCHMARKS.md together with the machine line printed first.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import timeit
from typing import Any, Callable, Dict, List, Optional

import claw

NOW = 1_700_000_000
AUD = "gateway.example"
ACTION = "tool:execute"


def machine() -> Dict[str, Any]:
    cpu = platform.processor() or "?"
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    versions: Dict[str, str] = {"claw": claw.__version__}
    for mod in ("jwt", "cryptography", "rfc8785"):
        try:
            versions[mod] = __import__(mod).__version__
        except ImportError:
            pass
    try:
        load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        load = "?"
    return {
        "cpu": cpu,
        "load_average": load,
        "cores": os.cpu_count(),
        "os": f"{platform.system()} {platform.release()}",
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "versions": versions,
    }


def ns_per_op(fn: Callable[[], object], quick: bool) -> float:
    """Best of `repeat` timeit runs, each long enough (autorange, >= 0.2 s) to be stable."""
    t = timeit.Timer(fn)
    number, _ = t.autorange()
    repeat = 3 if quick else 7
    best = min(t.repeat(repeat=repeat, number=number))
    return best / number * 1e9


def bench_cst(quick: bool) -> List[Dict[str, Any]]:
    issuer = claw.SigningKey.generate()
    policy_hash = "bNhAvlwMZv1_HXWYiCqi78Saq_GksXTWfujitk1_lbk"
    token = claw.issue_cst(
        issuer,
        {
            "sub": issuer.did,
            "aud": AUD,
            "scope": [ACTION, "model:invoke"],
            "mission_id": "job-1",
            "policy_hash_b64u": policy_hash,
        },
        ttl=600,
        now=NOW,
    )
    plain = claw.issue_cst(
        issuer, {"sub": issuer.did, "aud": AUD, "scope": [ACTION]}, ttl=600, now=NOW
    )
    keys = claw.KeySet([issuer.public_key()])
    rows = [
        {
            "what": "CST verify: claw.verify_cst (KeySet; aud, scope, mission, policy pin)",
            "ns": ns_per_op(
                lambda: claw.verify_cst(
                    token,
                    keys,
                    audience=AUD,
                    scope=ACTION,
                    mission_id="job-1",
                    policy_hash=policy_hash,
                    now=NOW + 10,
                ),
                quick,
            ),
        },
        {
            "what": "CST verify: claw.verify_cst (KeySet, aud+scope, minimal token)",
            "ns": ns_per_op(
                lambda: claw.verify_cst(plain, keys, audience=AUD, scope=ACTION, now=NOW + 10),
                quick,
            ),
        },
    ]
    try:
        import jwt
    except ImportError:
        rows.append({"what": "CST verify: PyJWT jwt.decode", "ns": None, "note": "PyJWT not installed"})
        return rows
    pyjwk = jwt.PyJWK(json.loads(issuer.public_key().to_jwk()), algorithm="EdDSA")
    public = pyjwk.key
    # Times are checked by claw with an injected clock; PyJWT reads the real one, so its time
    # checks are off (the token is from 2023): both do signature, header and audience work.
    options: Any = {"verify_exp": False, "verify_iat": False, "verify_nbf": False}

    def pyjwt_decode() -> Dict[str, Any]:
        return jwt.decode(token, public, algorithms=["EdDSA"], audience=AUD, options=options)

    assert pyjwt_decode()["jti"]
    rows.append(
        {
            "what": "CST verify: PyJWT jwt.decode (same token, cryptography key, aud)",
            "ns": ns_per_op(pyjwt_decode, quick),
        }
    )
    return rows


def bench_policy(quick: bool) -> List[Dict[str, Any]]:
    # A v2 policy of a realistic size: 20 exact tools, a few globs, a Deny, a condition.
    statements = [
        {"sid": "read-tools", "effect": "Allow", "actions": ["tool:execute"],
         "resources": [f"tool_{i}" for i in range(20)] + ["git_*", "read_*"]},
        {"sid": "no-shell", "effect": "Deny", "actions": ["tool:execute"],
         "resources": ["bash", "sh", "shell_*"]},
        {"sid": "email-with-approval", "effect": "Allow", "actions": ["tool:execute"],
         "resources": ["send_email"],
         "conditions": {"Bool": {"Request:HasHumanApproval": "true"}}},
    ]
    policy = claw.Policy.from_json(json.dumps({
        "policy_version": "2", "policy_id": "bench", "issuer_did": "did:key:z6MkBench",
        "statements": statements,
    }))
    table = {f"tool_{i}": "allow" for i in range(20)}
    table.update({"bash": "deny", "sh": "deny"})
    assert policy.decide("tool_7", now=NOW).allowed
    assert not policy.decide("bash", now=NOW).allowed
    return [
        {
            "what": "policy decision: Policy.decide(tool, now=...) -> Decision (exact tool)",
            "ns": ns_per_op(lambda: policy.decide("tool_7", now=NOW), quick),
        },
        {
            "what": "policy decision: Policy.decide (glob match, git_log)",
            "ns": ns_per_op(lambda: policy.decide("git_log", now=NOW), quick),
        },
        {
            "what": "policy decision: Policy.decide (no clock given: reads the clock)",
            "ns": ns_per_op(lambda: policy.decide("tool_7"), quick),
        },
        {
            "what": "baseline: plain dict lookup table.get(tool) == 'allow'",
            "ns": ns_per_op(lambda: table.get("tool_7") == "allow", quick),
        },
    ]


def bench_jcs(quick: bool) -> List[Dict[str, Any]]:
    doc: Dict[str, Any] = {
        "statement_id": "s-1",
        "tool": "shell.exec",
        "args": {"cmd": "ls -la", "cwd": "/work", "env": {"LANG": "C.UTF-8"}},
        "n": [1, 2.5, 1e21, -0.0, True, None],
        "unicode": "\u00e9\u4e2d\U0001f600",
    }
    text = json.dumps(doc)
    rows = [
        {"what": "JCS: claw.jcs(dict)", "ns": ns_per_op(lambda: claw.jcs(doc), quick)},
        {"what": "JCS: claw.jcs(str)", "ns": ns_per_op(lambda: claw.jcs(text), quick)},
    ]
    try:
        import rfc8785
    except ImportError:
        rows.append({"what": "JCS: rfc8785.dumps(dict)", "ns": None, "note": "rfc8785 not installed"})
        return rows
    assert rfc8785.dumps(doc) == claw.jcs(doc)
    rows.append({"what": "JCS: rfc8785.dumps(dict)", "ns": ns_per_op(lambda: rfc8785.dumps(doc), quick)})
    return rows


def main(argv: Optional[List[str]] = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="fewer repeats (smoke run)")
    ap.add_argument("--json", action="store_true", help="print JSON instead of a table")
    args = ap.parse_args(argv)
    info = machine()
    rows = bench_cst(args.quick) + bench_policy(args.quick) + bench_jcs(args.quick)
    if args.json:
        print(json.dumps({"machine": info, "results": rows}, indent=2))
        return 0
    v = ", ".join(f"{k} {val}" for k, val in info["versions"].items())
    print(
        f"machine: {info['cpu']}, {info['cores']} cores, {info['os']}, {info['python']}; {v}; "
        f"load average {info['load_average']} (numbers of one run are comparable with each other)"
    )
    print()
    print("| benchmark | ns/op |")
    print("|---|---:|")
    for r in rows:
        ns = f"{r['ns']:,.0f}" if r["ns"] is not None else f"skipped ({r.get('note', '')})"
        print(f"| {r['what']} | {ns} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())

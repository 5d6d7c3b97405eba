"""Validate claw-emitted evidence against the reference JSON Schemas (poh/*.json).

usage: evidence_schema_check.py SCHEMA_DIR FILE...
Each FILE is JSON: {"schema": "<file name in poh/>", "instance": <value>}. Exits 1 and
prints every error when any instance does not validate. Uses the `jsonschema` package
with its referencing registry, format checking on (date-time).
"""
import json
import os
import sys

import jsonschema
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012


def main() -> int:
    schema_dir, files = sys.argv[1], sys.argv[2:]
    resources = []
    by_file = {}
    for name in sorted(os.listdir(schema_dir)):
        if not name.endswith(".json"):
            continue
        with open(os.path.join(schema_dir, name), encoding="utf-8") as f:
            s = json.load(f)
        by_file[name] = s
        resources.append((s["$id"], Resource.from_contents(s, default_specification=DRAFT202012)))
    registry = Registry().with_resources(resources)
    bad = 0
    count = 0
    for path in files:
        with open(path, encoding="utf-8") as f:
            case = json.load(f)
        schema = by_file[case["schema"]]
        cls = jsonschema.validators.validator_for(schema, default=jsonschema.Draft202012Validator)
        v = cls(schema, registry=registry, format_checker=cls.FORMAT_CHECKER)
        errors = sorted(v.iter_errors(case["instance"]), key=lambda e: list(e.path))
        count += 1
        for e in errors:
            bad += 1
            print(f"{path} [{case['schema']}] {list(e.absolute_path)}: {e.message}")
    print(f"validated {count} instances, {bad} errors")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())

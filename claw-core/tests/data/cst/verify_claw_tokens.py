#!/usr/bin/env python3
"""Verify the claw-minted tokens in claw_tokens.json with PyJWT + cryptography, using only
the issuer's public JWK: signature, alg, aud, exp, iat and nbf with PyJWT's own defaults.

    /tmp/venv/bin/pip install pyjwt cryptography
    /tmp/venv/bin/python verify_claw_tokens.py
"""
import json
import os
import sys

import jwt

HERE = os.path.dirname(os.path.abspath(__file__))
doc = json.load(open(os.path.join(HERE, "claw_tokens.json")))
key = jwt.PyJWK(doc["issuer_jwk"], algorithm="EdDSA")
ok = 0
for t in doc["tokens"]:
    header = jwt.get_unverified_header(t["token"])
    assert header == {"alg": "EdDSA", "typ": "JWT", "kid": t["kid"]}, header
    assert list(header) == ["alg", "typ", "kid"], "header member order"
    claims = jwt.decode(t["token"], key, algorithms=["EdDSA"], audience=doc["audience"])
    assert claims == t["claims"], (t["name"], claims)
    # Tampering is caught.
    h, p, s = t["token"].split(".")
    try:
        jwt.decode(f"{h}.{p}.{s[:-2]}AA", key, algorithms=["EdDSA"], audience=doc["audience"])
        sys.exit(f"{t['name']}: tampered signature accepted")
    except jwt.InvalidSignatureError:
        pass
    ok += 1
print(f"PyJWT {jwt.__version__}: {ok} claw tokens verified")

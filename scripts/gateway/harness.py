#!/usr/bin/env python3
"""Start claw-gateway and the scripted upstream on free loopback ports, stop them after.

As a library (tests):

    from harness import Gateway
    with Gateway(workdir) as gw:
        gw.url            # http://127.0.0.1:PORT (the gateway)
        gw.upstream_url   # the scripted provider
        gw.token()        # a CST for the gateway (aud claw-gateway, scope proxy:call)
        gw.gateway_did, gw.policy_hash, gw.policy_envelope, gw.policy_signer_did
        gw.recorded()     # what the provider received and sent (exact bytes)

As a command: `harness.py run [--workdir DIR] -- CMD ARGS...` runs CMD with
CLAW_GATEWAY_URL, CLAW_GATEWAY_CST, CLAW_GATEWAY_DID, CLAW_GATEWAY_POLICY,
CLAW_GATEWAY_POLICY_HASH, CLAW_GATEWAY_POLICY_SIGNER, CLAW_GATEWAY_UPSTREAM and
CLAW_GATEWAY_WORKDIR set, then stops both servers (also on failure) and exits with CMD's
status.

Binaries: $CLAW_BIN (default claw on PATH) and $CLAW_GATEWAY_BIN (default claw-gateway).
Extra gateway flags: Gateway(workdir, extra_args=[...]).
"""
import base64
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))


def _bin(env, default):
    return os.environ.get(env, default)


def _claw(*args):
    return subprocess.run([_bin("CLAW_BIN", "claw"), *args], check=True, capture_output=True, text=True).stdout.strip()


def _start(cmd, log):
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=log, text=True)
    line = p.stdout.readline().strip()
    if not line.startswith("listening on "):
        p.kill()
        p.wait()
        raise RuntimeError(f"{cmd[0]} did not start: {line!r} (log: {log.name})")
    return p, line[len("listening on "):]


def _stop(p):
    if p and p.poll() is None:
        p.terminate()
        try:
            p.wait(timeout=15)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()


class Gateway:
    """claw-gateway in front of the scripted upstream, with fresh keys and a signed policy."""

    def __init__(self, workdir=None, extra_args=(), allowed_models=("*",), audience="claw-gateway"):
        self.workdir = workdir or tempfile.mkdtemp(prefix="claw-gateway-")
        self.extra_args = list(extra_args)
        self.allowed_models = list(allowed_models)
        self.audience = audience
        self.procs = []

    def __enter__(self):
        try:
            self._setup()
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def _setup(self):
        w = self.workdir
        os.makedirs(os.path.join(w, "keys"), exist_ok=True)
        k = lambda n: os.path.join(w, "keys", n)
        self.gateway_did = _claw("keygen", "--out", k("gateway"))
        self.issuer_did = _claw("keygen", "--out", k("issuer"))
        self.policy_signer_did = _claw("keygen", "--out", k("policy-signer"))
        self.agent_did = _claw("keygen", "--out", k("agent"))
        self.keys = os.path.join(w, "keys")
        policy = {"policy_version": "1", "policy_id": "gateway-harness", "issuer_did": self.policy_signer_did,
                  "allowed_providers": ["openai", "anthropic"], "allowed_models": self.allowed_models}
        with open(os.path.join(w, "policy.json"), "w") as f:
            json.dump(policy, f)
        env = _claw("wpc", "sign", os.path.join(w, "policy.json"), "--key", k("policy-signer.jwk"))
        self.policy_envelope = os.path.join(w, "policy.envelope.json")
        with open(self.policy_envelope, "w") as f:
            f.write(env + "\n")
        self.policy_hash = _claw("wpc", "verify", self.policy_envelope, "--signer", self.policy_signer_did)
        os.makedirs(os.path.join(w, "wpc"), exist_ok=True)
        with open(os.path.join(w, "wpc", self.policy_hash + ".json"), "w") as f:
            f.write(env + "\n")
        self.record_file = os.path.join(w, "upstream.jsonl")
        self.upstream_log = open(os.path.join(w, "upstream.log"), "w")
        self.gateway_log = open(os.path.join(w, "gateway.log"), "w")
        up, self.upstream_url = _start([sys.executable, os.path.join(HERE, "upstream.py"), "--record", self.record_file],
                                       self.upstream_log)
        self.procs.append(up)
        self.receipts_dir = os.path.join(w, "receipts")
        self.overrides = os.path.join(w, "switches.json")
        gw, self.url = _start([
            _bin("CLAW_GATEWAY_BIN", "claw-gateway"), "--listen", "127.0.0.1:0",
            "--signing-key", k("gateway.jwk"), "--cst-issuer", k("issuer.pub.jwk"), "--audience", self.audience,
            "--wpc-dir", os.path.join(w, "wpc"), "--wpc-signer", self.policy_signer_did,
            "--policy-hash", self.policy_hash, "--overrides", self.overrides,
            "--upstream", f"openai={self.upstream_url}", "--upstream", f"anthropic={self.upstream_url}",
            "--receipts-dir", self.receipts_dir, "--receipts-log", os.path.join(w, "receipts.jsonl"),
            *self.extra_args], self.gateway_log)
        self.procs.append(gw)
        self.gateway = gw

    def token(self, scope="proxy:call", ttl=600, mission=None, audience=None):
        args = ["cst", "issue", "--key", os.path.join(self.keys, "issuer.jwk"), "--sub", self.agent_did,
                "--aud", audience or self.audience, "--scope", scope, "--ttl", str(ttl)]
        if mission:
            args += ["--mission", mission]
        return _claw(*args)

    def recorded(self):
        out = []
        if os.path.exists(self.record_file):
            with open(self.record_file) as f:
                for line in f:
                    r = json.loads(line)
                    r["bytes"] = base64.b64decode(r["b64"])
                    out.append(r)
        return out

    def env(self):
        return {"CLAW_GATEWAY_URL": self.url, "CLAW_GATEWAY_CST": self.token(), "CLAW_GATEWAY_DID": self.gateway_did,
                "CLAW_GATEWAY_POLICY": self.policy_envelope, "CLAW_GATEWAY_POLICY_HASH": self.policy_hash,
                "CLAW_GATEWAY_POLICY_SIGNER": self.policy_signer_did, "CLAW_GATEWAY_UPSTREAM": self.upstream_url,
                "CLAW_GATEWAY_WORKDIR": self.workdir}

    def __exit__(self, *exc):
        for p in reversed(self.procs):
            _stop(p)
        self.procs = []
        for f in ("upstream_log", "gateway_log"):
            if hasattr(self, f):
                getattr(self, f).close()
        return False


def main(argv):
    if len(argv) < 2 or argv[0] != "run" or "--" not in argv:
        print(__doc__, file=sys.stderr)
        return 2
    i = argv.index("--")
    opts, cmd = argv[1:i], argv[i + 1:]
    workdir = opts[opts.index("--workdir") + 1] if "--workdir" in opts else None
    with Gateway(workdir) as gw:
        return subprocess.run(cmd, env={**os.environ, **gw.env()}).returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""Load generator: tools/call round trips to the same MCP server over stdio, direct and through
`claw mcp wrap` (without and with a run directory, i.e. with a signed tool receipt per call),
interleaved in one run. Prints a Markdown table for BENCHMARKS.md.

Raw JSON-RPC over pipes (no SDK) so the client adds as little as possible; one call in flight.
Environment: CLAW_BIN (a release build), CLAW_MCP_NPM (scripts/test-mcp.sh installs it);
CLAW_MCP_BENCH_CALLS (per round, default 300), CLAW_MCP_BENCH_ROUNDS (default 5);
CLAW_MCP_BENCH_BASE (optional: another release build of claw, e.g. main's, whose two proxy
paths run interleaved with CLAW_BIN's in the same rounds, for a before/after in one run);
CLAW_MCP_BENCH_EXTRA (optional: `NAME=PATH,...`, more builds measured the same way).
Beside the latencies: each process's CPU time (user + system, all threads) per call over the
measured rounds, the number the other users of the cores disturb least; and its resident
memory (VmRSS) after the warm-up and at the end, so growth per call shows. The order of the
paths rotates from round to round."""
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from conftest import CLAW, Keys, claw, npm_server  # noqa: E402

CALLS = int(os.environ.get("CLAW_MCP_BENCH_CALLS", "300"))
ROUNDS = int(os.environ.get("CLAW_MCP_BENCH_ROUNDS", "5"))


class Peer:
    def __init__(self, argv):
        self.p = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                  stderr=None if os.environ.get("CLAW_MCP_BENCH_STDERR") else subprocess.DEVNULL, bufsize=0)
        self.next = 0
        self.call("initialize", {"protocolVersion": "2025-06-18", "capabilities": {},
                                 "clientInfo": {"name": "bench", "version": "1"}})
        self.send({"jsonrpc": "2.0", "method": "notifications/initialized"})

    def send(self, msg):
        self.p.stdin.write(json.dumps(msg, separators=(",", ":")).encode() + b"\n")

    def call(self, method, params):
        self.next += 1
        self.send({"jsonrpc": "2.0", "id": self.next, "method": method, "params": params})
        while True:
            m = json.loads(self.p.stdout.readline())
            if m.get("id") == self.next:
                return m

    def rss_kib(self):
        for line in open(f"/proc/{self.p.pid}/status"):
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        return 0

    def cpu_ticks(self):
        f = open(f"/proc/{self.p.pid}/stat").read().rsplit(")", 1)[1].split()
        return int(f[11]) + int(f[12])  # utime, stime

    def close(self):
        self.p.stdin.close()
        self.p.wait(timeout=30)


def rtts(peer, n, tag):
    out = []
    for i in range(n):
        t = time.perf_counter_ns()
        r = peer.call("tools/call", {"name": "echo", "arguments": {"message": f"{tag} {i}"}})
        out.append((time.perf_counter_ns() - t) / 1000)
        assert "result" in r and not r["result"].get("isError"), r
    return out


def pct(xs, q):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(q * len(xs)))]


def main():
    load0 = os.getloadavg()[0]
    tmp = Path(tempfile.mkdtemp())
    keys = Keys(tmp)
    pol = keys.policy("bench", [{"sid": "echo", "effect": "Allow", "actions": ["tool:execute"],
                                 "resources": ["echo"]}])
    server = [npm_server("mcp-server-everything"), "stdio"]
    run_dir = tmp / "run"
    base = os.environ.get("CLAW_MCP_BENCH_BASE")
    bins = [(base, "base: ", tmp / "run-base"), (CLAW, "", run_dir)] if base else [(CLAW, "", run_dir)]
    for i, extra in enumerate(filter(None, os.environ.get("CLAW_MCP_BENCH_EXTRA", "").split(","))):
        name, path = extra.split("=", 1)
        bins.append((path, f"{name}: ", tmp / f"run-extra{i}"))
    configs = {"direct": server}
    for binary, tag, rd in bins:
        wrap = [binary, "mcp", "wrap", "--wpc", str(pol), "--signer", keys.signer, "--server-name", "everything"]
        configs[f"{tag}claw mcp wrap, no run dir"] = wrap + ["--", *server]
        configs[f"{tag}claw mcp wrap --run-dir (receipt per call)"] = wrap + [
            "--run-dir", str(rd), "--agent-key", str(tmp / "agent.jwk"), "--", *server]
    peers = {k: Peer(v) for k, v in configs.items()}
    samples = {k: [] for k in configs}
    for k, p in peers.items():  # warm-up
        rtts(p, 50, "warm")
    rss0 = {k: p.rss_kib() for k, p in peers.items()}
    cpu0 = {k: p.cpu_ticks() for k, p in peers.items()}
    order = list(peers)
    for r in range(ROUNDS):
        for k in order[r % len(order):] + order[:r % len(order)]:
            samples[k] += rtts(peers[k], CALLS, f"r{r}")
    rss1 = {k: p.rss_kib() for k, p in peers.items()}
    cpu1 = {k: p.cpu_ticks() for k, p in peers.items()}
    tick = os.sysconf("SC_CLK_TCK")
    for p in peers.values():
        p.close()
    receipts = sum(1 for l in (run_dir / "run.jsonl").read_text().splitlines() if '"type":"tool"' in l)
    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
    if base:
        print(f"base: {base}; this build: {CLAW}")
    print(f"machine: {platform.machine()} {cpu}, {os.cpu_count()} cores, load average "
          f"{load0:.1f} at the start, {os.getloadavg()[0]:.1f} at the end; {ROUNDS} interleaved rounds x {CALLS} calls per config; "
          f"{receipts} tool receipts recorded")
    base50 = pct(samples["direct"], 0.5)
    print("| path | p50 | p99 | p50 added | CPU per call (this process) | RSS after warm-up → end (per call) |")
    print("|---|---|---|---|---|---|")
    n = ROUNDS * CALLS
    for k, xs in samples.items():
        cpu = (cpu1[k] - cpu0[k]) / tick / n * 1e6
        mem = f"{rss0[k] / 1024:.1f} → {rss1[k] / 1024:.1f} MiB ({(rss1[k] - rss0[k]) * 1024 / n:+.0f} B)"
        print(f"| {k} | {pct(xs, 0.5):.0f} µs | {pct(xs, 0.99):.0f} µs | {pct(xs, 0.5) - base50:+.0f} µs | {cpu:.1f} µs | {mem} |")


if __name__ == "__main__":
    main()

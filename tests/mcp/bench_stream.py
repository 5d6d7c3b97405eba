"""Load generator: one long event stream through `claw mcp serve-http`. An upstream (this
script, on loopback) answers a `tools/call` with CLAW_MCP_STREAM_MIB MiB (default 1024) of
progress notifications, 4 KiB events, then the answer (its receipt recorded in a run directory); a raw HTTP client reads the stream as
it arrives. Measured per build: bytes and events the client received, when the first event
arrived, the wall time, and the proxy's resident memory (VmRSS) before the call, at its peak
(sampled every 20 ms) and after. Prints a Markdown table for BENCHMARKS.md.

Environment: CLAW_BIN (a release build), CLAW_MCP_STREAM_BASE (optional: another build,
measured the same way in the same run, after CLAW_BIN)."""
import http.client
import http.server
import json
import os
import platform
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from conftest import CLAW, Keys  # noqa: E402

MIB = int(os.environ.get("CLAW_MCP_STREAM_MIB", "1024"))
EVENT = 4096


class Upstream(http.server.BaseHTTPRequestHandler):
    def log_message(self, *a):
        pass

    def do_POST(self):
        msg = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        mid = msg.get("id")
        if mid is None:
            return self.reply(202, b"")
        if msg["method"] == "tools/list":
            return self.reply(200, json.dumps({"jsonrpc": "2.0", "id": mid, "result": {
                "tools": [{"name": "stream", "inputSchema": {"type": "object"}}]}}).encode())
        if msg["method"] != "tools/call":
            return self.reply(200, json.dumps({"jsonrpc": "2.0", "id": mid, "result": {}}).encode())
        note = {"jsonrpc": "2.0", "method": "notifications/progress",
                "params": {"progressToken": "p", "progress": 0, "message": ""}}
        pad = EVENT - len(b"event: message\ndata: \n\n") - len(json.dumps(note, separators=(",", ":")))
        note["params"]["message"] = "x" * pad
        event = b"event: message\ndata: " + json.dumps(note, separators=(",", ":")).encode() + b"\n\n"
        assert len(event) == EVENT
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Connection", "close")
        self.end_headers()
        chunk = event * 16
        try:
            for _ in range(MIB * 1024 * 1024 // len(chunk)):
                self.wfile.write(chunk)
            answer = {"jsonrpc": "2.0", "id": mid, "result": {"content": [{"type": "text", "text": "done"}]}}
            self.wfile.write(b"event: message\ndata: " + json.dumps(answer).encode() + b"\n\n")
        except OSError:
            pass
        self.close_connection = True

    def reply(self, status, body):
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_kib(pid):
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def measure(binary, keys, pol, upstream_url, tmp):
    port = free_port()
    p = subprocess.Popen([binary, "mcp", "serve-http", "--wpc", str(pol), "--signer", keys.signer,
                          "--listen", f"127.0.0.1:{port}", "--server-name", "up",
                          "--run-dir", str(tmp / f"run-{port}"), "--agent-key", str(keys.dir / "agent.jwk"),
                          "--upstream", upstream_url],
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        endpoint = json.loads(p.stdout.readline())["endpoint"]
        host, path = endpoint[len("http://"):].split("/", 1)
        before = rss_kib(p.pid)
        peak = [before]
        done = threading.Event()

        def sample():
            while not done.is_set():
                peak[0] = max(peak[0], rss_kib(p.pid))
                time.sleep(0.02)

        threading.Thread(target=sample, daemon=True).start()
        c = http.client.HTTPConnection(host, timeout=120)
        body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "tools/call",
                           "params": {"name": "stream", "arguments": {}, "_meta": {"progressToken": "p"}}})
        t0 = time.perf_counter()
        c.request("POST", "/" + path, body=body, headers={
            "Content-Type": "application/json", "Accept": "application/json, text/event-stream"})
        r = c.getresponse()
        if r.status != 200:
            print(f"{binary}: HTTP {r.status}: {r.read()[:300]!r}", file=sys.stderr)
        first, got, events, answered = None, 0, 0, False
        while True:
            line = r.readline()
            if not line:
                break
            got += len(line)
            if line.startswith(b"data: "):
                events += 1
                if first is None:
                    first = time.perf_counter() - t0
                if b"notifications/progress" not in line:
                    m = json.loads(line[len(b"data: "):])
                    answered = m.get("id") == 1 and m.get("result", {}).get("content", [{}])[0].get("text") == "done"
        wall = time.perf_counter() - t0
        done.set()
        time.sleep(0.05)
        after = rss_kib(p.pid)
        return {"status": r.status, "bytes": got, "events": events, "answered": answered,
                "first_ms": None if first is None else first * 1000, "wall": wall,
                "rss": (before / 1024, peak[0] / 1024, after / 1024)}
    finally:
        p.kill()
        p.wait()


def main():
    tmp = Path(tempfile.mkdtemp())
    keys = Keys(tmp)
    pol = keys.policy("bench-stream", [{"sid": "s", "effect": "Allow", "actions": ["tool:execute"],
                                        "resources": ["stream"]}])
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Upstream)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/mcp"
    builds = [("this build", CLAW)]
    if os.environ.get("CLAW_MCP_STREAM_BASE"):
        builds.append(("base", os.environ["CLAW_MCP_STREAM_BASE"]))
    load0 = os.getloadavg()[0]
    rows = [(name, measure(b, keys, pol, url, tmp)) for name, b in builds]
    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
    print(f"machine: {platform.machine()} {cpu}, {os.cpu_count()} cores, load average {load0:.1f} at the start, "
          f"{os.getloadavg()[0]:.1f} at the end; upstream stream {MIB} MiB of {EVENT}-byte events, then the answer")
    print("| build | HTTP status | client received | events | answer relayed | first event after | wall | proxy RSS before / peak / after |")
    print("|---|---|---|---|---|---|---|---|")
    for name, m in rows:
        first = "—" if m["first_ms"] is None else f"{m['first_ms']:.1f} ms"
        b, pk, a = m["rss"]
        print(f"| {name} | {m['status']} | {m['bytes'] / 2**20:.1f} MiB | {m['events']} | {m['answered']} | {first} | "
              f"{m['wall'] * 1000:.0f} ms | {b:.1f} / {pk:.1f} / {a:.1f} MiB |")
    server.shutdown()


if __name__ == "__main__":
    main()

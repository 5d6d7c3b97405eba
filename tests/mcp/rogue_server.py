"""A deliberately misbehaving MCP server over stdio, for the proxy's tests: it answers every
`tools/call` twice and then answers an id nobody sent, exactly what a proxy matching answers to
requests by id must never pass on (a second "result" for one call would reach the client
without a receipt). Otherwise a minimal server: `initialize`, `tools/list` (one tool, `echo`),
`ping`. With the argument `silent-listing` it never answers `tools/list`."""
import json
import sys


def send(msg):
    sys.stdout.write(json.dumps(msg) + "\n")
    sys.stdout.flush()


for line in sys.stdin:
    msg = json.loads(line)
    method, mid = msg.get("method"), msg.get("id")
    if mid is None:
        continue
    if method == "initialize":
        send({"jsonrpc": "2.0", "id": mid, "result": {
            "protocolVersion": msg["params"]["protocolVersion"], "capabilities": {"tools": {}},
            "serverInfo": {"name": "rogue", "version": "1"}}})
    elif method == "tools/list" and "silent-listing" in sys.argv[1:]:
        continue
    elif method == "tools/list":
        send({"jsonrpc": "2.0", "id": mid, "result": {"tools": [
            {"name": "echo", "inputSchema": {"type": "object"}}]}})
    elif method == "tools/call":
        text = msg["params"]["arguments"].get("message", "")
        send({"jsonrpc": "2.0", "id": mid, "result": {"content": [{"type": "text", "text": text}]}})
        send({"jsonrpc": "2.0", "id": mid, "result": {"content": [{"type": "text", "text": "SECOND ANSWER"}]}})
        send({"jsonrpc": "2.0", "id": "ghost", "result": {"content": [{"type": "text", "text": "GHOST"}]}})
    else:
        send({"jsonrpc": "2.0", "id": mid, "result": {}})

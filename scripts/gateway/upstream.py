#!/usr/bin/env python3
"""A scripted model provider on loopback, for claw-gateway tests and the demo.

Speaks the OpenAI Chat Completions and Responses APIs (POST /v1/chat/completions,
POST /v1/responses) and the Anthropic Messages API (POST /v1/messages), JSON or SSE
(`"stream": true`). The model name scripts the behaviour:

  error    429 with a provider-shaped JSON error
  slow     waits SLOW_SECONDS (1 s) before answering
  drop     streams two events, then cuts the connection mid-body (no final chunk)
  unterminated  streams as usual but leaves its last line open (`data: [DONE]`, no line feed)
  anything else: a normal answer ("Hello from <model>")

Every request body it receives and every response body it sends is appended, as exact
bytes (base64), to the JSON-lines file named by --record, so tests can check the gateway's
receipt hashes against what the provider really saw and sent.

Usage: upstream.py [--port 0] [--record FILE]   (prints "listening on http://HOST:PORT")
"""
import argparse
import base64
import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

SLOW_SECONDS = 1.0
LOCK = threading.Lock()
RECORD = None


def record(kind, path, data):
    if RECORD is None:
        return
    with LOCK, open(RECORD, "a", encoding="utf-8") as f:
        f.write(json.dumps({"kind": kind, "path": path, "b64": base64.b64encode(data).decode()}) + "\n")


def openai_chunks(model):
    out = []
    for i, t in enumerate(["Hello", " from ", model]):
        out.append({"id": "chatcmpl-s1", "object": "chat.completion.chunk", "created": 1700000000,
                    "model": model, "choices": [{"index": 0, "delta": ({"role": "assistant", "content": t} if i == 0 else {"content": t}),
                                                 "finish_reason": None}]})
    out.append({"id": "chatcmpl-s1", "object": "chat.completion.chunk", "created": 1700000000, "model": model,
                "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]})
    return [b"data: " + json.dumps(c).encode() + b"\n\n" for c in out] + [b"data: [DONE]\n\n"]


def anthropic_events(model):
    ev = [
        ("message_start", {"type": "message_start", "message": {"id": "msg_s1", "type": "message", "role": "assistant",
                                                                "model": model, "content": [], "stop_reason": None,
                                                                "stop_sequence": None,
                                                                "usage": {"input_tokens": 7, "output_tokens": 1}}}),
        ("content_block_start", {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}}),
        ("content_block_delta", {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "Hello from "}}),
        ("content_block_delta", {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": model}}),
        ("content_block_stop", {"type": "content_block_stop", "index": 0}),
        ("message_delta", {"type": "message_delta", "delta": {"stop_reason": "end_turn", "stop_sequence": None},
                           "usage": {"output_tokens": 4}}),
        ("message_stop", {"type": "message_stop"}),
    ]
    return [f"event: {name}\ndata: {json.dumps(d)}\n\n".encode() for name, d in ev]


def json_answer(path, model):
    if path == "/v1/messages":
        return {"id": "msg_1", "type": "message", "role": "assistant", "model": model,
                "content": [{"type": "text", "text": f"Hello from {model}"}], "stop_reason": "end_turn",
                "stop_sequence": None, "usage": {"input_tokens": 7, "output_tokens": 4}}
    if path == "/v1/responses":
        return {"id": "resp_1", "object": "response", "created_at": 1700000000, "status": "completed", "model": model,
                "output": [{"type": "message", "id": "msg_1", "status": "completed", "role": "assistant",
                            "content": [{"type": "output_text", "text": f"Hello from {model}", "annotations": []}]}],
                "usage": {"input_tokens": 7, "output_tokens": 4, "total_tokens": 11}}
    return {"id": "chatcmpl-1", "object": "chat.completion", "created": 1700000000, "model": model,
            "choices": [{"index": 0, "message": {"role": "assistant", "content": f"Hello from {model}"},
                         "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 7, "completion_tokens": 4, "total_tokens": 11}}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def do_GET(self):
        self.send_json(200, {"status": "ok"})

    def send_json(self, status, obj):
        body = json.dumps(obj, indent=1).encode() + b"\n"
        record("response", self.path, body)
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def chunk(self, data):
        self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
        self.wfile.flush()

    def do_POST(self):
        n = int(self.headers.get("content-length") or 0)
        body = self.rfile.read(n)
        record("request", self.path, body)
        if self.path not in ("/v1/chat/completions", "/v1/responses", "/v1/messages"):
            return self.send_json(404, {"error": {"message": "no such route", "type": "not_found"}})
        try:
            req = json.loads(body)
        except ValueError:
            return self.send_json(400, {"error": {"message": "bad json", "type": "invalid_request_error"}})
        model = str(req.get("model", ""))
        if model == "slow":
            time.sleep(SLOW_SECONDS)
        if model == "error":
            return self.send_json(429, {"error": {"message": "rate limited", "type": "rate_limit_error"}})
        if not req.get("stream"):
            return self.send_json(200, json_answer(self.path, model))
        events = anthropic_events(model) if self.path == "/v1/messages" else openai_chunks(model)
        if model == "unterminated":
            events[-1] = events[-1].rstrip(b"\n")
        self.send_response(200)
        self.send_header("content-type", "text/event-stream")
        self.send_header("transfer-encoding", "chunked")
        self.end_headers()
        sent = b""
        for i, e in enumerate(events):
            if model == "drop" and i == 2:
                record("response", self.path, sent)
                self.close_connection = True
                self.wfile.flush()
                self.connection.shutdown(2)
                return
            self.chunk(e)
            sent += e
            time.sleep(0.002)
        self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()
        record("response", self.path, sent)


def main():
    global RECORD
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--record")
    a = ap.parse_args()
    RECORD = a.record
    srv = ThreadingHTTPServer(("127.0.0.1", a.port), Handler)
    srv.daemon_threads = True
    print(f"listening on http://127.0.0.1:{srv.server_address[1]}", flush=True)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    sys.exit(main())

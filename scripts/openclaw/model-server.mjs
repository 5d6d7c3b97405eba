#!/usr/bin/env node
// Scripted OpenAI-compatible chat-completions server for OpenClaw end-to-end tests.
//
//   node model-server.mjs --script script.json [--port 0] [--host 127.0.0.1]
//        [--log requests.jsonl] [--port-file port.txt]
//        [--max-requests 20] [--max-seconds 120]
//
// Script file (JSON):
//   {
//     "model": "scripted-1",                       // echoed back in chunks (optional)
//     "steps": [                                   // chosen by the request's turn index
//       { "tool_calls": [ { "name": "exec",  "arguments": { "command": "..." } },
//                         { "name": "write", "arguments": { "path": "...", "content": "..." } } ] },
//       { "text": "Done." }
//     ]
//   }
// Turn index = number of assistant messages already in the request's `messages`
// (0 on the first call of a run, 1 after the first tool round, ...). Past the end of
// `steps`, the last step is repeated. Tool-call ids are not matched back (OpenClaw
// rewrites them).
//
// Every request is appended to --log as one JSON line:
//   { "n", "ts", "method", "url", "turn", "step", "body" }
// Prints "PORT=<port>" on stdout once listening (and writes the bare port to --port-file).
// Exits by itself after --max-requests chat requests (exit 0) or --max-seconds (exit 0,
// with a note on stderr), or on SIGTERM/SIGINT.
import http from "node:http";
import fs from "node:fs";

function parseArgs(argv) {
  const out = { port: 0, host: "127.0.0.1", maxRequests: 20, maxSeconds: 120 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const v = () => {
      if (i + 1 >= argv.length) throw new Error(`missing value for ${a}`);
      return argv[++i];
    };
    switch (a) {
      case "--script": out.script = v(); break;
      case "--port": out.port = Number(v()); break;
      case "--host": out.host = v(); break;
      case "--log": out.log = v(); break;
      case "--port-file": out.portFile = v(); break;
      case "--max-requests": out.maxRequests = Number(v()); break;
      case "--max-seconds": out.maxSeconds = Number(v()); break;
      default: throw new Error(`unknown argument ${a}`);
    }
  }
  if (!out.script) throw new Error("--script is required");
  return out;
}

const opts = parseArgs(process.argv.slice(2));
const script = JSON.parse(fs.readFileSync(opts.script, "utf8"));
if (!Array.isArray(script.steps) || script.steps.length === 0) {
  throw new Error("script.steps must be a non-empty array");
}
const modelName = script.model ?? "scripted-1";

let chatRequests = 0;
let seq = 0;

function logRequest(entry) {
  if (!opts.log) return;
  fs.appendFileSync(opts.log, JSON.stringify(entry) + "\n");
}

function pickStep(body) {
  const messages = Array.isArray(body?.messages) ? body.messages : [];
  const turn = messages.filter((m) => m && m.role === "assistant").length;
  const idx = Math.min(turn, script.steps.length - 1);
  return { turn, idx, step: script.steps[idx] };
}

function toolCallsOf(step, idx) {
  return (step.tool_calls ?? []).map((tc, i) => ({
    id: tc.id ?? `call_${idx}_${i}`,
    type: "function",
    function: {
      name: tc.name,
      arguments: typeof tc.arguments === "string" ? tc.arguments : JSON.stringify(tc.arguments ?? {}),
    },
  }));
}

function usage() {
  return { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 };
}

function sendStream(res, step, idx, includeUsage) {
  const id = `chatcmpl-scripted-${++seq}`;
  const created = Math.floor(Date.now() / 1000);
  const chunk = (delta, finish = null, extra = {}) => ({
    id, object: "chat.completion.chunk", created, model: modelName,
    choices: [{ index: 0, delta, finish_reason: finish }], ...extra,
  });
  res.writeHead(200, {
    "content-type": "text/event-stream; charset=utf-8",
    "cache-control": "no-cache",
    connection: "keep-alive",
  });
  const send = (obj) => res.write(`data: ${JSON.stringify(obj)}\n\n`);
  const calls = toolCallsOf(step, idx);
  if (calls.length > 0) {
    send(chunk({ role: "assistant", content: null }));
    calls.forEach((c, i) => {
      // name first, then the arguments in one piece, like real providers do.
      send(chunk({ tool_calls: [{ index: i, id: c.id, type: "function", function: { name: c.function.name, arguments: "" } }] }));
      send(chunk({ tool_calls: [{ index: i, function: { arguments: c.function.arguments } }] }));
    });
    send(chunk({}, "tool_calls"));
  } else {
    const text = String(step.text ?? "");
    send(chunk({ role: "assistant", content: "" }));
    // a few pieces, to exercise streaming accumulation
    const parts = text.match(/.{1,16}/gs) ?? [""];
    for (const p of parts) send(chunk({ content: p }));
    send(chunk({}, "stop"));
  }
  if (includeUsage) {
    res.write(`data: ${JSON.stringify({ id, object: "chat.completion.chunk", created, model: modelName, choices: [], usage: usage() })}\n\n`);
  }
  res.write("data: [DONE]\n\n");
  res.end();
}

function sendJson(res, status, obj) {
  const buf = Buffer.from(JSON.stringify(obj));
  res.writeHead(status, { "content-type": "application/json", "content-length": buf.length });
  res.end(buf);
}

function sendNonStream(res, step, idx) {
  const calls = toolCallsOf(step, idx);
  sendJson(res, 200, {
    id: `chatcmpl-scripted-${++seq}`, object: "chat.completion", created: Math.floor(Date.now() / 1000),
    model: modelName,
    choices: [{
      index: 0,
      message: calls.length ? { role: "assistant", content: null, tool_calls: calls }
                            : { role: "assistant", content: String(step.text ?? "") },
      finish_reason: calls.length ? "tool_calls" : "stop",
    }],
    usage: usage(),
  });
}

let shuttingDown = false;
function shutdown(code, why) {
  if (shuttingDown) return;
  shuttingDown = true;
  if (why) process.stderr.write(`[model-server] ${why}\n`);
  server.close(() => process.exit(code));
  server.closeAllConnections?.();
  setTimeout(() => process.exit(code), 1000).unref();
}

const server = http.createServer((req, res) => {
  const chunks = [];
  req.on("data", (c) => chunks.push(c));
  req.on("end", () => {
    const raw = Buffer.concat(chunks).toString("utf8");
    let body = null;
    try { body = raw ? JSON.parse(raw) : null; } catch { body = { unparsed: raw.slice(0, 10000) }; }
    const path = (req.url ?? "").split("?")[0];
    const entry = { n: 0, ts: new Date().toISOString(), method: req.method, url: req.url, headers: req.headers };

    if (req.method === "POST" && /\/chat\/completions$/.test(path)) {
      chatRequests += 1;
      const { turn, idx, step } = pickStep(body);
      Object.assign(entry, { n: chatRequests, turn, step: idx, body });
      logRequest(entry);
      if (body?.stream) sendStream(res, step, idx, Boolean(body?.stream_options?.include_usage));
      else sendNonStream(res, step, idx);
      if (chatRequests >= opts.maxRequests) {
        res.on("finish", () => shutdown(0, `served ${chatRequests} chat requests; exiting`));
      }
      return;
    }
    logRequest({ ...entry, body });
    if (req.method === "GET" && /\/models$/.test(path)) {
      sendJson(res, 200, { object: "list", data: [{ id: modelName, object: "model", owned_by: "scripted" }] });
      return;
    }
    sendJson(res, 404, { error: { message: `not scripted: ${req.method} ${path}` } });
  });
});

server.listen(opts.port, opts.host, () => {
  const { port } = server.address();
  if (opts.portFile) fs.writeFileSync(opts.portFile, String(port));
  process.stdout.write(`PORT=${port}\n`);
});
setTimeout(() => shutdown(0, `max-seconds ${opts.maxSeconds} reached; exiting`), opts.maxSeconds * 1000).unref();
// keep the process alive for the timer even with no connections
const keepAlive = setInterval(() => {}, 1 << 30);
server.on("close", () => clearInterval(keepAlive));
process.on("SIGTERM", () => shutdown(0, "SIGTERM"));
process.on("SIGINT", () => shutdown(0, "SIGINT"));

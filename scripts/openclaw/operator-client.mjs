#!/usr/bin/env node
// An OpenClaw Gateway operator for the end-to-end test: starts one agent turn through the
// Gateway and answers the plugin approvals it raises.
//
//   node operator-client.mjs <openclaw package dir> --url ws://127.0.0.1:PORT --token TOKEN
//        --session-key agent:main:KEY --message TEXT --allow SUBSTRING --deny SUBSTRING
//        [--allow-via resolve|chat] [--chat-session-key KEY] [--log events.jsonl] [--timeout-ms 120000]
//
// Connects with OpenClaw's own Gateway client (GatewayClient, exported by
// openclaw/plugin-sdk/gateway-runtime: the WebSocket handshake, shared-token auth and the
// device identity it keeps under OPENCLAW_STATE_DIR) as an operator with scopes
// operator.read, operator.write and operator.approvals, then sends `chat.send`. A run
// started this way carries the client's device as its approval reviewer and the client's
// scopes as its authority, which OpenClaw needs to ask for a plugin approval through
// `plugin.approval.request` (an `openclaw agent` run has neither and is cancelled at once).
// On each `plugin.approval.requested` event: `plugin.approval.resolve {id, decision}` with
// allow-once when the request's description contains --allow, deny when it contains --deny,
// else nothing. With --allow-via chat, the allow-once answer is instead the chat command
// `/approve <id> allow-once`, sent with `chat.send` on --chat-session-key (default: the run's
// own session; OpenClaw 2026.9.6 then fails the waiting run with "SQLite transcript changed
// while preparing rewrite", so the test uses a session of its own; OpenClaw parses it
// in dist/commands-approve-*: the sender needs operator.approvals, and OpenClaw resolves it
// over its own Gateway as the client "Chat approval (<channel>:<sender>)"). Logs every
// approval event and answer to --log (one JSON line each). Exits 0 once the chat run reports its final state, 1 on error or timeout.
import fs from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";

const [pkg, ...rest] = process.argv.slice(2);
const opts = { timeoutMs: 120000, allowVia: "resolve" };
for (let i = 0; i < rest.length; i += 2) {
  const key = rest[i].replace(/^--/, "").replace(/-([a-z])/g, (_, c) => c.toUpperCase());
  if (rest[i + 1] === undefined) throw new Error(`missing value for ${rest[i]}`);
  opts[key] = key === "timeoutMs" ? Number(rest[i + 1]) : rest[i + 1];
}
for (const k of ["url", "token", "sessionKey", "message", "allow", "deny"]) {
  if (!opts[k]) throw new Error(`--${k} is required`);
}
if (!["resolve", "chat"].includes(opts.allowVia)) throw new Error("--allow-via must be resolve or chat");
const log = (o) => {
  const line = JSON.stringify({ ts: new Date().toISOString(), ...o });
  if (opts.log) fs.appendFileSync(opts.log, line + "\n");
};

const { GatewayClient } = await import(pathToFileURL(path.join(pkg, "dist/plugin-sdk/gateway-runtime.js")).href);

let client;
let runId;
let finished = false;
const done = (code, why) => {
  if (finished) return;
  finished = true;
  log({ kind: "exit", code, why });
  if (code !== 0) console.error(`operator-client: ${why}`);
  clearTimeout(timer);
  Promise.resolve(client?.stopAndWait?.({ timeoutMs: 2000 })).catch(() => {}).finally(() => process.exit(code));
};
const timer = setTimeout(() => done(1, `timed out after ${opts.timeoutMs} ms`), opts.timeoutMs);

async function answer(payload) {
  const id = payload?.id;
  const description = String(payload?.request?.description ?? "");
  const decision = description.includes(opts.allow) ? "allow-once" : description.includes(opts.deny) ? "deny" : null;
  log({ kind: "requested", id, title: payload?.request?.title, description, toolName: payload?.request?.toolName, decision });
  if (!id || !decision) return;
  if (decision === "allow-once" && opts.allowVia === "chat") {
    try {
      const result = await client.request("chat.send", {
        sessionKey: opts.chatSessionKey ?? opts.sessionKey,
        message: `/approve ${id} allow-once`,
        idempotencyKey: `claw-e2e-approve-${id}`,
      });
      log({ kind: "chat-approve", id, decision, result });
    } catch (err) {
      log({ kind: "chat-approve-error", id, decision, error: String(err) });
      done(1, `chat.send /approve failed: ${err}`);
    }
    return;
  }
  try {
    const result = await client.request("plugin.approval.resolve", { id, decision });
    log({ kind: "resolve", id, decision, result });
  } catch (err) {
    log({ kind: "resolve-error", id, decision, error: String(err) });
    done(1, `plugin.approval.resolve ${decision} failed: ${err}`);
  }
}

client = new GatewayClient({
  url: opts.url,
  token: opts.token,
  clientName: "gateway-client",
  clientDisplayName: "claw-e2e-operator",
  mode: "backend",
  caps: ["approvals", "plugin-approvals"],
  scopes: ["operator.read", "operator.write", "operator.approvals"],
  onEvent: (evt) => {
    if (evt.event === "plugin.approval.requested") void answer(evt.payload);
    else if (evt.event === "plugin.approval.resolved") log({ kind: "resolved", ...evt.payload });
    else if (evt.event === "chat" && evt.payload?.runId === runId && ["final", "error", "aborted"].includes(evt.payload?.state)) {
      log({ kind: "chat", state: evt.payload.state });
      done(evt.payload.state === "final" ? 0 : 1, `chat run ended: ${evt.payload.state}`);
    }
  },
  onHelloOk: async () => {
    try {
      const res = await client.request("chat.send", {
        sessionKey: opts.sessionKey,
        message: opts.message,
        idempotencyKey: `claw-e2e-${process.pid}-${Date.now()}`,
      });
      runId = res?.runId;
      log({ kind: "chat.send", result: res });
      if (!runId) return done(1, `chat.send returned no runId: ${JSON.stringify(res)}`);
      const waited = await client.request("agent.wait", { runId, timeoutMs: opts.timeoutMs }, { timeoutMs: opts.timeoutMs + 5000 });
      log({ kind: "agent.wait", result: waited });
      done(waited?.status === "ok" ? 0 : 1, `agent.wait: ${JSON.stringify(waited)}`);
    } catch (err) {
      done(1, `chat.send failed: ${err}`);
    }
  },
  onConnectError: (err) => done(1, `connect failed: ${err}`),
});
client.start();

// Issue 18: every run ends with evidence (no tool call, failed gate), the overrides file
// recovers without a restart and its denials name the override, approvals are bound to the
// arguments approved, and the run's reconciliation is bound into the bundle.

import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { ClawGate, FailedGate } from "../lib/gate.js";
import { captured, claw, clock, memoryLogger, setup } from "./helpers.js";

function open(config, now = clock()) {
  return { gate: ClawGate.open(config, { claw, now, logger: memoryLogger(), harnessVersion: "2026.9.6" }), now };
}
const latest = (s) => JSON.parse(fs.readFileSync(path.join(s.config.evidenceDir, "latest.json"), "utf8"));
const payloadOf = (file) => JSON.parse(fs.readFileSync(file, "utf8")).payload;
const ocMeta = (file) => payloadOf(file).metadata["claw.dev/v1"].openclaw;
const WARN = { config_version: "1", causal_mode: "warn" };

test("a run with no tool call ends with a bundle, and latest.json names it", async () => {
  const s = setup();
  const { gate, now } = open(s.config);
  const first = await gate.agentEnd({ runId: "run-1", success: true, messages: [] }, { sessionId: "s1" });
  assert.ok(first && fs.existsSync(first.bundle));
  assert.equal(latest(s).run, "run-1");
  const second = await gate.agentEnd({ runId: "run-2", success: true, messages: [] }, { sessionId: "s2" });
  assert.equal(latest(s).run, "run-2", "latest.json always names the last run");
  assert.equal(latest(s).bundle, second.bundle);
  const v = claw.bundle.verify(fs.readFileSync(second.bundle), { now: now() });
  assert.equal(v.valid, true, JSON.stringify(v));
  assert.equal(ocMeta(second.bundle).session_id, "s2");
  assert.equal(ocMeta(second.bundle).reconciliation.status, "clean");
});

test("a gate that failed closed still writes a verifiable bundle that says why", async () => {
  const s = setup();
  const now = clock();
  const cfg = { ...s.config, policySigners: [claw.SigningKey.generate().did()] };
  let gate;
  try {
    ClawGate.open(cfg, { claw, now });
    assert.fail("the gate must not open");
  } catch (e) {
    gate = new FailedGate(e, { claw, config: cfg, now });
  }
  const r = await gate.beforeToolCall({ toolName: "exec", params: { command: "id" }, runId: "r", toolCallId: "c" }, {});
  assert.equal(r.block, true);
  const files = await gate.agentEnd({ runId: "r", success: false }, { sessionId: "s" });
  const v = claw.bundle.verify(fs.readFileSync(files.bundle), { now: now() });
  assert.equal(v.valid, true, JSON.stringify(v));
  const p = payloadOf(files.bundle);
  assert.deepEqual(ocMeta(files.bundle).gate, { status: "failed", reason_code: "SIGNER_NOT_ALLOWED", message: gate.message });
  assert.equal((p.tool_receipts ?? []).length, 0, "nothing was allowed");
  assert.equal(p.event_chain.filter((e) => e.event_type === "policy_decision").length, 1);
  assert.equal(latest(s).gate.reason_code, "SIGNER_NOT_ALLOWED");
  assert.equal(latest(s).bundle, files.bundle);
  // Without the claw library nothing can be signed: latest.json still names the run and why.
  const bare = new FailedGate(Object.assign(new Error("libclaw.so not found"), { reasonCode: "CLAW_LIBRARY_MISSING" }), { config: s.config });
  await bare.agentEnd({ runId: "r2" }, {});
  assert.deepEqual([latest(s).run, latest(s).bundle, latest(s).gate.reason_code], ["r2", null, "CLAW_LIBRARY_MISSING"]);
});

test("an invalid overrides file at start denies until it is fixed, then the gate reopens without restart", async () => {
  const s = setup();
  fs.writeFileSync(s.config.overridesFile, "{ not json");
  const { gate } = open(s.config);
  const call = (tool, id) => gate.beforeToolCall({ toolName: tool, params: {}, runId: "r", toolCallId: id }, {});
  assert.match((await call("read", "1")).blockReason, /OVERRIDES_INVALID/);
  assert.match((await call("read", "2")).blockReason, /OVERRIDES_INVALID/, "still invalid: still denied");
  fs.writeFileSync(`${s.config.overridesFile}.tmp`, JSON.stringify({ denied_tools: ["exec"] }));
  fs.renameSync(`${s.config.overridesFile}.tmp`, s.config.overridesFile);
  assert.equal(await call("read", "3"), undefined, "fixed file: the gate decides again");
  const r = await call("exec", "4");
  assert.match(r.blockReason, new RegExp(`^claw denied "exec": OVERRIDE_TOOL_DENIED \\(override denied_tools in ${s.config.overridesFile.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}, policy `));
  assert.doesNotMatch(r.blockReason, /no statement allows it/);
});

test("override denials name the override: denied_policy_hashes, required_policy_hash, revoke_token", async () => {
  const s = setup();
  const { gate } = open(s.config);
  const write = (doc) => {
    fs.writeFileSync(`${s.config.overridesFile}.tmp`, JSON.stringify(doc));
    fs.renameSync(`${s.config.overridesFile}.tmp`, s.config.overridesFile);
  };
  const call = async (id) => (await gate.beforeToolCall({ toolName: "read", params: {}, runId: "r", toolCallId: id }, {})).blockReason;
  write({ denied_policy_hashes: [s.policyHash] });
  assert.match(await call("1"), /OVERRIDE_POLICY_HASH_DENIED \(override denied_policy_hashes [A-Za-z0-9_-]{12} in /);
  write({ required_policy_hash: "A".repeat(43) });
  assert.match(await call("2"), /OVERRIDE_POLICY_HASH_MISMATCH \(override required_policy_hash in /);
  write({ revoke_token: true });
  assert.match(await call("3"), /TOKEN_REVOKED \(the job's scoped token is not valid \(revoked by the overrides file /);
});

/** An approval-gated exec, approved, whose after_tool_call reports `ranParams`. */
async function approvedRun(ranParams, cfg = {}) {
  const s = setup({ policyExtra: { approvals: [{ action: "exec", required: true }], allowed_tools: ["read"] }, cfg });
  const { gate, now } = open(s.config);
  const params = { command: "deploy --env staging" };
  const ev = { toolName: "exec", params, runId: "r", toolCallId: "c1" };
  const r = await gate.beforeToolCall(ev, { sessionId: "s", requester: { senderIsOwner: true } });
  now.advance(5);
  r.requireApproval.onResolution("allow-once");
  now.advance(5);
  await gate.afterToolCall({ ...ev, params: ranParams ?? params, result: { content: [{ type: "text", text: "ok" }] }, durationMs: 2 }, {});
  const files = await gate.agentEnd({ runId: "r", success: true }, {});
  return { s, r, files, now };
}

test("an approval carries the hash of the exact arguments approved and the resolver; the receipt after it must match", async () => {
  const { r, files, now } = await approvedRun();
  const p = payloadOf(files.bundle);
  const [a] = p.human_approval_receipts;
  const [t] = p.tool_receipts;
  assert.equal(a.approval_type, "explicit_approve");
  assert.equal(a.approver_subject, "openclaw:tui:embedded");
  assert.equal(a.approver_method, "cli_confirm");
  assert.equal(a.plan_hash_b64u, t.payload.args_hash_b64u, "approved args = executed args");
  // The approval event is immediately followed by its tool call in the chain.
  const idx = (h) => p.event_chain.findIndex((e) => e.event_hash_b64u === h);
  assert.equal(idx(t.payload.binding.event_hash_b64u), idx(a.binding.event_hash_b64u) + 1);
  const v = claw.bundle.verify(fs.readFileSync(files.bundle), { now: now(), config: WARN });
  assert.equal(v.valid, true, JSON.stringify(v));
  assert.equal(r.requireApproval.timeoutMs, 120000);
});

test("arguments changed after the approval (another hook rewrote them): the verifier refuses the bundle", async () => {
  const { files, now } = await approvedRun({ command: "deploy --env prod" });
  const v = claw.bundle.verify(fs.readFileSync(files.bundle), { now: now(), config: WARN });
  assert.equal(v.valid, false);
  assert.equal(v.reason_code, "APPROVAL_ARGS_MISMATCH", JSON.stringify(v));
});

test("the approval window is configurable", async () => {
  const { r } = await approvedRun(undefined, { approvalTimeoutMs: 45000 });
  assert.equal(r.requireApproval.timeoutMs, 45000);
});

test("agent_end binds the reconciliation of OpenClaw's record of the run into the bundle", async () => {
  // A normal run (replayed from openclaw@2026.9.6): every executed call has its receipt.
  const s = setup();
  const { gate, now } = open(s.config);
  let files;
  for (const h of captured("block")) {
    now.advance(10);
    if (h.hook === "before_tool_call") await gate.beforeToolCall(h.event, h.ctx);
    else if (h.hook === "after_tool_call") await gate.afterToolCall(h.event, h.ctx);
    else if (h.hook === "agent_end") files = await gate.agentEnd(h.event, h.ctx);
  }
  const rec = ocMeta(files.bundle).reconciliation;
  assert.deepEqual([rec.status, rec.executed, rec.covered, rec.blocked, rec.critical], ["clean", 1, 1, 1, 0]);
  assert.equal(claw.bundle.verify(fs.readFileSync(files.bundle), { now: now() }).valid, true);

  // The same transcript where exec ran but claw's hooks never saw it: a bypass, bound into the bundle.
  const s2 = setup();
  const { gate: g2 } = open(s2.config);
  const end = captured("block").find((h) => h.hook === "agent_end");
  const f2 = await g2.agentEnd(end.event, end.ctx);
  const rec2 = ocMeta(f2.bundle).reconciliation;
  assert.equal(rec2.status, "findings");
  assert.equal(rec2.critical, 1);
  assert.deepEqual(rec2.check_ids, ["claw.openclaw.call_bypassed_gate"]);
  assert.equal(latest(s2).reconciliation.critical, 1);
});

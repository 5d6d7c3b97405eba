// The claw-gateway provider wrapper's pure parts (docs/SPEC.md §7.12); the whole chain runs
// against a real claw-gateway in scripts/test-openclaw.sh gateway.
import assert from "node:assert/strict";
import test from "node:test";
import { bindingHeaders, fetchReceipt, gatewayOrigin, runIdOf, wrapGatewayStreamFn } from "../lib/gateway.js";

test("the run id comes from OpenClaw's requestId", () => {
  assert.equal(runIdOf({ requestId: "4281c15e-c259:model:1" }), "4281c15e-c259");
  assert.equal(runIdOf({ requestId: "a:model:2:model:3" }), "a:model:2");
  assert.equal(runIdOf({ requestId: ":model:1" }), null);
  assert.equal(runIdOf({}), null);
  assert.equal(runIdOf(undefined), null);
});

test("the gateway origin drops the /v1 of the provider baseUrl", () => {
  assert.equal(gatewayOrigin("http://127.0.0.1:8787/v1"), "http://127.0.0.1:8787");
  assert.equal(gatewayOrigin("http://127.0.0.1:8787/v1/"), "http://127.0.0.1:8787");
  assert.equal(gatewayOrigin("https://gw.example/prefix/v1"), "https://gw.example/prefix");
});

test("binding headers carry run, event hash, policy hash, spans and the nonce", () => {
  const h = bindingHeaders({ run_id: "run_1", event_hash_b64u: "E", policy_hash: "PH", span_id: "S", parent_span_id: "P" }, "n1");
  assert.deepEqual(h, { "X-Run-Id": "run_1", "X-Event-Hash": "E", "X-Idempotency-Key": "n1", "X-Policy-Hash": "PH", "X-Span-Id": "S", "X-Parent-Span-Id": "P" });
  const bare = bindingHeaders({ run_id: "r", event_hash_b64u: "E" }, "n");
  assert.equal(bare["X-Parent-Span-Id"], undefined);
  assert.equal(bare["X-Policy-Hash"], undefined);
});

test("fetchReceipt waits through 404s, then returns the envelope; other statuses fail", async () => {
  let calls = 0;
  const fetchImpl = async (url) => {
    calls += 1;
    assert.equal(url, "http://gw/v1/receipt/claw-n%2F1");
    return calls < 3
      ? new Response('{"reason_code":"RECEIPT_NOT_FOUND"}', { status: 404 })
      : new Response(JSON.stringify({ ok: true, receipt_envelope: { envelope_type: "gateway_receipt" } }), { status: 200 });
  };
  assert.deepEqual(await fetchReceipt("http://gw", "claw-n/1", { fetchImpl }), { envelope_type: "gateway_receipt" });
  assert.equal(calls, 3);
  await assert.rejects(fetchReceipt("http://gw", "n", { fetchImpl: async () => new Response("no", { status: 400 }) }), /HTTP 400/);
  await assert.rejects(
    fetchReceipt("http://gw", "n", { fetchImpl: async () => new Response("{}", { status: 404 }), waitMs: 120 }),
    (e) => e.reasonCode === "RECEIPT_NOT_FOUND",
  );
});

test("the wrapper adds the binding headers and settles the receipt after the stream ends", async () => {
  const seen = [];
  const settled = [];
  const gate = {
    beginModelCall(runId, what) {
      seen.push({ runId, ...what });
      return { binding: { run_id: "run_r", event_hash_b64u: "H", span_id: "S" }, settle: (p) => settled.push(p) };
    },
  };
  let sentHeaders;
  const inner = async (_model, _ctx, options) => {
    sentHeaders = options.headers;
    return { result: () => Promise.resolve({}) };
  };
  const wrapped = wrapGatewayStreamFn({ streamFn: inner, modelId: "m" }, async () => gate);
  await wrapped({ id: "m", baseUrl: "http://127.0.0.1:1/v1" }, {}, { requestId: "oc-run:model:1", headers: { "X-CST": "t" } });
  assert.deepEqual(seen, [{ runId: "oc-run", provider: "claw-gateway", model: "m" }]);
  assert.equal(sentHeaders["X-CST"], "t");
  assert.equal(sentHeaders["X-Run-Id"], "run_r");
  assert.equal(sentHeaders["X-Event-Hash"], "H");
  assert.match(sentHeaders["X-Idempotency-Key"], /^claw-[0-9a-f-]{36}$/);
  assert.equal(settled.length, 1);
  // Nothing listens on port 1: the receipt cannot be fetched and the settle promise rejects.
  await assert.rejects(settled[0]);
  // A gate that records nothing (failed gate) lets the call through unchanged.
  const plain = wrapGatewayStreamFn({ streamFn: async (_m, _c, o) => o }, async () => ({ beginModelCall: () => null }));
  assert.deepEqual(await plain({ id: "m" }, {}, { headers: { a: "b" } }), { headers: { a: "b" } });
});

test("the gate binds each model call to its policy: X-Policy-Hash, and a receipt under another policy is refused", async () => {
  const { ClawGate } = await import("../lib/gate.js");
  const { claw, clock, memoryLogger, setup } = await import("./helpers.js");
  const s = setup();
  const gate = ClawGate.open(s.config, { claw, now: clock(), logger: memoryLogger() });
  let sent;
  const inner = async (_m, _c, options) => {
    sent = options.headers;
    return { result: () => Promise.resolve({}) };
  };
  const wrapped = wrapGatewayStreamFn({ streamFn: inner }, async () => gate);
  await wrapped({ id: "m", baseUrl: "http://127.0.0.1:1/v1" }, {}, { requestId: "oc-run:model:1" });
  assert.equal(sent["X-Policy-Hash"], s.policyHash);
  // The recorder: a receipt the gateway signed for this run and event, but under another
  // policy, is refused (claw-core's rule, docs/SPEC.md §7.12).
  const call = gate.beginModelCall("oc-run-2", { provider: "claw-gateway", model: "m" });
  assert.equal(call.binding.policy_hash, s.policyHash);
  const gw = claw.SigningKey.generate();
  const receipt = (policyHash) =>
    JSON.parse(claw.signEnvelope("gateway_receipt", {
      receipt_version: "1", receipt_id: "rcpt_x", gateway_id: "gw", provider: "openai", model: "m",
      request_hash_b64u: "A".repeat(43), response_hash_b64u: "A".repeat(43), tokens_input: 1, tokens_output: 1,
      latency_ms: 1, timestamp: "2026-11-24T21:56:50.000Z",
      binding: { run_id: call.binding.run_id, event_hash_b64u: call.binding.event_hash_b64u, policy_hash: policyHash },
    }, gw));
  const run = gate.runs.get("oc-run-2");
  assert.throws(() => run.recorder.attachGatewayReceipt(receipt("Q".repeat(43))), (e) => e.reasonCode === "GATEWAY_POLICY_MISMATCH");
  run.recorder.attachGatewayReceipt(receipt(s.policyHash));
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Policy, Recorder, Result, SigningKey, bundle, trustPulse } from '../claw.mjs';

const t0 = 1770768000000;
const policyText = readFileSync(new URL('../../testdata/policy.v2.json', import.meta.url), 'utf8');

test('evidence: record a run, build and verify the bundle, receipt proof, trust pulse', () => {
  const agent = SigningKey.generate();
  const gw = SigningKey.generate();
  const policy = Policy.fromJson(policyText);
  const rec = new Recorder(agent);
  assert.match(rec.runId, /^run_/);
  rec.recordEvent('run_start', { task: 'demo' }, { at: t0 });
  rec.recordModelCall(gw, 'gw-test', { provider: 'openai', model: 'gpt-5', request: 'hi', response: 'hello',
    tokensInput: 3, tokensOutput: 5, latencyMs: 100, at: t0 + 1000 });
  const d = policy.decide('read', { now: t0 });
  rec.recordDecision(d, { action: 'tool:execute', resource: 'read', at: t0 + 1100 });
  const toolReceipt = rec.recordToolCall({ toolName: 'read', args: { path: 'a.txt' }, result: { ok: true }, latencyMs: 5, at: t0 + 1200 });
  rec.recordSideEffect({ effectClass: 'network_egress', target: 'api.example.com', request: 'GET /', response: '200',
    responseStatus: 'success', at: t0 + 1300 });
  rec.recordApproval({ approvalType: 'explicit_approve', approverSubject: 'alice@example.com', approverMethod: 'ui_click',
    scope: { tool: 'write' }, at: t0 + 1400 });
  assert.throws(() => rec.recordToolCall({ toolName: 'x', status: 'maybe', at: t0 + 1500 }),
    (e) => e.code === Result.ERR_BUNDLE && e.reasonCode === 'SCHEMA_VALIDATION_FAILED');
  const pending = rec.beginModelCall({ provider: 'openai', model: 'gpt-5', at: t0 + 1600 });
  rec.abandonModelCall(pending.event_hash_b64u);
  const cp = rec.checkpoint({ at: t0 + 1700 });
  assert.ok(cp.envelope_type);
  const { bundle: b, trustPulse: pulse } = rec.finish({ harnessId: 'node-test', harnessVersion: '1.0.0', at: t0 + 2000 });
  assert.ok(pulse);
  assert.throws(() => rec.recordEvent('late', {}, { at: t0 + 3000 }), (e) => e.reasonCode === 'RECORDER_FINISHED');

  const config = { config_version: '1', allowlists: { gateway_receipt_signer_dids: [gw.did()] } };
  const v = bundle.verify(b, { config, policy, now: t0 + 5000 });
  assert.equal(v.valid, true, JSON.stringify(v));
  assert.equal(v.status, 'PASS');
  const bad = bundle.verify(b.replace('"id":"node-test"', '"id":"node-tesT"'), { config, now: t0 + 5000 });
  assert.equal(bad.valid, false);
  assert.equal(bad.status, 'FAIL');
  assert.equal(bundle.verify('{', { now: t0 }).reason_code, 'INVALID_JSON');
  const none = Policy.fromJson({ policy_version: '2', policy_id: 'p', issuer_did: 'did:web:example.com',
    statements: [{ sid: 'M', effect: 'Allow', actions: ['model:invoke'], resources: ['*'] }] });
  const replayed = bundle.verify(b, { config, policy: none, now: t0 + 5000 });
  assert.equal(replayed.valid, false);
  assert.equal(replayed.reason_code, 'POLICY_VIOLATION');
  none.close();

  const proof = bundle.receiptProof(b, toolReceipt, { config, now: t0 + 5000 });
  const pv = bundle.verifyReceiptProof(proof, { expectedAgentDid: agent.did() });
  assert.equal(pv.kind, 'tool_receipt');
  assert.throws(() => bundle.verifyReceiptProof(proof, { expectedAgentDid: gw.did() }), (e) => e.code === Result.ERR_MERKLE);
  assert.ok(JSON.stringify(trustPulse(b, { config, now: t0 + 5000, issuedAt: t0 + 6000 })).includes('"read"'));
  // One document, one verdict: a genuine bundle wrapped beside an invented payload is refused.
  const wrapped = `{"envelope":${typeof b === 'string' ? b : JSON.stringify(b)},"payload":{"agent_did":"did:key:zInvented"}}`;
  assert.throws(() => trustPulse(wrapped, { config, now: t0 + 5000 }), (e) => e.reasonCode === 'AMBIGUOUS_DOCUMENT');
  for (const h of [rec, policy, gw, agent]) h.close();
});

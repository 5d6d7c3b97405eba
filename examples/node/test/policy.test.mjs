import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Decision, Policy, Result, SigningKey, Verdict } from '../claw.mjs';

const now = new Date(1770768000 * 1000);
const policyText = readFileSync(new URL('../../testdata/policy.v2.json', import.meta.url), 'utf8');

test('policy: a decision never reads as allowed unless it is an allow', () => {
  const p = Policy.fromJson(policyText);
  const deny = p.decide('exec', { now });
  assert.ok(deny instanceof Decision);
  assert.equal(deny.allowed, false);
  // Objects are truthy in JavaScript; the comparisons a caller might write instead throw.
  assert.throws(() => deny == true, (e) => e instanceof TypeError && /decision\.allowed/.test(e.message));
  assert.throws(() => deny > 0, TypeError);
  assert.throws(() => Number(deny), TypeError);
  assert.equal(`${deny}`, 'Decision(deny, POLICY_VIOLATION)');
  assert.ok(Object.isFrozen(deny));
  assert.throws(() => { 'use strict'; deny.allowed = true; }, TypeError);
  const allow = p.decide('read', { now });
  assert.equal(allow.allowed, true);
  assert.throws(() => allow == true, TypeError);
  // A failed call throws: there is no decision to misread.
  assert.throws(() => p.decide('read', { context: { a: 1 }, now }), (e) => e.reasonCode === 'INVALID_CONTEXT');
});

test('policy: decide, approval, overrides, info', () => {
  const p = Policy.fromJson(policyText);
  const cases = [
    ['read', undefined, Verdict.ALLOW, 'POLICY_ALLOW', 'AllowRead'],
    ['exec', undefined, Verdict.DENY, 'POLICY_VIOLATION', 'DenyShell'],
    ['unknown', undefined, Verdict.DENY, 'POLICY_DEFAULT_DENY', null],
    ['write', undefined, Verdict.APPROVAL_REQUIRED, 'CAPABILITY_REQUIRES_APPROVAL', 'AllowWriteWithApproval'],
    ['write', { 'Request:HasHumanApproval': 'true' }, Verdict.ALLOW, 'POLICY_ALLOW', 'AllowWriteWithApproval'],
  ];
  for (const [tool, context, verdict, reason, sid] of cases) {
    const d = p.decide(tool, { context, now });
    assert.equal(d.verdict, verdict, tool);
    assert.equal(d.reasonCode, reason, tool);
    assert.equal(d.statementId, sid, tool);
    assert.equal(d.policyHash.length, 43);
  }
  assert.ok(p.decideRequest('model:invoke', 'gpt-5', { now }).allowed);
  p.setOverrides({ denied_tools: ['read'] });
  assert.equal(p.decide('read', { now }).reasonCode, 'OVERRIDE_TOOL_DENIED');
  assert.throws(() => p.setOverrides({ denied_tools: [1] }), (e) => e.code === Result.ERR_POLICY && e.reasonCode === 'OVERRIDES_INVALID');
  assert.deepEqual(p.info().overrides.denied_tools, ['read']);
  p.setOverrides({});
  assert.ok(p.decide('read', { now }).allowed);
  assert.throws(() => p.decide('read', { context: { a: 1 }, now }), (e) => e.reasonCode === 'INVALID_CONTEXT');
  assert.throws(() => Policy.fromJson({ policy_version: '3' }), (e) => e.reasonCode === 'UNKNOWN_SCHEMA_VERSION');
  p.close();
  assert.throws(() => p.decide('read'), (e) => e.code === Result.ERR_NULL_ARGUMENT);
});

test('policy: signed envelope, authoring form, run time limit', () => {
  const sk = SigningKey.generate();
  const env = Policy.sign(policyText, sk, { issuedAt: now });
  const p = Policy.fromEnvelope(env, { trustedSigners: [sk.did()], now });
  assert.ok(p.decide('read', { now }).allowed);
  assert.throws(() => Policy.fromEnvelope(env, { trustedSigners: [], now }), (e) => e.code === Result.ERR_ENVELOPE && e.reasonCode === 'SIGNER_NOT_ALLOWED');
  const wpc = Policy.compileAuthoring(readFileSync(new URL('../../testdata/authoring.json', import.meta.url)));
  const q = Policy.fromJson(wpc);
  assert.equal(q.decide('git_log', { now }).reasonCode, 'POLICY_DENY_UNRESOLVED_CONTEXT');
  assert.ok(q.decideRequest('tool:execute', 'git_log', { now, runStartedAt: now.getTime() - 60e3 }).allowed);
  assert.equal(q.decide('shell_exec', { now }).verdict, Verdict.DENY);
  for (const h of [p, q, sk]) h.close();
});

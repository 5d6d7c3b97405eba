import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Result, SigningKey, signEnvelope, verifyEnvelope } from '../claw.mjs';

test('envelope: sign, verify, tamper, trust list, expiry', () => {
  const sk = SigningKey.generate();
  const did = sk.did();
  const issuedAt = new Date(1770768000000);
  const env = signEnvelope('work_policy_contract', { z: 1, a: 'b' }, sk, { issuedAt });
  const v = verifyEnvelope(env, 'work_policy_contract', { trustedSigners: [did], now: issuedAt });
  assert.deepEqual(v.payload, { a: 'b', z: 1 });
  assert.equal(v.signerDid, did);
  assert.equal(v.issuedAtMs, 1770768000000);
  assert.equal(v.expiresAtMs, null);
  assert.throws(() => verifyEnvelope(env.replace('"z":1', '"z":2'), 'work_policy_contract'),
    (e) => e.code === Result.ERR_ENVELOPE && e.reasonCode === 'HASH_MISMATCH');
  assert.throws(() => verifyEnvelope(env, 'work_policy_contract', { trustedSigners: [] }),
    (e) => e.reasonCode === 'SIGNER_NOT_ALLOWED');
  const exp = signEnvelope('work_policy_contract', { a: 1 }, sk, { issuedAt, expiresAt: 1770768060000 });
  assert.throws(() => verifyEnvelope(exp, 'work_policy_contract', { now: 1770768060000 }),
    (e) => e.reasonCode === 'EXPIRED');
  assert.throws(() => signEnvelope('x', [1], sk), (e) => e.code === Result.ERR_ENVELOPE);
  sk.close();
  assert.throws(() => signEnvelope('x', {}, sk), (e) => e.code === Result.ERR_NULL_ARGUMENT);
});

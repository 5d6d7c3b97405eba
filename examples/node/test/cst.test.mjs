import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KeySet, ReplayGuard, Result, Revocations, SigningKey, cst } from '../claw.mjs';

const now = new Date(1770768000 * 1000);
const claims = {
  sub: 'did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK',
  aud: ['gateway'],
  scope: ['tool:read'],
  mission_id: 'job-42',
};

test('cst: issue and verify, every refusal with its reason code', () => {
  const sk = SigningKey.generate();
  const pk = sk.publicKey();
  const keys = KeySet.fromKey(pk);
  const { token, claims: signed } = cst.issue(sk, claims, { ttlSeconds: 300, now });
  assert.equal(signed.exp - signed.iat, 300);
  assert.ok(signed.jti);
  const v = cst.verify(token, keys, { audience: 'gateway', action: 'tool:read', job: 'job-42', now });
  assert.equal(v.claims.mission_id, 'job-42');
  assert.ok(v.kid);
  const refusals = [
    [{ audience: 'gateway', action: 'tool:read', now: now.getTime() + 3600e3 }, 'TOKEN_EXPIRED'],
    [{ audience: 'other', action: 'tool:read', now }, 'TOKEN_BAD_AUDIENCE'],
    [{ audience: 'gateway', action: 'tool:exec', now }, 'TOKEN_INSUFFICIENT_SCOPE'],
    [{ audience: 'gateway', action: 'tool:read', job: 'job-7', now }, 'TOKEN_MISSION_MISMATCH'],
  ];
  for (const [opts, reason] of refusals) {
    assert.throws(() => cst.verify(token, keys, opts), (e) => e.code === Result.ERR_TOKEN && e.reasonCode === reason);
  }
  assert.throws(() => cst.verify(token, keys, { audience: 'gateway', action: 'tool:read', bogus: 1 }), TypeError);
  // Replay: once per job with a shared guard.
  const guard = new ReplayGuard(100);
  const once = { audience: 'gateway', action: 'tool:read', job: 'job-42', replay: 'jti_once_per_job', replayGuard: guard, now };
  cst.verify(token, keys, once);
  assert.throws(() => cst.verify(token, keys, once), (e) => e.reasonCode === 'TOKEN_REPLAYED');
  assert.equal(guard.size, 1);
  // Revocation by token hash and by key.
  const revs = new Revocations().revokeTokenHash(cst.tokenHash(token));
  assert.throws(() => cst.verify(token, keys, { audience: 'gateway', action: 'tool:read', revocations: revs, now }),
    (e) => e.reasonCode === 'TOKEN_REVOKED');
  const byKey = new Revocations().revokeKey(pk);
  assert.throws(() => cst.verify(token, keys, { audience: 'gateway', action: 'tool:read', revocations: byKey, now }),
    (e) => e.reasonCode === 'TOKEN_REVOKED');
  assert.throws(() => cst.issue(sk, { sub: 'x' }, { now }), (e) => e.reasonCode === 'TOKEN_INVALID_CLAIMS');
  for (const h of [guard, revs, byKey, keys, pk, sk]) h.close();
  assert.throws(() => cst.verify(token, keys, { audience: 'gateway', action: 'tool:read' }),
    (e) => e.code === Result.ERR_NULL_ARGUMENT);
});

test('cst: key sets from DIDs and JWKS', () => {
  const sk = SigningKey.generate();
  const { token } = cst.issue(sk, claims, { now });
  const byDid = KeySet.fromDids([sk.did()]);
  const pk = sk.publicKey();
  const byJwks = KeySet.fromJwks({ keys: [JSON.parse(pk.toJwk())] });
  for (const ks of [byDid, byJwks]) cst.verify(token, ks, { audience: 'gateway', action: 'tool:read', job: 'job-42', now });
  assert.throws(() => KeySet.fromDids(['did:web:x']), (e) => e.code === Result.ERR_TOKEN);
  assert.throws(() => cst.verify(token, KeySet.fromDids([]), { audience: 'gateway', action: 'tool:read', now }),
    (e) => e.reasonCode === 'TOKEN_UNKNOWN_KID');
});

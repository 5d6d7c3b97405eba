// Interop with `jose`, the JWT library Node users already have: a token claw issues verifies
// with jose given only the issuer's public JWK, and a token jose signs verifies with claw.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SignJWT, decodeProtectedHeader, importJWK, jwtVerify } from 'jose';
import { KeySet, Result, SigningKey, cst } from '../claw.mjs';

const now = new Date();

test('jose verifies a token issued by claw', async () => {
  const sk = SigningKey.generate();
  const { token } = cst.issue(sk, { sub: 'did:key:z6MkAgent', aud: ['gateway'], scope: ['tool:execute'], mission_id: 'job-1' }, { ttlSeconds: 300, now });
  const pub = await importJWK(JSON.parse(sk.publicKey().toJwk()), 'EdDSA');
  const { payload, protectedHeader } = await jwtVerify(token, pub, { algorithms: ['EdDSA'], audience: 'gateway', typ: 'JWT' });
  assert.equal(protectedHeader.alg, 'EdDSA');
  assert.equal(payload.mission_id, 'job-1');
  assert.equal(payload.token_version, '1');
  // And jose refuses it under another key, so the check above is not vacuous.
  const other = await importJWK(JSON.parse(SigningKey.generate().publicKey().toJwk()), 'EdDSA');
  await assert.rejects(jwtVerify(token, other, { algorithms: ['EdDSA'] }));
});

test('claw verifies a token signed by jose, and refuses a tampered one', async () => {
  const sk = SigningKey.generate();
  const kid = decodeProtectedHeader(cst.issue(sk, { sub: 's', aud: ['a'], scope: ['x'] }, { now }).token).kid;
  const priv = await importJWK(JSON.parse(sk.toJwk()), 'EdDSA');
  const iat = Math.floor(now.getTime() / 1000);
  const token = await new SignJWT({ token_version: '1', scope: ['tool:execute'], mission_id: 'job-2' })
    .setProtectedHeader({ alg: 'EdDSA', typ: 'JWT', kid })
    .setSubject('did:key:z6MkAgent')
    .setAudience('gateway')
    .setIssuedAt(iat)
    .setExpirationTime(iat + 300)
    .sign(priv);
  const keys = KeySet.fromKey(sk.publicKey());
  const v = cst.verify(token, keys, { audience: 'gateway', action: 'tool:execute', job: 'job-2', now });
  assert.equal(v.claims.mission_id, 'job-2');
  const [h, p, s] = token.split('.');
  const forged = [h, Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(p, 'base64url')), mission_id: 'job-3' })).toString('base64url'), s].join('.');
  assert.throws(() => cst.verify(forged, keys, { audience: 'gateway', action: 'tool:execute', now }),
    (e) => e.code === Result.ERR_TOKEN && e.reasonCode === 'TOKEN_SIGNATURE_INVALID');
});

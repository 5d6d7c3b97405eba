import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { ClawError, Result, SigningKey, VerifyingKey, approvalArguments, jcs, version } from '../claw.mjs';
import { sharedDir } from './helpers.mjs';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url)));

test('version is MAJOR.MINOR.PATCH', () => {
  assert.match(version(), /^\d+\.\d+\.\d+$/);
  assert.ok(pkg.version);
});

test('jcs matches the shared RFC 8785 vectors', () => {
  const dir = join(sharedDir(), 'vectors', 'jcs');
  const names = readdirSync(join(dir, 'input')).filter((n) => n.endsWith('.json'));
  assert.ok(names.length > 0);
  for (const n of names) {
    const input = readFileSync(join(dir, 'input', n));
    const want = readFileSync(join(dir, 'output', n), 'utf8');
    assert.equal(jcs(input), want, n);
  }
  assert.equal(jcs({ b: [1, 2e1], a: '\u20ac' }), '{"a":"€","b":[1,20]}');
});

test('approvalArguments: what a human approving a call reads', () => {
  // Canonical order; a right-to-left override escaped, so the path cannot read as another.
  assert.equal(approvalArguments({ path: '/tmp/\u202etxt.exe', a: 1 }), '{"a":1,"path":"/tmp/\\u{202E}txt.exe"}');
  // Too long: the beginning, how much is hidden, and the hash the approval covers; never the tail.
  const args = { cmd: `${'echo ok; '.repeat(200)}rm -rf /` };
  const shown = approvalArguments(args, 300);
  assert.ok(shown.length <= 300 && !shown.includes('rm -rf'), shown);
  const hidden = Number(/ … \[(\d+) more characters not shown/.exec(shown)[1]);
  assert.equal(shown.split(' … [')[0].length + hidden, jcs(args).length);
  assert.throws(() => approvalArguments('{"a":1,"a":2}'), (e) => e instanceof ClawError && e.reasonCode === 'JSON_DUPLICATE_KEY');
});

test('jcs refuses bad input with reason codes', () => {
  const cases = [
    ['{"a":1,"a":2}', Result.ERR_JSON, 'JSON_DUPLICATE_KEY'],
    ['{"a":', Result.ERR_JSON, 'JSON_SYNTAX'],
    [Buffer.from([0x22, 0xff, 0x22]), Result.ERR_INVALID_UTF8, 'INVALID_UTF8'],
    ['', Result.ERR_JSON, 'JSON_SYNTAX'],
  ];
  for (const [input, code, reason] of cases) {
    assert.throws(
      () => jcs(input),
      (e) => e instanceof ClawError && e.code === code && e.reasonCode === reason && e.detail.length > 0,
    );
  }
  assert.throws(() => jcs(undefined), TypeError);
});

test('keys: generate, JWK and did:key round trips, closed handles', () => {
  const sk = SigningKey.generate();
  const jwk = sk.toJwk();
  assert.match(jwk, /"d":/);
  const sk2 = SigningKey.fromJwk(jwk);
  const did = sk2.did();
  assert.match(did, /^did:key:z6Mk/);
  assert.equal(did, sk.did());
  const pk = VerifyingKey.fromDid(did);
  const pub = pk.toJwk();
  assert.doesNotMatch(pub, /"d":/);
  assert.equal(VerifyingKey.fromJwk(JSON.parse(pub)).did(), did);
  assert.throws(() => VerifyingKey.fromJwk(jwk), (e) => e.code === Result.ERR_KEY);
  assert.throws(() => VerifyingKey.fromDid('did:web:example.com'), (e) => e.reasonCode === 'INVALID_DID_FORMAT');
  pk.close();
  pk.close(); // repeatable
  assert.ok(pk.closed);
  assert.throws(() => pk.did(), (e) => e.code === Result.ERR_NULL_ARGUMENT);
  sk.close();
  sk2.close();
});

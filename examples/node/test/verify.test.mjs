// Commit signatures and aggregate bundles through Node (docs/SPEC.md §11): every commit_sig and
// aggregate_bundle vector of the shared conformance manifest gets its expected verdict, tampered
// documents fail with their reason code, bad input is a FAIL verdict or a ClawError, never a
// crash.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ClawError, Result, bundle, commit } from '../claw.mjs';
import { sharedDir } from './helpers.mjs';

const conformance = join(sharedDir(), 'clawsig', 'fixtures', 'protocol-conformance');
const manifest = JSON.parse(readFileSync(join(conformance, 'manifest.v1.json'), 'utf8'));
const config = readFileSync(join(conformance, 'clawverify.config.conformance.v1.json'), 'utf8');
// The aggregate vectors are valid until 2026-03-31 (as claw-core/tests/evidence_conformance.rs).
const aggregateNow = Date.parse('2026-03-01T00:00:00.000Z');
const golden = readFileSync(join(conformance, 'r48-r49-v02/aggregate_bundle/aggregate_pass_golden.v1.json'), 'utf8');
const commitPass = readFileSync(join(conformance, 'commit_sig_pass.v1.json'), 'utf8');

function fixture(path) {
  const prefix = 'packages/schema/fixtures/';
  assert.ok(path.startsWith(prefix), path);
  return readFileSync(join(sharedDir(), 'clawsig', 'fixtures', path.slice(prefix.length)));
}

const codes = (v) => [v.expected.reason_code].flat();

test('verify: every commit_sig and aggregate_bundle vector of the manifest', () => {
  const seen = { commit_sig: 0, aggregate_bundle: 0 };
  for (const v of manifest.vectors) {
    if (!(v.kind in seen)) continue;
    seen[v.kind]++;
    const text = fixture(v.path);
    const verdict = v.kind === 'commit_sig' ? commit.verify(text) : bundle.verifyAggregate(text, { config, now: aggregateNow });
    assert.equal(verdict.valid, v.expected.valid, `${v.name}: ${verdict.reason_code} ${verdict.reason}`);
    assert.ok(codes(v).includes(verdict.reason_code), `${v.name}: ${verdict.reason_code}`);
    assert.equal(verdict.status, verdict.valid ? 'PASS' : 'FAIL');
    assert.equal(verdict.kind, v.kind);
  }
  assert.deepEqual(seen, { commit_sig: 5, aggregate_bundle: 9 });
});

test('verify: a commit signature, tampered, and bad input', () => {
  const v = commit.verify(JSON.parse(commitPass)); // an object works as well as text
  assert.equal(v.valid, true);
  assert.equal(v.form, 'message_signature');
  assert.equal(v.commit_sha, '135016bbeda0a95d5745ff9031c1287263ea0a06');
  const tampered = commit.verify(commitPass.replace('14:49:03.328Z', '14:49:03.329Z'));
  assert.equal(tampered.valid, false);
  assert.equal(tampered.reason_code, 'SIGNATURE_INVALID');
  for (const [text, code] of [['not json', 'JSON_SYNTAX'], ['', 'JSON_SYNTAX'], ['{"a":1,"a":2}', 'JSON_DUPLICATE_KEY'],
    ['{' + ' '.repeat(64 * 1024) + '}', 'JSON_TOO_LARGE'], ['[]', 'MALFORMED_ENVELOPE']]) {
    const r = commit.verify(text);
    assert.equal(r.valid, false, text.slice(0, 20));
    assert.equal(r.reason_code, code);
  }
  assert.throws(() => commit.verify(Buffer.from([0xff])), (e) => e instanceof ClawError && e.code === Result.ERR_INVALID_UTF8);
  assert.throws(() => commit.verify(undefined), TypeError);
});

test('verify: an aggregate bundle, its options, tampered, and bad input', () => {
  const v = bundle.verifyAggregate(golden, { config: JSON.parse(config), now: aggregateNow });
  assert.equal(v.valid, true, v.reason);
  assert.equal(v.aggregate_id, 'aggregate_r49_pass_golden');
  assert.equal(v.counts.members, 2);
  // The caller's clock reaches the core, and the options' verify_at wins over it.
  assert.equal(bundle.verifyAggregate(golden, { config, now: Date.parse('2026-04-01T00:00:00Z') }).reason_code, 'EXPIRED_TTL');
  const at = { ...JSON.parse(config), verify_at: '2026-04-01T00:00:00.000Z' };
  assert.equal(bundle.verifyAggregate(golden, { config: at, now: aggregateNow }).reason_code, 'EXPIRED_TTL');
  const doc = JSON.parse(golden);
  doc.payload.artifacts.member_bundles[0].payload.bundle_id = 'x';
  const tampered = bundle.verifyAggregate(doc, { config, now: aggregateNow });
  assert.equal(tampered.valid, false);
  assert.equal(tampered.reason_code, 'HASH_MISMATCH');
  for (const text of ['not json', '', '{"a":1,"a":2}', '{}', '['.repeat(100000)]) {
    const r = bundle.verifyAggregate(text, { now: aggregateNow });
    assert.equal(r.valid, false);
    assert.match(r.reason_code, /^[A-Z_]+$/);
    assert.notEqual(r.reason_code, 'OK');
  }
  assert.throws(() => bundle.verifyAggregate(golden, { config: { causal_mdoe: 'observe' } }),
    (e) => e instanceof ClawError && e.code === Result.ERR_INPUT && e.reasonCode === 'CONFIG_ERROR');
  assert.throws(() => bundle.verifyAggregate(golden, { config: 'not json' }), (e) => e.code === Result.ERR_JSON);
});

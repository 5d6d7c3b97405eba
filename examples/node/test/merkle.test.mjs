import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Result, merkle } from '../claw.mjs';
import { sharedDir } from './helpers.mjs';

const hex = (s) => Buffer.from(s, 'hex');

test('merkle: RFC 9162 CT vectors (roots, every inclusion and consistency proof)', () => {
  const v = JSON.parse(readFileSync(join(sharedDir(), 'vectors', 'merkle', 'rfc6962_ct_8leaves.json')));
  const leaves = v.leaves.map((l) => merkle.leafHash(hex(l)));
  for (const r of v.roots) assert.equal(merkle.root(leaves.slice(0, r.tree_size)).toString('hex'), r.root);
  for (const c of v.all_inclusion_proofs) {
    const proof = merkle.inclusionProof(leaves, c.leaf_index, c.tree_size);
    assert.deepEqual(proof.map((p) => p.toString('hex')), c.proof);
    assert.ok(merkle.verifyInclusion(hex(c.leaf_hash), c.leaf_index, c.tree_size, c.proof.map(hex), hex(c.root)));
  }
  for (const c of v.all_consistency_proofs) {
    assert.ok(merkle.verifyConsistency(c.first_size, c.second_size, hex(c.first_root), hex(c.second_root), c.proof.map(hex)));
  }
  const root = hex(v.roots[8].root);
  assert.throws(() => merkle.verifyInclusion(leaves[0], 8, 8, [], root),
    (e) => e.code === Result.ERR_MERKLE && e.reasonCode === 'MERKLE_INDEX_OUT_OF_RANGE');
  assert.throws(() => merkle.verifyInclusion(Buffer.alloc(31), 0, 1, [], root), TypeError);
});

test('merkle: reference log golden inclusion proof', () => {
  const g = JSON.parse(readFileSync(join(sharedDir(), 'clawsig', 'fixtures', 'log_inclusion_proof_golden.v1.json')));
  assert.ok(merkle.clawlogsVerifyInclusion(g.proof));
  assert.throws(() => merkle.clawlogsVerifyInclusion({ ...g.proof, leaf_index: 9 }),
    (e) => e.reasonCode === 'MERKLE_INDEX_OUT_OF_RANGE');
});

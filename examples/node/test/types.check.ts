// Compiled by `tsc --strict --noEmit` (scripts/test-node.sh): the declarations in claw.d.ts
// accept the documented use and refuse the mistakes marked as expected errors below (an
// expected error that does not happen fails the check, so a too-loose declaration fails it).
import {
  ClawError, Policy, Recorder, SigningKey, KeySet, ReplayGuard, Revocations, Verdict,
  bundle, commit, cst, jcs, merkle, version, type Decision,
} from 'claw-node';

declare const console: { log(...args: unknown[]): void };

const v: string = version();
const canonical: string = jcs({ b: 1, a: [1.0, 2e1] });
const key = SigningKey.generate();
const did: string = key.did();
const policy = Policy.fromJson(Policy.compileAuthoring({ allowed_tools: ['read'] }));
const d: Decision = policy.decide('read', { context: { 'Data:Class': 'internal' } });
if (d.verdict === Verdict.DENY && d.statementId !== null) console.log(d.statementId.length);
const issued = cst.issue(key, { sub: did, aud: 'rt', scope: ['tool:execute'] }, { ttlSeconds: 60 });
const checked = cst.verify(issued.token, KeySet.fromDids([did]), {
  audience: 'rt', action: 'tool:execute', replay: 'jti_once_per_job', replayGuard: new ReplayGuard(10),
  revocations: new Revocations().revokeJti('x'),
});
const sub: string = checked.claims.sub;
const rec = new Recorder(key);
const receipt: string = rec.recordToolCall({ toolName: 'read', args: {}, result: 'ok' });
const { bundle: b } = rec.finish();
const verdict = bundle.verify(b);
const ok: boolean = verdict.valid;
const agg = bundle.verifyAggregate(b, { config: {}, now: 0 });
const members: number = agg.counts.members;
const sig = commit.verify('{}');
const sha: string | undefined = sig.commit_sha;
console.log(members, sha, agg.valid && sig.valid);
const leaf: Uint8Array = merkle.leafHash('x');
try { jcs('{"a":1,"a":2}'); } catch (e) { if (e instanceof ClawError) console.log(e.reasonCode); }
console.log(v, canonical, sub, receipt, ok, leaf, policy.info().policy_hash_b64u);

// @ts-expect-error commit signatures take no options
commit.verify('{}', { config: {} });
// @ts-expect-error an aggregate's options have no policy
bundle.verifyAggregate(b, { policy });
// @ts-expect-error a tool name is a string
policy.decide(42);
// @ts-expect-error context values are strings
policy.decide('read', { context: { 'Request:HasHumanApproval': true } });
// @ts-expect-error audience and action are required
cst.verify(issued.token, KeySet.fromDids([did]), {});
// @ts-expect-error replay takes one of three modes
cst.verify(issued.token, KeySet.fromDids([did]), { audience: 'a', action: 'b', replay: 'once' });
// @ts-expect-error handles are made by factories
new SigningKey();
// @ts-expect-error a verdict is a closed set
const bad: Decision['verdict'] = 'maybe';
console.log(bad);

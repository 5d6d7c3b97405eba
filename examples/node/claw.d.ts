// Type declarations for claw.mjs (checked by `tsc --strict` in scripts/test-node.sh against
// test/types.check.ts). Every runtime check of claw.mjs still applies: these types only say
// what a correct call looks like.

/** JSON given as text, UTF-8 bytes, or a value serialized with JSON.stringify. */
export type JsonInput = string | Uint8Array | object;
/** A time: a Date or epoch milliseconds. */
export type Time = Date | number;
/** A 32-byte SHA-256 hash. */
export type Hash32 = Uint8Array;

/** Where the shared library is looked for, in order; the first that exists is loaded. */
export function libraryCandidates(): string[];
/** The path of the loaded shared library. */
export const libraryPath: string;

/** claw_result codes (include/claw.h). */
export const Result: Readonly<Record<string, number>> & {
  readonly OK: 0;
  readonly ERR_NULL_ARGUMENT: 1;
  readonly ERR_INVALID_UTF8: 2;
  readonly ERR_INVALID_ARGUMENT: 3;
  readonly ERR_PANIC: 4;
  readonly ERR_JSON: 100;
};

/** Thrown on failure; branch on `reasonCode` (stable), not on the message. */
export class ClawError extends Error {
  constructor(code: number, reasonCode: string, message: string);
  /** The numeric claw_result (see Result). */
  readonly code: number;
  /** The C name of the code, e.g. "CLAW_ERR_POLICY". */
  readonly codeName: string;
  /** Stable machine-readable reason, e.g. "POLICY_HASH_MISMATCH". */
  readonly reasonCode: string;
  /** Human-readable explanation (never contains secrets). */
  readonly detail: string;
}

/** A handle owning C memory; close() frees it (repeatable). */
declare class Handle {
  /** True once close() ran. */
  readonly closed: boolean;
  /** Free the C object now (a FinalizationRegistry frees forgotten handles later). */
  close(): void;
}

/** Runtime version of libclaw ("MAJOR.MINOR.PATCH"). */
export function version(): string;
/** RFC 8785 canonical JSON. Strict: duplicate keys, lone surrogates, ... throw. */
export function jcs(json: JsonInput): string;
/** A call's arguments as shown to a human asked to approve it: escaped, never cut silently. */
export function approvalArguments(args: JsonInput, maxChars?: number): string;

/** An Ed25519 signing key held by libclaw (zeroized when closed). */
export class SigningKey extends Handle {
  private constructor();
  /** A new key from the operating system's CSPRNG. */
  static generate(): SigningKey;
  /** Read a private OKP/Ed25519 JWK. */
  static fromJwk(jwk: JsonInput): SigningKey;
  /** The private JWK as a JSON string (a secret). */
  toJwk(): string;
  /** The public key. */
  publicKey(): VerifyingKey;
  /** The did:key of the public key. */
  did(): string;
}

/** An Ed25519 public key (canonical encoding and small-order checks passed). */
export class VerifyingKey extends Handle {
  private constructor();
  /** Read a public OKP/Ed25519 JWK (a private JWK throws). */
  static fromJwk(jwk: JsonInput): VerifyingKey;
  /** Read an Ed25519 did:key. */
  static fromDid(did: string): VerifyingKey;
  /** The public JWK as a JSON string. */
  toJwk(): string;
  /** The did:key. */
  did(): string;
}

/** Sign a JSON object payload into a Clawsig envelope v1 (canonical JSON text). */
export function signEnvelope(
  envelopeType: string,
  payload: JsonInput,
  key: SigningKey,
  options?: { issuedAt?: Time; expiresAt?: Time },
): string;

/** A verified envelope. */
export interface VerifiedEnvelope {
  payload: unknown;
  payloadHashB64u: string;
  signerDid: string;
  issuedAtMs: number;
  expiresAtMs: number | null;
}

/** Verify a Clawsig envelope v1 of `expectedType`; throws ClawError unless it holds. */
export function verifyEnvelope(
  envelope: JsonInput,
  expectedType: string,
  options?: { trustedSigners?: string[]; now?: Time },
): VerifiedEnvelope;

/** RFC 9162 Merkle trees over 32-byte SHA-256 hashes, and the reference log. */
export const merkle: Readonly<{
  /** SHA-256(0x00 || data). */
  leafHash(data: string | Uint8Array): Hash32;
  /** The root of the tree with these leaf hashes. */
  root(leafHashes: Hash32[]): Hash32;
  /** Inclusion proof of leaf `index` in the tree of the first `treeSize` leaves (0: all). */
  inclusionProof(leafHashes: Hash32[], index: number, treeSize?: number): Hash32[];
  /** Consistency proof from the first `oldSize` leaves to all of them. */
  consistencyProof(leafHashes: Hash32[], oldSize: number): Hash32[];
  /** Throws ClawError unless `leafHash` is leaf `index` of the tree with `root`. */
  verifyInclusion(leafHash: Hash32, index: number, treeSize: number, proof: Hash32[], root: Hash32): true;
  /** Throws ClawError unless the new tree extends the old one. */
  verifyConsistency(oldSize: number, newSize: number, oldRoot: Hash32, newRoot: Hash32, proof: Hash32[]): true;
  /** Verify a reference-log (clawlogs) inclusion proof; Merkle part only. */
  clawlogsVerifyInclusion(proof: JsonInput): true;
}>;

/** Trusted CST issuer keys. Immutable. */
export class KeySet extends Handle {
  private constructor();
  /** From a JWKS `{"keys":[…]}` of public Ed25519 JWKs. */
  static fromJwks(jwks: JsonInput): KeySet;
  /** From did:key issuer DIDs (each under its reference kid). */
  static fromDids(dids: string[]): KeySet;
  /** One key, under `kid` (default: the reference kid), usable until `notAfter`. */
  static fromKey(key: VerifyingKey, options?: { kid?: string; notAfter?: Time }): KeySet;
}

/** The in-memory replay guard (a jti is accepted once per job). */
export class ReplayGuard extends Handle {
  constructor(maxEntries?: number);
  /** Number of uses remembered. */
  readonly size: number;
  /** Forget uses whose tokens expired at `now`. */
  purgeExpired(now?: Time): void;
}

/** Revoked tokens, issuer keys and policy hashes. */
export class Revocations extends Handle {
  constructor();
  revokeJti(jti: string): this;
  revokeKid(kid: string): this;
  revokePolicyHash(hash: string): this;
  revokeTokenHash(hash: string): this;
  revokeKey(key: VerifyingKey): this;
}

/** CST claims (the reference's shape; more members may be present). */
export interface CstClaims {
  sub: string;
  aud: string | string[];
  scope: string[];
  iat?: number;
  exp?: number;
  jti?: string;
  policy_hash_b64u?: string;
  mission_id?: string;
  [member: string]: unknown;
}

/** Options of cst.verify. */
export interface CstVerifyOptions {
  audience: string;
  action: string;
  subject?: string;
  job?: string;
  requireJobBinding?: boolean;
  runtimePolicyHash?: string;
  requirePolicyPin?: boolean;
  maxTtlSeconds?: number;
  requireScopeHash?: boolean;
  clockSkewSeconds?: number;
  replay?: 'off' | 'jti_once_per_job' | 'bound_to_job';
  replayGuard?: ReplayGuard;
  revocations?: Revocations;
  now?: Time;
}

/** Scoped tokens: issue, verify, token hash. */
export const cst: Readonly<{
  /** Issue a CST signed by `key` granting `claims`. */
  issue(
    key: SigningKey,
    claims: JsonInput,
    options?: { ttlSeconds?: number; maxTtlSeconds?: number; kid?: string; now?: Time },
  ): { token: string; claims: CstClaims };
  /** Validate `token` against `keys`; throws ClawError with the failing check's reasonCode. */
  verify(token: string, keys: KeySet, options: CstVerifyOptions): { kid: string; claims: CstClaims };
  /** The reference's token_hash (lowercase hex SHA-256 of the compact token). */
  tokenHash(token: string): string;
}>;

/** Decision verdicts. */
export const Verdict: Readonly<{ ALLOW: 'allow'; DENY: 'deny'; APPROVAL_REQUIRED: 'approval_required' }>;
export type VerdictName = 'allow' | 'deny' | 'approval_required';

/**
 * A decision: a deny is an answer, not an exception. Test `decision.allowed`; a decision
 * refuses numeric and primitive comparisons (`decision == true` throws a TypeError).
 */
export declare class Decision {
  private constructor();
  readonly verdict: VerdictName | 'unknown';
  readonly allowed: boolean;
  readonly reasonCode: string;
  readonly statementId: string | null;
  readonly policyHash: string | null;
}

/** A decision's context: condition keys to string values. */
export type Context = Record<string, string>;

/** A compiled Work Policy Contract with swappable incident overrides. */
export class Policy extends Handle {
  private constructor();
  /** Parse, validate, hash and compile a WPC (no signature checked: see fromEnvelope). */
  static fromJson(policy: JsonInput, options?: { parent?: Policy }): Policy;
  /** Verify a signed WPC envelope (signer in `trustedSigners`) and compile its policy. */
  static fromEnvelope(
    envelope: JsonInput,
    options: { trustedSigners: string[]; now?: Time; parent?: Policy },
  ): Policy;
  /** Validate a WPC and sign it with `key` into an envelope (JSON text). */
  static sign(policy: JsonInput, key: SigningKey, options?: { issuedAt?: Time; expiresAt?: Time }): string;
  /** Compile the authoring form into a WPC v2 (JSON text). */
  static compileAuthoring(authoring: JsonInput): string;
  /** Decide `tool:execute` on a tool. */
  decide(tool: string, options?: { context?: Context; now?: Time }): Decision;
  /** Decide any action on a resource. */
  decideRequest(
    action: string,
    resource: string,
    options?: { context?: Context; now?: Time; runStartedAt?: Time },
  ): Decision;
  /** Replace the incident overrides atomically; `{}` clears. */
  setOverrides(overrides: {
    denied_tools?: string[];
    denied_policy_hashes?: string[];
    required_policy_hash?: string;
  }): void;
  /** Facts about the policy and overrides in force. */
  info(): { policy_id: string; policy_hash_b64u: string; [member: string]: unknown };
}

/** What an event binds. */
export interface EventBinding {
  event_hash_b64u: string;
  [member: string]: unknown;
}

/** Records one run until finish() signs its proof bundle. */
export class Recorder extends Handle {
  constructor(agentKey: SigningKey, options?: { runId?: string });
  info(): { run_id: string; agent_did: string; events: number; receipts: number; pending_model_calls: number };
  readonly runId: string;
  recordEvent(eventType: string, payload?: object, options?: { at?: Time }): EventBinding;
  recordDecision(decision: Decision | object, options?: { action?: string; resource?: string; at?: Time }): EventBinding;
  /** Returns the tool receipt id. */
  recordToolCall(call: {
    toolName: string;
    toolVersion?: string;
    args?: unknown;
    result?: unknown;
    status?: 'success' | 'error' | 'timeout';
    latencyMs?: number;
    at?: Time;
  }): string;
  recordSideEffect(effect: {
    effectClass: 'network_egress' | 'filesystem_write' | 'external_api_write';
    target: string;
    vendorId?: string;
    request?: string | Uint8Array;
    response?: string | Uint8Array;
    responseStatus?: number;
    bytesWritten?: number;
    latencyMs?: number;
    at?: Time;
  }): string;
  recordApproval(approval: {
    approvalType: 'explicit_approve' | 'explicit_deny' | 'auto_approve' | 'timeout_deny';
    approverSubject: string;
    approverMethod?: 'ui_click' | 'cli_confirm' | 'api_call' | 'policy_auto' | 'timeout';
    scope?: object;
    scopeSummary?: string;
    policyHash?: string;
    [member: string]: unknown;
  }): string;
  recordDelegation(delegation: {
    delegateDid: string;
    taskDescription?: string;
    delegateBundleHash?: string;
    delegationPolicy?: string;
    delegatedAt?: Time;
    completedAt?: Time;
  }): string;
  recordModelCall(
    gatewayKey: SigningKey,
    gatewayId: string,
    call: {
      provider: string;
      model: string;
      request?: string | Uint8Array;
      response?: string | Uint8Array;
      tokensInput?: number;
      tokensOutput?: number;
      [member: string]: unknown;
    },
  ): string;
  beginModelCall(call: { provider: string; model: string; at?: Time }): EventBinding;
  attachGatewayReceipt(receipt: JsonInput): void;
  abandonModelCall(eventHash: string): void;
  checkpoint(options?: { at?: Time }): object;
  finish(options?: {
    harnessId?: string;
    harnessVersion?: string;
    harnessRuntime?: string;
    namespaceExtra?: object;
    trustPulse?: boolean;
    causalAnchoring?: 'require' | 'off';
    at?: Time;
  }): { bundle: string; trustPulse: object | null };
}

/** A bundle verdict: `valid` plus the registry's verification shape. */
export interface BundleVerdict {
  valid: boolean;
  status?: 'PASS' | 'FAIL';
  reason_code?: string;
  reason?: string;
  proof_tier?: string;
  components?: Record<string, { status: string; code: string; detail: string }>;
  [member: string]: unknown;
}

/** The verdict of `bundle.verifyAggregate` (docs/SPEC.md §11.2). */
export interface AggregateVerdict {
  valid: boolean;
  status: 'PASS' | 'FAIL';
  reason_code: string;
  reason: string;
  kind: 'aggregate_bundle';
  proof_tier: string;
  verified_at: string;
  aggregate_id?: string;
  signer_did?: string;
  field?: string;
  counts: { members: number; unique_agents: number; total_runs: number };
}

/** The verdict of `commit.verify` (docs/SPEC.md §11.1). */
export interface CommitVerdict {
  valid: boolean;
  status: 'PASS' | 'FAIL';
  reason_code: string;
  reason: string;
  kind: 'commit_sig';
  form?: 'message_signature' | 'commit_proof';
  commit_sha?: string;
  signer_did?: string;
  repository?: string;
  repo_claim_id?: string;
  branch?: string;
}

/** Proof bundles: verify, receipt proofs. */
export const bundle: Readonly<{
  /** Verify a proof bundle; an invalid bundle returns `valid: false`, it does not throw. */
  verify(b: JsonInput, options?: { config?: JsonInput; policy?: Policy; now?: Time }): BundleVerdict;
  /** Verify an aggregate bundle; an invalid one returns `valid: false`, it does not throw. */
  verifyAggregate(b: JsonInput, options?: { config?: JsonInput; now?: Time }): AggregateVerdict;
  /** A self-contained inclusion proof for one receipt of a VALID bundle. */
  receiptProof(b: JsonInput, receiptId: string, options?: { config?: JsonInput; now?: Time }): object;
  /** Verify a receipt proof offline; throws ClawError unless it holds. */
  verifyReceiptProof(proof: JsonInput, options?: { expectedAgentDid?: string; gatewaySigners?: string[] }): object;
}>;

/** Commit signatures (docs/SPEC.md §11.1). */
export const commit: Readonly<{
  /** Verify a commit signature; an invalid one returns `valid: false`, it does not throw. */
  verify(sig: JsonInput): CommitVerdict;
}>;

/** Derive a Trust Pulse document from a (verified) bundle. */
export function trustPulse(
  b: JsonInput,
  options?: { config?: JsonInput; now?: Time; issuedAt?: Time },
): object;

/** OpenClaw: reconcile a run's transcript with claw's receipts (docs/SPEC.md §7.8). */
export const openclaw: Readonly<{
  reconcile(
    transcript: string | Uint8Array,
    options?: {
      receipts?: Array<{ receipt_id: string; tool_name: string; args_hash_b64u: string }>;
      sessionId?: string;
    },
  ): { report: object; metadata: object };
}>;

// claw for Node: a thin ESM binding of the claw C ABI (include/claw.h) through koffi.
//
// Every function converts JS values to C, makes one call and converts back; the rules live in
// the Rust core. Conventions:
//  - Failures throw ClawError { code, codeName, reasonCode, message }; reasonCode is the
//    stable machine-readable reason (e.g. "JSON_DUPLICATE_KEY").
//  - Strings returned by claw are copied into JS and freed with claw_string_free (which
//    zeroizes them), never with koffi's default free.
//  - Handles (SigningKey, Policy, ...) own a C object: call close() (or use `using`) when
//    done; a FinalizationRegistry frees forgotten ones. A closed handle throws
//    ClawError(CLAW_ERR_NULL_ARGUMENT) instead of crashing.
//  - JSON inputs may be given as a string (JSON text), a Buffer/Uint8Array (UTF-8 JSON
//    text) or a plain value (serialized with JSON.stringify).
//
// The shared library is found without hand-set paths: $CLAW_LIBRARY if set, else next to this
// file (a package that ships libclaw), else the build's target directory ($CARGO_TARGET_DIR or
// ../../target of this checkout, release), else the install locations of scripts/install-c.sh
// (~/.local/lib, /usr/local/lib, /usr/lib and the multiarch dirs), else the dynamic loader's
// own search (ld.so.cache, LD_LIBRARY_PATH).

import koffi from 'koffi';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

/** Where the shared library is looked for, in order; the first that exists is loaded. */
export function libraryCandidates() {
  const name = process.platform === 'darwin' ? 'libclaw.dylib' : 'libclaw.so';
  const c = [];
  if (process.env.CLAW_LIBRARY) c.push(process.env.CLAW_LIBRARY);
  c.push(join(here, name), join(here, 'lib', name));
  if (process.env.CARGO_TARGET_DIR) c.push(join(process.env.CARGO_TARGET_DIR, 'release', name));
  c.push(join(here, '..', '..', 'target', 'release', name));
  const multiarch = { x64: 'x86_64-linux-gnu', arm64: 'aarch64-linux-gnu' }[process.arch];
  c.push(join(homedir(), '.local', 'lib', name), join('/usr/local/lib', name));
  if (multiarch) c.push(join('/usr/lib', multiarch, name));
  c.push(join('/usr/lib64', name), join('/usr/lib', name));
  c.push(name);
  return c;
}

const libPath = libraryCandidates().find((p) => !p.includes('/') || existsSync(p));
let lib;
try {
  lib = koffi.load(libPath);
} catch (e) {
  throw new Error(
    `claw: cannot load the shared library (tried ${libraryCandidates().join(', ')}); ` +
      `build it with \`cargo build --release -p claw-ffi\` or set CLAW_LIBRARY: ${e.message}`,
  );
}

/** The path of the loaded shared library. */
export const libraryPath = libPath;

// ---------------------------------------------------------------------------------------------
// Types

/** claw_result codes (include/claw.h). */
export const Result = Object.freeze({
  OK: 0,
  ERR_NULL_ARGUMENT: 1,
  ERR_INVALID_UTF8: 2,
  ERR_INVALID_ARGUMENT: 3,
  ERR_PANIC: 4,
  ERR_JSON: 100,
  ERR_KEY: 101,
  ERR_SIGNATURE: 102,
  ERR_ENVELOPE: 103,
  ERR_POLICY: 104,
  ERR_TOKEN: 105,
  ERR_BUNDLE: 106,
  ERR_MERKLE: 107,
  ERR_INPUT: 108,
});

const REASON_LEN = 64;
const MESSAGE_LEN = 512;
const claw_error = koffi.struct('claw_error', {
  code: 'uint32_t',
  reason_code: koffi.array('char', REASON_LEN),
  message: koffi.array('char', MESSAGE_LEN),
});

// Inputs are passed as (pointer, length) from a Buffer; claw never keeps the pointer.
const IN = 'const uint8_t *';
// Strings returned by claw: taken as raw pointers (BigInt), decoded, then claw_string_free'd.
const STR_OUT = koffi.out(koffi.pointer('void', 2));
const SIZE_OUT = koffi.out(koffi.pointer('size_t'));
const ERR = 'void *'; // a Buffer of sizeof(claw_error)

/** An opaque handle type and its out-parameter type. */
function opaque(name) {
  const t = koffi.opaque(name);
  return { ptr: koffi.pointer(t), out: koffi.out(koffi.pointer(t, 2)) };
}

const T = {
  signing_key: opaque('claw_signing_key'),
  verifying_key: opaque('claw_verifying_key'),
  keyset: opaque('claw_keyset'),
  replay_guard: opaque('claw_replay_guard'),
  revocations: opaque('claw_revocations'),
  policy: opaque('claw_policy'),
  recorder: opaque('claw_recorder'),
};

const DECISION_REASON_LEN = 64;
const STATEMENT_ID_LEN = 516;
const POLICY_HASH_LEN = 48;
const claw_decision = koffi.struct('claw_decision', {
  decision: 'uint32_t',
  reason_code: koffi.array('char', DECISION_REASON_LEN),
  statement_id: koffi.array('char', STATEMENT_ID_LEN),
  policy_hash: koffi.array('char', POLICY_HASH_LEN),
});

function fn(name, ret, args) {
  return lib.func(name, ret, args);
}

const C = {
  version: fn('claw_version', 'const char *', []),
  result_name: fn('claw_result_name', 'const char *', ['uint32_t']),
  string_free: fn('claw_string_free', 'void', ['void *']),
  jcs: fn('claw_jcs', 'uint32_t', [IN, 'size_t', STR_OUT, SIZE_OUT, ERR]),
  approval_arguments: fn('claw_approval_arguments', 'uint32_t', [IN, 'size_t', 'size_t', STR_OUT, SIZE_OUT, ERR]),

  signing_key_generate: fn('claw_signing_key_generate', 'uint32_t', [T.signing_key.out, ERR]),
  signing_key_from_jwk: fn('claw_signing_key_from_jwk', 'uint32_t', [IN, 'size_t', T.signing_key.out, ERR]),
  signing_key_to_jwk: fn('claw_signing_key_to_jwk', 'uint32_t', [T.signing_key.ptr, STR_OUT, ERR]),
  signing_key_public: fn('claw_signing_key_public', 'uint32_t', [T.signing_key.ptr, T.verifying_key.out, ERR]),
  signing_key_free: fn('claw_signing_key_free', 'void', [T.signing_key.ptr]),
  verifying_key_from_jwk: fn('claw_verifying_key_from_jwk', 'uint32_t', [IN, 'size_t', T.verifying_key.out, ERR]),
  verifying_key_from_did: fn('claw_verifying_key_from_did', 'uint32_t', ['const char *', T.verifying_key.out, ERR]),
  verifying_key_to_jwk: fn('claw_verifying_key_to_jwk', 'uint32_t', [T.verifying_key.ptr, STR_OUT, ERR]),
  verifying_key_did: fn('claw_verifying_key_did', 'uint32_t', [T.verifying_key.ptr, STR_OUT, ERR]),
  verifying_key_free: fn('claw_verifying_key_free', 'void', [T.verifying_key.ptr]),

  envelope_sign: fn('claw_envelope_sign', 'uint32_t', [IN, 'size_t', IN, 'size_t', T.signing_key.ptr, 'int64_t', 'int64_t', STR_OUT, SIZE_OUT, ERR]),
  merkle_leaf_hash: fn('claw_merkle_leaf_hash', 'uint32_t', [IN, 'size_t', 'uint8_t *', ERR]),
  merkle_root: fn('claw_merkle_root', 'uint32_t', [IN, 'size_t', 'uint8_t *', ERR]),
  merkle_inclusion_proof: fn('claw_merkle_inclusion_proof', 'uint32_t', [IN, 'size_t', 'uint64_t', 'uint64_t', 'uint8_t *', 'size_t', SIZE_OUT, ERR]),
  merkle_consistency_proof: fn('claw_merkle_consistency_proof', 'uint32_t', [IN, 'size_t', 'uint64_t', 'uint8_t *', 'size_t', SIZE_OUT, ERR]),
  merkle_verify_inclusion: fn('claw_merkle_verify_inclusion', 'uint32_t', [IN, 'uint64_t', 'uint64_t', IN, 'size_t', IN, ERR]),
  merkle_verify_consistency: fn('claw_merkle_verify_consistency', 'uint32_t', ['uint64_t', 'uint64_t', IN, IN, IN, 'size_t', ERR]),
  merkle_clawlogs_verify_inclusion: fn('claw_merkle_clawlogs_verify_inclusion', 'uint32_t', [IN, 'size_t', ERR]),

  keyset_from_json: fn('claw_keyset_from_json', 'uint32_t', [IN, 'size_t', T.keyset.out, ERR]),
  keyset_from_key: fn('claw_keyset_from_key', 'uint32_t', [T.verifying_key.ptr, IN, 'size_t', 'int64_t', T.keyset.out, ERR]),
  keyset_free: fn('claw_keyset_free', 'void', [T.keyset.ptr]),
  replay_guard_new: fn('claw_replay_guard_new', 'uint32_t', ['size_t', T.replay_guard.out, ERR]),
  replay_guard_len: fn('claw_replay_guard_len', 'uint32_t', [T.replay_guard.ptr, SIZE_OUT, ERR]),
  replay_guard_purge_expired: fn('claw_replay_guard_purge_expired', 'uint32_t', [T.replay_guard.ptr, 'int64_t', ERR]),
  replay_guard_free: fn('claw_replay_guard_free', 'void', [T.replay_guard.ptr]),
  revocations_new: fn('claw_revocations_new', 'uint32_t', [T.revocations.out, ERR]),
  revocations_revoke: fn('claw_revocations_revoke', 'uint32_t', [T.revocations.ptr, 'uint32_t', IN, 'size_t', ERR]),
  revocations_revoke_key: fn('claw_revocations_revoke_key', 'uint32_t', [T.revocations.ptr, T.verifying_key.ptr, ERR]),
  revocations_free: fn('claw_revocations_free', 'void', [T.revocations.ptr]),
  cst_token_hash: fn('claw_cst_token_hash', 'uint32_t', [IN, 'size_t', STR_OUT, ERR]),
  openclaw_reconcile: fn('claw_openclaw_reconcile', 'uint32_t', [IN, 'size_t', IN, 'size_t', IN, 'size_t', STR_OUT, ERR]),
  cst_issue: fn('claw_cst_issue', 'uint32_t', [T.signing_key.ptr, IN, 'size_t', 'uint64_t', 'uint64_t', IN, 'size_t', 'int64_t', STR_OUT, SIZE_OUT, STR_OUT, ERR]),
  cst_validate: fn('claw_cst_validate', 'uint32_t', [IN, 'size_t', T.keyset.ptr, IN, 'size_t', T.replay_guard.ptr, T.revocations.ptr, 'int64_t', STR_OUT, SIZE_OUT, ERR]),

  policy_from_json: fn('claw_policy_from_json', 'uint32_t', [IN, 'size_t', T.policy.ptr, T.policy.out, ERR]),
  policy_from_envelope: fn('claw_policy_from_envelope', 'uint32_t', [IN, 'size_t', IN, 'size_t', 'int64_t', T.policy.ptr, T.policy.out, ERR]),
  policy_sign: fn('claw_policy_sign', 'uint32_t', [IN, 'size_t', T.signing_key.ptr, 'int64_t', 'int64_t', STR_OUT, SIZE_OUT, ERR]),
  policy_compile_authoring: fn('claw_policy_compile_authoring', 'uint32_t', [IN, 'size_t', STR_OUT, SIZE_OUT, ERR]),
  policy_info: fn('claw_policy_info', 'uint32_t', [T.policy.ptr, STR_OUT, SIZE_OUT, ERR]),
  policy_decide: fn('claw_policy_decide', 'uint32_t', [T.policy.ptr, IN, 'size_t', IN, 'size_t', 'int64_t', 'void *', ERR]),
  policy_decide_request: fn('claw_policy_decide_request', 'uint32_t', [T.policy.ptr, IN, 'size_t', IN, 'size_t', IN, 'size_t', 'int64_t', 'int64_t', 'void *', ERR]),
  policy_set_overrides: fn('claw_policy_set_overrides', 'uint32_t', [T.policy.ptr, IN, 'size_t', ERR]),
  policy_free: fn('claw_policy_free', 'void', [T.policy.ptr]),

  recorder_new: fn('claw_recorder_new', 'uint32_t', [T.signing_key.ptr, IN, 'size_t', T.recorder.out, ERR]),
  recorder_info: fn('claw_recorder_info', 'uint32_t', [T.recorder.ptr, STR_OUT, SIZE_OUT, ERR]),
  recorder_record_event: fn('claw_recorder_record_event', 'uint32_t', [T.recorder.ptr, IN, 'size_t', IN, 'size_t', 'int64_t', STR_OUT, ERR]),
  recorder_record_decision: fn('claw_recorder_record_decision', 'uint32_t', [T.recorder.ptr, IN, 'size_t', 'int64_t', STR_OUT, ERR]),
  recorder_record_tool_call: fn('claw_recorder_record_tool_call', 'uint32_t', [T.recorder.ptr, IN, 'size_t', STR_OUT, ERR]),
  recorder_record_side_effect: fn('claw_recorder_record_side_effect', 'uint32_t', [T.recorder.ptr, IN, 'size_t', STR_OUT, ERR]),
  recorder_record_human_approval: fn('claw_recorder_record_human_approval', 'uint32_t', [T.recorder.ptr, IN, 'size_t', STR_OUT, ERR]),
  recorder_record_delegation: fn('claw_recorder_record_delegation', 'uint32_t', [T.recorder.ptr, IN, 'size_t', STR_OUT, ERR]),
  recorder_begin_model_call: fn('claw_recorder_begin_model_call', 'uint32_t', [T.recorder.ptr, IN, 'size_t', STR_OUT, ERR]),
  recorder_attach_gateway_receipt: fn('claw_recorder_attach_gateway_receipt', 'uint32_t', [T.recorder.ptr, IN, 'size_t', ERR]),
  recorder_attach_response_receipt: fn('claw_recorder_attach_response_receipt', 'uint32_t', [T.recorder.ptr, IN, 'size_t', ERR]),
  recorder_abandon_model_call: fn('claw_recorder_abandon_model_call', 'uint32_t', [T.recorder.ptr, IN, 'size_t', ERR]),
  recorder_record_model_call: fn('claw_recorder_record_model_call', 'uint32_t', [T.recorder.ptr, T.signing_key.ptr, IN, 'size_t', IN, 'size_t', STR_OUT, ERR]),
  recorder_checkpoint: fn('claw_recorder_checkpoint', 'uint32_t', [T.recorder.ptr, 'int64_t', STR_OUT, ERR]),
  recorder_finish: fn('claw_recorder_finish', 'uint32_t', [T.recorder.ptr, IN, 'size_t', 'int64_t', STR_OUT, SIZE_OUT, STR_OUT, ERR]),
  recorder_free: fn('claw_recorder_free', 'void', [T.recorder.ptr]),
  bundle_verify: fn('claw_bundle_verify', 'uint32_t', [IN, 'size_t', IN, 'size_t', T.policy.ptr, 'int64_t', koffi.out(koffi.pointer('bool')), STR_OUT, SIZE_OUT, ERR]),
  bundle_receipt_proof: fn('claw_bundle_receipt_proof', 'uint32_t', [IN, 'size_t', IN, 'size_t', 'int64_t', IN, 'size_t', STR_OUT, ERR]),
  receipt_proof_verify: fn('claw_receipt_proof_verify', 'uint32_t', [IN, 'size_t', IN, 'size_t', IN, 'size_t', STR_OUT, ERR]),
  aggregate_verify: fn('claw_aggregate_verify', 'uint32_t', [IN, 'size_t', IN, 'size_t', 'int64_t', koffi.out(koffi.pointer('bool')), STR_OUT, SIZE_OUT, ERR]),
  commit_verify: fn('claw_commit_verify', 'uint32_t', [IN, 'size_t', koffi.out(koffi.pointer('bool')), STR_OUT, SIZE_OUT, ERR]),
  trust_pulse_from_bundle: fn('claw_trust_pulse_from_bundle', 'uint32_t', [IN, 'size_t', IN, 'size_t', 'int64_t', 'int64_t', STR_OUT, ERR]),

  envelope_verify: fn('claw_envelope_verify', 'uint32_t', [IN, 'size_t', IN, 'size_t', IN, 'size_t', 'int64_t', STR_OUT, SIZE_OUT, ERR]),
};

// ---------------------------------------------------------------------------------------------
// Errors and marshalling

/** A failed claw call. */
export class ClawError extends Error {
  constructor(code, reasonCode, message) {
    super(`${reasonCode}: ${message}`);
    this.name = 'ClawError';
    /** The numeric claw_result (see Result). */
    this.code = code;
    /** The C name of the code, e.g. "CLAW_ERR_POLICY". */
    this.codeName = C.result_name(code);
    /** Stable machine-readable reason, e.g. "POLICY_HASH_MISMATCH". */
    this.reasonCode = reasonCode;
    /** Human-readable explanation (never contains secrets). */
    this.detail = message;
  }
}

// One error record reused by every call: JS runs claw calls synchronously on one thread, and
// each worker thread loads its own copy of this module.
const errBuf = Buffer.alloc(koffi.sizeof(claw_error));

/** Throw if rc is not CLAW_OK. */
function check(rc) {
  if (rc === Result.OK) return;
  const e = koffi.decode(errBuf, claw_error);
  throw new ClawError(rc, e.reason_code, e.message);
}

/** Bytes of a text input (string as UTF-8, or a Buffer/Uint8Array as is). */
function textBytes(v, name) {
  if (typeof v === 'string') return Buffer.from(v, 'utf8');
  if (v instanceof Uint8Array) return v;
  throw new TypeError(`${name} must be a string or a Uint8Array`);
}

/** Bytes of a JSON input: JSON text (string or bytes) or a JS value to JSON.stringify. */
function jsonBytes(v, name) {
  if (typeof v === 'string' || v instanceof Uint8Array) return textBytes(v, name);
  if (v === undefined) throw new TypeError(`${name} is required`);
  return Buffer.from(JSON.stringify(v), 'utf8');
}

/** Copy a string returned by claw and free it with claw_string_free. */
function take(ptr, len = -1) {
  if (ptr === null || ptr === 0n) return null;
  try {
    return koffi.decode(ptr, 'char', len);
  } finally {
    C.string_free(ptr);
  }
}

/** Call a claw function whose last two outputs are (char **out, size_t *out_len). */
function callString(f, ...args) {
  const out = [null];
  const len = [0];
  check(f(...args, out, len, errBuf));
  return take(out[0], Number(len[0]));
}

/** Call a claw function whose only output is (char **out). */
function callString0(f, ...args) {
  const out = [null];
  check(f(...args, out, errBuf));
  return take(out[0]);
}

const registry = new FinalizationRegistry(({ free, ptr }) => free(ptr));

/** Base of every handle: owns one C object; close() is repeatable. */
class Handle {
  #ptr;
  #free;
  constructor(ptr, free) {
    this.#ptr = ptr;
    this.#free = free;
    registry.register(this, { free, ptr }, this);
  }
  /** The raw pointer, or null once closed (claw then answers CLAW_ERR_NULL_ARGUMENT). */
  get _ptr() {
    return this.#ptr;
  }
  /** True once close() ran. */
  get closed() {
    return this.#ptr === null;
  }
  /** Free the C object now. Safe to call more than once. */
  close() {
    if (this.#ptr !== null) {
      registry.unregister(this);
      this.#free(this.#ptr);
      this.#ptr = null;
    }
  }
  /** `using h = ...` support where the runtime has explicit resource management. */
  [Symbol.dispose ?? Symbol.for('nodejs.dispose')]() {
    this.close();
  }
}

function handleOut(f, ...args) {
  const out = [null];
  check(f(...args, out, errBuf));
  return out[0];
}

// ---------------------------------------------------------------------------------------------
// Version and canonical JSON

/** Runtime version of libclaw ("MAJOR.MINOR.PATCH"). */
export function version() {
  return C.version();
}

/**
 * RFC 8785 canonical JSON of `json` (JSON text as string/bytes, or a JS value). Strict:
 * duplicate keys, lone surrogates and integers beyond 2^53 throw ClawError(ERR_JSON).
 */
export function jcs(json) {
  const b = jsonBytes(json, 'json');
  return callString(C.jcs, b, b.length);
}

/**
 * A call's arguments (JSON text, bytes or a JS value) as shown to a human asked to approve the
 * call: canonical, control and bidirectional characters escaped, at most `maxChars` characters
 * (0: 2048); when they do not fit, the beginning and an explicit note of what is not shown with
 * the hash the approval covers. Strict JSON as `jcs`.
 */
export function approvalArguments(args, maxChars = 0) {
  const b = jsonBytes(args, 'args');
  return callString(C.approval_arguments, b, b.length, maxChars);
}

// ---------------------------------------------------------------------------------------------
// Keys

/** An Ed25519 signing key held by libclaw (zeroized when closed). */
export class SigningKey extends Handle {
  /** @internal */
  constructor(ptr) {
    super(ptr, C.signing_key_free);
  }
  /** A new key from the operating system's CSPRNG. */
  static generate() {
    return new SigningKey(handleOut(C.signing_key_generate));
  }
  /** Read a private OKP/Ed25519 JWK (string, bytes or object). */
  static fromJwk(jwk) {
    const b = jsonBytes(jwk, 'jwk');
    return new SigningKey(handleOut(C.signing_key_from_jwk, b, b.length));
  }
  /** The private JWK as a JSON string (a secret). */
  toJwk() {
    return callString0(C.signing_key_to_jwk, this._ptr);
  }
  /** The public key. */
  publicKey() {
    return new VerifyingKey(handleOut(C.signing_key_public, this._ptr));
  }
  /** The did:key of the public key. */
  did() {
    const pk = this.publicKey();
    try {
      return pk.did();
    } finally {
      pk.close();
    }
  }
}

/** An Ed25519 public key (canonical encoding and small-order checks passed). */
export class VerifyingKey extends Handle {
  /** @internal */
  constructor(ptr) {
    super(ptr, C.verifying_key_free);
  }
  /** Read a public OKP/Ed25519 JWK (a private JWK throws ERR_KEY). */
  static fromJwk(jwk) {
    const b = jsonBytes(jwk, 'jwk');
    return new VerifyingKey(handleOut(C.verifying_key_from_jwk, b, b.length));
  }
  /** Read an Ed25519 did:key. */
  static fromDid(did) {
    if (typeof did !== 'string') throw new TypeError('did must be a string');
    return new VerifyingKey(handleOut(C.verifying_key_from_did, did));
  }
  /** The public JWK as a JSON string. */
  toJwk() {
    return callString0(C.verifying_key_to_jwk, this._ptr);
  }
  /** The did:key. */
  did() {
    return callString0(C.verifying_key_did, this._ptr);
  }
}

// ---------------------------------------------------------------------------------------------
// Signed envelopes

/** Milliseconds since the epoch of a Date, a number of milliseconds, or undefined (0). */
function toMillis(t, name) {
  if (t === undefined || t === null) return 0;
  if (t instanceof Date) return t.getTime();
  if (typeof t === 'number' && Number.isFinite(t)) return Math.trunc(t);
  throw new TypeError(`${name} must be a Date or epoch milliseconds`);
}

/** Seconds since the epoch of a Date, epoch milliseconds, or undefined (0 = "none"). */
function toSeconds(t, name) {
  return Math.floor(toMillis(t, name) / 1000);
}

/** Optional JSON array of DIDs as bytes, or null (= any signer). */
function didList(list, name) {
  if (list === undefined || list === null) return null;
  if (!Array.isArray(list) || !list.every((d) => typeof d === 'string')) {
    throw new TypeError(`${name} must be an array of did:key strings`);
  }
  return Buffer.from(JSON.stringify(list));
}

/**
 * Sign a JSON object payload into a Clawsig envelope v1; returns the envelope as canonical
 * JSON text. `issuedAt` defaults to now; no `expiresAt` means no expiry.
 */
export function signEnvelope(envelopeType, payload, key, { issuedAt = new Date(), expiresAt } = {}) {
  if (!(key instanceof SigningKey)) throw new TypeError('key must be a SigningKey');
  const t = textBytes(envelopeType, 'envelopeType');
  const p = jsonBytes(payload, 'payload');
  return callString(C.envelope_sign, t, t.length, p, p.length, key._ptr,
    toMillis(issuedAt, 'issuedAt'), toMillis(expiresAt, 'expiresAt'));
}

/**
 * Verify a Clawsig envelope v1 of `expectedType`. `trustedSigners` (array of did:key) limits
 * the signer (omit it for integrity only); `now` (Date or ms) enables the expiry check.
 * Returns { payload, payloadHashB64u, signerDid, issuedAtMs, expiresAtMs }.
 */
export function verifyEnvelope(envelope, expectedType, { trustedSigners, now } = {}) {
  const e = jsonBytes(envelope, 'envelope');
  const t = textBytes(expectedType, 'expectedType');
  const s = didList(trustedSigners, 'trustedSigners');
  const v = JSON.parse(callString(C.envelope_verify, e, e.length, t, t.length, s, s ? s.length : 0,
    toSeconds(now, 'now')));
  return {
    payload: v.payload,
    payloadHashB64u: v.payload_hash_b64u,
    signerDid: v.signer_did,
    issuedAtMs: v.issued_at_ms,
    expiresAtMs: v.expires_at_ms,
  };
}

// ---------------------------------------------------------------------------------------------
// Merkle trees (RFC 9162) and the reference log's proofs

const HASH_LEN = 32;
const MAX_PROOF_LEN = 64 * HASH_LEN;

function hashBytes(h, name) {
  if (!(h instanceof Uint8Array) || h.length !== HASH_LEN) {
    throw new TypeError(`${name} must be a 32-byte Uint8Array`);
  }
  return h;
}

function concatHashes(list, name) {
  if (!Array.isArray(list)) throw new TypeError(`${name} must be an array of 32-byte hashes`);
  return Buffer.concat(list.map((h, i) => hashBytes(h, `${name}[${i}]`)));
}

function splitHashes(buf, len) {
  const out = [];
  for (let i = 0; i < len; i += HASH_LEN) out.push(Buffer.from(buf.subarray(i, i + HASH_LEN)));
  return out;
}

/** RFC 9162 Merkle trees over 32-byte SHA-256 hashes (Buffers), and the reference log. */
export const merkle = Object.freeze({
  /** SHA-256(0x00 || data): the leaf hash of `data` (string as UTF-8, or bytes). */
  leafHash(data) {
    const b = textBytes(data, 'data');
    const out = Buffer.alloc(HASH_LEN);
    check(C.merkle_leaf_hash(b, b.length, out, errBuf));
    return out;
  },
  /** The root of the tree with these leaf hashes. */
  root(leafHashes) {
    const b = concatHashes(leafHashes, 'leafHashes');
    const out = Buffer.alloc(HASH_LEN);
    check(C.merkle_root(b, b.length, out, errBuf));
    return out;
  },
  /** Inclusion proof of leaf `index` in the tree of the first `treeSize` leaves (default all). */
  inclusionProof(leafHashes, index, treeSize = 0) {
    const b = concatHashes(leafHashes, 'leafHashes');
    const out = Buffer.alloc(MAX_PROOF_LEN);
    const len = [0];
    check(C.merkle_inclusion_proof(b, b.length, index, treeSize, out, out.length, len, errBuf));
    return splitHashes(out, Number(len[0]));
  },
  /** Consistency proof from the first `oldSize` leaves to all of them. */
  consistencyProof(leafHashes, oldSize) {
    const b = concatHashes(leafHashes, 'leafHashes');
    const out = Buffer.alloc(MAX_PROOF_LEN);
    const len = [0];
    check(C.merkle_consistency_proof(b, b.length, oldSize, out, out.length, len, errBuf));
    return splitHashes(out, Number(len[0]));
  },
  /** Throws ClawError(ERR_MERKLE) unless `leafHash` is leaf `index` of the tree with `root`. */
  verifyInclusion(leafHash, index, treeSize, proof, root) {
    const p = concatHashes(proof, 'proof');
    check(C.merkle_verify_inclusion(hashBytes(leafHash, 'leafHash'), index, treeSize, p, p.length,
      hashBytes(root, 'root'), errBuf));
    return true;
  },
  /** Throws ClawError(ERR_MERKLE) unless the new tree extends the old one. */
  verifyConsistency(oldSize, newSize, oldRoot, newRoot, proof) {
    const p = concatHashes(proof, 'proof');
    check(C.merkle_verify_consistency(oldSize, newSize, hashBytes(oldRoot, 'oldRoot'),
      hashBytes(newRoot, 'newRoot'), p, p.length, errBuf));
    return true;
  },
  /**
   * Verify a reference-log (clawlogs) inclusion proof given as JSON
   * `{leaf_hash_b64u, leaf_index, tree_size, audit_path, root_hash_b64u}`; Merkle part only.
   */
  clawlogsVerifyInclusion(proof) {
    const b = jsonBytes(proof, 'proof');
    check(C.merkle_clawlogs_verify_inclusion(b, b.length, errBuf));
    return true;
  },
});

// ---------------------------------------------------------------------------------------------
// Scoped tokens (CST)

/** Trusted CST issuer keys. Immutable. */
export class KeySet extends Handle {
  /** @internal */
  constructor(ptr) {
    super(ptr, C.keyset_free);
  }
  /** From a JWKS `{"keys":[…]}` of public Ed25519 JWKs (string, bytes or object). */
  static fromJwks(jwks) {
    const b = jsonBytes(jwks, 'jwks');
    return new KeySet(handleOut(C.keyset_from_json, b, b.length));
  }
  /** From did:key issuer DIDs (each under its reference kid). */
  static fromDids(dids) {
    const b = didList(dids, 'dids') ?? Buffer.from('[]');
    return new KeySet(handleOut(C.keyset_from_json, b, b.length));
  }
  /** One key, under `kid` (default: the reference kid), usable until `notAfter`. */
  static fromKey(key, { kid, notAfter } = {}) {
    if (!(key instanceof VerifyingKey)) throw new TypeError('key must be a VerifyingKey');
    const k = kid === undefined ? null : textBytes(kid, 'kid');
    return new KeySet(handleOut(C.keyset_from_key, key._ptr, k, k ? k.length : 0, toSeconds(notAfter, 'notAfter')));
  }
}

/** The in-memory replay guard (a jti is accepted once per job). Share one per process. */
export class ReplayGuard extends Handle {
  /** A guard remembering at most `maxEntries` unexpired uses. */
  constructor(maxEntries = 100000) {
    super(handleOut(C.replay_guard_new, maxEntries), C.replay_guard_free);
  }
  /** Number of uses remembered. */
  get size() {
    const n = [0];
    check(C.replay_guard_len(this._ptr, n, errBuf));
    return Number(n[0]);
  }
  /** Forget uses whose tokens expired at `now` (Date or ms; default now). */
  purgeExpired(now = Date.now()) {
    check(C.replay_guard_purge_expired(this._ptr, toSeconds(now, 'now'), errBuf));
  }
}

const REVOKE = Object.freeze({ jti: 1, kid: 2, policyHash: 3, tokenHash: 4 });

/** Revoked tokens, issuer keys and policy hashes; takes effect for later validations. */
export class Revocations extends Handle {
  constructor() {
    super(handleOut(C.revocations_new), C.revocations_free);
  }
  #revoke(kind, value) {
    const b = textBytes(value, 'value');
    check(C.revocations_revoke(this._ptr, kind, b, b.length, errBuf));
    return this;
  }
  /** Revoke every token with this jti. */
  revokeJti(jti) {
    return this.#revoke(REVOKE.jti, jti);
  }
  /** Revoke every token whose header names this issuer kid. */
  revokeKid(kid) {
    return this.#revoke(REVOKE.kid, kid);
  }
  /** Revoke every token pinning this policy hash. */
  revokePolicyHash(hash) {
    return this.#revoke(REVOKE.policyHash, hash);
  }
  /** Revoke one token by its hash (see cst.tokenHash). */
  revokeTokenHash(hash) {
    return this.#revoke(REVOKE.tokenHash, hash);
  }
  /** Revoke every token signed by this VerifyingKey. */
  revokeKey(key) {
    if (!(key instanceof VerifyingKey)) throw new TypeError('key must be a VerifyingKey');
    check(C.revocations_revoke_key(this._ptr, key._ptr, errBuf));
    return this;
  }
}

const VALIDATION_FIELDS = {
  audience: 'audience',
  action: 'action',
  subject: 'subject',
  job: 'job',
  requireJobBinding: 'require_job_binding',
  runtimePolicyHash: 'runtime_policy_hash',
  requirePolicyPin: 'require_policy_pin',
  maxTtlSeconds: 'max_ttl_seconds',
  requireScopeHash: 'require_scope_hash',
  clockSkewSeconds: 'clock_skew_seconds',
  replay: 'replay',
};

/** Scoped tokens: issue, verify, token hash. */
export const cst = Object.freeze({
  /**
   * Issue a CST signed by `key` (SigningKey) granting `claims` ({sub, aud, scope, ...} as an
   * object or JSON text) for `ttlSeconds` (default 300) from `now` (Date or ms; default now).
   * Options: maxTtlSeconds (cap), kid (header kid). Returns { token, claims }.
   */
  issue(key, claims, { ttlSeconds = 300, maxTtlSeconds = 0, kid, now = Date.now() } = {}) {
    if (!(key instanceof SigningKey)) throw new TypeError('key must be a SigningKey');
    const c = jsonBytes(claims, 'claims');
    const k = kid === undefined ? null : textBytes(kid, 'kid');
    const tok = [null];
    const tokLen = [0];
    const cl = [null];
    check(C.cst_issue(key._ptr, c, c.length, ttlSeconds, maxTtlSeconds, k, k ? k.length : 0,
      toSeconds(now, 'now'), tok, tokLen, cl, errBuf));
    const token = take(tok[0], Number(tokLen[0]));
    return { token, claims: JSON.parse(take(cl[0])) };
  },

  /**
   * Validate `token` against `keys` (KeySet). Options: audience and action (required),
   * subject, job, requireJobBinding, runtimePolicyHash, requirePolicyPin, maxTtlSeconds,
   * requireScopeHash, clockSkewSeconds, replay ("off" | "jti_once_per_job" | "bound_to_job"),
   * replayGuard (ReplayGuard), revocations (Revocations), now (Date or ms; default now).
   * Returns { kid, claims }; throws ClawError(ERR_TOKEN) with the failing check's reasonCode.
   */
  verify(token, keys, options = {}) {
    if (!(keys instanceof KeySet)) throw new TypeError('keys must be a KeySet');
    const { replayGuard, revocations, now = Date.now(), ...rest } = options;
    if (replayGuard !== undefined && !(replayGuard instanceof ReplayGuard)) {
      throw new TypeError('replayGuard must be a ReplayGuard');
    }
    if (revocations !== undefined && !(revocations instanceof Revocations)) {
      throw new TypeError('revocations must be a Revocations');
    }
    const o = {};
    for (const [k, v] of Object.entries(rest)) {
      if (!(k in VALIDATION_FIELDS)) throw new TypeError(`unknown validation option ${k}`);
      if (v !== undefined) o[VALIDATION_FIELDS[k]] = v;
    }
    const t = textBytes(token, 'token');
    const ob = Buffer.from(JSON.stringify(o));
    const out = callString(C.cst_validate, t, t.length, keys._ptr, ob, ob.length,
      replayGuard ? replayGuard._ptr : null, revocations ? revocations._ptr : null, toSeconds(now, 'now'));
    return JSON.parse(out);
  },

  /** The reference's token_hash (lowercase hex SHA-256 of the compact token). */
  tokenHash(token) {
    const t = textBytes(token, 'token');
    return callString0(C.cst_token_hash, t, t.length);
  },
});

// ---------------------------------------------------------------------------------------------
// Work Policy Contracts

/** Decision verdicts (claw_decision_code). */
export const Verdict = Object.freeze({ ALLOW: 'allow', DENY: 'deny', APPROVAL_REQUIRED: 'approval_required' });
const VERDICTS = { 1: Verdict.ALLOW, 2: Verdict.DENY, 3: Verdict.APPROVAL_REQUIRED };

/** Optional bytes (null when undefined/null). */
function optBytes(v, name, json = false) {
  if (v === undefined || v === null) return null;
  return json ? jsonBytes(v, name) : textBytes(v, name);
}

/** Context for a decision: an object of string values, or undefined. */
function contextBytes(context) {
  if (context === undefined || context === null) return null;
  if (typeof context !== 'object' || Array.isArray(context)) {
    throw new TypeError('context must be an object of string values');
  }
  const keys = Object.keys(context);
  return keys.length === 0 ? null : Buffer.from(JSON.stringify(context));
}

// One decision record reused by every decide call (synchronous, single-threaded).
const decisionBuf = Buffer.alloc(koffi.sizeof(claw_decision));

/**
 * The answer to one request. A JavaScript object is always truthy, so
 * `if (policy.decide(tool)) run()` would run denied tools: test `decision.allowed`. To catch
 * the comparisons that can be caught, a decision refuses to become a number or a boolean-ish
 * primitive (`decision == true`, `decision > 0` throw a TypeError); it still prints.
 */
export class Decision {
  constructor(verdict, reasonCode, statementId, policyHash) {
    this.verdict = verdict;
    this.allowed = verdict === Verdict.ALLOW;
    this.reasonCode = reasonCode;
    this.statementId = statementId;
    this.policyHash = policyHash;
    Object.freeze(this);
  }
  [Symbol.toPrimitive](hint) {
    if (hint === 'string') return `Decision(${this.verdict}, ${this.reasonCode})`;
    throw new TypeError(`a claw Decision has no truth or numeric value (this one is ${this.verdict}): test decision.allowed`);
  }
}

function readDecision() {
  const d = koffi.decode(decisionBuf, claw_decision);
  const verdict = VERDICTS[d.decision] ?? 'unknown';
  return new Decision(verdict, d.reason_code, d.statement_id || null, d.policy_hash || null);
}

/**
 * A compiled Work Policy Contract with swappable incident overrides. One handle can serve
 * every decision of a process (the C handle is thread-safe; worker threads may share it by
 * loading the same policy in each worker).
 */
export class Policy extends Handle {
  /** @internal */
  constructor(ptr) {
    super(ptr, C.policy_free);
  }
  /**
   * Parse, validate, hash and compile a WPC (v1 or v2: JSON text, bytes or object).
   * `parent`: the Policy it inherits from. No signature is checked (see fromEnvelope).
   */
  static fromJson(policy, { parent } = {}) {
    if (parent !== undefined && !(parent instanceof Policy)) throw new TypeError('parent must be a Policy');
    const b = jsonBytes(policy, 'policy');
    return new Policy(handleOut(C.policy_from_json, b, b.length, parent ? parent._ptr : null));
  }
  /**
   * Verify a signed `work_policy_contract` envelope (signer in `trustedSigners`, required;
   * expiry checked at `now`, default now) and compile its policy.
   */
  static fromEnvelope(envelope, { trustedSigners, now = Date.now(), parent } = {}) {
    if (parent !== undefined && !(parent instanceof Policy)) throw new TypeError('parent must be a Policy');
    const e = jsonBytes(envelope, 'envelope');
    const s = didList(trustedSigners ?? [], 'trustedSigners');
    return new Policy(handleOut(C.policy_from_envelope, e, e.length, s, s.length, toSeconds(now, 'now'),
      parent ? parent._ptr : null));
  }
  /** Validate a WPC and sign it with `key` into an envelope (JSON text). */
  static sign(policy, key, { issuedAt = Date.now(), expiresAt } = {}) {
    if (!(key instanceof SigningKey)) throw new TypeError('key must be a SigningKey');
    const b = jsonBytes(policy, 'policy');
    return callString(C.policy_sign, b, b.length, key._ptr, toMillis(issuedAt, 'issuedAt'), toMillis(expiresAt, 'expiresAt'));
  }
  /** Compile the glossary's authoring form into a WPC v2 (JSON text). */
  static compileAuthoring(authoring) {
    const b = jsonBytes(authoring, 'authoring');
    return callString(C.policy_compile_authoring, b, b.length);
  }
  /**
   * Decide a tool call: `{ verdict, allowed, reasonCode, statementId, policyHash }`. A deny is
   * an answer, not an exception. Options: context (object of strings, e.g.
   * `{"Request:HasHumanApproval":"true"}`), now (Date or ms; default now).
   */
  decide(tool, { context, now = Date.now() } = {}) {
    const t = textBytes(tool, 'tool');
    const c = contextBytes(context);
    check(C.policy_decide(this._ptr, t, t.length, c, c ? c.length : 0, toSeconds(now, 'now'), decisionBuf, errBuf));
    return readDecision();
  }
  /** Decide any action on a resource; `runStartedAt` feeds the policy's run time limit. */
  decideRequest(action, resource, { context, now = Date.now(), runStartedAt } = {}) {
    const a = textBytes(action, 'action');
    const r = textBytes(resource, 'resource');
    const c = contextBytes(context);
    check(C.policy_decide_request(this._ptr, a, a.length, r, r.length, c, c ? c.length : 0,
      toSeconds(now, 'now'), toSeconds(runStartedAt, 'runStartedAt'), decisionBuf, errBuf));
    return readDecision();
  }
  /**
   * Replace the incident overrides atomically:
   * `{denied_tools: [...], denied_policy_hashes: [...], required_policy_hash: "..."}`; `{}` clears.
   */
  setOverrides(overrides) {
    const b = jsonBytes(overrides, 'overrides');
    check(C.policy_set_overrides(this._ptr, b, b.length, errBuf));
  }
  /** Facts about the policy and overrides in force (policy_id, policy_hash_b64u, ...). */
  info() {
    return JSON.parse(callString(C.policy_info, this._ptr));
  }
}

// ---------------------------------------------------------------------------------------------
// Evidence: recorder, bundles, receipt proofs, Trust Pulse

/** Drop undefined members (JSON.stringify would too) and keep the rest. */
function record(obj) {
  return Buffer.from(JSON.stringify(obj));
}

/** Records one run until finish() signs its proof bundle. */
export class Recorder extends Handle {
  /** Start a run for the agent `key` (SigningKey); `runId` defaults to a fresh run_<uuid>. */
  constructor(agentKey, { runId } = {}) {
    if (!(agentKey instanceof SigningKey)) throw new TypeError('agentKey must be a SigningKey');
    const r = optBytes(runId, 'runId');
    super(handleOut(C.recorder_new, agentKey._ptr, r, r ? r.length : 0), C.recorder_free);
  }
  /** { run_id, agent_did, events, receipts, pending_model_calls }. */
  info() {
    return JSON.parse(callString(C.recorder_info, this._ptr));
  }
  /** The run id. */
  get runId() {
    return this.info().run_id;
  }
  /** Append an event (payload hashed, not stored); returns its binding. */
  recordEvent(eventType, payload = {}, { at = Date.now() } = {}) {
    const t = textBytes(eventType, 'eventType');
    const p = jsonBytes(payload, 'payload');
    return JSON.parse(callString0(C.recorder_record_event, this._ptr, t, t.length, p, p.length, toMillis(at, 'at')));
  }
  /**
   * Record a policy decision (a Policy.decide() result, or any object) as a policy_decision
   * event; `action`/`resource` say what was asked.
   */
  recordDecision(decision, { action, resource, at = Date.now() } = {}) {
    const d = {
      action,
      resource,
      effect: decision.verdict ?? decision.effect,
      reason_code: decision.reasonCode ?? decision.reason_code,
      statement_id: decision.statementId ?? decision.statement_id ?? undefined,
      policy_hash_b64u: decision.policyHash ?? decision.policy_hash_b64u ?? undefined,
    };
    const b = record(d);
    return JSON.parse(callString0(C.recorder_record_decision, this._ptr, b, b.length, toMillis(at, 'at')));
  }
  /**
   * Record a tool call and its signed tool receipt; returns the receipt id. `status`:
   * "success" | "error" | "timeout"; args and result are hashed.
   */
  recordToolCall({ toolName, toolVersion, args = {}, result = null, status = 'success', latencyMs = 0, at = Date.now() }) {
    const b = record({
      tool_name: toolName,
      tool_version: toolVersion,
      args,
      result,
      result_status: status,
      latency_ms: latencyMs,
      timestamp_ms: toMillis(at, 'at'),
    });
    return callString0(C.recorder_record_tool_call, this._ptr, b, b.length);
  }
  /** Record a side effect; `effectClass`: network_egress | filesystem_write | external_api_write. */
  recordSideEffect({ effectClass, target, vendorId, request = '', response = '', responseStatus, bytesWritten, latencyMs = 0, at = Date.now() }) {
    const b = record({
      effect_class: effectClass,
      target,
      vendor_id: vendorId,
      request,
      response,
      response_status: responseStatus,
      bytes_written: bytesWritten,
      latency_ms: latencyMs,
      timestamp_ms: toMillis(at, 'at'),
    });
    return callString0(C.recorder_record_side_effect, this._ptr, b, b.length);
  }
  /**
   * Record a human approval or denial; `approvalType`: explicit_approve | explicit_deny |
   * auto_approve | timeout_deny; `approverMethod`: ui_click | cli_confirm | api_call |
   * policy_auto | timeout.
   */
  recordApproval({ approvalType, approverSubject, approverMethod, scope = {}, scopeSummary, policyHash,
    mintedCapabilityId, mintedCapabilityTtlSeconds, plan, at = Date.now() }) {
    const b = record({
      approval_type: approvalType,
      approver_subject: approverSubject,
      approver_method: approverMethod,
      scope,
      scope_summary: scopeSummary,
      policy_hash_b64u: policyHash,
      minted_capability_id: mintedCapabilityId,
      minted_capability_ttl_seconds: mintedCapabilityTtlSeconds,
      plan,
      timestamp_ms: toMillis(at, 'at'),
    });
    return callString0(C.recorder_record_human_approval, this._ptr, b, b.length);
  }
  /** Record a delegation to another agent. */
  recordDelegation({ delegateDid, taskDescription, delegateBundleHash, delegationPolicy, delegatedAt, completedAt }) {
    const b = record({
      delegate_did: delegateDid,
      task_description: taskDescription,
      delegate_bundle_hash_b64u: delegateBundleHash,
      delegation_policy: delegationPolicy,
      delegated_at_ms: toMillis(delegatedAt, 'delegatedAt'),
      completed_at_ms: completedAt === undefined ? undefined : toMillis(completedAt, 'completedAt'),
    });
    return callString0(C.recorder_record_delegation, this._ptr, b, b.length);
  }
  /** Record a model call signed by claw's own gateway (`gatewayKey`, `gatewayId`). */
  recordModelCall(gatewayKey, gatewayId, { provider, model, request = '', response = '', tokensInput = 0,
    tokensOutput = 0, latencyMs = 0, at = Date.now(), metadata }) {
    if (!(gatewayKey instanceof SigningKey)) throw new TypeError('gatewayKey must be a SigningKey');
    const g = textBytes(gatewayId, 'gatewayId');
    const b = record({
      provider,
      model,
      request,
      response,
      tokens_input: tokensInput,
      tokens_output: tokensOutput,
      latency_ms: latencyMs,
      timestamp_ms: toMillis(at, 'at'),
      metadata,
    });
    return callString0(C.recorder_record_model_call, this._ptr, gatewayKey._ptr, g, g.length, b, b.length);
  }
  /**
   * Begin a model call through an external gateway; returns the binding it must sign.
   * `policyHash`: the policy the call is sent under (send it as X-Policy-Hash); the binding
   * carries it and a receipt signed under another policy is refused on attach
   * (GATEWAY_POLICY_MISMATCH).
   */
  beginModelCall({ provider, model, policyHash, at = Date.now() }) {
    const b = record({ provider, model, timestamp_ms: toMillis(at, 'at'), policy_hash: policyHash });
    return JSON.parse(callString0(C.recorder_begin_model_call, this._ptr, b, b.length));
  }
  /** Attach the gateway's signed receipt envelope to its pending model call. */
  attachGatewayReceipt(receipt) {
    const b = jsonBytes(receipt, 'receipt');
    check(C.recorder_attach_gateway_receipt(this._ptr, b, b.length, errBuf));
  }
  /** Attach the gateway receipt a model response carries (the response bytes as received:
   * a JSON body's `_receipt_envelope` or a streamed response's SSE trailer). */
  attachResponseReceipt(response) {
    const b = textBytes(response, 'response');
    check(C.recorder_attach_response_receipt(this._ptr, b, b.length, errBuf));
  }
  /** Close a pending model call that produced no receipt (by its binding's event hash). */
  abandonModelCall(eventHash) {
    const b = textBytes(eventHash, 'eventHash');
    check(C.recorder_abandon_model_call(this._ptr, b, b.length, errBuf));
  }
  /** Sign a checkpoint of the receipt log (envelope object). */
  checkpoint({ at = Date.now() } = {}) {
    return JSON.parse(callString0(C.recorder_checkpoint, this._ptr, toMillis(at, 'at')));
  }
  /**
   * Sign the proof bundle: `{ bundle (JSON text), trustPulse (object or null) }`. Options:
   * harnessId, harnessVersion, harnessRuntime, namespaceExtra, trustPulse (bool),
   * causalAnchoring ("require" | "off"), at. The recorder is spent afterwards.
   */
  finish({ harnessId, harnessVersion, harnessRuntime, namespaceExtra, trustPulse, causalAnchoring, at = Date.now() } = {}) {
    const o = record({
      harness_id: harnessId,
      harness_version: harnessVersion,
      harness_runtime: harnessRuntime,
      namespace_extra: namespaceExtra,
      trust_pulse: trustPulse,
      causal_anchoring: causalAnchoring,
    });
    const out = [null];
    const len = [0];
    const pulse = [null];
    check(C.recorder_finish(this._ptr, o, o.length, toMillis(at, 'at'), out, len, pulse, errBuf));
    const bundle = take(out[0], Number(len[0]));
    return { bundle, trustPulse: JSON.parse(take(pulse[0])) };
  }
}

/** Proof bundles: verify, receipt proofs. */
export const bundle = Object.freeze({
  /**
   * Verify a proof bundle (JSON text, bytes or object) at `now` with an optional verifier
   * `config` (`{config_version:"1", allowlists:{gateway_receipt_signer_dids:[...]}, ...}`).
   * `policy` (a Policy) replays every tool receipt against the run's policy (a receipt no
   * context could allow fails with POLICY_VIOLATION).
   * Returns the verdict object with `valid` (boolean): an invalid bundle does not throw.
   */
  verify(b, { config, policy, now = Date.now() } = {}) {
    if (policy !== undefined && !(policy instanceof Policy)) throw new TypeError('policy must be a Policy');
    const bb = jsonBytes(b, 'bundle');
    const c = optBytes(config, 'config', true);
    const valid = [false];
    const out = [null];
    const len = [0];
    check(C.bundle_verify(bb, bb.length, c, c ? c.length : 0, policy ? policy._ptr : null, toMillis(now, 'now'), valid, out, len, errBuf));
    const verdict = JSON.parse(take(out[0], Number(len[0])));
    return { valid: Boolean(valid[0]), ...verdict };
  },
  /**
   * Verify an aggregate bundle (docs/SPEC.md §11.2: its `aggregate_bundle` envelope as JSON
   * text, bytes or object) at `now` with an optional verifier `config` (the same options
   * document as `verify`). Returns the verdict object with `valid` (boolean), `reason_code`,
   * `aggregate_id`, `counts`, ...: an invalid aggregate (or text that is not JSON) does not
   * throw; a bad `config` throws ClawError (CONFIG_ERROR).
   */
  verifyAggregate(b, { config, now = Date.now() } = {}) {
    const bb = jsonBytes(b, 'aggregate');
    const c = optBytes(config, 'config', true);
    const valid = [false];
    const out = [null];
    const len = [0];
    check(C.aggregate_verify(bb, bb.length, c, c ? c.length : 0, toMillis(now, 'now'), valid, out, len, errBuf));
    const verdict = JSON.parse(take(out[0], Number(len[0])));
    return { valid: Boolean(valid[0]), ...verdict };
  },
  /** A self-contained inclusion proof for one receipt of a VALID bundle (object). */
  receiptProof(b, receiptId, { config, now = Date.now() } = {}) {
    const bb = jsonBytes(b, 'bundle');
    const c = optBytes(config, 'config', true);
    const r = textBytes(receiptId, 'receiptId');
    return JSON.parse(callString0(C.bundle_receipt_proof, bb, bb.length, c, c ? c.length : 0, toMillis(now, 'now'), r, r.length));
  },
  /** Verify a receipt proof offline; throws ClawError unless it holds. */
  verifyReceiptProof(proof, { expectedAgentDid, gatewaySigners } = {}) {
    const p = jsonBytes(proof, 'proof');
    const a = optBytes(expectedAgentDid, 'expectedAgentDid');
    const g = didList(gatewaySigners, 'gatewaySigners');
    return JSON.parse(callString0(C.receipt_proof_verify, p, p.length, a, a ? a.length : 0, g, g ? g.length : 0));
  },
});

/** Commit signatures (docs/SPEC.md §11.1). */
export const commit = Object.freeze({
  /**
   * Verify a commit signature (JSON text, bytes or object): a `message_signature` over
   * `commit:<sha>` or a `commit_proof` envelope. Returns the verdict object with `valid`
   * (boolean), `reason_code`, and when valid `form`, `commit_sha`, `signer_did`, ...: an invalid
   * signature (or text that is not JSON) does not throw. No options: the signature names its
   * own signer.
   */
  verify(sig) {
    const sb = jsonBytes(sig, 'signature');
    const valid = [false];
    const out = [null];
    const len = [0];
    check(C.commit_verify(sb, sb.length, valid, out, len, errBuf));
    const verdict = JSON.parse(take(out[0], Number(len[0])));
    return { valid: Boolean(valid[0]), ...verdict };
  },
});

/** Verify a proof bundle (`config`, `now` as in `bundle.verify`) and derive a Trust Pulse
 * document (object) from the envelope exactly as verified; throws ClawError if it does not
 * verify. */
export function trustPulse(b, { config, now = Date.now(), issuedAt = Date.now() } = {}) {
  const bb = jsonBytes(b, 'bundle');
  const c = optBytes(config, 'config', true);
  return JSON.parse(callString0(C.trust_pulse_from_bundle, bb, bb.length, c, c ? c.length : 0, toMillis(now, 'now'), toMillis(issuedAt, 'issuedAt')));
}

/** OpenClaw: reconcile a run's transcript with claw's receipts (docs/SPEC.md §7.8). */
export const openclaw = Object.freeze({
  /**
   * `transcript`: OpenClaw's session transcript (JSON Lines text or bytes); `receipts`: the
   * run's tool receipts `[{receipt_id, tool_name, args_hash_b64u}]` (and its refusing approval
   * receipts, with `refused: true` and the refused arguments' hash); `sessionId`: the session
   * the evidence covers. Returns `{ report, metadata }` (findings in the audit's shape, and
   * the compact result a bundle binds).
   */
  reconcile(transcript, { receipts = [], sessionId } = {}) {
    const t = textBytes(transcript, 'transcript');
    const s = sessionId ? textBytes(sessionId, 'sessionId') : null;
    const r = jsonBytes(receipts, 'receipts');
    return JSON.parse(callString0(C.openclaw_reconcile, t, t.length, s, s ? s.length : 0, r, r.length));
  },
});

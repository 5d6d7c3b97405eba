// The claw gate: every OpenClaw tool call is decided by claw against the job's signed WPC
// and CST, and recorded as evidence. Pure logic over injected dependencies (the claw Node
// binding, the file system, the clock), so tests can drive it with real hook events.

import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { OverridesError, OverridesWatch } from "./overrides.js";
import { HOST_EXEC_TOOLS, hostExecReason } from "./placement.js";
import { classify, jsonSafe } from "./tools.js";

export const PLUGIN_ID = "claw";
export const PLUGIN_VERSION = "0.1.0";
/** The CST scope entry that authorizes tool calls. */
export const TOOL_ACTION = "tool:execute";
/** The tool name a WPC explicitly denies to forbid host execution (docs/SPEC.md §7.4). */
export const HOST_EXEC_MARKER = "host_exec";
const MAX_DESCRIPTION = 512;
const MAX_TITLE = 80;

/**
 * A gate that could not start: it blocks every tool call with the reason it failed, and
 * still ends every run with evidence. With the claw binding loaded (deps.claw) and an
 * evidenceDir, each run gets a signed bundle whose hash-bound metadata says the gate failed
 * and why, and whose event chain holds a deny decision for every call (nothing was allowed).
 * Without the binding nothing can be signed: latest.json then names the run, no bundle, and
 * the reason.
 */
export class FailedGate {
  constructor(error, deps = {}) {
    this.reasonCode = error?.reasonCode ?? (typeof error?.code === "string" ? error.code : "CLAW_INIT_FAILED");
    let msg = String(error?.message ?? error).replace(/\s+/g, " ");
    if (msg.startsWith(`${this.reasonCode}: `)) msg = msg.slice(this.reasonCode.length + 2);
    this.message = msg.slice(0, 300);
    this.claw = deps.claw ?? null;
    this.cfg = deps.config ?? {};
    this.now = deps.now ?? Date.now;
    this.fs = { ...fs, ...(deps.fs ?? {}) };
    this.log = deps.logger ?? { info() {}, warn() {}, error() {} };
    this.harnessVersion = deps.harnessVersion ?? "unknown";
    this.runs = new Map();
    this.agentKey = null;
  }

  #run(runId) {
    const id = runId || "run-unknown";
    let run = this.runs.get(id);
    if (run) return run;
    run = { id, decisions: [], recorder: null };
    if (this.claw) {
      try {
        this.agentKey ??= this.claw.SigningKey.generate();
        run.recorder = new this.claw.Recorder(this.agentKey);
        run.recorder.recordEvent("run_start", { harness: "openclaw", openclaw_run_id: id, job: this.cfg.job ?? null,
          gate: "failed", reason_code: this.reasonCode }, { at: this.now() });
      } catch (e) {
        this.log.error?.(`claw: cannot record the failed gate's run: ${e?.message ?? e}`);
        run.recorder = null;
      }
    }
    this.runs.set(id, run);
    return run;
  }

  async beforeToolCall(event, ctx = {}) {
    const tool = String(event?.toolName ?? "?");
    const run = this.#run(event?.runId ?? ctx.runId);
    const at = this.now();
    run.decisions.push({ at: new Date(at).toISOString(), tool, toolCallId: event?.toolCallId ?? ctx.toolCallId ?? null,
      verdict: "deny", reasonCode: this.reasonCode });
    try {
      run.recorder?.recordDecision({ verdict: "deny", reasonCode: this.reasonCode }, { action: TOOL_ACTION, resource: tool, at });
    } catch (e) {
      this.log.error?.(`claw: recording the denial failed: ${e?.message ?? e}`);
    }
    return {
      block: true,
      blockReason:
        `claw blocked "${tool}": the policy gate could not start ` +
        `(${this.reasonCode}: ${this.message}). Every tool call is blocked until this is fixed.`,
    };
  }
  async afterToolCall() {}
  /** No recorder to bind model calls to: they go out unbound (the gateway still receipts them). */
  beginModelCall() {
    return null;
  }

  /** The run's evidence: a bundle that says the gate failed (or, unsigned, why there is none). */
  async agentEnd(event, ctx = {}) {
    const dir = this.cfg.evidenceDir;
    if (!dir) return null;
    const run = this.#run(event?.runId ?? ctx.runId);
    this.runs.delete(run.id);
    const gate = { status: "failed", reason_code: this.reasonCode, message: this.message };
    const job = this.cfg.job ?? "job-unknown";
    if (!run.recorder) {
      this.fs.mkdirSync(dir, { recursive: true });
      writeAtomic(this.fs, path.join(dir, "latest.json"), JSON.stringify({ job, run: run.id, gate, bundle: null }, null, 2) + "\n");
      return { bundle: null };
    }
    const at = this.now();
    run.recorder.recordEvent("run_end", { success: event?.success ?? null, decisions: run.decisions.length }, { at });
    const { bundle, trustPulse } = run.recorder.finish({
      harnessId: "openclaw",
      harnessVersion: this.harnessVersion,
      harnessRuntime: `node ${process.version}; claw-openclaw-plugin ${PLUGIN_VERSION}`,
      namespaceExtra: { openclaw: { job, openclaw_run_id: run.id, session_id: ctx.sessionId ?? null, gate } },
      trustPulse: true,
      at,
    });
    return writeEvidence(this.fs, { dir, job, run: run.id, agentKey: this.agentKey, bundle, trustPulse,
      decisions: run.decisions, latest: { gate } });
  }
}

function clip(s, n) {
  return s.length <= n ? s : `${s.slice(0, n - 1)}…`;
}

function shortHash(h) {
  return h ? h.slice(0, 12) : "?";
}

/**
 * Per-process gate. Create with `ClawGate.open(config, deps)`; on failure use FailedGate.
 * deps: { claw (the Node binding module), now(): ms, fs: {readFileSync, statSync,
 * writeFileSync, mkdirSync, renameSync}, logger, harnessVersion }.
 */
export class ClawGate {
  static open(config, deps) {
    const g = new ClawGate(config, deps);
    g.#start();
    return g;
  }

  constructor(config, deps) {
    this.cfg = config;
    this.claw = deps.claw;
    this.now = deps.now ?? Date.now;
    this.fs = { ...fs, ...(deps.fs ?? {}) };
    this.log = deps.logger ?? { info() {}, warn() {}, error() {} };
    this.harnessVersion = deps.harnessVersion ?? "unknown";
    this.openclawConfig = deps.openclawConfig; // api.config: where exec runs
    this.runs = new Map(); // runId -> run state
    this.finished = new Set(); // runs whose evidence is written (bounded)
    this.alwaysApproved = new Set(); // tools a human answered "allow-always" for
    this.overrides = new OverridesWatch(config.overridesFile, this.fs);
  }

  // ---------------------------------------------------------------- start and reload

  #start() {
    const { claw, cfg } = this;
    for (const k of ["policy", "policySigners", "job", "evidenceDir"]) {
      if (cfg[k] === undefined) throw Object.assign(new Error(`config.${k} is required`), { reasonCode: "CONFIG_INVALID" });
    }
    this.startedAt = this.now();
    this.#loadPolicy();
    this.#loadToken();
    this.revocations = new claw.Revocations();
    this.agentKey = cfg.agentKeyFile
      ? claw.SigningKey.fromJwk(this.fs.readFileSync(cfg.agentKeyFile, "utf8"))
      : claw.SigningKey.generate();
    this.agentDid = this.agentKey.did();
    // Apply the overrides in force now. An invalid file does not fail the start: every call
    // is denied while it stays invalid (the watch re-throws until the file changes), and a
    // fixed file reopens the gate on the next call, without a restart.
    try {
      this.#applyOverrides();
    } catch (e) {
      if (!(e instanceof OverridesError)) throw e;
      this.log.warn?.(`claw: the overrides file is unusable, every call is denied until it is fixed: ${e.message}`);
    }
    this.#checkToken();
    const hooks = this.openclawConfig?.plugins?.entries?.[PLUGIN_ID]?.hooks;
    if (this.openclawConfig && hooks?.allowConversationAccess !== true) {
      this.log.warn?.(
        `claw: plugins.entries.${PLUGIN_ID}.hooks.allowConversationAccess is not true: OpenClaw will not call ` +
          "agent_end, so no proof bundle will be written (tool calls are still decided)",
      );
    }
    this.log.info?.(
      `claw: policy ${this.policyInfo.policy_id} (${shortHash(this.policyHash)}) verified; ` +
        `${this.token ? "CST verified" : "no CST"}; job ${cfg.job}; agent ${this.agentDid}`,
    );
  }

  #loadPolicy() {
    const envelope = this.fs.readFileSync(this.cfg.policy, "utf8");
    const policy = this.claw.Policy.fromEnvelope(envelope, {
      trustedSigners: this.cfg.policySigners,
      now: this.now(),
    });
    const info = policy.info();
    if (info.missing_parent) {
      policy.close?.();
      throw Object.assign(new Error(`the WPC inherits from ${JSON.stringify(info.missing_parent)}, which is not loaded`), {
        reasonCode: "POLICY_PARENT_MISSING",
      });
    }
    this.policy?.close?.();
    this.policy = policy;
    this.policyInfo = info;
    this.policyHash = info.policy_hash_b64u;
    this.requirements = info.requirements ?? {};
  }

  #loadToken() {
    const { cfg } = this;
    let token = cfg.token;
    if (token === undefined && cfg.tokenFile) token = this.fs.readFileSync(cfg.tokenFile, "utf8").trim();
    if (token === undefined || token === "") {
      if (this.requirements.require_cst) {
        throw Object.assign(new Error("the WPC requires a CST and none is configured (token or tokenFile)"), {
          reasonCode: "TOKEN_REQUIRED",
        });
      }
      this.token = null;
      return;
    }
    if (!Array.isArray(cfg.tokenIssuers) || cfg.tokenIssuers.length === 0) {
      throw Object.assign(new Error("a CST is configured but no tokenIssuers are trusted"), { reasonCode: "CONFIG_INVALID" });
    }
    this.keySet?.close?.();
    this.keySet = this.claw.KeySet.fromDids(cfg.tokenIssuers);
    this.token = token;
    this.tokenHash = this.claw.cst.tokenHash(token);
  }

  /** Validate the CST as of now (expiry, revocation, pinned policy hash, job, TTL). */
  #checkToken() {
    if (!this.token) return null;
    const r = this.requirements;
    const verified = this.claw.cst.verify(this.token, this.keySet, {
      audience: this.cfg.audience ?? "openclaw",
      action: TOOL_ACTION,
      job: this.cfg.job,
      requireJobBinding: true,
      runtimePolicyHash: this.policyHash,
      requirePolicyPin: Boolean(r.pin_cst_to_policy_hash),
      maxTtlSeconds: r.max_ttl_seconds ?? undefined,
      replay: "off",
      revocations: this.revocations,
      now: this.now(),
    });
    this.tokenClaims = verified.claims;
    return verified;
  }

  /** Read the overrides file if it changed; apply it to the policy and the revocations. */
  #applyOverrides() {
    const { changed, overrides } = this.overrides.current();
    if (!changed) return;
    const wanted = overrides.policy.required_policy_hash;
    if (wanted && wanted !== this.policyHash) {
      // A new policy was demanded: the operator may have replaced the policy file (and the
      // token file); load them again. If the hash still differs, every call is denied with
      // OVERRIDE_POLICY_HASH_MISMATCH by the overrides below.
      try {
        this.#loadPolicy();
        this.#loadToken();
        this.log.info?.(`claw: reloaded policy ${this.policyInfo.policy_id} (${shortHash(this.policyHash)})`);
      } catch (e) {
        this.log.warn?.(`claw: reloading the policy for the required hash failed: ${e.message}`);
      }
    }
    this.policy.setOverrides(overrides.policy);
    const rev = new this.claw.Revocations();
    if (overrides.token.revokeToken && this.tokenHash) rev.revokeTokenHash(this.tokenHash);
    for (const h of overrides.token.tokenHashes) rev.revokeTokenHash(h);
    for (const j of overrides.token.jtis) rev.revokeJti(j);
    this.revocations?.close?.();
    this.revocations = rev;
    const active = Object.keys(overrides.policy).length > 0 || overrides.token.revokeToken ||
      overrides.token.tokenHashes.length > 0 || overrides.token.jtis.length > 0;
    if (active || this.overridesWereActive) {
      this.log.info?.(`claw: overrides ${active ? "applied" : "cleared"} (${this.cfg.overridesFile})`);
    }
    this.overridesWereActive = active;
  }

  // ---------------------------------------------------------------- runs and evidence

  #run(runId) {
    const id = runId || "run-unknown";
    let run = this.runs.get(id);
    if (!run) {
      const recorder = new this.claw.Recorder(this.agentKey);
      run = { id, recorder, pending: new Map(), decisions: [], receipts: [], approvals: 0, finished: false };
      recorder.recordEvent(
        "run_start",
        {
          harness: "openclaw",
          openclaw_run_id: id,
          job: this.cfg.job,
          policy_id: this.policyInfo.policy_id,
          policy_hash_b64u: this.policyHash,
          token_hash: this.tokenHash ?? null,
        },
        { at: this.now() },
      );
      this.runs.set(id, run);
    }
    return run;
  }

  #where(d) {
    const override = OVERRIDE_MEMBERS[d.reasonCode];
    if (override) {
      const hash = d.reasonCode === "OVERRIDE_POLICY_HASH_DENIED" ? ` ${shortHash(d.policyHash)}` : "";
      return `override ${override}${hash} in ${this.cfg.overridesFile ?? "the overrides file"}, policy ${this.policyInfo.policy_id}@${shortHash(this.policyHash)}`;
    }
    const stmt = d.statementId ? `statement ${d.statementId}` : "no statement allows it";
    return `${stmt}, policy ${this.policyInfo.policy_id}@${shortHash(d.policyHash ?? this.policyHash)}`;
  }

  #blocked(tool, reasonCode, detail) {
    return { block: true, blockReason: `claw denied "${tool}": ${reasonCode}${detail ? ` (${detail})` : ""}.` };
  }

  #note(run, entry) {
    run.decisions.push({ at: new Date(this.now()).toISOString(), ...entry });
  }

  // ---------------------------------------------------------------- hooks

  /** before_tool_call: returns undefined (let through), {block, blockReason} or {requireApproval}. */
  async beforeToolCall(event, ctx = {}) {
    const what = classify(event);
    const tool = what.tool ?? String(event?.toolName ?? "?");
    const runId = event?.runId ?? ctx.runId;
    const run = this.#run(runId);
    const callId = event?.toolCallId ?? ctx.toolCallId ?? null;

    if (what.kind === "discovery") return undefined;
    if (what.kind === "invalid") return this.#blocked(tool, "CLAW_TOOL_CALL_INVALID", what.reason);

    // Incident switches and the CST, as of this call: fail closed on any error.
    try {
      this.#applyOverrides();
    } catch (e) {
      this.#note(run, { tool, toolCallId: callId, verdict: "deny", reasonCode: e.reasonCode ?? "OVERRIDES_INVALID" });
      return this.#blocked(tool, e.reasonCode ?? "OVERRIDES_INVALID", `incident overrides file unusable: ${e.message}`);
    }
    try {
      this.#checkToken();
    } catch (e) {
      const code = e.reasonCode ?? "TOKEN_INVALID";
      this.#note(run, { tool, toolCallId: callId, verdict: "deny", reasonCode: code });
      run.recorder.recordDecision(
        { verdict: "deny", reasonCode: code, policyHash: this.policyHash },
        { action: TOOL_ACTION, resource: tool, at: this.now() },
      );
      const byOverride = code === "TOKEN_REVOKED" && this.overridesWereActive ? ` (revoked by the overrides file ${this.cfg.overridesFile})` : "";
      return this.#blocked(tool, code, `the job's scoped token is not valid${byOverride}: ${String(e.message).slice(0, 200)}`);
    }

    const context = {};
    if (this.cfg.dataClass) context["Data:Class"] = this.cfg.dataClass;
    if (this.alwaysApproved.has(tool)) context["Request:HasHumanApproval"] = "true";
    const d = this.policy.decideRequest(TOOL_ACTION, tool, {
      context,
      now: this.now(),
      runStartedAt: this.startedAt,
    });
    const at = this.now();
    run.recorder.recordDecision(d, { action: TOOL_ACTION, resource: tool, at });
    this.#note(run, {
      tool,
      toolCallId: callId,
      bridged: what.kind === "bridge" || undefined,
      verdict: d.verdict,
      reasonCode: d.reasonCode,
      statementId: d.statementId,
    });

    if (d.verdict === "deny") {
      return this.#blocked(tool, d.reasonCode, this.#where(d));
    }
    // The WPC may allow exec but forbid running it on the host (an explicit Deny of
    // host_exec): then only a sandboxed exec may run.
    if (HOST_EXEC_TOOLS.has(tool)) {
      const h = this.policy.decideRequest(TOOL_ACTION, HOST_EXEC_MARKER, { context, now: at, runStartedAt: this.startedAt });
      const why = h.verdict === "deny" && h.reasonCode === "POLICY_VIOLATION" ? hostExecReason(this.openclawConfig, event, ctx) : null;
      if (why) {
        run.recorder.recordDecision(h, { action: TOOL_ACTION, resource: HOST_EXEC_MARKER, at });
        this.#note(run, { tool, toolCallId: callId, verdict: "deny", reasonCode: h.reasonCode, statementId: h.statementId, hostExec: why });
        return this.#blocked(tool, h.reasonCode, `${this.#where(h)}: the WPC forbids host execution and ${why}`);
      }
    }
    // A Tool Search bridge call: its inner call gets its own hook, where approvals and
    // receipts happen; here only a denial matters.
    if (what.kind === "bridge") return undefined;

    const pending = { tool, params: jsonSafe(event?.params ?? {}), startedAt: at, decision: d, approved: null };
    if (callId) run.pending.set(callId, pending);

    if (d.verdict === "approval_required") {
      // What the human reads of the arguments is claw's one rule (claw_approval_arguments):
      // canonical, bidi and control characters escaped, and never cut without saying how much
      // is hidden and the hash the approval covers. The text before it leaves it >= 200 chars.
      const intro = clip(
        `The Work Policy Contract ${this.policyInfo.policy_id} allows "${tool}" only with a human approval ` +
          `(${d.statementId ?? d.reasonCode}). Job ${this.cfg.job}. Arguments: `,
        MAX_DESCRIPTION - 200,
      );
      let args;
      try {
        args = this.claw.approvalArguments(pending.params, MAX_DESCRIPTION - intro.length);
      } catch (e) {
        args = `(not shown: claw cannot read them as strict JSON, ${e?.reasonCode ?? "INVALID"}; deny unless you know why)`;
      }
      return {
        requireApproval: {
          title: clip(`claw: approve ${tool}?`, MAX_TITLE),
          description: intro + args,
          severity: /** @type {const} */ ("warning"),
          timeoutMs: this.cfg.approvalTimeoutMs ?? DEFAULT_APPROVAL_TIMEOUT_MS,
          // allow-always only when the operator opted in: every later call of the tool in this
          // process would then run unasked, without an approval receipt of its own.
          allowedDecisions: /** @type {("allow-once" | "allow-always" | "deny")[]} */ (
            this.cfg.approvalAllowAlways === true ? ["allow-once", "allow-always", "deny"] : ["allow-once", "deny"]
          ),
          onResolution: (resolution) => this.#onResolution(run, tool, callId, pending, resolution, ctx),
        },
      };
    }
    return undefined;
  }

  /**
   * OpenClaw's answer to a requireApproval. A denial (or timeout, or cancellation) is
   * recorded at once: no tool runs. An approval is held and recorded right before the tool
   * receipt of the call it approved (after_tool_call), so in the event chain the approval is
   * immediately followed by that call's receipt; its plan_hash_b64u = H(JCS(the approved
   * arguments)) must equal the receipt's args_hash_b64u (docs/SPEC.md §7.9).
   * @param {string} resolution
   */
  #onResolution(run, tool, callId, pending, resolution, ctx) {
    try {
      const approved = resolution === "allow-once" || resolution === "allow-always";
      // An allow-always not offered (a broker that answers it anyway) approves this call only.
      if (resolution === "allow-always" && this.cfg.approvalAllowAlways === true) this.alwaysApproved.add(tool);
      pending.approved = approved;
      const approval = {
        resolution,
        approved,
        approver: approverOf(ctx),
        at: this.now(),
      };
      this.#note(run, { tool, toolCallId: callId, approval: resolution, approver: approval.approver.subject });
      if (approved) {
        pending.approval = approval;
        run.heldApprovals ??= new Set();
        run.heldApprovals.add(pending);
      } else {
        this.#recordApproval(run, tool, callId, pending, approval);
      }
    } catch (e) {
      this.log.error?.(`claw: recording the approval failed: ${e.message}`);
    }
  }

  #recordApproval(run, tool, callId, pending, approval) {
    const [approvalType, approverMethod] = approval.approved
      ? ["explicit_approve", approval.approver.method]
      : approval.resolution === "deny"
        ? ["explicit_deny", approval.approver.method]
        : ["timeout_deny", "timeout"];
    const receiptId = run.recorder.recordApproval({
      approvalType,
      approverSubject: approval.approver.subject,
      approverMethod,
      scope: { tool, tool_call_id: callId ?? null, job: this.cfg.job, resolution: approval.resolution,
        resolved_at: new Date(approval.at).toISOString(), args_hash_b64u: argsHash(this.claw, pending.params) },
      scopeSummary: `${approval.resolution} for ${tool}`,
      policyHash: this.policyHash,
      // The exact arguments approved: plan_hash_b64u = H(JCS(params)) = the args hash the
      // tool receipt of this call must carry.
      plan: pending.params,
      // Recorded now (the chain's clock only moves forward); the answer's time is in scope.
      at: this.now(),
    });
    run.approvals += 1;
    run.heldApprovals?.delete(pending);
    // A refusal is the second witness reconciliation needs to read OpenClaw's error result
    // for this call as "refused, not executed" (docs/SPEC.md §7.8).
    if (!approval.approved) {
      run.receipts.push({ receipt_id: receiptId, tool_name: tool, args_hash_b64u: argsHash(this.claw, pending.params), refused: true });
    }
  }

  /**
   * A model call through claw-gateway (docs/SPEC.md §7.12): records the `llm_call` event and
   * returns the binding the gateway must sign, and `settle(receiptPromise)`, which attaches
   * the receipt when it arrives (or abandons the call when none does). agent_end waits for
   * every settle before it signs the bundle.
   */
  beginModelCall(runId, { provider, model }) {
    const run = this.#run(runId);
    if (run.finished) return null;
    // Under the gate's policy: the gateway signs its hash into the receipt (X-Policy-Hash),
    // and the recorder refuses a receipt signed under another (GATEWAY_POLICY_MISMATCH).
    const binding = run.recorder.beginModelCall({ provider, model, policyHash: this.policyHash, at: this.now() });
    run.gateway ??= { calls: 0, receipts: 0, missing: 0, pending: [] };
    run.gateway.calls += 1;
    const settle = (receiptPromise) => {
      run.gateway.pending.push(
        Promise.resolve(receiptPromise).then(
          (envelope) => {
            run.recorder.attachGatewayReceipt(envelope);
            run.gateway.receipts += 1;
          },
        ).catch((e) => {
          run.gateway.missing += 1;
          this.log.error?.(`claw: model call without a gateway receipt: ${e?.reasonCode ?? ""} ${e?.message ?? e}`);
          try {
            run.recorder.abandonModelCall(binding.event_hash_b64u);
          } catch (e2) {
            this.log.error?.(`claw: abandoning the model call failed: ${e2?.message ?? e2}`);
          }
        }),
      );
    };
    return { binding, settle };
  }

  /** after_tool_call: the tool receipt (hashes of params and result) for calls claw let run. */
  async afterToolCall(event, ctx = {}) {
    const runId = event?.runId ?? ctx.runId;
    const run = this.runs.get(runId || "run-unknown");
    const callId = event?.toolCallId ?? ctx.toolCallId;
    if (!run || !callId) return;
    const pending = run.pending.get(callId);
    if (!pending) return; // discovery, bridge or blocked calls: no tool ran
    run.pending.delete(callId);
    const details = event?.result?.details;
    if (details?.status === "blocked" || (pending.decision.verdict === "approval_required" && pending.approved !== true)) {
      return; // another hook (or the approval flow) stopped it: it did not run
    }
    const status = event?.error ? "error" : details?.status === "timeout" ? "timeout" : "success";
    // The arguments that ran (another plugin's hook may have rewritten them after claw decided).
    const ran = event?.params !== undefined ? jsonSafe(event.params) : pending.params;
    if (pending.approval) this.#recordApproval(run, pending.tool, callId, pending, pending.approval);
    const record = (args, result) =>
      run.recorder.recordToolCall({
        toolName: pending.tool,
        args,
        result,
        status,
        latencyMs: Math.max(0, Math.round(event?.durationMs ?? this.now() - pending.startedAt)),
        at: this.now(),
      });
    const result = jsonSafe({ result: event?.result ?? null, error: event?.error ?? null });
    let args = ran;
    try {
      pending.receiptId = record(args, result);
    } catch (e) {
      // Values the receipt rules refuse (e.g. array-index-like object keys) are hashed as text.
      args = { json: JSON.stringify(ran) };
      pending.receiptId = record(args, { json: JSON.stringify(result) });
    }
    run.receipts.push({ receipt_id: pending.receiptId, tool_name: pending.tool, args_hash_b64u: argsHash(this.claw, args) });
    this.#note(run, { tool: pending.tool, toolCallId: callId, receipt: pending.receiptId, status });
  }

  /** agent_end: sign the proof bundle and the Trust Pulse, write them to evidenceDir. */
  async agentEnd(event, ctx = {}) {
    // Every run ends with evidence, also a run that made no tool call; and ends once.
    const runId = event?.runId ?? ctx.runId;
    if (this.finished.has(runId || "run-unknown")) return null;
    const run = this.#run(runId);
    if (run.finished) return null;
    this.finished.add(run.id);
    if (this.finished.size > 10000) this.finished.delete(this.finished.values().next().value);
    run.finished = true;
    // Model calls still waiting for their gateway receipt (the bundle cannot be signed while
    // a model call is pending).
    if (run.gateway) await Promise.allSettled(run.gateway.pending);
    // Approvals whose tool never reported back: recorded now, after every receipt.
    for (const p of [...(run.heldApprovals ?? [])]) this.#recordApproval(run, p.tool, null, p, p.approval);
    const reconciliation = this.#reconcile(run, event, ctx);
    const at = this.now();
    run.recorder.recordEvent(
      "run_end",
      { success: event?.success ?? null, duration_ms: event?.durationMs ?? null, decisions: run.decisions.length },
      { at },
    );
    const { bundle, trustPulse } = run.recorder.finish({
      harnessId: "openclaw",
      harnessVersion: this.harnessVersion,
      harnessRuntime: `node ${process.version}; claw-openclaw-plugin ${PLUGIN_VERSION}`,
      namespaceExtra: {
        // The run's policy binding (docs/SPEC.md §6.3 C4a): what `bundle verify --wpc` checks.
        run: { policy: { hash_b64u: this.policyHash } },
        openclaw: {
          job: this.cfg.job,
          openclaw_run_id: run.id,
          session_id: ctx.sessionId ?? null,
          policy_id: this.policyInfo.policy_id,
          policy_hash_b64u: this.policyHash,
          token_hash: this.tokenHash ?? null,
          gate: { status: "open" },
          reconciliation,
          // The tool of each refusing approval receipt (the receipt holds only its scope's
          // hash): what `claw openclaw reconcile` reads a "refused, not executed" call by.
          refusals: run.receipts.filter((r) => r.refused).map((r) => ({ receipt_id: r.receipt_id, tool: r.tool_name })),
          ...(run.gateway ? { gateway: { model_calls: run.gateway.calls, receipts: run.gateway.receipts, missing: run.gateway.missing } } : {}),
        },
      },
      trustPulse: true,
      // Approval receipts are anchored to gateway-receipt spans. When every model call of the
      // run came back with its gateway receipt (§7.12) they are anchored; otherwise (no
      // gateway, or a receipt missing) a run with approvals builds unanchored (verifiable in
      // warn/observe causal mode; see the README).
      causalAnchoring: run.approvals > 0 && !(run.gateway?.receipts > 0 && run.gateway.missing === 0) ? "off" : "require",
      at,
    });
    run.recorder.close?.();
    const files = writeEvidence(this.fs, {
      dir: this.cfg.evidenceDir,
      job: this.cfg.job,
      run: run.id,
      agentKey: this.agentKey,
      bundle,
      trustPulse,
      decisions: run.decisions,
      latest: { policy_hash_b64u: this.policyHash, reconciliation },
    });
    this.runs.delete(run.id);
    if (reconciliation?.critical) {
      this.log.error?.(`claw: reconciliation found ${reconciliation.critical} call(s) that bypassed the gate: ${reconciliation.check_ids?.join(", ")}`);
    }
    this.log.info?.(`claw: proof bundle written to ${files.bundle}`);
    return files;
  }

  /**
   * Reconcile OpenClaw's record of this run (agent_end's messages: every tool call and result
   * it executed) with the receipts claw wrote (claw-core's rule, through libclaw). The
   * compact result goes into the bundle's hash-bound metadata.
   */
  #reconcile(run, event, ctx) {
    const messages = Array.isArray(event?.messages) ? event.messages : null;
    if (!messages || !this.claw.openclaw?.reconcile) return { status: "unavailable" };
    try {
      const lines = [];
      if (ctx.sessionId) lines.push(JSON.stringify({ type: "session", id: ctx.sessionId }));
      for (const m of messages) lines.push(JSON.stringify({ type: "message", message: jsonSafe(m) }));
      const { metadata } = this.claw.openclaw.reconcile(lines.join("\n") + "\n", {
        receipts: run.receipts,
        sessionId: ctx.sessionId,
      });
      return metadata;
    } catch (e) {
      this.log.error?.(`claw: reconciliation failed: ${e?.reasonCode ?? ""} ${e?.message ?? e}`);
      return { status: "error", reason_code: e?.reasonCode ?? "CLAW_RECONCILE_FAILED" };
    }
  }
}

/** Which overrides member a reason code comes from (the wording of an override denial). */
const OVERRIDE_MEMBERS = {
  OVERRIDE_TOOL_DENIED: "denied_tools",
  OVERRIDE_POLICY_HASH_DENIED: "denied_policy_hashes",
  OVERRIDE_POLICY_HASH_MISMATCH: "required_policy_hash",
};

/** OpenClaw's default plugin approval window; OpenClaw caps what a plugin asks for. */
export const DEFAULT_APPROVAL_TIMEOUT_MS = 120000;

/** H(JCS(args)), base64url: the args_hash_b64u a tool receipt of these arguments carries. */
function argsHash(claw, args) {
  return crypto.createHash("sha256").update(claw.jcs(args ?? {}), "utf8").digest("base64url");
}

/**
 * Who answered an approval, as far as OpenClaw tells a plugin: onResolution receives only
 * the decision, so the subject names the surface of the run the approval was asked on
 * (the reviewer device, the chat sender on a channel, or the local terminal).
 */
function approverOf(ctx = {}) {
  const r = ctx.requester ?? {};
  if (ctx.approvalReviewerDeviceId) return { subject: `openclaw:device:${ctx.approvalReviewerDeviceId}`, method: "ui_click" };
  if (ctx.turnSourceChannel) {
    const who = r.senderId ?? ctx.turnSourceTo ?? "?";
    return { subject: `openclaw:${ctx.turnSourceChannel}:${who}`, method: "ui_click" };
  }
  if (r.senderId) return { subject: `openclaw:${r.channel ?? "?"}:${r.senderId}`, method: "ui_click" };
  return { subject: "openclaw:tui:embedded", method: "cli_confirm" };
}

/** Write a run's evidence files and point latest.json at them. */
function writeEvidence(fsx, { dir, job, run, agentKey, bundle, trustPulse, decisions, latest = {} }) {
  fsx.mkdirSync(dir, { recursive: true });
  const base = path.join(dir, safeName(`${job}.${run}`));
  const files = {
    bundle: `${base}.bundle.json`,
    trustPulse: `${base}.trust-pulse.json`,
    agentKey: `${base}.agent.pub.jwk`,
    decisions: `${base}.decisions.jsonl`,
  };
  writeAtomic(fsx, files.bundle, bundle);
  writeAtomic(fsx, files.trustPulse, JSON.stringify(trustPulse, null, 2) + "\n");
  writeAtomic(fsx, files.agentKey, agentKey.publicKey().toJwk() + "\n");
  writeAtomic(fsx, files.decisions, decisions.map((d) => JSON.stringify(d)).join("\n") + (decisions.length ? "\n" : ""));
  writeAtomic(
    fsx,
    path.join(dir, "latest.json"),
    JSON.stringify({ job, run, agent_did: agentKey.did(), ...latest, ...files }, null, 2) + "\n",
  );
  return files;
}

function safeName(s) {
  return s.replace(/[^A-Za-z0-9._-]/g, "_").slice(0, 200);
}

function writeAtomic(fsx, file, text) {
  const tmp = `${file}.tmp-${process.pid}`;
  fsx.writeFileSync(tmp, text, { mode: 0o600 });
  fsx.renameSync(tmp, file);
}

export { OverridesError };

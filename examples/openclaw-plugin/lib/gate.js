// The claw gate: every OpenClaw tool call is decided by claw against the job's signed WPC
// and CST, and recorded as evidence. Pure logic over injected dependencies (the claw Node
// binding, the file system, the clock), so tests can drive it with real hook events.

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

/** A gate that could not start: it blocks every tool call with the reason it failed. */
export class FailedGate {
  constructor(error) {
    this.reasonCode = error?.reasonCode ?? (typeof error?.code === "string" ? error.code : "CLAW_INIT_FAILED");
    let msg = String(error?.message ?? error).replace(/\s+/g, " ");
    if (msg.startsWith(`${this.reasonCode}: `)) msg = msg.slice(this.reasonCode.length + 2);
    this.message = msg.slice(0, 300);
  }
  async beforeToolCall(event) {
    return {
      block: true,
      blockReason:
        `claw blocked "${event?.toolName ?? "?"}": the policy gate could not start ` +
        `(${this.reasonCode}: ${this.message}). Every tool call is blocked until this is fixed.`,
    };
  }
  async afterToolCall() {}
  async agentEnd() {}
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
    // Apply the overrides in force now (an invalid file fails the start: fail closed).
    this.#applyOverrides();
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
      run = { id, recorder, pending: new Map(), decisions: [], approvals: 0, finished: false };
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
      return this.#blocked(tool, code, `the job's scoped token is not valid: ${String(e.message).slice(0, 200)}`);
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
      const summary = clip(JSON.stringify(pending.params), 300);
      return {
        requireApproval: {
          title: clip(`claw: approve ${tool}?`, MAX_TITLE),
          description: clip(
            `The Work Policy Contract ${this.policyInfo.policy_id} allows "${tool}" only with a human approval ` +
              `(${d.statementId ?? d.reasonCode}). Job ${this.cfg.job}. Arguments: ${summary}`,
            MAX_DESCRIPTION,
          ),
          severity: /** @type {const} */ ("warning"),
          timeoutMs: this.cfg.approvalTimeoutMs ?? 120000,
          allowedDecisions: /** @type {("allow-once" | "allow-always" | "deny")[]} */ (["allow-once", "allow-always", "deny"]),
          onResolution: (resolution) => this.#onResolution(run, tool, callId, pending, resolution, ctx),
        },
      };
    }
    return undefined;
  }

  /** @param {string} resolution */
  #onResolution(run, tool, callId, pending, resolution, ctx) {
    try {
      const approved = resolution === "allow-once" || resolution === "allow-always";
      if (resolution === "allow-always") this.alwaysApproved.add(tool);
      pending.approved = approved;
      const [approvalType, approverMethod] = approved
        ? ["explicit_approve", "ui_click"]
        : resolution === "deny"
          ? ["explicit_deny", "ui_click"]
          : ["timeout_deny", "timeout"];
      const requester = ctx?.requester ?? {};
      run.recorder.recordApproval({
        approvalType,
        approverSubject: requester.senderId ? `openclaw:${requester.channel ?? "?"}:${requester.senderId}` : "openclaw:approver",
        approverMethod,
        scope: { tool, tool_call_id: callId ?? null, job: this.cfg.job, resolution },
        scopeSummary: `${resolution} for ${tool}`,
        policyHash: this.policyHash,
        at: this.now(),
      });
      run.approvals += 1;
      this.#note(run, { tool, toolCallId: callId, approval: resolution });
    } catch (e) {
      this.log.error?.(`claw: recording the approval failed: ${e.message}`);
    }
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
    try {
      pending.receiptId = record(pending.params, result);
    } catch (e) {
      // Values the receipt rules refuse (e.g. array-index-like object keys) are hashed as text.
      pending.receiptId = record({ json: JSON.stringify(pending.params) }, { json: JSON.stringify(result) });
    }
    this.#note(run, { tool: pending.tool, toolCallId: callId, receipt: pending.receiptId, status });
  }

  /** agent_end: sign the proof bundle and the Trust Pulse, write them to evidenceDir. */
  async agentEnd(event, ctx = {}) {
    const runId = event?.runId ?? ctx.runId;
    const run = this.runs.get(runId || "run-unknown");
    if (!run || run.finished) return null;
    run.finished = true;
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
        openclaw: {
          job: this.cfg.job,
          openclaw_run_id: run.id,
          policy_id: this.policyInfo.policy_id,
          policy_hash_b64u: this.policyHash,
          token_hash: this.tokenHash ?? null,
        },
      },
      trustPulse: true,
      // Approval receipts are anchored to gateway-receipt spans; OpenClaw's model calls do
      // not go through claw's gateway here, so a run with approvals builds unanchored
      // (verifiable in warn/observe causal mode; see the README).
      causalAnchoring: run.approvals > 0 ? "off" : "require",
      at,
    });
    run.recorder.close?.();
    const dir = this.cfg.evidenceDir;
    this.fs.mkdirSync(dir, { recursive: true });
    const base = path.join(dir, safeName(`${this.cfg.job}.${run.id}`));
    const files = {
      bundle: `${base}.bundle.json`,
      trustPulse: `${base}.trust-pulse.json`,
      agentKey: `${base}.agent.pub.jwk`,
      decisions: `${base}.decisions.jsonl`,
    };
    writeAtomic(this.fs, files.bundle, bundle);
    writeAtomic(this.fs, files.trustPulse, JSON.stringify(trustPulse, null, 2) + "\n");
    writeAtomic(this.fs, files.agentKey, this.agentKey.publicKey().toJwk() + "\n");
    writeAtomic(this.fs, files.decisions, run.decisions.map((d) => JSON.stringify(d)).join("\n") + "\n");
    writeAtomic(
      this.fs,
      path.join(dir, "latest.json"),
      JSON.stringify({ job: this.cfg.job, run: run.id, agent_did: this.agentDid, policy_hash_b64u: this.policyHash, ...files }, null, 2) + "\n",
    );
    this.runs.delete(run.id);
    this.log.info?.(`claw: proof bundle written to ${files.bundle}`);
    return files;
  }
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

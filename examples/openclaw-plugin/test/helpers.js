// Test helpers: a signed WPC and CST made with claw itself, and OpenClaw hook events
// replayed from real runs (test/fixtures/*.hooks.json, captured from openclaw@2026.9.6).

import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import * as claw from "claw-node";

export { claw };

export const JOB = "job-2026-11-24-repo";

// Every directory setup() makes is removed when the test process exits.
const made = [];
process.on("exit", () => {
  for (const d of made) fs.rmSync(d, { recursive: true, force: true });
});
export const T0 = Date.parse("2026-11-24T21:56:50Z");

/** The authoring form of the test WPC: exec and read allowed, write denied, a tool that needs approval. */
export function authoring(issuerDid, extra = {}) {
  return {
    policy_name: "openclaw-plugin-test",
    issuer_did: issuerDid,
    allowed_tools: ["exec", "process", "read", "ls", "session_status"],
    denied_tools: ["write", "edit", "apply_patch"],
    approvals: [{ action: "github_publish", required: true }],
    token_requirements: { require_cst: true, pin_cst_to_policy_hash: true, max_ttl_minutes: 30 },
    evidence_requirements: { require_gateway_receipts: false, require_proof_bundle: true },
    ...extra,
  };
}

/** A fresh directory with a signed WPC, a CST pinned to it, the gate config and the keys. */
export function setup({ policyExtra = {}, claims = {}, ttlSeconds = 900, now = T0, cfg = {} } = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "claw-plugin-test-"));
  made.push(dir);
  const issuer = claw.SigningKey.generate();
  const tokenIssuer = claw.SigningKey.generate();
  const writePolicy = (file, extra) => {
    const wpc = claw.Policy.compileAuthoring(authoring(issuer.did(), extra));
    const env = claw.Policy.sign(wpc, issuer, { issuedAt: now - 60_000 });
    fs.writeFileSync(file, env);
    const p = claw.Policy.fromJson(wpc);
    const hash = p.info().policy_hash_b64u;
    p.close();
    return hash;
  };
  const policyFile = path.join(dir, "wpc.env.json");
  const policyHash = writePolicy(policyFile, policyExtra);
  const issue = (extraClaims = {}, opts = {}) =>
    claw.cst.issue(
      tokenIssuer,
      {
        sub: "did:key:z6MkagentOfTheTestRun",
        aud: "openclaw",
        scope: ["tool:execute"],
        policy_hash_b64u: policyHash,
        mission_id: JOB,
        jti: `jti-${Math.random().toString(36).slice(2)}`,
        ...extraClaims,
      },
      { ttlSeconds: opts.ttlSeconds ?? ttlSeconds, now: opts.now ?? now - 1000 },
    ).token;
  const tokenFile = path.join(dir, "cst.jws");
  const token = issue(claims);
  fs.writeFileSync(tokenFile, token + "\n");
  const config = {
    policy: policyFile,
    policySigners: [issuer.did()],
    tokenFile,
    tokenIssuers: [tokenIssuer.did()],
    audience: "openclaw",
    job: JOB,
    evidenceDir: path.join(dir, "evidence"),
    overridesFile: path.join(dir, "overrides.json"),
    ...cfg,
  };
  return { dir, config, policyHash, token, issue, writePolicy, issuer, tokenIssuer, policyFile, tokenFile };
}

/** Hook records of a captured scenario, with the probe's stand-ins turned back into values. */
export function captured(name) {
  const doc = JSON.parse(fs.readFileSync(new URL(`./fixtures/${name}.hooks.json`, import.meta.url), "utf8"));
  const revive = (v) => {
    if (v === "[undefined]") return undefined;
    if (Array.isArray(v)) return v.map(revive);
    if (v && typeof v === "object") {
      if (v["[AbortSignal]"]) return new AbortController().signal;
      const o = {};
      for (const [k, x] of Object.entries(v)) {
        const r = revive(x);
        if (r !== undefined) o[k] = r;
      }
      return o;
    }
    return v;
  };
  return doc.hooks.map(revive);
}

/** A clock the tests move by hand. */
export function clock(start = T0) {
  let t = start;
  const now = () => t;
  now.advance = (ms) => {
    t += ms;
  };
  return now;
}

/** A logger that keeps what it was told. */
export function memoryLogger() {
  const lines = [];
  const log = (level) => (msg) => lines.push(`${level}: ${msg}`);
  return { lines, info: log("info"), warn: log("warn"), error: log("error"), debug: log("debug") };
}

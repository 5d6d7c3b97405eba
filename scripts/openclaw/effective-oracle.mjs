#!/usr/bin/env node
// Differential oracle for claw's OpenClaw effective-tool computation.
//
// Loads the tool-policy code of an installed OpenClaw (its compiled dist/ chunks) and asks
// it, for every agent of every given config, which core tools pass the policy pipeline
// (profile, byProvider, tools.allow/deny, agent, agent byProvider, sandbox tools). Same
// scope as claw's `openclaw::effective`: the agent's main session, owner requester, no
// channel/sender/sub-agent layers, union over the primary model and its fallbacks.
//
// Usage: node effective-oracle.mjs OPENCLAW_PACKAGE_DIR CATALOG_JSON CONFIG.json5...
// Prints {"<config file name>": {"<agent id>": ["tool", ...]}} on stdout.
// `scripts/test-openclaw.sh` regenerates it and diffs against the committed golden file
// claw-core/tests/data/openclaw/effective-2026.9.6.json, which the Rust tests compare with.

import fs from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";

const [pkgDir, catalogFile, ...configs] = process.argv.slice(2);
if (!pkgDir || !catalogFile || configs.length === 0) {
  console.error("usage: effective-oracle.mjs OPENCLAW_PACKAGE_DIR CATALOG_JSON CONFIG...");
  process.exit(2);
}
const dist = path.join(pkgDir, "dist");
const chunks = fs.readdirSync(dist).filter((n) => n.endsWith(".mjs"));

// Chunk file names carry a build hash; find a function by its definition and its export alias.
async function exported(fnName) {
  const hits = chunks.filter((n) =>
    fs.readFileSync(path.join(dist, n), "utf8").includes(`function ${fnName}(`),
  );
  if (hits.length !== 1) throw new Error(`${fnName}: found in ${hits.length} chunks`);
  const file = path.join(dist, hits[0]);
  const alias = fs.readFileSync(file, "utf8").match(new RegExp(`\\b${fnName} as (\\w+)\\b`));
  if (!alias) throw new Error(`${fnName} is not exported from ${hits[0]}`);
  const fn = (await import(pathToFileURL(file).href))[alias[1]];
  if (typeof fn !== "function") throw new Error(`${fnName}: export ${alias[1]} is not a function`);
  return fn;
}

const resolveProfile = await exported("resolveConversationCapabilityProfile");
const project = await exported("projectConversationToolNames");
const sandboxPolicy = await exported("resolveSandboxToolPolicyForAgent");
const JSON5 = createRequire(path.join(pkgDir, "package.json"))("json5");

const catalog = JSON.parse(fs.readFileSync(catalogFile, "utf8"));
const coreTools = [];
for (const [group, members] of Object.entries(catalog.groups)) {
  if (group === "group:openclaw") continue;
  for (const t of members) if (!coreTools.includes(t)) coreTools.push(t);
}

const modelList = (m) =>
  m == null ? [] : typeof m === "string" ? [m] : [m.primary, ...(m.fallbacks ?? [])].filter(Boolean);

const out = {};
for (const file of configs) {
  const config = JSON5.parse(fs.readFileSync(file, "utf8"));
  const agents = config.agents ?? {};
  const roster = agents.entries
    ? Object.entries(agents.entries).map(([id, a]) => [id, a])
    : agents.list
      ? agents.list.map((a) => [a.id, a])
      : [["main", {}]];
  const result = {};
  for (const [id, agent] of roster) {
    const mode = agent?.sandbox?.mode ?? agents.defaults?.sandbox?.mode ?? "off";
    const agentModels = modelList(agent?.model);
    const models = agentModels.length > 0 ? agentModels : modelList(agents.defaults?.model);
    const tools = new Set();
    for (const model of models.length > 0 ? models : [undefined]) {
      const [provider, ...rest] = model ? model.split("/") : [];
      const capabilityProfile = resolveProfile({
        config,
        agentId: id,
        sessionKey: `agent:${id}:main`,
        modelProvider: model ? provider : undefined,
        modelId: model ? rest.join("/") : undefined,
        senderIsOwner: true,
        sandboxToolPolicy: mode === "all" ? sandboxPolicy(config, id) : undefined,
      });
      for (const t of project({ capabilityProfile, toolNames: coreTools, warn: () => {} })) tools.add(t);
    }
    result[id] = coreTools.filter((t) => tools.has(t));
  }
  out[path.basename(file)] = result;
}
process.stdout.write(JSON.stringify(out, null, 1) + "\n");

// The parts of an installed OpenClaw's plugin API the claw plugin relies on, as JSON, so two
// releases can be compared (scripts/test-openclaw-latest.sh):
//   hooks          the PluginHookName union (the plugin uses before_tool_call,
//                  after_tool_call, agent_end)
//   types.<T>      the member names of each hook event/result/context type the plugin reads
//   approval       the requireApproval members and the resolutions onResolution receives
//   exec_policy    whether `openclaw agent exec` loads plugins (its command policy)
//   transcript     where sessions are stored (SQLite table transcript_events)
//
//   node plugin-api.mjs <node_modules/openclaw>
import fs from "node:fs";
import path from "node:path";

const pkg = process.argv[2];
if (!pkg) {
  console.error("usage: plugin-api.mjs <openclaw package dir>");
  process.exit(2);
}
const dist = path.join(pkg, "dist");
const files = fs.readdirSync(dist);
const dts = files.filter((f) => f.endsWith(".d.ts")).map((f) => fs.readFileSync(path.join(dist, f), "utf8"));
const mjs = () => files.filter((f) => f.endsWith(".mjs")).map((f) => fs.readFileSync(path.join(dist, f), "utf8"));

/** The body of `type NAME = {...};` (first declaration found), brace-matched. */
function typeBody(name) {
  for (const text of dts) {
    const i = text.search(new RegExp(`type ${name}(<[^=]*>)? = \\{`));
    if (i < 0) continue;
    let depth = 0;
    const start = text.indexOf("{", i);
    for (let j = start; j < text.length; j++) {
      if (text[j] === "{") depth++;
      else if (text[j] === "}" && --depth === 0) return text.slice(start + 1, j);
    }
  }
  return null;
}

/** Top-level member names of a type body ("name" or "name?"). */
function members(body) {
  if (body === null) return null;
  const out = [];
  let depth = 0;
  for (const line of body.split("\n")) {
    const m = depth === 0 ? line.match(/^\s*(readonly\s+)?([A-Za-z_$][\w$]*)(\??):/) : null;
    if (m) out.push(m[2] + m[3]);
    for (const c of line.replace(/\/\/.*$/, "")) {
      if (c === "{" || c === "(" || c === "[") depth++;
      else if (c === "}" || c === ")" || c === "]") depth--;
    }
  }
  return out.sort();
}

const hooksDecl = dts.map((t) => t.match(/type PluginHookName = ([^;]+);/)).find(Boolean);
const hooks = hooksDecl ? [...hooksDecl[1].matchAll(/"([a-z_]+)"/g)].map((m) => m[1]).sort() : null;

const types = {};
for (const t of [
  "PluginHookBeforeToolCallEvent",
  "PluginHookBeforeToolCallResult",
  "PluginHookAfterToolCallEvent",
  "PluginHookAgentEndEvent",
  "PluginHookToolContext",
  "PluginHookAgentContext",
]) types[t] = members(typeBody(t));

const result = typeBody("PluginHookBeforeToolCallResult");
const ra = result && result.match(/requireApproval\?: \{([\s\S]*?)\n  \};/);
const resolutions = dts.map((t) => t.match(/PluginApprovalResolutions\s*[:=][^{]*\{([^}]*)\}/)).find(Boolean);

let execPolicy = null;
let transcript = null;
for (const text of mjs()) {
  if (execPolicy === null) {
    const m = text.match(/commandPath:\s*\["agent",\s*"exec"\][\s\S]{0,300}?\}/);
    if (m) execPolicy = (m[0].match(/loadPlugins:\s*("?[^,\n]+)/)?.[1] ?? "default").replace(/"/g, "");
  }
  if (transcript === null && /CREATE TABLE (IF NOT EXISTS )?transcript_events/.test(text)) transcript = "sqlite:transcript_events";
  if (execPolicy !== null && transcript !== null) break;
}

const version = JSON.parse(fs.readFileSync(path.join(pkg, "package.json"), "utf8")).version;
console.log(JSON.stringify({
  version,
  hooks,
  types,
  approval: {
    requireApproval: ra ? members(ra[1].replace(/^ {4}/gm, "")) : null,
    resolutions: resolutions ? [...resolutions[1].matchAll(/"([a-z-]+)"/g)].map((m) => m[1]).sort() : null,
  },
  exec_policy: execPolicy,
  transcript,
}, null, 2));

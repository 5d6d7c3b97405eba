// Tool names as OpenClaw's hooks report them, and what claw judges.

/** Tool Search's meta tools: discovery only; they run no other tool. */
export const DISCOVERY_TOOLS = new Set(["tool_search", "tool_describe"]);

/** Tool Search's bridge: `tool_call {id, args}` runs the tool named by `id`. */
export const BRIDGE_TOOL = "tool_call";

/**
 * The tool a bridge call runs: `params.id` ("write", or a qualified id such as
 * "openclaw:core:write"), lowercased, last `:` segment. Null when absent or not a string.
 */
export function bridgedToolName(params) {
  const id = params && typeof params === "object" ? params.id : undefined;
  if (typeof id !== "string") return null;
  const name = id.trim().toLowerCase().split(":").pop();
  return name ? name : null;
}

/**
 * What to judge for one before_tool_call event:
 * - { kind: "discovery" }              tool_search / tool_describe: let through, no receipt
 * - { kind: "bridge", tool }           tool_call: judge the inner tool (it fires its own hook)
 * - { kind: "tool", tool }             any other tool
 * - { kind: "invalid", reason }        a bridge call that names no tool
 */
export function classify(event) {
  const name = String(event?.toolName ?? "").trim().toLowerCase();
  if (DISCOVERY_TOOLS.has(name)) return { kind: "discovery" };
  if (name === BRIDGE_TOOL) {
    const inner = bridgedToolName(event.params);
    return inner ? { kind: "bridge", tool: inner } : { kind: "invalid", reason: "tool_call names no tool (params.id)" };
  }
  if (!name) return { kind: "invalid", reason: "the event names no tool" };
  return { kind: "tool", tool: name };
}

/**
 * A JSON-safe copy of a hook value (params, results): drops functions and undefined, turns
 * bigints into strings and cycles into "[Circular]", caps depth. Hashes are computed over it.
 */
export function jsonSafe(value, depth = 0, seen = new WeakSet()) {
  if (value === null || value === undefined) return null;
  const t = typeof value;
  if (t === "string" || t === "boolean") return value;
  if (t === "number") return Number.isFinite(value) ? value : String(value);
  if (t === "bigint") return value.toString();
  if (t === "function" || t === "symbol") return null;
  if (depth > 32) return "[MaxDepth]";
  if (seen.has(value)) return "[Circular]";
  seen.add(value);
  if (Array.isArray(value)) return value.map((v) => jsonSafe(v, depth + 1, seen));
  if (value instanceof Date) return value.toISOString();
  if (ArrayBuffer.isView(value)) return Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString("base64");
  const out = {};
  for (const [k, v] of Object.entries(value)) {
    if (v === undefined || typeof v === "function" || typeof v === "symbol") continue;
    out[k] = jsonSafe(v, depth + 1, seen);
  }
  return out;
}

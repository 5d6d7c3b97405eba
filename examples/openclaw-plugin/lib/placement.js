// Where an exec call runs, from the OpenClaw config (api.config) and the call's own params.
// Same rules as `claw openclaw audit` (docs/SPEC.md §7.3): exec.host gateway/node is
// the host; sandbox never is (it fails closed without a sandbox); auto is the host when the
// agent's sandbox mode is off, or non-main and this is the agent's main session. `elevated:
// true` runs outside the sandbox.

/** Tools whose calls start or drive shell commands. */
export const HOST_EXEC_TOOLS = new Set(["exec", "process"]);

function agentEntry(config, agentId) {
  const agents = config?.agents ?? {};
  if (agents.entries && typeof agents.entries === "object") return agents.entries[agentId];
  if (Array.isArray(agents.list)) return agents.list.find((a) => a?.id === agentId);
  return undefined;
}

/**
 * Why this call would run on the host, or null when it runs in a sandbox (or cannot run).
 * An unknown config is read as OpenClaw's defaults (sandbox off: the host).
 * @param {any} config  the resolved OpenClaw config (api.config)
 * @param {{ toolName: string, params?: any }} event
 * @param {{ agentId?: string, sessionKey?: string }} ctx
 * @returns {string | null}
 */
export function hostExecReason(config, event, ctx) {
  const params = event.params ?? {};
  if (params.elevated === true) return "the call asks for elevated exec, which runs outside the sandbox";
  const agentId = ctx.agentId ?? "main";
  const entry = agentEntry(config, agentId);
  const exec = { ...(config?.tools?.exec ?? {}), ...(entry?.tools?.exec ?? {}) };
  const host = typeof params.host === "string" && params.host !== "auto" ? params.host : exec.host ?? "auto";
  if ((exec.security ?? "") === "deny") return null;
  if (host === "gateway" || host === "node") return `exec runs with host=${host}`;
  if (host === "sandbox") return null;
  const mode = entry?.sandbox?.mode ?? config?.agents?.defaults?.sandbox?.mode ?? "off";
  if (mode === "off") return "the agent's sandbox mode is off, so exec runs on the gateway host";
  const mainSession = ctx.sessionKey === undefined || ctx.sessionKey === `agent:${agentId}:main`;
  if (mode === "non-main" && mainSession) return "sandbox mode non-main leaves the agent's main session on the gateway host";
  return null;
}

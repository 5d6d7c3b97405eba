// claw for OpenClaw: every tool call is decided by claw against the job's signed Work Policy
// Contract and scoped token, in-process, and the run ends with a signed proof bundle.
//
// OpenClaw evaluates this module several times per process and runs register() once per
// registration mode ("full", then "discovery"...); the hooks that fire belong to the last
// registration. So register() stays synchronous and cheap, registers the same hooks in every
// mode, and the claw library is loaded lazily on the first hook call, once per process
// (state on globalThis). Any failure to start blocks every tool call: claw fails closed.

import { ClawGate, FailedGate, PLUGIN_ID } from "./lib/gate.js";
import { GATEWAY_PROVIDER_ID, wrapGatewayStreamFn } from "./lib/gateway.js";

const STATE = Symbol.for("claw.openclaw-plugin");
/** The Node binding of the claw C ABI (examples/node), a dependency of this package. */
const BINDING = "claw-node";

function processState() {
  globalThis[STATE] ??= { gates: new Map() };
  return globalThis[STATE];
}

/** OpenClaw's version (api.runtime throws in some registration modes). */
function openclawVersion(api) {
  try {
    return api.runtime?.version ?? "unknown";
  } catch {
    return "unknown";
  }
}

async function loadBinding(cfg) {
  if (cfg.library && !process.env.CLAW_LIBRARY) process.env.CLAW_LIBRARY = cfg.library;
  return import(BINDING);
}

/**
 * The gate for this config: started once per process, shared by every registration.
 * @returns {Promise<ClawGate | FailedGate>}
 */
function gateFor(cfg, api) {
  const key = JSON.stringify(cfg);
  const st = processState();
  let p = st.gates.get(key);
  if (!p) {
    p = (async () => {
      let claw = null;
      try {
        claw = await loadBinding(cfg);
        return ClawGate.open(cfg, {
          claw,
          logger: api.logger,
          harnessVersion: openclawVersion(api),
          openclawConfig: api.config,
        });
      } catch (e) {
        api.logger?.error?.(`claw: cannot start, every tool call will be blocked: ${e?.reasonCode ?? ""} ${e?.message ?? e}`);
        // Still ends every run with evidence: a bundle saying the gate failed and why.
        return new FailedGate(e, { claw, config: cfg, logger: api.logger, harnessVersion: openclawVersion(api) });
      }
    })();
    st.gates.set(key, p);
  }
  return p;
}

/** @type {import("openclaw/plugin-sdk/plugin-entry").OpenClawPluginDefinition} */
const plugin = {
  id: PLUGIN_ID,
  name: "claw",
  description: "Decides every tool call against a signed WPC and CST with claw; writes a signed proof bundle.",
  /** @param {import("openclaw/plugin-sdk/plugin-entry").OpenClawPluginApi} api */
  register(api) {
    const cfg = api.pluginConfig ?? {};
    // Highest priority: claw's block is terminal and runs before other plugins' hooks.
    api.on(
      "before_tool_call",
      async (event, ctx) => {
        const gate = await gateFor(cfg, api);
        try {
          return await gate.beforeToolCall(event, ctx);
        } catch (e) {
          // Never let an error turn into "no decision": block with the reason.
          api.logger?.error?.(`claw: decision failed for ${event.toolName}: ${e?.message ?? e}`);
          return {
            block: true,
            blockReason: `claw blocked "${event.toolName}": ${e?.reasonCode ?? "CLAW_DECISION_FAILED"} (${String(e?.message ?? e).slice(0, 200)}).`,
          };
        }
      },
      { priority: 10000 },
    );
    api.on("after_tool_call", async (event, ctx) => {
      try {
        await (await gateFor(cfg, api)).afterToolCall(event, ctx);
      } catch (e) {
        api.logger?.error?.(`claw: recording ${event.toolName} failed: ${e?.message ?? e}`);
      }
    });
    // The model provider `claw-gateway` (docs/SPEC.md §7.12): its baseUrl and static headers
    // come from the config (`claw openclaw policy --gateway-url`); this plugin owns it, so it
    // can add each call's binding headers and collect the gateway's receipt into the run.
    api.registerProvider?.({
      id: GATEWAY_PROVIDER_ID,
      label: "claw-gateway (model calls receipted by claw's gateway)",
      auth: [],
      wrapStreamFn: (ctx) => wrapGatewayStreamFn(ctx, () => gateFor(cfg, api)),
    });
    // Needs plugins.entries.claw.hooks.allowConversationAccess: true (else never called).
    api.on("agent_end", async (event, ctx) => {
      try {
        await (await gateFor(cfg, api)).agentEnd(event, ctx);
      } catch (e) {
        api.logger?.error?.(`claw: writing the proof bundle failed: ${e?.message ?? e}`);
      }
    });
  },
};

export default plugin;

// The plugin entry as OpenClaw drives it: register() once per registration mode, hooks of the
// last registration fire, concurrently; the gate starts once per process, lazily.

import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import plugin from "../index.js";
import { captured, memoryLogger, setup } from "./helpers.js";

function fakeApi(config, mode, logger) {
  const hooks = new Map();
  return {
    id: "claw",
    name: "claw",
    version: "0.1.0",
    registrationMode: mode,
    pluginConfig: config,
    logger,
    get runtime() {
      if (mode === "cli-metadata") throw new Error("runtime unavailable in cli-metadata mode");
      return { version: "2026.9.6" };
    },
    on(name, handler, opts) {
      hooks.set(name, { handler, opts });
    },
    hooks,
  };
}

test("manifest and package declare what OpenClaw loads", () => {
  const manifest = JSON.parse(fs.readFileSync(new URL("../openclaw.plugin.json", import.meta.url), "utf8"));
  const pkg = JSON.parse(fs.readFileSync(new URL("../package.json", import.meta.url), "utf8"));
  assert.equal(manifest.id, plugin.id);
  assert.equal(manifest.configSchema.type, "object");
  assert.equal(manifest.configSchema.additionalProperties, false);
  assert.deepEqual(manifest.configSchema.required, ["policy", "policySigners", "job", "evidenceDir"]);
  assert.deepEqual(pkg.openclaw.extensions, ["./index.js"]);
  assert.equal(pkg.type, "module");
});

test("register() in every mode; the last registration's hooks work; one gate per process", async () => {
  // index.js reads the real clock.
  const s = setup({ now: Date.now() });
  const logger = memoryLogger();
  const apis = ["full", "discovery", "discovery"].map((m) => fakeApi(s.config, m, logger));
  for (const api of apis) {
    const r = plugin.register(api);
    assert.equal(r, undefined, "register stays synchronous");
    assert.deepEqual([...api.hooks.keys()].sort(), ["after_tool_call", "agent_end", "before_tool_call"]);
  }
  assert.equal(logger.lines.length, 0, "nothing is loaded at registration");
  const last = apis.at(-1).hooks;
  assert.equal(last.get("before_tool_call").opts.priority, 10000);
  const before = last.get("before_tool_call").handler;
  const hooks = captured("block").filter((h) => h.hook === "before_tool_call");
  // The two calls of one assistant message arrive concurrently.
  const [exec, write] = await Promise.all(hooks.map((h) => before(h.event, h.ctx)));
  assert.equal(exec, undefined);
  assert.match(write.blockReason, /POLICY_VIOLATION/);
  assert.equal(logger.lines.filter((l) => l.includes("verified")).length, 1, logger.lines.join("\n"));
  // An earlier registration's handler reaches the same gate.
  const again = await apis[0].hooks.get("before_tool_call").handler(hooks[1].event, hooks[1].ctx);
  assert.match(again.blockReason, /POLICY_VIOLATION/);
  assert.equal(logger.lines.filter((l) => l.includes("verified")).length, 1);
});

test("a config that cannot start blocks every call with the reason", async () => {
  const s = setup({ now: Date.now() });
  const logger = memoryLogger();
  const api = fakeApi({ ...s.config, policySigners: ["did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"] }, "discovery", logger);
  plugin.register(api);
  const r = await api.hooks.get("before_tool_call").handler({ toolName: "read", params: {} }, {});
  assert.equal(r.block, true);
  assert.match(r.blockReason, /SIGNER_NOT_ALLOWED/);
  assert.ok(logger.lines.some((l) => l.startsWith("error: claw: cannot start")));
  // after_tool_call and agent_end do not throw on a failed gate.
  await api.hooks.get("after_tool_call").handler({ toolName: "read" }, {});
  await api.hooks.get("agent_end").handler({ runId: "x" }, {});
});

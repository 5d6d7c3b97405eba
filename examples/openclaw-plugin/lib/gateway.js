// Model calls through claw-gateway (docs/SPEC.md §7.12). The plugin owns the OpenClaw model
// provider `claw-gateway` (declared in openclaw.plugin.json); `claw openclaw policy
// --gateway-url` writes its baseUrl and static headers. OpenClaw lets the provider's owner wrap
// the stream function of every model call, so for each call the wrapper
//   1. records the call in the run's recorder (an `llm_call` event) and gets the binding the
//      gateway must sign (run id, event hash, span ids);
//   2. sends that binding as the gateway's headers (with the run's policy hash as
//      X-Policy-Hash), with a fresh nonce (X-Idempotency-Key);
//   3. when the call has ended, fetches the gateway's receipt by that nonce
//      (GET /v1/receipt/:nonce) and attaches it to the pending call (the recorder checks its
//      signature, hashes and binding); a call without a receipt is abandoned and counted.

import crypto from "node:crypto";

export const GATEWAY_PROVIDER_ID = "claw-gateway";
const RECEIPT_WAIT_MS = 5000;
const RECEIPT_POLL_MS = 50;
const MAX_RECEIPT_BYTES = 1 << 20;

/** OpenClaw's run id from a stream call's options (`requestId` = `<runId>:model:<n>`). */
export function runIdOf(options) {
  const r = typeof options?.requestId === "string" ? options.requestId : "";
  const i = r.lastIndexOf(":model:");
  return i > 0 ? r.slice(0, i) : null;
}

/** The gateway's origin from the provider's baseUrl (`http://host:port/v1` → `http://host:port`). */
export function gatewayOrigin(baseUrl) {
  const u = new URL(String(baseUrl));
  const p = u.pathname.replace(/\/+$/, "");
  return `${u.origin}${p.endsWith("/v1") ? p.slice(0, -3) : p}`;
}

/** The binding headers of claw-gateway (docs/SPEC.md §8.3 step 2) for a recorder binding. */
export function bindingHeaders(binding, nonce) {
  const h = {
    "X-Run-Id": binding.run_id,
    "X-Event-Hash": binding.event_hash_b64u,
    "X-Idempotency-Key": nonce,
  };
  // The run's policy (the gate's WPC hash): the gateway enforces it and signs it into the
  // receipt's binding, which the recorder and the verifier compare with the run's.
  if (binding.policy_hash) h["X-Policy-Hash"] = binding.policy_hash;
  if (binding.span_id) h["X-Span-Id"] = binding.span_id;
  if (binding.parent_span_id) h["X-Parent-Span-Id"] = binding.parent_span_id;
  return h;
}

/**
 * Fetch a receipt by nonce, waiting a little: the gateway stores it when the upstream's last
 * byte has arrived, which can be just after the client saw the end of the stream.
 */
export async function fetchReceipt(origin, nonce, { fetchImpl = fetch, waitMs = RECEIPT_WAIT_MS } = {}) {
  const url = `${origin}/v1/receipt/${encodeURIComponent(nonce)}`;
  const deadline = Date.now() + waitMs;
  for (;;) {
    const r = await fetchImpl(url, { signal: AbortSignal.timeout(Math.max(100, deadline - Date.now())) });
    const text = await r.text();
    if (text.length > MAX_RECEIPT_BYTES) throw Object.assign(new Error("receipt answer too large"), { reasonCode: "RECEIPT_NOT_CARRIED" });
    if (r.status === 200) {
      const body = JSON.parse(text);
      if (!body?.receipt_envelope) throw Object.assign(new Error("no receipt_envelope in the answer"), { reasonCode: "RECEIPT_NOT_CARRIED" });
      return body.receipt_envelope;
    }
    if (r.status !== 404 || Date.now() >= deadline) {
      throw Object.assign(new Error(`GET /v1/receipt: HTTP ${r.status} ${text.slice(0, 200)}`), { reasonCode: "RECEIPT_NOT_FOUND" });
    }
    await new Promise((res) => setTimeout(res, RECEIPT_POLL_MS));
  }
}

/**
 * OpenClaw's `wrapStreamFn` for the claw-gateway provider. `gateFor()` resolves the process's
 * gate (a ClawGate, or a FailedGate that records nothing).
 */
export function wrapGatewayStreamFn(ctx, gateFor) {
  const inner = ctx?.streamFn;
  if (typeof inner !== "function") return undefined;
  return async (model, context, options) => {
    const gate = await gateFor();
    const call = gate.beginModelCall?.(runIdOf(options), { provider: GATEWAY_PROVIDER_ID, model: model?.id ?? ctx.modelId ?? "?" });
    if (!call) return inner(model, context, options);
    const nonce = `claw-${crypto.randomUUID()}`;
    const headers = { ...(options?.headers ?? {}), ...bindingHeaders(call.binding, nonce) };
    let stream;
    try {
      stream = await inner(model, context, { ...options, headers });
    } catch (e) {
      call.settle(Promise.reject(e));
      throw e;
    }
    const ended = typeof stream?.result === "function" ? stream.result() : Promise.resolve();
    // Whatever the call's outcome, the gateway signed a receipt if it forwarded the call.
    call.settle(
      ended.then(
        () => fetchReceipt(gatewayOrigin(model.baseUrl), nonce),
        () => fetchReceipt(gatewayOrigin(model.baseUrl), nonce),
      ),
    );
    return stream;
  };
}

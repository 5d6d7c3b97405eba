// The incident switches file: read again whenever its mtime (or size) changes, checked
// before every decision.
//
// {
//   "denied_tools":          ["exec", "web_*"],      // deny these tools now (globs as in the WPC)
//   "denied_policy_hashes":  ["<b64u>"],             // this policy (or an ancestor) is withdrawn
//   "required_policy_hash":  "<b64u>",               // only this policy may decide (reload it)
//   "revoke_token":          true,                   // revoke the job's CST
//   "revoked_token_hashes":  ["<hex>"],              // revoke CSTs by token hash
//   "revoked_jtis":          ["<jti>"]               // revoke CSTs by jti
// }
//
// A missing file means "no overrides". A file that cannot be read or parsed, or that has a
// member not listed above, blocks every tool call until it is fixed: an incident switch that
// is silently ignored would be worse than none.

import fs from "node:fs";

const POLICY_KEYS = ["denied_tools", "denied_policy_hashes", "required_policy_hash"];
const TOKEN_KEYS = ["revoke_token", "revoked_token_hashes", "revoked_jtis"];
const MAX_BYTES = 256 * 1024;

export class OverridesError extends Error {
  constructor(message) {
    super(message);
    this.reasonCode = "OVERRIDES_INVALID";
  }
}

function stringList(doc, key) {
  const v = doc[key];
  if (v === undefined) return [];
  if (!Array.isArray(v) || v.some((x) => typeof x !== "string" || x.length === 0)) {
    throw new OverridesError(`${key} must be an array of non-empty strings`);
  }
  return v;
}

/**
 * @typedef {{ denied_tools?: string[], denied_policy_hashes?: string[], required_policy_hash?: string }} PolicyOverrides
 * @typedef {{ revokeToken: boolean, tokenHashes: readonly string[], jtis: readonly string[] }} TokenOverrides
 * @typedef {{ policy: PolicyOverrides, token: TokenOverrides }} Overrides
 */

/**
 * Parse the overrides document (throws OverridesError).
 * @param {string} text
 * @returns {Overrides}
 */
export function parseOverrides(text) {
  let doc;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new OverridesError(`not JSON: ${e.message}`);
  }
  if (doc === null || typeof doc !== "object" || Array.isArray(doc)) {
    throw new OverridesError("must be a JSON object");
  }
  for (const k of Object.keys(doc)) {
    if (!POLICY_KEYS.includes(k) && !TOKEN_KEYS.includes(k)) {
      throw new OverridesError(`unknown member ${JSON.stringify(k)}`);
    }
  }
  /** @type {PolicyOverrides} */
  const policy = {};
  for (const k of ["denied_tools", "denied_policy_hashes"]) {
    const l = stringList(doc, k);
    if (l.length) policy[k] = l;
  }
  if (doc.required_policy_hash !== undefined) {
    if (typeof doc.required_policy_hash !== "string") throw new OverridesError("required_policy_hash must be a string");
    policy.required_policy_hash = doc.required_policy_hash;
  }
  if (doc.revoke_token !== undefined && typeof doc.revoke_token !== "boolean") {
    throw new OverridesError("revoke_token must be a boolean");
  }
  return {
    policy,
    token: {
      revokeToken: doc.revoke_token === true,
      tokenHashes: stringList(doc, "revoked_token_hashes"),
      jtis: stringList(doc, "revoked_jtis"),
    },
  };
}

/** @type {Overrides} */
export const NO_OVERRIDES = Object.freeze({
  policy: Object.freeze({}),
  token: Object.freeze({ revokeToken: false, tokenHashes: Object.freeze([]), jtis: Object.freeze([]) }),
});

/** Watches one overrides file; `current()` returns `{ changed, overrides }` or throws. */
export class OverridesWatch {
  constructor(path, { statSync = fs.statSync, readFileSync = fs.readFileSync } = {}) {
    this.path = path;
    this.statSync = statSync;
    this.readFileSync = readFileSync;
    this.stamp = undefined; // undefined: never looked; null: file absent
    /** @type {Overrides} */
    this.value = NO_OVERRIDES;
    this.error = null;
  }

  current() {
    if (!this.path) return { changed: false, overrides: NO_OVERRIDES };
    let stamp;
    try {
      const st = this.statSync(this.path);
      stamp = `${st.mtimeMs}:${st.size}:${st.ino}`;
    } catch (e) {
      if (e && e.code === "ENOENT") stamp = null;
      else {
        this.stamp = undefined;
        throw new OverridesError(`cannot stat ${this.path}: ${e.message}`);
      }
    }
    if (stamp === this.stamp) {
      if (this.error) throw this.error;
      return { changed: false, overrides: this.value };
    }
    this.stamp = stamp;
    this.error = null;
    if (stamp === null) {
      this.value = NO_OVERRIDES;
      return { changed: true, overrides: this.value };
    }
    try {
      const buf = this.readFileSync(this.path);
      if (buf.length > MAX_BYTES) throw new OverridesError(`larger than ${MAX_BYTES} bytes`);
      this.value = parseOverrides(buf.toString("utf8"));
      return { changed: true, overrides: this.value };
    } catch (e) {
      this.error = e instanceof OverridesError ? e : new OverridesError(String(e?.message ?? e));
      throw this.error;
    }
  }
}

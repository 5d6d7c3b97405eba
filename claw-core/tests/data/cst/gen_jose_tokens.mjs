// Generate jose_tokens.json: CSTs signed by the `jose` npm package for claw-core's Rust
// interop tests. Fixed key (the same issuer seed as gen_pyjwt_tokens.py) and fixed times, so
// the output is reproducible.   npm install jose && node gen_jose_tokens.mjs
import { writeFileSync } from "node:fs";
import { createHash } from "node:crypto";
import { importJWK, SignJWT } from "jose";

const NOW = 1700000000;
const b64u = (b) => Buffer.from(b).toString("base64url");
// Ed25519 private JWK for seed 0x11 * 32 (the public half is derived by jose on import).
const d = b64u(Buffer.alloc(32, 0x11));
const x = "0EqyMnQrtKs6E2i9RhXk5tAiSrcaAWuvhSCjMsl3hzc";
const key = await importJWK({ kty: "OKP", crv: "Ed25519", d, x }, "EdDSA");
const kid = createHash("sha256").update(Buffer.from(x, "base64url")).digest("hex").slice(0, 16);

const claims = {
  token_version: "1",
  sub: "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK",
  aud: "gateway.test",
  scope: ["tool:execute"],
  mission_id: "job-1",
  jti: "jose-jti-1",
};
const sign = (header, extra = {}) =>
  new SignJWT({ ...claims, ...extra })
    .setProtectedHeader(header)
    .setIssuedAt(NOW - 10)
    .setExpirationTime(NOW + 290)
    .sign(key);

const cases = [
  { name: "valid_jose_typ_jwt", token: await sign({ alg: "EdDSA", typ: "JWT", kid }), expect: "ok" },
  { name: "valid_jose_nbf", token: await sign({ alg: "EdDSA", typ: "JWT", kid }, { nbf: NOW - 1 }), expect: "ok" },
  { name: "jose_default_header_no_typ", token: await sign({ alg: "EdDSA", kid }), expect: "TOKEN_TYP_INVALID" },
  { name: "jose_no_kid", token: await sign({ alg: "EdDSA", typ: "JWT" }), expect: "TOKEN_UNKNOWN_KID" },
];
writeFileSync(
  new URL("./jose_tokens.json", import.meta.url),
  JSON.stringify({ generator: "gen_jose_tokens.mjs", now: NOW, issuer_jwk: { kty: "OKP", crv: "Ed25519", x }, cases }, null, 2) + "\n",
);
console.log(`wrote jose_tokens.json (${cases.length} cases)`);

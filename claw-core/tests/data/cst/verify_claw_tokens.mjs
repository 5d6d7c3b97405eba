// Verify the claw-minted tokens in claw_tokens.json with the `jose` npm package, using only
// the issuer's public JWK.   npm install jose && node verify_claw_tokens.mjs
import { readFileSync } from "node:fs";
import { importJWK, jwtVerify } from "jose";

const doc = JSON.parse(readFileSync(new URL("./claw_tokens.json", import.meta.url)));
const key = await importJWK(doc.issuer_jwk, "EdDSA");
let ok = 0;
for (const t of doc.tokens) {
  const { payload, protectedHeader } = await jwtVerify(t.token, key, {
    algorithms: ["EdDSA"],
    audience: doc.audience,
    typ: "JWT",
  });
  if (JSON.stringify(protectedHeader) !== JSON.stringify({ alg: "EdDSA", typ: "JWT", kid: t.kid }))
    throw new Error(`${t.name}: header ${JSON.stringify(protectedHeader)}`);
  if (JSON.stringify(payload) !== JSON.stringify(t.claims))
    throw new Error(`${t.name}: claims differ`);
  ok++;
}
console.log(`jose: ${ok} claw tokens verified`);

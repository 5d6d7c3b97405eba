//! Tools for building attacks on claw by hand, shared by the catalogue in `tests/`.
//!
//! Nothing here is product code: these helpers forge what an attacker would send (compact JWS
//! with any header and signature, HMAC tags, signatures with `S + L`, weak and non-canonical
//! Ed25519 points, envelopes with any signer) so that each test in `tests/` can state one
//! attack and the exact reason code claw answers it with. See `README.md` for the table.
#![forbid(unsafe_code)]

use claw_core::b64;
use claw_core::envelope::{self, Envelope};
use claw_core::evidence::{
    Bundle, BundleOptions, Gateway, ModelCall, Recorder, ToolCall, ToolStatus, VerifyConfig,
};
use claw_core::hash::sha256;
use claw_core::keys::SigningKey;
use serde_json::{json, Value};

/// The clock of every token test (epoch seconds).
pub const NOW: i64 = 1_700_000_000;
/// The audience every token test validates for.
pub const AUD: &str = "gateway.test";
/// The action every token test asks for.
pub const ACTION: &str = "tool:execute";
/// Base time of the evidence tests (epoch milliseconds, 2026-03-31T23:33:20Z).
pub const T0_MS: i64 = 1_775_000_000_000;

/// The trusted token issuer.
pub fn issuer() -> SigningKey {
    SigningKey::from_seed(&[0x11; 32])
}

/// A key nobody trusts.
pub fn attacker() -> SigningKey {
    SigningKey::from_seed(&[0x66; 32])
}

/// `{"alg":"EdDSA","typ":"JWT","kid":<issuer's reference kid>}`.
pub fn good_header() -> String {
    format!(
        r#"{{"alg":"EdDSA","typ":"JWT","kid":"{}"}}"#,
        issuer().verifying_key().reference_kid()
    )
}

/// Valid claims for [`AUD`] and [`ACTION`], issued a minute before [`NOW`], for five minutes.
pub fn good_claims() -> Value {
    json!({
        "token_version": "1",
        "sub": "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK",
        "aud": AUD,
        "scope": [ACTION],
        "iat": NOW - 60,
        "exp": NOW + 240,
        "jti": "jti-0001",
    })
}

/// `b64u(header) "." b64u(payload)`: the JWS signing input, from exact bytes.
pub fn signing_input(header: &str, payload: &str) -> String {
    format!("{}.{}", b64::encode(header), b64::encode(payload))
}

/// A compact JWS over the exact `header` and `payload` bytes, signed with `key` (Ed25519).
pub fn jws(header: &str, payload: &str, key: &SigningKey) -> String {
    let si = signing_input(header, payload);
    let sig = key.sign(si.as_bytes());
    format!("{si}.{}", b64::encode(sig))
}

/// A compact JWS with any signature bytes (empty for `alg: none`).
pub fn jws_with_signature(header: &str, payload: &str, sig: &[u8]) -> String {
    format!("{}.{}", signing_input(header, payload), b64::encode(sig))
}

/// The token every attack starts from: [`good_header`], [`good_claims`], signed by [`issuer`].
pub fn good_token() -> String {
    jws(&good_header(), &good_claims().to_string(), &issuer())
}

/// HMAC-SHA256 (RFC 2104), for the "HS256 keyed with the public key" attack.
pub fn hmac_sha256(key: &[u8], msg: &[u8]) -> [u8; 32] {
    let mut k = [0u8; 64];
    if key.len() > 64 {
        k[..32].copy_from_slice(&sha256(key));
    } else {
        k[..key.len()].copy_from_slice(key);
    }
    let mut inner: Vec<u8> = k.iter().map(|b| b ^ 0x36).collect();
    inner.extend_from_slice(msg);
    let mut outer: Vec<u8> = k.iter().map(|b| b ^ 0x5c).collect();
    outer.extend_from_slice(&sha256(inner));
    sha256(outer)
}

/// The order of the Ed25519 group, `L = 2^252 + 27742317777372353535851937790883648493`,
/// little-endian.
pub const GROUP_ORDER_L: [u8; 32] = [
    0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
];

/// The malleated twin of an Ed25519 signature: the same `R`, and `S + L` instead of `S`.
/// Lax verifiers (reducing `S` mod `L`) accept both; RFC 8032 §5.1.7 and claw refuse it.
pub fn malleate(sig: &[u8; 64]) -> [u8; 64] {
    let mut out = *sig;
    let mut carry = 0u16;
    for (o, l) in out[32..].iter_mut().zip(GROUP_ORDER_L) {
        let sum = u16::from(*o) + u16::from(l) + carry;
        *o = (sum & 0xff) as u8;
        carry = sum >> 8;
    }
    out
}

/// A signature by the holder of `seed` over `msg` whose `R` carries the torsion point
/// `EIGHT_TORSION[t]`: `R = [r]B + T`, `s = r + H(R ‖ A ‖ M)·a`. It binds `msg` (only the key
/// holder can make it), but `verify_strict` refuses it while a cofactorless batch equation
/// accepts it whenever the item's coefficient kills `T`; `nonce` varies `r`.
pub fn torsioned_signature(seed: &[u8; 32], msg: &[u8], nonce: u64, t: usize) -> [u8; 64] {
    use curve25519_dalek::constants::{ED25519_BASEPOINT_POINT, EIGHT_TORSION};
    use curve25519_dalek::scalar::Scalar;
    use sha2::{Digest, Sha512};
    let h = Sha512::digest(seed);
    let mut a_bytes = [0u8; 32];
    a_bytes.copy_from_slice(&h[..32]);
    a_bytes[0] &= 248;
    a_bytes[31] &= 127;
    a_bytes[31] |= 64;
    let a = Scalar::from_bytes_mod_order(a_bytes);
    let public = (ED25519_BASEPOINT_POINT * a).compress();
    let r = Scalar::from_hash(
        Sha512::new()
            .chain_update(nonce.to_le_bytes())
            .chain_update(msg),
    );
    let big_r = (ED25519_BASEPOINT_POINT * r + EIGHT_TORSION[t % 8]).compress();
    let k = Scalar::from_hash(
        Sha512::new()
            .chain_update(big_r.as_bytes())
            .chain_update(public.as_bytes())
            .chain_update(msg),
    );
    let s = r + k * a;
    let mut sig = [0u8; 64];
    sig[..32].copy_from_slice(big_r.as_bytes());
    sig[32..].copy_from_slice(s.as_bytes());
    sig
}

/// Encodings of Ed25519 points an attacker would like a verifier to accept as a public key.
pub mod points {
    /// The identity (0, 1): order 1. With it, `(R = identity, S = 0)` "verifies" any message
    /// under a verifier that skips the small-order check.
    pub const IDENTITY: [u8; 32] = {
        let mut b = [0u8; 32];
        b[0] = 1;
        b
    };
    /// (0, −1): order 2.
    pub const ORDER_2: [u8; 32] = [
        0xec, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
        0xff, 0x7f,
    ];
    /// (√−1, 0): order 4 (y = 0).
    pub const ORDER_4: [u8; 32] = [0u8; 32];
    /// An order-8 point (from the Wycheproof and "Taming the many EdDSAs" lists).
    pub const ORDER_8: [u8; 32] = [
        0xc7, 0x17, 0x6a, 0x70, 0x3d, 0x4d, 0xd8, 0x4f, 0xba, 0x3c, 0x0b, 0x76, 0x0d, 0x10, 0x67,
        0x0f, 0x2a, 0x20, 0x53, 0xfa, 0x2c, 0x39, 0xcc, 0xc6, 0x4e, 0xc7, 0xfd, 0x77, 0x92, 0xac,
        0x03, 0x7a,
    ];
    /// y = p + 1: a non-canonical spelling of the identity (y ≥ p).
    pub const NON_CANONICAL_IDENTITY: [u8; 32] = [
        0xee, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
        0xff, 0x7f,
    ];
    /// y = p + 2 with the sign bit clear: a non-canonical spelling of a point whose canonical
    /// y is 2 (y ≥ p is never canonical).
    pub const NON_CANONICAL_Y: [u8; 32] = [
        0xef, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
        0xff, 0x7f,
    ];
}

/// `did:key:z…` for any 32 bytes, weak or not (claw would never write one for a weak key).
pub fn did_key_of(raw: &[u8; 32]) -> String {
    let mut buf = vec![0xed, 0x01];
    buf.extend_from_slice(raw);
    format!("did:key:z{}", bs58::encode(buf).into_string())
}

/// A public OKP JWK for any 32 bytes.
pub fn jwk_of(raw: &[u8; 32]) -> String {
    format!(
        r#"{{"kty":"OKP","crv":"Ed25519","x":"{}"}}"#,
        b64::encode(raw)
    )
}

/// An envelope of `envelope_type` over `payload` (sorted), signed by `key`, as JSON text.
pub fn signed_envelope(envelope_type: &str, payload: &Value, key: &SigningKey) -> String {
    envelope::sign(envelope_type, payload, key, T0_MS, None)
        .and_then(|e| e.to_json())
        .expect("signing a JSON object cannot fail")
}

/// An envelope as a JSON value, for editing fields before re-serializing.
pub fn envelope_value(e: &Envelope) -> Value {
    e.to_value()
}

/// A deterministic RNG for reproducible evidence (tests only): SHA-256(seed ‖ counter).
#[derive(Debug)]
pub struct TestRng {
    seed: u64,
    counter: u64,
    buf: Vec<u8>,
}

impl TestRng {
    /// A generator for `seed`.
    pub fn new(seed: u64) -> TestRng {
        TestRng {
            seed,
            counter: 0,
            buf: Vec::new(),
        }
    }
}

impl rand_core::RngCore for TestRng {
    fn next_u32(&mut self) -> u32 {
        rand_core::impls::next_u32_via_fill(self)
    }
    fn next_u64(&mut self) -> u64 {
        rand_core::impls::next_u64_via_fill(self)
    }
    fn fill_bytes(&mut self, dest: &mut [u8]) {
        for d in dest {
            if self.buf.is_empty() {
                let mut input = self.seed.to_le_bytes().to_vec();
                input.extend_from_slice(&self.counter.to_le_bytes());
                self.counter += 1;
                self.buf = sha256(input).to_vec();
            }
            *d = self.buf.pop().unwrap_or(0);
        }
    }
    fn try_fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), rand_core::Error> {
        self.fill_bytes(dest);
        Ok(())
    }
}
impl rand_core::CryptoRng for TestRng {}

/// The gateway whose receipts the verifier trusts.
pub fn gateway() -> Gateway {
    Gateway::new("gw_adversarial", SigningKey::from_seed(&[9u8; 32])).expect("gateway id")
}

/// A verifier configuration at `T0 + 1 day` trusting [`gateway`], signatures checked one by
/// one on one thread.
pub fn verify_config() -> VerifyConfig {
    let mut cfg = VerifyConfig::new(T0_MS + 86_400_000);
    cfg.allowlists.gateway_receipt_signer_dids = vec![gateway().did()];
    cfg.sig_mode = claw_core::evidence::SigMode::Sequential;
    cfg.threads = 1;
    cfg
}

/// A small honest run by `agent` (seeded): a model call through [`gateway`] and the given tool
/// calls, finished into a signed proof bundle.
pub fn honest_bundle(agent: &SigningKey, seed: u64, tools: &[&str]) -> Bundle {
    let mut rng = TestRng::new(seed);
    let mut rec = Recorder::new(agent.clone(), &mut rng);
    let mut t = T0_MS;
    rec.record_event("run_start", &json!({"task": "adversarial"}), t, &mut rng)
        .expect("event");
    t += 5;
    rec.record_model_call(
        &gateway(),
        &ModelCall {
            provider: "anthropic",
            model: "claude-test",
            request: b"{\"prompt\":1}",
            response: b"{\"ok\":true}",
            tokens_input: 10,
            tokens_output: 20,
            latency_ms: 3,
            timestamp_ms: t,
            metadata: None,
        },
        &mut rng,
    )
    .expect("model call");
    for name in tools {
        t += 5;
        rec.record_tool_call(
            &ToolCall {
                tool_name: name,
                tool_version: Some("1.0"),
                args: &json!({"path": "src/lib.rs"}),
                result: &json!({"ok": true}),
                result_status: ToolStatus::Success,
                latency_ms: 1,
                timestamp_ms: t,
            },
            &mut rng,
        )
        .expect("tool call");
    }
    rec.finish(&BundleOptions::default(), t + 10, &mut rng)
        .expect("bundle")
}

/// Re-sign an edited bundle payload as a `proof_bundle` envelope by `key`: what an agent (or
/// anyone) can always do with a payload it altered.
pub fn resign_bundle(payload: &Value, key: &SigningKey) -> String {
    signed_envelope("proof_bundle", payload, key)
}

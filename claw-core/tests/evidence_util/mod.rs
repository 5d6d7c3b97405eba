//! Helpers shared by the evidence tests and the benchmarks (`benches/src/lib.rs` includes
//! this file): a deterministic RNG and a bundle generator.
#![allow(dead_code)]

use claw_core::evidence::{
    ApprovalType, Bundle, BundleOptions, Delegation, EffectClass, Gateway, HumanApproval,
    ModelCall, Recorder, ResponseStatus, SideEffect, ToolCall, ToolStatus, VerifyConfig,
};
use claw_core::hash;
use claw_core::keys::SigningKey;
use serde_json::json;

/// A deterministic "CSPRNG" for tests: SHA-256(seed ‖ counter).
pub struct TestRng {
    seed: u64,
    counter: u64,
    buf: Vec<u8>,
}

impl TestRng {
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
                self.buf = hash::sha256(input).to_vec();
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

pub const T0: i64 = 1_775_000_000_000; // 2026-03-31T23:33:20Z

pub fn agent_key() -> SigningKey {
    SigningKey::from_seed(&[7u8; 32])
}

pub fn gateway() -> Gateway {
    Gateway::new("gw_claw_test", SigningKey::from_seed(&[9u8; 32])).unwrap()
}

pub fn config() -> VerifyConfig {
    let mut cfg = VerifyConfig::new(T0 + 86_400_000);
    cfg.allowlists.gateway_receipt_signer_dids = vec![gateway().did()];
    cfg
}

/// A run with `n` receipts cycling through every kind: model call (gateway receipt), tool
/// call, side effect, human approval, delegation; plus a policy decision event every 10.
/// What a generated bundle's receipts are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mix {
    /// The five kinds in turn: gateway (signed), tool, side-effect, approval, delegation.
    Mixed,
    /// Gateway receipts only: every receipt carries an Ed25519 signature to check.
    Gateway,
}

impl Mix {
    pub fn name(self) -> &'static str {
        match self {
            Mix::Mixed => "mixed",
            Mix::Gateway => "gateway",
        }
    }

    pub fn parse(s: &str) -> Option<Mix> {
        [Mix::Mixed, Mix::Gateway]
            .into_iter()
            .find(|m| m.name() == s)
    }
}

/// A bundle of `n` receipts of every kind in turn, with a policy decision event every ten.
pub fn build(n: usize, seed: u64) -> Bundle {
    build_mix(n, seed, Mix::Mixed)
}

/// A bundle of `n` receipts of the kinds `mix` says.
pub fn build_mix(n: usize, seed: u64, mix: Mix) -> Bundle {
    let mut rng = TestRng::new(seed);
    let gw = gateway();
    let mut rec = Recorder::new(agent_key(), &mut rng);
    let mut t = T0;
    rec.record_event("run_start", &json!({"task": "test"}), t, &mut rng)
        .unwrap();
    let mut made = 0;
    let mut i = 0usize;
    while made < n {
        t += 5;
        match if mix == Mix::Gateway { 0 } else { i % 5 } {
            0 => {
                let req = format!("{{\"prompt\":{i}}}");
                rec.record_model_call(
                    &gw,
                    &ModelCall {
                        provider: "anthropic",
                        model: "claude-test",
                        request: req.as_bytes(),
                        response: b"{\"ok\":true}",
                        tokens_input: 10 + i as u64,
                        tokens_output: 20,
                        latency_ms: 3,
                        timestamp_ms: t,
                        metadata: None,
                    },
                    &mut rng,
                )
                .unwrap();
            }
            1 => {
                let args = json!({"path": format!("src/file{}.rs", i % 7), "n": i});
                rec.record_tool_call(
                    &ToolCall {
                        tool_name: if i & 1 == 0 {
                            "read_file"
                        } else {
                            "write_file"
                        },
                        tool_version: Some("1.0"),
                        args: &args,
                        result: &json!({"ok": true}),
                        result_status: ToolStatus::Success,
                        latency_ms: 1,
                        timestamp_ms: t,
                    },
                    &mut rng,
                )
                .unwrap();
            }
            2 => {
                rec.record_side_effect(
                    &SideEffect {
                        effect_class: EffectClass::NetworkEgress,
                        target: b"https://api.example.com/v1/items",
                        vendor_id: Some("example"),
                        request: b"POST /v1/items",
                        response: b"201",
                        response_status: Some(ResponseStatus::Success),
                        bytes_written: Some(42),
                        latency_ms: 2,
                        timestamp_ms: t,
                    },
                    &mut rng,
                )
                .unwrap();
            }
            3 => {
                rec.record_human_approval(
                    &HumanApproval {
                        approval_type: ApprovalType::ExplicitApprove,
                        approver_subject: "user:alice",
                        approver_method: None,
                        scope: &json!({"tool": "deploy", "env": "staging"}),
                        scope_summary: Some("deploy to staging"),
                        policy_hash_b64u: None,
                        minted_capability_id: None,
                        minted_capability_ttl_seconds: Some(300),
                        plan: Some(&json!(["build", "deploy"])),
                        timestamp_ms: t,
                    },
                    &mut rng,
                )
                .unwrap();
            }
            _ => {
                rec.record_delegation(
                    &Delegation {
                        delegate_did: &SigningKey::from_seed(&[3u8; 32]).verifying_key().did(),
                        task_description: b"summarize the logs",
                        delegate_bundle_hash_b64u: &hash::sha256_b64u(format!("child{i}")),
                        delegation_policy: None,
                        delegated_at_ms: t,
                        completed_at_ms: Some(t + 1),
                    },
                    &mut rng,
                )
                .unwrap();
                t += 1;
            }
        }
        made += 1;
        if i % 10 == 9 {
            t += 1;
            rec.record_decision(
                &json!({"action": "tool:write_file", "effect": "allow", "reason_code": "OK"}),
                t,
                &mut rng,
            )
            .unwrap();
        }
        i += 1;
    }
    rec.finish(&BundleOptions::default(), t + 10, &mut rng)
        .unwrap()
}

/// A bundle value's bytes as its payload hash reads them (JavaScript key order).
pub fn text(v: &serde_json::Value) -> Vec<u8> {
    claw_core::json::serialize(v, claw_core::json::KeyOrder::JavaScript).unwrap()
}

/// Re-sign an envelope's payload with the agent key (the insider case).
pub fn resign(env: &mut serde_json::Value) {
    use serde_json::Value;
    let h = hash::sha256_b64u(text(&env["payload"]));
    env["signature_b64u"] = Value::String(claw_core::b64::encode(agent_key().sign(h.as_bytes())));
    env["payload_hash_b64u"] = Value::String(h);
}

//! Seed inputs for the fuzz targets that claw emits itself (`fuzz/seeds/<target>/`): signed
//! policies, compiled authoring documents, an emitted proof bundle, receipt and consistency
//! proofs, keys. `scripts/fuzz.sh` copies them into the corpora next to the shared vectors.
//!
//! `CLAW_REGEN_FUZZ_SEEDS=1 cargo test -p claw-core --test fuzz_seeds` rewrites them (the
//! generation is deterministic). Otherwise this test checks that every committed seed is still
//! an input its target accepts (a bundle still VALID, a proof still verifying, a policy still
//! parsing), so the corpora do not silently rot into inputs rejected at the first check.
mod evidence_util;

use claw_core::envelope::Signers;
use claw_core::evidence::{
    verify_bundle, verify_consistency_proof, verify_receipt_proof, BundleOptions, ModelCall,
    Recorder, ToolCall, ToolStatus,
};
use claw_core::keys::{SigningKey, VerifyingKey};
use claw_core::wpc::{self, compile_authoring, sign_policy, verify_policy_envelope, Policy};
use evidence_util::{agent_key, config, gateway, TestRng, T0};
use serde_json::json;
use std::collections::BTreeMap;
use std::path::PathBuf;

fn seeds_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../fuzz/seeds")
}

/// A v2 policy exercising every condition operator, approvals, a glob Deny and metadata.
const POLICY_V2: &str = r#"{
  "policy_version": "2", "policy_id": "fuzz-seed-v2", "issuer_did": "did:key:z6MkSeed",
  "statements": [
    {"sid": "deny-shell", "effect": "Deny", "actions": ["tool:*"], "resources": ["shell_exec", "exec_*"]},
    {"sid": "deny-secrets", "effect": "Deny", "actions": ["tool:execute"], "resources": ["**/secrets/**"]},
    {"sid": "allow-read", "effect": "Allow", "actions": ["tool:execute"], "resources": ["read_file", "src/**/*.rs"],
     "conditions": {"StringEquals": {"Data:Class": "internal"}, "StringNotLike": {"Tool:Name": "*.pem"}}},
    {"sid": "allow-mail", "effect": "Allow", "actions": ["tool:execute"], "resources": ["send_email"],
     "conditions": {"Bool": {"Request:HasHumanApproval": "true"}}},
    {"sid": "allow-model", "effect": "Allow", "actions": ["model:invoke"], "resources": ["claude-*", "gpt-?o"],
     "conditions": {"StringEquals": {"Model:Provider": "anthropic"}, "NumericLessThan": {"Context:Hour": "18"},
                    "NumericGreaterThan": {"Context:DayOfWeek": "0"}}},
    {"sid": "allow-egress", "effect": "Allow", "actions": ["side_effect:network_egress"], "resources": ["*.example.com"],
     "conditions": {"IpAddress": {"Source:Ip": "10.0.0.0/8"}, "StringLike": {"Source:Ip": "10.*"},
                    "NumericEquals": {"Count": "1e3"}, "StringNotEquals": {"Tenant": "evil"}}}
  ],
  "metadata": {"claw.dev/v1": {"policy_name": "seed", "run_time_limit_minutes": 60,
    "data_classes": {"allowed": ["internal"], "denied": ["regulated_pii"]},
    "token_requirements": {"require_cst": true, "pin_cst_to_policy_hash": true, "max_ttl_minutes": 30}}}
}"#;

/// A v1 policy (allowlists only).
const POLICY_V1: &str = r#"{
  "policy_version": "1", "policy_id": "fuzz-seed-v1", "issuer_did": "did:key:z6MkSeed",
  "allowed_providers": ["anthropic"], "allowed_models": ["claude-*"], "egress_allowlist": ["api.example.com"],
  "redaction_rules": [{"path": "$.email", "action": "hash"}], "receipt_privacy_mode": "hash_only"
}"#;

/// A child policy naming a parent that is never supplied.
const POLICY_CHILD: &str = r#"{
  "policy_version": "2", "policy_id": "fuzz-seed-child", "issuer_did": "did:key:z6MkSeed",
  "inherits": "org-base",
  "statements": [{"sid": "allow-all-tools", "effect": "Allow", "actions": ["tool:*"], "resources": ["*"]}]
}"#;

const OVERRIDES: &str = r#"{"denied_tools": ["shell_exec", "browser_*"],
  "denied_policy_hashes": ["AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"]}"#;

const AUTHORING_SMALL: &str = r#"{
  "policy_name": "fuzz-seed-authoring", "issuer_did": "did:web:example.com",
  "tool_classes": {"read_only": ["git_log", "read_file"], "browser": ["browser_*"]},
  "allowed_tools": ["read_only", "ticket_comment"], "denied_tools": ["shell_exec", "browser"],
  "approvals": [{"action": "send_external_email"}],
  "allowed_models": ["claude-*"], "egress_allowlist": ["api.example.com"]
}"#;

/// Every seed, by target and file name.
fn generate() -> BTreeMap<(&'static str, String), Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut put = |t: &'static str, name: &str, bytes: Vec<u8>| {
        out.insert((t, name.to_string()), bytes);
    };

    // Policies, raw and signed.
    let signer = SigningKey::from_seed(&[0x42; 32]);
    let invoice = std::fs::read_to_string(
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../examples/policy/invoice-triage.authoring.json"),
    )
    .expect("example authoring policy");
    let compiled = compile_authoring(&invoice).expect("example compiles");
    let small = compile_authoring(AUTHORING_SMALL).expect("small authoring compiles");
    for (name, text) in [
        ("v2_conditions.json", POLICY_V2.to_string()),
        ("v1_allowlists.json", POLICY_V1.to_string()),
        ("child_without_parent.json", POLICY_CHILD.to_string()),
        (
            "invoice_triage_compiled.json",
            String::from_utf8(compiled.canonical_bytes()).expect("UTF-8"),
        ),
        (
            "small_authoring_compiled.json",
            String::from_utf8(small.canonical_bytes()).expect("UTF-8"),
        ),
    ] {
        let policy = Policy::parse(text.as_bytes()).expect("seed policy parses");
        put("wpc_decide", name, text.clone().into_bytes());
        let env = sign_policy(&policy, &signer, T0, Some(T0 + 86_400_000 * 365)).expect("sign");
        let signed = env.to_json().expect("envelope JSON").into_bytes();
        put("wpc_decide", &format!("signed_{name}"), signed.clone());
        put("envelope_verify", &format!("policy_{name}"), signed);
    }
    put(
        "wpc_decide",
        "overrides.json",
        OVERRIDES.as_bytes().to_vec(),
    );
    put("wpc_authoring", "invoice_triage.json", invoice.into_bytes());
    put(
        "wpc_authoring",
        "small.json",
        AUTHORING_SMALL.as_bytes().to_vec(),
    );

    // A run with checkpoints in the middle, so a consistency proof exists, then a bundle.
    let mut rng = TestRng::new(99);
    let gw = gateway();
    let mut rec = Recorder::with_run_id(agent_key(), "run_fuzzseed0001").expect("run id");
    let mut t = T0;
    rec.record_event("run_start", &json!({"task": "seed"}), t, &mut rng)
        .expect("event");
    let tool = |rec: &mut Recorder, rng: &mut TestRng, name: &str, t: i64| {
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
            rng,
        )
        .expect("tool call");
    };
    t += 5;
    tool(&mut rec, &mut rng, "read_file", t);
    t += 5;
    rec.record_model_call(
        &gw,
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
    t += 5;
    let first = rec.checkpoint(t).expect("checkpoint");
    for name in ["write_file", "git_log", "read_file"] {
        t += 5;
        tool(&mut rec, &mut rng, name, t);
    }
    t += 5;
    let second = rec.checkpoint(t).expect("checkpoint");
    let consistency = rec.consistency_proof(&first, &second).expect("consistency");
    put(
        "receipt_proofs",
        "consistency.json",
        consistency.to_json().expect("JSON").into_bytes(),
    );
    put(
        "envelope_verify",
        "checkpoint.json",
        serde_json::to_vec(&second.to_value()).expect("JSON"),
    );
    let bundle = rec
        .finish(&BundleOptions::default(), t + 10, &mut rng)
        .expect("bundle");
    let text = bundle.to_json().expect("bundle JSON");
    put(
        "bundle_verify",
        "emitted_small.json",
        text.clone().into_bytes(),
    );
    put("envelope_verify", "bundle.json", text.into_bytes());
    let mut kinds = std::collections::HashSet::new();
    for leaf in bundle.leaves() {
        if kinds.insert(leaf.kind) {
            let proof = bundle.receipt_proof(leaf.receipt_id()).expect("proof");
            put(
                "receipt_proofs",
                &format!("receipt_{}.json", leaf.kind.type_name()),
                proof.to_json().expect("JSON").into_bytes(),
            );
        }
    }
    // A bigger bundle with every receipt kind (kept under the fuzzers' 64 KiB input bound).
    let every_kind = evidence_util::build(10, 5).to_json().expect("bundle JSON");
    assert!(every_kind.len() < 64 * 1024, "{} bytes", every_kind.len());
    put(
        "bundle_verify",
        "emitted_every_kind.json",
        every_kind.into_bytes(),
    );

    // The C ABI target: a family byte (see fuzz/fuzz_targets/ffi_entry_points.rs), then the
    // input of that family.
    let ffi = |family: u8, bytes: &[u8]| {
        let mut v = vec![family];
        v.extend_from_slice(bytes);
        v
    };
    let sk = SigningKey::from_seed(&[0x11; 32]);
    let t0 = T0.to_string();
    let mut ffi_seeds: Vec<(&str, Vec<u8>)> = vec![
        ("0_private.jwk", ffi(0, sk.to_jwk().as_bytes())),
        ("0_public.jwk", ffi(0, sk.verifying_key().to_jwk().as_bytes())),
        ("0_did_key.txt", ffi(0, sk.verifying_key().did().as_bytes())),
        ("1_policy.json", ffi(1, POLICY_V2.as_bytes())),
        ("1_authoring.json", ffi(1, AUTHORING_SMALL.as_bytes())),
        ("1_overrides.json", ffi(1, OVERRIDES.as_bytes())),
        (
            "2_claims.json",
            ffi(
                2,
                br#"{"sub":"did:key:z6MkAgent","aud":["gateway.test","b"],"scope":["tool:execute"],"mission_id":"job-1","policy_hash_b64u":"bNhAvlwMZv1_HXWYiCqi78Saq_GksXTWfujitk1_lbk"}"#,
            ),
        ),
        (
            "2_options.json",
            ffi(
                2,
                br#"{"audience":"gateway.test","action":"tool:execute","job":"job-1","replay":"bound_to_job","require_scope_hash":true,"clock_skew_seconds":0,"max_ttl_seconds":600}"#,
            ),
        ),
        ("3_payload.json", ffi(3, br#"{"b":[1,2.5,"x"],"a":{"c":null}}"#)),
        (
            "4_config.json",
            ffi(
                4,
                br#"{"config_version":"1","allowlists":{"gateway_receipt_signer_dids":["did:key:z6MkfF4ykuxdK3Cea9xDqWgLLgMBvxcypy6Tv1K45Eahxy3m"]},"causal_mode":"warn","spec_strict":true}"#,
            ),
        ),
    ];
    for ((target, name), bytes) in out.iter() {
        match (*target, name.as_str()) {
            ("wpc_decide", "signed_v2_conditions.json") => {
                ffi_seeds.push(("1_signed_policy.json", ffi(1, bytes)));
                ffi_seeds.push(("3_signed_policy.json", ffi(3, bytes)));
            }
            ("bundle_verify", "emitted_small.json") => {
                ffi_seeds.push(("4_bundle.json", ffi(4, bytes)));
            }
            ("receipt_proofs", "receipt_tool_receipt.json") => {
                ffi_seeds.push(("4_receipt_proof.json", ffi(4, bytes)));
            }
            _ => {}
        }
    }
    // Merkle: index 1, size 4, room for 4 proof elements, 13 spare bytes, 4 leaf hashes.
    let mut merkle = vec![1u8, 0, 4, 0, 32];
    merkle.extend_from_slice(&[0u8; 13]);
    for i in 0u8..4 {
        merkle.extend_from_slice(&claw_core::merkle::rfc9162::leaf_hash(&[i]));
    }
    ffi_seeds.push(("5_merkle.bin", ffi(5, &merkle)));
    // The same leaves with size 0, which means all of them (an oracle once read it as empty).
    merkle[2] = 0;
    merkle[4] = 16;
    ffi_seeds.push(("5_merkle_size_zero.bin", ffi(5, &merkle)));
    // Recorder: one call of each kind, NUL-separated, in the order the target feeds them.
    let calls = [
        format!(r#"{{"tool_name":"read_file","args":{{"path":"a"}},"result":{{"ok":true}},"result_status":"success","latency_ms":1,"timestamp_ms":{}}}"#, T0 + 10),
        format!(r#"{{"provider":"anthropic","model":"claude-test","request":"q","response":"a","tokens_input":1,"tokens_output":2,"latency_ms":3,"timestamp_ms":{}}}"#, T0 + 20),
        format!(r#"{{"effect_class":"network_egress","target":"https://api.example.com","request":"GET","response":"200","latency_ms":1,"timestamp_ms":{}}}"#, T0 + 30),
        format!(r#"{{"approval_type":"explicit_approve","approver_subject":"user:alice","scope":{{"tool":"deploy"}},"timestamp_ms":{}}}"#, T0 + 40),
        format!(r#"{{"delegate_did":"{}","task_description":"t","delegate_bundle_hash_b64u":"{}","delegated_at_ms":{}}}"#, sk.verifying_key().did(), claw_core::hash::sha256_b64u(b"child"), T0 + 50),
        r#"{"action":"tool:execute","resource":"exec","effect":"deny","reason_code":"POLICY_VIOLATION"}"#.to_string(),
        format!(r#"{{"provider":"anthropic","model":"m","timestamp_ms":{t0}}}"#),
    ];
    ffi_seeds.push(("6_recorder.bin", ffi(6, calls.join("\0").as_bytes())));
    for (name, bytes) in ffi_seeds {
        out.insert(("ffi_entry_points", name.to_string()), bytes);
    }
    out
}

/// Whether `bytes` is still an input its target gets past the first checks with.
fn still_accepted(target: &str, name: &str, bytes: &[u8]) -> Result<(), String> {
    let fail = |e: &dyn std::fmt::Display| Err(format!("{target}/{name}: {e}"));
    match (target, name) {
        ("wpc_decide", "overrides.json") => wpc::Overrides::parse(bytes)
            .map(|_| ())
            .or_else(|e| fail(&e)),
        ("wpc_decide", n) if n.starts_with("signed_") => {
            verify_policy_envelope(bytes, Signers::Any, None, Some(T0 / 1000))
                .map(|_| ())
                .or_else(|e| fail(&e))
        }
        ("wpc_decide", _) => Policy::parse(bytes).map(|_| ()).or_else(|e| fail(&e)),
        ("wpc_authoring", _) => compile_authoring(std::str::from_utf8(bytes).unwrap_or(""))
            .map(|_| ())
            .or_else(|e| fail(&e)),
        ("bundle_verify", _) => {
            let v = verify_bundle(bytes, &config());
            if v.valid {
                Ok(())
            } else {
                fail(&format!("{} {}", v.reason_code, v.reason))
            }
        }
        ("receipt_proofs", "consistency.json") => verify_consistency_proof(bytes, None)
            .map(|_| ())
            .or_else(|e| fail(&e)),
        ("receipt_proofs", _) => verify_receipt_proof(bytes, None, &[gateway().did()])
            .map(|_| ())
            .or_else(|e| fail(&e)),
        ("envelope_verify", _) => {
            claw_core::envelope::Envelope::parse(bytes, &claw_core::json::Limits::STRICT)
                .map(|_| ())
                .or_else(|e| fail(&e))
        }
        ("ffi_entry_points", n) => {
            let Some((family, input)) = bytes.split_first() else {
                return fail(&"empty");
            };
            let text = std::str::from_utf8(input).unwrap_or("");
            match (family, n) {
                (0, n) if n.ends_with("private.jwk") => {
                    SigningKey::from_jwk(text).map(|_| ()).or_else(|e| fail(&e))
                }
                (0, n) if n.ends_with("public.jwk") => VerifyingKey::from_jwk(text)
                    .map(|_| ())
                    .or_else(|e| fail(&e)),
                (0, _) => VerifyingKey::from_did(text)
                    .map(|_| ())
                    .or_else(|e| fail(&e)),
                (5, _) => Ok(()),
                (6, _) => input
                    .split(|&b| b == 0)
                    .try_for_each(|part| {
                        claw_core::json::parse_str(std::str::from_utf8(part).unwrap_or(""))
                            .map(|_| ())
                    })
                    .or_else(|e| fail(&e)),
                (1..=4, _) => claw_core::json::parse_str(text)
                    .map(|_| ())
                    .or_else(|e| fail(&e)),
                _ => fail(&"unknown family"),
            }
        }
        _ => fail(&"no check for this seed"),
    }
}

#[test]
fn fuzz_seeds_are_accepted_by_their_targets() {
    let dir = seeds_dir();
    if std::env::var_os("CLAW_REGEN_FUZZ_SEEDS").is_some() {
        let _ = std::fs::remove_dir_all(&dir);
        for ((target, name), bytes) in generate() {
            let d = dir.join(target);
            std::fs::create_dir_all(&d).expect("mkdir");
            std::fs::write(d.join(&name), bytes).expect("write seed");
        }
    }
    let mut checked = 0;
    for target in std::fs::read_dir(&dir)
        .expect("fuzz/seeds exists (regenerate with CLAW_REGEN_FUZZ_SEEDS=1)")
    {
        let target = target.expect("entry").path();
        let t = target
            .file_name()
            .and_then(|s| s.to_str())
            .expect("name")
            .to_string();
        for file in std::fs::read_dir(&target).expect("target dir") {
            let file = file.expect("entry").path();
            let name = file
                .file_name()
                .and_then(|s| s.to_str())
                .expect("name")
                .to_string();
            let bytes = std::fs::read(&file).expect("read seed");
            if let Err(e) = still_accepted(&t, &name, &bytes) {
                panic!("stale fuzz seed (regenerate with CLAW_REGEN_FUZZ_SEEDS=1): {e}");
            }
            checked += 1;
        }
    }
    assert!(
        checked >= 20,
        "only {checked} seeds under {}",
        dir.display()
    );
}

#[test]
fn seed_generation_is_deterministic() {
    assert_eq!(generate(), generate());
}

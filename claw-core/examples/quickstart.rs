//! The README's Rust quick start, compiled and run by the test suite:
//! sign a policy, verify it, decide tool calls, issue and validate a scoped token.
//!
//! Run: `cargo run -p claw-core --example quickstart`

use claw_core::cst::{self, Claims, KeySet, ValidationOptions};
use claw_core::envelope::Signers;
use claw_core::keys::SigningKey;
use claw_core::wpc::{self, CompiledPolicy, Request, Verdict};

fn main() -> Result<(), claw_core::Error> {
    let now = 1_800_000_000; // the core never reads a clock: pass it in
    let mut rng = rand_core::OsRng;

    // 1. A security engineer writes and signs a policy.
    let policy_signer = SigningKey::generate(&mut rng);
    let policy = wpc::compile_authoring(
        r#"{ "policy_name": "quickstart",
             "issuer_did": "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK",
             "allowed_tools": ["read", "search"],
             "denied_tools": ["shell_exec"],
             "approvals": [{ "action": "send_email", "required": true }],
             "token_requirements": { "require_cst": true, "pin_cst_to_policy_hash": true, "max_ttl_minutes": 30 } }"#,
    )?;
    let envelope = wpc::sign_policy(&policy, &policy_signer, now * 1000, None)?;
    let envelope_json = envelope.to_json()?;

    // 2. The runtime verifies the signed artifact against its trusted signers, then compiles it.
    let trusted = [policy_signer.verifying_key().did()];
    let verified = wpc::verify_policy_envelope(
        envelope_json.as_bytes(),
        Signers::OneOf(&trusted),
        None,
        Some(now),
    )?;
    let compiled = CompiledPolicy::compile(verified.policy())?;
    println!("policy {}", compiled.hash_b64u());

    // 3. Every tool call is decided in well under a microsecond, failing closed.
    let ctx: [(&str, &str); 0] = [];
    for tool in ["read", "shell_exec", "send_email", "rm_rf"] {
        let d = compiled.decide(&Request::tool_call(tool, &ctx, now).with_run_started_at(now));
        println!(
            "{tool:>10}: {:<17} {:<28} {:?}",
            d.verdict.as_str(),
            d.reason.as_str(),
            d.statement_id
        );
    }
    assert_eq!(
        compiled
            .decide(&Request::tool_call("shell_exec", &ctx, now))
            .verdict,
        Verdict::Deny
    );

    // 4. A per-job token pinned to the policy hash; replaying it in another job fails.
    let issuer = SigningKey::generate(&mut rng);
    let mut claims = Claims::new(
        "did:key:z6MkAgent",
        vec!["gateway".into()],
        vec!["tool:execute".into()],
    );
    claims.mission_id = Some("job-42".into());
    claims.policy_hash_b64u = Some(compiled.hash_b64u().to_string());
    let token = cst::issue(&issuer, &claims, 600, now, &mut rng)?.token;
    let keys = KeySet::from_dids([issuer.verifying_key().did().as_str()])?;
    let mut opts = ValidationOptions::new("gateway", "tool:execute");
    opts.job = Some("job-42");
    opts.runtime_policy_hash = Some(compiled.hash_b64u());
    let requirements = compiled.requirements();
    opts.require_policy_pin = requirements.pin_cst_to_policy_hash();
    opts.max_ttl_seconds = requirements.max_ttl_seconds();
    let verified = cst::validate(&token, &keys, &opts, now + 1)?;
    println!("token ok for {}", verified.sub);
    opts.job = Some("job-43");
    let err = cst::validate(&token, &keys, &opts, now + 1).unwrap_err();
    println!("same token in job-43: {}", err.reason_code());
    Ok(())
}

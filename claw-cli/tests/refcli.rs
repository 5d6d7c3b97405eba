//! The verifier from outside, as the reference CLI is used: `claw verify <kind> --input …
//! [--urm] [--config] [--json]` driven exactly as the reference's protocol conformance runner
//! drives `clawverify` (all 40 vectors: stdout JSON `status`/`reason_code`, exit 0 PASS and
//! 1 FAIL); the sibling URM loaded by itself; `--config` members (`causal_mode`) honoured;
//! `claw commit verify`; escaped error lines.
#![allow(clippy::disallowed_methods)] // tests may read JSON with serde_json (clippy.toml)
use claw_core::evidence::{
    event_hash, BundleOptions, CausalAnchoring, EffectClass, Recorder, SideEffect,
};
use claw_core::keys::SigningKey;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn claw(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_claw"))
        .args(args)
        .output()
        .expect("run claw")
}

fn shared() -> PathBuf {
    if let Ok(d) = std::env::var("CLAW_SHARED_DIR") {
        return PathBuf::from(d);
    }
    let mut here = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .canonicalize()
        .unwrap();
    loop {
        for c in [here.join("shared"), here.join("../shared")] {
            if c.join("clawsig").is_dir() {
                return c;
            }
        }
        assert!(here.pop(), "shared/ not found; set CLAW_SHARED_DIR");
    }
}

fn conformance_dir() -> PathBuf {
    shared().join("clawsig/fixtures/protocol-conformance")
}

fn json_of(o: &Output) -> Value {
    serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&o.stdout)))
}

#[test]
fn drives_like_the_reference_conformance_runner() {
    let dir = tempfile::tempdir().unwrap();
    // The conformance config, with the verification time the vectors were made for (the
    // runner's own config plus one of claw's members: the aggregate vectors expired on
    // 2026-03-31).
    let mut cfg: Value = serde_json::from_slice(
        &std::fs::read(conformance_dir().join("clawverify.config.conformance.v1.json")).unwrap(),
    )
    .unwrap();
    cfg["verify_at"] = "2026-03-01T00:00:00.000Z".into();
    let cfg_path = dir.path().join("config.json");
    std::fs::write(&cfg_path, cfg.to_string()).unwrap();
    let manifest: Value =
        serde_json::from_slice(&std::fs::read(conformance_dir().join("manifest.v1.json")).unwrap())
            .unwrap();
    let mut ran = 0;
    for v in manifest["vectors"].as_array().unwrap() {
        let kind = v["kind"].as_str().unwrap();
        let rel = v["path"]
            .as_str()
            .unwrap()
            .strip_prefix("packages/schema/fixtures/")
            .unwrap();
        let input = shared().join("clawsig/fixtures").join(rel);
        let sub = match kind {
            "proof_bundle" => "proof-bundle",
            "commit_sig" => "commit-sig",
            "aggregate_bundle" => "aggregate-bundle",
            _ => "export-bundle",
        };
        let input = input.to_str().unwrap();
        let mut args = vec!["verify", sub, "--input", input];
        if kind != "commit_sig" {
            args.extend(["--config", cfg_path.to_str().unwrap()]);
        }
        let o = claw(&args);
        let out = json_of(&o);
        let expected_valid = v["expected"]["valid"].as_bool().unwrap();
        let codes: Vec<&str> = match &v["expected"]["reason_code"] {
            Value::String(s) => vec![s.as_str()],
            Value::Array(a) => a.iter().map(|x| x.as_str().unwrap()).collect(),
            _ => unreachable!(),
        };
        let name = v["name"].as_str().unwrap();
        assert_eq!(
            o.status.code(),
            Some(if expected_valid { 0 } else { 1 }),
            "{name}: {out}"
        );
        assert_eq!(
            out["status"],
            if expected_valid { "PASS" } else { "FAIL" },
            "{name}"
        );
        assert!(
            codes.contains(&out["reason_code"].as_str().unwrap()),
            "{name}: {out}"
        );
        assert_eq!(
            out["kind"],
            if kind == "aggregate_bundle" {
                "export_bundle"
            } else {
                kind
            }
        );
        ran += 1;
    }
    assert_eq!(ran, 40);
}

#[test]
fn json_summary_and_errors_have_the_reference_shape() {
    let pass = conformance_dir().join("commit_sig_pass.v1.json");
    let o = claw(&[
        "verify",
        "commit-sig",
        "--input",
        pass.to_str().unwrap(),
        "--json",
    ]);
    assert_eq!(o.status.code(), Some(0));
    let j = json_of(&o);
    assert_eq!(j["result"], "PASS");
    assert_eq!(j["commit_sha"], "135016bbeda0a95d5745ff9031c1287263ea0a06");
    // An unreadable input is ERROR, exit 2: the object on stdout, or with --json on stderr.
    let o = claw(&["verify", "proof-bundle", "--input", "/nonexistent/x.json"]);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(json_of(&o)["status"], "ERROR");
    let o = claw(&[
        "verify",
        "proof-bundle",
        "--input",
        "/nonexistent/x.json",
        "--json",
    ]);
    assert_eq!(o.status.code(), Some(2));
    let e: Value = serde_json::from_slice(&o.stderr).unwrap();
    assert_eq!(e["error"], true);
    assert_eq!(e["code"], "IO_ERROR");
    // Missing --input is a usage error, exit 2.
    assert_eq!(claw(&["verify", "proof-bundle"]).status.code(), Some(2));
}

/// A self-signed bundle that references a URM, and that URM.
fn bundle_with_urm() -> (Value, Value) {
    let key = SigningKey::from_seed(&[9u8; 32]);
    let did = key.verifying_key().did();
    let ts = "2026-01-01T00:00:00.000Z";
    let ph = claw_core::hash::sha256_b64u(b"event");
    let eh = event_hash("evt_1", "run_urm_1", "llm_call", ts, &ph, None);
    let urm = json!({"urm_version": "1", "urm_id": "urm_1", "run_id": "run_urm_1",
        "agent_did": did, "event_chain_root_hash_b64u": eh, "issued_at": ts});
    let urm_hash = claw_core::b64::encode(
        claw_core::json::sha256_of(&urm, claw_core::json::KeyOrder::JavaScript).unwrap(),
    );
    let payload = json!({
        "bundle_version": "1", "bundle_id": "bundle_urm_1", "agent_did": did,
        "urm": {"urm_version": "1", "urm_id": "urm_1", "resource_type": "universal_run_manifest",
                "resource_hash_b64u": urm_hash},
        "event_chain": [{"event_id": "evt_1", "run_id": "run_urm_1", "event_type": "llm_call",
            "timestamp": ts, "payload_hash_b64u": ph, "prev_hash_b64u": null,
            "event_hash_b64u": eh}],
    });
    let env = claw_core::envelope::sign("proof_bundle", &payload, &key, 1_767_225_601_000, None)
        .unwrap()
        .to_value();
    (env, urm)
}

fn code_of(o: &Output) -> String {
    let err = String::from_utf8_lossy(&o.stderr);
    let out = String::from_utf8_lossy(&o.stdout);
    if let Ok(v) = serde_json::from_str::<Value>(&out) {
        return v["reason_code"].as_str().unwrap_or("").to_string();
    }
    format!("{out}{err}")
}

#[test]
fn the_sibling_urm_is_loaded_as_the_reference_does() {
    let (env, urm) = bundle_with_urm();
    let d = tempfile::tempdir().unwrap();
    let b = d.path().join("run_1-bundle.json");
    std::fs::write(&b, env.to_string()).unwrap();
    let b = b.to_str().unwrap();
    // No URM anywhere: URM_MISSING.
    let o = claw(&["bundle", "verify", b, "--json"]);
    assert_eq!(code_of(&o), "URM_MISSING");
    // The sibling NAME-urm.json is found by both syntaxes.
    std::fs::write(d.path().join("run_1-urm.json"), urm.to_string()).unwrap();
    let o = claw(&["bundle", "verify", b, "--json"]);
    assert_eq!(o.status.code(), Some(0), "{}", code_of(&o));
    let o = claw(&["verify", "proof-bundle", "--input", b]);
    assert_eq!(o.status.code(), Some(0), "{}", code_of(&o));
    assert!(json_of(&o)["input"]["urm_path"]
        .as_str()
        .unwrap()
        .ends_with("run_1-urm.json"));
    // An explicit --urm wins over the sibling: a different URM is a mismatch.
    let mut other = urm.clone();
    other["urm_id"] = "urm_other".into();
    let op = d.path().join("other.json");
    std::fs::write(&op, other.to_string()).unwrap();
    let o = claw(&[
        "bundle",
        "verify",
        b,
        "--json",
        "--urm",
        op.to_str().unwrap(),
    ]);
    assert_eq!(code_of(&o), "URM_MISMATCH");
    let o = claw(&[
        "verify",
        "proof-bundle",
        "--input",
        b,
        "--urm",
        op.to_str().unwrap(),
    ]);
    assert_eq!(
        (o.status.code(), code_of(&o).as_str()),
        (Some(1), "URM_MISMATCH")
    );
    // The other layout of the reference repository: proof-bundle.json beside urm.json.
    let d2 = tempfile::tempdir().unwrap();
    let b2 = d2.path().join("proof-bundle.json");
    std::fs::write(&b2, env.to_string()).unwrap();
    std::fs::write(d2.path().join("urm.json"), urm.to_string()).unwrap();
    let o = claw(&["bundle", "verify", b2.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", code_of(&o));
}

#[test]
fn config_members_reach_the_verifier() {
    // A bundle with an unanchored side effect: enforce (default) fails it, observe passes.
    let mut rng = rand_core::OsRng;
    let mut rec = Recorder::new(SigningKey::generate(&mut rng), &mut rng);
    rec.record_side_effect(
        &SideEffect {
            effect_class: EffectClass::NAMES[0].parse().unwrap(),
            target: b"/tmp/x",
            vendor_id: None,
            request: b"",
            response: b"",
            response_status: None,
            bytes_written: Some(3),
            latency_ms: 1,
            timestamp_ms: 1_767_225_600_000,
        },
        &mut rng,
    )
    .unwrap();
    let opts = BundleOptions {
        causal_anchoring: CausalAnchoring::Off,
        ..BundleOptions::default()
    };
    let bundle = rec.finish(&opts, 1_767_225_601_000, &mut rng).unwrap();
    let d = tempfile::tempdir().unwrap();
    let b = d.path().join("b.json");
    std::fs::write(&b, bundle.to_json().unwrap()).unwrap();
    let b = b.to_str().unwrap();
    let enforce = claw(&["bundle", "verify", b, "--json"]);
    assert_eq!(enforce.status.code(), Some(3));
    let observe = d.path().join("observe.json");
    std::fs::write(
        &observe,
        r#"{"config_version":"1","causal_mode":"observe"}"#,
    )
    .unwrap();
    let o = claw(&[
        "bundle",
        "verify",
        b,
        "--json",
        "--config",
        observe.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", code_of(&o));
    let o = claw(&[
        "verify",
        "proof-bundle",
        "--input",
        b,
        "--config",
        observe.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", code_of(&o));
    // A misspelt member is refused, not ignored.
    let typo = d.path().join("typo.json");
    std::fs::write(&typo, r#"{"config_version":"1","causal_mdoe":"observe"}"#).unwrap();
    let o = claw(&["bundle", "verify", b, "--config", typo.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).starts_with("claw: CONFIG_ERROR: "));
}

#[test]
fn commit_verify() {
    let pass = conformance_dir().join("commit_sig_pass.v1.json");
    let o = claw(&["commit", "verify", pass.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&o.stdout).starts_with("PASS  commit 135016b"));
    let bad = conformance_dir().join("commit_sig_fail_tampered.v1.json");
    let o = claw(&["commit", "verify", bad.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&o.stderr).starts_with("claw: SIGNATURE_INVALID: "));
    let o = claw(&["commit", "verify", bad.to_str().unwrap(), "--json"]);
    assert_eq!(o.status.code(), Some(3));
    assert_eq!(json_of(&o)["reason_code"], "SIGNATURE_INVALID");
}

#[test]
fn error_lines_escape_control_and_bidi_characters() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path().join("cfg.json");
    // The key decodes to "x", U+202E, a newline, ESC "[2J".
    std::fs::write(&p, r#"{"config_version":"1","x\u202e\n\u001b[2J":1}"#).unwrap();
    let o = claw(&[
        "bundle",
        "verify",
        "/dev/null",
        "--config",
        p.to_str().unwrap(),
    ]);
    let err = String::from_utf8(o.stderr).unwrap();
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        !err.contains('\u{202E}') && !err.contains('\u{1b}'),
        "{err}"
    );
    assert!(err.contains("\\u{202E}"), "{err}");
}

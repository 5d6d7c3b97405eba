//! Attacks on evidence: receipts moved between bundles, bundles signed by someone other than
//! their agent, Merkle second preimages, and consistency proofs for a rewritten history.
//!
//! A dishonest agent can always re-sign a bundle payload it edited (it holds its own key), so
//! most attacks here re-sign: what must catch them is everything *inside* the payload that the
//! agent cannot forge (gateway signatures, bindings to the event chain, receipt agents, the
//! Merkle checkpoint).
#![allow(clippy::disallowed_methods)] // tests may read JSON with serde_json (clippy.toml)

use claw_adversarial::*;
use claw_core::b64;
use claw_core::evidence::{
    verify_bundle, verify_bundle_for_use, verify_consistency_proof, verify_document,
    verify_log_inclusion_proof, verify_receipt_proof, Bundle, BundleOptions, DocumentVerdict,
    PolicyReplay, Recorder, ToolCall, ToolStatus, CHECKPOINT_ENVELOPE_TYPE, LEAF_RULE, TREE_ALG,
};
use claw_core::hash::sha256;
use claw_core::keys::SigningKey;
use claw_core::merkle::{clawlogs, rfc9162};
use serde_json::{json, Value};

fn parse(text: &str) -> Value {
    serde_json::from_str(text).expect("json")
}

fn verdict(text: &str) -> &'static str {
    verify_bundle(text.as_bytes(), &verify_config()).reason_code
}

fn bundle_value(agent: &SigningKey, seed: u64, tools: &[&str]) -> Value {
    parse(&honest_bundle(agent, seed, tools).to_json().expect("json"))
}

#[test]
fn baseline_honest_bundles_verify() {
    let b = honest_bundle(&issuer(), 20, &["read_file", "git_log"]);
    assert_eq!(verdict(&b.to_json().expect("json")), "OK");
}

// --- Receipts moved between bundles -------------------------------------------------------

/// A tool receipt from agent A's run pasted into agent B's bundle, which B re-signs: the
/// receipt names agent A.
#[test]
fn tool_receipt_moved_into_a_bundle_of_another_agent() {
    let a = bundle_value(&attacker(), 21, &["deploy_prod"]);
    let mut b = bundle_value(&issuer(), 22, &["read_file"]);
    b["payload"]["tool_receipts"][0] = a["payload"]["tool_receipts"][0].clone();
    assert_eq!(
        verdict(&resign_bundle(&b["payload"], &issuer())),
        "PROOF_BUNDLE_AGENT_MISMATCH"
    );
}

/// A tool receipt from another run of the same agent (claiming work done elsewhere): bound
/// to the other run.
#[test]
fn tool_receipt_moved_from_another_run_of_the_same_agent() {
    let other_run = bundle_value(&issuer(), 23, &["deploy_prod"]);
    let mut b = bundle_value(&issuer(), 24, &["read_file"]);
    b["payload"]["tool_receipts"][0] = other_run["payload"]["tool_receipts"][0].clone();
    assert_eq!(
        verdict(&resign_bundle(&b["payload"], &issuer())),
        "RECEIPT_BINDING_MISMATCH"
    );
}

/// A gateway receipt (signed by the trusted gateway, so its signature is genuine) from
/// another run, pasted in to claim a model call that happened elsewhere.
#[test]
fn gateway_receipt_moved_from_another_run() {
    let other_run = bundle_value(&attacker(), 25, &[]);
    let mut b = bundle_value(&issuer(), 26, &[]);
    b["payload"]["receipts"][0] = other_run["payload"]["receipts"][0].clone();
    assert_eq!(
        verdict(&resign_bundle(&b["payload"], &issuer())),
        "RECEIPT_BINDING_MISMATCH"
    );
}

/// A receipt of bundle A presented with bundle B's checkpoint (same agent, same tree size):
/// its leaf is not under B's root.
#[test]
fn receipt_proof_against_another_bundles_checkpoint() {
    let a = honest_bundle(&issuer(), 27, &["deploy_prod"]);
    let b = honest_bundle(&issuer(), 28, &["read_file"]);
    let pa = parse(
        &a.receipt_proof(a.leaves()[1].receipt_id())
            .expect("p")
            .to_json()
            .expect("j"),
    );
    let mut pb = parse(
        &b.receipt_proof(b.leaves()[1].receipt_id())
            .expect("p")
            .to_json()
            .expect("j"),
    );
    assert!(verify_receipt_proof(pb.to_string().as_bytes(), None, &[]).is_ok());
    pb["receipt"] = pa["receipt"].clone();
    let err = verify_receipt_proof(pb.to_string().as_bytes(), None, &[]).unwrap_err();
    assert_eq!(err.reason_code(), "INCLUSION_PROOF_INVALID");
}

// --- Who signed the bundle ----------------------------------------------------------------

/// Someone else signs the agent's bundle with their own key and says so (`signer_did` =
/// their DID): the signer must be the bundle's `agent_did`.
#[test]
fn bundle_signed_by_someone_other_than_agent_did() {
    let b = bundle_value(&issuer(), 29, &["read_file"]);
    assert_eq!(
        verdict(&resign_bundle(&b["payload"], &attacker())),
        "INVALID_DID_FORMAT"
    );
}

/// Someone else signs but keeps `signer_did` = the agent: the signature does not verify.
#[test]
fn bundle_signed_by_someone_else_claiming_to_be_the_agent() {
    let mut forged = parse(&resign_bundle(
        &bundle_value(&issuer(), 30, &["read_file"])["payload"],
        &attacker(),
    ));
    forged["signer_did"] = json!(issuer().verifying_key().did());
    assert_eq!(verdict(&forged.to_string()), "SIGNATURE_INVALID");
}

/// Someone takes the agent's bundle, rewrites `agent_did` to themselves and signs it: the
/// receipts inside still name the real agent.
#[test]
fn bundle_stolen_by_rewriting_agent_did() {
    let mut b = bundle_value(&issuer(), 31, &["read_file"]);
    b["payload"]["agent_did"] = json!(attacker().verifying_key().did());
    assert_eq!(
        verdict(&resign_bundle(&b["payload"], &attacker())),
        "PROOF_BUNDLE_AGENT_MISMATCH"
    );
}

// --- Merkle second preimages --------------------------------------------------------------

fn four_leaves() -> ([[u8; 32]; 4], [u8; 32], [u8; 32], [u8; 32]) {
    let l = [b"r0", b"r1", b"r2", b"r3"].map(|d| rfc9162::leaf_hash(d.as_slice()));
    let n01 = rfc9162::node_hash(&l[0], &l[1]);
    let n23 = rfc9162::node_hash(&l[2], &l[3]);
    (l, n01, n23, rfc9162::node_hash(&n01, &n23))
}

/// RFC 9162: the inner node `N01` presented as leaf *data* of a 2-leaf tree (`0x01‖L0‖L1`
/// is its preimage): leaf data is hashed with the `0x00` prefix, so it lands elsewhere.
#[test]
fn merkle_second_preimage_inner_node_as_leaf_data() {
    let (l, n01, n23, root) = four_leaves();
    let mut preimage = vec![0x01];
    preimage.extend_from_slice(&l[0]);
    preimage.extend_from_slice(&l[1]);
    assert_eq!(sha256(&preimage), n01);
    let err =
        rfc9162::verify_inclusion(&rfc9162::leaf_hash(&preimage), 0, 2, &[n23], &root).unwrap_err();
    assert_eq!(err.reason_code(), "MERKLE_ROOT_MISMATCH");
    // What the prefix protects: the raw node hash itself, handed in as a *leaf hash*, does
    // walk to the root. This is why every claw caller hashes the leaf data itself (a
    // receipt proof recomputes the leaf from the receipt), never takes a leaf hash as input.
    assert!(rfc9162::verify_inclusion(&n01, 0, 2, &[n23], &root).is_ok());
}

/// The same attack on a receipt proof: claim a 2-leaf tree whose "leaf" is an inner node.
/// The leaf is recomputed from the receipt and the size must be the checkpoint's.
#[test]
fn merkle_second_preimage_on_a_receipt_proof() {
    let b = honest_bundle(&issuer(), 32, &["a", "b", "c"]);
    let mut p = parse(
        &b.receipt_proof(b.leaves()[0].receipt_id())
            .expect("p")
            .to_json()
            .expect("j"),
    );
    let path = p["audit_path_b64u"].as_array().expect("path").clone();
    p["tree_size"] = json!(2);
    p["audit_path_b64u"] = json!(path[path.len() - 1..]);
    let err = verify_receipt_proof(p.to_string().as_bytes(), None, &[]).unwrap_err();
    assert_eq!(err.reason_code(), "INCLUSION_PROOF_INVALID");
}

/// The reference log's rule (clawlogs) has no domain separation: an inner node *does* pass
/// as a leaf of a shorter tree there (documented weakness). claw verifies such proofs only
/// with the leaf pinned to the receipt it recomputed, which defeats it.
#[test]
fn merkle_second_preimage_on_a_reference_log_proof() {
    let leaves: Vec<[u8; 32]> = (0u8..4).map(|i| sha256([i])).collect();
    let n01 = sha256([leaves[0], leaves[1]].concat());
    let n23 = sha256([leaves[2], leaves[3]].concat());
    let root = clawlogs::root(&leaves).expect("root");
    assert!(clawlogs::verify_inclusion(&n01, 0, 2, &[n23], &root).is_ok());

    let log = SigningKey::from_seed(&[0x10; 32]);
    let root_b64u = b64::encode(&root);
    let proof = json!({
        "proof_version": "1",
        "log_id": "clawlogs-test",
        "tree_size": 2,
        "leaf_hash_b64u": b64::encode(n01),
        "root_hash_b64u": root_b64u,
        "audit_path": [b64::encode(n23)],
        "root_published_at": "2026-03-31T00:00:00Z",
        "root_signature": {
            "signer_did": log.verifying_key().did(),
            "sig_b64u": b64::encode(log.sign(root_b64u.as_bytes())),
        },
        "metadata": {"leaf_index": 0},
    });
    let trusted = [log.verifying_key().did()];
    assert!(verify_log_inclusion_proof(&proof, &trusted, None).is_ok());
    let pinned = b64::encode(leaves[0]);
    let err = verify_log_inclusion_proof(&proof, &trusted, Some(&pinned)).unwrap_err();
    assert_eq!(err.reason_code(), "INCLUSION_PROOF_INVALID");
}

// --- Rewritten history ----------------------------------------------------------------------

fn run(agent: &SigningKey, run_id: &str, seed: u64, tools: &[&str]) -> Recorder {
    let mut rng = TestRng::new(seed);
    let mut rec = Recorder::with_run_id(agent.clone(), run_id).expect("run id");
    for (i, name) in tools.iter().enumerate() {
        rec.record_tool_call(
            &ToolCall {
                tool_name: name,
                tool_version: None,
                args: &json!({"i": i}),
                result: &json!({"ok": true}),
                result_status: ToolStatus::Success,
                latency_ms: 1,
                timestamp_ms: T0_MS + i as i64,
            },
            &mut rng,
        )
        .expect("tool call");
    }
    rec
}

/// The auditor holds checkpoint 1 of a run. The agent later rewrites the first receipt
/// (`deploy_prod` becomes `read_file`), continues, and offers checkpoint 2 of the rewritten
/// log with a consistency proof cut from it, spliced onto the auditor's checkpoint 1.
#[test]
fn consistency_proof_for_a_rewritten_history() {
    let agent = issuer();
    let run_id = "run_audited0001";
    let mut honest = run(&agent, run_id, 40, &["deploy_prod", "git_log", "read_file"]);
    let held = honest.checkpoint(T0_MS + 100).expect("cp1");

    // The rewritten log, grown from 3 to 5 receipts, with its own (valid) proof.
    let mut rewritten = run(&agent, run_id, 41, &["read_file", "git_log", "read_file"]);
    let r1 = rewritten.checkpoint(T0_MS + 100).expect("cp1'");
    for (i, name) in ["x", "y"].iter().enumerate() {
        rewritten
            .record_tool_call(
                &ToolCall {
                    tool_name: name,
                    tool_version: None,
                    args: &json!({"j": i}),
                    result: &json!({"ok": true}),
                    result_status: ToolStatus::Success,
                    latency_ms: 1,
                    timestamp_ms: T0_MS + 50 + i as i64,
                },
                &mut TestRng::new(42 + i as u64),
            )
            .expect("tool call");
    }
    let r2 = rewritten.checkpoint(T0_MS + 200).expect("cp2'");
    let genuine = rewritten.consistency_proof(&r1, &r2).expect("proof");
    assert!(verify_consistency_proof(genuine.to_json().expect("j").as_bytes(), None).is_ok());

    let mut spliced = parse(&genuine.to_json().expect("j"));
    spliced["from"] = held.to_value();
    let err = verify_consistency_proof(spliced.to_string().as_bytes(), None).unwrap_err();
    assert_eq!(err.reason_code(), "INVALID_ROOT");
}

/// A "consistency proof" whose later checkpoint is smaller (history truncated), one whose
/// checkpoints belong to different runs, and one signed by another agent.
#[test]
fn consistency_proof_truncation_other_run_other_agent() {
    let agent = issuer();
    let mut rec = run(&agent, "run_audited0002", 43, &["a", "b", "c"]);
    let small = {
        let mut r = run(&agent, "run_audited0002", 43, &["a"]);
        r.checkpoint(T0_MS).expect("cp")
    };
    let big = rec.checkpoint(T0_MS + 1).expect("cp");
    let mut r2 = run(&agent, "run_audited0002", 43, &["a"]);
    let a = r2.checkpoint(T0_MS).expect("cp");
    let b = r2.checkpoint(T0_MS + 1).expect("cp");
    let base = parse(
        &r2.consistency_proof(&a, &b)
            .expect("p")
            .to_json()
            .expect("j"),
    );

    let mut truncated = base.clone();
    truncated["from"] = big.to_value();
    truncated["to"] = small.to_value();
    let err = verify_consistency_proof(truncated.to_string().as_bytes(), None).unwrap_err();
    assert_eq!(err.reason_code(), "INVALID_ROOT");

    let mut other_run = base.clone();
    let mut o = run(&agent, "run_elsewhere01", 44, &["a"]);
    other_run["to"] = o.checkpoint(T0_MS).expect("cp").to_value();
    let err = verify_consistency_proof(other_run.to_string().as_bytes(), None).unwrap_err();
    assert_eq!(err.reason_code(), "INCONSISTENT_RUN_ID");

    let mut other_agent = base;
    let mut x = run(&attacker(), "run_audited0002", 45, &["a"]);
    other_agent["to"] = x.checkpoint(T0_MS).expect("cp").to_value();
    let err = verify_consistency_proof(other_agent.to_string().as_bytes(), None).unwrap_err();
    assert_eq!(err.reason_code(), "PROOF_BUNDLE_AGENT_MISMATCH");
}

// --- One document, one verdict (issue 12) -------------------------------------------------

/// A genuine bundle wrapped as `{"envelope": <genuine>, "payload": <invented>}`: the
/// verifier used to check `envelope` while the report and the pulse read the invented
/// `payload` under the PASS. The root is ambiguous and refused by every entry point.
#[test]
fn genuine_envelope_wrapped_beside_an_invented_payload() {
    let genuine = bundle_value(&issuer(), 40, &["read_file"]);
    let mut invented = genuine["payload"].clone();
    invented["bundle_id"] = "bundle_invented".into();
    invented["tool_receipts"] = json!([]);
    let wrapped = json!({"envelope": genuine, "payload": invented, "signature_b64u": "x"});
    let text = wrapped.to_string();
    assert_eq!(verdict(&text), "AMBIGUOUS_DOCUMENT");
    let refused = verify_bundle_for_use(text.as_bytes(), &verify_config()).unwrap_err();
    assert_eq!(refused.reason_code, "AMBIGUOUS_DOCUMENT");
    match verify_document(text.as_bytes(), &verify_config()) {
        DocumentVerdict::Proof(v) => assert_eq!(v.reason_code, "AMBIGUOUS_DOCUMENT"),
        DocumentVerdict::Export(v) => panic!("read as an export bundle: {}", v.reason_code),
        DocumentVerdict::Aggregate(v) => panic!("read as an aggregate: {}", v.reason_code),
    }
    // The plain wrapper (with a description) still verifies, and what a consumer reads is
    // exactly the envelope that was verified.
    let plain = json!({"envelope": genuine, "description": "fixture"}).to_string();
    let ok = verify_bundle_for_use(plain.as_bytes(), &verify_config()).expect("valid");
    assert_eq!(ok.envelope(), &genuine);
}

/// `{"bundle": {"export_version": …}, "envelope": <genuine>}` failed `verify` (read as an
/// export bundle) but passed `report`, `pulse` and `prove` (which read `envelope`).
#[test]
fn export_wrapper_beside_a_genuine_envelope() {
    let genuine = bundle_value(&issuer(), 41, &["read_file"]);
    let text = json!({"bundle": {"export_version": "1"}, "envelope": genuine}).to_string();
    match verify_document(text.as_bytes(), &verify_config()) {
        DocumentVerdict::Proof(v) => assert_eq!(v.reason_code, "AMBIGUOUS_DOCUMENT"),
        DocumentVerdict::Export(v) => panic!("read as an export bundle: {}", v.reason_code),
        DocumentVerdict::Aggregate(v) => panic!("read as an aggregate: {}", v.reason_code),
    }
    assert_eq!(verdict(&text), "AMBIGUOUS_DOCUMENT");
    let e = Bundle::from_verified_json(text.as_bytes(), &verify_config()).unwrap_err();
    assert_eq!(e.reason_code(), "AMBIGUOUS_DOCUMENT");
}

/// A one-leaf receipt proof over `receipt`, its checkpoint signed by `agent`: what anyone
/// holding an agent key can always make.
fn one_leaf_proof(agent: &SigningKey, run_id: &str, kind: &str, receipt: &Value) -> String {
    let leaf = claw_core::json::canonicalize(&json!({"kind": kind, "receipt": receipt})).unwrap();
    let cp = json!({
        "checkpoint_version": "1", "run_id": run_id, "agent_did": agent.verifying_key().did(),
        "tree_alg": TREE_ALG, "leaf_rule": LEAF_RULE, "tree_size": 1,
        "root_b64u": b64::encode(rfc9162::leaf_hash(&leaf)), "event_count": 0,
        "timestamp": "2026-04-01T00:00:00.000Z",
    });
    let cp = parse(&signed_envelope(CHECKPOINT_ENVELOPE_TYPE, &cp, agent));
    json!({
        "proof_version": "1", "proof_type": "claw.receipt_inclusion", "kind": kind,
        "receipt": receipt, "leaf_index": 0, "tree_size": 1, "audit_path_b64u": [],
        "checkpoint": cp,
    })
    .to_string()
}

/// A bare, unsigned gateway receipt payload (model rewritten) as a leaf of a checkpoint the
/// agent signs: `bundle verify` refuses it in a bundle, so a receipt proof must too.
#[test]
fn receipt_proof_of_a_bare_unsigned_gateway_payload() {
    let b = bundle_value(&issuer(), 42, &[]);
    let mut bare = b["payload"]["receipts"][0]["payload"].clone();
    bare["model"] = "model-never-called".into();
    let run = bare["binding"]["run_id"].as_str().unwrap().to_string();
    let proof = one_leaf_proof(&issuer(), &run, "gateway_receipt", &bare);
    let gw = [gateway().did()];
    let e = verify_receipt_proof(proof.as_bytes(), Some(&issuer().verifying_key().did()), &gw)
        .unwrap_err();
    assert_eq!(e.reason_code(), "SCHEMA_VALIDATION_FAILED");
}

/// A genuine gateway receipt proven with no trusted gateway configured: any gateway signer
/// used to pass; as in `bundle verify`, that is `DEPENDENCY_NOT_CONFIGURED`, and a signer
/// that is not the trusted one fails.
#[test]
fn gateway_receipt_proof_without_a_trusted_gateway() {
    let b = honest_bundle(&issuer(), 43, &["read_file"]);
    let gw_leaf = b
        .leaves()
        .iter()
        .find(|r| r.kind.type_name() == "gateway_receipt")
        .expect("gateway leaf");
    let proof = b
        .receipt_proof(gw_leaf.receipt_id())
        .unwrap()
        .to_json()
        .unwrap();
    assert!(verify_receipt_proof(proof.as_bytes(), None, &[gateway().did()]).is_ok());
    let e = verify_receipt_proof(proof.as_bytes(), None, &[]).unwrap_err();
    assert_eq!(e.reason_code(), "DEPENDENCY_NOT_CONFIGURED");
    let other = [attacker().verifying_key().did()];
    let e = verify_receipt_proof(proof.as_bytes(), None, &other).unwrap_err();
    assert_eq!(e.reason_code(), "RECEIPT_VERIFICATION_FAILED");
}

/// A tool receipt signed by another key for another agent, as a leaf of the issuer's
/// checkpoint: its `agent_did` is not the checkpoint's agent.
#[test]
fn receipt_proof_of_a_tool_receipt_of_another_agent() {
    let a = bundle_value(&attacker(), 44, &["deploy_prod"]);
    let tr = a["payload"]["tool_receipts"][0].clone();
    let run = tr["payload"]["binding"]["run_id"]
        .as_str()
        .unwrap()
        .to_string();
    let proof = one_leaf_proof(&issuer(), &run, "tool_receipt", &tr);
    let e = verify_receipt_proof(proof.as_bytes(), None, &[gateway().did()]).unwrap_err();
    assert_eq!(e.reason_code(), "PROOF_BUNDLE_AGENT_MISMATCH");
    // The same receipt in its own agent's checkpoint is fine.
    let own = one_leaf_proof(&attacker(), &run, "tool_receipt", &tr);
    assert!(verify_receipt_proof(own.as_bytes(), None, &[gateway().did()]).is_ok());
}

/// A run bound to `policy_hash` (every receipt binding carries it).
fn bundle_bound_to(policy_hash: &str, seed: u64, tool: &str) -> String {
    let mut rng = TestRng::new(seed);
    let mut rec = Recorder::new(issuer(), &mut rng);
    rec.set_binding_context(Some(policy_hash), None).unwrap();
    rec.record_event("run_start", &json!({"task": "bound"}), T0_MS, &mut rng)
        .unwrap();
    rec.record_tool_call(
        &ToolCall {
            tool_name: tool,
            tool_version: None,
            args: &json!({}),
            result: &json!({"ok": true}),
            result_status: ToolStatus::Success,
            latency_ms: 1,
            timestamp_ms: T0_MS + 5,
        },
        &mut rng,
    )
    .unwrap();
    rec.finish(&BundleOptions::default(), T0_MS + 10, &mut rng)
        .unwrap()
        .to_json()
        .unwrap()
}

/// `bundle verify --wpc P` on a run made under an attacker's allow-all policy Q: the
/// receipts replay fine against a permissive P, but the run was bound to Q.
#[test]
fn policy_replay_of_a_run_bound_to_another_policy() {
    use claw_core::wpc::{CompiledPolicy, Policy};
    let compile = |id: &str| {
        let doc = json!({"policy_version": "2", "policy_id": id, "issuer_did": "did:key:z6MkI",
            "statements": [{"sid": "all", "effect": "Allow", "actions": ["tool:*"], "resources": ["*"]}]});
        std::sync::Arc::new(
            CompiledPolicy::compile(&Policy::parse(doc.to_string().as_bytes()).unwrap()).unwrap(),
        )
    };
    let (p, q) = (compile("auditor"), compile("attacker"));
    let mut cfg = verify_config();
    cfg.policy = Some(PolicyReplay::from_policy(p.clone()));
    let under_q = bundle_bound_to(q.hash_b64u(), 45, "deploy_prod");
    let v = verify_bundle(under_q.as_bytes(), &cfg);
    assert_eq!(v.reason_code, "POLICY_BINDING_MISMATCH", "{}", v.reason);
    let under_p = bundle_bound_to(p.hash_b64u(), 46, "deploy_prod");
    let v = verify_bundle(under_p.as_bytes(), &cfg);
    assert!(v.valid, "{}", v.reason);
    assert_eq!(v.component("policy").unwrap().code, "OK");
}

/// Documented: the bundle envelope's `issued_at` is outside the signature (the reference's
/// envelope rule signs `payload_hash_b64u` only). Rewritten, the bundle still verifies;
/// `VerifiedBundle` names it `unsigned_issued_at` and the report labels it unsigned.
#[test]
fn bundle_issued_at_is_not_signed() {
    let mut b = bundle_value(&issuer(), 47, &["read_file"]);
    b["issued_at"] = "1999-01-01T00:00:00.000Z".into();
    let v = verify_bundle_for_use(b.to_string().as_bytes(), &verify_config()).expect("valid");
    assert_eq!(v.unsigned_issued_at(), Some("1999-01-01T00:00:00.000Z"));
}

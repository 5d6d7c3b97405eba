//! The run log: a recorder persisted as JSON lines replays into the same events, receipts
//! and bundle; the log's rules fail closed.

mod evidence_util;

use claw_core::canonical::Canonical;
use claw_core::evidence::{
    check_disclosures, parse_run_log, verify_bundle, BundleOptions, DecisionRecord,
    ElicitationRecord, EvidenceError, ListingRecord, ModelCall, RunOp, RunPolicy, RunRecord,
    RunStart, RunState,
};
use claw_core::{hash, json};
use evidence_util::{agent_key, config, gateway, TestRng, T0};
use rand_core::RngCore;
use serde_json::{json, Value};

const POLICY_HASH: &str = "mK1g_juiUE4SnMxLuqPiQCLFI5nZKqiP7CVEUSKk87o";

fn seed(rng: &mut TestRng) -> [u8; 32] {
    let mut s = [0u8; 32];
    rng.fill_bytes(&mut s);
    s
}

fn start() -> RunStart {
    RunStart {
        run_id: "run_test_1".into(),
        agent_did: agent_key().verifying_key().did(),
        agent_key_ref: Some("agent.jwk".into()),
        policy: Some(RunPolicy {
            hash_b64u: POLICY_HASH.into(),
            policy_id: "p1".into(),
            signer_did: "did:key:z6MkSigner".into(),
            envelope: json!({"not": "checked by the log"}),
        }),
        token: None,
    }
}

fn decision(resource: &str, verdict: &str, args: &Value, approval: Option<&str>) -> RunOp {
    RunOp::Decision(DecisionRecord {
        action: "tool:execute".into(),
        resource: resource.into(),
        decision: verdict.into(),
        reason_code: match verdict {
            "allow" => "POLICY_ALLOW",
            "deny" => "POLICY_VIOLATION",
            _ => "CAPABILITY_REQUIRES_APPROVAL",
        }
        .into(),
        statement_id: Some("s1".into()),
        policy_hash_b64u: Some(POLICY_HASH.into()),
        args_hash_b64u: Some(hash::sha256_b64u(json::canonicalize(args).unwrap())),
        approval_receipt_id: approval.map(str::to_string),
    })
}

fn tool(name: &str, args: &Value) -> RunOp {
    RunOp::Tool {
        tool_name: name.into(),
        tool_version: None,
        args: Canonical::new(args.clone()).unwrap(),
        result: Canonical::new(json!({"ok": true, "n": 1.5})).unwrap(),
        result_status: "success".into(),
        latency_ms: 12,
    }
}

/// A session: model call, allowed tool, denied tool, approval-gated tool approved and run.
fn session() -> (String, RunState) {
    let mut rng = TestRng::new(42);
    let (mut st, rec) = RunState::start(agent_key(), start(), T0, seed(&mut rng)).unwrap();
    let mut lines = vec![rec.to_line().unwrap()];
    let mut t = T0;
    let mut push = |st: &mut RunState, op: RunOp, t: i64, rng: &mut TestRng| {
        let r = st.apply(op, t, seed(rng)).unwrap();
        lines.push(r.to_line().unwrap());
        r
    };
    // Model call through claw's gateway, bound to the llm_call event.
    t += 10;
    let begin = push(
        &mut st,
        RunOp::ModelBegin {
            provider: "anthropic".into(),
            model: "claude".into(),
        },
        t,
        &mut rng,
    );
    let b = begin.out.binding.clone().unwrap();
    assert_eq!(b["policy_hash"], POLICY_HASH);
    let pending = st.pending_model_calls().next().unwrap().binding.clone();
    assert_eq!(pending.to_value(), b);
    t += 900;
    let env = gateway()
        .sign_receipt(
            &ModelCall {
                provider: "anthropic",
                model: "claude",
                request: b"{}",
                response: b"{}",
                tokens_input: 10,
                tokens_output: 20,
                latency_ms: 900,
                timestamp_ms: t,
                metadata: None,
            },
            Some(&pending),
            &mut rng,
        )
        .unwrap();
    push(
        &mut st,
        RunOp::ModelReceipt {
            receipt: env.to_value(),
        },
        t,
        &mut rng,
    );
    let args = json!({"path": "src/lib.rs"});
    t += 5;
    push(&mut st, decision("read", "allow", &args, None), t, &mut rng);
    push(&mut st, tool("read", &args), t, &mut rng);
    let shell = json!({"cmd": "rm -rf /"});
    t += 5;
    push(
        &mut st,
        decision("shell_exec", "deny", &shell, None),
        t,
        &mut rng,
    );
    let mail = json!({"to": "vendor@example.com"});
    t += 5;
    push(
        &mut st,
        decision("send_email", "approval_required", &mail, None),
        t,
        &mut rng,
    );
    t += 5;
    let approval = push(
        &mut st,
        RunOp::Approval {
            approval_type: "explicit_approve".into(),
            approver_subject: "alice@example.com".into(),
            approver_method: Some("cli_confirm".into()),
            scope: json!({"action": "tool:execute", "resource": "send_email",
                "args_hash_b64u": hash::sha256_b64u(json::canonicalize(&mail).unwrap())}),
            scope_summary: Some("send the summary".into()),
        },
        t,
        &mut rng,
    );
    let har = approval.out.receipt_id.clone().unwrap();
    let h = hash::sha256_b64u(json::canonicalize(&mail).unwrap());
    assert_eq!(
        st.unused_approval("tool:execute", "send_email", Some(&h))
            .map(|a| a.receipt_id.as_str()),
        Some(har.as_str())
    );
    assert!(st
        .unused_approval("tool:execute", "send_email", Some("other"))
        .is_none());
    t += 5;
    push(
        &mut st,
        decision("send_email", "allow", &mail, Some(&har)),
        t,
        &mut rng,
    );
    assert!(st
        .unused_approval("tool:execute", "send_email", Some(&h))
        .is_none());
    push(&mut st, tool("send_email", &mail), t, &mut rng);
    let mut text = lines.join("\n");
    text.push('\n');
    (text, st)
}

#[test]
fn replay_reproduces_the_recorder_and_the_bundle_verifies() {
    let (text, st) = session();
    assert_eq!(text.lines().count(), 10);
    let records = parse_run_log(&text).unwrap();
    let again = RunState::replay(agent_key(), &records).unwrap();
    assert_eq!(again.recorder().events(), st.recorder().events());
    let a: Vec<_> = again.recorder().receipts().collect();
    let b: Vec<_> = st.recorder().receipts().collect();
    assert_eq!(a, b);
    assert_eq!(again.next_seq(), 10);
    // Every line is canonical JSON and round-trips.
    for (i, line) in text.lines().enumerate() {
        let r = RunRecord::parse_line(line, i as u64).unwrap();
        assert_eq!(r.to_line().unwrap(), line);
    }

    let mut rng = TestRng::new(7);
    let bundle = again
        .finish(&BundleOptions::default(), T0 + 60_000, &mut rng)
        .unwrap();
    let bytes = bundle.to_json().unwrap();
    let v = verify_bundle(bytes.as_bytes(), &config());
    assert!(v.is_valid(), "{v:?}");
    // Every receipt binding names the policy.
    let payload = &bundle.envelope().payload;
    for r in payload["tool_receipts"].as_array().unwrap() {
        assert_eq!(r["payload"]["binding"]["policy_hash"], POLICY_HASH);
    }
    // Disclosures: run_start and the four decisions, each matching its event.
    let d = check_disclosures(&bundle.envelope().to_value());
    assert_eq!(d.len(), 5);
    assert!(d.iter().all(|d| d.matches));
    assert_eq!(d[0].payload["policy_hash_b64u"], POLICY_HASH);
    let denied: Vec<&str> = d
        .iter()
        .filter(|d| d.payload["decision"] == "deny")
        .map(|d| d.payload["resource"].as_str().unwrap())
        .collect();
    assert_eq!(denied, ["shell_exec"]);
    // A disclosure that does not match its event is reported, not trusted.
    let mut forged = bundle.envelope().to_value();
    forged["payload"]["metadata"]["claw.dev/v1"]["run"]["events"][2]["payload"]["decision"] =
        json!("allow");
    assert!(!check_disclosures(&forged)[2].matches);
}

fn replay_code(text: &str) -> &'static str {
    match parse_run_log(text).and_then(|r| RunState::replay(agent_key(), &r)) {
        Ok(_) => "OK",
        Err(e) => e.reason_code(),
    }
}

#[test]
fn edited_logs_do_not_replay() {
    let (text, _) = session();
    let lines: Vec<&str> = text.lines().collect();
    let join = |ls: &[String]| ls.join("\n") + "\n";
    let owned: Vec<String> = lines.iter().map(|s| s.to_string()).collect();

    // A changed result: the receipt differs from what was recorded.
    let mut l = owned.clone();
    l[4] = l[4].replace("\"n\":1.5", "\"n\":2.5");
    assert_ne!(l[4], owned[4]);
    assert_eq!(replay_code(&join(&l)), "RUN_LOG_DIVERGED");
    // Changed arguments: no longer what the decision allowed.
    let mut l = owned.clone();
    l[4] = l[4].replace("src/lib.rs", "src/main.rs");
    assert_eq!(replay_code(&join(&l)), "RUN_LOG_INVALID");
    // A changed time changes the event hash.
    let mut l = owned.clone();
    let r = RunRecord::parse_line(&l[4], 4).unwrap();
    l[4] = l[4].replace(
        &format!("\"at_ms\":{}", r.at_ms),
        &format!("\"at_ms\":{}", r.at_ms + 1),
    );
    assert_eq!(replay_code(&join(&l)), "RUN_LOG_DIVERGED");
    // A denied call's decision turned into an allow: the tool record no longer follows it.
    let mut l = owned.clone();
    l.remove(3); // the allow decision for "read"
    for (i, x) in l.iter_mut().enumerate().skip(3) {
        *x = x.replacen(&format!("\"seq\":{}", i + 1), &format!("\"seq\":{i}"), 1);
    }
    assert_eq!(replay_code(&join(&l)), "RUN_LOG_INVALID");
    // Dropped line (seq gap), truncated last line, blank line, unknown member, empty log.
    let mut l = owned.clone();
    l.remove(3);
    assert_eq!(replay_code(&join(&l)), "RUN_LOG_INVALID");
    assert_eq!(replay_code(text.trim_end()), "RUN_LOG_INVALID");
    assert_eq!(replay_code(&format!("{}\n\n", lines[0])), "RUN_LOG_INVALID");
    let mut l = owned.clone();
    l[2] = l[2].replacen("{", "{\"extra\":1,", 1);
    assert_eq!(replay_code(&join(&l)), "RUN_LOG_INVALID");
    let mut l = owned.clone();
    l[1] = l[1].replacen(
        "\"type\":\"model_begin\"",
        "\"type\":\"model_begin\",\"x\":1",
        1,
    );
    assert_eq!(replay_code(&join(&l)), "RUN_LOG_INVALID");
    assert_eq!(replay_code(""), "RUN_LOG_INVALID");
    // Another agent key cannot replay the run.
    let records = parse_run_log(&text).unwrap();
    let other = claw_core::keys::SigningKey::from_seed(&[1u8; 32]);
    assert_eq!(
        RunState::replay(other, &records).unwrap_err().reason_code(),
        "RECEIPT_BINDING_MISMATCH"
    );
    // The untouched log replays.
    assert_eq!(replay_code(&text), "OK");
}

#[test]
fn the_log_fails_closed() {
    let mut rng = TestRng::new(3);
    let (mut st, _) = RunState::start(agent_key(), start(), T0, seed(&mut rng)).unwrap();
    let args = json!({});
    // A tool call without an allow decision before it.
    let e = st
        .apply(tool("read", &args), T0, seed(&mut rng))
        .unwrap_err();
    assert_eq!(e.reason_code(), "RUN_LOG_INVALID");
    // A denial does not allow.
    st.apply(decision("read", "deny", &args, None), T0, seed(&mut rng))
        .unwrap();
    assert!(st.apply(tool("read", &args), T0, seed(&mut rng)).is_err());
    // An allow for another tool, or other arguments, does not allow this one; an allow is
    // used up by one tool record, which may come later (decide, execute, record).
    let mut rng = TestRng::new(4);
    let (mut st, _) = RunState::start(agent_key(), start(), T0, seed(&mut rng)).unwrap();
    st.apply(decision("read", "allow", &args, None), T0, seed(&mut rng))
        .unwrap();
    assert!(st.apply(tool("write", &args), T0, seed(&mut rng)).is_err());
    assert!(st
        .apply(tool("read", &json!({"x": 1})), T0, seed(&mut rng))
        .is_err());
    st.apply(decision("other", "deny", &args, None), T0, seed(&mut rng))
        .unwrap();
    assert_eq!(st.open_allows().len(), 1);
    // A result status that is not the schema's spelling is refused and keeps the allow open.
    let mut bad = tool("read", &args);
    if let RunOp::Tool { result_status, .. } = &mut bad {
        *result_status = "Success".into();
    }
    let e = st.apply(bad, T0, seed(&mut rng)).unwrap_err();
    assert_eq!(e.reason_code(), "SCHEMA_VALIDATION_FAILED");
    assert!(e.to_string().contains("ToolStatus"), "{e}");
    assert_eq!(st.open_allows().len(), 1);
    st.apply(tool("read", &args), T0, seed(&mut rng)).unwrap();
    assert!(st.open_allows().is_empty());
    assert!(st.apply(tool("read", &args), T0, seed(&mut rng)).is_err());
    // An approval that does not exist cannot be used.
    let e = st
        .apply(
            decision("mail", "allow", &args, Some("har_nope")),
            T0,
            seed(&mut rng),
        )
        .unwrap_err();
    assert_eq!(e.reason_code(), "RUN_LOG_INVALID");
    // A second start, a receipt for no pending call, an unknown decision.
    assert!(st.apply(RunOp::Start(start()), T0, seed(&mut rng)).is_err());
    let stray = gateway()
        .sign_receipt(
            &ModelCall {
                provider: "p",
                model: "m",
                request: b"",
                response: b"",
                tokens_input: 0,
                tokens_output: 0,
                latency_ms: 0,
                timestamp_ms: T0,
                metadata: None,
            },
            None,
            &mut rng,
        )
        .unwrap();
    let e = st
        .apply(
            RunOp::ModelReceipt {
                receipt: stray.to_value(),
            },
            T0,
            seed(&mut rng),
        )
        .unwrap_err();
    assert_eq!(e.reason_code(), "RECEIPT_BINDING_MISMATCH");
    assert!(st
        .apply(decision("read", "maybe", &args, None), T0, seed(&mut rng))
        .is_err());
    // Clock regression is refused.
    assert!(matches!(
        st.apply(
            decision("read", "deny", &args, None),
            T0 - 1,
            seed(&mut rng)
        ),
        Err(EvidenceError::ClockRegression { .. })
    ));
    // A pending model call blocks the bundle.
    st.apply(
        RunOp::ModelBegin {
            provider: "p".into(),
            model: "m".into(),
        },
        T0,
        seed(&mut rng),
    )
    .unwrap();
    let e = st
        .finish(&BundleOptions::default(), T0, &mut rng)
        .unwrap_err();
    assert_eq!(e.reason_code(), "MISSING_REQUIRED_FIELD");
}

#[test]
fn disclosures_stay_within_budget() {
    let mut rng = TestRng::new(5);
    let (mut st, _) = RunState::start(agent_key(), start(), T0, seed(&mut rng)).unwrap();
    let args = json!({});
    for i in 0..200 {
        let verdict = if i % 2 == 0 { "allow" } else { "deny" };
        st.apply(
            decision(&format!("tool_{i}"), verdict, &args, None),
            T0,
            seed(&mut rng),
        )
        .unwrap();
    }
    let d = st.disclosure().unwrap();
    let n = d["events"].as_array().unwrap().len();
    assert!(n > 10 && n < 201, "{n}");
    assert_eq!(d["events_omitted"], json!(201 - n));
    assert!(json::canonicalize(&d).unwrap().len() <= claw_core::evidence::DISCLOSURE_BUDGET_BYTES);
    // Denials were chosen first.
    assert!(d["events"]
        .as_array()
        .unwrap()
        .iter()
        .all(|e| e["payload"]["decision"] == "deny"));
    // The bundle builds within the reference's metadata limit.
    let b = st.finish(&BundleOptions::default(), T0, &mut rng).unwrap();
    assert!(
        json::canonicalize(&b.envelope().payload["metadata"])
            .unwrap()
            .len()
            <= 16_384
    );
}

/// The MCP proxy's records (docs/SPEC.md §10): a listing and a human's elicitation answer are
/// events with their record as payload; they replay, an edited one diverges, empty fields are
/// refused, and a run made of them, a decision and a tool receipt builds a bundle that verifies.
#[test]
fn mcp_listing_and_elicitation_records_replay() {
    let mut rng = TestRng::new(9);
    let (mut st, rec) = RunState::start(agent_key(), start(), T0, seed(&mut rng)).unwrap();
    let args = json!({"path": "/srv/a.txt"});
    let args_hash = hash::sha256_b64u(json::canonicalize(&args).unwrap());
    let listing = RunOp::Listing(ListingRecord {
        server: "fs".into(),
        offered: vec!["read_file".into(), "write_file".into()],
        shown: vec!["read_file".into()],
        offered_hash_b64u: args_hash.clone(),
        kind: None,
    });
    let answer = RunOp::Elicitation(ElicitationRecord::new(
        "fs",
        "tool:execute",
        "read_file",
        &args_hash,
        true,
        "mcp-client:test",
    ));
    let mut lines = vec![rec.to_line().unwrap()];
    for (i, op) in [
        listing,
        answer,
        decision("read_file", "allow", &args, None),
        tool("read_file", &args),
    ]
    .into_iter()
    .enumerate()
    {
        let r = st
            .apply(op, T0 + 10 * (i as i64 + 1), seed(&mut rng))
            .unwrap();
        lines.push(r.to_line().unwrap());
    }
    let events = st.recorder().events();
    assert_eq!(events[1].event_type, "tools_listed");
    assert_eq!(events[2].event_type, "mcp_elicitation");
    let text = lines.join("\n") + "\n";
    assert_eq!(replay_code(&text), "OK");
    // The shown list edited: the event hash recorded in `out` no longer matches.
    let edited = text.replacen(
        r#""shown":["read_file"]"#,
        r#""shown":["read_file","write_file"]"#,
        1,
    );
    assert_ne!(edited, text);
    assert_eq!(replay_code(&edited), "RUN_LOG_DIVERGED");
    let edited = text.replacen(r#""approved":true"#, r#""approved":false"#, 1);
    assert_eq!(replay_code(&edited), "RUN_LOG_DIVERGED");
    // Empty names are refused.
    let bad = RunOp::Listing(ListingRecord {
        server: String::new(),
        offered: vec![],
        shown: vec![],
        offered_hash_b64u: args_hash,
        kind: None,
    });
    assert!(st.apply(bad, T0 + 100, seed(&mut rng)).is_err());
    let bundle = st
        .finish(&BundleOptions::default(), T0 + 60_000, &mut rng)
        .unwrap();
    let v = verify_bundle(bundle.to_json().unwrap().as_bytes(), &config());
    assert!(v.is_valid(), "{v:?}");
}

/// The state of `records[..n]` kept as a chain head only, as the MCP proxy keeps it.
fn head_state(records: &[RunRecord], n: usize) -> RunState {
    let mut st = RunState::replay(agent_key(), &records[..n]).unwrap();
    st.keep_chain_head_only();
    st
}

#[test]
fn a_chain_head_writer_records_the_same_log_in_flat_memory() {
    let (text, full) = session();
    let records = parse_run_log(&text).unwrap();
    // Every record replays to the same `out` when only the chain head is kept.
    let mut st = head_state(&records, 1);
    for r in &records[1..] {
        st.apply_record(r).unwrap();
    }
    assert_eq!(st.recorder().event_count(), full.recorder().events().len());
    assert_eq!(
        st.recorder().events(),
        &full.recorder().events()[full.recorder().events().len() - 1..]
    );
    assert!(st.recorder().receipts().count() <= 1);
    assert!(st.approvals().is_empty(), "the used approval is forgotten");

    // Many more calls: what the state holds does not grow, and the log still builds a bundle.
    let mut rng = TestRng::new(9);
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    let mut t = T0 + 10_000;
    for i in 0..300 {
        let args = json!({"path": format!("src/{i}.rs")});
        for op in [decision("read", "allow", &args, None), tool("read", &args)] {
            lines.push(st.apply(op, t, seed(&mut rng)).unwrap().to_line().unwrap());
        }
        t += 1;
        assert_eq!(st.recorder().events().len(), 1);
        // A tool receipt is signed from its bytes and not kept as a value at all.
        assert_eq!(st.recorder().receipts().count(), 0);
        assert!(st.open_allows().is_empty() && st.approvals().is_empty());
    }
    assert_eq!(
        st.recorder().event_count(),
        full.recorder().events().len() + 600
    );
    for code in [
        st.disclosure().map(|_| ()),
        st.finish(&BundleOptions::default(), t, &mut rng)
            .map(|_| ()),
    ] {
        assert_eq!(code.unwrap_err().reason_code(), "RECORDER_HISTORY_NOT_KEPT");
    }
    let text = lines.join("\n") + "\n";
    let again = RunState::replay(agent_key(), &parse_run_log(&text).unwrap()).unwrap();
    assert_eq!(again.recorder().receipts().count(), 4 + 300);
    let bundle = again
        .finish(&BundleOptions::default(), t + 1000, &mut rng)
        .unwrap();
    let v = verify_bundle(bundle.to_json().unwrap().as_bytes(), &config());
    assert!(v.is_valid(), "{v:?}");
}

#[test]
fn catch_up_applies_what_another_writer_appended() {
    let (text, full) = session();
    let records = parse_run_log(&text).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let tail = |from: usize| {
        lines[from..]
            .iter()
            .map(|l| format!("{l}\n"))
            .collect::<String>()
    };
    // The other writer appended the approval-gated call's approval, decision and result.
    let mut st = head_state(&records, 6);
    assert_eq!(st.catch_up("").unwrap(), 0);
    assert_eq!(st.catch_up(&tail(6)).unwrap(), 4);
    assert_eq!(st.next_seq(), 10);
    assert_eq!(
        st.recorder().events().last(),
        full.recorder().events().last()
    );
    // Refused: records already applied, an incomplete line, an edited line.
    assert_eq!(
        st.catch_up(&tail(9)).unwrap_err().reason_code(),
        "RUN_LOG_INVALID"
    );
    let mut st = head_state(&records, 6);
    let cut = tail(6);
    let e = st.catch_up(&cut[..cut.len() - 1]).unwrap_err();
    assert_eq!(e.reason_code(), "RUN_LOG_INVALID");
    // Named by its line in the log: the fourth appended line is line 10.
    assert!(matches!(e, EvidenceError::RunLog { line: 10, .. }), "{e:?}");
    let mut st = head_state(&records, 6);
    let edited = tail(6).replacen("alice@example.com", "mallory@example.com", 1);
    assert_eq!(
        st.catch_up(&edited).unwrap_err().reason_code(),
        "RUN_LOG_DIVERGED"
    );
}

/// A tool record finds the allow it uses up without searching the open ones. Each used to
/// scan every open allow (comparing tool names) and `Vec::remove` the one it took, so a log
/// that leaves many allows open and then uses them last first took quadratic time: 16,000
/// allows for tools with 2 KiB names, used last first, took 13 s to replay on the 2-core build
/// machine against 1.7 s used first first (20,000 with 4 KiB names: 33 s, against 3.5 s now);
/// now both orders take the same time. Measured against the first-first order of the same
/// run, so the test adapts to the machine's speed; either bound alone fails the old code.
#[test]
fn many_open_allows_used_last_first_replay_in_linear_time() {
    let (n, len) = (16_000, 2048);
    let first_first = open_allows_used_in_order(n, len, false);
    let last_first = open_allows_used_in_order(n, len, true);
    assert!(
        last_first < std::time::Duration::from_secs(10) || last_first < 3 * first_first,
        "{n} allows used last first took {last_first:?}, first first {first_first:?}"
    );
}

/// `n` open allows for tools whose `len`-byte names differ only at the end, all decided
/// before any is used; then their tool records, last first when `reversed`. The state is
/// kept as a chain head, as the MCP proxy keeps it. Returns the time the tool records took.
fn open_allows_used_in_order(n: usize, len: usize, reversed: bool) -> std::time::Duration {
    let name = |i: usize| format!("{}{i:07}", "t".repeat(len - 7));
    let mut rng = TestRng::new(11);
    let (mut st, _) = RunState::start(agent_key(), start(), T0, seed(&mut rng)).unwrap();
    st.keep_chain_head_only();
    let args = json!({});
    for i in 0..n {
        st.apply(decision(&name(i), "allow", &args, None), T0, seed(&mut rng))
            .unwrap();
    }
    assert_eq!(st.open_allows().len(), n);
    let order: Vec<usize> = if reversed {
        (0..n).rev().collect()
    } else {
        (0..n).collect()
    };
    let t = std::time::Instant::now();
    for i in order {
        st.apply(tool(&name(i), &args), T0, seed(&mut rng)).unwrap();
    }
    let took = t.elapsed();
    assert!(st.open_allows().is_empty());
    took
}

/// Disclosures are checked against the event chain through an index. Each disclosed item
/// used to scan the whole chain: 40,000 items (none of them a chain event) against 40,000
/// events took 184 s on the 2-core build machine (quadratic; 0.9 s now), and a report shows a
/// bundle that failed verification too, so neither count is bounded by it.
#[test]
fn many_disclosures_against_a_long_chain_are_checked_in_linear_time() {
    let n = 40_000;
    let events: Vec<Value> = (0..n)
        .map(|i| json!({"event_id": format!("evt_{i}"), "payload_hash_b64u": "x"}))
        .collect();
    let mut items: Vec<Value> = (0..n)
        .map(|i| json!({"event_id": format!("other_{i}"), "payload": i}))
        .collect();
    // One that matches, one whose hash differs: the answers are unchanged.
    let p = json!({"a": 1});
    let h = hash::sha256_b64u(json::canonicalize(&p).unwrap());
    let mut events = events;
    events.push(json!({"event_id": "evt_real", "payload_hash_b64u": h}));
    items.push(json!({"event_id": "evt_real", "payload": p}));
    items.push(json!({"event_id": "evt_real", "payload": {"a": 2}}));
    let bundle =
        json!({"event_chain": events, "metadata": {"claw.dev/v1": {"run": {"events": items}}}});
    let t = std::time::Instant::now();
    let d = check_disclosures(&bundle);
    let took = t.elapsed();
    assert_eq!(d.len(), n + 2);
    assert_eq!(d.iter().filter(|x| x.matches).count(), 1);
    assert!(d[n].matches && !d[n + 1].matches);
    assert!(took < std::time::Duration::from_secs(10), "took {took:?}");
}

//! The text of one run-log line: the record in RFC 8785 form (docs/SPEC.md §6.6), written
//! member by member so that what is already canonical is copied, not serialized again: a
//! `tool` record's arguments and result (their bytes were computed once, for their hashes).
//! The result is byte for byte `JCS(record)`; the tests below compare the two.

use super::runlog::{DecisionRecord, RunOp, RunOut, RunRecord};
use super::{invalid, EvidenceError};
use crate::canonical::JcsObject;
use crate::json;

/// `JCS(record)`, without the newline.
pub(crate) fn record_line(r: &RunRecord) -> Result<Vec<u8>, EvidenceError> {
    let op = op_bytes(&r.op)?;
    let out = out_bytes(&r.out)?;
    let mut o = JcsObject::with_capacity(op.len() + out.len() + 160);
    o.int("at_ms", r.at_ms)?;
    o.raw("op", &op);
    o.raw("out", &out);
    o.str("seed_b64u", &r.seed_b64u);
    o.uint("seq", r.seq)?;
    o.str("v", &r.v);
    Ok(o.finish())
}

fn op_bytes(op: &RunOp) -> Result<Vec<u8>, EvidenceError> {
    match op {
        RunOp::Tool {
            tool_name,
            tool_version,
            args,
            result,
            result_status,
            latency_ms,
        } => {
            let mut o = JcsObject::with_capacity(args.bytes().len() + result.bytes().len() + 160);
            o.raw("args", args.bytes());
            o.uint("latency_ms", *latency_ms)?;
            o.raw("result", result.bytes());
            o.str("result_status", result_status);
            o.str("tool_name", tool_name);
            if let Some(v) = tool_version {
                o.str("tool_version", v);
            }
            o.str("type", "tool");
            Ok(o.finish())
        }
        RunOp::Decision(d) => Ok(decision_bytes(d, true)),
        other => {
            let v =
                serde_json::to_value(other).map_err(|e| invalid("run record", e.to_string()))?;
            Ok(json::canonicalize(&v)?)
        }
    }
}

/// `JCS(d)`, with `"type":"decision"` (the op in the log) or without (the event payload).
pub(crate) fn decision_bytes(d: &DecisionRecord, with_type: bool) -> Vec<u8> {
    let mut o = JcsObject::with_capacity(256);
    o.str("action", &d.action);
    if let Some(v) = &d.approval_receipt_id {
        o.str("approval_receipt_id", v);
    }
    if let Some(v) = &d.args_hash_b64u {
        o.str("args_hash_b64u", v);
    }
    o.str("decision", &d.decision);
    if let Some(v) = &d.policy_hash_b64u {
        o.str("policy_hash_b64u", v);
    }
    o.str("reason_code", &d.reason_code);
    o.str("resource", &d.resource);
    if let Some(v) = &d.statement_id {
        o.str("statement_id", v);
    }
    if with_type {
        o.str("type", "decision");
    }
    o.finish()
}

fn out_bytes(out: &RunOut) -> Result<Vec<u8>, EvidenceError> {
    let mut o = JcsObject::with_capacity(256);
    if let Some(b) = &out.binding {
        o.value("binding", b)?;
    }
    o.str("event_hash_b64u", &out.event_hash_b64u);
    if let Some(h) = &out.receipt_hash_b64u {
        o.str("receipt_hash_b64u", h);
    }
    if let Some(id) = &out.receipt_id {
        o.str("receipt_id", id);
    }
    Ok(o.finish())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::canonical::Canonical;
    use crate::evidence::{ElicitationRecord, ListingRecord, RunStart};
    use serde_json::{json, Value};

    fn generic(r: &RunRecord) -> Vec<u8> {
        json::canonicalize(&serde_json::to_value(r).unwrap()).unwrap()
    }

    fn record(op: RunOp, out: RunOut) -> RunRecord {
        RunRecord {
            v: "1".into(),
            seq: 7,
            at_ms: 1_790_000_000_123,
            seed_b64u: "c2VlZA".into(),
            op,
            out,
        }
    }

    #[test]
    fn lines_are_the_jcs_of_the_record() {
        let canon = |v: Value| Canonical::new(v).unwrap();
        let full_out = RunOut {
            event_hash_b64u: "ev".into(),
            receipt_id: Some("tr_1".into()),
            receipt_hash_b64u: Some("rh".into()),
            binding: Some(json!({"run_id": "r", "event_hash_b64u": "e", "nonce": "n"})),
        };
        let decision = DecisionRecord {
            action: "tool:execute".into(),
            resource: "écho\u{1}\"".into(),
            decision: "allow".into(),
            reason_code: "POLICY_ALLOW".into(),
            statement_id: Some("s".into()),
            policy_hash_b64u: Some("ph".into()),
            args_hash_b64u: Some("ah".into()),
            approval_receipt_id: Some("ha_1".into()),
        };
        let ops = vec![
            RunOp::Tool {
                tool_name: "echo".into(),
                tool_version: Some("1.0".into()),
                args: canon(json!({"message": "hi\n", "z": [1, 2.5, null], "a": {"y": 1, "x": 2}})),
                result: canon(json!({"content": [{"type": "text", "text": "Echo: 😀"}]})),
                result_status: "success".into(),
                latency_ms: 3,
            },
            RunOp::Tool {
                tool_name: "t".into(),
                tool_version: None,
                args: canon(json!({})),
                result: canon(json!("x")),
                result_status: "error".into(),
                latency_ms: 0,
            },
            RunOp::Decision(decision.clone()),
            RunOp::Decision(DecisionRecord {
                statement_id: None,
                policy_hash_b64u: None,
                args_hash_b64u: None,
                approval_receipt_id: None,
                ..decision.clone()
            }),
            RunOp::Listing(ListingRecord {
                server: "s".into(),
                offered: vec!["a".into(), "b".into()],
                shown: vec!["a".into()],
                offered_hash_b64u: "h".into(),
                kind: None,
            }),
            RunOp::Listing(ListingRecord {
                server: "s".into(),
                offered: vec!["u://1".into()],
                shown: vec![],
                offered_hash_b64u: "h".into(),
                kind: Some(crate::evidence::ListedKind::ResourceTemplates),
            }),
            RunOp::Elicitation(ElicitationRecord::new(
                "s",
                "tool:execute",
                "t",
                "h",
                true,
                "mcp-client:x",
            )),
            RunOp::Elicitation(ElicitationRecord::new(
                "s",
                "mcp:read_resource",
                "file:///a",
                "h",
                false,
                "mcp-client:x",
            )),
            RunOp::ModelBegin {
                provider: "p".into(),
                model: "m".into(),
            },
            RunOp::Start(RunStart {
                run_id: "run_1".into(),
                agent_did: "did:key:z".into(),
                agent_key_ref: None,
                policy: None,
                token: None,
            }),
        ];
        for op in ops {
            for out in [RunOut::default(), full_out.clone()] {
                let r = record(op.clone(), out);
                assert_eq!(
                    String::from_utf8(record_line(&r).unwrap()).unwrap(),
                    String::from_utf8(generic(&r)).unwrap()
                );
            }
        }
        // The decision's event payload is the record without its type.
        let payload = serde_json::to_value(&decision).unwrap();
        assert_eq!(
            decision_bytes(&decision, false),
            json::canonicalize(&payload).unwrap()
        );
        // Numbers outside I-JSON are refused as before.
        let mut r = record(
            RunOp::ModelBegin {
                provider: "p".into(),
                model: "m".into(),
            },
            RunOut::default(),
        );
        r.seq = 1 << 60;
        assert!(record_line(&r).is_err());
    }
}

//! OpenClaw session transcripts (reconciliation): any input is refused with a typed error or
//! read without a panic; with a receipt for every executed call, nothing is a bypass; with
//! none, every executed call is one.
#![no_main]
use claw_core::openclaw::reconcile::{
    reconcile, reconcile_records_json, BundleRecords, CallOutcome, ClawRecord, Transcript,
};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = reconcile_records_json(data, Some("s"), data);
    let Ok(t) = Transcript::parse(data) else {
        return;
    };
    let executed = t
        .calls
        .iter()
        .filter(|c| c.outcome == CallOutcome::Executed)
        .count();
    let none = reconcile(&t, &BundleRecords::default());
    let bypasses = |r: &claw_core::openclaw::ReconcileReport| {
        r.findings
            .iter()
            .filter(|f| f.check_id == "claw.openclaw.call_bypassed_gate")
            .count()
    };
    assert_eq!(bypasses(&none), executed);
    let all = BundleRecords {
        session_id: t.session_id.clone(),
        run_id: None,
        receipts: t
            .calls
            .iter()
            .filter(|c| c.outcome == CallOutcome::Executed)
            .map(|c| ClawRecord {
                receipt_id: c.id.clone(),
                tool_name: c.tool.clone(),
                args_hash_b64u: c.args_hash_b64u.clone(),
            })
            .collect(),
        refusals: Vec::new(),
    };
    let r = reconcile(&t, &all);
    assert_eq!(bypasses(&r), 0);
    assert!(!r.has_critical());
    let _ = r.to_json();
    let _ = r.to_metadata();
});

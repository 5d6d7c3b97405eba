//! Bytes as a run log (docs/SPEC.md §6.6, §10.7): split into records and replayed with the
//! agent key of the committed fixtures (claw-cli/tests/fixtures/runlogs-2026-12-06), and again
//! the way the MCP proxy reads it: the first record replayed, the state reduced to its chain
//! head, the rest caught up line by line.
//!
//! Checks beyond "never panics": catching up accepts exactly the logs a full replay accepts,
//! and ends at the same record count and chain head; a state that keeps only the chain head
//! refuses to build a bundle.
#![no_main]
use claw_core::evidence::{parse_run_log, BundleOptions, RunRecord, RunState};
use claw_core::keys::SigningKey;
use libfuzzer_sys::fuzz_target;

const AGENT_JWK: &str = include_str!("../../claw-cli/tests/fixtures/runlogs-2026-12-06/agent.jwk");

fn key() -> SigningKey {
    SigningKey::from_jwk(AGENT_JWK).expect("the fixture key")
}

/// The proxy's way: the first line replayed, then the rest caught up with a chain head only.
fn caught_up(text: &str) -> Option<RunState> {
    let (first, rest) = match text.find('\n') {
        Some(i) => text.split_at(i + 1),
        None => return None,
    };
    let r = RunRecord::parse_line(&first[..first.len() - 1], 0).ok()?;
    let mut st = RunState::replay(key(), &[r]).ok()?;
    st.keep_chain_head_only();
    st.catch_up(rest).ok()?;
    Some(st)
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let full = parse_run_log(text)
        .ok()
        .and_then(|records| RunState::replay(key(), &records).ok());
    let head = caught_up(text);
    assert_eq!(
        full.is_some(),
        head.is_some(),
        "catch-up and replay disagree"
    );
    if let (Some(full), Some(head)) = (full, head) {
        assert_eq!(full.next_seq(), head.next_seq());
        assert_eq!(
            full.recorder().events().last(),
            head.recorder().events().last()
        );
        assert_eq!(full.recorder().event_count(), head.recorder().event_count());
        let refused = head
            .finish(
                &BundleOptions::default(),
                1_800_000_000_000,
                &mut rand_core::OsRng,
            )
            .expect_err("a chain-head state builds no bundle");
        assert_eq!(refused.reason_code(), "RECORDER_HISTORY_NOT_KEPT");
    }
});

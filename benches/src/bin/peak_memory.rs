//! Peak resident memory (VmHWM) of verifying a 100,000-receipt bundle, in both signature
//! modes and for a consumer (`verify_bundle_for_use`, which keeps the verified envelope),
//! and of the CST in-memory replay guard holding 1,000,000 entries.
//!
//! `cargo run --release --bin peak_memory -- [receipts=100000] [guard_entries=1000000] [only]`
//! with `only` one of `batch`, `sequential`, `for_use`, `guard` to measure one thing in a
//! fresh process.
//! The peak is reset between measurements by writing 5 to /proc/self/clear_refs (Linux).
use claw_benches::{bundle_bytes, config, status_kib, Mix};
use claw_core::cst::{InMemoryReplayGuard, ReplayGuard};
use claw_core::evidence::{verify_bundle, verify_bundle_for_use, SigMode};

fn reset_peak() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

fn mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}

fn main() {
    let mut args = std::env::args().skip(1);
    let n: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(100_000);
    let entries: usize = args
        .next()
        .and_then(|a| a.parse().ok())
        .unwrap_or(1_000_000);
    let only = args.next();
    let want = |x: &str| only.as_deref().is_none_or(|o| o == x);

    if want("batch") || want("sequential") || want("for_use") {
        verify_peaks(n, &want);
    }
    if want("guard") {
        guard_peak(entries);
    }
}

fn verify_peaks(n: usize, want: &dyn Fn(&str) -> bool) {
    let bytes = bundle_bytes(n, Mix::Mixed);
    let input_mib = bytes.len() as f64 / (1024.0 * 1024.0);
    let base = status_kib("VmRSS:");
    println!(
        "bundle: {n} receipts, {input_mib:.1} MiB of JSON; RSS with the bytes loaded {:.1} MiB",
        mib(base)
    );
    for (name, mode) in [
        ("batch", SigMode::Batch),
        ("sequential", SigMode::Sequential),
        ("for_use", SigMode::Batch),
    ] {
        if !want(name) {
            continue;
        }
        let mut cfg = config();
        cfg.sig_mode = mode;
        let resettable = reset_peak();
        let before = status_kib("VmRSS:");
        let peak = if name == "for_use" {
            let verified = verify_bundle_for_use(&bytes, &cfg).expect("the bundle verifies");
            let peak = status_kib("VmHWM:");
            assert!(verified.payload()["receipts"].is_array());
            peak
        } else {
            let v = verify_bundle(&bytes, &cfg);
            assert!(v.valid, "{v:?}");
            status_kib("VmHWM:")
        };
        println!(
            "verify_bundle{} {name}: peak RSS {:.1} MiB = {:.1} MiB above the loaded bytes ({:.1}x the bundle size){}",
            if name == "for_use" { "_for_use" } else { "" },
            mib(peak),
            mib(peak.saturating_sub(before)),
            mib(peak.saturating_sub(before)) / input_mib,
            if resettable { "" } else { " [peak not resettable: includes earlier steps]" }
        );
    }
}

fn guard_peak(entries: usize) {
    reset_peak();
    let before = status_kib("VmRSS:");
    // Shards fill unevenly; a quarter of headroom lets every one of `entries` in.
    let guard = InMemoryReplayGuard::new(entries + entries / 4);
    let now = 1_800_000_000;
    for i in 0..entries {
        let jti = format!("jti_{i:032x}");
        guard
            .check_and_record(&jti, "job-42", now + 3600, now)
            .expect("first use is accepted");
    }
    assert_eq!(guard.len(), entries);
    let peak = status_kib("VmHWM:");
    let rss = status_kib("VmRSS:");
    println!(
        "InMemoryReplayGuard with {entries} entries (jti 36 chars, job 6 chars): RSS {:.1} MiB above before ({:.0} bytes/entry), peak {:.1} MiB above before",
        mib(rss.saturating_sub(before)),
        (rss.saturating_sub(before) * 1024) as f64 / entries as f64,
        mib(peak.saturating_sub(before)),
    );
}

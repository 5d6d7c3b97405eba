//! Prometheus counters and histograms, written by hand in the text exposition format
//! (`GET /metrics`).

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

/// Histogram bucket upper bounds, in seconds.
const BUCKETS: [f64; 12] = [
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.05, 0.25, 1.0, 5.0, 30.0,
];

/// A latency histogram.
#[derive(Debug, Default)]
pub struct Histogram {
    counts: [AtomicU64; 12],
    count: AtomicU64,
    sum_ns: AtomicU64,
}

impl Histogram {
    /// Record one observation.
    pub fn observe(&self, d: std::time::Duration) {
        let s = d.as_secs_f64();
        for (i, b) in BUCKETS.iter().enumerate() {
            if s <= *b {
                self.counts[i].fetch_add(1, Ordering::Relaxed);
            }
        }
        self.count.fetch_add(1, Ordering::Relaxed);
        self.sum_ns.fetch_add(
            u64::try_from(d.as_nanos()).unwrap_or(u64::MAX),
            Ordering::Relaxed,
        );
    }

    fn write(&self, out: &mut String, name: &str, help: &str) {
        let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} histogram");
        for (i, b) in BUCKETS.iter().enumerate() {
            let _ = writeln!(
                out,
                "{name}_bucket{{le=\"{b}\"}} {}",
                self.counts[i].load(Ordering::Relaxed)
            );
        }
        let c = self.count.load(Ordering::Relaxed);
        let _ = writeln!(out, "{name}_bucket{{le=\"+Inf\"}} {c}");
        let _ = writeln!(
            out,
            "{name}_sum {}",
            self.sum_ns.load(Ordering::Relaxed) as f64 / 1e9
        );
        let _ = writeln!(out, "{name}_count {c}");
    }
}

/// Everything `/metrics` reports.
#[derive(Debug, Default)]
pub struct Metrics {
    /// Requests by route.
    requests: Mutex<BTreeMap<&'static str, u64>>,
    /// Decisions by reason code (`ALLOW` for forwarded calls).
    decisions: Mutex<BTreeMap<&'static str, u64>>,
    /// Receipts by outcome.
    receipts: Mutex<BTreeMap<&'static str, u64>>,
    pub upstream_latency: Histogram,
    pub signing_latency: Histogram,
}

fn bump(m: &Mutex<BTreeMap<&'static str, u64>>, k: &'static str) {
    *m.lock()
        .unwrap_or_else(|p| p.into_inner())
        .entry(k)
        .or_default() += 1;
}

impl Metrics {
    pub fn request(&self, route: &'static str) {
        bump(&self.requests, route);
    }

    pub fn decision(&self, code: &'static str) {
        bump(&self.decisions, code);
    }

    pub fn receipt(&self, outcome: &'static str) {
        bump(&self.receipts, outcome);
    }

    /// The text exposition.
    pub fn render(&self) -> String {
        let mut out = String::with_capacity(4096);
        for (name, help, label, m) in [
            (
                "claw_gateway_requests_total",
                "Requests by route.",
                "route",
                &self.requests,
            ),
            (
                "claw_gateway_decisions_total",
                "Decisions by reason code.",
                "reason_code",
                &self.decisions,
            ),
            (
                "claw_gateway_receipts_total",
                "Signed receipts by outcome.",
                "outcome",
                &self.receipts,
            ),
        ] {
            let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} counter");
            for (k, v) in m.lock().unwrap_or_else(|p| p.into_inner()).iter() {
                let _ = writeln!(out, "{name}{{{label}=\"{k}\"}} {v}");
            }
        }
        self.upstream_latency.write(
            &mut out,
            "claw_gateway_upstream_latency_seconds",
            "Time to the upstream's response head.",
        );
        self.signing_latency.write(
            &mut out,
            "claw_gateway_receipt_signing_seconds",
            "Time to build and sign a receipt.",
        );
        out
    }
}

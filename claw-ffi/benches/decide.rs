//! One policy decision through the C ABI (`claw_policy_decide`, called as the extern "C"
//! function) beside the same decision through the Rust API, in the same run.
//!
//! Three cases: no context (the pure per-call overhead of the ABI: argument checks, panic
//! boundary, copying the decision into the caller's `claw_decision`), a context given as JSON
//! (the C API parses it; the Rust baseline is given the same JSON and parses it too), and the
//! Rust baseline with a pre-built context (what a Rust caller that already holds its context
//! pays). Numbers go into BENCHMARKS.md, never into a timed test.
use claw::{claw_decision, claw_error, claw_policy, claw_policy_decide, claw_policy_free};
use claw_core::wpc::{CompiledPolicy, NoContext, Policy, PolicyRuntime, Request};
use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};
use std::sync::Arc;

const POLICY: &str = include_str!("../../examples/testdata/policy.v2.json");
const NOW: i64 = 1_770_768_000;
const CONTEXT: &str = r#"{"Request:HasHumanApproval":"true","Data:Class":"internal"}"#;

fn c_policy() -> *mut claw_policy {
    let mut p: *mut claw_policy = std::ptr::null_mut();
    // SAFETY: valid pointer/length pair and out pointer; err may be NULL.
    let rc = unsafe {
        claw::claw_policy_from_json(
            POLICY.as_ptr().cast(),
            POLICY.len(),
            std::ptr::null(),
            &mut p,
            std::ptr::null_mut(),
        )
    };
    assert_eq!(rc, 0);
    p
}

fn rust_runtime() -> PolicyRuntime {
    let policy = Policy::parse(POLICY.as_bytes()).unwrap();
    PolicyRuntime::new(Arc::new(CompiledPolicy::compile(&policy).unwrap()))
}

fn c_decide(p: *const claw_policy, tool: &str, ctx: Option<&str>) -> u32 {
    // SAFETY: zeroed plain-data records the callee writes.
    let mut d: claw_decision = unsafe { std::mem::zeroed() };
    let mut e: claw_error = unsafe { std::mem::zeroed() };
    let (cp, cl) = ctx.map_or((std::ptr::null(), 0), |c| (c.as_ptr().cast(), c.len()));
    // SAFETY: live handle, valid pointer/length pairs, writable outputs.
    let rc = unsafe {
        claw_policy_decide(
            p,
            tool.as_ptr().cast(),
            tool.len(),
            cp,
            cl,
            NOW,
            &mut d,
            &mut e,
        )
    };
    debug_assert_eq!(rc, 0);
    d.decision
}

fn bench(c: &mut Criterion) {
    let p = c_policy();
    let rt = rust_runtime();
    // The two paths must agree before they are timed.
    assert_eq!(c_decide(p, "read", None), 1);
    assert_eq!(c_decide(p, "write", Some(CONTEXT)), 1);
    assert!(
        rt.decide(&Request::tool_call("read", &NoContext, NOW))
            .verdict
            == claw_core::wpc::Verdict::Allow
    );

    let mut g = c.benchmark_group("decide");
    g.throughput(Throughput::Elements(1));
    g.bench_function("rust/no_context", |b| {
        b.iter(|| {
            rt.decide_with(
                &Request::tool_call(black_box("read"), &NoContext, NOW),
                |d| black_box(d.verdict),
            )
        })
    });
    g.bench_function("c_abi/no_context", |b| {
        b.iter(|| c_decide(black_box(p), black_box("read"), None))
    });

    let ctx_pairs = [
        ("Request:HasHumanApproval", "true"),
        ("Data:Class", "internal"),
    ];
    g.bench_function("rust/context_prebuilt", |b| {
        b.iter(|| {
            rt.decide_with(
                &Request::tool_call(black_box("write"), &ctx_pairs, NOW),
                |d| black_box(d.verdict),
            )
        })
    });
    g.bench_function("rust/context_from_json", |b| {
        b.iter(|| {
            let v = claw_core::json::parse(
                black_box(CONTEXT).as_bytes(),
                &claw_core::json::Limits::STRICT,
            )
            .unwrap();
            let pairs: Vec<(&str, &str)> = v
                .as_object()
                .unwrap()
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str().unwrap()))
                .collect();
            rt.decide_with(
                &Request::tool_call(black_box("write"), &pairs.as_slice(), NOW),
                |d| black_box(d.verdict),
            )
        })
    });
    g.bench_function("c_abi/context_json", |b| {
        b.iter(|| c_decide(black_box(p), black_box("write"), Some(black_box(CONTEXT))))
    });
    g.finish();
    // SAFETY: the handle came from claw_policy_from_json and is no longer used.
    unsafe { claw_policy_free(p) };
}

criterion_group!(benches, bench);
criterion_main!(benches);

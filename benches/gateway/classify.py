#!/usr/bin/env python3
"""Where a claw-gateway profile's CPU goes, by category (BENCHMARKS.md "Gateway").

perf script -i OUT.perf.data -F tid,ip,sym --no-inline > OUT.txt  (OUT.perf.data from
benches/gateway/profile.sh), then: python3 benches/gateway/classify.py OUT.txt [CPU_US_PER_REQUEST].
A sample goes to the first category found: system calls by the whole stack, the rest from
the leaf frame upward; allocation is checked first, so malloc inside JSON parsing counts as
allocation. Runnable by hand only."""
import sys, re, collections
# Sample blocks from `perf script -F tid,sym --no-inline`: a header line, then frames (leaf first).
cats = [  # (name, regex) checked per frame from the leaf upward; first match wins
 ("allocation (malloc/free/realloc)", r"^(_int_malloc|malloc|cfree|_int_free|malloc_consolidate|unlink_chunk|_int_realloc|realloc|__libc_malloc|__libc_free|free|tcache|alloc::raw_vec|__rust_alloc|__rust_dealloc)"),
 ("Ed25519 signing (2 per call)", r"ed25519_dalek::signing|curve25519_dalek"),
 ("SHA-256 (bodies, payload)", r"sha2::sha256|sha256"),
 ("CST validation (memoized signature)", r"claw_gateway::auth::validate|claw_core::cst::"),
 ("JSON parse (strict, request + response)", r"claw_core::json::parse|claw_core::json::Parser"),
 ("receipt build + JSON write (excl. signing)", r"claw_gateway::receipt::|claw_core::evidence|claw_core::json::(serialize|write|canonical|sort)|claw_core::envelope"),
 ("log line (tracing fmt + write)", r"tracing_core::event|tracing_subscriber|tracing::"),
 ("merge receipt into response", r"merge_receipt"),
 ("policy / switches / routing", r"claw_gateway::proxy::enforce|claw_core::wpc|switches|claw_gateway::state::State::policy"),
 ("kernel: writev to upstream", r"CLIENT_WRITEV"),
 ("kernel: writev to client", r"SERVER_WRITEV"),
 ("kernel: recvfrom (client + upstream)", r"recvfrom|sys_recv|tcp_recvmsg"),
 ("kernel: futex (wake/park)", r"futex"),
 ("kernel: epoll_wait", r"epoll"),
 ("kernel: other syscalls (write log, getrandom, ...)", r"^(do_syscall_64|entry_SYSCALL)"),
 ("hyper client (legacy Client, pool, conn task)", r"hyper_util::client|hyper::client|HYPERCLIENT|claw_gateway::upstream"),
 ("hyper server (parse head, dispatch, encode)", r"hyper::|http::|http_body"),
 ("tokio scheduler / task harness / timers", r"tokio::runtime|tokio::time|tokio::sync|tokio::task"),
 ("gateway handler (rest)", r"claw_gateway::"),
]
cre = [(n, re.compile(r)) for n, r in cats]
counts = collections.Counter(); total = 0
def classify(frames):
    # mark writev by side: if the stack contains hyper client frames, it is the upstream write
    fs = [f.split('+')[0] for f in frames]
    joined = "\n".join(fs)
    client = ("hyper::client" in joined) or ("hyper_util::client" in joined) or ("claw_gateway::upstream" in joined)
    for f in fs:
        if "writev" in f or "write_vectored" in f or "tcp_sendmsg" in f:
            return "kernel: writev to upstream (incl. waking the reader)" if client else "kernel: writev to client (incl. waking the reader)"
        if "recvfrom" in f or "tcp_recvmsg" in f:
            return "kernel: recvfrom (client + upstream)"
        if "futex" in f:
            return "kernel: futex (wake/park a worker)"
        if "epoll" in f:
            return "kernel: epoll_wait"
        if f in ("finish_task_switch.isra.0", "irqentry_exit_to_user_mode", "exit_to_user_mode_loop", "__schedule", "schedule", "asm_sysvec_reschedule_ipi"):
            return "kernel: context switches, interrupts, preemption"
        for n, r in cre:
            if r.search(f):
                if n.startswith("hyper server") and client:
                    return "hyper client (legacy Client, pool, conn task)"
                return n
    return "other (unresolved frames)"
block = []
for line in open(sys.argv[1], errors="replace"):
    if not line.strip():
        if block:
            total += 1; counts[classify(block)] += 1; block = []
        continue
    if line.startswith(("\t", " ")):
        parts = line.strip().split(None, 1)
        block.append(parts[1] if len(parts) > 1 else parts[0])
if block: total += 1; counts[classify(block)] += 1
cpu_per_req = float(sys.argv[2]) if len(sys.argv) > 2 else None
print(f"samples {total}")
for n, c in counts.most_common():
    us = f"{c/total*cpu_per_req:6.1f} us" if cpu_per_req else ""
    print(f"{c/total*100:5.1f}%  {us}  {n}")

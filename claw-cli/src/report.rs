//! The auditor's HTML report of a proof bundle: one self-contained page.
//!
//! Rules: the verdict comes first; everything from the bundle is attacker-controlled and is
//! written only as escaped text (never into a tag, attribute name, URL or style); the page
//! makes no request of any kind (inline CSS, no scripts, no images or fonts, a
//! Content-Security-Policy of `default-src 'none'; style-src 'unsafe-inline'`).

use claw_core::evidence::{
    check_disclosures, locate_document, ComponentStatus, Located, Verdict, VerifiedBundle,
    CLAW_NAMESPACE,
};
use claw_core::{hash, json};
use serde_json::Value;
use std::collections::HashMap;
use std::fmt::Write as _;

/// Timeline rows shown at most (a bundle may hold a million events).
const MAX_ROWS: usize = 2000;
/// Characters of any one bundle string shown at most.
const MAX_TEXT: usize = 300;

/// Escape for HTML text and double- or single-quoted attribute values. Control characters
/// and bidirectional overrides (which could make text read differently than it is) are
/// shown as U+FFFD; over-long strings are cut.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for (n, c) in s.chars().enumerate() {
        if n == MAX_TEXT {
            out.push('…');
            break;
        }
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' => {
                out.push('\u{FFFD}')
            }
            c if c.is_control() => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

fn st<'a>(v: &'a Value, k: &str) -> Option<&'a str> {
    v.get(k).and_then(Value::as_str)
}

fn num(v: &Value, k: &str) -> Option<u64> {
    v.get(k).and_then(Value::as_u64)
}

/// The payload of an envelope (or the value itself when it is a bare payload).
fn payload_of(v: &Value) -> &Value {
    if v.get("envelope_type").is_some() {
        v.get("payload").unwrap_or(&Value::Null)
    } else {
        v
    }
}

/// `2026-11-24T22:41:31.123Z` → `22:41:31.123`; anything else as it is.
fn clock(ts: &str) -> String {
    match ts.split_once('T') {
        Some((_, t)) if ts.len() == 24 && ts.ends_with('Z') => t.trim_end_matches('Z').to_string(),
        _ => ts.to_string(),
    }
}

fn code(s: &str) -> String {
    format!("<code>{}</code>", esc(s))
}

/// A badge; `class` is always one of this file's fixed names, never bundle data.
fn badge(class: &'static str, text: &str) -> String {
    format!("<span class=\"badge {class}\">{}</span>", esc(text))
}

struct Row {
    ts: String,
    kind: &'static str,
    class: &'static str,
    what: String,
    outcome: String,
}

const CSS: &str = r#"
:root{--ink:#1d2433;--muted:#5b6475;--line:#e3e6ec;--bg:#f6f7f9;--card:#fff;
--pass:#0f7b3f;--pass-bg:#e7f6ed;--fail:#b42318;--fail-bg:#fdecea;--warn:#8a5a00;--warn-bg:#fff4db;
--info:#1f4fb8;--info-bg:#e8effc}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--ink);font:14px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif}
main{max-width:1120px;margin:0 auto;padding:28px 24px 48px}
h1{font-size:15px;font-weight:600;color:var(--muted);margin:0 0 14px;letter-spacing:.02em;text-transform:uppercase}
h2{font-size:17px;margin:0 0 12px}
code,.mono{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,"Liberation Mono",monospace;font-size:12.5px;word-break:break-all}
.verdict{border-radius:10px;padding:22px 26px;margin-bottom:20px;border:1px solid;display:flex;gap:24px;align-items:center}
.verdict.pass{background:var(--pass-bg);border-color:#b7e1c6}
.verdict.fail{background:var(--fail-bg);border-color:#f4c2bc}
.verdict .word{font-size:40px;font-weight:800;letter-spacing:.04em;line-height:1}
.verdict.pass .word{color:var(--pass)}
.verdict.fail .word{color:var(--fail)}
.verdict .why{font-size:16px;font-weight:600}
.verdict .sub{color:var(--muted);margin-top:4px}
.card{background:var(--card);border:1px solid var(--line);border-radius:10px;padding:18px 20px;margin-bottom:18px}
.grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(118px,1fr));gap:12px;margin-bottom:18px}
.stat{background:var(--card);border:1px solid var(--line);border-radius:10px;padding:12px 14px}
.stat .n{font-size:24px;font-weight:700}
.stat .l{color:var(--muted);font-size:12px;text-transform:uppercase;letter-spacing:.04em}
dl.facts{display:grid;grid-template-columns:180px 1fr;gap:6px 16px;margin:0}
dl.facts dt{color:var(--muted)}
dl.facts dd{margin:0}
table{width:100%;border-collapse:collapse}
th{text-align:left;font-size:12px;text-transform:uppercase;letter-spacing:.04em;color:var(--muted);font-weight:600;border-bottom:1px solid var(--line);padding:8px 10px}
td{border-bottom:1px solid var(--line);padding:9px 10px;vertical-align:top}
tr:last-child td{border-bottom:0}
td.t{white-space:nowrap;color:var(--muted);font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12.5px}
.badge{display:inline-block;border-radius:999px;padding:1px 9px;font-size:12px;font-weight:600;white-space:nowrap}
.b-pass{background:var(--pass-bg);color:var(--pass)}
.b-fail{background:var(--fail-bg);color:var(--fail)}
.b-warn{background:var(--warn-bg);color:var(--warn)}
.b-info{background:var(--info-bg);color:var(--info)}
.b-muted{background:#eef0f3;color:var(--muted)}
.k-model{border-left:3px solid #6d5bd0}
.k-tool{border-left:3px solid #1f7a8c}
.k-decision{border-left:3px solid #c98a00}
.k-approval{border-left:3px solid #2f6fdf}
.k-other{border-left:3px solid #b8bec9}
.small{color:var(--muted);font-size:12.5px}
.alert{border-radius:10px;padding:16px 20px;margin-bottom:18px;border:1px solid #f4c2bc;background:var(--fail-bg)}
.alert h2{color:var(--fail)}
.note{border-radius:10px;padding:14px 18px;margin-bottom:18px;border:1px solid #f3dfa8;background:var(--warn-bg)}
footer{color:var(--muted);font-size:12.5px;margin-top:26px}
@media print{body{background:#fff}.card,.stat{break-inside:avoid}}
"#;

/// Render the report of `bytes` (a bundle file) given the verifier's outcome. A PASS page is
/// drawn from the [`VerifiedBundle`] only (the envelope exactly as verified, §6.8); a FAIL
/// page shows, under its "nothing below is vouched for" notice, the document the verifier
/// located in `bytes`, or nothing when the root is ambiguous or not JSON.
pub fn render(
    bytes: &[u8],
    outcome: &Result<VerifiedBundle, Verdict>,
    policy_replayed: bool,
) -> String {
    let failed_doc;
    let (v, bundle) = match outcome {
        Ok(vb) => (vb.verdict(), Some(vb.envelope())),
        Err(v) => {
            failed_doc = json::parse(
                bytes,
                &json::Limits::STRICT.with_max_bytes(bytes.len().max(1)),
            )
            .ok();
            let located = failed_doc.as_ref().and_then(|d| match locate_document(d) {
                Ok(Located::ProofBundle(e)) => Some(e),
                _ => None,
            });
            (v, located)
        }
    };
    // Line breaks after the page's own closing tags keep the source readable; bundle text
    // is escaped, so these strings can only be the page's markup.
    render_page(bytes, v, bundle, outcome.is_ok(), policy_replayed)
        .replace("</style>", "</style>\n")
        .replace("</section>", "</section>\n")
        .replace("</tr>", "</tr>\n")
}

fn render_page(
    bytes: &[u8],
    v: &Verdict,
    located: Option<&Value>,
    pass: bool,
    policy_replayed: bool,
) -> String {
    let empty = Value::Null;
    let bundle = located.unwrap_or(&empty);
    let payload = payload_of(bundle);
    let mut h = String::new();
    h.push_str("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">");
    h.push_str("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">");
    h.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">");
    h.push_str("<meta name=\"referrer\" content=\"no-referrer\">");
    let _ = write!(
        h,
        "<title>{} — claw proof bundle report</title><style>{CSS}</style></head><body><main>",
        if pass { "PASS" } else { "FAIL" }
    );
    h.push_str("<h1>claw · proof bundle report</h1>");

    // 1. The verdict.
    let _ = write!(
        h,
        "<section class=\"verdict {}\" id=\"verdict\"><div class=\"word\">{}</div><div>",
        if pass { "pass" } else { "fail" },
        if pass { "PASS" } else { "FAIL" }
    );
    if pass {
        h.push_str("<div class=\"why\">The bundle verified: signatures, hashes, event chain and receipts are intact.</div>");
    } else {
        let _ = write!(
            h,
            "<div class=\"why\">{} — {}</div>",
            esc(v.reason_code),
            esc(&v.reason)
        );
    }
    let _ = write!(
        h,
        "<div class=\"sub\">Proof tier <strong>{}</strong> · trust tier <strong>{}</strong> · verified offline at {}</div></div></section>",
        esc(v.proof_tier.as_str()),
        esc(v.trust_tier.as_str()),
        esc(&v.verified_at)
    );

    // 2. What failed.
    if !pass {
        h.push_str(
            "<section class=\"alert\" id=\"failure\"><h2>What failed</h2><dl class=\"facts\">",
        );
        if let Some(c) = v
            .components
            .iter()
            .find(|c| c.status == ComponentStatus::Fail)
        {
            let _ = write!(h, "<dt>Check</dt><dd>{}</dd>", esc(c.name));
        }
        let _ = write!(
            h,
            "<dt>Reason code</dt><dd>{}</dd><dt>Reason</dt><dd>{}</dd>",
            code(v.reason_code),
            esc(&v.reason)
        );
        if let Some(f) = &v.field {
            let _ = write!(h, "<dt>Field</dt><dd>{}</dd>", code(f));
        }
        h.push_str("</dl><p class=\"small\">Nothing below this box is vouched for: the contents of a bundle that fails verification may have been altered. They are shown to help locate the problem.</p></section>");
    }

    if located.is_none() {
        h.push_str("<section class=\"card\"><h2>Contents</h2><p>The file holds no single proof bundle (it is not JSON, or its root is ambiguous); there is nothing more to show.</p></section>");
        footer(&mut h, bytes, v);
        return h;
    }

    // Index receipts by the event they are bound to.
    let events: Vec<&Value> = payload
        .get("event_chain")
        .and_then(Value::as_array)
        .map(|a| a.iter().collect())
        .unwrap_or_default();
    let mut by_event: HashMap<&str, Vec<(&'static str, &Value)>> = HashMap::new();
    let mut all_receipts: Vec<(&'static str, &Value)> = Vec::new();
    for (arr, kind) in [
        ("receipts", "gateway"),
        ("tool_receipts", "tool"),
        ("side_effect_receipts", "side_effect"),
        ("human_approval_receipts", "approval"),
        ("delegation_receipts", "delegation"),
    ] {
        for r in payload
            .get(arr)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let p = payload_of(r);
            all_receipts.push((kind, p));
            if let Some(eh) = p
                .get("binding")
                .and_then(|b| b.get("event_hash_b64u"))
                .and_then(Value::as_str)
            {
                by_event.entry(eh).or_default().push((kind, p));
            }
        }
    }
    let disclosures: HashMap<String, (Value, bool)> = check_disclosures(bundle)
        .into_iter()
        .map(|d| (d.event_id, (d.payload, d.matches)))
        .collect();
    let run_md = payload
        .get("metadata")
        .and_then(|m| m.get(CLAW_NAMESPACE))
        .and_then(|n| n.get("run"));

    // 3. Summary numbers.
    let count = |k: &str| all_receipts.iter().filter(|(x, _)| *x == k).count();
    let decisions: Vec<&Value> = events
        .iter()
        .filter(|e| st(e, "event_type") == Some("policy_decision"))
        .filter_map(|e| disclosures.get(st(e, "event_id").unwrap_or("")))
        .filter(|(_, ok)| *ok)
        .map(|(p, _)| p)
        .collect();
    let denied = decisions
        .iter()
        .filter(|d| st(d, "decision") == Some("deny"))
        .count();
    let tokens: u64 = all_receipts
        .iter()
        .filter(|(k, _)| *k == "gateway")
        .map(|(_, p)| num(p, "tokens_input").unwrap_or(0) + num(p, "tokens_output").unwrap_or(0))
        .sum();
    let first_ts = events
        .first()
        .and_then(|e| st(e, "timestamp"))
        .unwrap_or("");
    let last_ts = events.last().and_then(|e| st(e, "timestamp")).unwrap_or("");
    let duration = match (
        claw_core::time::parse_rfc3339_millis(first_ts),
        claw_core::time::parse_rfc3339_millis(last_ts),
    ) {
        (Ok(a), Ok(b)) if b >= a => format!("{:.1} s", (b - a) as f64 / 1000.0),
        _ => "—".into(),
    };
    h.push_str("<section class=\"grid\" id=\"summary\">");
    for (n, l) in [
        (events.len().to_string(), "events"),
        (count("gateway").to_string(), "model calls"),
        (tokens.to_string(), "tokens"),
        (count("tool").to_string(), "tool calls"),
        (denied.to_string(), "denied by policy"),
        (count("approval").to_string(), "human approvals"),
        (duration, "duration"),
    ] {
        let _ = write!(
            h,
            "<div class=\"stat\"><div class=\"n\">{}</div><div class=\"l\">{}</div></div>",
            esc(&n),
            esc(l)
        );
    }
    h.push_str("</section>");

    // 4. Run, policy and token.
    h.push_str(
        "<section class=\"card\" id=\"binding\"><h2>What bound the run</h2><dl class=\"facts\">",
    );
    let _ = write!(
        h,
        "<dt>Run</dt><dd>{}</dd><dt>Agent</dt><dd>{}</dd><dt>Bundle</dt><dd>{} <span class=\"small\">issued {} (envelope issued_at: not covered by the signature)</span></dd><dt>Started</dt><dd>{} <span class=\"small\">ended {}</span></dd>",
        code(v.run_id.as_deref().unwrap_or("—")),
        code(st(payload, "agent_did").unwrap_or("—")),
        code(st(payload, "bundle_id").unwrap_or("—")),
        esc(st(bundle, "issued_at").unwrap_or("—")),
        esc(first_ts),
        esc(last_ts)
    );
    let bound = |field: &str, want: &str| {
        let with = all_receipts
            .iter()
            .filter(|(_, p)| {
                p.get("binding")
                    .and_then(|b| b.get(field))
                    .and_then(Value::as_str)
                    == Some(want)
            })
            .count();
        format!(
            "{with} of {} receipts carry it in their signed binding",
            all_receipts.len()
        )
    };
    match run_md.and_then(|r| r.get("policy")) {
        Some(p) => {
            let hsh = st(p, "hash_b64u").unwrap_or("");
            let _ = write!(
                h,
                "<dt>Policy</dt><dd>{} <span class=\"small\">signed by</span> {}<br>{}<br><span class=\"small\">{}</span></dd>",
                esc(st(p, "policy_id").unwrap_or("—")),
                code(st(p, "signer_did").unwrap_or("—")),
                code(hsh),
                esc(&bound("policy_hash", hsh))
            );
            let replay = v.component("policy");
            let line = match replay.map(|c| c.status) {
                Some(ComponentStatus::Pass) => badge(
                    "b-pass",
                    "passed: no tool receipt is one the policy could never allow",
                ),
                Some(ComponentStatus::Fail) => badge("b-fail", "replay failed"),
                _ if policy_replayed => badge("b-muted", "not reached"),
                _ => badge("b-muted", "not replayed (verify with --wpc to replay)"),
            };
            let _ = write!(h, "<dt>Policy replay</dt><dd>{line}</dd>");
        }
        None => h.push_str("<dt>Policy</dt><dd>not disclosed by the bundle</dd>"),
    }
    match run_md.and_then(|r| r.get("token")) {
        Some(t) => {
            let claims = t.get("claims").cloned().unwrap_or(Value::Null);
            let sh = st(t, "scope_hash_b64u").unwrap_or("");
            let recomputed = claims
                .as_object()
                .cloned()
                .and_then(|m| claw_core::cst::Claims::from_json_object(m).ok())
                .map(|c| c.scope_hash_b64u());
            let check = if recomputed.as_deref() == Some(sh) {
                badge(
                    if pass { "b-pass" } else { "b-muted" },
                    "claims match the scope hash",
                )
            } else {
                badge("b-fail", "claims do not match the scope hash")
            };
            let list = |k: &str| -> String {
                claims
                    .get(k)
                    .and_then(Value::as_array)
                    .map(|a| {
                        a.iter()
                            .filter_map(Value::as_str)
                            .map(code)
                            .collect::<Vec<_>>()
                            .join(" ")
                    })
                    .or_else(|| st(&claims, k).map(code))
                    .unwrap_or_else(|| "—".into())
            };
            let when = |k: &str| {
                claims
                    .get(k)
                    .and_then(Value::as_i64)
                    .map(|s| claw_core::time::format_rfc3339_millis(s.saturating_mul(1000)))
                    .unwrap_or_else(|| "—".into())
            };
            let _ = write!(
                h,
                "<dt>Scoped token</dt><dd>subject {}<br>audience {} · scope {}<br>job {} · valid {} → {}<br>{} {}<br><span class=\"small\">{}</span></dd>",
                code(st(&claims, "sub").unwrap_or("—")),
                list("aud"),
                list("scope"),
                code(st(&claims, "mission_id").unwrap_or("—")),
                esc(&when("iat")),
                esc(&when("exp")),
                code(sh),
                check,
                esc(&bound("token_scope_hash_b64u", sh))
            );
        }
        None => h.push_str("<dt>Scoped token</dt><dd>not disclosed by the bundle</dd>"),
    }
    h.push_str("</dl><p class=\"small\">Policy and token facts are disclosed by the agent in the signed bundle metadata; the hashes are also inside every receipt binding, including those signed by the gateway.</p></section>");

    // 5. Denials.
    if denied > 0 {
        h.push_str("<section class=\"note\" id=\"denials\"><h2>Calls the policy stopped</h2><ul>");
        for d in decisions
            .iter()
            .filter(|d| st(d, "decision") == Some("deny"))
        {
            let _ = write!(
                h,
                "<li>{} on {} — {}{}</li>",
                code(st(d, "action").unwrap_or("")),
                code(st(d, "resource").unwrap_or("")),
                code(st(d, "reason_code").unwrap_or("")),
                st(d, "statement_id")
                    .map(|s| format!(" (statement {})", code(s)))
                    .unwrap_or_default()
            );
        }
        h.push_str("</ul><p class=\"small\">A denied call was never executed: it has a decision event and no tool receipt.</p></section>");
    }

    // 6. Timeline.
    let rows: Vec<Row> = events
        .iter()
        .take(MAX_ROWS)
        .map(|e| timeline_row(e, &by_event, &disclosures))
        .collect();
    let _ = write!(
        h,
        "<section class=\"card\" id=\"timeline\"><h2>Timeline</h2><p class=\"small\">{} events on {} (UTC), in hash-chain order.</p><table><thead><tr><th>Time</th><th>Event</th><th>Details</th><th>Outcome</th></tr></thead><tbody>",
        events.len(),
        esc(first_ts.split('T').next().unwrap_or(""))
    );
    for r in &rows {
        let _ = write!(
            h,
            "<tr class=\"{}\"><td class=\"t\">{}</td><td><strong>{}</strong></td><td>{}</td><td>{}</td></tr>",
            r.class,
            esc(&r.ts),
            esc(r.kind),
            r.what,
            r.outcome
        );
    }
    h.push_str("</tbody></table>");
    if events.len() > MAX_ROWS {
        let _ = write!(
            h,
            "<p class=\"small\">{} more events are not shown.</p>",
            events.len() - MAX_ROWS
        );
    }
    h.push_str("</section>");

    // 7. Verification details.
    h.push_str("<section class=\"card\" id=\"checks\"><h2>Verification checks</h2><table><thead><tr><th>Check</th><th>Result</th><th>Detail</th></tr></thead><tbody>");
    for c in &v.components {
        let b = match c.status {
            ComponentStatus::Pass => badge("b-pass", "pass"),
            ComponentStatus::Fail => badge("b-fail", "fail"),
            ComponentStatus::Warn => badge("b-warn", "warn"),
            ComponentStatus::Skipped => badge("b-muted", "skipped"),
        };
        let detail = if c.code == "OK" {
            esc(&c.detail)
        } else {
            format!("{} {}", code(c.code), esc(&c.detail))
        };
        let _ = write!(
            h,
            "<tr><td>{}</td><td>{b}</td><td>{detail}</td></tr>",
            esc(c.name)
        );
    }
    let _ = write!(
        h,
        "</tbody></table><p class=\"small\">Gateway receipts: {} in the bundle, {} with a valid signature, {} verified (trusted signer and bound to this run).</p></section>",
        v.receipts_count, v.receipts_signature_verified_count, v.receipts_verified_count
    );
    footer(&mut h, bytes, v);
    h
}

fn short(s: &str) -> String {
    if s.chars().count() > 24 {
        let head: String = s.chars().take(16).collect();
        let tail: String = s
            .chars()
            .rev()
            .take(6)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        format!("{head}…{tail}")
    } else {
        s.to_string()
    }
}

fn timeline_row(
    e: &Value,
    by_event: &HashMap<&str, Vec<(&'static str, &Value)>>,
    disclosures: &HashMap<String, (Value, bool)>,
) -> Row {
    let ts = clock(st(e, "timestamp").unwrap_or(""));
    let ty = st(e, "event_type").unwrap_or("");
    let receipts = st(e, "event_hash_b64u")
        .and_then(|h| by_event.get(h))
        .cloned()
        .unwrap_or_default();
    let find = |k: &str| receipts.iter().find(|(x, _)| *x == k).map(|(_, p)| *p);
    let disclosed = st(e, "event_id").and_then(|id| disclosures.get(id));
    let unverified = |ok: bool| {
        if ok {
            String::new()
        } else {
            format!(
                " {}",
                badge("b-fail", "disclosure does not match the event hash")
            )
        }
    };
    match ty {
        "llm_call" => {
            let (what, outcome) = match find("gateway") {
                Some(p) => (
                    format!(
                        "{} / {} · {} in, {} out · {} ms<br><span class=\"small\">gateway receipt {} · gateway {}</span>",
                        esc(st(p, "provider").unwrap_or("?")),
                        code(st(p, "model").unwrap_or("?")),
                        num(p, "tokens_input").unwrap_or(0),
                        num(p, "tokens_output").unwrap_or(0),
                        num(p, "latency_ms").unwrap_or(0),
                        code(st(p, "receipt_id").unwrap_or("?")),
                        esc(st(p, "gateway_id").unwrap_or("?"))
                    ),
                    badge("b-info", "receipt"),
                ),
                None => (
                    "no gateway receipt for this call".to_string(),
                    badge("b-warn", "no receipt"),
                ),
            };
            Row {
                ts,
                kind: "Model call",
                class: "k-model",
                what,
                outcome,
            }
        }
        "tool_call" => {
            let (what, outcome) = match find("tool") {
                Some(p) => {
                    let status = st(p, "result_status").unwrap_or("?");
                    (
                        format!(
                            "{} · {} ms<br><span class=\"small\">tool receipt {}</span>",
                            code(st(p, "tool_name").unwrap_or("?")),
                            num(p, "latency_ms").unwrap_or(0),
                            code(st(p, "receipt_id").unwrap_or("?"))
                        ),
                        if status == "success" {
                            badge("b-pass", status)
                        } else {
                            badge("b-warn", status)
                        },
                    )
                }
                None => ("no tool receipt".to_string(), badge("b-warn", "no receipt")),
            };
            Row {
                ts,
                kind: "Tool call",
                class: "k-tool",
                what,
                outcome,
            }
        }
        "policy_decision" => {
            let (what, outcome) = match disclosed {
                Some((d, ok)) => {
                    let verdict = st(d, "decision").unwrap_or("?");
                    let mut what = format!(
                        "{} on {} · {}",
                        code(st(d, "action").unwrap_or("?")),
                        code(st(d, "resource").unwrap_or("?")),
                        code(st(d, "reason_code").unwrap_or("?"))
                    );
                    if let Some(s) = st(d, "statement_id") {
                        let _ = write!(
                            what,
                            "<br><span class=\"small\">statement {}</span>",
                            code(s)
                        );
                    }
                    if let Some(a) = st(d, "approval_receipt_id") {
                        let _ = write!(
                            what,
                            "<br><span class=\"small\">using approval {}</span>",
                            code(a)
                        );
                    }
                    what.push_str(&unverified(*ok));
                    let b = match verdict {
                        "allow" => badge("b-pass", "allow"),
                        "deny" => badge("b-fail", "deny"),
                        "approval_required" => badge("b-warn", "approval required"),
                        other => badge("b-muted", other),
                    };
                    (what, b)
                }
                None => (
                    "decision record not disclosed (only its hash is in the chain)".to_string(),
                    badge("b-muted", "undisclosed"),
                ),
            };
            Row {
                ts,
                kind: "Policy decision",
                class: "k-decision",
                what,
                outcome,
            }
        }
        "human_approval" => {
            let (what, outcome) = match find("approval") {
                Some(p) => {
                    let t = st(p, "approval_type").unwrap_or("?");
                    let mut what = format!(
                        "{} by {}",
                        esc(&t.replace('_', " ")),
                        esc(st(p, "approver_subject").unwrap_or("?"))
                    );
                    if let Some(m) = st(p, "approver_method") {
                        let _ = write!(what, " via {}", esc(&m.replace('_', " ")));
                    }
                    if let Some(s) = st(p, "scope_summary") {
                        let _ = write!(what, "<br>“{}”", esc(s));
                    }
                    let _ = write!(
                        what,
                        "<br><span class=\"small\">approval receipt {}</span>",
                        code(st(p, "receipt_id").unwrap_or("?"))
                    );
                    let b = if t.contains("approve") {
                        badge("b-pass", "approved")
                    } else {
                        badge("b-fail", "denied")
                    };
                    (what, b)
                }
                None => (
                    "no approval receipt".to_string(),
                    badge("b-warn", "no receipt"),
                ),
            };
            Row {
                ts,
                kind: "Human approval",
                class: "k-approval",
                what,
                outcome,
            }
        }
        "run_start" => {
            let what = match disclosed {
                Some((d, ok)) => {
                    let mut w =
                        format!("agent {}", code(&short(st(d, "agent_did").unwrap_or("?"))));
                    if let Some(p) = st(d, "policy_id") {
                        let _ = write!(w, " · policy {}", esc(p));
                    }
                    w.push_str(&unverified(*ok));
                    w
                }
                None => "run started".to_string(),
            };
            Row {
                ts,
                kind: "Run start",
                class: "k-other",
                what,
                outcome: String::new(),
            }
        }
        other => {
            let mut what = String::new();
            for (k, p) in &receipts {
                let _ = write!(
                    what,
                    "{} receipt {}<br>",
                    esc(&k.replace('_', " ")),
                    code(st(p, "receipt_id").unwrap_or("?"))
                );
            }
            if what.is_empty() {
                what = format!(
                    "payload hash {}",
                    code(&short(st(e, "payload_hash_b64u").unwrap_or("")))
                );
            }
            Row {
                ts,
                kind: match other {
                    "side_effect" => "Side effect",
                    "delegation" => "Delegation",
                    _ => "Event",
                },
                class: "k-other",
                what: if matches!(other, "side_effect" | "delegation") {
                    what
                } else {
                    format!("{} · {}", code(other), what)
                },
                outcome: String::new(),
            }
        }
    }
}

fn footer(h: &mut String, bytes: &[u8], v: &Verdict) {
    let _ = writeln!(
        h,
        "<footer>Generated by claw {} from a bundle file of {} bytes, SHA-256 {}. Verified offline at {}. Everything shown comes from the bundle and is displayed as text; this page loads nothing and runs no scripts.</footer></main></body></html>",
        esc(env!("CARGO_PKG_VERSION")),
        bytes.len(),
        code(&hash::sha256_b64u(bytes)),
        esc(&v.verified_at)
    );
}

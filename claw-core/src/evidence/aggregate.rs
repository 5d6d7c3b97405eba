//! Aggregate bundles (docs/SPEC.md §11.2): a signed `aggregate_bundle` envelope carrying up
//! to 1000 member proof bundles or export bundles, a content-addressed manifest of them and a
//! fleet summary. Verified in the reference verifier's order and with its reason codes:
//! schema, DIDs, timestamps, hash, signature, member order and manifest, then every member
//! (verified as a proof bundle or an export bundle), cross-member rules (causal spans,
//! receipt replays, identities, TTLs, duplicate bundles and runs, rate-limit claims), and
//! finally the fleet summary.

use super::document::{locate_document, Located};
use super::export::verify_export_bundle_value;
use super::schema::{self, ArrayLimits, SchemaError};
use super::verify::{did_format_ok, did_key, parse_input, verify_bundle_value, ProofTier};
use super::VerifyConfig;
use crate::json::{self, KeyOrder};
use crate::{b64, envelope, hash, time};
use serde_json::{json, Map, Value};
use std::collections::{HashMap, HashSet};

/// Clock skew the reference's aggregate verifier allows by default (its CLI sets no other):
/// applied to `issued_at`, every `expires_at`, and passed to the members' verification.
pub const AGGREGATE_TTL_SKEW_MS: i64 = 300_000;

/// The verifier's answer about an aggregate bundle.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AggregateVerdict {
    /// Whether every check passed.
    pub valid: bool,
    /// `OK` when valid, else one reason code.
    pub reason_code: &'static str,
    /// A human-readable explanation of `reason_code`.
    pub reason: String,
    /// JSON path of the failing field, when known.
    pub field: Option<String>,
    /// RFC 3339 time of the verification (the injected clock).
    pub verified_at: String,
    /// The aggregate's `aggregate_id`, when it could be read.
    pub aggregate_id: Option<String>,
    /// The aggregate envelope's signer, when it could be read.
    pub signer_did: Option<String>,
    /// The fleet's proof tier: the lowest of its members' (unknown when invalid).
    pub proof_tier: ProofTier,
    /// Number of member bundles.
    pub member_count: usize,
    /// Number of distinct agent DIDs among the members.
    pub unique_agents: usize,
    /// Number of distinct runs among the members.
    pub total_runs: usize,
}

impl AggregateVerdict {
    /// `{status, reason_code, reason, kind:"aggregate_bundle", verified_at, proof_tier,
    /// aggregate_id?, signer_did?, field?, counts: {members, unique_agents, total_runs}}`.
    pub fn to_json(&self) -> Value {
        let mut m = Map::new();
        self.head().write_json(&mut m);
        m.insert("kind".into(), "aggregate_bundle".into());
        m.insert("proof_tier".into(), self.proof_tier.as_str().into());
        for (k, v) in [
            ("aggregate_id", &self.aggregate_id),
            ("signer_did", &self.signer_did),
        ] {
            if let Some(v) = v {
                m.insert(k.into(), v.clone().into());
            }
        }
        m.insert(
            "counts".into(),
            json!({"members": self.member_count, "unique_agents": self.unique_agents,
                   "total_runs": self.total_runs}),
        );
        json::sorted(&Value::Object(m))
    }
}

/// Is `v` an aggregate bundle envelope (or `{"envelope": …}` wrapping one, located by the
/// one-document rule of §6.8)? The reference CLI's test: `envelope_type` is
/// `aggregate_bundle` and `payload.aggregate_version` is "1". An ambiguous root is not (the
/// proof-bundle verifier refuses it).
pub fn is_aggregate_bundle(v: &Value) -> bool {
    let Ok(Located::ProofBundle(env)) = locate_document(v) else {
        return false;
    };
    env.get("envelope_type").and_then(Value::as_str) == Some("aggregate_bundle")
        && env
            .get("payload")
            .and_then(|p| p.get("aggregate_version"))
            .and_then(Value::as_str)
            == Some("1")
}

/// Verify an aggregate bundle (its envelope JSON, or `{"envelope": …}`).
pub fn verify_aggregate_bundle(bytes: &[u8], cfg: &VerifyConfig) -> AggregateVerdict {
    match parse_input(bytes, cfg) {
        Ok(v) => verify_aggregate_bundle_value(&v, cfg),
        Err(e) => Out::new(cfg).finish(Err(fail("INVALID_JSON", e.to_string(), None))),
    }
}

/// [`verify_aggregate_bundle`] on a strictly parsed value.
pub fn verify_aggregate_bundle_value(v: &Value, cfg: &VerifyConfig) -> AggregateVerdict {
    let mut out = Out::new(cfg);
    let r = match locate_document(v) {
        Ok(Located::ProofBundle(env)) => run(&mut out, env, cfg),
        Ok(_) => Err(fail(
            "SCHEMA_VALIDATION_FAILED",
            "an export bundle is not an aggregate bundle",
            None,
        )),
        Err(e) => Err(fail(e.reason_code(), e.to_string(), None)),
    };
    out.finish(r)
}

struct Fail {
    code: &'static str,
    reason: String,
    field: Option<String>,
}

fn fail(code: &'static str, reason: impl Into<String>, field: Option<String>) -> Fail {
    Fail {
        code,
        reason: reason.into(),
        field,
    }
}

struct Out {
    v: AggregateVerdict,
}

impl Out {
    fn new(cfg: &VerifyConfig) -> Out {
        Out {
            v: AggregateVerdict {
                valid: false,
                reason_code: "OK",
                reason: String::new(),
                field: None,
                verified_at: time::format_rfc3339_millis(cfg.now_ms),
                aggregate_id: None,
                signer_did: None,
                proof_tier: ProofTier::Unknown,
                member_count: 0,
                unique_agents: 0,
                total_runs: 0,
            },
        }
    }

    fn finish(mut self, r: Result<ProofTier, Fail>) -> AggregateVerdict {
        match r {
            Ok(tier) => {
                self.v.valid = true;
                self.v.reason = "aggregate bundle verified".into();
                self.v.proof_tier = tier;
            }
            Err(f) => {
                self.v.valid = false;
                self.v.reason_code = f.code;
                self.v.reason = f.reason;
                self.v.field = f.field;
                self.v.proof_tier = ProofTier::Unknown;
                self.v.member_count = 0;
                self.v.unique_agents = 0;
                self.v.total_runs = 0;
            }
        }
        self.v
    }
}

fn s<'a>(v: &'a Value, k: &str) -> &'a str {
    v.get(k).and_then(Value::as_str).unwrap_or("")
}

fn ms(v: &Value, k: &str) -> Result<Option<i64>, ()> {
    match v.get(k) {
        None => Ok(None),
        Some(Value::String(t)) => time::parse_rfc3339_millis(t).map(Some).map_err(|_| ()),
        Some(_) => Err(()),
    }
}

/// JCS, or `JSON.stringify` when JCS refuses the value (the reference's fallback).
fn fingerprint(v: &Value) -> Vec<u8> {
    json::canonicalize(v)
        .or_else(|_| json::serialize(v, KeyOrder::JavaScript))
        .unwrap_or_default()
}

/// One aggregated rate-limit claim (agent, scope, key, window).
struct RateSum {
    max_requests: f64,
    observed_requests: f64,
    max_in: Option<f64>,
    observed_in: f64,
    max_out: Option<f64>,
    observed_out: f64,
    field: String,
}

fn run(out: &mut Out, env: &Value, cfg: &VerifyConfig) -> Result<ProofTier, Fail> {
    // 1. Schema (aggregate_bundle_envelope.v1 with its members' schemas).
    let limits = ArrayLimits {
        receipts: cfg.limits.max_receipts,
        rate_limit_claims: cfg.limits.max_rate_limit_claims,
    };
    if let Err(e) = schema::aggregate_envelope(limits).validate(env, "$") {
        let SchemaError {
            path,
            message,
            unsupported,
        } = e;
        let code = if unsupported {
            "UNKNOWN_SCHEMA_ID"
        } else {
            "SCHEMA_VALIDATION_FAILED"
        };
        return Err(fail(code, format!("{path}: {message}"), Some(path)));
    }
    let p = &env["payload"];
    let signer = s(env, "signer_did");
    let issuer = s(p, "issuer_did");
    out.v.aggregate_id = Some(s(p, "aggregate_id").to_string());
    out.v.signer_did = Some(signer.to_string());
    let skew = AGGREGATE_TTL_SKEW_MS;
    let now = cfg.now_ms;

    // 2. DIDs.
    if !did_format_ok(signer) || !did_format_ok(issuer) {
        let f = if did_format_ok(signer) {
            "payload.issuer_did"
        } else {
            "signer_did"
        };
        return Err(fail(
            "INVALID_DID_FORMAT",
            "signer_did and payload.issuer_did must be valid DIDs",
            Some(f.into()),
        ));
    }
    if signer != issuer {
        return Err(fail(
            "AGGREGATE_SIGNER_MISMATCH",
            "envelope.signer_did must equal payload.issuer_did",
            Some("signer_did".into()),
        ));
    }

    // 3. Timestamps.
    let malformed = |m: &str, f: &str| fail("MALFORMED_ENVELOPE", m, Some(f.into()));
    let created = ms(p, "created_at").ok().flatten().ok_or_else(|| {
        malformed(
            "payload.created_at is not a date-time",
            "payload.created_at",
        )
    })?;
    let issued = ms(env, "issued_at")
        .ok()
        .flatten()
        .ok_or_else(|| malformed("issued_at is not a date-time", "issued_at"))?;
    let p_exp = ms(p, "expires_at").map_err(|_| {
        malformed(
            "payload.expires_at is not a date-time",
            "payload.expires_at",
        )
    })?;
    let e_exp = ms(env, "expires_at")
        .map_err(|_| malformed("expires_at is not a date-time", "expires_at"))?;
    if created > issued {
        return Err(fail(
            "CAUSAL_CLOCK_CONTRADICTION",
            "payload.created_at must be less than or equal to envelope.issued_at",
            Some("payload.created_at".into()),
        ));
    }
    if issued > now.saturating_add(skew) {
        return Err(fail(
            "FUTURE_TIMESTAMP_POISONING",
            "envelope.issued_at is later than the verification time plus the allowed skew",
            Some("issued_at".into()),
        ));
    }
    for (exp, f) in [(p_exp, "payload.expires_at"), (e_exp, "expires_at")] {
        if exp.is_some_and(|e| now > e.saturating_add(skew)) {
            return Err(fail(
                "EXPIRED_TTL",
                format!("{f} is in the past"),
                Some(f.into()),
            ));
        }
    }

    // 4. Payload hash and signature.
    if s(env, "hash_algorithm") != "SHA-256" {
        return Err(fail(
            "UNKNOWN_HASH_ALGORITHM",
            format!("unsupported hash algorithm {:?}", s(env, "hash_algorithm")),
            Some("hash_algorithm".into()),
        ));
    }
    let computed = envelope::payload_hash("aggregate_bundle", p).map_err(|e| {
        fail(
            "CANONICALIZATION_ERROR",
            e.to_string(),
            Some("payload".into()),
        )
    })?;
    if computed != s(env, "payload_hash_b64u") {
        return Err(fail(
            "HASH_MISMATCH",
            "computed payload hash does not match payload_hash_b64u",
            Some("payload_hash_b64u".into()),
        ));
    }
    let key = match did_key(signer) {
        Ok(Some(k)) => k,
        _ => {
            return Err(fail(
                "INVALID_DID_FORMAT",
                "signer_did must be an Ed25519 did:key",
                Some("signer_did".into()),
            ))
        }
    };
    let sig = b64::decode(s(env, "signature_b64u")).map_err(|_| {
        fail(
            "MALFORMED_ENVELOPE",
            "signature_b64u is not base64url",
            Some("signature_b64u".into()),
        )
    })?;
    key.verify(s(env, "payload_hash_b64u").as_bytes(), &sig)
        .map_err(|_| {
            fail(
                "SIGNATURE_INVALID",
                "signature_b64u does not verify payload_hash_b64u with the signer's key",
                Some("signature_b64u".into()),
            )
        })?;

    // 5. Members sorted by their canonical hash, none twice; the manifest names each.
    let members = p["artifacts"]["member_bundles"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default();
    let member_field = |i: usize| format!("payload.artifacts.member_bundles[{i}]");
    let mut expected: Vec<(String, String, usize)> = Vec::with_capacity(members.len());
    let mut seen_hashes = HashSet::new();
    let mut previous: Option<String> = None;
    for (i, m) in members.iter().enumerate() {
        let bytes = json::canonicalize(m).map_err(|e| {
            fail(
                "CANONICALIZATION_ERROR",
                e.to_string(),
                Some(member_field(i)),
            )
        })?;
        let h = hash::sha256_b64u(&bytes);
        if previous.as_deref().is_some_and(|prev| h.as_str() < prev) {
            return Err(fail(
                "UNSORTED_MEMBER_ARRAY",
                format!("member_bundles[{i}] is out of order (sorted by canonical hash)"),
                Some(member_field(i)),
            ));
        }
        if !seen_hashes.insert(h.clone()) {
            return Err(fail(
                "AGGREGATE_DUPLICATE_MEMBER",
                format!("member_bundles[{i}] repeats an earlier member"),
                Some(member_field(i)),
            ));
        }
        previous = Some(h.clone());
        expected.push((format!("artifacts/member_bundles/{i}.json"), h, bytes.len()));
    }
    check_manifest(&p["manifest"], &mut expected)?;

    // 6. Every member, then the rules across members.
    let mut member_cfg = cfg.clone();
    member_cfg.urm = None;
    member_cfg.ttl_skew_ms = skew;
    let mut seen_bundles = HashSet::new();
    let mut seen_runs = HashSet::new();
    let mut agents = HashSet::new();
    let mut spans: HashMap<String, Vec<u8>> = HashMap::new();
    let mut receipts_seen: HashMap<String, Vec<u8>> = HashMap::new();
    let mut rates: Vec<(String, RateSum)> = Vec::new();
    let mut rate_index: HashMap<String, usize> = HashMap::new();
    let mut fleet: Option<ProofTier> = None;
    for (i, m) in members.iter().enumerate() {
        let (proof_env, prefix, child_tier) = if s(m, "envelope_type") == "proof_bundle" {
            let v = verify_bundle_value(m, &member_cfg);
            (
                m,
                format!("{}.payload", member_field(i)),
                member_result(i, v.valid, v.reason_code, &v.reason, v.proof_tier),
            )
        } else if s(m, "export_version") == "1" {
            let v = verify_export_bundle_value(m, &member_cfg);
            (
                &m["artifacts"]["proof_bundle_envelope"],
                format!(
                    "{}.artifacts.proof_bundle_envelope.payload",
                    member_field(i)
                ),
                member_result(i, v.valid, v.reason_code, &v.reason, v.proof_tier()),
            )
        } else {
            return Err(fail(
                "AGGREGATE_BUNDLE_INVALID",
                format!("member[{i}] is neither a proof bundle envelope nor an export bundle"),
                Some(member_field(i)),
            ));
        };
        let mp = &proof_env["payload"];
        let run_id = member_run_id(mp).map_err(|r| {
            fail(
                "INCONSISTENT_RUN_ID",
                format!("member[{i}] {r}"),
                Some(member_field(i)),
            )
        })?;
        let member_exp = ms(m, "expires_at").map_err(|_| {
            fail(
                "AGGREGATE_BUNDLE_INVALID",
                format!("member[{i}] expires_at is invalid"),
                Some(format!("{}.expires_at", member_field(i))),
            )
        })?;
        let child_tier = child_tier?;
        let agent = s(mp, "agent_did");
        let namespace = run_namespace(&run_id);
        for (j, r) in super::verify::arr(mp, "receipts").iter().enumerate() {
            let field = format!("{prefix}.receipts[{j}].payload");
            if let Some(b) = r["payload"].get("binding").filter(|b| b.is_object()) {
                let id = |a: &str, b2: &str| {
                    b.get(a)
                        .and_then(Value::as_str)
                        .or_else(|| b.get(b2).and_then(Value::as_str))
                        .map(str::trim)
                        .filter(|x| !x.is_empty())
                };
                if let Some(span) = id("span_id", "spanId") {
                    let conf = ["attribution_confidence", "attributionConfidence"]
                        .iter()
                        .find_map(|k| b.get(*k).filter(|x| x.is_number()).cloned())
                        .unwrap_or(Value::Null);
                    let opt = |x: Option<&str>| x.map_or(Value::Null, |x| x.into());
                    let semantic = json!({
                        "parent_span_id": opt(id("parent_span_id", "parentSpanId")),
                        "tool_span_id": opt(id("tool_span_id", "toolSpanId")),
                        "phase": opt(id("phase", "phase")),
                        "attribution_confidence": conf,
                    });
                    let key = format!("{namespace}|{span}");
                    let fp = fingerprint(&semantic);
                    match spans.get(&key) {
                        Some(prev) if *prev != fp => {
                            return Err(fail(
                                "CAUSAL_AGGREGATE_MEMBER_CONFLICT",
                                format!("conflicting causal span semantics for {key} across aggregate members"),
                                Some(format!("{field}.binding.span_id")),
                            ))
                        }
                        Some(_) => {}
                        None => {
                            spans.insert(key, fp);
                        }
                    }
                }
            }
            let rid = s(&r["payload"], "receipt_id");
            if !rid.is_empty() {
                let fp = fingerprint(
                    &json!({"receipt_type": "gateway_receipt", "payload": r["payload"]}),
                );
                match receipts_seen.get(rid) {
                    Some(prev) if *prev != fp => {
                        return Err(fail(
                            "CAUSAL_AGGREGATE_RECEIPT_REPLAY",
                            format!(
                            "receipt_id {rid:?} appears in several members with different content"
                        ),
                            Some(format!("{field}.receipt_id")),
                        ))
                    }
                    Some(_) => {}
                    None => {
                        receipts_seen.insert(rid.to_string(), fp);
                    }
                }
            }
        }
        if agent == issuer {
            return Err(fail(
                "IDENTITY_CONFLICT",
                format!("member[{i}] agent_did equals the aggregate's issuer_did"),
                Some(member_field(i)),
            ));
        }
        if let (Some(pe), Some(me)) = (p_exp, member_exp) {
            if pe > me {
                return Err(fail(
                    "AGGREGATE_TTL_EXCEEDS_MEMBER",
                    format!("member[{i}] expires earlier than the aggregate"),
                    Some(format!("{}.expires_at", member_field(i))),
                ));
            }
        }
        if member_exp.is_some_and(|me| now > me.saturating_add(skew)) {
            return Err(fail(
                "AGGREGATE_MEMBER_INVALID",
                format!("member[{i}] has expired"),
                Some(format!("{}.expires_at", member_field(i))),
            ));
        }
        let bundle_id = s(mp, "bundle_id");
        if !seen_bundles.insert(bundle_id.to_string()) {
            return Err(fail(
                "AGGREGATE_DUPLICATE_BUNDLE_ID",
                format!("duplicate member bundle_id {bundle_id:?}"),
                Some(member_field(i)),
            ));
        }
        if !seen_runs.insert(run_id.clone()) {
            return Err(fail(
                "AGGREGATE_DUPLICATE_RUN_ID",
                format!("duplicate member run_id {run_id:?}"),
                Some(member_field(i)),
            ));
        }
        for (j, c) in super::verify::arr(mp, "rate_limit_claims")
            .iter()
            .enumerate()
        {
            let field = format!("{prefix}.rate_limit_claims[{j}]");
            add_rate_claim(agent, c, field, &mut rates, &mut rate_index)?;
        }
        agents.insert(agent.to_string());
        fleet = Some(fleet.map_or(child_tier, |f| f.min(child_tier)));
    }
    for (key, r) in &rates {
        let over = r.observed_requests > r.max_requests
            || r.max_in.is_some_and(|m| r.observed_in > m)
            || r.max_out.is_some_and(|m| r.observed_out > m);
        if over {
            return Err(fail(
                "RATE_LIMIT_EXCEEDED",
                format!("the members' observations together exceed the limit of claim {key}"),
                Some(r.field.clone()),
            ));
        }
    }

    // 7. The fleet summary.
    let fs = &p["metadata"]["fleet_summary"];
    let fleet = fleet.unwrap_or(ProofTier::Unknown);
    for (k, n) in [
        ("total_members", members.len()),
        ("unique_agents", agents.len()),
        ("total_runs", seen_runs.len()),
    ] {
        if fs.get(k).and_then(Value::as_f64) != Some(n as f64) {
            return Err(fail(
                "FLEET_SUMMARY_MISMATCH",
                format!("fleet_summary.{k} is {} but the members give {n}", fs[k]),
                Some(format!("payload.metadata.fleet_summary.{k}")),
            ));
        }
    }
    if let Some(t) = fs.get("fleet_proof_tier").and_then(Value::as_str) {
        if t != fleet.as_str() {
            return Err(fail(
                "FLEET_SUMMARY_MISMATCH",
                format!(
                    "fleet_summary.fleet_proof_tier is {t:?} but the members give {:?}",
                    fleet.as_str()
                ),
                Some("payload.metadata.fleet_summary.fleet_proof_tier".into()),
            ));
        }
    }
    out.v.member_count = members.len();
    out.v.unique_agents = agents.len();
    out.v.total_runs = seen_runs.len();
    Ok(fleet)
}

fn member_result(
    i: usize,
    valid: bool,
    code: &str,
    reason: &str,
    tier: ProofTier,
) -> Result<ProofTier, Fail> {
    if valid {
        Ok(tier)
    } else {
        Err(fail(
            "AGGREGATE_MEMBER_INVALID",
            format!("member[{i}] failed verification: {code} {reason}"),
            Some(format!("payload.artifacts.member_bundles[{i}]")),
        ))
    }
}

/// The one run id of a member's event chain.
fn member_run_id(p: &Value) -> Result<String, String> {
    let events = super::verify::arr(p, "event_chain");
    if events.is_empty() {
        return Err("must contain a non-empty event_chain".into());
    }
    let mut run: Option<&str> = None;
    for (i, e) in events.iter().enumerate() {
        let r = e.get("run_id").and_then(Value::as_str).unwrap_or("");
        if r.is_empty() {
            return Err(format!(
                "event_chain[{i}].run_id must be a non-empty string"
            ));
        }
        match run {
            None => run = Some(r),
            Some(x) if x != r => {
                return Err(format!("event_chain[{i}].run_id differs within the member"))
            }
            Some(_) => {}
        }
    }
    Ok(run.unwrap_or_default().to_string())
}

/// The part of a run id before `::` (the whole id when there is none).
fn run_namespace(run_id: &str) -> &str {
    let t = run_id.trim();
    match t.find("::") {
        Some(n) if n > 0 => &t[..n],
        _ => t,
    }
}

fn add_rate_claim(
    agent: &str,
    c: &Value,
    field: String,
    rates: &mut Vec<(String, RateSum)>,
    index: &mut HashMap<String, usize>,
) -> Result<(), Fail> {
    let inconsistent = |m: &str, f: &str| fail("RATE_LIMIT_CLAIM_INCONSISTENT", m, Some(f.into()));
    let (Ok(Some(start)), Ok(Some(end))) = (ms(c, "window_start"), ms(c, "window_end")) else {
        return Err(inconsistent(
            "window_start and window_end must be date-times",
            &field,
        ));
    };
    if start > end {
        return Err(fail(
            "RATE_LIMIT_WINDOW_INVALID",
            "window_start must not be after window_end",
            Some(format!("{field}.window_start")),
        ));
    }
    let num = |k: &str| c.get(k).and_then(Value::as_f64);
    let (Some(max_requests), Some(observed_requests)) =
        (num("max_requests"), num("observed_requests"))
    else {
        return Err(inconsistent(
            "max_requests and observed_requests must be numbers",
            &field,
        ));
    };
    if max_requests < 0.0 || observed_requests < 0.0 {
        return Err(inconsistent(
            "max_requests and observed_requests must not be negative",
            &field,
        ));
    }
    let (max_in, obs_in, max_out, obs_out) = (
        num("max_tokens_input"),
        num("observed_tokens_input"),
        num("max_tokens_output"),
        num("observed_tokens_output"),
    );
    if c.get("max_tokens_input").is_some() != c.get("observed_tokens_input").is_some()
        || c.get("max_tokens_output").is_some() != c.get("observed_tokens_output").is_some()
    {
        return Err(inconsistent(
            "max_tokens_* and observed_tokens_* must be given together",
            &field,
        ));
    }
    for k in [
        "max_tokens_input",
        "observed_tokens_input",
        "max_tokens_output",
        "observed_tokens_output",
    ] {
        if c.get(k).is_some() && !num(k).is_some_and(|n| n >= 0.0) {
            return Err(inconsistent(
                "token limits and observations must be non-negative numbers",
                &field,
            ));
        }
    }
    let key = [
        agent,
        s(c, "scope"),
        s(c, "scope_key"),
        s(c, "window_start"),
        s(c, "window_end"),
    ]
    .join("|");
    match index.get(&key) {
        None => {
            index.insert(key.clone(), rates.len());
            rates.push((
                key,
                RateSum {
                    max_requests,
                    observed_requests,
                    max_in,
                    observed_in: obs_in.unwrap_or(0.0),
                    max_out,
                    observed_out: obs_out.unwrap_or(0.0),
                    field,
                },
            ));
        }
        Some(&n) => {
            let r = &mut rates[n].1;
            if r.max_requests != max_requests || r.max_in != max_in || r.max_out != max_out {
                return Err(inconsistent(
                    "conflicting limits for the same agent, scope and window",
                    &field,
                ));
            }
            r.observed_requests += observed_requests;
            r.observed_in += obs_in.unwrap_or(0.0);
            r.observed_out += obs_out.unwrap_or(0.0);
        }
    }
    Ok(())
}

/// Each expected manifest entry (path, hash, size) must be in the manifest, exactly.
fn check_manifest(manifest: &Value, expected: &mut [(String, String, usize)]) -> Result<(), Fail> {
    let entries = super::verify::arr(manifest, "entries");
    let mut by_path: HashMap<&str, &Value> = HashMap::new();
    for e in entries {
        let path = s(e, "path");
        if by_path.insert(path, e).is_some() {
            return Err(fail(
                "AGGREGATE_BUNDLE_INVALID",
                format!("duplicate manifest path {path:?}"),
                Some("payload.manifest.entries.path".into()),
            ));
        }
    }
    if entries.len() != expected.len() {
        return Err(fail(
            "HASH_MISMATCH",
            format!(
                "manifest.entries has {} entries for {} members",
                entries.len(),
                expected.len()
            ),
            Some("payload.manifest.entries".into()),
        ));
    }
    expected.sort_by(|a, b| a.0.cmp(&b.0));
    for (path, h, size) in expected.iter() {
        let field = |k: &str| Some(format!("payload.manifest.entries[{path}].{k}"));
        let Some(e) = by_path.get(path.as_str()) else {
            return Err(fail(
                "HASH_MISMATCH",
                format!("manifest has no entry for {path}"),
                Some("payload.manifest.entries.path".into()),
            ));
        };
        if s(e, "sha256_b64u") != h {
            return Err(fail(
                "HASH_MISMATCH",
                format!("manifest hash mismatch for {path}"),
                field("sha256_b64u"),
            ));
        }
        if s(e, "content_type") != "application/json" {
            return Err(fail(
                "AGGREGATE_BUNDLE_INVALID",
                format!("manifest content_type mismatch for {path}"),
                field("content_type"),
            ));
        }
        if e.get("size_bytes").and_then(Value::as_f64) != Some(*size as f64) {
            return Err(fail(
                "HASH_MISMATCH",
                format!("manifest size_bytes mismatch for {path}"),
                field("size_bytes"),
            ));
        }
    }
    Ok(())
}

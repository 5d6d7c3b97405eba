//! The authoring form: the glossary's policy-as-code shape, compiled into a WPC v2.
//!
//! ```json
//! {
//!   "policy_name": "invoice-triage-prod",
//!   "issuer_did": "did:web:example.com",
//!   "tool_classes": { "read_only_repo": ["git_log", "git_show", "read_file"] },
//!   "allowed_tools": ["read_only_repo", "ticket_comment"],
//!   "denied_tools": ["shell_exec", "write_filesystem"],
//!   "data_classes_allowed": ["internal", "confidential"],
//!   "data_classes_denied": ["regulated_pii"],
//!   "approvals": [{ "action": "send_external_email", "required": true }],
//!   "token_requirements": { "require_cst": true, "pin_cst_to_policy_hash": true, "max_ttl_minutes": 30 },
//!   "evidence_requirements": { "require_gateway_receipts": true, "require_proof_bundle": true },
//!   "run_time_limit_minutes": 60
//! }
//! ```
//!
//! See `docs/SPEC.md §4` ("Authoring form") for every field and the exact compilation.

use super::claw_meta::{
    check_minutes, check_name, EvidenceRequirements, TokenRequirements, CLAW_METADATA_KEY,
};
use super::decision::{
    ACTION_MODEL_INVOKE, ACTION_NETWORK_EGRESS, ACTION_TOOL_EXECUTE, KEY_DATA_CLASS,
    KEY_HUMAN_APPROVAL,
};
use super::error::PolicyError;
use super::glob::glob_match;
use super::policy::{Policy, MAX_POLICY_BYTES};
use super::schema::{check_items, check_len, from_value_at, key_path, present};
use crate::json::{self, Limits};
use serde::Deserialize;
use serde_json::{json, Map, Value};
use std::collections::{BTreeMap, BTreeSet};

fn yes() -> bool {
    true
}

/// One approval requirement.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct Approval {
    /// A tool name or tool class (no wildcards).
    action: String,
    /// Must be `true` when present.
    #[serde(default = "yes")]
    required: bool,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct Authoring {
    policy_name: String,
    issuer_did: String,
    #[serde(default, deserialize_with = "present")]
    inherits: Option<String>,
    #[serde(default)]
    tool_classes: BTreeMap<String, Vec<String>>,
    #[serde(default)]
    allowed_tools: Vec<String>,
    #[serde(default)]
    denied_tools: Vec<String>,
    #[serde(default)]
    data_classes_allowed: Vec<String>,
    #[serde(default)]
    data_classes_denied: Vec<String>,
    #[serde(default)]
    approvals: Vec<Approval>,
    #[serde(default, deserialize_with = "present")]
    token_requirements: Option<TokenRequirements>,
    #[serde(default, deserialize_with = "present")]
    evidence_requirements: Option<EvidenceRequirements>,
    #[serde(default, deserialize_with = "present")]
    run_time_limit_minutes: Option<u64>,
    #[serde(default)]
    allowed_models: Vec<String>,
    #[serde(default)]
    egress_allowlist: Vec<String>,
}

fn err(path: String, detail: String) -> PolicyError {
    PolicyError::Authoring { path, detail }
}

fn names(path: &str, list: &[String], max_items: usize, max_len: usize) -> Result<(), PolicyError> {
    check_items(path, list, 0, max_items, err)?;
    for (i, s) in list.iter().enumerate() {
        check_name(&format!("{path}[{i}]"), s, max_len, err)?;
    }
    Ok(())
}

fn has_wildcard(s: &str) -> bool {
    s.contains(['*', '?'])
}

/// Compile an authoring document (JSON text) into a WPC v2 [`Policy`].
///
/// Deterministic: the same document gives the same payload bytes and hash, and so do
/// documents that differ only in the order of list items, duplicate list items, key order or
/// whitespace. Statement ids are derived from statement content and statements are sorted by
/// id. The result is re-validated against the v2 schema before it is returned.
pub fn compile_authoring(text: &str) -> Result<Policy, PolicyError> {
    let v = json::parse(
        text.as_bytes(),
        &Limits::STRICT.with_max_bytes(MAX_POLICY_BYTES),
    )?;
    if let Some(o) = v.as_object() {
        if o.contains_key("policy_hash") {
            return Err(err(
                "$.policy_hash".into(),
                "policy_hash is computed from the compiled policy and cannot be authored".into(),
            ));
        }
    }
    let a: Authoring = from_value_at(v, "$", err)?;
    compile(&a)
}

fn compile(a: &Authoring) -> Result<Policy, PolicyError> {
    check_name("$.policy_name", &a.policy_name, 128, err)?;
    check_len("$.issuer_did", &a.issuer_did, 4, 256, err)?;
    if !a.issuer_did.starts_with("did:") {
        return Err(err("$.issuer_did".into(), "must start with did:".into()));
    }
    if let Some(i) = &a.inherits {
        check_name("$.inherits", i, 128, err)?;
    }
    if a.tool_classes.len() > 64 {
        return Err(err(
            "$.tool_classes".into(),
            "more than 64 tool classes".into(),
        ));
    }
    for (name, members) in &a.tool_classes {
        let p = key_path("$.tool_classes", name);
        check_name(&p, name, 128, err)?;
        check_items(&p, members, 1, 256, err)?;
        names(&p, members, 256, 512)?;
    }
    names("$.allowed_tools", &a.allowed_tools, 256, 512)?;
    names("$.denied_tools", &a.denied_tools, 256, 512)?;
    names("$.data_classes_allowed", &a.data_classes_allowed, 64, 128)?;
    names("$.data_classes_denied", &a.data_classes_denied, 64, 128)?;
    names("$.allowed_models", &a.allowed_models, 256, 256)?;
    names("$.egress_allowlist", &a.egress_allowlist, 256, 256)?;
    check_items("$.approvals", &a.approvals, 0, 256, err)?;
    if let Some(m) = a
        .token_requirements
        .as_ref()
        .and_then(|t| t.max_ttl_minutes)
    {
        check_minutes("$.token_requirements.max_ttl_minutes", m, err)?;
    }
    if let Some(m) = a.run_time_limit_minutes {
        check_minutes("$.run_time_limit_minutes", m, err)?;
    }

    // Expand tool classes (one level: a class member is always a tool name or pattern).
    let expand = |list: &[String]| -> BTreeSet<String> {
        let mut out = BTreeSet::new();
        for t in list {
            match a.tool_classes.get(t) {
                Some(members) => out.extend(members.iter().cloned()),
                None => {
                    out.insert(t.clone());
                }
            }
        }
        out
    };
    let allowed = expand(&a.allowed_tools);
    let denied = expand(&a.denied_tools);
    let mut approvals = BTreeSet::new();
    for (i, ap) in a.approvals.iter().enumerate() {
        let p = format!("$.approvals[{i}]");
        check_name(&format!("{p}.action"), &ap.action, 512, err)?;
        if !ap.required {
            return Err(err(
                format!("{p}.required"),
                "must be true (list a tool that needs no approval in allowed_tools)".into(),
            ));
        }
        for t in expand(std::slice::from_ref(&ap.action)) {
            if has_wildcard(&t) {
                return Err(err(
                    format!("{p}.action"),
                    format!("approval tool {t:?} has a wildcard; approvals name exact tools"),
                ));
            }
            approvals.insert(t);
        }
    }
    if let Some(t) = allowed.intersection(&denied).next() {
        return Err(err(
            "$.allowed_tools".into(),
            format!("tool {t:?} is both allowed and denied"),
        ));
    }
    for t in &approvals {
        if let Some(p) = allowed.iter().find(|p| glob_match(p, t)) {
            return Err(err(
                "$.approvals".into(),
                format!(
                    "tool {t:?} needs approval but allowed_tools entry {p:?} allows it without one"
                ),
            ));
        }
        if let Some(p) = denied.iter().find(|p| glob_match(p, t)) {
            return Err(err(
                "$.approvals".into(),
                format!("tool {t:?} needs approval but denied_tools entry {p:?} denies it"),
            ));
        }
    }
    let dc_allowed: BTreeSet<&String> = a.data_classes_allowed.iter().collect();
    let dc_denied: BTreeSet<&String> = a.data_classes_denied.iter().collect();
    if let Some(c) = dc_allowed.intersection(&dc_denied).next() {
        return Err(err(
            "$.data_classes_allowed".into(),
            format!("data class {c:?} is both allowed and denied"),
        ));
    }
    for (name, set) in [
        ("allowed_tools", &allowed),
        ("denied_tools", &denied),
        ("approvals", &approvals),
    ] {
        if set.len() > 256 {
            return Err(err(
                format!("$.{name}"),
                format!(
                    "expands to {} tools, more than the 256 resources a statement holds",
                    set.len()
                ),
            ));
        }
    }

    // Statements.
    let mut stmts: Vec<(&str, Value)> = Vec::new();
    let list = |s: &BTreeSet<String>| Value::from(s.iter().cloned().collect::<Vec<_>>());
    let class_eq = |c: &str| json!({ "StringEquals": { KEY_DATA_CLASS: c } });
    if !denied.is_empty() {
        stmts.push((
            "deny-tools",
            json!({ "effect": "Deny", "actions": ["tool:*"], "resources": list(&denied) }),
        ));
    }
    for c in &dc_denied {
        stmts.push((
            "deny-data-class",
            json!({ "effect": "Deny", "actions": ["tool:*"], "resources": ["*"], "conditions": class_eq(c) }),
        ));
    }
    let mut allow = |kind: &'static str, tools: &BTreeSet<String>, approval: bool| {
        if tools.is_empty() {
            return;
        }
        let classes: Vec<Option<&String>> = if dc_allowed.is_empty() {
            vec![None]
        } else {
            dc_allowed.iter().map(|c| Some(*c)).collect()
        };
        for c in classes {
            let mut conds = Map::new();
            if let Some(c) = c {
                conds.insert("StringEquals".into(), json!({ KEY_DATA_CLASS: c }));
            }
            if approval {
                conds.insert("Bool".into(), json!({ KEY_HUMAN_APPROVAL: "true" }));
            }
            let mut s = json!({ "effect": "Allow", "actions": [ACTION_TOOL_EXECUTE], "resources": list(tools) });
            if !conds.is_empty() {
                if let Some(o) = s.as_object_mut() {
                    o.insert("conditions".into(), Value::Object(conds));
                }
            }
            stmts.push((kind, s));
        }
    };
    allow("allow-tools", &allowed, false);
    allow("allow-with-approval", &approvals, true);
    let models: BTreeSet<String> = a.allowed_models.iter().cloned().collect();
    if !models.is_empty() {
        stmts.push(("allow-models", json!({ "effect": "Allow", "actions": [ACTION_MODEL_INVOKE], "resources": list(&models) })));
    }
    let egress: BTreeSet<String> = a.egress_allowlist.iter().cloned().collect();
    if !egress.is_empty() {
        stmts.push(("allow-egress", json!({ "effect": "Allow", "actions": [ACTION_NETWORK_EGRESS], "resources": list(&egress) })));
    }
    if stmts.is_empty() {
        stmts.push((
            "deny-all",
            json!({ "effect": "Deny", "actions": ["*"], "resources": ["*"] }),
        ));
    }
    if stmts.len() > 64 {
        return Err(err(
            "$".into(),
            format!("compiles to {} statements, more than the 64 a WPC v2 holds (fewer allowed data classes help: each one repeats the allow statements)", stmts.len()),
        ));
    }
    let mut statements: Vec<(String, Value)> = Vec::new();
    for (kind, body) in stmts {
        let digest = crate::hash::sha256_b64u(json::canonicalize(&body)?);
        // A base64url SHA-256 is 43 ASCII characters: the slice cannot fail.
        let sid = format!("{kind}.{}", digest.get(..12).unwrap_or(&digest));
        let mut full = Map::new();
        full.insert("sid".into(), Value::String(sid.clone()));
        if let Value::Object(o) = body {
            full.extend(o);
        }
        statements.push((sid, Value::Object(full)));
    }
    statements.sort_by(|x, y| x.0.cmp(&y.0));

    // Metadata.
    let mut meta = Map::new();
    meta.insert("policy_name".into(), Value::String(a.policy_name.clone()));
    if !a.tool_classes.is_empty() {
        let tc: Map<String, Value> = a
            .tool_classes
            .iter()
            .map(|(k, v)| (k.clone(), list(&v.iter().cloned().collect())))
            .collect();
        meta.insert("tool_classes".into(), Value::Object(tc));
    }
    if !approvals.is_empty() {
        meta.insert("approvals".into(), list(&approvals));
    }
    if !dc_allowed.is_empty() || !dc_denied.is_empty() {
        meta.insert(
            "data_classes".into(),
            json!({ "allowed": dc_allowed.iter().collect::<Vec<_>>(), "denied": dc_denied.iter().collect::<Vec<_>>() }),
        );
    }
    if let Some(t) = &a.token_requirements {
        let mut o = json!({ "require_cst": t.require_cst, "pin_cst_to_policy_hash": t.pin_cst_to_policy_hash });
        if let (Some(m), Some(obj)) = (t.max_ttl_minutes, o.as_object_mut()) {
            obj.insert("max_ttl_minutes".into(), Value::from(m));
        }
        meta.insert("token_requirements".into(), o);
    }
    if let Some(e) = &a.evidence_requirements {
        meta.insert(
            "evidence_requirements".into(),
            json!({ "require_gateway_receipts": e.require_gateway_receipts, "require_proof_bundle": e.require_proof_bundle }),
        );
    }
    if let Some(m) = a.run_time_limit_minutes {
        meta.insert("run_time_limit_minutes".into(), Value::from(m));
    }

    let mut payload = Map::new();
    payload.insert("policy_version".into(), Value::from("2"));
    payload.insert("policy_id".into(), Value::String(a.policy_name.clone()));
    payload.insert("issuer_did".into(), Value::String(a.issuer_did.clone()));
    if let Some(i) = &a.inherits {
        payload.insert("inherits".into(), Value::String(i.clone()));
    }
    payload.insert(
        "statements".into(),
        Value::Array(statements.into_iter().map(|(_, s)| s).collect()),
    );
    let mut md = Map::new();
    md.insert(CLAW_METADATA_KEY.into(), Value::Object(meta));
    payload.insert("metadata".into(), Value::Object(md));
    // Re-validate through the v2 reader: the output is a schema-valid WPC or an error.
    Policy::from_value(Value::Object(payload))
}

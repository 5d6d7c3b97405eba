//! The `claw.dev/v1` metadata namespace: what a WPC says about tokens, evidence, data classes,
//! tool classes and run time that the reference v2 statement language cannot express.
//!
//! It lives at `metadata["claw.dev/v1"]` of a v1 or v2 payload, so it is hash-bound (covered
//! by `policy_hash_b64u` and the envelope signature) while the payload stays valid against
//! the reference schemas, whose `metadata` is free-form. Any other `metadata` member whose
//! name starts with `claw.dev/` is rejected (an unknown version of our own namespace may
//! carry requirements we would silently ignore).

use super::error::PolicyError;
use super::schema::{check_items, check_len, from_value_at, key_path, present};
use serde::Deserialize;
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// Name of the metadata member that carries claw's requirements.
pub const CLAW_METADATA_KEY: &str = "claw.dev/v1";

/// Prefix reserved for claw metadata namespaces.
pub const CLAW_METADATA_PREFIX: &str = "claw.dev/";

/// Longest accepted duration, in minutes (7 days), for `max_ttl_minutes` and
/// `run_time_limit_minutes`.
pub const MAX_DURATION_MINUTES: u64 = 7 * 24 * 60;

/// Token (CST) requirements.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct TokenRequirements {
    /// Every job must present a scoped token.
    pub require_cst: bool,
    /// The token's `policy_hash_b64u` must equal this policy's hash.
    pub pin_cst_to_policy_hash: bool,
    /// Longest token lifetime accepted (1..=10080 minutes).
    #[serde(default, deserialize_with = "present")]
    pub max_ttl_minutes: Option<u64>,
}

/// Evidence requirements.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct EvidenceRequirements {
    /// Model calls must carry gateway receipts.
    pub require_gateway_receipts: bool,
    /// A run must end with a proof bundle.
    pub require_proof_bundle: bool,
}

/// Data classes a tool call may (not) touch. Class names are compared exactly.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct DataClasses {
    /// When non-empty, a tool call's `Data:Class` must be one of these.
    #[serde(default)]
    pub allowed: Vec<String>,
    /// A tool call whose `Data:Class` is one of these is denied.
    #[serde(default)]
    pub denied: Vec<String>,
}

impl DataClasses {
    /// Whether the policy restricts data classes at all (then a tool call without a
    /// `Data:Class` is denied).
    pub fn restricts(&self) -> bool {
        !self.allowed.is_empty() || !self.denied.is_empty()
    }
}

/// The `claw.dev/v1` metadata object.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct ClawMetadata {
    /// Human name of the policy (informational; the authoring form's `policy_name`).
    #[serde(default, deserialize_with = "present")]
    pub policy_name: Option<String>,
    /// Tool class name to the tool names (or patterns) it stands for (informational; the
    /// statements hold the expansion).
    #[serde(default, deserialize_with = "present")]
    pub tool_classes: Option<BTreeMap<String, Vec<String>>>,
    /// Tools that need a human approval (informational; enforced by the statements).
    #[serde(default, deserialize_with = "present")]
    pub approvals: Option<Vec<String>>,
    /// Data-class restrictions (enforced on every `tool:*` action).
    #[serde(default, deserialize_with = "present")]
    pub data_classes: Option<DataClasses>,
    /// Token requirements.
    #[serde(default, deserialize_with = "present")]
    pub token_requirements: Option<TokenRequirements>,
    /// Evidence requirements.
    #[serde(default, deserialize_with = "present")]
    pub evidence_requirements: Option<EvidenceRequirements>,
    /// Longest a run may last (1..=10080 minutes), enforced on every decision.
    #[serde(default, deserialize_with = "present")]
    pub run_time_limit_minutes: Option<u64>,
}

fn schema_err(path: String, detail: String) -> PolicyError {
    PolicyError::Schema { path, detail }
}

/// No control characters (C0, DEL, C1, U+2028/U+2029) in names that become patterns or
/// context values.
pub(crate) fn has_control(s: &str) -> bool {
    s.chars()
        .any(|c| c.is_control() || matches!(c, '\u{2028}' | '\u{2029}'))
}

pub(crate) fn check_name(
    path: &str,
    s: &str,
    max: usize,
    mk: fn(String, String) -> PolicyError,
) -> Result<(), PolicyError> {
    check_len(path, s, 1, max, mk)?;
    if has_control(s) {
        return Err(mk(
            path.to_string(),
            "control characters are not allowed".into(),
        ));
    }
    Ok(())
}

pub(crate) fn check_minutes(
    path: &str,
    v: u64,
    mk: fn(String, String) -> PolicyError,
) -> Result<(), PolicyError> {
    if v == 0 || v > MAX_DURATION_MINUTES {
        return Err(mk(
            path.to_string(),
            format!("{v} is outside 1..={MAX_DURATION_MINUTES} minutes"),
        ));
    }
    Ok(())
}

impl ClawMetadata {
    /// Read and validate the namespace from a payload's `metadata`, if present.
    pub(crate) fn from_metadata(
        metadata: Option<&Map<String, Value>>,
    ) -> Result<Option<ClawMetadata>, PolicyError> {
        let Some(m) = metadata else { return Ok(None) };
        for k in m.keys() {
            if k.starts_with(CLAW_METADATA_PREFIX) && k != CLAW_METADATA_KEY {
                return Err(schema_err(
                    key_path("$.metadata", k),
                    format!("unknown claw metadata namespace (only {CLAW_METADATA_KEY:?} is understood)"),
                ));
            }
        }
        let Some(v) = m.get(CLAW_METADATA_KEY) else {
            return Ok(None);
        };
        let root = key_path("$.metadata", CLAW_METADATA_KEY);
        let meta: ClawMetadata = from_value_at(v.clone(), &root, schema_err)?;
        meta.validate(&root)?;
        Ok(Some(meta))
    }

    fn validate(&self, p: &str) -> Result<(), PolicyError> {
        let mk = schema_err;
        if let Some(n) = &self.policy_name {
            check_name(&format!("{p}.policy_name"), n, 128, mk)?;
        }
        if let Some(tc) = &self.tool_classes {
            let tp = format!("{p}.tool_classes");
            if tc.len() > 64 {
                return Err(mk(tp, "more than 64 tool classes".into()));
            }
            for (name, tools) in tc {
                let cp = key_path(&tp, name);
                check_name(&cp, name, 128, mk)?;
                check_items(&cp, tools, 1, 256, mk)?;
                for (i, t) in tools.iter().enumerate() {
                    check_name(&format!("{cp}[{i}]"), t, 512, mk)?;
                }
            }
        }
        if let Some(a) = &self.approvals {
            let ap = format!("{p}.approvals");
            check_items(&ap, a, 0, 256, mk)?;
            for (i, t) in a.iter().enumerate() {
                check_name(&format!("{ap}[{i}]"), t, 512, mk)?;
            }
        }
        if let Some(dc) = &self.data_classes {
            for (field, list) in [("allowed", &dc.allowed), ("denied", &dc.denied)] {
                let lp = format!("{p}.data_classes.{field}");
                check_items(&lp, list, 0, 64, mk)?;
                for (i, c) in list.iter().enumerate() {
                    check_name(&format!("{lp}[{i}]"), c, 128, mk)?;
                }
            }
            if let Some(c) = dc.allowed.iter().find(|c| dc.denied.contains(c)) {
                return Err(mk(
                    format!("{p}.data_classes"),
                    format!("data class {c:?} is both allowed and denied"),
                ));
            }
        }
        if let Some(t) = self
            .token_requirements
            .as_ref()
            .and_then(|t| t.max_ttl_minutes)
        {
            check_minutes(&format!("{p}.token_requirements.max_ttl_minutes"), t, mk)?;
        }
        if let Some(r) = self.run_time_limit_minutes {
            check_minutes(&format!("{p}.run_time_limit_minutes"), r, mk)?;
        }
        Ok(())
    }

    /// The requirements this namespace states.
    pub fn requirements(&self) -> Requirements {
        let t = self.token_requirements.as_ref();
        let e = self.evidence_requirements.as_ref();
        Requirements {
            declared: true,
            require_cst: t.is_some_and(|t| t.require_cst),
            pin_cst_to_policy_hash: t.is_some_and(|t| t.pin_cst_to_policy_hash),
            max_ttl_seconds: t.and_then(|t| t.max_ttl_minutes).map(|m| m * 60),
            require_gateway_receipts: e.is_some_and(|e| e.require_gateway_receipts),
            require_proof_bundle: e.is_some_and(|e| e.require_proof_bundle),
            run_time_limit_seconds: self.run_time_limit_minutes.map(|m| m * 60),
        }
    }
}

/// What a policy requires of tokens, evidence and run time, read from its `claw.dev/v1`
/// metadata. A policy without that namespace requires nothing beyond its statements
/// ([`Requirements::declared`] is then false): callers that must insist on, say, a CST
/// should check `declared()` too.
///
/// Consumers: CST validation (`require_cst`, `pin_cst_to_policy_hash`, `max_ttl_seconds`),
/// proof-bundle verification (`require_gateway_receipts`, `require_proof_bundle`), and the
/// decision itself (`run_time_limit_seconds`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Requirements {
    declared: bool,
    require_cst: bool,
    pin_cst_to_policy_hash: bool,
    max_ttl_seconds: Option<u64>,
    require_gateway_receipts: bool,
    require_proof_bundle: bool,
    run_time_limit_seconds: Option<u64>,
}

impl Requirements {
    /// Whether the policy carries a `claw.dev/v1` namespace at all.
    pub fn declared(&self) -> bool {
        self.declared
    }
    /// A job must present a CST.
    pub fn require_cst(&self) -> bool {
        self.require_cst
    }
    /// The CST's `policy_hash_b64u` must equal this policy's hash.
    pub fn pin_cst_to_policy_hash(&self) -> bool {
        self.pin_cst_to_policy_hash
    }
    /// Longest CST lifetime (`exp - iat`) accepted, in seconds.
    pub fn max_ttl_seconds(&self) -> Option<u64> {
        self.max_ttl_seconds
    }
    /// Model calls must carry gateway receipts.
    pub fn require_gateway_receipts(&self) -> bool {
        self.require_gateway_receipts
    }
    /// A run must produce a proof bundle.
    pub fn require_proof_bundle(&self) -> bool {
        self.require_proof_bundle
    }
    /// Longest a run may last, in seconds (enforced by every decision of the policy).
    pub fn run_time_limit_seconds(&self) -> Option<u64> {
        self.run_time_limit_seconds
    }
}

//! Typed WPC v1 and v2 documents, read exactly per the reference JSON Schemas
//! (`work_policy_contract.v1.json`, `work_policy_contract.v2.json`).
//!
//! Structure (unknown fields, types, required fields, enums) is checked by serde with
//! `deny_unknown_fields`; the limits serde cannot express (string lengths, item counts,
//! patterns, `minimum`, unique `sid`, `date-time`) are checked by [`Validate`] afterwards.
//! String lengths are counted in Unicode code points, as JSON Schema (and Ajv) define them.

use super::error::PolicyError;
use serde::de::{DeserializeOwned, Deserializer, MapAccess, Visitor};
use serde::Deserialize;
use serde_json::{Map, Value};
use std::collections::HashSet;
use std::fmt;

/// Deserialize a present field (absent fields take `#[serde(default)]`); `null` is rejected
/// because no optional field of the schemas admits it.
pub(crate) fn present<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    T::deserialize(d).map(Some)
}

/// Append an object key to a JSON path, quoting keys that are not plain identifiers.
pub(crate) fn key_path(parent: &str, key: &str) -> String {
    let simple = !key.is_empty()
        && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !key.starts_with(|c: char| c.is_ascii_digit());
    if simple {
        format!("{parent}.{key}")
    } else {
        format!("{parent}[{}]", Value::String(key.to_string()))
    }
}

/// Read `value` into `T`, turning serde's error into [`PolicyError::Schema`] with its path
/// rooted at `root`.
pub(crate) fn from_value_at<T: DeserializeOwned>(
    value: Value,
    root: &str,
    mk: fn(String, String) -> PolicyError,
) -> Result<T, PolicyError> {
    serde_path_to_error::deserialize::<_, T>(value).map_err(|e| {
        let mut path = root.to_string();
        for seg in e.path().iter() {
            path = match seg {
                serde_path_to_error::Segment::Seq { index } => format!("{path}[{index}]"),
                serde_path_to_error::Segment::Map { key } => key_path(&path, key),
                serde_path_to_error::Segment::Enum { variant } => key_path(&path, variant),
                serde_path_to_error::Segment::Unknown => format!("{path}.?"),
            };
        }
        mk(path, e.into_inner().to_string())
    })
}

/// `minLength` / `maxLength` in Unicode code points.
pub(crate) fn check_len(
    path: &str,
    s: &str,
    min: usize,
    max: usize,
    mk: fn(String, String) -> PolicyError,
) -> Result<(), PolicyError> {
    let n = s.chars().count();
    if n < min {
        return Err(mk(
            path.to_string(),
            format!("string has {n} characters, fewer than minLength {min}"),
        ));
    }
    if n > max {
        return Err(mk(
            path.to_string(),
            format!("string has {n} characters, more than maxLength {max}"),
        ));
    }
    Ok(())
}

/// `minItems` / `maxItems`.
pub(crate) fn check_items<T>(
    path: &str,
    items: &[T],
    min: usize,
    max: usize,
    mk: fn(String, String) -> PolicyError,
) -> Result<(), PolicyError> {
    let n = items.len();
    if n < min {
        return Err(mk(
            path.to_string(),
            format!("array has {n} items, fewer than minItems {min}"),
        ));
    }
    if n > max {
        return Err(mk(
            path.to_string(),
            format!("array has {n} items, more than maxItems {max}"),
        ));
    }
    Ok(())
}

fn schema_err(path: String, detail: String) -> PolicyError {
    PolicyError::Schema { path, detail }
}

fn len(path: &str, s: &str, min: usize, max: usize) -> Result<(), PolicyError> {
    check_len(path, s, min, max, schema_err)
}

fn items<T>(path: &str, v: &[T], min: usize, max: usize) -> Result<(), PolicyError> {
    check_items(path, v, min, max, schema_err)
}

fn did(path: &str, s: &str) -> Result<(), PolicyError> {
    len(path, s, 4, 256)?;
    if !s.starts_with("did:") {
        return Err(schema_err(
            path.to_string(),
            "string does not match pattern ^did:".into(),
        ));
    }
    Ok(())
}

/// Checks that serde cannot express.
pub(crate) trait Validate {
    fn validate(&self, path: &str) -> Result<(), PolicyError>;
}

/// A model provider named by WPC v1 `allowed_providers`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum Provider {
    /// `openai`
    Openai,
    /// `anthropic`
    Anthropic,
    /// `google`
    Google,
}

impl Provider {
    /// Every provider the v1 schema knows.
    pub const ALL: [Provider; 3] = [Provider::Openai, Provider::Anthropic, Provider::Google];

    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Provider::Openai => "openai",
            Provider::Anthropic => "anthropic",
            Provider::Google => "google",
        }
    }
}

/// WPC v1 `minimum_model_identity_tier`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ModelIdentityTier {
    /// `closed_opaque`
    ClosedOpaque,
    /// `closed_provider_manifest`
    ClosedProviderManifest,
    /// `openweights_hashable`
    OpenweightsHashable,
    /// `tee_measured`
    TeeMeasured,
}

/// WPC v1 redaction action.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum RedactionAction {
    /// `remove`
    Remove,
    /// `hash`
    Hash,
    /// `mask`
    Mask,
}

/// One WPC v1 redaction rule.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct RedactionRule {
    /// Simplified JSONPath-like pattern (1..=512 characters).
    pub path: String,
    /// What to do with the matched value.
    pub action: RedactionAction,
}

/// WPC v1 `receipt_privacy_mode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ReceiptPrivacyMode {
    /// `hash_only`
    HashOnly,
    /// `encrypted`
    Encrypted,
}

/// A Work Policy Contract v1 (flat allowlists, no statements).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct WpcV1 {
    /// Always `"1"`.
    pub policy_version: String,
    /// Stable identifier (1..=128 characters).
    pub policy_id: String,
    /// Issuer DID (`^did:`, 4..=256 characters).
    pub issuer_did: String,
    /// Provider allowlist (at most 16).
    #[serde(default, deserialize_with = "present")]
    pub allowed_providers: Option<Vec<Provider>>,
    /// Model allowlist patterns (at most 256, each 1..=256 characters).
    #[serde(default, deserialize_with = "present")]
    pub allowed_models: Option<Vec<String>>,
    /// Minimum model identity tier (enforced by gateways, not by [`crate::wpc`] decisions).
    #[serde(default, deserialize_with = "present")]
    pub minimum_model_identity_tier: Option<ModelIdentityTier>,
    /// Required audit pack hashes (at most 64, each `^[A-Za-z0-9_-]+$`, 8..=128 characters).
    #[serde(default, deserialize_with = "present")]
    pub required_audit_packs: Option<Vec<String>>,
    /// Redaction rules (at most 256).
    #[serde(default, deserialize_with = "present")]
    pub redaction_rules: Option<Vec<RedactionRule>>,
    /// Receipt privacy mode.
    #[serde(default, deserialize_with = "present")]
    pub receipt_privacy_mode: Option<ReceiptPrivacyMode>,
    /// Egress allowlist patterns (at most 256, each 1..=256 characters).
    #[serde(default, deserialize_with = "present")]
    pub egress_allowlist: Option<Vec<String>>,
    /// Free-form, hash-bound metadata (the `claw.dev/v1` member is validated separately).
    #[serde(default, deserialize_with = "present")]
    pub metadata: Option<Map<String, Value>>,
}

impl Validate for WpcV1 {
    fn validate(&self, p: &str) -> Result<(), PolicyError> {
        if self.policy_version != "1" {
            return Err(schema_err(
                format!("{p}.policy_version"),
                "must be the constant \"1\"".into(),
            ));
        }
        len(&format!("{p}.policy_id"), &self.policy_id, 1, 128)?;
        did(&format!("{p}.issuer_did"), &self.issuer_did)?;
        if let Some(v) = &self.allowed_providers {
            items(&format!("{p}.allowed_providers"), v, 0, 16)?;
        }
        if let Some(v) = &self.allowed_models {
            let ap = format!("{p}.allowed_models");
            items(&ap, v, 0, 256)?;
            for (i, s) in v.iter().enumerate() {
                len(&format!("{ap}[{i}]"), s, 1, 256)?;
            }
        }
        if let Some(v) = &self.required_audit_packs {
            let ap = format!("{p}.required_audit_packs");
            items(&ap, v, 0, 64)?;
            for (i, s) in v.iter().enumerate() {
                let ip = format!("{ap}[{i}]");
                len(&ip, s, 8, 128)?;
                if !s
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
                {
                    return Err(schema_err(
                        ip,
                        "string does not match ^[A-Za-z0-9_-]+$".into(),
                    ));
                }
            }
        }
        if let Some(v) = &self.redaction_rules {
            let ap = format!("{p}.redaction_rules");
            items(&ap, v, 0, 256)?;
            for (i, r) in v.iter().enumerate() {
                len(&format!("{ap}[{i}].path"), &r.path, 1, 512)?;
            }
        }
        if let Some(v) = &self.egress_allowlist {
            let ap = format!("{p}.egress_allowlist");
            items(&ap, v, 0, 256)?;
            for (i, s) in v.iter().enumerate() {
                len(&format!("{ap}[{i}]"), s, 1, 256)?;
            }
        }
        Ok(())
    }
}

/// WPC v2 `coverage_enforcement`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum CoverageEnforcement {
    /// `observe` (the schema default)
    Observe,
    /// `warn`
    Warn,
    /// `enforce`
    Enforce,
}

/// `witnessed_web_policy.mode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum WitnessedWebMode {
    /// `warn` (the schema default)
    Warn,
    /// `enforce`
    Enforce,
}

/// `witnessed_web_policy.transparency.mode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum TransparencyMode {
    /// `optional` (the schema default)
    Optional,
    /// `warn`
    Warn,
    /// `enforce`
    Enforce,
}

/// `witnessed_web_policy.quorum`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct WitnessedWebQuorum {
    /// Minimum agreeing witnesses (a number >= 1).
    pub m: f64,
    /// Minimum total observations (a number >= 1).
    pub n: f64,
}

/// `witnessed_web_policy.transparency`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct WitnessedWebTransparency {
    /// Anchoring mode.
    #[serde(default, deserialize_with = "present")]
    pub mode: Option<TransparencyMode>,
    /// RFC 3339 date-time after which anchoring is required.
    #[serde(default, deserialize_with = "present")]
    pub required_after: Option<String>,
}

/// WPC v2 `witnessed_web_policy` (carried for proof-bundle verification).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct WitnessedWebPolicy {
    /// Behaviour when quorum checks fail.
    #[serde(default, deserialize_with = "present")]
    pub mode: Option<WitnessedWebMode>,
    /// Quorum thresholds.
    #[serde(default, deserialize_with = "present")]
    pub quorum: Option<WitnessedWebQuorum>,
    /// Transparency anchoring.
    #[serde(default, deserialize_with = "present")]
    pub transparency: Option<WitnessedWebTransparency>,
}

/// A statement's effect.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize, serde::Serialize)]
#[non_exhaustive]
pub enum Effect {
    /// `Allow`
    Allow,
    /// `Deny`
    Deny,
}

/// A condition operator of the v2 schema.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ConditionOperator {
    /// `StringEquals`
    StringEquals,
    /// `StringNotEquals`
    StringNotEquals,
    /// `StringLike`
    StringLike,
    /// `StringNotLike`
    StringNotLike,
    /// `NumericEquals`
    NumericEquals,
    /// `NumericLessThan`
    NumericLessThan,
    /// `NumericGreaterThan`
    NumericGreaterThan,
    /// `Bool`
    Bool,
    /// `IpAddress`
    IpAddress,
}

impl ConditionOperator {
    /// Every operator, in schema order.
    pub const ALL: [ConditionOperator; 9] = [
        ConditionOperator::StringEquals,
        ConditionOperator::StringNotEquals,
        ConditionOperator::StringLike,
        ConditionOperator::StringNotLike,
        ConditionOperator::NumericEquals,
        ConditionOperator::NumericLessThan,
        ConditionOperator::NumericGreaterThan,
        ConditionOperator::Bool,
        ConditionOperator::IpAddress,
    ];

    /// The operator's name in the schema.
    pub fn as_str(self) -> &'static str {
        match self {
            ConditionOperator::StringEquals => "StringEquals",
            ConditionOperator::StringNotEquals => "StringNotEquals",
            ConditionOperator::StringLike => "StringLike",
            ConditionOperator::StringNotLike => "StringNotLike",
            ConditionOperator::NumericEquals => "NumericEquals",
            ConditionOperator::NumericLessThan => "NumericLessThan",
            ConditionOperator::NumericGreaterThan => "NumericGreaterThan",
            ConditionOperator::Bool => "Bool",
            ConditionOperator::IpAddress => "IpAddress",
        }
    }
}

/// A `ConditionMap`: context key to expected value, in document order (at most 16 entries,
/// values at most 512 characters).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ConditionMap(pub Vec<(String, String)>);

impl<'de> Deserialize<'de> for ConditionMap {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = ConditionMap;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object whose values are strings")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut a: A) -> Result<ConditionMap, A::Error> {
                let mut out = Vec::new();
                while let Some((k, v)) = a.next_entry::<String, String>()? {
                    out.push((k, v));
                }
                Ok(ConditionMap(out))
            }
        }
        d.deserialize_map(V)
    }
}

/// A statement's `conditions` object: each present operator holds a [`ConditionMap`].
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct Conditions {
    /// `StringEquals`
    #[serde(rename = "StringEquals", default, deserialize_with = "present")]
    pub string_equals: Option<ConditionMap>,
    /// `StringNotEquals`
    #[serde(rename = "StringNotEquals", default, deserialize_with = "present")]
    pub string_not_equals: Option<ConditionMap>,
    /// `StringLike`
    #[serde(rename = "StringLike", default, deserialize_with = "present")]
    pub string_like: Option<ConditionMap>,
    /// `StringNotLike`
    #[serde(rename = "StringNotLike", default, deserialize_with = "present")]
    pub string_not_like: Option<ConditionMap>,
    /// `NumericEquals`
    #[serde(rename = "NumericEquals", default, deserialize_with = "present")]
    pub numeric_equals: Option<ConditionMap>,
    /// `NumericLessThan`
    #[serde(rename = "NumericLessThan", default, deserialize_with = "present")]
    pub numeric_less_than: Option<ConditionMap>,
    /// `NumericGreaterThan`
    #[serde(rename = "NumericGreaterThan", default, deserialize_with = "present")]
    pub numeric_greater_than: Option<ConditionMap>,
    /// `Bool`
    #[serde(rename = "Bool", default, deserialize_with = "present")]
    pub bool: Option<ConditionMap>,
    /// `IpAddress`
    #[serde(rename = "IpAddress", default, deserialize_with = "present")]
    pub ip_address: Option<ConditionMap>,
}

impl Conditions {
    /// The present operators with their maps, in schema order.
    pub fn iter(&self) -> impl Iterator<Item = (ConditionOperator, &ConditionMap)> {
        [
            &self.string_equals,
            &self.string_not_equals,
            &self.string_like,
            &self.string_not_like,
            &self.numeric_equals,
            &self.numeric_less_than,
            &self.numeric_greater_than,
            &self.bool,
            &self.ip_address,
        ]
        .into_iter()
        .zip(ConditionOperator::ALL)
        .filter_map(|(m, op)| m.as_ref().map(|m| (op, m)))
    }
}

/// One IAM-style statement.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct Statement {
    /// Identifier, unique within the policy (1..=128 characters).
    pub sid: String,
    /// `Allow` or `Deny`.
    pub effect: Effect,
    /// Action patterns (1..=64, each 1..=256 characters).
    pub actions: Vec<String>,
    /// Resource patterns (1..=256, each 1..=512 characters).
    pub resources: Vec<String>,
    /// Conditions, all of which must hold.
    #[serde(default, deserialize_with = "present")]
    pub conditions: Option<Conditions>,
}

/// A Work Policy Contract v2 (IAM-style statements).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct WpcV2 {
    /// Always `"2"`.
    pub policy_version: String,
    /// Stable identifier (1..=128 characters).
    pub policy_id: String,
    /// Issuer DID (`^did:`, 4..=256 characters).
    pub issuer_did: String,
    /// Parent policy (id or hash) for strict intersection (1..=128 characters).
    #[serde(default, deserialize_with = "present")]
    pub inherits: Option<String>,
    /// Coverage enforcement phase for proof-bundle verification.
    #[serde(default, deserialize_with = "present")]
    pub coverage_enforcement: Option<CoverageEnforcement>,
    /// Witnessed-web policy for proof-bundle verification.
    #[serde(default, deserialize_with = "present")]
    pub witnessed_web_policy: Option<WitnessedWebPolicy>,
    /// Statements (1..=64).
    pub statements: Vec<Statement>,
    /// Free-form, hash-bound metadata (the `claw.dev/v1` member is validated separately).
    #[serde(default, deserialize_with = "present")]
    pub metadata: Option<Map<String, Value>>,
}

impl Validate for WpcV2 {
    fn validate(&self, p: &str) -> Result<(), PolicyError> {
        if self.policy_version != "2" {
            return Err(schema_err(
                format!("{p}.policy_version"),
                "must be the constant \"2\"".into(),
            ));
        }
        len(&format!("{p}.policy_id"), &self.policy_id, 1, 128)?;
        did(&format!("{p}.issuer_did"), &self.issuer_did)?;
        if let Some(i) = &self.inherits {
            len(&format!("{p}.inherits"), i, 1, 128)?;
        }
        if let Some(w) = &self.witnessed_web_policy {
            let wp = format!("{p}.witnessed_web_policy");
            if let Some(q) = &w.quorum {
                for (name, v) in [("m", q.m), ("n", q.n)] {
                    if v < 1.0 {
                        return Err(schema_err(
                            format!("{wp}.quorum.{name}"),
                            format!("{v} is less than minimum 1"),
                        ));
                    }
                }
            }
            if let Some(t) = w
                .transparency
                .as_ref()
                .and_then(|t| t.required_after.as_ref())
            {
                if !is_rfc3339_date_time(t) {
                    return Err(schema_err(
                        format!("{wp}.transparency.required_after"),
                        "not an RFC 3339 date-time".into(),
                    ));
                }
            }
        }
        let sp = format!("{p}.statements");
        items(&sp, &self.statements, 1, 64)?;
        let mut sids = HashSet::new();
        for (i, s) in self.statements.iter().enumerate() {
            let stp = format!("{sp}[{i}]");
            len(&format!("{stp}.sid"), &s.sid, 1, 128)?;
            if !sids.insert(s.sid.as_str()) {
                return Err(PolicyError::DuplicateSid {
                    path: format!("{stp}.sid"),
                    sid: s.sid.clone(),
                });
            }
            let ap = format!("{stp}.actions");
            items(&ap, &s.actions, 1, 64)?;
            for (j, a) in s.actions.iter().enumerate() {
                len(&format!("{ap}[{j}]"), a, 1, 256)?;
            }
            let rp = format!("{stp}.resources");
            items(&rp, &s.resources, 1, 256)?;
            for (j, r) in s.resources.iter().enumerate() {
                len(&format!("{rp}[{j}]"), r, 1, 512)?;
            }
            if let Some(c) = &s.conditions {
                for (op, map) in c.iter() {
                    let mp = format!("{stp}.conditions.{}", op.as_str());
                    if map.0.len() > 16 {
                        return Err(schema_err(
                            mp,
                            format!(
                                "object has {} properties, more than maxProperties 16",
                                map.0.len()
                            ),
                        ));
                    }
                    for (k, v) in &map.0 {
                        len(&key_path(&mp, k), v, 0, 512)?;
                    }
                }
            }
        }
        Ok(())
    }
}

/// RFC 3339 `date-time` (as JSON Schema's `format` defines it): full date, `T`, full time
/// with optional fraction, `Z` or a numeric offset. Dates are checked against the calendar.
pub(crate) fn is_rfc3339_date_time(s: &str) -> bool {
    let b = s.as_bytes();
    let digits = |r: std::ops::Range<usize>| -> Option<u32> {
        let part = b.get(r)?;
        if part.is_empty() || !part.iter().all(u8::is_ascii_digit) {
            return None;
        }
        part.iter()
            .try_fold(0u32, |acc, d| Some(acc * 10 + u32::from(d - b'0')))
    };
    let (Some(y), Some(mo), Some(d)) = (digits(0..4), digits(5..7), digits(8..10)) else {
        return false;
    };
    if b.get(4) != Some(&b'-') || b.get(7) != Some(&b'-') || !matches!(b.get(10), Some(b'T' | b't'))
    {
        return false;
    }
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let mdays = match mo {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    if d == 0 || d > mdays {
        return false;
    }
    let (Some(h), Some(mi), Some(sec)) = (digits(11..13), digits(14..16), digits(17..19)) else {
        return false;
    };
    if b.get(13) != Some(&b':') || b.get(16) != Some(&b':') || h > 23 || mi > 59 || sec > 60 {
        return false;
    }
    let mut i = 19;
    if b.get(i) == Some(&b'.') {
        let start = i + 1;
        i = start;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        if i == start {
            return false;
        }
    }
    match b.get(i) {
        Some(b'Z' | b'z') => i + 1 == b.len(),
        Some(b'+' | b'-') => {
            let (Some(oh), Some(om)) = (digits(i + 1..i + 3), digits(i + 4..i + 6)) else {
                return false;
            };
            b.get(i + 3) == Some(&b':') && oh <= 23 && om <= 59 && i + 6 == b.len()
        }
        _ => false,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn date_time() {
        for ok in [
            "2026-01-01T00:00:00Z",
            "2024-02-29T23:59:60.123+05:30",
            "2026-12-31t10:00:00z",
        ] {
            assert!(is_rfc3339_date_time(ok), "{ok}");
        }
        for bad in [
            "2026-01-01",
            "2026-01-01 00:00:00Z",
            "2025-02-29T00:00:00Z",
            "2026-13-01T00:00:00Z",
            "2026-01-01T24:00:00Z",
            "2026-01-01T00:00:00",
            "2026-01-01T00:00:00.Z",
            "2026-01-01T00:00:00+0530",
            "2026-01-01T00:00:00Z ",
            "२०२६-01-01T00:00:00Z",
        ] {
            assert!(!is_rfc3339_date_time(bad), "{bad}");
        }
    }

    #[test]
    fn key_paths_quote_unusual_keys() {
        assert_eq!(key_path("$", "metadata"), "$.metadata");
        assert_eq!(
            key_path("$.metadata", "claw.dev/v1"),
            "$.metadata[\"claw.dev/v1\"]"
        );
        assert_eq!(key_path("$", "Context:Hour"), "$[\"Context:Hour\"]");
    }
}

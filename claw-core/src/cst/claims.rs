//! CST claims (`scoped_token_claims.v1`): typed, bounded, pattern-checked, and the
//! `token_scope_hash_b64u` rule.

use super::error::{quoted, TokenError};
use crate::{hash, json};
use serde_json::{Map, Number, Value};

/// The only `token_version` this module reads and writes.
pub const TOKEN_VERSION: &str = "1";
/// Bound on any string claim not bounded more tightly below, in bytes.
pub const MAX_CLAIM_BYTES: usize = 512;
/// Bound on the number of `scope` entries (the reference issuer's `SCOPE_MAX_SCOPE_ITEMS`).
pub const MAX_SCOPE_ITEMS: usize = 64;
/// Bound on one `scope` entry, in bytes (the reference issuer's `SCOPE_MAX_SCOPE_LENGTH`).
pub const MAX_SCOPE_ITEM_BYTES: usize = 128;
/// Bound on the number of `aud` entries.
pub const MAX_AUD_ITEMS: usize = 16;
/// Bound on one `aud` entry, in bytes.
pub const MAX_AUD_ITEM_BYTES: usize = 256;

/// The issuance lane (`token_lane`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TokenLane {
    /// `"legacy"`.
    Legacy,
    /// `"canonical"`: owner/controller/agent control-plane binding.
    Canonical,
}

impl TokenLane {
    /// The claim's string value.
    pub fn as_str(self) -> &'static str {
        match self {
            TokenLane::Legacy => "legacy",
            TokenLane::Canonical => "canonical",
        }
    }
}

/// The claims of a scoped token (`token_version` "1").
///
/// This is plain data: holding a `Claims` proves nothing. The only way to claims that were
/// checked is [`super::validate`], which returns [`super::VerifiedClaims`].
///
/// `aud` is always a list here: a token whose `aud` is a string reads as a one-element list,
/// and [`super::issue`] writes a one-element list as a string.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Claims {
    /// `sub`: the agent DID (non-empty, at most [`MAX_CLAIM_BYTES`]).
    pub sub: String,
    /// `aud`: the audiences (1..=[`MAX_AUD_ITEMS`] non-empty strings).
    pub aud: Vec<String>,
    /// `scope`: the granted actions (1..=[`MAX_SCOPE_ITEMS`] non-empty strings).
    pub scope: Vec<String>,
    /// `iat`: issued-at, epoch seconds (non-negative integer).
    pub iat: i64,
    /// `exp`: expiry, epoch seconds (integer, after `iat`).
    pub exp: i64,
    /// `nbf`: not-before, epoch seconds. Not in the reference schema: an RFC 7519 extension.
    pub nbf: Option<i64>,
    /// `jti`: token id (used by revocation and the jti-once replay mode).
    pub jti: Option<String>,
    /// `nonce`.
    pub nonce: Option<String>,
    /// `owner_ref`: owner attestation hash.
    pub owner_ref: Option<String>,
    /// `owner_did` (DID pattern).
    pub owner_did: Option<String>,
    /// `controller_did` (DID pattern).
    pub controller_did: Option<String>,
    /// `agent_did` (DID pattern).
    pub agent_did: Option<String>,
    /// `policy_hash_b64u`: the pinned Work Policy Contract hash (43-char base64url).
    pub policy_hash_b64u: Option<String>,
    /// `control_plane_policy_hash_b64u` (43-char base64url).
    pub control_plane_policy_hash_b64u: Option<String>,
    /// `token_scope_hash_b64u` (43-char base64url); see [`Claims::scope_hash_b64u`].
    pub token_scope_hash_b64u: Option<String>,
    /// `payment_account_did` (DID pattern).
    pub payment_account_did: Option<String>,
    /// `spend_cap`: a finite number >= 0.
    pub spend_cap: Option<f64>,
    /// `mission_id`: the job this token is bound to.
    pub mission_id: Option<String>,
    /// `delegation_id`.
    pub delegation_id: Option<String>,
    /// `delegator_did` (DID pattern).
    pub delegator_did: Option<String>,
    /// `delegate_did` (DID pattern; must equal `sub`).
    pub delegate_did: Option<String>,
    /// `delegation_policy_hash_b64u` (43-char base64url).
    pub delegation_policy_hash_b64u: Option<String>,
    /// `delegation_spend_cap_minor`: decimal digits.
    pub delegation_spend_cap_minor: Option<String>,
    /// `delegation_expires_at`: epoch seconds.
    pub delegation_expires_at: Option<i64>,
    /// `token_lane`.
    pub token_lane: Option<TokenLane>,
}

impl Claims {
    /// Claims with the required members set and everything optional absent (`iat`/`exp` are
    /// 0 until [`super::issue`] fills them).
    pub fn new(sub: impl Into<String>, aud: Vec<String>, scope: Vec<String>) -> Claims {
        Claims {
            sub: sub.into(),
            aud,
            scope,
            iat: 0,
            exp: 0,
            nbf: None,
            jti: None,
            nonce: None,
            owner_ref: None,
            owner_did: None,
            controller_did: None,
            agent_did: None,
            policy_hash_b64u: None,
            control_plane_policy_hash_b64u: None,
            token_scope_hash_b64u: None,
            payment_account_did: None,
            spend_cap: None,
            mission_id: None,
            delegation_id: None,
            delegator_did: None,
            delegate_did: None,
            delegation_policy_hash_b64u: None,
            delegation_spend_cap_minor: None,
            delegation_expires_at: None,
            token_lane: None,
        }
    }

    /// The policy hash the token pins: `policy_hash_b64u`, else
    /// `delegation_policy_hash_b64u` (the delegation check makes them equal when both are
    /// present).
    pub fn pinned_policy_hash(&self) -> Option<&str> {
        self.policy_hash_b64u
            .as_deref()
            .or(self.delegation_policy_hash_b64u.as_deref())
    }

    /// Whether any delegation claim is present.
    pub fn has_delegation(&self) -> bool {
        self.delegation_id.is_some()
            || self.delegator_did.is_some()
            || self.delegate_did.is_some()
            || self.delegation_policy_hash_b64u.is_some()
            || self.delegation_spend_cap_minor.is_some()
            || self.delegation_expires_at.is_some()
    }

    /// `token_scope_hash_b64u` as the schema defines it: base64url(SHA-256(JCS(input))) where
    /// input is `{token_version, sub, aud[], scope[]}` plus each optional authorization claim
    /// that is present (`owner_ref`, `owner_did`, `controller_did`, `agent_did`,
    /// `policy_hash_b64u`, `control_plane_policy_hash_b64u`, `payment_account_did`,
    /// `spend_cap`, `mission_id`, `delegation_id`, `delegator_did`, `delegate_did`,
    /// `delegation_policy_hash_b64u`, `delegation_spend_cap_minor`,
    /// `delegation_expires_at`). As the reference computes it: strings are trimmed
    /// (JavaScript `trim`), empty ones dropped; `aud` and `scope` are trimmed, emptied of
    /// empty entries, sorted by UTF-16 code units and de-duplicated; `aud` as a string is a
    /// one-element array; `spend_cap` only if finite and >= 0; `delegation_expires_at` only
    /// if > 0. `iat`, `exp`, `nbf`, `jti`, `nonce`, `token_lane` and the hash itself are
    /// excluded.
    pub fn scope_hash_b64u(&self) -> String {
        let mut m = Map::new();
        m.insert("token_version".into(), Value::String(TOKEN_VERSION.into()));
        m.insert("sub".into(), Value::String(js_trim(&self.sub).to_string()));
        m.insert("aud".into(), sorted_unique(&self.aud));
        m.insert("scope".into(), sorted_unique(&self.scope));
        let optional: [(&str, &Option<String>); 12] = [
            ("owner_ref", &self.owner_ref),
            ("owner_did", &self.owner_did),
            ("controller_did", &self.controller_did),
            ("agent_did", &self.agent_did),
            ("policy_hash_b64u", &self.policy_hash_b64u),
            (
                "control_plane_policy_hash_b64u",
                &self.control_plane_policy_hash_b64u,
            ),
            ("payment_account_did", &self.payment_account_did),
            ("mission_id", &self.mission_id),
            ("delegation_id", &self.delegation_id),
            ("delegator_did", &self.delegator_did),
            ("delegate_did", &self.delegate_did),
            (
                "delegation_policy_hash_b64u",
                &self.delegation_policy_hash_b64u,
            ),
        ];
        for (name, v) in optional {
            if let Some(s) = v.as_deref().map(js_trim).filter(|s| !s.is_empty()) {
                m.insert(name.into(), Value::String(s.to_string()));
            }
        }
        if let Some(n) = self
            .spend_cap
            .filter(|c| c.is_finite() && *c >= 0.0)
            .and_then(Number::from_f64)
        {
            m.insert("spend_cap".into(), Value::Number(n));
        }
        if let Some(s) = self
            .delegation_spend_cap_minor
            .as_deref()
            .map(js_trim)
            .filter(|s| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
        {
            m.insert("delegation_spend_cap_minor".into(), Value::String(s.into()));
        }
        if let Some(t) = self.delegation_expires_at.filter(|t| *t > 0) {
            m.insert("delegation_expires_at".into(), Value::Number(t.into()));
        }
        // Cannot fail: every value is a string, an array of strings, a finite number or an
        // integer, and the depth is 2.
        let bytes = json::canonicalize(&Value::Object(m)).unwrap_or_default();
        hash::sha256_b64u(bytes)
    }

    /// Read claims from a parsed JSON object, enforcing the schema: unknown claims refused,
    /// `token_version` "1", every claim typed, bounded and pattern-checked, integers exact.
    pub fn from_json_object(map: Map<String, Value>) -> Result<Claims, TokenError> {
        match map.get("token_version") {
            None => return Err(TokenError::claim("token_version", "missing")),
            Some(Value::String(v)) if v == TOKEN_VERSION => {}
            Some(_) => return Err(TokenError::UnknownVersion),
        }
        let mut c = Claims::new(String::new(), Vec::new(), Vec::new());
        let (mut sub, mut aud, mut scope, mut iat, mut exp) = (false, false, false, false, false);
        for (k, v) in map {
            match k.as_str() {
                "token_version" => {}
                "sub" => {
                    c.sub = string("sub", v, MAX_CLAIM_BYTES)?;
                    sub = true;
                }
                "aud" => {
                    c.aud = audience(v)?;
                    aud = true;
                }
                "scope" => {
                    c.scope = scope_list(v)?;
                    scope = true;
                }
                "iat" => {
                    c.iat = integer("iat", &v)?;
                    if c.iat < 0 {
                        return Err(TokenError::claim("iat", "must not be negative"));
                    }
                    iat = true;
                }
                "exp" => {
                    c.exp = integer("exp", &v)?;
                    exp = true;
                }
                "nbf" => c.nbf = Some(integer("nbf", &v)?),
                "jti" => c.jti = Some(string("jti", v, MAX_CLAIM_BYTES)?),
                "nonce" => c.nonce = Some(string("nonce", v, MAX_CLAIM_BYTES)?),
                "owner_ref" => c.owner_ref = Some(string("owner_ref", v, MAX_CLAIM_BYTES)?),
                "owner_did" => c.owner_did = Some(did("owner_did", v)?),
                "controller_did" => c.controller_did = Some(did("controller_did", v)?),
                "agent_did" => c.agent_did = Some(did("agent_did", v)?),
                "policy_hash_b64u" => c.policy_hash_b64u = Some(b64_hash("policy_hash_b64u", v)?),
                "control_plane_policy_hash_b64u" => {
                    c.control_plane_policy_hash_b64u =
                        Some(b64_hash("control_plane_policy_hash_b64u", v)?)
                }
                "token_scope_hash_b64u" => {
                    c.token_scope_hash_b64u = Some(b64_hash("token_scope_hash_b64u", v)?)
                }
                "payment_account_did" => {
                    c.payment_account_did = Some(did("payment_account_did", v)?)
                }
                "spend_cap" => {
                    let n = v
                        .as_f64()
                        .filter(|n| n.is_finite() && *n >= 0.0)
                        .ok_or_else(|| TokenError::claim("spend_cap", "must be a number >= 0"))?;
                    c.spend_cap = Some(n);
                }
                "mission_id" => c.mission_id = Some(string("mission_id", v, MAX_CLAIM_BYTES)?),
                "delegation_id" => {
                    c.delegation_id = Some(string("delegation_id", v, MAX_CLAIM_BYTES)?)
                }
                "delegator_did" => c.delegator_did = Some(did("delegator_did", v)?),
                "delegate_did" => c.delegate_did = Some(did("delegate_did", v)?),
                "delegation_policy_hash_b64u" => {
                    c.delegation_policy_hash_b64u =
                        Some(b64_hash("delegation_policy_hash_b64u", v)?)
                }
                "delegation_spend_cap_minor" => {
                    let s = string("delegation_spend_cap_minor", v, 32)?;
                    if !s.bytes().all(|b| b.is_ascii_digit()) {
                        return Err(TokenError::claim(
                            "delegation_spend_cap_minor",
                            "must match ^[0-9]+$",
                        ));
                    }
                    c.delegation_spend_cap_minor = Some(s);
                }
                "delegation_expires_at" => {
                    c.delegation_expires_at = Some(integer("delegation_expires_at", &v)?)
                }
                "token_lane" => {
                    c.token_lane = Some(match v.as_str() {
                        Some("legacy") => TokenLane::Legacy,
                        Some("canonical") => TokenLane::Canonical,
                        _ => {
                            return Err(TokenError::claim(
                                "token_lane",
                                "must be \"legacy\" or \"canonical\"",
                            ))
                        }
                    })
                }
                other => return Err(TokenError::claim(&quoted(other), "unknown claim")),
            }
        }
        for (present, name) in [
            (sub, "sub"),
            (aud, "aud"),
            (scope, "scope"),
            (iat, "iat"),
            (exp, "exp"),
        ] {
            if !present {
                return Err(TokenError::claim(name, "missing"));
            }
        }
        if c.exp <= c.iat {
            return Err(TokenError::claim("exp", "must be after iat"));
        }
        Ok(c)
    }

    /// The claims as a JSON object in the reference issuer's member order (`token_version,
    /// sub, aud, scope, iat, exp, [nbf], owner_ref, ..., token_lane, jti, nonce`), absent
    /// members omitted.
    pub fn to_json_object(&self) -> Map<String, Value> {
        let mut m = Map::new();
        let s = |v: &str| Value::String(v.to_string());
        m.insert("token_version".into(), s(TOKEN_VERSION));
        m.insert("sub".into(), s(&self.sub));
        let aud = match self.aud.as_slice() {
            [one] => s(one),
            many => Value::Array(many.iter().map(|a| s(a)).collect()),
        };
        m.insert("aud".into(), aud);
        m.insert(
            "scope".into(),
            Value::Array(self.scope.iter().map(|a| s(a)).collect()),
        );
        m.insert("iat".into(), Value::Number(self.iat.into()));
        m.insert("exp".into(), Value::Number(self.exp.into()));
        if let Some(n) = self.nbf {
            m.insert("nbf".into(), Value::Number(n.into()));
        }
        let mut opt = |name: &str, v: &Option<String>| {
            if let Some(v) = v {
                m.insert(name.into(), s(v));
            }
        };
        opt("owner_ref", &self.owner_ref);
        opt("owner_did", &self.owner_did);
        opt("controller_did", &self.controller_did);
        opt("agent_did", &self.agent_did);
        opt("policy_hash_b64u", &self.policy_hash_b64u);
        opt(
            "control_plane_policy_hash_b64u",
            &self.control_plane_policy_hash_b64u,
        );
        opt("token_scope_hash_b64u", &self.token_scope_hash_b64u);
        opt("payment_account_did", &self.payment_account_did);
        if let Some(n) = self.spend_cap.and_then(Number::from_f64) {
            m.insert("spend_cap".into(), Value::Number(n));
        }
        let mut opt = |name: &str, v: &Option<String>| {
            if let Some(v) = v {
                m.insert(name.into(), s(v));
            }
        };
        opt("mission_id", &self.mission_id);
        opt("delegation_id", &self.delegation_id);
        opt("delegator_did", &self.delegator_did);
        opt("delegate_did", &self.delegate_did);
        opt(
            "delegation_policy_hash_b64u",
            &self.delegation_policy_hash_b64u,
        );
        opt(
            "delegation_spend_cap_minor",
            &self.delegation_spend_cap_minor,
        );
        if let Some(t) = self.delegation_expires_at {
            m.insert("delegation_expires_at".into(), Value::Number(t.into()));
        }
        if let Some(l) = self.token_lane {
            m.insert("token_lane".into(), s(l.as_str()));
        }
        if let Some(j) = &self.jti {
            m.insert("jti".into(), s(j));
        }
        if let Some(n) = &self.nonce {
            m.insert("nonce".into(), s(n));
        }
        m
    }
}

/// JavaScript `String.prototype.trim`: WhiteSpace (TAB, VT, FF, SP, NBSP, ZWNBSP, Zs) and
/// LineTerminator (LF, CR, LS, PS). Unlike `str::trim` it strips U+FEFF and keeps U+0085.
pub(crate) fn js_trim(s: &str) -> &str {
    s.trim_matches(|c: char| {
        matches!(
            c,
            '\t' | '\n' | '\u{b}' | '\u{c}' | '\r' | ' ' | '\u{a0}' | '\u{1680}' | '\u{2000}'
                ..='\u{200a}'
                    | '\u{2028}'
                    | '\u{2029}'
                    | '\u{202f}'
                    | '\u{205f}'
                    | '\u{3000}'
                    | '\u{feff}'
        )
    })
}

fn sorted_unique(items: &[String]) -> Value {
    let mut v: Vec<&str> = items
        .iter()
        .map(|s| js_trim(s))
        .filter(|s| !s.is_empty())
        .collect();
    v.sort_by(|a, b| json::cmp_utf16(a, b));
    v.dedup();
    Value::Array(v.into_iter().map(|s| Value::String(s.into())).collect())
}

fn string(claim: &str, v: Value, max: usize) -> Result<String, TokenError> {
    match v {
        Value::String(s) if s.is_empty() => Err(TokenError::claim(claim, "must not be empty")),
        Value::String(s) if s.len() > max => {
            Err(TokenError::claim(claim, format!("longer than {max} bytes")))
        }
        Value::String(s) => Ok(s),
        _ => Err(TokenError::claim(claim, "must be a string")),
    }
}

/// `^did:[a-z0-9]+:[a-zA-Z0-9._%-]+$` (the schema's DID pattern).
pub(crate) fn is_schema_did(s: &str) -> bool {
    let Some(rest) = s.strip_prefix("did:") else {
        return false;
    };
    let Some((method, id)) = rest.split_once(':') else {
        return false;
    };
    !method.is_empty()
        && method
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        && !id.is_empty()
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'%' | b'-'))
}

fn did(claim: &str, v: Value) -> Result<String, TokenError> {
    let s = string(claim, v, MAX_CLAIM_BYTES)?;
    if !is_schema_did(&s) {
        return Err(TokenError::claim(
            claim,
            "must match ^did:[a-z0-9]+:[a-zA-Z0-9._%-]+$",
        ));
    }
    Ok(s)
}

fn b64_hash(claim: &str, v: Value) -> Result<String, TokenError> {
    let s = string(claim, v, 43)?;
    if !hash::is_b64u_sha256(&s) {
        return Err(TokenError::claim(
            claim,
            "must be a canonical 43-character base64url SHA-256",
        ));
    }
    Ok(s)
}

fn integer(claim: &str, v: &Value) -> Result<i64, TokenError> {
    // The strict parser keeps integer literals as integers (and refuses those beyond
    // 2^53 - 1); 1.0 or 1e9 are floats and are refused here.
    v.as_i64()
        .filter(|_| !v.is_f64())
        .ok_or_else(|| TokenError::claim(claim, "must be an integer (epoch seconds)"))
}

fn audience(v: Value) -> Result<Vec<String>, TokenError> {
    let items = match v {
        Value::String(_) => vec![v],
        Value::Array(a) => a,
        _ => return Err(TokenError::claim("aud", "must be a string or an array")),
    };
    if items.is_empty() || items.len() > MAX_AUD_ITEMS {
        return Err(TokenError::claim(
            "aud",
            format!("must hold 1 to {MAX_AUD_ITEMS} entries"),
        ));
    }
    items
        .into_iter()
        .map(|a| string("aud", a, MAX_AUD_ITEM_BYTES))
        .collect()
}

fn scope_list(v: Value) -> Result<Vec<String>, TokenError> {
    let Value::Array(items) = v else {
        return Err(TokenError::claim("scope", "must be an array"));
    };
    if items.is_empty() || items.len() > MAX_SCOPE_ITEMS {
        return Err(TokenError::claim(
            "scope",
            format!("must hold 1 to {MAX_SCOPE_ITEMS} entries"),
        ));
    }
    items
        .into_iter()
        .map(|a| string("scope", a, MAX_SCOPE_ITEM_BYTES))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The research note's worked example (derived from the reference algorithm).
    #[test]
    fn scope_hash_worked_example() {
        let c = Claims::new(
            "did:key:zExample",
            vec!["clawproxy.com".into()],
            vec!["proxy:call".into()],
        );
        assert_eq!(
            c.scope_hash_b64u(),
            "jQPrTb_Pcr655tkpjpDY3egJL87asZbBXshpfUF48e0"
        );
        // aud as a one-element array, duplicates, order and padding do not change it.
        let c2 = Claims::new(
            " did:key:zExample ",
            vec!["clawproxy.com".into(), " clawproxy.com".into()],
            vec!["proxy:call".into(), "proxy:call".into()],
        );
        assert_eq!(c2.scope_hash_b64u(), c.scope_hash_b64u());
    }

    #[test]
    fn scope_hash_covers_each_authorization_claim_and_excludes_the_rest() {
        let base = Claims::new("did:key:zA", vec!["a".into()], vec!["s".into()]);
        let h0 = base.scope_hash_b64u();
        let hash43 = Some(hash::sha256_b64u(b"x"));
        let did = Some("did:key:zB".to_string());
        type Edit = fn(&mut Claims, Option<String>, Option<String>);
        let covered: [(&str, Edit); 15] = [
            ("owner_ref", |c, _, _| c.owner_ref = Some("r".into())),
            ("owner_did", |c, d, _| c.owner_did = d),
            ("controller_did", |c, d, _| c.controller_did = d),
            ("agent_did", |c, d, _| c.agent_did = d),
            ("policy_hash_b64u", |c, _, h| c.policy_hash_b64u = h),
            ("cp_policy", |c, _, h| c.control_plane_policy_hash_b64u = h),
            ("payment_account_did", |c, d, _| c.payment_account_did = d),
            ("spend_cap", |c, _, _| c.spend_cap = Some(1.5)),
            ("mission_id", |c, _, _| c.mission_id = Some("m".into())),
            ("delegation_id", |c, _, _| {
                c.delegation_id = Some("d".into())
            }),
            ("delegator_did", |c, d, _| c.delegator_did = d),
            ("delegate_did", |c, d, _| c.delegate_did = d),
            ("delegation_policy", |c, _, h| {
                c.delegation_policy_hash_b64u = h
            }),
            ("spend_minor", |c, _, _| {
                c.delegation_spend_cap_minor = Some("7".into())
            }),
            ("delegation_expires_at", |c, _, _| {
                c.delegation_expires_at = Some(9)
            }),
        ];
        for (name, edit) in covered {
            let mut c = base.clone();
            edit(&mut c, did.clone(), hash43.clone());
            assert_ne!(c.scope_hash_b64u(), h0, "{name} must be covered");
        }
        let mut c = base.clone();
        c.iat = 5;
        c.exp = 9;
        c.nbf = Some(6);
        c.jti = Some("j".into());
        c.nonce = Some("n".into());
        c.token_lane = Some(TokenLane::Canonical);
        c.token_scope_hash_b64u = hash43;
        assert_eq!(
            c.scope_hash_b64u(),
            h0,
            "iat/exp/nbf/jti/nonce/lane excluded"
        );
        // Multi-element aud/scope: sorted by UTF-16 code units, so the input order is moot.
        let mut a = base.clone();
        a.scope = vec![
            "b".into(),
            "a".into(),
            "\u{ff61}".into(),
            "\u{1f600}".into(),
        ];
        let mut b = base.clone();
        b.scope = vec![
            "\u{1f600}".into(),
            "a".into(),
            "\u{ff61}".into(),
            "b".into(),
        ];
        assert_eq!(a.scope_hash_b64u(), b.scope_hash_b64u());
    }

    #[test]
    fn js_trim_matches_javascript() {
        assert_eq!(js_trim("\u{feff} a \u{3000}"), "a");
        assert_eq!(js_trim("\u{85}a"), "\u{85}a");
    }

    #[test]
    fn did_pattern() {
        assert!(is_schema_did("did:key:z6Mk"));
        assert!(is_schema_did("did:web:example.com%3A8080"));
        for bad in [
            "did:Key:z",
            "did:key:",
            "did::x",
            "did:web:a:b",
            "xdid:key:z",
            "did:key:z/",
        ] {
            assert!(!is_schema_did(bad), "{bad}");
        }
    }
}

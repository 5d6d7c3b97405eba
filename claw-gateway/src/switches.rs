//! Incident switches: a JSON file the operator edits while the gateway runs (re-read when
//! it changes or on SIGHUP). They apply to the next request, without a restart.
//!
//! ```json
//! {"denied_models": ["gpt-4o*"], "denied_providers": ["openai"],
//!  "revoked_jtis": ["..."], "revoked_token_hashes": ["<64 hex>"], "revoked_kids": ["..."],
//!  "denied_policy_hashes": ["<43 chars>"], "required_policy_hash": "<43 chars>"}
//! ```
//! A model pattern is a literal name or a prefix followed by one `*`.

use claw_core::cst::RevocationList;
use serde::Deserialize;

/// Bound on the switch file.
pub const MAX_SWITCH_BYTES: usize = 1024 * 1024;

/// The parsed switch file.
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields, default)]
pub struct Switches {
    pub denied_models: Vec<String>,
    pub denied_providers: Vec<String>,
    pub revoked_jtis: Vec<String>,
    pub revoked_token_hashes: Vec<String>,
    pub revoked_kids: Vec<String>,
    pub denied_policy_hashes: Vec<String>,
    pub required_policy_hash: Option<String>,
}

/// A switch file problem (reason code `CONFIG_INVALID`).
#[derive(Debug, thiserror::Error)]
#[error("incident switches: {0}")]
pub struct SwitchError(String);

impl Switches {
    /// Parse strictly (duplicate keys, unknown members, malformed hashes refused).
    pub fn parse(bytes: &[u8]) -> Result<Switches, SwitchError> {
        let v = claw_core::json::parse(
            bytes,
            &claw_core::json::Limits::STRICT.with_max_bytes(MAX_SWITCH_BYTES),
        )
        .map_err(|e| SwitchError(e.to_string()))?;
        let s: Switches = serde_json::from_value(v).map_err(|e| SwitchError(e.to_string()))?;
        for h in s
            .denied_policy_hashes
            .iter()
            .chain(s.required_policy_hash.iter())
        {
            if !claw_core::hash::is_b64u_sha256(h) {
                return Err(SwitchError(format!("{h:?} is not a base64url SHA-256")));
            }
        }
        for m in &s.denied_models {
            // Any `*` but a last one. (`m[..m.len() - 1]` panicked on a name whose last
            // character is not ASCII: the reload loop, and with it the gateway, stopped.)
            if m.is_empty() || m.strip_suffix('*').unwrap_or(m).contains('*') {
                return Err(SwitchError(format!(
                    "model pattern {m:?}: a name, or a prefix and one trailing *"
                )));
            }
        }
        Ok(s)
    }

    /// The token revocations these switches name.
    pub fn revocations(&self) -> RevocationList {
        let mut l = RevocationList::new();
        for j in &self.revoked_jtis {
            l.revoke_jti(j.clone());
        }
        for t in &self.revoked_token_hashes {
            l.revoke_token_hash(t.clone());
        }
        for k in &self.revoked_kids {
            l.revoke_kid(k.clone());
        }
        for p in &self.denied_policy_hashes {
            l.revoke_policy_hash(p.clone());
        }
        l
    }

    /// Why this call is switched off, if it is: (reason code, detail).
    pub fn deny(
        &self,
        provider: &str,
        model: &str,
        policy_hash: Option<&str>,
    ) -> Option<(&'static str, String)> {
        if self.denied_providers.iter().any(|p| p == provider) {
            return Some((
                "PROVIDER_DENIED_BY_OVERRIDE",
                format!("provider {provider:?} is switched off"),
            ));
        }
        let hit = self
            .denied_models
            .iter()
            .any(|p| match p.strip_suffix('*') {
                Some(prefix) => model.starts_with(prefix),
                None => p == model,
            });
        if hit {
            return Some((
                "MODEL_DENIED_BY_OVERRIDE",
                format!("model {model:?} is switched off"),
            ));
        }
        if let Some(req) = &self.required_policy_hash {
            if policy_hash != Some(req.as_str()) {
                return Some((
                    "POLICY_HASH_OVERRIDDEN",
                    format!("only policy {req} may be used now"),
                ));
            }
        }
        if let Some(h) = policy_hash {
            if self.denied_policy_hashes.iter().any(|d| d == h) {
                return Some((
                    "POLICY_HASH_OVERRIDDEN",
                    format!("policy {h} is switched off"),
                ));
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deny_rules_and_refusals() {
        let s = Switches::parse(
            br#"{"denied_models":["gpt-4*","claude-x"],"denied_providers":["google"]}"#,
        )
        .unwrap();
        assert_eq!(
            s.deny("openai", "gpt-4o", None).unwrap().0,
            "MODEL_DENIED_BY_OVERRIDE"
        );
        assert_eq!(
            s.deny("anthropic", "claude-x", None).unwrap().0,
            "MODEL_DENIED_BY_OVERRIDE"
        );
        assert!(s.deny("anthropic", "claude-xy", None).is_none());
        assert_eq!(
            s.deny("google", "g", None).unwrap().0,
            "PROVIDER_DENIED_BY_OVERRIDE"
        );
        assert!(s.deny("openai", "gpt-3.5", None).is_none());
        let h = "A".repeat(43);
        let s = Switches::parse(format!(r#"{{"required_policy_hash":"{h}"}}"#).as_bytes()).unwrap();
        assert_eq!(
            s.deny("openai", "m", None).unwrap().0,
            "POLICY_HASH_OVERRIDDEN"
        );
        assert!(s.deny("openai", "m", Some(&h)).is_none());
        // Names ending in a character that is not ASCII.
        let s =
            Switches::parse(r#"{"denied_models":["modèle-é","qwen-通义*"]}"#.as_bytes()).unwrap();
        assert!(s.deny("openai", "modèle-é", None).is_some());
        assert!(s.deny("openai", "qwen-通义-max", None).is_some());
        assert!(s.deny("openai", "modèle", None).is_none());
        for bad in [
            &br#"{"denied_models":["a*b*"]}"#[..],
            r#"{"denied_models":["*é*"]}"#.as_bytes(),
            br#"{"denied_models":["**"]}"#,
            br#"{"denied_models":[""]}"#,
            br#"{"required_policy_hash":"x"}"#,
            br#"{"unknown":1}"#,
            br#"{"denied_models":[],"denied_models":[]}"#,
        ] {
            assert!(Switches::parse(bad).is_err());
        }
    }
}

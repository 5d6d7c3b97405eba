//! The incident switch: overrides, and a runtime holder swapped atomically while other threads
//! decide.

use super::claw_meta::check_name;
use super::compile::CompiledPolicy;
use super::decision::{Decision, OwnedDecision, ReasonCode, Request, Verdict};
use super::error::PolicyError;
use super::glob::Glob;
use super::schema::{check_items, from_value_at, present};
use crate::json::{self, Limits};
use arc_swap::ArcSwap;
use serde::Deserialize;
use std::collections::HashSet;
use std::sync::Arc;

/// Largest overrides document accepted, in bytes.
pub const MAX_OVERRIDES_BYTES: usize = 256 * 1024;

/// Incident overrides, consulted before the policy: "stop the bleeding" without editing or
/// re-signing the policy and without a restart.
///
/// JSON form (all fields optional, unknown fields rejected):
/// `{"denied_tools": ["shell_exec", "browser_*"], "denied_policy_hashes": ["<43 chars>"],
///   "required_policy_hash": "<43 chars>"}`
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct Overrides {
    /// Tool names or glob patterns (v2 glob semantics) denied for every `tool:*` action.
    #[serde(default)]
    pub denied_tools: Vec<String>,
    /// Policy hashes that must not be used: a policy whose hash, or any of whose ancestors'
    /// hashes, is listed denies everything.
    #[serde(default)]
    pub denied_policy_hashes: Vec<String>,
    /// When set, only the policy with this hash may decide; any other denies everything.
    #[serde(default, deserialize_with = "present")]
    pub required_policy_hash: Option<String>,
}

fn err(path: String, detail: String) -> PolicyError {
    PolicyError::Overrides { path, detail }
}

impl Overrides {
    /// No overrides.
    pub fn none() -> Overrides {
        Overrides::default()
    }

    /// Parse the JSON form strictly.
    pub fn parse(bytes: &[u8]) -> Result<Overrides, PolicyError> {
        let v = json::parse(bytes, &Limits::STRICT.with_max_bytes(MAX_OVERRIDES_BYTES))?;
        let o: Overrides = from_value_at(v, "$", err)?;
        o.validate()?;
        Ok(o)
    }

    /// Add a denied tool name or pattern.
    pub fn deny_tool(mut self, tool: impl Into<String>) -> Overrides {
        self.denied_tools.push(tool.into());
        self
    }

    /// Add a denied policy hash.
    pub fn deny_policy_hash(mut self, hash: impl Into<String>) -> Overrides {
        self.denied_policy_hashes.push(hash.into());
        self
    }

    /// Require a policy hash.
    pub fn require_policy_hash(mut self, hash: impl Into<String>) -> Overrides {
        self.required_policy_hash = Some(hash.into());
        self
    }

    /// Check every entry: tool patterns 1..=512 characters without control characters (at
    /// most 1024 of them), hashes shaped like base64url SHA-256 (43 characters).
    pub fn validate(&self) -> Result<(), PolicyError> {
        check_items("$.denied_tools", &self.denied_tools, 0, 1024, err)?;
        for (i, t) in self.denied_tools.iter().enumerate() {
            check_name(&format!("$.denied_tools[{i}]"), t, 512, err)?;
        }
        check_items(
            "$.denied_policy_hashes",
            &self.denied_policy_hashes,
            0,
            1024,
            err,
        )?;
        for (i, h) in self.denied_policy_hashes.iter().enumerate() {
            if !crate::hash::is_b64u_sha256(h) {
                return Err(err(
                    format!("$.denied_policy_hashes[{i}]"),
                    "not a base64url SHA-256 (43 characters)".into(),
                ));
            }
        }
        if let Some(h) = &self.required_policy_hash {
            if !crate::hash::is_b64u_sha256(h) {
                return Err(err(
                    "$.required_policy_hash".into(),
                    "not a base64url SHA-256 (43 characters)".into(),
                ));
            }
        }
        Ok(())
    }
}

/// Overrides compiled for deciding: literal tools hashed, patterns listed.
#[derive(Debug, Default)]
struct CompiledOverrides {
    source: Overrides,
    tools_exact: HashSet<Box<str>>,
    tools_glob: Vec<Glob>,
    tools_everything: bool,
}

impl CompiledOverrides {
    fn new(o: Overrides) -> Result<CompiledOverrides, PolicyError> {
        o.validate()?;
        let mut c = CompiledOverrides::default();
        for (i, t) in o.denied_tools.iter().enumerate() {
            let g = Glob::new(t)
                .map_err(|_| err(format!("$.denied_tools[{i}]"), "pattern too long".into()))?;
            if g.is_everything() {
                c.tools_everything = true;
            } else if let Some(l) = g.as_literal() {
                c.tools_exact.insert(l.into());
            } else {
                c.tools_glob.push(g);
            }
        }
        c.source = o;
        Ok(c)
    }

    fn denies_tool(&self, tool: &str) -> bool {
        self.tools_everything
            || self.tools_exact.contains(tool)
            || self.tools_glob.iter().any(|g| g.matches(tool))
    }
}

/// One consistent (policy, overrides) pair, as seen by the decisions that load it.
#[derive(Debug)]
pub struct Snapshot {
    policy: Arc<CompiledPolicy>,
    overrides: Arc<CompiledOverrides>,
    /// Precomputed whole-policy block (hash denied or not the required one).
    block: Option<(ReasonCode, Box<str>)>,
}

impl Snapshot {
    fn new(policy: Arc<CompiledPolicy>, overrides: Arc<CompiledOverrides>) -> Snapshot {
        let mut block = None;
        if let Some(req) = &overrides.source.required_policy_hash {
            if req.as_str() != policy.hash_b64u() {
                block = Some((
                    ReasonCode::OverridePolicyHashMismatch,
                    policy.hash_b64u().into(),
                ));
            }
        }
        if block.is_none() {
            if let Some(h) = policy
                .chain_hashes()
                .find(|h| overrides.source.denied_policy_hashes.iter().any(|d| d == h))
            {
                block = Some((ReasonCode::OverridePolicyHashDenied, h.into()));
            }
        }
        Snapshot {
            policy,
            overrides,
            block,
        }
    }

    /// The policy in force.
    pub fn policy(&self) -> &Arc<CompiledPolicy> {
        &self.policy
    }

    /// The overrides in force.
    pub fn overrides(&self) -> &Overrides {
        &self.overrides.source
    }

    /// Decide `req`: overrides first (policy hash denied or not the required one, then tool
    /// denied), then the policy.
    pub fn decide<'s>(&'s self, req: &Request<'_>) -> Decision<'s> {
        let deny = |reason, hash: &'s str| Decision {
            verdict: Verdict::Deny,
            reason,
            statement_id: None,
            policy_hash: Some(hash),
        };
        if let Some((reason, hash)) = &self.block {
            return deny(*reason, hash);
        }
        if req.action.starts_with("tool:") && self.overrides.denies_tool(req.resource) {
            return deny(ReasonCode::OverrideToolDenied, self.policy.hash_b64u());
        }
        self.policy.decide(req)
    }
}

/// The policy and overrides a running agent decides with, swappable at any time from any
/// thread (lock-free reads through `arc-swap`). A decision started before a swap finishes on
/// the old snapshot; every decision that starts after the swap returns sees the new one.
#[derive(Debug)]
pub struct PolicyRuntime {
    state: ArcSwap<Snapshot>,
}

impl PolicyRuntime {
    /// A runtime deciding with `policy` and no overrides.
    pub fn new(policy: Arc<CompiledPolicy>) -> PolicyRuntime {
        PolicyRuntime {
            state: ArcSwap::from_pointee(Snapshot::new(
                policy,
                Arc::new(CompiledOverrides::default()),
            )),
        }
    }

    /// A runtime deciding with `policy` under `overrides`.
    pub fn with_overrides(
        policy: Arc<CompiledPolicy>,
        overrides: Overrides,
    ) -> Result<PolicyRuntime, PolicyError> {
        Ok(PolicyRuntime {
            state: ArcSwap::from_pointee(Snapshot::new(
                policy,
                Arc::new(CompiledOverrides::new(overrides)?),
            )),
        })
    }

    /// The current snapshot (cheap: one atomic reference-count increment). Decide several
    /// requests against one snapshot to see one consistent state.
    pub fn snapshot(&self) -> Arc<Snapshot> {
        self.state.load_full()
    }

    /// Replace the policy, keeping the overrides.
    pub fn swap_policy(&self, policy: Arc<CompiledPolicy>) {
        self.state.rcu(|cur| {
            Arc::new(Snapshot::new(
                Arc::clone(&policy),
                Arc::clone(&cur.overrides),
            ))
        });
    }

    /// Replace the overrides, keeping the policy. Invalid overrides are rejected and the
    /// current ones stay in force.
    pub fn set_overrides(&self, overrides: Overrides) -> Result<(), PolicyError> {
        let o = Arc::new(CompiledOverrides::new(overrides)?);
        self.state
            .rcu(|cur| Arc::new(Snapshot::new(Arc::clone(&cur.policy), Arc::clone(&o))));
        Ok(())
    }

    /// Replace policy and overrides together.
    pub fn replace(
        &self,
        policy: Arc<CompiledPolicy>,
        overrides: Overrides,
    ) -> Result<(), PolicyError> {
        let o = Arc::new(CompiledOverrides::new(overrides)?);
        self.state.store(Arc::new(Snapshot::new(policy, o)));
        Ok(())
    }

    /// Decide against the current snapshot and hand the borrowed decision to `f` (no
    /// allocation).
    pub fn decide_with<R>(&self, req: &Request<'_>, f: impl FnOnce(Decision<'_>) -> R) -> R {
        let guard = self.state.load();
        f(guard.decide(req))
    }

    /// Decide against the current snapshot, returning an owned decision.
    pub fn decide(&self, req: &Request<'_>) -> OwnedDecision {
        self.decide_with(req, |d| d.into_owned())
    }
}

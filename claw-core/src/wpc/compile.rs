//! Compiling a policy into an index, and deciding requests against it.

use super::claw_meta::{has_control, Requirements};
use super::cond::{self, Cond, Key, Test, Tri};
use super::decision::{
    Decision, ReasonCode, Request, Verdict, ACTION_MODEL_INVOKE, ACTION_NETWORK_EGRESS,
    KEY_DATA_CLASS, KEY_HUMAN_APPROVAL, MAX_ACTION_BYTES, MAX_RESOURCE_BYTES,
};
use super::error::PolicyError;
use super::glob::Glob;
use super::policy::{Policy, PolicyBody, PolicyVersion};
use super::schema::{Effect, Provider, Statement, WpcV1};
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

/// Longest `inherits` chain accepted (the policy itself included).
pub const MAX_INHERITANCE_DEPTH: usize = 8;

/// Resource sets with more literals than this are hashed instead of scanned.
const SCAN_LIMIT: usize = 8;

/// A policy compiled for fast decisions: literal actions are looked up in a hash map,
/// glob actions are kept in a short list, and each statement's literal resources are a small
/// vector or a hash set. Deciding allocates nothing.
///
/// Immutable and `Send + Sync`; share it with `Arc`. A parent (for `inherits`) is held by
/// `Arc`, so a chain cannot be cyclic.
#[derive(Debug)]
pub struct CompiledPolicy {
    policy_id: Box<str>,
    hash: Box<str>,
    version: PolicyVersion,
    requirements: Requirements,
    layer: Layer,
    parent: ParentLink,
    depth: usize,
    approval_sensitive: bool,
}

#[derive(Debug)]
enum ParentLink {
    NotInherited,
    Missing(Box<str>),
    Present(Arc<CompiledPolicy>),
}

#[derive(Debug, Default)]
struct Layer {
    stmts: Vec<CStmt>,
    /// Literal action -> its statements.
    by_action: IndexMap<Box<str>, ActionBucket>,
    /// Statements with at least one glob action.
    glob_actions: Vec<u16>,
    data: Option<DataRule>,
    run_limit_seconds: Option<u64>,
}

/// The statements naming one literal action.
#[derive(Debug, Default)]
struct ActionBucket {
    /// Literal resource -> statements naming (this action, that resource).
    by_resource: IndexMap<Box<str>, Vec<u16>>,
    /// Statements whose resources include a glob (or everything).
    glob_resources: Vec<u16>,
}

#[derive(Debug)]
struct DataRule {
    allowed: Vec<Box<str>>,
    denied: Vec<Box<str>>,
}

#[derive(Debug)]
struct CStmt {
    sid: Box<str>,
    deny: bool,
    /// A condition reads `Request:HasHumanApproval`.
    approval_cond: bool,
    action_globs: Vec<Glob>,
    resources: ResourceSet,
    conds: Vec<Cond>,
}

#[derive(Debug, Default)]
struct ResourceSet {
    everything: bool,
    few: Vec<Box<str>>,
    many: IndexSet<Box<str>>,
    globs: Vec<Glob>,
}

impl ResourceSet {
    fn new(patterns: &[String]) -> Result<ResourceSet, PolicyError> {
        let mut s = ResourceSet::default();
        let mut literals: Vec<Box<str>> = Vec::new();
        for (i, p) in patterns.iter().enumerate() {
            let g = Glob::new(p).map_err(|_| {
                PolicyError::schema(
                    format!("resources[{i}]"),
                    "pattern longer than 512 characters",
                )
            })?;
            if g.is_everything() {
                s.everything = true;
            } else if let Some(l) = g.as_literal() {
                literals.push(l.into());
            } else {
                s.globs.push(g);
            }
        }
        if literals.len() > SCAN_LIMIT {
            s.many = literals.into_iter().collect();
        } else {
            s.few = literals;
        }
        Ok(s)
    }

    fn matches(&self, r: &str) -> bool {
        self.matches_literal(r) || self.matches_glob(r)
    }

    fn matches_literal(&self, r: &str) -> bool {
        self.few.iter().any(|l| &**l == r) || (!self.many.is_empty() && self.many.contains(r))
    }

    fn matches_glob(&self, r: &str) -> bool {
        self.everything || self.globs.iter().any(|g| g.matches(r))
    }

    fn has_glob(&self) -> bool {
        self.everything || !self.globs.is_empty()
    }

    fn literals(&self) -> impl Iterator<Item = &str> {
        self.few.iter().chain(self.many.iter()).map(|l| &**l)
    }
}

/// A statement as the compiler sees it (from a v2 document or lowered from v1).
struct Source<'a> {
    sid: &'a str,
    effect: Effect,
    actions: &'a [String],
    resources: &'a [String],
    conds: Vec<Cond>,
}

impl Layer {
    fn build(sources: Vec<Source<'_>>) -> Result<Layer, PolicyError> {
        let mut layer = Layer::default();
        for (i, src) in sources.into_iter().enumerate() {
            let idx = u16::try_from(i)
                .map_err(|_| PolicyError::schema("$.statements", "too many statements"))?;
            let resources = ResourceSet::new(src.resources).map_err(|e| match e {
                PolicyError::Schema { path, detail } => {
                    PolicyError::schema(format!("$.statements[{i}].{path}"), detail)
                }
                other => other,
            })?;
            let mut action_globs = Vec::new();
            for a in src.actions {
                let g = Glob::new(a).map_err(|_| {
                    PolicyError::schema(
                        format!("$.statements[{i}].actions"),
                        "pattern longer than 512 characters",
                    )
                })?;
                match g.as_literal() {
                    Some(l) => {
                        let bucket = layer.by_action.entry(l.into()).or_default();
                        for r in resources.literals() {
                            push_once(bucket.by_resource.entry(r.into()).or_default(), idx);
                        }
                        if resources.has_glob() {
                            push_once(&mut bucket.glob_resources, idx);
                        }
                    }
                    None => action_globs.push(g),
                }
            }
            if !action_globs.is_empty() {
                layer.glob_actions.push(idx);
            }
            layer.stmts.push(CStmt {
                sid: src.sid.into(),
                deny: src.effect == Effect::Deny,
                approval_cond: src.conds.iter().any(|c| c.key == Key::HumanApproval),
                action_globs,
                resources,
                conds: src.conds,
            });
        }
        Ok(layer)
    }
}

const V1_MODEL_SID: &str = "v1:model_invoke";
const V1_EGRESS_SID: &str = "v1:network_egress";

/// Lower a v1 policy (see `docs/SPEC.md §4`, "WPC v1 decisions"): model calls need a
/// supported, allow-listed provider AND an allow-listed model; egress needs an allow-listed
/// host; nothing else is allowed.
fn v1_sources<'a>(
    v: &'a WpcV1,
    model_actions: &'a [String],
    egress_actions: &'a [String],
    everything: &'a [String],
) -> Vec<Source<'a>> {
    let providers: Vec<Provider> = match &v.allowed_providers {
        Some(p) if !p.is_empty() => p.clone(),
        _ => Provider::ALL.to_vec(),
    };
    let models: &[String] = match &v.allowed_models {
        Some(m) if !m.is_empty() => m,
        _ => everything,
    };
    let mut out = vec![Source {
        sid: V1_MODEL_SID,
        effect: Effect::Allow,
        actions: model_actions,
        resources: models,
        conds: vec![Cond {
            key: Key::new("Model:Provider"),
            test: Test::OneOf(providers.iter().map(|p| p.as_str().into()).collect()),
        }],
    }];
    if let Some(e) = v.egress_allowlist.as_deref().filter(|e| !e.is_empty()) {
        out.push(Source {
            sid: V1_EGRESS_SID,
            effect: Effect::Allow,
            actions: egress_actions,
            resources: e,
            conds: Vec::new(),
        });
    }
    out
}

fn v2_sources(stmts: &[Statement]) -> Vec<Source<'_>> {
    stmts
        .iter()
        .map(|s| Source {
            sid: &s.sid,
            effect: s.effect,
            actions: &s.actions,
            resources: &s.resources,
            conds: s.conditions.as_ref().map(cond::compile).unwrap_or_default(),
        })
        .collect()
}

impl CompiledPolicy {
    /// Compile a policy. If it `inherits` from a parent, every decision is a Deny with
    /// [`ReasonCode::ParentMissing`]: use [`CompiledPolicy::compile_with_resolver`].
    pub fn compile(policy: &Policy) -> Result<CompiledPolicy, PolicyError> {
        CompiledPolicy::compile_with_resolver(policy, |_| None)
    }

    /// Compile a policy with its parent. `parent` must be identified by the child's
    /// `inherits` (its `policy_id` or its hash); `None` compiles a policy whose decisions all
    /// deny with [`ReasonCode::ParentMissing`]. A parent given to a policy without `inherits`
    /// is an error.
    pub fn compile_with_parent(
        policy: &Policy,
        parent: Option<Arc<CompiledPolicy>>,
    ) -> Result<CompiledPolicy, PolicyError> {
        if policy.inherits().is_none() {
            if let Some(p) = parent {
                return Err(PolicyError::UnexpectedParent {
                    parent_id: p.policy_id.to_string(),
                });
            }
        }
        let mut parent = parent;
        CompiledPolicy::compile_with_resolver(policy, move |_| parent.take())
    }

    /// Compile a policy, asking `resolve` for the parent named by `inherits` (the string as
    /// written: a policy id or a policy hash). `resolve` is not called for a policy without
    /// `inherits`. A `None` answer compiles a policy whose decisions all deny with
    /// [`ReasonCode::ParentMissing`].
    pub fn compile_with_resolver(
        policy: &Policy,
        resolve: impl FnOnce(&str) -> Option<Arc<CompiledPolicy>>,
    ) -> Result<CompiledPolicy, PolicyError> {
        let model_actions = [ACTION_MODEL_INVOKE.to_string()];
        let egress_actions = [ACTION_NETWORK_EGRESS.to_string()];
        let everything = ["*".to_string()];
        let sources = match policy.body() {
            PolicyBody::V1(v) => v1_sources(v, &model_actions, &egress_actions, &everything),
            PolicyBody::V2(v) => v2_sources(&v.statements),
        };
        let mut layer = Layer::build(sources)?;
        let requirements = policy.requirements();
        if let Some(dc) = policy
            .claw_metadata()
            .and_then(|m| m.data_classes.as_ref())
            .filter(|d| d.restricts())
        {
            layer.data = Some(DataRule {
                allowed: dc.allowed.iter().map(|s| s.as_str().into()).collect(),
                denied: dc.denied.iter().map(|s| s.as_str().into()).collect(),
            });
        }
        layer.run_limit_seconds = requirements.run_time_limit_seconds();
        let own_sensitive = layer.stmts.iter().any(|s| s.approval_cond);

        let (parent, depth, parent_sensitive) = match policy.inherits() {
            None => (ParentLink::NotInherited, 1, false),
            Some(inh) => match resolve(inh) {
                None => (ParentLink::Missing(inh.into()), 1, false),
                Some(p) => {
                    if &*p.policy_id != inh && &*p.hash != inh {
                        return Err(PolicyError::ParentMismatch {
                            inherits: inh.to_string(),
                            parent_id: p.policy_id.to_string(),
                            parent_hash: p.hash.to_string(),
                        });
                    }
                    let depth = p.depth + 1;
                    if depth > MAX_INHERITANCE_DEPTH {
                        return Err(PolicyError::InheritanceTooDeep {
                            limit: MAX_INHERITANCE_DEPTH,
                        });
                    }
                    let s = p.approval_sensitive;
                    (ParentLink::Present(p), depth, s)
                }
            },
        };
        Ok(CompiledPolicy {
            policy_id: policy.policy_id().into(),
            hash: policy.hash_b64u().into(),
            version: policy.version(),
            requirements,
            layer,
            parent,
            depth,
            approval_sensitive: own_sensitive || parent_sensitive,
        })
    }

    /// `policy_id` of the compiled policy.
    pub fn policy_id(&self) -> &str {
        &self.policy_id
    }

    /// `policy_hash_b64u` of the compiled policy.
    pub fn hash_b64u(&self) -> &str {
        &self.hash
    }

    /// Schema version.
    pub fn version(&self) -> PolicyVersion {
        self.version
    }

    /// The policy's token, evidence and run-time requirements (its own, not its parent's).
    pub fn requirements(&self) -> Requirements {
        self.requirements
    }

    /// The parent, when the policy inherits and the parent was supplied.
    pub fn parent(&self) -> Option<&Arc<CompiledPolicy>> {
        match &self.parent {
            ParentLink::Present(p) => Some(p),
            _ => None,
        }
    }

    /// The `inherits` value whose parent was not supplied, if any (then every decision
    /// denies with [`ReasonCode::ParentMissing`]).
    pub fn missing_parent(&self) -> Option<&str> {
        match &self.parent {
            ParentLink::Missing(m) => Some(m),
            _ => None,
        }
    }

    /// Number of policies in the `inherits` chain, this one included.
    pub fn chain_len(&self) -> usize {
        self.depth
    }

    /// Hashes of this policy and its ancestors, child first.
    pub fn chain_hashes(&self) -> impl Iterator<Item = &str> {
        std::iter::successors(Some(self), |p| p.parent().map(|a| &**a)).map(|p| &*p.hash)
    }

    /// Number of statements (v1 policies count their lowered rules).
    pub fn statement_count(&self) -> usize {
        self.layer.stmts.len()
    }

    /// Decide `req`. Default deny; an explicit (or unevaluable) Deny wins; every ancestor
    /// must allow too; see `docs/SPEC.md §4` for the full order.
    ///
    /// ```
    /// use claw_core::wpc::{self, CompiledPolicy, NoContext, ReasonCode, Request, Verdict};
    ///
    /// let policy = wpc::compile_authoring(
    ///     r#"{ "policy_name": "docs",
    ///          "issuer_did": "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK",
    ///          "allowed_tools": ["read"],
    ///          "denied_tools": ["shell_exec"],
    ///          "approvals": [{ "action": "send_email", "required": true }] }"#,
    /// )?;
    /// let compiled = CompiledPolicy::compile(&policy)?;
    /// let now = 1_800_000_000; // the core never reads a clock
    /// let decide = |tool| compiled.decide(&Request::tool_call(tool, &NoContext, now));
    ///
    /// assert_eq!(decide("read").verdict, Verdict::Allow);
    /// assert_eq!(decide("shell_exec").reason, ReasonCode::PolicyViolation);
    /// assert_eq!(decide("send_email").verdict, Verdict::ApprovalRequired);
    /// // Fail closed: a tool the policy does not name is denied.
    /// let unknown = decide("rm_rf");
    /// assert_eq!((unknown.verdict, unknown.reason.as_str()), (Verdict::Deny, "POLICY_DEFAULT_DENY"));
    /// # Ok::<(), claw_core::wpc::PolicyError>(())
    /// ```
    pub fn decide<'p>(&'p self, req: &Request<'_>) -> Decision<'p> {
        if !request_is_valid(req) {
            return Decision {
                verdict: Verdict::Deny,
                reason: ReasonCode::RequestInvalid,
                statement_id: None,
                policy_hash: Some(&self.hash),
            };
        }
        let env = Env::new(req, false);
        match self.eval_chain(&env) {
            Chain::Allow { sid, hash } => Decision {
                verdict: Verdict::Allow,
                reason: ReasonCode::PolicyAllow,
                statement_id: Some(sid),
                policy_hash: Some(hash),
            },
            Chain::Deny { reason, sid, hash } => Decision {
                verdict: Verdict::Deny,
                reason,
                statement_id: sid,
                policy_hash: Some(hash),
            },
            Chain::NoAllow { hash } => {
                if self.approval_sensitive && req.context.get(KEY_HUMAN_APPROVAL) != Some("true") {
                    let probe = Env::new(req, true);
                    if let Chain::Allow { sid, hash } = self.eval_chain(&probe) {
                        return Decision {
                            verdict: Verdict::ApprovalRequired,
                            reason: ReasonCode::ApprovalRequired,
                            statement_id: Some(sid),
                            policy_hash: Some(hash),
                        };
                    }
                }
                Decision {
                    verdict: Verdict::Deny,
                    reason: ReasonCode::DefaultDeny,
                    statement_id: None,
                    policy_hash: Some(hash),
                }
            }
        }
    }

    /// Root-first strict intersection: the first ancestor (from the root down) that denies
    /// decides; otherwise every policy must allow.
    fn eval_chain<'p>(&'p self, env: &Env<'_>) -> Chain<'p> {
        let parent = match &self.parent {
            ParentLink::NotInherited => None,
            ParentLink::Missing(_) => {
                return Chain::Deny {
                    reason: ReasonCode::ParentMissing,
                    sid: None,
                    hash: &self.hash,
                }
            }
            ParentLink::Present(p) => match p.eval_chain(env) {
                d @ Chain::Deny { .. } => return d,
                other => Some(other),
            },
        };
        match (self.eval_layer(env), parent) {
            (Own::Deny(reason, sid), _) => Chain::Deny {
                reason,
                sid,
                hash: &self.hash,
            },
            (_, Some(n @ Chain::NoAllow { .. })) => n,
            (Own::Allow(sid), _) => Chain::Allow {
                sid,
                hash: &self.hash,
            },
            (Own::NoAllow, _) => Chain::NoAllow { hash: &self.hash },
        }
    }

    fn eval_layer<'p>(&'p self, env: &Env<'_>) -> Own<'p> {
        let req = env.req;
        let layer = &self.layer;
        if let (Some(rule), true) = (&layer.data, env.tool) {
            match req.context.get(KEY_DATA_CLASS) {
                None => return Own::Deny(ReasonCode::DataClassMissing, None),
                Some(c) if rule.denied.iter().any(|d| &**d == c) => {
                    return Own::Deny(ReasonCode::DataClassDenied, None)
                }
                Some(c) if !rule.allowed.is_empty() && !rule.allowed.iter().any(|a| &**a == c) => {
                    return Own::Deny(ReasonCode::DataClassNotAllowed, None)
                }
                Some(_) => {}
            }
        }
        if let Some(limit) = layer.run_limit_seconds {
            match req.run_started_at.map(|s| req.now.checked_sub(s)) {
                None => return Own::Deny(ReasonCode::DenyUnresolvedContext, None),
                Some(None) => return Own::Deny(ReasonCode::EvaluationError, None),
                Some(Some(elapsed)) => match u64::try_from(elapsed) {
                    // The clock is before the run's start: an inconsistent request.
                    Err(_) => return Own::Deny(ReasonCode::EvaluationError, None),
                    Ok(e) if e >= limit => {
                        return Own::Deny(ReasonCode::RunTimeLimitExceeded, None)
                    }
                    Ok(_) => {}
                },
            }
        }

        let mut acc = Acc::default();
        let resource = req.resource;
        if let Some(bucket) = layer.by_action.get(req.action) {
            if let Some(list) = bucket.by_resource.get(resource) {
                for &i in list {
                    self.visit(i, env, &mut acc);
                }
            }
            for &i in &bucket.glob_resources {
                if let Some(s) = layer.stmts.get(usize::from(i)) {
                    if s.resources.matches_glob(resource) {
                        self.visit(i, env, &mut acc);
                    }
                }
            }
        }
        for &i in &layer.glob_actions {
            if let Some(s) = layer.stmts.get(usize::from(i)) {
                if s.action_globs.iter().any(|g| g.matches(req.action))
                    && s.resources.matches(resource)
                {
                    self.visit(i, env, &mut acc);
                }
            }
        }
        let sid = |i: u16| layer.stmts.get(usize::from(i)).map(|s| &*s.sid);
        if let Some((rank, i)) = acc.deny {
            let reason = match rank {
                0 => ReasonCode::PolicyViolation,
                1 => ReasonCode::EvaluationError,
                _ => ReasonCode::DenyUnresolvedContext,
            };
            return Own::Deny(reason, sid(i));
        }
        if let Some(i) = acc.allow_error {
            return Own::Deny(ReasonCode::EvaluationError, sid(i));
        }
        match acc.allow.and_then(sid) {
            Some(s) => Own::Allow(s),
            None => Own::NoAllow,
        }
    }

    /// Offline replay of an action that already happened (a tool receipt in a proof bundle):
    /// the request context is unknown, so only what no context could change is judged. The
    /// result is [`ReplayVerdict::Violation`] when, in this policy or any ancestor, an
    /// unconditional Deny statement matches, no Allow statement matches the action and
    /// resource at all, or a required parent is missing; otherwise
    /// [`ReplayVerdict::NotDisproved`] (some context could have allowed it). An action or
    /// resource the live decision refuses (`POLICY_REQUEST_INVALID`: empty, over-long,
    /// control characters) is a violation with that reason, by the same check.
    pub fn replay(&self, action: &str, resource: &str) -> ReplayVerdict {
        if !action_and_resource_valid(action, resource) {
            return ReplayVerdict::Violation {
                reason: ReasonCode::RequestInvalid,
                statement_id: None,
                policy_hash: self.hash.to_string(),
            };
        }
        let mut node = Some(self);
        while let Some(p) = node {
            let layer = &p.layer;
            let mut allow_matches = false;
            for i in p.matching(action, resource) {
                let Some(s) = layer.stmts.get(usize::from(i)) else {
                    continue;
                };
                if s.deny && s.conds.is_empty() {
                    return ReplayVerdict::Violation {
                        reason: ReasonCode::PolicyViolation,
                        statement_id: Some(s.sid.to_string()),
                        policy_hash: p.hash.to_string(),
                    };
                }
                allow_matches |= !s.deny;
            }
            if !allow_matches {
                return ReplayVerdict::Violation {
                    reason: ReasonCode::DefaultDeny,
                    statement_id: None,
                    policy_hash: p.hash.to_string(),
                };
            }
            node = match &p.parent {
                ParentLink::NotInherited => None,
                ParentLink::Missing(_) => {
                    return ReplayVerdict::Violation {
                        reason: ReasonCode::ParentMissing,
                        statement_id: None,
                        policy_hash: p.hash.to_string(),
                    }
                }
                ParentLink::Present(parent) => Some(parent),
            };
        }
        ReplayVerdict::NotDisproved
    }

    /// Indices of the statements of this layer whose actions and resources match.
    fn matching(&self, action: &str, resource: &str) -> Vec<u16> {
        let layer = &self.layer;
        let mut out = Vec::new();
        if let Some(bucket) = layer.by_action.get(action) {
            if let Some(list) = bucket.by_resource.get(resource) {
                out.extend_from_slice(list);
            }
            for &i in &bucket.glob_resources {
                if layer
                    .stmts
                    .get(usize::from(i))
                    .is_some_and(|s| s.resources.matches_glob(resource))
                {
                    out.push(i);
                }
            }
        }
        for &i in &layer.glob_actions {
            if layer.stmts.get(usize::from(i)).is_some_and(|s| {
                s.action_globs.iter().any(|g| g.matches(action)) && s.resources.matches(resource)
            }) {
                out.push(i);
            }
        }
        out
    }

    /// Evaluate statement `i`, whose action and resource are known to match.
    fn visit(&self, i: u16, env: &Env<'_>, acc: &mut Acc) {
        let Some(s) = self.layer.stmts.get(usize::from(i)) else {
            return;
        };
        // AND of three-valued conditions: False > Error > Unresolved > True.
        let mut t = Tri::True;
        for c in &s.conds {
            t = t.max(c.eval(env.get(&c.key)));
            if t == Tri::False {
                if s.approval_cond && !s.deny {
                    env.approval_candidate.set(true);
                }
                return;
            }
        }
        let min = |cur: &mut Option<u16>| {
            if cur.is_none_or(|c| i < c) {
                *cur = Some(i);
            }
        };
        if s.deny {
            let rank = match t {
                Tri::True => 0u8,
                Tri::Error => 1,
                Tri::Unresolved => 2,
                Tri::False => return,
            };
            if acc.deny.is_none_or(|d| (rank, i) < d) {
                acc.deny = Some((rank, i));
            }
        } else {
            match t {
                Tri::True => min(&mut acc.allow),
                Tri::Error => min(&mut acc.allow_error),
                Tri::Unresolved | Tri::False => {
                    if s.approval_cond {
                        env.approval_candidate.set(true);
                    }
                }
            }
        }
    }
}

/// The outcome of [`CompiledPolicy::replay`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReplayVerdict {
    /// No request context could have allowed the action.
    Violation {
        /// `POLICY_VIOLATION` (unconditional Deny), `POLICY_DEFAULT_DENY` (nothing allows
        /// it), `POLICY_PARENT_MISSING` or `POLICY_REQUEST_INVALID`.
        reason: ReasonCode,
        /// The unconditional Deny statement, when one decided.
        statement_id: Option<String>,
        /// The policy (in the `inherits` chain) that decided.
        policy_hash: String,
    },
    /// Some context could have allowed the action; offline replay cannot disprove it.
    NotDisproved,
}

fn push_once(list: &mut Vec<u16>, idx: u16) {
    if list.last() != Some(&idx) {
        list.push(idx);
    }
}

/// The index's maps: std's SipHash with a random key per map. The keys come from the policy,
/// and an unkeyed hasher (the index had one, invertible) lets a policy choose names that all
/// collide: 16,384 such resource names in each of 64 action buckets made compiling a 480 KB
/// policy quadratic (minutes), and every lookup of such a name a scan of its bucket.
type IndexMap<K, V> = HashMap<K, V>;
type IndexSet<K> = HashSet<K>;

#[derive(Default)]
struct Acc {
    deny: Option<(u8, u16)>,
    allow: Option<u16>,
    allow_error: Option<u16>,
}

enum Own<'p> {
    Allow(&'p str),
    NoAllow,
    Deny(ReasonCode, Option<&'p str>),
}

#[derive(Clone, Copy)]
enum Chain<'p> {
    Allow {
        sid: &'p str,
        hash: &'p str,
    },
    NoAllow {
        hash: &'p str,
    },
    Deny {
        reason: ReasonCode,
        sid: Option<&'p str>,
        hash: &'p str,
    },
}

pub(crate) fn request_is_valid(req: &Request<'_>) -> bool {
    action_and_resource_valid(req.action, req.resource)
}

/// The request validation of a live decision ([`CompiledPolicy::decide`]) and of an offline
/// replay ([`CompiledPolicy::replay`]): one function, so a name the live path refuses as
/// `POLICY_REQUEST_INVALID` (empty, over-long, control characters) is refused in replay too.
fn action_and_resource_valid(action: &str, resource: &str) -> bool {
    let ok = |s: &str, max: usize| !s.is_empty() && s.len() <= max && !has_control(s);
    ok(action, MAX_ACTION_BYTES) && ok(resource, MAX_RESOURCE_BYTES)
}

const HOURS: [&str; 24] = [
    "0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12", "13", "14", "15", "16",
    "17", "18", "19", "20", "21", "22", "23",
];
const DAYS: [&str; 7] = ["0", "1", "2", "3", "4", "5", "6"];

/// UTC hour (0-23) and day of week (0 = Sunday .. 6 = Saturday) of an epoch time.
pub(crate) fn hour_and_day(now: i64) -> (usize, usize) {
    let secs = now.rem_euclid(86_400);
    let days = now.div_euclid(86_400);
    // 1970-01-01 was a Thursday (4).
    let dow = (days + 4).rem_euclid(7);
    (
        usize::try_from(secs / 3600).unwrap_or(0),
        usize::try_from(dow).unwrap_or(0),
    )
}

/// The evaluation environment: the caller's context plus the built-in keys.
struct Env<'r> {
    req: &'r Request<'r>,
    hour: &'static str,
    day: &'static str,
    tool: bool,
    model: bool,
    egress: bool,
    approval_probe: bool,
    /// Set when a matching Allow that reads `Request:HasHumanApproval` did not apply.
    approval_candidate: std::cell::Cell<bool>,
}

impl<'r> Env<'r> {
    fn new(req: &'r Request<'r>, approval_probe: bool) -> Env<'r> {
        let (h, d) = hour_and_day(req.now);
        Env {
            req,
            hour: HOURS.get(h).copied().unwrap_or("0"),
            day: DAYS.get(d).copied().unwrap_or("0"),
            tool: req.action.starts_with("tool:"),
            model: req.action.starts_with("model:"),
            egress: req.action == ACTION_NETWORK_EGRESS,
            approval_probe,
            approval_candidate: std::cell::Cell::new(false),
        }
    }

    fn get(&self, key: &Key) -> Option<&'r str> {
        match key {
            Key::ToolName => self.tool.then_some(self.req.resource),
            Key::ModelName => self.model.then_some(self.req.resource),
            Key::TargetDomain => self.egress.then_some(self.req.resource),
            Key::Hour => Some(self.hour),
            Key::DayOfWeek => Some(self.day),
            Key::HumanApproval if self.approval_probe => Some("true"),
            Key::HumanApproval => self.req.context.get(KEY_HUMAN_APPROVAL),
            Key::User(k) => self.req.context.get(k),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn clock() {
        assert_eq!(hour_and_day(0), (0, 4)); // Thu 1970-01-01 00:00
        assert_eq!(hour_and_day(-1), (23, 3)); // Wed 23:59:59
        assert_eq!(hour_and_day(1_767_225_600), (0, 4)); // 2026-01-01 was a Thursday
        assert_eq!(
            hour_and_day(1_767_225_600 + 3 * 86_400 + 13 * 3600),
            (13, 0)
        ); // Sunday
        assert!(hour_and_day(i64::MIN).0 < 24);
        assert!(hour_and_day(i64::MAX).1 < 7);
    }
}

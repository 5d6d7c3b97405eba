//! Requests, context and decisions.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::hash::BuildHasher;

/// The action of a tool call.
pub const ACTION_TOOL_EXECUTE: &str = "tool:execute";
/// The action of a model call (resource: the model name).
pub const ACTION_MODEL_INVOKE: &str = "model:invoke";
/// The action of an outbound network request (resource: the target host name).
pub const ACTION_NETWORK_EGRESS: &str = "side_effect:network_egress";

/// Context key a caller sets to `"true"` once a human approved the request.
pub const KEY_HUMAN_APPROVAL: &str = "Request:HasHumanApproval";
/// Context key carrying the data class a tool call touches.
pub const KEY_DATA_CLASS: &str = "Data:Class";

/// Longest action accepted, in bytes.
pub const MAX_ACTION_BYTES: usize = 256;
/// Longest resource accepted, in bytes.
pub const MAX_RESOURCE_BYTES: usize = 4096;

/// Caller-supplied context: a map from key to string value.
///
/// Built-in keys (`Tool:Name`, `Model:Name`, `SideEffect:TargetDomain`, `Context:Hour`,
/// `Context:DayOfWeek`) are injected by the evaluator; a caller's value for them is ignored.
pub trait ContextLookup {
    /// The value of `key`, if present.
    fn get(&self, key: &str) -> Option<&str>;
}

impl<S: BuildHasher> ContextLookup for HashMap<String, String, S> {
    fn get(&self, key: &str) -> Option<&str> {
        HashMap::get(self, key).map(String::as_str)
    }
}

impl<S: BuildHasher> ContextLookup for HashMap<&str, &str, S> {
    fn get(&self, key: &str) -> Option<&str> {
        HashMap::get(self, key).copied()
    }
}

impl ContextLookup for BTreeMap<String, String> {
    fn get(&self, key: &str) -> Option<&str> {
        BTreeMap::get(self, key).map(String::as_str)
    }
}

fn find<'a>(pairs: &'a [(&str, &str)], key: &str) -> Option<&'a str> {
    pairs.iter().find(|(k, _)| *k == key).map(|(_, v)| *v)
}

impl ContextLookup for &[(&str, &str)] {
    fn get(&self, key: &str) -> Option<&str> {
        find(self, key)
    }
}

impl<const N: usize> ContextLookup for [(&str, &str); N] {
    fn get(&self, key: &str) -> Option<&str> {
        find(self, key)
    }
}

impl ContextLookup for Vec<(String, String)> {
    fn get(&self, key: &str) -> Option<&str> {
        self.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }
}

/// The empty context.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoContext;

impl ContextLookup for NoContext {
    fn get(&self, _key: &str) -> Option<&str> {
        None
    }
}

/// One question to the policy: may `action` be done on `resource`, now?
#[derive(Clone, Copy)]
pub struct Request<'a> {
    /// Action, e.g. [`ACTION_TOOL_EXECUTE`].
    pub action: &'a str,
    /// Resource, e.g. the tool name.
    pub resource: &'a str,
    /// Caller-supplied context keys.
    pub context: &'a dyn ContextLookup,
    /// The injected clock: seconds since the Unix epoch (UTC).
    pub now: i64,
    /// When the run started (epoch seconds), for the policy's run time limit.
    pub run_started_at: Option<i64>,
}

impl fmt::Debug for Request<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Request")
            .field("action", &self.action)
            .field("resource", &self.resource)
            .field("now", &self.now)
            .field("run_started_at", &self.run_started_at)
            .finish_non_exhaustive()
    }
}

impl<'a> Request<'a> {
    /// A request for any action.
    pub fn new(
        action: &'a str,
        resource: &'a str,
        context: &'a dyn ContextLookup,
        now: i64,
    ) -> Self {
        Request {
            action,
            resource,
            context,
            now,
            run_started_at: None,
        }
    }

    /// A tool call: action `tool:execute`, resource the tool name.
    pub fn tool_call(tool: &'a str, context: &'a dyn ContextLookup, now: i64) -> Self {
        Request::new(ACTION_TOOL_EXECUTE, tool, context, now)
    }

    /// A model call: action `model:invoke`, resource the model name (the provider goes in
    /// the `Model:Provider` context key).
    pub fn model_call(model: &'a str, context: &'a dyn ContextLookup, now: i64) -> Self {
        Request::new(ACTION_MODEL_INVOKE, model, context, now)
    }

    /// An outbound request: action `side_effect:network_egress`, resource the host name.
    pub fn egress(host: &'a str, context: &'a dyn ContextLookup, now: i64) -> Self {
        Request::new(ACTION_NETWORK_EGRESS, host, context, now)
    }

    /// Set the run's start time (needed when the policy has a run time limit).
    pub fn with_run_started_at(mut self, started_at: i64) -> Self {
        self.run_started_at = Some(started_at);
        self
    }
}

/// The outcome of a decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Verdict {
    /// The request may proceed.
    Allow,
    /// The request must not proceed.
    Deny,
    /// The request may proceed once a human approves it: ask again with
    /// `Request:HasHumanApproval` = `"true"`.
    ApprovalRequired,
}

impl Verdict {
    /// The wire spelling: `"allow"`, `"deny"` or `"approval_required"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Allow => "allow",
            Verdict::Deny => "deny",
            Verdict::ApprovalRequired => "approval_required",
        }
    }
}

/// Why a decision came out the way it did. Stable strings via [`ReasonCode::as_str`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ReasonCode {
    /// `POLICY_ALLOW`: an Allow statement applies and nothing denies.
    PolicyAllow,
    /// `CAPABILITY_REQUIRES_APPROVAL` (registry): an Allow would apply with a human approval.
    ApprovalRequired,
    /// `POLICY_VIOLATION` (registry): an explicit Deny statement applies.
    PolicyViolation,
    /// `POLICY_DEFAULT_DENY`: no Allow statement applies.
    DefaultDeny,
    /// `POLICY_DENY_UNRESOLVED_CONTEXT`: a Deny statement matches and cannot be evaluated
    /// because a context key is missing (or the run start time, for a run time limit).
    DenyUnresolvedContext,
    /// `POLICY_EVALUATION_ERROR`: a matching statement's condition could not be evaluated
    /// (malformed number, CIDR or boolean on either side, over-long value, ...).
    EvaluationError,
    /// `POLICY_PARENT_MISSING`: the policy inherits from a parent that was not supplied.
    ParentMissing,
    /// `POLICY_REQUEST_INVALID`: empty, over-long or control-character-bearing action or
    /// resource.
    RequestInvalid,
    /// `POLICY_DATA_CLASS_DENIED`: the tool call's data class is denied.
    DataClassDenied,
    /// `POLICY_DATA_CLASS_NOT_ALLOWED`: the data class is not in the policy's allow-list.
    DataClassNotAllowed,
    /// `POLICY_DATA_CLASS_MISSING`: the policy restricts data classes and the tool call has
    /// no `Data:Class`.
    DataClassMissing,
    /// `POLICY_RUN_TIME_LIMIT_EXCEEDED`: the run has lasted longer than the policy allows.
    RunTimeLimitExceeded,
    /// `OVERRIDE_TOOL_DENIED`: an incident override denies this tool.
    OverrideToolDenied,
    /// `OVERRIDE_POLICY_HASH_DENIED`: an incident override denies this policy (or an
    /// ancestor) by hash.
    OverridePolicyHashDenied,
    /// `OVERRIDE_POLICY_HASH_MISMATCH`: an incident override requires another policy hash.
    OverridePolicyHashMismatch,
}

impl ReasonCode {
    /// Every code, for documentation and exhaustive tests.
    pub const ALL: [ReasonCode; 15] = [
        ReasonCode::PolicyAllow,
        ReasonCode::ApprovalRequired,
        ReasonCode::PolicyViolation,
        ReasonCode::DefaultDeny,
        ReasonCode::DenyUnresolvedContext,
        ReasonCode::EvaluationError,
        ReasonCode::ParentMissing,
        ReasonCode::RequestInvalid,
        ReasonCode::DataClassDenied,
        ReasonCode::DataClassNotAllowed,
        ReasonCode::DataClassMissing,
        ReasonCode::RunTimeLimitExceeded,
        ReasonCode::OverrideToolDenied,
        ReasonCode::OverridePolicyHashDenied,
        ReasonCode::OverridePolicyHashMismatch,
    ];

    /// The stable SCREAMING_SNAKE code.
    pub fn as_str(self) -> &'static str {
        match self {
            ReasonCode::PolicyAllow => "POLICY_ALLOW",
            ReasonCode::ApprovalRequired => "CAPABILITY_REQUIRES_APPROVAL",
            ReasonCode::PolicyViolation => "POLICY_VIOLATION",
            ReasonCode::DefaultDeny => "POLICY_DEFAULT_DENY",
            ReasonCode::DenyUnresolvedContext => "POLICY_DENY_UNRESOLVED_CONTEXT",
            ReasonCode::EvaluationError => "POLICY_EVALUATION_ERROR",
            ReasonCode::ParentMissing => "POLICY_PARENT_MISSING",
            ReasonCode::RequestInvalid => "POLICY_REQUEST_INVALID",
            ReasonCode::DataClassDenied => "POLICY_DATA_CLASS_DENIED",
            ReasonCode::DataClassNotAllowed => "POLICY_DATA_CLASS_NOT_ALLOWED",
            ReasonCode::DataClassMissing => "POLICY_DATA_CLASS_MISSING",
            ReasonCode::RunTimeLimitExceeded => "POLICY_RUN_TIME_LIMIT_EXCEEDED",
            ReasonCode::OverrideToolDenied => "OVERRIDE_TOOL_DENIED",
            ReasonCode::OverridePolicyHashDenied => "OVERRIDE_POLICY_HASH_DENIED",
            ReasonCode::OverridePolicyHashMismatch => "OVERRIDE_POLICY_HASH_MISMATCH",
        }
    }
}

impl fmt::Display for ReasonCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A decision, borrowing the deciding statement id and policy hash from the compiled policy.
/// Small and `Copy`; [`Decision::into_owned`] detaches it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decision<'a> {
    /// Allow, Deny or ApprovalRequired.
    pub verdict: Verdict,
    /// Why.
    pub reason: ReasonCode,
    /// The statement that decided (the Allow that applied or would apply with approval, or
    /// the Deny that fired), when one did.
    pub statement_id: Option<&'a str>,
    /// Hash of the policy that decided (the policy itself, or the ancestor whose statement
    /// or missing parent decided; the overridden policy for overrides).
    pub policy_hash: Option<&'a str>,
}

impl Decision<'_> {
    /// Whether the verdict is [`Verdict::Allow`].
    pub fn is_allow(&self) -> bool {
        self.verdict == Verdict::Allow
    }

    /// A copy that owns its strings.
    pub fn into_owned(self) -> OwnedDecision {
        OwnedDecision {
            verdict: self.verdict,
            reason: self.reason,
            statement_id: self.statement_id.map(str::to_string),
            policy_hash: self.policy_hash.map(str::to_string),
        }
    }
}

/// A [`Decision`] that owns its strings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OwnedDecision {
    /// Allow, Deny or ApprovalRequired.
    pub verdict: Verdict,
    /// Why.
    pub reason: ReasonCode,
    /// The deciding statement id.
    pub statement_id: Option<String>,
    /// Hash of the deciding policy.
    pub policy_hash: Option<String>,
}

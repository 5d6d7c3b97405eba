//! [`WpcView`] over a compiled `claw_core::wpc` policy.

use super::audit::{ToolRuling, ToolStance, WpcView};
use crate::wpc::{
    CompiledPolicy, Decision, NoContext, Policy, PolicyError, ReasonCode, Request, Verdict,
    KEY_DATA_CLASS,
};

/// A data class no policy names: used to ask a data-class-restricted policy about a tool
/// when its allow-list is empty (only denied classes).
const UNLISTED_DATA_CLASS: &str = "claw-audit-unlisted-class";

/// The tool stance of a compiled WPC, as the audit needs it: one `tool:execute` decision per
/// tool, no caller context, the run starting at `now` (so a run time limit never fires).
#[derive(Debug)]
pub struct WpcTools {
    compiled: CompiledPolicy,
    policy_id: String,
    hash: String,
    data_class: Option<String>,
    tool_classes: std::collections::BTreeMap<String, Vec<String>>,
    now: i64,
}

impl WpcTools {
    /// Compile `policy` (which must not `inherit`: its parent would be missing and every
    /// decision would deny) for decisions at `now` (epoch seconds).
    pub fn new(policy: &Policy, now: i64) -> Result<WpcTools, PolicyError> {
        let compiled = CompiledPolicy::compile(policy)?;
        // A class the policy accepts, to ask again when it restricts data classes.
        let data_class = policy
            .claw_metadata()
            .and_then(|m| m.data_classes.as_ref())
            .filter(|d| d.restricts())
            .map(|d| {
                d.allowed
                    .first()
                    .cloned()
                    .unwrap_or_else(|| UNLISTED_DATA_CLASS.to_string())
            });
        let tool_classes = policy
            .claw_metadata()
            .and_then(|m| m.tool_classes.clone())
            .unwrap_or_default();
        Ok(WpcTools {
            compiled,
            tool_classes,
            policy_id: policy.policy_id().to_string(),
            hash: policy.hash_b64u().to_string(),
            data_class,
            now,
        })
    }

    fn ruling(d: &Decision<'_>, conditional: bool) -> ToolRuling {
        let stance = match (d.verdict, d.reason) {
            (Verdict::Allow, _) if conditional => ToolStance::Conditional,
            (Verdict::Allow, _) => ToolStance::Allowed,
            (Verdict::ApprovalRequired, _) => ToolStance::ApprovalRequired,
            (_, ReasonCode::DefaultDeny | ReasonCode::RequestInvalid) => ToolStance::NotAllowed,
            (_, ReasonCode::DenyUnresolvedContext) => ToolStance::Conditional,
            _ => ToolStance::Denied,
        };
        ToolRuling {
            stance,
            statement_id: d.statement_id.map(str::to_string),
            reason_code: d.reason.as_str().to_string(),
        }
    }
}

impl WpcView for WpcTools {
    fn policy_id(&self) -> &str {
        &self.policy_id
    }

    fn policy_hash(&self) -> &str {
        &self.hash
    }

    fn tool_class(&self, name: &str) -> Option<Vec<String>> {
        self.tool_classes.get(name).cloned()
    }

    fn tool(&self, tool: &str) -> ToolRuling {
        let req = Request::tool_call(tool, &NoContext, self.now).with_run_started_at(self.now);
        let d = self.compiled.decide(&req);
        if d.reason != ReasonCode::DataClassMissing {
            return WpcTools::ruling(&d, false);
        }
        // The policy restricts data classes: ask again with one it accepts; the tool is then
        // allowed only for some data, which is a per-call condition.
        let Some(class) = self.data_class.as_deref() else {
            return WpcTools::ruling(&d, false);
        };
        let ctx = [(KEY_DATA_CLASS, class)];
        let req = Request::tool_call(tool, &ctx, self.now).with_run_started_at(self.now);
        WpcTools::ruling(&self.compiled.decide(&req), true)
    }
}

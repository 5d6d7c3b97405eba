//! The recorder: the harness feeds it one event at a time; it keeps the event chain, hands
//! out bindings, collects receipts and finally signs the proof bundle.

use super::bundle::{self, Bundle, BundleOptions};
use super::chain::Event;
use super::merkle_proofs::{self, Checkpoint, ConsistencyProof, LeafTree};
use super::pulse::PulseObserver;
use super::receipts::{
    Binding, Delegation, Gateway, HumanApproval, ModelCall, Receipt, ReceiptKind, SideEffect,
    ToolCall,
};
use super::{ids, invalid, EvidenceError};
use crate::canonical::JcsObject;
use crate::envelope::{self, Envelope};
use crate::keys::SigningKey;
use crate::{b64, time};
use rand_core::CryptoRngCore;
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// A model call whose `llm_call` event is recorded and whose gateway receipt is awaited.
/// Send `binding` to the gateway (`X-Run-Id`, `X-Event-Hash`, `X-Idempotency-Key`, plus
/// the span fields when the gateway is claw's own [`Gateway`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingModelCall {
    /// The receipt binding the gateway must sign into its receipt.
    pub binding: Binding,
    event_index: usize,
}

/// Records one run (see the module documentation of [`crate::evidence`]).
///
/// ```
/// use claw_core::evidence::{verify_bundle, BundleOptions, Recorder, ToolCall, ToolStatus, VerifyConfig};
/// use claw_core::keys::SigningKey;
/// use serde_json::json;
///
/// let mut rng = rand_core::OsRng;
/// let now_ms = 1_800_000_000_000; // time is injected, never read
/// let agent = SigningKey::generate(&mut rng);
/// let mut rec = Recorder::with_run_id(agent, "run_docs")?;
/// let receipt_id = rec.record_tool_call(
///     &ToolCall {
///         tool_name: "read_file",
///         tool_version: None,
///         args: &json!({"path": "README.md"}),
///         result: &json!("# claw"),
///         result_status: ToolStatus::Success,
///         latency_ms: 3,
///         timestamp_ms: now_ms,
///     },
///     &mut rng,
/// )?;
/// assert!(receipt_id.starts_with("tr_"));
/// // The signed proof bundle: event chain, receipts, Merkle checkpoint, Trust Pulse.
/// let bundle = rec.finish(&BundleOptions::default(), now_ms + 10, &mut rng)?;
/// let verdict = verify_bundle(bundle.to_json()?.as_bytes(), &VerifyConfig::new(now_ms + 20));
/// assert!(verdict.valid, "{}", verdict.reason);
/// # Ok::<(), claw_core::evidence::EvidenceError>(())
/// ```
#[derive(Debug)]
pub struct Recorder {
    run_id: String,
    agent: SigningKey,
    agent_did: String,
    /// The events kept: all of them, or only the last ([`Recorder::keep_chain_head_only`]),
    /// `events[0]` being the event with index `event_base`.
    events: Vec<Event>,
    event_base: usize,
    /// Receipts with the index of the event they are bound to, in the order attached (once
    /// the history is not kept: at most the last one, and none after a tool receipt, which
    /// is then signed from its bytes and never held as a value).
    receipts: Vec<(usize, Receipt)>,
    /// Model calls still waiting for their gateway receipt: event index → (event id, event
    /// hash).
    open: BTreeMap<usize, (String, String)>,
    /// Whether the whole history is kept (a bundle can be signed) or only what the next
    /// record needs.
    history: History,
    /// Span of the first model call (the causal root) and of the latest one.
    root_span: Option<String>,
    last_model_span: Option<String>,
    /// Leaves committed to the Merkle log so far (events before `committed_events`).
    tree: LeafTree,
    committed_events: usize,
    last_ts: Option<i64>,
    pulse: PulseObserver,
    /// Policy hash and CST scope hash every binding carries (see
    /// [`Recorder::set_binding_context`]).
    policy_hash: Option<String>,
    token_scope_hash: Option<String>,
}

/// What a [`Recorder`] keeps of the run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum History {
    /// Every event and receipt: checkpoints and the bundle can be signed.
    Kept,
    /// The chain head, pending model calls and at most the last receipt.
    ChainHeadOnly,
}

impl Recorder {
    /// A new run `run_<uuid>` recorded for the agent whose key signs the bundle.
    pub fn new(agent: SigningKey, rng: &mut impl CryptoRngCore) -> Recorder {
        let run_id = ids::new_id("run", rng);
        Recorder::build(agent, run_id)
    }

    /// A new run with a caller-chosen id.
    pub fn with_run_id(agent: SigningKey, run_id: &str) -> Result<Recorder, EvidenceError> {
        if run_id.is_empty() {
            return Err(invalid("run_id", "must not be empty"));
        }
        Ok(Recorder::build(agent, run_id.to_string()))
    }

    fn build(agent: SigningKey, run_id: String) -> Recorder {
        let agent_did = agent.verifying_key().did();
        Recorder {
            run_id,
            agent,
            agent_did,
            events: Vec::new(),
            event_base: 0,
            receipts: Vec::new(),
            open: BTreeMap::new(),
            history: History::Kept,
            root_span: None,
            last_model_span: None,
            tree: LeafTree::default(),
            committed_events: 0,
            last_ts: None,
            pulse: PulseObserver::default(),
            policy_hash: None,
            token_scope_hash: None,
        }
    }

    /// Name the policy (WPC hash) and scoped token (`token_scope_hash_b64u`) the run executes
    /// under: every binding handed out afterwards carries them as `policy_hash` and
    /// `token_scope_hash_b64u` (delegation bindings keep only the policy hash). Both must be
    /// base64url SHA-256 digests.
    pub fn set_binding_context(
        &mut self,
        policy_hash: Option<&str>,
        token_scope_hash_b64u: Option<&str>,
    ) -> Result<(), EvidenceError> {
        for (field, v) in [
            ("policy_hash", policy_hash),
            ("token_scope_hash_b64u", token_scope_hash_b64u),
        ] {
            if v.is_some_and(|h| !crate::hash::is_b64u_sha256(h)) {
                return Err(invalid(field, "must be a base64url SHA-256"));
            }
        }
        self.policy_hash = policy_hash.map(str::to_string);
        self.token_scope_hash = token_scope_hash_b64u.map(str::to_string);
        Ok(())
    }

    /// The run id.
    pub fn run_id(&self) -> &str {
        &self.run_id
    }

    /// The agent DID (signer of the bundle and of tool-receipt envelopes).
    pub fn agent_did(&self) -> &str {
        &self.agent_did
    }

    /// The events recorded so far (only the last one once the history is not kept).
    pub fn events(&self) -> &[Event] {
        &self.events
    }

    /// How many events the run has (kept or not).
    pub fn event_count(&self) -> usize {
        self.event_base + self.events.len()
    }

    /// From now on keep only what the next record needs: the chain head (the last event),
    /// the model calls still pending, at most the last receipt; forget the other events,
    /// receipts, the Merkle log and the Trust Pulse observations. Memory then stays flat
    /// however long the run, for a process that only appends (the MCP proxy: the bundle is
    /// built later from the run log, docs/SPEC.md §10.7). Checkpoints and the bundle are
    /// refused from then on ([`EvidenceError::HistoryNotKept`]).
    pub fn keep_chain_head_only(&mut self) {
        self.history = History::ChainHeadOnly;
        // Never read again (checkpoints and the bundle are refused), never grown again.
        self.tree = LeafTree::default();
        self.committed_events = 0;
        self.pulse = PulseObserver::default();
        self.forget();
    }

    /// Whether the whole history is kept (not [`Recorder::keep_chain_head_only`]).
    pub(crate) fn keeps_history(&self) -> bool {
        self.history == History::Kept
    }

    /// Without the history: drop every event but the chain head and every receipt but the
    /// last (after each append).
    fn forget(&mut self) {
        if self.history == History::Kept {
            return;
        }
        if self.events.len() > 1 {
            let n = self.events.len() - 1;
            self.events.drain(..n);
            self.event_base += n;
        }
        if self.receipts.len() > 1 {
            self.receipts.drain(..self.receipts.len() - 1);
        }
    }

    fn require_history(&self) -> Result<(), EvidenceError> {
        match self.history {
            History::Kept => Ok(()),
            History::ChainHeadOnly => Err(EvidenceError::HistoryNotKept),
        }
    }

    /// The event with index `idx` (just pushed, or kept).
    fn event(&self, idx: usize) -> &Event {
        &self.events[idx - self.event_base]
    }

    fn push_receipt(&mut self, idx: usize, receipt: Receipt) {
        self.receipts.push((idx, receipt));
        self.forget();
    }

    /// The receipts attached so far, with the index of their event, in attachment order.
    pub fn receipts(&self) -> impl Iterator<Item = (usize, &Receipt)> {
        self.receipts.iter().map(|(i, r)| (*i, r))
    }

    /// Append an event of any type (e.g. `run_start`, `policy_decision`); its payload is
    /// hashed with JCS and not stored. Returns the binding for receipts about this event.
    pub fn record_event(
        &mut self,
        event_type: &str,
        payload: &Value,
        timestamp_ms: i64,
        rng: &mut impl CryptoRngCore,
    ) -> Result<Binding, EvidenceError> {
        let idx = self.push_event(event_type, payload, timestamp_ms, rng)?;
        Ok(self.binding_for(idx, rng))
    }

    /// Record a policy decision (`policy_decision` event; no receipt). `decision` is the
    /// caller's decision record, e.g. `{"action":…, "effect":"deny", "reason_code":…,
    /// "policy_hash_b64u":…}`.
    pub fn record_decision(
        &mut self,
        decision: &Value,
        timestamp_ms: i64,
        rng: &mut impl CryptoRngCore,
    ) -> Result<Binding, EvidenceError> {
        self.record_event("policy_decision", decision, timestamp_ms, rng)
    }

    /// Append an event whose payload's JCS bytes the caller has (`payload_jcs` must be
    /// `JCS(payload)`: it is hashed, not parsed) and for which no receipt will be made: no
    /// binding is handed out. Returns the event's hash.
    pub(crate) fn record_plain_event(
        &mut self,
        event_type: &str,
        payload_jcs: &[u8],
        timestamp_ms: i64,
        rng: &mut impl CryptoRngCore,
    ) -> Result<String, EvidenceError> {
        let h = crate::hash::sha256_b64u(payload_jcs);
        let idx = self.push_event_hashed(event_type, h, timestamp_ms, rng)?;
        Ok(self.event(idx).event_hash_b64u.clone())
    }

    fn push_event(
        &mut self,
        event_type: &str,
        payload: &Value,
        timestamp_ms: i64,
        rng: &mut impl CryptoRngCore,
    ) -> Result<usize, EvidenceError> {
        let h = crate::hash::sha256_b64u(crate::json::canonicalize(payload)?);
        self.push_event_hashed(event_type, h, timestamp_ms, rng)
    }

    fn push_event_hashed(
        &mut self,
        event_type: &str,
        payload_hash_b64u: String,
        timestamp_ms: i64,
        rng: &mut impl CryptoRngCore,
    ) -> Result<usize, EvidenceError> {
        if event_type.is_empty() {
            return Err(invalid("event_type", "must not be empty"));
        }
        if let Some(last) = self.last_ts {
            if timestamp_ms < last {
                return Err(EvidenceError::ClockRegression {
                    got: time::format_rfc3339_millis(timestamp_ms),
                    last: time::format_rfc3339_millis(last),
                });
            }
        }
        let event = Event::with_payload_hash(
            ids::new_id("evt", rng),
            &self.run_id,
            event_type,
            timestamp_ms,
            payload_hash_b64u,
            self.events.last(),
        );
        self.last_ts = Some(timestamp_ms);
        self.pulse.observe_time(timestamp_ms);
        self.events.push(event);
        let idx = self.event_count() - 1;
        self.forget();
        Ok(idx)
    }

    fn binding_for(&self, idx: usize, rng: &mut impl CryptoRngCore) -> Binding {
        Binding {
            run_id: self.run_id.clone(),
            event_hash_b64u: self.event(idx).event_hash_b64u.clone(),
            nonce: Some(ids::new_id("nonce", rng)),
            policy_hash: self.policy_hash.clone(),
            token_scope_hash_b64u: self.token_scope_hash.clone(),
            ..Binding::default()
        }
    }

    /// Record the `llm_call` event of a model call about to be sent through a gateway and
    /// return the binding the gateway must sign. The call stays pending until
    /// [`Recorder::attach_gateway_receipt`] or [`Recorder::abandon_model_call`].
    ///
    /// Causal spans: the call's `span_id` is its event id; every call after the first of
    /// the run names the first one as `parent_span_id`, so the run's gateway receipts form
    /// one connected causal graph with a single root.
    pub fn begin_model_call(
        &mut self,
        provider: &str,
        model: &str,
        timestamp_ms: i64,
        rng: &mut impl CryptoRngCore,
    ) -> Result<PendingModelCall, EvidenceError> {
        let payload = json!({"model": model, "provider": provider});
        let idx = self.push_event("llm_call", &payload, timestamp_ms, rng)?;
        let mut binding = self.binding_for(idx, rng);
        let span = self.event(idx).event_id.clone();
        binding.span_id = Some(span.clone());
        binding.parent_span_id = self.root_span.clone();
        if self.root_span.is_none() {
            self.root_span = Some(span.clone());
        }
        self.open
            .insert(idx, (span.clone(), binding.event_hash_b64u.clone()));
        self.last_model_span = Some(span);
        Ok(PendingModelCall {
            binding,
            event_index: idx,
        })
    }

    /// [`Recorder::begin_model_call`] for a call sent under the policy `policy_hash` (a
    /// base64url SHA-256; the harness sends it to the gateway as `X-Policy-Hash`): the
    /// binding carries it, and [`Recorder::attach_gateway_receipt`] then refuses a receipt
    /// the gateway signed under another policy (`GATEWAY_POLICY_MISMATCH`, docs/SPEC.md
    /// §7.12). `None` is `begin_model_call` (the binding context's policy, if any).
    pub fn begin_model_call_under(
        &mut self,
        provider: &str,
        model: &str,
        policy_hash: Option<&str>,
        timestamp_ms: i64,
        rng: &mut impl CryptoRngCore,
    ) -> Result<PendingModelCall, EvidenceError> {
        if policy_hash.is_some_and(|h| !crate::hash::is_b64u_sha256(h)) {
            return Err(invalid("policy_hash", "must be a base64url SHA-256"));
        }
        let mut p = self.begin_model_call(provider, model, timestamp_ms, rng)?;
        if let Some(h) = policy_hash {
            p.binding.policy_hash = Some(h.to_string());
        }
        Ok(p)
    }

    /// Attach the gateway's receipt envelope for a pending call. The receipt must be a
    /// `gateway_receipt` whose binding names this run and the call's event.
    pub fn attach_gateway_receipt(
        &mut self,
        pending: PendingModelCall,
        receipt: &Envelope,
    ) -> Result<(), EvidenceError> {
        if self.open.get(&pending.event_index).map(|(_, h)| h)
            != Some(&pending.binding.event_hash_b64u)
        {
            return Err(EvidenceError::BindingMismatch(
                "no such pending model call in this run".into(),
            ));
        }
        if receipt.envelope_type != ReceiptKind::Gateway.type_name() {
            return Err(invalid("envelope_type", "must be gateway_receipt"));
        }
        let b = receipt.payload.get("binding");
        let run = b.and_then(|b| b.get("run_id")).and_then(Value::as_str);
        let ev = b
            .and_then(|b| b.get("event_hash_b64u"))
            .and_then(Value::as_str);
        if run != Some(self.run_id.as_str()) || ev != Some(pending.binding.event_hash_b64u.as_str())
        {
            return Err(EvidenceError::BindingMismatch(
                "gateway receipt binding does not name this run and event".into(),
            ));
        }
        // The policy the call was sent under (the binding handed out) must be the one the
        // gateway signed, when it signed one (docs/SPEC.md §7.12).
        super::gateway_policy::check(pending.binding.policy_hash.as_deref(), &receipt.payload)
            .map_err(|e| EvidenceError::GatewayPolicyMismatch(e.message))?;
        self.open.remove(&pending.event_index);
        self.push_receipt(
            pending.event_index,
            Receipt {
                kind: ReceiptKind::Gateway,
                value: receipt.to_value(),
            },
        );
        Ok(())
    }

    /// Close a pending call that produced no receipt (network failure, refusal…).
    pub fn abandon_model_call(&mut self, pending: PendingModelCall) {
        self.open.remove(&pending.event_index);
    }

    /// Begin, sign through claw's own `gateway`, and attach: one call for a complete model
    /// call. The `llm_call` event is stamped `call.timestamp_ms - call.latency_ms`.
    pub fn record_model_call(
        &mut self,
        gateway: &Gateway,
        call: &ModelCall<'_>,
        rng: &mut impl CryptoRngCore,
    ) -> Result<String, EvidenceError> {
        let start = call
            .timestamp_ms
            .saturating_sub(i64::try_from(call.latency_ms).unwrap_or(i64::MAX));
        let pending = self.begin_model_call(call.provider, call.model, start, rng)?;
        let env = match gateway.sign_receipt(call, Some(&pending.binding), rng) {
            Ok(env) => env,
            Err(e) => {
                self.abandon_model_call(pending);
                return Err(e);
            }
        };
        let id = env
            .payload
            .get("receipt_id")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        self.attach_gateway_receipt(pending, &env)?;
        Ok(id)
    }

    /// Record a tool call: a `tool_call` event and a `tool_receipt` (v1 payload in a v1
    /// envelope signed by the agent). Returns the receipt id.
    pub fn record_tool_call(
        &mut self,
        call: &ToolCall<'_>,
        rng: &mut impl CryptoRngCore,
    ) -> Result<String, EvidenceError> {
        let args = super::receipts::jcs_hash("args", call.args)?;
        let result = super::receipts::jcs_hash("result", call.result)?;
        self.record_tool_call_hashed(call, &args, &result, rng)
            .map(|(id, _)| id)
    }

    /// [`Recorder::record_tool_call`] with the hashes of the arguments and of the result
    /// already computed (SHA-256 of their JCS bytes, base64url; `call.result` is not read).
    /// Returns the receipt id and SHA-256 (base64url) of the receipt envelope's JCS bytes.
    pub(crate) fn record_tool_call_hashed(
        &mut self,
        call: &ToolCall<'_>,
        args_hash_b64u: &str,
        result_hash_b64u: &str,
        rng: &mut impl CryptoRngCore,
    ) -> Result<(String, String), EvidenceError> {
        // Checked before the event is appended, so a refused call leaves no trace.
        call.check()?;
        let receipt_id = ids::new_id(ReceiptKind::Tool.id_prefix(), rng);
        // The event's payload, `{"tool_name", "tool_version"?}`, written as its JCS bytes.
        let mut ev = JcsObject::with_capacity(64 + call.tool_name.len());
        ev.str("tool_name", call.tool_name);
        if let Some(v) = call.tool_version {
            ev.str("tool_version", v);
        }
        let ev_hash = crate::hash::sha256_b64u(ev.finish());
        let idx = self.push_event_hashed("tool_call", ev_hash, call.timestamp_ms, rng)?;
        let binding = self.binding_for(idx, rng);
        let payload = call.payload_jcs(
            &self.agent_did,
            &binding,
            &receipt_id,
            args_hash_b64u,
            result_hash_b64u,
        )?;
        // Signed from the payload's bytes; read back into a value only when the history is
        // kept (the bundle needs it). A writer that keeps the chain head only (the MCP
        // proxy) needs the receipt's hash and nothing else.
        let (envelope, digest) = envelope::sign_canonical_payload(
            ReceiptKind::Tool.type_name(),
            &payload,
            &self.agent,
            &self.agent_did,
            call.timestamp_ms,
        );
        if self.history == History::Kept {
            self.pulse.observe_tool(call.tool_name, call.args);
            let value = crate::json::parse(&envelope, &crate::json::Limits::STRICT)?;
            self.push_receipt(
                idx,
                Receipt {
                    kind: ReceiptKind::Tool,
                    value,
                },
            );
        } else {
            // Nothing of an earlier receipt is the "last receipt" any more.
            self.receipts.clear();
        }
        Ok((receipt_id, b64::encode(digest)))
    }

    fn anchored_binding(&self, idx: usize, rng: &mut impl CryptoRngCore) -> Binding {
        let mut b = self.binding_for(idx, rng);
        b.parent_span_id = self.last_model_span.clone();
        b
    }

    /// Record a side effect: a `side_effect` event and a side-effect receipt whose binding
    /// names the latest model call's span as `parent_span_id` (causal anchoring).
    pub fn record_side_effect(
        &mut self,
        effect: &SideEffect<'_>,
        rng: &mut impl CryptoRngCore,
    ) -> Result<String, EvidenceError> {
        let mut ev = serde_json::Map::new();
        ev.insert(
            "effect_class".into(),
            Value::String(effect.effect_class.as_str().into()),
        );
        if let Some(v) = effect.vendor_id {
            ev.insert("vendor_id".into(), Value::String(v.into()));
        }
        let receipt_id = ids::new_id(ReceiptKind::SideEffect.id_prefix(), rng);
        let idx = self.push_event("side_effect", &Value::Object(ev), effect.timestamp_ms, rng)?;
        let binding = self.anchored_binding(idx, rng);
        let payload = effect.payload(&self.agent_did, &binding, &receipt_id)?;
        self.push_receipt(
            idx,
            Receipt {
                kind: ReceiptKind::SideEffect,
                value: payload,
            },
        );
        Ok(receipt_id)
    }

    /// Record a human approval or denial (`human_approval` event + receipt, anchored like
    /// side effects).
    pub fn record_human_approval(
        &mut self,
        approval: &HumanApproval<'_>,
        rng: &mut impl CryptoRngCore,
    ) -> Result<String, EvidenceError> {
        let ev = json!({
            "approval_type": approval.approval_type.as_str(),
            "approver_subject": approval.approver_subject,
        });
        let receipt_id = ids::new_id(ReceiptKind::HumanApproval.id_prefix(), rng);
        let idx = self.push_event("human_approval", &ev, approval.timestamp_ms, rng)?;
        let binding = self.anchored_binding(idx, rng);
        let payload = approval.payload(&self.agent_did, &binding, &receipt_id)?;
        self.push_receipt(
            idx,
            Receipt {
                kind: ReceiptKind::HumanApproval,
                value: payload,
            },
        );
        Ok(receipt_id)
    }

    /// Record a delegation to another agent (`delegation` event + receipt).
    pub fn record_delegation(
        &mut self,
        delegation: &Delegation<'_>,
        rng: &mut impl CryptoRngCore,
    ) -> Result<String, EvidenceError> {
        let ev = json!({"delegate_did": delegation.delegate_did});
        let receipt_id = ids::new_id(ReceiptKind::Delegation.id_prefix(), rng);
        let ts = delegation
            .completed_at_ms
            .unwrap_or(delegation.delegated_at_ms);
        let idx = self.push_event("delegation", &ev, ts, rng)?;
        let binding = self.binding_for(idx, rng);
        let payload = delegation.payload(&self.agent_did, &binding, &receipt_id)?;
        self.push_receipt(
            idx,
            Receipt {
                kind: ReceiptKind::Delegation,
                value: payload,
            },
        );
        Ok(receipt_id)
    }

    /// Events before this index have all their receipts: the first pending model call.
    fn settled_events(&self) -> usize {
        self.open
            .first_key_value()
            .map(|(i, _)| *i)
            .unwrap_or(self.event_count())
    }

    /// Append to the Merkle log the receipts of every event that is settled now.
    fn commit(&mut self) -> Result<(), EvidenceError> {
        let cut = self.settled_events();
        if cut <= self.committed_events {
            return Ok(());
        }
        let mut batch: Vec<(usize, &Receipt)> = self
            .receipts
            .iter()
            .filter(|(i, _)| *i >= self.committed_events && *i < cut)
            .map(|(i, r)| (*i, r))
            .collect();
        merkle_proofs::sort_leaves(&mut batch);
        for (_, r) in batch {
            let leaf = merkle_proofs::leaf_bytes(r.kind, &r.value)?;
            self.tree.push(&leaf);
        }
        self.committed_events = cut;
        Ok(())
    }

    /// Sign a checkpoint of the receipts log: every receipt bound to an event before the
    /// first still-pending model call. Checkpoints of one run only ever grow, so any two
    /// are linked by a [`ConsistencyProof`] ([`Recorder::consistency_proof`]).
    pub fn checkpoint(&mut self, issued_at_ms: i64) -> Result<Checkpoint, EvidenceError> {
        self.require_history()?;
        self.commit()?;
        Checkpoint::sign(
            &self.run_id,
            &self.agent,
            &self.tree,
            &self.events[..self.committed_events],
            issued_at_ms,
        )
    }

    /// Prove that the log at `to` extends the log at `from` (both of this run).
    pub fn consistency_proof(
        &self,
        from: &Checkpoint,
        to: &Checkpoint,
    ) -> Result<ConsistencyProof, EvidenceError> {
        self.require_history()?;
        ConsistencyProof::build(&self.tree, from, to)
    }

    /// Sign the proof bundle. Fails while a model call is pending.
    pub fn finish(
        mut self,
        opts: &BundleOptions,
        issued_at_ms: i64,
        rng: &mut impl CryptoRngCore,
    ) -> Result<Bundle, EvidenceError> {
        self.require_history()?;
        if let Some((_, (event_id, _))) = self.open.first_key_value() {
            return Err(EvidenceError::PendingModelCall(event_id.clone()));
        }
        self.commit()?;
        bundle::build(
            bundle::Parts {
                run_id: &self.run_id,
                agent: &self.agent,
                agent_did: &self.agent_did,
                events: &self.events,
                receipts: &self.receipts,
                tree: &self.tree,
                pulse: &self.pulse,
            },
            opts,
            issued_at_ms,
            rng,
        )
    }
}

//! Receipts: gateway (signed envelope), tool, side-effect, human-approval and delegation
//! receipts (v1), built exactly in the shapes of the reference schemas in `poh/`.
//!
//! Request, response, target, argument and result bytes are hashed, never embedded:
//! `*_hash_b64u` = base64url(SHA-256(bytes)); structured values (tool arguments and results,
//! approval scopes and plans) are hashed over their RFC 8785 JCS bytes. Every payload is
//! written with sorted keys and integer numbers only.

use super::{check_emittable, ids, invalid, EvidenceError};
use crate::canonical::JcsObject;
use crate::envelope::{self, Envelope};
use crate::keys::SigningKey;
use crate::{hash, json, time};
use rand_core::CryptoRngCore;
use serde_json::{Map, Value};

/// Bounds the reference verifier puts on gateway receipts (`validateReceiptPayload`).
pub(crate) const MAX_TOKENS: u64 = 10_000_000;
/// See [`MAX_TOKENS`].
pub(crate) const MAX_LATENCY_MS: u64 = 3_600_000;

/// The five receipt kinds, in the fixed order used for Merkle leaves and documentation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ReceiptKind {
    /// `gateway_receipt` envelopes in `payload.receipts`.
    Gateway,
    /// `tool_receipts` (payloads or envelopes, v1 or v2).
    Tool,
    /// `side_effect_receipts` payloads.
    SideEffect,
    /// `human_approval_receipts` payloads.
    HumanApproval,
    /// `delegation_receipts` payloads.
    Delegation,
}

impl ReceiptKind {
    /// All kinds in their fixed order.
    pub const ALL: [ReceiptKind; 5] = [
        ReceiptKind::Gateway,
        ReceiptKind::Tool,
        ReceiptKind::SideEffect,
        ReceiptKind::HumanApproval,
        ReceiptKind::Delegation,
    ];

    /// The name of the bundle payload array holding this kind.
    pub fn array_name(self) -> &'static str {
        match self {
            ReceiptKind::Gateway => "receipts",
            ReceiptKind::Tool => "tool_receipts",
            ReceiptKind::SideEffect => "side_effect_receipts",
            ReceiptKind::HumanApproval => "human_approval_receipts",
            ReceiptKind::Delegation => "delegation_receipts",
        }
    }

    /// Inverse of [`ReceiptKind::array_name`].
    pub(crate) fn from_array_name(s: &str) -> Option<ReceiptKind> {
        ReceiptKind::ALL.into_iter().find(|k| k.array_name() == s)
    }

    /// The receipt type name (also the `envelope_type` of its envelope).
    pub fn type_name(self) -> &'static str {
        match self {
            ReceiptKind::Gateway => "gateway_receipt",
            ReceiptKind::Tool => "tool_receipt",
            ReceiptKind::SideEffect => "side_effect_receipt",
            ReceiptKind::HumanApproval => "human_approval_receipt",
            ReceiptKind::Delegation => "delegation_receipt",
        }
    }

    /// Inverse of [`ReceiptKind::type_name`].
    pub fn from_type_name(s: &str) -> Option<ReceiptKind> {
        ReceiptKind::ALL.into_iter().find(|k| k.type_name() == s)
    }

    /// The prefix of receipt ids claw generates for this kind.
    pub fn id_prefix(self) -> &'static str {
        match self {
            ReceiptKind::Gateway => "rcpt",
            ReceiptKind::Tool => "tr",
            ReceiptKind::SideEffect => "ser",
            ReceiptKind::HumanApproval => "har",
            ReceiptKind::Delegation => "dlg",
        }
    }

    /// Position in the fixed kind order.
    pub fn rank(self) -> u8 {
        self as u8
    }
}

/// One receipt as it appears in a bundle array: the envelope (gateway receipts, tool-receipt
/// envelopes) or the bare payload (side-effect, approval, delegation receipts, which the
/// bundle schema holds as payloads).
#[derive(Debug, Clone, PartialEq)]
pub struct Receipt {
    /// Which receipt array it belongs to.
    pub kind: ReceiptKind,
    /// The envelope or payload, as the bundle holds it.
    pub value: Value,
}

/// A receipt's payload as a bundle array holds it: `v.payload` for an envelope (a value with
/// `envelope_type` and `payload`), `v` itself otherwise.
pub(crate) fn payload_of(v: &Value) -> &Value {
    match v.get("payload") {
        Some(p) if v.get("envelope_type").is_some() => p,
        _ => v,
    }
}

/// `payload.receipt_id` of a receipt as a bundle array holds it (`""` when absent).
pub(crate) fn receipt_id_of(v: &Value) -> &str {
    payload_of(v)
        .get("receipt_id")
        .and_then(Value::as_str)
        .unwrap_or("")
}

impl Receipt {
    /// The payload: `value.payload` for an envelope, `value` itself otherwise.
    pub fn payload(&self) -> &Value {
        payload_of(&self.value)
    }

    /// `payload.receipt_id` ("" when absent).
    pub fn receipt_id(&self) -> &str {
        receipt_id_of(&self.value)
    }

    /// `payload.binding` if it is an object.
    pub fn binding(&self) -> Option<&Map<String, Value>> {
        self.payload().get("binding").and_then(Value::as_object)
    }
}

fn s(v: &str) -> Value {
    Value::String(v.to_string())
}

fn n(v: u64) -> Value {
    Value::Number(v.into())
}

fn non_empty(field: &str, v: &str) -> Result<(), EvidenceError> {
    if v.is_empty() {
        Err(invalid(field, "must not be empty"))
    } else {
        Ok(())
    }
}

pub(crate) fn jcs_hash(field: &str, v: &Value) -> Result<String, EvidenceError> {
    json::canonicalize(v)
        .map(hash::sha256_b64u)
        .map_err(|e| invalid(field, e.to_string()))
}

/// Finish a payload: sort keys and refuse index-like keys.
fn finish(m: Map<String, Value>) -> Result<Value, EvidenceError> {
    let mut v = Value::Object(m);
    json::sort_keys_in_place(&mut v);
    check_emittable(&v)?;
    Ok(v)
}

/// What ties a receipt to the run: `receipt_binding.v1`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Binding {
    /// The run the receipt belongs to.
    pub run_id: String,
    /// Hash of the event in the chain this receipt belongs to.
    pub event_hash_b64u: String,
    /// Idempotency nonce (`nonce_<uuid>` from the recorder).
    pub nonce: Option<String>,
    /// WPC hash, when a policy was enforced.
    pub policy_hash: Option<String>,
    /// CST scope hash, when a scoped token was validated.
    pub token_scope_hash_b64u: Option<String>,
    /// Causal span of this receipt (gateway receipts).
    pub span_id: Option<String>,
    /// Causal parent span (later gateway receipts, side effects, approvals).
    pub parent_span_id: Option<String>,
}

impl Binding {
    /// The binding object, keys sorted, absent options omitted.
    pub fn to_value(&self) -> Value {
        let mut m = Map::new();
        m.insert("event_hash_b64u".into(), s(&self.event_hash_b64u));
        if let Some(v) = &self.nonce {
            m.insert("nonce".into(), s(v));
        }
        if let Some(v) = &self.parent_span_id {
            m.insert("parent_span_id".into(), s(v));
        }
        if let Some(v) = &self.policy_hash {
            m.insert("policy_hash".into(), s(v));
        }
        m.insert("run_id".into(), s(&self.run_id));
        if let Some(v) = &self.span_id {
            m.insert("span_id".into(), s(v));
        }
        if let Some(v) = &self.token_scope_hash_b64u {
            m.insert("token_scope_hash_b64u".into(), s(v));
        }
        // Inserted in JCS order: no copy, no sort (`payloads_are_built_in_jcs_order`).
        let mut v = Value::Object(m);
        json::sort_keys_in_place(&mut v);
        v
    }

    /// The binding's RFC 8785 bytes: [`Binding::to_value`], canonicalized, written directly.
    pub(crate) fn to_jcs(&self) -> Vec<u8> {
        let mut o = JcsObject::with_capacity(320);
        o.str("event_hash_b64u", &self.event_hash_b64u);
        for (key, v) in [
            ("nonce", &self.nonce),
            ("parent_span_id", &self.parent_span_id),
            ("policy_hash", &self.policy_hash),
        ] {
            if let Some(v) = v {
                o.str(key, v);
            }
        }
        o.str("run_id", &self.run_id);
        for (key, v) in [
            ("span_id", &self.span_id),
            ("token_scope_hash_b64u", &self.token_scope_hash_b64u),
        ] {
            if let Some(v) = v {
                o.str(key, v);
            }
        }
        o.finish()
    }

    pub(crate) fn check(&self) -> Result<(), EvidenceError> {
        non_empty("binding.run_id", &self.run_id)?;
        if !hash::is_b64u_sha256(&self.event_hash_b64u) {
            return Err(invalid(
                "binding.event_hash_b64u",
                "must be a base64url SHA-256",
            ));
        }
        for (f, v) in [
            ("binding.nonce", &self.nonce),
            ("binding.policy_hash", &self.policy_hash),
            ("binding.span_id", &self.span_id),
            ("binding.parent_span_id", &self.parent_span_id),
        ] {
            if let Some(v) = v {
                non_empty(f, v)?;
            }
        }
        if let Some(t) = &self.token_scope_hash_b64u {
            if t.len() < 8 || crate::b64::decode(t).is_err() {
                return Err(invalid(
                    "binding.token_scope_hash_b64u",
                    "must be base64url",
                ));
            }
        }
        Ok(())
    }
}

/// One model call as seen by the gateway.
#[derive(Debug, Clone, Copy)]
pub struct ModelCall<'a> {
    /// The model provider (`openai`, `anthropic`, ...).
    pub provider: &'a str,
    /// The model id.
    pub model: &'a str,
    /// The request bytes forwarded upstream (hashed, never embedded).
    pub request: &'a [u8],
    /// The response bytes received (hashed, never embedded).
    pub response: &'a [u8],
    /// Input tokens the provider reported.
    pub tokens_input: u64,
    /// Output tokens the provider reported.
    pub tokens_output: u64,
    /// Wall time in milliseconds.
    pub latency_ms: u64,
    /// When the receipt is issued (Unix milliseconds).
    pub timestamp_ms: i64,
    /// Optional receipt metadata (signed with the payload).
    pub metadata: Option<&'a Map<String, Value>>,
}

/// A gateway: an id and the key that signs its receipts.
#[derive(Debug, Clone)]
pub struct Gateway {
    gateway_id: String,
    key: SigningKey,
    /// `key`'s did:key, computed once.
    did: String,
}

impl Gateway {
    /// A gateway with this id and signing key.
    pub fn new(gateway_id: &str, key: SigningKey) -> Result<Gateway, EvidenceError> {
        non_empty("gateway_id", gateway_id)?;
        Ok(Gateway {
            gateway_id: gateway_id.to_string(),
            did: key.verifying_key().did(),
            key,
        })
    }

    /// The signer DID (what verifiers allowlist).
    pub fn did(&self) -> String {
        self.did.clone()
    }

    /// Build, hash and sign a `gateway_receipt` envelope for `call`, bound by `binding`.
    /// `receipt_id` is `rcpt_<uuid>`; `issued_at` equals the payload `timestamp`.
    pub fn sign_receipt(
        &self,
        call: &ModelCall<'_>,
        binding: Option<&Binding>,
        rng: &mut impl CryptoRngCore,
    ) -> Result<Envelope, EvidenceError> {
        Ok(self
            .sign_receipt_hashed(
                call,
                &hash::sha256(call.request),
                &hash::sha256(call.response),
                binding,
                rng,
            )?
            .envelope)
    }

    /// As [`Gateway::sign_receipt`], with the SHA-256 of the request and response bytes
    /// given instead of the bytes (a streaming gateway hashes as the bytes pass:
    /// `call.request` and `call.response` are not read), also returning the envelope's JSON
    /// text ([`Envelope::to_json`]'s bytes) written around the payload bytes that were
    /// hashed: a gateway that sends the envelope serializes its payload once. The one path
    /// every gateway receipt is signed by.
    pub fn sign_receipt_hashed(
        &self,
        call: &ModelCall<'_>,
        request_sha256: &[u8; 32],
        response_sha256: &[u8; 32],
        binding: Option<&Binding>,
        rng: &mut impl CryptoRngCore,
    ) -> Result<envelope::SignedEnvelope, EvidenceError> {
        let payload = self.receipt_payload(call, request_sha256, response_sha256, binding, rng)?;
        Ok(envelope::sign_owned_json(
            ReceiptKind::Gateway.type_name(),
            payload,
            &self.key,
            &self.did,
            call.timestamp_ms,
            None,
        )?)
    }

    /// The checked, sorted `gateway_receipt` payload.
    fn receipt_payload(
        &self,
        call: &ModelCall<'_>,
        request_sha256: &[u8; 32],
        response_sha256: &[u8; 32],
        binding: Option<&Binding>,
        rng: &mut impl CryptoRngCore,
    ) -> Result<Value, EvidenceError> {
        non_empty("provider", call.provider)?;
        non_empty("model", call.model)?;
        if call.tokens_input > MAX_TOKENS || call.tokens_output > MAX_TOKENS {
            return Err(invalid("tokens", format!("must be at most {MAX_TOKENS}")));
        }
        if call.latency_ms > MAX_LATENCY_MS {
            return Err(invalid(
                "latency_ms",
                format!("must be at most {MAX_LATENCY_MS}"),
            ));
        }
        if let Some(b) = binding {
            b.check()?;
        }
        if let Some(md) = call.metadata {
            if md.contains_key("log_inclusion_proof") {
                return Err(invalid(
                    "metadata.log_inclusion_proof",
                    "claw does not emit log proofs inside receipts it signs",
                ));
            }
        }
        // Members inserted in sorted (RFC 8785) order, so finishing has nothing to reorder.
        let mut m = Map::with_capacity(13);
        if let Some(b) = binding {
            m.insert("binding".into(), b.to_value());
        }
        m.insert("gateway_id".into(), s(&self.gateway_id));
        m.insert("latency_ms".into(), n(call.latency_ms));
        if let Some(md) = call.metadata {
            m.insert("metadata".into(), Value::Object(md.clone()));
        }
        m.insert("model".into(), s(call.model));
        m.insert("provider".into(), s(call.provider));
        m.insert(
            "receipt_id".into(),
            s(&ids::new_id(ReceiptKind::Gateway.id_prefix(), rng)),
        );
        m.insert("receipt_version".into(), s("1"));
        m.insert(
            "request_hash_b64u".into(),
            s(&crate::b64::encode(request_sha256)),
        );
        m.insert(
            "response_hash_b64u".into(),
            s(&crate::b64::encode(response_sha256)),
        );
        m.insert(
            "timestamp".into(),
            s(&time::format_rfc3339_millis(call.timestamp_ms)),
        );
        m.insert("tokens_input".into(), n(call.tokens_input));
        m.insert("tokens_output".into(), n(call.tokens_output));
        finish(m)
    }
}

/// `result_status` of a tool receipt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ToolStatus {
    /// It completed.
    Success,
    /// It failed.
    Error,
    /// It timed out.
    Timeout,
}

/// One tool invocation.
#[derive(Debug, Clone, Copy)]
pub struct ToolCall<'a> {
    /// The tool's name.
    pub tool_name: &'a str,
    /// The tool's version, when known.
    pub tool_version: Option<&'a str>,
    /// Arguments, hashed as SHA-256(JCS(args)).
    pub args: &'a Value,
    /// Result, hashed as SHA-256(JCS(result)).
    pub result: &'a Value,
    /// How the call ended.
    pub result_status: ToolStatus,
    /// Wall time in milliseconds.
    pub latency_ms: u64,
    /// When it happened (Unix milliseconds).
    pub timestamp_ms: i64,
}

impl ToolCall<'_> {
    /// The `tool_receipt.v1` payload, with the hashes of the arguments and of the result
    /// (the same bytes the recorder signs, read back as a value).
    pub fn payload(
        &self,
        agent_did: &str,
        binding: &Binding,
        receipt_id: &str,
    ) -> Result<Value, EvidenceError> {
        let args = jcs_hash("args", self.args)?;
        let result = jcs_hash("result", self.result)?;
        let bytes = self.payload_jcs(agent_did, binding, receipt_id, &args, &result)?;
        Ok(json::parse(&bytes, &json::Limits::STRICT)?)
    }

    /// What [`ToolCall::payload_jcs`] refuses whatever the binding: an empty tool name, a
    /// latency beyond I-JSON's integers. Checked before anything is recorded, so a refused
    /// call leaves no trace.
    pub(crate) fn check(&self) -> Result<(), EvidenceError> {
        non_empty("tool_name", self.tool_name)?;
        if self.latency_ms > json::MAX_SAFE_INTEGER {
            return Err(invalid("latency_ms", "must be at most 2^53 - 1"));
        }
        Ok(())
    }

    /// The `tool_receipt.v1` payload as its RFC 8785 bytes, written member by member (the
    /// one place its shape is defined; [`ToolCall::payload`] reads these bytes back).
    /// Every key is a fixed name that is no array index, so these are also the payload's
    /// `JSON.stringify` bytes, which its `payload_hash_b64u` covers (docs/SPEC.md §6.6).
    pub(crate) fn payload_jcs(
        &self,
        agent_did: &str,
        binding: &Binding,
        receipt_id: &str,
        args_hash_b64u: &str,
        result_hash_b64u: &str,
    ) -> Result<Vec<u8>, EvidenceError> {
        self.check()?;
        binding.check()?;
        let mut o = JcsObject::with_capacity(640);
        o.str("agent_did", agent_did);
        o.str("args_hash_b64u", args_hash_b64u);
        o.raw("binding", &binding.to_jcs());
        o.str("hash_algorithm", "SHA-256");
        o.uint("latency_ms", self.latency_ms)?;
        o.str("receipt_id", receipt_id);
        o.str("receipt_version", "1");
        o.str("result_hash_b64u", result_hash_b64u);
        o.str("result_status", self.result_status.as_str());
        o.str("timestamp", &time::format_rfc3339_millis(self.timestamp_ms));
        o.str("tool_name", self.tool_name);
        if let Some(v) = self.tool_version {
            o.str("tool_version", v);
        }
        Ok(o.finish())
    }
}

/// `effect_class` of a side-effect receipt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EffectClass {
    /// `network_egress`: data sent over the network.
    NetworkEgress,
    /// `filesystem_write`: a file written.
    FilesystemWrite,
    /// `external_api_write`: a write through an external API.
    ExternalApiWrite,
}

/// `response_status` of a side-effect receipt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResponseStatus {
    /// It completed.
    Success,
    /// It failed.
    Error,
    /// It timed out.
    Timeout,
    /// It was refused.
    Denied,
}

/// One side effect (network egress, file write, external API write).
#[derive(Debug, Clone, Copy)]
pub struct SideEffect<'a> {
    /// What kind of effect it is.
    pub effect_class: EffectClass,
    /// The target (URL, path, resource name) as bytes; hashed.
    pub target: &'a [u8],
    /// The vendor or service, when known.
    pub vendor_id: Option<&'a str>,
    /// The request bytes; hashed, never embedded.
    pub request: &'a [u8],
    /// The response bytes; hashed, never embedded.
    pub response: &'a [u8],
    /// How it ended, when known.
    pub response_status: Option<ResponseStatus>,
    /// Bytes written, when known.
    pub bytes_written: Option<u64>,
    /// Wall time in milliseconds.
    pub latency_ms: u64,
    /// When it happened (Unix milliseconds).
    pub timestamp_ms: i64,
}

impl SideEffect<'_> {
    /// The `side_effect_receipt.v1` payload.
    pub fn payload(
        &self,
        agent_did: &str,
        binding: &Binding,
        receipt_id: &str,
    ) -> Result<Value, EvidenceError> {
        binding.check()?;
        let mut m = Map::new();
        m.insert("receipt_version".into(), s("1"));
        m.insert("receipt_id".into(), s(receipt_id));
        m.insert("effect_class".into(), s(self.effect_class.as_str()));
        m.insert(
            "target_hash_b64u".into(),
            s(&hash::sha256_b64u(self.target)),
        );
        if let Some(v) = self.vendor_id {
            m.insert("vendor_id".into(), s(v));
        }
        m.insert(
            "request_hash_b64u".into(),
            s(&hash::sha256_b64u(self.request)),
        );
        m.insert(
            "response_hash_b64u".into(),
            s(&hash::sha256_b64u(self.response)),
        );
        if let Some(v) = self.response_status {
            m.insert("response_status".into(), s(v.as_str()));
        }
        m.insert("hash_algorithm".into(), s("SHA-256"));
        m.insert("agent_did".into(), s(agent_did));
        m.insert(
            "timestamp".into(),
            s(&time::format_rfc3339_millis(self.timestamp_ms)),
        );
        m.insert("latency_ms".into(), n(self.latency_ms));
        if let Some(b) = self.bytes_written {
            m.insert("bytes_written".into(), n(b));
        }
        m.insert("binding".into(), binding.to_value());
        finish(m)
    }
}

/// `approval_type` of a human-approval receipt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApprovalType {
    /// `explicit_approve`: a human approved.
    ExplicitApprove,
    /// `explicit_deny`: a human denied.
    ExplicitDeny,
    /// `auto_approve`: approved by rule without a human.
    AutoApprove,
    /// `timeout_deny`: denied because nobody answered in time.
    TimeoutDeny,
}

/// `approver_method` of a human-approval receipt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApproverMethod {
    /// `ui_click`: in a user interface.
    UiClick,
    /// `cli_confirm`: at a command-line prompt.
    CliConfirm,
    /// `api_call`: through an API.
    ApiCall,
    /// `policy_auto`: by policy, without a human.
    PolicyAuto,
    /// It timed out.
    Timeout,
}

/// One human approval (or denial).
#[derive(Debug, Clone, Copy)]
pub struct HumanApproval<'a> {
    /// What was decided.
    pub approval_type: ApprovalType,
    /// Who decided (a user id, an email, a DID).
    pub approver_subject: &'a str,
    /// How the decision was given, when known.
    pub approver_method: Option<ApproverMethod>,
    /// The approved scope claims; `scope_hash_b64u` = SHA-256(JCS(scope)).
    pub scope: &'a Value,
    /// Human-readable summary (at most 1024 characters).
    pub scope_summary: Option<&'a str>,
    /// The policy in force, when known.
    pub policy_hash_b64u: Option<&'a str>,
    /// The capability (e.g. a token id) minted by the approval, if any.
    pub minted_capability_id: Option<&'a str>,
    /// Lifetime of the minted capability, if any.
    pub minted_capability_ttl_seconds: Option<u64>,
    /// The plan shown to the approver; `plan_hash_b64u` = SHA-256(JCS(plan)).
    pub plan: Option<&'a Value>,
    /// When it happened (Unix milliseconds).
    pub timestamp_ms: i64,
}

impl HumanApproval<'_> {
    /// The `human_approval_receipt.v1` payload.
    pub fn payload(
        &self,
        agent_did: &str,
        binding: &Binding,
        receipt_id: &str,
    ) -> Result<Value, EvidenceError> {
        non_empty("approver_subject", self.approver_subject)?;
        binding.check()?;
        let mut m = Map::new();
        m.insert("receipt_version".into(), s("1"));
        m.insert("receipt_id".into(), s(receipt_id));
        m.insert("approval_type".into(), s(self.approval_type.as_str()));
        m.insert("approver_subject".into(), s(self.approver_subject));
        if let Some(v) = self.approver_method {
            m.insert("approver_method".into(), s(v.as_str()));
        }
        m.insert("agent_did".into(), s(agent_did));
        m.insert("scope_hash_b64u".into(), s(&jcs_hash("scope", self.scope)?));
        if let Some(v) = self.scope_summary {
            if v.chars().count() > 1024 {
                return Err(invalid("scope_summary", "at most 1024 characters"));
            }
            m.insert("scope_summary".into(), s(v));
        }
        if let Some(v) = self.policy_hash_b64u {
            m.insert("policy_hash_b64u".into(), s(v));
        }
        if let Some(v) = self.minted_capability_id {
            m.insert("minted_capability_id".into(), s(v));
        }
        if let Some(v) = self.minted_capability_ttl_seconds {
            m.insert("minted_capability_ttl_seconds".into(), n(v));
        }
        if let Some(p) = self.plan {
            m.insert("plan_hash_b64u".into(), s(&jcs_hash("plan", p)?));
        }
        m.insert("hash_algorithm".into(), s("SHA-256"));
        m.insert(
            "timestamp".into(),
            s(&time::format_rfc3339_millis(self.timestamp_ms)),
        );
        m.insert("binding".into(), binding.to_value());
        finish(m)
    }
}

/// A delegation of work to another agent.
#[derive(Debug, Clone, Copy)]
pub struct Delegation<'a> {
    /// The delegate agent's DID.
    pub delegate_did: &'a str,
    /// The task description given to the delegate; hashed.
    pub task_description: &'a [u8],
    /// `payload_hash_b64u` of the delegate's signed proof bundle envelope.
    pub delegate_bundle_hash_b64u: &'a str,
    /// Hash of the WPC subset passed to the delegate.
    pub delegation_policy: Option<&'a str>,
    /// When the work was delegated (Unix milliseconds).
    pub delegated_at_ms: i64,
    /// When the delegate finished (Unix milliseconds), if it has.
    pub completed_at_ms: Option<i64>,
}

impl Delegation<'_> {
    /// The `delegation_receipt.v1` payload (`delegator_did` = the agent).
    pub fn payload(
        &self,
        agent_did: &str,
        binding: &Binding,
        receipt_id: &str,
    ) -> Result<Value, EvidenceError> {
        if !self.delegate_did.starts_with("did:") {
            return Err(invalid("delegate_did", "must start with did:"));
        }
        if self.delegate_bundle_hash_b64u.len() < 8
            || crate::b64::decode(self.delegate_bundle_hash_b64u).is_err()
        {
            return Err(invalid("delegate_bundle_hash_b64u", "must be base64url"));
        }
        binding.check()?;
        let mut m = Map::new();
        m.insert("receipt_version".into(), s("1"));
        m.insert("receipt_id".into(), s(receipt_id));
        m.insert("delegator_did".into(), s(agent_did));
        m.insert("delegate_did".into(), s(self.delegate_did));
        m.insert(
            "task_description_hash_b64u".into(),
            s(&hash::sha256_b64u(self.task_description)),
        );
        m.insert(
            "delegate_bundle_hash_b64u".into(),
            s(self.delegate_bundle_hash_b64u),
        );
        if let Some(v) = self.delegation_policy {
            m.insert("delegation_policy".into(), s(v));
        }
        m.insert("hash_algorithm".into(), s("SHA-256"));
        m.insert(
            "delegated_at".into(),
            s(&time::format_rfc3339_millis(self.delegated_at_ms)),
        );
        if let Some(c) = self.completed_at_ms {
            m.insert("completed_at".into(), s(&time::format_rfc3339_millis(c)));
        }
        let mut b = binding.to_value();
        // delegation_receipt.v1 lists no span fields in its binding; keep it to the
        // reference's four.
        if let Some(o) = b.as_object_mut() {
            o.retain(|k, _| {
                matches!(
                    k.as_str(),
                    "run_id" | "event_hash_b64u" | "nonce" | "policy_hash"
                )
            });
        }
        m.insert("binding".into(), b);
        finish(m)
    }
}

/// Sign a receipt payload into its standalone envelope (`tool_receipt`,
/// `side_effect_receipt`, `human_approval_receipt` or `delegation_receipt`, schema v1).
pub fn sign_receipt_envelope(
    kind: ReceiptKind,
    payload: &Value,
    key: &SigningKey,
    issued_at_ms: i64,
) -> Result<Envelope, EvidenceError> {
    if kind == ReceiptKind::Gateway {
        return Err(invalid("kind", "gateway receipts are signed by Gateway"));
    }
    check_emittable(payload)?;
    Ok(envelope::sign(
        kind.type_name(),
        payload,
        key,
        issued_at_ms,
        None,
    )?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json::{in_write_order, KeyOrder};

    /// Every optional member of a binding present, with strings that need escaping.
    fn full_binding() -> Binding {
        let h = crate::hash::sha256_b64u(b"x");
        Binding {
            run_id: "run_\u{1}\"é\u{2028}".into(),
            event_hash_b64u: h.clone(),
            nonce: Some("nonce_1".into()),
            policy_hash: Some(h.clone()),
            token_scope_hash_b64u: Some(h),
            span_id: Some("span\\".into()),
            parent_span_id: Some("p\n".into()),
        }
    }

    /// A binding's value (gateway, side-effect, approval and delegation receipts) is built
    /// with its keys already in JCS order, so it is never re-sorted; a key added out of order
    /// fails here (the bytes would still be right, the receipt would be slower).
    #[test]
    fn bindings_are_built_in_jcs_order() {
        let bv = full_binding().to_value();
        let b = bv.as_object().unwrap();
        assert_eq!(b.len(), 7);
        assert!(in_write_order(b, KeyOrder::Jcs));
        let reversed: Map<String, Value> = b
            .iter()
            .rev()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        assert!(!in_write_order(&reversed, KeyOrder::Jcs));
    }

    /// The tool receipt's payload and its binding, written member by member, are the JCS
    /// bytes of the same objects built independently here: every optional member present or
    /// absent, strings that need escaping, the largest latency I-JSON allows.
    #[test]
    fn tool_payload_bytes_are_the_jcs_of_the_payload() {
        let h = crate::hash::sha256_b64u(b"x");
        let full = full_binding();
        let bare = Binding {
            run_id: "run_1".into(),
            event_hash_b64u: h.clone(),
            ..Binding::default()
        };
        let (args, result) = (serde_json::json!({"a": 1}), serde_json::json!(null));
        for binding in [&full, &bare] {
            assert_eq!(
                binding.to_jcs(),
                json::canonicalize(&binding.to_value()).unwrap()
            );
            for (name, version, latency) in [
                ("echo", Some("1.0"), 3),
                ("\u{0}tab\there\u{1F600}", None, json::MAX_SAFE_INTEGER),
            ] {
                let call = ToolCall {
                    tool_name: name,
                    tool_version: version,
                    args: &args,
                    result: &result,
                    result_status: ToolStatus::Error,
                    latency_ms: latency,
                    timestamp_ms: 1_770_000_000_123,
                };
                let mut want = serde_json::json!({
                    "receipt_version": "1",
                    "receipt_id": "tr_\u{7f}",
                    "tool_name": name,
                    "args_hash_b64u": h,
                    "result_hash_b64u": h,
                    "result_status": "error",
                    "hash_algorithm": "SHA-256",
                    "agent_did": "did:key:z6Mk",
                    "timestamp": "2026-02-02T02:40:00.123Z",
                    "latency_ms": latency,
                    "binding": binding.to_value(),
                });
                if let Some(v) = version {
                    want["tool_version"] = serde_json::json!(v);
                }
                let got = call
                    .payload_jcs("did:key:z6Mk", binding, "tr_\u{7f}", &h, &h)
                    .unwrap();
                assert_eq!(got, json::canonicalize(&want).unwrap(), "{name}");
            }
        }
        // Refused before anything is written: an empty name, a latency beyond 2^53 - 1.
        let call = |tool_name, latency_ms| ToolCall {
            tool_name,
            tool_version: None,
            args: &args,
            result: &result,
            result_status: ToolStatus::Success,
            latency_ms,
            timestamp_ms: 0,
        };
        assert!(call("", 1).check().is_err());
        assert!(call("t", json::MAX_SAFE_INTEGER + 1).check().is_err());
        assert!(call("t", json::MAX_SAFE_INTEGER + 1)
            .payload_jcs("d", &bare, "r", &h, &h)
            .is_err());
    }
}

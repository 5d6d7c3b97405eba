//! Strict structural validation of proof bundles: the constraints of the reference's JSON
//! Schemas (`poh/proof_bundle_envelope.v1.json` and everything it refers to), written as
//! data in Rust. Unknown fields are refused wherever those schemas say
//! `additionalProperties: false`. The first error (in document order: type, required
//! members in schema order, unknown members, then each member in schema order) is
//! reported with its JSON path. `claw-core/tests/emitted_schema.rs` checks emitted bundles
//! against the original schema files with an independent JSON Schema implementation.

use super::{ApprovalType, EffectClass, ToolStatus};
use serde_json::Value;

/// A string pattern of the schemas.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Pat {
    /// `^[A-Za-z0-9_-]+$`
    B64u,
    /// `^did:`
    Did,
    /// `^[0-9]+$`
    Digits,
    /// `^eip155:[0-9]+:0x[0-9a-fA-F]{40}$`
    Eip155,
    /// `format: uri`, read as an RFC 3986 scheme (`ALPHA *(ALPHA / DIGIT / "+" / "-" / ".")`)
    /// followed by `:` and no whitespace or control character.
    Uri,
}

pub(crate) fn is_b64u_chars(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

impl Pat {
    fn matches(self, s: &str) -> bool {
        match self {
            Pat::B64u => is_b64u_chars(s),
            Pat::Did => s.starts_with("did:"),
            Pat::Digits => !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()),
            Pat::Eip155 => (|| {
                let rest = s.strip_prefix("eip155:")?;
                let (chain, addr) = rest.split_once(':')?;
                let hex = addr.strip_prefix("0x")?;
                Some(
                    !chain.is_empty()
                        && chain.bytes().all(|b| b.is_ascii_digit())
                        && hex.len() == 40
                        && hex.bytes().all(|b| b.is_ascii_hexdigit()),
                )
            })()
            .unwrap_or(false),
            Pat::Uri => s.split_once(':').is_some_and(|(scheme, _)| {
                scheme
                    .bytes()
                    .next()
                    .is_some_and(|b| b.is_ascii_alphabetic())
                    && scheme
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.'))
                    && !s.chars().any(|c| c.is_whitespace() || c.is_control())
            }),
        }
    }
}

/// A schema node.
#[derive(Debug, Clone)]
pub(crate) enum S {
    Any,
    Str {
        min: usize,
        max: usize,
        pat: Option<Pat>,
        datetime: bool,
    },
    Const(&'static str),
    Enum(&'static [&'static str]),
    Num {
        min: Option<f64>,
        int: bool,
    },
    Bool,
    /// `type: ["string", "null"]` with string constraints.
    Nullable(Box<S>),
    Obj(Box<Obj>),
    /// An object whose every member value matches the schema.
    Map(Box<S>),
    Arr {
        items: Box<S>,
        min: usize,
        max: usize,
    },
    OneOf(Vec<S>),
    /// A schema, then a rule JSON Schema expresses with `if`/`then` (checked only when the
    /// schema matched).
    With(Box<S>, fn(&Value, &P<'_>) -> Result<(), SchemaError>),
    /// A member the reference defines but claw does not verify: present means fail closed.
    Unsupported,
}

#[derive(Debug, Clone)]
pub(crate) struct Obj {
    pub props: Vec<(&'static str, S)>,
    pub required: Vec<&'static str>,
    pub closed: bool,
    /// `anyOf: [{required:[a]}, {required:[b]}…]`
    pub any_of_required: Vec<&'static str>,
}

/// Why a value does not match.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SchemaError {
    pub path: String,
    pub message: String,
    /// The value uses a member claw does not verify (reason `UNKNOWN_SCHEMA_ID`).
    pub unsupported: bool,
}

/// A JSON path built lazily: formatted only when an error is reported (validating a large
/// bundle visits millions of members).
#[derive(Clone, Copy)]
pub(super) enum P<'a> {
    Root(&'a str),
    Key(&'a P<'a>, &'a str),
    Idx(&'a P<'a>, usize),
    /// A member of a map, written `["key"]`.
    MapKey(&'a P<'a>, &'a str),
}

impl std::fmt::Display for P<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            P::Root(s) => f.write_str(s),
            P::Key(p, k) => write!(f, "{p}.{k}"),
            P::Idx(p, i) => write!(f, "{p}[{i}]"),
            P::MapKey(p, k) => write!(f, "{p}[{k:?}]"),
        }
    }
}

fn fail(path: &P<'_>, message: impl Into<String>) -> Result<(), SchemaError> {
    Err(SchemaError {
        path: path.to_string(),
        message: message.into(),
        unsupported: false,
    })
}

/// Most objects of the schemas have fewer members than this; their members are found in one
/// pass over the object instead of one hash lookup per schema property.
const FAST_PROPS: usize = 48;

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

impl S {
    pub(crate) fn validate(&self, v: &Value, path: &str) -> Result<(), SchemaError> {
        self.check(v, &P::Root(path))
    }

    /// Validate item `i` of an array at `parent` (path `{parent}[{i}]`).
    pub(crate) fn validate_item(
        &self,
        v: &Value,
        parent: &str,
        i: usize,
    ) -> Result<(), SchemaError> {
        self.check(v, &P::Idx(&P::Root(parent), i))
    }

    fn check(&self, v: &Value, path: &P<'_>) -> Result<(), SchemaError> {
        match self {
            S::Any => Ok(()),
            S::With(inner, rule) => {
                inner.check(v, path)?;
                rule(v, path)
            }
            S::Unsupported => Err(SchemaError {
                path: path.to_string(),
                message: "this evidence type is not supported by claw's verifier".into(),
                unsupported: true,
            }),
            S::Str {
                min,
                max,
                pat,
                datetime,
            } => {
                let Value::String(s) = v else {
                    return fail(path, format!("must be string, not {}", type_name(v)));
                };
                if *min > 0 || *max != UNBOUNDED {
                    let n = s.chars().count();
                    if n < *min {
                        return fail(path, format!("must have at least {min} characters"));
                    }
                    if n > *max {
                        return fail(path, format!("must have at most {max} characters"));
                    }
                }
                if let Some(p) = pat {
                    if !p.matches(s) {
                        return fail(path, format!("does not match pattern {p:?}"));
                    }
                }
                if *datetime && crate::time::parse_rfc3339_millis(s).is_err() {
                    return fail(path, "must be an RFC 3339 date-time");
                }
                Ok(())
            }
            S::Const(c) => match v {
                Value::String(s) if s == c => Ok(()),
                _ => fail(path, format!("must be equal to {c:?}")),
            },
            S::Enum(opts) => match v {
                Value::String(s) if opts.contains(&s.as_str()) => Ok(()),
                _ => fail(path, format!("must be one of {opts:?}")),
            },
            S::Num { min, int } => {
                let Some(x) = v.as_f64() else {
                    return fail(path, format!("must be number, not {}", type_name(v)));
                };
                if *int && x.fract() != 0.0 {
                    return fail(path, "must be an integer");
                }
                if let Some(m) = min {
                    if x < *m {
                        return fail(path, format!("must be >= {m}"));
                    }
                }
                Ok(())
            }
            S::Bool => match v {
                Value::Bool(_) => Ok(()),
                _ => fail(path, format!("must be boolean, not {}", type_name(v))),
            },
            S::Nullable(inner) => match v {
                Value::Null => Ok(()),
                Value::String(_) => inner.check(v, path),
                _ => fail(
                    path,
                    format!("must be string or null, not {}", type_name(v)),
                ),
            },
            S::Map(inner) => {
                let Value::Object(m) = v else {
                    return fail(path, format!("must be object, not {}", type_name(v)));
                };
                for (k, x) in m {
                    inner.check(x, &P::MapKey(path, k))?;
                }
                Ok(())
            }
            S::Arr { items, min, max } => {
                let Value::Array(a) = v else {
                    return fail(path, format!("must be array, not {}", type_name(v)));
                };
                if a.len() < *min {
                    return fail(path, format!("must have at least {min} items"));
                }
                if a.len() > *max {
                    return fail(path, format!("must have at most {max} items"));
                }
                for (i, x) in a.iter().enumerate() {
                    items.check(x, &P::Idx(path, i))?;
                }
                Ok(())
            }
            S::OneOf(alts) => {
                let mut errors = Vec::new();
                let mut matched = 0;
                for a in alts {
                    match a.check(v, path) {
                        Ok(()) => matched += 1,
                        Err(e) => errors.push(e),
                    }
                }
                match matched {
                    1 => Ok(()),
                    0 => {
                        // Report the error of the branch that got furthest (longest path).
                        let best = errors
                            .into_iter()
                            .max_by_key(|e| e.path.len())
                            .map(|e| format!("{}: {}", e.path, e.message))
                            .unwrap_or_default();
                        fail(
                            path,
                            format!("must match exactly one schema in oneOf ({best})"),
                        )
                    }
                    _ => fail(path, "matches more than one schema in oneOf"),
                }
            }
            S::Obj(o) => {
                let Value::Object(m) = v else {
                    return fail(path, format!("must be object, not {}", type_name(v)));
                };
                if o.props.len() <= FAST_PROPS {
                    // One pass over the members: each found property's value, and the first
                    // member (in the object's order) that is no property.
                    let mut found: [Option<&Value>; FAST_PROPS] = [None; FAST_PROPS];
                    let mut unknown: Option<&String> = None;
                    for (k, x) in m {
                        match o.props.iter().position(|(p, _)| p == k) {
                            Some(j) => found[j] = Some(x),
                            None => {
                                if unknown.is_none() {
                                    unknown = Some(k);
                                }
                            }
                        }
                    }
                    for r in &o.required {
                        let present = match o.props.iter().position(|(p, _)| p == r) {
                            Some(j) => found[j].is_some(),
                            None => m.contains_key(*r),
                        };
                        if !present {
                            return fail(path, format!("must have required property {r:?}"));
                        }
                    }
                    if o.closed {
                        if let Some(k) = unknown {
                            return fail(path, format!("must NOT have additional property {k:?}"));
                        }
                    }
                    for ((name, s), x) in o.props.iter().zip(found) {
                        if let Some(x) = x {
                            s.check(x, &P::Key(path, name))?;
                        }
                    }
                } else {
                    for r in &o.required {
                        if !m.contains_key(*r) {
                            return fail(path, format!("must have required property {r:?}"));
                        }
                    }
                    if o.closed {
                        if let Some(k) = m.keys().find(|k| !o.props.iter().any(|(p, _)| p == k)) {
                            return fail(path, format!("must NOT have additional property {k:?}"));
                        }
                    }
                    for (name, s) in &o.props {
                        if let Some(x) = m.get(*name) {
                            s.check(x, &P::Key(path, name))?;
                        }
                    }
                }
                if !o.any_of_required.is_empty()
                    && !o.any_of_required.iter().any(|k| m.contains_key(*k))
                {
                    return fail(
                        path,
                        format!("must have at least one of {:?}", o.any_of_required),
                    );
                }
                Ok(())
            }
        }
    }
}

// ---------------------------------------------------------------------------------------
// Builders
// ---------------------------------------------------------------------------------------

const UNBOUNDED: usize = usize::MAX;

fn string() -> S {
    S::Str {
        min: 0,
        max: UNBOUNDED,
        pat: None,
        datetime: false,
    }
}
fn nonempty() -> S {
    S::Str {
        min: 1,
        max: UNBOUNDED,
        pat: None,
        datetime: false,
    }
}
fn b64u8() -> S {
    S::Str {
        min: 8,
        max: UNBOUNDED,
        pat: Some(Pat::B64u),
        datetime: false,
    }
}
fn did() -> S {
    S::Str {
        min: 0,
        max: UNBOUNDED,
        pat: Some(Pat::Did),
        datetime: false,
    }
}
fn pattern(p: Pat) -> S {
    S::Str {
        min: 0,
        max: UNBOUNDED,
        pat: Some(p),
        datetime: false,
    }
}
fn dt() -> S {
    S::Str {
        min: 0,
        max: UNBOUNDED,
        pat: None,
        datetime: true,
    }
}
fn num0() -> S {
    S::Num {
        min: Some(0.0),
        int: false,
    }
}
fn number() -> S {
    S::Num {
        min: None,
        int: false,
    }
}
fn obj_any() -> S {
    S::Obj(Box::new(Obj {
        props: vec![],
        required: vec![],
        closed: false,
        any_of_required: vec![],
    }))
}
fn arr(items: S, min: usize, max: usize) -> S {
    S::Arr {
        items: Box::new(items),
        min,
        max,
    }
}
fn obj(closed: bool, required: &[&'static str], props: Vec<(&'static str, S)>) -> S {
    S::Obj(Box::new(Obj {
        props,
        required: required.to_vec(),
        closed,
        any_of_required: vec![],
    }))
}

const ENVELOPE_REQUIRED: [&str; 9] = [
    "envelope_version",
    "envelope_type",
    "payload",
    "payload_hash_b64u",
    "hash_algorithm",
    "signature_b64u",
    "algorithm",
    "signer_did",
    "issued_at",
];
const SHA256_BLAKE3: &[&str] = &["SHA-256", "BLAKE3"];
const SHA256: &[&str] = &["SHA-256"];
const ED25519: &[&str] = &["Ed25519"];

/// `receipt_binding.v1` (closed).
pub(crate) fn receipt_binding() -> S {
    obj(
        true,
        &[],
        vec![
            ("run_id", nonempty()),
            ("event_hash_b64u", b64u8()),
            ("nonce", nonempty()),
            ("policy_hash", nonempty()),
            ("token_scope_hash_b64u", b64u8()),
            ("span_id", nonempty()),
            ("spanId", nonempty()),
            ("parent_span_id", nonempty()),
            ("parentSpanId", nonempty()),
            ("tool_span_id", nonempty()),
            ("toolSpanId", nonempty()),
            (
                "phase",
                S::Enum(&[
                    "setup",
                    "planning",
                    "reasoning",
                    "execution",
                    "observation",
                    "reflection",
                    "teardown",
                ]),
            ),
            ("attribution_confidence", number()),
            ("attributionConfidence", number()),
        ],
    )
}

/// The gateway receipt payload as `proof_bundle.v1` inlines it.
pub(crate) fn gateway_payload() -> S {
    obj(
        true,
        &[
            "receipt_version",
            "receipt_id",
            "gateway_id",
            "provider",
            "model",
            "request_hash_b64u",
            "response_hash_b64u",
            "tokens_input",
            "tokens_output",
            "latency_ms",
            "timestamp",
        ],
        vec![
            ("receipt_version", S::Const("1")),
            ("receipt_id", nonempty()),
            ("gateway_id", nonempty()),
            ("provider", nonempty()),
            ("model", nonempty()),
            ("request_hash_b64u", b64u8()),
            ("response_hash_b64u", b64u8()),
            ("tokens_input", num0()),
            ("tokens_output", num0()),
            ("latency_ms", num0()),
            ("timestamp", dt()),
            ("binding", receipt_binding()),
            (
                "metadata",
                obj(
                    false,
                    &[],
                    vec![
                        // Deviation: model_identity.v1 is checked to be an object only.
                        ("model_identity", obj_any()),
                        ("model_identity_hash_b64u", b64u8()),
                        (
                            "audit_result_refs",
                            arr(
                                obj(
                                    true,
                                    &["resource_hash_b64u"],
                                    vec![
                                        ("resource_type", string()),
                                        ("resource_hash_b64u", b64u8()),
                                        ("uri", string()),
                                    ],
                                ),
                                0,
                                UNBOUNDED,
                            ),
                        ),
                    ],
                ),
            ),
        ],
    )
}

/// A `payload.receipts[]` item: `gateway_receipt` envelope.
pub(crate) fn gateway_envelope() -> S {
    obj(
        true,
        &ENVELOPE_REQUIRED,
        vec![
            ("envelope_version", S::Const("1")),
            ("envelope_type", S::Const("gateway_receipt")),
            ("payload", gateway_payload()),
            ("payload_hash_b64u", b64u8()),
            ("hash_algorithm", S::Enum(SHA256_BLAKE3)),
            ("signature_b64u", b64u8()),
            ("algorithm", S::Enum(ED25519)),
            ("signer_did", did()),
            ("issued_at", dt()),
            ("expires_at", dt()),
        ],
    )
}

fn legacy_binding(extra: &[&'static str]) -> S {
    let mut props = vec![
        ("run_id", string()),
        ("event_hash_b64u", string()),
        ("nonce", string()),
        ("policy_hash", string()),
        ("token_scope_hash_b64u", string()),
    ];
    for e in extra {
        props.push((e, string()));
    }
    obj(false, &[], props)
}

/// `tool_receipt.v1` payload.
pub(crate) fn tool_v1() -> S {
    obj(
        true,
        &[
            "receipt_version",
            "receipt_id",
            "tool_name",
            "args_hash_b64u",
            "result_hash_b64u",
            "hash_algorithm",
            "agent_did",
            "timestamp",
            "latency_ms",
        ],
        vec![
            ("receipt_version", S::Const("1")),
            ("receipt_id", nonempty()),
            ("tool_name", nonempty()),
            ("tool_version", string()),
            ("args_hash_b64u", nonempty()),
            ("result_hash_b64u", nonempty()),
            ("result_status", S::Enum(ToolStatus::NAMES)),
            ("hash_algorithm", S::Enum(SHA256)),
            ("agent_did", nonempty()),
            ("timestamp", dt()),
            ("latency_ms", num0()),
            ("binding", legacy_binding(&[])),
        ],
    )
}

/// `tool_receipt_envelope.v1`.
pub(crate) fn tool_v1_envelope() -> S {
    obj(
        true,
        &ENVELOPE_REQUIRED,
        vec![
            ("envelope_version", S::Const("1")),
            ("envelope_type", S::Const("tool_receipt")),
            ("payload", tool_v1()),
            ("payload_hash_b64u", nonempty()),
            ("hash_algorithm", S::Enum(SHA256)),
            ("signature_b64u", nonempty()),
            ("algorithm", S::Enum(ED25519)),
            ("signer_did", nonempty()),
            ("issued_at", dt()),
            ("expires_at", dt()),
        ],
    )
}

fn selective_disclosure() -> S {
    obj(
        true,
        &[
            "disclosure_algorithm",
            "merkle_root_b64u",
            "redacted_leaf_hashes_b64u",
            "disclosed_leaves",
        ],
        vec![
            (
                "disclosure_algorithm",
                S::Const("vir_v2_typed_lexicographical"),
            ),
            ("merkle_root_b64u", b64u8()),
            ("redacted_leaf_hashes_b64u", arr(b64u8(), 0, UNBOUNDED)),
            (
                "disclosed_leaves",
                S::Map(Box::new(obj(
                    true,
                    &["type", "value", "salt_b64u"],
                    vec![
                        (
                            "type",
                            S::Enum(&["string", "number", "boolean", "null", "array", "object"]),
                        ),
                        ("value", S::Any),
                        ("salt_b64u", b64u8()),
                    ],
                ))),
            ),
        ],
    )
}

/// `tool_receipt.v2` payload.
pub(crate) fn tool_v2() -> S {
    obj(
        true,
        &[
            "receipt_version",
            "receipt_id",
            "tool_name",
            "args_hash_b64u",
            "result_hash_b64u",
            "hash_algorithm",
            "agent_did",
            "timestamp",
            "latency_ms",
            "args_salt_b64u",
            "result_salt_b64u",
        ],
        vec![
            ("receipt_version", S::Const("2")),
            ("receipt_id", nonempty()),
            ("tool_name", nonempty()),
            ("tool_version", string()),
            ("args_hash_b64u", b64u8()),
            ("result_hash_b64u", b64u8()),
            ("result_status", S::Enum(ToolStatus::NAMES)),
            ("hash_algorithm", S::Enum(SHA256_BLAKE3)),
            ("agent_did", did()),
            ("timestamp", dt()),
            ("latency_ms", num0()),
            ("binding", receipt_binding()),
            ("args_salt_b64u", b64u8()),
            ("result_salt_b64u", b64u8()),
            ("args_disclosure", selective_disclosure()),
            ("result_disclosure", selective_disclosure()),
        ],
    )
}

/// `co_signature.v1`.
pub(crate) fn co_signature() -> S {
    obj(
        true,
        &[
            "signature_b64u",
            "algorithm",
            "signer_did",
            "issued_at",
            "role",
        ],
        vec![
            ("signature_b64u", b64u8()),
            ("algorithm", S::Enum(ED25519)),
            ("signer_did", did()),
            ("issued_at", dt()),
            (
                "role",
                S::Enum(&["proxy", "approver", "auditor", "supervisor"]),
            ),
        ],
    )
}

/// `tool_receipt_envelope.v2`.
pub(crate) fn tool_v2_envelope() -> S {
    obj(
        true,
        &ENVELOPE_REQUIRED,
        vec![
            ("envelope_version", S::Const("2")),
            ("envelope_type", S::Const("tool_receipt")),
            ("payload", tool_v2()),
            ("payload_hash_b64u", b64u8()),
            ("hash_algorithm", S::Enum(SHA256_BLAKE3)),
            ("signature_b64u", b64u8()),
            ("algorithm", S::Enum(ED25519)),
            ("signer_did", did()),
            ("issued_at", dt()),
            ("expires_at", dt()),
            ("co_signatures", arr(co_signature(), 0, 16)),
        ],
    )
}

fn side_effect_item() -> S {
    obj(
        false,
        &[
            "receipt_version",
            "receipt_id",
            "effect_class",
            "hash_algorithm",
            "agent_did",
            "timestamp",
        ],
        vec![
            ("receipt_version", S::Const("1")),
            ("receipt_id", nonempty()),
            ("effect_class", S::Enum(EffectClass::NAMES)),
            ("target_digest", string()),
            ("request_digest", string()),
            ("response_digest", string()),
            ("hash_algorithm", S::Enum(SHA256_BLAKE3)),
            ("vendor_id", string()),
            ("bytes_written", num0()),
            ("agent_did", did()),
            ("timestamp", dt()),
            ("binding", obj_any()),
        ],
    )
}

fn human_approval_item() -> S {
    obj(
        false,
        &[
            "receipt_version",
            "receipt_id",
            "approval_type",
            "agent_did",
            "timestamp",
        ],
        vec![
            ("receipt_version", S::Const("1")),
            ("receipt_id", nonempty()),
            ("approval_type", S::Enum(ApprovalType::NAMES)),
            ("scope_hash_b64u", string()),
            ("plan_hash_b64u", string()),
            ("approver_subject", string()),
            ("capability_minted", S::Bool),
            ("policy_hash_b64u", string()),
            ("agent_did", did()),
            ("timestamp", dt()),
            ("binding", obj_any()),
        ],
    )
}

fn delegation_item() -> S {
    obj(
        false,
        &[
            "receipt_version",
            "receipt_id",
            "delegator_did",
            "delegate_did",
            "task_description_hash_b64u",
            "delegate_bundle_hash_b64u",
            "hash_algorithm",
            "delegated_at",
        ],
        vec![
            ("receipt_version", S::Const("1")),
            ("receipt_id", nonempty()),
            ("delegator_did", did()),
            ("delegate_did", did()),
            ("task_description_hash_b64u", b64u8()),
            ("delegate_bundle_hash_b64u", b64u8()),
            ("delegation_policy", string()),
            ("hash_algorithm", S::Enum(SHA256_BLAKE3)),
            ("delegated_at", dt()),
            ("completed_at", dt()),
            ("binding", obj_any()),
        ],
    )
}

fn rate_limit_claim() -> S {
    obj(
        true,
        &[
            "claim_version",
            "scope",
            "scope_key",
            "window_start",
            "window_end",
            "max_requests",
            "observed_requests",
        ],
        vec![
            ("claim_version", S::Const("1")),
            ("scope", S::Enum(&["agent", "model", "tool"])),
            ("scope_key", nonempty()),
            ("window_start", dt()),
            ("window_end", dt()),
            ("max_requests", num0()),
            ("observed_requests", num0()),
            ("max_tokens_input", num0()),
            ("observed_tokens_input", num0()),
            ("max_tokens_output", num0()),
            ("observed_tokens_output", num0()),
            ("run_id", nonempty()),
        ],
    )
}

fn attestation() -> S {
    obj(
        true,
        &[
            "attestation_id",
            "attestation_type",
            "attester_did",
            "subject_did",
            "signature_b64u",
        ],
        vec![
            ("attestation_id", nonempty()),
            ("attestation_type", S::Enum(&["owner", "third_party"])),
            ("attester_did", did()),
            ("subject_did", did()),
            ("expires_at", dt()),
            ("signature_b64u", b64u8()),
        ],
    )
}

pub(crate) fn event_item() -> S {
    obj(
        true,
        &[
            "event_id",
            "run_id",
            "event_type",
            "timestamp",
            "payload_hash_b64u",
            "prev_hash_b64u",
            "event_hash_b64u",
        ],
        vec![
            ("event_id", nonempty()),
            ("run_id", nonempty()),
            ("event_type", nonempty()),
            ("timestamp", dt()),
            ("payload_hash_b64u", b64u8()),
            ("prev_hash_b64u", S::Nullable(Box::new(b64u8()))),
            ("event_hash_b64u", b64u8()),
        ],
    )
}

fn metadata() -> S {
    let n = num0;
    obj(
        false,
        &[],
        vec![
            (
                "harness",
                obj(
                    false,
                    &["id", "version"],
                    vec![
                        ("id", nonempty()),
                        ("version", nonempty()),
                        ("runtime", string()),
                        ("config_hash_b64u", b64u8()),
                    ],
                ),
            ),
            (
                "sentinels",
                obj(
                    true,
                    &["interpose_active"],
                    vec![
                        ("interpose_active", S::Bool),
                        ("shell_events", n()),
                        ("fs_events", n()),
                        ("net_events", n()),
                        ("net_suspicious", n()),
                        ("interpose_events", n()),
                        ("interpose_gateway", n()),
                        ("interpose_transcript", n()),
                        ("interpose_tool_calls", n()),
                        ("interpose_anomalies", n()),
                        ("preload_llm_events", n()),
                        ("tls_sni_events", n()),
                        ("tls_sni_receipts", n()),
                        ("tls_decrypt_receipts", n()),
                        ("vir_receipts", n()),
                        ("runtime_profile", obj_any()),
                        ("runtime_hygiene", obj_any()),
                        ("egress_policy_receipt", S::Unsupported),
                        ("interpose_state", obj_any()),
                    ],
                ),
            ),
        ]
        .into_iter()
        // Reference evidence claw does not verify: fail closed when present.
        .chain(
            UNVERIFIED_METADATA_MEMBERS
                .iter()
                .map(|k| (*k, S::Unsupported)),
        )
        .collect(),
    )
}

/// Members of a proof bundle's `payload.metadata` that the reference verifies as evidence
/// (its `verify-proof-bundle.ts` reads and checks them) and claw does not: a bundle carrying
/// one is refused (`UNKNOWN_SCHEMA_ID`) instead of passing with the evidence unchecked
/// (docs/SPEC.md §6.3, "Evidence claw does not verify").
pub const UNVERIFIED_METADATA_MEMBERS: [&str; 8] = [
    "policy_binding",
    "runner_measurement",
    "runner_attestation_receipt",
    "reviewer_signoff_receipts",
    "data_handling",
    "revoked_policy_issuer_keys",
    "prompt_pack",
    "system_prompt_report",
];

/// Array bounds used by the bundle schema.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ArrayLimits {
    /// `maxItems` of tool/side-effect/approval/delegation receipt arrays (reference: 1000).
    pub receipts: usize,
    /// `maxItems` of `rate_limit_claims` (reference: 256).
    pub rate_limit_claims: usize,
}

/// The item schema of one of the bundle's receipt arrays.
pub(crate) fn array_item(k: &str, _l: ArrayLimits) -> S {
    match k {
        "side_effect_receipts" => side_effect_item(),
        "human_approval_receipts" => human_approval_item(),
        _ => delegation_item(),
    }
}

/// `proof_bundle.v1` payload where the items of the named arrays are not checked (they
/// are checked separately, in parallel).
fn bundle_payload_with(l: ArrayLimits, any_items: &[&str]) -> S {
    let item = |k: &str, s: S| if any_items.contains(&k) { S::Any } else { s };
    S::Obj(Box::new(Obj {
        props: vec![
            ("bundle_version", S::Const("1")),
            ("bundle_id", nonempty()),
            ("agent_did", did()),
            ("eip8004_agent_id", pattern(Pat::Digits)),
            ("eip8004_registry", pattern(Pat::Eip155)),
            (
                "urm",
                obj(
                    true,
                    &[
                        "urm_version",
                        "urm_id",
                        "resource_type",
                        "resource_hash_b64u",
                    ],
                    vec![
                        ("urm_version", S::Const("1")),
                        ("urm_id", nonempty()),
                        ("resource_type", nonempty()),
                        ("resource_hash_b64u", b64u8()),
                        ("metadata", obj_any()),
                    ],
                ),
            ),
            (
                "event_chain",
                arr(item("event_chain", event_item()), 1, UNBOUNDED),
            ),
            ("vir_receipts", S::Unsupported),
            (
                "receipts",
                arr(item("receipts", gateway_envelope()), 1, UNBOUNDED),
            ),
            ("web_receipts", S::Unsupported),
            ("coverage_attestations", S::Unsupported),
            ("binary_semantic_evidence_attestations", S::Unsupported),
            (
                "tool_receipts",
                arr(
                    item(
                        "tool_receipts",
                        S::OneOf(vec![
                            tool_v1(),
                            tool_v1_envelope(),
                            tool_v2(),
                            tool_v2_envelope(),
                        ]),
                    ),
                    0,
                    l.receipts,
                ),
            ),
            (
                "side_effect_receipts",
                arr(
                    item("side_effect_receipts", side_effect_item()),
                    0,
                    l.receipts,
                ),
            ),
            (
                "human_approval_receipts",
                arr(
                    item("human_approval_receipts", human_approval_item()),
                    0,
                    l.receipts,
                ),
            ),
            (
                "delegation_receipts",
                arr(
                    item("delegation_receipts", delegation_item()),
                    0,
                    l.receipts,
                ),
            ),
            (
                "rate_limit_claims",
                arr(rate_limit_claim(), 0, l.rate_limit_claims),
            ),
            ("attestations", arr(attestation(), 1, UNBOUNDED)),
            ("metadata", metadata()),
        ],
        required: vec!["bundle_version", "bundle_id", "agent_did"],
        closed: true,
        any_of_required: vec![
            "urm",
            "event_chain",
            "receipts",
            "vir_receipts",
            "web_receipts",
            "binary_semantic_evidence_attestations",
            "tool_receipts",
            "side_effect_receipts",
            "human_approval_receipts",
            "delegation_receipts",
            "attestations",
        ],
    }))
}

/// `proof_bundle_envelope.v1`.
pub(crate) fn bundle_envelope(l: ArrayLimits) -> S {
    bundle_envelope_with_any_items(l, &[])
}

/// [`bundle_envelope`] without checking the items of the named payload arrays.
pub(crate) fn bundle_envelope_with_any_items(l: ArrayLimits, any_items: &[&str]) -> S {
    obj(
        true,
        &ENVELOPE_REQUIRED,
        vec![
            ("envelope_version", S::Const("1")),
            ("envelope_type", S::Const("proof_bundle")),
            ("payload", bundle_payload_with(l, any_items)),
            ("payload_hash_b64u", b64u8()),
            ("hash_algorithm", S::Enum(SHA256_BLAKE3)),
            ("signature_b64u", b64u8()),
            ("algorithm", S::Enum(ED25519)),
            ("signer_did", did()),
            ("issued_at", dt()),
            ("expires_at", dt()),
        ],
    )
}

/// `log_inclusion_proof.v1`.
pub(crate) fn log_inclusion_proof() -> S {
    obj(
        true,
        &[
            "proof_version",
            "log_id",
            "tree_size",
            "leaf_hash_b64u",
            "root_hash_b64u",
            "audit_path",
            "root_published_at",
            "root_signature",
        ],
        vec![
            ("proof_version", S::Const("1")),
            ("log_id", nonempty()),
            ("tree_size", num0()),
            ("leaf_hash_b64u", b64u8()),
            ("root_hash_b64u", b64u8()),
            ("audit_path", arr(b64u8(), 0, UNBOUNDED)),
            ("root_published_at", dt()),
            (
                "root_signature",
                obj(
                    true,
                    &["signer_did", "sig_b64u"],
                    vec![("signer_did", did()), ("sig_b64u", b64u8())],
                ),
            ),
            ("metadata", obj_any()),
        ],
    )
}

// ---------------------------------------------------------------------------------------
// Export bundles (`export_bundle.v1`) and the attestations they carry
// ---------------------------------------------------------------------------------------

/// `{resource_type, resource_hash_b64u, uri?}` (closed), used by model identities and TEE
/// claims.
fn resource_ref() -> S {
    obj(
        true,
        &["resource_type", "resource_hash_b64u"],
        vec![
            ("resource_type", nonempty()),
            ("resource_hash_b64u", b64u8()),
            ("uri", string()),
        ],
    )
}

/// `model_identity.v1`.
pub(crate) fn model_identity() -> S {
    obj(
        true,
        &["model_identity_version", "tier", "model"],
        vec![
            ("model_identity_version", S::Const("1")),
            (
                "tier",
                S::Enum(&[
                    "closed_opaque",
                    "closed_provider_manifest",
                    "openweights_hashable",
                    "tee_measured",
                ]),
            ),
            (
                "model",
                obj(
                    true,
                    &["provider", "name"],
                    vec![
                        ("provider", nonempty()),
                        ("name", nonempty()),
                        ("family", string()),
                        ("endpoint", string()),
                        ("region", string()),
                        ("deployment_id", string()),
                        ("revision", string()),
                    ],
                ),
            ),
            (
                "gateway_observed",
                obj(
                    true,
                    &["gateway_id", "observed_at"],
                    vec![
                        ("gateway_id", did()),
                        ("observed_at", dt()),
                        ("request_id", string()),
                        ("provider_response_fingerprint", string()),
                        (
                            "transport",
                            obj(
                                true,
                                &[],
                                vec![
                                    ("provider_api", string()),
                                    ("http_status", num0()),
                                    ("latency_ms", num0()),
                                ],
                            ),
                        ),
                    ],
                ),
            ),
            (
                "artifacts",
                obj(
                    true,
                    &[],
                    vec![
                        (
                            "provider_manifest",
                            obj(
                                true,
                                &["manifest_type", "hash_b64u"],
                                vec![
                                    ("manifest_type", S::Const("provider_build_manifest")),
                                    ("uri", string()),
                                    ("hash_b64u", b64u8()),
                                    ("content_type", string()),
                                    (
                                        "signature",
                                        obj(
                                            true,
                                            &["signer_did", "signature_envelope_ref"],
                                            vec![
                                                ("signer_did", did()),
                                                ("signature_envelope_ref", resource_ref()),
                                            ],
                                        ),
                                    ),
                                ],
                            ),
                        ),
                        (
                            "openweights",
                            obj(
                                true,
                                &[],
                                vec![
                                    ("weights_format", string()),
                                    (
                                        "weights",
                                        arr(
                                            obj(
                                                true,
                                                &["hash_b64u"],
                                                vec![
                                                    ("file_name", string()),
                                                    ("hash_b64u", b64u8()),
                                                    ("size_bytes", num0()),
                                                ],
                                            ),
                                            0,
                                            UNBOUNDED,
                                        ),
                                    ),
                                    ("tokenizer", obj_any()),
                                    ("config", obj_any()),
                                    ("serving_code", obj_any()),
                                ],
                            ),
                        ),
                        (
                            "tee_measurement",
                            obj(
                                true,
                                &[],
                                vec![
                                    ("attestation_type", string()),
                                    ("attestation_report_ref", resource_ref()),
                                    ("measurement", obj_any()),
                                    ("tcb", obj_any()),
                                ],
                            ),
                        ),
                    ],
                ),
            ),
            ("metadata", obj_any()),
        ],
    )
}

/// The closed attestation envelope wrapper (`*_attestation_envelope.v1`): like the proof
/// bundle envelope but with a fixed type and no `expires_at`.
fn attestation_envelope(envelope_type: &'static str, payload: S) -> S {
    obj(
        true,
        &ENVELOPE_REQUIRED,
        vec![
            ("envelope_version", S::Const("1")),
            ("envelope_type", S::Const(envelope_type)),
            ("payload", payload),
            ("payload_hash_b64u", b64u8()),
            ("hash_algorithm", S::Enum(SHA256_BLAKE3)),
            ("signature_b64u", b64u8()),
            ("algorithm", S::Enum(ED25519)),
            ("signer_did", did()),
            ("issued_at", dt()),
        ],
    )
}

fn tee_claims() -> S {
    obj(
        true,
        &[
            "attestation_type",
            "root_id",
            "tcb_version",
            "evidence_ref",
            "measurements",
        ],
        vec![
            (
                "attestation_type",
                S::Enum(&[
                    "sgx_quote",
                    "tdx_quote",
                    "sev_snp_report",
                    "nitro_attestation_doc",
                    "generic_tee",
                ]),
            ),
            ("root_id", nonempty()),
            ("tcb_version", nonempty()),
            ("evidence_ref", resource_ref()),
            ("nonce_binding_b64u", b64u8()),
            (
                "measurements",
                obj(
                    true,
                    &["measurement_hash_b64u"],
                    vec![
                        ("measurement_hash_b64u", b64u8()),
                        ("runtime_digest_b64u", b64u8()),
                        ("kernel_digest_b64u", b64u8()),
                        ("model_weights_digest_b64u", b64u8()),
                    ],
                ),
            ),
            (
                "tcb",
                obj(
                    true,
                    &[],
                    vec![
                        (
                            "status",
                            S::Enum(&[
                                "up_to_date",
                                "out_of_date",
                                "configuration_needed",
                                "revoked",
                                "unknown",
                            ]),
                        ),
                        ("advisory_ids", arr(nonempty(), 0, UNBOUNDED)),
                    ],
                ),
            ),
            ("metadata", obj_any()),
        ],
    )
}

/// The schema's `allOf: [{if: {execution_type: tee_execution}, then: {required:
/// [runtime_metadata], runtime_metadata: {required: [tee]}}}]`.
fn tee_execution_rule(v: &Value, path: &P<'_>) -> Result<(), SchemaError> {
    if v.get("execution_type").and_then(Value::as_str) != Some("tee_execution") {
        return Ok(());
    }
    match v.get("runtime_metadata") {
        None => fail(path, "must have required property \"runtime_metadata\""),
        Some(m) if m.get("tee").is_none() => fail(
            &P::Key(path, "runtime_metadata"),
            "must have required property \"tee\"",
        ),
        Some(_) => Ok(()),
    }
}

/// `execution_attestation.v1`.
pub(crate) fn execution_attestation() -> S {
    S::With(
        Box::new(obj(
            true,
            &[
                "attestation_version",
                "attestation_id",
                "execution_type",
                "agent_did",
                "attester_did",
                "issued_at",
            ],
            vec![
                ("attestation_version", S::Const("1")),
                ("attestation_id", nonempty()),
                (
                    "execution_type",
                    S::Enum(&["sandbox_execution", "tee_execution"]),
                ),
                ("agent_did", did()),
                ("attester_did", did()),
                ("run_id", string()),
                ("proof_bundle_hash_b64u", b64u8()),
                (
                    "harness",
                    obj(
                        true,
                        &[],
                        vec![
                            ("id", string()),
                            ("version", string()),
                            ("runtime", string()),
                            ("config_hash_b64u", pattern(Pat::B64u)),
                        ],
                    ),
                ),
                (
                    "runtime_metadata",
                    obj(false, &[], vec![("tee", tee_claims())]),
                ),
                ("issued_at", dt()),
                ("expires_at", dt()),
                ("metadata", obj_any()),
            ],
        )),
        tee_execution_rule,
    )
}

/// `execution: {execution_attestation_hash_b64u?, proof_bundle_hash_b64u?}` of derivation
/// and audit-result attestations.
fn execution_ref() -> S {
    obj(
        true,
        &[],
        vec![
            ("execution_attestation_hash_b64u", b64u8()),
            ("proof_bundle_hash_b64u", b64u8()),
        ],
    )
}

fn clawlogs_ref() -> S {
    obj(
        true,
        &[],
        vec![
            ("log_entry_hash_b64u", b64u8()),
            ("inclusion_proof", log_inclusion_proof()),
        ],
    )
}

/// `derivation_attestation.v1`.
pub(crate) fn derivation_attestation() -> S {
    obj(
        true,
        &[
            "derivation_version",
            "derivation_id",
            "issued_at",
            "input_model",
            "output_model",
            "transform",
        ],
        vec![
            ("derivation_version", S::Const("1")),
            ("derivation_id", nonempty()),
            ("issued_at", dt()),
            ("input_model", model_identity()),
            ("output_model", model_identity()),
            (
                "transform",
                obj(
                    true,
                    &["kind"],
                    vec![
                        ("kind", nonempty()),
                        ("code_hash_b64u", b64u8()),
                        ("params_hash_b64u", b64u8()),
                        ("build_steps", arr(string(), 0, UNBOUNDED)),
                    ],
                ),
            ),
            (
                "artifacts",
                arr(
                    obj(
                        true,
                        &["type", "hash_b64u"],
                        vec![
                            ("type", nonempty()),
                            ("hash_b64u", b64u8()),
                            ("uri", string()),
                            ("content_type", string()),
                        ],
                    ),
                    0,
                    UNBOUNDED,
                ),
            ),
            ("execution", execution_ref()),
            ("clawlogs", clawlogs_ref()),
            ("metadata", obj_any()),
        ],
    )
}

/// `audit_result_attestation.v1`.
pub(crate) fn audit_result_attestation() -> S {
    obj(
        true,
        &[
            "audit_version",
            "audit_id",
            "issued_at",
            "model",
            "audit_code",
            "dataset",
            "protocol",
            "result",
        ],
        vec![
            (
                "audit_pack",
                obj(
                    true,
                    &["pack_hash_b64u"],
                    vec![
                        ("pack_id", string()),
                        ("pack_version", string()),
                        ("pack_hash_b64u", b64u8()),
                    ],
                ),
            ),
            ("audit_version", S::Const("1")),
            ("audit_id", nonempty()),
            ("issued_at", dt()),
            ("expires_at", dt()),
            ("model", model_identity()),
            ("derivation_attestation_hash_b64u", b64u8()),
            (
                "audit_code",
                obj(
                    true,
                    &["code_hash_b64u"],
                    vec![
                        ("repo_uri", pattern(Pat::Uri)),
                        ("commit_sha", string()),
                        ("code_hash_b64u", b64u8()),
                        ("uri", string()),
                    ],
                ),
            ),
            (
                "dataset",
                obj(
                    true,
                    &["dataset_id", "dataset_hash_b64u", "access"],
                    vec![
                        ("dataset_id", nonempty()),
                        ("dataset_hash_b64u", b64u8()),
                        ("access", S::Enum(&["public", "confidential"])),
                        ("uri", string()),
                    ],
                ),
            ),
            (
                "protocol",
                obj(
                    true,
                    &["name", "config_hash_b64u"],
                    vec![
                        ("name", nonempty()),
                        ("config_hash_b64u", b64u8()),
                        ("seed", number()),
                    ],
                ),
            ),
            (
                "result",
                obj(
                    true,
                    &["status", "results_hash_b64u"],
                    vec![
                        ("status", S::Enum(&["pass", "fail", "warn"])),
                        ("results_hash_b64u", b64u8()),
                        ("summary", obj_any()),
                    ],
                ),
            ),
            ("execution", execution_ref()),
            ("clawlogs", clawlogs_ref()),
            ("metadata", obj_any()),
        ],
    )
}

/// `export_bundle_manifest.v1`.
pub(crate) fn export_manifest() -> S {
    obj(
        true,
        &["manifest_version", "generated_at", "entries"],
        vec![
            ("manifest_version", S::Const("1")),
            ("generated_at", dt()),
            (
                "entries",
                arr(
                    obj(
                        true,
                        &["path", "sha256_b64u", "content_type", "size_bytes"],
                        vec![
                            ("path", nonempty()),
                            ("sha256_b64u", b64u8()),
                            ("content_type", nonempty()),
                            ("size_bytes", num0()),
                        ],
                    ),
                    1,
                    UNBOUNDED,
                ),
            ),
        ],
    )
}

/// `export_bundle.v1` with every artifact's schema (`proof_bundle_envelope.v1`, the three
/// attestation envelopes) inlined, as the reference's validator resolves its `$ref`s.
pub(crate) fn export_bundle(l: ArrayLimits) -> S {
    obj(
        true,
        &[
            "export_version",
            "export_id",
            "created_at",
            "issuer_did",
            "manifest",
            "artifacts",
            "bundle_hash_b64u",
            "hash_algorithm",
            "signature_b64u",
            "algorithm",
            "issued_at",
        ],
        vec![
            ("export_version", S::Const("1")),
            ("export_id", nonempty()),
            ("created_at", dt()),
            ("issuer_did", did()),
            ("manifest", export_manifest()),
            (
                "artifacts",
                obj(
                    true,
                    &["proof_bundle_envelope"],
                    vec![
                        ("proof_bundle_envelope", bundle_envelope(l)),
                        (
                            "execution_attestation_envelopes",
                            arr(
                                attestation_envelope(
                                    "execution_attestation",
                                    execution_attestation(),
                                ),
                                0,
                                UNBOUNDED,
                            ),
                        ),
                        (
                            "derivation_attestation_envelopes",
                            arr(
                                attestation_envelope(
                                    "derivation_attestation",
                                    derivation_attestation(),
                                ),
                                0,
                                UNBOUNDED,
                            ),
                        ),
                        (
                            "audit_result_attestation_envelopes",
                            arr(
                                attestation_envelope(
                                    "audit_result_attestation",
                                    audit_result_attestation(),
                                ),
                                0,
                                UNBOUNDED,
                            ),
                        ),
                    ],
                ),
            ),
            ("bundle_hash_b64u", b64u8()),
            ("hash_algorithm", S::Enum(SHA256)),
            ("signature_b64u", b64u8()),
            ("algorithm", S::Enum(ED25519)),
            ("issued_at", dt()),
            ("expires_at", dt()),
            ("metadata", obj_any()),
        ],
    )
}

/// `aggregate_bundle_envelope.v1` with `aggregate_bundle.v1` and its members' schemas
/// (`proof_bundle_envelope.v1` or `export_bundle.v1`) inlined.
pub(crate) fn aggregate_envelope(l: ArrayLimits) -> S {
    let count = || S::Num {
        min: Some(1.0),
        int: false,
    };
    let payload = obj(
        true,
        &[
            "aggregate_version",
            "aggregate_id",
            "created_at",
            "issuer_did",
            "manifest",
            "artifacts",
            "metadata",
        ],
        vec![
            ("aggregate_version", S::Const("1")),
            ("aggregate_id", nonempty()),
            ("created_at", dt()),
            ("expires_at", dt()),
            ("issuer_did", did()),
            ("manifest", export_manifest()),
            (
                "artifacts",
                obj(
                    true,
                    &["member_bundles"],
                    vec![(
                        "member_bundles",
                        arr(
                            S::OneOf(vec![bundle_envelope(l), export_bundle(l)]),
                            1,
                            1000,
                        ),
                    )],
                ),
            ),
            (
                "metadata",
                obj(
                    false,
                    &["fleet_summary"],
                    vec![(
                        "fleet_summary",
                        obj(
                            true,
                            &["total_members", "unique_agents", "total_runs"],
                            vec![
                                ("total_members", count()),
                                ("unique_agents", count()),
                                ("total_runs", count()),
                                ("fleet_proof_tier", string()),
                            ],
                        ),
                    )],
                ),
            ),
        ],
    );
    obj(
        true,
        &ENVELOPE_REQUIRED,
        vec![
            ("envelope_version", S::Const("1")),
            ("envelope_type", S::Const("aggregate_bundle")),
            ("payload", payload),
            ("payload_hash_b64u", b64u8()),
            ("hash_algorithm", S::Enum(SHA256_BLAKE3)),
            ("signature_b64u", b64u8()),
            ("algorithm", S::Enum(ED25519)),
            ("signer_did", did()),
            ("issued_at", dt()),
            ("expires_at", dt()),
        ],
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn first_error_path_and_closed_objects() {
        let s = receipt_binding();
        assert!(s.validate(&json!({"run_id":"r"}), "$").is_ok());
        let e = s.validate(&json!({"run_id":"r","x":1}), "$").unwrap_err();
        assert!(e.message.contains("additional property \"x\""), "{e:?}");
        let e = s.validate(&json!({"phase":"nap"}), "$.b").unwrap_err();
        assert_eq!(e.path, "$.b.phase");
        let one = S::OneOf(vec![tool_v1(), tool_v2()]);
        assert!(one.validate(&json!({"receipt_version":"2"}), "$").is_err());
        assert!(Pat::Eip155.matches("eip155:1:0x0123456789abcdef0123456789ABCDEF01234567"));
        assert!(!Pat::Eip155.matches("eip155:1:0x0123"));
        assert!(Pat::Uri.matches("https://example.com/a?b"));
        assert!(Pat::Uri.matches("urn:isbn:1"));
        for bad in [
            "",
            "example.com",
            "1http://x",
            "ht tp://x",
            "https://a b",
            ":x",
        ] {
            assert!(!Pat::Uri.matches(bad), "{bad:?}");
        }
    }

    #[test]
    fn tee_execution_needs_its_claims() {
        let s = execution_attestation();
        let base = json!({"attestation_version": "1", "attestation_id": "a",
            "execution_type": "sandbox_execution", "agent_did": "did:key:zA",
            "attester_did": "did:key:zB", "issued_at": "2026-02-11T00:00:00.000Z"});
        assert!(s.validate(&base, "$").is_ok());
        let mut tee = base.clone();
        tee["execution_type"] = json!("tee_execution");
        assert_eq!(s.validate(&tee, "$").unwrap_err().path, "$");
        tee["runtime_metadata"] = json!({"image": "x"});
        assert_eq!(
            s.validate(&tee, "$").unwrap_err().path,
            "$.runtime_metadata"
        );
        tee["runtime_metadata"]["tee"] = json!({"attestation_type": "generic_tee",
            "root_id": "r", "tcb_version": "1", "measurements": {"measurement_hash_b64u": "AAAAAAAA"},
            "evidence_ref": {"resource_type": "quote", "resource_hash_b64u": "AAAAAAAA"}});
        assert!(s.validate(&tee, "$").is_ok());
    }
}

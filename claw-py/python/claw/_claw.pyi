"""Type stubs of the native module ``claw._claw`` (checked with ``mypy.stubtest``)."""

from typing import Any, Dict, Iterable, List, Literal, NoReturn, Optional, Sequence, Tuple, Union, final

_JSONText = Union[str, bytes, bytearray]
_JSONValue = Any
_Signer = Union[str, "VerifyingKey"]

__all__ = [
    "BundleError",
    "CanonicalizationError",
    "ClawError",
    "EnvelopeError",
    "InputError",
    "KeyFormatError",
    "MerkleError",
    "PolicyError",
    "SignatureError",
    "TokenError",
    "b64u_decode",
    "b64u_encode",
    "jcs",
    "parse_json",
    "sha256_b64u",
    "SigningKey",
    "VerifyingKey",
    "sign_envelope",
    "verify_envelope",
    "VerifiedEnvelope",
    "clawlogs_audit_path",
    "clawlogs_root",
    "merkle_leaf_hash",
    "verify_clawlogs_inclusion",
    "verify_consistency_proof",
    "verify_inclusion_proof",
    "MerkleTree",
    "cst_scope_hash",
    "cst_token_hash",
    "issue_cst",
    "verify_cst",
    "KeySet",
    "RedisState",
    "ReplayGuard",
    "Revocations",
    "compile_policy",
    "Decision",
    "Policy",
    "PolicyRuntime",
    "build_bundle",
    "trust_pulse_from_bundle",
    "verify_bundle",
    "verify_checkpoint_consistency",
    "verify_log_inclusion_proof",
    "verify_receipt_proof",
    "Bundle",
    "Checkpoint",
    "Gateway",
    "PendingModelCall",
    "Recorder",
    "Verdict",
    "__version__",
]

__version__: str

# ---------------------------------------------------------------- errors

class ClawError(Exception):
    """Base class of every claw error; ``reason_code`` is the core's stable code."""

    reason_code: str

class CanonicalizationError(ClawError): ...
class KeyFormatError(ClawError): ...
class SignatureError(ClawError): ...
class EnvelopeError(ClawError): ...
class PolicyError(ClawError): ...
class TokenError(ClawError): ...
class BundleError(ClawError): ...
class MerkleError(ClawError): ...
class InputError(ClawError): ...

# ---------------------------------------------------------------- canonical JSON, hashing

def jcs(value: Union[_JSONText, _JSONValue]) -> bytes: ...
def parse_json(text: _JSONText) -> _JSONValue: ...
def sha256_b64u(data: bytes) -> str: ...
def b64u_encode(data: bytes) -> str: ...
def b64u_decode(text: str) -> bytes: ...

# ---------------------------------------------------------------- keys

@final
class SigningKey:
    @staticmethod
    def generate() -> SigningKey: ...
    @staticmethod
    def from_jwk(jwk: str) -> SigningKey: ...
    def to_jwk(self) -> str: ...
    def public_key(self) -> VerifyingKey: ...
    @property
    def did(self) -> str: ...
    def sign(self, message: bytes) -> bytes: ...

@final
class VerifyingKey:
    @staticmethod
    def from_jwk(jwk: str) -> VerifyingKey: ...
    @staticmethod
    def from_did(did: str) -> VerifyingKey: ...
    def to_jwk(self) -> str: ...
    def to_bytes(self) -> bytes: ...
    @property
    def did(self) -> str: ...
    def jwk_thumbprint(self) -> str: ...
    def verify(self, message: bytes, signature: bytes) -> None: ...
    def __eq__(self, value: object, /) -> bool: ...
    def __hash__(self) -> int: ...

# ---------------------------------------------------------------- signed envelopes

@final
class VerifiedEnvelope:
    @property
    def envelope_type(self) -> str: ...
    @property
    def payload(self) -> Dict[str, _JSONValue]: ...
    @property
    def payload_hash(self) -> str: ...
    @property
    def signer(self) -> VerifyingKey: ...
    @property
    def signer_did(self) -> str: ...
    @property
    def issued_at_ms(self) -> int: ...
    @property
    def expires_at_ms(self) -> Optional[int]: ...

def sign_envelope(
    envelope_type: str,
    payload: Dict[str, _JSONValue],
    key: SigningKey,
    *,
    issued_at_ms: Optional[int] = None,
    expires_at_ms: Optional[int] = None,
) -> str: ...
def verify_envelope(
    text: _JSONText,
    envelope_type: str,
    *,
    signers: Optional[Sequence[_Signer]] = None,
    now: Optional[int] = None,
) -> VerifiedEnvelope: ...

# ---------------------------------------------------------------- Merkle trees

@final
class MerkleTree:
    """RFC 9162 tree over raw leaves (each hashed as ``SHA-256(0x00 || data)``)."""

    def __new__(cls, leaves: Iterable[bytes]) -> MerkleTree: ...
    @staticmethod
    def from_leaf_hashes(leaf_hashes: Iterable[bytes]) -> MerkleTree: ...
    def __len__(self) -> int: ...
    @property
    def root(self) -> bytes: ...
    def root_at(self, size: int) -> bytes: ...
    def leaf_hashes(self) -> List[bytes]: ...
    def inclusion_proof(self, index: int, size: Optional[int] = None) -> List[bytes]: ...
    def consistency_proof(self, old_size: int, new_size: Optional[int] = None) -> List[bytes]: ...

def merkle_leaf_hash(data: bytes) -> bytes: ...
def verify_inclusion_proof(
    leaf_hash: bytes, index: int, size: int, proof: Iterable[bytes], root: bytes
) -> None: ...
def verify_consistency_proof(
    size1: int, size2: int, root1: bytes, root2: bytes, proof: Iterable[bytes]
) -> None: ...
def clawlogs_root(leaves: Iterable[bytes]) -> bytes: ...
def clawlogs_audit_path(leaves: Iterable[bytes], index: int) -> List[bytes]: ...
def verify_clawlogs_inclusion(
    leaf: bytes, index: int, size: int, audit_path: Iterable[bytes], root: bytes
) -> None: ...

# ---------------------------------------------------------------- scoped tokens (CST)

@final
class KeySet:
    """Trusted issuer keys by ``kid``."""

    def __new__(cls, keys: Sequence[_Signer], *, kids: Optional[Sequence[str]] = None) -> KeySet: ...
    @staticmethod
    def from_jwks(jwks: Union[str, Dict[str, Any]]) -> KeySet: ...
    def kids(self) -> List[str]: ...
    def get(self, kid: str) -> Optional[VerifyingKey]: ...
    def __len__(self) -> int: ...

@final
class ReplayGuard:
    """In-memory replay guard: each ``jti`` is accepted once per job until it expires."""

    def __new__(cls, max_entries: int = 100000) -> ReplayGuard: ...
    @property
    def capacity(self) -> int: ...
    def __len__(self) -> int: ...
    def purge_expired(self, now: Optional[int] = None) -> None: ...

@final
class Revocations:
    """The revocation list in force (edits apply to the next verification)."""

    def __new__(cls) -> Revocations: ...
    def revoke_jti(self, jti: str) -> None: ...
    def revoke_kid(self, kid: str) -> None: ...
    def revoke_key(self, key: VerifyingKey) -> None: ...
    def revoke_policy_hash(self, policy_hash: str) -> None: ...
    def revoke_token_hash(self, token_hash: str) -> None: ...

@final
class RedisState:
    """Replay guard, revocations and receipts shared through Redis (docs/SPEC.md section 9)."""

    def __new__(
        cls,
        url: str,
        *,
        namespace: str = "claw",
        timeout: float = 2.0,
        max_staleness: float = 5.0,
        poll_interval: float = 1.0,
        quarantine_after_reset: float = 3600.0,
    ) -> RedisState: ...
    def wait_ready(self, timeout: float = 5.0) -> None: ...
    def revoke(
        self,
        *,
        jti: Sequence[str] = ...,
        kid: Sequence[str] = ...,
        key: Sequence[VerifyingKey] = ...,
        policy_hash: Sequence[str] = ...,
        token: Sequence[str] = ...,
        token_hash: Sequence[str] = ...,
    ) -> int: ...
    @property
    def revocation_version(self) -> int: ...
    @property
    def address(self) -> str: ...

def issue_cst(
    key: SigningKey,
    claims: Dict[str, Any],
    ttl: int = 300,
    *,
    kid: Optional[str] = None,
    max_ttl: Optional[int] = None,
    now: Optional[int] = None,
) -> str: ...
def verify_cst(
    token: str,
    issuers: Union[KeySet, Sequence[_Signer]],
    *,
    audience: str,
    scope: Optional[str] = None,
    subject: Optional[str] = None,
    mission_id: Optional[str] = None,
    require_mission: bool = False,
    policy_hash: Optional[str] = None,
    require_policy_pin: bool = False,
    require_scope_hash: bool = False,
    max_ttl: Optional[int] = None,
    clock_skew: int = 60,
    now: Optional[int] = None,
    replay_guard: Union[ReplayGuard, RedisState, None] = None,
    revocations: Union[Revocations, RedisState, None] = None,
) -> Dict[str, Any]: ...
def cst_token_hash(token: str) -> str: ...
def cst_scope_hash(claims: Dict[str, Any]) -> str: ...

# ---------------------------------------------------------------- policies (WPC)

@final
class Decision:
    """The outcome of one policy decision."""

    @property
    def decision(self) -> Literal["allow", "deny", "approval_required"]: ...
    @property
    def allowed(self) -> bool: ...
    @property
    def reason_code(self) -> str: ...
    @property
    def statement_id(self) -> Optional[str]: ...
    @property
    def policy_hash(self) -> Optional[str]: ...
    def __bool__(self) -> NoReturn:
        """Raises TypeError: test `.allowed` (a deny must never read as true)."""
        ...

@final
class Policy:
    """A parsed, schema-valid, hashed and compiled Work Policy Contract."""

    @staticmethod
    def from_json(text: _JSONText, *, parent: Optional[Policy] = None) -> Policy: ...
    @staticmethod
    def from_envelope(
        text: _JSONText,
        signers: Sequence[_Signer],
        *,
        parent: Optional[Policy] = None,
        expected_hash: Optional[str] = None,
        now: Optional[int] = None,
    ) -> Policy: ...
    @property
    def hash(self) -> str: ...
    @property
    def policy_id(self) -> str: ...
    @property
    def issuer_did(self) -> str: ...
    @property
    def version(self) -> Literal["1", "2"]: ...
    @property
    def inherits(self) -> Optional[str]: ...
    @property
    def signer_did(self) -> Optional[str]: ...
    @property
    def payload(self) -> Dict[str, Any]: ...
    def canonical_bytes(self) -> bytes: ...
    @property
    def requirements(self) -> Dict[str, Any]: ...
    def sign(
        self,
        key: SigningKey,
        *,
        issued_at_ms: Optional[int] = None,
        expires_at_ms: Optional[int] = None,
    ) -> str: ...
    def decide(
        self,
        tool: str,
        *,
        action: Optional[str] = None,
        resource: Optional[str] = None,
        context: Optional[Dict[str, str]] = None,
        now: Optional[int] = None,
        run_started_at: Optional[int] = None,
    ) -> Decision: ...

@final
class PolicyRuntime:
    """The policy in force plus incident overrides, swapped atomically."""

    def __new__(
        cls, policy: Policy, *, overrides: Union[_JSONText, Dict[str, Any], None] = None
    ) -> PolicyRuntime: ...
    def swap_policy(self, policy: Policy) -> None: ...
    def set_overrides(self, overrides: Union[_JSONText, Dict[str, Any], None]) -> None: ...
    @property
    def policy_hash(self) -> str: ...
    def decide(
        self,
        tool: str,
        *,
        action: Optional[str] = None,
        resource: Optional[str] = None,
        context: Optional[Dict[str, str]] = None,
        now: Optional[int] = None,
        run_started_at: Optional[int] = None,
    ) -> Decision: ...

def compile_policy(authoring_text: _JSONText) -> str: ...

# ---------------------------------------------------------------- evidence

_ToolStatus = Literal["success", "error", "timeout"]
_EffectClass = Literal["network_egress", "filesystem_write", "external_api_write"]
_ResponseStatus = Literal["success", "error", "timeout", "denied"]
_ApprovalType = Literal["explicit_approve", "explicit_deny", "auto_approve", "timeout_deny"]
_ApproverMethod = Literal["ui_click", "cli_confirm", "api_call", "policy_auto", "timeout"]
_CausalMode = Literal["enforce", "warn", "observe"]

@final
class PendingModelCall:
    """A model call whose gateway receipt is awaited."""

    @property
    def binding(self) -> Dict[str, str]: ...

@final
class Gateway:
    """A model gateway: an id and the key that signs its receipts."""

    def __new__(cls, gateway_id: str, key: SigningKey) -> Gateway: ...
    @property
    def did(self) -> str: ...
    def sign_receipt(
        self,
        pending: PendingModelCall,
        *,
        provider: str,
        model: str,
        request: bytes,
        response: bytes,
        tokens_input: int = 0,
        tokens_output: int = 0,
        latency_ms: int = 0,
        timestamp_ms: Optional[int] = None,
        metadata: Optional[Dict[str, Any]] = None,
    ) -> str: ...

@final
class Checkpoint:
    """A signed checkpoint of a run's receipt log."""

    @property
    def run_id(self) -> str: ...
    @property
    def agent_did(self) -> str: ...
    @property
    def tree_size(self) -> int: ...
    @property
    def root(self) -> str: ...
    @property
    def event_count(self) -> int: ...
    @property
    def event_head(self) -> Optional[str]: ...
    def to_json(self) -> str: ...

@final
class Recorder:
    """Records one run: event chain and receipts; ``finish`` signs the proof bundle."""

    def __new__(cls, agent: SigningKey, *, run_id: Optional[str] = None) -> Recorder: ...
    @property
    def run_id(self) -> str: ...
    @property
    def agent_did(self) -> str: ...
    def __len__(self) -> int: ...
    def record_event(
        self, event_type: str, payload: Any, *, timestamp_ms: Optional[int] = None
    ) -> Dict[str, str]: ...
    def record_decision(
        self, decision: Dict[str, Any], *, timestamp_ms: Optional[int] = None
    ) -> Dict[str, str]: ...
    def begin_model_call(
        self, provider: str, model: str, *, timestamp_ms: Optional[int] = None
    ) -> PendingModelCall: ...
    def attach_gateway_receipt(self, pending: PendingModelCall, receipt: _JSONText) -> None: ...
    def abandon_model_call(self, pending: PendingModelCall) -> None: ...
    def record_model_call(
        self,
        gateway: Gateway,
        *,
        provider: str,
        model: str,
        request: bytes,
        response: bytes,
        tokens_input: int = 0,
        tokens_output: int = 0,
        latency_ms: int = 0,
        timestamp_ms: Optional[int] = None,
        metadata: Optional[Dict[str, Any]] = None,
    ) -> str: ...
    def record_tool_call(
        self,
        tool_name: str,
        args: Any,
        result: Any,
        *,
        status: _ToolStatus = "success",
        tool_version: Optional[str] = None,
        latency_ms: int = 0,
        timestamp_ms: Optional[int] = None,
    ) -> str: ...
    def record_side_effect(
        self,
        effect_class: _EffectClass,
        *,
        target: bytes,
        request: bytes = ...,
        response: bytes = ...,
        vendor_id: Optional[str] = None,
        response_status: Optional[_ResponseStatus] = None,
        bytes_written: Optional[int] = None,
        latency_ms: int = 0,
        timestamp_ms: Optional[int] = None,
    ) -> str: ...
    def record_human_approval(
        self,
        approval_type: _ApprovalType,
        approver_subject: str,
        scope: Any,
        *,
        approver_method: Optional[_ApproverMethod] = None,
        scope_summary: Optional[str] = None,
        policy_hash: Optional[str] = None,
        minted_capability_id: Optional[str] = None,
        minted_capability_ttl_seconds: Optional[int] = None,
        plan: Any = None,
        timestamp_ms: Optional[int] = None,
    ) -> str: ...
    def record_delegation(
        self,
        delegate_did: str,
        task_description: bytes,
        delegate_bundle_hash: str,
        *,
        delegation_policy: Optional[str] = None,
        delegated_at_ms: Optional[int] = None,
        completed_at_ms: Optional[int] = None,
    ) -> str: ...
    def checkpoint(self, *, timestamp_ms: Optional[int] = None) -> Checkpoint: ...
    def consistency_proof(self, old: Checkpoint, new: Checkpoint) -> str: ...
    def finish(
        self,
        *,
        harness_id: str = ...,
        harness_version: str = ...,
        harness_runtime: Optional[str] = None,
        extra: Optional[Dict[str, Any]] = None,
        trust_pulse: bool = True,
        causal_anchoring: Literal["require", "off"] = "require",
        timestamp_ms: Optional[int] = None,
    ) -> Bundle: ...

def build_bundle(
    recorder: Recorder,
    *,
    harness_id: str = ...,
    harness_version: str = ...,
    harness_runtime: Optional[str] = None,
    extra: Optional[Dict[str, Any]] = None,
    trust_pulse: bool = True,
    causal_anchoring: Literal["require", "off"] = "require",
    timestamp_ms: Optional[int] = None,
) -> Bundle: ...

@final
class Bundle:
    """A signed proof bundle with its Merkle log."""

    def to_json(self) -> str: ...
    @property
    def bundle_id(self) -> Optional[str]: ...
    @property
    def agent_did(self) -> Optional[str]: ...
    @property
    def payload_hash(self) -> str: ...
    @property
    def payload(self) -> Dict[str, Any]: ...
    @property
    def checkpoint(self) -> Checkpoint: ...
    @property
    def trust_pulse(self) -> Optional[Dict[str, Any]]: ...
    def receipt_ids(self) -> List[str]: ...
    def receipt_proof(self, receipt_id: str) -> str: ...
    @staticmethod
    def from_verified_json(
        text: _JSONText,
        config: Union[_JSONText, Dict[str, Any], None] = None,
        gateway_signers: Optional[Sequence[_Signer]] = None,
        *,
        now: Optional[int] = None,
        causal_mode: _CausalMode = "enforce",
        spec_strict: bool = False,
        trusted_log_signers: Optional[Sequence[_Signer]] = None,
        policy: Optional[Policy] = None,
    ) -> Bundle: ...

@final
class Verdict:
    """The verifier's answer about a proof bundle."""

    @property
    def valid(self) -> bool: ...
    @property
    def reason_code(self) -> str: ...
    @property
    def reason(self) -> str: ...
    @property
    def field(self) -> Optional[str]: ...
    @property
    def proof_tier(self) -> Literal["unknown", "self", "gateway", "sandbox"]: ...
    @property
    def trust_tier(self) -> str: ...
    @property
    def verified_at(self) -> str: ...
    @property
    def bundle_id(self) -> Optional[str]: ...
    @property
    def agent_did(self) -> Optional[str]: ...
    @property
    def run_id(self) -> Optional[str]: ...
    @property
    def components(self) -> Dict[str, Dict[str, str]]: ...
    @property
    def counts(self) -> Dict[str, int]: ...
    def to_json(self) -> str: ...

def verify_bundle(
    text: _JSONText,
    config: Union[_JSONText, Dict[str, Any], None] = None,
    gateway_signers: Optional[Sequence[_Signer]] = None,
    *,
    now: Optional[int] = None,
    causal_mode: _CausalMode = "enforce",
    spec_strict: bool = False,
    trusted_log_signers: Optional[Sequence[_Signer]] = None,
    sig_mode: Literal["batch", "sequential"] = "batch",
    threads: int = 0,
    urm: Any = None,
    policy: Optional[Policy] = None,
) -> Verdict: ...
def verify_receipt_proof(
    text: _JSONText,
    *,
    expected_agent: Optional[str] = None,
    gateway_signers: Optional[Sequence[_Signer]] = None,
) -> Dict[str, Any]: ...
def verify_checkpoint_consistency(
    text: _JSONText, *, expected_agent: Optional[str] = None
) -> Tuple[Checkpoint, Checkpoint]: ...
def trust_pulse_from_bundle(
    bundle: _JSONText,
    config: Union[_JSONText, Dict[str, Any], None] = None,
    gateway_signers: Optional[Sequence[_Signer]] = None,
    *,
    now: Optional[int] = None,
    issued_at_ms: Optional[int] = None,
    causal_mode: Literal["enforce", "warn", "observe"] = "enforce",
    trusted_log_signers: Optional[Sequence[_Signer]] = None,
) -> Dict[str, Any]: ...
def verify_log_inclusion_proof(
    proof: Union[_JSONText, Dict[str, Any]],
    *,
    trusted_signers: Optional[Sequence[_Signer]] = None,
    expected_leaf: Optional[str] = None,
) -> None: ...

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
    "approval_arguments",
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
    "verify_aggregate_bundle",
    "AggregateVerdict",
    "verify_commit_signature",
    "CommitSignature",
    "__version__",
]

__version__: str

# ---------------------------------------------------------------- errors

class ClawError(Exception):
    """Base class of every claw error; ``reason_code`` is the core's stable code."""

    reason_code: str

class CanonicalizationError(ClawError):
    """A value or text is not acceptable JSON for hashing or signing."""
class KeyFormatError(ClawError):
    """A key, JWK or DID was refused."""
class SignatureError(ClawError):
    """A signature failed."""
class EnvelopeError(ClawError):
    """A signed envelope was refused."""
class PolicyError(ClawError):
    """A policy could not be parsed, compiled or verified."""
class TokenError(ClawError):
    """A scoped token was refused."""
class BundleError(ClawError):
    """Evidence (receipts, event chains, proof bundles) was refused."""
class MerkleError(ClawError):
    """A Merkle proof failed."""
class InputError(ClawError):
    """Any other invalid input (timestamps, base64url, arguments)."""

# ---------------------------------------------------------------- canonical JSON, hashing

def jcs(value: Union[_JSONText, _JSONValue]) -> bytes:
    """RFC 8785 canonical bytes of `value`.

    `value` is JSON text (`str`, `bytes`, `bytearray`), parsed strictly (no duplicate keys, no
    lone surrogates, finite numbers, integers within ±(2^53 − 1)), or a JSON-compatible Python
    object. Raises `CanonicalizationError` with the JSON path at fault.
    """
def parse_json(text: _JSONText) -> _JSONValue:
    """Parse JSON text strictly (the rules of `jcs`) into plain Python objects."""
def sha256_b64u(data: bytes) -> str:
    """base64url (unpadded) SHA-256 of `data`: the hash form used throughout claw."""
def b64u_encode(data: bytes) -> str:
    """Strict base64url (unpadded) encoding."""
def b64u_decode(text: str) -> bytes:
    """Strict base64url decoding (one spelling per byte string); raises `InputError`."""
def approval_arguments(args: Union[_JSONText, _JSONValue], max_chars: Optional[int] = None) -> str:
    """The arguments as shown to a human asked to approve the call: their RFC 8785 form with
    control and bidirectional characters escaped, at most `max_chars` characters (`None`:
    2048; at least 160 are used); when they do not fit, the beginning and an explicit note of
    how many characters are not shown and the SHA-256 of the arguments' canonical form, which
    the approval covers (docs/SPEC.md §7.9.1).

    `args` is JSON text (`str`, `bytes`, `bytearray`), parsed strictly, or a JSON-compatible
    Python object. Raises `CanonicalizationError` for JSON outside I-JSON.
    """

# ---------------------------------------------------------------- keys

@final
class SigningKey:
    """An Ed25519 signing key. The secret is wiped from Rust memory when the object is freed and is
    never shown by `repr`; `to_jwk()` is the one way to get it out (as a Python `str`, which
    Python itself cannot wipe, so call it only to store the key).
    """
    @staticmethod
    def generate() -> SigningKey:
        """A fresh key from the operating system's CSPRNG."""
    @staticmethod
    def from_jwk(jwk: str) -> SigningKey:
        """Read a private OKP/Ed25519 JWK (members `kty`, `crv`, `d`, `x`; `x` must match `d`)."""
    def to_jwk(self) -> str:
        """The private JWK, canonical member order. This is the secret: store it, never log it."""
    def public_key(self) -> VerifyingKey:
        """The public half."""
    @property
    def did(self) -> str:
        """The `did:key` of the public half."""
    def sign(self, message: bytes) -> bytes:
        """Ed25519 signature (64 bytes, RFC 8032, deterministic) over `message`."""

@final
class VerifyingKey:
    """An Ed25519 public key (refused at import when non-canonical or of small order)."""
    @staticmethod
    def from_jwk(jwk: str) -> VerifyingKey:
        """Read a public OKP/Ed25519 JWK; a private JWK (with `d`) is refused."""
    @staticmethod
    def from_did(did: str) -> VerifyingKey:
        """Read a `did:key` for an Ed25519 key."""
    def to_jwk(self) -> str:
        """The public JWK `{"crv":"Ed25519","kty":"OKP","x":…}`."""
    def to_bytes(self) -> bytes:
        """The 32-byte key."""
    @property
    def did(self) -> str:
        """`did:key:z…`"""
    def jwk_thumbprint(self) -> str:
        """RFC 7638 JWK thumbprint (SHA-256, base64url)."""
    def verify(self, message: bytes, signature: bytes) -> None:
        """Check `signature` over `message` (strict RFC 8032: non-malleable); raises
        `SignatureError` when it does not verify.
        """
    def __eq__(self, value: object, /) -> bool: ...
    def __hash__(self) -> int: ...

# ---------------------------------------------------------------- signed envelopes

@final
class VerifiedEnvelope:
    """An envelope whose hash, signature, signer and expiry were checked."""
    @property
    def envelope_type(self) -> str:
        """The envelope's `envelope_type`."""
    @property
    def payload(self) -> Dict[str, _JSONValue]:
        """The signed payload, as plain Python objects."""
    @property
    def payload_hash(self) -> str:
        """base64url SHA-256 of the payload (43 characters)."""
    @property
    def signer(self) -> VerifyingKey:
        """The envelope's signer as a `VerifyingKey`."""
    @property
    def signer_did(self) -> str:
        """The did:key that signed the envelope."""
    @property
    def issued_at_ms(self) -> int:
        """`issued_at` in Unix milliseconds."""
    @property
    def expires_at_ms(self) -> Optional[int]:
        """`expires_at` in Unix milliseconds, if the envelope has one."""

def sign_envelope(
    envelope_type: str,
    payload: Dict[str, _JSONValue],
    key: SigningKey,
    *,
    issued_at_ms: Optional[int] = None,
    expires_at_ms: Optional[int] = None,
) -> str:
    """Sign `payload` (a JSON object) into an envelope of `envelope_type`; returns its canonical
    JSON text. `issued_at_ms` defaults to now; `expires_at_ms` to no expiry.
    """
def verify_envelope(
    text: _JSONText,
    envelope_type: str,
    *,
    signers: Optional[Sequence[_Signer]] = None,
    now: Optional[int] = None,
) -> VerifiedEnvelope:
    """Verify an envelope's version, type, algorithms, hash, signature, signer and expiry.

    `signers`: the trusted signers (`did:key` strings or `VerifyingKey`s); `None` accepts any
    valid signer (integrity only). `now`: Unix seconds for the expiry check, default the current
    time. Raises `EnvelopeError` with the core's reason code.
    """

# ---------------------------------------------------------------- Merkle trees

@final
class MerkleTree:
    """RFC 9162 tree over raw leaves (each hashed as ``SHA-256(0x00 || data)``)."""

    def __new__(cls, leaves: Iterable[bytes]) -> MerkleTree: ...
    @staticmethod
    def from_leaf_hashes(leaf_hashes: Iterable[bytes]) -> MerkleTree:
        """Build the tree over leaf hashes (each 32 bytes, already `SHA-256(0x00 || data)`)."""
    def __len__(self) -> int: ...
    @property
    def root(self) -> bytes:
        """The root of the whole tree (`SHA-256("")` when empty)."""
    def root_at(self, size: int) -> bytes:
        """The root of the tree made of the first `size` leaves."""
    def leaf_hashes(self) -> List[bytes]:
        """The leaf hashes, in order."""
    def inclusion_proof(self, index: int, size: Optional[int] = None) -> List[bytes]:
        """The inclusion proof of leaf `index` in the tree of the first `size` leaves (default:
        the whole tree), from the leaf's sibling upward.
        """
    def consistency_proof(self, old_size: int, new_size: Optional[int] = None) -> List[bytes]:
        """The consistency proof from the tree of the first `old_size` leaves to the tree of the
        first `new_size` leaves (default: the whole tree).
        """

def merkle_leaf_hash(data: bytes) -> bytes:
    """The RFC 9162 leaf hash: `SHA-256(0x00 || data)`."""
def verify_inclusion_proof(
    leaf_hash: bytes, index: int, size: int, proof: Iterable[bytes], root: bytes
) -> None:
    """Check that `leaf_hash` is leaf `index` of the `size`-leaf tree whose root is `root`
    (RFC 9162 §2.1.3.2); raises `MerkleError` naming the failed check.
    """
def verify_consistency_proof(
    size1: int, size2: int, root1: bytes, root2: bytes, proof: Iterable[bytes]
) -> None:
    """Check that the `size2`-leaf tree with root `root2` extends the `size1`-leaf tree with root
    `root1` (RFC 9162 §2.1.4.2); raises `MerkleError` naming the failed check.
    """
def clawlogs_root(leaves: Iterable[bytes]) -> bytes:
    """Root of the reference log's tree over `leaves` (no prefixes, odd node duplicated). Use only
    to check that log's proofs: claw's own trees are RFC 9162 (`MerkleTree`).
    """
def clawlogs_audit_path(leaves: Iterable[bytes], index: int) -> List[bytes]:
    """The reference log's audit path of leaf `index`, from the leaf's sibling upward."""
def verify_clawlogs_inclusion(
    leaf: bytes, index: int, size: int, audit_path: Iterable[bytes], root: bytes
) -> None:
    """Check a reference-log inclusion proof (the Merkle part; the root signature is separate).
    `index` and `size` are the prover's claims: verify only leaves you recomputed yourself.
    """

# ---------------------------------------------------------------- scoped tokens (CST)

@final
class KeySet:
    """Trusted issuer keys by ``kid``."""

    def __new__(cls, keys: Sequence[_Signer], *, kids: Optional[Sequence[str]] = None) -> KeySet: ...
    @staticmethod
    def from_jwks(jwks: Union[str, Dict[str, Any]]) -> KeySet:
        """Read a JWKS (`{"keys": [...]}`) given as JSON text or a dict; every entry must be a
        public OKP/Ed25519 JWK, filed under its own `kid` or the reference kid.
        """
    def kids(self) -> List[str]:
        """The kids in the set, sorted."""
    def get(self, kid: str) -> Optional[VerifyingKey]:
        """The key filed under `kid`, if any."""
    def __len__(self) -> int: ...

@final
class ReplayGuard:
    """In-memory replay guard: each ``jti`` is accepted once (once per job for a token bound
    to a job by its ``mission_id`` claim) until it expires."""

    def __new__(cls, max_entries: int = 100000) -> ReplayGuard: ...
    @property
    def capacity(self) -> int:
        """The hard capacity."""
    def __len__(self) -> int: ...
    def purge_expired(self, now: Optional[int] = None) -> None:
        """Forget every use whose token has expired by `now` (Unix seconds, default the clock)."""

@final
class Revocations:
    """The revocation list in force (edits apply to the next verification)."""

    def __new__(cls) -> Revocations: ...
    def revoke_jti(self, jti: str) -> None:
        """Revoke one token by its `jti`."""
    def revoke_kid(self, kid: str) -> None:
        """Revoke every token signed under `kid`."""
    def revoke_key(self, key: VerifyingKey) -> None:
        """Revoke every token signed by `key` (under any kid it is filed under)."""
    def revoke_policy_hash(self, policy_hash: str) -> None:
        """Revoke every token that pins this policy hash."""
    def revoke_token_hash(self, token_hash: str) -> None:
        """Revoke one token by its hash (`cst_token_hash`)."""

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
    def wait_ready(self, timeout: float = 5.0) -> None:
        """Wait until the store has been reached and the revocation copy is current; raises
        `TokenError` with `STATE_STORE_UNAVAILABLE` when that does not happen within `timeout`
        seconds."""
    def revoke(
        self,
        *,
        jti: Sequence[str] = ...,
        kid: Sequence[str] = ...,
        key: Sequence[VerifyingKey] = ...,
        policy_hash: Sequence[str] = ...,
        token: Sequence[str] = ...,
        token_hash: Sequence[str] = ...,
    ) -> int:
        """Revoke by jti, kid, key, policy hash, token or token hash in the shared store
        (versioned, published to every instance); returns how many entries were added."""
    @property
    def revocation_version(self) -> int:
        """The version of the revocation set this instance's copy holds."""
    @property
    def address(self) -> str:
        """The store's address, without credentials."""

def issue_cst(
    key: SigningKey,
    claims: Dict[str, Any],
    ttl: int = 300,
    *,
    kid: Optional[str] = None,
    max_ttl: Optional[int] = None,
    now: Optional[int] = None,
) -> str:
    """Issue a CST signed by `key`: `claims` holds `sub`, `aud`, `scope` and any optional claim
    of `scoped_token_claims.v1`; `iat`/`exp` (= now + `ttl`, capped by `max_ttl`), a random
    `jti` and `token_scope_hash_b64u` are set by the core. Returns the compact JWS.
    """
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
) -> Dict[str, Any]:
    """Verify a CST for `audience` and the action `scope`, with every check of the core in its
    order (docs/SPEC.md §5); returns the verified claims as a dict. Raises `TokenError` with
    the reason code of the first failing check. `scope=None` is for inspection only: every
    other check runs, but the token is not authorized for any particular action.

    `issuers`: a `KeySet`, or a list of `VerifyingKey`/`did:key` (reference kids).
    `mission_id`: the job this runtime executes (a token naming another job fails);
    `require_mission` also fails tokens that name none. `policy_hash`: the hash of the policy
    in force (a token pinning another fails, and a pinned token fails without it).
    `replay_guard`: accept each `jti` once (keyed by the token's own `mission_id` claim, never
    by the `mission_id` argument). `now`: Unix seconds, default the clock.
    """
def cst_token_hash(token: str) -> str:
    """The reference's `token_hash`: lowercase hex SHA-256 of the compact token (for revocation)."""
def cst_scope_hash(claims: Dict[str, Any]) -> str:
    """The `token_scope_hash_b64u` the core computes for these claims (a dict of a token's
    claims, as `verify_cst` returns).
    """

# ---------------------------------------------------------------- policies (WPC)

@final
class Decision:
    """The outcome of one policy decision."""

    @property
    def decision(self) -> Literal["allow", "deny", "approval_required"]:
        """`"allow"`, `"deny"` or `"approval_required"`."""
    @property
    def allowed(self) -> bool:
        """Whether the call may proceed now (`decision == "allow"`)."""
    @property
    def reason_code(self) -> str:
        """The stable reason code (`POLICY_ALLOW`, `POLICY_DEFAULT_DENY`, ...)."""
    @property
    def statement_id(self) -> Optional[str]:
        """The statement that decided, when one did."""
    @property
    def policy_hash(self) -> Optional[str]:
        """Hash of the policy that decided (the policy, or the ancestor that decided)."""
    def __bool__(self) -> NoReturn:
        """Raises TypeError: test `.allowed` (a deny must never read as true)."""
        ...

@final
class Policy:
    """A parsed, schema-valid, hashed and compiled Work Policy Contract."""

    @staticmethod
    def from_json(text: _JSONText, *, parent: Optional[Policy] = None) -> Policy:
        """Read a WPC (v1 or v2) from JSON text, strictly, and compile it. A policy that
        `inherits` needs its `parent` (another `Policy`), else every decision denies with
        `POLICY_PARENT_MISSING`.
        """
    @staticmethod
    def from_envelope(
        text: _JSONText,
        signers: Sequence[_Signer],
        *,
        parent: Optional[Policy] = None,
        expected_hash: Optional[str] = None,
        now: Optional[int] = None,
    ) -> Policy:
        """Read a signed WPC envelope (`work_policy_contract`): the core checks, in order, strict
        JSON and envelope shape, version, type, algorithms, signer DID, hash, signature, signer
        in `signers` (`did:key` strings or `VerifyingKey`s), expiry at `now` (default the
        clock), then the payload as a WPC, then `expected_hash` when given (e.g. the hash a CST
        pins). Every failure is a `PolicyError` with the core's reason code.
        """
    @property
    def hash(self) -> str:
        """`policy_hash_b64u`: base64url(SHA-256(JCS(payload))), 43 characters."""
    @property
    def policy_id(self) -> str:
        """The policy's `policy_id`."""
    @property
    def issuer_did(self) -> str:
        """The policy's `issuer_did`."""
    @property
    def version(self) -> Literal["1", "2"]:
        """`"1"` or `"2"`."""
    @property
    def inherits(self) -> Optional[str]:
        """The parent named by `inherits` (a policy id or hash), if any."""
    @property
    def signer_did(self) -> Optional[str]:
        """The DID that signed the envelope this policy came from (`None` from plain JSON)."""
    @property
    def payload(self) -> Dict[str, Any]:
        """The payload, as plain Python objects."""
    def canonical_bytes(self) -> bytes:
        """The RFC 8785 bytes the hash is computed over."""
    @property
    def requirements(self) -> Dict[str, Any]:
        """The token, evidence and run-time requirements of the policy's `claw.dev/v1` metadata."""
    def sign(
        self,
        key: SigningKey,
        *,
        issued_at_ms: Optional[int] = None,
        expires_at_ms: Optional[int] = None,
    ) -> str:
        """Sign the policy into a `work_policy_contract` envelope; returns the envelope JSON."""
    def decide(
        self,
        tool: str,
        *,
        action: Optional[str] = None,
        resource: Optional[str] = None,
        context: Optional[Dict[str, str]] = None,
        now: Optional[int] = None,
        run_started_at: Optional[int] = None,
    ) -> Decision:
        """Decide one request: may `action` (default `"tool:execute"`) be done on `resource`
        (default `tool`) now? `context` maps condition keys to strings (e.g.
        `{"Request:HasHumanApproval": "true"}`); `now` and `run_started_at` are Unix seconds.
        """

@final
class PolicyRuntime:
    """The policy in force plus incident overrides, swapped atomically."""

    def __new__(
        cls, policy: Policy, *, overrides: Union[_JSONText, Dict[str, Any], None] = None
    ) -> PolicyRuntime: ...
    def swap_policy(self, policy: Policy) -> None:
        """Put another policy in force."""
    def set_overrides(self, overrides: Union[_JSONText, Dict[str, Any], None]) -> None:
        """Replace the overrides (JSON text, a dict, or `None` for none)."""
    @property
    def policy_hash(self) -> str:
        """Hash of the policy in force."""
    def decide(
        self,
        tool: str,
        *,
        action: Optional[str] = None,
        resource: Optional[str] = None,
        context: Optional[Dict[str, str]] = None,
        now: Optional[int] = None,
        run_started_at: Optional[int] = None,
    ) -> Decision:
        """Decide under the overrides and the policy in force (same arguments as
        `Policy.decide`).
        """

def compile_policy(authoring_text: _JSONText) -> str:
    """Compile the authoring form (the glossary's policy form) into a v2 WPC; returns its
    canonical JSON text.
    """

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
    def binding(self) -> Dict[str, str]:
        """The binding the gateway must sign (`run_id`, `event_hash_b64u`, `nonce`, spans...)."""

@final
class Gateway:
    """A model gateway: an id and the key that signs its receipts."""

    def __new__(cls, gateway_id: str, key: SigningKey) -> Gateway: ...
    @property
    def did(self) -> str:
        """The signer DID (what verifiers allowlist as a gateway)."""
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
    ) -> str:
        """Sign a `gateway_receipt` for one model call bound to `pending` (from
        `Recorder.begin_model_call`); returns the envelope JSON to hand to
        `Recorder.attach_gateway_receipt`. `request`/`response` are hashed, never embedded.
        """

@final
class Checkpoint:
    """A signed checkpoint of a run's receipt log."""

    @property
    def run_id(self) -> str:
        """The run id (`run_<uuid>`)."""
    @property
    def agent_did(self) -> str:
        """The agent's did:key (who signed the run's evidence)."""
    @property
    def tree_size(self) -> int:
        """Number of receipt leaves in the checkpointed Merkle tree."""
    @property
    def root(self) -> str:
        """base64url RFC 9162 root of the receipts log."""
    @property
    def event_count(self) -> int:
        """Number of events the checkpoint covers."""
    @property
    def event_head(self) -> Optional[str]:
        """Hash of the last event the checkpoint covers (base64url)."""
    def to_json(self) -> str:
        """The signed `claw_receipt_checkpoint` envelope, canonical JSON."""

@final
class Recorder:
    """Records one run: event chain and receipts; ``finish`` signs the proof bundle."""

    def __new__(cls, agent: SigningKey, *, run_id: Optional[str] = None) -> Recorder: ...
    @property
    def run_id(self) -> str:
        """The run id (`run_<uuid>`)."""
    @property
    def agent_did(self) -> str:
        """The agent's did:key (who signed the run's evidence)."""
    def __len__(self) -> int: ...
    def record_event(
        self, event_type: str, payload: Any, *, timestamp_ms: Optional[int] = None
    ) -> Dict[str, str]:
        """Append an event of any type (its payload is hashed with JCS, not stored); returns the
        binding for receipts about it.
        """
    def record_decision(
        self, decision: Dict[str, Any], *, timestamp_ms: Optional[int] = None
    ) -> Dict[str, str]:
        """Record a policy decision (`policy_decision` event): `decision` is your record of it,
        e.g. `{"tool": ..., "decision": d.decision, "reason_code": d.reason_code,
        "statement_id": d.statement_id, "policy_hash_b64u": d.policy_hash}` (no `None`
        values: JSON `null` is refused in evidence).
        """
    def begin_model_call(
        self, provider: str, model: str, *, timestamp_ms: Optional[int] = None
    ) -> PendingModelCall:
        """Record the `llm_call` event of a model call about to go through a gateway; send the
        returned call's `binding` to the gateway, then `attach_gateway_receipt`.
        """
    def attach_gateway_receipt(self, pending: PendingModelCall, receipt: _JSONText) -> None:
        """Attach the gateway's receipt envelope (JSON text) for a pending call."""
    def attach_response_receipt(
        self, pending: PendingModelCall, response: Union[str, bytes, bytearray]
    ) -> None:
        """Attach the gateway receipt carried by a gateway response (a JSON body with
        `_receipt_envelope`, or an SSE stream ending in the `:clawproxy_receipt_envelope_b64u=`
        trailer) to a pending call."""
    def abandon_model_call(self, pending: PendingModelCall) -> None:
        """Close a pending call that produced no receipt."""
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
    ) -> str:
        """Begin, sign through `gateway` and attach, for one complete model call; returns the
        receipt id. The `llm_call` event is stamped `timestamp_ms - latency_ms`.
        """
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
    ) -> str:
        """Record a tool call (`tool_call` event + a `tool_receipt` signed by the agent; `args`
        and `result` are hashed with JCS, never embedded); returns the receipt id.
        """
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
    ) -> str:
        """Record a side effect (`effect_class`: network_egress, filesystem_write,
        external_api_write); `target`, `request` and `response` are hashed. Anchored to the
        latest model call's span. Returns the receipt id.
        """
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
    ) -> str:
        """Record a human approval or denial (`approval_type`: explicit_approve, explicit_deny,
        auto_approve, timeout_deny); `scope` (and `plan`) are hashed with JCS. Returns the
        receipt id.
        """
    def record_delegation(
        self,
        delegate_did: str,
        task_description: bytes,
        delegate_bundle_hash: str,
        *,
        delegation_policy: Optional[str] = None,
        delegated_at_ms: Optional[int] = None,
        completed_at_ms: Optional[int] = None,
    ) -> str:
        """Record a delegation to another agent; `delegate_bundle_hash` is the
        `payload_hash_b64u` of the delegate's signed proof bundle. Returns the receipt id.
        """
    def checkpoint(self, *, timestamp_ms: Optional[int] = None) -> Checkpoint:
        """Sign a checkpoint of the receipts log (every event before the first pending model call)."""
    def consistency_proof(self, old: Checkpoint, new: Checkpoint) -> str:
        """A proof (JSON text) that the log at `new` extends the log at `old` (both of this run)."""
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
    ) -> Bundle:
        """Sign the proof bundle (see `build_bundle`). The recorder cannot be used afterwards,
        even when this raises (the core's `finish` takes the run): finish only once no model
        call is pending.
        """

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
) -> Bundle:
    """Sign the proof bundle of `recorder`'s run (the same as `recorder.finish(...)`)."""

@final
class Bundle:
    """A signed proof bundle with its Merkle log."""

    def to_json(self) -> str:
        """Canonical JSON text of the signed `proof_bundle` envelope (what is written to disk)."""
    @property
    def bundle_id(self) -> Optional[str]:
        """The bundle id (`bundle_<uuid>`)."""
    @property
    def agent_did(self) -> Optional[str]:
        """The agent's did:key (who signed the run's evidence)."""
    @property
    def payload_hash(self) -> str:
        """`payload_hash_b64u` of the envelope (what a delegation receipt names)."""
    @property
    def payload(self) -> Dict[str, Any]:
        """The payload, as plain Python objects."""
    @property
    def checkpoint(self) -> Checkpoint:
        """The final checkpoint."""
    @property
    def trust_pulse(self) -> Optional[Dict[str, Any]]:
        """The Trust Pulse bound in the metadata, if one was derived."""
    def receipt_ids(self) -> List[str]:
        """Receipt ids in Merkle leaf order."""
    def receipt_proof(self, receipt_id: str) -> str:
        """A self-contained inclusion proof (JSON text) for one receipt against the checkpoint."""
    @staticmethod
    def from_verified_json(
        text: _JSONText,
        config: Union[_JSONText, Dict[str, Any], None] = None,
        gateway_signers: Optional[Sequence[_Signer]] = None,
        *,
        now: Optional[int] = None,
        causal_mode: Optional[_CausalMode] = None,
        spec_strict: Optional[bool] = None,
        trusted_log_signers: Optional[Sequence[_Signer]] = None,
        urm: Optional[Dict[str, Any]] = None,
        policy: Optional[Policy] = None,
    ) -> Bundle:
        """Verify a bundle (as `verify_bundle`) and, when VALID, rebuild its Merkle log so receipt
        proofs can be cut from it. Raises `BundleError` with the verdict's code otherwise.
        """

@final
class Verdict:
    """The verifier's answer about a proof bundle."""

    @property
    def valid(self) -> bool:
        """Whether the bundle is VALID."""
    @property
    def reason_code(self) -> str:
        """`"OK"` or the code of the first failing check."""
    @property
    def reason(self) -> str:
        """The verdict in words (for humans; branch on `reason_code`)."""
    @property
    def field(self) -> Optional[str]:
        """The JSON path at fault, when there is one."""
    @property
    def proof_tier(self) -> Literal["unknown", "self", "gateway", "sandbox"]:
        """`"unknown"`, `"self"`, `"gateway"` or `"sandbox"`."""
    @property
    def trust_tier(self) -> str:
        """The reference's trust tier: unknown, basic, verified, attested or full."""
    @property
    def verified_at(self) -> str:
        """When the verification ran (RFC 3339, UTC)."""
    @property
    def bundle_id(self) -> Optional[str]:
        """The bundle id (`bundle_<uuid>`)."""
    @property
    def agent_did(self) -> Optional[str]:
        """The agent's did:key (who signed the run's evidence)."""
    @property
    def run_id(self) -> Optional[str]:
        """The run id (`run_<uuid>`)."""
    @property
    def components(self) -> Dict[str, Dict[str, str]]:
        """`{name: {"status": "pass"|"fail"|"warn"|"skipped", "code": ..., "detail": ...}}`."""
    @property
    def counts(self) -> Dict[str, int]:
        """`{"receipts": n, "receipts_signature_verified": n, "receipts_verified": n}`."""
    def to_json(self) -> str:
        """The registry's verification result shape, as canonical JSON text."""

def verify_bundle(
    text: _JSONText,
    config: Union[_JSONText, Dict[str, Any], None] = None,
    gateway_signers: Optional[Sequence[_Signer]] = None,
    *,
    now: Optional[int] = None,
    causal_mode: Optional[_CausalMode] = None,
    spec_strict: Optional[bool] = None,
    trusted_log_signers: Optional[Sequence[_Signer]] = None,
    sig_mode: Optional[Literal["batch", "sequential"]] = None,
    threads: Optional[int] = None,
    urm: Any = None,
    policy: Optional[Policy] = None,
) -> Verdict:
    """Verify a proof bundle offline (envelope JSON, or `{"envelope": ...}`), following the
    reference verifier's order and codes plus claw's Merkle checks; never raises for a bad
    bundle: read `Verdict.valid` and `Verdict.reason_code`. The GIL is released meanwhile.

    `config`: a reference `clawverify` config (JSON text or dict) with the allowlists;
    `gateway_signers`: gateway DIDs/keys to trust in addition; `now`: Unix seconds (default the
    clock); `causal_mode`: "enforce" | "warn" | "observe"; `spec_strict`: protocol-text checks
    the reference does not make; `sig_mode`: "batch" | "sequential"; `threads`: 0 = all cores;
    `policy`: replay the tool receipts against this `Policy` (what no context could allow is a
    `POLICY_VIOLATION`).
    """
@final
class AggregateVerdict:
    """The verifier's answer about an aggregate bundle."""

    @property
    def valid(self) -> bool:
        """Whether the aggregate and every member are VALID."""
    @property
    def reason_code(self) -> str:
        """`"OK"` or the code of the first failing check."""
    @property
    def reason(self) -> str:
        """A human-readable explanation of `reason_code`."""
    @property
    def field(self) -> Optional[str]:
        """The JSON path at fault, when there is one."""
    @property
    def proof_tier(self) -> Literal["unknown", "self", "gateway", "sandbox"]:
        """The fleet's proof tier: the lowest of its members' (`"unknown"` when invalid)."""
    @property
    def verified_at(self) -> str:
        """RFC 3339 time of the verification."""
    @property
    def aggregate_id(self) -> Optional[str]:
        """The aggregate's `aggregate_id`, when it could be read."""
    @property
    def signer_did(self) -> Optional[str]:
        """The aggregate envelope's signer, when it could be read."""
    @property
    def counts(self) -> Dict[str, int]:
        """`{"members": n, "unique_agents": n, "total_runs": n}`."""
    def to_json(self) -> str:
        """The verification result (`status`, `reason_code`, `kind` "aggregate_bundle", …) as
        canonical JSON text.
        """

def verify_aggregate_bundle(
    text: _JSONText,
    config: Union[_JSONText, Dict[str, Any], None] = None,
    *,
    now: Optional[int] = None,
) -> AggregateVerdict:
    """Verify an aggregate bundle offline (its `aggregate_bundle` envelope JSON, or
    `{"envelope": ...}`): the envelope, the manifest, every member proof or export bundle under
    the same options, the cross-member rules and the fleet summary, in the reference
    verifier's order and with its codes. Never raises for a bad aggregate (text that is not
    JSON included): read `AggregateVerdict.valid` and `.reason_code`. The GIL is released
    meanwhile.

    `config`: the verifier options (JSON text or dict, docs/SPEC.md §12), as for
    `verify_bundle`; a bad one raises `InputError` (`CONFIG_ERROR`). `now`: Unix seconds
    (default the clock; the config's `verify_at` wins).
    """

@final
class CommitSignature:
    """A commit signature whose signature verified, and what it establishes."""

    @property
    def form(self) -> Literal["message_signature", "commit_proof"]:
        """`"message_signature"` or `"commit_proof"`."""
    @property
    def commit_sha(self) -> str:
        """The commit, lower-case hex (7 to 64 digits)."""
    @property
    def signer_did(self) -> str:
        """The signer's did:key."""
    @property
    def repository(self) -> Optional[str]:
        """`commit_proof` only: the repository it names."""
    @property
    def repo_claim_id(self) -> Optional[str]:
        """`commit_proof` only: the repository claim id."""
    @property
    def branch(self) -> Optional[str]:
        """`commit_proof` only: the branch, when given."""
    def to_json(self) -> str:
        """The verification result (`status` "PASS", `reason_code` "OK", `kind` "commit_sig",
        `form`, `commit_sha`, `signer_did`, …) as canonical JSON text.
        """

def verify_commit_signature(text: _JSONText) -> CommitSignature:
    """Verify a commit signature offline (JSON text, at most 64 KiB): a `message_signature` over
    `commit:<sha>` or a `commit_proof` envelope. Returns what it establishes; raises a
    `ClawError` subclass with the failed check's `reason_code` otherwise: `SignatureError`
    (`SIGNATURE_INVALID`, `UNKNOWN_VERSION`, `COMMIT_MESSAGE_INVALID`, `INVALID_DID_FORMAT`, …),
    `EnvelopeError` for a `commit_proof` envelope's own checks, `CanonicalizationError` for text
    that is not strict JSON or too large. No options: a commit signature names its own signer.
    """
def verify_receipt_proof(
    text: _JSONText,
    *,
    expected_agent: Optional[str] = None,
    gateway_signers: Optional[Sequence[_Signer]] = None,
) -> Dict[str, Any]:
    """Verify a receipt proof (`Bundle.receipt_proof`) offline; returns what it establishes.
    Raises `ClawError` subclasses with the failed check's code.
    """
def verify_checkpoint_consistency(
    text: _JSONText, *, expected_agent: Optional[str] = None
) -> Tuple[Checkpoint, Checkpoint]:
    """Verify a checkpoint consistency proof (`Recorder.consistency_proof`) offline; returns the
    two checkpoints `(old, new)`.
    """
def trust_pulse_from_bundle(
    bundle: _JSONText,
    config: Union[_JSONText, Dict[str, Any], None] = None,
    gateway_signers: Optional[Sequence[_Signer]] = None,
    *,
    now: Optional[int] = None,
    issued_at_ms: Optional[int] = None,
    causal_mode: Optional[Literal["enforce", "warn", "observe"]] = None,
    trusted_log_signers: Optional[Sequence[_Signer]] = None,
) -> Dict[str, Any]:
    """Derive a Trust Pulse (`trust_pulse.v1`, self-reported) from a bundle that verifies under
    the given trust (the same options as `verify_bundle`): tools and times; files are empty since
    bundles hold hashes only.
    """
def verify_log_inclusion_proof(
    proof: Union[_JSONText, Dict[str, Any]],
    *,
    trusted_signers: Optional[Sequence[_Signer]] = None,
    expected_leaf: Optional[str] = None,
) -> None:
    """Verify a reference transparency-log inclusion proof (`log_inclusion_proof.v1`, JSON text or
    dict): the clawlogs Merkle rule and the signed root, by one of `trusted_signers` (any
    `did:key` when empty); `expected_leaf` is the leaf hash (base64url) you recomputed.
    """

"""claw: decide what an AI agent may do, and prove what it did.

Every rule lives in the Rust core (``claw-core``); this package is its Python face. Errors are
instances of :class:`ClawError` subclasses, one per core error kind, each with the core's stable
``reason_code``.
"""

from claw._claw import (
    BundleError,
    CanonicalizationError,
    ClawError,
    Decision,
    EnvelopeError,
    InputError,
    KeyFormatError,
    KeySet,
    MerkleError,
    MerkleTree,
    Policy,
    PolicyError,
    PolicyRuntime,
    ReplayGuard,
    Revocations,
    SignatureError,
    SigningKey,
    TokenError,
    VerifiedEnvelope,
    VerifyingKey,
    __version__,
    b64u_decode,
    b64u_encode,
    clawlogs_audit_path,
    clawlogs_root,
    compile_policy,
    cst_scope_hash,
    cst_token_hash,
    issue_cst,
    jcs,
    merkle_leaf_hash,
    parse_json,
    sha256_b64u,
    sign_envelope,
    verify_clawlogs_inclusion,
    verify_consistency_proof,
    verify_cst,
    verify_envelope,
    verify_inclusion_proof,
)

__all__ = [
    # errors
    "ClawError",
    "BundleError",
    "CanonicalizationError",
    "EnvelopeError",
    "InputError",
    "KeyFormatError",
    "MerkleError",
    "PolicyError",
    "SignatureError",
    "TokenError",
    # canonical JSON and hashing
    "jcs",
    "parse_json",
    "sha256_b64u",
    "b64u_encode",
    "b64u_decode",
    # keys
    "SigningKey",
    "VerifyingKey",
    # signed envelopes
    "sign_envelope",
    "verify_envelope",
    "VerifiedEnvelope",
    # policies (WPC)
    "Policy",
    "Decision",
    "PolicyRuntime",
    "compile_policy",
    # scoped tokens (CST)
    "issue_cst",
    "verify_cst",
    "KeySet",
    "ReplayGuard",
    "Revocations",
    "cst_token_hash",
    "cst_scope_hash",
    # Merkle trees: RFC 9162, and the reference log's rule (verification of its proofs)
    "MerkleTree",
    "merkle_leaf_hash",
    "verify_inclusion_proof",
    "verify_consistency_proof",
    "clawlogs_root",
    "clawlogs_audit_path",
    "verify_clawlogs_inclusion",
    "__version__",
]

//! Ed25519 identities: signing keys, verifying keys, JWK (RFC 8037), `did:key`, thumbprints.
//!
//! * Secret keys are zeroized on drop (ed25519-dalek's `ZeroizeOnDrop`) and `Debug` never
//!   prints them.
//! * Verifying keys are refused at import when their encoding is non-canonical or the point has
//!   small order: such keys admit signatures that verify for many messages.
//! * Every signature check is [`VerifyingKey::verify`], which calls `verify_strict` (rejects
//!   non-canonical `S`, small-order `R` and the malleable cases plain `verify` accepts), or
//!   [`PrecomputedVerifyingKey::verify`], the same rules with a per-key table for many
//!   signatures by one key.

use crate::{b64, hash, json};
use ed25519_dalek::Signer;
use rand_core::CryptoRngCore;
use serde_json::Value;
use std::fmt;
use zeroize::Zeroizing;

pub(crate) mod precomputed;
pub use precomputed::PrecomputedVerifyingKey;

/// Multicodec prefix of an Ed25519 public key (0xed, varint-encoded as 0xed 0x01).
const ED25519_MULTICODEC: [u8; 2] = [0xed, 0x01];
const DID_KEY_PREFIX: &str = "did:key:z";

/// Why a key, JWK or DID was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum KeyError {
    /// The JWK is not an Ed25519 OKP key, or is malformed.
    #[error("invalid JWK: {0}")]
    InvalidJwk(String),
    /// The DID is not a `did:key` for an Ed25519 key.
    #[error("invalid did:key: {0}")]
    InvalidDid(String),
    /// The 32 bytes are not a canonical encoding of a curve point.
    #[error("public key is not a valid canonical Ed25519 point")]
    InvalidPublicKey,
    /// The key is a small-order point, which would accept forged signatures.
    #[error("public key has small order (weak key)")]
    WeakKey,
    /// A private JWK whose `x` is not the public key of its `d`.
    #[error("private JWK: x does not match the key derived from d")]
    KeyMismatch,
}

impl KeyError {
    /// Stable reason code.
    pub fn reason_code(&self) -> &'static str {
        match self {
            KeyError::InvalidJwk(_) => "INVALID_JWK",
            KeyError::InvalidDid(_) => "INVALID_DID_FORMAT",
            KeyError::InvalidPublicKey => "INVALID_PUBLIC_KEY",
            KeyError::WeakKey => "WEAK_PUBLIC_KEY",
            KeyError::KeyMismatch => "KEY_MISMATCH",
        }
    }
}

/// A signature did not verify.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SignatureError {
    /// The signature bytes are not 64 bytes of valid base64url.
    #[error("signature is malformed: {0}")]
    Malformed(&'static str),
    /// The signature does not verify under the key (strict RFC 8032 rules).
    #[error("signature does not verify")]
    Invalid,
}

impl SignatureError {
    /// Stable reason code (the reference registry's codes).
    pub fn reason_code(&self) -> &'static str {
        match self {
            SignatureError::Malformed(_) => "MALFORMED_SIGNATURE",
            SignatureError::Invalid => "SIGNATURE_INVALID",
        }
    }
}

/// An Ed25519 signing key. Zeroized on drop; never printed.
pub struct SigningKey {
    inner: ed25519_dalek::SigningKey,
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningKey")
            .field("did", &self.verifying_key().did())
            .field("secret", &"<redacted>")
            .finish()
    }
}

impl Clone for SigningKey {
    fn clone(&self) -> Self {
        SigningKey::from_seed(&self.inner.to_bytes())
    }
}

impl SigningKey {
    /// A fresh key from the caller's cryptographic RNG (the core does no I/O itself).
    pub fn generate(rng: &mut impl CryptoRngCore) -> SigningKey {
        SigningKey {
            inner: ed25519_dalek::SigningKey::generate(rng),
        }
    }

    /// The key for a 32-byte RFC 8032 seed.
    pub fn from_seed(seed: &[u8; 32]) -> SigningKey {
        SigningKey {
            inner: ed25519_dalek::SigningKey::from_bytes(seed),
        }
    }

    /// The 32-byte seed, in a buffer that is wiped when dropped.
    pub fn to_seed(&self) -> Zeroizing<[u8; 32]> {
        Zeroizing::new(self.inner.to_bytes())
    }

    /// The public half.
    pub fn verifying_key(&self) -> VerifyingKey {
        VerifyingKey {
            inner: self.inner.verifying_key(),
        }
    }

    /// Ed25519 signature over `msg` (deterministic, RFC 8032).
    pub fn sign(&self, msg: &[u8]) -> [u8; 64] {
        self.inner.sign(msg).to_bytes()
    }

    /// Read a private OKP/Ed25519 JWK (`d` and `x`); `x` must match `d`.
    pub fn from_jwk(text: &str) -> Result<SigningKey, KeyError> {
        let jwk = Jwk::parse(text)?;
        let d = jwk
            .d
            .as_deref()
            .ok_or_else(|| KeyError::InvalidJwk("missing private member d".into()))?;
        let seed = Zeroizing::new(
            b64::decode_array::<32>(d)
                .map_err(|_| KeyError::InvalidJwk("d must be 32 bytes of base64url".into()))?,
        );
        let key = SigningKey::from_seed(&seed);
        let x = b64::decode_array::<32>(&jwk.x)
            .map_err(|_| KeyError::InvalidJwk("x must be 32 bytes of base64url".into()))?;
        // Constant time: d is secret and x is derived from it.
        if !bool::from(subtle::ConstantTimeEq::ct_eq(
            &x[..],
            &key.verifying_key().to_bytes()[..],
        )) {
            return Err(KeyError::KeyMismatch);
        }
        Ok(key)
    }

    /// The private JWK `{"crv","d","kty","x"}` in canonical member order, in a buffer that is
    /// wiped when dropped.
    pub fn to_jwk(&self) -> Zeroizing<String> {
        let seed = self.to_seed();
        let d = Zeroizing::new(b64::encode(&seed[..]));
        Zeroizing::new(format!(
            r#"{{"crv":"Ed25519","d":"{}","kty":"OKP","x":"{}"}}"#,
            d.as_str(),
            b64::encode(self.verifying_key().to_bytes())
        ))
    }
}

/// An Ed25519 public key that passed the canonical-encoding and small-order checks.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct VerifyingKey {
    inner: ed25519_dalek::VerifyingKey,
}

impl fmt::Debug for VerifyingKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "VerifyingKey({})", self.did())
    }
}

/// Whether a point encoding that decompresses is the one its point re-compresses to, without
/// the field inversion of re-compressing: `y < p = 2^255 − 19`, and the sign bit clear when
/// `x = 0` (only for `y = ±1`; decompression otherwise matched `x`'s sign to the bit).
pub(crate) fn canonical_point_encoding(enc: &[u8; 32]) -> bool {
    let sign = enc[31] & 0x80 != 0;
    let mut y = *enc;
    y[31] &= 0x7f;
    // y ≥ p iff bytes 1..=30 are 0xff, byte 31 is 0x7f and byte 0 ≥ 0xed.
    let high_ones = y[31] == 0x7f && y[1..31].iter().all(|b| *b == 0xff);
    if high_ones && y[0] >= 0xed {
        return false;
    }
    let y_is_one = y[0] == 1 && y[1..].iter().all(|b| *b == 0);
    let y_is_minus_one = high_ones && y[0] == 0xec;
    !(sign && (y_is_one || y_is_minus_one))
}

impl VerifyingKey {
    /// Import 32 raw bytes, refusing non-canonical encodings and small-order points.
    pub fn from_bytes(bytes: &[u8; 32]) -> Result<VerifyingKey, KeyError> {
        let inner = ed25519_dalek::VerifyingKey::from_bytes(bytes)
            .map_err(|_| KeyError::InvalidPublicKey)?;
        // dalek decompresses non-canonical y (>= p) silently; refuse what would not re-encode
        // to the same bytes.
        if !canonical_point_encoding(bytes) {
            return Err(KeyError::InvalidPublicKey);
        }
        if inner.is_weak() {
            return Err(KeyError::WeakKey);
        }
        Ok(VerifyingKey { inner })
    }

    /// The 32-byte encoding.
    pub fn to_bytes(&self) -> [u8; 32] {
        self.inner.to_bytes()
    }

    /// Verify `sig` over `msg` with strict RFC 8032 rules (`verify_strict`): a signature with
    /// `S >= L`, a small-order `R`, or a small-order key never verifies, so signatures are
    /// not malleable and one signature binds one message.
    pub fn verify(&self, msg: &[u8], sig: &[u8]) -> Result<(), SignatureError> {
        let sig: [u8; 64] = sig
            .try_into()
            .map_err(|_| SignatureError::Malformed("signature must be 64 bytes"))?;
        let sig = ed25519_dalek::Signature::from_bytes(&sig);
        self.inner
            .verify_strict(msg, &sig)
            .map_err(|_| SignatureError::Invalid)
    }

    /// Verify a base64url signature (strict decoding: one spelling per signature).
    pub fn verify_b64u(&self, msg: &[u8], sig_b64u: &str) -> Result<(), SignatureError> {
        let sig = b64::decode(sig_b64u)
            .map_err(|_| SignatureError::Malformed("signature is not strict base64url"))?;
        self.verify(msg, &sig)
    }

    /// The dalek key (its decoded point seeds [`PrecomputedVerifyingKey`]).
    pub(crate) fn dalek(&self) -> &ed25519_dalek::VerifyingKey {
        &self.inner
    }

    /// `did:key:z…`: multibase base58btc of multicodec 0xed01 followed by the key.
    pub fn did(&self) -> String {
        let mut buf = Vec::with_capacity(34);
        buf.extend_from_slice(&ED25519_MULTICODEC);
        buf.extend_from_slice(&self.to_bytes());
        format!("{DID_KEY_PREFIX}{}", bs58::encode(buf).into_string())
    }

    /// Parse a `did:key` for an Ed25519 key (a trailing `#fragment` equal to the key id is
    /// accepted, anything else is refused).
    pub fn from_did(did: &str) -> Result<VerifyingKey, KeyError> {
        let bad = |m: &str| KeyError::InvalidDid(m.to_string());
        if did.len() > 128 {
            return Err(bad("too long"));
        }
        let rest = did
            .strip_prefix(DID_KEY_PREFIX)
            .ok_or_else(|| bad("must start with did:key:z"))?;
        let (ident, fragment) = match rest.split_once('#') {
            Some((i, f)) => (i, Some(f)),
            None => (rest, None),
        };
        if let Some(f) = fragment {
            if f.strip_prefix('z') != Some(ident) {
                return Err(bad("fragment does not name the same key"));
            }
        }
        let raw = bs58::decode(ident)
            .into_vec()
            .map_err(|_| bad("not base58btc"))?;
        if raw.len() != 34 || raw[..2] != ED25519_MULTICODEC {
            return Err(bad("not an Ed25519 multicodec key (0xed01 + 32 bytes)"));
        }
        let mut key = [0u8; 32];
        key.copy_from_slice(&raw[2..]);
        VerifyingKey::from_bytes(&key)
    }

    /// Read a public OKP/Ed25519 JWK. A private JWK (with `d`) is refused here, so a secret
    /// never travels through a slot meant for public keys.
    pub fn from_jwk(text: &str) -> Result<VerifyingKey, KeyError> {
        let jwk = Jwk::parse(text)?;
        jwk.verifying_key()
    }

    /// Read a key from a parsed JWK object (used for JWKS entries).
    pub fn from_jwk_value(v: &Value) -> Result<(VerifyingKey, Option<String>), KeyError> {
        let jwk = Jwk::from_value(v)?;
        Ok((jwk.verifying_key()?, jwk.kid.clone()))
    }

    /// The public JWK `{"crv":"Ed25519","kty":"OKP","x":…}` in canonical member order.
    pub fn to_jwk(&self) -> String {
        format!(
            r#"{{"crv":"Ed25519","kty":"OKP","x":"{}"}}"#,
            b64::encode(self.to_bytes())
        )
    }

    /// RFC 7638 JWK thumbprint (SHA-256, base64url).
    pub fn jwk_thumbprint(&self) -> String {
        // to_jwk() is already the RFC 7638 input: required members only, sorted, no spaces.
        hash::sha256_b64u(self.to_jwk())
    }

    /// The reference implementation's key id: the first 16 hex characters of SHA-256 of the
    /// raw public key.
    pub fn reference_kid(&self) -> String {
        let digest = hash::sha256(self.to_bytes());
        digest[..8].iter().map(|b| format!("{b:02x}")).collect()
    }
}

/// The members of an OKP JWK we read. Other registered members are accepted with checks;
/// unknown members are refused so a typo never silently changes meaning.
struct Jwk {
    x: String,
    d: Option<String>,
    kid: Option<String>,
}

impl Jwk {
    fn parse(text: &str) -> Result<Jwk, KeyError> {
        let v = json::parse(
            text.as_bytes(),
            &json::Limits::STRICT.with_max_bytes(64 * 1024),
        )
        .map_err(|e| KeyError::InvalidJwk(e.to_string()))?;
        Jwk::from_value(&v)
    }

    fn from_value(v: &Value) -> Result<Jwk, KeyError> {
        let bad = |m: String| KeyError::InvalidJwk(m);
        let obj = v
            .as_object()
            .ok_or_else(|| bad("a JWK must be a JSON object".into()))?;
        let mut x = None;
        let mut d = None;
        let mut kid = None;
        let (mut kty, mut crv) = (None, None);
        for (k, val) in obj {
            let s = || {
                val.as_str()
                    .ok_or_else(|| bad(format!("member {k} must be a string")))
            };
            match k.as_str() {
                "kty" => kty = Some(s()?),
                "crv" => crv = Some(s()?),
                "x" => x = Some(s()?.to_string()),
                "d" => d = Some(s()?.to_string()),
                "kid" => kid = Some(s()?.to_string()),
                "alg" => {
                    if !matches!(s()?, "EdDSA" | "Ed25519") {
                        return Err(bad("alg must be EdDSA or Ed25519".into()));
                    }
                }
                "use" => {
                    if s()? != "sig" {
                        return Err(bad("use must be sig".into()));
                    }
                }
                "key_ops" => {
                    let ops = val
                        .as_array()
                        .ok_or_else(|| bad("key_ops must be an array".into()))?;
                    if !ops
                        .iter()
                        .all(|o| matches!(o.as_str(), Some("sign" | "verify")))
                    {
                        return Err(bad("key_ops may only hold sign and verify".into()));
                    }
                }
                "ext" => {
                    if !val.is_boolean() {
                        return Err(bad("ext must be a boolean".into()));
                    }
                }
                other => return Err(bad(format!("unknown member {other:?}"))),
            }
        }
        if kty != Some("OKP") {
            return Err(bad("kty must be OKP".into()));
        }
        if crv != Some("Ed25519") {
            return Err(bad("crv must be Ed25519".into()));
        }
        let x = x.ok_or_else(|| bad("missing member x".into()))?;
        Ok(Jwk { x, d, kid })
    }

    fn verifying_key(&self) -> Result<VerifyingKey, KeyError> {
        if self.d.is_some() {
            return Err(KeyError::InvalidJwk(
                "a private JWK (with d) was given where a public key is expected".into(),
            ));
        }
        let x = b64::decode_array::<32>(&self.x)
            .map_err(|_| KeyError::InvalidJwk("x must be 32 bytes of base64url".into()))?;
        VerifyingKey::from_bytes(&x)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_prints_the_secret() {
        let k = SigningKey::from_seed(&[7u8; 32]);
        let dbg = format!("{k:?}");
        assert!(dbg.contains("redacted"));
        assert!(!dbg.contains(&b64::encode([7u8; 32])));
    }

    #[test]
    fn did_round_trip_and_refusals() {
        let k = SigningKey::from_seed(&[1u8; 32]).verifying_key();
        let did = k.did();
        assert!(did.starts_with("did:key:z6Mk"));
        assert_eq!(VerifyingKey::from_did(&did).unwrap(), k);
        let frag = format!("{did}#{}", &did["did:key:".len()..]);
        assert_eq!(VerifyingKey::from_did(&frag).unwrap(), k);
        for bad in [
            "did:web:x",
            "did:key:z",
            "did:key:zzzz",
            "did:key:z6Mk0OIl",
            &format!("{did}#x"),
        ] {
            assert_eq!(
                VerifyingKey::from_did(bad).unwrap_err().reason_code(),
                "INVALID_DID_FORMAT",
                "{bad}"
            );
        }
    }

    #[test]
    fn jwk_round_trip_and_refusals() {
        let sk = SigningKey::from_seed(&[2u8; 32]);
        let back = SigningKey::from_jwk(&sk.to_jwk()).unwrap();
        assert_eq!(back.verifying_key(), sk.verifying_key());
        let pk = VerifyingKey::from_jwk(&sk.verifying_key().to_jwk()).unwrap();
        assert_eq!(pk, sk.verifying_key());
        assert!(
            VerifyingKey::from_jwk(&sk.to_jwk()).is_err(),
            "private JWK as public"
        );
        let x = b64::encode(sk.verifying_key().to_bytes());
        for bad in [
            format!(r#"{{"kty":"EC","crv":"Ed25519","x":"{x}"}}"#),
            format!(r#"{{"kty":"OKP","crv":"X25519","x":"{x}"}}"#),
            format!(r#"{{"kty":"OKP","crv":"Ed25519","x":"{x}","x":"{x}"}}"#),
            format!(r#"{{"kty":"OKP","crv":"Ed25519","x":"{x}","alg":"HS256"}}"#),
            format!(r#"{{"kty":"OKP","crv":"Ed25519","x":"{x}","foo":1}}"#),
            format!(r#"{{"kty":"OKP","crv":"Ed25519","x":"{x}="}}"#),
            r#"{"kty":"OKP","crv":"Ed25519"}"#.to_string(),
        ] {
            assert!(VerifyingKey::from_jwk(&bad).is_err(), "{bad}");
        }
        // d/x mismatch
        let other = SigningKey::from_seed(&[3u8; 32]);
        let mixed = format!(
            r#"{{"kty":"OKP","crv":"Ed25519","d":"{}","x":"{x}"}}"#,
            b64::encode(&other.to_seed()[..])
        );
        assert_eq!(
            SigningKey::from_jwk(&mixed).unwrap_err(),
            KeyError::KeyMismatch
        );
    }

    #[test]
    fn weak_and_noncanonical_keys_refused() {
        // The identity point (small order) and a non-canonical encoding of it (y = p + 1).
        let mut identity = [0u8; 32];
        identity[0] = 1;
        assert_eq!(
            VerifyingKey::from_bytes(&identity).unwrap_err(),
            KeyError::WeakKey
        );
        let mut noncanon = [0xffu8; 32];
        noncanon[0] = 0xee;
        noncanon[31] = 0x7f;
        assert!(VerifyingKey::from_bytes(&noncanon).is_err());
    }

    #[test]
    fn sign_verify_and_bit_flips() {
        let sk = SigningKey::from_seed(&[9u8; 32]);
        let pk = sk.verifying_key();
        let sig = sk.sign(b"hello");
        pk.verify(b"hello", &sig).unwrap();
        for bit in 0..512 {
            let mut s = sig;
            s[bit / 8] ^= 1 << (bit % 8);
            assert!(pk.verify(b"hello", &s).is_err(), "bit {bit}");
        }
        assert!(pk.verify(b"hellp", &sig).is_err());
        assert!(pk.verify(b"hello", &sig[..63]).is_err());
    }
}

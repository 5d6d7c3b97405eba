//! The JWS compact layer (RFC 7515) for Ed25519 only: segment split, strict base64url,
//! header rules, signature check. The CST layer ([`super::validate`]) adds `typ`, `kid` and
//! the claims on top; this layer on its own verifies any EdDSA compact JWS (for example the
//! RFC 8037 Appendix A example, which is not a JWT).

use super::error::{quoted, TokenError};
use crate::keys::VerifyingKey;
use crate::{b64, json};
use serde_json::{Map, Value};

/// Default bound on a whole compact token, in bytes.
pub const DEFAULT_MAX_TOKEN_BYTES: usize = 8 * 1024;

/// Bound on the decoded protected header, in bytes.
pub const MAX_HEADER_BYTES: usize = 1024;

/// Header members that are refused whatever their value: they would let the token choose
/// its own key or certificate chain (`jwk`, `jku`, `x5u`, `x5c`), or demand processing
/// this verifier does not implement (`crit`, RFC 7515 §4.1.11; `b64`, RFC 7797; `zip`).
pub const FORBIDDEN_HEADER_MEMBERS: [&str; 9] = [
    "crit", "jwk", "jku", "x5u", "x5c", "x5t", "x5t#S256", "b64", "zip",
];

/// A compact JWS split into its parts; nothing here is verified yet.
#[derive(Debug)]
pub(crate) struct Compact<'a> {
    /// `BASE64URL(header) || '.' || BASE64URL(payload)`: the bytes that are signed.
    pub signing_input: &'a [u8],
    /// The payload segment (still base64url).
    pub payload_b64: &'a str,
    /// The decoded header JSON object.
    pub header: Map<String, Value>,
    /// The signature segment (still base64url; decoded by [`Compact::signature`] after the
    /// header rules, so `alg:none` or an HMAC tag is reported as an algorithm problem).
    pub signature_b64: &'a str,
}

impl Compact<'_> {
    /// The 64-byte Ed25519 signature (strict base64url).
    pub fn signature(&self) -> Result<[u8; 64], TokenError> {
        b64::decode_array::<64>(self.signature_b64).map_err(|_| {
            TokenError::Malformed("signature segment: not 64 bytes of strict base64url".into())
        })
    }
}

/// Split `token` into three strict base64url segments and parse the header.
pub(crate) fn split(token: &str, max_bytes: usize) -> Result<Compact<'_>, TokenError> {
    if token.len() > max_bytes {
        return Err(TokenError::TooLarge {
            size: token.len(),
            limit: max_bytes,
        });
    }
    let mut parts = token.splitn(4, '.');
    let (Some(h), Some(p), Some(s), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(TokenError::Malformed(
            "a compact JWS has exactly three dot-separated segments".into(),
        ));
    };
    if h.is_empty() || p.is_empty() {
        return Err(TokenError::Malformed(
            "empty header or payload segment".into(),
        ));
    }
    // Validate the payload's and signature's base64url alphabet now (cheap, no decoding)
    // so every segment obeys the same strict rules before any cryptography runs.
    if !is_strict_b64u(s) {
        return Err(TokenError::Malformed(
            "signature segment: not strict base64url".into(),
        ));
    }
    if !is_strict_b64u(p) {
        return Err(TokenError::Malformed(
            "payload segment: not strict base64url".into(),
        ));
    }
    let header_bytes =
        b64::decode(h).map_err(|e| TokenError::Malformed(format!("header segment: {e}")))?;
    let limits = json::Limits {
        max_bytes: MAX_HEADER_BYTES,
        max_depth: 4,
        exact_integers: true,
    };
    let header = match json::parse(&header_bytes, &limits) {
        Ok(Value::Object(m)) => m,
        Ok(_) => return Err(TokenError::Malformed("header is not a JSON object".into())),
        Err(e) => return Err(TokenError::Malformed(format!("header: {e}"))),
    };
    // h and p are subslices of token; the signing input is token up to the second dot.
    let signing_input = &token.as_bytes()[..h.len() + 1 + p.len()];
    Ok(Compact {
        signing_input,
        payload_b64: p,
        header,
        signature_b64: s,
    })
}

fn is_strict_b64u(s: &str) -> bool {
    s.len() % 4 != 1 && s.bytes().all(is_b64u_byte) && canonical_tail(s)
}

fn is_b64u_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'-' || b == b'_'
}

/// Whether the unused low bits of the last character are zero (one spelling per byte string).
fn canonical_tail(s: &str) -> bool {
    let Some(&last) = s.as_bytes().last() else {
        return true;
    };
    let v = match last {
        b'A'..=b'Z' => last - b'A',
        b'a'..=b'z' => last - b'a' + 26,
        b'0'..=b'9' => last - b'0' + 52,
        b'-' => 62,
        _ => 63,
    };
    match s.len() % 4 {
        2 => v & 0x0f == 0,
        3 => v & 0x03 == 0,
        _ => true,
    }
}

/// What the header said, after the header rules passed.
#[derive(Debug)]
pub(crate) struct HeaderInfo<'a> {
    pub kid: Option<&'a str>,
}

/// Apply the header rules. Order (first failure wins, independent of member order):
/// `alg` (TOKEN_UNSUPPORTED_ALG), forbidden and unknown members (TOKEN_HEADER_FORBIDDEN),
/// `typ` (TOKEN_TYP_INVALID, only when `require_typ`), `kid` type (TOKEN_MALFORMED).
pub(crate) fn check_header(
    header: &Map<String, Value>,
    require_typ: bool,
) -> Result<HeaderInfo<'_>, TokenError> {
    let mut alg = None;
    let mut typ = None;
    let mut kid = None;
    let mut forbidden: Option<&str> = None;
    let mut unknown: Option<&str> = None;
    for (k, v) in header {
        match k.as_str() {
            "alg" => alg = Some(v),
            "typ" => typ = Some(v),
            "kid" => kid = Some(v),
            m if FORBIDDEN_HEADER_MEMBERS.contains(&m) => {
                forbidden.get_or_insert(m);
            }
            m => {
                unknown.get_or_insert(m);
            }
        }
    }
    match alg {
        Some(Value::String(a)) if a == "EdDSA" || a == "Ed25519" => {}
        Some(Value::String(a)) => return Err(TokenError::UnsupportedAlg(quoted(a))),
        Some(_) => return Err(TokenError::UnsupportedAlg("(not a string)".into())),
        None => return Err(TokenError::UnsupportedAlg("(missing)".into())),
    }
    if let Some(m) = forbidden.or(unknown) {
        return Err(TokenError::ForbiddenHeader(quoted(m)));
    }
    if require_typ {
        match typ {
            Some(Value::String(t)) if is_jwt_typ(t) => {}
            Some(Value::String(t)) => return Err(TokenError::BadType(quoted(t))),
            Some(_) => return Err(TokenError::BadType("(not a string)".into())),
            None => return Err(TokenError::BadType("(missing)".into())),
        }
    } else if let Some(t) = typ {
        if !t.is_string() {
            return Err(TokenError::BadType("(not a string)".into()));
        }
    }
    let kid = match kid {
        None => None,
        Some(Value::String(s)) => Some(s.as_str()),
        Some(_) => return Err(TokenError::Malformed("header kid is not a string".into())),
    };
    Ok(HeaderInfo { kid })
}

/// `typ` values accepted for a CST: `JWT` (RFC 7519 §5.1) or its full media type
/// `application/jwt`, compared ASCII case-insensitively as media types are (RFC 7515 §4.1.9).
pub fn is_jwt_typ(t: &str) -> bool {
    t.eq_ignore_ascii_case("JWT") || t.eq_ignore_ascii_case("application/jwt")
}

/// Verify an Ed25519 compact JWS under `key` and return its decoded payload.
///
/// The rules are the CST rules without the JWT parts: at most [`DEFAULT_MAX_TOKEN_BYTES`],
/// exactly three strict base64url segments, a JSON object header with `alg` `EdDSA` or
/// `Ed25519`, no member of [`FORBIDDEN_HEADER_MEMBERS`], no members other than `alg`, `typ`
/// and `kid` (`typ` optional here), then `verify_strict` over the signing input.
pub fn verify_compact(token: &str, key: &VerifyingKey) -> Result<Vec<u8>, TokenError> {
    let c = split(token, DEFAULT_MAX_TOKEN_BYTES)?;
    check_header(&c.header, false)?;
    key.verify(c.signing_input, &c.signature()?)
        .map_err(|_| TokenError::SignatureInvalid)?;
    b64::decode(c.payload_b64).map_err(|e| TokenError::Malformed(format!("payload segment: {e}")))
}

/// Build a compact JWS: `header_json` and `payload_json` are written as given (the caller
/// decides member order), signed with Ed25519.
pub(crate) fn sign_compact(
    key: &crate::keys::SigningKey,
    header_json: &[u8],
    payload_json: &[u8],
) -> String {
    let mut out = b64::encode(header_json);
    out.push('.');
    out.push_str(&b64::encode(payload_json));
    let sig = key.sign(out.as_bytes());
    out.push('.');
    out.push_str(&b64::encode(sig));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_tail_matches_the_strict_decoder() {
        for s in ["AQ", "AR", "AAE", "AAF", "AAAA", "_w", "_x", "-_8", "-_9"] {
            assert_eq!(canonical_tail(s), b64::decode(s).is_ok(), "{s}");
        }
    }

    #[test]
    fn segment_rules() {
        let sig = b64::encode([0u8; 64]);
        let h = b64::encode(br#"{"alg":"EdDSA"}"#);
        assert!(split(&format!("{h}.e30.{sig}"), 8192).is_ok());
        for bad in [
            format!("{h}.e30"),
            format!("{h}.e30.{sig}."),
            format!("{h}..{sig}"),
            format!(".e30.{sig}"),
            format!("{h}.e30=.{sig}"),
            format!("{h}.e31.{sig}"),
            format!("{h}.e30.{sig}="),
            format!("{h}=.e30.{sig}"),
            format!("{h} .e30.{sig}"),
        ] {
            assert_eq!(
                split(&bad, 8192).unwrap_err().reason_code(),
                "TOKEN_MALFORMED",
                "{bad}"
            );
        }
        let short = format!("{h}.e30.{}", b64::encode([0u8; 63]));
        assert!(split(&short, 8192).unwrap().signature().is_err());
        let big = format!("{h}.{}.{sig}", "A".repeat(9000));
        assert!(matches!(
            split(&big, 8192).unwrap_err(),
            TokenError::TooLarge { .. }
        ));
    }
}

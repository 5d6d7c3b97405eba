//! Canonical JSON computed once: a value kept together with its RFC 8785 bytes and their
//! SHA-256, so that a value hashed, signed over and logged (a tool call's arguments and
//! result) is serialized once, not once per use; and `JcsObject`, which writes an object
//! whose members are known in advance in canonical order, splicing in bytes that are already
//! canonical (docs/SPEC.md §6.6, §10.7).

use crate::json::{self, JsonError, KeyOrder, MAX_SAFE_INTEGER};
use crate::{b64, hash};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;

/// A JSON value with its RFC 8785 bytes and their SHA-256 (base64url), computed when it is
/// made. The bytes are always those of the value: there is no way to pair a value with
/// other bytes.
#[derive(Debug, Clone)]
pub struct Canonical {
    value: Value,
    bytes: Vec<u8>,
    hash_b64u: String,
}

impl Canonical {
    /// Canonicalize `value` (fails as [`json::canonicalize`] does: numbers outside I-JSON,
    /// nesting too deep).
    pub fn new(value: Value) -> Result<Canonical, JsonError> {
        let bytes = json::canonicalize(&value)?;
        let hash_b64u = b64::encode(hash::sha256(&bytes));
        Ok(Canonical {
            value,
            bytes,
            hash_b64u,
        })
    }

    /// The value.
    pub fn value(&self) -> &Value {
        &self.value
    }

    /// Its RFC 8785 bytes.
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// SHA-256 of [`Canonical::bytes`], base64url without padding.
    pub fn hash_b64u(&self) -> &str {
        &self.hash_b64u
    }

    /// The value, giving up the bytes.
    pub fn into_value(self) -> Value {
        self.value
    }
}

impl PartialEq for Canonical {
    fn eq(&self, other: &Canonical) -> bool {
        // Equal values have equal canonical bytes and the other way round.
        self.bytes == other.bytes
    }
}

impl Serialize for Canonical {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.value.serialize(s)
    }
}

impl<'de> Deserialize<'de> for Canonical {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Canonical, D::Error> {
        let v = Value::deserialize(d)?;
        Canonical::new(v).map_err(serde::de::Error::custom)
    }
}

/// Writes one JSON object in RFC 8785 form from members given in canonical order (every key
/// ASCII, each greater than the one before: then byte order is the UTF-16 order RFC 8785
/// sorts by). Callers are tested against [`json::canonicalize`] of the same object.
pub(crate) struct JcsObject {
    out: Vec<u8>,
    last: Option<&'static str>,
}

impl JcsObject {
    /// Start an object, reserving about `capacity` bytes.
    pub(crate) fn with_capacity(capacity: usize) -> JcsObject {
        let mut out = Vec::with_capacity(capacity);
        out.push(b'{');
        JcsObject { out, last: None }
    }

    fn key(&mut self, key: &'static str) {
        debug_assert!(key.is_ascii() && self.last.is_none_or(|l| l < key));
        if self.last.is_some() {
            self.out.push(b',');
        }
        self.last = Some(key);
        json::write_string(&mut self.out, key);
        self.out.push(b':');
    }

    /// A member whose value is already RFC 8785 bytes.
    pub(crate) fn raw(&mut self, key: &'static str, canonical: &[u8]) {
        self.key(key);
        self.out.extend_from_slice(canonical);
    }

    /// A string member.
    pub(crate) fn str(&mut self, key: &'static str, s: &str) {
        self.key(key);
        json::write_string(&mut self.out, s);
    }

    /// An integer member (within ±(2^53 − 1), as I-JSON requires).
    pub(crate) fn int(&mut self, key: &'static str, n: i64) -> Result<(), JsonError> {
        if n.unsigned_abs() > MAX_SAFE_INTEGER {
            return Err(JsonError::InexactInteger { path: key.into() });
        }
        self.key(key);
        self.out.extend_from_slice(n.to_string().as_bytes());
        Ok(())
    }

    /// An unsigned integer member (at most 2^53 − 1).
    pub(crate) fn uint(&mut self, key: &'static str, n: u64) -> Result<(), JsonError> {
        if n > MAX_SAFE_INTEGER {
            return Err(JsonError::InexactInteger { path: key.into() });
        }
        self.key(key);
        self.out.extend_from_slice(n.to_string().as_bytes());
        Ok(())
    }

    /// Any value, canonicalized here.
    pub(crate) fn value(&mut self, key: &'static str, v: &Value) -> Result<(), JsonError> {
        self.key(key);
        json::serialize_into(&mut self.out, v, KeyOrder::Jcs)
    }

    /// Close the object and return its bytes.
    pub(crate) fn finish(mut self) -> Vec<u8> {
        self.out.push(b'}');
        self.out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn canonical_keeps_bytes_and_hash_of_its_value() {
        let v = json!({"b": [1, 2.5, "é\u{1}"], "a": {"z": null, "y": true}});
        let c = Canonical::new(v.clone()).unwrap();
        assert_eq!(c.bytes(), json::canonicalize(&v).unwrap());
        assert_eq!(
            c.hash_b64u(),
            hash::sha256_b64u(json::canonicalize(&v).unwrap())
        );
        assert_eq!(c.value(), &v);
        // Serialized as the plain value; read back, recomputed.
        let back: Canonical = serde_json::from_value(serde_json::to_value(&c).unwrap()).unwrap();
        assert_eq!(back, c);
        assert_eq!(back.bytes(), c.bytes());
        // A value outside I-JSON is refused when read, as when canonicalized.
        assert!(serde_json::from_value::<Canonical>(json!(9_007_199_254_740_993u64)).is_err());
    }

    #[test]
    fn jcs_object_matches_canonicalize() {
        let mut o = JcsObject::with_capacity(16);
        o.raw(
            "a",
            &json::canonicalize(&json!({"y": 1, "x": [true]})).unwrap(),
        );
        o.int("at", -5).unwrap();
        o.str("s", "q\"\n\u{7f}é");
        o.uint("u", 42).unwrap();
        o.value("v", &json!({"k": 1e21, "j": "x"})).unwrap();
        let want = json!({"a": {"y": 1, "x": [true]}, "at": -5, "s": "q\"\n\u{7f}é", "u": 42,
                          "v": {"k": 1e21, "j": "x"}});
        assert_eq!(o.finish(), json::canonicalize(&want).unwrap());
        let mut o = JcsObject::with_capacity(0);
        assert!(o.uint("n", MAX_SAFE_INTEGER + 1).is_err());
        assert!(o.int("n", -(MAX_SAFE_INTEGER as i64) - 1).is_err());
        assert_eq!(JcsObject::with_capacity(0).finish(), b"{}");
    }
}

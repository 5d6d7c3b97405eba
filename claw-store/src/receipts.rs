//! Request nonces and their receipts, so any instance answers for a nonce another one saw
//! (`docs/SPEC.md §9.5`).

use crate::RedisState;
use claw_core::cst::StateError;
use redis::{Script, Value};
use std::sync::LazyLock;
use std::time::Duration;

/// Bound on a stored receipt, in bytes.
pub const MAX_RECEIPT_BYTES: usize = 1 << 20;

/// What the store knows about a nonce.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NonceState {
    /// First sight: this caller reserved the nonce and must forward the request, then
    /// [`RedisState::complete_nonce`].
    Reserved,
    /// Another instance reserved it and has not stored a receipt yet.
    Pending,
    /// The receipt stored for it.
    Done(Vec<u8>),
}

/// KEYS: nonce key. ARGV: ttl ms. {1} when reserved now, {0, value} otherwise.
static RESERVE: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
if redis.call('SET', KEYS[1], 'P', 'NX', 'PX', ARGV[1]) then return {1} end
return {0, redis.call('GET', KEYS[1])}
",
    )
});

fn decode(v: &Value) -> Result<Option<NonceState>, StateError> {
    match v {
        Value::Nil => Ok(None),
        Value::BulkString(b) => match b.split_first() {
            Some((b'P', [])) => Ok(Some(NonceState::Pending)),
            Some((b'R', rest)) if rest.len() <= MAX_RECEIPT_BYTES => {
                Ok(Some(NonceState::Done(rest.to_vec())))
            }
            _ => Err(StateError::Corrupt(
                "nonce record is not P or R<receipt>".into(),
            )),
        },
        _ => Err(StateError::Corrupt("nonce record is not a string".into())),
    }
}

fn ms(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX).max(1)
}

impl RedisState {
    /// Reserve `nonce` for `ttl` (one atomic round trip). Only the caller that gets
    /// [`NonceState::Reserved`] may forward the request.
    pub fn reserve_nonce(&self, nonce: &[u8], ttl: Duration) -> Result<NonceState, StateError> {
        let key = self.inner.keys.nonce(nonce);
        let reply: Value = self
            .inner
            .pool
            .with(|c| RESERVE.key(&key).arg(ms(ttl)).invoke(c))?;
        let Value::Array(parts) = reply else {
            return Err(StateError::Corrupt("reserve reply is not an array".into()));
        };
        match parts.as_slice() {
            [Value::Int(1)] => Ok(NonceState::Reserved),
            [Value::Int(0), v] => Ok(decode(v)?.unwrap_or(NonceState::Pending)),
            _ => Err(StateError::Corrupt(
                "reserve reply has the wrong shape".into(),
            )),
        }
    }

    /// Store the receipt of a reserved nonce, kept for `ttl`.
    pub fn complete_nonce(
        &self,
        nonce: &[u8],
        receipt: &[u8],
        ttl: Duration,
    ) -> Result<(), StateError> {
        if receipt.len() > MAX_RECEIPT_BYTES {
            return Err(StateError::Invalid(format!(
                "receipt is {} bytes, above {MAX_RECEIPT_BYTES}",
                receipt.len()
            )));
        }
        let key = self.inner.keys.nonce(nonce);
        let mut value = Vec::with_capacity(receipt.len() + 1);
        value.push(b'R');
        value.extend_from_slice(receipt);
        let reply: Value = self.inner.pool.with(|c| {
            redis::cmd("SET")
                .arg(&key)
                .arg(&value)
                .arg("PX")
                .arg(ms(ttl))
                .query(c)
        })?;
        match reply {
            Value::Okay => Ok(()),
            Value::SimpleString(s) if s == "OK" => Ok(()),
            _ => Err(StateError::Corrupt("unexpected reply to SET".into())),
        }
    }

    /// What the store holds for `nonce` (`None`: never seen, or expired).
    pub fn nonce_state(&self, nonce: &[u8]) -> Result<Option<NonceState>, StateError> {
        let key = self.inner.keys.nonce(nonce);
        let reply: Value = self
            .inner
            .pool
            .with(|c| redis::cmd("GET").arg(&key).query(c))?;
        decode(&reply)
    }

    /// The stored receipt for `nonce`, if any.
    pub fn receipt(&self, nonce: &[u8]) -> Result<Option<Vec<u8>>, StateError> {
        Ok(match self.nonce_state(nonce)? {
            Some(NonceState::Done(r)) => Some(r),
            _ => None,
        })
    }
}

//! The replay guard: one `SET key 1 NX PX ttl` per use (`docs/SPEC.md §9.3`).

use crate::pool::Conn;
use crate::RedisState;
use claw_core::cst::{ReplayError, ReplayGuard, ReplayUse, StateError};
use redis::Value;

impl RedisState {
    fn ttl_ms(&self, expires_at: i64, now: i64) -> u64 {
        let margin = i64::try_from(self.inner.cfg.replay_margin.as_millis()).unwrap_or(i64::MAX);
        expires_at
            .saturating_sub(now)
            .saturating_mul(1000)
            .saturating_add(margin)
            .max(1)
            .unsigned_abs()
    }

    fn refuse_if_quarantined(&self) -> Result<(), ReplayError> {
        match self.inner.quarantined() {
            Some(left) => Err(ReplayError::Store(StateError::Unavailable(format!(
                "the store lost its data; one-time uses are refused for {} s more",
                left.as_secs() + 1
            )))),
            None => Ok(()),
        }
    }
}

/// `OK` → first use; nil → replay; anything else is not a `SET` reply.
fn verdict(v: &Value) -> Result<(), ReplayError> {
    match v {
        Value::Okay => Ok(()),
        Value::SimpleString(s) if s == "OK" => Ok(()),
        Value::Nil => Err(ReplayError::Replayed),
        _ => Err(ReplayError::Store(StateError::Corrupt(
            "unexpected reply to SET NX".into(),
        ))),
    }
}

impl ReplayGuard for RedisState {
    /// One round trip: `SET <ns>:r:<hash> 1 NX PX <ttl>`. The key exists (whatever it
    /// holds) → replay. No answer → `STATE_STORE_UNAVAILABLE` (the use may or may not be
    /// recorded; it is refused either way, so it is never accepted twice).
    fn check_and_record(
        &self,
        jti: &str,
        job: &str,
        expires_at: i64,
        now: i64,
    ) -> Result<(), ReplayError> {
        self.refuse_if_quarantined()?;
        let key = self.inner.keys.replay(jti, job);
        let ttl = self.ttl_ms(expires_at, now);
        let reply: Value = self.inner.pool.with(|c| {
            redis::cmd("SET")
                .arg(&key)
                .arg(1)
                .arg("NX")
                .arg("PX")
                .arg(ttl)
                .query(c)
        })?;
        verdict(&reply)
    }

    /// One pipelined round trip for the whole batch (in a cluster, one per node).
    fn check_and_record_many(
        &self,
        uses: &[ReplayUse<'_>],
        now: i64,
    ) -> Vec<Result<(), ReplayError>> {
        if let Err(e) = self.refuse_if_quarantined() {
            return uses.iter().map(|_| Err(e.clone())).collect();
        }
        let sets: Vec<(String, u64)> = uses
            .iter()
            .map(|u| {
                (
                    self.inner.keys.replay(u.jti, u.job),
                    self.ttl_ms(u.expires_at, now),
                )
            })
            .collect();
        // A plain connection takes the whole batch in one round trip; a cluster pipeline
        // sends each node its own commands (one round trip per node holding a key of the
        // batch: the replay keys spread over the slots).
        let sent = self.inner.pool.with_conn(|c| match c {
            Conn::Single(c) => {
                let mut pipe = redis::pipe();
                for (key, ttl) in &sets {
                    pipe.cmd("SET").arg(key).arg(1).arg("NX").arg("PX").arg(ttl);
                }
                pipe.query::<Vec<Value>>(c)
            }
            Conn::Cluster(c) => {
                let mut pipe = redis::cluster::cluster_pipe();
                for (key, ttl) in &sets {
                    pipe.cmd("SET").arg(key).arg(1).arg("NX").arg("PX").arg(ttl);
                }
                pipe.query::<Vec<Value>>(c)
            }
        });
        match sent {
            Ok(replies) if replies.len() == uses.len() => replies.iter().map(verdict).collect(),
            Ok(_) => uses
                .iter()
                .map(|_| {
                    Err(ReplayError::Store(StateError::Corrupt(
                        "pipeline reply has the wrong length".into(),
                    )))
                })
                .collect(),
            Err(e) => uses
                .iter()
                .map(|_| Err(ReplayError::Store(e.clone())))
                .collect(),
        }
    }
}

//! Connections: one connector per topology and a small pool of idle connections. Every
//! Redis error becomes a [`StateError`] here, and nowhere else.

use crate::address::{Address, Topology};
use claw_core::cst::StateError;
use redis::cluster::{ClusterClient, ClusterConnection};
use redis::sentinel::{SentinelClient, SentinelNodeConnectionInfo, SentinelServerType};
use redis::{Client, Connection, ConnectionLike, RedisError, RedisResult};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

pub(crate) enum Conn {
    Single(Connection),
    Cluster(Box<ClusterConnection>),
}

impl Conn {
    pub(crate) fn like(&mut self) -> &mut dyn ConnectionLike {
        match self {
            Conn::Single(c) => c,
            Conn::Cluster(c) => &mut **c,
        }
    }
}

enum Connector {
    Single(Client),
    Cluster(ClusterClient),
    Sentinel(Mutex<SentinelClient>),
}

/// A bounded pool: at most `max_idle` idle connections are kept; callers beyond that open a
/// connection of their own (closed after use). A connection that saw an I/O error is dropped.
pub(crate) struct Pool {
    connector: Connector,
    idle: Mutex<Vec<Conn>>,
    max_idle: usize,
    timeout: Duration,
    /// Cluster seed nodes (empty otherwise), for the subscriber.
    seeds: Vec<redis::ConnectionInfo>,
    pub(crate) address: String,
}

impl std::fmt::Debug for Pool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Pool({}, max_idle {})", self.address, self.max_idle)
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // The guarded values (idle connections, a sentinel client) stay usable after a panic
    // elsewhere: a connection is either in the vector or not.
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// Map a Redis error to the reason the caller reports. Messages name the category and
/// the server's error code, never the address (it may hold a password).
pub(crate) fn map_err(address: &str, e: &RedisError) -> StateError {
    if e.code() == Some("WRONGTYPE") || e.kind() == redis::ErrorKind::TypeError {
        return StateError::Corrupt(format!(
            "{address}: {}",
            e.detail().unwrap_or("unexpected reply type")
        ));
    }
    let what = if e.is_timeout() {
        "timed out".to_string()
    } else if e.is_connection_refusal() {
        "connection refused".to_string()
    } else if e.is_io_error() || e.is_connection_dropped() {
        "connection lost".to_string()
    } else {
        match e.code() {
            Some(code) => format!("server error {code}"),
            None => format!("{:?}", e.kind()),
        }
    };
    StateError::Unavailable(format!("{address}: {what}"))
}

fn broken(e: &RedisError) -> bool {
    e.is_io_error()
        || e.is_timeout()
        || e.is_connection_dropped()
        || e.is_connection_refusal()
        || e.is_unrecoverable_error()
}

impl Pool {
    pub(crate) fn new(
        addr: &Address,
        max_idle: usize,
        timeout: Duration,
    ) -> Result<Pool, StateError> {
        let address = addr.to_string();
        let err = |e: RedisError| map_err(&address, &e);
        let connector = match &addr.topology {
            Topology::Single(ci) => Connector::Single(Client::open(ci.clone()).map_err(err)?),
            Topology::Cluster(nodes) => Connector::Cluster(
                ClusterClient::builder(nodes.clone())
                    .connection_timeout(timeout)
                    .response_timeout(timeout)
                    .retries(1)
                    .build()
                    .map_err(err)?,
            ),
            Topology::Sentinel {
                sentinels,
                master,
                tls,
                redis,
            } => Connector::Sentinel(Mutex::new(
                SentinelClient::build(
                    sentinels.clone(),
                    master.clone(),
                    Some(SentinelNodeConnectionInfo {
                        tls_mode: *tls,
                        redis_connection_info: Some(redis.clone()),
                    }),
                    SentinelServerType::Master,
                )
                .map_err(err)?,
            )),
        };
        let seeds = match &addr.topology {
            Topology::Cluster(nodes) => nodes.clone(),
            _ => Vec::new(),
        };
        Ok(Pool {
            seeds,
            connector,
            idle: Mutex::new(Vec::new()),
            max_idle: max_idle.max(1),
            timeout,
            address,
        })
    }

    fn single(&self, client: &Client) -> RedisResult<Connection> {
        let c = client.get_connection_with_timeout(self.timeout)?;
        c.set_read_timeout(Some(self.timeout))?;
        c.set_write_timeout(Some(self.timeout))?;
        Ok(c)
    }

    fn connect(&self) -> RedisResult<Conn> {
        match &self.connector {
            Connector::Single(c) => self.single(c).map(Conn::Single),
            Connector::Cluster(c) => c.get_connection().map(|c| Conn::Cluster(Box::new(c))),
            Connector::Sentinel(s) => {
                let client = lock(s).get_client()?;
                self.single(&client).map(Conn::Single)
            }
        }
    }

    /// Run `f` on a pooled connection. When a pooled connection turns out to be dead (the
    /// server restarted since it was opened), every idle connection is dropped and `f` runs
    /// once more on a fresh one. That second attempt is safe for every operation of this
    /// crate: `SET NX` answers "exists" if the first attempt was applied (refused, never
    /// accepted twice), `SADD` and plain `SET` are idempotent. A failure on a fresh
    /// connection is reported, not retried.
    pub(crate) fn with<T>(
        &self,
        mut f: impl FnMut(&mut dyn ConnectionLike) -> RedisResult<T>,
    ) -> Result<T, StateError> {
        self.with_conn(|c| f(c.like()))
    }

    /// [`Pool::with`], for the callers that need to know the connection's kind (a pipeline
    /// is sent differently to a cluster).
    pub(crate) fn with_conn<T>(
        &self,
        mut f: impl FnMut(&mut Conn) -> RedisResult<T>,
    ) -> Result<T, StateError> {
        let pooled = lock(&self.idle).pop();
        if let Some(mut conn) = pooled {
            match f(&mut conn) {
                Ok(v) => {
                    self.give_back(conn);
                    return Ok(v);
                }
                Err(e) if broken(&e) => self.clear(),
                Err(e) => {
                    self.give_back(conn);
                    return Err(map_err(&self.address, &e));
                }
            }
        }
        let mut conn = self.connect().map_err(|e| map_err(&self.address, &e))?;
        match f(&mut conn) {
            Ok(v) => {
                self.give_back(conn);
                Ok(v)
            }
            Err(e) => {
                if !broken(&e) {
                    self.give_back(conn);
                }
                Err(map_err(&self.address, &e))
            }
        }
    }

    fn give_back(&self, conn: Conn) {
        let mut idle = lock(&self.idle);
        if idle.len() < self.max_idle {
            idle.push(conn);
        }
    }

    /// Drop every idle connection (after the store came back, so stale sockets are not
    /// tried first).
    pub(crate) fn clear(&self) {
        lock(&self.idle).clear();
    }

    /// A dedicated plain connection for pub/sub (in a cluster, any node: PUBLISH reaches
    /// every node's subscribers), with `read_timeout` as its wake-up period.
    pub(crate) fn subscriber(&self, read_timeout: Duration) -> Result<Connection, StateError> {
        let r = (|| {
            let c = match &self.connector {
                Connector::Single(c) => self.single(c)?,
                Connector::Sentinel(s) => {
                    let client = lock(s).get_client()?;
                    self.single(&client)?
                }
                Connector::Cluster(_) => {
                    let mut last = None;
                    let mut found = None;
                    for n in &self.seeds {
                        match Client::open(n.clone()).and_then(|c| self.single(&c)) {
                            Ok(c) => {
                                found = Some(c);
                                break;
                            }
                            Err(e) => last = Some(e),
                        }
                    }
                    match (found, last) {
                        (Some(c), _) => c,
                        (None, Some(e)) => return Err(e),
                        (None, None) => {
                            return Err(RedisError::from((
                                redis::ErrorKind::InvalidClientConfig,
                                "no cluster node",
                            )))
                        }
                    }
                }
            };
            c.set_read_timeout(Some(read_timeout))?;
            Ok(c)
        })();
        r.map_err(|e| map_err(&self.address, &e))
    }
}

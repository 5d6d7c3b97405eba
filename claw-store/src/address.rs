//! State addresses: `redis://`, `rediss://` (TLS), `redis+cluster://`, `redis+sentinel://`.

use claw_core::cst::StateError;
use redis::{ConnectionInfo, IntoConnectionInfo, ProtocolVersion, RedisConnectionInfo, TlsMode};

/// Bound on a state address, in bytes.
pub const MAX_ADDRESS_BYTES: usize = 4096;
/// Bound on the hosts listed in a cluster or sentinel address.
pub const MAX_HOSTS: usize = 64;

/// Where the state lives.
#[derive(Clone)]
pub(crate) enum Topology {
    /// One Redis server (or a proxy in front of several).
    Single(ConnectionInfo),
    /// A Redis Cluster, reached through any of these seed nodes.
    Cluster(Vec<ConnectionInfo>),
    /// A primary found through Sentinel.
    Sentinel {
        sentinels: Vec<ConnectionInfo>,
        master: String,
        tls: Option<TlsMode>,
        redis: RedisConnectionInfo,
    },
}

/// A parsed state address. Its `Display` never shows the password.
#[derive(Clone)]
pub struct Address {
    pub(crate) topology: Topology,
    redacted: String,
}

impl std::fmt::Debug for Address {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Address({})", self.redacted)
    }
}

impl std::fmt::Display for Address {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.redacted)
    }
}

fn invalid(why: impl Into<String>) -> StateError {
    StateError::Invalid(format!("state address: {}", why.into()))
}

/// `scheme://user:secret@host` → `scheme://user:***@host`.
fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return "<unparsable address>".into();
    };
    let (authority, tail) = match rest.find('/') {
        Some(i) => rest.split_at(i),
        None => (rest, ""),
    };
    match authority.rsplit_once('@') {
        Some((userinfo, hosts)) => {
            let user = userinfo.split_once(':').map_or("", |(u, _)| u);
            format!("{scheme}://{user}:***@{hosts}{tail}")
        }
        None => url.to_string(),
    }
}

impl Address {
    /// Parse a state address:
    /// * `redis://[user:password@]host[:port][/db]` and `rediss://...` (TLS, certificates
    ///   checked against the Web PKI roots; `#insecure` skips the check), `redis+unix:///path`;
    /// * `redis+cluster://[user:password@]host:port,host:port,...` (or `rediss+cluster://`):
    ///   seed nodes of a Redis Cluster;
    /// * `redis+sentinel://[user:password@]host:port,host:port,.../master-name[/db]` (or
    ///   `rediss+sentinel://`): the primary named `master-name`, found through these
    ///   sentinels (the credentials are the primary's).
    pub fn parse(url: &str) -> Result<Address, StateError> {
        if url.len() > MAX_ADDRESS_BYTES {
            return Err(invalid(format!("longer than {MAX_ADDRESS_BYTES} bytes")));
        }
        let redacted = redact(url);
        let (scheme, rest) = url
            .split_once("://")
            .ok_or_else(|| invalid(format!("{redacted} has no scheme")))?;
        let topology = match scheme {
            "redis" | "rediss" | "redis+unix" | "unix" => Topology::Single(
                url.into_connection_info()
                    .map_err(|e| invalid(format!("{redacted}: {}", e.kind_str())))?,
            ),
            "redis+cluster" | "rediss+cluster" => {
                let base = if scheme.starts_with("rediss") { "rediss" } else { "redis" };
                let (auth, hosts, path) = split_hosts(rest, &redacted)?;
                if !path.is_empty() {
                    return Err(invalid(format!("{redacted}: a cluster address has no path")));
                }
                let nodes = hosts
                    .iter()
                    .map(|h| node_info(base, auth, h, "", &redacted))
                    .collect::<Result<Vec<_>, _>>()?;
                Topology::Cluster(nodes)
            }
            "redis+sentinel" | "rediss+sentinel" => {
                let tls = scheme.starts_with("rediss").then_some(TlsMode::Secure);
                let (auth, hosts, path) = split_hosts(rest, &redacted)?;
                let mut parts = path.trim_start_matches('/').split('/');
                let master = parts.next().unwrap_or_default().to_string();
                if master.is_empty() {
                    return Err(invalid(format!("{redacted}: the master name is missing")));
                }
                let db = match parts.next() {
                    None | Some("") => 0,
                    Some(d) => d
                        .parse::<i64>()
                        .map_err(|_| invalid(format!("{redacted}: bad database number")))?,
                };
                if parts.next().is_some() {
                    return Err(invalid(format!("{redacted}: unexpected path")));
                }
                let sentinels = hosts
                    .iter()
                    .map(|h| node_info("redis", None, h, "", &redacted))
                    .collect::<Result<Vec<_>, _>>()?;
                let (username, password) = match auth {
                    Some(a) => match a.split_once(':') {
                        Some((u, p)) => (
                            (!u.is_empty()).then(|| u.to_string()),
                            Some(p.to_string()),
                        ),
                        None => (Some(a.to_string()), None),
                    },
                    None => (None, None),
                };
                Topology::Sentinel {
                    sentinels,
                    master,
                    tls,
                    redis: RedisConnectionInfo {
                        db,
                        username,
                        password,
                        protocol: ProtocolVersion::RESP2,
                    },
                }
            }
            _ => {
                return Err(invalid(format!(
                    "{redacted}: scheme must be redis, rediss, redis+unix, redis+cluster or redis+sentinel"
                )))
            }
        };
        Ok(Address { topology, redacted })
    }
}

/// `[auth@]h1,h2/path` → (auth, [h1, h2], "/path").
fn split_hosts<'a>(
    rest: &'a str,
    redacted: &str,
) -> Result<(Option<&'a str>, Vec<&'a str>, &'a str), StateError> {
    let (authority, path) = match rest.find('/') {
        Some(i) => rest.split_at(i),
        None => (rest, ""),
    };
    let (auth, hosts) = match authority.rsplit_once('@') {
        Some((a, h)) => (Some(a), h),
        None => (None, authority),
    };
    let hosts: Vec<&str> = hosts.split(',').collect();
    if hosts.iter().any(|h| h.is_empty()) {
        return Err(invalid(format!("{redacted}: empty host")));
    }
    if hosts.len() > MAX_HOSTS {
        return Err(invalid(format!("{redacted}: more than {MAX_HOSTS} hosts")));
    }
    Ok((auth, hosts, path))
}

fn node_info(
    scheme: &str,
    auth: Option<&str>,
    host: &str,
    path: &str,
    redacted: &str,
) -> Result<ConnectionInfo, StateError> {
    let url = match auth {
        Some(a) => format!("{scheme}://{a}@{host}{path}"),
        None => format!("{scheme}://{host}{path}"),
    };
    url.as_str()
        .into_connection_info()
        .map_err(|e| invalid(format!("{redacted}: host {host:?}: {}", e.kind_str())))
}

trait KindStr {
    fn kind_str(&self) -> String;
}

impl KindStr for redis::RedisError {
    /// The error's category and static description, never the URL it came from.
    fn kind_str(&self) -> String {
        format!("{:?}", self.kind())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_form_parses_and_passwords_never_show() {
        let a = Address::parse("redis://:s3cret@127.0.0.1:6379/2").unwrap();
        assert!(matches!(a.topology, Topology::Single(_)));
        assert!(!a.to_string().contains("s3cret"));
        assert!(!format!("{a:?}").contains("s3cret"));
        let a = Address::parse("rediss://u:pw@redis.example:6380").unwrap();
        match &a.topology {
            Topology::Single(ci) => {
                assert!(matches!(ci.addr, redis::ConnectionAddr::TcpTls { .. }))
            }
            _ => panic!(),
        }
        let a = Address::parse("redis+cluster://u:pw@h1:7000,h2:7001,h3:7002").unwrap();
        match &a.topology {
            Topology::Cluster(n) => {
                assert_eq!(n.len(), 3);
                assert_eq!(n[1].redis.password.as_deref(), Some("pw"));
            }
            _ => panic!(),
        }
        assert_eq!(
            a.to_string(),
            "redis+cluster://u:***@h1:7000,h2:7001,h3:7002"
        );
        let a = Address::parse("redis+sentinel://:pw@s1:26379,s2:26379/mymaster/3").unwrap();
        match &a.topology {
            Topology::Sentinel {
                sentinels,
                master,
                redis,
                tls,
            } => {
                assert_eq!(sentinels.len(), 2);
                assert_eq!(master, "mymaster");
                assert_eq!(redis.db, 3);
                assert_eq!(redis.password.as_deref(), Some("pw"));
                assert!(tls.is_none());
            }
            _ => panic!(),
        }
        for bad in [
            "http://x",
            "nothing",
            "redis+sentinel://s1:26379",
            "redis+sentinel://s1:26379/m/x",
            "redis+cluster://h1:1,,h2:2",
            "redis+cluster://h1:1/path",
            "redis://:pw@host:notaport",
        ] {
            let e = Address::parse(bad).unwrap_err();
            assert_eq!(e.reason_code(), "STATE_REQUEST_INVALID", "{bad}");
            assert!(!e.to_string().contains("pw@"), "{e}");
        }
        assert!(Address::parse(&"r".repeat(5000)).is_err());
    }
}

//! A throwaway `redis-server` on 127.0.0.1 for tests (of this crate and of its users):
//! a free port, no persistence unless asked, stopped on drop.

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A running `redis-server` (binary from `CLAW_REDIS_SERVER`, default `redis-server` on the
/// `PATH`). Killed when dropped.
#[derive(Debug)]
pub struct RedisServer {
    child: Option<Child>,
    port: u16,
    dir: PathBuf,
    persistent: bool,
    /// Arguments after the common ones (cluster mode), or a config file (sentinel).
    extra: Vec<String>,
    sentinel: bool,
}

fn free_port() -> std::io::Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

impl RedisServer {
    /// Start on a free port with persistence off (`--save '' --appendonly no`).
    pub fn start() -> std::io::Result<RedisServer> {
        RedisServer::start_with(false)
    }

    /// Start; with `persistent`, every write is in an append-only file fsynced before the
    /// reply (`--appendonly yes --appendfsync always`), so a restart keeps the data.
    pub fn start_with(persistent: bool) -> std::io::Result<RedisServer> {
        let mut s = RedisServer::launch(persistent, Vec::new(), false)?;
        s.wait_ready()?;
        Ok(s)
    }

    /// Start the process on a free port without waiting for it ([`RedisServer::wait_ready`]):
    /// several servers start in parallel.
    fn launch(
        persistent: bool,
        extra: Vec<String>,
        sentinel: bool,
    ) -> std::io::Result<RedisServer> {
        let port = free_port()?;
        let dir = std::env::temp_dir().join(format!("claw-redis-{}-{port}", std::process::id()));
        std::fs::create_dir_all(&dir)?;
        let mut s = RedisServer {
            child: None,
            port,
            dir,
            persistent,
            extra,
            sentinel,
        };
        s.spawn_process()?;
        Ok(s)
    }

    fn spawn(&mut self) -> std::io::Result<()> {
        self.spawn_process()?;
        self.wait_ready()
    }

    fn spawn_process(&mut self) -> std::io::Result<()> {
        let bin = std::env::var("CLAW_REDIS_SERVER").unwrap_or_else(|_| "redis-server".into());
        let mut cmd = Command::new(bin);
        if self.sentinel {
            // Sentinel rewrites its configuration file: one of its own, in its directory.
            let conf = self.dir.join("sentinel.conf");
            std::fs::write(&conf, self.extra.join("\n") + "\n")?;
            cmd.arg(&conf).arg("--sentinel");
        }
        cmd.arg("--port")
            .arg(self.port.to_string())
            .arg("--bind")
            .arg("127.0.0.1")
            .arg("--dir")
            .arg(&self.dir)
            .arg("--save")
            .arg("");
        if self.sentinel {
            // No data: nothing to persist.
        } else if self.persistent {
            cmd.args(["--appendonly", "yes", "--appendfsync", "always"]);
        } else {
            cmd.args(["--appendonly", "no"]);
        }
        if !self.sentinel {
            cmd.args(&self.extra);
        }
        let child = cmd.stdout(Stdio::null()).stderr(Stdio::null()).spawn()?;
        self.child = Some(child);
        Ok(())
    }

    /// Wait (at most 10 s) until the server answers `PING`.
    fn wait_ready(&mut self) -> std::io::Result<()> {
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(c) = redis::Client::open(self.url()) {
                if let Ok(mut conn) = c.get_connection_with_timeout(Duration::from_millis(200)) {
                    if redis::cmd("PING").query::<String>(&mut conn).is_ok() {
                        return Ok(());
                    }
                }
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        Err(std::io::Error::other(format!(
            "redis-server on port {} did not answer PING within 10 s",
            self.port
        )))
    }

    /// `redis://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    /// The port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// `127.0.0.1:<port>`.
    pub fn host(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// Kill the server (SIGKILL: no chance to save anything it has not already).
    pub fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// Start it again on the same port (with the data of its append-only file when it is
    /// persistent; empty otherwise).
    pub fn restart(&mut self) -> std::io::Result<()> {
        self.kill();
        self.spawn()
    }

    /// Whether this server is a replica whose link to its primary is up
    /// (`master_link_status:up` in `INFO replication`).
    fn link_is_up(&self) -> bool {
        let Ok(mut c) = self.connection() else {
            return false;
        };
        redis::cmd("INFO")
            .arg("replication")
            .query::<String>(&mut c)
            .is_ok_and(|i| i.lines().any(|l| l.trim() == "master_link_status:up"))
    }

    /// A plain connection, for tests that write what claw never writes.
    pub fn connection(&self) -> redis::RedisResult<redis::Connection> {
        redis::Client::open(self.url())?.get_connection_with_timeout(Duration::from_secs(2))
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.kill();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A Redis Cluster of `masters` primaries (no replicas), each a [`RedisServer`] with
/// `--cluster-enabled yes`, its bus on a second free port, joined by
/// `redis-cli --cluster create` (binary from `CLAW_REDIS_CLI`, default `redis-cli`). Every
/// node is killed when dropped.
#[derive(Debug)]
pub struct RedisCluster {
    nodes: Vec<RedisServer>,
}

impl RedisCluster {
    /// Start the nodes in parallel, create the cluster and wait until every node reports
    /// `cluster_state:ok` (at most 20 s).
    pub fn start(masters: usize) -> std::io::Result<RedisCluster> {
        let mut nodes = Vec::with_capacity(masters);
        for _ in 0..masters {
            let bus = free_port()?;
            nodes.push(RedisServer::launch(
                false,
                vec![
                    "--cluster-enabled".into(),
                    "yes".into(),
                    "--cluster-config-file".into(),
                    "nodes.conf".into(),
                    "--cluster-port".into(),
                    bus.to_string(),
                    "--cluster-node-timeout".into(),
                    "2000".into(),
                ],
                false,
            )?);
        }
        let mut c = RedisCluster { nodes };
        for n in &mut c.nodes {
            n.wait_ready()?;
        }
        let cli = std::env::var("CLAW_REDIS_CLI").unwrap_or_else(|_| "redis-cli".into());
        let out = Command::new(cli)
            .arg("--cluster")
            .arg("create")
            .args(c.nodes.iter().map(RedisServer::host))
            .args(["--cluster-replicas", "0", "--cluster-yes"])
            .stdin(Stdio::null())
            .output()?;
        if !out.status.success() {
            return Err(std::io::Error::other(format!(
                "redis-cli --cluster create failed: {}",
                String::from_utf8_lossy(&out.stdout)
            )));
        }
        let deadline = Instant::now() + Duration::from_secs(20);
        for n in &c.nodes {
            loop {
                let ok = n.connection().ok().and_then(|mut conn| {
                    redis::cmd("CLUSTER")
                        .arg("INFO")
                        .query::<String>(&mut conn)
                        .ok()
                });
                if ok.is_some_and(|i| i.contains("cluster_state:ok")) {
                    break;
                }
                if Instant::now() >= deadline {
                    return Err(std::io::Error::other(
                        "the cluster did not become ok in 20 s",
                    ));
                }
                std::thread::sleep(Duration::from_millis(50));
            }
        }
        Ok(c)
    }

    /// `redis+cluster://h1,h2,...`, the seed list starting at node `first` (so several
    /// clients can hold their pub/sub connection on different nodes).
    pub fn url_from(&self, first: usize) -> String {
        let n = self.nodes.len();
        let hosts: Vec<String> = (0..n).map(|i| self.nodes[(first + i) % n].host()).collect();
        format!("redis+cluster://{}", hosts.join(","))
    }

    /// [`RedisCluster::url_from`] node 0.
    pub fn url(&self) -> String {
        self.url_from(0)
    }

    /// The nodes (plain connections to one node each: `DBSIZE`, `CLUSTER KEYSLOT`, ...).
    pub fn nodes(&self) -> &[RedisServer] {
        &self.nodes
    }
}

/// A primary, its replica and one Sentinel monitoring them as `master` (quorum 1), the
/// sentinel started once the replica is linked; all killed when dropped.
#[derive(Debug)]
pub struct RedisSentinel {
    /// The primary at start.
    pub primary: RedisServer,
    /// Its replica at start.
    pub replica: RedisServer,
    /// The sentinel.
    pub sentinel: RedisServer,
}

impl RedisSentinel {
    /// Start the primary and the replica, wait until the replica is linked (at most 20 s),
    /// start the sentinel and wait until it names the primary and knows the replica (at
    /// most 30 s).
    pub fn start() -> std::io::Result<RedisSentinel> {
        let mut primary = RedisServer::launch(false, Vec::new(), false)?;
        let mut replica = RedisServer::launch(
            false,
            vec![
                "--replicaof".into(),
                "127.0.0.1".into(),
                primary.port.to_string(),
            ],
            false,
        )?;
        // The sentinel finds replicas in the primary's INFO, asked every 10 s: it starts once
        // the replica is linked, so its first look finds it (a loaded machine otherwise
        // needed two or three looks, past the deadline below).
        primary.wait_ready()?;
        replica.wait_ready()?;
        let linked = Instant::now() + Duration::from_secs(20);
        while !replica.link_is_up() {
            if Instant::now() >= linked {
                return Err(std::io::Error::other(
                    "the replica did not link to the primary",
                ));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let conf = vec![
            "bind 127.0.0.1".to_string(),
            format!("sentinel monitor master 127.0.0.1 {} 1", primary.port),
            "sentinel down-after-milliseconds master 2000".to_string(),
            "sentinel failover-timeout master 10000".to_string(),
        ];
        let sentinel = RedisServer::launch(false, conf, true)?;
        let mut s = RedisSentinel {
            primary,
            replica,
            sentinel,
        };
        s.sentinel.wait_ready()?;
        let deadline = Instant::now() + Duration::from_secs(30);
        while s.named_primary() != Some(s.primary.port) || !s.knows_replica() {
            if Instant::now() >= deadline {
                return Err(std::io::Error::other(
                    "sentinel did not name the primary and its replica",
                ));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Ok(s)
    }

    /// The port of the primary the sentinel names now.
    pub fn named_primary(&self) -> Option<u16> {
        let mut c = self.sentinel.connection().ok()?;
        let a: Vec<String> = redis::cmd("SENTINEL")
            .arg("get-master-addr-by-name")
            .arg("master")
            .query(&mut c)
            .ok()?;
        a.get(1)?.parse().ok()
    }

    /// Whether the sentinel lists the replica as a usable replica of `master`.
    fn knows_replica(&self) -> bool {
        let Ok(mut c) = self.sentinel.connection() else {
            return false;
        };
        let Ok(rs) = redis::cmd("SENTINEL")
            .arg("replicas")
            .arg("master")
            .query::<Vec<std::collections::HashMap<String, String>>>(&mut c)
        else {
            return false;
        };
        let port = self.replica.port.to_string();
        rs.iter().any(|r| {
            r.get("port") == Some(&port)
                && r.get("master-link-status").map(String::as_str) == Some("ok")
                && r.get("flags").is_some_and(|f| !f.contains("down"))
        })
    }

    /// Promote the replica (`SENTINEL FAILOVER`, after `WAIT` made sure it has every write)
    /// and wait until the sentinel names it (at most 30 s).
    pub fn fail_over(&self) -> std::io::Result<()> {
        let err = |e: redis::RedisError| std::io::Error::other(e.to_string());
        let mut p = self.primary.connection().map_err(err)?;
        let acked: i64 = redis::cmd("WAIT")
            .arg(1)
            .arg(5000)
            .query(&mut p)
            .map_err(err)?;
        if acked < 1 {
            return Err(std::io::Error::other("the replica did not acknowledge"));
        }
        let mut c = self.sentinel.connection().map_err(err)?;
        redis::cmd("SENTINEL")
            .arg("failover")
            .arg("master")
            .query::<()>(&mut c)
            .map_err(err)?;
        let deadline = Instant::now() + Duration::from_secs(30);
        while self.named_primary() != Some(self.replica.port) {
            if Instant::now() >= deadline {
                return Err(std::io::Error::other("the failover did not complete"));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Ok(())
    }

    /// `redis+sentinel://127.0.0.1:<sentinel port>/master`.
    pub fn url(&self) -> String {
        format!("redis+sentinel://{}/master", self.sentinel.host())
    }
}

//! The routes of `claw mcp serve-http`: one per upstream MCP server (docs/SPEC.md §10.6.1).
//! `--upstream NAME=URL` serves the server named NAME at `/mcp/NAME`; a bare `--upstream URL`
//! serves it at `/mcp` under `--server-name`. The name is the `Mcp:Server` context key of
//! every decision on that route.

use crate::cmd::common::bad_arg;
use crate::Failure;

/// Where an upstream is reached: plain HTTP/1.1.
#[derive(Debug)]
pub struct Upstream {
    /// `host:port` to connect to.
    pub addr: String,
    /// The `Host` header.
    pub host: String,
    /// The request path.
    pub path: String,
}

#[derive(Debug)]
pub struct Route {
    /// The path the route is served at.
    pub path: String,
    /// The server's name.
    pub name: String,
    /// The upstream's URL as given.
    pub url: String,
    pub upstream: Upstream,
}

/// The longest server name.
const MAX_NAME: usize = 64;
/// At most this many upstreams.
pub const MAX_ROUTES: usize = 64;

fn parse_upstream(url: &str) -> Result<Upstream, Failure> {
    let bad = || {
        bad_arg(format!(
            "--upstream {url:?}: expected http://HOST:PORT/PATH"
        ))
    };
    let rest = url.strip_prefix("http://").ok_or_else(bad)?;
    let (host, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    if host.is_empty() || host.contains('@') {
        return Err(bad());
    }
    let addr = if host.contains(':') {
        host.to_string()
    } else {
        format!("{host}:80")
    };
    Ok(Upstream {
        addr,
        host: host.to_string(),
        path: path.to_string(),
    })
}

fn valid_name(n: &str) -> bool {
    (1..=MAX_NAME).contains(&n.len())
        && n.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.')
}

/// The routes of the `--upstream` arguments; `default_name` names a bare URL's server.
pub fn parse_routes(specs: &[String], default_name: &str) -> Result<Vec<Route>, Failure> {
    if specs.is_empty() {
        return Err(bad_arg("at least one --upstream NAME=URL"));
    }
    if specs.len() > MAX_ROUTES {
        return Err(bad_arg(format!("at most {MAX_ROUTES} --upstream")));
    }
    let mut routes: Vec<Route> = Vec::new();
    for spec in specs {
        let (name, url, path) = match spec.split_once('=') {
            Some((n, u)) if !n.contains(':') && !n.contains('/') => {
                (n.to_string(), u.to_string(), format!("/mcp/{n}"))
            }
            _ => (default_name.to_string(), spec.clone(), "/mcp".to_string()),
        };
        if !valid_name(&name) {
            return Err(bad_arg(format!(
                "--upstream {spec:?}: the server name must be 1 to {MAX_NAME} of A-Z a-z 0-9 . _ -"
            )));
        }
        if routes.iter().any(|r| r.path == path || r.name == name) {
            return Err(bad_arg(format!(
                "--upstream {spec:?}: server name or route {path} given twice"
            )));
        }
        routes.push(Route {
            upstream: parse_upstream(&url)?,
            path,
            name,
            url,
        });
    }
    Ok(routes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn specs(s: &[&str]) -> Vec<String> {
        s.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn one_route_per_named_upstream() {
        let r = parse_routes(
            &specs(&["fs=http://127.0.0.1:1/mcp", "web=http://h:2/x"]),
            "mcp",
        )
        .unwrap();
        assert_eq!(r.len(), 2);
        assert_eq!((r[0].path.as_str(), r[0].name.as_str()), ("/mcp/fs", "fs"));
        assert_eq!(r[1].upstream.addr, "h:2");
        assert_eq!(r[1].upstream.path, "/x");
    }

    #[test]
    fn a_bare_url_is_served_at_mcp_under_the_server_name() {
        let r = parse_routes(&specs(&["http://127.0.0.1:9/mcp?a=b"]), "everything").unwrap();
        assert_eq!(
            (r[0].path.as_str(), r[0].name.as_str()),
            ("/mcp", "everything")
        );
    }

    #[test]
    fn bad_routes_are_refused() {
        for bad in [
            vec!["fs=http://a:1/", "fs=http://b:2/"],
            vec!["http://a:1/", "http://b:2/"],
            vec!["f s=http://a:1/"],
            vec!["=http://a:1/"],
            vec!["fs=https://a:1/"],
            vec!["fs=http://user@a:1/"],
            vec![],
        ] {
            let e = parse_routes(&specs(&bad), "mcp").unwrap_err();
            assert_eq!(e.reason, "INVALID_ARGUMENT", "{bad:?}");
        }
    }
}

//! The client that forwards calls to the providers: HTTP/1.1, TLS by rustls (webpki roots),
//! a connect timeout, pooled connections.

use std::time::Duration;

use bytes::Bytes;
use http_body_util::Full;
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;

use crate::config::Config;

/// The pooled upstream client.
#[derive(Debug, Clone)]
pub struct Upstream {
    pub client: Client<HttpsConnector<HttpConnector>, Full<Bytes>>,
}

impl Upstream {
    /// A client with the configured connect timeout.
    pub fn new(config: &Config) -> Result<Upstream, String> {
        let mut http = HttpConnector::new();
        http.enforce_http(false);
        http.set_nodelay(true);
        http.set_connect_timeout(Some(Duration::from_millis(
            config.limits.upstream_connect_timeout_ms,
        )));
        // ring (not aws-lc-rs): no C toolchain beyond ring's own, and the same provider the
        // rest of the build uses. Its deprecation only notes the lack of post-quantum kex.
        #[allow(deprecated)]
        let provider = rustls::crypto::ring::default_provider();
        let tls = rustls::ClientConfig::builder_with_provider(std::sync::Arc::new(provider))
            .with_safe_default_protocol_versions()
            .map_err(|e| e.to_string())?
            .with_root_certificates(rustls::RootCertStore {
                roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
            })
            .with_no_client_auth();
        let https = hyper_rustls::HttpsConnectorBuilder::new()
            .with_tls_config(tls)
            .https_or_http()
            .enable_http1()
            .wrap_connector(http);
        let client = Client::builder(TokioExecutor::new())
            .pool_idle_timeout(Duration::from_secs(60))
            .pool_max_idle_per_host(256)
            .build(https);
        Ok(Upstream { client })
    }
}

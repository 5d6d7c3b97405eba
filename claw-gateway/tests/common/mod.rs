//! What the gateway's end-to-end test files share: the real gateway on loopback in front of a
//! test's own upstream, with its keys, one signed policy and a temporary directory.
#![allow(dead_code)] // each test file uses part of it

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use claw_core::cst::{self, Claims};
use claw_core::envelope::{Envelope, Signers, VerifyOptions};
use claw_core::keys::SigningKey;
use claw_core::wpc::{self, Policy};
use claw_gateway::config::{self, Overrides};
use claw_gateway::state::State;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

/// The gateway's signing key seed (its receipts are signed by this key's DID).
pub const GATEWAY_SEED: [u8; 32] = [1; 32];

/// A gateway serving on loopback until dropped.
pub struct Gateway {
    _dir: tempfile::TempDir,
    pub dir: PathBuf,
    pub addr: SocketAddr,
    pub issuer: SigningKey,
    pub gateway_did: String,
    pub policy_hash: String,
    pub state: Arc<State>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
}

impl Drop for Gateway {
    fn drop(&mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
    }
}

pub fn write(p: &Path, s: &str) {
    std::fs::write(p, s).unwrap();
}

pub fn b64sha(b: &[u8]) -> String {
    claw_core::b64::encode(Sha256::digest(b))
}

/// `env` verified as a gateway receipt signed by `gateway_did`.
pub fn verify_receipt(env: &Value, gateway_did: &str) -> Envelope {
    let e = Envelope::from_value(env.clone()).unwrap();
    e.verify(&VerifyOptions {
        expected_type: "gateway_receipt",
        signers: Signers::OneOf(std::slice::from_ref(&gateway_did.to_string())),
        now: None,
    })
    .unwrap();
    e
}

impl Gateway {
    /// Start a gateway whose `openai` and `anthropic` upstreams are `up`, with a signed
    /// policy allowing both providers and `allowed_models`, receipts in `dir/receipts`,
    /// switches read from `dir/switches.json`; `edit` changes the flags (given the
    /// directory), `edit_cfg` the resolved configuration.
    pub async fn start(
        up: SocketAddr,
        allowed_models: &[&str],
        edit: impl FnOnce(&mut Overrides, &Path),
        edit_cfg: impl FnOnce(&mut config::Config),
    ) -> Gateway {
        let t = tempfile::tempdir().unwrap();
        let dir = t.path().to_path_buf();
        let gw = SigningKey::from_seed(&GATEWAY_SEED);
        let issuer = SigningKey::from_seed(&[2; 32]);
        let signer = SigningKey::from_seed(&[3; 32]);
        write(&dir.join("gw.jwk"), &gw.to_jwk());
        write(&dir.join("issuer.jwk"), &issuer.verifying_key().to_jwk());
        let policy = Policy::parse(
            json!({"policy_version":"1","policy_id":"p1","issuer_did":signer.verifying_key().did(),
                   "allowed_providers":["openai","anthropic"],
                   "allowed_models": allowed_models})
            .to_string()
            .as_bytes(),
        )
        .unwrap();
        let env = wpc::sign_policy(&policy, &signer, claw_gateway::now_ms(), None).unwrap();
        std::fs::create_dir_all(dir.join("wpc")).unwrap();
        write(
            &dir.join("wpc").join(format!("{}.json", policy.hash_b64u())),
            &env.to_json().unwrap(),
        );
        let mut o = Overrides {
            listen: Some("127.0.0.1:0".into()),
            signing_key: Some(dir.join("gw.jwk")),
            cst_issuers: vec![dir.join("issuer.jwk")],
            audience: Some("claw-gateway".into()),
            wpc_dir: Some(dir.join("wpc")),
            wpc_signers: vec![signer.verifying_key().did()],
            policy_hash: Some(policy.hash_b64u().to_string()),
            overrides: Some(dir.join("switches.json")),
            receipts_dir: Some(dir.join("receipts")),
            upstreams: vec![
                format!("openai=http://{up}"),
                format!("anthropic=http://{up}"),
            ],
            max_request_bytes: Some(64 * 1024),
            ..Overrides::default()
        };
        edit(&mut o, &dir);
        let mut cfg = config::resolve(None, o).unwrap();
        edit_cfg(&mut cfg);
        let state = Arc::new(State::load(cfg).unwrap());
        let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = l.local_addr().unwrap();
        let (stop, rx) = tokio::sync::oneshot::channel::<()>();
        let st = state.clone();
        tokio::spawn(async move {
            claw_gateway::server::serve(st, l, async {
                let _ = rx.await;
            })
            .await
            .unwrap();
        });
        Gateway {
            _dir: t,
            dir,
            addr,
            issuer,
            gateway_did: gw.verifying_key().did(),
            policy_hash: policy.hash_b64u().to_string(),
            state,
            stop: Some(stop),
        }
    }

    /// A CST from the trusted issuer: audience `aud`, scope `proxy:call`, `ttl` seconds.
    pub fn token_for(&self, aud: &str, ttl: u64) -> String {
        let c = Claims::new(
            "did:key:z6MkAgent",
            vec![aud.into()],
            vec!["proxy:call".into()],
        );
        cst::issue(
            &self.issuer,
            &c,
            ttl,
            claw_gateway::now_ms() / 1000,
            &mut rand_core::OsRng,
        )
        .unwrap()
        .token
    }

    /// `env` verified as a receipt of this gateway.
    pub fn verify(&self, env: &Value) -> Envelope {
        verify_receipt(env, &self.gateway_did)
    }
}

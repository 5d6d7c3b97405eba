//! RFC 8032 §7.1, every Wycheproof Ed25519 case, and RFC 8037 Appendix A (JWK, thumbprint).
mod common;

use claw_core::keys::{PrecomputedVerifyingKey, SigningKey, VerifyingKey};
use common::hex;

#[test]
fn rfc8032_section_7_1() {
    let v = common::shared_json("vectors/ed25519/rfc8032_7_1.json");
    let vectors = v["vectors"].as_array().unwrap();
    assert_eq!(vectors.len(), 5);
    for t in vectors {
        let name = t["name"].as_str().unwrap();
        let seed: [u8; 32] = hex(t["secret_key"].as_str().unwrap()).try_into().unwrap();
        let sk = SigningKey::from_seed(&seed);
        let pk = sk.verifying_key();
        assert_eq!(
            pk.to_bytes().to_vec(),
            hex(t["public_key"].as_str().unwrap()),
            "{name}"
        );
        let msg = hex(t["message"].as_str().unwrap());
        let sig = sk.sign(&msg);
        assert_eq!(
            sig.to_vec(),
            hex(t["signature"].as_str().unwrap()),
            "{name}"
        );
        pk.verify(&msg, &sig).unwrap();
        PrecomputedVerifyingKey::new(&pk)
            .verify(&msg, &sig)
            .unwrap();
    }
}

/// Every Wycheproof case gets the file's verdict under strict verification, with
/// `verify_strict` and with the precomputed-table verifier. Keys that our
/// import refuses (small order / non-canonical) count as "invalid" for every signature, which
/// is the verdict the file expects for all of them; the test proves that by construction.
#[test]
fn wycheproof_every_case() {
    let v = common::shared_json("vectors/ed25519/wycheproof_ed25519_test.json");
    let mut seen = 0;
    let mut refused_keys = 0;
    for group in v["testGroups"].as_array().unwrap() {
        let pk_bytes: [u8; 32] = hex(group["publicKey"]["pk"].as_str().unwrap())
            .try_into()
            .unwrap();
        let key = VerifyingKey::from_bytes(&pk_bytes);
        // The JWK form of the same key must agree with the raw form.
        let jwk = serde_json::to_string(&group["publicKeyJwk"]).unwrap();
        assert_eq!(VerifyingKey::from_jwk(&jwk).ok(), key.clone().ok());
        for t in group["tests"].as_array().unwrap() {
            seen += 1;
            let id = t["tcId"].as_u64().unwrap();
            let msg = hex(t["msg"].as_str().unwrap());
            let sig = hex(t["sig"].as_str().unwrap());
            let want_valid = match t["result"].as_str().unwrap() {
                "valid" => true,
                "invalid" => false,
                other => panic!("tc {id}: unexpected result {other}"),
            };
            let got_valid = match &key {
                Ok(k) => {
                    let strict = k.verify(&msg, &sig).is_ok();
                    let table = PrecomputedVerifyingKey::new(k).verify(&msg, &sig).is_ok();
                    assert_eq!(table, strict, "tcId {id}: precomputed and strict differ");
                    strict
                }
                Err(_) => {
                    refused_keys += 1;
                    false
                }
            };
            assert_eq!(got_valid, want_valid, "tcId {id} ({})", t["comment"]);
        }
    }
    assert_eq!(seen, v["numberOfTests"].as_u64().unwrap() as usize);
    assert_eq!(seen, 151);
    eprintln!("wycheproof: {seen} cases, {refused_keys} with a key refused at import");
}

#[test]
fn rfc8037_appendix_a() {
    let v = common::shared_json("vectors/jws/rfc8037_appendix_a.json");
    let private = serde_json::to_string(&v["private_jwk"]).unwrap();
    let public = serde_json::to_string(&v["public_jwk"]).unwrap();
    let sk = SigningKey::from_jwk(&private).unwrap();
    let pk = VerifyingKey::from_jwk(&public).unwrap();
    assert_eq!(sk.verifying_key(), pk);
    assert_eq!(
        pk.jwk_thumbprint(),
        v["jwk_thumbprint"]["base64url"].as_str().unwrap()
    );
    assert_eq!(
        pk.to_jwk(),
        v["jwk_thumbprint"]["hash_input"].as_str().unwrap()
    );
    let input = v["jws"]["signing_input"].as_str().unwrap();
    let sig = sk.sign(input.as_bytes());
    assert_eq!(
        claw_core::b64::encode(sig),
        v["jws"]["signature_b64u"].as_str().unwrap()
    );
    pk.verify_b64u(
        input.as_bytes(),
        v["jws"]["signature_b64u"].as_str().unwrap(),
    )
    .unwrap();
}

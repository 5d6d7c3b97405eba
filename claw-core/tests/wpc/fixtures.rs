//! Reference fixtures: every object in `shared/clawsig` that is a Work Policy Contract
//! (it has `policy_version`, `policy_id` and `issuer_did`) must parse, and must hash to the
//! `policy_hash_b64u` a surrounding object declares for it.
//!
//! At the pinned reference commit the fixtures carry no WPC instance (only the v1/v2 schemas
//! and the proof-bundle schema's `egress_policy_receipt`, which mentions `policy_version` but
//! is not a policy): the schema walk (`schema_walk.rs`) is the conformance evidence. This test
//! keeps the scan honest: it reads every JSON file and fails if one is not strict JSON, so a
//! WPC fixture added later is checked automatically.

use crate::common;
use claw_core::json::{self, Limits};
use claw_core::wpc::Policy;
use serde_json::Value;

fn find<'v>(v: &'v Value, path: String, out: &mut Vec<(String, &'v Value, Option<&'v str>)>) {
    match v {
        Value::Object(o) => {
            // Skip JSON Schema documents and their nodes: they describe, they are not instances.
            if o.contains_key("$schema") || o.contains_key("type") && o.contains_key("properties") {
                return;
            }
            for (k, child) in o {
                if let Value::Object(c) = child {
                    if c.contains_key("policy_version")
                        && c.contains_key("policy_id")
                        && c.contains_key("issuer_did")
                    {
                        let declared = o
                            .get("policy_hash_b64u")
                            .or_else(|| o.get("payload_hash_b64u"))
                            .and_then(Value::as_str);
                        out.push((format!("{path}.{k}"), child, declared));
                        continue;
                    }
                }
                find(child, format!("{path}.{k}"), out);
            }
        }
        Value::Array(a) => {
            for (i, child) in a.iter().enumerate() {
                find(child, format!("{path}[{i}]"), out);
            }
        }
        _ => {}
    }
}

#[test]
fn every_wpc_in_the_reference_fixtures_parses_and_hashes() {
    let dir = common::shared_dir().join("clawsig");
    let files: Vec<_> = common::walk(&dir)
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    assert!(
        files.len() > 100,
        "only {} JSON files under {}",
        files.len(),
        dir.display()
    );
    let mut found = 0;
    for f in &files {
        let bytes = std::fs::read(f).unwrap();
        let v = json::parse(&bytes, &Limits::STRICT.with_max_bytes(64 << 20))
            .unwrap_or_else(|e| panic!("{}: {e}", f.display()));
        let mut wpcs = Vec::new();
        if v.get("policy_version").is_some()
            && v.get("policy_id").is_some()
            && v.get("$schema").is_none()
        {
            wpcs.push(("$".to_string(), &v, None));
        } else {
            find(&v, "$".into(), &mut wpcs);
        }
        for (path, w, declared) in wpcs {
            let p = Policy::from_value(w.clone())
                .unwrap_or_else(|e| panic!("{} {path}: {e}", f.display()));
            if let Some(h) = declared {
                p.verify_hash(h)
                    .unwrap_or_else(|e| panic!("{} {path}: {e}", f.display()));
            }
            found += 1;
        }
    }
    eprintln!(
        "{} JSON files scanned, {found} WPC instances checked",
        files.len()
    );
}

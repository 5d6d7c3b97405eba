//! The C ABI (`claw-ffi`, linked as an rlib) fed arbitrary bytes through its exported
//! functions. The first byte picks a family, the rest is the input:
//!
//! | byte % 7 | family | beyond "no panic, outputs only on success, clean error record" |
//! |---|---|---|
//! | 0 | JCS, keys | JCS is a fixed point; the arguments shown for an approval are bounded and escaped; JWK and did:key round trips |
//! | 1 | policies | decisions are well-formed records; an override-denied tool is denied |
//! | 2 | scoped tokens | a token `claw_cst_issue` made from the input validates |
//! | 3 | envelopes | an envelope `claw_envelope_sign` made from the input verifies |
//! | 4 | bundles and proofs | verdicts are JSON; the input as a verifier configuration |
//! | 5 | Merkle | proofs fit their buffers (exact-size heap buffers, AddressSanitizer) and verify |
//! | 6 | recorder | a bundle the recorder finishes from the input's calls verifies VALID |
//!
//! A call must never report `CLAW_ERR_PANIC` (libFuzzer's panic hook aborts on a panic
//! first, so one is caught either way).
#![no_main]
use claw::*;
use libfuzzer_sys::fuzz_target;
use serde_json::Value;
use std::ffi::{c_char, CStr};
use std::ptr;
use std::sync::OnceLock;

const NOW_S: i64 = 1_700_000_000;
const T0_MS: i64 = 1_775_000_000_000;

fn new_error() -> claw_error {
    claw_error {
        code: 0xdead,
        reason_code: [0x7f; CLAW_REASON_CODE_LEN],
        message: [0x7f; CLAW_MESSAGE_LEN],
    }
}

fn text(buf: &[c_char]) -> String {
    let bytes: Vec<u8> = buf.iter().map(|&c| c as u8).collect();
    let nul = bytes.iter().position(|&b| b == 0).expect("NUL-terminated");
    String::from_utf8(bytes[..nul].to_vec()).expect("UTF-8")
}

/// Check one call's result and error record; return whether it succeeded.
fn check(rc: claw_result, err: &claw_error) -> bool {
    assert_ne!(
        rc,
        claw_result_code::CLAW_ERR_PANIC as claw_result,
        "panic inside claw"
    );
    let name = unsafe { CStr::from_ptr(claw_result_name(rc)) };
    assert_ne!(
        name.to_bytes(),
        b"unknown claw_result",
        "undocumented result {rc}"
    );
    if rc == claw_result_code::CLAW_OK as claw_result {
        return true;
    }
    assert_eq!(err.code, rc, "error record code differs from the result");
    text(&err.reason_code);
    text(&err.message);
    false
}

/// Take a string claw returned, check it is UTF-8 and free it.
fn take(s: *mut c_char) -> String {
    assert!(!s.is_null(), "success without an output");
    let out = unsafe { CStr::from_ptr(s) }
        .to_str()
        .expect("output is UTF-8")
        .to_string();
    unsafe { claw_string_free(s) };
    out
}

fn cc(s: &str) -> *const c_char {
    s.as_ptr().cast()
}

fn signing_key(seed: u8) -> *mut claw_signing_key {
    let sk = claw_core::keys::SigningKey::from_seed(&[seed; 32]);
    let jwk = sk.to_jwk();
    let mut out = ptr::null_mut();
    let mut err = new_error();
    assert!(check(
        unsafe { claw_signing_key_from_jwk(cc(&jwk), jwk.len(), &mut out, &mut err) },
        &err
    ));
    out
}

fn did(seed: u8) -> String {
    claw_core::keys::SigningKey::from_seed(&[seed; 32])
        .verifying_key()
        .did()
}

/// Once per process: a "C string" of 64 KiB + 1 bytes with no NUL at all, in a heap buffer of
/// exactly that size. The scan must stop at the bound (AddressSanitizer reports a read past
/// the buffer otherwise).
fn unterminated_did_is_refused_within_bounds() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let buf = vec![b'z'; 64 * 1024 + 1].into_boxed_slice();
        let mut vk: *mut claw_verifying_key = ptr::null_mut();
        let mut err = new_error();
        let rc = unsafe { claw_verifying_key_from_did(buf.as_ptr().cast(), &mut vk, &mut err) };
        assert_eq!(
            rc,
            claw_result_code::CLAW_ERR_INVALID_ARGUMENT as claw_result
        );
        assert!(vk.is_null());
    });
}

fn jcs_and_keys(data: &[u8]) {
    let p = data.as_ptr().cast::<c_char>();
    unsafe {
        let mut out: *mut c_char = ptr::null_mut();
        let mut len = usize::MAX;
        let mut err = new_error();
        let rc = claw_jcs(p, data.len(), &mut out, &mut len, &mut err);
        let max_chars = 150 + data.len() % 400;
        let mut shown: *mut c_char = ptr::null_mut();
        let shown_rc = claw_approval_arguments(
            p,
            data.len(),
            max_chars,
            &mut shown,
            ptr::null_mut(),
            &mut err,
        );
        // The arguments a human is shown: readable exactly when JCS is, bounded, escaped.
        assert_eq!(
            check(shown_rc, &err),
            rc == claw_result_code::CLAW_OK as claw_result
        );
        if !shown.is_null() {
            let shown = take(shown);
            assert!(shown.chars().count() <= max_chars.max(160));
            assert!(!shown.chars().any(claw_core::escape::needs_escape));
        }
        if check(rc, &err) {
            let canon = take(out);
            assert_eq!(canon.len(), len);
            let mut again: *mut c_char = ptr::null_mut();
            let rc = claw_jcs(
                cc(&canon),
                canon.len(),
                &mut again,
                ptr::null_mut(),
                &mut err,
            );
            assert!(check(rc, &err));
            assert_eq!(
                take(again),
                canon,
                "JCS is not a fixed point through the C ABI"
            );
        } else {
            assert!(
                out.is_null() && len == usize::MAX,
                "output written on failure"
            );
        }
        let rc = claw_jcs(
            ptr::null(),
            data.len().max(1),
            &mut out,
            ptr::null_mut(),
            &mut err,
        );
        assert!(!check(rc, &err));

        let mut vk: *mut claw_verifying_key = ptr::null_mut();
        if check(
            claw_verifying_key_from_jwk(p, data.len(), &mut vk, &mut err),
            &err,
        ) {
            let mut s: *mut c_char = ptr::null_mut();
            assert!(check(claw_verifying_key_to_jwk(vk, &mut s, &mut err), &err));
            let jwk = take(s);
            assert!(check(claw_verifying_key_did(vk, &mut s, &mut err), &err));
            let d = take(s);
            let mut vk2: *mut claw_verifying_key = ptr::null_mut();
            assert!(check(
                claw_verifying_key_from_jwk(cc(&jwk), jwk.len(), &mut vk2, &mut err),
                &err
            ));
            let did_c = std::ffi::CString::new(d.clone()).expect("no NUL in a DID");
            let mut vk3: *mut claw_verifying_key = ptr::null_mut();
            assert!(check(
                claw_verifying_key_from_did(did_c.as_ptr(), &mut vk3, &mut err),
                &err
            ));
            assert!(check(claw_verifying_key_did(vk3, &mut s, &mut err), &err));
            assert_eq!(take(s), d);
            claw_verifying_key_free(vk2);
            claw_verifying_key_free(vk3);
        } else {
            assert!(vk.is_null(), "key written on failure");
        }
        claw_verifying_key_free(vk);

        let mut sk: *mut claw_signing_key = ptr::null_mut();
        if check(
            claw_signing_key_from_jwk(p, data.len(), &mut sk, &mut err),
            &err,
        ) {
            let mut s: *mut c_char = ptr::null_mut();
            assert!(check(claw_signing_key_to_jwk(sk, &mut s, &mut err), &err));
            let jwk = take(s);
            let mut sk2: *mut claw_signing_key = ptr::null_mut();
            assert!(check(
                claw_signing_key_from_jwk(cc(&jwk), jwk.len(), &mut sk2, &mut err),
                &err
            ));
            let mut pk: *mut claw_verifying_key = ptr::null_mut();
            assert!(check(claw_signing_key_public(sk2, &mut pk, &mut err), &err));
            claw_verifying_key_free(pk);
            claw_signing_key_free(sk2);
        } else {
            assert!(sk.is_null(), "key written on failure");
        }
        claw_signing_key_free(sk);

        let end = data.iter().position(|&b| b == 0).unwrap_or(data.len());
        let cstr = std::ffi::CString::new(&data[..end]).expect("no interior NUL");
        let mut vk: *mut claw_verifying_key = ptr::null_mut();
        if check(
            claw_verifying_key_from_did(cstr.as_ptr(), &mut vk, &mut err),
            &err,
        ) {
            claw_verifying_key_free(vk);
        } else {
            assert!(vk.is_null());
        }
        let mut s: *mut c_char = ptr::null_mut();
        assert!(!check(
            claw_verifying_key_did(ptr::null(), &mut s, &mut err),
            &err
        ));
        assert!(!check(
            claw_signing_key_to_jwk(ptr::null(), &mut s, &mut err),
            &err
        ));
        claw_string_free(ptr::null_mut());
        if data.len() >= 4 {
            let code = u32::from_le_bytes([data[0], data[1], data[2], data[3]]);
            let _ = CStr::from_ptr(claw_result_name(code))
                .to_str()
                .expect("UTF-8");
        }
        let _ = CStr::from_ptr(claw_version()).to_str().expect("UTF-8");
    }
}

fn decide(policy: *const claw_policy, tool: &[u8], context: &[u8]) -> Option<(u32, String)> {
    let mut d = claw_decision {
        decision: 0xdead,
        reason_code: [0x7f; CLAW_DECISION_REASON_LEN],
        statement_id: [0x7f; CLAW_STATEMENT_ID_LEN],
        policy_hash: [0x7f; CLAW_POLICY_HASH_LEN],
    };
    let mut err = new_error();
    let rc = unsafe {
        claw_policy_decide(
            policy,
            tool.as_ptr().cast(),
            tool.len(),
            context.as_ptr().cast(),
            context.len(),
            NOW_S,
            &mut d,
            &mut err,
        )
    };
    if !check(rc, &err) {
        return None;
    }
    assert!(
        (1..=3).contains(&d.decision),
        "decision code {}",
        d.decision
    );
    text(&d.statement_id);
    text(&d.policy_hash);
    Some((d.decision, text(&d.reason_code)))
}

fn policies(data: &[u8]) {
    let p = data.as_ptr().cast::<c_char>();
    let mut loaded: Vec<*mut claw_policy> = Vec::new();
    unsafe {
        let mut err = new_error();
        let mut pol: *mut claw_policy = ptr::null_mut();
        if check(
            claw_policy_from_json(p, data.len(), ptr::null(), &mut pol, &mut err),
            &err,
        ) {
            loaded.push(pol);
        } else {
            assert!(pol.is_null());
        }
        let mut out: *mut c_char = ptr::null_mut();
        let mut len = 0usize;
        if check(
            claw_policy_compile_authoring(p, data.len(), &mut out, &mut len, &mut err),
            &err,
        ) {
            let compiled = take(out);
            let mut pol: *mut claw_policy = ptr::null_mut();
            assert!(
                check(
                    claw_policy_from_json(
                        cc(&compiled),
                        compiled.len(),
                        ptr::null(),
                        &mut pol,
                        &mut err
                    ),
                    &err
                ),
                "a compiled authoring document loads"
            );
            loaded.push(pol);
        }
        let mut pol: *mut claw_policy = ptr::null_mut();
        if check(
            claw_policy_from_envelope(
                p,
                data.len(),
                ptr::null(),
                0,
                NOW_S,
                ptr::null(),
                &mut pol,
                &mut err,
            ),
            &err,
        ) {
            loaded.push(pol);
        }
        let key = signing_key(0x42);
        let mut env: *mut c_char = ptr::null_mut();
        if check(
            claw_policy_sign(
                p,
                data.len(),
                key,
                T0_MS,
                -1,
                &mut env,
                ptr::null_mut(),
                &mut err,
            ),
            &err,
        ) {
            let env = take(env);
            let signers = format!("[\"{}\"]", did(0x42));
            let mut pol: *mut claw_policy = ptr::null_mut();
            assert!(
                check(
                    claw_policy_from_envelope(
                        cc(&env),
                        env.len(),
                        cc(&signers),
                        signers.len(),
                        NOW_S,
                        ptr::null(),
                        &mut pol,
                        &mut err
                    ),
                    &err
                ),
                "a policy claw signed loads from its envelope"
            );
            loaded.push(pol);
        }
        claw_signing_key_free(key);

        for &pol in &loaded {
            let mut info: *mut c_char = ptr::null_mut();
            assert!(check(
                claw_policy_info(pol, &mut info, ptr::null_mut(), &mut err),
                &err
            ));
            let _: Value = serde_json::from_str(&take(info)).expect("info is JSON");
            for tool in [
                &b"shell_exec"[..],
                b"read_file",
                &data[..data.len().min(40)],
            ] {
                for ctx in [
                    &b"{}"[..],
                    br#"{"Data:Class":"internal","Request:HasHumanApproval":"true"}"#,
                    data,
                ] {
                    let _ = decide(pol, tool, ctx);
                }
            }
            let mut d = claw_decision {
                decision: 0,
                reason_code: [0; CLAW_DECISION_REASON_LEN],
                statement_id: [0; CLAW_STATEMENT_ID_LEN],
                policy_hash: [0; CLAW_POLICY_HASH_LEN],
            };
            let action = &data[..data.len().min(12)];
            let rc = claw_policy_decide_request(
                pol,
                action.as_ptr().cast(),
                action.len(),
                cc("api.example.com"),
                15,
                ptr::null(),
                0,
                NOW_S,
                NOW_S - 10,
                &mut d,
                &mut err,
            );
            check(rc, &err);
            let _ = claw_policy_set_overrides(pol, p, data.len(), &mut err);
            let deny = r#"{"denied_tools":["shell_exec"]}"#;
            assert!(check(
                claw_policy_set_overrides(pol, cc(deny), deny.len(), &mut err),
                &err
            ));
            let (verdict, reason) =
                decide(pol, b"shell_exec", b"{}").expect("a valid request decides");
            assert_eq!((verdict, reason.as_str()), (2, "OVERRIDE_TOOL_DENIED"));
            claw_policy_free(pol);
        }
        claw_policy_free(ptr::null_mut());
    }
}

fn tokens(data: &[u8]) {
    let p = data.as_ptr().cast::<c_char>();
    unsafe {
        let mut err = new_error();
        let dids = format!("[\"{}\"]", did(0x11));
        let mut keys: *mut claw_keyset = ptr::null_mut();
        assert!(check(
            claw_keyset_from_json(cc(&dids), dids.len(), &mut keys, &mut err),
            &err
        ));
        let mut other: *mut claw_keyset = ptr::null_mut();
        if check(
            claw_keyset_from_json(p, data.len(), &mut other, &mut err),
            &err,
        ) {
            claw_keyset_free(other);
        }
        let mut guard: *mut claw_replay_guard = ptr::null_mut();
        assert!(check(claw_replay_guard_new(64, &mut guard, &mut err), &err));
        let mut revs: *mut claw_revocations = ptr::null_mut();
        assert!(check(claw_revocations_new(&mut revs, &mut err), &err));
        let kind = u32::from(data.first().copied().unwrap_or(0) % 6);
        let _ = claw_revocations_revoke(revs, kind, p, data.len(), &mut err);

        let mut h: *mut c_char = ptr::null_mut();
        if check(claw_cst_token_hash(p, data.len(), &mut h, &mut err), &err) {
            assert_eq!(take(h).len(), 64);
        }
        let opts = r#"{"audience":"gateway.test","action":"tool:execute","replay":"jti_once_per_job","job":"job-1"}"#;
        let mut claims: *mut c_char = ptr::null_mut();
        if check(
            claw_cst_validate(
                p,
                data.len(),
                keys,
                cc(opts),
                opts.len(),
                guard,
                revs,
                NOW_S,
                &mut claims,
                ptr::null_mut(),
                &mut err,
            ),
            &err,
        ) {
            let _: Value = serde_json::from_str(&take(claims)).expect("claims JSON");
        }
        // The input as validation options, for a token that is valid under sane ones.
        let issuer = signing_key(0x11);
        let good = r#"{"sub":"did:key:z6MkAgent","aud":"gateway.test","scope":["tool:execute"],"mission_id":"job-1"}"#;
        let mut tok: *mut c_char = ptr::null_mut();
        assert!(check(
            claw_cst_issue(
                issuer,
                cc(good),
                good.len(),
                300,
                0,
                ptr::null(),
                0,
                NOW_S,
                &mut tok,
                ptr::null_mut(),
                ptr::null_mut(),
                &mut err
            ),
            &err
        ));
        let tok = take(tok);
        let mut claims: *mut c_char = ptr::null_mut();
        if check(
            claw_cst_validate(
                cc(&tok),
                tok.len(),
                keys,
                p,
                data.len(),
                guard,
                revs,
                NOW_S,
                &mut claims,
                ptr::null_mut(),
                &mut err,
            ),
            &err,
        ) {
            take(claims);
        }
        // The input as claims to issue: whatever is issued validates for its own audience
        // and first scope.
        let mut tok: *mut c_char = ptr::null_mut();
        let mut signed: *mut c_char = ptr::null_mut();
        if check(
            claw_cst_issue(
                issuer,
                p,
                data.len(),
                300,
                3600,
                ptr::null(),
                0,
                NOW_S,
                &mut tok,
                ptr::null_mut(),
                &mut signed,
                &mut err,
            ),
            &err,
        ) {
            let tok = take(tok);
            let signed: Value = serde_json::from_str(&take(signed)).expect("claims JSON");
            let aud = match &signed["aud"] {
                Value::String(s) => s.clone(),
                Value::Array(a) => a[0].as_str().expect("aud").to_string(),
                other => panic!("aud {other}"),
            };
            let scope = signed["scope"][0].as_str().expect("scope").to_string();
            // Validated as a runtime that honours what the token names: its pinned policy,
            // its job. Delegation claims and a future `nbf` may legitimately fail later
            // checks, so those tokens are only required not to crash.
            let pin = signed
                .get("policy_hash_b64u")
                .or_else(|| signed.get("delegation_policy_hash_b64u"))
                .cloned();
            let mut opts = serde_json::json!({"audience": aud, "action": scope});
            if let Some(p) = pin {
                opts["runtime_policy_hash"] = p;
            }
            if let Some(m) = signed.get("mission_id") {
                opts["job"] = m.clone();
            }
            let strict = !signed
                .as_object()
                .expect("claims object")
                .keys()
                .any(|k| k.starts_with("delegat") || k == "nbf");
            let opts = opts.to_string();
            let mut claims: *mut c_char = ptr::null_mut();
            let rc = claw_cst_validate(
                cc(&tok),
                tok.len(),
                keys,
                cc(&opts),
                opts.len(),
                ptr::null(),
                ptr::null(),
                NOW_S,
                &mut claims,
                ptr::null_mut(),
                &mut err,
            );
            if check(rc, &err) {
                take(claims);
            } else {
                assert!(
                    !strict,
                    "an issued token does not validate: {}",
                    text(&err.reason_code)
                );
            }
        }
        claw_signing_key_free(issuer);
        claw_keyset_free(keys);
        claw_replay_guard_free(guard);
        claw_revocations_free(revs);
    }
}

fn envelopes(data: &[u8]) {
    let p = data.as_ptr().cast::<c_char>();
    unsafe {
        let mut err = new_error();
        for t in ["proof_bundle", "work_policy_contract", "gateway_receipt"] {
            let mut out: *mut c_char = ptr::null_mut();
            if check(
                claw_envelope_verify(
                    p,
                    data.len(),
                    cc(t),
                    t.len(),
                    ptr::null(),
                    0,
                    NOW_S,
                    &mut out,
                    ptr::null_mut(),
                    &mut err,
                ),
                &err,
            ) {
                take(out);
            }
        }
        let mut out: *mut c_char = ptr::null_mut();
        let _ = claw_envelope_verify(
            cc("{}"),
            2,
            cc("x"),
            1,
            p,
            data.len(),
            NOW_S,
            &mut out,
            ptr::null_mut(),
            &mut err,
        );
        if !out.is_null() {
            take(out);
        }
        let key = signing_key(0x33);
        for t in ["gateway_receipt", "work_policy_contract"] {
            let mut env: *mut c_char = ptr::null_mut();
            if check(
                claw_envelope_sign(
                    cc(t),
                    t.len(),
                    p,
                    data.len(),
                    key,
                    T0_MS,
                    -1,
                    &mut env,
                    ptr::null_mut(),
                    &mut err,
                ),
                &err,
            ) {
                let env = take(env);
                let signers = format!("[\"{}\"]", did(0x33));
                let mut out: *mut c_char = ptr::null_mut();
                let rc = claw_envelope_verify(
                    cc(&env),
                    env.len(),
                    cc(t),
                    t.len(),
                    cc(&signers),
                    signers.len(),
                    NOW_S,
                    &mut out,
                    ptr::null_mut(),
                    &mut err,
                );
                assert!(
                    check(rc, &err),
                    "a signed envelope does not verify: {}",
                    text(&err.reason_code)
                );
                take(out);
            }
        }
        claw_signing_key_free(key);
    }
}

/// A small bundle claw made (built once), for feeding the input as configuration.
fn sample_bundle() -> &'static str {
    static B: OnceLock<String> = OnceLock::new();
    B.get_or_init(|| {
        let mut rng = Counter(1);
        let mut rec = claw_core::evidence::Recorder::new(
            claw_core::keys::SigningKey::from_seed(&[7; 32]),
            &mut rng,
        );
        rec.record_event("run_start", &serde_json::json!({}), T0_MS, &mut rng)
            .expect("event");
        rec.finish(
            &claw_core::evidence::BundleOptions::default(),
            T0_MS + 1,
            &mut rng,
        )
        .expect("bundle")
        .to_json()
        .expect("json")
    })
}

/// Deterministic bytes for the sample bundle's ids (fuzzing only, never for keys).
struct Counter(u64);

impl rand_core::RngCore for Counter {
    fn next_u32(&mut self) -> u32 {
        self.next_u64() as u32
    }
    fn next_u64(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0
    }
    fn fill_bytes(&mut self, dest: &mut [u8]) {
        for b in dest {
            *b = (self.next_u64() >> 33) as u8;
        }
    }
    fn try_fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), rand_core::Error> {
        self.fill_bytes(dest);
        Ok(())
    }
}
impl rand_core::CryptoRng for Counter {}

fn bundles(data: &[u8]) {
    let p = data.as_ptr().cast::<c_char>();
    unsafe {
        let mut err = new_error();
        let mut valid = false;
        let mut verdict: *mut c_char = ptr::null_mut();
        if check(
            claw_bundle_verify(
                p,
                data.len(),
                ptr::null(),
                0,
                ptr::null(),
                T0_MS + 1000,
                &mut valid,
                &mut verdict,
                ptr::null_mut(),
                &mut err,
            ),
            &err,
        ) {
            let v: Value = serde_json::from_str(&take(verdict)).expect("verdict JSON");
            let _ = v;
        }
        let b = sample_bundle();
        let mut verdict: *mut c_char = ptr::null_mut();
        if check(
            claw_bundle_verify(
                cc(b),
                b.len(),
                p,
                data.len(),
                ptr::null(),
                T0_MS + 1000,
                &mut valid,
                &mut verdict,
                ptr::null_mut(),
                &mut err,
            ),
            &err,
        ) {
            take(verdict);
        }
        let mut out: *mut c_char = ptr::null_mut();
        if check(
            claw_receipt_proof_verify(
                p,
                data.len(),
                ptr::null(),
                0,
                ptr::null(),
                0,
                &mut out,
                &mut err,
            ),
            &err,
        ) {
            take(out);
        }
        let mut pulse: *mut c_char = ptr::null_mut();
        if check(
            claw_trust_pulse_from_bundle(
                p,
                data.len(),
                ptr::null(),
                0,
                T0_MS,
                T0_MS,
                &mut pulse,
                &mut err,
            ),
            &err,
        ) {
            let _: Value = serde_json::from_str(&take(pulse)).expect("pulse JSON");
        }
        let mut proof: *mut c_char = ptr::null_mut();
        if check(
            claw_bundle_receipt_proof(
                p,
                data.len(),
                ptr::null(),
                0,
                T0_MS + 1000,
                cc("rcpt_x"),
                6,
                &mut proof,
                &mut err,
            ),
            &err,
        ) {
            take(proof);
        }
    }
}

fn merkle(data: &[u8]) {
    unsafe {
        let mut err = new_error();
        let mut h = [0u8; 32];
        assert!(check(
            claw_merkle_leaf_hash(data.as_ptr(), data.len(), h.as_mut_ptr(), &mut err),
            &err
        ));
        let _ = claw_merkle_root(data.as_ptr(), data.len(), h.as_mut_ptr(), &mut err);
        let _ = claw_merkle_clawlogs_verify_inclusion(data.as_ptr().cast(), data.len(), &mut err);
        if data.len() < 18 {
            return;
        }
        let index = u64::from(data[0]) | (u64::from(data[1] & 0x80) << 56);
        let size = u64::from(data[2]) | (u64::from(data[3] & 0x80) << 56);
        let cap = usize::from(data[4]) * 4;
        let leaves = &data[18..];
        // Exact-size heap buffer: a write past `cap` is a heap overflow AddressSanitizer sees.
        let mut buf = vec![0u8; cap].into_boxed_slice();
        let mut plen = usize::MAX;
        let rc = claw_merkle_inclusion_proof(
            leaves.as_ptr(),
            leaves.len(),
            index,
            size,
            buf.as_mut_ptr(),
            cap,
            &mut plen,
            &mut err,
        );
        if check(rc, &err) {
            assert!(plen <= cap && plen % 32 == 0);
            let mut root = [0u8; 32];
            // `tree_size` 0 asks for the tree of all the leaves; the proof verifies at that size.
            let count = leaves.len() as u64 / 32;
            let size = if size == 0 { count } else { size };
            let n = size.min(count) as usize;
            assert!(check(
                claw_merkle_root(leaves.as_ptr(), n * 32, root.as_mut_ptr(), &mut err),
                &err
            ));
            let leaf = &leaves[index as usize * 32..index as usize * 32 + 32];
            let rc = claw_merkle_verify_inclusion(
                leaf.as_ptr(),
                index,
                size,
                buf.as_ptr(),
                plen,
                root.as_ptr(),
                &mut err,
            );
            assert!(check(rc, &err), "a proof claw cut does not verify");
        }
        let mut plen = usize::MAX;
        let rc = claw_merkle_consistency_proof(
            leaves.as_ptr(),
            leaves.len(),
            index,
            buf.as_mut_ptr(),
            cap,
            &mut plen,
            &mut err,
        );
        if check(rc, &err) {
            assert!(plen <= cap && plen % 32 == 0);
        }
        // Arbitrary everything.
        let (a, b) = data.split_at(data.len() / 2);
        let root = if b.len() >= 32 {
            b.as_ptr()
        } else {
            h.as_ptr()
        };
        let _ = claw_merkle_verify_inclusion(
            h.as_ptr(),
            index,
            size,
            a.as_ptr(),
            a.len(),
            root,
            &mut err,
        );
        let _ = claw_merkle_verify_consistency(
            index,
            size,
            h.as_ptr(),
            root,
            a.as_ptr(),
            a.len(),
            &mut err,
        );
    }
}

fn recorder(data: &[u8]) {
    unsafe {
        let mut err = new_error();
        let agent = signing_key(7);
        let gateway = signing_key(9);
        let mut rec: *mut claw_recorder = ptr::null_mut();
        let run = "run_fuzz0000001";
        assert!(check(
            claw_recorder_new(agent, cc(run), run.len(), &mut rec, &mut err),
            &err
        ));
        let mut out: *mut c_char = ptr::null_mut();
        let start = r#"{"task":"fuzz"}"#;
        assert!(check(
            claw_recorder_record_event(
                rec,
                cc("run_start"),
                9,
                cc(start),
                start.len(),
                T0_MS,
                &mut out,
                &mut err
            ),
            &err
        ));
        take(out);
        for (i, part) in data.split(|&b| b == 0).take(8).enumerate() {
            let p = part.as_ptr().cast::<c_char>();
            let mut out: *mut c_char = ptr::null_mut();
            let rc = match i % 7 {
                0 => claw_recorder_record_tool_call(rec, p, part.len(), &mut out, &mut err),
                1 => claw_recorder_record_model_call(
                    rec,
                    gateway,
                    cc("gw_fuzz"),
                    7,
                    p,
                    part.len(),
                    &mut out,
                    &mut err,
                ),
                2 => claw_recorder_record_side_effect(rec, p, part.len(), &mut out, &mut err),
                3 => claw_recorder_record_human_approval(rec, p, part.len(), &mut out, &mut err),
                4 => claw_recorder_record_delegation(rec, p, part.len(), &mut out, &mut err),
                5 => claw_recorder_record_decision(
                    rec,
                    p,
                    part.len(),
                    T0_MS + 100,
                    &mut out,
                    &mut err,
                ),
                _ => claw_recorder_begin_model_call(rec, p, part.len(), &mut out, &mut err),
            };
            if check(rc, &err) {
                take(out);
            }
        }
        let mut info: *mut c_char = ptr::null_mut();
        assert!(check(
            claw_recorder_info(rec, &mut info, ptr::null_mut(), &mut err),
            &err
        ));
        take(info);
        let mut bundle: *mut c_char = ptr::null_mut();
        let opts = r#"{"causal_anchoring":"off"}"#;
        let rc = claw_recorder_finish(
            rec,
            cc(opts),
            opts.len(),
            T0_MS + 10_000_000,
            &mut bundle,
            ptr::null_mut(),
            ptr::null_mut(),
            &mut err,
        );
        if check(rc, &err) {
            let bundle = take(bundle);
            let config = format!(
                r#"{{"config_version":"1","allowlists":{{"gateway_receipt_signer_dids":["{}"]}},"causal_mode":"observe"}}"#,
                did(9)
            );
            let mut valid = false;
            let mut verdict: *mut c_char = ptr::null_mut();
            let rc = claw_bundle_verify(
                cc(&bundle),
                bundle.len(),
                cc(&config),
                config.len(),
                ptr::null(),
                T0_MS + 20_000_000,
                &mut valid,
                &mut verdict,
                ptr::null_mut(),
                &mut err,
            );
            assert!(check(rc, &err));
            let verdict = take(verdict);
            assert!(
                valid,
                "a bundle the recorder finished does not verify: {verdict}"
            );
        }
        claw_recorder_free(rec);
        claw_signing_key_free(agent);
        claw_signing_key_free(gateway);
    }
}

fuzz_target!(|data: &[u8]| {
    unterminated_did_is_refused_within_bounds();
    let Some((&family, input)) = data.split_first() else {
        return;
    };
    match family % 7 {
        0 => jcs_and_keys(input),
        1 => policies(input),
        2 => tokens(input),
        3 => envelopes(input),
        4 => bundles(input),
        5 => merkle(input),
        _ => recorder(input),
    }
});

//! The C ABI (`claw-ffi`, linked as an rlib) fed arbitrary bytes through every exported
//! function on main: `claw_jcs`, the key functions, `claw_result_name`, `claw_version`,
//! `claw_string_free`. A call must never report `CLAW_ERR_PANIC` (a panic inside the panic
//! boundary: libFuzzer's panic hook aborts first, so it is caught either way), must write its
//! outputs only on success, and must leave the error record NUL-terminated UTF-8.
//!
//! When policy, token or bundle exports land on main, add them here (see fuzz/README.md).
#![no_main]
use claw::*;
use libfuzzer_sys::fuzz_target;
use std::ffi::{c_char, CStr};
use std::ptr;

fn new_error() -> claw_error {
    claw_error {
        code: 0xdead,
        reason_code: [0x7f; CLAW_REASON_CODE_LEN],
        message: [0x7f; CLAW_MESSAGE_LEN],
    }
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
    for buf in [&err.reason_code[..], &err.message[..]] {
        let bytes: Vec<u8> = buf.iter().map(|&c| c as u8).collect();
        let nul = bytes
            .iter()
            .position(|&b| b == 0)
            .expect("error text is NUL-terminated");
        std::str::from_utf8(&bytes[..nul]).expect("error text is UTF-8");
    }
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

fuzz_target!(|data: &[u8]| {
    unterminated_did_is_refused_within_bounds();
    let p = data.as_ptr().cast::<c_char>();
    unsafe {
        // claw_jcs: arbitrary bytes, and the canonical form is a fixed point.
        let mut out: *mut c_char = ptr::null_mut();
        let mut len = usize::MAX;
        let mut err = new_error();
        let rc = claw_jcs(p, data.len(), &mut out, &mut len, &mut err);
        if check(rc, &err) {
            let canon = take(out);
            assert_eq!(canon.len(), len);
            let mut again: *mut c_char = ptr::null_mut();
            let rc = claw_jcs(
                canon.as_ptr().cast(),
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
        // NULL with a length, and a NULL output: refused, never dereferenced.
        let rc = claw_jcs(
            ptr::null(),
            data.len().max(1),
            &mut out,
            ptr::null_mut(),
            &mut err,
        );
        assert!(!check(rc, &err));
        let rc = claw_jcs(
            p,
            data.len(),
            ptr::null_mut(),
            ptr::null_mut(),
            ptr::null_mut(),
        );
        assert_ne!(rc, claw_result_code::CLAW_OK as claw_result);

        // Keys from JWK text.
        let mut vk: *mut claw_verifying_key = ptr::null_mut();
        let mut err = new_error();
        if check(
            claw_verifying_key_from_jwk(p, data.len(), &mut vk, &mut err),
            &err,
        ) {
            let mut s: *mut c_char = ptr::null_mut();
            assert!(check(claw_verifying_key_to_jwk(vk, &mut s, &mut err), &err));
            let jwk = take(s);
            assert!(check(claw_verifying_key_did(vk, &mut s, &mut err), &err));
            let did = take(s);
            // What claw wrote reads back to the same key.
            let mut vk2: *mut claw_verifying_key = ptr::null_mut();
            assert!(check(
                claw_verifying_key_from_jwk(jwk.as_ptr().cast(), jwk.len(), &mut vk2, &mut err),
                &err
            ));
            let did_c = std::ffi::CString::new(did.clone()).expect("no NUL in a DID");
            let mut vk3: *mut claw_verifying_key = ptr::null_mut();
            assert!(check(
                claw_verifying_key_from_did(did_c.as_ptr(), &mut vk3, &mut err),
                &err
            ));
            assert!(check(claw_verifying_key_did(vk3, &mut s, &mut err), &err));
            assert_eq!(take(s), did);
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
                claw_signing_key_from_jwk(jwk.as_ptr().cast(), jwk.len(), &mut sk2, &mut err),
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

        // A did:key from the bytes up to the first NUL (the C string the caller would pass).
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

        // Handles: NULL everywhere is an error, never a crash.
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

        // Result names for arbitrary codes, and the version string.
        if data.len() >= 4 {
            let code = u32::from_le_bytes([data[0], data[1], data[2], data[3]]);
            let _ = CStr::from_ptr(claw_result_name(code))
                .to_str()
                .expect("UTF-8");
        }
        let _ = CStr::from_ptr(claw_version()).to_str().expect("UTF-8");
    }
});

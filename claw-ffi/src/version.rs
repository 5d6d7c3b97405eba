//! Version of the library, at compile time (macros) and at run time (`claw_version`).

use std::os::raw::c_char;

/// Major version of the claw C API (semantic versioning).
pub const CLAW_VERSION_MAJOR: u32 = 0;
/// Minor version of the claw C API.
pub const CLAW_VERSION_MINOR: u32 = 1;
/// Patch version of the claw C API.
pub const CLAW_VERSION_PATCH: u32 = 0;

static VERSION: &str = concat!(env!("CARGO_PKG_VERSION"), "\0");

/// The library version as a static NUL-terminated string ("MAJOR.MINOR.PATCH").
/// Never free it.
#[no_mangle]
pub extern "C" fn claw_version() -> *const c_char {
    VERSION.as_ptr().cast()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn macros_match_cargo_version() {
        let want = format!("{CLAW_VERSION_MAJOR}.{CLAW_VERSION_MINOR}.{CLAW_VERSION_PATCH}");
        assert_eq!(want, env!("CARGO_PKG_VERSION"));
        let got = unsafe { std::ffi::CStr::from_ptr(claw_version()) };
        assert_eq!(got.to_str().unwrap(), want);
    }
}

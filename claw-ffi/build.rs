//! Gives the shared library its SONAME on ELF platforms: the ABI's version, as cargo-c does
//! (`libclaw.so.MAJOR`, or `libclaw.so.0.MINOR` while the major version is 0, since a 0.x
//! minor release may break the ABI). Programs linked against one ABI then refuse to load
//! another instead of misbehaving.

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    let os = std::env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    if !matches!(
        os.as_str(),
        "linux" | "android" | "freebsd" | "netbsd" | "openbsd" | "dragonfly"
    ) {
        return;
    }
    let major = std::env::var("CARGO_PKG_VERSION_MAJOR").unwrap_or_default();
    let minor = std::env::var("CARGO_PKG_VERSION_MINOR").unwrap_or_default();
    let soname = if major == "0" {
        format!("libclaw.so.0.{minor}")
    } else {
        format!("libclaw.so.{major}")
    };
    println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,{soname}");
}

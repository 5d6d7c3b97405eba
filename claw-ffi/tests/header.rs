//! The committed header must equal a fresh cbindgen generation.
//! `CLAW_UPDATE_HEADER=1 cargo test -p claw-ffi --test header` rewrites it.

use std::path::PathBuf;

#[test]
fn committed_header_is_up_to_date() {
    let crate_dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let header = crate_dir.join("../include/claw.h");
    let config =
        cbindgen::Config::from_file(crate_dir.join("cbindgen.toml")).expect("cbindgen.toml");
    let mut fresh = Vec::new();
    cbindgen::Builder::new()
        .with_crate(&crate_dir)
        .with_config(config)
        .generate()
        .expect("cbindgen generation")
        .write(&mut fresh);
    if std::env::var_os("CLAW_UPDATE_HEADER").is_some() {
        std::fs::create_dir_all(header.parent().unwrap()).unwrap();
        std::fs::write(&header, &fresh).unwrap();
        return;
    }
    let committed = std::fs::read(&header).unwrap_or_default();
    assert!(
        committed == fresh,
        "include/claw.h is stale: run CLAW_UPDATE_HEADER=1 cargo test -p claw-ffi --test header"
    );
}

#[test]
fn every_header_item_is_documented() {
    let header = std::fs::read_to_string(
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../include/claw.h"),
    )
    .unwrap();
    let lines: Vec<&str> = header.lines().collect();
    for (i, line) in lines.iter().enumerate() {
        let t = line.trim_start();
        let is_item = (t.starts_with("claw_result claw_")
            || t.starts_with("void claw_")
            || t.starts_with("const char *claw_")
            || t.starts_with("typedef struct")
            || t.starts_with("#define CLAW_")
            || t.starts_with("enum claw_"))
            && !t.starts_with("#define CLAW_H");
        if is_item {
            let prev = lines[..i]
                .iter()
                .rev()
                .find(|l| !l.trim().is_empty())
                .copied()
                .unwrap_or("");
            assert!(
                prev.trim_start().starts_with("//") || prev.trim_end().ends_with("*/"),
                "undocumented header item at line {}: {line}",
                i + 1
            );
        }
    }
}

use crate::{exit, io, Failure};
use claw_core::keys::SigningKey;
use std::path::PathBuf;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Output prefix: writes PREFIX.jwk (private, mode 0600) and PREFIX.pub.jwk.
    #[arg(long)]
    out: PathBuf,
    /// Print a JSON object instead of text.
    #[arg(long)]
    json: bool,
}

pub fn run(a: Args) -> Result<u8, Failure> {
    let key = SigningKey::generate(&mut rand_core::OsRng);
    let private = with_suffix(&a.out, ".jwk");
    let public = with_suffix(&a.out, ".pub.jwk");
    io::write_file(&private, key.to_jwk().as_bytes(), true)?;
    io::write_file(&public, key.verifying_key().to_jwk().as_bytes(), false)?;
    let did = key.verifying_key().did();
    if a.json {
        let out = serde_json::json!({
            "did": did,
            "private_jwk": private.display().to_string(),
            "public_jwk": public.display().to_string(),
        });
        io::print_line(&out.to_string())?;
    } else {
        io::print_line(&did)?;
    }
    Ok(exit::OK)
}

fn with_suffix(prefix: &std::path::Path, suffix: &str) -> PathBuf {
    let mut s = prefix.as_os_str().to_owned();
    s.push(suffix);
    PathBuf::from(s)
}

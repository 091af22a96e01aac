//! `remedy keygen`.

use std::path::PathBuf;

use anyhow::Context as _;
use remedy_client::keyfile::write_signing_key;
use remedy_core::SigningKey;

use crate::Format;
use crate::client::Context;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Where to write the key (default: DIR/signing.key, or ./signing.key without --dir).
    #[arg(long)]
    out: Option<PathBuf>,
}

pub fn run(context: &Context, args: Args) -> anyhow::Result<()> {
    let path = args.out.unwrap_or_else(|| {
        context
            .dir
            .clone()
            .unwrap_or_else(|| PathBuf::from("."))
            .join("signing.key")
    });
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("creating {}", parent.display()))?;
    }
    let key = SigningKey::generate();
    write_signing_key(&path, &key)?;
    let public = hex::encode(key.verifying_key().as_bytes());
    match context.format {
        Format::Json => println!(
            "{}",
            serde_json::json!({ "path": path, "public_key": public, "key_id": key.key_id().to_string() })
        ),
        _ => {
            println!("wrote {} (mode 0600)", path.display());
            println!("public key  {public}");
            println!("key id      {}", key.key_id());
        }
    }
    Ok(())
}

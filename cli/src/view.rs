//! `remedy view ...`: what a node shows its readers.

use anyhow::{Context as _, bail};
use remedy_core::manifest::Manifest;
use remedy_proto::v1 as pb;

use crate::Format;
use crate::client::Context;

#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// The federation's members, as the node sees them in the manifest it runs under.
    Members,
}

pub fn run(context: &Context, command: Command) -> anyhow::Result<()> {
    let (runtime, channel) = context.connect()?;
    match command {
        Command::Members => {
            let reply = runtime
                .block_on(
                    pb::federation_client::FederationClient::new(channel)
                        .manifest(pb::ManifestRequest { version: 0 }),
                )?
                .into_inner();
            if reply.text.is_empty() {
                bail!("the node runs standalone: it has no federation.toml");
            }
            let manifest = Manifest::parse(&reply.text)
                .context("the node sent a manifest that does not parse")?;
            members(context, &manifest)
        }
    }
}

fn members(context: &Context, manifest: &Manifest) -> anyhow::Result<()> {
    let signers: Vec<&str> = manifest
        .signatures
        .iter()
        .map(|s| s.member.as_str())
        .collect();
    match context.format {
        Format::Json => {
            let members: Vec<_> = manifest
                .body
                .members
                .iter()
                .map(|m| {
                    serde_json::json!({
                        "id": m.id.to_string(),
                        "name": m.name,
                        "role": m.role.to_string(),
                        "endpoint": m.endpoint,
                        "public_key": m.public_key,
                        "tls_fingerprint": m.tls_fingerprint,
                        "signed_manifest": signers.contains(&m.id.as_str()),
                    })
                })
                .collect();
            println!(
                "{}",
                serde_json::json!({
                    "federation": manifest.body.federation.name,
                    "version": manifest.version(),
                    "members": members,
                })
            );
        }
        Format::Table => {
            println!(
                "federation {:?}, manifest version {}",
                manifest.body.federation.name,
                manifest.version()
            );
            println!(
                "{:<6}  {:<11}  {:<21}  {:<16}  {:<6}  name",
                "id", "role", "endpoint", "key", "signed"
            );
            for m in &manifest.body.members {
                println!(
                    "{:<6}  {:<11}  {:<21}  {:<16}  {:<6}  {}",
                    m.id.as_str(),
                    m.role.to_string(),
                    m.endpoint,
                    &m.public_key[..16.min(m.public_key.len())],
                    if signers.contains(&m.id.as_str()) {
                        "yes"
                    } else {
                        ""
                    },
                    m.name
                );
            }
        }
    }
    Ok(())
}

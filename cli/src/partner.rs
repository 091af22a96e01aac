//! `remedy partner register|retire|list`: a member's partner organisations.
//!
//! The member's operator registers a partner from the `partner.toml` its
//! `remedy init --role partner` wrote, and may retire it; both are signed events
//! of the member's shared log (docs/payloads.md, "Partner organisations"). From
//! then on the partner signs its own statements and submits them through this
//! node, and every receiver checks them against the key registered at that
//! point of the log.

use std::path::PathBuf;

use anyhow::{Context as _, bail};
use remedy_core::controls::escape_line as line;
use remedy_core::partner::{PartnerBook, PartnerRetirement};

use crate::Format;
use crate::client::Context;
use crate::plan::{append, created, draft, fetch};

#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Register a partner organisation from its partner.toml (operators); prints
    /// the record's id last.
    Register {
        /// The partner.toml that `remedy init --role partner` wrote.
        file: PathBuf,
    },
    /// Retire a partner's key: it signs nothing after this event (operators).
    Retire {
        /// The partner's id (kh-bar).
        partner: String,
        /// Why it is retired (optional).
        #[arg(long, default_value = "")]
        note: String,
    },
    /// Every member's partners as the node's logs stand: group, country, key id,
    /// registered or retired.
    List,
}

pub fn run(context: &Context, command: Command) -> anyhow::Result<()> {
    match command {
        Command::Register { file } => {
            let identity = remedy_client::identity::load_partner(&file)?;
            let dir = context
                .dir
                .as_ref()
                .context("registering needs the node's folder: pass --dir")?;
            let own = remedy_client::config::NodeConfig::load(dir)?.member;
            if identity.member != own {
                bail!(
                    "{} is a partner of {}, not of {own}: its own member registers it",
                    file.display(),
                    identity.member
                );
            }
            let ids = append(context, vec![draft(&identity.partner)?])?;
            created(context, "partner", &ids);
        }
        Command::Retire { partner, note } => {
            let ids = append(context, vec![draft(&PartnerRetirement { partner, note })?])?;
            created(context, "partner retirement", &ids);
        }
        Command::List => {
            let fetched = fetch(context)?;
            let mut books: std::collections::BTreeMap<remedy_core::MemberId, PartnerBook> =
                std::collections::BTreeMap::new();
            for e in &fetched.events {
                let _ = books.entry(e.origin().clone()).or_default().apply(
                    e.seq(),
                    e.kind(),
                    e.version(),
                    e.payload(),
                );
            }
            let rows: Vec<(String, &remedy_core::partner::PartnerState)> = books
                .iter()
                .flat_map(|(m, b)| b.all().map(move |p| (m.to_string(), p)))
                .collect();
            match context.format {
                Format::Json => {
                    let json: Vec<serde_json::Value> = rows
                        .iter()
                        .map(|(m, p)| {
                            let mut v = serde_json::to_value(p).unwrap_or_default();
                            v["member"] = m.clone().into();
                            v
                        })
                        .collect();
                    println!("{}", serde_json::to_string_pretty(&json)?);
                }
                _ => {
                    println!(
                        "{:<6}  {:<16}  {:<30}  {:<8}  {:<16}  state",
                        "member", "partner", "group", "country", "key id"
                    );
                    for (m, p) in &rows {
                        let key_id =
                            remedy_core::keys::verifying_key_from_hex(&p.partner.public_key)
                                .map(|k| remedy_core::KeyId::of(&k).to_string())
                                .unwrap_or_default();
                        println!(
                            "{:<6}  {:<16}  {:<30}  {:<8}  {:<16}  {}  {}",
                            m,
                            p.partner.id,
                            p.partner.group,
                            p.partner.country,
                            key_id,
                            match p.retired {
                                Some(at) => format!("retired at event {at}"),
                                None => format!("registered at event {}", p.registered),
                            },
                            line(&p.partner.name)
                        );
                    }
                    println!("{} partners", rows.len());
                }
            }
        }
    }
    Ok(())
}

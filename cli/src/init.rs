//! `remedy init`: create an identity folder.

use anyhow::Context as _;
use remedy_client::identity::{MEMBER_FILE, NewIdentity, create_identity};
use remedy_core::MemberId;
use remedy_core::manifest::Role;

use crate::Format;
use crate::client::Context;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The member id: an ISO 3166 alpha-2 code for a country (KH), or a short name (ILO).
    #[arg(long)]
    member: MemberId,
    /// The organisation's name, as other members will see it.
    #[arg(long)]
    name: String,
    /// node (a national agency's node), coordinator or auditor (read only).
    #[arg(long, value_enum)]
    role: RoleArg,
    /// HOST:PORT where this member's node will serve (nodes only).
    #[arg(long, default_value = "")]
    endpoint: String,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum RoleArg {
    Node,
    Coordinator,
    Auditor,
}

impl From<RoleArg> for Role {
    fn from(r: RoleArg) -> Self {
        match r {
            RoleArg::Node => Role::Node,
            RoleArg::Coordinator => Role::Coordinator,
            RoleArg::Auditor => Role::Auditor,
        }
    }
}

pub fn run(context: &Context, args: Args) -> anyhow::Result<()> {
    let dir = context
        .dir
        .clone()
        .context("remedy init needs --dir DIR (or REMEDY_DIR): the folder to create")?;
    let role = Role::from(args.role);
    if role == Role::Node && args.endpoint.is_empty() {
        anyhow::bail!("a node needs --endpoint HOST:PORT, where its peers will reach it");
    }
    let new = NewIdentity {
        id: args.member,
        name: args.name,
        role,
        endpoint: args.endpoint,
    };
    let member = create_identity(&dir, &new)?;
    match context.format {
        Format::Json => println!("{}", serde_json::to_string(&member)?),
        _ => {
            println!(
                "created {} for {} ({}, {})",
                dir.display(),
                member.id,
                member.name,
                member.role
            );
            println!("public key       {}", member.public_key);
            println!("TLS fingerprint  {}", member.tls_fingerprint);
            println!(
                "send {} to the other members; keep the rest of the folder private",
                dir.join(MEMBER_FILE).display()
            );
            println!("{}", member.id);
        }
    }
    Ok(())
}

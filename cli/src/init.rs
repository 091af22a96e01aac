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
    /// node (a national agency's node), coordinator or auditor (read only), or
    /// partner: an organisation --member registers (bar association, CSO, MRC...),
    /// which signs its statements and submits them through that member's node.
    #[arg(long, value_enum)]
    role: RoleArg,
    /// HOST:PORT where this member's node will serve (nodes only).
    #[arg(long, default_value = "")]
    endpoint: String,
    /// Partners: its id within the member (lowercase letters, digits, hyphens: kh-bar).
    #[arg(long, required_if_eq("role", "partner"))]
    partner: Option<String>,
    /// Partners: its stakeholder group (government, bar-association, legal-expert,
    /// cso, recruitment-agency, recruitment-agency-association, mrc,
    /// japan-support-org, employer, union).
    #[arg(long, required_if_eq("role", "partner"))]
    group: Option<String>,
    /// Partners: the ISO 3166-1 alpha-2 code of the country it works in (KH, JP).
    #[arg(long, required_if_eq("role", "partner"))]
    country: Option<String>,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum RoleArg {
    Node,
    Coordinator,
    Auditor,
    Partner,
}

pub fn run(context: &Context, args: Args) -> anyhow::Result<()> {
    let dir = context
        .dir
        .clone()
        .context("remedy init needs --dir DIR (or REMEDY_DIR): the folder to create")?;
    let role = match args.role {
        RoleArg::Node => Role::Node,
        RoleArg::Coordinator => Role::Coordinator,
        RoleArg::Auditor => Role::Auditor,
        RoleArg::Partner => return partner(context, &dir, args),
    };
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

/// A partner organisation's identity folder: keys, certificate and
/// `partner.toml`, the record its member registers with `remedy partner register`.
fn partner(context: &Context, dir: &std::path::Path, args: Args) -> anyhow::Result<()> {
    let partner = remedy_core::partner::Partner {
        id: args.partner.unwrap_or_default(),
        name: args.name,
        group: args.group.unwrap_or_default(),
        country: args.country.unwrap_or_default(),
        public_key: String::new(),
        tls_fingerprint: String::new(),
    };
    let identity = remedy_client::identity::create_partner_identity(dir, &args.member, partner)?;
    let file = dir.join(remedy_client::identity::PARTNER_FILE);
    match context.format {
        Format::Json => println!("{}", serde_json::to_string(&identity)?),
        _ => {
            let p = &identity.partner;
            println!(
                "created {} for {} ({}, {}), a partner of {}",
                dir.display(),
                p.id,
                p.name,
                p.group,
                identity.member
            );
            println!("public key       {}", p.public_key);
            println!("TLS fingerprint  {}", p.tls_fingerprint);
            println!(
                "send {} to {}, whose operator registers it (remedy partner register); copy the federation's federation.toml into {}; keep the rest of the folder private",
                file.display(),
                identity.member,
                dir.display()
            );
            println!("{}/{}", identity.member, p.id);
        }
    }
    Ok(())
}

//! `remedy dashboard`: a one-time sign-in link to a node's dashboard, for a
//! coordinator or auditor, or for a partner organisation to its own member's
//! node (see `remedy_core::login`).

use anyhow::{Context as _, bail};
use remedy_client::identity::{
    MEMBER_FILE, PARTNER_FILE, SIGNING_KEY_FILE, load_member, load_partner,
};
use remedy_client::keyfile::load_signing_key;
use remedy_core::login::{Login, MAX_VALIDITY_SECONDS};
use remedy_core::manifest::Role;
use remedy_proto::v1 as pb;

use crate::client::Context;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The page to open: /, /recommendations, /workplan, /workshops, /pilots,
    /// /partners or /network; one work-plan item as /workplan?item=KH-6.
    #[arg(long, default_value = "/")]
    page: String,
}

/// Prints the link on a line of its own.
pub fn run(context: &Context, args: Args) -> anyhow::Result<()> {
    println!("{}", link(context, &args.page)?);
    Ok(())
}

/// A fresh one-time link to `page` of the dashboard of the node `context` names.
pub fn link(context: &Context, page: &str) -> anyhow::Result<String> {
    let dir = context.dir.clone().context(
        "remedy dashboard needs --dir DIR: a coordinator's, auditor's or partner organisation's identity folder",
    )?;
    let (member, partner, via) = if dir.join(PARTNER_FILE).exists() {
        let me = load_partner(&dir.join(PARTNER_FILE))?;
        let via = crate::plan::partner_via(context, &me.member)?;
        (me.member, Some(me.partner.id), via)
    } else {
        let me = load_member(&dir.join(MEMBER_FILE))?;
        if !matches!(me.role, Role::Coordinator | Role::Auditor) {
            bail!(
                "{} is a {}; the dashboard is for coordinators, auditors and partner organisations",
                me.id,
                me.role
            );
        }
        (me.id, None, context.clone())
    };
    let key = load_signing_key(&dir.join(SIGNING_KEY_FILE))?;
    let (runtime, channel) = via.connect()?;
    let status = runtime
        .block_on(
            pb::federation_client::FederationClient::new(channel).status(pb::StatusRequest {}),
        )?
        .into_inner();
    if status.dashboard.is_empty() {
        bail!(
            "node {} serves no dashboard: its operator turns it on with [http] in node.toml (see deploy/node.example.toml)",
            status.member
        );
    }
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH)?;
    let login = Login {
        member,
        partner,
        node: remedy_core::MemberId::new(status.member.as_str())?,
        expires: now.as_secs() + MAX_VALIDITY_SECONDS / 2,
        nonce: rand::random(),
    };
    // The page may carry a query (`/workplan?item=KH-6`): encoded as one value.
    let next: String = page
        .bytes()
        .map(|b| match b {
            b'?' => "%3F".to_string(),
            b'=' => "%3D".to_string(),
            b'&' => "%26".to_string(),
            _ => (b as char).to_string(),
        })
        .collect();
    Ok(format!(
        "{}/login?token={}&next={next}",
        status.dashboard,
        login.sign(&key)
    ))
}

//! `remedy dashboard`: a one-time sign-in link to a node's dashboard, for a
//! coordinator or auditor, or for a partner organisation to its own member's
//! node (see `remedy_core::login`); and `remedy token`, a read token for the
//! node's SDMX REST API.

use anyhow::{Context as _, bail};
use remedy_client::identity::{
    MEMBER_FILE, PARTNER_FILE, SIGNING_KEY_FILE, load_member, load_partner,
};
use remedy_client::keyfile::load_signing_key;
use remedy_core::login::{Login, MAX_READ_SECONDS, MAX_VALIDITY_SECONDS, ReadToken};
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

/// The status of the node `context` names, which must serve its HTTP side
/// (else: it serves `what`, and how its operator turns it on).
fn http_side(context: &Context, what: &str) -> anyhow::Result<pb::StatusReply> {
    let (runtime, channel) = context.connect()?;
    let status = runtime
        .block_on(
            pb::federation_client::FederationClient::new(channel).status(pb::StatusRequest {}),
        )?
        .into_inner();
    if status.dashboard.is_empty() {
        bail!(
            "node {} serves {what}: its operator turns it on with [http] in node.toml (see deploy/node.example.toml)",
            status.member
        );
    }
    Ok(status)
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
        // Coordinators and auditors sign in at any node; a node's own
        // member (its operator) at its own node.
        let me = load_member(&dir.join(MEMBER_FILE))?;
        (me.id, None, context.clone())
    };
    let key = load_signing_key(&dir.join(SIGNING_KEY_FILE))?;
    let status = http_side(&via, "no dashboard")?;
    if partner.is_none()
        && let Ok(me) = load_member(&dir.join(MEMBER_FILE))
        && me.role == Role::Node
        && me.id.as_str() != status.member
    {
        bail!(
            "{} is a node member: it signs in to its own node's dashboard, not {}'s (drop --node, or name {}'s node)",
            me.id,
            status.member,
            me.id
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

#[derive(Debug, clap::Args)]
pub struct TokenArgs {
    /// How long it stays valid: seconds, or a number with s, m, h or d (at
    /// most 7d).
    #[arg(long, default_value = "1h", value_parser = ttl)]
    ttl: u64,
}

/// `1h`, `30m`, `2d`, `90s` or `90` as seconds, within a week.
fn ttl(text: &str) -> Result<u64, String> {
    let (number, unit) = match text.char_indices().last() {
        Some((i, c)) if c.is_ascii_alphabetic() => (&text[..i], c),
        _ => (text, 's'),
    };
    let n: u64 = number
        .parse()
        .map_err(|_| format!("{text:?} is not a duration; write 90s, 30m, 1h or 2d"))?;
    let seconds = match unit {
        's' => n,
        'm' => n.saturating_mul(60),
        'h' => n.saturating_mul(3600),
        'd' => n.saturating_mul(86_400),
        _ => return Err(format!("{text:?}: the unit is s, m, h or d")),
    };
    if seconds == 0 || seconds > MAX_READ_SECONDS {
        return Err(format!("{text:?}: a token lives from 1s to 7d"));
    }
    Ok(seconds)
}

/// Prints a read token for the node `context` names on standard output, and
/// where the API is on standard error.
pub fn token(context: &Context, args: TokenArgs) -> anyhow::Result<()> {
    let dir = context.dir.clone().context(
        "remedy token needs --dir DIR: a coordinator's, auditor's or node member's identity folder",
    )?;
    let me = load_member(&dir.join(MEMBER_FILE))?;
    let key = load_signing_key(&dir.join(SIGNING_KEY_FILE))?;
    let status = http_side(context, "no HTTP side (no SDMX API, no feed)")?;
    if me.role == Role::Node && me.id.as_str() != status.member {
        bail!(
            "{} is a node member: its read token is for its own node, not {}'s (coordinators and auditors read any node)",
            me.id,
            status.member
        );
    }
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH)?;
    let token = ReadToken {
        member: me.id,
        node: remedy_core::MemberId::new(status.member.as_str())?,
        expires: now.as_secs() + args.ttl,
        nonce: rand::random(),
    };
    println!("{}", token.sign(&key));
    eprintln!(
        "valid {}s for {}'s SDMX API at {}/sdmx/rest/ (send it as Authorization: Bearer TOKEN) and its feed {}/feed.atom?token=TOKEN",
        args.ttl, status.member, status.dashboard, status.dashboard
    );
    Ok(())
}

//! `remedy inbox`: what awaits this party, computed from the node's log
//! (`remedy_core::inbox`): for a member, the work-plan items awaiting its
//! position or answer and the overdue items it leads, the events its peers
//! signed since it last looked, what its node refused and a failed audit; for
//! a coordinator or auditor, what is awaited from whom across the region.
//! `--seen` moves the cursor (`DIR/inbox-cursor.json`, the heights seen) to
//! now.

use std::collections::BTreeMap;
use std::path::PathBuf;

use anyhow::Context as _;
use remedy_client::identity::{MEMBER_FILE, load_member};
use remedy_core::MemberId;
use remedy_core::SignedEvent;
use remedy_core::inbox::{Cursor, Entry, awaited, new_events};
use remedy_core::manifest::Role;
use remedy_proto::v1 as pb;

use crate::Format;
use crate::client::Context;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// After showing the inbox, mark every peer's events up to now as seen.
    #[arg(long)]
    seen: bool,
}

const CURSOR_FILE: &str = "inbox-cursor.json";

pub fn run(context: &Context, args: Args) -> anyhow::Result<()> {
    let dir = context.dir.clone().context(
        "remedy inbox needs --dir DIR: your identity folder (it keeps where you last looked)",
    )?;
    let me = load_member(&dir.join(MEMBER_FILE))?;
    let member = matches!(me.role, Role::Node).then(|| me.id.to_string());
    let (runtime, channel) = context.connect()?;
    let mut view = pb::view_client::ViewClient::new(channel.clone());
    let filter = pb::PlanFilter {
        lang: context.lang.clone().unwrap_or_default(),
        ..Default::default()
    };
    let items: Vec<remedy_core::workplan::ItemView> = serde_json::from_str(
        &crate::client::view_json(runtime.block_on(view.workplan(filter)))?,
    )?;
    let mut entries = awaited(&items, member.as_deref());
    let status = runtime
        .block_on(
            pb::federation_client::FederationClient::new(channel.clone())
                .status(pb::StatusRequest {}),
        )?
        .into_inner();
    let cursor_path = dir.join(CURSOR_FILE);
    let cursor: Cursor = match std::fs::read_to_string(&cursor_path) {
        Ok(text) => serde_json::from_str(&text).with_context(|| {
            format!(
                "{} is damaged; delete it to start again",
                cursor_path.display()
            )
        })?,
        Err(_) => Cursor::new(),
    };
    let mut now = Cursor::new();
    let mut log = pb::log_client::LogClient::new(channel).max_decoding_message_size(64 << 20);
    for o in &status.origins {
        now.insert(o.origin.clone(), o.height);
        if Some(&o.origin) == member.as_ref() {
            continue;
        }
        let seen = cursor.get(&o.origin).copied().unwrap_or(0);
        if o.height <= seen {
            continue;
        }
        let origin = MemberId::new(o.origin.as_str())?;
        let mut kinds: BTreeMap<String, u64> = BTreeMap::new();
        runtime.block_on(crate::client::read_log_from(
            &mut log,
            &origin,
            seen + 1,
            |_, raw| {
                if let Ok(event) = SignedEvent::decode(raw) {
                    *kinds.entry(event.kind().to_string()).or_default() += 1;
                }
                Ok(true)
            },
        ))?;
        entries.push(new_events(&o.origin, seen, o.height, &kinds));
    }
    // What this node refused, and a failed audit: for its own operator, and
    // for coordinators and auditors.
    entries.extend(remedy_core::inbox::node_entries(
        &status.member,
        member.as_deref(),
        status
            .rejected
            .iter()
            .map(|r| (r.count, r.reason.as_str(), r.last.as_str())),
        &status.last_audit,
    ));
    match context.format {
        Format::Json => println!("{}", serde_json::to_string(&entries)?),
        _ => print(&entries, member.as_deref(), &cursor_path, cursor.is_empty()),
    }
    if args.seen {
        write_cursor(&cursor_path, &now)?;
        eprintln!(
            "marked as seen: every peer's events up to now ({})",
            cursor_path.display()
        );
    }
    Ok(())
}

fn print(entries: &[Entry], member: Option<&str>, cursor: &std::path::Path, first: bool) {
    let whose = member.map_or("the region (what is awaited from whom)".to_string(), |m| {
        m.to_string()
    });
    println!("inbox of {whose}: {} entries", entries.len());
    for e in entries {
        let due = if e.by.is_empty() {
            String::new()
        } else {
            format!(", by {}", e.by)
        };
        let late = if e.overdue { " (late)" } else { "" };
        let item = if e.item.is_empty() {
            String::new()
        } else {
            format!("{} ", e.item)
        };
        println!(
            "  {:<8} {item}{}: {}{due}{late}",
            e.kind,
            e.from,
            remedy_core::controls::escape_line(&e.what)
        );
    }
    if first {
        println!(
            "(no cursor yet in {}: every event counts as new; `remedy inbox --seen` marks them seen)",
            cursor.display()
        );
    }
}

/// Writes the cursor readable by its owner only.
fn write_cursor(path: &PathBuf, cursor: &Cursor) -> anyhow::Result<()> {
    use std::io::Write as _;
    use std::os::unix::fs::OpenOptionsExt as _;
    let tmp = path.with_extension("json.tmp");
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(&tmp)
        .with_context(|| format!("cannot write {}", tmp.display()))?;
    f.write_all(serde_json::to_string_pretty(cursor)?.as_bytes())?;
    f.sync_all()?;
    std::fs::rename(&tmp, path).with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}

//! What awaits a party, computed from the log and nothing else (no state of
//! its own that could disagree with it): for a member, the work-plan items
//! awaiting its position, the objections awaiting its answer, the items it
//! leads that are overdue, and what its peers signed since it last looked;
//! for a coordinator or auditor, what is awaited from whom across the region.
//! "Since it last looked" is a cursor the party moves: the height of each
//! peer's shared log it has seen (`remedy inbox --seen`).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::workplan::ItemView;

/// One thing in an inbox.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    /// `awaited` (from the party, or for a coordinator from anyone),
    /// `overdue` (an item the member leads), `new` (events a peer signed since
    /// the cursor), `rejected` (events this node refused), `audit` (an audit
    /// that failed).
    pub kind: String,
    /// The work-plan item, for `awaited` and `overdue`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub item: String,
    /// Who it is awaited from (a member, `JP or KH`, `KH, ID, VN`), or the
    /// peer whose events are new.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub from: String,
    pub what: String,
    /// A due date, YYYY-MM-DD, when there is one.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub by: String,
    pub overdue: bool,
}

/// Whether `from` (`KH`, `JP or KH`, `KH, ID, VN`) names `member`.
pub fn names(from: &str, member: &str) -> bool {
    from.split([',', ' '])
        .filter(|p| !p.is_empty() && *p != "or")
        .any(|p| p == member)
}

/// What the work plan awaits from `member` (every party's when `None`), and
/// the overdue items it leads (every lead's when `None`).
pub fn awaited(items: &[ItemView], member: Option<&str>) -> Vec<Entry> {
    let mut out = Vec::new();
    for item in items {
        for a in &item.awaited {
            if member.is_none_or(|m| names(&a.from, m)) {
                out.push(Entry {
                    kind: "awaited".into(),
                    item: item.id.to_string(),
                    from: a.from.clone(),
                    what: a.what.clone(),
                    by: a.by.clone(),
                    overdue: a.overdue,
                });
            }
        }
        let lead = item.in_force().content.lead.as_str();
        if item.overdue && member.is_none_or(|m| m == lead) {
            out.push(Entry {
                kind: "overdue".into(),
                item: item.id.to_string(),
                from: lead.to_string(),
                what: format!("{} leads it: {}", lead, item.flags.join("; ")),
                by: item.in_force().content.due.clone(),
                overdue: true,
            });
        }
    }
    out
}

/// What a node's status says that concerns `party` (a member; the region
/// when `None`): the events node `node` refused (for its own member and for
/// the region), given as `(count, reason, last)`, and the last audit recorded
/// there (its JSON) when it failed.
pub fn node_entries<'a>(
    node: &str,
    party: Option<&str>,
    rejected: impl IntoIterator<Item = (u64, &'a str, &'a str)>,
    last_audit: &str,
) -> Vec<Entry> {
    let mut out = Vec::new();
    if party.is_none_or(|p| p == node) {
        for (count, reason, last) in rejected {
            out.push(Entry {
                kind: "rejected".into(),
                item: String::new(),
                from: node.to_string(),
                what: format!("{count} × {reason}: last {last}"),
                by: String::new(),
                overdue: false,
            });
        }
    }
    if let Ok(audit) = serde_json::from_str::<serde_json::Value>(last_audit)
        && audit["passed"] == false
    {
        out.push(Entry {
            kind: "audit".into(),
            item: String::new(),
            from: audit["auditor"].as_str().unwrap_or_default().to_string(),
            what: format!(
                "the last audit failed: {}",
                audit["verdict"].as_str().unwrap_or_default()
            ),
            by: String::new(),
            overdue: true,
        });
    }
    out
}

/// The cursor: for each peer, the height of its shared log seen.
pub type Cursor = BTreeMap<String, u64>;

/// An entry for the events `origin` signed after `seen` up to `height`, by kind
/// (`2 release, 1 recommendation`).
pub fn new_events(origin: &str, seen: u64, height: u64, kinds: &BTreeMap<String, u64>) -> Entry {
    let counts: Vec<String> = kinds.iter().map(|(k, n)| format!("{n} {k}")).collect();
    Entry {
        kind: "new".into(),
        item: String::new(),
        from: origin.to_string(),
        what: format!(
            "events {}..{} signed since you last looked: {}",
            seen + 1,
            height,
            counts.join(", ")
        ),
        by: String::new(),
        overdue: false,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn a_party_is_named_alone_in_a_choice_or_in_a_list() {
        assert!(names("VN", "VN"));
        assert!(names("JP or KH", "KH"));
        assert!(names("KH, ID, VN", "ID"));
        assert!(!names("KH, ID, VN", "JP"));
        assert!(!names("VNX", "VN"));
    }

    #[test]
    fn a_node_tells_its_own_member_and_the_region_what_it_refused() {
        let rejected = [(3, "bad-signature", "from VN, event ID-7")];
        assert_eq!(node_entries("KH", Some("KH"), rejected, "").len(), 1);
        assert_eq!(node_entries("KH", None, rejected, "").len(), 1);
        assert!(
            node_entries("KH", Some("VN"), rejected, "").is_empty(),
            "not VN's business"
        );
        let failed = r#"{"auditor":"AUD","passed":false,"verdict":"FAIL: 1 problems found"}"#;
        let audit = node_entries("KH", Some("VN"), [], failed);
        assert_eq!(
            (audit[0].kind.as_str(), audit[0].from.as_str()),
            ("audit", "AUD")
        );
        assert!(node_entries("KH", None, [], r#"{"passed":true}"#).is_empty());
    }

    #[test]
    fn a_feed_lists_the_releases_of_others_newest_first() {
        let release = |member: &str, period: &str, time_ms| Published {
            member: member.into(),
            period: period.into(),
            revision: 1,
            seq: 7,
            time_ms,
        };
        let releases = [
            release("KH", "2024-Q3", 1_000),
            release("ID", "2024-Q4", 3_000),
            release("VN", "2024-Q4", 2_000),
        ];
        let feed = feed_items(&[], &[], &releases, Some("VN"), 10);
        let titles: Vec<_> = feed.iter().map(|f| f.title.as_str()).collect();
        assert_eq!(
            titles,
            [
                "ID published 2024-Q4 (revision 1)",
                "KH published 2024-Q3 (revision 1)"
            ]
        );
        assert_eq!(feed[0].id, "urn:remedy-net:release:ID:2024-Q4:1");
        assert_eq!(feed[0].category, "release");
        assert_eq!(feed_items(&[], &[], &releases, None, 10).len(), 3);
        assert_eq!(feed_items(&[], &[], &releases, None, 2).len(), 2);
    }

    #[test]
    fn new_events_say_which_and_how_many() {
        let kinds = BTreeMap::from([
            ("release".to_string(), 2),
            ("recommendation".to_string(), 1),
        ]);
        let e = new_events("KH", 10, 13, &kinds);
        assert_eq!(
            e.what,
            "events 11..13 signed since you last looked: 1 recommendation, 2 release"
        );
    }
}

/// One entry of a party's Atom feed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FeedItem {
    /// Stable across requests, so a feed reader shows each once.
    pub id: String,
    pub updated_ms: i64,
    pub title: String,
    pub summary: String,
    /// `awaited`, `overdue`, `workplan`, `recommendation`, `release`.
    pub category: String,
    pub author: String,
}

/// A statistics release as a feed lists it: the latest revision of a
/// member's period, and where its event is in the member's log (`seq` 0 and
/// `time_ms` 0 when the view does not know).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Published {
    pub member: String,
    pub period: String,
    pub revision: u64,
    pub seq: u64,
    pub time_ms: i64,
}

/// The feed of `party` (a member; every party's awaited items when `None`):
/// what awaits it, as in its inbox, and what others recorded about the plan
/// and published, newest first, at most `limit` entries.
pub fn feed_items(
    items: &[ItemView],
    recommendations: &[crate::plan::RecommendationView],
    releases: &[Published],
    party: Option<&str>,
    limit: usize,
) -> Vec<FeedItem> {
    let mut out = Vec::new();
    for e in awaited(items, party) {
        let item = items.iter().find(|i| i.id.to_string() == e.item);
        let updated_ms = item
            .and_then(|i| i.timeline.last())
            .map_or(0, |t| t.time_ms);
        let fingerprint: [u8; 32] = {
            use sha2::Digest as _;
            sha2::Sha256::digest(format!("{}\n{}\n{}", e.from, e.what, e.by).as_bytes()).into()
        };
        out.push(FeedItem {
            id: format!(
                "urn:remedy-net:{}:{}:{}",
                e.kind,
                e.item,
                hex::encode(&fingerprint[..8])
            ),
            updated_ms,
            title: format!("{}: {} awaited from {}", e.item, e.what, e.from),
            summary: format!(
                "{}{}",
                item.map(|i| i.in_force().content.title.clone())
                    .unwrap_or_default(),
                if e.by.is_empty() {
                    String::new()
                } else {
                    format!(" (by {})", e.by)
                }
            ),
            category: e.kind,
            author: e.from,
        });
    }
    let others = |by: &str| party.is_none_or(|p| by != p && !by.starts_with(&format!("{p}/")));
    for i in items {
        for t in i.timeline.iter().filter(|t| others(&t.by)) {
            out.push(FeedItem {
                id: format!("urn:remedy-net:event:{}", t.id),
                updated_ms: t.time_ms,
                title: format!("{} {} {}", t.by, t.action, i.id),
                summary: if t.text.is_empty() {
                    i.in_force().content.title.clone()
                } else {
                    t.text.clone()
                },
                category: "workplan".into(),
                author: t.by.clone(),
            });
        }
    }
    for r in recommendations.iter().filter(|r| others(r.member.as_str())) {
        out.push(FeedItem {
            id: format!("urn:remedy-net:event:{}", r.id),
            updated_ms: r.time_ms,
            title: format!("{} recommends: {}", r.member, r.recommendation.title),
            summary: r.recommendation.text.clone(),
            category: "recommendation".into(),
            author: r
                .submitted_by
                .clone()
                .unwrap_or_else(|| r.member.to_string()),
        });
    }
    for r in releases.iter().filter(|r| others(&r.member)) {
        out.push(FeedItem {
            id: format!(
                "urn:remedy-net:release:{}:{}:{}",
                r.member, r.period, r.revision
            ),
            updated_ms: r.time_ms,
            title: format!(
                "{} published {} (revision {})",
                r.member, r.period, r.revision
            ),
            summary: if r.seq > 0 {
                format!(
                    "statistics release, event {}-{} of {}'s shared log",
                    r.member, r.seq, r.member
                )
            } else {
                "statistics release".into()
            },
            category: "release".into(),
            author: r.member.clone(),
        });
    }
    out.sort_by(|a, b| b.updated_ms.cmp(&a.updated_ms).then(a.id.cmp(&b.id)));
    out.truncate(limit);
    out
}

fn xml(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '&' => "&amp;".to_string(),
            '<' => "&lt;".to_string(),
            '>' => "&gt;".to_string(),
            '"' => "&quot;".to_string(),
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => "\u{FFFD}".to_string(),
            c => c.to_string(),
        })
        .collect()
}

/// An Atom 1.0 document (RFC 4287) of `entries`.
pub fn atom(feed_id: &str, title: &str, self_link: &str, entries: &[FeedItem]) -> String {
    let time = |ms: i64| crate::sdmx::prepared((ms.max(0) / 1000) as u64);
    let updated = entries.iter().map(|e| e.updated_ms).max().unwrap_or(0);
    let mut out = format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\"><id>{}</id><title>{}</title><updated>{}</updated><link rel=\"self\" href=\"{}\"/><author><name>remedy-net</name></author>",
        xml(feed_id),
        xml(title),
        time(updated),
        xml(self_link)
    );
    for e in entries {
        out.push_str(&format!(
            "<entry><id>{}</id><title>{}</title><updated>{}</updated><author><name>{}</name></author><category term=\"{}\"/><summary>{}</summary></entry>",
            xml(&e.id),
            xml(&e.title),
            time(e.updated_ms),
            xml(&e.author),
            xml(&e.category),
            xml(&e.summary)
        ));
    }
    out.push_str("</feed>\n");
    out
}

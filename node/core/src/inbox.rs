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
/// for a member the items it leads that are overdue.
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
        if item.overdue && member.is_some_and(|m| m == lead) {
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

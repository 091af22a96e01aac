//! What computing the work plan costs as it grows: `Registry::items` (every
//! view of the plan, every `workplan show`) and `Registry::check_new` (every plan
//! append a node checks) over plans of N items, each with a coordinator's
//! draft, a proposal, an objection and its answer, a material amendment,
//! endorsements of version 2 by four members and three progress updates (12
//! events an item).

use std::time::Instant;

use remedy_core::case::Date;
use remedy_core::chain::ChainHead;
use remedy_core::event::{LogKind, SignedEvent};
use remedy_core::manifest::Quorum;
use remedy_core::payload::Payload;
use remedy_core::plan::{Record, RecordId, Registry};
use remedy_core::workplan::{
    Amendment, Answer, Endorsement, ItemContent, ItemUpdate, Objection, Proposal, VersionRef,
    WorkplanItem,
};
use remedy_core::{Draft, MemberId, SigningKey};

/// One plan size's figures, in milliseconds (medians of three).
#[derive(Debug, Clone)]
pub struct PlanFigures {
    pub items: usize,
    pub events: usize,
    pub items_ms: f64,
    pub check_new_ms: f64,
}

struct Logs {
    heads: std::collections::BTreeMap<String, ChainHead>,
    events: Vec<SignedEvent>,
}

impl Logs {
    fn add(&mut self, origin: &str, draft: Draft) -> SignedEvent {
        let m = MemberId::new(origin).expect("member");
        let mut seed = [0u8; 32];
        seed[..origin.len()].copy_from_slice(origin.as_bytes());
        let head = self.heads.entry(origin.into()).or_insert(ChainHead::EMPTY);
        let event = SignedEvent::seal(
            &SigningKey::from_seed(seed),
            &m,
            LogKind::Shared,
            head.seq + 1,
            head.hash,
            1_000 + self.events.len() as i64,
            &draft,
        );
        *head = ChainHead::of(&event);
        self.events.push(event.clone());
        event
    }
}

fn content(n: usize, title: &str) -> ItemContent {
    ItemContent {
        title: format!("{title} {n}"),
        objective: "Workers referred across borders reach a remedy".into(),
        outputs: vec!["A protocol".into()],
        activities: Vec::new(),
        draws_on: vec![RecordId::parse("KH-1").expect("id")],
        lead: MemberId::new("JP").expect("member"),
        members: ["KH", "ID", "VN", "JP"]
            .iter()
            .map(|m| MemberId::new(*m).expect("member"))
            .collect(),
        milestones: Vec::new(),
        indicators: Vec::new(),
        due: "2027-06".into(),
    }
}

fn plan(items: usize) -> Logs {
    let mut logs = Logs {
        heads: Default::default(),
        events: Vec::new(),
    };
    logs.add(
        "KH",
        remedy_core::payload::Note {
            text: "start".into(),
        }
        .to_draft(),
    );
    for n in 0..items {
        let item = logs.add(
            "KH",
            WorkplanItem {
                proposed: false,
                content: content(n, "Item"),
            }
            .to_draft(),
        );
        let id = RecordId::of(&item);
        let v1 = VersionRef::new(1, item.hash());
        logs.add(
            "JP",
            Proposal {
                item: id.clone(),
                version: v1.clone(),
                note: String::new(),
            }
            .to_draft(),
        );
        let objection = logs.add(
            "VN",
            Objection {
                item: id.clone(),
                version: v1.clone(),
                reason: "budget".into(),
                contests_editorial: false,
            }
            .to_draft(),
        );
        logs.add(
            "JP",
            Answer {
                objection: RecordId::of(&objection),
                text: "added".into(),
            }
            .to_draft(),
        );
        let v2 = logs.add(
            "JP",
            Amendment {
                item: id.clone(),
                base: v1,
                material: true,
                note: "budget".into(),
                content: content(n, "Item, amended"),
            }
            .to_draft(),
        );
        let v2 = VersionRef::new(2, v2.hash());
        for m in ["KH", "ID", "VN", "JP"] {
            logs.add(
                m,
                Endorsement {
                    item: id.clone(),
                    version: v2.clone(),
                    note: String::new(),
                }
                .to_draft(),
            );
        }
        for (m, status) in [("JP", Some("in-progress")), ("KH", None), ("VN", None)] {
            logs.add(
                m,
                ItemUpdate {
                    item: id.clone(),
                    date: "2026-03-01".into(),
                    status: status.map(Into::into),
                    milestones: Vec::new(),
                    values: Vec::new(),
                    note: "progress".into(),
                }
                .to_draft(),
            );
        }
    }
    logs
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

pub fn measure(sizes: &[usize]) -> Vec<PlanFigures> {
    let as_of = Date::parse("2026-12-02").expect("date");
    sizes
        .iter()
        .map(|&items| {
            let logs = plan(items);
            let mut registry = Registry::new();
            for e in &logs.events {
                registry.apply(e);
            }
            let mut items_ms = Vec::new();
            let mut check_ms = Vec::new();
            let last = registry.items(Quorum::All, as_of).pop().expect("an item");
            let newest = last.versions.last().expect("a version");
            let hash = remedy_core::EventHash::from_slice(&hex::decode(&newest.hash).expect("hex"))
                .expect("hash");
            let endorse = Record::Endorsement(Endorsement {
                item: last.id.clone(),
                version: VersionRef::new(newest.version, hash),
                note: String::new(),
            });
            let kh = MemberId::new("KH").expect("member");
            for _ in 0..3 {
                let t = Instant::now();
                let all = registry.items(Quorum::All, as_of);
                assert_eq!(all.len(), items);
                items_ms.push(t.elapsed().as_secs_f64() * 1e3);
                let t = Instant::now();
                registry
                    .check_new(&kh, &kh, None, endorse.clone(), Quorum::All)
                    .expect("a valid endorsement");
                check_ms.push(t.elapsed().as_secs_f64() * 1e3);
            }
            PlanFigures {
                items,
                events: logs.events.len(),
                items_ms: median(items_ms),
                check_new_ms: median(check_ms),
            }
        })
        .collect()
}

/// The figures as a Markdown table with what they mean.
pub fn table(s: &mut String, figures: &[PlanFigures]) {
    use std::fmt::Write as _;
    let _ = writeln!(
        s,
        "Each item: a coordinator's draft, a proposal, an objection and its answer, a material amendment, four endorsements of version 2, three updates (12 events). `Registry::items` computes every item (what each plan view and `workplan show` does); `Registry::check_new` what a node checks before a plan append (one endorsement of the last item). Medians of three.\n"
    );
    let _ = writeln!(
        s,
        "| items | plan events | `Registry::items` | `Registry::check_new` |\n|---:|---:|---:|---:|"
    );
    for f in figures {
        let _ = writeln!(
            s,
            "| {} | {} | {:.1} ms | {:.1} ms |",
            f.items, f.events, f.items_ms, f.check_new_ms
        );
    }
}

//! The plan at a node: every recommendation, pilot report and work-plan event it
//! holds, from every member, as projection rows `plan/<origin>/<seq>` holding the
//! raw event. The writer (own events) and replication (other members') add the row
//! in the same commit as the event, so the rows and the logs never disagree.
//! [`remedy_core::plan::Registry`] computes the plan from them.
//!
//! Before this node appends a plan event of its own, [`check_local`] refuses what
//! the registry already shows to be wrong (endorsing an item that does not name
//! this member, a status for an item this member does not lead, a reference to
//! nothing): an operator learns it at once, and nothing is stored.

use remedy_core::manifest::Manifest;
use remedy_core::plan::{Record, RecordId, Registry, check_record, is_plan_kind};
use remedy_core::{Draft, MemberId, SignedEvent};

use crate::store::{Store, StoreError};

const PREFIX: &[u8] = b"plan/";

/// The projection row of a plan event; `None` for other kinds.
pub fn row(event: &SignedEvent) -> Option<(Vec<u8>, Vec<u8>)> {
    (is_plan_kind(event.kind()) && event.log() == remedy_core::LogKind::Shared).then(|| {
        let key = format!("plan/{}/{:020}", event.origin(), event.seq()).into_bytes();
        (key, event.raw().to_vec())
    })
}

/// Every plan event this node holds, in key order (by origin, then sequence).
pub fn events(store: &dyn Store) -> Result<Vec<SignedEvent>, StoreError> {
    let mut events = Vec::new();
    let mut after: Option<Vec<u8>> = None;
    loop {
        let rows = store.projection_page(PREFIX, after.as_deref(), 1024)?;
        let Some((last, _)) = rows.last() else {
            return Ok(events);
        };
        after = Some(last.clone());
        for (key, raw) in rows {
            let event = SignedEvent::decode(raw).map_err(|e| StoreError::Corrupt {
                path: String::from_utf8_lossy(&key).into_owned(),
                reason: e.to_string(),
            })?;
            events.push(event);
        }
    }
}

/// The plan as this node knows it.
pub fn registry(store: &dyn Store) -> Result<Registry, StoreError> {
    let mut registry = Registry::new();
    for event in events(store)? {
        registry.apply(&event);
    }
    Ok(registry)
}

/// Refuses a plan draft `member` is about to append that is already known to be
/// wrong here.
pub fn check_local(
    registry: &Registry,
    manifest: Option<&Manifest>,
    member: &MemberId,
    draft: &Draft,
) -> Result<(), String> {
    let Some(record) = Record::of(draft.kind, draft.version, &draft.payload) else {
        return Ok(());
    };
    let record = record.map_err(|e| e.to_string())?;
    check_record(member, &record)?;
    let recommendation = |id: &RecordId| match registry.get(id).map(|e| &e.record) {
        Some(Record::Recommendation(_)) => Ok(()),
        _ => Err(format!(
            "{id} is not a recommendation this node holds (check the id, or wait until it has replicated)"
        )),
    };
    let item = |id: &RecordId| match registry.get(id).map(|e| &e.record) {
        Some(Record::Item(item)) => Ok(item.clone()),
        _ => Err(format!(
            "{id} is not a work-plan item this node holds (check the id, or wait until it has replicated)"
        )),
    };
    let known = |m: &MemberId| match manifest {
        Some(manifest) if manifest.member(m).is_none() => {
            Err(format!("{m} is not a member of the federation"))
        }
        _ => Ok(()),
    };
    match &record {
        Record::Recommendation(_) => Ok(()),
        Record::Status(s) => recommendation(&s.recommendation),
        Record::Pilot(p) => p.tests.iter().try_for_each(recommendation),
        Record::Item(i) => {
            i.draws_on.iter().try_for_each(recommendation)?;
            i.members.iter().try_for_each(known)
        }
        Record::Endorsement(e) => named(&item(&e.item)?, &e.item, member),
        Record::Objection(o) => named(&item(&o.item)?, &o.item, member),
        Record::Update(u) => {
            let found = item(&u.item)?;
            if &found.lead != member {
                return Err(format!(
                    "{} is led by {}: only its lead records its status",
                    u.item, found.lead
                ));
            }
            let quorum = manifest
                .map(|m| m.body.policy.workplan_quorum)
                .unwrap_or(remedy_core::manifest::Quorum::All);
            let view = registry.items(quorum).into_iter().find(|v| v.id == u.item);
            match view {
                Some(v) if v.status != "proposed" && v.status != "objected" => Ok(()),
                Some(v) => Err(format!(
                    "{} is {} ({} of {} endorsements needed): its status is recorded once it is agreed",
                    u.item,
                    v.status,
                    v.positions
                        .iter()
                        .filter(|(_, p)| matches!(p, remedy_core::plan::Position::Endorsed { .. }))
                        .count(),
                    v.needed
                )),
                None => Err(format!(
                    "{} is not a work-plan item this node holds",
                    u.item
                )),
            }
        }
    }
}

fn named(
    item: &remedy_core::plan::WorkplanItem,
    id: &RecordId,
    member: &MemberId,
) -> Result<(), String> {
    if item.members.contains(member) {
        Ok(())
    } else {
        Err(format!(
            "{id} names {}; {member} is not among them, so its position would not count",
            item.members
                .iter()
                .map(MemberId::as_str)
                .collect::<Vec<_>>()
                .join(", ")
        ))
    }
}

/// Whether any draft is of a plan kind (and so needs the registry to check).
pub fn any_plan(drafts: &[Draft]) -> bool {
    drafts.iter().any(|d| is_plan_kind(d.kind))
}

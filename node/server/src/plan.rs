//! The plan at a node: every recommendation, pilot report and work-plan event it
//! holds, from every member, as projection rows `plan/<origin>/<seq>` holding the
//! raw event. The writer (own events) and replication (other members') add the row
//! in the same commit as the event, so the rows and the logs never disagree.
//! [`remedy_core::plan::Registry`] computes the plan from them.
//!
//! Before this node appends a plan event of its own (or a coordinator's
//! statement), [`check_local`] refuses what the registry already shows to be
//! wrong (endorsing an item that does not name this member or a version that is
//! not the newest, a status for an item this member does not lead, a reference
//! to nothing; `Registry::check_new`): an operator learns it at once, and
//! nothing is stored.

use remedy_core::manifest::Manifest;
use remedy_core::payload::Payload as _;
use remedy_core::plan::{Record, Registry, check_record, is_plan_kind};
use remedy_core::statement::{Signers, Statement};
use remedy_core::{Draft, MemberId, PayloadKind, SignedEvent};

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
    scan(store, PREFIX, |event| events.push(event))?;
    Ok(events)
}

/// Calls `f` with every plan event whose row key starts with `prefix`, in key
/// order, a page at a time.
fn scan(store: &dyn Store, prefix: &[u8], f: impl FnMut(SignedEvent)) -> Result<(), StoreError> {
    scan_after(store, prefix, None, f).map(drop)
}

/// [`scan`] from after the row `after`; returns the last row key seen.
fn scan_after(
    store: &dyn Store,
    prefix: &[u8],
    mut after: Option<Vec<u8>>,
    mut f: impl FnMut(SignedEvent),
) -> Result<Option<Vec<u8>>, StoreError> {
    loop {
        let rows = store.projection_page(prefix, after.as_deref(), 1024)?;
        let Some((last, _)) = rows.last() else {
            return Ok(after);
        };
        after = Some(last.clone());
        for (key, raw) in rows {
            let event = SignedEvent::decode(raw).map_err(|e| StoreError::Corrupt {
                path: String::from_utf8_lossy(&key).into_owned(),
                reason: e.to_string(),
            })?;
            f(event);
        }
    }
}

/// Keeps `pins` holding the TLS certificates of every partner registered, and
/// not retired, in the shared logs this node holds: read once, then after each
/// growth of a log, from where the last reading stopped.
pub async fn keep_partner_pins(
    store: std::sync::Arc<dyn Store>,
    heads: std::sync::Arc<crate::heads::Heads>,
    pins: std::sync::Arc<remedy_client::tls::Pins>,
) {
    let mut grown = heads.subscribe();
    let mut books: std::collections::BTreeMap<
        MemberId,
        (remedy_core::partner::PartnerBook, Option<Vec<u8>>),
    > = std::collections::BTreeMap::new();
    // Only a log that grew can hold a new registration.
    let mut read_up_to: std::collections::BTreeMap<MemberId, u64> =
        std::collections::BTreeMap::new();
    loop {
        let origins: Vec<MemberId> = heads
            .all()
            .into_iter()
            .filter(|(origin, seq)| read_up_to.insert(origin.clone(), *seq) != Some(*seq))
            .map(|(origin, _)| origin)
            .collect();
        let store2 = store.clone();
        let mut held = std::mem::take(&mut books);
        let read = tokio::task::spawn_blocking(move || {
            let mut changed = false;
            for origin in origins {
                let (book, after) = held.entry(origin.clone()).or_default();
                let prefix = format!("plan/{origin}/").into_bytes();
                *after = scan_after(store2.as_ref(), &prefix, after.take(), |event| {
                    if book
                        .apply(event.seq(), event.kind(), event.version(), event.payload())
                        .is_ok()
                        && matches!(
                            event.kind(),
                            PayloadKind::PARTNER | PayloadKind::PARTNER_RETIREMENT
                        )
                    {
                        changed = true;
                    }
                })?;
            }
            Ok::<_, StoreError>((held, changed))
        })
        .await;
        match read {
            Ok(Ok((held, changed))) => {
                if changed {
                    pins.set_partners(held.iter().flat_map(|(member, (book, _))| {
                        book.all()
                            .filter(|p| p.retired.is_none())
                            .filter_map(|p| {
                                remedy_client::tls::parse_fingerprint(&p.partner.tls_fingerprint)
                                    .map(|f| (f, format!("{member}/{}", p.partner.id)))
                            })
                            .collect::<Vec<_>>()
                    }));
                }
                books = held;
            }
            failed => {
                let error = match failed {
                    Ok(Err(e)) => e.to_string(),
                    Err(e) => e.to_string(),
                    Ok(Ok(_)) => String::new(),
                };
                tracing::error!(%error, "reading the partners' certificates; reading all again");
                // What was read is lost with the failed task: start over.
                read_up_to.clear();
            }
        }
        if grown.changed().await.is_err() || heads.is_closed() {
            return;
        }
    }
}

/// The partners `origin` has registered, as its log held here stands (its
/// partner records, in order).
pub fn partner_book(
    store: &dyn Store,
    origin: &MemberId,
) -> Result<remedy_core::partner::PartnerBook, StoreError> {
    let mut book = remedy_core::partner::PartnerBook::new();
    // Stored events were checked when they came; what the book refused then
    // was never stored.
    scan(store, format!("plan/{origin}/").as_bytes(), |event| {
        let _ = book.apply(event.seq(), event.kind(), event.version(), event.payload());
    })?;
    Ok(book)
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
/// wrong here. A `statement` is checked as its signer's record: the signature by
/// a coordinator of the manifest, then the same rules.
pub fn check_local(
    registry: &Registry,
    partners: &remedy_core::partner::PartnerBook,
    manifest: Option<&Manifest>,
    member: &MemberId,
    draft: &Draft,
) -> Result<(), String> {
    if matches!(
        draft.kind,
        PayloadKind::PARTNER | PayloadKind::PARTNER_RETIREMENT
    ) {
        // Registering a key another partner of this member holds, an id in
        // use, retiring what is not registered.
        return partners
            .clone()
            .apply(u64::MAX, draft.kind, draft.version, &draft.payload);
    }
    let Some(record) = Record::of(draft.kind, draft.version, &draft.payload) else {
        return Ok(());
    };
    let record = record.map_err(|e| e.to_string())?;
    if let Record::PilotRecord(p) = &record {
        for id in &p.partners {
            partners
                .key(member, id)
                .map_err(|e| format!("the pilot names partner {id}: {e}"))?;
        }
    }
    let (author, partner) = if draft.kind == PayloadKind::STATEMENT {
        let statement =
            Statement::decode(draft.version, &draft.payload).map_err(|e| e.to_string())?;
        if statement.partner.is_some() {
            statement.verify_partner(member, partners)?;
        } else {
            let signers = manifest.map(Signers::of).unwrap_or_default();
            statement.verify(&signers)?;
        }
        (statement.signer, statement.partner)
    } else {
        check_record(member, &record)?;
        (member.clone(), None)
    };
    let known = |m: &MemberId| match manifest {
        Some(manifest) if manifest.member(m).is_none() => {
            Err(format!("{m} is not a member of the federation"))
        }
        _ => Ok(()),
    };
    match &record {
        Record::Item(i) => i.content.members.iter().try_for_each(known)?,
        Record::Amendment(a) => a.content.members.iter().try_for_each(known)?,
        Record::Request(r) => r.from.iter().try_for_each(known)?,
        _ => {}
    }
    let quorum = manifest
        .map(|m| m.body.policy.workplan_quorum)
        .unwrap_or(remedy_core::manifest::Quorum::All);
    registry.check_new(member, &author, partner.as_deref(), record, quorum)
}

/// Whether any draft is of a plan kind (and so needs the registry to check).
pub fn any_plan(drafts: &[Draft]) -> bool {
    drafts.iter().any(|d| is_plan_kind(d.kind))
}

//! The regional view at a node: projection rows derived from every shared event
//! it holds, its own and replicated ones, each written by the writer or by
//! replication in the same commit as its event:
//!
//! - `plan/<origin>/<seq:020>`: the raw plan event (see [`crate::plan`]);
//! - `rel/<origin>/<period>/<revision:08>`: a release, its payload as signed;
//! - `relev/<origin>/<period>/<revision:08>`: that release's event, as its
//!   sequence number and time (16 bytes, big-endian), for feeds and inboxes;
//! - `tab/<table>/<period>/<origin>/<revision:08>`: one table of that release as
//!   [`MemberTable`] in its binary form, keyed so that one table of one period
//!   across members is one short range, and a series a longer one.
//!
//! Each row is a function of its event alone ([`rows`]), so [`rebuild`] recomputes
//! the same bytes from the logs. Queries ([`stats`], [`series`], [`releases`])
//! answer with the types of `remedy_core::regional`, whose JSON is the same at
//! every node that holds the same events.

use std::collections::BTreeMap;

use remedy_core::payload::Payload;
use remedy_core::regional::{self, MemberTable, Series, SeriesPoint, SeriesValue, Stats};
use remedy_core::release::Release;
use remedy_core::tables::Period;
use remedy_core::{LogKind, MemberId, PayloadKind, SignedEvent};

use crate::store::{Commit, LogId, Store, StoreError};

/// The key prefixes of the view's rows.
pub const FAMILIES: &[&[u8]] = &[b"plan/", b"rel/", b"relev/", b"tab/"];

/// The view rows one shared event adds (none for other events).
pub fn rows(event: &SignedEvent) -> Vec<(Vec<u8>, Vec<u8>)> {
    if event.log() != LogKind::Shared {
        return Vec::new();
    }
    let mut rows: Vec<(Vec<u8>, Vec<u8>)> = crate::plan::row(event).into_iter().collect();
    if event.kind() == PayloadKind::RELEASE
        && let Ok(release) = Release::from_event(event)
    {
        let origin = event.origin();
        let (period, revision) = (&release.period, release.revision);
        rows.push((
            format!("rel/{origin}/{period}/{revision:08}").into_bytes(),
            event.payload().to_vec(),
        ));
        let mut at = event.seq().to_be_bytes().to_vec();
        at.extend_from_slice(&event.time_ms().to_be_bytes());
        rows.push((
            format!("relev/{origin}/{period}/{revision:08}").into_bytes(),
            at,
        ));
        for name in regional::table_names(&release) {
            if let Some(table) = regional::member_table(origin.as_str(), &release, &name) {
                rows.push((
                    format!("tab/{name}/{period}/{origin}/{revision:08}").into_bytes(),
                    table.encode(),
                ));
            }
        }
    }
    rows
}

/// Every row whose key starts with `prefix`, from `after` on, while `more` says so.
fn scan(
    store: &dyn Store,
    prefix: &[u8],
    after: Option<Vec<u8>>,
    mut visit: impl FnMut(&[u8], Vec<u8>) -> bool,
) -> Result<(), StoreError> {
    let mut after = after;
    loop {
        let rows = store.projection_page(prefix, after.as_deref(), 512)?;
        let Some((last, _)) = rows.last() else {
            return Ok(());
        };
        after = Some(last.clone());
        for (key, value) in rows {
            if !visit(&key, value) {
                return Ok(());
            }
        }
    }
}

fn corrupt(key: &[u8], reason: impl ToString) -> StoreError {
    StoreError::Corrupt {
        path: String::from_utf8_lossy(key).into_owned(),
        reason: reason.to_string(),
    }
}

/// Every release `origin` published, in period then revision order.
pub fn releases_of(store: &dyn Store, origin: &MemberId) -> Result<Vec<Release>, StoreError> {
    let mut found = Vec::new();
    let mut error = None;
    scan(
        store,
        format!("rel/{origin}/").as_bytes(),
        None,
        |key, value| {
            match Release::decode(Release::VERSION, &value) {
                Ok(r) => found.push(r),
                Err(e) => error = Some(corrupt(key, e)),
            }
            error.is_none()
        },
    )?;
    error.map_or(Ok(found), Err)
}

/// `(period, revision)` → `(seq, time_ms)` of a release's event.
pub type ReleaseEvents = BTreeMap<(String, u64), (u64, i64)>;

/// Where each release of `origin` is in its log: `(period, revision)` →
/// `(seq, time_ms)` of the release event. A view rebuilt before these rows
/// existed lacks them until `remedy-node rebuild-views`.
pub fn release_events(store: &dyn Store, origin: &MemberId) -> Result<ReleaseEvents, StoreError> {
    let prefix = format!("relev/{origin}/");
    let mut found = BTreeMap::new();
    let mut error = None;
    scan(store, prefix.as_bytes(), None, |key, value| {
        let parsed = std::str::from_utf8(&key[prefix.len()..])
            .ok()
            .and_then(|rest| rest.split_once('/'))
            .and_then(|(period, revision)| Some((period.to_string(), revision.parse().ok()?)))
            .zip(
                (value.len() == 16)
                    .then(|| {
                        let seq = u64::from_be_bytes(value[..8].try_into().ok()?);
                        let time = i64::from_be_bytes(value[8..].try_into().ok()?);
                        Some((seq, time))
                    })
                    .flatten(),
            );
        match parsed {
            Some((k, v)) => {
                found.insert(k, v);
            }
            None => error = Some(corrupt(key, "malformed release event row")),
        }
        error.is_none()
    })?;
    error.map_or(Ok(found), Err)
}

/// Every release of `period` by `origin`, in revision order.
pub fn period_releases(
    store: &dyn Store,
    origin: &MemberId,
    period: &str,
) -> Result<Vec<Release>, StoreError> {
    let mut raws = Vec::new();
    scan(
        store,
        format!("rel/{origin}/{period}/").as_bytes(),
        None,
        |_, value| {
            raws.push(value);
            true
        },
    )?;
    raws.into_iter()
        .map(|raw| {
            Release::decode(Release::VERSION, &raw)
                .map_err(|e| corrupt(format!("rel/{origin}/{period}").as_bytes(), e))
        })
        .collect()
}

/// Which revision to read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Revision {
    Latest,
    Exactly(u64),
}

/// A query over one table and a range of periods.
#[derive(Clone, Debug)]
pub struct TableQuery {
    pub table: String,
    pub from: Period,
    pub to: Period,
    /// Sorted; the members whose figures count.
    pub members: Vec<MemberId>,
    pub revision: Revision,
}

/// The chosen revision of `table` per period and member within the query,
/// parsed. A member with no release of a period asked for but releases of the
/// shorter periods inside it (the quarters of a year, in a federation that
/// publishes quarters) gets their latest revisions summed
/// ([`regional::combine`], revision 0), unless one revision was asked for.
fn tables(
    store: &dyn Store,
    query: &TableQuery,
) -> Result<BTreeMap<Period, BTreeMap<MemberId, MemberTable>>, StoreError> {
    let prefix = format!("tab/{}/", query.table);
    let to = query.to.to_string();
    let asked = query.from.grain();
    // The chosen row per period and member (the last revision seen, or the one asked).
    let mut chosen: BTreeMap<(Period, MemberId), (Vec<u8>, Vec<u8>)> = BTreeMap::new();
    // The latest row of each shorter period inside a period asked for.
    let mut parts: BTreeMap<(Period, MemberId, Period), (Vec<u8>, Vec<u8>)> = BTreeMap::new();
    // From the first year asked: its months ("2024-01") sort before its quarters.
    let from_year = query
        .from
        .to_string()
        .get(..4)
        .unwrap_or_default()
        .to_string();
    let start = format!("tab/{}/{}", query.table, from_year).into_bytes();
    scan(store, prefix.as_bytes(), Some(start), |key, value| {
        let text = String::from_utf8_lossy(&key[prefix.len()..]).into_owned();
        let mut fields = text.split('/');
        let (Some(period_text), Some(origin), Some(revision)) =
            (fields.next(), fields.next(), fields.next())
        else {
            return true;
        };
        // Rows of one year ("2024", "2024-03", "2024-Q1") share its four digits
        // but do not sort by period ("2024-03" < "2024"): stop after the last
        // year only, and keep the periods of the kind asked for below.
        if period_text.get(..4) > to.get(..4) {
            return false;
        }
        let (Some(period), Ok(member), Ok(revision)) = (
            Period::parse(period_text),
            MemberId::new(origin),
            revision.parse::<u64>(),
        ) else {
            return true;
        };
        let Some(target) = period.within(asked) else {
            return true;
        };
        if target < query.from || target > query.to || query.members.binary_search(&member).is_err()
        {
            return true;
        }
        if period.grain() == asked {
            if match query.revision {
                Revision::Latest => true,
                Revision::Exactly(r) => r == revision,
            } {
                chosen.insert((period, member), (key.to_vec(), value));
            }
        } else if query.revision == Revision::Latest {
            parts.insert((target, member, period), (key.to_vec(), value));
        }
        true
    })?;
    let decode = |key: &[u8], value: &[u8]| {
        MemberTable::decode(value)
            .ok_or_else(|| corrupt(key, "not a table in the view's binary form"))
    };
    let mut out: BTreeMap<Period, BTreeMap<MemberId, MemberTable>> = BTreeMap::new();
    for ((period, member), (key, value)) in &chosen {
        out.entry(*period)
            .or_default()
            .insert(member.clone(), decode(key, value)?);
    }
    // Summed from parts: of the longest grain found (quarters before months).
    let mut by_target: BTreeMap<(Period, MemberId), Vec<(Period, MemberTable)>> = BTreeMap::new();
    for ((target, member, period), (key, value)) in &parts {
        if !chosen.contains_key(&(*target, member.clone())) {
            by_target
                .entry((*target, member.clone()))
                .or_default()
                .push((*period, decode(key, value)?));
        }
    }
    for ((target, member), found) in by_target {
        let grain = found.iter().map(|(p, _)| p.grain()).max();
        let Some(grain) = grain else { continue };
        let expected = target.parts(grain).map_or(0, |p| p.len());
        let tables: Vec<MemberTable> = found
            .into_iter()
            .filter(|(p, _)| p.grain() == grain)
            .map(|(_, t)| t)
            .collect();
        if let Some(summed) =
            regional::combine(&query.table, &target.to_string(), &tables, expected)
        {
            out.entry(target).or_default().insert(member, summed);
        }
    }
    Ok(out)
}

/// One table across members and periods, with regional totals; `rows` and
/// `columns` keep only those (all when empty).
pub fn stats(
    store: &dyn Store,
    query: &TableQuery,
    rows: &[String],
    columns: &[String],
) -> Result<Stats, StoreError> {
    let found = tables(store, query)?;
    let periods = found
        .into_iter()
        .map(|(period, mut by_member)| {
            let missing = query
                .members
                .iter()
                .filter(|m| !by_member.contains_key(*m))
                .map(ToString::to_string)
                .collect();
            let members: Vec<MemberTable> = query
                .members
                .iter()
                .filter_map(|m| by_member.remove(m))
                .map(|mut t| {
                    regional::filter(&mut t, rows, columns);
                    t
                })
                .collect();
            regional::block(&query.table, &period.to_string(), members, missing)
        })
        .collect();
    Ok(Stats {
        table: query.table.clone(),
        counts: remedy_core::tables::counts_what(&query.table)
            .unwrap_or_default()
            .into(),
        periods,
    })
}

/// One cell (`total` for a margin) across the periods of the query.
pub fn series(
    store: &dyn Store,
    query: &TableQuery,
    row: &str,
    column: &str,
) -> Result<Series, StoreError> {
    let found = tables(store, query)?;
    let points = found
        .into_iter()
        .map(|(period, by_member)| {
            let values: Vec<SeriesValue> = by_member
                .values()
                .filter_map(|t| {
                    regional::figure_at(t, row, column).map(|figure| SeriesValue {
                        member: t.member.clone(),
                        revision: t.revision,
                        figure,
                    })
                })
                .collect();
            let regional =
                regional::regional_figure(&query.table, column, values.iter().map(|v| &v.figure));
            SeriesPoint {
                period: period.to_string(),
                values,
                regional,
            }
        })
        .collect();
    Ok(Series {
        table: query.table.clone(),
        counts: remedy_core::tables::counts_what(&query.table)
            .unwrap_or_default()
            .into(),
        row: row.into(),
        column: column.into(),
        points,
    })
}

/// The chosen revision of every release of the members in the period range, by
/// period then member: what an SDMX export sends.
pub fn releases(
    store: &dyn Store,
    query: &TableQuery,
) -> Result<Vec<(String, Release)>, StoreError> {
    let mut out = Vec::new();
    for member in &query.members {
        for release in releases_of(store, member)? {
            let Some(period) = Period::parse(&release.period) else {
                continue;
            };
            if period.grain() == query.from.grain() && period >= query.from && period <= query.to {
                out.push((period, member.to_string(), release));
            }
        }
    }
    // Keep the revision asked for, or the last of each member and period.
    let mut chosen: BTreeMap<(Period, String), Release> = BTreeMap::new();
    for (period, member, release) in out {
        let keep = match query.revision {
            Revision::Latest => true,
            Revision::Exactly(r) => release.revision == r,
        };
        if keep {
            chosen.insert((period, member), release);
        }
    }
    Ok(chosen.into_iter().map(|((_, m), r)| (m, r)).collect())
}

/// What a rebuild found and did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rebuilt {
    pub events: u64,
    pub rows: u64,
    /// SHA-256 over every view row (key and value), before and after.
    pub before: String,
    pub after: String,
}

/// A digest of every view row and their count.
pub fn digest(store: &dyn Store) -> Result<(u64, String), StoreError> {
    use sha2::Digest as _;
    let mut hasher = sha2::Sha256::new();
    let mut count = 0;
    for family in FAMILIES {
        scan(store, family, None, |key, value| {
            hasher.update((key.len() as u64).to_be_bytes());
            hasher.update(key);
            hasher.update((value.len() as u64).to_be_bytes());
            hasher.update(&value);
            count += 1;
            true
        })?;
    }
    Ok((count, hex::encode(hasher.finalize())))
}

/// Recomputes every view row from the shared logs alone (this node's and the
/// replicas): deletes them, then replays every event through [`rows`].
pub fn rebuild(store: &dyn Store, mut progress: impl FnMut(u64)) -> Result<Rebuilt, StoreError> {
    let (_, before) = digest(store)?;
    for family in FAMILIES {
        store.clear_projections(family)?;
    }
    let mut logs = vec![LogId::Own(LogKind::Shared)];
    logs.extend(store.replica_origins()?.into_iter().map(LogId::Replica));
    let (mut events, mut written) = (0u64, 0u64);
    for log in logs {
        let mut next = 1;
        loop {
            let page = store.range(&log, next, 4096)?;
            let Some((last, _)) = page.last() else { break };
            next = last + 1;
            let mut commit = Commit::default();
            for (seq, raw) in page {
                let event = SignedEvent::decode(raw)
                    .map_err(|e| corrupt(format!("{log} event {seq}").as_bytes(), e))?;
                commit.projections.extend(rows(&event));
                events += 1;
            }
            written += commit.projections.len() as u64;
            store.commit(commit)?;
            progress(events);
        }
    }
    let (rows, after) = digest(store)?;
    debug_assert_eq!(rows, written);
    Ok(Rebuilt {
        events,
        rows,
        before,
        after,
    })
}

/// Fills the values of an item's series-sourced indicators from the releases
/// this node holds: the indicator's cell summed over its members (every node
/// member when it names none), one value per period of the federation's grain
/// from the baseline's year to the target's, each with its figure's status.
pub fn attach_series(
    store: &dyn Store,
    item: &mut remedy_core::workplan::ItemView,
    grain: remedy_core::tables::Grain,
    nodes: &[MemberId],
) -> Result<(), StoreError> {
    use remedy_core::workplan::Source;
    for view in &mut item.indicators {
        let Source::Series(source) = &view.indicator.source else {
            continue;
        };
        let Some((from, to)) = remedy_core::workplan::series_periods(&view.indicator, grain) else {
            continue;
        };
        let mut members = if source.members.is_empty() {
            nodes.to_vec()
        } else {
            source.members.clone()
        };
        members.sort();
        let query = TableQuery {
            table: source.table.clone(),
            from,
            to,
            members,
            revision: Revision::Latest,
        };
        let found = series(store, &query, &source.row, &source.column)?;
        remedy_core::workplan::attach_series(view, &found);
    }
    Ok(())
}

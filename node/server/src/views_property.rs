//! Property: every figure of the regional view is what a statistician gets by
//! hand from the members' releases.
//!
//! Each seed makes a random federation (one to six members), random releases
//! (quarters, months and the year; up to three revisions; thresholds 5 to 11;
//! suppression or noise; some members silent in some periods), stores their view
//! rows as a node would, and asks `views::stats` and `views::series` (what the
//! `View` service and the dashboard's `/api/stats` answer) for every table and
//! period kind. Each answer is compared with a recomputation written from the
//! documented rules (docs/view-json.md), not from `remedy_core::regional`:
//!
//! - a member's figure is its latest revision's, `suppressed` where the release
//!   has none, `noised` where the release is noised, `published` otherwise; a
//!   noised figure's variance is the release's `cell_variance` for its table
//!   times the cells it sums (1, a row's, a column's, all);
//! - a regional count or sum is the sum of the members' values: `published` if
//!   every part is exact, `noised` if a part is noised, `lower-bound` if a part is
//!   suppressed, `noised-lower-bound` if both; its variance is the sum of its
//!   noised parts' variances, its standard error the square root;
//! - a median and a resolution row total are never summed: no value,
//!   `not-additive`;
//! - a member with no release of a period asked for, but releases of periods
//!   inside it (a year's quarters, else its months), gets their latest revisions
//!   summed by the same rule, with revision 0, every figure a `lower-bound` when a
//!   part is missing.

#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;

use rand::{Rng, SeedableRng};
use remedy_core::case::Date;
use remedy_core::payload::Payload;
use remedy_core::privacy::Epsilon;
use remedy_core::release::{self, RESOLUTION, Release, Source};
use remedy_core::tables::{COUNT_TABLES, Grain, Period, compute};
use remedy_core::{ChainHead, LogKind, MemberId, SignedEvent, SigningKey};
use serde_json::Value;

use crate::store::{Commit, MemoryStore, Store};
use crate::views::{Revision, TableQuery, series, stats};

const MEMBERS: &[&str] = &["ID", "JP", "KH", "MM", "PH", "VN"];

/// A value, a status word and a variance in hundredths, as the view's JSON has
/// them.
type Expected = (Option<i64>, &'static str, Option<u64>);

/// The federation of one seed: every release, by member and period, in
/// revision order.
struct Federation {
    members: Vec<MemberId>,
    releases: BTreeMap<(MemberId, Period), Vec<Release>>,
}

fn random_federation(seed: u64) -> Federation {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    let mut members: Vec<MemberId> = MEMBERS
        .iter()
        .filter(|_| rng.gen_bool(0.6))
        .map(|m| MemberId::new(*m).unwrap())
        .collect();
    if members.is_empty() {
        members.push(MemberId::new("KH").unwrap());
    }
    let periods: Vec<Period> = [
        "2024-Q1", "2024-Q2", "2024-Q3", "2024-03", "2024-07", "2024",
    ]
    .iter()
    .map(|p| Period::parse(p).unwrap())
    .collect();
    let mut releases = BTreeMap::new();
    for member in &members {
        for &period in &periods {
            if rng.gen_bool(0.25) {
                continue; // This member has not published this period.
            }
            let threshold = rng.gen_range(5..=11);
            let revisions = rng.gen_range(1..=3u64);
            let mut count = rng.gen_range(20..600u64);
            let mut held: Vec<Release> = Vec::new();
            for revision in 1..=revisions {
                let cases: Vec<_> = remedy_core::synthetic::generate(
                    member,
                    count,
                    seed,
                    Date::parse("2024-01-01").unwrap(),
                    Date::parse("2024-12-31").unwrap(),
                )
                .collect();
                let tables = compute(period, &cases);
                let source = Source {
                    private_seq: revision,
                    private_hash: String::new(),
                };
                let noised = rng.gen_bool(0.2);
                let built = if noised {
                    let epsilon = Epsilon::from_micro(rng.gen_range(100_000..1_000_000));
                    Some(release::build_noised(
                        &tables, threshold, epsilon, &mut rng, revision, source,
                    ))
                } else {
                    // A revision that would disclose by differencing is not
                    // published: the member stops at the last one.
                    release::build(&tables, threshold, revision, source, &held).ok()
                };
                let Some(built) = built else { break };
                if let Err(e) = release::check(&built, 5) {
                    panic!(
                        "seed {seed} {member} {period} revision {revision} threshold {threshold} noised {noised} previous {:?}: {e}\n{:?}\n{:?}",
                        held.last().map(|p| (p.revision, p.privacy.is_some())),
                        tables.grievance_outcome.cells,
                        built.tables[0].cells
                    );
                }
                held.push(built);
                count += rng.gen_range(0..200);
            }
            if !held.is_empty() {
                releases.insert((member.clone(), period), held);
            }
        }
    }
    Federation { members, releases }
}

/// A store holding the view rows of every release, as replication writes them.
fn store_of(federation: &Federation) -> MemoryStore {
    let store = MemoryStore::new();
    let mut commit = Commit::default();
    let mut heads: BTreeMap<&MemberId, ChainHead> = BTreeMap::new();
    for ((member, _), releases) in &federation.releases {
        let key = SigningKey::from_seed([member.as_str().as_bytes()[0]; 32]);
        for release in releases {
            let head = heads.entry(member).or_insert(ChainHead::EMPTY);
            let event = SignedEvent::seal(
                &key,
                member,
                LogKind::Shared,
                head.seq + 1,
                head.hash,
                0,
                &release.to_draft(),
            );
            *head = ChainHead::of(&event);
            commit.projections.extend(crate::views::rows(&event));
        }
    }
    store.commit(commit).unwrap();
    store
}

/// A member's figure summing `cells` cells: `None` is suppressed.
fn member_figure(release: &Release, table: &str, value: Option<i64>, cells: usize) -> Expected {
    match value {
        None => (None, "suppressed", None),
        Some(v) if release.is_noised(table) => {
            // The stated decimal, read by hand: "449.83" is 44,983 hundredths.
            let spend = release
                .privacy
                .as_ref()
                .unwrap()
                .tables
                .iter()
                .find(|s| s.table == table)
                .unwrap();
            let centi: u64 = spend.cell_variance.replace('.', "").parse().unwrap();
            (Some(v), "noised", Some(centi * cells as u64))
        }
        Some(v) => (Some(v), "published", None),
    }
}

/// The sum of members' figures, by the documented rule.
fn regional_sum(parts: &[Expected]) -> Expected {
    let value = parts.iter().filter_map(|(v, _, _)| *v).sum();
    let hidden = parts
        .iter()
        .any(|(_, s, _)| matches!(*s, "suppressed" | "lower-bound" | "noised-lower-bound"));
    let noised = parts
        .iter()
        .any(|(_, s, _)| matches!(*s, "noised" | "noised-lower-bound"));
    let variances: Vec<u64> = parts.iter().filter_map(|(_, _, v)| *v).collect();
    let variance = (noised && !variances.is_empty()).then(|| variances.iter().sum());
    let status = match (hidden, noised) {
        (false, false) => "published",
        (false, true) => "noised",
        (true, false) => "lower-bound",
        (true, true) => "noised-lower-bound",
    };
    (Some(value), status, variance)
}

const NOT_ADDITIVE: Expected = (None, "not-additive", None);

/// Every figure of one member's table: cells, row totals, column totals, total.
struct Recomputed {
    cells: Vec<Vec<Expected>>,
    row_totals: Vec<Expected>,
    column_totals: Vec<Expected>,
    total: Expected,
}

fn recompute(release: &Release, table: &str) -> Recomputed {
    if table == RESOLUTION {
        let noised = release.is_noised(RESOLUTION);
        let cells: Vec<Vec<Expected>> = release
            .resolution
            .iter()
            .map(|r| {
                let exact = |v: Option<u64>| match v {
                    None => (None, "suppressed", None),
                    Some(v) => (Some(v as i64), "published", None),
                };
                vec![
                    member_figure(release, RESOLUTION, r.closed, 1),
                    // A noised release withholds medians; an exact one publishes them.
                    if noised {
                        (None, "suppressed", None)
                    } else {
                        exact(r.median_days)
                    },
                    exact(r.total_compensation_usd),
                ]
            })
            .collect();
        let column = |c: usize| regional_sum(&cells.iter().map(|row| row[c]).collect::<Vec<_>>());
        return Recomputed {
            row_totals: vec![NOT_ADDITIVE; cells.len()],
            column_totals: vec![column(0), NOT_ADDITIVE, column(2)],
            cells,
            total: NOT_ADDITIVE,
        };
    }
    let t = release.tables.iter().find(|t| t.name == table).unwrap();
    let (rows, columns) = (t.rows.len(), t.columns.len());
    Recomputed {
        cells: t
            .cells
            .iter()
            .map(|row| {
                row.iter()
                    .map(|v| member_figure(release, table, *v, 1))
                    .collect()
            })
            .collect(),
        row_totals: t
            .row_totals
            .iter()
            .map(|v| member_figure(release, table, *v, columns))
            .collect(),
        column_totals: t
            .column_totals
            .iter()
            .map(|v| member_figure(release, table, *v, rows))
            .collect(),
        total: member_figure(release, table, t.total, rows * columns),
    }
}

fn figure(json: &Value) -> Expected {
    let status = match json["status"].as_str().unwrap() {
        "published" => "published",
        "suppressed" => "suppressed",
        "noised" => "noised",
        "lower-bound" => "lower-bound",
        "noised-lower-bound" => "noised-lower-bound",
        "not-additive" => "not-additive",
        other => panic!("unknown status {other}"),
    };
    let variance = json["variance"]
        .as_f64()
        .map(|v| (v * 100.0).round() as u64);
    // The standard error beside it is the square root, to two decimals.
    if let Some(v) = variance {
        let se = json["standard_error"].as_f64().unwrap();
        assert!(
            (se - (v as f64 / 100.0).sqrt()).abs() <= 0.005 + 1e-9,
            "{json}"
        );
    }
    (json["value"].as_i64(), status, variance)
}

fn figures(json: &Value) -> Vec<Expected> {
    json.as_array().unwrap().iter().map(figure).collect()
}

/// Whether `median-days` is the column: regional medians are never summed.
fn regional_cell(table: &str, column: usize, parts: &[Expected]) -> Expected {
    if table == RESOLUTION && column == 1 {
        NOT_ADDITIVE
    } else {
        regional_sum(parts)
    }
}

/// A member's figures of `period`: its latest release of it, or the sum of its
/// latest releases of the periods inside it (quarters before months), with
/// revision 0.
fn member_view(
    federation: &Federation,
    member: &MemberId,
    period: Period,
    table: &str,
) -> Option<(u64, Recomputed)> {
    let latest = |p: Period| {
        federation
            .releases
            .get(&(member.clone(), p))
            .and_then(|r| r.last())
    };
    if let Some(r) = latest(period) {
        return Some((r.revision, recompute(r, table)));
    }
    for grain in [Grain::Quarter, Grain::Month] {
        let Some(expected) = period.parts(grain).filter(|_| grain != period.grain()) else {
            continue;
        };
        let found: Vec<Recomputed> = expected
            .iter()
            .filter_map(|p| latest(*p))
            .map(|r| recompute(r, table))
            .collect();
        if found.is_empty() {
            continue;
        }
        let incomplete = found.len() < expected.len();
        let add = |column: Option<usize>, f: &dyn Fn(&Recomputed) -> Expected| -> Expected {
            let mut parts: Vec<Expected> = found.iter().map(f).collect();
            if incomplete {
                parts.push((None, "suppressed", None));
            }
            match column {
                Some(c) => regional_cell(table, c, &parts),
                None if table == RESOLUTION => NOT_ADDITIVE,
                None => regional_sum(&parts),
            }
        };
        let (rows, columns) = (found[0].cells.len(), found[0].cells[0].len());
        return Some((
            0,
            Recomputed {
                cells: (0..rows)
                    .map(|r| {
                        (0..columns)
                            .map(|c| add(Some(c), &|m| m.cells[r][c]))
                            .collect()
                    })
                    .collect(),
                row_totals: (0..rows).map(|r| add(None, &|m| m.row_totals[r])).collect(),
                column_totals: (0..columns)
                    .map(|c| add(Some(c), &|m| m.column_totals[c]))
                    .collect(),
                total: add(None, &|m| m.total),
            },
        ));
    }
    None
}

fn check_stats(federation: &Federation, store: &MemoryStore, table: &str, from: &str, to: &str) {
    let (from, to) = (Period::parse(from).unwrap(), Period::parse(to).unwrap());
    let query = TableQuery {
        table: table.into(),
        from,
        to,
        members: federation.members.clone(),
        revision: Revision::Latest,
    };
    let answer = serde_json::to_value(stats(store, &query, &[], &[]).unwrap()).unwrap();
    let mut periods: Vec<Period> = federation
        .releases
        .keys()
        .filter_map(|(_, p)| p.within(from.grain()))
        .filter(|p| *p >= from && *p <= to)
        .collect();
    periods.sort();
    periods.dedup();
    let blocks = answer["periods"].as_array().unwrap();
    assert_eq!(blocks.len(), periods.len(), "{table} {from}..{to}");
    for (block, period) in blocks.iter().zip(&periods) {
        assert_eq!(block["period"], period.to_string());
        let latest: Vec<(&MemberId, (u64, Recomputed))> = federation
            .members
            .iter()
            .filter_map(|m| member_view(federation, m, *period, table).map(|v| (m, v)))
            .collect();
        let missing: Vec<String> = federation
            .members
            .iter()
            .filter(|m| !latest.iter().any(|(l, _)| l == m))
            .map(ToString::to_string)
            .collect();
        assert_eq!(block["missing"], serde_json::json!(missing));
        let members = block["members"].as_array().unwrap();
        assert_eq!(members.len(), latest.len());
        let mut recomputed = Vec::new();
        for (json, (member, (revision, r))) in members.iter().zip(latest) {
            assert_eq!(json["member"], member.as_str());
            assert_eq!(json["revision"], revision);
            for (row, expected) in json["cells"].as_array().unwrap().iter().zip(&r.cells) {
                assert_eq!(&figures(row), expected, "{member} {period} {table}");
            }
            assert_eq!(figures(&json["row_totals"]), r.row_totals);
            assert_eq!(figures(&json["column_totals"]), r.column_totals);
            assert_eq!(figure(&json["total"]), r.total);
            recomputed.push(r);
        }
        let regional = &block["regional"];
        let Some(first) = recomputed.first() else {
            assert!(regional.is_null());
            continue;
        };
        let (rows, columns) = (first.cells.len(), first.cells[0].len());
        for r in 0..rows {
            for c in 0..columns {
                let parts: Vec<Expected> = recomputed.iter().map(|m| m.cells[r][c]).collect();
                assert_eq!(
                    figure(&regional["cells"][r][c]),
                    regional_cell(table, c, &parts),
                    "{table} {period} cell {r},{c}"
                );
            }
            let parts: Vec<Expected> = recomputed.iter().map(|m| m.row_totals[r]).collect();
            let expected = if table == RESOLUTION {
                NOT_ADDITIVE
            } else {
                regional_sum(&parts)
            };
            assert_eq!(figure(&regional["row_totals"][r]), expected);
        }
        for c in 0..columns {
            let parts: Vec<Expected> = recomputed.iter().map(|m| m.column_totals[c]).collect();
            assert_eq!(
                figure(&regional["column_totals"][c]),
                regional_cell(table, c, &parts)
            );
        }
        let expected = if table == RESOLUTION {
            NOT_ADDITIVE
        } else {
            regional_sum(&recomputed.iter().map(|m| m.total).collect::<Vec<_>>())
        };
        assert_eq!(figure(&regional["total"]), expected);
    }
}

/// One cell across the quarters: each member's latest figure, and the regional.
fn check_series(
    federation: &Federation,
    store: &MemoryStore,
    table: &str,
    row: usize,
    column: usize,
) {
    let (rows, columns): (Vec<&str>, Vec<&str>) = match remedy_core::tables::definition(table) {
        Some(d) => (d.rows.to_vec(), d.columns.to_vec()),
        None => (
            remedy_core::case::CHANNEL.to_vec(),
            remedy_core::regional::RESOLUTION_COLUMNS.to_vec(),
        ),
    };
    let query = TableQuery {
        table: table.into(),
        from: Period::parse("2024-Q1").unwrap(),
        to: Period::parse("2024-Q4").unwrap(),
        members: federation.members.clone(),
        revision: Revision::Latest,
    };
    let answer = serde_json::to_value(
        series(
            store,
            &query,
            rows[row % rows.len()],
            columns[column % columns.len()],
        )
        .unwrap(),
    )
    .unwrap();
    for point in answer["points"].as_array().unwrap() {
        let period = Period::parse(point["period"].as_str().unwrap()).unwrap();
        let parts: Vec<Expected> = federation
            .members
            .iter()
            .filter_map(|m| member_view(federation, m, period, table))
            .map(|(_, r)| r.cells[row % rows.len()][column % columns.len()])
            .collect();
        assert_eq!(figures(&point["values"]), parts);
        assert_eq!(
            figure(&point["regional"]),
            regional_cell(table, column % columns.len(), &parts),
            "{table} series at {period}"
        );
    }
}

#[test]
fn every_regional_figure_is_recomputed_by_hand_from_the_members_releases() {
    let tables: Vec<&str> = COUNT_TABLES
        .iter()
        .map(|t| t.name)
        .chain([RESOLUTION])
        .collect();
    for seed in 0..24 {
        let federation = random_federation(seed);
        let store = store_of(&federation);
        for table in &tables {
            check_stats(&federation, &store, table, "2024-Q1", "2024-Q4");
            check_stats(&federation, &store, table, "2024-01", "2024-12");
            check_stats(&federation, &store, table, "2024", "2024");
            check_series(&federation, &store, table, seed as usize, 1);
            check_series(&federation, &store, table, 0, seed as usize);
        }
    }
}

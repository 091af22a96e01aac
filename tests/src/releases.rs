//! Releases for tests and benchmarks: a valid one from synthetic cases, and the
//! hostile ones a member could sign and send by hand (forged labels, formulas,
//! foreign tables, huge tables, totals that do not add up, figures that overflow,
//! the largest release an event can carry). Each is well formed JSON that decodes
//! as a release; only the receivers' checks stand between it and the regional
//! view.

use remedy_core::MemberId;
use remedy_core::case::Date;
use remedy_core::event::MAX_PAYLOAD;
use remedy_core::payload::Payload;
use remedy_core::release::{PublishedTable, Release, Source, build};
use remedy_core::tables::{Period, compute};

/// A valid release of `member`'s `period` from `cases` synthetic cases.
pub fn valid(member: &MemberId, period: &str, cases: u64, revision: u64) -> Release {
    revised(member, period, cases, revision, &[])
}

/// A valid revision of `member`'s `period` from `cases` synthetic cases, after
/// the `earlier` revisions (whose suppressions it keeps).
pub fn revised(
    member: &MemberId,
    period: &str,
    cases: u64,
    revision: u64,
    earlier: &[Release],
) -> Release {
    let records: Vec<_> = remedy_core::synthetic::generate(
        member,
        cases,
        7,
        Date::parse("2024-01-01").expect("date"),
        Date::parse("2024-12-31").expect("date"),
    )
    .collect();
    let period = Period::parse(period).expect("period");
    let tables = compute(period, &records);
    let source = Source {
        private_seq: revision,
        private_hash: String::new(),
    };
    build(&tables, 5, revision, source, earlier).expect("a release of many cases builds")
}

/// An `n` × `n` table with every cell suppressed and totals that add up.
fn suppressed_square(name: &str, n: usize) -> PublishedTable {
    PublishedTable {
        name: name.into(),
        rows: (0..n).map(|i| format!("r{i}-of-{n}")).collect(),
        columns: (0..n).map(|i| format!("c{i}-of-{n}")).collect(),
        cells: vec![vec![None; n]; n],
        row_totals: vec![Some(10); n],
        column_totals: vec![Some(10); n],
        total: Some(10 * n as i64),
    }
}

/// A release of a quarter with a handful of cases, whose case total (from 1 to
/// K−1, so hidden in both case tables) is published after all: the next
/// revision of `base`'s period.
fn small_total_shown(base: &Release) -> Release {
    let member = MemberId::new("VN").expect("member");
    let mut cases = 8;
    loop {
        let mut release = valid(&member, &base.period, cases, base.revision + 1);
        let records: Vec<_> = remedy_core::synthetic::generate(
            &member,
            cases,
            7,
            Date::parse("2024-01-01").expect("date"),
            Date::parse("2024-12-31").expect("date"),
        )
        .collect();
        let period = Period::parse(&base.period).expect("period");
        let n: u64 = compute(period, &records).channel_outcome.cells.iter().sum();
        if (1..5).contains(&n) {
            release.tables[1].total = Some(n as i64);
            release.tables[2].total = Some(n as i64);
            return release;
        }
        cases += 4;
    }
}

/// The largest all-suppressed square table whose release still fits in one event.
pub fn largest(base: &Release) -> Release {
    let mut n = 600;
    loop {
        let mut release = base.clone();
        release.tables[0] = suppressed_square(&base.tables[0].name, n);
        if release.encode().len() <= MAX_PAYLOAD {
            return release;
        }
        n -= 5;
    }
}

/// Hostile variants of `base` (a valid release), each with what it tries.
pub fn hostile(base: &Release) -> Vec<(&'static str, Release)> {
    let with = |f: &dyn Fn(&mut Release)| {
        let mut r = base.clone();
        f(&mut r);
        r
    };
    vec![
        (
            "a row label that forges another member's row",
            with(&|r| r.tables[0].rows[0] = "pending\nJP,2024-Q3,1,unpaid-wages".into()),
        ),
        (
            "a column label a spreadsheet runs as a formula",
            with(&|r| r.tables[1].columns[0] = "=HYPERLINK(\"http://x.invalid\",\"ok\")".into()),
        ),
        (
            "a table no release has",
            with(&|r| {
                let mut extra = r.tables[2].clone();
                extra.name = "cases-by-name".into();
                r.tables.push(extra);
            }),
        ),
        (
            "a 300 x 300 table, every cell suppressed",
            with(&|r| r.tables[0] = suppressed_square(&r.tables[0].name, 300)),
        ),
        ("the largest release one event carries", largest(base)),
        (
            "totals that do not add up",
            with(&|r| r.tables[2].total = r.tables[2].total.map(|t| t + 1)),
        ),
        (
            "figures that overflow when summed",
            with(&|r| {
                let t = &mut r.tables[2];
                t.row_totals[0] = Some(i64::MAX);
                t.row_totals[1] = t.row_totals[1].map(|v| v.wrapping_add(1));
            }),
        ),
        ("a total of 1 to K-1 published", small_total_shown(base)),
        (
            "a negative count in an exact table",
            with(&|r| {
                let t = &mut r.tables[2];
                t.cells[0][0] = t.cells[0][0].map(|v| v - 1_000);
                t.row_totals[0] = t.row_totals[0].map(|v| v - 1_000);
                t.column_totals[0] = t.column_totals[0].map(|v| v - 1_000);
                t.total = t.total.map(|v| v - 1_000);
            }),
        ),
        (
            "a channel missing from the resolution table",
            with(&|r| {
                r.resolution.pop();
            }),
        ),
    ]
}

//! The regional view between real nodes: KH and VN publish two quarters (VN a
//! second revision of one), JP publishes nothing; a coordinator and an auditor ask
//! every node and get the same JSON, byte for byte; regional sums over suppressed
//! cells are lower bounds, never exact; a series, CSV and SDMX-CSV (a revision
//! marked R) come out of the same view; `rebuild-views` on a stopped node gives
//! the same rows as the incremental view.

#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use remedy_tests::federation::{channel_as, wait_heights};
use remedy_tests::{NodeDir, bootstrap, path_arg as path, remedy};

fn at(dir: &Path, args: &[&str]) -> (bool, String, String) {
    let mut all = vec!["--dir", path(dir)];
    all.extend_from_slice(args);
    remedy(&all).unwrap()
}

fn ok(dir: &Path, args: &[&str]) -> String {
    let (ok, stdout, stderr) = at(dir, args);
    assert!(ok, "{args:?}: {stdout}{stderr}");
    stdout
}

#[tokio::test]
async fn every_node_answers_the_same_regional_view() -> anyhow::Result<()> {
    let tmp = tempfile::tempdir()?;
    let fed = tmp.path().join("fed");
    bootstrap(
        &fed,
        "KH,VN,JP",
        &["--coordinator", "ILO", "--auditor", "AUD"],
    )?;
    let members = ["KH", "VN", "JP"];
    let mut running = BTreeMap::new();
    let mut channels = BTreeMap::new();
    let mut addrs = BTreeMap::new();
    for m in members {
        let dir = NodeDir::open(&fed.join(m))?;
        running.insert(m, dir.start().await?);
        channels.insert(m.to_string(), channel_as(&dir.dir, None).await?);
        addrs.insert(m, dir.addr.to_string());
    }
    let node = |m: &str| fed.join(m);

    // KH and VN import a year of cases and publish two quarters.
    for (m, count) in [("KH", "400"), ("VN", "1500")] {
        let (okay, csv, _) = remedy(&[
            "cases",
            "generate",
            "--member",
            m,
            "--count",
            count,
            "--seed",
            "3",
            "--from",
            "2024-01-01",
            "--to",
            "2024-12-31",
        ])?;
        assert!(okay);
        let file = tmp.path().join(format!("{m}.csv"));
        std::fs::write(&file, csv)?;
        ok(&node(m), &["cases", "import", path(&file)]);
        for period in ["2024-Q2", "2024-Q3"] {
            ok(&node(m), &["publish", "--period", period]);
        }
    }
    // VN adds cases and revises 2024-Q3.
    let (_, more, _) = remedy(&[
        "cases",
        "generate",
        "--member",
        "VN",
        "--count",
        "200",
        "--seed",
        "4",
        "--from",
        "2024-07-01",
        "--to",
        "2024-09-30",
    ])?;
    let more: String = more
        .lines()
        .enumerate()
        .map(|(i, l)| {
            if i == 0 {
                format!("{l}\n")
            } else {
                format!("{}\n", l.replacen("VN-", "VN-B", 1))
            }
        })
        .collect();
    let file = tmp.path().join("vn-more.csv");
    std::fs::write(&file, more)?;
    ok(&node("VN"), &["cases", "import", path(&file)]);
    let published = ok(&node("VN"), &["publish", "--period", "2024-Q3"]);
    assert!(published.contains("revision 2"), "{published}");
    let all: BTreeMap<String, u64> = [("KH".to_string(), 2), ("VN".to_string(), 3)].into();
    wait_heights(&channels, &all, Duration::from_secs(30)).await?;

    // The year, which nobody publishes, is each member's quarters summed: two
    // of four, so every figure is a lower bound, revision 0.
    let year: serde_json::Value = serde_json::from_str(&ok(
        &node("KH"),
        &[
            "--format",
            "json",
            "view",
            "stats",
            "--table",
            "sector-sex",
            "--period",
            "2024",
        ],
    ))?;
    let summed = year["periods"][0]["members"].as_array().unwrap();
    assert_eq!(year["periods"][0]["period"], "2024");
    assert_eq!(summed.len(), 2, "{year}");
    for m in summed {
        assert_eq!(m["revision"], 0);
        assert_eq!(m["total"]["status"], "lower-bound", "{m}");
    }

    // The same JSON from every node, for the coordinator and the auditor.
    let stats = [
        "--format",
        "json",
        "view",
        "stats",
        "--table",
        "grievance-outcome",
        "--period",
        "2024-Q2",
        "--to",
        "2024-Q3",
    ];
    let series = [
        "--format",
        "json",
        "view",
        "series",
        "--table",
        "channel-outcome",
        "--row",
        "mrc",
        "--column",
        "total",
        "--from",
        "2024-Q1",
        "--to",
        "2024-Q4",
    ];
    let mut answers: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for reader in ["ILO", "AUD"] {
        for m in members {
            for (name, args) in [("stats", &stats[..]), ("series", &series[..])] {
                let mut all = vec!["--node", addrs[m].as_str()];
                all.extend_from_slice(args);
                answers
                    .entry(name)
                    .or_default()
                    .push(ok(&fed.join(reader), &all));
            }
        }
    }
    for (name, list) in &answers {
        assert!(
            list.iter().all(|a| a == &list[0]),
            "{name} differs between nodes"
        );
    }
    let view: serde_json::Value = serde_json::from_str(&answers["stats"][0])?;
    let periods = view["periods"].as_array().unwrap();
    assert_eq!(periods.len(), 2);
    let q3 = &periods[1];
    assert_eq!(q3["period"], "2024-Q3");
    assert_eq!(q3["missing"], serde_json::json!(["JP"]));
    let vn = &q3["members"][1];
    assert_eq!(
        (vn["member"].as_str(), vn["revision"].as_u64()),
        (Some("VN"), Some(2))
    );
    // A regional cell over a suppressed member cell is a lower bound; totals stay exact.
    let kh = &q3["members"][0];
    let regional = &q3["regional"];
    let mut lower_bounds = 0;
    for (r, row) in kh["cells"].as_array().unwrap().iter().enumerate() {
        for (c, cell) in row.as_array().unwrap().iter().enumerate() {
            if cell["status"] == "suppressed" {
                assert_eq!(regional["cells"][r][c]["status"], "lower-bound");
                lower_bounds += 1;
            }
        }
    }
    assert!(
        lower_bounds > 0,
        "400 cases in a quarter leave suppressed cells"
    );
    assert_eq!(regional["total"]["status"], "published");
    assert_eq!(
        regional["total"]["value"].as_u64().unwrap(),
        kh["total"]["value"].as_u64().unwrap() + vn["total"]["value"].as_u64().unwrap()
    );
    let series: serde_json::Value = serde_json::from_str(&answers["series"][0])?;
    assert_eq!(
        series["points"].as_array().unwrap().len(),
        2,
        "two quarters published"
    );

    // The terminal table, CSV, an earlier revision, SDMX-CSV and its structure.
    let ilo = fed.join("ILO");
    let text = ok(
        &ilo,
        &[
            "view",
            "stats",
            "--table",
            "sector-sex",
            "--period",
            "2024-Q3",
        ],
    );
    assert!(
        text.contains("legend: x = suppressed") && text.contains("2024-Q3 regional (KH, VN)"),
        "{text}"
    );
    assert!(text.contains("2024-Q3: no release from JP"), "{text}");
    assert!(
        text.starts_with(
            "sector-sex: Cases opened in the period by sector and sex, each case counted once\n"
        ),
        "{text}"
    );
    let csv = ok(
        &ilo,
        &[
            "--format",
            "csv",
            "view",
            "stats",
            "--table",
            "sector-sex",
            "--period",
            "2024-Q3",
        ],
    );
    assert!(
        csv.starts_with("table,period,member,revision,row,column,value,status,standard_error\r\n")
    );
    assert!(
        csv.split_inclusive('\n').all(|l| l.ends_with("\r\n")),
        "RFC 4180 records end in CRLF: {csv:?}"
    );
    assert!(
        csv.contains("sector-sex,2024-Q3,regional,,total,total,"),
        "{csv}"
    );
    let earlier = ok(
        &ilo,
        &[
            "--format",
            "json",
            "view",
            "stats",
            "--table",
            "sector-sex",
            "--period",
            "2024-Q3",
            "--members",
            "VN",
            "--revision",
            "1",
        ],
    );
    assert!(earlier.contains("\"revision\":1"), "{earlier}");
    let sdmx = ok(
        &ilo,
        &[
            "--format",
            "sdmx-csv",
            "view",
            "stats",
            "--table",
            "grievance-outcome",
            "--period",
            "2024-Q3",
        ],
    );
    let lines: Vec<&str> = sdmx.lines().collect();
    assert_eq!(
        lines[0],
        "STRUCTURE,STRUCTURE_ID,ACTION,FREQ,REF_AREA,GRIEVANCE,OUTCOME,TIME_PERIOD,OBS_VALUE,OBS_STATUS,CONF_STATUS,STD_ERR,UNIT_MEASURE,REVISION"
    );
    assert!(sdmx.split_inclusive('\n').all(|l| l.ends_with("\r\n")));
    assert!(
        lines[1..]
            .iter()
            .all(|l| l.starts_with("dataflow,REMEDYNET:DF_GRIEVANCE_OUTCOME(1.0),")),
        "only the table asked for"
    );
    assert!(lines.iter().any(|l| l.contains(",A,Q,KH,")));
    assert!(
        lines.iter().any(|l| l.contains(",R,Q,VN,")),
        "a revision replaces"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.contains(",2024-Q3,NaN,Q,C,,MENTION,")),
        "suppressed figures are missing (Q) and confidential (C)"
    );
    let structure = ok(&ilo, &["view", "structure"]);
    assert!(
        structure.contains("CONF_STATUS,attribute,C,"),
        "{structure}"
    );
    let ml = ok(&ilo, &["--format", "sdmx-ml", "view", "structure"]);
    assert!(
        ml.starts_with("<?xml") && ml.contains("<str:Dataflow id=\"DF_CHANNEL_OUTCOME\""),
        "{ml}"
    );

    // Bad queries say what is wrong.
    let (okay, _, e) = at(
        &ilo,
        &[
            "view", "stats", "--table", "salaries", "--period", "2024-Q3",
        ],
    );
    assert!(
        !okay && e.contains("unknown table \"salaries\"; the tables are grievance-outcome, channel-outcome, sector-sex, status-grievance, resolution"),
        "{e}"
    );
    // A filter value that names nothing is an error listing what exists, never
    // an answer that reads as "no release".
    let refused = |args: &[&str], expected: &str| {
        let mut all = vec!["--node", addrs["VN"].as_str()];
        all.extend_from_slice(args);
        let (okay, stdout, e) = at(&ilo, &all);
        assert!(!okay, "{args:?} answered: {stdout}");
        assert!(
            e.contains(expected),
            "{args:?}: expected {expected:?} in {e}"
        );
    };
    let quarter = [
        "view",
        "stats",
        "--table",
        "grievance-outcome",
        "--period",
        "2024-Q3",
    ];
    refused(
        &[&quarter[..], &["--members", "KH,XX"]].concat(),
        "unknown member \"XX\"; the federation's members are JP, KH, VN",
    );
    refused(
        &[&quarter[..], &["--members", "ILO"]].concat(),
        "member \"ILO\" is the federation's coordinator and runs no node, so it has no records; the members with records are JP, KH, VN",
    );
    refused(
        &[&quarter[..], &["--rows", "unpaid-wages,lost-passport"]].concat(),
        "unknown row \"lost-passport\"; the rows of table grievance-outcome are unpaid-wages, recruitment-fees-debt,",
    );
    refused(
        &[&quarter[..], &["--columns", "settled"]].concat(),
        "unknown column \"settled\"; the columns of table grievance-outcome are pending, resolved-compensated,",
    );
    refused(
        &[
            "view",
            "stats",
            "--table",
            "resolution",
            "--period",
            "2024-Q3",
            "--columns",
            "mean-days",
        ],
        "unknown column \"mean-days\"; the columns of table resolution are closed, median-days, compensation-usd",
    );
    refused(
        &[
            &["--format", "sdmx-csv"][..],
            &quarter[..],
            &["--members", "XX"],
        ]
        .concat(),
        "unknown member \"XX\"",
    );
    let series = |row: &'static str, column: &'static str, members: &'static str| {
        [
            "view",
            "series",
            "--table",
            "channel-outcome",
            "--row",
            row,
            "--column",
            column,
            "--from",
            "2024-Q1",
            "--to",
            "2024-Q4",
            "--members",
            members,
        ]
    };
    refused(
        &series("mrc", "settled", "KH"),
        "unknown column \"settled\"; the columns of table channel-outcome are pending, resolved-compensated, resolved-non-monetary, referred, withdrawn, unresolved-closed, returned-without-remedy, or total",
    );
    refused(
        &series("pigeon", "total", "KH"),
        "unknown row \"pigeon\"; the rows of table channel-outcome are mrc,",
    );
    refused(&series("mrc", "total", "KH,TH"), "unknown member \"TH\"");
    // What exists still answers: a member, a row and a column by name, totals.
    let text = ok(
        &ilo,
        &[
            &["--format", "json"][..],
            &quarter[..],
            &[
                "--members",
                "KH",
                "--rows",
                "unpaid-wages",
                "--columns",
                "pending",
            ],
        ]
        .concat(),
    );
    let one: serde_json::Value = serde_json::from_str(&text)?;
    assert_eq!(
        one["periods"][0]["members"].as_array().map(Vec::len),
        Some(1),
        "{text}"
    );
    ok(
        &ilo,
        &[&["--format", "json"][..], &series("mrc", "total", "KH,VN")].concat(),
    );
    let (okay, _, e) = at(
        &ilo,
        &[
            "view",
            "stats",
            "--table",
            "sector-sex",
            "--period",
            "2024-Q3",
            "--to",
            "2024-08",
        ],
    );
    assert!(
        !okay && e.contains("must run forward over periods of one kind"),
        "{e}"
    );
    let (okay, _, e) = at(&ilo, &["--format", "csv", "view", "members"]);
    assert!(
        !okay && e.contains("--format csv is for every view but members and structure"),
        "{e}"
    );

    // Rebuilding KH's view from its logs gives the same rows, and the same answers.
    running.get_mut("KH").unwrap().stop().await?;
    let kh_dir = NodeDir::open(&node("KH"))?;
    let rebuilt = kh_dir.run_node_ok(&["rebuild-views"])?;
    assert!(
        rebuilt.contains("identical: the incremental view matched the logs"),
        "{rebuilt}"
    );
    running.insert("KH", kh_dir.start().await?);
    let mut all = vec!["--node", addrs["KH"].as_str()];
    all.extend_from_slice(&stats);
    assert_eq!(ok(&ilo, &all), answers["stats"][0]);
    Ok(())
}

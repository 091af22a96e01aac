//! Statistics releases between real nodes: a dry run publishes nothing; a release
//! reaches a peer, which checks it against the federation's policy; a second
//! revision keeps every earlier suppression; no suppressed cell of any revision a
//! peer holds can be worked out; thresholds below the federation's are refused, and
//! so is a policy-breaking release appended by hand. Noised releases: a dry run,
//! two revisions that spend exactly the cap, a third refused before and after a
//! restart, both accepted by the peer, both attested from their noise seeds.

#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::time::Duration;

use remedy_core::payload::Payload;
use remedy_core::release::Release;
use remedy_core::{MemberId, PayloadKind};
use remedy_tests::federation::{channel_as, heights, status, wait_heights};
use remedy_tests::{NodeDir, bootstrap, path_arg as path, read_log, remedy};

#[tokio::test]
async fn releases_are_protected_checked_by_receivers_and_revised_consistently() -> anyhow::Result<()>
{
    let tmp = tempfile::tempdir()?;
    let fed = tmp.path().join("fed");
    bootstrap(&fed, "KH,VN", &[])?;
    let mut channels = BTreeMap::new();
    let mut running = Vec::new();
    for m in ["KH", "VN"] {
        let dir = NodeDir::open(&fed.join(m))?;
        running.push(dir.start().await?);
        channels.insert(m.to_string(), channel_as(&dir.dir, None).await?);
    }
    let kh = fed.join("KH");
    let csv = tmp.path().join("kh.csv");
    let (ok, text, stderr) = remedy(&[
        "cases", "generate", "--member", "KH", "--count", "400", "--seed", "6",
    ])?;
    assert!(ok, "{stderr}");
    std::fs::write(&csv, &text)?;
    assert!(remedy(&["--dir", path(&kh), "cases", "import", path(&csv)])?.0);

    // A dry run shows the tables and what is held back, and publishes nothing.
    let (ok, stdout, stderr) = remedy(&[
        "--dir",
        path(&kh),
        "publish",
        "--period",
        "2024-Q3",
        "--dry-run",
    ])?;
    assert!(ok, "{stderr}");
    assert!(
        stdout.contains("grievance-outcome") && stdout.contains("legend: x = suppressed"),
        "{stdout}"
    );
    assert!(
        stdout.contains(": a count from 1 to 4")
            && stdout.contains("dry run: nothing was published"),
        "{stdout}"
    );
    assert_eq!(heights(channels["KH"].clone()).await?["KH"], 0);

    // Below the federation's threshold: refused, nothing appended.
    let (ok, _, stderr) = remedy(&[
        "--dir",
        path(&kh),
        "publish",
        "--period",
        "2024-Q3",
        "--threshold",
        "3",
    ])?;
    assert!(
        !ok && stderr.contains("below the federation's minimum of 5"),
        "{stderr}"
    );

    // Published: the peer receives it and finds nothing wrong with it.
    let (ok, stdout, stderr) = remedy(&["--dir", path(&kh), "publish", "--period", "2024-Q3"])?;
    assert!(
        ok && stdout.contains("published 2024-Q3 revision 1 as shared event 1"),
        "{stdout}{stderr}"
    );

    // A changed case, and the period published again: revision 2.
    // A case opened in the quarter, so the tables change.
    let mut lines: Vec<String> = text.lines().map(String::from).collect();
    let index = lines
        .iter()
        .position(|l| {
            ["2024-07", "2024-08", "2024-09"]
                .iter()
                .any(|m| l.contains(&format!(",{m}-")))
        })
        .unwrap();
    let fields: Vec<String> = lines[index].split(',').map(String::from).collect();
    let mut changed = fields.clone();
    changed[10] = if fields[10] == "referred" {
        "withdrawn".into()
    } else {
        "referred".into()
    };
    changed[2] = changed[1].clone(); // closed the day it opened
    changed[11] = String::new();
    lines[index] = changed.join(",");
    std::fs::write(&csv, lines.join("\n") + "\n")?;
    assert!(remedy(&["--dir", path(&kh), "cases", "import", path(&csv)])?.0);
    let (ok, stdout, _) = remedy(&["--dir", path(&kh), "publish", "--period", "2024-Q3"])?;
    assert!(ok && stdout.contains("revision 2"), "{stdout}");
    wait_heights(
        &channels,
        &[("KH".to_string(), 2)].into(),
        Duration::from_secs(30),
    )
    .await?;
    let report = status(channels["VN"].clone()).await?;
    assert!(report.rejected.is_empty(), "{:?}", report.rejected);

    // Everything VN holds of KH: both revisions, each passing the receivers' check,
    // no suppressed cell determined, revision 2 hiding all that revision 1 hid.
    let events = read_log(channels["VN"].clone(), &MemberId::new("KH")?).await?;
    let releases: Vec<Release> = events
        .iter()
        .filter(|e| e.kind() == PayloadKind::RELEASE)
        .map(|e| Release::from_event(e).unwrap())
        .collect();
    assert_eq!(
        releases.iter().map(|r| r.revision).collect::<Vec<_>>(),
        vec![1, 2]
    );
    let mut suppressed_cells = 0;
    for release in &releases {
        remedy_core::release::check(release, 5)?;
        for t in &release.tables {
            // Every figure, cells and totals, checked again from the publication
            // alone: a completion, then every hidden figure's interval.
            let flat = t.counts();
            let hidden: Vec<bool> = flat.iter().map(Option::is_none).collect();
            suppressed_cells += hidden.iter().filter(|h| **h).count();
            let network = remedy_core::disclosure::Network::table(t.rows.len(), t.columns.len());
            let unbounded = vec![remedy_core::disclosure::UNBOUNDED; flat.len()];
            let values = remedy_core::disclosure::completion(&network, &flat, &unbounded).unwrap();
            let reader = remedy_core::disclosure::Figures {
                network: &network,
                values: &values,
                suppressed: &hidden,
                caps: &unbounded,
            };
            assert!(reader.exposed(Some(5)).is_empty(), "{}", t.name);
            for v in flat.iter().flatten() {
                assert!(*v == 0 || *v >= 5, "{} publishes {v}", t.name);
            }
        }
    }
    assert!(
        suppressed_cells > 0,
        "400 cases in a quarter give small cells"
    );
    for (a, b) in releases[0].tables.iter().zip(&releases[1].tables) {
        for (x, y) in a.cells.iter().flatten().zip(b.cells.iter().flatten()) {
            assert!(
                x.is_some() || y.is_none(),
                "{}: revision 2 publishes a cell revision 1 hid",
                a.name
            );
        }
    }

    // A national auditor with access to the node recomputes both revisions from the
    // private log as it stood at each release's head: both match.
    for revision in ["1", "2"] {
        let (ok, stdout, stderr) = remedy(&[
            "--dir",
            path(&kh),
            "cases",
            "attest",
            "--period",
            "2024-Q3",
            "--revision",
            revision,
        ])?;
        assert!(ok, "{stdout}{stderr}");
        assert!(
            stdout.contains("verdict: the release matches the private log"),
            "{stdout}"
        );
        assert!(stdout.contains("from 400 cases"), "{stdout}");
    }
    let (ok, _, stderr) = remedy(&["--dir", path(&kh), "cases", "attest", "--period", "2023-Q1"])?;
    assert!(
        !ok && stderr.contains("has published no release of 2023-Q1"),
        "{stderr}"
    );

    // Differential privacy: 2024-Q4 noised with ε 0.6 and then 0.4 (the cap is 1).
    let publish = |args: &[&str]| {
        let mut all = vec!["--dir", path(&kh), "publish", "--period", "2024-Q4"];
        all.extend_from_slice(args);
        remedy(&all)
    };
    // About 100 cases in the quarter: at ε 0.6 the case total's standard error
    // (70 cells of variance 138.72 each: ±98.5) is about the count itself, far
    // above the federation's 10%: refused before any noise is drawn, with the
    // way out.
    let (ok, _, stderr) = publish(&["--epsilon", "0.6", "--dry-run"])?;
    assert!(
        !ok && stderr.contains("would have a standard error of ±98.5 on")
            && stderr.contains("above the federation's bound of 10% (max_noise_rse_percent)")
            && stderr.contains("pass --accept-noise"),
        "{stderr}"
    );
    let (ok, stdout, stderr) = publish(&["--epsilon", "0.6", "--dry-run", "--accept-noise"])?;
    assert!(ok, "{stderr}");
    assert!(
        stdout.contains("legend: ~ = noised (discrete-laplace, ε 0.6 in all, split equal; a case counts at most 3 grievances")
            && stdout.contains("noise drawn for this preview is not kept")
            && stdout.contains("medians and compensation sums withheld")
            && stdout.contains("expected error: the case total's standard error is ±98.5 on")
            && stdout.contains("standard error of the noise: a cell ±11.8, a row total ±31.2, a column total ±37.2, the total ±98.5 (ε 0.12, sensitivity 1)"),
        "{stdout}"
    );
    assert_eq!(heights(channels["KH"].clone()).await?["KH"], 2);
    let (ok, stdout, stderr) = publish(&["--epsilon", "0.6", "--accept-noise"])?;
    assert!(
        ok && stdout.contains("revision 1 as shared event 3"),
        "{stdout}{stderr}"
    );
    let (ok, _, stderr) = publish(&["--epsilon", "0.6", "--accept-noise"])?;
    assert!(
        !ok && stderr
            .contains("ε 0.6 on top of the 0.6 already spent exceeds the federation's cap of 1 per member and calendar quarter"),
        "{stderr}"
    );
    let (ok, stdout, stderr) = publish(&["--epsilon", "0.4", "--accept-noise"])?;
    assert!(
        ok && stdout.contains("revision 2 as shared event 4"),
        "{stdout}{stderr}"
    );
    // The spending is kept with the log: after a restart, even 0.1 is refused.
    running[0].stop().await?;
    running[0] = NodeDir::open(&kh)?.start().await?;
    let (ok, _, stderr) = publish(&["--epsilon", "0.1", "--accept-noise"])?;
    assert!(!ok && stderr.contains("the 1 already spent"), "{stderr}");
    let channels: BTreeMap<String, _> = [
        ("KH".to_string(), channel_as(&kh, None).await?),
        ("VN".to_string(), channels["VN"].clone()),
    ]
    .into();
    wait_heights(
        &channels,
        &[("KH".to_string(), 4)].into(),
        Duration::from_secs(30),
    )
    .await?;
    let report = status(channels["VN"].clone()).await?;
    assert!(report.rejected.is_empty(), "{:?}", report.rejected);
    let events = read_log(channels["VN"].clone(), &MemberId::new("KH")?).await?;
    for event in &events[2..] {
        let release = Release::from_event(event)?;
        assert!(release.privacy.is_some() && release.period == "2024-Q4");
        assert!(
            release
                .tables
                .iter()
                .all(|t| t.cells.iter().flatten().all(Option::is_some))
        );
    }
    // The regional view shows each noised figure with its standard error, and
    // the CSV carries it: the total of revision 2 (ε 0.4: 0.08 per table).
    let (ok, stdout, stderr) = remedy(&[
        "--dir",
        path(&kh),
        "view",
        "stats",
        "--table",
        "channel-outcome",
        "--period",
        "2024-Q4",
    ])?;
    assert!(ok && stdout.contains("±"), "{stdout}{stderr}");
    let (ok, stdout, stderr) = remedy(&[
        "--dir",
        path(&kh),
        "--format",
        "csv",
        "view",
        "stats",
        "--table",
        "channel-outcome",
        "--period",
        "2024-Q4",
    ])?;
    assert!(ok, "{stderr}");
    let total = stdout
        .lines()
        .find(|l| l.starts_with("channel-outcome,2024-Q4,KH,2,total,total,"))
        .unwrap_or_else(|| panic!("{stdout}"));
    let fields: Vec<&str> = total.split(',').collect();
    assert_eq!(fields[7], "noised", "{total}");
    // ε 0.08 at sensitivity 1: variance 2q/(1-q)^2 = 312.33 per cell, times 70.
    assert_eq!(fields[8], "147.86", "{total}");
    // Attestation draws the same noise from the seed in the private log.
    for revision in ["1", "2"] {
        let (ok, stdout, stderr) = remedy(&[
            "--dir",
            path(&kh),
            "cases",
            "attest",
            "--period",
            "2024-Q4",
            "--revision",
            revision,
        ])?;
        assert!(
            ok && stdout.contains("verdict: the release matches the private log"),
            "{stdout}{stderr}"
        );
    }

    // Publishing what means nothing is refused: the same figures again, a period
    // that has not begun, a period without cases (unless asked for).
    let (ok, _, stderr) = remedy(&["--dir", path(&kh), "publish", "--period", "2024-Q3"])?;
    assert!(
        !ok && stderr.contains("nothing changed since revision 2 of 2024-Q3"),
        "{stderr}"
    );
    // A month or a year inside published quarters would give away a month's
    // suppressed cell as the quarter minus the other months: one grain only.
    for (period, kind) in [("2024-08", "month"), ("2024", "year")] {
        let (ok, _, stderr) = remedy(&["--dir", path(&kh), "publish", "--period", period])?;
        assert!(
            !ok && stderr.contains(&format!(
                "period {period} is a {kind}; the federation publishes one quarter at a time"
            )),
            "{stderr}"
        );
    }
    let (ok, _, stderr) = remedy(&["--dir", path(&kh), "publish", "--period", "2031-Q1"])?;
    assert!(
        !ok && stderr.contains("2031-Q1 starts on 2031-01-01, after today"),
        "{stderr}"
    );
    let (ok, _, stderr) = remedy(&["--dir", path(&kh), "publish", "--period", "2019-Q1"])?;
    assert!(
        !ok && stderr.contains("no case was opened or closed in 2019-Q1")
            && stderr.contains("--allow-empty"),
        "{stderr}"
    );
    let (ok, stdout, stderr) = remedy(&[
        "--dir",
        path(&kh),
        "publish",
        "--period",
        "2019-Q1",
        "--allow-empty",
        "--dry-run",
    ])?;
    assert!(ok && stdout.contains("dry run"), "{stdout}{stderr}");

    // A policy-breaking release appended by hand is refused by the node itself.
    let mut bad = releases[1].clone();
    bad.revision = 3;
    let t = &mut bad.tables[0];
    let hidden = t.cells.iter().flatten().position(Option::is_none).unwrap();
    let columns = t.columns.len();
    t.cells[hidden / columns][hidden % columns] = Some(2);
    let file = tmp.path().join("bad.json");
    std::fs::write(&file, bad.encode())?;
    let (ok, _, stderr) = remedy(&[
        "--dir",
        path(&kh),
        "log",
        "append",
        "--kind",
        "release",
        "--file",
        path(&file),
    ])?;
    assert!(!ok && stderr.contains("below the threshold 5"), "{stderr}");
    // A noised release appended by hand would bypass the budget: refused.
    std::fs::write(&file, Release::from_event(&events[2])?.encode())?;
    let (ok, _, stderr) = remedy(&[
        "--dir",
        path(&kh),
        "log",
        "append",
        "--kind",
        "release",
        "--file",
        path(&file),
    ])?;
    assert!(
        !ok && stderr.contains("remedy publish --epsilon"),
        "{stderr}"
    );
    Ok(())
}

//! Partner organisations through real nodes: KH registers a bar association
//! and an MRC, each with its own identity folder and keys. The MRC submits a
//! recommendation through KH's node and KH endorses it nationally; the bar
//! association comments on a work-plan item and records an advisory position
//! (shown, never counted); the MRC reports a pilot. KH records a workshop
//! whose participation by group and by sex validates two recommendations, and
//! a pilot run by the MRC, which reports indicator values against its targets
//! (a value in the wrong unit, a partner not running it, counts that do not add
//! up: refused with the reason). Everything replicates to ID,
//! VN and JP, whose receivers check both signatures (the node's and the
//! partner's against the key KH registered). A partner submitting through
//! another member's node, and a retired partner, are refused with the reason;
//! a partner signs in to its own member's dashboard with its key (not to
//! another member's, and not once retired);
//! the auditor verifies the partners' signatures live and offline. Last, a
//! fake KH (KH's own keys, serving KH's log) adds an event carrying a
//! statement signed with the retired key: ID, VN and JP each refuse it with
//! the reason and store nothing, and the auditor fails that log.

#![allow(clippy::unwrap_used)]

use std::time::{Duration, Instant};

use remedy_client::identity::{SIGNING_KEY_FILE, load_manifest};
use remedy_client::keyfile::load_signing_key;
use remedy_core::checkpoint::{Checkpoint, SignedCheckpoint, key_name, origin_line};
use remedy_core::merkle::Frontier;
use remedy_core::payload::Payload as _;
use remedy_core::plan::{Comment, RecordId};
use remedy_core::statement::Statement;
use remedy_core::{LogKind, MemberId, SignedEvent};
use remedy_tests::fake::{FakeNode, Served};
use remedy_tests::federation::status;
use remedy_tests::federation::{Started, converge, start_all};
use remedy_tests::http::{cookie_pair, http, serve_http};
use remedy_tests::{NodeDir, read_log};
use remedy_tests::{
    bootstrap, create_at as create, path_arg as path, refused_at as refused, remedy,
    remedy_at as at,
};

const CONVERGE: Duration = Duration::from_secs(30);

/// Runs a partner's creating command until its member's node accepts the
/// partner's certificate (the node pins it once the registration is stored);
/// returns the id.
async fn as_partner(dir: &std::path::Path, args: &[&str]) -> String {
    let deadline = Instant::now() + CONVERGE;
    loop {
        let (ok, stdout, stderr) = at(dir, args);
        if ok {
            return stdout.lines().last().unwrap().trim().to_string();
        }
        assert!(
            Instant::now() < deadline && stderr.contains("did not accept the certificate"),
            "{args:?}: {stdout}{stderr}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn partners_speak_through_their_member_and_every_peer_checks_them() -> anyhow::Result<()> {
    let tmp = tempfile::tempdir()?;
    let fed = tmp.path().join("fed");
    bootstrap(
        &fed,
        "KH,ID,VN,JP",
        &["--coordinator", "ILO", "--auditor", "AUD"],
    )?;
    let members = ["KH", "ID", "VN", "JP"];
    let kh_http = serve_http(&fed.join("KH"), "")?;
    let vn_http = serve_http(&fed.join("VN"), "")?;
    let Started {
        running,
        channels,
        addrs,
    } = start_all(&fed, &members).await?;
    let node = |m: &str| fed.join(m);
    let kh_rec = create(
        &node("KH"),
        &[
            "recommend",
            "add",
            "--title",
            "Referral desk",
            "--text",
            "Refer cases.",
            "--theme",
            "cross-border-referral",
            "--actors",
            "mrc",
            "--priority",
            "high",
            "--workshop",
            "Phnom Penh, 2024-05-14",
        ],
    );
    converge(&channels, CONVERGE).await?;
    let item = create(
        &node("JP"),
        &[
            "workplan",
            "propose",
            "--title",
            "Referral protocol",
            "--objective",
            "Workers reach a remedy",
            "--draws-on",
            &kh_rec,
            "--lead",
            "JP",
            "--members",
            "KH,JP",
            "--due",
            "2027-06",
        ],
    );

    // Two partners of KH, each with its own folder and keys.
    let partner = |id: &str, group: &str| {
        let dir = tmp.path().join(id);
        let (ok, out, err) = remedy(&[
            "--dir",
            path(&dir),
            "init",
            "--role",
            "partner",
            "--member",
            "KH",
            "--partner",
            id,
            "--name",
            &format!("{id} of Cambodia"),
            "--group",
            group,
            "--country",
            "KH",
        ])
        .unwrap();
        assert!(ok, "{out}{err}");
        std::fs::copy(
            fed.join("KH").join("federation.toml"),
            dir.join("federation.toml"),
        )
        .unwrap();
        dir
    };
    let bar = partner("kh-bar", "bar-association");
    let mrc = partner("kh-mrc", "mrc");
    let e = refused(
        &node("VN"),
        &["partner", "register", path(&mrc.join("partner.toml"))],
    );
    assert!(e.contains("is a partner of KH, not of VN"), "{e}");
    create(
        &node("KH"),
        &["partner", "register", path(&bar.join("partner.toml"))],
    );
    create(
        &node("KH"),
        &["partner", "register", path(&mrc.join("partner.toml"))],
    );
    let e = refused(
        &node("KH"),
        &["partner", "register", path(&mrc.join("partner.toml"))],
    );
    assert!(e.contains("registered already"), "{e}");

    // The MRC's recommendation, carried by KH; KH endorses it nationally.
    let rec = as_partner(
        &mrc,
        &[
            "recommend",
            "add",
            "--title",
            "Interpreters at the desk",
            "--text",
            "Workers speak Khmer.",
            "--theme",
            "access-to-information",
            "--actors",
            "mrc",
            "--priority",
            "medium",
            "--workshop",
            "Phnom Penh, 2024-05-14",
        ],
    )
    .await;
    assert!(rec.starts_with("KH-"), "{rec}");
    create(
        &node("KH"),
        &[
            "recommend",
            "status",
            &rec,
            "endorsed-nationally",
            "--note",
            "adopted by the ministry",
        ],
    );
    // Not through another member's node (once VN holds the registration and
    // pins the MRC's certificate, the refusal names the right node).
    converge(&channels, CONVERGE).await?;
    let deadline = Instant::now() + CONVERGE;
    loop {
        let (ok, _, e) = at(
            &mrc,
            &[
                "--node",
                &addrs["VN"],
                "workplan",
                "comment",
                &kh_rec,
                "--text",
                "wrong node",
            ],
        );
        assert!(!ok, "VN carried KH's partner's comment");
        if e.contains("submit through KH's node, not VN's") {
            break;
        }
        assert!(
            Instant::now() < deadline && e.contains("did not accept the certificate"),
            "{e}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // Partners do not propose or record status.
    let e = refused(&bar, &["workplan", "update", &item, "--status", "done"]);
    assert!(
        e.contains("a partner reports values and notes") || e.contains("partner organisation"),
        "{e}"
    );

    // The bar association comments and gives an advisory position.
    converge(&channels, CONVERGE).await?;
    as_partner(
        &bar,
        &[
            "workplan",
            "comment",
            &item,
            "--text",
            "The bar will staff the desk",
        ],
    )
    .await;
    as_partner(
        &bar,
        &["workplan", "endorse", &item, "--note", "supports it"],
    )
    .await;
    as_partner(
        &mrc,
        &[
            "pilot",
            "report",
            "--pilot",
            "kh-mrc-desk",
            "--period",
            "2025-Q2",
            "--tests",
            &rec,
            "--indicator",
            "people-reached=40",
        ],
    )
    .await;

    // A national workshop validates both recommendations; counts that do not
    // add up are refused, nothing stored.
    let workshop = |by_sex: &str| {
        vec![
            "workshop",
            "record",
            "--title",
            "National consultation on referral",
            "--date",
            "2024-05-14",
            "--place",
            "Phnom Penh",
            "--organiser",
            "Ministry of Labour",
            "--languages",
            "km,en",
            "--total",
            "42",
            "--by-group",
            "government=10,cso=20,bar-association=9,mrc=3",
            "--by-sex",
        ]
        .into_iter()
        .map(String::from)
        .chain([by_sex.to_string()])
        .chain(
            [
                "--agenda",
                "Findings",
                "--summary",
                "Both validated.",
                "--validates",
            ]
            .map(String::from),
        )
        .chain([format!("{kh_rec},{rec}")])
        .collect::<Vec<_>>()
    };
    let args = workshop("female=20,male=20");
    let e = refused(
        &node("KH"),
        &args.iter().map(String::as_str).collect::<Vec<_>>(),
    );
    assert!(
        e.contains("by sex add up to 40, not to the total of 42"),
        "{e}"
    );
    let args = workshop("female=24,male=18");
    let ws = create(
        &node("KH"),
        &args.iter().map(String::as_str).collect::<Vec<_>>(),
    );

    // A pilot run by the MRC, with indicators against targets.
    let pilot_file = tmp.path().join("pilot.toml");
    std::fs::write(
        &pilot_file,
        format!(
            r#"id = "kh-referral-desk"
title = "Referral desk at the provincial labour office"
country = "KH"
partners = ["kh-mrc"]
tests = ["{rec}"]
start = "2024-06-01"
end = "2025-05-31"
description = "Run by the MRC with the bar association's lawyers."

[[indicators]]
id = "workers-referred"
name = "Workers referred to legal aid"
unit = "count"
baseline = {{ value = "0", date = "2024-06-01" }}
target = {{ value = "200", date = "2025-05-31" }}

[[indicators]]
id = "resolved-share"
name = "Share of referrals resolved"
unit = "percentage"
baseline = {{ value = "10", date = "2024-06-01" }}
target = {{ value = "50", date = "2025-05-31" }}
"#
        ),
    )?;
    let pilot = create(&node("KH"), &["pilot", "register", path(&pilot_file)]);
    let progress = |values: &[&str]| -> Vec<String> {
        let mut args: Vec<String> = [
            "pilot",
            "progress",
            "--pilot",
            &pilot,
            "--date",
            "2024-12-31",
        ]
        .map(String::from)
        .to_vec();
        for v in values {
            args.extend(["--value".to_string(), v.to_string()]);
        }
        args
    };
    let e = refused(
        &mrc,
        &progress(&["resolved-share=30 count"])
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>(),
    );
    assert!(
        e.contains("measured in percentage; this value is given in count"),
        "{e}"
    );
    let e = refused(
        &bar,
        &progress(&["workers-referred=1 count"])
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>(),
    );
    assert!(
        e.contains("KH/kh-bar does not run pilot kh-referral-desk"),
        "{e}"
    );
    let mut args = progress(&["workers-referred=123.4 count", "resolved-share=30%"]);
    args.extend(["--lessons".to_string(), "Interpreters matter.".to_string()]);
    as_partner(&mrc, &args.iter().map(String::as_str).collect::<Vec<_>>()).await;
    converge(&channels, CONVERGE).await?;

    // Workshops, pilots and partners at every peer, with the partner named.
    for m in ["ID", "VN", "JP"] {
        let (ok, out, err) = at(&node(m), &["--format", "json", "view", "workshops"]);
        assert!(ok, "{err}");
        let w: serde_json::Value = serde_json::from_str(&out)?;
        let kh = &w["members"][0];
        assert_eq!(kh["member"], "KH");
        assert_eq!(kh["workshops"][0]["id"], ws.as_str());
        assert_eq!(kh["recommendations_validated"], 2);
        let p = &kh["workshops"][0]["participants"];
        assert_eq!(p["total"]["value"], 42);
        assert_eq!(p["by_sex"]["female"]["value"], 24);
        // mrc's 3 is under the threshold of 5, and bar-association's 9 (the
        // smallest other) goes with it, or 42 - 30 would give it back.
        assert_eq!(p["by_group"]["mrc"]["status"], "suppressed", "{p}");
        assert_eq!(p["by_group"]["bar-association"]["status"], "suppressed");
        assert_eq!(p["by_group"]["cso"]["value"], 20);
        assert_eq!(
            kh["workshops"][0]["validated"][1]["title"],
            "Interpreters at the desk"
        );

        let (ok, out, err) = at(&node(m), &["--format", "json", "view", "pilots"]);
        assert!(ok, "{err}");
        let v: serde_json::Value = serde_json::from_str(&out)?;
        let p = &v["pilots"][0];
        assert_eq!(p["id"], pilot.as_str());
        assert_eq!(p["reports"][0]["by"], "KH/kh-mrc");
        let referred = &p["indicators"][0];
        assert_eq!(referred["latest"]["value"], "123.4");
        assert_eq!(referred["target"]["value"], "200");
        assert_eq!(referred["progress_percent"], 61.7, "{referred}");
        assert_eq!(p["indicators"][1]["progress_percent"], 50.0);

        let (ok, out, err) = at(&node(m), &["--format", "csv", "view", "partners"]);
        assert!(ok, "{err}");
        assert!(
            out.contains("KH,kh-bar,kh-bar of Cambodia,bar-association,KH"),
            "{out}"
        );
    }
    let (ok, out, _) = at(&node("ID"), &["--format", "csv", "view", "pilots"]);
    assert!(
        ok && out.contains("kh-referral-desk,workers-referred,count,0,2024-06-01,200,2025-05-31,2024-12-31,123.4,reported"),
        "{out}"
    );

    // Every peer took KH's log, partner statements included, and shows them.
    for m in ["ID", "VN", "JP"] {
        let (ok, out, err) = at(&node(m), &["--format", "json", "recommend", "show", &rec]);
        assert!(ok, "{err}");
        let r: serde_json::Value = serde_json::from_str(&out)?;
        assert_eq!(r["submitted_by"], "KH/kh-mrc", "{m}: {r}");
        assert_eq!(r["status"], "endorsed-nationally");
        assert_eq!(r["validated_at"][0], ws.as_str(), "{m}: {r}");
        let (ok, out, err) = at(&node(m), &["--format", "json", "workplan", "show", &item]);
        assert!(ok, "{err}");
        let v: serde_json::Value = serde_json::from_str::<serde_json::Value>(&out)?[0].clone();
        assert_eq!(
            v["advisory"][0]["by"], "KH/kh-bar",
            "{m}: {}",
            v["advisory"]
        );
        assert_eq!(v["advisory"][0]["position"], "endorsed");
        assert_eq!(v["comments"][0]["by"], "KH/kh-bar");
        // Advisory, never counted: JP's proposal is the only endorsement.
        assert_eq!(v["tally"]["endorsed"], 1, "{m}: {}", v["tally"]);
    }
    let (ok, out, _) = at(&node("JP"), &["pilot", "list"]);
    assert!(ok && out.contains("people-reached=40"), "{out}");

    // Partners read their own member's dashboard, signed in with their key;
    // not another member's.
    let (ok, link, err) = at(&mrc, &["dashboard", "--page", "/workshops"]);
    assert!(ok, "{err}");
    let target = link
        .trim()
        .strip_prefix(&format!("http://{kh_http}"))
        .unwrap_or_else(|| panic!("a link to KH's dashboard: {link}"));
    let signed_in = http(kh_http, "GET", target, &[]).await?;
    assert_eq!(signed_in.status, 303, "{signed_in:?}");
    assert_eq!(signed_in.header("location"), Some("/workshops"));
    let cookie = cookie_pair(signed_in.header("set-cookie").unwrap_or_default());
    let answer = http(kh_http, "GET", "/api/workshops", &[("Cookie", &cookie)]).await?;
    assert_eq!(answer.status, 200);
    assert!(answer.body.contains(&ws), "{}", answer.body);
    // A partner reads KH's dashboard, but is not KH's operator: never KH's
    // held-back figures.
    let mine = http(kh_http, "GET", "/api/mynode", &[("Cookie", &cookie)]).await?;
    assert_eq!(mine.status, 403, "{mine:?}");
    let me = http(kh_http, "GET", "/api/me", &[("Cookie", &cookie)]).await?;
    assert!(me.body.contains("\"operator\":false"), "{}", me.body);
    let (ok, link, err) = at(&mrc, &["--node", &addrs["VN"], "dashboard"]);
    assert!(ok, "{err}");
    let target = link
        .trim()
        .strip_prefix(&format!("http://{vn_http}"))
        .unwrap();
    let refused_at_vn = http(vn_http, "GET", target, &[]).await?;
    assert_eq!(refused_at_vn.status, 403, "{refused_at_vn:?}");
    assert!(
        refused_at_vn
            .body
            .contains("KH/kh-mrc is a partner of KH: it signs in to KH"),
        "{}",
        refused_at_vn.body
    );
    // A link the bar made before its retirement is refused after it.
    let (ok, bar_link, err) = at(&bar, &["dashboard"]);
    assert!(ok, "{err}");

    // Retired: the bar association's key signs nothing more.
    create(
        &node("KH"),
        &["partner", "retire", "kh-bar", "--note", "key lost"],
    );
    converge(&channels, CONVERGE).await?;
    let (ok, _, e) = at(
        &bar,
        &["workplan", "comment", &item, "--text", "after retirement"],
    );
    assert!(
        !ok && (e.contains("retired at event") || e.contains("did not accept the certificate")),
        "{e}"
    );
    let target = bar_link
        .trim()
        .strip_prefix(&format!("http://{kh_http}"))
        .unwrap();
    let after = http(kh_http, "GET", target, &[]).await?;
    assert_eq!(after.status, 403, "{after:?}");
    assert!(after.body.contains("retired at event"), "{}", after.body);
    let (ok, list, _) = at(&node("VN"), &["partner", "list"]);
    assert!(
        ok && list.contains("kh-bar") && list.contains("retired at event"),
        "{list}"
    );
    assert!(
        list.contains("kh-mrc") && list.contains("registered at event"),
        "{list}"
    );

    // The auditor checks every partner signature, live and offline.
    let aud = fed.join("AUD");
    let (ok, out, err) = at(&aud, &["--node", &addrs["VN"], "audit", "verify"]);
    assert!(ok, "{out}{err}");
    let bundle = tmp.path().join("kh.bundle");
    let (ok, out, err) = at(
        &aud,
        &[
            "--node",
            &addrs["VN"],
            "audit",
            "export",
            "--origin",
            "KH",
            "--out",
            path(&bundle),
        ],
    );
    assert!(ok, "{out}{err}");
    let (ok, out, err) = remedy(&[
        "audit",
        "verify-bundle",
        path(&bundle),
        "--federation",
        path(&aud.join("federation.toml")),
    ])?;
    assert!(ok, "{out}{err}");

    // A statement signed with the retired key can only reach a log through a
    // node that signs what it should refuse: KH's keys in a fake KH, serving
    // KH's log with one more event carrying the bar's comment. Every peer
    // refuses it with the reason and stores nothing.
    let kh = MemberId::new("KH")?;
    let held = read_log(channels["KH"].clone(), &kh).await?;
    let mut running = running;
    running[0].stop().await?;
    let kh_dir = NodeDir::open(&node("KH"))?;
    let kh_key = load_signing_key(&node("KH").join(SIGNING_KEY_FILE))?;
    let bar_key = load_signing_key(&bar.join(SIGNING_KEY_FILE))?;
    let comment = Comment {
        on: RecordId::parse(&item).unwrap(),
        text: "signed with a retired key".into(),
    };
    let statement = Statement::sign_partner(&kh, "kh-bar", &bar_key, &comment.to_draft());
    let last = held.last().unwrap();
    let forged = SignedEvent::seal(
        &kh_key,
        &kh,
        LogKind::Shared,
        last.seq() + 1,
        last.hash(),
        last.time_ms() + 1,
        &statement.to_draft(),
    );
    let mut log: Vec<Vec<u8>> = held.iter().map(|e| e.raw().to_vec()).collect();
    log.push(forged.raw().to_vec());
    let mut tree = Frontier::default();
    for raw in &log {
        tree.push(raw, |_, _, _| {});
    }
    let federation = load_manifest(&node("KH").join("federation.toml"))?
        .body
        .federation
        .name;
    let checkpoint = SignedCheckpoint::sign(
        Checkpoint {
            origin: origin_line(&federation, "KH"),
            size: tree.size(),
            root: tree.root(),
        },
        &key_name("KH"),
        &kh_key,
    );
    let fake = FakeNode::default();
    fake.serve(Served {
        logs: [("KH".to_string(), log)].into(),
        checkpoints: [("KH".to_string(), checkpoint.to_text())].into(),
    });
    fake.start(&kh_dir.dir, kh_dir.addr).await?;
    for m in ["ID", "VN", "JP"] {
        let deadline = Instant::now() + CONVERGE;
        loop {
            let reply = status(channels[m].clone()).await?;
            if let Some(r) = reply
                .rejected
                .iter()
                .find(|r| r.last.contains("retired at event"))
            {
                assert!(
                    r.last.contains(&format!("KH event {}", forged.seq()))
                        && r.last.contains("partner kh-bar of KH was retired"),
                    "{m}: {}",
                    r.last
                );
                let kh_height = reply.origins.iter().find(|o| o.origin == "KH").unwrap();
                assert_eq!(kh_height.height, last.seq(), "{m} stored the forged event");
                break;
            }
            assert!(
                Instant::now() < deadline,
                "{m} did not refuse the retired key's statement: {:?}",
                reply.rejected
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
    // The auditor, reading the same log from the fake, fails it for the same reason.
    let (ok, out, err) = at(
        &aud,
        &["--node", &addrs["KH"], "audit", "verify", "--origin", "KH"],
    );
    assert!(!ok, "the auditor passed the forged log: {out}");
    assert!(
        out.contains(&format!("KH event {}", forged.seq())) && out.contains("was retired at event"),
        "{out}{err}"
    );
    drop(running);
    Ok(())
}

//! The work plan's whole cycle across four real nodes and a coordinator: ILO
//! opens a draft through KH, JP proposes it, VN objects with a reason and JP
//! answers, JP amends it materially (KH's endorsement of version 1 stops
//! counting), every member endorses version 2, JP and KH record progress, an
//! indicator bound to KH's releases moves as KH publishes two quarters, and a
//! milestone makes the item overdue at an `--as-of` past it. Every node gives
//! the same plan, as does the same set of events in any order; the exported
//! document verifies offline and fails when one endorsement or the item's text
//! is changed. A coordinator cannot endorse, and nobody can submit a
//! coordinator's statement but the coordinator.

#![allow(clippy::unwrap_used)]

use std::time::Duration;

use remedy_core::SignedEvent;
use remedy_core::payload::Payload as _;
use remedy_proto::v1 as pb;
use remedy_tests::federation::{Started, converge, start_all};
use remedy_tests::{
    bootstrap, create_at as create, path_arg as path, refused_at as refused, remedy,
    remedy_at as at,
};
use tokio_stream::StreamExt;

const CONVERGE: Duration = Duration::from_secs(30);

const ITEM: &str = r#"title = "Joint referral protocol"
objective = "Workers referred across borders reach a remedy"
outputs = ["A referral protocol signed by the four ministries"]
draws_on = ["KH-1", "ID-1", "VN-1"]
lead = "JP"
members = ["KH", "ID", "VN", "JP"]
due = "2027-06"

[[activities]]
what = "Draft the protocol with the bar associations"
responsible = "JP"
start = "2026-01-05"
end = "2026-06-30"

[[milestones]]
id = "protocol-signed"
title = "Protocol signed by the four ministries"
due = "2026-12-01"

[[indicators]]
id = "kh-cases"
name = "Cases KH registers per quarter"
unit = "count"
baseline = { value = "0", date = "2024-01-01" }
target = { value = "500", date = "2025-12-31" }
source = { series = { members = ["KH"], table = "channel-outcome", row = "total", column = "total" } }

[[indicators]]
id = "staff-trained"
name = "Referral staff trained"
unit = "percentage"
baseline = { value = "0", date = "2025-12-31" }
target = { value = "80", date = "2026-12-31" }
source = { reported = {} }
"#;

#[tokio::test]
async fn a_draft_becomes_an_agreed_monitored_and_verifiable_plan() -> anyhow::Result<()> {
    let tmp = tempfile::tempdir()?;
    let fed = tmp.path().join("fed");
    bootstrap(
        &fed,
        "KH,ID,VN,JP",
        &["--coordinator", "ILO", "--auditor", "AUD"],
    )?;
    let members = ["KH", "ID", "VN", "JP"];
    let Started {
        running,
        channels,
        addrs,
    } = start_all(&fed, &members).await?;
    let node = |m: &str| fed.join(m);
    let ilo = fed.join("ILO");

    for m in ["KH", "ID", "VN"] {
        let id = create(
            &node(m),
            &[
                "recommend",
                "add",
                "--title",
                &format!("Referral desk in {m}"),
                "--text",
                "Refer cases to Japan.",
                "--theme",
                "cross-border-referral",
                "--actors",
                "mrc",
                "--priority",
                "high",
                "--workshop",
                "Hanoi, 2024-06-20",
            ],
        );
        assert_eq!(id, format!("{m}-1"));
    }
    // KH publishes its first quarter.
    let (ok, csv, _) = remedy(&[
        "cases",
        "generate",
        "--member",
        "KH",
        "--count",
        "1200",
        "--seed",
        "5",
        "--from",
        "2024-01-01",
        "--to",
        "2024-12-31",
    ])?;
    assert!(ok);
    let cases = tmp.path().join("kh.csv");
    std::fs::write(&cases, csv)?;
    create(&node("KH"), &["cases", "import", path(&cases)]);
    create(&node("KH"), &["publish", "--period", "2024-Q1"]);
    converge(&channels, CONVERGE).await?;

    // ILO, a coordinator, opens the draft through KH.
    let file = tmp.path().join("item.toml");
    std::fs::write(&file, ITEM)?;
    let kh_addr = addrs["KH"].clone();
    let item = create(
        &ilo,
        &[
            "--node",
            &kh_addr,
            "workplan",
            "draft",
            "--file",
            path(&file),
        ],
    );
    assert_eq!(item, "KH-3");
    let e = refused(&ilo, &["--node", &kh_addr, "workplan", "endorse", &item]);
    assert!(e.contains("ILO is a coordinator"), "{e}");
    // Nobody submits a coordinator's statement but the coordinator itself.
    let key = remedy_client::keyfile::load_signing_key(&ilo.join("signing.key"))?;
    let comment = remedy_core::workplan::Comment {
        on: remedy_core::plan::RecordId::parse(&item).unwrap(),
        text: "relayed".into(),
    };
    let statement = remedy_core::statement::Statement::sign(
        &remedy_core::MemberId::new("ILO")?,
        &key,
        &comment.to_draft(),
    );
    let e = pb::federation_client::FederationClient::new(channels["VN"].clone())
        .submit(pb::SubmitRequest {
            statement: statement.encode(),
        })
        .await
        .unwrap_err();
    assert_eq!(e.code(), tonic::Code::PermissionDenied, "{e}");
    assert!(
        e.message()
            .contains("only ILO, connected with its own certificate"),
        "{e}"
    );
    converge(&channels, CONVERGE).await?;

    create(
        &node("JP"),
        &["workplan", "propose", "--item", &item, "--note", "JP leads"],
    );
    create(&node("KH"), &["workplan", "endorse", &item]);
    converge(&channels, CONVERGE).await?;
    // VN's inbox: its position is awaited; peers' events are new until seen.
    let inbox = |m: &str, extra: &[&str]| -> Vec<serde_json::Value> {
        let mut args = vec!["--format", "json", "inbox"];
        args.extend_from_slice(extra);
        let (ok, out, err) = at(&node(m), &args);
        assert!(ok, "{err}");
        serde_json::from_str(&out).unwrap()
    };
    let awaits = |entries: &[serde_json::Value], what: &str| {
        entries.iter().any(|e| {
            e["kind"] == "awaited"
                && e["item"] == item.as_str()
                && e["what"].as_str().unwrap().contains(what)
        })
    };
    let vn = inbox("VN", &["--seen"]);
    assert!(awaits(&vn, "a position on version 1"), "{vn:?}");
    assert!(
        vn.iter().any(|e| e["kind"] == "new" && e["from"] == "JP"),
        "{vn:?}"
    );
    let vn = inbox("VN", &[]);
    assert!(!vn.iter().any(|e| e["kind"] == "new"), "seen: {vn:?}");
    assert!(
        !awaits(&inbox("ID", &[]), "answer"),
        "nothing to answer at ID"
    );
    let objection = create(
        &node("VN"),
        &[
            "workplan",
            "object",
            &item,
            "--reason",
            "No budget line for interpreters",
        ],
    );
    create(
        &ilo,
        &[
            "--node",
            &kh_addr,
            "workplan",
            "request",
            &item,
            "--from",
            "ID,VN",
            "--by",
            "2026-02-15",
            "--note",
            "before the regional meeting",
        ],
    );
    converge(&channels, CONVERGE).await?;
    let e = refused(
        &node("KH"),
        &["workplan", "answer", &objection, "--text", "no"],
    );
    assert!(e.contains("only the proposer or the lead may"), "{e}");
    create(
        &node("JP"),
        &[
            "workplan",
            "answer",
            &objection,
            "--text",
            "Version 2 adds interpreters",
        ],
    );
    create(
        &node("JP"),
        &[
            "workplan",
            "amend",
            &item,
            "--material",
            "--note",
            "adds interpreters",
            "--output",
            "A referral protocol signed by the four ministries",
            "--output",
            "An interpreters' budget line",
        ],
    );
    converge(&channels, CONVERGE).await?;

    // KH endorsed version 1: after the material amendment it is pending again.
    let show = |as_of: &str, via: &str| -> serde_json::Value {
        let (ok, stdout, stderr) = at(
            &ilo,
            &[
                "--node", via, "--format", "json", "workplan", "show", &item, "--as-of", as_of,
            ],
        );
        assert!(ok, "{stderr}");
        serde_json::from_str::<serde_json::Value>(&stdout).unwrap()[0].clone()
    };
    let v = show("2026-01-10", &kh_addr);
    assert_eq!(
        (v["stage"].as_str(), v["current_version"].as_u64()),
        (Some("proposed"), Some(2))
    );
    let positions = v["tally"]["positions"].as_array().unwrap();
    let kh = positions.iter().find(|p| p["member"] == "KH").unwrap();
    assert_eq!(kh["position"], "pending", "{kh}");
    assert!(
        kh["earlier"]
            .as_str()
            .unwrap()
            .contains("endorsed version 1"),
        "{kh}"
    );
    assert!(
        v["awaited"].to_string().contains("a position on version 2"),
        "{}",
        v["awaited"]
    );

    // Before VN endorses version 2, it awaits VN; the coordinator sees from
    // whom.
    assert!(awaits(&inbox("VN", &[]), "a position on version 2"));
    let (ok, out, err) = at(&ilo, &["--node", &kh_addr, "--format", "json", "inbox"]);
    assert!(ok, "{err}");
    let region: Vec<serde_json::Value> = serde_json::from_str(&out)?;
    assert!(
        region.iter().any(|e| e["from"] == "VN"
            && e["what"]
                .as_str()
                .unwrap()
                .contains("a position on version 2")),
        "{region:?}"
    );
    for m in members {
        create(&node(m), &["workplan", "endorse", &item]);
    }
    converge(&channels, CONVERGE).await?;
    // Once VN endorsed, nothing about the item awaits it.
    let vn = inbox("VN", &[]);
    assert!(
        !vn.iter()
            .any(|e| e["kind"] == "awaited" && e["item"] == item.as_str()),
        "{vn:?}"
    );
    assert!(
        vn.iter().any(|e| e["kind"] == "new"),
        "its peers endorsed since: {vn:?}"
    );
    create(
        &node("JP"),
        &[
            "workplan",
            "update",
            &item,
            "--date",
            "2026-03-01",
            "--status",
            "in-progress",
            "--note",
            "drafting group met",
        ],
    );
    create(
        &node("KH"),
        &[
            "workplan",
            "update",
            &item,
            "--date",
            "2026-06-30",
            "--value",
            "staff-trained=37.5",
        ],
    );
    converge(&channels, CONVERGE).await?;

    // The indicator bound to KH's releases moves as KH publishes a second quarter.
    let series = |v: &serde_json::Value| -> Vec<(String, String)> {
        v["indicators"][0]["values"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|x| !x["value"].is_null())
            .map(|x| {
                (
                    x["date"].as_str().unwrap().to_string(),
                    x["value"].as_str().unwrap().to_string(),
                )
            })
            .collect()
    };
    let before = series(&show("2026-11-15", &addrs["VN"]));
    assert_eq!(before.len(), 1, "{before:?}");
    create(&node("KH"), &["publish", "--period", "2024-Q2"]);
    converge(&channels, CONVERGE).await?;
    let after = show("2026-11-15", &addrs["VN"]);
    let points = series(&after);
    assert_eq!(points.len(), 2, "{points:?}");
    assert_eq!(points[0], before[0]);
    assert_eq!(points[1].0, "2024-06-30");
    assert_eq!(after["indicators"][0]["latest"]["status"], "published");
    assert_eq!(after["indicators"][1]["latest"]["value"], "37.5");
    assert_eq!(after["stage"], "in-progress");
    assert_eq!(after["agreed_version"], 2);
    assert_eq!(after["overdue"], false);
    assert_eq!(after["at_risk"], true, "{}", after["flags"]);

    // Overdue past the milestone; the same plan through every node.
    let late: Vec<serde_json::Value> = members
        .iter()
        .map(|m| show("2026-12-02", &addrs[*m]))
        .collect();
    assert!(
        late.iter().all(|v| v == &late[0]),
        "every node gives the same plan"
    );
    assert_eq!(late[0]["overdue"], true);
    assert!(
        late[0]["flags"][0]
            .as_str()
            .unwrap()
            .contains("Protocol signed"),
        "{}",
        late[0]["flags"]
    );
    let actions: Vec<&str> = late[0]["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        [
            "opened",
            "proposed",
            "endorsed",
            "objected",
            "requested",
            "answered",
            "amended",
            "endorsed",
            "endorsed",
            "endorsed",
            "endorsed",
            "updated",
            "updated"
        ]
    );
    let (ok, text, _) = at(
        &ilo,
        &[
            "--node",
            &kh_addr,
            "workplan",
            "status",
            "--as-of",
            "2026-12-02",
        ],
    );
    assert!(
        ok && text.contains("KH-3      in-progress  2        4 of 4 needed  OVERDUE"),
        "{text}"
    );

    // The same events in any order give the same plan.
    let mut stream = pb::federation_client::FederationClient::new(channels["ID"].clone())
        .plan_events(pb::PlanEventsRequest {})
        .await?
        .into_inner();
    let mut events = Vec::new();
    while let Some(e) = stream.next().await {
        events.push(SignedEvent::decode(e?.raw)?);
    }
    let as_of = remedy_core::case::Date::parse("2026-12-02").unwrap();
    let render = |events: &[SignedEvent]| {
        let mut r = remedy_core::plan::Registry::new();
        for e in events {
            r.apply(e);
        }
        serde_json::to_string(&r.items(remedy_core::manifest::Quorum::All, as_of)).unwrap()
    };
    let expected = render(&events);
    let mut rng = rand::rngs::StdRng::seed_from_u64(121);
    for _ in 0..200 {
        use rand::seq::SliceRandom;
        events.shuffle(&mut rng);
        assert_eq!(render(&events), expected);
    }

    // The agreed plan as documents, checked offline against federation.toml.
    let federation = fed.join("AUD").join("federation.toml");
    for format in ["json", "md", "html"] {
        let out = tmp.path().join(format!("plan.{format}"));
        let (ok, _, stderr) = at(
            &ilo,
            &[
                "--node",
                &kh_addr,
                "--format",
                format,
                "workplan",
                "export",
                "--as-of",
                "2026-12-02",
                "--out",
                path(&out),
            ],
        );
        assert!(ok, "{stderr}");
        let (ok, stdout, stderr) = remedy(&[
            "workplan",
            "verify",
            path(&out),
            "--federation",
            path(&federation),
        ])?;
        assert!(ok, "{format}: {stderr}");
        assert!(
            stdout.contains("1 agreed items, 4 endorsements"),
            "{stdout}"
        );
    }
    let html = std::fs::read_to_string(tmp.path().join("plan.html"))?;
    assert!(
        !html.contains("http://") && !html.contains("https://"),
        "no outside requests"
    );
    assert!(html.contains("@page{size:A4"));
    let tampered = |name: &str, text: String| -> String {
        let file = tmp.path().join(name);
        std::fs::write(&file, text).unwrap();
        let (ok, stdout, stderr) = remedy(&[
            "workplan",
            "verify",
            path(&file),
            "--federation",
            path(&federation),
        ])
        .unwrap();
        assert!(!ok, "{name} verified: {stdout}");
        stderr
    };
    // The item's text changed where a reader sees it.
    let e = tampered(
        "text.html",
        html.replacen("Workers referred across borders", "Workers sent home", 1),
    );
    assert!(
        e.contains("differs from the plan its signed evidence makes"),
        "{e}"
    );
    // The item's text changed in the evidence as well.
    let json = std::fs::read_to_string(tmp.path().join("plan.json"))?;
    let e = tampered(
        "text.json",
        json.replace("Workers referred across borders", "Workers sent home"),
    );
    assert!(
        e.contains("the item's text differs from the signed version"),
        "{e}"
    );
    // One endorsement swapped for KH's endorsement of version 1.
    let mut doc: serde_json::Value = serde_json::from_str(&json)?;
    let kh_v1 = events
        .iter()
        .find(|e| e.origin().as_str() == "KH" && e.seq() == 4)
        .unwrap();
    let endorsements = doc["items"][0]["endorsements"].as_array_mut().unwrap();
    let kh_at = endorsements
        .iter()
        .position(|e| e["member"] == "KH")
        .unwrap();
    endorsements[kh_at]["event"] = "KH-4".into();
    doc["evidence"].as_array_mut().unwrap().push(serde_json::json!({
        "id": "KH-4",
        "event": base64::Engine::encode(&base64::engine::general_purpose::STANDARD, kh_v1.raw()),
    }));
    let e = tampered("endorsement.json", serde_json::to_string_pretty(&doc)?);
    assert!(
        e.contains("endorsement KH-4 by KH names another version"),
        "{e}"
    );
    // An endorsement's bytes changed.
    let mut doc: serde_json::Value = serde_json::from_str(&json)?;
    let evidence = doc["evidence"].as_array_mut().unwrap();
    let last = evidence.last_mut().unwrap();
    let mut raw = base64::Engine::decode(
        &base64::engine::general_purpose::STANDARD,
        last["event"].as_str().unwrap(),
    )?;
    let n = raw.len();
    raw[n - 70] ^= 1;
    last["event"] = base64::Engine::encode(&base64::engine::general_purpose::STANDARD, &raw).into();
    let e = tampered("bytes.json", serde_json::to_string_pretty(&doc)?);
    assert!(e.contains("does not verify") || e.contains("is not"), "{e}");

    // Exports: every position as CSV (KH's endorsement of version 1 no longer
    // counts, the four of version 2 do), the items and recommendations too.
    let (ok, csv, err) = at(
        &ilo,
        &[
            "--node",
            &kh_addr,
            "--format",
            "csv",
            "view",
            "endorsements",
        ],
    );
    assert!(ok, "{err}");
    let rows: Vec<Vec<String>> = csv::ReaderBuilder::new()
        .from_reader(csv.as_bytes())
        .records()
        .map(|r| r.unwrap().iter().map(String::from).collect())
        .collect();
    let mut words: Vec<(&str, &str, &str, &str)> = rows
        .iter()
        .map(|r| (r[3].as_str(), r[4].as_str(), r[5].as_str(), r[6].as_str()))
        .collect();
    words.sort();
    let mut expected = vec![
        ("JP", "endorsed", "1", "false"),
        ("KH", "endorsed", "1", "false"),
        ("VN", "objected", "1", "false"),
        ("KH", "endorsed", "2", "true"),
        ("ID", "endorsed", "2", "true"),
        ("VN", "endorsed", "2", "true"),
        ("JP", "endorsed", "2", "true"),
    ];
    expected.sort();
    assert_eq!(words, expected, "{csv}");
    let (ok, json, err) = at(
        &node("VN"),
        &["--format", "json", "view", "endorsements", "--member", "VN"],
    );
    assert!(ok, "{err}");
    let vn: Vec<serde_json::Value> = serde_json::from_str(&json)?;
    assert_eq!(vn.len(), 2, "{json}");
    for what in ["workplan", "recommendations"] {
        let (ok, csv, err) = at(&ilo, &["--node", &kh_addr, "--format", "csv", "view", what]);
        assert!(
            ok && csv.starts_with("id,") && csv.ends_with("\r\n"),
            "{what}: {err}{csv}"
        );
    }
    drop(running);
    Ok(())
}

use rand::SeedableRng as _;

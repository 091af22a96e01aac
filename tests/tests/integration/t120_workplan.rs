//! Recommendations, pilot reports and the joint work plan between four real
//! nodes: three countries add recommendations (one by CSV import), JP proposes an
//! item drawing on all three, VN objects and then endorses like every other
//! member, each from its own node; every node, the coordinator and the auditor
//! then see the same agreed item with the same endorsement matrix, byte for byte.
//! Bad input is refused with its reason, and nothing is stored.

#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::time::Duration;

use remedy_tests::federation::{channel_as, heights, wait_heights};
use remedy_tests::{
    NodeDir, bootstrap, create_at as create, path_arg as path, refused_at as refused,
    remedy_at as at,
};

const CONVERGE: Duration = Duration::from_secs(30);

#[tokio::test]
async fn three_countries_recommend_jp_proposes_and_every_member_endorses() -> anyhow::Result<()> {
    let tmp = tempfile::tempdir()?;
    let fed = tmp.path().join("fed");
    bootstrap(
        &fed,
        "KH,ID,VN,JP",
        &["--coordinator", "ILO", "--auditor", "AUD"],
    )?;
    let members = ["KH", "ID", "VN", "JP"];
    let mut running = Vec::new();
    let mut channels = BTreeMap::new();
    let mut addrs = BTreeMap::new();
    for m in members {
        let dir = NodeDir::open(&fed.join(m))?;
        running.push(dir.start().await?);
        channels.insert(m.to_string(), channel_as(&dir.dir, None).await?);
        addrs.insert(m, dir.addr.to_string());
    }
    let node = |m: &str| fed.join(m);

    // Recommendations from three national workshops.
    let kh = create(
        &node("KH"),
        &[
            "recommend",
            "add",
            "--title",
            "A hotline for unpaid wages",
            "--text",
            "Run a multilingual hotline with legal aid.",
            "--theme",
            "legal-aid",
            "--actors",
            "government,bar-association",
            "--priority",
            "high",
            "--workshop",
            "Phnom Penh, 2024-05-14",
        ],
    );
    assert_eq!(kh, "KH-1");
    let id = create(
        &node("ID"),
        &[
            "recommend",
            "add",
            "--title",
            "Cap recruitment fees",
            "--text",
            "Enforce the cap.",
            "--theme",
            "recruitment-fees",
            "--actors",
            "government,recruitment-agency",
            "--priority",
            "medium",
            "--workshop",
            "Jakarta, 2024-06-03",
        ],
    );
    // VN's workshop output, imported from CSV (a quoted field holds a comma).
    let csv = tmp.path().join("vn.csv");
    std::fs::write(
        &csv,
        "title,text,theme,actors,priority,workshop\n\
         Referral desk in Hanoi,\"Refer cases to Japan, with follow-up\",cross-border-referral,mrc;japan-support-org,high,\"Hanoi, 2024-06-20\"\n\
         Pre-departure briefings,Brief every worker,access-to-information,mrc,low,\"Hanoi, 2024-06-20\"\n",
    )?;
    let (ok, stdout, stderr) = at(&node("VN"), &["recommend", "import", path(&csv)]);
    assert!(ok, "{stdout}{stderr}");
    assert!(stdout.ends_with("VN-1\nVN-2\n"), "{stdout}");
    let vn = "VN-1".to_string();

    // Bad imports: each named, nothing stored.
    let bad = |name: &str, text: &str| {
        let file = tmp.path().join(name);
        std::fs::write(&file, text).unwrap();
        refused(&node("VN"), &["recommend", "import", path(&file)])
    };
    let header = "title,text,theme,actors,priority,workshop\n";
    let e = bad(
        "unknown.csv",
        "title,text,theme,actors,priority,workshop,passport\n",
    );
    assert!(
        e.contains("unknown.csv:1:7: \"passport\" is not a column"),
        "{e}"
    );
    let e = bad("missing.csv", "title,text,theme,actors,priority\n");
    assert!(e.contains("lacks the column \"workshop\""), "{e}");
    let e = bad("empty.csv", "");
    assert!(e.contains("empty.csv: the file is empty"), "{e}");
    let e = bad("header.csv", header);
    assert!(e.contains("holds a header and no recommendation"), "{e}");
    let e = bad(
        "codes.csv",
        &format!(
            "{header}Ok,Text,legal-aid,cso,high,\"Hue, 2024-01-02\"\nT,X,housing,cso,high,\"Hue, 2024-01-02\"\nT,X,legal-aid,police,high,\"Hue, 2024-01-02\"\nT,X,legal-aid,cso,high,\"Hue, 2024-02-30\"\n"
        ),
    );
    assert!(
        e.contains("codes.csv:3:3: theme \"housing\" is not one of"),
        "{e}"
    );
    assert!(e.contains("codes.csv:4:4: actor \"police\""), "{e}");
    assert!(
        e.contains("codes.csv:5:6: workshop date \"2024-02-30\""),
        "{e}"
    );
    assert!(
        e.contains("3 of 4 rows are invalid; nothing was stored"),
        "{e}"
    );
    assert_eq!(heights(channels["VN"].clone()).await?["VN"], 2);

    // Bad commands: refused with the reason.
    let e = refused(&node("VN"), &["recommend", "status", &kh, "dropped"]);
    assert!(
        e.contains("VN changes the status of KH-1, a recommendation of KH: only its author may"),
        "{e}"
    );
    let e = refused(&node("KH"), &["recommend", "status", &kh, "finished"]);
    assert!(e.contains("status \"finished\" is not one of"), "{e}");
    let e = refused(
        &node("KH"),
        &[
            "recommend",
            "add",
            "--title",
            "T",
            "--text",
            "X",
            "--theme",
            "legal-aid",
            "--actors",
            "cso",
            "--priority",
            "urgent",
            "--workshop",
            "Siem Reap, 2024-05-01",
        ],
    );
    assert!(
        e.contains("priority \"urgent\" is not one of high, medium, low"),
        "{e}"
    );
    let e = refused(&node("KH"), &["recommend", "status", "KH-99", "adopted"]);
    assert!(
        e.contains("KH-99 is not a recommendation this node holds"),
        "{e}"
    );
    create(
        &node("KH"),
        &[
            "recommend",
            "status",
            &kh,
            "endorsed-nationally",
            "--note",
            "ministry agreed",
        ],
    );

    // JP proposes an item once it holds the three recommendations.
    let want: BTreeMap<String, u64> = [
        ("KH".to_string(), 2),
        ("ID".to_string(), 1),
        ("VN".to_string(), 2),
    ]
    .into();
    wait_heights(
        &[("JP".to_string(), channels["JP"].clone())].into(),
        &want,
        CONVERGE,
    )
    .await?;
    let e = refused(
        &node("JP"),
        &[
            "workplan",
            "propose",
            "--title",
            "X",
            "--objective",
            "Y",
            "--draws-on",
            &kh,
            "--lead",
            "JP",
            "--members",
            "KH,JP,TH",
            "--due",
            "2025-06",
        ],
    );
    assert!(e.contains("TH is not a member of the federation"), "{e}");
    let item = create(
        &node("JP"),
        &[
            "workplan",
            "propose",
            "--title",
            "Joint referral protocol",
            "--objective",
            "Workers referred across borders reach a remedy",
            "--draws-on",
            &kh,
            &id,
            &vn,
            "--lead",
            "JP",
            "--members",
            "KH,ID,VN,JP",
            "--due",
            "2025-06",
        ],
    );
    assert_eq!(item, "JP-1");
    let e = refused(
        &node("JP"),
        &["workplan", "update", &item, "--status", "in-progress"],
    );
    assert!(
        e.contains("status \"in-progress\" recorded while the item is not agreed"),
        "{e}"
    );

    // Each member, from its own node, once it holds the item: VN objects first.
    wait_heights(&channels, &[("JP".to_string(), 1)].into(), CONVERGE).await?;
    create(
        &node("VN"),
        &["workplan", "object", &item, "--reason", "budget unclear"],
    );
    for m in members {
        create(
            &node(m),
            &[
                "workplan",
                "endorse",
                &item,
                "--note",
                &format!("{m} agrees"),
            ],
        );
    }
    let e = refused(
        &node("VN"),
        &["workplan", "update", &item, "--status", "done"],
    );
    assert!(e.contains("only the lead JP may"), "{e}");
    let e = refused(&node("KH"), &["workplan", "endorse", "KH-1"]);
    assert!(
        e.contains("KH-1 is not a work-plan item this node holds"),
        "{e}"
    );
    create(
        &node("KH"),
        &[
            "pilot",
            "report",
            "--pilot",
            "kh-wage-hotline",
            "--period",
            "2024-Q3",
            "--tests",
            &kh,
            "--indicator",
            "people-reached=120",
            "--indicator",
            "cases-assisted=14",
        ],
    );
    let e = refused(
        &node("KH"),
        &[
            "pilot",
            "report",
            "--pilot",
            "kh-wage-hotline",
            "--period",
            "2024-Q3",
            "--tests",
            &kh,
            "--indicator",
            "people-reached=many",
        ],
    );
    assert!(e.contains("\"many\" is not a whole number"), "{e}");

    // Everyone converges: KH 4 events, ID 2, VN 4, JP 2.
    let all: BTreeMap<String, u64> = [("KH", 4), ("ID", 2), ("VN", 4), ("JP", 2)]
        .map(|(m, n)| (m.to_string(), n))
        .into();
    wait_heights(&channels, &all, CONVERGE).await?;
    create(
        &node("JP"),
        &[
            "workplan",
            "update",
            &item,
            "--status",
            "in-progress",
            "--note",
            "first meeting held",
        ],
    );
    wait_heights(&channels, &[("JP".to_string(), 3)].into(), CONVERGE).await?;

    // The same plan through every node, for the coordinator and the auditor.
    let mut answers = Vec::new();
    for reader in ["ILO", "AUD"] {
        for m in members {
            let (ok, stdout, stderr) = at(
                &fed.join(reader),
                &["--node", &addrs[m], "--format", "json", "workplan", "show"],
            );
            assert!(ok, "{reader} via {m}: {stderr}");
            answers.push(stdout);
        }
    }
    assert!(
        answers.iter().all(|a| a == &answers[0]),
        "the same plan everywhere"
    );
    let plan: serde_json::Value = serde_json::from_str(&answers[0])?;
    let item_json = &plan[0];
    assert_eq!(item_json["id"], "JP-1");
    assert_eq!(item_json["stage"], "in-progress");
    let positions = item_json["tally"]["positions"].as_array().unwrap();
    assert_eq!(positions.len(), 4);
    for p in positions {
        assert_eq!(p["position"], "endorsed", "{p}");
    }
    assert_eq!(item_json["problems"].as_array().unwrap().len(), 0);

    let (ok, stdout, _) = at(
        &fed.join("ILO"),
        &["--node", &addrs["KH"], "workplan", "show", &item],
    );
    assert!(ok);
    assert!(
        stdout.contains("JP-1  Joint referral protocol  [in-progress]"),
        "{stdout}"
    );
    assert!(
        stdout.contains("positions on version 1 (4 of 4 endorsements needed)"),
        "{stdout}"
    );
    assert!(stdout.contains("VN     endorsed version 1"), "{stdout}");
    assert!(
        stdout.contains("KH-1     A hotline for unpaid wages"),
        "{stdout}"
    );
    assert!(
        stdout.contains("status in-progress; first meeting held"),
        "{stdout}"
    );
    assert!(
        stdout.contains("objection VN-3 by VN on version 1: budget unclear"),
        "{stdout}"
    );

    let mut lists = Vec::new();
    for m in members {
        let (ok, stdout, _) = at(&node(m), &["--format", "json", "recommend", "list"]);
        assert!(ok);
        lists.push(stdout);
    }
    assert!(lists.iter().all(|l| l == &lists[0]));
    let (ok, stdout, _) = at(&node("JP"), &["recommend", "show", &kh]);
    assert!(
        ok && stdout.contains("endorsed-nationally  ministry agreed"),
        "{stdout}"
    );
    let (ok, stdout, _) = at(&node("VN"), &["recommend", "list", "--theme", "legal-aid"]);
    assert!(ok && stdout.contains("1 recommendations"), "{stdout}");
    let e = refused(&node("VN"), &["recommend", "list", "--theme", "nonsense"]);
    assert!(
        e.contains("invalid value 'nonsense'") && e.contains("access-to-information"),
        "{e}"
    );
    let (ok, stdout, _) = at(&node("ID"), &["pilot", "list"]);
    assert!(ok && stdout.contains("people-reached=120"), "{stdout}");

    // The view's filters: a value that names nothing is an error listing what
    // exists, from the node, for any client; what exists still answers.
    let ilo = fed.join("ILO");
    for (args, expected) in [
        (
            &["view", "recommendations", "--theme", "nonsense"][..],
            "unknown theme \"nonsense\"; expected one of access-to-information, grievance-channels, legal-aid, recruitment-fees, cross-border-referral, data-monitoring, capacity-building",
        ),
        (
            &["view", "recommendations", "--status", "finished"],
            "unknown recommendation status \"finished\"; expected one of proposed, endorsed-nationally, adopted, in-progress, implemented, dropped",
        ),
        (
            &["view", "recommendations", "--member", "TH"],
            "unknown member \"TH\"; the federation's members are ID, JP, KH, VN",
        ),
        (
            &["view", "workplan", "--status", "overdue"],
            "unknown work-plan stage \"overdue\"; expected one of draft, proposed, objected, agreed, in-progress, done, dropped",
        ),
        (
            &["view", "workplan", "--member", "XX"],
            "unknown member \"XX\"",
        ),
        (
            &["view", "pilots", "--member", "AUD"],
            "member \"AUD\" is the federation's auditor and runs no node",
        ),
    ] {
        let (ok, stdout, e) = at(&ilo, args);
        assert!(!ok, "{args:?} answered: {stdout}");
        assert!(
            e.contains(expected),
            "{args:?}: expected {expected:?} in {e}"
        );
    }
    for (args, count) in [
        (
            &[
                "view",
                "recommendations",
                "--theme",
                "legal-aid",
                "--member",
                "KH",
            ][..],
            1,
        ),
        (
            &[
                "view",
                "recommendations",
                "--theme",
                "legal-aid",
                "--member",
                "VN",
            ],
            0,
        ),
        (
            &["view", "recommendations", "--status", "endorsed-nationally"],
            1,
        ),
        (&["view", "recommendations", "--status", "implemented"], 0),
        (
            &[
                "view",
                "workplan",
                "--status",
                "in-progress",
                "--member",
                "KH",
            ],
            1,
        ),
        (&["view", "pilots", "--member", "KH"], 1),
    ] {
        let (ok, stdout, e) = at(&ilo, &[&["--format", "json"][..], args].concat());
        assert!(ok, "{args:?}: {e}");
        let found: serde_json::Value = serde_json::from_str(&stdout)?;
        // `view pilots` answers the pilot records and the older reports apart.
        let found = match found {
            serde_json::Value::Object(o) => [&o["pilots"], &o["reports"]]
                .iter()
                .flat_map(|v| v.as_array().cloned().unwrap_or_default())
                .collect(),
            other => other.as_array().cloned().unwrap_or_default(),
        };
        assert_eq!(found.len(), count, "{args:?}: {stdout}");
    }
    // Ids, which only other clients send: malformed, or not held here.
    let mut view = remedy_proto::v1::view_client::ViewClient::new(channels["KH"].clone());
    let filter = |id: &str| remedy_proto::v1::PlanFilter {
        id: id.into(),
        ..Default::default()
    };
    let e = view.recommendations(filter("KH-x")).await.unwrap_err();
    assert_eq!(e.code(), tonic::Code::InvalidArgument, "{e}");
    assert!(e.message().contains("\"KH-x\" is not a record id"), "{e}");
    let e = view.workplan(filter("KH-99")).await.unwrap_err();
    assert_eq!(
        (e.code(), e.message()),
        (
            tonic::Code::NotFound,
            "no work-plan item KH-99 at this node; it holds JP-1"
        ),
    );
    let e = view
        .pilots(remedy_proto::v1::PlanFilter {
            theme: "legal-aid".into(),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert!(e.message().contains("pilot reports have no theme"), "{e}");
    let found = view.recommendations(filter(&kh)).await?.into_inner().json;
    assert!(found.contains(&format!("\"id\":\"{kh}\"")), "{found}");
    Ok(())
}

//! `remedy demo`: the whole network on one machine, driven the way people would
//! drive it by hand. It bootstraps a federation of KH, ID, VN and JP with a
//! coordinator (ILO) and an auditor (AUD), starts the four nodes as processes,
//! imports a year of synthetic cases per country into each node's private log,
//! publishes quarterly releases, adds a recommendation from each country's workshop,
//! plays the work plan's cycle (the coordinator's draft, JP's proposal, VN's
//! objection and JP's answer, a material amendment, endorsements of version 2 by
//! all, progress), registers a partner organisation per country that speaks
//! through its member's node, records a consultation workshop per country of
//! origin and a pilot run by ID's MRC with progress against its targets, waits until every node holds every event, prints the regional
//! view and the work plan, exports the agreed plan as HTML and verifies it, runs the
//! auditor, and serves the dashboards until Ctrl-C (or, with `--exit`, stops and
//! exits with the audit's verdict). Every step runs the `remedy` commands it prints.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use remedy_proto::v1 as pb;

/// Marks a folder as made by the demo, so a rerun may delete it.
const MARKER: &str = ".remedy-demo";
const NODES: [&str; 4] = ["KH", "ID", "VN", "JP"];
/// Each country's workshop recommendation: title, theme, actors, place and date.
const WORKSHOPS: [(&str, &str, &str, &str, &str); 4] = [
    (
        "KH",
        "A multilingual hotline with legal aid for unpaid wages",
        "legal-aid",
        "government,bar-association,mrc",
        "Phnom Penh, 2024-05-14",
    ),
    (
        "ID",
        "Cap and refund recruitment fees",
        "recruitment-fees",
        "government,recruitment-agency",
        "Jakarta, 2024-06-03",
    ),
    (
        "VN",
        "Passports stay with the worker: inspect and sanction retention",
        "grievance-channels",
        "government,cso",
        "Hanoi, 2024-06-20",
    ),
    (
        "JP",
        "Refer cases between OTIT, labour inspection and embassies within 10 days",
        "cross-border-referral",
        "government,japan-support-org",
        "Tokyo, 2024-07-09",
    ),
];

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Folder for the demo (deleted and recreated if an earlier demo made it).
    #[arg(long, default_value = "demo-run")]
    out: PathBuf,
    /// Synthetic cases per country, opened over 2024.
    #[arg(long, default_value_t = 3_000)]
    cases: usize,
    /// Stop after the audit and exit with its verdict instead of serving the dashboard.
    #[arg(long)]
    exit: bool,
}

struct Step {
    number: usize,
    started: Instant,
}

impl Step {
    fn begin(number: usize, what: &str) -> Self {
        println!("[{number}] {what}");
        Self {
            number,
            started: Instant::now(),
        }
    }

    fn done(self, result: &str) {
        println!(
            "[{}] {result} ({:.1} s)",
            self.number,
            self.started.elapsed().as_secs_f64()
        );
    }
}

/// The demo's node processes; stopped (SIGTERM, then waited for) however the demo ends.
#[derive(Default)]
struct Nodes(Vec<(String, Child)>);

impl Nodes {
    fn stop(&mut self) {
        for (_, child) in &self.0 {
            let pid = nix::unistd::Pid::from_raw(child.id() as i32);
            let _ = nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGTERM);
        }
        for (_, child) in &mut self.0 {
            let _ = child.wait();
        }
        self.0.clear();
    }

    /// Peak resident memory of each node so far (VmHWM), in MiB.
    fn peak_mib(&self) -> Vec<(String, f64)> {
        self.0
            .iter()
            .map(|(member, child)| {
                let kib = std::fs::read_to_string(format!("/proc/{}/status", child.id()))
                    .ok()
                    .and_then(|s| {
                        s.lines()
                            .find(|l| l.starts_with("VmHWM:"))
                            .and_then(|l| l.split_whitespace().nth(1))
                            .and_then(|k| k.parse::<f64>().ok())
                    })
                    .unwrap_or(0.0);
                (member.clone(), kib / 1024.0)
            })
            .collect()
    }
}

impl Drop for Nodes {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Runs `remedy ARGS` and returns its standard output; fails with its error output.
fn remedy(args: &[&str]) -> anyhow::Result<String> {
    let output = Command::new(std::env::current_exe()?)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .context("running remedy")?;
    if !output.status.success() {
        bail!(
            "`remedy {}` failed: {}{}",
            args.join(" "),
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    }
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}

/// Prints a command as a user would type it.
fn show(command: &str) {
    println!("      $ {command}");
}

/// A command line as a shell reads it: an argument with anything but letters,
/// digits and `-_./:,=@` in single quotes, so it can be pasted.
fn shell(args: &[&str]) -> String {
    let quoted: Vec<String> = args
        .iter()
        .map(|a| {
            if !a.is_empty()
                && a.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_./:,=@".contains(c))
            {
                a.to_string()
            } else {
                format!("'{}'", a.replace('\'', "'\\''"))
            }
        })
        .collect();
    format!("remedy {}", quoted.join(" "))
}

fn path_str(path: &Path) -> &str {
    path.to_str().unwrap_or_default()
}

/// Step 6: the work plan's cycle, as the issue that built it describes it: the
/// coordinator ILO opens a draft through KH, JP proposes it, VN objects with a
/// reason and JP answers, JP amends it (material: positions reset), all four
/// endorse version 2, JP records progress and KH reports an indicator value.
/// Returns the item's id.
fn play_workplan(
    out: &Path,
    recs: &[String],
    dir: &dyn Fn(&str) -> String,
    base: &u16,
    runtime: &tokio::runtime::Runtime,
    channels: &[(&str, tonic::transport::Channel)],
) -> anyhow::Result<String> {
    use remedy_core::workplan::{
        Activity, Decimal, Indicator, ItemContent, Milestone, Point, SeriesSource, Source,
    };
    let step = Step::begin(
        6,
        "the joint work plan: ILO drafts, JP proposes, VN objects, JP amends, all four endorse",
    );
    // The item names recommendations of every member: ILO's node waits until it holds them.
    runtime.block_on(converge(channels, Duration::from_secs(30)))?;
    let member = |m: &str| remedy_core::MemberId::new(m).map_err(|e| anyhow::anyhow!("{e}"));
    let point = |value: &str, date: &str| -> anyhow::Result<Point> {
        Ok(Point {
            value: Decimal::parse(value).context("a decimal")?,
            date: date.into(),
        })
    };
    let content = ItemContent {
        title: "Joint referral and remedy protocol for TITP and SSW workers".into(),
        objective: "A worker who lodges a grievance in Japan or at home is referred across the border and reaches a remedy, with the case followed up on both sides.".into(),
        outputs: vec![
            "A referral protocol signed by the four labour ministries".into(),
            "Referral desks at the migrant worker resource centres".into(),
        ],
        activities: vec![
            Activity {
                what: "Draft the protocol with the bar associations and JP-MIRAI".into(),
                responsible: "JP".into(),
                start: "2025-01-06".into(),
                end: "2025-06-30".into(),
            },
            Activity {
                what: "Train MRC referral staff".into(),
                responsible: "KH".into(),
                start: "2025-04-01".into(),
                end: "2025-12-31".into(),
            },
        ],
        draws_on: recs
            .iter()
            .map(|r| remedy_core::plan::RecordId::parse(r).context("a record id"))
            .collect::<anyhow::Result<_>>()?,
        lead: member("JP")?,
        members: NODES.iter().map(|m| member(m)).collect::<anyhow::Result<_>>()?,
        milestones: vec![
            Milestone {
                id: "protocol-signed".into(),
                title: "Protocol signed by the four ministries".into(),
                due: "2025-06-30".into(),
            },
            Milestone {
                id: "desks-open".into(),
                title: "Referral desks open in KH, ID and VN".into(),
                due: "2025-12-31".into(),
            },
        ],
        indicators: vec![
            Indicator {
                id: "kh-mrc-cases".into(),
                name: "Cases lodged with KH's MRCs per quarter".into(),
                unit: "count".into(),
                currency: None,
                baseline: point("150", "2024-01-01")?,
                target: point("250", "2025-12-31")?,
                source: Source::Series(SeriesSource {
                    members: vec![member("KH")?],
                    table: "channel-outcome".into(),
                    row: "mrc".into(),
                    column: "total".into(),
                }),
            },
            Indicator {
                id: "staff-trained".into(),
                name: "MRC referral staff trained".into(),
                unit: "percentage".into(),
                currency: None,
                baseline: point("0", "2024-12-31")?,
                target: point("80", "2025-12-31")?,
                source: Source::Reported { pilot: None },
            },
            Indicator {
                id: "cases-referred".into(),
                name: "Cases referred by KH's pilot referral desk".into(),
                unit: "count".into(),
                currency: None,
                baseline: point("0", "2024-12-31")?,
                target: point("100", "2025-12-31")?,
                source: Source::Reported {
                    pilot: Some("kh-referral-desk".into()),
                },
            },
        ],
        due: "2025-12".into(),
    };
    let file = out.join("workplan-item.toml");
    std::fs::write(&file, toml::to_string(&content)?)?;
    let ilo = dir("ILO");
    let kh_addr = format!("127.0.0.1:{base}");
    let draft = [
        "--dir",
        &ilo,
        "--node",
        &kh_addr,
        "workplan",
        "draft",
        "--file",
        path_str(&file),
    ];
    let item = last_line(&remedy(&draft)?);
    show(&shell(&draft));
    runtime.block_on(converge(channels, Duration::from_secs(30)))?;
    let jp = dir("JP");
    let propose = [
        "--dir",
        &jp,
        "workplan",
        "propose",
        "--item",
        &item,
        "--note",
        "JP will lead",
    ];
    remedy(&propose)?;
    show(&shell(&propose));
    runtime.block_on(converge(channels, Duration::from_secs(30)))?;
    let vn = dir("VN");
    let object = [
        "--dir",
        &vn,
        "workplan",
        "object",
        &item,
        "--reason",
        "No budget line for interpreters at the referral desks",
    ];
    let objection = last_line(&remedy(&object)?);
    show(&shell(&object));
    runtime.block_on(converge(channels, Duration::from_secs(30)))?;
    let answer = [
        "--dir",
        &jp,
        "workplan",
        "answer",
        &objection,
        "--text",
        "Agreed: version 2 adds interpreters to the referral desks",
    ];
    remedy(&answer)?;
    show(&shell(&answer));
    let amend = [
        "--dir",
        &jp,
        "workplan",
        "amend",
        &item,
        "--material",
        "--note",
        "adds interpreters, as VN asked",
        "--output",
        "A referral protocol signed by the four labour ministries",
        "--output",
        "Referral desks at the migrant worker resource centres, with interpreters",
    ];
    remedy(&amend)?;
    show(&shell(&amend));
    runtime.block_on(converge(channels, Duration::from_secs(30)))?;
    for m in NODES {
        remedy(&["--dir", &dir(m), "workplan", "endorse", &item])?;
    }
    show(&format!(
        "{}   # and ID, VN, JP, each from its own node",
        shell(&["--dir", &dir("KH"), "workplan", "endorse", &item])
    ));
    runtime.block_on(converge(channels, Duration::from_secs(30)))?;
    let update = [
        "--dir",
        &jp,
        "workplan",
        "update",
        &item,
        "--date",
        "2025-03-01",
        "--status",
        "in-progress",
        "--note",
        "drafting group met in Tokyo",
    ];
    remedy(&update)?;
    show(&shell(&update));
    let value = [
        "--dir",
        &dir("KH"),
        "workplan",
        "update",
        &item,
        "--date",
        "2025-06-30",
        "--value",
        "staff-trained=37.5",
        "--note",
        "first training round",
    ];
    remedy(&value)?;
    show(&shell(&value));
    let pilot = [
        "--dir",
        &dir("KH"),
        "pilot",
        "report",
        "--pilot",
        "kh-referral-desk",
        "--period",
        "2025-Q2",
        "--tests",
        &recs[0],
        "--indicator",
        "people-reached=420",
        "--indicator",
        "cases-referred=37",
        "--note",
        "the desk opened in Phnom Penh in April",
    ];
    remedy(&pilot)?;
    show(&shell(&pilot));
    step.done(&format!(
        "item {item} agreed at version 2 by all four; objection {objection} answered"
    ));
    Ok(item)
}

/// One partner organisation per country, each registered by its member and
/// speaking through that member's node.
const PARTNERS: [(&str, &str, &str, &str); 4] = [
    (
        "KH",
        "kh-bar",
        "bar-association",
        "Bar Association of the Kingdom of Cambodia",
    ),
    (
        "ID",
        "id-mrc",
        "mrc",
        "Migrant Worker Resource Centre, East Java",
    ),
    (
        "VN",
        "vn-cso",
        "cso",
        "Centre for Development and Integration",
    ),
    ("JP", "jp-mirai", "japan-support-org", "JP-MIRAI"),
];

/// Step 7: a partner organisation per country. Each gets its own folder and
/// keys (`init --role partner`), its member registers it, and it speaks through
/// its member's node: KH's bar association gives an advisory position on the
/// item, ID's MRC submits a recommendation, VN's CSO and JP-MIRAI comment.
fn play_partners(
    out: &Path,
    recs: &[String],
    item: &str,
    dir: &dyn Fn(&str) -> String,
    runtime: &tokio::runtime::Runtime,
    channels: &[(&str, tonic::transport::Channel)],
) -> anyhow::Result<String> {
    let step = Step::begin(
        7,
        "partner organisations: one per country, registered by its member, speaking through its node",
    );
    let partners = out.join("partners");
    for (m, id, group, name) in PARTNERS {
        let folder = partners.join(id);
        let folder_s = path_str(&folder).to_string();
        let init = [
            "--dir",
            &folder_s,
            "init",
            "--role",
            "partner",
            "--member",
            m,
            "--partner",
            id,
            "--name",
            name,
            "--group",
            group,
            "--country",
            &m[..2],
        ];
        remedy(&init)?;
        std::fs::copy(
            format!("{}/federation.toml", dir(m)),
            folder.join("federation.toml"),
        )?;
        let file = format!("{folder_s}/partner.toml");
        remedy(&["--dir", &dir(m), "partner", "register", &file])?;
        if m == "KH" {
            show(&shell(&init));
            println!("      $ cp {}/federation.toml {folder_s}/", dir(m));
            show(&format!(
                "{}   # and ID, VN, JP register theirs",
                shell(&["--dir", &dir(m), "partner", "register", &file])
            ));
        }
    }
    // A partner's node pins its certificate once the registration is stored.
    let as_partner = |id: &str, args: &[&str]| -> anyhow::Result<String> {
        let folder = partners.join(id);
        let mut all = vec!["--dir", path_str(&folder)];
        all.extend_from_slice(args);
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            match remedy(&all) {
                Ok(output) => {
                    show(&shell(&all));
                    return Ok(last_line(&output));
                }
                Err(e)
                    if Instant::now() < deadline && e.to_string().contains("transport error") =>
                {
                    std::thread::sleep(Duration::from_millis(50));
                }
                Err(e) => return Err(e),
            }
        }
    };
    as_partner(
        "kh-bar",
        &[
            "workplan",
            "endorse",
            item,
            "--note",
            "The bar will staff the referral desks",
        ],
    )?;
    let rec = as_partner(
        "id-mrc",
        &[
            "recommend",
            "add",
            "--title",
            "Pre-departure briefings on how to lodge a grievance",
            "--text",
            "Every worker hears, before leaving, where to turn in Japan and at home.",
            "--theme",
            "access-to-information",
            "--actors",
            "mrc,recruitment-agency",
            "--priority",
            "medium",
            "--workshop",
            "Surabaya, 2024-06-11",
        ],
    )?;
    as_partner(
        "vn-cso",
        &[
            "workplan",
            "comment",
            &recs[2],
            "--text",
            "Passport retention is the first complaint we hear",
        ],
    )?;
    as_partner(
        "jp-mirai",
        &[
            "workplan",
            "comment",
            item,
            "--text",
            "JP-MIRAI's helpline can take referrals in Khmer, Indonesian and Vietnamese",
        ],
    )?;
    runtime.block_on(converge(channels, Duration::from_secs(30)))?;
    step.done(&format!(
        "4 partners registered; {rec} submitted by ID's MRC; an advisory position and two comments"
    ));
    Ok(rec)
}

/// Each country of origin's national consultation workshop: place, date,
/// organiser, languages, participants by stakeholder group and by sex.
const CONSULTATIONS: [(&str, &str, &str, &str, &str, u64, &str, &str); 3] = [
    (
        "KH",
        "Phnom Penh",
        "2024-05-14",
        "Ministry of Labour and Vocational Training",
        "km,en",
        46,
        "government=12,bar-association=6,cso=14,recruitment-agency-association=8,mrc=6",
        "female=25,male=21",
    ),
    (
        "ID",
        "Surabaya",
        "2024-06-11",
        "Ministry of Manpower with BP2MI",
        "id,en",
        38,
        "government=10,cso=9,recruitment-agency=7,mrc=12",
        "female=20,male=17,not-stated=1",
    ),
    (
        "VN",
        "Hanoi",
        "2024-06-02",
        "Department of Overseas Labour",
        "vi,en",
        41,
        "government=15,legal-expert=4,cso=10,recruitment-agency-association=12",
        "female=19,male=22",
    ),
];

/// Step 8: a workshop record per country of origin, validating its
/// recommendations (ID's also the one its MRC submitted), and a pilot run by
/// ID's MRC that reports progress against its targets.
fn play_consultations(
    out: &Path,
    recs: &[String],
    partner_rec: &str,
    dir: &dyn Fn(&str) -> String,
    runtime: &tokio::runtime::Runtime,
    channels: &[(&str, tonic::transport::Channel)],
) -> anyhow::Result<()> {
    let step = Step::begin(
        8,
        "a consultation workshop per country of origin, and a pilot run by a partner",
    );
    let mut workshops = Vec::new();
    for (i, (m, place, date, organiser, languages, total, by_group, by_sex)) in
        CONSULTATIONS.into_iter().enumerate()
    {
        let mut validates = recs[i].clone();
        if m == "ID" {
            validates = format!("{validates},{partner_rec}");
        }
        let title = format!("National consultation on access to remedy, {place}");
        let total = total.to_string();
        let args = [
            "--dir",
            &dir(m),
            "workshop",
            "record",
            "--title",
            &title,
            "--date",
            date,
            "--place",
            place,
            "--organiser",
            organiser,
            "--languages",
            languages,
            "--total",
            &total,
            "--by-group",
            by_group,
            "--by-sex",
            by_sex,
            "--agenda",
            "Findings of the remedy mapping",
            "--agenda",
            "Validating the recommendations",
            "--summary",
            "Participants validated the recommendations for the joint work plan.",
            "--validates",
            &validates,
        ];
        if m == "KH" {
            show(&shell(&args));
        }
        workshops.push(last_line(&remedy(&args)?));
    }
    let pilot_file = out.join("partners").join("id-pilot.toml");
    std::fs::write(
        &pilot_file,
        format!(
            r#"id = "id-predeparture-briefings"
title = "Pre-departure briefings on grievance channels, East Java"
country = "ID"
partners = ["id-mrc"]
tests = ["{partner_rec}"]
start = "2024-07-01"
end = "2025-06-30"
description = "The MRC briefs departing workers on where to turn in Japan and at home."

[[indicators]]
id = "workers-briefed"
name = "Workers briefed before departure"
unit = "count"
baseline = {{ value = "0", date = "2024-07-01" }}
target = {{ value = "1500", date = "2025-06-30" }}

[[indicators]]
id = "know-a-channel"
name = "Share of briefed workers who can name a grievance channel"
unit = "percentage"
baseline = {{ value = "22", date = "2024-07-01" }}
target = {{ value = "80", date = "2025-06-30" }}
"#
        ),
    )?;
    let register = [
        "--dir",
        &dir("ID"),
        "pilot",
        "register",
        path_str(&pilot_file),
    ];
    show(&shell(&register));
    let pilot = last_line(&remedy(&register)?);
    let mrc = out.join("partners").join("id-mrc");
    for (date, briefed, share) in [("2024-09-30", "410", "48.5"), ("2024-12-31", "870", "61.2")] {
        let briefed = format!("workers-briefed={briefed} count");
        let share = format!("know-a-channel={share} percentage");
        let progress = [
            "--dir",
            path_str(&mrc),
            "pilot",
            "progress",
            "--pilot",
            &pilot,
            "--date",
            date,
            "--value",
            &briefed,
            "--value",
            &share,
            "--lessons",
            "Briefings in Bahasa Indonesia with a Japanese glossary work best.",
        ];
        if date == "2024-12-31" {
            show(&shell(&progress));
        }
        remedy(&progress)?;
    }
    runtime.block_on(converge(channels, Duration::from_secs(30)))?;
    step.done(&format!(
        "workshops {}; pilot {pilot} with two progress reports by ID's MRC",
        workshops.join(", ")
    ));
    Ok(())
}

/// The record id a creating command prints alone on its last line.
fn last_line(output: &str) -> String {
    output.lines().last().unwrap_or_default().trim().to_string()
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let started = Instant::now();
    let out = prepare_folder(&args.out)?;
    let fed = out.join("fed");
    let fed_s = fed.display().to_string();
    let dir = |m: &str| format!("{fed_s}/{m}");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;

    let step = Step::begin(
        1,
        "bootstrapping a federation: KH, ID, VN and JP, coordinator ILO, auditor AUD",
    );
    let base = free_port_block(4)?;
    let base_s = base.to_string();
    let bootstrap = [
        "federation",
        "bootstrap",
        "--out",
        &fed_s,
        "--members",
        "KH,ID,VN,JP",
        "--coordinator",
        "ILO",
        "--auditor",
        "AUD",
        "--base-port",
        &base_s,
    ];
    show(&shell(&bootstrap));
    remedy(&bootstrap)?;
    // Every node serves its dashboard and metrics on plain HTTP, on loopback.
    let mut http_base = free_port_block(4)?;
    while http_base.abs_diff(base) < 4 {
        http_base = free_port_block(4)?;
    }
    for (i, m) in NODES.iter().enumerate() {
        let config = fed.join(m).join("node.toml");
        let mut text = std::fs::read_to_string(&config)?;
        // KH also switches on its public transparency page.
        text.push_str(&format!(
            "\n[http]\nlisten = \"127.0.0.1:{}\"\ndashboard = true\npublic = {}\n",
            http_base + i as u16,
            *m == "KH"
        ));
        std::fs::write(&config, text)?;
    }
    show(&format!(
        "printf '[http]\\nlisten = \"127.0.0.1:{http_base}\"\\n' >> {}/node.toml   # and {}.. for ID, VN, JP",
        dir("KH"),
        http_base + 1
    ));
    step.done(&format!(
        "identities and a manifest signed by all four in {fed_s}; nodes on 127.0.0.1:{base}-{}",
        base + 3
    ));

    let step = Step::begin(2, "starting the four nodes, each its own process");
    let mut nodes = Nodes::default();
    for m in NODES {
        let log = std::fs::File::create(fed.join(m).join("node.log"))?;
        let child = Command::new(sibling_binary("remedy-node")?)
            .args(["--dir", &dir(m), "run"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .context("starting remedy-node")?;
        nodes.0.push((m.to_string(), child));
    }
    show(&format!(
        "remedy-node --dir {} run 2> {}/node.log &   # and ID, VN, JP",
        dir("KH"),
        dir("KH")
    ));
    let channels = runtime.block_on(async {
        let mut channels = Vec::new();
        for m in NODES {
            channels.push((
                m,
                wait_serving(&fed.join(m), Duration::from_secs(20)).await?,
            ));
        }
        anyhow::Ok(channels)
    })?;
    step.done("all four serving mutual TLS; logs in fed/*/node.log");

    let step = Step::begin(
        3,
        &format!(
            "importing a year of synthetic cases per country ({} each) into each node's private log",
            args.cases
        ),
    );
    let count = args.cases.to_string();
    for m in NODES {
        let csv = fed.join(m).join("cases-2024.csv");
        let text = remedy(&[
            "cases",
            "generate",
            "--member",
            m,
            "--count",
            &count,
            "--from",
            "2024-01-01",
            "--to",
            "2024-12-31",
        ])?;
        std::fs::write(&csv, text)?;
        remedy(&[
            "--dir",
            &dir(m),
            "cases",
            "import",
            &csv.display().to_string(),
        ])?;
    }
    show(&format!(
        "remedy cases generate --member KH --count {count} --from 2024-01-01 --to 2024-12-31 > {}/cases-2024.csv",
        dir("KH")
    ));
    show(&format!(
        "remedy --dir {} cases import {}/cases-2024.csv   # and ID, VN, JP",
        dir("KH"),
        dir("KH")
    ));
    step.done(&format!(
        "{} cases kept at home, never replicated",
        4 * args.cases
    ));

    let step = Step::begin(
        4,
        "publishing quarterly releases (threshold from the manifest, suppression checked)",
    );
    for m in NODES {
        for q in 1..=4 {
            remedy(&[
                "--dir",
                &dir(m),
                "publish",
                "--period",
                &format!("2024-Q{q}"),
            ])?;
        }
    }
    show(&format!(
        "for q in 1 2 3 4; do remedy --dir {} publish --period 2024-Q$q; done   # and ID, VN, JP",
        dir("KH")
    ));
    step.done("16 releases signed and shared");

    let step = Step::begin(5, "adding each country's workshop recommendation");
    let mut recs = Vec::new();
    for (m, title, theme, actors, workshop) in WORKSHOPS {
        let text = format!("Recommended by the {m} national workshop.");
        let output = remedy(&[
            "--dir",
            &dir(m),
            "recommend",
            "add",
            "--title",
            title,
            "--text",
            &text,
            "--theme",
            theme,
            "--actors",
            actors,
            "--priority",
            "high",
            "--workshop",
            workshop,
        ])?;
        recs.push(last_line(&output));
    }
    show(&format!(
        "remedy --dir {} recommend add --title '{}' --text '...' --theme {} --actors {} --priority high --workshop '{}'",
        dir("KH"),
        WORKSHOPS[0].1,
        WORKSHOPS[0].2,
        WORKSHOPS[0].3,
        WORKSHOPS[0].4
    ));
    step.done(&format!("recommendations {}", recs.join(", ")));

    let item = play_workplan(&out, &recs, &dir, &base, &runtime, &channels)?;
    let partner_rec = play_partners(&out, &recs, &item, &dir, &runtime, &channels)?;
    play_consultations(&out, &recs, &partner_rec, &dir, &runtime, &channels)?;

    let step = Step::begin(9, "waiting until every node holds every event");
    let events = runtime.block_on(converge(&channels, Duration::from_secs(30)))?;
    step.done(&format!(
        "converged: {events} shared events at each of the four nodes"
    ));

    let ilo = dir("ILO");
    let kh_addr = format!("127.0.0.1:{base}");
    // Each view as ILO runs it, the command shown first.
    let regional = |table: &str| -> anyhow::Result<()> {
        let view = [
            "--dir", &ilo, "--node", &kh_addr, "view", "stats", "--table", table, "--period",
            "2024-Q4",
        ];
        show(&shell(&view));
        print!("{}", remedy(&view)?);
        Ok(())
    };
    println!(
        "\nThe regional view, as the coordinator ILO reads it from KH: cases opened in 2024-Q4 by channel and outcome, each case counted once:"
    );
    regional("channel-outcome")?;
    println!(
        "\nCases closed in the quarter, per channel: counts and compensation add up across members; \
         median days to close do not, so the regional median is n/a (each member's is its own):"
    );
    regional("resolution")?;
    println!(
        "\nThe national consultation workshops and the pilots, as ILO reads them (counts under the threshold suppressed):"
    );
    for what in ["workshops", "pilots"] {
        let view = ["--dir", &ilo, "--node", &kh_addr, "view", what];
        show(&shell(&view));
        print!("{}", remedy(&view)?);
    }
    println!("\nThe work plan, and item {item} in full (its timeline, positions, indicators):");
    let plan = ["--dir", &ilo, "--node", &kh_addr, "workplan", "show", &item];
    show(&shell(&plan));
    print!("{}", remedy(&plan)?);
    let document = out.join("workplan.html");
    let export = [
        "--dir",
        &ilo,
        "--node",
        &kh_addr,
        "--format",
        "html",
        "workplan",
        "export",
        "--out",
        path_str(&document),
    ];
    show(&shell(&export));
    remedy(&export)?;
    let federation_toml = format!("{}/federation.toml", dir("AUD"));
    let verify = [
        "workplan",
        "verify",
        path_str(&document),
        "--federation",
        &federation_toml,
    ];
    show(&shell(&verify));
    print!("{}", remedy(&verify)?);
    println!(
        "The agreed plan as a document a ministry can file: {} (self-contained, prints on A4; anyone checks it offline with the command above)",
        document.display()
    );

    let step = Step::begin(10, "the auditor AUD verifies every log through KH");
    let aud = dir("AUD");
    let audit = ["--dir", &aud, "--node", &kh_addr, "audit", "verify"];
    show(&shell(&audit));
    let audit_output = Command::new(std::env::current_exe()?)
        .args(audit)
        .output()?;
    print!("{}", String::from_utf8_lossy(&audit_output.stdout));
    let passed = audit_output.status.success();
    step.done(if passed {
        "audit passed"
    } else {
        "AUDIT FAILED"
    });

    let step = Step::begin(
        11,
        "the quarterly regional bulletin of 2024-Q4, as the coordinator ILO files it",
    );
    let bulletin = out.join("bulletin-2024-Q4.html");
    let report = [
        "--dir",
        &ilo,
        "--node",
        &kh_addr,
        "report",
        "--period",
        "2024-Q4",
        "--out",
        path_str(&bulletin),
    ];
    show(&shell(&report));
    remedy(&report)?;
    step.done(&format!(
        "bulletin written: {} (self-contained HTML, prints on A4; add --pdf for a PDF, --lang km for Khmer)",
        bulletin.display()
    ));

    for (m, mib) in nodes.peak_mib() {
        println!("node {m}: peak resident memory {mib:.0} MiB");
    }
    println!(
        "demo set up in {:.1} s; everything is in {}",
        started.elapsed().as_secs_f64(),
        out.display()
    );
    if args.exit {
        nodes.stop();
        if !passed {
            bail!("the audit failed");
        }
        return Ok(());
    }
    let link = remedy(&["--dir", &ilo, "--node", &kh_addr, "dashboard"])?;
    println!(
        "\nThe dashboard (KH's), signed in as the coordinator ILO; the link works once. A new one: remedy --dir {ilo} --node {kh_addr} dashboard"
    );
    println!("{}", link.trim());
    println!(
        "KH's public transparency page, no sign-in: {}/public",
        link.split("/login").next().unwrap_or_default()
    );
    println!("Serving until Ctrl-C.");
    runtime.block_on(tokio::signal::ctrl_c())?;
    println!("stopping the four nodes");
    nodes.stop();
    Ok(())
}

/// Connects as the node whose folder is `dir` and waits until it answers.
async fn wait_serving(dir: &Path, within: Duration) -> anyhow::Result<tonic::transport::Channel> {
    let deadline = Instant::now() + within;
    let target = remedy_client::client::target(dir, None)?;
    loop {
        if let Ok(channel) = remedy_client::client::connect(&target).await {
            let mut federation = pb::federation_client::FederationClient::new(channel.clone());
            if federation.status(pb::StatusRequest {}).await.is_ok() {
                return Ok(channel);
            }
        }
        if Instant::now() > deadline {
            bail!(
                "the node in {} did not answer within {} s; see its node.log",
                dir.display(),
                within.as_secs()
            );
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Waits until every node holds every origin up to the highest height any node
/// reports, and no node reports a lag; returns the events each node holds.
async fn converge(
    channels: &[(&str, tonic::transport::Channel)],
    within: Duration,
) -> anyhow::Result<u64> {
    let deadline = Instant::now() + within;
    loop {
        let mut heights = Vec::new();
        for (_, channel) in channels {
            let status = pb::federation_client::FederationClient::new(channel.clone())
                .status(pb::StatusRequest {})
                .await?
                .into_inner();
            let mut held: Vec<(String, u64)> = status
                .origins
                .iter()
                .map(|o| (o.origin.clone(), o.height))
                .collect();
            held.sort();
            heights.push(held);
        }
        if heights.windows(2).all(|w| w[0] == w[1]) && heights[0].len() == channels.len() {
            return Ok(heights[0].iter().map(|(_, h)| h).sum());
        }
        if Instant::now() > deadline {
            bail!("the nodes did not converge within {within:?}: {heights:?}");
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn prepare_folder(out: &Path) -> anyhow::Result<PathBuf> {
    if out.exists() {
        if !out.join(MARKER).exists() {
            bail!(
                "{} exists and was not made by the demo; pick another --out",
                out.display()
            );
        }
        std::fs::remove_dir_all(out)
            .with_context(|| format!("removing the old demo in {}", out.display()))?;
    }
    std::fs::create_dir_all(out).with_context(|| format!("creating {}", out.display()))?;
    std::fs::write(
        out.join(MARKER),
        "made by `remedy demo`; deleted by the next run\n",
    )?;
    Ok(out.to_path_buf())
}

/// The first of `n` consecutive free ports on 127.0.0.1.
fn free_port_block(n: u16) -> anyhow::Result<u16> {
    for _ in 0..100 {
        let first = TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
        if first > u16::MAX - n {
            continue;
        }
        if (0..n).all(|i| TcpListener::bind(("127.0.0.1", first + i)).is_ok()) {
            return Ok(first);
        }
    }
    bail!("found no {n} consecutive free ports on 127.0.0.1")
}

/// A binary built next to this one (`target/release/remedy-node`), else from PATH.
pub fn sibling_binary(name: &str) -> anyhow::Result<PathBuf> {
    let beside = std::env::current_exe()?.with_file_name(name);
    Ok(if beside.exists() {
        beside
    } else {
        PathBuf::from(name)
    })
}

//! The main job and the dashboard in a real browser.
//!
//! `remedy demo --exit` runs the whole federation (four node processes, cases,
//! releases, recommendations, an endorsed work-plan item, the audit) and exits with
//! the audit's verdict, every node under 100 MiB. Then a demo that serves is driven
//! with headless Chromium (Debian's `chromium`): each dashboard page, entered with a
//! one-time link as the coordinator, must show the numbers the `View` and
//! `Federation` services return (suppressed cells as suppressed, never as zero),
//! render in under a second, and is saved as a screenshot. The overview counts
//! cases from `channel-outcome` (each case once) and labels `grievance-outcome`'s
//! figures as grievance mentions. In a browser asking for Khmer or Japanese
//! (`Accept-Language`), navigation, headings and code labels are those of the
//! Fluent files (read here, not copied); the language switch is remembered over
//! the browser's wish. Ctrl-C stops every process the demo started.

#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::io::BufRead as _;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use remedy_proto::v1 as pb;
use remedy_tests::federation::channel_as;
use remedy_tests::{binary, path_arg as path, remedy};

#[test]
fn the_demo_runs_the_federation_and_exits_with_the_audit_verdict() -> anyhow::Result<()> {
    let tmp = tempfile::tempdir()?;
    let out_dir = tmp.path().join("demo");
    let (ok, out, err) = remedy(&["demo", "--out", path(&out_dir), "--exit"])?;
    assert!(ok, "{out}\n{err}");
    for expected in [
        "[10] audit passed",
        "4 partners registered",
        "workshops KH-",
        "ID: 1 workshop, 38 participants (female 20, male x, not-stated x), 2 recommendations validated",
        "run by ID/id-mrc",
        "verdict: PASS: 4 origins",
        "[in-progress]",
        "positions on version 2 (4 of 4 endorsements needed)",
        "valid HTML document: 1 agreed items, 4 endorsements",
        "2024-Q4 regional (ID, JP, KH, VN)",
    ] {
        assert!(out.contains(expected), "{expected:?} missing in:\n{out}");
    }
    let peaks: Vec<f64> = out
        .lines()
        .filter_map(|l| l.split("peak resident memory ").nth(1))
        .map(|l| l.trim_end_matches(" MiB").parse().unwrap())
        .collect();
    assert_eq!(peaks.len(), 4, "{out}");
    assert!(
        peaks.iter().all(|&mib| mib > 0.0 && mib < 100.0),
        "{peaks:?}"
    );
    // A rerun replaces its own earlier folder, but never a folder it did not make.
    let (ok, _, err) = remedy(&["demo", "--out", path(&out_dir), "--exit", "--cases", "500"])?;
    assert!(ok, "{err}");
    let foreign = tmp.path().join("mine");
    std::fs::create_dir(&foreign)?;
    let (ok, _, err) = remedy(&["demo", "--out", path(&foreign), "--exit"])?;
    assert!(!ok && err.contains("was not made by the demo"), "{err}");
    Ok(())
}

/// One element of a page (a `<td>`, an SVG `<circle>`): its attributes and its text.
#[derive(Debug)]
struct Cell {
    attrs: BTreeMap<String, String>,
    text: String,
}

/// The `<td>` elements of serialized HTML, in order.
fn cells(html: &str) -> Vec<Cell> {
    elements(html, "td")
}

/// The elements `<tag ...>...</tag>` of serialized HTML, in order.
fn elements(html: &str, tag: &str) -> Vec<Cell> {
    let (open, end_tag) = (format!("<{tag}"), format!("</{tag}>"));
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(start) = rest.find(&open) {
        rest = &rest[start + open.len()..];
        if !rest.starts_with([' ', '>']) {
            continue;
        }
        let Some(end) = rest.find('>') else { break };
        let attrs = parse_attrs(&rest[..end]);
        rest = &rest[end + 1..];
        let close = rest.find(&end_tag).unwrap_or(rest.len());
        let text = rest[..close]
            .replace("&amp;", "&")
            .replace("&gt;", ">")
            .replace("&lt;", "<");
        out.push(Cell { attrs, text });
    }
    out
}

fn parse_attrs(text: &str) -> BTreeMap<String, String> {
    let mut attrs = BTreeMap::new();
    let mut rest = text.trim();
    while let Some(eq) = rest.find("=\"") {
        let name = rest[..eq].trim().to_string();
        let after = &rest[eq + 2..];
        let close = after.find('"').unwrap_or(after.len());
        attrs.insert(name, after[..close].replace("&quot;", "\""));
        rest = after.get(close + 1..).unwrap_or("");
    }
    attrs
}

fn find<'a>(cells: &'a [Cell], want: &[(&str, &str)]) -> Vec<&'a Cell> {
    cells
        .iter()
        .filter(|c| {
            want.iter()
                .all(|(k, v)| c.attrs.get(*k).map(String::as_str) == Some(*v))
        })
        .collect()
}

/// The one element that has every attribute of `want`.
fn one<'a>(cells: &'a [Cell], want: &[(&str, &str)]) -> &'a Cell {
    let found = find(cells, want);
    assert_eq!(found.len(), 1, "{want:?}");
    found[0]
}

/// A table's every period, as the `View` service answers.
async fn every_period(
    view: &mut pb::view_client::ViewClient<tonic::transport::Channel>,
    table: &str,
) -> anyhow::Result<serde_json::Value> {
    let reply = view
        .stats(pb::StatsRequest {
            table: table.into(),
            from_period: "2000-Q1".into(),
            to_period: "2099-Q4".into(),
            ..Default::default()
        })
        .await?;
    Ok(serde_json::from_str(&reply.into_inner().json)?)
}

struct Browser {
    profile: PathBuf,
    shots: PathBuf,
    /// The `Accept-Language` the browser sends; its default (en-US) when `None`.
    accept_lang: Option<&'static str>,
}

/// The messages of a Fluent file of the node (`ui-km`, `ja`...): id to text.
/// Every message is one line (the files' own rule).
fn fluent(name: &str) -> BTreeMap<String, String> {
    let file = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../node/core/locales")
        .join(format!("{name}.ftl"));
    std::fs::read_to_string(&file)
        .unwrap()
        .lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| l.split_once(" = "))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// A message's text up to its first placeable, as HTML escapes it.
fn fixed_part(text: &str) -> String {
    text.split('{')
        .next()
        .unwrap()
        .trim_end()
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

impl Browser {
    fn command(&self) -> Command {
        let mut c = Command::new("chromium");
        c.args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--no-first-run",
            "--virtual-time-budget=15000",
        ])
        .arg(format!("--user-data-dir={}", self.profile.display()))
        .stdin(Stdio::null());
        if let Some(lang) = self.accept_lang {
            c.arg(format!("--accept-lang={lang}"));
        }
        c
    }

    /// The page's DOM after its script ran.
    fn dom(&self, url: &str) -> anyhow::Result<String> {
        let out = self
            .command()
            .arg("--dump-dom")
            .arg(url)
            .output()
            .map_err(|e| {
                anyhow::anyhow!(
                    "cannot run chromium ({e}); install Debian's chromium package (.ci/run does)"
                )
            })?;
        anyhow::ensure!(
            out.status.success(),
            "chromium: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        Ok(String::from_utf8(out.stdout)?)
    }

    fn screenshot(&self, url: &str, name: &str) -> anyhow::Result<PathBuf> {
        let file = self.shots.join(format!("{name}.png"));
        let out = self
            .command()
            .arg("--window-size=1400,2200")
            .arg(format!("--screenshot={}", file.display()))
            .arg(url)
            .output()?;
        anyhow::ensure!(
            out.status.success(),
            "chromium: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        anyhow::ensure!(
            std::fs::metadata(&file)?.len() > 10_000,
            "empty screenshot {}",
            file.display()
        );
        Ok(file)
    }
}

fn browser_for_public(tmp: &tempfile::TempDir, shots: &std::path::Path) -> Browser {
    Browser {
        profile: tmp.path().join("chromium-public"),
        shots: shots.to_path_buf(),
        accept_lang: None,
    }
}

/// GETs `path` from `base` with no cookie: the status line and the body.
fn plain_get(base: &str, path: &str) -> anyhow::Result<(String, String)> {
    use std::io::{Read as _, Write as _};
    let addr = base.trim_start_matches("http://");
    let mut stream = std::net::TcpStream::connect(addr)?;
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )?;
    let mut answer = String::new();
    stream.read_to_string(&mut answer)?;
    let status = answer.lines().next().unwrap_or_default().to_string();
    let body = answer
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    Ok((status, body))
}

fn public_page(browser: &Browser, http_base: &str, recs: &serde_json::Value) -> anyhow::Result<()> {
    let dom = browser.dom(&format!("{http_base}/public"))?;
    assert!(
        dom.contains("data-ready=\"1\"") && dom.contains("data-public=\"1\""),
        "{dom}"
    );
    assert!(!dom.contains("id=\"error\""), "{dom}");
    assert!(
        !dom.contains("data-page=\"network\"") && !dom.contains("action=\"/logout\""),
        "{dom}"
    );
    assert!(
        dom.contains("data-table=\"channel-outcome\""),
        "the regional figures: {dom}"
    );
    let (status, body) = plain_get(http_base, "/public/api/recommendations")?;
    assert!(status.contains(" 200 "), "{status}");
    // Dechunk-free comparison: every recommendation's id and title is there.
    for r in recs.as_array().unwrap() {
        assert!(
            body.contains(r["id"].as_str().unwrap()) && body.contains(r["title"].as_str().unwrap())
        );
    }
    for private in ["/public/api/network", "/api/recommendations"] {
        let (status, _) = plain_get(http_base, private)?;
        assert!(
            !status.contains(" 200 "),
            "{private} without sign-in: {status}"
        );
    }
    // VN did not switch its public page on.
    let port: u16 = http_base.rsplit(':').next().unwrap().parse()?;
    let vn = format!("http://127.0.0.1:{}", port + 2);
    let (status, _) = plain_get(&vn, "/public")?;
    assert!(
        status.contains(" 404 "),
        "VN's public page is off: {status}"
    );
    Ok(())
}

/// KH's operator and the coordinator ILO read their feeds at KH's node: each
/// parses as Atom, newest first, and lists every item the party's `remedy
/// inbox` says awaits it; without a token, nothing.
fn feeds_from_python(fed: &std::path::Path, kh: &str, http_base: &str) -> anyhow::Result<()> {
    let python = std::env::var_os("REMEDY_GRPC_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("target/grpc-venv/bin/python"));
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("feeds/read_feed.py");
    for party in ["KH", "ILO"] {
        let dir = fed.join(party);
        let (ok, token, err) =
            remedy(&["--dir", path(&dir), "--node", kh, "token", "--ttl", "10m"])?;
        assert!(ok, "{party}: {err}");
        let out = Command::new(&python)
            .arg(&script)
            .arg(format!("{http_base}/feed.atom?token={}", token.trim()))
            .output()?;
        anyhow::ensure!(
            out.status.success(),
            "feedparser: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let feed: serde_json::Value = serde_json::from_slice(&out.stdout)?;
        assert_eq!(feed["bozo"], false, "{feed}");
        assert_eq!(feed["version"], "atom10", "{feed}");
        assert!(
            feed["content_type"]
                .as_str()
                .unwrap()
                .starts_with("application/atom+xml")
        );
        let entries = feed["entries"].as_array().unwrap();
        assert!(!entries.is_empty(), "{party}: {feed}");
        let times: Vec<&str> = entries
            .iter()
            .map(|e| e["updated"].as_str().unwrap())
            .collect();
        assert!(
            times.windows(2).all(|w| w[0] >= w[1]),
            "newest first: {times:?}"
        );
        let (ok, inbox, err) = remedy(&[
            "--dir",
            path(&dir),
            "--node",
            kh,
            "--format",
            "json",
            "inbox",
        ])?;
        assert!(ok, "{err}");
        let inbox: Vec<serde_json::Value> = serde_json::from_str(&inbox)?;
        for e in inbox
            .iter()
            .filter(|e| e["kind"] == "awaited" || e["kind"] == "overdue")
        {
            let title = format!(
                "{}: {} awaited from {}",
                e["item"].as_str().unwrap(),
                e["what"].as_str().unwrap(),
                e["from"].as_str().unwrap()
            );
            assert!(
                entries
                    .iter()
                    .any(|x| x["title"] == title.as_str() && x["category"] == e["kind"]),
                "{party}: {title} in the feed: {feed}"
            );
        }
        // Every peer's releases, and never the party's own.
        let releases: Vec<&str> = entries
            .iter()
            .filter(|x| x["category"] == "release")
            .map(|x| x["title"].as_str().unwrap())
            .collect();
        assert!(
            releases.contains(&"ID published 2024-Q4 (revision 1)"),
            "{party}: {releases:?}"
        );
        assert_eq!(
            releases.iter().any(|t| t.starts_with("KH published")),
            party != "KH",
            "{party}: {releases:?}"
        );
        let awaited = inbox
            .iter()
            .filter(|e| e["kind"] == "awaited" || e["kind"] == "overdue")
            .count();
        if party == "ILO" {
            assert!(awaited > 0, "the demo's plan awaits something: {inbox:?}");
        }
        println!(
            "{party}'s feed: {} entries parsed by feedparser; {awaited} awaited items of its inbox among them",
            entries.len()
        );
    }
    let bare = Command::new(&python)
        .arg(&script)
        .arg(format!("{http_base}/feed.atom"))
        .output()?;
    assert!(!bare.status.success(), "no token, no feed");
    Ok(())
}

/// The demo's bulletin exists; `remedy report --pdf` prints it, and
/// pdftotext reads the headline figure and the verification section back.
fn bulletin_as_pdf(
    ilo: &std::path::Path,
    kh: &str,
    out_dir: &std::path::Path,
    quarter: &serde_json::Value,
) -> anyhow::Result<()> {
    let html = std::fs::read_to_string(out_dir.join("bulletin-2024-Q4.html"))?;
    assert!(
        !html.contains("src=\"http") && !html.contains("href=\"http") && !html.contains("@import"),
        "the bulletin asks for nothing outside itself"
    );
    let out = out_dir.join("bulletin.html");
    let (ok, printed, err) = remedy(&[
        "--dir",
        path(ilo),
        "--node",
        kh,
        "report",
        "--period",
        "2024-Q4",
        "--out",
        path(&out),
        "--pdf",
    ])?;
    assert!(ok, "{err}");
    let pdf = out.with_extension("pdf");
    assert!(printed.contains(path(&pdf)), "{printed}");
    let text = Command::new("pdftotext")
        .args(["-layout", path(&pdf), "-"])
        .output()
        .map_err(|e| {
            anyhow::anyhow!(
                "cannot run pdftotext ({e}); install Debian's poppler-utils (.ci/run does)"
            )
        })?;
    anyhow::ensure!(text.status.success(), "pdftotext failed");
    let text = String::from_utf8(text.stdout)?;
    let total = quarter["regional"]["total"]["value"].as_u64().unwrap();
    assert_eq!(quarter["regional"]["total"]["status"], "published");
    let headlines = text.split("Each member's figures").next().unwrap();
    assert!(
        headlines.contains("Headline figures") && headlines.contains(&total.to_string()),
        "the regional total {total} among the headline figures:\n{headlines}"
    );
    let verification = text
        .split("Verification")
        .nth(1)
        .expect("a verification section");
    for m in ["KH", "ID", "VN", "JP"] {
        assert!(
            verification.contains(&format!("{m}-")),
            "{m}'s release event:\n{verification}"
        );
    }
    assert_eq!(
        verification.matches("verified").count(),
        4,
        "{verification}"
    );
    println!(
        "bulletin: {} pages of PDF text checked",
        text.matches('\u{c}').count() + 1
    );
    // In Khmer: the words of the Fluent file, the codes' Khmer labels.
    let km = out_dir.join("bulletin-km.html");
    let (ok, _, err) = remedy(&[
        "--dir",
        path(ilo),
        "--node",
        kh,
        "--lang",
        "km",
        "report",
        "--period",
        "2024-Q4",
        "--out",
        path(&km),
    ])?;
    assert!(ok, "{err}");
    let km = std::fs::read_to_string(&km)?;
    let title = remedy_core::labels::ui("km", "report-title", &[("period", "2024-Q4")]);
    assert_eq!(title.lang, "km");
    assert!(
        km.contains("<html lang=\"km\">") && km.contains(&title.text),
        "{km}"
    );
    assert!(km.contains(&remedy_core::labels::label("km", "outcome", "pending").text));
    Ok(())
}

/// `tests/sdmx/read_api.py` with sdmx1 against the node at `http_base`:
/// dataflows, a data structure with its code lists, a quarter's data for KH
/// and ID from the API, and the exported structure and SDMX-CSV files; each
/// observation equal to `View.Stats`'s figure (`quarter`, channel-outcome).
fn sdmx_from_python(
    ilo: &std::path::Path,
    kh: &str,
    http_base: &str,
    quarter: &serde_json::Value,
    tmp: &std::path::Path,
) -> anyhow::Result<()> {
    let python = std::env::var_os("REMEDY_GRPC_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("target/grpc-venv/bin/python"));
    anyhow::ensure!(
        python.exists(),
        "{} is missing: run the tests with `make test`, which makes it (python3 -m venv, then pip install sdmx1 ...), and names it in REMEDY_GRPC_PYTHON",
        python.display()
    );
    let (ok, token, err) = remedy(&["--dir", path(ilo), "--node", kh, "token", "--ttl", "10m"])?;
    assert!(ok, "{err}");
    // Without the token, or with a damaged one, nothing.
    let status_of = |authorization: &str| -> anyhow::Result<String> {
        use std::io::{Read as _, Write as _};
        let addr = http_base.trim_start_matches("http://");
        let mut stream = std::net::TcpStream::connect(addr)?;
        write!(
            stream,
            "GET /sdmx/rest/dataflow HTTP/1.1\r\nHost: {addr}\r\n{authorization}Connection: close\r\n\r\n"
        )?;
        let mut answer = String::new();
        stream.read_to_string(&mut answer)?;
        Ok(answer.lines().next().unwrap_or_default().to_string())
    };
    assert!(status_of("")?.contains(" 401 "));
    let damaged = format!("Authorization: Bearer {}x\r\n", token.trim());
    assert!(status_of(&damaged)?.contains(" 401 "));
    let good = format!("Authorization: Bearer {}\r\n", token.trim());
    assert!(status_of(&good)?.contains(" 200 "));
    let structure = tmp.join("structure.xml");
    let (ok, out, err) = remedy(&[
        "--dir",
        path(ilo),
        "--node",
        kh,
        "--format",
        "sdmx-ml",
        "view",
        "structure",
    ])?;
    assert!(ok, "{err}");
    std::fs::write(&structure, out)?;
    let csv = tmp.join("channel-outcome.csv");
    let (ok, out, err) = remedy(&[
        "--dir",
        path(ilo),
        "--node",
        kh,
        "--format",
        "sdmx-csv",
        "view",
        "stats",
        "--table",
        "channel-outcome",
        "--period",
        "2024-Q4",
        "--members",
        "KH,ID",
    ])?;
    assert!(ok, "{err}");
    std::fs::write(&csv, out)?;
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("sdmx/read_api.py");
    let out = Command::new(&python)
        .arg(&script)
        .args([
            http_base,
            token.trim(),
            path(&structure),
            path(&csv),
            "2024-Q4",
            "KH,ID",
        ])
        .output()?;
    anyhow::ensure!(
        out.status.success(),
        "sdmx1: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let read: serde_json::Value = serde_json::from_slice(&out.stdout)?;
    assert_eq!(
        read["dataflows"],
        serde_json::json!([
            "DF_CHANNEL_OUTCOME",
            "DF_GRIEVANCE_OUTCOME",
            "DF_RESOLUTION",
            "DF_SECTOR_SEX",
            "DF_STATUS_GRIEVANCE"
        ])
    );
    assert_eq!(read["exported_dataflows"], read["dataflows"]);
    assert_eq!(
        read["dimensions"],
        serde_json::json!(["FREQ", "REF_AREA", "CHANNEL", "OUTCOME", "TIME_PERIOD"])
    );
    for list in [
        "CL_AREA",
        "CL_CHANNEL",
        "CL_OUTCOME",
        "CL_OBS_STATUS",
        "CL_CONF_STATUS",
        "CL_FREQ",
    ] {
        assert!(
            read["codelists"]
                .as_array()
                .unwrap()
                .iter()
                .any(|c| c == list),
            "{list}"
        );
    }
    assert_eq!(
        read["outcome_labels"]["km"],
        remedy_core::labels::label("km", "outcome", "pending").text
    );
    // Every figure of KH's and ID's 2024-Q4 tables, as View.Stats gives it.
    let mut expected = BTreeMap::new();
    for m in quarter["members"].as_array().unwrap() {
        let member = m["member"].as_str().unwrap();
        if !["KH", "ID"].contains(&member) {
            continue;
        }
        let rows: Vec<&str> = m["rows"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r.as_str().unwrap())
            .collect();
        let cols: Vec<&str> = m["columns"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c.as_str().unwrap())
            .collect();
        for (i, row) in rows.iter().enumerate() {
            for (j, col) in cols.iter().enumerate() {
                expected.insert(
                    (member.to_string(), row.to_string(), col.to_string()),
                    m["cells"][i][j].clone(),
                );
            }
            expected.insert(
                (member.to_string(), row.to_string(), "_T".into()),
                m["row_totals"][i].clone(),
            );
        }
        for (j, col) in cols.iter().enumerate() {
            expected.insert(
                (member.to_string(), "_T".into(), col.to_string()),
                m["column_totals"][j].clone(),
            );
        }
        expected.insert(
            (member.to_string(), "_T".into(), "_T".into()),
            m["total"].clone(),
        );
    }
    for source in ["api", "csv"] {
        let observations = read[source].as_array().unwrap();
        assert_eq!(
            observations.len(),
            expected.len(),
            "{source}: one observation per figure"
        );
        let mut suppressed = 0;
        for o in observations {
            let key = &o["key"];
            assert_eq!(
                (key["FREQ"].as_str(), key["TIME_PERIOD"].as_str()),
                (Some("Q"), Some("2024-Q4"))
            );
            let figure = &expected[&(
                key["REF_AREA"].as_str().unwrap().to_string(),
                key["CHANNEL"].as_str().unwrap().to_string(),
                key["OUTCOME"].as_str().unwrap().to_string(),
            )];
            let (obs, conf) = match figure["status"].as_str().unwrap() {
                "published" => ("A", "F"),
                "suppressed" => ("Q", "C"),
                "noised" => ("E", "F"),
                other => panic!("{other} in a member's table"),
            };
            assert_eq!(o["value"], figure["value"], "{source}: {o} vs {figure}");
            assert_eq!(o["attributes"]["OBS_STATUS"], obs, "{source}: {o}");
            assert_eq!(o["attributes"]["CONF_STATUS"], conf, "{source}: {o}");
            assert_eq!(o["attributes"]["UNIT_MEASURE"], "CASE");
            suppressed += usize::from(conf == "C");
        }
        assert!(
            suppressed > 0,
            "{source}: the demo's quarter has withheld figures"
        );
    }
    println!(
        "sdmx1 read {} observations from the API and the same from SDMX-CSV",
        expected.len()
    );
    Ok(())
}

/// The demo serving its dashboard; Ctrl-C (SIGINT) when dropped.
struct ServingDemo(std::process::Child);

impl Drop for ServingDemo {
    fn drop(&mut self) {
        let pid = nix::unistd::Pid::from_raw(self.0.id() as i32);
        let _ = nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGINT);
        let _ = self.0.wait();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dashboard_shows_the_numbers_the_view_service_returns() -> anyhow::Result<()> {
    let tmp = tempfile::tempdir()?;
    let out_dir = tmp.path().join("demo");
    let mut child = Command::new(binary("remedy"))
        .args(["demo", "--out", path(&out_dir)])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()?;
    let stdout = child.stdout.take().unwrap();
    let mut demo = ServingDemo(child);
    let (lines, received) = mpsc::channel();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stdout)
            .lines()
            .map_while(Result::ok)
        {
            if lines.send(line).is_err() {
                return;
            }
        }
    });
    let deadline = Instant::now() + Duration::from_secs(120);
    let mut printed = String::new();
    let first_link = loop {
        let line = received
            .recv_timeout(deadline.saturating_duration_since(Instant::now()))
            .map_err(|_| anyhow::anyhow!("no dashboard link from the demo:\n{printed}"))?;
        printed.push_str(&line);
        printed.push('\n');
        if line.starts_with("http://") {
            break line;
        }
    };
    let public_line = received.recv_timeout(Duration::from_secs(10))?;
    assert!(
        public_line.starts_with("KH's public transparency page"),
        "{public_line}"
    );
    let next = received.recv_timeout(Duration::from_secs(10))?;
    assert_eq!(next, "Serving until Ctrl-C.");
    assert!(first_link.contains("/login?token="), "{first_link}");

    let fed = out_dir.join("fed");
    let kh_config = std::fs::read_to_string(fed.join("KH/node.toml"))?;
    let kh_addr: std::net::SocketAddr = kh_config
        .lines()
        .find_map(|l| l.strip_prefix("listen = \""))
        .and_then(|l| l.strip_suffix('"'))
        .unwrap()
        .parse()?;
    let ilo = fed.join("ILO");
    let channel = channel_as(&ilo, Some(kh_addr)).await?;
    let mut view = pb::view_client::ViewClient::new(channel.clone());
    let shots = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("dashboard-screenshots");
    std::fs::create_dir_all(&shots)?;
    let browser = Browser {
        profile: tmp.path().join("chromium"),
        shots: shots.clone(),
        accept_lang: None,
    };
    // A sign-in link at KH's node for the reader whose folder is `dir`.
    let link_as = |dir: &std::path::Path, page: &str| -> String {
        let (ok, out, err) = remedy(&[
            "--dir",
            path(dir),
            "--node",
            &kh_addr.to_string(),
            "dashboard",
            "--page",
            page,
        ])
        .unwrap();
        assert!(ok, "{err}");
        out.trim().to_string()
    };
    let link = |page: &str| link_as(&ilo, page);
    let ready = |dom: &str, page: &str| {
        assert!(
            dom.contains("data-ready=\"1\""),
            "{page} did not finish:\n{dom}"
        );
        assert!(!dom.contains("id=\"error\""), "{page} failed:\n{dom}");
        let ms: u64 = dom
            .split("data-render-ms=\"")
            .nth(1)
            .and_then(|s| s.split('"').next())
            .and_then(|s| s.parse().ok())
            .unwrap();
        assert!(ms < 1000, "{page} took {ms} ms to render");
        println!("{page}: rendered in {ms} ms");
    };

    // A link works once; the page without a session says how to sign in.
    let dom = browser.dom(&first_link)?;
    ready(&dom, "/");
    let again = browser.dom(&first_link.replace("next=/", "next=/network"))?;
    assert!(again.contains("Sign-in refused"), "{again}");
    let http_base = first_link.split("/login").next().unwrap().to_string();
    // Without a session (a fresh browser profile) a page says how to sign in.
    let fresh = Browser {
        profile: tmp.path().join("chromium-fresh"),
        shots: shots.clone(),
        accept_lang: None,
    };
    let unsigned = fresh.dom(&format!("{http_base}/workplan"))?;
    assert!(
        unsigned.contains("Sign in with a one-time link"),
        "{unsigned}"
    );

    // Overview: every figure of 2024-Q4 as the View service gives it. Cases come
    // from channel-outcome, which counts each case once; grievance-outcome counts
    // a case once per grievance it names, and the page says so.
    let mentions = every_period(&mut view, "grievance-outcome").await?;
    let cases = every_period(&mut view, "channel-outcome").await?;
    let by_sector = every_period(&mut view, "sector-sex").await?;
    let q4_of = |stats: &serde_json::Value| {
        stats["periods"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["period"] == "2024-Q4")
            .unwrap()
            .clone()
    };
    let (q4, cases_q4) = (q4_of(&mentions), q4_of(&cases));
    let dom = browser.dom(&link("/"))?;
    ready(&dom, "/");
    let page = cells(&dom);
    let mut checked = 0;
    let mut suppressed = 0;
    let check = |cell: &Cell, figure: &serde_json::Value| {
        let status = figure["status"].as_str().unwrap();
        assert_eq!(cell.attrs["data-status"], status, "{cell:?} vs {figure}");
        match figure["value"].as_u64() {
            Some(v) => assert_eq!(cell.attrs["data-value"], v.to_string(), "{cell:?}"),
            None => assert_eq!(cell.attrs["data-value"], "", "{cell:?}"),
        }
        if status == "suppressed" {
            assert_eq!(cell.text, "suppressed", "{cell:?}");
        }
    };
    let only = |want: &[(&str, &str)]| one(&page, want);
    const MENTIONS: (&str, &str) = ("data-table", "grievance-outcome");
    const CASES: (&str, &str) = ("data-table", "channel-outcome");
    for m in q4["members"].as_array().unwrap() {
        let member = m["member"].as_str().unwrap();
        let columns = m["columns"].as_array().unwrap();
        for (i, row) in m["rows"].as_array().unwrap().iter().enumerate() {
            let row = row.as_str().unwrap();
            for (j, col) in columns.iter().enumerate() {
                let figure = &m["cells"][i][j];
                check(
                    only(&[
                        MENTIONS,
                        ("data-member", member),
                        ("data-period", "2024-Q4"),
                        ("data-row", row),
                        ("data-col", col.as_str().unwrap()),
                    ]),
                    figure,
                );
                checked += 1;
                suppressed += usize::from(figure["status"] == "suppressed");
            }
            check(
                only(&[
                    MENTIONS,
                    ("data-member", member),
                    ("data-row", row),
                    ("data-col", "total"),
                ]),
                &m["row_totals"][i],
            );
        }
    }
    for (i, row) in q4["regional"]["rows"]
        .as_array()
        .unwrap()
        .iter()
        .enumerate()
    {
        check(
            only(&[
                MENTIONS,
                ("data-member", "region"),
                ("data-row", row.as_str().unwrap()),
                ("data-col", "total"),
            ]),
            &q4["regional"]["row_totals"][i],
        );
    }
    assert!(checked >= 4 * 13 * 7, "{checked} cells checked");
    assert!(
        suppressed > 0,
        "the demo data should have suppressed cells to show"
    );
    // Cases by outcome and all cases: channel-outcome's column totals and total,
    // each member's and the region's.
    let tables = cases_q4["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| (m["member"].as_str().unwrap(), m))
        .chain([("region", &cases_q4["regional"])]);
    for (member, t) in tables {
        for (j, col) in t["columns"].as_array().unwrap().iter().enumerate() {
            check(
                only(&[
                    CASES,
                    ("data-member", member),
                    ("data-period", "2024-Q4"),
                    ("data-row", "total"),
                    ("data-col", col.as_str().unwrap()),
                ]),
                &t["column_totals"][j],
            );
        }
        check(
            only(&[
                CASES,
                ("data-member", member),
                ("data-row", "total"),
                ("data-col", "total"),
            ]),
            &t["total"],
        );
    }
    let all_cases = dom.split("id=\"all-cases\"").nth(1).unwrap();
    let all_cases = cells(all_cases.split("</tr>").next().unwrap());
    assert!(
        dom.contains(">all cases</th>") && all_cases.len() == 5,
        "{all_cases:?}"
    );
    for c in &all_cases {
        assert_eq!(
            (c.attrs["data-table"].as_str(), c.attrs["data-col"].as_str()),
            ("channel-outcome", "total"),
            "{c:?}"
        );
    }
    let region_cases = &cases_q4["regional"]["total"];
    assert_eq!(
        all_cases[4].attrs["data-value"],
        region_cases["value"].to_string()
    );
    assert_eq!(region_cases["status"], "published", "{region_cases}");
    assert_eq!(
        region_cases,
        &q4_of(&by_sector)["regional"]["total"],
        "sector-sex counts the same cases"
    );
    let region_mentions = q4["regional"]["total"]["value"].as_u64().unwrap();
    assert!(
        region_mentions > region_cases["value"].as_u64().unwrap(),
        "grievance mentions ({region_mentions}) outnumber cases ({region_cases}) in the demo"
    );
    assert!(
        !dom.contains("Cases by grievance"),
        "mentions shown as cases"
    );
    assert!(
        dom.contains("Grievance mentions by grievance, 2024-Q4")
            && dom.contains("Grievance mentions by outcome, each country, 2024-Q4"),
        "{dom}"
    );
    let note = dom.split("id=\"mentions-note\">").nth(1).unwrap();
    assert!(
        note.starts_with("Grievance mentions: a case counts once per grievance it names"),
        "{note}"
    );
    // The resolution rate: resolved over all cases of channel-outcome, each
    // member's and the region's (from the regional counts), a gap where a part
    // is not exact.
    let points = elements(&dom, "circle");
    let mut rates = 0;
    for block in cases["periods"].as_array().unwrap() {
        let period = block["period"].as_str().unwrap();
        let tables = block["members"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| (m["member"].as_str().unwrap(), m))
            .chain([("region", &block["regional"])]);
        for (member, t) in tables {
            let columns = t["columns"].as_array().unwrap();
            let total_of = |name: &str| {
                let j = columns.iter().position(|c| c == name).unwrap();
                &t["column_totals"][j]
            };
            let parts = [
                total_of("resolved-compensated"),
                total_of("resolved-non-monetary"),
                &t["total"],
            ];
            let exact = parts.iter().all(|f| f["status"] == "published");
            let found = find(
                &points,
                &[
                    ("data-chart", "resolved"),
                    ("data-series", member),
                    ("data-x", period),
                ],
            );
            let total = t["total"]["value"].as_u64().unwrap_or(0);
            if !exact || total == 0 {
                assert!(found.is_empty(), "{member} {period}: a gap, not {found:?}");
                continue;
            }
            let resolved =
                parts[0]["value"].as_u64().unwrap() + parts[1]["value"].as_u64().unwrap();
            let rate = ((1000 * resolved) as f64 / total as f64).round() / 10.0;
            assert_eq!(found.len(), 1, "{member} {period}");
            assert_eq!(
                found[0].attrs["data-y"],
                rate.to_string(),
                "{member} {period}"
            );
            rates += 1;
        }
    }
    assert!(rates >= 5 * 4, "{rates} rates checked");
    // The charts are drawn, with a point per published quarter.
    assert!(dom.contains("<svg class=\"chart\""), "no chart");
    // Each table and chart can be downloaded, as CSV and SVG made in the page.
    let tables = dom.matches("<table").count();
    let charts = dom.matches("<svg class=\"chart\"").count();
    assert_eq!(
        dom.matches(".csv\" class=\"download\" href=\"blob:")
            .count(),
        tables,
        "a CSV link per table"
    );
    assert_eq!(
        dom.matches(".svg\" class=\"download\" href=\"blob:")
            .count(),
        charts,
        "an SVG link per chart"
    );
    assert!(dom.contains("id=\"print\""), "a print button");
    assert!(dom.matches("<circle").count() >= 4 * 4, "too few points");
    println!(
        "overview: {checked} cells ({suppressed} suppressed), cases by outcome and {rates} resolution rates as the View service gives them"
    );

    // The overview opens on the latest period with cases: KH publishes 2025-Q1,
    // in which no case was opened (some may have closed: hence --allow-empty),
    // and the page stays on 2024-Q4 while offering 2025-Q1.
    let kh = fed.join("KH");
    let (ok, _, err) = remedy(&[
        "--dir",
        path(&kh),
        "publish",
        "--period",
        "2025-Q1",
        "--allow-empty",
    ])?;
    assert!(ok, "{err}");
    let dom = browser.dom(&link("/"))?;
    ready(&dom, "/ after an empty 2025-Q1");
    assert!(dom.contains("<option value=\"2025-Q1\">"), "{dom}");
    assert!(dom.contains("Cases by outcome, 2024-Q4"), "{dom}");
    let page = cells(&dom);
    assert!(
        page.iter()
            .all(|c| c.attrs.get("data-period").is_none_or(|p| p == "2024-Q4")),
        "the default period is 2024-Q4"
    );

    // A sign-in link keeps the page's query: the overview of another quarter.
    let dom = browser.dom(&link("/?period=2024-Q3"))?;
    ready(&dom, "/?period=2024-Q3");
    assert!(
        dom.contains("data-period=\"2024-Q3\"") && !dom.contains("data-period=\"2024-Q4\""),
        "the quarter the link named"
    );

    // Recommendations: every one, with its status and country.
    let recs: serde_json::Value = serde_json::from_str(
        &view
            .recommendations(pb::PlanFilter::default())
            .await?
            .into_inner()
            .json,
    )?;
    let dom = browser.dom(&link("/recommendations"))?;
    ready(&dom, "/recommendations");
    let recs = recs.as_array().unwrap();
    // One per country's workshop, and one ID's MRC submitted as a partner.
    assert_eq!(recs.len(), 5);
    let submitted: Vec<_> = recs
        .iter()
        .filter(|r| r["submitted_by"] == "ID/id-mrc")
        .collect();
    assert_eq!(submitted.len(), 1, "{recs:?}");
    assert!(
        dom.contains(">ID/id-mrc<"),
        "the partner named on the page: {dom}"
    );
    for r in recs {
        let id = r["id"].as_str().unwrap();
        let row = dom.split(&format!("data-id=\"{id}\"")).nth(1).unwrap_or("");
        let row = row.split("</tr>").next().unwrap();
        assert!(row.contains(r["title"].as_str().unwrap()), "{id}: {row}");
        assert!(
            row.contains(&format!(
                "data-status=\"{}\"",
                r["status"].as_str().unwrap()
            )),
            "{id}: {row}"
        );
    }
    let page = cells(&dom);
    let per_member = find(&page, &[("data-status", "all")]);
    assert_eq!(per_member.len(), 4);
    let counts: Vec<&str> = per_member.iter().map(|c| c.text.as_str()).collect();
    assert_eq!(
        counts,
        ["2", "1", "1", "1"],
        "ID, JP, KH, VN: {per_member:?}"
    );

    // The work plan: one line per item, then the item in full (its text,
    // positions, timeline and indicator charts), then the pilots.
    let items: serde_json::Value = serde_json::from_str(
        &view
            .workplan(pb::PlanFilter::default())
            .await?
            .into_inner()
            .json,
    )?;
    let dom = browser.dom(&link("/workplan"))?;
    ready(&dom, "/workplan");
    let item = &items[0];
    let id = item["id"].as_str().unwrap();
    assert!(dom.contains(&format!("data-id=\"{id}\"")), "{dom}");
    let page = cells(&dom);
    let stage = find(&page, &[("data-field", "stage")]);
    assert_eq!(
        stage[0].attrs["data-stage"],
        item["stage"].as_str().unwrap()
    );
    assert!(
        find(&page, &[("data-field", "endorsements")])[0]
            .text
            .starts_with("4 of 4 needed"),
        "{dom}"
    );
    let dom = browser.dom(&link(&format!("/workplan?item={id}")))?;
    ready(&dom, "/workplan?item");
    assert!(
        dom.contains(&format!("id=\"item-title\" data-id=\"{id}\"")),
        "{dom}"
    );
    let page = cells(&dom);
    for position in item["tally"]["positions"].as_array().unwrap() {
        let member = position["member"].as_str().unwrap();
        let found: Vec<_> = find(
            &page,
            &[("data-position", position["position"].as_str().unwrap())],
        );
        assert!(!found.is_empty(), "{member}");
    }
    // The timeline: one row per event, in the item's order.
    let timeline: Vec<&str> = dom
        .split("data-action=\"")
        .skip(1)
        .map(|s| s.split('"').next().unwrap())
        .collect();
    let expected: Vec<&str> = item["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["action"].as_str().unwrap())
        .collect();
    assert_eq!(timeline, expected);
    assert!(
        timeline.contains(&"objected") && timeline.contains(&"amended"),
        "{timeline:?}"
    );
    // Each indicator's chart: its values as points (KH's quarters from the
    // releases, the reported percentage), baseline and target as lines.
    for ind in item["indicators"].as_array().unwrap() {
        let chart = dom
            .split(&format!(
                "data-chart=\"indicator-{}\"",
                ind["id"].as_str().unwrap()
            ))
            .nth(1)
            .unwrap_or_else(|| panic!("no chart for {ind}"));
        let chart = chart.split("</svg>").next().unwrap();
        let points = chart.matches("<circle").count();
        let values = ind["values"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|v| !v["value"].is_null())
            .count();
        assert_eq!(points, values, "{chart}");
        assert!(chart.contains("data-line=\"baseline\"") && chart.contains("data-line=\"target\""));
    }
    assert!(
        item["indicators"][0]["values"].as_array().unwrap().len() >= 4,
        "the KH series has the demo's four quarters"
    );
    assert!(
        dom.contains("data-answer=\""),
        "the objection's answer: {dom}"
    );
    // Pilots: each pilot record with its indicators' latest values and a chart
    // point per reported value; the older reports below.
    let pilots: serde_json::Value = serde_json::from_str(
        &view
            .pilots(pb::PlanFilter::default())
            .await?
            .into_inner()
            .json,
    )?;
    let dom = browser.dom(&link("/pilots"))?;
    ready(&dom, "/pilots");
    assert!(dom.contains("id=\"pilots\""), "{dom}");
    let records = pilots["pilots"].as_array().unwrap();
    assert_eq!(records.len(), 1, "the demo's pilot run by ID's MRC");
    for p in records {
        let section = dom
            .split(&format!("data-id=\"{}\"", p["id"].as_str().unwrap()))
            .nth(1)
            .unwrap()
            .split("</section>")
            .next()
            .unwrap();
        for ind in p["indicators"].as_array().unwrap() {
            let latest = &ind["latest"];
            assert!(
                section.contains(&format!(
                    "data-field=\"latest\">{} ({})<",
                    latest["value"].as_str().unwrap(),
                    latest["date"].as_str().unwrap()
                )),
                "{ind}: {section}"
            );
            let chart = section
                .split(&format!(
                    "data-chart=\"indicator-{}\"",
                    ind["id"].as_str().unwrap()
                ))
                .nth(1)
                .unwrap()
                .split("</svg>")
                .next()
                .unwrap();
            assert_eq!(
                chart.matches("<circle").count(),
                ind["values"].as_array().unwrap().len()
            );
        }
        assert_eq!(
            section.matches("data-field=\"by\">ID/id-mrc<").count(),
            p["reports"].as_array().unwrap().len()
        );
    }

    // Workshops: each one's participation as the view gives it, a suppressed
    // count written as such, never as a number.
    let workshops: serde_json::Value = serde_json::from_str(
        &view
            .workshops(pb::PlanFilter::default())
            .await?
            .into_inner()
            .json,
    )?;
    let dom = browser.dom(&link("/workshops"))?;
    ready(&dom, "/workshops");
    let countries = workshops["members"].as_array().unwrap();
    let origins: Vec<&str> = countries
        .iter()
        .map(|c| c["member"].as_str().unwrap())
        .collect();
    assert_eq!(
        origins,
        ["ID", "KH", "VN"],
        "one workshop per country of origin"
    );
    let page = cells(&dom);
    for c in countries {
        for w in c["workshops"].as_array().unwrap() {
            let row = dom
                .split(&format!("data-id=\"{}\"", w["id"].as_str().unwrap()))
                .nth(1)
                .unwrap_or_else(|| panic!("no row for {w}:\n{dom}"))
                .split("</tr>")
                .next()
                .unwrap();
            let total = &w["participants"]["total"];
            assert!(
                row.contains(&format!("data-value=\"{}\"", total["value"])),
                "{row}"
            );
            for (sex, f) in w["participants"]["by_sex"].as_object().unwrap() {
                let sex = remedy_core::labels::label("en", "sex", sex).text;
                let shown = if f["status"] == "suppressed" {
                    format!("{sex} suppressed")
                } else {
                    format!("{sex} {}", f["value"])
                };
                assert!(row.contains(&shown), "{shown}: {row}");
            }
        }
    }
    assert!(
        dom.contains("suppressed"),
        "the demo's workshops have small counts"
    );
    drop(page);
    let dom = browser.dom(&link("/partners"))?;
    ready(&dom, "/partners");
    for p in ["KH/kh-bar", "ID/id-mrc", "VN/vn-cso", "JP/jp-mirai"] {
        assert!(dom.contains(&format!("data-partner=\"{p}\"")), "{p}: {dom}");
    }

    // The network: heights as Federation.Status gives them, and the audit's verdict.
    let status = pb::federation_client::FederationClient::new(channel.clone())
        .status(pb::StatusRequest {})
        .await?
        .into_inner();
    let dom = browser.dom(&link("/network"))?;
    ready(&dom, "/network");
    let page = cells(&dom);
    for o in &status.origins {
        let row = dom
            .split(&format!("data-origin=\"{}\"", o.origin))
            .nth(1)
            .unwrap();
        let row = row.split("</tr>").next().unwrap();
        assert!(
            row.contains(&format!("data-field=\"height\">{}<", o.height)),
            "{}: {row}",
            o.origin
        );
    }
    assert_eq!(status.origins.len(), 4);
    assert!(
        dom.contains("data-passed=\"true\""),
        "no passed audit shown:\n{dom}"
    );
    assert!(dom.contains("id=\"forks\" data-count=\"0\""), "{dom}");
    drop(page);

    // Commands the demo printed run as pasted into a shell (the read-only
    // ones: views, the work plan, the audit, the bulletin).
    let bin_dir = binary("remedy").parent().unwrap().to_path_buf();
    let search_path = format!(
        "{}:{}",
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let pasted: Vec<&str> = printed
        .lines()
        .filter_map(|l| l.strip_prefix("      $ "))
        .filter(|c| {
            c.starts_with("remedy ")
                && [" view ", " audit verify", " workplan show ", " report "]
                    .iter()
                    .any(|w| c.contains(w))
        })
        .collect();
    assert!(pasted.len() >= 4, "{printed}");
    for command in &pasted {
        let out = Command::new("sh")
            .args(["-c", command])
            .env("PATH", &search_path)
            .current_dir(&out_dir)
            .output()?;
        assert!(
            out.status.success(),
            "pasted as printed, it fails: {command}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    // The demo wrote the bulletin of 2024-Q4; printed to PDF in headless
    // Chromium, its text holds the headline figure (all cases in the region,
    // as View.Stats gives it) and a verified proof for each member's release.
    bulletin_as_pdf(&ilo, &kh_addr.to_string(), &out_dir, &cases_q4)?;

    // Python's sdmx1 reads the SDMX REST API with a read token ILO made, and
    // the files the CLI exports; what it reads is what View.Stats says.
    sdmx_from_python(
        &ilo,
        &kh_addr.to_string(),
        &http_base,
        &cases_q4,
        tmp.path(),
    )?;

    // KH's operator signs in to KH's own dashboard and sees its inbox; the
    // coordinator sees the region's; KH's operator cannot sign in at VN.
    let kh_dir = fed.join("KH");
    let operator = Browser {
        profile: tmp.path().join("chromium-kh"),
        shots: shots.clone(),
        accept_lang: None,
    };
    // A page as KH's operator sees it: a fresh sign-in link from the CLI,
    // opened in the operator's own browser profile (its cookies kept).
    let kh_page = |page: &str| -> anyhow::Result<String> {
        let (ok, link, err) = remedy(&["--dir", path(&kh_dir), "dashboard", "--page", page])?;
        assert!(ok, "{err}");
        let dom = operator.dom(link.trim())?;
        ready(&dom, &format!("KH's {page}"));
        Ok(dom)
    };
    let dom = kh_page("/inbox")?;
    assert!(dom.contains("data-party=\"KH\""), "{dom}");
    // A first look: every peer's events are new, KH's own are not.
    assert!(dom.contains("id=\"first-look\""), "{dom}");
    for peer in ["ID", "VN", "JP"] {
        assert!(
            dom.contains(&format!("data-from=\"{peer}\"")),
            "{peer}'s events are new to KH: {dom}"
        );
    }
    assert!(!dom.contains("data-from=\"KH\""), "{dom}");
    // Marked as seen (the page's link), the cursor is kept in the browser:
    // the next look sends it and starts from there.
    let dom = kh_page("/inbox?mark=seen")?;
    assert!(
        !dom.contains("id=\"first-look\"") && dom.contains("id=\"nothing-new\""),
        "{dom}"
    );
    let dom = kh_page("/inbox")?;
    assert!(
        !dom.contains("id=\"first-look\"") && !dom.contains("events 1.."),
        "the cursor was kept: {dom}"
    );
    let dom = browser.dom(&link("/inbox"))?;
    ready(&dom, "ILO's /inbox");
    assert!(
        dom.contains("data-party=\"region\"") && dom.contains("data-kind=\"overdue\""),
        "the region's inbox names the overdue item: {dom}"
    );
    let vn_config = std::fs::read_to_string(fed.join("VN/node.toml"))?;
    let vn_addr = vn_config
        .lines()
        .find_map(|l| l.strip_prefix("listen = \""))
        .and_then(|l| l.strip_suffix('"'))
        .unwrap()
        .to_string();
    let (ok, _, err) = remedy(&["--dir", path(&kh_dir), "--node", &vn_addr, "dashboard"])?;
    assert!(
        !ok && err.contains("signs in to its own node's dashboard"),
        "{err}"
    );
    // KH's operator sees what its releases held back, recomputed from its
    // private log; the coordinator does not, at KH or anywhere else.
    let dom = kh_page("/mynode?period=2024-Q4")?;
    assert!(
        dom.contains("data-node=\"KH\"") && dom.contains("data-page=\"mynode\""),
        "{dom}"
    );
    let held = dom
        .split("id=\"held-back\"")
        .nth(1)
        .unwrap_or_else(|| panic!("a list of what was held back: {dom}"));
    assert!(held.contains("a count from 1 to"), "{held}");
    // Its imports, newest first, and the dry run of the release after its
    // latest; the replication of its peers.
    let imports = dom
        .split("id=\"imports\"")
        .nth(1)
        .unwrap_or_else(|| panic!("the import history: {dom}"));
    assert!(imports.contains("data-seq="), "{imports}");
    assert!(
        dom.contains("id=\"dry-run-link\" href=\"/mynode?preview=2025-Q2\""),
        "KH released up to 2025-Q1: the next is 2025-Q2, computed on request: {dom}"
    );
    assert!(dom.contains("id=\"replication\""), "{dom}");
    let dom = kh_page("/mynode?preview=2025-Q2")?;
    let dry = dom
        .split("id=\"dry-run\" data-period=\"2025-Q2\"")
        .nth(1)
        .unwrap_or_else(|| panic!("the dry run of 2025-Q2: {dom}"));
    assert!(
        dry.contains("data-table=\"channel-outcome\""),
        "each table's row: {dry}"
    );
    // A dry run of 2024-Q4 again: no case changed since its release, so the
    // node says a revision would publish the same figures.
    let dom = kh_page("/mynode?preview=2024-Q4")?;
    assert!(
        dom.contains("id=\"dry-run-error\"")
            && dom.contains("nothing changed since revision 1 of 2024-Q4"),
        "{dom}"
    );
    let dom = browser.dom(&link("/mynode"))?;
    assert!(
        dom.contains("id=\"error\"") && dom.contains("403") && !dom.contains("held-back"),
        "the coordinator never sees KH's held-back figures: {dom}"
    );
    assert!(
        !dom.contains("data-page=\"mynode\""),
        "no such link for the coordinator"
    );
    // The auditor AUD signs in at KH too: the region's inbox, and no
    // held-back figures.
    let aud = fed.join("AUD");
    let aud_link = |page: &str| link_as(&aud, page);
    let auditor = Browser {
        profile: tmp.path().join("chromium-aud"),
        shots: shots.clone(),
        accept_lang: None,
    };
    let dom = auditor.dom(&aud_link("/inbox"))?;
    ready(&dom, "AUD's /inbox");
    assert!(dom.contains("data-party=\"region\""), "{dom}");
    let dom = auditor.dom(&aud_link("/mynode?period=2024-Q4"))?;
    assert!(
        dom.contains("id=\"error\"") && !dom.contains("held-back"),
        "the auditor never sees KH's held-back figures: {dom}"
    );

    // KH's public page serves without sign-in, only the shared log's views;
    // VN's, not switched on, does not exist.
    public_page(
        &browser_for_public(&tmp, &shots),
        &http_base,
        &serde_json::json!(recs),
    )?;

    // Atom feeds parse with Python's feedparser and hold what the inbox holds.
    feeds_from_python(&fed, &kh_addr.to_string(), &http_base)?;

    // The browser's language: Khmer, then Japanese. Navigation, headings and
    // code labels are the Fluent files' texts; codes stay in data attributes.
    for lang in ["km", "ja"] {
        let ui = fluent(&format!("ui-{lang}"));
        let labels = fluent(lang);
        let english = fluent("ui-en");
        let browser = Browser {
            profile: tmp.path().join(format!("chromium-{lang}")),
            shots: shots.clone(),
            accept_lang: Some(lang),
        };
        let dom = browser.dom(&link("/"))?;
        ready(&dom, &format!("/ in {lang}"));
        assert!(dom.contains(&format!("<html lang=\"{lang}\"")), "{dom}");
        for page in [
            "overview",
            "recommendations",
            "workplan",
            "workshops",
            "pilots",
            "partners",
            "network",
        ] {
            let id = format!("ui-nav-{page}");
            let text = &ui[&id];
            assert_ne!(text, &english[&id], "{id} is translated into {lang}");
            let link_text = dom
                .split(&format!("data-i18n=\"{id}\""))
                .nth(1)
                .and_then(|rest| rest.split_once('>'))
                .map(|(_, rest)| rest.split('<').next().unwrap());
            assert_eq!(link_text, Some(text.as_str()), "{id} in {lang}");
        }
        for id in [
            "ui-overview-title",
            "ui-over-time",
            "ui-cases-by-outcome",
            "ui-mentions-note",
        ] {
            assert!(
                dom.contains(&fixed_part(&ui[id])),
                "{id} in {lang}: {}",
                ui[id]
            );
        }
        assert!(
            dom.contains(&format!(">{}</th>", ui["ui-all-cases"])),
            "{dom}"
        );
        // Grievances and outcomes: the rows and columns of the overview's tables.
        for (list, code) in [
            ("grievance", "unpaid-wages"),
            ("grievance", "document-retention"),
            ("outcome", "pending"),
        ] {
            let text = &labels[&format!("{list}-{code}")];
            assert!(
                dom.contains(&format!("data-code=\"{code}\">{text}</th>")),
                "{list}-{code} in {lang}: {text}"
            );
        }
        // The suppressed cells say so in the language.
        assert!(
            dom.contains(&format!(">{}</td>", ui["ui-figure-suppressed"])),
            "{lang}"
        );
        assert!(
            !dom.contains("id=\"fallback\""),
            "every text translated into {lang}"
        );
        let dom = browser.dom(&link("/workshops"))?;
        ready(&dom, &format!("/workshops in {lang}"));
        assert!(
            dom.contains(&fixed_part(&ui["ui-col-by-sex"])),
            "{lang}: {dom}"
        );
        assert!(dom.contains(&labels["sex-female"]), "{lang}: {dom}");
        let dom = browser.dom(&link("/recommendations"))?;
        ready(&dom, &format!("/recommendations in {lang}"));
        for r in recs {
            let row = dom
                .split(&format!("data-id=\"{}\"", r["id"].as_str().unwrap()))
                .nth(1)
                .unwrap()
                .split("</tr>")
                .next()
                .unwrap();
            for (list, code) in [
                ("theme", &r["theme"]),
                ("recommendation-status", &r["status"]),
            ] {
                let text = &labels[&format!("{list}-{}", code.as_str().unwrap())];
                assert!(
                    row.contains(&format!(">{text}</td>")),
                    "{list} in {lang}: {row}"
                );
            }
        }
        // The switch: a language chosen stays chosen, whatever the browser asks.
        let dom = browser.dom(&format!("{http_base}/lang?set=vi&next=/partners"))?;
        ready(&dom, "/partners after the switch");
        let vi = fluent("ui-vi");
        assert!(dom.contains("<html lang=\"vi\""), "{dom}");
        assert!(dom.contains(&fixed_part(&vi["ui-nav-partners"])), "{dom}");
        let dom = browser.dom(&format!("{http_base}/network"))?;
        ready(&dom, "/network, remembered");
        assert!(
            dom.contains("<html lang=\"vi\""),
            "the choice is remembered: {dom}"
        );
        assert!(dom.contains(&fixed_part(&vi["ui-peers"])), "{dom}");
        browser.screenshot(
            &format!("{http_base}/lang?set={lang}&next=/"),
            &format!("overview-{lang}"),
        )?;
    }

    let item_page = format!("/workplan?item={id}");
    for page in [
        "/",
        "/recommendations",
        "/workplan",
        item_page.as_str(),
        "/pilots",
        "/workshops",
        "/partners",
        "/network",
    ] {
        let name = match page {
            "/" => "overview",
            p if p.contains('?') => "workplan-item",
            p => &p[1..],
        };
        let file = browser.screenshot(&link(page), name)?;
        println!("screenshot {}", file.display());
    }

    // Ctrl-C stops every node the demo started.
    let pid = nix::unistd::Pid::from_raw(demo.0.id() as i32);
    nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGINT)?;
    let deadline = Instant::now() + Duration::from_secs(30);
    let exit = loop {
        if let Some(status) = demo.0.try_wait()? {
            break status;
        }
        assert!(
            Instant::now() < deadline,
            "the demo did not stop after Ctrl-C"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(exit.success(), "{exit:?}");
    for m in ["KH", "ID", "VN", "JP"] {
        let config = std::fs::read_to_string(fed.join(m).join("node.toml"))?;
        let addr = config
            .lines()
            .find_map(|l| l.strip_prefix("listen = \""))
            .and_then(|l| l.strip_suffix('"'))
            .unwrap();
        assert!(
            std::net::TcpStream::connect(addr).is_err(),
            "{m}'s node still listens on {addr}"
        );
    }
    Ok(())
}

//! The main job and the dashboard in a real browser.
//!
//! `remedy demo --exit` runs the whole federation (four node processes, cases,
//! releases, recommendations, an endorsed work-plan item, the audit) and exits with
//! the audit's verdict, every node under 100 MiB. Then a demo that serves is driven
//! with headless Chromium (Debian's `chromium`): each dashboard page, entered with a
//! one-time link as the coordinator, must show the numbers the `View` and
//! `Federation` services return (suppressed cells as suppressed, never as zero),
//! render in under a second, and is saved as a screenshot. Ctrl-C stops every
//! process the demo started.

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
        "[7] audit passed",
        "verdict: PASS: 4 origins",
        "[agreed]",
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

/// One `<td>` of a page: its attributes and its text.
#[derive(Debug)]
struct Cell {
    attrs: BTreeMap<String, String>,
    text: String,
}

/// The `<td>` elements of serialized HTML, in order.
fn cells(html: &str) -> Vec<Cell> {
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(start) = rest.find("<td") {
        rest = &rest[start + 3..];
        let Some(end) = rest.find('>') else { break };
        let attrs = parse_attrs(&rest[..end]);
        rest = &rest[end + 1..];
        let close = rest.find("</td>").unwrap_or(rest.len());
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

struct Browser {
    profile: PathBuf,
    shots: PathBuf,
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
    };
    let link = |page: &str| -> String {
        let (ok, out, err) = remedy(&[
            "--dir",
            path(&ilo),
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
    };
    let unsigned = fresh.dom(&format!("{http_base}/workplan"))?;
    assert!(
        unsigned.contains("Sign in with a one-time link"),
        "{unsigned}"
    );

    // Overview: every figure of 2024-Q4 as the View service gives it.
    let stats: serde_json::Value = serde_json::from_str(
        &view
            .stats(pb::StatsRequest {
                table: "grievance-outcome".into(),
                from_period: "2000-Q1".into(),
                to_period: "2099-Q4".into(),
                ..Default::default()
            })
            .await?
            .into_inner()
            .json,
    )?;
    let q4 = stats["periods"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["period"] == "2024-Q4")
        .unwrap();
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
    for m in q4["members"].as_array().unwrap() {
        let member = m["member"].as_str().unwrap();
        let columns = m["columns"].as_array().unwrap();
        for (i, row) in m["rows"].as_array().unwrap().iter().enumerate() {
            let row = row.as_str().unwrap();
            for (j, col) in columns.iter().enumerate() {
                let figure = &m["cells"][i][j];
                let found = find(
                    &page,
                    &[
                        ("data-member", member),
                        ("data-period", "2024-Q4"),
                        ("data-row", row),
                        ("data-col", col.as_str().unwrap()),
                    ],
                );
                assert_eq!(found.len(), 1, "{member} {row} {col}");
                check(found[0], figure);
                checked += 1;
                suppressed += usize::from(figure["status"] == "suppressed");
            }
            let total = find(
                &page,
                &[
                    ("data-member", member),
                    ("data-row", row),
                    ("data-col", "total"),
                ],
            );
            check(total[0], &m["row_totals"][i]);
        }
        let total = find(
            &page,
            &[
                ("data-member", member),
                ("data-row", "total"),
                ("data-col", "total"),
            ],
        );
        check(total[0], &m["total"]);
    }
    for (i, row) in q4["regional"]["rows"]
        .as_array()
        .unwrap()
        .iter()
        .enumerate()
    {
        let found = find(
            &page,
            &[
                ("data-member", "region"),
                ("data-row", row.as_str().unwrap()),
                ("data-col", "total"),
            ],
        );
        check(found[0], &q4["regional"]["row_totals"][i]);
    }
    assert!(checked >= 4 * 13 * 7, "{checked} cells checked");
    assert!(
        suppressed > 0,
        "the demo data should have suppressed cells to show"
    );
    // The charts are drawn, with a point per published quarter.
    assert!(dom.contains("<svg class=\"chart\""), "no chart");
    assert!(dom.matches("<circle").count() >= 4 * 4, "too few points");
    println!("overview: {checked} cells ({suppressed} suppressed) as the View service gives them");

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
    assert_eq!(recs.len(), 4);
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
    assert!(per_member.iter().all(|c| c.text == "1"), "{per_member:?}");

    // The work plan: the item and its endorsement matrix.
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
    assert!(dom.contains(&format!("data-id=\"{}\"", item["id"].as_str().unwrap())));
    assert!(
        dom.contains(&format!(">{}</strong>", item["status"].as_str().unwrap())),
        "{dom}"
    );
    let page = cells(&dom);
    for position in item["positions"].as_array().unwrap() {
        let (member, p) = (
            position[0].as_str().unwrap(),
            position[1]["position"].as_str().unwrap(),
        );
        let found = find(&page, &[("data-member", member)]);
        assert_eq!(found.len(), 1, "{member}");
        assert_eq!(found[0].attrs["data-position"], p, "{member}");
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

    for page in ["/", "/recommendations", "/workplan", "/network"] {
        let name = if page == "/" { "overview" } else { &page[1..] };
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

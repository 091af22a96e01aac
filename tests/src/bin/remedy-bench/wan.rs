//! The network as it will run: real `remedy-node` processes whose connections
//! to each other (and the auditor's to a node) go through the userspace link
//! emulator of `remedy_tests::wan`, with the region's round trips, agency
//! uplinks, loss and outages. The harness itself watches each node directly
//! over loopback, so what it measures is the nodes' behaviour over the links.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use remedy_core::LogKind;
use remedy_proto::v1 as pb;
use remedy_tests::federation::{
    Started, append_notes, channel_as, heights, start_all, wait_connected, wait_heights,
};
use remedy_tests::wan::{self, Outage, Path as LinkPath, Wan};
use remedy_tests::{binary, bootstrap};
use tonic::transport::Channel;

use super::PAYLOAD;

const REGION: [&str; 4] = ["KH", "ID", "VN", "JP"];

/// Propagation of one append to every other member.
#[derive(Clone, Debug, Default)]
pub struct Propagation {
    pub samples: usize,
    pub median_ms: f64,
    pub p99_ms: f64,
    /// The slowest round trip from the origin to another member.
    pub slowest_rtt_ms: f64,
}

impl Propagation {
    /// 1.5 × the slowest path's round trip + 50 ms (the target).
    pub fn target_ms(&self) -> f64 {
        1.5 * self.slowest_rtt_ms + 50.0
    }
}

/// A fresh node catching up a peer's log over one link.
#[derive(Clone, Debug, Default)]
pub struct CatchUp {
    pub events: u64,
    pub seconds: f64,
    /// Bytes the serving node sent through the link (TLS records, HTTP/2).
    pub bytes: u64,
    pub rtt_ms: f64,
    pub link_bps: f64,
    pub loss: f64,
    /// The follower asked for gzip-compressed pages.
    pub gzip: bool,
}

impl CatchUp {
    pub fn bits_per_s(&self) -> f64 {
        self.bytes as f64 * 8.0 / self.seconds
    }

    /// What the link can carry: its uplink, or with loss the Mathis bound
    /// when lower.
    pub fn limit_bps(&self) -> f64 {
        if self.loss > 0.0 {
            let mathis = wan::MSS * 8.0 / (self.rtt_ms / 1000.0) * 1.22 / self.loss.sqrt();
            mathis.min(self.link_bps)
        } else {
            self.link_bps
        }
    }
}

/// One member silent for a while, the others appending.
#[derive(Clone, Debug, Default)]
pub struct OutageFigures {
    pub silent_s: f64,
    /// Median propagation among the others while it was out.
    pub others_median_ms: f64,
    /// Events the others appended meanwhile.
    pub appended: u64,
    /// From the link healing until the member held every event.
    pub converge_s: f64,
    /// The KH–JP link alone silent for as long: KH's appends reaching JP
    /// through the others meanwhile (median, samples).
    pub relayed_median_ms: f64,
    pub relayed: u64,
    /// From that link healing until KH and JP held each other's every event.
    pub link_converge_s: f64,
}

/// The auditor over a slow link, beside the same on loopback.
#[derive(Clone, Debug, Default)]
pub struct AuditFigures {
    pub events: u64,
    pub rtt_ms: f64,
    pub link_bps: f64,
    pub verify_loopback_s: f64,
    pub verify_wan_s: f64,
    pub export_loopback_s: f64,
    pub export_wan_s: f64,
    /// Bytes the node sent to the auditor over the link, verify and export.
    pub verify_bytes: u64,
    pub export_bytes: u64,
}

#[derive(Clone, Debug, Default)]
pub struct WanFigures {
    pub propagation: Propagation,
    pub propagation_loss: Propagation,
    pub catch_up: CatchUp,
    pub catch_up_gzip: CatchUp,
    pub catch_up_loss: CatchUp,
    pub outage: OutageFigures,
    pub audit: AuditFigures,
    /// Peers' last errors and events refused during the loss runs, if any.
    pub loss_errors: Vec<String>,
}

/// Every WAN figure; `quick` for a smoke run.
pub async fn all(dir: &Path, quick: bool) -> anyhow::Result<WanFigures> {
    let samples = if quick { 10 } else { 100 };
    eprintln!("  WAN: propagation over the region's links");
    let propagation = region_propagation(&dir.join("PROP"), 0.0, samples).await?;
    eprintln!("  WAN: propagation with 1% loss on every link");
    let (propagation_loss, mut loss_errors) =
        region_propagation_with_errors(&dir.join("PROPLOSS"), 0.01, samples).await?;
    let catch_up_events = if quick { 5_000 } else { 100_000 };
    eprintln!("  WAN: catch-up of {catch_up_events} events over 100 ms, 10 Mbit/s");
    let catch_up = catch_up_over(&dir.join("CATCHUP"), catch_up_events, 0.0, false).await?;
    eprintln!("  WAN: the same, the follower asking for gzip");
    let catch_up_gzip = catch_up_over(&dir.join("CATCHUPGZ"), catch_up_events, 0.0, true).await?;
    let loss_events = if quick { 1_000 } else { 10_000 };
    eprintln!("  WAN: catch-up of {loss_events} events with 1% loss");
    let catch_up_loss = catch_up_over(&dir.join("CATCHUPLOSS"), loss_events, 0.01, false).await?;
    let silent = if quick { 5.0 } else { 30.0 };
    eprintln!("  WAN: VN silent for {silent} s");
    let outage = outage(&dir.join("OUTAGE"), silent).await?;
    let audit_events = if quick { 2_000 } else { 20_000 };
    eprintln!("  WAN: the auditor over a 200 ms link, {audit_events} events");
    let audit = audit(&dir.join("AUDIT"), audit_events).await?;
    loss_errors.dedup();
    Ok(WanFigures {
        propagation,
        propagation_loss,
        catch_up,
        catch_up_gzip,
        catch_up_loss,
        outage,
        audit,
        loss_errors,
    })
}

/// The four members over the region's links (with `loss` on each), every
/// node started, connected, and a coordinator ILO to observe with.
async fn region(dir: &Path, loss: f64) -> anyhow::Result<(Arc<Wan>, std::path::PathBuf, Started)> {
    let fed = dir.join("fed");
    bootstrap(&fed, "KH,ID,VN,JP", &["--coordinator", "ILO"])?;
    let net = Wan::new();
    wan::route_all(
        &net,
        &fed,
        &REGION,
        |a, b| LinkPath {
            loss,
            ..wan::region_path(a, b)
        },
        |m| wan::site(m).map(|s| s.uplink_bps),
    )
    .await?;
    let started = start_all(&fed, &REGION).await?;
    wait_connected(&started.channels, Duration::from_secs(60)).await?;
    Ok((net, fed, started))
}

fn slowest_rtt_ms(origin: &str) -> f64 {
    REGION
        .iter()
        .filter(|m| **m != origin)
        .map(|m| wan::region_path(origin, m).rtt.as_secs_f64() * 1000.0)
        .fold(0.0, f64::max)
}

async fn region_propagation(dir: &Path, loss: f64, samples: usize) -> anyhow::Result<Propagation> {
    Ok(region_propagation_with_errors(dir, loss, samples).await?.0)
}

/// Appends at KH, one at a time, and times each until ID, VN and JP all serve
/// it; returns the figures and what any node reported as a peer's error or a
/// refused event.
async fn region_propagation_with_errors(
    dir: &Path,
    loss: f64,
    samples: usize,
) -> anyhow::Result<(Propagation, Vec<String>)> {
    let (_net, fed, started) = region(dir, loss).await?;
    let delays = propagation_samples(&fed, &started, "KH", &["ID", "VN", "JP"], samples, 0).await?;
    let mut errors = Vec::new();
    for (m, channel) in &started.channels {
        let status = remedy_tests::federation::status(channel.clone()).await?;
        for p in status.peers.iter().filter(|p| !p.last_error.is_empty()) {
            errors.push(format!("{m} from {}: {}", p.member, p.last_error));
        }
        for r in &status.rejected {
            errors.push(format!("{m} refused {}: {}", r.count, r.reason));
        }
    }
    Ok((summary(delays, slowest_rtt_ms("KH")), errors))
}

fn summary(mut delays: Vec<f64>, slowest_rtt_ms: f64) -> Propagation {
    delays.sort_by(f64::total_cmp);
    let at = |q: f64| delays[((delays.len() as f64 * q) as usize).min(delays.len() - 1)];
    Propagation {
        samples: delays.len(),
        median_ms: at(0.5),
        p99_ms: at(0.99),
        slowest_rtt_ms,
    }
}

/// Milliseconds from the start of each of `samples` appends at `origin`
/// until every one of `to` serves the event; the harness follows `origin`'s
/// log at each of them directly (as the coordinator ILO), from `origin`'s
/// next event; `pause_ms` between samples.
pub async fn propagation_samples(
    fed: &Path,
    started: &Started,
    origin: &str,
    to: &[&str],
    samples: usize,
    pause_ms: u64,
) -> anyhow::Result<Vec<f64>> {
    let origin_channel = started.channels[origin].clone();
    let mut next = heights(origin_channel.clone()).await?[origin] + 1;
    let (arrivals, mut arrived) = tokio::sync::mpsc::unbounded_channel();
    let mut observers = tokio::task::JoinSet::new();
    for m in to {
        let addr: std::net::SocketAddr = started.addrs[*m].parse()?;
        let channel = channel_as(&fed.join("ILO"), Some(addr)).await?;
        let (arrivals, m, origin) = (arrivals.clone(), m.to_string(), origin.to_string());
        observers.spawn(async move {
            let mut log = pb::log_client::LogClient::new(channel);
            let mut stream = log
                .follow(pb::FollowRequest {
                    from: vec![pb::Position {
                        origin,
                        next_seq: next,
                    }],
                })
                .await?
                .into_inner();
            while let Some(page) = stream.message().await? {
                let now = Instant::now();
                for event in page.events {
                    let seq = remedy_core::SignedEvent::decode(event.raw)?.seq();
                    let _ = arrivals.send((m.clone(), seq, now));
                }
            }
            anyhow::Ok(())
        });
    }
    let mut delays = Vec::with_capacity(samples);
    for _ in 0..samples {
        let seq = next;
        next += 1;
        let sent = Instant::now();
        append_notes(origin_channel.clone(), LogKind::Shared, seq, 1, PAYLOAD).await?;
        let mut seen = std::collections::BTreeSet::new();
        let mut last = sent;
        while seen.len() < to.len() {
            let Ok(Some((m, s, at))) =
                tokio::time::timeout(Duration::from_secs(60), arrived.recv()).await
            else {
                bail!("{origin}'s event {seq} did not reach {to:?} within 60 s");
            };
            if s == seq && seen.insert(m) {
                last = last.max(at);
            }
        }
        delays.push(last.duration_since(sent).as_secs_f64() * 1000.0);
        if pause_ms > 0 {
            tokio::time::sleep(Duration::from_millis(pause_ms)).await;
        }
    }
    observers.abort_all();
    Ok(delays)
}

/// KH holds `n` events; VN starts and catches them up over one link of
/// 100 ms round trip, KH's uplink 10 Mbit/s, with `loss`. Timed from VN's
/// start until it holds them all.
async fn catch_up_over(dir: &Path, n: u64, loss: f64, gzip: bool) -> anyhow::Result<CatchUp> {
    let fed = dir.join("fed");
    bootstrap(&fed, "KH,VN", &[])?;
    let net = Wan::new();
    let rtt = Duration::from_millis(100);
    let link_bps = 10e6;
    wan::route_all(
        &net,
        &fed,
        &["KH", "VN"],
        |_, _| LinkPath {
            rtt,
            jitter: Duration::from_millis(5),
            loss,
        },
        |m| (m == "KH").then_some(link_bps),
    )
    .await?;
    let kh_dir = remedy_tests::NodeDir::open(&fed.join("KH"))?;
    let _kh = kh_dir.start().await?;
    let kh = channel_as(&kh_dir.dir, None).await?;
    append_notes(kh.clone(), LogKind::Shared, 1, n, PAYLOAD).await?;
    if gzip {
        remedy_tests::edit_config(&fed.join("VN"), |config| {
            config.compress_follow = true;
            Ok(())
        })?;
    }
    let vn_dir = remedy_tests::NodeDir::open(&fed.join("VN"))?;
    let before = net.bytes_sent("KH");
    let started = Instant::now();
    let _vn = vn_dir.start().await?;
    let vn: BTreeMap<String, Channel> =
        [("VN".to_string(), channel_as(&vn_dir.dir, None).await?)].into();
    wait_heights(
        &vn,
        &[("KH".to_string(), n)].into(),
        Duration::from_secs(1200),
    )
    .await?;
    Ok(CatchUp {
        events: n,
        seconds: started.elapsed().as_secs_f64(),
        bytes: net.bytes_sent("KH") - before,
        rtt_ms: rtt.as_secs_f64() * 1000.0,
        link_bps,
        loss,
        gzip,
    })
}

/// VN's links go silent for `silent_s` while KH appends an event every
/// 250 ms (timed to ID and JP); then they heal, and the time until VN holds
/// every event is measured.
async fn outage(dir: &Path, silent_s: f64) -> anyhow::Result<OutageFigures> {
    let (net, fed, started) = region(dir, 0.0).await?;
    net.outage("VN", Outage::Silent);
    let out = Instant::now();
    let mut delays = Vec::new();
    while out.elapsed().as_secs_f64() < silent_s {
        delays.extend(propagation_samples(&fed, &started, "KH", &["ID", "JP"], 1, 250).await?);
    }
    let appended = delays.len() as u64;
    let mut want = BTreeMap::new();
    for m in REGION {
        want.insert(
            m.to_string(),
            heights(started.channels[m].clone()).await?[m],
        );
    }
    let vn: BTreeMap<String, Channel> = [("VN".to_string(), started.channels["VN"].clone())].into();
    let silent = out.elapsed().as_secs_f64();
    net.outage("VN", Outage::Up);
    let converge = wait_heights(&vn, &want, Duration::from_secs(300))
        .await
        .context("VN after the outage")?;
    let others = summary(delays, 0.0);

    // The KH–JP link alone goes silent: KH's events reach JP through ID and
    // VN, which follow both.
    net.link_outage("KH", "JP", Outage::Silent);
    let out = Instant::now();
    let mut relayed = Vec::new();
    while out.elapsed().as_secs_f64() < silent_s {
        relayed.extend(propagation_samples(&fed, &started, "KH", &["JP"], 1, 250).await?);
    }
    append_notes(
        started.channels["JP"].clone(),
        LogKind::Shared,
        1,
        1,
        PAYLOAD,
    )
    .await?;
    let mut want = BTreeMap::new();
    for m in ["KH", "JP"] {
        want.insert(
            m.to_string(),
            heights(started.channels[m].clone()).await?[m],
        );
    }
    let pair: BTreeMap<String, Channel> = ["KH", "JP"]
        .iter()
        .map(|m| (m.to_string(), started.channels[*m].clone()))
        .collect();
    net.link_outage("KH", "JP", Outage::Up);
    let link_converge = wait_heights(&pair, &want, Duration::from_secs(300))
        .await
        .context("KH and JP after their link's outage")?;
    let relayed_n = relayed.len() as u64;
    Ok(OutageFigures {
        silent_s: silent,
        others_median_ms: others.median_ms,
        appended,
        converge_s: converge.as_secs_f64(),
        relayed_median_ms: summary(relayed, 0.0).median_ms,
        relayed: relayed_n,
        link_converge_s: link_converge.as_secs_f64(),
    })
}

/// Times `remedy audit verify` and `audit export` of KH's log of `n` events
/// on loopback and through a 200 ms link with KH's 5 Mbit/s uplink, one after
/// the other.
async fn audit(dir: &Path, n: u64) -> anyhow::Result<AuditFigures> {
    let fed = dir.join("fed");
    bootstrap(&fed, "KH", &["--auditor", "AUD"])?;
    // The auditor dials the endpoint the manifest names; KH listens on
    // another port, and a link on the endpoint carries the auditor's
    // connection to it: first one without delay, then the slow one.
    let endpoint = remedy_tests::NodeDir::open(&fed.join("KH"))?.addr;
    let listen = remedy_tests::free_addr();
    remedy_tests::edit_config(&fed.join("KH"), |config| {
        config.listen = listen;
        Ok(())
    })?;
    let kh_dir = remedy_tests::NodeDir::open(&fed.join("KH"))?;
    let _kh = kh_dir.start().await?;
    let kh = channel_as(&kh_dir.dir, None).await?;
    append_notes(kh.clone(), LogKind::Shared, 1, n, PAYLOAD).await?;
    let link_bps = wan::site("KH").map_or(5e6, |s| s.uplink_bps);
    let rtt = Duration::from_millis(200);
    let direct = Wan::new();
    direct
        .link_at(
            endpoint,
            "AUD",
            "KH",
            listen,
            LinkPath {
                rtt: Duration::ZERO,
                jitter: Duration::ZERO,
                loss: 0.0,
            },
        )
        .await?;
    let aud = fed.join("AUD");
    let run = |addr: std::net::SocketAddr, args: Vec<String>| {
        let aud = aud.clone();
        async move {
            let started = Instant::now();
            let output = tokio::process::Command::new(binary("remedy"))
                .args([
                    "--dir",
                    &aud.display().to_string(),
                    "--node",
                    &addr.to_string(),
                ])
                .args(&args)
                .output()
                .await?;
            if !output.status.success() {
                bail!(
                    "remedy {args:?}: {}{}",
                    String::from_utf8_lossy(&output.stdout),
                    String::from_utf8_lossy(&output.stderr)
                );
            }
            anyhow::Ok(started.elapsed().as_secs_f64())
        }
    };
    let verify = || {
        ["--format", "json", "audit", "verify", "--origin", "KH"]
            .map(String::from)
            .to_vec()
    };
    let export = |name: &str| {
        vec![
            "audit".into(),
            "export".into(),
            "--origin".into(),
            "KH".into(),
            "--out".into(),
            dir.join(name).display().to_string(),
        ]
    };
    let verify_loopback_s = run(endpoint, verify()).await?;
    let export_loopback_s = run(endpoint, export("loopback.bundle")).await?;
    drop(direct);
    let net = Wan::new();
    net.set_uplink("KH", Some(link_bps));
    net.link_at(
        endpoint,
        "AUD",
        "KH",
        listen,
        LinkPath {
            rtt,
            jitter: Duration::from_millis(10),
            loss: 0.0,
        },
    )
    .await?;
    let before = net.bytes_sent("KH");
    let verify_wan_s = run(endpoint, verify()).await?;
    let verify_bytes = net.bytes_sent("KH") - before;
    let before = net.bytes_sent("KH");
    let export_wan_s = run(endpoint, export("wan.bundle")).await?;
    let export_bytes = net.bytes_sent("KH") - before;
    let same = std::fs::read(dir.join("loopback.bundle"))?.len()
        == std::fs::read(dir.join("wan.bundle"))?.len();
    if !same {
        bail!("the two bundles differ in size");
    }
    Ok(AuditFigures {
        events: n,
        rtt_ms: rtt.as_secs_f64() * 1000.0,
        link_bps,
        verify_loopback_s,
        verify_wan_s,
        export_loopback_s,
        export_wan_s,
        verify_bytes,
        export_bytes,
    })
}

/// The WAN section of BENCHMARKS.md: each figure beside its target and the
/// link's own limit.
pub fn section(s: &mut String, f: &WanFigures) {
    use std::fmt::Write as _;
    let _ = writeln!(
        s,
        "Real nodes whose connections to each other go through the link emulator of `tests/src/wan.rs` (userspace, no privileges): round trips modelled from the great-circle distance between the cities (× 3.2 / c, + 20 ms of access networks; the table and its source are in that file), each member's uplink shared by its connections, loss as its effect on a TCP stream (each lost 1,448-byte segment holds the stream one round trip; the rate capped at the Mathis bound), silent outages held until TCP's next backed-off retransmission. The harness watches each node directly over loopback.\n"
    );
    let _ = writeln!(
        s,
        "| link | round trip | uplink of the first |\n|---|---:|---:|"
    );
    for (i, a) in REGION.iter().enumerate() {
        for b in &REGION[i + 1..] {
            let _ = writeln!(
                s,
                "| {a}–{b} ({} – {}) | {:.0} ms | {:.0} Mbit/s |",
                wan::site(a).map_or("", |x| x.city),
                wan::site(b).map_or("", |x| x.city),
                wan::region_path(a, b).rtt.as_secs_f64() * 1000.0,
                wan::site(a).map_or(0.0, |x| x.uplink_bps / 1e6)
            );
        }
    }
    let _ = writeln!(
        s,
        "\n| figure | value | the link's limit | target | met |\n|---|---:|---|---|---|"
    );
    let yes = |ok: bool| if ok { "yes" } else { "**no**" };
    for (what, p) in [
        ("", &f.propagation),
        (", 1% loss on every link", &f.propagation_loss),
    ] {
        let _ = writeln!(
            s,
            "| propagation: one append at KH until ID, VN and JP serve it{what}, median of {} | {:.0} ms | slowest path KH–JP {:.0} ms round trip | ≤ {:.0} ms | {} |",
            p.samples,
            p.median_ms,
            p.slowest_rtt_ms,
            p.target_ms(),
            yes(p.median_ms <= p.target_ms())
        );
        let _ = writeln!(
            s,
            "| propagation{what}, p99 | {:.0} ms | | ≤ {:.0} ms | {} |",
            p.p99_ms,
            p.target_ms(),
            yes(p.p99_ms <= p.target_ms())
        );
    }
    for c in [&f.catch_up, &f.catch_up_gzip, &f.catch_up_loss] {
        let loss = if c.loss > 0.0 {
            format!(", {:.0}% loss", c.loss * 100.0)
        } else if c.gzip {
            ", pages gzipped (`compress_follow`)".to_string()
        } else {
            String::new()
        };
        let limit = if c.loss > 0.0 {
            format!(
                "{:.2} Mbit/s (the Mathis bound under the {:.0} Mbit/s uplink)",
                c.limit_bps() / 1e6,
                c.link_bps / 1e6
            )
        } else {
            format!("{:.0} Mbit/s uplink", c.link_bps / 1e6)
        };
        let per_s = |c: &CatchUp| c.events as f64 / c.seconds;
        let per_event = |c: &CatchUp| c.bytes as f64 / c.events as f64;
        let row = format!(
            "| catch-up of {} events over {:.0} ms{loss}: {:.1} s, {:.0} events/s, {:.0} bytes on the wire per event | {:.2} Mbit/s | {limit} |",
            c.events,
            c.rtt_ms,
            c.seconds,
            per_s(c),
            per_event(c),
            c.bits_per_s() / 1e6,
        );
        let share = c.bits_per_s() / c.limit_bps();
        // Gzipped pages carry the same events in fewer bytes: their yardstick
        // is events per second beside the plain pages', not the link's share.
        let plain = &f.catch_up;
        let _ = if c.gzip {
            writeln!(
                s,
                "{row} more events/s than plain pages | {:.2}× the events/s, {:.0}% of the bytes per event {} |",
                per_s(c) / per_s(plain),
                100.0 * per_event(c) / per_event(plain),
                yes(per_s(c) > per_s(plain))
            )
        } else {
            writeln!(
                s,
                "{row} ≥ 80% of the limit | {:.0}% {} |",
                share * 100.0,
                yes(share >= 0.8)
            )
        };
    }
    let o = &f.outage;
    let _ = writeln!(
        s,
        "| VN silent for {:.0} s: the others meanwhile (KH to ID and JP, {} appends), median | {:.0} ms | KH–JP {:.0} ms round trip | as without the outage | — |",
        o.silent_s,
        o.appended,
        o.others_median_ms,
        wan::region_path("KH", "JP").rtt.as_secs_f64() * 1000.0,
    );
    let _ = writeln!(
        s,
        "| VN silent: from the link healing until VN holds every event | {:.1} s | | — | — |",
        o.converge_s
    );
    let _ = writeln!(
        s,
        "| the KH–JP link alone silent for {:.0} s: KH's appends reaching JP through ID and VN ({} appends), median | {:.0} ms | via VN {:.0} ms of one-way delays (KH–VN + VN–JP), direct {:.0} ms | relayed | — |",
        o.silent_s,
        o.relayed,
        o.relayed_median_ms,
        (wan::region_path("KH", "VN").rtt + wan::region_path("VN", "JP").rtt).as_secs_f64() * 500.0,
        wan::region_path("KH", "JP").rtt.as_secs_f64() * 500.0,
    );
    let _ = writeln!(
        s,
        "| KH–JP silent: from the link healing until KH and JP hold each other's every event | {:.1} s | | — | — |",
        o.link_converge_s
    );
    let a = &f.audit;
    for (what, wan_s, loop_s, bytes) in [
        (
            "verify",
            a.verify_wan_s,
            a.verify_loopback_s,
            a.verify_bytes,
        ),
        (
            "export",
            a.export_wan_s,
            a.export_loopback_s,
            a.export_bytes,
        ),
    ] {
        let floor = bytes as f64 * 8.0 / a.link_bps;
        let _ = writeln!(
            s,
            "| `audit {what}` of {} events over {:.0} ms, KH's {:.0} Mbit/s uplink (loopback {:.2} s) | {:.1} s | {:.1} s to send its {:.1} MB; {:.0} round trips of overhead beyond that and loopback | — | — |",
            a.events,
            a.rtt_ms,
            a.link_bps / 1e6,
            loop_s,
            wan_s,
            floor,
            bytes as f64 / 1e6,
            ((wan_s - loop_s - floor) / (a.rtt_ms / 1000.0)).max(0.0)
        );
    }
    if f.loss_errors.is_empty() {
        let _ = writeln!(
            s,
            "\nWith 1% loss no node reported a peer's error or refused an event."
        );
    } else {
        let _ = writeln!(s, "\nWith 1% loss the nodes reported:\n");
        for e in &f.loss_errors {
            let _ = writeln!(s, "- {e}");
        }
    }
}

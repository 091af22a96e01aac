//! Bounded resources: `/metrics` stays parsable and bounded whatever paths
//! clients call; the HTTP side closes half-sent and idle connections; `Log.Read`
//! and `Log.Follow` pages are bounded in bytes; a follow request may not name an
//! origin twice; a node out of file descriptors pauses between failed accepts
//! (its limit lowered with `prlimit` while it runs) and serves again after; one
//! address gets `max_connections_per_address` gRPC connections and no more; the
//! Admin service keeps the manifest's `max_event_bytes`.

#![allow(clippy::unwrap_used)]

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use remedy_client::config::HttpConfig;
use remedy_core::LogKind;
use remedy_proto::v1 as pb;
use remedy_tests::{NodeDir, append_request, free_addr, note_draft};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio_stream::StreamExt as _;

/// A standalone node with `[http]` on a free port and a 1 s header timeout and
/// 2 s idle timeout (the defaults are 10 s and 60 s; the test need not wait that).
fn node_with_http(dir: &std::path::Path) -> anyhow::Result<(NodeDir, SocketAddr)> {
    let http = free_addr();
    let node = NodeDir::create_with(dir, "KH", |c| {
        let mut config = HttpConfig::new(http);
        config.dashboard = false;
        config.header_timeout_secs = 1;
        config.idle_timeout_secs = 2;
        c.http = Some(config);
    })?;
    Ok((node, http))
}

/// `GET /metrics` over HTTP/1.0 (the server closes after the answer).
async fn scrape(addr: SocketAddr) -> anyhow::Result<String> {
    let mut tcp = tokio::net::TcpStream::connect(addr).await?;
    tcp.write_all(b"GET /metrics HTTP/1.0\r\nHost: test\r\n\r\n")
        .await?;
    let mut text = String::new();
    tcp.read_to_string(&mut text).await?;
    let (head, body) = text
        .split_once("\r\n\r\n")
        .ok_or_else(|| anyhow::anyhow!("no HTTP answer: {text}"))?;
    anyhow::ensure!(
        head.starts_with("HTTP/1.0 200") || head.starts_with("HTTP/1.1 200"),
        "{head}"
    );
    Ok(body.to_string())
}

/// Checks one line of the Prometheus text format: a comment, or a metric name,
/// optional labels whose values are quoted with `\\`, `\"` and `\n` as the only
/// escapes, and a number. The reason, if not.
fn check_line(line: &str) -> Result<(), String> {
    if line.is_empty() || line.starts_with('#') {
        return Ok(());
    }
    let name_end = line
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == ':'))
        .unwrap_or(line.len());
    if name_end == 0 || line.as_bytes()[0].is_ascii_digit() {
        return Err("no metric name".into());
    }
    let mut rest = &line[name_end..];
    if let Some(labels) = rest.strip_prefix('{') {
        let mut chars = labels.char_indices().peekable();
        loop {
            // A label name, '=', a quoted value, then ',' or '}'.
            let mut name = String::new();
            while let Some(&(_, c)) = chars.peek() {
                if c.is_ascii_alphanumeric() || c == '_' {
                    name.push(c);
                    chars.next();
                } else {
                    break;
                }
            }
            if name.is_empty() {
                return Err("an empty label name".into());
            }
            if chars.next().map(|(_, c)| c) != Some('=')
                || chars.next().map(|(_, c)| c) != Some('"')
            {
                return Err(format!("label {name} is not name=\"value\""));
            }
            loop {
                match chars.next() {
                    None => return Err(format!("label {name}'s value never ends")),
                    Some((_, '"')) => break,
                    Some((_, '\\')) => match chars.next() {
                        Some((_, '\\' | '"' | 'n')) => {}
                        other => return Err(format!("bad escape {other:?} in label {name}")),
                    },
                    Some((_, '\n')) => return Err("a raw line feed".into()),
                    Some(_) => {}
                }
            }
            match chars.next() {
                Some((_, ',')) => continue,
                Some((i, '}')) => {
                    rest = &labels[i + 1..];
                    break;
                }
                other => return Err(format!("{other:?} after label {name}")),
            }
        }
    }
    let value = rest
        .strip_prefix(' ')
        .ok_or_else(|| "no space before the value".to_string())?;
    if value.parse::<f64>().is_err() && !["+Inf", "-Inf", "NaN"].contains(&value) {
        return Err(format!("value {value:?} is not a number"));
    }
    Ok(())
}

fn check_scrape(text: &str) {
    for line in text.lines() {
        if let Err(why) = check_line(line) {
            panic!("/metrics line {line:?} does not parse: {why}\n{text}");
        }
    }
}

/// Calls `path` as a unary gRPC method; the answer does not matter.
async fn call(channel: tonic::transport::Channel, path: &str) -> anyhow::Result<()> {
    let mut grpc = tonic::client::Grpc::new(channel);
    grpc.ready().await?;
    let path: tonic::codegen::http::uri::PathAndQuery = path.parse()?;
    let _ = grpc
        .unary::<pb::HeadRequest, pb::LogHead, _>(
            tonic::Request::new(pb::HeadRequest::default()),
            path,
            tonic_prost::ProstCodec::default(),
        )
        .await;
    Ok(())
}

#[test]
fn the_line_check_refuses_what_broke_scrapes() {
    assert!(check_line("remedy_forks 0").is_ok());
    assert!(check_line("x_bucket{method=\"/a\\\\\",le=\"+Inf\"} 3").is_ok());
    assert!(check_line("x{method=\"/\\\"} 1").is_err());
    assert!(check_line("x{method=\"/x\",member=\"JP\"} 1").is_ok()); // forged, but well-formed
    assert!(check_line("x{method=\"/\\q\"} 1").is_err());
}

#[tokio::test]
async fn junk_grpc_paths_leave_metrics_parsable_and_bounded() -> anyhow::Result<()> {
    let tmp = tempfile::tempdir()?;
    let (dir, http) = node_with_http(&tmp.path().join("KH"))?;
    let node = dir.start().await?;
    let channel = node.channel().await?;

    // The paths of the review: a backslash, a forged label.
    for path in ["/\\", "/x\",member=\"JP", "/remedy.v1.Log/Head"] {
        call(channel.clone(), path).await?;
    }
    let first = scrape(http).await?;
    check_scrape(&first);
    assert!(
        first.contains("remedy_grpc_requests_total{method=\"/remedy.v1.Log/Head\",code=\"0\"}"),
        "{first}"
    );
    assert!(first.contains("method=\"other\""), "{first}");
    assert!(
        !first.contains("member=\"JP"),
        "a label was forged:\n{first}"
    );

    // Hundreds more junk paths add nothing but counts.
    for i in 0..300 {
        call(channel.clone(), &format!("/junk{i}/\"\\{i}")).await?;
    }
    let second = scrape(http).await?;
    check_scrape(&second);
    assert_eq!(
        first.lines().count(),
        second.lines().count(),
        "/metrics grew with junk paths:\n{second}"
    );
    let other = second
        .lines()
        .find_map(|l| {
            l.strip_prefix("remedy_grpc_request_duration_seconds_count{method=\"other\"} ")
        })
        .unwrap();
    assert_eq!(other, "302");
    Ok(())
}

/// Reads from `tcp` until the server closes it; how long that took, or an error
/// if it is still open after `within`.
async fn wait_closed(
    tcp: &mut tokio::net::TcpStream,
    within: Duration,
) -> anyhow::Result<Duration> {
    let started = Instant::now();
    let mut buf = [0u8; 4096];
    loop {
        let left = within.saturating_sub(started.elapsed());
        match tokio::time::timeout(left, tcp.read(&mut buf)).await {
            Err(_) => anyhow::bail!("the connection is still open after {within:?}"),
            Ok(Ok(0) | Err(_)) => return Ok(started.elapsed()),
            Ok(Ok(_)) => {}
        }
    }
}

#[tokio::test]
async fn half_sent_and_idle_http_connections_are_closed() -> anyhow::Result<()> {
    let tmp = tempfile::tempdir()?;
    let (dir, http) = node_with_http(&tmp.path().join("KH"))?;
    let _node = dir.start().await?;

    // Half a request: closed once the 1 s header timeout passes.
    let mut half = tokio::net::TcpStream::connect(http).await?;
    half.write_all(b"GET /metrics HTTP/1.1\r\nHost: te").await?;
    // Nothing sent at all: the same.
    let mut silent = tokio::net::TcpStream::connect(http).await?;
    // A whole request on a keep-alive connection, then silence: the idle timeout.
    let mut idle = tokio::net::TcpStream::connect(http).await?;
    idle.write_all(b"GET /metrics HTTP/1.1\r\nHost: test\r\n\r\n")
        .await?;
    let mut answer = [0u8; 16];
    idle.read_exact(&mut answer).await?;
    assert!(
        answer.starts_with(b"HTTP/1.1 200"),
        "{:?}",
        String::from_utf8_lossy(&answer)
    );

    // Waited for together, each from now: every one closes by its timeout (1 s
    // after it was opened or answered), not at once and not never.
    let within = Duration::from_secs(10);
    let (half, silent, idle) = tokio::join!(
        wait_closed(&mut half, within),
        wait_closed(&mut silent, within),
        wait_closed(&mut idle, within),
    );
    for (what, took) in [("half", half), ("silent", silent), ("idle", idle)] {
        assert!(
            took.as_ref()
                .is_ok_and(|t| *t >= Duration::from_millis(500)),
            "{what}: {took:?}"
        );
    }
    // The server still answers others.
    check_scrape(&scrape(http).await?);
    Ok(())
}

#[tokio::test]
async fn read_and_follow_pages_are_bounded_in_bytes() -> anyhow::Result<()> {
    let tmp = tempfile::tempdir()?;
    let dir = NodeDir::create(&tmp.path().join("KH"), "KH")?;
    let node = dir.start().await?;
    let mut admin = pb::admin_client::AdminClient::new(node.channel().await?);
    // 24 notes of 900 kB: 21 MB, in requests of four.
    let (notes, size) = (24u64, 900_000);
    for first in (1..=notes).step_by(4) {
        admin
            .append(append_request(
                LogKind::Shared,
                (first..first + 4).map(|i| note_draft(i, size)).collect(),
            ))
            .await?;
    }

    // Read: a call asking for 10,000 events gets at most READ_BYTES of them, and
    // reading on from the next one gets them all.
    let mut log =
        pb::log_client::LogClient::new(node.channel().await?).max_decoding_message_size(16 << 20);
    let (mut next, mut calls) = (1u64, 0);
    loop {
        let mut stream = log
            .read(pb::ReadRequest {
                origin: "KH".into(),
                from_seq: next,
                limit: 10_000,
            })
            .await?
            .into_inner();
        let (mut n, mut bytes) = (0u64, 0usize);
        while let Some(event) = stream.next().await {
            bytes += event?.raw.len();
            n += 1;
        }
        assert!(
            bytes <= remedy_node::grpc::READ_BYTES,
            "a Read sent {bytes} bytes of events"
        );
        if n == 0 {
            break;
        }
        next += n;
        calls += 1;
    }
    assert_eq!(next - 1, notes);
    assert!(calls >= 5, "{calls} reads");

    // Follow: every page within about 4 MiB (the most an honest writer's runs
    // need; PAGE_MAX_BYTES, 6 MiB, is the hard bound), ending at a signed event.
    let mut pages = log
        .follow(pb::FollowRequest {
            from: vec![pb::Position {
                origin: "KH".into(),
                next_seq: 1,
            }],
        })
        .await?
        .into_inner();
    let (mut received, mut with_events) = (0u64, 0);
    let deadline = Instant::now() + Duration::from_secs(30);
    while received < notes {
        let left = deadline.saturating_duration_since(Instant::now());
        let page = tokio::time::timeout(left, pages.next())
            .await?
            .ok_or_else(|| anyhow::anyhow!("the follow stream ended"))??;
        let bytes: usize = page.events.iter().map(|e| e.raw.len()).sum();
        assert!(
            bytes <= (4 << 20) + (64 << 10),
            "a page of {} events, {bytes} bytes",
            page.events.len()
        );
        if let Some(last) = page.events.last() {
            assert!(
                remedy_core::event::is_signed(&last.raw),
                "a page ends in a linked event"
            );
            with_events += 1;
        }
        received += page.events.len() as u64;
    }
    assert_eq!(received, notes);
    assert!(with_events >= 5, "{with_events} pages");

    // A follow request naming an origin twice is refused.
    let twice = match log
        .follow(pb::FollowRequest {
            from: vec![
                pb::Position {
                    origin: "KH".into(),
                    next_seq: 1,
                },
                pb::Position {
                    origin: "KH".into(),
                    next_seq: 1,
                },
            ],
        })
        .await
    {
        Ok(_) => anyhow::bail!("a follow request naming KH twice was accepted"),
        Err(status) => status,
    };
    assert_eq!(twice.code(), tonic::Code::InvalidArgument, "{twice:?}");
    assert!(twice.message().contains("more than once"), "{twice:?}");
    Ok(())
}

/// Sets the soft limit of open files of process `pid` (the hard limit stays).
fn set_open_files(pid: u32, soft: u64) -> anyhow::Result<()> {
    let status = std::process::Command::new("prlimit")
        .arg(format!("--pid={pid}"))
        .arg(format!("--nofile={soft}:"))
        .status()?;
    anyhow::ensure!(
        status.success(),
        "prlimit --pid={pid} --nofile={soft}: {status}"
    );
    Ok(())
}

/// The soft limit of open files of process `pid`, from `/proc`.
fn open_files_limit(pid: u32) -> anyhow::Result<u64> {
    let limits = std::fs::read_to_string(format!("/proc/{pid}/limits"))?;
    let line = limits
        .lines()
        .find(|l| l.starts_with("Max open files"))
        .ok_or_else(|| anyhow::anyhow!("no open files limit"))?;
    Ok(line
        .split_whitespace()
        .nth(3)
        .ok_or_else(|| anyhow::anyhow!("{line}"))?
        .parse()?)
}

#[tokio::test]
async fn a_node_out_of_file_descriptors_pauses_between_accepts() -> anyhow::Result<()> {
    let tmp = tempfile::tempdir()?;
    let dir = NodeDir::create(&tmp.path().join("KH"), "KH")?;
    let mut node = dir.start().await?;
    let pid = node.pid();
    let before = open_files_limit(pid)?;
    let open = std::fs::read_dir(format!("/proc/{pid}/fd"))?.count() as u64;
    set_open_files(pid, open + 4)?;
    // A few connections take the last descriptors; the others wait in the listen
    // queue, and every accept of them fails with EMFILE.
    let mut held = Vec::new();
    for _ in 0..16 {
        held.push(tokio::net::TcpStream::connect(node.addr).await?);
    }
    let log = dir.log_path();
    let failures = || {
        std::fs::read_to_string(&log)
            .unwrap_or_default()
            .matches("accepting a connection failed")
            .count()
    };
    remedy_tests::wait_for("an accept to fail", Duration::from_secs(10), || {
        failures() >= 1
    })
    .await?;
    // Three seconds of failing accepts (a measurement window, not a wait for
    // something): pauses of 5 ms doubling to 1 s make about ten lines. Retrying at
    // once made hundreds of thousands a second.
    let window = Duration::from_secs(3);
    tokio::time::sleep(window).await;
    let lines = failures();
    assert!(
        (2..=20).contains(&lines),
        "{lines} accept failures logged in {window:?}"
    );
    // With descriptors free again the node answers within the longest pause.
    drop(held);
    set_open_files(pid, before)?;
    node.wait_serving(Duration::from_secs(10)).await?;
    Ok(())
}

/// Whether the node keeps a fresh connection open: `false` when it closes it
/// within a second (the end of the stream is read), `true` when it is still
/// open then (the server's HTTP/2 settings may arrive meanwhile).
async fn kept_open(addr: SocketAddr) -> anyhow::Result<(bool, tokio::net::TcpStream)> {
    let mut tcp = tokio::net::TcpStream::connect(addr).await?;
    let mut buf = [0u8; 256];
    let closed = tokio::time::timeout(Duration::from_secs(1), async {
        while let Ok(n) = tcp.read(&mut buf).await {
            if n == 0 {
                break;
            }
        }
    })
    .await
    .is_ok();
    Ok((!closed, tcp))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_address_gets_its_share_of_connections_and_no_more() -> anyhow::Result<()> {
    let tmp = tempfile::tempdir()?;
    let node = NodeDir::create_with(&tmp.path().join("KH"), "KH", |c| {
        c.max_connections_per_address = 3;
    })?;
    let mut running = node.start().await?;
    running.wait_serving(Duration::from_secs(10)).await?;
    let channel = running.channel().await?;
    let head = |channel: tonic::transport::Channel| async move {
        pb::log_client::LogClient::new(channel)
            .head(pb::HeadRequest {
                origin: "KH".into(),
            })
            .await
    };
    head(channel.clone()).await?;
    // The channel holds one connection; two more from the same address fill
    // its share (waiting until probes from the start have closed).
    let mut held = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(10);
    while held.len() < 2 {
        anyhow::ensure!(Instant::now() < deadline, "no place for two connections");
        let (kept, tcp) = kept_open(node.addr).await?;
        if kept {
            held.push(tcp);
        }
    }
    // The fourth is closed at once, and the log says why (once a second at most).
    let (kept, _) = kept_open(node.addr).await?;
    assert!(!kept, "a fourth connection from one address was kept");
    let log = std::fs::read_to_string(node.log_path())?;
    assert!(
        log.contains("connections refused: their address holds max_connections_per_address"),
        "{log}"
    );
    // The connections admitted keep working.
    head(channel.clone()).await?;
    // One closes: its place is free again.
    held.pop();
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let (kept, tcp) = kept_open(node.addr).await?;
        if kept {
            held.push(tcp);
            break;
        }
        anyhow::ensure!(Instant::now() < deadline, "the place did not come back");
    }
    Ok(())
}

/// The manifest's `max_event_bytes`: the Admin service refuses a larger shared
/// append, naming the event, its size and the limit, and stores nothing; one
/// at the limit passes, and the private log keeps the format's limit.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_federations_event_size_limit_is_kept_by_the_admin_service() -> anyhow::Result<()> {
    let tmp = tempfile::tempdir()?;
    let fed = tmp.path().join("fed");
    remedy_tests::bootstrap(&fed, "KH,VN", &["--max-event-bytes", "65536"])?;
    let kh = NodeDir::open(&fed.join("KH"))?;
    let _node = kh.start().await?;
    let channel = remedy_tests::federation::channel_as(&kh.dir, None).await?;
    let mut admin = pb::admin_client::AdminClient::new(channel.clone());
    let big = admin
        .append(append_request(
            LogKind::Shared,
            vec![note_draft(1, 100), note_draft(2, 80_000)],
        ))
        .await
        .expect_err("an 80 kB note is over the 64 KiB limit");
    assert_eq!(big.code(), tonic::Code::InvalidArgument);
    assert!(
        big.message().starts_with("events[1]: ")
            && big
                .message()
                .contains("over the federation's limit of 65536 bytes per event"),
        "{}",
        big.message()
    );
    let head = pb::log_client::LogClient::new(channel.clone())
        .head(pb::HeadRequest {
            origin: "KH".into(),
        })
        .await?
        .into_inner();
    assert_eq!(head.seq, 0, "nothing of the refused append is stored");
    admin
        .append(append_request(LogKind::Shared, vec![note_draft(3, 60_000)]))
        .await?;
    // Case rows are not shared: the private log keeps the event format's limit.
    admin
        .append(append_request(
            LogKind::Private,
            vec![note_draft(4, 80_000)],
        ))
        .await?;
    Ok(())
}

/// One caller (one certificate) holds at most MAX_FOLLOWS_PER_CALLER follow
/// streams at a node; the next is refused with RESOURCE_EXHAUSTED, another
/// caller is not affected, and a closed stream gives its place back.
#[tokio::test]
async fn one_caller_holds_a_few_follow_streams_and_no_more() -> anyhow::Result<()> {
    use remedy_node::grpc::MAX_FOLLOWS_PER_CALLER;
    let tmp = tempfile::tempdir()?;
    let fed = tmp.path().join("fed");
    remedy_tests::bootstrap(&fed, "KH,ID,VN", &[])?;
    let kh = NodeDir::open(&fed.join("KH"))?;
    let _node = kh.start().await?;
    let follow = |party: &'static str| {
        let (fed, addr) = (fed.clone(), kh.addr);
        async move {
            let channel =
                remedy_tests::federation::channel_as(&fed.join(party), Some(addr)).await?;
            let stream = pb::log_client::LogClient::new(channel)
                .follow(pb::FollowRequest {
                    from: vec![pb::Position {
                        origin: "KH".into(),
                        next_seq: 1,
                    }],
                })
                .await;
            anyhow::Ok(stream)
        }
    };
    let mut open = Vec::new();
    for _ in 0..MAX_FOLLOWS_PER_CALLER {
        open.push(follow("VN").await??.into_inner());
    }
    let refused = follow("VN").await?.unwrap_err();
    assert_eq!(
        refused.code(),
        tonic::Code::ResourceExhausted,
        "{refused:?}"
    );
    assert!(
        refused.message().contains("holds 4 Follow streams"),
        "{refused:?}"
    );
    // Another member follows as before.
    let _id = follow("ID").await??;
    // A stream VN closes gives its place back, once the node sees it closed.
    drop(open.pop());
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        match follow("VN").await? {
            Ok(stream) => {
                open.push(stream.into_inner());
                break;
            }
            Err(s) if s.code() == tonic::Code::ResourceExhausted && Instant::now() < deadline => {
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            Err(s) => anyhow::bail!("a closed stream's place did not come back: {s:?}"),
        }
    }
    Ok(())
}

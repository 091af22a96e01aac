//! A hostile peer: a program holding VN's valid certificate and signing key serves
//! the honest KH node forged signatures, events of another origin, reordered
//! sequences, broken links, garbage, oversized events and messages, a statistics
//! release that breaks the disclosure policy, two noised releases of one period
//! whose ε together exceed the federation's cap, and finally a fork. KH rejects and
//! counts each, stores nothing invalid (the first noised release is valid and
//! kept), keeps both bodies of the fork as evidence, halts VN, and goes on serving.

#![allow(clippy::unwrap_used)]

use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use remedy_client::keyfile::load_signing_key;
use remedy_core::payload::{Note, Payload};
use remedy_core::{ChainHead, EventHash, LogKind, MemberId, SignedEvent, SigningKey};
use remedy_proto::v1 as pb;
use remedy_tests::fake::listen_as;
use remedy_tests::federation::{append_notes, channel_as, status};
use remedy_tests::{NodeDir, bootstrap, read_log, verify_events};
use tokio_stream::Stream;
use tonic::{Request, Response, Status};

/// What the hostile peer serves on its n-th connection.
const ATTACKS: &[&str] = &[
    "honest events 1 to 3",
    "forged signature",
    "another origin's event in VN's log",
    "ID's events signed with VN's key",
    "reordered sequence",
    "broken previous-hash link",
    "garbage",
    "oversized event",
    "oversized message",
    "release that breaks the policy",
    "releases beyond the privacy budget",
    "fork",
];

fn note(text: &str) -> remedy_core::Draft {
    Note { text: text.into() }.to_draft()
}

struct Hostile {
    vn: MemberId,
    key: SigningKey,
    honest: Vec<SignedEvent>,
    connections: Arc<AtomicUsize>,
}

impl Hostile {
    /// The events served on connection `n`, with the origin of the page.
    fn attack(&self, n: usize) -> (String, Vec<Vec<u8>>) {
        let vn = &self.vn;
        let head = ChainHead::of(&self.honest[2]);
        let seal = |key: &SigningKey, origin: &MemberId, seq, prev, text: &str| {
            SignedEvent::seal(key, origin, LogKind::Shared, seq, prev, 0, &note(text)).into_raw()
        };
        let next = |text: &str| seal(&self.key, vn, 4, head.hash, text);
        match ATTACKS.get(n).copied().unwrap_or("fork") {
            "honest events 1 to 3" => (
                vn.to_string(),
                self.honest.iter().map(|e| e.raw().to_vec()).collect(),
            ),
            "forged signature" => {
                let forger = SigningKey::from_seed([9; 32]);
                (
                    vn.to_string(),
                    vec![seal(&forger, vn, 4, head.hash, "forged")],
                )
            }
            "another origin's event in VN's log" => {
                let id = MemberId::new("ID").unwrap();
                (
                    vn.to_string(),
                    vec![seal(&self.key, &id, 4, head.hash, "not mine")],
                )
            }
            "ID's events signed with VN's key" => {
                let id = MemberId::new("ID").unwrap();
                (
                    "ID".into(),
                    vec![seal(&self.key, &id, 1, EventHash::ZERO, "impostor")],
                )
            }
            "reordered sequence" => {
                let four = SignedEvent::decode(next("four")).unwrap();
                let five = seal(&self.key, vn, 5, four.hash(), "five");
                (vn.to_string(), vec![five, four.into_raw()])
            }
            "broken previous-hash link" => (
                vn.to_string(),
                vec![seal(&self.key, vn, 4, EventHash::ZERO, "relinked")],
            ),
            "garbage" => (
                vn.to_string(),
                vec![b"\xfe\x01 not an event at all".to_vec()],
            ),
            "oversized event" => {
                let big = "x".repeat(1_500_000);
                (vn.to_string(), vec![next(&big)])
            }
            "oversized message" => (vn.to_string(), vec![vec![0xfe; 9 << 20]]),
            "release that breaks the policy" => {
                // Well signed and linked, but it publishes a count of 2.
                let cases: Vec<_> = remedy_core::synthetic::generate(
                    vn,
                    300,
                    1,
                    remedy_core::case::Date::parse("2024-01-01").unwrap(),
                    remedy_core::case::Date::parse("2024-12-31").unwrap(),
                )
                .collect();
                let period = remedy_core::tables::Period::parse("2024-Q3").unwrap();
                let tables = remedy_core::tables::compute(period, &cases);
                let source = remedy_core::release::Source {
                    private_seq: 1,
                    private_hash: String::new(),
                };
                let mut release = remedy_core::release::build(&tables, 5, 1, source, &[]).unwrap();
                let t = &mut release.tables[0];
                let hidden = t.cells.iter().flatten().position(Option::is_none).unwrap();
                let columns = t.columns.len();
                t.cells[hidden / columns][hidden % columns] = Some(2);
                let event = SignedEvent::seal(
                    &self.key,
                    vn,
                    LogKind::Shared,
                    4,
                    head.hash,
                    0,
                    &release.to_draft(),
                );
                (vn.to_string(), vec![event.into_raw()])
            }
            "releases beyond the privacy budget" => {
                // ε 0.6 and 0.6 for one period, against a cap of 1.
                let mut prev = head;
                let mut raws = Vec::new();
                for seed in [1, 2] {
                    let event = SignedEvent::seal(
                        &self.key,
                        vn,
                        LogKind::Shared,
                        prev.seq + 1,
                        prev.hash,
                        0,
                        &noised(vn, seed).to_draft(),
                    );
                    prev = ChainHead::of(&event);
                    raws.push(event.into_raw());
                }
                (vn.to_string(), raws)
            }
            _ => (
                vn.to_string(),
                vec![seal(
                    &self.key,
                    vn,
                    2,
                    self.honest[0].hash(),
                    "a second story",
                )],
            ),
        }
    }
}

/// A valid noised release of VN's 2024-Q4 at ε 0.6.
fn noised(vn: &MemberId, seed: u64) -> remedy_core::release::Release {
    use rand::SeedableRng;
    let cases: Vec<_> = remedy_core::synthetic::generate(
        vn,
        300,
        1,
        remedy_core::case::Date::parse("2024-01-01").unwrap(),
        remedy_core::case::Date::parse("2024-12-31").unwrap(),
    )
    .collect();
    let period = remedy_core::tables::Period::parse("2024-Q4").unwrap();
    let tables = remedy_core::tables::compute(period, &cases);
    let source = remedy_core::release::Source {
        private_seq: seed,
        private_hash: String::new(),
    };
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let epsilon = remedy_core::privacy::Epsilon::parse("0.6").unwrap();
    remedy_core::release::build_noised(&tables, 5, epsilon, &mut rng, seed, source)
}

type PageStream = Pin<Box<dyn Stream<Item = Result<pb::Page, Status>> + Send>>;
type EventStream = Pin<Box<dyn Stream<Item = Result<pb::SignedEvent, Status>> + Send>>;

#[tonic::async_trait]
impl pb::log_server::Log for Hostile {
    async fn head(&self, _: Request<pb::HeadRequest>) -> Result<Response<pb::LogHead>, Status> {
        Err(Status::unimplemented("hostile"))
    }

    type ReadStream = EventStream;

    async fn read(&self, _: Request<pb::ReadRequest>) -> Result<Response<EventStream>, Status> {
        Err(Status::unimplemented("hostile"))
    }

    type FollowStream = PageStream;

    async fn follow(&self, _: Request<pb::FollowRequest>) -> Result<Response<PageStream>, Status> {
        let n = self.connections.fetch_add(1, Ordering::SeqCst);
        let (origin, raws) = self.attack(n);
        let page = pb::Page {
            origin,
            head: 10,
            events: raws
                .into_iter()
                .map(|raw| pb::SignedEvent { raw })
                .collect(),
            manifest_version: 1,
            checkpoint: String::new(),
        };
        Ok(Response::new(Box::pin(tokio_stream::iter([Ok(page)]))))
    }
}

#[tokio::test]
async fn a_hostile_peer_is_rejected_counted_and_its_fork_kept_as_evidence() -> anyhow::Result<()> {
    let tmp = tempfile::tempdir()?;
    let fed = tmp.path().join("fed");
    bootstrap(&fed, "KH,ID,VN", &[])?;
    let vn_dir = fed.join("VN");
    let vn = MemberId::new("VN")?;
    let key = load_signing_key(&vn_dir.join("signing.key"))?;
    let mut honest = Vec::new();
    let mut head = ChainHead::EMPTY;
    for i in 1..=3 {
        let e = SignedEvent::seal(&key, &vn, LogKind::Shared, i, head.hash, 0, &note("ok"));
        head = ChainHead::of(&e);
        honest.push(e);
    }
    let connections = Arc::new(AtomicUsize::new(0));
    let hostile = Hostile {
        vn: vn.clone(),
        key: key.clone(),
        honest: honest.clone(),
        connections: connections.clone(),
    };

    // The hostile peer listens where the manifest says VN is, with VN's certificate.
    let incoming = listen_as(&vn_dir, NodeDir::open(&vn_dir)?.addr).await?;
    tokio::spawn(
        tonic::transport::Server::builder()
            .add_service(pb::log_server::LogServer::new(hostile))
            .serve_with_incoming(incoming),
    );

    let kh_dir = NodeDir::open(&fed.join("KH"))?;
    let mut kh_node = kh_dir.start().await?;
    let kh = channel_as(&kh_dir.dir, None).await?;

    // Wait until KH has met every attack.
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    while status(kh.clone()).await?.forks.is_empty() {
        assert!(
            std::time::Instant::now() < deadline,
            "KH met {} of {} attacks: {:?}",
            connections.load(Ordering::SeqCst),
            ATTACKS.len(),
            status(kh.clone()).await?
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let report = status(kh.clone()).await?;
    let count = |reason: &str| {
        report
            .rejected
            .iter()
            .find(|r| r.reason == reason)
            .map(|r| r.count)
            .unwrap_or(0)
    };
    assert_eq!(count("bad-signature"), 2, "{report:?}");
    assert_eq!(count("wrong-origin"), 1, "{report:?}");
    assert_eq!(count("gap"), 1, "{report:?}");
    assert_eq!(count("broken-link"), 1, "{report:?}");
    assert_eq!(count("undecodable"), 2, "{report:?}");
    assert_eq!(count("policy"), 2, "{report:?}");
    let last = &report
        .rejected
        .iter()
        .find(|r| r.reason == "policy")
        .unwrap()
        .last;
    assert!(
        last.contains("event 5") && last.contains("exceeds the federation's cap of 1"),
        "{last}"
    );
    let last = &report
        .rejected
        .iter()
        .find(|r| r.reason == "gap")
        .unwrap()
        .last;
    assert!(
        last.contains("peer VN") && last.contains("event 5"),
        "{last}"
    );

    // The fork: both bodies kept, VN halted, nothing of the hostile's stored.
    let fork = &report.forks[0];
    assert_eq!(
        (fork.origin.as_str(), fork.seq, fork.peer.as_str()),
        ("VN", 2, "VN")
    );
    let held = SignedEvent::decode(fork.held.clone().unwrap().raw)?;
    let received = SignedEvent::decode(fork.received.clone().unwrap().raw)?;
    assert_eq!(held, honest[1]);
    assert_ne!(received.hash(), held.hash());
    assert!(
        received.verify_strict(&key.verifying_key()),
        "validly signed: a real fork"
    );
    let vn_status = report.origins.iter().find(|o| o.origin == "VN").unwrap();
    assert!(vn_status.halted && vn_status.height == 4, "{vn_status:?}");
    let stored = read_log(kh.clone(), &vn).await?;
    assert_eq!(stored[..3], honest[..]);
    let kept = remedy_core::release::Release::from_event(&stored[3])?;
    assert_eq!(kept, noised(&vn, 1));
    verify_events(&vn, &key, &stored)?;
    assert!(
        read_log(kh.clone(), &MemberId::new("ID")?)
            .await?
            .is_empty()
    );

    // KH goes on serving: it appends, reads, and keeps the evidence across a restart.
    append_notes(kh.clone(), LogKind::Shared, 1, 5, 100).await?;
    assert_eq!(read_log(kh.clone(), &MemberId::new("KH")?).await?.len(), 5);
    let (ok, stdout, _) =
        remedy_tests::remedy(&["--dir", remedy_tests::path_arg(&kh_dir.dir), "status"])?;
    assert!(!ok, "a fork makes the node report unhealthy");
    assert!(stdout.contains("FORK: VN event 2"), "{stdout}");
    kh_node.stop().await?;
    let _kh_node = kh_dir.start().await?;
    let kh = channel_as(&kh_dir.dir, None).await?;
    let report = status(kh).await?;
    assert_eq!(report.forks.len(), 1, "evidence survives a restart");
    assert!(report.origins.iter().any(|o| o.origin == "VN" && o.halted));
    Ok(())
}

//! A malicious peer, a fake process speaking the real protocol with VN's valid
//! certificate and signing key, serves the honest KH node one attack per `Follow`
//! connection: a page over the message limit, checkpoints that are forged or
//! replayed from another log or an older state, manifests that roll back, skip a
//! version, lack the quorum or retire a key before events already held, an event
//! of the private log and one of a private payload kind, a release whose labels
//! are not the code lists', and endless streams. KH refuses each with the reason
//! and counts it by kind, keeps what it held, and answers `Federation.Status` in
//! under 100 ms throughout (measured every 20 ms on an open channel) while
//! staying under 200 MiB resident.

#![allow(clippy::unwrap_used)]

use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use remedy_client::identity::load_manifest;
use remedy_client::keyfile::load_signing_key;
use remedy_core::checkpoint::{Checkpoint, SignedCheckpoint, key_name, origin_line};
use remedy_core::manifest::{Manifest, RetiredKey};
use remedy_core::merkle::Frontier;
use remedy_core::payload::{Note, Payload};
use remedy_core::{ChainHead, LogKind, MemberId, PayloadKind, SignedEvent, SigningKey};
use remedy_proto::v1 as pb;
use remedy_tests::fake::listen_as;
use remedy_tests::federation::{channel_as, status};
use remedy_tests::{NodeDir, bootstrap, read_log};
use tokio_stream::Stream;
use tonic::{Request, Response, Status};

/// What the peer serves on its n-th connection; after the last, nothing (it
/// stays connected and quiet).
const ATTACKS: &[&str] = &[
    "honest events 1 to 3 and their checkpoint",
    "a page over the message limit",
    "a checkpoint signed with another key",
    "a checkpoint of another log",
    "an older checkpoint replayed",
    "a manifest that rolls back",
    "a manifest that skips a version",
    "a manifest without the quorum",
    "a manifest that retires a key early",
    "an event of the private log",
    "a private payload kind",
    "a release with foreign labels",
    "an endless stream of empty pages",
    "an endless stream of the same events",
];

/// What one attack sends: pages (repeated for ever if `endless`), and the
/// manifest text `Federation.Manifest` answers with meanwhile.
struct Attack {
    pages: Vec<pb::Page>,
    endless: bool,
    manifest: String,
}

struct Peer {
    vn: MemberId,
    key: SigningKey,
    honest: Vec<SignedEvent>,
    /// Checkpoints the peer signed of its first 2 and 3 events.
    checkpoints: [String; 2],
    federation: String,
    /// Manifest texts by attack, built from the federation's real version 1.
    manifests: std::collections::BTreeMap<&'static str, String>,
    connections: Arc<AtomicUsize>,
}

fn note(text: &str) -> remedy_core::Draft {
    Note { text: text.into() }.to_draft()
}

fn page(origin: &str, events: Vec<Vec<u8>>, checkpoint: String, manifest_version: u64) -> pb::Page {
    pb::Page {
        origin: origin.into(),
        head: 3,
        events: events
            .into_iter()
            .map(|raw| pb::SignedEvent { raw })
            .collect(),
        manifest_version,
        checkpoint,
    }
}

/// A checkpoint of the first `events`, with the origin line and key given.
fn checkpoint(line: String, events: &[SignedEvent], name: &str, key: &SigningKey) -> String {
    let mut tree = Frontier::default();
    for e in events {
        tree.push(e.raw(), |_, _, _| {});
    }
    let body = Checkpoint {
        origin: line,
        size: events.len() as u64,
        root: tree.root(),
    };
    SignedCheckpoint::sign(body, name, key).to_text()
}

impl Peer {
    fn attack(&self, name: &str) -> Attack {
        let vn = self.vn.as_str();
        let head = ChainHead::of(&self.honest[2]);
        let fourth = |log: LogKind, draft: &remedy_core::Draft| {
            SignedEvent::seal(&self.key, &self.vn, log, 4, head.hash, 0, draft).into_raw()
        };
        let honest: Vec<Vec<u8>> = self.honest.iter().map(|e| e.raw().to_vec()).collect();
        let one = |pages: Vec<pb::Page>| Attack {
            pages,
            endless: false,
            manifest: String::new(),
        };
        let manifest = |text: &str| Attack {
            pages: vec![page(vn, Vec::new(), String::new(), 2)],
            endless: false,
            manifest: text.to_string(),
        };
        match name {
            "honest events 1 to 3 and their checkpoint" => {
                one(vec![page(vn, honest, self.checkpoints[1].clone(), 1)])
            }
            "a page over the message limit" => {
                // Nine events of 1 MB, each within the event limit, over 8 MiB together.
                let mut prev = head;
                let mut raws = Vec::new();
                for seq in 4..13 {
                    let e = SignedEvent::seal(
                        &self.key,
                        &self.vn,
                        LogKind::Shared,
                        seq,
                        prev.hash,
                        0,
                        &note(&"x".repeat(1_000_000)),
                    );
                    prev = ChainHead::of(&e);
                    raws.push(e.into_raw());
                }
                one(vec![page(vn, raws, String::new(), 1)])
            }
            "a checkpoint signed with another key" => {
                let forger = SigningKey::from_seed([7; 32]);
                let line = origin_line(&self.federation, vn);
                let forged = checkpoint(line, &self.honest, &key_name(vn), &forger);
                one(vec![page(vn, Vec::new(), forged, 1)])
            }
            "a checkpoint of another log" => {
                // VN's signature over a checkpoint of ID's log, sent as VN's.
                let line = origin_line(&self.federation, "ID");
                let replayed = checkpoint(line, &self.honest, &key_name(vn), &self.key);
                one(vec![page(vn, Vec::new(), replayed, 1)])
            }
            "an older checkpoint replayed" => {
                one(vec![page(vn, Vec::new(), self.checkpoints[0].clone(), 1)])
            }
            "an event of the private log" => one(vec![page(
                vn,
                vec![fourth(LogKind::Private, &note("a case"))],
                String::new(),
                1,
            )]),
            "a private payload kind" => {
                let cases = remedy_core::Draft {
                    kind: PayloadKind::CASES,
                    version: 1,
                    payload: b"case rows".to_vec(),
                };
                one(vec![page(
                    vn,
                    vec![fourth(LogKind::Shared, &cases)],
                    String::new(),
                    1,
                )])
            }
            "a release with foreign labels" => {
                let mut release = remedy_tests::releases::valid(&self.vn, "2024-Q3", 300, 1);
                release.tables[0].rows[0] = "PASSPORT-KEPT".into();
                let raw = fourth(LogKind::Shared, &release.to_draft());
                one(vec![page(vn, vec![raw], String::new(), 1)])
            }
            "an endless stream of empty pages" => Attack {
                pages: vec![page(vn, Vec::new(), String::new(), 1)],
                endless: true,
                manifest: String::new(),
            },
            "an endless stream of the same events" => Attack {
                pages: vec![page(vn, honest, self.checkpoints[1].clone(), 1)],
                endless: true,
                manifest: String::new(),
            },
            name if name.starts_with("a manifest") => manifest(&self.manifests[name]),
            _ => Attack {
                pages: Vec::new(),
                endless: true,
                manifest: String::new(),
            },
        }
    }

    fn current(&self) -> &'static str {
        let n = self.connections.load(Ordering::SeqCst);
        ATTACKS.get(n.saturating_sub(1)).copied().unwrap_or("quiet")
    }
}

type PageStream = Pin<Box<dyn Stream<Item = Result<pb::Page, Status>> + Send>>;
type EventStream = Pin<Box<dyn Stream<Item = Result<pb::SignedEvent, Status>> + Send>>;

#[tonic::async_trait]
impl pb::log_server::Log for Peer {
    async fn head(&self, _: Request<pb::HeadRequest>) -> Result<Response<pb::LogHead>, Status> {
        Err(Status::unimplemented("malicious peer"))
    }

    type ReadStream = EventStream;

    async fn read(&self, _: Request<pb::ReadRequest>) -> Result<Response<EventStream>, Status> {
        Err(Status::unimplemented("malicious peer"))
    }

    type FollowStream = PageStream;

    async fn follow(&self, _: Request<pb::FollowRequest>) -> Result<Response<PageStream>, Status> {
        let n = self.connections.fetch_add(1, Ordering::SeqCst);
        let attack = self.attack(ATTACKS.get(n).copied().unwrap_or("quiet"));
        let pages = tokio_stream::iter(attack.pages.clone().into_iter().map(Ok));
        if !attack.endless {
            return Ok(Response::new(Box::pin(pages)));
        }
        if attack.pages.is_empty() {
            return Ok(Response::new(Box::pin(tokio_stream::pending())));
        }
        let forever = std::iter::repeat(attack.pages).flatten().map(Ok);
        Ok(Response::new(Box::pin(tokio_stream::iter(forever))))
    }
}

#[tonic::async_trait]
impl pb::federation_server::Federation for Peer {
    async fn manifest(
        &self,
        _: Request<pb::ManifestRequest>,
    ) -> Result<Response<pb::ManifestReply>, Status> {
        let text = self.attack(self.current()).manifest;
        Ok(Response::new(pb::ManifestReply { text }))
    }

    async fn status(
        &self,
        _: Request<pb::StatusRequest>,
    ) -> Result<Response<pb::StatusReply>, Status> {
        Err(Status::unimplemented("malicious peer"))
    }

    async fn record_audit(
        &self,
        _: Request<pb::AuditRecord>,
    ) -> Result<Response<pb::AuditRecordReply>, Status> {
        Err(Status::unimplemented("malicious peer"))
    }

    async fn submit(
        &self,
        _: Request<pb::SubmitRequest>,
    ) -> Result<Response<pb::SubmitReply>, Status> {
        Err(Status::unimplemented("malicious peer"))
    }

    type PlanEventsStream = EventStream;

    async fn plan_events(
        &self,
        _: Request<pb::PlanEventsRequest>,
    ) -> Result<Response<EventStream>, Status> {
        Err(Status::unimplemented("malicious peer"))
    }

    async fn checkpoint(
        &self,
        _: Request<pb::CheckpointRequest>,
    ) -> Result<Response<pb::CheckpointReply>, Status> {
        Err(Status::unimplemented("malicious peer"))
    }

    async fn proof(
        &self,
        _: Request<pb::ProofRequest>,
    ) -> Result<Response<pb::ProofReply>, Status> {
        Err(Status::unimplemented("malicious peer"))
    }
}

/// The manifests the peer offers, from version 1 (`v1`) and every node's key.
fn manifests(
    v1: &Manifest,
    keys: &[(MemberId, SigningKey)],
) -> std::collections::BTreeMap<&'static str, String> {
    let next = |change: &dyn Fn(&mut remedy_core::manifest::Body)| {
        let mut body = v1.body.clone();
        body.federation.version += 1;
        body.federation.previous = Some(v1.body_hash());
        change(&mut body);
        Manifest::new(body)
    };
    let sign_all = |mut m: Manifest| {
        for (id, key) in keys {
            m.sign(id, key);
        }
        m.to_text()
    };
    let vn = MemberId::new("VN").unwrap();
    let vn_key = &keys.iter().find(|(id, _)| *id == vn).unwrap().1;
    // Version 3, as if a version 2 had been agreed that KH never saw.
    let mut skipped = next(&|_| {}).body;
    skipped.federation.version = 3;
    // A looser policy only VN signed.
    let mut alone = next(&|b| b.policy.epsilon_cap = 100.0);
    alone.sign(&vn, vn_key);
    // VN's key retired after its event 1, though KH holds 3 it signed: signed by
    // every node, as a quorum that forgot what was held might.
    let early = next(&|b| {
        let member = b.members.iter_mut().find(|m| m.id == vn).unwrap();
        let old = std::mem::replace(
            &mut member.public_key,
            hex::encode(SigningKey::from_seed([3; 32]).verifying_key().to_bytes()),
        );
        member.retired_keys.push(RetiredKey {
            public_key: old,
            last_seq: 1,
        });
    });
    [
        ("a manifest that rolls back", v1.to_text()),
        (
            "a manifest that skips a version",
            sign_all(Manifest::new(skipped)),
        ),
        ("a manifest without the quorum", alone.to_text()),
        ("a manifest that retires a key early", sign_all(early)),
    ]
    .into()
}

#[tokio::test]
async fn a_malicious_peer_is_refused_counted_and_the_node_stays_responsive() -> anyhow::Result<()> {
    let tmp = tempfile::tempdir()?;
    let fed = tmp.path().join("fed");
    bootstrap(&fed, "KH,ID,VN", &[])?;
    let vn_dir = fed.join("VN");
    let vn = MemberId::new("VN")?;
    let key = load_signing_key(&vn_dir.join("signing.key"))?;
    let v1 = load_manifest(&vn_dir.join("federation.toml"))?;
    let mut honest = Vec::new();
    let mut head = ChainHead::EMPTY;
    for i in 1..=3 {
        let e = SignedEvent::seal(&key, &vn, LogKind::Shared, i, head.hash, 0, &note("ok"));
        head = ChainHead::of(&e);
        honest.push(e);
    }
    let federation = v1.body.federation.name.clone();
    let line = origin_line(&federation, "VN");
    let checkpoints = [
        checkpoint(line.clone(), &honest[..2], &key_name("VN"), &key),
        checkpoint(line, &honest, &key_name("VN"), &key),
    ];
    let keys: Vec<(MemberId, SigningKey)> = ["KH", "ID", "VN"]
        .into_iter()
        .map(|m| {
            Ok((
                MemberId::new(m)?,
                load_signing_key(&fed.join(m).join("signing.key"))?,
            ))
        })
        .collect::<anyhow::Result<_>>()?;
    let connections = Arc::new(AtomicUsize::new(0));
    let peer = Arc::new(Peer {
        vn: vn.clone(),
        key: key.clone(),
        honest: honest.clone(),
        checkpoints,
        federation,
        manifests: manifests(&v1, &keys),
        connections: connections.clone(),
    });
    let incoming = listen_as(&vn_dir, NodeDir::open(&vn_dir)?.addr).await?;
    tokio::spawn(
        tonic::transport::Server::builder()
            .add_service(pb::log_server::LogServer::from_arc(peer.clone()))
            .add_service(pb::federation_server::FederationServer::from_arc(peer))
            .serve_with_incoming(incoming),
    );

    let kh_dir = NodeDir::open(&fed.join("KH"))?;
    let kh_node = kh_dir.start().await?;
    let kh = channel_as(&kh_dir.dir, None).await?;

    // Status on an open channel every 20 ms while the attacks run.
    let done = Arc::new(AtomicBool::new(false));
    let sampler = tokio::spawn({
        let (kh, done) = (kh.clone(), done.clone());
        async move {
            let mut times = Vec::new();
            while !done.load(Ordering::SeqCst) {
                let started = Instant::now();
                status(kh.clone()).await?;
                times.push(started.elapsed());
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            anyhow::Ok(times)
        }
    });

    let deadline = Instant::now() + Duration::from_secs(90);
    while connections.load(Ordering::SeqCst) <= ATTACKS.len() {
        assert!(
            Instant::now() < deadline,
            "KH met {} of {} attacks: {:?}",
            connections.load(Ordering::SeqCst),
            ATTACKS.len(),
            status(kh.clone()).await?.rejected
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    done.store(true, Ordering::SeqCst);
    let mut times = sampler.await??;
    times.sort();
    let slowest = *times.last().unwrap();
    let peak = peak_rss(kh_node.pid())?;
    println!(
        "{} Status calls during the attacks: median {:?}, slowest {slowest:?}; KH's peak resident memory {} MiB",
        times.len(),
        times[times.len() / 2],
        peak >> 20
    );
    assert!(
        slowest < Duration::from_millis(100),
        "Status took {slowest:?}"
    );
    assert!(peak < 200 << 20, "KH peaked at {} MiB", peak >> 20);

    let report = status(kh.clone()).await?;
    let rejected = |reason: &str| {
        report
            .rejected
            .iter()
            .find(|r| r.reason == reason)
            .map(|r| (r.count, r.last.clone()))
            .unwrap_or_default()
    };
    let expect = |reason: &str, count: u64, says: &[&str]| {
        let (found, last) = rejected(reason);
        assert_eq!(found, count, "{reason}: {:?}", report.rejected);
        for s in says {
            assert!(last.contains(s), "{reason}: {last:?} does not say {s:?}");
        }
    };
    expect("oversized", 1, &["peer VN", "message length too large"]);
    expect("checkpoint", 2, &["peer VN", "is of the log", "/ID"]);
    expect("manifest", 4, &["peer VN", "version 2", "retires"]);
    expect("wrong-log", 1, &["VN event 4", "peer VN"]);
    expect("payload", 1, &["VN event 4", "private"]);
    expect("policy", 1, &["VN event 4", "PASSPORT-KEPT"]);
    expect("endless", 2, &["peer VN", "8 pages in a row"]);
    for r in &report.rejected {
        println!("rejected {} × {}: {}", r.count, r.reason, r.last);
    }

    // Nothing of the attacks is kept: VN's three honest events, the checkpoint of
    // all three (not the older one replayed), manifest version 1.
    assert_eq!(read_log(kh.clone(), &vn).await?, honest);
    let mut federation = pb::federation_client::FederationClient::new(kh.clone());
    let held = federation
        .checkpoint(pb::CheckpointRequest {
            origin: "VN".into(),
        })
        .await?
        .into_inner()
        .text;
    assert_eq!(SignedCheckpoint::parse(&held)?.checkpoint.size, 3, "{held}");
    assert_eq!(
        load_manifest(&kh_dir.dir.join("federation.toml"))?.version(),
        1
    );
    let vn_origin = report.origins.iter().find(|o| o.origin == "VN").unwrap();
    assert!(vn_origin.height == 3 && !vn_origin.halted, "{vn_origin:?}");
    Ok(())
}

/// The most resident memory the process `pid` has had (VmHWM), in bytes.
fn peak_rss(pid: u32) -> anyhow::Result<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    let kib: u64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.split_whitespace().next())
        .ok_or_else(|| anyhow::anyhow!("no VmHWM for {pid}"))?
        .parse()?;
    Ok(kib * 1024)
}

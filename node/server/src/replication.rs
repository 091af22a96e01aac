//! Replication: following every other origin's shared log through every peer.
//!
//! ```text
//!  peer task (one per node member) ──Follow(positions)──▶ peer's Log service
//!        ◀── Page{origin, head, events} ── catch-up from our positions, then live tail
//!        │
//!        ▼  spawn_blocking, under the origin's lock
//!  Ingest::decide (batch signatures, chain, payload) ─▶ one commit: events + stats
//!        │                                             (or fork evidence)
//!        ▼
//!  Heads::advance ─▶ wakes our own Follow streams, so peers get it relayed
//! ```
//!
//! Each origin has one [`Ingest`] behind a lock, shared by all peer tasks: whichever
//! peer delivers an event first stores it; the copies relayed by others are
//! duplicates, recognised by body hash without a signature check. Nothing reaches
//! the store before it is verified, and nothing is served before it is durable.
//!
//! A peer that sends an invalid event is logged with the reason, counted, and
//! dropped; its task reconnects after a backoff. Two validly signed bodies for one
//! sequence number are a fork: both are kept as evidence and the origin is halted.

use sha2::Digest as _;
use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use remedy_core::ingest::{Ingest, Outcome};
use remedy_core::manifest::Manifest;
use remedy_core::privacy::Epsilon;
use remedy_core::{ChainHead, EventHash, MemberId, SignedEvent, SigningKey};
use remedy_proto::v1 as pb;
use tokio::task::JoinSet;

use crate::federation::LiveManifest;
use crate::heads::Heads;
use crate::releases::load_ledger;
use crate::stats::LogStats;
use crate::store::{Commit, LogId, Store, StoreError};
use crate::witness::Witnessed;
use remedy_client::client::{Target, connect};
use remedy_client::tls::{TlsIdentity, parse_fingerprint};
use remedy_core::ledger::ReleaseRules;

/// Largest message a follower accepts: a page is cut at `PAGE_BYTES`, but always
/// holds at least one event, which may be up to 1 MiB of payload.
pub const MAX_MESSAGE: usize = 8 << 20;
/// Most events per page.
pub const PAGE_EVENTS: usize = 1000;
/// A page is cut once it holds this many bytes: 1 MiB, so that a follow stream
/// of 1 MB events holds one event per page, and 50 such streams stay within a
/// few hundred MiB (`remedy-bench --follow-only`: 2 MiB pages peaked at 392 MiB,
/// 1 MiB ones at the figure in BENCHMARKS.md). Small events fill pages by count
/// ([`PAGE_EVENTS`]) long before.
pub const PAGE_BYTES: usize = 1 << 20;
/// Most bytes of events in one page, and most read from the store for one: a
/// page cut at [`PAGE_BYTES`] runs on to the signed event that ends a run of
/// linked events, and an honest writer signs once a run holds
/// `writer::SEAL_BYTES` (1 MiB), so a page holds at most 1 MiB plus a run of
/// 1 MiB plus one event of up to 1 MiB of payload: about 3 MiB. 6 MiB leaves room
/// for that and keeps a page with its checkpoint under [`MAX_MESSAGE`]. A run that
/// does not end within it is sent as far as it goes, and the follower refuses it
pub const PAGE_MAX_BYTES: usize = 6 << 20;

/// First wait before reconnecting to a peer; doubles up to `MAX_BACKOFF`.
const MIN_BACKOFF: Duration = Duration::from_millis(100);
const MAX_BACKOFF: Duration = Duration::from_secs(2);

/// Pages in a row a peer may send that bring nothing new (no event past those
/// it sent before, no checkpoint other than the last it sent of that origin)
/// before the stream is taken for an endless one and dropped. An honest peer
/// sends no such page: after the first page of each origin it writes only when
/// an event or a checkpoint is new.
const MAX_IDLE_PAGES: u32 = 8;

/// Checkpoints of one origin a connection remembers (as hashes) to tell a new
/// one from one sent again.
const RECENT_CHECKPOINTS: usize = 16;

/// Meta key prefix of fork evidence: `fork/<origin>`.
const FORK_PREFIX: &str = "fork/";

/// The state of the link to one peer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Link {
    Connecting,
    Connected,
    /// The last attempt failed or the stream ended; a retry is due.
    Down,
}

impl Link {
    pub fn as_str(self) -> &'static str {
        match self {
            Link::Connecting => "connecting",
            Link::Connected => "connected",
            Link::Down => "down",
        }
    }
}

/// What replication knows about one peer.
#[derive(Debug, Clone)]
pub struct PeerState {
    pub endpoint: String,
    pub state: Link,
    pub last_error: String,
    pub since_ms: i64,
}

/// What replication knows about one origin.
#[derive(Debug, Clone)]
pub struct OriginReport {
    pub origin: MemberId,
    pub height: u64,
    pub best_known: u64,
    pub halted: bool,
}

/// Rejections of one kind.
#[derive(Debug, Clone, Default)]
pub struct Rejections {
    pub count: u64,
    pub last: String,
}

/// A recorded fork: both bodies, and the peer that sent the second.
#[derive(Debug, Clone)]
pub struct ForkRecord {
    pub origin: MemberId,
    pub seq: u64,
    pub held: SignedEvent,
    pub received: SignedEvent,
    pub peer: String,
}

/// Everything `remedy status` shows.
#[derive(Debug, Clone)]
pub struct Report {
    pub peers: BTreeMap<MemberId, PeerState>,
    pub origins: Vec<OriginReport>,
    pub rejected: BTreeMap<&'static str, Rejections>,
    pub forks: Vec<ForkRecord>,
}

/// Why replication could not start.
#[derive(Debug, thiserror::Error)]
pub enum ReplicationError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("stored fork evidence for {origin} is malformed")]
    BadEvidence { origin: String },
}

/// The receiving side of one origin.
struct OriginState {
    ingest: Ingest,
    stats: LogStats,
    /// The Merkle tree of the replica, up to the ingest's head.
    tree: remedy_core::merkle::Frontier,
    /// Checkpoints received for more events than held yet (a few, newest last).
    pending_checkpoints: Vec<String>,
    /// The highest head any peer reported.
    best_known: u64,
}

pub struct Replication {
    member: MemberId,
    /// This member's signing key, for cosigning other members' checkpoints.
    key: SigningKey,
    store: Arc<dyn Store>,
    heads: Arc<Heads>,
    manifest: Arc<LiveManifest>,
    identity: TlsIdentity,
    /// Addresses from node.toml that replace the manifest's endpoints.
    overrides: BTreeMap<MemberId, SocketAddr>,
    /// Ask peers for gzip-compressed pages (`compress_follow` in node.toml).
    compress: bool,
    origins: Mutex<BTreeMap<MemberId, Arc<Mutex<OriginState>>>>,
    peers: Mutex<BTreeMap<MemberId, PeerState>>,
    rejected: Mutex<BTreeMap<&'static str, Rejections>>,
    forks: Mutex<Vec<ForkRecord>>,
}

impl std::fmt::Debug for Replication {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Replication({})", self.member)
    }
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Replication {
    /// `replicas` are the verified heads of the replicated logs held at start.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        member: MemberId,
        key: SigningKey,
        store: Arc<dyn Store>,
        heads: Arc<Heads>,
        manifest: Arc<LiveManifest>,
        identity: TlsIdentity,
        overrides: BTreeMap<MemberId, SocketAddr>,
        replicas: &BTreeMap<MemberId, ChainHead>,
        compress: bool,
    ) -> Result<Arc<Self>, ReplicationError> {
        let forks = load_forks(store.as_ref())?;
        let this = Arc::new(Self {
            member,
            key,
            store,
            heads,
            manifest,
            identity,
            overrides,
            compress,
            origins: Mutex::default(),
            peers: Mutex::default(),
            rejected: Mutex::default(),
            forks: Mutex::new(forks),
        });
        this.refresh_origins(&this.manifest.current(), replicas)?;
        Ok(this)
    }

    /// Makes sure every node member but this one has an origin state, with the key
    /// the manifest gives it now.
    fn refresh_origins(
        &self,
        manifest: &Manifest,
        replicas: &BTreeMap<MemberId, ChainHead>,
    ) -> Result<(), ReplicationError> {
        let halted: BTreeSet<MemberId> =
            lock(&self.forks).iter().map(|f| f.origin.clone()).collect();
        // A manifest is parsed with its policy checked, so this holds; were it
        // not, the strictest rules stand in (no noise, the default grain).
        let rules = manifest.body.policy.release_rules().unwrap_or_else(|e| {
            tracing::error!(error = %e, "the manifest's policy is unusable; no noised release will be accepted");
            ReleaseRules {
                epsilon_cap: Epsilon::ZERO,
                ..ReleaseRules::default()
            }
        });
        let max_payload = manifest.body.policy.max_event_bytes as usize;
        let signers = remedy_core::statement::Signers::of(manifest);
        let mut origins = lock(&self.origins);
        for member in manifest.nodes().filter(|m| m.id != self.member) {
            let Ok(key) = member.key_history() else {
                tracing::error!(origin = %member.id, "the manifest's key for this member is unusable; not replicating it");
                continue;
            };
            if let Some(state) = origins.get(&member.id) {
                let mut state = lock(state);
                let halted = state.ingest.is_halted();
                let releases = state.ingest.releases().clone().with_rules(rules);
                let partners = state.ingest.partners().clone();
                state.ingest = Ingest::new(member.id.clone(), key.clone(), state.ingest.head())
                    .with_partners(partners)
                    .with_releases(releases)
                    .with_max_payload(max_payload)
                    .with_signers(signers.clone());
                if halted {
                    state.ingest.halt();
                }
                continue;
            }
            let log = LogId::Replica(member.id.clone());
            let head = replicas
                .get(&member.id)
                .copied()
                .unwrap_or(ChainHead::EMPTY);
            let releases = load_ledger(self.store.as_ref(), &member.id, rules)?;
            let partners = crate::plan::partner_book(self.store.as_ref(), &member.id)?;
            let mut ingest = Ingest::new(member.id.clone(), key, head)
                .with_partners(partners)
                .with_releases(releases)
                .with_max_payload(max_payload)
                .with_signers(signers.clone());
            if halted.contains(&member.id) {
                ingest.halt();
            }
            self.heads.advance(&member.id, head.seq);
            let stats = LogStats::load(self.store.as_ref(), std::slice::from_ref(&log))?;
            let tree =
                crate::merkle::frontier(self.store.as_ref(), &member.id, &self.member, head.seq)?;
            origins.insert(
                member.id.clone(),
                Arc::new(Mutex::new(OriginState {
                    ingest,
                    stats,
                    tree,
                    pending_checkpoints: Vec::new(),
                    best_known: head.seq,
                })),
            );
        }
        Ok(())
    }

    /// Follows its peers (every other node member, or in a large federation its
    /// neighbours in `remedy_core::topology`) until the task is aborted. When the
    /// manifest changes, the peer set is rebuilt from the new version.
    pub async fn run(self: Arc<Self>) {
        let mut manifest_rx = self.manifest.subscribe();
        loop {
            let manifest = manifest_rx.borrow_and_update().clone();
            if let Err(e) = self.refresh_origins(&manifest, &BTreeMap::new()) {
                tracing::error!(error = %e, "cannot set up replication for the new manifest");
            }
            let mut tasks = JoinSet::new();
            let mut peers = BTreeSet::new();
            let nodes: Vec<MemberId> = manifest.nodes().map(|m| m.id.clone()).collect();
            for peer in remedy_core::topology::peers(&nodes, &self.member) {
                peers.insert(peer.clone());
                tasks.spawn(self.clone().follow_peer(peer));
            }
            lock(&self.peers).retain(|id, _| peers.contains(id));
            if manifest_rx.changed().await.is_err() {
                return;
            }
            tasks.abort_all();
            while tasks.join_next().await.is_some() {}
        }
    }

    fn set_peer(&self, peer: &MemberId, endpoint: &str, state: Link, error: String) {
        let mut peers = lock(&self.peers);
        let entry = peers.entry(peer.clone()).or_insert_with(|| PeerState {
            endpoint: endpoint.to_string(),
            state,
            last_error: String::new(),
            since_ms: now_ms(),
        });
        if entry.state != state {
            entry.since_ms = now_ms();
        }
        entry.state = state;
        entry.endpoint = endpoint.to_string();
        // The error is that of the current outage; a working link has none.
        if state == Link::Connected {
            entry.last_error.clear();
        } else if !error.is_empty() {
            entry.last_error = error;
        }
    }

    /// Follows one peer for ever, reconnecting with a backoff.
    async fn follow_peer(self: Arc<Self>, peer: MemberId) {
        let mut backoff = MIN_BACKOFF;
        // The same failure again (a peer that stays down) is logged at debug level.
        let mut previous = String::new();
        loop {
            let started = std::time::Instant::now();
            let error = match self.follow_once(&peer).await {
                Ok(()) => "the peer closed the stream".to_string(),
                Err(e) => e,
            };
            let endpoint = lock(&self.peers)
                .get(&peer)
                .map(|p| p.endpoint.clone())
                .unwrap_or_default();
            if error == previous {
                tracing::debug!(%peer, %endpoint, %error, "replication from peer stopped again; retrying");
            } else {
                tracing::warn!(%peer, %endpoint, %error, "replication from peer stopped; retrying");
            }
            previous.clone_from(&error);
            self.set_peer(&peer, &endpoint, Link::Down, error);
            if started.elapsed() > 4 * MAX_BACKOFF {
                backoff = MIN_BACKOFF;
            }
            tokio::time::sleep(backoff).await;
            backoff = (backoff * 2).min(MAX_BACKOFF);
        }
    }

    /// One connection to a peer: follow until it fails.
    async fn follow_once(self: &Arc<Self>, peer: &MemberId) -> Result<(), String> {
        let manifest = self.manifest.current();
        let connecting =
            |endpoint: &str| self.set_peer(peer, endpoint, Link::Connecting, String::new());
        let (endpoint, channel) =
            connect_peer(&manifest, &self.overrides, &self.identity, peer, connecting).await?;
        let mut log =
            pb::log_client::LogClient::new(channel.clone()).max_decoding_message_size(MAX_MESSAGE);
        if self.compress {
            log = log.accept_compressed(tonic::codec::CompressionEncoding::Gzip);
        }
        let positions: Vec<pb::Position> = lock(&self.origins)
            .iter()
            .map(|(origin, state)| pb::Position {
                origin: origin.to_string(),
                next_seq: lock(state).ingest.head().seq + 1,
            })
            .collect();
        let mut stream = log
            .follow(pb::FollowRequest { from: positions })
            .await
            .map_err(|s| format!("Follow refused: {}", s.message()))?
            .into_inner();
        self.set_peer(peer, &endpoint, Link::Connected, String::new());
        tracing::info!(%peer, %endpoint, "following peer");
        // What this peer sent of each origin so far: the highest event held from
        // its pages and the hashes of its last checkpoints; and how many pages in
        // a row brought neither further.
        let mut sent: BTreeMap<MemberId, (u64, VecDeque<[u8; 32]>)> = BTreeMap::new();
        let mut idle = 0;
        loop {
            let page = match stream.message().await {
                Ok(Some(page)) => page,
                Ok(None) => return Ok(()),
                Err(status) => {
                    let text = format!("stream broke: {}", status.message());
                    if status.code() == tonic::Code::OutOfRange {
                        // A message over MAX_MESSAGE: nothing of it was read.
                        self.refuse(peer, "oversized", format!("from peer {peer}: {text}"));
                    }
                    return Err(text);
                }
            };
            if page.manifest_version > manifest.version() {
                self.fetch_manifests(peer, channel.clone(), page.manifest_version)
                    .await?;
                // The switch restarts every peer task under the new manifest.
                return Ok(());
            }
            let Ok(origin) = MemberId::new(&page.origin) else {
                let text = format!("a page for the malformed origin {:?}", page.origin);
                self.refuse(peer, "undecodable", format!("from peer {peer}: {text}"));
                return Err(text);
            };
            let raws: Vec<Vec<u8>> = page.events.into_iter().map(|e| e.raw).collect();
            let (head, checkpoint) = (page.head, page.checkpoint);
            let first = !sent.contains_key(&origin);
            let (reached, checkpoints) = sent.entry(origin.clone()).or_default();
            let hash: [u8; 32] = sha2::Sha256::digest(checkpoint.as_bytes()).into();
            let new_checkpoint = !checkpoint.is_empty() && !checkpoints.contains(&hash);
            if new_checkpoint {
                checkpoints.push_back(hash);
                if checkpoints.len() > RECENT_CHECKPOINTS {
                    checkpoints.pop_front();
                }
            }
            let (from, this, at) = (peer.clone(), self.clone(), origin.clone());
            let reach = tokio::task::spawn_blocking(move || {
                let ingested = this.ingest_page(&from, &at, head, raws);
                this.witness(&from, &at, checkpoint);
                ingested
            })
            .await
            .map_err(|e| e.to_string())??;
            if first || new_checkpoint || reach > *reached {
                *reached = reach.max(*reached);
                idle = 0;
                continue;
            }
            idle += 1;
            if idle >= MAX_IDLE_PAGES {
                let text = format!(
                    "{idle} pages in a row brought no event or checkpoint not sent before; an endless stream, dropped"
                );
                self.refuse(peer, "endless", format!("from peer {peer}: {text}"));
                return Err(text);
            }
        }
    }

    /// Fetches and adopts the versions after ours, up to `newest`, from a peer.
    async fn fetch_manifests(
        &self,
        peer: &MemberId,
        channel: tonic::transport::Channel,
        newest: u64,
    ) -> Result<(), String> {
        let mut federation = pb::federation_client::FederationClient::new(channel);
        loop {
            let current = self.manifest.current().version();
            if current >= newest {
                return Ok(());
            }
            let reply = federation
                .manifest(pb::ManifestRequest {
                    version: current + 1,
                })
                .await
                .map_err(|s| format!("fetching manifest version {}: {}", current + 1, s.message()))?
                .into_inner();
            // Only the version asked for: an older one, even the one in force,
            // would have this loop ask again for ever.
            let refused = |text: String| {
                self.refuse(peer, "manifest", format!("from peer {peer}: {text}"));
                text
            };
            let version = remedy_core::manifest::Manifest::parse(&reply.text)
                .map_err(|e| refused(format!("manifest version {}: {e}", current + 1)))?
                .version();
            if version != current + 1 {
                return Err(refused(format!(
                    "asked for manifest version {}, the peer sent version {version}",
                    current + 1
                )));
            }
            let manifest = self.manifest.clone();
            let from = format!("peer {peer}");
            tokio::task::spawn_blocking(move || manifest.adopt(&reply.text, &from))
                .await
                .map_err(|e| e.to_string())?
                .map_err(|e| refused(format!("refused manifest version {}: {e}", current + 1)))?;
        }
    }

    /// Witnesses the checkpoint of `origin` a peer sent (and any received earlier
    /// for more events than were held then): cosigns it when it agrees with the
    /// events held, keeps the evidence when it does not.
    fn witness(&self, peer: &MemberId, origin: &MemberId, received: String) {
        let Some(state) = lock(&self.origins).get(origin).cloned() else {
            return;
        };
        let mut state = lock(&state);
        if !received.is_empty() && !state.pending_checkpoints.contains(&received) {
            state.pending_checkpoints.push(received);
            if state.pending_checkpoints.len() > 8 {
                state.pending_checkpoints.remove(0);
            }
        }
        let manifest = self.manifest.current();
        let key_of = |m: &MemberId| manifest.member(m).and_then(|m| m.key_history().ok());
        let witness = crate::witness::Witness {
            store: self.store.as_ref(),
            own: &self.member,
            key: &self.key,
            federation: &manifest.body.federation.name,
            key_of: &key_of,
        };
        let time = u64::try_from(now_ms() / 1000).unwrap_or(0);
        let held = state.ingest.head().seq;
        // A checkpoint cosigned in one pass may decide one left pending before it
        // (evidence needs a checkpoint of the history held): go again until none is.
        let mut again = true;
        while again && !state.pending_checkpoints.is_empty() {
            again = self.witness_pending(&mut state, &witness, peer, origin, held, time);
        }
    }

    /// One pass over the checkpoints of `origin` waiting to be witnessed; whether
    /// one of them was cosigned.
    fn witness_pending(
        &self,
        state: &mut OriginState,
        witness: &crate::witness::Witness<'_>,
        peer: &MemberId,
        origin: &MemberId,
        held: u64,
        time: u64,
    ) -> bool {
        let mut any_cosigned = false;
        let mut still_pending = Vec::new();
        for text in std::mem::take(&mut state.pending_checkpoints) {
            let (commit, cosigned) = match witness.witness(origin, held, &text, time) {
                Ok(Witnessed::Cosigned(rows)) => (
                    Commit {
                        projections: rows,
                        ..Commit::default()
                    },
                    true,
                ),
                Ok(Witnessed::Pending) => {
                    still_pending.push(text);
                    continue;
                }
                Ok(Witnessed::Known) => continue,
                Ok(Witnessed::Invalid(reason)) => {
                    self.refuse(
                        peer,
                        "checkpoint",
                        format!("a checkpoint of {origin} from peer {peer}: {reason}"),
                    );
                    continue;
                }
                Ok(Witnessed::Conflict { reason, evidence }) => {
                    tracing::error!(%peer, %origin, "EQUIVOCATION: {reason}; both checkpoints kept as evidence");
                    (
                        Commit {
                            meta: vec![evidence],
                            ..Commit::default()
                        },
                        false,
                    )
                }
                Err(e) => {
                    tracing::warn!(%peer, %origin, error = %e, "cannot witness the checkpoint");
                    continue;
                }
            };
            match self.store.commit(commit) {
                // Followers pass the newly cosigned checkpoint on, even when no
                // event follows it.
                Ok(()) if cosigned => {
                    any_cosigned = true;
                    self.heads.touch();
                }
                Ok(()) => {}
                Err(e) => {
                    tracing::warn!(%origin, error = %e, "cannot store the witnessed checkpoint");
                }
            }
        }
        state.pending_checkpoints = still_pending;
        any_cosigned
    }

    /// Decides about a page from `peer` and stores what is accepted, in one commit;
    /// the highest sequence number in it that this node now holds (appended or a
    /// duplicate), 0 if none. Runs on a blocking thread: it verifies signatures and
    /// syncs the store.
    fn ingest_page(
        &self,
        peer: &MemberId,
        origin: &MemberId,
        peer_head: u64,
        raws: Vec<Vec<u8>>,
    ) -> Result<u64, String> {
        let Some(state) = lock(&self.origins).get(origin).cloned() else {
            // Not an origin we follow (not a node member, or ourselves): ignore.
            return Ok(0);
        };
        let mut state = lock(&state);
        state.best_known = state.best_known.max(peer_head);
        if raws.is_empty() {
            return Ok(0);
        }
        let mut reach = 0;
        let log = LogId::Replica(origin.clone());
        let store = self.store.as_ref();
        let held_event = |seq: u64| -> Option<SignedEvent> {
            let page = store.range(&log, seq, 1).ok()?;
            let (found, raw) = page.into_iter().next()?;
            (found == seq).then_some(())?;
            SignedEvent::decode(raw).ok()
        };
        let held = |seq: u64| -> Option<EventHash> { held_event(seq).map(|e| e.hash()) };
        let before = state.ingest.clone();
        let outcomes = state.ingest.decide(raws, held);
        let mut commit = Commit::default();
        let mut problem = None;
        for outcome in outcomes {
            match outcome {
                Outcome::Append(event) => {
                    reach = event.seq();
                    state.stats.apply(&log, event.raw().len());
                    let rows = crate::merkle::push(origin, &mut state.tree, event.raw());
                    commit.projections.extend(rows);
                    commit.projections.extend(crate::views::rows(&event));
                    commit
                        .events
                        .push((log.clone(), event.seq(), event.into_raw()));
                }
                Outcome::Duplicate { seq } => reach = seq,
                Outcome::Halted => {}
                Outcome::Reject { seq, reason } => {
                    let at = seq
                        .map(|s| format!("event {s}"))
                        .unwrap_or("an event".into());
                    let text = format!("{origin} {at} from peer {peer}: {reason}");
                    self.refuse(peer, reason.code(), text.clone());
                    problem = Some(format!("rejected {text}"));
                }
                Outcome::Fork(fork) => {
                    let held = held_event(fork.seq).ok_or_else(|| {
                        format!("{origin} event {}: held event unreadable", fork.seq)
                    })?;
                    let record = ForkRecord {
                        origin: origin.clone(),
                        seq: fork.seq,
                        held,
                        received: fork.received,
                        peer: peer.to_string(),
                    };
                    tracing::error!(
                        %peer, %origin, seq = fork.seq,
                        "FORK: {origin} signed two different events for sequence {}; both kept as evidence, replication of {origin} halted",
                        fork.seq
                    );
                    commit.meta.push(encode_fork(&record));
                    lock(&self.forks).push(record);
                    problem = Some(format!("{origin} forked at event {}", fork.seq));
                }
            }
        }
        commit.projections.extend(state.stats.take_rows());
        if !commit.is_empty()
            && let Err(e) = store.commit(commit)
        {
            // Nothing of the page is stored: start again from what is.
            state.ingest = before;
            state.stats =
                LogStats::load(store, std::slice::from_ref(&log)).map_err(|e| e.to_string())?;
            state.tree =
                crate::merkle::frontier(store, origin, &self.member, state.ingest.head().seq)
                    .map_err(|e| e.to_string())?;
            return Err(format!("storing {origin} events failed: {e}"));
        }
        self.heads.advance(origin, state.ingest.head().seq);
        match problem {
            Some(problem) => Err(problem),
            None => Ok(reach),
        }
    }

    /// Counts something a peer sent that was refused, under `code`, as the
    /// status report shows it, and logs it.
    fn refuse(&self, peer: &MemberId, code: &'static str, text: String) {
        tracing::warn!(%peer, reason = code, "rejected: {text}");
        let mut rejected = lock(&self.rejected);
        let entry = rejected.entry(code).or_default();
        entry.count += 1;
        entry.last = text;
    }

    /// The state `remedy status` reports.
    pub fn report(&self) -> Report {
        let origins = lock(&self.origins)
            .iter()
            .map(|(origin, state)| {
                let state = lock(state);
                OriginReport {
                    origin: origin.clone(),
                    height: state.ingest.head().seq,
                    best_known: state.best_known,
                    halted: state.ingest.is_halted(),
                }
            })
            .collect();
        Report {
            peers: lock(&self.peers).clone(),
            origins,
            rejected: lock(&self.rejected).clone(),
            forks: lock(&self.forks).clone(),
        }
    }
}

/// Connects to `peer` over mutual TLS as `identity`, pinning the certificate the
/// manifest lists for it: at its `overrides` address (node.toml's `[peers]`), or
/// at the manifest's endpoint resolved now (a host name may give several
/// addresses: the first that connects). `connecting` hears the endpoint before
/// the attempt. Returns the endpoint and the channel.
pub async fn connect_peer(
    manifest: &Manifest,
    overrides: &BTreeMap<MemberId, SocketAddr>,
    identity: &TlsIdentity,
    peer: &MemberId,
    connecting: impl FnOnce(&str),
) -> Result<(String, tonic::transport::Channel), String> {
    let member = manifest
        .member(peer)
        .ok_or_else(|| format!("{peer} is not in the manifest"))?;
    let (endpoint, addrs) = match overrides.get(peer) {
        Some(addr) => (addr.to_string(), vec![*addr]),
        None => {
            let endpoint = member.endpoint.clone();
            let resolve = endpoint.clone();
            let addrs =
                tokio::task::spawn_blocking(move || remedy_client::client::resolve(&resolve))
                    .await
                    .map_err(|e| e.to_string())?;
            if addrs.is_empty() {
                return Err(format!(
                    "endpoint {endpoint:?} resolves to no address (HOST:PORT, or set [peers] in node.toml)"
                ));
            }
            (endpoint, addrs)
        }
    };
    connecting(&endpoint);
    let pin = parse_fingerprint(&member.tls_fingerprint)
        .ok_or_else(|| "the manifest's tls_fingerprint is malformed".to_string())?;
    let mut failure = String::new();
    for addr in addrs {
        let target = Target::peer(addr, peer.clone(), identity.clone(), pin);
        match connect(&target).await {
            Ok(channel) => return Ok((endpoint, channel)),
            Err(e) => failure = e.to_string(),
        }
    }
    Err(failure)
}

/// Fork evidence as a meta row: key `fork/<origin>`, value the sequence number
/// (8 bytes), then held and received events each with a 4-byte length, then the
/// peer's id.
fn encode_fork(record: &ForkRecord) -> (Vec<u8>, Vec<u8>) {
    let mut value = record.seq.to_be_bytes().to_vec();
    for event in [&record.held, &record.received] {
        value.extend_from_slice(&(event.raw().len() as u32).to_be_bytes());
        value.extend_from_slice(event.raw());
    }
    value.extend_from_slice(record.peer.as_bytes());
    (
        format!("{FORK_PREFIX}{}", record.origin).into_bytes(),
        value,
    )
}

fn decode_fork(origin: MemberId, value: &[u8]) -> Option<ForkRecord> {
    let seq = u64::from_be_bytes(value.get(..8)?.try_into().ok()?);
    let mut rest = &value[8..];
    let mut take = || -> Option<SignedEvent> {
        let len = u32::from_be_bytes(rest.get(..4)?.try_into().ok()?) as usize;
        let raw = rest.get(4..4 + len)?.to_vec();
        rest = &rest[4 + len..];
        SignedEvent::decode(raw).ok()
    };
    let held = take()?;
    let received = take()?;
    let peer = String::from_utf8(rest.to_vec()).ok()?;
    Some(ForkRecord {
        origin,
        seq,
        held,
        received,
        peer,
    })
}

/// The fork evidence kept in the store.
fn load_forks(store: &dyn Store) -> Result<Vec<ForkRecord>, ReplicationError> {
    let mut forks = Vec::new();
    for (key, value) in store.meta_prefix(FORK_PREFIX.as_bytes())? {
        let origin = std::str::from_utf8(&key[FORK_PREFIX.len()..])
            .ok()
            .and_then(|s| MemberId::new(s).ok());
        let record = origin.and_then(|o| decode_fork(o, &value));
        forks.push(record.ok_or_else(|| ReplicationError::BadEvidence {
            origin: String::from_utf8_lossy(&key).into_owned(),
        })?);
    }
    Ok(forks)
}

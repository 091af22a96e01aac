//! A node restored from an older backup must not sign again over events it
//! already signed: its peers hold them, and a second event for a held sequence
//! number is a fork, recorded against the member for good.
//!
//! At start a federated node asks each node peer for the head of its own shared
//! log ([`check_standing`]); until every peer has answered or timed out, appends
//! to the shared log wait, and if a peer holds more (or other) events, they are
//! refused ([`Standing`]) until the operator runs `remedy-node --dir D recover`
//! ([`recover`]), which fetches the missing events from the peer that holds the
//! most, checks them as a replica would (signatures with the member's own keys,
//! chain, payloads, releases) and stores them with their projections. The private
//! log cannot come back this way: it never leaves the node, so only a backup holds
//! it.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::time::Duration;

use remedy_core::ingest::{Ingest, Outcome};
use remedy_core::manifest::Manifest;
use remedy_core::{ChainHead, EventHash, LogKind, MemberId, SignedEvent, SigningKey};
use remedy_proto::v1 as pb;

use crate::replication::{MAX_MESSAGE, connect_peer};
use crate::stats::LogStats;
use crate::store::{Commit, LogId, Store, StoreError};
use remedy_client::tls::TlsIdentity;

/// How long one peer may take to connect and say how much of the log it holds.
const PEER_TIMEOUT: Duration = Duration::from_secs(3);

/// Events asked for per `Read` while recovering.
const READ_EVENTS: u32 = 1000;

/// Where this node's shared log stands against what its peers hold of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Standing {
    /// Peers are being asked; appends to the shared log wait.
    Checking,
    /// No peer that answered holds more or other events.
    Newest,
    /// A peer holds events after this node's last: restored from an older backup.
    Behind {
        peer: MemberId,
        theirs: u64,
        ours: u64,
    },
    /// A peer holds a different event for a sequence number this node holds: this
    /// node signed over its own history already (a fork).
    Diverged { peer: MemberId, seq: u64 },
}

impl Standing {
    /// Why appends to the shared log are refused, when they are.
    pub fn refusal(&self) -> Option<String> {
        match self {
            Standing::Checking | Standing::Newest => None,
            Standing::Behind { peer, theirs, ours } => Some(format!(
                "peer {peer} holds this member's shared log up to event {theirs}, this node only up to {ours}: it was restored from an older backup, and signing again would fork the log. Stop the node, run `remedy-node --dir DIR recover`, and start it again"
            )),
            Standing::Diverged { peer, seq } => Some(format!(
                "peer {peer} holds a different event {seq} of this member's shared log than this node: the node signed over its own history (a fork, which the peers keep as evidence). Do not append; stop the node and ask the federation's auditor"
            )),
        }
    }
}

/// What one peer holds of this member's shared log: its last sequence number and
/// the hash of that event.
#[derive(Debug, Clone)]
pub struct PeerHead {
    pub peer: MemberId,
    pub held: Result<(u64, EventHash), String>,
}

/// The peers this node can reach, and how.
#[derive(Debug, Clone)]
pub struct Peers {
    pub member: MemberId,
    pub manifest: Manifest,
    pub overrides: BTreeMap<MemberId, SocketAddr>,
    pub identity: TlsIdentity,
}

impl Peers {
    async fn connect(&self, peer: &MemberId) -> Result<tonic::transport::Channel, String> {
        let (_, channel) = connect_peer(
            &self.manifest,
            &self.overrides,
            &self.identity,
            peer,
            |_| {},
        )
        .await?;
        Ok(channel)
    }

    /// Asks every other node member, at once, for the head of this member's
    /// shared log, each within [`PEER_TIMEOUT`].
    pub async fn heads(&self) -> Vec<PeerHead> {
        let mut asks = tokio::task::JoinSet::new();
        for peer in self.manifest.nodes().filter(|m| m.id != self.member) {
            let (peers, peer) = (self.clone(), peer.id.clone());
            asks.spawn(async move {
                let ask = async {
                    let channel = peers.connect(&peer).await?;
                    let head = pb::log_client::LogClient::new(channel)
                        .head(pb::HeadRequest {
                            origin: peers.member.to_string(),
                        })
                        .await
                        .map_err(|s| format!("Head refused: {}", s.message()))?
                        .into_inner();
                    let hash = match head.seq {
                        0 => EventHash::ZERO,
                        _ => EventHash::from_slice(&head.hash)
                            .ok_or_else(|| "its head's hash is not 32 bytes".to_string())?,
                    };
                    Ok((head.seq, hash))
                };
                let held = tokio::time::timeout(PEER_TIMEOUT, ask)
                    .await
                    .unwrap_or_else(|_| Err(format!("no answer within {PEER_TIMEOUT:?}")));
                PeerHead { peer, held }
            });
        }
        let mut heads = asks.join_all().await;
        heads.sort_by(|a, b| a.peer.cmp(&b.peer));
        heads
    }
}

/// The hash of event `seq` of the own shared log, if held.
fn own_hash(store: &dyn Store, seq: u64) -> Result<Option<EventHash>, StoreError> {
    let log = LogId::Own(LogKind::Shared);
    Ok(store
        .range(&log, seq, 1)?
        .into_iter()
        .find(|(found, _)| *found == seq)
        .and_then(|(_, raw)| SignedEvent::decode(raw).ok())
        .map(|e| e.hash()))
}

/// Compares the own shared log (ending at `ours`) with what the peers hold.
pub fn standing(
    store: &dyn Store,
    ours: ChainHead,
    heads: &[PeerHead],
) -> Result<Standing, StoreError> {
    let ahead = heads
        .iter()
        .filter_map(|h| Some((&h.peer, h.held.as_ref().ok()?)))
        .filter(|(_, (seq, _))| *seq > ours.seq)
        .max_by_key(|(_, (seq, _))| *seq);
    if let Some((peer, (theirs, _))) = ahead {
        return Ok(Standing::Behind {
            peer: peer.clone(),
            theirs: *theirs,
            ours: ours.seq,
        });
    }
    for head in heads {
        let Ok((seq, hash)) = &head.held else {
            continue;
        };
        if *seq > 0 && own_hash(store, *seq)?.as_ref() != Some(hash) {
            return Ok(Standing::Diverged {
                peer: head.peer.clone(),
                seq: *seq,
            });
        }
    }
    Ok(Standing::Newest)
}

/// Asks the peers where the own shared log stands and publishes the answer on
/// `standing`: what the log writer waits for before its first shared append.
pub async fn check_standing(
    peers: Peers,
    store: std::sync::Arc<dyn Store>,
    ours: ChainHead,
    standing_tx: tokio::sync::watch::Sender<Standing>,
) {
    let heads = peers.heads().await;
    let answered = heads.iter().filter(|h| h.held.is_ok()).count();
    for head in &heads {
        if let Err(e) = &head.held {
            tracing::warn!(peer = %head.peer, error = %e, "cannot ask the peer how much of this node's shared log it holds");
        }
    }
    let decided = tokio::task::spawn_blocking(move || standing(store.as_ref(), ours, &heads))
        .await
        .map_err(|e| e.to_string())
        .and_then(|r| r.map_err(|e| e.to_string()));
    let decided = match decided {
        Ok(decided) => decided,
        Err(e) => {
            // The store could not be read: appends would fail as well.
            tracing::error!(error = %e, "cannot compare the shared log with the peers'");
            Standing::Newest
        }
    };
    match decided.refusal() {
        Some(refusal) => tracing::error!("appends to the shared log refused: {refusal}"),
        None => tracing::info!(
            answered,
            peers = peers.manifest.nodes().count().saturating_sub(1),
            shared = ours.seq,
            "no peer that answered holds more of this node's shared log"
        ),
    }
    standing_tx.send_replace(decided);
}

/// Why `recover` stopped.
#[derive(Debug, thiserror::Error)]
pub enum RecoverError {
    #[error("a standalone node (no federation.toml) has no peers to recover from")]
    Standalone,
    #[error("no peer answered, so nothing can be recovered now: {0}")]
    Unreachable(String),
    #[error("{}", .0.refusal().unwrap_or_default())]
    Diverged(Standing),
    #[error("reading from peer {peer}: {reason}")]
    Peer { peer: MemberId, reason: String },
    #[error(
        "event {seq} from peer {peer} does not verify as this member's ({reason}); nothing from it was stored. Try again later or from another peer"
    )]
    Invalid {
        peer: MemberId,
        seq: u64,
        reason: String,
    },
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What `recover` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recovered {
    /// The peer the events came from; `None` when none held more.
    pub peer: Option<MemberId>,
    /// The shared log's last event before and after.
    pub before: u64,
    pub after: u64,
}

/// Everything `recover` needs of the node.
pub struct Recovery<'a> {
    pub store: &'a dyn Store,
    pub peers: Peers,
    pub key: &'a SigningKey,
    /// The verified head of the own shared log.
    pub head: ChainHead,
}

impl std::fmt::Debug for Recovery<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Recovery({} from {})", self.peers.member, self.head.seq)
    }
}

/// Fetches the events of the own shared log that peers hold after `head`, from
/// the one that holds the most, checks each as a replica would and stores them
/// with their projections and a checkpoint signed for the new head.
/// `progress` hears the last event stored after each batch.
pub async fn recover(
    recovery: Recovery<'_>,
    mut progress: impl FnMut(u64),
) -> Result<Recovered, RecoverError> {
    let Recovery {
        store,
        peers,
        key,
        head,
    } = recovery;
    let member = peers.member.clone();
    let heads = peers.heads().await;
    if heads.iter().all(|h| h.held.is_err()) {
        let reasons: Vec<String> = heads
            .iter()
            .filter_map(|h| Some(format!("{}: {}", h.peer, h.held.as_ref().err()?)))
            .collect();
        return Err(RecoverError::Unreachable(reasons.join("; ")));
    }
    let (peer, theirs) = match standing(store, head, &heads)? {
        Standing::Behind { peer, theirs, .. } => (peer, theirs),
        diverged @ Standing::Diverged { .. } => return Err(RecoverError::Diverged(diverged)),
        Standing::Checking | Standing::Newest => {
            return Ok(Recovered {
                peer: None,
                before: head.seq,
                after: head.seq,
            });
        }
    };
    let failed = |reason: String| RecoverError::Peer {
        peer: peer.clone(),
        reason,
    };
    let channel = peers.connect(&peer).await.map_err(failed)?;
    let mut log = pb::log_client::LogClient::new(channel).max_decoding_message_size(MAX_MESSAGE);
    let manifest = &peers.manifest;
    let keys = manifest
        .member(&member)
        .ok_or_else(|| failed(format!("{member} is not in the manifest")))?
        .key_history()
        .map_err(|e| failed(e.to_string()))?;
    let rules = manifest
        .body
        .policy
        .release_rules()
        .map_err(|e| failed(e.to_string()))?;
    let ledger = crate::releases::load_ledger(store, &member, rules)?;
    let partners = crate::plan::partner_book(store, &member)?;
    let mut ingest = Ingest::new(member.clone(), keys, head)
        .with_partners(partners)
        .with_releases(ledger)
        .with_max_payload(manifest.body.policy.max_event_bytes as usize)
        .with_signers(remedy_core::statement::Signers::of(manifest));
    let own = LogId::Own(LogKind::Shared);
    let mut stats = LogStats::load(store, std::slice::from_ref(&own))?;
    let mut tree = crate::merkle::frontier(store, &member, &member, head.seq)?;
    let line =
        remedy_core::checkpoint::origin_line(&manifest.body.federation.name, member.as_str());
    // Events read but not yet decided: those after the last signed one wait for
    // the signed event that covers them.
    let mut waiting: Vec<Vec<u8>> = Vec::new();
    let mut next = head.seq + 1;
    while ingest.head().seq < theirs {
        let mut stream = log
            .read(pb::ReadRequest {
                origin: member.to_string(),
                from_seq: next,
                limit: READ_EVENTS,
            })
            .await
            .map_err(|s| failed(s.message().to_string()))?
            .into_inner();
        let before = waiting.len();
        while let Some(event) = stream
            .message()
            .await
            .map_err(|s| failed(s.message().to_string()))?
        {
            waiting.push(event.raw);
        }
        if waiting.len() == before {
            break;
        }
        next += (waiting.len() - before) as u64;
        let Some(last_signed) = waiting
            .iter()
            .rposition(|raw| remedy_core::event::is_signed(raw))
        else {
            continue;
        };
        let rest = waiting.split_off(last_signed + 1);
        let decided = std::mem::replace(&mut waiting, rest);
        let mut commit = Commit::default();
        for outcome in ingest.decide(decided, |_| None) {
            let event = match outcome {
                Outcome::Append(event) => event,
                Outcome::Reject { seq, reason } => {
                    return Err(RecoverError::Invalid {
                        peer,
                        seq: seq.unwrap_or(next),
                        reason: reason.to_string(),
                    });
                }
                other => {
                    return Err(failed(format!("unexpected outcome {other:?}")));
                }
            };
            stats.apply(&own, event.raw().len());
            commit
                .projections
                .extend(crate::merkle::push(&member, &mut tree, event.raw()));
            commit.projections.extend(crate::views::rows(&event));
            commit
                .events
                .push((own.clone(), event.seq(), event.into_raw()));
        }
        commit
            .projections
            .push(crate::merkle::own_checkpoint(&member, &line, &tree, key));
        commit.projections.extend(stats.take_rows());
        store.commit(commit)?;
        progress(ingest.head().seq);
    }
    Ok(Recovered {
        peer: Some(peer),
        before: head.seq,
        after: ingest.head().seq,
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::store::MemoryStore;
    use remedy_core::payload::{Note, Payload};

    fn log(n: u64) -> (MemoryStore, Vec<SignedEvent>) {
        let key = SigningKey::from_seed([1; 32]);
        let kh = MemberId::new("KH").unwrap();
        let store = MemoryStore::default();
        let mut head = ChainHead::EMPTY;
        let mut events = Vec::new();
        let mut commit = Commit::default();
        for seq in 1..=n {
            let draft = Note { text: "x".into() }.to_draft();
            let e = SignedEvent::seal(&key, &kh, LogKind::Shared, seq, head.hash, 0, &draft);
            head = ChainHead::of(&e);
            commit
                .events
                .push((LogId::Own(LogKind::Shared), seq, e.raw().to_vec()));
            events.push(e);
        }
        store.commit(commit).unwrap();
        (store, events)
    }

    fn held(peer: &str, event: Option<&SignedEvent>) -> PeerHead {
        PeerHead {
            peer: MemberId::new(peer).unwrap(),
            held: Ok(event.map_or((0, EventHash::ZERO), |e| (e.seq(), e.hash()))),
        }
    }

    #[test]
    fn a_peer_with_more_events_or_another_event_stops_appends() {
        let (store, events) = log(3);
        let ours = ChainHead::of(&events[2]);
        let unreachable = PeerHead {
            peer: MemberId::new("VN").unwrap(),
            held: Err("down".into()),
        };
        // Peers holding less, the same, nothing, or not answering: the newest.
        let heads = [held("ID", Some(&events[1])), held("JP", None), unreachable];
        assert_eq!(standing(&store, ours, &heads).unwrap(), Standing::Newest);
        // Restored from a backup of 2 events while a peer holds 3.
        let older = ChainHead::of(&events[1]);
        let (restored, _) = log(2);
        let heads = [held("ID", Some(&events[2])), held("JP", Some(&events[1]))];
        assert_eq!(
            standing(&restored, older, &heads).unwrap(),
            Standing::Behind {
                peer: MemberId::new("ID").unwrap(),
                theirs: 3,
                ours: 2
            }
        );
        // A peer's event 3 is not ours: signed over already.
        let other = {
            let key = SigningKey::from_seed([1; 32]);
            let draft = Note {
                text: "other".into(),
            }
            .to_draft();
            let kh = MemberId::new("KH").unwrap();
            SignedEvent::seal(&key, &kh, LogKind::Shared, 3, events[1].hash(), 0, &draft)
        };
        let heads = [held("ID", Some(&other))];
        let found = standing(&store, ours, &heads).unwrap();
        assert_eq!(
            found,
            Standing::Diverged {
                peer: MemberId::new("ID").unwrap(),
                seq: 3
            }
        );
        assert!(
            found
                .refusal()
                .unwrap()
                .contains("peer ID holds a different event 3")
        );
    }
}

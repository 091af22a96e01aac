//! The log service: heads and pages of shared logs. There is deliberately no way to
//! name a private log here: the request has no log field, and reads go to the own
//! shared log or a replica only.

use std::pin::Pin;
use std::sync::Arc;

use remedy_core::{LogKind, MemberId, SignedEvent};
use remedy_proto::v1 as pb;
use tokio_stream::Stream;
use tonic::{Request, Response, Status};

use super::convert;
use crate::federation::LiveManifest;
use crate::heads::Heads;
use crate::replication::{PAGE_BYTES, PAGE_EVENTS, PAGE_MAX_BYTES};
use crate::store::{LogId, Store};

/// Events per `Read` when the request does not say.
const DEFAULT_PAGE: usize = 1000;
/// Most events per `Read`.
const MAX_PAGE: usize = 10_000;
/// Most bytes of events per `Read` (always at least one event, which may be up to
/// 1 MiB of payload): a `Read` is read from the store whole before it is sent, so
/// this bounds the memory each one takes. Eight parallel reads of 1 MB notes hold
/// 32 MiB, not 8 × 10,000 events. Readers ask again from the next sequence number
/// until a `Read` comes back empty, so a short page costs them a round trip only.
pub const READ_BYTES: usize = 4 << 20;

/// Most `Follow` streams open at once for one caller (one certificate). A member's
/// node follows with one stream per connection (a second may linger briefly
/// after a reconnect); a coordinator's observer with one per node. Each stream
/// holds a few pages of up to `PAGE_MAX_BYTES` in the connection's buffers, so
/// this caps what one party can make a node hold.
pub const MAX_FOLLOWS_PER_CALLER: usize = 4;

#[derive(Clone)]
pub struct LogService {
    store: Arc<dyn Store>,
    member: MemberId,
    heads: Arc<Heads>,
    /// The manifest, for a federated node: its version goes into every page.
    manifest: Option<Arc<LiveManifest>>,
    /// Bytes of `Follow` pages sent, for `/metrics`.
    sent: Arc<std::sync::atomic::AtomicU64>,
    /// Open `Follow` streams per caller certificate.
    follows:
        Arc<std::sync::Mutex<std::collections::HashMap<remedy_client::tls::Fingerprint, usize>>>,
}

/// One caller's place among its open `Follow` streams, given back when the
/// stream ends.
struct FollowPlace {
    follows:
        Arc<std::sync::Mutex<std::collections::HashMap<remedy_client::tls::Fingerprint, usize>>>,
    caller: remedy_client::tls::Fingerprint,
}

impl Drop for FollowPlace {
    fn drop(&mut self) {
        let mut follows = self.follows.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(open) = follows.get_mut(&self.caller) {
            *open -= 1;
            if *open == 0 {
                follows.remove(&self.caller);
            }
        }
    }
}

impl std::fmt::Debug for LogService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "LogService({})", self.member)
    }
}

impl LogService {
    pub fn new(
        store: Arc<dyn Store>,
        member: MemberId,
        heads: Arc<Heads>,
        manifest: Option<Arc<LiveManifest>>,
    ) -> Self {
        Self {
            store,
            member,
            heads,
            manifest,
            sent: Arc::default(),
            follows: Arc::default(),
        }
    }

    /// A place for one more `Follow` stream of `caller` (none to take over plain
    /// text), or RESOURCE_EXHAUSTED when it holds [`MAX_FOLLOWS_PER_CALLER`].
    fn follow_place(
        &self,
        caller: Option<remedy_client::tls::Fingerprint>,
    ) -> Result<Option<FollowPlace>, Status> {
        let Some(caller) = caller else {
            return Ok(None);
        };
        let mut follows = self.follows.lock().unwrap_or_else(|e| e.into_inner());
        let open = follows.entry(caller).or_default();
        if *open >= MAX_FOLLOWS_PER_CALLER {
            tracing::warn!(
                caller = %hex::encode(&caller[..8]),
                "follow stream refused: the caller holds {MAX_FOLLOWS_PER_CALLER} already"
            );
            return Err(Status::resource_exhausted(format!(
                "this caller holds {MAX_FOLLOWS_PER_CALLER} Follow streams at this node already, the most it may; close one first"
            )));
        }
        *open += 1;
        Ok(Some(FollowPlace {
            follows: self.follows.clone(),
            caller,
        }))
    }

    /// Counts the bytes of `Follow` pages sent in `sent`.
    pub fn counting_into(mut self, sent: Arc<std::sync::atomic::AtomicU64>) -> Self {
        self.sent = sent;
        self
    }

    /// The shared log of `origin` as held here.
    fn shared_log(&self, origin: MemberId) -> LogId {
        if origin == self.member {
            LogId::Own(LogKind::Shared)
        } else {
            LogId::Replica(origin)
        }
    }
}

type EventStream = Pin<Box<dyn Stream<Item = Result<pb::SignedEvent, Status>> + Send>>;
type PageStream = Pin<Box<dyn Stream<Item = Result<pb::Page, Status>> + Send>>;

#[tonic::async_trait]
impl pb::log_server::Log for LogService {
    async fn head(
        &self,
        request: Request<pb::HeadRequest>,
    ) -> Result<Response<pb::LogHead>, Status> {
        let origin = convert::origin(&request.get_ref().origin, &self.member)?;
        let log = self.shared_log(origin.clone());
        let store = self.store.clone();
        let last = tokio::task::spawn_blocking(move || store.last(&log))
            .await
            .map_err(|e| Status::internal(e.to_string()))?
            .map_err(convert::store_error)?;
        let (seq, hash) = match last {
            None => (0, Vec::new()),
            Some((seq, raw)) => {
                let event = SignedEvent::decode(raw).map_err(|e| {
                    Status::data_loss(format!(
                        "{origin} event {seq} is undecodable in this node's store: {e}"
                    ))
                })?;
                (seq, event.hash().0.to_vec())
            }
        };
        Ok(Response::new(pb::LogHead {
            origin: origin.to_string(),
            seq,
            hash,
        }))
    }

    type ReadStream = EventStream;

    async fn read(
        &self,
        request: Request<pb::ReadRequest>,
    ) -> Result<Response<Self::ReadStream>, Status> {
        let request = request.into_inner();
        let origin = convert::origin(&request.origin, &self.member)?;
        let log = self.shared_log(origin);
        let limit = match request.limit as usize {
            0 => DEFAULT_PAGE,
            n => n.min(MAX_PAGE),
        };
        let from = request.from_seq.max(1);
        let store = self.store.clone();
        let page =
            tokio::task::spawn_blocking(move || store.range_bytes(&log, from, limit, READ_BYTES))
                .await
                .map_err(|e| Status::internal(e.to_string()))?
                .map_err(convert::store_error)?;
        let events = page.into_iter().map(|(_, raw)| Ok(pb::SignedEvent { raw }));
        Ok(Response::new(Box::pin(tokio_stream::iter(events))))
    }

    type FollowStream = PageStream;

    async fn follow(
        &self,
        request: Request<pb::FollowRequest>,
    ) -> Result<Response<Self::FollowStream>, Status> {
        let place = self.follow_place(convert::caller(&request))?;
        let mut named = std::collections::BTreeSet::new();
        let positions = request
            .into_inner()
            .from
            .into_iter()
            .map(|p| {
                let origin = MemberId::new(&p.origin)
                    .map_err(|e| Status::invalid_argument(format!("from: origin: {e}")))?;
                // One position per origin: a repeated one would have the same pages
                // sent once for each time it is named.
                if !named.insert(origin.clone()) {
                    return Err(Status::invalid_argument(format!(
                        "from: origin {origin} is named more than once"
                    )));
                }
                Ok((origin, p.next_seq.max(1)))
            })
            .collect::<Result<Vec<_>, Status>>()?;
        // A page is read only when the stream asks for the next one (`OnDemand`):
        // a follower that does not read holds the one page its connection is
        // sending, no page waiting behind it.
        let (pages, stream) = tokio::sync::mpsc::channel(1);
        let demand = Arc::new(tokio::sync::Notify::new());
        let asking = demand.clone();
        let follower = self.clone();
        tokio::spawn(async move {
            follower.serve_follower(positions, pages, demand).await;
            drop(place);
        });
        Ok(Response::new(Box::pin(OnDemand {
            pages: stream,
            demand: asking,
            asked: false,
        })))
    }
}

impl LogService {
    /// A held checkpoint as followers get it: signed by its origin and cosigned by
    /// this node only. Each follower collects the cosignatures of the peers it
    /// follows; passing on every cosignature collected would make each page's
    /// checkpoint grow with the federation and be re-sent at every new cosignature.
    fn as_sent(&self, origin: &MemberId, raw: &[u8]) -> String {
        let text = String::from_utf8_lossy(raw);
        let Ok(mut checkpoint) = remedy_core::checkpoint::SignedCheckpoint::parse(&text) else {
            return text.into_owned();
        };
        let keep = [
            remedy_core::checkpoint::key_name(origin.as_str()),
            remedy_core::checkpoint::key_name(self.member.as_str()),
        ];
        checkpoint.signatures.retain(|s| keep.contains(&s.name));
        checkpoint.to_text()
    }

    /// The checkpoint of `origin` this node holds, if it differs from the one last
    /// sent (empty otherwise); remembered as sent.
    fn new_checkpoint(
        &self,
        origin: &MemberId,
        sent: &mut std::collections::BTreeMap<MemberId, String>,
    ) -> String {
        let Ok(Some(raw)) = self
            .store
            .projection(&crate::merkle::checkpoint_key(origin))
        else {
            return String::new();
        };
        let text = self.as_sent(origin, &raw);
        if sent.get(origin) == Some(&text) {
            return String::new();
        }
        sent.insert(origin.clone(), text.clone());
        text
    }

    /// Serves a follower: heads first, then pages from its positions on, round robin
    /// over the origins, then whatever becomes durable, until the follower leaves.
    async fn serve_follower(
        self,
        mut positions: Vec<(MemberId, u64)>,
        pages: tokio::sync::mpsc::Sender<Result<pb::Page, Status>>,
        demand: Arc<tokio::sync::Notify>,
    ) {
        let sent_bytes = self.sent.clone();
        let mut grown = self.heads.subscribe();
        let mut manifest_rx = self.manifest.as_ref().map(|m| m.subscribe());
        let version = |rx: &Option<tokio::sync::watch::Receiver<_>>| {
            rx.as_ref()
                .map(
                    |rx: &tokio::sync::watch::Receiver<Arc<remedy_core::manifest::Manifest>>| {
                        rx.borrow().version()
                    },
                )
                .unwrap_or(0)
        };
        // The checkpoint last sent per origin: a page carries one only when it changed.
        let mut checkpoints: std::collections::BTreeMap<MemberId, String> = Default::default();
        for (origin, _) in &positions {
            let hello = pb::Page {
                origin: origin.to_string(),
                head: self.heads.get(origin),
                events: Vec::new(),
                manifest_version: version(&manifest_rx),
                checkpoint: self.new_checkpoint(origin, &mut checkpoints),
            };
            count(&sent_bytes, &hello);
            if pages.send(Ok(hello)).await.is_err() {
                return;
            }
        }
        loop {
            grown.borrow_and_update();
            if self.heads.is_closed() {
                return;
            }
            let mut sent = false;
            for (origin, next) in positions.iter_mut() {
                let head = self.heads.get(origin);
                if head < *next {
                    // Nothing new to send, but perhaps a newer or newly cosigned
                    // checkpoint: the follower witnesses it.
                    let checkpoint = self.new_checkpoint(origin, &mut checkpoints);
                    if !checkpoint.is_empty() {
                        let page = pb::Page {
                            origin: origin.to_string(),
                            head,
                            events: Vec::new(),
                            manifest_version: version(&manifest_rx),
                            checkpoint,
                        };
                        count(&sent_bytes, &page);
                        if pages.send(Ok(page)).await.is_err() {
                            return;
                        }
                    }
                    continue;
                }
                // Nothing is read before the stream asks for a page (its
                // connection sent the one before), and a place in the stream
                // is taken first.
                tokio::select! {
                    () = demand.notified() => {}
                    () = pages.closed() => return,
                }
                let Ok(slot) = pages.reserve().await else {
                    return;
                };
                let log = self.shared_log(origin.clone());
                let (store, from) = (self.store.clone(), *next);
                let key = crate::merkle::checkpoint_key(origin);
                let read = move || -> Result<_, crate::store::StoreError> {
                    // A page's worth (PAGE_BYTES, or one event), then, only if
                    // that ends inside a run of linked events, on to the signed
                    // event that ends it, within PAGE_MAX_BYTES: what is read,
                    // not only what is sent, is bounded, and no more is read
                    // than the page can use.
                    let limit = PAGE_EVENTS + remedy_core::event::MAX_LINKED as usize;
                    let mut page = store.range_bytes(&log, from, limit, PAGE_BYTES)?;
                    if let Some((last, raw)) = page.last()
                        && !remedy_core::event::is_signed(raw)
                    {
                        let bytes: usize = page.iter().map(|(_, raw)| raw.len()).sum();
                        let more = store.range_bytes(
                            &log,
                            last + 1,
                            limit.saturating_sub(page.len()),
                            PAGE_MAX_BYTES.saturating_sub(bytes),
                        )?;
                        page.extend(more);
                    }
                    let checkpoint = store.projection(&key)?;
                    Ok((page, checkpoint))
                };
                let (page, checkpoint) = match tokio::task::spawn_blocking(read).await {
                    Ok(Ok(read)) => read,
                    Ok(Err(e)) => {
                        slot.send(Err(convert::store_error(e)));
                        return;
                    }
                    Err(e) => {
                        slot.send(Err(Status::internal(e.to_string())));
                        return;
                    }
                };
                let events = page_events(page, next);
                if events.is_empty() {
                    continue;
                }
                let checkpoint = checkpoint
                    .map(|raw| self.as_sent(origin, &raw))
                    .filter(|text| checkpoints.get(origin) != Some(text));
                if let Some(text) = &checkpoint {
                    checkpoints.insert(origin.clone(), text.clone());
                }
                let page = pb::Page {
                    origin: origin.to_string(),
                    head,
                    events,
                    manifest_version: version(&manifest_rx),
                    checkpoint: checkpoint.unwrap_or_default(),
                };
                count(&sent_bytes, &page);
                slot.send(Ok(page));
                sent = true;
            }
            if sent {
                continue;
            }
            tokio::select! {
                changed = grown.changed() => if changed.is_err() { return },
                () = pages.closed() => return,
                Some(()) = async {
                    match manifest_rx.as_mut() {
                        Some(rx) => rx.changed().await.ok(),
                        None => std::future::pending().await,
                    }
                } => {
                    // Tell the follower about the new version at once.
                    let Some((origin, _)) = positions.first() else { continue };
                    let page = pb::Page {
                        origin: origin.to_string(),
                        head: self.heads.get(origin),
                        events: Vec::new(),
                        manifest_version: version(&manifest_rx),
                        checkpoint: String::new(),
                    };
                    count(&sent_bytes, &page);
                    if pages.send(Ok(page)).await.is_err() {
                        return;
                    }
                }
            }
        }
    }
}

/// A follow stream's pages as its connection asks for them: each time the
/// stream is polled for a page it has not asked for yet, the task that reads
/// them may read one more. The connection polls for the next page only once it
/// has room to send (HTTP/2 flow control), so a follower that stops reading
/// stops the reads.
struct OnDemand {
    pages: tokio::sync::mpsc::Receiver<Result<pb::Page, Status>>,
    demand: Arc<tokio::sync::Notify>,
    /// Whether the page being waited for was asked for.
    asked: bool,
}

impl Stream for OnDemand {
    type Item = Result<pb::Page, Status>;

    fn poll_next(
        mut self: Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Self::Item>> {
        if !self.asked {
            self.demand.notify_one();
            self.asked = true;
        }
        let polled = self.pages.poll_recv(cx);
        if polled.is_ready() {
            self.asked = false;
        }
        polled
    }
}

/// Adds a page's encoded size to the bytes sent to followers.
fn count(sent: &std::sync::atomic::AtomicU64, page: &pb::Page) {
    let bytes = prost::Message::encoded_len(page) as u64;
    sent.fetch_add(bytes, std::sync::atomic::Ordering::Relaxed);
}

/// The events of one replication page from `read` (in order): up to
/// [`PAGE_EVENTS`] events or [`PAGE_BYTES`], ending at a signed event, since the
/// follower can only accept linked events together with the signature that
/// covers them; `read` itself holds at most [`PAGE_MAX_BYTES`] (or one event).
/// Advances `next` past them.
fn page_events(read: Vec<(u64, Vec<u8>)>, next: &mut u64) -> Vec<pb::SignedEvent> {
    let mut events = Vec::with_capacity(read.len().min(PAGE_EVENTS));
    // Bytes taken, and how many of the events taken a signature covers.
    let (mut bytes, mut covered) = (0, 0);
    for (seq, raw) in read {
        let full = events.len() >= PAGE_EVENTS || bytes + raw.len() > PAGE_BYTES;
        if full && covered > 0 && covered == events.len() {
            break;
        }
        bytes += raw.len();
        let signed = remedy_core::event::is_signed(&raw);
        events.push((seq, pb::SignedEvent { raw }));
        if signed {
            covered = events.len();
        }
    }
    // A stored log ends with a signed event, so a read reaches one unless the log
    // breaks the format; then the follower is sent it and says what is wrong.
    if covered > 0 {
        events.truncate(covered);
    }
    if let Some((seq, _)) = events.last() {
        *next = seq + 1;
    }
    events.into_iter().map(|(_, e)| e).collect()
}

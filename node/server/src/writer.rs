//! The log writer: the one thread that appends to this node's own logs, with group
//! commit.
//!
//! ```text
//!  append() ──Job──▶ channel ──▶ writer thread: take every waiting job (up to
//!  append() ──Job──▶           │   MAX_GROUP events), build bodies in order, sign
//!  append() ──Job──▶           │   each log's last (in parallel for many), update
//!     ▲                        │   projections, one WriteBatch, one fdatasync
//!     └──── receipts ◀─────────┘
//! ```
//!
//! Only the last event of each log in a group is signed, every release and plan
//! record, and one every [`MAX_LINKED`]` + 1` events or [`SEAL_BYTES`] of a longer
//! run; the events between are linked (see `remedy_core::event`): a 1,000-event
//! append costs four signatures, and 64 single-event appends that share a commit
//! cost one. A group is committed as one write, so every event in it is durable
//! only with the signature that covers it, and a log's durable head is always a
//! signed event.
//!
//! Callers get their receipts only after the batch holding their events is
//! durable. Signing and syncing are pipelined: a committer thread syncs one group
//! while the writer thread builds and signs the next. Many concurrent single-event appends therefore share one sync, which is
//! what makes them fast. If a commit fails, every job in it fails and the in-memory
//! heads stay at the last durable state.

use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use remedy_core::event::{MAX_LINKED, MAX_PAYLOAD};
use remedy_core::{
    ChainHead, Draft, EventHash, LogKind, MemberId, SignedEvent, SigningKey, Unsigned,
};
use tokio::sync::{mpsc, oneshot};

use crate::heads::Heads;
use crate::stats::LogStats;
use crate::store::{Commit, LogId, Store};

/// Most events one commit carries. Large enough that 64 waiting writers, or one
/// 1,000-event batch, go in one commit; small enough to bound a commit's memory.
pub const MAX_GROUP: usize = 4096;
/// Groups with at least this many signatures are signed on several threads.
const PARALLEL_SIGNING_FROM: usize = 256;
/// A run of linked events is closed by a signature once its bodies reach this
/// size, which bounds a replication page (pages end at signed events).
pub const SEAL_BYTES: usize = 1 << 20;

/// Proof that an event is durable.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Receipt {
    pub seq: u64,
    pub hash: EventHash,
}

/// Why an append failed.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum AppendError {
    #[error(
        "event {index} of the request: payload of {size} bytes is over the {MAX_PAYLOAD}-byte limit"
    )]
    PayloadTooLarge { index: usize, size: usize },
    #[error("an append request must hold at least one event")]
    Empty,
    #[error("the store refused the write: {0}")]
    Store(String),
    #[error("the node is shutting down")]
    Closed,
    /// The shared log may not grow: peers hold more of it (`recovery::Standing`).
    #[error("{0}")]
    Refused(String),
}

struct Job {
    log: LogKind,
    drafts: Vec<Draft>,
    /// Projection rows the caller derived from these events, committed with them.
    projections: Vec<(Vec<u8>, Vec<u8>)>,
    reply: oneshot::Sender<Result<Vec<Receipt>, AppendError>>,
}

/// A handle to the writer thread. Cloning it is cheap; the thread stops when every
/// handle is dropped.
#[derive(Clone, Debug)]
pub struct LogWriter {
    /// `None` asks the writer thread to stop.
    jobs: mpsc::Sender<Option<Job>>,
    /// Where the shared log stands against the peers' copies: appends to it
    /// wait while that is being checked and are refused if they hold more.
    standing: Option<tokio::sync::watch::Receiver<crate::recovery::Standing>>,
}

impl std::fmt::Debug for Job {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Job({} log, {} events)", self.log, self.drafts.len())
    }
}

/// Tells when the writer thread has finished and let go of the store. The thread
/// finishes once every `LogWriter` handle is dropped.
#[derive(Debug)]
pub struct WriterStopped(std::sync::mpsc::Receiver<()>);

impl WriterStopped {
    /// Waits up to `timeout`; returns whether the thread stopped.
    pub fn wait(self, timeout: std::time::Duration) -> bool {
        matches!(
            self.0.recv_timeout(timeout),
            Err(std::sync::mpsc::RecvTimeoutError::Disconnected)
        )
    }
}

/// Where the writer starts: the verified heads of the own logs and the projections.
#[derive(Debug, Clone)]
pub struct WriterState {
    pub shared: ChainHead,
    pub private: ChainHead,
    pub stats: LogStats,
    /// The Merkle tree of the shared log, up to `shared`.
    pub tree: remedy_core::merkle::Frontier,
    /// The origin line of this log's checkpoints; `None` signs none.
    pub checkpoint_origin: Option<String>,
}

impl LogWriter {
    /// Starts the writer thread.
    pub fn start(
        store: Arc<dyn Store>,
        origin: MemberId,
        key: SigningKey,
        state: WriterState,
        heads: Arc<Heads>,
    ) -> (Self, WriterStopped) {
        let (jobs, rx) = mpsc::channel(1024);
        let (alive, stopped) = std::sync::mpsc::channel::<()>();
        std::thread::Builder::new()
            .name("log-writer".into())
            .spawn(move || {
                run(rx, store.as_ref(), &origin, &key, state, &heads);
                // The store is released before `alive` is dropped, so a waiter that sees
                // the thread stopped can close the database.
                drop(store);
                drop(alive);
            })
            .expect("the OS refused to start the log writer thread");
        (
            Self {
                jobs,
                standing: None,
            },
            WriterStopped(stopped),
        )
    }

    /// Makes appends to the shared log wait for `standing` to be decided, and
    /// refuses them if peers hold more of the log (`recovery::check_standing`).
    pub fn fenced(
        mut self,
        standing: tokio::sync::watch::Receiver<crate::recovery::Standing>,
    ) -> Self {
        self.standing = Some(standing);
        self
    }

    /// Asks the writer thread to stop once the jobs queued before this call are
    /// committed. Appends after it fail with [`AppendError::Closed`].
    pub async fn stop(&self) {
        // An error means the thread has stopped already.
        let _ = self.jobs.send(None).await;
    }

    /// Appends drafts to one of the own logs; returns once they are durable.
    pub async fn append(
        &self,
        log: LogKind,
        drafts: Vec<Draft>,
    ) -> Result<Vec<Receipt>, AppendError> {
        self.append_with(log, drafts, Vec::new()).await
    }

    /// Appends drafts and sets projection rows derived from them, all in one atomic
    /// commit: after a crash, either the events and the rows are there or neither.
    pub async fn append_with(
        &self,
        log: LogKind,
        drafts: Vec<Draft>,
        projections: Vec<(Vec<u8>, Vec<u8>)>,
    ) -> Result<Vec<Receipt>, AppendError> {
        self.submit(log, drafts, projections).await?.wait().await
    }

    /// Queues an append and returns without waiting for it to be durable: appends
    /// submitted one after the other are written in that order, so a caller can
    /// keep producing while earlier ones sync.
    pub async fn submit(
        &self,
        log: LogKind,
        drafts: Vec<Draft>,
        projections: Vec<(Vec<u8>, Vec<u8>)>,
    ) -> Result<Pending, AppendError> {
        if drafts.is_empty() {
            return Err(AppendError::Empty);
        }
        if let (LogKind::Shared, Some(standing)) = (log, &self.standing) {
            let mut standing = standing.clone();
            let decided = standing
                .wait_for(|s| *s != crate::recovery::Standing::Checking)
                .await
                .map_err(|_| AppendError::Closed)?;
            if let Some(refusal) = decided.refusal() {
                return Err(AppendError::Refused(refusal));
            }
        }
        if let Some((index, d)) = drafts
            .iter()
            .enumerate()
            .find(|(_, d)| d.payload.len() > MAX_PAYLOAD)
        {
            return Err(AppendError::PayloadTooLarge {
                index,
                size: d.payload.len(),
            });
        }
        let (reply, answer) = oneshot::channel();
        self.jobs
            .send(Some(Job {
                log,
                drafts,
                projections,
                reply,
            }))
            .await
            .map_err(|_| AppendError::Closed)?;
        Ok(Pending(answer))
    }
}

/// A submitted append: `wait` returns its receipts once it is durable.
#[derive(Debug)]
pub struct Pending(oneshot::Receiver<Result<Vec<Receipt>, AppendError>>);

impl Pending {
    pub async fn wait(self) -> Result<Vec<Receipt>, AppendError> {
        self.0.await.map_err(|_| AppendError::Closed)?
    }
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

fn run(
    mut rx: mpsc::Receiver<Option<Job>>,
    store: &dyn Store,
    origin: &MemberId,
    key: &SigningKey,
    state: WriterState,
    heads: &Heads,
) {
    std::thread::scope(|scope| {
        // One group may wait while another commits: the committer thread syncs
        // group k while this thread signs group k+1.
        let (to_commit, groups) = std::sync::mpsc::sync_channel::<Group>(1);
        let (results_tx, results) = std::sync::mpsc::channel::<bool>();
        scope.spawn(move || {
            for group in groups {
                let durable = commit_group(store, group, |shared_head| {
                    heads.advance(origin, shared_head)
                });
                if results_tx.send(durable).is_err() {
                    return;
                }
            }
        });
        // `durable` is the state after the last commit known to be on disk; `next`
        // is what the next group builds on, ahead of `durable` while a commit is in
        // flight; `in_flight` is the state after the group being committed.
        let mut durable = state.clone();
        let mut next = state;
        let mut in_flight: Option<WriterState> = None;
        let mut stop = false;
        while !stop {
            let first = match rx.try_recv() {
                Ok(Some(job)) => job,
                Err(mpsc::error::TryRecvError::Empty) if in_flight.is_some() => {
                    settle(&results, &mut in_flight, &mut durable, &mut next);
                    continue;
                }
                Err(mpsc::error::TryRecvError::Empty) => match rx.blocking_recv() {
                    Some(Some(job)) => job,
                    Some(None) | None => break,
                },
                Ok(None) | Err(mpsc::error::TryRecvError::Disconnected) => break,
            };
            let group = build_group(origin, key, &next, collect(first, &mut rx, &mut stop));
            if in_flight.is_some() && !settle(&results, &mut in_flight, &mut durable, &mut next) {
                // This group was built on events that did not become durable.
                let err = AppendError::Store(
                    "an earlier commit failed; nothing of this request was written".into(),
                );
                for job in group.jobs {
                    let _ = job.reply.send(Err(err.clone()));
                }
                continue;
            }
            next = group.after.clone();
            in_flight = Some(group.after.clone());
            if to_commit.send(group).is_err() {
                break;
            }
        }
        if in_flight.is_some() {
            settle(&results, &mut in_flight, &mut durable, &mut next);
        }
        drop(to_commit);
    });
    tracing::debug!("log writer stopped: every handle was dropped");
}

/// Waits for the commit in flight. On success its state becomes the durable one; on
/// failure the next group starts again from the last durable state.
fn settle(
    results: &std::sync::mpsc::Receiver<bool>,
    in_flight: &mut Option<WriterState>,
    durable: &mut WriterState,
    next: &mut WriterState,
) -> bool {
    let Some(after) = in_flight.take() else {
        return true;
    };
    if results.recv().unwrap_or(false) {
        *durable = after;
        true
    } else {
        *next = durable.clone();
        false
    }
}

/// The first job and every job already waiting, up to MAX_GROUP events.
fn collect(first: Job, rx: &mut mpsc::Receiver<Option<Job>>, stop: &mut bool) -> Vec<Job> {
    let mut events = first.drafts.len();
    let mut jobs = vec![first];
    while events < MAX_GROUP {
        match rx.try_recv() {
            Ok(Some(job)) => {
                events += job.drafts.len();
                jobs.push(job);
            }
            Ok(None) => {
                *stop = true;
                break;
            }
            Err(_) => break,
        }
    }
    jobs
}

/// A group of jobs built and signed, ready to commit.
struct Group {
    commit: Commit,
    jobs: Vec<Job>,
    receipts: Vec<Vec<Receipt>>,
    /// The writer's state once this group is durable.
    after: WriterState,
}

/// Builds the events of a group on top of `state` and signs them.
fn build_group(origin: &MemberId, key: &SigningKey, state: &WriterState, jobs: Vec<Job>) -> Group {
    let time_ms = now_ms();
    let mut after = state.clone();
    let mut unsigned = Vec::new();
    let mut receipts: Vec<Vec<Receipt>> = Vec::with_capacity(jobs.len());
    let mut jobs = jobs;
    // The group is committed as one write, so one signature at the end of each
    // log's part covers every job in it; a run of linked events is counted across
    // jobs. `last_job` is the index of the last job appending to each log.
    let last_job = |log: LogKind| jobs.iter().rposition(|j| j.log == log);
    let last_job = [last_job(LogKind::Shared), last_job(LogKind::Private)];
    let mut runs = [(0u64, 0usize); 2];
    for (j, job) in jobs.iter_mut().enumerate() {
        let (head, which) = match job.log {
            LogKind::Shared => (&mut after.shared, 0),
            LogKind::Private => (&mut after.private, 1),
        };
        let (linked, linked_bytes) = &mut runs[which];
        let mut mine = Vec::with_capacity(job.drafts.len());
        let last = (last_job[which] == Some(j)).then_some(job.drafts.len());
        // Each draft is dropped once its body is built: large imports are not held twice.
        for (i, draft) in std::mem::take(&mut job.drafts).into_iter().enumerate() {
            let body = Unsigned::build(origin, job.log, head.seq + 1, head.hash, time_ms, &draft);
            *linked_bytes += body.len();
            let sign = Some(i + 1) == last
                || *linked == MAX_LINKED
                || *linked_bytes >= SEAL_BYTES
                || draft.kind.signed_alone();
            (*linked, *linked_bytes) = if sign {
                (0, 0)
            } else {
                (*linked + 1, *linked_bytes)
            };
            *head = ChainHead {
                seq: body.seq(),
                hash: body.hash(),
            };
            mine.push(Receipt {
                seq: body.seq(),
                hash: body.hash(),
            });
            unsigned.push((body, sign));
        }
        receipts.push(mine);
    }
    let mut commit = Commit::default();
    let mut derived = Vec::new();
    let mut shared = false;
    for event in sign_all(unsigned, key) {
        let log = LogId::Own(event.log());
        after.stats.apply(&log, event.raw().len());
        if event.log() == LogKind::Shared {
            shared = true;
            derived.extend(crate::merkle::push(origin, &mut after.tree, event.raw()));
            derived.extend(crate::views::rows(&event));
        }
        commit.events.push((log, event.seq(), event.into_raw()));
    }
    // A checkpoint of the shared log as it stands after this group.
    if let (true, Some(line)) = (shared, &after.checkpoint_origin) {
        derived.push(crate::merkle::own_checkpoint(
            origin,
            line,
            &after.tree,
            key,
        ));
    }
    commit.projections = jobs
        .iter_mut()
        .flat_map(|job| std::mem::take(&mut job.projections))
        .collect();
    commit.projections.extend(derived);
    commit.projections.extend(after.stats.take_rows());
    Group {
        commit,
        jobs,
        receipts,
        after,
    }
}

/// Commits a group and answers its callers; returns whether it became durable.
/// `durable` is told the shared log's new head before any caller is answered, so
/// a caller that asks the node about its append next (its status, a follow)
/// finds it there.
fn commit_group(store: &dyn Store, group: Group, durable: impl FnOnce(u64)) -> bool {
    let Group {
        commit,
        jobs,
        receipts,
        after,
    } = group;
    let events = commit.events.len();
    let started = std::time::Instant::now();
    let result = store.commit(commit);
    tracing::debug!(
        events,
        jobs = jobs.len(),
        commit_us = started.elapsed().as_micros() as u64,
        "group committed"
    );
    match result {
        Ok(()) => {
            durable(after.shared.seq);
            for (job, receipts) in jobs.into_iter().zip(receipts) {
                // A caller that gave up waiting no longer needs the answer.
                let _ = job.reply.send(Ok(receipts));
            }
            true
        }
        Err(e) => {
            tracing::error!(error = %e, "commit failed; the group's appends are refused");
            let err = AppendError::Store(e.to_string());
            for job in jobs {
                let _ = job.reply.send(Err(err.clone()));
            }
            false
        }
    }
}

/// Signs the bodies marked to be signed and links the others, spreading many
/// signatures over the available cores. Order is kept.
fn sign_all(unsigned: Vec<(Unsigned, bool)>, key: &SigningKey) -> Vec<SignedEvent> {
    let finish = |(u, sign): (Unsigned, bool)| if sign { u.sign(key) } else { u.link() };
    let threads = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1);
    let signatures = unsigned.iter().filter(|(_, sign)| *sign).count();
    if signatures < PARALLEL_SIGNING_FROM || threads == 1 {
        return unsigned.into_iter().map(finish).collect();
    }
    let chunk = unsigned.len().div_ceil(threads);
    let mut chunks: Vec<Vec<(Unsigned, bool)>> = Vec::with_capacity(threads);
    let mut rest = unsigned;
    while rest.len() > chunk {
        let tail = rest.split_off(chunk);
        chunks.push(rest);
        rest = tail;
    }
    chunks.push(rest);
    std::thread::scope(|scope| {
        let handles: Vec<_> = chunks
            .into_iter()
            .map(|part| scope.spawn(move || part.into_iter().map(finish).collect::<Vec<_>>()))
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("a signing thread panicked"))
            .collect()
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::store::MemoryStore;
    use remedy_core::{ChainVerifier, PayloadKind};

    fn draft(i: usize) -> Draft {
        Draft {
            kind: PayloadKind::NOTE,
            version: 1,
            payload: format!("note {i}").into_bytes(),
        }
    }

    /// Empty logs, checkpoints signed as `remedy-net/test/KH`.
    fn empty_state() -> WriterState {
        WriterState {
            shared: ChainHead::EMPTY,
            private: ChainHead::EMPTY,
            stats: LogStats::default(),
            tree: Default::default(),
            checkpoint_origin: Some("remedy-net/test/KH".into()),
        }
    }

    fn start(store: Arc<MemoryStore>) -> (LogWriter, SigningKey) {
        let key = SigningKey::from_seed([5; 32]);
        let state = empty_state();
        (
            LogWriter::start(
                store,
                MemberId::new("KH").expect("id"),
                key.clone(),
                state,
                Arc::default(),
            )
            .0,
            key,
        )
    }

    fn verify(store: &MemoryStore, key: &SigningKey, log: LogKind) -> ChainHead {
        let mut v = ChainVerifier::new(
            MemberId::new("KH").expect("id"),
            log,
            key.verifying_key(),
            ChainHead::EMPTY,
        );
        for (seq, raw) in store.range(&LogId::Own(log), 1, usize::MAX).expect("range") {
            v.push_raw(seq, raw).expect("verifies");
        }
        v.finish().expect("verifies")
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_appends_form_one_valid_chain_per_log() {
        let store = Arc::new(MemoryStore::new());
        let (writer, key) = start(store.clone());
        let mut tasks = Vec::new();
        for t in 0..64 {
            let writer = writer.clone();
            tasks.push(tokio::spawn(async move {
                let log = if t % 4 == 0 {
                    LogKind::Private
                } else {
                    LogKind::Shared
                };
                let mut seqs = Vec::new();
                for i in 0..20 {
                    seqs.push(writer.append(log, vec![draft(i)]).await.expect("append")[0].seq);
                }
                seqs
            }));
        }
        let mut all = Vec::new();
        for t in tasks {
            all.extend(t.await.expect("task"));
        }
        // A large batch is signed every MAX_LINKED + 1 events and at its end;
        // the events between are linked.
        let receipts = writer
            .append(LogKind::Shared, (0..1000).map(draft).collect())
            .await
            .expect("batch");
        assert_eq!(receipts.len(), 1000);
        assert!(receipts.windows(2).all(|w| w[1].seq == w[0].seq + 1));
        let first = receipts[0].seq;
        let signed: Vec<u64> = store
            .range(&LogId::Own(LogKind::Shared), 1, usize::MAX)
            .expect("range")
            .into_iter()
            .filter(|(_, raw)| remedy_core::event::is_signed(raw))
            .map(|(seq, _)| seq)
            .collect();
        let run = MAX_LINKED + 1;
        assert_eq!(
            signed[signed.len() - 4..],
            [
                first + run - 1,
                first + 2 * run - 1,
                first + 3 * run - 1,
                first + 999
            ]
        );
        assert!(signed.len() <= 48 * 20 + 4);

        let shared = verify(&store, &key, LogKind::Shared);
        let private = verify(&store, &key, LogKind::Private);
        assert_eq!(shared.seq, 48 * 20 + 1000);
        assert_eq!(private.seq, 16 * 20);
        assert_eq!(receipts.last().map(|r| r.hash), Some(shared.hash));
        let stats = LogStats::load(store.as_ref(), &crate::stats::own_logs()).expect("stats");
        assert_eq!(stats.get(&LogId::Own(LogKind::Shared)).events, shared.seq);
        assert_eq!(stats.get(&LogId::Own(LogKind::Private)).events, private.seq);
    }

    /// A store whose commits take a while, as an fdatasync does, and that counts them.
    #[derive(Debug, Default)]
    struct SlowStore {
        inner: MemoryStore,
        commits: std::sync::atomic::AtomicUsize,
    }

    impl Store for SlowStore {
        fn commit(&self, commit: Commit) -> Result<(), crate::store::StoreError> {
            self.commits
                .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            std::thread::sleep(std::time::Duration::from_millis(2));
            self.inner.commit(commit)
        }
        fn last(&self, log: &LogId) -> Result<Option<(u64, Vec<u8>)>, crate::store::StoreError> {
            self.inner.last(log)
        }
        fn range(
            &self,
            log: &LogId,
            from: u64,
            limit: usize,
        ) -> Result<Vec<(u64, Vec<u8>)>, crate::store::StoreError> {
            self.inner.range(log, from, limit)
        }
        fn replica_origins(&self) -> Result<Vec<MemberId>, crate::store::StoreError> {
            self.inner.replica_origins()
        }
        fn projection(&self, key: &[u8]) -> Result<Option<Vec<u8>>, crate::store::StoreError> {
            self.inner.projection(key)
        }
        fn cursor(&self, key: &[u8]) -> Result<Option<Vec<u8>>, crate::store::StoreError> {
            self.inner.cursor(key)
        }
        fn meta(&self, key: &[u8]) -> Result<Option<Vec<u8>>, crate::store::StoreError> {
            self.inner.meta(key)
        }
        fn projection_page(
            &self,
            prefix: &[u8],
            after: Option<&[u8]>,
            limit: usize,
        ) -> Result<crate::store::Rows, crate::store::StoreError> {
            self.inner.projection_page(prefix, after, limit)
        }
        fn meta_prefix(
            &self,
            prefix: &[u8],
        ) -> Result<crate::store::Rows, crate::store::StoreError> {
            self.inner.meta_prefix(prefix)
        }

        fn clear_projections(&self, prefix: &[u8]) -> Result<(), crate::store::StoreError> {
            self.inner.clear_projections(prefix)
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_appends_share_commits() {
        let store = Arc::new(SlowStore::default());
        let key = SigningKey::from_seed([5; 32]);
        let state = empty_state();
        let (writer, stopped) = LogWriter::start(
            store.clone(),
            MemberId::new("KH").expect("id"),
            key.clone(),
            state,
            Arc::default(),
        );
        let tasks: Vec<_> = (0..64)
            .map(|t| {
                let writer = writer.clone();
                tokio::spawn(async move {
                    for i in 0..10 {
                        writer
                            .append(LogKind::Shared, vec![draft(t * 10 + i)])
                            .await
                            .expect("append");
                    }
                })
            })
            .collect();
        for t in tasks {
            t.await.expect("task");
        }
        let commits = store.commits.load(std::sync::atomic::Ordering::SeqCst);
        // 640 single-event appends; while one commit takes its 2 ms the others queue
        // up and share the next one.
        assert!(
            commits <= 640 / 8,
            "{commits} commits for 640 appends: group commit is not grouping"
        );
        // Each commit carries one signature, on its last event, and the log verifies.
        let events = store
            .inner
            .range(&LogId::Own(LogKind::Shared), 1, usize::MAX)
            .expect("range");
        let signed = events
            .iter()
            .filter(|(_, raw)| remedy_core::event::is_signed(raw))
            .count();
        assert_eq!((events.len(), signed), (640, commits));
        assert_eq!(verify(&store.inner, &key, LogKind::Shared).seq, 640);
        // Stopping: the thread finishes and lets go of the store.
        writer.stop().await;
        assert!(
            stopped.wait(std::time::Duration::from_secs(10)),
            "the writer thread did not stop"
        );
        assert_eq!(
            Arc::strong_count(&store),
            1,
            "the writer thread still holds the store"
        );
        assert_eq!(
            writer.append(LogKind::Shared, vec![draft(0)]).await,
            Err(AppendError::Closed)
        );
    }

    /// Jobs in one group share signatures: each log's part ends signed, and a run
    /// of linked events is counted across jobs.
    #[test]
    fn a_group_signs_each_logs_last_event_and_every_256th() {
        let key = SigningKey::from_seed([5; 32]);
        let origin = MemberId::new("KH").expect("id");
        let state = WriterState {
            checkpoint_origin: None,
            ..empty_state()
        };
        let job = |log, n: usize| Job {
            log,
            drafts: (0..n).map(draft).collect(),
            projections: Vec::new(),
            reply: oneshot::channel().0,
        };
        // 300 single shared appends, a private one among them, then a 3-event one.
        let mut jobs: Vec<Job> = (0..300).map(|_| job(LogKind::Shared, 1)).collect();
        jobs.insert(10, job(LogKind::Private, 1));
        jobs.push(job(LogKind::Shared, 3));
        let group = build_group(&origin, &key, &state, jobs);
        let signed = |log: LogKind| -> Vec<u64> {
            group
                .commit
                .events
                .iter()
                .filter(|(id, _, raw)| *id == LogId::Own(log) && remedy_core::event::is_signed(raw))
                .map(|(_, seq, _)| *seq)
                .collect()
        };
        assert_eq!(signed(LogKind::Shared), [MAX_LINKED + 1, 303]);
        assert_eq!(signed(LogKind::Private), [1]);
        assert_eq!(group.after.shared.seq, 303);
        assert_eq!(group.receipts.len(), 302);
        let store = MemoryStore::new();
        store.commit(group.commit).expect("commit");
        assert_eq!(verify(&store, &key, LogKind::Shared).seq, 303);
        assert_eq!(verify(&store, &key, LogKind::Private).seq, 1);
    }

    /// A caller answered that its append is durable finds it in the heads the
    /// node's status and follow streams read.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_heads_hold_an_append_before_its_caller_is_answered() {
        let heads = Arc::new(Heads::default());
        let kh = MemberId::new("KH").expect("id");
        let (writer, _) = LogWriter::start(
            Arc::new(MemoryStore::new()),
            kh.clone(),
            SigningKey::from_seed([5; 32]),
            empty_state(),
            heads.clone(),
        );
        for i in 0..300 {
            let receipts = writer
                .append(LogKind::Shared, vec![draft(i)])
                .await
                .expect("append");
            assert_eq!(heads.get(&kh), receipts[0].seq);
        }
    }

    #[tokio::test]
    async fn bad_requests_are_refused_before_the_writer() {
        let (writer, _) = start(Arc::new(MemoryStore::new()));
        assert_eq!(
            writer.append(LogKind::Shared, vec![]).await,
            Err(AppendError::Empty)
        );
        let big = Draft {
            kind: PayloadKind::NOTE,
            version: 1,
            payload: vec![0; MAX_PAYLOAD + 1],
        };
        assert_eq!(
            writer.append(LogKind::Shared, vec![draft(0), big]).await,
            Err(AppendError::PayloadTooLarge {
                index: 1,
                size: MAX_PAYLOAD + 1
            })
        );
    }
}

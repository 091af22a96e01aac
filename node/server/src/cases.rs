//! Case imports: new and changed case records into the private log, committed as a
//! whole or not at all, in bounded memory.
//!
//! An import is a [`Session`]. Each record is compared with the case projection
//! (`case/<case_id>` → the private-log sequence number of the batch holding its
//! latest version, and a hash of it): an identical record is unchanged and costs
//! nothing; a new or changed one joins the current `cases` batch, which is appended
//! to the private log once it nears 1 MiB. Those batches are inert: they count only
//! when the session commits, by appending an `import-commit` event that names them,
//! in the same atomic write as the projection rows of every changed case. An import
//! cut short (the client gone, an invalid record, the node killed) leaves its
//! batches inert and the projection as it was, so importing the same file again,
//! or once more after it succeeded, does the right thing.
//!
//! Memory: the node holds one batch and, per changed case, its id, hash and batch
//! number; not the import.

use std::collections::HashMap;
use std::sync::Arc;

use remedy_core::case::{CaseBatch, CaseRecord, ImportCommit};
use remedy_core::payload::{Payload, PayloadKind};
use remedy_core::{Draft, LogKind, SignedEvent};
use sha2::{Digest, Sha256};

use crate::store::{LogId, Store, StoreError};
use crate::writer::{AppendError, LogWriter, Pending};

const CASE_PREFIX: &[u8] = b"case/";
const COUNT_KEY: &[u8] = b"cases/count";
/// `imports/<last batch seq, 8 bytes BE>` → the import's id (8 bytes BE): one
/// row per committed import, written with its commit event, so the history
/// does not read the case batches. The commit event follows its last batch.
const IMPORT_PREFIX: &[u8] = b"imports/";
/// How far past its last batch a commit event is looked for: the import's
/// commit follows its last batch, with at most what other private appends
/// (a publication's noise seed, an operator's own) came between them.
const COMMIT_REACH: usize = 256;
/// And at most this many bytes of them.
const COMMIT_REACH_BYTES: usize = 4 << 20;
/// A batch is appended once its payload holds this many bytes (the limit is 1 MiB).
const BATCH_TARGET: usize = 900 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("case id {case_id:?} appears twice in the import (records {first} and {second})")]
    Duplicate {
        case_id: String,
        first: u64,
        second: u64,
    },
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Append(#[from] AppendError),
    #[error("the case store is inconsistent at case {case_id:?}: {reason}")]
    Corrupt { case_id: String, reason: String },
}

/// One committed import, as its commit event in the private log says.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Imported {
    /// The commit event's private-log sequence number.
    pub seq: u64,
    pub time_ms: i64,
    pub received: u64,
    pub new_cases: u64,
    pub updated: u64,
    pub unchanged: u64,
    /// Case batches the import appended.
    pub batches: usize,
}

/// What an import did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Summary {
    pub received: u64,
    pub new_cases: u64,
    pub updated: u64,
    pub unchanged: u64,
    pub events: u64,
    pub private_head: u64,
}

pub struct Cases {
    store: Arc<dyn Store>,
    writer: LogWriter,
    /// Imports run one at a time: each compares against what the one before stored.
    one_at_a_time: Arc<tokio::sync::Mutex<()>>,
}

impl std::fmt::Debug for Cases {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Cases")
    }
}

fn case_key(case_id: &str) -> Vec<u8> {
    let mut key = Vec::with_capacity(CASE_PREFIX.len() + case_id.len());
    key.extend_from_slice(CASE_PREFIX);
    key.extend_from_slice(case_id.as_bytes());
    key
}

type RowHash = [u8; 16];

fn row_hash(row: &[u8]) -> RowHash {
    let digest = Sha256::digest(row);
    let mut out = [0u8; 16];
    out.copy_from_slice(&digest[..16]);
    out
}

/// A projection value: the batch's sequence number, then the row hash.
fn encode_entry(seq: u64, hash: &RowHash) -> Vec<u8> {
    let mut value = seq.to_be_bytes().to_vec();
    value.extend_from_slice(hash);
    value
}

fn decode_entry(value: &[u8]) -> Option<(u64, RowHash)> {
    let seq = u64::from_be_bytes(value.get(..8)?.try_into().ok()?);
    let hash = value.get(8..24)?.try_into().ok()?;
    (value.len() == 24).then_some((seq, hash))
}

impl Cases {
    pub fn new(store: Arc<dyn Store>, writer: LogWriter) -> Self {
        Self {
            store,
            writer,
            one_at_a_time: Arc::default(),
        }
    }

    /// Starts an import; waits while another one runs.
    pub async fn begin(&self) -> Session {
        let guard = self.one_at_a_time.clone().lock_owned().await;
        Session {
            store: self.store.clone(),
            writer: self.writer.clone(),
            _one: guard,
            import: rand::random(),
            seen: foldhash::HashMap::default(),
            changed: Vec::new(),
            batch: Vec::new(),
            batch_bytes: 0,
            batches: Vec::new(),
            summary: Summary::default(),
        }
    }

    /// Up to `limit` cases after `after`, in case id order, and the total.
    pub fn list(
        &self,
        after: Option<&str>,
        limit: usize,
    ) -> Result<(Vec<CaseRecord>, u64), ImportError> {
        let after = after.map(case_key);
        let rows = self
            .store
            .projection_page(CASE_PREFIX, after.as_deref(), limit)?;
        let mut batches: HashMap<u64, HashMap<String, CaseRecord>> = HashMap::new();
        let mut cases = Vec::with_capacity(rows.len());
        for (key, value) in rows {
            let case_id = String::from_utf8_lossy(&key[CASE_PREFIX.len()..]).into_owned();
            cases.push(self.resolve(&case_id, &value, &mut batches)?);
        }
        Ok((cases, count(self.store.as_ref())?))
    }

    /// The last `limit` committed imports, newest first. An import that
    /// changed nothing wrote nothing, and is not among them.
    pub fn history(&self, limit: usize) -> Result<Vec<Imported>, ImportError> {
        let mut rows = Vec::new();
        let mut after: Option<Vec<u8>> = None;
        loop {
            let page = self
                .store
                .projection_page(IMPORT_PREFIX, after.as_deref(), 1000)?;
            let Some((last, _)) = page.last() else { break };
            after = Some(last.clone());
            rows.extend(page);
            if rows.len() > limit {
                rows.drain(..rows.len() - limit);
            }
        }
        let mut out = Vec::with_capacity(rows.len());
        for (key, value) in rows.iter().rev() {
            let corrupt = |reason: String| ImportError::Corrupt {
                case_id: format!("(import history row {})", hex::encode(key)),
                reason,
            };
            let number = |bytes: Option<&[u8]>| {
                bytes
                    .and_then(|b| b.try_into().ok())
                    .map(u64::from_be_bytes)
                    .ok_or_else(|| corrupt("malformed".into()))
            };
            let last_batch = number(key.get(IMPORT_PREFIX.len()..))?;
            let import = number(Some(value))?;
            let page = self.store.range_bytes(
                &LogId::Own(LogKind::Private),
                last_batch + 1,
                COMMIT_REACH,
                COMMIT_REACH_BYTES,
            )?;
            let commit = page.into_iter().find_map(|(_, raw)| {
                let event = SignedEvent::decode(raw).ok()?;
                let commit = (event.kind() == PayloadKind::IMPORT_COMMIT)
                    .then(|| ImportCommit::from_event(&event).ok())
                    .flatten()
                    .filter(|c| c.import == import)?;
                Some(Imported {
                    seq: event.seq(),
                    time_ms: event.time_ms(),
                    received: commit.received,
                    new_cases: commit.new_cases,
                    updated: commit.updated,
                    unchanged: commit.unchanged,
                    batches: commit.batches.len(),
                })
            });
            // A commit beyond the reach is left out of the history, not
            // the history with it.
            match commit {
                Some(c) => out.push(c),
                None => tracing::warn!(
                    last_batch,
                    "import history: no commit event within {COMMIT_REACH} events of the import's last batch; left out"
                ),
            }
        }
        Ok(out)
    }

    /// The latest version of one case.
    pub fn get(&self, case_id: &str) -> Result<Option<CaseRecord>, ImportError> {
        match self.store.projection(&case_key(case_id))? {
            None => Ok(None),
            Some(value) => Ok(Some(self.resolve(case_id, &value, &mut HashMap::new())?)),
        }
    }

    /// Calls `f` with the latest version of every case, batch by batch (each batch
    /// is read and decoded once). Memory: the case ids, not the cases.
    pub fn for_each(&self, mut f: impl FnMut(&CaseRecord)) -> Result<u64, ImportError> {
        let mut by_batch: std::collections::BTreeMap<u64, std::collections::HashSet<Box<str>>> =
            Default::default();
        let mut after: Option<Vec<u8>> = None;
        loop {
            let rows = self
                .store
                .projection_page(CASE_PREFIX, after.as_deref(), 10_000)?;
            let Some((last, _)) = rows.last() else { break };
            after = Some(last.clone());
            for (key, value) in rows {
                let case_id = String::from_utf8_lossy(&key[CASE_PREFIX.len()..]).into_owned();
                let (seq, _) = decode_entry(&value).ok_or_else(|| ImportError::Corrupt {
                    case_id: case_id.clone(),
                    reason: "malformed entry".into(),
                })?;
                by_batch.entry(seq).or_default().insert(case_id.into());
            }
        }
        let mut count = 0;
        for (seq, ids) in by_batch {
            let corrupt = |reason: String| ImportError::Corrupt {
                case_id: String::new(),
                reason: format!("private event {seq}: {reason}"),
            };
            let (_, raw) = self
                .store
                .range(&LogId::Own(LogKind::Private), seq, 1)?
                .into_iter()
                .next()
                .filter(|(found, _)| *found == seq)
                .ok_or_else(|| corrupt("missing".into()))?;
            let event = SignedEvent::decode(raw).map_err(|e| corrupt(e.to_string()))?;
            let batch = CaseBatch::from_event(&event).map_err(|e| corrupt(e.to_string()))?;
            for case in batch
                .cases
                .iter()
                .filter(|c| ids.contains(c.case_id.as_str()))
            {
                f(case);
                count += 1;
            }
        }
        Ok(count)
    }

    /// Reads a case from the batch its projection entry names (batches are cached
    /// across the calls of one listing).
    fn resolve(
        &self,
        case_id: &str,
        value: &[u8],
        batches: &mut HashMap<u64, HashMap<String, CaseRecord>>,
    ) -> Result<CaseRecord, ImportError> {
        let corrupt = |reason: String| ImportError::Corrupt {
            case_id: case_id.to_string(),
            reason,
        };
        let (seq, _) = decode_entry(value).ok_or_else(|| corrupt("malformed entry".into()))?;
        if let std::collections::hash_map::Entry::Vacant(slot) = batches.entry(seq) {
            let (found, raw) = self
                .store
                .range(&LogId::Own(LogKind::Private), seq, 1)?
                .into_iter()
                .next()
                .ok_or_else(|| corrupt(format!("private event {seq} is missing")))?;
            let event = SignedEvent::decode(raw).map_err(|e| corrupt(e.to_string()))?;
            if found != seq || event.kind() != PayloadKind::CASES {
                return Err(corrupt(format!("private event {seq} is not a case batch")));
            }
            let batch = CaseBatch::from_event(&event).map_err(|e| corrupt(e.to_string()))?;
            let by_id = batch
                .cases
                .into_iter()
                .map(|c| (c.case_id.clone(), c))
                .collect();
            slot.insert(by_id);
        }
        batches
            .get(&seq)
            .and_then(|b| b.get(case_id))
            .cloned()
            .ok_or_else(|| corrupt(format!("not in private event {seq}")))
    }
}

fn count(store: &dyn Store) -> Result<u64, StoreError> {
    Ok(store
        .projection(COUNT_KEY)?
        .and_then(|v| v.try_into().ok().map(u64::from_be_bytes))
        .unwrap_or(0))
}

/// One import in progress. Dropping it without `commit` abandons the import.
pub struct Session {
    store: Arc<dyn Store>,
    writer: LogWriter,
    _one: tokio::sync::OwnedMutexGuard<()>,
    import: u64,
    /// Case ids received so far, with their position, to refuse repeats.
    /// (foldhash: a million lookups per million rows; seeded per process.)
    seen: foldhash::HashMap<Box<str>, u64>,
    /// New or changed cases: projection key, hash, index of their batch in
    /// `batches`, new? (The key is built once, for the lookup.)
    changed: Vec<(Vec<u8>, RowHash, usize, bool)>,
    /// Rows of the batch being filled.
    batch: Vec<Vec<u8>>,
    batch_bytes: usize,
    /// The batches submitted so far, in order; they sync while more records arrive.
    batches: Vec<Pending>,
    summary: Summary,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Session(import {:016x}, {} received)",
            self.import, self.summary.received
        )
    }
}

impl Session {
    /// Adds validated records, appending a batch whenever one is full.
    pub async fn add(&mut self, records: Vec<CaseRecord>) -> Result<(), ImportError> {
        let store = self.store.clone();
        // Projection lookups are blocking reads: do them off the async threads.
        let keys: Vec<Vec<u8>> = records.iter().map(|r| case_key(&r.case_id)).collect();
        let (keys, held) = tokio::task::spawn_blocking(move || {
            let held = store.projections(&keys)?;
            Ok::<_, StoreError>((keys, held))
        })
        .await
        .map_err(|e| StoreError::Corrupt {
            path: "import".into(),
            reason: e.to_string(),
        })??;
        for ((record, key), held) in records.into_iter().zip(keys).zip(held) {
            self.summary.received += 1;
            let position = self.summary.received;
            let row = record.to_json();
            match self.seen.entry(record.case_id.into_boxed_str()) {
                std::collections::hash_map::Entry::Occupied(first) => {
                    return Err(ImportError::Duplicate {
                        case_id: first.key().to_string(),
                        first: *first.get(),
                        second: position,
                    });
                }
                std::collections::hash_map::Entry::Vacant(slot) => {
                    slot.insert(position);
                }
            }
            let hash = row_hash(&row);
            let is_new = match held.as_deref().map(decode_entry) {
                Some(Some((_, old))) if old == hash => {
                    self.summary.unchanged += 1;
                    continue;
                }
                Some(Some(_)) => false,
                None => true,
                Some(None) => {
                    return Err(ImportError::Corrupt {
                        case_id: String::from_utf8_lossy(&key[CASE_PREFIX.len()..]).into_owned(),
                        reason: "malformed projection entry".into(),
                    });
                }
            };
            self.changed.push((key, hash, self.batches.len(), is_new));
            self.batch_bytes += row.len() + 1;
            self.batch.push(row);
            if self.batch_bytes >= BATCH_TARGET {
                self.flush().await?;
            }
        }
        Ok(())
    }

    /// Appends the batch being filled, if any.
    async fn flush(&mut self) -> Result<(), ImportError> {
        if self.batch.is_empty() {
            return Ok(());
        }
        let payload = CaseBatch::encode_rows(self.import, self.batch.iter().map(Vec::as_slice));
        self.batch.clear();
        self.batch_bytes = 0;
        let pending = self
            .writer
            .submit(
                LogKind::Private,
                vec![Draft {
                    kind: PayloadKind::CASES,
                    version: CaseBatch::VERSION,
                    payload,
                }],
                Vec::new(),
            )
            .await?;
        self.batches.push(pending);
        Ok(())
    }

    /// Makes the import count: the commit event and every changed case's
    /// projection row, in one atomic write. Nothing changed: nothing is written.
    pub async fn commit(mut self) -> Result<Summary, ImportError> {
        self.flush().await?;
        // Not needed any more; free it before the projection rows are built.
        drop(std::mem::take(&mut self.seen));
        let mut seqs = Vec::with_capacity(self.batches.len());
        for pending in std::mem::take(&mut self.batches) {
            seqs.extend(pending.wait().await?.iter().map(|r| r.seq));
        }
        let mut summary = self.summary;
        if seqs.is_empty() {
            summary.private_head = self
                .store
                .last(&LogId::Own(LogKind::Private))?
                .map(|(seq, _)| seq)
                .unwrap_or(0);
            return Ok(summary);
        }
        let mut projections = Vec::with_capacity(self.changed.len() + 2);
        for (key, hash, batch, is_new) in std::mem::take(&mut self.changed) {
            if is_new {
                summary.new_cases += 1;
            } else {
                summary.updated += 1;
            }
            projections.push((key, encode_entry(seqs[batch], &hash)));
        }
        if summary.new_cases > 0 {
            let total = count(self.store.as_ref())? + summary.new_cases;
            projections.push((COUNT_KEY.to_vec(), total.to_be_bytes().to_vec()));
        }
        if let Some(last) = seqs.last() {
            let mut key = IMPORT_PREFIX.to_vec();
            key.extend_from_slice(&last.to_be_bytes());
            projections.push((key, self.import.to_be_bytes().to_vec()));
        }
        let commit = ImportCommit {
            import: self.import,
            batches: seqs.clone(),
            received: summary.received,
            new_cases: summary.new_cases,
            updated: summary.updated,
            unchanged: summary.unchanged,
        };
        let receipts = self
            .writer
            .append_with(LogKind::Private, vec![commit.to_draft()], projections)
            .await?;
        summary.events = seqs.len() as u64 + 1;
        summary.private_head = receipts.last().map(|r| r.seq).unwrap_or(0);
        Ok(summary)
    }

    /// How many batches an abandoned import leaves inert, for the log.
    pub fn inert_batches(&self) -> usize {
        self.batches.len()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use remedy_core::case::Date;
    use remedy_core::{ChainHead, MemberId, SigningKey};

    use std::collections::HashSet;

    use super::*;
    use crate::store::MemoryStore;

    fn ids(cases: &[CaseRecord]) -> HashSet<&str> {
        cases.iter().map(|c| c.case_id.as_str()).collect()
    }
    use crate::writer::WriterState;

    fn cases(n: u64, seed: u64) -> Vec<CaseRecord> {
        remedy_core::synthetic::generate(
            &MemberId::new("KH").unwrap(),
            n,
            seed,
            Date::parse("2024-01-01").unwrap(),
            Date::parse("2024-12-31").unwrap(),
        )
        .collect()
    }

    fn node() -> (Arc<MemoryStore>, Cases) {
        let store = Arc::new(MemoryStore::new());
        let state = WriterState {
            shared: ChainHead::EMPTY,
            private: ChainHead::EMPTY,
            stats: Default::default(),
            tree: Default::default(),
            checkpoint_origin: None,
        };
        let (writer, _) = LogWriter::start(
            store.clone(),
            MemberId::new("KH").unwrap(),
            SigningKey::generate(),
            state,
            Arc::default(),
        );
        (store.clone(), Cases::new(store, writer))
    }

    #[tokio::test]
    async fn imports_count_only_when_committed_and_compare_with_what_is_held() {
        let (store, cases_) = node();
        let records = cases(20_000, 1);

        // Abandoned: batches appended, nothing counts.
        let mut session = cases_.begin().await;
        session.add(records.clone()).await.unwrap();
        assert!(session.inert_batches() > 0);
        drop(session);
        assert_eq!(cases_.list(None, 10).unwrap().1, 0);

        let mut session = cases_.begin().await;
        session.add(records.clone()).await.unwrap();
        let first = session.commit().await.unwrap();
        assert_eq!(first.new_cases, 20_000);
        assert!(first.events > 2, "cut into batches under 1 MiB");
        let (listed, total) = cases_.list(None, 100_000).unwrap();
        assert_eq!(total, 20_000);
        assert_eq!(ids(&listed), ids(&records));
        assert_eq!(
            cases_.get(&records[5].case_id).unwrap().unwrap(),
            records[5]
        );

        let mut changed = records.clone();
        changed[7].outcome = "withdrawn".into();
        changed[7].closed_on = Some(changed[7].opened_on);
        let mut session = cases_.begin().await;
        session.add(changed.clone()).await.unwrap();
        let second = session.commit().await.unwrap();
        assert_eq!(
            (
                second.new_cases,
                second.updated,
                second.unchanged,
                second.events
            ),
            (0, 1, 19_999, 2)
        );
        assert_eq!(
            cases_.get(&records[7].case_id).unwrap().unwrap(),
            changed[7]
        );

        // The history holds the two committed imports, newest first; not the
        // abandoned one (its batches never counted).
        let history = cases_.history(10).unwrap();
        let counts: Vec<_> = history
            .iter()
            .map(|h| (h.received, h.new_cases, h.updated, h.unchanged))
            .collect();
        assert_eq!(counts, [(20_000, 0, 1, 19_999), (20_000, 20_000, 0, 0)]);
        assert_eq!(history[0].seq, second.private_head);
        assert_eq!(history[1].batches as u64, first.events - 1);
        assert_eq!(cases_.history(1).unwrap(), history[..1]);

        let mut session = cases_.begin().await;
        let mut dup = records[..2].to_vec();
        dup.push(records[0].clone());
        assert!(matches!(
            session.add(dup).await,
            Err(ImportError::Duplicate {
                first: 1,
                second: 3,
                ..
            })
        ));
        drop(store);
    }
}

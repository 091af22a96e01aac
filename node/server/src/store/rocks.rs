//! The RocksDB store.
//!
//! Column families:
//!
//! | family        | key                               | value               |
//! |---------------|-----------------------------------|---------------------|
//! | `shared`      | sequence (u64 big-endian)         | raw event           |
//! | `private`     | sequence (u64 big-endian)         | raw event           |
//! | `replica`     | origin, 0x00, sequence (u64 BE)   | raw event           |
//! | `cursors`     | runtime-defined                   | runtime-defined     |
//! | `projections` | runtime-defined                   | runtime-defined     |
//! | `meta`        | runtime-defined                   | runtime-defined     |
//!
//! Every commit is one `WriteBatch`; with `sync` on, the write-ahead log is synced
//! before `commit` returns, so an acknowledged event survives a crash or power loss.

use std::path::{Path, PathBuf};

use remedy_core::{LogKind, MemberId};
use rocksdb::{
    ColumnFamilyDescriptor, DB, Direction, IteratorMode, Options, WriteBatch, WriteOptions,
};

use super::{Commit, LogId, Rows, Store, StoreError, replica_key, split_replica_key};

pub const CF_SHARED: &str = "shared";
pub const CF_PRIVATE: &str = "private";
pub const CF_REPLICA: &str = "replica";
pub const CF_CURSORS: &str = "cursors";
pub const CF_PROJECTIONS: &str = "projections";
pub const CF_META: &str = "meta";
pub const COLUMN_FAMILIES: [&str; 6] = [
    CF_SHARED,
    CF_PRIVATE,
    CF_REPLICA,
    CF_CURSORS,
    CF_PROJECTIONS,
    CF_META,
];

/// How the store is opened.
#[derive(Clone, Copy, Debug)]
pub struct StoreOptions {
    /// Sync the write-ahead log on every commit. Turning this off makes commits
    /// return before they are durable: for benchmarks only.
    pub sync: bool,
}

impl Default for StoreOptions {
    fn default() -> Self {
        Self { sync: true }
    }
}

/// See the module documentation.
#[derive(Debug)]
pub struct RocksStore {
    db: DB,
    path: PathBuf,
    write_options: WriteOptionsBox,
}

/// `WriteOptions` is not `Debug`; this wrapper says what matters about it.
struct WriteOptionsBox {
    options: WriteOptions,
    sync: bool,
}

impl std::fmt::Debug for WriteOptionsBox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "WriteOptions {{ sync: {} }}", self.sync)
    }
}

impl RocksStore {
    /// Opens (creating if needed) the store at `path`.
    pub fn open(path: &Path, options: StoreOptions) -> Result<Self, StoreError> {
        let mut db_options = Options::default();
        db_options.create_if_missing(true);
        db_options.create_missing_column_families(true);
        db_options.set_max_background_jobs(2);
        db_options.set_keep_log_file_num(3);
        db_options.set_max_total_wal_size(64 << 20);
        db_options.set_paranoid_checks(true);
        let families = COLUMN_FAMILIES.iter().map(|name| {
            let mut cf = Options::default();
            // Logs are written once and read in order: large memtables are not needed,
            // and small ones keep an idle node's memory low.
            cf.set_write_buffer_size(8 << 20);
            cf.set_compression_type(rocksdb::DBCompressionType::Lz4);
            ColumnFamilyDescriptor::new(*name, cf)
        });
        let db = DB::open_cf_descriptors(&db_options, path, families).map_err(|source| {
            // RocksDB reports a held lock only in its message text.
            if source.to_string().contains("lock file") {
                StoreError::Locked {
                    path: path.display().to_string(),
                }
            } else {
                StoreError::Rocks {
                    path: path.display().to_string(),
                    source,
                }
            }
        })?;
        let mut write_options = WriteOptions::default();
        write_options.set_sync(options.sync);
        Ok(Self {
            db,
            path: path.to_path_buf(),
            write_options: WriteOptionsBox {
                options: write_options,
                sync: options.sync,
            },
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Flushes memtables and compacts every family, so that the files on disk hold
    /// everything once. Used by benchmarks that measure bytes on disk per event.
    pub fn compact(&self) -> Result<(), StoreError> {
        for name in COLUMN_FAMILIES {
            let cf = self.cf(name)?;
            self.db.flush_cf(cf).map_err(|e| self.rocks(e))?;
            self.db.compact_range_cf(cf, None::<&[u8]>, None::<&[u8]>);
        }
        Ok(())
    }

    fn rocks(&self, source: rocksdb::Error) -> StoreError {
        StoreError::Rocks {
            path: self.path.display().to_string(),
            source,
        }
    }

    fn cf(&self, name: &str) -> Result<&rocksdb::ColumnFamily, StoreError> {
        self.db.cf_handle(name).ok_or_else(|| StoreError::Corrupt {
            path: self.path.display().to_string(),
            reason: format!("column family {name} is missing"),
        })
    }

    fn log_cf(&self, log: &LogId) -> Result<&rocksdb::ColumnFamily, StoreError> {
        self.cf(match log {
            LogId::Own(LogKind::Shared) => CF_SHARED,
            LogId::Own(LogKind::Private) => CF_PRIVATE,
            LogId::Replica(_) => CF_REPLICA,
        })
    }

    fn key(log: &LogId, seq: u64) -> Vec<u8> {
        match log {
            LogId::Own(_) => seq.to_be_bytes().to_vec(),
            LogId::Replica(origin) => replica_key(origin, seq),
        }
    }

    fn seq_of(&self, log: &LogId, key: &[u8]) -> Result<u64, StoreError> {
        let seq = match log {
            LogId::Own(_) => key.try_into().ok().map(u64::from_be_bytes),
            LogId::Replica(_) => split_replica_key(key).map(|(_, seq)| seq),
        };
        seq.ok_or_else(|| StoreError::Corrupt {
            path: self.path.display().to_string(),
            reason: format!("malformed key {} in the {log}", hex_short(key)),
        })
    }

    /// Whether `key` belongs to `log` (replica logs share one family).
    fn in_log(log: &LogId, key: &[u8]) -> bool {
        match log {
            LogId::Own(_) => true,
            LogId::Replica(origin) => {
                let prefix = origin.as_str().as_bytes();
                key.len() == prefix.len() + 9 && key.starts_with(prefix) && key[prefix.len()] == 0
            }
        }
    }

    fn get(&self, cf: &str, key: &[u8]) -> Result<Option<Vec<u8>>, StoreError> {
        self.db.get_cf(self.cf(cf)?, key).map_err(|e| self.rocks(e))
    }
}

impl Store for RocksStore {
    fn commit(&self, commit: Commit) -> Result<(), StoreError> {
        let mut batch = WriteBatch::default();
        for (log, seq, raw) in &commit.events {
            batch.put_cf(self.log_cf(log)?, Self::key(log, *seq), raw);
        }
        for (family, rows) in [
            (CF_PROJECTIONS, &commit.projections),
            (CF_CURSORS, &commit.cursors),
            (CF_META, &commit.meta),
        ] {
            let cf = self.cf(family)?;
            for (key, value) in rows {
                batch.put_cf(cf, key, value);
            }
        }
        self.db
            .write_opt(batch, &self.write_options.options)
            .map_err(|e| self.rocks(e))
    }

    fn last(&self, log: &LogId) -> Result<Option<(u64, Vec<u8>)>, StoreError> {
        let cf = self.log_cf(log)?;
        let mut it = self.db.raw_iterator_cf(cf);
        match log {
            LogId::Own(_) => it.seek_to_last(),
            LogId::Replica(origin) => it.seek_for_prev(replica_key(origin, u64::MAX)),
        }
        it.status().map_err(|e| self.rocks(e))?;
        match (it.key(), it.value()) {
            (Some(key), Some(value)) if Self::in_log(log, key) => {
                Ok(Some((self.seq_of(log, key)?, value.to_vec())))
            }
            _ => Ok(None),
        }
    }

    fn range(
        &self,
        log: &LogId,
        from: u64,
        limit: usize,
    ) -> Result<Vec<(u64, Vec<u8>)>, StoreError> {
        let cf = self.log_cf(log)?;
        let start = Self::key(log, from);
        let mut out = Vec::with_capacity(limit.min(4096));
        for item in self
            .db
            .iterator_cf(cf, IteratorMode::From(&start, Direction::Forward))
        {
            let (key, value) = item.map_err(|e| self.rocks(e))?;
            if out.len() >= limit || !Self::in_log(log, &key) {
                break;
            }
            out.push((self.seq_of(log, &key)?, value.into_vec()));
        }
        Ok(out)
    }

    fn range_bytes(
        &self,
        log: &LogId,
        from: u64,
        limit: usize,
        max_bytes: usize,
    ) -> Result<Vec<(u64, Vec<u8>)>, StoreError> {
        let cf = self.log_cf(log)?;
        let start = Self::key(log, from);
        let (mut out, mut bytes) = (Vec::new(), 0usize);
        for item in self
            .db
            .iterator_cf(cf, IteratorMode::From(&start, Direction::Forward))
        {
            let (key, value) = item.map_err(|e| self.rocks(e))?;
            if out.len() >= limit
                || !Self::in_log(log, &key)
                || (!out.is_empty() && bytes + value.len() > max_bytes)
            {
                break;
            }
            bytes += value.len();
            out.push((self.seq_of(log, &key)?, value.into_vec()));
        }
        Ok(out)
    }

    fn replica_origins(&self) -> Result<Vec<MemberId>, StoreError> {
        // Skip from one origin to the next with seeks rather than scanning every event.
        let cf = self.cf(CF_REPLICA)?;
        let mut origins = Vec::new();
        let mut it = self.db.raw_iterator_cf(cf);
        it.seek_to_first();
        while let Some(key) = it.key() {
            let (origin, _) = split_replica_key(key).ok_or_else(|| StoreError::Corrupt {
                path: self.path.display().to_string(),
                reason: format!("malformed replica key {}", hex_short(key)),
            })?;
            it.seek(replica_key(&origin, u64::MAX));
            if it
                .key()
                .is_some_and(|k| split_replica_key(k).is_some_and(|(o, _)| o == origin))
            {
                it.next();
            }
            origins.push(origin);
        }
        it.status().map_err(|e| self.rocks(e))?;
        Ok(origins)
    }

    fn projection(&self, key: &[u8]) -> Result<Option<Vec<u8>>, StoreError> {
        self.get(CF_PROJECTIONS, key)
    }

    fn projections(&self, keys: &[Vec<u8>]) -> Result<Vec<Option<Vec<u8>>>, StoreError> {
        self.db
            .batched_multi_get_cf(self.cf(CF_PROJECTIONS)?, keys, false)
            .into_iter()
            .map(|found| {
                found
                    .map(|value| value.map(|v| v.to_vec()))
                    .map_err(|e| self.rocks(e))
            })
            .collect()
    }

    fn cursor(&self, key: &[u8]) -> Result<Option<Vec<u8>>, StoreError> {
        self.get(CF_CURSORS, key)
    }

    fn meta(&self, key: &[u8]) -> Result<Option<Vec<u8>>, StoreError> {
        self.get(CF_META, key)
    }

    fn projection_page(
        &self,
        prefix: &[u8],
        after: Option<&[u8]>,
        limit: usize,
    ) -> Result<Rows, StoreError> {
        let mut rows = Vec::new();
        let mut it = self.db.raw_iterator_cf(self.cf(CF_PROJECTIONS)?);
        match after {
            Some(after) => {
                it.seek(after);
                if it.key() == Some(after) {
                    it.next();
                }
            }
            None => it.seek(prefix),
        }
        while rows.len() < limit
            && let (Some(key), Some(value)) = (it.key(), it.value())
        {
            if !key.starts_with(prefix) {
                break;
            }
            rows.push((key.to_vec(), value.to_vec()));
            it.next();
        }
        it.status().map_err(|e| self.rocks(e))?;
        Ok(rows)
    }

    fn clear_projections(&self, prefix: &[u8]) -> Result<(), StoreError> {
        let cf = self.cf(CF_PROJECTIONS)?;
        let mut batch = WriteBatch::default();
        let mut it = self.db.raw_iterator_cf(cf);
        it.seek(prefix);
        while let Some(key) = it.key() {
            if !key.starts_with(prefix) {
                break;
            }
            batch.delete_cf(cf, key);
            it.next();
        }
        it.status().map_err(|e| self.rocks(e))?;
        self.db
            .write_opt(batch, &self.write_options.options)
            .map_err(|e| self.rocks(e))
    }

    fn meta_prefix(&self, prefix: &[u8]) -> Result<Rows, StoreError> {
        let mut rows = Vec::new();
        let mut it = self.db.raw_iterator_cf(self.cf(CF_META)?);
        it.seek(prefix);
        while let (Some(key), Some(value)) = (it.key(), it.value()) {
            if !key.starts_with(prefix) {
                break;
            }
            rows.push((key.to_vec(), value.to_vec()));
            it.next();
        }
        it.status().map_err(|e| self.rocks(e))?;
        Ok(rows)
    }
}

fn hex_short(bytes: &[u8]) -> String {
    let shown = &bytes[..bytes.len().min(24)];
    format!(
        "0x{}{}",
        hex::encode(shown),
        if bytes.len() > shown.len() { "…" } else { "" }
    )
}

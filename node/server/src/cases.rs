//! Case imports: new and changed case records into the private log, with the case
//! projection, in one atomic write.
//!
//! The projection holds the latest version of every case (`case/<case_id>` → the
//! record's row as JSON) and the number of cases (`cases/count`). An import compares
//! each record with it: an identical record is unchanged and appends nothing, a new
//! id is a new case, a known id with other values is an update. The changed records
//! go into `cases` payloads of under 1 MiB each, appended to the private log together
//! with the projection rows in one commit, so an import that is interrupted (the
//! client gone, the node killed) leaves nothing behind, and importing the same file
//! twice changes nothing.

use std::collections::HashMap;
use std::sync::Arc;

use remedy_core::case::CaseRecord;
use remedy_core::payload::PayloadKind;
use remedy_core::{Draft, LogKind};

use crate::store::{LogId, Store, StoreError};
use crate::writer::{AppendError, LogWriter};

const CASE_PREFIX: &[u8] = b"case/";
const COUNT_KEY: &[u8] = b"cases/count";
/// A `cases` payload is cut once it holds this many bytes (the limit is 1 MiB).
const PAYLOAD_TARGET: usize = 900 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("case id {case_id:?} appears twice in the import (records {first} and {second})")]
    Duplicate {
        case_id: String,
        first: usize,
        second: usize,
    },
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Append(#[from] AppendError),
    #[error("the stored projection row of case {case_id:?} is unreadable: {reason}")]
    Corrupt { case_id: String, reason: String },
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
    one_at_a_time: tokio::sync::Mutex<()>,
}

impl std::fmt::Debug for Cases {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Cases")
    }
}

fn case_key(case_id: &str) -> Vec<u8> {
    let mut key = CASE_PREFIX.to_vec();
    key.extend_from_slice(case_id.as_bytes());
    key
}

impl Cases {
    pub fn new(store: Arc<dyn Store>, writer: LogWriter) -> Self {
        Self {
            store,
            writer,
            one_at_a_time: tokio::sync::Mutex::new(()),
        }
    }

    /// Imports validated records; see the module documentation.
    pub async fn import(&self, records: Vec<CaseRecord>) -> Result<Summary, ImportError> {
        let _one = self.one_at_a_time.lock().await;
        let store = self.store.clone();
        let plan = tokio::task::spawn_blocking(move || plan(store.as_ref(), records))
            .await
            .map_err(|e| StoreError::Corrupt {
                path: "import".into(),
                reason: e.to_string(),
            })??;
        let mut summary = plan.summary;
        if plan.drafts.is_empty() {
            summary.private_head = self
                .store
                .last(&LogId::Own(LogKind::Private))?
                .map(|(seq, _)| seq)
                .unwrap_or(0);
            return Ok(summary);
        }
        summary.events = plan.drafts.len() as u64;
        let receipts = self
            .writer
            .append_with(LogKind::Private, plan.drafts, plan.projections)
            .await?;
        summary.private_head = receipts.last().map(|r| r.seq).unwrap_or(0);
        Ok(summary)
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
        let cases = rows
            .into_iter()
            .map(|(key, value)| {
                CaseRecord::from_json(&value).map_err(|reason| ImportError::Corrupt {
                    case_id: String::from_utf8_lossy(&key[CASE_PREFIX.len()..]).into_owned(),
                    reason,
                })
            })
            .collect::<Result<_, _>>()?;
        Ok((cases, count(self.store.as_ref())?))
    }

    /// The latest version of one case.
    pub fn get(&self, case_id: &str) -> Result<Option<CaseRecord>, ImportError> {
        self.store
            .projection(&case_key(case_id))?
            .map(|value| {
                CaseRecord::from_json(&value).map_err(|reason| ImportError::Corrupt {
                    case_id: case_id.to_string(),
                    reason,
                })
            })
            .transpose()
    }
}

fn count(store: &dyn Store) -> Result<u64, StoreError> {
    Ok(store
        .projection(COUNT_KEY)?
        .and_then(|v| v.try_into().ok().map(u64::from_be_bytes))
        .unwrap_or(0))
}

/// The events and projection rows an import writes.
struct Plan {
    drafts: Vec<Draft>,
    projections: Vec<(Vec<u8>, Vec<u8>)>,
    summary: Summary,
}

/// Compares the records with the projection and prepares the write.
fn plan(store: &dyn Store, records: Vec<CaseRecord>) -> Result<Plan, ImportError> {
    let mut seen: HashMap<&str, usize> = HashMap::with_capacity(records.len());
    for (i, record) in records.iter().enumerate() {
        if let Some(first) = seen.insert(record.case_id.as_str(), i + 1) {
            return Err(ImportError::Duplicate {
                case_id: record.case_id.clone(),
                first,
                second: i + 1,
            });
        }
    }
    drop(seen);
    let mut summary = Summary {
        received: records.len() as u64,
        ..Summary::default()
    };
    let mut projections = Vec::new();
    let mut drafts = Vec::new();
    let mut payload = Vec::new();
    let flush = |payload: &mut Vec<u8>, drafts: &mut Vec<Draft>| {
        if !payload.is_empty() {
            payload.extend_from_slice(b"]}");
            drafts.push(Draft {
                kind: PayloadKind::CASES,
                version: 1,
                payload: std::mem::take(payload),
            });
        }
    };
    for record in records {
        let row = record.to_json();
        let key = case_key(&record.case_id);
        match store.projection(&key)? {
            Some(old) if old == row => {
                summary.unchanged += 1;
                continue;
            }
            Some(_) => summary.updated += 1,
            None => summary.new_cases += 1,
        }
        // The payload is the batch's JSON, built from the rows directly.
        if payload.is_empty() {
            payload.extend_from_slice(b"{\"rows\":[");
        } else {
            payload.push(b',');
        }
        payload.extend_from_slice(&row);
        projections.push((key, row));
        if payload.len() >= PAYLOAD_TARGET {
            flush(&mut payload, &mut drafts);
        }
    }
    flush(&mut payload, &mut drafts);
    if summary.new_cases > 0 {
        let total = count(store)? + summary.new_cases;
        projections.push((COUNT_KEY.to_vec(), total.to_be_bytes().to_vec()));
    }
    Ok(Plan {
        drafts,
        projections,
        summary,
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use remedy_core::MemberId;
    use remedy_core::case::{CaseBatch, Date};
    use remedy_core::payload::Payload;

    use super::*;
    use crate::store::MemoryStore;

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

    #[test]
    fn an_import_plans_new_changed_and_unchanged_cases_and_valid_payloads() {
        let store = MemoryStore::new();
        let records = cases(20_000, 1);
        let plan1 = plan(&store, records.clone()).unwrap();
        assert_eq!(plan1.summary.new_cases, 20_000);
        assert!(plan1.drafts.len() > 1, "cut into payloads under 1 MiB");
        let mut decoded = Vec::new();
        for d in &plan1.drafts {
            assert!(d.payload.len() <= remedy_core::event::MAX_PAYLOAD);
            remedy_core::payload::check(d.kind, d.version, &d.payload).unwrap();
            decoded.extend(CaseBatch::decode(1, &d.payload).unwrap().cases);
        }
        assert_eq!(decoded, records);
        store
            .commit(crate::store::Commit {
                projections: plan1.projections,
                ..Default::default()
            })
            .unwrap();
        let mut changed = records.clone();
        changed[7].outcome = "withdrawn".into();
        changed[7].closed_on = Some(changed[7].opened_on);
        let plan2 = plan(&store, changed).unwrap();
        assert_eq!(
            (
                plan2.summary.new_cases,
                plan2.summary.updated,
                plan2.summary.unchanged
            ),
            (0, 1, 19_999)
        );
        assert_eq!(plan2.drafts.len(), 1);
        let mut dup = records[..2].to_vec();
        dup.push(records[0].clone());
        assert!(matches!(
            plan(&store, dup),
            Err(ImportError::Duplicate {
                first: 1,
                second: 3,
                ..
            })
        ));
    }
}

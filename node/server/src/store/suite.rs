//! One test suite run against every store implementation.

use remedy_core::{LogKind, MemberId};

use super::{Commit, LogId, MemoryStore, RocksStore, Store, StoreOptions};

fn member(id: &str) -> MemberId {
    MemberId::new(id).expect("valid member id")
}

fn events(log: &LogId, seqs: std::ops::RangeInclusive<u64>) -> Commit {
    Commit {
        events: seqs
            .map(|s| (log.clone(), s, format!("{log} {s}").into_bytes()))
            .collect(),
        ..Commit::default()
    }
}

fn test_suite(store: &dyn Store) {
    let shared = LogId::Own(LogKind::Shared);
    let private = LogId::Own(LogKind::Private);
    let vn = LogId::Replica(member("VN"));
    let vnx = LogId::Replica(member("VNX"));
    let id = LogId::Replica(member("ID"));

    assert_eq!(store.last(&shared).expect("last"), None);
    assert_eq!(store.range(&vn, 1, 10).expect("range"), vec![]);
    assert_eq!(store.replica_origins().expect("origins"), vec![]);

    store.commit(events(&shared, 1..=300)).expect("commit");
    store.commit(events(&private, 1..=2)).expect("commit");
    store.commit(events(&vn, 1..=5)).expect("commit");
    store.commit(events(&vnx, 1..=3)).expect("commit");
    store.commit(events(&id, 1..=1)).expect("commit");

    // Logs are separate, ordered by sequence (300 > 255 checks big-endian keys).
    assert_eq!(
        store.last(&shared).expect("last"),
        Some((300, b"own shared log 300".to_vec()))
    );
    assert_eq!(store.last(&private).expect("last").map(|(s, _)| s), Some(2));
    assert_eq!(store.last(&vn).expect("last").map(|(s, _)| s), Some(5));
    assert_eq!(store.last(&vnx).expect("last").map(|(s, _)| s), Some(3));
    let page = store.range(&shared, 250, 10).expect("range");
    assert_eq!(
        page.iter().map(|(s, _)| *s).collect::<Vec<_>>(),
        (250..260).collect::<Vec<_>>()
    );
    // A range bounded in bytes stops before the event that would cross the bound,
    // but always holds one event; each of these is 18 bytes ("own shared log 250").
    let seqs = |page: Vec<(u64, Vec<u8>)>| page.into_iter().map(|(s, _)| s).collect::<Vec<_>>();
    assert_eq!(
        seqs(store.range_bytes(&shared, 250, 10, 40).expect("range")),
        [250, 251]
    );
    assert_eq!(
        seqs(store.range_bytes(&shared, 250, 10, 36).expect("range")),
        [250, 251]
    );
    assert_eq!(
        seqs(store.range_bytes(&shared, 250, 10, 1).expect("range")),
        [250]
    );
    assert_eq!(
        seqs(store.range_bytes(&shared, 250, 3, 1 << 20).expect("range")),
        [250, 251, 252]
    );
    assert_eq!(
        store
            .range_bytes(&vn, 1, 100, 1 << 20)
            .expect("range")
            .len(),
        5
    );
    assert_eq!(
        store.range_bytes(&vn, 6, 100, 1 << 20).expect("range"),
        vec![]
    );
    // A replica range stops at the end of its origin, not in the next origin's events.
    let vn_all = store.range(&vn, 1, 100).expect("range");
    assert_eq!(vn_all.len(), 5);
    assert!(vn_all.iter().all(|(_, v)| v.starts_with(b"replica of VN ")));
    assert_eq!(
        store.replica_origins().expect("origins"),
        vec![member("ID"), member("VN"), member("VNX")]
    );

    // Rows of every kind, atomically with events.
    let mut both = events(&shared, 301..=301);
    both.projections.push((b"p".to_vec(), b"1".to_vec()));
    both.cursors.push((b"c".to_vec(), b"2".to_vec()));
    both.meta.push((b"m".to_vec(), b"3".to_vec()));
    assert!(!both.is_empty());
    store.commit(both).expect("commit");
    assert_eq!(store.projection(b"p").expect("get"), Some(b"1".to_vec()));
    assert_eq!(
        store
            .projections(&[b"q".to_vec(), b"p".to_vec(), b"m".to_vec(), b"p".to_vec()])
            .expect("get"),
        [None, Some(b"1".to_vec()), None, Some(b"1".to_vec())]
    );
    assert_eq!(store.cursor(b"c").expect("get"), Some(b"2".to_vec()));
    assert_eq!(store.meta(b"m").expect("get"), Some(b"3".to_vec()));
    assert_eq!(store.meta(b"p").expect("get"), None);

    // Metadata rows by prefix, in key order, and nothing past the prefix.
    store
        .commit(Commit {
            meta: vec![
                (b"fork/VN".to_vec(), b"b".to_vec()),
                (b"fork/ID".to_vec(), b"a".to_vec()),
                (b"forks".to_vec(), b"x".to_vec()),
            ],
            ..Commit::default()
        })
        .expect("commit");
    store
        .commit(Commit {
            projections: vec![
                (b"case/a".to_vec(), b"1".to_vec()),
                (b"case/b".to_vec(), b"2".to_vec()),
                (b"case/c".to_vec(), b"3".to_vec()),
                (b"cases".to_vec(), b"x".to_vec()),
            ],
            ..Commit::default()
        })
        .expect("commit");
    let keys =
        |rows: crate::store::Rows| -> Vec<Vec<u8>> { rows.into_iter().map(|r| r.0).collect() };
    assert_eq!(
        keys(store.projection_page(b"case/", None, 2).expect("page")),
        vec![b"case/a".to_vec(), b"case/b".to_vec()]
    );
    assert_eq!(
        keys(
            store
                .projection_page(b"case/", Some(b"case/b"), 10)
                .expect("page")
        ),
        vec![b"case/c".to_vec()]
    );
    assert_eq!(
        store.meta_prefix(b"fork/").expect("prefix"),
        vec![
            (b"fork/ID".to_vec(), b"a".to_vec()),
            (b"fork/VN".to_vec(), b"b".to_vec())
        ]
    );
    assert_eq!(
        store.last(&shared).expect("last").map(|(s, _)| s),
        Some(301)
    );
}

#[test]
fn memory_store_passes_the_suite() {
    test_suite(&MemoryStore::new());
}

#[test]
fn rocks_store_passes_the_suite() {
    let dir = tempfile::tempdir().expect("tempdir");
    test_suite(&RocksStore::open(dir.path(), StoreOptions::default()).expect("open"));
}

#[test]
fn rocks_store_keeps_data_across_reopen() {
    let dir = tempfile::tempdir().expect("tempdir");
    let shared = LogId::Own(LogKind::Shared);
    {
        let store = RocksStore::open(dir.path(), StoreOptions::default()).expect("open");
        store.commit(events(&shared, 1..=3)).expect("commit");
    }
    let store = RocksStore::open(dir.path(), StoreOptions::default()).expect("reopen");
    assert_eq!(store.last(&shared).expect("last").map(|(s, _)| s), Some(3));
}

//! Crash consistency, for real: a node under concurrent appends is killed with
//! SIGKILL at random moments, many times. After each kill every acknowledged event
//! must be in the store with the acknowledged hash, nothing may be torn, there may be
//! no gap, the chains must verify and the projections must agree with the logs; and
//! the node must start again on that store.
//!
//! The moment of each kill is chosen as a random number of further acknowledgements:
//! the writer task whose acknowledgement reaches that number sends SIGKILL at once,
//! so the kill lands right after an acknowledgement, while other requests are in
//! flight. That is the moment a writer that acknowledged before its write was
//! durable would be caught. `REMEDY_CRASH_SEED` and
//! `REMEDY_CRASH_ROUNDS` reproduce or lengthen a run.

#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rand::{Rng, SeedableRng};
use remedy_core::{EventHash, LogKind};
use remedy_node::store::{LogId, RocksStore, Store, StoreOptions};
use remedy_node::verify::{OwnKeys, verify_own_logs};
use remedy_proto::v1 as pb;
use remedy_tests::{NodeDir, append_request, note_draft, read_log, verify_events, wait_for};

type Acked = Arc<Mutex<BTreeMap<(LogKind, u64), EventHash>>>;

const WRITERS: usize = 16;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_events_survive_sigkill() -> anyhow::Result<()> {
    let rounds: usize = std::env::var("REMEDY_CRASH_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(25);
    let seed: u64 = std::env::var("REMEDY_CRASH_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| rand::thread_rng().r#gen());
    println!("crash test: {rounds} rounds, REMEDY_CRASH_SEED={seed}");
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);

    let tmp = tempfile::tempdir()?;
    let dir = NodeDir::create(&tmp.path().join("KH"), "KH")?;
    let acked: Acked = Arc::default();
    let mut kills_mid_flight = 0;

    for round in 0..rounds {
        let mut node = dir.start().await?;
        let channel = node.channel().await?;
        let count = Arc::new(AtomicU64::new(0));
        let target = rng.gen_range(20..1500);
        let pid = node.pid();
        let stop = Arc::new(AtomicBool::new(false));
        let in_flight = Arc::new(AtomicU64::new(0));
        let in_flight_at_kill = Arc::new(AtomicU64::new(0));
        let mut writers = Vec::new();
        for w in 0..WRITERS {
            let (channel, acked, count, stop, in_flight, in_flight_at_kill) = (
                channel.clone(),
                acked.clone(),
                count.clone(),
                stop.clone(),
                in_flight.clone(),
                in_flight_at_kill.clone(),
            );
            let mut wrng = rand::rngs::StdRng::seed_from_u64(seed ^ ((round * WRITERS + w) as u64));
            writers.push(tokio::spawn(async move {
                let mut admin = pb::admin_client::AdminClient::new(channel);
                while !stop.load(Ordering::SeqCst) {
                    let log = if wrng.gen_ratio(1, 5) {
                        LogKind::Private
                    } else {
                        LogKind::Shared
                    };
                    let n = if wrng.gen_ratio(1, 4) {
                        wrng.gen_range(2..=50)
                    } else {
                        1
                    };
                    let drafts = (0..n).map(|i| note_draft(i, 200)).collect();
                    in_flight.fetch_add(1, Ordering::SeqCst);
                    let reply = admin.append(append_request(log, drafts)).await;
                    in_flight.fetch_sub(1, Ordering::SeqCst);
                    let Ok(reply) = reply else { break };
                    let mut acked = acked.lock().expect("lock");
                    for r in reply.into_inner().receipts {
                        let hash = EventHash::from_slice(&r.hash).expect("32-byte hash");
                        assert!(
                            acked.insert((log, r.seq), hash).is_none(),
                            "{log} seq {} acknowledged twice",
                            r.seq
                        );
                    }
                    let before = count.fetch_add(n, Ordering::SeqCst);
                    if before < target && before + n >= target {
                        in_flight_at_kill.store(in_flight.load(Ordering::SeqCst), Ordering::SeqCst);
                        let _ = nix::sys::signal::kill(
                            nix::unistd::Pid::from_raw(pid as i32),
                            nix::sys::signal::Signal::SIGKILL,
                        );
                    }
                }
            }));
        }
        wait_for(
            "the kill after the target acknowledgement",
            Duration::from_secs(60),
            || count.load(Ordering::SeqCst) >= target,
        )
        .await?;
        if in_flight_at_kill.load(Ordering::SeqCst) > 0 {
            kills_mid_flight += 1;
        }
        node.kill9();
        stop.store(true, Ordering::SeqCst);
        for writer in writers {
            writer.await?;
        }
        check_store(&dir, &acked)?;
    }
    assert!(
        kills_mid_flight >= rounds / 2,
        "only {kills_mid_flight} of {rounds} kills hit requests in flight"
    );

    // The node starts on the final store and serves every acknowledged shared event.
    let node = dir.start().await?;
    let events = read_log(node.channel().await?, &dir.member).await?;
    verify_events(&dir.member, &dir.key, &events)?;
    let acked = acked.lock().expect("lock");
    for ((log, seq), hash) in acked.iter().filter(|((log, _), _)| *log == LogKind::Shared) {
        let event = &events[*seq as usize - 1];
        assert_eq!(
            (event.log(), event.seq(), event.hash()),
            (*log, *seq, *hash)
        );
    }
    println!(
        "crash test: {} acknowledged events, {} stored shared events",
        acked.len(),
        events.len()
    );
    Ok(())
}

/// Opens the killed node's RocksDB directly: both chains verify, projections agree,
/// and every acknowledged event is there with its acknowledged hash.
fn check_store(dir: &NodeDir, acked: &Acked) -> anyhow::Result<()> {
    let store = RocksStore::open(&dir.data_dir(), StoreOptions::default())?;
    let verified = verify_own_logs(
        &store,
        &dir.member,
        &OwnKeys::single(dir.key.verifying_key()),
        |_, _| {},
    )?;
    let acked = acked.lock().expect("lock");
    for ((log, seq), hash) in acked.iter() {
        let stored = store.range(&LogId::Own(*log), *seq, 1)?;
        let (at, raw) = stored
            .first()
            .ok_or_else(|| anyhow::anyhow!("acknowledged {log} event {seq} is missing"))?;
        let event = remedy_core::SignedEvent::decode(raw.clone())?;
        assert_eq!(
            (*at, event.hash()),
            (*seq, *hash),
            "acknowledged {log} event {seq} differs"
        );
    }
    let max = |kind| {
        acked
            .keys()
            .filter(|(l, _)| *l == kind)
            .map(|(_, s)| *s)
            .max()
            .unwrap_or(0)
    };
    assert!(
        verified.shared.seq >= max(LogKind::Shared)
            && verified.private.seq >= max(LogKind::Private)
    );
    Ok(())
}

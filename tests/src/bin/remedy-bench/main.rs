//! `remedy-bench`: the benchmark suite behind `make bench`. It writes BENCHMARKS.md.
//!
//! Every throughput is printed beside the raw rates of the primitives it is built
//! on, measured in the same run on the same machine: ed25519 signing on one core,
//! batch verification (batches of 64), strict single verification, and fdatasync.
//! Each figure is the median of several runs, with the spread (min to max).
//!
//! The node figures go through a real `remedy-node` process over gRPC on loopback,
//! with `sync = true` (every acknowledged append is fdatasync'ed).

mod audit;
mod cases;
mod follow;
mod hypercore;
mod noise;
mod plan;
mod releases;
mod replication;
mod scale;
mod views;
mod wan;

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use remedy_core::keys::Signature;
use remedy_core::{LogKind, SigningKey};
use remedy_node::store::{RocksStore, StoreOptions};
use remedy_node::verify::{OwnKeys, verify_own_logs};
use remedy_proto::v1 as pb;
use remedy_tests::{NodeDir, append_request, note_draft};

/// What the figures mean, and what changed because of them. Kept here so that a
/// regenerated BENCHMARKS.md keeps it.
const NOTES: &str = r#"
## How to read these figures

- **Through a node** means a separate `remedy-node` process, gRPC over loopback TCP,
  and a client in the benchmark process: both share the machine's two cores. **In
  process** drives the node's own `LogWriter` and RocksDB store from tasks in the
  benchmark process, without gRPC: what the log and its group commit achieve.
- Signatures per event: a commit (one write to disk, holding every append that was
  waiting) signs each log's last event and one in every 256 (and every release and
  plan record); the events between are *linked*, covered by the next signature
  through the hash chain (`docs/event-format.md`). A batch of 1,000 carries 4
  signatures, a single append alone in its commit 1, 64 single appends that share
  a commit 1 between them. So batched appends, whole-log
  verification, replication catch-up and the audit below (logs appended in batches
  of 1,000) are bound by hashing, RocksDB and the network, not by ed25519, and their
  ratios to the sign and batch-verify rates exceed 100%. Logs of single appends are
  still verified at about the batch-verify rate (93% for the audit when every event
  was signed, full run of 2026-11-27 23:32 UTC).
- 64 single-event writers: group commit works in the log itself (in process, about
  15 times the single-writer rate). Through gRPC, each writer on its own connection
  and each append awaited before the next: with one unary `Append` call per event the
  figure is bound by each call's round of HTTP/2 handling, the hand-off to the
  writer and the commit's fdatasync, while the loopback client takes its share of
  the same two cores (since a commit signs once, not once per append, signing is
  no longer a third of the node's CPU per call). With `AppendStream`, one stream per writer carrying the same
  single-event appends, the per-event cost drops and the target is met. Importers and
  busy writers should use the stream.
- The benchmark's client runs on one thread, so that it takes as little as possible
  of the two cores from the node it measures.
- Single-writer appends are bound by latency: one fdatasync, one gRPC round trip and
  the hand-offs between the request task, the writer thread and the committer thread.
- Replication catch-up: a new node follows its peer over mutual TLS and verifies,
  links and durably stores every event before asking for more than the stream has
  buffered. It checks each page (up to 1,000 events, ending at a signed event) with
  one batch verification of the page's signatures and one hash per event, and the
  other core receives and decodes the next pages (TLS, HTTP/2, protobuf)
  meanwhile. The node's start (about 30 ms) is included.
- Propagation is measured from the start of the `Append` call at KH (which returns
  after KH's fdatasync) until an observer following KH's log at each of ID, VN and
  JP has received the event from that node: so each figure includes KH's sync, the
  hop to each peer, its verification and sync, and the hop to the observer.
- The audit: `remedy audit verify --origin KH` is its own process, reading the log
  through a node over mutual TLS (`Log.Read`, 10,000 events per call); it decodes each
  event, checks the chain, batch-verifies the signatures (64 per batch), rebuilds the
  Merkle tree, checks the checkpoint's signature and root, the node's inclusion proof,
  every release and the privacy budget. The node's reads and the auditor's checks
  share the two cores.
- Hypercore: its figures come from one Node.js process doing everything in process
  (no network between the two cores, no separate process), with no fdatasync and one
  signature per append call over the batch's Merkle root. remedy-net syncs before
  acknowledging, goes through gRPC to a separate node process, and signs a commit's
  last event and one in 256 (each of those, and every release and plan record, is
  verifiable alone by anyone holding the member's key; a linked note needs the
  events up to the next signature, as a Hypercore entry needs its tree's signed root).
- Bytes on disk: the events' raw size (262 bytes for a linked 200-byte note: 62 bytes
  of header with the 32-byte link to the event before; 64 more when signed) plus the
  Merkle rows, RocksDB's keys and block overhead, after compaction with LZ4. Payloads
  are pseudo-random letters, so compression gains little.

## What the measurements changed

- **Message buffers reserved at their length.** In the follow section, 50 streams
  of 1 MB events each as a member of its own, the node peaked at 288 to 304 MiB
  (target 200). heaptrack (the node built with the system allocator, so that it
  sees every allocation) put 200 of its 275 MB of peak heap in tonic's encode
  buffers: prost wrote a page's 1 MB event into a 1 MB buffer and the field
  after it doubled the buffer to 2 MB, held until the connection had sent the
  page. Every remedy.v1 service now encodes with `remedy_proto::codec::ExactCodec`
  (prost's, with the buffer reserved at the message's encoded length): peak heap
  177 MB under heaptrack, and in `remedy-bench --follow-only` (old and new node
  alternating, twice each) 293 and 304 → 242 and 239 MiB resident, `Status` p99
  101 and 100 → 95 and 95 ms. Still over the 200 MiB target: what remains is
  about one encoded page per stream waiting in its connection's HTTP/2 buffer
  (95 MB at the peak), the pages read from the store meanwhile (50 MB), and
  mimalloc's retained pages (about 60 MB over the live heap).
- **One signature per commit, not per append (issue 24).** 64 writers each awaiting
  a unary `Append` per event reached 14,876/s in the full run of 2026-11-30 14:14
  UTC, under the 10×-one-writer target; the node's log writer spent most of its
  time signing, one ed25519 signature per append although the appends waiting
  together are committed as one write. The writer now signs each log's last event
  in a commit (and one in 256, and every release and plan record): the commit is
  atomic, so that signature covers every append in it when it becomes durable.
  `remedy-bench --writers-only`, old and new node alternating, three times each
  (nine runs a side): median 17,150 → 22,000 events/s, 9.5× → 11.9× one writer.
  A note appended alone is still signed; one that shared a commit is verifiable
  with the events up to the commit's signature (`docs/event-format.md`).
- **Smaller import chunks and one multi-get per chunk (issue 24).** The import's
  1M rows streamed in chunks of 2,000 (about 300 KB of protobuf each); a profile
  of the node alone (perf, call graphs) put 18% of its time in page faults on
  freshly allocated buffers (growing the decoded chunk, its strings), and 9% in
  one RocksDB lookup per case. Chunks of 400 rows (about 60 KB) stay in the
  allocator's reused pages, and each chunk's lookups are one
  `batched_multi_get_cf`: the node's CPU per import fell about 10% and the rate
  rose 8% (`remedy-bench --import-only`, old and new alternating, 2 × 3 imports
  each on a busy host: medians 120,000 → 129,000 rows/s). What bounds it now
  (perf, whole system, one import): the CLI 33% of samples (CSV, checks,
  protobuf), the node's workers 38% (decoding, the JSON rows and their hashes,
  the batch), its log writer 14% (SHA-512 over each ~900 KB batch for its
  signature, 5% of all samples; CRC and LZ4 in RocksDB), memmove 7%, the kernel
  zeroing fresh pages 7%, idle 11%. The last commit (1M projection rows in one
  atomic write) takes about 0.4 s of the total on one core.
- **Gzipped follow pages, on request (issue 24).** Over the emulated 100 ms,
  10 Mbit/s link, catch-up of 100,000 events filled the link with plain pages
  (99%, 270 bytes per event on the wire); with the follower asking for gzip
  (`compress_follow = true`) the same events took 195 bytes each and arrived
  1.37 times as fast (6,297 against 4,581 per second; `remedy-bench --wan-only`,
  2026-11-30 14:38 UTC, the two side by side). Off by default: on a LAN the
  link is not the bound and compression only costs CPU.
- **A fair Hypercore comparison (issue 24).** The Hypercore side built its entries
  inside its timed loop, appended 100,000 entries where ours appended 200,000, and
  ran after every other section had loaded the machine; BENCHMARKS.md printed our
  batched appends at 3.54× Hypercore's, where an independent harness found
  Hypercore at 99,000/s batched. Both sides now build entries before their clock
  starts, append the same number, run first and alternate on a quiet machine:
  2.05× (246,158 against 120,188 per second) in the first full run so measured,
  1.93× (218,861 against 113,462) in the next, 40 minutes later.
- **foldhash for the import's case-id sets (issue 24).** A profile of 1M-row
  imports showed SipHash in both processes; with foldhash the median of six
  imports each, old and new binaries alternating, went from 140,000 to 153,000
  rows/s.
- **Keepalive (issue 24).** Over the emulated region, with VN's links silent for
  30 s (every byte held, no connection closed, as a route that drops
  everything), VN held every event again 21.1 s after its links healed: the
  follow streams waited for TCP's next backed-off retransmission (due 51 s
  after the outage began). With an HTTP/2 PING every 15 s on both ends and 15 s
  to answer (`remedy_client::client::KEEPALIVE_*`, reasons beside them), a
  silent stream is dropped and the follower reconnects: 0.2 s (`remedy-bench
  --wan-only`, two runs the same hour). Nothing else in the WAN section
  changed between the two runs.

- **Linked events (issue 9).** Every event carried its own ed25519 signature, so
  batched appends were bound by the two cores' signing rate: 40,929 events/s against
  Hypercore's 62,737 in the same run (0.65×), and each event took 348 bytes on disk
  against Hypercore's 316 (full `make bench` of 2026-11-27 23:32 UTC). An append now
  signs its last event and one in 256; the figures above are the same benchmark
  after the change. The cost: a note inside a batch is no longer verifiable on its
  own, only with the events up to its signature (releases and plan records, which
  are cited on their own, stay signed one by one).

- **Freed memory returned at once (issue 9).** mimalloc kept freed pages resident for
  10 ms per thread heap; a node's bursts (an import, a catch-up) on up to 18 threads
  left them all resident: the demo's four nodes peaked at 85 to 111 MiB (`remedy demo
  --exit`, eight runs), over the 100 MiB target in two. With the purge delay set to
  0 at start, they peak at 57 to 74 MiB (four runs), and this run's figures above
  include the change.
- **Cosigned checkpoints sent at once (issue 9).** A node passed on a checkpoint it had
  just cosigned only with the origin's next event, so a peer could wait for it forever
  (and equivocation evidence with it). It is now sent when cosigned: bytes each member
  sends per event rose from 3,230 / 4,533 / 7,121 (10 / 20 / 50 members, full run of
  2026-11-27 23:32 UTC) to the figures above, still growing like log N. Delivery to
  all 50 took 398 ms (median) in that run and 682 and 605 ms in the two full runs
  since, while the four-node propagation of the same runs moved from 4.1 to 6.4 and
  6.7 ms: part of it is the machine.
- **Merkle rows from level 4 (issue 9).** The tree of every log was kept as one row per
  subtree of two leaves or more: about one 70-byte row per event. Rows now start at
  subtrees of 16 leaves; smaller ones are rehashed from at most 8 stored events when
  a proof needs them. Bytes on disk per event fell from 381 (full `make bench` of
  2026-11-27 20:45 UTC) to the figure above.
- **At most 16 blocking threads per node (issue 9).** Store reads and commits run on
  Tokio's blocking threads, up to 512 by default, each with its own allocator heap: in
  the 50-member federation the largest node reached 109 MiB. Capped at 16, it peaked
  at 63 MiB (`remedy-bench --scale-only 50`, single runs before and after).
- **Checkpoints in replication pages carry the origin's signature and the sender's
  cosignature only (issue 9).** They carried every cosignature the sender had
  collected, so each page's checkpoint grew with the federation and was sent again at
  each new cosignature: at 50 members each member sent 22,482 bytes per event (8,670 at
  20), super-linear in the members between 20 and 50. Now each follower collects the
  cosignatures of the peers it follows: 7,161 bytes at 50 and 4,526 at 20
  (`remedy-bench --scale-only`, single runs after the full run of 23:12 UTC).
- **A topology for large federations (issue 9).** With every node following every
  other, 50 members would hold 2,450 connections and each event would reach each node
  49 times; the circulant graph needs 12 links per node at 50 members.

- **TCP_NODELAY on accepted connections.** Without it, Nagle's algorithm held back the
  end of each reply until the client's delayed ACK: batched appends through gRPC rose
  from 18,274 to 46,138 events/s (40% to 99% of the sign rate, `--quick`, same run).
- **A reader thread for verification.** Decoding and hashing now overlap with batch
  verification: whole-log verification rose from 71% to 88% of the batch-verify rate
  (`--quick` runs before and after).
- **Pipelined writer.** A committer thread syncs one group while the writer signs the
  next; this did not move the gRPC 64-writer figure (the machine is CPU-bound there)
  but keeps signing off the fdatasync's critical path.
- **Case imports in bounded memory, and mimalloc.** The first import held the whole
  import in the node and committed it in one write: 1,000,000 rows took 1.66 GB of
  node memory at 83,000 rows/s. Appending batches as records arrive, counted only
  once the import's commit event lands, brought the peak to about 400 MB; perf then
  showed a third of both processes' time in glibc's malloc, and mimalloc as the
  global allocator took the import from about 74,000 to 99,000 rows/s (single
  manual runs of the same 1M-row file, same machine).
- **`AppendStream`.** 64 writers with unary calls reached 9,469 events/s (8.3 times
  one writer); the same writers on one stream each reached 14,889 (13.1 times), in the
  same `--quick` run.
"#;

/// Payload bytes per event, as the issue asks.
const PAYLOAD: usize = 200;

#[derive(Debug, Clone, Copy)]
struct Options {
    runs: usize,
    batched_events: u64,
    single_seconds: f64,
    concurrent_events: u64,
    verify_events: u64,
    catch_up_events: u64,
    propagation_samples: u64,
    import_rows: u64,
    view_members: usize,
    view_quarters: u16,
    view_queries: usize,
    audit_events: u64,
    scale_sizes: &'static [usize],
    scale_samples: usize,
}

/// The benchmark's runtime (every mode's): two workers, as the machine has
/// cores.
fn bench_runtime() -> std::io::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
}

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let quick = args.iter().any(|a| a == "--quick");
    // `--import-only`: the 1M-row import alone, three times, printed.
    if args.iter().any(|a| a == "--import-only") {
        let runtime = bench_runtime()?;
        for run in 0..3 {
            let work = tempfile::tempdir()?;
            let f = runtime.block_on(cases::import_and_publish(
                &work.path().join(format!("IMPORT{run}")),
                1_000_000,
            ))?;
            println!(
                "import {:.0} rows/s, peak {:.0} MiB, publish {:.2} s; sign rate {:.0}/s",
                f.import_rate,
                f.import_peak_mib,
                f.publish_seconds,
                sign_rate(20_000)
            );
        }
        return Ok(());
    }
    // `--writers-only`: 64 single-event writers over unary calls, and one
    // writer, three times, printed (for profiles).
    if args.iter().any(|a| a == "--writers-only") {
        let runtime = bench_runtime()?;
        for run in 0..3 {
            let work = tempfile::tempdir()?;
            let (single, unary) = runtime.block_on(async {
                let node_dir = NodeDir::create(&work.path().join(format!("W{run}")), "KH")?;
                let node = node_dir.start().await?;
                let single = single_appends(node.channel().await?, 3.0).await?;
                let unary = concurrent_appends(node.addr, 64, 40_000).await?;
                anyhow::Ok((single, unary))
            })?;
            println!(
                "run {run}: one writer {single:.0}/s, 64 unary writers {unary:.0}/s ({:.1}x)",
                unary / single
            );
        }
        return Ok(());
    }
    // `--wan-only`: the WAN section alone, printed.
    if args.iter().any(|a| a == "--wan-only") {
        let runtime = bench_runtime()?;
        let work = tempfile::tempdir()?;
        let n = if quick { 10 } else { 50 };
        let samples = if quick { 5 } else { 20 };
        let scale = runtime.block_on(scale::federation_over(
            &work.path().join("SCALEWAN"),
            n,
            samples,
            true,
        ))?;
        println!(
            "{n} members over the region's links: held by all median {:.0} ms, slowest {:.0} ms, {:.0} B of pages and {:.0} B on the wire per member per event",
            scale.propagation_median_ms,
            scale.propagation_max_ms,
            scale.sent_bytes_per_member_per_event,
            scale.wire_bytes_per_member_per_event
        );
        if args.iter().any(|a| a == "--scale-only") {
            return Ok(());
        }
        let f = runtime.block_on(wan::all(work.path(), quick))?;
        let mut s = String::new();
        wan::section(&mut s, &f);
        println!("{s}");
        return Ok(());
    }
    // `--xlsx-only`: the same 200,000-row register imported from CSV and from
    // .xlsx, side by side, three times, printed with the ratio.
    if args.iter().any(|a| a == "--xlsx-only") {
        let runtime = bench_runtime()?;
        for run in 0..3 {
            let work = tempfile::tempdir()?;
            let (csv, xlsx) = runtime.block_on(cases::csv_and_xlsx(
                &work.path().join(format!("XLSX{run}")),
                200_000,
            ))?;
            println!(
                "run {run}: CSV {csv:.0} rows/s, XLSX {xlsx:.0} rows/s, XLSX/CSV {:.2}",
                xlsx / csv
            );
        }
        return Ok(());
    }
    // `--audit-only`: the 1M-event audit alone, three times, printed beside the
    // batch-verify rate.
    if args.iter().any(|a| a == "--audit-only") {
        let runtime = bench_runtime()?;
        for run in 0..3 {
            let work = tempfile::tempdir()?;
            let a = runtime.block_on(audit::audit_verify(
                &work.path().join(format!("AUDIT{run}")),
                1_000_000,
            ))?;
            let bv = batch_verify_rate(20_000);
            println!(
                "audit {:.0} events/s, batch verify {bv:.0}/s ({:.0}%); proofs {:?}",
                a.rate,
                100.0 * a.rate / bv,
                a.proofs
            );
        }
        return Ok(());
    }
    // `--scale-only N`: one federation of N members, printed.
    if let Some(n) = args
        .iter()
        .position(|a| a == "--scale-only")
        .and_then(|i| args.get(i + 1))
        .and_then(|n| n.parse::<usize>().ok())
    {
        let runtime = bench_runtime()?;
        let work = tempfile::tempdir()?;
        let f = runtime.block_on(scale::federation(work.path(), n, 9))?;
        println!("{f:?}");
        return Ok(());
    }
    // `--hypercore-only`: Hypercore's side alone, printed.
    if args.iter().any(|a| a == "--hypercore-only") {
        let folder = hypercore::install()?;
        let work = tempfile::tempdir()?;
        let f = hypercore::run(&folder, &work.path().join("hc"), 100_000, PAYLOAD, 3.0)?;
        println!("{f:?}");
        return Ok(());
    }
    // `--releases-only`: what a peer spends deciding about received releases,
    // printed as the table BENCHMARKS.md has.
    if args.iter().any(|a| a == "--releases-only") {
        let mut out = String::new();
        release_table(&mut out, &releases::decisions(if quick { 20 } else { 200 }));
        println!("{out}");
        return Ok(());
    }
    // `--follow-only`: a node under 50 follow streams of 1 MB events, printed.
    if args.iter().any(|a| a == "--follow-only") {
        let runtime = bench_runtime()?;
        let work = tempfile::tempdir()?;
        let mut out = String::new();
        for distinct in [false, true] {
            let dir = work.path().join(if distinct { "distinct" } else { "one" });
            let f = runtime.block_on(follow::load(&dir, 50, distinct, 40, 1_000_000, 10.0))?;
            follow::table(&mut out, &f);
            out.push('\n');
        }
        println!("{out}");
        return Ok(());
    }
    // `--noise-only`: the regional error of noised quarters, printed as the
    // table BENCHMARKS.md has.
    if args.iter().any(|a| a == "--noise-only") {
        let mut out = String::new();
        noise::table(&mut out, &noise::all(if quick { 100 } else { 1_000 }));
        println!("{out}");
        return Ok(());
    }
    // `--plan-only`: what computing the work plan costs at 100 to 3,000 items.
    if args.iter().any(|a| a == "--plan-only") {
        let mut out = String::new();
        plan::table(&mut out, &plan::measure(&[100, 1_000, 3_000]));
        println!("{out}");
        return Ok(());
    }
    // `--views-only`: the regional-view measurement alone, printed, for work on it.
    if args.iter().any(|a| a == "--views-only") {
        let runtime = bench_runtime()?;
        let work = tempfile::tempdir()?;
        let v = runtime.block_on(views::regional(work.path(), 50, 40, 200))?;
        println!("{v:?}");
        return Ok(());
    }
    let out = args
        .iter()
        .position(|a| a == "--out")
        .and_then(|i| args.get(i + 1))
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("BENCHMARKS.md"));
    let options = if quick {
        Options {
            runs: 1,
            batched_events: 20_000,
            single_seconds: 1.0,
            concurrent_events: 5_000,
            verify_events: 20_000,
            catch_up_events: 20_000,
            propagation_samples: 20,
            import_rows: 200_000,
            view_members: 50,
            view_quarters: 40,
            view_queries: 100,
            audit_events: 100_000,
            scale_sizes: &[10],
            scale_samples: 5,
        }
    } else {
        Options {
            runs: 3,
            batched_events: 200_000,
            single_seconds: 3.0,
            concurrent_events: 40_000,
            verify_events: 200_000,
            catch_up_events: 100_000,
            propagation_samples: 50,
            import_rows: 1_000_000,
            view_members: 50,
            view_quarters: 40,
            view_queries: 400,
            audit_events: 1_000_000,
            scale_sizes: &[10, 20, 50],
            scale_samples: 9,
        }
    };
    let runtime = bench_runtime()?;
    // On the disk the node data would use; override with REMEDY_BENCH_DIR.
    let base = PathBuf::from(
        std::env::var("REMEDY_BENCH_DIR").unwrap_or_else(|_| "target/bench-work".into()),
    );
    std::fs::create_dir_all(&base)?;
    let work = tempfile::tempdir_in(&base)?;
    let report = runtime.block_on(run(options, work.path()))?;
    let text = report.render(&args[1..].join(" "));
    std::fs::write(&out, &text).with_context(|| format!("writing {}", out.display()))?;
    println!("{text}");
    println!("wrote {}", out.display());
    Ok(())
}

/// Several measurements of one figure.
#[derive(Debug, Default, Clone)]
struct Figure {
    samples: Vec<f64>,
}

impl Figure {
    fn push(&mut self, value: f64) {
        self.samples.push(value);
    }

    fn median(&self) -> f64 {
        let mut s = self.samples.clone();
        s.sort_by(f64::total_cmp);
        match s.len() {
            0 => f64::NAN,
            n if n % 2 == 1 => s[n / 2],
            n => (s[n / 2 - 1] + s[n / 2]) / 2.0,
        }
    }

    fn spread(&self) -> String {
        let min = self.samples.iter().copied().fold(f64::INFINITY, f64::min);
        let max = self
            .samples
            .iter()
            .copied()
            .fold(f64::NEG_INFINITY, f64::max);
        format!("{} to {}", human(min), human(max))
    }
}

fn human(v: f64) -> String {
    if v >= 100.0 {
        let n = v.round() as u64;
        let s = n.to_string();
        let mut out = String::new();
        for (i, c) in s.chars().enumerate() {
            if i > 0 && (s.len() - i).is_multiple_of(3) {
                out.push(',');
            }
            out.push(c);
        }
        out
    } else {
        format!("{v:.2}")
    }
}

#[derive(Debug, Default)]
struct Report {
    /// What a peer spends on received releases (the last run's).
    release_decisions: Vec<releases::Decision>,
    /// The regional error of noised quarters (computed once).
    noise: Vec<noise::NoiseFigures>,
    /// What computing the work plan costs (computed once).
    plan: Vec<plan::PlanFigures>,
    /// The nodes over the region's emulated links (measured once).
    wan: Option<wan::WanFigures>,
    /// The largest federation over the region's links: its size and figures.
    scale_wan: Option<(usize, scale::ScaleFigures)>,
    /// A node under 50 follow streams of 1 MB events, from one member and from
    /// 50 (the last run's).
    follow: Vec<follow::FollowFigures>,
    sign: Figure,
    batch_verify: Figure,
    strict_verify: Figure,
    fdatasync: Figure,
    batched: Figure,
    single: Figure,
    concurrent: Figure,
    concurrent_streams: Figure,
    verify: Figure,
    inproc_batched: Figure,
    inproc_single: Figure,
    inproc_concurrent: Figure,
    bytes_per_event: Figure,
    start_ms: Figure,
    start_rss_mib: Figure,
    catch_up: Figure,
    propagation_median_ms: Figure,
    propagation_p90_ms: Figure,
    import_rate: Figure,
    import_peak_mib: Figure,
    publish_seconds: Figure,
    view_stats_p50_ms: Figure,
    view_stats_p99_ms: Figure,
    view_series_p50_ms: Figure,
    view_series_p99_ms: Figure,
    view_rebuild_seconds: Figure,
    view_rebuild_rate: Figure,
    view_events: u64,
    view_rows: u64,
    audit_rate: Figure,
    audit_proofs: Vec<(u64, usize, usize)>,
    /// Ours, measured beside Hypercore (same entries, same runs).
    side_batched: Figure,
    side_single: Figure,
    side_catch_up: Figure,
    /// The one-minute load average before each side's measurement.
    side_load: Vec<f64>,
    hc_version: String,
    hc_batched: Figure,
    hc_single: Figure,
    hc_replicate: Figure,
    hc_bytes: Figure,
    scale: std::collections::BTreeMap<usize, Vec<scale::ScaleFigures>>,
    options: Option<Options>,
}

async fn run(options: Options, work: &Path) -> anyhow::Result<Report> {
    let mut report = Report {
        options: Some(options),
        ..Report::default()
    };
    let hypercore_folder = hypercore::install()?;
    // Side by side with Hypercore first, before anything has loaded the
    // machine: the same entries, the same number of runs, alternating, each
    // side after the machine has quietened.
    for run in 0..options.runs {
        let dir = work.join(format!("SIDE{run}"));
        eprintln!(
            "side by side with Hypercore, run {} of {}",
            run + 1,
            options.runs
        );
        report.side_load.push(quiet());
        let node_dir = NodeDir::create(&dir.join("KH"), "KH")?;
        let node = node_dir.start().await?;
        let channel = node.channel().await?;
        report
            .side_batched
            .push(batched_appends(channel.clone(), options.catch_up_events).await?);
        report
            .side_single
            .push(single_appends(channel, options.single_seconds).await?);
        drop(node);
        report.side_catch_up.push(
            replication::catch_up(&dir.join("CATCHUP"), options.catch_up_events + 1000).await?,
        );
        report.side_load.push(quiet());
        let h = hypercore::run(
            &hypercore_folder,
            &dir.join("HYPERCORE"),
            options.catch_up_events,
            PAYLOAD,
            options.single_seconds,
        )?;
        report.hc_version = format!("hypercore {} on Node.js {}", h.version, h.node);
        report.hc_batched.push(h.batched_per_s);
        report.hc_single.push(h.single_per_s);
        report.hc_replicate.push(h.replicate_per_s);
        report.hc_bytes.push(h.bytes_per_entry);
        std::fs::remove_dir_all(&dir).ok();
    }
    for run in 0..options.runs {
        eprintln!("run {} of {}", run + 1, options.runs);
        eprintln!("  raw primitives");
        report.sign.push(sign_rate(20_000));
        report.batch_verify.push(batch_verify_rate(20_000));
        report.strict_verify.push(strict_verify_rate(10_000));
        report.fdatasync.push(fdatasync_rate(work, 300)?);

        let run_dir = work.join(format!("run{run}"));
        eprintln!("  empty node start");
        let (ms, rss) = empty_node_start(&run_dir.join("empty")).await?;
        report.start_ms.push(ms);
        report.start_rss_mib.push(rss);

        eprintln!("  durable appends through a node");
        let node_dir = NodeDir::create(&run_dir.join("KH"), "KH")?;
        let node = node_dir.start().await?;
        let channel = node.channel().await?;
        report
            .batched
            .push(batched_appends(channel.clone(), options.batched_events).await?);
        report
            .single
            .push(single_appends(channel.clone(), options.single_seconds).await?);
        report
            .concurrent
            .push(concurrent_appends(node.addr, 64, options.concurrent_events).await?);
        report
            .concurrent_streams
            .push(concurrent_stream_appends(node.addr, 64, options.concurrent_events).await?);
        drop(node);

        eprintln!("  durable appends in process (LogWriter on RocksDB, no gRPC)");
        let (batched, single, concurrent) =
            in_process_appends(&run_dir.join("INPROC"), &options).await?;
        report.inproc_batched.push(batched);
        report.inproc_single.push(single);
        report.inproc_concurrent.push(concurrent);

        eprintln!("  whole-log verification");
        let verify_dir = NodeDir::create(&run_dir.join("VERIFY"), "KH")?;
        let (rate, bytes) = verification(&verify_dir, options.verify_events).await?;
        report.verify.push(rate);
        report.bytes_per_event.push(bytes);

        eprintln!(
            "  replication: catch-up of {} events",
            options.catch_up_events
        );
        report
            .catch_up
            .push(replication::catch_up(&run_dir.join("CATCHUP"), options.catch_up_events).await?);
        eprintln!("  replication: propagation to four nodes");
        let (median, p90) =
            replication::propagation(&run_dir.join("PROPAGATION"), options.propagation_samples)
                .await?;
        report.propagation_median_ms.push(median);
        report.propagation_p90_ms.push(p90);
        eprintln!(
            "  case import of {} rows, then a release",
            options.import_rows
        );
        let figures =
            cases::import_and_publish(&run_dir.join("IMPORT"), options.import_rows).await?;
        report.import_rate.push(figures.import_rate);
        report.import_peak_mib.push(figures.import_peak_mib);
        report.publish_seconds.push(figures.publish_seconds);
        eprintln!(
            "  regional view: {} members x {} quarters",
            options.view_members, options.view_quarters
        );
        let v = views::regional(
            &run_dir.join("VIEW"),
            options.view_members,
            options.view_quarters,
            options.view_queries,
        )
        .await?;
        report.view_stats_p50_ms.push(v.stats_p50_ms);
        report.view_stats_p99_ms.push(v.stats_p99_ms);
        report.view_series_p50_ms.push(v.series_p50_ms);
        report.view_series_p99_ms.push(v.series_p99_ms);
        report.view_rebuild_seconds.push(v.rebuild_seconds);
        report
            .view_rebuild_rate
            .push(v.events as f64 / v.rebuild_seconds.max(1e-9));
        report.view_events = v.events;
        report.view_rows = v.rows;
        eprintln!("  received releases: accepted and rejected");
        report.release_decisions = releases::decisions(200);
        eprintln!("  50 follow streams of 1 MB events");
        report.follow.clear();
        for distinct in [false, true] {
            let dir = run_dir.join(if distinct { "follow-50" } else { "follow-1" });
            report.follow.push(
                follow::load(
                    &dir,
                    50,
                    distinct,
                    if options.runs == 1 { 20 } else { 40 },
                    1_000_000,
                    if options.runs == 1 { 3.0 } else { 10.0 },
                )
                .await?,
            );
        }
        if report.noise.is_empty() {
            eprintln!("  regional error of noised quarters");
            report.noise = noise::all(1_000);
        }
        if report.plan.is_empty() {
            eprintln!("  the work plan computed over 100 to 3,000 items");
            report.plan = plan::measure(&[100, 1_000, 3_000]);
        }
        if report.wan.is_none() {
            eprintln!("  the network over the region's links");
            report.wan = Some(wan::all(&run_dir.join("WAN"), options.runs == 1).await?);
            let n = options.scale_sizes.iter().copied().max().unwrap_or(10);
            eprintln!("  a federation of {n} members over the region's links");
            report.scale_wan = Some((
                n,
                scale::federation_over(&run_dir.join("SCALEWAN"), n, options.scale_samples, true)
                    .await?,
            ));
        }
        eprintln!("  audit verify of {} events", options.audit_events);
        let a = audit::audit_verify(&run_dir.join("AUDIT"), options.audit_events).await?;
        report.audit_rate.push(a.rate);
        report.audit_proofs = a.proofs;
        for &n in options.scale_sizes {
            eprintln!("  a federation of {n} members");
            let f = scale::federation(&run_dir.join(format!("SCALE{n}")), n, options.scale_samples)
                .await?;
            report.scale.entry(n).or_default().push(f);
        }
        std::fs::remove_dir_all(&run_dir).ok();
    }
    Ok(report)
}

/// The table of release decisions, for BENCHMARKS.md.
fn release_table(s: &mut String, decisions: &[releases::Decision]) {
    let _ = writeln!(
        s,
        "What a peer spends deciding about one received release (`Ingest::decide`, in process: decoding, signature, structure, revision, disclosure check, ε budget), median and slowest of the runs.\n"
    );
    let _ = writeln!(
        s,
        "| release | payload | outcome | median | slowest | target |\n|---|---:|---|---:|---:|---|"
    );
    for d in decisions {
        let outcome = if d.accepted {
            "accepted".to_string()
        } else {
            let reason: String = d.reason.chars().take(90).collect();
            format!(
                "rejected: {}",
                reason.replace('|', "\\|").replace('\n', "\\n")
            )
        };
        let _ = writeln!(
            s,
            "| {} | {} bytes | {outcome} | {:.2} ms | {:.2} ms | {} |",
            d.what,
            d.payload_bytes,
            d.median_ms,
            d.max_ms,
            if d.accepted { "—" } else { "< 50 ms" }
        );
    }
}

fn message(i: u64) -> Vec<u8> {
    // About the size of a signed event body with a 200-byte payload.
    let mut m = vec![0xA5u8; 262];
    m[..8].copy_from_slice(&i.to_be_bytes());
    m
}

fn sign_rate(n: u64) -> f64 {
    let key = SigningKey::from_seed([9; 32]);
    let messages: Vec<Vec<u8>> = (0..n).map(message).collect();
    let start = Instant::now();
    let mut sink = 0u8;
    for m in &messages {
        sink ^= key.sign(m).to_bytes()[0];
    }
    std::hint::black_box(sink);
    n as f64 / start.elapsed().as_secs_f64()
}

fn signed(n: u64) -> (Vec<Vec<u8>>, Vec<Signature>, remedy_core::VerifyingKey) {
    let key = SigningKey::from_seed([9; 32]);
    let messages: Vec<Vec<u8>> = (0..n).map(message).collect();
    let signatures = messages.iter().map(|m| key.sign(m)).collect();
    (messages, signatures, key.verifying_key())
}

fn batch_verify_rate(n: u64) -> f64 {
    let (messages, signatures, key) = signed(n);
    let keys = vec![key; 64];
    let start = Instant::now();
    for (m, s) in messages.chunks(64).zip(signatures.chunks(64)) {
        let refs: Vec<&[u8]> = m.iter().map(|v| v.as_slice()).collect();
        ed25519_dalek::verify_batch(&refs, s, &keys[..m.len()]).expect("valid batch");
    }
    n as f64 / start.elapsed().as_secs_f64()
}

fn strict_verify_rate(n: u64) -> f64 {
    let (messages, signatures, key) = signed(n);
    let start = Instant::now();
    for (m, s) in messages.iter().zip(&signatures) {
        key.verify_strict(m, s).expect("valid");
    }
    n as f64 / start.elapsed().as_secs_f64()
}

fn fdatasync_rate(dir: &Path, n: u32) -> anyhow::Result<f64> {
    std::fs::create_dir_all(dir)?;
    let path = dir.join("fdatasync.bin");
    let mut file = std::fs::File::create(&path)?;
    let block = vec![0x5Au8; 4096];
    let start = Instant::now();
    for _ in 0..n {
        file.write_all(&block)?;
        file.sync_data()?;
    }
    let rate = n as f64 / start.elapsed().as_secs_f64();
    std::fs::remove_file(path)?;
    Ok(rate)
}

async fn empty_node_start(dir: &Path) -> anyhow::Result<(f64, f64)> {
    let node_dir = NodeDir::create(dir, "KH")?;
    let start = Instant::now();
    let node = node_dir.start().await?;
    let ms = start.elapsed().as_secs_f64() * 1000.0;
    let rss = node.rss_bytes()? as f64 / (1024.0 * 1024.0);
    Ok((ms, rss))
}

async fn batched_appends(channel: tonic::transport::Channel, total: u64) -> anyhow::Result<f64> {
    let mut admin = pb::admin_client::AdminClient::new(channel);
    let batch = |base: u64| {
        append_request(
            LogKind::Shared,
            (0..1000).map(|i| note_draft(base + i, PAYLOAD)).collect(),
        )
    };
    admin.append(batch(0)).await?; // warm-up
    let requests: Vec<_> = (0..total / 1000).map(|b| batch(b * 1000)).collect();
    let start = Instant::now();
    for request in requests {
        admin.append(request).await?;
    }
    Ok(total as f64 / start.elapsed().as_secs_f64())
}

async fn single_appends(channel: tonic::transport::Channel, seconds: f64) -> anyhow::Result<f64> {
    let mut admin = pb::admin_client::AdminClient::new(channel);
    // Requests built before the clock starts, as the Hypercore side's entries.
    let pool: Vec<pb::AppendRequest> = (0..4096)
        .map(|i| append_request(LogKind::Shared, vec![note_draft(i, PAYLOAD)]))
        .collect();
    let start = Instant::now();
    let mut n = 0u64;
    while start.elapsed().as_secs_f64() < seconds {
        admin.append(pool[(n % 4096) as usize].clone()).await?;
        n += 1;
    }
    Ok(n as f64 / start.elapsed().as_secs_f64())
}

/// Waits until the one-minute load average is under 0.3 (at most two
/// minutes), so a measurement does not start while the previous one's work
/// (compactions, exiting processes) still runs; returns the load it started at.
fn quiet() -> f64 {
    let load = || {
        std::fs::read_to_string("/proc/loadavg")
            .ok()
            .and_then(|l| l.split_whitespace().next()?.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    let deadline = Instant::now() + Duration::from_secs(120);
    while load() > 0.3 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_secs(2));
    }
    load()
}

/// Each writer has its own connection, as separate client processes would.
async fn concurrent_appends(
    addr: std::net::SocketAddr,
    writers: u64,
    total: u64,
) -> anyhow::Result<f64> {
    let per_writer = total / writers;
    let mut clients = Vec::new();
    for _ in 0..writers {
        clients.push(pb::admin_client::AdminClient::new(
            remedy_tests::connect(addr).await?,
        ));
    }
    let start = Instant::now();
    let mut tasks = Vec::new();
    for (w, mut admin) in (0..writers).zip(clients) {
        tasks.push(tokio::spawn(async move {
            for i in 0..per_writer {
                admin
                    .append(append_request(
                        LogKind::Shared,
                        vec![note_draft(w * per_writer + i, PAYLOAD)],
                    ))
                    .await?;
            }
            anyhow::Ok(())
        }));
    }
    for task in tasks {
        task.await??;
    }
    Ok((per_writer * writers) as f64 / start.elapsed().as_secs_f64())
}

/// Like `concurrent_appends`, but each writer keeps one `AppendStream` open and
/// sends its single-event appends over it, each awaited before the next.
async fn concurrent_stream_appends(
    addr: std::net::SocketAddr,
    writers: u64,
    total: u64,
) -> anyhow::Result<f64> {
    let per_writer = total / writers;
    let mut streams = Vec::new();
    for _ in 0..writers {
        let mut admin = pb::admin_client::AdminClient::new(remedy_tests::connect(addr).await?);
        let (requests, rx) = tokio::sync::mpsc::channel(1);
        let replies = admin
            .append_stream(tokio_stream::wrappers::ReceiverStream::new(rx))
            .await?
            .into_inner();
        streams.push((requests, replies));
    }
    let start = Instant::now();
    let mut tasks = Vec::new();
    for (w, (requests, mut replies)) in (0..writers).zip(streams) {
        tasks.push(tokio::spawn(async move {
            for i in 0..per_writer {
                requests
                    .send(append_request(
                        LogKind::Shared,
                        vec![note_draft(w * per_writer + i, PAYLOAD)],
                    ))
                    .await?;
                replies
                    .message()
                    .await?
                    .context("the append stream ended early")?;
            }
            anyhow::Ok(())
        }));
    }
    for task in tasks {
        task.await??;
    }
    Ok((per_writer * writers) as f64 / start.elapsed().as_secs_f64())
}

/// The log writer and RocksDB store of a node, driven directly by tasks in this
/// process: what the log and its group commit achieve without gRPC in the way.
async fn in_process_appends(dir: &Path, options: &Options) -> anyhow::Result<(f64, f64, f64)> {
    use remedy_core::{ChainHead, Draft, MemberId, PayloadKind};
    use remedy_node::stats::LogStats;
    use remedy_node::writer::{LogWriter, WriterState};

    std::fs::create_dir_all(dir)?;
    let store = Arc::new(RocksStore::open(dir, StoreOptions { sync: true })?);
    let state = WriterState {
        shared: ChainHead::EMPTY,
        private: ChainHead::EMPTY,
        stats: LogStats::default(),
        tree: Default::default(),
        checkpoint_origin: Some("remedy-net/bench/KH".into()),
    };
    let (writer, _stopped) = LogWriter::start(
        store,
        MemberId::new("KH")?,
        SigningKey::generate(),
        state,
        Default::default(),
    );
    let draft = |i: u64| {
        let d = note_draft(i, PAYLOAD);
        Draft {
            kind: PayloadKind(d.payload_kind as u16),
            version: d.payload_version as u16,
            payload: d.payload,
        }
    };

    writer
        .append(LogKind::Shared, (0..1000).map(draft).collect())
        .await?; // warm-up
    let start = Instant::now();
    for b in 0..options.batched_events / 1000 {
        writer
            .append(
                LogKind::Shared,
                (0..1000).map(|i| draft(b * 1000 + i)).collect(),
            )
            .await?;
    }
    let batched = options.batched_events as f64 / start.elapsed().as_secs_f64();

    let start = Instant::now();
    let mut n = 0;
    while start.elapsed().as_secs_f64() < options.single_seconds {
        writer.append(LogKind::Shared, vec![draft(n)]).await?;
        n += 1;
    }
    let single = n as f64 / start.elapsed().as_secs_f64();

    let per_writer = options.concurrent_events / 64;
    let start = Instant::now();
    let mut tasks = Vec::new();
    for w in 0..64 {
        let writer = writer.clone();
        tasks.push(tokio::spawn(async move {
            for i in 0..per_writer {
                writer
                    .append(LogKind::Shared, vec![draft(w * per_writer + i)])
                    .await?;
            }
            anyhow::Ok(())
        }));
    }
    for task in tasks {
        task.await??;
    }
    let concurrent = (per_writer * 64) as f64 / start.elapsed().as_secs_f64();
    Ok((batched, single, concurrent))
}

/// Appends `n` events through a node, stops it, then verifies the whole log from
/// RocksDB in this process and measures bytes on disk per event after compaction.
async fn verification(node_dir: &NodeDir, n: u64) -> anyhow::Result<(f64, f64)> {
    let mut node = node_dir.start().await?;
    let mut admin = pb::admin_client::AdminClient::new(node.channel().await?);
    for b in 0..n / 1000 {
        admin
            .append(append_request(
                LogKind::Shared,
                (0..1000)
                    .map(|i| note_draft(b * 1000 + i, PAYLOAD))
                    .collect(),
            ))
            .await?;
    }
    drop(admin);
    node.stop().await?;
    let store = Arc::new(RocksStore::open(
        &node_dir.data_dir(),
        StoreOptions::default(),
    )?);
    store.compact()?;
    let bytes = dir_size(&node_dir.data_dir())? as f64 / n as f64;
    let start = Instant::now();
    let verified = verify_own_logs(
        store.as_ref(),
        &node_dir.member,
        &OwnKeys::single(node_dir.key.verifying_key()),
        |_, _| {},
    )?;
    let rate = verified.shared.seq as f64 / start.elapsed().as_secs_f64();
    anyhow::ensure!(
        verified.shared.seq == n,
        "verified {} of {n} events",
        verified.shared.seq
    );
    Ok((rate, bytes))
}

fn dir_size(dir: &Path) -> anyhow::Result<u64> {
    let mut total = 0;
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let meta = entry.metadata()?;
        total += if meta.is_dir() {
            dir_size(&entry.path())?
        } else {
            meta.len()
        };
    }
    Ok(total)
}

fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|c| {
            c.lines()
                .find(|l| l.starts_with("model name"))
                .map(|l| l.split(':').nth(1).unwrap_or("").trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let mem = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|m| {
            m.lines()
                .next()
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|k| k.parse::<u64>().ok())
        })
        .map(|kib| format!("{:.1} GiB", kib as f64 / 1024.0 / 1024.0))
        .unwrap_or_default();
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(0);
    format!("{cores} cores ({cpu}), {mem} memory")
}

impl Report {
    fn render(&self, args: &str) -> String {
        let o = self.options.expect("options");
        let date = std::process::Command::new("date")
            .args(["-u", "+%Y-%m-%d %H:%M UTC"])
            .output()
            .map(|out| String::from_utf8_lossy(&out.stdout).trim().to_string())
            .unwrap_or_default();
        let mut s = String::new();
        let _ = writeln!(s, "# Benchmarks\n");
        let command = format!("remedy-bench {args}");
        let _ = writeln!(
            s,
            "Written by `make bench` (`{}`); do not edit by hand.\n",
            command.trim()
        );
        let _ = writeln!(s, "- date: {date}");
        let _ = writeln!(s, "- machine: {}", machine());
        let _ = writeln!(
            s,
            "- each figure: median of {} runs, spread is min to max; events carry {PAYLOAD}-byte payloads",
            o.runs
        );
        let _ = writeln!(
            s,
            "- node figures go through a real `remedy-node` process over gRPC on loopback with `sync = true`\n"
        );
        let _ = writeln!(s, "## Raw primitives (same run)\n");
        let _ = writeln!(s, "| primitive | per second | spread |\n|---|---:|---|");
        for (name, f) in [
            ("ed25519 sign, one core", &self.sign),
            (
                "ed25519 batch verify (batches of 64), one core",
                &self.batch_verify,
            ),
            ("ed25519 verify_strict, one core", &self.strict_verify),
            ("fdatasync of a 4 KiB write", &self.fdatasync),
        ] {
            let _ = writeln!(s, "| {name} | {} | {} |", human(f.median()), f.spread());
        }
        let sign = self.sign.median();
        let bv = self.batch_verify.median();
        let single = self.single.median();
        let _ = writeln!(s, "\n## Foundation (issue 2)\n");
        let _ = writeln!(
            s,
            "| figure | value | spread | ratio | target |\n|---|---:|---|---|---|"
        );
        let _ = writeln!(
            s,
            "| durable appends, batches of 1,000 per call ({} events) | {} /s | {} | {:.0}% of sign rate | ≥ 50% |",
            o.batched_events,
            human(self.batched.median()),
            self.batched.spread(),
            100.0 * self.batched.median() / sign
        );
        let _ = writeln!(
            s,
            "| durable single-event appends, 1 writer ({} s) | {} /s | {} | {:.2}× fdatasync rate | — |",
            o.single_seconds,
            human(single),
            self.single.spread(),
            single / self.fdatasync.median()
        );
        let conc = self.concurrent.median();
        let target = (10.0 * single).min(0.5 * sign);
        let _ = writeln!(
            s,
            "| durable single-event appends, 64 writers ({} events) | {} /s | {} | {:.1}× single writer, {:.0}% of sign rate | ≥ {} /s (min of 10× single, 50% sign) |",
            o.concurrent_events,
            human(conc),
            self.concurrent.spread(),
            conc / single,
            100.0 * conc / sign,
            human(target)
        );
        let streams = self.concurrent_streams.median();
        let _ = writeln!(
            s,
            "| durable single-event appends, 64 writers with one append stream each | {} /s | {} | {:.1}× single writer, {:.0}% of sign rate | ≥ {} /s (min of 10× single, 50% sign) |",
            human(streams),
            self.concurrent_streams.spread(),
            streams / single,
            100.0 * streams / sign,
            human(target)
        );
        let in_single = self.inproc_single.median();
        let in_conc = self.inproc_concurrent.median();
        let _ = writeln!(
            s,
            "| in process: durable appends, batches of 1,000 | {} /s | {} | {:.0}% of sign rate | ≥ 50% |",
            human(self.inproc_batched.median()),
            self.inproc_batched.spread(),
            100.0 * self.inproc_batched.median() / sign
        );
        let _ = writeln!(
            s,
            "| in process: durable single-event appends, 1 writer | {} /s | {} | {:.2}× fdatasync rate | — |",
            human(in_single),
            self.inproc_single.spread(),
            in_single / self.fdatasync.median()
        );
        let _ = writeln!(
            s,
            "| in process: durable single-event appends, 64 writers | {} /s | {} | {:.1}× single writer, {:.0}% of sign rate | ≥ {} /s (min of 10× single, 50% sign) |",
            human(in_conc),
            self.inproc_concurrent.spread(),
            in_conc / in_single,
            100.0 * in_conc / sign,
            human((10.0 * in_single).min(0.5 * sign))
        );
        let _ = writeln!(
            s,
            "| whole-log verification from RocksDB ({} events) | {} /s | {} | {:.0}% of batch-verify rate | ≥ 70% |",
            o.verify_events,
            human(self.verify.median()),
            self.verify.spread(),
            100.0 * self.verify.median() / bv
        );
        let _ = writeln!(
            s,
            "| bytes on disk per event (after compaction) | {:.0} B | {} | — | — |",
            self.bytes_per_event.median(),
            self.bytes_per_event.spread()
        );
        let _ = writeln!(
            s,
            "| empty node: start to first answer | {:.0} ms | {} | — | < 1,000 ms |",
            self.start_ms.median(),
            self.start_ms.spread()
        );
        let _ = writeln!(
            s,
            "| empty node: resident memory | {:.1} MiB | {} | — | < 50 MiB |",
            self.start_rss_mib.median(),
            self.start_rss_mib.spread()
        );
        let _ = writeln!(s, "\n## Federation (issue 3)\n");
        let _ = writeln!(
            s,
            "| figure | value | spread | ratio | target |\n|---|---:|---|---|---|"
        );
        let _ = writeln!(
            s,
            "| replication: a new node catches up a peer's log of {} events (mutual TLS, verified, durable; node start included) | {} /s | {} | {:.0}% of batch-verify rate | ≥ 50% |",
            o.catch_up_events,
            human(self.catch_up.median()),
            self.catch_up.spread(),
            100.0 * self.catch_up.median() / bv
        );
        let _ = writeln!(
            s,
            "| propagation: one append at KH until ID, VN and JP all serve it, median of {} | {:.1} ms | {} | — | < 100 ms |",
            o.propagation_samples,
            self.propagation_median_ms.median(),
            self.propagation_median_ms.spread()
        );
        let _ = writeln!(
            s,
            "| propagation: 90th percentile | {:.1} ms | {} | — | — |",
            self.propagation_p90_ms.median(),
            self.propagation_p90_ms.spread()
        );
        let _ = writeln!(s, "\n## Cases and releases (issue 4)\n");
        let _ = writeln!(
            s,
            "| figure | value | spread | ratio | target |\n|---|---:|---|---|---|"
        );
        let _ = writeln!(
            s,
            "| `remedy cases import` of {} synthetic rows, end to end (CLI checks, gRPC, node checks, durable atomic commit) | {} rows/s | {} | — | ≥ 150,000 rows/s |",
            o.import_rows,
            human(self.import_rate.median()),
            self.import_rate.spread()
        );
        let _ = writeln!(
            s,
            "| node peak resident memory during that import | {:.0} MiB | {} | — | < 500 MiB |",
            self.import_peak_mib.median(),
            self.import_peak_mib.spread()
        );
        let _ = writeln!(
            s,
            "| `remedy publish --period 2024-Q3` over those {} cases (tables, suppression, checks, durable append) | {:.2} s | {} | — | < 5 s |",
            o.import_rows,
            self.publish_seconds.median(),
            self.publish_seconds.spread()
        );
        let _ = writeln!(s, "\n## Received releases (issue 15)\n");
        release_table(&mut s, &self.release_decisions);
        let _ = writeln!(s, "\n## Noised quarters: regional error (issue 16)\n");
        noise::table(&mut s, &self.noise);
        let _ = writeln!(s, "\n## The work plan computed (issue 19)\n");
        plan::table(&mut s, &self.plan);
        if !self.follow.is_empty() {
            let _ = writeln!(
                s,
                "\n## A node under follow streams of large events (issue 17)\n"
            );
            for f in &self.follow {
                follow::table(&mut s, f);
                s.push('\n');
            }
        }
        let _ = writeln!(s, "\n## The regional view (issue 6)\n");
        let _ = writeln!(
            s,
            "A store with the releases of {} members over {} quarters (all five tables; {} release events, {} view rows), queried through the `View` gRPC service on loopback (plain text, in process), {} queries of each kind.\n",
            o.view_members, o.view_quarters, self.view_events, self.view_rows, o.view_queries
        );
        let _ = writeln!(
            s,
            "| figure | value | spread | ratio | target |\n|---|---:|---|---|---|"
        );
        let _ = writeln!(
            s,
            "| one table, one period, all {} members, with regional totals: p99 | {:.1} ms | {} | p50 {:.1} ms | < 20 ms |",
            o.view_members,
            self.view_stats_p99_ms.median(),
            self.view_stats_p99_ms.spread(),
            self.view_stats_p50_ms.median()
        );
        let _ = writeln!(
            s,
            "| one cell over {} quarters, all members and the regional sum: p99 | {:.1} ms | {} | p50 {:.1} ms | < 50 ms |",
            o.view_quarters,
            self.view_series_p99_ms.median(),
            self.view_series_p99_ms.spread(),
            self.view_series_p50_ms.median()
        );
        let _ = writeln!(
            s,
            "| `rebuild-views` of that store from its logs | {:.2} s | {} | {} events/s | — |",
            self.view_rebuild_seconds.median(),
            self.view_rebuild_seconds.spread(),
            human(self.view_rebuild_rate.median())
        );
        let _ = writeln!(s, "\n## Auditing (issue 7)\n");
        let _ = writeln!(
            s,
            "| figure | value | spread | ratio | target |\n|---|---:|---|---|---|"
        );
        let _ = writeln!(
            s,
            "| `remedy audit verify --origin KH` of {} events, its own process, through a node over mutual TLS (every signature, the chain, the Merkle root, checkpoint, inclusion proof, releases), process start to verdict | {} events/s | {} | {:.0}% of batch-verify rate | ≥ 70% |",
            o.audit_events,
            human(self.audit_rate.median()),
            self.audit_rate.spread(),
            100.0 * self.audit_rate.median() / bv
        );
        let _ = writeln!(
            s,
            "\nProof sizes from the node (`Federation.Proof`), the longest over 64 leaves and 64 old sizes spread over each tree; each hash is 32 bytes:\n"
        );
        let _ = writeln!(
            s,
            "| tree size | inclusion proof | consistency proof | log2(size) |\n|---:|---:|---:|---:|"
        );
        for (size, inclusion, consistency) in &self.audit_proofs {
            let _ = writeln!(
                s,
                "| {} | {inclusion} hashes ({} B) | {consistency} hashes ({} B) | {:.1} |",
                human(*size as f64),
                inclusion * 32,
                consistency * 32,
                (*size as f64).log2()
            );
        }
        let _ = writeln!(s, "\n## Side by side with Hypercore (issue 9)\n");
        let _ = writeln!(
            s,
            "Same run, same machine, {PAYLOAD}-byte entries, both warmed up: {}, installed by the benchmark from npm into `target/hypercore-bench/`, one process doing the same work (`tests/src/bin/remedy-bench/hypercore.mjs`). Measured first, before any other section loads the machine, the two sides alternating in each of the {} runs, each after the machine quietened (one-minute load average before each side: {}); both sides build their entries or requests before their clock starts, and append the same number ({}) in batches of 1,000; medians of the runs. Hypercore signs one Merkle root per append call and does not fsync; our appends are durable (fdatasync) before they are acknowledged, and sign each commit's last event and one in 256 (the others are linked by hash). Our figures go through a node process over gRPC; Hypercore's are in process.\n",
            self.hc_version,
            o.runs,
            self.side_load
                .iter()
                .map(|l| format!("{l:.2}"))
                .collect::<Vec<_>>()
                .join(", "),
            human(o.catch_up_events as f64)
        );
        let _ = writeln!(
            s,
            "| work | remedy-net | Hypercore | ratio (ours / theirs) | target |\n|---|---:|---:|---:|---|"
        );
        let rows = [
            (
                "appends, batches of 1,000 (/s)",
                self.side_batched.median(),
                self.hc_batched.median(),
                "≥ 1×",
            ),
            (
                "single appends, one writer (/s)",
                self.side_single.median(),
                self.hc_single.median(),
                "—",
            ),
            (
                "replication catch-up of every entry to a second node (/s)",
                self.side_catch_up.median(),
                self.hc_replicate.median(),
                "≥ 5×",
            ),
            (
                "bytes on disk per entry",
                self.bytes_per_event.median(),
                self.hc_bytes.median(),
                "≤ 1×",
            ),
        ];
        for (name, ours, theirs, target) in rows {
            let _ = writeln!(
                s,
                "| {name} | {} | {} | {:.2}× | {target} |",
                human(ours),
                human(theirs),
                ours / theirs
            );
        }
        let _ = writeln!(
            s,
            "\nSpread over the runs: ours batched {}, single {}, replication {}; Hypercore batched {}, single {}, replication {}, bytes per entry {}.",
            self.side_batched.spread(),
            self.side_single.spread(),
            self.side_catch_up.spread(),
            self.hc_batched.spread(),
            self.hc_single.spread(),
            self.hc_replicate.spread(),
            self.hc_bytes.spread()
        );
        let _ = writeln!(
            s,
            "\n## Scale: federations of {:?} members (issue 9)\n",
            o.scale_sizes
        );
        let _ = writeln!(
            s,
            "Each member a `remedy-node` process on this machine, mutual TLS on loopback, following its peers in `remedy_core::topology` (everyone up to 8 members; beyond, members whose distance around the sorted ring is a power of two: symmetric, at most 2·⌈log2 N⌉ links, at most ⌈log2 N⌉ hops). One member appends one event at a time ({} samples); the time is until every member's `Log.Head` shows it. Bytes sent: replication pages (`Log.Follow`, encoded protobuf, before gRPC framing and TLS) per member per event, counted by the nodes (`remedy_follow_sent_bytes_total`). Medians over the runs.\n",
            o.scale_samples
        );
        let _ = writeln!(
            s,
            "| members | links per node | held by all: median | slowest sample | bytes sent per member per event | resident memory: median node | largest node |\n|---:|---:|---:|---:|---:|---:|---:|"
        );
        let med = |v: Vec<f64>| {
            let mut v = v;
            v.sort_by(f64::total_cmp);
            v.get(v.len() / 2).copied().unwrap_or(f64::NAN)
        };
        for (n, runs) in &self.scale {
            let _ = writeln!(
                s,
                "| {n} | {} | {:.0} ms | {:.0} ms | {:.0} B | {:.0} MiB | {:.0} MiB |",
                runs.first().map(|f| f.degree).unwrap_or(0),
                med(runs.iter().map(|f| f.propagation_median_ms).collect()),
                med(runs.iter().map(|f| f.propagation_max_ms).collect()),
                med(runs
                    .iter()
                    .map(|f| f.sent_bytes_per_member_per_event)
                    .collect()),
                med(runs.iter().map(|f| f.rss_median_mib).collect()),
                med(runs.iter().map(|f| f.rss_max_mib).collect()),
            );
        }
        if let Some(w) = &self.wan {
            let _ = writeln!(s, "\n## Over the region's links (issue 24)\n");
            wan::section(&mut s, w);
        }
        if let Some((n, f)) = &self.scale_wan {
            let loopback = self.scale.get(n).and_then(|runs| runs.first());
            let _ = writeln!(
                s,
                "\nThe federation of {n} members again, each member at one of the seven sites in turn (M01 Phnom Penh, M02 Jakarta, ... M07 Kathmandu, M08 Phnom Penh ...), each link it follows delayed by the round trip between the two sites (20 ms within one) and its uplink the site's. One member appends one event at a time ({} samples) until all {n} hold it.\n",
                o.scale_samples
            );
            let _ = writeln!(
                s,
                "| figure | over the region's links | on loopback (same run) |\n|---|---:|---:|"
            );
            let _ = writeln!(
                s,
                "| held by all: median | {:.0} ms | {} |",
                f.propagation_median_ms,
                loopback.map_or("—".into(), |l| format!(
                    "{:.0} ms",
                    l.propagation_median_ms
                ))
            );
            let _ = writeln!(
                s,
                "| slowest sample | {:.0} ms | {} |",
                f.propagation_max_ms,
                loopback.map_or("—".into(), |l| format!("{:.0} ms", l.propagation_max_ms))
            );
            let _ = writeln!(
                s,
                "| replication pages sent per member per event (protobuf) | {:.0} B | {} |",
                f.sent_bytes_per_member_per_event,
                loopback.map_or("—".into(), |l| format!(
                    "{:.0} B",
                    l.sent_bytes_per_member_per_event
                ))
            );
            let _ = writeln!(
                s,
                "| bytes on the wire per member per event (TLS, HTTP/2, keepalives) | {:.0} B | — |",
                f.wire_bytes_per_member_per_event
            );
        }
        s.push_str(NOTES);
        s
    }
}

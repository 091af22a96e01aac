//! The regional view at scale: a store holding the releases of 50 members over
//! 40 quarters (all five tables), as replicated logs with their view rows, queried
//! through the `View` gRPC service on loopback, and rebuilt from the logs.

use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use remedy_core::case::Date;
use remedy_core::payload::Payload;
use remedy_core::release::{Source, build};
use remedy_core::tables::{Period, compute};
use remedy_core::{ChainHead, LogKind, MemberId, SignedEvent, SigningKey};
use remedy_node::grpc::ViewService;
use remedy_node::store::{Commit, LogId, RocksStore, Store, StoreOptions};
use remedy_proto::v1 as pb;

#[derive(Debug, Clone, Copy)]
pub struct ViewFigures {
    pub events: u64,
    pub rows: u64,
    pub stats_p50_ms: f64,
    pub stats_p99_ms: f64,
    pub series_p50_ms: f64,
    pub series_p99_ms: f64,
    pub rebuild_seconds: f64,
}

fn percentile(samples: &mut [f64], p: f64) -> f64 {
    samples.sort_by(f64::total_cmp);
    let i = ((samples.len() as f64 - 1.0) * p).round() as usize;
    samples[i]
}

/// Builds the view of `members` × `quarters` releases in a fresh store at `dir`,
/// then times `queries` cross-member queries of one table and one period, and
/// `queries` 40-quarter series, through gRPC; then rebuilds the view.
pub async fn regional(
    dir: &Path,
    members: usize,
    quarters: u16,
    queries: usize,
) -> anyhow::Result<ViewFigures> {
    let store = Arc::new(RocksStore::open(dir, StoreOptions { sync: false })?);
    let ids: Vec<MemberId> = (0..members)
        .map(|i| MemberId::new(format!("M{i:02}")))
        .collect::<Result<_, _>>()?;
    let first_year: u16 = 2015;
    let periods: Vec<Period> = (0..quarters)
        .map(|q| Period::Quarter(first_year + q / 4, (q % 4) as u8 + 1))
        .collect();
    let writer = store.clone();
    let build_ids = ids.clone();
    let periods_built = periods.clone();
    let (events, rows) = tokio::task::spawn_blocking(move || -> anyhow::Result<(u64, u64)> {
        let (mut events, mut rows) = (0, 0);
        for (n, member) in build_ids.iter().enumerate() {
            let key = SigningKey::from_seed([n as u8 + 1; 32]);
            let last = periods_built.last().copied().unwrap_or(Period::Year(2024));
            let to = match last {
                Period::Quarter(y, _) => Date::parse(&format!("{y}-12-31")),
                _ => Date::parse("2024-12-31"),
            }
            .ok_or_else(|| anyhow::anyhow!("bad date"))?;
            let from = Date::parse(&format!("{first_year}-01-01"))
                .ok_or_else(|| anyhow::anyhow!("bad date"))?;
            // About 60 cases a quarter, with a mix per member.
            let cases: Vec<_> = remedy_core::synthetic::generate(
                member,
                60 * periods_built.len() as u64,
                n as u64,
                from,
                to,
            )
            .collect();
            let mut head = ChainHead::EMPTY;
            let mut commit = Commit::default();
            for period in &periods_built {
                let tables = compute(*period, &cases);
                let source = Source {
                    private_seq: head.seq,
                    private_hash: String::new(),
                };
                let release = build(&tables, 5, 1, source, &[])?;
                let event = SignedEvent::seal(
                    &key,
                    member,
                    LogKind::Shared,
                    head.seq + 1,
                    head.hash,
                    0,
                    &release.to_draft(),
                );
                head = ChainHead::of(&event);
                let derived = remedy_node::views::rows(&event);
                rows += derived.len() as u64;
                commit.projections.extend(derived);
                commit.events.push((
                    LogId::Replica(member.clone()),
                    event.seq(),
                    event.into_raw(),
                ));
                events += 1;
            }
            writer.commit(commit)?;
        }
        Ok((events, rows))
    })
    .await??;

    // The View service on loopback.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let service = ViewService::new(ids[0].clone(), store.clone() as Arc<dyn Store>, None);
    let server = tokio::spawn(
        tonic::transport::Server::builder()
            .add_service(pb::view_server::ViewServer::new(service))
            .serve_with_incoming(
                // As the node does: without TCP_NODELAY, Nagle's algorithm holds the
                // end of a large reply until the client's delayed ACK (about 40 ms).
                tokio_stream::StreamExt::map(
                    tokio_stream::wrappers::TcpListenerStream::new(listener),
                    |stream| {
                        if let Ok(s) = &stream {
                            let _ = s.set_nodelay(true);
                        }
                        stream
                    },
                ),
            ),
    );
    let channel = remedy_tests::connect(addr).await?;
    let mut client = pb::view_client::ViewClient::new(channel);
    let all: Vec<String> = ids.iter().map(ToString::to_string).collect();
    let tables = [
        "grievance-outcome",
        "channel-outcome",
        "sector-sex",
        "status-grievance",
        "resolution",
    ];
    let mut stats = Vec::with_capacity(queries);
    for i in 0..queries {
        let period = periods[i % periods.len()].to_string();
        let request = pb::StatsRequest {
            table: tables[i % tables.len()].into(),
            from_period: period,
            members: all.clone(),
            ..Default::default()
        };
        let started = Instant::now();
        let reply = client.stats(request).await?.into_inner();
        stats.push(started.elapsed().as_secs_f64() * 1000.0);
        anyhow::ensure!(
            reply.json.contains("\"regional\""),
            "an answer without totals"
        );
    }
    let mut series = Vec::with_capacity(queries);
    let (first, last) = (
        periods[0].to_string(),
        periods[periods.len() - 1].to_string(),
    );
    for i in 0..queries {
        let request = pb::SeriesRequest {
            table: "channel-outcome".into(),
            from_period: first.clone(),
            to_period: last.clone(),
            members: all.clone(),
            row: remedy_core::case::CHANNEL[i % 3].into(),
            column: "total".into(),
        };
        let started = Instant::now();
        let reply = client.series(request).await?.into_inner();
        series.push(started.elapsed().as_secs_f64() * 1000.0);
        anyhow::ensure!(reply.json.matches("\"period\"").count() == periods.len());
    }
    server.abort();

    let rebuild_store = store.clone();
    let started = Instant::now();
    let rebuilt = tokio::task::spawn_blocking(move || {
        remedy_node::views::rebuild(rebuild_store.as_ref(), |_| {})
    })
    .await??;
    let rebuild_seconds = started.elapsed().as_secs_f64();
    anyhow::ensure!(rebuilt.before == rebuilt.after, "the rebuild differs");
    anyhow::ensure!(rebuilt.events == events && rebuilt.rows == rows);
    Ok(ViewFigures {
        events,
        rows,
        stats_p50_ms: percentile(&mut stats, 0.5),
        stats_p99_ms: percentile(&mut stats, 0.99),
        series_p50_ms: percentile(&mut series, 0.5),
        series_p99_ms: percentile(&mut series, 0.99),
        rebuild_seconds,
    })
}

//! The region's links, emulated (`remedy_tests::wan`): four members over the
//! round trips and uplinks of Phnom Penh, Jakarta, Hanoi and Tokyo, the
//! Jakarta–Tokyo link losing 1% of its segments, VN taking its pages gzipped,
//! and KH cut off silently (every
//! byte held, no connection closed) while every member appends. The others go
//! on exchanging events meanwhile; once KH's links heal, all four converge
//! within a deadline, and nobody's append failed.

use std::collections::BTreeMap;
use std::time::Duration;

use remedy_core::LogKind;
use remedy_tests::bootstrap;
use remedy_tests::federation::{
    Started, append_notes, converge, heights, start_all, wait_connected, wait_heights,
};
use remedy_tests::wan::{Outage, Wan, region_path, route_all, site};

const MEMBERS: [&str; 4] = ["KH", "ID", "VN", "JP"];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn four_members_converge_over_the_regions_links_after_an_outage_and_with_loss()
-> anyhow::Result<()> {
    let tmp = tempfile::tempdir()?;
    let fed = tmp.path().join("fed");
    bootstrap(&fed, "KH,ID,VN,JP", &[])?;
    let wan = Wan::new();
    route_all(
        &wan,
        &fed,
        &MEMBERS,
        |a, b| {
            let mut path = region_path(a, b);
            if [a, b] == ["ID", "JP"] || [a, b] == ["JP", "ID"] {
                path.loss = 0.01;
            }
            path
        },
        |m| site(m).map(|s| s.uplink_bps),
    )
    .await?;
    // VN asks its peers for gzipped pages (`compress_follow`): its follows
    // decode them all along.
    remedy_tests::edit_config(&fed.join("VN"), |vn| {
        vn.compress_follow = true;
        Ok(())
    })?;
    // The harness watches each node directly, not through the links.
    let Started {
        running, channels, ..
    } = start_all(&fed, &MEMBERS).await?;
    wait_connected(&channels, Duration::from_secs(30)).await?;

    for (i, m) in MEMBERS.iter().enumerate() {
        append_notes(channels[*m].clone(), LogKind::Shared, 1, 20 + i as u64, 300).await?;
    }
    converge(&channels, Duration::from_secs(30)).await?;
    let before = heights(channels["KH"].clone()).await?;

    // KH's links go silent; everyone appends 30 more.
    wan.outage("KH", Outage::Silent);
    for m in MEMBERS {
        append_notes(channels[m].clone(), LogKind::Shared, 100, 30, 300).await?;
    }
    let others: BTreeMap<String, tonic::transport::Channel> = channels
        .iter()
        .filter(|(m, _)| *m != "KH")
        .map(|(m, c)| (m.clone(), c.clone()))
        .collect();
    let wanted: BTreeMap<String, u64> = ["ID", "VN", "JP"]
        .iter()
        .map(|m| (m.to_string(), before[*m] + 30))
        .collect();
    wait_heights(&others, &wanted, Duration::from_secs(30)).await?;
    // Nothing reached KH, and nothing of KH's new events left it.
    let kh = heights(channels["KH"].clone()).await?;
    for m in ["ID", "VN", "JP"] {
        assert_eq!(kh[m], before[m], "KH is cut off: {kh:?}");
        let there = heights(channels[m].clone()).await?;
        assert_eq!(there["KH"], before["KH"], "{m}: {there:?}");
    }

    wan.outage("KH", Outage::Up);
    converge(&channels, Duration::from_secs(60)).await?;
    let after = heights(channels["JP"].clone()).await?;
    for m in MEMBERS {
        assert_eq!(after[m], before[m] + 30, "{after:?}");
    }
    println!(
        "converged; bytes sent: {}",
        MEMBERS
            .iter()
            .map(|m| format!("{m} {}", wan.bytes_sent(m)))
            .collect::<Vec<_>>()
            .join(", ")
    );
    drop(running);
    Ok(())
}

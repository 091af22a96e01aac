//! A userspace model of the region's links, for tests and benchmarks: every
//! connection from one member's node to another's goes through a proxy that
//! delays, shapes and cuts it as the link between them would. Nothing needs
//! kernel modules or privileges (no `tc netem`), so it runs in CI.
//!
//! What a link does to the bytes of one direction of a connection, in order:
//!
//! 1. **Uplink**: the sender's access link is a FIFO of `uplink` bit/s shared
//!    by every connection the sender has: a chunk leaves when the chunks queued
//!    before it (on any of its connections) have left, and takes
//!    `bytes × 8 / uplink` to serialise. Downlinks are taken to be faster.
//! 2. **Loss**, modelled by its effect on one TCP stream, since a proxy sees a
//!    byte stream and not packets: each 1,448-byte segment is lost with
//!    probability `loss`; a lost one holds its chunk one more round trip (fast
//!    retransmit), and the chunks behind it wait for it (in order); the
//!    connection's rate is capped at the
//!    Mathis et al. bound, `MSS × 8 / RTT × 1.22 / √loss` (1997, "The
//!    macroscopic behavior of the TCP congestion avoidance algorithm").
//! 3. **Propagation**: half the round trip, plus a jitter drawn uniformly from
//!    `0..jitter`; bytes are never reordered (TCP delivers in order).
//! 4. **Outage**, of every link of one member or of the link between two:
//!    `Cut` closes its connections and
//!    refuses new ones (a peer that restarts, a refused route); `Silent` holds
//!    every byte, in both directions, until the link heals, with connections
//!    left open (a cable cut, a route that drops everything): only timeouts and
//!    keepalives tell the ends. After it heals, held bytes flow again and new
//!    connections pass.
//!
//! Each direction holds at most [`QUEUE_CHUNKS`] chunks of at most
//! [`CHUNK`] bytes in flight; when the queue is full the proxy stops reading,
//! and the sender's TCP window fills, as behind a slow link.
//!
//! [`REGION`] is the table of the sites the federation will run in and the
//! round trips between them; see its comment for where the figures come from.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rand::{Rng as _, SeedableRng as _};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

/// The most bytes one chunk carries through the model.
pub const CHUNK: usize = 16 * 1024;
/// Chunks in flight per direction of a connection.
pub const QUEUE_CHUNKS: usize = 256;
/// TCP's maximum segment size on an Ethernet path with timestamps.
pub const MSS: f64 = 1448.0;

/// One site of the region: a member's node, its city and its agency uplink.
#[derive(Clone, Copy, Debug)]
pub struct Site {
    pub member: &'static str,
    pub city: &'static str,
    /// The agency's uplink, bit/s.
    pub uplink_bps: f64,
}

/// The region. Round trips are not measured here: they are the great-circle
/// distance between the cities × 2 × 3.2 / c (Singla et al., "The Internet
/// at the speed of light", HotNets 2014: the median Internet round trip is
/// 3.2 times what light in a vacuum would take over the great circle), plus
/// 20 ms for the two ends' access networks. Tokyo–Jakarta (5,780 km) comes out
/// at 143 ms, Phnom Penh–Hanoi (1,060 km) at 43 ms; the range is 50 to
/// 250 ms. Uplinks are the "few Mbit/s" of an agency office (the issue), more
/// in Tokyo. Jitter is 5% of the round trip.
pub const REGION: &[Site] = &[
    Site {
        member: "KH",
        city: "Phnom Penh",
        uplink_bps: 5e6,
    },
    Site {
        member: "ID",
        city: "Jakarta",
        uplink_bps: 10e6,
    },
    Site {
        member: "VN",
        city: "Hanoi",
        uplink_bps: 10e6,
    },
    Site {
        member: "JP",
        city: "Tokyo",
        uplink_bps: 20e6,
    },
    Site {
        member: "PH",
        city: "Manila",
        uplink_bps: 10e6,
    },
    Site {
        member: "MM",
        city: "Yangon",
        uplink_bps: 2e6,
    },
    Site {
        member: "NP",
        city: "Kathmandu",
        uplink_bps: 4e6,
    },
];

/// Great-circle distances between the cities of [`REGION`], km (rounded).
const DISTANCES_KM: &[(&str, &str, f64)] = &[
    ("Phnom Penh", "Jakarta", 1_980.0),
    ("Phnom Penh", "Hanoi", 1_060.0),
    ("Phnom Penh", "Tokyo", 4_400.0),
    ("Phnom Penh", "Manila", 1_780.0),
    ("Phnom Penh", "Yangon", 1_140.0),
    ("Phnom Penh", "Kathmandu", 2_480.0),
    ("Jakarta", "Hanoi", 3_020.0),
    ("Jakarta", "Tokyo", 5_780.0),
    ("Jakarta", "Manila", 2_780.0),
    ("Jakarta", "Yangon", 2_940.0),
    ("Jakarta", "Kathmandu", 4_300.0),
    ("Hanoi", "Tokyo", 3_670.0),
    ("Hanoi", "Manila", 1_760.0),
    ("Hanoi", "Yangon", 1_120.0),
    ("Hanoi", "Kathmandu", 2_200.0),
    ("Tokyo", "Manila", 3_000.0),
    ("Tokyo", "Yangon", 4_830.0),
    ("Tokyo", "Kathmandu", 5_100.0),
    ("Manila", "Yangon", 2_850.0),
    ("Manila", "Kathmandu", 3_900.0),
    ("Yangon", "Kathmandu", 1_300.0),
];

/// Light in a vacuum, km per millisecond.
const C_KM_PER_MS: f64 = 299.792;

/// The site of `member` in [`REGION`].
pub fn site(member: &str) -> Option<&'static Site> {
    REGION.iter().find(|s| s.member == member)
}

/// The modelled round trip between two cities (20 ms within one city).
pub fn city_rtt(a: &str, b: &str) -> Duration {
    let km = DISTANCES_KM
        .iter()
        .find(|(x, y, _)| (*x == a && *y == b) || (*x == b && *y == a))
        .map_or(0.0, |d| d.2);
    Duration::from_secs_f64((2.0 * 3.2 * km / C_KM_PER_MS + 20.0) / 1000.0)
}

/// The path between two members of [`REGION`]: its round trip, 5% jitter and
/// no loss.
pub fn region_path(a: &str, b: &str) -> Path {
    let (sa, sb) = (site(a).map_or(a, |s| s.city), site(b).map_or(b, |s| s.city));
    let rtt = city_rtt(sa, sb);
    Path {
        rtt,
        jitter: rtt / 20,
        loss: 0.0,
    }
}

/// What a link does to a connection between two members, both ways.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Path {
    pub rtt: Duration,
    /// The most extra one-way delay, drawn uniformly.
    pub jitter: Duration,
    /// The probability that a segment is lost, 0 to 1.
    pub loss: f64,
}

/// A shared FIFO link of `rate` bit/s: when each chunk finishes leaving.
#[derive(Debug)]
struct Shaper {
    bits_per_s: f64,
    free_at: Mutex<Instant>,
}

impl Shaper {
    fn new(bits_per_s: f64) -> Self {
        Self {
            bits_per_s,
            free_at: Mutex::new(Instant::now()),
        }
    }

    /// Queues `bytes` behind what is queued; returns when they have left.
    fn reserve(&self, bytes: usize, now: Instant) -> Instant {
        let mut free = self.free_at.lock().expect("shaper lock");
        let start = (*free).max(now);
        *free = start + Duration::from_secs_f64(bytes as f64 * 8.0 / self.bits_per_s);
        *free
    }
}

/// The state of a member's links.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outage {
    Up,
    /// Connections closed, new ones refused.
    Cut,
    /// Every byte held, connections open.
    Silent,
}

/// One member's side of the network: its uplink, its outage, and the bytes
/// it sent.
#[derive(Debug)]
struct Member {
    uplink: Option<Shaper>,
    state: watch::Sender<Outage>,
    sent: AtomicU64,
}

/// The emulated network: members' uplinks and outages, and the links the
/// harness routes their connections through.
#[derive(Debug)]
pub struct Wan {
    members: Mutex<HashMap<String, Arc<Member>>>,
    /// The state of the link between two members (both directions), keyed by
    /// the pair in order.
    pairs: Mutex<HashMap<(String, String), watch::Sender<Outage>>>,
    tasks: Mutex<Vec<tokio::task::JoinHandle<()>>>,
    seed: AtomicU64,
}

impl Default for Wan {
    fn default() -> Self {
        Self {
            members: Mutex::default(),
            pairs: Mutex::default(),
            tasks: Mutex::default(),
            seed: AtomicU64::new(0x5eed),
        }
    }
}

impl Drop for Wan {
    fn drop(&mut self) {
        for task in self.tasks.lock().expect("tasks lock").drain(..) {
            task.abort();
        }
    }
}

impl Wan {
    pub fn new() -> Arc<Self> {
        Arc::new(Self::default())
    }

    fn member(&self, name: &str) -> Arc<Member> {
        self.members
            .lock()
            .expect("members lock")
            .entry(name.to_string())
            .or_insert_with(|| {
                Arc::new(Member {
                    uplink: None,
                    state: watch::Sender::new(Outage::Up),
                    sent: AtomicU64::new(0),
                })
            })
            .clone()
    }

    /// Gives `member` an uplink of `bits_per_s` (none: unlimited). Set it before
    /// routing its connections.
    pub fn set_uplink(&self, member: &str, bits_per_s: Option<f64>) {
        let old = self.member(member);
        let new = Arc::new(Member {
            uplink: bits_per_s.map(Shaper::new),
            state: old.state.clone(),
            sent: AtomicU64::new(old.sent.load(Ordering::Relaxed)),
        });
        self.members
            .lock()
            .expect("members lock")
            .insert(member.to_string(), new);
    }

    /// Sets the state of every link of `member`: an outage, or `Up` to heal.
    pub fn outage(&self, member: &str, state: Outage) {
        self.member(member).state.send_replace(state);
    }

    /// Sets the state of the link between `a` and `b` alone (both ways, every
    /// connection between them), or `Up` to heal it.
    pub fn link_outage(&self, a: &str, b: &str, state: Outage) {
        self.pair(a, b).send_replace(state);
    }

    fn pair(&self, a: &str, b: &str) -> watch::Sender<Outage> {
        let key = if a <= b {
            (a.to_string(), b.to_string())
        } else {
            (b.to_string(), a.to_string())
        };
        self.pairs
            .lock()
            .expect("pairs lock")
            .entry(key)
            .or_insert_with(|| watch::Sender::new(Outage::Up))
            .clone()
    }

    /// The bytes `member` has sent through the network so far.
    pub fn bytes_sent(&self, member: &str) -> u64 {
        self.member(member).sent.load(Ordering::Relaxed)
    }

    /// Starts a link on a free loopback port for `from`'s connections to
    /// `to`, which listens at `target`; returns the port's address (put it in
    /// `from`'s `[peers]`).
    pub async fn link(
        self: &Arc<Self>,
        from: &str,
        to: &str,
        target: SocketAddr,
        path: Path,
    ) -> anyhow::Result<SocketAddr> {
        self.link_at("127.0.0.1:0".parse()?, from, to, target, path)
            .await
    }

    /// As [`Wan::link`], listening at `at` (the address a manifest names, with
    /// the node listening elsewhere); waits up to 5 s for it to be free.
    pub async fn link_at(
        self: &Arc<Self>,
        at: SocketAddr,
        from: &str,
        to: &str,
        target: SocketAddr,
        path: Path,
    ) -> anyhow::Result<SocketAddr> {
        let deadline = Instant::now() + Duration::from_secs(5);
        let listener = loop {
            match TcpListener::bind(at).await {
                Ok(l) => break l,
                Err(e) if Instant::now() > deadline => return Err(e.into()),
                Err(_) => tokio::time::sleep(Duration::from_millis(20)).await,
            }
        };
        let addr = listener.local_addr()?;
        let (a, b) = (self.member(from), self.member(to));
        let pair = self.pair(from, to);
        let wan = Arc::downgrade(self);
        let task = tokio::spawn(async move {
            loop {
                let Ok((client, _)) = listener.accept().await else {
                    // Out of file descriptors, say: do not spin.
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    continue;
                };
                let ends = [a.state.subscribe(), b.state.subscribe(), pair.subscribe()];
                if ends.iter().any(|e| *e.borrow() == Outage::Cut) {
                    drop(client);
                    continue;
                }
                let Some(wan) = wan.upgrade() else { return };
                let seed = wan.seed.fetch_add(1, Ordering::Relaxed);
                tokio::spawn(connection(
                    client,
                    target,
                    a.clone(),
                    b.clone(),
                    ends,
                    path,
                    seed,
                ));
            }
        });
        self.tasks.lock().expect("tasks lock").push(task);
        Ok(addr)
    }
}

/// Routes every connection between the node members of the federation in
/// `fed` (folders `fed/<member>`, not yet started) through `wan`: each
/// member's `[peers]` names a link to each other member, over `path(a, b)`,
/// and each member's uplink is `uplink(member)`.
pub async fn route_all(
    wan: &Arc<Wan>,
    fed: &std::path::Path,
    members: &[&str],
    path: impl Fn(&str, &str) -> Path,
    uplink: impl Fn(&str) -> Option<f64>,
) -> anyhow::Result<()> {
    let pairs: Vec<(String, String)> = members
        .iter()
        .flat_map(|a| {
            members
                .iter()
                .filter(move |b| *b != a)
                .map(move |b| (a.to_string(), b.to_string()))
        })
        .collect();
    route_pairs(wan, fed, members, &pairs, path, uplink).await
}

/// As [`route_all`], for the connections `(from, to)` in `pairs` only (the
/// peers a large federation's topology has each member follow).
pub async fn route_pairs(
    wan: &Arc<Wan>,
    fed: &std::path::Path,
    members: &[&str],
    pairs: &[(String, String)],
    path: impl Fn(&str, &str) -> Path,
    uplink: impl Fn(&str) -> Option<f64>,
) -> anyhow::Result<()> {
    let mut addrs = HashMap::new();
    for m in members {
        wan.set_uplink(m, uplink(m));
        addrs.insert(m.to_string(), crate::NodeDir::open(&fed.join(m))?.addr);
    }
    for a in members {
        let mut links = Vec::new();
        for (_, b) in pairs.iter().filter(|(from, _)| from == a) {
            let target = *addrs
                .get(b)
                .ok_or_else(|| anyhow::anyhow!("{b} is not among the members"))?;
            let link = wan.link(a, b, target, path(a, b)).await?;
            links.push((remedy_core::MemberId::new(b.as_str())?, link));
        }
        crate::edit_config(&fed.join(a), |config| {
            config.peers.extend(links);
            Ok(())
        })?;
    }
    Ok(())
}

/// One proxied connection, both directions, until either side closes or an
/// end goes down.
async fn connection(
    client: TcpStream,
    target: SocketAddr,
    from: Arc<Member>,
    to: Arc<Member>,
    ends: Ends,
    path: Path,
    seed: u64,
) {
    let Ok(server) = TcpStream::connect(target).await else {
        return;
    };
    let _ = client.set_nodelay(true);
    let _ = server.set_nodelay(true);
    let (client_read, client_write) = client.into_split();
    let (server_read, server_write) = server.into_split();
    let mut cut = ends.clone();
    let cut = async move {
        let [a, b, pair] = &mut cut;
        tokio::select! {
            _ = a.wait_for(|s| *s == Outage::Cut) => {}
            _ = b.wait_for(|s| *s == Outage::Cut) => {}
            _ = pair.wait_for(|s| *s == Outage::Cut) => {}
        }
    };
    let both = async {
        tokio::join!(
            direction(client_read, server_write, from, ends.clone(), path, seed),
            direction(
                server_read,
                client_write,
                to,
                ends,
                path,
                seed ^ 0x9e37_79b9
            ),
        )
    };
    tokio::select! {
        _ = both => {}
        () = cut => {}
    }
}

/// What can take a connection down: its two members' links and the link
/// between them.
type Ends = [watch::Receiver<Outage>; 3];

/// Carries one direction: the sender's uplink, loss, propagation.
async fn direction(
    mut read: tokio::net::tcp::OwnedReadHalf,
    mut write: tokio::net::tcp::OwnedWriteHalf,
    sender: Arc<Member>,
    mut ends: Ends,
    path: Path,
    seed: u64,
) {
    let (queue, mut queued) = tokio::sync::mpsc::channel::<(Instant, Vec<u8>)>(QUEUE_CHUNKS);
    let rto = (path.rtt + 4 * path.jitter).max(Duration::from_millis(200));
    let deliver = async move {
        while let Some((at, bytes)) = queued.recv().await {
            tokio::time::sleep_until(at.into()).await;
            // A silent outage holds the bytes until the link heals, and then
            // until TCP's next retransmission: after RTO, 2 RTO, 4 RTO ... from
            // when they were due (RFC 6298's backoff, at most 60 s apart).
            let due = Instant::now();
            let mut held = false;
            for end in &mut ends {
                held |= *end.borrow() == Outage::Silent;
                if end.wait_for(|s| *s != Outage::Silent).await.is_err() {
                    return;
                }
            }
            if held {
                tokio::time::sleep_until(retransmission(due, Instant::now(), rto).into()).await;
            }
            if write.write_all(&bytes).await.is_err() {
                return;
            }
        }
        // The sender closed its side: so does this one, once all is delivered.
        let _ = write.shutdown().await;
    };
    let mathis = (path.loss > 0.0).then(|| {
        Shaper::new(MSS * 8.0 / path.rtt.as_secs_f64().max(1e-3) * 1.22 / path.loss.sqrt())
    });
    let carry = async move {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
        let mut last = Instant::now();
        let mut buf = vec![0u8; CHUNK];
        loop {
            let n = match read.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(n) => n,
            };
            let now = Instant::now();
            let mut stalled = Duration::ZERO;
            sender.sent.fetch_add(n as u64, Ordering::Relaxed);
            let mut leaves = sender.uplink.as_ref().map_or(now, |u| u.reserve(n, now));
            if let Some(cap) = &mathis {
                leaves = leaves.max(cap.reserve(n, now));
                // A lost segment of this chunk holds it one more round trip
                // (its fast retransmission); later chunks wait behind it
                // (in order), and nothing more.
                let segments = (n as f64 / MSS).ceil() as usize;
                for _ in 0..segments {
                    if rng.r#gen::<f64>() < path.loss {
                        stalled += path.rtt;
                    }
                }
            }
            let jitter = if path.jitter.is_zero() {
                Duration::ZERO
            } else {
                path.jitter.mul_f64(rng.r#gen::<f64>())
            };
            let at = (leaves + path.rtt / 2 + jitter + stalled).max(last);
            last = at;
            if queue.send((at, buf[..n].to_vec())).await.is_err() {
                return;
            }
        }
    };
    // Carrying ends at the sender's end of stream (dropping the queue), and
    // delivery once the queue is empty.
    tokio::join!(carry, deliver);
}

/// When TCP sends again bytes first sent at `due` and lost until `healed`:
/// the first of its retransmissions, `rto` after `due` and doubling each
/// time, that comes after `healed`. (Linux caps the interval at 120 s; 60 s
/// here, which outages of minutes only shorten.)
fn retransmission(due: Instant, healed: Instant, rto: Duration) -> Instant {
    let mut wait = rto;
    let mut at = due + wait;
    while at < healed {
        wait = (wait * 2).min(Duration::from_secs(60));
        at += wait;
    }
    at
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn after_an_outage_tcp_sends_again_at_its_next_backed_off_retransmission() {
        let due = Instant::now();
        let rto = Duration::from_millis(200);
        // Retransmissions at 0.2, 0.6, 1.4, 3.0, 6.2, 12.6, 25.4, 51.0 s.
        let at = |healed_s: f64| {
            (retransmission(due, due + Duration::from_secs_f64(healed_s), rto) - due).as_secs_f64()
        };
        assert!((at(0.1) - 0.2).abs() < 1e-9);
        assert!((at(1.0) - 1.4).abs() < 1e-9);
        assert!((at(30.0) - 51.0).abs() < 1e-9);
    }

    #[test]
    fn round_trips_follow_the_distance_table() {
        let ms = |a, b| region_path(a, b).rtt.as_secs_f64() * 1000.0;
        assert!((ms("JP", "ID") - 143.4).abs() < 1.0, "{}", ms("JP", "ID"));
        assert!((ms("KH", "VN") - 42.6).abs() < 1.0, "{}", ms("KH", "VN"));
        assert_eq!(ms("KH", "ID"), ms("ID", "KH"));
        for a in REGION {
            for b in REGION {
                let rtt = ms(a.member, b.member);
                assert!((20.0..=250.0).contains(&rtt), "{} {}", a.member, b.member);
            }
        }
    }

    #[test]
    fn a_shared_uplink_queues_chunks_in_order() {
        let uplink = Shaper::new(8_000.0); // 1,000 bytes a second
        let now = Instant::now();
        let first = uplink.reserve(500, now);
        let second = uplink.reserve(500, now);
        assert_eq!(first - now, Duration::from_millis(500));
        assert_eq!(second - now, Duration::from_secs(1));
    }

    /// A round trip through a 100 ms link takes at least 100 ms, and 1 MB over
    /// a 10 Mbit/s uplink at least 0.8 s; bytes arrive intact and in order.
    #[tokio::test]
    async fn a_link_delays_and_shapes_and_keeps_bytes_in_order() {
        let echo = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let target = echo.local_addr().unwrap();
        tokio::spawn(async move {
            while let Ok((mut s, _)) = echo.accept().await {
                tokio::spawn(async move {
                    let (mut r, mut w) = s.split();
                    let _ = tokio::io::copy(&mut r, &mut w).await;
                });
            }
        });
        let wan = Wan::new();
        wan.set_uplink("A", Some(10e6));
        let path = Path {
            rtt: Duration::from_millis(100),
            jitter: Duration::from_millis(5),
            loss: 0.0,
        };
        let addr = wan.link("A", "B", target, path).await.unwrap();
        let mut s = TcpStream::connect(addr).await.unwrap();
        let started = Instant::now();
        s.write_all(b"ping").await.unwrap();
        let mut four = [0u8; 4];
        s.read_exact(&mut four).await.unwrap();
        assert!(started.elapsed() >= Duration::from_millis(100));
        assert_eq!(&four, b"ping");

        let data: Vec<u8> = (0..1_000_000u32).map(|i| (i % 251) as u8).collect();
        let started = Instant::now();
        let (mut r, mut w) = s.into_split();
        let sent = data.clone();
        let writer = tokio::spawn(async move { w.write_all(&sent).await });
        let mut back = vec![0u8; data.len()];
        r.read_exact(&mut back).await.unwrap();
        writer.await.unwrap().unwrap();
        assert!(
            started.elapsed() >= Duration::from_millis(800),
            "{:?}",
            started.elapsed()
        );
        assert!(back == data, "in order, intact");
        assert!(wan.bytes_sent("A") >= 1_000_004);

        // Cut: the connection closes and a new one is refused.
        wan.outage("B", Outage::Cut);
        let mut buf = [0u8; 1];
        assert_eq!(r.read(&mut buf).await.unwrap_or(0), 0);
        let mut again = TcpStream::connect(addr).await.unwrap();
        assert_eq!(again.read(&mut buf).await.unwrap_or(0), 0);
        wan.outage("B", Outage::Up);
        let mut healed = TcpStream::connect(addr).await.unwrap();
        healed.write_all(b"x").await.unwrap();
        healed.read_exact(&mut buf).await.unwrap();
        assert_eq!(&buf, b"x");

        // Silent: nothing arrives, nothing closes; after it heals, the held
        // bytes arrive.
        wan.outage("A", Outage::Silent);
        healed.write_all(b"y").await.unwrap();
        let held =
            tokio::time::timeout(Duration::from_millis(400), healed.read_exact(&mut buf)).await;
        assert!(held.is_err(), "held while silent");
        wan.outage("A", Outage::Up);
        healed.read_exact(&mut buf).await.unwrap();
        assert_eq!(&buf, b"y");
    }
}

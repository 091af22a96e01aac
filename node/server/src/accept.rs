//! Accepting TCP connections without spinning when accepting fails.
//!
//! `accept` fails for reasons that last (out of file descriptors, `EMFILE`; out
//! of memory for socket buffers): retrying at once only burns the CPU and floods
//! the log while nothing else gets done. Every listener of the node (gRPC and
//! plain HTTP) accepts through [`accept`], which waits after each failure, from
//! [`MIN_PAUSE`] doubling to [`MAX_PAUSE`], logs one line per wait, and starts
//! again from the shortest pause after the next success.

use std::net::SocketAddr;
use std::time::Duration;

use tokio::net::{TcpListener, TcpStream};

/// First pause after a failed accept: short, since a failure may be one
/// connection reset before it was accepted.
pub const MIN_PAUSE: Duration = Duration::from_millis(5);
/// Longest pause: a node out of descriptors retries once a second, so it serves
/// again within a second of descriptors coming free, and logs one line a second.
pub const MAX_PAUSE: Duration = Duration::from_secs(1);

/// The pause before the next accept after failures in a row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    next: Duration,
}

impl Default for Backoff {
    fn default() -> Self {
        Self { next: MIN_PAUSE }
    }
}

impl Backoff {
    /// An accept failed: the pause to wait now (the next one doubles, up to
    /// [`MAX_PAUSE`]).
    pub fn failed(&mut self) -> Duration {
        let pause = self.next;
        self.next = (self.next * 2).min(MAX_PAUSE);
        pause
    }

    /// An accept succeeded: the next failure pauses briefly again.
    pub fn succeeded(&mut self) {
        self.next = MIN_PAUSE;
    }
}

/// The next connection on `listener`; failures are logged (naming `what` the
/// listener serves) and retried after the backoff's pause.
pub async fn accept(
    listener: &TcpListener,
    backoff: &mut Backoff,
    what: &str,
) -> (TcpStream, SocketAddr) {
    loop {
        match listener.accept().await {
            Ok(accepted) => {
                backoff.succeeded();
                return accepted;
            }
            Err(e) => {
                let pause = backoff.failed();
                tracing::warn!(
                    error = %e,
                    listener = what,
                    pause_ms = pause.as_millis() as u64,
                    "accepting a connection failed; pausing before the next accept"
                );
                tokio::time::sleep(pause).await;
            }
        }
    }
}

/// Caps on the gRPC connections open at once: in total (beyond it, clients
/// wait in the listen queue) and from one address (beyond it, a new connection
/// is closed at once), so that one peer or host cannot take every connection.
#[derive(Debug, Clone)]
pub struct Gate {
    total: std::sync::Arc<tokio::sync::Semaphore>,
    per_address: usize,
    open: std::sync::Arc<std::sync::Mutex<std::collections::HashMap<std::net::IpAddr, usize>>>,
    /// Refusals since the last one logged, and when that was.
    refused: std::sync::Arc<std::sync::Mutex<(u64, Option<std::time::Instant>)>>,
}

impl Gate {
    pub fn new(total: usize, per_address: usize) -> Self {
        Self {
            total: std::sync::Arc::new(tokio::sync::Semaphore::new(total.max(1))),
            per_address: per_address.max(1),
            open: std::sync::Arc::default(),
            refused: std::sync::Arc::default(),
        }
    }

    /// Counts a refusal; the number of refusals to log now, at most once a
    /// second, so that a flood of connections cannot flood the log.
    pub fn refused(&self) -> Option<u64> {
        let mut refused = self.refused.lock().unwrap_or_else(|e| e.into_inner());
        refused.0 += 1;
        let now = std::time::Instant::now();
        if refused
            .1
            .is_some_and(|last| now < last + Duration::from_secs(1))
        {
            return None;
        }
        let count = refused.0;
        *refused = (0, Some(now));
        Some(count)
    }

    /// Waits for a free place under the total cap.
    pub async fn place(&self) -> tokio::sync::OwnedSemaphorePermit {
        // The semaphore is never closed.
        loop {
            if let Ok(permit) = self.total.clone().acquire_owned().await {
                return permit;
            }
        }
    }

    /// Admits a connection from `peer` in `place`, unless its address holds as
    /// many as it may already.
    pub fn admit(
        &self,
        peer: SocketAddr,
        place: tokio::sync::OwnedSemaphorePermit,
    ) -> Option<Admitted> {
        let mut open = self.open.lock().unwrap_or_else(|e| e.into_inner());
        let count = open.entry(peer.ip()).or_default();
        if *count >= self.per_address {
            return None;
        }
        *count += 1;
        Some(Admitted {
            _place: place,
            ip: peer.ip(),
            open: self.open.clone(),
        })
    }
}

/// One admitted connection's places, given back when it closes.
#[derive(Debug)]
pub struct Admitted {
    _place: tokio::sync::OwnedSemaphorePermit,
    ip: std::net::IpAddr,
    open: std::sync::Arc<std::sync::Mutex<std::collections::HashMap<std::net::IpAddr, usize>>>,
}

impl Drop for Admitted {
    fn drop(&mut self) {
        let mut open = self.open.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(count) = open.get_mut(&self.ip) {
            *count -= 1;
            if *count == 0 {
                open.remove(&self.ip);
            }
        }
    }
}

/// A connection that holds its places until it is dropped.
#[derive(Debug)]
pub struct Counted<S> {
    inner: S,
    _admitted: Admitted,
}

impl<S> Counted<S> {
    pub fn new(inner: S, admitted: Admitted) -> Self {
        Self {
            inner,
            _admitted: admitted,
        }
    }
}

impl<S: tonic::transport::server::Connected> tonic::transport::server::Connected for Counted<S> {
    type ConnectInfo = S::ConnectInfo;

    fn connect_info(&self) -> Self::ConnectInfo {
        self.inner.connect_info()
    }
}

impl<S: tokio::io::AsyncRead + Unpin> tokio::io::AsyncRead for Counted<S> {
    fn poll_read(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::pin::Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl<S: tokio::io::AsyncWrite + Unpin> tokio::io::AsyncWrite for Counted<S> {
    fn poll_write(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        data: &[u8],
    ) -> std::task::Poll<std::io::Result<usize>> {
        std::pin::Pin::new(&mut self.inner).poll_write(cx, data)
    }

    fn poll_write_vectored(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> std::task::Poll<std::io::Result<usize>> {
        std::pin::Pin::new(&mut self.inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::pin::Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::pin::Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn an_address_gets_its_share_and_places_come_back_on_close() {
        let gate = Gate::new(3, 2);
        let (a, b): (SocketAddr, SocketAddr) =
            ("10.0.0.1:1".parse().unwrap(), "10.0.0.2:1".parse().unwrap());
        let first = gate.admit(a, gate.place().await).unwrap();
        let _second = gate.admit(a, gate.place().await).unwrap();
        assert!(
            gate.admit(a, gate.place().await).is_none(),
            "a third from one address"
        );
        let _other = gate.admit(b, gate.place().await).unwrap();
        // The total is taken: the next place waits until a connection closes.
        assert!(
            tokio::time::timeout(Duration::from_millis(50), gate.place())
                .await
                .is_err()
        );
        drop(first);
        let again = gate.admit(a, gate.place().await);
        assert!(again.is_some());
    }

    #[test]
    fn pauses_double_to_the_cap_and_start_over_after_a_success() {
        let mut backoff = Backoff::default();
        let pauses: Vec<u64> = (0..10)
            .map(|_| backoff.failed().as_millis() as u64)
            .collect();
        assert_eq!(pauses, [5, 10, 20, 40, 80, 160, 320, 640, 1000, 1000]);
        backoff.succeeded();
        assert_eq!(backoff.failed(), MIN_PAUSE);
    }
}

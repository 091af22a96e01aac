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

#[cfg(test)]
mod tests {
    use super::*;

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

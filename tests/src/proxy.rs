//! A TCP proxy a test controls: it forwards a listening port to a target, can cut
//! every connection and refuse new ones (a partition), heal, and record every byte
//! in each direction, per connection.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

/// The bytes of one proxied connection.
#[derive(Debug, Default, Clone)]
pub struct Recording {
    /// From the connecting side to the target.
    pub to_target: Vec<u8>,
    /// From the target back.
    pub from_target: Vec<u8>,
}

#[derive(Debug)]
pub struct Proxy {
    pub addr: SocketAddr,
    cut: watch::Sender<bool>,
    recordings: Arc<Mutex<Vec<Arc<Mutex<Recording>>>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Proxy {
    /// Listens on a free loopback port and forwards to `target`.
    pub async fn start(target: SocketAddr) -> anyhow::Result<Self> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let cut = watch::Sender::new(false);
        let recordings: Arc<Mutex<Vec<Arc<Mutex<Recording>>>>> = Arc::default();
        let (cut_rx, all) = (cut.subscribe(), recordings.clone());
        let task = tokio::spawn(async move {
            loop {
                let Ok((client, _)) = listener.accept().await else {
                    continue;
                };
                if *cut_rx.borrow() {
                    drop(client);
                    continue;
                }
                let recording: Arc<Mutex<Recording>> = Arc::default();
                all.lock().expect("lock").push(recording.clone());
                tokio::spawn(forward(client, target, cut_rx.clone(), recording));
            }
        });
        Ok(Self {
            addr,
            cut,
            recordings,
            task,
        })
    }

    /// Closes every connection and refuses new ones until `heal`.
    pub fn cut(&self) {
        self.cut.send_replace(true);
    }

    pub fn heal(&self) {
        self.cut.send_replace(false);
    }

    /// A copy of every connection's bytes so far.
    pub fn recordings(&self) -> Vec<Recording> {
        self.recordings
            .lock()
            .expect("lock")
            .iter()
            .map(|r| r.lock().expect("lock").clone())
            .collect()
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.cut();
        self.task.abort();
    }
}

async fn forward(
    client: TcpStream,
    target: SocketAddr,
    mut cut: watch::Receiver<bool>,
    recording: Arc<Mutex<Recording>>,
) {
    let Ok(server) = TcpStream::connect(target).await else {
        return;
    };
    let _ = client.set_nodelay(true);
    let _ = server.set_nodelay(true);
    let (mut client_read, mut client_write) = client.into_split();
    let (mut server_read, mut server_write) = server.into_split();
    let up_recording = recording.clone();
    let up = async move {
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            let n = match client_read.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(n) => n,
            };
            up_recording
                .lock()
                .expect("lock")
                .to_target
                .extend_from_slice(&buf[..n]);
            if server_write.write_all(&buf[..n]).await.is_err() {
                return;
            }
        }
    };
    let down = async move {
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            let n = match server_read.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(n) => n,
            };
            recording
                .lock()
                .expect("lock")
                .from_target
                .extend_from_slice(&buf[..n]);
            if client_write.write_all(&buf[..n]).await.is_err() {
                return;
            }
        }
    };
    tokio::select! {
        () = up => {}
        () = down => {}
        _ = cut.wait_for(|cut| *cut) => {}
    }
}

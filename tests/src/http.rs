//! A minimal HTTP/1.0 client for the dashboard tests: one request per
//! connection, the answer's status, headers and body.

use std::net::SocketAddr;

use tokio::io::{AsyncRead, AsyncReadExt as _, AsyncWrite, AsyncWriteExt as _};

/// One HTTP/1.0 answer: status, headers (names lowercase), body.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Answer {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Sends one request (HTTP/1.0: the server closes after answering).
pub async fn exchange<S: AsyncRead + AsyncWrite + Unpin>(
    mut stream: S,
    method: &str,
    target: &str,
    headers: &[(&str, &str)],
) -> anyhow::Result<Answer> {
    let mut request = format!("{method} {target} HTTP/1.0\r\nHost: localhost\r\n");
    for (k, v) in headers {
        request.push_str(&format!("{k}: {v}\r\n"));
    }
    request.push_str("Content-Length: 0\r\n\r\n");
    stream.write_all(request.as_bytes()).await?;
    let mut raw = Vec::new();
    // A TLS peer may close without close_notify; what arrived is the answer.
    let _ = stream.read_to_end(&mut raw).await;
    let text = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| anyhow::anyhow!("no status line in {text:?}"))?;
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    Ok(Answer {
        status,
        headers,
        body: body.to_string(),
    })
}

pub async fn http(
    addr: SocketAddr,
    method: &str,
    target: &str,
    headers: &[(&str, &str)],
) -> anyhow::Result<Answer> {
    exchange(
        tokio::net::TcpStream::connect(addr).await?,
        method,
        target,
        headers,
    )
    .await
}

/// The `name=value` of a `Set-Cookie` header.
pub fn cookie_pair(set_cookie: &str) -> String {
    set_cookie.split(';').next().unwrap_or_default().to_string()
}

/// Adds `[http]` to a bootstrapped node's `node.toml`.
pub fn serve_http(node: &std::path::Path, extra: &str) -> anyhow::Result<SocketAddr> {
    let addr = crate::free_addr();
    let path = node.join("node.toml");
    let mut text = std::fs::read_to_string(&path)?;
    text.push_str(&format!("\n[http]\nlisten = \"{addr}\"\n{extra}"));
    std::fs::write(&path, text)?;
    Ok(addr)
}

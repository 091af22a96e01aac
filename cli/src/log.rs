//! `remedy log append|read|head|verify`.

use std::path::PathBuf;

use anyhow::{Context as _, bail};
use remedy_core::keys::verifying_key_from_hex;
use remedy_core::{MemberId, PayloadKind, SignedEvent};
use remedy_proto::v1 as pb;
use tokio_stream::StreamExt;
use tonic::transport::Channel;

use crate::Format;
use crate::client::Context;

#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Append one event to the node's own shared (or private) log.
    Append {
        /// Append to the private log, which never leaves the node.
        #[arg(long)]
        private: bool,
        /// Payload kind, by name.
        #[arg(long, default_value = "note")]
        kind: String,
        /// The payload text.
        #[arg(long, conflicts_with = "file")]
        text: Option<String>,
        /// Read the payload from a file.
        #[arg(long)]
        file: Option<PathBuf>,
    },
    /// Show the head of a shared log.
    Head {
        /// Whose shared log (default: the node's own).
        #[arg(long)]
        origin: Option<MemberId>,
    },
    /// List events of a shared log.
    Read {
        #[arg(long)]
        origin: Option<MemberId>,
        #[arg(long, default_value_t = 1)]
        from: u64,
        #[arg(long, default_value_t = 100)]
        limit: u32,
    },
    /// Fetch a whole shared log and verify continuity, links and signatures.
    Verify {
        /// Whose shared log.
        #[arg(long)]
        origin: MemberId,
        /// The origin's public key, 64 hex digits (as `remedy keygen` printed it).
        #[arg(long)]
        public_key: String,
    },
}

pub fn run(context: &Context, command: Command) -> anyhow::Result<()> {
    let (runtime, channel) = context.connect()?;
    runtime.block_on(async move {
        match command {
            Command::Append {
                private,
                kind,
                text,
                file,
            } => append(context, channel, private, &kind, text, file).await,
            Command::Head { origin } => head(context, channel, origin).await,
            Command::Read {
                origin,
                from,
                limit,
            } => read(context, channel, origin, from, limit).await,
            Command::Verify { origin, public_key } => {
                verify(context, channel, origin, &public_key).await
            }
        }
    })
}

async fn append(
    context: &Context,
    channel: Channel,
    private: bool,
    kind: &str,
    text: Option<String>,
    file: Option<PathBuf>,
) -> anyhow::Result<()> {
    let Some(kind) = PayloadKind::from_name(kind) else {
        let known: Vec<_> = PayloadKind::KNOWN.iter().map(|(_, n)| *n).collect();
        bail!(
            "--kind {kind}: unknown payload kind (known: {})",
            known.join(", ")
        );
    };
    let payload = match (text, file) {
        (Some(text), _) => text.into_bytes(),
        (None, Some(path)) => {
            std::fs::read(&path).with_context(|| format!("reading {}", path.display()))?
        }
        (None, None) => bail!("nothing to append: give --text TEXT or --file FILE"),
    };
    let log = if private {
        pb::LogKind::Private
    } else {
        pb::LogKind::Shared
    };
    let request = pb::AppendRequest {
        log: log as i32,
        events: vec![pb::Draft {
            payload_kind: kind.0.into(),
            payload_version: 1,
            payload,
        }],
    };
    let reply = pb::admin_client::AdminClient::new(channel)
        .append(request)
        .await?
        .into_inner();
    let receipt = reply
        .receipts
        .first()
        .context("the node answered without a receipt")?;
    let hash = hex::encode(&receipt.hash);
    match context.format {
        Format::Json => println!(
            "{}",
            serde_json::json!({ "seq": receipt.seq, "hash": hash })
        ),
        Format::Table => {
            println!(
                "appended event {} to the {} log",
                receipt.seq,
                if private { "private" } else { "shared" }
            );
            println!("{hash}");
        }
    }
    Ok(())
}

async fn head(context: &Context, channel: Channel, origin: Option<MemberId>) -> anyhow::Result<()> {
    let request = pb::HeadRequest {
        origin: origin.map(|o| o.to_string()).unwrap_or_default(),
    };
    let head = pb::log_client::LogClient::new(channel)
        .head(request)
        .await?
        .into_inner();
    match context.format {
        Format::Json => println!(
            "{}",
            serde_json::json!({ "origin": head.origin, "seq": head.seq, "hash": hex::encode(&head.hash) })
        ),
        Format::Table => println!(
            "{} shared log: {} events, head {}",
            head.origin,
            head.seq,
            hex::encode(&head.hash)
        ),
    }
    Ok(())
}

async fn read(
    context: &Context,
    channel: Channel,
    origin: Option<MemberId>,
    from: u64,
    limit: u32,
) -> anyhow::Result<()> {
    let request = pb::ReadRequest {
        origin: origin.map(|o| o.to_string()).unwrap_or_default(),
        from_seq: from,
        limit,
    };
    let mut stream = pb::log_client::LogClient::new(channel)
        .read(request)
        .await?
        .into_inner();
    if context.format == Format::Table {
        println!(
            "{:>8}  {:<24}  {:<8}  {:>7}  hash",
            "seq", "time (UTC ms)", "kind", "bytes"
        );
    }
    while let Some(item) = stream.next().await {
        let event = SignedEvent::decode(item?.raw).context("the node sent an undecodable event")?;
        match context.format {
            Format::Json => println!(
                "{}",
                serde_json::json!({
                    "origin": event.origin().to_string(),
                    "seq": event.seq(),
                    "time_ms": event.time_ms(),
                    "kind": event.kind().to_string(),
                    "version": event.version(),
                    "bytes": event.raw().len(),
                    "hash": event.hash().to_string(),
                })
            ),
            Format::Table => println!(
                "{:>8}  {:<24}  {:<8}  {:>7}  {}",
                event.seq(),
                event.time_ms(),
                event.kind().to_string(),
                event.raw().len(),
                event.hash()
            ),
        }
    }
    Ok(())
}

async fn verify(
    context: &Context,
    channel: Channel,
    origin: MemberId,
    public_key: &str,
) -> anyhow::Result<()> {
    let key = verifying_key_from_hex(public_key).context("--public-key")?;
    let head = crate::client::fetch_and_verify(channel, &origin, key).await?;
    match context.format {
        Format::Json => println!(
            "{}",
            serde_json::json!({ "origin": origin.to_string(), "events": head.seq, "head": head.hash.to_string(), "verdict": "verified" })
        ),
        Format::Table => println!(
            "{origin} shared log: {} events verified, head {}",
            head.seq, head.hash
        ),
    }
    Ok(())
}

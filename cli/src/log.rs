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
        /// Whose shared log (default: the node's own).
        #[arg(long)]
        origin: Option<MemberId>,
        /// The sequence number of the first event to list.
        #[arg(long, default_value_t = 1)]
        from: u64,
        /// Most events to return.
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
            payload_version: remedy_core::kinds::newest_version(kind).into(),
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
        _ => {
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
        _ => println!(
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
            "seq", "time (UTC)", "kind", "bytes"
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
            _ => println!(
                "{:>8}  {:<24}  {:<8}  {:>7}  {}",
                event.seq(),
                utc(event.time_ms()),
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
        _ => println!(
            "{origin} shared log: {} events verified, head {}",
            head.seq, head.hash
        ),
    }
    Ok(())
}

/// Milliseconds since the Unix epoch as an ISO 8601 UTC time, to the millisecond.
fn utc(ms: i64) -> String {
    let (days, ms_of_day) = (ms.div_euclid(86_400_000), ms.rem_euclid(86_400_000));
    // Howard Hinnant's days-to-civil algorithm.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    let (h, m, s, milli) = (
        ms_of_day / 3_600_000,
        ms_of_day / 60_000 % 60,
        ms_of_day / 1000 % 60,
        ms_of_day % 1000,
    );
    format!("{year:04}-{month:02}-{day:02}T{h:02}:{m:02}:{s:02}.{milli:03}Z")
}

#[cfg(test)]
mod tests {
    use super::utc;

    #[test]
    fn times_print_as_iso_utc() {
        assert_eq!(utc(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(utc(1_700_000_000_123), "2023-11-14T22:13:20.123Z");
        assert_eq!(utc(951_782_400_000), "2000-02-29T00:00:00.000Z");
        assert_eq!(utc(-1), "1969-12-31T23:59:59.999Z");
    }
}

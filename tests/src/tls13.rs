//! Reading recorded TLS 1.3 traffic with the session keys from an `SSLKEYLOGFILE`,
//! as Wireshark does: enough to check what a node really sent, in plain text.
//!
//! Supports the three TLS 1.3 cipher suites; assumes no key update (rustls sends
//! one only after millions of records) and that each connection was recorded from
//! its first byte.

use std::collections::{BTreeMap, HashMap};

use anyhow::{Context, bail};
use ring::aead::{
    AES_128_GCM, AES_256_GCM, Aad, CHACHA20_POLY1305, LessSafeKey, Nonce, UnboundKey,
};
use ring::hkdf;

/// Secrets from a key log file, by label and client random.
#[derive(Debug, Default)]
pub struct KeyLog(HashMap<(String, Vec<u8>), Vec<u8>>);

impl KeyLog {
    pub fn parse(text: &str) -> anyhow::Result<Self> {
        let mut secrets = HashMap::new();
        for line in text
            .lines()
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
        {
            let mut parts = line.split(' ');
            let (Some(label), Some(random), Some(secret)) =
                (parts.next(), parts.next(), parts.next())
            else {
                bail!("malformed key log line {line:?}");
            };
            secrets.insert(
                (label.to_string(), hex::decode(random)?),
                hex::decode(secret)?,
            );
        }
        Ok(Self(secrets))
    }

    fn get(&self, label: &str, random: &[u8]) -> anyhow::Result<&[u8]> {
        self.0
            .get(&(label.to_string(), random.to_vec()))
            .map(Vec::as_slice)
            .with_context(|| format!("no {label} for this connection in the key log"))
    }
}

struct Suite {
    aead: &'static ring::aead::Algorithm,
    hkdf: hkdf::Algorithm,
}

fn suite(id: u16) -> anyhow::Result<Suite> {
    Ok(match id {
        0x1301 => Suite {
            aead: &AES_128_GCM,
            hkdf: hkdf::HKDF_SHA256,
        },
        0x1302 => Suite {
            aead: &AES_256_GCM,
            hkdf: hkdf::HKDF_SHA384,
        },
        0x1303 => Suite {
            aead: &CHACHA20_POLY1305,
            hkdf: hkdf::HKDF_SHA256,
        },
        other => bail!("cipher suite {other:#06x} is not a TLS 1.3 suite"),
    })
}

struct Len(usize);

impl hkdf::KeyType for Len {
    fn len(&self) -> usize {
        self.0
    }
}

/// HKDF-Expand-Label from RFC 8446, section 7.1, with an empty context.
fn expand_label(alg: hkdf::Algorithm, secret: &[u8], label: &str, len: usize) -> Vec<u8> {
    let full = format!("tls13 {label}");
    let mut info = (len as u16).to_be_bytes().to_vec();
    info.push(full.len() as u8);
    info.extend_from_slice(full.as_bytes());
    info.push(0);
    let mut out = vec![0; len];
    hkdf::Prk::new_less_safe(alg, secret)
        .expand(&[&info], Len(len))
        .and_then(|okm| okm.fill(&mut out))
        .expect("HKDF output of a valid length");
    out
}

/// One direction's traffic keys: handshake, then application.
struct Direction {
    keys: Vec<(LessSafeKey, Vec<u8>)>,
    current: usize,
    seq: u64,
}

impl Direction {
    fn new(suite: &Suite, secrets: [&[u8]; 2]) -> anyhow::Result<Self> {
        let keys = secrets
            .iter()
            .map(|secret| {
                let key = expand_label(suite.hkdf, secret, "key", suite.aead.key_len());
                let iv = expand_label(suite.hkdf, secret, "iv", 12);
                let key = UnboundKey::new(suite.aead, &key)
                    .map_err(|_| anyhow::anyhow!("bad key length"))?;
                Ok((LessSafeKey::new(key), iv))
            })
            .collect::<anyhow::Result<_>>()?;
        Ok(Self {
            keys,
            current: 0,
            seq: 0,
        })
    }

    /// Decrypts one record; moves from handshake to application keys when the
    /// handshake keys stop fitting. Returns the content type and the content.
    fn open(&mut self, header: &[u8], body: &[u8]) -> anyhow::Result<(u8, Vec<u8>)> {
        loop {
            let (key, iv) = &self.keys[self.current];
            let mut nonce = [0u8; 12];
            nonce.copy_from_slice(iv);
            for (n, s) in nonce[4..].iter_mut().zip(self.seq.to_be_bytes()) {
                *n ^= s;
            }
            let mut buf = body.to_vec();
            if let Ok(plain) = key.open_in_place(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(header),
                &mut buf,
            ) {
                self.seq += 1;
                let end = plain
                    .iter()
                    .rposition(|b| *b != 0)
                    .context("empty record")?;
                return Ok((plain[end], plain[..end].to_vec()));
            }
            if self.current + 1 == self.keys.len() {
                bail!("a record does not decrypt with this connection's keys");
            }
            self.current += 1;
            self.seq = 0;
        }
    }
}

/// TLS records: (header, body).
fn records(bytes: &[u8]) -> anyhow::Result<Vec<(&[u8], &[u8])>> {
    let mut out = Vec::new();
    let mut rest = bytes;
    while rest.len() >= 5 {
        let len = u16::from_be_bytes([rest[3], rest[4]]) as usize;
        if rest.len() < 5 + len {
            break; // cut off when the recording was taken
        }
        out.push((&rest[..5], &rest[5..5 + len]));
        rest = &rest[5 + len..];
    }
    Ok(out)
}

/// The application data of one recorded connection: (client to server, server to
/// client), decrypted.
pub fn decrypt(
    keys: &KeyLog,
    client_bytes: &[u8],
    server_bytes: &[u8],
) -> anyhow::Result<(Vec<u8>, Vec<u8>)> {
    let client_records = records(client_bytes)?;
    let server_records = records(server_bytes)?;
    let (_, hello) = client_records.first().context("no ClientHello")?;
    anyhow::ensure!(
        hello.first() == Some(&1),
        "the first record is not a ClientHello"
    );
    let random = hello.get(6..38).context("short ClientHello")?;
    let (_, server_hello) = server_records.first().context("no ServerHello")?;
    let session_id = *server_hello.get(38).context("short ServerHello")? as usize;
    let at = 39 + session_id;
    let suite_id = u16::from_be_bytes(
        server_hello
            .get(at..at + 2)
            .context("short ServerHello")?
            .try_into()?,
    );
    let suite = suite(suite_id)?;
    let mut directions = [
        Direction::new(
            &suite,
            [
                keys.get("CLIENT_HANDSHAKE_TRAFFIC_SECRET", random)?,
                keys.get("CLIENT_TRAFFIC_SECRET_0", random)?,
            ],
        )?,
        Direction::new(
            &suite,
            [
                keys.get("SERVER_HANDSHAKE_TRAFFIC_SECRET", random)?,
                keys.get("SERVER_TRAFFIC_SECRET_0", random)?,
            ],
        )?,
    ];
    let mut plain = [Vec::new(), Vec::new()];
    for (i, recs) in [client_records, server_records].into_iter().enumerate() {
        // Skip the plain hello and change-cipher-spec records; open the rest.
        for (header, body) in recs.into_iter().filter(|(h, _)| h[0] == 23) {
            let (kind, content) = directions[i].open(header, body)?;
            if kind == 23 {
                plain[i].extend_from_slice(&content);
            }
        }
    }
    let [client, server] = plain;
    Ok((client, server))
}

/// The payloads of HTTP/2 DATA frames, joined per stream, so a gRPC message split
/// over frames reads whole again. `bytes` is one direction of a connection; the
/// client's starts with the connection preface.
pub fn http2_data(bytes: &[u8]) -> BTreeMap<u32, Vec<u8>> {
    const PREFACE: &[u8] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
    let mut rest = bytes.strip_prefix(PREFACE).unwrap_or(bytes);
    let mut streams: BTreeMap<u32, Vec<u8>> = BTreeMap::new();
    while rest.len() >= 9 {
        let len = u32::from_be_bytes([0, rest[0], rest[1], rest[2]]) as usize;
        let (kind, flags) = (rest[3], rest[4]);
        let stream = u32::from_be_bytes([rest[5], rest[6], rest[7], rest[8]]) & 0x7fff_ffff;
        let Some(payload) = rest.get(9..9 + len) else {
            break;
        };
        if kind == 0 {
            let data = if flags & 0x8 != 0 {
                let pad = *payload.first().unwrap_or(&0) as usize;
                payload
                    .get(1..payload.len().saturating_sub(pad))
                    .unwrap_or(&[])
            } else {
                payload
            };
            streams.entry(stream).or_default().extend_from_slice(data);
        }
        rest = &rest[9 + len..];
    }
    streams
}

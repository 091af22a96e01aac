//! One-time sign-in links for the dashboard.
//!
//! A coordinator or auditor signs, with its federation key, a short statement: who
//! it is, which node's dashboard it wants to enter, until when, and a random nonce.
//! The node checks the signature against the manifest, the member's role, the
//! node, the time and that the nonce was never used, and then opens a session. The
//! token travels in the link as base64url (no padding) of the statement, a dot,
//! and base64url of the ed25519 signature over the statement's exact bytes:
//!
//! ```text
//! remedy-net dashboard login v1\n
//! <member>\n
//! <node member>\n
//! <expiry, Unix seconds>\n
//! <nonce, 32 hex digits>\n
//! ```
//!
//! A partner organisation signs in to its own member's node with the key its
//! member registered for it (`partner`); its statement names both:
//!
//! ```text
//! remedy-net partner dashboard login v1\n
//! <member>\n
//! <partner id>\n
//! <node member>\n
//! <expiry, Unix seconds>\n
//! <nonce, 32 hex digits>\n
//! ```

use base64::Engine as _;

use crate::keys::{Signature, SigningKey, VerifyingKey};
use crate::member::MemberId;

const HEADER: &str = "remedy-net dashboard login v1";
const PARTNER_HEADER: &str = "remedy-net partner dashboard login v1";
/// The longest a link may stay valid.
pub const MAX_VALIDITY_SECONDS: u64 = 600;

/// The longest token read: a statement of a few lines and a signature.
const MAX_TOKEN_BYTES: usize = 1024;

/// `statement` signed by `key`, as a token: base64url of the statement, a
/// dot, base64url of the ed25519 signature over its exact bytes.
fn signed_token(statement: &str, key: &SigningKey) -> String {
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    format!(
        "{}.{}",
        b64.encode(statement.as_bytes()),
        b64.encode(key.sign(statement.as_bytes()).to_bytes())
    )
}

/// A token's statement bytes, signature and statement lines (without the
/// final newline); `None` when it is no token.
fn split_token(token: &str) -> Option<(Vec<u8>, [u8; 64], Vec<String>)> {
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    if token.len() > MAX_TOKEN_BYTES {
        return None;
    }
    let (statement, signature) = token.split_once('.')?;
    let statement = b64.decode(statement).ok()?;
    let signature: [u8; 64] = b64.decode(signature).ok()?.try_into().ok()?;
    let text = std::str::from_utf8(&statement).ok()?;
    let lines = text
        .strip_suffix('\n')?
        .split('\n')
        .map(String::from)
        .collect();
    Some((statement, signature, lines))
}

/// What a sign-in link says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Login {
    pub member: MemberId,
    /// A partner organisation of `member` (`kh-mrc`), signing with its own key.
    pub partner: Option<String>,
    pub node: MemberId,
    pub expires: u64,
    pub nonce: [u8; 16],
}

/// Why a link was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LoginError {
    #[error("the link is damaged (not a remedy-net sign-in token)")]
    Malformed,
    #[error("the link is for the dashboard of {0}, not this node")]
    OtherNode(MemberId),
    #[error("the link expired; ask for a new one")]
    Expired,
    #[error("the link is valid for more than {MAX_VALIDITY_SECONDS} seconds")]
    TooLong,
    #[error("the signature does not verify with {0}'s key")]
    BadSignature(String),
}

impl Login {
    fn statement(&self) -> String {
        let (header, partner) = match &self.partner {
            Some(p) => (PARTNER_HEADER, format!("{p}\n")),
            None => (HEADER, String::new()),
        };
        format!(
            "{header}\n{}\n{partner}{}\n{}\n{}\n",
            self.member,
            self.node,
            self.expires,
            hex::encode(self.nonce)
        )
    }

    /// Who signs: `ILO`, or `KH/kh-mrc` for a partner.
    pub fn signer(&self) -> String {
        match &self.partner {
            Some(p) => format!("{}/{p}", self.member),
            None => self.member.to_string(),
        }
    }

    /// The token for a link, signed by `key`.
    pub fn sign(&self, key: &SigningKey) -> String {
        signed_token(&self.statement(), key)
    }

    /// Reads a token without checking it; then [`Login::check`] with the member's key.
    pub fn parse(token: &str) -> Result<(Self, Vec<u8>, Signature), LoginError> {
        let (statement, signature, lines) = split_token(token).ok_or(LoginError::Malformed)?;
        let (member, partner, node, expires, nonce) = match lines.as_slice() {
            [header, member, node, expires, nonce] if *header == HEADER => {
                (member, None, node, expires, nonce)
            }
            [header, member, partner, node, expires, nonce] if *header == PARTNER_HEADER => {
                let ok = !partner.is_empty()
                    && partner.len() <= 64
                    && partner
                        .bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
                if !ok {
                    return Err(LoginError::Malformed);
                }
                (member, Some(partner.to_string()), node, expires, nonce)
            }
            _ => return Err(LoginError::Malformed),
        };
        let mut nonce_bytes = [0u8; 16];
        hex::decode_to_slice(nonce, &mut nonce_bytes).map_err(|_| LoginError::Malformed)?;
        let login = Login {
            member: MemberId::new(member.as_str()).map_err(|_| LoginError::Malformed)?,
            partner,
            node: MemberId::new(node.as_str()).map_err(|_| LoginError::Malformed)?,
            expires: expires.parse().map_err(|_| LoginError::Malformed)?,
            nonce: nonce_bytes,
        };
        // The statement must be exactly what this code would write.
        if login.statement().as_bytes() != statement.as_slice() {
            return Err(LoginError::Malformed);
        }
        Ok((login, statement, Signature::from_bytes(&signature)))
    }

    /// Checks a parsed token for node `node` at time `now` against `key`.
    pub fn check(
        &self,
        statement: &[u8],
        signature: &Signature,
        key: &VerifyingKey,
        node: &MemberId,
        now: u64,
    ) -> Result<(), LoginError> {
        if &self.node != node {
            return Err(LoginError::OtherNode(self.node.clone()));
        }
        if self.expires <= now {
            return Err(LoginError::Expired);
        }
        if self.expires > now + MAX_VALIDITY_SECONDS {
            return Err(LoginError::TooLong);
        }
        key.verify_strict(statement, signature)
            .map_err(|_| LoginError::BadSignature(self.signer()))
    }
}

/// A bearer token to read a node's statistics through its SDMX REST API
/// (`/sdmx/rest/...`), for a coordinator or auditor: reusable until it
/// expires, for one node, to read only. Sent as `Authorization: Bearer
/// <token>`, the token being base64url of the statement, a dot, and base64url
/// of the ed25519 signature over the statement's exact bytes:
///
/// ```text
/// remedy-net read token v1\n
/// <member>\n
/// <node member>\n
/// <expiry, Unix seconds>\n
/// <nonce, 32 hex digits>\n
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadToken {
    pub member: MemberId,
    pub node: MemberId,
    pub expires: u64,
    pub nonce: [u8; 16],
}

const READ_HEADER: &str = "remedy-net read token v1";
/// The longest a read token may stay valid: a week.
pub const MAX_READ_SECONDS: u64 = 7 * 86_400;

/// Why a read token was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    #[error("the token is damaged (not a remedy-net read token)")]
    Malformed,
    #[error("the token is for the node of {0}, not this one")]
    OtherNode(MemberId),
    #[error("the token expired; make a new one with remedy --dir YOUR_FOLDER token")]
    Expired,
    #[error("the token is valid for more than {MAX_READ_SECONDS} seconds (a week)")]
    TooLong,
    #[error("the token's signature does not verify with {0}'s key")]
    BadSignature(MemberId),
}

impl ReadToken {
    fn statement(&self) -> String {
        format!(
            "{READ_HEADER}\n{}\n{}\n{}\n{}\n",
            self.member,
            self.node,
            self.expires,
            hex::encode(self.nonce)
        )
    }

    /// The token, signed by `key`.
    pub fn sign(&self, key: &SigningKey) -> String {
        signed_token(&self.statement(), key)
    }

    /// Reads a token without checking it; then [`ReadToken::check`].
    pub fn parse(token: &str) -> Result<(Self, Vec<u8>, Signature), TokenError> {
        let (statement, signature, lines) = split_token(token).ok_or(TokenError::Malformed)?;
        let [header, member, node, expires, nonce] = lines.as_slice() else {
            return Err(TokenError::Malformed);
        };
        if *header != READ_HEADER {
            return Err(TokenError::Malformed);
        }
        let mut nonce_bytes = [0u8; 16];
        hex::decode_to_slice(nonce, &mut nonce_bytes).map_err(|_| TokenError::Malformed)?;
        let token = ReadToken {
            member: MemberId::new(member.as_str()).map_err(|_| TokenError::Malformed)?,
            node: MemberId::new(node.as_str()).map_err(|_| TokenError::Malformed)?,
            expires: expires.parse().map_err(|_| TokenError::Malformed)?,
            nonce: nonce_bytes,
        };
        if token.statement().as_bytes() != statement.as_slice() {
            return Err(TokenError::Malformed);
        }
        Ok((token, statement, Signature::from_bytes(&signature)))
    }

    /// Checks a parsed token for node `node` at time `now` against `key`.
    pub fn check(
        &self,
        statement: &[u8],
        signature: &Signature,
        key: &VerifyingKey,
        node: &MemberId,
        now: u64,
    ) -> Result<(), TokenError> {
        if &self.node != node {
            return Err(TokenError::OtherNode(self.node.clone()));
        }
        if self.expires <= now {
            return Err(TokenError::Expired);
        }
        if self.expires > now + MAX_READ_SECONDS {
            return Err(TokenError::TooLong);
        }
        key.verify_strict(statement, signature)
            .map_err(|_| TokenError::BadSignature(self.member.clone()))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn id(s: &str) -> MemberId {
        MemberId::new(s).unwrap()
    }

    #[test]
    fn a_signed_link_is_accepted_once_checked_and_nowhere_else() {
        let key = SigningKey::from_seed([5; 32]);
        let login = Login {
            member: id("ILO"),
            partner: None,
            node: id("KH"),
            expires: 1_000_300,
            nonce: [7; 16],
        };
        let token = login.sign(&key);
        let (parsed, statement, signature) = Login::parse(&token).unwrap();
        assert_eq!(parsed, login);
        let public = key.verifying_key();
        let check = |node: &str, now: u64, key: &VerifyingKey| {
            parsed.check(&statement, &signature, key, &id(node), now)
        };
        assert_eq!(check("KH", 1_000_000, &public), Ok(()));
        assert_eq!(
            check("VN", 1_000_000, &public),
            Err(LoginError::OtherNode(id("KH")))
        );
        assert_eq!(check("KH", 1_000_300, &public), Err(LoginError::Expired));
        assert_eq!(check("KH", 999_000, &public), Err(LoginError::TooLong));
        let other = SigningKey::from_seed([6; 32]).verifying_key();
        assert_eq!(
            check("KH", 1_000_000, &other),
            Err(LoginError::BadSignature("ILO".into()))
        );
        // Any change to the token breaks it.
        let mut bytes = token.into_bytes();
        bytes[10] ^= 1;
        let damaged = String::from_utf8(bytes).unwrap();
        assert!(match Login::parse(&damaged) {
            Err(_) => true,
            Ok((p, s, sig)) => p.check(&s, &sig, &public, &id("KH"), 1_000_000).is_err(),
        });
    }

    #[test]
    fn a_partners_link_names_it_and_verifies_only_with_its_key() {
        let key = SigningKey::from_seed([8; 32]);
        let login = Login {
            member: id("KH"),
            partner: Some("kh-mrc".into()),
            node: id("KH"),
            expires: 1_000_300,
            nonce: [9; 16],
        };
        let token = login.sign(&key);
        let (parsed, statement, signature) = Login::parse(&token).unwrap();
        assert_eq!(parsed, login);
        assert!(
            std::str::from_utf8(&statement)
                .unwrap()
                .starts_with("remedy-net partner dashboard login v1\nKH\nkh-mrc\nKH\n")
        );
        let check =
            |key: &VerifyingKey| parsed.check(&statement, &signature, key, &id("KH"), 1_000_000);
        assert_eq!(check(&key.verifying_key()), Ok(()));
        assert_eq!(
            check(&SigningKey::from_seed([5; 32]).verifying_key()),
            Err(LoginError::BadSignature("KH/kh-mrc".into()))
        );
        // A coordinator's token cannot be read as a partner's, nor the reverse.
        let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let forged = String::from_utf8(statement.clone()).unwrap().replace(
            "remedy-net partner dashboard login v1",
            "remedy-net dashboard login v1",
        );
        let token = format!(
            "{}.{}",
            b64.encode(forged),
            token.split_once('.').unwrap().1
        );
        assert_eq!(Login::parse(&token).unwrap_err(), LoginError::Malformed);
    }

    #[test]
    fn a_read_token_reads_one_node_until_it_expires_and_is_no_login() {
        let key = SigningKey::from_seed([9; 32]);
        let token = ReadToken {
            member: id("ILO"),
            node: id("KH"),
            expires: 1_003_600,
            nonce: [3; 16],
        };
        let text = token.sign(&key);
        let (parsed, statement, signature) = ReadToken::parse(&text).unwrap();
        assert_eq!(parsed, token);
        let public = key.verifying_key();
        let check = |node: &str, now: u64, key: &VerifyingKey| {
            parsed.check(&statement, &signature, key, &id(node), now)
        };
        assert_eq!(check("KH", 1_000_000, &public), Ok(()));
        assert_eq!(check("KH", 1_000_000, &public), Ok(()), "reusable");
        assert_eq!(
            check("VN", 1_000_000, &public),
            Err(TokenError::OtherNode(id("KH")))
        );
        assert_eq!(check("KH", 1_003_600, &public), Err(TokenError::Expired));
        assert_eq!(
            check("KH", 1_003_600 - MAX_READ_SECONDS - 1, &public),
            Err(TokenError::TooLong)
        );
        let other = SigningKey::from_seed([8; 32]).verifying_key();
        assert_eq!(
            check("KH", 1_000_000, &other),
            Err(TokenError::BadSignature(id("ILO")))
        );
        // A sign-in link is no read token, and a read token no sign-in link.
        let login = Login {
            member: id("ILO"),
            partner: None,
            node: id("KH"),
            expires: 1_000_300,
            nonce: [7; 16],
        };
        assert_eq!(
            ReadToken::parse(&login.sign(&key)).unwrap_err(),
            TokenError::Malformed
        );
        assert_eq!(Login::parse(&text).unwrap_err(), LoginError::Malformed);
    }
}

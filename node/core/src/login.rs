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

use base64::Engine as _;

use crate::keys::{Signature, SigningKey, VerifyingKey};
use crate::member::MemberId;

const HEADER: &str = "remedy-net dashboard login v1";
/// The longest a link may stay valid.
pub const MAX_VALIDITY_SECONDS: u64 = 600;

/// What a sign-in link says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Login {
    pub member: MemberId,
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
    BadSignature(MemberId),
}

impl Login {
    fn statement(&self) -> String {
        format!(
            "{HEADER}\n{}\n{}\n{}\n{}\n",
            self.member,
            self.node,
            self.expires,
            hex::encode(self.nonce)
        )
    }

    /// The token for a link, signed by `key`.
    pub fn sign(&self, key: &SigningKey) -> String {
        let statement = self.statement();
        let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        format!(
            "{}.{}",
            b64.encode(statement.as_bytes()),
            b64.encode(key.sign(statement.as_bytes()).to_bytes())
        )
    }

    /// Reads a token without checking it; then [`Login::check`] with the member's key.
    pub fn parse(token: &str) -> Result<(Self, Vec<u8>, Signature), LoginError> {
        let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let (statement, signature) = token.split_once('.').ok_or(LoginError::Malformed)?;
        let statement = b64.decode(statement).map_err(|_| LoginError::Malformed)?;
        let signature: [u8; 64] = b64
            .decode(signature)
            .ok()
            .and_then(|s| s.try_into().ok())
            .ok_or(LoginError::Malformed)?;
        let text = std::str::from_utf8(&statement).map_err(|_| LoginError::Malformed)?;
        let lines: Vec<&str> = text.strip_suffix('\n').unwrap_or("").split('\n').collect();
        let [header, member, node, expires, nonce] = lines.as_slice() else {
            return Err(LoginError::Malformed);
        };
        if *header != HEADER {
            return Err(LoginError::Malformed);
        }
        let mut nonce_bytes = [0u8; 16];
        hex::decode_to_slice(nonce, &mut nonce_bytes).map_err(|_| LoginError::Malformed)?;
        let login = Login {
            member: MemberId::new(*member).map_err(|_| LoginError::Malformed)?,
            node: MemberId::new(*node).map_err(|_| LoginError::Malformed)?,
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
            .map_err(|_| LoginError::BadSignature(self.member.clone()))
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
            Err(LoginError::BadSignature(id("ILO")))
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
}

//! Member identifiers.

use std::fmt;

use serde::{Deserialize, Serialize};

/// The id of a federation member: an ISO 3166 alpha-2 code for a country (`KH`, `JP`),
/// or a short upper-case name for a party that only reads (`ILO`, `AUD`).
///
/// Ids are 2 to 16 characters from `A-Z`, `0-9` and `-`, starting with a letter. The
/// restricted alphabet lets ids be used in store keys and file names unescaped.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct MemberId(String);

/// Why a text is not a member id.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error(
    "{value:?} is not a member id: {reason} (expected 2 to 16 characters A-Z, 0-9 or '-', starting with a letter, such as KH)"
)]
pub struct MemberIdError {
    pub value: String,
    pub reason: &'static str,
}

impl MemberId {
    pub const MAX_LEN: usize = 16;

    pub fn new(value: impl Into<String>) -> Result<Self, MemberIdError> {
        let value = value.into();
        let fail = |reason| MemberIdError {
            value: value.clone(),
            reason,
        };
        if value.len() < 2 || value.len() > Self::MAX_LEN {
            return Err(fail("wrong length"));
        }
        if !value.as_bytes()[0].is_ascii_uppercase() {
            return Err(fail("must start with an upper-case letter"));
        }
        if !value
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'-')
        {
            return Err(fail("contains a character outside A-Z, 0-9 and '-'"));
        }
        Ok(Self(value))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for MemberId {
    type Error = MemberIdError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::new(value)
    }
}

impl From<MemberId> for String {
    fn from(id: MemberId) -> Self {
        id.0
    }
}

impl std::str::FromStr for MemberId {
    type Err = MemberIdError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::new(s)
    }
}

impl fmt::Display for MemberId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for MemberId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "MemberId({})", self.0)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn accepts_country_codes_and_party_names() {
        for ok in ["KH", "ID", "VN", "JP", "ILO", "AUD", "AUD-2"] {
            assert_eq!(MemberId::new(ok).map(|m| m.to_string()), Ok(ok.to_string()));
        }
    }

    #[test]
    fn refuses_bad_ids_with_a_reason() {
        for (bad, reason) in [
            ("K", "wrong length"),
            ("kh", "must start with an upper-case letter"),
            ("1KH", "must start with an upper-case letter"),
            ("K H", "contains a character outside A-Z, 0-9 and '-'"),
            ("ABCDEFGHIJKLMNOPQ", "wrong length"),
        ] {
            assert_eq!(MemberId::new(bad).unwrap_err().reason, reason, "{bad}");
        }
    }
}

//! The manifest a node runs under: checked at start against the versions it
//! accepted before.
//!
//! A node keeps every manifest version it accepted in its store (`meta` family,
//! `manifest/<version>`), so that it can check the next one without trusting the
//! file it is given: version 1 must carry the signatures its own policy demands; a
//! later version must follow the newest accepted one and be signed by that version's
//! quorum. A file older than what the node accepted is refused, which stops a
//! rollback to a manifest that still trusts a replaced key.

use std::path::Path;

use remedy_core::manifest::{Manifest, ManifestError, Role};
use remedy_core::{MemberId, SigningKey};

use crate::identity::{FEDERATION_FILE, IdentityError, load_manifest};
use crate::store::{Commit, Store, StoreError};

/// Why a node will not run under a manifest.
#[derive(Debug, thiserror::Error)]
pub enum FederationError {
    #[error(transparent)]
    File(#[from] IdentityError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("{path}: {source}")]
    Invalid { path: String, source: ManifestError },
    #[error(
        "{path}: version {found}, but this node already runs under version {accepted}; a manifest is never rolled back"
    )]
    Rollback {
        path: String,
        found: u64,
        accepted: u64,
    },
    #[error(
        "{path}: version {found} does not follow version {accepted}, the newest this node accepted; apply the versions in between first"
    )]
    Gap {
        path: String,
        found: u64,
        accepted: u64,
    },
    #[error(
        "{path}: version {version} differs from the version {version} this node accepted before"
    )]
    Changed { path: String, version: u64 },
    #[error("{path}: {member} is not a node member of the federation")]
    NotAMember { path: String, member: MemberId },
    #[error(
        "{path}: the manifest gives {member} the public key {listed}, but this node's signing key is {actual}"
    )]
    WrongKey {
        path: String,
        member: MemberId,
        listed: String,
        actual: String,
    },
}

fn meta_key(version: u64) -> Vec<u8> {
    format!("manifest/{version:020}").into_bytes()
}

/// The newest manifest this node accepted, if any.
fn accepted(store: &dyn Store) -> Result<Option<Manifest>, FederationError> {
    // Versions are few; walk up from 1 until one is missing.
    let mut newest = None;
    let mut version = 1;
    while let Some(raw) = store.meta(&meta_key(version))? {
        let text = String::from_utf8(raw).map_err(|e| StoreError::Corrupt {
            path: "meta".into(),
            reason: format!("stored manifest version {version} is not UTF-8: {e}"),
        })?;
        let manifest = Manifest::parse(&text).map_err(|e| StoreError::Corrupt {
            path: "meta".into(),
            reason: format!("stored manifest version {version}: {e}"),
        })?;
        newest = Some(manifest);
        version += 1;
    }
    Ok(newest)
}

/// Loads `DIR/federation.toml` when there is one, checks it against what this node
/// accepted before and against its own identity, and records it. Returns `None` for a
/// node without a manifest (a standalone node).
pub fn load(
    dir: &Path,
    store: &dyn Store,
    member: &MemberId,
    key: &SigningKey,
) -> Result<Option<Manifest>, FederationError> {
    let path = dir.join(FEDERATION_FILE);
    if !path.exists() {
        return Ok(None);
    }
    let shown = path.display().to_string();
    let manifest = load_manifest(&path)?;
    let invalid = |source| FederationError::Invalid {
        path: shown.clone(),
        source,
    };
    let found = manifest.version();
    match accepted(store)? {
        None => manifest.verify_genesis().map_err(invalid)?,
        Some(old) if found < old.version() => {
            return Err(FederationError::Rollback {
                path: shown,
                found,
                accepted: old.version(),
            });
        }
        Some(old) if found == old.version() => {
            if old.body_bytes() != manifest.body_bytes() {
                return Err(FederationError::Changed {
                    path: shown,
                    version: found,
                });
            }
        }
        Some(old) if found == old.version() + 1 => {
            manifest.verify_successor(&old).map_err(invalid)?
        }
        Some(old) => {
            return Err(FederationError::Gap {
                path: shown,
                found,
                accepted: old.version(),
            });
        }
    }
    let me = manifest
        .member(member)
        .filter(|m| m.role == Role::Node)
        .ok_or_else(|| FederationError::NotAMember {
            path: shown.clone(),
            member: member.clone(),
        })?;
    let actual = hex::encode(key.verifying_key().as_bytes());
    if me.public_key != actual {
        return Err(FederationError::WrongKey {
            path: shown,
            member: member.clone(),
            listed: me.public_key.clone(),
            actual,
        });
    }
    store.commit(Commit {
        meta: vec![(meta_key(found), manifest.to_text().into_bytes())],
        ..Commit::default()
    })?;
    Ok(Some(manifest))
}

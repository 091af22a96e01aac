//! The manifest a node runs under: checked at start against the versions it
//! accepted before.
//!
//! A node keeps every manifest version it accepted in its store (`meta` family,
//! `manifest/<version>`), so that it can check the next one without trusting the
//! file it is given: version 1 must carry the signatures its own policy demands; a
//! later version must follow the newest accepted one and be signed by that version's
//! quorum. A file older than what the node accepted is refused, which stops a
//! rollback to a manifest that still trusts a replaced key.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use remedy_core::manifest::{Manifest, ManifestError, Role};
use remedy_core::{MemberId, SigningKey};
use tokio::sync::watch;

use crate::store::{Commit, Store, StoreError};
use remedy_client::identity::{FEDERATION_FILE, IdentityError, load_manifest, save_manifest};

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
    #[error(
        "{path}: it retires {member}'s key after event {last_seq}, but this node holds {member}'s events up to {held}, signed with that key; the key change must name the last event the old key signed ({held} or later)"
    )]
    RetiresTooEarly {
        path: String,
        member: MemberId,
        last_seq: u64,
        held: u64,
    },
    #[error("{path}: {member} is not a node member of the federation")]
    NotAMember { path: String, member: MemberId },
    #[error(
        "{path}: the manifest gives {member} the public key {listed}, but this node's signing key is {actual}; after a key change, install the new key with `remedy --dir DIR key install` and restart the node"
    )]
    WrongKey {
        path: String,
        member: MemberId,
        listed: String,
        actual: String,
    },
}

/// The version this node started from, when not 1 (a member that joined later).
const META_START: &[u8] = b"manifest/start";

fn meta_key(version: u64) -> Vec<u8> {
    format!("manifest/{version:020}").into_bytes()
}

/// Every manifest version this node accepted, oldest first (from the one it
/// started from); the last is the one in force.
fn accepted(store: &dyn Store) -> Result<Vec<Manifest>, FederationError> {
    // Versions are few; walk up from the first until one is missing.
    let mut versions = Vec::new();
    let mut version = match store.meta(META_START)? {
        Some(raw) => String::from_utf8_lossy(&raw).parse().unwrap_or(1),
        None => 1,
    };
    while let Some(raw) = store.meta(&meta_key(version))? {
        let text = String::from_utf8(raw).map_err(|e| StoreError::Corrupt {
            path: "meta".into(),
            reason: format!("stored manifest version {version} is not UTF-8: {e}"),
        })?;
        let manifest = Manifest::parse(&text).map_err(|e| StoreError::Corrupt {
            path: "meta".into(),
            reason: format!("stored manifest version {version}: {e}"),
        })?;
        versions.push(manifest);
        version += 1;
    }
    Ok(versions)
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
    let earlier = accepted(store)?;
    let newest = earlier.last().cloned();
    let mut meta = vec![(meta_key(found), manifest.to_text().into_bytes())];
    if newest.is_none() {
        meta.push((META_START.to_vec(), found.to_string().into_bytes()));
    }
    match newest {
        None if found == 1 => manifest.verify_genesis().map_err(invalid)?,
        None => {
            manifest.verify_starting_point().map_err(invalid)?;
            tracing::info!(
                version = found,
                "first start: taking manifest version {found} as the starting point"
            );
        }
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
            manifest.verify_successor(&old).map_err(invalid)?;
            manifest.verify_returning(&earlier).map_err(invalid)?;
            check_retirements(store, member, &old, &manifest, &shown)?;
        }
        Some(old) => {
            return Err(FederationError::Gap {
                path: shown,
                found,
                accepted: old.version(),
            });
        }
    }
    check_own(&manifest, &shown, member, key)?;
    store.commit(Commit {
        meta,
        ..Commit::default()
    })?;
    Ok(Some(manifest))
}

/// Refuses a version that retires a member's key after event L when this node
/// already holds later events of that member signed with the old key: adopting it
/// would turn accepted history into forgeries. (Which key a past event belongs to is
/// settled by the version that was valid when it was signed.)
fn check_retirements(
    store: &dyn Store,
    own: &MemberId,
    previous: &Manifest,
    next: &Manifest,
    shown: &str,
) -> Result<(), FederationError> {
    for member in next.nodes() {
        let before = previous
            .member(&member.id)
            .map_or(0, |m| m.retired_keys.len());
        let Some(retired) = member.retired_keys.get(before..).and_then(|r| r.last()) else {
            continue;
        };
        let log = if &member.id == own {
            crate::store::LogId::Own(remedy_core::LogKind::Shared)
        } else {
            crate::store::LogId::Replica(member.id.clone())
        };
        let held = store.last(&log)?.map_or(0, |(seq, _)| seq);
        if held > retired.last_seq {
            return Err(FederationError::RetiresTooEarly {
                path: shown.to_string(),
                member: member.id.clone(),
                last_seq: retired.last_seq,
                held,
            });
        }
    }
    Ok(())
}

/// Checks that `manifest` lists `member` as a node with the key this node signs with.
fn check_own(
    manifest: &Manifest,
    shown: &str,
    member: &MemberId,
    key: &SigningKey,
) -> Result<(), FederationError> {
    let me = manifest
        .member(member)
        .filter(|m| m.role == Role::Node)
        .ok_or_else(|| FederationError::NotAMember {
            path: shown.to_string(),
            member: member.clone(),
        })?;
    let actual = hex::encode(key.verifying_key().as_bytes());
    if me.public_key != actual {
        return Err(FederationError::WrongKey {
            path: shown.to_string(),
            member: member.clone(),
            listed: me.public_key.clone(),
            actual,
        });
    }
    Ok(())
}

/// The manifest a running node follows. A new version comes from the operator
/// (`Admin.ApplyManifest`) or from a peer (replication sees a peer on a newer
/// version and fetches it); either way it must be the next version, signed by the
/// quorum of the current one. It is then recorded in the store, written to
/// `federation.toml`, and announced to the parts of the node that depend on it
/// (TLS pins, replication).
pub struct LiveManifest {
    store: Arc<dyn Store>,
    path: PathBuf,
    member: MemberId,
    key: SigningKey,
    current: watch::Sender<Arc<Manifest>>,
    adopting: std::sync::Mutex<()>,
}

impl std::fmt::Debug for LiveManifest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "LiveManifest(version {})", self.current().version())
    }
}

impl LiveManifest {
    pub fn new(
        store: Arc<dyn Store>,
        dir: &Path,
        member: MemberId,
        key: SigningKey,
        manifest: Manifest,
    ) -> Arc<Self> {
        Arc::new(Self {
            store,
            path: dir.join(FEDERATION_FILE),
            member,
            key,
            current: watch::Sender::new(Arc::new(manifest)),
            adopting: std::sync::Mutex::new(()),
        })
    }

    pub fn current(&self) -> Arc<Manifest> {
        self.current.borrow().clone()
    }

    pub fn subscribe(&self) -> watch::Receiver<Arc<Manifest>> {
        self.current.subscribe()
    }

    /// The text of an accepted version, as stored.
    pub fn version_text(&self, version: u64) -> Result<Option<String>, StoreError> {
        Ok(self
            .store
            .meta(&meta_key(version))?
            .map(|raw| String::from_utf8_lossy(&raw).into_owned()))
    }

    /// Checks `text` as the next version and switches to it. `from` says where it
    /// came from, for the log.
    pub fn adopt(&self, text: &str, from: &str) -> Result<Arc<Manifest>, FederationError> {
        let _one_at_a_time = self.adopting.lock().unwrap_or_else(|e| e.into_inner());
        let shown = format!("manifest from {from}");
        let invalid = |source| FederationError::Invalid {
            path: shown.clone(),
            source,
        };
        let next = Manifest::parse(text).map_err(invalid)?;
        let current = self.current();
        // The version already in force (from a peer, say): nothing to do.
        if next.version() == current.version() && next.body_bytes() == current.body_bytes() {
            return Ok(current);
        }
        if next.version() <= current.version() {
            return Err(FederationError::Rollback {
                path: shown,
                found: next.version(),
                accepted: current.version(),
            });
        }
        next.verify_successor(&current).map_err(invalid)?;
        next.verify_returning(&accepted(self.store.as_ref())?)
            .map_err(invalid)?;
        check_retirements(self.store.as_ref(), &self.member, &current, &next, &shown)?;
        check_own(&next, &shown, &self.member, &self.key)?;
        self.store.commit(Commit {
            meta: vec![(meta_key(next.version()), next.to_text().into_bytes())],
            ..Commit::default()
        })?;
        save_manifest(&self.path, &next)?;
        let next = Arc::new(next);
        tracing::info!(
            version = next.version(),
            members = next.body.members.len(),
            %from,
            "switched to a new manifest version"
        );
        self.current.send_replace(next.clone());
        Ok(next)
    }
}

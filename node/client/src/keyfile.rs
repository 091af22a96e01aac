//! Key files on disk (the signing key and the TLS key): written with mode 0600,
//! refused when others can read them.

use std::fs::OpenOptions;
use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use remedy_core::{KeyError, SigningKey};

/// Why a key file could not be used.
#[derive(Debug, thiserror::Error)]
pub enum KeyFileError {
    #[error("cannot read key file {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "key file {path} can be read by others (mode {mode:04o}); run `chmod 600 {path}` and start again"
    )]
    TooOpen { path: PathBuf, mode: u32 },
    #[error("key file {path}: {source}")]
    Invalid { path: PathBuf, source: KeyError },
    #[error("cannot write key file {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "key file {path} already exists; a key is never overwritten (move it away or pick another path)"
    )]
    Exists { path: PathBuf },
}

/// Refuses a secret file (a signing or TLS key) that group or others may read or
/// write: another local user who reads it can sign as this member or speak as its
/// node.
pub fn check_private(path: &Path) -> Result<(), KeyFileError> {
    let mode = std::fs::metadata(path)
        .map_err(|source| KeyFileError::Read {
            path: path.to_path_buf(),
            source,
        })?
        .permissions()
        .mode()
        & 0o7777;
    if mode & 0o077 != 0 {
        return Err(KeyFileError::TooOpen {
            path: path.to_path_buf(),
            mode,
        });
    }
    Ok(())
}

/// Reads a signing key, refusing a file that group or others may read or write.
pub fn load_signing_key(path: &Path) -> Result<SigningKey, KeyFileError> {
    check_private(path)?;
    let text = std::fs::read(path).map_err(|source| KeyFileError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    SigningKey::from_file_text(&text).map_err(|source| KeyFileError::Invalid {
        path: path.to_path_buf(),
        source,
    })
}

/// Writes a new key file with mode 0600. Never overwrites.
pub fn write_signing_key(path: &Path, key: &SigningKey) -> Result<(), KeyFileError> {
    let mut file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .map_err(|source| {
            if source.kind() == std::io::ErrorKind::AlreadyExists {
                KeyFileError::Exists {
                    path: path.to_path_buf(),
                }
            } else {
                KeyFileError::Write {
                    path: path.to_path_buf(),
                    source,
                }
            }
        })?;
    let write = |source| KeyFileError::Write {
        path: path.to_path_buf(),
        source,
    };
    file.write_all(key.to_file_text().as_bytes())
        .map_err(write)?;
    file.sync_all().map_err(write)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn a_written_key_is_0600_and_loads() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("signing.key");
        let key = SigningKey::generate();
        write_signing_key(&path, &key).expect("writes");
        let mode = std::fs::metadata(&path).expect("stat").permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        assert_eq!(
            load_signing_key(&path).expect("loads").verifying_key(),
            key.verifying_key()
        );
        assert!(matches!(
            write_signing_key(&path, &key),
            Err(KeyFileError::Exists { .. })
        ));
    }

    #[test]
    fn open_permissions_and_bad_lengths_name_the_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("signing.key");
        std::fs::write(&path, SigningKey::generate().to_file_text()).expect("write");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).expect("chmod");
        let err = load_signing_key(&path).unwrap_err().to_string();
        assert!(
            err.contains("signing.key") && err.contains("0644") && err.contains("chmod 600"),
            "{err}"
        );

        std::fs::write(&path, "abc\n").expect("write");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).expect("chmod");
        let err = load_signing_key(&path).unwrap_err().to_string();
        assert!(
            err.contains("signing.key") && err.contains("wrong length: 3"),
            "{err}"
        );

        let missing = dir.path().join("none.key");
        assert!(
            load_signing_key(&missing)
                .unwrap_err()
                .to_string()
                .contains("none.key")
        );
    }
}

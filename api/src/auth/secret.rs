//! The JWT signing secret: from `LIANLUO_JWT_SECRET`, or generated once into the data directory
//! (mode 0600) and reused on every later start.

use std::io::Write;
use std::path::Path;

use anyhow::Context;

use crate::config::{MIN_SECRET_BYTES, Secret};

const FILE_NAME: &str = "jwt-secret";

/// The configured secret, or the one stored in `data_dir` (created on first use).
pub fn load_or_create(configured: Option<&Secret>, data_dir: &Path) -> anyhow::Result<Secret> {
    if let Some(secret) = configured {
        return Ok(secret.clone());
    }
    let path = data_dir.join(FILE_NAME);
    match std::fs::read_to_string(&path) {
        Ok(content) => {
            let content = content.trim();
            if content.len() < MIN_SECRET_BYTES {
                anyhow::bail!(
                    "{} is shorter than {MIN_SECRET_BYTES} bytes; delete it to generate a new one",
                    path.display()
                );
            }
            Ok(Secret::new(content.as_bytes().to_vec()))
        }
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => create(&path),
        Err(err) => Err(err).with_context(|| format!("cannot read {}", path.display())),
    }
}

fn create(path: &Path) -> anyhow::Result<Secret> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    let mut bytes = [0u8; 48];
    rand::fill(&mut bytes);
    let encoded = hex::encode(bytes);
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    match options.open(path) {
        Ok(mut file) => {
            file.write_all(encoded.as_bytes())
                .and_then(|_| file.sync_all())
                .with_context(|| format!("cannot write {}", path.display()))?;
            tracing::info!(path = %path.display(), "generated a new JWT secret");
            Ok(Secret::new(encoded.into_bytes()))
        }
        // Another process created it a moment ago: use theirs.
        Err(err) if err.kind() == std::io::ErrorKind::AlreadyExists => {
            load_or_create(None, path.parent().unwrap_or(Path::new(".")))
        }
        Err(err) => Err(err).with_context(|| format!("cannot create {}", path.display())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_once_private_and_reused() {
        let dir = tempfile::tempdir().unwrap();
        let first = load_or_create(None, dir.path()).unwrap();
        let second = load_or_create(None, dir.path()).unwrap();
        assert_eq!(first, second);
        assert!(first.expose().len() >= MIN_SECRET_BYTES);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join(FILE_NAME))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }

    #[test]
    fn a_configured_secret_wins() {
        let dir = tempfile::tempdir().unwrap();
        let configured = Secret::new(vec![b'k'; 40]);
        assert_eq!(
            load_or_create(Some(&configured), dir.path()).unwrap(),
            configured
        );
        assert!(!dir.path().join(FILE_NAME).exists());
    }
}

//! Request signing. The algorithm (HMAC-SHA256 over the canonical request) is in the
//! `kiosk-api` crate, shared with the platform simulator; the terminal's key FILE is
//! the kiosk's: created once with 32 random bytes, mode 0600, atomically (never
//! replaced), and refused at start if group or others can read it.

pub use kiosk_api::sign::*;

use std::path::Path;

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("签名密钥文件 {path}: {source}")]
    File { path: String, source: std::io::Error },
    #[error("签名密钥文件 {0} 长度不足 32 字节 / signing key must hold at least 32 bytes")]
    TooShort(String),
}

/// `SigningKey::load_or_create`: the key file side of [`SigningKey`].
pub trait SigningKeyFile: Sized {
    /// Loads the key file, creating it (32 random bytes, mode 0600) if it does not exist.
    fn load_or_create(terminal_id: &str, path: &Path) -> Result<Self, KeyError>;
}

impl SigningKeyFile for SigningKey {
    fn load_or_create(terminal_id: &str, path: &Path) -> Result<Self, KeyError> {
        let err = |source| KeyError::File { path: path.display().to_string(), source };
        let bytes = crate::fsutil::load_or_create_secret(path).map_err(err)?;
        if bytes.len() < 32 {
            return Err(KeyError::TooShort(path.display().to_string()));
        }
        Ok(Self::new(terminal_id, &bytes))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_file_created_private_and_checked() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("sign.key");
        let a = SigningKey::load_or_create("T", &p).unwrap();
        let b = SigningKey::load_or_create("T", &p).unwrap();
        assert_eq!(a.secret(), b.secret());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(std::fs::metadata(&p).unwrap().permissions().mode() & 0o777, 0o600);
        }
        crate::fsutil::write_private(&dir.path().join("short"), b"abc").unwrap();
        assert!(matches!(SigningKey::load_or_create("T", &dir.path().join("short")), Err(KeyError::TooShort(_))));
        assert!(matches!(SigningKey::load_or_create("T", &dir.path().join("no/dir/k")), Err(KeyError::File { .. })));
    }
}

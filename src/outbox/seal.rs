//! AES-256-GCM for personal data at rest in the outbox. The key lives in its own
//! file (mode 0600), created on first start; losing it makes queued cases unreadable,
//! so a terminal's provisioning backs it up with the device identity.

use aes_gcm::aead::{Aead, KeyInit};
use aes_gcm::{Aes256Gcm, Nonce};
use rand::RngCore;
use std::path::Path;

const NONCE_LEN: usize = 12;

#[derive(Debug, thiserror::Error)]
pub enum SealError {
    #[error("密钥文件 {path}: {source}")]
    KeyFile { path: String, source: std::io::Error },
    #[error("密钥文件 {0} 长度不是 32 字节 / key file must hold 32 bytes")]
    KeyLength(String),
    #[error("数据无法解密（密钥不符或数据损坏）/ cannot decrypt")]
    Decrypt,
}

pub struct Sealer {
    cipher: Aes256Gcm,
}

impl Sealer {
    pub fn from_key(key: &[u8; 32]) -> Self {
        Self { cipher: Aes256Gcm::new(key.into()) }
    }

    /// Loads the key file, creating it with a fresh random key if it does not exist.
    pub fn load_or_create(path: &Path) -> Result<Self, SealError> {
        let err = |source| SealError::KeyFile { path: path.display().to_string(), source };
        if !path.exists() {
            let mut key = [0u8; 32];
            rand::rng().fill_bytes(&mut key);
            write_private(path, &key).map_err(err)?;
        }
        let bytes = std::fs::read(path).map_err(err)?;
        let key: [u8; 32] = bytes.try_into().map_err(|_| SealError::KeyLength(path.display().to_string()))?;
        Ok(Self::from_key(&key))
    }

    /// nonce || ciphertext+tag
    pub fn seal(&self, plain: &[u8]) -> Vec<u8> {
        let mut nonce = [0u8; NONCE_LEN];
        rand::rng().fill_bytes(&mut nonce);
        let mut out = nonce.to_vec();
        // Encryption with a valid key and in-memory buffers cannot fail.
        out.extend(self.cipher.encrypt(Nonce::from_slice(&nonce), plain).unwrap_or_default());
        out
    }

    pub fn open(&self, sealed: &[u8]) -> Result<Vec<u8>, SealError> {
        if sealed.len() < NONCE_LEN + 16 {
            return Err(SealError::Decrypt);
        }
        let (nonce, ct) = sealed.split_at(NONCE_LEN);
        self.cipher.decrypt(Nonce::from_slice(nonce), ct).map_err(|_| SealError::Decrypt)
    }
}

pub(crate) fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    #[cfg(unix)]
    use std::os::unix::fs::OpenOptionsExt;
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    opts.mode(0o600);
    let mut f = opts.open(path)?;
    f.write_all(bytes)?;
    f.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_tamper_and_key_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("outbox.key");
        let s = Sealer::load_or_create(&path).unwrap();
        let sealed = s.seal("张晓𠮷 410702199003070046".as_bytes());
        assert!(!sealed.windows(6).any(|w| w == b"410702"), "no plaintext at rest");
        assert_eq!(
            Sealer::load_or_create(&path).unwrap().open(&sealed).unwrap(),
            "张晓𠮷 410702199003070046".as_bytes()
        );
        let mut bad = sealed.clone();
        bad[20] ^= 1;
        assert!(matches!(s.open(&bad), Err(SealError::Decrypt)));
        assert!(matches!(Sealer::from_key(&[7; 32]).open(&sealed), Err(SealError::Decrypt)));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        }
        std::fs::write(dir.path().join("short.key"), b"abc").unwrap();
        assert!(matches!(Sealer::load_or_create(&dir.path().join("short.key")), Err(SealError::KeyLength(_))));
    }
}

//! Request signing: HMAC-SHA256 with the terminal's own key over
//! `METHOD\nPATH\nTIMESTAMP\nNONCE\nhex(SHA-256(body))`.
//! The platform rejects a timestamp outside ±5 minutes and any nonce seen before.

use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::{Digest, Sha256};
use std::path::Path;

pub const TERMINAL_HEADER: &str = "X-Terminal-Id";
pub const TIMESTAMP_HEADER: &str = "X-Timestamp";
pub const NONCE_HEADER: &str = "X-Nonce";
pub const SIGNATURE_HEADER: &str = "X-Signature";
/// Accepted clock difference between terminal and platform, seconds.
pub const MAX_SKEW_SECS: i64 = 300;

type HmacSha256 = Hmac<Sha256>;

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("签名密钥文件 {path}: {source}")]
    File { path: String, source: std::io::Error },
    #[error("签名密钥文件 {0} 长度不足 32 字节 / signing key must hold at least 32 bytes")]
    TooShort(String),
}

/// The four signing headers of one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signature {
    pub terminal_id: String,
    pub timestamp: i64,
    pub nonce: String,
    pub signature: String,
}

impl Signature {
    pub fn headers(&self) -> [(&'static str, String); 4] {
        [
            (TERMINAL_HEADER, self.terminal_id.clone()),
            (TIMESTAMP_HEADER, self.timestamp.to_string()),
            (NONCE_HEADER, self.nonce.clone()),
            (SIGNATURE_HEADER, self.signature.clone()),
        ]
    }
}

/// A terminal's HMAC key. Debug never prints the key.
#[derive(Clone)]
pub struct SigningKey {
    terminal_id: String,
    key: zeroize::Zeroizing<Vec<u8>>,
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKey").field("terminal_id", &self.terminal_id).finish_non_exhaustive()
    }
}

pub fn now_secs() -> i64 {
    crate::store::now_ms() / 1000
}

fn canonical(method: &str, path: &str, timestamp: i64, nonce: &str, body: &[u8]) -> String {
    let digest = hex::encode(Sha256::digest(body));
    format!("{}\n{path}\n{timestamp}\n{nonce}\n{digest}", method.to_ascii_uppercase())
}

impl SigningKey {
    pub fn new(terminal_id: &str, key: &[u8]) -> Self {
        Self { terminal_id: terminal_id.to_string(), key: zeroize::Zeroizing::new(key.to_vec()) }
    }

    /// Loads the key file, creating it (32 random bytes, mode 0600) if it does not exist.
    pub fn load_or_create(terminal_id: &str, path: &Path) -> Result<Self, KeyError> {
        let err = |source| KeyError::File { path: path.display().to_string(), source };
        if !path.exists() {
            let mut key = [0u8; 32];
            rand::rng().fill_bytes(&mut key);
            crate::outbox::write_private(path, &key).map_err(err)?;
        }
        let bytes = std::fs::read(path).map_err(err)?;
        if bytes.len() < 32 {
            return Err(KeyError::TooShort(path.display().to_string()));
        }
        Ok(Self::new(terminal_id, &bytes))
    }

    pub fn terminal_id(&self) -> &str {
        &self.terminal_id
    }

    /// The key bytes, for registering the terminal with the simulator.
    pub fn secret(&self) -> &[u8] {
        &self.key
    }

    fn mac(&self, canonical: &str) -> HmacSha256 {
        // HMAC takes keys of any length.
        let mut mac = HmacSha256::new_from_slice(&self.key).expect("HMAC accepts any key length");
        mac.update(canonical.as_bytes());
        mac
    }

    pub fn sign_at(&self, method: &str, path: &str, body: &[u8], timestamp: i64, nonce: &str) -> Signature {
        let tag = self.mac(&canonical(method, path, timestamp, nonce, body)).finalize().into_bytes();
        Signature {
            terminal_id: self.terminal_id.clone(),
            timestamp,
            nonce: nonce.to_string(),
            signature: hex::encode(tag),
        }
    }

    /// Signs with the current time and a fresh random nonce.
    pub fn sign(&self, method: &str, path: &str, body: &[u8]) -> Signature {
        let mut n = [0u8; 16];
        rand::rng().fill_bytes(&mut n);
        self.sign_at(method, path, body, now_secs(), &hex::encode(n))
    }

    /// Constant-time check of the tag only; time and nonce are the verifier's job.
    pub fn verify(&self, method: &str, path: &str, body: &[u8], sig: &Signature) -> bool {
        let Ok(tag) = hex::decode(&sig.signature) else { return false };
        self.mac(&canonical(method, path, sig.timestamp, &sig.nonce, body)).verify_slice(&tag).is_ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sign_verify_and_tamper() {
        let k = SigningKey::new("XX-0001", &[9; 32]);
        let s = k.sign("post", "/api/v1/cases", b"{\"a\":1}");
        assert_eq!(s.signature.len(), 64);
        assert!(k.verify("POST", "/api/v1/cases", b"{\"a\":1}", &s));
        assert!(!k.verify("POST", "/api/v1/cases", b"{\"a\":2}", &s), "body");
        assert!(!k.verify("POST", "/api/v1/ratings", b"{\"a\":1}", &s), "path");
        assert!(!k.verify("GET", "/api/v1/cases", b"{\"a\":1}", &s), "method");
        assert!(!k.verify(
            "POST",
            "/api/v1/cases",
            b"{\"a\":1}",
            &Signature { timestamp: s.timestamp + 1, ..s.clone() }
        ));
        assert!(!k.verify("POST", "/api/v1/cases", b"{\"a\":1}", &Signature { nonce: "x".into(), ..s.clone() }));
        assert!(!k.verify("POST", "/api/v1/cases", b"{\"a\":1}", &Signature { signature: "zz".into(), ..s.clone() }));
        assert!(!SigningKey::new("XX-0001", &[8; 32]).verify("POST", "/api/v1/cases", b"{\"a\":1}", &s), "key");
        assert!(!format!("{k:?}").contains("9, 9"), "Debug hides the key");
    }

    #[test]
    fn key_file_created_private_and_checked() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("sign.key");
        let a = SigningKey::load_or_create("T", &p).unwrap();
        let b = SigningKey::load_or_create("T", &p).unwrap();
        assert_eq!(a.secret(), b.secret());
        std::fs::write(dir.path().join("short"), b"abc").unwrap();
        assert!(matches!(SigningKey::load_or_create("T", &dir.path().join("short")), Err(KeyError::TooShort(_))));
        assert!(matches!(SigningKey::load_or_create("T", &dir.path().join("no/dir/k")), Err(KeyError::File { .. })));
    }
}

//! Request signing: HMAC with the terminal's own key over
//! `METHOD\nPATH\nTIMESTAMP\nNONCE\nhex(H(body))`, where H and the HMAC's hash are
//! SHA-256 (`hmac-sha256`, the default) or SM3 (`hmac-sm3`, GB/T 32905, for 密评). The
//! algorithm travels in `X-Signature-Algorithm` (absent: hmac-sha256).
//! The platform rejects a timestamp outside ±5 minutes and any nonce seen before.

use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::{Digest, Sha256};
use sm3::Sm3;

pub const TERMINAL_HEADER: &str = "X-Terminal-Id";
pub const TIMESTAMP_HEADER: &str = "X-Timestamp";
pub const NONCE_HEADER: &str = "X-Nonce";
pub const SIGNATURE_HEADER: &str = "X-Signature";
pub const ALGORITHM_HEADER: &str = "X-Signature-Algorithm";
/// Accepted clock difference between terminal and platform, seconds.
pub const MAX_SKEW_SECS: i64 = 300;

type HmacSha256 = Hmac<Sha256>;
type HmacSm3 = Hmac<Sm3>;

/// Signing algorithm (config `intake.sign_algorithm`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub enum SignAlg {
    #[default]
    #[serde(rename = "hmac-sha256")]
    HmacSha256,
    #[serde(rename = "hmac-sm3")]
    HmacSm3,
}

impl SignAlg {
    pub fn name(self) -> &'static str {
        match self {
            SignAlg::HmacSha256 => "hmac-sha256",
            SignAlg::HmacSm3 => "hmac-sm3",
        }
    }

    pub fn parse(name: &str) -> Option<Self> {
        match name.trim().to_ascii_lowercase().as_str() {
            "hmac-sha256" => Some(SignAlg::HmacSha256),
            "hmac-sm3" => Some(SignAlg::HmacSm3),
            _ => None,
        }
    }

    fn digest_hex(self, body: &[u8]) -> String {
        match self {
            SignAlg::HmacSha256 => hex::encode(Sha256::digest(body)),
            SignAlg::HmacSm3 => hex::encode(Sm3::digest(body)),
        }
    }
}

/// The signing headers of one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signature {
    pub terminal_id: String,
    pub timestamp: i64,
    pub nonce: String,
    pub signature: String,
    pub algorithm: SignAlg,
}

impl Signature {
    pub fn headers(&self) -> [(&'static str, String); 5] {
        [
            (TERMINAL_HEADER, self.terminal_id.clone()),
            (TIMESTAMP_HEADER, self.timestamp.to_string()),
            (NONCE_HEADER, self.nonce.clone()),
            (SIGNATURE_HEADER, self.signature.clone()),
            (ALGORITHM_HEADER, self.algorithm.name().to_string()),
        ]
    }
}

/// A terminal's HMAC key. Debug never prints the key. (Key files are the kiosk's business:
/// `kiosk::intake::sign::SigningKeyFile::load_or_create`.)
#[derive(Clone)]
pub struct SigningKey {
    terminal_id: String,
    key: zeroize::Zeroizing<Vec<u8>>,
    alg: SignAlg,
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKey").field("terminal_id", &self.terminal_id).finish_non_exhaustive()
    }
}

/// Unix time in seconds, the clock signatures are stamped and checked with.
pub fn now_secs() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0)
}

fn canonical(alg: SignAlg, method: &str, path: &str, timestamp: i64, nonce: &str, body: &[u8]) -> String {
    let digest = alg.digest_hex(body);
    format!("{}\n{path}\n{timestamp}\n{nonce}\n{digest}", method.to_ascii_uppercase())
}

impl SigningKey {
    pub fn new(terminal_id: &str, key: &[u8]) -> Self {
        Self {
            terminal_id: terminal_id.to_string(),
            key: zeroize::Zeroizing::new(key.to_vec()),
            alg: SignAlg::default(),
        }
    }

    /// Signs (and verifies) with `alg`.
    pub fn with_alg(mut self, alg: SignAlg) -> Self {
        self.alg = alg;
        self
    }

    pub fn alg(&self) -> SignAlg {
        self.alg
    }

    pub fn terminal_id(&self) -> &str {
        &self.terminal_id
    }

    /// The key bytes, for registering the terminal with the simulator.
    pub fn secret(&self) -> &[u8] {
        &self.key
    }

    fn tag(&self, canonical: &str) -> Vec<u8> {
        // HMAC takes keys of any length.
        match self.alg {
            SignAlg::HmacSha256 => {
                let mut mac = HmacSha256::new_from_slice(&self.key).expect("HMAC accepts any key length");
                mac.update(canonical.as_bytes());
                mac.finalize().into_bytes().to_vec()
            }
            SignAlg::HmacSm3 => {
                let mut mac = HmacSm3::new_from_slice(&self.key).expect("HMAC accepts any key length");
                mac.update(canonical.as_bytes());
                mac.finalize().into_bytes().to_vec()
            }
        }
    }

    fn check(&self, canonical: &str, tag: &[u8]) -> bool {
        match self.alg {
            SignAlg::HmacSha256 => {
                let mut mac = HmacSha256::new_from_slice(&self.key).expect("HMAC accepts any key length");
                mac.update(canonical.as_bytes());
                mac.verify_slice(tag).is_ok()
            }
            SignAlg::HmacSm3 => {
                let mut mac = HmacSm3::new_from_slice(&self.key).expect("HMAC accepts any key length");
                mac.update(canonical.as_bytes());
                mac.verify_slice(tag).is_ok()
            }
        }
    }

    pub fn sign_at(&self, method: &str, path: &str, body: &[u8], timestamp: i64, nonce: &str) -> Signature {
        let tag = self.tag(&canonical(self.alg, method, path, timestamp, nonce, body));
        Signature {
            terminal_id: self.terminal_id.clone(),
            timestamp,
            nonce: nonce.to_string(),
            signature: hex::encode(tag),
            algorithm: self.alg,
        }
    }

    /// Signs with the current time and a fresh random nonce.
    pub fn sign(&self, method: &str, path: &str, body: &[u8]) -> Signature {
        let mut n = [0u8; 16];
        rand::rng().fill_bytes(&mut n);
        self.sign_at(method, path, body, now_secs(), &hex::encode(n))
    }

    /// Constant-time check of the tag only (with this key's algorithm, which must be
    /// the one the signature names); time and nonce are the verifier's job.
    pub fn verify(&self, method: &str, path: &str, body: &[u8], sig: &Signature) -> bool {
        let Ok(tag) = hex::decode(&sig.signature) else { return false };
        sig.algorithm == self.alg
            && self.check(&canonical(self.alg, method, path, sig.timestamp, &sig.nonce, body), &tag)
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

    /// A fixed vector (computed independently with Python's hmac): both sides of the wire
    /// must agree on the canonical string byte for byte.
    #[test]
    fn known_answer() {
        let s =
            SigningKey::new("XX-0001", &[7; 32]).sign_at("post", "/api/v1/cases?x=1", b"{\"a\":1}", 1767225600, "abc");
        assert_eq!(s.signature, "79fd1a5084317d4d11c1ce6f1c82d51dbf2fccf6c50d19bea1690e1b4c0c7138");
        assert_eq!(
            s.headers().map(|(h, _)| h),
            ["X-Terminal-Id", "X-Timestamp", "X-Nonce", "X-Signature", "X-Signature-Algorithm"]
        );
    }

    /// HMAC-SM3: SM3 of "abc" is the GB/T 32905 example; the signature verifies only
    /// under SM3 and the algorithm header says so.
    #[test]
    fn hmac_sm3() {
        assert_eq!(
            hex::encode(Sm3::digest(b"abc")),
            "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
        );
        let k = SigningKey::new("XX-0001", &[7; 32]).with_alg(SignAlg::HmacSm3);
        let s = k.sign_at("post", "/api/v1/cases?x=1", b"{\"a\":1}", 1767225600, "abc");
        assert_eq!(s.signature.len(), 64);
        assert_eq!(s.headers()[4].1, "hmac-sm3");
        assert!(k.verify("POST", "/api/v1/cases?x=1", b"{\"a\":1}", &s));
        let sha = SigningKey::new("XX-0001", &[7; 32]);
        assert!(!sha.verify("POST", "/api/v1/cases?x=1", b"{\"a\":1}", &s), "algorithm must match");
        assert!(!sha.verify(
            "POST",
            "/api/v1/cases?x=1",
            b"{\"a\":1}",
            &Signature { algorithm: SignAlg::HmacSha256, ..s.clone() }
        ));
        assert_ne!(s.signature, "79fd1a5084317d4d11c1ce6f1c82d51dbf2fccf6c50d19bea1690e1b4c0c7138");
        assert_eq!(SignAlg::parse("HMAC-SM3"), Some(SignAlg::HmacSm3));
    }
}

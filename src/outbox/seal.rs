//! Personal data at rest: envelope encryption. Each blob is sealed under its own random
//! data key (DEK); the DEK is wrapped by the terminal key (KEK, its own file, mode 0600).
//! A blob names its algorithm and the id of the key that wrapped its DEK, so keys can be
//! rotated (only the small wrapped DEK is re-sealed) and a purge that deletes the blob's
//! wrapped DEK leaves nothing that opens the rest (crypto-shredding).
//!
//! Layout (version 1):
//! `"KS" | 1 | alg | key id (8) | wrap nonce (12) | wrapped DEK (+16 tag) | nonce (12) | ciphertext+tag`
//! Algorithms: 1 = AES-256-GCM (default), 2 = SM4-GCM (GB/T 32907, for 密评). Blobs from
//! before the envelope (`nonce || ciphertext`, AES-256-GCM under the KEK) still open.

use aes_gcm::aead::consts::U12;
use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, AesGcm, Nonce};
use rand::RngCore;
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use zeroize::Zeroizing;

type Sm4Gcm = AesGcm<sm4::Sm4, U12>;

const NONCE_LEN: usize = 12;
const TAG_LEN: usize = 16;
use crate::envelope::{SealAlg, HEADER_LEN, MAGIC, VERSION};

impl SealAlg {
    fn key_len(self) -> usize {
        match self {
            SealAlg::Aes256Gcm => 32,
            SealAlg::Sm4Gcm => 16,
        }
    }

    fn encrypt(self, key: &[u8], nonce: &[u8], msg: &[u8], aad: &[u8]) -> Vec<u8> {
        let p = Payload { msg, aad };
        // Encryption with a valid key and in-memory buffers cannot fail.
        match self {
            SealAlg::Aes256Gcm => {
                Aes256Gcm::new_from_slice(key).ok().and_then(|c| c.encrypt(Nonce::from_slice(nonce), p).ok())
            }
            SealAlg::Sm4Gcm => {
                Sm4Gcm::new_from_slice(key).ok().and_then(|c| c.encrypt(Nonce::from_slice(nonce), p).ok())
            }
        }
        .unwrap_or_default()
    }

    fn decrypt(self, key: &[u8], nonce: &[u8], ct: &[u8], aad: &[u8]) -> Result<Vec<u8>, SealError> {
        let p = Payload { msg: ct, aad };
        match self {
            SealAlg::Aes256Gcm => {
                Aes256Gcm::new_from_slice(key).ok().and_then(|c| c.decrypt(Nonce::from_slice(nonce), p).ok())
            }
            SealAlg::Sm4Gcm => {
                Sm4Gcm::new_from_slice(key).ok().and_then(|c| c.decrypt(Nonce::from_slice(nonce), p).ok())
            }
        }
        .ok_or(SealError::Decrypt)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SealError {
    #[error("密钥文件 {path}: {source}")]
    KeyFile { path: String, source: std::io::Error },
    #[error("密钥文件 {0} 长度不是 32 字节 / key file must hold 32 bytes")]
    KeyLength(String),
    #[error("密钥文件权限不安全 / {0}")]
    KeyMode(String),
    #[error("数据无法解密（密钥不符或数据损坏）/ cannot decrypt")]
    Decrypt,
    #[error("数据由未知密钥 {0} 加密 / sealed under unknown key {0}")]
    UnknownKey(String),
}

/// One terminal key (KEK) and its id.
struct Kek {
    id: [u8; 8],
    key: Zeroizing<[u8; 32]>,
}

impl Kek {
    fn new(key: &[u8; 32]) -> Self {
        let mut h = Sha256::new();
        h.update(b"kiosk outbox key id\0");
        h.update(key);
        let mut id = [0u8; 8];
        id.copy_from_slice(&h.finalize()[..8]);
        Kek { id, key: Zeroizing::new(*key) }
    }

    /// The KEK as the algorithm wants it (SM4 takes 128 bits, derived from the file's 256).
    fn for_alg(&self, alg: SealAlg) -> Zeroizing<Vec<u8>> {
        match alg {
            SealAlg::Aes256Gcm => Zeroizing::new(self.key.to_vec()),
            SealAlg::Sm4Gcm => {
                let mut h = Sha256::new();
                h.update(b"kiosk sm4 kek\0");
                h.update(*self.key);
                Zeroizing::new(h.finalize()[..16].to_vec())
            }
        }
    }
}

/// An envelope's algorithm, data key and the offset of its body nonce.
type Unwrapped = (SealAlg, Zeroizing<Vec<u8>>, usize);

/// The terminal's sealing keys: the current one seals, every one in the ring opens.
pub struct Sealer {
    ring: Vec<Kek>,
    alg: SealAlg,
}

/// Where an interrupted `kiosk keys rotate` left the new key.
pub fn next_key_path(path: &Path) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(".new");
    PathBuf::from(s)
}

fn read_key(path: &Path) -> Result<[u8; 32], SealError> {
    let err = |source| SealError::KeyFile { path: path.display().to_string(), source };
    let bytes = Zeroizing::new(std::fs::read(path).map_err(err)?);
    bytes.as_slice().try_into().map_err(|_| SealError::KeyLength(path.display().to_string()))
}

fn random_key() -> Zeroizing<[u8; 32]> {
    let mut key = Zeroizing::new([0u8; 32]);
    rand::rng().fill_bytes(key.as_mut());
    key
}

impl Sealer {
    pub fn from_key(key: &[u8; 32]) -> Self {
        Self { ring: vec![Kek::new(key)], alg: SealAlg::default() }
    }

    /// Seal new blobs with `alg` (blobs already sealed open whatever their algorithm).
    pub fn with_alg(mut self, alg: SealAlg) -> Self {
        self.alg = alg;
        self
    }

    /// Also open blobs wrapped by `key` (a key being rotated in or out).
    pub fn with_extra_key(mut self, key: &[u8; 32]) -> Self {
        self.ring.push(Kek::new(key));
        self
    }

    pub fn alg(&self) -> SealAlg {
        self.alg
    }

    /// Hex id of the key that seals new blobs.
    pub fn key_id(&self) -> String {
        hex::encode(self.ring[0].id)
    }

    /// Loads an existing key file (mode checked). A key left by an interrupted rotation
    /// (`<file>.new`) joins the ring so nothing it wrapped is lost.
    pub fn load(path: &Path) -> Result<Self, SealError> {
        crate::fsutil::check_private(path).map_err(SealError::KeyMode)?;
        let mut s = Self::from_key(&read_key(path)?);
        let next = next_key_path(path);
        if next.exists() {
            tracing::warn!(path = %next.display(), "an interrupted key rotation left a new key: run `kiosk keys rotate` again");
            s.ring.push(Kek::new(&read_key(&next)?));
        }
        Ok(s)
    }

    /// Creates a key file with a fresh random key; fails if it exists (never replaced).
    pub fn create(path: &Path) -> Result<Self, SealError> {
        let key = random_key();
        crate::fsutil::write_private(path, key.as_ref())
            .map_err(|source| SealError::KeyFile { path: path.display().to_string(), source })?;
        Ok(Self::from_key(&key))
    }

    /// Loads the key file, creating it with a fresh random key if it does not exist
    /// (install time and the demo; a production start never creates keys).
    pub fn load_or_create(path: &Path) -> Result<Self, SealError> {
        if !path.exists() {
            return Self::create(path);
        }
        Self::load(path)
    }

    /// Seals under a fresh data key wrapped by the current terminal key.
    pub fn seal(&self, plain: &[u8]) -> Vec<u8> {
        let alg = self.alg;
        let mut dek = Zeroizing::new(vec![0u8; alg.key_len()]);
        rand::rng().fill_bytes(&mut dek);
        let mut nonce = [0u8; NONCE_LEN];
        rand::rng().fill_bytes(&mut nonce);
        let body = alg.encrypt(&dek, &nonce, plain, &body_aad(alg));
        let mut out = self.wrap(alg, &dek);
        out.reserve(NONCE_LEN + body.len());
        out.extend_from_slice(&nonce);
        out.extend(body);
        out
    }

    /// Header and wrapped DEK under the current key.
    fn wrap(&self, alg: SealAlg, dek: &[u8]) -> Vec<u8> {
        let kek = &self.ring[0];
        let mut out = Vec::with_capacity(HEADER_LEN + NONCE_LEN + dek.len() + TAG_LEN);
        out.extend_from_slice(MAGIC);
        out.push(VERSION);
        out.push(alg.id());
        out.extend_from_slice(&kek.id);
        let mut wn = [0u8; NONCE_LEN];
        rand::rng().fill_bytes(&mut wn);
        let wrapped = alg.encrypt(&kek.for_alg(alg), &wn, dek, &out[..HEADER_LEN]);
        out.extend_from_slice(&wn);
        out.extend(wrapped);
        out
    }

    /// The data key of an envelope: (alg, DEK, offset of the body nonce).
    fn unwrap(&self, sealed: &[u8]) -> Result<Option<Unwrapped>, SealError> {
        let Some(info) = envelope_info(sealed) else { return Ok(None) };
        let (alg, id) = info;
        let wrapped_len = alg.key_len() + TAG_LEN;
        let body_at = HEADER_LEN + NONCE_LEN + wrapped_len;
        if sealed.len() < body_at + NONCE_LEN + TAG_LEN {
            return Err(SealError::Decrypt);
        }
        let kek = self.ring.iter().find(|k| k.id == id).ok_or_else(|| SealError::UnknownKey(hex::encode(id)))?;
        let wn = &sealed[HEADER_LEN..HEADER_LEN + NONCE_LEN];
        let dek =
            alg.decrypt(&kek.for_alg(alg), wn, &sealed[HEADER_LEN + NONCE_LEN..body_at], &sealed[..HEADER_LEN])?;
        Ok(Some((alg, Zeroizing::new(dek), body_at)))
    }

    pub fn open(&self, sealed: &[u8]) -> Result<Vec<u8>, SealError> {
        match self.unwrap(sealed)? {
            Some((alg, dek, at)) => {
                let (nonce, ct) = sealed[at..].split_at(NONCE_LEN);
                alg.decrypt(&dek, nonce, ct, &body_aad(alg))
            }
            None => self.open_legacy(sealed),
        }
    }

    /// Blobs from before the envelope: nonce || AES-256-GCM(KEK) ciphertext.
    fn open_legacy(&self, sealed: &[u8]) -> Result<Vec<u8>, SealError> {
        if sealed.len() < NONCE_LEN + TAG_LEN {
            return Err(SealError::Decrypt);
        }
        let (nonce, ct) = sealed.split_at(NONCE_LEN);
        self.ring
            .iter()
            .find_map(|k| SealAlg::Aes256Gcm.decrypt(k.key.as_ref(), nonce, ct, &[]).ok())
            .ok_or(SealError::Decrypt)
    }

    /// Re-seals a blob for `to`'s current key: an envelope only gets its data key
    /// re-wrapped (the body is untouched); an old-format blob is opened and sealed anew.
    pub fn rewrap(&self, sealed: &[u8], to: &Sealer) -> Result<Vec<u8>, SealError> {
        match self.unwrap(sealed)? {
            Some((alg, dek, at)) => {
                let mut out = to.wrap(alg, &dek);
                out.extend_from_slice(&sealed[at..]);
                Ok(out)
            }
            None => Ok(to.seal(&Zeroizing::new(self.open_legacy(sealed)?))),
        }
    }

    /// The raw data key of a blob (tests prove it is gone from disk after a purge).
    #[doc(hidden)]
    pub fn data_key_of(&self, sealed: &[u8]) -> Option<Vec<u8>> {
        self.unwrap(sealed).ok().flatten().map(|(_, d, _)| d.to_vec())
    }
}

fn body_aad(alg: SealAlg) -> [u8; 4] {
    [MAGIC[0], MAGIC[1], VERSION, alg.id()]
}

/// Algorithm and key id of an envelope, None for an old-format blob.
pub fn envelope_info(sealed: &[u8]) -> Option<(SealAlg, [u8; 8])> {
    crate::envelope::info(sealed)
}

/// `kiosk keys rotate` step 1: the new key, written to `<file>.new` (or the one an
/// interrupted rotation left there). Returns a sealer that opens with both keys and
/// seals with the new one.
pub fn begin_rotation(path: &Path, alg: SealAlg) -> Result<(Sealer, Sealer), SealError> {
    let old = Sealer::load(path)?.with_alg(alg);
    let next = next_key_path(path);
    let new = if next.exists() { Sealer::load(&next)? } else { Sealer::create(&next)? }.with_alg(alg);
    Ok((old, new))
}

/// Step 3, after every blob was re-wrapped: the new key replaces the old one.
pub fn finish_rotation(path: &Path) -> Result<(), SealError> {
    let next = next_key_path(path);
    std::fs::rename(&next, path)
        .and_then(|_| crate::fsutil::sync_dir(path))
        .map_err(|source| SealError::KeyFile { path: path.display().to_string(), source })
}

#[cfg(test)]
mod tests {
    use super::*;

    const PLAIN: &str = "张晓𠮷 410702199003070046";

    #[test]
    fn round_trip_tamper_and_key_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("outbox.key");
        let s = Sealer::load_or_create(&path).unwrap();
        let sealed = s.seal(PLAIN.as_bytes());
        assert!(!sealed.windows(6).any(|w| w == b"410702"), "no plaintext at rest");
        assert_eq!(envelope_info(&sealed).map(|(a, id)| (a, hex::encode(id))), Some((SealAlg::Aes256Gcm, s.key_id())));
        assert_eq!(Sealer::load_or_create(&path).unwrap().open(&sealed).unwrap(), PLAIN.as_bytes());
        for i in [5, 20, 80, sealed.len() - 1] {
            let mut bad = sealed.clone();
            bad[i] ^= 1;
            assert!(s.open(&bad).is_err(), "tamper at {i}");
        }
        assert!(matches!(Sealer::from_key(&[7; 32]).open(&sealed), Err(SealError::UnknownKey(_))));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
            assert!(matches!(Sealer::load(&path), Err(SealError::KeyMode(_))));
        }
        assert!(Sealer::create(&path).is_err(), "never replaced");
        let short = dir.path().join("short.key");
        crate::fsutil::write_private(&short, b"abc").unwrap();
        assert!(matches!(Sealer::load_or_create(&short), Err(SealError::KeyLength(_))));
    }

    #[test]
    fn sm4_gcm_and_per_blob_data_keys() {
        let s = Sealer::from_key(&[3; 32]).with_alg(SealAlg::Sm4Gcm);
        let a = s.seal(PLAIN.as_bytes());
        let b = s.seal(PLAIN.as_bytes());
        assert_eq!(envelope_info(&a).unwrap().0, SealAlg::Sm4Gcm);
        assert_eq!(s.data_key_of(&a).unwrap().len(), 16);
        assert_ne!(s.data_key_of(&a), s.data_key_of(&b), "one data key per blob");
        // The AES sealer with the same key opens SM4 blobs: the blob says its algorithm.
        assert_eq!(Sealer::from_key(&[3; 32]).open(&a).unwrap(), PLAIN.as_bytes());
    }

    /// SM4-GCM known answer (GB/T 36624 / RFC 8998 style vector from the `sm4` crate's
    /// block cipher): the block cipher matches the standard's example.
    #[test]
    fn sm4_block_known_answer() {
        use aes_gcm::aead::generic_array::GenericArray;
        use sm4::cipher::{BlockEncrypt, KeyInit as _};
        let key = hex::decode("0123456789abcdeffedcba9876543210").unwrap();
        let c = sm4::Sm4::new_from_slice(&key).unwrap();
        let mut block = GenericArray::clone_from_slice(&key);
        c.encrypt_block(&mut block);
        assert_eq!(hex::encode(block), "681edf34d206965e86b3e94f536e4246");
    }

    #[test]
    fn legacy_blobs_open_and_rewrap() {
        let key = [9u8; 32];
        let mut legacy = vec![1u8; NONCE_LEN];
        legacy.extend(SealAlg::Aes256Gcm.encrypt(&key, &[1u8; NONCE_LEN], b"old", &[]));
        let s = Sealer::from_key(&key);
        assert_eq!(s.open(&legacy).unwrap(), b"old");
        let to = Sealer::from_key(&[10; 32]);
        let re = s.rewrap(&legacy, &to).unwrap();
        assert_eq!(to.open(&re).unwrap(), b"old");
        let env = s.seal(b"new");
        let re = s.rewrap(&env, &to).unwrap();
        assert_eq!(re[HEADER_LEN + NONCE_LEN + 48..], env[HEADER_LEN + NONCE_LEN + 48..], "body untouched");
        assert_eq!(to.open(&re).unwrap(), b"new");
        assert!(s.open(&re).is_err());
    }
}

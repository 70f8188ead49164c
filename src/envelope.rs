//! The header of a sealed blob: format, algorithm and key id. A leaf module, so the
//! store can name a blob's key without depending on the outbox's cryptography.
//!
//! `"KS" | 1 | alg | key id (8) | ...` (the rest is src/outbox/seal.rs's).

pub const MAGIC: &[u8; 2] = b"KS";
pub const VERSION: u8 = 1;
pub const HEADER_LEN: usize = 2 + 1 + 1 + 8;

/// Sealing algorithm (config `intake.seal_algorithm`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Deserialize, serde::Serialize)]
pub enum SealAlg {
    #[default]
    #[serde(rename = "aes-256-gcm")]
    Aes256Gcm,
    #[serde(rename = "sm4-gcm")]
    Sm4Gcm,
}

impl SealAlg {
    pub fn id(self) -> u8 {
        match self {
            SealAlg::Aes256Gcm => 1,
            SealAlg::Sm4Gcm => 2,
        }
    }

    pub fn from_id(id: u8) -> Option<Self> {
        match id {
            1 => Some(SealAlg::Aes256Gcm),
            2 => Some(SealAlg::Sm4Gcm),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            SealAlg::Aes256Gcm => "aes-256-gcm",
            SealAlg::Sm4Gcm => "sm4-gcm",
        }
    }
}

/// Algorithm and key id of an envelope, None for an old-format blob.
pub fn info(sealed: &[u8]) -> Option<(SealAlg, [u8; 8])> {
    if sealed.len() < HEADER_LEN || &sealed[..2] != MAGIC || sealed[2] != VERSION {
        return None;
    }
    let alg = SealAlg::from_id(sealed[3])?;
    let mut id = [0u8; 8];
    id.copy_from_slice(&sealed[4..12]);
    Some((alg, id))
}

//! Wire types of the intake API (JSON over HTTPS, docs/intake-api.yaml). Field names
//! follow GB/T 39046 办件 terms where they exist.

use serde::{Deserialize, Serialize};

pub const CASES: &str = "/api/v1/cases";
pub const RATINGS: &str = "/api/v1/ratings";
pub const CATALOG: &str = "/api/v1/catalog";
pub const HEARTBEAT: &str = "/api/v1/heartbeat";
pub const IDEMPOTENCY_HEADER: &str = "Idempotency-Key";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApplicantDto {
    pub name: String,
    /// 证件类型代码: 111 居民身份证.
    pub id_type: String,
    pub id_number: String,
    pub sex: String,
    pub birth_date: String,
    pub address: String,
    pub phone: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MaterialDto {
    pub key: String,
    /// scanned | e_cert | deferred | not_provided
    pub state: String,
    /// JPEG pages, base64.
    #[serde(default)]
    pub pages: Vec<String>,
    /// 电子证照 reference when state is e_cert.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub e_cert_ref: Option<String>,
}

/// One field of the merged form (一表申请), by canonical key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FormFieldDto {
    /// Canonical key, e.g. `business.area`.
    pub key: String,
    /// Empty for `e_cert`: the platform fetches the certificate itself.
    pub value: String,
    pub source: FormSource,
}

/// Where a form value came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FormSource {
    /// Read from the ID card.
    Card,
    /// Typed by the citizen.
    Typed,
    /// The platform fetches it from an electronic certificate (电子证照).
    ECert,
    /// A catalog default.
    Default,
    /// Reused from the citizen's 一人一档 after consent.
    Profile,
}

impl FormSource {
    /// The wire name: card | typed | e_cert | default | profile.
    pub fn as_str(self) -> &'static str {
        match self {
            FormSource::Card => "card",
            FormSource::Typed => "typed",
            FormSource::ECert => "e_cert",
            FormSource::Default => "default",
            FormSource::Profile => "profile",
        }
    }
}

/// 容缺受理 + 告知承诺: a missing material the citizen promised to bring.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommitmentDto {
    pub material_key: String,
    /// Deadline YYYY-MM-DD.
    pub due_date: String,
    /// Handwritten signature captured on screen, PNG base64.
    pub signature_png: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseSubmission {
    /// Provisional number printed on the receipt (terminal id + sequence).
    pub local_no: String,
    pub terminal_id: String,
    pub bundle_id: String,
    pub bundle_name: String,
    /// 实施编码 of the chosen sub-items.
    pub matter_codes: Vec<String>,
    pub applicant: ApplicantDto,
    /// The merged form: every field once, with its provenance.
    #[serde(default)]
    pub form: Vec<FormFieldDto>,
    /// window | post
    pub delivery: String,
    /// Postal address when delivery is post (结果免费寄).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub postal_address: Option<String>,
    pub materials: Vec<MaterialDto>,
    #[serde(default)]
    pub commitments: Vec<CommitmentDto>,
    /// 申报来源: self-service terminal.
    pub source: String,
    /// 申请时间, RFC 3339-like local time string.
    pub submitted_at: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseAck {
    /// 办件编号 assigned by the platform.
    pub intake_no: String,
    pub local_no: String,
    /// 收件 / 受理 / 办结 ...
    pub status: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RatingSubmission {
    pub local_no: String,
    pub terminal_id: String,
    /// 满意度 1..=5 in the terminal's own coding (GB/T 39046: 1 = 非常满意).
    pub level: u8,
    /// 满意度代码 after the province's mapping.
    pub level_code: String,
    pub level_name: String,
    /// 评价渠道 code.
    pub channel: String,
    pub reasons: Vec<String>,
    /// 评价时间 YYYYMMDDThhmmss.
    pub rated_at: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RatingAck {
    pub accepted: bool,
}

/// Error body of every 4xx/5xx answer: a machine code and a reason for the citizen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rejection {
    #[serde(default)]
    pub code: String,
    pub reason: String,
}

/// Cases found by a query on the hashed ID number.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseList {
    pub cases: Vec<CaseAck>,
}

/// Terminal heartbeat: device states, paper, queue depth, software version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Heartbeat {
    pub terminal_id: String,
    pub software_version: String,
    /// Each device's state and the paper.
    pub devices: crate::health::DeviceHealth,
    pub queue_depth: u32,
    /// Age of the oldest queued item, seconds.
    #[serde(default)]
    pub oldest_queued_secs: u64,
    /// Items held for a technician (unreadable here, or refused for good).
    #[serde(default)]
    pub needs_attention: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HeartbeatAck {
    /// Catalog version the platform publishes now, so the terminal knows to refresh.
    pub catalog_version: String,
    pub server_time: i64,
}

/// SHA-256 hex of the upper-cased ID number: progress queries never send the number itself.
pub fn id_hash(id_number: &str) -> String {
    use sha2::{Digest, Sha256};
    hex::encode(Sha256::digest(id_number.trim().to_ascii_uppercase().as_bytes()))
}

#[cfg(test)]
mod tests {
    #[test]
    fn id_hash_is_sha256_of_the_upper_cased_number() {
        let h = "356470b385fd3e10393c879cc1d970f86fd997c9336d337d1638780eb78cdfb9";
        assert_eq!(super::id_hash("41070219900307004X"), h);
        assert_eq!(super::id_hash(" 41070219900307004x\n"), h);
    }
}

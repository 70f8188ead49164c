//! Wire types of the intake API (JSON over HTTPS). Field names follow GB/T 39046 办件
//! terms where they exist.

use serde::{Deserialize, Serialize};

pub const CASES: &str = "/api/v1/cases";
pub const RATINGS: &str = "/api/v1/ratings";
pub const CATALOG: &str = "/api/v1/catalog";
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
    /// window | post
    pub delivery: String,
    pub materials: Vec<MaterialDto>,
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

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rejection {
    pub reason: String,
}

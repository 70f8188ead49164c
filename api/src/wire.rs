//! Wire types of the intake API (JSON over HTTPS, docs/intake-api.yaml). Field names
//! follow GB/T 39046 办件 terms where they exist.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

pub const CASES: &str = "/api/v1/cases";
pub const RATINGS: &str = "/api/v1/ratings";
pub const CATALOG: &str = "/api/v1/catalog";
pub const HEARTBEAT: &str = "/api/v1/heartbeat";
/// 帮办 calls: a citizen pressed 呼叫帮办; the platform relays it to the host branch.
pub const HELP_CALLS: &str = "/api/v1/help-calls";
/// The platform's clock, signed: the technician's network self-test (ping, clock skew).
pub const TIME: &str = "/api/v1/time";
/// 进度查询 by ID card: a signed POST with the number in the body (never in a URL, which
/// proxies log; an unsalted hash of an ID number is reversible by enumeration).
pub const PROGRESS_QUERIES: &str = "/api/v1/progress-queries";
/// Identity by a 电子身份证 / 电子社保卡 QR code (provisional: the real services are
/// licensed and their contracts differ by province).
pub const IDENTITY_VERIFY: &str = "/api/v1/identity/verify";
pub const IDEMPOTENCY_HEADER: &str = "Idempotency-Key";

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApplicantDto {
    pub name: String,
    /// 证件类型代码 of the card kind, from the terminal's `[id_types]` table (111 居民身份证).
    pub id_type: String,
    pub id_number: String,
    pub sex: String,
    pub birth_date: String,
    pub address: String,
    pub phone: String,
    /// How the identity was established; absent (older terminals) means `card`.
    #[serde(default)]
    pub identity_source: IdentitySource,
    /// 港澳台居民居住证: 通行证号码 (the 港澳/台湾 travel permit the card names).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pass_number: Option<String>,
    /// 港澳台居民居住证: 签发次数.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issue_count: Option<String>,
    /// 外国人永久居留身份证: the English name as on the card.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name_en: Option<String>,
    /// 外国人永久居留身份证: nationality, ISO 3166-1 alpha-3.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nationality: Option<String>,
    /// 外国人永久居留身份证 (2023): 换证次数.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub renewal_count: Option<String>,
}

/// `POST /api/v1/identity/verify`: the text of a QR code the citizen showed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdentityVerifyRequest {
    /// Must be the signing terminal.
    pub terminal_id: String,
    /// The QR text as decoded (see [`e_id_code_kind`]).
    pub code: String,
}

/// The person behind a valid code, as the 电子身份证 / 电子社保卡 service answers.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct VerifiedIdentity {
    pub name: String,
    pub id_number: String,
    /// resident | hk_mo_tw | foreign_2017 | foreign_2023 (the card kinds of `[id_types]`).
    pub card_kind: String,
    /// 1 男, 2 女.
    pub sex: String,
    /// YYYYMMDD.
    pub birth_date: String,
    /// 住址 of the card; empty when the service has none (电子社保卡).
    #[serde(default)]
    pub address: String,
    /// The card's validity end, YYYYMMDD; absent for 长期.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_to: Option<String>,
}

/// The provisional QR code texts: `EID1.<token>` (电子身份证) and `ESSC1.<token>`
/// (电子社保卡), token 16..=200 characters of base64url. Returns which, or None for any
/// other QR (a receipt's link, a payment code …).
pub fn e_id_code_kind(text: &str) -> Option<&'static str> {
    let text = text.trim();
    let (kind, token) = if let Some(t) = text.strip_prefix("EID1.") {
        ("e_id", t)
    } else if let Some(t) = text.strip_prefix("ESSC1.") {
        ("e_ssc", t)
    } else {
        return None;
    };
    let ok =
        (16..=200).contains(&token.len()) && token.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    ok.then_some(kind)
}

/// How the applicant's identity was established at the terminal.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IdentitySource {
    /// The chip of the ID card, read by the terminal's SAM reader.
    #[default]
    Card,
    /// A 电子身份证 / 电子社保卡 QR code, verified by the platform (`IDENTITY_VERIFY`).
    EIdQr,
}

impl IdentitySource {
    /// The wire name: card | e_id_qr.
    pub fn as_str(self) -> &'static str {
        match self {
            IdentitySource::Card => "card",
            IdentitySource::EIdQr => "e_id_qr",
        }
    }
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

/// Public holidays and 调休 make-up working days, sent as `calendar` in the catalog
/// document (`GET /api/v1/catalog`). 容缺 due dates count working days by it; a day it
/// does not list is a working day from Monday to Friday.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkCalendarDto {
    /// Every day off of each holiday break, weekends included, YYYY-MM-DD.
    #[serde(default)]
    pub holidays: Vec<String>,
    /// Weekend days that are working days (调休上班), YYYY-MM-DD.
    #[serde(default)]
    pub workdays: Vec<String>,
    /// Where the dates come from (e.g. the State Council notice for the year).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub source: String,
}

impl WorkCalendarDto {
    pub fn is_empty(&self) -> bool {
        self.holidays.is_empty() && self.workdays.is_empty()
    }
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
    /// 收件 / 受理 / 办结 / 寄出 / 待领取 (不予受理 ends it).
    pub status: String,
    /// Progress answers only (never personal data): the bundle, how the result is
    /// delivered and what is still to bring (容缺).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub progress: Option<CaseProgressDto>,
}

/// What a progress query shows besides the status: no name, number, address or phone.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseProgressDto {
    pub bundle_id: String,
    pub bundle_name: String,
    /// 实施编码 of the sub-items.
    #[serde(default)]
    pub matter_codes: Vec<String>,
    /// window | post
    pub delivery: String,
    /// 容缺 materials still to bring, with their deadlines.
    #[serde(default)]
    pub deferred: Vec<DeferredDto>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeferredDto {
    pub material_key: String,
    /// YYYY-MM-DD.
    pub due_date: String,
}

/// Body of `POST /api/v1/progress-queries`: the applicant's certificate, in the signed
/// body only.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProgressQuery {
    /// 证件类型代码 (111 居民身份证).
    pub id_type: String,
    pub id_number: String,
}

impl std::fmt::Debug for ProgressQuery {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let n: Vec<char> = self.id_number.chars().collect();
        let tail: String = n[n.len().saturating_sub(4)..].iter().collect();
        write!(f, "ProgressQuery({}, **{tail})", self.id_type)
    }
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

/// Cases found by a progress query on the applicant's certificate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseList {
    pub cases: Vec<CaseAck>,
}

/// Terminal heartbeat: device states, paper, queue depth, software version, and what
/// the platform's operations desk needs to look after the terminal remotely.
///
/// Every field after `needs_attention` came later and is `#[serde(default)]`: the
/// heartbeat of a terminal that does not send them still parses.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
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
    /// What runs: software, commit, catalog, config, schema.
    #[serde(default)]
    pub versions: Versions,
    /// Today's counters (local day of the terminal), keyed by [`COUNT_KEYS`]: `sessions`,
    /// `submissions`, `prints`, `faults`, `help_calls`, `rating_1` … `rating_5`. Absent
    /// keys are 0.
    #[serde(default)]
    pub counts_today: BTreeMap<String, i64>,
    /// Set while the service is paused (by a host, a technician, the CLI or the platform).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub out_of_service: Option<OutOfServiceDto>,
    /// Host alerts not yet acknowledged on the terminal.
    #[serde(default)]
    pub open_alerts: u32,
    /// 帮办 calls not yet answered by the branch.
    #[serde(default)]
    pub pending_help_calls: u32,
    /// Seconds since the kiosk process started.
    #[serde(default)]
    pub uptime_secs: u64,
    /// The screen now shown (e.g. `attract`, `form`, `out_of_service`).
    #[serde(default)]
    pub screen: String,
    /// Unix ms of the last frame the UI rendered; None before the first one.
    ///
    /// A service that is up behind a blank screen is the costly failure: heartbeats keep
    /// coming while no citizen can be served. The platform alerts when `last_frame_ms`
    /// falls far behind the heartbeat's own time (when it was sent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_frame_ms: Option<i64>,
}

/// The keys of `Heartbeat::counts_today`, in display order.
pub const COUNT_KEYS: [&str; 10] = [
    "sessions",
    "submissions",
    "prints",
    "faults",
    "help_calls",
    "rating_1",
    "rating_2",
    "rating_3",
    "rating_4",
    "rating_5",
];

/// The versions a terminal runs, so the operations desk sees a mixed fleet at a glance.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Versions {
    /// `CARGO_PKG_VERSION` of the kiosk.
    pub software: String,
    /// Git commit the kiosk was built from.
    pub commit: String,
    /// The service catalog in use.
    pub catalog_version: String,
    /// SHA-256 hex of the effective configuration file.
    pub config_sha256: String,
    /// Schema version of the terminal's local database.
    pub schema_version: u32,
}

/// Why and since when the service is paused.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutOfServiceDto {
    /// Shown to citizens on the out-of-service screen.
    pub reason: String,
    /// Who paused it: `host`, `technician`, `cli`, `platform`.
    pub by: String,
    /// Unix ms.
    pub since_ms: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HeartbeatAck {
    /// Catalog version the platform publishes now, so the terminal knows to refresh.
    pub catalog_version: String,
    /// The platform's clock, Unix seconds.
    pub server_time: i64,
    /// A command from the operations desk, delivered once (in the answer to the first
    /// heartbeat after it was given), then forgotten by the platform.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub command: Option<TerminalCommand>,
}

/// What the platform may ask of a terminal through the heartbeat answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum TerminalCommand {
    /// Stop taking citizens: once no citizen is in a session, show the out-of-service
    /// screen with `reason` until a `resume` (or a host or technician on the machine).
    Pause { reason: String },
    /// End a pause: back to the attract screen.
    Resume,
}

/// A citizen asked for a 帮办 (staff help) at the terminal. Never personal data: which
/// terminal, where, when, and on which screen.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct HelpCallRequest {
    /// Must be the signing terminal.
    pub terminal_id: String,
    /// The terminal's local id of the call; a retry repeats it.
    pub call_id: i64,
    /// When the citizen pressed the button, Unix ms.
    pub at_ms: i64,
    /// The screen the citizen was on (e.g. `materials`).
    pub screen: String,
    /// Where the terminal stands (the branch's name and spot), as configured.
    pub site: String,
}

/// The platform relayed the call to the branch (or did not).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HelpCallAck {
    pub relayed: bool,
    /// How the branch is reached: `sms`, `work_app`, …
    pub channel: String,
}

/// Answer of the signed `GET /api/v1/time`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimeAck {
    /// The platform's clock, Unix seconds.
    pub server_time: i64,
}

/// SHA-256 hex of the upper-cased ID number: the simulator's index of cases by applicant.
/// Never sent: an unsalted hash of an ID number is reversible (see `PROGRESS_QUERIES`).
pub fn id_hash(id_number: &str) -> String {
    use sha2::{Digest, Sha256};
    hex::encode(Sha256::digest(id_number.trim().to_ascii_uppercase().as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn old_heartbeat_parses_with_defaults() {
        let old = r#"{"terminal_id":"XX-0001","software_version":"0.1.0","queue_depth":2,
            "devices":{"idcard":{"state":"ok"},"printer":{"state":"absent"},"scanner":{"state":"ok"},"paper":"ok"}}"#;
        let hb: Heartbeat = serde_json::from_str(old).unwrap();
        assert_eq!(hb.queue_depth, 2);
        assert_eq!(hb.versions, Versions::default());
        assert!(hb.counts_today.is_empty() && hb.out_of_service.is_none() && hb.last_frame_ms.is_none());
        assert_eq!((hb.open_alerts, hb.pending_help_calls, hb.uptime_secs, hb.screen.as_str()), (0, 0, 0, ""));
    }

    #[test]
    fn commands_are_tagged_and_old_acks_parse() {
        let pause = TerminalCommand::Pause { reason: "设备维护".into() };
        assert_eq!(serde_json::to_value(&pause).unwrap(), serde_json::json!({"type": "pause", "reason": "设备维护"}));
        assert_eq!(serde_json::to_value(TerminalCommand::Resume).unwrap(), serde_json::json!({"type": "resume"}));
        let ack: HeartbeatAck = serde_json::from_str(r#"{"catalog_version":"1","server_time":5}"#).unwrap();
        assert_eq!(ack.command, None);
        let v = serde_json::to_value(&ack).unwrap();
        assert!(v.get("command").is_none(), "no command: no key");
        let ack: HeartbeatAck =
            serde_json::from_str(r#"{"catalog_version":"1","server_time":5,"command":{"type":"resume"}}"#).unwrap();
        assert_eq!(ack.command, Some(TerminalCommand::Resume));
    }

    #[test]
    fn e_id_codes_are_told_from_other_qr_codes() {
        assert_eq!(e_id_code_kind("EID1.AbCdEfGh12345678_-"), Some("e_id"));
        assert_eq!(e_id_code_kind(" ESSC1.0123456789abcdef\n"), Some("e_ssc"));
        assert_eq!(e_id_code_kind("https://zwfw.example.gov.cn/progress?no=XX-0001-1-7"), None);
        assert_eq!(e_id_code_kind("EID1.short"), None);
        assert_eq!(e_id_code_kind("EID1.0123456789abcdef!"), None);
    }

    #[test]
    fn an_old_applicant_is_identified_by_card() {
        let a: ApplicantDto = serde_json::from_str(
            r#"{"name":"x","id_type":"111","id_number":"1","sex":"2","birth_date":"1","address":"","phone":""}"#,
        )
        .unwrap();
        assert_eq!(a.identity_source, IdentitySource::Card);
        let v = serde_json::to_value(ApplicantDto { identity_source: IdentitySource::EIdQr, ..a }).unwrap();
        assert_eq!(v["identity_source"], "e_id_qr");
        assert!(v.get("pass_number").is_none(), "absent extras: no keys");
    }

    #[test]
    fn a_progress_query_never_shows_the_number_in_debug() {
        let q = ProgressQuery { id_type: "111".into(), id_number: "410702199003070046".into() };
        let shown = format!("{q:?}");
        assert!(!shown.contains("41070219900307"), "{shown}");
        let body = serde_json::to_value(&q).unwrap();
        assert_eq!(body, serde_json::json!({"id_type": "111", "id_number": "410702199003070046"}));
    }

    #[test]
    fn id_hash_is_sha256_of_the_upper_cased_number() {
        let h = "356470b385fd3e10393c879cc1d970f86fd997c9336d337d1638780eb78cdfb9";
        assert_eq!(super::id_hash("41070219900307004X"), h);
        assert_eq!(super::id_hash(" 41070219900307004x\n"), h);
    }
}

//! The one catalogue of audit event ids. Every row of the `audit` table names one of
//! these events, who did it ([`Actor`]) and how it ended ([`Outcome`]), with a short
//! detail that never holds a citizen's data unmasked.
//!
//! The ids are stable: they are what the database and `kiosk diag logs` hold. The older
//! events keep their snake_case ids (`host_alert`, `session_start`, …) so existing
//! databases read the same; the maintenance events are dotted (`maintenance.enter`).
//! A new event is added here, once, with its id, Chinese label, default actor and
//! default outcome; a test walks `src/` and fails on an audit kind that is not here.

use super::{Actor, SelfTestKind};
use serde::{Deserialize, Serialize};

/// How an audited action ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Done.
    Ok,
    /// Not allowed (wrong PIN, locked entry, a refused catalog, a session in progress).
    Refused,
    /// Tried and failed (a device, the disk, the network).
    Failed,
}

impl Outcome {
    pub const ALL: [Outcome; 3] = [Outcome::Ok, Outcome::Refused, Outcome::Failed];

    /// The stored name: "ok", "refused", "failed".
    pub fn name(self) -> &'static str {
        match self {
            Outcome::Ok => "ok",
            Outcome::Refused => "refused",
            Outcome::Failed => "failed",
        }
    }

    pub fn from_name(s: &str) -> Option<Outcome> {
        Outcome::ALL.into_iter().find(|o| o.name() == s)
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Outcome::Ok => "成功",
            Outcome::Refused => "拒绝",
            Outcome::Failed => "失败",
        }
    }
}

macro_rules! catalogue {
    ($( $(#[$doc:meta])* $var:ident = $id:literal, $actor:ident, $outcome:ident, $zh:literal; )*) => {
        /// An audit event; serialized as its id.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
        pub enum AuditEvent {
            $( $(#[$doc])* #[serde(rename = $id)] $var, )*
        }

        impl AuditEvent {
            /// Every event, in catalogue order.
            pub const ALL: &'static [AuditEvent] = &[$(AuditEvent::$var),*];

            /// The stable id stored in the `audit` table.
            pub fn id(self) -> &'static str {
                match self { $(AuditEvent::$var => $id,)* }
            }

            /// What it is, in Chinese, for the host's and technician's screens.
            pub fn label_zh(self) -> &'static str {
                match self { $(AuditEvent::$var => $zh,)* }
            }

            /// Who does it, when the caller does not say (`Store::audit`).
            pub fn default_actor(self) -> Actor {
                match self { $(AuditEvent::$var => Actor::$actor,)* }
            }

            /// How it usually ends, when the caller does not say (`Store::audit`).
            pub fn default_outcome(self) -> Outcome {
                match self { $(AuditEvent::$var => Outcome::$outcome,)* }
            }
        }
    };
}

catalogue! {
    // --- the kiosk itself -------------------------------------------------------------
    /// Something the branch host must see (device, storage, queue); detail "what: how".
    HostAlert = "host_alert", System, Ok, "主机告警";
    /// A device changed state (`printer: ok → fault (缺纸)`).
    DeviceState = "device_state", System, Ok, "设备状态变化";
    /// A new service catalog from the platform is in use.
    CatalogUpdated = "catalog_updated", System, Ok, "事项目录已更新";
    /// A catalog from the platform failed validation and was not used.
    CatalogRejected = "catalog_rejected", System, Refused, "事项目录未通过校验";
    // --- technician's command line ----------------------------------------------------
    /// `kiosk diag queue retry`: a held item queued again.
    QueueRetry = "queue_retry", Cli, Ok, "重新投递";
    /// `kiosk diag queue purge`: a held item's payload destroyed.
    QueuePurge = "queue_purge", Cli, Ok, "清除待投递件";
    /// `kiosk keys rotate`.
    KeysRotated = "keys_rotated", Cli, Ok, "更换数据密钥";
    /// A control-socket peer that is neither root nor the kiosk's user (detail: its uid).
    ControlRefused = "control.refused", System, Refused, "拒绝控制接口访问";
    /// `kiosk pin set` (or a technician on the screen): a role's PIN (re)set.
    PinSet = "pin.set", Cli, Ok, "设置维护密码";
    // --- the citizen's journey ----------------------------------------------------------
    /// A 一件事 bundle was started (detail: its id).
    SessionStart = "session_start", Citizen, Ok, "开始办事";
    /// The session ended (detail: why: done, cancel, inactivity …).
    SessionEnd = "session_end", Citizen, Ok, "结束办事";
    /// An ID card was read (detail: the number masked).
    CardRead = "card_read", Citizen, Ok, "读取身份证";
    /// A 电子身份证 / 电子社保卡 QR code was verified by the platform (then card_read follows).
    EIdVerified = "e_id_verified", Citizen, Ok, "电子证件二维码核验";
    /// The citizen left the 好差评 screen without rating.
    RatingSkipped = "rating_skipped", Citizen, Ok, "未评价";
    /// 一人一档: consent given or declined (detail: use / decline).
    ProfileConsent = "profile_consent", Citizen, Ok, "一人一档授权";
    /// 一人一档: the citizen deleted their profile.
    ProfileDelete = "profile_delete", Citizen, Ok, "删除一人一档";
    /// The citizen pressed 帮办 (detail: the screen they were on, nothing else).
    HelpCall = "help.call", Citizen, Ok, "群众呼叫帮办";
    // --- maintenance mode ---------------------------------------------------------------
    /// A host or technician entered maintenance mode (right PIN).
    MaintenanceEnter = "maintenance.enter", Host, Ok, "进入维护模式";
    /// Maintenance mode left (button or timeout).
    MaintenanceExit = "maintenance.exit", Host, Ok, "退出维护模式";
    /// A wrong PIN was entered for a role.
    PinWrong = "maintenance.pin_wrong", Host, Refused, "维护密码错误";
    /// Too many wrong PINs: the entry locked, or a try while it is locked.
    Locked = "maintenance.locked", System, Refused, "维护入口锁定";
    /// A host alert acknowledged.
    AlertAck = "alert.ack", Host, Ok, "确认告警";
    /// 已换纸: the host refilled the printer's paper.
    PaperRefilled = "paper.refilled", Host, Ok, "已换纸";
    /// The service paused (暂停服务), with a reason.
    ServicePause = "service.pause", Host, Ok, "暂停服务";
    /// The service resumed.
    ServiceResume = "service.resume", Host, Ok, "恢复服务";
    /// A 帮办 call answered by the host.
    HelpClear = "help.clear", Host, Ok, "帮办已处理";
    /// Self-test of the ID card reader.
    SelftestReader = "selftest.reader", Technician, Ok, "读卡器自检";
    /// Self-test of the printer (test page).
    SelftestPrinter = "selftest.printer", Technician, Ok, "打印机自检";
    /// Self-test of the document camera.
    SelftestScanner = "selftest.scanner", Technician, Ok, "高拍仪自检";
    /// Self-test of the network and the platform.
    SelftestNetwork = "selftest.network", Technician, Ok, "网络与平台自检";
    /// The logs exported (to USB or the socket).
    LogsExport = "logs.export", Technician, Ok, "导出日志";
}

impl AuditEvent {
    /// The event with this stored id.
    pub fn from_id(id: &str) -> Option<AuditEvent> {
        AuditEvent::ALL.iter().copied().find(|e| e.id() == id)
    }

    /// The event a self-test is audited as.
    pub fn selftest(kind: SelfTestKind) -> AuditEvent {
        match kind {
            SelfTestKind::Reader => AuditEvent::SelftestReader,
            SelfTestKind::Printer => AuditEvent::SelftestPrinter,
            SelfTestKind::Scanner => AuditEvent::SelftestScanner,
            SelfTestKind::Network => AuditEvent::SelftestNetwork,
        }
    }
}

impl std::fmt::Display for AuditEvent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.id())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;
    use std::path::Path;

    #[test]
    fn ids_are_unique_and_round_trip() {
        let mut seen = BTreeSet::new();
        for &e in AuditEvent::ALL {
            assert!(seen.insert(e.id()), "duplicate id {}", e.id());
            assert_eq!(AuditEvent::from_id(e.id()), Some(e));
            assert!(!e.label_zh().is_empty());
            assert_eq!(serde_json::to_value(e).unwrap(), serde_json::json!(e.id()));
            assert!(e.id().chars().all(|c| c.is_ascii_lowercase() || c == '_' || c == '.'), "{}", e.id());
        }
        assert_eq!(AuditEvent::from_id("no.such.event"), None);
        for o in Outcome::ALL {
            assert_eq!(Outcome::from_name(o.name()), Some(o));
            assert_eq!(serde_json::to_value(o).unwrap(), serde_json::json!(o.name()));
        }
        for k in SelfTestKind::ALL {
            assert_eq!(AuditEvent::selftest(k).id(), format!("selftest.{}", k.name()));
        }
        // The ids existing databases hold are kept.
        for old in ["host_alert", "device_state", "queue_retry", "queue_purge", "catalog_updated", "session_start"] {
            assert!(AuditEvent::from_id(old).is_some(), "{old}");
        }
    }

    /// The string literals passed as audit kinds in `src/`: the first argument of a
    /// call to `audit`, and the `kind` field of an `Effect::Audit` (whitespace and line
    /// breaks allowed between the parts).
    fn audit_kinds_in(text: &str) -> Vec<String> {
        // Built with concat! so that this file's own source does not match.
        const CALL: &str = concat!("audit", "(");
        const EFFECT: &str = concat!("Aud", "it");
        let literal_at = |rest: &str| -> Option<String> {
            let rest = rest.trim_start().strip_prefix('"')?;
            let end = rest.find('"')?;
            Some(rest[..end].to_string())
        };
        let mut out = Vec::new();
        for (i, _) in text.match_indices(CALL) {
            // `.audit(` or `audit(`, not `self.audit_event(` (CALL ends in the paren).
            let before = text[..i].chars().next_back();
            if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
                continue;
            }
            if let Some(k) = literal_at(&text[i + CALL.len()..]) {
                out.push(k);
            }
        }
        // `Effect::Audit {` and its kin (`AuditBy {`), then `kind:`.
        for (i, _) in text.match_indices(EFFECT) {
            let rest = text[i + EFFECT.len()..].trim_start_matches(|c: char| c.is_ascii_alphanumeric());
            let Some(rest) = rest.trim_start().strip_prefix('{') else { continue };
            if let Some(rest) = rest.trim_start().strip_prefix("kind:") {
                if let Some(k) = literal_at(rest) {
                    out.push(k);
                }
            }
        }
        out
    }

    fn walk(dir: &Path, files: &mut Vec<std::path::PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, files);
            } else if path.extension().is_some_and(|e| e == "rs") {
                files.push(path);
            }
        }
    }

    #[test]
    fn every_audit_kind_in_the_code_is_catalogued() {
        let mut files = Vec::new();
        walk(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"), &mut files);
        let mut found = BTreeSet::new();
        let mut missing = Vec::new();
        for f in &files {
            let text = std::fs::read_to_string(f).unwrap();
            for kind in audit_kinds_in(&text) {
                if AuditEvent::from_id(&kind).is_none() {
                    missing.push(format!("{}: {kind:?}", f.display()));
                }
                found.insert(kind);
            }
        }
        assert!(missing.is_empty(), "audit kinds not in src/ops/audit.rs: {missing:#?}");
        // The walk itself works: it finds the journey's kinds, and more.
        for k in ["session_start", "session_end", "card_read"] {
            assert!(found.contains(k), "{k} not found in src/ (found {found:?})");
        }
        assert!(found.len() >= 8, "only {found:?} found in src/");
    }

    #[test]
    fn the_kind_finder() {
        let src = "s.audit(\"a\", x); store\n .audit(\n  \"b\",\n ); self.audit_event(E); fx.push(Effect::Audit {\n kind: \"c\", detail });\n Effect::Audit { kind, detail } => audit(kind, &d); no_audit(\"z\")";
        let src =
            format!("{src} Effect::AuditBy {{ kind: \"d\", actor }}; AuditEvent::HostAlert; Audit {{ since_ms: 1 }}");
        assert_eq!(audit_kinds_in(&src), ["a", "b", "c", "d"]);
    }
}

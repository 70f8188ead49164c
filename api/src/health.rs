//! Device health: one typed value from the monitor's look at the drivers to the
//! heartbeat, `kiosk diag status` and the journey's start screens. Plain JSON on the
//! wire: `{"state": "fault", "reason": "缺纸"}`, `{"state": "ok"}`.

use serde::{Deserialize, Serialize};
use std::fmt;

/// One device's state.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum DeviceState {
    /// Not looked at yet (just started). Not held against the device.
    #[default]
    Unknown,
    Ok,
    /// Works, with a warning for the host (e.g. the paper is near its end).
    Degraded {
        reason: String,
    },
    /// Not connected or not found.
    Absent,
    /// Connected but not working.
    Fault {
        reason: String,
    },
}

impl DeviceState {
    /// Whether a citizen can use it: absent and faulty devices are not usable; a
    /// degraded one, or one not looked at yet, is.
    pub fn usable(&self) -> bool {
        !matches!(self, DeviceState::Absent | DeviceState::Fault { .. })
    }

    /// The state's wire name: unknown | ok | degraded | absent | fault.
    pub fn name(&self) -> &'static str {
        match self {
            DeviceState::Unknown => "unknown",
            DeviceState::Ok => "ok",
            DeviceState::Degraded { .. } => "degraded",
            DeviceState::Absent => "absent",
            DeviceState::Fault { .. } => "fault",
        }
    }
}

/// `ok`, `absent`, `fault (缺纸)`: as host alerts in the audit log show it.
impl fmt::Display for DeviceState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DeviceState::Degraded { reason } | DeviceState::Fault { reason } if !reason.is_empty() => {
                write!(f, "{} ({reason})", self.name())
            }
            _ => f.write_str(self.name()),
        }
    }
}

/// The receipt printer's paper.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PaperState {
    #[default]
    Unknown,
    Ok,
    NearEnd,
    Out,
}

impl PaperState {
    pub fn name(self) -> &'static str {
        match self {
            PaperState::Unknown => "unknown",
            PaperState::Ok => "ok",
            PaperState::NearEnd => "near_end",
            PaperState::Out => "out",
        }
    }
}

impl fmt::Display for PaperState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Every device of the terminal and the paper.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct DeviceHealth {
    pub idcard: DeviceState,
    pub printer: DeviceState,
    pub scanner: DeviceState,
    pub paper: PaperState,
}

impl DeviceHealth {
    /// (name, state) of each device, in a fixed order.
    pub fn devices(&self) -> [(&'static str, &DeviceState); 3] {
        [("idcard", &self.idcard), ("printer", &self.printer), ("scanner", &self.scanner)]
    }

    /// What changed between two looks, as host alerts ("printer: ok → fault (缺纸)",
    /// "paper: ok → out"). A first look that finds a device fine is no news.
    pub fn changes(&self, after: &DeviceHealth) -> Vec<String> {
        let mut out = Vec::new();
        for ((name, old), (_, new)) in self.devices().into_iter().zip(after.devices()) {
            if old != new && !(*old == DeviceState::Unknown && *new == DeviceState::Ok) {
                out.push(format!("{name}: {old} → {new}"));
            }
        }
        if self.paper != after.paper && (self.paper, after.paper) != (PaperState::Unknown, PaperState::Ok) {
            out.push(format!("paper: {} → {}", self.paper, after.paper));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_json_with_a_state_tag() {
        let h = DeviceHealth {
            idcard: DeviceState::Absent,
            printer: DeviceState::Fault { reason: "缺纸".into() },
            scanner: DeviceState::Ok,
            paper: PaperState::Out,
        };
        let v = serde_json::to_value(&h).unwrap();
        assert_eq!(
            v,
            serde_json::json!({
                "idcard": {"state": "absent"},
                "printer": {"state": "fault", "reason": "缺纸"},
                "scanner": {"state": "ok"},
                "paper": "out",
            })
        );
        assert_eq!(serde_json::from_value::<DeviceHealth>(v).unwrap(), h);
    }

    #[test]
    fn changes_name_device_and_both_states_but_not_first_looks() {
        let ok = DeviceHealth {
            idcard: DeviceState::Ok,
            printer: DeviceState::Ok,
            scanner: DeviceState::Ok,
            paper: PaperState::Ok,
        };
        assert!(DeviceHealth::default().changes(&ok).is_empty());
        let absent = DeviceHealth { idcard: DeviceState::Absent, ..ok.clone() };
        assert_eq!(DeviceHealth::default().changes(&absent), ["idcard: unknown → absent"]);
        let out = DeviceHealth {
            printer: DeviceState::Fault { reason: "缺纸".into() },
            paper: PaperState::Out,
            ..ok.clone()
        };
        assert_eq!(ok.changes(&out), ["printer: ok → fault (缺纸)", "paper: ok → out"]);
        assert!(out.changes(&out).is_empty());
        assert!(!DeviceState::Absent.usable() && DeviceState::Unknown.usable());
        assert!(DeviceState::Degraded { reason: String::new() }.usable());
    }
}

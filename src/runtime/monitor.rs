//! Idle-time device monitor and heartbeat. Every `heartbeat_secs`, while no session is
//! open, it asks each device whether it is alive (reader: SAM status 11 FF, never a card command; printer: DLE
//! EOT; camera: open), records changes in the audit log as host alerts, and sends the
//! platform a heartbeat with device states, paper and queue depth, so the host branch
//! and the platform's operations desk know before a citizen finds out.

use super::{Devices, EventTx};
use crate::intake::{Heartbeat, IntakeClient};
use crate::journey::{DeviceHealth, DeviceState, Event, PaperState};
use crate::store::Store;
use kiosk_api::wire::TerminalCommand;
use kiosk_hardware::{IdCardStatus, PrinterStatus, ScannerStatus};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, TryLockError};
use std::time::Duration;

/// A reader's answer as a device state (a reader without a card on it is fine).
pub fn idcard_state(s: &IdCardStatus) -> DeviceState {
    match s {
        IdCardStatus::Ready | IdCardStatus::NoCard => DeviceState::Ok,
        IdCardStatus::Disconnected => DeviceState::Absent,
        IdCardStatus::Fault(reason) => DeviceState::Fault { reason: reason.clone() },
    }
}

/// A printer's status answer as (device state, paper state).
pub fn printer_state(s: &Result<PrinterStatus, kiosk_hardware::PrinterError>) -> (DeviceState, PaperState) {
    let reason = |s: PrinterStatus| s.label_zh().to_string();
    match *s {
        Ok(PrinterStatus::Ready) => (DeviceState::Ok, PaperState::Ok),
        Ok(st @ PrinterStatus::PaperNearEnd) => (DeviceState::Degraded { reason: reason(st) }, PaperState::NearEnd),
        Ok(st @ PrinterStatus::PaperOut) => (DeviceState::Fault { reason: reason(st) }, PaperState::Out),
        Ok(PrinterStatus::Disconnected) | Err(_) => (DeviceState::Absent, PaperState::Unknown),
        Ok(st) => (DeviceState::Fault { reason: reason(st) }, PaperState::Unknown),
    }
}

/// A camera's answer as a device state.
pub fn scanner_state(s: &ScannerStatus) -> DeviceState {
    match s {
        ScannerStatus::Ready => DeviceState::Ok,
        ScannerStatus::Disconnected => DeviceState::Absent,
        ScannerStatus::Fault(reason) => DeviceState::Fault { reason: reason.clone() },
    }
}

/// Runs `f` on the device unless a citizen's session is using it right now.
fn idle<T: ?Sized, R>(m: &Mutex<Box<T>>, f: impl FnOnce(&mut Box<T>) -> R) -> Option<R> {
    match m.try_lock() {
        Ok(mut d) => Some(f(&mut d)),
        Err(TryLockError::Poisoned(p)) => Some(f(&mut p.into_inner())),
        Err(TryLockError::WouldBlock) => None,
    }
}

/// One look at every device; a device busy with a session keeps its last state.
pub fn probe(devices: &Devices, last: &DeviceHealth) -> DeviceHealth {
    let mut h = last.clone();
    if let Some(s) = idle(&devices.idcard, |r| r.check()) {
        h.idcard = idcard_state(&s);
    }
    if let Some((state, paper)) = idle(&devices.printer, |p| printer_state(&p.status())) {
        h.printer = state;
        h.paper = paper;
    }
    if let Some(s) = idle(&devices.scanner, |c| c.status()) {
        h.scanner = scanner_state(&s);
    }
    h
}

/// When and as whom the monitor looks.
pub struct Schedule {
    pub terminal: String,
    pub every: Duration,
    /// Told on every round, so the supervisor sees a hung monitor.
    pub beat: crate::supervise::Beat,
    /// What the heartbeat reports besides the devices.
    pub facts: HeartbeatFacts,
}

/// The live facts the heartbeat carries: uptime, the screen shown, the last frame,
/// versions; and where today's counters are kept.
#[derive(Clone)]
pub struct HeartbeatFacts {
    pub ops: Arc<crate::ops::Ops>,
    pub catalog: Arc<crate::catalog::CatalogCell>,
    pub config_sha256: String,
    pub tz: chrono_tz::Tz,
}

impl HeartbeatFacts {
    /// A heartbeat as of now: devices, queue, versions, today's counts, service state,
    /// alerts, help calls, the screen shown and the last frame.
    pub fn heartbeat(&self, terminal: &str, devices: &DeviceHealth, store: &Store) -> Heartbeat {
        use kiosk_api::wire::{OutOfServiceDto, Versions};
        let stats = store.queue_stats().ok();
        let today = crate::clock::now(self.tz).format("%Y-%m-%d").to_string();
        let counts_today = store
            .daily_counts(&today, &today)
            .ok()
            .and_then(|d| d.into_iter().next())
            .map(|d| d.counts)
            .unwrap_or_default();
        Heartbeat {
            terminal_id: terminal.to_string(),
            software_version: env!("CARGO_PKG_VERSION").into(),
            devices: devices.clone(),
            queue_depth: stats.as_ref().map_or(0, |s| s.queued as u32),
            needs_attention: stats.as_ref().map_or(0, |s| s.needs_attention as u32),
            oldest_queued_secs: stats
                .and_then(|s| s.oldest_queued_ms)
                .map_or(0, |t| ((crate::store::now_ms() - t).max(0) / 1000) as u64),
            versions: Versions {
                software: env!("CARGO_PKG_VERSION").into(),
                commit: env!("KIOSK_GIT_COMMIT").into(),
                catalog_version: self.catalog.current().version.clone(),
                config_sha256: self.config_sha256.clone(),
                schema_version: store.schema_version().unwrap_or(0) as u32,
            },
            counts_today,
            out_of_service: super::ops::saved_service(store).map(|o| OutOfServiceDto {
                reason: o.reason,
                by: o.by.name().into(),
                since_ms: o.since_ms,
            }),
            open_alerts: store.open_alerts().map_or(0, |a| a.len() as u32),
            pending_help_calls: store.open_help_calls().map_or(0, |c| c.len() as u32),
            uptime_secs: self.ops.uptime_secs(),
            screen: self.ops.screen().into(),
            last_frame_ms: self.ops.last_frame_ms(),
        }
    }
}

/// A device change in the host's words, for the alert list.
fn alert_text(change: &str) -> String {
    let named = change
        .replace("idcard", "身份证读卡器")
        .replace("printer", "打印机")
        .replace("scanner", "高拍仪")
        .replace("paper", "打印纸");
    format!("设备状态变化：{named}")
}

/// Checks the devices every `every` and heartbeats the platform; tells the journey
/// (`tx`) when what is usable changes.
pub async fn run(
    devices: Devices,
    store: Arc<Store>,
    client: IntakeClient,
    schedule: Schedule,
    tx: EventTx,
    in_session: Arc<AtomicBool>,
) {
    let Schedule { terminal, every, beat, facts } = schedule;
    let mut iv = tokio::time::interval(every);
    iv.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let mut last = DeviceHealth::default();
    loop {
        iv.tick().await;
        beat.beat();
        // A citizen is using the kiosk: devices are left to the journey (a reader
        // reconnect now could make the card on it read twice); the last look stands.
        let now = if in_session.load(Ordering::Relaxed) {
            last.clone()
        } else {
            let (d, prev) = (devices.clone(), last.clone());
            let Ok(now) = tokio::task::spawn_blocking(move || probe(&d, &prev)).await else { continue };
            now
        };
        let changes = last.changes(&now);
        let paper = (matches!(now.paper, PaperState::NearEnd | PaperState::Out) && now.paper != last.paper)
            .then_some(now.paper == PaperState::Out);
        if !changes.is_empty() || paper.is_some() {
            // Audit and alerts on the blocking pool: a slow disk never holds this loop.
            let store = store.clone();
            let _ = tokio::task::spawn_blocking(move || {
                for change in changes {
                    tracing::warn!(alert = "device_state", %change, "device state changed");
                    let _ = store.audit("device_state", &change);
                    // A device that went wrong is for the host; a recovery only in the audit.
                    if !change.starts_with("paper") && !change.ends_with("→ ok") {
                        let _ = store.raise_alert("device_state", &alert_text(&change));
                    }
                }
                if let Some(out) = paper {
                    let msg =
                        if out { "打印纸已用完，请换纸" } else { "打印纸将用完，请尽快换纸" };
                    let _ = store.raise_alert(super::ops::PAPER_ALERT, msg);
                }
            })
            .await;
        }
        if now != last {
            let _ = tx.send(Event::DevicesChecked(now.clone()));
        }
        last = now;
        let hb = {
            let (facts, store, terminal, last) = (facts.clone(), store.clone(), terminal.clone(), last.clone());
            match tokio::task::spawn_blocking(move || facts.heartbeat(&terminal, &last, &store)).await {
                Ok(hb) => hb,
                Err(_) => continue,
            }
        };
        match client.heartbeat(&hb).await {
            // The operations desk pauses or resumes the terminal through the answer; the
            // journey applies it once no citizen is in a session.
            Ok(ack) => match ack.command {
                Some(TerminalCommand::Pause { reason }) => {
                    let by = crate::ops::Actor::Platform;
                    let oos = crate::ops::OutOfService { reason, by, since_ms: crate::store::now_ms() };
                    let _ = tx.send(Event::SetService { state: Some(oos), by });
                }
                Some(TerminalCommand::Resume) => {
                    let _ = tx.send(Event::SetService { state: None, by: crate::ops::Actor::Platform });
                }
                None => {}
            },
            Err(e) => tracing::debug!(error = %e, "heartbeat not delivered"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn near_end_paper_still_prints_an_absent_reader_is_named() {
        let (printer, paper) = printer_state(&Ok(PrinterStatus::PaperNearEnd));
        let h = DeviceHealth {
            idcard: idcard_state(&IdCardStatus::Disconnected),
            printer,
            paper,
            ..DeviceHealth::default()
        };
        assert_eq!(h.paper, PaperState::NearEnd);
        assert!(h.printer.usable() && !h.idcard.usable() && h.scanner.usable());
        let banner = crate::journey::device_banner(&h);
        assert!(banner.contains("读卡器") && !banner.contains("打印机"), "{banner}");
        assert_eq!(crate::journey::device_banner(&DeviceHealth::default()), "");
    }

    #[test]
    fn printer_answers_map_to_states() {
        assert_eq!(
            printer_state(&Ok(PrinterStatus::PaperNearEnd)),
            (DeviceState::Degraded { reason: "纸将用完".into() }, PaperState::NearEnd)
        );
        assert_eq!(
            printer_state(&Ok(PrinterStatus::CoverOpen)),
            (DeviceState::Fault { reason: "纸仓盖未关".into() }, PaperState::Unknown)
        );
        assert_eq!(printer_state(&Ok(PrinterStatus::Disconnected)).0, DeviceState::Absent);
        assert_eq!(scanner_state(&ScannerStatus::Fault("no frames".into())).to_string(), "fault (no frames)");
    }
}

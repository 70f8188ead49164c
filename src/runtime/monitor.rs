//! Idle-time device monitor and heartbeat. Every `heartbeat_secs`, while no session is
//! open, it asks each device whether it is alive (reader: SAM status 11 FF, never a card command; printer: DLE
//! EOT; camera: open), records changes in the audit log as host alerts, and sends the
//! platform a heartbeat with device states, paper and queue depth, so the host branch
//! and the platform's operations desk know before a citizen finds out.

use super::{Devices, EventTx};
use crate::intake::{Heartbeat, IntakeClient};
use crate::journey::{DeviceHealth, Event};
use crate::store::Store;
use kiosk_hardware::{IdCardStatus, PrinterStatus, ScannerStatus};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, TryLockError};
use std::time::Duration;

/// Device name → ok | degraded | fault | offline, plus the paper: ok | near_end | out.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Health {
    pub devices: BTreeMap<String, String>,
    pub paper: String,
}

fn idcard_state(s: &IdCardStatus) -> &'static str {
    match s {
        IdCardStatus::Ready | IdCardStatus::NoCard => "ok",
        IdCardStatus::Disconnected => "offline",
        IdCardStatus::Fault(_) => "fault",
    }
}

/// (device state, paper state) of a printer status answer.
fn printer_state(s: Result<PrinterStatus, kiosk_hardware::PrinterError>) -> (&'static str, &'static str) {
    match s {
        Ok(PrinterStatus::Ready) => ("ok", "ok"),
        Ok(PrinterStatus::PaperNearEnd) => ("degraded", "near_end"),
        Ok(PrinterStatus::PaperOut) => ("fault", "out"),
        Ok(PrinterStatus::Disconnected) | Err(_) => ("offline", "unknown"),
        Ok(_) => ("fault", "unknown"),
    }
}

fn scanner_state(s: &ScannerStatus) -> &'static str {
    match s {
        ScannerStatus::Ready => "ok",
        ScannerStatus::Disconnected => "offline",
        ScannerStatus::Fault(_) => "fault",
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
pub fn probe(devices: &Devices, last: &Health) -> Health {
    let mut h = last.clone();
    if let Some(s) = idle(&devices.idcard, |r| r.check()) {
        h.devices.insert("idcard".into(), idcard_state(&s).into());
    }
    if let Some((state, paper)) = idle(&devices.printer, |p| printer_state(p.status())) {
        h.devices.insert("printer".into(), state.into());
        h.paper = paper.into();
    }
    if let Some(s) = idle(&devices.scanner, |c| c.status()) {
        h.devices.insert("scanner".into(), scanner_state(&s).into());
    }
    h
}

/// What changed between two looks, as audit details ("printer: ok → fault").
pub fn changes(before: &Health, after: &Health) -> Vec<String> {
    let mut out = Vec::new();
    for (name, state) in &after.devices {
        let old = before.devices.get(name).map_or("unknown", String::as_str);
        if old != state {
            out.push(format!("{name}: {old} → {state}"));
        }
    }
    if before.paper != after.paper && !before.paper.is_empty() {
        out.push(format!("paper: {} → {}", before.paper, after.paper));
    }
    out
}

impl Health {
    /// Usable for a citizen: a printer near the end of its paper still prints.
    pub fn usable(&self) -> DeviceHealth {
        let is = |name: &str, ok: &[&str]| self.devices.get(name).is_none_or(|s| ok.contains(&s.as_str()));
        DeviceHealth {
            reader: is("idcard", &["ok"]),
            printer: is("printer", &["ok", "degraded"]),
            scanner: is("scanner", &["ok"]),
        }
    }
}

/// When and as whom the monitor looks.
pub struct Schedule {
    pub terminal: String,
    pub every: Duration,
    /// Told on every round, so the supervisor sees a hung monitor.
    pub beat: crate::supervise::Beat,
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
    let Schedule { terminal, every, beat } = schedule;
    let mut iv = tokio::time::interval(every);
    iv.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let mut last = Health::default();
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
        for change in changes(&last, &now) {
            // A first look that finds everything fine is not news.
            if last.devices.is_empty() && change.ends_with("→ ok") {
                continue;
            }
            tracing::warn!(alert = "device_state", %change, "device state changed");
            let _ = store.audit("device_state", &change);
        }
        if now.usable() != last.usable() {
            let _ = tx.send(Event::DevicesChecked(now.usable()));
        }
        last = now;
        let stats = store.queue_stats().ok();
        let hb = Heartbeat {
            terminal_id: terminal.clone(),
            software_version: env!("CARGO_PKG_VERSION").into(),
            devices: last.devices.clone(),
            paper: if last.paper.is_empty() { "unknown".into() } else { last.paper.clone() },
            queue_depth: stats.as_ref().map_or(0, |s| s.queued as u32),
            oldest_queued_secs: stats
                .and_then(|s| s.oldest_queued_ms)
                .map_or(0, |t| ((crate::store::now_ms() - t).max(0) / 1000) as u64),
        };
        if let Err(e) = client.heartbeat(&hb).await {
            tracing::debug!(error = %e, "heartbeat not delivered");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn health(pairs: &[(&str, &str)], paper: &str) -> Health {
        Health { devices: pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(), paper: paper.into() }
    }

    #[test]
    fn changes_name_device_and_both_states() {
        let a = health(&[("printer", "ok"), ("idcard", "ok")], "ok");
        let b = health(&[("printer", "fault"), ("idcard", "ok")], "out");
        assert_eq!(changes(&a, &b), ["printer: ok → fault", "paper: ok → out"]);
        assert!(changes(&b, &b).is_empty());
    }

    #[test]
    fn near_end_paper_still_prints_an_unknown_device_is_not_blamed() {
        let h = health(&[("printer", "degraded"), ("idcard", "offline")], "near_end");
        assert_eq!(h.usable(), DeviceHealth { reader: false, printer: true, scanner: true });
        assert!(h.usable().banner().contains("读卡器"));
        assert_eq!(Health::default().usable().banner(), "");
    }

    #[test]
    fn printer_answers_map_to_states() {
        assert_eq!(printer_state(Ok(PrinterStatus::PaperNearEnd)), ("degraded", "near_end"));
        assert_eq!(printer_state(Ok(PrinterStatus::CoverOpen)), ("fault", "unknown"));
        assert_eq!(printer_state(Ok(PrinterStatus::Disconnected)).0, "offline");
    }
}

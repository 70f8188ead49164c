//! Opens the devices a config names. "emulated" starts the protocol emulators
//! in-process (the ID-card reader on a pty pair), so demo mode and the end-to-end tests
//! run the same driver code a terminal runs.

use crate::config::Config;
use crate::runtime::Devices;
use kiosk_hardware::idcard::{CardSpec, Emulator, EmulatorConfig, SamConfig, SamReader};
use kiosk_hardware::printer::{EscPosPrinter, PrinterProfile, PtyPrinter, TransportConfig};
use kiosk_hardware::scanner::Scanner;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

#[derive(Debug, thiserror::Error)]
pub enum DeviceError {
    #[error("device {0}: {1}")]
    Open(&'static str, String),
}

/// The emulators behind "emulated" devices; dropping it stops them.
#[derive(Default)]
pub struct DemoRig {
    pub idcard: Option<Arc<Emulator>>,
    pub printer: Option<PtyPrinter>,
    hand_stop: Arc<AtomicBool>,
}

impl Drop for DemoRig {
    fn drop(&mut self) {
        self.hand_stop.store(true, Ordering::SeqCst);
    }
}

pub fn open(cfg: &Config) -> Result<(Devices, DemoRig), DeviceError> {
    let mut rig = DemoRig::default();
    let d = &cfg.devices;
    let idcard: Box<dyn kiosk_hardware::IdCardReader> = if d.idcard.port == "emulated" {
        let emu = Arc::new(
            Emulator::start(EmulatorConfig::default()).map_err(|e| DeviceError::Open("idcard", e.to_string()))?,
        );
        demo_hand(emu.clone(), rig.hand_stop.clone());
        let reader = emu.reader();
        rig.idcard = Some(emu);
        Box::new(reader)
    } else {
        Box::new(SamReader::new(SamConfig::new(&d.idcard.port, d.idcard.baud)))
    };
    let profile =
        d.printer.profile.as_deref().and_then(PrinterProfile::by_id).unwrap_or_else(|| PrinterProfile::generic(80));
    let spec = match d.printer.port.as_str() {
        "emulated" => {
            let vp =
                PtyPrinter::spawn(profile.dots, None, None).map_err(|e| DeviceError::Open("printer", e.to_string()))?;
            let spec = vp.spec();
            rig.printer = Some(vp);
            spec
        }
        p if p.starts_with("tcp:") => p.to_string(),
        p if p.starts_with("/dev/usb/lp") => format!("usb:{p}"),
        p => format!("serial:{p}@{}", d.printer.baud),
    };
    let transport =
        TransportConfig::parse(&spec).ok_or_else(|| DeviceError::Open("printer", format!("bad port `{spec}`")))?;
    let printer = EscPosPrinter::open(&transport, profile).map_err(|e| DeviceError::Open("printer", e.to_string()))?;
    if d.scanner.port != "emulated" {
        return Err(DeviceError::Open("scanner", format!("no UVC driver for {} in this build yet", d.scanner.port)));
    }
    Ok((Devices::new(idcard, Box::new(printer), Box::new(Scanner::emulated())), rig))
}

/// Plays the citizen's hand in demo mode: once the reader has been polling for a
/// moment, it lays the demo card on the emulated reader.
fn demo_hand(emu: Arc<Emulator>, stop: Arc<AtomicBool>) {
    const FIND: (u8, u8) = (0x20, 0x01);
    let spec = CardSpec::from_card(&kiosk_hardware::idcard::demo_card());
    let _ = std::thread::Builder::new().name("demo-hand".into()).spawn(move || {
        let mut seen = 0;
        let mut polling_since: Option<Instant> = None;
        let mut last_poll = Instant::now();
        let mut placed = false;
        while !stop.load(Ordering::SeqCst) {
            std::thread::sleep(Duration::from_millis(100));
            let finds = emu.command_log().iter().filter(|c| **c == FIND).count();
            if finds > seen {
                seen = finds;
                last_poll = Instant::now();
                polling_since.get_or_insert(last_poll);
            } else if last_poll.elapsed() > Duration::from_secs(1) {
                // The reader went quiet: the next session gets a fresh card.
                polling_since = None;
                placed = false;
            }
            if !placed && polling_since.is_some_and(|t| t.elapsed() > Duration::from_millis(1500)) {
                placed = emu.enqueue(spec.clone()).is_ok();
            }
        }
    });
}

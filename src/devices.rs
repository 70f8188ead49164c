//! Opens the devices a config names. A device that is missing or faulty at boot is
//! degraded, never fatal: the kiosk starts, the monitor raises a host alert, the start
//! screens say what will not work, and the device is opened again once it is back.
//!
//! In demo mode "emulated" starts the protocol emulators in-process (the ID-card reader
//! on a pty pair), so the demo and the end-to-end tests run the driver code a terminal
//! runs. The production build has no emulators.

use crate::config::Config;
use crate::runtime::Devices;
use kiosk_hardware::idcard::{SamConfig, SamReader};
use kiosk_hardware::printer::{Document, EscPosPrinter, PrinterProfile, TransportConfig};
use kiosk_hardware::scanner::Scanner;
use kiosk_hardware::{PrinterError, PrinterStatus, ReceiptPrinter};

#[derive(Debug, thiserror::Error)]
pub enum DeviceError {
    #[error("device {0}: {1}")]
    Open(&'static str, String),
}

#[cfg(feature = "demo")]
pub use demo::DemoRig;

/// Nothing to keep alive without emulators.
#[cfg(not(feature = "demo"))]
#[derive(Default)]
pub struct DemoRig {
    _none: (),
}

pub fn open(cfg: &Config) -> Result<(Devices, DemoRig), DeviceError> {
    #[allow(unused_mut)]
    let mut rig = DemoRig::default();
    let d = &cfg.devices;
    let idcard: Box<dyn kiosk_hardware::IdCardReader> = match d.idcard.port.as_str() {
        #[cfg(feature = "demo")]
        "emulated" => Box::new(rig.idcard()?),
        // The driver opens the port on first use and again after an unplug.
        port => Box::new(SamReader::new(SamConfig::new(port, d.idcard.baud))),
    };
    let profile =
        d.printer.profile.as_deref().and_then(PrinterProfile::by_id).unwrap_or_else(|| PrinterProfile::generic(80));
    let spec = match d.printer.port.as_str() {
        #[cfg(feature = "demo")]
        "emulated" => rig.printer(profile.dots)?,
        p if p.starts_with("tcp:") => p.to_string(),
        // A udev name (/dev/kiosk-printer) links to the real node, which tells the class.
        p if std::fs::canonicalize(p).unwrap_or_else(|_| p.into()).starts_with("/dev/usb") => format!("usb:{p}"),
        p => format!("serial:{p}@{}", d.printer.baud),
    };
    let transport =
        TransportConfig::parse(&spec).ok_or_else(|| DeviceError::Open("printer", format!("bad port `{spec}`")))?;
    let printer = LatePrinter::open(transport, profile);
    let scanner: Box<dyn kiosk_hardware::DocumentScanner> = match d.scanner.port.as_str() {
        #[cfg(feature = "demo")]
        "emulated" => Box::new(rig.scanner()),
        // Opened on first use; absent, it reports NotFound and the kiosk runs without it.
        path => Box::new(Scanner::uvc(path)),
    };
    Ok((Devices::new(idcard, Box::new(printer), scanner), rig))
}

/// A printer opened when it can be: absent at boot (unplugged, powered off), every
/// call tries again, so plugging it in brings it back without a restart.
pub struct LatePrinter {
    transport: TransportConfig,
    profile: PrinterProfile,
    inner: Option<EscPosPrinter>,
}

impl LatePrinter {
    pub fn open(transport: TransportConfig, profile: PrinterProfile) -> Self {
        let mut p = LatePrinter { transport, profile, inner: None };
        if p.connect().is_none() {
            tracing::warn!(transport = ?p.transport, "printer absent at start; running without it");
        }
        p
    }

    fn connect(&mut self) -> Option<&mut EscPosPrinter> {
        if self.inner.is_none() {
            match EscPosPrinter::open(&self.transport, self.profile.clone()) {
                Ok(p) => self.inner = Some(p),
                Err(e) => tracing::debug!(error = %e, "printer still absent"),
            }
        }
        self.inner.as_mut()
    }
}

impl ReceiptPrinter for LatePrinter {
    fn printer_profile(&self) -> Option<PrinterProfile> {
        Some(self.profile.clone())
    }

    fn status(&mut self) -> Result<PrinterStatus, PrinterError> {
        match self.connect() {
            Some(p) => p.status(),
            None => Ok(PrinterStatus::Disconnected),
        }
    }

    fn print(&mut self, doc: &Document) -> Result<(), PrinterError> {
        match self.connect() {
            Some(p) => p.print(doc),
            None => Err(PrinterError::NotReady(PrinterStatus::Disconnected)),
        }
    }
}

#[cfg(feature = "demo")]
mod demo {
    use super::DeviceError;
    use kiosk_hardware::idcard::{CardSpec, Emulator, EmulatorConfig};
    use kiosk_hardware::printer::PtyPrinter;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Arc;
    use std::time::{Duration, Instant};

    /// The emulators behind "emulated" devices; dropping it stops them.
    #[derive(Default)]
    pub struct DemoRig {
        pub idcard: Option<Arc<Emulator>>,
        pub printer: Option<PtyPrinter>,
        /// The emulated 高拍仪's cable and hand: hold a frame (a QR on a phone) under it.
        pub camera: Option<kiosk_hardware::scanner::emulator::CameraLink>,
        hand_stop: Arc<AtomicBool>,
    }

    impl Drop for DemoRig {
        fn drop(&mut self) {
            self.hand_stop.store(true, Ordering::SeqCst);
        }
    }

    impl DemoRig {
        /// The SAM reader emulator on a pty, with the demo hand laying the card on it.
        pub(super) fn idcard(&mut self) -> Result<kiosk_hardware::idcard::SamReader, DeviceError> {
            let emu = Arc::new(
                Emulator::start(EmulatorConfig::default()).map_err(|e| DeviceError::Open("idcard", e.to_string()))?,
            );
            demo_hand(emu.clone(), self.hand_stop.clone());
            let reader = emu.reader();
            self.idcard = Some(emu);
            Ok(reader)
        }

        /// The emulated 高拍仪 (one good A4 page), its link kept for tests and the demo.
        pub(super) fn scanner(
            &mut self,
        ) -> kiosk_hardware::scanner::Scanner<kiosk_hardware::scanner::emulator::EmulatedCamera> {
            let mut s = kiosk_hardware::scanner::Scanner::emulated();
            self.camera = Some(s.camera_mut().link());
            s
        }

        /// The virtual ESC/POS printer on a pty; returns its transport spec.
        pub(super) fn printer(&mut self, dots: u32) -> Result<String, DeviceError> {
            let vp = PtyPrinter::spawn(dots, None, None).map_err(|e| DeviceError::Open("printer", e.to_string()))?;
            let spec = vp.spec();
            self.printer = Some(vp);
            Ok(spec)
        }
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
}

//! Printer status through the real bytes (driver ↔ pty ↔ virtual printer): every
//! status bit, cover open, and paper running out in the middle of a job.

use kiosk_hardware::printer::{
    DeviceState, Document, EscPosPrinter, PrinterError, PrinterProfile, PrinterStatus, PtyPrinter, ReceiptPrinter,
    TransportConfig,
};
use std::time::Duration;

fn setup(profile: &str, dots: u32) -> (PtyPrinter, EscPosPrinter) {
    let vp = PtyPrinter::spawn(dots, None, None).unwrap();
    let cfg = TransportConfig::parse(&vp.spec()).unwrap();
    let p = EscPosPrinter::open(&cfg, PrinterProfile::by_id(profile).unwrap()).unwrap();
    (vp, p)
}

#[test]
fn every_status_bit_over_the_wire() {
    let (vp, mut p) = setup("generic-80", 576);
    assert_eq!(p.status().unwrap(), PrinterStatus::Ready);
    type Set = fn(&mut DeviceState);
    let cases: [(Set, PrinterStatus, &str); 7] = [
        (|s| s.offline = true, PrinterStatus::Offline, "offline"),
        (|s| s.cover_open = true, PrinterStatus::CoverOpen, "cover_open"),
        (|s| s.paper_out = true, PrinterStatus::PaperOut, "paper_end"),
        (|s| s.paper_near_end = true, PrinterStatus::PaperNearEnd, "paper_near_end"),
        (|s| s.cutter_error = true, PrinterStatus::CutterError, "cutter_error"),
        (|s| s.unrecoverable = true, PrinterStatus::Unrecoverable, "unrecoverable"),
        (|s| s.auto_recoverable = true, PrinterStatus::Offline, "auto_recoverable"),
    ];
    for (set, want, name) in cases {
        vp.handle.set_state(|s| *s = DeviceState::default());
        vp.handle.set_state(set);
        assert_eq!(p.status().unwrap(), want, "{name}");
        let bits = p.status_bits().unwrap().unwrap();
        assert_eq!(bits, vp.handle.state().bits(), "{name}: all bits read back");
    }
}

#[test]
fn cover_open_refuses_the_job_and_prints_nothing() {
    let (vp, mut p) = setup("generic-80", 576);
    vp.handle.set_state(|s| s.cover_open = true);
    let doc = Document::new().text("收件回执");
    assert!(matches!(p.print(&doc), Err(PrinterError::NotReady(PrinterStatus::CoverOpen))));
    vp.handle.set_state(|s| s.cover_open = false);
    p.print(&doc).unwrap();
    let r = vp.handle.wait_receipts(1, Duration::from_secs(30));
    assert_eq!(r.len(), 1);
    assert_eq!(r[0].text, "收件回执\n");
}

#[test]
fn paper_out_mid_job_is_a_failed_job() {
    let (vp, mut p) = setup("snbc-bk-t680", 576);
    // About ten lines of paper left.
    vp.handle.set_state(|s| s.paper_left = Some(300));
    let mut doc = Document::new().title("收件回执");
    for i in 0..40 {
        doc = doc.text(&format!("第{i}行 材料清单"));
    }
    let err = p.print(&doc.cut()).unwrap_err();
    assert!(matches!(err, PrinterError::JobFailed(PrinterStatus::PaperOut)), "{err:?}");
    let r = vp.handle.receipts();
    assert_eq!(r.len(), 1);
    assert!(!r[0].complete, "the printed part was not cut");
    assert!(r[0].text.starts_with("收件回执\n第0行"));
    // A new roll: the next job goes through.
    vp.handle.set_state(|s| *s = DeviceState::default());
    assert_eq!(p.status().unwrap(), PrinterStatus::Ready);
    p.print(&Document::new().text("重新打印")).unwrap();
    let r = vp.handle.wait_receipts(2, Duration::from_secs(30));
    assert_eq!(r[1].text, "重新打印\n");
}

#[test]
fn near_end_still_prints() {
    let (vp, mut p) = setup("generic-80", 576);
    vp.handle.set_state(|s| s.paper_near_end = true);
    p.print(&Document::new().text("ok")).unwrap();
    assert!(p.last_bits().unwrap().paper_near_end);
    assert_eq!(vp.handle.wait_receipts(1, Duration::from_secs(30)).len(), 1);
}

#[test]
fn unplugged_printer_is_disconnected() {
    let (vp, mut p) = setup("generic-80", 576);
    drop(vp);
    assert_eq!(p.status().unwrap(), PrinterStatus::Disconnected);
}

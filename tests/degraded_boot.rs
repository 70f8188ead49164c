//! A production terminal whose devices are absent at boot starts degraded: every device
//! reports itself unavailable through its real driver, nothing panics, and the
//! monitor's finding marks the bundles that need them.

use kiosk::config::Config;
use kiosk_hardware::{PrinterStatus, ScannerStatus};

#[test]
fn absent_devices_are_degraded_not_fatal() {
    let dir = tempfile::tempdir().unwrap();
    let text = format!(
        "[terminal]\nid = \"XX-0001\"\ncentre = \"c\"\nbranch = \"b\"\nhelp_phone = \"1\"\ndata_dir = \"{}\"\n\n\
         [intake]\nendpoint = \"https://intake.example.gov.cn/api\"\n\n\
         [devices.idcard]\nport = \"/dev/kiosk-idcard-absent\"\n\n\
         [devices.printer]\nport = \"/dev/kiosk-printer-absent\"\n\n\
         [devices.scanner]\nport = \"/dev/kiosk-camera-absent\"\n",
        dir.path().display()
    );
    let cfg = Config::parse(&text, "k.toml").unwrap();
    assert!(!cfg.is_demo());
    let (devices, _rig) = kiosk::devices::open(&cfg).expect("absent devices do not stop start-up");
    assert_eq!(devices.printer.lock().unwrap().status().unwrap(), PrinterStatus::Disconnected);
    assert!(devices.printer.lock().unwrap().print(&Default::default()).is_err());
    assert_eq!(devices.scanner.lock().unwrap().status(), ScannerStatus::Disconnected);
    let mut reader = devices.idcard.lock().unwrap();
    assert!(reader.poll().is_err(), "no card can be read from an absent reader");
}

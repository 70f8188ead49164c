//! The idle-time device monitor: with nobody at the kiosk it checks the reader (SAM
//! status only, never a card command), the printer and the camera through their real
//! protocols, records changes as host alerts and heartbeats the platform.

mod common;

use kiosk::intake::Heartbeat;
use kiosk::journey::{DeviceState, PaperState};
use std::sync::{Arc, Mutex};
use std::time::Duration;

fn last_heartbeat(k: &kiosk::app::Kiosk, want: impl Fn(&Heartbeat) -> bool) -> Heartbeat {
    let sim = k.sim.as_ref().unwrap().sim.clone();
    common::eventually(Duration::from_secs(20), || sim.heartbeats().into_iter().find(|h| want(h)))
}

#[test]
fn idle_kiosk_reports_device_changes_to_host_and_platform() {
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = kiosk::config::Config::demo();
    cfg.terminal.data_dir = dir.path().join("data");
    cfg.terminal.heartbeat_secs = 1;
    let (devices, rig) = kiosk::devices::open(&cfg).unwrap();
    let reader = rig.idcard.clone().unwrap();
    let printer = rig.printer.as_ref().unwrap().handle.clone();
    let shown = Arc::new(Mutex::new(String::new()));
    let screen = Arc::new(Mutex::new(None));
    let (sink, sink_screen) = (shown.clone(), screen.clone());
    let k = kiosk::app::Kiosk::start(
        &cfg,
        devices,
        Arc::new(move |snap: kiosk::runtime::Snapshot| {
            *sink_screen.lock().unwrap() = Some(snap.state.screen);
            *sink.lock().unwrap() = kiosk::ui::view::build(&snap.state, &snap.catalog, "").notice;
        }),
    )
    .unwrap();
    let notice_contains =
        |text: &str| common::eventually(Duration::from_secs(20), || shown.lock().unwrap().contains(text).then_some(()));

    // All well: the platform hears so, with the queue depth.
    let hb = last_heartbeat(&k, |h| h.devices.devices().iter().all(|(_, s)| **s == DeviceState::Ok));
    assert_eq!((hb.terminal_id.as_str(), hb.devices.paper, hb.queue_depth), ("XX-0001", PaperState::Ok, 0));

    // Paper runs out while nobody is there.
    printer.set_state(|s| s.paper_out = true);
    let hb = last_heartbeat(&k, |h| h.devices.paper == PaperState::Out);
    assert_eq!(hb.devices.printer, DeviceState::Fault { reason: "缺纸".into() });
    // The attract screen tells the next citizen before they start.
    notice_contains("打印机暂不可用");
    // The reader is unplugged.
    reader.unplug();
    let hb = last_heartbeat(&k, |h| h.devices.idcard == DeviceState::Absent);
    assert_eq!(hb.devices.scanner, DeviceState::Ok);
    notice_contains("读卡器暂不可用");
    // Plugged back and paper refilled: reported back to ok.
    reader.replug().unwrap();
    printer.set_state(|s| s.paper_out = false);
    last_heartbeat(&k, |h| {
        h.devices.devices().iter().all(|(_, s)| **s == DeviceState::Ok) && h.devices.paper == PaperState::Ok
    });
    common::eventually(Duration::from_secs(20), || shown.lock().unwrap().is_empty().then_some(()));

    // The host branch's record: each change, once, with both states.
    let audit = k.store.audit_kinds().unwrap();
    let changes: Vec<&str> = audit.iter().filter(|(kind, _)| kind == "device_state").map(|(_, d)| d.as_str()).collect();
    for want in ["printer: ok → fault (缺纸)", "paper: ok → out", "idcard: ok → absent", "idcard: absent → ok"]
    {
        assert!(changes.contains(&want), "{want} in {changes:?}");
    }
    // While a citizen's session is open the devices are left alone: an unplug is
    // noticed only once the session has ended.
    use kiosk::journey::Event;
    k.tx.send(Event::Tap).unwrap();
    k.tx.send(Event::StartBundle("newborn".into())).unwrap();
    // The session is open once its first screen is shown.
    common::eventually(Duration::from_secs(20), || {
        (*screen.lock().unwrap() == Some(kiosk::journey::Screen::Guide)).then_some(())
    });
    reader.unplug();
    std::thread::sleep(Duration::from_secs(3));
    let offline = |k: &kiosk::app::Kiosk| {
        k.store.audit_kinds().unwrap().iter().filter(|(_, d)| d == "idcard: ok → absent").count()
    };
    assert_eq!(offline(&k), 1, "no probe during the session");
    k.tx.send(Event::Home).unwrap();
    common::eventually(Duration::from_secs(20), || (offline(&k) == 2).then_some(()));
    reader.replug().unwrap();

    // Idle checks never asked for a card: SAM reset, status and id only.
    let log = reader.command_log();
    assert!(log.contains(&(0x11, 0xFF)));
    assert!(log.iter().all(|c| matches!(c, (0x10..=0x12, 0xFF))), "{log:?}");
    drop(rig);
}

//! Hosts and technicians on the machine, through the real UI headless, driven by taps:
//! the hidden entry (the emblem held ~5 s), wrong PINs until the lockout (which
//! survives a restart), the host's refill acknowledgement, calls, counts, a pause with
//! the out-of-service screen and the resume, and the technician's self-tests against
//! the emulators (the virtual printer receives the test page; its QR codes decode).
//! Every maintenance screen is saved under target/screenshots/maintenance/ and scanned
//! for the demo card's name and number.

mod common;
#[path = "support/qr.rs"]
mod qr;

use common::{Driver, Hands};
use kiosk::ops::Role;
use kiosk::ui::{MaintAdapter, ScreenId};
use slint::{ComponentHandle, Model};
use std::time::Duration;

const HOST_PIN: &str = "480613";
const TECH_PIN: &str = "739251";

/// The demo card's name and every 6-digit run of its number must appear nowhere.
fn assert_no_citizen_data(d: &Driver, where_: &str) {
    let card = kiosk_hardware::idcard::demo_card();
    let text = d.all_text();
    assert!(!text.contains(&card.name), "{where_}: the card's name is on screen");
    let digits: Vec<char> = card.id_number.chars().collect();
    for w in digits.windows(6) {
        let run: String = w.iter().collect();
        assert!(!text.contains(&run), "{where_}: 6 digits of the card number ({run}) on screen");
    }
}

fn shot(d: &Driver, name: &str) {
    d.shot(&format!("maintenance/{name}"));
    assert_no_citizen_data(d, name);
}

/// Holds the emblem for 5.5 s and waits for the PIN pad.
fn enter(d: &Driver) {
    d.long_press("emblem", Duration::from_millis(5500));
    d.wait_screen(ScreenId::Maintenance);
}

fn type_pin(d: &Driver, role: &str, pin: &str) {
    d.tap(role);
    d.type_digits(pin);
    d.tap("确定");
}

fn message(d: &Driver) -> String {
    d.on_ui(|app| {
        let g = app.global::<MaintAdapter>();
        format!("{}{}", g.get_pin_message(), g.get_message())
    })
}

fn wait_message(d: &Driver, part: &'static str) {
    common::eventually(common::TIMEOUT, || message(d).contains(part).then_some(()));
}

fn set_pins(cfg: &mut kiosk::config::Config) {
    cfg.terminal.heartbeat_secs = 1;
    kiosk::pin::set_from_cli(cfg, Role::Host, HOST_PIN).expect("host PIN");
    kiosk::pin::set_from_cli(cfg, Role::Technician, TECH_PIN).expect("technician PIN");
}

#[test]
fn hosts_and_technicians_on_the_machine() {
    std::fs::create_dir_all(common::screenshots_dir().join("maintenance")).unwrap();
    lockout_survives_a_restart();
    host_and_technician();
}

fn lockout_survives_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let (k, _rig, ()) = common::run_in(&data, set_pins, |d: &Driver, _h: &Hands| {
        d.wait_screen(ScreenId::Attract);
        // A tap on the emblem is nothing; only a long hold opens the pad.
        d.long_press("emblem", Duration::from_millis(300));
        std::thread::sleep(Duration::from_millis(300));
        d.wait_screen(ScreenId::Attract);
        enter(d);
        shot(d, "pin");
        for i in 1..=4 {
            type_pin(d, "网点管理员", "111111");
            wait_message(d, "密码错误");
            assert!(message(d).contains(&format!("{}", 5 - i)), "tries left: {}", message(d));
        }
        type_pin(d, "网点管理员", "111111");
        wait_message(d, "锁定");
        shot(d, "pin-locked");
        // Locked: even the right PIN is not checked, and the pad is disabled.
        assert!(d.on_ui(|app| app.global::<MaintAdapter>().get_locked()));
        d.tap("退出维护");
        d.wait_screen(ScreenId::Attract);
    });
    drop(k);
    // A restart: the lock is in the state directory, not in memory.
    let (_k, _rig, ()) = common::run_in(
        &data,
        |_| {},
        |d: &Driver, _h: &Hands| {
            d.wait_screen(ScreenId::Attract);
            enter(d);
            type_pin(d, "网点管理员", HOST_PIN);
            wait_message(d, "锁定");
            d.tap("退出维护");
            d.wait_screen(ScreenId::Attract);
        },
    );
}

/// The heartbeat tells the platform what the host sees; the platform pauses and
/// resumes through its answer; the citizen's call was relayed.
fn platform_side(d: &Driver, h: &Hands) {
    use kiosk_api::wire::TerminalCommand;
    let calls = h.sim.help_calls();
    assert_eq!(calls.len(), 1, "{calls:?}");
    assert_eq!((calls[0].screen.as_str(), calls[0].terminal_id.as_str()), ("form", h.terminal_id.as_str()));
    let hb = common::eventually(common::TIMEOUT, || {
        h.sim.last_heartbeat(&h.terminal_id).filter(|hb| hb.screen == "attract" && hb.last_frame_ms.is_some())
    });
    let lag = kiosk::store::now_ms() - hb.last_frame_ms.unwrap();
    assert!(lag < 15_000, "last frame {lag} ms ago");
    assert!(hb.counts_today.get("sessions").copied().unwrap_or(0) >= 1, "{:?}", hb.counts_today);
    assert_eq!(hb.counts_today.get("help_calls"), Some(&1));
    assert!(!hb.versions.software.is_empty() && hb.versions.schema_version >= 4, "{:?}", hb.versions);
    assert!(hb.uptime_secs < 600 && hb.out_of_service.is_none());

    h.sim.queue_command(&h.terminal_id, TerminalCommand::Pause { reason: "平台系统维护".into() });
    d.wait_screen(ScreenId::OutOfService);
    assert!(d.has_text("平台系统维护"));
    let hb = common::eventually(common::TIMEOUT, || {
        h.sim.last_heartbeat(&h.terminal_id).filter(|hb| hb.out_of_service.is_some())
    });
    assert_eq!(hb.out_of_service.unwrap().by, "platform");
    h.sim.queue_command(&h.terminal_id, TerminalCommand::Resume);
    d.wait_screen(ScreenId::Attract);
}

fn host_and_technician() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let (k, _rig, receipts) = common::run_in(&data, set_pins, |d: &Driver, h: &Hands| {
        // A citizen reads their card, calls for help, then leaves: personal data was
        // on this terminal moments before the host comes.
        d.wait_screen(ScreenId::Attract);
        d.tap("点击屏幕 开始办理");
        d.wait_screen(ScreenId::Home);
        d.tap("新生儿出生“一件事”");
        d.through_guide();
        d.tap("帮助");
        d.wait_screen(ScreenId::Help);
        d.tap("呼叫工作人员");
        d.wait_until(|app| app.global::<kiosk::ui::HelpAdapter>().get_call_placed());
        d.shot("help-call-placed");
        d.tap("返回继续办理");
        d.wait_screen(ScreenId::Form);
        d.tap("首页");
        d.wait_screen(ScreenId::Home);

        // The paper runs low.
        h.printer.set_state(|s| s.paper_near_end = true);
        enter(d);
        type_pin(d, "网点管理员", HOST_PIN);
        d.wait_until(|app| app.global::<MaintAdapter>().get_stage() == kiosk::ui::MaintStage::Open);
        d.wait_until(|app| app.global::<MaintAdapter>().get_paper_low());
        shot(d, "host-devices");
        // Host pages only.
        assert!(!d.labels_with_prefix("打印机").iter().any(|l| l == "打印机"), "technician tab for a host");
        h.printer.set_state(|s| s.paper_near_end = false);
        d.tap("已换纸");
        wait_message(d, "已确认换纸");
        d.wait_until(|app| !app.global::<MaintAdapter>().get_paper_low());

        d.tap("业务统计");
        d.wait_until(|app| app.global::<MaintAdapter>().get_page() == kiosk::ui::MaintPage::Counts);
        d.wait_until(|app| {
            use slint::Model;
            app.global::<MaintAdapter>().get_counts().iter().any(|c| c.label == "办理人次" && c.today >= 1)
        });
        shot(d, "host-counts");

        d.tap("呼叫");
        d.wait_until(|app| app.global::<MaintAdapter>().get_page() == kiosk::ui::MaintPage::Calls);
        d.wait_until(|app| app.global::<MaintAdapter>().get_calls().row_count() >= 1);
        assert!(d.has_text("填写表单"), "the call names the screen the citizen was on");
        shot(d, "host-calls");

        d.tap("提醒");
        d.wait_until(|app| app.global::<MaintAdapter>().get_page() == kiosk::ui::MaintPage::Alerts);
        shot(d, "host-alerts");

        d.tap("暂停/恢复");
        d.wait_until(|app| app.global::<MaintAdapter>().get_page() == kiosk::ui::MaintPage::Service);
        shot(d, "host-service");
        d.tap("设备维护");
        wait_message(d, "已暂停服务");
        shot(d, "host-paused");
        d.tap("退出维护");
        d.wait_screen(ScreenId::OutOfService);
        assert!(d.has_text("设备维护"), "the reason is shown to citizens");
        d.shot("out-of-service");
        assert_no_citizen_data(d, "out-of-service");

        // Resume from the out-of-service screen.
        enter(d);
        type_pin(d, "网点管理员", HOST_PIN);
        d.wait_until(|app| app.global::<MaintAdapter>().get_stage() == kiosk::ui::MaintStage::Open);
        d.tap("暂停/恢复");
        d.wait_until(|app| app.global::<MaintAdapter>().get_page() == kiosk::ui::MaintPage::Service);
        d.tap("恢复服务");
        wait_message(d, "已恢复服务");
        d.tap("退出维护");
        d.wait_screen(ScreenId::Attract);

        // The technician: self-tests against the emulators.
        enter(d);
        type_pin(d, "运维工程师", TECH_PIN);
        d.wait_until(|app| app.global::<MaintAdapter>().get_stage() == kiosk::ui::MaintStage::Open);
        use kiosk::ui::MaintPage as P;
        for (tab, page, name) in [
            ("读卡器", P::Reader, "tech-reader"),
            ("打印机", P::Printer, "tech-printer"),
            ("高拍仪", P::Camera, "tech-camera"),
            ("网络", P::Network, "tech-network"),
        ] {
            d.tap(tab);
            // The tab switch is asynchronous: tap 开始测试 on this page, not the last one.
            d.wait_until(move |app| app.global::<MaintAdapter>().get_page() == page);
            d.tap("开始测试");
            d.wait_until(|app| app.global::<MaintAdapter>().get_test_done());
            let (ok, summary) = d.on_ui(|app| {
                let g = app.global::<MaintAdapter>();
                (g.get_test_ok(), g.get_test_summary().to_string())
            });
            assert!(ok, "{tab}: {summary}");
            shot(d, name);
        }
        for (tab, page, name) in [
            ("版本", P::Versions, "tech-versions"),
            ("队列", P::Queue, "tech-queue"),
            ("日志", P::Logs, "tech-logs"),
            ("配置", P::Config, "tech-config"),
        ] {
            d.tap(tab);
            d.wait_until(move |app| app.global::<MaintAdapter>().get_page() == page);
            d.wait_until(|app| app.global::<MaintAdapter>().get_info().row_count() > 0);
            shot(d, name);
        }
        d.tap("退出维护");
        d.wait_screen(ScreenId::Attract);

        platform_side(d, h);
        h.printer.wait_receipts(1, common::TIMEOUT)
    });
    // The test page reached the virtual printer; both QR codes (native and raster) decode.
    let page = receipts.iter().find(|r| r.text.contains("打印测试页")).expect("test page printed");
    std::fs::write(common::screenshots_dir().join("maintenance/testpage.png"), &page.png).unwrap();
    let decoded = qr::decode_qrs(&page.png);
    assert!(decoded.len() >= 2, "two QR codes on the test page, decoded {decoded:?}");

    // What the host did is in the audit log with the role and outcome.
    let audit = k.store.audit_since(0).unwrap();
    let has = |event: &str, actor: &str| audit.iter().any(|a| a.event == event && a.actor == actor);
    assert!(has("maintenance.enter", "host") && has("maintenance.exit", "host"));
    assert!(has("paper.refilled", "host"), "{audit:?}");
    assert!(has("service.pause", "host") && has("service.resume", "host"));
    assert!(has("selftest.printer", "technician"));
    assert!(audit.iter().any(|a| a.event == "help.call"));
    // The paper alert is acknowledged; nothing personal is in any audit detail.
    assert!(!k.store.open_alerts().unwrap().iter().any(|a| a.kind == kiosk::runtime::ops::PAPER_ALERT));
    let card = kiosk_hardware::idcard::demo_card();
    for a in &audit {
        assert!(!a.detail.contains(&card.name) && !a.detail.contains(&card.id_number[6..12]), "{a:?}");
    }
}

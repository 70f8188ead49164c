//! Devices failing under a citizen: the printer out of paper shows the receipt as a QR
//! on screen; the ID-card reader unplugged mid-journey leads to the fault screen with
//! what to do instead. Nothing panics and nothing queued is lost.

mod common;

use kiosk::ui::ScreenId;
use slint::ComponentHandle;
use std::time::Duration;

#[test]
fn printer_out_of_paper_then_reader_unplugged() {
    let (h, _) = common::run(|d, hands| {
        // 1. Paper out: the case is still queued; the receipt is offered as a QR.
        hands.printer.set_state(|s| s.paper_out = true);
        d.wait_screen(ScreenId::Attract);
        d.tap("点击屏幕 开始办理");
        d.tap("新生儿出生“一件事”");
        d.through_guide();
        d.enter_phone("13912345678");
        d.submit_from_form();
        d.wait_until(|app| app.global::<kiosk::ui::ReceiptAdapter>().get_print_failed());
        let status = d.on_ui(|app| app.global::<kiosk::ui::ReceiptAdapter>().get_print_status().to_string());
        assert!(status.contains("二维码"), "tells the citizen to scan the QR instead: {status}");
        assert!(d.has_text("XX-0001-1-000001"), "the number stays on screen");
        d.shot("fault-receipt-paper-out");
        d.tap("首页");
        d.wait_screen(ScreenId::Home);

        // 2. The reader is unplugged while the citizen is asked for the card.
        d.tap("新生儿出生“一件事”");
        d.wait_screen(ScreenId::Guide);
        hands.reader.unplug();
        d.tap("我已了解，开始办理");
        d.wait_screen(ScreenId::Fault);
        let title = d.on_ui(|app| app.global::<kiosk::ui::HelpAdapter>().get_fault_title().to_string());
        assert_eq!(title, "读卡器暂时不能使用");
        assert!(d.has_text("呼叫工作人员"), "a way to get help is offered");
        d.shot("fault-reader-unplugged");
        d.tap("回到首页");
        d.wait_screen(ScreenId::Home);
        hands.printer.receipts().len()
    });
    // The case from step 1 reached the platform even though nothing was printed.
    let sim = h.kiosk.sim.as_ref().unwrap().sim.clone();
    let cases = common::eventually(Duration::from_secs(15), || {
        let c = sim.cases();
        (!c.is_empty()).then_some(c)
    });
    assert_eq!(cases.len(), 1);
    let audit = h.kiosk.store.audit_kinds().unwrap();
    assert!(audit.iter().any(|(k, d)| k == "session_end" && d == "device_fault"), "{audit:?}");
    let counters = h.kiosk.store.counters().unwrap();
    assert!(counters.iter().any(|(d, c, n)| d == "printer" && c == "failures" && *n == 1), "{counters:?}");
}

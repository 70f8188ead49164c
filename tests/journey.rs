//! One citizen, one whole journey, through the real UI rendered headless (Slint testing
//! backend + software renderer), the runtime, the SAM reader emulator and the virtual
//! ESC/POS printer on pty pairs, the SQLite store, the outbox and the intake simulator
//! over loopback HTTP.

mod common;

use common::{Driver, LogCapture};
use kiosk::ui::ScreenId;
use slint::ComponentHandle;
use std::time::Duration;

#[test]
fn full_citizen_journey() {
    let logs = LogCapture::install();
    let (h, (local_no, hands)) = common::run(|d, hands| {
        // Paper is low: the receipt still prints, and the host gets an alert.
        hands.printer.set_state(|s| s.paper_near_end = true);
        (script(d), hands.clone())
    });
    let k = &h.kiosk;

    // The platform got exactly one case, with the card's name and number.
    let sim = k.sim.as_ref().unwrap().sim.clone();
    let cases = common::eventually(Duration::from_secs(15), || {
        let c = sim.cases();
        (!c.is_empty()).then_some(c)
    });
    assert_eq!(cases.len(), 1);
    assert_eq!(cases[0].applicant.name, "张晓𠮷");
    assert_eq!(cases[0].applicant.id_number, "410702199003070046");
    assert_eq!(cases[0].applicant.phone, "13812345678");
    assert_eq!(cases[0].local_no, local_no);
    let scanned = cases[0].materials.iter().filter(|m| m.state == "scanned" && !m.pages.is_empty()).count();
    assert_eq!(scanned, 4, "every material to scan arrived with its page");
    for m in cases[0].materials.iter().filter(|m| m.state == "scanned") {
        use base64::Engine;
        let jpeg = base64::engine::general_purpose::STANDARD.decode(&m.pages[0]).unwrap();
        assert!(jpeg.starts_with(&[0xFF, 0xD8]) && jpeg.len() <= 500_000, "{}: {} bytes", m.key, jpeg.len());
        let page = image::load_from_memory(&jpeg).unwrap();
        assert!(page.height() > page.width(), "{}: the page was found and squared up to portrait", m.key);
    }

    // The card went through the SAM protocol on the pty: find, select, read.
    let log = hands.reader.command_log();
    for cmd in [(0x20, 0x01), (0x20, 0x02), (0x30, 0x01)] {
        assert!(log.contains(&cmd), "reader saw {cmd:02X?}");
    }

    // The virtual printer received the receipt as ESC/POS bytes and rendered it; its
    // text reads back and its QR decodes to the progress link.
    let receipts = hands.printer.wait_receipts(1, Duration::from_secs(10));
    let receipt = receipts.iter().find(|r| r.text.contains("收件回执")).expect("a receipt");
    assert!(receipt.text.contains(&local_no), "{}", receipt.text);
    assert!(receipt.qr.iter().any(|q| q.ends_with(&format!("?no={local_no}"))), "{:?}", receipt.qr);
    // The name on paper: middle masked, the 生僻字 kept (printed through the raster path);
    // the QR says what it is for.
    assert!(receipt.text.contains("申请人：张*𠮷") && receipt.text.contains("扫码查询办理进度"), "{}", receipt.text);
    assert!(!receipt.text.contains("张晓"), "{}", receipt.text);
    std::fs::write(common::screenshots_dir().join("receipt-80mm.png"), &receipt.png).unwrap();

    // The rating is stored (once) and delivered.
    assert_eq!(k.store.rating(&local_no).unwrap(), Some((1, vec![])));
    let ratings = common::eventually(Duration::from_secs(15), || {
        let r = sim.ratings();
        (!r.is_empty()).then_some(r)
    });
    assert_eq!((ratings.len(), ratings[0].level_name.as_str()), (1, "非常满意"));

    // The delivered case no longer holds personal data on the terminal.
    common::eventually(Duration::from_secs(5), || {
        (!k.store.holds_payload(&local_no, kiosk::store::Kind::Case).unwrap()).then_some(())
    });
    assert_eq!(k.store.queue_stats().unwrap().queued, 0);

    // The host's alert list has the paper warning (once, however many prints followed).
    let alerts = k.store.open_alerts().unwrap();
    let paper: Vec<_> = alerts.iter().filter(|a| a.kind == kiosk::runtime::ops::PAPER_ALERT).collect();
    assert_eq!(paper.len(), 1, "{alerts:?}");
    let audit = k.store.audit_kinds().unwrap();
    assert!(audit.iter().any(|(k, d)| k == "host_alert" && d.starts_with("printer_paper")), "{audit:?}");

    // Logs carry the masked number only.
    let log = logs.text();
    assert!(log.contains("4107**********0046"), "card read is logged, masked");
    assert!(!log.contains("410702199003070046"), "no full ID number in logs");
    assert!(!log.contains("张晓"), "no name in logs");
}

/// The citizen's taps. Returns the receipt number shown on screen.
fn script(d: &Driver) -> String {
    d.wait_screen(ScreenId::Attract);
    d.shot("01-attract");
    d.tap("点击屏幕 开始办理");

    d.wait_screen(ScreenId::Home);
    let img = d.shot("02-home");
    let (x, y, w, h) = d.rect_of("请选择要办理的事情");
    let ink = common::dark_pixels(&img, x, y, w, h);
    assert!(ink > 500, "the Chinese title must be drawn (found {ink} dark pixels in its box)");
    d.tap("新生儿出生“一件事”");

    d.wait_screen(ScreenId::Guide);
    d.shot("03-guide");
    d.tap("帮助");
    d.wait_screen(ScreenId::Help);
    d.shot("03b-help");
    d.tap("返回继续办理");
    d.wait_screen(ScreenId::Guide);
    d.tap("我已了解，开始办理");

    d.wait_screen(ScreenId::Identify);
    d.shot("04-identify");
    d.wait_screen(ScreenId::Form);
    assert!(d.has_text("张晓𠮷"), "name from the card is on the form");
    d.enter_phone("13812345678");
    d.shot("05-form");
    d.tap("下一步");

    d.wait_screen(ScreenId::Materials);
    d.wait_until(|app| app.global::<kiosk::ui::MaterialsAdapter>().get_has_preview());
    d.shot("06-materials");
    d.capture_all_materials();
    d.shot("06b-materials-done");
    d.tap("下一步");

    d.wait_screen(ScreenId::Review);
    d.wait_until(|app| !app.global::<kiosk::ui::MaterialsAdapter>().get_has_preview());
    d.shot("07-review");
    d.tap("确认提交");

    d.wait_screen(ScreenId::Receipt);
    d.wait_until(|app| app.global::<kiosk::ui::ReceiptAdapter>().get_print_status().contains("已打印"));
    let no = d.on_ui(|app| app.global::<kiosk::ui::ReceiptAdapter>().get_number().to_string());
    assert!(no.starts_with("XX-0001-"), "receipt number shown: {no}");
    d.shot("08-receipt");
    d.tap("下一步：评价本次服务");

    d.wait_screen(ScreenId::Rating);
    d.tap("非常满意");
    d.wait_until(|app| app.global::<kiosk::ui::RatingAdapter>().get_level() == 1);
    d.shot("09-rating");
    d.tap("提交评价");

    d.wait_screen(ScreenId::Farewell);
    d.shot("10-farewell");
    d.tap("完成");
    d.wait_screen(ScreenId::Attract);
    no
}

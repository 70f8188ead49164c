//! Receipts on paper: a citizen's 收件回执 and 容缺补正告知书 through the real UI headless,
//! the runtime, the emulated reader and the virtual ESC/POS printer on pty pairs and the
//! intake simulator; what the printer received is read back from its dots.

mod common;

use kiosk::ui::ScreenId;
use slint::ComponentHandle;
use std::time::Duration;

/// The 收件回执 and 容缺补正告知书 as they come out of the virtual printer (ESC/POS on a
/// pty, read back from its dots): the postal address masked to the street, the 容缺
/// deadline as a date counted over the platform's holiday calendar, the masked name,
/// and the paper's 2 mm margins and short tail measured on the PNG.
#[test]
fn receipts_on_paper_carry_address_deadline_and_masked_name() {
    use chrono::{Datelike, Days};
    let dir = tempfile::tempdir().unwrap();
    let demo = kiosk::config::Config::demo();
    // The platform's calendar makes the next three weekdays a holiday break.
    let today = kiosk::clock::now(demo.terminal.tz()).date_naive();
    let weekday = |d: &chrono::NaiveDate| d.weekday().number_from_monday() <= 5;
    let holidays: Vec<chrono::NaiveDate> = (1..).map(|i| today + Days::new(i)).filter(weekday).take(3).collect();
    let mut cat: serde_json::Value = serde_json::from_str(&kiosk::catalog::Catalog::seed().to_json()).unwrap();
    cat["version"] = "2099.1.1-test".into();
    cat["calendar"] = serde_json::json!({
        "holidays": holidays.iter().map(|d| d.format("%Y-%m-%d").to_string()).collect::<Vec<_>>(),
        "workdays": [],
    });
    let file = dir.path().join("catalog.json");
    std::fs::write(&file, cat.to_string()).unwrap();
    // Counted here by hand: weekends and the three holidays do not count.
    let (mut due, mut left) = (today, demo.terminal.deferral_days);
    while left > 0 {
        due = due + Days::new(1);
        if weekday(&due) && !holidays.contains(&due) {
            left -= 1;
        }
    }
    let due_zh = due.format("%Y年%m月%d日").to_string();

    let (_k, _rig, (local_no, printed)) = common::run_in(
        &dir.path().join("data"),
        |cfg| cfg.catalog.file = Some(file.clone()),
        |d, hands| {
            d.wait_screen(ScreenId::Attract);
            d.tap("点击屏幕 开始办理");
            d.wait_screen(ScreenId::Home);
            d.tap("就医费用报销“一件事”");
            d.through_guide();
            d.enter_phone("13812345678");
            d.edit_field("就医地");
            d.tap("郑州市");
            d.confirm_edit();
            d.tap("免费邮寄");
            d.tap("下一步");
            d.wait_screen(ScreenId::Materials);
            d.tap("容缺后补 本人银行卡");
            d.wait_until(|app| app.global::<kiosk::ui::MaterialsAdapter>().get_committing());
            let wave: Vec<(f32, f32)> =
                (0..60).map(|i| (120.0 + i as f32 * 11.0, 180.0 + 70.0 * (i as f32 / 4.0).sin())).collect();
            d.draw("签名区", wave);
            d.tap("签名确认");
            d.wait_until(|app| !app.global::<kiosk::ui::MaterialsAdapter>().get_committing());
            d.capture_all_materials();
            d.tap("下一步");
            d.wait_screen(ScreenId::Review);
            d.tap("确认提交");
            d.wait_screen(ScreenId::Receipt);
            d.wait_until(|app| app.global::<kiosk::ui::ReceiptAdapter>().get_print_status().contains("已打印"));
            let no = d.on_ui(|app| app.global::<kiosk::ui::ReceiptAdapter>().get_number().to_string());
            (no, hands.printer.wait_receipts(2, Duration::from_secs(15)))
        },
    );
    let receipt = printed.iter().find(|r| r.text.contains("收件回执")).expect("the 收件回执");
    let notice = printed.iter().find(|r| r.text.contains("容缺补正告知书")).expect("the 容缺补正告知书");
    let flat = |t: &str| t.replace('\n', "");
    for r in [receipt, notice] {
        let text = flat(&r.text);
        assert!(text.contains(&local_no), "{text}");
        assert!(text.contains(&format!("请于 {due_zh} 前补交")), "deadline {due_zh} (holidays {holidays:?}): {text}");
        assert!(text.contains("申请人：张*𠮷") && !text.contains("张晓"), "{text}");
        assert!(text.contains("本人银行卡"), "{text}");
    }
    let text = flat(&receipt.text);
    assert!(text.contains("邮寄地址：河南省新乡市红旗区平原路***"), "{text}");
    assert!(!text.contains("100号") && !text.contains("户籍地址"), "{text}");
    // Paper: 2 mm (16 dots) blank at both sides, and about 15 mm under the last line.
    let img = image::load_from_memory(&receipt.png).unwrap().to_luma8();
    let (w, h) = img.dimensions();
    let dark = |x: u32, y: u32| img.get_pixel(x, y).0[0] < 128;
    let inked_col = |x: u32| (0..h).any(|y| dark(x, y));
    let left = (0..w).find(|&x| inked_col(x)).unwrap();
    let right = w - 1 - (0..w).rev().find(|&x| inked_col(x)).unwrap();
    let tail = h - 1 - (0..h).rev().find(|&y| (0..w).any(|x| dark(x, y))).unwrap();
    assert_eq!((left, right), (16, 16), "side margins in dots");
    assert!((120..=130).contains(&tail), "tail {tail} dots (was 218)");
    std::fs::write(common::screenshots_dir().join("receipt-deferral-80mm.png"), &notice.png).unwrap();
}

//! 进度随时查 through the real UI headless: a case submitted at the terminal (with a
//! 容缺 material), delivered to the simulator over loopback and moved to 受理 there,
//! then looked up by ID card (the SAM emulator on a pty), by the printed receipt's QR
//! (the virtual printer's PNG put under the emulated document camera, decoded from its
//! preview frames) and by the number typed on the keypad; and the plain answers for a
//! camera with no QR in view, a QR that is not ours, a number that does not exist and
//! the platform down.

mod common;

use common::{eventually, Driver, Hands};
use image::{GrayImage, RgbImage};
use kiosk::ui::{ChromeAdapter, MaterialsAdapter, ProgressAdapter, ProgressWay, ReceiptAdapter, ScreenId};
use slint::{ComponentHandle, Model};
use std::time::Duration;

#[test]
fn progress_by_card_receipt_qr_and_number() {
    let logs = common::LogCapture::install();
    common::run(|d, hands| {
        let no = submit_with_deferral(d);
        let receipt = hands
            .printer
            .wait_receipts(2, Duration::from_secs(15))
            .into_iter()
            .find(|r| r.text.contains("收件回执"))
            .expect("the receipt was printed");
        // The platform has it, and moves it to 受理.
        eventually(Duration::from_secs(30), || hands.sim.cases().iter().any(|c| c.local_no == no).then_some(()));
        assert!(hands.sim.set_case_status(&no, "受理"));
        by_card(d, hands, &no);
        by_receipt_qr(d, hands, &no, &receipt.png);
        by_number(d, hands, &no);
    });
    // The lookup by card logged the number masked only.
    let log = logs.text();
    assert!(log.contains("4107**********0046"), "the card query is logged, masked");
    assert!(!log.contains("410702199003070046"), "no full ID number in logs");
}

/// A newborn bundle submitted with one material deferred (signed 容缺 commitment).
/// Returns the receipt number; ends on the home screen.
fn submit_with_deferral(d: &Driver) -> String {
    d.wait_screen(ScreenId::Attract);
    d.tap("点击屏幕 开始办理");
    d.wait_screen(ScreenId::Home);
    d.tap("新生儿出生“一件事”");
    d.wait_screen(ScreenId::Guide);
    // 生育医疗费用报销 needs 本人银行卡, which may be brought later (容缺). Its row is below
    // the fold of the guide's scroll view: its callback, as a tap on it sends.
    d.on_ui(|app| {
        let g = app.global::<kiosk::ui::GuideAdapter>();
        let i = g.get_matters().iter().position(|m| m.name == "生育医疗费用报销").expect("a sub-item of the bundle");
        g.invoke_toggle_matter(i as i32);
    });
    d.wait_until(|app| {
        app.global::<kiosk::ui::GuideAdapter>().get_matters().iter().any(|m| m.name == "生育医疗费用报销" && m.selected)
    });
    d.through_guide();
    d.enter_phone("13812345678");
    d.tap("下一步");
    d.wait_screen(ScreenId::Materials);
    // 容缺后补 on 本人银行卡 (its row may be below the fold: the callback its button sends).
    d.wait_until(|app| app.global::<MaterialsAdapter>().get_materials().iter().any(|m| m.can_defer));
    d.on_ui(|app| {
        let g = app.global::<MaterialsAdapter>();
        let i =
            g.get_materials().iter().position(|m| m.can_defer && m.name == "本人银行卡").expect("本人银行卡 may wait");
        g.invoke_defer(i as i32);
    });
    d.wait_until(|app| app.global::<MaterialsAdapter>().get_committing());
    let wave: Vec<(f32, f32)> =
        (0..60).map(|i| (120.0 + i as f32 * 11.0, 180.0 + 70.0 * (i as f32 / 4.0).sin())).collect();
    d.draw("签名区", wave);
    d.tap("签名确认");
    d.wait_until(|app| !app.global::<MaterialsAdapter>().get_committing());
    d.capture_all_materials();
    d.tap("下一步");
    d.wait_screen(ScreenId::Review);
    d.tap("确认提交");
    d.wait_screen(ScreenId::Receipt);
    d.wait_until(|app| app.global::<ReceiptAdapter>().get_print_status().contains("已打印"));
    let no = d.on_ui(|app| app.global::<ReceiptAdapter>().get_number().to_string());
    d.tap("首页");
    d.wait_screen(ScreenId::Home);
    no
}

fn message(d: &Driver) -> String {
    d.on_ui(|app| app.global::<ProgressAdapter>().get_message().to_string())
}

/// The cases shown: (number, status line, the current stage's label, bring-back text).
fn shown(d: &Driver) -> Vec<(String, String, String, String)> {
    d.on_ui(|app| {
        app.global::<ProgressAdapter>()
            .get_cases()
            .iter()
            .map(|c| {
                let current = c.stages.iter().find(|s| s.current).map(|s| s.label.to_string()).unwrap_or_default();
                (c.number.to_string(), c.status.to_string(), current, c.bring_back.to_string())
            })
            .collect()
    })
}

fn wait_for_case(d: &Driver, no: &str) -> (String, String, String, String) {
    let no = no.to_string();
    eventually(common::TIMEOUT, || shown(d).into_iter().find(|c| c.0 == no))
}

fn by_card(d: &Driver, hands: &Hands, no: &str) {
    d.tap("进度查询");
    d.wait_screen(ScreenId::Progress);
    d.shot("progress-choose");
    d.tap("刷身份证查询");
    d.wait_until(|app| app.global::<ProgressAdapter>().get_way() == ProgressWay::Card);
    // The demo hand lays the card on the emulated reader once it polls.
    let (_, status, current, bring_back) = wait_for_case(d, no);
    assert_eq!(status, "当前状态：受理");
    assert_eq!(current, "受理", "the timeline stands at 受理");
    assert!(bring_back.contains("容缺受理，请补交") && bring_back.contains("前"), "{bring_back}");
    assert!(d.has_text("收件编号：") && !d.has_text("张晓"), "status only, never the name");
    d.shot("progress-card");
    // Printed: the 进度查询单 with the number and the status, read back from the virtual printer.
    let before = hands.printer.receipts().len();
    d.tap("打印进度查询单");
    let slips = hands.printer.wait_receipts(before + 1, Duration::from_secs(10));
    let slip = slips.iter().find(|r| r.text.contains("办件进度查询单")).expect("the progress slip");
    assert!(slip.text.contains(no) && slip.text.contains("当前状态：受理"), "{}", slip.text);
    assert!(slip.text.contains("待补交") && !slip.text.contains("张"), "{}", slip.text);
    std::fs::write(common::screenshots_dir().join("progress-slip-80mm.png"), &slip.png).unwrap();
}

fn by_receipt_qr(d: &Driver, hands: &Hands, no: &str, receipt_png: &[u8]) {
    d.tap("扫描回执二维码");
    d.wait_until(|app| app.global::<ProgressAdapter>().get_way() == ProgressWay::Qr);
    // Nothing under the camera: said within 10 s.
    let started = std::time::Instant::now();
    d.wait_until(|app| app.global::<ProgressAdapter>().get_message().contains("未识别到二维码"));
    assert!(started.elapsed() < Duration::from_secs(10), "feedback after {:?}", started.elapsed());
    assert_eq!(message(d), "未识别到二维码，请将二维码对准摄像头");
    d.shot("progress-qr-none");
    // A QR that is not a receipt of ours (a payment code).
    hands.camera.hold(vec![desk_with(&qr_png_gray("https://pay.example.com/q?id=8812"), 2)]);
    d.wait_until(|app| app.global::<ProgressAdapter>().get_message().starts_with("不是本终端的回执二维码"));
    assert!(shown(d).is_empty());
    d.shot("progress-qr-foreign");
    // The printed receipt under the camera.
    hands.camera.hold(vec![desk_with(&receipt_qr_region(receipt_png), 2)]);
    let (_, status, current, _) = wait_for_case(d, no);
    hands.camera.take_away();
    assert_eq!((status.as_str(), current.as_str()), ("当前状态：受理", "受理"));
    assert_eq!(message(d), "");
    d.shot("progress-qr");
}

fn by_number(d: &Driver, hands: &Hands, no: &str) {
    d.tap("输入收件编号");
    d.wait_until(|app| app.global::<ProgressAdapter>().get_way() == ProgressWay::Number);
    type_number(d, no);
    // Past the buttons' 120 ms colour change.
    std::thread::sleep(Duration::from_millis(300));
    d.shot("progress-number-typed");
    d.tap("查询");
    let (_, _, current, _) = wait_for_case(d, no);
    assert_eq!(current, "受理");
    assert!(!d.has_text("张晓") && !d.has_text("13812345678"), "by number: status only");
    d.shot("progress-number");

    // A number that does not exist.
    d.tap("输入收件编号");
    type_number(d, "XX-0001-9-999999");
    d.tap("查询");
    d.wait_until(|app| app.global::<ProgressAdapter>().get_message().starts_with("没有查到这个收件编号"));
    assert!(shown(d).is_empty());
    d.shot("progress-unknown");

    // The platform down: said plainly, with the help line.
    hands.sim.faults.set(&intake_sim::FaultPlan { down: true, ..Default::default() });
    d.tap("输入收件编号");
    type_number(d, no);
    d.tap("查询");
    d.wait_until(|app| app.global::<ProgressAdapter>().get_message().starts_with("网络暂不可用"));
    let m = message(d);
    assert!(m.contains("请稍后再试或拨打") && !m.contains("{help_phone}"), "{m}");
    assert!(shown(d).is_empty());
    d.shot("progress-offline");
    hands.sim.faults.set(&intake_sim::FaultPlan::default());

    // 返回 twice: the choice of ways, then home (where it was opened from).
    d.tap("返回");
    d.wait_until(|app| app.global::<ProgressAdapter>().get_way() == ProgressWay::Choose);
    d.tap("返回");
    d.wait_screen(ScreenId::Home);
    assert_eq!(d.on_ui(|app| app.global::<ChromeAdapter>().get_notice().to_string()), "");
}

/// Types a receipt number on the screen's keypad, key by key.
fn type_number(d: &Driver, no: &str) {
    d.wait_until(|app| app.global::<ProgressAdapter>().get_number().is_empty());
    for c in no.chars() {
        d.tap(&c.to_string());
    }
    let no = no.to_string();
    d.wait_until(move |app| app.global::<ProgressAdapter>().get_number() == no.as_str());
}

/// The printed receipt's QR and the paper around it, cut from the virtual printer's PNG.
fn receipt_qr_region(png: &[u8]) -> GrayImage {
    let img = image::load_from_memory(png).unwrap().to_luma8();
    let mut prepared =
        rqrr::PreparedImage::prepare_from_greyscale(img.width() as usize, img.height() as usize, |x, y| {
            img.get_pixel(x as u32, y as u32).0[0]
        });
    let grids = prepared.detect_grids();
    let b = grids.first().expect("the receipt carries a QR").bounds;
    let (x0, x1) = (b.iter().map(|p| p.x).min().unwrap(), b.iter().map(|p| p.x).max().unwrap());
    let (y0, y1) = (b.iter().map(|p| p.y).min().unwrap(), b.iter().map(|p| p.y).max().unwrap());
    let m = 60;
    let x = (x0 - m).max(0) as u32;
    let y = (y0 - m).max(0) as u32;
    let w = ((x1 + m) as u32).min(img.width()) - x;
    let h = ((y1 + m) as u32).min(img.height()) - y;
    image::imageops::crop_imm(&img, x, y, w, h).to_image()
}

/// A QR code as the screen of a phone or a slip would show it (grey, 6 px modules).
fn qr_png_gray(text: &str) -> GrayImage {
    let code = qrcode::QrCode::new(text.as_bytes()).unwrap();
    let n = code.width() as u32;
    let colors = code.to_colors();
    let module = 6;
    let side = (n + 8) * module;
    GrayImage::from_fn(side, side, |x, y| {
        let (mx, my) = (x / module, y / module);
        let dark = (4..n + 4).contains(&mx)
            && (4..n + 4).contains(&my)
            && colors[((my - 4) * n + (mx - 4)) as usize] == qrcode::Color::Dark;
        image::Luma([if dark { 10 } else { 245 }])
    })
}

/// A full-resolution camera frame (1280×960) of the desk with `paper` on it, scaled by
/// `zoom` (the camera is close to the slip).
fn desk_with(paper: &GrayImage, zoom: u32) -> RgbImage {
    let (w, h) = (paper.width() * zoom, paper.height() * zoom);
    let paper = image::imageops::resize(paper, w, h, image::imageops::FilterType::Nearest);
    let mut frame = RgbImage::from_pixel(1280, 960, image::Rgb([96, 92, 88]));
    let (ox, oy) = ((1280u32.saturating_sub(w)) / 2, (960u32.saturating_sub(h)) / 2);
    for (x, y, p) in paper.enumerate_pixels() {
        if ox + x < 1280 && oy + y < 960 {
            frame.put_pixel(ox + x, oy + y, image::Rgb([p.0[0]; 3]));
        }
    }
    frame
}

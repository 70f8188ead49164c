//! Identity by a 电子身份证 QR code, end to end: the citizen has no card on the reader,
//! shows the phone's code to the emulated 高拍仪 (a frame with the QR rendered by the
//! `qrcode` crate), the kiosk decodes it from preview frames, the simulator verifies the
//! code it issued over signed loopback HTTP, and the journey goes on to the receipt; the
//! case records how the identity was established. Before that, every bad input gets its
//! plain answer: a QR that is not an e-ID code, an expired code, the platform down, and no
//! QR in view.

mod common;

use common::Driver;
use image::{Rgb, RgbImage};
use kiosk::ui::{ChromeAdapter, ScreenId};
use kiosk_api::wire::IdentitySource;
use kiosk_hardware::idcard::Fault;
use slint::ComponentHandle;
use std::time::Duration;

const BUTTON: &str = "出示电子身份证/电子社保卡二维码";

/// A phone held under the camera: its screen shows the QR of `text`, on the desk's grey.
fn qr_frame(text: &str) -> RgbImage {
    let code = qrcode::QrCode::new(text.as_bytes()).unwrap();
    let n = code.width() as u32;
    let colors = code.to_colors();
    let module = 600 / (n + 8);
    let side = module * (n + 8);
    let mut img = RgbImage::from_pixel(1280, 960, Rgb([90, 90, 96]));
    let (x0, y0) = ((1280 - side) / 2, (960 - side) / 2);
    for y in 0..side {
        for x in 0..side {
            let (mx, my) = ((x / module) as i64 - 4, (y / module) as i64 - 4);
            let dark = (0..n as i64).contains(&mx)
                && (0..n as i64).contains(&my)
                && colors[(my * n as i64 + mx) as usize] == qrcode::Color::Dark;
            img.put_pixel(x0 + x, y0 + y, if dark { Rgb([20, 20, 20]) } else { Rgb([245, 245, 245]) });
        }
    }
    img
}

fn wait_notice(d: &Driver, words: &'static str) {
    d.wait_until(move |app| app.global::<ChromeAdapter>().get_notice().contains(words));
}

#[test]
fn a_journey_started_with_an_e_id_code() {
    let dir = tempfile::tempdir().unwrap();
    // Voice on (not only in 长者版), so what it would say is recorded.
    let voice_on = |c: &mut kiosk::config::Config| c.voice.enabled = kiosk::config::VoiceMode::On;
    let (k, _rig, hands) = common::run_in(&dir.path().join("data"), voice_on, |d, hands| {
        d.wait_screen(ScreenId::Attract);
        d.tap("点击屏幕 开始办理");
        d.wait_screen(ScreenId::Home);
        d.tap("新生儿出生“一件事”");
        d.wait_screen(ScreenId::Guide);
        // The citizen came with a phone only: the reader finds no card the whole time.
        hands.reader.inject_n(Fault::NoCard, 5000);
        d.tap("我已了解，开始办理");
        d.wait_screen(ScreenId::Identify);
        assert!(d.has_text(BUTTON));
        d.shot("identify-qr");

        // A QR that is not an e-ID code (a receipt's progress link): said, and it keeps looking.
        hands.camera.hold(vec![qr_frame("https://zwfw.example.gov.cn/progress?no=XX-0001-1-7")]);
        d.tap(BUTTON);
        wait_notice(d, "不是电子身份证");
        d.shot("identify-qr-not-ours");
        // An expired code.
        hands.camera.hold(vec![qr_frame(&hands.sim.issue_expired_e_id_code())]);
        wait_notice(d, "二维码已过期");
        d.shot("identify-qr-expired");

        // The platform down.
        let code = hands.sim.issue_e_id_code();
        hands.sim.faults.set(&intake_sim::FaultPlan { down: true, ..Default::default() });
        hands.camera.hold(vec![qr_frame(&code)]);
        d.tap(BUTTON);
        wait_notice(d, "暂时无法连接政务服务平台");
        d.shot("identify-qr-platform-down");
        hands.sim.faults.set(&intake_sim::FaultPlan::default());

        // Nothing in view: after a few seconds the camera stops and the screen says so.
        hands.camera.take_away();
        d.tap(BUTTON);
        d.wait_until(|app| app.global::<kiosk::ui::IdentifyAdapter>().get_qr_stage() == 1);
        assert!(d.has_text("取消扫码"));
        d.shot("identify-qr-reading");
        wait_notice(d, "没有看到二维码");
        d.shot("identify-qr-none");

        // The right code: verified, and on to the form as with a card.
        hands.camera.hold(vec![qr_frame(&code)]);
        d.tap(BUTTON);
        d.wait_screen(ScreenId::Form);
        hands.camera.take_away();
        assert!(d.has_text("李文华"), "the verified person's name is on the form");
        assert!(d.has_text("来自电子证件"), "the form says where the values came from");
        d.shot("identify-qr-form");
        d.enter_phone("13812345678");
        d.submit_from_form();
        d.wait_until(|app| app.global::<kiosk::ui::ReceiptAdapter>().get_print_status().contains("已打印"));
        d.shot("identify-qr-receipt");
        // No card lies on the reader: the receipt screen asks for the slip only.
        assert!(d.has_text("请取走回执") && !d.has_text("请取走您的身份证"), "take-away words for a phone user");
        hands.reader.clear_faults();
        hands.clone()
    });
    let cases = common::eventually(Duration::from_secs(15), || {
        let c = hands.sim.cases();
        (!c.is_empty()).then_some(c)
    });
    assert_eq!(cases.len(), 1);
    let a = &cases[0].applicant;
    assert_eq!((a.name.as_str(), a.id_number.as_str()), ("李文华", "410703198805120027"));
    assert_eq!(a.identity_source, IdentitySource::EIdQr, "the case records how the identity was established");
    assert_eq!(a.id_type, "111");
    let said = hands.voice.prompts();
    assert!(!said.contains(&kiosk::voice::Prompt::TakeCard), "no card to take: {said:?}");
    assert!(said.contains(&kiosk::voice::Prompt::TakeReceipt), "{said:?}");
    let audit = k.store.audit_kinds().unwrap();
    assert!(audit.iter().any(|(k, _)| k == "e_id_verified"), "{audit:?}");
}

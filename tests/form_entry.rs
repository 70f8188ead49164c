//! The merged form's typed fields entered at the kiosk, through the real UI: a number
//! on the digit keypad, a multiple choice, a decimal, then a Chinese address on the
//! 拼音 keypad. The case at the platform carries every value with its provenance.

mod common;

use kiosk::ui::{ChromeAdapter, EditorAdapter, FormAdapter, MaterialsAdapter, ScreenId};
use slint::ComponentHandle;
use std::time::Duration;

/// Waits until the form's row `label` shows `value` as the citizen's own entry (the row
/// may be scrolled out of view, so this reads the form's model, not the pixels).
fn wait_row(d: &common::Driver, label: &'static str, value: &'static str) {
    d.wait_until(move |app| {
        use slint::Model;
        app.global::<FormAdapter>()
            .get_fields()
            .iter()
            .any(|r| r.label == label && r.value == value && r.source.starts_with("本人填写"))
    });
}

/// Pages through the candidates of `pinyin` until `ch` shows, then picks it.
fn pick(d: &common::Driver, pinyin: &'static str, ch: &str, shot: bool) {
    use slint::Model;
    d.wait_until(move |app| app.global::<EditorAdapter>().get_pinyin() == pinyin);
    let first = |d: &common::Driver| {
        d.on_ui(|app| app.global::<EditorAdapter>().get_candidates().row_data(0).unwrap_or_default().to_string())
    };
    while !d.has_text(&format!("候选 {ch}")) {
        let before = first(d);
        d.tap("下一页候选字");
        common::eventually(Duration::from_secs(10), || (first(d) != before).then_some(()));
    }
    if shot {
        d.shot("form-editor-pinyin");
    }
    d.tap(&format!("候选 {ch}"));
}

#[test]
fn typed_fields_are_entered_on_screen_and_submitted() {
    let (h, hands) = common::run(|d, hands| {
        d.wait_screen(ScreenId::Attract);
        d.tap("点击屏幕 开始办理");
        d.tap("企业办事（11）");
        d.tap("开办餐饮店“一件事”");
        d.through_guide();
        assert!(d.has_text("点此填写"), "empty typed fields say so");
        d.shot("form-typed-fields");

        // Not yet filled: the form says which, and stays.
        d.enter_phone("13812345678");
        d.tap("下一步");
        d.wait_until(|app| app.global::<ChromeAdapter>().get_notice().contains("经营场所面积"));

        d.edit_field("经营场所面积（平方米）");
        d.type_digits("45.5");
        d.wait_until(|app| app.global::<EditorAdapter>().get_text() == "45.5");
        d.shot("form-editor-number");
        d.confirm_edit();
        wait_row(d, "经营场所面积（平方米）", "45.5");

        d.edit_field("经营项目");
        d.tap("热食类食品制售");
        d.tap("自制饮品制售");
        d.wait_until(|app| {
            use slint::Model;
            app.global::<EditorAdapter>().get_options().iter().filter(|o| o.chosen).count() == 2
        });
        d.shot("form-editor-choice");
        d.confirm_edit();

        d.edit_field("招牌尺寸（米）");
        d.type_digits("3");
        d.confirm_edit();

        // 容缺: 食品安全管理制度 comes later, against a signed commitment.
        d.tap("下一步");
        d.wait_screen(ScreenId::Materials);
        d.tap("容缺后补 食品安全管理制度");
        d.wait_until(|app| app.global::<MaterialsAdapter>().get_committing());
        d.tap("签名确认");
        d.wait_until(|app| app.global::<ChromeAdapter>().get_notice().contains("签名太短"));
        let wave: Vec<(f32, f32)> =
            (0..60).map(|i| (120.0 + i as f32 * 11.0, 180.0 + 70.0 * (i as f32 / 4.0).sin())).collect();
        d.draw("签名区", wave);
        d.shot("materials-commitment");
        d.tap("签名确认");
        d.wait_until(|app| !app.global::<MaterialsAdapter>().get_committing());
        d.capture_all_materials();
        d.tap("下一步");
        d.wait_screen(ScreenId::Review);
        d.tap("确认提交");
        d.wait_screen(ScreenId::Receipt);
        d.tap("首页");
        d.wait_screen(ScreenId::Home);

        // A Chinese address on the 拼音 keypad; the bundle found by its initials.
        d.tap("拼音搜索");
        for c in ["q", "y", "q", "y"] {
            d.tap(c);
        }
        d.tap("企业迁移登记“一件事”");
        d.through_guide();
        d.edit_field("迁入地住所");
        for c in ["x", "i", "n"] {
            d.tap(c);
        }
        pick(d, "xin", "新", true);
        for c in ["x", "i", "a", "n", "g"] {
            d.tap(c);
        }
        pick(d, "xiang", "乡", false);
        d.type_digits("8");
        d.tap("号");
        d.wait_until(|app| app.global::<EditorAdapter>().get_text() == "新乡8号");
        d.confirm_edit();
        wait_row(d, "迁入地住所", "新乡8号");
        d.tap("首页");
        d.wait_screen(ScreenId::Home);
        hands.clone()
    });
    let sim = h.kiosk.sim.as_ref().unwrap().sim.clone();
    let cases = common::eventually(Duration::from_secs(15), || {
        let c = sim.cases();
        (!c.is_empty()).then_some(c)
    });
    assert_eq!(cases.len(), 1, "the cancelled second visit sent nothing");
    let form = &cases[0].form;
    let get = |k: &str| form.iter().find(|f| f.key == k).unwrap_or_else(|| panic!("{k} in {form:?}"));
    assert_eq!((get("business.area").value.as_str(), get("business.area").source.as_str()), ("45.5", "typed"));
    assert_eq!(get("business.scope").value, "热食类食品制售、自制饮品制售");
    assert_eq!(get("sign.size").value, "3");
    assert_eq!(get("applicant.name").source.as_str(), "card");
    assert_eq!((get("org.name").value.as_str(), get("org.name").source.as_str()), ("", "e_cert"));

    // The deferred material went with the signed commitment, and its notice was printed.
    let deferred: Vec<&str> =
        cases[0].materials.iter().filter(|m| m.state == "deferred").map(|m| m.key.as_str()).collect();
    assert_eq!(
        cases[0].commitments.len(),
        1,
        "{:?}",
        cases[0].materials.iter().map(|m| (&m.key, &m.state)).collect::<Vec<_>>()
    );
    let c = &cases[0].commitments[0];
    assert_eq!(deferred, [c.material_key.as_str()]);
    assert!(c.due_date.len() == 10 && c.due_date.as_bytes()[4] == b'-', "{}", c.due_date);
    use base64::Engine;
    let png = base64::engine::general_purpose::STANDARD.decode(&c.signature_png).unwrap();
    let sig = image::load_from_memory(&png).unwrap().to_luma8();
    let ink = sig.pixels().filter(|p| p.0[0] < 128).count();
    assert!(ink > 1000, "the drawn stroke is in the signature: {ink} dark pixels");
    let printed = hands.printer.wait_receipts(2, Duration::from_secs(10));
    assert!(printed.iter().any(|r| r.text.contains("容缺补正告知书") && r.text.contains("食品安全管理制度")));
}

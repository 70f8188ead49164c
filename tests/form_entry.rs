//! The merged form's typed fields entered at the kiosk, through the real UI: a number
//! on the digit keypad, a multiple choice, a decimal, then a Chinese address by 拼音
//! words on the QWERTY keypad, and one more character written on the 手写 pad. The cases
//! at the platform carry every value with its provenance.

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

/// Taps letters on the QWERTY keypad and waits until the editor shows them.
fn type_letters(d: &common::Driver, letters: &'static str) {
    let before = d.on_ui(|app| app.global::<EditorAdapter>().get_pinyin().to_string());
    for c in letters.chars() {
        d.tap(&c.to_string());
    }
    let want = before + letters;
    d.wait_until(move |app| app.global::<EditorAdapter>().get_pinyin() == want.as_str());
}

/// The candidates shown now.
fn shown(d: &common::Driver) -> Vec<String> {
    use slint::Model;
    d.on_ui(|app| app.global::<EditorAdapter>().get_candidates().iter().map(|c| c.to_string()).collect())
}

/// Writes `ch` on the 手写 pad from its stroke file (tests/data/strokes/, 0–1000), each
/// stroke a finger's path with real pointer events, and waits until it is a candidate.
fn write(d: &common::Driver, ch: &'static str) {
    let file = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("tests/data/strokes/{ch}.json"));
    let strokes = kiosk::handwriting::parse_strokes(&std::fs::read_to_string(file).unwrap()).unwrap();
    let (w, h) = d.on_ui(|app| {
        let pad = i_slint_backend_testing::ElementHandle::find_by_accessible_label(app, "手写板").next().unwrap();
        (pad.size().width, pad.size().height)
    });
    for (n, stroke) in strokes.iter().enumerate() {
        let at = |(x, y): (u16, u16)| (f32::from(x) / 1000.0 * w, f32::from(y) / 1000.0 * h);
        // A point every few pixels along each segment, as a finger moves.
        let mut path = vec![at(stroke[0])];
        for seg in stroke.windows(2) {
            let (a, b) = (at(seg[0]), at(seg[1]));
            let steps = ((b.0 - a.0).hypot(b.1 - a.1) / 6.0).ceil().max(1.0) as usize;
            path.extend((1..=steps).map(|i| {
                let t = i as f32 / steps as f32;
                (a.0 + (b.0 - a.0) * t, a.1 + (b.1 - a.1) * t)
            }));
        }
        d.draw("手写板", path);
        // The journey holds the stroke: its ink has one more M.
        d.wait_until(move |app| app.global::<EditorAdapter>().get_hw_ink().matches('M').count() == n + 1);
    }
    d.wait_until(move |app| {
        use slint::Model;
        app.global::<EditorAdapter>().get_hw_candidates().iter().any(|c| c == ch)
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

        // A Chinese address by 拼音 words; the bundle found by its initials.
        d.tap("拼音搜索");
        for c in ["q", "y", "q", "y"] {
            d.tap(c);
        }
        d.tap("企业迁移登记“一件事”");
        d.through_guide();
        d.edit_field("迁入地住所");
        // The QWERTY keypad: keys at least 96 px high, as wide as ten fit a row.
        let (_, _, qw, qh) = d.rect_of("q");
        let (_, _, pw, _) = d.rect_of("p");
        assert!(qh >= 96 && qw >= 80 && qw == pw, "q key {qw}x{qh}");
        // The terminal is in 新乡: "xinxiang" gives 新乡 first, one pick.
        type_letters(d, "xinxiang");
        d.wait_until(|app| {
            use slint::Model;
            app.global::<EditorAdapter>().get_candidates().row_data(0).is_some_and(|c| c == "新乡")
        });
        d.shot("form-editor-pinyin");
        d.tap("候选 新乡");
        d.wait_until(|app| {
            let e = app.global::<EditorAdapter>();
            e.get_text() == "新乡" && e.get_pinyin().is_empty()
        });
        // Two words typed at once: picking the first leaves the letters of the second.
        type_letters(d, "hongqiqupingyuanlu");
        assert!(shown(d).contains(&"红旗区".to_string()), "{:?}", shown(d));
        d.tap("候选 红旗区");
        d.wait_until(|app| app.global::<EditorAdapter>().get_pinyin() == "pingyuanlu");
        // 长者版: the keys grow to 120 px, the candidates stay on screen.
        d.tap("长者版");
        d.wait_until(|app| app.global::<kiosk::ui::Theme>().get_elder());
        let (_, _, _, eh) = d.rect_of("q");
        assert!(eh >= 120, "q key in 长者版: {eh} px high");
        d.shot("form-editor-pinyin-elder");
        let (_, y, _, h) = d.rect_of("确定填写");
        assert!(y + h <= d.rect_of("首页").1, "the editor's buttons stay above the bottom bar");
        pick(d, "pingyuanlu", "平原路", false);
        d.type_digits("8");
        d.tap("号");
        d.wait_until(|app| app.global::<EditorAdapter>().get_text() == "新乡红旗区平原路8号");
        d.tap("标准版");
        d.confirm_edit();
        wait_row(d, "迁入地住所", "新乡红旗区平原路8号");
        // 手写: the same field again, 院 written on the pad with real pointer strokes.
        d.edit_field("迁入地住所");
        d.tap("手写输入");
        d.wait_until(|app| app.global::<EditorAdapter>().get_hw_available());
        let (_, _, pw, ph) = d.rect_of("手写板");
        assert!(pw >= 600 && ph >= 600, "the pad is {pw}x{ph} px");
        write(d, "院");
        d.shot("form-editor-handwriting");
        d.tap("院");
        d.wait_until(|app| app.global::<EditorAdapter>().get_text() == "新乡红旗区平原路8号院");
        d.confirm_edit();
        wait_row(d, "迁入地住所", "新乡红旗区平原路8号院");
        d.edit_field("变更事项");
        d.tap("住所");
        d.confirm_edit();
        d.enter_phone("13912345678");
        d.submit_from_form();
        d.tap("首页");
        d.wait_screen(ScreenId::Home);
        hands.clone()
    });
    let sim = h.kiosk.sim.as_ref().unwrap().sim.clone();
    let cases = common::eventually(Duration::from_secs(15), || {
        let c = sim.cases();
        (c.len() >= 2).then_some(c)
    });
    assert_eq!(cases.len(), 2);
    // The address typed by 拼音 words, as the platform received it.
    let moved = cases.iter().find(|c| c.form.iter().any(|f| f.key == "org.new_address")).expect("the move case");
    let addr = moved.form.iter().find(|f| f.key == "org.new_address").unwrap();
    assert_eq!((addr.value.as_str(), addr.source.as_str()), ("新乡红旗区平原路8号院", "typed"));
    let cases: Vec<_> = cases.iter().filter(|c| c.form.iter().any(|f| f.key == "business.area")).cloned().collect();
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

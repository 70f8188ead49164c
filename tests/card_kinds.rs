//! Card kinds end to end: a 港澳台居民居住证 ('J') laid on the emulated SAM reader goes
//! through the real UI headless, and the case at the simulator carries the 证件类型代码
//! of the terminal's `[id_types]` table and the card's pass number and issue count.

mod common;

use kiosk::ui::ScreenId;
use kiosk_api::wire::IdentitySource;
use kiosk_hardware::idcard::CardSpec;
use std::time::Duration;

/// A fictitious Hong Kong resident's 居住证 (valid GB 11643 number, 810000 address code).
fn j_card() -> CardSpec {
    CardSpec {
        kind: "J".into(),
        name: "陈家明".into(),
        sex: "1".into(),
        birth_date: "19940823".into(),
        address: "广东省深圳市福田区福华三路88号".into(),
        id_number: "810000199408230021".into(),
        authority: "深圳市公安局".into(),
        valid_from: "20230301".into(),
        valid_to: "20280301".into(),
        pass_number: "H60123456".into(),
        issue_count: "02".into(),
        ..Default::default()
    }
}

#[test]
fn a_j_card_journey_carries_its_id_type_and_pass_number() {
    let dir = tempfile::tempdir().unwrap();
    // A province whose code for the 居住证 is not the default: the case must follow the table.
    let (k, _rig, hands) = common::run_in(
        &dir.path().join("data"),
        |cfg| cfg.id_types.hk_mo_tw = "154".into(),
        |d, hands| {
            d.wait_screen(ScreenId::Attract);
            d.tap("点击屏幕 开始办理");
            d.wait_screen(ScreenId::Home);
            d.tap("新生儿出生“一件事”");
            d.wait_screen(ScreenId::Guide);
            // The citizen's card is on the reader before the demo hand would lay its own.
            hands.reader.place(&j_card()).unwrap();
            d.tap("我已了解，开始办理");
            d.wait_screen(ScreenId::Form);
            assert!(d.has_text("陈家明"), "the name from the J card is on the form");
            d.enter_phone("13812345678");
            d.shot("card-kind-j-form");
            d.submit_from_form();
            hands.clone()
        },
    );
    let cases = common::eventually(Duration::from_secs(15), || {
        let c = hands.sim.cases();
        (!c.is_empty()).then_some(c)
    });
    assert_eq!(cases.len(), 1);
    let a = &cases[0].applicant;
    assert_eq!((a.name.as_str(), a.id_number.as_str()), ("陈家明", "810000199408230021"));
    assert_eq!(a.id_type, "154", "the 证件类型代码 of [id_types].hk_mo_tw");
    assert_eq!((a.pass_number.as_deref(), a.issue_count.as_deref()), (Some("H60123456"), Some("02")));
    assert_eq!(a.identity_source, IdentitySource::Card);
    assert!(a.name_en.is_none() && a.nationality.is_none() && a.renewal_count.is_none());
    drop(k);
}

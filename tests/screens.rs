//! The finish of the citizen's screens (issue 16), through the real UI headless with the
//! emulators, the real SQLite store and the simulator: 帮助 from the attract screen, home
//! tile icons and the 单项事项 tab, the guide leading with the materials, the masked
//! phone on the review, the locked bottom bar while the case is written, 请取走您的身份证
//! 和回执 on screen and in the voice, and the five faces of 好差评 as one choice.

mod common;

use common::Driver;
use kiosk::ui::{ChromeAdapter, GuideAdapter, RatingAdapter, ReceiptAdapter, ScreenId, StartAdapter, TileIcon};
use kiosk::voice::Prompt;
use slint::{ComponentHandle, Model};
use std::time::Duration;

#[test]
fn screens_of_a_whole_visit() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let db = data.join("kiosk.db");
    let (_k, _rig, said) = common::run_in(
        &data,
        // The voice speaks in every mode, so what it says on each screen is recorded.
        |cfg| cfg.voice.enabled = kiosk::config::VoiceMode::On,
        move |d, hands| {
            help_from_attract(d);
            home_icons_and_singles(d);
            guide_leads_with_materials(d);
            d.enter_phone("13812345678");
            d.tap("下一步");
            d.wait_screen(ScreenId::Materials);
            d.capture_all_materials();
            d.tap("下一步");
            d.wait_screen(ScreenId::Review);
            review_masks_the_phone(d);
            submitting_locks_navigation(d, &db);
            receipt_says_take_card_and_receipt(d, hands);
            rating_faces_are_one_choice(d);
            d.wait_screen(ScreenId::Farewell);
            assert!(d.has_text("请取走您的身份证和回执"), "the farewell says it again");
            d.shot("farewell");
            hands.voice.prompts()
        },
    );
    // The voice: the card named again on the receipt screen, the slip once printed, and
    // the farewell's own words (身份证, 材料 and 回执).
    let at = |p: Prompt| said.iter().rposition(|x| *x == p).unwrap_or_else(|| panic!("{p:?} not said: {said:?}"));
    assert!(at(Prompt::Receipt) < at(Prompt::TakeCard), "请取走您的身份证 on the receipt screen: {said:?}");
    assert!(at(Prompt::TakeReceipt) > at(Prompt::Receipt), "{said:?}");
    assert!(at(Prompt::Farewell) > at(Prompt::TakeReceipt), "{said:?}");
}

/// 帮助 on the attract screen's bottom bar opens help; closing it goes back there.
fn help_from_attract(d: &Driver) {
    d.wait_screen(ScreenId::Attract);
    d.tap("帮助");
    d.wait_screen(ScreenId::Help);
    assert!(d.has_text("帮办电话"), "the help screen with the branch phone");
    d.shot("help-from-attract");
    d.tap("返回继续办理");
    d.wait_screen(ScreenId::Attract);
}

fn home_icons_and_singles(d: &Driver) {
    d.tap("点击屏幕 开始办理");
    d.wait_screen(ScreenId::Home);
    // Every tile has its own picture.
    let icons = d.on_ui(|app| {
        let m = app.global::<StartAdapter>().get_bundles();
        m.iter().map(|b| (b.id.to_string(), b.icon)).collect::<Vec<_>>()
    });
    assert!(icons.contains(&("newborn".to_string(), TileIcon::BabyCarriage)), "{icons:?}");
    for (i, (id, icon)) in icons.iter().enumerate() {
        assert!(!icons[..i].iter().any(|(_, other)| other == icon), "{id}: its icon is another tile's too");
    }

    // 单项事项: the standalone matters under their departments; one opens its guide.
    d.tap("单项事项（27）");
    d.wait_until(|app| app.global::<StartAdapter>().get_singles_open());
    assert!(d.has_text("市商务局（17）"), "the first department's heading is on screen");
    // Rows below the fold are not instantiated: the rest from the tab's model.
    let headings = d.on_ui(|app| {
        let rows = app.global::<StartAdapter>().get_singles();
        rows.iter().filter(|r| r.id.is_empty()).map(|r| r.heading.to_string()).collect::<Vec<_>>()
    });
    assert!(headings.contains(&"市公安局（2）".to_string()) && headings.len() >= 5, "{headings:?}");
    assert!(d.has_text("成品油零售经营资格审批"), "a standalone matter is listed");
    assert!(!d.has_text("新生儿出生“一件事”"), "the bundles give way to the matters");
    d.shot("home-single");
    d.tap("成品油零售经营资格审批");
    d.wait_screen(ScreenId::Guide);
    let (title, matters) = d.on_ui(|app| {
        let g = app.global::<GuideAdapter>();
        (g.get_title().to_string(), g.get_matters().iter().map(|m| m.name.to_string()).collect::<Vec<_>>())
    });
    assert!(title.contains("成品油零售经营资格审批"), "{title}");
    assert_eq!(matters, ["成品油零售经营资格审批"]);
    d.tap("首页");
    d.wait_screen(ScreenId::Home);
}

/// The guide opens on what to bring and how long it takes; the sub-items follow.
fn guide_leads_with_materials(d: &Driver) {
    d.tap("新生儿出生“一件事”");
    d.wait_screen(ScreenId::Guide);
    d.wait_until(|app| app.global::<GuideAdapter>().get_lead().row_count() == 2);
    let materials = d.rect_of("需要准备的材料（已合并，同一材料只交一次）");
    let limits = d.rect_of("办理时限");
    let choice = d.rect_of("办理事项（可全选或只选部分）");
    let go = d.rect_of("我已了解，开始办理");
    assert!(materials.1 + materials.3 < go.1 && limits.1 + limits.3 < go.1, "above the fold: {materials:?} {limits:?}");
    assert!(materials.1 < limits.1 && limits.1 < choice.1, "materials, time limit, then the sub-items");
    d.shot("guide");
    d.tap("我已了解，开始办理");
    d.wait_screen(ScreenId::Form);
}

fn review_masks_the_phone(d: &Driver) {
    assert!(d.has_text("手机 138****5678"), "the phone is shown masked");
    assert!(!d.has_text("13812345678"), "and never in full");
    d.shot("review");
}

/// While the case is written (held here by a real SQLite write lock on the store),
/// the screen shows progress and 返回 / 首页 / 帮助 cannot be pressed.
fn submitting_locks_navigation(d: &Driver, db: &std::path::Path) {
    let lock = rusqlite::Connection::open(db).unwrap();
    lock.execute_batch("BEGIN EXCLUSIVE").unwrap();
    d.tap("确认提交");
    d.wait_screen(ScreenId::Submitting);
    assert!(d.on_ui(|app| app.global::<ChromeAdapter>().get_nav_locked()));
    for b in ["返回", "首页", "帮助"] {
        assert_eq!(d.control_state(b).map(|(enabled, _)| enabled), Some(false), "{b} is disabled");
    }
    assert_eq!(d.control_state("长者版").map(|(enabled, _)| enabled), Some(true), "长者版 still works");
    assert!(d.has_text("正在提交"), "the progress bar");
    d.shot("submitting");
    std::thread::sleep(Duration::from_millis(800));
    assert_eq!(d.on_ui(|app| app.global::<ChromeAdapter>().get_screen()), ScreenId::Submitting);
    lock.execute_batch("COMMIT").unwrap();
    d.wait_screen(ScreenId::Receipt);
    assert_eq!(d.control_state("首页").map(|(enabled, _)| enabled), Some(true), "unlocked once written");
}

fn receipt_says_take_card_and_receipt(d: &Driver, hands: &common::Hands) {
    d.wait_until(|app| app.global::<ReceiptAdapter>().get_print_status().contains("已打印"));
    assert!(d.has_text("请取走您的身份证和回执"));
    assert!(d.has_text("身份证和回执"), "the picture of a card and a slip");
    common::eventually(common::TIMEOUT, || hands.voice.prompts().contains(&Prompt::TakeReceipt).then_some(()));
    d.shot("receipt");
    d.tap("下一步：评价本次服务");
}

/// Five faces, one choice: a tap on a second face moves the choice; 差评 asks why.
fn rating_faces_are_one_choice(d: &Driver) {
    d.wait_screen(ScreenId::Rating);
    let level = |d: &Driver| d.on_ui(|app| app.global::<RatingAdapter>().get_level());
    d.shot("rating");
    d.tap("满意");
    d.wait_until(|app| app.global::<RatingAdapter>().get_level() == 2);
    assert_eq!(d.control_state("满意"), Some((true, true)));
    d.tap("非常满意");
    d.wait_until(|app| app.global::<RatingAdapter>().get_level() == 1);
    assert_eq!(d.control_state("非常满意"), Some((true, true)));
    assert_eq!(d.control_state("满意"), Some((true, false)), "the first face is no longer chosen");
    let chosen = ["非常满意", "满意", "基本满意", "不满意", "非常不满意"]
        .iter()
        .filter(|l| d.control_state(l).is_some_and(|(_, checked)| checked))
        .count();
    assert_eq!(chosen, 1);
    // 差评: the reasons appear (several may be chosen there).
    d.tap("不满意");
    d.wait_until(|app| app.global::<RatingAdapter>().get_needs_reasons());
    assert_eq!(level(d), 4);
    d.tap("等待时间太长");
    d.wait_until(|app| app.global::<RatingAdapter>().get_reasons().iter().any(|r| r.chosen));
    d.shot("rating-bad");
    d.tap("提交评价");
}

//! The controllers on a headless window: typed callbacks become journey events, and
//! snapshots change the adapters in place, a tick only the countdown.

use crate::catalog::Catalog;
use crate::journey::Event;
use crate::journey::{self, Ctx, Delivery, Screen, State, Timing};
use crate::runtime::{PreviewFrame, Snapshot};
use crate::ui::*;
use slint::{ComponentHandle, Model, ModelRc};
use std::sync::Arc;

const URL: &str = "https://example.invalid/p";

fn window() -> AppWindow {
    // Once per test thread: Slint's platform is per thread.
    let _ = crate::headless::init(false);
    crate::headless::new_window().expect("headless window")
}

/// The address of the model behind a property: the same for the window's life.
fn model_id<T>(m: &ModelRc<T>) -> *const () {
    m.as_any() as *const dyn std::any::Any as *const ()
}

#[test]
fn typed_callbacks_become_journey_events() {
    let app = window();
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    connect(&app, tx);
    let mut next = move || rx.try_recv().ok();

    let start = app.global::<StartAdapter>();
    start.invoke_start();
    assert_eq!(next(), Some(Event::Tap));
    start.invoke_select_bundle("newborn".into());
    assert_eq!(next(), Some(Event::StartBundle("newborn".into())));
    start.invoke_select_category(HomeCategory::Enterprise);
    assert_eq!(next(), Some(Event::HomeCategory(crate::catalog::Category::Enterprise)));
    start.invoke_select_category(HomeCategory::Single);
    assert_eq!(next(), Some(Event::HomeSingles), "the 单项事项 tab");
    start.invoke_search_letter("x".into());
    assert_eq!(next(), Some(Event::SearchKey('x')));
    start.invoke_search_letter("?".into());
    start.invoke_open_hit("".into());
    assert_eq!(next(), None, "not a letter, not a hit");
    start.invoke_search_delete();
    assert_eq!(next(), Some(Event::SearchKey('\u{8}')));

    let editor = app.global::<EditorAdapter>();
    editor.invoke_press_key("7".into());
    assert_eq!(next(), Some(Event::Key('7')));
    editor.invoke_press_key("号".into());
    assert_eq!(next(), Some(Event::Key('号')));
    editor.invoke_delete_char();
    assert_eq!(next(), Some(Event::Key('\u{8}')));
    editor.invoke_page_candidates(true);
    assert_eq!(next(), Some(Event::CandidatePage(true)));
    editor.invoke_toggle_option(2);
    assert_eq!(next(), Some(Event::Pick(2)));

    let form = app.global::<FormAdapter>();
    form.invoke_set_delivery(DeliveryChoice::Post);
    assert_eq!(next(), Some(Event::SetDelivery(Delivery::Post)));
    form.invoke_edit_field(3);
    assert_eq!(next(), Some(Event::EditField(3)));
    form.invoke_profile_consent(false);
    assert_eq!(next(), Some(Event::ProfileConsent(false)));

    let materials = app.global::<MaterialsAdapter>();
    materials.invoke_sign("M 1 1 L 2 2".into());
    assert_eq!(next(), Some(Event::Sign("M 1 1 L 2 2".into())));
    materials.invoke_pen_down();
    assert_eq!(next(), Some(Event::Tap), "writing keeps the session alive");

    let rating = app.global::<RatingAdapter>();
    rating.invoke_toggle_reason("R02".into());
    assert_eq!(next(), Some(Event::ToggleReason("R02".into())));
    rating.invoke_rate(-1);
    rating.invoke_rate(6);
    assert_eq!(next(), None, "only levels 1..=5");
    rating.invoke_rate(5);
    assert_eq!(next(), Some(Event::Rate(5)));

    app.global::<HelpAdapter>().invoke_go_home();
    assert_eq!(next(), Some(Event::Next));
    app.global::<ChromeAdapter>().invoke_still_here();
    assert_eq!(next(), Some(Event::StillHere));
}

fn step_all(cat: &Catalog, s: State, events: Vec<Event>) -> State {
    let ctx = Ctx { catalog: cat, today: "20261121", now_ms: 1_795_000_000_000, timing: Timing::default() };
    events.into_iter().fold(s, |s, e| journey::step(s, e, &ctx).0)
}

#[test]
fn snapshots_change_the_adapters_in_place() {
    let app = window();
    let cat = Arc::new(Catalog::seed());
    let mut differ = Differ::new(crate::ui::view::SiteFacts::defaults(URL));
    let snap = |s: &State, preview: Option<PreviewFrame>| Snapshot {
        state: Arc::new(s.clone()),
        catalog: cat.clone(),
        preview,
    };

    // The restaurant form: the fields still to fill are flagged, not spelled out.
    let id = cat.bundles.iter().find(|b| b.name.contains("餐饮")).unwrap().id.clone();
    let s = step_all(
        &cat,
        State::new(120),
        vec![Event::Tap, Event::StartBundle(id), Event::Next, Event::CardRead(crate::headless::sample_applicant())],
    );
    assert_eq!(s.screen, Screen::Form);
    differ.update(snap(&s, None)).apply(&app);
    let form = app.global::<FormAdapter>();
    let fields = form.get_fields();
    let missing: Vec<FieldRow> = fields.iter().filter(|f| f.missing).collect();
    assert!(!missing.is_empty());
    assert!(missing.iter().all(|f| f.value.is_empty() && f.editable && !f.auto), "{missing:?}");

    // A tick: the countdown and nothing else.
    let mut t = s.clone();
    t.idle_left -= 1;
    let u = differ.update(snap(&t, None));
    assert!(u.view.is_none() && u.preview.is_none(), "{u:?}");
    assert_eq!(u.countdown, Some(119));
    u.apply(&app);
    assert_eq!(app.global::<ChromeAdapter>().get_idle_left(), 119);

    // Typing a value changes that row, in the same model.
    let area = missing.iter().find(|f| f.label.contains("面积")).unwrap().index as usize;
    let mut typed = vec![Event::EditField(area)];
    typed.extend("45".chars().map(Event::Key));
    typed.push(Event::EditDone);
    let s = step_all(&cat, t, typed);
    let u = differ.update(snap(&s, None));
    assert!(u.view.is_some());
    u.apply(&app);
    let after = form.get_fields();
    assert_eq!(model_id(&after), model_id(&fields), "the model is kept");
    assert!(after.iter().any(|f| f.label.contains("面积") && f.value == "45" && !f.missing));

    // The same state with a new preview frame: the image only.
    let frame = PreviewFrame { width: 2, height: 1, rgb: Arc::new(vec![0; 6]) };
    let u = differ.update(snap(&s, Some(frame.clone())));
    assert!(u.view.is_none() && u.countdown.is_none() && u.preview == Some(Some(frame)), "{u:?}");
}

#[test]
fn site_facts_come_from_config_not_code() {
    let cat = Catalog::seed();
    let s = crate::headless::demo_state(Screen::DeviceFault, &cat);
    let site = view::SiteFacts {
        progress_url: URL.into(),
        online_app: "皖事通".into(),
        deferral_days: 7,
        tz: chrono_tz::Asia::Shanghai,
    };
    let v = view::build_for(&s, &cat, &site);
    assert!(v.fault_options.iter().any(|o| o.contains("“皖事通”")), "{:?}", v.fault_options);
    assert!(v.fault_options.iter().all(|o| !o.contains("豫事办")), "{:?}", v.fault_options);
}

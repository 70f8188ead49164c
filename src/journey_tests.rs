use crate::catalog::Catalog;
use crate::journey::*;

fn ctx(cat: &Catalog) -> Ctx<'_> {
    Ctx { catalog: cat, today: "20261121", now_ms: 1_795_000_000_000, timing: Timing::default() }
}

fn applicant() -> Applicant {
    crate::journey::sample_applicant()
}

/// Runs events from a fresh state, returning the state and all effects.
fn run(cat: &Catalog, events: Vec<Event>) -> (State, Vec<Effect>) {
    run_from(State::new(120), cat, events)
}

fn run_from(mut s: State, cat: &Catalog, events: Vec<Event>) -> (State, Vec<Effect>) {
    let c = ctx(cat);
    let mut all = Vec::new();
    for e in events {
        let (ns, fx) = step(s, e, &c);
        s = ns;
        all.extend(fx);
    }
    (s, all)
}

fn to_form() -> Vec<Event> {
    vec![Event::Tap, Event::StartBundle("newborn".into()), Event::Next, Event::CardRead(applicant())]
}

/// The phone typed on its editor and confirmed.
fn phone() -> Vec<Event> {
    let mut v = vec![Event::EditPhone];
    v.extend("13812345678".chars().map(Event::Key));
    v.push(Event::EditDone);
    v
}

fn to_materials() -> Vec<Event> {
    let mut v = to_form();
    v.extend(phone());
    v.push(Event::Next);
    v
}

/// From the Materials screen: everything photographed, reviewed, submitted; the case queued.
fn submit_draft(s: State, cat: &Catalog) -> Box<CaseDraft> {
    let mut rest = capture_all(&s);
    rest.extend([Event::Next, Event::Next]);
    let (_, fx) = run_from(s, cat, rest);
    fx.into_iter()
        .find_map(|e| match e {
            Effect::EnqueueCase(d) => Some(d),
            _ => None,
        })
        .expect("a case queued")
}

fn capture_all(s: &State) -> Vec<Event> {
    let mut v = Vec::new();
    for (i, m) in s.session.as_ref().unwrap().materials.iter().enumerate() {
        if m.state == SlotState::Todo {
            v.push(Event::Capture(i));
            v.push(Event::Captured { slot: i, pages: 1 });
        }
    }
    v
}

fn to_receipt(cat: &Catalog) -> (State, Vec<Effect>) {
    let (s, mut fx) = run(cat, to_materials());
    let mut ev = capture_all(&s);
    ev.extend([Event::Next, Event::Next, Event::CaseQueued { local_no: "XX0001-000001".into() }]);
    let (s, more) = run_from(s, cat, ev);
    fx.extend(more);
    (s, fx)
}

#[test]
fn attract_tap_goes_home_and_bundle_opens_guide() {
    let cat = Catalog::seed();
    let (s, fx) = run(&cat, vec![Event::Tap]);
    assert_eq!(s.screen, Screen::Home);
    assert!(fx.is_empty());
    let (s, fx) = run_from(s, &cat, vec![Event::StartBundle("newborn".into())]);
    assert_eq!(s.screen, Screen::Guide);
    assert_eq!(s.session.as_ref().unwrap().selected.len(), 5);
    assert!(matches!(fx[0], Effect::Audit { kind: "session_start", .. }));
    assert!(fx.contains(&Effect::Count(crate::store::counts::SESSIONS)));
}

#[test]
fn unknown_bundle_stays_home_with_a_message() {
    let cat = Catalog::seed();
    let (s, _) = run(&cat, vec![Event::Tap, Event::StartBundle("nope".into())]);
    assert_eq!(s.screen, Screen::Home);
    assert!(s.notice.unwrap().contains("窗口"));
}

#[test]
fn guide_toggles_items_and_needs_one() {
    let cat = Catalog::seed();
    let (s, _) = run(&cat, vec![Event::Tap, Event::StartBundle("newborn".into()), Event::ToggleItem(6)]);
    assert_eq!(s.session.as_ref().unwrap().selected.len(), 6);
    let mut ev: Vec<Event> = (0..7).map(Event::ToggleItem).collect();
    ev.push(Event::Next);
    let (s, fx) = run_from(s, &cat, ev);
    // Toggling all seven flips each: only the one that was off (index 4) is now on.
    assert_eq!(s.session.as_ref().unwrap().selected.len(), 1);
    assert_eq!(s.screen, Screen::Identify);
    assert!(fx.contains(&Effect::StartCardReading));
    let (s, _) = run_from(s, &cat, vec![Event::Back, Event::ToggleItem(4), Event::Next]);
    assert_eq!(s.screen, Screen::Guide);
    assert!(s.notice.unwrap().contains("至少选择"));
}

#[test]
fn guide_can_print_notice_and_back_ends_session() {
    let cat = Catalog::seed();
    let (s, fx) = run(&cat, vec![Event::Tap, Event::StartBundle("newborn".into()), Event::PrintNotice]);
    assert!(matches!(fx.last(), Some(Effect::PrintNotice { .. })));
    let (s, fx) = run_from(s, &cat, vec![Event::Back]);
    assert_eq!(s.screen, Screen::Home);
    assert!(s.session.is_none());
    assert!(fx.contains(&Effect::WipeSession));
}

#[test]
fn card_fills_form_from_card() {
    let cat = Catalog::seed();
    let (s, fx) = run(&cat, to_form());
    assert_eq!(s.screen, Screen::Form);
    assert!(fx.contains(&Effect::StopCardReading));
    let sess = s.session.unwrap();
    let name = sess.fields.iter().find(|f| f.key == "applicant.name").unwrap();
    assert_eq!(name.value, "张晓𠮷");
    assert_eq!(name.source, crate::catalog::FieldSource::Card);
    let auto = sess.fields.iter().filter(|f| !f.value.is_empty()).count();
    assert!(auto * 2 >= sess.fields.len(), "at least half auto-filled: {auto}/{}", sess.fields.len());
    // The audit never carries the whole number.
    let audit = fx.iter().find_map(|e| match e {
        Effect::Audit { kind: "card_read", detail } => Some(detail.clone()),
        _ => None,
    });
    assert_eq!(audit.unwrap(), "4107**********0046");
}

#[test]
fn expired_or_bad_card_stays_on_identify_with_message() {
    let cat = Catalog::seed();
    let mut expired = applicant();
    expired.valid_to = Some("20200101".into());
    let (s, _) =
        run(&cat, vec![Event::Tap, Event::StartBundle("newborn".into()), Event::Next, Event::CardRead(expired)]);
    assert_eq!(s.screen, Screen::Identify);
    assert!(s.notice.as_ref().unwrap().contains("有效期"));
    let mut bad = applicant();
    bad.id_number = "410702199003070047".into();
    let (s, _) = run_from(s, &cat, vec![Event::CardRead(bad)]);
    assert!(s.notice.unwrap().contains("校验"));
    let mut long_term = applicant();
    long_term.valid_to = None;
    assert!(long_term.check("20991231").is_ok());
}

#[test]
fn reader_failure_leads_to_device_fault_and_home() {
    let cat = Catalog::seed();
    let (s, fx) = run(
        &cat,
        vec![
            Event::Tap,
            Event::StartBundle("newborn".into()),
            Event::Next,
            Event::DeviceFailed { device: Device::IdCard, message: "SAM".into() },
        ],
    );
    assert_eq!(s.screen, Screen::DeviceFault);
    assert_eq!(s.fault.as_ref().unwrap().device, Device::IdCard);
    assert!(fx.contains(&Effect::StopCardReading));
    let (s, fx) = run_from(s, &cat, vec![Event::Next]);
    assert_eq!(s.screen, Screen::Home);
    assert!(s.session.is_none() && s.fault.is_none());
    assert!(fx.contains(&Effect::WipeSession));
}

#[test]
fn identify_back_stops_reader() {
    let cat = Catalog::seed();
    let (s, fx) = run(&cat, vec![Event::Tap, Event::StartBundle("newborn".into()), Event::Next, Event::Back]);
    assert_eq!(s.screen, Screen::Guide);
    assert_eq!(fx.last(), Some(&Effect::StopCardReading));
}

#[test]
fn phone_keypad_validates() {
    let cat = Catalog::seed();
    let mut ev = to_form();
    // Keys outside an editor do nothing; an empty phone blocks the form.
    ev.extend([Event::Key('1'), Event::Next]);
    let (s, _) = run(&cat, ev);
    assert_eq!(s.screen, Screen::Form);
    assert!(s.notice.as_ref().unwrap().contains("11位"));
    assert!(s.session.as_ref().unwrap().phone().is_empty());
    // Too short: the editor says so and stays open.
    let mut ev = vec![Event::EditPhone];
    ev.extend("1381234".chars().map(Event::Key));
    ev.push(Event::EditDone);
    let (s, _) = run_from(s, &cat, ev);
    assert!(s.session.as_ref().unwrap().editor.is_some());
    assert!(s.notice.as_ref().unwrap().contains("11位"));
    // At most 11 digits; delete works.
    let mut ev: Vec<Event> = "56789999".chars().map(Event::Key).collect();
    ev.extend([Event::Key('\u{8}'), Event::Key('8'), Event::EditDone, Event::SetDelivery(Delivery::Post)]);
    let (s, _) = run_from(s, &cat, ev);
    let sess = s.session.as_ref().unwrap();
    assert_eq!(sess.phone(), "13812345678");
    assert_eq!(sess.delivery, Delivery::Post);
    let (s, _) = run_from(s, &cat, vec![Event::Next]);
    assert_eq!(s.screen, Screen::Materials);
    let (s, _) = run_from(s, &cat, vec![Event::Back, Event::Back]);
    assert_eq!(s.screen, Screen::Guide);
    assert!(s.session.as_ref().unwrap().applicant.is_none());
}

#[test]
fn materials_merge_ecert_capture_defer() {
    let cat = Catalog::seed();
    let (s, _) = run(&cat, to_materials());
    let mats = &s.session.as_ref().unwrap().materials;
    assert_eq!(mats.iter().filter(|m| m.key == "id_card").count(), 1);
    assert_eq!(mats.iter().find(|m| m.key == "id_card").unwrap().state, SlotState::ECert);
    // Next with nothing scanned names what is missing.
    let (s, _) = run_from(s, &cat, vec![Event::Next]);
    assert!(s.notice.as_ref().unwrap().contains("户口簿"));
    let hh = s.session.as_ref().unwrap().materials.iter().position(|m| m.key == "household_register").unwrap();
    let (s, fx) = run_from(s, &cat, vec![Event::Capture(hh), Event::Capture(hh)]);
    assert_eq!(fx, vec![Effect::Capture { slot: hh, material_key: "household_register".into() }]);
    let (s, _) = run_from(s, &cat, vec![Event::CaptureFailed { slot: hh, message: "太暗".into() }]);
    assert_eq!(s.session.as_ref().unwrap().materials[hh].state, SlotState::Failed("太暗".into()));
    // Not deferrable: Defer does nothing.
    let (s, _) = run_from(s, &cat, vec![Event::Defer(hh)]);
    assert!(matches!(s.session.as_ref().unwrap().materials[hh].state, SlotState::Failed(_)));
    let ev = capture_all(&s);
    let (s, _) = run_from(s, &cat, ev);
    let (s, _) = run_from(s, &cat, vec![Event::Capture(hh), Event::Captured { slot: hh, pages: 2 }, Event::Next]);
    assert_eq!(s.screen, Screen::Review);
    let (s, _) = run_from(s, &cat, vec![Event::Back]);
    assert_eq!(s.screen, Screen::Materials);
}

#[test]
fn scanner_fault_mid_materials() {
    let cat = Catalog::seed();
    let (s, _) = run(&cat, to_materials());
    let (s, _) = run_from(s, &cat, vec![Event::DeviceFailed { device: Device::Scanner, message: "断开".into() }]);
    assert_eq!(s.screen, Screen::DeviceFault);
}

#[test]
fn deferrable_material_can_be_deferred() {
    let cat = Catalog::seed();
    // Only 生育医疗费用报销 (index 4): bank card is deferrable.
    let mut ev = vec![Event::Tap, Event::StartBundle("newborn".into())];
    for i in [0, 1, 2, 3, 5] {
        ev.push(Event::ToggleItem(i));
    }
    ev.push(Event::ToggleItem(4));
    ev.extend([Event::Next, Event::CardRead(applicant())]);
    ev.extend(phone());
    ev.push(Event::Next);
    let (s, _) = run(&cat, ev);
    let mats = &s.session.as_ref().unwrap().materials;
    let bank = mats.iter().position(|m| m.key == "bank_card").unwrap();
    assert!(mats[bank].deferrable);
    let (s, _) = run_from(s, &cat, vec![Event::Defer(bank), Event::Sign(crate::signature::sample_path())]);
    assert_eq!(s.session.as_ref().unwrap().materials[bank].state, SlotState::Deferred);
}

#[test]
fn submit_queues_once_then_receipt_prints() {
    let cat = Catalog::seed();
    let (s, fx) = to_receipt(&cat);
    let enq: Vec<_> = fx.iter().filter(|e| matches!(e, Effect::EnqueueCase(_))).collect();
    assert_eq!(enq.len(), 1);
    if let Effect::EnqueueCase(d) = enq[0] {
        assert_eq!(d.applicant.name, "张晓𠮷");
        assert_eq!(d.phone, "13812345678");
        assert_eq!(d.matter_codes.len(), 5);
    }
    assert_eq!(s.screen, Screen::Receipt);
    let Some(Effect::PrintReceipt(r)) = fx.last() else { panic!("print effect") };
    assert_eq!(r.local_no, "XX0001-000001");
    assert_eq!(r.matters.len(), 5);
    let (s, _) = run_from(s, &cat, vec![Event::PrintFailed("缺纸".into())]);
    assert_eq!(s.session.as_ref().unwrap().receipt.as_ref().unwrap().print, PrintState::Failed("缺纸".into()));
    let (s, _) = run_from(s, &cat, vec![Event::ReceiptPrinted]);
    assert_eq!(s.session.as_ref().unwrap().receipt.as_ref().unwrap().print, PrintState::Printed);
}

#[test]
fn submitting_ignores_home_and_queue_failure_is_a_fault() {
    let cat = Catalog::seed();
    let (s, _) = run(&cat, to_materials());
    let mut ev = capture_all(&s);
    ev.extend([Event::Next, Event::Next, Event::Home, Event::Tick(500)]);
    let (s, _) = run_from(s, &cat, ev);
    assert_eq!(s.screen, Screen::Submitting);
    let (s, _) = run_from(s, &cat, vec![Event::QueueFailed("disk full".into())]);
    assert_eq!(s.screen, Screen::DeviceFault);
    assert_eq!(s.fault.unwrap().device, Device::Storage);
}

#[test]
fn shutdown_wipes_the_session_on_any_screen() {
    let cat = Catalog::seed();
    let (s, _) = run(&cat, to_materials());
    let mut ev = capture_all(&s);
    ev.extend([Event::Next, Event::Next, Event::ToggleElder]);
    let (s, _) = run_from(s, &cat, ev);
    assert_eq!(s.screen, Screen::Submitting);
    let (s, fx) = run_from(s, &cat, vec![Event::Shutdown]);
    assert_eq!(s.screen, Screen::Attract);
    assert!(s.session.is_none() && !s.elder);
    assert!(fx.contains(&Effect::WipeSession), "{fx:?}");
    // With no session there is nothing to wipe.
    let (s, fx) = run_from(s, &cat, vec![Event::Shutdown]);
    assert_eq!((s.screen, fx.len()), (Screen::Attract, 0));
}

#[test]
fn good_rating_is_stored_and_farewell_returns_to_attract() {
    let cat = Catalog::seed();
    let (s, _) = to_receipt(&cat);
    let (s, fx) = run_from(s, &cat, vec![Event::Next, Event::SubmitRating]);
    assert_eq!(s.screen, Screen::Rating);
    assert!(fx.is_empty());
    let (s, fx) = run_from(s, &cat, vec![Event::Rate(1), Event::SubmitRating]);
    assert_eq!(s.screen, Screen::Farewell);
    assert_eq!(
        fx,
        vec![
            Effect::Count(crate::store::counts::RATING_1),
            Effect::StoreRating(RatingRecord { local_no: "XX0001-000001".into(), level: 1, reasons: vec![] })
        ]
    );
    let (s, fx) = run_from(s, &cat, vec![Event::Tick(8)]);
    assert_eq!(s.screen, Screen::Attract);
    assert!(s.session.is_none());
    assert!(fx.contains(&Effect::WipeSession));
}

#[test]
fn bad_rating_needs_a_reason() {
    let cat = Catalog::seed();
    let (s, _) = to_receipt(&cat);
    let (s, fx) = run_from(s, &cat, vec![Event::Next, Event::Rate(5), Event::SubmitRating]);
    assert!(fx.is_empty());
    assert!(s.notice.as_ref().unwrap().contains("原因"));
    let (s, fx) = run_from(
        s,
        &cat,
        vec![
            Event::ToggleReason("R02".into()),
            Event::ToggleReason("R03".into()),
            Event::ToggleReason("R03".into()),
            Event::Rate(9),
            Event::SubmitRating,
        ],
    );
    assert_eq!(s.screen, Screen::Farewell);
    assert_eq!(
        fx,
        vec![
            Effect::Count(crate::store::counts::RATING_5),
            Effect::StoreRating(RatingRecord {
                local_no: "XX0001-000001".into(),
                level: 5,
                reasons: vec!["R02".into()]
            })
        ]
    );
    let (s, fx) = run_from(s, &cat, vec![Event::Tap]);
    assert_eq!(s.screen, Screen::Attract);
    assert!(fx.contains(&Effect::WipeSession));
}

#[test]
fn rating_can_be_skipped_but_not_set_by_anyone_else() {
    let cat = Catalog::seed();
    let (s, _) = to_receipt(&cat);
    // A rating event outside the Rating screen does nothing.
    let (s, fx) = run_from(s, &cat, vec![Event::Rate(1), Event::SubmitRating]);
    assert!(fx.is_empty());
    assert_eq!(s.session.as_ref().unwrap().rating.level, None);
    let (s, fx) = run_from(s, &cat, vec![Event::Next, Event::SkipRating]);
    assert_eq!(s.screen, Screen::Farewell);
    assert!(matches!(fx[0], Effect::Audit { kind: "rating_skipped", .. }));
}

#[test]
fn inactivity_warns_then_resets_and_clears_personal_data() {
    let cat = Catalog::seed();
    let (s, _) = run(&cat, to_form());
    assert!(s.session.as_ref().unwrap().applicant.is_some());
    let (s, fx) = run_from(s, &cat, vec![Event::Tick(100)]);
    assert_eq!(s.screen, Screen::InactivityWarning);
    assert!(fx.is_empty());
    // A touch on "still here" restores the screen and the full timeout.
    let (s, _) = run_from(s, &cat, vec![Event::StillHere]);
    assert_eq!(s.screen, Screen::Form);
    assert_eq!(s.idle_left, 120);
    let (s, fx) = run_from(s, &cat, vec![Event::ToggleElder, Event::Tick(100), Event::Tick(20)]);
    assert_eq!(s.screen, Screen::Attract);
    assert!(s.session.is_none(), "personal data cleared");
    assert!(!s.elder, "elder mode is per citizen");
    assert!(fx.contains(&Effect::WipeSession));
    assert!(fx.contains(&Effect::StopCardReading));
    assert!(fx.contains(&Effect::Audit { kind: "session_end", detail: "inactivity".into() }));
}

#[test]
fn attract_and_submitting_never_time_out() {
    let cat = Catalog::seed();
    let (s, fx) = run(&cat, vec![Event::Tick(10_000)]);
    assert_eq!(s.screen, Screen::Attract);
    assert!(fx.is_empty());
}

#[test]
fn help_overlays_and_returns() {
    let cat = Catalog::seed();
    let (s, _) = run(&cat, vec![Event::Tap, Event::StartBundle("newborn".into()), Event::Help]);
    assert_eq!(s.screen, Screen::Help);
    let (s, _) = run_from(s, &cat, vec![Event::Help, Event::CloseHelp]);
    assert_eq!(s.screen, Screen::Guide);
    let (s, _) = run_from(s, &cat, vec![Event::Help, Event::Back]);
    assert_eq!(s.screen, Screen::Guide, "返回 closes help too");
    // From the attract screen too, and back to it: no session is started.
    let (s, _) = run(&cat, vec![Event::Help]);
    assert_eq!(s.screen, Screen::Help);
    assert!(s.session.is_none());
    let (s, _) = run_from(s, &cat, vec![Event::CloseHelp]);
    assert_eq!(s.screen, Screen::Attract);
}

#[test]
fn singles_tab_lists_standalone_matters_and_starts_one() {
    let cat = Catalog::seed();
    let (s, _) = run(&cat, vec![Event::Tap, Event::ToggleKeypad, Event::HomeSingles]);
    assert!(s.home.singles && !s.home.keypad, "the tab closes the search");
    let (s, _) = run_from(s, &cat, vec![Event::HomeCategory(crate::catalog::Category::Enterprise)]);
    assert!(!s.home.singles);
    let (s, _) =
        run_from(s, &cat, vec![Event::HomeSingles, Event::StartBundle("matter:11410700MB0000002B-026".into())]);
    assert_eq!(s.screen, Screen::Guide);
    assert_eq!(s.session.as_ref().unwrap().selected, vec!["11410700MB0000002B-026".to_string()]);
}

#[test]
fn home_mid_journey_ends_session() {
    let cat = Catalog::seed();
    let (s, fx) = run(&cat, [to_form(), vec![Event::Home]].concat());
    assert_eq!(s.screen, Screen::Home);
    assert!(s.session.is_none());
    assert!(fx.contains(&Effect::WipeSession));
}

#[test]
fn late_results_are_ignored() {
    let cat = Catalog::seed();
    let (s, fx) = run(&cat, vec![Event::Tap, Event::CardRead(applicant()), Event::Captured { slot: 0, pages: 1 }]);
    assert_eq!(s.screen, Screen::Home);
    assert!(s.session.is_none());
    assert!(fx.is_empty());
}

#[test]
fn check_digit() {
    assert!(gb11643_valid("410702199003070046"));
    assert!(gb11643_valid("41070219900307002x"));
    assert!(!gb11643_valid("410702199003070047"));
    assert!(!gb11643_valid("41070219900307004"));
}

#[test]
fn screen_names_round_trip() {
    for s in Screen::ALL {
        assert_eq!(Screen::from_name(s.name()), Some(s));
    }
}

mod profile_and_search {
    use super::*;
    use crate::catalog::FieldSource;
    use crate::journey::Contact;

    fn contact() -> Contact {
        Contact { phone: "13900001111".into(), address: "新乡市牧野区XX路1号".into() }
    }

    fn field(s: &State, key: &str) -> FormField {
        s.session.as_ref().unwrap().fields.iter().find(|f| f.key == key).unwrap().clone()
    }

    #[test]
    fn card_read_only_asks_whether_a_profile_exists() {
        let cat = Catalog::seed();
        let (s, fx) = run(&cat, to_form());
        assert!(fx.iter().any(|e| matches!(e, Effect::ProfileLookup(_))));
        assert!(!fx.iter().any(|e| matches!(e, Effect::ProfileLoad(_))));
        assert_eq!(s.session.as_ref().unwrap().profile, ProfileOffer::Unknown);
        // Loaded data before consent is ignored.
        let (s, _) = run_from(s, &cat, vec![Event::ProfileFound(true), Event::ProfileLoaded(contact())]);
        assert_eq!(s.session.as_ref().unwrap().profile, ProfileOffer::Offered);
        assert!(s.session.as_ref().unwrap().phone().is_empty());
    }

    #[test]
    fn consent_fills_contact_fields_with_profile_provenance() {
        let cat = Catalog::seed();
        let (s, _) = run(&cat, to_form());
        let (s, fx) = run_from(s, &cat, vec![Event::ProfileFound(true), Event::ProfileConsent(true)]);
        assert!(fx.iter().any(|e| matches!(e, Effect::ProfileLoad(_))));
        let (s, _) = run_from(s, &cat, vec![Event::ProfileLoaded(contact())]);
        assert_eq!(s.session.as_ref().unwrap().phone(), "13900001111");
        assert_eq!(field(&s, "applicant.phone").source, FieldSource::Profile);
        assert_eq!(field(&s, "applicant.name").source, FieldSource::Card);
        // Editing the phone makes it typed.
        let (s, _) = run_from(s, &cat, vec![Event::EditPhone, Event::Key('\u{8}'), Event::Key('2'), Event::EditDone]);
        assert_eq!(field(&s, "applicant.phone").source, FieldSource::Typed);
        assert_eq!(s.session.as_ref().unwrap().phone(), "13900001112");
    }

    #[test]
    fn declining_uses_nothing_and_saving_needs_its_own_consent() {
        let cat = Catalog::seed();
        let (s, _) = run(&cat, to_form());
        let (s, fx) = run_from(s, &cat, vec![Event::ProfileFound(true), Event::ProfileConsent(false)]);
        assert!(!fx.iter().any(|e| matches!(e, Effect::ProfileLoad(_))));
        assert_eq!(s.session.as_ref().unwrap().profile, ProfileOffer::Declined);
        // Not ticked: submission saves nothing.
        let (_, fx) = to_receipt(&cat);
        assert!(!fx.iter().any(|e| matches!(e, Effect::ProfileSave(..))));
        // Ticked: saved with the typed phone.
        let mut ev = to_form();
        ev.push(Event::ToggleKeepProfile);
        ev.extend(phone());
        ev.push(Event::Next);
        let (s, _) = run(&cat, ev);
        let mut rest = capture_all(&s);
        rest.extend([Event::Next, Event::Next]);
        let (_, fx) = run_from(s, &cat, rest);
        let saved = fx.iter().find_map(|e| match e {
            Effect::ProfileSave(_, c) => Some(c.clone()),
            _ => None,
        });
        assert_eq!(saved.unwrap().phone, "13812345678");
    }

    #[test]
    fn citizen_can_delete_saved_details() {
        let cat = Catalog::seed();
        let (s, _) = run(&cat, to_form());
        let (s, fx) = run_from(s, &cat, vec![Event::ProfileFound(true), Event::DeleteProfile]);
        assert!(fx.iter().any(|e| matches!(e, Effect::ProfileDelete(_))));
        assert_eq!(s.session.as_ref().unwrap().profile, ProfileOffer::Deleted);
        let (s, _) = run_from(s, &cat, vec![Event::ProfileDeleted(true)]);
        assert!(s.notice.unwrap().contains("已删除"));
    }

    #[test]
    fn pinyin_search_on_home_starts_the_hit() {
        let cat = Catalog::seed();
        let mut ev = vec![Event::Tap, Event::ToggleKeypad];
        ev.extend("canyin".chars().map(Event::SearchKey));
        let (s, _) = run(&cat, ev);
        assert_eq!(s.home.query, "canyin");
        let (s, _) = run_from(s, &cat, vec![Event::SearchKey('\u{8}'), Event::SearchKey('n')]);
        // The screen's first hit names what it starts (not its place in the list).
        let hit = |s: &State| crate::ui::view::build(s, &cat, "https://example.invalid/p").hits[0].id.to_string();
        let (s, _) = run_from(s.clone(), &cat, vec![Event::StartBundle(hit(&s))]);
        assert_eq!(s.screen, Screen::Guide);
        assert_eq!(s.session.as_ref().unwrap().bundle_id, "restaurant");
        assert!(s.home.query.is_empty());
        // A standalone matter runs as a bundle of one.
        let mut ev = vec![Event::Tap, Event::ToggleKeypad];
        ev.extend("cpylsjy".chars().map(Event::SearchKey));
        let (s, _) = run(&cat, ev);
        let (s, _) = run_from(s.clone(), &cat, vec![Event::StartBundle(hit(&s))]);
        assert!(s.session.as_ref().unwrap().bundle_id.starts_with("matter:"));
        assert_eq!(s.session.as_ref().unwrap().selected.len(), 1);
    }

    #[test]
    fn ecert_materials_are_never_scanned() {
        let cat = Catalog::seed();
        let (s, _) = run(&cat, to_materials());
        let sess = s.session.as_ref().unwrap();
        let i = sess.materials.iter().position(|m| m.key == "birth_medical_cert").unwrap();
        assert_eq!(sess.materials[i].state, SlotState::ECert);
        let (s2, fx) = run_from(s, &cat, vec![Event::Capture(i)]);
        assert!(fx.is_empty());
        assert_eq!(s2.session.as_ref().unwrap().materials[i].state, SlotState::ECert);
    }
}

mod form_editor {
    use super::*;
    use crate::catalog::FieldSource;

    fn to_form_of(bundle: &str) -> Vec<Event> {
        vec![Event::Tap, Event::StartBundle(bundle.into()), Event::Next, Event::CardRead(applicant())]
    }

    fn index(s: &State, key: &str) -> usize {
        s.session.as_ref().unwrap().fields.iter().position(|f| f.key == key).unwrap()
    }

    fn field(s: &State, key: &str) -> FormField {
        s.session.as_ref().unwrap().fields[index(s, key)].clone()
    }

    fn editing(s: &State) -> bool {
        s.session.as_ref().unwrap().editor.is_some()
    }

    fn keys(text: &str) -> Vec<Event> {
        text.chars().map(Event::Key).collect()
    }

    #[test]
    fn form_waits_for_every_typed_field() {
        let cat = Catalog::seed();
        let mut ev = to_form_of("restaurant");
        ev.extend(phone());
        ev.push(Event::Next);
        let (s, _) = run(&cat, ev);
        assert_eq!(s.screen, Screen::Form);
        let n = s.notice.clone().unwrap();
        assert!(n.contains("经营场所面积") && n.contains("经营项目"), "{n}");
    }

    #[test]
    fn number_field_takes_one_decimal_point_and_must_be_positive() {
        let cat = Catalog::seed();
        let (s, _) = run(&cat, to_form_of("restaurant"));
        let i = index(&s, "business.area");
        let mut ev = vec![Event::EditField(i)];
        ev.extend(keys("0"));
        ev.push(Event::EditDone);
        let (s, _) = run_from(s, &cat, ev);
        assert!(editing(&s), "0 is refused");
        assert!(s.notice.as_ref().unwrap().contains("大于 0"));
        let mut ev = vec![Event::Key('\u{8}')];
        ev.extend(keys("12.5.a7"));
        ev.push(Event::EditDone);
        let (s, _) = run_from(s, &cat, ev);
        assert!(!editing(&s));
        let f = field(&s, "business.area");
        assert_eq!(f.value, "12.57");
        assert_eq!(f.source, FieldSource::Typed);
    }

    #[test]
    fn choices_single_and_multiple() {
        let cat = Catalog::seed();
        let (s, _) = run(&cat, to_form_of("restaurant"));
        let i = index(&s, "business.scope");
        let ev = vec![Event::EditField(i), Event::EditDone];
        let (s, _) = run_from(s, &cat, ev);
        assert!(s.notice.as_ref().unwrap().contains("至少选择"));
        let ev = vec![Event::Pick(0), Event::Pick(2), Event::Pick(4), Event::Pick(4), Event::EditDone];
        let (s, _) = run_from(s, &cat, ev);
        assert_eq!(field(&s, "business.scope").value, "热食类食品制售、糕点类食品制售");
        // Reopening shows what was chosen.
        let (s, _) = run_from(s, &cat, vec![Event::EditField(i)]);
        assert_eq!(s.session.as_ref().unwrap().editor.as_ref().unwrap().chosen, vec![0, 2]);

        let (s, _) = run(&cat, to_form_of("school_entry"));
        let i = index(&s, "student.school");
        let ev = vec![Event::EditField(i), Event::Pick(1), Event::Pick(2), Event::EditDone];
        let (s, _) = run_from(s, &cat, ev);
        assert_eq!(field(&s, "student.school").value, "新乡市卫滨区育才小学");
    }

    /// Pages to `word` among the editor's candidates and picks it.
    fn pick_word(mut s: State, cat: &Catalog, word: &str) -> State {
        loop {
            let ed = s.session.as_ref().unwrap().editor.clone().unwrap();
            let (page, more) = crate::ime::page(&ed.pinyin, ed.page, s.elder, cat);
            if let Some(i) = page.iter().position(|c| c.text == word) {
                return run_from(s, cat, vec![Event::Pick(i)]).0;
            }
            assert!(more, "{word} is offered for {}", ed.pinyin);
            s = run_from(s, cat, vec![Event::CandidatePage(true)]).0;
        }
    }

    #[test]
    fn text_through_pinyin_words() {
        let cat = Catalog::seed();
        let (s, _) = run(&cat, to_form_of("enterprise_move"));
        let i = index(&s, "org.new_address");
        let mut ev = vec![Event::EditField(i)];
        ev.extend(keys("xv"));
        let (s, _) = run_from(s, &cat, ev);
        assert_eq!(s.session.as_ref().unwrap().editor.as_ref().unwrap().pinyin, "x");
        assert!(s.notice.as_ref().unwrap().contains("xv"), "a letter that cannot stand there is refused");
        let (s, _) = run_from(s, &cat, keys("inxiangweibin"));
        // A word takes the letters it spells; the rest stay and are offered again.
        let s = pick_word(s, &cat, "新乡");
        let ed = s.session.as_ref().unwrap().editor.clone().unwrap();
        assert_eq!((ed.text.as_str(), ed.pinyin.as_str(), ed.page), ("新乡", "weibin", 0));
        let s = pick_word(s, &cat, "卫滨");
        // Digits go straight in once no letters are pending.
        let (s, _) = run_from(s, &cat, keys("12号"));
        let ed = s.session.as_ref().unwrap().editor.clone().unwrap();
        assert_eq!((ed.text.as_str(), ed.pinyin.as_str()), ("新乡卫滨12号", ""));
        // Letters pending: not done yet.
        let (s, _) = run_from(s, &cat, vec![Event::Key('l'), Event::EditDone]);
        assert!(editing(&s));
        let (s, _) = run_from(s, &cat, vec![Event::Key('\u{8}'), Event::EditDone]);
        assert!(!editing(&s));
        assert_eq!(field(&s, "org.new_address").value, "新乡卫滨12号");
    }

    #[test]
    fn id_number_needs_its_check_character() {
        let cat = Catalog::seed();
        // 家庭共济 (the first sub-item) is not chosen by default: choose it.
        let ev = vec![Event::Tap, Event::StartBundle("medical_reimburse".into()), Event::ToggleItem(0), Event::Next];
        let (s, _) = run(&cat, [ev, vec![Event::CardRead(applicant())]].concat());
        let i = index(&s, "medical.family_id");
        let mut ev = vec![Event::EditField(i)];
        ev.extend(keys("410702199003070047"));
        ev.push(Event::EditDone);
        let (s, _) = run_from(s, &cat, ev);
        assert!(s.notice.as_ref().unwrap().contains("校验"));
        let (s, _) = run_from(s, &cat, vec![Event::Key('\u{8}'), Event::Key('6'), Event::Key('X'), Event::EditDone]);
        assert_eq!(field(&s, "medical.family_id").value, "410702199003070046");
        // On screen it is masked like the applicant's own number.
        let v = crate::ui::view::build(&s, &cat, "https://example.invalid/p");
        let row = v.fields.iter().find(|f| f.label.contains("共济家属")).unwrap();
        assert_eq!(row.value, "4107**********0046");
    }

    #[test]
    fn back_closes_the_editor_and_card_fields_stay_locked() {
        let cat = Catalog::seed();
        let (s, _) = run(&cat, to_form_of("restaurant"));
        let name = index(&s, "applicant.name");
        let (s, _) = run_from(s, &cat, vec![Event::EditField(name)]);
        assert!(!editing(&s), "the card's name cannot be changed here");
        let area = index(&s, "business.area");
        let mut ev = vec![Event::EditField(area)];
        ev.extend(keys("30"));
        ev.extend([Event::Next, Event::Back]);
        let (s, _) = run_from(s, &cat, ev);
        assert_eq!(s.screen, Screen::Form);
        assert!(!editing(&s));
        assert_eq!(field(&s, "business.area").value, "", "cancel keeps nothing");
    }

    #[test]
    fn submitted_form_carries_values_and_provenance() {
        let cat = Catalog::seed();
        let (s, _) = run(&cat, to_form_of("restaurant"));
        let mut ev = Vec::new();
        for (key, input) in [("business.area", "45"), ("sign.size", "3.5")] {
            ev.push(Event::EditField(index(&s, key)));
            ev.extend(keys(input));
            ev.push(Event::EditDone);
        }
        ev.extend([Event::EditField(index(&s, "business.scope")), Event::Pick(1), Event::EditDone]);
        ev.extend(phone());
        ev.push(Event::Next);
        let (s, _) = run_from(s, &cat, ev);
        assert_eq!(s.screen, Screen::Materials, "{:?}", s.notice);
        let draft = submit_draft(s, &cat);
        let get = |k: &str| draft.form.iter().find(|f| f.0 == k).cloned().unwrap();
        assert_eq!(get("business.area"), ("business.area".into(), "45".into(), FieldSource::Typed));
        assert_eq!(get("business.scope").1, "冷食类食品制售");
        assert_eq!(get("applicant.name").2, FieldSource::Card);
        assert_eq!(get("org.name"), ("org.name".into(), String::new(), FieldSource::ECert));
    }
}

#[test]
fn device_findings_change_no_timer_and_show_on_start_screens_only() {
    let cat = Catalog::seed();
    let (s, _) = run(&cat, vec![Event::Tap, Event::Tick(30)]);
    let left = s.idle_left;
    let down = DeviceHealth { printer: DeviceState::Absent, ..DeviceHealth::default() };
    let (s, _) = run_from(s, &cat, vec![Event::DevicesChecked(down)]);
    assert_eq!(s.idle_left, left, "not a touch");
    assert_eq!(s.screen, Screen::Home);
    let v = crate::ui::view::build(&s, &cat, "https://example.invalid/p");
    assert!(v.notice.contains("打印机暂不可用"), "{}", v.notice);
    let (s, _) = run_from(s, &cat, vec![Event::StartBundle("newborn".into())]);
    let v = crate::ui::view::build(&s, &cat, "https://example.invalid/p");
    assert!(v.notice.is_empty(), "not repeated on every screen: {}", v.notice);
}

#[test]
fn bundles_that_need_a_missing_device_are_refused_with_the_reason() {
    let cat = Catalog::seed();
    let no_scanner = DeviceHealth { scanner: DeviceState::Absent, ..DeviceHealth::default() };
    let (s, _) = run(&cat, vec![Event::DevicesChecked(no_scanner), Event::Tap]);
    let v = crate::ui::view::build(&s, &cat, "https://example.invalid/p");
    assert!(v.bundles.iter().any(|b| b.departments.starts_with("暂不可办：需要拍摄材料")), "{:?}", v.bundles);
    let (s, fx) = run_from(s, &cat, vec![Event::StartBundle("newborn".into())]);
    assert_eq!(s.screen, Screen::Home);
    assert!(s.notice.as_deref().is_some_and(|n| n.contains("高拍仪暂不可用")), "{:?}", s.notice);
    assert!(fx.is_empty() && s.session.is_none());
    // Without a reader nothing can be done here; without a printer everything can
    // (the receipt is shown as a QR code).
    let no_reader = DeviceHealth { idcard: DeviceState::Absent, ..DeviceHealth::default() };
    let (s, _) = run(&cat, vec![Event::DevicesChecked(no_reader), Event::Tap, Event::StartBundle("newborn".into())]);
    assert!(s.notice.as_deref().is_some_and(|n| n.contains("读卡器暂不可用")), "{:?}", s.notice);
    let no_printer = DeviceHealth { printer: DeviceState::Absent, ..DeviceHealth::default() };
    let (s, _) = run(&cat, vec![Event::DevicesChecked(no_printer), Event::Tap, Event::StartBundle("newborn".into())]);
    assert_eq!(s.screen, Screen::Guide);
}

#[test]
fn without_a_catalog_the_terminal_is_out_of_service() {
    let empty = Catalog::default();
    let (s, fx) = run(&empty, vec![Event::Tap]);
    assert_eq!(s.screen, Screen::Attract);
    assert!(fx.is_empty());
    let v = crate::ui::view::build(&State::new(120), &empty, "https://example.invalid/p");
    assert!(v.notice.starts_with("本机暂停服务"), "{}", v.notice);
}

mod commitment {
    use super::*;

    fn to_restaurant_materials(cat: &Catalog) -> State {
        let mut ev =
            vec![Event::Tap, Event::StartBundle("restaurant".into()), Event::Next, Event::CardRead(applicant())];
        let (s, _) = run(cat, std::mem::take(&mut ev));
        let idx = |k: &str| s.session.as_ref().unwrap().fields.iter().position(|f| f.key == k).unwrap();
        for (key, input) in [("business.area", "45"), ("sign.size", "2")] {
            ev.push(Event::EditField(idx(key)));
            ev.extend(input.chars().map(Event::Key));
            ev.push(Event::EditDone);
        }
        ev.extend([Event::EditField(idx("business.scope")), Event::Pick(0), Event::EditDone]);
        ev.extend(phone());
        ev.push(Event::Next);
        let (s, _) = run_from(s, cat, ev);
        assert_eq!(s.screen, Screen::Materials, "{:?}", s.notice);
        s
    }

    fn slot(s: &State, key: &str) -> (usize, MaterialSlot) {
        let m = &s.session.as_ref().unwrap().materials;
        let i = m.iter().position(|m| m.key == key).unwrap();
        (i, m[i].clone())
    }

    #[test]
    fn deferring_needs_a_signed_commitment() {
        let cat = Catalog::seed();
        let s = to_restaurant_materials(&cat);
        let (i, _) = slot(&s, "food_safety_rules");
        let (s, _) = run_from(s, &cat, vec![Event::Defer(i)]);
        assert_eq!(s.session.as_ref().unwrap().commitment, Some(i));
        assert_eq!(slot(&s, "food_safety_rules").1.state, SlotState::Todo, "not deferred before signing");
        // Other touches wait; a scribble is refused; cancel keeps nothing.
        let (s, _) = run_from(s, &cat, vec![Event::Next, Event::Capture(0), Event::Sign("M 1 1 L 3 2".into())]);
        assert!(s.notice.as_ref().unwrap().contains("签名太短"));
        assert_eq!(s.screen, Screen::Materials);
        let (s, _) = run_from(s, &cat, vec![Event::CancelCommitment]);
        assert_eq!(s.session.as_ref().unwrap().commitment, None);
        assert_eq!(slot(&s, "food_safety_rules").1.state, SlotState::Todo);
        // Signed: deferred with the strokes kept for the case.
        let (s, _) = run_from(s, &cat, vec![Event::Defer(i), Event::Sign(crate::signature::sample_path())]);
        let (_, m) = slot(&s, "food_safety_rules");
        assert_eq!(m.state, SlotState::Deferred);
        assert!(m.signature.is_some());
        let draft = submit_draft(s, &cat);
        assert_eq!(draft.commitments.len(), 1);
        assert_eq!(draft.commitments[0].0, "food_safety_rules");
    }

    #[test]
    fn review_shows_what_was_typed_and_where_the_post_goes() {
        let cat = Catalog::seed();
        let s = to_restaurant_materials(&cat);
        let mut ev = capture_all(&s);
        ev.push(Event::Next);
        let (s, _) = run_from(s, &cat, ev);
        assert_eq!(s.screen, Screen::Review);
        let v = crate::ui::view::build(&s, &cat, "https://example.invalid/p");
        let typed = v.review.iter().find(|s| s.heading == "填写的信息").map(|s| s.body.to_string()).unwrap();
        assert!(typed.contains("经营场所面积（平方米）：45") && typed.contains("热食类食品制售"), "{typed}");
        assert!(!typed.contains("1381234"), "the phone is shown with the applicant");
        // With the applicant, masked: people stand behind the citizen.
        let who = v.review.iter().find(|s| s.heading == "申请人").map(|s| s.body.to_string()).unwrap();
        assert!(who.contains("手机 138****5678") && !who.contains("13812345678"), "{who}");
    }

    #[test]
    fn a_material_that_cannot_wait_cannot_be_deferred() {
        let cat = Catalog::seed();
        let s = to_restaurant_materials(&cat);
        let (i, m) = slot(&s, "premises_proof");
        assert!(!m.deferrable);
        let (s, _) = run_from(s, &cat, vec![Event::Defer(i)]);
        assert_eq!(s.session.as_ref().unwrap().commitment, None);
    }
}

// ---- Maintenance mode, 帮办 and the service state ----

fn pin_events(role: Role, pin: &str) -> Vec<Event> {
    let mut v = vec![Event::MaintGesture, Event::MaintRole(role)];
    v.extend(pin.chars().map(Event::MaintKey));
    v.push(Event::MaintSubmit);
    v
}

fn into_maint(cat: &Catalog, role: Role) -> State {
    let mut ev = pin_events(role, "246810");
    ev.push(Event::PinChecked { role, result: Ok(()) });
    let (s, _) = run(cat, ev);
    assert_eq!(s.maint.as_ref().and_then(|m| m.role()), Some(role));
    s
}

#[test]
fn maintenance_is_never_reachable_during_a_citizens_session() {
    let cat = Catalog::seed();
    let mut ev = to_form();
    ev.push(Event::MaintGesture);
    let (s, fx) = run(&cat, ev);
    assert_eq!(s.screen, Screen::Form);
    assert!(s.maint.is_none());
    assert!(!fx.iter().any(|e| matches!(e, Effect::VerifyPin { .. })));
    // On the home screen with no session, it is.
    let (s, _) = run(&cat, vec![Event::Tap, Event::MaintGesture]);
    assert_eq!(s.screen, Screen::Maintenance);
}

#[test]
fn the_pin_is_checked_by_the_runtime_and_a_lockout_disables_the_pad() {
    let cat = Catalog::seed();
    let (s, fx) = run(&cat, pin_events(Role::Host, "1234"));
    assert_eq!(s.maint.as_ref().unwrap().message.as_deref(), Some("请输入6位密码"));
    assert!(fx.is_empty(), "{fx:?}");
    let (s, fx) = run(&cat, pin_events(Role::Host, "2468105"));
    let Some(Effect::VerifyPin { role, pin }) = fx.last() else { panic!("{fx:?}") };
    assert_eq!((*role, pin.0.as_str()), (Role::Host, "246810"), "the 7th digit is not taken");
    assert!(matches!(s.maint.as_ref().unwrap().stage, MaintStage::Pin { checking: true, .. }));
    let refusal = PinRefusal { message: "已锁定 15 分钟".into(), locked: true };
    let (s, _) = run_from(
        s,
        &cat,
        vec![Event::PinChecked { role: Role::Host, result: Err(refusal) }, Event::MaintKey('1'), Event::MaintSubmit],
    );
    let m = s.maint.as_ref().unwrap();
    assert!(matches!(&m.stage, MaintStage::Pin { locked: true, digits, checking: false, .. } if digits.0.is_empty()));
    assert_eq!(m.message.as_deref(), Some("已锁定 15 分钟"));
    assert!(format!("{:?}", pin_events(Role::Host, "246810")).contains('2'), "events carry digits");
    assert!(!format!("{:?}", m).contains("246810"), "a typed PIN is never kept in the state's Debug");
}

#[test]
fn entering_loads_the_pages_and_is_audited_and_two_idle_minutes_exit() {
    let cat = Catalog::seed();
    let mut ev = pin_events(Role::Technician, "246810");
    ev.push(Event::PinChecked { role: Role::Technician, result: Ok(()) });
    let (s, fx) = run(&cat, ev);
    assert!(fx.contains(&Effect::LoadMaint) && fx.contains(&Effect::ProbeDevices));
    assert!(fx
        .iter()
        .any(|e| matches!(e, Effect::AuditBy { kind: "maintenance.enter", actor: Actor::Technician, .. })));
    let (s, fx) = run_from(s, &cat, vec![Event::Tick(60), Event::MaintTouch, Event::Tick(119)]);
    assert_eq!(s.screen, Screen::Maintenance, "a touch restarts the two minutes");
    assert!(fx.iter().all(|e| !matches!(e, Effect::AuditBy { kind: "maintenance.exit", .. })));
    let (s, fx) = run_from(s, &cat, vec![Event::Tick(1)]);
    assert_eq!(s.screen, Screen::Attract);
    assert!(s.maint.is_none());
    assert!(fx
        .iter()
        .any(|e| matches!(e, Effect::AuditBy { kind: "maintenance.exit", detail, .. } if detail == "idle")));
}

#[test]
fn a_host_sees_host_pages_only_and_runs_no_self_test() {
    let cat = Catalog::seed();
    let s = into_maint(&cat, Role::Host);
    let (s, fx) = run_from(s, &cat, vec![Event::MaintPage(MaintPage::Printer), Event::MaintRunTest]);
    assert!(matches!(s.maint.as_ref().unwrap().stage, MaintStage::Open { page: MaintPage::Devices, .. }));
    assert!(!fx.iter().any(|e| matches!(e, Effect::RunSelfTest { .. })));
    let s = into_maint(&cat, Role::Technician);
    let (s, fx) =
        run_from(s, &cat, vec![Event::MaintPage(MaintPage::Printer), Event::MaintRunTest, Event::MaintRunTest]);
    let tests = fx.iter().filter(|e| matches!(e, Effect::RunSelfTest { kind: SelfTestKind::Printer, .. })).count();
    assert_eq!(tests, 1, "a second tap while it runs starts nothing");
    assert!(matches!(s.maint.as_ref().unwrap().test, Some(TestState::Running(SelfTestKind::Printer))));
}

#[test]
fn a_pause_shows_the_out_of_service_screen_until_resumed() {
    let cat = Catalog::seed();
    let s = into_maint(&cat, Role::Host);
    let (s, fx) = run_from(s, &cat, vec![Event::MaintService(Some("设备维护".into())), Event::MaintExit]);
    assert!(fx
        .iter()
        .any(|e| matches!(e, Effect::SetService { state: Some(o), by: Actor::Host } if o.reason == "设备维护")));
    assert_eq!(s.screen, Screen::OutOfService);
    let (s, _) = run_from(s, &cat, vec![Event::Tap, Event::Home]);
    assert_eq!(s.screen, Screen::OutOfService, "citizens cannot start while paused");
    let (s, _) = run_from(s, &cat, vec![Event::Help]);
    assert_eq!(s.screen, Screen::Help, "help (the branch phone) still works");
    let (s, fx) = run_from(s, &cat, vec![Event::CloseHelp, Event::SetService { state: None, by: Actor::Cli }]);
    assert_eq!(s.screen, Screen::Attract);
    assert!(fx.contains(&Effect::SetService { state: None, by: Actor::Cli }));
}

#[test]
fn the_platforms_pause_waits_for_the_citizens_session_to_end() {
    let cat = Catalog::seed();
    let oos = OutOfService { reason: "平台维护".into(), by: Actor::Platform, since_ms: 1 };
    let mut ev = to_form();
    ev.push(Event::SetService { state: Some(oos.clone()), by: Actor::Platform });
    let (s, fx) = run(&cat, ev);
    assert_eq!(s.screen, Screen::Form, "never mid-application");
    assert!(!fx.iter().any(|e| matches!(e, Effect::SetService { .. })));
    let (s, fx) = run_from(s, &cat, vec![Event::Home]);
    assert_eq!(s.out_of_service.as_ref(), Some(&oos));
    assert!(fx.contains(&Effect::SetService { state: Some(oos), by: Actor::Platform }));
    assert_eq!(s.screen, Screen::Home, "the citizen who pressed 首页 is on home; the next one sees the pause");
    let (s, _) = run_from(s, &cat, vec![Event::Tick(120)]);
    assert_eq!(s.screen, Screen::OutOfService);
}

#[test]
fn calling_staff_names_the_screen_and_clears_with_the_session() {
    let cat = Catalog::seed();
    let mut ev = to_form();
    ev.extend([Event::Help, Event::CallStaff]);
    let (s, fx) = run(&cat, ev);
    assert!(fx.contains(&Effect::CallStaff { screen: "form" }), "{fx:?}");
    let (s, fx) = run_from(s, &cat, vec![Event::StaffCalled, Event::CallStaff]);
    assert!(s.help_called);
    assert!(!fx.iter().any(|e| matches!(e, Effect::CallStaff { .. })), "one call per visit");
    let (s, fx) = run_from(s, &cat, vec![Event::CloseHelp, Event::Home]);
    assert!(!s.help_called);
    assert!(fx.contains(&Effect::ClearHelpCalls));
}

#[test]
fn the_day_is_counted_sessions_submissions_prints_ratings() {
    let cat = Catalog::seed();
    let (_, fx) = run(&cat, vec![Event::Tap, Event::StartBundle("newborn".into())]);
    assert!(fx.contains(&Effect::Count(crate::store::counts::SESSIONS)));
}

// ---- Screens (issue 16): what the views show ----

#[test]
fn the_guide_leads_with_materials_and_time_limit() {
    let cat = Catalog::seed();
    let (s, _) = run(&cat, vec![Event::Tap, Event::StartBundle("newborn".into())]);
    assert_eq!(s.screen, Screen::Guide);
    let v = crate::ui::view::build(&s, &cat, "https://example.invalid/p");
    let lead: Vec<String> = v.guide_lead.iter().map(|x| x.heading.to_string()).collect();
    assert_eq!(lead, ["需要准备的材料（已合并，同一材料只交一次）", "办理时限"]);
    let rest: Vec<String> = v.guide_sections.iter().map(|x| x.heading.to_string()).collect();
    assert_eq!(rest.first().map(String::as_str), Some("办理条件"), "{rest:?}");
    assert!(!rest.iter().any(|h| h == "办理时限"), "each section once: {rest:?}");
    assert!(v.matters.len() > 1, "the sub-items are still there to choose");
}

#[test]
fn submitting_locks_the_bottom_bar() {
    let cat = Catalog::seed();
    let mut ev = to_materials();
    ev.push(Event::Next);
    let (s, _) = run(&cat, ev);
    let at = |s: &State| crate::ui::view::build(s, &cat, "https://example.invalid/p");
    assert!(!at(&s).nav_locked, "{:?}", s.screen);
    let slots = s.session.as_ref().unwrap().materials.len();
    let mut ev = Vec::new();
    for i in 0..slots {
        ev.extend([Event::Capture(i), Event::Captured { slot: i, pages: 1 }]);
    }
    ev.extend([Event::Next, Event::Next]);
    let (s, _) = run_from(s, &cat, ev);
    assert_eq!(s.screen, Screen::Submitting);
    let v = at(&s);
    assert!(v.nav_locked && !v.back_enabled);
    let (s, _) = run_from(s, &cat, vec![Event::CaseQueued { local_no: "XX-0001-1-000001".into() }]);
    assert_eq!(s.screen, Screen::Receipt);
    assert!(!at(&s).nav_locked);
}

#[test]
fn the_singles_tab_lists_standalone_matters_by_department() {
    use crate::ui::HomeCategory;
    let cat = Catalog::seed();
    let (s, _) = run(&cat, vec![Event::Tap, Event::HomeSingles]);
    let v = crate::ui::view::build(&s, &cat, "https://example.invalid/p");
    let tab = v.categories.iter().find(|c| c.category == HomeCategory::Single).unwrap();
    assert_eq!(tab.label, format!("单项事项（{}）", cat.singles().len()));
    assert!(tab.selected && v.categories.iter().filter(|c| c.selected).count() == 1);
    assert!(v.singles_open);
    // Every standalone matter once, under a heading of its department; none in a bundle.
    let matters: Vec<_> = v.singles.iter().filter(|r| !r.id.is_empty()).collect();
    assert_eq!(matters.len(), cat.singles().len());
    let mut dept = String::new();
    for r in &v.singles {
        if r.id.is_empty() {
            dept = r.heading.split('（').next().unwrap().to_string();
            continue;
        }
        let m = cat.matter(r.id.strip_prefix(crate::catalog::SINGLE_PREFIX).unwrap()).unwrap();
        assert_eq!(m.department, dept, "{} under {dept}", m.name);
        assert!(!cat.bundles.iter().any(|b| b.matters.contains(&m.code)), "{} is in a bundle", m.name);
    }
    // The same id a search hit for the matter starts.
    let police = v.singles.iter().find(|r| r.name == "无犯罪记录证明开具").unwrap();
    let i = cat.matters.iter().position(|m| m.name == "无犯罪记录证明开具").unwrap();
    assert_eq!(Some(police.id.to_string()), cat.start_id(&crate::catalog::search::Target::Matter(i)));
    // 长者版: the count on a second line of the tab, the label unchanged.
    let (s, _) = run_from(s, &cat, vec![Event::ToggleElder]);
    let v = crate::ui::view::build(&s, &cat, "https://example.invalid/p");
    let tab = v.categories.iter().find(|c| c.category == HomeCategory::Single).unwrap();
    assert!(tab.lines.contains('\n') && !tab.label.contains('\n'));
}

/// The e-ID steps (src/journey/eid.rs); the applicant comes from the platform's answer.
mod eid {
    use crate::catalog::Catalog;
    use crate::identity::EIdError;
    use crate::journey::*;

    const CODE: &str = "EID1.0123456789abcdefGHIJ";

    fn run(s: State, cat: &Catalog, events: Vec<Event>) -> (State, Vec<Effect>) {
        let c = Ctx { catalog: cat, today: "20261204", now_ms: 0, timing: Timing::default() };
        events.into_iter().fold((s, Vec::new()), |(s, mut all), e| {
            let (s, fx) = step(s, e, &c);
            all.extend(fx);
            (s, all)
        })
    }

    fn identify(cat: &Catalog) -> State {
        run(State::new(120), cat, vec![Event::Tap, Event::StartBundle("newborn".into()), Event::Next]).0
    }

    fn person() -> Applicant {
        let v = kiosk_api::wire::VerifiedIdentity {
            name: "李文华".into(),
            id_number: "410703198805120027".into(),
            card_kind: "resident".into(),
            sex: "2".into(),
            birth_date: "19880512".into(),
            address: "河南省新乡市卫滨区胜利路8号".into(),
            valid_to: Some("20380512".into()),
        };
        crate::identity::applicant_from(&v).unwrap()
    }

    #[test]
    fn a_verified_code_leads_to_the_form_like_a_card() {
        let cat = Catalog::seed();
        let (s, fx) = run(identify(&cat), &cat, vec![Event::ShowEIdQr]);
        assert!(fx.contains(&Effect::ReadQr(true)));
        assert_eq!(s.eid, EIdStage::Reading { left: EID_READ_SECS });
        let (s, fx) = run(s, &cat, vec![Event::QrRead(format!("{CODE}\n"))]);
        assert!(fx.contains(&Effect::ReadQr(false)));
        assert!(fx.contains(&Effect::VerifyEId(crate::journey::eid::EIdCode(CODE.into()))));
        assert_eq!(s.eid, EIdStage::Verifying);
        let (s, fx) = run(s, &cat, vec![Event::EIdVerified(Ok(person()))]);
        assert_eq!(s.screen, Screen::Form);
        assert!(fx.contains(&Effect::StopCardReading), "the card reader stops too");
        let a = s.session.as_ref().unwrap().applicant.as_ref().unwrap();
        assert_eq!((a.name.as_str(), a.doc.source), ("李文华", IdentitySource::EIdQr));
        assert_eq!(s.eid, EIdStage::Off);
    }

    #[test]
    fn bad_codes_and_silence_get_plain_answers() {
        let cat = Catalog::seed();
        let reading = run(identify(&cat), &cat, vec![Event::ShowEIdQr]).0;
        // Not our QR: said, and the camera keeps looking.
        let (s, fx) = run(reading.clone(), &cat, vec![Event::QrRead("https://example.com/pay?x=1".into())]);
        assert!(s.notice.as_deref().unwrap().contains("不是电子身份证"));
        assert!(matches!(s.eid, EIdStage::Reading { .. }) && fx.is_empty());
        // Expired and platform down: the message, then the button works again.
        for (err, words) in [(EIdError::Expired, "已过期"), (EIdError::Unavailable("down".into()), "暂时无法连接")]
        {
            let (s, _) = run(reading.clone(), &cat, vec![Event::QrRead(CODE.into()), Event::EIdVerified(Err(err))]);
            assert_eq!((s.screen, s.eid), (Screen::Identify, EIdStage::Off));
            assert!(s.notice.as_deref().unwrap().contains(words), "{:?}", s.notice);
        }
        // No QR in view: after EID_READ_SECS the camera stops and the screen says so.
        let (s, fx) = run(reading.clone(), &cat, vec![Event::Tick(EID_READ_SECS - 1)]);
        assert!(matches!(s.eid, EIdStage::Reading { left: 1 }) && !fx.contains(&Effect::ReadQr(false)));
        let (s, fx) = run(s, &cat, vec![Event::Tick(1)]);
        assert!(fx.contains(&Effect::ReadQr(false)) && s.eid == EIdStage::Off);
        assert!(s.notice.as_deref().unwrap().contains("没有看到二维码"));
        // Leaving the screen stops the camera; a late answer changes nothing.
        let (s, fx) = run(reading, &cat, vec![Event::Back]);
        assert!(fx.contains(&Effect::ReadQr(false)) && s.eid == EIdStage::Off);
        let (s2, _) = run(s.clone(), &cat, vec![Event::EIdVerified(Ok(person()))]);
        assert_eq!(s2.screen, s.screen);
    }

    #[test]
    fn without_a_camera_the_button_says_so() {
        let cat = Catalog::seed();
        let mut s = identify(&cat);
        s.devices.scanner = DeviceState::Absent;
        let (s, fx) = run(s, &cat, vec![Event::ShowEIdQr]);
        assert!(!fx.contains(&Effect::ReadQr(true)) && s.eid == EIdStage::Off);
        assert!(s.notice.as_deref().unwrap().contains("高拍仪暂不可用"));
    }
}

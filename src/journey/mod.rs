//! The citizen journey as a pure state machine: `(state, event) -> (state, effects)`.
//!
//! No I/O, no clock, no Slint: the runtime feeds device results, touches and 1 Hz
//! ticks in as events and executes the effects that come out. Every path is testable
//! in microseconds.

mod contact;
pub mod eid;
mod extras;
mod form;
pub mod handwriting;
mod maint;
mod model;
mod progress;

pub use contact::{Contact, ProfileId};
pub use extras::HIT_LIMIT;
pub use model::*;
pub use progress::{
    CardQuery, CaseProgress, Lookup, ProgressError, ProgressQuery, ProgressState, ProgressWay, RECEIPT_NO_MAX, STAGES,
};

use crate::catalog::{Catalog, FieldSource};

/// What the journey needs to know besides its own state; all of it pure data.
pub struct Ctx<'a> {
    pub catalog: &'a Catalog,
    /// Today as YYYYMMDD, for the card-expiry check.
    pub today: &'a str,
    /// Unix time in ms (stamps a pause; the journey reads no clock).
    pub now_ms: i64,
    pub timing: Timing,
}

#[derive(Debug, Clone, Copy)]
pub struct Timing {
    /// Seconds without a touch before the session is reset.
    pub idle_timeout: u32,
    /// Seconds left when the "are you still there?" warning appears.
    pub warn_at: u32,
    /// Seconds the farewell screen stays up.
    pub farewell: u32,
}

impl Default for Timing {
    fn default() -> Self {
        Self { idle_timeout: 120, warn_at: 20, farewell: 8 }
    }
}

/// One step of the machine. Consumes the state so personal data is never copied by accident.
pub fn step(mut s: State, ev: Event, ctx: &Ctx) -> (State, Vec<Effect>) {
    let mut fx = Vec::new();
    if ev.is_touch() {
        s.idle_left = ctx.timing.idle_timeout;
    }
    match (s.screen, ev) {
        (_, Event::Tick(secs)) => {
            eid::tick(&mut s, secs, &mut fx);
            tick(&mut s, secs, ctx, &mut fx)
        }
        (_, Event::DevicesChecked(h)) => s.devices = h,
        (_, Event::Shutdown) => {
            maint::leave(&mut s, &mut fx, "shutdown");
            end_session(&mut s, &mut fx, "shutdown");
            s.elder = false;
            s.notice = None;
            go(&mut s, Screen::Attract);
        }
        (Screen::Maintenance, ev) => maint::step(&mut s, ev, ctx, &mut fx),
        (Screen::Attract | Screen::Home | Screen::OutOfService, Event::MaintGesture) => maint::gesture(&mut s),
        (_, Event::SetService { state, by }) => maint::set_service(&mut s, state, by, &mut fx),
        (_, Event::StaffCalled) => s.help_called = true,
        (Screen::Help | Screen::DeviceFault | Screen::OutOfService, Event::CallStaff) => {
            maint::call_staff(&mut s, &mut fx);
            if s.screen != Screen::Help {
                s.underlying = s.screen;
                s.screen = Screen::Help;
            }
        }
        // Paused: only help (and the hidden maintenance entry) work.
        (Screen::OutOfService, Event::Tap | Event::Home) => {}
        (_, Event::ToggleElder) => s.elder = !s.elder,
        (_, Event::Replay) => s.replay = s.replay.wrapping_add(1),
        (Screen::Help, Event::CloseHelp | Event::Back) => s.screen = s.underlying,
        (Screen::InactivityWarning, Event::StillHere) => s.screen = s.underlying,
        // Help opens from the attract screen too (the branch phone, 呼叫工作人员).
        (Screen::Submitting | Screen::Help, Event::Help) => {}
        (screen, Event::Help) => {
            s.underlying = screen;
            s.screen = Screen::Help;
        }
        // Out of service until a catalog has arrived (a production terminal ships none).
        (Screen::Attract, Event::Tap) if ctx.catalog.bundles.is_empty() => s.notice = Some(OUT_OF_SERVICE.into()),
        (Screen::Attract, Event::Tap) => go(&mut s, Screen::Home),
        (Screen::Submitting, Event::Home) => {}
        (screen, Event::Home) if screen != Screen::Attract => {
            end_session(&mut s, &mut fx, "cancelled");
            go(&mut s, Screen::Home);
        }
        (Screen::Attract | Screen::Home, Event::OpenProgress) => progress::open(&mut s),
        (Screen::Progress, Event::ProgressWay(w)) => progress::choose(&mut s, w, &mut fx),
        (Screen::Progress, Event::Key(c)) => progress::key(&mut s, c),
        (Screen::Progress, Event::Next) => progress::search(&mut s, &mut fx),
        (Screen::Progress, Event::CardRead(card)) => progress::card(&mut s, card, &mut fx),
        (Screen::Progress, Event::QrRead(text)) => progress::qr(&mut s, text, &mut fx),
        (Screen::Progress, Event::QrNotSeen) => progress::qr_not_seen(&mut s),
        (Screen::Progress, Event::DeviceFailed { device, .. }) => progress::device_failed(&mut s, device, &mut fx),
        (Screen::Progress, Event::PrintProgress(i)) => progress::print(&mut s, i, &mut fx),
        (Screen::Progress, Event::Back) => progress::back(&mut s, &mut fx),
        // The answer counts under an overlay too (help, the idle warning).
        (_, Event::ProgressAnswer(a)) => progress::answer(&mut s, a, &mut fx),
        (Screen::Home, Event::StartBundle(id)) => start_bundle(&mut s, &id, ctx, &mut fx),
        (Screen::Home, Event::HomeCategory(c)) => extras::home_category(&mut s, c),
        (Screen::Home, Event::ToggleKeypad) => s.home.keypad = !s.home.keypad,
        (Screen::Home, Event::HomeSingles) => extras::home_singles(&mut s),
        (Screen::Home, Event::SearchKey(c)) => extras::search_key(&mut s, c),
        (Screen::Form, Event::ProfileFound(exists)) => extras::profile_found(&mut s, exists),
        (Screen::Form, Event::ProfileConsent(yes)) => extras::profile_consent(&mut s, yes, &mut fx),
        (Screen::Form, Event::ProfileLoaded(c)) => extras::profile_loaded(&mut s, c),
        (Screen::Form, Event::ToggleKeepProfile) => extras::toggle_keep(&mut s),
        (Screen::Form, Event::DeleteProfile) => extras::delete_profile(&mut s, &mut fx),
        (_, Event::ProfileDeleted(existed)) => extras::profile_deleted(&mut s, existed),
        (Screen::Guide, Event::ToggleItem(i)) => toggle_item(&mut s, i, ctx),
        (Screen::Guide, Event::PrintNotice) => {
            if let Some(sess) = &s.session {
                fx.push(Effect::PrintNotice { bundle_id: sess.bundle_id.clone(), selected: sess.selected.clone() });
            }
        }
        (Screen::Guide, Event::Next) => {
            if s.session.as_ref().is_some_and(|x| x.selected.is_empty()) {
                s.notice = Some("请至少选择一项要办理的事项".into());
            } else {
                go(&mut s, Screen::Identify);
                fx.push(Effect::StartCardReading);
            }
        }
        (Screen::Guide, Event::Back) => {
            end_session(&mut s, &mut fx, "cancelled");
            go(&mut s, Screen::Home);
        }
        (Screen::Identify, Event::CardRead(card)) => card_read(&mut s, card, ctx, &mut fx),
        (Screen::Identify, Event::ShowEIdQr) => eid::toggle(&mut s, &mut fx),
        (Screen::Identify, Event::QrRead(text)) => eid::qr_read(&mut s, text, &mut fx),
        (Screen::Identify, Event::EIdVerified(answer)) => eid::verified(&mut s, answer, ctx, &mut fx),
        (Screen::Identify, Event::DeviceFailed { device, message }) => {
            fx.push(Effect::StopCardReading);
            fault(&mut s, &mut fx, device, message);
        }
        (Screen::Identify, Event::Back) => {
            fx.push(Effect::StopCardReading);
            go(&mut s, Screen::Guide);
        }
        (Screen::Form, Event::Key(c)) => form::key(&mut s, c),
        (Screen::Form, Event::EditPhone) => form::open_phone(&mut s),
        (Screen::Form, Event::EditField(i)) => form::open(&mut s, i),
        (Screen::Form, Event::Pick(i)) if handwriting::on(&s) => handwriting::pick(&mut s, i),
        (Screen::Form, Event::Pick(i)) => form::pick(&mut s, i, ctx.catalog),
        (Screen::Form, Event::CandidatePage(next)) => form::page(&mut s, next, ctx.catalog),
        (Screen::Form, Event::EditDone) if handwriting::unpicked(&s) => handwriting::ask_pick(&mut s),
        (Screen::Form, Event::EditDone) => form::done(&mut s),
        (Screen::Form, Event::HwTab(on)) => handwriting::tab(&mut s, on, &mut fx),
        (Screen::Form, Event::HwStroke(points)) => handwriting::stroke(&mut s, points, &mut fx),
        (Screen::Form, Event::HwClear) => handwriting::clear(&mut s),
        // Answers count on any screen (a warning or help may be over the editor).
        (_, Event::HwCandidates(c)) => handwriting::candidates(&mut s, c, &mut fx),
        (_, Event::HwUnavailable) => handwriting::unavailable(&mut s),
        (Screen::Form, Event::EditCancel | Event::Back) if editing(&s) => form::cancel(&mut s),
        // Other touches wait until the editor is closed.
        (Screen::Form, Event::Next | Event::SetDelivery(_)) if editing(&s) => {}
        (Screen::Form, Event::SetDelivery(d)) => {
            if let Some(sess) = s.session.as_mut() {
                sess.delivery = d;
            }
        }
        (Screen::Form, Event::Next) => form_next(&mut s, ctx),
        (Screen::Form, Event::Back) => {
            if let Some(sess) = s.session.as_mut() {
                sess.applicant = None;
                sess.fields.clear();
            }
            extras::reset_go(&mut s, Screen::Guide);
        }
        (Screen::Materials, Event::Sign(path)) => sign(&mut s, path),
        (Screen::Materials, Event::CancelCommitment | Event::Back) if committing(&s) => {
            if let Some(sess) = s.session.as_mut() {
                sess.commitment = None;
            }
            s.notice = None;
        }
        // The commitment is on screen: other touches wait for it.
        (Screen::Materials, Event::Capture(_) | Event::Defer(_) | Event::Next) if committing(&s) => {}
        (Screen::Materials, Event::Capture(i)) => capture(&mut s, i, &mut fx),
        (Screen::Materials, Event::Defer(i)) => defer(&mut s, i),
        (Screen::Materials, Event::Captured { slot, pages }) => {
            if let Some(m) = s.session.as_mut().and_then(|x| x.materials.get_mut(slot)) {
                m.state = SlotState::Captured { pages };
            }
        }
        (Screen::Materials, Event::CaptureFailed { slot, message }) => {
            if let Some(m) = s.session.as_mut().and_then(|x| x.materials.get_mut(slot)) {
                m.state = SlotState::Failed(message);
            }
        }
        (Screen::Materials, Event::DeviceFailed { device, message }) => fault(&mut s, &mut fx, device, message),
        (Screen::Materials, Event::Next) => materials_next(&mut s),
        (Screen::Materials, Event::Back) => go(&mut s, Screen::Form),
        (Screen::Review, Event::Next) => submit(&mut s, ctx, &mut fx),
        (Screen::Review, Event::Back) => go(&mut s, Screen::Materials),
        (Screen::Submitting, Event::CaseQueued { local_no }) => {
            maint::count(&mut fx, crate::ops::counts::SUBMISSIONS);
            if let Some(sess) = s.session.as_mut() {
                let data = receipt_data(sess, &local_no, ctx);
                sess.receipt = Some(ReceiptState { local_no, print: PrintState::Printing });
                fx.push(Effect::PrintReceipt(data));
            }
            go(&mut s, Screen::Receipt);
        }
        (Screen::Submitting, Event::QueueFailed(message)) => {
            fault(&mut s, &mut fx, Device::Storage, message);
        }
        (_, Event::ReceiptPrinted) => {
            maint::count(&mut fx, crate::ops::counts::PRINTS);
            set_print(&mut s, PrintState::Printed)
        }
        (_, Event::PrintFailed(message)) => set_print(&mut s, PrintState::Failed(message)),
        (Screen::Receipt, Event::Next) => go(&mut s, Screen::Rating),
        (Screen::Rating, Event::Rate(level)) => {
            if let Some(sess) = s.session.as_mut() {
                if (1..=5).contains(&level) {
                    sess.rating.level = Some(level);
                    if !is_bad(level) {
                        sess.rating.reasons.clear();
                    }
                }
            }
        }
        (Screen::Rating, Event::ToggleReason(code)) => {
            if let Some(r) = s.session.as_mut().map(|x| &mut x.rating) {
                if !r.reasons.remove(&code) {
                    r.reasons.insert(code);
                }
            }
        }
        (Screen::Rating, Event::SubmitRating) => submit_rating(&mut s, &mut fx),
        (Screen::Rating, Event::SkipRating) => {
            fx.push(Effect::Audit { kind: "rating_skipped", detail: String::new() });
            go(&mut s, Screen::Farewell);
        }
        (Screen::Farewell, Event::Next | Event::Tap) => {
            end_session(&mut s, &mut fx, "completed");
            // The next citizen starts in the standard layout.
            s.elder = false;
            go(&mut s, Screen::Attract);
        }
        (Screen::DeviceFault, Event::Back | Event::Next) => {
            end_session(&mut s, &mut fx, "device_fault");
            go(&mut s, Screen::Home);
        }
        // Anything else (a late device result, a touch on a stale button) changes nothing.
        _ => {}
    }
    maint::settle(&mut s, &mut fx);
    progress::settle(&mut s, &mut fx);
    eid::settle(&mut s, &mut fx);
    (s, fx)
}

/// What the attract screen says while the terminal has no service catalog.
pub const OUT_OF_SERVICE: &str = "本机暂停服务：正在从政务服务平台获取服务目录，请稍后再试或到窗口办理";

pub(crate) fn go(s: &mut State, screen: Screen) {
    s.screen = screen;
    s.notice = None;
}

fn end_session(s: &mut State, fx: &mut Vec<Effect>, why: &'static str) {
    if s.session.take().is_some() {
        fx.push(Effect::StopCardReading);
        fx.push(Effect::WipeSession);
        fx.push(Effect::Audit { kind: "session_end", detail: why.to_string() });
    }
    // A 帮办 call ends with the visit it was made in.
    if std::mem::take(&mut s.help_called) {
        fx.push(Effect::ClearHelpCalls);
    }
    s.fault = None;
}

fn tick(s: &mut State, secs: u32, ctx: &Ctx, fx: &mut Vec<Effect>) {
    match s.screen {
        Screen::Attract | Screen::Submitting | Screen::OutOfService => return,
        Screen::Maintenance => return maint::tick(s, secs, fx),
        Screen::Farewell => {
            s.idle_left = s.idle_left.min(ctx.timing.farewell).saturating_sub(secs);
            if s.idle_left == 0 {
                end_session(s, fx, "completed");
                s.elder = false;
                go(s, Screen::Attract);
            }
            return;
        }
        _ => {}
    }
    s.idle_left = s.idle_left.saturating_sub(secs);
    if s.idle_left == 0 {
        end_session(s, fx, "inactivity");
        s.elder = false;
        go(s, Screen::Attract);
        s.idle_left = ctx.timing.idle_timeout;
    } else if s.idle_left <= ctx.timing.warn_at && s.screen != Screen::InactivityWarning {
        s.underlying = s.screen;
        s.screen = Screen::InactivityWarning;
    }
}

fn fault(s: &mut State, fx: &mut Vec<Effect>, device: Device, message: String) {
    maint::count(fx, crate::ops::counts::FAULTS);
    s.fault = Some(Fault { device, message });
    go(s, Screen::DeviceFault);
}

/// Why a bundle cannot be done on this terminal now (a device is down), in the
/// citizen's words; None when it can. A printer that is down is no reason: the receipt
/// is then shown as a QR code.
pub fn unavailable_reason(
    b: &crate::catalog::Bundle,
    cat: &crate::catalog::Catalog,
    d: &DeviceHealth,
) -> Option<&'static str> {
    if !d.idcard.usable() {
        return Some("读卡器暂不可用，暂不能在本机办理，请到窗口办理");
    }
    let must_scan =
        || cat.merged_materials(&b.default_selected).iter().any(|m| m.required && !m.e_cert && !m.deferrable);
    if !d.scanner.usable() && must_scan() {
        return Some("需要拍摄材料，高拍仪暂不可用，请到窗口办理");
    }
    None
}

pub(crate) fn start_bundle(s: &mut State, id: &str, ctx: &Ctx, fx: &mut Vec<Effect>) {
    let Some(b) = ctx.catalog.bundle(id) else {
        s.notice = Some("该事项暂不能在本机办理，请到窗口咨询".into());
        return;
    };
    if let Some(why) = unavailable_reason(b, ctx.catalog, &s.devices) {
        s.notice = Some(why.into());
        return;
    }
    s.session = Some(Session::new(b.id.clone(), b.default_selected.clone()));
    s.home = HomeState::default();
    fx.push(Effect::Audit { kind: "session_start", detail: b.id.clone() });
    maint::count(fx, crate::ops::counts::SESSIONS);
    go(s, Screen::Guide);
}

fn toggle_item(s: &mut State, i: usize, ctx: &Ctx) {
    let Some(sess) = s.session.as_mut() else { return };
    let Some(code) = ctx.catalog.bundle(&sess.bundle_id).and_then(|b| b.matters.get(i)).cloned() else {
        return;
    };
    if let Some(pos) = sess.selected.iter().position(|c| *c == code) {
        sess.selected.remove(pos);
    } else {
        // Keep the catalog's order so the merged form is stable.
        let order = &ctx.catalog.bundle(&sess.bundle_id).map(|b| b.matters.clone()).unwrap_or_default();
        sess.selected.push(code);
        sess.selected.sort_by_key(|c| order.iter().position(|o| o == c));
    }
    s.notice = None;
}

fn card_read(s: &mut State, card: Applicant, ctx: &Ctx, fx: &mut Vec<Effect>) {
    if let Err(msg) = card.check(ctx.today) {
        // Stay on Identify: the reader keeps polling for another card.
        s.notice = Some(msg);
        return;
    }
    fx.push(Effect::StopCardReading);
    fx.push(Effect::Audit { kind: "card_read", detail: kiosk_hardware::pii::mask_id(&card.id_number) });
    // Only whether a 一人一档 exists; nothing saved is read before consent.
    fx.push(Effect::ProfileLookup(ProfileId::new(&card.id_number)));
    let Some(sess) = s.session.as_mut() else { return };
    sess.fields = ctx
        .catalog
        .merged_fields(&sess.selected)
        .into_iter()
        .map(|f| {
            let value = match f.source {
                FieldSource::Card => card.field(&f.key).unwrap_or_default(),
                FieldSource::ECert => "由电子证照自动获取".to_string(),
                FieldSource::Default if f.key == "applicant.contact_address" => card.address.clone(),
                FieldSource::Default => f.default.clone().unwrap_or_default(),
                FieldSource::Typed | FieldSource::Profile => String::new(),
            };
            let def = ctx.catalog.field(&f.key);
            FormField {
                key: f.key,
                label: f.label,
                source: f.source,
                value,
                input: f.input,
                options: def.map(|d| d.options.clone()).unwrap_or_default(),
                multiple: def.is_some_and(|d| d.multiple),
            }
        })
        .collect();
    sess.applicant = Some(card);
    go(s, Screen::Form);
}

fn editing(s: &State) -> bool {
    s.session.as_ref().is_some_and(|x| x.editor.is_some())
}

fn form_next(s: &mut State, ctx: &Ctx) {
    let Some(sess) = s.session.as_mut() else { return };
    // The phone has its own box and message below.
    let missing: Vec<&str> =
        sess.fields.iter().filter(|f| f.missing() && f.key != "applicant.phone").map(|f| f.label.as_str()).collect();
    if !missing.is_empty() {
        s.notice = Some(format!("还需要填写：{}（点该项填写）", missing.join("、")));
        return;
    }
    if !valid_mobile(sess.phone()) {
        s.notice = Some("请输入11位手机号码，用于接收办理进度短信".into());
        return;
    }
    sess.materials = ctx
        .catalog
        .merged_materials(&sess.selected)
        .into_iter()
        .map(|m| MaterialSlot {
            state: if m.e_cert { SlotState::ECert } else { SlotState::Todo },
            key: m.key,
            name: m.name,
            required: m.required,
            deferrable: m.deferrable,
            signature: None,
        })
        .collect();
    go(s, Screen::Materials);
}

pub fn valid_mobile(p: &str) -> bool {
    p.len() == 11 && p.starts_with('1') && p.bytes().all(|b| b.is_ascii_digit())
}

fn capture(s: &mut State, i: usize, fx: &mut Vec<Effect>) {
    let Some(slot) = s.session.as_mut().and_then(|x| x.materials.get_mut(i)) else { return };
    if matches!(slot.state, SlotState::ECert | SlotState::Capturing) {
        return;
    }
    slot.state = SlotState::Capturing;
    fx.push(Effect::Capture { slot: i, material_key: slot.key.clone() });
    s.notice = None;
}

fn committing(s: &State) -> bool {
    s.session.as_ref().is_some_and(|x| x.commitment.is_some())
}

/// 容缺: the material is deferred only once the citizen has signed the commitment.
fn defer(s: &mut State, i: usize) {
    let Some(sess) = s.session.as_mut() else { return };
    let Some(slot) = sess.materials.get(i) else { return };
    if slot.deferrable && matches!(slot.state, SlotState::Todo | SlotState::Failed(_)) {
        sess.commitment = Some(i);
        s.notice = None;
    }
}

fn sign(s: &mut State, path: String) {
    let Some(sess) = s.session.as_mut() else { return };
    let Some(i) = sess.commitment else { return };
    if let Err(e) = crate::signature::check(&path) {
        s.notice = Some(e.citizen_message().into());
        return;
    }
    sess.commitment = None;
    if let Some(slot) = sess.materials.get_mut(i) {
        slot.state = SlotState::Deferred;
        slot.signature = Some(path);
    }
    s.notice = None;
}

fn materials_next(s: &mut State) {
    let Some(sess) = s.session.as_ref() else { return };
    let missing: Vec<&str> =
        sess.materials.iter().filter(|m| m.required && !m.state.is_satisfied()).map(|m| m.name.as_str()).collect();
    if missing.is_empty() {
        go(s, Screen::Review);
    } else {
        s.notice = Some(format!("还需要拍摄：{}", missing.join("、")));
    }
}

fn submit(s: &mut State, ctx: &Ctx, fx: &mut Vec<Effect>) {
    let Some(sess) = s.session.as_ref() else { return };
    let Some(applicant) = sess.applicant.clone() else { return };
    fx.extend(extras::save_effect(s));
    let bundle_name = ctx.catalog.bundle(&sess.bundle_id).map(|b| b.name.clone()).unwrap_or_default();
    fx.push(Effect::EnqueueCase(Box::new(CaseDraft {
        bundle_id: sess.bundle_id.clone(),
        bundle_name,
        matter_codes: sess.selected.clone(),
        applicant,
        phone: sess.phone().to_string(),
        form: sess
            .fields
            .iter()
            .map(|f| {
                let value = if f.source == FieldSource::ECert { String::new() } else { f.value.clone() };
                (f.key.clone(), value, f.source)
            })
            .collect(),
        commitments: sess
            .materials
            .iter()
            .filter(|m| m.state == SlotState::Deferred)
            .filter_map(|m| Some((m.key.clone(), m.signature.clone()?)))
            .collect(),
        delivery: sess.delivery,
        materials: sess.materials.iter().map(|m| (m.key.clone(), m.state.clone())).collect(),
    })));
    go(s, Screen::Submitting);
}

fn receipt_data(sess: &Session, local_no: &str, ctx: &Ctx) -> ReceiptData {
    let bundle = ctx.catalog.bundle(&sess.bundle_id);
    let applicant = sess.applicant.as_ref();
    // Post goes where the form says (the citizen may have changed it), else the card's.
    let contact = sess.fields.iter().find(|f| f.key == "applicant.contact_address" && !f.value.trim().is_empty());
    let address = contact.map(|f| f.value.clone()).or_else(|| applicant.map(|a| a.address.clone())).unwrap_or_default();
    ReceiptData {
        name_masked: applicant.map(|a| mask_name_for_paper(&a.name)).unwrap_or_default(),
        post_address: mask_address(&address),
        local_no: local_no.to_string(),
        bundle_name: bundle.map(|b| b.name.clone()).unwrap_or_default(),
        matters: sess.selected.iter().filter_map(|c| ctx.catalog.matter(c)).map(|m| m.name.clone()).collect(),
        deferred: sess.materials.iter().filter(|m| m.state == SlotState::Deferred).map(|m| m.name.clone()).collect(),
        delivery: sess.delivery,
        window: bundle.map(|b| b.window.clone()).unwrap_or_default(),
        promised_days: sess
            .selected
            .iter()
            .filter_map(|c| ctx.catalog.matter(c))
            .map(|m| m.promised_days)
            .max()
            .unwrap_or(0),
    }
}

fn set_print(s: &mut State, p: PrintState) {
    if let Some(r) = s.session.as_mut().and_then(|x| x.receipt.as_mut()) {
        r.print = p;
    }
}

pub fn is_bad(level: u8) -> bool {
    level >= 4
}

fn submit_rating(s: &mut State, fx: &mut Vec<Effect>) {
    let Some(sess) = s.session.as_mut() else { return };
    let Some(level) = sess.rating.level else {
        s.notice = Some("请先选择一个评价".into());
        return;
    };
    if is_bad(level) && sess.rating.reasons.is_empty() {
        s.notice = Some("请选择不满意的原因（可多选），帮助我们改进".into());
        return;
    }
    let Some(receipt) = &sess.receipt else { return };
    maint::count(fx, maint::rating_counter(level));
    fx.push(Effect::StoreRating(RatingRecord {
        local_no: receipt.local_no.clone(),
        level,
        reasons: sess.rating.reasons.iter().cloned().collect(),
    }));
    go(s, Screen::Farewell);
}

//! Bridge between the runtime and the Slint UI: applies a `View` to the `Kiosk`
//! global and turns touches into journey events.

pub mod view;

slint::include_modules!();

use crate::catalog::{Catalog, Category};
use crate::journey::{Delivery, Event, Screen};
use slint::{ModelRc, SharedString, VecModel};
pub use view::View;

fn model<T: Clone + 'static>(v: Vec<T>) -> ModelRc<T> {
    ModelRc::new(VecModel::from(v))
}

fn s(x: &str) -> SharedString {
    x.into()
}

fn screen_id(s: Screen) -> ScreenId {
    match s {
        Screen::Attract => ScreenId::Attract,
        Screen::Home => ScreenId::Home,
        Screen::Guide => ScreenId::Guide,
        Screen::Identify => ScreenId::Identify,
        Screen::Form => ScreenId::Form,
        Screen::Materials => ScreenId::Materials,
        Screen::Review => ScreenId::Review,
        Screen::Submitting => ScreenId::Submitting,
        Screen::Receipt => ScreenId::Receipt,
        Screen::Rating => ScreenId::Rating,
        Screen::Farewell => ScreenId::Farewell,
        Screen::Help => ScreenId::Help,
        Screen::DeviceFault => ScreenId::Fault,
        Screen::InactivityWarning => ScreenId::IdleWarning,
    }
}

/// A QR code as a Slint image (black modules on white, 1 px per module; the UI scales
/// it with pixelated rendering).
pub fn qr_image(data: &str) -> slint::Image {
    let Ok(code) = qrcode::QrCode::with_error_correction_level(data.as_bytes(), qrcode::EcLevel::M) else {
        return slint::Image::default();
    };
    let w = code.width();
    let quiet = 2;
    let side = (w + 2 * quiet) as u32;
    let mut buf = slint::SharedPixelBuffer::<slint::Rgb8Pixel>::new(side, side);
    let colors = code.to_colors();
    for (i, px) in buf.make_mut_slice().iter_mut().enumerate() {
        let (x, y) = (i % side as usize, i / side as usize);
        let dark = x >= quiet
            && y >= quiet
            && x < w + quiet
            && y < w + quiet
            && colors[(y - quiet) * w + (x - quiet)] == qrcode::Color::Dark;
        *px = if dark { slint::Rgb8Pixel::new(0, 0, 0) } else { slint::Rgb8Pixel::new(255, 255, 255) };
    }
    slint::Image::from_rgb8(buf)
}

/// Sets everything the screens show. Runs on the UI thread.
pub fn apply(app: &AppWindow, v: &View) {
    let k = app.global::<Kiosk>();
    let t = app.global::<Theme>();
    t.set_elder(v.elder);
    if let Some(screen) = v.screen {
        k.set_screen(screen_id(screen));
    }
    k.set_step(v.step);
    k.set_back_enabled(v.back_enabled);
    k.set_idle_left(v.idle_left);
    k.set_show_countdown(v.show_countdown);
    k.set_notice(s(&v.notice));
    k.set_bundles(model(
        v.bundles
            .iter()
            .map(|(i, n, sm, d)| BundleItem { index: *i as i32, name: s(n), summary: s(sm), departments: s(d) })
            .collect(),
    ));
    k.set_home_category(v.home_category);
    k.set_category_labels(model(v.category_labels.iter().map(|l| s(l)).collect()));
    k.set_keypad_open(v.keypad_open);
    k.set_search_query(s(&v.search_query));
    k.set_hits(model(v.hits.iter().map(|(n, d)| HitItem { name: s(n), detail: s(d) }).collect()));
    k.set_search_hint(s(&v.search_hint));
    k.set_profile_state(v.profile_state);
    k.set_profile_exists(v.profile_exists);
    k.set_keep_profile(v.keep_profile);
    k.set_bundle_name(s(&v.bundle_name));
    k.set_items(model(v.items.iter().map(|(l, d, c)| CheckItem { label: s(l), detail: s(d), checked: *c }).collect()));
    k.set_guide_sections(model(v.guide_sections.iter().map(|(h, b)| Section { heading: s(h), body: s(b) }).collect()));
    k.set_identify_hint(s(&v.identify_hint));
    k.set_fields(model(
        v.fields
            .iter()
            .map(|f| FieldRow {
                label: s(&f.label),
                value: s(&f.value),
                source: s(&f.source),
                auto: f.auto,
                edit: f.edit,
            })
            .collect(),
    ));
    let e = v.editor.clone().unwrap_or_default();
    k.set_editing(v.editor.is_some());
    k.set_edit_label(s(&e.label));
    k.set_edit_hint(s(&e.hint));
    k.set_edit_text(s(&e.text));
    k.set_edit_pinyin(s(&e.pinyin));
    k.set_edit_candidates(model(e.candidates.iter().map(|c| s(c)).collect()));
    k.set_edit_has_prev(e.has_prev);
    k.set_edit_has_next(e.has_next);
    k.set_edit_options(model(e.options.iter().map(|(l, c)| ReasonItem { label: s(l), checked: *c }).collect()));
    k.set_edit_keys(model(e.keys.iter().map(|(l, c)| KeyItem { label: s(l), code: *c }).collect()));
    k.set_edit_cols(e.cols.max(1));
    k.set_committing(v.commitment.is_some());
    k.set_commitment_text(s(v.commitment.as_deref().unwrap_or_default()));
    k.set_phone(s(&v.phone));
    k.set_post_delivery(v.post_delivery);
    k.set_auto_summary(s(&v.auto_summary));
    k.set_materials(model(
        v.materials
            .iter()
            .map(|(n, st, code, req, def)| MaterialRow {
                name: s(n),
                status: s(st),
                state: *code,
                required: *req,
                can_defer: *def,
            })
            .collect(),
    ));
    k.set_materials_summary(s(&v.materials_summary));
    k.set_review(model(v.review.iter().map(|(h, b)| Section { heading: s(h), body: s(b) }).collect()));
    if k.get_receipt_no().as_str() != v.receipt_no {
        k.set_receipt_qr(if v.receipt_qr.is_empty() { slint::Image::default() } else { qr_image(&v.receipt_qr) });
    }
    k.set_receipt_no(s(&v.receipt_no));
    k.set_print_status(s(&v.print_status));
    k.set_print_failed(v.print_failed);
    k.set_rating(v.rating);
    k.set_rating_levels(model(view::level_names().iter().map(|l| s(l)).collect()));
    k.set_reasons(model(v.reasons.iter().map(|(l, c)| ReasonItem { label: s(l), checked: *c }).collect()));
    k.set_needs_reasons(v.needs_reasons);
    k.set_fault_title(s(&v.fault_title));
    k.set_fault_message(s(&v.fault_message));
    k.set_fault_options(model(v.fault_options.iter().map(|o| s(o)).collect()));
    k.set_next_capture(v.next_capture.as_ref().map_or(-1, |n| n.0));
    k.set_next_capture_name(s(v.next_capture.as_ref().map_or("", |n| n.1.as_str())));
    k.set_has_preview(v.preview.is_some());
    if let Some(p) = &v.preview {
        let buf = slint::SharedPixelBuffer::<slint::Rgb8Pixel>::clone_from_slice(&p.rgb, p.width, p.height);
        k.set_preview(slint::Image::from_rgb8(buf));
    }
}

/// Wires the UI's touches to the journey: `act` intents and the signature pad.
pub fn connect(
    app: &AppWindow,
    tx: crate::runtime::EventTx,
    catalog: std::sync::Arc<crate::catalog::sync::CatalogCell>,
) {
    let k = app.global::<Kiosk>();
    let t = tx.clone();
    k.on_act(move |name, arg| {
        // The catalog in use now: tiles carry its indexes.
        if let Some(ev) = intent(&name, arg, &catalog.current()) {
            let _ = t.send(ev);
        }
    });
    k.on_signed(move |path| {
        let _ = tx.send(Event::Sign(path.to_string()));
    });
}

/// Turns a touch intent from the UI into a journey event.
pub fn intent(name: &str, arg: i32, cat: &Catalog) -> Option<Event> {
    let idx = usize::try_from(arg).ok();
    Some(match name {
        "tap" => Event::Tap,
        "bundle" => Event::StartBundle(cat.bundles.get(idx?)?.id.clone()),
        "item" => Event::ToggleItem(idx?),
        "print-notice" => Event::PrintNotice,
        "next" => Event::Next,
        "back" => Event::Back,
        "home" => Event::Home,
        "help" => Event::Help,
        "close-help" => Event::CloseHelp,
        "still-here" => Event::StillHere,
        "elder" => Event::ToggleElder,
        "key" => Event::Key(char::from_u32(u32::try_from(arg).ok()?)?),
        "delivery" => Event::SetDelivery(if arg == 1 { Delivery::Post } else { Delivery::Window }),
        "capture" => Event::Capture(idx?),
        "defer" => Event::Defer(idx?),
        "rate" => Event::Rate(u8::try_from(arg).ok()?),
        "reason" => Event::ToggleReason(crate::rating::BAD_REASONS.get(idx?)?.0.to_string()),
        "submit-rating" => Event::SubmitRating,
        "skip-rating" => Event::SkipRating,
        "category" => Event::HomeCategory(if arg == 1 { Category::Enterprise } else { Category::Personal }),
        "keypad" => Event::ToggleKeypad,
        // 0..=25 a..z, -1 delete.
        "search-letter" => Event::SearchKey(match arg {
            -1 => '\u{8}',
            0..=25 => char::from(b'a' + arg as u8),
            _ => return None,
        }),
        "hit" => Event::StartHit(idx?),
        "profile-consent" => Event::ProfileConsent(arg == 1),
        "keep-profile" => Event::ToggleKeepProfile,
        "delete-profile" => Event::DeleteProfile,
        "edit" => Event::EditField(idx?),
        "edit-phone" => Event::EditPhone,
        "pick" => Event::Pick(idx?),
        "candidates" => Event::CandidatePage(arg == 1),
        "edit-done" => Event::EditDone,
        "edit-cancel" => Event::EditCancel,
        "commit-cancel" => Event::CancelCommitment,
        _ => return None,
    })
}

/// Terminal facts that never change while running: header site, help line, id.
pub fn set_terminal(app: &AppWindow, t: &crate::config::Terminal) {
    let k = app.global::<Kiosk>();
    k.set_site_name(s(&t.site));
    k.set_help_phone(s(&t.help_phone));
    k.set_terminal_id(s(&t.id));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn intents_map_to_events() {
        let cat = Catalog::seed();
        assert_eq!(intent("bundle", 8, &cat), Some(Event::StartBundle("newborn".into())));
        assert_eq!(intent("bundle", 99, &cat), None);
        assert_eq!(intent("search-letter", 23, &cat), Some(Event::SearchKey('x')));
        assert_eq!(intent("search-letter", 26, &cat), None);
        assert_eq!(intent("key", 55, &cat), Some(Event::Key('7')));
        assert_eq!(intent("reason", 1, &cat), Some(Event::ToggleReason("R02".into())));
        assert_eq!(intent("rate", -1, &cat), None);
        assert_eq!(intent("nonsense", 0, &cat), None);
    }
}

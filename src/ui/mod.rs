//! The Slint bridge. The UI protocol is one global adapter per screen or area
//! (ui/adapters.slint); each has a small controller here that applies its part of the
//! view and turns its typed callbacks into journey events. The runtime publishes
//! snapshots through [`UiSink`], which builds the view off the UI thread and sends the
//! UI thread only what changed: a 1 Hz tick sets the countdown and nothing else, a
//! scanner frame sets the preview image and nothing else. Models are `VecModel`s kept
//! for the window's life and changed in place, row by row.

mod chrome;
mod editor;
mod form;
mod guide;
mod help;
mod icons;
pub mod lines;
mod maint;
mod materials;
mod progress;
mod rating;
mod receipt;
mod review;
mod sink;
mod start;
pub mod view;

slint::include_modules!();

use crate::journey::Event;
use crate::runtime::EventTx;
pub use maint::MaintView;
pub use progress::ProgressView;
pub use sink::{Differ, UiSink, Update};
use slint::{ComponentHandle, Model, ModelRc, SharedString, VecModel};
pub use view::View;

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

/// Sets everything the screens show, adapter by adapter, changing only what differs
/// from what is shown. Runs on the UI thread.
pub fn apply(app: &AppWindow, v: &View) {
    chrome::apply(app, v);
    start::apply(app, v);
    guide::apply(app, v);
    form::apply(app, v);
    editor::apply(app, v);
    materials::apply(app, v);
    review::apply(app, v);
    receipt::apply(app, v);
    rating::apply(app, v);
    help::apply(app, v);
    maint::apply(app, v);
    progress::apply(app, v);
}

/// Wires every adapter's callbacks to the journey.
pub fn connect(app: &AppWindow, tx: EventTx) {
    chrome::connect(app, &tx);
    start::connect(app, &tx);
    guide::connect(app, &tx);
    form::connect(app, &tx);
    editor::connect(app, &tx);
    materials::connect(app, &tx);
    review::connect(app, &tx);
    receipt::connect(app, &tx);
    rating::connect(app, &tx);
    help::connect(app, &tx);
    maint::connect(app, &tx);
    progress::connect(app, &tx);
}

/// The runtime's sink for this window: snapshots in, the changes applied on the UI thread.
pub fn sink(app: &AppWindow, terminal: &crate::config::Terminal) -> UiSink {
    UiSink::new(app.as_weak(), view::SiteFacts::of(terminal))
}

/// Terminal facts that never change while running: header site, help line, id.
pub fn set_terminal(app: &AppWindow, t: &crate::config::Terminal) {
    chrome::set_site(app, &t.site());
    help::set_terminal(app, &t.help_phone, &t.id);
    progress::set_terminal(app, &t.id);
    maint::set_terminal(app, &t.centre);
}

/// Records when a frame was last drawn, for the heartbeat: a kiosk that is up behind a
/// blank screen is the costly failure. Where the renderer cannot notify (the software
/// renderer may not), a UI-thread timer records that the event loop still turns and
/// presents, every 5 s.
pub fn watch_frames(app: &crate::ui::AppWindow, ops: std::sync::Arc<crate::ops::Ops>) -> Option<slint::Timer> {
    let o = ops.clone();
    let notified = app.window().set_rendering_notifier(move |state, _| {
        if matches!(state, slint::RenderingState::AfterRendering) {
            o.frame_rendered();
        }
    });
    if notified.is_ok() {
        return None;
    }
    let weak = app.as_weak();
    let timer = slint::Timer::default();
    ops.frame_rendered();
    timer.start(slint::TimerMode::Repeated, std::time::Duration::from_secs(5), move || {
        if weak.upgrade().is_some_and(|a| a.window().is_visible()) {
            ops.frame_rendered();
        }
    });
    Some(timer)
}

/// A callback handler that sends one journey event.
fn send(tx: &EventTx, ev: Event) {
    // The journey loop is gone only while the process stops.
    let _ = tx.send(ev);
}

/// Sets a property only when its value changes.
fn set<T: PartialEq>(shown: T, new: T, setter: impl FnOnce(T)) {
    if shown != new {
        setter(new);
    }
}

/// Makes the rows of a model equal to `rows`, in place: rows that differ are replaced,
/// missing ones pushed, surplus ones removed. The first call installs the `VecModel`
/// the property keeps for the window's life.
fn sync_rows<T: Clone + PartialEq + 'static>(shown: ModelRc<T>, rows: &[T], install: impl FnOnce(ModelRc<T>)) {
    let Some(m) = shown.as_any().downcast_ref::<VecModel<T>>() else {
        install(ModelRc::new(VecModel::from(rows.to_vec())));
        return;
    };
    for (i, r) in rows.iter().enumerate() {
        if i >= m.row_count() {
            m.push(r.clone());
        } else if m.row_data(i).as_ref() != Some(r) {
            m.set_row_data(i, r.clone());
        }
    }
    while m.row_count() > rows.len() {
        m.remove(m.row_count() - 1);
    }
}

/// Sets a string property only when its text changes (no allocation otherwise).
fn set_str(shown: SharedString, new: &str, setter: impl FnOnce(SharedString)) {
    if shown.as_str() != new {
        setter(new.into());
    }
}

/// `sync_rows` for lists of plain strings.
fn sync_strings(shown: ModelRc<SharedString>, rows: &[String], install: impl FnOnce(ModelRc<SharedString>)) {
    let rows: Vec<SharedString> = rows.iter().map(|r| r.as_str().into()).collect();
    sync_rows(shown, &rows, install);
}

//! Headless rendering: the Slint testing backend with the software renderer, used by
//! `kiosk --screenshot` and the UI tests.

use crate::catalog::Catalog;
use crate::journey::{self, Applicant, Ctx, Event, Screen, State, Timing};
use crate::ui::AppWindow;
use slint::ComponentHandle;
use std::path::Path;

pub const WIDTH: u32 = 1080;
pub const HEIGHT: u32 = 1920;

/// Installs the headless platform. `threading` gives an event loop that other threads
/// can post to (`invoke_from_event_loop`); once per process.
pub fn init(threading: bool) -> Result<(), slint::PlatformError> {
    let backend = i_slint_backend_testing::TestingBackend::new(i_slint_backend_testing::TestingBackendOptions {
        mock_time: false,
        threading,
        renderer_name: Some("software".into()),
    });
    slint::platform::set_platform(Box::new(backend)).map_err(|e| slint::PlatformError::Other(e.to_string()))
}

pub fn new_window() -> Result<AppWindow, slint::PlatformError> {
    let app = AppWindow::new()?;
    app.window().set_size(slint::PhysicalSize::new(WIDTH, HEIGHT));
    Ok(app)
}

/// Renders the window and saves it as PNG. Returns the RGBA pixels too.
pub fn save_png(app: &AppWindow, path: &Path) -> Result<image::RgbaImage, String> {
    let shot = app.window().take_snapshot().map_err(|e| e.to_string())?;
    let img = image::RgbaImage::from_raw(shot.width(), shot.height(), shot.as_bytes().to_vec())
        .ok_or("snapshot size mismatch")?;
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| e.to_string())?;
    }
    img.save(path).map_err(|e| e.to_string())?;
    Ok(img)
}

/// A fictitious applicant for screenshots (sample data).
pub fn sample_applicant() -> Applicant {
    (&kiosk_hardware::idcard::demo_card()).into()
}

/// Drives the pure journey with sample events until it shows `target`.
pub fn demo_state(target: Screen, cat: &Catalog) -> State {
    let ctx = Ctx { catalog: cat, today: "20261121", timing: Timing::default() };
    let mut s = State::new(120);
    let mut apply = |s: State, e: Event| journey::step(s, e, &ctx).0;
    let script: Vec<Event> = {
        let mut v =
            vec![Event::Tap, Event::StartBundle("newborn".into()), Event::Next, Event::CardRead(sample_applicant())];
        v.push(Event::EditPhone);
        v.extend("13812345678".chars().map(Event::Key));
        v.extend([Event::EditDone, Event::Next]);
        v
    };
    let fault = |s: State, apply: &mut dyn FnMut(State, Event) -> State| {
        let s = apply(s, Event::Tap);
        let s = apply(s, Event::StartBundle("newborn".into()));
        let s = apply(s, Event::Next);
        apply(s, Event::DeviceFailed { device: journey::Device::IdCard, message: "SAM".into() })
    };
    match target {
        Screen::Attract => return s,
        Screen::DeviceFault => return fault(s, &mut apply),
        Screen::Help => {
            s = apply(s, Event::Tap);
            s = apply(s, Event::StartBundle("newborn".into()));
            return apply(s, Event::Help);
        }
        _ => {}
    }
    for e in script {
        if s.screen == target {
            return s;
        }
        s = apply(s, e);
    }
    if s.screen == target {
        return s;
    }
    if target == Screen::InactivityWarning {
        return apply(s, Event::Tick(100));
    }
    // Materials: scan all, then on to the end.
    let slots: Vec<usize> = s.session.as_ref().map_or(vec![], |x| {
        x.materials.iter().enumerate().filter(|(_, m)| m.state == journey::SlotState::Todo).map(|(i, _)| i).collect()
    });
    let mut rest: Vec<Event> = Vec::new();
    for (n, i) in slots.iter().enumerate() {
        rest.push(Event::Capture(*i));
        if n + 1 < slots.len() {
            rest.push(Event::Captured { slot: *i, pages: 1 });
        }
    }
    if let Some(last) = slots.last() {
        rest.push(Event::Captured { slot: *last, pages: 2 });
    }
    rest.extend([
        Event::Next,
        Event::Next,
        Event::CaseQueued { local_no: "XX-0001-1-000042".into() },
        Event::ReceiptPrinted,
        Event::Next,
        Event::Rate(4),
        Event::ToggleReason("R04".into()),
        Event::SubmitRating,
    ]);
    for e in rest {
        if s.screen == target {
            return s;
        }
        s = apply(s, e);
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_screen_has_a_demo_state_that_shows_it() {
        let cat = Catalog::seed();
        for target in Screen::ALL {
            let s = demo_state(target, &cat);
            assert_eq!(s.screen, target, "notice: {:?}", s.notice);
        }
    }
}

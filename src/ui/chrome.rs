//! ChromeAdapter: the header, step indicator, notice and bottom bar on every screen,
//! and the inactivity countdown.

use super::{send, set, set_str, AppWindow, ChromeAdapter, ScreenId, Theme};
use crate::journey::{Event, Screen};
use crate::runtime::EventTx;
use slint::ComponentHandle;

pub fn connect(app: &AppWindow, tx: &EventTx) {
    let g = app.global::<ChromeAdapter>();
    let t = tx.clone();
    g.on_back(move || send(&t, Event::Back));
    let t = tx.clone();
    g.on_home(move || send(&t, Event::Home));
    let t = tx.clone();
    g.on_help(move || send(&t, Event::Help));
    let t = tx.clone();
    g.on_toggle_elder(move || send(&t, Event::ToggleElder));
    let t = tx.clone();
    g.on_replay(move || send(&t, Event::Replay));
    let t = tx.clone();
    g.on_still_here(move || send(&t, Event::StillHere));
    let t = tx.clone();
    g.on_maintenance(move || send(&t, Event::MaintGesture));
}

pub fn apply(app: &AppWindow, v: &super::View) {
    let g = app.global::<ChromeAdapter>();
    let theme = app.global::<Theme>();
    set(theme.get_elder(), v.elder, |x| theme.set_elder(x));
    if let Some(screen) = v.screen {
        set(g.get_screen(), screen_id(screen), |x| g.set_screen(x));
    }
    set(g.get_step(), v.step, |x| g.set_step(x));
    set(g.get_back_enabled(), v.back_enabled, |x| g.set_back_enabled(x));
    set(g.get_nav_locked(), v.nav_locked, |x| g.set_nav_locked(x));
    countdown(app, v.idle_left);
    set(g.get_show_countdown(), v.show_countdown, |x| g.set_show_countdown(x));
    set_str(g.get_notice(), &v.notice, |x| g.set_notice(x));
}

/// A tick: the seconds left before the session is wiped, and nothing else.
pub fn countdown(app: &AppWindow, idle_left: i32) {
    let g = app.global::<ChromeAdapter>();
    set(g.get_idle_left(), idle_left, |x| g.set_idle_left(x));
}

pub fn set_site(app: &AppWindow, site: &str) {
    app.global::<ChromeAdapter>().set_site_name(site.into());
}

pub fn screen_id(s: Screen) -> ScreenId {
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
        Screen::OutOfService => ScreenId::OutOfService,
        Screen::Maintenance => ScreenId::Maintenance,
        Screen::Progress => ScreenId::Progress,
    }
}

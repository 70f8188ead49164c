//! RatingAdapter: 好差评 (one rating, set only by the citizen) and the farewell.

use super::{send, set, sync_rows, AppWindow, RatingAdapter};
use crate::journey::Event;
use crate::runtime::EventTx;
use slint::ComponentHandle;

pub fn connect(app: &AppWindow, tx: &EventTx) {
    let g = app.global::<RatingAdapter>();
    let t = tx.clone();
    g.on_rate(move |level| {
        if let Ok(level @ 1..=5) = u8::try_from(level) {
            send(&t, Event::Rate(level));
        }
    });
    let t = tx.clone();
    g.on_toggle_reason(move |code| send(&t, Event::ToggleReason(code.to_string())));
    let t = tx.clone();
    g.on_submit(move || send(&t, Event::SubmitRating));
    let t = tx.clone();
    g.on_skip(move || send(&t, Event::SkipRating));
    let t = tx.clone();
    g.on_finish(move || send(&t, Event::Next));
}

pub fn apply(app: &AppWindow, v: &super::View) {
    let g = app.global::<RatingAdapter>();
    sync_rows(g.get_levels(), &super::view::level_names(), |m| g.set_levels(m));
    set(g.get_level(), v.rating, |x| g.set_level(x));
    set(g.get_needs_reasons(), v.needs_reasons, |x| g.set_needs_reasons(x));
    sync_rows(g.get_reasons(), &v.reasons, |m| g.set_reasons(m));
}

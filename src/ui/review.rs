//! ReviewAdapter: everything once more before 提交.

use super::{send, sync_rows, AppWindow, ReviewAdapter};
use crate::journey::Event;
use crate::runtime::EventTx;
use slint::ComponentHandle;

pub fn connect(app: &AppWindow, tx: &EventTx) {
    let t = tx.clone();
    app.global::<ReviewAdapter>().on_submit(move || send(&t, Event::Next));
}

pub fn apply(app: &AppWindow, v: &super::View) {
    let g = app.global::<ReviewAdapter>();
    sync_rows(g.get_sections(), &v.review, |m| g.set_sections(m));
}

//! EditorAdapter: one form field open on a keypad, the 拼音 keypad with candidates, or
//! a list of choices.

use super::{send, set, set_str, sync_rows, sync_strings, AppWindow, EditorAdapter};
use crate::journey::Event;
use crate::runtime::EventTx;
use slint::ComponentHandle;

pub fn connect(app: &AppWindow, tx: &EventTx) {
    let g = app.global::<EditorAdapter>();
    let t = tx.clone();
    g.on_press_key(move |k| {
        // Every key types exactly one character.
        let mut chars = k.chars();
        if let (Some(c), None) = (chars.next(), chars.next()) {
            send(&t, Event::Key(c));
        }
    });
    let t = tx.clone();
    g.on_delete_char(move || send(&t, Event::Key('\u{8}')));
    let t = tx.clone();
    g.on_pick_candidate(move |i| {
        if let Ok(i) = usize::try_from(i) {
            send(&t, Event::Pick(i));
        }
    });
    let t = tx.clone();
    g.on_page_candidates(move |forward| send(&t, Event::CandidatePage(forward)));
    let t = tx.clone();
    g.on_toggle_option(move |i| {
        if let Ok(i) = usize::try_from(i) {
            send(&t, Event::Pick(i));
        }
    });
    let t = tx.clone();
    g.on_done(move || send(&t, Event::EditDone));
    let t = tx.clone();
    g.on_cancel(move || send(&t, Event::EditCancel));
}

pub fn apply(app: &AppWindow, v: &super::View) {
    let g = app.global::<EditorAdapter>();
    set(g.get_open(), v.editor.is_some(), |x| g.set_open(x));
    let closed = super::view::EditorView::default();
    let e = v.editor.as_ref().unwrap_or(&closed);
    set_str(g.get_label(), &e.label, |x| g.set_label(x));
    set_str(g.get_hint(), &e.hint, |x| g.set_hint(x));
    set_str(g.get_text(), &e.text, |x| g.set_text(x));
    set_str(g.get_pinyin(), &e.pinyin, |x| g.set_pinyin(x));
    sync_strings(g.get_candidates(), &e.candidates, |m| g.set_candidates(m));
    set(g.get_has_prev(), e.has_prev, |x| g.set_has_prev(x));
    set(g.get_has_next(), e.has_next, |x| g.set_has_next(x));
    sync_rows(g.get_options(), &e.options, |m| g.set_options(m));
    sync_strings(g.get_keys(), &e.keys, |m| g.set_keys(m));
    set(g.get_columns(), e.cols.max(1), |x| g.set_columns(x));
}

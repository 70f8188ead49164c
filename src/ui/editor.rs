//! EditorAdapter: one form field open on a keypad, the 拼音 keypad with candidates, the
//! 手写 pad with its candidates, or a list of choices.

use super::{send, set, set_str, sync_rows, sync_strings, AppWindow, EditorAdapter, KeyRow};
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
    let t = tx.clone();
    g.on_set_hw(move |on| send(&t, Event::HwTab(on)));
    let t = tx.clone();
    g.on_hw_clear(move || send(&t, Event::HwClear));
    let t = tx.clone();
    g.on_hw_stroke(move |points| {
        let stroke = parse_stroke(&points);
        if !stroke.is_empty() {
            send(&t, Event::HwStroke(stroke));
        }
    });
}

/// The pad's "x,y x,y …" (0–1000); anything else is dropped.
fn parse_stroke(points: &str) -> Vec<(u16, u16)> {
    points
        .split_whitespace()
        .filter_map(|p| {
            let (x, y) = p.split_once(',')?;
            Some((x.parse::<u16>().ok()?.min(1000), y.parse::<u16>().ok()?.min(1000)))
        })
        .collect()
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
    sync_key_rows(&g, &e.rows);
    set(g.get_hw_offered(), e.hw.offered, |x| g.set_hw_offered(x));
    set(g.get_hw_mode(), e.hw.on, |x| g.set_hw_mode(x));
    set(g.get_hw_available(), e.hw.available, |x| g.set_hw_available(x));
    set_str(g.get_hw_status(), &e.hw.status, |x| g.set_hw_status(x));
    sync_strings(g.get_hw_candidates(), &e.hw.candidates, |m| g.set_hw_candidates(m));
    set_str(g.get_hw_ink(), &e.hw.ink, |x| g.set_hw_ink(x));
}

/// The QWERTY rows, set only when they differ from those shown (they rarely change).
fn sync_key_rows(g: &EditorAdapter, rows: &[super::view::PadRow]) {
    use slint::Model;
    let shown = g.get_key_rows();
    let same = shown.row_count() == rows.len()
        && shown.iter().zip(rows).all(|(s, r)| {
            s.offset == r.offset
                && s.span == r.span
                && s.delete == r.delete
                && s.keys.iter().map(|k| k.to_string()).eq(r.keys.chars().map(String::from))
        });
    if same {
        return;
    }
    let rows: Vec<KeyRow> = rows
        .iter()
        .map(|r| KeyRow {
            keys: slint::ModelRc::new(slint::VecModel::from(
                r.keys.chars().map(|c| slint::SharedString::from(c.to_string())).collect::<Vec<_>>(),
            )),
            offset: r.offset,
            span: r.span,
            delete: r.delete,
        })
        .collect();
    g.set_key_rows(slint::ModelRc::new(slint::VecModel::from(rows)));
}

//! StartAdapter: the attract screen and the home screen (category tabs, bundle tiles,
//! the 单项事项 tab, the pinyin-initials search).

use super::view::category_of;
use super::{send, set, set_str, sync_rows, AppWindow, StartAdapter};
use crate::journey::Event;
use crate::runtime::EventTx;
use slint::ComponentHandle;

pub fn connect(app: &AppWindow, tx: &EventTx) {
    let g = app.global::<StartAdapter>();
    let t = tx.clone();
    g.on_start(move || send(&t, Event::Tap));
    let t = tx.clone();
    g.on_select_category(move |c| {
        send(&t, category_of(c).map_or(Event::HomeSingles, Event::HomeCategory));
    });
    let t = tx.clone();
    g.on_select_bundle(move |id| send(&t, Event::StartBundle(id.to_string())));
    let t = tx.clone();
    g.on_toggle_search(move || send(&t, Event::ToggleKeypad));
    let t = tx.clone();
    g.on_search_letter(move |l| {
        if let Some(c) = letter(&l) {
            send(&t, Event::SearchKey(c));
        }
    });
    let t = tx.clone();
    g.on_search_delete(move || send(&t, Event::SearchKey('\u{8}')));
    let t = tx.clone();
    g.on_open_hit(move |id| {
        if !id.is_empty() {
            send(&t, Event::StartBundle(id.to_string()));
        }
    });
}

/// A key of the a..z search keypad.
fn letter(key: &str) -> Option<char> {
    let mut chars = key.chars();
    let c = chars.next()?;
    (chars.next().is_none() && c.is_ascii_lowercase()).then_some(c)
}

pub fn apply(app: &AppWindow, v: &super::View) {
    let g = app.global::<StartAdapter>();
    sync_rows(g.get_categories(), &v.categories, |m| g.set_categories(m));
    sync_rows(g.get_bundles(), &v.bundles, |m| g.set_bundles(m));
    set(g.get_search_open(), v.search_open, |x| g.set_search_open(x));
    set_str(g.get_search_query(), &v.search_query, |x| g.set_search_query(x));
    sync_rows(g.get_hits(), &v.hits, |m| g.set_hits(m));
    set_str(g.get_search_hint(), &v.search_hint, |x| g.set_search_hint(x));
    set(g.get_singles_open(), v.singles_open, |x| g.set_singles_open(x));
    sync_rows(g.get_singles(), &v.singles, |m| g.set_singles(m));
}

#[cfg(test)]
mod tests {
    #[test]
    fn only_single_lowercase_letters_search() {
        assert_eq!(super::letter("x"), Some('x'));
        assert_eq!(super::letter("X"), None);
        assert_eq!(super::letter("xy"), None);
        assert_eq!(super::letter(""), None);
    }
}

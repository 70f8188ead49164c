//! 手写 in the form's editor: the 拼音 | 手写 tabs of a text field, the pad's strokes,
//! and the recognizer's candidates (the runtime answers `Effect::Recognize`).
//!
//! One `Recognize` is out at a time: strokes written while it runs mark the answer
//! stale, and the newest strokes are sent when it comes. So answers arrive in order and
//! an answer for strokes already cleared or picked is never shown.

use super::{Editor, Effect, HwPad, State};
use crate::catalog::InputKind;
use zeroize::Zeroize;

/// Strokes are points on a square of this side (the pad's size does not matter).
pub const SIDE: u16 = 1000;
/// Candidates offered after each stroke.
pub const CANDIDATES: usize = 10;
/// More than any character needs (the most complex common ones have ~30 strokes).
pub const MAX_STROKES: usize = 64;

/// Points kept per stroke: a slow stroke on a fast touch panel gives hundreds; the
/// shape needs far fewer.
const POINTS: usize = 128;

/// The open editor, if it is on a text field.
fn text_editor(s: &mut State) -> Option<&mut Editor> {
    let sess = s.session.as_mut()?;
    let field = sess.editor.as_ref()?.field;
    if sess.fields.get(field)?.input != Some(InputKind::Text) {
        return None;
    }
    sess.editor.as_mut()
}

fn pad(s: &State) -> Option<&HwPad> {
    s.session.as_ref()?.editor.as_ref().map(|e| &e.hw)
}

/// The 手写 tab is on: candidates are the pad's.
pub(super) fn on(s: &State) -> bool {
    pad(s).is_some_and(|p| p.on)
}

/// Something is written on the pad and no character picked for it yet.
pub(super) fn unpicked(s: &State) -> bool {
    pad(s).is_some_and(|p| p.on && !p.strokes.is_empty())
}

/// 确定 with ink on the pad: the written character would be lost.
pub(super) fn ask_pick(s: &mut State) {
    s.notice = Some("请先点选手写的字，或点“清除”".into());
}

fn request(pad: &mut HwPad, fx: &mut Vec<Effect>) {
    if pad.pending {
        pad.stale = true;
        return;
    }
    pad.pending = true;
    let strokes = pad.strokes.iter().map(|s| s.iter().map(|p| (p[0], p[1])).collect()).collect();
    fx.push(Effect::Recognize { strokes });
}

/// Empties the pad; an answer on its way is for strokes that are gone.
fn wipe(pad: &mut HwPad) {
    pad.strokes.zeroize();
    pad.candidates.zeroize();
    if pad.pending {
        pad.stale = true;
    }
}

pub(super) fn tab(s: &mut State, hw: bool, fx: &mut Vec<Effect>) {
    let Some(ed) = text_editor(s) else { return };
    if ed.hw.on == hw {
        return;
    }
    if hw {
        // Letters typed toward a character are dropped, as their candidates go.
        ed.pinyin.clear();
        ed.page = 0;
        ed.hw.on = true;
        // The first time: open the model (the answer says whether there is one).
        if ed.hw.available.is_none() {
            request(&mut ed.hw, fx);
        }
    } else {
        wipe(&mut ed.hw);
        ed.hw.on = false;
    }
    s.notice = None;
}

pub(super) fn stroke(s: &mut State, points: Vec<(u16, u16)>, fx: &mut Vec<Effect>) {
    let Some(ed) = text_editor(s) else { return };
    if !ed.hw.on || ed.hw.available == Some(false) || points.is_empty() {
        return;
    }
    if ed.hw.strokes.len() >= MAX_STROKES {
        s.notice = Some("笔画太多了，请点“清除”后重写".into());
        return;
    }
    // Every n-th point, the last one always: at most POINTS.
    let n = points.len().div_ceil(POINTS);
    let last = points.len() - 1;
    let stroke = points
        .iter()
        .enumerate()
        .filter(|(i, _)| i % n == 0 || *i == last)
        .map(|(_, &(x, y))| [x.min(SIDE), y.min(SIDE)])
        .collect();
    ed.hw.strokes.push(stroke);
    request(&mut ed.hw, fx);
    s.notice = None;
}

pub(super) fn clear(s: &mut State) {
    if let Some(ed) = text_editor(s) {
        wipe(&mut ed.hw);
        s.notice = None;
    }
}

/// The i-th candidate goes into the text; the pad is empty again for the next one.
pub(super) fn pick(s: &mut State, i: usize) {
    let Some(ed) = text_editor(s) else { return };
    let Some(c) = ed.hw.candidates.get(i).cloned() else { return };
    if ed.text.chars().count() + c.chars().count() <= super::form::TEXT_MAX {
        ed.text.push_str(&c);
    }
    wipe(&mut ed.hw);
    s.notice = None;
}

pub(super) fn candidates(s: &mut State, list: Vec<String>, fx: &mut Vec<Effect>) {
    let Some(ed) = text_editor(s) else { return };
    let pad = &mut ed.hw;
    // Not asked by this editor (it was closed, another opened): not for these strokes.
    if !pad.pending {
        return;
    }
    pad.pending = false;
    pad.available = Some(true);
    if std::mem::take(&mut pad.stale) {
        if pad.on && !pad.strokes.is_empty() {
            request(pad, fx);
        } else {
            pad.candidates.zeroize();
        }
        return;
    }
    if pad.on {
        pad.candidates = list.into_iter().take(CANDIDATES).collect();
    }
}

pub(super) fn unavailable(s: &mut State) {
    let Some(ed) = text_editor(s) else { return };
    if !ed.hw.pending {
        return;
    }
    wipe(&mut ed.hw);
    ed.hw.pending = false;
    ed.hw.stale = false;
    ed.hw.available = Some(false);
}

#[cfg(test)]
mod tests {
    use crate::catalog::Catalog;
    use crate::journey::*;

    fn step_all(mut s: State, cat: &Catalog, events: Vec<Event>) -> (State, Vec<Effect>) {
        let ctx = Ctx { catalog: cat, today: "20261121", now_ms: 0, timing: Timing::default() };
        let mut all = Vec::new();
        for e in events {
            let (ns, fx) = step(s, e, &ctx);
            s = ns;
            all.extend(fx);
        }
        (s, all)
    }

    fn card() -> Applicant {
        crate::journey::sample_applicant()
    }

    /// The editor open on 迁入地住所 (a text field) of 企业迁移登记.
    fn address_editor(cat: &Catalog) -> State {
        let ev = vec![Event::Tap, Event::StartBundle("enterprise_move".into()), Event::Next, Event::CardRead(card())];
        let (s, _) = step_all(State::new(120), cat, ev);
        let i = s.session.as_ref().unwrap().fields.iter().position(|f| f.key == "org.new_address").unwrap();
        step_all(s, cat, vec![Event::EditField(i)]).0
    }

    fn ed(s: &State) -> &Editor {
        s.session.as_ref().unwrap().editor.as_ref().unwrap()
    }

    /// The strokes of each `Recognize` among the effects.
    fn asked(fx: &[Effect]) -> Vec<Vec<Vec<(u16, u16)>>> {
        fx.iter()
            .filter_map(|e| match e {
                Effect::Recognize { strokes } => Some(strokes.clone()),
                _ => None,
            })
            .collect()
    }

    fn answer(chars: &str) -> Event {
        Event::HwCandidates(chars.chars().map(String::from).collect())
    }

    const ONE: [(u16, u16); 2] = [(100, 500), (900, 490)];
    const TWO: [(u16, u16); 2] = [(500, 100), (500, 900)];

    #[test]
    fn a_character_written_and_picked_goes_into_the_text() {
        let cat = Catalog::seed();
        let s = address_editor(&cat);
        assert!(!ed(&s).hw.on, "拼音 first");
        // The tab opens the model once: an empty Recognize.
        let (s, fx) = step_all(s, &cat, vec![Event::Key('x'), Event::HwTab(true)]);
        assert_eq!(asked(&fx), vec![Vec::<Vec<(u16, u16)>>::new()]);
        assert_eq!((ed(&s).hw.on, ed(&s).hw.available, ed(&s).pinyin.as_str()), (true, None, ""));
        let (s, fx) = step_all(s, &cat, vec![Event::HwCandidates(vec![]), Event::HwStroke(ONE.to_vec())]);
        assert_eq!(ed(&s).hw.available, Some(true));
        assert_eq!(asked(&fx), vec![vec![ONE.to_vec()]]);
        let (s, fx) = step_all(s, &cat, vec![answer("一七士"), Event::HwStroke(TWO.to_vec())]);
        assert_eq!(asked(&fx), vec![vec![ONE.to_vec(), TWO.to_vec()]], "each stroke asks again");
        let (s, _) = step_all(s, &cat, vec![answer("十士二")]);
        assert_eq!(ed(&s).hw.candidates, ["十", "士", "二"]);
        // A pick types the character and empties the pad.
        let (s, _) = step_all(s, &cat, vec![Event::Pick(0)]);
        assert_eq!(ed(&s).text, "十");
        assert!(ed(&s).hw.strokes.is_empty() && ed(&s).hw.candidates.is_empty());
        let (s, _) =
            step_all(s, &cat, vec![Event::HwStroke(ONE.to_vec()), answer("一七"), Event::Pick(0), Event::EditDone]);
        let f = s.session.as_ref().unwrap().fields.iter().find(|f| f.key == "org.new_address").unwrap().clone();
        assert_eq!((f.value.as_str(), f.source), ("十一", crate::catalog::FieldSource::Typed));
    }

    #[test]
    fn answers_are_shown_only_for_the_strokes_on_the_pad() {
        let cat = Catalog::seed();
        let (s, _) = step_all(address_editor(&cat), &cat, vec![Event::HwTab(true), Event::HwCandidates(vec![])]);
        // A stroke while the first is being classified: one Recognize at a time, the
        // stale answer is dropped and the newest strokes are sent.
        let (s, fx) = step_all(s, &cat, vec![Event::HwStroke(ONE.to_vec()), Event::HwStroke(TWO.to_vec())]);
        assert_eq!(asked(&fx).len(), 1);
        let (s, fx) = step_all(s, &cat, vec![answer("一")]);
        assert!(ed(&s).hw.candidates.is_empty(), "the answer for one stroke is not shown for two");
        assert_eq!(asked(&fx), vec![vec![ONE.to_vec(), TWO.to_vec()]]);
        let (s, _) = step_all(s, &cat, vec![answer("十")]);
        assert_eq!(ed(&s).hw.candidates, ["十"]);
        // Cleared while being classified: the answer is for ink that is gone.
        let (s, fx) = step_all(s, &cat, vec![Event::HwStroke(ONE.to_vec()), Event::HwClear, answer("士")]);
        assert_eq!(asked(&fx).len(), 1);
        assert!(ed(&s).hw.candidates.is_empty() && ed(&s).hw.strokes.is_empty());
        // An answer nobody waits for (a late one, another editor's) changes nothing.
        let (s, fx) = step_all(s, &cat, vec![answer("王")]);
        assert!(fx.is_empty() && ed(&s).hw.candidates.is_empty());
        // A pick with nothing offered does nothing.
        let (s, _) = step_all(s, &cat, vec![Event::Pick(3)]);
        assert_eq!(ed(&s).text, "");
    }

    #[test]
    fn without_a_model_the_tab_says_so_and_pinyin_works_on() {
        let cat = Catalog::seed();
        let (s, _) = step_all(address_editor(&cat), &cat, vec![Event::HwTab(true), Event::HwUnavailable]);
        assert_eq!(ed(&s).hw.available, Some(false));
        let (s, fx) = step_all(s, &cat, vec![Event::HwStroke(ONE.to_vec())]);
        assert!(fx.is_empty() && ed(&s).hw.strokes.is_empty(), "no pad without a model");
        let (s, _) = step_all(s, &cat, vec![Event::HwTab(false), Event::Key('x'), Event::Key('i')]);
        assert_eq!(ed(&s).pinyin, "xi");
        // Back to 手写 in the same editor: not asked again.
        let (_, fx) = step_all(s, &cat, vec![Event::HwTab(true)]);
        assert!(asked(&fx).is_empty());
    }

    #[test]
    fn ink_not_picked_holds_done_and_is_wiped_with_the_editor() {
        let cat = Catalog::seed();
        let ev = vec![Event::HwTab(true), Event::HwCandidates(vec![]), Event::HwStroke(ONE.to_vec()), Event::EditDone];
        let (s, _) = step_all(address_editor(&cat), &cat, ev);
        assert!(s.notice.as_deref().unwrap().contains("请先点选手写的字"));
        assert_eq!(ed(&s).hw.strokes.len(), 1);
        // Switching to 拼音 wipes the pad; cancelling drops the editor and its strokes.
        let (s, _) = step_all(s, &cat, vec![Event::HwTab(false)]);
        assert!(ed(&s).hw.strokes.is_empty() && !ed(&s).hw.on);
        let (s, _) = step_all(s, &cat, vec![Event::EditCancel]);
        assert!(s.session.as_ref().unwrap().editor.is_none());
    }

    #[test]
    fn only_text_fields_have_a_pad_and_strokes_are_bounded() {
        let cat = Catalog::seed();
        let (s, _) = step_all(address_editor(&cat), &cat, vec![Event::EditCancel, Event::EditPhone]);
        let (s, fx) = step_all(s, &cat, vec![Event::HwTab(true), Event::HwStroke(ONE.to_vec())]);
        assert!(fx.is_empty() && !ed(&s).hw.on, "the phone has digits only");

        let (s, _) = step_all(address_editor(&cat), &cat, vec![Event::HwTab(true), Event::HwCandidates(vec![])]);
        // A long stroke is thinned (its ends kept), coordinates held to the square.
        let long: Vec<(u16, u16)> = (0..1000).map(|i| (i, 2000)).collect();
        let (s, _) = step_all(s, &cat, vec![Event::HwStroke(long), Event::HwStroke(vec![])]);
        let st = &ed(&s).hw.strokes;
        assert_eq!(st.len(), 1, "an empty stroke is no stroke");
        assert!(st[0].len() <= super::POINTS && st[0].len() > 100, "{}", st[0].len());
        assert_eq!((st[0][0], *st[0].last().unwrap()), ([0, 1000], [999, 1000]));
        let mut s = s;
        for _ in 0..super::MAX_STROKES + 3 {
            s = step_all(s, &cat, vec![Event::HwStroke(ONE.to_vec()), Event::HwCandidates(vec![])]).0;
        }
        assert_eq!(ed(&s).hw.strokes.len(), super::MAX_STROKES);
        assert!(s.notice.as_deref().unwrap().contains("清除"));
    }
}

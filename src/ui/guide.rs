//! GuideAdapter (一次告知: the sub-items to choose, everything needed) and
//! IdentifyAdapter (the ID card on the reader).

use super::{send, set_str, sync_rows, AppWindow, GuideAdapter, IdentifyAdapter};
use crate::journey::Event;
use crate::runtime::EventTx;
use slint::ComponentHandle;

pub fn connect(app: &AppWindow, tx: &EventTx) {
    let g = app.global::<GuideAdapter>();
    let t = tx.clone();
    g.on_toggle_matter(move |i| {
        if let Ok(i) = usize::try_from(i) {
            send(&t, Event::ToggleItem(i));
        }
    });
    let t = tx.clone();
    g.on_print_notice(move || send(&t, Event::PrintNotice));
    let t = tx.clone();
    g.on_proceed(move || send(&t, Event::Next));
    let t = tx.clone();
    app.global::<IdentifyAdapter>().on_show_qr(move || send(&t, Event::ShowEIdQr));
}

pub fn apply(app: &AppWindow, v: &super::View) {
    let g = app.global::<GuideAdapter>();
    set_str(g.get_bundle_name(), &v.bundle_name, |x| g.set_bundle_name(x));
    set_str(g.get_title(), &v.guide_title, |x| g.set_title(x));
    sync_rows(g.get_matters(), &v.matters, |m| g.set_matters(m));
    sync_rows(g.get_lead(), &v.guide_lead, |m| g.set_lead(m));
    sync_rows(g.get_sections(), &v.guide_sections, |m| g.set_sections(m));
    let id = app.global::<IdentifyAdapter>();
    set_str(id.get_hint(), &v.identify_hint, |x| id.set_hint(x));
    if id.get_qr_stage() != v.identify_qr_stage {
        id.set_qr_stage(v.identify_qr_stage);
    }
    set_str(id.get_qr_hint(), &v.identify_qr_hint, |x| id.set_qr_hint(x));
}

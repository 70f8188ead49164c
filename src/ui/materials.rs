//! MaterialsAdapter: the merged material set, the scanner's live picture and the 容缺
//! commitment signed on screen.

use super::{send, set, set_str, sync_rows, AppWindow, MaterialsAdapter};
use crate::journey::Event;
use crate::runtime::{EventTx, PreviewFrame};
use slint::ComponentHandle;

pub fn connect(app: &AppWindow, tx: &EventTx) {
    let g = app.global::<MaterialsAdapter>();
    let t = tx.clone();
    g.on_capture(move |i| {
        if let Ok(i) = usize::try_from(i) {
            send(&t, Event::Capture(i));
        }
    });
    let t = tx.clone();
    g.on_defer(move |i| {
        if let Ok(i) = usize::try_from(i) {
            send(&t, Event::Defer(i));
        }
    });
    let t = tx.clone();
    g.on_proceed(move || send(&t, Event::Next));
    // Writing is activity: it keeps the inactivity countdown from cutting in.
    let t = tx.clone();
    g.on_pen_down(move || send(&t, Event::Tap));
    let t = tx.clone();
    g.on_sign(move |path| send(&t, Event::Sign(path.to_string())));
    let t = tx.clone();
    g.on_cancel_commitment(move || send(&t, Event::CancelCommitment));
}

pub fn apply(app: &AppWindow, v: &super::View) {
    let g = app.global::<MaterialsAdapter>();
    set_str(g.get_summary(), &v.materials_summary, |x| g.set_summary(x));
    sync_rows(g.get_materials(), &v.materials, |m| g.set_materials(m));
    set(g.get_has_next_capture(), v.next_capture.is_some(), |x| g.set_has_next_capture(x));
    let (index, name) = v.next_capture.as_ref().map_or((-1, ""), |n| (n.index as i32, n.name.as_str()));
    set(g.get_next_capture(), index, |x| g.set_next_capture(x));
    set_str(g.get_next_capture_name(), name, |x| g.set_next_capture_name(x));
    set(g.get_committing(), v.commitment.is_some(), |x| g.set_committing(x));
    set_str(g.get_commitment_text(), v.commitment.as_deref().unwrap_or_default(), |x| g.set_commitment_text(x));
}

/// A new frame from the scanner (or none: the preview stopped). Sets the image only.
pub fn preview(app: &AppWindow, frame: Option<&PreviewFrame>) {
    let g = app.global::<MaterialsAdapter>();
    match frame {
        Some(p) => {
            let buf = slint::SharedPixelBuffer::<slint::Rgb8Pixel>::clone_from_slice(&p.rgb, p.width, p.height);
            g.set_preview(slint::Image::from_rgb8(buf));
            set(g.get_has_preview(), true, |x| g.set_has_preview(x));
        }
        None => {
            set(g.get_has_preview(), false, |x| g.set_has_preview(x));
            g.set_preview(slint::Image::default());
        }
    }
}

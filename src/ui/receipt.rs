//! ReceiptAdapter: the intake number, the progress QR and what the printer did.

use super::{qr_image, send, set, set_str, AppWindow, ReceiptAdapter};
use crate::journey::Event;
use crate::runtime::EventTx;
use slint::ComponentHandle;

pub fn connect(app: &AppWindow, tx: &EventTx) {
    let t = tx.clone();
    app.global::<ReceiptAdapter>().on_proceed(move || send(&t, Event::Next));
}

pub fn apply(app: &AppWindow, v: &super::View) {
    let g = app.global::<ReceiptAdapter>();
    // The QR is drawn once per receipt, not on every update.
    if g.get_number().as_str() != v.receipt_no {
        g.set_qr(if v.receipt_qr.is_empty() { slint::Image::default() } else { qr_image(&v.receipt_qr) });
        g.set_number(v.receipt_no.as_str().into());
    }
    set_str(g.get_print_status(), &v.print_status, |x| g.set_print_status(x));
    set(g.get_print_failed(), v.print_failed, |x| g.set_print_failed(x));
    set(g.get_no_card(), v.no_card, |x| g.set_no_card(x));
}

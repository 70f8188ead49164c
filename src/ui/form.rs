//! FormAdapter: the merged form, the phone, the delivery choice and 一人一档.

use super::{send, set, set_str, sync_rows, AppWindow, DeliveryChoice, FormAdapter};
use crate::journey::{Delivery, Event};
use crate::runtime::EventTx;
use slint::ComponentHandle;

pub fn connect(app: &AppWindow, tx: &EventTx) {
    let g = app.global::<FormAdapter>();
    let t = tx.clone();
    g.on_edit_field(move |i| {
        if let Ok(i) = usize::try_from(i) {
            send(&t, Event::EditField(i));
        }
    });
    let t = tx.clone();
    g.on_edit_phone(move || send(&t, Event::EditPhone));
    let t = tx.clone();
    g.on_set_delivery(move |d| {
        send(
            &t,
            Event::SetDelivery(match d {
                DeliveryChoice::Post => Delivery::Post,
                DeliveryChoice::Window => Delivery::Window,
            }),
        )
    });
    let t = tx.clone();
    g.on_profile_consent(move |yes| send(&t, Event::ProfileConsent(yes)));
    let t = tx.clone();
    g.on_toggle_keep_profile(move || send(&t, Event::ToggleKeepProfile));
    let t = tx.clone();
    g.on_delete_profile(move || send(&t, Event::DeleteProfile));
    let t = tx.clone();
    g.on_proceed(move || send(&t, Event::Next));
}

pub fn apply(app: &AppWindow, v: &super::View) {
    let g = app.global::<FormAdapter>();
    set_str(g.get_auto_summary(), &v.auto_summary, |x| g.set_auto_summary(x));
    sync_rows(g.get_fields(), &v.fields, |m| g.set_fields(m));
    set_str(g.get_phone(), &v.phone, |x| g.set_phone(x));
    set(g.get_phone_missing(), v.phone_missing, |x| g.set_phone_missing(x));
    set(g.get_delivery(), v.delivery, |x| g.set_delivery(x));
    set(g.get_profile(), v.profile, |x| g.set_profile(x));
    set(g.get_profile_exists(), v.profile_exists, |x| g.set_profile_exists(x));
    set(g.get_keep_profile(), v.keep_profile, |x| g.set_keep_profile(x));
}

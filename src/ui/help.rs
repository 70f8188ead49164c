//! HelpAdapter: the help screen (帮办 phone, terminal id) and device faults with what
//! to do instead.

use super::{send, set_str, sync_strings, AppWindow, HelpAdapter};
use crate::journey::Event;
use crate::runtime::EventTx;
use slint::ComponentHandle;

pub fn connect(app: &AppWindow, tx: &EventTx) {
    let g = app.global::<HelpAdapter>();
    let t = tx.clone();
    g.on_close_help(move || send(&t, Event::CloseHelp));
    let t = tx.clone();
    g.on_call_staff(move || send(&t, Event::CallStaff));
    let t = tx.clone();
    g.on_go_home(move || send(&t, Event::Next));
}

pub fn apply(app: &AppWindow, v: &super::View) {
    let g = app.global::<HelpAdapter>();
    set_str(g.get_fault_title(), &v.fault_title, |x| g.set_fault_title(x));
    set_str(g.get_fault_message(), &v.fault_message, |x| g.set_fault_message(x));
    sync_strings(g.get_fault_options(), &v.fault_options, |m| g.set_fault_options(m));
    super::set(g.get_call_placed(), v.call_placed, |x| g.set_call_placed(x));
}

pub fn set_terminal(app: &AppWindow, help_phone: &str, terminal_id: &str) {
    let g = app.global::<HelpAdapter>();
    g.set_help_phone(help_phone.into());
    g.set_terminal_id(terminal_id.into());
}

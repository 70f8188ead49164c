//! Home search and 一人一档 consent: pure handlers called from `step`.

use super::{go, valid_mobile, Effect, FormField, ProfileOffer, Screen, State};
use super::{Contact, ProfileId};
use crate::catalog::{Category, FieldSource};

/// Search results shown on the home screen.
pub const HIT_LIMIT: usize = 8;
const QUERY_MAX: usize = 16;

pub(super) fn home_category(s: &mut State, c: Category) {
    s.home.category = c;
    s.home.singles = false;
    s.home.query.clear();
    s.notice = None;
}

pub(super) fn home_singles(s: &mut State) {
    s.home.singles = true;
    s.home.keypad = false;
    s.home.query.clear();
    s.notice = None;
}

pub(super) fn search_key(s: &mut State, c: char) {
    match c {
        '\u{8}' => {
            s.home.query.pop();
        }
        '\u{1b}' => s.home.query.clear(),
        'a'..='z' | 'A'..='Z' if s.home.query.len() < QUERY_MAX => s.home.query.push(c.to_ascii_lowercase()),
        _ => {}
    }
    s.notice = None;
}

fn id_of(s: &State) -> Option<ProfileId> {
    s.session.as_ref()?.applicant.as_ref().map(|a| ProfileId::new(&a.id_number))
}

pub(super) fn profile_found(s: &mut State, exists: bool) {
    let Some(sess) = s.session.as_mut() else { return };
    if s.screen == Screen::Form && sess.profile == ProfileOffer::Unknown {
        sess.profile = if exists { ProfileOffer::Offered } else { ProfileOffer::Absent };
    }
}

pub(super) fn profile_consent(s: &mut State, yes: bool, fx: &mut Vec<Effect>) {
    let id = id_of(s);
    let Some(sess) = s.session.as_mut() else { return };
    if sess.profile != ProfileOffer::Offered {
        return;
    }
    if yes {
        sess.profile = ProfileOffer::Used;
        if let Some(id) = id {
            fx.push(Effect::ProfileLoad(id));
        }
        fx.push(Effect::Audit { kind: "profile_consent", detail: "use".into() });
    } else {
        sess.profile = ProfileOffer::Declined;
        fx.push(Effect::Audit { kind: "profile_consent", detail: "decline".into() });
    }
}

fn set_field(fields: &mut [FormField], key: &str, value: &str) {
    for f in fields.iter_mut().filter(|f| f.key == key) {
        f.value = value.to_string();
        f.source = FieldSource::Profile;
    }
}

pub(super) fn profile_loaded(s: &mut State, c: Contact) {
    let Some(sess) = s.session.as_mut() else { return };
    // Only what the citizen agreed to, and only while they are on the form.
    if sess.profile != ProfileOffer::Used || s.screen != Screen::Form {
        return;
    }
    if valid_mobile(&c.phone) {
        set_field(&mut sess.fields, "applicant.phone", &c.phone);
    }
    if !c.address.trim().is_empty() {
        set_field(&mut sess.fields, "applicant.contact_address", &c.address);
    }
}

pub(super) fn toggle_keep(s: &mut State) {
    if let Some(sess) = s.session.as_mut() {
        sess.keep_profile = !sess.keep_profile;
    }
}

pub(super) fn delete_profile(s: &mut State, fx: &mut Vec<Effect>) {
    let Some(id) = id_of(s) else { return };
    let Some(sess) = s.session.as_mut() else { return };
    sess.profile = ProfileOffer::Deleted;
    sess.keep_profile = false;
    fx.push(Effect::ProfileDelete(id));
    fx.push(Effect::Audit { kind: "profile_delete", detail: String::new() });
}

pub(super) fn profile_deleted(s: &mut State, existed: bool) {
    s.notice = Some(if existed {
        "已删除您在本机保存的联系电话和地址".into()
    } else {
        "本机没有保存您的信息，无需删除".into()
    });
}

/// At submission: keep the contact details only if the citizen ticked the consent box.
pub(super) fn save_effect(s: &State) -> Option<Effect> {
    let sess = s.session.as_ref()?;
    if !sess.keep_profile {
        return None;
    }
    let a = sess.applicant.as_ref()?;
    let address = sess
        .fields
        .iter()
        .find(|f| f.key == "applicant.contact_address")
        .map_or_else(|| a.address.clone(), |f| f.value.clone());
    Some(Effect::ProfileSave(ProfileId::new(&a.id_number), Contact { phone: sess.phone().to_string(), address }))
}

/// Re-entering the form (Back) starts consent over.
pub(super) fn reset_go(s: &mut State, screen: Screen) {
    if let Some(sess) = s.session.as_mut() {
        sess.profile = ProfileOffer::Unknown;
        sess.keep_profile = false;
    }
    go(s, screen);
}

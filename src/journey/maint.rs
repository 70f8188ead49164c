//! Maintenance mode, 帮办 calls and the service state (暂停服务) in the journey.
//!
//! Maintenance is entered by a hidden gesture and a PIN, only while no citizen's session
//! is open, so nothing personal is ever on screen with it. PINs are checked by the
//! runtime off the UI thread (`Effect::VerifyPin`); its answer comes back as
//! `Event::PinChecked`.

use super::{go, Ctx};
use crate::journey::model::*;
use crate::ops::counts;

fn new_maint() -> Maint {
    Maint {
        stage: MaintStage::Pin { role: Role::Host, digits: Pin::default(), checking: false, locked: false },
        idle_left: MAINT_IDLE_SECS,
        data: None,
        test: None,
        message: None,
    }
}

/// The header emblem was held: the PIN pad, unless a citizen's session is open.
pub(super) fn gesture(s: &mut State) {
    if s.session.is_some() || !matches!(s.screen, Screen::Attract | Screen::Home | Screen::OutOfService) {
        return;
    }
    s.maint = Some(new_maint());
    s.elder = false;
    s.home = HomeState::default();
    go(s, Screen::Maintenance);
}

fn exit(s: &mut State, fx: &mut Vec<Effect>, why: &str) {
    if let Some(m) = s.maint.take() {
        if let Some(role) = m.role() {
            fx.push(Effect::AuditBy {
                kind: "maintenance.exit",
                actor: role.into(),
                refused: false,
                detail: why.to_string(),
            });
        }
    }
    go(s, Screen::Attract);
}

/// Ends maintenance mode for a reason other than a touch (shutdown).
pub(super) fn leave(s: &mut State, fx: &mut Vec<Effect>, why: &str) {
    if s.maint.is_some() {
        exit(s, fx, why);
    }
}

pub(super) fn tick(s: &mut State, secs: u32, fx: &mut Vec<Effect>) {
    let Some(m) = s.maint.as_mut() else {
        go(s, Screen::Attract);
        return;
    };
    m.idle_left = m.idle_left.saturating_sub(secs);
    if m.idle_left == 0 {
        exit(s, fx, "idle");
    }
}

/// Every event while the maintenance screen is shown.
pub(super) fn step(s: &mut State, ev: Event, ctx: &Ctx, fx: &mut Vec<Effect>) {
    let touch = ev.is_touch();
    let Some(m) = s.maint.as_mut() else {
        go(s, Screen::Attract);
        return;
    };
    if touch {
        m.idle_left = MAINT_IDLE_SECS;
    }
    if ev == Event::MaintExit {
        exit(s, fx, "left");
        return;
    }
    // Service changes touch the whole state: applied after the match.
    let mut service: Option<(Option<OutOfService>, Actor)> = None;
    match (&mut m.stage, ev) {
        (MaintStage::Pin { role, digits, checking: false, locked }, Event::MaintRole(r)) => {
            *role = r;
            digits.0.clear();
            if !*locked {
                m.message = None;
            }
        }
        (MaintStage::Pin { digits, checking: false, locked: false, .. }, Event::MaintKey(c)) => {
            if c == '\u{8}' {
                digits.0.pop();
            } else if c.is_ascii_digit() && digits.0.len() < PIN_LEN {
                digits.0.push(c);
            }
            m.message = None;
        }
        (MaintStage::Pin { role, digits, checking, locked: false }, Event::MaintSubmit) if !*checking => {
            if digits.0.len() != PIN_LEN {
                m.message = Some(format!("请输入{PIN_LEN}位密码"));
                return;
            }
            *checking = true;
            fx.push(Effect::VerifyPin { role: *role, pin: std::mem::take(digits) });
        }
        (MaintStage::Pin { role, checking, locked, digits }, Event::PinChecked { role: r, result }) if *checking => {
            *checking = false;
            digits.0.clear();
            match result {
                Ok(()) if r == *role => {
                    m.stage = MaintStage::Open { role: r, page: MaintPage::Devices };
                    m.message = None;
                    fx.push(Effect::AuditBy {
                        kind: "maintenance.enter",
                        actor: r.into(),
                        refused: false,
                        detail: String::new(),
                    });
                    fx.push(Effect::LoadMaint);
                    fx.push(Effect::ProbeDevices);
                }
                Ok(()) => {}
                Err(refusal) => {
                    *locked = refusal.locked;
                    m.message = Some(refusal.message);
                }
            }
        }
        (MaintStage::Open { role, page }, Event::MaintPage(p))
            if MaintPage::for_role(*role).contains(&p) && *page != p =>
        {
            *page = p;
            m.test = None;
            m.message = None;
            fx.push(Effect::LoadMaint);
        }
        (MaintStage::Open { role, .. }, Event::MaintAction(action)) => {
            m.message = Some(
                match &action {
                    MaintAction::PaperRefilled => "已确认换纸：纸量提醒已清除",
                    MaintAction::AckAlert(_) => "提醒已确认",
                    MaintAction::ClearCall(_) => "呼叫已处理",
                }
                .into(),
            );
            if action == MaintAction::PaperRefilled {
                fx.push(Effect::ProbeDevices);
            }
            fx.push(Effect::MaintAction { action, by: *role });
        }
        (MaintStage::Open { role, .. }, Event::MaintService(reason)) => {
            let by: Actor = (*role).into();
            match reason {
                Some(r) if r.trim().is_empty() => m.message = Some("请选择暂停的原因".into()),
                Some(reason) => {
                    m.message = Some(format!("已暂停服务：{reason}"));
                    service = Some((Some(OutOfService { reason, by, since_ms: ctx.now_ms }), by));
                }
                None => {
                    m.message = Some("已恢复服务".into());
                    service = Some((None, by));
                }
            }
        }
        (MaintStage::Open { role, page }, Event::MaintRunTest) => {
            if let Some(kind) = page.test() {
                if !matches!(m.test, Some(TestState::Running(_))) {
                    m.test = Some(TestState::Running(kind));
                    m.message = None;
                    fx.push(Effect::RunSelfTest { kind, by: *role });
                }
            }
        }
        (MaintStage::Open { .. }, Event::SelfTestDone(report)) => {
            if matches!(m.test, Some(TestState::Running(k)) if k == report.test) {
                m.test = Some(TestState::Done(report));
            }
        }
        (_, Event::MaintLoaded(data)) => m.data = Some(data),
        (_, Event::SetService { state, by }) => service = Some((state, by)),
        _ => {}
    }
    if let Some((state, by)) = service {
        apply_service(s, state, by, fx);
    }
}

fn apply_service(s: &mut State, state: Option<OutOfService>, by: Actor, fx: &mut Vec<Effect>) {
    if s.out_of_service == state {
        return;
    }
    s.out_of_service = state.clone();
    s.pending_service = None;
    fx.push(Effect::SetService { state, by });
}

/// A pause or resume from the CLI or the platform: at once with no session open,
/// otherwise when the citizen's session ends (never mid-application).
pub(super) fn set_service(s: &mut State, state: Option<OutOfService>, by: Actor, fx: &mut Vec<Effect>) {
    if s.session.is_some() {
        s.pending_service = Some(state);
        return;
    }
    apply_service(s, state, by, fx);
    if s.out_of_service.is_some() && s.screen == Screen::Home {
        go(s, Screen::Attract);
    }
}

/// After every step: a deferred pause or resume once the session is over, and the
/// attract screen replaced by the out-of-service screen while paused.
pub(super) fn settle(s: &mut State, fx: &mut Vec<Effect>) {
    if s.session.is_none() {
        if let Some(p) = s.pending_service.take() {
            let by = p.as_ref().map_or(Actor::Platform, |o| o.by);
            apply_service(s, p, by, fx);
        }
    }
    match (s.screen, s.out_of_service.is_some()) {
        (Screen::Attract, true) => s.screen = Screen::OutOfService,
        (Screen::OutOfService, false) => s.screen = Screen::Attract,
        _ => {}
    }
}

/// 呼叫工作人员: the host's list, the platform's relay and a chime (the runtime).
pub(super) fn call_staff(s: &mut State, fx: &mut Vec<Effect>) {
    if s.help_called {
        return;
    }
    let from = match s.screen {
        Screen::Help => s.underlying,
        other => other,
    };
    fx.push(Effect::CallStaff { screen: from.name() });
}

/// A counted event of the day.
pub(super) fn count(fx: &mut Vec<Effect>, name: &'static str) {
    fx.push(Effect::Count(name));
}

/// The rating's counter name.
pub(super) fn rating_counter(level: u8) -> &'static str {
    match level {
        1 => counts::RATING_1,
        2 => counts::RATING_2,
        3 => counts::RATING_3,
        4 => counts::RATING_4,
        _ => counts::RATING_5,
    }
}

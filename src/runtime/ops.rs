//! Executes the operations effects: daily counts, 帮办 calls, the PIN check, the
//! maintenance pages' data and actions, the service state and self-tests. Nothing here
//! reads or writes a citizen's data.

use super::Shared;
use crate::journey::{
    AlertLine, CallLine, Effect, Event, MaintAction, MaintData, OutOfService, PinRefusal, Role, SelfTestKind,
};
use crate::ops::audit::{AuditEvent, Outcome};
use crate::ops::Actor;
use crate::pin::PinError;
use crate::store::{counts, Store};
use std::sync::Arc;

/// The meta key the service state is kept under (survives a restart).
pub const OUT_OF_SERVICE_KEY: &str = "out_of_service";

/// The paper alerts a refill clears (raised by the printing path and the monitor).
pub const PAPER_ALERT: &str = "printer_paper";
/// The printer's counter of paper-low warnings since the last refill.
pub const PAPER_LOW: &str = "paper_near_end_alerts";

pub(crate) fn execute(sh: &Arc<Shared>, effect: Effect) {
    match effect {
        Effect::Count(name) => blocking(sh, move |sh| {
            let _ = sh.services.store.count(&day(sh, 0), name, 1);
        }),
        Effect::CallStaff { screen } => call_staff(sh, screen),
        Effect::ClearHelpCalls => blocking(sh, |sh| {
            let _ = sh.services.store.clear_help_calls(Actor::System);
        }),
        Effect::VerifyPin { role, pin } => blocking(sh, move |sh| {
            let result = match &sh.services.pins {
                None => Err(PinRefusal {
                    message: "维护密码不可用，请联系运维工程师".into(), locked: false
                }),
                Some(p) => p.verify(role, &pin.0, crate::store::now_ms()).map_err(|e| PinRefusal {
                    locked: matches!(e, PinError::Locked { .. }),
                    message: refusal_text(&e),
                }),
            };
            drop(pin);
            super::send(sh, Event::PinChecked { role, result });
        }),
        Effect::LoadMaint => blocking(sh, load),
        Effect::ProbeDevices => blocking(sh, |sh| {
            let h = super::monitor::probe(&sh.devices, &crate::journey::DeviceHealth::default());
            super::send(sh, Event::DevicesChecked(h));
        }),
        Effect::MaintAction { action, by } => blocking(sh, move |sh| {
            act(&sh.services.store, &action, by);
            load(sh);
        }),
        Effect::SetService { state, by } => blocking(sh, move |sh| set_service(&sh.services.store, state.as_ref(), by)),
        Effect::RunSelfTest { kind, by } => self_test(sh, kind, by),
        Effect::AuditBy { kind, actor, refused, detail } => {
            let ev = AuditEvent::from_id(kind);
            let outcome = if refused { Outcome::Refused } else { Outcome::Ok };
            match ev {
                Some(ev) => {
                    let _ = sh.services.store.audit_event(ev, actor, outcome, &detail);
                }
                None => tracing::error!(kind, "audit event not in the catalogue"),
            }
        }
        _ => {}
    }
}

/// Runs `f` on the blocking pool (SQLite, Argon2).
fn blocking(sh: &Arc<Shared>, f: impl FnOnce(&Shared) + Send + 'static) {
    let sh = sh.clone();
    tokio::task::spawn_blocking(move || f(&sh));
}

/// Local date `days_ago` days back, as the daily counters key it (YYYY-MM-DD).
fn day(sh: &Shared, days_ago: i64) -> String {
    (crate::clock::now(sh.services.terminal.tz) - chrono::Duration::days(days_ago)).format("%Y-%m-%d").to_string()
}

/// The refusal in the pad's words (the Chinese half of the error's message).
fn refusal_text(e: &PinError) -> String {
    let s = e.to_string();
    s.split(" / ").next().unwrap_or(&s).to_string()
}

/// 帮办: the host's list and a chime first (they work offline), then the platform's
/// relay to the branch (SMS or a work app).
fn call_staff(sh: &Arc<Shared>, screen: &'static str) {
    let sh = sh.clone();
    tokio::spawn(async move {
        let store = sh.services.store.clone();
        let today = day(&sh, 0);
        let id = tokio::task::spawn_blocking(move || {
            let id = store.raise_help_call(screen);
            let _ = store.count(&today, counts::HELP_CALLS, 1);
            id
        })
        .await;
        let Ok(Ok(id)) = id else {
            tracing::error!("help call could not be recorded");
            return;
        };
        sh.services.chime.play(crate::runtime::chime::Cue::HelpCall);
        super::send(&sh, Event::StaffCalled);
        let t = &sh.services.terminal;
        let req = kiosk_api::wire::HelpCallRequest {
            terminal_id: t.id.clone(),
            call_id: id,
            at_ms: crate::store::now_ms(),
            screen: screen.to_string(),
            site: t.site.clone(),
        };
        let relayed = match &sh.services.client {
            Some(c) => c.help_call(&req).await.map(|a| a.relayed).unwrap_or_else(|e| {
                tracing::warn!(error = %e, "help call not relayed by the platform");
                false
            }),
            None => false,
        };
        let outcome = if relayed { Outcome::Ok } else { Outcome::Failed };
        let detail = format!("screen={screen} relayed={relayed}");
        let _ = sh.services.store.audit_event(AuditEvent::HelpCall, Actor::Citizen, outcome, &detail);
    });
}

fn act(store: &Store, action: &MaintAction, by: Role) {
    let actor: Actor = by.into();
    match action {
        MaintAction::PaperRefilled => {
            let n = store.ack_alerts_of_kind(PAPER_ALERT, actor).unwrap_or(0);
            // The paper-low counter starts again from this refill.
            let low =
                store.counters().unwrap_or_default().into_iter().find(|(d, c, _)| d == "printer" && c == PAPER_LOW);
            if let Some((_, _, n)) = low.filter(|(_, _, n)| *n != 0) {
                let _ = store.bump_counter("printer", PAPER_LOW, -n);
            }
            let _ = store.audit_event(AuditEvent::PaperRefilled, actor, Outcome::Ok, &format!("alerts_cleared={n}"));
        }
        MaintAction::AckAlert(id) => {
            let ok = store.ack_alert(*id, actor).unwrap_or(false);
            let outcome = if ok { Outcome::Ok } else { Outcome::Failed };
            let _ = store.audit_event(AuditEvent::AlertAck, actor, outcome, &format!("alert={id}"));
        }
        MaintAction::ClearCall(id) => {
            let ok = store.clear_help_call(*id, actor).unwrap_or(false);
            let outcome = if ok { Outcome::Ok } else { Outcome::Failed };
            let _ = store.audit_event(AuditEvent::HelpClear, actor, outcome, &format!("call={id}"));
        }
    }
}

/// Persists the service state and audits who changed it.
pub fn set_service(store: &Store, state: Option<&OutOfService>, by: Actor) {
    let json = state.and_then(|s| serde_json::to_string(s).ok());
    if let Err(e) = store.meta_set(OUT_OF_SERVICE_KEY, json.as_deref()) {
        tracing::error!(error = %e, "service state not saved");
    }
    let (ev, detail) = match state {
        Some(s) => (AuditEvent::ServicePause, s.reason.clone()),
        None => (AuditEvent::ServiceResume, String::new()),
    };
    tracing::info!(paused = state.is_some(), by = by.name(), "service state changed");
    let _ = store.audit_event(ev, by, Outcome::Ok, &detail);
}

/// The service state saved before a restart.
pub fn saved_service(store: &Store) -> Option<OutOfService> {
    let json = store.meta_get(OUT_OF_SERVICE_KEY).ok().flatten()?;
    serde_json::from_str(&json).ok()
}

fn self_test(sh: &Arc<Shared>, kind: SelfTestKind, by: Role) {
    let sh = sh.clone();
    tokio::spawn(async move {
        let report = crate::runtime::selftest::run(kind, sh.devices.clone(), sh.services.selftest.clone()).await;
        let outcome = if report.ok { Outcome::Ok } else { Outcome::Failed };
        let _ = sh.services.store.audit_event(AuditEvent::selftest(kind), by.into(), outcome, &report.summary);
        super::send(&sh, Event::SelfTestDone(Box::new(report)));
    });
}

/// Reads what the maintenance pages show and sends it to the journey.
fn load(sh: &Shared) {
    let store = &sh.services.store;
    let tz = sh.services.terminal.tz;
    let time = |ms: i64| {
        use chrono::TimeZone;
        tz.timestamp_millis_opt(ms).single().map(|t| t.format("%m-%d %H:%M").to_string()).unwrap_or_default()
    };
    let alerts = store
        .open_alerts()
        .unwrap_or_default()
        .into_iter()
        .map(|a| AlertLine { id: a.id, time: time(a.at_ms), kind: a.kind, message: a.message, count: a.count })
        .collect();
    // Today's calls, handled or not: most end with the citizen's visit before the host
    // can open this page, and the host still wants to see who needed help.
    let calls = store
        .recent_help_calls(20)
        .unwrap_or_default()
        .into_iter()
        .map(|c| CallLine {
            id: c.id,
            time: time(c.at_ms),
            screen: screen_zh(&c.screen).to_string(),
            open: c.cleared_ms.is_none(),
            status: match c.cleared_by.as_deref() {
                None => "待处理".into(),
                Some("host") => "网点管理员已处理".into(),
                Some("technician") => "运维工程师已处理".into(),
                Some(_) => "市民已离开".into(),
            },
        })
        .collect();
    let days: Vec<String> = (0..7).map(|d| day(sh, d)).collect();
    let stored = store.daily_counts(&days[6], &days[0]).unwrap_or_default();
    let counts = counts::ALL
        .iter()
        .map(|name| {
            let per_day = days
                .iter()
                .map(|d| stored.iter().find(|c| &c.day == d).and_then(|c| c.counts.get(*name)).copied().unwrap_or(0))
                .collect();
            (name.to_string(), per_day)
        })
        .collect();
    let f = &sh.services.facts;
    let mut versions = f.versions.clone();
    versions.push(("数据库结构版本".into(), store.schema_version().map(|v| v.to_string()).unwrap_or_default()));
    versions.push(("服务目录版本".into(), sh.services.catalog.current().version.clone()));
    let mut queue = Vec::new();
    if let Ok(q) = store.queue_stats() {
        queue.push(("待发送".into(), q.queued.to_string()));
        queue.push(("需人工处理".into(), q.needs_attention.to_string()));
        queue.push(("已送达（保留期内）".into(), q.delivered.to_string()));
        let oldest = q.oldest_queued_ms.map_or("—".to_string(), |t| {
            let mins = (crate::store::now_ms() - t).max(0) / 60_000;
            format!("{} 小时 {} 分", mins / 60, mins % 60)
        });
        queue.push(("最早一件已等待".into(), oldest));
    }
    let data = MaintData {
        alerts,
        calls,
        days: days.iter().map(|d| d[5..].to_string()).collect(),
        counts,
        versions,
        queue,
        config: f.config.clone(),
        logs: f.logs.clone(),
    };
    super::send(sh, Event::MaintLoaded(Arc::new(data)));
}

/// A screen's name in the host's words.
pub fn screen_zh(name: &str) -> &'static str {
    match name {
        "attract" => "待机页",
        "home" => "首页",
        "guide" => "一次告知",
        "identify" => "读取身份证",
        "form" => "填写表单",
        "materials" => "拍摄材料",
        "review" => "确认提交",
        "submitting" => "提交中",
        "receipt" => "回执",
        "rating" => "评价",
        "farewell" => "结束",
        "help" => "帮助",
        "fault" => "设备故障",
        "idle-warning" => "超时提醒",
        "out-of-service" => "暂停服务",
        _ => "其他",
    }
}

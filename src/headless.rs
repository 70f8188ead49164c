//! Headless rendering: the Slint testing backend with the software renderer, used by
//! `kiosk --screenshot` and the UI tests.

use crate::catalog::Catalog;
use crate::journey::{self, Applicant, Ctx, Event, Screen, State, Timing};
use crate::ui::AppWindow;
use slint::ComponentHandle;
use std::path::Path;

pub const WIDTH: u32 = 1080;
pub const HEIGHT: u32 = 1920;

/// Installs the headless platform. `threading` gives an event loop that other threads
/// can post to (`invoke_from_event_loop`); once per process.
pub fn init(threading: bool) -> Result<(), slint::PlatformError> {
    let backend = i_slint_backend_testing::TestingBackend::new(i_slint_backend_testing::TestingBackendOptions {
        mock_time: false,
        threading,
        renderer_name: Some("software".into()),
    });
    slint::platform::set_platform(Box::new(backend)).map_err(|e| slint::PlatformError::Other(e.to_string()))
}

pub fn new_window() -> Result<AppWindow, slint::PlatformError> {
    let app = AppWindow::new()?;
    app.window().set_size(slint::PhysicalSize::new(WIDTH, HEIGHT));
    Ok(app)
}

/// Renders the window and saves it as PNG. Returns the RGBA pixels too.
pub fn save_png(app: &AppWindow, path: &Path) -> Result<image::RgbaImage, String> {
    let shot = app.window().take_snapshot().map_err(|e| e.to_string())?;
    let img = image::RgbaImage::from_raw(shot.width(), shot.height(), shot.as_bytes().to_vec())
        .ok_or("snapshot size mismatch")?;
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| e.to_string())?;
    }
    img.save(path).map_err(|e| e.to_string())?;
    Ok(img)
}

/// A fictitious applicant for screenshots (sample data).
pub fn sample_applicant() -> Applicant {
    (&kiosk_hardware::idcard::demo_card()).into()
}

/// Drives the pure journey with sample events until it shows `target`.
pub fn demo_state(target: Screen, cat: &Catalog) -> State {
    let ctx = Ctx { catalog: cat, today: "20261121", now_ms: 1_795_000_000_000, timing: Timing::default() };
    let mut s = State::new(120);
    let mut apply = |s: State, e: Event| journey::step(s, e, &ctx).0;
    let script: Vec<Event> = {
        let mut v =
            vec![Event::Tap, Event::StartBundle("newborn".into()), Event::Next, Event::CardRead(sample_applicant())];
        v.push(Event::EditPhone);
        v.extend("13812345678".chars().map(Event::Key));
        v.extend([Event::EditDone, Event::Next]);
        v
    };
    let fault = |s: State, apply: &mut dyn FnMut(State, Event) -> State| {
        let s = apply(s, Event::Tap);
        let s = apply(s, Event::StartBundle("newborn".into()));
        let s = apply(s, Event::Next);
        apply(s, Event::DeviceFailed { device: journey::Device::IdCard, message: "SAM".into() })
    };
    match target {
        Screen::Attract => return s,
        Screen::OutOfService => {
            let by = journey::Actor::Host;
            let oos = journey::OutOfService { reason: "设备维护".into(), by, since_ms: ctx.now_ms };
            return apply(s, Event::SetService { state: Some(oos), by });
        }
        Screen::Maintenance => return apply(s, Event::MaintGesture),
        Screen::DeviceFault => return fault(s, &mut apply),
        Screen::Progress => {
            // 进度查询 by receipt number, answered: a case at 受理 with a 容缺 material.
            s = apply(s, Event::OpenProgress);
            s = apply(s, Event::ProgressWay(journey::ProgressWay::Number));
            for c in "XX-0001-1-000042".chars() {
                s = apply(s, Event::Key(c));
            }
            s = apply(s, Event::Next);
            let b = cat.bundle("newborn");
            let case = journey::CaseProgress {
                local_no: "XX-0001-1-000042".into(),
                intake_no: "XX202600000042".into(),
                status: "受理".into(),
                bundle_name: b.map(|b| b.name.clone()).unwrap_or_default(),
                matters: b
                    .map(|b| b.default_selected.iter().filter_map(|c| cat.matter(c)).map(|m| m.name.clone()).collect())
                    .unwrap_or_default(),
                delivery: Some(journey::Delivery::Post),
                deferred: vec![("本人银行卡".into(), "2026-11-27".into())],
                window: b.map(|b| b.window.clone()).unwrap_or_default(),
            };
            return apply(s, Event::ProgressAnswer(Ok(vec![case])));
        }
        Screen::Help => {
            s = apply(s, Event::Tap);
            s = apply(s, Event::StartBundle("newborn".into()));
            return apply(s, Event::Help);
        }
        _ => {}
    }
    for e in script {
        if s.screen == target {
            return s;
        }
        s = apply(s, e);
    }
    if s.screen == target {
        return s;
    }
    if target == Screen::InactivityWarning {
        return apply(s, Event::Tick(100));
    }
    // Materials: scan all, then on to the end.
    let slots: Vec<usize> = s.session.as_ref().map_or(vec![], |x| {
        x.materials.iter().enumerate().filter(|(_, m)| m.state == journey::SlotState::Todo).map(|(i, _)| i).collect()
    });
    let mut rest: Vec<Event> = Vec::new();
    for (n, i) in slots.iter().enumerate() {
        rest.push(Event::Capture(*i));
        if n + 1 < slots.len() {
            rest.push(Event::Captured { slot: *i, pages: 1 });
        }
    }
    if let Some(last) = slots.last() {
        rest.push(Event::Captured { slot: *last, pages: 2 });
    }
    rest.extend([
        Event::Next,
        Event::Next,
        Event::CaseQueued { local_no: "XX-0001-1-000042".into() },
        Event::ReceiptPrinted,
        Event::Next,
        Event::Rate(4),
        Event::ToggleReason("R04".into()),
        Event::SubmitRating,
    ]);
    for e in rest {
        if s.screen == target {
            return s;
        }
        s = apply(s, e);
    }
    s
}

/// The state a screenshot shows: a screen by name (`home`, `form` …), or a
/// maintenance page as `maintenance-<page>` (`maintenance-counts` …).
pub fn screen_state(name: &str, cat: &Catalog) -> Option<State> {
    if let Some(page) = name.strip_prefix("maintenance-") {
        return journey::MaintPage::from_name(page).map(maint_demo_state);
    }
    // Variants of a screen (issue 16): the 单项事项 tab, the 差评 reason step.
    let ctx = Ctx { catalog: cat, today: "20261121", now_ms: 1_795_000_000_000, timing: Timing::default() };
    let then = |s: State, events: Vec<Event>| events.into_iter().fold(s, |s, e| journey::step(s, e, &ctx).0);
    match name {
        "home-single" => return Some(then(demo_state(Screen::Home, cat), vec![Event::HomeSingles])),
        "rating-bad" => {
            let s = demo_state(Screen::Rating, cat);
            return Some(then(s, vec![Event::Rate(4), Event::ToggleReason("R04".into())]));
        }
        _ => {}
    }
    Screen::from_name(name).map(|s| demo_state(s, cat))
}

/// Maintenance mode open on `page` as a technician, with sample counts, alerts, calls and
/// a finished self-test (screenshots; no citizen data anywhere).
pub fn maint_demo_state(page: journey::MaintPage) -> State {
    use journey::*;
    let cat = Catalog::seed();
    let ctx = Ctx { catalog: &cat, today: "20261121", now_ms: 1_795_000_000_000, timing: Timing::default() };
    let step = |s: State, e: Event| journey::step(s, e, &ctx).0;
    let mut s = step(State::new(120), Event::MaintGesture);
    s = step(s, Event::MaintRole(Role::Technician));
    for c in "246810".chars() {
        s = step(s, Event::MaintKey(c));
    }
    s = step(s, Event::MaintSubmit);
    s = step(s, Event::PinChecked { role: Role::Technician, result: Ok(()) });
    s.devices = DeviceHealth {
        idcard: DeviceState::Ok,
        printer: DeviceState::Degraded { reason: "纸将用完".into() },
        scanner: DeviceState::Ok,
        paper: PaperState::NearEnd,
    };
    let days: Vec<String> = (0..7).map(|d| format!("11-{:02}", 21 - d)).collect();
    let week = |base: i64| (0..7).map(|d| (base - d * 3).max(0)).collect::<Vec<_>>();
    let data = MaintData {
        alerts: vec![
            AlertLine {
                id: 2,
                time: "11-21 09:12".into(),
                kind: "printer_paper".into(),
                message: "打印纸将用完，请尽快换纸".into(),
                count: 3,
            },
            AlertLine {
                id: 1,
                time: "11-20 17:40".into(),
                kind: "device_state".into(),
                message: "设备状态变化：高拍仪: ok → absent".into(),
                count: 1,
            },
        ],
        calls: vec![CallLine {
            id: 1,
            time: "11-21 10:05".into(),
            screen: "填写表单".into(),
            open: false,
            status: "市民已离开".into(),
        }],
        days,
        counts: crate::store::counts::ALL
            .iter()
            .enumerate()
            .map(|(i, n)| (n.to_string(), week(if i < 3 { 40 - 8 * i as i64 } else { 6 - i as i64 / 2 })))
            .collect(),
        versions: vec![
            ("软件版本".into(), env!("CARGO_PKG_VERSION").into()),
            ("代码提交".into(), env!("KIOSK_GIT_COMMIT").into()),
        ],
        queue: vec![("待发送".into(), "0".into()), ("需人工处理".into(), "0".into())],
        config: vec![
            ("terminal.id".into(), "XX-0001".into()),
            ("intake.endpoint".into(), "https://zwfw.example.gov.cn".into()),
        ],
        logs: vec![("日志目录".into(), "/var/lib/kiosk/logs".into())],
    };
    s = step(s, Event::MaintLoaded(std::sync::Arc::new(data)));
    s = step(s, Event::MaintPage(page));
    if let Some(kind) = page.test() {
        s = step(s, Event::MaintRunTest);
        let report = SelfTestReport {
            test: kind,
            ok: true,
            summary: format!("{}正常", kind.label_zh()),
            steps: vec![
                crate::ops::Step { name: "连接".into(), ok: true, detail: "已连接".into() },
                crate::ops::Step { name: "测试".into(), ok: true, detail: "通过".into() },
            ],
            preview: None,
        };
        s = step(s, Event::SelfTestDone(Box::new(report)));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_screen_has_a_demo_state_that_shows_it() {
        let cat = Catalog::seed();
        for target in Screen::ALL {
            let s = demo_state(target, &cat);
            assert_eq!(s.screen, target, "notice: {:?}", s.notice);
        }
    }
}

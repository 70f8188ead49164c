//! MaintAdapter and ServiceAdapter: maintenance mode (PIN pad, host and technician
//! pages) and the out-of-service screen. The view holds no citizen data: maintenance
//! is only entered with no session open, and its pages show devices, counts, alerts,
//! calls (by screen name only), versions and the configuration with secrets masked.

use super::{send, set, set_str, sync_rows, AppWindow, MaintAdapter, ServiceAdapter};
use crate::journey::{
    DeviceHealth, DeviceState, Event, MaintAction, MaintPage, MaintStage, PaperState, Role, State, TestState,
};
use crate::runtime::{EventTx, PreviewFrame};
use crate::ui::{AlertRow, CallRow, CountRow, DeviceRow, KeyValue, MaintRole, PageTab, StepRow};
use slint::{ComponentHandle, ModelRc, SharedString, VecModel};

/// What maintenance mode shows. Plain data (Send): built off the UI thread.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MaintView {
    pub open: bool,
    pub role: Option<Role>,
    pub pin_digits: i32,
    pub pin_message: String,
    pub pin_checking: bool,
    pub locked: bool,
    pub role_label: String,
    pub pages: Vec<PageTab>,
    pub page: Option<MaintPage>,
    pub devices: Vec<DeviceRow>,
    pub paper_low: bool,
    pub count_days: Vec<String>,
    /// (label, per day, today first).
    pub counts: Vec<(String, Vec<i64>)>,
    pub alerts: Vec<AlertRow>,
    pub calls: Vec<CallRow>,
    pub paused: bool,
    pub pause_reason: String,
    pub test_running: bool,
    pub test_done: bool,
    pub test_ok: bool,
    pub test_summary: String,
    pub test_steps: Vec<StepRow>,
    pub test_preview: Option<PreviewFrame>,
    pub info: Vec<KeyValue>,
    pub message: String,
}

/// The reasons a host picks from to pause the service.
pub const PAUSE_REASONS: [&str; 4] = ["设备维护", "网络故障", "系统升级", "网点暂停营业"];

/// A counter's name in the host's words.
fn count_label(name: &str) -> String {
    use crate::store::counts;
    match name {
        counts::SESSIONS => "办理人次".into(),
        counts::SUBMISSIONS => "提交申请".into(),
        counts::PRINTS => "打印回执".into(),
        counts::FAULTS => "设备故障".into(),
        counts::HELP_CALLS => "呼叫帮办".into(),
        other => match other.strip_prefix("rating_").and_then(|n| n.parse::<usize>().ok()) {
            Some(n @ 1..=5) => format!("评价：{}", crate::rating::LEVELS[n - 1]),
            _ => other.into(),
        },
    }
}

/// Each device in plain words, with what the host does about it.
pub fn device_rows(d: &DeviceHealth) -> Vec<DeviceRow> {
    let row = |name: &str, state: String, ok: bool, advice: &str| DeviceRow {
        name: name.into(),
        state: state.into(),
        ok,
        advice: advice.into(),
    };
    let words = |s: &DeviceState| match s {
        DeviceState::Ok => "正常".to_string(),
        DeviceState::Degraded { reason } => format!("可用：{reason}"),
        DeviceState::Absent => "未连接".to_string(),
        DeviceState::Fault { reason } => format!("故障：{reason}"),
        DeviceState::Unknown => "未检查".to_string(),
    };
    let replug = "重新插拔数据线和电源线，等待 1 分钟；仍不正常请联系运维工程师";
    let reader = match &d.idcard {
        DeviceState::Ok => "",
        _ => replug,
    };
    let printer = match (&d.printer, d.paper) {
        (_, PaperState::Out) => "缺纸：请按下图换纸，换好后点“已换纸”",
        (_, PaperState::NearEnd) => "纸将用完：请尽快按下图换纸，换好后点“已换纸”",
        (DeviceState::Fault { reason }, _) if reason.contains("盖") => "合上纸仓盖，听到“咔”一声即可",
        (DeviceState::Fault { .. }, _) => "清卡纸：打开纸仓盖，取出卡住的纸，撕齐纸头后合上盖",
        (DeviceState::Absent, _) => replug,
        _ => "",
    };
    let scanner = match &d.scanner {
        DeviceState::Ok => "",
        _ => "重新插拔高拍仪的 USB 线；镜头前不要有遮挡",
    };
    let paper = match d.paper {
        PaperState::Ok => "充足",
        PaperState::NearEnd => "将用完",
        PaperState::Out => "已用完",
        PaperState::Unknown => "未知",
    };
    vec![
        row("身份证读卡器", words(&d.idcard), d.idcard.usable(), reader),
        row(
            "打印机",
            match d.paper {
                PaperState::NearEnd | PaperState::Out => format!("纸量{paper}"),
                _ => format!("{}，纸量{}", words(&d.printer), paper),
            },
            d.printer.usable() && d.paper == PaperState::Ok,
            printer,
        ),
        row("高拍仪", words(&d.scanner), d.scanner.usable(), scanner),
    ]
}

pub fn build(s: &State) -> MaintView {
    let Some(m) = &s.maint else { return MaintView::default() };
    let mut v = MaintView { message: m.message.clone().unwrap_or_default(), ..MaintView::default() };
    v.paused = s.out_of_service.is_some();
    v.pause_reason = s.out_of_service.as_ref().map(|o| o.reason.clone()).unwrap_or_default();
    match &m.stage {
        MaintStage::Pin { role, digits, checking, locked } => {
            v.role = Some(*role);
            v.pin_digits = digits.0.len() as i32;
            v.pin_checking = *checking;
            v.locked = *locked;
            v.pin_message = v.message.clone();
            v.message.clear();
        }
        MaintStage::Open { role, page } => {
            v.open = true;
            v.role = Some(*role);
            v.role_label = role.label_zh().into();
            v.page = Some(*page);
            let data = m.data.as_deref();
            v.pages = MaintPage::for_role(*role)
                .iter()
                .map(|p| PageTab {
                    page: page_id(*p),
                    label: p.label_zh().into(),
                    selected: p == page,
                    badge: match p {
                        MaintPage::Alerts => data.map_or(0, |d| d.alerts.len() as i32),
                        MaintPage::Calls => data.map_or(0, |d| d.calls.iter().filter(|c| c.open).count() as i32),
                        _ => 0,
                    },
                })
                .collect();
            v.devices = device_rows(&s.devices);
            let paper_alert = data.is_some_and(|d| d.alerts.iter().any(|a| a.kind == crate::runtime::ops::PAPER_ALERT));
            v.paper_low = paper_alert || matches!(s.devices.paper, PaperState::NearEnd | PaperState::Out);
            if let Some(d) = data {
                v.count_days = d.days.clone();
                v.counts = d.counts.iter().map(|(n, per_day)| (count_label(n), per_day.clone())).collect();
                v.alerts = d
                    .alerts
                    .iter()
                    .map(|a| AlertRow {
                        id: a.id as i32,
                        time: a.time.as_str().into(),
                        message: a.message.as_str().into(),
                        count: a.count as i32,
                    })
                    .collect();
                v.calls = d
                    .calls
                    .iter()
                    .map(|c| CallRow {
                        id: c.id as i32,
                        time: c.time.as_str().into(),
                        screen: c.screen.as_str().into(),
                        open: c.open,
                        status: c.status.as_str().into(),
                    })
                    .collect();
                let kv = |rows: &[(String, String)]| {
                    rows.iter().map(|(k, v)| KeyValue { key: k.as_str().into(), value: v.as_str().into() }).collect()
                };
                v.info = match page {
                    MaintPage::Versions => kv(&d.versions),
                    MaintPage::Queue => kv(&d.queue),
                    MaintPage::Config => kv(&d.config),
                    MaintPage::Logs => kv(&d.logs),
                    _ => Vec::new(),
                };
            }
            match &m.test {
                Some(TestState::Running(_)) => v.test_running = true,
                Some(TestState::Done(r)) => {
                    v.test_done = true;
                    v.test_ok = r.ok;
                    v.test_summary = r.summary.clone();
                    v.test_steps = r
                        .steps
                        .iter()
                        .map(|st| StepRow {
                            name: st.name.as_str().into(),
                            ok: st.ok,
                            detail: st.detail.as_str().into(),
                        })
                        .collect();
                    v.test_preview = r.preview.clone();
                }
                None => {}
            }
        }
    }
    v
}

fn page_id(p: MaintPage) -> crate::ui::MaintPage {
    use crate::ui::MaintPage as Ui;
    match p {
        MaintPage::Devices => Ui::Devices,
        MaintPage::Counts => Ui::Counts,
        MaintPage::Alerts => Ui::Alerts,
        MaintPage::Calls => Ui::Calls,
        MaintPage::Service => Ui::Service,
        MaintPage::Reader => Ui::Reader,
        MaintPage::Printer => Ui::Printer,
        MaintPage::Camera => Ui::Camera,
        MaintPage::Network => Ui::Network,
        MaintPage::Versions => Ui::Versions,
        MaintPage::Queue => Ui::Queue,
        MaintPage::Logs => Ui::Logs,
        MaintPage::Config => Ui::Config,
    }
}

fn page_of(p: crate::ui::MaintPage) -> MaintPage {
    use crate::ui::MaintPage as Ui;
    match p {
        Ui::Devices => MaintPage::Devices,
        Ui::Counts => MaintPage::Counts,
        Ui::Alerts => MaintPage::Alerts,
        Ui::Calls => MaintPage::Calls,
        Ui::Service => MaintPage::Service,
        Ui::Reader => MaintPage::Reader,
        Ui::Printer => MaintPage::Printer,
        Ui::Camera => MaintPage::Camera,
        Ui::Network => MaintPage::Network,
        Ui::Versions => MaintPage::Versions,
        Ui::Queue => MaintPage::Queue,
        Ui::Logs => MaintPage::Logs,
        Ui::Config => MaintPage::Config,
    }
}

pub fn connect(app: &AppWindow, tx: &EventTx) {
    let g = app.global::<MaintAdapter>();
    let t = tx.clone();
    g.on_choose_role(move |r| {
        send(&t, Event::MaintRole(if r == MaintRole::Technician { Role::Technician } else { Role::Host }))
    });
    let t = tx.clone();
    g.on_pin_key(move |k| {
        if let Some(c) = k.chars().next() {
            send(&t, Event::MaintKey(c));
        }
    });
    let t = tx.clone();
    g.on_pin_delete(move || send(&t, Event::MaintKey('\u{8}')));
    let t = tx.clone();
    g.on_pin_submit(move || send(&t, Event::MaintSubmit));
    let t = tx.clone();
    g.on_open_page(move |p| send(&t, Event::MaintPage(page_of(p))));
    let t = tx.clone();
    g.on_paper_refilled(move || send(&t, Event::MaintAction(MaintAction::PaperRefilled)));
    let t = tx.clone();
    g.on_ack_alert(move |id| send(&t, Event::MaintAction(MaintAction::AckAlert(id as i64))));
    let t = tx.clone();
    g.on_clear_call(move |id| send(&t, Event::MaintAction(MaintAction::ClearCall(id as i64))));
    let t = tx.clone();
    g.on_pause(move |reason| send(&t, Event::MaintService(Some(reason.to_string()))));
    let t = tx.clone();
    g.on_resume(move || send(&t, Event::MaintService(None)));
    let t = tx.clone();
    g.on_run_test(move || send(&t, Event::MaintRunTest));
    let t = tx.clone();
    g.on_exit(move || send(&t, Event::MaintExit));
    let t = tx.clone();
    g.on_touched(move || send(&t, Event::MaintTouch));
}

pub fn apply(app: &AppWindow, v: &super::View) {
    let g = app.global::<MaintAdapter>();
    let m = &v.maint;
    let stage = if m.open { crate::ui::MaintStage::Open } else { crate::ui::MaintStage::Pin };
    set(g.get_stage(), stage, |x| g.set_stage(x));
    let role = if m.role == Some(Role::Technician) { MaintRole::Technician } else { MaintRole::Host };
    set(g.get_role(), role, |x| g.set_role(x));
    set(g.get_pin_digits(), m.pin_digits, |x| g.set_pin_digits(x));
    set_str(g.get_pin_message(), &m.pin_message, |x| g.set_pin_message(x));
    set(g.get_pin_checking(), m.pin_checking, |x| g.set_pin_checking(x));
    set(g.get_locked(), m.locked, |x| g.set_locked(x));
    set_str(g.get_role_label(), &m.role_label, |x| g.set_role_label(x));
    sync_rows(g.get_pages(), &m.pages, |x| g.set_pages(x));
    if let Some(p) = m.page {
        set(g.get_page(), page_id(p), |x| g.set_page(x));
    }
    sync_rows(g.get_devices(), &m.devices, |x| g.set_devices(x));
    set(g.get_paper_low(), m.paper_low, |x| g.set_paper_low(x));
    super::sync_strings(g.get_count_days(), &m.count_days, |x| g.set_count_days(x));
    // Counts change a few times a day: rebuilt only when they differ.
    let counts: Vec<CountRow> = m
        .counts
        .iter()
        .map(|(label, per_day)| CountRow {
            label: label.as_str().into(),
            today: per_day.first().copied().unwrap_or(0) as i32,
            week: per_day.iter().sum::<i64>() as i32,
            days: ModelRc::new(VecModel::from(per_day.iter().map(|n| *n as i32).collect::<Vec<_>>())),
        })
        .collect();
    let shown: Vec<CountRow> = slint::Model::iter(&g.get_counts()).collect();
    let same = shown.len() == counts.len()
        && shown.iter().zip(&counts).all(|(a, b)| {
            a.label == b.label
                && a.today == b.today
                && a.week == b.week
                && slint::Model::iter(&a.days).eq(slint::Model::iter(&b.days))
        });
    if !same {
        g.set_counts(ModelRc::new(VecModel::from(counts)));
    }
    sync_rows(g.get_alerts(), &m.alerts, |x| g.set_alerts(x));
    sync_rows(g.get_calls(), &m.calls, |x| g.set_calls(x));
    set(g.get_paused(), m.paused, |x| g.set_paused(x));
    set_str(g.get_pause_reason(), &m.pause_reason, |x| g.set_pause_reason(x));
    set(g.get_test_running(), m.test_running, |x| g.set_test_running(x));
    set(g.get_test_done(), m.test_done, |x| g.set_test_done(x));
    set(g.get_test_ok(), m.test_ok, |x| g.set_test_ok(x));
    set_str(g.get_test_summary(), &m.test_summary, |x| g.set_test_summary(x));
    sync_rows(g.get_test_steps(), &m.test_steps, |x| g.set_test_steps(x));
    match &m.test_preview {
        Some(p) => {
            let buf = slint::SharedPixelBuffer::<slint::Rgb8Pixel>::clone_from_slice(&p.rgb, p.width, p.height);
            g.set_test_preview(slint::Image::from_rgb8(buf));
            set(g.get_has_test_preview(), true, |x| g.set_has_test_preview(x));
        }
        None => set(g.get_has_test_preview(), false, |x| g.set_has_test_preview(x)),
    }
    sync_rows(g.get_info(), &m.info, |x| g.set_info(x));
    set_str(g.get_message(), &m.message, |x| g.set_message(x));

    let s = app.global::<ServiceAdapter>();
    set_str(s.get_reason(), &v.service_reason, |x| s.set_reason(x));
    set_str(s.get_since(), &v.service_since, |x| s.set_since(x));
}

/// The maintenance idle countdown (a tick in maintenance mode sets only this).
pub fn countdown(app: &AppWindow, idle_left: i32) {
    let g = app.global::<MaintAdapter>();
    set(g.get_idle_left(), idle_left, |x| g.set_idle_left(x));
}

/// Facts that never change while running: the nearest service centre, pause reasons.
pub fn set_terminal(app: &AppWindow, nearest: &str) {
    app.global::<ServiceAdapter>().set_nearest(nearest.into());
    app.global::<MaintAdapter>().set_pause_reasons(ModelRc::new(VecModel::from(
        PAUSE_REASONS.iter().map(|r| SharedString::from(*r)).collect::<Vec<_>>(),
    )));
}

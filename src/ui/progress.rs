//! ProgressAdapter: 进度随时查. The view (built off the UI thread from the journey's
//! `ProgressState`) and the controller that applies it and turns touches into events.

use super::{send, set, set_str, AppWindow, HelpAdapter, ProgressAdapter, ProgressCase, ProgressStage, ProgressTone};
use crate::journey::{self, Delivery, Event, Lookup, State};
use crate::runtime::EventTx;
use slint::{ComponentHandle, Model, ModelRc, SharedString, VecModel};

/// Where the branch's help line goes in a message (the view does not know it; the
/// window does, from the terminal's config).
const PHONE: &str = "{help_phone}";

/// One case for the screen, as plain data (Send).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CaseRow {
    pub number: String,
    pub bundle: String,
    pub status: String,
    /// (label, done, current) from 收件 to 寄出/待领取.
    pub stages: Vec<(String, bool, bool)>,
    pub delivery: String,
    pub bring_back: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ProgressView {
    pub way: super::ProgressWay,
    pub prompt: String,
    pub message: String,
    pub tone: ProgressTone,
    pub busy: bool,
    pub number: String,
    pub cases: Vec<CaseRow>,
    pub printed: bool,
}

impl Default for ProgressView {
    fn default() -> Self {
        ProgressView {
            way: super::ProgressWay::Choose,
            prompt: String::new(),
            message: String::new(),
            tone: ProgressTone::Info,
            busy: false,
            number: String::new(),
            cases: Vec::new(),
            printed: false,
        }
    }
}

/// The screen's view from the journey state; `online_app` is where a 容缺 material may
/// also be uploaded.
pub fn build(s: &State, online_app: &str) -> ProgressView {
    use journey::ProgressWay as W;
    let Some(p) = &s.progress else { return ProgressView::default() };
    let mut v = ProgressView {
        way: match p.way {
            W::Choose => super::ProgressWay::Choose,
            W::Card => super::ProgressWay::Card,
            W::Qr => super::ProgressWay::Qr,
            W::Number => super::ProgressWay::Number,
        },
        number: p.number.clone(),
        busy: p.lookup == Lookup::Busy,
        printed: p.printed,
        ..ProgressView::default()
    };
    v.prompt = match (&p.lookup, p.way) {
        (Lookup::Busy, _) => "正在查询，请稍候……".into(),
        (Lookup::Found(c), W::Card) => format!("查到您办理的 {} 件事项", c.len()),
        (Lookup::Found(_), _) => "查询结果".into(),
        (_, W::Choose) => "请选择查询方式".into(),
        (_, W::Card) => "请把身份证放在读卡区".into(),
        (_, W::Qr) => "请把回执上的二维码放在高拍仪下，对准镜头".into(),
        (_, W::Number) => "请输入回执上的收件编号，再点“查询”".into(),
    };
    match &p.lookup {
        Lookup::Failed(e) => {
            v.message = e.citizen_message(PHONE);
            v.tone = ProgressTone::Problem;
        }
        Lookup::Found(cases) => v.cases = cases.iter().map(|c| case_row(c, online_app)).collect(),
        Lookup::Idle if p.qr_not_seen => {
            v.message = "未识别到二维码，请将二维码对准摄像头".into();
            v.tone = ProgressTone::Hint;
        }
        _ => {}
    }
    v
}

fn case_row(c: &journey::CaseProgress, online_app: &str) -> CaseRow {
    let reached = c.stage();
    let stages = (0..journey::STAGES.len())
        .map(|i| {
            let label = if i == 3 { c.last_stage() } else { journey::STAGES[i] };
            (label.to_string(), reached.is_some_and(|k| i < k), reached == Some(i))
        })
        .collect();
    let window = if c.window.is_empty() { "办理窗口".to_string() } else { c.window.clone() };
    let status = match reached {
        Some(3) => format!("当前状态：{}", c.last_stage()),
        Some(_) => format!("当前状态：{}", c.status),
        None => format!("当前状态：{}。请拨打咨询电话或到窗口了解原因", c.status),
    };
    let delivery = match (c.delivery, reached) {
        (Some(Delivery::Post), Some(3)) => "结果已寄出，请留意快递短信".to_string(),
        (Some(Delivery::Post), _) => "取件方式：办结后免费邮寄".to_string(),
        (Some(Delivery::Window), Some(3)) => format!("结果已办好，请带身份证到 {window} 领取"),
        (Some(Delivery::Window), _) => format!("取件方式：办结后到 {window} 领取"),
        (None, _) => String::new(),
    };
    let bring_back = if c.deferred.is_empty() {
        String::new()
    } else {
        let mut t = String::from("容缺受理，请补交：");
        for (name, due) in &c.deferred {
            t.push_str(&format!("\n· {name}（{} 前）", crate::receipt::date_zh(due)));
        }
        t.push_str(&format!("\n补交地点：{window}；也可在“{online_app}”App 上传。"));
        t
    };
    let bundle = if c.matters.is_empty() {
        c.bundle_name.clone()
    } else {
        format!("{}：{}", c.bundle_name, c.matters.join("、"))
    };
    CaseRow { number: c.local_no.clone(), bundle, status, stages, delivery, bring_back }
}

pub fn connect(app: &AppWindow, tx: &EventTx) {
    let g = app.global::<ProgressAdapter>();
    let t = tx.clone();
    g.on_open(move || send(&t, Event::OpenProgress));
    let t = tx.clone();
    g.on_choose(move |w| {
        let w = match w {
            super::ProgressWay::Card => journey::ProgressWay::Card,
            super::ProgressWay::Qr => journey::ProgressWay::Qr,
            super::ProgressWay::Number => journey::ProgressWay::Number,
            super::ProgressWay::Choose => journey::ProgressWay::Choose,
        };
        send(&t, Event::ProgressWay(w));
    });
    let t = tx.clone();
    g.on_key(move |k| {
        if let Some(c) = k.chars().next().filter(|_| k.chars().count() == 1) {
            send(&t, Event::Key(c));
        }
    });
    let t = tx.clone();
    g.on_delete(move || send(&t, Event::Key('\u{8}')));
    let t = tx.clone();
    g.on_search(move || send(&t, Event::Next));
    let t = tx.clone();
    g.on_print(move |i| {
        if let Ok(i) = usize::try_from(i) {
            send(&t, Event::PrintProgress(i));
        }
    });
}

/// The keypad's keys: digits, '-' and the letters of this terminal's id (receipt
/// numbers are `<terminal id>-<generation>-<sequence>`).
pub fn keys(terminal_id: &str) -> Vec<String> {
    let mut letters: Vec<char> =
        terminal_id.chars().filter(|c| c.is_ascii_alphabetic()).map(|c| c.to_ascii_uppercase()).collect();
    letters.sort_unstable();
    letters.dedup();
    "1234567890-".chars().chain(letters).map(|c| c.to_string()).collect()
}

pub fn set_terminal(app: &AppWindow, terminal_id: &str) {
    let keys: Vec<SharedString> = keys(terminal_id).iter().map(|k| k.as_str().into()).collect();
    app.global::<ProgressAdapter>().set_keys(ModelRc::new(VecModel::from(keys)));
}

fn same_case(shown: &ProgressCase, r: &CaseRow) -> bool {
    shown.number.as_str() == r.number
        && shown.bundle.as_str() == r.bundle
        && shown.status.as_str() == r.status
        && shown.delivery.as_str() == r.delivery
        && shown.bring_back.as_str() == r.bring_back
        && shown.stages.row_count() == r.stages.len()
        && shown
            .stages
            .iter()
            .zip(&r.stages)
            .all(|(a, (l, d, c))| a.label.as_str() == l && a.done == *d && a.current == *c)
}

fn slint_case(r: &CaseRow) -> ProgressCase {
    let stages: Vec<ProgressStage> =
        r.stages.iter().map(|(l, d, c)| ProgressStage { label: l.as_str().into(), done: *d, current: *c }).collect();
    ProgressCase {
        number: r.number.as_str().into(),
        bundle: r.bundle.as_str().into(),
        status: r.status.as_str().into(),
        stages: ModelRc::new(VecModel::from(stages)),
        delivery: r.delivery.as_str().into(),
        bring_back: r.bring_back.as_str().into(),
    }
}

pub fn apply(app: &AppWindow, v: &super::View) {
    let g = app.global::<ProgressAdapter>();
    let pv = &v.progress;
    set(g.get_way(), pv.way, |x| g.set_way(x));
    set_str(g.get_prompt(), &pv.prompt, |x| g.set_prompt(x));
    let phone = app.global::<HelpAdapter>().get_help_phone();
    set_str(g.get_message(), &pv.message.replace(PHONE, &phone), |x| g.set_message(x));
    set(g.get_tone(), pv.tone, |x| g.set_tone(x));
    set(g.get_busy(), pv.busy, |x| g.set_busy(x));
    set_str(g.get_number(), &pv.number, |x| g.set_number(x));
    set(g.get_printed(), pv.printed, |x| g.set_printed(x));
    // Cases in place, row by row (a case's stages are a model of their own).
    let shown = g.get_cases();
    let Some(m) = shown.as_any().downcast_ref::<VecModel<ProgressCase>>() else {
        g.set_cases(ModelRc::new(VecModel::from(pv.cases.iter().map(slint_case).collect::<Vec<_>>())));
        return;
    };
    for (i, r) in pv.cases.iter().enumerate() {
        if i >= m.row_count() {
            m.push(slint_case(r));
        } else if !m.row_data(i).is_some_and(|c| same_case(&c, r)) {
            m.set_row_data(i, slint_case(r));
        }
    }
    while m.row_count() > pv.cases.len() {
        m.remove(m.row_count() - 1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::journey::{CaseProgress, ProgressError, ProgressState, ProgressWay as W};

    fn state(way: W, lookup: Lookup) -> State {
        let mut s = State::new(120);
        s.screen = journey::Screen::Progress;
        s.progress = Some(ProgressState { way, lookup, ..ProgressState::default() });
        s
    }

    #[test]
    fn the_timeline_shows_the_stage_reached_in_words() {
        let c = CaseProgress {
            local_no: "XX-0001-1-000001".into(),
            status: "受理".into(),
            bundle_name: "新生儿出生“一件事”".into(),
            delivery: Some(Delivery::Window),
            deferred: vec![("本人银行卡".into(), "2026-12-11".into())],
            window: "红旗区政务服务中心 3号窗口".into(),
            ..CaseProgress::default()
        };
        let v = build(&state(W::Number, Lookup::Found(vec![c])), "豫事办");
        let r = &v.cases[0];
        let labels: Vec<&str> = r.stages.iter().map(|s| s.0.as_str()).collect();
        assert_eq!(labels, ["收件", "受理", "办结", "待领取"]);
        assert_eq!(
            r.stages.iter().map(|s| (s.1, s.2)).collect::<Vec<_>>(),
            [(true, false), (false, true), (false, false), (false, false)]
        );
        assert_eq!(r.status, "当前状态：受理");
        assert!(r.delivery.contains("3号窗口"));
        assert!(r.bring_back.contains("本人银行卡（2026年12月11日 前）"), "{}", r.bring_back);
        assert!(v.message.is_empty());
    }

    #[test]
    fn problems_and_hints_are_said_plainly() {
        let v = build(&state(W::Number, Lookup::Failed(ProgressError::Unreachable)), "豫事办");
        assert!(v.message.starts_with("网络暂不可用") && v.message.contains(PHONE));
        assert_eq!(v.tone, ProgressTone::Problem);
        let mut s = state(W::Qr, Lookup::Idle);
        s.progress.as_mut().unwrap().qr_not_seen = true;
        let v = build(&s, "豫事办");
        assert_eq!(v.message, "未识别到二维码，请将二维码对准摄像头");
        assert_eq!(v.tone, ProgressTone::Hint);
        let v = build(&state(W::Qr, Lookup::Failed(ProgressError::NotOurQr)), "豫事办");
        assert!(v.message.starts_with("不是本终端的回执二维码"));
    }

    #[test]
    fn the_keypad_types_this_terminals_numbers() {
        assert_eq!(keys("XX-0001").join(""), "1234567890-X");
        assert_eq!(keys("ha-zz-1").join(""), "1234567890-AHZ");
    }
}

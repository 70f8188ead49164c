//! 进度随时查: where a citizen's case stands, from the attract or home screen. Three
//! ways in, one at a time (the citizen picks one): the ID card on the reader (this
//! card's cases, through the platform), the receipt's QR under the document camera,
//! or the receipt number on a keypad. No session is opened and nothing personal is
//! kept: the card's number goes straight into the lookup effect and is dropped.

use super::{go, Applicant, Delivery, Device, Effect, Screen, State};
use zeroize::{Zeroize, ZeroizeOnDrop};

/// The stages of the timeline, in order; the last reads 寄出 or 待领取 by delivery.
pub const STAGES: [&str; 4] = ["收件", "受理", "办结", "寄出/待领取"];

/// Longest receipt number the keypad takes.
pub const RECEIPT_NO_MAX: usize = 32;

/// How the citizen asks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ProgressWay {
    /// The three ways are offered; none chosen yet.
    #[default]
    Choose,
    Card,
    Qr,
    Number,
}

/// One case as the platform reports it, with the catalog's names: no personal data.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CaseProgress {
    /// The receipt's number (收件编号).
    pub local_no: String,
    /// The platform's 办件编号.
    pub intake_no: String,
    /// The platform's status word (收件, 受理, 办结, 寄出, 待领取, 不予受理 …).
    pub status: String,
    pub bundle_name: String,
    /// The sub-items' names.
    pub matters: Vec<String>,
    /// None when the platform did not say.
    pub delivery: Option<Delivery>,
    /// 容缺: (material name, deadline YYYY-MM-DD) still to bring.
    pub deferred: Vec<(String, String)>,
    /// Where a result is collected or a material brought (the bundle's window).
    pub window: String,
}

impl CaseProgress {
    /// Index into [`STAGES`] of the stage reached; None when the case was refused.
    pub fn stage(&self) -> Option<usize> {
        Some(match self.status.as_str() {
            "收件" => 0,
            "受理" | "办理" => 1,
            "办结" => 2,
            "寄出" | "待领取" | "送达" => 3,
            _ => return None,
        })
    }

    /// The timeline's last stage for this case.
    pub fn last_stage(&self) -> &'static str {
        match self.delivery {
            Some(Delivery::Post) => "寄出",
            Some(Delivery::Window) => "待领取",
            None => STAGES[3],
        }
    }
}

/// Why there is nothing to show, in types; the screen says it in words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProgressError {
    /// The platform did not answer (network, 5xx): try later or call.
    Unreachable,
    /// No case has this receipt number.
    NoSuchNumber,
    /// The platform knows no case for this card.
    NoCases,
    /// A QR code that is no receipt of ours.
    NotOurQr,
    /// The typed number is empty or too short to be one.
    BadNumber,
    /// The card reader or the camera cannot be used now.
    DeviceDown(Device),
}

impl ProgressError {
    /// The plain answer on screen; `phone` is the branch's help line.
    pub fn citizen_message(&self, phone: &str) -> String {
        match self {
            ProgressError::Unreachable => format!("网络暂不可用，请稍后再试或拨打 {phone} 咨询"),
            ProgressError::NoSuchNumber => "没有查到这个收件编号，请核对回执上的编号后重新输入".into(),
            ProgressError::NoCases => "没有查到这张身份证办理的事项".into(),
            ProgressError::NotOurQr => "不是本终端的回执二维码，请出示收件回执上的二维码".into(),
            ProgressError::BadNumber => "请输入回执上的收件编号，如 XX-0001-1-000042".into(),
            ProgressError::DeviceDown(Device::IdCard) => "读卡器暂不可用，请扫描回执二维码或输入收件编号".into(),
            ProgressError::DeviceDown(_) => "高拍仪暂不可用，请刷身份证或输入收件编号".into(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Lookup {
    #[default]
    Idle,
    /// The platform is being asked.
    Busy,
    Found(Vec<CaseProgress>),
    Failed(ProgressError),
}

/// The 进度查询 screen's state.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ProgressState {
    pub way: ProgressWay,
    /// The receipt number typed so far.
    pub number: String,
    pub lookup: Lookup,
    /// The camera has seen no QR code for a while (the runtime's `QrNotSeen`).
    pub qr_not_seen: bool,
    /// Where 返回 goes from the choice of ways (attract or home).
    pub from: Option<Screen>,
    /// A 进度查询单 went to the printer.
    pub printed: bool,
}

/// The ID number for a lookup by card: in the effect only, masked in Debug, wiped.
#[derive(Clone, PartialEq, Eq, Zeroize, ZeroizeOnDrop)]
pub struct CardQuery {
    #[zeroize(skip)]
    pub kind: kiosk_hardware::idcard::CardKind,
    pub id_number: String,
}

impl std::fmt::Debug for CardQuery {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "CardQuery({:?}, {})", self.kind, kiosk_hardware::pii::mask_id(&self.id_number))
    }
}

/// What to ask the platform; answered with `Event::ProgressAnswer`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProgressQuery {
    Card(CardQuery),
    /// A receipt QR's text: the runtime checks it is one of ours (it knows the
    /// configured progress address), then asks by the number in it.
    Qr(String),
    Number(String),
}

/// 进度查询 on the attract or home screen.
pub(super) fn open(s: &mut State) {
    let from = s.screen;
    s.progress = Some(ProgressState { from: Some(from), ..ProgressState::default() });
    go(s, Screen::Progress);
}

fn stop_way(p: &ProgressState, fx: &mut Vec<Effect>) {
    match p.way {
        ProgressWay::Card => fx.push(Effect::StopCardReading),
        ProgressWay::Qr => fx.push(Effect::ReadQr(false)),
        _ => {}
    }
}

/// One of the three ways chosen (again: start over on it).
pub(super) fn choose(s: &mut State, way: ProgressWay, fx: &mut Vec<Effect>) {
    let Some(p) = s.progress.as_mut() else { return };
    stop_way(p, fx);
    let from = p.from;
    *p = ProgressState { way, from, ..ProgressState::default() };
    match way {
        ProgressWay::Card if !s.devices.idcard.usable() => {
            p.lookup = Lookup::Failed(ProgressError::DeviceDown(Device::IdCard));
        }
        ProgressWay::Qr if !s.devices.scanner.usable() => {
            p.lookup = Lookup::Failed(ProgressError::DeviceDown(Device::Scanner));
        }
        ProgressWay::Card => fx.push(Effect::StartCardReading),
        ProgressWay::Qr => fx.push(Effect::ReadQr(true)),
        ProgressWay::Number | ProgressWay::Choose => {}
    }
}

/// A keypad key on the number: a letter, a digit or '-', '\u{8}' deletes.
pub(super) fn key(s: &mut State, c: char) {
    let Some(p) = s.progress.as_mut().filter(|p| p.way == ProgressWay::Number) else { return };
    if matches!(p.lookup, Lookup::Busy) {
        return;
    }
    if c == '\u{8}' {
        p.number.pop();
    } else if (c.is_ascii_alphanumeric() || c == '-') && p.number.len() < RECEIPT_NO_MAX {
        p.number.push(c.to_ascii_uppercase());
    } else {
        return;
    }
    // A new number: the last answer no longer belongs to it.
    p.lookup = Lookup::Idle;
    p.printed = false;
}

/// 查询 on the typed number.
pub(super) fn search(s: &mut State, fx: &mut Vec<Effect>) {
    let Some(p) = s.progress.as_mut().filter(|p| p.way == ProgressWay::Number) else { return };
    if matches!(p.lookup, Lookup::Busy) {
        return;
    }
    let no = p.number.trim_matches('-').to_string();
    // Receipt numbers are terminal id + sequence: never this short.
    if no.len() < 6 {
        p.lookup = Lookup::Failed(ProgressError::BadNumber);
        return;
    }
    p.lookup = Lookup::Busy;
    p.printed = false;
    fx.push(Effect::ProgressLookup(ProgressQuery::Number(no)));
}

/// The card on the reader: its cases.
pub(super) fn card(s: &mut State, card: Applicant, fx: &mut Vec<Effect>) {
    let Some(p) = s.progress.as_mut().filter(|p| p.way == ProgressWay::Card) else { return };
    if matches!(p.lookup, Lookup::Busy) {
        return;
    }
    fx.push(Effect::StopCardReading);
    p.lookup = Lookup::Busy;
    p.printed = false;
    fx.push(Effect::ProgressLookup(ProgressQuery::Card(CardQuery {
        kind: card.doc.kind,
        id_number: card.id_number.clone(),
    })));
    // `card` (name, address …) is dropped here, wiped.
}

/// A QR code in front of the camera.
pub(super) fn qr(s: &mut State, text: String, fx: &mut Vec<Effect>) {
    let Some(p) = s.progress.as_mut().filter(|p| p.way == ProgressWay::Qr) else { return };
    if matches!(p.lookup, Lookup::Busy | Lookup::Found(_)) {
        return;
    }
    p.qr_not_seen = false;
    p.lookup = Lookup::Busy;
    fx.push(Effect::ProgressLookup(ProgressQuery::Qr(text)));
}

/// The camera has seen no QR code for a while.
pub(super) fn qr_not_seen(s: &mut State) {
    if let Some(p) = s.progress.as_mut().filter(|p| p.way == ProgressWay::Qr && p.lookup == Lookup::Idle) {
        p.qr_not_seen = true;
    }
}

/// The platform's answer (or why there is none).
pub(super) fn answer(s: &mut State, a: Result<Vec<CaseProgress>, ProgressError>, fx: &mut Vec<Effect>) {
    let Some(p) = s.progress.as_mut().filter(|p| p.lookup == Lookup::Busy) else { return };
    p.lookup = match a {
        Ok(cases) if cases.is_empty() => Lookup::Failed(ProgressError::NoCases),
        Ok(cases) => Lookup::Found(cases),
        Err(e) => Lookup::Failed(e),
    };
    match (&p.lookup, p.way) {
        // Found: the camera's work is done.
        (Lookup::Found(_), ProgressWay::Qr) => fx.push(Effect::ReadQr(false)),
        // Not ours: keep looking, the citizen may show the right slip.
        (Lookup::Failed(ProgressError::NotOurQr), ProgressWay::Qr) => {}
        (Lookup::Failed(_), ProgressWay::Qr) => fx.push(Effect::ReadQr(false)),
        // Another card may be laid on the reader.
        (Lookup::Failed(ProgressError::NoCases), ProgressWay::Card) => fx.push(Effect::StartCardReading),
        _ => {}
    }
}

/// A device failed while in use here.
pub(super) fn device_failed(s: &mut State, device: Device, fx: &mut Vec<Effect>) {
    let Some(p) = s.progress.as_mut() else { return };
    match (device, p.way) {
        (Device::IdCard, ProgressWay::Card) => fx.push(Effect::StopCardReading),
        (Device::Scanner, ProgressWay::Qr) => fx.push(Effect::ReadQr(false)),
        _ => return,
    }
    p.lookup = Lookup::Failed(ProgressError::DeviceDown(device));
}

/// 打印进度查询单 for the i-th case shown.
pub(super) fn print(s: &mut State, i: usize, fx: &mut Vec<Effect>) {
    let Some(p) = s.progress.as_mut() else { return };
    let Lookup::Found(cases) = &p.lookup else { return };
    let Some(c) = cases.get(i) else { return };
    if !s.devices.printer.usable() {
        s.notice = Some("打印机暂不可用，请记下收件编号，或用手机扫描回执上的二维码查询".into());
        return;
    }
    fx.push(Effect::PrintProgress(Box::new(c.clone())));
    p.printed = true;
}

/// 返回: from a way back to the choice; from the choice to where the citizen came from.
pub(super) fn back(s: &mut State, fx: &mut Vec<Effect>) {
    let Some(p) = s.progress.as_mut() else { return };
    if p.way != ProgressWay::Choose {
        choose(s, ProgressWay::Choose, fx);
        return;
    }
    let to = p.from.unwrap_or(Screen::Attract);
    go(s, to);
}

/// Leaving the screen (back, 首页, the idle reset, a pause) stops the reader in use and
/// forgets the answer. Overlays (help, the idle warning) keep it.
pub(super) fn settle(s: &mut State, fx: &mut Vec<Effect>) {
    if matches!(s.screen, Screen::Progress | Screen::Help | Screen::InactivityWarning) {
        return;
    }
    if let Some(p) = s.progress.take() {
        stop_way(&p, fx);
    }
}

#[cfg(test)]
mod tests {
    use crate::catalog::Catalog;
    use crate::journey::*;

    fn run(s: State, cat: &Catalog, events: Vec<Event>) -> (State, Vec<Effect>) {
        let c = Ctx { catalog: cat, today: "20261204", now_ms: 0, timing: Timing::default() };
        events.into_iter().fold((s, Vec::new()), |(s, mut all), e| {
            let (s, fx) = step(s, e, &c);
            all.extend(fx);
            (s, all)
        })
    }

    fn case(status: &str) -> CaseProgress {
        CaseProgress {
            local_no: "XX-0001-1-000001".into(),
            intake_no: "XX202600000001".into(),
            status: status.into(),
            bundle_name: "新生儿出生“一件事”".into(),
            delivery: Some(Delivery::Post),
            ..CaseProgress::default()
        }
    }

    /// A card's holder (sample data).
    fn applicant() -> Applicant {
        crate::journey::sample_applicant()
    }

    fn lookup(s: &State) -> &Lookup {
        &s.progress.as_ref().unwrap().lookup
    }

    #[test]
    fn opens_from_attract_and_home_and_back_returns_there() {
        let cat = Catalog::seed();
        let (s, _) = run(State::new(120), &cat, vec![Event::OpenProgress]);
        assert_eq!(s.screen, Screen::Progress);
        let (s, _) = run(s, &cat, vec![Event::Back]);
        assert_eq!(s.screen, Screen::Attract);
        assert!(s.progress.is_none());
        let (s, _) = run(State::new(120), &cat, vec![Event::Tap, Event::OpenProgress, Event::Back]);
        assert_eq!(s.screen, Screen::Home);
    }

    #[test]
    fn by_card_the_number_goes_to_the_lookup_only() {
        let cat = Catalog::seed();
        let (s, fx) = run(State::new(120), &cat, vec![Event::OpenProgress, Event::ProgressWay(ProgressWay::Card)]);
        assert!(fx.contains(&Effect::StartCardReading));
        let card = applicant();
        let id = card.id_number.clone();
        let (s, fx) = run(s, &cat, vec![Event::CardRead(card)]);
        assert!(fx.contains(&Effect::StopCardReading));
        let q = fx.iter().find_map(|e| match e {
            Effect::ProgressLookup(ProgressQuery::Card(q)) => Some(q.clone()),
            _ => None,
        });
        assert_eq!(q.map(|q| q.id_number.clone()), Some(id.clone()));
        assert!(!format!("{fx:?}").contains(&id), "the number is masked in Debug");
        assert_eq!(lookup(&s), &Lookup::Busy);
        assert!(!format!("{s:?}").contains(&id), "nothing of the card is kept");
        let (s, _) = run(s, &cat, vec![Event::ProgressAnswer(Ok(vec![case("受理")]))]);
        assert!(matches!(lookup(&s), Lookup::Found(c) if c[0].stage() == Some(1)));
        // No cases: said so, and the reader waits for another card.
        let (s, _) = run(s, &cat, vec![Event::ProgressWay(ProgressWay::Card)]);
        let (s, fx) = run(s, &cat, vec![Event::CardRead(applicant()), Event::ProgressAnswer(Ok(vec![]))]);
        assert_eq!(lookup(&s), &Lookup::Failed(ProgressError::NoCases));
        assert_eq!(fx.last(), Some(&Effect::StartCardReading));
    }

    #[test]
    fn by_number_typed_on_the_keypad() {
        let cat = Catalog::seed();
        let mut ev = vec![Event::OpenProgress, Event::ProgressWay(ProgressWay::Number)];
        ev.extend("xx-01".chars().map(Event::Key));
        ev.push(Event::Next);
        let (s, fx) = run(State::new(120), &cat, ev);
        assert_eq!(lookup(&s), &Lookup::Failed(ProgressError::BadNumber), "too short");
        assert!(!fx.iter().any(|e| matches!(e, Effect::ProgressLookup(_))));
        let mut ev: Vec<Event> = "\u{8}01-1-000042".chars().map(Event::Key).collect();
        ev.extend(['?', '号'].map(Event::Key));
        ev.push(Event::Next);
        let (s, fx) = run(s, &cat, ev);
        assert_eq!(s.progress.as_ref().unwrap().number, "XX-001-1-000042");
        assert!(fx.contains(&Effect::ProgressLookup(ProgressQuery::Number("XX-001-1-000042".into()))));
        let (s, _) = run(s, &cat, vec![Event::ProgressAnswer(Err(ProgressError::NoSuchNumber))]);
        assert_eq!(lookup(&s), &Lookup::Failed(ProgressError::NoSuchNumber));
        let (s, _) = run(s, &cat, vec![Event::Next, Event::ProgressAnswer(Err(ProgressError::Unreachable))]);
        assert_eq!(lookup(&s), &Lookup::Failed(ProgressError::Unreachable));
        assert!(ProgressError::Unreachable.citizen_message("0373-1234567").contains("网络暂不可用"));
    }

    #[test]
    fn by_qr_foreign_codes_are_answered_and_reading_goes_on() {
        let cat = Catalog::seed();
        let (s, fx) = run(State::new(120), &cat, vec![Event::OpenProgress, Event::ProgressWay(ProgressWay::Qr)]);
        assert!(fx.contains(&Effect::ReadQr(true)));
        let (s, _) = run(s, &cat, vec![Event::QrNotSeen]);
        assert!(s.progress.as_ref().unwrap().qr_not_seen);
        let (s, fx) = run(s, &cat, vec![Event::QrRead("https://example.com/pay".into())]);
        assert!(fx.contains(&Effect::ProgressLookup(ProgressQuery::Qr("https://example.com/pay".into()))));
        let (s, fx) = run(s, &cat, vec![Event::ProgressAnswer(Err(ProgressError::NotOurQr))]);
        assert_eq!(lookup(&s), &Lookup::Failed(ProgressError::NotOurQr));
        assert!(!fx.contains(&Effect::ReadQr(false)), "still reading");
        let (s, fx) = run(s, &cat, vec![Event::QrRead("ours".into()), Event::ProgressAnswer(Ok(vec![case("办结")]))]);
        assert!(fx.contains(&Effect::ReadQr(false)));
        assert!(matches!(lookup(&s), Lookup::Found(_)));
        // 首页 leaves and forgets.
        let (s, _) = run(s, &cat, vec![Event::Home]);
        assert_eq!(s.screen, Screen::Home);
        assert!(s.progress.is_none());
    }

    #[test]
    fn leaving_while_reading_stops_the_reader() {
        let cat = Catalog::seed();
        let (s, _) = run(State::new(120), &cat, vec![Event::OpenProgress, Event::ProgressWay(ProgressWay::Qr)]);
        // The help overlay keeps it; the idle reset stops it.
        let (s, fx) = run(s, &cat, vec![Event::Help]);
        assert!(s.progress.is_some() && !fx.contains(&Effect::ReadQr(false)));
        let (s, _) = run(s, &cat, vec![Event::CloseHelp]);
        let (s, fx) = run(s, &cat, vec![Event::Tick(200)]);
        assert_eq!(s.screen, Screen::Attract);
        assert!(fx.contains(&Effect::ReadQr(false)) && s.progress.is_none());
    }

    #[test]
    fn stages_follow_the_platform_status() {
        let mut c = case("收件");
        assert_eq!(c.stage(), Some(0));
        c.status = "受理".into();
        assert_eq!(c.stage(), Some(1));
        c.status = "寄出".into();
        assert_eq!((c.stage(), c.last_stage()), (Some(3), "寄出"));
        c.delivery = Some(Delivery::Window);
        assert_eq!(c.last_stage(), "待领取");
        c.status = "不予受理".into();
        assert_eq!(c.stage(), None);
    }

    #[test]
    fn printing_needs_a_printer_and_an_answer() {
        let cat = Catalog::seed();
        let (s, fx) = run(
            State::new(120),
            &cat,
            vec![Event::OpenProgress, Event::ProgressWay(ProgressWay::Number), Event::PrintProgress(0)],
        );
        assert!(!fx.iter().any(|e| matches!(e, Effect::PrintProgress(_))));
        let mut s = s;
        s.progress.as_mut().unwrap().lookup = Lookup::Found(vec![case("受理")]);
        let (s, fx) = run(s, &cat, vec![Event::PrintProgress(0)]);
        assert!(fx.contains(&Effect::PrintProgress(Box::new(case("受理")))));
        assert!(s.progress.as_ref().unwrap().printed);
    }
}

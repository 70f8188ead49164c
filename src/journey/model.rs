//! Data of the journey: screens, events, effects and the session.

use super::{Contact, ProfileId};
use crate::catalog::{FieldSource, InputKind};
pub use kiosk_api::health::{DeviceHealth, DeviceState, PaperState};
use kiosk_hardware::idcard::{IdCard, Validity};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use zeroize::{Zeroize, ZeroizeOnDrop};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Screen {
    Attract,
    Home,
    Guide,
    Identify,
    Form,
    Materials,
    Review,
    Submitting,
    Receipt,
    Rating,
    Farewell,
    Help,
    DeviceFault,
    InactivityWarning,
    /// 暂停服务: paused by a host, a technician or the platform; shown instead of Attract.
    OutOfService,
    /// The host's or technician's screens (never while a citizen's session is open).
    Maintenance,
    /// 进度随时查: by ID card, receipt QR or receipt number (no session).
    Progress,
}

impl Screen {
    pub const ALL: [Screen; 17] = [
        Screen::Attract,
        Screen::Home,
        Screen::Guide,
        Screen::Identify,
        Screen::Form,
        Screen::Materials,
        Screen::Review,
        Screen::Submitting,
        Screen::Receipt,
        Screen::Rating,
        Screen::Farewell,
        Screen::Help,
        Screen::DeviceFault,
        Screen::InactivityWarning,
        Screen::OutOfService,
        Screen::Maintenance,
        Screen::Progress,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Screen::Attract => "attract",
            Screen::Home => "home",
            Screen::Guide => "guide",
            Screen::Identify => "identify",
            Screen::Form => "form",
            Screen::Materials => "materials",
            Screen::Review => "review",
            Screen::Submitting => "submitting",
            Screen::Receipt => "receipt",
            Screen::Rating => "rating",
            Screen::Farewell => "farewell",
            Screen::Help => "help",
            Screen::DeviceFault => "fault",
            Screen::InactivityWarning => "idle-warning",
            Screen::OutOfService => "out-of-service",
            Screen::Maintenance => "maintenance",
            Screen::Progress => "progress",
        }
    }

    pub fn from_name(name: &str) -> Option<Screen> {
        Screen::ALL.into_iter().find(|s| s.name() == name)
    }

    /// Position in the step indicator 告知 → 身份 → 填表 → 材料 → 确认 → 回执 → 评价.
    pub fn step_index(self) -> Option<usize> {
        Some(match self {
            Screen::Guide => 0,
            Screen::Identify => 1,
            Screen::Form => 2,
            Screen::Materials => 3,
            Screen::Review | Screen::Submitting => 4,
            Screen::Receipt => 5,
            Screen::Rating => 6,
            _ => return None,
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Device {
    IdCard,
    Scanner,
    Printer,
    Storage,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fault {
    pub device: Device,
    pub message: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum Delivery {
    #[default]
    Window,
    Post,
}

/// The applicant as read from the ID card. Personal data: masked in Debug, wiped on drop.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, Zeroize, ZeroizeOnDrop)]
pub struct Applicant {
    pub name: String,
    pub id_number: String,
    pub sex: String,
    pub birth_date: String,
    pub address: String,
    /// YYYYMMDD, or None for 长期.
    pub valid_to: Option<String>,
    /// Which document, how it was presented, and what its kind adds.
    pub doc: IdentityDoc,
}

pub use kiosk_api::wire::IdentitySource;
pub use kiosk_hardware::idcard::CardKind;

/// The identity document behind an applicant. Personal data (the extras): wiped on drop
/// with the applicant, never in Debug.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, Zeroize)]
pub struct IdentityDoc {
    #[zeroize(skip)]
    pub kind: CardKind,
    #[zeroize(skip)]
    pub source: IdentitySource,
    /// 'J': 通行证号码 and 签发次数.
    pub pass_number: Option<String>,
    pub issue_count: Option<String>,
    /// 'I' and 'Y': English name and nationality (ISO 3166-1 alpha-3).
    pub name_en: Option<String>,
    pub nationality: Option<String>,
    /// 'Y': 换证次数.
    pub renewal_count: Option<String>,
}

impl Default for IdentityDoc {
    fn default() -> Self {
        IdentityDoc {
            kind: CardKind::Resident,
            source: IdentitySource::Card,
            pass_number: None,
            issue_count: None,
            name_en: None,
            nationality: None,
            renewal_count: None,
        }
    }
}

impl std::fmt::Debug for IdentityDoc {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "IdentityDoc({:?}, {:?})", self.kind, self.source)
    }
}

impl std::fmt::Debug for Applicant {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Applicant({})", kiosk_hardware::pii::mask_id(&self.id_number))
    }
}

impl From<&IdCard> for Applicant {
    fn from(c: &IdCard) -> Self {
        Applicant {
            name: c.name.clone(),
            id_number: c.id_number.clone(),
            sex: c.sex.label_zh().to_string(),
            birth_date: c.birth_date.clone(),
            address: c
                .extra_address
                .clone()
                .map(|a| format!("{}{}", c.address, a))
                .unwrap_or_else(|| c.address.clone()),
            valid_to: match &c.valid_to {
                Validity::Until(d) => Some(d.clone()),
                Validity::LongTerm => None,
            },
            doc: IdentityDoc {
                kind: c.kind,
                source: IdentitySource::Card,
                pass_number: c.supplement.pass_number.clone(),
                issue_count: c.supplement.issue_count.clone(),
                name_en: c.name_en.clone(),
                nationality: matches!(c.kind, CardKind::ForeignPermanentOld | CardKind::ForeignPermanent2023)
                    .then(|| c.nation.clone()),
                renewal_count: c.supplement.renewal_count.clone(),
            },
        }
    }
}

impl Applicant {
    pub fn field(&self, key: &str) -> Option<String> {
        Some(match key {
            "applicant.name" => self.name.clone(),
            "applicant.id_number" => self.id_number.clone(),
            "applicant.sex" => self.sex.clone(),
            "applicant.birth_date" => self.birth_date.clone(),
            "applicant.address" => self.address.clone(),
            // Enterprise matters: the person whose card is read applies as the legal representative.
            "org.legal_rep" => self.name.clone(),
            _ => return None,
        })
    }

    /// Checks the card can be used today; the error is a message for the citizen.
    pub fn check(&self, today: &str) -> Result<(), String> {
        if self.doc.kind == CardKind::ForeignPermanentOld {
            // 2017 permanent residence card: 3 letters + 12 digits, no check character.
            let id = self.id_number.as_bytes();
            let ok =
                id.len() == 15 && id[..3].iter().all(u8::is_ascii_uppercase) && id[3..].iter().all(u8::is_ascii_digit);
            if !ok {
                return Err("证件号码校验未通过，请确认是本人有效证件，或到窗口办理".into());
            }
        } else if !gb11643_valid(&self.id_number) {
            return Err("身份证号码校验未通过，请确认是本人有效身份证件，或到窗口办理".into());
        }
        if let Some(to) = &self.valid_to {
            if to.as_str() < today {
                return Err("您的身份证已过有效期，请先到公安机关换领，或到窗口办理".into());
            }
        }
        Ok(())
    }
}

/// GB 11643 check character: one implementation, the card reader's.
pub use kiosk_hardware::idcard::tables::gb11643_valid;

/// Wiping a field wipes the citizen's value; the rest is the catalog's.
#[derive(Debug, Clone, PartialEq, Eq, Zeroize)]
pub struct FormField {
    #[zeroize(skip)]
    pub key: String,
    #[zeroize(skip)]
    pub label: String,
    #[zeroize(skip)]
    pub source: FieldSource,
    pub value: String,
    /// Set when the citizen can enter or change the value at the kiosk.
    #[zeroize(skip)]
    pub input: Option<InputKind>,
    #[zeroize(skip)]
    pub options: Vec<String>,
    #[zeroize(skip)]
    pub multiple: bool,
}

impl FormField {
    /// Entered on the form's editor: typed fields and changeable defaults.
    pub fn editable(&self) -> bool {
        self.input.is_some()
    }

    /// A typed field still empty: the form cannot go on without it.
    pub fn missing(&self) -> bool {
        self.source == FieldSource::Typed && self.editable() && self.value.trim().is_empty()
    }
}

/// The on-screen editor open on one field of the merged form. Wiped on drop.
#[derive(Debug, Clone, PartialEq, Eq, Default, Zeroize, ZeroizeOnDrop)]
pub struct Editor {
    /// Index into `Session::fields`.
    pub field: usize,
    pub text: String,
    /// Letters typed toward the next character (text fields).
    pub pinyin: String,
    /// Candidate page (text fields).
    pub page: usize,
    /// Chosen option indexes (choice fields), in option order.
    pub chosen: Vec<usize>,
    /// 手写: the writing pad (text fields).
    pub hw: HwPad,
}

/// 手写: the editor's writing pad, instead of the 拼音 keypad while `on`. The strokes are
/// personal data in progress: kept here only (wiped with the editor), never logged.
#[derive(Debug, Clone, PartialEq, Eq, Default, Zeroize)]
pub struct HwPad {
    /// The 手写 tab is chosen.
    pub on: bool,
    /// The character being written: strokes of [x, y] on the 0–1000 pad square.
    pub strokes: Vec<Vec<[u16; 2]>>,
    /// The recognizer's characters for them, best first.
    pub candidates: Vec<String>,
    /// Whether the recognizer could be opened; None until it answers.
    #[zeroize(skip)]
    pub available: Option<bool>,
    /// A `Recognize` is out; only one at a time, so answers come in order.
    #[zeroize(skip)]
    pub pending: bool,
    /// The strokes changed since that `Recognize` was sent: ask again when it answers.
    #[zeroize(skip)]
    pub stale: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum SlotState {
    Todo,
    Capturing,
    Captured {
        pages: u32,
    },
    Failed(String),
    /// Replaced by an electronic certificate: nothing to scan.
    ECert,
    /// 容缺: to be brought later under a commitment.
    Deferred,
}

impl SlotState {
    pub fn is_satisfied(&self) -> bool {
        matches!(self, SlotState::Captured { .. } | SlotState::ECert | SlotState::Deferred)
    }
}

/// Wiping a slot wipes the citizen's signature; the rest is the catalog's.
#[derive(Debug, Clone, PartialEq, Eq, Zeroize)]
pub struct MaterialSlot {
    #[zeroize(skip)]
    pub key: String,
    #[zeroize(skip)]
    pub name: String,
    #[zeroize(skip)]
    pub required: bool,
    #[zeroize(skip)]
    pub deferrable: bool,
    #[zeroize(skip)]
    pub state: SlotState,
    /// The signed 容缺 commitment (pad strokes as SVG path data) when deferred.
    pub signature: Option<String>,
}

/// Working days a deferred material may be brought in (容缺补正期限): the default of
/// `terminal.deferral_days`; what a terminal uses comes from its config.
pub const DEFERRAL_DAYS: u32 = 5;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PrintState {
    Printing,
    Printed,
    Failed(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceiptState {
    pub local_no: String,
    pub print: PrintState,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RatingDraft {
    /// GB/T 39046 coding: 1 非常满意 … 5 非常不满意.
    pub level: Option<u8>,
    pub reasons: BTreeSet<String>,
}

/// Dropping a session wipes what the citizen entered and signed (the applicant and the
/// editor wipe themselves).
#[derive(Debug, Clone, PartialEq, Eq, ZeroizeOnDrop)]
pub struct Session {
    #[zeroize(skip)]
    pub bundle_id: String,
    #[zeroize(skip)]
    pub selected: Vec<String>,
    #[zeroize(skip)]
    pub applicant: Option<Applicant>,
    pub fields: Vec<FormField>,
    #[zeroize(skip)]
    pub delivery: Delivery,
    pub materials: Vec<MaterialSlot>,
    #[zeroize(skip)]
    pub receipt: Option<ReceiptState>,
    #[zeroize(skip)]
    pub rating: RatingDraft,
    /// 一人一档 for this citizen: what the kiosk knows and what they agreed to.
    #[zeroize(skip)]
    pub profile: ProfileOffer,
    /// Consent to keep this visit's contact details for next time (off by default).
    #[zeroize(skip)]
    pub keep_profile: bool,
    /// The field being entered on the form, if any.
    #[zeroize(skip)]
    pub editor: Option<Editor>,
    /// The material whose 容缺 commitment is being signed, if any.
    #[zeroize(skip)]
    pub commitment: Option<usize>,
}

/// 一人一档 during one session. Nothing saved is shown or used before `Used`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ProfileOffer {
    /// No card read yet, or the lookup is still running.
    #[default]
    Unknown,
    /// No saved details for this citizen.
    Absent,
    /// Saved details exist: the consent prompt is on screen.
    Offered,
    /// The citizen agreed: the saved details filled the form.
    Used,
    /// The citizen declined: the form stays as from the card.
    Declined,
    /// The citizen deleted their saved details.
    Deleted,
}

impl Session {
    pub fn new(bundle_id: String, selected: Vec<String>) -> Self {
        Session {
            bundle_id,
            selected,
            applicant: None,
            fields: Vec::new(),
            delivery: Delivery::Window,
            materials: Vec::new(),
            receipt: None,
            rating: RatingDraft::default(),
            profile: ProfileOffer::default(),
            keep_profile: false,
            editor: None,
            commitment: None,
        }
    }
}

impl Session {
    /// The mobile number on the form (empty until entered or reused).
    pub fn phone(&self) -> &str {
        self.fields.iter().find(|f| f.key == "applicant.phone").map_or("", |f| f.value.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct State {
    pub screen: Screen,
    /// The screen under an overlay (Help, InactivityWarning).
    pub underlying: Screen,
    pub elder: bool,
    pub idle_left: u32,
    pub session: Option<Session>,
    pub fault: Option<Fault>,
    /// A message for the citizen on the current screen (what happened, what to do).
    pub notice: Option<String>,
    /// Home screen: the category tab and the pinyin search typed on the letter keypad.
    pub home: HomeState,
    /// What the idle-time monitor last found: the start screens say what will not work.
    pub devices: DeviceHealth,
    /// 暂停服务 in force: citizens see the out-of-service screen instead of Attract.
    pub out_of_service: Option<OutOfService>,
    /// A pause or resume from the platform that waits for the citizen's session to end.
    pub pending_service: Option<Option<OutOfService>>,
    /// Maintenance mode (Screen::Maintenance).
    pub maint: Option<Maint>,
    /// 呼叫工作人员 reached the branch in this session.
    pub help_called: bool,
    /// Times 重听 was pressed: the voice prompt of the screen is played again when it changes.
    pub replay: u32,
    /// 进度随时查 (Screen::Progress and its overlays).
    pub progress: Option<super::ProgressState>,
    /// Identify: identity by a 电子身份证 / 电子社保卡 QR code in progress.
    pub eid: EIdStage,
}

/// Identity by QR on the identify screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum EIdStage {
    #[default]
    Off,
    /// The camera looks for the code; seconds left before "no QR in view".
    Reading { left: u32 },
    /// The code is with the platform.
    Verifying,
}

/// Seconds the camera looks for an e-ID code before saying it saw none.
pub const EID_READ_SECS: u32 = 10;

pub use crate::ops::{Actor, OutOfService, Role, SelfTestKind, SelfTestReport};

/// Seconds without a touch before maintenance mode exits by itself.
pub const MAINT_IDLE_SECS: u32 = 120;
/// Digits of a maintenance PIN.
pub const PIN_LEN: usize = 6;

/// The pages of maintenance mode; the host sees the first five.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MaintPage {
    Devices,
    Counts,
    Alerts,
    Calls,
    Service,
    Reader,
    Printer,
    Camera,
    Network,
    Versions,
    Queue,
    Logs,
    Config,
}

impl MaintPage {
    pub const HOST: [MaintPage; 5] =
        [MaintPage::Devices, MaintPage::Counts, MaintPage::Alerts, MaintPage::Calls, MaintPage::Service];
    pub const TECHNICIAN: [MaintPage; 13] = [
        MaintPage::Devices,
        MaintPage::Counts,
        MaintPage::Alerts,
        MaintPage::Calls,
        MaintPage::Service,
        MaintPage::Reader,
        MaintPage::Printer,
        MaintPage::Camera,
        MaintPage::Network,
        MaintPage::Versions,
        MaintPage::Queue,
        MaintPage::Logs,
        MaintPage::Config,
    ];

    pub fn for_role(role: Role) -> &'static [MaintPage] {
        match role {
            Role::Host => &Self::HOST,
            Role::Technician => &Self::TECHNICIAN,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            MaintPage::Devices => "devices",
            MaintPage::Counts => "counts",
            MaintPage::Alerts => "alerts",
            MaintPage::Calls => "calls",
            MaintPage::Service => "service",
            MaintPage::Reader => "reader",
            MaintPage::Printer => "printer",
            MaintPage::Camera => "camera",
            MaintPage::Network => "network",
            MaintPage::Versions => "versions",
            MaintPage::Queue => "queue",
            MaintPage::Logs => "logs",
            MaintPage::Config => "config",
        }
    }

    pub fn from_name(name: &str) -> Option<MaintPage> {
        Self::TECHNICIAN.into_iter().find(|p| p.name() == name)
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            MaintPage::Devices => "设备状态",
            MaintPage::Counts => "业务统计",
            MaintPage::Alerts => "提醒",
            MaintPage::Calls => "呼叫",
            MaintPage::Service => "暂停/恢复",
            MaintPage::Reader => "读卡器",
            MaintPage::Printer => "打印机",
            MaintPage::Camera => "高拍仪",
            MaintPage::Network => "网络",
            MaintPage::Versions => "版本",
            MaintPage::Queue => "队列",
            MaintPage::Logs => "日志",
            MaintPage::Config => "配置",
        }
    }

    /// The self-test this page runs, if any.
    pub fn test(self) -> Option<SelfTestKind> {
        Some(match self {
            MaintPage::Reader => SelfTestKind::Reader,
            MaintPage::Printer => SelfTestKind::Printer,
            MaintPage::Camera => SelfTestKind::Scanner,
            MaintPage::Network => SelfTestKind::Network,
            _ => return None,
        })
    }
}

/// The PIN being typed: wiped on drop.
#[derive(Clone, PartialEq, Eq, Default, Zeroize, ZeroizeOnDrop)]
pub struct Pin(pub String);

impl std::fmt::Debug for Pin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Pin({} digits)", self.0.len())
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MaintStage {
    /// The PIN pad; `checking` while the runtime verifies it (Argon2, off the UI thread).
    Pin {
        role: Role,
        digits: Pin,
        checking: bool,
        locked: bool,
    },
    Open {
        role: Role,
        page: MaintPage,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TestState {
    Running(SelfTestKind),
    Done(Box<SelfTestReport>),
}

/// Maintenance mode. Holds no citizen data: it is only entered with no session open.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Maint {
    pub stage: MaintStage,
    pub idle_left: u32,
    /// Counts, alerts, calls, versions … as the runtime last loaded them.
    pub data: Option<std::sync::Arc<MaintData>>,
    pub test: Option<TestState>,
    /// What was done or went wrong, in words.
    pub message: Option<String>,
}

impl Maint {
    pub fn role(&self) -> Option<Role> {
        match self.stage {
            MaintStage::Open { role, .. } => Some(role),
            MaintStage::Pin { .. } => None,
        }
    }
}

/// What the host and technician pages show besides the devices; no citizen data.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MaintData {
    pub alerts: Vec<AlertLine>,
    pub calls: Vec<CallLine>,
    /// Today first, then the days before it (MM-DD).
    pub days: Vec<String>,
    /// Counter name → one value per entry of `days`.
    pub counts: Vec<(String, Vec<i64>)>,
    pub versions: Vec<(String, String)>,
    pub queue: Vec<(String, String)>,
    pub config: Vec<(String, String)>,
    pub logs: Vec<(String, String)>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlertLine {
    pub id: i64,
    /// Local time, as shown.
    pub time: String,
    pub kind: String,
    pub message: String,
    pub count: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallLine {
    pub id: i64,
    pub time: String,
    /// The screen the citizen was on.
    pub screen: String,
    /// Not yet handled by the host.
    pub open: bool,
    /// 待处理, or who or what closed it.
    pub status: String,
}

/// What the host does from maintenance mode.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MaintAction {
    /// 已换纸: the paper alert and the paper-low state are reset.
    PaperRefilled,
    AckAlert(i64),
    ClearCall(i64),
}

/// What the citizen should know before starting, Chinese first; empty if all is well.
pub fn device_banner(d: &DeviceHealth) -> String {
    let mut parts = Vec::new();
    if !d.idcard.usable() {
        parts.push("身份证读卡器暂不可用，请到窗口办理或呼叫工作人员");
    }
    if !d.scanner.usable() {
        parts.push("高拍仪暂不可用，需要拍摄材料的事项请到窗口办理");
    }
    if !d.printer.usable() {
        parts.push("打印机暂不可用，回执将以二维码显示，请用手机扫码保存");
    }
    parts.join("；")
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct HomeState {
    pub category: crate::catalog::Category,
    pub query: String,
    /// The letter keypad is open.
    pub keypad: bool,
    /// The 单项事项 tab is shown instead of a category's bundles.
    pub singles: bool,
}

impl State {
    pub fn new(idle_timeout: u32) -> Self {
        State {
            screen: Screen::Attract,
            underlying: Screen::Attract,
            elder: false,
            idle_left: idle_timeout,
            session: None,
            fault: None,
            devices: DeviceHealth::default(),
            notice: None,
            home: HomeState::default(),
            out_of_service: None,
            pending_service: None,
            maint: None,
            help_called: false,
            replay: 0,
            progress: None,
            eid: EIdStage::Off,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    // Touches.
    Tap,
    StartBundle(String),
    ToggleItem(usize),
    PrintNotice,
    Next,
    Back,
    Home,
    Help,
    CloseHelp,
    StillHere,
    ToggleElder,
    /// 重听: play the screen's voice prompt again.
    Replay,
    /// A keypad key: a digit, or '\u{8}' for delete.
    Key(char),
    SetDelivery(Delivery),
    Capture(usize),
    /// Materials: ask to defer the i-th material (opens the commitment to sign).
    Defer(usize),
    /// The commitment signed: the pad's strokes as SVG path data.
    Sign(String),
    /// Close the commitment without deferring.
    CancelCommitment,
    Rate(u8),
    ToggleReason(String),
    SubmitRating,
    SkipRating,
    /// Home: show a category's bundles.
    HomeCategory(crate::catalog::Category),
    /// Home: the 单项事项 tab (standalone matters by department).
    HomeSingles,
    /// Home: open or close the letter keypad.
    ToggleKeypad,
    /// Home: a search key, a-z, or '\u{8}' for delete; '\u{1b}' clears.
    SearchKey(char),
    /// 一人一档: the answer to the consent prompt.
    ProfileConsent(bool),
    /// 一人一档: keep this visit's contact details for next time (toggle).
    ToggleKeepProfile,
    /// 一人一档: delete the saved details now.
    DeleteProfile,
    /// Form: open the editor on the i-th field of the merged form.
    EditField(usize),
    /// Form: open the editor on the phone.
    EditPhone,
    /// Editor: pick the i-th shown candidate character, or toggle the i-th option.
    Pick(usize),
    /// Editor: next (true) or previous candidate page.
    CandidatePage(bool),
    /// Editor: check and keep the value.
    EditDone,
    /// Editor: close without changing the field.
    EditCancel,
    /// Editor: the 手写 tab (true) or the 拼音 one (text fields).
    HwTab(bool),
    /// Editor, 手写: one stroke written on the pad, points on the 0–1000 square.
    HwStroke(Vec<(u16, u16)>),
    /// Editor, 手写: 清除, the pad is empty again.
    HwClear,
    // Results from the runtime.
    /// The answer to `Recognize`: the characters for the pad's strokes, best first.
    HwCandidates(Vec<String>),
    /// The answer to `Recognize` without a handwriting model: 手写暂不可用.
    HwUnavailable,
    ProfileFound(bool),
    ProfileLoaded(Contact),
    ProfileDeleted(bool),
    CardRead(Applicant),
    /// Identify: 出示电子身份证/电子社保卡二维码 (pressed again while reading: stop).
    ShowEIdQr,
    /// The document camera decoded a QR code (while `Effect::ReadQr(true)`).
    QrRead(String),
    /// The document camera has seen no QR code for a few seconds (while reading).
    QrNotSeen,
    /// 进度查询 on the attract or home screen.
    OpenProgress,
    /// 进度查询: the way the citizen asks (card, receipt QR, number).
    ProgressWay(super::ProgressWay),
    /// 进度查询: print the 进度查询单 of the i-th case shown.
    PrintProgress(usize),
    /// The platform's answer to `ProgressLookup`.
    ProgressAnswer(Result<Vec<super::CaseProgress>, super::ProgressError>),
    /// The platform's answer to `VerifyEId`: the person, or why not.
    EIdVerified(Result<Applicant, super::eid::EIdError>),
    Captured {
        slot: usize,
        pages: u32,
    },
    CaptureFailed {
        slot: usize,
        message: String,
    },
    DeviceFailed {
        device: Device,
        message: String,
    },
    CaseQueued {
        local_no: String,
    },
    QueueFailed(String),
    ReceiptPrinted,
    PrintFailed(String),
    /// Seconds elapsed (the runtime sends 1 per second).
    Tick(u32),
    /// The idle-time device monitor's finding.
    DevicesChecked(DeviceHealth),
    /// The service is stopping (SIGTERM): end and wipe the session.
    Shutdown,
    // Operations.
    /// 呼叫工作人员 on the help or fault screen.
    CallStaff,
    /// The call reached the branch (platform relay or at least the host's list).
    StaffCalled,
    /// The header emblem was held ~5 s: the maintenance PIN pad.
    MaintGesture,
    MaintRole(Role),
    /// A PIN digit, or '\u{8}' for delete.
    MaintKey(char),
    MaintSubmit,
    MaintPage(MaintPage),
    MaintAction(MaintAction),
    /// Pause (Some(reason)) or resume (None) from the maintenance screen.
    MaintService(Option<String>),
    MaintRunTest,
    MaintExit,
    /// Any touch inside maintenance mode (restarts its idle exit).
    MaintTouch,
    /// The runtime's answer to `VerifyPin`: the role, or the message to show.
    PinChecked {
        role: Role,
        result: Result<(), PinRefusal>,
    },
    MaintLoaded(std::sync::Arc<MaintData>),
    SelfTestDone(Box<SelfTestReport>),
    /// Pause or resume from the CLI or the platform (the CLI's is refused during a session
    /// before it gets here; the platform's waits for the session to end).
    SetService {
        state: Option<OutOfService>,
        by: Actor,
    },
}

/// Why a PIN was not accepted, as the pad shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PinRefusal {
    pub message: String,
    /// The entry is locked (too many wrong PINs): the pad stays disabled.
    pub locked: bool,
}

impl Event {
    pub fn is_touch(&self) -> bool {
        !matches!(
            self,
            Event::CardRead(_)
                | Event::QrRead(_)
                | Event::QrNotSeen
                | Event::ProgressAnswer(_)
                | Event::EIdVerified(_)
                | Event::HwCandidates(_)
                | Event::HwUnavailable
                | Event::ProfileFound(_)
                | Event::ProfileLoaded(_)
                | Event::ProfileDeleted(_)
                | Event::Captured { .. }
                | Event::CaptureFailed { .. }
                | Event::DeviceFailed { .. }
                | Event::CaseQueued { .. }
                | Event::QueueFailed(_)
                | Event::ReceiptPrinted
                | Event::PrintFailed(_)
                | Event::Tick(_)
                | Event::DevicesChecked(_)
                | Event::Shutdown
                | Event::StaffCalled
                | Event::PinChecked { .. }
                | Event::MaintLoaded(_)
                | Event::SelfTestDone(_)
                | Event::SetService { .. }
        )
    }
}

/// Dropping a draft wipes the phone, the form's values and the signatures (the
/// applicant wipes itself).
#[derive(Debug, Clone, PartialEq, Eq, ZeroizeOnDrop)]
pub struct CaseDraft {
    #[zeroize(skip)]
    pub bundle_id: String,
    #[zeroize(skip)]
    pub bundle_name: String,
    #[zeroize(skip)]
    pub matter_codes: Vec<String>,
    #[zeroize(skip)]
    pub applicant: Applicant,
    pub phone: String,
    /// The merged form: (canonical key, value, provenance); the keys are wiped too.
    pub form: Vec<(String, String, FieldSource)>,
    /// Signed 容缺 commitments: (material key, pad strokes).
    pub commitments: Vec<(String, String)>,
    #[zeroize(skip)]
    pub delivery: Delivery,
    #[zeroize(skip)]
    pub materials: Vec<(String, SlotState)>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceiptData {
    pub local_no: String,
    pub bundle_name: String,
    pub matters: Vec<String>,
    pub deferred: Vec<String>,
    pub delivery: Delivery,
    pub window: String,
    pub promised_days: u32,
    /// The applicant's name as paper shows it: 张*𠮷 (middle masked, last kept, so a
    /// 生僻字 takes the printer's raster path and the citizen recognises their slip).
    pub name_masked: String,
    /// Post: the address the case goes to (the one on the form, else the card's),
    /// masked to district and street.
    pub post_address: String,
}

/// A name for paper: the middle masked, the first and last kept (张*𠮷); two
/// characters keep only the last (*三).
pub fn mask_name_for_paper(name: &str) -> String {
    let c: Vec<char> = name.trim().chars().collect();
    match c.len() {
        0 => String::new(),
        1 => "*".into(),
        2 => format!("*{}", c[1]),
        n => format!("{}{}{}", c[0], "*".repeat(n - 2), c[n - 1]),
    }
}

/// An address for paper: up to the street (路, 街, 道, 巷, 村 …) and the rest masked,
/// so the slip shows where it goes without the house number.
pub fn mask_address(addr: &str) -> String {
    let chars: Vec<char> = addr.trim().chars().collect();
    // The district first (区, 县, else 市), then the street after it: "新乡" has a 乡
    // that is no township.
    let district =
        chars.iter().rposition(|c| matches!(c, '区' | '县')).or_else(|| chars.iter().rposition(|c| *c == '市'));
    let from = district.map_or(0, |d| d + 1);
    let street = chars[from..]
        .iter()
        .rposition(|c| matches!(c, '路' | '街' | '道' | '巷' | '村' | '镇' | '乡'))
        .map(|i| from + i);
    match street.or(district) {
        Some(i) if i + 1 < chars.len() => format!("{}***", chars[..=i].iter().collect::<String>()),
        Some(_) => chars.iter().collect(),
        None => "***".into(),
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RatingRecord {
    pub local_no: String,
    pub level: u8,
    pub reasons: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    StartCardReading,
    StopCardReading,
    /// Decode QR codes from the document camera's preview (true) or stop (false);
    /// each code seen comes back as `QrRead`, a while without one as `QrNotSeen`.
    ReadQr(bool),
    /// 进度查询: ask the platform; answered with `ProgressAnswer`.
    ProgressLookup(super::ProgressQuery),
    /// 进度查询: print the 进度查询单.
    PrintProgress(Box<super::CaseProgress>),
    /// Ask the platform who an e-ID code stands for; answered with `EIdVerified`.
    VerifyEId(super::eid::EIdCode),
    Capture {
        slot: usize,
        material_key: String,
    },
    EnqueueCase(Box<CaseDraft>),
    PrintReceipt(ReceiptData),
    PrintNotice {
        bundle_id: String,
        selected: Vec<String>,
    },
    StoreRating(RatingRecord),
    /// An audit record; `detail` never holds unmasked personal data.
    Audit {
        kind: &'static str,
        detail: String,
    },
    /// Forget everything personal held outside the journey (scans, photo).
    WipeSession,
    /// 手写: classify the pad's strokes (0–1000 square) on the blocking pool; answered
    /// with `HwCandidates`, or `HwUnavailable`. No strokes: only open the model.
    Recognize {
        strokes: Vec<Vec<(u16, u16)>>,
    },
    /// 一人一档: is anything saved for this citizen? Answered with `ProfileFound`.
    ProfileLookup(ProfileId),
    /// 一人一档, after consent: answered with `ProfileLoaded`.
    ProfileLoad(ProfileId),
    /// 一人一档, after consent to keep.
    ProfileSave(ProfileId, Contact),
    /// 一人一档: answered with `ProfileDeleted`.
    ProfileDelete(ProfileId),
    /// A daily counter (store::counts) goes up by one.
    Count(&'static str),
    /// 帮办: raise a call (host list, platform relay, chime); answered with `StaffCalled`.
    CallStaff {
        screen: &'static str,
    },
    /// The session ended: its help calls are cleared.
    ClearHelpCalls,
    /// Check the PIN off the UI thread; answered with `PinChecked`.
    VerifyPin {
        role: Role,
        pin: Pin,
    },
    /// Load the maintenance pages' data; answered with `MaintLoaded`.
    LoadMaint,
    /// Look at the devices now; answered with `DevicesChecked`.
    ProbeDevices,
    MaintAction {
        action: MaintAction,
        by: Role,
    },
    /// Persist the service state (paused with a reason, or running) and tell the heartbeat.
    SetService {
        state: Option<OutOfService>,
        by: Actor,
    },
    /// Answered with `SelfTestDone`.
    RunSelfTest {
        kind: SelfTestKind,
        by: Role,
    },
    /// An audit record by a maintenance role or the CLI/platform (catalogue id).
    AuditBy {
        kind: &'static str,
        actor: Actor,
        refused: bool,
        detail: String,
    },
}

/// The card holder the journey's, the views' and the voice's unit tests use (made-up
/// data with a 生僻字 in the name).
#[cfg(test)]
pub fn sample_applicant() -> Applicant {
    Applicant {
        name: "张晓𠮷".into(),
        id_number: "410702199003070046".into(),
        sex: "女".into(),
        birth_date: "19900307".into(),
        address: "河南省新乡市红旗区平原路100号".into(),
        valid_to: Some("20400101".into()),
        doc: Default::default(),
    }
}

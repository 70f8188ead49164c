//! Every prompt the kiosk can say, in one table: one per screen, and the event prompts.
//!
//! The texts are fixed (`&'static str`): nothing is ever built from the journey's state,
//! so no prompt can carry a name, an ID number, an address or a phone number. Each
//! prompt follows the words of its screen (buttons are named as they read).

use crate::journey::Screen;

/// One spoken prompt.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Prompt {
    Attract,
    Home,
    Guide,
    /// The Identify screen's prompt, and the event of entering it.
    PlaceCard,
    Form,
    Materials,
    Review,
    Submitting,
    Receipt,
    Rating,
    Farewell,
    Help,
    Fault,
    /// The inactivity warning (screen and event).
    IdleWarning,
    OutOfService,
    Maintenance,
    /// 进度随时查.
    Progress,
    /// The card was read.
    TakeCard,
    /// The receipt came out of the printer.
    TakeReceipt,
    /// A material's photo was refused.
    Retake,
}

/// A row of the table: the prompt, its id (a recorded `<id>.wav` replaces the
/// synthesised one), the screen it belongs to (None: an event prompt) and its words.
#[derive(Debug, Clone, Copy)]
pub struct Row {
    pub prompt: Prompt,
    pub id: &'static str,
    pub screen: Option<Screen>,
    pub text: &'static str,
}

const fn row(prompt: Prompt, id: &'static str, screen: Option<Screen>, text: &'static str) -> Row {
    Row { prompt, id, screen, text }
}

/// The table. A screen's prompt says what to do there in the screen's own words.
pub static TABLE: [Row; 20] = [
    row(Prompt::Attract, "attract", Some(Screen::Attract), "欢迎使用政务服务自助终端，请点击屏幕开始办理。"),
    row(Prompt::Home, "home", Some(Screen::Home), "请选择要办理的事情，也可以用拼音首字母搜索。"),
    row(Prompt::Guide, "guide", Some(Screen::Guide), "请阅读办事须知，选好事项后，点击：我已了解，开始办理。"),
    row(Prompt::PlaceCard, "place-card", Some(Screen::Identify), "请将身份证放在感应区。"),
    row(Prompt::Form, "form", Some(Screen::Form), "请核对信息，并填写手机号码。"),
    row(Prompt::Materials, "materials", Some(Screen::Materials), "请把材料正面朝上放在拍摄台，逐项拍摄。"),
    row(Prompt::Review, "review", Some(Screen::Review), "请核对办理信息，确认无误后点击确认提交。"),
    row(Prompt::Submitting, "submitting", Some(Screen::Submitting), "正在提交，请稍候，请不要离开。"),
    row(Prompt::Receipt, "receipt", Some(Screen::Receipt), "提交成功。请保存好回执，扫码可查询办理进度。"),
    row(Prompt::Rating, "rating", Some(Screen::Rating), "请为本次服务评价。"),
    row(Prompt::Farewell, "farewell", Some(Screen::Farewell), "感谢您的使用。请带好您的身份证、材料和回执。"),
    row(Prompt::Help, "help", Some(Screen::Help), "需要帮助，请点击呼叫工作人员。"),
    row(Prompt::Fault, "fault", Some(Screen::DeviceFault), "设备出现故障，请呼叫工作人员，或到窗口办理。"),
    row(
        Prompt::IdleWarning,
        "idle-warning",
        Some(Screen::InactivityWarning),
        "您还在吗？如需继续办理，请点击：我还在。",
    ),
    row(Prompt::OutOfService, "out-of-service", Some(Screen::OutOfService), "本机暂停服务，请到窗口办理。"),
    row(Prompt::Maintenance, "maintenance", Some(Screen::Maintenance), "维护模式。"),
    row(
        Prompt::Progress,
        "progress",
        Some(Screen::Progress),
        "查询办理进度：请刷身份证，或扫描回执上的二维码，或输入收件编号。",
    ),
    row(Prompt::TakeCard, "take-card", None, "请取走您的身份证。"),
    row(Prompt::TakeReceipt, "take-receipt", None, "请取走回执。"),
    row(Prompt::Retake, "retake", None, "材料未拍清楚，请重新拍摄。"),
];

impl Prompt {
    /// Every prompt, in table order.
    pub fn all() -> impl Iterator<Item = Prompt> {
        TABLE.iter().map(|r| r.prompt)
    }

    fn row(self) -> &'static Row {
        // The table holds every variant once (a test checks it).
        TABLE.iter().find(|r| r.prompt == self).unwrap_or(&TABLE[0])
    }

    pub fn text(self) -> &'static str {
        self.row().text
    }

    pub fn id(self) -> &'static str {
        self.row().id
    }

    pub fn from_id(id: &str) -> Option<Prompt> {
        TABLE.iter().find(|r| r.id == id).map(|r| r.prompt)
    }

    /// The prompt of a screen (what 重听 plays there).
    pub fn for_screen(screen: Screen) -> Prompt {
        match screen {
            Screen::Attract => Prompt::Attract,
            Screen::Home => Prompt::Home,
            Screen::Guide => Prompt::Guide,
            Screen::Identify => Prompt::PlaceCard,
            Screen::Form => Prompt::Form,
            Screen::Materials => Prompt::Materials,
            Screen::Review => Prompt::Review,
            Screen::Submitting => Prompt::Submitting,
            Screen::Receipt => Prompt::Receipt,
            Screen::Rating => Prompt::Rating,
            Screen::Farewell => Prompt::Farewell,
            Screen::Help => Prompt::Help,
            Screen::DeviceFault => Prompt::Fault,
            Screen::InactivityWarning => Prompt::IdleWarning,
            Screen::OutOfService => Prompt::OutOfService,
            Screen::Maintenance => Prompt::Maintenance,
            Screen::Progress => Prompt::Progress,
        }
    }
}

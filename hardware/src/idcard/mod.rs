//! 二代证 (resident ID card) reader.
//!
//! `IdCardReader` is the boundary the kiosk sees; [`SamReader`] is the SAM serial
//! protocol driver. With the `demo` feature, its pty emulator (`emulator`), the sample
//! `demo_card()` and `devsim idcard` are here too.

pub mod card;
pub mod codec;
#[cfg(feature = "demo")]
mod devsim;
mod diag;
pub mod driver;
#[cfg(feature = "demo")]
pub mod emulator;
pub mod tables;

pub use card::{CardProblem, CardSpec};
pub use codec::Sw3;
pub use diag::diag_read_one;
pub use driver::{SamConfig, SamReader};
#[cfg(feature = "demo")]
pub use emulator::{Emulator, EmulatorConfig, Fault};

use serde::{Deserialize, Serialize};
use std::fmt;
use zeroize::{Zeroize, ZeroizeOnDrop};

/// Which layout the card's text block uses (the type character at bytes 248..250).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum CardKind {
    /// 居民身份证 (blank type character).
    Resident,
    /// 'J': 港澳台居民居住证.
    HkMoTwResidence,
    /// 'I': 外国人永久居留身份证 (2017 layout).
    ForeignPermanentOld,
    /// 'Y': 外国人永久居留身份证 (2023 layout).
    ForeignPermanent2023,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Sex {
    Male,
    Female,
    Unknown,
}

impl Sex {
    pub fn label_zh(self) -> &'static str {
        match self {
            Sex::Male => "男",
            Sex::Female => "女",
            Sex::Unknown => "未知",
        }
    }
}

/// Validity end: a date (YYYYMMDD) or 长期 (no expiry).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Validity {
    Until(String),
    LongTerm,
}

/// What a card tells us. Personal data: `Debug` masks it, and it is wiped on drop.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, Zeroize, ZeroizeOnDrop)]
pub struct IdCard {
    #[zeroize(skip)]
    pub kind: CardKind,
    /// Chinese name, exact (may hold characters outside the BMP or outside GBK).
    pub name: String,
    /// English name (foreign permanent residence cards only).
    pub name_en: Option<String>,
    #[zeroize(skip)]
    pub sex: Sex,
    /// Ethnic group (民族) in words, e.g. "汉"; nationality code for foreign cards.
    pub nation: String,
    /// YYYYMMDD.
    pub birth_date: String,
    pub address: String,
    pub id_number: String,
    pub authority: String,
    /// YYYYMMDD.
    pub valid_from: String,
    #[zeroize(skip)]
    pub valid_to: Validity,
    /// 追加住址 (command 30 03), if the card has one.
    pub extra_address: Option<String>,
    /// WLT photo, raw; kept in memory for the session only, never logged or stored.
    #[serde(skip)]
    pub photo_wlt: Vec<u8>,
    /// Fields only some card types have. `CardSupplement::default()` for a plain card.
    #[serde(default)]
    pub supplement: CardSupplement,
}

/// Fields that only some layouts carry.
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize, Zeroize)]
pub struct CardSupplement {
    /// GB 3304 code as read from the card ("01"), resident cards.
    pub nation_code: Option<String>,
    /// 'J': 通行证号码.
    pub pass_number: Option<String>,
    /// 'J': 签发次数.
    pub issue_count: Option<String>,
    /// 'Y': 换证次数.
    pub renewal_count: Option<String>,
    /// 'I': 证件版本号.
    pub card_version: Option<String>,
    /// Fingerprint block (command 30 10 only); memory only, never logged or stored.
    #[serde(skip)]
    pub fingerprint: Vec<u8>,
}

impl fmt::Debug for CardSupplement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CardSupplement").finish_non_exhaustive()
    }
}

impl fmt::Debug for IdCard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IdCard")
            .field("kind", &self.kind)
            .field("name", &crate::pii::mask_name(&self.name))
            .field("id_number", &crate::pii::mask_id(&self.id_number))
            .finish_non_exhaustive()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum IdCardStatus {
    Ready,
    NoCard,
    Disconnected,
    Fault(String),
}

#[derive(Debug, thiserror::Error)]
pub enum IdCardError {
    #[error("读卡器未连接 / card reader not connected: {0}")]
    Disconnected(String),
    #[error("读卡器无应答 / card reader timed out")]
    Timeout,
    #[error("读卡失败 / card read failed: {0}")]
    ReadFailed(String),
    #[error("读卡器故障 / card reader fault: {0}")]
    Fault(String),
    /// The SAM answered a command with a failure status.
    #[error("读卡器返回错误 / card reader error ({step}): {sw3}")]
    Sam { step: &'static str, sw3: Sw3 },
    /// Frames that could not be decoded, even after retries.
    #[error("读卡器通信错误 / card reader protocol error: {0}")]
    Protocol(String),
    /// The card's data could not be understood.
    #[error("无法识别证件信息 / card data not understood: {0}")]
    CardData(String),
}

/// A card reader. `poll` runs one find → select → read cycle and returns a card only
/// once per placement: the card must leave the field before it is reported again.
pub trait IdCardReader: Send {
    fn poll(&mut self) -> Result<Option<IdCard>, IdCardError>;
    fn status(&mut self) -> IdCardStatus;
    /// Asks the reader whether it is alive without touching a card (for the idle-time
    /// device monitor); readers that cannot tell report their last status.
    fn check(&mut self) -> IdCardStatus {
        self.status()
    }
    /// The SAM module's id (command 12 FF, hex), once the reader has answered; None
    /// for readers without one or not connected yet (the technician's self-test).
    fn sam_id(&mut self) -> Option<String> {
        None
    }
}

/// A fictitious citizen with a valid GB 11643 number (sample data, not a real person).
#[cfg(feature = "demo")]
pub fn demo_card() -> IdCard {
    IdCard {
        kind: CardKind::Resident,
        name: "张晓𠮷".to_string(),
        name_en: None,
        sex: Sex::Female,
        nation: "汉".to_string(),
        birth_date: "19900307".to_string(),
        address: "河南省新乡市红旗区平原路100号".to_string(),
        id_number: "410702199003070046".to_string(),
        authority: "新乡市公安局红旗分局".to_string(),
        valid_from: "20200101".to_string(),
        valid_to: Validity::Until("20400101".to_string()),
        extra_address: None,
        photo_wlt: vec![0u8; 1024],
        supplement: CardSupplement { nation_code: Some("01".into()), ..Default::default() },
    }
}

/// Entry point of `devsim idcard …` (args after "idcard"); returns the process exit code.
/// See `devsim idcard --help`.
#[cfg(feature = "demo")]
pub fn devsim_main(args: &[String]) -> i32 {
    devsim::main(args)
}

#[cfg(all(test, feature = "demo"))]
mod tests {
    use super::*;

    #[test]
    fn debug_masks_the_card() {
        let card = demo_card();
        assert!(!format!("{card:?}").contains("410702199003070046"));
    }
}

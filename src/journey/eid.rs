//! Identity by a 电子身份证 / 电子社保卡 QR code on the identify screen: the document
//! camera reads the code (`ReadQr`), the platform says who it stands for (`VerifyEId`),
//! and from there the journey is the card's. The card reader keeps polling meanwhile:
//! whichever comes first wins.

use super::{card_read, Ctx, EIdStage, Effect, Screen, State, EID_READ_SECS};

/// 出示电子身份证/电子社保卡二维码: start looking, or stop if looking already.
pub(super) fn toggle(s: &mut State, fx: &mut Vec<Effect>) {
    match s.eid {
        EIdStage::Reading { .. } => {
            fx.push(Effect::ReadQr(false));
            s.eid = EIdStage::Off;
            s.notice = None;
        }
        EIdStage::Verifying => {}
        EIdStage::Off if !s.devices.scanner.usable() => s.notice = Some(EIdError::NoCamera.citizen_message()),
        EIdStage::Off => {
            fx.push(Effect::ReadQr(true));
            s.eid = EIdStage::Reading { left: EID_READ_SECS };
            s.notice = None;
        }
    }
}

/// A QR code seen by the camera: ours goes to the platform, any other is answered.
pub(super) fn qr_read(s: &mut State, text: String, fx: &mut Vec<Effect>) {
    if !matches!(s.eid, EIdStage::Reading { .. }) {
        return;
    }
    if kiosk_api::wire::e_id_code_kind(&text).is_none() {
        // Keep looking: the citizen may switch to the right code on the phone.
        s.notice = Some(EIdError::NotOurs.citizen_message());
        s.eid = EIdStage::Reading { left: EID_READ_SECS };
        return;
    }
    fx.push(Effect::ReadQr(false));
    fx.push(Effect::VerifyEId(EIdCode(text.trim().to_string())));
    s.eid = EIdStage::Verifying;
    s.notice = None;
}

/// The platform's answer.
pub(super) fn verified(s: &mut State, answer: Result<super::Applicant, EIdError>, ctx: &Ctx, fx: &mut Vec<Effect>) {
    if s.eid != EIdStage::Verifying {
        return;
    }
    s.eid = EIdStage::Off;
    match answer {
        Ok(applicant) => {
            fx.push(Effect::Audit { kind: "e_id_verified", detail: String::new() });
            card_read(s, applicant, ctx, fx);
        }
        Err(e) => s.notice = Some(e.citizen_message()),
    }
}

/// Seconds pass while the camera looks: after `EID_READ_SECS` without a code, say so.
pub(super) fn tick(s: &mut State, secs: u32, fx: &mut Vec<Effect>) {
    if s.screen != Screen::Identify {
        return;
    }
    if let EIdStage::Reading { left } = s.eid {
        let left = left.saturating_sub(secs);
        if left == 0 {
            fx.push(Effect::ReadQr(false));
            s.eid = EIdStage::Off;
            s.notice = Some(EIdError::NoQr.citizen_message());
        } else {
            s.eid = EIdStage::Reading { left };
        }
    }
}

/// Leaving the identify screen (a card read, back, home, a fault, an overlay) stops it.
pub(super) fn settle(s: &mut State, fx: &mut Vec<Effect>) {
    if s.screen != Screen::Identify && s.eid != EIdStage::Off {
        if matches!(s.eid, EIdStage::Reading { .. }) {
            fx.push(Effect::ReadQr(false));
        }
        s.eid = EIdStage::Off;
    }
}

/// Why identity by a 电子身份证 / 电子社保卡 QR code did not work. Each has plain words
/// for the citizen: what happened, what to do.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EIdError {
    /// A QR that is not an e-ID code (a receipt's link, a payment code …).
    #[error("not an e-ID code")]
    NotOurs,
    /// The platform: the code has expired (they live a minute or so).
    #[error("code expired")]
    Expired,
    /// The platform does not know the code.
    #[error("code unknown")]
    Unknown,
    /// The platform could not be asked (network, outage, refused our signature).
    #[error("platform unavailable: {0}")]
    Unavailable(String),
    /// The platform refused for another reason, in its own words.
    #[error("refused: {0}")]
    Refused(String),
    /// The camera saw no e-ID code in the time allowed.
    #[error("no QR code in view")]
    NoQr,
    /// The document camera is down.
    #[error("camera unavailable")]
    NoCamera,
}

impl EIdError {
    pub fn citizen_message(&self) -> String {
        match self {
            EIdError::NotOurs => "这不是电子身份证或电子社保卡的二维码。请打开电子证件二维码，对准高拍仪".into(),
            EIdError::Expired => "二维码已过期。请在手机上刷新二维码，再点“出示电子身份证/电子社保卡二维码”".into(),
            EIdError::Unknown => "二维码无法核验。请在手机上重新打开电子证件二维码再试，或把身份证放在读卡区".into(),
            EIdError::Unavailable(_) => "暂时无法连接政务服务平台核验电子证件。请把身份证放在读卡区，或稍后再试".into(),
            EIdError::Refused(reason) => format!("电子证件未通过核验：{reason}。请把身份证放在读卡区，或到窗口办理"),
            EIdError::NoQr => "没有看到二维码。请把手机上的二维码对准下方高拍仪，保持不动，再点一次按钮".into(),
            EIdError::NoCamera => "高拍仪暂不可用，不能扫二维码。请把身份证放在读卡区".into(),
        }
    }
}

/// An e-ID code on its way to the platform: it stands for a person, so Debug hides it.
#[derive(Clone, PartialEq, Eq)]
pub struct EIdCode(pub String);

impl std::fmt::Debug for EIdCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "EIdCode({} chars)", self.0.chars().count())
    }
}

//! Identity documents: the 证件类型代码 each card kind is sent with (configuration, as
//! provinces code them differently) and what a document adds to the applicant.

use kiosk_hardware::idcard::CardKind;
use serde::{Deserialize, Serialize};

/// `[id_types]`: 证件类型代码 per card kind. The defaults follow GA/T 517 (常用证件代码):
/// 111 居民身份证, 553 外国人永久居留身份证; GA/T 517 predates the 港澳台居民居住证 and has
/// no code of its own for it, so its default is 516 (the 港澳居民来往内地通行证 its pass
/// number names). A province that coded them otherwise sets its own.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct IdTypes {
    /// 居民身份证.
    #[serde(default = "default_resident")]
    pub resident: String,
    /// 港澳台居民居住证 (type character 'J').
    #[serde(default = "default_hk_mo_tw")]
    pub hk_mo_tw: String,
    /// 外国人永久居留身份证, 2017 layout ('I').
    #[serde(default = "default_foreign")]
    pub foreign_2017: String,
    /// 外国人永久居留身份证, 2023 layout ('Y').
    #[serde(default = "default_foreign")]
    pub foreign_2023: String,
}

fn default_resident() -> String {
    "111".into()
}

fn default_hk_mo_tw() -> String {
    "516".into()
}

fn default_foreign() -> String {
    "553".into()
}

impl Default for IdTypes {
    fn default() -> Self {
        IdTypes {
            resident: default_resident(),
            hk_mo_tw: default_hk_mo_tw(),
            foreign_2017: default_foreign(),
            foreign_2023: default_foreign(),
        }
    }
}

impl IdTypes {
    /// The code a case carries for an applicant identified by a card of `kind`.
    pub fn code(&self, kind: CardKind) -> &str {
        match kind {
            CardKind::Resident => &self.resident,
            CardKind::HkMoTwResidence => &self.hk_mo_tw,
            CardKind::ForeignPermanentOld => &self.foreign_2017,
            CardKind::ForeignPermanent2023 => &self.foreign_2023,
        }
    }

    /// Each (config key, code): for validation.
    pub fn entries(&self) -> [(&'static str, &str); 4] {
        [
            ("id_types.resident", &self.resident),
            ("id_types.hk_mo_tw", &self.hk_mo_tw),
            ("id_types.foreign_2017", &self.foreign_2017),
            ("id_types.foreign_2023", &self.foreign_2023),
        ]
    }
}

// The e-ID vocabulary is the journey's (it is pure); the platform's side is here.
pub use crate::journey::eid::{EIdCode, EIdError};

/// How a failed verification reads: the platform's typed refusals, else unavailable.
pub fn eid_error_from_intake(e: &crate::intake::IntakeError) -> EIdError {
    use crate::intake::IntakeError;
    match e {
        IntakeError::Rejected { code, .. } if code == "code_expired" => EIdError::Expired,
        IntakeError::Rejected { code, .. } if code == "code_unknown" => EIdError::Unknown,
        IntakeError::Rejected { reason, .. } => EIdError::Refused(reason.clone()),
        other => EIdError::Unavailable(other.to_string()),
    }
}

/// The card kind the platform names (`VerifiedIdentity::card_kind`), as the `[id_types]` keys.
pub fn card_kind_of(name: &str) -> Option<CardKind> {
    Some(match name {
        "resident" => CardKind::Resident,
        "hk_mo_tw" => CardKind::HkMoTwResidence,
        "foreign_2017" => CardKind::ForeignPermanentOld,
        "foreign_2023" => CardKind::ForeignPermanent2023,
        _ => return None,
    })
}

/// The applicant a verified code stands for; from here the journey is the card's.
pub fn applicant_from(v: &kiosk_api::wire::VerifiedIdentity) -> Result<crate::journey::Applicant, EIdError> {
    use crate::journey::{Applicant, IdentityDoc, IdentitySource};
    let kind = card_kind_of(&v.card_kind).ok_or_else(|| EIdError::Refused("证件类型本机暂不支持".into()))?;
    Ok(Applicant {
        name: v.name.clone(),
        id_number: v.id_number.trim().to_ascii_uppercase(),
        sex: match v.sex.as_str() {
            "1" => "男",
            "2" => "女",
            _ => "未知",
        }
        .into(),
        birth_date: v.birth_date.clone(),
        address: v.address.clone(),
        valid_to: v.valid_to.clone(),
        doc: IdentityDoc { kind, source: IdentitySource::EIdQr, ..IdentityDoc::default() },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_card_kind_maps_through_the_table() {
        let gb = IdTypes::default();
        assert_eq!(gb.code(CardKind::Resident), "111");
        assert_eq!(gb.code(CardKind::HkMoTwResidence), "516");
        assert_eq!(gb.code(CardKind::ForeignPermanentOld), "553");
        assert_eq!(gb.code(CardKind::ForeignPermanent2023), "553");
        // A province with its own codes: only what it sets changes.
        let p: IdTypes = toml::from_str("hk_mo_tw = \"154\"\nforeign_2023 = \"555\"").unwrap();
        assert_eq!(p.code(CardKind::HkMoTwResidence), "154");
        assert_eq!(p.code(CardKind::ForeignPermanent2023), "555");
        assert_eq!((p.code(CardKind::Resident), p.code(CardKind::ForeignPermanentOld)), ("111", "553"));
        assert!(toml::from_str::<IdTypes>("passport = \"414\"").is_err(), "unknown kinds are refused");
    }

    fn card(spec: kiosk_hardware::idcard::CardSpec) -> kiosk_hardware::idcard::IdCard {
        use kiosk_hardware::idcard::card::{encode_text, parse_card};
        parse_card(&encode_text(&spec).unwrap(), &[0; 1024]).unwrap()
    }

    #[test]
    fn a_verified_code_becomes_an_applicant_and_refusals_are_typed() {
        use crate::intake::IntakeError;
        use crate::journey::IdentitySource;
        let v = kiosk_api::wire::VerifiedIdentity {
            name: "李文华".into(),
            id_number: "410703198805120027".into(),
            card_kind: "resident".into(),
            sex: "2".into(),
            birth_date: "19880512".into(),
            address: "河南省新乡市卫滨区胜利路8号".into(),
            valid_to: None,
        };
        let a = applicant_from(&v).unwrap();
        assert_eq!((a.doc.source, a.doc.kind, a.sex.as_str()), (IdentitySource::EIdQr, CardKind::Resident, "女"));
        assert_eq!(a.check("20261204"), Ok(()));
        let odd = kiosk_api::wire::VerifiedIdentity { card_kind: "passport".into(), ..v };
        assert!(matches!(applicant_from(&odd), Err(EIdError::Refused(_))));
        let rej = |code: &str| IntakeError::Rejected { status: 422, code: code.into(), reason: "原因".into() };
        assert_eq!(eid_error_from_intake(&rej("code_expired")), EIdError::Expired);
        assert_eq!(eid_error_from_intake(&rej("code_unknown")), EIdError::Unknown);
        assert_eq!(eid_error_from_intake(&rej("other")), EIdError::Refused("原因".into()));
        let down = eid_error_from_intake(&IntakeError::Network("refused".into()));
        assert!(matches!(down, EIdError::Unavailable(_)));
        assert!(down.citizen_message().contains("暂时无法连接"));
        assert!(!format!("{:?}", EIdCode("EID1.secret-token-123456".into())).contains("secret"));
    }

    #[test]
    fn the_applicant_keeps_what_the_card_kind_adds() {
        use crate::journey::{Applicant, IdentitySource};
        use kiosk_hardware::idcard::CardSpec;
        let j = card(CardSpec {
            kind: "J".into(),
            name: "陈家明".into(),
            sex: "1".into(),
            birth_date: "19940823".into(),
            id_number: "810000199408230021".into(),
            valid_from: "20230301".into(),
            valid_to: "20280301".into(),
            pass_number: "H60123456".into(),
            issue_count: "02".into(),
            ..Default::default()
        });
        let a = Applicant::from(&j);
        assert_eq!((a.doc.kind, a.doc.source), (CardKind::HkMoTwResidence, IdentitySource::Card));
        assert_eq!((a.doc.pass_number.as_deref(), a.doc.issue_count.as_deref()), (Some("H60123456"), Some("02")));
        assert_eq!(a.check("20261204"), Ok(()));
        assert!(!format!("{a:?}").contains("H60123456"), "Debug shows no pass number");
        // The 2017 permanent residence card: 15 characters, no GB 11643 check character.
        let i = card(CardSpec {
            kind: "I".into(),
            name_en: "SMITH, JOHN ROBERT".into(),
            sex: "1".into(),
            nationality: "USA".into(),
            birth_date: "19780512".into(),
            id_number: "USA110078051201".into(),
            valid_from: "20180601".into(),
            valid_to: "20280601".into(),
            ..Default::default()
        });
        let mut a = Applicant::from(&i);
        assert_eq!((a.doc.kind, a.doc.nationality.as_deref()), (CardKind::ForeignPermanentOld, Some("USA")));
        assert_eq!(a.doc.name_en.as_deref(), Some("SMITH, JOHN ROBERT"));
        assert_eq!(a.check("20261204"), Ok(()));
        a.id_number = "US1110078051201".into();
        assert!(a.check("20261204").unwrap_err().contains("证件号码"));
    }
}

//! The 256-byte text block of a card (UCS-2LE, space padded): parsing for the resident
//! card and the 'J', 'I' and 'Y' layouts, the inverse encoder (for the emulator), and
//! the checks that decide whether a citizen can be served with the card.

// The layouts list each field's byte ranges; most fields are one range.
#![allow(clippy::single_range_in_vec_init)]

use super::tables::{format_date_zh, gb11643_valid, nation_code, nation_name, valid_yyyymmdd};
use super::{CardKind, CardSupplement, IdCard, Sex, Validity};
use serde::{Deserialize, Serialize};
use std::ops::Range;

pub const TEXT_LEN: usize = 256;
pub const PHOTO_LEN: usize = 1024;
pub const FINGERPRINT_LEN: usize = 1024;
pub const EXTRA_ADDRESS_LEN: usize = 70;
const TYPE: Range<usize> = 248..250;
const LONG_TERM: &str = "长期";

/// Decodes UCS-2LE (really UTF-16LE: surrogate pairs are kept, so names outside the BMP
/// stay exact) and trims the padding (spaces, NULs, ideographic spaces).
pub fn decode_ucs2(bytes: &[u8]) -> String {
    let units = bytes.chunks_exact(2).map(|c| u16::from_le_bytes([c[0], c[1]]));
    let s: String = char::decode_utf16(units).map(|r| r.unwrap_or(char::REPLACEMENT_CHARACTER)).collect();
    s.trim_matches(|c| c == ' ' || c == '\0' || c == '\u{3000}').to_string()
}

fn sex_from_code(code: &str) -> Sex {
    match code {
        "1" => Sex::Male,
        "2" => Sex::Female,
        _ => Sex::Unknown,
    }
}

fn validity(s: String) -> Validity {
    if s == LONG_TERM {
        Validity::LongTerm
    } else {
        Validity::Until(s)
    }
}

fn opt(s: String) -> Option<String> {
    (!s.is_empty()).then_some(s)
}

/// Why a text block could not be read at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TextError {
    #[error("text block is {0} bytes, expected {TEXT_LEN}")]
    Length(usize),
    #[error("unknown card type character {0:?}")]
    UnknownType(String),
}

/// The card type from the character at bytes 248..250.
pub fn card_kind(text: &[u8]) -> Result<CardKind, TextError> {
    if text.len() != TEXT_LEN {
        return Err(TextError::Length(text.len()));
    }
    match [text[TYPE.start], text[TYPE.start + 1]] {
        [b' ', 0] | [0, 0] => Ok(CardKind::Resident),
        [b'J', 0] => Ok(CardKind::HkMoTwResidence),
        [b'I', 0] => Ok(CardKind::ForeignPermanentOld),
        [b'Y', 0] => Ok(CardKind::ForeignPermanent2023),
        _ => Err(TextError::UnknownType(decode_ucs2(&text[TYPE]))),
    }
}

/// A field of the text block, as the layouts below place it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Field {
    /// Chinese name.
    Name,
    NameEn,
    /// "1" 男, "2" 女.
    Sex,
    /// GB 3304 code (resident cards).
    Nation,
    /// ISO 3166 alpha-3 (foreign permanent residence cards).
    Nationality,
    Birth,
    Address,
    Number,
    Authority,
    ValidFrom,
    /// YYYYMMDD or "长期".
    ValidTo,
    PassNumber,
    IssueCount,
    RenewalCount,
    CardVersion,
}

/// A field and the byte ranges it occupies, in order: a value runs on from one piece
/// into the next (the Y card's English name).
type Slot = (Field, &'static [Range<usize>]);

/// Each card layout, declared once; decoding and encoding both read these.
const RESIDENT: &[Slot] = &[
    (Field::Name, &[0..30]),
    (Field::Sex, &[30..32]),
    (Field::Nation, &[32..36]),
    (Field::Birth, &[36..52]),
    (Field::Address, &[52..122]),
    (Field::Number, &[122..158]),
    (Field::Authority, &[158..188]),
    (Field::ValidFrom, &[188..204]),
    (Field::ValidTo, &[204..220]),
];

/// 港澳台居民居住证: the resident layout with the nation field reserved (blank), plus
/// the pass number and issue count.
const HK_MO_TW: &[Slot] = &[
    (Field::Name, &[0..30]),
    (Field::Sex, &[30..32]),
    (Field::Birth, &[36..52]),
    (Field::Address, &[52..122]),
    (Field::Number, &[122..158]),
    (Field::Authority, &[158..188]),
    (Field::ValidFrom, &[188..204]),
    (Field::ValidTo, &[204..220]),
    (Field::PassNumber, &[220..238]),
    (Field::IssueCount, &[238..242]),
];

/// 外国人永久居留身份证, 2017 layout.
const FOREIGN_OLD: &[Slot] = &[
    (Field::NameEn, &[0..120]),
    (Field::Sex, &[120..122]),
    (Field::Number, &[122..152]),
    (Field::Nationality, &[152..158]),
    (Field::Name, &[158..188]),
    (Field::ValidFrom, &[188..204]),
    (Field::ValidTo, &[204..220]),
    (Field::Birth, &[220..236]),
    (Field::CardVersion, &[236..240]),
    (Field::Authority, &[240..248]),
];

/// 外国人永久居留身份证, 2023 layout: the English name runs on from 52..122 into 220..242.
const FOREIGN_2023: &[Slot] = &[
    (Field::Name, &[0..30]),
    (Field::Sex, &[30..32]),
    (Field::RenewalCount, &[32..36]),
    (Field::Birth, &[36..52]),
    (Field::NameEn, &[52..122, 220..242]),
    (Field::Number, &[122..158]),
    (Field::Authority, &[158..188]),
    (Field::ValidFrom, &[188..204]),
    (Field::ValidTo, &[204..220]),
    (Field::Nationality, &[242..248]),
];

/// The layout of a card kind and the character it carries at bytes 248..250.
fn layout(kind: CardKind) -> (&'static [Slot], Option<&'static str>) {
    match kind {
        CardKind::Resident => (RESIDENT, None),
        CardKind::HkMoTwResidence => (HK_MO_TW, Some("J")),
        CardKind::ForeignPermanentOld => (FOREIGN_OLD, Some("I")),
        CardKind::ForeignPermanent2023 => (FOREIGN_2023, Some("Y")),
    }
}

/// Reads a field of `kind`'s layout (empty if the layout has no such field).
fn read(text: &[u8], slots: &[Slot], field: Field) -> String {
    let Some((_, pieces)) = slots.iter().find(|(f, _)| *f == field) else { return String::new() };
    let bytes: Vec<u8> = pieces.iter().flat_map(|r| &text[r.clone()]).copied().collect();
    decode_ucs2(&bytes)
}

/// Builds an `IdCard` from a text block and the raw WLT photo.
pub fn parse_card(text: &[u8], photo_wlt: &[u8]) -> Result<IdCard, TextError> {
    let kind = card_kind(text)?;
    let (slots, _) = layout(kind);
    let f = |field| read(text, slots, field);
    let foreign = matches!(kind, CardKind::ForeignPermanentOld | CardKind::ForeignPermanent2023);
    let nation_code = f(Field::Nation);
    let nation = if foreign {
        f(Field::Nationality)
    } else {
        nation_name(&nation_code).map(str::to_string).unwrap_or_else(|| nation_code.clone())
    };
    let (name_zh, name_en) = (f(Field::Name), f(Field::NameEn));
    Ok(IdCard {
        kind,
        // A foreign card without a Chinese name goes by its English one.
        name: if foreign && name_zh.is_empty() { name_en.clone() } else { name_zh },
        name_en: opt(name_en),
        sex: sex_from_code(&f(Field::Sex)),
        nation,
        birth_date: f(Field::Birth),
        address: f(Field::Address),
        id_number: f(Field::Number).to_ascii_uppercase(),
        authority: f(Field::Authority),
        valid_from: f(Field::ValidFrom),
        valid_to: validity(f(Field::ValidTo)),
        extra_address: None,
        photo_wlt: photo_wlt.to_vec(),
        supplement: CardSupplement {
            nation_code: opt(nation_code),
            pass_number: opt(f(Field::PassNumber)),
            issue_count: opt(f(Field::IssueCount)),
            renewal_count: opt(f(Field::RenewalCount)),
            card_version: opt(f(Field::CardVersion)),
            ..CardSupplement::default()
        },
    })
}

/// A card described field by field, as written on the card (the emulator's JSON format).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct CardSpec {
    /// "resident" (default), "J", "I" or "Y".
    pub kind: String,
    /// Chinese name.
    pub name: String,
    pub name_en: String,
    /// "1"/"2" or "男"/"女".
    pub sex: String,
    /// GB 3304 code ("01") or name ("汉"); for foreign cards use `nationality`.
    pub nation: String,
    /// ISO 3166 alpha-3 code (I and Y cards).
    pub nationality: String,
    pub birth_date: String,
    pub address: String,
    pub id_number: String,
    pub authority: String,
    pub valid_from: String,
    /// YYYYMMDD or "长期".
    pub valid_to: String,
    /// 追加住址 (answered to 30 03); none → the reader answers 91.
    pub extra_address: Option<String>,
    pub pass_number: String,
    pub issue_count: String,
    pub renewal_count: String,
    pub card_version: String,
    /// Raw 256-byte text block in hex: overrides every field above (for malformed cards).
    pub text_hex: Option<String>,
    /// Byte the 1024-byte WLT photo is filled with (default 0x00).
    pub photo_fill: u8,
}

impl CardSpec {
    /// The spec that encodes `card`.
    pub fn from_card(card: &IdCard) -> CardSpec {
        let kind = match card.kind {
            CardKind::Resident => "resident",
            CardKind::HkMoTwResidence => "J",
            CardKind::ForeignPermanentOld => "I",
            CardKind::ForeignPermanent2023 => "Y",
        };
        let foreign = matches!(card.kind, CardKind::ForeignPermanentOld | CardKind::ForeignPermanent2023);
        let s = &card.supplement;
        CardSpec {
            kind: kind.into(),
            name: if foreign && Some(&card.name) == card.name_en.as_ref() { String::new() } else { card.name.clone() },
            name_en: card.name_en.clone().unwrap_or_default(),
            sex: match card.sex {
                Sex::Male => "1",
                Sex::Female => "2",
                Sex::Unknown => "0",
            }
            .into(),
            nation: if foreign { String::new() } else { card.nation.clone() },
            nationality: if foreign { card.nation.clone() } else { String::new() },
            birth_date: card.birth_date.clone(),
            address: card.address.clone(),
            id_number: card.id_number.clone(),
            authority: card.authority.clone(),
            valid_from: card.valid_from.clone(),
            valid_to: match &card.valid_to {
                Validity::LongTerm => LONG_TERM.into(),
                Validity::Until(d) => d.clone(),
            },
            extra_address: card.extra_address.clone(),
            pass_number: s.pass_number.clone().unwrap_or_default(),
            issue_count: s.issue_count.clone().unwrap_or_default(),
            renewal_count: s.renewal_count.clone().unwrap_or_default(),
            card_version: s.card_version.clone().unwrap_or_default(),
            text_hex: None,
            photo_fill: 0,
        }
    }
}

/// Writes `s` as UTF-16LE into `pieces`, filling each before running on into the next.
fn put(text: &mut [u8], pieces: &[Range<usize>], s: &str, what: &str) -> Result<(), String> {
    let units: Vec<u16> = s.encode_utf16().collect();
    let room: usize = pieces.iter().map(|r| r.len() / 2).sum();
    if units.len() > room {
        return Err(format!("{what} does not fit in {room} characters"));
    }
    let slots = pieces.iter().flat_map(|r| r.clone().step_by(2));
    for (u, at) in units.iter().zip(slots) {
        text[at..at + 2].copy_from_slice(&u.to_le_bytes());
    }
    Ok(())
}

/// Encodes a spec into the 256-byte text block a card would hold.
pub fn encode_text(spec: &CardSpec) -> Result<Vec<u8>, String> {
    if let Some(hex) = &spec.text_hex {
        let clean: String = hex.chars().filter(|c| !c.is_whitespace()).collect();
        let bytes: Result<Vec<u8>, _> =
            (0..clean.len() / 2 * 2).step_by(2).map(|i| u8::from_str_radix(&clean[i..i + 2], 16)).collect();
        let bytes = bytes.map_err(|e| format!("text_hex: {e}"))?;
        if bytes.len() != TEXT_LEN {
            return Err(format!("text_hex holds {} bytes, expected {TEXT_LEN}", bytes.len()));
        }
        return Ok(bytes);
    }
    let kind = match spec.kind.as_str() {
        "" | "resident" => CardKind::Resident,
        "J" => CardKind::HkMoTwResidence,
        "I" => CardKind::ForeignPermanentOld,
        "Y" => CardKind::ForeignPermanent2023,
        other => return Err(format!("unknown card kind {other:?} (resident, J, I or Y)")),
    };
    let mut t = vec![0u8; TEXT_LEN];
    for c in t.chunks_exact_mut(2) {
        c.copy_from_slice(&[b' ', 0]);
    }
    let sex = match spec.sex.as_str() {
        "男" => "1",
        "女" => "2",
        other => other,
    };
    let nation = nation_code(&spec.nation).unwrap_or_else(|| spec.nation.clone());
    let (slots, tag) = layout(kind);
    for (field, pieces) in slots {
        let (value, what) = match field {
            Field::Name => (spec.name.as_str(), "name"),
            Field::NameEn => (spec.name_en.as_str(), "name_en"),
            Field::Sex => (sex, "sex"),
            Field::Nation => (nation.as_str(), "nation"),
            Field::Nationality => (spec.nationality.as_str(), "nationality"),
            Field::Birth => (spec.birth_date.as_str(), "birth_date"),
            Field::Address => (spec.address.as_str(), "address"),
            Field::Number => (spec.id_number.as_str(), "id_number"),
            Field::Authority => (spec.authority.as_str(), "authority"),
            Field::ValidFrom => (spec.valid_from.as_str(), "valid_from"),
            Field::ValidTo => (spec.valid_to.as_str(), "valid_to"),
            Field::PassNumber => (spec.pass_number.as_str(), "pass_number"),
            Field::IssueCount => (spec.issue_count.as_str(), "issue_count"),
            Field::RenewalCount => (spec.renewal_count.as_str(), "renewal_count"),
            Field::CardVersion => (spec.card_version.as_str(), "card_version"),
        };
        put(&mut t, pieces, value, what)?;
    }
    if let Some(tag) = tag {
        put(&mut t, &[TYPE], tag, "type")?;
    }
    Ok(t)
}

/// Encodes the 70-byte 追加住址 block.
pub fn encode_extra_address(addr: &str) -> Result<Vec<u8>, String> {
    let mut t: Vec<u8> = std::iter::repeat_n([b' ', 0], EXTRA_ADDRESS_LEN / 2).flatten().collect();
    put(&mut t, &[0..EXTRA_ADDRESS_LEN], addr, "extra_address")?;
    Ok(t)
}

/// Why a card cannot be used for a service. Each has a message for the citizen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum CardProblem {
    /// The card's validity ended before today.
    Expired { valid_to: String },
    /// The card's validity starts after today.
    NotYetValid { valid_from: String },
    /// The number's GB 11643 check character is wrong.
    BadCheckDigit,
    /// The number is not in the card type's format.
    BadNumberFormat,
    /// The birth date in the number differs from the birth date field.
    BirthDateMismatch,
    /// A date field is not a calendar date.
    BadDate { field: String },
}

impl CardProblem {
    /// What the citizen reads on screen: what happened and what to do next.
    pub fn citizen_message_zh(&self) -> String {
        match self {
            CardProblem::Expired { valid_to } => format!(
                "您的证件已于{}过期，不能用于办理业务。请使用有效证件，或到人工窗口咨询。",
                format_date_zh(valid_to)
            ),
            CardProblem::NotYetValid { valid_from } => {
                format!("您的证件自{}起生效，目前还不能使用。请到人工窗口咨询。", format_date_zh(valid_from))
            }
            CardProblem::BadCheckDigit | CardProblem::BadNumberFormat | CardProblem::BirthDateMismatch => {
                "未能核验证件号码。请取下证件后重新放置；如仍不行，请到人工窗口办理。".to_string()
            }
            CardProblem::BadDate { .. } => {
                "证件上的日期无法识别。请取下证件后重新放置；如仍不行，请到人工窗口办理。".to_string()
            }
        }
    }

    pub fn citizen_message_en(&self) -> String {
        match self {
            CardProblem::Expired { valid_to } => {
                format!("Your card expired on {valid_to}. Please use a valid card, or ask at the service window.")
            }
            CardProblem::NotYetValid { valid_from } => {
                format!("Your card is valid from {valid_from}. Please ask at the service window.")
            }
            CardProblem::BadCheckDigit | CardProblem::BadNumberFormat | CardProblem::BirthDateMismatch => {
                "The card number could not be verified. Lift the card and place it again; if this keeps \
                 happening, please go to the service window."
                    .to_string()
            }
            CardProblem::BadDate { .. } => "A date on the card could not be read. Lift the card and place it \
                 again; if this keeps happening, please go to the service window."
                .to_string(),
        }
    }
}

impl std::fmt::Display for CardProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} / {}", self.citizen_message_zh(), self.citizen_message_en())
    }
}

impl IdCard {
    /// Everything that stops this card being used on `today` (YYYYMMDD, e.g. from
    /// `tables::today_cn()`). Empty means the card can be used.
    pub fn problems(&self, today: &str) -> Vec<CardProblem> {
        let mut out = Vec::new();
        let id = self.id_number.as_str();
        match self.kind {
            CardKind::Resident | CardKind::HkMoTwResidence | CardKind::ForeignPermanent2023 => {
                // The 2023 permanent residence card uses the GB 11643 structure (leading 9).
                if id.len() != 18 || !id.is_ascii() || !id[..17].bytes().all(|b| b.is_ascii_digit()) {
                    out.push(CardProblem::BadNumberFormat);
                } else if !gb11643_valid(id) {
                    out.push(CardProblem::BadCheckDigit);
                } else if id[6..14] != self.birth_date {
                    out.push(CardProblem::BirthDateMismatch);
                }
            }
            CardKind::ForeignPermanentOld => {
                // 2017 layout: 3 letters (nationality) + 12 digits; no published check digit.
                let ok = id.len() == 15
                    && id.bytes().take(3).all(|b| b.is_ascii_uppercase())
                    && id.bytes().skip(3).all(|b| b.is_ascii_digit());
                if !ok {
                    out.push(CardProblem::BadNumberFormat);
                }
            }
        }
        for (name, v) in [("birth_date", &self.birth_date), ("valid_from", &self.valid_from)] {
            if !valid_yyyymmdd(v) {
                out.push(CardProblem::BadDate { field: name.into() });
            }
        }
        if valid_yyyymmdd(&self.valid_from) && self.valid_from.as_str() > today {
            out.push(CardProblem::NotYetValid { valid_from: self.valid_from.clone() });
        }
        match &self.valid_to {
            Validity::LongTerm => {}
            Validity::Until(d) if !valid_yyyymmdd(d) => out.push(CardProblem::BadDate { field: "valid_to".into() }),
            Validity::Until(d) if d.as_str() < today => out.push(CardProblem::Expired { valid_to: d.clone() }),
            Validity::Until(_) => {}
        }
        out
    }

    /// The first problem, if any: `Err` carries the message to show the citizen.
    pub fn check_usable(&self, today: &str) -> Result<(), CardProblem> {
        match self.problems(today).into_iter().next() {
            Some(p) => Err(p),
            None => Ok(()),
        }
    }
}

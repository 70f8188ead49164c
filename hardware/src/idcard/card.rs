//! The 256-byte text block of a card (UCS-2LE, space padded): parsing for the resident
//! card and the 'J', 'I' and 'Y' layouts, the inverse encoder (for the emulator), and
//! the checks that decide whether a citizen can be served with the card.

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

fn field(text: &[u8], r: Range<usize>) -> String {
    decode_ucs2(&text[r])
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

/// Builds an `IdCard` from a text block and the raw WLT photo.
pub fn parse_card(text: &[u8], photo_wlt: &[u8]) -> Result<IdCard, TextError> {
    let kind = card_kind(text)?;
    let f = |r: Range<usize>| field(text, r);
    let mut sup = CardSupplement::default();
    let card = match kind {
        CardKind::Resident | CardKind::HkMoTwResidence => {
            let nation_raw = f(32..36);
            let nation = nation_name(&nation_raw).map(str::to_string).unwrap_or_else(|| nation_raw.clone());
            sup.nation_code = opt(nation_raw);
            if kind == CardKind::HkMoTwResidence {
                sup.pass_number = opt(f(220..238));
                sup.issue_count = opt(f(238..242));
            }
            IdCard {
                kind,
                name: f(0..30),
                name_en: None,
                sex: sex_from_code(&f(30..32)),
                nation,
                birth_date: f(36..52),
                address: f(52..122),
                id_number: f(122..158).to_ascii_uppercase(),
                authority: f(158..188),
                valid_from: f(188..204),
                valid_to: validity(f(204..220)),
                extra_address: None,
                photo_wlt: photo_wlt.to_vec(),
                supplement: sup,
            }
        }
        CardKind::ForeignPermanentOld => {
            let name_en = f(0..120);
            let name_zh = f(158..188);
            sup.card_version = opt(f(236..240));
            IdCard {
                kind,
                name: if name_zh.is_empty() { name_en.clone() } else { name_zh },
                name_en: opt(name_en),
                sex: sex_from_code(&f(120..122)),
                nation: f(152..158),
                birth_date: f(220..236),
                address: String::new(),
                id_number: f(122..152).to_ascii_uppercase(),
                authority: f(240..248),
                valid_from: f(188..204),
                valid_to: validity(f(204..220)),
                extra_address: None,
                photo_wlt: photo_wlt.to_vec(),
                supplement: sup,
            }
        }
        CardKind::ForeignPermanent2023 => {
            // The English name runs on from 52..122 into 220..242.
            let mut en = text[52..122].to_vec();
            en.extend_from_slice(&text[220..242]);
            let name_en = decode_ucs2(&en);
            let name_zh = f(0..30);
            sup.renewal_count = opt(f(32..36));
            IdCard {
                kind,
                name: if name_zh.is_empty() { name_en.clone() } else { name_zh },
                name_en: opt(name_en),
                sex: sex_from_code(&f(30..32)),
                nation: f(242..248),
                birth_date: f(36..52),
                address: String::new(),
                id_number: f(122..158).to_ascii_uppercase(),
                authority: f(158..188),
                valid_from: f(188..204),
                valid_to: validity(f(204..220)),
                extra_address: None,
                photo_wlt: photo_wlt.to_vec(),
                supplement: sup,
            }
        }
    };
    Ok(card)
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

fn put(text: &mut [u8], r: Range<usize>, s: &str, what: &str) -> Result<(), String> {
    let units: Vec<u16> = s.encode_utf16().collect();
    if units.len() * 2 > r.len() {
        return Err(format!("{what} does not fit in {} characters", r.len() / 2));
    }
    for (i, u) in units.iter().enumerate() {
        text[r.start + 2 * i..r.start + 2 * i + 2].copy_from_slice(&u.to_le_bytes());
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
    match spec.kind.as_str() {
        "" | "resident" | "J" => {
            put(&mut t, 0..30, &spec.name, "name")?;
            put(&mut t, 30..32, sex, "sex")?;
            if spec.kind != "J" {
                put(&mut t, 32..36, &nation, "nation")?;
            }
            put(&mut t, 36..52, &spec.birth_date, "birth_date")?;
            put(&mut t, 52..122, &spec.address, "address")?;
            put(&mut t, 122..158, &spec.id_number, "id_number")?;
            put(&mut t, 158..188, &spec.authority, "authority")?;
            put(&mut t, 188..204, &spec.valid_from, "valid_from")?;
            put(&mut t, 204..220, &spec.valid_to, "valid_to")?;
            if spec.kind == "J" {
                put(&mut t, 220..238, &spec.pass_number, "pass_number")?;
                put(&mut t, 238..242, &spec.issue_count, "issue_count")?;
                put(&mut t, TYPE, "J", "type")?;
            }
        }
        "I" => {
            put(&mut t, 0..120, &spec.name_en, "name_en")?;
            put(&mut t, 120..122, sex, "sex")?;
            put(&mut t, 122..152, &spec.id_number, "id_number")?;
            put(&mut t, 152..158, &spec.nationality, "nationality")?;
            put(&mut t, 158..188, &spec.name, "name")?;
            put(&mut t, 188..204, &spec.valid_from, "valid_from")?;
            put(&mut t, 204..220, &spec.valid_to, "valid_to")?;
            put(&mut t, 220..236, &spec.birth_date, "birth_date")?;
            put(&mut t, 236..240, &spec.card_version, "card_version")?;
            put(&mut t, 240..248, &spec.authority, "authority")?;
            put(&mut t, TYPE, "I", "type")?;
        }
        "Y" => {
            put(&mut t, 0..30, &spec.name, "name")?;
            put(&mut t, 30..32, sex, "sex")?;
            put(&mut t, 32..36, &spec.renewal_count, "renewal_count")?;
            put(&mut t, 36..52, &spec.birth_date, "birth_date")?;
            let en: Vec<u16> = spec.name_en.encode_utf16().collect();
            let (head, tail) = en.split_at(en.len().min(35));
            put(&mut t, 52..122, &String::from_utf16_lossy(head), "name_en")?;
            put(&mut t, 220..242, &String::from_utf16_lossy(tail), "name_en")?;
            put(&mut t, 122..158, &spec.id_number, "id_number")?;
            put(&mut t, 158..188, &spec.authority, "authority")?;
            put(&mut t, 188..204, &spec.valid_from, "valid_from")?;
            put(&mut t, 204..220, &spec.valid_to, "valid_to")?;
            put(&mut t, 242..248, &spec.nationality, "nationality")?;
            put(&mut t, TYPE, "Y", "type")?;
        }
        other => return Err(format!("unknown card kind {other:?} (resident, J, I or Y)")),
    }
    Ok(t)
}

/// Encodes the 70-byte 追加住址 block.
pub fn encode_extra_address(addr: &str) -> Result<Vec<u8>, String> {
    let mut t: Vec<u8> = std::iter::repeat_n([b' ', 0], EXTRA_ADDRESS_LEN / 2).flatten().collect();
    put(&mut t, 0..EXTRA_ADDRESS_LEN, addr, "extra_address")?;
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

//! Card parsing, checks and the driver over an in-memory fake (no pty).

use kiosk_hardware::idcard::card::{decode_ucs2, encode_text, parse_card, PHOTO_LEN};
use kiosk_hardware::idcard::codec::{encode_response, Decoder, Request, Sw3};
use kiosk_hardware::idcard::emulator::load_cards;
use kiosk_hardware::idcard::{
    demo_card, CardKind, CardProblem, CardSpec, IdCard, IdCardError, IdCardReader, IdCardStatus, SamConfig, SamReader,
    Sex, Validity,
};
use std::collections::VecDeque;
use std::io::{self, Read, Write};
use std::path::Path;
use std::sync::{Arc, Mutex};

const TODAY: &str = "20260115";

fn fixtures() -> Vec<CardSpec> {
    load_cards(&Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/idcard/cards.json")).unwrap().0
}

fn roundtrip(spec: &CardSpec) -> IdCard {
    let text = encode_text(spec).unwrap();
    assert_eq!(text.len(), 256);
    parse_card(&text, &[7u8; PHOTO_LEN]).unwrap()
}

#[test]
fn resident_card_with_name_outside_bmp() {
    let c = roundtrip(&fixtures()[0]);
    assert_eq!(c.kind, CardKind::Resident);
    assert_eq!(c.name, "张晓𠮷");
    assert_eq!(c.sex, Sex::Female);
    assert_eq!(c.nation, "汉");
    assert_eq!(c.supplement.nation_code.as_deref(), Some("01"));
    assert_eq!(c.birth_date, "19900307");
    assert_eq!(c.address, "河南省新乡市红旗区平原路100号");
    assert_eq!(c.id_number, "410702199003070046");
    assert_eq!(c.authority, "新乡市公安局红旗分局");
    assert_eq!(c.valid_to, Validity::Until("20400101".into()));
    assert_eq!(c.photo_wlt, vec![7u8; PHOTO_LEN]);
    assert!(c.problems(TODAY).is_empty());
}

#[test]
fn long_term_validity_and_nation_by_name() {
    let c = roundtrip(&fixtures()[1]);
    assert_eq!(c.valid_to, Validity::LongTerm);
    assert_eq!(c.nation, "汉");
    assert_eq!(c.sex, Sex::Male);
    assert!(c.problems(TODAY).is_empty());
}

#[test]
fn hk_macao_taiwan_residence_permit() {
    let c = roundtrip(&fixtures()[2]);
    assert_eq!(c.kind, CardKind::HkMoTwResidence);
    assert_eq!(c.name, "陈家明");
    assert_eq!(c.nation, "", "J cards leave the nation field blank (reserved)");
    assert_eq!(c.supplement.pass_number.as_deref(), Some("H60123456"));
    assert_eq!(c.supplement.issue_count.as_deref(), Some("02"));
    assert!(c.problems(TODAY).is_empty());
}

#[test]
fn foreign_permanent_old_layout() {
    let c = roundtrip(&fixtures()[3]);
    assert_eq!(c.kind, CardKind::ForeignPermanentOld);
    assert_eq!(c.name, "史密斯");
    assert_eq!(c.name_en.as_deref(), Some("SMITH, JOHN ROBERT"));
    assert_eq!(c.nation, "USA");
    assert_eq!(c.birth_date, "19780512");
    assert_eq!(c.id_number, "USA110078051201");
    assert_eq!(c.valid_from, "20180601");
    assert_eq!(c.supplement.card_version.as_deref(), Some("01"));
    assert_eq!(c.authority, "1100");
    assert!(c.problems(TODAY).is_empty());
}

#[test]
fn foreign_permanent_2023_layout_with_long_english_name() {
    let c = roundtrip(&fixtures()[4]);
    assert_eq!(c.kind, CardKind::ForeignPermanent2023);
    assert_eq!(c.name, "玛丽亚");
    assert_eq!(c.name_en.as_deref(), Some("MARTINEZ GONZALEZ, MARIA DE LOS ANGELES"));
    assert_eq!(c.nation, "USA");
    assert_eq!(c.supplement.renewal_count.as_deref(), Some("00"));
    assert!(c.problems(TODAY).is_empty());
}

#[test]
fn expired_card_gets_a_citizen_message() {
    let c = roundtrip(&fixtures()[5]);
    assert_eq!(c.nation, "回");
    let p = c.check_usable(TODAY).unwrap_err();
    assert_eq!(p, CardProblem::Expired { valid_to: "20200101".into() });
    assert!(p.citizen_message_zh().contains("2020年01月01日过期"), "{}", p.citizen_message_zh());
    assert!(p.citizen_message_en().contains("expired"));
    assert!(!p.to_string().contains("43052419880808111X"));
}

#[test]
fn bad_check_digit_and_birth_mismatch() {
    let c = roundtrip(&fixtures()[6]);
    assert_eq!(c.problems(TODAY), vec![CardProblem::BadCheckDigit]);
    assert!(c.check_usable(TODAY).unwrap_err().citizen_message_zh().contains("人工窗口"));
    let mut spec = fixtures()[0].clone();
    spec.birth_date = "19900308".into();
    assert_eq!(roundtrip(&spec).problems(TODAY), vec![CardProblem::BirthDateMismatch]);
    spec.birth_date = "19900230".into();
    spec.id_number = "41070219900307004".into();
    let p = roundtrip(&spec).problems(TODAY);
    assert!(
        p.contains(&CardProblem::BadNumberFormat) && p.contains(&CardProblem::BadDate { field: "birth_date".into() })
    );
}

#[test]
fn not_yet_valid_and_last_valid_day() {
    let mut spec = fixtures()[0].clone();
    spec.valid_to = TODAY.into();
    assert!(roundtrip(&spec).problems(TODAY).is_empty(), "valid through its last day");
    spec.valid_from = "20270101".into();
    assert_eq!(roundtrip(&spec).problems(TODAY), vec![CardProblem::NotYetValid { valid_from: "20270101".into() }]);
}

#[test]
fn trimming_and_unknown_type() {
    let mut units: Vec<u8> = "  李 ".encode_utf16().flat_map(u16::to_le_bytes).collect();
    units.extend([0, 0, 0x00, 0x30]);
    assert_eq!(decode_ucs2(&units), "李");
    // A lone surrogate becomes U+FFFD instead of failing.
    assert_eq!(decode_ucs2(&[0x42, 0xD8, 0x41, 0x00]), "\u{FFFD}A");
    let mut text = encode_text(&fixtures()[0]).unwrap();
    text[248] = b'Z';
    assert!(parse_card(&text, &[]).is_err());
    assert!(parse_card(&text[..200], &[]).is_err());
}

#[test]
fn demo_card_round_trips_through_spec() {
    let demo = demo_card();
    let back = roundtrip(&CardSpec::from_card(&demo));
    assert_eq!(back.name, demo.name);
    assert_eq!(back.id_number, demo.id_number);
    assert_eq!(back.nation, demo.nation);
    assert!(demo.problems(TODAY).is_empty());
    for spec in fixtures().iter().take(5) {
        let c = roundtrip(spec);
        assert_eq!(&CardSpec::from_card(&c).name_en, &spec.name_en);
        assert_eq!(roundtrip(&CardSpec::from_card(&c)), c);
    }
}

#[test]
fn oversize_field_is_rejected() {
    let mut spec = fixtures()[0].clone();
    spec.name = "名".repeat(16);
    assert!(encode_text(&spec).unwrap_err().contains("name"));
}

/// An in-memory reader: answers each request from a script, or like a reader with one card.
#[derive(Clone, Default)]
struct Fake {
    inbox: Arc<Mutex<Decoder>>,
    outbox: Arc<Mutex<VecDeque<u8>>>,
    log: Arc<Mutex<Vec<(u8, u8)>>>,
    card: Arc<Mutex<Option<Vec<u8>>>>,
}

impl Write for Fake {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let mut d = self.inbox.lock().unwrap();
        d.push(buf);
        while let Some(Ok(f)) = d.next_frame() {
            let r = Request::from_frame(&f).unwrap();
            self.log.lock().unwrap().push((r.cmd, r.para));
            let card = self.card.lock().unwrap().clone();
            let answer = match ((r.cmd, r.para), card) {
                ((0x20, 0x01), Some(_)) => encode_response(Sw3::FindOk, &[0; 4]),
                ((0x20, 0x01), None) => encode_response(Sw3::FindFailed, &[]),
                ((0x30, 0x01), Some(text)) => {
                    let mut d = vec![0x01, 0x00, 0x04, 0x00];
                    d.extend(text);
                    d.extend([0u8; 1024]);
                    encode_response(Sw3::Ok, &d)
                }
                ((0x30, 0x03), _) => encode_response(Sw3::NoSuchItem, &[]),
                ((0x12, 0xFF), _) => encode_response(Sw3::Ok, &[0x11; 16]),
                ((0x11, 0xFF), _) => encode_response(Sw3::SamSelfTestFailed, &[]),
                ((0x10, 0xFF), _) => encode_response(Sw3::Ok, &[]),
                _ => encode_response(Sw3::Ok, &[0; 8]),
            };
            self.outbox.lock().unwrap().extend(answer);
        }
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Read for Fake {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let mut o = self.outbox.lock().unwrap();
        if o.is_empty() {
            return Err(io::ErrorKind::TimedOut.into());
        }
        let n = buf.len().min(o.len());
        for b in buf.iter_mut().take(n) {
            *b = o.pop_front().unwrap();
        }
        Ok(n)
    }
}

#[test]
fn driver_over_fake_reports_sam_self_test_failure() {
    let fake = Fake::default();
    let mut r = SamReader::from_io(fake.clone(), SamConfig { command_timeout_ms: 50, ..SamConfig::default() });
    let e = r.poll().unwrap_err();
    assert!(matches!(e, IdCardError::Sam { sw3: Sw3::SamSelfTestFailed, .. }), "{e}");
    assert!(e.to_string().contains("SAM 自检失败"), "{e}");
    assert!(matches!(r.status(), IdCardStatus::Fault(_)));
    assert_eq!(&fake.log.lock().unwrap()[..2], &[(0x10, 0xFF), (0x11, 0xFF)]);
}

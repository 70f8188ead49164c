//! The real driver against the emulator over a pty pair (the real wire protocol).

use kiosk_hardware::idcard::emulator::load_cards;
use kiosk_hardware::idcard::{
    diag_read_one, CardKind, CardSpec, Emulator, EmulatorConfig, Fault, IdCard, IdCardError, IdCardReader,
    IdCardStatus, SamReader, Sw3, Validity,
};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

fn fixtures() -> Vec<CardSpec> {
    load_cards(&Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/idcard/cards.json")).unwrap().0
}

fn start(cards: Vec<CardSpec>, dir: &tempfile::TempDir) -> Emulator {
    Emulator::start(EmulatorConfig { link: Some(dir.path().join("idcard")), cards, ..Default::default() }).unwrap()
}

/// Polls until a card comes (or `limit` passes), returning the last error too.
fn poll_card(r: &mut SamReader, limit: Duration) -> Result<IdCard, IdCardError> {
    let t = Instant::now();
    let mut last = IdCardError::Timeout;
    while t.elapsed() < limit {
        match r.poll() {
            Ok(Some(c)) => return Ok(c),
            Ok(None) => {}
            Err(e) => last = e,
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    Err(last)
}

#[test]
fn reads_every_card_type_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let specs = fixtures();
    let emu = start(specs.clone(), &dir);
    let mut r = emu.reader();
    let statuses = Arc::new(Mutex::new(Vec::new()));
    let s2 = statuses.clone();
    r.on_status(move |s| s2.lock().unwrap().push(s.clone()));

    let first = r.poll().unwrap().expect("first card at once");
    assert_eq!(&emu.command_log()[..6], &[(0x10, 0xFF), (0x11, 0xFF), (0x12, 0xFF), (0x20, 1), (0x20, 2), (0x30, 1)]);
    assert_eq!(first.name, "张晓𠮷");
    assert_eq!(first.extra_address.as_deref(), Some("河南省新乡市牧野区人民路2号"));
    assert_eq!(first.photo_wlt.len(), 1024);
    assert!(r.sam_id().unwrap().starts_with("0500010020240101"));
    // Between two cards the field is empty for one find.
    assert!(r.poll().unwrap().is_none());
    let mut got = vec![first];
    for _ in 1..specs.len() {
        got.push(poll_card(&mut r, Duration::from_secs(2)).unwrap());
    }
    let kinds: Vec<CardKind> = got.iter().map(|c| c.kind).collect();
    use CardKind::*;
    assert_eq!(
        kinds,
        [Resident, Resident, HkMoTwResidence, ForeignPermanentOld, ForeignPermanent2023, Resident, Resident]
    );
    assert_eq!(got[1].valid_to, Validity::LongTerm);
    assert_eq!(got[1].extra_address, None, "30 03 answered 91");
    assert_eq!(got[3].name_en.as_deref(), Some("SMITH, JOHN ROBERT"));
    assert!(r.poll().unwrap().is_none());
    assert_eq!(r.status(), IdCardStatus::NoCard);
    let seen = statuses.lock().unwrap().clone();
    assert_eq!(seen[0], IdCardStatus::NoCard);
    assert!(seen.contains(&IdCardStatus::Ready));
}

#[test]
fn card_must_leave_the_field_before_it_is_reported_again() {
    let dir = tempfile::tempdir().unwrap();
    let emu = start(vec![], &dir);
    emu.set_sticky(true);
    let mut r = emu.reader();
    assert!(r.poll().unwrap().is_none());
    emu.place(&fixtures()[0]).unwrap();
    assert!(r.poll().unwrap().is_some());
    for _ in 0..5 {
        assert!(r.poll().unwrap().is_none(), "same card still in the field");
    }
    emu.remove_card();
    assert!(r.poll().unwrap().is_none());
    emu.place(&fixtures()[0]).unwrap();
    assert!(r.poll().unwrap().is_some(), "placed again: reported again");
}

#[test]
fn transport_faults_are_survived() {
    let dir = tempfile::tempdir().unwrap();
    let emu = start(vec![], &dir);
    let mut r = emu.reader();
    assert!(r.poll().unwrap().is_none());
    let spec = fixtures()[0].clone();
    let faults = [
        Fault::BadChecksum,
        Fault::Split { chunk: 7, gap: Duration::from_millis(3) },
        Fault::Garbage(vec![0x00, 0xAA, 0xAA, 0x13, 0x96, 0xFF, 0xAA]),
        Fault::Slow(Duration::from_millis(150)),
        // Later than the 300 ms timeout: the late answer must not be taken for the next one's.
        Fault::Slow(Duration::from_millis(450)),
        Fault::Silent,
        Fault::NoCard,
    ];
    for f in faults {
        emu.enqueue(spec.clone()).unwrap();
        emu.inject(f.clone());
        let c = poll_card(&mut r, Duration::from_secs(3)).unwrap_or_else(|e| panic!("{f:?}: {e}"));
        assert_eq!(c.id_number, "410702199003070046", "{f:?}");
        assert!(r.poll().unwrap().is_none());
    }
    // Faults on the big read answer too.
    emu.set_split(Some((100, Duration::from_millis(1))));
    emu.enqueue(spec.clone()).unwrap();
    emu.inject(Fault::Garbage(vec![0x55; 40]));
    assert!(poll_card(&mut r, Duration::from_secs(3)).is_ok());
    emu.clear_faults();
    let st = r.stats().clone();
    assert!(st.retries >= 2 && st.bad_frames >= 1 && st.timeouts >= 1, "{st:?}");
}

#[test]
fn sam_failure_codes_reach_the_caller_with_their_meaning() {
    let dir = tempfile::tempdir().unwrap();
    let emu = start(vec![], &dir);
    let mut r = emu.reader();
    assert!(r.poll().unwrap().is_none());
    let spec = fixtures()[0].clone();
    // A failed read is retried (bounded); three failures in a row reach the caller.
    emu.enqueue(spec.clone()).unwrap();
    emu.inject_n(Fault::Sam { cmd: 0x30, para: 0x01, sw3: 0x41 }, 3);
    let e = r.poll().unwrap_err();
    assert!(matches!(e, IdCardError::Sam { sw3: Sw3::ReadFailed, .. }), "{e}");
    assert!(e.to_string().contains("读证/卡操作失败"), "{e}");
    assert!(matches!(r.status(), IdCardStatus::Fault(_)));
    // One failure is absorbed by a retry.
    emu.inject(Fault::Sam { cmd: 0x30, para: 0x01, sw3: 0x41 });
    assert!(poll_card(&mut r, Duration::from_secs(2)).is_ok());
    // A find failing with a SAM error is a fault at once.
    emu.inject(Fault::Sam { cmd: 0x20, para: 0x01, sw3: 0x60 });
    let e = r.poll().unwrap_err();
    assert!(e.to_string().contains("SAM 自检失败"), "{e}");
    for (sw3, want) in [(0x80u8, "寻找证/卡不成功"), (0x81, "选取证/卡不成功"), (0x24, "无法识别的错误")]
    {
        assert!(Sw3::from_byte(sw3).to_string().contains(want));
    }
}

#[test]
fn unplug_and_replug_reconnects_within_two_seconds() {
    let dir = tempfile::tempdir().unwrap();
    let emu = start(vec![], &dir);
    let mut r = emu.reader();
    assert!(r.poll().unwrap().is_none());
    emu.unplug();
    let e = r.poll().unwrap_err();
    assert!(matches!(e, IdCardError::Disconnected(_)), "{e}");
    assert_eq!(r.status(), IdCardStatus::Disconnected);
    for _ in 0..3 {
        assert!(matches!(r.poll(), Err(IdCardError::Disconnected(_))));
        std::thread::sleep(Duration::from_millis(50));
    }
    emu.replug().unwrap();
    emu.enqueue(fixtures()[1].clone()).unwrap();
    let back = Instant::now();
    let c = poll_card(&mut r, Duration::from_secs(2)).expect("reconnected within 2 s");
    let took = back.elapsed();
    assert_eq!(c.name, "欧阳长青");
    assert!(took < Duration::from_secs(2), "{took:?}");
    assert_eq!(r.stats().reconnects, 2);
    // Start-up sequence ran again on the new port.
    let log = emu.command_log();
    assert_eq!(log.iter().filter(|c| **c == (0x10, 0xFF)).count(), 2);
}

#[test]
fn fingerprint_read() {
    let dir = tempfile::tempdir().unwrap();
    let emu = start(vec![fixtures()[2].clone()], &dir);
    let mut cfg = emu.reader_config();
    cfg.read_fingerprint = true;
    let mut r = SamReader::new(cfg);
    let card = poll_card(&mut r, Duration::from_secs(3)).unwrap();
    assert_eq!(card.kind, CardKind::HkMoTwResidence);
    assert_eq!(card.supplement.fingerprint.len(), 1024);
    assert!(emu.command_log().contains(&(0x30, 0x10)));
}

#[test]
fn diag_masks_unless_revealed() {
    let dir = tempfile::tempdir().unwrap();
    let emu = start(vec![fixtures()[0].clone(), fixtures()[0].clone()], &dir);
    let v = diag_read_one(&emu.port_path(), 115_200, false, Duration::from_secs(3)).unwrap();
    assert_eq!(v["id_number"], "4107**********0046");
    assert_eq!(v["name"], "张**");
    assert!(!v.to_string().contains("410702199003070046"));
    assert!(!v.to_string().contains("平原路"));
    let v = diag_read_one(&emu.port_path(), 115_200, true, Duration::from_secs(3)).unwrap();
    assert_eq!(v["id_number"], "410702199003070046");
    assert_eq!(v["problems"].as_array().unwrap().len(), 0);
    // No card: a failure whose message says what SW3 meant.
    let e = diag_read_one(&emu.port_path(), 115_200, false, Duration::from_millis(400)).unwrap_err();
    assert!(e.to_string().contains("SW3 80"), "{e}");
    emu.inject_n(Fault::Sam { cmd: 0x11, para: 0xFF, sw3: 0x66 }, 3);
    let e = diag_read_one(&emu.port_path(), 115_200, false, Duration::from_secs(1)).unwrap_err();
    assert!(e.to_string().contains("SAM 未经授权"), "{e}");
    let e = diag_read_one(&dir.path().join("absent").to_string_lossy(), 115_200, false, Duration::from_secs(1))
        .unwrap_err();
    assert!(matches!(e, IdCardError::Disconnected(_)));
}

#[test]
fn diag_shows_the_j_and_y_extras() {
    let dir = tempfile::tempdir().unwrap();
    let (j, y) = (fixtures()[2].clone(), fixtures()[4].clone());
    let emu = start(vec![j.clone(), j, y], &dir);
    let read = |reveal| diag_read_one(&emu.port_path(), 115_200, reveal, Duration::from_secs(3)).unwrap();
    // 港澳台居民居住证: pass number (masked unless revealed) and issue count.
    let v = read(false);
    assert_eq!(v["kind"], "HkMoTwResidence");
    assert_eq!((v["pass_number"].as_str(), v["issue_count"].as_str()), (Some("H******56"), Some("02")));
    assert!(!v.to_string().contains("H60123456"), "{v}");
    assert!(v["renewal_count"].is_null() && v["nationality"].is_null(), "{v}");
    let v = read(true);
    assert_eq!(v["pass_number"], "H60123456");
    // 外国人永久居留身份证 (2023): English name, nationality, renewal count.
    let v = read(false);
    assert_eq!(v["kind"], "ForeignPermanent2023");
    let name_en = v["name_en"].as_str().unwrap();
    assert!(name_en.starts_with("M*") && !name_en.contains("MARTINEZ"), "{name_en}");
    assert_eq!((v["nationality"].as_str(), v["renewal_count"].as_str()), (Some("USA"), Some("00")));
    assert!(v["pass_number"].is_null() && v["issue_count"].is_null(), "{v}");
    assert_eq!(v["id_number"], "9118**********0019");
}

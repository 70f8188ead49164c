//! The technician's self-tests against the real emulators (SAM reader on a pty, the
//! virtual ESC/POS printer on a pty, the synthetic camera) and the intake simulator on
//! loopback: what each reports, that nothing personal shows, that both QR codes of the
//! test page scan, and that an unplugged device answers quickly and plainly.

mod intake_support;
#[path = "support/qr.rs"]
mod qr;
use qr::decode_qrs;

use kiosk::ops::{SelfTestKind, SelfTestReport};
use kiosk::runtime::selftest::{self, Facts, Limits};
use kiosk::runtime::Devices;
use kiosk_hardware::idcard::{demo_card, CardSpec, Emulator, EmulatorConfig, SamConfig, SamReader};
use kiosk_hardware::printer::{EscPosPrinter, PrinterProfile, PtyPrinter, TransportConfig};
use kiosk_hardware::scanner::Scanner;
use std::path::PathBuf;
use std::time::{Duration, Instant};

const TERMINAL: &str = "XX-0001";

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap()
}

fn shots() -> PathBuf {
    let d = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/screenshots/maintenance");
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// The demo configuration's devices (emulators, the demo hand on the reader).
fn demo() -> (Devices, kiosk::devices::DemoRig, tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = kiosk::config::Config::demo();
    cfg.terminal.data_dir = dir.path().join("data");
    let profile = cfg.devices.printer.profile.as_deref().and_then(PrinterProfile::by_id).unwrap();
    let (devices, rig) = kiosk::devices::open(&cfg).unwrap();
    (devices, rig, dir, profile.name)
}

/// Devices nobody plugged in: a reader port, a printer port and a camera node that do
/// not exist.
fn absent() -> Devices {
    let printer = kiosk::devices::LatePrinter::open(
        TransportConfig::parse("serial:/dev/kiosk-selftest-no-printer@115200").unwrap(),
        PrinterProfile::generic(80),
    );
    Devices::new(
        Box::new(SamReader::new(SamConfig::new("/dev/kiosk-selftest-no-reader", 115_200))),
        Box::new(printer),
        Box::new(Scanner::uvc("/dev/kiosk-selftest-no-camera")),
    )
}

fn facts(profile: &str) -> Facts {
    Facts {
        printer_profile: profile.into(),
        endpoint: None,
        client: None,
        terminal_id: TERMINAL.into(),
        tz: chrono_tz::Asia::Shanghai,
    }
}

fn run(
    rt: &tokio::runtime::Runtime,
    kind: SelfTestKind,
    d: &Devices,
    f: &Facts,
    l: &Limits,
) -> (SelfTestReport, Duration) {
    let at = Instant::now();
    let r = rt.block_on(selftest::run_with(kind, d.clone(), f.clone(), l));
    let took = at.elapsed();
    eprintln!("{} ({took:?}): {}", kind.name(), serde_json::to_string_pretty(&r).unwrap());
    (r, took)
}

fn step<'a>(r: &'a SelfTestReport, name: &str) -> &'a kiosk::ops::Step {
    r.steps.iter().find(|s| s.name == name).unwrap_or_else(|| panic!("no step {name} in {r:?}"))
}

#[test]
fn reader_reports_the_sam_and_a_masked_card() {
    let (devices, rig, _dir, profile) = demo();
    let rt = rt();
    // The demo hand lays the demo card on the reader once it has been polled a moment.
    let (r, took) = run(&rt, SelfTestKind::Reader, &devices, &facts(&profile), &Limits::default());
    assert!(r.ok, "{r:?}");
    assert_eq!(step(&r, "SAM 编号").detail, "0500010020240101000000014B494F53");
    assert!(step(&r, "SAM 模块").ok);
    let card = demo_card();
    let read = &step(&r, "读卡").detail;
    assert!(read.contains("居民身份证") && read.contains("张**") && read.contains("4107**********0046"), "{read}");
    assert!(read.contains("2040-01-01") && read.contains("在有效期内"), "{read}");
    let json = serde_json::to_string(&r).unwrap();
    assert!(!json.contains(&card.name), "the name never shows: {json}");
    let digits: Vec<char> = card.id_number.chars().collect();
    for w in digits.windows(6) {
        let w: String = w.iter().collect();
        assert!(!json.contains(&w), "{w} of the number shows: {json}");
    }
    assert!(!json.contains("平原路") && !json.contains(&card.address), "never the address");
    assert!(took < Duration::from_secs(10), "{took:?}");
    let log = rig.idcard.as_ref().unwrap().command_log();
    assert!(log.contains(&(0x12, 0xFF)) && log.contains(&(0x30, 0x01)), "{log:?}");
}

#[test]
fn reader_without_a_card_is_fine_and_says_so() {
    let emu = Emulator::start(EmulatorConfig::default()).unwrap();
    let devices = Devices::new(Box::new(emu.reader()), absent_printer(), Box::new(Scanner::uvc("/dev/kiosk-no-cam")));
    let rt = rt();
    let limits = Limits { card_wait: Duration::from_secs(2), ..Limits::default() };
    let (r, took) = run(&rt, SelfTestKind::Reader, &devices, &facts("x"), &limits);
    assert!(r.ok, "the SAM answered: {r:?}");
    assert!(r.summary.contains("未放卡") && step(&r, "读卡").detail.contains("未放卡"), "{r:?}");
    assert!(took < Duration::from_secs(5), "{took:?}");

    // A card laid on it now is read.
    emu.place(&CardSpec::from_card(&demo_card())).unwrap();
    let (r, _) = run(&rt, SelfTestKind::Reader, &devices, &facts("x"), &limits);
    assert!(r.ok && step(&r, "读卡").detail.contains("张**"), "{r:?}");
}

fn absent_printer() -> Box<dyn kiosk_hardware::ReceiptPrinter> {
    Box::new(kiosk::devices::LatePrinter::open(
        TransportConfig::parse("serial:/dev/kiosk-selftest-no-printer@115200").unwrap(),
        PrinterProfile::generic(80),
    ))
}

#[test]
fn unplugged_devices_answer_plainly_and_quickly() {
    let devices = absent();
    let rt = rt();
    let f = facts("Generic 80 mm ESC/POS (GBK)");
    let (r, took) = run(&rt, SelfTestKind::Reader, &devices, &f, &Limits::default());
    assert!(!r.ok);
    assert_eq!(r.summary, "读卡器未连接：请检查 USB/串口线并重新插拔");
    assert!(took < Duration::from_secs(3), "{took:?}");

    let (r, took) = run(&rt, SelfTestKind::Printer, &devices, &f, &Limits::default());
    assert!(!r.ok);
    assert!(r.summary.contains("打印机未连接") && r.summary.contains("检查电源和数据线"), "{r:?}");
    assert!(took < Duration::from_secs(3), "{took:?}");

    let (r, took) = run(&rt, SelfTestKind::Scanner, &devices, &f, &Limits::default());
    assert!(!r.ok);
    assert!(r.summary.contains("高拍仪未连接"), "{r:?}");
    assert!(r.preview.is_none());
    assert!(took < Duration::from_secs(3), "{took:?}");

    // A reader that was working and is pulled out.
    let emu = Emulator::start(EmulatorConfig::default()).unwrap();
    let devices = Devices::new(Box::new(emu.reader()), absent_printer(), Box::new(Scanner::uvc("/dev/kiosk-no-cam")));
    let limits = Limits { card_wait: Duration::from_secs(1), ..Limits::default() };
    assert!(run(&rt, SelfTestKind::Reader, &devices, &f, &limits).0.ok);
    emu.unplug();
    let (r, took) = run(&rt, SelfTestKind::Reader, &devices, &f, &limits);
    assert!(!r.ok && r.summary.contains("读卡器未连接"), "{r:?}");
    assert!(took < Duration::from_secs(5), "{took:?}");
}

#[test]
fn printer_test_page_scans_both_qr_codes() {
    let (devices, rig, _dir, profile) = demo();
    let vp = rig.printer.as_ref().unwrap().handle.clone();
    let rt = rt();
    let (r, took) = run(&rt, SelfTestKind::Printer, &devices, &facts(&profile), &Limits::default());
    assert!(r.ok, "{r:?}");
    assert_eq!(step(&r, "状态").detail, "正常");
    assert!(step(&r, "测试页").detail.contains(&profile), "{r:?}");
    let receipts = vp.wait_receipts(1, Duration::from_secs(30));
    assert_eq!(receipts.len(), 1, "one page, cut");
    let page = &receipts[0];
    assert!(page.complete);
    std::fs::write(shots().join("testpage.png"), &page.png).unwrap();
    std::fs::write(shots().join("testpage-80mm.png"), &page.png).unwrap();
    check_page(page, &profile, 576);
    eprintln!("printer self-test 80 mm: {took:?}, page {}×{} dots", page.width, page.height);

    // A 58 mm printer without native QR, driven directly: the driver tells its profile.
    let vp58 = PtyPrinter::spawn(384, None, None).unwrap();
    let p58 = PrinterProfile::by_id("masung-ms-fpt206").unwrap();
    let printer = EscPosPrinter::open(&TransportConfig::parse(&vp58.spec()).unwrap(), p58.clone()).unwrap();
    let devices =
        Devices::new(Box::new(emu_less_reader()), Box::new(printer), Box::new(Scanner::uvc("/dev/kiosk-no-cam")));
    let (r, _) = run(&rt, SelfTestKind::Printer, &devices, &facts(""), &Limits::default());
    assert!(r.ok, "{r:?}");
    assert!(step(&r, "测试页").detail.contains("本型号以图像打印"), "{r:?}");
    let receipts = vp58.handle.wait_receipts(1, Duration::from_secs(30));
    std::fs::write(shots().join("testpage-58mm.png"), &receipts[0].png).unwrap();
    check_page(&receipts[0], &p58.name, 384);
}

fn emu_less_reader() -> SamReader {
    SamReader::new(SamConfig::new("/dev/kiosk-selftest-no-reader", 115_200))
}

fn check_page(page: &kiosk_hardware::printer::Receipt, profile_name: &str, dots: u32) {
    assert_eq!(page.width, dots);
    // Lines wrap at the paper's columns (a space at a break is dropped): compare
    // without white space.
    let flat = |s: &str| s.chars().filter(|c| !c.is_whitespace()).collect::<String>();
    let text = flat(&page.text);
    for want in ["打印测试页", TERMINAL, profile_name, "生僻字", "珺", "龑", "𠮷", "䶮", "𡈼", "㛃", "可打印宽度"]
    {
        assert!(text.contains(&flat(want)), "{want} on the page: {}", page.text);
    }
    let qrs = decode_qrs(&page.png);
    let native = format!("KIOSK-SELFTEST/NATIVE/{TERMINAL}/");
    let raster = format!("KIOSK-SELFTEST/RASTER/{TERMINAL}/");
    assert!(qrs.iter().any(|q| q.starts_with(&native)), "native QR scans: {qrs:?}");
    assert!(qrs.iter().any(|q| q.starts_with(&raster)), "raster QR scans: {qrs:?}");
    assert_eq!(qrs.len(), 2, "{qrs:?}");
}

#[test]
fn printer_out_of_paper_or_open_says_what_to_do() {
    let (devices, rig, _dir, profile) = demo();
    let vp = rig.printer.as_ref().unwrap().handle.clone();
    let rt = rt();
    vp.set_state(|s| s.paper_out = true);
    let (r, took) = run(&rt, SelfTestKind::Printer, &devices, &facts(&profile), &Limits::default());
    assert!(!r.ok);
    assert!(step(&r, "状态").detail.contains("换纸") && r.summary.contains("换纸"), "{r:?}");
    assert!(took < Duration::from_secs(5), "{took:?}");
    vp.set_state(|s| {
        s.paper_out = false;
        s.cover_open = true;
    });
    let (r, _) = run(&rt, SelfTestKind::Printer, &devices, &facts(&profile), &Limits::default());
    assert!(!r.ok && r.summary.contains("合上纸仓盖"), "{r:?}");
    assert!(vp.receipts().is_empty(), "nothing printed");

    // Paper running out in the middle of the page.
    vp.set_state(|s| {
        s.cover_open = false;
        s.paper_left = Some(300);
    });
    let (r, _) = run(&rt, SelfTestKind::Printer, &devices, &facts(&profile), &Limits::default());
    assert!(!r.ok && step(&r, "测试页").detail.contains("换纸"), "{r:?}");
}

#[test]
fn scanner_reports_quality_and_a_small_preview() {
    let (devices, _rig, _dir, profile) = demo();
    let rt = rt();
    let (r, took) = run(&rt, SelfTestKind::Scanner, &devices, &facts(&profile), &Limits::default());
    assert!(r.ok, "{r:?}");
    let framing = &step(&r, "取景").detail;
    assert!(framing.contains("亮度") && framing.contains("找到材料") && framing.contains("倾斜"), "{framing}");
    let shot = &step(&r, "拍摄").detail;
    assert!(shot.contains("σ=") && shot.contains("JPEG"), "{shot}");
    let p = r.preview.as_ref().expect("a preview for the screen");
    assert!(p.width <= 320 && p.width > 100 && p.height > 50, "{}×{}", p.width, p.height);
    assert_eq!(p.rgb.len(), (p.width * p.height * 3) as usize);
    assert!(!serde_json::to_string(&r).unwrap().contains("preview"), "the picture is not in the JSON");
    let img = image::RgbImage::from_raw(p.width, p.height, p.rgb.to_vec()).unwrap();
    img.save(shots().join("selftest-scanner-preview.png")).unwrap();
    eprintln!("scanner self-test: {took:?}");
}

#[test]
fn network_against_the_simulator_and_a_wrong_clock() {
    let dir = tempfile::tempdir().unwrap();
    let rt = rt();
    let sim = intake_support::open_sim(dir.path());
    let h = rt.block_on(intake_support::start(sim.clone(), "127.0.0.1:0"));
    let client = intake_support::client(&h.base_url(), Duration::from_secs(5));
    let devices = absent();
    let tid = intake_support::TERMINAL;
    let f = Facts {
        printer_profile: String::new(),
        endpoint: Some(h.base_url()),
        client: Some(client.clone()),
        terminal_id: tid.into(),
        tz: chrono_tz::Asia::Shanghai,
    };
    let (r, took) = run(&rt, SelfTestKind::Network, &devices, &f, &Limits::default());
    assert!(r.ok, "{r:?}");
    for s in ["DNS", "TCP", "TLS", "签名请求", "时钟"] {
        assert!(step(&r, s).ok, "{s}: {r:?}");
    }
    assert!(step(&r, "时钟").detail.contains("正常"), "{r:?}");
    assert!(r.summary.contains("签名请求通过"), "{r:?}");
    assert!(took < Duration::from_secs(3), "{took:?}");

    // The embedded simulator: no network steps.
    let embedded = Facts { endpoint: None, ..f.clone() };
    let (r, _) = run(&rt, SelfTestKind::Network, &devices, &embedded, &Limits::default());
    assert!(r.ok && r.summary.starts_with("内置模拟平台"), "{r:?}");
    assert!(r.steps.iter().all(|s| s.name != "DNS"));

    // Two minutes off: signatures still pass, the technician is told to fix it.
    sim.set_clock_offset_secs(120);
    let (r, _) = run(&rt, SelfTestKind::Network, &devices, &f, &Limits::default());
    assert!(r.ok, "{r:?}");
    assert!(step(&r, "时钟").detail.contains("2 分钟") && step(&r, "时钟").detail.contains("NTP"), "{r:?}");

    // Ten minutes off: refused, and said to be the clock, not the key.
    sim.set_clock_offset_secs(600);
    let (r, took) = run(&rt, SelfTestKind::Network, &devices, &f, &Limits::default());
    assert!(!r.ok);
    assert!(r.summary.starts_with("终端时钟与平台相差 10 分钟，签名将被拒绝：请校准时间（NTP）"), "{r:?}");
    assert!(r.summary.contains("终端慢了"), "{r:?}");
    let ping = step(&r, "签名请求");
    assert!(!ping.ok && ping.detail.contains("时钟") && ping.detail.contains("不是密钥问题"), "{r:?}");
    assert!(!r.summary.contains("密钥不"), "{r:?}");
    assert!(took < Duration::from_secs(3), "{took:?}");
    sim.set_clock_offset_secs(0);

    // A wrong key is the key, not the clock.
    let stranger = kiosk::intake::IntakeClient::new(
        &h.base_url(),
        Duration::from_secs(5),
        kiosk::intake::SigningKey::new(tid, &[7; 32]),
    )
    .unwrap();
    let wrong_key = Facts { client: Some(stranger), ..f.clone() };
    let (r, _) = run(&rt, SelfTestKind::Network, &devices, &wrong_key, &Limits::default());
    assert!(!r.ok && r.summary.contains("密钥") && !r.summary.contains("时钟"), "{r:?}");

    // https to something that does not speak TLS: the handshake step fails.
    let port = h.base_url().rsplit(':').next().unwrap().to_string();
    let plain = Facts { endpoint: Some(format!("https://127.0.0.1:{port}")), client: None, ..f.clone() };
    let (r, _) = run(&rt, SelfTestKind::Network, &devices, &plain, &Limits::default());
    assert!(step(&r, "TCP").ok && !step(&r, "TLS").ok, "{r:?}");
    assert!(!r.ok && r.summary.contains("TLS 握手失败"), "{r:?}");

    // Nothing listening: TCP says so within the limit.
    let closed = Facts { endpoint: Some("http://127.0.0.1:9".into()), client: None, ..f.clone() };
    let (r, took) = run(&rt, SelfTestKind::Network, &devices, &closed, &Limits::default());
    assert!(!r.ok && !step(&r, "TCP").ok && r.summary.contains("连不上平台"), "{r:?}");
    assert!(took < Duration::from_secs(6), "{took:?}");
    rt.block_on(h.stop());
}

//! Self-tests of the reader, the printer, the camera and the network, shared by the
//! technician's screen and `kiosk diag selftest`. Each returns a [`SelfTestReport`] in
//! plain words; none shows personal data (a card read is masked).
//!
//! Device work runs on tokio's blocking pool, each step under a time limit, so an
//! unplugged or hung device answers in seconds. A device a citizen's session holds is
//! reported busy, never waited for. Nothing here panics on a device's answer.

use super::{Devices, PreviewFrame};
use crate::intake::{IntakeClient, IntakeError};
use crate::ops::{SelfTestKind, SelfTestReport, Step};
use kiosk_hardware::idcard::{tables, CardKind, CardProblem, IdCard, Validity};
use kiosk_hardware::pii::{mask_id, mask_name};
use kiosk_hardware::printer::{PrinterProfile, PrinterStatus};
use kiosk_hardware::scanner::quality::{self, QualityConfig, QualityReport};
use kiosk_hardware::{IdCardError, IdCardStatus, PrinterError, ScannerError, ScannerStatus};
use std::sync::{Arc, Mutex, TryLockError};
use std::time::{Duration, Instant};

/// What a self-test needs besides the devices.
#[derive(Clone)]
pub struct Facts {
    /// The configured printer profile's name (on the test page).
    pub printer_profile: String,
    /// The platform's base URL (DNS, TCP, TLS); None for the embedded simulator.
    pub endpoint: Option<String>,
    /// The signed ping and the clock skew; None when there is no client (CLI direct).
    pub client: Option<IntakeClient>,
    pub terminal_id: String,
    /// The configured time zone (the test page's time), whatever the OS zone is.
    pub tz: chrono_tz::Tz,
}

/// Time limits of the steps. `Limits::default()` is what [`run`] uses.
#[derive(Debug, Clone)]
pub struct Limits {
    /// A device's status or SAM check (a silent printer answers `Disconnected` in ~2 s).
    pub device: Duration,
    /// How long the reader test waits for a card to be laid on the reader.
    pub card_wait: Duration,
    /// Printing the test page (the driver itself gives up after 30 s of silence).
    pub print: Duration,
    /// One preview or capture (includes exposure settling after opening the camera).
    pub scan: Duration,
    /// Each network step (DNS, TCP, TLS, the signed ping).
    pub network: Duration,
    /// How long to wait for a device that something else is using.
    pub busy: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            device: Duration::from_secs(5),
            card_wait: Duration::from_secs(10),
            print: Duration::from_secs(40),
            scan: Duration::from_secs(15),
            network: Duration::from_secs(5),
            busy: Duration::from_secs(2),
        }
    }
}

/// Runs one self-test. Blocking device work runs on tokio's blocking pool.
pub async fn run(kind: SelfTestKind, devices: Devices, facts: Facts) -> SelfTestReport {
    run_with(kind, devices, facts, &Limits::default()).await
}

/// [`run`] with other time limits (tests; a shorter card wait).
pub async fn run_with(kind: SelfTestKind, devices: Devices, facts: Facts, limits: &Limits) -> SelfTestReport {
    let started = Instant::now();
    let report = match kind {
        SelfTestKind::Reader => reader(&devices, limits).await,
        SelfTestKind::Printer => printer(&devices, &facts, limits).await,
        SelfTestKind::Scanner => scanner(&devices, limits).await,
        SelfTestKind::Network => network(&facts, limits).await,
    };
    tracing::info!(
        test = kind.name(),
        ok = report.ok,
        elapsed_ms = started.elapsed().as_millis() as u64,
        summary = %report.summary,
        "self-test"
    );
    report
}

fn step(name: &str, ok: bool, detail: impl Into<String>) -> Step {
    Step { name: name.to_string(), ok, detail: detail.into() }
}

fn report(test: SelfTestKind, steps: Vec<Step>, summary: String) -> SelfTestReport {
    let ok = !steps.is_empty() && steps.iter().all(|s| s.ok);
    SelfTestReport { test, ok, summary, steps, preview: None }
}

/// Why a device step did not run to its end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Trouble {
    /// No answer within the limit (the blocking call goes on in the background).
    TimedOut(Duration),
    /// Something else (a citizen's session) is using the device.
    Busy,
    /// The driver panicked (caught on the blocking pool).
    Crashed,
}

impl Trouble {
    fn words(self, device: &str, what_to_do: &str) -> String {
        match self {
            Trouble::TimedOut(d) => format!("{device} {} 秒无应答：{what_to_do}", d.as_secs().max(1)),
            Trouble::Busy => format!("{device}正在使用中：请等办事群众离开后再试"),
            Trouble::Crashed => format!("{device}驱动出错：请重新插拔{device}后再试，仍不行请报修"),
        }
    }
}

/// Runs `f` on the device on the blocking pool, within `limit`; waits at most
/// `busy` for the device's lock.
async fn on_device<D, R, F>(m: &Arc<Mutex<Box<D>>>, limits: &Limits, limit: Duration, f: F) -> Result<R, Trouble>
where
    D: ?Sized + Send + 'static,
    R: Send + 'static,
    F: FnOnce(&mut D) -> R + Send + 'static,
{
    let (m, busy) = (m.clone(), limits.busy);
    let task = tokio::task::spawn_blocking(move || {
        let deadline = Instant::now() + busy;
        loop {
            match m.try_lock() {
                Ok(mut d) => return Some(f(&mut **d)),
                Err(TryLockError::Poisoned(p)) => return Some(f(&mut **p.into_inner())),
                Err(TryLockError::WouldBlock) if Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(50))
                }
                Err(TryLockError::WouldBlock) => return None,
            }
        }
    });
    match tokio::time::timeout(limit, task).await {
        Err(_) => Err(Trouble::TimedOut(limit)),
        Ok(Err(_)) => Err(Trouble::Crashed),
        Ok(Ok(None)) => Err(Trouble::Busy),
        Ok(Ok(Some(r))) => Ok(r),
    }
}

// ---------------------------------------------------------------------------------
// Reader

pub const READER_UNPLUGGED: &str = "读卡器未连接：请检查 USB/串口线并重新插拔";
const READER_REPLUG: &str = "请检查 USB/串口线并重新插拔读卡器";

/// What the card step found, already masked (the card itself never leaves the
/// blocking thread, where it is wiped on drop).
enum CardRead {
    Card(String),
    NoCard,
    Failed(IdCardError),
}

async fn reader(devices: &Devices, limits: &Limits) -> SelfTestReport {
    let t = SelfTestKind::Reader;
    let mut steps = Vec::new();
    let sam = on_device(&devices.idcard, limits, limits.device, |r| {
        let mut status = r.check();
        if status == IdCardStatus::Disconnected {
            // The driver waits a moment between two attempts to reopen a port.
            std::thread::sleep(Duration::from_millis(300));
            status = r.check();
        }
        (status, r.sam_id())
    })
    .await;
    let sam_id = match sam {
        Ok((IdCardStatus::Ready | IdCardStatus::NoCard, id)) => {
            steps.push(step("SAM 模块", true, "状态正常（11 FF 应答 90）"));
            id
        }
        Ok((IdCardStatus::Disconnected, _)) => {
            steps.push(step("SAM 模块", false, READER_UNPLUGGED));
            return report(t, steps, READER_UNPLUGGED.into());
        }
        Ok((IdCardStatus::Fault(why), _)) => {
            let words = format!("读卡器故障（{why}）：请重新插拔读卡器，仍不行请报修");
            steps.push(step("SAM 模块", false, words.clone()));
            return report(t, steps, words);
        }
        Err(e) => {
            let words = e.words("读卡器", READER_REPLUG);
            steps.push(step("SAM 模块", false, words.clone()));
            return report(t, steps, words);
        }
    };
    steps.push(match &sam_id {
        Some(id) => step("SAM 编号", true, id.clone()),
        None => step("SAM 编号", true, "读卡器未提供 SAM 编号"),
    });

    let wait = limits.card_wait;
    let read = on_device(&devices.idcard, limits, wait + limits.device, move |r| {
        let deadline = Instant::now() + wait;
        loop {
            match r.poll() {
                Ok(Some(card)) => return CardRead::Card(describe_card(&card, &tables::today_cn())),
                Ok(None) => {}
                Err(e @ IdCardError::Disconnected(_)) => return CardRead::Failed(e),
                // A card half laid on the reader fails a read or two: keep trying.
                Err(e) if Instant::now() >= deadline => return CardRead::Failed(e),
                Err(_) => {}
            }
            if Instant::now() >= deadline {
                return CardRead::NoCard;
            }
            std::thread::sleep(Duration::from_millis(150));
        }
    })
    .await;
    let secs = wait.as_secs().max(1);
    let summary = match read {
        Ok(CardRead::Card(masked)) => {
            steps.push(step("读卡", true, masked));
            "读卡器正常：SAM 模块正常，已读到证件（号码和姓名已遮盖）".to_string()
        }
        Ok(CardRead::NoCard) => {
            steps.push(step("读卡", true, format!("未放卡：{secs} 秒内读卡区没有证件，未测试读卡")));
            format!("读卡器 SAM 模块正常；未放卡（{secs} 秒内没有证件），如需测试读卡请放上身份证再试")
        }
        Ok(CardRead::Failed(IdCardError::Disconnected(_))) => {
            steps.push(step("读卡", false, READER_UNPLUGGED));
            READER_UNPLUGGED.to_string()
        }
        Ok(CardRead::Failed(e)) => {
            let words = format!("读卡失败（{e}）：请把证件平放在读卡区再试，仍失败请清洁读卡区或报修");
            steps.push(step("读卡", false, words.clone()));
            words
        }
        Err(e) => {
            let words = e.words("读卡器", READER_REPLUG);
            steps.push(step("读卡", false, words.clone()));
            words
        }
    };
    report(t, steps, summary)
}

fn card_kind_zh(k: CardKind) -> &'static str {
    match k {
        CardKind::Resident => "居民身份证",
        CardKind::HkMoTwResidence => "港澳台居民居住证",
        CardKind::ForeignPermanentOld | CardKind::ForeignPermanent2023 => "外国人永久居留身份证",
    }
}

fn dashed(d: &str) -> String {
    match (d.get(0..4), d.get(4..6), d.get(6..8)) {
        (Some(y), Some(m), Some(dd)) if d.len() == 8 => format!("{y}-{m}-{dd}"),
        _ => d.to_string(),
    }
}

/// A card for the technician: type, masked name and number, validity. Never the
/// address, the photo, the birth date or the full number.
pub fn describe_card(card: &IdCard, today: &str) -> String {
    let problems = card.problems(today);
    let to = match &card.valid_to {
        Validity::LongTerm => "长期".to_string(),
        Validity::Until(d) => dashed(d),
    };
    let mut state = Vec::new();
    for p in &problems {
        state.push(match p {
            CardProblem::Expired { .. } => "已过期",
            CardProblem::NotYetValid { .. } => "尚未生效",
            CardProblem::BadCheckDigit => "号码校验位不符",
            CardProblem::BadNumberFormat => "号码格式不符",
            CardProblem::BirthDateMismatch => "号码与出生日期不符",
            CardProblem::BadDate { .. } => "日期无效",
        });
    }
    let state = if state.is_empty() { "在有效期内".to_string() } else { state.join("、") };
    format!(
        "{}：{}，{}，有效期 {} 至 {}（{}）",
        card_kind_zh(card.kind),
        mask_name(&card.name),
        mask_id(&card.id_number),
        dashed(&card.valid_from),
        to,
        state
    )
}

// ---------------------------------------------------------------------------------
// Printer

/// A printer's state in plain words: (can print, what it is and what to do).
pub fn printer_words(s: PrinterStatus) -> (bool, &'static str) {
    match s {
        PrinterStatus::Ready => (true, "正常"),
        PrinterStatus::PaperNearEnd => (true, "纸将用完：请尽快换纸"),
        PrinterStatus::PaperOut => (false, "缺纸：请换纸（装入新纸卷）后合上纸仓盖"),
        PrinterStatus::CoverOpen => (false, "纸仓盖未关：请合上纸仓盖"),
        PrinterStatus::Offline => (false, "打印机脱机：请合上纸仓盖、检查纸卷，仍不行请关开一次打印机电源"),
        PrinterStatus::CutterError => (false, "切刀故障：请打开纸仓盖取出卡纸后合上，仍不行请报修"),
        PrinterStatus::Unrecoverable => (false, "打印机严重故障：请关开一次打印机电源，仍不行请报修"),
        PrinterStatus::Disconnected => (false, "打印机未连接：请检查电源和数据线"),
    }
}

fn printer_error_words(e: &PrinterError) -> String {
    match e {
        PrinterError::NotReady(s) | PrinterError::JobFailed(s) => printer_words(*s).1.to_string(),
        PrinterError::Io(why) => format!("打印机通信失败（{why}）：请检查电源和数据线"),
    }
}

/// The profile to lay the page out for: the printer's own, else the configured name
/// (or id) among the shipped profiles, else generic 80 mm (said in the step).
fn resolve_profile(reported: Option<PrinterProfile>, configured: &str) -> (PrinterProfile, Option<String>) {
    if let Some(p) = reported {
        return (p, None);
    }
    let c = configured.trim();
    match PrinterProfile::builtin().into_iter().find(|p| p.name == c || p.id == c) {
        Some(p) => (p, None),
        None => (PrinterProfile::generic(80), Some(format!("未识别配置档「{c}」，测试页按通用 80 mm 排版"))),
    }
}

async fn printer(devices: &Devices, facts: &Facts, limits: &Limits) -> SelfTestReport {
    let t = SelfTestKind::Printer;
    let mut steps = Vec::new();
    let status = on_device(&devices.printer, limits, limits.device, |p| (p.status(), p.printer_profile())).await;
    let (status, reported) = match status {
        Ok((Ok(s), profile)) => (s, profile),
        Ok((Err(e), _)) => {
            let words = printer_error_words(&e);
            steps.push(step("状态", false, words.clone()));
            return report(t, steps, words);
        }
        Err(e) => {
            let words = e.words("打印机", "请检查电源和数据线");
            steps.push(step("状态", false, words.clone()));
            return report(t, steps, words);
        }
    };
    let (can_print, words) = printer_words(status);
    steps.push(step("状态", can_print, words));
    if !can_print {
        return report(t, steps, words.to_string());
    }
    let (profile, note) = resolve_profile(reported, &facts.printer_profile);
    let name =
        if facts.printer_profile.trim().is_empty() { profile.name.clone() } else { facts.printer_profile.clone() };
    let now = crate::clock::now(facts.tz).format("%Y-%m-%d %H:%M:%S").to_string();
    let page = crate::receipt::testpage::test_page(&facts.terminal_id, &name, &profile, &now);
    let native = if profile.native_qr { "原生二维码" } else { "二维码（本型号以图像打印）" };
    let mut content = format!(
        "已打印：标题、终端编号、型号「{name}」、时间、{native}、图像二维码、生僻字（{}｜{}）、{} 点宽标尺；\
         请核对两个二维码都能扫出、生僻字清晰、标尺两端完整",
        crate::receipt::testpage::RARE_ROM,
        crate::receipt::testpage::RARE_RASTER,
        profile.dots
    );
    if let Some(n) = note {
        content = format!("{n}；{content}");
    }
    let doc = page.doc;
    let printed = on_device(&devices.printer, limits, limits.print, move |p| p.print(&doc)).await;
    let summary = match printed {
        Ok(Ok(())) => {
            steps.push(step("测试页", true, content));
            if status == PrinterStatus::PaperNearEnd {
                "测试页已打印；纸将用完，请尽快换纸".to_string()
            } else {
                "打印机正常：测试页已打印，请核对二维码、生僻字和标尺".to_string()
            }
        }
        Ok(Err(e)) => {
            let words = printer_error_words(&e);
            steps.push(step("测试页", false, words.clone()));
            format!("测试页未打完：{words}")
        }
        Err(e) => {
            let words = e.words("打印机", "请检查电源和数据线");
            steps.push(step("测试页", false, words.clone()));
            words
        }
    };
    report(t, steps, summary)
}

// ---------------------------------------------------------------------------------
// Scanner

pub const SCANNER_UNPLUGGED: &str = "高拍仪未连接：请检查 USB 线并重新插拔";
/// Widest preview the self-test screen gets.
pub const PREVIEW_MAX_WIDTH: u32 = 320;

fn scanner_error_words(e: &ScannerError) -> String {
    match e {
        e if e.is_absent() => SCANNER_UNPLUGGED.to_string(),
        ScannerError::NotACamera { .. } => format!("{e}：请检查配置的高拍仪设备路径（devices.scanner.port）"),
        ScannerError::Rejected(q) => q.message_zh().to_string(),
        e => format!("拍摄失败（{e}）：请重新插拔高拍仪后再试"),
    }
}

/// The frame's figures in words.
pub fn describe_quality(q: &QualityReport, cfg: &QualityConfig) -> String {
    let mut s = format!("亮度 {:.0}/255（高光 {}，过暗线 {:.0}）", q.brightness, q.highlight, cfg.min_mean);
    match (q.issue, q.skew_deg, q.page_area) {
        (Some(issue), _, _) => s.push_str(&format!("；{}", issue.message_zh())),
        (None, skew, area) => {
            s.push_str("；找到材料");
            if let Some(a) = area {
                s.push_str(&format!("，占画面 {:.0}%", a * 100.0));
            }
            if let Some(d) = skew {
                s.push_str(&format!("，倾斜 {d:.1}°"));
                if d.abs() > 5.0 {
                    s.push_str("（放斜了，拍摄时会自动扶正）");
                }
            }
        }
    }
    s
}

/// Scales a frame down to at most [`PREVIEW_MAX_WIDTH`] wide for the screen.
fn small_preview(f: &kiosk_hardware::scanner::Frame) -> Option<PreviewFrame> {
    use zeroize::Zeroize;
    let img = image::RgbImage::from_raw(f.width, f.height, f.rgb.clone())?;
    let w = f.width.clamp(1, PREVIEW_MAX_WIDTH);
    let h = ((f.height as u64 * w as u64) / f.width.max(1) as u64).max(1) as u32;
    let small = image::imageops::thumbnail(&img, w, h);
    let mut raw = img.into_raw();
    raw.zeroize();
    Some(PreviewFrame { width: small.width(), height: small.height(), rgb: Arc::new(small.into_raw()) })
}

async fn scanner(devices: &Devices, limits: &Limits) -> SelfTestReport {
    let t = SelfTestKind::Scanner;
    let mut steps = Vec::new();
    let status = on_device(&devices.scanner, limits, limits.device, |s| s.status()).await;
    match status {
        Ok(ScannerStatus::Ready) => steps.push(step("状态", true, "已连接")),
        Ok(ScannerStatus::Disconnected) => {
            steps.push(step("状态", false, SCANNER_UNPLUGGED));
            return report(t, steps, SCANNER_UNPLUGGED.into());
        }
        Ok(ScannerStatus::Fault(why)) => {
            let words = format!("高拍仪不可用（{why}）：请检查配置的设备路径和 USB 线");
            steps.push(step("状态", false, words.clone()));
            return report(t, steps, words);
        }
        Err(e) => {
            let words = e.words("高拍仪", "请重新插拔高拍仪的 USB 线");
            steps.push(step("状态", false, words.clone()));
            return report(t, steps, words);
        }
    }
    let cfg = QualityConfig::default();
    let qcfg = cfg.clone();
    let framed = on_device(&devices.scanner, limits, limits.scan, move |s| {
        s.preview().map(|f| (quality::frame_report(&f, &qcfg), small_preview(&f)))
    })
    .await;
    let preview = match framed {
        Ok(Ok((q, small))) => {
            steps.push(step("取景", q.issue.is_none(), describe_quality(&q, &cfg)));
            small
        }
        Ok(Err(e)) => {
            let words = scanner_error_words(&e);
            steps.push(step("取景", false, words.clone()));
            return report(t, steps, words);
        }
        Err(e) => {
            let words = e.words("高拍仪", "请重新插拔高拍仪的 USB 线");
            steps.push(step("取景", false, words.clone()));
            return report(t, steps, words);
        }
    };
    let qcfg = cfg.clone();
    let shot = on_device(&devices.scanner, limits, limits.scan, move |s| {
        s.capture().map(|page| (page.width, page.height, page.jpeg.len(), quality::page_blur(&page, &qcfg)))
    })
    .await;
    let summary = match shot {
        Ok(Ok((w, h, bytes, blur))) => {
            let sharp = match blur {
                Ok(Some(sigma)) => format!("清晰度：模糊估计 σ={sigma:.2}（上限 {:.1}）", cfg.max_blur_sigma),
                Ok(None) => "清晰度：页面空白，未评估".to_string(),
                Err(e) => format!("清晰度：未评估（{e}）"),
            };
            steps.push(step("拍摄", true, format!("页面 {w}×{h}，JPEG {} KB；{sharp}", bytes.div_ceil(1024))));
            if steps.iter().all(|s| s.ok) {
                "高拍仪正常：取景、找边、拍摄和清晰度检查都通过".to_string()
            } else {
                "高拍仪能拍摄，但取景有问题：见上".to_string()
            }
        }
        Ok(Err(e)) => {
            let words = scanner_error_words(&e);
            steps.push(step("拍摄", false, words.clone()));
            if e.quality_issue().is_some() {
                format!("高拍仪能取景，但拍摄未通过质量检查：{words}")
            } else {
                words
            }
        }
        Err(e) => {
            let words = e.words("高拍仪", "请重新插拔高拍仪的 USB 线");
            steps.push(step("拍摄", false, words.clone()));
            words
        }
    };
    let mut r = report(t, steps, summary);
    r.preview = preview;
    r
}

// ---------------------------------------------------------------------------------
// Network and platform

/// Below this the clock is simply right.
pub const SKEW_FINE_SECS: i64 = 60;

fn span_zh(secs: i64) -> String {
    let s = secs.unsigned_abs();
    if s < 60 {
        format!("{s} 秒")
    } else if s < 3600 {
        format!("{} 分钟", (s + 30) / 60)
    } else if s < 2 * 86_400 {
        let m = (s + 30) / 60;
        format!("{} 小时 {} 分钟", m / 60, m % 60)
    } else {
        format!("{} 天", (s + 43_200) / 86_400)
    }
}

/// The platform's clock minus ours (seconds) in plain words: (signatures pass, words).
/// Beyond `kiosk_api::sign::MAX_SKEW_SECS` the platform refuses every signed request.
pub fn skew_words(skew_secs: i64) -> (bool, String) {
    let dir = if skew_secs > 0 { "终端慢了" } else { "终端快了" };
    let max = kiosk_api::sign::MAX_SKEW_SECS;
    if skew_secs.abs() > max {
        (
            false,
            format!(
                "终端时钟与平台相差 {}，签名将被拒绝：请校准时间（NTP）。{dir}，平台只接受 ±{} 分钟以内的偏差",
                span_zh(skew_secs),
                max / 60
            ),
        )
    } else if skew_secs.abs() > SKEW_FINE_SECS {
        (true, format!("终端时钟与平台相差 {}（{dir}），签名仍能通过，但请尽快校准时间（NTP）", span_zh(skew_secs)))
    } else {
        (true, format!("终端时钟与平台相差 {}，正常", span_zh(skew_secs)))
    }
}

fn ms(since: Instant) -> u128 {
    since.elapsed().as_millis()
}

/// What the signed ping found: the ping step and the skew, if it could be read.
async fn ping(client: &IntakeClient, terminal_id: &str, limit: Duration) -> (Step, Option<i64>, bool) {
    let name = "签名请求";
    match tokio::time::timeout(limit, client.ping()).await {
        Err(_) => {
            (step(name, false, format!("平台 {} 秒无应答：请检查网络，或联系平台运维", limit.as_secs())), None, false)
        }
        Ok(Ok(p)) => {
            (step(name, true, format!("平台已验签并应答（往返 {} ms）", p.round_trip_ms)), Some(p.skew_secs()), true)
        }
        Ok(Err(e)) => {
            let skew = client.skew().get();
            let words = match &e {
                e if e.is_clock_refusal() => {
                    "平台因终端时钟不对拒绝了签名（不是密钥问题）：请校准时间（NTP）".to_string()
                }
                IntakeError::Auth { code, .. } if code == "unknown_terminal" => {
                    format!("平台不认识终端编号 {terminal_id}：请在平台登记本终端")
                }
                IntakeError::Auth { code, reason, .. } => format!(
                    "平台拒绝了签名（{}：{reason}）：请在平台核对终端 {terminal_id} 登记的密钥和签名算法",
                    if code.is_empty() { "无原因码" } else { code.as_str() }
                ),
                IntakeError::Network(why) => format!("连不上平台（{why}）：请检查网线、防火墙或代理设置"),
                IntakeError::Server(s) => format!("平台暂时不可用（HTTP {s}）：请稍后再试"),
                IntakeError::Unexpected { status, .. } => {
                    format!("平台地址或代理异常（HTTP {status}）：请检查 intake.endpoint 和代理设置")
                }
                e => format!("平台应答异常（{e}）：请联系平台运维"),
            };
            // A refusal still carries the platform's `Date`: the skew is known.
            let skew = if e.is_clock_refusal() || matches!(e, IntakeError::Auth { .. }) { skew } else { None };
            (step(name, false, words), skew, false)
        }
    }
}

async fn network(facts: &Facts, limits: &Limits) -> SelfTestReport {
    let t = SelfTestKind::Network;
    let mut steps = Vec::new();
    let lim = limits.network;
    let mut tls_scheme = false;
    let mut first_failure: Option<String> = None;
    let mut fail = |s: &Step| {
        if !s.ok && first_failure.is_none() {
            first_failure = Some(s.detail.clone());
        }
    };
    match facts.endpoint.as_deref() {
        None => steps.push(step("平台地址", true, "内置模拟平台（演示模式）：不经网络，跳过 DNS、TCP、TLS")),
        Some(base) => match url::Url::parse(base) {
            Err(e) => {
                let s = step(
                    "平台地址",
                    false,
                    format!("平台地址无效（{base}：{e}）：请检查 kiosk.toml 的 intake.endpoint"),
                );
                fail(&s);
                steps.push(s);
            }
            Ok(u) => {
                tls_scheme = u.scheme() == "https";
                let port = u.port_or_known_default().unwrap_or(443);
                let host = match u.host() {
                    Some(url::Host::Domain(d)) => Some((d.to_string(), false)),
                    Some(url::Host::Ipv4(a)) => Some((a.to_string(), true)),
                    Some(url::Host::Ipv6(a)) => Some((a.to_string(), true)),
                    None => None,
                };
                steps.push(step("平台地址", true, base.to_string()));
                let addrs = match host {
                    None => {
                        let s = step("DNS", false, format!("地址里没有主机名（{base}）：请检查 intake.endpoint"));
                        fail(&s);
                        steps.push(s);
                        Vec::new()
                    }
                    Some((h, literal)) => {
                        let at = Instant::now();
                        let res = tokio::time::timeout(lim, tokio::net::lookup_host((h.as_str(), port))).await;
                        let (s, addrs) = match res {
                            Ok(Ok(a)) => {
                                let a: Vec<std::net::SocketAddr> = a.collect();
                                let list: Vec<String> = a.iter().take(4).map(|x| x.ip().to_string()).collect();
                                let detail = if literal {
                                    format!("{h} 是 IP 地址，无需解析")
                                } else {
                                    format!("{h} → {}（{} ms）", list.join("、"), ms(at))
                                };
                                (step("DNS", !a.is_empty(), detail), a)
                            }
                            Ok(Err(e)) => {
                                (step("DNS", false, format!("无法解析 {h}（{e}）：请检查 DNS 设置和网线")), Vec::new())
                            }
                            Err(_) => (
                                step(
                                    "DNS",
                                    false,
                                    format!("解析 {h} 超过 {} 秒：请检查 DNS 设置和网线", lim.as_secs()),
                                ),
                                Vec::new(),
                            ),
                        };
                        fail(&s);
                        steps.push(s);
                        addrs
                    }
                };
                if !addrs.is_empty() {
                    let at = Instant::now();
                    let mut last = String::new();
                    let mut connected = None;
                    for a in addrs.iter().take(4) {
                        match tokio::time::timeout(lim, tokio::net::TcpStream::connect(a)).await {
                            Ok(Ok(_)) => {
                                connected = Some(*a);
                                break;
                            }
                            Ok(Err(e)) => last = format!("{a}：{e}"),
                            Err(_) => last = format!("{a}：{} 秒无应答", lim.as_secs()),
                        }
                    }
                    let s = match connected {
                        Some(a) => step("TCP", true, format!("{a} 已连通（{} ms）", ms(at))),
                        None => step("TCP", false, format!("连不上平台（{last}）：请检查网线、防火墙或专网路由")),
                    };
                    fail(&s);
                    steps.push(s);
                }
            }
        },
    }
    let tcp_ok = steps.iter().all(|s| s.ok);

    // The signed ping goes through the terminal's own client (its CA bundle and proxy).
    let pinged = match &facts.client {
        Some(c) => Some(ping(c, &facts.terminal_id, lim * 2).await),
        None => None,
    };

    if tls_scheme && tcp_ok {
        let s = match &pinged {
            Some((_, _, true)) => step("TLS", true, "握手成功：签名请求经 HTTPS 往返（证书经终端配置的信任链校验）"),
            _ => tls_probe(facts.endpoint.as_deref().unwrap_or_default(), lim).await,
        };
        fail(&s);
        steps.push(s);
    } else if facts.endpoint.is_some() && tcp_ok {
        steps.push(step("TLS", true, "明文 http（只允许本机回环地址）：无 TLS"));
    }

    let mut clock_words = None;
    match pinged {
        None => steps.push(step("签名请求", true, "未测：没有平台客户端（命令行直连），签名和时钟未检查")),
        Some((s, skew, _)) => {
            fail(&s);
            steps.push(s);
            if let Some(skew) = skew {
                let (ok, words) = skew_words(skew);
                if !ok {
                    clock_words = Some(words.clone());
                }
                steps.push(step("时钟", ok, words));
            }
        }
    }
    let summary = if let Some(words) = clock_words {
        words
    } else if let Some(f) = first_failure {
        f
    } else {
        let clock = steps.iter().find(|s| s.name == "时钟").map(|s| s.detail.clone());
        let via = if facts.endpoint.is_none() { "内置模拟平台" } else { "网络与平台" };
        match clock {
            Some(c) => format!("{via}正常：签名请求通过；{c}"),
            None => format!("{via}可达；签名和时钟未检查"),
        }
    };
    report(t, steps, summary)
}

/// A plain HTTPS request to the base: the handshake alone is the evidence (any HTTP
/// status will do). Trusts the system's roots only, not a private CA from config.
async fn tls_probe(base: &str, limit: Duration) -> Step {
    let client = reqwest::Client::builder()
        .timeout(limit)
        .connect_timeout(limit)
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .build();
    let client = match client {
        Ok(c) => c,
        Err(e) => return step("TLS", false, format!("无法建立 HTTPS 客户端（{e}）")),
    };
    let at = Instant::now();
    match client.head(base).send().await {
        Ok(r) => step("TLS", true, format!("握手成功（HEAD {base} → HTTP {}，{} ms）", r.status().as_u16(), ms(at))),
        Err(e) => {
            // The innermost cause says what went wrong (certificate, protocol, reset).
            let mut why = e.to_string();
            let mut src = std::error::Error::source(&e);
            while let Some(s) = src {
                why = s.to_string();
                src = s.source();
            }
            step(
                "TLS",
                false,
                format!(
                    "TLS 握手失败（{why}）：请检查平台证书和 CA 配置（intake.ca_bundle）；终端时钟不对也会让证书失效"
                ),
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clock_skew_in_plain_words() {
        let (ok, w) = skew_words(3);
        assert!(ok && w.contains("3 秒") && w.contains("正常"), "{w}");
        let (ok, w) = skew_words(-120);
        assert!(ok && w.contains("2 分钟") && w.contains("终端快了") && w.contains("NTP"), "{w}");
        let (ok, w) = skew_words(600);
        assert!(!ok, "{w}");
        assert!(w.starts_with("终端时钟与平台相差 10 分钟，签名将被拒绝：请校准时间（NTP）"), "{w}");
        assert!(w.contains("终端慢了"), "{w}");
        let (ok, w) = skew_words(-(3 * 86_400 + 100));
        assert!(!ok && w.contains("3 天") && w.contains("终端快了"), "{w}");
        let (ok, w) = skew_words(2 * 3600 + 5 * 60);
        assert!(!ok && w.contains("2 小时 5 分钟"), "{w}");
        assert!(skew_words(kiosk_api::sign::MAX_SKEW_SECS).0, "the platform's own limit still passes");
        assert!(!skew_words(kiosk_api::sign::MAX_SKEW_SECS + 1).0);
    }

    #[test]
    fn printer_states_say_what_to_do() {
        assert!(printer_words(PrinterStatus::PaperOut).1.contains("换纸"));
        assert!(printer_words(PrinterStatus::CoverOpen).1.contains("合上纸仓盖"));
        assert!(printer_words(PrinterStatus::Disconnected).1.contains("检查电源和数据线"));
        assert!(printer_words(PrinterStatus::PaperNearEnd).0);
        assert!(!printer_error_words(&PrinterError::JobFailed(PrinterStatus::PaperOut)).is_empty());
        let (p, note) = resolve_profile(None, "Epson TM-T20III (Simplified Chinese)");
        assert_eq!((p.id.as_str(), note), ("epson-tm-t20iii", None));
        assert_eq!(resolve_profile(None, "masung-ms-fpt206").0.dots, 384);
        let (p, note) = resolve_profile(None, "acme 3000");
        assert_eq!(p.id, "generic-80");
        assert!(note.unwrap().contains("acme 3000"));
    }

    #[cfg(feature = "demo")]
    #[test]
    fn a_card_is_described_masked() {
        let card = kiosk_hardware::idcard::demo_card();
        let d = describe_card(&card, "20260301");
        assert!(d.starts_with("居民身份证：张**，4107**********0046"), "{d}");
        assert!(d.contains("2040-01-01") && d.contains("在有效期内"), "{d}");
        assert!(!d.contains(&card.name) && !d.contains("平原路") && !d.contains("19900307"), "{d}");
        assert!(describe_card(&card, "20410101").contains("已过期"));
    }
}

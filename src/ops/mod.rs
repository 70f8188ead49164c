//! Operations: what the branch host (网点管理员) and the field technician (运维工程师)
//! do on the machine, on its touch screen (maintenance mode) or through the control
//! socket (`kiosk diag …`). Nothing here ever shows or logs a citizen's data.
//!
//! - [`Ops`]: live facts every part reports into and the heartbeat, `diag status` and
//!   the host screens read (uptime, out-of-service, the screen now shown, last frame).
//! - `audit`: the one catalogue of audit event ids, with role and outcome.
//!
//! This module is vocabulary only (no I/O), so the journey, the store and the control
//! socket can all use it. Elsewhere: the PINs in `crate::pin`, the self-tests in
//! `runtime::selftest`, the chime in `runtime::chime`, the socket's handler in
//! `control::handler`.

pub mod audit;

use serde::{Deserialize, Serialize};
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Mutex;
use std::time::Instant;

/// Who may enter maintenance mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// 网点管理员: the branch staff who refill paper and pause the service.
    Host,
    /// 运维工程师: the field technician (everything the host has, plus self-tests).
    Technician,
}

impl Role {
    pub const ALL: [Role; 2] = [Role::Host, Role::Technician];

    pub fn label_zh(self) -> &'static str {
        match self {
            Role::Host => "网点管理员",
            Role::Technician => "运维工程师",
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Role::Host => "host",
            Role::Technician => "technician",
        }
    }

    pub fn from_name(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.name() == s)
    }
}

/// Who did something, for the audit log.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Actor {
    Citizen,
    Host,
    Technician,
    /// `kiosk diag …` over the control socket (root or the kiosk user).
    Cli,
    /// The platform, through the heartbeat answer.
    Platform,
    /// The kiosk itself (monitor, outbox worker).
    System,
}

impl From<Role> for Actor {
    fn from(r: Role) -> Self {
        match r {
            Role::Host => Actor::Host,
            Role::Technician => Actor::Technician,
        }
    }
}

impl Actor {
    pub fn name(self) -> &'static str {
        match self {
            Actor::Citizen => "citizen",
            Actor::Host => "host",
            Actor::Technician => "technician",
            Actor::Cli => "cli",
            Actor::Platform => "platform",
            Actor::System => "system",
        }
    }
}

/// The self-tests a technician can run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SelfTestKind {
    Reader,
    Printer,
    Scanner,
    Network,
}

impl SelfTestKind {
    pub const ALL: [SelfTestKind; 4] =
        [SelfTestKind::Reader, SelfTestKind::Printer, SelfTestKind::Scanner, SelfTestKind::Network];

    pub fn name(self) -> &'static str {
        match self {
            SelfTestKind::Reader => "reader",
            SelfTestKind::Printer => "printer",
            SelfTestKind::Scanner => "scanner",
            SelfTestKind::Network => "network",
        }
    }

    pub fn from_name(s: &str) -> Option<SelfTestKind> {
        SelfTestKind::ALL.into_iter().find(|k| k.name() == s)
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            SelfTestKind::Reader => "身份证读卡器",
            SelfTestKind::Printer => "打印机",
            SelfTestKind::Scanner => "高拍仪",
            SelfTestKind::Network => "网络与平台",
        }
    }
}

/// One step of a self-test, in plain words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Step {
    /// What was tried ("SAM 模块", "DNS", "测试页").
    pub name: String,
    pub ok: bool,
    /// What was found; never personal data (a card read is masked).
    pub detail: String,
}

/// A self-test's result, for the technician's screen and `diag selftest` (JSON).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SelfTestReport {
    pub test: SelfTestKind,
    pub ok: bool,
    /// One line in plain Chinese: what works, or what to do.
    pub summary: String,
    pub steps: Vec<Step>,
    /// The camera test's captured page, small, RGB8 (screen only, not in JSON).
    #[serde(skip)]
    pub preview: Option<PreviewFrame>,
}

/// One picture from the scanner, RGB8: the live preview, or a self-test's capture.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PreviewFrame {
    pub width: u32,
    pub height: u32,
    pub rgb: std::sync::Arc<Vec<u8>>,
}

/// The service paused by a host, a technician, the CLI or the platform.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutOfService {
    pub reason: String,
    pub by: Actor,
    pub since_ms: i64,
}

/// Live facts of the running kiosk, shared by the journey loop, the UI, the monitor
/// (heartbeat) and the control socket.
#[derive(Debug)]
pub struct Ops {
    started: Instant,
    /// The screen now shown (`Screen::name`), set by the journey loop.
    screen: Mutex<&'static str>,
    /// Unix ms of the last frame the UI rendered (0: none yet).
    last_frame_ms: AtomicI64,
}

impl Default for Ops {
    fn default() -> Self {
        Ops { started: Instant::now(), screen: Mutex::new("attract"), last_frame_ms: AtomicI64::new(0) }
    }
}

impl Ops {
    pub fn uptime_secs(&self) -> u64 {
        self.started.elapsed().as_secs()
    }

    pub fn set_screen(&self, name: &'static str) {
        *self.screen.lock().unwrap_or_else(|e| e.into_inner()) = name;
    }

    pub fn screen(&self) -> &'static str {
        *self.screen.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The UI rendered a frame now.
    pub fn frame_rendered(&self) {
        self.last_frame_ms.store(crate::clock::now_ms(), Ordering::Relaxed);
    }

    pub fn last_frame_ms(&self) -> Option<i64> {
        Some(self.last_frame_ms.load(Ordering::Relaxed)).filter(|&t| t > 0)
    }
}

/// The daily counter names (`Store::count`, `Store::daily_counts`).
pub mod counts {
    /// A citizen started a 一件事 bundle.
    pub const SESSIONS: &str = "sessions";
    /// A case was committed to the outbox.
    pub const SUBMISSIONS: &str = "submissions";
    /// A document was printed.
    pub const PRINTS: &str = "prints";
    /// A device went into fault.
    pub const FAULTS: &str = "faults";
    /// A citizen pressed 帮办.
    pub const HELP_CALLS: &str = "help_calls";
    pub const RATING_1: &str = "rating_1";
    pub const RATING_2: &str = "rating_2";
    pub const RATING_3: &str = "rating_3";
    pub const RATING_4: &str = "rating_4";
    pub const RATING_5: &str = "rating_5";

    /// 好差评 levels 1 (非常不满意) to 5 (非常满意), by level − 1.
    pub const RATINGS: [&str; 5] = [RATING_1, RATING_2, RATING_3, RATING_4, RATING_5];

    /// Every counter, in display order.
    pub const ALL: [&str; 10] =
        [SESSIONS, SUBMISSIONS, PRINTS, FAULTS, HELP_CALLS, RATING_1, RATING_2, RATING_3, RATING_4, RATING_5];

    /// The counter of a rating level (1..=5).
    pub fn rating(level: u8) -> Option<&'static str> {
        RATINGS.get(usize::from(level).checked_sub(1)?).copied()
    }
}

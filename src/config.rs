//! kiosk.toml. Every key is checked; a missing or invalid one is reported with its
//! name and line, and the process exits with code 2.
//!
//! A terminal is in production unless its file says `[terminal] mode = "demo"`. In
//! production every device and the platform must be named: emulators, the embedded
//! simulator and missing sections are refused, so a misconfigured branch terminal can
//! never hand citizens receipts from a fake platform.

use crate::rating::RatingMapping;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{file}: cannot read: {source}")]
    Read { file: String, source: std::io::Error },
    #[error("{file}:{line}: {message}")]
    Invalid { file: String, line: usize, key: String, message: String },
    #[error("{file}: section [{section}] is missing: {why}")]
    Missing { file: String, section: String, why: &'static str },
}

/// Demo runs emulators and the embedded simulator; production only real parts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    #[default]
    Production,
    Demo,
}

/// Which Slint backend draws the screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Backend {
    /// DRM dumb buffers on the panel, libinput for touch: no X11, Wayland or compositor.
    Linuxkms,
    /// A desktop window (development) or the cage fallback.
    Winit,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Display {
    /// Default: linuxkms in production, winit in demo. `SLINT_BACKEND` overrides both.
    #[serde(default)]
    pub backend: Option<Backend>,
    /// Fullscreen and frameless (a citizen cannot close or leave the window).
    #[serde(default = "yes")]
    pub fullscreen: bool,
    /// The mouse cursor; hidden on a touch terminal, shown for development.
    #[serde(default)]
    pub show_cursor: bool,
}

impl Default for Display {
    fn default() -> Self {
        Display { backend: None, fullscreen: true, show_cursor: false }
    }
}

impl Display {
    /// The Slint backend name for this mode, unless `SLINT_BACKEND` is set.
    pub fn backend_name(&self, mode: Mode) -> &'static str {
        match self.backend.unwrap_or(if mode == Mode::Demo { Backend::Winit } else { Backend::Linuxkms }) {
            Backend::Linuxkms => "linuxkms",
            Backend::Winit => "winit",
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct CatalogCfg {
    /// A catalog file the deployer provides, used until the platform's first sync.
    #[serde(default)]
    pub file: Option<PathBuf>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    pub terminal: Terminal,
    #[serde(default)]
    pub intake: Intake,
    #[serde(default)]
    pub devices: Devices,
    #[serde(default)]
    pub rating: RatingMapping,
    /// 证件类型代码 per card kind (crate::identity).
    #[serde(default)]
    pub id_types: crate::identity::IdTypes,
    #[serde(default)]
    pub display: Display,
    #[serde(default)]
    pub catalog: CatalogCfg,
    #[serde(default)]
    pub retention: Retention,
    #[serde(default)]
    pub voice: Voice,
    #[serde(default)]
    pub input: Input,
    /// Where this configuration was read from and the SHA-256 of its bytes (`diag status`).
    #[serde(skip)]
    pub origin: Origin,
}

/// The file a [`Config`] came from: shown by `diag status`, so a technician can tell
/// which configuration a terminal runs without reading it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Origin {
    /// None for the built-in demo configuration.
    pub path: Option<PathBuf>,
    /// Hex SHA-256 of the file's bytes.
    pub sha256: String,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Terminal {
    /// "production" (the default) or "demo".
    #[serde(default)]
    pub mode: Mode,
    pub id: String,
    /// The service centre the terminal belongs to (新乡市政务服务中心).
    pub centre: String,
    /// The host branch (建设银行平原路支行).
    pub branch: String,
    /// The host branch's help line.
    pub help_phone: String,
    /// The province's online service app that receipts and screens point to (豫事办).
    #[serde(default = "default_online_app")]
    pub online_app: String,
    /// Working days a deferred (容缺) material may be brought in.
    #[serde(default = "default_deferral_days")]
    pub deferral_days: u32,
    #[serde(default = "default_data_dir")]
    pub data_dir: PathBuf,
    #[serde(default = "default_idle")]
    pub idle_timeout_secs: u32,
    /// Seconds left when "are you still there?" appears.
    #[serde(default = "default_idle_warning")]
    pub idle_warning_secs: u32,
    /// Seconds the farewell screen stays up after a service.
    #[serde(default = "default_farewell")]
    pub farewell_secs: u32,
    #[serde(default = "default_progress_url")]
    pub progress_url: String,
    /// Seconds between device checks and heartbeats to the platform.
    #[serde(default = "default_heartbeat")]
    pub heartbeat_secs: u64,
    /// IANA zone for times on screens and receipts, whatever the OS zone is.
    #[serde(default = "default_time_zone")]
    pub time_zone: String,
    /// Seconds the durable write behind 提交 may take before it is rolled back and the
    /// citizen is told nothing was submitted.
    #[serde(default = "default_submit_deadline")]
    pub submit_deadline_secs: u64,
    /// The local control socket `kiosk diag` talks to (mode 0600). Default: production
    /// `/run/kiosk/control.sock` (systemd's RuntimeDirectory), demo `<data_dir>/control.sock`.
    #[serde(default)]
    pub control_socket: Option<PathBuf>,
}

impl Terminal {
    /// The header line and the receipts' site: "centre · branch".
    pub fn site(&self) -> String {
        format!("{} · {}", self.centre, self.branch)
    }

    /// The configured zone (validated at load).
    pub fn tz(&self) -> chrono_tz::Tz {
        self.time_zone.parse().unwrap_or(chrono_tz::Asia::Shanghai)
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Intake {
    /// "embedded" runs the simulator in-process on loopback.
    #[serde(default = "default_endpoint")]
    pub endpoint: String,
    #[serde(default = "default_timeout")]
    pub timeout_secs: u64,
    /// Key for personal data at rest in the outbox; created if missing.
    #[serde(default)]
    pub key_file: Option<PathBuf>,
    /// The terminal's HMAC key for signing requests; created if missing.
    #[serde(default)]
    pub signing_key_file: Option<PathBuf>,
    /// Sealing of personal data at rest: "aes-256-gcm" (default) or "sm4-gcm".
    #[serde(default)]
    pub seal_algorithm: crate::envelope::SealAlg,
    /// Request signing: "hmac-sha256" (default) or "hmac-sm3" (the platform must agree).
    #[serde(default)]
    pub sign_algorithm: kiosk_api::sign::SignAlg,
    /// PEM bundle of the platform's private CA, trusted besides the system roots.
    #[serde(default)]
    pub ca_bundle: Option<PathBuf>,
    /// HTTP(S) proxy for every request to the platform (none: direct, environment ignored).
    #[serde(default)]
    pub proxy: Option<String>,
    /// Failed attempts (other than an outage) after which the host is alerted about an item.
    #[serde(default = "default_alert_after")]
    pub alert_after_attempts: u32,
}

impl Default for Intake {
    fn default() -> Self {
        Self {
            endpoint: default_endpoint(),
            timeout_secs: default_timeout(),
            key_file: None,
            signing_key_file: None,
            seal_algorithm: Default::default(),
            sign_algorithm: Default::default(),
            ca_bundle: None,
            proxy: None,
            alert_after_attempts: default_alert_after(),
        }
    }
}

fn default_alert_after() -> u32 {
    5
}

/// The on-screen input methods.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Input {
    /// 手写: the Zinnia model (Simplified Chinese). Missing: the 手写 tab says it is
    /// unavailable and 拼音 still works.
    #[serde(default = "default_handwriting_model")]
    pub handwriting_model: PathBuf,
}

impl Default for Input {
    fn default() -> Self {
        Input { handwriting_model: default_handwriting_model() }
    }
}

fn default_handwriting_model() -> PathBuf {
    PathBuf::from(crate::handwriting::DEFAULT_MODEL)
}

/// How long data is kept (days unless said otherwise).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Retention {
    #[serde(default = "default_audit_days")]
    pub audit_days: u32,
    /// Metadata (numbers, states) of delivered items.
    #[serde(default = "default_delivered_days")]
    pub delivered_days: u32,
    /// Catalog versions kept in the cache (the active one included).
    #[serde(default = "default_catalog_versions")]
    pub catalog_versions: u32,
    /// 一人一档 profiles unused for this long are deleted.
    #[serde(default = "default_profile_days")]
    pub profile_days: u32,
    /// Items held for a technician (unreadable or refused) are purged after this long.
    #[serde(default = "default_attention_days")]
    pub attention_days: u32,
}

impl Default for Retention {
    fn default() -> Self {
        let d = crate::store::RetentionPolicy::default();
        Self {
            audit_days: d.audit_days,
            delivered_days: d.delivered_days,
            catalog_versions: d.catalog_versions,
            profile_days: d.profile_days,
            attention_days: d.attention_days,
        }
    }
}

impl Retention {
    pub fn policy(&self) -> crate::store::RetentionPolicy {
        crate::store::RetentionPolicy {
            audit_days: self.audit_days,
            delivered_days: self.delivered_days,
            catalog_versions: self.catalog_versions,
            profile_days: self.profile_days,
            attention_days: self.attention_days,
        }
    }
}

/// When the voice prompts are spoken.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum VoiceMode {
    /// Spoken in 长者版 only (and when a citizen presses 重听).
    #[default]
    Auto,
    On,
    Off,
}

/// Voice prompts (语音提示): one short prompt per screen and for a few events, played
/// through ALSA with `aplay` (src/voice/).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Voice {
    #[serde(default)]
    pub enabled: VoiceMode,
    /// 0..100 (100 = full scale; perceived loudness, gain = (volume/100)²).
    #[serde(default = "default_voice_volume")]
    pub volume: u32,
    /// The louder setting of 长者版, for that citizen's visit only; volume..100.
    #[serde(default = "default_voice_elder_volume")]
    pub elder_volume: u32,
    /// Speaking rate in words (syllables) per minute, espeak-ng's `-s`; 80..300.
    #[serde(default = "default_voice_rate")]
    pub rate: u32,
    /// ALSA device for `aplay -D` (e.g. "plughw:0,0"); none: ALSA's default.
    #[serde(default)]
    pub device: Option<String>,
    /// Recorded prompts `<id>.wav` that replace the synthesised ones (those in
    /// `<data_dir>/voice/` win over these).
    #[serde(default = "default_voice_recordings")]
    pub recordings: PathBuf,
}

impl Default for Voice {
    fn default() -> Self {
        Voice {
            enabled: VoiceMode::default(),
            volume: default_voice_volume(),
            elder_volume: default_voice_elder_volume(),
            rate: default_voice_rate(),
            device: None,
            recordings: default_voice_recordings(),
        }
    }
}

fn default_voice_volume() -> u32 {
    70
}
fn default_voice_elder_volume() -> u32 {
    100
}
fn default_voice_rate() -> u32 {
    150
}
fn default_voice_recordings() -> PathBuf {
    PathBuf::from("/usr/share/kiosk/voice")
}

fn default_audit_days() -> u32 {
    crate::store::RetentionPolicy::default().audit_days
}
fn default_delivered_days() -> u32 {
    crate::store::RetentionPolicy::default().delivered_days
}
fn default_catalog_versions() -> u32 {
    crate::store::RetentionPolicy::default().catalog_versions
}
fn default_profile_days() -> u32 {
    crate::store::RetentionPolicy::default().profile_days
}
fn default_attention_days() -> u32 {
    crate::store::RetentionPolicy::default().attention_days
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Devices {
    #[serde(default)]
    pub idcard: DeviceCfg,
    #[serde(default)]
    pub printer: DeviceCfg,
    #[serde(default)]
    pub scanner: DeviceCfg,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct DeviceCfg {
    /// "emulated", or a device path such as /dev/ttyUSB0.
    #[serde(default = "default_port")]
    pub port: String,
    #[serde(default = "default_baud")]
    pub baud: u32,
    /// Printer only: a profile id from data/printers/profiles.json.
    #[serde(default)]
    pub profile: Option<String>,
}

impl Default for DeviceCfg {
    fn default() -> Self {
        Self { port: default_port(), baud: default_baud(), profile: None }
    }
}

fn default_data_dir() -> PathBuf {
    PathBuf::from("kiosk-data")
}
fn default_heartbeat() -> u64 {
    60
}
fn default_time_zone() -> String {
    "Asia/Shanghai".into()
}
fn default_submit_deadline() -> u64 {
    10
}
fn yes() -> bool {
    true
}

// The journey's defaults are the documented ones (docs/config.md).
fn default_idle() -> u32 {
    crate::journey::Timing::default().idle_timeout
}
fn default_idle_warning() -> u32 {
    crate::journey::Timing::default().warn_at
}
fn default_farewell() -> u32 {
    crate::journey::Timing::default().farewell
}
fn default_deferral_days() -> u32 {
    crate::journey::DEFERRAL_DAYS
}
pub(crate) fn default_online_app() -> String {
    "豫事办".into()
}
fn default_progress_url() -> String {
    "https://zwfw.example.gov.cn/progress".into()
}
fn default_endpoint() -> String {
    "embedded".into()
}
fn default_timeout() -> u64 {
    15
}
fn default_port() -> String {
    "emulated".into()
}
fn default_baud() -> u32 {
    115200
}

impl Config {
    /// Demo mode (`kiosk --demo`): everything emulated and local.
    #[cfg(feature = "demo")]
    pub fn demo() -> Self {
        Self::parse(include_str!("../kiosk.example.toml"), "kiosk.example.toml").expect("example config is tested")
    }

    pub fn is_demo(&self) -> bool {
        self.terminal.mode == Mode::Demo
    }

    /// Where the outbox key and the request signing key live (default: the data dir).
    pub fn key_paths(&self) -> (PathBuf, PathBuf) {
        let dir = &self.terminal.data_dir;
        (
            self.intake.key_file.clone().unwrap_or_else(|| dir.join("outbox.key")),
            self.intake.signing_key_file.clone().unwrap_or_else(|| dir.join("signing.key")),
        )
    }

    /// The control socket's path (`terminal.control_socket`, else the mode's default).
    pub fn control_socket(&self) -> PathBuf {
        match (&self.terminal.control_socket, self.terminal.mode) {
            (Some(p), _) => p.clone(),
            (None, Mode::Production) => PathBuf::from(PRODUCTION_CONTROL_SOCKET),
            (None, Mode::Demo) => self.terminal.data_dir.join("control.sock"),
        }
    }

    /// The kiosk's own log files (`kiosk.log`, rotated), beside journald.
    pub fn log_dir(&self) -> PathBuf {
        self.terminal.data_dir.join("logs")
    }

    /// SHA-256 (hex) of the configuration file's bytes.
    pub fn sha256(&self) -> &str {
        &self.origin.sha256
    }

    /// Every key = value as the kiosk applies it, for the technician's screen and
    /// `diag status`. Nothing secret: key files are named, never read; a proxy's user
    /// and password are masked; optional keys left out say what applies instead.
    pub fn masked_lines(&self) -> Vec<(String, String)> {
        let mut out = Vec::new();
        if let Ok(v) = toml::Value::try_from(self) {
            flatten("", &v, &mut out);
        }
        let (key_file, signing) = self.key_paths();
        let backend = self.display.backend_name(self.terminal.mode);
        let derived: [(&str, String); 8] = [
            ("terminal.control_socket", quoted(&self.control_socket().display().to_string())),
            ("intake.key_file", quoted(&key_file.display().to_string())),
            ("intake.signing_key_file", quoted(&signing.display().to_string())),
            ("intake.ca_bundle", "(none: system roots only)".into()),
            ("intake.proxy", "(none: direct)".into()),
            ("display.backend", format!("(default: {backend})")),
            ("catalog.file", "(none)".into()),
            ("voice.device", "(none: ALSA's default)".into()),
        ];
        for (key, value) in derived {
            if !out.iter().any(|(k, _)| k == key) {
                out.push((key.to_string(), value));
            }
        }
        for (key, value) in out.iter_mut() {
            if key == "intake.proxy" {
                if let Some(p) = &self.intake.proxy {
                    *value = quoted(&mask_url_credentials(p));
                }
            }
        }
        out.sort_by(|a, b| a.0.cmp(&b.0));
        out
    }

    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let file = path.display().to_string();
        let bytes = std::fs::read(path).map_err(|source| ConfigError::Read { file: file.clone(), source })?;
        let text = String::from_utf8(bytes).map_err(|e| ConfigError::Read {
            file: file.clone(),
            source: std::io::Error::new(std::io::ErrorKind::InvalidData, e.utf8_error()),
        })?;
        let mut cfg = Self::parse(&text, &file)?;
        cfg.origin.path = Some(path.to_path_buf());
        Ok(cfg)
    }

    pub fn parse(text: &str, file: &str) -> Result<Self, ConfigError> {
        let cfg: Config = toml::from_str(text).map_err(|e| {
            let line = e.span().map_or(0, |s| line_of_offset(text, s.start));
            let message = e.message().to_string();
            let key = message.split('`').nth(1).unwrap_or_default().to_string();
            ConfigError::Invalid { file: file.to_string(), line, key, message }
        })?;
        let mut cfg = cfg;
        cfg.validate(text, file)?;
        if !cfg.is_demo() {
            cfg.validate_production(text, file)?;
        }
        cfg.origin =
            Origin { path: None, sha256: hex::encode(<sha2::Sha256 as sha2::Digest>::digest(text.as_bytes())) };
        Ok(cfg)
    }

    /// Production names every part for real: sections present, no emulator, no simulator.
    fn validate_production(&self, text: &str, file: &str) -> Result<(), ConfigError> {
        let table: toml::Table = toml::from_str(text).unwrap_or_default();
        let has = |path: &[&str]| {
            let mut t = &table;
            for (i, k) in path.iter().enumerate() {
                match t.get(*k) {
                    Some(toml::Value::Table(next)) => t = next,
                    Some(_) if i + 1 == path.len() => return true,
                    _ => return false,
                }
            }
            true
        };
        let missing =
            |section: &str, why| ConfigError::Missing { file: file.to_string(), section: section.into(), why };
        if !has(&["intake"]) || !has(&["intake", "endpoint"]) {
            return Err(missing("intake", "a production terminal names its platform endpoint (intake.endpoint)"));
        }
        for dev in ["idcard", "printer", "scanner"] {
            if !has(&["devices", dev]) || !has(&["devices", dev, "port"]) {
                return Err(missing(
                    &format!("devices.{dev}"),
                    "a production terminal names every device's port (a device absent at boot is degraded, not emulated)",
                ));
            }
        }
        let bad = |key: &str, message: &str| ConfigError::Invalid {
            file: file.to_string(),
            line: line_of_key(text, key),
            key: key.to_string(),
            message: format!("`{key}`: {message}"),
        };
        if self.intake.endpoint == "embedded" {
            return Err(bad(
                "intake.endpoint",
                "the embedded simulator is for demo mode only; a terminal uses the platform's https:// URL",
            ));
        }
        for (name, d) in
            [("idcard", &self.devices.idcard), ("printer", &self.devices.printer), ("scanner", &self.devices.scanner)]
        {
            if d.port == "emulated" {
                return Err(bad(
                    &format!("devices.{name}.port"),
                    "emulated devices are for demo mode only (set [terminal] mode = \"demo\" on a development machine)",
                ));
            }
        }
        Ok(())
    }

    fn validate(&self, text: &str, file: &str) -> Result<(), ConfigError> {
        let bad = |key: &str, message: String| ConfigError::Invalid {
            file: file.to_string(),
            line: line_of_key(text, key),
            key: key.to_string(),
            message: format!("`{key}`: {message}"),
        };
        let t = &self.terminal;
        if t.mode == Mode::Demo && !cfg!(feature = "demo") {
            return Err(bad("terminal.mode", "this is a production build: it has no demo mode".into()));
        }
        if t.id.is_empty() || !t.id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
            return Err(bad("terminal.id", "must be letters, digits and '-' (e.g. XX-0001)".into()));
        }
        if t.centre.trim().is_empty() {
            return Err(bad("terminal.centre", "must name the service centre".into()));
        }
        if t.branch.trim().is_empty() {
            return Err(bad("terminal.branch", "must name the host branch".into()));
        }
        if t.online_app.trim().is_empty() {
            return Err(bad("terminal.online_app", "must name the online service app".into()));
        }
        if !(30..=3600).contains(&t.idle_timeout_secs) {
            return Err(bad("terminal.idle_timeout_secs", "must be between 30 and 3600".into()));
        }
        if !(5..=t.idle_timeout_secs / 2).contains(&t.idle_warning_secs) {
            return Err(bad("terminal.idle_warning_secs", "must be between 5 and half of idle_timeout_secs".into()));
        }
        if !(1..=120).contains(&t.farewell_secs) {
            return Err(bad("terminal.farewell_secs", "must be between 1 and 120".into()));
        }
        if !(1..=30).contains(&t.deferral_days) {
            return Err(bad("terminal.deferral_days", "must be between 1 and 30".into()));
        }
        if !(1..=3600).contains(&t.heartbeat_secs) {
            return Err(bad("terminal.heartbeat_secs", "must be between 1 and 3600".into()));
        }
        if let Err(why) = check_endpoint(&self.intake.endpoint) {
            return Err(bad("intake.endpoint", why));
        }
        if t.time_zone.parse::<chrono_tz::Tz>().is_err() {
            return Err(bad("terminal.time_zone", "must be an IANA zone such as \"Asia/Shanghai\"".into()));
        }
        if t.control_socket.as_ref().is_some_and(|p| p.as_os_str().is_empty()) {
            return Err(bad("terminal.control_socket", "must be a path such as \"/run/kiosk/control.sock\"".into()));
        }
        let socket = self.control_socket();
        if socket.as_os_str().len() > SOCKET_PATH_MAX {
            return Err(bad(
                "terminal.control_socket",
                format!("{} is longer than a Unix socket path may be ({SOCKET_PATH_MAX} bytes)", socket.display()),
            ));
        }
        if !(1..=120).contains(&t.submit_deadline_secs) {
            return Err(bad("terminal.submit_deadline_secs", "must be between 1 and 120".into()));
        }
        if !(1..=300).contains(&self.intake.timeout_secs) {
            return Err(bad("intake.timeout_secs", "must be between 1 and 300".into()));
        }
        if !(1..=1000).contains(&self.intake.alert_after_attempts) {
            return Err(bad("intake.alert_after_attempts", "must be between 1 and 1000".into()));
        }
        if let Some(p) = &self.intake.proxy {
            if !(p.starts_with("http://") || p.starts_with("https://")) {
                return Err(bad("intake.proxy", "must be an http:// or https:// URL".into()));
            }
        }
        for (key, code) in self.id_types.entries() {
            if code.is_empty() || !code.chars().all(|c| c.is_ascii_alphanumeric()) {
                return Err(bad(key, "must be a 证件类型代码 of letters and digits (e.g. \"111\")".into()));
            }
        }
        let r = &self.retention;
        for (key, v, min) in [
            ("retention.audit_days", r.audit_days, 1),
            ("retention.delivered_days", r.delivered_days, 1),
            ("retention.catalog_versions", r.catalog_versions, 1),
            ("retention.profile_days", r.profile_days, 1),
            ("retention.attention_days", r.attention_days, 1),
        ] {
            if v < min {
                return Err(bad(key, format!("must be at least {min}")));
            }
        }
        let v = &self.voice;
        if v.volume > 100 {
            return Err(bad("voice.volume", "must be between 0 and 100".into()));
        }
        if !(v.volume..=100).contains(&v.elder_volume) {
            return Err(bad("voice.elder_volume", "must be between voice.volume and 100".into()));
        }
        if !(80..=300).contains(&v.rate) {
            return Err(bad("voice.rate", "must be between 80 and 300".into()));
        }
        if v.device.as_ref().is_some_and(|d| d.trim().is_empty()) {
            return Err(bad("voice.device", "must name an ALSA device such as \"plughw:0,0\"".into()));
        }
        if self.intake.signing_key_file.is_some() && self.intake.signing_key_file == self.intake.key_file {
            return Err(bad("intake.signing_key_file", "must differ from intake.key_file".into()));
        }
        for (name, d) in
            [("idcard", &self.devices.idcard), ("printer", &self.devices.printer), ("scanner", &self.devices.scanner)]
        {
            if d.port != "emulated" && !d.port.starts_with('/') && !d.port.starts_with("tcp:") {
                return Err(bad(
                    &format!("devices.{name}.port"),
                    "must be \"emulated\", a device path or tcp:HOST:PORT".into(),
                ));
            }
            if let Some(p) = &d.profile {
                if name != "printer" || kiosk_hardware::printer::PrinterProfile::by_id(p).is_none() {
                    let known: Vec<String> =
                        kiosk_hardware::printer::PrinterProfile::builtin().into_iter().map(|p| p.id).collect();
                    return Err(bad(
                        &format!("devices.{name}.profile"),
                        format!("unknown printer profile; known: {}", known.join(", ")),
                    ));
                }
            }
            if ![9600, 19200, 38400, 57600, 115200].contains(&d.baud) {
                return Err(bad(&format!("devices.{name}.baud"), "must be 9600, 19200, 38400, 57600 or 115200".into()));
            }
        }
        Ok(())
    }
}

/// Where a production terminal's control socket is unless configured (kiosk.service's
/// RuntimeDirectory=kiosk).
pub const PRODUCTION_CONTROL_SOCKET: &str = "/run/kiosk/control.sock";

/// The longest path a Unix socket address holds (sun_path, with its NUL).
const SOCKET_PATH_MAX: usize = 107;

fn quoted(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

/// Dotted keys and TOML literals of a table, depth first.
fn flatten(prefix: &str, v: &toml::Value, out: &mut Vec<(String, String)>) {
    match v {
        toml::Value::Table(t) => {
            for (k, v) in t {
                flatten(&if prefix.is_empty() { k.clone() } else { format!("{prefix}.{k}") }, v, out);
            }
        }
        other => out.push((prefix.to_string(), other.to_string())),
    }
}

/// `http://user:secret@proxy:3128` → `http://***:***@proxy:3128`; unparsable → `***`.
fn mask_url_credentials(u: &str) -> String {
    match url::Url::parse(u) {
        Ok(mut url) => {
            if !url.username().is_empty() {
                let _ = url.set_username("***");
            }
            if url.password().is_some() {
                let _ = url.set_password(Some("***"));
            }
            url.to_string()
        }
        Err(_) => "***".into(),
    }
}

/// "embedded", an https URL, or plain http to a loopback address only.
fn check_endpoint(e: &str) -> Result<(), String> {
    const WANT: &str = "must be \"embedded\" (demo), an https:// URL, or http:// to a loopback address";
    if e == "embedded" {
        return Ok(());
    }
    let url = reqwest::Url::parse(e).map_err(|err| format!("{WANT} ({err})"))?;
    let host = url.host_str().unwrap_or_default();
    let loopback = host == "localhost"
        || host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback());
    match url.scheme() {
        "https" if !host.is_empty() => Ok(()),
        "http" if loopback => Ok(()),
        _ => Err(WANT.into()),
    }
}

fn line_of_offset(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}

/// Line of `a.b.c = ...`: the `c` key inside the `[a.b]` table (0 if absent).
fn line_of_key(text: &str, dotted: &str) -> usize {
    let (table, key) = dotted.rsplit_once('.').unwrap_or(("", dotted));
    let mut current = String::new();
    for (i, line) in text.lines().enumerate() {
        let l = line.trim();
        if let Some(t) = l.strip_prefix('[').and_then(|r| r.strip_suffix(']')) {
            current = t.trim().to_string();
        } else if current == table && l.split('=').next().map(str::trim) == Some(key) {
            return i + 1;
        }
    }
    0
}

#[cfg(test)]
mod tests {
    use super::*;

    const OK: &str =
        "[terminal]\nmode = \"demo\"\nid = \"XX-0001\"\ncentre = \"新乡\"\nbranch = \"b\"\nhelp_phone = \"0373\"\n";

    #[cfg(feature = "demo")]
    #[test]
    fn example_config_parses() {
        let c = Config::demo();
        assert_eq!(c.intake.endpoint, "embedded");
        assert_eq!(c.devices.idcard.baud, 115200);
        assert!(Config::parse(OK, "k.toml").is_ok());
    }

    #[test]
    fn unknown_key_names_key_and_line() {
        let text = format!("{OK}idle_timeout = 5\n");
        let e = Config::parse(&text, "k.toml").unwrap_err();
        let ConfigError::Invalid { line, key, .. } = &e else { panic!() };
        assert_eq!((*line, key.as_str()), (7, "idle_timeout"));
        assert!(e.to_string().starts_with("k.toml:7:"), "{e}");
    }

    #[test]
    fn missing_key_is_named() {
        let e = Config::parse("[terminal]\nid = \"A\"\ncentre = \"s\"\nbranch = \"b\"\n", "k.toml").unwrap_err();
        assert!(e.to_string().contains("help_phone"), "{e}");
    }

    #[test]
    fn invalid_values_name_key_and_line() {
        let text = format!("{OK}idle_timeout_secs = 5\n");
        let e = Config::parse(&text, "k.toml").unwrap_err();
        assert_eq!(e.to_string(), "k.toml:7: `terminal.idle_timeout_secs`: must be between 30 and 3600");
        let text = format!("{OK}[devices.printer]\nport = \"/dev/usb/lp0\"\nbaud = 1234\n");
        let e = Config::parse(&text, "k.toml").unwrap_err();
        assert!(e.to_string().starts_with("k.toml:9: `devices.printer.baud`"), "{e}");
        let e = Config::parse(&format!("{OK}[devices.printer]\nprofile = \"acme\"\n"), "k.toml").unwrap_err();
        assert!(e.to_string().starts_with("k.toml:8: `devices.printer.profile`: unknown printer profile"), "{e}");
        let e = Config::parse(&format!("{OK}[intake]\nendpoint = \"ftp://x\"\n"), "k.toml").unwrap_err();
        assert!(e.to_string().starts_with("k.toml:8: `intake.endpoint`"), "{e}");
        let e = Config::parse(
            "[terminal]\nid = \"A B\"\ncentre = \"s\"\nbranch = \"b\"\nhelp_phone = \"1\"\nmode = \"demo\"\n",
            "k.toml",
        )
        .unwrap_err();
        assert!(e.to_string().starts_with("k.toml:2: `terminal.id`"), "{e}");
        let text = format!("{OK}[intake]\nkey_file = \"/k\"\nsigning_key_file = \"/k\"\n");
        let e = Config::parse(&text, "k.toml").unwrap_err();
        assert!(e.to_string().starts_with("k.toml:9: `intake.signing_key_file`: must differ"), "{e}");
        let e = Config::parse(&format!("{OK}[intake]\ntimeout_secs = 0\n"), "k.toml").unwrap_err();
        assert!(e.to_string().starts_with("k.toml:8: `intake.timeout_secs`"), "{e}");
        let ok = format!("{OK}[intake]\nsigning_key_file = \"/etc/kiosk/sign.key\"\n");
        assert_eq!(Config::parse(&ok, "k.toml").unwrap().intake.signing_key_file, Some("/etc/kiosk/sign.key".into()));
        let e = Config::parse(&format!("{OK}idle_timeout_secs = \"x\"\n"), "k.toml").unwrap_err();
        assert!(e.to_string().starts_with("k.toml:7:"), "{e}");
    }

    #[test]
    fn voice_keys_are_checked() {
        let c = Config::parse(OK, "k.toml").unwrap();
        assert_eq!(c.voice.enabled, VoiceMode::Auto, "on in 长者版 only by default");
        assert_eq!((c.voice.volume, c.voice.elder_volume, c.voice.rate), (70, 100, 150));
        let on = Config::parse(&format!("{OK}[voice]\nenabled = \"on\"\ndevice = \"plughw:0,0\"\n"), "k.toml").unwrap();
        assert_eq!((on.voice.enabled, on.voice.device.as_deref()), (VoiceMode::On, Some("plughw:0,0")));
        for (body, line, key) in [
            ("enabled = \"loud\"\n", 8, "`auto`, `on`, `off`"),
            ("volume = 101\n", 8, "voice.volume"),
            ("volume = 80\nelder_volume = 60\n", 9, "voice.elder_volume"),
            ("rate = 20\n", 8, "voice.rate"),
            ("device = \" \"\n", 8, "voice.device"),
        ] {
            let e = Config::parse(&format!("{OK}[voice]\n{body}"), "k.toml").unwrap_err();
            assert!(e.to_string().starts_with(&format!("k.toml:{line}:")), "{body}: {e}");
            assert!(e.to_string().contains(key), "{body}: {e}");
        }
    }

    const PROD: &str = "[terminal]\nid = \"XX-0001\"\ncentre = \"新乡\"\nbranch = \"b\"\nhelp_phone = \"0373\"\n\n[intake]\nendpoint = \"https://intake.example.gov.cn/api\"\n\n[devices.idcard]\nport = \"/dev/kiosk-idcard\"\n\n[devices.printer]\nport = \"/dev/kiosk-printer\"\n\n[devices.scanner]\nport = \"/dev/kiosk-camera\"\n";

    #[test]
    fn production_is_the_default_and_names_every_part() {
        let c = Config::parse(PROD, "k.toml").unwrap();
        assert_eq!(c.terminal.mode, Mode::Production);
        assert!(!c.is_demo());
        assert_eq!(c.display.backend_name(c.terminal.mode), "linuxkms");
        assert!(c.display.fullscreen && !c.display.show_cursor);
        assert_eq!(c.terminal.tz(), chrono_tz::Asia::Shanghai);
        // A terminal file without the device sections used to fall back to emulators.
        let e = Config::parse(OK.replace("mode = \"demo\"\n", "").as_str(), "k.toml").unwrap_err();
        assert!(matches!(&e, ConfigError::Missing { section, .. } if section == "intake"), "{e}");
        let no_printer = PROD.replace("[devices.printer]\nport = \"/dev/kiosk-printer\"\n", "");
        let e = Config::parse(&no_printer, "k.toml").unwrap_err();
        assert!(e.to_string().contains("[devices.printer] is missing"), "{e}");
    }

    #[test]
    fn production_refuses_emulators_and_the_simulator_by_key_and_line() {
        let e = Config::parse(&PROD.replace("/dev/kiosk-idcard", "emulated"), "k.toml").unwrap_err();
        assert!(e.to_string().starts_with("k.toml:11: `devices.idcard.port`: emulated devices are for demo"), "{e}");
        let e = Config::parse(&PROD.replace("https://intake.example.gov.cn/api", "embedded"), "k.toml").unwrap_err();
        assert!(e.to_string().starts_with("k.toml:8: `intake.endpoint`: the embedded simulator"), "{e}");
        // The same file is fine once it says demo.
        let demo =
            PROD.replace("[terminal]\n", "[terminal]\nmode = \"demo\"\n").replace("/dev/kiosk-idcard", "emulated");
        assert!(Config::parse(&demo, "k.toml").unwrap().is_demo());
    }

    #[test]
    fn endpoints_are_parsed_not_prefix_matched() {
        for ok in
            ["https://intake.example.gov.cn/api", "http://127.0.0.1:8700", "http://[::1]:80/x", "http://localhost:1"]
        {
            assert!(check_endpoint(ok).is_ok(), "{ok}");
        }
        for bad in ["http://127.0.0.1.evil.example/x", "http://10.1.2.3/x", "ftp://x", "https://", "intake.gov.cn"] {
            assert!(check_endpoint(bad).is_err(), "{bad}");
        }
        let e = Config::parse(&format!("{OK}time_zone = \"Mars/Olympus\"\n"), "k.toml").unwrap_err();
        assert!(e.to_string().starts_with("k.toml:7: `terminal.time_zone`"), "{e}");
    }

    #[test]
    fn masked_lines_show_every_key_and_no_secret() {
        let text = PROD.replace(
            "[intake]\n",
            "[intake]\nproxy = \"http://ops:s3cret@proxy.example.gov.cn:3128\"\nkey_file = \"/etc/kiosk/outbox.key\"\n",
        );
        let c = Config::parse(&text, "k.toml").unwrap_or_else(|e| panic!("{e}\n{text}"));
        let lines = c.masked_lines();
        let get = |k: &str| lines.iter().find(|(key, _)| key == k).map(|(_, v)| v.clone()).unwrap_or_default();
        assert_eq!(get("intake.proxy"), "\"http://***:***@proxy.example.gov.cn:3128/\"");
        assert_eq!(get("intake.key_file"), "\"/etc/kiosk/outbox.key\"");
        assert_eq!(get("intake.signing_key_file"), "\"kiosk-data/signing.key\"");
        assert_eq!(get("terminal.control_socket"), "\"/run/kiosk/control.sock\"");
        assert_eq!(get("terminal.id"), "\"XX-0001\"");
        assert_eq!(get("terminal.idle_timeout_secs"), "120");
        assert_eq!(get("display.backend"), "(default: linuxkms)");
        let all = format!("{lines:?}");
        assert!(!all.contains("s3cret") && !all.contains("ops:"), "{all}");
        assert_eq!(c.sha256(), hex::encode(<sha2::Sha256 as sha2::Digest>::digest(text.as_bytes())));
        // Demo: the socket lives with the data.
        let demo = Config::parse(OK, "k.toml").unwrap();
        assert_eq!(demo.control_socket(), PathBuf::from("kiosk-data/control.sock"));
        let long = format!("{OK}control_socket = \"/{}\"\n", "x".repeat(120));
        let e = Config::parse(&long, "k.toml").unwrap_err();
        assert!(e.to_string().starts_with("k.toml:7: `terminal.control_socket`"), "{e}");
    }

    /// docs/config.md's table: (key, default cell, example literal).
    fn config_table() -> Vec<(String, String, String)> {
        let doc = include_str!("../docs/config.md");
        let tick =
            |cell: &str| cell.trim().strip_prefix('`').and_then(|c| c.split_once('`')).map(|(v, _)| v.to_string());
        doc.lines()
            .filter(|l| l.starts_with("| `"))
            .map(|l| {
                let cells: Vec<&str> = l.trim_matches('|').split(" | ").collect();
                let key = tick(cells[0]).expect("key in backticks");
                let example = tick(cells[2]).unwrap_or_else(|| panic!("{key}: example in backticks"));
                (key, cells[1].trim().to_string(), example)
            })
            .collect()
    }

    /// A TOML document with `key = value` for each (dotted key, literal).
    fn toml_of<'a>(rows: impl IntoIterator<Item = (&'a str, &'a str)>) -> String {
        let mut tables: std::collections::BTreeMap<&str, String> = Default::default();
        for (key, value) in rows {
            let (table, name) = key.rsplit_once('.').expect("keys are table.key");
            tables.entry(table).or_default().push_str(&format!("{name} = {value}\n"));
        }
        tables.into_iter().map(|(t, body)| format!("[{t}]\n{body}\n")).collect()
    }

    fn dotted_keys(prefix: &str, v: &toml::Value, out: &mut std::collections::BTreeSet<String>) {
        match v {
            toml::Value::Table(t) => {
                for (k, v) in t {
                    dotted_keys(&if prefix.is_empty() { k.clone() } else { format!("{prefix}.{k}") }, v, out);
                }
            }
            _ => {
                out.insert(prefix.to_string());
            }
        }
    }

    fn keys_of(v: &toml::Value) -> std::collections::BTreeSet<String> {
        let mut out = Default::default();
        dotted_keys("", v, &mut out);
        out
    }

    #[test]
    fn config_table_matches_the_structs() {
        let table = config_table();
        let documented: std::collections::BTreeSet<String> = table.iter().map(|(k, ..)| k.clone()).collect();
        assert_eq!(documented.len(), table.len(), "a key listed twice");
        // Every documented key is accepted with its example (unknown keys are refused) ...
        let full = toml_of(table.iter().map(|(k, _, e)| (k.as_str(), e.as_str())));
        let cfg = Config::parse(&full, "docs/config.md").unwrap_or_else(|e| panic!("{e}\n{full}"));
        // ... and every key the structs have is documented.
        let have = keys_of(&toml::Value::try_from(&cfg).unwrap());
        assert_eq!(have, documented, "docs/config.md and the structs in src/config.rs differ");
        // The shipped files use documented keys only.
        for (name, text) in [
            ("kiosk.example.toml", include_str!("../kiosk.example.toml")),
            ("packaging/kiosk.toml", include_str!("../packaging/kiosk.toml")),
        ] {
            let keys = keys_of(&toml::from_str::<toml::Value>(text).unwrap());
            let undocumented: Vec<_> = keys.difference(&documented).collect();
            assert!(undocumented.is_empty(), "{name}: {undocumented:?} not in docs/config.md");
        }
    }

    #[cfg(feature = "demo")]
    #[test]
    fn config_table_defaults_are_the_applied_ones() {
        let table = config_table();
        let required: Vec<(&str, &str)> =
            table.iter().filter(|(_, d, _)| d == "required").map(|(k, _, e)| (k.as_str(), e.as_str())).collect();
        let minimal = toml_of(required.iter().copied().chain([("terminal.mode", "\"demo\"")]));
        let cfg = Config::parse(&minimal, "minimal.toml").unwrap_or_else(|e| panic!("{e}\n{minimal}"));
        let applied = toml::Value::try_from(&cfg).unwrap();
        let mut checked = 0;
        for (key, default, _) in &table {
            let Some(literal) = default.strip_prefix('`').and_then(|d| d.split_once('`')).map(|(v, _)| v) else {
                continue;
            };
            let Ok(want) = toml::from_str::<toml::Table>(&format!("v = {literal}")) else { continue };
            if key == "terminal.mode" {
                continue;
            }
            let got = key.split('.').try_fold(&applied, |v, k| v.get(k));
            assert_eq!(got, Some(&want["v"]), "default of {key}");
            checked += 1;
        }
        assert!(checked > 20, "{checked} defaults checked");
    }
}

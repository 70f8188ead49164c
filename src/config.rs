//! kiosk.toml. Every key is checked; a missing or invalid one is reported with its
//! name and line, and the process exits with code 2.

use crate::rating::RatingMapping;
use serde::Deserialize;
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{file}: cannot read: {source}")]
    Read { file: String, source: std::io::Error },
    #[error("{file}:{line}: {message}")]
    Invalid { file: String, line: usize, key: String, message: String },
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    pub terminal: Terminal,
    #[serde(default)]
    pub intake: Intake,
    #[serde(default)]
    pub devices: Devices,
    #[serde(default)]
    pub rating: RatingMapping,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Terminal {
    pub id: String,
    pub site: String,
    pub help_phone: String,
    #[serde(default = "default_data_dir")]
    pub data_dir: PathBuf,
    #[serde(default = "default_idle")]
    pub idle_timeout_secs: u32,
    #[serde(default = "default_progress_url")]
    pub progress_url: String,
    /// Seconds between device checks and heartbeats to the platform.
    #[serde(default = "default_heartbeat")]
    pub heartbeat_secs: u64,
}

#[derive(Debug, Clone, Deserialize)]
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
}

impl Default for Intake {
    fn default() -> Self {
        Self { endpoint: default_endpoint(), timeout_secs: default_timeout(), key_file: None, signing_key_file: None }
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Devices {
    #[serde(default)]
    pub idcard: DeviceCfg,
    #[serde(default)]
    pub printer: DeviceCfg,
    #[serde(default)]
    pub scanner: DeviceCfg,
}

#[derive(Debug, Clone, Deserialize)]
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

fn default_idle() -> u32 {
    120
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
    /// Demo mode: no file, everything emulated and local.
    pub fn demo() -> Self {
        Self::parse(include_str!("../kiosk.example.toml"), "kiosk.example.toml").expect("example config is tested")
    }

    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let file = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read { file: file.clone(), source })?;
        Self::parse(&text, &file)
    }

    pub fn parse(text: &str, file: &str) -> Result<Self, ConfigError> {
        let cfg: Config = toml::from_str(text).map_err(|e| {
            let line = e.span().map_or(0, |s| line_of_offset(text, s.start));
            let message = e.message().to_string();
            let key = message.split('`').nth(1).unwrap_or_default().to_string();
            ConfigError::Invalid { file: file.to_string(), line, key, message }
        })?;
        cfg.validate(text, file)?;
        Ok(cfg)
    }

    fn validate(&self, text: &str, file: &str) -> Result<(), ConfigError> {
        let bad = |key: &str, message: String| ConfigError::Invalid {
            file: file.to_string(),
            line: line_of_key(text, key),
            key: key.to_string(),
            message: format!("`{key}`: {message}"),
        };
        let t = &self.terminal;
        if t.id.is_empty() || !t.id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
            return Err(bad("terminal.id", "must be letters, digits and '-' (e.g. XX-0001)".into()));
        }
        if t.site.trim().is_empty() {
            return Err(bad("terminal.site", "must name the host site".into()));
        }
        if !(30..=3600).contains(&t.idle_timeout_secs) {
            return Err(bad("terminal.idle_timeout_secs", "must be between 30 and 3600".into()));
        }
        if !(1..=3600).contains(&t.heartbeat_secs) {
            return Err(bad("terminal.heartbeat_secs", "must be between 1 and 3600".into()));
        }
        let e = &self.intake.endpoint;
        if e != "embedded" && !e.starts_with("https://") && !e.starts_with("http://127.0.0.1") {
            return Err(bad("intake.endpoint", "must be \"embedded\" or an https:// URL".into()));
        }
        if !(1..=300).contains(&self.intake.timeout_secs) {
            return Err(bad("intake.timeout_secs", "must be between 1 and 300".into()));
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

    const OK: &str = "[terminal]\nid = \"XX-0001\"\nsite = \"新乡\"\nhelp_phone = \"0373\"\n";

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
        assert_eq!((*line, key.as_str()), (5, "idle_timeout"));
        assert!(e.to_string().starts_with("k.toml:5:"), "{e}");
    }

    #[test]
    fn missing_key_is_named() {
        let e = Config::parse("[terminal]\nid = \"A\"\nsite = \"s\"\n", "k.toml").unwrap_err();
        assert!(e.to_string().contains("help_phone"), "{e}");
    }

    #[test]
    fn invalid_values_name_key_and_line() {
        let text = format!("{OK}idle_timeout_secs = 5\n");
        let e = Config::parse(&text, "k.toml").unwrap_err();
        assert_eq!(e.to_string(), "k.toml:5: `terminal.idle_timeout_secs`: must be between 30 and 3600");
        let text = format!("{OK}[devices.printer]\nport = \"/dev/usb/lp0\"\nbaud = 1234\n");
        let e = Config::parse(&text, "k.toml").unwrap_err();
        assert!(e.to_string().starts_with("k.toml:7: `devices.printer.baud`"), "{e}");
        let e = Config::parse(&format!("{OK}[devices.printer]\nprofile = \"acme\"\n"), "k.toml").unwrap_err();
        assert!(e.to_string().starts_with("k.toml:6: `devices.printer.profile`: unknown printer profile"), "{e}");
        let e = Config::parse(&format!("{OK}[intake]\nendpoint = \"ftp://x\"\n"), "k.toml").unwrap_err();
        assert!(e.to_string().starts_with("k.toml:6: `intake.endpoint`"), "{e}");
        let e = Config::parse("[terminal]\nid = \"A B\"\nsite = \"s\"\nhelp_phone = \"1\"\n", "k.toml").unwrap_err();
        assert!(e.to_string().starts_with("k.toml:2: `terminal.id`"), "{e}");
        let text = format!("{OK}[intake]\nkey_file = \"/k\"\nsigning_key_file = \"/k\"\n");
        let e = Config::parse(&text, "k.toml").unwrap_err();
        assert!(e.to_string().starts_with("k.toml:7: `intake.signing_key_file`: must differ"), "{e}");
        let e = Config::parse(&format!("{OK}[intake]\ntimeout_secs = 0\n"), "k.toml").unwrap_err();
        assert!(e.to_string().starts_with("k.toml:6: `intake.timeout_secs`"), "{e}");
        let ok = format!("{OK}[intake]\nsigning_key_file = \"/etc/kiosk/sign.key\"\n");
        assert_eq!(Config::parse(&ok, "k.toml").unwrap().intake.signing_key_file, Some("/etc/kiosk/sign.key".into()));
        let e = Config::parse(&format!("{OK}idle_timeout_secs = \"x\"\n"), "k.toml").unwrap_err();
        assert!(e.to_string().starts_with("k.toml:5:"), "{e}");
    }
}

//! The one schema of `kiosk diag status`: what a technician (or a script) reads about
//! a terminal. Plain JSON, versioned by `schema_version`; later fields are added here
//! and nowhere else, and tests/cli.rs checks the output against it.
//!
//! The running kiosk answers it over its control socket (`source: "socket"`: the
//! monitor's view of the devices, uptime, the screen shown); with no kiosk running the
//! CLI looks at the devices and the database itself (`source: "direct"`).

use crate::config::Config;
use crate::journey::DeviceHealth;
use crate::ops::OutOfService;
use crate::store::{Alert, HelpCall, QueueStats, Store};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Bumped when a field changes meaning or goes away (adding one is compatible).
pub const SCHEMA_VERSION: u32 = 1;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Status {
    pub schema_version: u32,
    /// The terminal's id (`terminal.id`).
    pub terminal: String,
    /// `kiosk --version`: package version and git commit.
    pub version: String,
    pub mode: Mode,
    /// Who answered: the running kiosk over its control socket, or the CLI itself.
    #[serde(default)]
    pub source: Source,
    /// Each device as the idle-time monitor sees it, and the paper.
    pub devices: DeviceHealth,
    pub queue: Queue,
    /// Software, catalog, configuration and database versions.
    #[serde(default)]
    pub versions: Versions,
    /// Seconds since the kiosk started (None: no kiosk runs).
    #[serde(default)]
    pub uptime_secs: Option<u64>,
    /// Paused by a host, a technician, the CLI or the platform (None: in service).
    #[serde(default)]
    pub out_of_service: Option<OutOfService>,
    /// Host alerts not yet acknowledged, newest first.
    #[serde(default)]
    pub alerts: Vec<Alert>,
    /// Citizens' 帮办 calls not yet answered, newest first.
    #[serde(default)]
    pub help_calls: Vec<HelpCall>,
    /// The screen shown now (`Screen::name`; None: no kiosk runs).
    #[serde(default)]
    pub screen: Option<String>,
    /// Unix ms of the last frame the UI drew (None: none yet, or no kiosk runs).
    #[serde(default)]
    pub last_frame_ms: Option<i64>,
    /// Whether a citizen's session is open now (None: no kiosk runs).
    #[serde(default)]
    pub in_session: Option<bool>,
    /// The configuration as applied, every key, secrets masked (`Config::masked_lines`).
    #[serde(default)]
    pub config: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    Demo,
    Production,
}

/// How `kiosk diag` got its answer.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// The running kiosk answered on its control socket.
    Socket,
    /// No kiosk answered: the CLI opened the devices and the database itself.
    #[default]
    Direct,
}

impl Source {
    pub fn name(self) -> &'static str {
        match self {
            Source::Socket => "socket",
            Source::Direct => "direct",
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Versions {
    /// Package version and git commit (`kiosk::VERSION`).
    pub software: String,
    /// The service catalog in use (direct: the cached one), if any.
    pub catalog: Option<String>,
    /// SHA-256 of the configuration file's bytes.
    pub config_sha256: String,
    /// The configuration file (None: the built-in demo configuration).
    pub config_file: Option<String>,
    /// The database schema (`PRAGMA user_version`; None before the database exists).
    pub db_schema: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Queue {
    /// None before the kiosk has created its database.
    pub stats: Option<QueueCounts>,
    /// The devices' wear counters (prints, cuts, reads …).
    pub counters: Vec<Counter>,
}

/// The outbox counts as diag prints them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueueCounts {
    pub queued: i64,
    pub delivered: i64,
    /// Dead letters: unreadable here or refused for good; a technician decides.
    pub needs_attention: i64,
    /// Unix time (ms) of the oldest queued item.
    pub oldest_queued_ms: Option<i64>,
}

impl From<QueueStats> for QueueCounts {
    fn from(s: QueueStats) -> Self {
        Self {
            queued: s.queued,
            delivered: s.delivered,
            needs_attention: s.needs_attention,
            oldest_queued_ms: s.oldest_queued_ms,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counter {
    pub device: String,
    pub counter: String,
    pub value: i64,
}

/// What the database says, for either source.
#[derive(Debug, Clone, Default)]
pub struct StoreFacts {
    pub queue: Option<Queue>,
    pub out_of_service: Option<OutOfService>,
    pub alerts: Vec<Alert>,
    pub help_calls: Vec<HelpCall>,
    pub db_schema: Option<i64>,
    pub cached_catalog: Option<String>,
}

/// Reads the queue, the out-of-service state, open alerts and help calls.
pub fn store_facts(store: &Store) -> Result<StoreFacts, String> {
    let e = |e: crate::store::StoreError| e.to_string();
    let queue = Queue {
        stats: Some(store.queue_stats().map_err(e)?.into()),
        counters: store
            .counters()
            .map_err(e)?
            .into_iter()
            .map(|(device, counter, value)| Counter { device, counter, value })
            .collect(),
    };
    // As the journey loop reads it at start (a pause survives a restart).
    let out_of_service = crate::runtime::ops::saved_service(store);
    Ok(StoreFacts {
        queue: Some(queue),
        out_of_service,
        alerts: store.open_alerts().map_err(e)?,
        help_calls: store.open_help_calls().map_err(e)?,
        db_schema: Some(store.schema_version().map_err(e)?),
        cached_catalog: store.active_catalog().map_err(e)?.map(|(version, _)| version),
    })
}

/// What the running kiosk knows beyond the database.
#[derive(Debug, Clone)]
pub struct Live {
    pub uptime_secs: u64,
    pub screen: String,
    pub last_frame_ms: Option<i64>,
    pub in_session: bool,
    pub catalog: String,
}

/// Puts a status together from its parts.
pub fn assemble(cfg: &Config, source: Source, devices: DeviceHealth, facts: StoreFacts, live: Option<Live>) -> Status {
    let catalog = live.as_ref().map(|l| l.catalog.clone()).or(facts.cached_catalog);
    Status {
        schema_version: SCHEMA_VERSION,
        terminal: cfg.terminal.id.clone(),
        version: crate::VERSION.to_string(),
        mode: if cfg.is_demo() { Mode::Demo } else { Mode::Production },
        source,
        devices,
        queue: facts.queue.unwrap_or(Queue { stats: None, counters: Vec::new() }),
        versions: Versions {
            software: crate::VERSION.to_string(),
            catalog: catalog.filter(|v| !v.is_empty()),
            config_sha256: cfg.sha256().to_string(),
            config_file: cfg.origin.path.as_ref().map(|p| p.display().to_string()),
            db_schema: facts.db_schema,
        },
        uptime_secs: live.as_ref().map(|l| l.uptime_secs),
        out_of_service: facts.out_of_service,
        alerts: facts.alerts,
        help_calls: facts.help_calls,
        screen: live.as_ref().map(|l| l.screen.clone()),
        last_frame_ms: live.as_ref().and_then(|l| l.last_frame_ms),
        in_session: live.as_ref().map(|l| l.in_session),
        config: cfg.masked_lines().into_iter().collect(),
    }
}

/// With no kiosk running: looks at the configured devices (as the monitor does: the
/// reader's SAM status, never a card command) and the database in the data directory.
pub fn status(cfg: &Config) -> Result<Status, String> {
    let (devices, _rig) = crate::devices::open(cfg).map_err(|e| e.to_string())?;
    let devices = crate::runtime::monitor::probe(&devices, &DeviceHealth::default());
    let db = cfg.terminal.data_dir.join("kiosk.db");
    let facts = if db.exists() {
        let store = Store::open(&db).map_err(|e| e.to_string())?;
        store_facts(&store)?
    } else {
        StoreFacts::default()
    };
    Ok(assemble(cfg, Source::Direct, devices, facts, None))
}

/// What `kiosk diag logs` writes.
pub struct Export<'a> {
    pub terminal: &'a str,
    pub since_ms: i64,
    pub source: Source,
    /// `diag status` as JSON.
    pub status: &'a serde_json::Value,
    /// Audit rows (`Store::audit_since`) as JSON.
    pub audit: &'a [serde_json::Value],
    /// The kiosk's log lines since then (`logging::lines_since`).
    pub log_lines: &'a [String],
    /// Where the log lines were read.
    pub log_dir: &'a std::path::Path,
}

/// Writes an export into a new directory `kiosk-<terminal>-<UTC time>` under `out`:
/// `kiosk.log`, `audit.jsonl`, `status.json` and `manifest.json`. Every file passes
/// `logging::scrub` on the way out. Returns the manifest (with the directory).
pub fn write_export(out: &std::path::Path, e: &Export) -> Result<serde_json::Value, String> {
    use crate::logging::{scrub, scrub_json};
    use sha2::{Digest, Sha256};
    let now = chrono::Utc::now();
    let dir = out.join(format!("kiosk-{}-{}", e.terminal, now.format("%Y%m%dT%H%M%SZ")));
    std::fs::create_dir_all(&dir).map_err(|err| format!("{}: {err}", dir.display()))?;
    let mut log = String::new();
    for l in e.log_lines {
        log.push_str(&scrub(l));
        log.push('\n');
    }
    let mut audit = String::new();
    for row in e.audit {
        audit.push_str(&serde_json::to_string(&scrub_json(row)).map_err(|err| err.to_string())?);
        audit.push('\n');
    }
    let status = serde_json::to_string_pretty(&scrub_json(e.status)).map_err(|err| err.to_string())? + "\n";
    let mut files = Vec::new();
    for (name, body, lines) in
        [("kiosk.log", log, e.log_lines.len()), ("audit.jsonl", audit, e.audit.len()), ("status.json", status, 1)]
    {
        let path = dir.join(name);
        std::fs::write(&path, &body).map_err(|err| format!("{}: {err}", path.display()))?;
        files.push(serde_json::json!({
            "name": name,
            "bytes": body.len(),
            "records": lines,
            "sha256": hex::encode(Sha256::digest(body.as_bytes())),
        }));
    }
    let since = chrono::DateTime::from_timestamp_millis(e.since_ms).map(|t| t.to_rfc3339()).unwrap_or_default();
    let manifest = serde_json::json!({
        "terminal": e.terminal,
        "version": crate::VERSION,
        "created": now.to_rfc3339(),
        "since": since,
        "since_ms": e.since_ms,
        "source": e.source.name(),
        "log_dir": e.log_dir.display().to_string(),
        "files": files,
        "note": "personal data masked (logging::scrub); no citizen data is exported",
    });
    let text = serde_json::to_string_pretty(&scrub_json(&manifest)).map_err(|err| err.to_string())? + "\n";
    let path = dir.join("manifest.json");
    std::fs::write(&path, text).map_err(|err| format!("{}: {err}", path.display()))?;
    let mut shown = manifest;
    shown["dir"] = dir.display().to_string().into();
    Ok(shown)
}

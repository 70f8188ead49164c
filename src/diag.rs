//! The one schema of `kiosk diag status`: what a technician (or a script) reads about
//! a terminal. Plain JSON, versioned by `schema_version`; later fields are added here
//! and nowhere else, and tests/cli.rs checks the output against it.

use crate::config::Config;
use crate::journey::DeviceHealth;
use crate::store::{QueueStats, Store};
use serde::{Deserialize, Serialize};

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
    /// Each device as the idle-time monitor sees it, and the paper.
    pub devices: DeviceHealth,
    pub queue: Queue,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    Demo,
    Production,
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

/// Looks at the configured devices (as the monitor does: the reader's SAM status,
/// never a card command) and the queue in the data directory.
pub fn status(cfg: &Config) -> Result<Status, String> {
    let (devices, _rig) = crate::devices::open(cfg).map_err(|e| e.to_string())?;
    let devices = crate::runtime::monitor::probe(&devices, &DeviceHealth::default());
    let db = cfg.terminal.data_dir.join("kiosk.db");
    let queue = if db.exists() {
        let store = Store::open(&db).map_err(|e| e.to_string())?;
        Queue {
            stats: Some(store.queue_stats().map_err(|e| e.to_string())?.into()),
            counters: store
                .counters()
                .map_err(|e| e.to_string())?
                .into_iter()
                .map(|(device, counter, value)| Counter { device, counter, value })
                .collect(),
        }
    } else {
        Queue { stats: None, counters: Vec::new() }
    };
    Ok(Status {
        schema_version: SCHEMA_VERSION,
        terminal: cfg.terminal.id.clone(),
        version: crate::VERSION.to_string(),
        mode: if cfg.is_demo() { Mode::Demo } else { Mode::Production },
        devices,
        queue,
    })
}

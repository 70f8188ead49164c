//! Intake platform simulator: the API of docs/intake-api.yaml on loopback with its own
//! SQLite file. Runs in-process in the kiosk's demo build and tests, and as the
//! `intake-sim` binary. It verifies signatures, de-duplicates by idempotency key, moves
//! cases 收件 → 受理 → 办结 over time, serves the catalog it is given and injects faults
//! on command. It records 帮办 calls (answering "relayed by SMS"), hands a terminal the
//! pause/resume command queued for it in the next heartbeat answer, and can run with its
//! clock off (`set_clock_offset_secs`) to show a terminal what a wrong clock looks like.
//! A development tool: it shares only `kiosk-api` with the kiosk.

mod eid;
mod faults;
mod handlers;

pub use eid::{demo_person, E_ID_CODE_TTL_MS};
pub use faults::{FaultPlan, Faults, Stats};

use kiosk_api::wire::*;
use rusqlite::Connection;
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex};

/// Simulator state shared by the handlers and the test/demo handle.
pub struct Sim {
    db: Mutex<Connection>,
    keys: Mutex<HashMap<String, Vec<u8>>>,
    /// Terminals registered for one signing algorithm only (others accept either).
    algs: Mutex<HashMap<String, kiosk_api::sign::SignAlg>>,
    catalog: Mutex<(String, String)>,
    pub faults: Faults,
    pub counters: faults::Counters,
    /// Age (ms) at which a case becomes 受理, and 办结.
    accept_after_ms: AtomicI64,
    done_after_ms: AtomicI64,
    /// Commands for the next heartbeat answer, one per terminal (the latest wins).
    commands: Mutex<HashMap<String, TerminalCommand>>,
    /// Seconds added to the system clock: a platform whose clock is off.
    clock_offset_secs: AtomicI64,
    /// 电子身份证 test codes issued (eid.rs).
    e_id_codes: eid::Codes,
}

pub struct SimHandle {
    pub addr: SocketAddr,
    pub sim: Arc<Sim>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl SimHandle {
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Stops like a platform outage: the port closes and open connections end
    /// (graceful shutdown closes idle keep-alive connections; stragglers are cut).
    pub async fn stop(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(mut t) = self.task.take() {
            if tokio::time::timeout(std::time::Duration::from_secs(5), &mut t).await.is_err() {
                t.abort();
                let _ = t.await;
            }
        }
    }
}

impl Drop for SimHandle {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

/// The catalog served when none is given: valid for the kiosk, and older than any real
/// version, so a kiosk keeps the catalog it has.
pub const EMPTY_CATALOG: &str = r#"{"version":"0","note":"","fields":[],"materials":[],"matters":[],"bundles":[]}"#;

/// Unix time in milliseconds (case ages, heartbeat times).
pub fn now_ms() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0)
}

fn catalog_version(json: &str) -> String {
    serde_json::from_str::<serde_json::Value>(json)
        .ok()
        .and_then(|v| v.get("version").and_then(|v| v.as_str()).map(String::from))
        .unwrap_or_else(|| "unversioned".into())
}

impl Sim {
    /// Opens (or creates) the simulator's database; `catalog_json` is served at
    /// `GET /api/v1/catalog` in the kiosk's catalog format (`Catalog::to_json`), its
    /// `version` as the ETag and in heartbeat answers.
    pub fn open(db_path: &std::path::Path, catalog_json: String) -> rusqlite::Result<Arc<Sim>> {
        let conn = Connection::open(db_path)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        conn.execute_batch(
            "CREATE TABLE IF NOT EXISTS cases (
                intake_no TEXT PRIMARY KEY, idem_key TEXT NOT NULL UNIQUE, local_no TEXT NOT NULL,
                body TEXT NOT NULL, received_ms INTEGER NOT NULL);
             CREATE TABLE IF NOT EXISTS ratings (
                local_no TEXT PRIMARY KEY, idem_key TEXT NOT NULL UNIQUE, body TEXT NOT NULL);
             CREATE TABLE IF NOT EXISTS nonces (
                terminal TEXT NOT NULL, nonce TEXT NOT NULL, ts INTEGER NOT NULL,
                PRIMARY KEY (terminal, nonce));
             CREATE INDEX IF NOT EXISTS nonces_ts ON nonces(ts);
             CREATE TABLE IF NOT EXISTS heartbeats (
                terminal TEXT PRIMARY KEY, body TEXT NOT NULL, at_ms INTEGER NOT NULL);
             CREATE TABLE IF NOT EXISTS help_calls (
                terminal TEXT NOT NULL, call_id INTEGER NOT NULL, body TEXT NOT NULL,
                received_ms INTEGER NOT NULL, PRIMARY KEY (terminal, call_id));",
        )?;
        // Columns added after the first release of the simulator's file.
        for col in [
            "body_digest TEXT NOT NULL DEFAULT ''",
            "id_hash TEXT NOT NULL DEFAULT ''",
            "status TEXT NOT NULL DEFAULT ''",
        ] {
            match conn.execute(&format!("ALTER TABLE cases ADD COLUMN {col}"), []) {
                Err(rusqlite::Error::SqliteFailure(_, Some(m))) if m.contains("duplicate column") => {}
                other => {
                    other?;
                }
            }
        }
        conn.execute("CREATE INDEX IF NOT EXISTS cases_id_hash ON cases(id_hash)", [])?;
        let version = catalog_version(&catalog_json);
        Ok(Arc::new(Sim {
            db: Mutex::new(conn),
            keys: Mutex::new(HashMap::new()),
            algs: Mutex::new(HashMap::new()),
            catalog: Mutex::new((version, catalog_json)),
            faults: Faults::default(),
            counters: faults::Counters::default(),
            accept_after_ms: AtomicI64::new(30_000),
            done_after_ms: AtomicI64::new(120_000),
            commands: Mutex::new(HashMap::new()),
            clock_offset_secs: AtomicI64::new(0),
            e_id_codes: Default::default(),
        }))
    }

    fn db(&self) -> std::sync::MutexGuard<'_, Connection> {
        self.db.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Lets a terminal in: requests must be signed with this key.
    pub fn register_terminal(&self, terminal_id: &str, key: &[u8]) {
        self.keys.lock().unwrap_or_else(|e| e.into_inner()).insert(terminal_id.to_string(), key.to_vec());
    }

    /// Lets a terminal in that must sign with `alg` (e.g. HMAC-SM3 after a 密评).
    pub fn register_terminal_alg(&self, terminal_id: &str, key: &[u8], alg: kiosk_api::sign::SignAlg) {
        self.register_terminal(terminal_id, key);
        self.algs.lock().unwrap_or_else(|e| e.into_inner()).insert(terminal_id.to_string(), alg);
    }

    fn required_alg(&self, terminal_id: &str) -> Option<kiosk_api::sign::SignAlg> {
        self.algs.lock().unwrap_or_else(|e| e.into_inner()).get(terminal_id).copied()
    }

    fn key_of(&self, terminal_id: &str) -> Option<Vec<u8>> {
        self.keys.lock().unwrap_or_else(|e| e.into_inner()).get(terminal_id).cloned()
    }

    fn bodies(&self, sql: &str) -> Vec<String> {
        let db = self.db();
        let Ok(mut stmt) = db.prepare(sql) else { return Vec::new() };
        stmt.query_map([], |r| r.get::<_, String>(0))
            .map(|rows| rows.filter_map(Result::ok).collect())
            .unwrap_or_default()
    }

    /// All cases received, in order (for tests and the demo's log).
    pub fn cases(&self) -> Vec<CaseSubmission> {
        self.bodies("SELECT body FROM cases ORDER BY rowid")
            .iter()
            .filter_map(|b| serde_json::from_str(b).ok())
            .collect()
    }

    /// The last heartbeat each terminal sent.
    pub fn heartbeats(&self) -> Vec<Heartbeat> {
        self.bodies("SELECT body FROM heartbeats ORDER BY terminal")
            .iter()
            .filter_map(|b| serde_json::from_str(b).ok())
            .collect()
    }

    pub fn ratings(&self) -> Vec<RatingSubmission> {
        self.bodies("SELECT body FROM ratings ORDER BY rowid")
            .iter()
            .filter_map(|b| serde_json::from_str(b).ok())
            .collect()
    }

    /// (intake_no, local_no) of every case, in order.
    pub fn case_numbers(&self) -> Vec<(String, String)> {
        let db = self.db();
        let Ok(mut stmt) = db.prepare("SELECT intake_no, local_no FROM cases ORDER BY rowid") else {
            return Vec::new();
        };
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .map(|rows| rows.filter_map(Result::ok).collect())
            .unwrap_or_default()
    }

    pub fn last_heartbeat(&self, terminal_id: &str) -> Option<Heartbeat> {
        self.last_heartbeat_at(terminal_id).map(|(hb, _)| hb)
    }

    /// The last heartbeat of a terminal and when it arrived (Unix ms, the simulator's clock).
    pub fn last_heartbeat_at(&self, terminal_id: &str) -> Option<(Heartbeat, i64)> {
        use rusqlite::OptionalExtension;
        let row: Option<(String, i64)> = self
            .db()
            .query_row("SELECT body, at_ms FROM heartbeats WHERE terminal = ?1", [terminal_id], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .optional()
            .ok()
            .flatten();
        row.and_then(|(b, at)| Some((serde_json::from_str(&b).ok()?, at)))
    }

    /// How far the last rendered frame lagged behind the last heartbeat, ms: large while
    /// the service is up behind a blank or frozen screen. None without a heartbeat or a
    /// frame.
    pub fn frame_lag_ms(&self, terminal_id: &str) -> Option<i64> {
        let (hb, at) = self.last_heartbeat_at(terminal_id)?;
        hb.last_frame_ms.map(|f| at.saturating_sub(f))
    }

    /// Queues a command for a terminal: delivered once, in the answer to its next
    /// heartbeat, then forgotten. A command queued before the last one was delivered
    /// replaces it (pause then resume: the terminal gets resume).
    pub fn queue_command(&self, terminal_id: &str, command: TerminalCommand) {
        tracing::info!(terminal = terminal_id, ?command, "command queued");
        self.commands.lock().unwrap_or_else(|e| e.into_inner()).insert(terminal_id.to_string(), command);
    }

    /// The command waiting for a terminal's next heartbeat, if any (left queued).
    pub fn pending_command(&self, terminal_id: &str) -> Option<TerminalCommand> {
        self.commands.lock().unwrap_or_else(|e| e.into_inner()).get(terminal_id).cloned()
    }

    fn take_command(&self, terminal_id: &str) -> Option<TerminalCommand> {
        self.commands.lock().unwrap_or_else(|e| e.into_inner()).remove(terminal_id)
    }

    /// Whether a terminal is registered.
    pub fn knows_terminal(&self, terminal_id: &str) -> bool {
        self.keys.lock().unwrap_or_else(|e| e.into_inner()).contains_key(terminal_id)
    }

    /// Every 帮办 call received (once each, however often the terminal retried), in order.
    pub fn help_calls(&self) -> Vec<HelpCallRequest> {
        self.bodies("SELECT body FROM help_calls ORDER BY rowid")
            .iter()
            .filter_map(|b| serde_json::from_str(b).ok())
            .collect()
    }

    /// Runs the simulator's clock `secs` off the system's (signature window, `Date`
    /// headers, `server_time`): what a terminal with a wrong clock sees. At most a
    /// century either way.
    pub fn set_clock_offset_secs(&self, secs: i64) {
        const CENTURY: i64 = 100 * 365 * 86_400;
        self.clock_offset_secs.store(secs.clamp(-CENTURY, CENTURY), Ordering::SeqCst);
    }

    pub fn clock_offset_secs(&self) -> i64 {
        self.clock_offset_secs.load(Ordering::SeqCst)
    }

    /// The simulator's clock, Unix seconds.
    pub fn now_secs(&self) -> i64 {
        kiosk_api::sign::now_secs().saturating_add(self.clock_offset_secs())
    }

    pub fn stats(&self) -> Stats {
        self.counters.snapshot()
    }

    pub fn set_catalog(&self, json: String) {
        *self.catalog.lock().unwrap_or_else(|e| e.into_inner()) = (catalog_version(&json), json);
    }

    fn catalog(&self) -> (String, String) {
        self.catalog.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// How fast cases move on: 受理 after `accept_ms`, 办结 after `done_ms`.
    pub fn set_stages(&self, accept_ms: i64, done_ms: i64) {
        self.accept_after_ms.store(accept_ms, Ordering::SeqCst);
        self.done_after_ms.store(done_ms.max(accept_ms), Ordering::SeqCst);
    }

    /// Moves a case (by 办件编号 or receipt number) to `status` for good (e.g. 受理),
    /// whatever its age; false if there is no such case.
    pub fn set_case_status(&self, no: &str, status: &str) -> bool {
        self.db()
            .execute(
                "UPDATE cases SET status = ?2 WHERE intake_no = ?1 OR local_no = ?1",
                rusqlite::params![no, status],
            )
            .is_ok_and(|n| n > 0)
    }

    /// 收件 → 受理 → 办结 as time passes since receipt.
    fn status_after(&self, age_ms: i64) -> &'static str {
        if age_ms >= self.done_after_ms.load(Ordering::SeqCst) {
            "办结"
        } else if age_ms >= self.accept_after_ms.load(Ordering::SeqCst) {
            "受理"
        } else {
            "收件"
        }
    }
}

/// Accepts connections, closing some at once when a fault asks for it.
struct FaultyListener {
    inner: tokio::net::TcpListener,
    sim: Arc<Sim>,
}

impl axum::serve::Listener for FaultyListener {
    type Io = tokio::net::TcpStream;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        loop {
            let (io, addr) = axum::serve::Listener::accept(&mut self.inner).await;
            if self.sim.faults.take_refuse() {
                faults::Counters::bump(&self.sim.counters.injected);
                drop(io);
                continue;
            }
            return (io, addr);
        }
    }

    fn local_addr(&self) -> std::io::Result<Self::Addr> {
        self.inner.local_addr()
    }
}

pub use handlers::router;

/// Starts the simulator on `addr` (port 0 picks a free one) on the current tokio runtime.
pub async fn start(addr: SocketAddr, sim: Arc<Sim>) -> std::io::Result<SimHandle> {
    let listener = tokio::net::TcpListener::bind(addr).await?;
    let addr = listener.local_addr()?;
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let app = router(sim.clone());
    let listener = FaultyListener { inner: listener, sim: sim.clone() };
    let task = tokio::spawn(async move {
        let _ = axum::serve(listener, app)
            .with_graceful_shutdown(async {
                let _ = rx.await;
            })
            .await;
    });
    Ok(SimHandle { addr, sim, shutdown: Some(tx), task: Some(task) })
}

//! Intake platform simulator: the API of docs/intake-api.yaml on loopback with its own
//! SQLite file. Runs in-process in the kiosk's demo build and tests, and as the
//! `intake-sim` binary. It verifies signatures, de-duplicates by idempotency key, moves
//! cases 收件 → 受理 → 办结 over time, serves the catalog it is given and injects faults
//! on command. A development tool: it shares only `kiosk-api` with the kiosk.

mod faults;
mod handlers;

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
                terminal TEXT PRIMARY KEY, body TEXT NOT NULL, at_ms INTEGER NOT NULL);",
        )?;
        // Columns added after the first release of the simulator's file.
        for col in ["body_digest TEXT NOT NULL DEFAULT ''", "id_hash TEXT NOT NULL DEFAULT ''"] {
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
        use rusqlite::OptionalExtension;
        let body: Option<String> = self
            .db()
            .query_row("SELECT body FROM heartbeats WHERE terminal = ?1", [terminal_id], |r| r.get(0))
            .optional()
            .ok()
            .flatten();
        body.and_then(|b| serde_json::from_str(&b).ok())
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

//! The terminal's durable state in one SQLite file (WAL, synchronous=FULL):
//! outbox, ratings, audit events, device counters and the catalog cache; for hosts and
//! technicians (ops.rs) host alerts, 帮办 calls, daily counts, the PIN lockout and small
//! persisted values. Deleted content is overwritten (secure_delete) and the WAL
//! truncated after purges.

mod migrations;
mod ops;

pub use ops::{counts, Alert, AuditRow, DayCounts, HelpCall, PinLockout};

use crate::ops::audit::{AuditEvent, Outcome};
use crate::ops::Actor;

use rusqlite::{params, Connection, OptionalExtension};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("数据库错误 / database: {0}")]
    Sql(#[from] rusqlite::Error),
    #[error("数据库版本 {found} 比本程序支持的 {supported} 新 / database schema is newer than this build")]
    TooNew { found: i64, supported: i64 },
    #[error("已评价 / this case was already rated")]
    AlreadyRated,
    #[error("保存超时，已撤回 / the write passed its deadline and was rolled back")]
    Abandoned,
    #[error("后台任务失败 / blocking task: {0}")]
    Task(String),
    #[error("损坏的数据库无法移开 / cannot move the corrupt database aside: {0}")]
    Quarantine(String),
    #[error("参数无效 / invalid argument: {0}")]
    Invalid(String),
}

/// Decides, once, whether a durable write commits or is abandoned: the writer asks
/// right before COMMIT, the deadline asks when it passes; whoever comes first wins. So a
/// citizen told "nothing was submitted" can never have a case that is later delivered.
#[derive(Debug, Default)]
pub struct CommitGate(std::sync::atomic::AtomicU8);

impl CommitGate {
    const OPEN: u8 = 0;
    const COMMITTING: u8 = 1;
    const ABANDONED: u8 = 2;

    /// The writer: may I commit? False once the deadline has passed.
    pub fn try_commit(&self) -> bool {
        self.swap_from_open(Self::COMMITTING)
    }

    /// The deadline: abandon the write. False if the writer is already committing.
    pub fn try_abandon(&self) -> bool {
        self.swap_from_open(Self::ABANDONED)
    }

    /// The writer failed without committing: true unless the deadline already said so.
    pub fn fail(&self) -> bool {
        self.0.swap(Self::ABANDONED, std::sync::atomic::Ordering::SeqCst) != Self::ABANDONED
    }

    fn swap_from_open(&self, to: u8) -> bool {
        use std::sync::atomic::Ordering::SeqCst;
        self.0.compare_exchange(Self::OPEN, to, SeqCst, SeqCst).is_ok()
    }
}

pub use crate::clock::now_ms;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Case,
    Rating,
}

impl Kind {
    fn as_str(self) -> &'static str {
        match self {
            Kind::Case => "case",
            Kind::Rating => "rating",
        }
    }
}

/// A queued item due for delivery. `sealed` is the encrypted payload.
#[derive(Debug, Clone)]
pub struct OutboxItem {
    pub id: i64,
    pub kind: Kind,
    pub local_no: String,
    pub idem_key: String,
    pub sealed: Vec<u8>,
    pub attempts: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct QueueStats {
    pub queued: i64,
    pub delivered: i64,
    /// Dead letters: unreadable here or refused for good; a technician decides.
    pub needs_attention: i64,
    pub oldest_queued_ms: Option<i64>,
}

/// Where a queued case or rating stands, for the progress screen and diagnostics.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeliveryState {
    /// Not yet acknowledged; sent automatically.
    Queued { attempts: i64 },
    /// Acknowledged; cases carry the platform's 办件编号.
    Delivered { platform_no: Option<String> },
    /// Refused by the platform, with its reason for the citizen.
    Rejected { reason: String },
    /// Cannot be read on this terminal (key or format); held for a technician.
    NeedsAttention { error: String },
    /// Purged by a technician or by retention; nothing personal is left.
    Purged,
}

/// Why an item left the queue for a technician.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Attention {
    /// Could not be opened or parsed here (a replaced key, a payload format change).
    Unreadable,
    /// The platform refused it for good (422 with a reason code, 409 conflict).
    Refused,
}

impl Attention {
    fn as_str(self) -> &'static str {
        match self {
            Attention::Unreadable => "unreadable",
            Attention::Refused => "refused",
        }
    }
}

/// One row of `kiosk diag queue`: no personal data.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct QueueRow {
    pub local_no: String,
    pub kind: String,
    pub state: String,
    pub attention: Option<String>,
    pub attempts: i64,
    pub last_error: Option<String>,
    pub created_ms: i64,
    pub next_attempt_ms: i64,
    /// Id of the key that wrapped the payload's data key, if a payload is held.
    pub key_id: Option<String>,
}

/// The identity that makes numbers unique across database rebuilds: the installation's
/// random id (kept with the keys) and the generation of this database file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DbIdentity {
    pub install_id: String,
    pub generation: u32,
}

/// How long things are kept (config `[retention]`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetentionPolicy {
    pub audit_days: u32,
    pub delivered_days: u32,
    pub catalog_versions: u32,
    pub profile_days: u32,
    pub attention_days: u32,
}

impl Default for RetentionPolicy {
    fn default() -> Self {
        Self { audit_days: 180, delivered_days: 30, catalog_versions: 2, profile_days: 730, attention_days: 30 }
    }
}

/// What a retention pass removed.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Swept {
    pub audit: usize,
    pub outbox: usize,
    pub purged: usize,
    pub catalog: usize,
    pub profiles: usize,
    /// Acknowledged host alerts older than `audit_days`.
    pub alerts: usize,
    /// Answered 帮办 calls older than `audit_days`.
    pub help_calls: usize,
    /// Daily counters older than [`DAILY_COUNTS_DAYS`].
    pub daily_counts: usize,
}

/// How long daily counters are kept (a year and a month: this month last year).
pub const DAILY_COUNTS_DAYS: i64 = 400;

const DAY_MS: i64 = 86_400_000;

/// state, attention, attempts, platform_no, last_error
type StateRow = (String, Option<String>, i64, Option<String>, Option<String>);

/// How far ahead a retry may be parked: anything later than this is taken as a clock
/// that jumped back, and the item is due now.
pub const DEFAULT_RETRY_HORIZON_MS: i64 = 3_600_000;

pub struct Store {
    conn: Mutex<Connection>,
    ident: Mutex<DbIdentity>,
    path: PathBuf,
}

fn is_corrupt(e: &StoreError) -> bool {
    matches!(e, StoreError::Sql(rusqlite::Error::SqliteFailure(f, _))
        if matches!(f.code, rusqlite::ErrorCode::NotADatabase | rusqlite::ErrorCode::DatabaseCorrupt))
}

/// Whether the error is a full disk (or the configured page limit).
pub fn is_full(e: &StoreError) -> bool {
    matches!(e, StoreError::Sql(rusqlite::Error::SqliteFailure(f, _)) if f.code == rusqlite::ErrorCode::DiskFull)
}

impl Store {
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        let conn = Connection::open(path)?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        // Deleted content is overwritten with zeros, and the WAL does not keep old pages
        // around beyond this size once checkpointed.
        conn.pragma_update(None, "secure_delete", "ON")?;
        conn.pragma_update(None, "journal_size_limit", 1_048_576)?;
        let store = Store {
            conn: Mutex::new(conn),
            ident: Mutex::new(DbIdentity { install_id: String::new(), generation: 1 }),
            path: path.to_path_buf(),
        };
        migrations::migrate(&mut store.lock())?;
        let ident = store.read_identity()?;
        *store.ident.lock().unwrap_or_else(|e| e.into_inner()) = ident;
        Ok(store)
    }

    /// Opens the database; one that is not a database or fails `PRAGMA quick_check` is
    /// moved aside as `<file>.corrupt-<UTC time>` (with its WAL) for a technician, a
    /// fresh one is started and a host alert says so. Returns the quarantined path.
    pub fn open_checked(path: &Path) -> Result<(Store, Option<PathBuf>), StoreError> {
        let problem = match Store::open(path) {
            Ok(s) => match s.quick_check() {
                Ok(None) => return Ok((s, None)),
                Ok(Some(p)) => p,
                Err(e) if is_corrupt(&e) => e.to_string(),
                Err(e) => return Err(e),
            },
            Err(e) if is_corrupt(&e) => e.to_string(),
            Err(e) => return Err(e),
        };
        let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%SZ");
        let mut aside = path.as_os_str().to_owned();
        aside.push(format!(".corrupt-{stamp}"));
        let aside = PathBuf::from(aside);
        for suffix in ["", "-wal", "-shm"] {
            let mut from = path.as_os_str().to_owned();
            from.push(suffix);
            let mut to = aside.as_os_str().to_owned();
            to.push(suffix);
            if Path::new(&from).exists() {
                std::fs::rename(&from, &to).map_err(|e| StoreError::Quarantine(e.to_string()))?;
            }
        }
        let _ = crate::fsutil::sync_dir(path);
        tracing::error!(moved_to = %aside.display(), %problem, "database corrupt: moved aside, starting a fresh one");
        let s = Store::open(path)?;
        s.raise_alert(
            "storage",
            &format!(
                "database corrupt ({problem}); moved to {} for a technician, a fresh database was started, keys kept",
                aside.display()
            ),
        )?;
        Ok((s, Some(aside)))
    }

    /// `PRAGMA quick_check`: None if fine, else what it found.
    pub fn quick_check(&self) -> Result<Option<String>, StoreError> {
        let conn = self.lock();
        let mut stmt = conn.prepare("PRAGMA quick_check")?;
        let rows: Vec<String> = stmt.query_map([], |r| r.get(0))?.collect::<Result<_, _>>()?;
        Ok((rows != ["ok"]).then(|| rows.join("; ")))
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn lock(&self) -> MutexGuard<'_, Connection> {
        self.conn.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Holds the database lock for `d`, as a stalled disk would (tests).
    #[doc(hidden)]
    pub fn stall(&self, d: std::time::Duration) {
        let _g = self.lock();
        std::thread::sleep(d);
    }

    /// Caps the database size in pages (tests simulate a full disk with it).
    #[doc(hidden)]
    pub fn set_max_page_count(&self, pages: i64) -> Result<i64, StoreError> {
        Ok(self.lock().query_row(&format!("PRAGMA max_page_count = {pages}"), [], |r| r.get(0))?)
    }

    pub fn schema_version(&self) -> Result<i64, StoreError> {
        Ok(self.lock().pragma_query_value(None, "user_version", |r| r.get(0))?)
    }

    fn read_identity(&self) -> Result<DbIdentity, StoreError> {
        let conn = self.lock();
        let get = |name: &str| -> Result<Option<String>, StoreError> {
            Ok(conn.query_row("SELECT value FROM meta WHERE name = ?1", [name], |r| r.get(0)).optional()?)
        };
        Ok(DbIdentity {
            install_id: get("install_id")?.unwrap_or_default(),
            generation: get("generation")?.and_then(|g| g.parse().ok()).unwrap_or(1),
        })
    }

    pub fn identity(&self) -> DbIdentity {
        self.ident.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Makes this database part of an installation (see `outbox::identity`).
    pub fn set_identity(&self, id: &DbIdentity) -> Result<(), StoreError> {
        let mut conn = self.lock();
        let tx = conn.transaction()?;
        for (k, v) in [("install_id", id.install_id.clone()), ("generation", id.generation.to_string())] {
            tx.execute(
                "INSERT INTO meta(name, value) VALUES(?1, ?2) ON CONFLICT(name) DO UPDATE SET value = excluded.value",
                params![k, v],
            )?;
        }
        tx.commit()?;
        *self.ident.lock().unwrap_or_else(|e| e.into_inner()) = id.clone();
        Ok(())
    }

    /// Allocates the next provisional number and queues the sealed case in one
    /// transaction: when this returns, the case survives a power cut.
    pub fn enqueue_case(&self, terminal_id: &str, seal: impl Fn(&str) -> Vec<u8>) -> Result<String, StoreError> {
        self.enqueue_case_gated(terminal_id, seal, &CommitGate::default())
    }

    /// As [`Store::enqueue_case`], committing only if `gate` still allows it; otherwise
    /// the transaction is rolled back and nothing (not even the number) is used up.
    ///
    /// The case is sealed BEFORE the database lock is taken (sealing a case with its
    /// scans takes milliseconds): the number it will get is read first, and if another
    /// writer took that number meanwhile the case is sealed again with the next one.
    pub fn enqueue_case_gated(
        &self,
        terminal_id: &str,
        seal: impl Fn(&str) -> Vec<u8>,
        gate: &CommitGate,
    ) -> Result<String, StoreError> {
        let ident = self.identity();
        let number = |seq: i64| format!("{terminal_id}-{}-{seq:06}", ident.generation);
        let next_seq = |conn: &Connection| -> Result<i64, StoreError> {
            Ok(conn.query_row(
                "SELECT COALESCE((SELECT value FROM sequences WHERE name = 'case'), 0) + 1",
                [],
                |r| r.get(0),
            )?)
        };
        let res = self.enqueue_sealed(terminal_id, &ident, &number, &next_seq, &seal, gate);
        if let Err(e) = &res {
            if is_full(e) {
                // Rolled back: nothing half-written. The alert row is tiny and usually
                // still fits in a free slot of an existing page.
                tracing::error!(alert = "host_alert", "storage full: a case could not be saved");
                let _ =
                    self.raise_alert("storage", "disk full, a citizen's case could not be saved (nothing submitted)");
            }
        }
        res
    }

    fn enqueue_sealed(
        &self,
        terminal_id: &str,
        ident: &DbIdentity,
        number: &dyn Fn(i64) -> String,
        next_seq: &dyn Fn(&Connection) -> Result<i64, StoreError>,
        seal: &dyn Fn(&str) -> Vec<u8>,
        gate: &CommitGate,
    ) -> Result<String, StoreError> {
        let mut seq = next_seq(&self.lock())?;
        let mut sealed = seal(&number(seq));
        loop {
            let mut conn = self.lock();
            let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            let now_seq = next_seq(&tx)?;
            if now_seq != seq {
                // Another case took the number: seal again outside the lock.
                drop(tx);
                drop(conn);
                seq = now_seq;
                sealed = seal(&number(seq));
                continue;
            }
            tx.execute(
                "INSERT INTO sequences(name, value) VALUES('case', ?1) ON CONFLICT(name) DO UPDATE SET value = ?1",
                [seq],
            )?;
            let local_no = number(seq);
            let idem = format!("{terminal_id}:{}:{}:case:{seq}", ident.install_id, ident.generation);
            tx.execute(
                "INSERT INTO outbox(kind, local_no, idem_key, payload, created_ms) VALUES('case', ?1, ?2, ?3, ?4)",
                params![local_no, idem, sealed, now_ms()],
            )?;
            if !gate.try_commit() {
                // Dropping the transaction rolls it back.
                return Err(StoreError::Abandoned);
            }
            tx.commit()?;
            return Ok(local_no);
        }
    }

    /// Returns once no write is in progress (every write holds the connection's lock for
    /// its whole transaction).
    pub fn barrier(&self) {
        drop(self.lock());
    }

    /// Records a rating (one per case, immutable) and queues its upload.
    pub fn enqueue_rating(
        &self,
        local_no: &str,
        level: u8,
        reasons: &[String],
        sealed: Vec<u8>,
    ) -> Result<(), StoreError> {
        let install = self.identity().install_id;
        let mut conn = self.lock();
        let tx = conn.transaction()?;
        let inserted = tx.execute(
            "INSERT OR IGNORE INTO ratings(local_no, level, reasons, created_ms) VALUES(?1, ?2, ?3, ?4)",
            params![local_no, level, reasons.join(","), now_ms()],
        )?;
        if inserted == 0 {
            return Err(StoreError::AlreadyRated);
        }
        tx.execute(
            "INSERT INTO outbox(kind, local_no, idem_key, payload, created_ms) VALUES('rating', ?1, ?2, ?3, ?4)",
            params![local_no, format!("rating:{install}:{local_no}"), sealed, now_ms()],
        )?;
        tx.commit()?;
        Ok(())
    }

    pub fn rating(&self, local_no: &str) -> Result<Option<(u8, Vec<String>)>, StoreError> {
        let row: Option<(u8, String)> = self
            .lock()
            .query_row("SELECT level, reasons FROM ratings WHERE local_no = ?1", [local_no], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .optional()?;
        Ok(row.map(|(l, r)| (l, r.split(',').filter(|s| !s.is_empty()).map(String::from).collect())))
    }

    /// Queued items whose next attempt is due, oldest first; cases before their ratings.
    pub fn due(&self, now_ms: i64, limit: usize) -> Result<Vec<OutboxItem>, StoreError> {
        self.due_within(now_ms, DEFAULT_RETRY_HORIZON_MS, limit)
    }

    /// As [`Store::due`]; an item parked more than `horizon_ms` ahead is due now (the
    /// clock jumped back after it was parked).
    pub fn due_within(&self, now_ms: i64, horizon_ms: i64, limit: usize) -> Result<Vec<OutboxItem>, StoreError> {
        let conn = self.lock();
        let mut stmt = conn.prepare_cached(
            "SELECT id, kind, local_no, idem_key, payload, attempts FROM outbox
             WHERE state = 'queued' AND (next_attempt_ms <= ?1 OR next_attempt_ms > ?1 + ?2) ORDER BY id LIMIT ?3",
        )?;
        let rows = stmt.query_map(params![now_ms, horizon_ms, limit as i64], |r| {
            let kind: String = r.get(1)?;
            Ok(OutboxItem {
                id: r.get(0)?,
                kind: if kind == "rating" { Kind::Rating } else { Kind::Case },
                local_no: r.get(2)?,
                idem_key: r.get(3)?,
                sealed: r.get::<_, Option<Vec<u8>>>(4)?.unwrap_or_default(),
                attempts: r.get(5)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The platform acknowledged the item: keep only non-personal metadata. The payload
    /// (with its wrapped data key) is overwritten (secure_delete); see [`Store::checkpoint`].
    pub fn mark_delivered(&self, id: i64, platform_no: Option<&str>) -> Result<(), StoreError> {
        self.lock().execute(
            "UPDATE outbox SET state = 'delivered', payload = NULL, platform_no = ?2, delivered_ms = ?3, last_error = NULL WHERE id = ?1",
            params![id, platform_no, now_ms()],
        )?;
        Ok(())
    }

    /// A failed attempt worth retrying at `next_attempt_ms`. Returns the item's attempts.
    pub fn mark_retry(&self, id: i64, error: &str, next_attempt_ms: i64) -> Result<i64, StoreError> {
        Ok(self.lock().query_row(
            "UPDATE outbox SET attempts = attempts + 1, last_error = ?2, next_attempt_ms = ?3 WHERE id = ?1 RETURNING attempts",
            params![id, error, next_attempt_ms],
            |r| r.get(0),
        )?)
    }

    /// Marks that the host was alerted about this item (once per item and state).
    /// True if it had not been yet.
    pub fn mark_alerted(&self, id: i64) -> Result<bool, StoreError> {
        Ok(self.lock().execute("UPDATE outbox SET alerted = 1 WHERE id = ?1 AND alerted = 0", [id])? > 0)
    }

    /// The dead letter: out of the queue, kept sealed for a technician.
    pub fn mark_attention(&self, id: i64, why: Attention, error: &str) -> Result<(), StoreError> {
        self.lock().execute(
            "UPDATE outbox SET state = 'needs_attention', attention = ?2, attempts = attempts + 1, last_error = ?3,
                    attention_ms = ?4, alerted = 0 WHERE id = ?1",
            params![id, why.as_str(), error, now_ms()],
        )?;
        Ok(())
    }

    /// The platform refused the item for good: kept for a technician, not retried.
    pub fn mark_rejected(&self, id: i64, reason: &str) -> Result<(), StoreError> {
        self.mark_attention(id, Attention::Refused, reason)
    }

    /// `kiosk diag queue retry`: the item is queued again and tried at once. Returns how
    /// many rows changed.
    pub fn retry_item(&self, local_no: &str) -> Result<usize, StoreError> {
        let n = self.lock().execute(
            "UPDATE outbox SET state = 'queued', attention = NULL, attempts = 0, next_attempt_ms = 0, alerted = 0
             WHERE local_no = ?1 AND state IN ('queued', 'needs_attention') AND payload IS NOT NULL",
            [local_no],
        )?;
        if n > 0 {
            self.audit_event(
                AuditEvent::QueueRetry,
                Actor::Cli,
                Outcome::Ok,
                &format!("{local_no}: queued again by a technician"),
            )?;
        }
        Ok(n)
    }

    /// `kiosk diag queue purge`: the payload and its wrapped data key are deleted
    /// (overwritten, WAL truncated); only the number and state stay.
    pub fn purge_item(&self, local_no: &str) -> Result<usize, StoreError> {
        let n = self.lock().execute(
            "UPDATE outbox SET state = 'purged', payload = NULL WHERE local_no = ?1 AND state IN ('queued', 'needs_attention')",
            [local_no],
        )?;
        if n > 0 {
            self.audit_event(
                AuditEvent::QueuePurge,
                Actor::Cli,
                Outcome::Ok,
                &format!("{local_no}: purged by a technician, nothing delivered"),
            )?;
            self.checkpoint()?;
        }
        Ok(n)
    }

    /// Copies the WAL into the database and truncates it, so purged pages live on in
    /// neither file. Best effort while another connection reads.
    pub fn checkpoint(&self) -> Result<(), StoreError> {
        let conn = self.lock();
        let _busy: i64 = conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| r.get(0))?;
        Ok(())
    }

    /// Items for `kiosk diag queue`: everything not delivered, and the last delivered ones.
    pub fn queue_rows(&self) -> Result<Vec<QueueRow>, StoreError> {
        let conn = self.lock();
        let mut stmt = conn.prepare(
            "SELECT local_no, kind, state, attention, attempts, last_error, created_ms, next_attempt_ms, substr(payload, 1, 12)
             FROM outbox WHERE state != 'delivered' OR id > (SELECT COALESCE(MAX(id), 0) - 20 FROM outbox) ORDER BY id",
        )?;
        let rows = stmt.query_map([], |r| {
            let head: Option<Vec<u8>> = r.get(8)?;
            Ok(QueueRow {
                local_no: r.get(0)?,
                kind: r.get(1)?,
                state: r.get(2)?,
                attention: r.get(3)?,
                attempts: r.get(4)?,
                last_error: r.get(5)?,
                created_ms: r.get(6)?,
                next_attempt_ms: r.get(7)?,
                key_id: head.map(|h| crate::envelope::info(&h).map_or("legacy".to_string(), |(_, id)| hex::encode(id))),
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    pub fn platform_no(&self, local_no: &str) -> Result<Option<String>, StoreError> {
        Ok(self
            .lock()
            .query_row("SELECT platform_no FROM outbox WHERE kind = 'case' AND local_no = ?1", [local_no], |r| r.get(0))
            .optional()?
            .flatten())
    }

    pub fn delivery_state(&self, kind: Kind, local_no: &str) -> Result<Option<DeliveryState>, StoreError> {
        let row: Option<StateRow> = self
            .lock()
            .query_row(
                "SELECT state, attention, attempts, platform_no, last_error FROM outbox WHERE kind = ?1 AND local_no = ?2",
                params![kind.as_str(), local_no],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
            )
            .optional()?;
        Ok(row.map(|(state, attention, attempts, platform_no, err)| match (state.as_str(), attention.as_deref()) {
            ("delivered", _) => DeliveryState::Delivered { platform_no },
            ("needs_attention", Some("refused")) => DeliveryState::Rejected { reason: err.unwrap_or_default() },
            ("needs_attention", _) => DeliveryState::NeedsAttention { error: err.unwrap_or_default() },
            ("purged", _) => DeliveryState::Purged,
            _ => DeliveryState::Queued { attempts },
        }))
    }

    /// When the earliest queued item is due (ms since epoch), if any is queued.
    pub fn next_due_ms(&self) -> Result<Option<i64>, StoreError> {
        Ok(self.lock().query_row("SELECT MIN(next_attempt_ms) FROM outbox WHERE state = 'queued'", [], |r| r.get(0))?)
    }

    pub fn queue_stats(&self) -> Result<QueueStats, StoreError> {
        let conn = self.lock();
        let (queued, delivered, needs_attention, oldest) = conn.query_row(
            "SELECT COALESCE(SUM(state = 'queued'), 0), COALESCE(SUM(state = 'delivered'), 0),
                    COALESCE(SUM(state = 'needs_attention'), 0),
                    MIN(CASE WHEN state = 'queued' THEN created_ms END) FROM outbox",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )?;
        Ok(QueueStats { queued, delivered, needs_attention, oldest_queued_ms: oldest })
    }

    /// Whether any payload (personal data) is still held for the item.
    pub fn holds_payload(&self, local_no: &str, kind: Kind) -> Result<bool, StoreError> {
        Ok(self.lock().query_row(
            "SELECT COUNT(*) FROM outbox WHERE local_no = ?1 AND kind = ?2 AND payload IS NOT NULL",
            params![local_no, kind.as_str()],
            |r| r.get::<_, i64>(0),
        )? > 0)
    }

    /// Rows holding sealed personal data (outbox payloads and 一人一档 profiles).
    pub fn sealed_rows(&self) -> Result<i64, StoreError> {
        let conn = self.lock();
        let outbox: i64 = conn.query_row("SELECT COUNT(*) FROM outbox WHERE payload IS NOT NULL", [], |r| r.get(0))?;
        let profiles: i64 = conn.query_row("SELECT COUNT(*) FROM profiles", [], |r| r.get(0)).unwrap_or(0);
        Ok(outbox + profiles)
    }

    /// Re-seals every sealed blob (outbox payloads, profiles) in one transaction, for key
    /// rotation. `f` returns None for a blob it cannot open (left as it is). Returns
    /// (re-sealed, left).
    pub fn reseal_all(&self, f: impl Fn(&[u8]) -> Option<Vec<u8>>) -> Result<(usize, usize), StoreError> {
        let mut conn = self.lock();
        let tx = conn.transaction()?;
        let (mut done, mut left) = (0, 0);
        for (table, key) in [("outbox", "id"), ("profiles", "rowid")] {
            let col = if table == "outbox" { "payload" } else { "body" };
            let rows: Vec<(i64, Vec<u8>)> = {
                let Ok(mut stmt) = tx.prepare(&format!("SELECT {key}, {col} FROM {table} WHERE {col} IS NOT NULL"))
                else {
                    continue;
                };
                let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
                rows.collect::<Result<_, _>>()?
            };
            for (id, blob) in rows {
                match f(&blob) {
                    Some(new) => {
                        tx.execute(&format!("UPDATE {table} SET {col} = ?2 WHERE {key} = ?1"), params![id, new])?;
                        done += 1;
                    }
                    None => left += 1,
                }
            }
        }
        tx.commit()?;
        drop(conn);
        self.checkpoint()?;
        Ok((done, left))
    }

    /// Deletes what the retention policy no longer allows, then truncates the WAL.
    pub fn apply_retention(&self, p: &RetentionPolicy, now_ms: i64) -> Result<Swept, StoreError> {
        let before = |days: u32| now_ms - days as i64 * DAY_MS;
        let mut s = Swept::default();
        {
            let mut conn = self.lock();
            let tx = conn.transaction()?;
            s.audit = tx.execute("DELETE FROM audit WHERE at_ms < ?1", [before(p.audit_days)])?;
            s.outbox = tx.execute(
                "DELETE FROM outbox WHERE state IN ('delivered', 'purged') AND COALESCE(delivered_ms, attention_ms, created_ms) < ?1",
                [before(p.delivered_days)],
            )?;
            s.purged = tx.execute(
                "UPDATE outbox SET state = 'purged', payload = NULL WHERE state = 'needs_attention' AND attention_ms < ?1",
                [before(p.attention_days)],
            )?;
            if s.purged > 0 {
                ops::insert_alert(
                    &tx,
                    now_ms,
                    "queue",
                    &format!("{} item(s) held for a technician passed retention and were purged", s.purged),
                )?;
            }
            s.catalog = tx.execute(
                "DELETE FROM catalog_cache WHERE active = 0 AND version NOT IN
                   (SELECT version FROM catalog_cache ORDER BY active DESC, fetched_ms DESC LIMIT ?1)",
                [p.catalog_versions.max(1) as i64],
            )?;
            s.profiles =
                tx.execute("DELETE FROM profiles WHERE updated_ms < ?1", [before(p.profile_days)]).unwrap_or(0);
            s.alerts =
                tx.execute("DELETE FROM alerts WHERE acked_ms IS NOT NULL AND acked_ms < ?1", [before(p.audit_days)])?;
            s.help_calls = tx.execute(
                "DELETE FROM help_calls WHERE cleared_ms IS NOT NULL AND cleared_ms < ?1",
                [before(p.audit_days)],
            )?;
            // Days are local dates; a day's slack in the cut-off does not matter here.
            let oldest_day = chrono::DateTime::from_timestamp_millis(now_ms - DAILY_COUNTS_DAYS * DAY_MS)
                .map(|t| t.date_naive().format("%Y-%m-%d").to_string());
            if let Some(oldest_day) = oldest_day {
                s.daily_counts = tx.execute("DELETE FROM daily_counts WHERE day < ?1", [oldest_day])?;
            }
            tx.commit()?;
        }
        if s != Swept::default() {
            self.checkpoint()?;
        }
        Ok(s)
    }

    /// Appends an audit event by its id (`ops::audit::AuditEvent::id`), with the
    /// catalogue's default actor and outcome; [`Store::audit_event`] says who and how.
    /// An id not in the catalogue is still stored (actor "system", outcome "ok") and
    /// logged as an error. `detail` must not carry unmasked personal data.
    pub fn audit(&self, kind: &str, detail: &str) -> Result<(), StoreError> {
        let (actor, outcome) = match AuditEvent::from_id(kind) {
            Some(ev) => (ev.default_actor(), ev.default_outcome()),
            None => {
                tracing::error!(kind, "audit kind not in the catalogue (src/ops/audit.rs)");
                (Actor::System, Outcome::Ok)
            }
        };
        ops::insert_audit(&self.lock(), now_ms(), kind, actor, outcome, detail)
    }

    pub fn audit_kinds(&self) -> Result<Vec<(String, String)>, StoreError> {
        let conn = self.lock();
        let mut stmt = conn.prepare("SELECT kind, detail FROM audit ORDER BY id")?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    pub fn bump_counter(&self, device: &str, counter: &str, by: i64) -> Result<(), StoreError> {
        self.lock().execute(
            "INSERT INTO device_counters(device, counter, value) VALUES(?1, ?2, ?3)
             ON CONFLICT(device, counter) DO UPDATE SET value = value + excluded.value",
            params![device, counter, by],
        )?;
        Ok(())
    }

    /// Sets a device counter back to zero (e.g. the paper alerts after 已换纸).
    pub fn reset_counter(&self, device: &str, counter: &str) -> Result<(), StoreError> {
        self.lock()
            .execute("DELETE FROM device_counters WHERE device = ?1 AND counter = ?2", params![device, counter])?;
        Ok(())
    }

    pub fn counters(&self) -> Result<Vec<(String, String, i64)>, StoreError> {
        let conn = self.lock();
        let mut stmt = conn.prepare("SELECT device, counter, value FROM device_counters ORDER BY device, counter")?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Stores a validated catalog version and makes it the active one, atomically.
    pub fn save_catalog(&self, version: &str, body: &str) -> Result<(), StoreError> {
        let mut conn = self.lock();
        let tx = conn.transaction()?;
        tx.execute("UPDATE catalog_cache SET active = 0", [])?;
        tx.execute(
            "INSERT INTO catalog_cache(version, body, fetched_ms, active) VALUES(?1, ?2, ?3, 1)
             ON CONFLICT(version) DO UPDATE SET body = excluded.body, fetched_ms = excluded.fetched_ms, active = 1",
            params![version, body, now_ms()],
        )?;
        tx.commit()?;
        Ok(())
    }

    pub fn active_catalog(&self) -> Result<Option<(String, String)>, StoreError> {
        Ok(self
            .lock()
            .query_row("SELECT version, body FROM catalog_cache WHERE active = 1", [], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?)
    }
}

#[cfg(test)]
mod tests;

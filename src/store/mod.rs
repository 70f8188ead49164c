//! The terminal's durable state in one SQLite file (WAL, synchronous=FULL):
//! outbox, ratings, audit events, device counters and the catalog cache.

mod migrations;

use rusqlite::{params, Connection, OptionalExtension};
use std::path::Path;
use std::sync::{Mutex, MutexGuard};
use std::time::{SystemTime, UNIX_EPOCH};

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

pub fn now_ms() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0)
}

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
}

pub struct Store {
    conn: Mutex<Connection>,
}

impl Store {
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        let conn = Connection::open(path)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        let store = Store { conn: Mutex::new(conn) };
        migrations::migrate(&mut store.lock())?;
        Ok(store)
    }

    fn lock(&self) -> MutexGuard<'_, Connection> {
        self.conn.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn schema_version(&self) -> Result<i64, StoreError> {
        Ok(self.lock().pragma_query_value(None, "user_version", |r| r.get(0))?)
    }

    /// Allocates the next provisional number and queues the sealed case in one
    /// transaction: when this returns, the case survives a power cut.
    pub fn enqueue_case(&self, terminal_id: &str, seal: impl FnOnce(&str) -> Vec<u8>) -> Result<String, StoreError> {
        self.enqueue_case_gated(terminal_id, seal, &CommitGate::default())
    }

    /// As [`Store::enqueue_case`], committing only if `gate` still allows it; otherwise
    /// the transaction is rolled back and nothing (not even the number) is used up.
    pub fn enqueue_case_gated(
        &self,
        terminal_id: &str,
        seal: impl FnOnce(&str) -> Vec<u8>,
        gate: &CommitGate,
    ) -> Result<String, StoreError> {
        let mut conn = self.lock();
        let tx = conn.transaction()?;
        tx.execute(
            "INSERT INTO sequences(name, value) VALUES('case', 1) ON CONFLICT(name) DO UPDATE SET value = value + 1",
            [],
        )?;
        let seq: i64 = tx.query_row("SELECT value FROM sequences WHERE name = 'case'", [], |r| r.get(0))?;
        let local_no = format!("{terminal_id}-{seq:06}");
        let sealed = seal(&local_no);
        let idem = format!("{terminal_id}:case:{seq}");
        tx.execute(
            "INSERT INTO outbox(kind, local_no, idem_key, payload, created_ms) VALUES('case', ?1, ?2, ?3, ?4)",
            params![local_no, idem, sealed, now_ms()],
        )?;
        if !gate.try_commit() {
            // Dropping the transaction rolls it back.
            return Err(StoreError::Abandoned);
        }
        tx.commit()?;
        Ok(local_no)
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
            params![local_no, format!("rating:{local_no}"), sealed, now_ms()],
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
        let conn = self.lock();
        let mut stmt = conn.prepare(
            "SELECT id, kind, local_no, idem_key, payload, attempts FROM outbox
             WHERE state = 'queued' AND next_attempt_ms <= ?1 ORDER BY id LIMIT ?2",
        )?;
        let rows = stmt.query_map(params![now_ms, limit as i64], |r| {
            let kind: String = r.get(1)?;
            Ok(OutboxItem {
                id: r.get(0)?,
                kind: if kind == "rating" { Kind::Rating } else { Kind::Case },
                local_no: r.get(2)?,
                idem_key: r.get(3)?,
                sealed: r.get(4)?,
                attempts: r.get(5)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The platform acknowledged the item: keep only non-personal metadata.
    pub fn mark_delivered(&self, id: i64, platform_no: Option<&str>) -> Result<(), StoreError> {
        self.lock().execute(
            "UPDATE outbox SET state = 'delivered', payload = NULL, platform_no = ?2, delivered_ms = ?3, last_error = NULL WHERE id = ?1",
            params![id, platform_no, now_ms()],
        )?;
        Ok(())
    }

    pub fn mark_retry(&self, id: i64, error: &str, next_attempt_ms: i64) -> Result<(), StoreError> {
        self.lock().execute(
            "UPDATE outbox SET attempts = attempts + 1, last_error = ?2, next_attempt_ms = ?3 WHERE id = ?1",
            params![id, error, next_attempt_ms],
        )?;
        Ok(())
    }

    /// The platform refused the item for good (4xx): kept for a technician, not retried.
    pub fn mark_rejected(&self, id: i64, reason: &str) -> Result<(), StoreError> {
        self.lock().execute(
            "UPDATE outbox SET state = 'rejected', attempts = attempts + 1, last_error = ?2 WHERE id = ?1",
            params![id, reason],
        )?;
        Ok(())
    }

    pub fn platform_no(&self, local_no: &str) -> Result<Option<String>, StoreError> {
        Ok(self
            .lock()
            .query_row("SELECT platform_no FROM outbox WHERE kind = 'case' AND local_no = ?1", [local_no], |r| r.get(0))
            .optional()?
            .flatten())
    }

    pub fn delivery_state(&self, kind: Kind, local_no: &str) -> Result<Option<DeliveryState>, StoreError> {
        let row: Option<(String, i64, Option<String>, Option<String>)> = self
            .lock()
            .query_row(
                "SELECT state, attempts, platform_no, last_error FROM outbox WHERE kind = ?1 AND local_no = ?2",
                params![kind.as_str(), local_no],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )
            .optional()?;
        Ok(row.map(|(state, attempts, platform_no, err)| match state.as_str() {
            "delivered" => DeliveryState::Delivered { platform_no },
            "rejected" => DeliveryState::Rejected { reason: err.unwrap_or_default() },
            _ => DeliveryState::Queued { attempts },
        }))
    }

    /// When the earliest queued item is due (ms since epoch), if any is queued.
    pub fn next_due_ms(&self) -> Result<Option<i64>, StoreError> {
        Ok(self.lock().query_row("SELECT MIN(next_attempt_ms) FROM outbox WHERE state = 'queued'", [], |r| r.get(0))?)
    }

    pub fn queue_stats(&self) -> Result<QueueStats, StoreError> {
        let conn = self.lock();
        let (queued, delivered, oldest) = conn.query_row(
            "SELECT COALESCE(SUM(state = 'queued'), 0), COALESCE(SUM(state = 'delivered'), 0),
                    MIN(CASE WHEN state = 'queued' THEN created_ms END) FROM outbox",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )?;
        Ok(QueueStats { queued, delivered, oldest_queued_ms: oldest })
    }

    /// Whether any payload (personal data) is still held for the item.
    pub fn holds_payload(&self, local_no: &str, kind: Kind) -> Result<bool, StoreError> {
        Ok(self.lock().query_row(
            "SELECT COUNT(*) FROM outbox WHERE local_no = ?1 AND kind = ?2 AND payload IS NOT NULL",
            params![local_no, kind.as_str()],
            |r| r.get::<_, i64>(0),
        )? > 0)
    }

    /// Appends an audit event. `detail` must not carry unmasked personal data.
    pub fn audit(&self, kind: &str, detail: &str) -> Result<(), StoreError> {
        self.lock()
            .execute("INSERT INTO audit(at_ms, kind, detail) VALUES(?1, ?2, ?3)", params![now_ms(), kind, detail])?;
        Ok(())
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

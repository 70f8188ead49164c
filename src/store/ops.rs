//! What the branch host and the technician work with: host alerts and their
//! acknowledgement, the citizens' 帮办 calls, daily counters, small persisted values
//! (`meta`), the maintenance PIN lockout, and the audit log with actor and outcome.
//! None of it holds a citizen's data: a help call keeps only the screen's name.

use super::{now_ms, Store, StoreError};
use crate::ops::audit::{AuditEvent, Outcome};
use crate::ops::Actor;
use rusqlite::{params, Connection, OptionalExtension};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

pub use crate::ops::counts;

/// A host alert. While open (not acknowledged), a repeat of the same kind and message
/// counts up instead of adding a row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Alert {
    pub id: i64,
    /// When it was first raised (unix ms).
    pub at_ms: i64,
    /// What it is about: "printer", "paper", "storage", "queue", …
    pub kind: String,
    pub message: String,
    /// How many times it was raised while open.
    pub count: i64,
    pub acked_ms: Option<i64>,
    /// Who acknowledged it (`Actor::name`).
    pub acked_by: Option<String>,
}

/// A citizen's 帮办 call: only the screen they were on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HelpCall {
    pub id: i64,
    pub at_ms: i64,
    /// `Screen::name` of the screen the citizen was on.
    pub screen: String,
    pub cleared_ms: Option<i64>,
    /// Who answered it (`Actor::name`).
    pub cleared_by: Option<String>,
}

/// One local day's counters (`counts::*` names; absent ones are zero).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DayCounts {
    /// "YYYY-MM-DD", the terminal's local date.
    pub day: String,
    pub counts: BTreeMap<String, i64>,
}

impl DayCounts {
    /// A counter's value, zero if it never counted that day.
    pub fn get(&self, name: &str) -> i64 {
        self.counts.get(name).copied().unwrap_or(0)
    }
}

/// One audit row, for `kiosk diag logs` and the technician's screen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditRow {
    pub id: i64,
    pub at_ms: i64,
    /// The event id (`AuditEvent::id`).
    pub event: String,
    /// `Actor::name`.
    pub actor: String,
    /// `Outcome::name`.
    pub outcome: String,
    pub detail: String,
}

/// The maintenance entry's wrong-PIN count and lock (see `crate::pin`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PinLockout {
    /// Wrong PINs in a row since the last right one (or the last lock).
    pub failures: u32,
    /// Locked until then (unix ms); 0 or past: not locked.
    pub locked_until_ms: i64,
}

impl PinLockout {
    pub fn is_locked(&self, now_ms: i64) -> bool {
        self.locked_until_ms > now_ms
    }
}

/// The longest screen name a help call keeps.
const SCREEN_MAX: usize = 64;

/// Appends an audit row on `conn` (inside the caller's transaction, if any).
pub(super) fn insert_audit(
    conn: &Connection,
    at_ms: i64,
    event: &str,
    actor: Actor,
    outcome: Outcome,
    detail: &str,
) -> Result<(), StoreError> {
    conn.prepare_cached("INSERT INTO audit(at_ms, kind, actor, outcome, detail) VALUES(?1, ?2, ?3, ?4, ?5)")?
        .execute(params![at_ms, event, actor.name(), outcome.name(), detail])?;
    Ok(())
}

/// Raises (or counts up) an open alert and audits it as `host_alert` ("kind: message").
pub(super) fn insert_alert(conn: &Connection, at_ms: i64, kind: &str, message: &str) -> Result<i64, StoreError> {
    let id = conn.query_row(
        "INSERT INTO alerts(at_ms, kind, message) VALUES(?1, ?2, ?3)
         ON CONFLICT(kind, message) WHERE acked_ms IS NULL DO UPDATE SET count = count + 1
         RETURNING id",
        params![at_ms, kind, message],
        |r| r.get(0),
    )?;
    insert_audit(conn, at_ms, AuditEvent::HostAlert.id(), Actor::System, Outcome::Ok, &format!("{kind}: {message}"))?;
    Ok(id)
}

fn alert_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Alert> {
    Ok(Alert {
        id: r.get(0)?,
        at_ms: r.get(1)?,
        kind: r.get(2)?,
        message: r.get(3)?,
        count: r.get(4)?,
        acked_ms: r.get(5)?,
        acked_by: r.get(6)?,
    })
}

fn help_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<HelpCall> {
    Ok(HelpCall { id: r.get(0)?, at_ms: r.get(1)?, screen: r.get(2)?, cleared_ms: r.get(3)?, cleared_by: r.get(4)? })
}

/// A "YYYY-MM-DD" date.
fn check_day(day: &str) -> Result<(), StoreError> {
    match chrono::NaiveDate::parse_from_str(day, "%Y-%m-%d") {
        Ok(_) if day.len() == 10 => Ok(()),
        _ => Err(StoreError::Invalid(format!("day {day:?} is not YYYY-MM-DD"))),
    }
}

impl Store {
    // --- audit ---------------------------------------------------------------------

    /// Appends an audit event with who did it and how it ended. `detail` must not carry
    /// unmasked personal data.
    pub fn audit_event(&self, ev: AuditEvent, actor: Actor, outcome: Outcome, detail: &str) -> Result<(), StoreError> {
        insert_audit(&self.lock(), now_ms(), ev.id(), actor, outcome, detail)
    }

    /// Audit rows at or after `since_ms`, oldest first.
    pub fn audit_since(&self, since_ms: i64) -> Result<Vec<AuditRow>, StoreError> {
        let conn = self.lock();
        let mut stmt = conn.prepare_cached(
            "SELECT id, at_ms, kind, actor, outcome, detail FROM audit WHERE at_ms >= ?1 ORDER BY at_ms, id",
        )?;
        let rows = stmt.query_map([since_ms], |r| {
            Ok(AuditRow {
                id: r.get(0)?,
                at_ms: r.get(1)?,
                event: r.get(2)?,
                actor: r.get(3)?,
                outcome: r.get(4)?,
                detail: r.get(5)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    // --- host alerts ---------------------------------------------------------------

    /// Raises a host alert. An open alert with the same kind and message is not
    /// repeated: its count goes up and its id is returned. Audited as `host_alert`
    /// with the detail "kind: message".
    pub fn raise_alert(&self, kind: &str, message: &str) -> Result<i64, StoreError> {
        let mut conn = self.lock();
        let tx = conn.transaction()?;
        let id = insert_alert(&tx, now_ms(), kind, message)?;
        tx.commit()?;
        Ok(id)
    }

    /// Alerts not yet acknowledged, newest first.
    pub fn open_alerts(&self) -> Result<Vec<Alert>, StoreError> {
        let conn = self.lock();
        let mut stmt = conn.prepare_cached(
            "SELECT id, at_ms, kind, message, count, acked_ms, acked_by FROM alerts
             WHERE acked_ms IS NULL ORDER BY at_ms DESC, id DESC",
        )?;
        let rows = stmt.query_map([], alert_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Acknowledges one open alert. False if it was not open. The caller audits it
    /// (`alert.ack`, with its outcome).
    pub fn ack_alert(&self, id: i64, by: Actor) -> Result<bool, StoreError> {
        Ok(self.lock().execute(
            "UPDATE alerts SET acked_ms = ?2, acked_by = ?3 WHERE id = ?1 AND acked_ms IS NULL",
            params![id, now_ms(), by.name()],
        )? > 0)
    }

    /// Acknowledges every open alert of a kind (the host's 已换纸 clears the paper
    /// alerts). Returns how many. The caller audits the action (`paper.refilled`).
    pub fn ack_alerts_of_kind(&self, kind: &str, by: Actor) -> Result<usize, StoreError> {
        Ok(self.lock().execute(
            "UPDATE alerts SET acked_ms = ?2, acked_by = ?3 WHERE kind = ?1 AND acked_ms IS NULL",
            params![kind, now_ms(), by.name()],
        )?)
    }

    // --- 帮办 calls ----------------------------------------------------------------

    /// A citizen pressed 帮办 on `screen` (`Screen::name`; anything that does not look
    /// like a screen name is kept as "other", so no typed text can land here). The
    /// caller audits it (`help.call`, once it knows whether the platform relayed it) and
    /// counts it (`counts::HELP_CALLS`) on its local day.
    pub fn raise_help_call(&self, screen: &str) -> Result<i64, StoreError> {
        let looks_like_a_name = !screen.is_empty()
            && screen.len() <= SCREEN_MAX
            && screen.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | ':'));
        let screen = if looks_like_a_name {
            screen
        } else {
            tracing::warn!(len = screen.len(), "help call from an unexpected screen name: kept as \"other\"");
            "other"
        };
        Ok(self.lock().query_row(
            "INSERT INTO help_calls(at_ms, screen) VALUES(?1, ?2) RETURNING id",
            params![now_ms(), screen],
            |r| r.get(0),
        )?)
    }

    /// Help calls not yet answered, newest first.
    pub fn open_help_calls(&self) -> Result<Vec<HelpCall>, StoreError> {
        let conn = self.lock();
        let mut stmt = conn.prepare_cached(
            "SELECT id, at_ms, screen, cleared_ms, cleared_by FROM help_calls
             WHERE cleared_ms IS NULL ORDER BY at_ms DESC, id DESC",
        )?;
        let rows = stmt.query_map([], help_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The last `limit` help calls, answered or not, newest first.
    pub fn recent_help_calls(&self, limit: usize) -> Result<Vec<HelpCall>, StoreError> {
        let conn = self.lock();
        let mut stmt = conn.prepare_cached(
            "SELECT id, at_ms, screen, cleared_ms, cleared_by FROM help_calls ORDER BY at_ms DESC, id DESC LIMIT ?1",
        )?;
        let rows = stmt.query_map([i64::try_from(limit).unwrap_or(i64::MAX)], help_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Marks one help call answered. False if it was not open. The caller audits it
    /// (`help.clear`).
    pub fn clear_help_call(&self, id: i64, by: Actor) -> Result<bool, StoreError> {
        Ok(self.lock().execute(
            "UPDATE help_calls SET cleared_ms = ?2, cleared_by = ?3 WHERE id = ?1 AND cleared_ms IS NULL",
            params![id, now_ms(), by.name()],
        )? > 0)
    }

    /// Marks every open help call answered. Returns how many. The caller audits it.
    pub fn clear_help_calls(&self, by: Actor) -> Result<usize, StoreError> {
        Ok(self.lock().execute(
            "UPDATE help_calls SET cleared_ms = ?1, cleared_by = ?2 WHERE cleared_ms IS NULL",
            params![now_ms(), by.name()],
        )?)
    }

    // --- daily counts --------------------------------------------------------------

    /// Adds `by` to counter `name` (`counts::*`) of local day `day` ("YYYY-MM-DD", in
    /// the configured time zone: the caller knows it, the store does not).
    pub fn count(&self, day: &str, name: &str, by: i64) -> Result<(), StoreError> {
        check_day(day)?;
        self.lock()
            .prepare_cached(
                "INSERT INTO daily_counts(day, name, value) VALUES(?1, ?2, ?3)
                 ON CONFLICT(day, name) DO UPDATE SET value = value + excluded.value",
            )?
            .execute(params![day, name, by])?;
        Ok(())
    }

    /// The counters of the days from `from_day` to `to_day` (both included), one entry
    /// per day that counted anything, oldest first.
    pub fn daily_counts(&self, from_day: &str, to_day: &str) -> Result<Vec<DayCounts>, StoreError> {
        check_day(from_day)?;
        check_day(to_day)?;
        let conn = self.lock();
        let mut stmt = conn.prepare_cached(
            "SELECT day, name, value FROM daily_counts WHERE day BETWEEN ?1 AND ?2 ORDER BY day, name",
        )?;
        let mut rows = stmt.query(params![from_day, to_day])?;
        let mut out: Vec<DayCounts> = Vec::new();
        while let Some(r) = rows.next()? {
            let (day, name, value): (String, String, i64) = (r.get(0)?, r.get(1)?, r.get(2)?);
            match out.last_mut() {
                Some(d) if d.day == day => {
                    d.counts.insert(name, value);
                }
                _ => out.push(DayCounts { day, counts: BTreeMap::from([(name, value)]) }),
            }
        }
        Ok(out)
    }

    // --- meta ----------------------------------------------------------------------

    /// A small persisted value (e.g. the out-of-service state, as JSON).
    pub fn meta_get(&self, name: &str) -> Result<Option<String>, StoreError> {
        Ok(self.lock().query_row("SELECT value FROM meta WHERE name = ?1", [name], |r| r.get(0)).optional()?)
    }

    /// Sets (Some) or removes (None) a persisted value. `install_id` and `generation`
    /// belong to `set_identity` and are refused here.
    pub fn meta_set(&self, name: &str, value: Option<&str>) -> Result<(), StoreError> {
        if matches!(name, "install_id" | "generation") {
            return Err(StoreError::Invalid(format!("meta {name:?} is the database identity (set_identity)")));
        }
        let conn = self.lock();
        match value {
            Some(v) => conn.execute(
                "INSERT INTO meta(name, value) VALUES(?1, ?2) ON CONFLICT(name) DO UPDATE SET value = excluded.value",
                params![name, v],
            )?,
            None => conn.execute("DELETE FROM meta WHERE name = ?1", [name])?,
        };
        Ok(())
    }

    // --- maintenance PIN lockout ---------------------------------------------------

    /// The wrong-PIN count and lock of an entry (`crate::pin` uses one scope for both roles).
    pub fn pin_lockout(&self, scope: &str) -> Result<PinLockout, StoreError> {
        let row: Option<(i64, i64)> = self
            .lock()
            .query_row("SELECT failures, locked_until_ms FROM pin_lockout WHERE scope = ?1", [scope], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .optional()?;
        Ok(row.map_or_else(PinLockout::default, |(f, until)| PinLockout {
            failures: u32::try_from(f).unwrap_or(u32::MAX),
            locked_until_ms: until,
        }))
    }

    /// Counts one wrong PIN, atomically. The `max_failures`-th in a row locks the entry
    /// until `now_ms + lock_ms` and starts the count again (so after the lock another
    /// `max_failures` tries are allowed). Returns the state after it.
    pub fn pin_failure(
        &self,
        scope: &str,
        max_failures: u32,
        lock_ms: i64,
        now_ms: i64,
    ) -> Result<PinLockout, StoreError> {
        let (f, until): (i64, i64) = self.lock().query_row(
            "INSERT INTO pin_lockout(scope, failures, locked_until_ms)
                 VALUES(?1, CASE WHEN ?2 <= 1 THEN 0 ELSE 1 END, CASE WHEN ?2 <= 1 THEN ?3 + ?4 ELSE 0 END)
             ON CONFLICT(scope) DO UPDATE SET
                 locked_until_ms = CASE WHEN failures + 1 >= ?2 THEN ?3 + ?4 ELSE locked_until_ms END,
                 failures = CASE WHEN failures + 1 >= ?2 THEN 0 ELSE failures + 1 END
             RETURNING failures, locked_until_ms",
            params![scope, i64::from(max_failures), now_ms, lock_ms],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        Ok(PinLockout { failures: u32::try_from(f).unwrap_or(u32::MAX), locked_until_ms: until })
    }

    /// A right PIN (or a new one): the count and any lock are cleared.
    pub fn pin_reset(&self, scope: &str) -> Result<(), StoreError> {
        self.lock().execute("DELETE FROM pin_lockout WHERE scope = ?1", [scope])?;
        Ok(())
    }
}

//! Versioned schema migrations, applied in order inside one transaction each.
//! `PRAGMA user_version` holds the number of migrations applied.

use super::StoreError;
use rusqlite::Connection;

const MIGRATIONS: &[&str] = &[
    // 1: the first schema.
    "CREATE TABLE outbox (
        id INTEGER PRIMARY KEY,
        kind TEXT NOT NULL CHECK (kind IN ('case', 'rating')),
        local_no TEXT NOT NULL,
        idem_key TEXT NOT NULL UNIQUE,
        payload BLOB,
        state TEXT NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'delivered', 'rejected')),
        attempts INTEGER NOT NULL DEFAULT 0,
        next_attempt_ms INTEGER NOT NULL DEFAULT 0,
        platform_no TEXT,
        last_error TEXT,
        created_ms INTEGER NOT NULL,
        delivered_ms INTEGER
    );
    CREATE INDEX outbox_due ON outbox(state, next_attempt_ms);
    CREATE TABLE sequences (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
    CREATE TABLE ratings (
        id INTEGER PRIMARY KEY,
        local_no TEXT NOT NULL UNIQUE,
        level INTEGER NOT NULL CHECK (level BETWEEN 1 AND 5),
        reasons TEXT NOT NULL,
        created_ms INTEGER NOT NULL
    );
    CREATE TABLE audit (id INTEGER PRIMARY KEY, at_ms INTEGER NOT NULL, kind TEXT NOT NULL, detail TEXT NOT NULL);
    CREATE TABLE device_counters (
        device TEXT NOT NULL, counter TEXT NOT NULL, value INTEGER NOT NULL,
        PRIMARY KEY (device, counter)
    );
    CREATE TABLE catalog_cache (
        version TEXT PRIMARY KEY, body TEXT NOT NULL, fetched_ms INTEGER NOT NULL,
        active INTEGER NOT NULL DEFAULT 0
    );",
    // catalog branch: 一人一档 (see profile), idempotent so its place in the list does not matter.
    "CREATE TABLE IF NOT EXISTS profiles (id_hash TEXT PRIMARY KEY, body BLOB NOT NULL, updated_ms INTEGER NOT NULL);",
    // 3: per-item delivery state with a dead letter (`needs_attention`: unreadable here or
    // refused for good by the platform), purges, and the database's identity (a fresh
    // database gets a new install generation, so its numbers never repeat old ones).
    "CREATE TABLE outbox_v3 (
        id INTEGER PRIMARY KEY,
        kind TEXT NOT NULL CHECK (kind IN ('case', 'rating')),
        local_no TEXT NOT NULL,
        idem_key TEXT NOT NULL UNIQUE,
        payload BLOB,
        state TEXT NOT NULL DEFAULT 'queued'
            CHECK (state IN ('queued', 'delivered', 'needs_attention', 'purged')),
        attention TEXT CHECK (attention IN ('unreadable', 'refused')),
        attempts INTEGER NOT NULL DEFAULT 0,
        next_attempt_ms INTEGER NOT NULL DEFAULT 0,
        platform_no TEXT,
        last_error TEXT,
        alerted INTEGER NOT NULL DEFAULT 0,
        created_ms INTEGER NOT NULL,
        delivered_ms INTEGER,
        attention_ms INTEGER
    );
    INSERT INTO outbox_v3(id, kind, local_no, idem_key, payload, state, attention, attempts, next_attempt_ms,
                          platform_no, last_error, created_ms, delivered_ms, attention_ms)
        SELECT id, kind, local_no, idem_key, payload,
               CASE state WHEN 'rejected' THEN 'needs_attention' ELSE state END,
               CASE state WHEN 'rejected' THEN 'refused' END,
               attempts, next_attempt_ms, platform_no, last_error, created_ms, delivered_ms,
               CASE state WHEN 'rejected' THEN created_ms END
        FROM outbox;
    DROP TABLE outbox;
    ALTER TABLE outbox_v3 RENAME TO outbox;
    CREATE INDEX outbox_due ON outbox(state, next_attempt_ms);
    CREATE INDEX outbox_local_no ON outbox(local_no);
    CREATE TABLE meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
    INSERT INTO meta(name, value) VALUES ('install_id', lower(hex(randomblob(16)))), ('generation', '1');",
    // 4: hosts and technicians on the machine. Host alerts with their acknowledgement
    // (one open alert per kind and message: a repeat counts up), the citizens' 帮办 calls
    // (the screen only), daily counters by local date, the maintenance PIN lockout
    // (survives a restart), and who did each audited thing with how it ended.
    "CREATE TABLE alerts (
        id INTEGER PRIMARY KEY,
        at_ms INTEGER NOT NULL,
        kind TEXT NOT NULL,
        message TEXT NOT NULL,
        count INTEGER NOT NULL DEFAULT 1,
        acked_ms INTEGER,
        acked_by TEXT
    );
    CREATE UNIQUE INDEX alerts_open ON alerts(kind, message) WHERE acked_ms IS NULL;
    CREATE TABLE help_calls (
        id INTEGER PRIMARY KEY,
        at_ms INTEGER NOT NULL,
        screen TEXT NOT NULL,
        cleared_ms INTEGER,
        cleared_by TEXT
    );
    CREATE TABLE daily_counts (
        day TEXT NOT NULL, name TEXT NOT NULL, value INTEGER NOT NULL,
        PRIMARY KEY (day, name)
    ) WITHOUT ROWID;
    CREATE TABLE pin_lockout (
        scope TEXT PRIMARY KEY,
        failures INTEGER NOT NULL DEFAULT 0,
        locked_until_ms INTEGER NOT NULL DEFAULT 0
    );
    ALTER TABLE audit ADD COLUMN actor TEXT NOT NULL DEFAULT 'system';
    ALTER TABLE audit ADD COLUMN outcome TEXT NOT NULL DEFAULT 'ok';
    -- Older rows get the actor and outcome the catalogue (src/ops/audit.rs) gives their kind.
    UPDATE audit SET actor = 'citizen'
        WHERE kind IN ('session_start', 'session_end', 'card_read', 'rating_skipped', 'profile_consent', 'profile_delete');
    UPDATE audit SET actor = 'cli' WHERE kind IN ('queue_retry', 'queue_purge', 'keys_rotated');
    UPDATE audit SET outcome = 'refused' WHERE kind = 'catalog_rejected';
    CREATE INDEX audit_at ON audit(at_ms);",
];

pub fn migrate(conn: &mut Connection) -> Result<(), StoreError> {
    let current: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    let supported = MIGRATIONS.len() as i64;
    if current > supported {
        return Err(StoreError::TooNew { found: current, supported });
    }
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(current as usize) {
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", (i + 1) as i64)?;
        tx.commit()?;
    }
    Ok(())
}

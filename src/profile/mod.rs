//! 一人一档: contact details (phone, postal address) a citizen allowed the kiosk to keep,
//! offered again on a later visit only after explicit consent on screen, and deletable
//! from the kiosk. Rows are keyed by an HMAC-SHA256 of the ID number under a secret
//! lookup key kept with the terminal's other keys (not a hash with a salt beside the
//! database: a salt does not stop anyone who has it from testing ID numbers), and the
//! body is sealed by the outbox's `Sealer`, so the database alone reveals neither who
//! visited nor their details. The data types are the journey's
//! (`journey::{Contact, ProfileId}`); this module is their encrypted SQLite store.

pub use crate::journey::{Contact, ProfileId};
use crate::outbox::Sealer;
use hmac::{Hmac, Mac};
use rusqlite::{params, Connection, OptionalExtension};
use sha2::Sha256;
use std::path::Path;
use std::sync::{Arc, Mutex};
use zeroize::Zeroize;

#[derive(Debug, thiserror::Error)]
pub enum ProfileError {
    #[error("一人一档数据库: {0}")]
    Db(#[from] rusqlite::Error),
    #[error("一人一档查询密钥文件 {path}: {source}")]
    Key { path: String, source: std::io::Error },
    #[error("一人一档记录无法解密")]
    Decrypt,
}

pub struct ProfileStore {
    conn: Mutex<Connection>,
    sealer: Arc<Sealer>,
    lookup_key: zeroize::Zeroizing<[u8; 32]>,
}

impl ProfileStore {
    /// Opens the kiosk database (already migrated by `Store::open`) with its own
    /// connection, so this module does not reach into the store's internals.
    pub fn open(db: &Path, sealer: Arc<Sealer>, lookup_key: [u8; 32]) -> Result<Self, ProfileError> {
        let conn = Connection::open(db)?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        // secure_delete is per connection: a deleted profile is overwritten here too.
        conn.pragma_update(None, "secure_delete", "ON")?;
        conn.execute_batch(MIGRATION)?;
        Ok(Self { conn: Mutex::new(conn), sealer, lookup_key: zeroize::Zeroizing::new(lookup_key) })
    }

    /// The terminal's secret lookup key (32 random bytes, mode 0600, written atomically),
    /// created on first use (`kiosk keys init` at install time).
    pub fn load_or_create_key(path: &Path) -> Result<[u8; 32], ProfileError> {
        let err = |source| ProfileError::Key { path: path.display().to_string(), source };
        let bytes = crate::fsutil::load_or_create_secret(path).map_err(err)?;
        bytes.as_slice().try_into().map_err(|_| err(std::io::Error::other("lookup key file must hold 32 bytes")))
    }

    fn key(&self, id: &ProfileId) -> String {
        // HMAC accepts keys of any length: this cannot fail.
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(self.lookup_key.as_ref()).expect("any key length");
        mac.update(id.as_str().as_bytes());
        hex::encode(mac.finalize().into_bytes())
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Connection> {
        self.conn.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn exists(&self, id: &ProfileId) -> Result<bool, ProfileError> {
        let n: i64 =
            self.lock().query_row("SELECT COUNT(*) FROM profiles WHERE id_hash = ?1", [self.key(id)], |r| r.get(0))?;
        Ok(n > 0)
    }

    pub fn load(&self, id: &ProfileId) -> Result<Option<Contact>, ProfileError> {
        let key = self.key(id);
        let body: Option<Vec<u8>> =
            self.lock().query_row("SELECT body FROM profiles WHERE id_hash = ?1", [&key], |r| r.get(0)).optional()?;
        let Some(body) = body else { return Ok(None) };
        let mut plain = self.sealer.open(&body).map_err(|_| ProfileError::Decrypt)?;
        let parsed = serde_json::from_slice::<(String, Contact)>(&plain);
        plain.zeroize();
        match parsed {
            // The hash inside the sealed body binds it to its row: no swapping rows.
            Ok((k, c)) if k == key => Ok(Some(c)),
            _ => Err(ProfileError::Decrypt),
        }
    }

    pub fn save(&self, id: &ProfileId, contact: &Contact) -> Result<(), ProfileError> {
        let key = self.key(id);
        let mut plain = serde_json::to_vec(&(&key, contact)).unwrap_or_default();
        let body = self.sealer.seal(&plain);
        plain.zeroize();
        self.lock().execute(
            "INSERT INTO profiles(id_hash, body, updated_ms) VALUES(?1, ?2, ?3)
             ON CONFLICT(id_hash) DO UPDATE SET body = excluded.body, updated_ms = excluded.updated_ms",
            params![key, body, crate::store::now_ms()],
        )?;
        Ok(())
    }

    /// Deletes the citizen's record; true if there was one. The row is overwritten in
    /// the database (secure_delete) and the WAL is truncated, so the sealed body is not
    /// left in free pages or the log.
    pub fn delete(&self, id: &ProfileId) -> Result<bool, ProfileError> {
        let conn = self.lock();
        let gone = conn.execute("DELETE FROM profiles WHERE id_hash = ?1", [self.key(id)])? > 0;
        if gone {
            // Busy readers only delay the truncation to the next checkpoint.
            let _busy: i64 = conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| r.get(0))?;
        }
        Ok(gone)
    }

    /// Profiles in a database file, without the key (0 if there is no table yet): a lost
    /// lookup key with rows waiting is refused at start, like the outbox key.
    pub fn rows_in(db: &Path) -> Result<i64, ProfileError> {
        let conn = Connection::open_with_flags(db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)?;
        let table: Option<String> = conn
            .query_row("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'profiles'", [], |r| r.get(0))
            .optional()?;
        if table.is_none() {
            return Ok(0);
        }
        Ok(conn.query_row("SELECT COUNT(*) FROM profiles", [], |r| r.get(0))?)
    }
}

/// The table, also appended to the store's migrations. Idempotent so that the order
/// of migrations from parallel branches does not matter.
pub const MIGRATION: &str = "CREATE TABLE IF NOT EXISTS profiles (
    id_hash TEXT PRIMARY KEY,
    body BLOB NOT NULL,
    updated_ms INTEGER NOT NULL
);";

//! Maintenance PINs: one 6-digit PIN per role (网点管理员 host, 运维工程师 technician).
//!
//! - Kept as Argon2id PHC strings (m = 19456 KiB, t = 2, p = 1: OWASP's minimum) in
//!   `pins.json` in the state directory (`terminal.data_dir`; /etc is read-only to the
//!   service), private (0600) and replaced atomically. The file never holds a digit of
//!   a PIN in clear. It is read at each check, so `kiosk pin set` takes effect at once
//!   in a running kiosk.
//! - 5 wrong PINs in a row lock the maintenance entry, both roles, for 15 minutes. The
//!   count and the lock are in the database (`pin_lockout`), so a restart does not
//!   reset them; a right PIN does, and so does setting a new PIN. While locked, a PIN is
//!   not even checked.
//! - Audited: a wrong PIN (`maintenance.pin_wrong`), the lock and tries while locked
//!   (`maintenance.locked`), a PIN set (`pin.set`). Entering maintenance mode after a
//!   right PIN is the caller's to audit (`maintenance.enter`).

use crate::ops::audit::{AuditEvent, Outcome};
use crate::ops::{Actor, Role};
use crate::store::{Store, StoreError};
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// Digits in a PIN.
pub const PIN_LEN: usize = 6;
/// Wrong PINs in a row that lock the entry.
pub const MAX_FAILURES: u32 = 5;
/// How long the entry stays locked.
pub const LOCK_MINUTES: i64 = 15;
pub const LOCK_MS: i64 = LOCK_MINUTES * 60_000;
/// The PIN file, in the state directory.
pub const FILE_NAME: &str = "pins.json";
/// Argon2id memory (KiB), passes and lanes for new hashes (a stored hash is checked
/// with the parameters it was made with).
pub const ARGON2_M_KIB: u32 = 19_456;
pub const ARGON2_T: u32 = 2;
pub const ARGON2_P: u32 = 1;

/// The lockout's scope in the database: one for the whole entry (both roles).
const LOCK_SCOPE: &str = "maintenance";

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PinError {
    #[error("密码须为 6 位数字 / a PIN is 6 digits")]
    Format,
    #[error("密码过于简单（{zh}），请另选 / PIN too weak ({en}): choose another")]
    Weak { zh: &'static str, en: &'static str },
    #[error("不能与{zh}的密码相同 / must differ from the {en} PIN", zh = .other.label_zh(), en = .other.name())]
    SameAsOther { other: Role },
    #[error(
        "尚未设置密码，请运维工程师用 kiosk pin set 设置 / no PIN set: a technician sets one with `kiosk pin set`"
    )]
    NotSet,
    #[error("密码错误，还可尝试 {left} 次 / wrong PIN, {left} tries left")]
    Wrong { left: u32 },
    #[error("错误次数过多，维护入口已锁定 {mins} 分钟 / too many wrong PINs: entry locked for {mins} minutes", mins = LOCK_MINUTES)]
    Locked { until_ms: i64 },
    #[error("密码存储错误 / PIN storage: {0}")]
    Io(String),
}

impl PinError {
    /// Whole minutes (rounded up) until a lock ends, for the PIN pad.
    pub fn minutes_left(&self, now_ms: i64) -> Option<i64> {
        match self {
            PinError::Locked { until_ms } => Some(((until_ms - now_ms).max(0) + 59_999) / 60_000),
            _ => None,
        }
    }
}

impl From<StoreError> for PinError {
    fn from(e: StoreError) -> Self {
        PinError::Io(e.to_string())
    }
}

impl From<std::io::Error> for PinError {
    fn from(e: std::io::Error) -> Self {
        PinError::Io(e.to_string())
    }
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct PinFile {
    version: u32,
    /// Role name → its hash.
    pins: BTreeMap<String, Entry>,
}

#[derive(Debug, Serialize, Deserialize)]
struct Entry {
    /// Argon2id PHC string.
    phc: String,
    set_ms: i64,
}

/// The maintenance PINs and their lockout.
pub struct Pins {
    path: PathBuf,
    store: Arc<Store>,
    /// Serialises read-modify-write of the file within this process.
    write: Mutex<()>,
}

impl Pins {
    /// The PINs kept in `dir` (the state directory), with the lockout and audit in
    /// `store`. Nothing is read yet: a missing or broken file shows at use.
    pub fn open(dir: &Path, store: Arc<Store>) -> Pins {
        Pins { path: dir.join(FILE_NAME), store, write: Mutex::new(()) }
    }

    /// The PIN file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Whether the role has a PIN (false if the file cannot be read; that is logged).
    pub fn is_set(&self, role: Role) -> bool {
        match self.read() {
            Ok(f) => f.pins.contains_key(role.name()),
            Err(e) => {
                tracing::error!(error = %e, "PIN file unreadable");
                false
            }
        }
    }

    /// Sets (or replaces) a role's PIN, audited as `pin.set` by the catalogue's default
    /// actor (the CLI). See [`Pins::set_by`].
    pub fn set(&self, role: Role, pin: &str) -> Result<(), PinError> {
        self.set_by(role, pin, AuditEvent::PinSet.default_actor())
    }

    /// Sets (or replaces) a role's PIN. Refused: not 6 digits, a trivially weak one
    /// (one digit repeated, a run like 123456, a repeated pair or triple, a keypad
    /// pattern), or the other role's PIN. A new PIN clears the wrong-PIN count and lock.
    /// Slow (two Argon2 hashes): not on the UI thread.
    pub fn set_by(&self, role: Role, pin: &str, by: Actor) -> Result<(), PinError> {
        check_format(pin)?;
        if let Some((zh, en)) = weakness(pin) {
            return Err(PinError::Weak { zh, en });
        }
        let _w = self.write.lock().unwrap_or_else(|e| e.into_inner());
        let mut file = self.read()?;
        for other in Role::ALL.into_iter().filter(|&r| r != role) {
            if let Some(e) = file.pins.get(other.name()) {
                if check(&e.phc, pin)? {
                    return Err(PinError::SameAsOther { other });
                }
            }
        }
        file.version = 1;
        file.pins.insert(role.name().to_string(), Entry { phc: hash(pin)?, set_ms: crate::store::now_ms() });
        let json = serde_json::to_vec_pretty(&file).map_err(|e| PinError::Io(e.to_string()))?;
        // Atomic replacement of a private file (write_private refuses to replace).
        crate::fsutil::replace_private(&self.path, &json)
            .map_err(|e| PinError::Io(format!("{}: {e}", self.path.display())))?;
        self.store.pin_reset(LOCK_SCOPE)?;
        self.audit(AuditEvent::PinSet, by, Outcome::Ok, &format!("{} PIN set", role.name()));
        Ok(())
    }

    /// Until when the entry is locked (unix ms), if it is: the PIN pad can say so
    /// before anything is typed.
    pub fn locked_until(&self, now_ms: i64) -> Result<Option<i64>, PinError> {
        let lock = self.store.pin_lockout(LOCK_SCOPE)?;
        Ok(lock.is_locked(now_ms).then_some(lock.locked_until_ms))
    }

    /// Checks a role's PIN. While the entry is locked the answer is
    /// [`PinError::Locked`] without looking at the PIN; a wrong one answers
    /// [`PinError::Wrong`] with the tries left, or `Locked` when it was the 5th in a
    /// row; a right one clears the count.
    ///
    /// Slow by design (one Argon2id hash, ~20–50 ms optimised, far more in an
    /// unoptimised build): callers run it off the UI thread and off the async workers
    /// (`tokio::task::spawn_blocking`).
    pub fn verify(&self, role: Role, pin: &str, now_ms: i64) -> Result<(), PinError> {
        let lock = self.store.pin_lockout(LOCK_SCOPE)?;
        if lock.is_locked(now_ms) {
            self.audit(
                AuditEvent::Locked,
                role.into(),
                Outcome::Refused,
                &format!("{}: PIN tried while the entry is locked", role.name()),
            );
            return Err(PinError::Locked { until_ms: lock.locked_until_ms });
        }
        let file = self.read()?;
        let Some(entry) = file.pins.get(role.name()) else {
            return Err(PinError::NotSet);
        };
        let right = check_format(pin).is_ok() && check(&entry.phc, pin)?;
        if right {
            if lock != crate::store::PinLockout::default() {
                self.store.pin_reset(LOCK_SCOPE)?;
            }
            return Ok(());
        }
        let after = self.store.pin_failure(LOCK_SCOPE, MAX_FAILURES, LOCK_MS, now_ms)?;
        if after.is_locked(now_ms) {
            self.audit(
                AuditEvent::PinWrong,
                role.into(),
                Outcome::Refused,
                &format!("{}: wrong PIN ({MAX_FAILURES} of {MAX_FAILURES})", role.name()),
            );
            self.audit(
                AuditEvent::Locked,
                Actor::System,
                Outcome::Refused,
                &format!("{MAX_FAILURES} wrong PINs in a row: maintenance entry locked for {LOCK_MINUTES} minutes"),
            );
            return Err(PinError::Locked { until_ms: after.locked_until_ms });
        }
        self.audit(
            AuditEvent::PinWrong,
            role.into(),
            Outcome::Refused,
            &format!("{}: wrong PIN ({} of {MAX_FAILURES})", role.name(), after.failures),
        );
        Err(PinError::Wrong { left: MAX_FAILURES.saturating_sub(after.failures) })
    }

    /// An audit row that failed to be written is logged, never a reason to refuse or
    /// allow the entry.
    fn audit(&self, ev: AuditEvent, actor: Actor, outcome: Outcome, detail: &str) {
        if let Err(e) = self.store.audit_event(ev, actor, outcome, detail) {
            tracing::error!(error = %e, event = ev.id(), "audit write failed");
        }
    }

    fn read(&self) -> Result<PinFile, PinError> {
        let bytes = match std::fs::read(&self.path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(PinFile::default()),
            Err(e) => return Err(PinError::Io(format!("{}: {e}", self.path.display()))),
        };
        if let Err(why) = crate::fsutil::check_private(&self.path) {
            tracing::warn!("{why}");
        }
        serde_json::from_slice(&bytes).map_err(|e| PinError::Io(format!("{}: {e}", self.path.display())))
    }
}

/// `kiosk pin set --role R`: sets a role's PIN in the configured state directory
/// (creating it if needed), with the lockout and audit in its database. Run it as the
/// kiosk's user (`runuser -u kiosk -- kiosk pin set …`): as root on a directory owned
/// by another user it is refused, since the service could not read a root-owned file.
/// Returns the PIN file's path.
pub fn set_from_cli(cfg: &crate::config::Config, role: Role, pin: &str) -> Result<PathBuf, PinError> {
    let dir = &cfg.terminal.data_dir;
    std::fs::create_dir_all(dir).map_err(|e| PinError::Io(format!("{}: {e}", dir.display())))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let owner = std::fs::metadata(dir)?.uid();
        // SAFETY: geteuid has no preconditions and cannot fail.
        let me = unsafe { libc::geteuid() };
        if me == 0 && owner != 0 {
            return Err(PinError::Io(format!(
                "{} belongs to uid {owner}, not root: run `runuser -u kiosk -- kiosk pin set …` so the kiosk can read the PIN file",
                dir.display()
            )));
        }
    }
    let store = Arc::new(Store::open(&dir.join("kiosk.db"))?);
    let pins = Pins::open(dir, store);
    pins.set_by(role, pin, Actor::Cli)?;
    Ok(pins.path)
}

fn check_format(pin: &str) -> Result<(), PinError> {
    if pin.len() == PIN_LEN && pin.bytes().all(|b| b.is_ascii_digit()) {
        Ok(())
    } else {
        Err(PinError::Format)
    }
}

/// Why a 6-digit PIN is too easy to guess, if it is: (Chinese, English).
fn weakness(pin: &str) -> Option<(&'static str, &'static str)> {
    let d: Vec<i8> = pin.bytes().map(|b| (b - b'0') as i8).collect();
    if d.iter().all(|&x| x == d[0]) {
        return Some(("同一数字重复", "one digit repeated"));
    }
    let steps: Vec<i8> = d.windows(2).map(|w| (w[1] - w[0]).rem_euclid(10)).collect();
    if steps.iter().all(|&s| s == 1) || steps.iter().all(|&s| s == 9) {
        return Some(("连续数字", "a run of digits"));
    }
    if (2..=3).any(|p| d.iter().enumerate().all(|(i, &x)| x == d[i % p])) {
        return Some(("重复的数字组合", "a repeated pattern"));
    }
    const COMMON: &[&str] = &[
        "112233", "332211", "123321", "321123", "147258", "258369", "369258", "147369", "159357", "159753", "741852",
        "852963", "963852", "789456", "456123", "654987", "131452", "131420", "201314", "520131",
    ];
    if COMMON.contains(&pin) {
        return Some(("常见组合", "a common pattern"));
    }
    None
}

fn hasher() -> Argon2<'static> {
    let params = Params::new(ARGON2_M_KIB, ARGON2_T, ARGON2_P, None).expect("constant Argon2 parameters are valid");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

fn hash(pin: &str) -> Result<String, PinError> {
    let salt: [u8; 16] = rand::random();
    let salt = SaltString::encode_b64(&salt).map_err(|e| PinError::Io(format!("salt: {e}")))?;
    Ok(hasher().hash_password(pin.as_bytes(), &salt).map_err(|e| PinError::Io(format!("argon2: {e}")))?.to_string())
}

/// Whether `pin` matches a stored PHC string (checked with that string's parameters).
fn check(phc: &str, pin: &str) -> Result<bool, PinError> {
    let parsed = PasswordHash::new(phc).map_err(|e| PinError::Io(format!("{FILE_NAME}: bad hash: {e}")))?;
    match hasher().verify_password(pin.as_bytes(), &parsed) {
        Ok(()) => Ok(true),
        Err(argon2::password_hash::Error::Password) => Ok(false),
        Err(e) => Err(PinError::Io(format!("argon2: {e}"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIN: i64 = 60_000;

    fn setup() -> (tempfile::TempDir, Arc<Store>, Pins) {
        let dir = tempfile::tempdir().unwrap();
        let store = Arc::new(Store::open(&dir.path().join("kiosk.db")).unwrap());
        let pins = Pins::open(dir.path(), store.clone());
        (dir, store, pins)
    }

    fn events(store: &Store) -> Vec<(String, String, String)> {
        store.audit_since(0).unwrap().into_iter().map(|r| (r.event, r.actor, r.outcome)).collect()
    }

    #[test]
    fn set_and_verify() {
        let (dir, store, pins) = setup();
        assert!(!pins.is_set(Role::Host));
        assert_eq!(pins.verify(Role::Host, "583021", 0), Err(PinError::NotSet));
        pins.set(Role::Host, "583021").unwrap();
        assert!(pins.is_set(Role::Host));
        assert!(!pins.is_set(Role::Technician));
        let t = std::time::Instant::now();
        pins.verify(Role::Host, "583021", 1_000).unwrap();
        eprintln!("argon2id verify: {:?}", t.elapsed());
        assert_eq!(pins.verify(Role::Technician, "583021", 1_000), Err(PinError::NotSet));
        // The other role may not take the same PIN; a different one is fine.
        assert_eq!(pins.set(Role::Technician, "583021"), Err(PinError::SameAsOther { other: Role::Host }));
        pins.set_by(Role::Technician, "790413", Actor::Technician).unwrap();
        pins.verify(Role::Technician, "790413", 2_000).unwrap();
        assert_eq!(pins.verify(Role::Host, "790413", 2_000), Err(PinError::Wrong { left: 4 }));
        // Replacing a PIN: the old one no longer works.
        pins.set(Role::Host, "246813").unwrap();
        pins.verify(Role::Host, "246813", 3_000).unwrap();
        assert!(matches!(pins.verify(Role::Host, "583021", 3_000), Err(PinError::Wrong { .. })));
        let ev = events(&store);
        assert!(ev.contains(&("pin.set".into(), "cli".into(), "ok".into())));
        assert!(ev.contains(&("pin.set".into(), "technician".into(), "ok".into())));
        assert!(ev.contains(&("maintenance.pin_wrong".into(), "host".into(), "refused".into())));
        // No stray temporary files.
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| !n.starts_with("kiosk.db"))
            .collect();
        assert_eq!(names, [FILE_NAME]);
    }

    #[test]
    fn weak_and_malformed_pins_are_refused() {
        let (_d, _s, pins) = setup();
        for bad in ["", "12345", "1234567", "12a456", "１２３４５６", " 12345"] {
            assert_eq!(pins.set(Role::Host, bad), Err(PinError::Format), "{bad:?}");
        }
        for weak in ["000000", "999999", "123456", "654321", "012345", "890123", "121212", "123123", "112233", "147258"]
        {
            assert!(matches!(pins.set(Role::Host, weak), Err(PinError::Weak { .. })), "{weak}");
        }
        assert!(!pins.is_set(Role::Host));
        let msg = pins.set(Role::Host, "123456").unwrap_err().to_string();
        assert!(msg.starts_with("密码过于简单（连续数字）") && msg.contains("PIN too weak"), "{msg}");
        assert_eq!(PinError::Wrong { left: 3 }.to_string(), "密码错误，还可尝试 3 次 / wrong PIN, 3 tries left");
    }

    #[test]
    fn five_wrong_lock_the_entry_across_a_restart_for_15_minutes() {
        let (dir, store, pins) = setup();
        pins.set(Role::Host, "583021").unwrap();
        pins.set(Role::Technician, "790413").unwrap();
        let t0 = 1_000_000;
        for left in [4, 3, 2] {
            assert_eq!(pins.verify(Role::Host, "000001", t0), Err(PinError::Wrong { left }));
        }
        // Wrong tries count for the entry, whichever role: 4th on the technician.
        assert_eq!(pins.verify(Role::Technician, "111112", t0), Err(PinError::Wrong { left: 1 }));
        let locked = pins.verify(Role::Host, "not a pin", t0 + 1);
        assert_eq!(locked, Err(PinError::Locked { until_ms: t0 + 1 + LOCK_MS }));
        assert_eq!(locked.unwrap_err().minutes_left(t0 + 1), Some(15));
        // Restart: a new store and PIN set on the same directory.
        drop(pins);
        drop(store);
        let store = Arc::new(Store::open(&dir.path().join("kiosk.db")).unwrap());
        let pins = Pins::open(dir.path(), store.clone());
        // Locked for both roles, and the right PIN is not even looked at.
        assert_eq!(pins.locked_until(t0 + 5 * MIN).unwrap(), Some(t0 + 1 + LOCK_MS));
        assert!(matches!(pins.verify(Role::Host, "583021", t0 + 5 * MIN), Err(PinError::Locked { .. })));
        assert!(matches!(pins.verify(Role::Technician, "790413", t0 + 14 * MIN), Err(PinError::Locked { .. })));
        // 15 minutes later it is open again, with a fresh count.
        let after = t0 + 1 + LOCK_MS;
        assert_eq!(pins.locked_until(after).unwrap(), None);
        assert_eq!(pins.verify(Role::Host, "000001", after), Err(PinError::Wrong { left: 4 }));
        pins.verify(Role::Host, "583021", after).unwrap();
        let ev = events(&store);
        let locks = ev.iter().filter(|e| e.0 == "maintenance.locked").count();
        assert_eq!(locks, 3, "the lock and two tries while locked: {ev:?}");
        assert!(ev.contains(&("maintenance.locked".into(), "system".into(), "refused".into())));
    }

    #[test]
    fn a_right_pin_resets_the_count() {
        let (_d, store, pins) = setup();
        pins.set(Role::Host, "583021").unwrap();
        for _ in 0..4 {
            assert!(matches!(pins.verify(Role::Host, "000001", 10), Err(PinError::Wrong { .. })));
        }
        pins.verify(Role::Host, "583021", 20).unwrap();
        assert_eq!(store.pin_lockout(LOCK_SCOPE).unwrap().failures, 0);
        for left in [4, 3, 2, 1] {
            assert_eq!(pins.verify(Role::Host, "000001", 30), Err(PinError::Wrong { left }));
        }
        // A new PIN clears the count too.
        pins.set(Role::Host, "604918").unwrap();
        assert_eq!(pins.verify(Role::Host, "000001", 40), Err(PinError::Wrong { left: 4 }));
    }

    #[test]
    fn the_file_is_private_and_holds_no_pin() {
        let (_d, _s, pins) = setup();
        pins.set(Role::Host, "583021").unwrap();
        pins.set(Role::Technician, "790413").unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(pins.path()).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let text = std::fs::read_to_string(pins.path()).unwrap();
        assert!(!text.contains("583021") && !text.contains("790413"), "{text}");
        let file: serde_json::Value = serde_json::from_str(&text).unwrap();
        for role in ["host", "technician"] {
            let phc = file["pins"][role]["phc"].as_str().unwrap();
            assert!(phc.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{phc}");
        }
    }

    #[cfg(feature = "demo")]
    #[test]
    fn set_from_cli_uses_the_state_directory() {
        let dir = tempfile::tempdir().unwrap();
        let mut cfg = crate::config::Config::parse(
            "[terminal]\nmode = \"demo\"\nid = \"XX-0001\"\ncentre = \"c\"\nbranch = \"b\"\nhelp_phone = \"0\"\n",
            "k.toml",
        )
        .unwrap();
        cfg.terminal.data_dir = dir.path().join("state");
        let path = set_from_cli(&cfg, Role::Technician, "790413").unwrap();
        assert_eq!(path, dir.path().join("state").join(FILE_NAME));
        let store = Arc::new(Store::open(&dir.path().join("state/kiosk.db")).unwrap());
        let pins = Pins::open(&cfg.terminal.data_dir, store.clone());
        pins.verify(Role::Technician, "790413", 0).unwrap();
        assert_eq!(events(&store), [("pin.set".to_string(), "cli".to_string(), "ok".to_string())]);
    }
}

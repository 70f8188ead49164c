//! Keys and the queue as a technician meets them through the `kiosk` binary: a key
//! missing while sealed rows wait (refused, exit 2, says what to do), `kiosk diag queue`
//! (no personal data; retry and purge audited) and `kiosk keys rotate`.

mod intake_support;

use intake_support::*;
use kiosk::outbox::Sealer;
use kiosk::store::Store;
use std::path::Path;
use std::process::Command;

fn kiosk() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_kiosk"));
    c.env("KIOSK_LOG", "warn");
    c
}

/// The example (demo) configuration with its data under `dir`.
fn config(dir: &Path) -> std::path::PathBuf {
    let example = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/kiosk.example.toml")).unwrap();
    let text = example.replace("data_dir = \"kiosk-data\"", &format!("data_dir = \"{}\"", dir.join("data").display()));
    let path = dir.join("kiosk.toml");
    std::fs::write(&path, text).unwrap();
    std::fs::create_dir_all(dir.join("data")).unwrap();
    path
}

fn queue_json(cfg: &Path, args: &[&str]) -> serde_json::Value {
    let out = kiosk().arg("--config").arg(cfg).args(["diag", "queue"]).args(args).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn a_missing_key_with_sealed_rows_refuses_to_start() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(dir.path());
    let data = dir.path().join("data");
    let key = data.join("outbox.key");
    {
        let store = Store::open(&data.join("kiosk.db")).unwrap();
        enqueue(&store, &Sealer::load_or_create(&key).unwrap());
    }
    std::fs::remove_file(&key).unwrap();
    let out = kiosk().arg("--config").arg(&cfg).output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("outbox.key") && err.contains("restore the key file"), "{err}");
    assert!(!key.exists(), "never replaced silently");
}

#[test]
fn a_missing_profile_key_with_profiles_refuses_and_a_deleted_profile_leaves_no_bytes() {
    use kiosk::profile::{Contact, ProfileId, ProfileStore};
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(dir.path());
    let data = dir.path().join("data");
    let db = data.join("kiosk.db");
    let lookup = data.join("profile.key");
    Store::open(&db).unwrap();
    let sealer = std::sync::Arc::new(Sealer::load_or_create(&data.join("outbox.key")).unwrap());
    let profiles = ProfileStore::open(&db, sealer, ProfileStore::load_or_create_key(&lookup).unwrap()).unwrap();
    let (kept, gone) = (ProfileId::new("410702199001010046"), ProfileId::new("41070219900101002X"));
    let contact =
        |phone: &str| Contact { phone: phone.into(), address: "河南省新乡市红旗区平原路8号".into() };
    profiles.save(&kept, &contact("13812345678")).unwrap();
    profiles.save(&gone, &contact("13912345678")).unwrap();

    // A citizen's delete: the sealed row is overwritten in the file and the WAL.
    let sealed: Vec<u8> = rusqlite::Connection::open(&db)
        .unwrap()
        .query_row("SELECT body FROM profiles ORDER BY rowid DESC LIMIT 1", [], |r| r.get(0))
        .unwrap();
    assert!(profiles.delete(&gone).unwrap());
    let probe = &sealed[sealed.len() - 24..];
    for file in ["kiosk.db", "kiosk.db-wal"] {
        let bytes = std::fs::read(data.join(file)).unwrap_or_default();
        assert!(!bytes.windows(probe.len()).any(|w| w == probe), "{file} still holds the deleted profile's ciphertext");
    }
    drop(profiles);

    // The lookup key gone while a profile waits: refused, never replaced.
    std::fs::remove_file(&lookup).unwrap();
    let out = kiosk().arg("--config").arg(&cfg).output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("profile.key") && err.contains("restore the key file"), "{err}");
    assert!(!lookup.exists(), "never replaced silently");
}

#[test]
fn diag_queue_lists_retries_and_purges_without_personal_data() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(dir.path());
    let data = dir.path().join("data");
    let store = Store::open(&data.join("kiosk.db")).unwrap();
    let sealer = Sealer::load_or_create(&data.join("outbox.key")).unwrap();
    let a = enqueue(&store, &sealer);
    let b = enqueue(&store, &sealer);
    let id = store.due(i64::MAX / 4, 10).unwrap()[1].id;
    store.mark_rejected(id, "平台未受理 / rejected (422): 材料不全").unwrap();

    let v = queue_json(&cfg, &[]);
    assert_eq!(v["stats"]["queued"], 1);
    assert_eq!(v["stats"]["needs_attention"], 1);
    let items = v["items"].as_array().unwrap();
    assert_eq!(items[1]["local_no"], b.as_str());
    assert_eq!(items[1]["state"], "needs_attention");
    assert_eq!(items[1]["attention"], "refused");
    assert_eq!(items[1]["attempts"], 1);
    assert_eq!(items[0]["key_id"], sealer.key_id());
    let text = v.to_string();
    assert!(!text.contains("410702") && !text.contains("测试人"), "{text}");

    let v = queue_json(&cfg, &["retry", &b]);
    assert_eq!(v["done"]["items"], 1);
    assert_eq!(v["stats"]["queued"], 2);
    let v = queue_json(&cfg, &["purge", &a]);
    assert_eq!(v["stats"]["queued"], 1);
    let out = kiosk().arg("--config").arg(&cfg).args(["diag", "queue", "purge", "XX-nope"]).output().unwrap();
    assert!(!out.status.success());
    let kinds: Vec<String> = store.audit_kinds().unwrap().into_iter().map(|(k, _)| k).collect();
    assert!(kinds.contains(&"queue_retry".into()) && kinds.contains(&"queue_purge".into()), "{kinds:?}");

    // Rotation: the remaining row is re-sealed under the new key.
    let out = kiosk().arg("--config").arg(&cfg).args(["keys", "rotate"]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let new = Sealer::load(&data.join("outbox.key")).unwrap();
    assert_ne!(new.key_id(), sealer.key_id());
    let v = queue_json(&cfg, &[]);
    let held: Vec<_> = v["items"].as_array().unwrap().iter().filter(|i| i["key_id"].is_string()).collect();
    assert_eq!(held.len(), 1);
    assert_eq!(held[0]["key_id"], new.key_id());
    let blob = store.due(i64::MAX / 4, 10).unwrap().remove(0).sealed;
    assert!(new.open(&blob).is_ok());
}

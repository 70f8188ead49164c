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

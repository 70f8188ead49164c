//! Catalog sync (validate, swap, reject and keep, offline cache) and 一人一档 at rest.

use kiosk::catalog::{compare_versions, Catalog};
use kiosk::intake::catalog_sync::{self as sync, SyncOutcome};
use kiosk::outbox::Sealer;
use kiosk::profile::{Contact, ProfileId, ProfileStore};
use kiosk::store::Store;
use std::sync::Arc;

fn newer(version: &str) -> String {
    let mut cat = Catalog::seed();
    cat.version = version.into();
    cat.bundles[8].name = "新生儿出生“一件事”（新版）".into();
    cat.to_json()
}

#[test]
fn newer_is_swapped_bad_is_rejected_and_cache_serves_offline() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("k.db")).unwrap();
    let cell = sync::from_cache(&store, Some(Catalog::seed()));
    let seed_version = cell.current().version.clone();

    // Invalid: rejected, old kept, logged in the audit trail.
    let bad = newer("2099.1.0").replacen(
        "{\"key\":\"id_card\",\"required\"",
        "{\"key\":\"no_such_material\",\"required\"",
        1,
    );
    assert!(
        matches!(sync::apply(&cell, Some(&store), &bad), SyncOutcome::Rejected(e) if e.contains("no_such_material"))
    );
    assert!(matches!(sync::apply(&cell, Some(&store), "not json"), SyncOutcome::Rejected(_)));
    assert_eq!(cell.current().version, seed_version);
    assert!(store.audit_kinds().unwrap().iter().any(|(k, _)| k == "catalog_rejected"));

    // Newer: swapped; a reader's old snapshot stays consistent.
    let before = cell.current();
    let out = sync::apply(&cell, Some(&store), &newer("2099.1.0"));
    assert_eq!(out, SyncOutcome::Updated { from: seed_version.clone(), to: "2099.1.0".into() });
    assert_eq!(before.version, seed_version);
    assert_eq!(cell.current().bundle("newborn").unwrap().name, "新生儿出生“一件事”（新版）");

    // Older or same: nothing changes.
    assert!(matches!(sync::apply(&cell, Some(&store), &newer("2000.1.0")), SyncOutcome::Unchanged { .. }));
    assert_eq!(cell.current().version, "2099.1.0");

    // Restart offline: the cache gives the synced catalog back.
    drop(store);
    let store = Store::open(&dir.path().join("k.db")).unwrap();
    assert_eq!(sync::from_cache(&store, Some(Catalog::seed())).current().version, "2099.1.0");
}

#[test]
fn production_starts_empty_and_takes_the_platforms_catalog() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("k.db")).unwrap();
    // No shipped catalog and no cache: out of service.
    let cell = sync::from_cache(&store, None);
    assert!(cell.current().bundles.is_empty());
    let out = sync::apply(&cell, Some(&store), &Catalog::seed().to_json());
    assert!(matches!(&out, SyncOutcome::Updated { from, .. } if from.is_empty()), "{out:?}");
    assert!(!cell.current().bundles.is_empty());
    // The next start, still offline, comes back from the cache.
    drop(store);
    let store = Store::open(&dir.path().join("k.db")).unwrap();
    assert_eq!(sync::from_cache(&store, None).current().version, Catalog::seed().version);
}

#[test]
fn versions_compare_numerically() {
    use std::cmp::Ordering::*;
    assert_eq!(compare_versions("2026.11.10", "2026.11.9"), Greater);
    assert_eq!(compare_versions("2026.11.1-sample", "2026.11.1-sample"), Equal);
    assert_eq!(compare_versions("2026.2.0", "2026.11.0"), Less);
}

#[test]
fn profile_is_encrypted_keyed_by_an_hmac_and_deletable() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("k.db");
    let _store = Store::open(&db).unwrap();
    let sealer = Arc::new(Sealer::from_key(&[7; 32]));
    let salt = ProfileStore::load_or_create_key(&dir.path().join("profile.key")).unwrap();
    assert_eq!(ProfileStore::load_or_create_key(&dir.path().join("profile.key")).unwrap(), salt);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.path().join("profile.key")).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let p = ProfileStore::open(&db, sealer.clone(), salt).unwrap();
    let id = ProfileId::new("410702199003070046");
    assert!(!p.exists(&id).unwrap());
    let c = Contact { phone: "13812345678".into(), address: "河南省新乡市红旗区平原路100号".into() };
    p.save(&id, &c).unwrap();
    assert!(p.exists(&id).unwrap());
    assert_eq!(p.load(&id).unwrap().unwrap(), c);
    assert!(!format!("{id:?}{c:?}").contains("19900307"), "Debug is masked");

    // At rest: neither the ID number nor the phone appears in the database file.
    let conn = rusqlite::Connection::open(&db).unwrap();
    let (key, body): (String, Vec<u8>) =
        conn.query_row("SELECT id_hash, body FROM profiles", [], |r| Ok((r.get(0)?, r.get(1)?))).unwrap();
    assert_eq!(key.len(), 64);
    assert!(!key.contains("410702"));
    // The row key is HMAC-SHA256(lookup key, ID number): without the key file nobody can
    // test ID numbers against the table.
    use hmac::Mac;
    let mut mac = <hmac::Hmac<sha2::Sha256> as Mac>::new_from_slice(&salt).unwrap();
    mac.update(b"410702199003070046");
    assert_eq!(key, hex::encode(mac.finalize().into_bytes()));
    assert!(!body.windows(11).any(|w| w == b"13812345678"));

    // Another lookup key (another terminal) finds nothing; a wrong key cannot read.
    let other = ProfileStore::open(&db, sealer, [1; 32]).unwrap();
    assert!(!other.exists(&id).unwrap());
    let wrong = ProfileStore::open(&db, Arc::new(Sealer::from_key(&[8; 32])), salt).unwrap();
    assert!(wrong.load(&id).is_err());

    assert!(p.delete(&id).unwrap());
    assert!(!p.exists(&id).unwrap());
    assert!(!p.delete(&id).unwrap());
}

use super::*;

fn open() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("kiosk.db")).unwrap();
    (dir, store)
}

#[test]
fn wal_full_and_migrated() {
    let (_d, s) = open();
    assert_eq!(s.schema_version().unwrap(), 3);
    let conn = s.lock();
    let mode: String = conn.pragma_query_value(None, "journal_mode", |r| r.get(0)).unwrap();
    let secure: i64 = conn.pragma_query_value(None, "secure_delete", |r| r.get(0)).unwrap();
    assert_eq!(secure, 1, "deleted content is overwritten");
    let sync: i64 = conn.pragma_query_value(None, "synchronous", |r| r.get(0)).unwrap();
    assert_eq!(mode, "wal");
    assert_eq!(sync, 2, "FULL");
}

#[test]
fn reopening_keeps_data_and_refuses_newer_schema() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("kiosk.db");
    let no = Store::open(&path).unwrap().enqueue_case("T1", |_| b"x".to_vec()).unwrap();
    assert_eq!(no, "T1-1-000001");
    let s = Store::open(&path).unwrap();
    assert_eq!(s.queue_stats().unwrap().queued, 1);
    s.lock().pragma_update(None, "user_version", 99).unwrap();
    drop(s);
    assert!(matches!(Store::open(&path), Err(StoreError::TooNew { found: 99, .. })));
}

#[test]
fn sequence_delivery_and_purge() {
    let (_d, s) = open();
    let a = s.enqueue_case("T1", |no| format!("sealed {no}").into_bytes()).unwrap();
    let b = s.enqueue_case("T1", |_| b"y".to_vec()).unwrap();
    assert_eq!((a.as_str(), b.as_str()), ("T1-1-000001", "T1-1-000002"));
    let due = s.due(now_ms(), 10).unwrap();
    assert_eq!(due.len(), 2);
    assert_eq!(due[0].sealed, b"sealed T1-1-000001");
    s.mark_retry(due[1].id, "timeout", now_ms() + 60_000).unwrap();
    assert_eq!(s.due(now_ms(), 10).unwrap().len(), 1);
    s.mark_delivered(due[0].id, Some("XX2026-1")).unwrap();
    assert!(!s.holds_payload(&a, Kind::Case).unwrap());
    assert!(s.holds_payload(&b, Kind::Case).unwrap());
    assert_eq!(s.platform_no(&a).unwrap().as_deref(), Some("XX2026-1"));
    let st = s.queue_stats().unwrap();
    assert_eq!((st.queued, st.delivered), (1, 1));
    assert_eq!(
        s.delivery_state(Kind::Case, &a).unwrap(),
        Some(DeliveryState::Delivered { platform_no: Some("XX2026-1".into()) })
    );
    assert_eq!(s.delivery_state(Kind::Case, &b).unwrap(), Some(DeliveryState::Queued { attempts: 1 }));
    assert!(s.next_due_ms().unwrap().unwrap() > now_ms());
    s.mark_rejected(due[1].id, "材料不全").unwrap();
    assert_eq!(s.delivery_state(Kind::Case, &b).unwrap(), Some(DeliveryState::Rejected { reason: "材料不全".into() }));
    assert_eq!(s.next_due_ms().unwrap(), None);
    assert_eq!(s.delivery_state(Kind::Rating, &a).unwrap(), None);
}

#[test]
fn one_rating_per_case() {
    let (_d, s) = open();
    s.enqueue_rating("T1-000001", 5, &["R01".into(), "R03".into()], b"r".to_vec()).unwrap();
    assert!(matches!(s.enqueue_rating("T1-000001", 1, &[], b"r".to_vec()), Err(StoreError::AlreadyRated)));
    assert_eq!(s.rating("T1-000001").unwrap(), Some((5, vec!["R01".into(), "R03".into()])));
    assert_eq!(s.due(now_ms(), 10).unwrap().len(), 1);
}

#[test]
fn counters_audit_catalog() {
    let (_d, s) = open();
    s.bump_counter("printer", "receipts", 1).unwrap();
    s.bump_counter("printer", "receipts", 2).unwrap();
    assert_eq!(s.counters().unwrap(), vec![("printer".into(), "receipts".into(), 3)]);
    s.audit("session_start", "newborn").unwrap();
    assert_eq!(s.audit_kinds().unwrap()[0].0, "session_start");
    assert_eq!(s.active_catalog().unwrap(), None);
    s.save_catalog("v1", "{}").unwrap();
    s.save_catalog("v2", "{\"a\":1}").unwrap();
    assert_eq!(s.active_catalog().unwrap(), Some(("v2".into(), "{\"a\":1}".into())));
}

#[test]
fn abandoned_write_is_rolled_back_and_uses_no_number() {
    let dir = tempfile::tempdir().unwrap();
    let s = Store::open(&dir.path().join("k.db")).unwrap();
    let late = CommitGate::default();
    assert!(late.try_abandon(), "the deadline came first");
    let e = s.enqueue_case_gated("T1", |_| b"x".to_vec(), &late).unwrap_err();
    assert!(matches!(e, StoreError::Abandoned), "{e}");
    assert_eq!(s.queue_stats().unwrap().queued, 0);
    // The number was not used up: the next case gets 000001.
    let on_time = CommitGate::default();
    assert_eq!(s.enqueue_case_gated("T1", |_| b"y".to_vec(), &on_time).unwrap(), "T1-1-000001");
    // Once committing, the deadline can no longer abandon it.
    assert!(!on_time.try_abandon());
    assert_eq!(s.queue_stats().unwrap().queued, 1);
}

/// A version-2 database (the old outbox with its 'rejected' state) upgrades in place.
#[test]
fn migrates_the_old_outbox() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("k.db");
    {
        let c = Connection::open(&path).unwrap();
        c.execute_batch(
            "CREATE TABLE outbox (id INTEGER PRIMARY KEY, kind TEXT NOT NULL, local_no TEXT NOT NULL,
                idem_key TEXT NOT NULL UNIQUE, payload BLOB, state TEXT NOT NULL DEFAULT 'queued',
                attempts INTEGER NOT NULL DEFAULT 0, next_attempt_ms INTEGER NOT NULL DEFAULT 0,
                platform_no TEXT, last_error TEXT, created_ms INTEGER NOT NULL, delivered_ms INTEGER);
             CREATE TABLE sequences (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
             CREATE TABLE ratings (id INTEGER PRIMARY KEY, local_no TEXT NOT NULL UNIQUE, level INTEGER NOT NULL,
                reasons TEXT NOT NULL, created_ms INTEGER NOT NULL);
             CREATE TABLE audit (id INTEGER PRIMARY KEY, at_ms INTEGER NOT NULL, kind TEXT NOT NULL, detail TEXT NOT NULL);
             CREATE TABLE device_counters (device TEXT NOT NULL, counter TEXT NOT NULL, value INTEGER NOT NULL,
                PRIMARY KEY (device, counter));
             CREATE TABLE catalog_cache (version TEXT PRIMARY KEY, body TEXT NOT NULL, fetched_ms INTEGER NOT NULL,
                active INTEGER NOT NULL DEFAULT 0);
             CREATE TABLE profiles (id_hash TEXT PRIMARY KEY, body BLOB NOT NULL, updated_ms INTEGER NOT NULL);
             INSERT INTO sequences VALUES ('case', 7);
             INSERT INTO outbox(kind, local_no, idem_key, payload, state, created_ms) VALUES
                ('case', 'T1-000006', 'T1:case:6', x'01', 'rejected', 1),
                ('case', 'T1-000007', 'T1:case:7', x'02', 'queued', 2);
             PRAGMA user_version = 2;",
        )
        .unwrap();
    }
    let s = Store::open(&path).unwrap();
    assert_eq!(s.schema_version().unwrap(), 3);
    let st = s.queue_stats().unwrap();
    assert_eq!((st.queued, st.needs_attention), (1, 1));
    assert!(matches!(s.delivery_state(Kind::Case, "T1-000006").unwrap(), Some(DeliveryState::Rejected { .. })));
    // Numbering continues after the old sequence, in the new form.
    assert_eq!(s.enqueue_case("T1", |_| b"x".to_vec()).unwrap(), "T1-1-000008");
}

#[test]
fn retention_keeps_what_policy_allows() {
    let (_d, s) = open();
    let day = 86_400_000;
    let no = s.enqueue_case("T1", |_| b"x".to_vec()).unwrap();
    let id = s.due(now_ms(), 10).unwrap()[0].id;
    s.mark_delivered(id, Some("P1")).unwrap();
    s.audit("session_start", "x").unwrap();
    for v in ["v1", "v2", "v3"] {
        s.save_catalog(v, "{}").unwrap();
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
    let p = RetentionPolicy::default();
    assert_eq!(s.apply_retention(&p, now_ms()).unwrap(), Swept { catalog: 1, ..Swept::default() }, "two versions kept");
    assert_eq!(s.active_catalog().unwrap().unwrap().0, "v3");
    let swept = s.apply_retention(&p, now_ms() + 181 * day).unwrap();
    assert_eq!((swept.audit, swept.outbox), (1, 1));
    assert_eq!(s.platform_no(&no).unwrap(), None, "delivered metadata gone after 30 days");
    assert_eq!(s.queue_stats().unwrap().delivered, 0);
}

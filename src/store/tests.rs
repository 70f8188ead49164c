use super::*;

fn open() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("kiosk.db")).unwrap();
    (dir, store)
}

#[test]
fn wal_full_and_migrated() {
    let (_d, s) = open();
    assert_eq!(s.schema_version().unwrap(), 4);
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
             INSERT INTO audit(at_ms, kind, detail) VALUES (1, 'session_start', 'b1'), (2, 'catalog_rejected', 'bad'),
                (3, 'queue_purge', 'T1-000005'), (4, 'device_state', 'printer: ok → fault');
             INSERT INTO outbox(kind, local_no, idem_key, payload, state, created_ms) VALUES
                ('case', 'T1-000006', 'T1:case:6', x'01', 'rejected', 1),
                ('case', 'T1-000007', 'T1:case:7', x'02', 'queued', 2);
             PRAGMA user_version = 2;",
        )
        .unwrap();
    }
    let s = Store::open(&path).unwrap();
    assert_eq!(s.schema_version().unwrap(), 4);
    let st = s.queue_stats().unwrap();
    assert_eq!((st.queued, st.needs_attention), (1, 1));
    assert!(matches!(s.delivery_state(Kind::Case, "T1-000006").unwrap(), Some(DeliveryState::Rejected { .. })));
    // Numbering continues after the old sequence, in the new form.
    assert_eq!(s.enqueue_case("T1", |_| b"x".to_vec()).unwrap(), "T1-1-000008");
    // Old audit rows got the actor and outcome the catalogue gives their kind.
    let rows: Vec<_> = s.audit_since(0).unwrap().into_iter().map(|r| (r.event, r.actor, r.outcome)).collect();
    let row = |e: &str, a: &str, o: &str| (e.to_string(), a.to_string(), o.to_string());
    assert_eq!(
        rows,
        [
            row("session_start", "citizen", "ok"),
            row("catalog_rejected", "system", "refused"),
            row("queue_purge", "cli", "ok"),
            row("device_state", "system", "ok"),
        ]
    );
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

#[test]
fn alerts_count_up_while_open_and_are_acknowledged() {
    let (_d, s) = open();
    let a = s.raise_alert("paper", "out").unwrap();
    assert_eq!(s.raise_alert("paper", "out").unwrap(), a, "an open alert is not repeated");
    let b = s.raise_alert("printer", "ok → fault (缺纸)").unwrap();
    let c = s.raise_alert("paper", "near end").unwrap();
    let open = s.open_alerts().unwrap();
    assert_eq!(open.iter().map(|x| x.id).collect::<Vec<_>>(), [c, b, a], "newest first");
    assert_eq!((open[2].count, open[2].kind.as_str(), open[2].message.as_str()), (2, "paper", "out"));
    assert_eq!((open[2].acked_ms, open[2].acked_by.as_deref()), (None, None));
    // Every raise is audited as a host alert, "kind: message".
    let alerts: Vec<_> =
        s.audit_kinds().unwrap().into_iter().filter(|(k, _)| k == "host_alert").map(|(_, d)| d).collect();
    assert_eq!(alerts, ["paper: out", "paper: out", "printer: ok → fault (缺纸)", "paper: near end"]);

    assert!(s.ack_alert(b, Actor::Host).unwrap());
    assert!(!s.ack_alert(b, Actor::Host).unwrap(), "already acknowledged");
    assert!(!s.ack_alert(9999, Actor::Host).unwrap());
    // 已换纸: both paper alerts at once.
    assert_eq!(s.ack_alerts_of_kind("paper", Actor::Host).unwrap(), 2);
    assert_eq!(s.ack_alerts_of_kind("paper", Actor::Host).unwrap(), 0);
    assert!(s.open_alerts().unwrap().is_empty());
    // Once acknowledged, the same alert opens a new row.
    let again = s.raise_alert("paper", "out").unwrap();
    assert_ne!(again, a);
    assert_eq!(s.open_alerts().unwrap()[0].count, 1);
    let acked: Vec<_> = {
        let conn = s.lock();
        let mut st = conn.prepare("SELECT id, acked_by FROM alerts WHERE acked_ms IS NOT NULL ORDER BY id").unwrap();
        st.query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?))).unwrap().map(Result::unwrap).collect()
    };
    assert_eq!(acked, [(a, "host".to_string()), (b, "host".into()), (c, "host".into())]);
    let json = serde_json::to_value(&s.open_alerts().unwrap()[0]).unwrap();
    assert_eq!(json["kind"], "paper");
}

#[test]
fn help_calls_keep_only_the_screen() {
    let (_d, s) = open();
    let a = s.raise_help_call("form").unwrap();
    let b = s.raise_help_call("materials").unwrap();
    // Anything that is not a screen name (typed text, a name) is not kept.
    let c = s.raise_help_call("张三 410702199001010046").unwrap();
    let open = s.open_help_calls().unwrap();
    assert_eq!(
        open.iter().map(|h| (h.id, h.screen.as_str())).collect::<Vec<_>>(),
        [(c, "other"), (b, "materials"), (a, "form")]
    );
    assert!(s.clear_help_call(a, Actor::Host).unwrap());
    assert!(!s.clear_help_call(a, Actor::Host).unwrap());
    assert_eq!(s.open_help_calls().unwrap().len(), 2);
    assert_eq!(s.clear_help_calls(Actor::Technician).unwrap(), 2);
    assert!(s.open_help_calls().unwrap().is_empty());
    let recent = s.recent_help_calls(2).unwrap();
    assert_eq!(recent.iter().map(|h| h.id).collect::<Vec<_>>(), [c, b]);
    assert_eq!(recent[0].cleared_by.as_deref(), Some("technician"));
    assert!(recent[0].cleared_ms.is_some());
    assert_eq!(s.recent_help_calls(10).unwrap().len(), 3);
    assert!(s.audit_since(0).unwrap().is_empty(), "the caller audits help calls (with the relay's outcome)");
}

#[test]
fn daily_counts_by_local_day() {
    let (_d, s) = open();
    s.count("2026-03-01", counts::SESSIONS, 1).unwrap();
    s.count("2026-03-01", counts::SESSIONS, 2).unwrap();
    s.count("2026-03-01", counts::rating(5).unwrap(), 1).unwrap();
    s.count("2026-03-03", counts::PRINTS, 4).unwrap();
    s.count("2026-03-09", counts::FAULTS, 1).unwrap();
    assert!(matches!(s.count("today", counts::SESSIONS, 1), Err(StoreError::Invalid(_))));
    assert!(matches!(s.count("2026-3-1", counts::SESSIONS, 1), Err(StoreError::Invalid(_))));
    let days = s.daily_counts("2026-03-01", "2026-03-07").unwrap();
    assert_eq!(days.len(), 2, "one entry per day that counted, the 9th is outside");
    assert_eq!(days[0].day, "2026-03-01");
    assert_eq!((days[0].get(counts::SESSIONS), days[0].get(counts::RATING_5), days[0].get(counts::PRINTS)), (3, 1, 0));
    assert_eq!((days[1].day.as_str(), days[1].get(counts::PRINTS)), ("2026-03-03", 4));
    assert!(s.daily_counts("2026-04-01", "2026-04-07").unwrap().is_empty());
    assert_eq!(counts::rating(0), None);
    assert_eq!(counts::rating(6), None);
    assert_eq!(counts::rating(1), Some("rating_1"));
}

#[test]
fn meta_values() {
    let (_d, s) = open();
    assert_eq!(s.meta_get("out_of_service").unwrap(), None);
    s.meta_set("out_of_service", Some("{\"reason\":\"维护\"}")).unwrap();
    s.meta_set("out_of_service", Some("{\"reason\":\"换纸\"}")).unwrap();
    assert_eq!(s.meta_get("out_of_service").unwrap().as_deref(), Some("{\"reason\":\"换纸\"}"));
    s.meta_set("out_of_service", None).unwrap();
    assert_eq!(s.meta_get("out_of_service").unwrap(), None);
    assert!(matches!(s.meta_set("generation", Some("9")), Err(StoreError::Invalid(_))));
    assert_eq!(s.meta_get("generation").unwrap().as_deref(), Some("1"));
}

#[test]
fn audit_events_carry_actor_and_outcome() {
    let (_d, s) = open();
    let t0 = now_ms();
    s.audit_event(AuditEvent::ServicePause, Actor::Cli, Outcome::Refused, "a session is open").unwrap();
    // The old call takes the catalogue's actor and outcome.
    s.audit("session_start", "newborn").unwrap();
    s.audit("catalog_rejected", "signature").unwrap();
    // An id not in the catalogue is still kept (and logged as an error).
    let unknown = String::from("no_such") + "_kind";
    s.audit(&unknown, "?").unwrap();
    let rows = s.audit_since(t0).unwrap();
    let got: Vec<_> =
        rows.iter().map(|r| (r.event.as_str(), r.actor.as_str(), r.outcome.as_str(), r.detail.as_str())).collect();
    assert_eq!(
        got,
        [
            ("service.pause", "cli", "refused", "a session is open"),
            ("session_start", "citizen", "ok", "newborn"),
            ("catalog_rejected", "system", "refused", "signature"),
            ("no_such_kind", "system", "ok", "?"),
        ]
    );
    assert!(rows.windows(2).all(|w| w[0].id < w[1].id), "oldest first");
    assert!(s.audit_since(now_ms() + 60_000).unwrap().is_empty());
    // Queue actions from the CLI.
    s.enqueue_case("T1", |_| b"x".to_vec()).unwrap();
    let id = s.due(now_ms(), 1).unwrap()[0].id;
    s.mark_rejected(id, "no").unwrap();
    assert_eq!(s.retry_item("T1-1-000001").unwrap(), 1);
    let last = s.audit_since(t0).unwrap().pop().unwrap();
    assert_eq!((last.event.as_str(), last.actor.as_str()), ("queue_retry", "cli"));
}

#[test]
fn pin_lockout_counts_and_locks() {
    let (_d, s) = open();
    assert_eq!(s.pin_lockout("m").unwrap(), PinLockout::default());
    for n in 1..=4 {
        assert_eq!(s.pin_failure("m", 5, 900_000, 1_000).unwrap(), PinLockout { failures: n, locked_until_ms: 0 });
    }
    let locked = s.pin_failure("m", 5, 900_000, 2_000).unwrap();
    assert_eq!(locked, PinLockout { failures: 0, locked_until_ms: 902_000 });
    assert!(locked.is_locked(901_999) && !locked.is_locked(902_000));
    assert_eq!(s.pin_lockout("m").unwrap(), locked);
    assert_eq!(s.pin_lockout("other").unwrap(), PinLockout::default());
    s.pin_reset("m").unwrap();
    assert_eq!(s.pin_lockout("m").unwrap(), PinLockout::default());
}

#[test]
fn retention_of_alerts_help_calls_and_counts() {
    let (_d, s) = open();
    let day = 86_400_000;
    let acked = s.raise_alert("paper", "out").unwrap();
    s.ack_alert(acked, Actor::Host).unwrap();
    s.raise_alert("printer", "fault").unwrap();
    let h = s.raise_help_call("form").unwrap();
    s.clear_help_call(h, Actor::Host).unwrap();
    s.raise_help_call("review").unwrap();
    let today = chrono::Utc::now().date_naive();
    let old = (today - chrono::Days::new(401)).format("%Y-%m-%d").to_string();
    let recent = (today - chrono::Days::new(399)).format("%Y-%m-%d").to_string();
    s.count(&old, counts::SESSIONS, 1).unwrap();
    s.count(&recent, counts::SESSIONS, 1).unwrap();
    let p = RetentionPolicy::default();
    let swept = s.apply_retention(&p, now_ms()).unwrap();
    assert_eq!((swept.alerts, swept.help_calls, swept.daily_counts), (0, 0, 1));
    let swept = s.apply_retention(&p, now_ms() + 181 * day).unwrap();
    assert_eq!((swept.alerts, swept.help_calls), (1, 1), "acknowledged and answered ones go");
    assert_eq!(s.open_alerts().unwrap().len(), 1, "open ones stay");
    assert_eq!(s.open_help_calls().unwrap().len(), 1);
    assert_eq!(s.recent_help_calls(10).unwrap().len(), 1);
}

#[test]
fn a_purge_by_retention_raises_a_queue_alert() {
    let (_d, s) = open();
    s.enqueue_case("T1", |_| b"x".to_vec()).unwrap();
    let id = s.due(now_ms(), 1).unwrap()[0].id;
    s.mark_attention(id, Attention::Unreadable, "key").unwrap();
    let swept = s.apply_retention(&RetentionPolicy::default(), now_ms() + 31 * 86_400_000).unwrap();
    assert_eq!(swept.purged, 1);
    let open = s.open_alerts().unwrap();
    assert_eq!((open.len(), open[0].kind.as_str()), (1, "queue"));
    assert!(s.audit_kinds().unwrap().iter().any(|(k, d)| k == "host_alert" && d.starts_with("queue: 1 item(s)")));
}

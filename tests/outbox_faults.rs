//! Outbox faults a terminal meets in its first year, each through the real outbox (real
//! SQLite files) and the simulator on loopback HTTP: a poison item, a proxy's 404, a
//! final refusal, a rebuilt database, a clock jump, a key rotation, national
//! algorithms, purges that leave no bytes, a full disk, a corrupt file, a stalled disk.

mod intake_support;

use intake_support::*;
use kiosk::intake::{CaseSubmission, IntakeClient, SigningKey};
use kiosk::outbox::{Backoff, Pass, Policy, SealAlg, Sealer, Worker};
use kiosk::store::{now_ms, DeliveryState, Kind, Store};
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

fn fast() -> Backoff {
    Backoff { base: Duration::from_millis(20), max: Duration::from_millis(200) }
}

fn worker(store: &Arc<Store>, sealer: &Arc<Sealer>, base: &str) -> Worker {
    Worker::new(store.clone(), sealer.clone(), client(base, Duration::from_secs(2)), Arc::default())
        .with_backoff(fast())
}

/// Runs passes (sleeping through backoffs) until `done` or the limit.
async fn drain_until(w: &mut Worker, limit: Duration, done: impl Fn() -> bool) {
    let t = Instant::now();
    while !done() {
        assert!(t.elapsed() < limit, "not done in {limit:?}");
        match w.drain_once().await {
            Pass::BackOff(d) => tokio::time::sleep(d).await,
            Pass::Idle => tokio::time::sleep(Duration::from_millis(10)).await,
            Pass::More => {}
        }
    }
}

fn enqueue_case(store: &Store, sealer: &Sealer, edit: impl Fn(&mut CaseSubmission)) -> String {
    store
        .enqueue_case(TERMINAL, |no| {
            let mut c = sample_case(no);
            edit(&mut c);
            sealer.seal(&serde_json::to_vec(&c).unwrap())
        })
        .unwrap()
}

fn alerts(store: &Store) -> Vec<String> {
    store.audit_kinds().unwrap().into_iter().filter(|(k, _)| k == "host_alert").map(|(_, d)| d).collect()
}

#[test]
fn poison_items_are_held_and_later_cases_still_delivered() {
    let dir = tempfile::tempdir().unwrap();
    let rt = rt();
    let h = rt.block_on(start(open_sim(dir.path()), "127.0.0.1:0"));
    let store = Arc::new(Store::open(&dir.path().join("kiosk.db")).unwrap());
    let sealer = Arc::new(Sealer::from_key(&[7; 32]));
    let first = enqueue(&store, &sealer);
    // Sealed under a key this terminal no longer has (a replaced key file).
    let foreign = store.enqueue_case(TERMINAL, |no| Sealer::from_key(&[8; 32]).seal(no.as_bytes())).unwrap();
    // Readable, but not a case any more (a payload format change after an update).
    let garbled = store.enqueue_case(TERMINAL, |_| sealer.seal(b"{\"schema\":99}")).unwrap();
    let last = enqueue(&store, &sealer);
    let mut w = worker(&store, &sealer, &h.base_url());
    let stats = w.stats.clone();
    rt.block_on(drain_until(&mut w, Duration::from_secs(10), || store.queue_stats().unwrap().queued == 0));

    let st = store.queue_stats().unwrap();
    assert_eq!((st.delivered, st.needs_attention), (2, 2), "{st:?}");
    let delivered: Vec<String> = h.sim.case_numbers().into_iter().map(|(_, l)| l).collect();
    assert_eq!(delivered, [first.clone(), last.clone()], "the cases behind the poison ones went through");
    assert_eq!(stats.unreadable.load(Ordering::SeqCst), 2);
    for no in [&foreign, &garbled] {
        assert!(matches!(store.delivery_state(Kind::Case, no).unwrap(), Some(DeliveryState::NeedsAttention { .. })));
        assert!(alerts(&store).iter().any(|a| a.contains(no.as_str()) && a.contains("cannot be read")), "{no}");
    }
    // Not retried: another pass sends nothing.
    let requests = h.sim.stats().requests;
    assert_eq!(rt.block_on(w.drain_once()), Pass::Idle);
    assert_eq!(h.sim.stats().requests, requests);

    // `kiosk diag queue`: numbers, states, attempts, errors; never personal data.
    let rows = store.queue_rows().unwrap();
    let held: Vec<_> = rows.iter().filter(|r| r.state == "needs_attention").collect();
    assert_eq!(held.len(), 2);
    assert_eq!(held[0].attention.as_deref(), Some("unreadable"));
    let text = serde_json::to_string(&rows).unwrap();
    assert!(!text.contains("410702") && !text.contains("测试人"), "{text}");
    // retry: queued again (and held again, the key is still wrong); purge: the data goes.
    assert_eq!(store.retry_item(&foreign).unwrap(), 1);
    assert_eq!(store.queue_stats().unwrap().queued, 1);
    rt.block_on(drain_until(&mut w, Duration::from_secs(5), || store.queue_stats().unwrap().queued == 0));
    assert_eq!(store.purge_item(&garbled).unwrap(), 1);
    assert_eq!(store.delivery_state(Kind::Case, &garbled).unwrap(), Some(DeliveryState::Purged));
    assert!(!store.holds_payload(&garbled, Kind::Case).unwrap());
    let kinds: Vec<String> = store.audit_kinds().unwrap().into_iter().map(|(k, _)| k).collect();
    assert!(kinds.contains(&"queue_retry".to_string()) && kinds.contains(&"queue_purge".to_string()), "{kinds:?}");
    assert_eq!(store.queue_stats().unwrap().needs_attention, 1);
}

#[test]
fn proxy_404_is_retried_with_backoff_alerted_then_recovers() {
    let dir = tempfile::tempdir().unwrap();
    let rt = rt();
    let sim = open_sim(dir.path());
    let h = rt.block_on(start(sim.clone(), "127.0.0.1:0"));
    let store = Arc::new(Store::open(&dir.path().join("kiosk.db")).unwrap());
    let sealer = Arc::new(Sealer::from_key(&[7; 32]));
    sim.faults.set(&intake_sim::FaultPlan { proxy_404_next: 6, ..Default::default() });
    let a = enqueue(&store, &sealer);
    let b = enqueue(&store, &sealer);
    let mut w = worker(&store, &sealer, &h.base_url()).with_policy(Policy { alert_after: 3, ..Policy::default() });
    let stats = w.stats.clone();
    rt.block_on(drain_until(&mut w, Duration::from_secs(15), || store.queue_stats().unwrap().queued == 0));
    let st = store.queue_stats().unwrap();
    assert_eq!((st.delivered, st.needs_attention), (2, 0), "a proxy's 404 is not a refusal");
    assert_eq!(stats.retryable_failures.load(Ordering::SeqCst), 6);
    assert_eq!(stats.rejected.load(Ordering::SeqCst), 0);
    let al = alerts(&store);
    assert!(al.iter().any(|x| x.contains("failed 3 times") && x.contains("404")), "{al:?}");
    assert_eq!(h.sim.case_numbers().len(), 2);
    for no in [a, b] {
        assert!(matches!(store.delivery_state(Kind::Case, &no).unwrap(), Some(DeliveryState::Delivered { .. })));
    }
}

#[test]
fn a_final_refusal_is_counted_alerted_and_not_retried() {
    let dir = tempfile::tempdir().unwrap();
    let rt = rt();
    let h = rt.block_on(start(open_sim(dir.path()), "127.0.0.1:0"));
    let store = Arc::new(Store::open(&dir.path().join("kiosk.db")).unwrap());
    let sealer = Arc::new(Sealer::from_key(&[7; 32]));
    let refused = enqueue_case(&store, &sealer, |c| c.matter_codes.clear());
    let fine = enqueue(&store, &sealer);
    let mut w = worker(&store, &sealer, &h.base_url());
    let stats = w.stats.clone();
    rt.block_on(drain_until(&mut w, Duration::from_secs(10), || store.queue_stats().unwrap().queued == 0));
    let requests = h.sim.stats().requests;
    for _ in 0..3 {
        assert_eq!(rt.block_on(w.drain_once()), Pass::Idle);
    }
    assert_eq!(h.sim.stats().requests, requests, "not retried");
    assert_eq!(stats.rejected.load(Ordering::SeqCst), 1);
    let st = store.queue_stats().unwrap();
    assert_eq!((st.delivered, st.needs_attention), (1, 1));
    match store.delivery_state(Kind::Case, &refused).unwrap() {
        Some(DeliveryState::Rejected { reason }) => {
            assert!(reason.contains("422") && reason.contains("事项"), "{reason}")
        }
        other => panic!("{other:?}"),
    }
    assert!(store.holds_payload(&refused, Kind::Case).unwrap(), "kept sealed for the technician");
    assert!(alerts(&store).iter().any(|a| a.contains(&refused) && a.contains("refused")));
    assert!(matches!(store.delivery_state(Kind::Case, &fine).unwrap(), Some(DeliveryState::Delivered { .. })));

    // The heartbeat carries the count.
    let c = client(&h.base_url(), Duration::from_secs(2));
    let hb = kiosk::intake::Heartbeat {
        terminal_id: TERMINAL.into(),
        software_version: "t".into(),
        devices: Default::default(),
        queue_depth: st.queued as u32,
        oldest_queued_secs: 0,
        needs_attention: st.needs_attention as u32,
        ..Default::default()
    };
    rt.block_on(c.heartbeat(&hb)).unwrap();
    assert_eq!(h.sim.last_heartbeat(TERMINAL).unwrap().needs_attention, 1);

    // Retention: a held item older than attention_days is purged (and says so).
    let later = now_ms() + 31 * 86_400_000;
    let swept = store.apply_retention(&kiosk::store::RetentionPolicy::default(), later).unwrap();
    assert_eq!(swept.purged, 1);
    assert!(!store.holds_payload(&refused, Kind::Case).unwrap());
}

#[test]
fn a_recreated_database_never_collides_at_the_platform() {
    let dir = tempfile::tempdir().unwrap();
    let rt = rt();
    let h = rt.block_on(start(open_sim(dir.path()), "127.0.0.1:0"));
    let kdir = dir.path().join("kiosk");
    std::fs::create_dir_all(&kdir).unwrap();
    let sealer = Arc::new(Sealer::load_or_create(&kdir.join("outbox.key")).unwrap());
    let mut numbers = Vec::new();
    for round in 1..=2u32 {
        let store = Arc::new(Store::open(&kdir.join("kiosk.db")).unwrap());
        let id = kiosk::outbox::identity::adopt(&store, &kdir.join("install.id")).unwrap();
        assert_eq!(id.generation, round);
        for _ in 0..3 {
            numbers.push(enqueue(&store, &sealer));
        }
        let mut w = worker(&store, &sealer, &h.base_url());
        let stats = w.stats.clone();
        rt.block_on(drain_until(&mut w, Duration::from_secs(10), || store.queue_stats().unwrap().queued == 0));
        assert_eq!(stats.rejected.load(Ordering::SeqCst), 0, "no 409");
        assert_eq!(store.queue_stats().unwrap().needs_attention, 0);
        drop(w);
        drop(store);
        // The disk is replaced: the database is gone, the keys (and identity) are kept.
        for f in ["kiosk.db", "kiosk.db-wal", "kiosk.db-shm"] {
            let _ = std::fs::remove_file(kdir.join(f));
        }
    }
    assert_eq!(numbers[0], format!("{TERMINAL}-1-000001"));
    assert_eq!(numbers[3], format!("{TERMINAL}-2-000001"), "short: terminal, generation, sequence");
    let on_platform: Vec<String> = h.sim.case_numbers().into_iter().map(|(_, l)| l).collect();
    assert_eq!(on_platform, numbers, "six distinct cases, none refused");
    assert_eq!(h.sim.stats().replays, 0);
}

#[test]
fn retry_times_survive_a_clock_jump() {
    let dir = tempfile::tempdir().unwrap();
    let rt = rt();
    let h = rt.block_on(start(open_sim(dir.path()), "127.0.0.1:0"));
    let db = dir.path().join("kiosk.db");
    let store = Arc::new(Store::open(&db).unwrap());
    let sealer = Arc::new(Sealer::from_key(&[7; 32]));
    let no = enqueue(&store, &sealer);
    // Parked by a clock that was a day ahead (and has since been set right).
    let c = rusqlite::Connection::open(&db).unwrap();
    c.execute("UPDATE outbox SET next_attempt_ms = ?1, attempts = 3", [now_ms() + 86_400_000]).unwrap();
    drop(c);
    let mut w = worker(&store, &sealer, &h.base_url());
    let t = Instant::now();
    rt.block_on(drain_until(&mut w, Duration::from_secs(5), || store.queue_stats().unwrap().queued == 0));
    assert!(t.elapsed() < Duration::from_secs(2));
    assert!(matches!(store.delivery_state(Kind::Case, &no).unwrap(), Some(DeliveryState::Delivered { .. })));
}

#[test]
fn key_rotation_reseals_every_queued_row_and_all_are_delivered() {
    let dir = tempfile::tempdir().unwrap();
    let rt = rt();
    let h = rt.block_on(start(open_sim(dir.path()), "127.0.0.1:0"));
    let key = dir.path().join("outbox.key");
    let store = Arc::new(Store::open(&dir.path().join("kiosk.db")).unwrap());
    let old = Sealer::load_or_create(&key).unwrap();
    let numbers: Vec<String> = (0..5).map(|_| enqueue(&store, &old)).collect();
    let (done, left) = kiosk::outbox::rotate_keys(&store, &key, SealAlg::Sm4Gcm).unwrap();
    assert_eq!((done, left), (5, 0));
    let new = Arc::new(Sealer::load(&key).unwrap());
    assert_ne!(new.key_id(), old.key_id());
    assert!(!kiosk::outbox::next_key_path(&key).exists());
    // The old key opens nothing any more; the rows name the new key.
    for r in store.queue_rows().unwrap() {
        assert_eq!(r.key_id.as_deref(), Some(new.key_id().as_str()));
    }
    let mut w = worker(&store, &new, &h.base_url());
    rt.block_on(drain_until(&mut w, Duration::from_secs(10), || store.queue_stats().unwrap().queued == 0));
    let on_platform: Vec<String> = h.sim.case_numbers().into_iter().map(|(_, l)| l).collect();
    assert_eq!(on_platform, numbers, "all delivered");
    assert_eq!(store.queue_stats().unwrap().needs_attention, 0);
    assert!(store.audit_kinds().unwrap().iter().any(|(k, _)| k == "keys_rotated"));
}

#[test]
fn sm4_gcm_sealing_and_hmac_sm3_signing_end_to_end() {
    use kiosk::intake::SignAlg;
    let dir = tempfile::tempdir().unwrap();
    let rt = rt();
    let sim = intake_sim::Sim::open(&dir.path().join("sim.db"), kiosk::catalog::Catalog::seed().to_json()).unwrap();
    sim.register_terminal_alg(TERMINAL, key().secret(), SignAlg::HmacSm3);
    let h = rt.block_on(start(sim, "127.0.0.1:0"));
    let store = Arc::new(Store::open(&dir.path().join("kiosk.db")).unwrap());
    let sealer = Arc::new(Sealer::from_key(&[7; 32]).with_alg(SealAlg::Sm4Gcm));
    enqueue(&store, &sealer);
    let head = store.queue_rows().unwrap()[0].key_id.clone();
    assert_eq!(head, Some(sealer.key_id()));
    // A terminal still signing with SHA-256 is refused (the platform registered SM3).
    let sha = IntakeClient::new(&h.base_url(), Duration::from_secs(2), key()).unwrap();
    let e = rt.block_on(sha.submit_case("x", &sample_case("X"))).unwrap_err();
    assert!(matches!(e, kiosk::intake::IntakeError::Auth { .. }), "{e:?}");
    let sm3 = IntakeClient::new(&h.base_url(), Duration::from_secs(2), key().with_alg(SignAlg::HmacSm3)).unwrap();
    let mut w = Worker::new(store.clone(), sealer.clone(), sm3, Arc::default()).with_backoff(fast());
    rt.block_on(drain_until(&mut w, Duration::from_secs(10), || store.queue_stats().unwrap().queued == 0));
    assert_eq!(h.sim.case_numbers().len(), 1);
    let st = h.sim.stats();
    assert!(st.sm3_verified >= 1 && st.sha256_verified == 0, "{st:?}");
    let _ = SigningKey::new(TERMINAL, &[1; 32]);
}

/// Every occurrence of `needle` in the database and its WAL.
fn on_disk(db: &std::path::Path, needle: &[u8]) -> usize {
    let mut n = 0;
    for suffix in ["", "-wal"] {
        let mut p = db.as_os_str().to_owned();
        p.push(suffix);
        if let Ok(bytes) = std::fs::read(&p) {
            n += bytes.windows(needle.len()).filter(|w| *w == needle).count();
        }
    }
    n
}

#[test]
fn purges_leave_no_bytes_in_the_database_or_the_wal() {
    let dir = tempfile::tempdir().unwrap();
    let rt = rt();
    let h = rt.block_on(start(open_sim(dir.path()), "127.0.0.1:0"));
    let db = dir.path().join("kiosk.db");
    let store = Arc::new(Store::open(&db).unwrap());
    let sealer = Arc::new(Sealer::from_key(&[7; 32]));
    let blob_of = |no: &str| {
        let c = rusqlite::Connection::open(&db).unwrap();
        c.query_row("SELECT payload FROM outbox WHERE local_no = ?1", [no], |r| r.get::<_, Vec<u8>>(0)).unwrap()
    };
    // One purged by a technician, one delivered (purged after the platform's ack).
    let purged = enqueue_case(&store, &sealer, |c| c.materials[0].pages = vec!["P".repeat(20_000)]);
    let delivered = enqueue_case(&store, &sealer, |c| c.materials[0].pages = vec!["D".repeat(20_000)]);
    let mut secrets = Vec::new();
    for no in [&purged, &delivered] {
        let blob = blob_of(no);
        let dek = sealer.data_key_of(&blob).unwrap();
        // The wrapped data key (header + wrap), a slice of the ciphertext, the raw key.
        secrets.push((no.clone(), blob[..12 + 12 + 48].to_vec(), blob[blob.len() - 64..].to_vec(), dek));
        assert!(on_disk(&db, &blob[blob.len() - 64..]) > 0, "the test can see the blob on disk");
    }
    assert_eq!(store.purge_item(&purged).unwrap(), 1);
    let mut w = worker(&store, &sealer, &h.base_url());
    rt.block_on(drain_until(&mut w, Duration::from_secs(10), || store.queue_stats().unwrap().queued == 0));
    assert_eq!(h.sim.case_numbers().len(), 1);
    for (no, wrapped, body, dek) in &secrets {
        assert_eq!(on_disk(&db, wrapped), 0, "{no}: wrapped data key gone");
        assert_eq!(on_disk(&db, body), 0, "{no}: ciphertext gone");
        assert_eq!(on_disk(&db, dek), 0, "{no}: data key never on disk");
    }
    for plain in ["410702199003070046".as_bytes(), "测试人".as_bytes(), &[b'P'; 64], &[b'D'; 64]] {
        assert_eq!(on_disk(&db, plain), 0);
    }
    let wal = std::fs::metadata(dir.path().join("kiosk.db-wal")).map(|m| m.len()).unwrap_or(0);
    assert_eq!(wal, 0, "WAL truncated after the purge");
}

#[test]
fn a_full_disk_while_submitting_leaves_nothing_half_written() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("kiosk.db")).unwrap();
    let sealer = Sealer::from_key(&[7; 32]);
    let first = enqueue(&store, &sealer);
    let pages: i64 = rusqlite::Connection::open(dir.path().join("kiosk.db"))
        .unwrap()
        .query_row("PRAGMA page_count", [], |r| r.get(0))
        .unwrap();
    store.set_max_page_count(pages + 2).unwrap();
    let big = store.enqueue_case(TERMINAL, |no| {
        let mut c = sample_case(no);
        c.materials[0].pages = vec!["A".repeat(200_000)];
        sealer.seal(&serde_json::to_vec(&c).unwrap())
    });
    let e = big.unwrap_err();
    assert!(kiosk::store::is_full(&e), "{e}");
    let st = store.queue_stats().unwrap();
    assert_eq!(st.queued, 1, "nothing half-written");
    assert!(alerts(&store).iter().any(|a| a.contains("disk full")), "host alerted");
    // The kiosk keeps running: a small case still fits, and its number follows on.
    store.set_max_page_count(1_000_000).unwrap();
    let next = enqueue(&store, &sealer);
    assert_eq!(first, format!("{TERMINAL}-1-000001"));
    assert_eq!(next, format!("{TERMINAL}-1-000002"), "the failed case used no number");
}

#[test]
fn a_corrupt_database_is_moved_aside_and_a_fresh_one_started() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("kiosk.db");
    let key = dir.path().join("outbox.key");
    let sealer = Sealer::load_or_create(&key).unwrap();
    {
        let s = Store::open(&db).unwrap();
        for _ in 0..3 {
            enqueue(&s, &sealer);
        }
        s.checkpoint().unwrap();
    }
    // Garbage over the header and the first pages.
    let mut bytes = std::fs::read(&db).unwrap();
    for (i, b) in bytes.iter_mut().take(8192).enumerate() {
        *b = (i * 7 + 13) as u8;
    }
    std::fs::write(&db, &bytes).unwrap();
    let (s, aside) = Store::open_checked(&db).unwrap();
    let aside = aside.expect("quarantined");
    assert!(aside.file_name().unwrap().to_string_lossy().starts_with("kiosk.db.corrupt-"), "{aside:?}");
    assert_eq!(std::fs::read(&aside).unwrap(), bytes, "kept as it was for a technician");
    assert_eq!(s.queue_stats().unwrap().queued, 0, "fresh database");
    assert!(alerts(&s).iter().any(|a| a.contains("corrupt") && a.contains("keys kept")));
    assert!(key.exists(), "keys kept");
    assert_eq!(s.quick_check().unwrap(), None);
    drop(s);
    // A healthy database is left alone.
    assert!(Store::open_checked(&db).unwrap().1.is_none());
}

/// A stalled disk never freezes the async side: on a single-threaded runtime (the worst
/// case), the worker's SQLite work runs on blocking threads and a ticker keeps ticking.
#[test]
fn a_stalled_disk_does_not_stop_the_async_runtime() {
    let dir = tempfile::tempdir().unwrap();
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let h = rt.block_on(start(open_sim(dir.path()), "127.0.0.1:0"));
    let store = Arc::new(Store::open(&dir.path().join("kiosk.db")).unwrap());
    let sealer = Arc::new(Sealer::from_key(&[7; 32]));
    enqueue(&store, &sealer);
    let wake = Arc::new(tokio::sync::Notify::new());
    let w = Worker::new(store.clone(), sealer.clone(), client(&h.base_url(), Duration::from_secs(2)), wake.clone())
        .with_backoff(fast());
    let staller = {
        let s = store.clone();
        std::thread::spawn(move || s.stall(Duration::from_millis(1500)))
    };
    std::thread::sleep(Duration::from_millis(50));
    let ticks = rt.block_on(async {
        tokio::spawn(w.run());
        let mut ticks = 0u32;
        let mut iv = tokio::time::interval(Duration::from_millis(50));
        let t = Instant::now();
        while t.elapsed() < Duration::from_millis(1200) {
            iv.tick().await;
            ticks += 1;
        }
        ticks
    });
    assert!(ticks >= 18, "the runtime kept ticking while the disk stalled: {ticks}");
    staller.join().unwrap();
    let t = Instant::now();
    while store.queue_stats().unwrap().queued > 0 {
        assert!(t.elapsed() < Duration::from_secs(10));
        rt.block_on(async { tokio::time::sleep(Duration::from_millis(20)).await });
    }
}

#[test]
fn a_clock_more_than_two_minutes_off_raises_a_host_alert_and_loses_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let rt = rt();
    let h = rt.block_on(start(open_sim(dir.path()), "127.0.0.1:0"));
    let store = Arc::new(Store::open(&dir.path().join("kiosk.db")).unwrap());
    let sealer = Arc::new(Sealer::from_key(&[7; 32]));
    let no = enqueue(&store, &sealer);
    // The platform's clock (its `Date` and its signature window) runs 10 minutes ahead.
    h.sim.set_clock_offset_secs(600);
    let mut w = worker(&store, &sealer, &h.base_url());
    let clock_alert = || store.open_alerts().unwrap().into_iter().find(|a| a.message.starts_with("clock:"));
    rt.block_on(drain_until(&mut w, Duration::from_secs(5), || clock_alert().is_some()));
    let alert = clock_alert().unwrap();
    assert!(alert.message.contains("NTP") && alert.message.contains("+6"), "{}", alert.message);
    assert_eq!(store.queue_stats().unwrap().queued, 1, "refused for the clock, kept for later");
    // The clock set right: the case goes.
    h.sim.set_clock_offset_secs(0);
    rt.block_on(drain_until(&mut w, Duration::from_secs(5), || store.queue_stats().unwrap().queued == 0));
    assert!(matches!(store.delivery_state(Kind::Case, &no).unwrap(), Some(DeliveryState::Delivered { .. })));
}

/// A scripted HTTP server on loopback: a redirect for the catalog, an oversized answer
/// (with and without Content-Length) for the time; it counts requests per path.
async fn scripted_server() -> (String, Arc<std::sync::Mutex<Vec<String>>>) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", l.local_addr().unwrap());
    let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
    let log = seen.clone();
    tokio::spawn(async move {
        loop {
            let Ok((mut s, _)) = l.accept().await else { return };
            let log = log.clone();
            tokio::spawn(async move {
                let mut buf = vec![0u8; 8192];
                let mut got = 0;
                while !buf[..got].windows(4).any(|w| w == b"\r\n\r\n") {
                    match s.read(&mut buf[got..]).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => got += n,
                    }
                }
                let head = String::from_utf8_lossy(&buf[..got]).to_string();
                let path = head.split_whitespace().nth(1).unwrap_or("").to_string();
                log.lock().unwrap().push(path.clone());
                let big = "x".repeat(64 * 1024);
                let resp = if path.starts_with("/api/v1/catalog") {
                    "HTTP/1.1 302 Found\r\nLocation: /elsewhere\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                        .to_string()
                } else if path.starts_with("/api/v1/time") {
                    format!("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{big}", big.len())
                } else if path.starts_with("/api/v1/heartbeat") {
                    // Chunked: no length to refuse up front; the cap cuts the stream.
                    let mut r = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n".to_string();
                    for _ in 0..16 {
                        r.push_str(&format!("{:x}\r\n{}\r\n", 4096, "y".repeat(4096)));
                    }
                    r.push_str("0\r\n\r\n");
                    r
                } else {
                    "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".to_string()
                };
                let _ = s.write_all(resp.as_bytes()).await;
                let _ = s.shutdown().await;
            });
        }
    });
    (base, seen)
}

#[test]
fn redirects_are_not_followed_and_answers_are_capped() {
    let rt = rt();
    let (base, seen) = rt.block_on(scripted_server());
    let opts = kiosk::intake::client::HttpOptions { max_body: 16 * 1024, ..Default::default() };
    let c = IntakeClient::with_options(&base, Duration::from_secs(2), key(), &opts).unwrap();
    // A 302 is an answer, never followed (it would carry a signed request elsewhere).
    let e = rt.block_on(c.fetch_catalog()).unwrap_err();
    assert!(e.is_retryable(), "{e}");
    // Too large, announced by Content-Length and streamed in chunks: both refused.
    let e = rt.block_on(c.ping()).unwrap_err();
    assert!(e.to_string().contains("larger than 16384"), "{e}");
    let hb = kiosk_api::wire::Heartbeat { terminal_id: TERMINAL.into(), ..Default::default() };
    let e = rt.block_on(c.heartbeat(&hb)).unwrap_err();
    assert!(e.to_string().contains("larger than 16384"), "{e}");
    let paths = seen.lock().unwrap().clone();
    assert!(!paths.iter().any(|p| p == "/elsewhere"), "the redirect was followed: {paths:?}");
    assert!(paths.iter().any(|p| p.starts_with("/api/v1/catalog")), "{paths:?}");
}

//! Crash safety: a kiosk-side process queues and delivers cases while it is killed
//! with SIGKILL at random points and restarted. Afterwards the simulator holds each
//! case exactly once, every case the citizen was told about is there, and the
//! outbox is empty with no personal data left.
//!
//! The child process is this test binary run again with `KIOSK_CRASH_CHILD` set
//! (see `zz_crash_child`), so no extra binary is needed. Case count:
//! `KIOSK_CRASH_CASES` (default 1000).

mod intake_support;

use intake_support::*;
use kiosk::outbox::{Backoff, Sealer, Worker};
use kiosk::store::Store;
use rand::Rng;
use std::collections::{HashMap, HashSet};
use std::io::BufRead;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const CHILD_ENV: &str = "KIOSK_CRASH_CHILD";

fn total_cases() -> i64 {
    std::env::var("KIOSK_CRASH_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(1000)
}

/// The kiosk side: queue cases (as the journey does) and deliver them (as the worker
/// does) until `total` are queued and none is left. Prints `Q <local_no>` once a case
/// is durably queued, i.e. when the citizen would be told "submitted".
fn child_main(dir: PathBuf, base: String, total: i64) {
    let store = Arc::new(Store::open(&dir.join("kiosk.db")).unwrap());
    let sealer = Arc::new(Sealer::load_or_create(&dir.join("outbox.key")).unwrap());
    let rt = rt();
    let wake = Arc::new(tokio::sync::Notify::new());
    let worker = Worker::new(store.clone(), sealer.clone(), client(&base, Duration::from_secs(2)), wake.clone())
        .with_backoff(Backoff { base: Duration::from_millis(20), max: Duration::from_millis(200) });
    rt.spawn(worker.run());
    loop {
        let st = store.queue_stats().unwrap();
        if st.queued + st.delivered < total {
            let no = enqueue(&store, &sealer);
            println!("Q {no}");
            wake.notify_one();
            // A kiosk queues a case per citizen, not in a tight loop: pacing spreads the
            // kills over queueing and delivery alike.
            std::thread::sleep(Duration::from_millis(3));
        } else if st.queued == 0 {
            std::process::exit(0);
        } else {
            std::thread::sleep(Duration::from_millis(2));
        }
    }
}

/// Not a test of its own: the entry point of the child process (a no-op otherwise).
#[test]
fn zz_crash_child() {
    let Ok(spec) = std::env::var(CHILD_ENV) else { return };
    let mut parts = spec.splitn(3, '|');
    let (dir, base, total) = (parts.next().unwrap(), parts.next().unwrap(), parts.next().unwrap());
    child_main(dir.into(), base.into(), total.parse().unwrap());
}

#[test]
fn sigkill_at_random_points_loses_and_duplicates_nothing() {
    if std::env::var(CHILD_ENV).is_ok() {
        return;
    }
    let total = total_cases();
    let dir = tempfile::tempdir().unwrap();
    let rt = rt();
    let h = rt.block_on(start(open_sim(dir.path()), "127.0.0.1:0"));
    let kiosk_dir = dir.path().join("kiosk");
    std::fs::create_dir_all(&kiosk_dir).unwrap();
    let told: Arc<Mutex<HashSet<String>>> = Arc::default();
    let (mut kills, mut runs) = (0u32, 0u32);
    let started = Instant::now();
    let mut rng = rand::rng();
    loop {
        assert!(started.elapsed() < Duration::from_secs(240), "child never finished ({runs} runs)");
        runs += 1;
        let mut child = Command::new(std::env::current_exe().unwrap())
            .args(["zz_crash_child", "--exact", "--nocapture", "--test-threads=1"])
            .env(CHILD_ENV, format!("{}|{}|{total}", kiosk_dir.display(), h.base_url()))
            .env("RUST_LOG", "off")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let out = child.stdout.take().unwrap();
        let sink = told.clone();
        let reader = std::thread::spawn(move || {
            for line in std::io::BufReader::new(out).lines().map_while(Result::ok) {
                if let Some(no) = line.strip_prefix("Q ") {
                    sink.lock().unwrap().insert(no.to_string());
                }
            }
        });
        // Kill somewhere in startup, queueing or delivery; after enough kills, let it finish.
        let deadline = Instant::now() + Duration::from_millis(rng.random_range(5..150));
        let min_kills = (total / 10).max(3) as u32;
        let finished = loop {
            if let Some(status) = child.try_wait().unwrap() {
                break Some(status);
            }
            if Instant::now() >= deadline && kills < min_kills {
                break None;
            }
            std::thread::sleep(Duration::from_millis(1));
        };
        match finished {
            Some(status) => {
                reader.join().unwrap();
                assert!(status.success(), "child failed: {status}");
                break;
            }
            None => {
                child.kill().unwrap(); // SIGKILL
                child.wait().unwrap();
                reader.join().unwrap();
                kills += 1;
            }
        }
    }

    let on_platform = h.sim.case_numbers();
    let mut per_local: HashMap<&str, u32> = HashMap::new();
    for (_, local) in &on_platform {
        *per_local.entry(local.as_str()).or_default() += 1;
    }
    let duplicates = on_platform.len() - per_local.len();
    let told = told.lock().unwrap();
    let lost = told.iter().filter(|no| !per_local.contains_key(no.as_str())).count();
    let store = Store::open(&kiosk_dir.join("kiosk.db")).unwrap();
    let st = store.queue_stats().unwrap();
    let replays = h.sim.stats().replays;
    println!(
        "crash test: cases={total} kills={kills} runs={runs} duplicates={duplicates} losses={lost} \
         platform_cases={} replays_after_lost_ack={replays} elapsed={:.1}s",
        on_platform.len(),
        started.elapsed().as_secs_f64()
    );
    assert!(kills >= (total / 50).max(3) as u32, "too few kills to mean anything: {kills}");
    assert_eq!(duplicates, 0);
    assert_eq!(lost, 0);
    assert_eq!(on_platform.len() as i64, total, "each case exactly once");
    assert_eq!((st.queued, st.delivered), (0, total), "outbox empty");
    assert_eq!(payloads_left(&kiosk_dir.join("kiosk.db")), 0, "no personal data left after ack");
    for (intake_no, local) in &on_platform {
        assert_eq!(store.platform_no(local).unwrap().as_deref(), Some(intake_no.as_str()), "{local} mapped");
    }
}

//! Outbox figures: durable enqueue latency (target: median ≤ 5 ms) and drain rate
//! against the simulator on loopback. Real SQLite file (WAL, synchronous=FULL), real HTTP.
//!
//!   cargo bench --bench outbox                 (release)
//!   cargo bench --profile dev --bench outbox   (no release build; fsync dominates anyway)
//!   KIOSK_BENCH_N=2000 to change the sample size.

#[path = "../tests/intake_support/mod.rs"]
mod intake_support;

use intake_sim::Sim;
use kiosk::intake::{CaseSubmission, IntakeClient, SigningKey};
use kiosk::outbox::{Pass, Sealer, Worker};
use kiosk::store::Store;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The tests' sample case, with one page of `page_bytes` (none when 0).
fn case(local_no: &str, page_bytes: usize) -> CaseSubmission {
    let mut c = intake_support::sample_case(local_no);
    c.materials[0].pages = if page_bytes > 0 { vec!["A".repeat(page_bytes)] } else { vec![] };
    c
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

fn enqueue_bench(label: &str, n: usize, page_bytes: usize) {
    let dir = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap();
    let store = Store::open(&dir.path().join("kiosk.db")).unwrap();
    let sealer = Sealer::from_key(&[7; 32]);
    let mut times = Vec::with_capacity(n);
    for _ in 0..n {
        let t = Instant::now();
        store.enqueue_case("XX-0009", |no| sealer.seal(&serde_json::to_vec(&case(no, page_bytes)).unwrap())).unwrap();
        times.push(t.elapsed());
    }
    times.sort();
    println!(
        "durable enqueue ({label}): n={n} median={:.2} ms p95={:.2} ms max={:.2} ms (target median <= 5 ms: {})",
        percentile(&times, 0.5).as_secs_f64() * 1e3,
        percentile(&times, 0.95).as_secs_f64() * 1e3,
        times[n - 1].as_secs_f64() * 1e3,
        if percentile(&times, 0.5) <= Duration::from_millis(5) { "met" } else { "MISSED" }
    );
}

fn drain_bench(n: usize) {
    let dir = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap();
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let key = SigningKey::new("XX-0009", &[42; 32]);
    let sim = Sim::open(&dir.path().join("sim.db"), kiosk::catalog::Catalog::seed().to_json()).unwrap();
    sim.register_terminal("XX-0009", key.secret());
    let h = rt.block_on(intake_sim::start("127.0.0.1:0".parse().unwrap(), sim)).unwrap();
    let store = Arc::new(Store::open(&dir.path().join("kiosk.db")).unwrap());
    let sealer = Arc::new(Sealer::from_key(&[7; 32]));
    for _ in 0..n {
        store.enqueue_case("XX-0009", |no| sealer.seal(&serde_json::to_vec(&case(no, 0)).unwrap())).unwrap();
    }
    let client = IntakeClient::new(&h.base_url(), Duration::from_secs(5), key).unwrap();
    let mut worker = Worker::new(store.clone(), sealer, client, Arc::default());
    let t = Instant::now();
    rt.block_on(async { while worker.drain_once().await != Pass::Idle {} });
    let secs = t.elapsed().as_secs_f64();
    assert_eq!(store.queue_stats().unwrap().queued, 0);
    assert_eq!(h.sim.case_numbers().len(), n);
    println!(
        "drain rate: {n} cases in {secs:.2} s = {:.0} cases/s (signed HTTP on loopback, one at a time)",
        n as f64 / secs
    );
}

fn main() {
    let n: usize = std::env::var("KIOSK_BENCH_N").ok().and_then(|v| v.parse().ok()).unwrap_or(500);
    enqueue_bench("form only", n, 0);
    enqueue_bench("with a 200 KB scan", n / 5, 200_000);
    drain_bench(n * 2);
}

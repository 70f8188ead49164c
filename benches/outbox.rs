//! Outbox figures: durable enqueue latency (target: median ≤ 5 ms) and drain rate
//! against the simulator on loopback. Real SQLite file (WAL, synchronous=FULL), real HTTP.
//!
//!   cargo bench --bench outbox                 (release)
//!   cargo bench --profile dev --bench outbox   (no release build; fsync dominates anyway)
//!   KIOSK_BENCH_N=2000 to change the sample size.

use kiosk::intake::sim::{self, Sim};
use kiosk::intake::{ApplicantDto, CaseSubmission, IntakeClient, MaterialDto, SigningKey};
use kiosk::outbox::{Pass, Sealer, Worker};
use kiosk::store::Store;
use std::sync::Arc;
use std::time::{Duration, Instant};

fn case(local_no: &str, page_bytes: usize) -> CaseSubmission {
    CaseSubmission {
        local_no: local_no.into(),
        terminal_id: "XX-0009".into(),
        bundle_id: "newborn".into(),
        bundle_name: "新生儿出生“一件事”".into(),
        matter_codes: vec!["11410700MB1234567X4000117008000".into()],
        applicant: ApplicantDto {
            name: "测试人".into(),
            id_type: "111".into(),
            id_number: "410702199003070046".into(),
            sex: "2".into(),
            birth_date: "19900307".into(),
            address: "河南省新乡市红旗区平原路1号".into(),
            phone: "13800000000".into(),
        },
        delivery: "window".into(),
        postal_address: None,
        materials: vec![MaterialDto {
            key: "birth_cert".into(),
            state: "scanned".into(),
            pages: if page_bytes > 0 { vec!["A".repeat(page_bytes)] } else { vec![] },
            e_cert_ref: None,
        }],
        commitments: vec![],
        source: "self_service_terminal".into(),
        submitted_at: "2026-03-01T10:00:00".into(),
    }
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
    let h = rt.block_on(sim::start("127.0.0.1:0".parse().unwrap(), sim)).unwrap();
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

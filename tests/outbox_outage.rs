//! Outage: the platform goes away for a while. The queue grows, nothing is lost; on
//! recovery every case is delivered exactly once, and the worker's retries during
//! the outage follow the backoff, not the length of the queue.

mod intake_support;

use intake_support::*;
use kiosk::outbox::{Backoff, Sealer, Worker};
use kiosk::store::Store;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Most failures a link backoff allows in `window`: the delays before each retry
/// are at least half the nominal exponential step (the jitter's lower end).
fn max_failures(b: &Backoff, window: Duration) -> u64 {
    let (mut n, mut spent) = (1u64, Duration::ZERO);
    loop {
        let step = b.base.saturating_mul(1 << (n - 1).min(16)).min(b.max).mul_f64(0.5);
        spent += step;
        if spent > window {
            return n;
        }
        n += 1;
    }
}

#[test]
fn queue_survives_an_outage_with_bounded_retries() {
    let dir = tempfile::tempdir().unwrap();
    let rt = rt();
    let sim = open_sim(dir.path());
    let h = rt.block_on(start(sim.clone(), "127.0.0.1:0"));
    let addr = h.addr.to_string();
    let store = Arc::new(Store::open(&dir.path().join("kiosk.db")).unwrap());
    let sealer = Arc::new(Sealer::from_key(&[7; 32]));
    let wake = Arc::new(tokio::sync::Notify::new());
    let backoff = Backoff { base: Duration::from_millis(100), max: Duration::from_secs(1) };
    let worker =
        Worker::new(store.clone(), sealer.clone(), client(&h.base_url(), Duration::from_secs(1)), wake.clone())
            .with_backoff(backoff);
    let stats = worker.stats.clone();
    rt.spawn(worker.run());
    let wait_empty = |limit: Duration| {
        let t = Instant::now();
        while store.queue_stats().unwrap().queued > 0 {
            assert!(t.elapsed() < limit, "queue not drained: {:?}", store.queue_stats().unwrap());
            std::thread::sleep(Duration::from_millis(20));
        }
        t.elapsed()
    };

    for _ in 0..20 {
        enqueue(&store, &sealer);
        wake.notify_one();
    }
    wait_empty(Duration::from_secs(10));
    assert_eq!(stats.retryable_failures.load(Ordering::SeqCst), 0);

    // Outage: the platform stops; citizens keep submitting.
    rt.block_on(h.stop());
    let outage = Instant::now();
    let mut depth = Vec::new();
    for i in 0..100 {
        enqueue(&store, &sealer);
        wake.notify_one();
        std::thread::sleep(Duration::from_millis(30));
        if i % 25 == 24 {
            depth.push(store.queue_stats().unwrap().queued);
        }
    }
    let down_for = outage.elapsed();
    let failures = stats.retryable_failures.load(Ordering::SeqCst);
    assert!(depth.windows(2).all(|w| w[1] > w[0]), "queue grows: {depth:?}");
    assert_eq!(store.queue_stats().unwrap().queued, 100);

    let h = rt.block_on(start(sim.clone(), &addr));
    let recovered_in = wait_empty(Duration::from_secs(15));
    let bound = max_failures(&backoff, down_for + recovered_in);
    let st = store.queue_stats().unwrap();
    let cases = h.sim.case_numbers();
    let distinct: std::collections::HashSet<_> = cases.iter().map(|(_, l)| l).collect();
    println!(
        "outage test: down={:.1}s queued=100 failed_attempts={failures} bound={bound} \
         recovered_in={:.2}s attempts_total={} delivered={}",
        down_for.as_secs_f64(),
        recovered_in.as_secs_f64(),
        stats.attempts.load(Ordering::SeqCst),
        st.delivered
    );
    assert!(failures >= 2, "the worker kept trying: {failures}");
    assert!(failures <= bound, "retry rate bounded by the backoff: {failures} > {bound}");
    assert!(failures < 100 / 4, "retries do not scale with queue length: {failures}");
    assert!(recovered_in < backoff.max.mul_f64(1.5) + Duration::from_secs(3), "{recovered_in:?}");
    assert_eq!((st.queued, st.delivered), (0, 120));
    assert_eq!((cases.len(), distinct.len()), (120, 120), "each case exactly once");
    assert_eq!(payloads_left(&dir.path().join("kiosk.db")), 0);
}

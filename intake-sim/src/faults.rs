//! Fault injection and counters of the simulator, set by tests in-process or over
//! `POST /__sim/faults` (loopback only, never part of the platform's API).

use rand::Rng;
use serde::{Deserialize, Serialize};
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};

/// What to break next. Counts are consumed one per request (or connection).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FaultPlan {
    /// Delay before every API answer.
    #[serde(default)]
    pub latency_ms: u64,
    /// Answer the next N mutating requests with 503, before doing anything.
    #[serde(default)]
    pub fail_next: u32,
    /// Commit the next N mutating requests, then cut the connection mid-answer (lost ack).
    #[serde(default)]
    pub drop_next: u32,
    /// Close the next N new connections right after accepting them.
    #[serde(default)]
    pub refuse_next: u32,
    /// Commit the next N mutating requests, then stall `hang_ms` before answering.
    #[serde(default)]
    pub timeout_next: u32,
    #[serde(default)]
    pub hang_ms: u64,
    /// Share (0..=1) of mutating requests answered 503 at random.
    #[serde(default)]
    pub error_rate: f64,
    /// Answer the next N mutating requests with a proxy's HTML 404 (no reason code).
    #[serde(default)]
    pub proxy_404_next: u32,
    /// The platform is down: every API request is answered 503 until this is cleared.
    #[serde(default)]
    pub down: bool,
}

#[derive(Debug, Default)]
pub struct Faults {
    latency_ms: AtomicU64,
    fail_next: AtomicU32,
    drop_next: AtomicU32,
    refuse_next: AtomicU32,
    timeout_next: AtomicU32,
    hang_ms: AtomicU64,
    /// error_rate in parts per million.
    error_ppm: AtomicU32,
    proxy_404_next: AtomicU32,
    down: std::sync::atomic::AtomicBool,
}

fn take(counter: &AtomicU32) -> bool {
    counter.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1)).is_ok()
}

impl Faults {
    pub fn set(&self, p: &FaultPlan) {
        self.latency_ms.store(p.latency_ms, Ordering::SeqCst);
        self.fail_next.store(p.fail_next, Ordering::SeqCst);
        self.drop_next.store(p.drop_next, Ordering::SeqCst);
        self.refuse_next.store(p.refuse_next, Ordering::SeqCst);
        self.timeout_next.store(p.timeout_next, Ordering::SeqCst);
        self.hang_ms.store(if p.hang_ms == 0 { 30_000 } else { p.hang_ms }, Ordering::SeqCst);
        self.error_ppm.store((p.error_rate.clamp(0.0, 1.0) * 1e6) as u32, Ordering::SeqCst);
        self.proxy_404_next.store(p.proxy_404_next, Ordering::SeqCst);
        self.down.store(p.down, Ordering::SeqCst);
    }

    pub fn plan(&self) -> FaultPlan {
        FaultPlan {
            latency_ms: self.latency_ms.load(Ordering::SeqCst),
            fail_next: self.fail_next.load(Ordering::SeqCst),
            drop_next: self.drop_next.load(Ordering::SeqCst),
            refuse_next: self.refuse_next.load(Ordering::SeqCst),
            timeout_next: self.timeout_next.load(Ordering::SeqCst),
            hang_ms: self.hang_ms.load(Ordering::SeqCst),
            error_rate: self.error_ppm.load(Ordering::SeqCst) as f64 / 1e6,
            proxy_404_next: self.proxy_404_next.load(Ordering::SeqCst),
            down: self.down.load(Ordering::SeqCst),
        }
    }

    pub fn latency(&self) -> std::time::Duration {
        std::time::Duration::from_millis(self.latency_ms.load(Ordering::SeqCst))
    }

    pub(super) fn is_down(&self) -> bool {
        self.down.load(Ordering::SeqCst)
    }

    pub(super) fn take_fail(&self) -> bool {
        let ppm = self.error_ppm.load(Ordering::SeqCst);
        take(&self.fail_next) || (ppm > 0 && rand::rng().random_range(0..1_000_000) < ppm)
    }

    pub(super) fn take_proxy_404(&self) -> bool {
        take(&self.proxy_404_next)
    }

    pub(super) fn take_drop(&self) -> bool {
        take(&self.drop_next)
    }

    pub(super) fn take_refuse(&self) -> bool {
        take(&self.refuse_next)
    }

    /// Some(stall) when this request should hang.
    pub(super) fn take_timeout(&self) -> Option<std::time::Duration> {
        take(&self.timeout_next).then(|| std::time::Duration::from_millis(self.hang_ms.load(Ordering::SeqCst).max(1)))
    }
}

/// What the simulator saw: tests use it to prove retries and de-duplication.
#[derive(Debug, Default)]
pub struct Counters {
    pub requests: AtomicU64,
    pub created: AtomicU64,
    /// Requests answered from the idempotency record (a retry of a known case).
    pub replays: AtomicU64,
    pub auth_rejected: AtomicU64,
    pub injected: AtomicU64,
    /// Requests whose signature verified, by algorithm.
    pub sha256_verified: AtomicU64,
    pub sm3_verified: AtomicU64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stats {
    pub requests: u64,
    pub created: u64,
    pub replays: u64,
    pub auth_rejected: u64,
    pub injected: u64,
    #[serde(default)]
    pub sha256_verified: u64,
    #[serde(default)]
    pub sm3_verified: u64,
}

impl Counters {
    pub fn snapshot(&self) -> Stats {
        let g = |c: &AtomicU64| c.load(Ordering::SeqCst);
        Stats {
            requests: g(&self.requests),
            created: g(&self.created),
            replays: g(&self.replays),
            auth_rejected: g(&self.auth_rejected),
            injected: g(&self.injected),
            sha256_verified: g(&self.sha256_verified),
            sm3_verified: g(&self.sm3_verified),
        }
    }

    pub(super) fn bump(c: &AtomicU64) {
        c.fetch_add(1, Ordering::SeqCst);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_are_consumed() {
        let f = Faults::default();
        f.set(&FaultPlan { fail_next: 2, drop_next: 1, timeout_next: 1, ..FaultPlan::default() });
        assert!(f.take_fail() && f.take_fail() && !f.take_fail());
        assert!(f.take_drop() && !f.take_drop());
        assert_eq!(f.take_timeout(), Some(std::time::Duration::from_secs(30)));
        assert_eq!(f.take_timeout(), None);
        f.set(&FaultPlan { error_rate: 1.0, ..FaultPlan::default() });
        assert!(f.take_fail() && f.take_fail());
        assert_eq!(f.plan().error_rate, 1.0);
    }
}

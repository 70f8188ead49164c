//! Store-and-forward: cases and ratings are committed (encrypted) to SQLite before the
//! citizen is told "submitted", and a worker delivers them when the platform answers.

mod seal;

pub(crate) use seal::write_private;
pub use seal::{SealError, Sealer};

use crate::intake::{CaseSubmission, IntakeClient, IntakeError, RatingSubmission};
use crate::store::{now_ms, Kind, OutboxItem, Store};
use rand::Rng;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Notify;

#[derive(Debug, Clone, Copy)]
pub struct Backoff {
    pub base: Duration,
    pub max: Duration,
}

impl Default for Backoff {
    fn default() -> Self {
        Self { base: Duration::from_secs(2), max: Duration::from_secs(300) }
    }
}

impl Backoff {
    /// Exponential with ±50 % jitter so a fleet of terminals does not retry in lockstep.
    pub fn delay(&self, attempts: i64, rng: &mut impl Rng) -> Duration {
        let exp = self.base.saturating_mul(1u32 << attempts.clamp(0, 16) as u32).min(self.max);
        exp.mul_f64(rng.random_range(0.5..1.5))
    }
}

/// What the worker did, for tests, diagnostics and the heartbeat.
#[derive(Debug, Default)]
pub struct WorkerStats {
    pub attempts: AtomicU64,
    pub delivered: AtomicU64,
    pub retryable_failures: AtomicU64,
    pub rejected: AtomicU64,
}

/// Delivers due outbox items until the process ends.
///
/// Backoff is per link, not per item: after a retryable failure the whole queue
/// waits, so a long queue behind a dead network makes one attempt per backoff
/// step instead of one per item (the retry rate stays bounded).
pub struct Worker {
    pub store: Arc<Store>,
    pub sealer: Arc<Sealer>,
    pub client: IntakeClient,
    pub wake: Arc<Notify>,
    pub backoff: Backoff,
    pub stats: Arc<WorkerStats>,
    /// Consecutive retryable failures of the link.
    streak: i64,
    /// Told after every pass, so the supervisor sees a hung worker.
    beat: Option<crate::supervise::Beat>,
}

/// Result of one pass over the queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pass {
    /// Nothing left that is due.
    Idle,
    /// More items are due now (the batch limit was reached).
    More,
    /// The link failed; do not try again before this delay.
    BackOff(Duration),
}

impl Worker {
    pub fn new(store: Arc<Store>, sealer: Arc<Sealer>, client: IntakeClient, wake: Arc<Notify>) -> Self {
        Self { store, sealer, client, wake, backoff: Backoff::default(), stats: Arc::default(), streak: 0, beat: None }
    }

    pub fn with_backoff(mut self, backoff: Backoff) -> Self {
        self.backoff = backoff;
        self
    }

    /// The longest the worker stays silent: the longest backoff (jitter included), a
    /// request's timeout and the idle wait, with room to spare.
    pub fn max_silence(&self) -> std::time::Duration {
        self.backoff.max.mul_f64(1.5) + Duration::from_secs(120)
    }

    pub fn with_beat(mut self, beat: crate::supervise::Beat) -> Self {
        self.beat = Some(beat);
        self
    }

    pub async fn run(mut self) {
        loop {
            if let Some(b) = &self.beat {
                b.beat();
            }
            match self.drain_once().await {
                Pass::More => continue,
                // A new case does not cut a backoff short: that is what bounds the retry rate.
                Pass::BackOff(d) => tokio::time::sleep(d).await,
                Pass::Idle => {
                    let wait = self.next_due_in().unwrap_or(Duration::from_secs(30));
                    tokio::select! {
                        _ = self.wake.notified() => {}
                        _ = tokio::time::sleep(wait) => {}
                    }
                }
            }
        }
    }

    fn next_due_in(&self) -> Option<Duration> {
        let at = self.store.next_due_ms().ok().flatten()?;
        Some(Duration::from_millis((at - now_ms()).clamp(0, 30_000) as u64))
    }

    /// Tries due items in order until the queue is empty or the link fails.
    pub async fn drain_once(&mut self) -> Pass {
        const BATCH: usize = 50;
        let due = match self.store.due(now_ms(), BATCH) {
            Ok(d) => d,
            Err(e) => {
                tracing::error!(error = %e, "outbox read failed");
                return Pass::BackOff(Duration::from_secs(5));
            }
        };
        let full = due.len() == BATCH;
        for item in due {
            self.stats.attempts.fetch_add(1, Ordering::Relaxed);
            let Err(e) = self.deliver(&item).await else {
                self.streak = 0;
                self.stats.delivered.fetch_add(1, Ordering::Relaxed);
                continue;
            };
            tracing::warn!(local_no = %item.local_no, attempts = item.attempts + 1, retry = e.is_retryable(), error = %e, "delivery failed");
            if let IntakeError::Rejected { reason, .. } = &e {
                self.stats.rejected.fetch_add(1, Ordering::Relaxed);
                if let Err(e) = self.store.mark_rejected(item.id, reason) {
                    tracing::error!(error = %e, "outbox update failed");
                }
                continue;
            }
            self.stats.retryable_failures.fetch_add(1, Ordering::Relaxed);
            let d = self.backoff.delay(self.streak, &mut rand::rng());
            self.streak += 1;
            if let Err(e) = self.store.mark_retry(item.id, &e.to_string(), now_ms() + d.as_millis() as i64) {
                tracing::error!(error = %e, "outbox update failed");
            }
            return Pass::BackOff(d);
        }
        if full {
            Pass::More
        } else {
            Pass::Idle
        }
    }

    async fn deliver(&self, item: &OutboxItem) -> Result<(), IntakeError> {
        let plain = self.sealer.open(&item.sealed).map_err(|e| IntakeError::BadResponse(e.to_string()))?;
        let platform_no = match item.kind {
            Kind::Case => {
                let case: CaseSubmission =
                    serde_json::from_slice(&plain).map_err(|e| IntakeError::BadResponse(e.to_string()))?;
                let ack = self.client.submit_case(&item.idem_key, &case).await?;
                Some(ack.intake_no)
            }
            Kind::Rating => {
                let r: RatingSubmission =
                    serde_json::from_slice(&plain).map_err(|e| IntakeError::BadResponse(e.to_string()))?;
                self.client.submit_rating(&item.idem_key, &r).await?;
                None
            }
        };
        self.store
            .mark_delivered(item.id, platform_no.as_deref())
            .map_err(|e| IntakeError::BadResponse(e.to_string()))?;
        tracing::info!(local_no = %item.local_no, platform_no = platform_no.as_deref().unwrap_or("-"), "delivered");
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_and_caps_with_jitter() {
        let b = Backoff { base: Duration::from_secs(1), max: Duration::from_secs(60) };
        let mut rng = rand::rng();
        for _ in 0..100 {
            let d0 = b.delay(0, &mut rng);
            assert!(d0 >= Duration::from_millis(500) && d0 < Duration::from_millis(1500));
            let d10 = b.delay(10, &mut rng);
            assert!(d10 >= Duration::from_secs(30) && d10 < Duration::from_secs(90));
        }
    }
}

//! Store-and-forward: cases and ratings are committed (encrypted) to SQLite before the
//! citizen is told "submitted", and a worker delivers them when the platform answers.

mod seal;

pub use seal::{SealError, Sealer};

use crate::intake::{CaseSubmission, IntakeClient, IntakeError, RatingSubmission};
use crate::store::{now_ms, Kind, OutboxItem, Store};
use rand::Rng;
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

/// Delivers due outbox items until the process ends.
pub struct Worker {
    pub store: Arc<Store>,
    pub sealer: Arc<Sealer>,
    pub client: IntakeClient,
    pub wake: Arc<Notify>,
    pub backoff: Backoff,
}

impl Worker {
    pub async fn run(self) {
        loop {
            let next = self.drain_once().await;
            let wait = next.unwrap_or(Duration::from_secs(30));
            tokio::select! {
                _ = self.wake.notified() => {}
                _ = tokio::time::sleep(wait) => {}
            }
        }
    }

    /// Tries every due item once; returns how long until the next retry is due.
    pub async fn drain_once(&self) -> Option<Duration> {
        let due = match self.store.due(now_ms(), 50) {
            Ok(d) => d,
            Err(e) => {
                tracing::error!(error = %e, "outbox read failed");
                return Some(Duration::from_secs(5));
            }
        };
        let mut soonest: Option<Duration> = None;
        for item in due {
            if let Err(e) = self.deliver(&item).await {
                let retry = e.is_retryable();
                tracing::warn!(local_no = %item.local_no, attempts = item.attempts + 1, retry, error = %e, "delivery failed");
                let res = if retry {
                    let d = self.backoff.delay(item.attempts, &mut rand::rng());
                    soonest = Some(soonest.map_or(d, |s| s.min(d)));
                    self.store.mark_retry(item.id, &e.to_string(), now_ms() + d.as_millis() as i64)
                } else {
                    self.store.mark_rejected(item.id, &e.to_string())
                };
                if let Err(e) = res {
                    tracing::error!(error = %e, "outbox update failed");
                }
            }
        }
        soonest
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

//! Store-and-forward: cases and ratings are committed (encrypted) to SQLite before the
//! citizen is told "submitted", and a worker delivers them when the platform answers.
//!
//! Each item has its own attempts and next attempt; a link-level backoff on top keeps
//! the retry rate bounded while the platform is down. An item that cannot be read here
//! (decrypt or parse failure) or that the platform refuses for good goes to
//! `needs_attention` (the dead letter): it no longer blocks the others, the host is
//! alerted (audit kind `host_alert`), and it is counted in the heartbeat and in
//! `kiosk diag status` / `kiosk diag queue`. All SQLite work runs on blocking threads.

pub mod identity;
mod seal;

pub use crate::envelope::SealAlg;
pub use crate::fsutil::write_private;
pub use seal::{begin_rotation, envelope_info, finish_rotation, next_key_path, SealError, Sealer};

use crate::intake::{CaseSubmission, IntakeClient, IntakeError, RatingSubmission};
use crate::store::{now_ms, Attention, Kind, OutboxItem, RetentionPolicy, Store, StoreError};
use rand::Rng;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
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
    /// Items moved to `needs_attention` because they could not be read here.
    pub unreadable: AtomicU64,
    /// Host alerts raised by the worker.
    pub alerts: AtomicU64,
}

/// The worker's policy numbers (config).
#[derive(Debug, Clone, Copy)]
pub struct Policy {
    /// An item that failed this many times (other than a plain outage) alerts the host;
    /// so does the link after this many failures in a row.
    pub alert_after: i64,
    /// Clock difference with the platform that alerts the host, seconds.
    pub max_skew_secs: i64,
    pub retention: RetentionPolicy,
    /// How often `PRAGMA quick_check` and retention run.
    pub maintenance_every: Duration,
}

impl Default for Policy {
    fn default() -> Self {
        Self {
            alert_after: 5,
            max_skew_secs: 120,
            retention: RetentionPolicy::default(),
            maintenance_every: Duration::from_secs(24 * 3600),
        }
    }
}

/// Delivers due outbox items until the process ends.
pub struct Worker {
    pub store: Arc<Store>,
    pub sealer: Arc<Sealer>,
    pub client: IntakeClient,
    pub wake: Arc<Notify>,
    pub backoff: Backoff,
    pub policy: Policy,
    pub stats: Arc<WorkerStats>,
    /// Consecutive link failures.
    streak: i64,
    /// Told after every pass, so the supervisor sees a hung worker.
    beat: Option<crate::supervise::Beat>,
    last_maintenance: Option<Instant>,
    skew_alerted: bool,
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

/// Why one delivery failed.
enum Failure {
    /// The item cannot be read here: it will never get better by retrying.
    Local(String),
    Remote(IntakeError),
    /// The platform answered but the outcome could not be recorded.
    Store(StoreError),
}

/// Runs `f` on a blocking thread: a slow or stalled disk never holds an async worker.
pub async fn blocking<R: Send + 'static>(
    store: &Arc<Store>,
    f: impl FnOnce(&Store) -> Result<R, StoreError> + Send + 'static,
) -> Result<R, StoreError> {
    let store = store.clone();
    tokio::task::spawn_blocking(move || f(&store)).await.unwrap_or_else(|e| Err(StoreError::Task(e.to_string())))
}

impl Worker {
    pub fn new(store: Arc<Store>, sealer: Arc<Sealer>, client: IntakeClient, wake: Arc<Notify>) -> Self {
        Self {
            store,
            sealer,
            client,
            wake,
            backoff: Backoff::default(),
            policy: Policy::default(),
            stats: Arc::default(),
            streak: 0,
            beat: None,
            last_maintenance: None,
            skew_alerted: false,
        }
    }

    pub fn with_backoff(mut self, backoff: Backoff) -> Self {
        self.backoff = backoff;
        self
    }

    pub fn with_policy(mut self, policy: Policy) -> Self {
        self.policy = policy;
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
                    let wait = self.next_due_in().await.unwrap_or(Duration::from_secs(30));
                    tokio::select! {
                        _ = self.wake.notified() => {}
                        _ = tokio::time::sleep(wait) => {}
                    }
                }
            }
        }
    }

    /// Later than this, a parked retry is taken as a clock that jumped back.
    fn horizon_ms(&self) -> i64 {
        (self.backoff.max.mul_f64(1.5) + Duration::from_secs(1)).as_millis() as i64
    }

    async fn next_due_in(&self) -> Option<Duration> {
        let at = blocking(&self.store, |s| s.next_due_ms()).await.ok().flatten()?;
        Some(Duration::from_millis((at - now_ms()).clamp(0, 30_000) as u64))
    }

    async fn alert(&self, detail: String) {
        tracing::error!(alert = "host_alert", %detail);
        self.stats.alerts.fetch_add(1, Ordering::Relaxed);
        if let Err(e) = blocking(&self.store, move |s| s.raise_alert("outbox", &detail)).await {
            tracing::error!(error = %e, "host alert could not be recorded");
        }
    }

    /// Daily (and at the first pass): `PRAGMA quick_check` and the retention policy.
    async fn maintain_if_due(&mut self) {
        if self.last_maintenance.is_some_and(|t| t.elapsed() < self.policy.maintenance_every) {
            return;
        }
        self.last_maintenance = Some(Instant::now());
        let retention = self.policy.retention;
        let res =
            blocking(&self.store, move |s| Ok((s.quick_check()?, s.apply_retention(&retention, now_ms())?))).await;
        match res {
            Ok((None, swept)) => tracing::info!(?swept, "storage check ok, retention applied"),
            Ok((Some(problem), _)) => {
                self.alert(format!(
                    "storage: quick_check found damage ({problem}); the database will be moved aside at the next start"
                ))
                .await
            }
            Err(e) => self.alert(format!("storage: maintenance failed: {e}")).await,
        }
    }

    async fn check_skew(&mut self) {
        let Some(skew) = self.client.skew().get() else { return };
        if skew.abs() > self.policy.max_skew_secs && !self.skew_alerted {
            self.skew_alerted = true;
            self.alert(format!(
                "clock: the terminal's clock is {skew:+} s off the platform's (more than {} s); check NTP",
                self.policy.max_skew_secs
            ))
            .await;
        } else if skew.abs() <= self.policy.max_skew_secs / 2 {
            self.skew_alerted = false;
        }
    }

    /// Tries due items in order until the queue is empty or the link fails.
    pub async fn drain_once(&mut self) -> Pass {
        const BATCH: usize = 50;
        self.maintain_if_due().await;
        let horizon = self.horizon_ms();
        let due = match blocking(&self.store, move |s| s.due_within(now_ms(), horizon, BATCH)).await {
            Ok(d) => d,
            Err(e) => {
                tracing::error!(error = %e, "outbox read failed");
                return Pass::BackOff(Duration::from_secs(5));
            }
        };
        let mut pass = if due.len() == BATCH { Pass::More } else { Pass::Idle };
        let mut delivered_any = false;
        for item in due {
            self.stats.attempts.fetch_add(1, Ordering::Relaxed);
            let e = match self.deliver(&item).await {
                Ok(()) => {
                    self.streak = 0;
                    self.stats.delivered.fetch_add(1, Ordering::Relaxed);
                    delivered_any = true;
                    continue;
                }
                Err(e) => e,
            };
            let (id, no) = (item.id, item.local_no.clone());
            match e {
                Failure::Local(err) => {
                    tracing::error!(local_no = %no, error = %err, "outbox item unreadable: held for a technician");
                    self.stats.unreadable.fetch_add(1, Ordering::Relaxed);
                    let detail = format!(
                        "queue: {no} cannot be read on this terminal ({err}); held, not delivered. See `kiosk diag queue`"
                    );
                    let _ = blocking(&self.store, move |s| s.mark_attention(id, Attention::Unreadable, &err)).await;
                    self.alert(detail).await;
                }
                Failure::Remote(err @ IntakeError::Rejected { .. }) => {
                    tracing::warn!(local_no = %no, error = %err, "refused by the platform");
                    self.stats.rejected.fetch_add(1, Ordering::Relaxed);
                    let reason = err.to_string();
                    let _ = blocking(&self.store, move |s| s.mark_attention(id, Attention::Refused, &reason)).await;
                    self.alert(format!("queue: {no} refused by the platform ({err}); held for a technician")).await;
                }
                Failure::Remote(err) => {
                    tracing::warn!(local_no = %no, attempts = item.attempts + 1, error = %err, "delivery failed");
                    self.stats.retryable_failures.fetch_add(1, Ordering::Relaxed);
                    let (item_delay, link_delay) = {
                        let mut rng = rand::rng();
                        (self.backoff.delay(item.attempts, &mut rng), self.backoff.delay(self.streak, &mut rng))
                    };
                    self.streak += 1;
                    let msg = err.to_string();
                    let at = now_ms() + item_delay.as_millis() as i64;
                    let attempts = blocking(&self.store, move |s| s.mark_retry(id, &msg, at)).await.unwrap_or(0);
                    // An outage is the link's news; an item that keeps failing on an answer
                    // (a proxy's 404, a 413, a refused signature) is a technician's.
                    let item_news = matches!(err, IntakeError::Unexpected { .. } | IntakeError::Auth { .. });
                    if item_news && attempts >= self.policy.alert_after {
                        if blocking(&self.store, move |s| s.mark_alerted(id)).await.unwrap_or(false) {
                            self.alert(format!("queue: {no} failed {attempts} times ({err}); still retrying")).await;
                        }
                    } else if !item_news && self.streak == self.policy.alert_after {
                        self.alert(format!(
                            "intake: the platform has not answered {} times in a row ({err})",
                            self.streak
                        ))
                        .await;
                    }
                    pass = Pass::BackOff(link_delay);
                    break;
                }
                Failure::Store(err) => {
                    tracing::error!(local_no = %no, error = %err, "outbox update failed");
                    pass = Pass::BackOff(Duration::from_secs(5));
                    break;
                }
            }
        }
        if delivered_any {
            // The delivered payloads were overwritten; now the WAL lets go of them too.
            if let Err(e) = blocking(&self.store, |s| s.checkpoint()).await {
                tracing::warn!(error = %e, "checkpoint after delivery failed");
            }
        }
        self.check_skew().await;
        pass
    }

    async fn deliver(&self, item: &OutboxItem) -> Result<(), Failure> {
        let plain = zeroize::Zeroizing::new(self.sealer.open(&item.sealed).map_err(|e| Failure::Local(e.to_string()))?);
        let platform_no = match item.kind {
            Kind::Case => {
                let case: CaseSubmission =
                    serde_json::from_slice(&plain).map_err(|e| Failure::Local(format!("payload format: {e}")))?;
                let ack = self.client.submit_case(&item.idem_key, &case).await.map_err(Failure::Remote)?;
                Some(ack.intake_no)
            }
            Kind::Rating => {
                let r: RatingSubmission =
                    serde_json::from_slice(&plain).map_err(|e| Failure::Local(format!("payload format: {e}")))?;
                self.client.submit_rating(&item.idem_key, &r).await.map_err(Failure::Remote)?;
                None
            }
        };
        let (id, no) = (item.id, platform_no.clone());
        blocking(&self.store, move |s| s.mark_delivered(id, no.as_deref())).await.map_err(Failure::Store)?;
        tracing::info!(local_no = %item.local_no, platform_no = platform_no.as_deref().unwrap_or("-"), "delivered");
        Ok(())
    }
}

/// `kiosk keys rotate` from the CLI: the configured key file and database.
pub fn rotate_keys_cli(cfg: &crate::config::Config) -> Result<String, String> {
    let (key, _) = cfg.key_paths();
    let db = cfg.terminal.data_dir.join("kiosk.db");
    if !key.exists() {
        return Err(format!("{}: no key to rotate (create keys with `kiosk keys init`)", key.display()));
    }
    let store = Store::open(&db).map_err(|e| e.to_string())?;
    let (done, left) = rotate_keys(&store, &key, cfg.intake.seal_algorithm)?;
    let id = Sealer::load(&key).map_err(|e| e.to_string())?.key_id();
    Ok(format!("outbox key rotated: now {id}; {done} sealed row(s) re-sealed, {left} unreadable left as they were"))
}

/// `kiosk diag queue [retry|purge <local_no>]`: JSON without personal data.
pub fn diag_queue(cfg: &crate::config::Config, action: Option<(&str, &str)>) -> Result<String, String> {
    let db = cfg.terminal.data_dir.join("kiosk.db");
    if !db.exists() {
        return Err(format!("{}: no database yet", db.display()));
    }
    let store = Store::open(&db).map_err(|e| e.to_string())?;
    let done = match action {
        None => None,
        Some((what, no)) => {
            let n = match what {
                "retry" => store.retry_item(no),
                _ => store.purge_item(no),
            }
            .map_err(|e| e.to_string())?;
            if n == 0 {
                return Err(format!("{no}: no queued or held item with this number"));
            }
            Some(serde_json::json!({ "action": what, "local_no": no, "items": n }))
        }
    };
    let out = serde_json::json!({
        "done": done,
        "stats": store.queue_stats().map_err(|e| e.to_string())?,
        "items": store.queue_rows().map_err(|e| e.to_string())?,
    });
    serde_json::to_string_pretty(&out).map_err(|e| e.to_string())
}

/// `kiosk keys rotate`: a new terminal key; every sealed row's data key is re-wrapped
/// under it in one transaction, then the new key file replaces the old one. Run with the
/// kiosk stopped. Returns (re-sealed, left unreadable).
pub fn rotate_keys(store: &Store, key_path: &std::path::Path, alg: SealAlg) -> Result<(usize, usize), String> {
    let (old, new) = begin_rotation(key_path, alg).map_err(|e| e.to_string())?;
    let (done, left) = store.reseal_all(|blob| old.rewrap(blob, &new).ok()).map_err(|e| e.to_string())?;
    finish_rotation(key_path).map_err(|e| e.to_string())?;
    store
        .audit(
            "keys_rotated",
            &format!("outbox key {} → {}: {done} re-sealed, {left} unreadable", old.key_id(), new.key_id()),
        )
        .map_err(|e| e.to_string())?;
    Ok((done, left))
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

//! Background tasks are watched. One that ends, panics, or stays silent longer than it
//! may is logged and the process exits non-zero, so systemd restarts a whole kiosk
//! instead of leaving one that looks alive with its outbox or monitor dead.

use std::future::Future;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Exit code for a supervised failure (systemd restarts it; 2 is kept for refusals).
pub const EXIT_TASK_FAILED: i32 = 70;

struct Task {
    name: &'static str,
    last_ms: Arc<AtomicU64>,
    max_silence: Duration,
}

/// The registry of tasks that must show signs of life.
pub struct Liveness {
    start: Instant,
    tasks: Mutex<Vec<Task>>,
    /// Set once shutdown began: tasks ending then are expected.
    stopping: AtomicBool,
}

/// A task's handle to say "still working".
#[derive(Clone)]
pub struct Beat {
    start: Instant,
    last_ms: Arc<AtomicU64>,
}

impl Beat {
    pub fn beat(&self) {
        self.last_ms.store(self.start.elapsed().as_millis() as u64, Ordering::Relaxed);
    }
}

impl Liveness {
    pub fn new() -> Arc<Self> {
        Arc::new(Liveness { start: Instant::now(), tasks: Mutex::new(Vec::new()), stopping: AtomicBool::new(false) })
    }

    /// Registers a task that beats at least every `max_silence`.
    pub fn register(&self, name: &'static str, max_silence: Duration) -> Beat {
        let last_ms = Arc::new(AtomicU64::new(self.start.elapsed().as_millis() as u64));
        let mut tasks = self.tasks.lock().unwrap_or_else(|e| e.into_inner());
        tasks.push(Task { name, last_ms: last_ms.clone(), max_silence });
        Beat { start: self.start, last_ms }
    }

    /// Tasks silent for longer than they may be, with how long.
    pub fn stale(&self) -> Vec<(&'static str, Duration)> {
        let now = self.start.elapsed();
        let tasks = self.tasks.lock().unwrap_or_else(|e| e.into_inner());
        tasks
            .iter()
            .filter_map(|t| {
                let silent = now.saturating_sub(Duration::from_millis(t.last_ms.load(Ordering::Relaxed)));
                (silent > t.max_silence).then_some((t.name, silent))
            })
            .collect()
    }

    pub fn begin_shutdown(&self) {
        self.stopping.store(true, Ordering::SeqCst);
    }

    pub fn stopping(&self) -> bool {
        self.stopping.load(Ordering::SeqCst)
    }

    /// Exits the process if a task hangs. Called by the watchdog before each ping.
    pub fn check_or_exit(&self) {
        let stale = self.stale();
        if !stale.is_empty() && !self.stopping() {
            for (name, silent) in &stale {
                tracing::error!(
                    task = name,
                    silent_secs = silent.as_secs(),
                    "background task hangs; exiting for a restart"
                );
            }
            std::process::exit(EXIT_TASK_FAILED);
        }
    }
}

/// Spawns `fut` on `rt` and watches it: if it ends or panics while the kiosk is not
/// shutting down, the process exits with [`EXIT_TASK_FAILED`].
pub fn spawn<F>(rt: &tokio::runtime::Handle, live: &Arc<Liveness>, name: &'static str, fut: F)
where
    F: Future<Output = ()> + Send + 'static,
{
    let handle = rt.spawn(fut);
    watch(rt, live, name, handle);
}

/// Watches a task spawned elsewhere (see [`spawn`]).
pub fn watch(
    rt: &tokio::runtime::Handle,
    live: &Arc<Liveness>,
    name: &'static str,
    handle: tokio::task::JoinHandle<()>,
) {
    let live = live.clone();
    rt.spawn(async move {
        let res = handle.await;
        if live.stopping() {
            return;
        }
        match res {
            // The runtime itself is being dropped (tests, shutdown): nothing failed.
            Err(e) if e.is_cancelled() => return,
            Err(e) => tracing::error!(task = name, error = %e, "background task panicked; exiting for a restart"),
            Ok(()) => tracing::error!(task = name, "background task ended; exiting for a restart"),
        }
        std::process::exit(EXIT_TASK_FAILED);
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn silent_tasks_are_found_and_beats_clear_them() {
        let live = Liveness::new();
        let quick = live.register("quick", Duration::from_millis(20));
        let _slow = live.register("slow", Duration::from_secs(3600));
        assert!(live.stale().is_empty());
        std::thread::sleep(Duration::from_millis(40));
        let stale: Vec<_> = live.stale().into_iter().map(|(n, _)| n).collect();
        assert_eq!(stale, vec!["quick"]);
        quick.beat();
        assert!(live.stale().is_empty());
    }
}

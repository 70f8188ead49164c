//! The running kiosk's answers on the control socket (`kiosk diag …` while it runs):
//! status from its live facts and open database, self-tests on its open devices (never
//! while a citizen is served), the queue, the audit log, and pause / resume through the
//! journey loop, which owns the screen.

use super::{Answer, BoxFuture, Handler, QueueAction, Request};
use crate::catalog::CatalogCell;
use crate::config::Config;
use crate::diag::{self, Source};
use crate::journey::DeviceHealth;
use crate::ops::audit::{AuditEvent, Outcome};
use crate::ops::{Actor, Ops, SelfTestKind};
use crate::runtime::selftest;
use crate::runtime::{Control, ControlTx, Devices};
use crate::store::Store;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::Notify;

/// How often wait-idle looks at the session flag.
const IDLE_POLL: Duration = Duration::from_millis(200);
/// The longest wait-idle a request may ask for.
const IDLE_MAX: Duration = Duration::from_secs(24 * 3600);
/// How long the journey loop may take to take a pause or resume.
const CONTROL_REPLY: Duration = Duration::from_secs(10);

/// The message a technician gets while a citizen uses the terminal.
pub const IN_SESSION: &str =
    "有市民正在办理 / a citizen is using the terminal; try again after `kiosk diag service wait-idle`";

/// What the handler works with: the kiosk's own open parts.
pub struct Parts {
    pub cfg: Config,
    pub store: Arc<Store>,
    pub ctl: ControlTx,
    pub in_session: Arc<AtomicBool>,
    pub ops: Arc<Ops>,
    pub devices: Devices,
    pub catalog: Arc<CatalogCell>,
    pub outbox_wake: Arc<Notify>,
    pub selftest: selftest::Facts,
}

/// [`Handler`] for the running kiosk.
pub struct KioskHandler {
    p: Arc<Parts>,
    /// The devices as last seen (kept while a session leaves them alone).
    last: Arc<Mutex<DeviceHealth>>,
}

impl KioskHandler {
    pub fn new(parts: Parts) -> KioskHandler {
        KioskHandler { p: Arc::new(parts), last: Arc::default() }
    }
}

impl Handler for KioskHandler {
    fn handle(&self, req: Request, by: Actor) -> BoxFuture<Answer> {
        let (p, last) = (self.p.clone(), self.last.clone());
        Box::pin(async move {
            let res = match req {
                Request::Status => status(&p, &last).await,
                Request::Selftest { test } => selftest(&p, test, by).await,
                Request::Queue { action } => queue(&p, action).await,
                Request::Audit { since_ms } => audit(&p, since_ms, by).await,
                Request::Pause { reason } => {
                    let (reply, answer) = tokio::sync::oneshot::channel();
                    control(&p, Control::Pause { reason: reason.clone(), by, reply }, answer)
                        .await
                        .map(|()| serde_json::json!({ "paused": true, "reason": reason }))
                }
                Request::Resume => {
                    let (reply, answer) = tokio::sync::oneshot::channel();
                    control(&p, Control::Resume { by, reply }, answer)
                        .await
                        .map(|()| serde_json::json!({ "paused": false }))
                }
                Request::WaitIdle { timeout_secs } => wait_idle(&p.in_session, Duration::from_secs(timeout_secs)).await,
            };
            match res {
                Ok(v) => Answer::data(v),
                Err(e) => Answer::error(e),
            }
        })
    }

    fn refused(&self, detail: &str) {
        let store = self.p.store.clone();
        let detail = detail.to_string();
        // The audit write must not hold up the accept loop.
        tokio::task::spawn_blocking(move || {
            let _ = store.audit_event(AuditEvent::ControlRefused, Actor::System, Outcome::Refused, &detail);
        });
    }
}

/// Runs `f` with the store on the blocking pool.
async fn blocking<T: Send + 'static>(
    p: &Arc<Parts>,
    f: impl FnOnce(&Parts) -> Result<T, String> + Send + 'static,
) -> Result<T, String> {
    let p = p.clone();
    tokio::task::spawn_blocking(move || f(&p)).await.map_err(|e| format!("internal error: {e}"))?
}

async fn status(p: &Arc<Parts>, last: &Arc<Mutex<DeviceHealth>>) -> Result<serde_json::Value, String> {
    let in_session = p.in_session.load(Ordering::Relaxed);
    let seen = last.lock().unwrap_or_else(|e| e.into_inner()).clone();
    // Idle: look now, as the monitor does (a device a session holds keeps its last state).
    let devices = if in_session {
        seen
    } else {
        let (d, prev, last) = (p.devices.clone(), seen, last.clone());
        tokio::task::spawn_blocking(move || {
            let now = crate::runtime::monitor::probe(&d, &prev);
            *last.lock().unwrap_or_else(|e| e.into_inner()) = now.clone();
            now
        })
        .await
        .map_err(|e| format!("internal error: {e}"))?
    };
    let facts = blocking(p, |p| diag::store_facts(&p.store)).await?;
    let live = diag::Live {
        uptime_secs: p.ops.uptime_secs(),
        screen: p.ops.screen().to_string(),
        last_frame_ms: p.ops.last_frame_ms(),
        in_session: p.in_session.load(Ordering::Relaxed),
        catalog: p.catalog.current().version.clone(),
    };
    let status = diag::assemble(&p.cfg, Source::Socket, devices, facts, Some(live));
    serde_json::to_value(status).map_err(|e| e.to_string())
}

async fn selftest(p: &Arc<Parts>, test: SelfTestKind, by: Actor) -> Result<serde_json::Value, String> {
    let ev = AuditEvent::selftest(test);
    if p.in_session.load(Ordering::Relaxed) {
        let store = p.store.clone();
        let _ = tokio::task::spawn_blocking(move || {
            store.audit_event(ev, by, Outcome::Refused, "a citizen's session is open")
        })
        .await;
        return Err(IN_SESSION.into());
    }
    let report = selftest::run(test, p.devices.clone(), p.selftest.clone()).await;
    let (store, outcome, summary) =
        (p.store.clone(), if report.ok { Outcome::Ok } else { Outcome::Failed }, report.summary.clone());
    let _ =
        tokio::task::spawn_blocking(move || store.audit_event(ev, by, outcome, &crate::logging::scrub(&summary))).await;
    serde_json::to_value(&report).map_err(|e| e.to_string())
}

async fn queue(p: &Arc<Parts>, action: Option<QueueAction>) -> Result<serde_json::Value, String> {
    let retried = matches!(action, Some(QueueAction::Retry { .. }));
    let v = blocking(p, move |p| queue_report(&p.store, action.as_ref())).await?;
    if retried {
        // "Queue it again and try it at once."
        p.outbox_wake.notify_one();
    }
    Ok(v)
}

/// `diag queue [retry|purge NO]` on an open store: what was done, the counts, and the
/// items by provisional number (never personal data). Retry and purge are audited.
pub fn queue_report(store: &Store, action: Option<&QueueAction>) -> Result<serde_json::Value, String> {
    let e = |e: crate::store::StoreError| e.to_string();
    let done = match action {
        None => None,
        Some(a) => {
            let (what, no, n) = match a {
                QueueAction::Retry { local_no } => ("retry", local_no, store.retry_item(local_no).map_err(e)?),
                QueueAction::Purge { local_no } => ("purge", local_no, store.purge_item(local_no).map_err(e)?),
            };
            if n == 0 {
                return Err(format!("{no}: no queued or held item with this number"));
            }
            Some(serde_json::json!({ "action": what, "local_no": no, "items": n }))
        }
    };
    Ok(serde_json::json!({
        "done": done,
        "stats": store.queue_stats().map_err(e)?,
        "items": store.queue_rows().map_err(e)?,
    }))
}

async fn audit(p: &Arc<Parts>, since_ms: i64, by: Actor) -> Result<serde_json::Value, String> {
    blocking(p, move |p| {
        let rows = p.store.audit_since(since_ms).map_err(|e| e.to_string())?;
        let _ = p.store.audit_event(
            AuditEvent::LogsExport,
            by,
            Outcome::Ok,
            &format!("{} audit rows since {since_ms}", rows.len()),
        );
        serde_json::to_value(rows).map_err(|e| e.to_string())
    })
    .await
}

/// Sends a pause or resume to the journey loop and waits for its word.
async fn control(
    p: &Arc<Parts>,
    msg: Control,
    answer: tokio::sync::oneshot::Receiver<Result<(), String>>,
) -> Result<(), String> {
    p.ctl.send(msg).map_err(|_| "the kiosk is stopping".to_string())?;
    match tokio::time::timeout(CONTROL_REPLY, answer).await {
        Ok(Ok(res)) => res,
        Ok(Err(_)) => Err("the kiosk is stopping".into()),
        Err(_) => Err(format!("the journey loop did not answer within {} s", CONTROL_REPLY.as_secs())),
    }
}

/// Answers once no citizen's session is open, or errors after `timeout`.
pub async fn wait_idle(in_session: &AtomicBool, timeout: Duration) -> Result<serde_json::Value, String> {
    let started = Instant::now();
    let timeout = timeout.min(IDLE_MAX);
    loop {
        if !in_session.load(Ordering::Relaxed) {
            return Ok(serde_json::json!({ "idle": true, "waited_ms": started.elapsed().as_millis() as u64 }));
        }
        if started.elapsed() >= timeout {
            return Err(format!(
                "仍有市民在办理 / a citizen is still using the terminal after {} s; try again later",
                timeout.as_secs()
            ));
        }
        tokio::time::sleep(IDLE_POLL).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wait_idle_answers_at_once_when_idle_and_when_the_session_ends() {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        let flag = Arc::new(AtomicBool::new(false));
        let v = rt.block_on(wait_idle(&flag, Duration::from_secs(5))).unwrap();
        assert_eq!(v["idle"], true);
        assert!(v["waited_ms"].as_u64().unwrap() < 100);

        flag.store(true, Ordering::Relaxed);
        let e = rt.block_on(wait_idle(&flag, Duration::from_millis(300))).unwrap_err();
        assert!(e.contains("still using the terminal"), "{e}");

        let f = flag.clone();
        std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(400));
            f.store(false, Ordering::Relaxed);
        });
        let v = rt.block_on(wait_idle(&flag, Duration::from_secs(10))).unwrap();
        let waited = v["waited_ms"].as_u64().unwrap();
        assert!((300..2000).contains(&waited), "{waited}");
    }

    #[test]
    fn queue_report_names_an_unknown_number() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("kiosk.db")).unwrap();
        let v = queue_report(&store, None).unwrap();
        assert_eq!(v["stats"]["queued"], 0);
        assert_eq!(v["items"], serde_json::json!([]));
        let e = queue_report(&store, Some(&QueueAction::Purge { local_no: "XX-9".into() })).unwrap_err();
        assert_eq!(e, "XX-9: no queued or held item with this number");
    }
}

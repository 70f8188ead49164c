//! Runs the journey: receives events (touches, device results, ticks), steps the pure
//! state machine, publishes each new state as a `Snapshot` (whoever shows it, the UI,
//! builds its view from that) and executes the effects on tokio.
//! Blocking device calls run on tokio's blocking pool, never on the UI thread.

pub mod chime;
mod effects;
mod eid;
pub mod monitor;
pub mod ops;
mod progress;
pub mod selftest;

use crate::catalog::CatalogCell;
use crate::journey::{self, Ctx, Event, State, Timing};
use crate::outbox::Sealer;
use crate::profile::ProfileStore;
use crate::rating::RatingMapping;
use crate::store::Store;
use kiosk_hardware::{DocumentScanner, IdCardReader, ReceiptPrinter, ScannedPage};
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use tokio::sync::{mpsc, Notify};
use tokio_util::sync::CancellationToken;

pub type EventTx = mpsc::UnboundedSender<Event>;

/// Requests to the journey loop from the service supervisor, handled between events.
pub enum Control {
    /// Run this on the journey loop: the watchdog's round trip continues to the UI thread.
    Ping(Box<dyn FnOnce() + Send>),
    /// Wipe the session, let the durable write in progress finish, then answer.
    Shutdown(tokio::sync::oneshot::Sender<()>),
    /// Pause the service (out-of-service screen with the reason); refused with a message
    /// for the person asking while a citizen's session is open.
    Pause { reason: String, by: crate::ops::Actor, reply: tokio::sync::oneshot::Sender<Result<(), String>> },
    /// Resume the service.
    Resume { by: crate::ops::Actor, reply: tokio::sync::oneshot::Sender<Result<(), String>> },
    /// Fault injection: the loop stops handling anything, for good.
    #[cfg(feature = "fault-injection")]
    Stall,
}

pub type ControlTx = mpsc::UnboundedSender<Control>;

/// Facts about this terminal the runtime needs.
#[derive(Debug, Clone)]
pub struct TerminalInfo {
    pub id: String,
    /// "centre · branch" (`Terminal::site`).
    pub site: String,
    pub help_phone: String,
    pub progress_url: String,
    /// The online service app receipts point to (豫事办).
    pub online_app: String,
    /// Working days to bring a deferred material (receipts, commitments' due dates).
    pub deferral_days: u32,
    pub timing: Timing,
    pub rating: RatingMapping,
    /// 证件类型代码 per card kind, for cases.
    pub id_types: crate::identity::IdTypes,
    /// Times on screens and receipts.
    pub tz: chrono_tz::Tz,
    /// How long the durable write behind 提交 may take.
    pub submit_deadline: std::time::Duration,
}

#[derive(Clone)]
pub struct Devices {
    pub idcard: Arc<Mutex<Box<dyn IdCardReader>>>,
    pub printer: Arc<Mutex<Box<dyn ReceiptPrinter>>>,
    pub scanner: Arc<Mutex<Box<dyn DocumentScanner>>>,
}

impl Devices {
    pub fn new(
        idcard: Box<dyn IdCardReader>,
        printer: Box<dyn ReceiptPrinter>,
        scanner: Box<dyn DocumentScanner>,
    ) -> Self {
        Self {
            idcard: Arc::new(Mutex::new(idcard)),
            printer: Arc::new(Mutex::new(printer)),
            scanner: Arc::new(Mutex::new(scanner)),
        }
    }
}

pub struct Services {
    /// The catalog in use; sync swaps it between events.
    pub catalog: Arc<CatalogCell>,
    /// 一人一档; None when it could not be opened (the kiosk works without it).
    pub profiles: Option<Arc<ProfileStore>>,
    pub store: Arc<Store>,
    pub sealer: Arc<Sealer>,
    /// Wakes the outbox worker when something was queued.
    pub outbox_wake: Arc<Notify>,
    pub terminal: TerminalInfo,
    /// Set while a citizen's session is open: the device monitor leaves devices alone.
    pub in_session: Arc<AtomicBool>,
    /// Live facts for the heartbeat, `diag status` and the host screens.
    pub ops: Arc<crate::ops::Ops>,
    /// The maintenance PINs; None when they cannot be read (the entry then says so).
    pub pins: Option<Arc<crate::pin::Pins>>,
    /// The platform, for 帮办 calls; None in tests without one.
    pub client: Option<crate::intake::IntakeClient>,
    /// The local chime for 帮办 calls.
    pub chime: Arc<dyn crate::runtime::chime::Chime>,
    /// What the self-tests need besides the devices.
    pub selftest: crate::runtime::selftest::Facts,
    /// What the technician's pages show that does not change while running.
    pub facts: MaintFacts,
    /// 手写: the recognizer, opened when the 手写 tab is first used.
    pub handwriting: Arc<crate::handwriting::Handwriting>,
}

/// Versions, the configuration (secrets masked) and where the logs are, for the
/// technician's pages.
#[derive(Debug, Clone, Default)]
pub struct MaintFacts {
    pub versions: Vec<(String, String)>,
    pub config: Vec<(String, String)>,
    pub logs: Vec<(String, String)>,
}

pub(crate) fn send(sh: &Shared, ev: Event) {
    // The journey loop only ends with the process.
    let _ = sh.tx.send(ev);
}

pub use crate::ops::PreviewFrame;

/// What the journey shows now: its state, the catalog it was stepped with and, on the
/// Materials screen, the scanner's live picture (set by the runtime, not the journey).
#[derive(Debug, Clone)]
pub struct Snapshot {
    pub state: Arc<State>,
    pub catalog: Arc<crate::catalog::Catalog>,
    pub preview: Option<PreviewFrame>,
}

/// Receives every snapshot, in order: after each event, and again with each new preview
/// frame (same `state`). The UI bridge implements it; tests may pass a closure.
pub trait Snapshots: Send + Sync {
    fn publish(&self, snap: Snapshot);
}

impl<F: Fn(Snapshot) + Send + Sync> Snapshots for F {
    fn publish(&self, snap: Snapshot) {
        self(snap)
    }
}

pub type ViewSink = Arc<dyn Snapshots>;

/// Several sinks, each given every snapshot in turn (the UI, then the voice).
pub struct Fanout(pub Vec<ViewSink>);

impl Snapshots for Fanout {
    fn publish(&self, snap: Snapshot) {
        for sink in &self.0 {
            sink.publish(snap.clone());
        }
    }
}

/// Everything the effect executors share.
pub(crate) struct Shared {
    pub services: Services,
    pub devices: Devices,
    pub tx: EventTx,
    /// Scanned pages of the current session, by material key. Wiped with the session.
    pub scans: Mutex<HashMap<String, Vec<ScannedPage>>>,
    /// Cancels the card-polling loop running now (a new start cancels the old one).
    pub reading: Mutex<Option<CancellationToken>>,
    /// Cancels the scanner's live preview; Some while it runs.
    pub preview: Mutex<Option<CancellationToken>>,
    /// Cancels the camera's QR reader (`Effect::ReadQr`); Some while it runs.
    pub qr: Mutex<Option<CancellationToken>>,
    /// The last snapshot published, so preview frames can be sent between events.
    pub last: Mutex<Option<Snapshot>>,
    pub sink: ViewSink,
}

/// Publishes a new journey state, keeping the live preview frame on the Materials
/// screen. Snapshots are sent while holding `last`, so the sink receives them in the
/// order they were made and a preview frame never brings back an older journey state.
pub(crate) fn push_view(sh: &Shared, state: &State, catalog: Arc<crate::catalog::Catalog>) {
    let mut last = sh.last.lock().unwrap_or_else(|e| e.into_inner());
    let preview =
        if state.screen == journey::Screen::Materials { last.as_ref().and_then(|l| l.preview.clone()) } else { None };
    let snap = Snapshot { state: Arc::new(state.clone()), catalog, preview };
    *last = Some(snap.clone());
    sh.sink.publish(snap);
}

/// Puts a new preview frame on the last snapshot and publishes it.
pub(crate) fn push_preview(sh: &Shared, frame: PreviewFrame) {
    let mut last = sh.last.lock().unwrap_or_else(|e| e.into_inner());
    let Some(snap) = last.as_mut().filter(|l| l.state.screen == journey::Screen::Materials) else {
        return;
    };
    snap.preview = Some(frame);
    sh.sink.publish(snap.clone());
}

/// Drops the preview frame kept for the next snapshot (the preview stopped).
pub(crate) fn clear_preview(sh: &Shared) {
    if let Some(l) = sh.last.lock().unwrap_or_else(|e| e.into_inner()).as_mut() {
        l.preview = None;
    }
}

/// Starts the journey loop and the 1 Hz ticker on `rt`; returns the event sender and
/// the control sender.
pub fn start(
    rt: &tokio::runtime::Handle,
    services: Services,
    devices: Devices,
    sink: ViewSink,
) -> (EventTx, ControlTx, tokio::task::JoinHandle<()>) {
    let (tx, mut rx) = mpsc::unbounded_channel::<Event>();
    let (ctl_tx, mut ctl) = mpsc::unbounded_channel::<Control>();
    let shared = Arc::new(Shared {
        services,
        devices,
        tx: tx.clone(),
        scans: Mutex::new(HashMap::new()),
        reading: Mutex::new(None),
        preview: Mutex::new(None),
        qr: Mutex::new(None),
        last: Mutex::new(None),
        sink,
    });
    let ticker = tx.clone();
    rt.spawn(async move {
        let mut iv = tokio::time::interval(std::time::Duration::from_secs(1));
        iv.tick().await;
        loop {
            iv.tick().await;
            if ticker.send(Event::Tick(1)).is_err() {
                break;
            }
        }
    });
    let journey = rt.spawn(async move {
        let sh = shared;
        let mut state = State::new(sh.services.terminal.timing.idle_timeout);
        // A pause survives a restart.
        let store = sh.services.store.clone();
        if let Ok(Some(oos)) = tokio::task::spawn_blocking(move || ops::saved_service(&store)).await {
            state.out_of_service = Some(oos);
            state.screen = journey::Screen::OutOfService;
        }
        sh.services.ops.set_screen(state.screen.name());
        push_view(&sh, &state, sh.services.catalog.current());
        loop {
            let ev = tokio::select! {
                biased;
                Some(c) = ctl.recv() => match c {
                    Control::Ping(f) => {
                        f();
                        continue;
                    }
                    // The CLI never interrupts a citizen: refused while a session is open.
                    Control::Pause { reply, .. } | Control::Resume { reply, .. } if state.session.is_some() => {
                        let _ = reply.send(Err(
                            "有市民正在办理，未执行 / a citizen is using the terminal: try again after `kiosk diag service wait-idle`".into(),
                        ));
                        continue;
                    }
                    Control::Pause { reason, by, reply } => {
                        let reason = reason.trim().to_string();
                        if reason.is_empty() {
                            let _ = reply.send(Err("暂停需要原因 / a pause needs a reason (--reason)".into()));
                            continue;
                        }
                        let _ = reply.send(Ok(()));
                        let oos = crate::ops::OutOfService { reason, by, since_ms: crate::store::now_ms() };
                        Event::SetService { state: Some(oos), by }
                    }
                    Control::Resume { by, reply } => {
                        let _ = reply.send(Ok(()));
                        Event::SetService { state: None, by }
                    }
                    Control::Shutdown(done) => {
                        state = shutdown(&sh, state).await;
                        let _ = done.send(());
                        continue;
                    }
                    #[cfg(feature = "fault-injection")]
                    Control::Stall => {
                        tracing::warn!("fault injection: journey loop stalled");
                        std::future::pending::<()>().await;
                        continue;
                    }
                },
                ev = rx.recv() => match ev {
                    Some(ev) => ev,
                    None => break,
                },
            };
            let today = crate::clock::now(sh.services.terminal.tz).format("%Y%m%d").to_string();
            // One snapshot per event: a sync never changes the catalog mid-step.
            let catalog = sh.services.catalog.current();
            let ctx = Ctx { catalog: &catalog, today: &today, now_ms: crate::store::now_ms(), timing: sh.services.terminal.timing };
            let before = (state.screen, state.idle_left);
            let (next, fx) = journey::step(state, ev, &ctx);
            state = next;
            if before.0 != state.screen {
                tracing::info!(screen = state.screen.name(), "screen");
                sh.services.ops.set_screen(state.screen.name());
            }
            sh.services.in_session.store(state.session.is_some(), Ordering::Relaxed);
            push_view(&sh, &state, catalog.clone());
            effects::sync_preview(&sh, state.screen == journey::Screen::Materials);
            for e in fx {
                effects::execute(&sh, e);
            }
        }
    });
    (tx, ctl_tx, journey)
}

/// SIGTERM/SIGINT: the session is wiped (scans, card data, strokes) and shown as ended,
/// then the durable write in progress, if any, is waited for (the store's lock is held
/// for the whole transaction).
async fn shutdown(sh: &Arc<Shared>, state: State) -> State {
    let catalog = sh.services.catalog.current();
    let today = crate::clock::now(sh.services.terminal.tz).format("%Y%m%d").to_string();
    let ctx =
        Ctx { catalog: &catalog, today: &today, now_ms: crate::store::now_ms(), timing: sh.services.terminal.timing };
    let (state, fx) = journey::step(state, Event::Shutdown, &ctx);
    sh.services.in_session.store(false, Ordering::Relaxed);
    push_view(sh, &state, catalog.clone());
    effects::sync_preview(sh, false);
    for e in fx {
        effects::execute(sh, e);
    }
    let store = sh.services.store.clone();
    let barrier = tokio::task::spawn_blocking(move || store.barrier());
    if tokio::time::timeout(std::time::Duration::from_secs(4), barrier).await.is_err() {
        tracing::error!("shutdown: the durable write did not finish in 4 s; SQLite rolls it back");
    }
    state
}

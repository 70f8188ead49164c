//! Runs the journey: receives events (touches, device results, ticks), steps the pure
//! state machine, pushes the new view to the UI and executes the effects on tokio.
//! Blocking device calls run on tokio's blocking pool, never on the UI thread.

mod effects;
pub mod monitor;

use crate::catalog::profile::ProfileStore;
use crate::catalog::sync::CatalogCell;
use crate::journey::{self, Ctx, Event, State, Timing};
use crate::outbox::Sealer;
use crate::rating::RatingMapping;
use crate::store::Store;
use crate::ui::view::{self, View};
use kiosk_hardware::{DocumentScanner, IdCardReader, ReceiptPrinter, ScannedPage};
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use tokio::sync::{mpsc, Notify};

pub type EventTx = mpsc::UnboundedSender<Event>;

/// Requests to the journey loop from the service supervisor, handled between events.
pub enum Control {
    /// Run this on the journey loop: the watchdog's round trip continues to the UI thread.
    Ping(Box<dyn FnOnce() + Send>),
    /// Wipe the session, let the durable write in progress finish, then answer.
    Shutdown(tokio::sync::oneshot::Sender<()>),
    /// Fault injection: the loop stops handling anything, for good.
    #[cfg(feature = "fault-injection")]
    Stall,
}

pub type ControlTx = mpsc::UnboundedSender<Control>;

/// Facts about this terminal the runtime needs.
#[derive(Debug, Clone)]
pub struct TerminalInfo {
    pub id: String,
    pub site: String,
    pub help_phone: String,
    pub progress_url: String,
    pub timing: Timing,
    pub rating: RatingMapping,
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
}

/// Receives each new view; the UI implements it with `invoke_from_event_loop`.
pub type ViewSink = Arc<dyn Fn(View) + Send + Sync>;

/// Everything the effect executors share.
pub(crate) struct Shared {
    pub services: Services,
    pub devices: Devices,
    pub tx: EventTx,
    /// Scanned pages of the current session, by material key. Wiped with the session.
    pub scans: Mutex<HashMap<String, Vec<ScannedPage>>>,
    /// Bumped to stop the card-polling loop.
    pub reading_gen: AtomicU64,
    /// Bumped to stop the scanner's live preview; odd while it runs.
    pub preview_gen: AtomicU64,
    /// The last view sent, so preview frames can be pushed between events.
    pub last_view: Mutex<View>,
    pub sink: ViewSink,
}

/// Sends a view to the UI, keeping the live preview frame across journey updates.
/// Views are sent while holding `last_view`, so the UI receives them in the order they
/// were made and a preview frame never brings back an older journey state.
pub(crate) fn push_view(sh: &Shared, mut v: View) {
    let mut last = sh.last_view.lock().unwrap_or_else(|e| e.into_inner());
    if v.screen == Some(journey::Screen::Materials) {
        v.preview = last.preview.clone();
    }
    *last = v.clone();
    (sh.sink)(v);
}

/// Puts a new preview frame on the current view and sends it.
pub(crate) fn push_preview(sh: &Shared, frame: crate::ui::view::PreviewFrame) {
    let mut last = sh.last_view.lock().unwrap_or_else(|e| e.into_inner());
    if last.screen != Some(journey::Screen::Materials) {
        return;
    }
    last.preview = Some(frame);
    (sh.sink)(last.clone());
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
        reading_gen: AtomicU64::new(0),
        preview_gen: AtomicU64::new(0),
        last_view: Mutex::new(View::default()),
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
        push_view(&sh, view::build(&state, &sh.services.catalog.current(), &sh.services.terminal.progress_url));
        loop {
            let ev = tokio::select! {
                biased;
                Some(c) = ctl.recv() => match c {
                    Control::Ping(f) => {
                        f();
                        continue;
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
            let ctx = Ctx { catalog: &catalog, today: &today, timing: sh.services.terminal.timing };
            let before = (state.screen, state.idle_left);
            let (next, fx) = journey::step(state, ev, &ctx);
            state = next;
            if before.0 != state.screen {
                tracing::info!(screen = state.screen.name(), "screen");
            }
            sh.services.in_session.store(state.session.is_some(), Ordering::Relaxed);
            push_view(&sh, view::build(&state, &catalog, &sh.services.terminal.progress_url));
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
    let ctx = Ctx { catalog: &catalog, today: &today, timing: sh.services.terminal.timing };
    let (state, fx) = journey::step(state, Event::Shutdown, &ctx);
    sh.services.in_session.store(false, Ordering::Relaxed);
    push_view(sh, view::build(&state, &catalog, &sh.services.terminal.progress_url));
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

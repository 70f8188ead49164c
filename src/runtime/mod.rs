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

/// Facts about this terminal the runtime needs.
#[derive(Debug, Clone)]
pub struct TerminalInfo {
    pub id: String,
    pub site: String,
    pub help_phone: String,
    pub progress_url: String,
    pub timing: Timing,
    pub rating: RatingMapping,
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

/// Starts the journey loop and the 1 Hz ticker on `rt`; returns the event sender.
pub fn start(rt: &tokio::runtime::Handle, services: Services, devices: Devices, sink: ViewSink) -> EventTx {
    let (tx, mut rx) = mpsc::unbounded_channel::<Event>();
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
    rt.spawn(async move {
        let sh = shared;
        let mut state = State::new(sh.services.terminal.timing.idle_timeout);
        push_view(&sh, view::build(&state, &sh.services.catalog.current(), &sh.services.terminal.progress_url));
        while let Some(ev) = rx.recv().await {
            let today = chrono::Local::now().format("%Y%m%d").to_string();
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
    tx
}

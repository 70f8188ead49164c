//! The kiosk as a system service: a locked window, systemd readiness and watchdog,
//! clean stop on SIGTERM/SIGINT, and a panic hook that logs (masked) before the abort.
//!
//! The watchdog ping is a round trip: a timer on the runtime asks the journey loop,
//! which hops to the UI thread, which answers. A stuck journey loop or a stuck UI event
//! loop therefore stops the pings and systemd restarts the kiosk.

use crate::app::Kiosk;
use crate::config::{Config, Display};
use crate::runtime::{Control, ViewSink};
use sd_notify::NotifyState;
use slint::ComponentHandle;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

#[derive(Debug)]
pub enum RunError {
    /// Configuration or keys: a restart cannot fix it (exit 2).
    Refused(String),
    Failed(String),
}

/// SIGTERM to exit: the session is wiped and the durable write finished well within
/// systemd's stop timeout.
const STOP_WITHIN: Duration = Duration::from_millis(4500);

/// Logs a panic with personal data masked, then lets the default hook (or, in release,
/// `panic = "abort"`) end the process.
pub fn install_panic_hook() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let msg = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_default();
        let at = info.location().map(|l| format!("{}:{}", l.file(), l.line())).unwrap_or_default();
        tracing::error!(at = %at, "panic: {}", crate::logging::scrub(&msg));
        // The default hook prints the raw message to stderr: only in development.
        if cfg!(debug_assertions) {
            default(info);
        }
    }));
}

/// Runs the kiosk until SIGTERM/SIGINT (Ok) or a failure.
pub fn run(cfg: Config) -> Result<(), RunError> {
    let started = Instant::now();
    // Refusals first: a terminal without keys never gets as far as the screen.
    crate::app::check_keys(&cfg).map_err(|e| RunError::Refused(e.to_string()))?;
    select_backend(&cfg)?;
    // Only a terminal owns its VT; a developer's console keeps its keyboard.
    let _vt = if cfg.is_demo() { None } else { VtLock::take() };
    // A device missing or faulty now is degraded, not fatal (the monitor reports it).
    let (devices, _rig) = crate::devices::open(&cfg).map_err(|e| RunError::Failed(e.to_string()))?;
    let app = crate::ui::AppWindow::new().map_err(|e| {
        RunError::Failed(format!(
            "无法打开显示 / cannot open the display ({} backend): {e}. A terminal needs a DRM device \
             (/dev/dri/card*) for linuxkms; see docs/deploy.md for the cage fallback.",
            cfg.display.backend_name(cfg.terminal.mode)
        ))
    })?;
    crate::ui::set_terminal(&app, &cfg.terminal);
    lock_window(&app, &cfg.display);

    let first = Arc::new(AtomicBool::new(false));
    let display = cfg.display.clone();
    let ui: ViewSink = Arc::new(crate::ui::sink(&app, &cfg.terminal).after_apply(move |app| {
        if !first.swap(true, Ordering::SeqCst) {
            // The event loop runs, so the window is shown: lock it and say ready.
            lock_shown_window(app, &display);
            notify(NotifyState::Ready);
            tracing::info!(ms = started.elapsed().as_millis() as u64, "first screen shown; ready");
        }
    }));
    // Voice prompts observe the same snapshots as the screen.
    let voice = crate::voice::Voice::new(&cfg);
    let sink: ViewSink = Arc::new(crate::runtime::Fanout(vec![ui, voice.sink.clone()]));
    let kiosk = Kiosk::start(&cfg, devices, sink).map_err(|e| {
        if e.is_refusal() {
            RunError::Refused(e.to_string())
        } else {
            RunError::Failed(e.to_string())
        }
    })?;
    voice.start(kiosk.rt.handle(), kiosk.store.clone());
    crate::ui::connect(&app, kiosk.tx.clone());
    let _frames = crate::ui::watch_frames(&app, kiosk.ops.clone());
    spawn_signals(&kiosk);
    spawn_watchdog(&kiosk);
    #[cfg(feature = "fault-injection")]
    spawn_fault_switches(&kiosk);
    tracing::info!(terminal = %cfg.terminal.id, version = crate::VERSION, mode = ?cfg.terminal.mode, "kiosk started");

    let res = app.run();
    let stopping = kiosk.live.stopping();
    let Kiosk { rt, .. } = kiosk;
    rt.shutdown_timeout(Duration::from_millis(500));
    match res {
        Ok(()) if stopping => {
            tracing::info!("stopped");
            Ok(())
        }
        Ok(()) => Err(RunError::Failed("the UI event loop ended without a stop request".into())),
        Err(e) => Err(RunError::Failed(format!("UI event loop: {e}"))),
    }
}

/// On tty1 (systemd's TTYPath) the kernel's keyboard handling is switched off while the
/// kiosk runs: Ctrl+C or Ctrl+Z on a keyboard plugged into the terminal would otherwise
/// reach it as a signal, and the console would draw over the panel. Restored on drop.
struct VtLock {
    kb_mode: libc::c_long,
}

impl VtLock {
    // linux/kd.h
    const KDGKBMODE: libc::c_ulong = 0x4B44;
    const KDSKBMODE: libc::c_ulong = 0x4B45;
    const KDSETMODE: libc::c_ulong = 0x4B3A;
    const K_OFF: libc::c_long = 0x04;
    const KD_TEXT: libc::c_long = 0;
    const KD_GRAPHICS: libc::c_long = 1;

    fn take() -> Option<VtLock> {
        let mut kb_mode: libc::c_long = 0;
        // SAFETY: plain ioctls on fd 0 with an integer argument or out-pointer; they fail
        // harmlessly (ENOTTY) when stdin is not a virtual terminal.
        unsafe {
            if libc::ioctl(0, Self::KDGKBMODE as _, &mut kb_mode) != 0 {
                return None;
            }
            libc::ioctl(0, Self::KDSKBMODE as _, Self::K_OFF);
            libc::ioctl(0, Self::KDSETMODE as _, Self::KD_GRAPHICS);
        }
        tracing::info!("virtual terminal keyboard off while the kiosk runs");
        Some(VtLock { kb_mode })
    }
}

impl Drop for VtLock {
    fn drop(&mut self) {
        // SAFETY: as in take().
        unsafe {
            libc::ioctl(0, Self::KDSETMODE as _, Self::KD_TEXT);
            libc::ioctl(0, Self::KDSKBMODE as _, self.kb_mode);
        }
    }
}

/// Tells systemd without ever blocking the caller: the notify socket is a blocking
/// datagram socket, and a manager slow to read it must not stall the UI thread or a
/// runtime worker. One thread sends, in order.
fn notify(state: NotifyState<'static>) {
    use std::sync::{mpsc, Mutex, OnceLock};
    static TX: OnceLock<Mutex<mpsc::Sender<NotifyState<'static>>>> = OnceLock::new();
    let tx = TX.get_or_init(|| {
        let (tx, rx) = mpsc::channel::<NotifyState<'static>>();
        let _ = std::thread::Builder::new().name("sd-notify".into()).spawn(move || {
            for state in rx {
                if let Err(e) = sd_notify::notify(&[state]) {
                    tracing::warn!(error = %e, "sd_notify failed");
                }
            }
        });
        Mutex::new(tx)
    });
    let _ = tx.lock().unwrap_or_else(|e| e.into_inner()).send(state);
}

/// LinuxKMS on a terminal, winit on a desktop or under cage; `SLINT_BACKEND` wins.
fn select_backend(cfg: &Config) -> Result<(), RunError> {
    if std::env::var_os("SLINT_BACKEND").is_some() {
        return Ok(());
    }
    let name = cfg.display.backend_name(cfg.terminal.mode);
    slint::BackendSelector::new()
        .backend_name(name.into())
        .select()
        .map_err(|e| RunError::Failed(format!("display backend {name}: {e}")))
}

/// A citizen cannot close the window (Alt+F4, a window manager's close button).
fn lock_window(app: &crate::ui::AppWindow, d: &Display) {
    app.window().on_close_requested(|| {
        tracing::warn!("window close request refused");
        slint::CloseRequestResponse::KeepWindowShown
    });
    app.set_frameless(d.fullscreen);
    if d.fullscreen {
        app.window().set_fullscreen(true);
    }
}

/// What needs the native window, which exists only once shown.
fn lock_shown_window(app: &crate::ui::AppWindow, d: &Display) {
    use slint::winit_030::WinitWindowAccessor;
    if d.fullscreen {
        app.window().set_fullscreen(true);
    }
    // LinuxKMS draws a cursor only for a mouse, never for touch; winit needs telling.
    let show = d.show_cursor;
    app.window().with_winit_window(|w| w.set_cursor_visible(show));
}

/// SIGTERM/SIGINT: stop taking touches, wipe the session, let the durable write finish,
/// quit the UI loop. Whatever hangs, the process exits 0 within [`STOP_WITHIN`].
fn spawn_signals(kiosk: &Kiosk) {
    use tokio::signal::unix::{signal, SignalKind};
    let (ctl, live) = (kiosk.ctl.clone(), kiosk.live.clone());
    kiosk.rt.spawn(async move {
        let (Ok(mut term), Ok(mut int)) = (signal(SignalKind::terminate()), signal(SignalKind::interrupt())) else {
            tracing::error!("cannot install signal handlers");
            return;
        };
        tokio::select! {
            _ = term.recv() => tracing::info!("SIGTERM: stopping"),
            _ = int.recv() => tracing::info!("SIGINT: stopping"),
        }
        live.begin_shutdown();
        let _ = std::thread::Builder::new().name("stop-deadline".into()).spawn(|| {
            std::thread::sleep(STOP_WITHIN);
            tracing::warn!("stop took too long; exiting now");
            std::process::exit(0);
        });
        notify(NotifyState::Stopping);
        let (done, wait) = tokio::sync::oneshot::channel();
        if ctl.send(Control::Shutdown(done)).is_ok() {
            let _ = tokio::time::timeout(STOP_WITHIN - Duration::from_millis(300), wait).await;
        }
        let _ = slint::invoke_from_event_loop(|| {
            let _ = slint::quit_event_loop();
        });
    });
}

/// Pings systemd at half the interval it asks for (`WATCHDOG_USEC`), each time after a
/// round trip through the journey loop and the UI thread, and checks that the
/// background tasks still beat. Without a systemd watchdog only the latter runs.
fn spawn_watchdog(kiosk: &Kiosk) {
    let period = sd_notify::watchdog_enabled();
    let (ctl, live) = (kiosk.ctl.clone(), kiosk.live.clone());
    let every = period.map_or(Duration::from_secs(10), |p| p / 2);
    if let Some(p) = period {
        tracing::info!(ms = p.as_millis() as u64, "systemd watchdog enabled");
    }
    kiosk.rt.spawn(async move {
        loop {
            tokio::time::sleep(every).await;
            live.check_or_exit();
            if period.is_none() || live.stopping() {
                continue;
            }
            let (answer, answered) = tokio::sync::oneshot::channel::<()>();
            let hop: Box<dyn FnOnce() + Send> = Box::new(move || {
                let _ = slint::invoke_from_event_loop(move || {
                    let _ = answer.send(());
                });
            });
            if ctl.send(Control::Ping(hop)).is_err() {
                continue;
            }
            match tokio::time::timeout(every, answered).await {
                Ok(Ok(())) => {
                    notify(NotifyState::Watchdog);
                }
                _ => tracing::error!("watchdog: no round trip through the journey loop and the UI; not pinging"),
            }
        }
    });
}

/// Fault injection for the watchdog test (demo build only): SIGUSR1 stalls the journey
/// loop, SIGUSR2 the UI thread, for good.
#[cfg(feature = "fault-injection")]
fn spawn_fault_switches(kiosk: &Kiosk) {
    use tokio::signal::unix::{signal, SignalKind};
    let ctl = kiosk.ctl.clone();
    kiosk.rt.spawn(async move {
        let (Ok(mut usr1), Ok(mut usr2)) = (signal(SignalKind::user_defined1()), signal(SignalKind::user_defined2()))
        else {
            return;
        };
        loop {
            tokio::select! {
                _ = usr1.recv() => {
                    let _ = ctl.send(Control::Stall);
                }
                _ = usr2.recv() => {
                    let _ = slint::invoke_from_event_loop(|| {
                        tracing::warn!("fault injection: UI thread stalled");
                        loop {
                            std::thread::sleep(Duration::from_secs(3600));
                        }
                    });
                }
            }
        }
    });
}

#[cfg(all(feature = "fault-injection", not(feature = "demo")))]
compile_error!("fault-injection is a development switch: only with the demo feature");

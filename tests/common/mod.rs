//! Test helpers: drive the headless UI from a script thread by accessible label.
#![allow(dead_code)]

use i_slint_backend_testing::{ElementHandle, ElementRoot};
use kiosk::ui::{AppWindow, ChromeAdapter, EditorAdapter, MaterialsAdapter, ScreenId};
use slint::platform::{PointerEventButton, WindowEvent};
use slint::{ComponentHandle, LogicalPosition};
use std::io::Write;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub const TIMEOUT: Duration = Duration::from_secs(20);

pub fn screenshots_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/screenshots")
}

/// Polls `f` until it returns Some, or panics after `limit`.
pub fn eventually<T>(limit: Duration, mut f: impl FnMut() -> Option<T>) -> T {
    let start = Instant::now();
    loop {
        if let Some(v) = f() {
            return v;
        }
        assert!(start.elapsed() < limit, "condition not met within {limit:?}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn is_touchable(e: &ElementHandle) -> bool {
    matches!(
        e.accessible_role(),
        Some(
            i_slint_backend_testing::AccessibleRole::Button
                | i_slint_backend_testing::AccessibleRole::Checkbox
                | i_slint_backend_testing::AccessibleRole::RadioButton
        )
    )
}

pub fn button_labels(app: &AppWindow) -> Vec<String> {
    app.root_element()
        .query_descendants()
        .match_predicate(is_touchable)
        .find_all()
        .iter()
        .filter(|e| e.accessible_enabled() != Some(false))
        .filter_map(|e| e.accessible_label().map(|l| l.to_string()))
        .collect()
}

/// Dark pixels (a glyph's ink) inside a box of the snapshot.
pub fn dark_pixels(img: &image::RgbaImage, x: u32, y: u32, w: u32, h: u32) -> usize {
    let mut n = 0;
    for yy in y..(y + h).min(img.height()) {
        for xx in x..(x + w).min(img.width()) {
            let p = img.get_pixel(xx, yy);
            if (p[0] as u32 + p[1] as u32 + p[2] as u32) < 200 {
                n += 1;
            }
        }
    }
    n
}

/// Runs closures on the UI thread from the script thread.
pub struct Driver {
    app: slint::Weak<AppWindow>,
}

impl Driver {
    pub fn new(app: slint::Weak<AppWindow>) -> Self {
        Self { app }
    }

    pub fn on_ui<R: Send + 'static>(&self, f: impl FnOnce(&AppWindow) -> R + Send + 'static) -> R {
        let (tx, rx) = std::sync::mpsc::channel();
        self.app
            .upgrade_in_event_loop(move |app| {
                let _ = tx.send(f(&app));
            })
            .expect("event loop running");
        rx.recv_timeout(TIMEOUT).expect("UI thread answered")
    }

    pub fn wait_until(&self, f: impl Fn(&AppWindow) -> bool + Send + Sync + Clone + 'static) {
        eventually(TIMEOUT, || {
            let f = f.clone();
            self.on_ui(move |app| f(app)).then_some(())
        })
    }

    pub fn wait_screen(&self, screen: ScreenId) {
        let start = Instant::now();
        loop {
            let now = self.on_ui(|app| app.global::<ChromeAdapter>().get_screen());
            if now == screen {
                return;
            }
            if start.elapsed() > TIMEOUT {
                let notice = self.on_ui(|app| app.global::<ChromeAdapter>().get_notice().to_string());
                self.shot(&format!("failed-waiting-for-{screen:?}"));
                panic!("waited for {screen:?}, still on {now:?}; notice: {notice:?}");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Taps the centre of the enabled button or checkbox whose accessible label is
    /// `label`, waiting for it to appear (the UI updates asynchronously).
    pub fn tap(&self, label: &str) {
        let start = Instant::now();
        loop {
            let l = label.to_string();
            let res = self.on_ui(move |app| {
                let found = ElementHandle::find_by_accessible_label(app, &l)
                    .filter(is_touchable)
                    .find(|e| e.accessible_enabled() != Some(false));
                let Some(e) = found else { return Err(format!("no button `{l}`; have {:?}", button_labels(app))) };
                let (p, s) = (e.absolute_position(), e.size());
                let position = LogicalPosition::new(p.x + s.width / 2.0, p.y + s.height / 2.0);
                let w = app.window();
                w.dispatch_event(WindowEvent::PointerMoved { position });
                w.dispatch_event(WindowEvent::PointerPressed { position, button: PointerEventButton::Left });
                w.dispatch_event(WindowEvent::PointerReleased { position, button: PointerEventButton::Left });
                w.dispatch_event(WindowEvent::PointerExited);
                Ok(())
            });
            match res {
                Ok(()) => return,
                Err(e) if start.elapsed() > TIMEOUT => panic!("{e}"),
                Err(_) => std::thread::sleep(Duration::from_millis(50)),
            }
        }
    }

    /// Holds a finger on the element labelled `label` for `held`, with real pointer events.
    pub fn long_press(&self, label: &str, held: Duration) {
        let l = label.to_string();
        let position = self.on_ui(move |app| {
            let e = ElementHandle::find_by_accessible_label(app, &l).next().expect("element to hold");
            let (p, s) = (e.absolute_position(), e.size());
            let position = LogicalPosition::new(p.x + s.width / 2.0, p.y + s.height / 2.0);
            let w = app.window();
            w.dispatch_event(WindowEvent::PointerMoved { position });
            w.dispatch_event(WindowEvent::PointerPressed { position, button: PointerEventButton::Left });
            position
        });
        std::thread::sleep(held);
        self.on_ui(move |app| {
            let w = app.window();
            w.dispatch_event(WindowEvent::PointerReleased { position, button: PointerEventButton::Left });
            w.dispatch_event(WindowEvent::PointerExited);
        });
    }

    /// Every text the screen shows (labels and values of all elements).
    pub fn all_text(&self) -> String {
        self.on_ui(|app| {
            let mut out = String::new();
            for e in app.root_element().query_descendants().find_all() {
                for t in [e.accessible_label(), e.accessible_value()].into_iter().flatten() {
                    out.push_str(&t);
                    out.push('\n');
                }
            }
            out
        })
    }

    /// Types digits on the on-screen keypad.
    pub fn type_digits(&self, digits: &str) {
        for c in digits.chars() {
            self.tap(&c.to_string());
        }
    }

    /// Photographs every material still to scan (not deferred), one after the other
    /// with the big button under the preview, waiting for each to be accepted. Rows
    /// may be scrolled out of view, so progress is read from the screen's model.
    pub fn capture_all_materials(&self) {
        use slint::Model;
        loop {
            let next = self.on_ui(|app| {
                let m = app.global::<MaterialsAdapter>();
                m.get_has_next_capture().then(|| m.get_next_capture_name().to_string())
            });
            let Some(name) = next else { break };
            self.tap(&format!("拍摄 {name}"));
            self.wait_until(move |app| {
                app.global::<MaterialsAdapter>()
                    .get_materials()
                    .iter()
                    .any(|m| m.name == name && m.state == kiosk::ui::MaterialState::Scanned)
            });
        }
    }

    /// From a filled form to the receipt: materials photographed, reviewed, submitted.
    pub fn submit_from_form(&self) {
        self.tap("下一步");
        self.wait_screen(ScreenId::Materials);
        self.capture_all_materials();
        self.tap("下一步");
        self.wait_screen(ScreenId::Review);
        self.tap("确认提交");
        self.wait_screen(ScreenId::Receipt);
    }

    /// Draws `points` (logical pixels inside the element labelled `label`) as one
    /// stroke with real pointer events.
    pub fn draw(&self, label: &str, points: Vec<(f32, f32)>) {
        let label = label.to_string();
        self.on_ui(move |app| {
            let e = ElementHandle::find_by_accessible_label(app, &label).next().expect("drawing area");
            let o = e.absolute_position();
            let w = app.window();
            let at = |(x, y): (f32, f32)| LogicalPosition::new(o.x + x, o.y + y);
            w.dispatch_event(WindowEvent::PointerMoved { position: at(points[0]) });
            w.dispatch_event(WindowEvent::PointerPressed { position: at(points[0]), button: PointerEventButton::Left });
            for &p in &points[1..] {
                w.dispatch_event(WindowEvent::PointerMoved { position: at(p) });
            }
            let last = at(points[points.len() - 1]);
            w.dispatch_event(WindowEvent::PointerReleased { position: last, button: PointerEventButton::Left });
            w.dispatch_event(WindowEvent::PointerExited);
        });
    }

    /// Types the phone on its editor and confirms it.
    pub fn enter_phone(&self, digits: &str) {
        self.edit_field("手机号码");
        self.type_digits(digits);
        self.confirm_edit();
    }

    /// From the guide of a chosen bundle to the form (the demo card is read on the way).
    pub fn through_guide(&self) {
        self.wait_screen(ScreenId::Guide);
        self.tap("我已了解，开始办理");
        self.wait_screen(ScreenId::Form);
    }

    /// Opens the form's editor on the row labelled `label`.
    pub fn edit_field(&self, label: &str) {
        self.tap(label);
        self.wait_until(|app| app.global::<EditorAdapter>().get_open());
    }

    /// Confirms the open editor and waits for the form to come back.
    pub fn confirm_edit(&self) {
        self.tap("确定填写");
        self.wait_until(|app| !app.global::<EditorAdapter>().get_open());
    }

    pub fn labels_with_prefix(&self, prefix: &str) -> Vec<String> {
        let prefix = prefix.to_string();
        self.on_ui(move |app| button_labels(app).into_iter().filter(|l| l.starts_with(&prefix)).collect())
    }

    /// Whether any element's accessible label or text value shows `text`.
    pub fn has_text(&self, text: &str) -> bool {
        let text = text.to_string();
        self.on_ui(move |app| {
            app.root_element()
                .query_descendants()
                .match_predicate(move |e| {
                    e.accessible_label().is_some_and(|l| l.contains(text.as_str()))
                        || e.accessible_value().is_some_and(|v| v.contains(text.as_str()))
                })
                .find_first()
                .is_some()
        })
    }

    /// Whether the button, check box or radio button labelled `label` is enabled and
    /// whether it is checked, as a screen reader sees them (None: not on screen).
    pub fn control_state(&self, label: &str) -> Option<(bool, bool)> {
        let label = label.to_string();
        self.on_ui(move |app| {
            ElementHandle::find_by_accessible_label(app, &label)
                .find(is_touchable)
                .map(|e| (e.accessible_enabled() != Some(false), e.accessible_checked() == Some(true)))
        })
    }

    /// Physical box (x, y, w, h) of the first element labelled `label`.
    pub fn rect_of(&self, label: &str) -> (u32, u32, u32, u32) {
        let label = label.to_string();
        self.on_ui(move |app| {
            let e = ElementHandle::find_by_accessible_label(app, &label).next().expect("element by label");
            let sf = app.window().scale_factor();
            let (p, s) = (e.absolute_position(), e.size());
            ((p.x * sf) as u32, (p.y * sf) as u32, (s.width * sf) as u32, (s.height * sf) as u32)
        })
    }

    /// Saves a PNG of the current screen under target/screenshots/ and returns it.
    pub fn shot(&self, name: &str) -> image::RgbaImage {
        let path = screenshots_dir().join(format!("{name}.png"));
        self.on_ui(move |app| kiosk::headless::save_png(app, &path)).expect("screenshot")
    }
}

/// Captures everything the process logs through `tracing`.
#[derive(Clone, Default)]
pub struct LogCapture(Arc<Mutex<Vec<u8>>>);

impl Write for LogCapture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl LogCapture {
    pub fn install() -> Self {
        let cap = LogCapture::default();
        let w = cap.clone();
        tracing_subscriber::fmt().with_env_filter("debug").with_ansi(false).with_writer(move || w.clone()).init();
        cap
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

/// A running kiosk (real runtime, store, outbox, simulator, emulators) with its headless
/// window; `run` drives it from a script thread while this thread runs the event loop.
pub struct Harness {
    pub kiosk: kiosk::app::Kiosk,
    pub rig: kiosk::devices::DemoRig,
    pub dir: tempfile::TempDir,
}

/// Handles the script thread may use to act on the emulated devices.
#[derive(Clone)]
pub struct Hands {
    pub reader: Arc<kiosk_hardware::idcard::Emulator>,
    pub printer: kiosk_hardware::printer::VirtualPrinterHandle,
    /// The emulated 高拍仪: `hold` a frame under it (a QR on a phone), `take_away` after.
    pub camera: kiosk_hardware::scanner::emulator::CameraLink,
    /// The embedded platform simulator (cases, heartbeats, help calls, commands).
    pub sim: Arc<intake_sim::Sim>,
    pub terminal_id: String,
    /// What the voice would have said (the null sink: nothing is played).
    pub voice: Arc<kiosk::voice::Recorder>,
}

/// Starts everything in demo configuration and runs `script`; panics in the script are
/// re-raised here after the event loop has stopped.
pub fn run<R: Send + 'static>(script: impl FnOnce(&Driver, &Hands) -> R + Send + 'static) -> (Harness, R) {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let (k, rig, r) = run_in(&data, |_| {}, script);
    (Harness { kiosk: k, rig, dir }, r)
}

/// `run` on a given data directory (a restart keeps its database and PINs), after
/// `prepare` has seen the configuration.
pub fn run_in<R: Send + 'static>(
    data: &std::path::Path,
    prepare: impl FnOnce(&mut kiosk::config::Config),
    script: impl FnOnce(&Driver, &Hands) -> R + Send + 'static,
) -> (kiosk::app::Kiosk, kiosk::devices::DemoRig, R) {
    // A second run in one process (a restart) finds the platform set up already.
    let _ = kiosk::headless::init(true);
    let mut cfg = kiosk::config::Config::demo();
    cfg.terminal.data_dir = data.to_path_buf();
    std::fs::create_dir_all(data).unwrap();
    prepare(&mut cfg);
    let (devices, rig) = kiosk::devices::open(&cfg).unwrap();
    let app = kiosk::headless::new_window().unwrap();
    kiosk::ui::set_terminal(&app, &cfg.terminal);
    let voice = Arc::new(kiosk::voice::Recorder::default());
    let sink: kiosk::runtime::ViewSink = Arc::new(kiosk::runtime::Fanout(vec![
        Arc::new(kiosk::ui::sink(&app, &cfg.terminal)),
        Arc::new(kiosk::voice::VoiceSink::new(cfg.voice.enabled, voice.clone())),
    ]));
    let k = kiosk::app::Kiosk::start(&cfg, devices, sink).unwrap();
    let hands = Hands {
        reader: rig.idcard.clone().expect("emulated ID-card reader on a pty"),
        printer: rig.printer.as_ref().expect("virtual ESC/POS printer on a pty").handle.clone(),
        camera: rig.camera.clone().expect("emulated document camera"),
        sim: k.sim.as_ref().expect("embedded simulator").sim.clone(),
        terminal_id: cfg.terminal.id.clone(),
        voice,
    };
    kiosk::ui::connect(&app, k.tx.clone());
    let _frames = kiosk::ui::watch_frames(&app, k.ops.clone());
    app.show().unwrap();
    let d = Driver::new(app.as_weak());
    let script = std::thread::spawn(move || {
        let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| script(&d, &hands)));
        let _ = slint::quit_event_loop();
        r
    });
    slint::run_event_loop_until_quit().unwrap();
    match script.join().unwrap() {
        Ok(r) => (k, rig, r),
        Err(p) => std::panic::resume_unwind(p),
    }
}

//! How long a 1 Hz tick and a scanner preview frame take to reach the UI: what the
//! runtime publishes (a journey snapshot) goes through the UI sink's differ (which
//! builds the view only when the journey moved) and is applied to the window's
//! adapters on the headless testing backend; then the window is rendered with the
//! software renderer, as a terminal's next frame would be. Prints figures.
//!
//! `cargo bench --bench ui_tick` (release profile). The performance issue reuses it.

use kiosk::catalog::Catalog;
use kiosk::journey::{Screen, State};
use kiosk::runtime::{PreviewFrame, Snapshot};
use kiosk::ui::Differ;
use slint::ComponentHandle;
use std::sync::Arc;
use std::time::{Duration, Instant};

const URL: &str = "https://example.invalid/progress";

struct Stats(Vec<Duration>);

impl Stats {
    fn line(mut self, what: &str) {
        self.0.sort();
        let n = self.0.len();
        let mean = self.0.iter().sum::<Duration>() / n as u32;
        let p = |q: f64| self.0[((n as f64 * q) as usize).min(n - 1)];
        println!(
            "{what:<44} n={n:<4} median {:>9.1} µs  mean {:>9.1} µs  p95 {:>9.1} µs",
            p(0.5).as_secs_f64() * 1e6,
            mean.as_secs_f64() * 1e6,
            p(0.95).as_secs_f64() * 1e6
        );
    }
}

fn frame(i: u32) -> PreviewFrame {
    // The emulated scanner's preview size.
    let (w, h) = (320u32, 240u32);
    let rgb: Vec<u8> = (0..w * h * 3).map(|p| (p.wrapping_mul(7).wrapping_add(i * 13) & 0xff) as u8).collect();
    PreviewFrame { width: w, height: h, rgb: Arc::new(rgb) }
}

fn main() {
    kiosk::headless::init(false).expect("headless platform");
    let app = kiosk::headless::new_window().expect("window");
    let cfg = kiosk::config::Config::demo();
    kiosk::ui::set_terminal(&app, &cfg.terminal);
    let cat = Arc::new(Catalog::seed());
    let render = |app: &kiosk::ui::AppWindow| {
        let shot = app.window().take_snapshot().expect("snapshot");
        std::hint::black_box(shot.width());
    };
    // What the runtime does per event: the new state, published as a snapshot.
    let snapshot = |s: &State, preview: Option<PreviewFrame>| Snapshot {
        state: Arc::new(s.clone()),
        catalog: cat.clone(),
        preview,
    };
    let mut differ = Differ::new(kiosk::ui::view::SiteFacts::defaults(URL));

    for screen in [Screen::Home, Screen::Form, Screen::Materials] {
        let mut state = kiosk::headless::demo_state(screen, &cat);
        state.idle_left = 120;
        differ.update(snapshot(&state, None)).apply(&app);
        render(&app);
        render(&app);
        // A tick: the countdown goes down by one second, nothing else changes.
        let (mut apply, mut full) = (Vec::new(), Vec::new());
        for i in 0..300 {
            state.idle_left = 120 - (i % 60);
            let t = Instant::now();
            differ.update(snapshot(&state, None)).apply(&app);
            let applied = t.elapsed();
            if i % 6 == 0 {
                render(&app);
                full.push(t.elapsed());
            } else {
                apply.push(applied);
            }
        }
        Stats(apply).line(&format!("1 Hz tick, {}: build+apply", screen.name()));
        Stats(full).line(&format!("1 Hz tick, {}: build+apply+render", screen.name()));
    }

    // A preview frame on the Materials screen: the runtime puts it on the last snapshot.
    let state = kiosk::headless::demo_state(Screen::Materials, &cat);
    let mut last = snapshot(&state, Some(frame(0)));
    differ.update(last.clone()).apply(&app);
    render(&app);
    let (mut apply, mut full) = (Vec::new(), Vec::new());
    for i in 0..300 {
        let f = frame(i);
        let t = Instant::now();
        last.preview = Some(f);
        differ.update(last.clone()).apply(&app);
        let applied = t.elapsed();
        if i % 6 == 0 {
            render(&app);
            full.push(t.elapsed());
        } else {
            apply.push(applied);
        }
    }
    Stats(apply).line("preview frame 320x240, materials: apply");
    Stats(full).line("preview frame 320x240, materials: apply+render");
}

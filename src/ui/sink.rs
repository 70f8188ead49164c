//! The runtime's snapshots, turned into what the UI thread must change.
//!
//! [`Differ`] runs on the publishing thread: it builds the view only when the journey
//! state (or the catalog) changed in more than the countdown, and hands a preview frame
//! through on its own. [`Update::apply`] runs on the UI thread.

use super::{chrome, materials, view, AppWindow, View};
use crate::journey::State;
use crate::runtime::{PreviewFrame, Snapshot, Snapshots};
use std::sync::{Arc, Mutex};

/// What the UI thread has to change for one snapshot; `None` parts stay as they are.
#[derive(Debug, Default)]
pub struct Update {
    /// A new view: the journey moved.
    pub view: Option<Box<View>>,
    /// Only the inactivity countdown moved (a tick).
    pub countdown: Option<i32>,
    /// A new scanner frame, or `Some(None)` when the preview stops.
    pub preview: Option<Option<PreviewFrame>>,
}

impl Update {
    pub fn is_empty(&self) -> bool {
        self.view.is_none() && self.countdown.is_none() && self.preview.is_none()
    }

    /// Applies the changes to the window. Runs on the UI thread.
    pub fn apply(&self, app: &AppWindow) {
        if let Some(v) = &self.view {
            super::apply(app, v);
        }
        if let Some(n) = self.countdown {
            chrome::countdown(app, n);
            super::maint::countdown(app, n);
        }
        if let Some(p) = &self.preview {
            materials::preview(app, p.as_ref());
        }
    }
}

/// Remembers the last snapshot and tells what changed since.
pub struct Differ {
    site: view::SiteFacts,
    last: Option<Snapshot>,
}

impl Differ {
    pub fn new(site: view::SiteFacts) -> Self {
        Self { site, last: None }
    }

    pub fn update(&mut self, snap: Snapshot) -> Update {
        let mut u = Update::default();
        match &self.last {
            Some(last) if Arc::ptr_eq(&last.catalog, &snap.catalog) => {
                if !Arc::ptr_eq(&last.state, &snap.state) && *last.state != *snap.state {
                    if same_but_countdown(&last.state, &snap.state) {
                        u.countdown = Some(view::shown_countdown(&snap.state) as i32);
                    } else {
                        u.view = Some(Box::new(self.build(&snap)));
                    }
                }
                let same_frame = match (&last.preview, &snap.preview) {
                    (None, None) => true,
                    (Some(a), Some(b)) => Arc::ptr_eq(&a.rgb, &b.rgb),
                    _ => false,
                };
                if !same_frame {
                    u.preview = Some(snap.preview.clone());
                }
            }
            _ => {
                u.view = Some(Box::new(self.build(&snap)));
                u.preview = Some(snap.preview.clone());
            }
        }
        self.last = Some(snap);
        u
    }

    fn build(&self, snap: &Snapshot) -> View {
        view::build_for(&snap.state, &snap.catalog, &self.site)
    }
}

/// Whether two states differ in the seconds left and nothing else: a tick.
fn same_but_countdown(a: &State, b: &State) -> bool {
    if view::shown_countdown(a) == view::shown_countdown(b) {
        return false;
    }
    let mut b2 = State { idle_left: a.idle_left, ..b.clone() };
    if let (Some(ma), Some(mb)) = (&a.maint, b2.maint.as_mut()) {
        mb.idle_left = ma.idle_left;
    }
    *a == b2
}

type AfterApply = Arc<dyn Fn(&AppWindow) + Send + Sync>;

/// The window's sink: diffs each snapshot on the publishing thread and posts the
/// changes to the UI thread, in order.
pub struct UiSink {
    app: slint::Weak<AppWindow>,
    differ: Mutex<Differ>,
    after: Option<AfterApply>,
}

impl UiSink {
    pub fn new(app: slint::Weak<AppWindow>, site: view::SiteFacts) -> Self {
        Self { app, differ: Mutex::new(Differ::new(site)), after: None }
    }

    /// Runs `f` on the UI thread after each change is applied (readiness, window locks).
    pub fn after_apply(mut self, f: impl Fn(&AppWindow) + Send + Sync + 'static) -> Self {
        self.after = Some(Arc::new(f));
        self
    }
}

impl Snapshots for UiSink {
    fn publish(&self, snap: Snapshot) {
        // Posting while the differ is locked keeps the UI thread's order the same as ours.
        let differ = &mut *self.differ.lock().unwrap_or_else(|e| e.into_inner());
        let update = differ.update(snap);
        if update.is_empty() {
            return;
        }
        let after = self.after.clone();
        let _ = self.app.upgrade_in_event_loop(move |app| {
            update.apply(&app);
            if let Some(f) = after {
                f(&app);
            }
        });
    }
}

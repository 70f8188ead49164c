//! The kiosk application: journey, catalog, store, intake, runtime and UI bridge.

pub mod app;
pub mod catalog;
pub mod clock;
pub mod config;
pub mod control;
pub mod devices;
pub mod diag;
pub mod envelope;
pub mod fsutil;
pub mod handwriting;
#[cfg(feature = "demo")]
pub mod headless;
pub mod identity;
pub mod ime;
pub mod intake;
pub mod journey;
// The journey's tests, with what the citizen then sees (they build views, so they live
// outside journey, which knows no UI).
#[cfg(test)]
mod journey_tests;
pub mod logging;
pub mod ops;
pub mod outbox;
pub mod pin;
pub mod profile;
pub mod qrscan;
pub mod rating;
pub mod receipt;
pub mod runtime;
pub mod service;
pub mod signature;
pub mod store;
pub mod supervise;
pub mod ui;
// The UI controllers' tests on a headless window (outside ui, which headless imports).
#[cfg(all(test, feature = "demo"))]
mod ui_tests;
pub mod voice;

/// `kiosk --version`: the package version and the git commit it was built from.
pub const VERSION: &str = concat!(env!("CARGO_PKG_VERSION"), " (", env!("KIOSK_GIT_COMMIT"), ")");

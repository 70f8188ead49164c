//! The kiosk application: journey, catalog, store, intake, runtime and UI bridge.

pub mod catalog;
pub mod intake;
pub mod journey;
pub mod outbox;
pub mod store;
pub mod ui;
pub mod rating;
pub mod receipt;
pub mod config;
pub mod runtime;
pub mod app;
pub mod headless;
pub mod logging;
pub mod devices;

//! The kiosk application: journey, catalog, store, intake, runtime and UI bridge.

pub mod app;
pub mod catalog;
pub mod config;
pub mod devices;
pub mod headless;
pub mod ime;
pub mod intake;
pub mod journey;
pub mod logging;
pub mod outbox;
pub mod rating;
pub mod receipt;
pub mod runtime;
pub mod signature;
pub mod store;
pub mod ui;

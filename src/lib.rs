//! The kiosk application: journey, catalog, store, intake, runtime and UI bridge.

pub mod catalog;
pub mod journey;

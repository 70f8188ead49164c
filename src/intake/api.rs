//! Wire types of the intake API: they live in the `kiosk-api` crate, shared with the
//! platform simulator; re-exported here so the kiosk names them `crate::intake::*`.

pub use kiosk_api::health::{DeviceHealth, DeviceState, PaperState};
pub use kiosk_api::wire::*;

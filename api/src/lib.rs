//! What the kiosk and the intake platform (or its simulator) agree on: the JSON wire
//! types of the intake API and the request signing algorithm. Deliberately small: no
//! UI, database, HTTP or async runtime, so both sides depend on it and not on each other.

pub mod health;
pub mod sign;
pub mod wire;

pub use health::{DeviceHealth, DeviceState, PaperState};
pub use sign::{Signature, SigningKey};
pub use wire::*;

//! The city's unified intake system (统一受理系统): wire types and request signing
//! (from the shared `kiosk-api` crate), the signing key file and the HTTP client. The
//! platform simulator is the separate `intake-sim` crate (demo builds and tests only).

pub mod api;
pub mod catalog_sync;
pub mod client;
pub mod sign;

pub use api::*;
pub use client::{IntakeClient, IntakeError, Outcome, PingResult};
pub use sign::{SignAlg, SigningKey, SigningKeyFile};

//! The city's unified intake system (统一受理系统): wire types, request signing, the
//! HTTP client and an in-process simulator of the platform for demo mode and tests.

pub mod api;
pub mod client;
pub mod sign;
pub mod sim;

pub use api::*;
pub use client::{IntakeClient, IntakeError, Outcome};
pub use sign::SigningKey;

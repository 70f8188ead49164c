//! The control socket: a local Unix socket (mode 0600; peers must be root or the
//! kiosk's own user) on which the running kiosk answers `kiosk diag …`. One JSON
//! request per line, one JSON answer per line, then the connection closes.
//!
//! The kiosk answers through a [`Handler`] (handler.rs wires it to the journey
//! loop, the store and the devices); `kiosk diag` is the client. When no kiosk runs,
//! the CLI goes to the devices and the database directly and says so.

pub mod client;
pub mod handler;
pub mod server;

use crate::ops::{Actor, SelfTestKind};
use serde::{Deserialize, Serialize};
use std::future::Future;
use std::pin::Pin;

/// What `kiosk diag` asks the running kiosk.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "cmd", rename_all = "snake_case")]
pub enum Request {
    /// `diag status`: devices, paper, queue, versions, uptime, out-of-service, alerts.
    Status,
    /// `diag selftest X`: refused while a citizen's session is open.
    Selftest { test: SelfTestKind },
    /// `diag queue [retry|purge NO]`.
    Queue { action: Option<QueueAction> },
    /// Audit events since a time (unix ms), for `diag logs`.
    Audit { since_ms: i64 },
    /// `diag service pause --reason …`: refused while a citizen's session is open.
    Pause { reason: String },
    /// `diag service resume`.
    Resume,
    /// `diag service wait-idle`: answers once no citizen session is open (or the
    /// timeout passes, with an error).
    WaitIdle { timeout_secs: u64 },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum QueueAction {
    Retry { local_no: String },
    Purge { local_no: String },
}

/// The answer: `{"ok": true, "data": …}` or `{"ok": false, "error": "…"}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Answer {
    pub ok: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<serde_json::Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl Answer {
    pub fn data(v: serde_json::Value) -> Self {
        Answer { ok: true, data: Some(v), error: None }
    }

    pub fn error(msg: impl Into<String>) -> Self {
        Answer { ok: false, data: None, error: Some(msg.into()) }
    }
}

pub type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send + 'static>>;

/// What answers requests in the running kiosk. `by` is who asked (always the CLI over
/// the socket), for the audit log.
pub trait Handler: Send + Sync + 'static {
    fn handle(&self, req: Request, by: Actor) -> BoxFuture<Answer>;

    /// A peer that is neither root nor the kiosk's user was turned away (for the audit
    /// log; `detail` names its uid and pid).
    fn refused(&self, detail: &str) {
        let _ = detail;
    }
}

//! `kiosk diag`'s end of the control socket: one request line, one answer line.
//! Blocking (the CLI has no runtime of its own for this).

use super::{Answer, Request};
use std::io::{self, BufRead, BufReader, Write};
use std::os::unix::net::UnixStream;
use std::path::Path;
use std::time::Duration;

#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// No socket file, or nobody listens on it: no kiosk runs (the CLI may go direct).
    #[error("no kiosk answers on {0}")]
    NotRunning(String),
    /// The socket or its directory may not be opened by this user.
    #[error("{0}: permission denied: run as root (sudo) or as the kiosk user")]
    Denied(String),
    /// The kiosk took the request but did not answer in time.
    #[error("the kiosk on {0} did not answer within {1} s")]
    Timeout(String, u64),
    #[error("control socket {0}: {1}")]
    Io(String, io::Error),
    #[error("control socket {0}: unreadable answer: {1}")]
    BadAnswer(String, String),
}

/// How long an answer may take, by request: a self-test prints or captures, wait-idle
/// waits as long as it was told.
pub fn answer_timeout(req: &Request) -> Duration {
    match req {
        Request::Selftest { .. } => Duration::from_secs(180),
        Request::WaitIdle { timeout_secs } => Duration::from_secs(timeout_secs.saturating_add(15)),
        _ => Duration::from_secs(30),
    }
}

/// Whether a kiosk answers on `path` (connects; sends nothing).
pub fn kiosk_answers(path: &Path) -> bool {
    UnixStream::connect(path).is_ok()
}

/// Sends one request and reads its answer.
pub fn request(path: &Path, req: &Request) -> Result<Answer, ClientError> {
    request_with(path, req, answer_timeout(req))
}

pub fn request_with(path: &Path, req: &Request, timeout: Duration) -> Result<Answer, ClientError> {
    let shown = path.display().to_string();
    let mut stream = match UnixStream::connect(path) {
        Ok(s) => s,
        Err(e) => {
            return Err(match e.kind() {
                io::ErrorKind::NotFound | io::ErrorKind::ConnectionRefused => ClientError::NotRunning(shown),
                io::ErrorKind::PermissionDenied => ClientError::Denied(shown),
                _ => ClientError::Io(shown, e),
            })
        }
    };
    let io_err = |e: io::Error| {
        if matches!(e.kind(), io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut) {
            ClientError::Timeout(shown.clone(), timeout.as_secs())
        } else {
            ClientError::Io(shown.clone(), e)
        }
    };
    stream.set_write_timeout(Some(Duration::from_secs(10))).map_err(io_err)?;
    stream.set_read_timeout(Some(timeout)).map_err(io_err)?;
    let mut line = serde_json::to_vec(req).map_err(|e| ClientError::BadAnswer(shown.clone(), e.to_string()))?;
    line.push(b'\n');
    // A kiosk that refuses (a bad request, a uid it does not serve) may answer and close
    // before taking everything: its answer is still there to read.
    let written = stream.write_all(&line);
    let mut answer = String::new();
    let read = BufReader::new(&stream).read_line(&mut answer);
    if answer.is_empty() {
        written.map_err(io_err)?;
        read.map_err(io_err)?;
    }
    if answer.trim().is_empty() {
        return Err(ClientError::BadAnswer(shown, "the kiosk closed the connection without an answer".into()));
    }
    serde_json::from_str(&answer).map_err(|e| ClientError::BadAnswer(shown, e.to_string()))
}

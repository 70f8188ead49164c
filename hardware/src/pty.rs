//! The one place pty pairs are made. `TTYPort::pair()` is not thread-safe (ptsname and
//! friends), so every emulator in the process creates its pair under this lock.

use serialport::TTYPort;
use std::io;
use std::sync::Mutex;

static LOCK: Mutex<()> = Mutex::new(());

/// Returns (master, slave).
pub fn pair() -> io::Result<(TTYPort, TTYPort)> {
    let _g = LOCK.lock().unwrap_or_else(|e| e.into_inner());
    TTYPort::pair().map_err(io::Error::other)
}

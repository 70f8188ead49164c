//! A virtual X display for the tests that run the real `kiosk` binary (winit backend):
//! tests/appliance.rs and tests/control.rs. Included with `#[path]`.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A virtual X display, stopped on drop.
pub struct Xvfb {
    child: Child,
    pub display: String,
}

/// Display `n` is held by a running X server (a lock whose process is gone is stale:
/// the X server replaces it, and its socket).
fn display_taken(n: u32) -> bool {
    let Ok(lock) = std::fs::read_to_string(format!("/tmp/.X{n}-lock")) else {
        return false;
    };
    match lock.trim().parse::<i32>() {
        // SAFETY: signal 0 only checks that the process exists.
        Ok(pid) if pid > 0 => unsafe { libc::kill(pid, 0) == 0 },
        _ => true,
    }
}

impl Xvfb {
    /// The first free display in `displays` (tests running at once use different ranges).
    pub fn start(log: &Path, displays: std::ops::Range<u32>) -> Xvfb {
        for n in displays {
            if display_taken(n) {
                continue;
            }
            let socket = PathBuf::from(format!("/tmp/.X11-unix/X{n}"));
            let err = std::fs::File::create(log).unwrap();
            let mut child = match Command::new("Xvfb")
                .args([&format!(":{n}"), "-screen", "0", "1080x1920x24", "-nolisten", "tcp"])
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(err)
                .spawn()
            {
                Ok(c) => c,
                Err(e) => panic!("cannot run Xvfb ({e}); install the Debian package `xvfb` (scripts/setup.sh --run)"),
            };
            let start = Instant::now();
            while start.elapsed() < Duration::from_secs(15) {
                // Connectable, not merely present: a stale socket file may be left over.
                if std::os::unix::net::UnixStream::connect(&socket).is_ok() {
                    return Xvfb { child, display: format!(":{n}") };
                }
                if child.try_wait().unwrap().is_some() {
                    break; // display taken meanwhile, or another failure: try the next one
                }
                std::thread::sleep(Duration::from_millis(50));
            }
            let _ = child.kill();
            let _ = child.wait();
        }
        panic!("no Xvfb display could be started; last log:\n{}", std::fs::read_to_string(log).unwrap_or_default())
    }
}

impl Drop for Xvfb {
    fn drop(&mut self) {
        // SIGTERM lets Xvfb remove its lock file and socket; SIGKILL if it lingers.
        // SAFETY: kill(2) on our own unreaped child.
        unsafe { libc::kill(self.child.id() as i32, libc::SIGTERM) };
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(3) {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

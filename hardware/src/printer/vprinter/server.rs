//! The virtual printer on a pty pair or a TCP port, with a handle to set its paper
//! state and collect what it printed.

use super::{DeviceState, Engine, Receipt};
use serialport::SerialPort;
use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

/// Every pty pair in the process comes from `crate::pty::pair` (one lock).
pub use crate::pty::pair as pty_pair;

struct Shared {
    engine: Engine,
    receipts: Vec<Receipt>,
    out_dir: Option<PathBuf>,
}

/// Shared view of a running virtual printer.
#[derive(Clone)]
pub struct VirtualPrinterHandle(Arc<Mutex<Shared>>);

impl VirtualPrinterHandle {
    pub fn new(width_dots: u32, out_dir: Option<PathBuf>) -> Self {
        crate::printer::font::warm_up();
        let engine = Engine::new(width_dots);
        VirtualPrinterHandle(Arc::new(Mutex::new(Shared { engine, receipts: Vec::new(), out_dir })))
    }

    fn lock(&self) -> MutexGuard<'_, Shared> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Processes received bytes, saves finished receipts, returns the replies.
    pub fn feed(&self, bytes: &[u8]) -> Vec<u8> {
        let mut s = self.lock();
        let out = s.engine.feed(bytes);
        let new = s.engine.take_receipts();
        for r in new {
            if let Some(dir) = &s.out_dir {
                if let Err(e) = save(dir, s.receipts.len() + 1, &r) {
                    tracing::warn!("virtual printer: saving receipt: {e}");
                }
            }
            s.receipts.push(r);
        }
        out
    }

    /// Every receipt printed so far.
    pub fn receipts(&self) -> Vec<Receipt> {
        self.lock().receipts.clone()
    }

    /// Waits until at least `n` receipts are out (or the timeout passes).
    pub fn wait_receipts(&self, n: usize, timeout: Duration) -> Vec<Receipt> {
        let deadline = Instant::now() + timeout;
        loop {
            let r = self.receipts();
            if r.len() >= n || Instant::now() >= deadline {
                return r;
            }
            thread::sleep(Duration::from_millis(10));
        }
    }

    pub fn state(&self) -> DeviceState {
        self.lock().engine.state
    }

    /// Changes paper/cover/fault state, e.g. `h.set_state(|s| s.cover_open = true)`.
    pub fn set_state(&self, f: impl FnOnce(&mut DeviceState)) {
        f(&mut self.lock().engine.state)
    }

    /// Unknown commands skipped so far.
    pub fn unknown_commands(&self) -> u64 {
        self.lock().engine.unknown
    }
}

/// Writes `receipt-NNNN.png` and `receipt-NNNN.json` (decoded text, QR data).
fn save(dir: &Path, n: usize, r: &Receipt) -> io::Result<()> {
    std::fs::create_dir_all(dir)?;
    std::fs::write(dir.join(format!("receipt-{n:04}.png")), &r.png)?;
    let meta = serde_json::json!({ "text": r.text, "qr": r.qr, "complete": r.complete,
        "width": r.width, "height": r.height });
    std::fs::write(dir.join(format!("receipt-{n:04}.json")), meta.to_string())
}

/// A virtual printer serving one pty pair; stops when dropped.
pub struct PtyPrinter {
    pub handle: VirtualPrinterHandle,
    /// Path of the slave tty: what the driver opens (`serial:PATH`).
    pub path: PathBuf,
    link: Option<PathBuf>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
    // Kept open so the master never sees EIO between driver sessions. A plain file,
    // not the TTYPort: that one holds a flock and the driver's open wants it exclusive.
    _slave: std::fs::File,
}

impl PtyPrinter {
    /// Starts on a new pty pair; `link` makes a symlink to the slave (like socat).
    pub fn spawn(width_dots: u32, out_dir: Option<PathBuf>, link: Option<&Path>) -> io::Result<Self> {
        let (mut master, slave) = pty_pair()?;
        let path = PathBuf::from(slave.name().ok_or_else(|| io::Error::other("pty has no name"))?);
        let slave = {
            use std::os::unix::fs::OpenOptionsExt;
            const O_NOCTTY: i32 = 0o400; // Linux
            let f = std::fs::OpenOptions::new().read(true).write(true).custom_flags(O_NOCTTY).open(&path)?;
            drop(slave);
            f
        };
        if let Some(l) = link {
            let _ = std::fs::remove_file(l);
            std::os::unix::fs::symlink(&path, l)?;
        }
        master.set_timeout(Duration::from_millis(20)).map_err(io::Error::other)?;
        let handle = VirtualPrinterHandle::new(width_dots, out_dir);
        let stop = Arc::new(AtomicBool::new(false));
        let (h, st) = (handle.clone(), stop.clone());
        let thread = thread::Builder::new().name("vprinter-pty".into()).spawn(move || {
            let mut buf = [0u8; 8192];
            while !st.load(Ordering::Relaxed) {
                match master.read(&mut buf) {
                    Ok(n) if n > 0 => {
                        let reply = h.feed(&buf[..n]);
                        if !reply.is_empty() && master.write_all(&reply).is_err() {
                            break;
                        }
                    }
                    Ok(_) => {}
                    Err(e) if e.kind() == io::ErrorKind::TimedOut => {}
                    Err(_) => thread::sleep(Duration::from_millis(10)),
                }
            }
        })?;
        Ok(PtyPrinter { handle, path, link: link.map(Path::to_path_buf), stop, thread: Some(thread), _slave: slave })
    }

    /// Transport spec for the driver: `serial:/dev/pts/N`.
    pub fn spec(&self) -> String {
        format!("serial:{}", self.path.display())
    }
}

impl Drop for PtyPrinter {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
        if let Some(l) = &self.link {
            let _ = std::fs::remove_file(l);
        }
    }
}

/// A virtual printer on TCP (raw port 9100 protocol), one client at a time.
pub struct TcpPrinter {
    pub handle: VirtualPrinterHandle,
    pub addr: SocketAddr,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl TcpPrinter {
    pub fn spawn(addr: &str, width_dots: u32, out_dir: Option<PathBuf>) -> io::Result<Self> {
        let listener = TcpListener::bind(addr)?;
        listener.set_nonblocking(true)?;
        let addr = listener.local_addr()?;
        let handle = VirtualPrinterHandle::new(width_dots, out_dir);
        let stop = Arc::new(AtomicBool::new(false));
        let (h, st) = (handle.clone(), stop.clone());
        let thread = thread::Builder::new().name("vprinter-tcp".into()).spawn(move || {
            while !st.load(Ordering::Relaxed) {
                match listener.accept() {
                    Ok((s, _)) => serve_tcp(s, &h, &st),
                    Err(_) => thread::sleep(Duration::from_millis(20)),
                }
            }
        })?;
        Ok(TcpPrinter { handle, addr, stop, thread: Some(thread) })
    }

    pub fn spec(&self) -> String {
        format!("tcp:{}", self.addr)
    }
}

fn serve_tcp(mut s: TcpStream, h: &VirtualPrinterHandle, stop: &AtomicBool) {
    let _ = s.set_nonblocking(false);
    let _ = s.set_read_timeout(Some(Duration::from_millis(50)));
    let mut buf = [0u8; 8192];
    while !stop.load(Ordering::Relaxed) {
        match s.read(&mut buf) {
            Ok(0) => return,
            Ok(n) => {
                let reply = h.feed(&buf[..n]);
                if !reply.is_empty() && s.write_all(&reply).is_err() {
                    return;
                }
            }
            Err(e) if matches!(e.kind(), io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut) => {}
            Err(_) => return,
        }
    }
}

impl Drop for TcpPrinter {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

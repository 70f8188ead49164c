//! Byte pipes to a printer: serial (incl. USB-serial and ptys), the USB printer-class
//! device file (/dev/usb/lpN) and raw TCP (port 9100).

use serde::{Deserialize, Serialize};
use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

/// Where the printer is; goes in kiosk.toml as e.g. `transport = { serial = { path =
/// "/dev/ttyS1", baud = 115200 } }`, `{ usb_lp = "/dev/usb/lp0" }`, `{ tcp = "10.0.0.9:9100" }`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TransportConfig {
    Serial { path: String, baud: u32 },
    UsbLp(String),
    Tcp(String),
}

impl TransportConfig {
    /// Parses `serial:/dev/ttyS1[@115200]`, `usb:/dev/usb/lp0`, `tcp:host:9100`.
    pub fn parse(s: &str) -> Option<TransportConfig> {
        let (kind, rest) = s.split_once(':')?;
        match kind {
            "serial" => {
                let (path, baud) = match rest.rsplit_once('@') {
                    Some((p, b)) => (p, b.parse().ok()?),
                    None => (rest, 115_200),
                };
                Some(TransportConfig::Serial { path: path.into(), baud })
            }
            "usb" => Some(TransportConfig::UsbLp(rest.into())),
            "tcp" => Some(TransportConfig::Tcp(rest.into())),
            _ => None,
        }
    }

    pub fn open(&self) -> io::Result<Box<dyn Transport>> {
        Ok(match self {
            TransportConfig::Serial { path, baud } => {
                let port = serialport::new(path, *baud)
                    .timeout(Duration::from_millis(50))
                    .open_native()
                    .map_err(io::Error::other)?;
                Box::new(SerialTransport(port))
            }
            TransportConfig::UsbLp(path) => Box::new(UsbLpTransport::open(path)?),
            TransportConfig::Tcp(addr) => {
                let addr = addr.parse().map_err(io::Error::other)?;
                let s = TcpStream::connect_timeout(&addr, Duration::from_secs(3))?;
                s.set_nodelay(true)?;
                Box::new(TcpTransport(s))
            }
        })
    }
}

/// A blocking byte pipe. `read_some` waits at most `timeout` and returns 0 on timeout.
pub trait Transport: Send {
    fn write_all(&mut self, bytes: &[u8]) -> io::Result<()>;
    fn read_some(&mut self, buf: &mut [u8], timeout: Duration) -> io::Result<usize>;
    /// Throws away whatever is waiting (stale replies) without blocking.
    fn drain(&mut self) {
        let mut buf = [0u8; 256];
        while matches!(self.read_some(&mut buf, Duration::from_millis(1)), Ok(n) if n > 0) {}
    }
}

fn timed_out(e: &io::Error) -> bool {
    matches!(e.kind(), io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock)
}

/// Writes everything, riding out timeouts for up to 30 s: a printer holding flow
/// control (or busy feeding paper) stalls writes without failing.
fn write_patiently(w: &mut impl Write, bytes: &[u8], pause: Duration) -> io::Result<()> {
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut rest = bytes;
    while !rest.is_empty() {
        match w.write(rest) {
            Ok(n) => rest = &rest[n..],
            Err(e) if timed_out(&e) && Instant::now() < deadline => std::thread::sleep(pause),
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

pub struct SerialTransport(pub serialport::TTYPort);

impl Transport for SerialTransport {
    fn write_all(&mut self, bytes: &[u8]) -> io::Result<()> {
        write_patiently(&mut self.0, bytes, Duration::ZERO)?;
        self.0.flush()
    }
    fn read_some(&mut self, buf: &mut [u8], timeout: Duration) -> io::Result<usize> {
        use serialport::SerialPort;
        self.0.set_timeout(timeout.max(Duration::from_millis(1))).map_err(io::Error::other)?;
        match self.0.read(buf) {
            Err(e) if timed_out(&e) => Ok(0),
            r => r,
        }
    }
}

pub struct TcpTransport(pub TcpStream);

impl Transport for TcpTransport {
    fn write_all(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.0.write_all(bytes)
    }
    fn read_some(&mut self, buf: &mut [u8], timeout: Duration) -> io::Result<usize> {
        self.0.set_read_timeout(Some(timeout.max(Duration::from_millis(1))))?;
        match self.0.read(buf) {
            Ok(0) => Err(io::ErrorKind::UnexpectedEof.into()),
            Err(e) if timed_out(&e) => Ok(0),
            r => r,
        }
    }
}

/// Linux usblp: writes go to the printer; reads return the printer's back channel
/// (DLE EOT replies) on bidirectional printers. Opened non-blocking so a read
/// never hangs on a printer that says nothing.
pub struct UsbLpTransport(std::fs::File);

impl UsbLpTransport {
    pub fn open(path: &str) -> io::Result<Self> {
        use std::os::unix::fs::OpenOptionsExt;
        const O_NONBLOCK: i32 = 0o4000; // Linux
        let f = std::fs::OpenOptions::new().read(true).write(true).custom_flags(O_NONBLOCK).open(path)?;
        Ok(UsbLpTransport(f))
    }
}

impl Transport for UsbLpTransport {
    fn write_all(&mut self, bytes: &[u8]) -> io::Result<()> {
        write_patiently(&mut self.0, bytes, Duration::from_millis(5))
    }
    fn read_some(&mut self, buf: &mut [u8], timeout: Duration) -> io::Result<usize> {
        let deadline = Instant::now() + timeout;
        loop {
            match self.0.read(buf) {
                Ok(n) if n > 0 => return Ok(n),
                Ok(_) => {}
                Err(e) if timed_out(&e) => {}
                Err(e) => return Err(e),
            }
            if Instant::now() >= deadline {
                return Ok(0);
            }
            std::thread::sleep(Duration::from_millis(5));
        }
    }
}

/// In-memory transport for unit tests: `reply` computes the printer's answer.
pub struct FnTransport<F: FnMut(&[u8]) -> Vec<u8> + Send> {
    pub reply: F,
    pub pending: Vec<u8>,
}

impl<F: FnMut(&[u8]) -> Vec<u8> + Send> Transport for FnTransport<F> {
    fn write_all(&mut self, bytes: &[u8]) -> io::Result<()> {
        let r = (self.reply)(bytes);
        self.pending.extend(r);
        Ok(())
    }
    fn read_some(&mut self, buf: &mut [u8], _timeout: Duration) -> io::Result<usize> {
        let n = buf.len().min(self.pending.len());
        buf[..n].copy_from_slice(&self.pending[..n]);
        self.pending.drain(..n);
        Ok(n)
    }
}

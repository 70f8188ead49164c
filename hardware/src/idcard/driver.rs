//! `SamReader`: the real driver for GA 450 (SAM) readers over a serial port.
//!
//! On (re)connect it runs SAM reset → status → id. Each `poll` runs find → select →
//! read (30 01, or 30 10 with fingerprint) and, for resident cards, 30 03 (追加住址),
//! with per-command timeouts and bounded retries. A card is reported once per
//! placement: find must fail (card gone) before it is reported again. When the port
//! disappears (USB unplug) the reader reports `Disconnected` and reopens the port on a
//! later poll, at most `reconnect_interval_ms` after it comes back.

use super::card::{decode_ucs2, parse_card, EXTRA_ADDRESS_LEN, TEXT_LEN};
use super::codec::{cmd, encode_request, Decoder, Response, Sw3};
use super::{CardKind, IdCard, IdCardError, IdCardReader, IdCardStatus};
use crate::pii::Masked;
use serde::{Deserialize, Serialize};
use std::io::{self, Read, Write};
use std::time::{Duration, Instant};

/// Reader settings; the `[idcard]` table of kiosk.toml deserialises into this.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SamConfig {
    /// Serial device, e.g. "/dev/ttyUSB0" or a /dev/serial/by-id path.
    pub port: String,
    pub baud: u32,
    /// 5–8.
    pub data_bits: u8,
    /// "none", "even" or "odd".
    pub parity: String,
    /// 1 or 2.
    pub stop_bits: u8,
    /// Open the port exclusively (TIOCEXCL + flock).
    pub exclusive: bool,
    /// Answer timeout for reset, status, id, find, select and 30 03.
    pub command_timeout_ms: u64,
    /// Answer timeout for 30 01 / 30 10 (the SAM talks to the card before answering).
    pub read_timeout_ms: u64,
    /// Extra attempts after a timeout, a bad frame or a failed select/read.
    pub retries: u32,
    /// Minimum time between two attempts to reopen a vanished port.
    pub reconnect_interval_ms: u64,
    /// Use 30 10 (text + photo + fingerprint) instead of 30 01.
    pub read_fingerprint: bool,
    /// Ask for the 追加住址 (30 03) after reading a resident card.
    pub read_extra_address: bool,
}

impl Default for SamConfig {
    fn default() -> Self {
        Self {
            port: "/dev/ttyUSB0".into(),
            baud: 115_200,
            data_bits: 8,
            parity: "none".into(),
            stop_bits: 1,
            exclusive: true,
            command_timeout_ms: 500,
            read_timeout_ms: 2000,
            retries: 2,
            reconnect_interval_ms: 250,
            read_fingerprint: false,
            read_extra_address: true,
        }
    }
}

impl SamConfig {
    pub fn new(port: &str, baud: u32) -> Self {
        Self { port: port.into(), baud, ..Self::default() }
    }
}

/// A byte link to a reader. Implemented for serial ports and, via `IoLink`, for any
/// `Read + Write` (in-memory fakes in unit tests).
pub trait Link: Read + Write + Send {
    /// Throws away bytes received but not read yet (without blocking).
    fn discard_input(&mut self) {}
    /// Called before the link is dropped.
    fn release(&mut self) {}
}

impl Link for serialport::TTYPort {
    fn discard_input(&mut self) {
        let _ = serialport::SerialPort::clear(self, serialport::ClearBuffer::Input);
    }
    fn release(&mut self) {
        // Leave the tty non-exclusive so a later open (ours or a technician's) works.
        let _ = self.set_exclusive(false);
    }
}

/// Wraps any `Read + Write + Send` as a `Link`. Reads should return `TimedOut` or
/// `WouldBlock` when no byte is available.
pub struct IoLink<T>(pub T);

impl<T: Read + Send> Read for IoLink<T> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.0.read(buf)
    }
}

impl<T: Write + Send> Write for IoLink<T> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.write(buf)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.0.flush()
    }
}

impl<T: Read + Write + Send> Link for IoLink<T> {}

/// Opens the configured serial port (8N1 at 115200 unless configured otherwise).
pub fn open_serial(cfg: &SamConfig) -> io::Result<serialport::TTYPort> {
    use serialport::{DataBits, FlowControl, Parity, StopBits};
    let data_bits = match cfg.data_bits {
        5 => DataBits::Five,
        6 => DataBits::Six,
        7 => DataBits::Seven,
        _ => DataBits::Eight,
    };
    let parity = match cfg.parity.to_ascii_lowercase().as_str() {
        "even" | "e" => Parity::Even,
        "odd" | "o" => Parity::Odd,
        _ => Parity::None,
    };
    let stop_bits = if cfg.stop_bits == 2 { StopBits::Two } else { StopBits::One };
    serialport::new(&cfg.port, cfg.baud)
        .data_bits(data_bits)
        .parity(parity)
        .stop_bits(stop_bits)
        .flow_control(FlowControl::None)
        .exclusive(cfg.exclusive)
        .timeout(Duration::from_millis(10))
        .open_native()
        .map_err(io::Error::from)
}

type Opener = Box<dyn FnMut() -> io::Result<Box<dyn Link>> + Send>;
type Listener = Box<dyn FnMut(&IdCardStatus) + Send>;

/// Counters for diagnostics (no personal data).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct DriverStats {
    pub commands: u64,
    pub retries: u64,
    pub timeouts: u64,
    pub bad_frames: u64,
    pub stale_frames: u64,
    pub reconnects: u64,
    pub cards: u64,
}

/// The SAM protocol driver. Blocking: call it from a blocking thread.
pub struct SamReader {
    cfg: SamConfig,
    opener: Option<Opener>,
    link: Option<Box<dyn Link>>,
    needs_init: bool,
    dec: Decoder,
    card_in_field: bool,
    status: IdCardStatus,
    listener: Option<Listener>,
    last_open_attempt: Option<Instant>,
    sam_id: Option<String>,
    stats: DriverStats,
}

impl SamReader {
    /// A reader for `cfg.port`. It does not touch the port yet: the first `poll` opens
    /// it, and later polls reopen it after an unplug.
    pub fn new(cfg: SamConfig) -> Self {
        let c = cfg.clone();
        let opener: Opener = Box::new(move || open_serial(&c).map(|p| Box::new(p) as Box<dyn Link>));
        Self::with_opener(cfg, Some(opener), None)
    }

    /// Opens the port and runs reset/status/id now; fails if the reader is absent or faulty.
    pub fn connect(cfg: SamConfig) -> Result<Self, IdCardError> {
        let mut r = Self::new(cfg);
        r.ensure_ready()?;
        Ok(r)
    }

    /// A reader over an already open link (e.g. an in-memory fake). It is never reopened.
    pub fn from_io<T: Read + Write + Send + 'static>(io: T, cfg: SamConfig) -> Self {
        Self::with_opener(cfg, None, Some(Box::new(IoLink(io))))
    }

    fn with_opener(cfg: SamConfig, opener: Option<Opener>, link: Option<Box<dyn Link>>) -> Self {
        Self {
            cfg,
            opener,
            link,
            needs_init: true,
            dec: Decoder::new(),
            card_in_field: false,
            status: IdCardStatus::Disconnected,
            listener: None,
            last_open_attempt: None,
            sam_id: None,
            stats: DriverStats::default(),
        }
    }

    /// Calls `f` with every status change (e.g. to forward it to the runtime's channel).
    pub fn on_status(&mut self, f: impl FnMut(&IdCardStatus) + Send + 'static) {
        self.listener = Some(Box::new(f));
    }

    /// The SAM's id (command 12 FF) in hex, once connected.
    pub fn sam_id(&self) -> Option<&str> {
        self.sam_id.as_deref()
    }

    pub fn stats(&self) -> &DriverStats {
        &self.stats
    }

    pub fn config(&self) -> &SamConfig {
        &self.cfg
    }

    fn set_status(&mut self, s: IdCardStatus) {
        if s != self.status {
            tracing::info!(port = %self.cfg.port, status = ?s, "idcard reader status");
            self.status = s.clone();
            if let Some(l) = self.listener.as_mut() {
                l(&s);
            }
        }
    }

    fn drop_link(&mut self, why: &str) {
        if let Some(mut l) = self.link.take() {
            tracing::warn!(port = %self.cfg.port, why, "idcard reader link lost");
            l.release();
        }
        self.dec.clear();
        self.needs_init = true;
        self.card_in_field = false;
        self.set_status(IdCardStatus::Disconnected);
    }

    /// Opens the port if needed and runs the start-up sequence.
    fn ensure_ready(&mut self) -> Result<(), IdCardError> {
        if self.link.is_none() {
            let Some(opener) = self.opener.as_mut() else {
                return Err(IdCardError::Disconnected("link closed".into()));
            };
            let gap = Duration::from_millis(self.cfg.reconnect_interval_ms);
            if self.last_open_attempt.is_some_and(|t| t.elapsed() < gap) {
                return Err(IdCardError::Disconnected(self.cfg.port.clone()));
            }
            self.last_open_attempt = Some(Instant::now());
            match opener() {
                Ok(link) => {
                    self.link = Some(link);
                    self.stats.reconnects += 1;
                    self.needs_init = true;
                }
                Err(e) => {
                    self.set_status(IdCardStatus::Disconnected);
                    return Err(IdCardError::Disconnected(format!("{}: {e}", self.cfg.port)));
                }
            }
        }
        if self.needs_init {
            self.dec.clear();
            self.init()?;
            self.needs_init = false;
            self.set_status(IdCardStatus::NoCard);
        }
        Ok(())
    }

    /// SAM reset (10 FF), status (11 FF), id (12 FF).
    fn init(&mut self) -> Result<(), IdCardError> {
        let t = self.cfg.command_timeout_ms;
        let r = self.command(cmd::RESET_SAM, t)?;
        self.expect(&r, Sw3::Ok, "reset SAM 10 FF")?;
        let r = self.command(cmd::SAM_STATUS, t)?;
        self.expect(&r, Sw3::Ok, "SAM status 11 FF")?;
        let r = self.command(cmd::SAM_ID, t)?;
        self.expect(&r, Sw3::Ok, "SAM id 12 FF")?;
        self.sam_id = Some(r.data.iter().map(|b| format!("{b:02X}")).collect());
        tracing::info!(port = %self.cfg.port, sam_id = ?self.sam_id, "idcard SAM ready");
        Ok(())
    }

    fn expect(&mut self, r: &Response, want: Sw3, step: &'static str) -> Result<(), IdCardError> {
        if r.sw3 == want {
            return Ok(());
        }
        let e = IdCardError::Sam { step, sw3: r.sw3 };
        self.set_status(IdCardStatus::Fault(e.to_string()));
        Err(e)
    }

    /// One command with bounded retries on transport trouble.
    fn command(&mut self, (c, p): (u8, u8), timeout_ms: u64) -> Result<Response, IdCardError> {
        let mut last = IdCardError::Timeout;
        for attempt in 0..=self.cfg.retries {
            if attempt > 0 {
                self.stats.retries += 1;
                self.drain();
            }
            match self.transact(c, p, Duration::from_millis(timeout_ms)) {
                // The reader saw a damaged frame from us: send it again.
                Ok(r) if matches!(r.sw3, Sw3::ChecksumError | Sw3::LengthError) => {
                    last = IdCardError::Sam { step: "frame", sw3: r.sw3 };
                }
                Ok(r) => return Ok(r),
                Err(e @ IdCardError::Disconnected(_)) => {
                    self.drop_link(&e.to_string());
                    return Err(e);
                }
                Err(e) => last = e,
            }
        }
        if matches!(last, IdCardError::Timeout) && !self.cfg.port.is_empty() && self.opener.is_some() {
            // A USB adapter that vanished may not raise an error on a silent line.
            if !std::path::Path::new(&self.cfg.port).exists() {
                let e = IdCardError::Disconnected(format!("{} is gone", self.cfg.port));
                self.drop_link(&e.to_string());
                return Err(e);
            }
        }
        Err(last)
    }

    /// Throws away whatever is in flight (a late answer to a timed-out command).
    fn drain(&mut self) {
        self.dec.clear();
        let Some(link) = self.link.as_mut() else {
            return;
        };
        let until = Instant::now() + Duration::from_millis(30);
        let mut buf = [0u8; 512];
        while Instant::now() < until {
            match link.read(&mut buf) {
                Ok(n) if n > 0 => continue,
                _ => break,
            }
        }
        buf.fill(0);
    }

    fn transact(&mut self, c: u8, p: u8, timeout: Duration) -> Result<Response, IdCardError> {
        let link = self.link.as_mut().ok_or_else(|| IdCardError::Disconnected("not open".into()))?;
        self.stats.commands += 1;
        // A late answer to an earlier command must not pass for this one's.
        self.dec.clear();
        link.discard_input();
        let req = encode_request(c, p, &[]);
        link.write_all(&req).and_then(|_| link.flush()).map_err(|e| IdCardError::Disconnected(e.to_string()))?;
        let deadline = Instant::now() + timeout;
        // After a bad frame, wait only briefly for a good one before retrying.
        let mut bad: Option<(String, Instant)> = None;
        let mut buf = [0u8; 2048];
        loop {
            while let Some(f) = self.dec.next_frame() {
                match f.map_err(|e| e.to_string()).and_then(|f| Response::from_frame(&f).map_err(|e| e.to_string())) {
                    Ok(r) if r.sw1 == 0 && r.sw2 == 0 && answers(c, p, &r) => {
                        buf.fill(0);
                        return Ok(r);
                    }
                    Ok(r) if r.sw1 == 0 && r.sw2 == 0 => {
                        // Well formed but not an answer to (c, p): a late one; skip it.
                        self.stats.stale_frames += 1;
                        tracing::debug!(cmd = c, para = p, answer = ?r, "idcard: stale answer skipped");
                    }
                    Ok(r) => bad = Some((format!("SW1 SW2 = {:02X} {:02X}", r.sw1, r.sw2), Instant::now())),
                    Err(e) => {
                        self.stats.bad_frames += 1;
                        bad.get_or_insert((e, Instant::now()));
                    }
                }
            }
            let now = Instant::now();
            if let Some((e, at)) = &bad {
                if now >= deadline || now.duration_since(*at) > Duration::from_millis(40) {
                    return Err(IdCardError::Protocol(e.clone()));
                }
            }
            if now >= deadline {
                self.stats.timeouts += 1;
                self.dec.abandon_partial();
                return Err(IdCardError::Timeout);
            }
            match link.read(&mut buf) {
                Ok(0) => std::thread::sleep(Duration::from_millis(1)),
                Ok(n) => self.dec.push(&buf[..n]),
                Err(e)
                    if matches!(
                        e.kind(),
                        io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock | io::ErrorKind::Interrupted
                    ) => {}
                Err(e) => return Err(IdCardError::Disconnected(e.to_string())),
            }
        }
    }

    /// find → select → read, bounded retries; `Ok(None)` when there is no new card.
    fn cycle(&mut self) -> Result<Option<IdCard>, IdCardError> {
        let t = self.cfg.command_timeout_ms;
        let mut last = IdCardError::Timeout;
        for _ in 0..=self.cfg.retries {
            let find = self.command(cmd::FIND_CARD, t)?;
            match find.sw3 {
                Sw3::FindOk => {}
                Sw3::FindFailed => {
                    self.card_in_field = false;
                    self.set_status(IdCardStatus::NoCard);
                    return Ok(None);
                }
                other => {
                    let e = IdCardError::Sam { step: "find card 20 01", sw3: other };
                    self.set_status(IdCardStatus::Fault(e.to_string()));
                    return Err(e);
                }
            }
            if self.card_in_field {
                // The card already reported has not left the field.
                return Ok(None);
            }
            let sel = self.command(cmd::SELECT_CARD, t)?;
            if sel.sw3 != Sw3::Ok {
                last = IdCardError::Sam { step: "select card 20 02", sw3: sel.sw3 };
                self.stats.retries += 1;
                continue;
            }
            let (read_cmd, step) = if self.cfg.read_fingerprint {
                (cmd::READ_TEXT_PHOTO_FP, "read card 30 10")
            } else {
                (cmd::READ_TEXT_PHOTO, "read card 30 01")
            };
            let read = self.command(read_cmd, self.cfg.read_timeout_ms)?;
            if read.sw3 != Sw3::Ok {
                last = IdCardError::Sam { step, sw3: read.sw3 };
                self.stats.retries += 1;
                continue;
            }
            // Whatever happens next, this placement has been dealt with.
            self.card_in_field = true;
            let mut card = parse_read(&read.data, self.cfg.read_fingerprint)?;
            if card.kind == CardKind::Resident && self.cfg.read_extra_address {
                card.extra_address = self.extra_address()?;
            }
            self.stats.cards += 1;
            self.set_status(IdCardStatus::Ready);
            tracing::info!(kind = ?card.kind, id = %Masked(&card.id_number), "idcard read");
            return Ok(Some(card));
        }
        if let IdCardError::Sam { sw3, .. } = &last {
            if !matches!(sw3, Sw3::SelectFailed) {
                self.set_status(IdCardStatus::Fault(last.to_string()));
            }
        }
        Err(last)
    }

    fn extra_address(&mut self) -> Result<Option<String>, IdCardError> {
        let r = self.command(cmd::READ_EXTRA_ADDRESS, self.cfg.command_timeout_ms)?;
        match r.sw3 {
            Sw3::Ok => {
                let n = r.data.len().min(EXTRA_ADDRESS_LEN);
                let s = decode_ucs2(&r.data[..n & !1]);
                Ok((!s.is_empty()).then_some(s))
            }
            Sw3::NoSuchItem => Ok(None),
            other => {
                tracing::warn!(sw3 = %other, "idcard 30 03 failed; card kept without 追加住址");
                Ok(None)
            }
        }
    }
}

/// Whether `r` has the shape of an answer to (c, p). Failure codes fit any command.
fn answers(c: u8, p: u8, r: &Response) -> bool {
    let n = r.data.len();
    match (c, p, r.sw3) {
        (_, _, s) if !s.is_success() => true,
        (0x20, 0x01, Sw3::FindOk) => n == 4,
        (0x20, 0x02, Sw3::Ok) => n == 8,
        (0x30, 0x01 | 0x10, Sw3::Ok) => n >= 4,
        (0x30, 0x03, Sw3::Ok) => n == EXTRA_ADDRESS_LEN,
        (0x12, 0xFF, Sw3::Ok) => n == 16,
        // Reset and status carry no data, but some readers may add some: accept it.
        (0x10 | 0x11, 0xFF, Sw3::Ok) => true,
        _ => false,
    }
}

/// Splits a 30 01 / 30 10 answer into text, photo (and fingerprint) and parses the text.
pub fn parse_read(data: &[u8], with_fp: bool) -> Result<IdCard, IdCardError> {
    let heads = if with_fp { 3 } else { 2 };
    if data.len() < heads * 2 {
        return Err(IdCardError::Protocol(format!("read answer too short: {} bytes", data.len())));
    }
    let lens: Vec<usize> = (0..heads).map(|i| u16::from_be_bytes([data[2 * i], data[2 * i + 1]]) as usize).collect();
    let body = &data[heads * 2..];
    if lens.iter().sum::<usize>() > body.len() {
        return Err(IdCardError::Protocol(format!("read answer lengths {lens:?} exceed {} bytes", body.len())));
    }
    if lens[0] != TEXT_LEN {
        return Err(IdCardError::CardData(format!("text block is {} bytes, expected {TEXT_LEN}", lens[0])));
    }
    let text = &body[..lens[0]];
    let photo = &body[lens[0]..lens[0] + lens[1]];
    let mut card = parse_card(text, photo).map_err(|e| IdCardError::CardData(e.to_string()))?;
    if with_fp {
        let start = lens[0] + lens[1];
        card.supplement.fingerprint = body[start..start + lens[2]].to_vec();
    }
    Ok(card)
}

impl Drop for SamReader {
    fn drop(&mut self) {
        if let Some(l) = self.link.as_mut() {
            l.release();
        }
    }
}

impl IdCardReader for SamReader {
    fn poll(&mut self) -> Result<Option<IdCard>, IdCardError> {
        self.ensure_ready()?;
        self.cycle()
    }

    fn status(&mut self) -> IdCardStatus {
        self.status.clone()
    }

    /// Opens the link if needed and asks the SAM for its status (11 FF): no card is
    /// selected or read, so a card lying on the reader stays untouched.
    fn check(&mut self) -> IdCardStatus {
        let res = self.ensure_ready().and_then(|()| {
            let r = self.command(cmd::SAM_STATUS, self.cfg.command_timeout_ms)?;
            self.expect(&r, Sw3::Ok, "SAM status 11 FF")
        });
        match res {
            Ok(()) if matches!(self.status, IdCardStatus::Fault(_) | IdCardStatus::Disconnected) => {
                self.set_status(IdCardStatus::NoCard)
            }
            Ok(()) => {}
            Err(e) => tracing::debug!(error = %e, "idcard check failed"),
        }
        self.status.clone()
    }

    fn sam_id(&mut self) -> Option<String> {
        SamReader::sam_id(self).map(str::to_string)
    }
}

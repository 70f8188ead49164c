//! A GA 450 (SAM) reader emulator that speaks the real protocol on a pty pair, so the
//! driver code that runs on a terminal is the code the tests exercise.
//!
//! The emulator owns the pty master; the driver opens the slave path (or a symlink to
//! it, which survives unplug/replug: a replug creates a new pty and moves the link).
//! Cards come from a queue (JSON, see `CardSpec`); faults are injected on command.
//!
//! Card behaviour follows real SAMs: after a card has been read, the next find answers
//! 80 (the card is taken away) and the following find places the next queued card.
//! With `sticky` the read card stays in the field (find keeps answering 9F) until
//! `remove_card`, which is how the driver's "must leave the field" rule is tested.

use super::card::{encode_extra_address, encode_text, CardSpec, FINGERPRINT_LEN, PHOTO_LEN};
use super::codec::{encode_response, DecodeError, Decoder, Request, Sw3};
use super::driver::{SamConfig, SamReader};
use serialport::TTYPort;
use std::collections::VecDeque;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// Every pty pair in the process comes from `crate::pty::pair` (one lock).
pub use crate::pty::pair as pty_pair;

/// A fault the emulator applies to the next matching exchange (one-shot; inject
/// several times, or use `inject_n`, to repeat it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// The next find answers 80 (no card) although a card is there.
    NoCard,
    /// The next answer carries a wrong checksum.
    BadChecksum,
    /// The next answer is written in pieces of `chunk` bytes, `gap` apart.
    Split { chunk: usize, gap: Duration },
    /// These bytes are sent just before the next answer.
    Garbage(Vec<u8>),
    /// The next answer is delayed.
    Slow(Duration),
    /// The next (cmd, para) command answers with this SW3 and no data.
    Sam { cmd: u8, para: u8, sw3: u8 },
    /// The next command gets no answer at all.
    Silent,
}

impl Fault {
    fn same_kind(&self, other: &Fault) -> bool {
        std::mem::discriminant(self) == std::mem::discriminant(other)
    }
}

/// How to start an emulator.
#[derive(Debug, Clone)]
pub struct EmulatorConfig {
    /// Symlink to create to the slave pty (needed for unplug/replug: the pty changes).
    pub link: Option<PathBuf>,
    pub cards: Vec<CardSpec>,
    /// Serve the card list again and again (demo mode).
    pub repeat: bool,
    /// A read card stays in the field until `remove_card`.
    pub sticky: bool,
    /// Pace answers to this line speed (10 bits per byte). A pty does not throttle.
    pub pace_baud: Option<u32>,
    pub sam_id: [u8; 16],
}

impl Default for EmulatorConfig {
    fn default() -> Self {
        Self {
            link: None,
            cards: Vec::new(),
            repeat: false,
            sticky: false,
            pace_baud: None,
            sam_id: *b"\x05\x00\x01\x00\x20\x24\x01\x01\x00\x00\x00\x01\x4b\x49\x4f\x53",
        }
    }
}

struct EmuCard {
    text: Vec<u8>,
    photo_fill: u8,
    extra: Option<Vec<u8>>,
    selected: bool,
    read: bool,
}

impl EmuCard {
    fn new(spec: &CardSpec) -> Result<EmuCard, String> {
        let extra = spec.extra_address.as_deref().map(encode_extra_address).transpose()?;
        Ok(EmuCard { text: encode_text(spec)?, photo_fill: spec.photo_fill, extra, selected: false, read: false })
    }
}

struct State {
    queue: VecDeque<CardSpec>,
    all: Vec<CardSpec>,
    repeat: bool,
    sticky: bool,
    field: Option<EmuCard>,
    faults: Vec<Fault>,
    split: Option<(usize, Duration)>,
    delay: Duration,
    pace_baud: Option<u32>,
    sam_id: [u8; 16],
    plugged: bool,
    new_master: Option<TTYPort>,
    master_open: bool,
    stop: bool,
    slave_name: String,
    log: Vec<(u8, u8)>,
}

/// A running emulator; stopped (and its link removed) on drop.
pub struct Emulator {
    st: Arc<Mutex<State>>,
    link: Option<PathBuf>,
    thread: Option<JoinHandle<()>>,
}

fn lock(st: &Mutex<State>) -> MutexGuard<'_, State> {
    st.lock().unwrap_or_else(|p| p.into_inner())
}

fn set_link(link: &Path, target: &str) -> io::Result<()> {
    let tmp = link.with_extension("idcard-tmp");
    let _ = std::fs::remove_file(&tmp);
    std::os::unix::fs::symlink(target, &tmp)?;
    std::fs::rename(&tmp, link)
}

impl Emulator {
    /// Creates a pty pair and serves the protocol on it from a new thread.
    pub fn start(cfg: EmulatorConfig) -> io::Result<Emulator> {
        for (i, c) in cfg.cards.iter().enumerate() {
            EmuCard::new(c).map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, format!("card {i}: {e}")))?;
        }
        let st = Arc::new(Mutex::new(State {
            queue: cfg.cards.iter().cloned().collect(),
            all: cfg.cards.clone(),
            repeat: cfg.repeat,
            sticky: cfg.sticky,
            field: None,
            faults: Vec::new(),
            split: None,
            delay: Duration::ZERO,
            pace_baud: cfg.pace_baud,
            sam_id: cfg.sam_id,
            plugged: false,
            new_master: None,
            master_open: false,
            stop: false,
            slave_name: String::new(),
            log: Vec::new(),
        }));
        let mut emu = Emulator { st: st.clone(), link: cfg.link.clone(), thread: None };
        emu.plug()?;
        emu.thread = Some(std::thread::Builder::new().name("idcard-emu".into()).spawn(move || serve(st))?);
        Ok(emu)
    }

    fn plug(&self) -> io::Result<()> {
        let (mut master, slave) = pty_pair()?;
        let name = serialport::SerialPort::name(&slave).unwrap_or_default();
        // The driver opens the slave itself; ours is closed so nothing competes for bytes.
        drop(slave);
        serialport::SerialPort::set_timeout(&mut master, Duration::from_millis(5)).map_err(io::Error::from)?;
        if let Some(link) = &self.link {
            set_link(link, &name)?;
        }
        let mut s = lock(&self.st);
        s.slave_name = name;
        s.new_master = Some(master);
        s.plugged = true;
        Ok(())
    }

    /// The path a driver opens: the symlink if configured, else the slave pty.
    pub fn port_path(&self) -> String {
        match &self.link {
            Some(l) => l.to_string_lossy().into_owned(),
            None => lock(&self.st).slave_name.clone(),
        }
    }

    /// Driver settings for this emulator (short timeouts: the emulator answers at once).
    pub fn reader_config(&self) -> SamConfig {
        SamConfig {
            command_timeout_ms: 300,
            read_timeout_ms: 1000,
            reconnect_interval_ms: 100,
            ..SamConfig::new(&self.port_path(), 115_200)
        }
    }

    /// A real driver connected (lazily) to this emulator.
    pub fn reader(&self) -> SamReader {
        SamReader::new(self.reader_config())
    }

    /// Adds a card to the queue; it is placed when the field is empty.
    pub fn enqueue(&self, spec: CardSpec) -> Result<(), String> {
        EmuCard::new(&spec)?;
        lock(&self.st).queue.push_back(spec);
        Ok(())
    }

    /// Puts a card in the field now, replacing any card there.
    pub fn place(&self, spec: &CardSpec) -> Result<(), String> {
        let c = EmuCard::new(spec)?;
        lock(&self.st).field = Some(c);
        Ok(())
    }

    /// Takes the card out of the field.
    pub fn remove_card(&self) {
        lock(&self.st).field = None;
    }

    pub fn set_sticky(&self, sticky: bool) {
        lock(&self.st).sticky = sticky;
    }

    /// Queues a one-shot fault.
    pub fn inject(&self, f: Fault) {
        lock(&self.st).faults.push(f);
    }

    pub fn inject_n(&self, f: Fault, n: usize) {
        let mut s = lock(&self.st);
        s.faults.extend(std::iter::repeat_n(f, n));
    }

    pub fn clear_faults(&self) {
        let mut s = lock(&self.st);
        s.faults.clear();
        s.split = None;
        s.delay = Duration::ZERO;
    }

    /// Every answer from now on is split in `chunk`-byte pieces `gap` apart.
    pub fn set_split(&self, split: Option<(usize, Duration)>) {
        lock(&self.st).split = split;
    }

    /// Every answer from now on is delayed.
    pub fn set_delay(&self, d: Duration) {
        lock(&self.st).delay = d;
    }

    /// Pace answers to a line speed (None: as fast as the pty goes).
    pub fn set_pacing(&self, baud: Option<u32>) {
        lock(&self.st).pace_baud = baud;
    }

    /// The (CMD, PARA) of every request received so far.
    pub fn command_log(&self) -> Vec<(u8, u8)> {
        lock(&self.st).log.clone()
    }

    /// USB unplug: the pty is closed (the driver's reads fail) and the link removed.
    pub fn unplug(&self) {
        lock(&self.st).plugged = false;
        let until = Instant::now() + Duration::from_secs(2);
        while lock(&self.st).master_open && Instant::now() < until {
            std::thread::sleep(Duration::from_millis(2));
        }
        if let Some(l) = &self.link {
            let _ = std::fs::remove_file(l);
        }
    }

    /// USB replug: a new pty appears and the link points at it.
    pub fn replug(&self) -> io::Result<()> {
        self.plug()
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        lock(&self.st).stop = true;
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
        if let Some(l) = &self.link {
            let _ = std::fs::remove_file(l);
        }
    }
}

fn serve(st: Arc<Mutex<State>>) {
    let mut master: Option<TTYPort> = None;
    let mut dec = Decoder::new();
    let mut buf = [0u8; 4096];
    loop {
        {
            let mut s = lock(&st);
            if s.stop {
                return;
            }
            if !s.plugged && master.is_some() {
                master = None;
                dec.clear();
            }
            if let Some(m) = s.new_master.take() {
                master = Some(m);
                dec.clear();
            }
            s.master_open = master.is_some();
        }
        let Some(m) = master.as_mut() else {
            std::thread::sleep(Duration::from_millis(5));
            continue;
        };
        match m.read(&mut buf) {
            Ok(n) if n > 0 => dec.push(&buf[..n]),
            Ok(_) => {}
            Err(e) if e.kind() == io::ErrorKind::TimedOut => {}
            // EIO/EPIPE: no process has the slave open yet.
            Err(_) => std::thread::sleep(Duration::from_millis(5)),
        }
        while let Some(f) = dec.next_frame() {
            // Wire size of the request (preamble, LEN, payload, CHK), for line pacing.
            let rx_bytes = f.as_ref().map_or(0, |f| f.payload.len() + 8);
            let plan = {
                let mut s = lock(&st);
                match f.map(|f| Request::from_frame(&f)) {
                    Ok(Ok(req)) => s.answer(&req),
                    Ok(Err(_)) | Err(DecodeError::BadLength(_) | DecodeError::Oversize(_)) => {
                        s.plain(encode_response(Sw3::LengthError, &[]))
                    }
                    Err(_) => s.plain(encode_response(Sw3::ChecksumError, &[])),
                }
            };
            if let Some(p) = plan {
                deliver(m, p, rx_bytes);
            }
        }
    }
}

/// How one answer goes out on the line.
struct Plan {
    bytes: Vec<u8>,
    garbage: Vec<u8>,
    delay: Duration,
    split: Option<(usize, Duration)>,
    pace_baud: Option<u32>,
}

impl State {
    fn take_fault(&mut self, pred: impl Fn(&Fault) -> bool) -> Option<Fault> {
        let i = self.faults.iter().position(pred)?;
        Some(self.faults.remove(i))
    }

    fn plain(&mut self, bytes: Vec<u8>) -> Option<Plan> {
        Some(Plan { bytes, garbage: Vec::new(), delay: self.delay, split: self.split, pace_baud: self.pace_baud })
    }

    fn answer(&mut self, req: &Request) -> Option<Plan> {
        let key = (req.cmd, req.para);
        self.log.push(key);
        if self.take_fault(|f| *f == Fault::Silent).is_some() {
            return None;
        }
        let forced = self.take_fault(|f| matches!(f, Fault::Sam { cmd, para, .. } if (*cmd, *para) == key));
        let bytes = match forced {
            Some(Fault::Sam { sw3, .. }) => encode_response(Sw3::from_byte(sw3), &[]),
            _ => self.protocol(key),
        };
        let mut plan = self.plain(bytes)?;
        if self.take_fault(|f| *f == Fault::BadChecksum).is_some() {
            if let Some(last) = plan.bytes.last_mut() {
                *last ^= 0x5A;
            }
        }
        if let Some(Fault::Garbage(g)) = self.take_fault(|f| f.same_kind(&Fault::Garbage(vec![]))) {
            plan.garbage = g;
        }
        if let Some(Fault::Slow(d)) = self.take_fault(|f| f.same_kind(&Fault::Slow(Duration::ZERO))) {
            plan.delay += d;
        }
        if let Some(Fault::Split { chunk, gap }) =
            self.take_fault(|f| f.same_kind(&Fault::Split { chunk: 0, gap: Duration::ZERO }))
        {
            plan.split = Some((chunk.max(1), gap));
        }
        Some(plan)
    }

    /// The reader's normal behaviour.
    fn protocol(&mut self, key: (u8, u8)) -> Vec<u8> {
        match key {
            (0x10, 0xFF) | (0x11, 0xFF) => encode_response(Sw3::Ok, &[]),
            (0x12, 0xFF) => encode_response(Sw3::Ok, &self.sam_id.clone()),
            (0x20, 0x01) => {
                if self.take_fault(|f| *f == Fault::NoCard).is_some() {
                    return encode_response(Sw3::FindFailed, &[]);
                }
                if self.field.as_ref().is_some_and(|c| c.read && !self.sticky) {
                    // A read card has been taken away.
                    self.field = None;
                    return encode_response(Sw3::FindFailed, &[]);
                }
                if self.field.is_none() {
                    if self.queue.is_empty() && self.repeat {
                        self.queue = self.all.iter().cloned().collect();
                    }
                    self.field = self.queue.pop_front().and_then(|s| EmuCard::new(&s).ok());
                }
                match &mut self.field {
                    Some(c) => {
                        c.selected = false;
                        encode_response(Sw3::FindOk, &[0; 4])
                    }
                    None => encode_response(Sw3::FindFailed, &[]),
                }
            }
            (0x20, 0x02) => match &mut self.field {
                Some(c) => {
                    c.selected = true;
                    encode_response(Sw3::Ok, &[0; 8])
                }
                None => encode_response(Sw3::SelectFailed, &[]),
            },
            (0x30, p @ (0x01 | 0x10)) => match &mut self.field {
                Some(c) if c.selected => {
                    let fp = p == 0x10;
                    let mut d = Vec::with_capacity(6 + 256 + PHOTO_LEN + FINGERPRINT_LEN);
                    d.extend_from_slice(&(c.text.len() as u16).to_be_bytes());
                    d.extend_from_slice(&(PHOTO_LEN as u16).to_be_bytes());
                    if fp {
                        d.extend_from_slice(&(FINGERPRINT_LEN as u16).to_be_bytes());
                    }
                    d.extend_from_slice(&c.text);
                    d.extend(std::iter::repeat_n(c.photo_fill, PHOTO_LEN));
                    if fp {
                        d.extend(std::iter::repeat_n(0x46, FINGERPRINT_LEN));
                    }
                    c.read = true;
                    encode_response(Sw3::Ok, &d)
                }
                _ => encode_response(Sw3::ReadFailed, &[]),
            },
            (0x30, 0x03) => match &self.field {
                Some(c) => match &c.extra {
                    Some(e) => encode_response(Sw3::Ok, e),
                    None => encode_response(Sw3::NoSuchItem, &[]),
                },
                None => encode_response(Sw3::ReadFailed, &[]),
            },
            _ => encode_response(Sw3::BadCommand, &[]),
        }
    }
}

/// Writes one answer. With line pacing, each piece is written when its last byte
/// would have arrived at `pace_baud` (8N1: 10 bit times per byte), counting from the
/// moment the request would have been fully received.
fn deliver(m: &mut TTYPort, p: Plan, rx_bytes: usize) {
    let byte_time = |n: usize| match p.pace_baud {
        Some(baud) => Duration::from_secs_f64(n as f64 * 10.0 / f64::from(baud.max(1))),
        None => Duration::ZERO,
    };
    std::thread::sleep(p.delay + byte_time(rx_bytes));
    let mut out = p.garbage;
    out.extend_from_slice(&p.bytes);
    let (chunk, gap) = match (p.split, p.pace_baud) {
        (Some(s), _) => s,
        (None, Some(_)) => (16, Duration::ZERO),
        (None, None) => (out.len().max(1), Duration::ZERO),
    };
    let start = Instant::now();
    let mut sent = 0usize;
    for piece in out.chunks(chunk) {
        sent += piece.len();
        if let Some(wait) = (start + byte_time(sent)).checked_duration_since(Instant::now()) {
            std::thread::sleep(wait);
        }
        if m.write_all(piece).is_err() {
            return;
        }
        if !gap.is_zero() && sent < out.len() {
            std::thread::sleep(gap);
        }
    }
    out.fill(0);
}

/// Reads a card list: a JSON array of `CardSpec`, or `{"cards": [...], "repeat": bool}`.
pub fn load_cards(path: &Path) -> io::Result<(Vec<CardSpec>, bool)> {
    #[derive(serde::Deserialize)]
    #[serde(untagged)]
    enum File {
        List(Vec<CardSpec>),
        Obj {
            cards: Vec<CardSpec>,
            #[serde(default)]
            repeat: bool,
        },
    }
    let text = std::fs::read_to_string(path)?;
    let f: File = serde_json::from_str(&text)
        .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, format!("{}: {e}", path.display())))?;
    let (cards, repeat) = match f {
        File::List(c) => (c, false),
        File::Obj { cards, repeat } => (cards, repeat),
    };
    for (i, c) in cards.iter().enumerate() {
        EmuCard::new(c)
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, format!("{} card {i}: {e}", path.display())))?;
    }
    Ok((cards, repeat))
}

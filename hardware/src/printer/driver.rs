//! The real printer driver: a thread that owns the transport, behind a `Send` handle.
//!
//! Every job polls DLE EOT 1–4 before (refuse if not ready), between chunks (stop
//! sending once paper runs out) and after (the job counts only if the printer is
//! still sane). The caller blocks on a channel; the kiosk runtime calls from a
//! blocking task.

use super::encoder::encode_job_parts;
use super::profile::PrinterProfile;
use super::status::{self, Demux, StatusBits};
use super::transport::{Transport, TransportConfig};
use super::{Document, PrinterError, PrinterStatus, ReceiptPrinter};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

/// Job parts are grouped up to this size; status is checked between groups.
const CHUNK: usize = 4096;

enum Request {
    Status(mpsc::Sender<Option<StatusBits>>),
    Print(Vec<Vec<u8>>, mpsc::Sender<Result<StatusBits, PrinterError>>),
}

/// ESC/POS printer on its own thread. Cheap to move between threads; not `Clone`
/// (one owner sends jobs).
pub struct EscPosPrinter {
    tx: mpsc::Sender<Request>,
    profile: PrinterProfile,
    last: Option<StatusBits>,
}

struct Worker {
    t: Box<dyn Transport>,
    demux: Demux,
    reply_timeout: Duration,
    /// While a job is in the printer, replies may wait until the data before the
    /// query is processed (cheap firmwares, and the virtual printer, answer in order).
    busy_timeout: Duration,
}

impl Worker {
    /// One DLE EOT query; None when the printer does not answer in time.
    fn query(&mut self, n: u8, timeout: Duration) -> Option<u8> {
        // Stale bytes (a late answer, or a printer that read 10 04 inside raster data)
        // must not be taken for this reply.
        self.t.drain();
        self.demux.clear();
        self.t.write_all(&status::query(n)).ok()?;
        let deadline = Instant::now() + timeout;
        let mut buf = [0u8; 64];
        loop {
            if let Some(b) = self.demux.next_reply() {
                return Some(b);
            }
            let left = deadline.checked_duration_since(Instant::now())?;
            match self.t.read_some(&mut buf, left) {
                Ok(k) => self.demux.push(&buf[..k]),
                Err(_) => return None,
            }
        }
    }

    fn status(&mut self, busy: bool) -> Option<StatusBits> {
        let timeout = if busy { self.busy_timeout } else { self.reply_timeout };
        let mut r = [0u8; 4];
        for (i, n) in status::QUERIES.into_iter().enumerate() {
            r[i] = self.query(n, timeout)?;
        }
        Some(StatusBits::from_replies(r))
    }

    fn print(&mut self, job: &[Vec<u8>]) -> Result<StatusBits, PrinterError> {
        let before = self.status(false).ok_or(PrinterError::NotReady(PrinterStatus::Disconnected))?;
        if !before.status().can_print() {
            return Err(PrinterError::NotReady(before.status()));
        }
        let mut sent = 0;
        for part in job {
            if sent >= CHUNK {
                let mid = self.status(true).ok_or(PrinterError::JobFailed(PrinterStatus::Disconnected))?;
                if !mid.status().can_print() {
                    return Err(PrinterError::JobFailed(mid.status()));
                }
                sent = 0;
            }
            self.t.write_all(part).map_err(|e| PrinterError::Io(e.to_string()))?;
            sent += part.len();
        }
        let after = self.status(true).ok_or(PrinterError::JobFailed(PrinterStatus::Disconnected))?;
        if !after.status().can_print() {
            return Err(PrinterError::JobFailed(after.status()));
        }
        if after.paper_near_end {
            tracing::warn!("receipt printer: paper near end");
        }
        Ok(after)
    }

    fn run(mut self, rx: mpsc::Receiver<Request>) {
        for req in rx {
            match req {
                Request::Status(reply) => {
                    let _ = reply.send(self.status(false));
                }
                Request::Print(job, reply) => {
                    let _ = reply.send(self.print(&job));
                }
            }
        }
    }
}

impl EscPosPrinter {
    /// Opens the configured transport and starts the printer thread.
    pub fn open(cfg: &TransportConfig, profile: PrinterProfile) -> Result<Self, PrinterError> {
        let t = cfg.open().map_err(|e| PrinterError::Io(format!("{cfg:?}: {e}")))?;
        Ok(Self::with_transport(t, profile))
    }

    /// Starts the printer thread on an already open transport (tests, custom links).
    pub fn with_transport(t: Box<dyn Transport>, profile: PrinterProfile) -> Self {
        Self::with_timeout(t, profile, Duration::from_millis(500))
    }

    pub fn with_timeout(t: Box<dyn Transport>, profile: PrinterProfile, reply_timeout: Duration) -> Self {
        let (tx, rx) = mpsc::channel();
        let busy_timeout = (reply_timeout * 60).max(Duration::from_secs(30));
        let worker = Worker { t, demux: Demux::default(), reply_timeout, busy_timeout };
        thread::Builder::new()
            .name("receipt-printer".into())
            .spawn(move || worker.run(rx))
            .expect("spawn printer thread");
        EscPosPrinter { tx, profile, last: None }
    }

    pub fn profile(&self) -> &PrinterProfile {
        &self.profile
    }

    /// All status bits (None: the printer did not answer).
    pub fn status_bits(&mut self) -> Result<Option<StatusBits>, PrinterError> {
        let (tx, rx) = mpsc::channel();
        self.send(Request::Status(tx))?;
        let bits = rx.recv().map_err(|_| PrinterError::Io("printer thread gone".into()))?;
        self.last = bits;
        Ok(bits)
    }

    /// Status bits seen last (after the last job or query), e.g. for a near-end alert.
    pub fn last_bits(&self) -> Option<StatusBits> {
        self.last
    }

    /// Sends pre-encoded ESC/POS bytes as one job, with the same status checks.
    pub fn print_bytes(&mut self, job: Vec<u8>) -> Result<(), PrinterError> {
        self.print_parts(vec![job])
    }

    /// Sends a job split on command boundaries (see `encoder::encode_parts`).
    pub fn print_parts(&mut self, job: Vec<Vec<u8>>) -> Result<(), PrinterError> {
        let (tx, rx) = mpsc::channel();
        self.send(Request::Print(job, tx))?;
        let r = rx.recv().map_err(|_| PrinterError::Io("printer thread gone".into()))?;
        match &r {
            Ok(bits) => self.last = Some(*bits),
            Err(_) => self.last = None,
        }
        r.map(|_| ())
    }

    fn send(&self, r: Request) -> Result<(), PrinterError> {
        self.tx.send(r).map_err(|_| PrinterError::Io("printer thread gone".into()))
    }
}

impl ReceiptPrinter for EscPosPrinter {
    fn status(&mut self) -> Result<PrinterStatus, PrinterError> {
        Ok(self.status_bits()?.map_or(PrinterStatus::Disconnected, |b| b.status()))
    }

    fn print(&mut self, doc: &Document) -> Result<(), PrinterError> {
        let job = encode_job_parts(doc, &self.profile);
        self.print_parts(job)
    }

    fn printer_profile(&self) -> Option<PrinterProfile> {
        Some(self.profile.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::printer::transport::FnTransport;
    use std::sync::{Arc, Mutex};

    /// Fake printer: answers DLE EOT from `state`; the job's first write flips paper out.
    fn fake(state: Arc<Mutex<StatusBits>>, out_after_data: bool) -> Box<dyn Transport> {
        Box::new(FnTransport {
            reply: move |bytes: &[u8]| {
                let mut s = state.lock().unwrap();
                if let [0x10, 0x04, n] = bytes {
                    return vec![s.to_replies()[*n as usize - 1]];
                }
                if out_after_data {
                    s.paper_end = true;
                    s.stopped_paper_end = true;
                }
                Vec::new()
            },
            pending: Vec::new(),
        })
    }

    #[test]
    fn refuses_when_cover_open_and_fails_when_paper_runs_out() {
        let state = Arc::new(Mutex::new(StatusBits { cover_open: true, ..Default::default() }));
        let mut p = EscPosPrinter::with_transport(fake(state.clone(), true), PrinterProfile::generic(58));
        let doc = Document::new().text("收件回执");
        assert_eq!(p.status().unwrap(), PrinterStatus::CoverOpen);
        assert!(matches!(p.print(&doc), Err(PrinterError::NotReady(PrinterStatus::CoverOpen))));
        state.lock().unwrap().cover_open = false;
        assert!(matches!(p.print(&doc), Err(PrinterError::JobFailed(PrinterStatus::PaperOut))));
    }

    #[test]
    fn silent_printer_is_disconnected() {
        let t = Box::new(FnTransport { reply: |_: &[u8]| Vec::new(), pending: Vec::new() });
        let mut p = EscPosPrinter::with_timeout(t, PrinterProfile::generic(80), Duration::from_millis(20));
        assert_eq!(p.status().unwrap(), PrinterStatus::Disconnected);
        let doc = Document::new().text("x");
        assert!(matches!(p.print(&doc), Err(PrinterError::NotReady(PrinterStatus::Disconnected))));
    }

    #[test]
    fn near_end_prints_and_is_reported() {
        let state = Arc::new(Mutex::new(StatusBits { paper_near_end: true, ..Default::default() }));
        let mut p = EscPosPrinter::with_transport(fake(state, false), PrinterProfile::generic(80));
        p.print(&Document::new().text("ok")).unwrap();
        assert!(p.last_bits().unwrap().paper_near_end);
        assert_eq!(p.status().unwrap(), PrinterStatus::PaperNearEnd);
    }
}

//! Thermal receipt printer (ESC/POS).
//!
//! `ReceiptPrinter` prints a `Document` (the device-independent receipt model). The
//! ESC/POS encoder, transports and the virtual printer live beside this file;
//! `SimulatedPrinter` is the in-process stand-in used until a port is configured.

pub mod document;

pub use document::{Align, Block, Document};

use serde::{Deserialize, Serialize};
use std::sync::{Arc, Mutex};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum PrinterStatus {
    Ready,
    PaperNearEnd,
    PaperOut,
    CoverOpen,
    Offline,
    CutterError,
    Unrecoverable,
    Disconnected,
}

impl PrinterStatus {
    /// Whether a job may be sent (near-end still prints, but raises an alert).
    pub fn can_print(self) -> bool {
        matches!(self, PrinterStatus::Ready | PrinterStatus::PaperNearEnd)
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            PrinterStatus::Ready => "正常",
            PrinterStatus::PaperNearEnd => "纸将用完",
            PrinterStatus::PaperOut => "缺纸",
            PrinterStatus::CoverOpen => "纸仓盖未关",
            PrinterStatus::Offline => "脱机",
            PrinterStatus::CutterError => "切刀故障",
            PrinterStatus::Unrecoverable => "严重故障",
            PrinterStatus::Disconnected => "未连接",
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum PrinterError {
    #[error("打印机不可用 / printer not ready: {0:?}")]
    NotReady(PrinterStatus),
    #[error("打印中断 / job failed, printer now {0:?}")]
    JobFailed(PrinterStatus),
    #[error("打印机通信失败 / printer I/O: {0}")]
    Io(String),
}

pub trait ReceiptPrinter: Send {
    fn status(&mut self) -> Result<PrinterStatus, PrinterError>;
    /// Prints and cuts one document. Ok only if the printer is sane after the job.
    fn print(&mut self, doc: &Document) -> Result<(), PrinterError>;
}

/// What a `SimulatedPrinter` has printed and its paper state, shared with tests.
#[derive(Debug, Default)]
pub struct SimulatedPaper {
    pub printed: Vec<Document>,
    pub status: Option<PrinterStatus>,
}

/// In-process printer: keeps the documents it printed.
#[derive(Clone, Default)]
pub struct SimulatedPrinter {
    pub paper: Arc<Mutex<SimulatedPaper>>,
}

impl SimulatedPrinter {
    pub fn set_status(&self, status: PrinterStatus) {
        self.paper.lock().unwrap_or_else(|e| e.into_inner()).status = Some(status);
    }
}

impl ReceiptPrinter for SimulatedPrinter {
    fn status(&mut self) -> Result<PrinterStatus, PrinterError> {
        Ok(self.paper.lock().unwrap_or_else(|e| e.into_inner()).status.unwrap_or(PrinterStatus::Ready))
    }

    fn print(&mut self, doc: &Document) -> Result<(), PrinterError> {
        let status = self.status()?;
        if !status.can_print() {
            return Err(PrinterError::NotReady(status));
        }
        self.paper.lock().unwrap_or_else(|e| e.into_inner()).printed.push(doc.clone());
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paper_out_refuses_job() {
        let mut p = SimulatedPrinter::default();
        let doc = Document::new().text("收件回执");
        p.print(&doc).unwrap();
        p.set_status(PrinterStatus::PaperOut);
        assert!(matches!(p.print(&doc), Err(PrinterError::NotReady(PrinterStatus::PaperOut))));
        assert_eq!(p.paper.lock().unwrap().printed.len(), 1);
    }
}

/// Entry point of `devsim <device>`; returns the process exit code.
pub fn devsim_main(args: &[String]) -> i32 {
    let _ = args;
    eprintln!("devsim: this emulator is not built yet");
    2
}

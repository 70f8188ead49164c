//! Thermal receipt printer (ESC/POS).
//!
//! `ReceiptPrinter` prints a `Document` (the device-independent receipt model).
//! - `EscPosPrinter::open(&TransportConfig, PrinterProfile)`: the real driver
//!   (serial, /dev/usb/lpN, TCP 9100) on its own thread.
//! - Feature `demo` only: `PtyPrinter::spawn` / `TcpPrinter::spawn`, the virtual printer
//!   speaking the same bytes and rendering receipts to PNG; `render_png` renders captured
//!   bytes offline; `devsim printer`.

#[cfg(feature = "demo")]
mod devsim;
pub mod document;
pub mod driver;
pub mod encoder;
pub mod font;
pub mod gbk;
pub mod profile;
pub mod status;
pub mod transport;
#[cfg(feature = "demo")]
pub mod vprinter;
pub mod wrap;

pub use document::{Align, Block, Document};
pub use driver::EscPosPrinter;
pub use encoder::{encode_blocks, encode_job};
pub use profile::{Cutter, PrinterProfile};
pub use status::StatusBits;
pub use transport::TransportConfig;
#[cfg(feature = "demo")]
pub use vprinter::server::{PtyPrinter, TcpPrinter, VirtualPrinterHandle};
#[cfg(feature = "demo")]
pub use vprinter::{render_png, render_receipts, DeviceState, Receipt};

use serde::{Deserialize, Serialize};

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
    /// The profile documents are encoded for (paper width, dots, native QR), for the
    /// technician's test page; None when the printer cannot tell.
    fn printer_profile(&self) -> Option<PrinterProfile> {
        None
    }
}

/// Entry point of `devsim printer …`; returns the process exit code.
#[cfg(feature = "demo")]
pub fn devsim_main(args: &[String]) -> i32 {
    devsim::main(args)
}

//! Device layer of the kiosk: one trait per device, each with a real driver and (with
//! the `demo` feature, on by default, off in the product) an emulator that speaks the
//! device's real wire protocol.
//!
//! Drivers here are blocking and `Send`: the runtime calls them from a blocking
//! thread, so a slow serial line never stalls the UI or the async runtime.

pub mod idcard;
pub mod pii;
pub mod printer;
#[cfg(feature = "demo")]
pub mod pty;
pub mod scanner;

pub use idcard::{IdCard, IdCardError, IdCardReader, IdCardStatus};
pub use printer::{PrinterError, PrinterStatus, ReceiptPrinter};
pub use scanner::{DocumentScanner, ScannedPage, ScannerError, ScannerStatus};

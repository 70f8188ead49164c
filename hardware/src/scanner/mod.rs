//! Document scanner (高拍仪): a UVC camera looking down at the desk.
//!
//! - [`Scanner`] drives any [`Camera`]: the real [`uvc::UvcCamera`] (`Scanner::uvc(path)`),
//!   or, with the `demo` feature, `emulator::EmulatedCamera` (`Scanner::emulated()`):
//!   settle exposure, live preview with the page outline, capture → find page → rectify →
//!   quality checks → JPEG under a limit.
//! - [`pages_to_pdf`] bundles the pages of one material.
//! - `synth` (feature `demo`) draws test scenes with known page corners.

#[cfg(feature = "demo")]
pub mod emulator;
pub mod encode;
mod pipeline;
pub mod process;
pub mod quality;
#[cfg(feature = "demo")]
pub mod synth;
pub mod uvc;

pub use encode::{encode_jpeg_limited, pages_to_pdf, DEFAULT_JPEG_LIMIT};
pub use pipeline::{process_frame, Camera, Preview, ScanConfig, Scanner};
pub use process::Quad;
pub use quality::QualityIssue;
pub use uvc::UvcCamera;

use serde::{Deserialize, Serialize};
use std::path::PathBuf;
use zeroize::{Zeroize, ZeroizeOnDrop};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum ScannerStatus {
    Ready,
    Disconnected,
    Fault(String),
}

#[derive(Debug, thiserror::Error)]
pub enum ScannerError {
    /// The camera went away (unplugged, stopped sending frames).
    #[error("高拍仪未连接 / scanner not connected")]
    Disconnected,
    /// No device node at the configured path (not plugged in, or a wrong path).
    #[error("未找到高拍仪 / scanner not found at {}", .0.display())]
    NotFound(PathBuf),
    /// The path exists but is no usable camera (a regular file, `/dev/null`, an
    /// output-only node, a camera without MJPG or YUYV).
    #[error("不是高拍仪 / {} is not a usable camera: {reason}", path.display())]
    NotACamera { path: PathBuf, reason: String },
    #[error("拍摄失败 / capture failed: {0}")]
    Capture(String),
    /// The shot is unusable; show `issue.message_zh()` and offer 重拍 (retake).
    #[error("{0}")]
    Rejected(QualityIssue),
}

impl ScannerError {
    /// The camera is not there (`Disconnected` or `NotFound`): the kiosk runs without
    /// it and looks again on its next device check.
    pub fn is_absent(&self) -> bool {
        matches!(self, ScannerError::Disconnected | ScannerError::NotFound(_))
    }

    /// The scanner cannot be used at all (absent, or the path is no camera), as opposed
    /// to this one shot failing: show 高拍仪暂时不能使用, not 重拍.
    pub fn is_device_fault(&self) -> bool {
        self.is_absent() || matches!(self, ScannerError::NotACamera { .. })
    }

    /// The retake reason when the shot was refused for quality.
    pub fn quality_issue(&self) -> Option<QualityIssue> {
        match self {
            ScannerError::Rejected(q) => Some(*q),
            _ => None,
        }
    }
}

/// A camera frame held only as long as needed: it shows the citizen's documents, so its
/// pixels are wiped on drop.
pub(crate) struct Sensitive(pub image::RgbImage);

impl Drop for Sensitive {
    fn drop(&mut self) {
        let px: &mut [u8] = &mut self.0;
        px.zeroize();
    }
}

impl std::ops::Deref for Sensitive {
    type Target = image::RgbImage;
    fn deref(&self) -> &image::RgbImage {
        &self.0
    }
}

/// A low-resolution RGB frame for the live preview on screen (wiped on drop).
#[derive(Clone, ZeroizeOnDrop)]
pub struct Frame {
    pub width: u32,
    pub height: u32,
    pub rgb: Vec<u8>,
}

/// One processed page, JPEG-encoded. A scan is personal data: wiped on drop.
#[derive(Clone, ZeroizeOnDrop)]
pub struct ScannedPage {
    pub width: u32,
    pub height: u32,
    pub jpeg: Vec<u8>,
}

impl std::fmt::Debug for ScannedPage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ScannedPage({}x{}, {} bytes)", self.width, self.height, self.jpeg.len())
    }
}

pub trait DocumentScanner: Send {
    fn status(&mut self) -> ScannerStatus;
    fn preview(&mut self) -> Result<Frame, ScannerError>;
    fn capture(&mut self) -> Result<ScannedPage, ScannerError>;
}

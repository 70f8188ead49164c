//! Document scanner (高拍仪): a UVC camera looking down at the desk.
//!
//! - [`Scanner`] drives any [`Camera`] (the real [`uvc::UvcCamera`] behind the `uvc`
//!   feature, or [`emulator::EmulatedCamera`]): settle exposure, live preview with the
//!   page outline, capture → find page → rectify → quality checks → JPEG under a limit.
//! - [`pages_to_pdf`] bundles the pages of one material.
//! - `SimulatedScanner` is the light stand-in the kiosk uses in demo mode.

pub mod emulator;
pub mod encode;
mod pipeline;
pub mod process;
pub mod quality;
pub mod synth;
#[cfg(feature = "uvc")]
pub mod uvc;

pub use encode::{encode_jpeg_limited, pages_to_pdf, DEFAULT_JPEG_LIMIT};
pub use pipeline::{process_frame, Camera, Preview, ScanConfig, Scanner};
pub use process::Quad;
pub use quality::QualityIssue;

use serde::{Deserialize, Serialize};
use zeroize::Zeroize;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum ScannerStatus {
    Ready,
    Disconnected,
    Fault(String),
}

#[derive(Debug, thiserror::Error)]
pub enum ScannerError {
    #[error("高拍仪未连接 / scanner not connected")]
    Disconnected,
    #[error("拍摄失败 / capture failed: {0}")]
    Capture(String),
    /// The shot is unusable; show `issue.message_zh()` and offer 重拍 (retake).
    #[error("{0}")]
    Rejected(QualityIssue),
}

impl ScannerError {
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
#[derive(Clone)]
pub struct Frame {
    pub width: u32,
    pub height: u32,
    pub rgb: Vec<u8>,
}

/// One processed page, JPEG-encoded. A scan is personal data: wiped on drop.
#[derive(Clone)]
pub struct ScannedPage {
    pub width: u32,
    pub height: u32,
    pub jpeg: Vec<u8>,
}

impl Drop for Frame {
    fn drop(&mut self) {
        self.rgb.zeroize();
    }
}

impl Drop for ScannedPage {
    fn drop(&mut self) {
        self.jpeg.zeroize();
    }
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

/// In-process scanner that "photographs" a synthetic A4 page.
#[derive(Default)]
pub struct SimulatedScanner {
    pub disconnected: bool,
    shots: u32,
}

impl SimulatedScanner {
    fn page(&self, width: u32, height: u32) -> image::RgbImage {
        let shade = (self.shots % 5) as u8 * 8;
        image::RgbImage::from_fn(width, height, |x, y| {
            let margin = width / 10;
            let on_page = x > margin && x < width - margin && y > margin && y < height - margin;
            let line = on_page && (y / (height / 40).max(1)).is_multiple_of(2) && x < width - 2 * margin;
            if line {
                image::Rgb([90, 90, 100])
            } else if on_page {
                image::Rgb([250 - shade, 250 - shade, 245 - shade])
            } else {
                image::Rgb([120, 100, 80])
            }
        })
    }
}

impl DocumentScanner for SimulatedScanner {
    fn status(&mut self) -> ScannerStatus {
        if self.disconnected {
            ScannerStatus::Disconnected
        } else {
            ScannerStatus::Ready
        }
    }

    fn preview(&mut self) -> Result<Frame, ScannerError> {
        if self.disconnected {
            return Err(ScannerError::Disconnected);
        }
        let img = self.page(320, 240);
        Ok(Frame { width: img.width(), height: img.height(), rgb: img.into_raw() })
    }

    fn capture(&mut self) -> Result<ScannedPage, ScannerError> {
        if self.disconnected {
            return Err(ScannerError::Disconnected);
        }
        self.shots += 1;
        let img = self.page(1240, 1754);
        let mut jpeg = Vec::new();
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, 80)
            .encode_image(&img)
            .map_err(|e| ScannerError::Capture(e.to_string()))?;
        Ok(ScannedPage { width: img.width(), height: img.height(), jpeg })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn capture_is_a_jpeg() {
        let mut s = SimulatedScanner::default();
        let page = s.capture().unwrap();
        assert_eq!(&page.jpeg[..2], &[0xFF, 0xD8]);
        assert!(page.jpeg.len() < 500_000);
        s.disconnected = true;
        assert!(matches!(s.capture(), Err(ScannerError::Disconnected)));
    }
}

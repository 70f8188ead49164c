//! Document scanner (高拍仪): a UVC camera looking down at the desk.
//!
//! `SimulatedScanner` draws a synthetic page; the UVC driver and the page processing
//! (find page, de-skew, quality checks) come later behind the same trait.

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
}

/// A low-resolution RGB frame for the live preview on screen.
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

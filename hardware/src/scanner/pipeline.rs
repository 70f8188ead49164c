//! The scanner proper: any [`Camera`] plus settling, preview and the capture pipeline.

use image::RgbImage;

use super::encode::{encode_jpeg_limited, DEFAULT_JPEG_LIMIT};
use super::process::{rectify, thumbnail, Quad};
use super::quality::{check_frame, check_page, QualityConfig, QualityIssue};
use super::{DocumentScanner, Frame, ScannedPage, ScannerError, ScannerStatus, Sensitive};

/// A source of full-resolution frames: the UVC device or the emulator.
pub trait Camera: Send {
    /// Opens (or re-opens after unplugging) the device.
    fn connect(&mut self) -> Result<(), ScannerError>;
    /// Whether the device is there now; cheap, does not open it.
    fn is_present(&mut self) -> bool;
    /// Whether the device is there and usable, for the idle-time device check: `Ok`, or
    /// why not (`NotFound`/`Disconnected` when absent, `NotACamera` for a wrong path).
    /// Cheap; never streams.
    fn check(&mut self) -> Result<(), ScannerError> {
        if self.is_present() {
            Ok(())
        } else {
            Err(ScannerError::Disconnected)
        }
    }
    /// One full-resolution frame. `Err(Disconnected)` when the device went away.
    fn grab(&mut self) -> Result<RgbImage, ScannerError>;
}

/// Everything tunable about a scan; defaults suit A4 on a 5 MP 高拍仪.
#[derive(Debug, Clone)]
pub struct ScanConfig {
    pub quality: QualityConfig,
    /// Per-page JPEG limit in bytes.
    pub jpeg_limit: usize,
    /// Longest side of the output page (1754 px ≈ A4 at 150 dpi).
    pub max_long_side: u32,
    /// Width of preview frames.
    pub preview_width: u32,
    /// Frames always thrown away after (re)connecting.
    pub settle_min: u32,
    /// Give up waiting for exposure to settle after this many frames.
    pub settle_max: u32,
    /// Exposure counts as settled when the mean grey level moves less than this.
    pub settle_tolerance: f32,
}

impl Default for ScanConfig {
    fn default() -> Self {
        ScanConfig {
            quality: QualityConfig::default(),
            jpeg_limit: DEFAULT_JPEG_LIMIT,
            max_long_side: 1754,
            preview_width: 640,
            settle_min: 3,
            settle_max: 30,
            settle_tolerance: 1.5,
        }
    }
}

/// One live-preview frame with what the detector sees, for drawing the outline and hint.
pub struct Preview {
    pub frame: Frame,
    /// Page corners in preview pixels, when a page is found.
    pub quad: Option<Quad>,
    /// Why a capture now would be refused (blur is judged only on capture).
    pub issue: Option<QualityIssue>,
}

/// Runs the whole pipeline on one frame: find page, rectify, check, encode.
pub fn process_frame(frame: &RgbImage, cfg: &ScanConfig) -> Result<ScannedPage, ScannerError> {
    let quad = check_frame(frame, &cfg.quality).map_err(ScannerError::Rejected)?;
    let page =
        rectify(frame, &quad, cfg.max_long_side).map(Sensitive).ok_or(ScannerError::Rejected(QualityIssue::NoPage))?;
    check_page(&page, &cfg.quality).map_err(ScannerError::Rejected)?;
    encode_jpeg_limited(&page, cfg.jpeg_limit)
}

/// A 高拍仪: camera + processing. Implements [`DocumentScanner`] for the kiosk.
/// `Scanner::uvc(path)` is the real one; `Scanner::emulated()` (feature `demo`) the stand-in.
pub struct Scanner<C: Camera> {
    camera: C,
    cfg: ScanConfig,
    settled: bool,
}

impl<C: Camera> Scanner<C> {
    pub fn new(camera: C, cfg: ScanConfig) -> Self {
        Scanner { camera, cfg, settled: false }
    }

    pub fn config(&self) -> &ScanConfig {
        &self.cfg
    }

    pub fn camera_mut(&mut self) -> &mut C {
        &mut self.camera
    }

    /// Live preview: a small frame plus the detected page outline and any retake hint.
    pub fn live_preview(&mut self) -> Result<Preview, ScannerError> {
        let full = self.grab()?;
        let (w, h) = full.dimensions();
        let pw = self.cfg.preview_width.min(w).max(1);
        let ph = ((h as u64 * pw as u64) / w.max(1) as u64).max(1) as u32;
        let small = Sensitive(image::imageops::thumbnail(&*full, pw, ph));
        drop(full);
        let (quad, issue) = match check_frame(&small, &self.cfg.quality) {
            Ok(q) => (Some(q), None),
            Err(issue) => (None, Some(issue)),
        };
        let frame = Frame { width: small.width(), height: small.height(), rgb: small.as_raw().clone() };
        Ok(Preview { frame, quad, issue })
    }

    /// Captures one page and checks it; `Err(Rejected(issue))` means "retake".
    pub fn capture_checked(&mut self) -> Result<ScannedPage, ScannerError> {
        let frame = self.grab()?;
        process_frame(&frame, &self.cfg)
    }

    fn grab(&mut self) -> Result<Sensitive, ScannerError> {
        if !self.settled {
            self.camera.connect()?;
            self.settle()?;
            self.settled = true;
        }
        match self.camera.grab() {
            Ok(f) => Ok(Sensitive(f)),
            Err(e) => {
                // Whatever failed, reopen and let exposure settle again next time.
                self.settled = false;
                Err(e)
            }
        }
    }

    /// Drops frames until auto-exposure stops moving: the first frames after opening a
    /// UVC camera are dark or washed out.
    fn settle(&mut self) -> Result<(), ScannerError> {
        let mut last: Option<f32> = None;
        for n in 0..self.cfg.settle_max {
            let f = Sensitive(self.camera.grab()?);
            let thumb = thumbnail(&f, 64);
            let mean = thumb.gray.iter().map(|p| *p as f32).sum::<f32>() / thumb.gray.len().max(1) as f32;
            let stable = last.is_some_and(|l| (l - mean).abs() < self.cfg.settle_tolerance);
            if n + 1 >= self.cfg.settle_min && stable {
                break;
            }
            last = Some(mean);
        }
        Ok(())
    }
}

impl<C: Camera> DocumentScanner for Scanner<C> {
    /// `Disconnected` while the camera is absent (the kiosk runs degraded and looks
    /// again on its next check), `Fault` when the configured path is no usable camera.
    fn status(&mut self) -> ScannerStatus {
        match self.camera.check() {
            Ok(()) => ScannerStatus::Ready,
            Err(e) => {
                self.settled = false;
                if e.is_absent() {
                    ScannerStatus::Disconnected
                } else {
                    ScannerStatus::Fault(e.to_string())
                }
            }
        }
    }

    fn preview(&mut self) -> Result<Frame, ScannerError> {
        self.live_preview().map(|p| p.frame)
    }

    fn capture(&mut self) -> Result<ScannedPage, ScannerError> {
        self.capture_checked()
    }
}

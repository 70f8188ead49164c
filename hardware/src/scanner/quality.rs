//! Quality checks on a frame and on the rectified page, each with a retake message
//! in the citizen's words (Chinese first, English second).

use image::{GrayImage, RgbImage};
use serde::{Deserialize, Serialize};
use zeroize::Zeroize;

use super::process::{detect, thumbnail, DetectConfig, Detection, Quad};

/// Why a shot was refused. The kiosk shows `message_zh` and offers 重拍.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum QualityIssue {
    TooDark,
    Blurred,
    NoPage,
    CutOff,
}

impl QualityIssue {
    /// Stable code for counters and the audit log (never the image itself).
    pub fn code(self) -> &'static str {
        match self {
            QualityIssue::TooDark => "too_dark",
            QualityIssue::Blurred => "blurred",
            QualityIssue::NoPage => "no_page",
            QualityIssue::CutOff => "cut_off",
        }
    }

    pub fn message_zh(self) -> &'static str {
        match self {
            QualityIssue::TooDark => "画面太暗，请确认补光灯已打开、镜头没有被遮挡，然后重拍",
            QualityIssue::Blurred => "画面模糊，请把材料放平、不要移动，然后重拍",
            QualityIssue::NoPage => "没有找到材料，请把材料放在拍摄区中间，然后重拍",
            QualityIssue::CutOff => "材料没有拍全，请把整页材料都放进拍摄区，然后重拍",
        }
    }

    pub fn message_en(self) -> &'static str {
        match self {
            QualityIssue::TooDark => "Too dark. Check the lamp is on and the lens is not covered, then retake.",
            QualityIssue::Blurred => "Blurred. Lay the page flat and keep still, then retake.",
            QualityIssue::NoPage => "No page found. Place the page in the middle of the area, then retake.",
            QualityIssue::CutOff => {
                "Part of the page is outside the picture. Move it fully into the area, then retake."
            }
        }
    }
}

impl std::fmt::Display for QualityIssue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} / {}", self.message_zh(), self.message_en())
    }
}

/// Thresholds; defaults were set against the synthetic set (see tests/scanner_quality.rs).
#[derive(Debug, Clone)]
pub struct QualityConfig {
    pub detect: DetectConfig,
    /// Too dark = mean grey level below this and highlights below `min_highlight`.
    pub min_mean: f32,
    /// Level the brightest 2% must reach: paper under the lamp is bright.
    pub min_highlight: u8,
    /// Largest estimated blur (Gaussian sigma, px at `blur_analysis_size`).
    pub max_blur_sigma: f32,
    /// Long side the rectified page is reduced to before the blur estimate.
    pub blur_analysis_size: u32,
    /// Below this ink/paper contrast the page is treated as blank and not judged for blur.
    pub min_text_contrast: f32,
}

impl Default for QualityConfig {
    fn default() -> Self {
        QualityConfig {
            detect: DetectConfig::default(),
            min_mean: 45.0,
            min_highlight: 110,
            max_blur_sigma: 2.2,
            blur_analysis_size: 1000,
            min_text_contrast: 60.0,
        }
    }
}

/// Frame-level checks (dark, no page, cut off). Returns the page corners in frame pixels.
pub fn check_frame(frame: &RgbImage, cfg: &QualityConfig) -> Result<Quad, QualityIssue> {
    if frame.width() < 16 || frame.height() < 16 {
        return Err(QualityIssue::NoPage);
    }
    let thumb = thumbnail(frame, cfg.detect.analysis_size);
    if is_dark(&thumb.gray, cfg) {
        return Err(QualityIssue::TooDark);
    }
    match detect(&thumb, &cfg.detect) {
        Detection::Page(q) => Ok(q),
        Detection::NoPage => Err(QualityIssue::NoPage),
        Detection::CutOff => Err(QualityIssue::CutOff),
    }
}

fn is_dark(gray: &GrayImage, cfg: &QualityConfig) -> bool {
    let hist = histogram(gray);
    let n = gray.len().max(1) as f32;
    let mean = hist.iter().enumerate().map(|(v, c)| v as f32 * *c as f32).sum::<f32>() / n;
    // Both dim overall and no bright paper anywhere: an empty wood desk is not "dark".
    mean < cfg.min_mean && percentile(&hist, 0.98) < cfg.min_highlight
}

/// Page-level check on the rectified page: estimated defocus.
pub fn check_page(page: &RgbImage, cfg: &QualityConfig) -> Result<(), QualityIssue> {
    match blur_sigma(page, cfg) {
        Some(s) if s > cfg.max_blur_sigma => Err(QualityIssue::Blurred),
        _ => Ok(()),
    }
}

/// Estimates defocus as a Gaussian sigma in analysis pixels (page long side ≈
/// `blur_analysis_size`), or `None` for a blank page.
///
/// A step of height C blurred by sigma has a peak slope C / (sigma·√(2π)), so
/// sigma ≈ C / (2.5 · slope) with C the ink/paper contrast and slope taken from the
/// strongest edges; this stays valid whatever the amount of text on the page.
pub fn blur_sigma(page: &RgbImage, cfg: &QualityConfig) -> Option<f32> {
    // Resampling a page that is already near the analysis width costs more than it saves.
    let long = page.width().max(page.height());
    let size = if long <= cfg.blur_analysis_size * 5 / 4 { long } else { cfg.blur_analysis_size };
    let thumb = thumbnail(page, size);
    let hist = histogram(&thumb.gray);
    let contrast = percentile(&hist, 0.98) as f32 - percentile(&hist, 0.02) as f32;
    if contrast < cfg.min_text_contrast {
        return None;
    }
    // Sobel responds 8× the per-pixel slope of a ramp.
    let mut mags: Vec<u16> = imageproc::gradients::sobel_gradients(&thumb.gray).into_raw();
    if mags.is_empty() {
        return None;
    }
    let k = ((mags.len() as f32 * 0.995) as usize).min(mags.len() - 1);
    let (_, peak, _) = mags.select_nth_unstable(k);
    let slope = (*peak as f32 / 8.0).max(0.5);
    // An edge map still shows the text.
    mags.zeroize();
    Some(contrast / (2.5 * slope))
}

/// A test shot in figures, for the technician's self-test: what the checks above see
/// in one frame. No pixels.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QualityReport {
    /// Mean grey level of the frame, 0–255.
    pub brightness: f32,
    /// Grey level the brightest 2 % of the frame reach (paper under the lamp).
    pub highlight: u8,
    /// Why a capture of this frame would be refused (blur is judged on the page).
    pub issue: Option<QualityIssue>,
    /// Tilt of the page in the picture, degrees (mean of its top and bottom edges;
    /// 0 = square). The capture corrects it; a large one means the page lies askew.
    pub skew_deg: Option<f32>,
    /// Share of the frame the page covers, 0–1.
    pub page_area: Option<f32>,
}

/// Measures one (preview) frame: brightness, page found or why not, skew, page area.
pub fn frame_report(frame: &super::Frame, cfg: &QualityConfig) -> QualityReport {
    let Some(img) = RgbImage::from_raw(frame.width, frame.height, frame.rgb.clone()) else {
        return QualityReport {
            brightness: 0.0,
            highlight: 0,
            issue: Some(QualityIssue::NoPage),
            skew_deg: None,
            page_area: None,
        };
    };
    let img = super::Sensitive(img);
    let thumb = thumbnail(&img, cfg.detect.analysis_size);
    let hist = histogram(&thumb.gray);
    let n = thumb.gray.len().max(1) as f32;
    let brightness = hist.iter().enumerate().map(|(v, c)| v as f32 * *c as f32).sum::<f32>() / n;
    let highlight = percentile(&hist, 0.98);
    drop(thumb);
    let (issue, skew_deg, page_area) = match check_frame(&img, cfg) {
        Ok(q) => {
            let [tl, tr, br, bl] = q.0;
            let angle = |a: (f32, f32), b: (f32, f32)| (b.1 - a.1).atan2(b.0 - a.0).to_degrees();
            let skew = (angle(tl, tr) + angle(bl, br)) / 2.0;
            let pts = q.0;
            let twice: f32 = (0..4).map(|i| pts[i].0 * pts[(i + 1) % 4].1 - pts[(i + 1) % 4].0 * pts[i].1).sum();
            let area = (twice.abs() / 2.0) / (frame.width as f32 * frame.height as f32).max(1.0);
            (None, Some(skew), Some(area.min(1.0)))
        }
        Err(issue) => (Some(issue), None, None),
    };
    QualityReport { brightness, highlight, issue, skew_deg, page_area }
}

/// The blur estimate of a captured page ([`blur_sigma`]); `Ok(None)` for a blank page.
pub fn page_blur(page: &super::ScannedPage, cfg: &QualityConfig) -> Result<Option<f32>, String> {
    let img = image::load_from_memory_with_format(&page.jpeg, image::ImageFormat::Jpeg).map_err(|e| e.to_string())?;
    let rgb = super::Sensitive(img.into_rgb8());
    Ok(blur_sigma(&rgb, cfg))
}

fn histogram(gray: &GrayImage) -> [u32; 256] {
    let mut h = [0u32; 256];
    for p in gray.iter() {
        h[*p as usize] += 1;
    }
    h
}

fn percentile(hist: &[u32; 256], q: f32) -> u8 {
    let total: u32 = hist.iter().sum();
    let target = (total as f32 * q) as u32;
    let mut acc = 0;
    for (v, c) in hist.iter().enumerate() {
        acc += c;
        if acc > target {
            return v as u8;
        }
    }
    255
}

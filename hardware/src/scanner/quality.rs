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

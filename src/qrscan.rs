//! QR codes from the document camera's preview frames: decoding (rqrr, pure Rust, no
//! native library) and [`Watch`], which turns frame-by-frame findings into what the
//! journey needs to hear: a code when it comes into view, and "no QR in view" when the
//! camera has seen none for a while (the citizen gets feedback, never a silent wait).
//!
//! Used by the runtime's QR reader (`Effect::ReadQr`), for the receipt's QR on the
//! 进度查询 screen and the e-ID QR on the identify screen.

use std::collections::HashMap;
use std::time::{Duration, Instant};

/// Without any code decoded for this long, the reader says so (and again as long as
/// none is seen).
pub const NOT_SEEN_AFTER: Duration = Duration::from_secs(5);

/// A code still (or again) in view within this time is not reported twice.
pub const SAME_CODE_QUIET: Duration = Duration::from_secs(3);

/// Every QR code in an RGB frame (8 bits per channel, row-major), decoded as text.
/// Frames of the wrong size decode to nothing.
pub fn decode_rgb(width: u32, height: u32, rgb: &[u8]) -> Vec<String> {
    let (w, h) = (width as usize, height as usize);
    if w == 0 || h == 0 || rgb.len() < w * h * 3 {
        return Vec::new();
    }
    let mut img = rqrr::PreparedImage::prepare_from_greyscale(w, h, |x, y| {
        let i = (y * w + x) * 3;
        // Integer luma (BT.601); a QR needs contrast, not colour accuracy.
        ((rgb[i] as u32 * 299 + rgb[i + 1] as u32 * 587 + rgb[i + 2] as u32 * 114) / 1000) as u8
    });
    img.detect_grids().iter().filter_map(|g| g.decode().ok().map(|(_, text)| text)).collect()
}

/// What the reader tells the journey after a frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Report {
    /// A code came into view.
    Read(String),
    /// No code decoded for [`NOT_SEEN_AFTER`].
    NotSeen,
}

/// Frame-by-frame findings, turned into reports.
#[derive(Debug)]
pub struct Watch {
    /// When each code was last decoded.
    seen: HashMap<String, Instant>,
    /// Since when nothing was reported and no code decoded.
    quiet_since: Instant,
}

impl Watch {
    pub fn new(now: Instant) -> Self {
        Watch { seen: HashMap::new(), quiet_since: now }
    }

    /// The codes decoded from one frame at `now` (none: nothing in view).
    pub fn frame(&mut self, codes: Vec<String>, now: Instant) -> Vec<Report> {
        let mut out = Vec::new();
        if !codes.is_empty() {
            self.quiet_since = now;
        }
        for code in codes {
            let fresh = self.seen.get(&code).is_none_or(|t| now.duration_since(*t) >= SAME_CODE_QUIET);
            self.seen.insert(code.clone(), now);
            if fresh {
                out.push(Report::Read(code));
            }
        }
        self.seen.retain(|_, t| now.duration_since(*t) < SAME_CODE_QUIET);
        if now.duration_since(self.quiet_since) >= NOT_SEEN_AFTER {
            self.quiet_since = now;
            out.push(Report::NotSeen);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An RGB frame with `text` as a QR code of `module` px per module at (x, y) on a
    /// grey desk.
    fn frame_with_qr(text: &str, w: u32, h: u32, x: u32, y: u32, module: u32) -> Vec<u8> {
        let code = qrcode::QrCode::new(text.as_bytes()).unwrap();
        let n = code.width() as u32;
        let colors = code.to_colors();
        let mut rgb = vec![150u8; (w * h * 3) as usize];
        // White paper with a quiet zone of 4 modules around the code.
        let side = (n + 8) * module;
        for yy in y..(y + side).min(h) {
            for xx in x..(x + side).min(w) {
                let (mx, my) = ((xx - x) / module, (yy - y) / module);
                let dark = (4..n + 4).contains(&mx)
                    && (4..n + 4).contains(&my)
                    && colors[((my - 4) * n + (mx - 4)) as usize] == qrcode::Color::Dark;
                let i = ((yy * w + xx) * 3) as usize;
                rgb[i..i + 3].fill(if dark { 20 } else { 240 });
            }
        }
        rgb
    }

    #[test]
    fn decodes_a_qr_on_the_desk() {
        let url = "https://zwfw.example.gov.cn/progress?no=XX-0001-1-000042";
        let rgb = frame_with_qr(url, 640, 480, 150, 60, 6);
        assert_eq!(decode_rgb(640, 480, &rgb), vec![url.to_string()]);
    }

    #[test]
    fn an_empty_desk_or_a_bad_frame_decodes_to_nothing() {
        assert!(decode_rgb(640, 480, &vec![150u8; 640 * 480 * 3]).is_empty());
        assert!(decode_rgb(640, 480, &[0u8; 12]).is_empty(), "short buffer");
        assert!(decode_rgb(0, 0, &[]).is_empty());
    }

    #[test]
    fn a_code_is_reported_when_it_comes_into_view_and_silence_is_told() {
        let t0 = Instant::now();
        let at = |ms: u64| t0 + Duration::from_millis(ms);
        let mut w = Watch::new(t0);
        let code = || vec!["A".to_string()];
        assert_eq!(w.frame(code(), at(200)), vec![Report::Read("A".into())]);
        // Still in view: not again.
        assert!(w.frame(code(), at(400)).is_empty());
        assert!(w.frame(code(), at(2_000)).is_empty());
        // Taken away and shown again later: reported again.
        assert!(w.frame(vec![], at(3_000)).is_empty());
        assert_eq!(w.frame(code(), at(5_500)), vec![Report::Read("A".into())]);
        // Another code at the same time is news.
        assert_eq!(w.frame(vec!["A".into(), "B".into()], at(5_700)), vec![Report::Read("B".into())]);
        // Nothing in view for NOT_SEEN_AFTER: told once, then again after as long.
        assert!(w.frame(vec![], at(10_000)).is_empty());
        assert_eq!(w.frame(vec![], at(10_700)), vec![Report::NotSeen]);
        assert!(w.frame(vec![], at(12_000)).is_empty());
        assert_eq!(w.frame(vec![], at(15_700)), vec![Report::NotSeen]);
    }

    #[test]
    fn silence_is_told_within_ten_seconds_of_starting() {
        let t0 = Instant::now();
        let mut w = Watch::new(t0);
        let mut told = None;
        for ms in (0..10_000).step_by(250) {
            if w.frame(vec![], t0 + Duration::from_millis(ms)).contains(&Report::NotSeen) {
                told = Some(ms);
                break;
            }
        }
        assert!(told.is_some_and(|ms| ms <= 10_000), "{told:?}");
    }
}

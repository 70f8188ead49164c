//! Synthetic 高拍仪 frames drawn from code: an A4 document on a desk with a known
//! homography, so tests know exactly where the page corners are.

use image::{Rgb, RgbImage, Rgba, RgbaImage};
use imageproc::drawing::{draw_filled_circle_mut, draw_filled_rect_mut, draw_hollow_circle_mut};
use imageproc::geometric_transformations::{warp_into, Border, Interpolation, Projection};
use imageproc::rect::Rect;

use super::process::Quad;

/// What a scene shows; the bad kinds are the ones quality checks must reject.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SceneKind {
    /// A flat page, mildly rotated and tilted.
    Good,
    /// The page rotated strongly in plane (up to ±30°); still acceptable.
    Rotated,
    /// Strong keystone from a tilted camera; still acceptable.
    Perspective,
    /// Out of focus.
    Blurred,
    /// Lamp off / lens covered.
    Dark,
    /// Desk only.
    NoPage,
    /// Page partly outside the frame.
    CutOff,
}

/// One synthetic scene; `seed` varies placement and texture deterministically.
#[derive(Debug, Clone, Copy)]
pub struct Scene {
    pub kind: SceneKind,
    pub seed: u64,
}

/// A rendered frame and its ground truth (page corners TL, TR, BR, BL in frame pixels).
pub struct Synthetic {
    pub image: RgbImage,
    pub corners: Option<Quad>,
}

/// Small deterministic PRNG (xorshift64*): test images must not change between runs.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Self {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    /// Uniform in [lo, hi).
    fn range(&mut self, lo: f32, hi: f32) -> f32 {
        let u = (self.next() >> 40) as f32 / (1u64 << 24) as f32;
        lo + (hi - lo) * u
    }
}

/// The acceptable scenes used for the detection-accuracy report.
pub fn good_set() -> Vec<Scene> {
    let mut v = Vec::new();
    for seed in 0..12 {
        v.push(Scene { kind: SceneKind::Good, seed });
    }
    for seed in 100..106 {
        v.push(Scene { kind: SceneKind::Rotated, seed });
    }
    for seed in 200..206 {
        v.push(Scene { kind: SceneKind::Perspective, seed });
    }
    v
}

/// Scenes that must be rejected, with the kind telling which reason.
pub fn bad_set() -> Vec<Scene> {
    let kinds = [SceneKind::Blurred, SceneKind::Dark, SceneKind::NoPage, SceneKind::CutOff];
    kinds.iter().flat_map(|&kind| (0..3).map(move |seed| Scene { kind, seed: 300 + seed })).collect()
}

impl Scene {
    /// Renders the scene at `width`×`height` (landscape, as 高拍仪 sensors are).
    pub fn render(&self, width: u32, height: u32) -> Synthetic {
        let mut rng = Rng::new(self.seed ^ (self.kind as u64) << 32);
        let mut frame = desk(width, height, &mut rng);
        let (w, h) = (width as f32, height as f32);
        let corners = match self.kind {
            SceneKind::NoPage => None,
            kind => Some(place_page(kind, w, h, &mut rng)),
        };
        if let Some(q) = corners {
            paste_page(&mut frame, &q, &mut rng);
        }
        match self.kind {
            SceneKind::Blurred => {
                // Defocus large enough to smear body text: sigma ≈ 0.4% of the diagonal.
                let sigma = (w * w + h * h).sqrt() * 0.004;
                frame = imageproc::filter::gaussian_blur_f32(&frame, sigma.max(2.5));
            }
            SceneKind::Dark => {
                for p in frame.pixels_mut() {
                    for c in p.0.iter_mut() {
                        *c = (*c as f32 * 0.16) as u8;
                    }
                }
            }
            _ => {}
        }
        Synthetic { image: frame, corners }
    }
}

/// Page corners for a scene kind: an A4 rectangle, rotated, scaled, shifted and tilted.
fn place_page(kind: SceneKind, w: f32, h: f32, rng: &mut Rng) -> Quad {
    let (rot_deg, keystone, scale) = match kind {
        SceneKind::Rotated => (rng.range(12.0, 30.0) * if rng.next() & 1 == 0 { 1.0 } else { -1.0 }, 0.03, 0.72),
        SceneKind::Perspective => (rng.range(-6.0, 6.0), rng.range(0.12, 0.2), 0.78),
        SceneKind::CutOff => (rng.range(-4.0, 4.0), 0.02, 0.85),
        _ => (rng.range(-8.0, 8.0), rng.range(0.0, 0.06), rng.range(0.7, 0.86)),
    };
    let ph = h * scale;
    let pw = ph / std::f32::consts::SQRT_2;
    let (mut cx, cy) = (w / 2.0 + rng.range(-0.06, 0.06) * w, h / 2.0 + rng.range(-0.03, 0.03) * h);
    if kind == SceneKind::CutOff {
        // Slide the page so about a fifth of it hangs off the left or right edge.
        let off = w / 2.0 - pw * 0.3;
        cx = if rng.next() & 1 == 0 { w / 2.0 + off } else { w / 2.0 - off };
    }
    let (s, c) = rot_deg.to_radians().sin_cos();
    // Keystone: the far (top) edge looks narrower, as when the camera leans back.
    let k = keystone * pw;
    let local = [(-pw / 2.0 + k, -ph / 2.0), (pw / 2.0 - k, -ph / 2.0), (pw / 2.0, ph / 2.0), (-pw / 2.0, ph / 2.0)];
    Quad(local.map(|(x, y)| (cx + x * c - y * s, cy + x * s + y * c)))
}

/// Wood-like desk: brown with grain and noise, darker than paper as on real 高拍仪 mats.
fn desk(width: u32, height: u32, rng: &mut Rng) -> RgbImage {
    let base = [rng.range(95.0, 135.0), rng.range(70.0, 95.0), rng.range(45.0, 65.0)];
    let freq = rng.range(0.02, 0.05);
    let phase = rng.range(0.0, std::f32::consts::TAU);
    let mut noise = Rng::new(rng.next());
    let wobble: Vec<f32> = (0..width).map(|x| (x as f32 * 0.003).sin() * 4.0 + phase).collect();
    RgbImage::from_fn(width, height, |x, y| {
        let grain = (y as f32 * freq + wobble[x as usize]).sin() * 14.0;
        let n = noise.range(-6.0, 6.0);
        Rgb(base.map(|b| (b + grain + n).clamp(0.0, 255.0) as u8))
    })
}

/// Draws the document in its own coordinates, then warps it into the frame.
fn paste_page(frame: &mut RgbImage, quad: &Quad, rng: &mut Rng) {
    let side = |a: (f32, f32), b: (f32, f32)| ((a.0 - b.0).powi(2) + (a.1 - b.1).powi(2)).sqrt();
    let q = &quad.0;
    let ph = side(q[0], q[3]).max(side(q[1], q[2])).max(16.0);
    let pw = (ph / std::f32::consts::SQRT_2).round();
    let doc = document(pw as u32, ph.round() as u32, rng);
    let src = [(0.0, 0.0), (pw - 1.0, 0.0), (pw - 1.0, ph.round() - 1.0), (0.0, ph.round() - 1.0)];
    // Warp only into the page's bounding box: most of the frame is desk.
    let (fw, fh) = (frame.width() as i64, frame.height() as i64);
    let x0 = (q.iter().map(|p| p.0).fold(f32::MAX, f32::min).floor() as i64).clamp(0, fw);
    let y0 = (q.iter().map(|p| p.1).fold(f32::MAX, f32::min).floor() as i64).clamp(0, fh);
    let x1 = (q.iter().map(|p| p.0).fold(f32::MIN, f32::max).ceil() as i64 + 2).clamp(0, fw);
    let y1 = (q.iter().map(|p| p.1).fold(f32::MIN, f32::max).ceil() as i64 + 2).clamp(0, fh);
    if x1 <= x0 || y1 <= y0 {
        return;
    }
    let local = q.map(|(x, y)| (x - x0 as f32, y - y0 as f32));
    let Some(proj) = Projection::from_control_points(src, local) else {
        return;
    };
    let mut layer = RgbaImage::new((x1 - x0) as u32, (y1 - y0) as u32);
    warp_into(&doc, proj, Interpolation::Bilinear, Border::Constant(Rgba([0, 0, 0, 0])), &mut layer);
    for (x, y, src) in layer.enumerate_pixels() {
        let dst = frame.get_pixel_mut(x + x0 as u32, y + y0 as u32);
        let a = src.0[3] as u32;
        for i in 0..3 {
            dst.0[i] = ((src.0[i] as u32 * a + dst.0[i] as u32 * (255 - a)) / 255) as u8;
        }
    }
}

/// A plausible government form: title, text lines, a table and a red seal (公章).
fn document(w: u32, h: u32, rng: &mut Rng) -> RgbaImage {
    let paper = Rgba([246, 245, 240, 255]);
    let ink = Rgba([35, 35, 45, 255]);
    let mut img = RgbaImage::from_pixel(w.max(1), h.max(1), paper);
    let u = |f: f32| (f * w as f32) as i32;
    let v = |f: f32| (f * h as f32) as i32;
    let line_h = (h as f32 * 0.011).max(2.0) as u32;
    // Title.
    draw_filled_rect_mut(&mut img, Rect::at(u(0.3), v(0.06)).of_size(u(0.4).max(1) as u32, line_h * 2), ink);
    // Body text as runs of "characters" so the page has fine detail for the blur check.
    let mut y = 0.12;
    while y < 0.62 {
        let mut x = 0.1;
        let end = if rng.next().is_multiple_of(5) { rng.range(0.4, 0.8) } else { 0.9 };
        while x < end {
            let cw = 0.028;
            if !rng.next().is_multiple_of(7) {
                draw_filled_rect_mut(&mut img, Rect::at(u(x), v(y)).of_size(u(cw * 0.8).max(1) as u32, line_h), ink);
            }
            x += cw;
        }
        y += 0.028;
    }
    // Table grid.
    for i in 0..6 {
        let yy = v(0.66 + i as f32 * 0.035);
        draw_filled_rect_mut(&mut img, Rect::at(u(0.1), yy).of_size(u(0.8).max(1) as u32, 2), ink);
    }
    for xx in [0.1, 0.4, 0.9] {
        draw_filled_rect_mut(&mut img, Rect::at(u(xx), v(0.66)).of_size(2, v(0.175).max(1) as u32), ink);
    }
    // Seal.
    let red = Rgba([200, 30, 35, 255]);
    let r = u(0.11);
    draw_hollow_circle_mut(&mut img, (u(0.72), v(0.9)), r, red);
    draw_hollow_circle_mut(&mut img, (u(0.72), v(0.9)), r - 1, red);
    draw_filled_circle_mut(&mut img, (u(0.72), v(0.9)), r / 4, red);
    img
}

//! Page processing: find the page quadrilateral, correct perspective and skew, crop.
//!
//! Detection runs on a small grey thumbnail (bright paper on a darker 高拍仪 mat):
//! Otsu threshold, largest outer contour, four extreme hull corners, then each
//! side is re-fitted to its contour points so corners land between thumbnail pixels.

use image::{GrayImage, Rgb, RgbImage};
use imageproc::contours::{find_contours, BorderType};
use imageproc::contrast::{otsu_level, threshold, ThresholdType};
use imageproc::geometric_transformations::{warp_into, Border, Interpolation, Projection};
use imageproc::geometry::{contour_area, convex_hull};
use imageproc::point::Point;
use zeroize::Zeroize;

/// Page corners in frame pixels, clockwise from top-left: TL, TR, BR, BL.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Quad(pub [(f32, f32); 4]);

impl Quad {
    /// Orders four points clockwise starting at the left end of the top edge.
    pub fn ordered(points: [(f32, f32); 4]) -> Quad {
        let cx = points.iter().map(|p| p.0).sum::<f32>() / 4.0;
        let cy = points.iter().map(|p| p.1).sum::<f32>() / 4.0;
        let mut p = points;
        p.sort_by(|a, b| (a.1 - cy).atan2(a.0 - cx).total_cmp(&(b.1 - cy).atan2(b.0 - cx)));
        // The top edge is the one whose midpoint is highest (smallest y).
        let top = (0..4).min_by(|&i, &j| (p[i].1 + p[(i + 1) % 4].1).total_cmp(&(p[j].1 + p[(j + 1) % 4].1)));
        p.rotate_left(top.unwrap_or(0));
        Quad(p)
    }

    /// Largest distance between corresponding corners.
    pub fn max_corner_error(&self, other: &Quad) -> f32 {
        self.0.iter().zip(other.0.iter()).map(|(a, b)| dist(*a, *b)).fold(0.0, f32::max)
    }

    /// Maps corners from one image size to another (pixel centres at integers).
    pub fn rescale(&self, sx: f32, sy: f32) -> Quad {
        Quad(self.0.map(|(x, y)| ((x + 0.5) * sx - 0.5, (y + 0.5) * sy - 0.5)))
    }

    /// Rectified size: the longer of each pair of opposite sides.
    pub fn output_size(&self) -> (f32, f32) {
        let q = &self.0;
        (dist(q[0], q[1]).max(dist(q[3], q[2])), dist(q[0], q[3]).max(dist(q[1], q[2])))
    }
}

fn dist(a: (f32, f32), b: (f32, f32)) -> f32 {
    ((a.0 - b.0).powi(2) + (a.1 - b.1).powi(2)).sqrt()
}

/// What the detector saw.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Detection {
    Page(Quad),
    NoPage,
    CutOff,
}

/// Detector tuning; defaults suit a 高拍仪 looking down at a dark mat.
#[derive(Debug, Clone)]
pub struct DetectConfig {
    /// Long side of the analysis thumbnail.
    pub analysis_size: u32,
    /// Smallest page area as a fraction of the frame.
    pub min_area: f32,
    /// Smallest grey-level gap between page and background.
    pub min_contrast: f32,
    /// Region area over its four-corner polygon must be within 1 ± (1 − min_fill).
    pub min_fill: f32,
}

impl Default for DetectConfig {
    fn default() -> Self {
        DetectConfig { analysis_size: 512, min_area: 0.12, min_contrast: 40.0, min_fill: 0.92 }
    }
}

/// A frame reduced for analysis, with the factors back to full resolution.
pub struct Thumb {
    pub gray: GrayImage,
    pub sx: f32,
    pub sy: f32,
}

// Even a thumbnail of an ID card is personal data.
impl Drop for Thumb {
    fn drop(&mut self) {
        let px: &mut [u8] = &mut self.gray;
        px.zeroize();
    }
}

/// Area-averaged grey thumbnail with the long side at most `size`.
pub fn thumbnail(frame: &RgbImage, size: u32) -> Thumb {
    let (w, h) = frame.dimensions();
    let k = (size as f32 / w.max(h).max(1) as f32).min(1.0);
    let (tw, th) = (((w as f32 * k).round() as u32).max(1), ((h as f32 * k).round() as u32).max(1));
    if (tw, th) == (w, h) {
        return Thumb { gray: image::imageops::grayscale(frame), sx: 1.0, sy: 1.0 };
    }
    let mut small = image::imageops::thumbnail(frame, tw, th);
    let gray = image::imageops::grayscale(&small);
    let px: &mut [u8] = &mut small;
    px.zeroize();
    Thumb { gray, sx: w as f32 / tw as f32, sy: h as f32 / th as f32 }
}

/// Finds the page in a thumbnail; corners come back in full-frame pixels.
pub fn detect(thumb: &Thumb, cfg: &DetectConfig) -> Detection {
    let mut g = imageproc::filter::gaussian_blur_f32(&thumb.gray, 1.0);
    let found = detect_in(&g, thumb, cfg);
    let px: &mut [u8] = &mut g;
    px.zeroize();
    found
}

fn detect_in(g: &GrayImage, thumb: &Thumb, cfg: &DetectConfig) -> Detection {
    let (w, h) = g.dimensions();
    if w < 16 || h < 16 {
        return Detection::NoPage;
    }
    let t = otsu_level(g);
    let mask = threshold(g, t, ThresholdType::Binary);
    let (mut fg, mut nf, mut bg, mut nb) = (0u64, 0u64, 0u64, 0u64);
    for p in g.iter() {
        if *p > t {
            fg += *p as u64;
            nf += 1;
        } else {
            bg += *p as u64;
            nb += 1;
        }
    }
    if nf == 0 || nb == 0 || (fg as f32 / nf as f32 - bg as f32 / nb as f32) < cfg.min_contrast {
        return Detection::NoPage;
    }
    // Pad with background: imageproc labels a region that touches the image edge as a
    // hole, which would hide a page hanging off the frame.
    let mut padded = GrayImage::new(w + 2, h + 2);
    image::imageops::replace(&mut padded, &mask, 1, 1);
    let mut contours = find_contours::<i32>(&padded);
    for c in contours.iter_mut() {
        c.points.iter_mut().for_each(|p| (p.x, p.y) = (p.x - 1, p.y - 1));
    }
    let best = contours
        .iter()
        .filter(|c| c.border_type == BorderType::Outer && c.points.len() >= 8)
        .map(|c| (contour_area(&c.points).abs(), c))
        .max_by(|a, b| a.0.total_cmp(&b.0));
    let Some((area, contour)) = best else {
        return Detection::NoPage;
    };
    let frame_area = (w * h) as f64;
    if area < cfg.min_area as f64 * frame_area {
        return Detection::NoPage;
    }
    let on_border =
        contour.points.iter().filter(|p| p.x <= 1 || p.y <= 1 || p.x >= w as i32 - 2 || p.y >= h as i32 - 2);
    if on_border.count() * 50 > contour.points.len() {
        return Detection::CutOff;
    }
    let Some(coarse) = four_corners(&contour.points) else {
        return Detection::NoPage;
    };
    // A page fills its four-corner polygon, no more, no less (a disc or an L would not).
    let quad_area = contour_area(&coarse).abs();
    if quad_area <= 0.0 || (area / quad_area - 1.0).abs() > 1.0 - cfg.min_fill as f64 {
        return Detection::NoPage;
    }
    let fine = refine(&coarse, &contour.points);
    let quad = Quad::ordered(fine).rescale(thumb.sx, thumb.sy);
    Detection::Page(quad)
}

/// Four corners of the hull: the two ends of its diameter, then on each side of that
/// diagonal the hull point farthest from it. Unlike Douglas–Peucker on a closed curve,
/// this never keeps an arbitrary starting point as a corner.
fn four_corners(points: &[Point<i32>]) -> Option<[Point<i32>; 4]> {
    let hull = convex_hull(points.to_vec());
    if hull.len() < 4 {
        return None;
    }
    let d2 = |a: &Point<i32>, b: &Point<i32>| ((a.x - b.x) as i64).pow(2) + ((a.y - b.y) as i64).pow(2);
    let (mut ia, mut ic, mut best) = (0, 0, 0);
    for i in 0..hull.len() {
        for j in i + 1..hull.len() {
            let d = d2(&hull[i], &hull[j]);
            if d > best {
                (ia, ic, best) = (i, j, d);
            }
        }
    }
    let (a, c) = (hull[ia], hull[ic]);
    let side =
        |p: &Point<i32>| ((c.x - a.x) as i64) * ((p.y - a.y) as i64) - ((c.y - a.y) as i64) * ((p.x - a.x) as i64);
    let b = hull.iter().max_by_key(|p| side(p))?;
    let d = hull.iter().min_by_key(|p| side(p))?;
    if side(b) <= 0 || side(d) >= 0 {
        return None;
    }
    Some([a, *b, c, *d])
}

/// Re-fits each side to the contour points along it and intersects neighbouring sides.
fn refine(coarse: &[Point<i32>; 4], contour: &[Point<i32>]) -> [(f32, f32); 4] {
    let c: Vec<(f32, f32)> = coarse.iter().map(|p| (p.x as f32, p.y as f32)).collect();
    let centre = (c.iter().map(|p| p.0).sum::<f32>() / 4.0, c.iter().map(|p| p.1).sum::<f32>() / 4.0);
    let lines: Vec<Option<Line>> = (0..4).map(|i| fit_side(c[i], c[(i + 1) % 4], contour, centre)).collect();
    let mut out = [(0.0, 0.0); 4];
    for i in 0..4 {
        let prev = &lines[(i + 3) % 4];
        let next = &lines[i];
        out[i] = match (prev, next) {
            (Some(a), Some(b)) => a.intersect(b).filter(|p| dist(*p, c[i]) < 8.0).unwrap_or(c[i]),
            _ => c[i],
        };
    }
    out
}

/// A line through `p` with unit direction `d`.
struct Line {
    p: (f32, f32),
    d: (f32, f32),
}

impl Line {
    fn intersect(&self, o: &Line) -> Option<(f32, f32)> {
        let den = self.d.0 * o.d.1 - self.d.1 * o.d.0;
        if den.abs() < 1e-4 {
            return None;
        }
        let t = ((o.p.0 - self.p.0) * o.d.1 - (o.p.1 - self.p.1) * o.d.0) / den;
        Some((self.p.0 + t * self.d.0, self.p.1 + t * self.d.1))
    }
}

/// Total least squares over the middle of one side, nudged half a pixel outwards
/// because contour pixels are the innermost-bright ones, not the edge itself.
fn fit_side(a: (f32, f32), b: (f32, f32), contour: &[Point<i32>], centre: (f32, f32)) -> Option<Line> {
    let len = dist(a, b);
    if len < 4.0 {
        return None;
    }
    let d = ((b.0 - a.0) / len, (b.1 - a.1) / len);
    let tol = (0.03 * len).max(2.5);
    let pts: Vec<(f32, f32)> = contour
        .iter()
        .map(|p| (p.x as f32, p.y as f32))
        .filter(|p| {
            let (vx, vy) = (p.0 - a.0, p.1 - a.1);
            let t = (vx * d.0 + vy * d.1) / len;
            (0.12..0.88).contains(&t) && (vx * d.1 - vy * d.0).abs() < tol
        })
        .collect();
    if pts.len() < 5 {
        return None;
    }
    let n = pts.len() as f32;
    let (mx, my) = (pts.iter().map(|p| p.0).sum::<f32>() / n, pts.iter().map(|p| p.1).sum::<f32>() / n);
    let (mut sxx, mut sxy, mut syy) = (0.0, 0.0, 0.0);
    for p in &pts {
        let (x, y) = (p.0 - mx, p.1 - my);
        sxx += x * x;
        sxy += x * y;
        syy += y * y;
    }
    let angle = 0.5 * (2.0 * sxy).atan2(sxx - syy);
    let dir = (angle.cos(), angle.sin());
    let mut normal = (-dir.1, dir.0);
    if (mx - centre.0) * normal.0 + (my - centre.1) * normal.1 < 0.0 {
        normal = (-normal.0, -normal.1);
    }
    Some(Line { p: (mx + 0.5 * normal.0, my + 0.5 * normal.1), d: dir })
}

/// Warps the page to an upright rectangle, longest side at most `max_long_side`.
pub fn rectify(frame: &RgbImage, quad: &Quad, max_long_side: u32) -> Option<RgbImage> {
    let (w, h) = quad.output_size();
    let k = (max_long_side as f32 / w.max(h)).min(1.0);
    let (ow, oh) = ((w * k).round().max(8.0), (h * k).round().max(8.0));
    let rect = [(0.0, 0.0), (ow - 1.0, 0.0), (ow - 1.0, oh - 1.0), (0.0, oh - 1.0)];
    let proj = Projection::from_control_points(quad.0, rect)?;
    let mut out = RgbImage::new(ow as u32, oh as u32);
    warp_into(frame, proj, Interpolation::Bilinear, Border::Constant(Rgb([255, 255, 255])), &mut out);
    Some(out)
}

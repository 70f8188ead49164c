//! The citizen's handwritten signature for a 容缺 commitment: strokes drawn on the
//! screen's pad arrive as SVG path data ("M x y L x y … M …", pad pixels), are checked
//! for being a real signature rather than a tap, and become a black-on-white PNG for
//! the platform. Held in memory only for the session; sent inside the sealed case.

use image::{GrayImage, Luma};

/// Pad size in logical pixels (the Slint pad is this big).
pub const PAD_W: u32 = 900;
pub const PAD_H: u32 = 360;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SignatureError {
    #[error("签名太短，请在框内用手指写下您的姓名 / signature too small")]
    TooSmall,
    #[error("签名数据无效 / unreadable signature data")]
    Unreadable,
}

impl SignatureError {
    /// What the citizen reads on screen.
    pub fn citizen_message(&self) -> &'static str {
        match self {
            SignatureError::TooSmall => "签名太短，请在框内用手指写下您的姓名",
            SignatureError::Unreadable => "签名没有录上，请点“重签”再写一次",
        }
    }
}

/// More points than a signature has: the pad sends one per pointer move.
const MAX_POINTS: usize = 20_000;

/// Strokes as lists of points, each on the pad (anything else is refused, so drawing
/// is bounded whatever the string holds).
pub fn parse(path: &str) -> Result<Vec<Vec<(f32, f32)>>, SignatureError> {
    let mut strokes: Vec<Vec<(f32, f32)>> = Vec::new();
    let mut it = path.split_whitespace();
    let mut n = 0;
    while let Some(cmd) = it.next() {
        let (Some(x), Some(y)) = (it.next(), it.next()) else { return Err(SignatureError::Unreadable) };
        let (x, y): (f32, f32) = match (x.parse(), y.parse()) {
            (Ok(x), Ok(y)) => (x, y),
            _ => return Err(SignatureError::Unreadable),
        };
        let on_pad = |v: f32, max: u32| v.is_finite() && (-10.0..=max as f32 + 10.0).contains(&v);
        n += 1;
        if !on_pad(x, PAD_W) || !on_pad(y, PAD_H) || n > MAX_POINTS {
            return Err(SignatureError::Unreadable);
        }
        match cmd {
            "M" => strokes.push(vec![(x, y)]),
            "L" => match strokes.last_mut() {
                Some(s) => s.push((x, y)),
                None => return Err(SignatureError::Unreadable),
            },
            _ => return Err(SignatureError::Unreadable),
        }
    }
    Ok(strokes)
}

/// Accepts strokes that look written: enough ink, spread over part of the pad.
pub fn check(path: &str) -> Result<Vec<Vec<(f32, f32)>>, SignatureError> {
    let strokes = parse(path)?;
    let pts: Vec<(f32, f32)> = strokes.iter().flatten().copied().collect();
    let length: f32 = strokes.iter().flat_map(|s| s.windows(2)).map(|w| (w[1].0 - w[0].0).hypot(w[1].1 - w[0].1)).sum();
    let (xs, ys): (Vec<f32>, Vec<f32>) = pts.iter().copied().unzip();
    let span = |v: &[f32]| v.iter().copied().fold(f32::MIN, f32::max) - v.iter().copied().fold(f32::MAX, f32::min);
    if pts.len() < 8 || length < 150.0 || span(&xs) < 60.0 || span(&ys) < 20.0 {
        return Err(SignatureError::TooSmall);
    }
    Ok(strokes)
}

/// A black-on-white PNG of the strokes at pad size, 4 px pen.
pub fn to_png(path: &str) -> Result<Vec<u8>, SignatureError> {
    let strokes = check(path)?;
    let mut img = GrayImage::from_pixel(PAD_W, PAD_H, Luma([255]));
    for s in &strokes {
        for w in s.windows(2) {
            let (a, b) = (w[0], w[1]);
            let steps = ((b.0 - a.0).hypot(b.1 - a.1).ceil() as usize).max(1);
            for i in 0..=steps {
                let t = i as f32 / steps as f32;
                dot(&mut img, a.0 + (b.0 - a.0) * t, a.1 + (b.1 - a.1) * t);
            }
        }
    }
    let mut out = Vec::new();
    image::DynamicImage::ImageLuma8(img)
        .write_to(&mut std::io::Cursor::new(&mut out), image::ImageFormat::Png)
        .map_err(|_| SignatureError::Unreadable)?;
    Ok(out)
}

fn dot(img: &mut GrayImage, x: f32, y: f32) {
    for dy in -2i32..=2 {
        for dx in -2i32..=2 {
            let (px, py) = (x as i32 + dx, y as i32 + dy);
            if dx * dx + dy * dy <= 5 && px >= 0 && py >= 0 && (px as u32) < img.width() && (py as u32) < img.height() {
                img.put_pixel(px as u32, py as u32, Luma([0]));
            }
        }
    }
}

/// A signature-like test stroke: a wave across the pad, as SVG path data.
#[cfg(test)]
pub fn sample_path() -> String {
    let mut p = String::from("M 100 200 ");
    for i in 1..=40 {
        let x = 100 + i * 15;
        let y = 200.0 + 60.0 * (i as f32 / 3.0).sin();
        p.push_str(&format!("L {x} {} ", y.round()));
    }
    p
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_written_signature_becomes_a_png_with_ink_on_the_stroke() {
        let png = to_png(&sample_path()).unwrap();
        let img = image::load_from_memory(&png).unwrap().to_luma8();
        assert_eq!(img.dimensions(), (PAD_W, PAD_H));
        assert_eq!(img.get_pixel(100, 200).0[0], 0, "ink where the pen went down");
        assert_eq!(img.get_pixel(10, 10).0[0], 255, "paper elsewhere");
        let ink = img.pixels().filter(|p| p.0[0] == 0).count();
        assert!(ink > 1500, "{ink}");
    }

    #[test]
    fn taps_dots_and_garbage_are_refused() {
        assert_eq!(check(""), Err(SignatureError::TooSmall));
        assert_eq!(check("M 10 10 L 12 11"), Err(SignatureError::TooSmall));
        // A straight dash: long enough but flat.
        let dash: String =
            (0..30).map(|i| format!("{} {} 100 ", if i == 0 { "M" } else { "L" }, 100 + i * 10)).collect();
        assert_eq!(check(&dash), Err(SignatureError::TooSmall));
        assert_eq!(check("L 1 2"), Err(SignatureError::Unreadable));
        assert_eq!(check("M 1"), Err(SignatureError::Unreadable));
        assert_eq!(check("Q 1 2"), Err(SignatureError::Unreadable));
        assert!(check("M 1 2 L x 3").is_err());
        // Off the pad, not numbers, or endless: refused before any drawing.
        assert_eq!(check(&sample_path().replace("L 115", "L inf")), Err(SignatureError::Unreadable));
        assert_eq!(check(&sample_path().replace("L 115", "L NaN")), Err(SignatureError::Unreadable));
        assert_eq!(check(&sample_path().replace("L 115", "L 1e30")), Err(SignatureError::Unreadable));
        let endless = format!("{}{}", sample_path(), "L 300 100 L 310 120 ".repeat(MAX_POINTS));
        assert_eq!(check(&endless), Err(SignatureError::Unreadable));
    }
}

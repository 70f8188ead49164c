//! 手写: handwritten Chinese characters, recognised by Zinnia with the Simplified
//! Chinese model of Tegaki (Debian: libzinnia0, tegaki-zinnia-simplified-chinese).
//!
//! The citizen writes one character on the editor's pad; after every stroke the
//! strokes so far (points on a 0–1000 square, y down) are classified and the ten best
//! characters offered. The model is opened once, on the blocking pool when the 手写 tab
//! first opens, and shared; a missing or broken model is a typed error and the tab says
//! 手写暂不可用 (the kiosk runs on). Strokes are personal data in progress: the journey
//! keeps them in its wiped `Editor`; nothing here logs or keeps them.
//!
//! `kiosk ime hw --strokes FILE.json` classifies a stroke file (a list of strokes, each
//! a list of `[x, y]`), as tests/data/strokes/ holds them.

mod ffi;

use std::ffi::{CStr, CString};
use std::path::{Path, PathBuf};
use std::ptr::NonNull;
use std::sync::{Arc, Mutex, OnceLock};

/// Where Debian's tegaki-zinnia-simplified-chinese installs the model
/// (`[input] handwriting_model`).
pub const DEFAULT_MODEL: &str = "/usr/share/tegaki/models/zinnia/handwriting-zh_CN.model";
// The pad's vocabulary is the journey's (it holds the strokes); re-exported here.
pub use crate::journey::handwriting::{CANDIDATES, MAX_STROKES, SIDE};
/// Points in one stroke; the pad thins longer strokes before they get here.
pub const MAX_POINTS: usize = 1024;
/// Ink that fits in a box this small (on the 0–1000 square) is a dot or a stray touch,
/// not yet a character.
const DOT: u16 = 24;
/// The ink is centred, and scaled (aspect kept) so its longer side is at least `FIT.0`
/// and at most `FIT.1`: the model was trained on characters that fill their box, and
/// citizens write small, large or off-centre. Ink of ordinary size keeps its size, which
/// tells 口 from 囗. On tests/data/strokes written small in a corner: top-5 13 of 15
/// with this, 5 of 15 without.
const FIT: (f32, f32) = (500.0, 900.0);

/// Douglas–Peucker tolerance (on the 0–1000 square) for the vertices handed to Zinnia:
/// finer than the 0.05 of the side Zinnia uses itself, so it finds the same corners.
const TOLERANCE: f32 = 20.0;
/// Vertices per stroke handed to Zinnia. Its feature extraction numbers the corners it
/// finds as a binary tree (2^depth slots): a scribbled zigzag of 40 points asks for
/// terabytes and aborts the process. The most winding real stroke (㇌, 乙) has 6.
const VERTICES: usize = 12;

/// A point on the 0–1000 square, (x, y), y down.
pub type Point = (u16, u16);

/// Why there are no candidates. `ModelMissing` and `ModelUnreadable` make the 手写 tab
/// unavailable; the others are about one character's ink.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HwError {
    #[error("handwriting model {0}: no such file (package tegaki-zinnia-simplified-chinese)")]
    ModelMissing(PathBuf),
    #[error("handwriting model {path}: cannot be opened: {reason}")]
    ModelUnreadable { path: PathBuf, reason: String },
    #[error("no strokes")]
    NoStrokes,
    #[error("stroke {0} has no points")]
    EmptyStroke(usize),
    #[error("only a dot so far")]
    Dot,
    #[error("too much ink: {strokes} strokes, up to {points} points in one (at most {MAX_STROKES} and {MAX_POINTS})")]
    TooLarge { strokes: usize, points: usize },
    #[error("stroke file: {0}")]
    BadFile(String),
    #[error("recognition failed: {0}")]
    Failed(String),
}

impl HwError {
    /// The recognizer cannot be used at all (as opposed to: this ink gives nothing).
    pub fn unavailable(&self) -> bool {
        matches!(self, HwError::ModelMissing(_) | HwError::ModelUnreadable { .. })
    }
}

/// One recognised character and Zinnia's score (higher is better; not a probability).
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    pub text: String,
    pub score: f32,
}

/// The model's handle. Zinnia only reads it after `open`; calls are serialised anyway
/// (its error text is a member it writes), which costs nothing at one citizen per pad.
struct Raw(NonNull<ffi::ZinniaRecognizer>);

// SAFETY: the handle is used only under the Mutex in `Recognizer` and destroyed once in
// its Drop; Zinnia keeps no thread-local state.
unsafe impl Send for Raw {}

/// An opened Zinnia model.
pub struct Recognizer {
    raw: Mutex<Raw>,
    size: usize,
}

impl std::fmt::Debug for Recognizer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Recognizer({} characters)", self.size)
    }
}

impl Drop for Recognizer {
    fn drop(&mut self) {
        let raw = self.raw.get_mut().unwrap_or_else(|e| e.into_inner());
        // SAFETY: created by zinnia_recognizer_new, destroyed only here.
        unsafe { ffi::zinnia_recognizer_destroy(raw.0.as_ptr()) }
    }
}

/// Owns a `zinnia_character_t` for one classification.
struct Character(NonNull<ffi::ZinniaCharacter>);

impl Drop for Character {
    fn drop(&mut self) {
        // SAFETY: created by zinnia_character_new, destroyed only here.
        unsafe { ffi::zinnia_character_destroy(self.0.as_ptr()) }
    }
}

/// Owns a `zinnia_result_t`.
struct Answer(NonNull<ffi::ZinniaResult>);

impl Drop for Answer {
    fn drop(&mut self) {
        // SAFETY: returned by zinnia_recognizer_classify, destroyed only here.
        unsafe { ffi::zinnia_result_destroy(self.0.as_ptr()) }
    }
}

/// Zinnia's last error text for this recognizer.
fn strerror(raw: *mut ffi::ZinniaRecognizer) -> String {
    // SAFETY: a live recognizer; the text is owned by it and copied at once.
    let p = unsafe { ffi::zinnia_recognizer_strerror(raw) };
    if p.is_null() {
        return String::new();
    }
    // SAFETY: NUL-terminated, per zinnia.h.
    unsafe { CStr::from_ptr(p) }.to_string_lossy().trim().to_string()
}

impl Recognizer {
    /// Opens a model file (mapped, ~5 ms). A missing file or one Zinnia refuses (wrong
    /// format, truncated, unreadable) is a typed error.
    pub fn open(path: &Path) -> Result<Self, HwError> {
        let unreadable = |reason: String| HwError::ModelUnreadable { path: path.to_path_buf(), reason };
        match std::fs::metadata(path) {
            Ok(m) if m.is_file() => {}
            Ok(_) => return Err(unreadable("not a file".into())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(HwError::ModelMissing(path.into())),
            Err(e) => return Err(unreadable(e.to_string())),
        }
        // Zinnia trusts a model's offsets once its size and version check out; a file
        // the kiosk cannot even read is refused before it gets there.
        std::fs::File::open(path).map_err(|e| unreadable(e.to_string()))?;
        let c_path = {
            use std::os::unix::ffi::OsStrExt;
            CString::new(path.as_os_str().as_bytes()).map_err(|_| unreadable("NUL in the path".into()))?
        };
        // SAFETY: plain constructor; NULL checked.
        let raw = NonNull::new(unsafe { ffi::zinnia_recognizer_new() })
            .ok_or_else(|| HwError::Failed("zinnia_recognizer_new returned NULL".into()))?;
        // Destroyed by its Drop on every way out from here.
        let mut rec = Recognizer { raw: Mutex::new(Raw(raw)), size: 0 };
        // SAFETY: a live recognizer and a NUL-terminated path.
        if unsafe { ffi::zinnia_recognizer_open(raw.as_ptr(), c_path.as_ptr()) } == 0 {
            return Err(unreadable(strerror(raw.as_ptr())));
        }
        // SAFETY: an opened recognizer.
        rec.size = unsafe { ffi::zinnia_recognizer_size(raw.as_ptr()) };
        if rec.size == 0 {
            return Err(unreadable("the model holds no characters".into()));
        }
        Ok(rec)
    }

    /// Characters the model knows (6,763 for Tegaki's zh_CN: GB 2312).
    pub fn size(&self) -> usize {
        self.size
    }

    /// The `n` best characters for the strokes so far, best first.
    pub fn classify(&self, strokes: &[Vec<Point>], n: usize) -> Result<Vec<Candidate>, HwError> {
        check(strokes)?;
        let fitted: Vec<Vec<(i32, i32)>> = fit(strokes).iter().map(|s| simplify(s)).collect();
        // SAFETY: plain constructor; NULL checked.
        let ch = Character(
            NonNull::new(unsafe { ffi::zinnia_character_new() })
                .ok_or_else(|| HwError::Failed("zinnia_character_new returned NULL".into()))?,
        );
        // SAFETY: a live character; stroke ids are 0.. in order, as Zinnia requires.
        unsafe {
            ffi::zinnia_character_clear(ch.0.as_ptr());
            ffi::zinnia_character_set_width(ch.0.as_ptr(), SIDE as usize);
            ffi::zinnia_character_set_height(ch.0.as_ptr(), SIDE as usize);
            for (id, stroke) in fitted.iter().enumerate() {
                for &(x, y) in stroke {
                    if ffi::zinnia_character_add(ch.0.as_ptr(), id, x, y) == 0 {
                        return Err(HwError::Failed(format!("stroke {id} not accepted")));
                    }
                }
            }
        }
        let raw = self.raw.lock().unwrap_or_else(|e| e.into_inner());
        // SAFETY: an opened recognizer (held under the lock) and a live character.
        let res = unsafe { ffi::zinnia_recognizer_classify(raw.0.as_ptr(), ch.0.as_ptr(), n) };
        let Some(res) = NonNull::new(res).map(Answer) else {
            return Err(HwError::Failed(strerror(raw.0.as_ptr())));
        };
        drop(raw);
        // SAFETY: a live result; values are NUL-terminated strings it owns, copied here.
        let out = unsafe {
            let len = ffi::zinnia_result_size(res.0.as_ptr()).min(n);
            (0..len)
                .filter_map(|i| {
                    let v = ffi::zinnia_result_value(res.0.as_ptr(), i);
                    (!v.is_null()).then(|| Candidate {
                        text: CStr::from_ptr(v).to_string_lossy().into_owned(),
                        score: ffi::zinnia_result_score(res.0.as_ptr(), i),
                    })
                })
                .collect()
        };
        Ok(out)
    }
}

/// Refuses ink that is not (yet) a character: none, an empty stroke, only a dot, or
/// more than any character has.
fn check(strokes: &[Vec<Point>]) -> Result<(), HwError> {
    if strokes.is_empty() {
        return Err(HwError::NoStrokes);
    }
    if let Some(i) = strokes.iter().position(|s| s.is_empty()) {
        return Err(HwError::EmptyStroke(i));
    }
    let longest = strokes.iter().map(Vec::len).max().unwrap_or(0);
    if strokes.len() > MAX_STROKES || longest > MAX_POINTS {
        return Err(HwError::TooLarge { strokes: strokes.len(), points: longest });
    }
    let (x0, y0, x1, y1) = bounds(strokes);
    if x1 - x0 < DOT && y1 - y0 < DOT {
        return Err(HwError::Dot);
    }
    Ok(())
}

fn bounds(strokes: &[Vec<Point>]) -> (u16, u16, u16, u16) {
    let pts = || strokes.iter().flatten();
    let (x0, x1) = (pts().map(|p| p.0).min().unwrap_or(0), pts().map(|p| p.0).max().unwrap_or(0));
    let (y0, y1) = (pts().map(|p| p.1).min().unwrap_or(0), pts().map(|p| p.1).max().unwrap_or(0));
    (x0, y0, x1, y1)
}

/// The ink centred on the square, scaled into `FIT`.
fn fit(strokes: &[Vec<Point>]) -> Vec<Vec<(i32, i32)>> {
    let (x0, y0, x1, y1) = bounds(strokes);
    let side = f32::from(x1 - x0).max(f32::from(y1 - y0)).max(1.0);
    let k = side.clamp(FIT.0, FIT.1) / side;
    let c = f32::from(SIDE) / 2.0;
    let (mx, my) = ((f32::from(x0) + f32::from(x1)) / 2.0, (f32::from(y0) + f32::from(y1)) / 2.0);
    strokes
        .iter()
        .map(|s| {
            s.iter()
                .map(|&(x, y)| {
                    (((f32::from(x) - mx) * k + c).round() as i32, ((f32::from(y) - my) * k + c).round() as i32)
                })
                .collect()
        })
        .collect()
}

/// The corners of a stroke (Douglas–Peucker, `TOLERANCE`), at most `VERTICES` of them
/// (evenly chosen, both ends kept, when a scribble has more).
fn simplify(stroke: &[(i32, i32)]) -> Vec<(i32, i32)> {
    let mut pts = stroke.to_vec();
    pts.dedup();
    if pts.len() <= 2 {
        return pts;
    }
    let mut keep = vec![false; pts.len()];
    let last = pts.len() - 1;
    (keep[0], keep[last]) = (true, true);
    let mut spans = vec![(0, last)];
    while let Some((a, b)) = spans.pop() {
        let (p, q) = (pts[a], pts[b]);
        let (dx, dy) = ((q.0 - p.0) as f32, (q.1 - p.1) as f32);
        let len = dx.hypot(dy);
        let dist = |r: (i32, i32)| {
            let (rx, ry) = ((r.0 - p.0) as f32, (r.1 - p.1) as f32);
            if len == 0.0 {
                rx.hypot(ry)
            } else {
                (dx * ry - dy * rx).abs() / len
            }
        };
        let far = (a + 1..b).map(|i| (i, dist(pts[i]))).max_by(|x, y| x.1.total_cmp(&y.1));
        if let Some((i, _)) = far.filter(|&(_, d)| d > TOLERANCE) {
            keep[i] = true;
            spans.push((a, i));
            spans.push((i, b));
        }
    }
    let corners: Vec<(i32, i32)> = pts.iter().zip(&keep).filter(|(_, &k)| k).map(|(&p, _)| p).collect();
    if corners.len() <= VERTICES {
        return corners;
    }
    let n = corners.len() - 1;
    (0..VERTICES).map(|i| corners[i * n / (VERTICES - 1)]).collect()
}

/// A stroke file: `[[[x, y], …], …]`, numbers in 0..=1000 (fractions are rounded).
pub fn parse_strokes(json: &str) -> Result<Vec<Vec<Point>>, HwError> {
    let raw: Vec<Vec<[f64; 2]>> = serde_json::from_str(json).map_err(|e| HwError::BadFile(e.to_string()))?;
    raw.iter()
        .enumerate()
        .map(|(i, s)| {
            s.iter()
                .map(|&[x, y]| {
                    let ok = |v: f64| (0.0..=f64::from(SIDE)).contains(&v);
                    if ok(x) && ok(y) {
                        Ok((x.round() as u16, y.round() as u16))
                    } else {
                        Err(HwError::BadFile(format!("stroke {i}: point [{x}, {y}] is outside 0..{SIDE}")))
                    }
                })
                .collect()
        })
        .collect()
}

/// The terminal's recognizer: the model path from `[input] handwriting_model`, opened on
/// first use and shared by every session (a failure is remembered, and logged once).
#[derive(Debug)]
pub struct Handwriting {
    model: PathBuf,
    loaded: OnceLock<Result<Arc<Recognizer>, HwError>>,
}

impl Handwriting {
    pub fn new(model: impl Into<PathBuf>) -> Self {
        Handwriting { model: model.into(), loaded: OnceLock::new() }
    }

    pub fn model(&self) -> &Path {
        &self.model
    }

    /// Opens the model on the first call (blocking: call it on the blocking pool).
    pub fn recognizer(&self) -> Result<Arc<Recognizer>, HwError> {
        self.loaded
            .get_or_init(|| {
                let r = Recognizer::open(&self.model).map(Arc::new);
                match &r {
                    Ok(r) => tracing::info!(model = %self.model.display(), characters = r.size(), "handwriting ready"),
                    Err(e) => tracing::warn!(error = %e, "handwriting unavailable (手写暂不可用)"),
                }
                r
            })
            .clone()
    }

    /// The `CANDIDATES` best characters for the strokes so far.
    pub fn recognize(&self, strokes: &[Vec<Point>]) -> Result<Vec<String>, HwError> {
        let r = self.recognizer()?;
        Ok(r.classify(strokes, CANDIDATES)?.into_iter().map(|c| c.text).collect())
    }
}

/// The runtime's answer to `Effect::Recognize`: the candidates (none for ink that is not
/// yet a character), or `HwUnavailable` without a model. No strokes only opens the model
/// (the 手写 tab was opened). Never logs the strokes.
pub fn answer(hw: &Handwriting, strokes: &[Vec<Point>]) -> crate::journey::Event {
    use crate::journey::Event;
    if hw.recognizer().is_err() {
        // Logged once, when it was opened.
        return Event::HwUnavailable;
    }
    if strokes.is_empty() {
        return Event::HwCandidates(Vec::new());
    }
    match hw.recognize(strokes) {
        Ok(c) => Event::HwCandidates(c),
        Err(e) => {
            tracing::debug!(error = %e, "no handwriting candidates");
            Event::HwCandidates(Vec::new())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ink_that_is_not_a_character_is_refused_before_zinnia() {
        assert_eq!(check(&[]), Err(HwError::NoStrokes));
        assert_eq!(check(&[vec![(1, 1), (900, 1)], vec![]]), Err(HwError::EmptyStroke(1)));
        assert_eq!(check(&[vec![(500, 500)]]), Err(HwError::Dot));
        assert_eq!(check(&[vec![(500, 500), (510, 505)], vec![(505, 500)]]), Err(HwError::Dot));
        assert!(check(&[vec![(500, 500)], vec![(100, 100), (900, 100)]]).is_ok(), "a dot in a character is ink");
        let many = vec![vec![(0, 0), (1000, 1000)]; MAX_STROKES + 1];
        assert!(matches!(check(&many), Err(HwError::TooLarge { .. })));
        let long = vec![(0..=MAX_POINTS as u16).map(|i| (i % 1000, 10)).collect::<Vec<_>>()];
        assert!(matches!(check(&long), Err(HwError::TooLarge { .. })));
    }

    #[test]
    fn ink_is_fitted_to_the_middle_of_the_square() {
        // Small, in a corner: scaled up, centred, aspect kept.
        let f = fit(&[vec![(0, 0), (100, 50)]]);
        assert_eq!(f, vec![vec![(250, 375), (750, 625)]]);
        // A flat line stays flat.
        let f = fit(&[vec![(200, 900), (400, 900)]]);
        assert_eq!(f, vec![vec![(250, 500), (750, 500)]]);
        // Ordinary size: only moved to the middle. Edge to edge: a little smaller.
        let f = fit(&[vec![(0, 0), (600, 300)]]);
        assert_eq!(f, vec![vec![(200, 350), (800, 650)]]);
        let f = fit(&[vec![(0, 0), (1000, 1000)]]);
        assert_eq!(f, vec![vec![(50, 50), (950, 950)]]);
    }

    #[test]
    fn strokes_reach_zinnia_as_a_few_corners() {
        // A straight line sampled densely: its two ends.
        let line: Vec<(i32, i32)> = (0..=100).map(|i| (i * 8, 500)).collect();
        assert_eq!(simplify(&line), vec![(0, 500), (800, 500)]);
        // An L: the corner is kept; a wobble within the tolerance is not.
        let l = [(100, 100), (105, 400), (100, 800), (500, 805), (900, 800)];
        assert_eq!(simplify(&l), vec![(100, 100), (100, 800), (900, 800)]);
        // A scribble: at most VERTICES, both ends kept.
        let zigzag: Vec<(i32, i32)> = (0..1000).map(|i| (i, if i % 2 == 0 { 0 } else { 1000 })).collect();
        let z = simplify(&zigzag);
        assert_eq!((z.len(), z[0], *z.last().unwrap()), (VERTICES, (0, 0), (999, 1000)));
        assert_eq!(simplify(&[(5, 5), (5, 5)]), vec![(5, 5)]);
    }

    #[test]
    fn stroke_files_are_checked() {
        assert_eq!(parse_strokes("[[[0, 0], [1000, 999.6]]]").unwrap(), vec![vec![(0, 0), (1000, 1000)]]);
        assert!(matches!(parse_strokes("[[[0, 1001]]]"), Err(HwError::BadFile(m)) if m.contains("outside")));
        assert!(matches!(parse_strokes("[[[-1, 5]]]"), Err(HwError::BadFile(_))));
        assert!(matches!(parse_strokes("{\"x\": 1}"), Err(HwError::BadFile(_))));
        assert_eq!(parse_strokes("[]").unwrap(), Vec::<Vec<Point>>::new());
    }

    #[test]
    fn a_missing_model_is_a_typed_error_and_remembered() {
        let hw = Handwriting::new("/nonexistent/handwriting.model");
        assert_eq!(hw.recognizer().unwrap_err(), HwError::ModelMissing("/nonexistent/handwriting.model".into()));
        assert!(hw.recognize(&[vec![(0, 0), (900, 900)]]).unwrap_err().unavailable());
        assert_eq!(answer(&hw, &[]), crate::journey::Event::HwUnavailable);
    }

    #[test]
    fn a_broken_model_is_refused_without_a_crash() {
        let dir = tempfile::tempdir().unwrap();
        for (name, bytes) in [("empty", &b""[..]), ("short", b"ab"), ("text", b"this is not a zinnia model\n")] {
            let p = dir.path().join(name);
            std::fs::write(&p, bytes).unwrap();
            let e = Recognizer::open(&p).unwrap_err();
            assert!(matches!(e, HwError::ModelUnreadable { .. }), "{name}: {e}");
        }
        let e = Recognizer::open(dir.path()).unwrap_err();
        assert!(matches!(e, HwError::ModelUnreadable { ref reason, .. } if reason == "not a file"), "{e}");
    }
}

//! Glyph cells drawn from the shipped CJK font, shared by the encoder (生僻字 rasters)
//! and the virtual printer (text rendering and reading rasters back).
//!
//! Cells mimic a printer's ROM font A: 12×24 dots for ASCII, 24×24 for everything
//! else. Magnified text is the base cell scaled by whole dots and bold is a one-dot
//! double strike, like a real printer, so a raster made here can be read back
//! exactly by hashing cells.

use super::gbk;
use ab_glyph::{Font, FontRef, PxScale};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

/// Embedded so a kiosk binary never depends on the repository path at run time.
static FONT_BYTES: &[u8] = include_bytes!("../../../ui/fonts/NotoSansSC-Regular.otf");

pub const CELL_H: u32 = 24;
pub const HALF_W: u32 = 12;
pub const FULL_W: u32 = 24;
const EM_PX: f32 = 22.0;
const BASELINE: f32 = 20.0;

/// One-byte-per-dot monochrome bitmap (1 = black).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Bitmap {
    pub w: u32,
    pub h: u32,
    pub px: Vec<u8>,
}

impl Bitmap {
    pub fn new(w: u32, h: u32) -> Self {
        Self { w, h, px: vec![0; (w * h) as usize] }
    }

    pub fn get(&self, x: u32, y: u32) -> bool {
        x < self.w && y < self.h && self.px[(y * self.w + x) as usize] != 0
    }

    pub fn set(&mut self, x: u32, y: u32) {
        if x < self.w && y < self.h {
            self.px[(y * self.w + x) as usize] = 1;
        }
    }

    /// Copies `src` black dots at (x, y), clipping at the edges.
    pub fn blit(&mut self, src: &Bitmap, x: u32, y: u32) {
        for sy in 0..src.h {
            for sx in 0..src.w {
                if src.get(sx, sy) {
                    self.set(x + sx, y + sy);
                }
            }
        }
    }

    /// Nearest-neighbour magnification, as a printer magnifies its ROM font.
    pub fn scale(&self, mw: u32, mh: u32) -> Bitmap {
        if mw == 1 && mh == 1 {
            return self.clone();
        }
        let mut out = Bitmap::new(self.w * mw, self.h * mh);
        for y in 0..out.h {
            for x in 0..out.w {
                if self.get(x / mw, y / mh) {
                    out.px[(y * out.w + x) as usize] = 1;
                }
            }
        }
        out
    }

    /// Double strike shifted one dot right (printer "emphasized").
    pub fn embolden(&self) -> Bitmap {
        let mut out = self.clone();
        for y in 0..self.h {
            for x in 1..self.w {
                if self.get(x - 1, y) {
                    out.set(x, y);
                }
            }
        }
        out
    }

    /// Packs rows MSB first, `ceil(w/8)` bytes a row: the GS v 0 data layout.
    pub fn pack(&self) -> Vec<u8> {
        let bw = self.w.div_ceil(8);
        let mut out = vec![0u8; (bw * self.h) as usize];
        for y in 0..self.h {
            for x in 0..self.w {
                if self.get(x, y) {
                    out[(y * bw + x / 8) as usize] |= 0x80 >> (x % 8);
                }
            }
        }
        out
    }

    pub fn unpack(w: u32, h: u32, data: &[u8]) -> Bitmap {
        let bw = w.div_ceil(8) as usize;
        let mut out = Bitmap::new(w, h);
        for y in 0..h {
            for x in 0..w {
                let i = y as usize * bw + x as usize / 8;
                if data.get(i).is_some_and(|b| b & (0x80 >> (x % 8)) != 0) {
                    out.px[(y * w + x) as usize] = 1;
                }
            }
        }
        out
    }

    pub fn is_blank(&self) -> bool {
        self.px.iter().all(|&p| p == 0)
    }

    /// Sub-bitmap; dots outside the source read as white.
    pub fn crop(&self, x: u32, y: u32, w: u32, h: u32) -> Bitmap {
        let mut out = Bitmap::new(w, h);
        for yy in 0..h {
            for xx in 0..w {
                if self.get(x + xx, y + yy) {
                    out.px[(yy * w + xx) as usize] = 1;
                }
            }
        }
        out
    }
}

fn font() -> &'static FontRef<'static> {
    static FONT: OnceLock<FontRef<'static>> = OnceLock::new();
    FONT.get_or_init(|| FontRef::try_from_slice(FONT_BYTES).expect("embedded font parses"))
}

/// ASCII prints half width, everything else full width (as in GBK printer ROMs).
pub fn cell_width(c: char) -> u32 {
    if c.is_ascii() {
        HALF_W
    } else {
        FULL_W
    }
}

pub fn has_glyph(c: char) -> bool {
    c.is_ascii() || font().glyph_id(c).0 != 0
}

fn render_uncached(c: char) -> Bitmap {
    let cw = cell_width(c);
    let mut cell = Bitmap::new(cw, CELL_H);
    if c == ' ' || c == '\u{3000}' {
        return cell;
    }
    let f = font();
    let id = f.glyph_id(c);
    // PxScale is ascent-to-descent height, not the em: convert so the em is EM_PX.
    let upem = f.units_per_em().unwrap_or(1000.0);
    let em_scale = EM_PX * f.height_unscaled() / upem;
    let mut scale = PxScale::from(em_scale);
    let probe = id.with_scale_and_position(scale, ab_glyph::point(0.0, BASELINE));
    let Some(outline) = f.outline_glyph(probe) else {
        return cell;
    };
    let b = outline.px_bounds();
    // Latin glyphs are proportional: squeeze the wide ones into the 12-dot cell.
    let room = cw as f32 - 1.0;
    if b.width() > room {
        scale.x = em_scale * room / b.width();
    }
    let probe = id.with_scale_and_position(scale, ab_glyph::point(0.0, BASELINE));
    let Some(outline) = f.outline_glyph(probe) else {
        return cell;
    };
    let b = outline.px_bounds();
    let dx = if cw == FULL_W {
        // Keep the design's place in the em box (punctuation sits left or low).
        ((FULL_W as f32 - EM_PX) / 2.0 + b.min.x).round() as i32
    } else {
        ((cw as f32 - b.width()) / 2.0).floor() as i32
    };
    let dy = b.min.y.round() as i32;
    outline.draw(|x, y, v| {
        if v >= 0.5 {
            let (px, py) = (x as i32 + dx, y as i32 + dy);
            if px >= 0 && py >= 0 {
                cell.set(px as u32, py as u32);
            }
        }
    });
    cell
}

/// The base (1×1, regular) cell of `c`, cached.
pub fn glyph_cell(c: char) -> Arc<Bitmap> {
    static CACHE: OnceLock<Mutex<HashMap<char, Arc<Bitmap>>>> = OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    if let Some(b) = cache.lock().unwrap_or_else(|e| e.into_inner()).get(&c) {
        return b.clone();
    }
    let b = Arc::new(render_uncached(c));
    cache.lock().unwrap_or_else(|e| e.into_inner()).insert(c, b.clone());
    b
}

/// The cell as printed: emboldened first, then magnified (what the reader undoes).
pub fn styled_cell(c: char, w: u32, h: u32, bold: bool) -> Bitmap {
    let base = glyph_cell(c);
    if bold {
        base.embolden().scale(w, h)
    } else {
        base.scale(w, h)
    }
}

/// Which char wins when two render to the same dots (compatibility ideographs share
/// glyphs with unified ones): prefer what a printer ROM has, then unified ideographs.
fn rank(c: char) -> u8 {
    let u = c as u32;
    if c.is_ascii() {
        0
    } else if gbk::printable(c) {
        1
    } else if (0x3400..=0x9FFF).contains(&u) || (0x20000..=0x3134F).contains(&u) {
        2
    } else {
        3
    }
}

type Key = (bool, Vec<u8>);
type Index = HashMap<Key, char>;

/// Every cell the font can draw, regular and bold, keyed by its packed dots.
/// Built once, on all cores, when the first raster needs reading (~10 s of CPU in a
/// debug build, well under a second optimised); see `warm_up`.
fn index() -> &'static Index {
    static INDEX: OnceLock<Index> = OnceLock::new();
    INDEX.get_or_init(|| {
        // One raster per glyph id: many code points share glyphs.
        let mut by_glyph: HashMap<u16, char> = HashMap::new();
        for (id, c) in font().codepoint_ids() {
            if c.is_ascii() || c.is_control() {
                continue;
            }
            let e = by_glyph.entry(id.0).or_insert(c);
            if rank(c) < rank(*e) || (rank(c) == rank(*e) && c < *e) {
                *e = c;
            }
        }
        let mut chars: Vec<char> = (0x20u8..0x7F).map(char::from).collect();
        chars.extend(by_glyph.into_values());
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).min(8);
        let parts: Vec<Vec<(Key, char)>> = std::thread::scope(|s| {
            let handles: Vec<_> = chars
                .chunks(chars.len().div_ceil(threads))
                .map(|part| {
                    s.spawn(move || {
                        let mut out = Vec::with_capacity(part.len() * 2);
                        for &c in part {
                            let cell = render_uncached(c);
                            out.push(((true, cell.embolden().pack()), c));
                            out.push(((false, cell.pack()), c));
                        }
                        out
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().expect("index thread")).collect()
        });
        let mut map: Index = HashMap::new();
        for (key, c) in parts.into_iter().flatten() {
            match map.get(&key) {
                Some(&old) if rank(old) <= rank(c) => {}
                _ => {
                    map.insert(key, c);
                }
            }
        }
        map
    })
}

fn lookup(cell: &Bitmap, bold: bool) -> Option<char> {
    index().get(&(bold, cell.pack())).copied()
}

/// Reads one row of cells drawn by `styled_cell` starting at x = 0. Backtracks
/// between half- and full-width cells; trailing white is padding.
fn read_row(row: &Bitmap, w: u32, h: u32, bold: bool) -> Option<String> {
    fn go(row: &Bitmap, x: u32, w: u32, h: u32, bold: bool, out: &mut String) -> bool {
        if x >= row.w || row.crop(x, 0, row.w - x, row.h).is_blank() {
            return true;
        }
        for cw in [HALF_W, FULL_W] {
            let pw = cw * w;
            if x + pw > row.w {
                continue;
            }
            // Undo the magnification by sampling one dot per base dot.
            let mut base = Bitmap::new(cw, CELL_H);
            for y in 0..CELL_H {
                for xx in 0..cw {
                    if row.get(x + xx * w, y * h) {
                        base.set(xx, y);
                    }
                }
            }
            let c = if base.is_blank() { (cw == HALF_W).then_some(' ') } else { lookup(&base, bold) };
            if let Some(c) = c.filter(|&c| cell_width(c) == cw) {
                let len = out.len();
                out.push(c);
                if go(row, x + pw, w, h, bold, out) {
                    return true;
                }
                out.truncate(len);
            }
        }
        false
    }
    let mut out = String::new();
    go(row, 0, w, h, bold, &mut out).then_some(out)
}

/// Reads back a text raster made by [`text_raster`]; `None` if it is not one.
pub fn read_raster(img: &Bitmap) -> Option<String> {
    if img.is_blank() {
        return None;
    }
    for h in 1..=8u32 {
        let pitch = CELL_H * h + LINE_GAP;
        if !img.h.is_multiple_of(pitch) {
            continue;
        }
        let rows = img.h / pitch;
        for w in 1..=8u32 {
            for bold in [false, true] {
                let mut text = String::new();
                let ok = (0..rows).all(|r| {
                    read_row(&img.crop(0, r * pitch, img.w, CELL_H * h), w, h, bold)
                        .map(|s| text.push_str(s.trim_end_matches(' ')))
                        .is_some()
                });
                if ok {
                    return Some(text);
                }
            }
        }
    }
    None
}

/// White dots under each raster row, matching the virtual printer's text line pitch.
pub const LINE_GAP: u32 = 6;

/// Lays `text` out in printer cells, wrapping at `max_w` dots; one row per line
/// pitch. Width is rounded up to whole bytes.
pub fn text_raster(text: &str, w: u32, h: u32, bold: bool, max_w: u32) -> Bitmap {
    let mut rows: Vec<Vec<char>> = vec![Vec::new()];
    let mut x = 0;
    for c in text.chars() {
        let cw = cell_width(c) * w;
        if x + cw > max_w && x > 0 {
            rows.push(Vec::new());
            x = 0;
        }
        rows.last_mut().expect("one row").push(c);
        x += cw;
    }
    let width = rows.iter().map(|r| r.iter().map(|&c| cell_width(c) * w).sum::<u32>()).max();
    let width = width.unwrap_or(0).div_ceil(8) * 8;
    let pitch = CELL_H * h + LINE_GAP;
    let mut img = Bitmap::new(width.max(8), pitch * rows.len() as u32);
    for (r, row) in rows.iter().enumerate() {
        let mut x = 0;
        for &c in row {
            let cell = styled_cell(c, w, h, bold);
            img.blit(&cell, x, r as u32 * pitch);
            x += cell.w;
        }
    }
    img
}

/// Builds the read-back index on a background thread, so the first raster a
/// virtual printer reads does not stall its status replies.
pub fn warm_up() {
    static STARTED: OnceLock<()> = OnceLock::new();
    STARTED.get_or_init(|| {
        let _ = std::thread::Builder::new().name("font-index".into()).spawn(|| {
            index();
        });
    });
}

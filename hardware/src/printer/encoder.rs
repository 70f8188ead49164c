//! `Document` → ESC/POS bytes.
//!
//! Plain commands go through the `escpos` crate (captured into a buffer). Its text
//! encoder only takes encodings that cover everything (UTF-8), so Chinese text is
//! GBK-encoded here and sent raw inside `FS &` … `FS .`; a line with a character the
//! GBK ROM lacks is drawn from the embedded font and sent as a `GS v 0` raster.

use super::document::{Align, Block, Document};
use super::font::{self, Bitmap};
use super::gbk;
use super::profile::{Cutter, PrinterProfile};
use escpos::driver::Driver;
use escpos::printer::Printer;
use escpos::utils::{JustifyMode, Protocol, QRCodeCorrectionLevel, QRCodeModel, QRCodeOption};
use std::cell::RefCell;
use std::rc::Rc;

pub const ESC: u8 = 0x1B;
pub const GS: u8 = 0x1D;
pub const FS: u8 = 0x1C;
pub const DLE: u8 = 0x10;
pub const EOT: u8 = 0x04;
pub const LF: u8 = 0x0A;
pub const CHINESE_ON: [u8; 2] = [FS, b'&'];
pub const CHINESE_OFF: [u8; 2] = [FS, b'.'];
/// Tallest GS v 0 band: older firmwares choke on bigger single images.
const MAX_BAND: u32 = 255;

/// escpos driver that keeps the bytes (escpos drivers are Rc-based, so this one
/// lives and dies inside one `encode` call).
#[derive(Clone, Default)]
struct Capture(Rc<RefCell<Vec<u8>>>);

impl Driver for Capture {
    fn name(&self) -> String {
        "capture".into()
    }
    fn write(&self, data: &[u8]) -> escpos::errors::Result<()> {
        self.0.borrow_mut().extend_from_slice(data);
        Ok(())
    }
    fn read(&self, _buf: &mut [u8]) -> escpos::errors::Result<usize> {
        Ok(0)
    }
    fn flush(&self) -> escpos::errors::Result<()> {
        Ok(())
    }
}

/// `GS v 0 m xL xH yL yH data` for a bitmap (m = 0, normal density).
pub fn raster_command(img: &Bitmap) -> Vec<u8> {
    let bw = img.w.div_ceil(8);
    let mut out = vec![GS, b'v', b'0', 0, bw as u8, (bw >> 8) as u8, img.h as u8, (img.h >> 8) as u8];
    out.extend(img.pack());
    out
}

/// Raster commands for a tall bitmap, cut in bands of whole `row_h` rows.
fn raster_bands(img: &Bitmap, row_h: u32) -> Vec<u8> {
    let band = (MAX_BAND / row_h).max(1) * row_h;
    let mut out = Vec::new();
    let mut y = 0;
    while y < img.h {
        let h = band.min(img.h - y);
        out.extend(raster_command(&img.crop(0, y, img.w, h)));
        y += h;
    }
    out
}

/// Module size (dots) that keeps a QR of `modules` plus quiet zone within 3/4 paper.
pub fn qr_module_size(modules: u32, dots: u32) -> u8 {
    ((dots * 3 / 4) / (modules + 8)).clamp(1, 8) as u8
}

/// QR as a bitmap with a 4-module quiet zone, or None if the data does not fit a QR.
pub fn qr_bitmap(data: &str, module: u32) -> Option<Bitmap> {
    let code = qrcode::QrCode::with_error_correction_level(data, qrcode::EcLevel::M).ok()?;
    let n = code.width() as u32;
    let colors = code.to_colors();
    let side = (n + 8) * module;
    let mut img = Bitmap::new(side.div_ceil(8) * 8, side);
    for (i, c) in colors.iter().enumerate() {
        if *c == qrcode::Color::Dark {
            let (mx, my) = (i as u32 % n + 4, i as u32 / n + 4);
            for dy in 0..module {
                for dx in 0..module {
                    img.set(mx * module + dx, my * module + dy);
                }
            }
        }
    }
    Some(img)
}

fn justify(a: Align) -> JustifyMode {
    match a {
        Align::Left => JustifyMode::LEFT,
        Align::Center => JustifyMode::CENTER,
        Align::Right => JustifyMode::RIGHT,
    }
}

/// Tracks modes so each command is sent only when it changes.
struct Enc {
    p: Printer<Capture>,
    profile: PrinterProfile,
    align: Align,
    bold: bool,
    size: (u8, u8),
}

// escpos errors only on out-of-range arguments, which we clamp beforehand.
fn ok<T>(r: escpos::errors::Result<T>) {
    if let Err(e) = r {
        tracing::warn!("escpos: {e}");
    }
}

impl Enc {
    fn set_align(&mut self, a: Align) {
        if a != self.align {
            ok(self.p.justify(justify(a)));
            self.align = a;
        }
    }
    fn set_bold(&mut self, b: bool) {
        if b != self.bold {
            ok(self.p.bold(b));
            self.bold = b;
        }
    }
    fn set_size(&mut self, w: u8, h: u8) {
        let s = (w.clamp(1, 8), h.clamp(1, 8));
        if s != self.size {
            ok(self.p.size(s.0, s.1));
            self.size = s;
        }
    }
    fn raw(&mut self, bytes: &[u8]) {
        ok(self.p.custom(bytes));
    }

    fn text_line(&mut self, line: &str) {
        let line: String = line.chars().map(|c| if c.is_control() { ' ' } else { c }).collect();
        match gbk::encode(&line) {
            Some(bytes) if line.is_ascii() => {
                self.raw(&bytes);
                self.raw(&[LF]);
            }
            Some(bytes) => {
                let mut cmd = CHINESE_ON.to_vec();
                cmd.extend(bytes);
                cmd.extend(CHINESE_OFF);
                cmd.push(LF);
                self.raw(&cmd);
            }
            None => {
                // A name is never printed as '?': draw the whole line, keeping it on one line.
                let (w, h) = (self.size.0 as u32, self.size.1 as u32);
                let img = font::text_raster(&line, w, h, self.bold, self.profile.print_dots());
                let cmd = raster_bands(&img, font::CELL_H * h + font::LINE_GAP);
                self.raw(&cmd);
            }
        }
    }

    fn qr(&mut self, data: &str) {
        let prev = self.align;
        self.set_align(Align::Center);
        // Only the version is needed here; building the symbol (8 masks scored) costs
        // ~1 ms and the printer does it anyway.
        let modules =
            qrcode::bits::encode_auto(data.as_bytes(), qrcode::EcLevel::M).map(|b| b.version().width() as u32);
        match modules {
            Ok(m) if self.profile.native_qr && data.len() <= 7089 => {
                let size = qr_module_size(m, self.profile.print_dots());
                let opt = QRCodeOption::new(QRCodeModel::Model2, size, QRCodeCorrectionLevel::M);
                // The printer moves to a new line after the symbol: no LF.
                ok(self.p.qrcode_option(data, opt));
            }
            Ok(m) => {
                let size = qr_module_size(m, self.profile.print_dots()) as u32;
                if let Some(img) = qr_bitmap(data, size) {
                    let cmd = raster_bands(&img, 1);
                    self.raw(&cmd);
                }
            }
            // Too long for any QR: print the data so nothing is silently lost.
            Err(_) => self.text_line(data),
        }
        self.set_align(prev);
    }

    fn image(&mut self, width: u32, height: u32, bits: &[u8]) {
        let img = if bits.len() == (width * height) as usize {
            Bitmap { w: width, h: height, px: bits.iter().map(|&b| (b != 0) as u8).collect() }
        } else {
            Bitmap::unpack(width, height, bits)
        };
        let img = img.crop(0, 0, img.w.min(self.profile.print_dots()), img.h);
        let cmd = raster_bands(&img, 1);
        self.raw(&cmd);
    }

    fn cut(&mut self) {
        // ESC J n: just the print-line-to-blade distance, in dots (at most 255 a command).
        let mut left = self.profile.cut_feed_dots();
        while left > 0 {
            let n = left.min(255);
            self.raw(&[ESC, b'J', n as u8]);
            left -= n;
        }
        match self.profile.cutter {
            Cutter::Partial => self.raw(&[GS, b'V', 1]),
            Cutter::Full => self.raw(&[GS, b'V', 0]),
            Cutter::None => {}
        }
    }
}

/// Encodes blocks only (no init, no automatic cut): what `Document` says, in bytes.
pub fn encode_blocks(doc: &Document, profile: &PrinterProfile) -> Vec<u8> {
    encode_parts(doc, profile).concat()
}

/// The blocks' bytes, one part per block: parts end on command boundaries, so a
/// driver may ask for status between them without the query landing inside the
/// data of a `GS v 0` (where a printer would take it as image data or, worse,
/// answer in the middle of it).
pub fn encode_parts(doc: &Document, profile: &PrinterProfile) -> Vec<Vec<u8>> {
    let cap = Capture::default();
    let mut e = Enc {
        p: Printer::new(cap.clone(), Protocol::default(), None),
        profile: profile.clone(),
        align: Align::Left,
        bold: false,
        size: (1, 1),
    };
    let mut parts = Vec::new();
    let mut take = |e: &mut Enc| {
        ok(e.p.print());
        let part = std::mem::take(&mut *cap.0.borrow_mut());
        if !part.is_empty() {
            parts.push(part);
        }
    };
    for b in &doc.blocks {
        match b {
            Block::Text { text, width, height, align, bold } => {
                e.set_align(*align);
                e.set_bold(*bold);
                e.set_size(*width, *height);
                // Same breaking as Document::printed_text.
                let cols = (profile.print_columns() / u32::from((*width).clamp(1, 8))) as usize;
                for line in text.split('\n').flat_map(|l| super::wrap::wrap(l, cols)) {
                    e.text_line(&line);
                }
            }
            Block::Rule => {
                let mut img = Bitmap::new(profile.print_dots(), 12);
                for x in 0..profile.print_dots() {
                    img.set(x, 5);
                    img.set(x, 6);
                }
                e.raw(&raster_command(&img));
            }
            Block::Qr { data } => e.qr(data),
            Block::Image { width, height, bits } => e.image(*width, *height, bits),
            Block::Feed(n) => ok(e.p.feeds(*n)),
            Block::Cut => e.cut(),
        }
        take(&mut e);
    }
    // Leave the printer in its default modes for whoever prints next.
    e.set_align(Align::Left);
    e.set_bold(false);
    e.set_size(1, 1);
    take(&mut e);
    parts
}

/// `GS L` (left margin) and `GS W` (print area width) for the profile's side margins.
/// Both are `nL nH` in motion units (one dot here); `ESC @` resets them, so every job
/// sends them again.
pub fn margin_commands(profile: &PrinterProfile) -> Vec<u8> {
    let (l, w) = (profile.margin_dots(), profile.print_dots());
    vec![GS, b'L', l as u8, (l >> 8) as u8, GS, b'W', w as u8, (w >> 8) as u8]
}

/// One print job as parts: `ESC @` with the margins, the blocks, and a cut if the
/// document has none.
pub fn encode_job_parts(doc: &Document, profile: &PrinterProfile) -> Vec<Vec<u8>> {
    let mut init = vec![ESC, b'@'];
    init.extend(margin_commands(profile));
    let mut parts = vec![init];
    parts.extend(encode_parts(doc, profile));
    if !matches!(doc.blocks.last(), Some(Block::Cut)) {
        parts.extend(encode_parts(&Document::new().cut(), profile));
    }
    parts
}

/// One print job: `ESC @`, the margins, the blocks, and a cut if the document has none.
pub fn encode_job(doc: &Document, profile: &PrinterProfile) -> Vec<u8> {
    encode_job_parts(doc, profile).concat()
}

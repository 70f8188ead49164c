//! Virtual ESC/POS printer: parses a byte stream, answers DLE EOT from a settable
//! paper/cover state, and renders each cut receipt to a PNG at the real dot width,
//! keeping the text it decoded (GBK, and rasters read back through the font) and
//! the data of every QR it printed.

mod page;
mod parse;
pub mod server;

use super::document::Align;
use super::font::Bitmap;
use super::status::StatusBits;
use super::PrinterError;
use page::Page;
use serde::{Deserialize, Serialize};

/// The faults and paper state the test or technician sets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct DeviceState {
    pub cover_open: bool,
    pub paper_out: bool,
    pub paper_near_end: bool,
    /// Offline for another reason (e.g. the feed button held).
    pub offline: bool,
    pub cutter_error: bool,
    pub unrecoverable: bool,
    pub auto_recoverable: bool,
    /// Dots of paper left; when it reaches 0 the paper runs out mid-job.
    pub paper_left: Option<u32>,
}

impl DeviceState {
    pub fn bits(&self) -> StatusBits {
        let error = self.cutter_error || self.unrecoverable || self.auto_recoverable;
        StatusBits {
            offline: self.offline || self.cover_open || self.paper_out || error,
            cover_open: self.cover_open,
            stopped_paper_end: self.paper_out,
            error,
            cutter_error: self.cutter_error,
            unrecoverable: self.unrecoverable,
            auto_recoverable: self.auto_recoverable,
            paper_near_end: self.paper_near_end || self.paper_out,
            paper_end: self.paper_out,
        }
    }

    /// Whether print data is acted on (real-time commands always are).
    pub fn printing(&self) -> bool {
        self.bits().status().can_print()
    }
}

/// One receipt as it came out of the printer.
#[derive(Debug, Clone)]
pub struct Receipt {
    pub width: u32,
    pub height: u32,
    pub png: Vec<u8>,
    /// Text as decoded, one printed line per `\n` (automatic wraps add none).
    pub text: String,
    /// Data of each QR code, in order.
    pub qr: Vec<String>,
    /// False if the paper ran out before the cut.
    pub complete: bool,
}

#[derive(Debug, Clone, Default)]
struct QrState {
    module: u8,
    level: u8,
    data: Vec<u8>,
}

/// The printer engine; feed it bytes, collect replies and receipts.
#[derive(Debug)]
pub struct Engine {
    pub state: DeviceState,
    /// Commands we do not know (skipped), and known ones we ignore on purpose.
    pub unknown: u64,
    pub ignored: u64,
    /// Bytes dropped because the printer was not printing (cover open, paper out).
    pub discarded: u64,
    receipts: Vec<Receipt>,
    page: Page,
    text: String,
    qr_data: Vec<String>,
    buf: Vec<u8>,
    align: Align,
    bold: bool,
    underline: bool,
    size: (u32, u32),
    chinese: bool,
    qr: QrState,
}

impl Engine {
    pub fn new(width_dots: u32) -> Self {
        Engine {
            state: DeviceState::default(),
            unknown: 0,
            ignored: 0,
            discarded: 0,
            receipts: Vec::new(),
            page: Page::new(width_dots.max(8)),
            text: String::new(),
            qr_data: Vec::new(),
            buf: Vec::new(),
            align: Align::Left,
            bold: false,
            underline: false,
            size: (1, 1),
            // Chinese-market printers power up in Chinese mode.
            chinese: true,
            qr: QrState { module: 3, level: 49, data: Vec::new() },
        }
    }

    pub fn width(&self) -> u32 {
        self.page.width
    }

    /// Feeds received bytes; returns what the printer sends back.
    pub fn feed(&mut self, bytes: &[u8]) -> Vec<u8> {
        self.buf.extend_from_slice(bytes);
        let mut out = Vec::new();
        let mut pos = 0;
        while pos < self.buf.len() {
            let rest = std::mem::take(&mut self.buf);
            let step = self.step(&rest[pos..], &mut out);
            self.buf = rest;
            match step {
                Some(n) => pos += n.max(1),
                None => break, // incomplete command: wait for more bytes
            }
        }
        self.buf.drain(..pos);
        out
    }

    /// Receipts cut since the last call.
    pub fn take_receipts(&mut self) -> Vec<Receipt> {
        std::mem::take(&mut self.receipts)
    }

    /// Ends the current page as a receipt even without a cut (offline rendering,
    /// printers without a cutter).
    pub fn finish(&mut self) {
        self.cut(false);
    }

    fn reset_modes(&mut self) {
        self.align = Align::Left;
        self.bold = false;
        self.underline = false;
        self.size = (1, 1);
        self.chinese = true;
        self.page.spacing = None;
        self.page.line = Default::default();
        let w = self.page.width;
        self.page.set_margins(Some(0), Some(w));
    }

    /// Paper used: runs the roll out mid-job when `paper_left` says so.
    fn used(&mut self, rows: u32) {
        if let Some(left) = self.state.paper_left {
            let left = left.saturating_sub(rows);
            self.state.paper_left = Some(left);
            if left == 0 && !self.state.paper_out {
                self.state.paper_out = true;
                self.cut(false);
            }
        }
    }

    fn cell(&mut self, c: char) {
        let mut cell = super::font::styled_cell(c, self.size.0, self.size.1, self.bold);
        if self.underline {
            for x in 0..cell.w {
                cell.set(x, cell.h - 1);
            }
        }
        let rows = self.page.push(cell, self.align);
        self.text.push(c);
        self.used(rows);
    }

    fn inline_image(&mut self, img: Bitmap) {
        let rows = self.page.push(img, self.align);
        self.used(rows);
    }

    fn line_feed(&mut self) {
        let rows = self.page.print_line(self.align);
        self.text.push('\n');
        self.used(rows);
    }

    fn feed_dots(&mut self, n: u32) {
        let mut rows = 0;
        if !self.page.line.items.is_empty() {
            rows += self.page.print_line(self.align);
            self.text.push('\n');
        }
        rows += self.page.advance(n);
        self.used(rows);
    }

    fn raster(&mut self, img: Bitmap, readable: bool) {
        let mut rows = 0;
        if !self.page.line.items.is_empty() {
            rows += self.page.print_line(self.align);
            self.text.push('\n');
        }
        if readable {
            if let Some(t) = super::font::read_raster(&img) {
                self.text.push_str(&t);
                self.text.push('\n');
            }
        }
        rows += self.page.place(&img, self.align);
        self.used(rows);
    }

    fn print_qr(&mut self) {
        let data = String::from_utf8_lossy(&self.qr.data).into_owned();
        let level = match self.qr.level {
            48 => qrcode::EcLevel::L,
            50 => qrcode::EcLevel::Q,
            51 => qrcode::EcLevel::H,
            _ => qrcode::EcLevel::M,
        };
        let Ok(code) = qrcode::QrCode::with_error_correction_level(&self.qr.data, level) else {
            self.ignored += 1;
            return;
        };
        let n = code.width() as u32;
        let m = self.qr.module.clamp(1, 16) as u32;
        let mut img = Bitmap::new(n * m, n * m);
        for (i, c) in code.to_colors().iter().enumerate() {
            if *c == qrcode::Color::Dark {
                let (x, y) = (i as u32 % n, i as u32 / n);
                for d in 0..m * m {
                    img.set(x * m + d % m, y * m + d / m);
                }
            }
        }
        // Quiet zone above and below; the sides are white paper.
        self.feed_dots(4 * m);
        self.raster(img, false);
        self.feed_dots(4 * m);
        self.qr_data.push(data);
    }

    fn cut(&mut self, complete: bool) {
        if !self.page.line.items.is_empty() {
            self.page.print_line(self.align);
            self.text.push('\n');
        }
        if self.page.is_empty() {
            return;
        }
        let width = self.page.width;
        let page = std::mem::replace(&mut self.page, Page::new(width));
        self.page.spacing = page.spacing;
        self.page.set_margins(Some(page.margin), Some(page.area));
        self.receipts.push(Receipt {
            width: page.width,
            height: page.height(),
            png: page.png(),
            text: std::mem::take(&mut self.text),
            qr: std::mem::take(&mut self.qr_data),
            complete,
        });
    }
}

/// Renders a captured byte stream offline: every receipt in it (a page left
/// without a cut counts too).
pub fn render_receipts(bytes: &[u8], width_dots: u32) -> Vec<Receipt> {
    let mut e = Engine::new(width_dots);
    e.feed(bytes);
    e.finish();
    e.take_receipts()
}

/// Renders a byte stream to one PNG (receipts stacked) and the decoded text.
pub fn render_png(bytes: &[u8], width_dots: u32) -> Result<(Vec<u8>, String), PrinterError> {
    let receipts = render_receipts(bytes, width_dots);
    if receipts.len() == 1 {
        let r = receipts.into_iter().next().expect("one");
        return Ok((r.png, r.text));
    }
    let mut page = Page::new(width_dots.max(8));
    let mut text = String::new();
    for r in &receipts {
        let img = image::load_from_memory(&r.png).map_err(|e| PrinterError::Io(e.to_string()))?;
        let g = img.to_luma8();
        let mut bm = Bitmap::new(g.width(), g.height());
        for (x, y, p) in g.enumerate_pixels() {
            if p.0[0] < 128 {
                bm.set(x, y);
            }
        }
        page.place(&bm, Align::Left);
        page.advance(16);
        text.push_str(&r.text);
    }
    Ok((page.png(), text))
}

//! The paper: a line buffer that prints on LF (or when full), and the growing page
//! of dots that becomes a PNG at the cut.

use crate::printer::document::Align;
use crate::printer::font::{self, Bitmap};

/// One printed line in the making: cells and inline (ESC *) images, bottom-aligned.
#[derive(Debug, Default)]
pub struct Line {
    pub items: Vec<Bitmap>,
    pub width: u32,
}

#[derive(Debug)]
pub struct Page {
    pub width: u32,
    /// Row-major dots, `width` per row, 1 = black.
    pub dots: Vec<u8>,
    pub line: Line,
    /// Set by ESC 3; None = default (text height + gap).
    pub spacing: Option<u32>,
    /// Left margin (GS L) and print area width (GS W), in dots: lines are laid out in
    /// `margin..margin + area`.
    pub margin: u32,
    pub area: u32,
}

impl Page {
    pub fn new(width: u32) -> Self {
        Page { width, dots: Vec::new(), line: Line::default(), spacing: None, margin: 0, area: width }
    }

    pub fn height(&self) -> u32 {
        (self.dots.len() / self.width as usize) as u32
    }

    pub fn is_empty(&self) -> bool {
        self.dots.is_empty() && self.line.items.is_empty()
    }

    /// Adds `n` white rows; returns rows added.
    pub fn advance(&mut self, n: u32) -> u32 {
        self.dots.resize(self.dots.len() + (n * self.width) as usize, 0);
        n
    }

    /// Draws `img` on new rows at the aligned x; returns rows added.
    pub fn place(&mut self, img: &Bitmap, align: Align) -> u32 {
        let y0 = self.height();
        self.advance(img.h);
        // What does not fit the print area is not printed, as on a real head.
        let w = img.w.min(self.area);
        let x0 = self.margin + x_for(align, self.area, w);
        for y in 0..img.h {
            for x in 0..w {
                if img.get(x, y) {
                    self.dots[((y0 + y) * self.width + x0 + x) as usize] = 1;
                }
            }
        }
        img.h
    }

    /// Adds a cell or inline image to the line, printing the line first if it is full.
    /// Returns rows added by a wrap.
    pub fn push(&mut self, item: Bitmap, align: Align) -> u32 {
        let mut added = 0;
        if self.line.width + item.w > self.area && !self.line.items.is_empty() {
            added = self.print_line(align);
        }
        self.line.width += item.w;
        self.line.items.push(item);
        added
    }

    /// Prints the line buffer (or feeds one empty line); returns rows added.
    pub fn print_line(&mut self, align: Align) -> u32 {
        let text_h = self.line.items.iter().map(|i| i.h).max();
        let content = text_h.unwrap_or(font::CELL_H);
        let pitch = match self.spacing {
            Some(s) => s.max(content),
            None => content + font::LINE_GAP,
        };
        let mut row = Bitmap::new(self.line.width.min(self.area), pitch);
        let mut x = 0;
        for item in &self.line.items {
            row.blit(item, x, content - item.h);
            x += item.w;
        }
        let line = std::mem::take(&mut self.line);
        if line.items.is_empty() {
            return self.advance(pitch);
        }
        self.place(&row, align)
    }

    /// Sets the margins as GS L / GS W do: the area shrinks to fit the line.
    pub fn set_margins(&mut self, margin: Option<u32>, area: Option<u32>) {
        if let Some(m) = margin {
            self.margin = m.min(self.width - 8);
        }
        if let Some(a) = area {
            self.area = a;
        }
        self.area = self.area.clamp(8.min(self.width - self.margin), self.width - self.margin);
    }

    /// The page as a white-background 8-bit PNG, `width` dots wide.
    pub fn png(&self) -> Vec<u8> {
        let h = self.height().max(1);
        let mut pixels: Vec<u8> = self.dots.iter().map(|&d| if d != 0 { 0 } else { 255 }).collect();
        pixels.resize((self.width * h) as usize, 255);
        let mut out = Vec::new();
        let enc = image::codecs::png::PngEncoder::new(&mut out);
        image::ImageEncoder::write_image(enc, &pixels, self.width, h, image::ExtendedColorType::L8)
            .expect("png encodes to memory");
        out
    }
}

pub fn x_for(align: Align, paper: u32, w: u32) -> u32 {
    match align {
        Align::Left => 0,
        Align::Center => (paper - w) / 2,
        Align::Right => paper - w,
    }
}

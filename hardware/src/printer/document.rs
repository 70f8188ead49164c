//! Device-independent receipt model: what to print, not how a printer is told.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum Align {
    #[default]
    Left,
    Center,
    Right,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Block {
    /// A run of text; `width`/`height` are magnification 1..=8.
    Text { text: String, width: u8, height: u8, align: Align, bold: bool },
    /// A horizontal rule across the paper.
    Rule,
    /// A QR code carrying `data`.
    Qr { data: String },
    /// A 1-bit raster image, row-major, `width` dots wide, 1 = black: either packed
    /// (MSB first, `ceil(width/8)` bytes a row, the GS v 0 layout) or one byte per dot.
    Image { width: u32, height: u32, bits: Vec<u8> },
    /// Feed `n` lines.
    Feed(u8),
    /// Cut the paper (partial cut where the cutter has it).
    Cut,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Document {
    pub blocks: Vec<Block>,
}

impl Document {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn push(mut self, block: Block) -> Self {
        self.blocks.push(block);
        self
    }

    pub fn text(self, text: &str) -> Self {
        self.styled(text, 1, Align::Left, false)
    }

    pub fn title(self, text: &str) -> Self {
        self.styled(text, 2, Align::Center, true)
    }

    pub fn styled(self, text: &str, size: u8, align: Align, bold: bool) -> Self {
        self.push(Block::Text { text: text.to_string(), width: size, height: size, align, bold })
    }

    pub fn rule(self) -> Self {
        self.push(Block::Rule)
    }

    pub fn qr(self, data: &str) -> Self {
        self.push(Block::Qr { data: data.to_string() })
    }

    pub fn feed(self, n: u8) -> Self {
        self.push(Block::Feed(n))
    }

    pub fn cut(self) -> Self {
        self.push(Block::Cut)
    }

    /// All text of the document, one block per line (for tests and the on-screen copy).
    /// The text as it comes out of a printer with `columns` font-A columns: each
    /// block's lines broken by [`super::wrap::wrap`], as the encoder sends them.
    pub fn printed_text(&self, columns: u32) -> String {
        let mut out = String::new();
        for b in &self.blocks {
            if let Block::Text { text, width, .. } = b {
                let cols = (columns / u32::from((*width).clamp(1, 8))) as usize;
                for line in text.split('\n').flat_map(|l| super::wrap::wrap(l, cols)) {
                    out.push_str(&line);
                    out.push('\n');
                }
            }
        }
        out
    }

    pub fn plain_text(&self) -> String {
        let mut out = String::new();
        for b in &self.blocks {
            if let Block::Text { text, .. } = b {
                out.push_str(text);
                out.push('\n');
            }
        }
        out
    }
}

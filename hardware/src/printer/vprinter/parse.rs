//! The command parser. Each `step` takes one command (or character) off the front of
//! the input and returns how many bytes it used, or None if the command is not
//! complete yet. Unknown commands are skipped and counted; nothing here panics on
//! any input (lengths are checked before every slice).

use super::{Engine, Receipt};
use crate::printer::document::Align;
use crate::printer::font::Bitmap;
use crate::printer::gbk;

const ESC: u8 = 0x1B;
const GS: u8 = 0x1D;
const FS: u8 = 0x1C;
const DLE: u8 = 0x10;

/// `pL pH` little-endian length at `b[i..i+2]`.
fn le16(b: &[u8], i: usize) -> Option<usize> {
    Some(*b.get(i)? as usize + 256 * *b.get(i + 1)? as usize)
}

/// Length of a command that is `fixed` bytes long, if all are there.
fn fixed(b: &[u8], n: usize) -> Option<usize> {
    (b.len() >= n).then_some(n)
}

fn align_of(n: u8) -> Align {
    match n {
        1 | 49 => Align::Center,
        2 | 50 => Align::Right,
        _ => Align::Left,
    }
}

impl Engine {
    pub(super) fn step(&mut self, b: &[u8], out: &mut Vec<u8>) -> Option<usize> {
        let live = self.state.printing();
        match b[0] {
            DLE => self.dle(b, out),
            ESC => self.esc(b, live),
            GS => self.gs(b, live, out),
            FS => self.fs(b),
            0x0A | 0x0C => {
                if live {
                    self.line_feed();
                } else {
                    self.discarded += 1;
                }
                Some(1)
            }
            0x0D => Some(1),
            0x09 => {
                self.printable(' ', live);
                Some(1)
            }
            0x81..=0xFE if self.chinese => {
                let t = *b.get(1)?;
                let c = gbk::decode_pair(b[0], t).unwrap_or('?');
                self.printable(c, live);
                Some(2)
            }
            0x20..=0x7E => {
                self.printable(b[0] as char, live);
                Some(1)
            }
            0x80..=0xFF => {
                // Single-byte code pages beyond ASCII: not used by the product.
                self.printable('?', live);
                Some(1)
            }
            _ => {
                self.unknown += 1;
                Some(1)
            }
        }
    }

    fn printable(&mut self, c: char, live: bool) {
        if live {
            self.cell(c);
        } else {
            self.discarded += 1;
        }
    }

    fn dle(&mut self, b: &[u8], out: &mut Vec<u8>) -> Option<usize> {
        match *b.get(1)? {
            0x04 => {
                let n = *b.get(2)?;
                let replies = self.state.bits().to_replies();
                out.push(replies.get((n as usize).wrapping_sub(1)).copied().unwrap_or(0x12));
                Some(3)
            }
            0x05 => {
                self.ignored += 1;
                fixed(b, 3)
            }
            0x14 => {
                self.ignored += 1;
                match *b.get(2)? {
                    7 => fixed(b, 4),
                    8 => fixed(b, 10),
                    _ => fixed(b, 5),
                }
            }
            _ => {
                self.unknown += 1;
                Some(1)
            }
        }
    }

    fn esc(&mut self, b: &[u8], live: bool) -> Option<usize> {
        let cmd = *b.get(1)?;
        let arg = || b.get(2).copied();
        match cmd {
            b'@' => {
                self.reset_modes();
                Some(2)
            }
            b'!' => {
                let n = arg()?;
                self.bold = n & 0x08 != 0;
                self.size = (if n & 0x20 != 0 { 2 } else { 1 }, if n & 0x10 != 0 { 2 } else { 1 });
                self.underline = n & 0x80 != 0;
                Some(3)
            }
            b'E' | b'G' => {
                self.bold = arg()? & 1 != 0;
                Some(3)
            }
            b'-' => {
                self.underline = arg()? & 3 != 0;
                Some(3)
            }
            b'a' => {
                self.align = align_of(arg()?);
                Some(3)
            }
            b'd' => {
                let n = arg()? as u32;
                if live {
                    if !self.page.line.items.is_empty() {
                        self.line_feed();
                        self.feed_dots(n.saturating_sub(1) * 30);
                    } else {
                        self.feed_dots(n * 30);
                    }
                }
                Some(3)
            }
            b'J' => {
                let n = arg()? as u32;
                if live {
                    self.feed_dots(n);
                }
                Some(3)
            }
            b'2' => {
                self.page.spacing = None;
                Some(2)
            }
            b'3' => {
                self.page.spacing = Some(arg()? as u32);
                Some(3)
            }
            b'i' | b'm' => {
                if live {
                    self.cut(true);
                }
                Some(2)
            }
            b'*' => {
                let m = arg()?;
                let n = le16(b, 3)?;
                let (k, tall) = if m >= 32 { (n * 3, true) } else { (n, false) };
                let data = b.get(5..5 + k)?;
                if live {
                    self.inline_image(bit_image(m, n as u32, data, tall));
                }
                Some(5 + k)
            }
            b'D' => {
                // Tab stops, NUL-terminated.
                self.ignored += 1;
                b[2..].iter().position(|&x| x == 0).map(|p| p + 3)
            }
            b'(' => {
                self.unknown += 1;
                Some(5 + le16(b, 3)?).filter(|&n| n <= b.len())
            }
            b't' | b'R' | b'M' | b'V' | b'{' | b' ' | b'r' | b'U' | b'=' | b'%' | b'T' | b'e' => {
                self.ignored += 1;
                fixed(b, 3)
            }
            b'S' | b'L' | b'<' => {
                self.ignored += 1;
                Some(2)
            }
            b'$' | b'\\' => {
                self.ignored += 1;
                fixed(b, 4)
            }
            b'c' => {
                self.ignored += 1;
                fixed(b, 4)
            }
            b'p' => {
                self.ignored += 1;
                fixed(b, 5)
            }
            b'W' => {
                self.ignored += 1;
                fixed(b, 10)
            }
            _ => {
                self.unknown += 1;
                Some(2)
            }
        }
    }

    fn gs(&mut self, b: &[u8], live: bool, out: &mut Vec<u8>) -> Option<usize> {
        let cmd = *b.get(1)?;
        match cmd {
            b'!' => {
                let n = *b.get(2)?;
                self.size = (((n >> 4) & 7) as u32 + 1, (n & 7) as u32 + 1);
                Some(3)
            }
            b'V' => {
                let m = *b.get(2)?;
                let len = if matches!(m, 65 | 66 | 97 | 98 | 103 | 104) { 4 } else { 3 };
                fixed(b, len)?;
                if live {
                    self.cut(true);
                }
                Some(len)
            }
            b'v' => {
                if *b.get(2)? != b'0' {
                    self.unknown += 1;
                    return Some(3);
                }
                let m = *b.get(3)?;
                let (bw, h) = (le16(b, 4)?, le16(b, 6)?);
                let data = b.get(8..8 + bw * h)?;
                if live {
                    let img = Bitmap::unpack(bw as u32 * 8, h as u32, data);
                    let (sx, sy) = (1 + (m & 1) as u32, 1 + ((m >> 1) & 1) as u32);
                    self.raster(img.scale(sx, sy), m & 3 == 0);
                }
                Some(8 + bw * h)
            }
            b'(' => {
                let len = le16(b, 3)?;
                let body = b.get(5..5 + len)?;
                if *b.get(2)? == b'k' && body.len() >= 2 && body[0] == 49 {
                    self.qr_fn(body[1], &body[2..], live);
                } else {
                    self.unknown += 1;
                }
                Some(5 + len)
            }
            b'k' => {
                // Barcodes: not used by the product; skip the data exactly.
                self.ignored += 1;
                let m = *b.get(2)?;
                if m <= 6 {
                    b[3..].iter().position(|&x| x == 0).map(|p| p + 4)
                } else {
                    let n = *b.get(3)? as usize;
                    fixed(b, 4 + n)
                }
            }
            b'r' => {
                let n = *b.get(2)?;
                let near = self.state.bits().paper_near_end;
                let end = self.state.paper_out;
                let v = if n == 1 || n == 49 { (near as u8 * 0x03) | (end as u8 * 0x0C) } else { 0 };
                out.push(v);
                Some(3)
            }
            b'B' | b'b' | b'H' | b'h' | b'w' | b'f' | b'a' | b'I' | b'E' | b'T' | b'/' | b'Z' => {
                self.ignored += 1;
                fixed(b, 3)
            }
            b'L' | b'W' => {
                // Left margin / print area width, nL nH in dots (motion unit = one dot).
                fixed(b, 4)?;
                let n = le16(b, 2)? as u32;
                if cmd == b'L' {
                    self.page.set_margins(Some(n), None);
                } else {
                    self.page.set_margins(None, Some(n));
                }
                Some(4)
            }
            b'P' | b'$' | b'\\' => {
                self.ignored += 1;
                fixed(b, 4)
            }
            b'*' => {
                self.ignored += 1;
                let (x, y) = (*b.get(2)? as usize, *b.get(3)? as usize);
                fixed(b, 4 + x * y * 8)
            }
            _ => {
                self.unknown += 1;
                Some(2)
            }
        }
    }

    fn qr_fn(&mut self, func: u8, args: &[u8], live: bool) {
        match func {
            65 => {}
            67 => self.qr.module = args.first().copied().unwrap_or(3),
            69 => self.qr.level = args.first().copied().unwrap_or(49),
            80 => self.qr.data = args.get(1..).unwrap_or_default().to_vec(),
            81 => {
                if live {
                    self.print_qr();
                }
            }
            _ => self.ignored += 1,
        }
    }

    fn fs(&mut self, b: &[u8]) -> Option<usize> {
        match *b.get(1)? {
            b'&' => {
                self.chinese = true;
                Some(2)
            }
            b'.' => {
                self.chinese = false;
                Some(2)
            }
            b'!' | b'-' | b'W' | b'C' => {
                self.ignored += 1;
                fixed(b, 3)
            }
            b'S' | b'p' => {
                self.ignored += 1;
                fixed(b, 4)
            }
            b'2' => {
                // User-defined 24×24 Chinese character.
                self.ignored += 1;
                fixed(b, 4 + 72)
            }
            b'(' => {
                self.unknown += 1;
                Some(5 + le16(b, 3)?).filter(|&n| n <= b.len())
            }
            _ => {
                self.unknown += 1;
                Some(2)
            }
        }
    }

    /// Receipts so far, without taking them (tests peek at a running engine).
    pub fn receipts(&self) -> &[Receipt] {
        &self.receipts
    }
}

/// `ESC *` column data to a bitmap. 8-dot modes are one third of the vertical
/// resolution and modes 0/32 half the horizontal one.
fn bit_image(m: u8, n: u32, data: &[u8], tall: bool) -> Bitmap {
    let rows = if tall { 24 } else { 8 };
    let sx = if m == 0 || m == 32 { 2 } else { 1 };
    let sy = if tall { 1 } else { 3 };
    let bpc = rows / 8;
    let mut img = Bitmap::new(n * sx, rows * sy);
    for col in 0..n {
        for r in 0..rows {
            let byte = data[(col * bpc + r / 8) as usize];
            if byte & (0x80 >> (r % 8)) != 0 {
                for dx in 0..sx {
                    for dy in 0..sy {
                        img.set(col * sx + dx, r * sy + dy);
                    }
                }
            }
        }
    }
    img
}

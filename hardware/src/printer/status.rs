//! Real-time status (`DLE EOT n`, n = 1..4) and demultiplexing of what a printer
//! sends back.
//!
//! No crate does this part (escpos has no status parsing and no `GS a` handling), so
//! it is hand-written: a reply byte has the pattern 0xx1xx10; Automatic Status Back
//! blocks (4 bytes, first 0xx1xx00) and XON/XOFF are skipped.

use super::PrinterStatus;
use serde::{Deserialize, Serialize};

pub const QUERIES: [u8; 4] = [1, 2, 3, 4];

/// `DLE EOT n`.
pub fn query(n: u8) -> [u8; 3] {
    [0x10, 0x04, n]
}

/// True for a DLE EOT reply byte (0xx1xx10).
pub fn is_reply(b: u8) -> bool {
    b & 0x93 == 0x12
}

/// Every bit we read, kept for diagnostics; `status()` folds it to one value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct StatusBits {
    pub offline: bool,
    pub cover_open: bool,
    pub stopped_paper_end: bool,
    pub error: bool,
    pub cutter_error: bool,
    pub unrecoverable: bool,
    pub auto_recoverable: bool,
    pub paper_near_end: bool,
    pub paper_end: bool,
}

impl StatusBits {
    /// Builds from the four reply bytes of DLE EOT 1, 2, 3, 4.
    pub fn from_replies(r: [u8; 4]) -> StatusBits {
        let bit = |b: u8, n: u8| b & (1 << n) != 0;
        StatusBits {
            offline: bit(r[0], 3),
            cover_open: bit(r[1], 2),
            stopped_paper_end: bit(r[1], 5),
            error: bit(r[1], 6),
            cutter_error: bit(r[2], 3),
            unrecoverable: bit(r[2], 5),
            auto_recoverable: bit(r[2], 6),
            paper_near_end: r[3] & 0x0C != 0,
            paper_end: r[3] & 0x60 != 0,
        }
    }

    /// Reply bytes a printer in this state sends (used by the virtual printer).
    pub fn to_replies(self) -> [u8; 4] {
        let b = |on: bool, n: u8| if on { 1u8 << n } else { 0 };
        [
            0x12 | b(self.offline, 3),
            0x12 | b(self.cover_open, 2) | b(self.stopped_paper_end, 5) | b(self.error, 6),
            0x12 | b(self.cutter_error, 3) | b(self.unrecoverable, 5) | b(self.auto_recoverable, 6),
            0x12 | if self.paper_near_end { 0x0C } else { 0 } | if self.paper_end { 0x60 } else { 0 },
        ]
    }

    /// The one status the kiosk acts on; the worst condition wins.
    pub fn status(self) -> PrinterStatus {
        if self.unrecoverable {
            PrinterStatus::Unrecoverable
        } else if self.cutter_error {
            PrinterStatus::CutterError
        } else if self.cover_open {
            PrinterStatus::CoverOpen
        } else if self.paper_end || self.stopped_paper_end {
            PrinterStatus::PaperOut
        } else if self.offline || self.error || self.auto_recoverable {
            PrinterStatus::Offline
        } else if self.paper_near_end {
            PrinterStatus::PaperNearEnd
        } else {
            PrinterStatus::Ready
        }
    }
}

/// Splits the printer's back channel into status replies, skipping the rest.
#[derive(Debug, Default)]
pub struct Demux {
    /// Bytes still to skip of an ASB block.
    skip: u8,
    replies: std::collections::VecDeque<u8>,
    pub skipped: u64,
}

impl Demux {
    pub fn push(&mut self, bytes: &[u8]) {
        for &b in bytes {
            if self.skip > 0 {
                self.skip -= 1;
                self.skipped += 1;
            } else if is_reply(b) {
                self.replies.push_back(b);
            } else if b & 0x93 == 0x10 {
                // ASB: this byte and three more.
                self.skip = 3;
                self.skipped += 1;
            } else {
                // XON/XOFF, stray bytes from a half-read reply.
                self.skipped += 1;
            }
        }
    }

    pub fn next_reply(&mut self) -> Option<u8> {
        self.replies.pop_front()
    }

    pub fn clear(&mut self) {
        self.replies.clear();
        self.skip = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_bit_maps() {
        let ready = [0x12, 0x12, 0x12, 0x12];
        assert_eq!(StatusBits::from_replies(ready).status(), PrinterStatus::Ready);
        let cases: [(usize, u8, PrinterStatus); 9] = [
            (0, 0x08, PrinterStatus::Offline),
            (1, 0x04, PrinterStatus::CoverOpen),
            (1, 0x20, PrinterStatus::PaperOut),
            (1, 0x40, PrinterStatus::Offline),
            (2, 0x08, PrinterStatus::CutterError),
            (2, 0x20, PrinterStatus::Unrecoverable),
            (2, 0x40, PrinterStatus::Offline),
            (3, 0x0C, PrinterStatus::PaperNearEnd),
            (3, 0x60, PrinterStatus::PaperOut),
        ];
        for (i, bits, want) in cases {
            let mut r = ready;
            r[i] |= bits;
            assert!(r.iter().all(|&b| is_reply(b)));
            let s = StatusBits::from_replies(r);
            assert_eq!(s.status(), want, "byte {i} bits {bits:02x}");
            assert_eq!(s.to_replies(), r);
        }
    }

    #[test]
    fn demux_skips_asb_and_flow_control() {
        let mut d = Demux::default();
        d.push(&[0x11, 0x14, 0x00, 0x00, 0x0F, 0x13, 0x16, 0x12]);
        assert_eq!(d.next_reply(), Some(0x16));
        assert_eq!(d.next_reply(), Some(0x12));
        assert_eq!(d.next_reply(), None);
        assert_eq!(d.skipped, 6);
    }
}

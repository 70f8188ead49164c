//! Printer profiles are data (data/printers/profiles.json), chosen by id in kiosk.toml.
//! The shipped file is embedded; a site may load its own with `load_profiles`.

use serde::{Deserialize, Serialize};

static BUILTIN_JSON: &str = include_str!("../../../data/printers/profiles.json");

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Cutter {
    None,
    Partial,
    Full,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CodePage {
    /// Chinese mode (FS &) with GBK double-byte codes; ASCII below 0x80.
    Gbk,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PrinterProfile {
    pub id: String,
    pub name: String,
    pub paper_mm: u32,
    pub dpi: u32,
    /// Printable width in dots (GS v 0 images never exceed it).
    pub dots: u32,
    /// Font A (12-dot) columns per line.
    pub columns: u32,
    /// Whether `GS ( k` QR works; otherwise QR goes out as a raster.
    pub native_qr: bool,
    pub cutter: Cutter,
    pub code_page: CodePage,
    /// Lines fed before a cut so the last line clears the cutter.
    pub cut_feed_lines: u8,
}

#[derive(Deserialize)]
struct ProfileFile {
    profiles: Vec<PrinterProfile>,
}

/// Parses a profiles file (`{"profiles": [...]}`).
pub fn load_profiles(json: &str) -> Result<Vec<PrinterProfile>, serde_json::Error> {
    Ok(serde_json::from_str::<ProfileFile>(json)?.profiles)
}

impl PrinterProfile {
    /// All profiles shipped with the kiosk.
    pub fn builtin() -> Vec<PrinterProfile> {
        load_profiles(BUILTIN_JSON).expect("data/printers/profiles.json is valid")
    }

    /// A shipped profile by id (e.g. "epson-tm-t20iii").
    pub fn by_id(id: &str) -> Option<PrinterProfile> {
        Self::builtin().into_iter().find(|p| p.id == id)
    }

    /// Generic 58 mm (384 dots, 32 columns) or 80 mm (576 dots, 48 columns).
    pub fn generic(paper_mm: u32) -> PrinterProfile {
        let id = if paper_mm <= 58 { "generic-58" } else { "generic-80" };
        Self::by_id(id).expect("generic profiles ship")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_profiles_are_consistent() {
        let all = PrinterProfile::builtin();
        assert!(all.len() >= 5);
        for p in &all {
            assert!(p.columns * 12 <= p.dots, "{}", p.id);
            assert!(p.dots.is_multiple_of(8), "{}", p.id);
        }
        assert_eq!(PrinterProfile::generic(58).dots, 384);
        assert_eq!(PrinterProfile::generic(80).columns, 48);
    }
}

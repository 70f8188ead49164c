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
    /// Blank paper at each side of the text, set with `GS L` / `GS W` (mm).
    #[serde(default = "default_side_margin")]
    pub side_margin_mm: u32,
    /// Paper fed after the last line before `GS V` (or the tear bar): the distance from
    /// the print line to the cutter blade, so the slip ends just below its last line (mm).
    #[serde(default = "default_cut_feed")]
    pub cut_feed_mm: u32,
}

fn default_side_margin() -> u32 {
    2
}

fn default_cut_feed() -> u32 {
    15
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

    /// `mm` in dots at the profile's resolution. `GS L`, `GS W` and `ESC J` count in
    /// motion units, one dot each under the power-on `GS P` of these models.
    pub fn mm_to_dots(&self, mm: u32) -> u32 {
        (mm * self.dpi * 10 + 127) / 254
    }

    /// Left margin in dots (`GS L`).
    pub fn margin_dots(&self) -> u32 {
        self.mm_to_dots(self.side_margin_mm).min(self.dots / 4)
    }

    /// Print area width in dots (`GS W`): the line less both margins, whole bytes so a
    /// raster row never overruns it.
    pub fn print_dots(&self) -> u32 {
        (self.dots - 2 * self.margin_dots()) / 8 * 8
    }

    /// Font A (12-dot) columns in the print area: where the encoder breaks lines.
    pub fn print_columns(&self) -> u32 {
        (self.print_dots() / 12).min(self.columns)
    }

    /// Dots fed before the cut.
    pub fn cut_feed_dots(&self) -> u32 {
        self.mm_to_dots(self.cut_feed_mm)
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

    #[test]
    fn two_millimetre_margins_and_a_short_cut_feed() {
        let p58 = PrinterProfile::generic(58);
        // 2 mm at 203 dpi = 16 dots each side: 352 dots, 29 columns (14 Chinese characters).
        assert_eq!((p58.margin_dots(), p58.print_dots(), p58.print_columns()), (16, 352, 29));
        let p80 = PrinterProfile::generic(80);
        assert_eq!((p80.margin_dots(), p80.print_dots(), p80.print_columns()), (16, 544, 45));
        let t88 = PrinterProfile::by_id("epson-tm-t88vi").unwrap();
        assert_eq!((t88.margin_dots(), t88.print_dots()), (14, 480));
        for p in PrinterProfile::builtin() {
            assert!((2..=3).contains(&p.side_margin_mm), "{}", p.id);
            // Less than the 25-30 mm slips used to end in, and never zero.
            assert!(p.cut_feed_dots() > 0 && p.cut_feed_mm < 20, "{}", p.id);
        }
        // A site's own profile file without the new keys gets the defaults.
        let old = r#"{"profiles":[{"id":"x","name":"x","paper_mm":58,"dpi":203,"dots":384,"columns":32,
            "native_qr":true,"cutter":"none","code_page":"gbk","cut_feed_lines":4}]}"#;
        let p = &load_profiles(old).unwrap()[0];
        assert_eq!((p.side_margin_mm, p.cut_feed_mm), (2, 15));
    }
}

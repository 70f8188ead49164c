//! 打印测试页: the technician's printer self-test. One page shows at a glance whether
//! the configured profile fits the printer: the profile's name, a QR the printer draws
//! itself (`GS ( k`, or a raster where the profile says it has none), a QR sent as a
//! raster image, 生僻字 from the ROM and drawn from the embedded font, and a ruler
//! across the printable width.

use kiosk_hardware::printer::encoder::{qr_bitmap, qr_module_size};
use kiosk_hardware::printer::font::Bitmap;
use kiosk_hardware::printer::{Align, Block, Document, PrinterProfile};

/// Rare characters a GBK printer ROM has (printed as text).
pub const RARE_ROM: &str = "珺 喆 堃 龑";
/// Rare characters no GBK ROM has: the encoder draws them from the embedded font
/// (Ext A 䶮 㛃, Ext B 𠮷 𡈼; the font has no Ext C and later).
pub const RARE_RASTER: &str = "𠮷 䶮 𡈼 㛃";

/// The test page and the data of its two QR codes (for checking a scan of it).
#[derive(Debug, Clone)]
pub struct TestPage {
    pub doc: Document,
    /// Carried by `Block::Qr` (drawn by the printer when the profile has native QR).
    pub native_qr: String,
    /// Carried by a `Block::Image` rendered here with the `qrcode` crate.
    pub raster_qr: String,
}

/// `profile_name` is what the configuration calls the printer; `now` is printed as is.
pub fn test_page(terminal_id: &str, profile_name: &str, profile: &PrinterProfile, now: &str) -> TestPage {
    let stamp: String = now.chars().filter(char::is_ascii_digit).collect();
    let native_qr = format!("KIOSK-SELFTEST/NATIVE/{terminal_id}/{stamp}");
    let raster_qr = format!("KIOSK-SELFTEST/RASTER/{terminal_id}/{stamp}");
    let native_note = if profile.native_qr { "打印机自绘" } else { "本型号无此功能，以图像打印" };
    let doc = Document::new()
        .title("打印测试页")
        .styled("政务服务自助终端 · 运维自检", 1, Align::Center, false)
        .rule()
        .text(&format!("终端编号：{terminal_id}"))
        .text(&format!("打印机型号：{profile_name}"))
        .text(&format!("配置档：{}", profile.id))
        .text(&format!("纸宽：{} mm，{} dpi", profile.paper_mm, profile.dpi))
        .text(&format!("打印时间：{now}"))
        .rule()
        .styled(&format!("二维码 1：原生（{native_note}）"), 1, Align::Left, true)
        .qr(&native_qr)
        .styled("二维码 2：图像（光栅）", 1, Align::Left, true)
        .push(raster_qr_block(&raster_qr, profile))
        .text("两个二维码都应能用手机扫出。")
        .rule()
        .styled("生僻字", 1, Align::Left, true)
        .text(&format!("字库：{RARE_ROM}"))
        .text(&format!("点阵：{RARE_RASTER}"))
        .rule()
        .styled(
            &format!(
                "可打印宽度：{} 点 / {} 列（两侧各留 {} mm）",
                profile.print_dots(),
                profile.print_columns(),
                profile.side_margin_mm
            ),
            1,
            Align::Left,
            true,
        )
        .text(&column_ruler(profile.print_columns()))
        .push(dot_ruler(profile))
        .text("标尺两端都应完整可见，两侧留白。")
        .cut();
    TestPage { doc, native_qr, raster_qr }
}

/// `columns` characters: a dot per column, `+` every 5th, the tens digit every 10th.
pub fn column_ruler(columns: u32) -> String {
    (1..=columns)
        .map(|i| match i {
            i if i.is_multiple_of(10) => char::from(b'0' + ((i / 10) % 10) as u8),
            i if i.is_multiple_of(5) => '+',
            _ => '.',
        })
        .collect()
}

/// A QR drawn here (4-module quiet zone), centred on a strip as wide as the print area.
fn raster_qr_block(data: &str, profile: &PrinterProfile) -> Block {
    let modules = qrcode::QrCode::new(data.as_bytes()).map_or(25, |c| c.width() as u32);
    let module = u32::from(qr_module_size(modules, profile.print_dots())).min(6);
    let Some(qr) = qr_bitmap(data, module) else { return Block::Feed(1) };
    let mut strip = Bitmap::new(profile.print_dots(), qr.h);
    strip.blit(&qr, profile.print_dots().saturating_sub(qr.w) / 2, 0);
    Block::Image { width: strip.w, height: strip.h, bits: strip.pack() }
}

/// Ticks every millimetre across the print area (longer every 5 and 10 mm) and a
/// bar at each edge: a printer that loses dots at a side shows a cut-off bar.
fn dot_ruler(profile: &PrinterProfile) -> Block {
    let (w, h) = (profile.print_dots(), 40);
    let mut img = Bitmap::new(w, h);
    for y in 0..h {
        for x in [0, 1, w - 2, w - 1] {
            img.set(x, y);
        }
    }
    for x in 0..w {
        img.set(x, h - 1);
        img.set(x, h - 2);
    }
    let per_mm = profile.dpi as f32 / 25.4;
    let mut mm = 0u32;
    loop {
        let x = (mm as f32 * per_mm).round() as u32;
        if x >= w {
            break;
        }
        let len = if mm.is_multiple_of(10) {
            28
        } else if mm.is_multiple_of(5) {
            18
        } else {
            10
        };
        for y in h - len..h {
            img.set(x, y);
        }
        mm += 1;
    }
    Block::Image { width: w, height: h, bits: img.pack() }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kiosk_hardware::printer::{font, gbk};

    fn rare(s: &str) -> impl Iterator<Item = char> + '_ {
        s.chars().filter(|c| !c.is_whitespace())
    }

    #[test]
    fn rare_characters_print_from_rom_or_font() {
        for c in rare(RARE_ROM) {
            assert!(gbk::printable(c), "{c} is in the GBK ROM");
        }
        for c in rare(RARE_RASTER) {
            assert!(!gbk::printable(c), "{c} must exercise the raster path");
            assert!(font::has_glyph(c), "{c} is drawn from the embedded font");
        }
    }

    #[test]
    fn page_fits_every_shipped_profile() {
        for p in PrinterProfile::builtin() {
            let page = test_page("XX-0001", &p.name, &p, "2026-03-01 10:00:00");
            let cols = p.print_columns();
            assert_eq!(column_ruler(cols).len(), cols as usize);
            let text = page.doc.printed_text(cols);
            // Long model names wrap (a space at the break is dropped).
            let flat = |s: &str| s.chars().filter(|c| !c.is_whitespace()).collect::<String>();
            assert!(text.contains("打印测试页") && flat(&text).contains(&flat(&p.name)), "{text}");
            // The ruler is one printed line, exactly as wide as the print area.
            assert!(text.lines().any(|l| l == column_ruler(cols)), "{text}");
            assert!(text.contains("XX-0001"), "{text}");
            assert!(page.doc.blocks.contains(&Block::Qr { data: page.native_qr.clone() }));
            let images: Vec<(u32, u32)> = page
                .doc
                .blocks
                .iter()
                .filter_map(|b| match b {
                    Block::Image { width, height, .. } => Some((*width, *height)),
                    _ => None,
                })
                .collect();
            assert_eq!(images.len(), 2, "{}", p.id);
            assert!(images.iter().all(|(w, _)| *w == p.print_dots()), "{}: {images:?}", p.id);
            assert_eq!(page.doc.blocks.last(), Some(&Block::Cut));
            assert_ne!(page.native_qr, page.raster_qr);
        }
        assert_eq!(column_ruler(12), "....+....1..");
    }
}

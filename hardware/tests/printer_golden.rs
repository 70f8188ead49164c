//! Byte-level golden tests, one per command family, with the bytes from DESIGN.md.

use kiosk_hardware::printer::{encode_blocks, encode_job, Align, Block, Document, PrinterProfile};

fn p80() -> PrinterProfile {
    PrinterProfile::by_id("generic-80").unwrap()
}

/// Bytes written as hex, spaces ignored.
fn hex(s: &str) -> Vec<u8> {
    let s: String = s.split_whitespace().collect();
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap()).collect()
}

#[test]
fn init_and_automatic_cut() {
    // ESC @, GS L 16 dots (2 mm), GS W 544 dots, the text, ESC J 120 dots (15 mm), GS V 1.
    let job = encode_job(&Document::new().text("A"), &p80());
    assert_eq!(job, hex("1B40 1D4C1000 1D572002 41 0A 1B4A78 1D5601"));
    // A document that cuts itself gets no second cut.
    let job = encode_job(&Document::new().text("A").cut(), &p80());
    assert_eq!(job, hex("1B40 1D4C1000 1D572002 41 0A 1B4A78 1D5601"));
}

#[test]
fn side_margins_per_profile() {
    use kiosk_hardware::printer::encoder::margin_commands;
    // GS L nL nH, GS W nL nH: 58 mm at 203 dpi keeps 352 of 384 dots; 180 dpi 14 + 480.
    assert_eq!(margin_commands(&PrinterProfile::generic(58)), hex("1D4C1000 1D576001"));
    let t88 = PrinterProfile::by_id("epson-tm-t88vi").unwrap();
    assert_eq!(margin_commands(&t88), hex("1D4C0E00 1D57E001"));
}

#[test]
fn align_bold_size_and_reset() {
    let doc =
        Document::new().push(Block::Text { text: "AB".into(), width: 2, height: 3, align: Align::Right, bold: true });
    // align 1B 61 n; bold 1B 45 n; size 1D 21 ((w-1)<<4 | (h-1)); then back to defaults.
    assert_eq!(encode_blocks(&doc, &p80()), hex("1B6102 1B4501 1D2112 4142 0A 1B6100 1B4500 1D2100"));
    // Unchanged modes are not repeated.
    let doc = Document::new().styled("A", 2, Align::Center, true).styled("B", 2, Align::Center, true);
    assert_eq!(encode_blocks(&doc, &p80()), hex("1B6101 1B4501 1D2111 41 0A 42 0A 1B6100 1B4500 1D2100"));
}

#[test]
fn chinese_text_is_gbk_inside_fs_and() {
    let doc = Document::new().text("收件回执 No.1");
    // 收 CAD5 件 BCFE 回 BBD8 执 D6B4 (GB 2312 codes).
    assert_eq!(encode_blocks(&doc, &p80()), hex("1C26 CAD5 BCFE BBD8 D6B4 204E6F2E31 1C2E 0A"));
}

#[test]
fn rare_character_line_is_a_gs_v_0_raster() {
    for (name, width_dots) in [("𠮷", 24u32), ("䶮", 24), ("张𠮷A", 60)] {
        let bytes = encode_blocks(&Document::new().text(name), &p80());
        let bw = width_dots.div_ceil(8);
        // GS v 0 m xL xH yL yH: one 24-dot row plus the 6-dot line gap.
        assert_eq!(&bytes[..8], &[0x1D, 0x76, 0x30, 0, bw as u8, 0, 30, 0], "{name}");
        assert_eq!(bytes.len(), 8 + (bw * 30) as usize, "{name}");
        assert!(!bytes.windows(2).any(|w| w == [0x1C, 0x26]), "no GBK for {name}");
        assert!(bytes[8..].iter().any(|&b| b != 0), "{name} has ink");
    }
}

#[test]
fn native_qr_model_2_level_m() {
    let data = "https://zwfw.example.cn/q?n=A1";
    let bytes = encode_blocks(&Document::new().qr(data), &p80());
    let mut want = hex("1B6101 1D286B0400314132 00 1D286B03003143 08 1D286B03003145 31");
    let len = data.len() + 3;
    want.extend([0x1D, 0x28, 0x6B, len as u8, (len >> 8) as u8, 0x31, 0x50, 0x30]);
    want.extend(data.as_bytes());
    want.extend(hex("1D286B0300315130 1B6100"));
    assert_eq!(bytes, want);
}

#[test]
fn qr_module_size_fits_the_paper() {
    use kiosk_hardware::printer::encoder::qr_module_size;
    assert_eq!(qr_module_size(25, 576), 8);
    assert_eq!(qr_module_size(57, 384), 4); // version 10: 65 modules with quiet zone
    assert!((57 + 8) * qr_module_size(57, 384) as u32 <= 384);
}

#[test]
fn raster_qr_without_native_support() {
    let p = PrinterProfile::by_id("masung-ms-fpt206").unwrap();
    assert!(!p.native_qr);
    let bytes = encode_blocks(&Document::new().qr("A1"), &p);
    assert_eq!(&bytes[..3], &hex("1B6101")[..]);
    assert_eq!(&bytes[3..6], &[0x1D, 0x76, 0x30]);
    assert!(!bytes.windows(3).any(|w| w == [0x1D, 0x28, 0x6B]));
}

#[test]
fn feed_and_cut_per_profile() {
    assert_eq!(encode_blocks(&Document::new().feed(3), &p80()), hex("1B6403"));
    let snbc = PrinterProfile::by_id("snbc-bk-t680").unwrap();
    assert_eq!(encode_blocks(&Document::new().cut(), &snbc), hex("1B4A78 1D5600"));
    // No cutter: the same feed brings the last line past the tear bar.
    let tear = PrinterProfile::by_id("xprinter-xp-58iih").unwrap();
    assert_eq!(encode_blocks(&Document::new().cut(), &tear), hex("1B4A78"));
    // Over 255 dots the feed is split.
    let long = PrinterProfile { cut_feed_mm: 40, ..PrinterProfile::generic(80) };
    assert_eq!(encode_blocks(&Document::new().cut(), &long), hex("1B4AFF 1B4A41 1D5601"));
}

#[test]
fn rule_and_image_are_rasters() {
    let p58 = PrinterProfile::generic(58);
    let bytes = encode_blocks(&Document::new().rule(), &p58);
    assert_eq!(&bytes[..8], &hex("1D763000 2C00 0C00")[..]); // 44 bytes (352 dots) × 12 rows
    let img = Block::Image { width: 9, height: 2, bits: vec![0xFF, 0x80, 0x00, 0x00] };
    let bytes = encode_blocks(&Document::new().push(img), &p58);
    assert_eq!(bytes, hex("1D763000 0200 0200 FF80 0000"));
}

#[test]
fn status_query_bytes() {
    use kiosk_hardware::printer::status::query;
    assert_eq!(query(1), [0x10, 0x04, 0x01]);
    assert_eq!(query(4), [0x10, 0x04, 0x04]);
}

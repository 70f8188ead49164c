//! The virtual printer's parser on ESC/POS other libraries emit, odd input, and the
//! offline `devsim printer render`.

use kiosk_hardware::printer::vprinter::Engine;
use kiosk_hardware::printer::{encode_job, render_receipts, Document, PrinterProfile};

fn run(bytes: &[u8]) -> (Engine, Vec<kiosk_hardware::printer::Receipt>) {
    let mut e = Engine::new(576);
    e.feed(bytes);
    e.finish();
    let r = e.take_receipts();
    (e, r)
}

#[test]
fn common_commands_from_other_libraries() {
    let mut b = vec![0x1B, b'@', 0x1B, b't', 0, 0x1B, b'R', 15, 0x1B, b'!', 0x38];
    b.extend(b"BIG\n");
    b.extend([0x1B, b'!', 0, 0x1B, b'-', 1]);
    b.extend(b"under\n");
    b.extend([0x1B, b'-', 0, 0x1B, b'3', 24, 0x1B, b'2', 0x1D, b'B', 0, 0x1D, b'L', 0, 0]);
    // GBK without FS &: Chinese printers power up in Chinese mode.
    b.extend([0xD6, 0xD0, 0xCE, 0xC4, b'\n']); // 中文
    b.extend([0x1C, b'.', 0xD6, b'\n']); // Chinese mode off: one unknown byte
    b.extend([0x1B, b'J', 40, 0x1B, b'e', 1, 0x1D, b'V', 65, 3]);
    let (e, r) = run(&b);
    assert_eq!(r.len(), 1);
    assert_eq!(r[0].text, "BIG\nunder\n中文\n?\n");
    assert_eq!(e.unknown, 0);
}

#[test]
fn esc_star_bit_image_inline_and_gs_v_0() {
    // ESC * 33: 24-dot double density, 2 columns, all black; then text on the same line.
    let mut b = vec![0x1B, b'*', 33, 2, 0, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF];
    b.extend(b"x\n");
    // GS v 0 m=3 (quadruple), 1 byte × 2 rows.
    b.extend([0x1D, b'v', b'0', 3, 1, 0, 2, 0, 0xF0, 0x0F]);
    // ESC * 0: 8-dot single density.
    b.extend([0x1B, b'*', 0, 1, 0, 0xAA, b'\n']);
    let (e, r) = run(&b);
    assert_eq!(r[0].text, "x\n\n");
    assert_eq!(e.unknown, 0);
    let img = image::load_from_memory(&r[0].png).unwrap().to_luma8();
    assert_eq!(img.get_pixel(0, 6).0[0], 0, "ESC * column printed at the line's left");
}

#[test]
fn unknown_commands_are_counted_and_skipped() {
    let mut b = vec![0x1B, 0x7F, 0x1D, 0x7E, 0x1C, b'z', 0x00, 0x1D, b'(', b'L', 2, 0, 48, 69];
    b.extend(b"after\n");
    // Another 2D symbology (PDF417, cn = 48) is skipped whole.
    b.extend([0x1D, b'(', b'k', 3, 0, 48, 65, 0]);
    let (e, r) = run(&b);
    assert_eq!(r[0].text, "after\n");
    assert_eq!(e.unknown, 6);
}

#[test]
fn random_bytes_never_crash() {
    let mut x: u64 = 0x2545F4914F6CDD1D;
    for round in 0..200 {
        let mut e = Engine::new(if round % 2 == 0 { 384 } else { 576 });
        let mut buf = Vec::new();
        for _ in 0..2000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            // Bias towards command bytes so commands get exercised.
            let b = match x % 8 {
                0 => 0x1B,
                1 => 0x1D,
                2 => 0x1C,
                3 => 0x10,
                _ => (x >> 8) as u8,
            };
            buf.push(b);
        }
        for part in buf.chunks(97) {
            e.feed(part);
        }
        e.finish();
        e.take_receipts();
    }
}

#[test]
fn byte_at_a_time_equals_all_at_once() {
    let doc = Document::new().title("进度查询单").text("申请人：张𠮷").qr("Q-1").cut();
    let bytes = encode_job(&doc, &PrinterProfile::generic(80));
    let whole = render_receipts(&bytes, 576);
    let mut e = Engine::new(576);
    for b in &bytes {
        e.feed(std::slice::from_ref(b));
    }
    let split = e.take_receipts();
    assert_eq!(split.len(), 1);
    assert_eq!(split[0].png, whole[0].png);
    assert_eq!(split[0].text, doc.plain_text());
    assert_eq!(split[0].qr, vec!["Q-1".to_string()]);
}

#[test]
fn devsim_render_writes_png_and_prints_text() {
    let dir = tempfile::tempdir().unwrap();
    let doc = Document::new().title("容缺补正告知书").text("缺少材料：户口簿").cut();
    let bin = dir.path().join("bytes.bin");
    let png = dir.path().join("receipt.png");
    std::fs::write(&bin, encode_job(&doc, &PrinterProfile::generic(58))).unwrap();
    let args: Vec<String> = ["render", "--in", bin.to_str().unwrap(), "--out", png.to_str().unwrap(), "--width", "58"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    assert_eq!(kiosk_hardware::printer::devsim_main(&args), 0);
    let img = image::open(&png).unwrap();
    assert_eq!(img.width(), 384);
    assert_eq!(kiosk_hardware::printer::devsim_main(&["--width".into(), "77".into()]), 2);
}

/// `GS L` / `GS W` move and narrow the print area: text starts at the margin and wraps
/// at the area's width; `ESC @` gives the whole line back.
#[test]
fn left_margin_and_print_area_width() {
    // Left margin 40 dots, area 100 dots: 8 ASCII cells of 12 dots a line.
    let mut b = vec![0x1B, b'@', 0x1D, b'L', 40, 0, 0x1D, b'W', 100, 0];
    b.extend(b"AAAAAAAAAAAA\n");
    b.extend([0x1B, b'@']);
    b.extend(b"B\n");
    let (e, r) = run(&b);
    assert_eq!(e.unknown, 0);
    let img = image::load_from_memory(&r[0].png).unwrap().to_luma8();
    let inked = |x0: u32, x1: u32, y0: u32, y1: u32| (x0..x1).any(|x| (y0..y1).any(|y| img.get_pixel(x, y).0[0] < 128));
    // First printed line (30 dots): ink only inside 40..140.
    assert!(!inked(0, 40, 0, 30) && inked(40, 52, 0, 30) && !inked(140, 576, 0, 30));
    // The 9th A wrapped to the second line; after ESC @ the B is at x = 0.
    assert!(inked(40, 52, 30, 60));
    assert!(inked(0, 12, 60, 90));
    assert_eq!(r[0].text, "AAAAAAAAAAAA\nB\n");
}

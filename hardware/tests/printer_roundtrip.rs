//! End to end through the real bytes: driver → pty pair → virtual printer → PNG,
//! then the decoded text must equal the source (Chinese and 生僻字 names included)
//! and every QR must decode from the PNG.

use kiosk_hardware::printer::{
    Align, Document, EscPosPrinter, PrinterProfile, PtyPrinter, Receipt, ReceiptPrinter, TransportConfig,
};
use std::time::Duration;

fn receipt_doc(qr: &str) -> Document {
    Document::new()
        .title("收件回执")
        .rule()
        .text("办件编号：A20240518-0007")
        .text("申请人：张𠮷")
        .text("代办人：王䶮（委托）")
        .styled("事项：新生儿出生一件事", 1, Align::Left, true)
        .text("打印时间：2024-05-18 10:32")
        .text("终端：ZZ-0101 建设银行平原路支行 Long line that wraps on the paper by itself")
        .qr(qr)
        .styled("扫码查询办理进度", 1, Align::Center, false)
        .feed(2)
        .cut()
}

/// QR payloads decoded from a PNG with rqrr.
fn decode_qrs(png: &[u8]) -> Vec<String> {
    let img = image::load_from_memory(png).unwrap().to_luma8();
    let mut prepared =
        rqrr::PreparedImage::prepare_from_greyscale(img.width() as usize, img.height() as usize, |x, y| {
            img.get_pixel(x as u32, y as u32).0[0]
        });
    prepared.detect_grids().iter().filter_map(|g| g.decode().ok().map(|(_, s)| s)).collect()
}

fn dark_pixels(png: &[u8]) -> usize {
    let img = image::load_from_memory(png).unwrap().to_luma8();
    img.pixels().filter(|p| p.0[0] < 128).count()
}

fn round_trip(profile_id: &str, dots: u32) -> Receipt {
    let dir = std::env::var_os("PRINTER_PNG_DIR").map(std::path::PathBuf::from);
    let vp = PtyPrinter::spawn(dots, dir, None).unwrap();
    let profile = PrinterProfile::by_id(profile_id).unwrap();
    let cfg = TransportConfig::parse(&vp.spec()).unwrap();
    let mut printer = EscPosPrinter::open(&cfg, profile.clone()).unwrap();
    let qr = format!("https://zwfw.example.gov.cn/progress?no=A20240518-0007&p={profile_id}");
    let doc = receipt_doc(&qr);
    printer.print(&doc).unwrap();
    let receipts = vp.handle.wait_receipts(1, Duration::from_secs(60));
    assert_eq!(receipts.len(), 1, "{profile_id}: one cut receipt");
    let r = receipts.into_iter().next().unwrap();
    assert!(r.complete);
    assert_eq!(r.width, dots);
    // Lines are broken by the driver (避头尾), not by the printer at the paper edge.
    assert_eq!(r.text, doc.printed_text(profile.print_columns()), "{profile_id}: decoded text");
    assert!(r.text.lines().count() > doc.plain_text().lines().count(), "{profile_id}: the long line was broken");
    // A native QR is seen as a command; a raster QR only as dots (decoded below).
    let native: Vec<String> = if profile.native_qr { vec![qr.clone()] } else { vec![] };
    assert_eq!(r.qr, native, "{profile_id}: QR data seen by the printer");
    assert_eq!(decode_qrs(&r.png), vec![qr], "{profile_id}: QR decodes from the PNG");
    assert!(dark_pixels(&r.png) > 5000, "{profile_id}: text drawn");
    assert_eq!(vp.handle.unknown_commands(), 0);
    r
}

#[test]
fn round_trip_80mm_native_qr() {
    let r = round_trip("epson-tm-t20iii", 576);
    let png = image::load_from_memory(&r.png).unwrap();
    assert_eq!(png.width(), 576);
}

#[test]
fn round_trip_58mm_raster_qr() {
    let r = round_trip("masung-ms-fpt206", 384);
    assert!(r.text.contains("张𠮷"));
}

#[test]
fn tcp_9100_round_trip() {
    let vp = kiosk_hardware::printer::TcpPrinter::spawn("127.0.0.1:0", 576, None).unwrap();
    let cfg = TransportConfig::parse(&vp.spec()).unwrap();
    let mut printer = EscPosPrinter::open(&cfg, PrinterProfile::generic(80)).unwrap();
    let doc = Document::new().title("一次性告知书").text("所需材料：居民身份证").cut();
    printer.print(&doc).unwrap();
    let r = vp.handle.wait_receipts(1, Duration::from_secs(30));
    assert_eq!(r[0].text, doc.plain_text());
}

/// Blank columns at the left and right of the ink, and blank rows under the last ink.
fn margins_and_tail(png: &[u8]) -> (u32, u32, u32) {
    let img = image::load_from_memory(png).unwrap().to_luma8();
    let (w, h) = img.dimensions();
    let dark = |x: u32, y: u32| img.get_pixel(x, y).0[0] < 128;
    let col_inked = |x: u32| (0..h).any(|y| dark(x, y));
    let left = (0..w).find(|&x| col_inked(x)).unwrap();
    let right = w - 1 - (0..w).rev().find(|&x| col_inked(x)).unwrap();
    let last = (0..h).rev().find(|&y| (0..w).any(|x| dark(x, y))).unwrap();
    (left, right, h - 1 - last)
}

/// 2 mm at each side (GS L / GS W) and a cut right after the cutter clears the last
/// line, measured on the PNG the virtual printer renders from the driver's bytes.
#[test]
fn side_margins_and_short_tail_on_paper() {
    for (id, dots) in [("masung-ms-fpt206", 384), ("epson-tm-t20iii", 576), ("snbc-bk-t680", 576)] {
        let vp = PtyPrinter::spawn(dots, None, None).unwrap();
        let profile = PrinterProfile::by_id(id).unwrap();
        let mut printer = EscPosPrinter::open(&TransportConfig::parse(&vp.spec()).unwrap(), profile.clone()).unwrap();
        // A rule (the full print width), a line that fills it, a right-aligned line.
        let doc = Document::new()
            .rule()
            .text(&"政务服务自助终端".repeat(8))
            .styled("右对齐 END", 1, Align::Right, false)
            .qr("https://zwfw.example.gov.cn/progress?no=1")
            .text("扫码查询办理进度")
            .cut();
        printer.print(&doc).unwrap();
        let r = vp.handle.wait_receipts(1, Duration::from_secs(60)).into_iter().next().unwrap();
        let (left, right, tail) = margins_and_tail(&r.png);
        let m = profile.margin_dots();
        assert_eq!(m, 16, "{id}: 2 mm at 203 dpi");
        assert_eq!(left, m, "{id}: the rule starts at the left margin");
        // The print area is whole bytes: up to 7 more dots at the right.
        assert!((m..m + 8).contains(&right), "{id}: right margin {right} dots");
        // The tail: the ESC J feed (15 mm = 120 dots) and the last line's 6-dot gap.
        let feed = profile.cut_feed_dots();
        assert!((feed..=feed + 8).contains(&tail), "{id}: tail {tail} dots, feed {feed}");
        assert!(tail * 10 / 8 < 170, "{id}: tail {} mm, was 27 mm", tail / 8);
        assert_eq!(r.text.lines().last(), Some("扫码查询办理进度"), "{id}");
        assert_eq!(vp.handle.unknown_commands(), 0);
        eprintln!("{id}: left {left}, right {right}, tail {tail} dots ({:.1} mm)", tail as f32 / 8.0);
    }
}

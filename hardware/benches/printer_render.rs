//! ESC/POS bytes → PNG in the virtual printer. Plain program: prints figures.

use kiosk_hardware::printer::{encode_job, render_receipts, Document, PrinterProfile};
use std::time::Instant;

fn main() {
    let doc = Document::new()
        .title("收件回执")
        .rule()
        .text("办件编号：A20240518-0007")
        .text("申请人：张𠮷")
        .text("事项：新生儿出生一件事（出生医学证明、户口登记、医保参保）")
        .qr("https://zwfw.example.gov.cn/progress?no=A20240518-0007")
        .cut();
    let t = Instant::now();
    let first = render_receipts(&encode_job(&doc, &PrinterProfile::generic(80)), 576);
    println!("first render incl. font read-back index: {:>8.1} ms", t.elapsed().as_secs_f64() * 1e3);
    assert_eq!(first[0].text, doc.plain_text());
    for (id, dots) in [("generic-80", 576), ("generic-58", 384), ("masung-ms-fpt206", 384)] {
        let bytes = encode_job(&doc, &PrinterProfile::by_id(id).unwrap());
        let n = 50;
        let t = Instant::now();
        let mut size = (0, 0, 0);
        for _ in 0..n {
            let r = render_receipts(std::hint::black_box(&bytes), dots);
            size = (r[0].width, r[0].height, r[0].png.len());
        }
        let per = t.elapsed() / n;
        println!(
            "render {id:<18} {:>7} bytes -> {}x{} PNG {:>6} bytes: {:>8.2} ms/receipt",
            bytes.len(),
            size.0,
            size.1,
            size.2,
            per.as_secs_f64() * 1e3
        );
    }
}

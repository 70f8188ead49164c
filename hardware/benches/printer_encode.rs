//! Receipt `Document` → ESC/POS bytes. Plain program (no criterion): prints figures.

use kiosk_hardware::printer::{encode_job, Align, Document, PrinterProfile};
use std::time::Instant;

fn receipt(rare: bool) -> Document {
    let name = if rare { "申请人：张𠮷" } else { "申请人：张吉" };
    let mut d = Document::new().title("收件回执").rule().text("办件编号：A20240518-0007").text(name);
    for i in 1..=6 {
        d = d.text(&format!("{i}. 新生儿出生一件事 · 出生医学证明"));
    }
    d.styled("请于5个工作日内携带原件到窗口补正", 1, Align::Left, true)
        .qr("https://zwfw.example.gov.cn/progress?no=A20240518-0007")
        .feed(2)
        .cut()
}

fn bench(label: &str, doc: &Document, profile: &PrinterProfile) {
    let n = 300;
    let _ = encode_job(doc, profile); // warm the glyph cache
    let t = Instant::now();
    let mut bytes = 0;
    for _ in 0..n {
        bytes = encode_job(std::hint::black_box(doc), profile).len();
    }
    let per = t.elapsed() / n;
    println!("encode {label:<34} {:>9.1} µs/receipt  {bytes:>6} bytes", per.as_secs_f64() * 1e6);
}

fn main() {
    for id in ["generic-80", "masung-ms-fpt206"] {
        let p = PrinterProfile::by_id(id).unwrap();
        bench(&format!("{id} (GBK only)"), &receipt(false), &p);
        bench(&format!("{id} (生僻字 raster)"), &receipt(true), &p);
    }
}

//! Runs the real UVC driver against a device (a 高拍仪 or v4l2loopback):
//! `cargo run -p kiosk-hardware --example scanner_uvc -- /dev/video10 /tmp/scan 3`
//! Writes page-N.jpg and material.pdf into the output folder; prints only sizes and reasons.

use std::path::PathBuf;

use kiosk_hardware::scanner::{pages_to_pdf, Scanner};
use kiosk_hardware::{DocumentScanner, ScannerError};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let device = args.next().unwrap_or_else(|| "/dev/video0".into());
    let out = PathBuf::from(args.next().unwrap_or_else(|| "scan-out".into()));
    let pages_wanted: usize = args.next().and_then(|n| n.parse().ok()).unwrap_or(1);
    std::fs::create_dir_all(&out)?;

    let mut scanner = Scanner::uvc(&device);
    println!("{device}: {:?}", scanner.status());
    let preview = scanner.live_preview()?;
    println!(
        "mode {:?}; preview {}x{}, page outline {:?}, hint {:?}",
        scanner.camera_mut().mode(),
        preview.frame.width,
        preview.frame.height,
        preview.quad,
        preview.issue.map(|i| i.message_en())
    );

    let mut pages = Vec::new();
    let mut attempts = 0;
    while pages.len() < pages_wanted && attempts < pages_wanted * 5 {
        attempts += 1;
        match scanner.capture_checked() {
            Ok(page) => {
                let path = out.join(format!("page-{}.jpg", pages.len() + 1));
                std::fs::write(&path, &page.jpeg)?;
                println!("{}: {}x{}, {} KB", path.display(), page.width, page.height, page.jpeg.len() / 1024);
                pages.push(page);
            }
            Err(ScannerError::Rejected(issue)) => println!("retake: {} / {}", issue.message_zh(), issue.message_en()),
            Err(e) => return Err(e.into()),
        }
    }
    if !pages.is_empty() {
        let pdf = pages_to_pdf(&pages)?;
        std::fs::write(out.join("material.pdf"), &*pdf)?;
        println!("material.pdf: {} pages, {} KB", pages.len(), pdf.len() / 1024);
    }
    Ok(())
}

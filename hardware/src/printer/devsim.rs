//! `devsim printer …`: the virtual printer as a stand-alone program.

use super::vprinter::server::{PtyPrinter, TcpPrinter, VirtualPrinterHandle};
use super::vprinter::{render_png, DeviceState};
use std::path::PathBuf;
use std::time::Duration;

const USAGE: &str = "usage:
  devsim printer --link PATH [--width 58|80] [--out-dir DIR] [--state FILE]
  devsim printer --tcp 127.0.0.1:9100 [--width 58|80] [--out-dir DIR] [--state FILE]
  devsim printer render --in bytes.bin --out receipt.png [--width 58|80]
--state FILE: JSON device state re-read every second, e.g. {\"paper_out\": true}";

fn opt(args: &[String], name: &str) -> Option<String> {
    args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).cloned()
}

/// 58 or 80 (mm) → dots; a bare dot count is accepted too.
fn width_dots(args: &[String]) -> Result<u32, String> {
    match opt(args, "--width").as_deref() {
        None | Some("80") => Ok(576),
        Some("58") => Ok(384),
        Some(v) => v.parse::<u32>().ok().filter(|d| *d >= 64 && d % 8 == 0).ok_or(format!("bad --width {v}")),
    }
}

pub fn main(args: &[String]) -> i32 {
    if args.iter().any(|a| a == "--help" || a == "-h") || args.is_empty() {
        eprintln!("{USAGE}");
        return if args.is_empty() { 2 } else { 0 };
    }
    let width = match width_dots(args) {
        Ok(w) => w,
        Err(e) => {
            eprintln!("devsim printer: {e}\n{USAGE}");
            return 2;
        }
    };
    if args[0] == "render" {
        return render(args, width);
    }
    let out_dir = opt(args, "--out-dir").map(PathBuf::from).or_else(|| Some(PathBuf::from("receipts")));
    let state_file = opt(args, "--state").map(PathBuf::from);
    let (handle, _keep): (VirtualPrinterHandle, Box<dyn std::any::Any>) = if let Some(link) = opt(args, "--link") {
        match PtyPrinter::spawn(width, out_dir.clone(), Some(link.as_ref())) {
            Ok(p) => {
                eprintln!("devsim printer: {} -> {} ({width} dots)", link, p.path.display());
                (p.handle.clone(), Box::new(p))
            }
            Err(e) => {
                eprintln!("devsim printer: pty: {e}");
                return 1;
            }
        }
    } else if let Some(addr) = opt(args, "--tcp") {
        match TcpPrinter::spawn(&addr, width, out_dir.clone()) {
            Ok(p) => {
                eprintln!("devsim printer: listening on {} ({width} dots)", p.addr);
                (p.handle.clone(), Box::new(p))
            }
            Err(e) => {
                eprintln!("devsim printer: tcp {addr}: {e}");
                return 1;
            }
        }
    } else {
        eprintln!("{USAGE}");
        return 2;
    };
    if let Some(dir) = &out_dir {
        eprintln!("devsim printer: receipts go to {}", dir.display());
    }
    let mut printed = 0;
    loop {
        std::thread::sleep(Duration::from_secs(1));
        if let Some(f) = &state_file {
            if let Some(s) = std::fs::read_to_string(f).ok().and_then(|t| serde_json::from_str::<DeviceState>(&t).ok())
            {
                handle.set_state(|st| *st = s);
            }
        }
        let n = handle.receipts().len();
        if n != printed {
            eprintln!("devsim printer: {n} receipt(s), {} unknown command(s)", handle.unknown_commands());
            printed = n;
        }
    }
}

fn render(args: &[String], width: u32) -> i32 {
    let (Some(input), Some(output)) = (opt(args, "--in"), opt(args, "--out")) else {
        eprintln!("{USAGE}");
        return 2;
    };
    let bytes = match std::fs::read(&input) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("devsim printer render: {input}: {e}");
            return 1;
        }
    };
    match render_png(&bytes, width) {
        Ok((png, text)) => {
            if let Err(e) = std::fs::write(&output, png) {
                eprintln!("devsim printer render: {output}: {e}");
                return 1;
            }
            print!("{text}");
            0
        }
        Err(e) => {
            eprintln!("devsim printer render: {e}");
            1
        }
    }
}

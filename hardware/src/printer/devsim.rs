//! `devsim printer …`: the virtual printer as a stand-alone program.

use super::vprinter::server::{PtyPrinter, TcpPrinter, VirtualPrinterHandle};
use super::vprinter::{render_png, DeviceState};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The virtual ESC/POS printer as a program: on a pty (`--link`) or TCP (`--tcp`),
/// saving each receipt as a PNG; or `render` to turn captured bytes into a PNG offline.
#[derive(Debug, clap::Parser)]
#[command(name = "devsim printer")]
#[command(group(clap::ArgGroup::new("serve").args(["link", "tcp"])))]
struct Args {
    #[command(subcommand)]
    render: Option<Render>,
    /// Serve on a pty with this stable symlink.
    #[arg(long, value_name = "PATH")]
    link: Option<PathBuf>,
    /// Serve on TCP, e.g. 127.0.0.1:9100.
    #[arg(long, value_name = "ADDR")]
    tcp: Option<String>,
    /// Paper: 58 or 80 (mm), or a dot count (a multiple of 8).
    #[arg(long, global = true, default_value = "80", value_parser = width_dots)]
    width: u32,
    /// Where receipts are saved.
    #[arg(long, value_name = "DIR", default_value = "receipts")]
    out_dir: PathBuf,
    /// JSON device state re-read every second, e.g. {"paper_out": true}.
    #[arg(long, value_name = "FILE")]
    state: Option<PathBuf>,
}

#[derive(Debug, clap::Subcommand)]
enum Render {
    /// Renders captured ESC/POS bytes to a PNG and prints the text.
    Render {
        #[arg(long = "in", value_name = "bytes.bin")]
        input: PathBuf,
        #[arg(long, value_name = "receipt.png")]
        out: PathBuf,
    },
}

/// 58 or 80 (mm) → dots; a bare dot count is accepted too.
fn width_dots(v: &str) -> Result<u32, String> {
    match v {
        "80" => Ok(576),
        "58" => Ok(384),
        v => v.parse::<u32>().ok().filter(|d| *d >= 64 && d % 8 == 0).ok_or(format!("bad width {v}")),
    }
}

pub fn main(args: &[String]) -> i32 {
    let parsed = <Args as clap::Parser>::try_parse_from(
        std::iter::once("devsim printer").chain(args.iter().map(String::as_str)),
    );
    let args = match parsed {
        Ok(a) => a,
        Err(e) => {
            let _ = e.print();
            return e.exit_code();
        }
    };
    let width = args.width;
    if let Some(Render::Render { input, out }) = &args.render {
        return render(input, out, width);
    }
    let out_dir = Some(args.out_dir.clone());
    let state_file = args.state.clone();
    let (handle, _keep): (VirtualPrinterHandle, Box<dyn std::any::Any>) = if let Some(link) = &args.link {
        match PtyPrinter::spawn(width, out_dir.clone(), Some(link.as_ref())) {
            Ok(p) => {
                eprintln!("devsim printer: {} -> {} ({width} dots)", link.display(), p.path.display());
                (p.handle.clone(), Box::new(p))
            }
            Err(e) => {
                eprintln!("devsim printer: pty: {e}");
                return 1;
            }
        }
    } else if let Some(addr) = &args.tcp {
        match TcpPrinter::spawn(addr, width, out_dir.clone()) {
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
        let _ = <Args as clap::CommandFactory>::command().print_help();
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

fn render(input: &Path, output: &Path, width: u32) -> i32 {
    let bytes = match std::fs::read(input) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("devsim printer render: {}: {e}", input.display());
            return 1;
        }
    };
    match render_png(&bytes, width) {
        Ok((png, text)) => {
            if let Err(e) = std::fs::write(output, png) {
                eprintln!("devsim printer render: {}: {e}", output.display());
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

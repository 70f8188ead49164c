//! `devsim`: runs the device emulators outside the kiosk, so any program (or the
//! kiosk with a kiosk.toml) can talk to them over a pty or TCP.
//!
//! devsim idcard  --link PATH [...]
//! devsim printer --link PATH | --tcp ADDR | render --in F --out F

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let code = match args.first().map(String::as_str) {
        Some("idcard") => kiosk_hardware::idcard::devsim_main(&args[1..]),
        Some("printer") => kiosk_hardware::printer::devsim_main(&args[1..]),
        _ => {
            eprintln!("usage: devsim <idcard|printer> [options]   (devsim <device> --help)");
            2
        }
    };
    std::process::exit(code);
}

//! `devsim`: runs the device emulators outside the kiosk, so any program (or the
//! kiosk with a kiosk.toml) can talk to them over a pty or TCP.
//!
//! devsim idcard  --link PATH [...]
//! devsim printer --link PATH | --tcp ADDR | render --in F --out F

use clap::Parser;

/// Device emulators that speak the real wire protocols, for other programs.
#[derive(Parser)]
#[command(name = "devsim", version)]
enum Devsim {
    /// A SAM ID-card reader on a pty (`devsim idcard --help`).
    #[command(disable_help_flag = true)]
    Idcard {
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<String>,
    },
    /// A virtual ESC/POS printer on a pty or TCP (`devsim printer --help`).
    #[command(disable_help_flag = true)]
    Printer {
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<String>,
    },
}

fn main() {
    let code = match Devsim::parse() {
        Devsim::Idcard { args } => kiosk_hardware::idcard::devsim_main(&args),
        Devsim::Printer { args } => kiosk_hardware::printer::devsim_main(&args),
    };
    std::process::exit(code);
}

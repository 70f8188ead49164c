//! `kiosk`: the self-service terminal.
//!
//!   kiosk --config /etc/kiosk/kiosk.toml  a terminal (production unless the file says demo)
//!   kiosk --demo                          demo mode (emulated devices, embedded intake)
//!   kiosk keys init [--config F]          create the terminal's keys (install time)
//!   kiosk keys rotate [--config F]        new outbox key, queued rows re-sealed (kiosk stopped)
//!   kiosk diag status                     devices and queue as JSON
//!   kiosk diag queue [retry|purge NO]     outbox items (no personal data); act on one
//!   kiosk diag idcard [--port P] [--reveal]   read one card, print JSON
//!   kiosk --screenshot out.png [--screen home]   render one screen headless (demo build)
//!   kiosk receipts --out DIR              the four receipts as PNG (demo build)
//!   kiosk report bundles [--out FILE]     一件事 merge report (demo build)
//!
//! Exit codes: 0 after SIGTERM/SIGINT, 2 for a refused configuration (not restarted by
//! systemd), 1 for anything else (restarted).

use clap::{Parser, Subcommand};
use kiosk::config::Config;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Where a packaged terminal keeps its configuration.
const ETC_CONFIG: &str = "/etc/kiosk/kiosk.toml";

#[derive(Parser)]
#[command(name = "kiosk", about = "政务服务一体化自助终端 / government self-service kiosk", version = kiosk::VERSION)]
struct Cli {
    /// Terminal configuration (see kiosk.example.toml; a terminal: /etc/kiosk/kiosk.toml).
    #[arg(long, global = true)]
    config: Option<PathBuf>,
    /// Demo mode: emulated devices, the embedded intake simulator, data under ./kiosk-data.
    #[cfg(feature = "demo")]
    #[arg(long, global = true)]
    demo: bool,
    /// Render one screen headless to this PNG and exit.
    #[cfg(feature = "demo")]
    #[arg(long)]
    screenshot: Option<PathBuf>,
    /// Screen for --screenshot: attract, home, guide, identify, form, materials, review,
    /// submitting, receipt, rating, farewell, help, fault, idle-warning.
    #[cfg(feature = "demo")]
    #[arg(long, default_value = "home")]
    screen: String,
    /// Elder mode (长者版) for --screenshot.
    #[cfg(feature = "demo")]
    #[arg(long)]
    elder: bool,
    #[command(subcommand)]
    cmd: Option<Cmd>,
}

#[derive(Subcommand)]
enum Cmd {
    /// Diagnostics for technicians.
    Diag {
        #[command(subcommand)]
        what: Diag,
    },
    /// The terminal's keys (outbox and request signing), kept in the state directory.
    Keys {
        #[command(subcommand)]
        what: Keys,
    },
    /// Render the receipts with sample data to PNG through the virtual printer.
    #[cfg(feature = "demo")]
    Receipts {
        #[arg(long, default_value = "docs/receipts")]
        out: PathBuf,
    },
    /// Reports on the catalog.
    #[cfg(feature = "demo")]
    Report {
        #[command(subcommand)]
        what: Report,
    },
}

#[derive(Subcommand)]
enum Keys {
    /// Create the keys that are missing (never replaces one); run at install time.
    Init,
    /// Replace the outbox key: every queued row is re-sealed under the new key first.
    /// Stop the kiosk before (`systemctl stop kiosk`).
    Rotate,
}

#[derive(Subcommand)]
enum QueueAction {
    /// Queue a held item again and try it at once.
    Retry { local_no: String },
    /// Delete a held item's sealed data for good (nothing is delivered).
    Purge { local_no: String },
}

#[cfg(feature = "demo")]
#[derive(Subcommand)]
enum Report {
    /// Per 一件事: fields and materials separately vs merged, auto-fill share, touches.
    /// Prints Markdown and saves it (default docs/bundles.md).
    Bundles {
        #[arg(long, default_value = "docs/bundles.md")]
        out: PathBuf,
    },
}

#[derive(Subcommand)]
enum Diag {
    /// Devices' and queue's state as JSON.
    Status,
    /// Outbox items by provisional number, state, attempts and last error (no personal
    /// data), as JSON; `retry` or `purge` one (audited).
    Queue {
        #[command(subcommand)]
        action: Option<QueueAction>,
    },
    /// Read one ID card and print it as JSON (number masked unless --reveal).
    Idcard {
        /// Serial port of the reader (default: the configured one; demo: an emulator).
        #[arg(long)]
        port: Option<String>,
        /// Show the full ID number, name and address.
        #[arg(long)]
        reveal: bool,
        /// Seconds to wait for a card.
        #[arg(long, default_value_t = 10)]
        timeout: u64,
    },
}

/// Why the kiosk stops: a refusal (2) is not restarted; a failure (1) is.
enum Failure {
    Refused(String),
    Failed(String),
}

impl From<String> for Failure {
    fn from(s: String) -> Self {
        Failure::Failed(s)
    }
}

fn main() -> ExitCode {
    kiosk::logging::init();
    kiosk::service::install_panic_hook();
    let cli = Cli::parse();
    match dispatch(&cli) {
        Ok(()) => ExitCode::SUCCESS,
        // stderr is the journal under systemd: one line, no second copy through tracing.
        Err(Failure::Refused(e)) => {
            eprintln!("kiosk: refused: {e}");
            ExitCode::from(2)
        }
        Err(Failure::Failed(e)) => {
            eprintln!("kiosk: {e}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(feature = "demo")]
fn demo_flag(cli: &Cli) -> bool {
    cli.demo
}
#[cfg(not(feature = "demo"))]
fn demo_flag(_: &Cli) -> bool {
    false
}

/// The configuration: `--config`, else `--demo`, else (for tools) /etc/kiosk/kiosk.toml.
fn load_config(cli: &Cli, tool: bool) -> Result<Config, Failure> {
    let refuse = |e: kiosk::config::ConfigError| Failure::Refused(e.to_string());
    match (&cli.config, demo_flag(cli)) {
        (Some(p), demo) => {
            let cfg = Config::load(p).map_err(refuse)?;
            if demo && !cfg.is_demo() {
                return Err(Failure::Refused(format!(
                    "{}: --demo needs a file with [terminal] mode = \"demo\"",
                    p.display()
                )));
            }
            Ok(cfg)
        }
        #[cfg(feature = "demo")]
        (None, true) => Ok(Config::demo()),
        (None, _) if tool && Path::new(ETC_CONFIG).exists() => Config::load(Path::new(ETC_CONFIG)).map_err(refuse),
        (None, _) => Err(Failure::Refused(format!(
            "no configuration. A terminal starts with `kiosk --config {ETC_CONFIG}`{}",
            if cfg!(feature = "demo") {
                "; the demo with `kiosk --demo` (scripts/demo.sh)."
            } else {
                " (this production build has no demo mode)."
            }
        ))),
    }
}

fn dispatch(cli: &Cli) -> Result<(), Failure> {
    #[cfg(feature = "demo")]
    if let Some(out) = &cli.screenshot {
        return Ok(demo::screenshot(out, &cli.screen, cli.elder)?);
    }
    match &cli.cmd {
        None => kiosk::service::run(load_config(cli, false)?).map_err(|e| match e {
            kiosk::service::RunError::Refused(m) => Failure::Refused(m),
            kiosk::service::RunError::Failed(m) => Failure::Failed(m),
        }),
        Some(Cmd::Keys { what: Keys::Init }) => {
            let cfg = load_config(cli, true)?;
            for (what, path, created) in kiosk::app::init_keys(&cfg).map_err(|e| e.to_string())? {
                println!("{what}: {} ({})", path.display(), if created { "created" } else { "kept" });
            }
            Ok(())
        }
        Some(Cmd::Keys { what: Keys::Rotate }) => {
            let cfg = load_config(cli, true)?;
            println!("{}", kiosk::outbox::rotate_keys_cli(&cfg)?);
            Ok(())
        }
        Some(Cmd::Diag { what: Diag::Queue { action } }) => {
            let action = match action {
                None => None,
                Some(QueueAction::Retry { local_no }) => Some(("retry", local_no.as_str())),
                Some(QueueAction::Purge { local_no }) => Some(("purge", local_no.as_str())),
            };
            println!("{}", kiosk::outbox::diag_queue(&load_config(cli, true)?, action)?);
            Ok(())
        }
        Some(Cmd::Diag { what: Diag::Status }) => Ok(diag_status(&load_config(cli, true)?)?),
        Some(Cmd::Diag { what: Diag::Idcard { port, reveal, timeout } }) => {
            Ok(diag_idcard(&load_config(cli, true)?, port.as_deref(), *reveal, *timeout)?)
        }
        #[cfg(feature = "demo")]
        Some(Cmd::Receipts { out }) => Ok(demo::render_receipts(&Config::demo(), out)?),
        #[cfg(feature = "demo")]
        Some(Cmd::Report { what: Report::Bundles { out } }) => Ok(demo::report_bundles(out)?),
    }
}

fn diag_status(cfg: &Config) -> Result<(), String> {
    let status = kiosk::diag::status(cfg)?;
    println!("{}", serde_json::to_string_pretty(&status).map_err(|e| e.to_string())?);
    Ok(())
}

fn diag_idcard(cfg: &Config, port: Option<&str>, reveal: bool, timeout: u64) -> Result<(), String> {
    let timeout = std::time::Duration::from_secs(timeout);
    // Demo configuration: read the demo card from the emulator on a pty.
    #[cfg(feature = "demo")]
    let emu;
    let (port, baud) = match port {
        Some(p) => (p.to_string(), cfg.devices.idcard.baud),
        #[cfg(feature = "demo")]
        None if cfg.devices.idcard.port == "emulated" => {
            use kiosk_hardware::idcard::{demo_card, CardSpec, Emulator, EmulatorConfig};
            let cards = vec![CardSpec::from_card(&demo_card())];
            emu = Emulator::start(EmulatorConfig { cards, ..Default::default() }).map_err(|e| e.to_string())?;
            (emu.port_path(), 115_200)
        }
        None => (cfg.devices.idcard.port.clone(), cfg.devices.idcard.baud),
    };
    let json = kiosk_hardware::idcard::diag_read_one(&port, baud, reveal, timeout).map_err(|e| e.to_string())?;
    println!("{}", serde_json::to_string_pretty(&json).map_err(|e| e.to_string())?);
    Ok(())
}

/// Development tools, only in the demo build.
#[cfg(feature = "demo")]
mod demo {
    use kiosk::config::Config;
    use kiosk::journey::Screen;
    use std::path::Path;

    pub fn screenshot(out: &Path, screen: &str, elder: bool) -> Result<(), String> {
        let target = Screen::from_name(screen).ok_or_else(|| format!("unknown screen `{screen}`"))?;
        kiosk::headless::init(false).map_err(|e| e.to_string())?;
        let app = kiosk::headless::new_window().map_err(|e| e.to_string())?;
        let cfg = Config::demo();
        let catalog = kiosk::catalog::Catalog::seed();
        let mut state = kiosk::headless::demo_state(target, &catalog);
        state.elder = elder;
        let mut view = kiosk::ui::view::build(&state, &catalog, &cfg.terminal.progress_url);
        kiosk::ui::set_terminal(&app, &cfg.terminal);
        view.idle_left = view.idle_left.min(120);
        kiosk::ui::apply(&app, &view);
        kiosk::headless::save_png(&app, out)?;
        println!("{}", out.display());
        Ok(())
    }

    pub fn report_bundles(out: &Path) -> Result<(), String> {
        let md = kiosk::catalog::report::markdown(&kiosk::catalog::Catalog::seed());
        print!("{md}");
        if let Some(dir) = out.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        }
        std::fs::write(out, &md).map_err(|e| format!("{}: {e}", out.display()))?;
        eprintln!("saved {}", out.display());
        Ok(())
    }

    pub fn render_receipts(cfg: &Config, out: &Path) -> Result<(), String> {
        use kiosk_hardware::printer::{encode_job, render_png, PrinterProfile};
        std::fs::create_dir_all(out).map_err(|e| format!("{}: {e}", out.display()))?;
        let catalog = kiosk::catalog::Catalog::seed();
        let t = &cfg.terminal;
        let site_name = t.site();
        let site = kiosk::receipt::Site {
            terminal_id: &t.id,
            site: &site_name,
            help_phone: &t.help_phone,
            progress_url: &t.progress_url,
            online_app: &t.online_app,
            deferral_days: t.deferral_days,
        };
        for mm in [58, 80] {
            let profile = PrinterProfile::generic(mm);
            for (name, doc) in kiosk::receipt::samples(&catalog, &site) {
                let bytes = encode_job(&doc, &profile);
                let (png, _text) = render_png(&bytes, profile.dots).map_err(|e| e.to_string())?;
                let path = out.join(format!("{name}-{mm}mm.png"));
                std::fs::write(&path, png).map_err(|e| format!("{}: {e}", path.display()))?;
                println!("{}", path.display());
            }
        }
        Ok(())
    }
}

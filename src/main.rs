//! `kiosk`: the self-service terminal.
//!
//!   kiosk                                 demo mode (emulated devices, embedded intake)
//!   kiosk --config kiosk.toml             a configured terminal
//!   kiosk --screenshot out.png [--screen home]   render one screen headless and exit
//!   kiosk diag status                     devices and queue as JSON
//!   kiosk diag idcard [--port P] [--reveal]   read one card, print JSON
//!   kiosk receipts --out DIR              render the four receipts (58 and 80 mm) to PNG
//!   kiosk report bundles [--out FILE]     一件事 merge report (docs/bundles.md)

use clap::{Parser, Subcommand};
use kiosk::app::Kiosk;
use kiosk::config::Config;
use kiosk::journey::Screen;
use slint::ComponentHandle;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

#[derive(Parser)]
#[command(name = "kiosk", about = "政务服务一体化自助终端 / government self-service kiosk")]
struct Cli {
    /// Terminal configuration (default: demo mode, see kiosk.example.toml).
    #[arg(long, global = true)]
    config: Option<PathBuf>,
    /// Render one screen headless to this PNG and exit.
    #[arg(long)]
    screenshot: Option<PathBuf>,
    /// Screen for --screenshot: attract, home, guide, identify, form, materials, review,
    /// submitting, receipt, rating, farewell, help, fault, idle-warning.
    #[arg(long, default_value = "home")]
    screen: String,
    /// Elder mode (长者版) for --screenshot.
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
    /// Render the receipts with sample data to PNG through the virtual printer.
    Receipts {
        #[arg(long, default_value = "docs/receipts")]
        out: PathBuf,
    },
    /// Reports on the catalog.
    Report {
        #[command(subcommand)]
        what: Report,
    },
}

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

fn load_config(path: &Option<PathBuf>) -> Result<Config, ExitCode> {
    match path {
        None => Ok(Config::demo()),
        Some(p) => Config::load(p).map_err(|e| {
            eprintln!("kiosk: {e}");
            ExitCode::from(2)
        }),
    }
}

fn main() -> ExitCode {
    kiosk::logging::init();
    let cli = Cli::parse();
    let cfg = match load_config(&cli.config) {
        Ok(c) => c,
        Err(code) => return code,
    };
    let res = match (&cli.cmd, &cli.screenshot) {
        (Some(Cmd::Diag { what: Diag::Status }), _) => diag_status(&cfg),
        (Some(Cmd::Diag { what: Diag::Idcard { port, reveal, timeout } }), _) => {
            diag_idcard(&cfg, port.as_deref(), *reveal, *timeout)
        }
        (Some(Cmd::Receipts { out }), _) => render_receipts(&cfg, out),
        (Some(Cmd::Report { what: Report::Bundles { out } }), _) => report_bundles(out),
        (None, Some(out)) => screenshot(out, &cli.screen, cli.elder),
        (None, None) => run(&cfg),
    };
    match res {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("kiosk: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(cfg: &Config) -> Result<(), String> {
    // The rig keeps demo-mode emulators alive while the kiosk runs.
    let (devices, _rig) = kiosk::devices::open(cfg).map_err(|e| e.to_string())?;
    let app = kiosk::ui::AppWindow::new().map_err(|e| e.to_string())?;
    kiosk::ui::set_terminal(&app, &cfg.terminal);
    let weak = app.as_weak();
    let sink: kiosk::runtime::ViewSink = Arc::new(move |view| {
        let _ = weak.upgrade_in_event_loop(move |app| kiosk::ui::apply(&app, &view));
    });
    let kiosk = Kiosk::start(cfg, devices, sink).map_err(|e| e.to_string())?;
    kiosk::ui::connect(&app, kiosk.tx.clone(), kiosk.catalog_cell.clone());
    tracing::info!(terminal = %cfg.terminal.id, "kiosk started");
    app.run().map_err(|e| e.to_string())
}

fn screenshot(out: &std::path::Path, screen: &str, elder: bool) -> Result<(), String> {
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

fn report_bundles(out: &std::path::Path) -> Result<(), String> {
    let md = kiosk::catalog::report::markdown(&kiosk::catalog::Catalog::seed());
    print!("{md}");
    if let Some(dir) = out.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    }
    std::fs::write(out, &md).map_err(|e| format!("{}: {e}", out.display()))?;
    eprintln!("saved {}", out.display());
    Ok(())
}

fn diag_status(cfg: &Config) -> Result<(), String> {
    let (devices, _rig) = kiosk::devices::open(cfg).map_err(|e| e.to_string())?;
    let idcard = {
        let mut reader = devices.idcard.lock().map_err(|e| e.to_string())?;
        // One find opens the port and asks the SAM; a card found is dropped (wiped) unread.
        let _ = reader.poll();
        reader.status()
    };
    let printer = devices.printer.lock().map_err(|e| e.to_string())?.status();
    let scanner = devices.scanner.lock().map_err(|e| e.to_string())?.status();
    let db = cfg.terminal.data_dir.join("kiosk.db");
    let queue = if db.exists() {
        let store = kiosk::store::Store::open(&db).map_err(|e| e.to_string())?;
        serde_json::json!({
            "stats": store.queue_stats().map_err(|e| e.to_string())?,
            "counters": store.counters().map_err(|e| e.to_string())?,
        })
    } else {
        serde_json::json!({ "stats": null, "note": "no database yet" })
    };
    let out = serde_json::json!({
        "terminal": cfg.terminal.id,
        "devices": {
            "idcard": idcard,
            "printer": printer.map_err(|e| e.to_string()).map(|s| serde_json::json!({ "status": s, "label": s.label_zh() })),
            "scanner": scanner,
        },
        "queue": queue,
    });
    println!("{}", serde_json::to_string_pretty(&out).map_err(|e| e.to_string())?);
    Ok(())
}

fn diag_idcard(cfg: &Config, port: Option<&str>, reveal: bool, timeout: u64) -> Result<(), String> {
    let timeout = std::time::Duration::from_secs(timeout);
    // Demo configuration: read the demo card from the emulator on a pty.
    let emu;
    let (port, baud) = match port {
        Some(p) => (p.to_string(), cfg.devices.idcard.baud),
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

fn render_receipts(cfg: &Config, out: &std::path::Path) -> Result<(), String> {
    use kiosk_hardware::printer::{encode_job, render_png, PrinterProfile};
    std::fs::create_dir_all(out).map_err(|e| format!("{}: {e}", out.display()))?;
    let catalog = kiosk::catalog::Catalog::seed();
    let t = &cfg.terminal;
    let site = kiosk::receipt::Site {
        terminal_id: &t.id,
        site: &t.site,
        help_phone: &t.help_phone,
        progress_url: &t.progress_url,
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

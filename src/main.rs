//! `kiosk`: the self-service terminal.
//!
//!   kiosk                                 demo mode (emulated devices, embedded intake)
//!   kiosk --config kiosk.toml             a configured terminal
//!   kiosk --screenshot out.png [--screen home]   render one screen headless and exit
//!   kiosk diag status                     devices and queue as JSON
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
    let tx = kiosk.tx.clone();
    let cell = kiosk.catalog_cell.clone();
    app.global::<kiosk::ui::Kiosk>().on_act(move |name, arg| {
        // The catalog in use now: tiles carry its indexes.
        if let Some(ev) = kiosk::ui::intent(&name, arg, &cell.current()) {
            let _ = tx.send(ev);
        }
    });
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
    let idcard = devices.idcard.lock().map_err(|e| e.to_string())?.status();
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

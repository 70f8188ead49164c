//! `kiosk`: the self-service terminal.
//!
//!   kiosk --config /etc/kiosk/kiosk.toml  a terminal (production unless the file says demo)
//!   kiosk --demo                          demo mode (emulated devices, embedded intake)
//!   kiosk keys init [--config F]          create the terminal's keys (install time)
//!   kiosk keys rotate [--config F]        new outbox key, queued rows re-sealed (kiosk stopped)
//!   kiosk pin set --role host|technician  set a maintenance PIN (read from stdin)
//!   kiosk diag status                     devices, queue, versions, alerts … as JSON
//!   kiosk diag selftest [reader|printer|scanner|network]   self-tests as JSON
//!   kiosk diag queue [retry|purge NO]     outbox items (no personal data); act on one
//!   kiosk diag logs --since 7d --out DIR  export logs, audit events and status (PII-free)
//!   kiosk diag service pause --reason R | resume | wait-idle [--timeout S]   (running kiosk)
//!   kiosk diag idcard [--port P] [--reveal]   read one card, print JSON (kiosk stopped)
//!   kiosk --screenshot out.png [--screen home]   render one screen headless (demo build)
//!   kiosk receipts --out DIR              the four receipts as PNG (demo build)
//!   kiosk report bundles [--out FILE]     一件事 merge report (demo build)
//!   kiosk voice --text "…" --out x.wav    render one voice prompt (espeak-ng); --list: the prompts
//!   kiosk ime hw --strokes FILE.json      手写: the candidates for a stroke file (Zinnia)
//!   kiosk ime pinyin QUERY [--top N]      拼音: the candidates for typed letters (xinxiang, xx)
//!
//! `kiosk diag` asks the running kiosk over its control socket (`terminal.control_socket`)
//! and, when none answers, looks at the devices and the database itself; the JSON's
//! `source` field and one line on stderr say which.
//!
//! Exit codes: 0 after SIGTERM/SIGINT (or a command done), 2 for a refused configuration
//! (not restarted by systemd), 1 for anything else (restarted; a failed self-test too).

use clap::{Parser, Subcommand, ValueEnum};
use kiosk::config::Config;
use kiosk::control::{self, client::ClientError, Request};
use kiosk::diag::Source;
use kiosk::ops::SelfTestKind;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

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
    /// submitting, receipt, rating, farewell, help, fault, idle-warning, out-of-service,
    /// maintenance (the PIN pad), maintenance-<page> (devices, counts, … config).
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
    /// The maintenance PINs of the branch host and the technician.
    Pin {
        #[command(subcommand)]
        what: Pin,
    },
    /// The input methods of the on-screen editor, run by hand.
    Ime {
        #[command(subcommand)]
        what: Ime,
    },
    /// Voice prompts: render one text as the kiosk would say it (espeak-ng, Mandarin), or
    /// list the prompts with the ids a recorded `<id>.wav` replaces.
    Voice {
        /// The words to say.
        #[arg(long, required_unless_present = "list", requires = "out")]
        text: Option<String>,
        /// The WAV file to write.
        #[arg(long)]
        out: Option<PathBuf>,
        /// Syllables per minute (80..300; a terminal uses voice.rate).
        #[arg(long, default_value_t = 150, value_parser = clap::value_parser!(u32).range(80..=300))]
        rate: u32,
        /// Print every prompt: id, screen and text.
        #[arg(long, conflicts_with = "text")]
        list: bool,
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
enum Ime {
    /// 拼音: the candidates for letters typed on the keypad, best first, as the editor
    /// offers them: the site of the configuration (if any) ranks first, and the demo
    /// build adds its sample catalog's terms.
    Pinyin {
        /// The letters, e.g. xinxiang, xx, weibinqu.
        query: String,
        /// How many candidates to print.
        #[arg(long, default_value_t = 20)]
        top: usize,
    },
    /// 手写: classify a stroke file and print the candidates, best first, with Zinnia's
    /// score. The file is a JSON list of strokes, each a list of [x, y] on a 0–1000
    /// square (y down), as tests/data/strokes/ holds them.
    Hw {
        #[arg(long)]
        strokes: PathBuf,
        /// The Zinnia model (default: `[input] handwriting_model` of the configuration,
        /// else /usr/share/tegaki/models/zinnia/handwriting-zh_CN.model).
        #[arg(long)]
        model: Option<PathBuf>,
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
enum Pin {
    /// Set a role's 6-digit PIN, read from stdin (asked twice on a terminal). Run as the
    /// kiosk user: `runuser -u kiosk -- kiosk pin set --role technician`.
    Set {
        #[arg(long, value_enum)]
        role: RoleArg,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum RoleArg {
    Host,
    Technician,
}

#[derive(Clone, Copy, ValueEnum)]
enum TestArg {
    Reader,
    Printer,
    Scanner,
    Network,
}

impl From<TestArg> for SelfTestKind {
    fn from(t: TestArg) -> Self {
        match t {
            TestArg::Reader => SelfTestKind::Reader,
            TestArg::Printer => SelfTestKind::Printer,
            TestArg::Scanner => SelfTestKind::Scanner,
            TestArg::Network => SelfTestKind::Network,
        }
    }
}

#[derive(Subcommand)]
enum Service {
    /// Show the out-of-service screen with a reason (refused while a citizen is served).
    Pause {
        #[arg(long)]
        reason: String,
    },
    /// Back in service.
    Resume,
    /// Return once no citizen's session is open (exit 1 after --timeout seconds).
    WaitIdle {
        #[arg(long, default_value_t = 600)]
        timeout: u64,
    },
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
    /// Devices, paper, queue, versions, uptime, out-of-service, open alerts and help
    /// calls, the configuration (secrets masked), as JSON.
    Status,
    /// Self-test one device or the network (all four without an argument), as JSON.
    /// Refused while a citizen is served. Exit 1 if a test fails.
    Selftest {
        #[arg(value_enum)]
        test: Option<TestArg>,
    },
    /// Outbox items by provisional number, state, attempts and last error (no personal
    /// data), as JSON; `retry` or `purge` one (audited).
    Queue {
        #[command(subcommand)]
        action: Option<QueueAction>,
    },
    /// Export the log lines and audit events since a time, and the status, into a new
    /// directory under DIR (e.g. a USB stick), without personal data.
    Logs {
        /// How far back: 7d, 24h, 30m.
        #[arg(long, default_value = "7d", value_parser = parse_since)]
        since: Duration,
        #[arg(long)]
        out: PathBuf,
    },
    /// Pause, resume, or wait for the running kiosk to be idle (needs a running kiosk).
    Service {
        #[command(subcommand)]
        what: Service,
    },
    /// Read one ID card and print it as JSON (number masked unless --reveal). On the
    /// configured reader only with the kiosk stopped: the running kiosk holds it (use
    /// `diag selftest reader`).
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
        None => {
            let cfg = load_config(cli, false)?;
            match kiosk::logging::add_file(&cfg.log_dir()) {
                Ok(path) => tracing::info!(file = %path.display(), "logging to file too"),
                Err(e) => tracing::warn!(error = %e, "no log file; logging to stderr only"),
            }
            kiosk::service::run(cfg).map_err(|e| match e {
                kiosk::service::RunError::Refused(m) => Failure::Refused(m),
                kiosk::service::RunError::Failed(m) => Failure::Failed(m),
            })
        }
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
        Some(Cmd::Pin { what: Pin::Set { role } }) => pin_set(&load_config(cli, true)?, *role),
        Some(Cmd::Diag { what }) => diag(&load_config(cli, true)?, what),
        Some(Cmd::Ime { what: Ime::Hw { strokes, model } }) => ime_hw(cli, strokes, model.clone()),
        Some(Cmd::Ime { what: Ime::Pinyin { query, top } }) => ime_pinyin(cli, query, *top),
        Some(Cmd::Voice { text, out, rate, list }) => voice(text.as_deref(), out.as_deref(), *rate, *list),
        #[cfg(feature = "demo")]
        Some(Cmd::Receipts { out }) => Ok(demo::render_receipts(&Config::demo(), out)?),
        #[cfg(feature = "demo")]
        Some(Cmd::Report { what: Report::Bundles { out } }) => Ok(demo::report_bundles(out)?),
    }
}

/// `kiosk voice`: one prompt to a WAV for a technician, or the prompt table.
fn voice(text: Option<&str>, out: Option<&Path>, rate: u32, list: bool) -> Result<(), Failure> {
    if list {
        for r in kiosk::voice::TABLE {
            let screen = r.screen.map_or("(event)", |s| s.name());
            println!("{:<15} {:<15} {}", r.id, screen, r.text);
        }
        return Ok(());
    }
    let (Some(text), Some(out)) = (text, out) else {
        return Err(Failure::Failed("kiosk voice needs --text and --out (or --list)".into()));
    };
    let started = std::time::Instant::now();
    let secs = kiosk::voice::render_to_file(text, rate, out).map_err(|e| e.to_string())?;
    println!("{}: {secs:.2} s of speech, rendered in {} ms", out.display(), started.elapsed().as_millis());
    Ok(())
}

/// `kiosk ime hw`: the candidates for a stroke file, one per line (rank, character,
/// score); the times on stderr.
/// `kiosk ime pinyin`: each candidate with the letters it spells (and those left for
/// the next pick), then the time the lookup took.
fn ime_pinyin(cli: &Cli, query: &str, top: usize) -> Result<(), Failure> {
    match load_config(cli, true) {
        Ok(cfg) => kiosk::ime::set_site(&cfg.terminal.centre, &cfg.terminal.branch),
        Err(_) if cli.config.is_none() => eprintln!("no configuration: no site ranks first"),
        Err(e) => return Err(e),
    }
    #[cfg(feature = "demo")]
    let cat = kiosk::catalog::Catalog::seed();
    #[cfg(not(feature = "demo"))]
    let cat = kiosk::catalog::Catalog::default();
    let typed = query.trim().to_ascii_lowercase();
    let t0 = std::time::Instant::now();
    kiosk::ime::warm();
    let t1 = std::time::Instant::now();
    if !kiosk::ime::accepts(&typed) {
        return Err(Failure::Failed(format!(
            "“{query}” 拼不成字词: use the letters a–z of whole syllables or their initials \
             (xinxiang, xx), at most {} letters",
            kiosk::ime::MAX_TYPED
        )));
    }
    let all = kiosk::ime::candidates(&typed, &cat);
    let t2 = std::time::Instant::now();
    for (i, c) in all.iter().take(top).enumerate() {
        let (spelt, rest) = typed.split_at(c.consumed.min(typed.len()));
        println!(
            "{}\t{}\t{spelt}{}",
            i + 1,
            c.text,
            if rest.is_empty() { String::new() } else { format!(" + {rest}") }
        );
    }
    eprintln!(
        "{} candidates; index opened in {:.1} ms, looked up in {:.2} ms",
        all.len(),
        (t1 - t0).as_secs_f64() * 1e3,
        (t2 - t1).as_secs_f64() * 1e3
    );
    Ok(())
}

fn ime_hw(cli: &Cli, strokes: &Path, model: Option<PathBuf>) -> Result<(), Failure> {
    use kiosk::handwriting::{parse_strokes, Recognizer, CANDIDATES, DEFAULT_MODEL};
    let model = match model {
        Some(m) => m,
        None => match load_config(cli, true) {
            Ok(cfg) => cfg.input.handwriting_model,
            Err(_) if cli.config.is_none() => PathBuf::from(DEFAULT_MODEL),
            Err(e) => return Err(e),
        },
    };
    let text = std::fs::read_to_string(strokes).map_err(|e| format!("{}: {e}", strokes.display()))?;
    let ink = parse_strokes(&text).map_err(|e| format!("{}: {e}", strokes.display()))?;
    let t0 = std::time::Instant::now();
    let rec = Recognizer::open(&model).map_err(|e| e.to_string())?;
    let t1 = std::time::Instant::now();
    let found = rec.classify(&ink, CANDIDATES).map_err(|e| format!("{}: {e}", strokes.display()))?;
    let t2 = std::time::Instant::now();
    for (i, c) in found.iter().enumerate() {
        println!("{}\t{}\t{:.3}", i + 1, c.text, c.score);
    }
    eprintln!(
        "{} strokes; model {} opened in {:.1} ms, classified in {:.1} ms",
        ink.len(),
        model.display(),
        (t1 - t0).as_secs_f64() * 1e3,
        (t2 - t1).as_secs_f64() * 1e3
    );
    Ok(())
}

fn diag(cfg: &Config, what: &Diag) -> Result<(), Failure> {
    match what {
        Diag::Status => {
            let status = match ask(cfg, &Request::Status)? {
                // In the schema's field order, as the direct path prints it.
                Some(v) => match serde_json::from_value::<kiosk::diag::Status>(v.clone()) {
                    Ok(s) => to_json(&s)?,
                    Err(_) => v,
                },
                None => to_json(&kiosk::diag::status(cfg)?)?,
            };
            print_json(&status)
        }
        Diag::Selftest { test } => {
            let tests: Vec<SelfTestKind> = match test {
                Some(t) => vec![(*t).into()],
                None => SelfTestKind::ALL.to_vec(),
            };
            let mut reports = Vec::new();
            let mut source = Source::Socket;
            for kind in tests {
                let (s, report) = match ask(cfg, &Request::Selftest { test: kind })? {
                    Some(v) => (Source::Socket, v),
                    None => (Source::Direct, selftest_direct(cfg, kind)?),
                };
                source = s;
                reports.push(report);
            }
            let all_ok = reports.iter().all(|r| r["ok"] == true);
            let out = if reports.len() == 1 {
                with_source(reports.remove(0), source)
            } else {
                serde_json::json!({ "source": source.name(), "ok": all_ok, "reports": reports })
            };
            print_json(&out)?;
            if all_ok {
                Ok(())
            } else {
                Err(Failure::Failed("self-test failed (see the JSON above)".into()))
            }
        }
        Diag::Queue { action } => {
            let action = action.as_ref().map(|a| match a {
                QueueAction::Retry { local_no } => control::QueueAction::Retry { local_no: local_no.clone() },
                QueueAction::Purge { local_no } => control::QueueAction::Purge { local_no: local_no.clone() },
            });
            let (source, v) = match ask(cfg, &Request::Queue { action: action.clone() })? {
                Some(v) => (Source::Socket, v),
                None => {
                    let store = open_store(cfg)?;
                    (Source::Direct, kiosk::control::handler::queue_report(&store, action.as_ref())?)
                }
            };
            print_json(&with_source(v, source))
        }
        Diag::Logs { since, out } => diag_logs(cfg, *since, out),
        Diag::Service { what } => {
            let req = match what {
                Service::Pause { reason } => Request::Pause { reason: reason.clone() },
                Service::Resume => Request::Resume,
                Service::WaitIdle { timeout } => Request::WaitIdle { timeout_secs: *timeout },
            };
            match ask(cfg, &req)? {
                Some(v) => print_json(&with_source(v, Source::Socket)),
                None => Err(Failure::Failed(format!(
                    "no kiosk is running (nothing answers on {}): `diag service` needs the running kiosk \
                     (systemctl start kiosk)",
                    cfg.control_socket().display()
                ))),
            }
        }
        Diag::Idcard { port, reveal, timeout } => {
            let socket = cfg.control_socket();
            if port.is_none() && control::client::kiosk_answers(&socket) {
                return Err(Failure::Failed(format!(
                    "the running kiosk (on {}) holds the reader: use `kiosk diag selftest reader`, or stop the \
                     kiosk first",
                    socket.display()
                )));
            }
            Ok(diag_idcard(cfg, port.as_deref(), *reveal, *timeout)?)
        }
    }
}

/// Asks the running kiosk. None: no kiosk answers (the caller goes direct). Says on
/// stderr which it was.
fn ask(cfg: &Config, req: &Request) -> Result<Option<serde_json::Value>, Failure> {
    let socket = cfg.control_socket();
    match control::client::request(&socket, req) {
        Ok(answer) => {
            eprintln!("kiosk diag: answered by the running kiosk ({})", socket.display());
            match (answer.ok, answer.data, answer.error) {
                (true, data, _) => Ok(Some(data.unwrap_or(serde_json::Value::Null))),
                (false, _, error) => Err(Failure::Failed(error.unwrap_or_else(|| "the kiosk refused".into()))),
            }
        }
        Err(ClientError::NotRunning(_)) => {
            if !matches!(req, Request::Pause { .. } | Request::Resume | Request::WaitIdle { .. }) {
                eprintln!(
                    "kiosk diag: no kiosk answers on {}; looking at the devices and the database directly",
                    socket.display()
                );
            }
            Ok(None)
        }
        Err(e) => Err(Failure::Failed(e.to_string())),
    }
}

fn to_json(v: &impl serde::Serialize) -> Result<serde_json::Value, String> {
    serde_json::to_value(v).map_err(|e| e.to_string())
}

fn print_json(v: &serde_json::Value) -> Result<(), Failure> {
    println!("{}", serde_json::to_string_pretty(v).map_err(|e| e.to_string())?);
    Ok(())
}

/// The answer with `"source"` first among its fields (an object; anything else is wrapped).
fn with_source(v: serde_json::Value, source: Source) -> serde_json::Value {
    match v {
        serde_json::Value::Object(map) => {
            let mut out = serde_json::Map::new();
            out.insert("source".into(), source.name().into());
            out.extend(map.into_iter().filter(|(k, _)| k != "source"));
            serde_json::Value::Object(out)
        }
        other => serde_json::json!({ "source": source.name(), "data": other }),
    }
}

/// The database, for the direct path (it must exist: the kiosk creates it).
fn open_store(cfg: &Config) -> Result<kiosk::store::Store, String> {
    let db = cfg.terminal.data_dir.join("kiosk.db");
    if !db.exists() {
        return Err(format!("{}: no database yet", db.display()));
    }
    kiosk::store::Store::open(&db).map_err(|e| e.to_string())
}

/// A self-test with no kiosk running: the CLI opens the devices itself.
fn selftest_direct(cfg: &Config, kind: SelfTestKind) -> Result<serde_json::Value, String> {
    let (devices, _rig) = kiosk::devices::open(cfg).map_err(|e| e.to_string())?;
    let facts = kiosk::runtime::selftest::Facts {
        printer_profile: cfg.devices.printer.profile.clone().unwrap_or_else(|| "generic-80".into()),
        endpoint: (cfg.intake.endpoint != "embedded").then(|| cfg.intake.endpoint.clone()),
        client: None,
        terminal_id: cfg.terminal.id.clone(),
        tz: cfg.terminal.tz(),
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    let report = rt.block_on(kiosk::runtime::selftest::run(kind, devices, facts));
    if let Ok(store) = open_store(cfg) {
        use kiosk::ops::audit::{AuditEvent, Outcome};
        let outcome = if report.ok { Outcome::Ok } else { Outcome::Failed };
        let summary = kiosk::logging::scrub(&report.summary);
        let _ = store.audit_event(AuditEvent::selftest(kind), kiosk::ops::Actor::Cli, outcome, &summary);
    }
    to_json(&report)
}

/// `7d`, `24h`, `30m`.
fn parse_since(s: &str) -> Result<Duration, String> {
    let want = "a number and a unit: 7d, 24h or 30m";
    let t = s.trim();
    let last = t.char_indices().last().map_or(0, |(i, _)| i);
    let (num, unit) = t.split_at(last);
    let n: u64 = num.parse().map_err(|_| format!("`{s}`: {want}"))?;
    let secs = match unit {
        "d" => 86_400,
        "h" => 3_600,
        "m" => 60,
        _ => return Err(format!("`{s}`: {want}")),
    };
    if n == 0 {
        return Err(format!("`{s}`: must be more than 0"));
    }
    Ok(Duration::from_secs(n.saturating_mul(secs)))
}

/// `diag logs`: log lines, audit events (socket or database) and the status, written
/// into a new directory under `out`, every byte through `logging::scrub`.
fn diag_logs(cfg: &Config, since: Duration, out: &Path) -> Result<(), Failure> {
    let since_ms = kiosk::store::now_ms() - i64::try_from(since.as_millis()).unwrap_or(i64::MAX / 2);
    let (source, status) = match ask(cfg, &Request::Status)? {
        Some(v) => (Source::Socket, v),
        None => (Source::Direct, to_json(&kiosk::diag::status(cfg)?)?),
    };
    let audit = match source {
        Source::Socket => ask(cfg, &Request::Audit { since_ms })?.unwrap_or_default(),
        Source::Direct => match open_store(cfg) {
            Ok(store) => {
                use kiosk::ops::audit::{AuditEvent, Outcome};
                let rows = store.audit_since(since_ms).map_err(|e| e.to_string())?;
                let detail = format!("{} audit rows since {since_ms}", rows.len());
                let _ = store.audit_event(AuditEvent::LogsExport, kiosk::ops::Actor::Cli, Outcome::Ok, &detail);
                to_json(&rows)?
            }
            Err(_) => serde_json::Value::Array(Vec::new()),
        },
    };
    let rows: Vec<serde_json::Value> = match audit {
        serde_json::Value::Array(rows) => rows,
        _ => Vec::new(),
    };
    let lines = kiosk::logging::lines_since(&cfg.log_dir(), since_ms);
    let export = kiosk::diag::Export {
        terminal: &cfg.terminal.id,
        since_ms,
        source,
        status: &status,
        audit: &rows,
        log_lines: &lines,
        log_dir: &cfg.log_dir(),
    };
    let manifest = kiosk::diag::write_export(out, &export)?;
    print_json(&manifest)
}

/// `kiosk pin set`: the PIN from stdin (twice, without echo, on a terminal).
fn pin_set(cfg: &Config, role: RoleArg) -> Result<(), Failure> {
    use std::io::IsTerminal;
    let role = match role {
        RoleArg::Host => kiosk::ops::Role::Host,
        RoleArg::Technician => kiosk::ops::Role::Technician,
    };
    let pin = if std::io::stdin().is_terminal() {
        let first = read_secret(&format!("{} ({}) 新密码 / new PIN (6 digits): ", role.label_zh(), role.name()))?;
        let again = read_secret("再输入一次 / again: ")?;
        if first != again {
            return Err(Failure::Failed("两次输入不一致 / the two PINs differ; nothing changed".into()));
        }
        first
    } else {
        let mut line = String::new();
        std::io::stdin().read_line(&mut line).map_err(|e| format!("stdin: {e}"))?;
        line
    };
    let pin = zeroize::Zeroizing::new(pin.trim_end_matches(['\r', '\n']).to_string());
    let path = kiosk::pin::set_from_cli(cfg, role, &pin).map_err(|e| Failure::Failed(e.to_string()))?;
    println!("{} ({}) PIN set: {}", role.label_zh(), role.name(), path.display());
    Ok(())
}

/// One line from the terminal with echo off.
fn read_secret(prompt: &str) -> Result<String, String> {
    use std::io::Write;
    eprint!("{prompt}");
    let _ = std::io::stderr().flush();
    // SAFETY: termios calls on fd 0 with a zeroed, then filled, struct; restored below.
    let saved = unsafe {
        let mut t: libc::termios = std::mem::zeroed();
        if libc::tcgetattr(0, &mut t) == 0 {
            let mut quiet = t;
            quiet.c_lflag &= !libc::ECHO;
            libc::tcsetattr(0, libc::TCSANOW, &quiet);
            Some(t)
        } else {
            None
        }
    };
    let mut line = String::new();
    let res = std::io::stdin().read_line(&mut line);
    if let Some(t) = saved {
        // SAFETY: restores the attributes read above.
        unsafe { libc::tcsetattr(0, libc::TCSANOW, &t) };
    }
    eprintln!();
    res.map_err(|e| format!("stdin: {e}"))?;
    Ok(line.trim_end_matches(['\r', '\n']).to_string())
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
    use std::path::Path;

    pub fn screenshot(out: &Path, screen: &str, elder: bool) -> Result<(), String> {
        let catalog = kiosk::catalog::Catalog::seed();
        let mut state =
            kiosk::headless::screen_state(screen, &catalog).ok_or_else(|| format!("unknown screen `{screen}`"))?;
        kiosk::headless::init(false).map_err(|e| e.to_string())?;
        let app = kiosk::headless::new_window().map_err(|e| e.to_string())?;
        let cfg = Config::demo();
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
            for (name, doc) in kiosk::receipt::samples(&catalog, &site, mm) {
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

//! Assembles a running kiosk from its configuration: store, outbox key, intake client
//! (or the embedded simulator), outbox worker, devices and the journey runtime.

use crate::catalog::{Catalog, CatalogCell};
use crate::config::Config;
use crate::intake::{catalog_sync, IntakeClient, SigningKey, SigningKeyFile};
use crate::journey::Timing;
use crate::outbox::{Sealer, Worker};
use crate::profile::ProfileStore;
use crate::runtime::{self, Devices, EventTx, Services, TerminalInfo, ViewSink};
use crate::store::Store;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Notify;

#[cfg(feature = "demo")]
use intake_sim::{Sim, SimHandle};

/// Without the `demo` feature there is no embedded simulator, so never a handle.
#[cfg(not(feature = "demo"))]
#[derive(Debug)]
pub enum SimHandle {}

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("数据目录 {0} 无法创建: {1}")]
    DataDir(String, std::io::Error),
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
    #[error(transparent)]
    Seal(#[from] crate::outbox::SealError),
    #[error(transparent)]
    SigningKey(#[from] crate::intake::sign::KeyError),
    #[error("intake: {0}")]
    Intake(String),
    #[error(transparent)]
    Device(#[from] crate::devices::DeviceError),
    /// A production terminal never creates its keys at run time: a key that vanished
    /// would silently make every queued case unreadable.
    #[error("密钥文件 {0} 不存在 / key file missing: create the terminal's keys with `kiosk keys init --config <file>` (at install time)")]
    KeysMissing(String),
    /// The outbox key vanished while sealed cases wait in the database: starting would
    /// make them unreadable (and a new key would hide that).
    #[error("密钥文件 {0} 不存在，但数据库中有 {1} 条加密记录 / key file missing while {1} sealed rows wait: restore the key file from the terminal's backup (same path, mode 0600) and start again; only if it is lost for good, move the data directory aside and run `kiosk keys init`")]
    KeyLostWithRows(String, i64),
    #[error(transparent)]
    Identity(#[from] crate::outbox::identity::IdentityError),
    #[error("一人一档: {0}")]
    Profile(String),
    #[error(transparent)]
    Control(#[from] crate::control::server::BindError),
}

impl StartError {
    /// A refusal a restart cannot fix (exit 2), as opposed to a failure (exit 1).
    pub fn is_refusal(&self) -> bool {
        matches!(
            self,
            StartError::KeysMissing(_)
                | StartError::KeyLostWithRows(..)
                | StartError::Seal(_)
                | StartError::SigningKey(_)
                | StartError::Identity(_)
        )
    }
}

/// Where the outbox key and the request signing key live (default: the data dir).
pub fn key_paths(cfg: &Config) -> (std::path::PathBuf, std::path::PathBuf) {
    cfg.key_paths()
}

/// The installation's identity file (install id + database generation), kept with the keys.
pub fn identity_path(cfg: &Config) -> std::path::PathBuf {
    let (key, _) = key_paths(cfg);
    key.with_file_name("install.id")
}

/// A production terminal's keys must exist (made by `kiosk keys init`); demo makes its own.
pub fn check_keys(cfg: &Config) -> Result<(), StartError> {
    // Demo or not: sealed rows without their key are never silently given a new one.
    let (key, _) = key_paths(cfg);
    let db = cfg.terminal.data_dir.join("kiosk.db");
    if !key.exists() && db.exists() {
        let rows = Store::open(&db).and_then(|s| s.sealed_rows()).unwrap_or(0);
        if rows > 0 {
            return Err(StartError::KeyLostWithRows(key.display().to_string(), rows));
        }
    }
    // The same for the 一人一档 lookup key: a new one would orphan every profile.
    let lookup = profile_key_path(cfg);
    if !lookup.exists() && db.exists() {
        let rows = crate::profile::ProfileStore::rows_in(&db).unwrap_or(0);
        if rows > 0 {
            return Err(StartError::KeyLostWithRows(lookup.display().to_string(), rows));
        }
    }
    if cfg.is_demo() {
        return Ok(());
    }
    let (key, sign_path) = key_paths(cfg);
    let missing = [key, sign_path, lookup].into_iter().find(|p| !p.exists());
    match missing {
        Some(missing) => Err(StartError::KeysMissing(missing.display().to_string())),
        None => Ok(()),
    }
}

/// `kiosk keys init`: creates the keys that are missing, never replacing one.
/// Returns (what, path, created).
pub fn init_keys(cfg: &Config) -> Result<Vec<(&'static str, std::path::PathBuf, bool)>, StartError> {
    let dir = &cfg.terminal.data_dir;
    std::fs::create_dir_all(dir).map_err(|e| StartError::DataDir(dir.display().to_string(), e))?;
    let (outbox, signing) = key_paths(cfg);
    let created = (!outbox.exists(), !signing.exists());
    Sealer::load_or_create(&outbox)?;
    SigningKey::load_or_create(&cfg.terminal.id, &signing)?;
    let ident = identity_path(cfg);
    let id_created = !ident.exists();
    crate::outbox::identity::load_or_create(&ident)?;
    let lookup = profile_key_path(cfg);
    let lookup_created = !lookup.exists();
    crate::profile::ProfileStore::load_or_create_key(&lookup).map_err(|e| StartError::Profile(e.to_string()))?;
    Ok(vec![
        ("outbox key", outbox, created.0),
        ("signing key", signing, created.1),
        ("install identity", ident, id_created),
        ("一人一档 lookup key", lookup, lookup_created),
    ])
}

/// The 一人一档 lookup key, kept with the outbox key.
pub fn profile_key_path(cfg: &Config) -> std::path::PathBuf {
    let (key, _) = key_paths(cfg);
    key.with_file_name("profile.key")
}

pub struct Kiosk {
    pub rt: tokio::runtime::Runtime,
    pub tx: EventTx,
    pub store: Arc<Store>,
    pub sim: Option<SimHandle>,
    /// The catalog at start (tests map taps with it).
    pub catalog: Arc<Catalog>,
    /// The catalog in use, swapped by sync.
    pub catalog_cell: Arc<CatalogCell>,
    pub outbox_wake: Arc<Notify>,
    /// Requests to the journey loop (watchdog pings, shutdown).
    pub ctl: runtime::ControlTx,
    /// The background tasks that must show signs of life.
    pub live: Arc<crate::supervise::Liveness>,
    /// Live facts (uptime, screen shown, last frame) for the heartbeat and diag.
    pub ops: Arc<crate::ops::Ops>,
    /// Set while a citizen's session is open.
    pub in_session: Arc<std::sync::atomic::AtomicBool>,
}

/// How often the terminal asks the platform for a newer catalog.
const CATALOG_SYNC_EVERY: Duration = Duration::from_secs(15 * 60);

pub fn terminal_info(cfg: &Config) -> TerminalInfo {
    let t = &cfg.terminal;
    TerminalInfo {
        id: t.id.clone(),
        site: t.site(),
        help_phone: t.help_phone.clone(),
        progress_url: t.progress_url.clone(),
        online_app: t.online_app.clone(),
        deferral_days: t.deferral_days,
        timing: Timing { idle_timeout: t.idle_timeout_secs, warn_at: t.idle_warning_secs, farewell: t.farewell_secs },
        rating: cfg.rating.clone(),
        id_types: cfg.id_types.clone(),
        tz: t.tz(),
        submit_deadline: Duration::from_secs(t.submit_deadline_secs),
    }
}

/// The catalog a terminal starts from before any sync: the demo's sample catalog, or
/// the file a deployer provides. A production package ships none.
fn shipped_catalog(cfg: &Config, store: &Store) -> Option<Catalog> {
    if let Some(path) = &cfg.catalog.file {
        let loaded = std::fs::read_to_string(path)
            .map_err(|e| e.to_string())
            .and_then(|body| Catalog::parse(&body, &path.display().to_string()).map_err(|e| e.to_string()));
        match loaded {
            Ok(c) => return Some(c),
            Err(e) => {
                tracing::error!(error = %e, "catalog file unusable");
                let _ = store.raise_alert("catalog", &format!("服务目录文件不可用 / catalog file unusable: {e}"));
            }
        }
    }
    #[cfg(feature = "demo")]
    if cfg.is_demo() {
        return Some(Catalog::seed());
    }
    None
}

/// The configured printer profile, by name, for the test page.
fn printer_profile_name(cfg: &Config) -> String {
    use kiosk_hardware::printer::PrinterProfile;
    let p = cfg.devices.printer.profile.as_deref().and_then(PrinterProfile::by_id);
    p.map_or_else(|| "generic 80 mm".to_string(), |p| p.name.to_string())
}

/// What the technician's pages show that does not change while running.
pub fn maint_facts(cfg: &Config) -> runtime::MaintFacts {
    let commit = env!("KIOSK_GIT_COMMIT").to_string();
    let logs = cfg.terminal.data_dir.join("logs");
    runtime::MaintFacts {
        versions: vec![
            ("软件版本".into(), env!("CARGO_PKG_VERSION").to_string()),
            ("代码提交".into(), commit),
            ("终端编号".into(), cfg.terminal.id.clone()),
            ("运行模式".into(), if cfg.is_demo() { "演示 demo".into() } else { "正式 production".into() }),
            ("配置校验和".into(), cfg.sha256().chars().take(16).collect()),
        ],
        config: cfg.masked_lines(),
        logs: vec![
            ("日志目录".into(), logs.display().to_string()),
            ("导出命令".into(), "kiosk diag logs --since 7d --out /media/usb".into()),
        ],
    }
}

impl Kiosk {
    pub fn start(cfg: &Config, devices: Devices, sink: ViewSink) -> Result<Kiosk, StartError> {
        let dir = &cfg.terminal.data_dir;
        // 拼音: the terminal's own city and district come first among the candidates.
        crate::ime::set_site(&cfg.terminal.centre, &cfg.terminal.branch);
        std::fs::create_dir_all(dir).map_err(|e| StartError::DataDir(dir.display().to_string(), e))?;
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .thread_name("kiosk-rt")
            .build()
            .map_err(|e| StartError::Intake(e.to_string()))?;
        check_keys(cfg)?;
        let (key, sign_path) = key_paths(cfg);
        // A corrupt database is moved aside (host alert); the keys stay for its recovery.
        let (store, quarantined) = Store::open_checked(&dir.join("kiosk.db"))?;
        if let Some(q) = quarantined {
            tracing::error!(moved_to = %q.display(), "corrupt database quarantined");
        }
        let store = Arc::new(store);
        if !key.exists() {
            let rows = store.sealed_rows()?;
            if rows > 0 {
                return Err(StartError::KeyLostWithRows(key.display().to_string(), rows));
            }
        }
        let sealer = Arc::new(Sealer::load_or_create(&key)?.with_alg(cfg.intake.seal_algorithm));
        crate::outbox::identity::adopt(&store, &identity_path(cfg))?;
        let signing = SigningKey::load_or_create(&cfg.terminal.id, &sign_path)?.with_alg(cfg.intake.sign_algorithm);
        // Offline start: the cached platform catalog, or the shipped one if newer.
        let cell = Arc::new(catalog_sync::from_cache(&store, shipped_catalog(cfg, &store)));
        let catalog = cell.current();
        let profiles = ProfileStore::load_or_create_key(&profile_key_path(cfg))
            .and_then(|k| ProfileStore::open(&dir.join("kiosk.db"), sealer.clone(), k))
            .map_err(|e| tracing::warn!(error = %e, "一人一档 unavailable"))
            .ok()
            .map(Arc::new);

        let (sim, base) = if cfg.intake.endpoint == "embedded" {
            #[cfg(feature = "demo")]
            {
                let sim_state = Sim::open(&dir.join("intake-sim.db"), crate::catalog::Catalog::seed().to_json())
                    .map_err(|e| StartError::Intake(e.to_string()))?;
                sim_state.register_terminal_alg(&cfg.terminal.id, signing.secret(), signing.alg());
                let h = rt
                    .block_on(intake_sim::start("127.0.0.1:0".parse().expect("literal address"), sim_state))
                    .map_err(|e| StartError::Intake(e.to_string()))?;
                let base = h.base_url();
                tracing::info!(%base, "embedded intake simulator");
                (Some(h), base)
            }
            #[cfg(not(feature = "demo"))]
            return Err(StartError::Intake("embedded simulator not in this build".into()));
        } else {
            (None, cfg.intake.endpoint.clone())
        };
        let http = crate::intake::client::HttpOptions {
            ca_bundle: cfg.intake.ca_bundle.clone(),
            proxy: cfg.intake.proxy.clone(),
            max_body: 0,
        };
        let client = IntakeClient::with_options(&base, Duration::from_secs(cfg.intake.timeout_secs), signing, &http)
            .map_err(|e| StartError::Intake(e.to_string()))?;
        let live = crate::supervise::Liveness::new();
        let rth = rt.handle().clone();
        {
            let (cell, store) = (cell.clone(), store.clone());
            let client = client.clone();
            let beat = live.register("catalog-sync", CATALOG_SYNC_EVERY * 2);
            // Until the first catalog arrives (a new terminal), ask every minute.
            let empty_retry = Duration::from_secs(60);
            crate::supervise::spawn(&rth, &live, "catalog-sync", async move {
                loop {
                    beat.beat();
                    catalog_sync::sync_once(&cell, Some(&store), &client).await;
                    let wait = if cell.current().bundles.is_empty() { empty_retry } else { CATALOG_SYNC_EVERY };
                    tokio::time::sleep(wait).await;
                }
            });
        }
        let monitor = (devices.clone(), client.clone());
        let ops_client = client.clone();
        let wake = Arc::new(Notify::new());
        let worker =
            Worker::new(store.clone(), sealer.clone(), client, wake.clone()).with_policy(crate::outbox::Policy {
                alert_after: cfg.intake.alert_after_attempts as i64,
                retention: cfg.retention.policy(),
                ..Default::default()
            });
        let silence = worker.max_silence();
        let worker = worker.with_beat(live.register("outbox", silence));
        crate::supervise::spawn(&rth, &live, "outbox", worker.run());

        let in_session = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let ops = Arc::new(crate::ops::Ops::default());
        let pins = Arc::new(crate::pin::Pins::open(dir, store.clone()));
        let selftest = crate::runtime::selftest::Facts {
            printer_profile: printer_profile_name(cfg),
            endpoint: (cfg.intake.endpoint != "embedded").then(|| cfg.intake.endpoint.clone()),
            client: Some(ops_client.clone()),
            terminal_id: cfg.terminal.id.clone(),
            tz: cfg.terminal.tz(),
        };
        // For the control socket (started at the end).
        let for_control = (devices.clone(), selftest.clone());
        let services = Services {
            ops: ops.clone(),
            pins: Some(pins),
            client: Some(ops_client),
            chime: Arc::new(crate::runtime::chime::Aplay::new(dir.join("sounds"))),
            selftest,
            facts: maint_facts(cfg),
            in_session: in_session.clone(),
            catalog: cell.clone(),
            profiles,
            store: store.clone(),
            sealer,
            outbox_wake: wake.clone(),
            terminal: terminal_info(cfg),
            handwriting: Arc::new(crate::handwriting::Handwriting::new(&cfg.input.handwriting_model)),
        };
        let (tx, ctl, journey) = runtime::start(rt.handle(), services, devices, sink);
        crate::supervise::watch(&rth, &live, "journey", journey);
        let every = Duration::from_secs(cfg.terminal.heartbeat_secs);
        let beat = live.register("monitor", every * 3 + Duration::from_secs(60 + 2 * cfg.intake.timeout_secs));
        crate::supervise::spawn(
            &rth,
            &live,
            "monitor",
            runtime::monitor::run(
                monitor.0,
                store.clone(),
                monitor.1,
                runtime::monitor::Schedule {
                    terminal: cfg.terminal.id.clone(),
                    every,
                    beat,
                    facts: runtime::monitor::HeartbeatFacts {
                        ops: ops.clone(),
                        catalog: cell.clone(),
                        config_sha256: cfg.sha256().to_string(),
                        tz: cfg.terminal.tz(),
                    },
                },
                tx.clone(),
                in_session.clone(),
            ),
        );
        // The control socket (`kiosk diag …` while the kiosk runs). Another kiosk answering
        // on it is fatal (two kiosks would share devices and data); any other failure
        // leaves the terminal serving citizens without it, and the host is told.
        {
            let path = cfg.control_socket();
            let handler = crate::control::handler::KioskHandler::new(crate::control::handler::Parts {
                cfg: cfg.clone(),
                store: store.clone(),
                ctl: ctl.clone(),
                in_session: in_session.clone(),
                ops: ops.clone(),
                devices: for_control.0,
                catalog: cell.clone(),
                outbox_wake: wake.clone(),
                selftest: for_control.1,
            });
            match crate::control::server::bind(&path) {
                Ok(listener) => {
                    let _rt = rt.enter();
                    let server = crate::control::server::Server::new(
                        listener,
                        &path,
                        Arc::new(handler),
                        crate::control::server::Limits::default(),
                    )
                    .map_err(|e| {
                        StartError::Control(crate::control::server::BindError::Io(path.display().to_string(), e))
                    })?;
                    crate::supervise::spawn(&rth, &live, "control", server.run());
                }
                Err(e @ crate::control::server::BindError::InUse(_)) => return Err(StartError::Control(e)),
                Err(e) => {
                    tracing::error!(error = %e, "control socket unavailable; `kiosk diag` cannot reach this kiosk");
                    let _ = store.raise_alert("control", &format!("控制接口不可用 / control socket unavailable: {e}"));
                }
            }
        }
        Ok(Kiosk { rt, tx, store, sim, catalog, catalog_cell: cell, outbox_wake: wake, ctl, live, ops, in_session })
    }
}

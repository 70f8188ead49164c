//! Assembles a running kiosk from its configuration: store, outbox key, intake client
//! (or the embedded simulator), outbox worker, devices and the journey runtime.

use crate::catalog::profile::ProfileStore;
use crate::catalog::sync::{self as catalog_sync, CatalogCell};
use crate::catalog::Catalog;
use crate::config::Config;
use crate::intake::sim::{self, Sim, SimHandle};
use crate::intake::{IntakeClient, SigningKey};
use crate::journey::Timing;
use crate::outbox::{Sealer, Worker};
use crate::runtime::{self, Devices, EventTx, Services, TerminalInfo, ViewSink};
use crate::store::Store;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Notify;

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
}

/// How often the terminal asks the platform for a newer catalog.
const CATALOG_SYNC_EVERY: Duration = Duration::from_secs(15 * 60);

pub fn terminal_info(cfg: &Config) -> TerminalInfo {
    let t = &cfg.terminal;
    TerminalInfo {
        id: t.id.clone(),
        site: t.site.clone(),
        help_phone: t.help_phone.clone(),
        progress_url: t.progress_url.clone(),
        timing: Timing { idle_timeout: t.idle_timeout_secs, ..Timing::default() },
        rating: cfg.rating.clone(),
    }
}

impl Kiosk {
    pub fn start(cfg: &Config, devices: Devices, sink: ViewSink) -> Result<Kiosk, StartError> {
        let dir = &cfg.terminal.data_dir;
        std::fs::create_dir_all(dir).map_err(|e| StartError::DataDir(dir.display().to_string(), e))?;
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .thread_name("kiosk-rt")
            .build()
            .map_err(|e| StartError::Intake(e.to_string()))?;
        let store = Arc::new(Store::open(&dir.join("kiosk.db"))?);
        let key = cfg.intake.key_file.clone().unwrap_or_else(|| dir.join("outbox.key"));
        let sealer = Arc::new(Sealer::load_or_create(&key)?);
        let sign_path = cfg.intake.signing_key_file.clone().unwrap_or_else(|| dir.join("signing.key"));
        let signing = SigningKey::load_or_create(&cfg.terminal.id, &sign_path)?;
        // Offline start: the cached platform catalog, or the shipped one if newer.
        let cell = Arc::new(CatalogCell::from_cache(&store));
        let catalog = cell.current();
        let profiles = ProfileStore::load_or_create_salt(&dir.join("profile.salt"))
            .and_then(|salt| ProfileStore::open(&dir.join("kiosk.db"), sealer.clone(), salt))
            .map_err(|e| tracing::warn!(error = %e, "一人一档 unavailable"))
            .ok()
            .map(Arc::new);

        let (sim, base) = if cfg.intake.endpoint == "embedded" {
            let sim_state = Sim::open(&dir.join("intake-sim.db"), crate::catalog::Catalog::seed().to_json())
                .map_err(|e| StartError::Intake(e.to_string()))?;
            sim_state.register_terminal(&cfg.terminal.id, signing.secret());
            let h = rt
                .block_on(sim::start("127.0.0.1:0".parse().expect("literal address"), sim_state))
                .map_err(|e| StartError::Intake(e.to_string()))?;
            let base = h.base_url();
            tracing::info!(%base, "embedded intake simulator");
            (Some(h), base)
        } else {
            (None, cfg.intake.endpoint.clone())
        };
        let client = IntakeClient::new(&base, Duration::from_secs(cfg.intake.timeout_secs), signing)
            .map_err(|e| StartError::Intake(e.to_string()))?;
        {
            let (cell, store) = (cell.clone(), store.clone());
            let client = client.clone();
            rt.spawn(async move {
                let mut iv = tokio::time::interval(CATALOG_SYNC_EVERY);
                loop {
                    iv.tick().await;
                    catalog_sync::sync_once(&cell, Some(&store), &client).await;
                }
            });
        }
        let monitor = (devices.clone(), client.clone());
        let wake = Arc::new(Notify::new());
        let worker = Worker::new(store.clone(), sealer.clone(), client, wake.clone());
        rt.spawn(worker.run());

        let in_session = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let services = Services {
            in_session: in_session.clone(),
            catalog: cell.clone(),
            profiles,
            store: store.clone(),
            sealer,
            outbox_wake: wake.clone(),
            terminal: terminal_info(cfg),
        };
        let tx = runtime::start(rt.handle(), services, devices, sink);
        rt.spawn(runtime::monitor::run(
            monitor.0,
            store.clone(),
            monitor.1,
            cfg.terminal.id.clone(),
            Duration::from_secs(cfg.terminal.heartbeat_secs),
            tx.clone(),
            in_session,
        ));
        Ok(Kiosk { rt, tx, store, sim, catalog, catalog_cell: cell, outbox_wake: wake })
    }
}

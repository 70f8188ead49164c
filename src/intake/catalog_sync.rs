//! 同源发布、同步更新: the catalog comes from the platform with a version. A new
//! version is validated, cached in SQLite and then swapped in atomically; an invalid or
//! older one is rejected and logged, and the catalog in use stays. Offline, the kiosk
//! starts from the cache (or the shipped seed when that is newer).

use crate::catalog::{compare_versions, Catalog, CatalogCell};
use crate::intake::IntakeClient;
use crate::store::Store;
use std::cmp::Ordering;

/// The newest of the cached platform catalog and `shipped` (the demo's sample
/// catalog, or a file the deployer provides). A cached catalog that no longer
/// validates (e.g. after a software update) is skipped. With neither, the catalog is
/// empty and the terminal shows that it is out of service until the first sync.
pub fn from_cache(store: &Store, shipped: Option<Catalog>) -> CatalogCell {
    let seed = shipped.unwrap_or_default();
    let cached = match store.active_catalog() {
        Ok(Some((version, body))) => match Catalog::parse(&body, &format!("catalog cache {version}")) {
            Ok(c) => Some(c),
            Err(e) => {
                tracing::warn!(error = %e, "cached catalog rejected, using the shipped one");
                None
            }
        },
        Ok(None) => None,
        Err(e) => {
            tracing::warn!(error = %e, "catalog cache unreadable, using the shipped one");
            None
        }
    };
    match cached {
        Some(c) if seed.version.is_empty() || compare_versions(&c.version, &seed.version) != Ordering::Less => {
            CatalogCell::new(c)
        }
        _ => CatalogCell::new(seed),
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SyncOutcome {
    Updated {
        from: String,
        to: String,
    },
    /// Same or older version than the one in use: nothing to do.
    Unchanged {
        current: String,
        offered: String,
    },
    /// Invalid: rejected, the old catalog kept. The reason names file and entry.
    Rejected(String),
}

/// Validates `body` (the platform's document) and swaps it in if it is newer.
pub fn apply(cell: &CatalogCell, store: Option<&Store>, body: &str) -> SyncOutcome {
    let new = match Catalog::parse(body, "platform catalog") {
        Ok(c) => c,
        Err(e) => {
            tracing::warn!(error = %e, "catalog from the platform rejected; keeping the current one");
            if let Some(s) = store {
                let _ = s.audit("catalog_rejected", &e.to_string());
            }
            return SyncOutcome::Rejected(e.to_string());
        }
    };
    let from = cell.current().version.clone();
    // An empty cell (a production terminal's first start) takes any valid catalog.
    if !from.is_empty() && compare_versions(&new.version, &from) != Ordering::Greater {
        return SyncOutcome::Unchanged { current: from, offered: new.version };
    }
    // Cache first: if the kiosk restarts offline it comes back with what it showed.
    if let Some(s) = store {
        if let Err(e) = s.save_catalog(&new.version, body) {
            tracing::warn!(error = %e, "catalog cache write failed; using the new catalog in memory only");
        }
        let _ = s.audit("catalog_updated", &format!("{from} -> {}", new.version));
    }
    let to = new.version.clone();
    cell.swap(new);
    tracing::info!(%from, %to, "catalog updated");
    SyncOutcome::Updated { from, to }
}

/// Fetches the platform catalog once. A network failure keeps the current catalog.
/// Parsing and the cache write run on the blocking pool, off the async threads.
pub async fn sync_once(
    cell: &std::sync::Arc<CatalogCell>,
    store: Option<&std::sync::Arc<Store>>,
    client: &IntakeClient,
) -> SyncOutcome {
    match client.fetch_catalog().await {
        Ok(body) => {
            let (c, s) = (cell.clone(), store.cloned());
            match tokio::task::spawn_blocking(move || apply(&c, s.as_deref(), &body)).await {
                Ok(outcome) => outcome,
                Err(e) => {
                    tracing::error!(error = %e, "catalog apply task failed");
                    let v = cell.current().version.clone();
                    SyncOutcome::Unchanged { current: v.clone(), offered: v }
                }
            }
        }
        Err(e) => {
            tracing::info!(error = %e, "catalog sync skipped (offline?)");
            let v = cell.current().version.clone();
            SyncOutcome::Unchanged { current: v.clone(), offered: v }
        }
    }
}

//! 同源发布、同步更新: the catalog comes from the platform with a version. A new
//! version is validated, cached in SQLite and then swapped in atomically; an invalid or
//! older one is rejected and logged, and the catalog in use stays. Offline, the kiosk
//! starts from the cache (or the shipped seed when that is newer).

use super::Catalog;
use crate::store::Store;
use std::cmp::Ordering;
use std::sync::{Arc, RwLock};

/// The catalog in use. Readers take a cheap `Arc` snapshot; a swap never blocks them
/// for longer than a pointer copy, and a journey step sees one consistent version.
#[derive(Debug)]
pub struct CatalogCell {
    inner: RwLock<Arc<Catalog>>,
}

impl CatalogCell {
    pub fn new(cat: Catalog) -> Self {
        Self { inner: RwLock::new(Arc::new(cat)) }
    }

    pub fn current(&self) -> Arc<Catalog> {
        self.inner.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    fn swap(&self, cat: Catalog) {
        *self.inner.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(cat);
    }

    /// The newest of the cached platform catalog and `shipped` (the demo's sample
    /// catalog, or a file the deployer provides). A cached catalog that no longer
    /// validates (e.g. after a software update) is skipped. With neither, the catalog is
    /// empty and the terminal shows that it is out of service until the first sync.
    pub fn from_cache(store: &Store, shipped: Option<Catalog>) -> Self {
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
                Self::new(c)
            }
            _ => Self::new(seed),
        }
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
pub async fn sync_once(cell: &CatalogCell, store: Option<&Store>, client: &crate::intake::IntakeClient) -> SyncOutcome {
    match client.fetch_catalog().await {
        Ok(body) => apply(cell, store, &body),
        Err(e) => {
            tracing::info!(error = %e, "catalog sync skipped (offline?)");
            let v = cell.current().version.clone();
            SyncOutcome::Unchanged { current: v.clone(), offered: v }
        }
    }
}

/// Orders versions like `2026.11.1-sample`: numeric parts as numbers, others as text.
pub fn compare_versions(a: &str, b: &str) -> Ordering {
    let parts = |s: &str| -> Vec<(u64, String)> {
        s.split(['.', '-', '_'])
            .map(|p| p.parse::<u64>().map_or((u64::MAX, p.to_string()), |n| (n, String::new())))
            .collect()
    };
    parts(a).cmp(&parts(b))
}

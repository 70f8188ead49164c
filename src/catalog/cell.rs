//! The catalog in use and how versions compare; pure, no I/O. Fetching, validating
//! and caching a new version is the intake module's `catalog_sync`.

use super::Catalog;
use arc_swap::ArcSwap;
use std::cmp::Ordering;
use std::sync::Arc;

/// The catalog in use. Readers take a cheap `Arc` snapshot without a lock; a swap
/// never blocks them, and a journey step sees one consistent version.
#[derive(Debug)]
pub struct CatalogCell {
    inner: ArcSwap<Catalog>,
}

impl CatalogCell {
    pub fn new(cat: Catalog) -> Self {
        Self { inner: ArcSwap::from_pointee(cat) }
    }

    pub fn current(&self) -> Arc<Catalog> {
        self.inner.load_full()
    }

    /// Puts a validated catalog in use.
    pub fn swap(&self, cat: Catalog) {
        self.inner.store(Arc::new(cat));
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

//! Service catalog: matters (事项), bundles (一件事), the merge of a chosen set of
//! sub-items into one form and one material list, the 一次告知 notice, search and the
//! cell holding the catalog in use. Pure data and rules: sync from the platform is
//! `intake::catalog_sync`, 一人一档 is `profile`.

pub mod calendar;
mod cell;
mod load;
mod merge;
mod model;
pub mod notice;
pub mod report;
pub mod search;

pub use calendar::WorkCalendar;
pub use cell::{compare_versions, CatalogCell};
pub use load::CatalogError;
#[cfg(any(test, feature = "demo"))]
pub use load::SEED_FILES;
pub use merge::{MergedField, MergedMaterial};
pub use model::*;

use serde::{Deserialize, Serialize};
use std::collections::HashMap;

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Catalog {
    pub version: String,
    #[serde(default)]
    pub note: String,
    pub fields: Vec<FieldDef>,
    pub materials: Vec<MaterialDef>,
    pub matters: Vec<Matter>,
    pub bundles: Vec<Bundle>,
    /// The platform's page with the full 一次性告知书 (`?bundle=<id>&items=<codes>` is
    /// appended): the QR on the short notice printed on 58 mm paper.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub notice_url: String,
    /// Public holidays and 调休 working days, published with the catalog; empty = only
    /// weekends are days off.
    #[serde(default, skip_serializing_if = "kiosk_api::wire::WorkCalendarDto::is_empty")]
    pub calendar: kiosk_api::wire::WorkCalendarDto,
    /// Built once after validation: lookups, one-matter bundles, the search index.
    #[serde(skip)]
    derived: Derived,
}

#[derive(Debug, Clone, Default)]
struct Derived {
    matter_at: HashMap<String, usize>,
    material_at: HashMap<String, usize>,
    field_at: HashMap<String, usize>,
    /// A bundle of one for each matter that belongs to no bundle, so a standalone
    /// matter found by search goes through the same journey.
    singles: Vec<Bundle>,
    index: search::Index,
    calendar: WorkCalendar,
}

impl Catalog {
    /// Lookup maps; validation needs them before the rest is derived.
    fn derive_lookups(&mut self) {
        let d = &mut self.derived;
        d.matter_at = self.matters.iter().enumerate().map(|(i, m)| (m.code.clone(), i)).collect();
        d.material_at = self.materials.iter().enumerate().map(|(i, m)| (m.key.clone(), i)).collect();
        d.field_at = self.fields.iter().enumerate().map(|(i, f)| (f.key.clone(), i)).collect();
    }

    fn derive(&mut self) {
        self.derive_lookups();
        self.derived.singles = self
            .matters
            .iter()
            .filter(|m| !self.bundles.iter().any(|b| b.matters.contains(&m.code)))
            .map(|m| Bundle {
                id: format!("{SINGLE_PREFIX}{}", m.code),
                name: m.name.clone(),
                category: Category::default(),
                lead_department: m.department.clone(),
                joint_departments: Vec::new(),
                summary: String::new(),
                keywords: Vec::new(),
                matters: vec![m.code.clone()],
                default_selected: vec![m.code.clone()],
                window: format!("{} 窗口", m.department),
            })
            .collect();
        self.derived.index = search::Index::build(self);
    }

    /// The working-day calendar (容缺 due dates).
    pub fn calendar(&self) -> &WorkCalendar {
        &self.derived.calendar
    }

    pub fn matter(&self, code: &str) -> Option<&Matter> {
        self.derived.matter_at.get(code).and_then(|&i| self.matters.get(i))
    }

    /// A bundle of the catalog, or the one-matter bundle of a standalone matter.
    pub fn bundle(&self, id: &str) -> Option<&Bundle> {
        self.bundles.iter().chain(&self.derived.singles).find(|b| b.id == id)
    }

    /// The one-matter bundles of the standalone matters (the home's 单项事项 tab), in
    /// catalog order; each starts like a search hit for its matter.
    pub fn singles(&self) -> &[Bundle] {
        &self.derived.singles
    }

    pub fn material(&self, key: &str) -> Option<&MaterialDef> {
        self.derived.material_at.get(key).and_then(|&i| self.materials.get(i))
    }

    pub fn field(&self, key: &str) -> Option<&FieldDef> {
        self.derived.field_at.get(key).and_then(|&i| self.fields.get(i))
    }

    /// Ranked search over bundles and matters by name, keywords and pinyin.
    pub fn search(&self, query: &str, limit: usize) -> Vec<search::Hit> {
        self.derived.index.search(query, limit)
    }

    /// The bundle id that starts a journey for a search hit.
    pub fn start_id(&self, hit: &search::Target) -> Option<String> {
        match hit {
            search::Target::Bundle(i) => self.bundles.get(*i).map(|b| b.id.clone()),
            search::Target::Matter(i) => {
                let code = &self.matters.get(*i)?.code;
                // A matter inside a bundle opens its bundle; a standalone one its own.
                self.bundles
                    .iter()
                    .find(|b| b.matters.contains(code))
                    .map(|b| b.id.clone())
                    .or_else(|| Some(format!("{SINGLE_PREFIX}{code}")))
            }
        }
    }
}

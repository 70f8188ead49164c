//! Loading and validation. The shipped catalog is split into reviewable files (one per
//! bundle); the platform sends one document. Both go through the same checks, and every
//! error names the file and the entry.

use super::model::{FieldSource, InputKind, KINDS};
use super::{Bundle, Catalog, FieldDef, MaterialDef, Matter};
use serde::Deserialize;
use std::collections::{HashMap, HashSet};

/// The files of the sample catalog, in the order they are merged. Demo build only: a
/// production terminal gets its catalog from the platform (or a deployer's file).
#[cfg(any(test, feature = "demo"))]
pub const SEED_FILES: &[(&str, &str)] = &[
    ("data/catalog/00_common.json", include_str!("../../data/catalog/00_common.json")),
    (
        "data/catalog/bundles/01_enterprise_change.json",
        include_str!("../../data/catalog/bundles/01_enterprise_change.json"),
    ),
    (
        "data/catalog/bundles/02_transport_company.json",
        include_str!("../../data/catalog/bundles/02_transport_company.json"),
    ),
    ("data/catalog/bundles/03_restaurant.json", include_str!("../../data/catalog/bundles/03_restaurant.json")),
    ("data/catalog/bundles/04_utilities.json", include_str!("../../data/catalog/bundles/04_utilities.json")),
    ("data/catalog/bundles/05_credit_repair.json", include_str!("../../data/catalog/bundles/05_credit_repair.json")),
    ("data/catalog/bundles/06_listing_check.json", include_str!("../../data/catalog/bundles/06_listing_check.json")),
    (
        "data/catalog/bundles/07_bankruptcy_check.json",
        include_str!("../../data/catalog/bundles/07_bankruptcy_check.json"),
    ),
    ("data/catalog/bundles/08_deregistration.json", include_str!("../../data/catalog/bundles/08_deregistration.json")),
    ("data/catalog/bundles/09_newborn.json", include_str!("../../data/catalog/bundles/09_newborn.json")),
    ("data/catalog/bundles/10_school_entry.json", include_str!("../../data/catalog/bundles/10_school_entry.json")),
    ("data/catalog/bundles/11_social_card.json", include_str!("../../data/catalog/bundles/11_social_card.json")),
    ("data/catalog/bundles/12_disability.json", include_str!("../../data/catalog/bundles/12_disability.json")),
    ("data/catalog/bundles/13_retirement.json", include_str!("../../data/catalog/bundles/13_retirement.json")),
    (
        "data/catalog/bundles/14_enterprise_move.json",
        include_str!("../../data/catalog/bundles/14_enterprise_move.json"),
    ),
    (
        "data/catalog/bundles/15_enterprise_reports.json",
        include_str!("../../data/catalog/bundles/15_enterprise_reports.json"),
    ),
    (
        "data/catalog/bundles/16_oversize_transport.json",
        include_str!("../../data/catalog/bundles/16_oversize_transport.json"),
    ),
    (
        "data/catalog/bundles/17_medical_reimburse.json",
        include_str!("../../data/catalog/bundles/17_medical_reimburse.json"),
    ),
    (
        "data/catalog/bundles/18_housing_fund_loan.json",
        include_str!("../../data/catalog/bundles/18_housing_fund_loan.json"),
    ),
    ("data/catalog/bundles/19_public_rental.json", include_str!("../../data/catalog/bundles/19_public_rental.json")),
    ("data/catalog/bundles/20_veterans.json", include_str!("../../data/catalog/bundles/20_veterans.json")),
    ("data/catalog/bundles/21_study_abroad.json", include_str!("../../data/catalog/bundles/21_study_abroad.json")),
    ("data/catalog/standalone.json", include_str!("../../data/catalog/standalone.json")),
    ("data/catalog/calendar.json", include_str!("../../data/catalog/calendar.json")),
];

#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    #[error("{file}: invalid catalog JSON: {source}")]
    Json { file: String, source: serde_json::Error },
    #[error("{file}: {entry}: {problem}")]
    Invalid { file: String, entry: String, problem: String },
}

/// One file's share of the catalog; every part is optional.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Part {
    #[serde(default)]
    version: Option<String>,
    #[serde(default)]
    note: String,
    #[serde(default)]
    fields: Vec<FieldDef>,
    #[serde(default)]
    materials: Vec<MaterialDef>,
    #[serde(default)]
    matters: Vec<Matter>,
    #[serde(default)]
    bundles: Vec<Bundle>,
    #[serde(default)]
    calendar: Option<kiosk_api::wire::WorkCalendarDto>,
    #[serde(default)]
    notice_url: Option<String>,
}

fn bad(file: &str, entry: &str, problem: impl Into<String>) -> CatalogError {
    CatalogError::Invalid { file: file.to_string(), entry: entry.to_string(), problem: problem.into() }
}

impl Catalog {
    /// Parses and validates `(file name, text)` parts merged in order.
    pub fn from_parts<'a>(parts: impl IntoIterator<Item = (&'a str, &'a str)>) -> Result<Catalog, CatalogError> {
        let mut cat = Catalog::default();
        // Where each entry came from, for error messages.
        let mut origin: HashMap<String, String> = HashMap::new();
        let mut seen: HashSet<String> = HashSet::new();
        let mut version_file = None;
        let mut calendar_file: Option<String> = None;
        for (file, text) in parts {
            let p: Part =
                serde_json::from_str(text).map_err(|source| CatalogError::Json { file: file.to_string(), source })?;
            if let Some(v) = p.version {
                if let Some(prev) = &version_file {
                    return Err(bad(file, "version", format!("version already set in {prev}")));
                }
                cat.version = v;
                cat.note = p.note;
                cat.notice_url = p.notice_url.unwrap_or_default();
                if !cat.notice_url.is_empty() && !cat.notice_url.starts_with("https://") {
                    return Err(bad(file, "notice_url", "must be an https:// address"));
                }
                version_file = Some(file.to_string());
            }
            let mut claim = |kind: &str, id: &str| -> Result<(), CatalogError> {
                if !seen.insert(format!("{kind}:{id}")) {
                    let prev = origin.get(&format!("{kind}:{id}")).cloned().unwrap_or_default();
                    return Err(bad(file, id, format!("duplicate {kind} (first in {prev})")));
                }
                origin.insert(format!("{kind}:{id}"), file.to_string());
                origin.insert(id.to_string(), file.to_string());
                Ok(())
            };
            for f in &p.fields {
                claim("field", &f.key)?;
            }
            for m in &p.materials {
                claim("material", &m.key)?;
            }
            for m in &p.matters {
                claim("matter", &m.code)?;
            }
            for b in &p.bundles {
                claim("bundle", &b.id)?;
            }
            cat.fields.extend(p.fields);
            cat.materials.extend(p.materials);
            cat.matters.extend(p.matters);
            cat.bundles.extend(p.bundles);
            if let Some(c) = p.calendar {
                if let Some(prev) = &calendar_file {
                    return Err(bad(file, "calendar", format!("calendar already set in {prev}")));
                }
                cat.derived.calendar =
                    super::WorkCalendar::from_dto(&c).map_err(|e| bad(file, "calendar", e.to_string()))?;
                cat.calendar = c;
                calendar_file = Some(file.to_string());
            }
        }
        let first = origin.values().next().cloned().unwrap_or_default();
        if cat.version.trim().is_empty() {
            return Err(bad(&first, "version", "no catalog version"));
        }
        let file_of = |id: &str| origin.get(id).cloned().unwrap_or_else(|| first.clone());
        cat.derive_lookups();
        cat.validate(&file_of)?;
        cat.derive();
        Ok(cat)
    }

    /// One JSON document (the platform's format, or a file).
    pub fn parse(text: &str, file: &str) -> Result<Self, CatalogError> {
        Self::from_parts([(file, text)])
    }

    /// The sample catalog of the demo build; the platform's newer versions replace it.
    #[cfg(any(test, feature = "demo"))]
    pub fn seed() -> Self {
        Self::from_parts(SEED_FILES.iter().copied()).expect("the shipped catalog is validated by tests")
    }

    /// The one-document form served by the platform and kept in the cache.
    pub fn to_json(&self) -> String {
        // Plain data: serialisation cannot fail.
        serde_json::to_string(self).unwrap_or_default()
    }

    fn validate(&self, file_of: &dyn Fn(&str) -> String) -> Result<(), CatalogError> {
        for f in &self.fields {
            if f.source == FieldSource::Profile {
                return Err(bad(
                    &file_of(&f.key),
                    &f.key,
                    "source `profile` is a run-time provenance, not a catalog source",
                ));
            }
            if f.source == FieldSource::Default && f.default.is_none() && f.key != "applicant.contact_address" {
                return Err(bad(&file_of(&f.key), &f.key, "a default field needs a `default` value"));
            }
            if f.label.trim().is_empty() {
                return Err(bad(&file_of(&f.key), &f.key, "empty label"));
            }
            let e = |msg: &str| Err(bad(&file_of(&f.key), &f.key, msg));
            match (f.source, f.input) {
                (FieldSource::Typed, None) => return e("a typed field needs an `input` kind"),
                (FieldSource::Card | FieldSource::ECert, Some(_)) => {
                    return e("only typed and default fields are entered at the kiosk")
                }
                _ => {}
            }
            let choice = f.input == Some(InputKind::Choice);
            if choice && f.options.len() < 2 {
                return e("a choice field needs at least two `options`");
            }
            if !choice && (!f.options.is_empty() || f.multiple) {
                return e("`options` and `multiple` belong to choice fields");
            }
            if f.options.iter().any(|o| o.trim().is_empty())
                || f.options.iter().collect::<HashSet<_>>().len() != f.options.len()
            {
                return e("options must be non-empty and distinct");
            }
        }
        for m in &self.matters {
            let file = file_of(&m.code);
            let e = |p: String| bad(&file, &format!("{} {}", m.code, m.name), p);
            if m.name.trim().is_empty() || m.department.trim().is_empty() {
                return Err(e("empty name or department".into()));
            }
            if !KINDS.iter().any(|(k, _)| *k == m.kind) {
                return Err(e(format!("unknown kind `{}`", m.kind)));
            }
            let mut keys = HashSet::new();
            for u in &m.materials {
                if self.material(&u.key).is_none() {
                    return Err(e(format!("unknown material `{}`", u.key)));
                }
                if !keys.insert(&u.key) {
                    return Err(e(format!("material `{}` listed twice", u.key)));
                }
            }
            let mut keys = HashSet::new();
            for f in &m.fields {
                if self.field(f).is_none() {
                    return Err(e(format!("unknown field `{f}`")));
                }
                if !keys.insert(f) {
                    return Err(e(format!("field `{f}` listed twice")));
                }
            }
            // Progress reaches the citizen by SMS: the kiosk asks every matter's phone.
            if !m.fields.iter().any(|f| f == "applicant.phone") {
                return Err(e("a matter must ask for `applicant.phone` (progress SMS)".into()));
            }
            if m.promised_days > m.legal_days {
                return Err(e("promised time limit exceeds the legal one".into()));
            }
        }
        for b in &self.bundles {
            let file = file_of(&b.id);
            let e = |p: String| bad(&file, &b.id, p);
            if b.matters.is_empty() {
                return Err(e("bundle has no sub-items".into()));
            }
            let mut keys = HashSet::new();
            for code in &b.matters {
                if self.matter(code).is_none() {
                    return Err(e(format!("unknown matter `{code}`")));
                }
                if !keys.insert(code) {
                    return Err(e(format!("matter `{code}` listed twice")));
                }
            }
            for code in &b.default_selected {
                if !b.matters.contains(code) {
                    return Err(e(format!("default selection `{code}` is not a sub-item")));
                }
            }
        }
        Ok(())
    }
}

//! Service catalog: matters (事项), bundles (一件事) and the merge of a chosen set of
//! sub-items into one form and one material list.

use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::path::Path;

/// The catalog shipped with the software; the platform's newer versions replace it.
pub const SEED_CATALOG: &str = include_str!("../../data/catalog.json");

#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    #[error("{file}: invalid catalog JSON: {source}")]
    Json { file: String, source: serde_json::Error },
    #[error("{file}: {entry}: {problem}")]
    Invalid { file: String, entry: String, problem: String },
    #[error("{file}: {source}")]
    Io { file: String, source: std::io::Error },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldSource {
    /// Read from the ID card.
    Card,
    /// Typed by the citizen.
    Typed,
    /// Fetched by the platform from an electronic certificate (电子证照).
    ECert,
    /// A catalog default.
    Default,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FieldDef {
    pub key: String,
    pub label: String,
    pub source: FieldSource,
    #[serde(default)]
    pub note: String,
    #[serde(default)]
    pub input: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MaterialDef {
    pub key: String,
    pub name: String,
    pub originals: u32,
    pub copies: u32,
    /// Accepted as an electronic certificate: never scanned.
    #[serde(default)]
    pub e_cert: bool,
    #[serde(default)]
    pub note: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MaterialUse {
    pub key: String,
    pub required: bool,
    /// 容缺: may be brought later under a signed commitment.
    #[serde(default)]
    pub deferrable: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Matter {
    pub code: String,
    pub name: String,
    pub department: String,
    pub kind: String,
    pub legal_basis: String,
    pub conditions: Vec<String>,
    pub legal_days: u32,
    pub promised_days: u32,
    pub fee: String,
    pub result: String,
    pub phone: String,
    pub materials: Vec<MaterialUse>,
    pub fields: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Bundle {
    pub id: String,
    pub name: String,
    pub lead_department: String,
    #[serde(default)]
    pub joint_departments: Vec<String>,
    #[serde(default)]
    pub summary: String,
    pub matters: Vec<String>,
    pub default_selected: Vec<String>,
    pub window: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Catalog {
    pub version: String,
    #[serde(default)]
    pub note: String,
    pub materials: Vec<MaterialDef>,
    pub matters: Vec<Matter>,
    pub bundles: Vec<Bundle>,
    pub fields: Vec<FieldDef>,
}

/// One field of the merged form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MergedField {
    pub key: String,
    pub label: String,
    pub source: FieldSource,
    pub note: String,
    /// How many chosen sub-items ask for it (asked once all the same).
    pub used_by: usize,
}

/// One material of the merged list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MergedMaterial {
    pub key: String,
    pub name: String,
    pub required: bool,
    pub deferrable: bool,
    pub e_cert: bool,
    pub note: String,
    pub used_by: usize,
}

impl Catalog {
    pub fn seed() -> Self {
        Self::parse(SEED_CATALOG, "data/catalog.json").expect("the shipped catalog is validated by tests")
    }

    pub fn load(path: &Path) -> Result<Self, CatalogError> {
        let file = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|source| CatalogError::Io { file: file.clone(), source })?;
        Self::parse(&text, &file)
    }

    pub fn parse(text: &str, file: &str) -> Result<Self, CatalogError> {
        let cat: Catalog =
            serde_json::from_str(text).map_err(|source| CatalogError::Json { file: file.to_string(), source })?;
        cat.validate(file)?;
        Ok(cat)
    }

    fn validate(&self, file: &str) -> Result<(), CatalogError> {
        let bad = |entry: &str, problem: String| CatalogError::Invalid {
            file: file.to_string(),
            entry: entry.to_string(),
            problem,
        };
        for m in &self.matters {
            for u in &m.materials {
                if self.material(&u.key).is_none() {
                    return Err(bad(&m.code, format!("unknown material `{}`", u.key)));
                }
            }
            for f in &m.fields {
                if self.field(f).is_none() {
                    return Err(bad(&m.code, format!("unknown field `{f}`")));
                }
            }
            if m.promised_days > m.legal_days {
                return Err(bad(&m.code, "promised time limit exceeds the legal one".into()));
            }
        }
        for b in &self.bundles {
            if b.matters.is_empty() {
                return Err(bad(&b.id, "bundle has no sub-items".into()));
            }
            for code in b.matters.iter().chain(&b.default_selected) {
                if self.matter(code).is_none() {
                    return Err(bad(&b.id, format!("unknown matter `{code}`")));
                }
            }
        }
        Ok(())
    }

    pub fn matter(&self, code: &str) -> Option<&Matter> {
        self.matters.iter().find(|m| m.code == code)
    }

    pub fn bundle(&self, id: &str) -> Option<&Bundle> {
        self.bundles.iter().find(|b| b.id == id)
    }

    pub fn material(&self, key: &str) -> Option<&MaterialDef> {
        self.materials.iter().find(|m| m.key == key)
    }

    pub fn field(&self, key: &str) -> Option<&FieldDef> {
        self.fields.iter().find(|f| f.key == key)
    }

    /// The merged form for the chosen sub-items: each field once, in first-use order.
    pub fn merged_fields(&self, codes: &[String]) -> Vec<MergedField> {
        let mut out: Vec<MergedField> = Vec::new();
        for m in codes.iter().filter_map(|c| self.matter(c)) {
            for key in &m.fields {
                if let Some(f) = out.iter_mut().find(|f| &f.key == key) {
                    f.used_by += 1;
                } else if let Some(def) = self.field(key) {
                    out.push(MergedField {
                        key: def.key.clone(),
                        label: def.label.clone(),
                        source: def.source,
                        note: def.note.clone(),
                        used_by: 1,
                    });
                }
            }
        }
        out
    }

    /// The merged material list: each material once; required if any sub-item requires
    /// it, deferrable only if every requiring sub-item allows it.
    pub fn merged_materials(&self, codes: &[String]) -> Vec<MergedMaterial> {
        let mut out: Vec<MergedMaterial> = Vec::new();
        for m in codes.iter().filter_map(|c| self.matter(c)) {
            for u in &m.materials {
                let Some(def) = self.material(&u.key) else { continue };
                if let Some(x) = out.iter_mut().find(|x| x.key == u.key) {
                    x.used_by += 1;
                    if u.required {
                        x.deferrable = if x.required { x.deferrable && u.deferrable } else { u.deferrable };
                        x.required = true;
                    }
                } else {
                    out.push(MergedMaterial {
                        key: def.key.clone(),
                        name: def.name.clone(),
                        required: u.required,
                        deferrable: u.deferrable,
                        e_cert: def.e_cert,
                        note: def.note.clone(),
                        used_by: 1,
                    });
                }
            }
        }
        out
    }

    /// Departments involved in the chosen sub-items, lead first.
    pub fn departments(&self, codes: &[String]) -> Vec<String> {
        let mut seen = BTreeSet::new();
        codes
            .iter()
            .filter_map(|c| self.matter(c))
            .map(|m| m.department.clone())
            .filter(|d| seen.insert(d.clone()))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn newborn_all(cat: &Catalog) -> Vec<String> {
        cat.bundle("newborn").unwrap().matters.clone()
    }

    #[test]
    fn seed_catalog_is_valid_and_has_newborn_bundle() {
        let cat = Catalog::seed();
        let b = cat.bundle("newborn").expect("新生儿出生一件事");
        assert_eq!(b.matters.len(), 7);
        assert!(cat.matter(&b.matters[2]).unwrap().name.contains("户口登记"));
    }

    #[test]
    fn merged_form_asks_shared_fields_once() {
        let cat = Catalog::seed();
        let codes = newborn_all(&cat);
        let fields = cat.merged_fields(&codes);
        let separate: usize = codes.iter().map(|c| cat.matter(c).unwrap().fields.len()).sum();
        assert!(fields.len() < separate);
        let name = fields.iter().find(|f| f.key == "applicant.name").unwrap();
        assert_eq!(name.used_by, 7);
        assert_eq!(fields.iter().filter(|f| f.key == "applicant.name").count(), 1);
    }

    #[test]
    fn merged_materials_dedupe_and_required_wins() {
        let cat = Catalog::seed();
        let codes = newborn_all(&cat);
        let mats = cat.merged_materials(&codes);
        assert_eq!(mats.iter().filter(|m| m.key == "id_card").count(), 1);
        // 结婚证 is optional for 出生医学证明 but required for 户口登记: required, not deferrable.
        let marriage = mats.iter().find(|m| m.key == "marriage_cert").unwrap();
        assert!(marriage.required && !marriage.deferrable);
        // Only 出生医学证明: marriage certificate optional and deferrable.
        let one = cat.merged_materials(&codes[..1]);
        let marriage = one.iter().find(|m| m.key == "marriage_cert").unwrap();
        assert!(!marriage.required && marriage.deferrable);
    }

    #[test]
    fn invalid_catalog_names_file_and_entry() {
        let text = SEED_CATALOG.replace("\"key\": \"bank_card\", \"required\"", "\"key\": \"no_such\", \"required\"");
        let err = Catalog::parse(&text, "bad.json").unwrap_err().to_string();
        assert!(err.contains("bad.json") && err.contains("11410700MB0000004D-001") && err.contains("no_such"), "{err}");
    }
}

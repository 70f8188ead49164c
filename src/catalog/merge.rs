//! 一表申请, 一套材料: the merged form and material list of the chosen sub-items.

use super::{Catalog, FieldSource};
use std::collections::BTreeSet;

/// One field of the merged form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MergedField {
    pub key: String,
    pub label: String,
    pub source: FieldSource,
    pub note: String,
    pub input: Option<super::InputKind>,
    pub default: Option<String>,
    /// How many chosen sub-items ask for it (asked once all the same).
    pub used_by: usize,
}

/// One material of the merged list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MergedMaterial {
    pub key: String,
    pub name: String,
    pub originals: u32,
    pub copies: u32,
    pub required: bool,
    pub deferrable: bool,
    pub e_cert: bool,
    pub note: String,
    pub used_by: usize,
}

impl Catalog {
    /// The merged form for the chosen sub-items: each canonical key once, in first-use order.
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
                        input: def.input,
                        default: def.default.clone(),
                        used_by: 1,
                    });
                }
            }
        }
        out
    }

    /// The merged material list: each canonical key once; required if any sub-item
    /// requires it, deferrable only if every requiring sub-item allows it.
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
                        originals: def.originals,
                        copies: def.copies,
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

    /// Departments involved in the chosen sub-items, in first-use order.
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

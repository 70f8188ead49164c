//! 一次告知: everything needed for a matter or a chosen bundle, before any data entry,
//! as one structure that the screen and the receipt printer both render.

use super::Catalog;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MatterNotice {
    pub name: String,
    pub code: String,
    pub department: String,
    pub kind: String,
    pub legal_basis: String,
    pub conditions: Vec<String>,
    pub process: Vec<String>,
    pub legal_days: u32,
    pub promised_days: u32,
    pub fee: String,
    pub result: String,
    pub phone: String,
    pub supervise_phone: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MaterialLine {
    pub name: String,
    /// "原件1份，复印件1份".
    pub counts: String,
    /// 必交 / 选交 / 电子证照免提交 / 可容缺后补.
    pub how: String,
    pub note: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub title: String,
    pub lead_department: String,
    pub departments: Vec<String>,
    pub matters: Vec<MatterNotice>,
    pub materials: Vec<MaterialLine>,
    /// The longest promised time among the chosen sub-items (they run in parallel).
    pub promised_days: u32,
    pub fees: String,
    pub window: String,
    pub delivery: String,
}

impl Catalog {
    /// The notice for a bundle (or a standalone matter's `matter:` bundle) and the
    /// chosen sub-items. None if the bundle is unknown.
    pub fn notice(&self, bundle_id: &str, selected: &[String]) -> Option<Notice> {
        let b = self.bundle(bundle_id)?;
        let chosen: Vec<_> = selected.iter().filter(|c| b.matters.contains(c)).filter_map(|c| self.matter(c)).collect();
        let matters = chosen
            .iter()
            .map(|m| MatterNotice {
                name: m.name.clone(),
                code: m.code.clone(),
                department: m.department.clone(),
                kind: m.kind.clone(),
                legal_basis: m.legal_basis.clone(),
                conditions: m.conditions.clone(),
                process: m.process.clone(),
                legal_days: m.legal_days,
                promised_days: m.promised_days,
                fee: m.fee.clone(),
                result: m.result.clone(),
                phone: m.phone.clone(),
                supervise_phone: m.supervise_phone().to_string(),
            })
            .collect();
        let materials = self
            .merged_materials(selected)
            .into_iter()
            .map(|m| MaterialLine {
                counts: match (m.originals, m.copies) {
                    (o, 0) => format!("原件{o}份"),
                    (0, c) => format!("复印件{c}份"),
                    (o, c) => format!("原件{o}份，复印件{c}份"),
                },
                how: if m.e_cert {
                    "电子证照，免提交".into()
                } else if m.required && m.deferrable {
                    "必交，可容缺后补".into()
                } else if m.required {
                    "必交".into()
                } else {
                    "选交".into()
                },
                name: m.name,
                note: m.note,
            })
            .collect();
        let mut fees: Vec<String> = chosen.iter().map(|m| m.fee.clone()).filter(|f| f != "不收费").collect();
        fees.dedup();
        Some(Notice {
            title: b.name.clone(),
            lead_department: b.lead_department.clone(),
            departments: self.departments(selected),
            matters,
            materials,
            promised_days: chosen.iter().map(|m| m.promised_days).max().unwrap_or(0),
            fees: if fees.is_empty() { "全部免费".into() } else { fees.join("；") },
            window: b.window.clone(),
            delivery: format!("窗口领取（{}），或免费邮寄到家", b.window),
        })
    }
}

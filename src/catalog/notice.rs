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
        // Only this bundle's sub-items count (a sync may have changed the bundle).
        let selected: Vec<String> = selected.iter().filter(|c| b.matters.contains(c)).cloned().collect();
        let chosen: Vec<_> = selected.iter().filter_map(|c| self.matter(c)).collect();
        if chosen.is_empty() {
            return None;
        }
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
            .merged_materials(&selected)
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
        // Each fee with the matters that charge it.
        let mut fees: Vec<String> = Vec::new();
        for m in chosen.iter().filter(|m| m.fee != "不收费") {
            let line = format!("{}：{}", m.name, m.fee);
            if !fees.contains(&line) {
                fees.push(line);
            }
        }
        Some(Notice {
            title: b.name.clone(),
            lead_department: b.lead_department.clone(),
            departments: self.departments(&selected),
            matters,
            materials,
            promised_days: chosen.iter().map(|m| m.promised_days).max().unwrap_or(0),
            fees: if fees.is_empty() { "全部免费".into() } else { fees.join("；") },
            window: b.window.clone(),
            delivery: format!("窗口领取（{}），或免费邮寄到家", b.window),
        })
    }
}

/// One titled block of the notice: a card on screen, a bold heading and lines on paper.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section {
    pub heading: String,
    pub lines: Vec<String>,
}

impl Notice {
    /// The notice as ordered sections. The guide screen and the printed 一次性告知书
    /// both render exactly these, so what is said on screen is what is printed.
    pub fn sections(&self) -> Vec<Section> {
        let sec = |heading: &str, lines: Vec<String>| Section { heading: heading.into(), lines };
        // One line when every chosen matter says the same, else one line per matter.
        let per_matter = |f: &dyn Fn(&MatterNotice) -> String| -> Vec<String> {
            let all: Vec<String> = self.matters.iter().map(f).collect();
            if all.windows(2).all(|w| w[0] == w[1]) {
                all.into_iter().take(1).collect()
            } else {
                self.matters.iter().zip(all).map(|(m, v)| format!("· {}：{v}", m.name)).collect()
            }
        };
        let materials = self
            .materials
            .iter()
            .map(|m| {
                let note = if m.note.is_empty() { String::new() } else { format!("；{}", m.note) };
                format!("· {}：{}（{}{}）", m.name, m.counts, m.how, note)
            })
            .collect();
        let mut limits = vec![if self.matters.len() > 1 {
            format!("最长 {} 个工作日办结（各事项同时办理）", self.promised_days)
        } else {
            format!("{} 个工作日内办结", self.promised_days)
        }];
        if self.matters.len() > 1 {
            limits.extend(
                self.matters
                    .iter()
                    .map(|m| format!("· {}：承诺 {} 个工作日（法定 {} 日）", m.name, m.promised_days, m.legal_days)),
            );
        } else if let Some(m) = self.matters.first() {
            limits[0] = format!("承诺 {} 个工作日办结（法定 {} 日）", m.promised_days, m.legal_days);
        }
        let mut departments = vec![format!("牵头部门：{}", self.lead_department)];
        let joint: Vec<&str> =
            self.departments.iter().map(String::as_str).filter(|d| *d != self.lead_department).collect();
        if !joint.is_empty() {
            departments.push(format!("协同部门：{}", joint.join("、")));
        }
        let mut phones: Vec<String> = Vec::new();
        for m in &self.matters {
            let line = format!("{}：咨询 {}，监督 {}", m.department, m.phone, m.supervise_phone);
            if !phones.contains(&line) {
                phones.push(line);
            }
        }
        vec![
            sec("需要准备的材料（已合并，同一材料只交一次）", materials),
            sec("办理条件", per_matter(&|m| m.conditions.join("；"))),
            sec("办理流程", per_matter(&|m| m.process.join(" → "))),
            sec("办理时限", limits),
            sec("收费", vec![self.fees.clone()]),
            sec("办理部门", departments),
            sec("办理结果与领取", {
                let mut v = per_matter(&|m| m.result.clone());
                v.push(self.delivery.clone());
                v
            }),
            sec("设定依据", per_matter(&|m| m.legal_basis.clone())),
            sec("咨询与监督电话", phones),
        ]
    }
}

//! Catalog data per GB/T 39046: matters (事项), their materials and form fields, and
//! bundles (一件事). Plain serde types; the text format is the JSON under data/catalog/.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldSource {
    /// Read from the ID card.
    Card,
    /// Typed by the citizen.
    Typed,
    /// Fetched by the platform from an electronic certificate (电子证照) or data sharing.
    ECert,
    /// A catalog default.
    Default,
    /// Reused from the citizen's 一人一档 after consent. Never declared in the catalog:
    /// it is the provenance of a value at run time.
    Profile,
}

/// Where a value came from is no personal data: nothing to wipe (lets a form row of
/// (key, value, source) be wiped as a whole).
impl zeroize::Zeroize for FieldSource {
    fn zeroize(&mut self) {}
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FieldDef {
    /// Canonical key, e.g. `applicant.id_number`: the field's identity across matters.
    pub key: String,
    pub label: String,
    pub source: FieldSource,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub note: String,
    /// The value of a `default` field; `applicant.contact_address` defaults to the card's address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<String>,
    /// How the citizen enters a typed field at the kiosk; a default field with an input
    /// kind may be changed too (the contact address).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input: Option<InputKind>,
    /// The choices of a `choice` field.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub options: Vec<String>,
    /// A `choice` field that takes several options (joined with "、").
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub multiple: bool,
}

/// On-screen input of a field: each has its own keypad and check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InputKind {
    /// 11-digit mobile number (the form's own box).
    Phone,
    /// A number, decimals allowed: areas, amounts, counts.
    Number,
    /// A reference made of digits and letters, such as a case number.
    Code,
    /// An 18-character ID number with its GB 11643 check character.
    IdNumber,
    /// One (or with `multiple`, several) of `options`.
    Choice,
    /// Chinese text through the 拼音 keypad.
    Text,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MaterialDef {
    /// Canonical key: a material needed by several sub-items is handed in once.
    pub key: String,
    pub name: String,
    pub originals: u32,
    pub copies: u32,
    /// Accepted as an electronic certificate: never scanned.
    #[serde(default)]
    pub e_cert: bool,
    #[serde(default, skip_serializing_if = "String::is_empty")]
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

/// 事项类型 with its GB/T 39046 code.
pub const KINDS: [(&str, &str); 11] = [
    ("行政许可", "01"),
    ("行政处罚", "02"),
    ("行政强制", "03"),
    ("行政征收", "04"),
    ("行政给付", "05"),
    ("行政检查", "06"),
    ("行政确认", "07"),
    ("行政奖励", "08"),
    ("行政裁决", "09"),
    ("其他行政权力", "10"),
    ("公共服务", "20"),
];

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Matter {
    /// 实施编码.
    pub code: String,
    /// 基本编码; empty in sample data where only the implementation code is known.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub basic_code: String,
    pub name: String,
    pub department: String,
    /// 事项类型, one of `KINDS`.
    pub kind: String,
    pub legal_basis: String,
    pub conditions: Vec<String>,
    /// 办理流程 steps.
    #[serde(default)]
    pub process: Vec<String>,
    pub legal_days: u32,
    pub promised_days: u32,
    pub fee: String,
    pub result: String,
    /// 咨询电话.
    pub phone: String,
    /// 监督电话; the 12345 hotline when empty.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub supervise_phone: String,
    /// Extra search words (colloquial names).
    #[serde(default)]
    pub keywords: Vec<String>,
    pub materials: Vec<MaterialUse>,
    pub fields: Vec<String>,
}

impl Matter {
    pub fn kind_code(&self) -> &'static str {
        KINDS.iter().find(|(k, _)| *k == self.kind).map_or("", |(_, c)| c)
    }

    pub fn supervise_phone(&self) -> &str {
        if self.supervise_phone.is_empty() {
            "12345"
        } else {
            &self.supervise_phone
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    /// 个人办事.
    #[default]
    Personal,
    /// 企业办事.
    Enterprise,
}

impl Category {
    pub fn label_zh(self) -> &'static str {
        match self {
            Category::Personal => "个人办事",
            Category::Enterprise => "企业办事",
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Bundle {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub category: Category,
    pub lead_department: String,
    #[serde(default)]
    pub joint_departments: Vec<String>,
    #[serde(default)]
    pub summary: String,
    #[serde(default)]
    pub keywords: Vec<String>,
    pub matters: Vec<String>,
    pub default_selected: Vec<String>,
    pub window: String,
}

/// Prefix of the id of the one-matter bundle the catalog derives for a standalone matter.
pub const SINGLE_PREFIX: &str = "matter:";

//! 好差评: levels, 差评 reasons and the province's code mapping (configuration).

use serde::Deserialize;

/// GB/T 39046 order: index 0 is level 1 (非常满意).
pub const LEVELS: [&str; 5] = ["非常满意", "满意", "基本满意", "不满意", "非常不满意"];

/// Indicator codes a 差评 must carry at least one of (sample set).
pub const BAD_REASONS: [(&str, &str); 6] = [
    ("R01", "办事指南不清楚"),
    ("R02", "操作步骤太复杂"),
    ("R03", "设备有故障"),
    ("R04", "等待时间太长"),
    ("R05", "要求材料太多"),
    ("R06", "其他问题"),
];

/// Province-specific codes. Defaults are GB/T 39046 (1 = 非常满意 … 5 = 非常不满意).
#[derive(Debug, Clone, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct RatingMapping {
    /// 评价渠道 code of a self-service terminal.
    #[serde(default = "default_channel")]
    pub channel: String,
    /// 满意度代码 for levels 1..=5.
    #[serde(default = "default_codes")]
    pub level_codes: [String; 5],
}

fn default_channel() -> String {
    "4".into()
}

fn default_codes() -> [String; 5] {
    ["1", "2", "3", "4", "5"].map(String::from)
}

impl Default for RatingMapping {
    fn default() -> Self {
        Self { channel: default_channel(), level_codes: default_codes() }
    }
}

impl RatingMapping {
    pub fn code(&self, level: u8) -> &str {
        &self.level_codes[(level.clamp(1, 5) - 1) as usize]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mapping_is_configurable() {
        let gb = RatingMapping::default();
        assert_eq!(gb.code(1), "1");
        let zj: RatingMapping =
            toml::from_str("channel = \"07\"\nlevel_codes = [\"5\",\"4\",\"3\",\"2\",\"1\"]").unwrap();
        assert_eq!(zj.code(1), "5");
        assert_eq!(zj.channel, "07");
        assert!(crate::journey::is_bad(4) && !crate::journey::is_bad(3));
    }
}

//! Code tables and checks for card data: GB 3304 nations, GB 11643 check digit, dates.

/// GB 3304-91 民族 codes 01–56, plus 97 and 98.
const NATIONS: [&str; 56] = [
    "汉",
    "蒙古",
    "回",
    "藏",
    "维吾尔",
    "苗",
    "彝",
    "壮",
    "布依",
    "朝鲜",
    "满",
    "侗",
    "瑶",
    "白",
    "土家",
    "哈尼",
    "哈萨克",
    "傣",
    "黎",
    "傈僳",
    "佤",
    "畲",
    "高山",
    "拉祜",
    "水",
    "东乡",
    "纳西",
    "景颇",
    "柯尔克孜",
    "土",
    "达斡尔",
    "仫佬",
    "羌",
    "布朗",
    "撒拉",
    "毛南",
    "仡佬",
    "锡伯",
    "阿昌",
    "普米",
    "塔吉克",
    "怒",
    "乌孜别克",
    "俄罗斯",
    "鄂温克",
    "德昂",
    "保安",
    "裕固",
    "京",
    "塔塔尔",
    "独龙",
    "鄂伦春",
    "赫哲",
    "门巴",
    "珞巴",
    "基诺",
];

/// The nation's name for a GB 3304 code ("01" → "汉"), or `None` for an unknown code.
pub fn nation_name(code: &str) -> Option<&'static str> {
    let n: usize = code.trim().parse().ok()?;
    match n {
        1..=56 => Some(NATIONS[n - 1]),
        97 => Some("其他"),
        98 => Some("外国血统中国籍人士"),
        _ => None,
    }
}

/// The GB 3304 code for a nation's name ("汉" → "01"); also accepts the name with 族.
pub fn nation_code(name: &str) -> Option<String> {
    let name = name.trim();
    let bare = name.strip_suffix('族').unwrap_or(name);
    if let Some(i) = NATIONS.iter().position(|n| *n == name || *n == bare) {
        return Some(format!("{:02}", i + 1));
    }
    match name {
        "其他" => Some("97".into()),
        "外国血统中国籍人士" | "外国血统" => Some("98".into()),
        _ => None,
    }
}

const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK_CHARS: &[u8; 11] = b"10X98765432";

/// GB 11643 check character for the first 17 digits, or `None` if they are not 17 digits.
pub fn gb11643_check_char(first17: &str) -> Option<char> {
    let b = first17.as_bytes();
    if b.len() != 17 || !b.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let sum: u32 = b.iter().zip(WEIGHTS).map(|(d, w)| u32::from(d - b'0') * w).sum();
    Some(CHECK_CHARS[(sum % 11) as usize] as char)
}

/// True if `id` is 17 digits plus the right check character (X accepted in either case).
pub fn gb11643_valid(id: &str) -> bool {
    if id.len() != 18 || !id.is_ascii() {
        return false;
    }
    match gb11643_check_char(&id[..17]) {
        Some(c) => id.as_bytes()[17].to_ascii_uppercase() == c as u8,
        None => false,
    }
}

/// True if `s` is a real calendar date written YYYYMMDD.
pub fn valid_yyyymmdd(s: &str) -> bool {
    if s.len() != 8 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return false;
    }
    let y: u32 = s[0..4].parse().unwrap_or(0);
    let m: u32 = s[4..6].parse().unwrap_or(0);
    let d: u32 = s[6..8].parse().unwrap_or(0);
    y >= 1800 && (1..=12).contains(&m) && d >= 1 && d <= days_in_month(y, m)
}

fn days_in_month(y: u32, m: u32) -> u32 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if (y.is_multiple_of(4) && !y.is_multiple_of(100)) || y.is_multiple_of(400) => 29,
        _ => 28,
    }
}

/// "20400101" → "2040年01月01日" (unchanged if not a date).
pub fn format_date_zh(s: &str) -> String {
    if valid_yyyymmdd(s) {
        format!("{}年{}月{}日", &s[0..4], &s[4..6], &s[6..8])
    } else {
        s.to_string()
    }
}

/// Today's date in China (UTC+8, no DST) as YYYYMMDD, from the system clock.
pub fn today_cn() -> String {
    let secs =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0);
    let (y, m, d) = civil_from_days((secs + 8 * 3600).div_euclid(86_400));
    format!("{y:04}{m:02}{d:02}")
}

/// Days since 1970-01-01 → (year, month, day), proleptic Gregorian (H. Hinnant's algorithm).
pub fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nations() {
        assert_eq!(nation_name("01"), Some("汉"));
        assert_eq!(nation_name("56"), Some("基诺"));
        assert_eq!(nation_name("97"), Some("其他"));
        assert_eq!(nation_name("98"), Some("外国血统中国籍人士"));
        assert_eq!(nation_name("57"), None);
        assert_eq!(nation_name("00"), None);
        assert_eq!(nation_code("汉"), Some("01".into()));
        assert_eq!(nation_code("柯尔克孜族"), Some("29".into()));
        for i in 1..=56 {
            let c = format!("{i:02}");
            assert_eq!(nation_code(nation_name(&c).unwrap()), Some(c));
        }
    }

    #[test]
    fn check_digit() {
        assert!(gb11643_valid("11010519491231002X"));
        assert!(gb11643_valid("11010519491231002x"));
        assert!(gb11643_valid("410702199003070046"));
        assert!(!gb11643_valid("410702199003070047"));
        assert!(!gb11643_valid("41070219900307004"));
        assert!(!gb11643_valid("4107021990030700４6"));
        assert_eq!(gb11643_check_char("11010519491231002"), Some('X'));
    }

    #[test]
    fn dates() {
        assert!(valid_yyyymmdd("20000229"));
        assert!(!valid_yyyymmdd("19000229"));
        assert!(!valid_yyyymmdd("20231301"));
        assert!(!valid_yyyymmdd("2023010"));
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(19_723), (2024, 1, 1));
        assert_eq!(civil_from_days(-1), (1969, 12, 31));
        assert!(valid_yyyymmdd(&today_cn()));
        assert_eq!(format_date_zh("20400101"), "2040年01月01日");
    }
}

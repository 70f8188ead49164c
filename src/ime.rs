//! A single-character 拼音 input method for the kiosk's on-screen keypad: the citizen
//! types a syllable (or its start) and picks a character. No crate offers pinyin →
//! character lookup; the table is built once from the `pinyin` crate over GB 2312.
//!
//! Every reading of a character is indexed (长 under chang and zhang), and ü is typed
//! as v (lv → 绿, nv → 女), as on every Chinese keyboard. Candidates are ordered:
//! exact syllable before longer ones, GB 2312 level-1 (the 3,755 common characters)
//! before level 2, then code order (by reading).

use pinyin::{ToPinyin, ToPinyinMulti};
use std::collections::BTreeMap;
use std::sync::OnceLock;

/// Candidates shown at once on screen.
pub const PAGE: usize = 8;

/// syllable (plain, lower case) → characters in candidate order.
fn table() -> &'static BTreeMap<String, Vec<char>> {
    static T: OnceLock<BTreeMap<String, Vec<char>>> = OnceLock::new();
    T.get_or_init(|| {
        // (level, reading is not the usual one, character) per syllable, in code order.
        let mut t: BTreeMap<String, Vec<(u8, bool, char)>> = BTreeMap::new();
        // GB 2312 hanzi rows: 0xB0..=0xD7 level 1, 0xD8..=0xF7 level 2.
        for hi in 0xB0u8..=0xF7 {
            let level = if hi <= 0xD7 { 1 } else { 2 };
            for lo in 0xA1u8..=0xFE {
                let bytes = [hi, lo];
                let (s, _, bad) = encoding_rs::GBK.decode(&bytes);
                let Some(c) = s.chars().next().filter(|_| !bad) else { continue };
                let usual = c.to_pinyin().map(|p| p.plain());
                for p in c.to_pinyin_multi().into_iter().flatten() {
                    let list = t.entry(p.plain().replace('ü', "v")).or_default();
                    if !list.iter().any(|e| e.2 == c) {
                        list.push((level, Some(p.plain()) != usual, c));
                    }
                }
            }
        }
        // Common characters first; among them, those usually read this way (新 before
        // 款 for xin, which reads so only in old texts). The sort is stable.
        t.into_iter()
            .map(|(k, mut v)| {
                v.sort_by_key(|e| (e.0, e.1));
                (k, v.into_iter().map(|e| e.2).collect())
            })
            .collect()
    })
}

/// All candidates for what has been typed: an exact syllable first, then the
/// syllables it starts ("zh" → zha, zhai, …). Empty if no syllable starts so.
pub fn candidates(typed: &str) -> Vec<char> {
    let typed = typed.to_ascii_lowercase();
    if typed.is_empty() {
        return Vec::new();
    }
    let t = table();
    let mut out: Vec<char> = t.get(&typed).cloned().unwrap_or_default();
    for (_, chars) in t.range(typed.clone()..).take_while(|(k, _)| k.starts_with(&typed)).filter(|(k, _)| **k != typed)
    {
        out.extend(chars);
    }
    out
}

/// Whether `typed` can still become a syllable: the keypad refuses letters that
/// would lead nowhere, so a mistyped letter is caught at once.
pub fn is_prefix(typed: &str) -> bool {
    let t = table();
    t.range(typed.to_string()..).next().is_some_and(|(k, _)| k.starts_with(typed))
}

/// One page of candidates.
pub fn page(typed: &str, page: usize) -> (Vec<char>, bool) {
    let all = candidates(typed);
    let start = (page * PAGE).min(all.len());
    let end = (start + PAGE).min(all.len());
    (all[start..end].to_vec(), end < all.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn common_characters_come_first() {
        let c = candidates("lu");
        assert!(c.contains(&'路'));
        // 路 is level 1; a level-2 character with the same reading comes after it.
        let lu = c.iter().position(|&x| x == '路').unwrap();
        let rare = c.iter().position(|&x| x == '潞').unwrap();
        assert!(lu < rare);
        assert!(candidates("hao").contains(&'号'));
        assert!(candidates("xin").contains(&'新'));
        // A rare second reading does not push the usual characters back.
        let xin = candidates("xin");
        assert!(xin.iter().position(|&c| c == '新') < xin.iter().position(|&c| c == '款'));
    }

    #[test]
    fn every_reading_and_u_umlaut_as_v() {
        // Street names: 长江路, 重庆路, 绿城路; surnames 吕, 单.
        assert!(candidates("chang").contains(&'长') && candidates("zhang").contains(&'长'));
        assert!(candidates("chong").contains(&'重'));
        assert!(candidates("lv").contains(&'绿') && candidates("lv").contains(&'吕'));
        assert!(candidates("nv").contains(&'女'));
        assert!(candidates("shan").contains(&'单'));
        assert!(is_prefix("v") || is_prefix("lv"));
    }

    #[test]
    fn prefix_lists_exact_syllable_first_and_refuses_dead_ends() {
        let c = candidates("zh");
        assert!(c.contains(&'中') && c.contains(&'张'));
        let s = candidates("shi");
        assert!(!s.is_empty());
        // Only syllables that start with "shi" (shi itself; there is no longer one).
        assert!(s.iter().all(|ch| ch.to_pinyin_multi().unwrap().into_iter().any(|p| p.plain().starts_with("shi"))));
        assert!(is_prefix("zhu") && is_prefix("x"));
        assert!(!is_prefix("zx") && !is_prefix("vv"));
        assert!(candidates("qq").is_empty());
    }

    #[test]
    fn pages_cover_all_candidates() {
        let all = candidates("zhang");
        let (first, more) = page("zhang", 0);
        assert_eq!(first, all[..PAGE.min(all.len())]);
        assert_eq!(more, all.len() > PAGE);
        let (beyond, more) = page("zhang", 100);
        assert!(beyond.is_empty() && !more);
    }
}

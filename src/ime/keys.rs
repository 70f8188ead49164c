//! How words become keys of the 拼音 index. Shared by build.rs (the dictionary index,
//! built once at compile time) and the runtime (the catalog's own terms, indexed when a
//! catalog is first typed against), so both spell keys the same way.
//!
//! A key spells a word syllable by syllable, each syllable's letters followed by the
//! character's place among the characters read so (the char table, most frequent first):
//! 新乡 is `xin` ⟨新⟩ `xiang` ⟨乡⟩. A place is one byte 0x80..=0xFE (0..=126), or 0xFF
//! and one more byte for the rare characters after that. Words that start alike share
//! their start in the index, so the whole dictionary packs into a small FST.
//!
//! A value packs a score (100 × ln of the usage frequency, less a penalty for each
//! syllable read other than the usual way) over a few flags.

use pinyin::{ToPinyin, ToPinyinMulti};
use std::collections::BTreeMap;

/// Flags in the low bits of a value.
pub const PLACE: u64 = 1;
pub const CATALOG: u64 = 2;
const FLAG_BITS: u32 = 2;
/// A word with a syllable read other than the character's usual way scores this much
/// less (ln 100) under that reading: 银行 is found under yinhang, and 款项 (款 is read
/// xin only in old texts) comes late under xinxiang.
pub const ALT_PENALTY: u32 = 460;
/// A single character read its unusual way comes after those usually read so (e^-15).
pub const CHAR_ALT_PENALTY: u32 = 1500;
/// Readings kept per word: the usual one and the least unusual others.
pub const MAX_READINGS: usize = 3;
/// First byte of a two-byte character place.
pub const ESCAPE: u8 = 0xFF;
/// Longest word indexed, in characters.
pub const MAX_CHARS: usize = 12;

/// 100 × ln(freq), the score unit (centi-nats); frequencies below 1 count as 1.
pub fn centi_ln(freq: u64) -> u32 {
    ((freq.max(1) as f64).ln() * 100.0).round() as u32
}

pub fn value(score: u32, flags: u64) -> u64 {
    (u64::from(score) << FLAG_BITS) | flags
}

pub fn score_of(v: u64) -> u32 {
    (v >> FLAG_BITS) as u32
}

pub fn flags_of(v: u64) -> u64 {
    v & ((1 << FLAG_BITS) - 1)
}

/// A character's readings, plain, ü typed as v; the usual one first.
pub fn char_readings(c: char) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    if let Some(p) = c.to_pinyin() {
        out.push(p.plain().replace('ü', "v"));
    }
    for p in c.to_pinyin_multi().into_iter().flatten() {
        let s = p.plain().replace('ü', "v");
        if !out.contains(&s) {
            out.push(s);
        }
    }
    out
}

/// The readings of a word as syllable lists, each with how many syllables are not
/// the character's usual reading: the usual reading first, then those with one unusual
/// syllable, and so on, at most [`MAX_READINGS`]. None when a character has no reading.
pub fn readings(word: &str) -> Option<Vec<(Vec<String>, u32)>> {
    let per_char: Vec<Vec<String>> = word.chars().map(char_readings).collect();
    if per_char.is_empty() || per_char.iter().any(|r| r.is_empty()) {
        return None;
    }
    let usual: Vec<String> = per_char.iter().map(|r| r[0].clone()).collect();
    let mut out = vec![(usual, 0u32)];
    let mut level = 0;
    while out.len() < MAX_READINGS {
        let from: Vec<Vec<String>> = out.iter().filter(|(_, a)| *a == level).map(|(s, _)| s.clone()).collect();
        if from.is_empty() {
            break;
        }
        for syls in from {
            for (i, r) in per_char.iter().enumerate() {
                if syls[i] != r[0] {
                    continue;
                }
                for other in &r[1..] {
                    let mut s = syls.clone();
                    s[i] = other.clone();
                    if out.len() < MAX_READINGS && !out.iter().any(|(o, _)| *o == s) {
                        out.push((s, level + 1));
                    }
                }
            }
        }
        level += 1;
    }
    Some(out)
}

/// Syllable → the characters read so, most frequent first: what a key's character
/// places point into. Text form: one line per syllable, `xin 新心信…`.
#[derive(Debug, Clone, Default)]
pub struct CharTable {
    syllables: Vec<String>,
    chars: Vec<Vec<char>>,
}

impl CharTable {
    /// From characters with their usage frequency (each under all its readings; a
    /// character read the unusual way goes after those read so usually).
    pub fn build(chars: &[(char, u64)]) -> CharTable {
        let mut by: BTreeMap<String, Vec<(bool, u64, char)>> = BTreeMap::new();
        for &(c, f) in chars {
            for (i, r) in char_readings(c).into_iter().enumerate() {
                let list = by.entry(r).or_default();
                if !list.iter().any(|e| e.2 == c) {
                    list.push((i > 0, f, c));
                }
            }
        }
        let mut t = CharTable::default();
        for (syl, mut list) in by {
            list.sort_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)).then(a.2.cmp(&b.2)));
            t.syllables.push(syl);
            t.chars.push(list.into_iter().map(|e| e.2).collect());
        }
        t
    }

    pub fn to_text(&self) -> String {
        let mut s = String::new();
        for (syl, cs) in self.syllables.iter().zip(&self.chars) {
            s.push_str(syl);
            s.push(' ');
            s.extend(cs.iter());
            s.push('\n');
        }
        s
    }

    pub fn parse(text: &str) -> CharTable {
        let mut t = CharTable::default();
        for line in text.lines() {
            if let Some((syl, cs)) = line.split_once(' ') {
                t.syllables.push(syl.to_string());
                t.chars.push(cs.chars().collect());
            }
        }
        t
    }

    /// Every syllable, sorted.
    pub fn syllables(&self) -> &[String] {
        &self.syllables
    }

    fn find(&self, syl: &[u8]) -> Option<usize> {
        self.syllables.binary_search_by(|s| s.as_bytes().cmp(syl)).ok()
    }

    /// The characters read as `syl`, most frequent first.
    pub fn chars(&self, syl: &str) -> &[char] {
        self.find(syl.as_bytes()).map_or(&[], |i| &self.chars[i])
    }

    /// The key of one reading of a word, or None if a character is not in the table
    /// under that reading (or past the places a key can name).
    pub fn key(&self, syllables: &[String], word: &str) -> Option<Vec<u8>> {
        let mut k = Vec::with_capacity(word.len() * 3);
        let mut cs = word.chars();
        for s in syllables {
            let c = cs.next()?;
            let at = self.chars[self.find(s.as_bytes())?].iter().position(|&x| x == c)?;
            k.extend_from_slice(s.as_bytes());
            match at {
                0..=126 => k.push(0x80 + at as u8),
                127..=254 => k.extend_from_slice(&[ESCAPE, 0x80 + (at - 127) as u8]),
                _ => return None,
            }
        }
        cs.next().is_none().then_some(k)
    }

    /// The word a key spells.
    pub fn decode(&self, key: &[u8]) -> Option<String> {
        let mut word = String::new();
        let mut i = 0;
        while i < key.len() {
            let start = i;
            while i < key.len() && key[i].is_ascii_lowercase() {
                i += 1;
            }
            let syl = &key[start..i];
            let at = match *key.get(i)? {
                ESCAPE => {
                    i += 1;
                    127 + usize::from(key.get(i)?.checked_sub(0x80)?)
                }
                b if b >= 0x80 => usize::from(b - 0x80),
                _ => return None,
            };
            i += 1;
            word.push(*self.chars[self.find(syl)?].get(at)?);
        }
        Some(word)
    }

    /// Adds every reading of `word` to `keys` (key → value; the better value kept).
    pub fn add_word(&self, keys: &mut BTreeMap<Vec<u8>, u64>, word: &str, score: u32, flags: u64) {
        if word.chars().count() > MAX_CHARS {
            return;
        }
        let Some(rs) = readings(word) else { return };
        let penalty = if word.chars().nth(1).is_none() { CHAR_ALT_PENALTY } else { ALT_PENALTY };
        for (syls, alt) in rs {
            let Some(k) = self.key(&syls, word) else { continue };
            let v = value(score.saturating_sub(alt * penalty), flags);
            let e = keys.entry(k).or_insert(v);
            *e = value(score_of(*e).max(score_of(v)), flags_of(*e) | flags);
        }
    }
}

/// Place-name suffixes: 新乡市 is also typed as 新乡, 管城回族区 as 管城.
pub const PLACE_SUFFIXES: &[&str] =
    &["特别行政区", "维吾尔自治区", "壮族自治区", "回族自治区", "自治区", "回族区", "省", "市", "区", "县"];

/// A place name and its short form (at least two characters), if it has one.
pub fn place_forms(name: &str) -> Vec<&str> {
    let mut out = vec![name];
    for s in PLACE_SUFFIXES {
        if let Some(stem) = name.strip_suffix(s) {
            if stem.chars().count() >= 2 {
                out.push(stem);
            }
            break;
        }
    }
    out
}

/// The places list (data/ime/places.txt): `code<TAB>name` lines, `#` comments.
pub fn places(text: &str) -> impl Iterator<Item = (&str, &str)> {
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .filter_map(|l| l.split_once('\t'))
        .map(|(c, n)| (c.trim(), n.trim()))
}

/// Runs of hanzi in a text (the label 联系地址（邮寄地址） gives two).
pub fn hanzi_runs(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| !is_hanzi(c)).filter(|s| !s.is_empty())
}

pub fn is_hanzi(c: char) -> bool {
    matches!(c, '\u{3400}'..='\u{4dbf}' | '\u{4e00}'..='\u{9fff}' | '\u{20000}'..='\u{2a6df}')
}

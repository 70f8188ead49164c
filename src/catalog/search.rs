//! Search by name, keywords and 拼音 (full or initials), ranked. "xsecs" finds
//! 新生儿出生 by initials, "canyin" finds 开办餐饮店 by full pinyin at a syllable start.
//!
//! The index keeps, per entry, the lower-cased name, its initials and its full pinyin
//! with syllable starts, so a keystroke is a linear scan of short strings: no
//! allocation per entry, fast enough for 10,000 matters (see benches/catalog_search.rs).

use super::Catalog;
use pinyin::ToPinyin;
use std::cmp::Reverse;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// Index into `Catalog::bundles`.
    Bundle(usize),
    /// Index into `Catalog::matters`.
    Matter(usize),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hit {
    pub target: Target,
    pub name: String,
    pub score: u32,
}

#[derive(Debug, Clone, Default)]
struct Text {
    lower: String,
    initials: String,
    pinyin: String,
    /// Byte offsets in `pinyin` where a syllable (or an ASCII run character) starts.
    starts: Vec<u16>,
    /// Whether the name has any ASCII letter or digit: if not, an ASCII query can only
    /// match through pinyin, and the name checks are skipped.
    has_ascii: bool,
}

impl Text {
    fn new(s: &str) -> Text {
        let mut t = Text {
            lower: s.to_lowercase(),
            has_ascii: s.bytes().any(|b| b.is_ascii_alphanumeric()),
            ..Text::default()
        };
        for c in s.chars() {
            if let Some(p) = c.to_pinyin() {
                t.starts.push(t.pinyin.len() as u16);
                t.pinyin.push_str(p.plain());
                t.initials.push_str(p.first_letter());
            } else if c.is_ascii_alphanumeric() {
                let c = c.to_ascii_lowercase();
                t.starts.push(t.pinyin.len() as u16);
                t.pinyin.push(c);
                t.initials.push(c);
            }
        }
        t
    }

    /// Best score of `q` against this text, 0 if no match. `ascii` says whether the
    /// query can be pinyin at all.
    fn score(&self, q: &str, ascii: bool) -> u32 {
        if ascii && !self.has_ascii {
            return self.score_pinyin(q);
        }
        if self.lower == q {
            return 1000;
        }
        if self.lower.starts_with(q) {
            return 900;
        }
        if ascii {
            if self.initials.starts_with(q) {
                return 850;
            }
            if self.pinyin.starts_with(q) {
                return 800;
            }
        }
        if let Some(pos) = find(&self.lower, q) {
            return 700 - (self.lower[..pos].chars().count() as u32).min(100);
        }
        if ascii {
            return self.score_pinyin(q);
        }
        0
    }

    fn score_pinyin(&self, q: &str) -> u32 {
        if self.initials.starts_with(q) {
            return 850;
        }
        if self.pinyin.starts_with(q) {
            return 800;
        }
        if let Some(pos) = find(&self.initials, q) {
            return 600 - (pos as u32).min(100);
        }
        // One substring scan first: most entries fail here, before the syllable walk.
        let first = match find(&self.pinyin, q) {
            Some(p) => p,
            None => return 0,
        };
        let at_start = |b: &u16| *b as usize >= first && self.pinyin[*b as usize..].starts_with(q);
        match self.starts.iter().position(at_start) {
            Some(n) => 550 - (n as u32).min(100),
            None => 0,
        }
    }
}

/// Substring search for short haystacks: `str::find` builds a Two-Way searcher per
/// call, which costs more than scanning a 60-byte name.
fn find(hay: &str, needle: &str) -> Option<usize> {
    let (h, n) = (hay.as_bytes(), needle.as_bytes());
    let first = *n.first()?;
    if n.len() > h.len() {
        return None;
    }
    (0..=h.len() - n.len()).find(|&i| h[i] == first && &h[i..i + n.len()] == n)
}

fn mask(ascii: &str) -> u64 {
    ascii.bytes().fold(0u64, |m, b| match b {
        b'a'..=b'z' => m | 1 << (b - b'a'),
        b'0'..=b'9' => m | 1 << (26 + b - b'0'),
        _ => m,
    })
}

fn letters(s: &str) -> u64 {
    let t = Text::new(s);
    mask(&t.pinyin) | mask(&t.lower)
}

fn openers(s: &str) -> u64 {
    let t = Text::new(s);
    mask(&t.initials) | mask(&t.lower)
}

#[derive(Debug, Clone)]
struct Entry {
    target: Target,
    name: String,
    /// Shorter names rank first among equals.
    name_chars: u32,
    /// ASCII letters and digits (a-z, 0-9 folded to bits) in the name's and keywords'
    /// lower-case text, initials and pinyin: an ASCII query whose letters are not all
    /// here cannot match, and most entries are skipped on this one AND.
    letters: u64,
    /// Letters a match can start with: syllable initials and ASCII in the names. Any
    /// pinyin or initials match starts at a syllable, so the query's first letter must
    /// be one of these.
    starts_with: u64,
    text: Text,
    keywords: Vec<Text>,
}

#[derive(Debug, Clone, Default)]
pub struct Index {
    entries: Vec<Entry>,
    /// (letters, starts_with) of each entry, packed apart from the entries so the
    /// prefilter walks 16 bytes per entry instead of the whole entry.
    masks: Vec<(u64, u64)>,
}

impl Index {
    pub fn build(cat: &Catalog) -> Index {
        let bundles =
            cat.bundles.iter().enumerate().map(|(i, b)| (Target::Bundle(i), b.name.as_str(), &b.keywords[..]));
        let matters =
            cat.matters.iter().enumerate().map(|(i, m)| (Target::Matter(i), m.name.as_str(), &m.keywords[..]));
        Index::from_items(bundles.chain(matters))
    }

    pub fn from_items<'a>(items: impl IntoIterator<Item = (Target, &'a str, &'a [String])>) -> Index {
        let entries: Vec<Entry> = items
            .into_iter()
            .map(|(target, name, kw)| Entry {
                target,
                // The search key drops the “一件事” suffix shared by every bundle.
                text: Text::new(name.trim_end_matches("“一件事”")),
                name: name.to_string(),
                name_chars: name.chars().count() as u32,
                letters: letters(name) | kw.iter().fold(0, |m, k| m | letters(k)),
                starts_with: openers(name) | kw.iter().fold(0, |m, k| m | openers(k)),
                keywords: kw.iter().map(|k| Text::new(k)).collect(),
            })
            .collect();
        let masks = entries.iter().map(|e: &Entry| (e.letters, e.starts_with)).collect();
        Index { entries, masks }
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The best `limit` hits: by score, bundles before matters, shorter names first.
    pub fn search(&self, query: &str, limit: usize) -> Vec<Hit> {
        let q: String = query.chars().filter(|c| !c.is_whitespace()).flat_map(char::to_lowercase).collect();
        if q.is_empty() || limit == 0 {
            return Vec::new();
        }
        let ascii = q.bytes().all(|b| b.is_ascii_alphanumeric());
        let need = if ascii { mask(&q) } else { 0 };
        let opener = if ascii { mask(&q[..1]) } else { 0 };
        // (score descending, shorter name, catalog order): sortable as plain tuples.
        let mut scored: Vec<(Reverse<u32>, u32, u32)> = Vec::new();
        for (i, &(letters, starts)) in self.masks.iter().enumerate() {
            if letters & need != need || starts & opener != opener {
                continue;
            }
            let e = &self.entries[i];
            let name = e.text.score(&q, ascii);
            // A keyword match counts, but below a match on the name itself.
            let kw = e.keywords.iter().map(|k| k.score(&q, ascii)).max().unwrap_or(0) / 2;
            let mut s = name.max(kw);
            if s == 0 {
                continue;
            }
            if matches!(e.target, Target::Bundle(_)) {
                s += 20;
            }
            scored.push((Reverse(s), e.name_chars, i as u32));
        }
        if scored.len() > limit {
            scored.select_nth_unstable(limit - 1);
            scored.truncate(limit);
        }
        scored.sort_unstable();
        scored
            .into_iter()
            .map(|(Reverse(score), _, i)| {
                let e = &self.entries[i as usize];
                Hit { target: e.target, name: e.name.clone(), score }
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn initials_and_full_pinyin() {
        let t = Text::new("新生儿出生");
        assert_eq!(t.initials, "xsecs");
        assert!(t.score("xsecs", true) > 0);
        assert!(Text::new("开办餐饮店").score("canyin", true) > 0);
        // Not at a syllable start: no match.
        assert_eq!(Text::new("开办餐饮店").score("anyin", true), 0);
    }
}

//! Search by name, keywords and 拼音 (full or initials), ranked. "xsecs" finds
//! 新生儿出生 by initials, "canyin" finds 开办餐饮店 by full pinyin at a syllable start.
//!
//! The index keeps, per entry, the lower-cased name, its initials and its full pinyin
//! with syllable starts, so a keystroke is a linear scan of short strings: no
//! allocation per entry, fast enough for 10,000 matters (see benches/catalog_search.rs).

use super::Catalog;
use pinyin::ToPinyin;

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
}

impl Text {
    fn new(s: &str) -> Text {
        let mut t = Text { lower: s.to_lowercase(), ..Text::default() };
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
        if let Some(pos) = self.lower.find(q) {
            return 700 - (self.lower[..pos].chars().count() as u32).min(100);
        }
        if ascii {
            if let Some(pos) = self.initials.find(q) {
                return 600 - (pos as u32).min(100);
            }
            if let Some(n) = self.starts.iter().position(|&b| self.pinyin[b as usize..].starts_with(q)) {
                return 550 - (n as u32).min(100);
            }
        }
        0
    }
}

#[derive(Debug, Clone)]
struct Entry {
    target: Target,
    name: String,
    text: Text,
    keywords: Vec<Text>,
}

#[derive(Debug, Clone, Default)]
pub struct Index {
    entries: Vec<Entry>,
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
        let entries = items
            .into_iter()
            .map(|(target, name, kw)| Entry {
                target,
                // The search key drops the “一件事” suffix shared by every bundle.
                text: Text::new(name.trim_end_matches("“一件事”")),
                name: name.to_string(),
                keywords: kw.iter().map(|k| Text::new(k)).collect(),
            })
            .collect();
        Index { entries }
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
        let mut scored: Vec<(u32, usize)> = Vec::new();
        for (i, e) in self.entries.iter().enumerate() {
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
            scored.push((s, i));
        }
        let key = |&(s, i): &(u32, usize)| (std::cmp::Reverse(s), self.entries[i].name.chars().count(), i);
        if scored.len() > limit {
            scored.select_nth_unstable_by_key(limit - 1, key);
            scored.truncate(limit);
        }
        scored.sort_unstable_by_key(key);
        scored
            .into_iter()
            .map(|(score, i)| Hit { target: self.entries[i].target, name: self.entries[i].name.clone(), score })
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

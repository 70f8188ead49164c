//! Search by name, keywords and 拼音 (full or initials), ranked. "xsecs" finds
//! 新生儿出生 by initials, "canyin" finds 开办餐饮店 by full pinyin at a syllable start.
//!
//! The index keeps, per entry, the lower-cased name, its initials and its full pinyin
//! with syllable starts. A keystroke first walks a packed array of filters (letters
//! present, letters a match can start with, a 256-bit set of adjacent character
//! pairs) and scores only the entries that pass; the first keystroke's answers are
//! computed once when the index is built. See benches/catalog_search.rs.

use super::Catalog;
use pinyin::ToPinyin;
use std::cmp::Reverse;
use std::collections::BinaryHeap;

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
    #[cfg(test)]
    fn score(&self, q: &str, ascii: bool) -> u32 {
        self.score_above(q, ascii, true, 0)
    }

    /// The score of `q` if it is at least `floor`, else 0, skipping every check that
    /// cannot reach `floor`. Tiers, best first: the whole text 1000, its start 900,
    /// initials' start 850, pinyin's start 800, inside the text 700-600, inside the
    /// initials 600-500, at a later syllable 550-450. `lower_ok` false says the
    /// entry's filter already rules out `q` inside the text.
    fn score_above(&self, q: &str, ascii: bool, lower_ok: bool, floor: u32) -> u32 {
        let at_least = |s: u32| if s >= floor { s } else { 0 };
        let lower_ok = lower_ok && (!ascii || self.has_ascii);
        if lower_ok {
            if self.lower == q {
                return 1000;
            }
            if self.lower.starts_with(q) {
                return at_least(900);
            }
        }
        if floor > 850 {
            return 0;
        }
        if ascii {
            if self.initials.starts_with(q) {
                return 850;
            }
            if floor > 800 {
                return 0;
            }
            if self.pinyin.starts_with(q) {
                return 800;
            }
        }
        if floor > 700 {
            return 0;
        }
        if lower_ok {
            if let Some(pos) = find(&self.lower, q) {
                return at_least(700 - (self.lower[..pos].chars().count() as u32).min(100));
            }
        }
        if !ascii || floor > 600 {
            return 0;
        }
        if let Some(pos) = find(&self.initials, q) {
            return at_least(600 - (pos as u32).min(100));
        }
        if floor > 550 {
            return 0;
        }
        // A match at syllable n scores 550 - n: only the first few can reach `floor`.
        let last = if floor > 450 { (550 - floor) as usize } else { usize::MAX };
        for (n, &b) in self.starts.iter().enumerate().take(last.saturating_add(1)) {
            if self.pinyin.as_bytes()[b as usize..].starts_with(q.as_bytes()) {
                return at_least(550 - (n as u32).min(100));
            }
        }
        0
    }

    /// The plain scoring, tier after tier: the oracle `score_above` is tested against.
    #[cfg(test)]
    fn score_reference(&self, q: &str, ascii: bool) -> u32 {
        if ascii && !self.has_ascii {
            return self.score_pinyin_reference(q);
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
            return self.score_pinyin_reference(q);
        }
        0
    }

    #[cfg(test)]
    fn score_pinyin_reference(&self, q: &str) -> u32 {
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

#[derive(Debug, Clone)]
struct Entry {
    target: Target,
    name: String,
    /// Shorter names rank first among equals.
    name_chars: u32,
    text: Text,
    keywords: Vec<Text>,
}

/// A set of hashed features (character pairs, single characters) in 256 bits.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Bloom([u64; 4]);

impl Bloom {
    fn set(&mut self, a: u32, b: u32) {
        let h = (a.wrapping_mul(0x9E37_79B1) ^ b.wrapping_mul(0x85EB_CA77)) >> 24;
        self.0[(h >> 6) as usize] |= 1 << (h & 63);
    }

    /// Every adjacent pair of `s`; with `singles`, every character too.
    fn add(&mut self, s: &str, singles: bool) {
        let mut prev = None;
        for c in s.chars() {
            if let Some(p) = prev {
                self.set(u32::from(p), u32::from(c));
            }
            if singles {
                self.set(0, u32::from(c));
            }
            prev = Some(c);
        }
    }

    fn contains(&self, q: &Bloom) -> bool {
        (0..4).all(|i| self.0[i] & q.0[i] == q.0[i])
    }
}

/// Pinyin syllables seen in the index, numbered; a set of them is 512 bits (there are
/// about 410 syllables; any beyond share bits, which only lets more entries through).
#[derive(Debug, Clone, Default)]
struct Syllables(std::collections::HashMap<String, u16>);

impl Syllables {
    fn id(&mut self, s: &str) -> u16 {
        let next = self.0.len() as u16;
        *self.0.entry(s.to_string()).or_insert(next) % 512
    }

    /// Syllables a pinyin match of `q` can start on: a match starts at a syllable and
    /// either ends inside it ("zhu" in zhuang) or runs through it ("xinsh" from xin).
    fn starting(&self, q: &str) -> [u64; 8] {
        let mut set = [0u64; 8];
        for (s, &id) in &self.0 {
            if s.starts_with(q) || q.starts_with(s.as_str()) {
                let id = id % 512;
                set[usize::from(id / 64)] |= 1 << (id % 64);
            }
        }
        set
    }
}

/// The packed per-entry filters, walked before any entry is touched. Each keeps
/// everything a match needs, so an entry that fails cannot match (tests check this).
#[derive(Debug, Clone, Copy, Default)]
struct Filter {
    /// Syllables in the name's and keywords' pinyin.
    syllables: [u64; 8],
    /// Adjacent pairs in the initials ("xsecs": xs, se, ec, cs).
    initials: Bloom,
    /// Characters and adjacent pairs of the lower-case texts, for non-ASCII queries.
    chars: Bloom,
    /// ASCII letters or digits in a name or keyword: an ASCII query may match the text
    /// itself, checked against `chars`.
    has_ascii: bool,
}

impl Filter {
    fn new(texts: &[&Text], syl: &mut Syllables) -> Filter {
        let mut f = Filter::default();
        for t in texts {
            f.has_ascii |= t.has_ascii;
            f.initials.add(&t.initials, false);
            f.chars.add(&t.lower, true);
            let ends = t.starts.iter().skip(1).map(|&e| e as usize).chain([t.pinyin.len()]);
            for (&a, b) in t.starts.iter().zip(ends) {
                let id = syl.id(&t.pinyin[a as usize..b]);
                f.syllables[usize::from(id / 64)] |= 1 << (id % 64);
            }
        }
        f
    }
}

/// What a query must find in a filter.
struct Need {
    ascii: bool,
    syllables: [u64; 8],
    initials: Bloom,
    chars: Bloom,
}

impl Need {
    fn passes(&self, f: &Filter) -> bool {
        if self.ascii {
            (f.has_ascii && f.chars.contains(&self.chars))
                || (0..8).any(|i| f.syllables[i] & self.syllables[i] != 0)
                || f.initials.contains(&self.initials)
        } else {
            f.chars.contains(&self.chars)
        }
    }
}

/// The best a keyword match can score (half the best name score).
const KEYWORD_MAX: u32 = 500;

/// Bundles rank above single matters that match as well.
const BUNDLE_BONUS: u32 = 20;

/// First-keystroke answers kept per letter or digit.
const FIRST_KEEP: usize = 16;

#[derive(Debug, Clone, Default)]
pub struct Index {
    entries: Vec<Entry>,
    filters: Vec<Filter>,
    syllables: Syllables,
    /// Ranked hits of each one-character query a-z, 0-9: (score, entry).
    first: Vec<Vec<(u32, u32)>>,
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
                keywords: kw.iter().map(|k| Text::new(k)).collect(),
            })
            .collect();
        let mut syllables = Syllables::default();
        let filters = entries
            .iter()
            .map(|e: &Entry| {
                let texts: Vec<&Text> = std::iter::once(&e.text).chain(&e.keywords).collect();
                Filter::new(&texts, &mut syllables)
            })
            .collect();
        let mut index = Index { entries, filters, syllables, first: Vec::new() };
        index.first =
            (b'a'..=b'z').chain(b'0'..=b'9').map(|c| index.scan(&char::from(c).to_string(), FIRST_KEEP)).collect();
        index
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
        let first = match q.as_bytes() {
            [c @ b'a'..=b'z'] => Some(usize::from(c - b'a')),
            [c @ b'0'..=b'9'] => Some(usize::from(c - b'0') + 26),
            _ => None,
        };
        let ranked = match first.and_then(|i| self.first.get(i)) {
            Some(kept) if limit <= FIRST_KEEP => kept.iter().take(limit).copied().collect(),
            _ => self.scan(&q, limit),
        };
        ranked
            .into_iter()
            .map(|(score, i)| {
                let e = &self.entries[i as usize];
                Hit { target: e.target, name: e.name.clone(), score }
            })
            .collect()
    }

    /// Scores every entry that passes the filters; `q` is already normalised.
    fn scan(&self, q: &str, limit: usize) -> Vec<(u32, u32)> {
        let ascii = q.bytes().all(|b| b.is_ascii_alphanumeric());
        let mut need = Need { ascii, syllables: [0; 8], initials: Bloom::default(), chars: Bloom::default() };
        if ascii {
            need.syllables = self.syllables.starting(q);
            need.initials.add(q, false);
            // One letter has no pair: every initials set "contains" it.
        }
        need.chars.add(q, true);
        // The best `limit` so far as a max-heap on (score descending, shorter name,
        // catalog order): its top is the one to beat, and its score the floor below
        // which an entry needs no further checks.
        let mut best: BinaryHeap<(Reverse<u32>, u32, u32)> = BinaryHeap::with_capacity(limit + 1);
        for (i, f) in self.filters.iter().enumerate() {
            if !need.passes(f) {
                continue;
            }
            let e = &self.entries[i];
            let bonus = if matches!(e.target, Target::Bundle(_)) { BUNDLE_BONUS } else { 0 };
            let floor = if best.len() == limit { best.peek().map_or(0, |t| t.0 .0).saturating_sub(bonus) } else { 0 };
            let lower_ok = f.chars.contains(&need.chars);
            let name = e.text.score_above(q, ascii, lower_ok, floor);
            // A keyword match counts half, so it can reach at most KEYWORD_MAX; a name
            // scoring that much needs no keyword scored.
            let mut s = name;
            if name < KEYWORD_MAX && floor <= KEYWORD_MAX {
                let kw_floor = floor.max(name + 1) * 2;
                let kw = e.keywords.iter().map(|k| k.score_above(q, ascii, lower_ok, kw_floor)).max().unwrap_or(0);
                s = s.max(kw / 2);
            }
            if s == 0 {
                continue;
            }
            best.push((Reverse(s + bonus), e.name_chars, i as u32));
            if best.len() > limit {
                best.pop();
            }
        }
        let mut scored = best.into_vec();
        scored.sort_unstable();
        scored.into_iter().map(|(Reverse(s), _, i)| (s, i)).collect()
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

    fn items(names: &[&str]) -> Index {
        let kw: Vec<String> = Vec::new();
        let v: Vec<(Target, &str, &[String])> =
            names.iter().enumerate().map(|(i, n)| (Target::Matter(i), *n, &kw[..])).collect();
        Index::from_items(v)
    }

    #[test]
    fn filters_never_hide_a_match() {
        // Every query's answer equals a plain scoring of every entry, filters or not.
        let names = ["新生儿出生", "开办餐饮店", "社会保障卡申领", "营业执照变更登记", "MRI检查预约", "退役军人事务"];
        let index = items(&names);
        for q in [
            "x",
            "xs",
            "xsecs",
            "canyin",
            "yin",
            "shbzk",
            "mri",
            "m",
            "退役",
            "役军",
            "军人事务",
            "zz",
            "9",
            "xinsh",
            "shengerchu",
            "ercs",
            "kbcy",
            "dian",
            "an",
            "jiancha",
            "检",
            "yuyue",
            "qq",
        ] {
            let ascii = q.bytes().all(|b| b.is_ascii_alphanumeric());
            let mut want: Vec<&str> =
                names.iter().copied().filter(|n| Text::new(n).score_reference(q, ascii) > 0).collect();
            let mut got: Vec<String> = index.search(q, 10).into_iter().map(|h| h.name).collect();
            want.sort_unstable();
            got.sort_unstable();
            assert_eq!(got, want, "{q}");
        }
    }

    #[test]
    fn bounded_scoring_equals_the_plain_tiers() {
        let texts =
            ["新生儿出生", "开办餐饮店", "个人营业执照办理（第3类）", "MRI检查预约", "社会保障卡", "住房公积金贷款"];
        let queries = [
            "x",
            "xs",
            "xsecs",
            "xin",
            "sheng",
            "canyin",
            "kbcy",
            "yin",
            "zh",
            "zhizhao",
            "3",
            "mri",
            "jc",
            "gongjijin",
            "gjj",
            "dai",
            "daikuan",
            "社会",
            "执照",
            "第3类",
            "q",
        ];
        for t in texts.map(Text::new) {
            for q in queries {
                let ascii = q.bytes().all(|b| b.is_ascii_alphanumeric());
                let want = t.score_reference(q, ascii);
                for floor in [0, 1, 449, 450, 500, 547, 550, 551, 600, 650, 700, 701, 800, 850, 851, 900, 1000] {
                    let got = t.score_above(q, ascii, true, floor);
                    assert_eq!(got, if want >= floor { want } else { 0 }, "{} / {q} / floor {floor}", t.lower);
                }
            }
        }
    }

    #[test]
    fn ranked_answers_equal_a_brute_force_ranking_with_keywords_and_bundles() {
        let words =
            ["新生儿", "出生", "营业执照", "社会保障卡", "住房公积金", "餐饮", "退役军人", "注销", "MRI", "第3类"];
        let mut x: u32 = 12345;
        let mut rnd = |n: usize| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            x as usize % n
        };
        let mut items: Vec<(Target, String, Vec<String>)> = Vec::new();
        for i in 0..300 {
            let name = format!("{}{}{}", words[rnd(10)], words[rnd(10)], ["办理", "登记", "申请"][rnd(3)]);
            let kw: Vec<String> = (0..rnd(3)).map(|_| words[rnd(10)].to_string()).collect();
            let target = if i % 7 == 0 { Target::Bundle(i) } else { Target::Matter(i) };
            items.push((target, name, kw));
        }
        let index = Index::from_items(items.iter().map(|(t, n, k)| (*t, n.as_str(), &k[..])));
        let queries = [
            "x", "xs", "xse", "zh", "zhizhao", "shbzk", "gjj", "gong", "cy", "canyin", "tyjr", "zx", "mri", "m", "3",
            "第3", "出生", "登记", "zz", "q",
        ];
        for q in queries {
            let ascii = q.bytes().all(|b| b.is_ascii_alphanumeric());
            let mut want: Vec<(Reverse<u32>, u32, usize)> = items
                .iter()
                .enumerate()
                .filter_map(|(i, (t, n, kw))| {
                    let name = Text::new(n).score_reference(q, ascii);
                    let kw = kw.iter().map(|k| Text::new(k).score_reference(q, ascii)).max().unwrap_or(0) / 2;
                    let s = name.max(kw);
                    let bonus = if matches!(t, Target::Bundle(_)) { BUNDLE_BONUS } else { 0 };
                    (s > 0).then(|| (Reverse(s + bonus), n.chars().count() as u32, i))
                })
                .collect();
            want.sort_unstable();
            for limit in [1, 8, 40] {
                let got: Vec<(u32, String)> = index.search(q, limit).into_iter().map(|h| (h.score, h.name)).collect();
                let exp: Vec<(u32, String)> =
                    want.iter().take(limit).map(|(Reverse(s), _, i)| (*s, items[*i].1.clone())).collect();
                assert_eq!(got, exp, "{q} / {limit}");
            }
        }
    }

    #[test]
    fn first_keystroke_answers_match_a_full_scan() {
        let names: Vec<String> = (0..300).map(|i| format!("事项{i}号申请登记备案")).collect();
        let refs: Vec<&str> = names.iter().map(String::as_str).collect();
        let index = items(&refs);
        for q in ["s", "d", "1", "z"] {
            let fast: Vec<(u32, String)> = index.search(q, 8).into_iter().map(|h| (h.score, h.name)).collect();
            let full: Vec<(u32, String)> =
                index.scan(q, 8).into_iter().map(|(s, i)| (s, index.entries[i as usize].name.clone())).collect();
            assert_eq!(fast, full, "{q}");
        }
        // Beyond what is kept, the scan answers.
        assert!(index.search("s", 200).len() > FIRST_KEEP);
    }
}

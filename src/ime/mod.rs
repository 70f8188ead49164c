//! Word-level 拼音 input for the kiosk's on-screen keypad. The citizen types letters and
//! picks a word: "xinxiang" offers 新乡, "shenfenzheng" 身份证, initials too ("xx" 新乡),
//! and a longer string is split into syllables ("weibinqu": 卫滨区, or 卫滨 then 区;
//! "xinxiangshihongqiqu" offers 新乡市红旗区 as one sentence). A pick takes the letters
//! its word spells; the letters after them stay and are offered again.
//!
//! Words come from jieba's dictionary (MIT) with its usage frequencies, GB/T 2260 places
//! (data/ime/places.txt) and every GB 2312 character, built at compile time into an FST
//! (`generate.rs`, build.rs) that is included in the binary and read in place: nothing
//! is parsed or copied at start, and only the pages a lookup walks are read from the
//! file. The catalog's own terms (field labels, options, matter and bundle names) join
//! from the catalog in use; the terminal's city and district (its `terminal.centre` and
//! `branch`) rank first, so a plain frequency order does not put 心想 before 新乡.
//!
//! Order: words that spell everything typed (every syllable in full, then the last one
//! begun, then by initials), by frequency; then the likeliest sentence if no one word
//! spells it all; then words that spell a first part, the longer first.

mod index;
#[allow(dead_code)] // Shared with build.rs, which uses the parts that build the index.
pub mod keys;

use crate::catalog::Catalog;
use index::closeness;
use keys::CharTable;
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, OnceLock, RwLock};

pub use index::MAX_TYPED;

/// The dictionary index built by build.rs; see the module doc.
static WORDS: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/ime/words.fst"));
static CHARS: &str = include_str!(concat!(env!("OUT_DIR"), "/ime/chars.txt"));
/// What build.rs put in the index (dictionary, words, keys, bytes).
pub const STATS: &str = include_str!(concat!(env!("OUT_DIR"), "/ime/stats.txt"));
/// GB/T 2260 places (code, name): the site's own rank first.
static PLACES: &str = include_str!("../../data/ime/places.txt");

/// At most this many candidates on one page.
pub const PAGE_MAX: usize = 8;
/// Candidates offered for one string of letters.
const MAX_CANDIDATES: usize = 240;
/// Keys one search may walk (the commonest initials, "yy", walk about 3,000).
const SEARCH_LIMIT: usize = 20_000;
/// 100 × ln of jieba's total frequency: a word's log-probability is its score less this.
const LN_TOTAL: i64 = 1791;
/// The site's own city and district, and the places under them (100 × ln of the factor).
const SITE_BOOST: i64 = 2000;
const LOCAL_BOOST: i64 = 700;
/// A catalog term scores at least as a word used this often.
const CATALOG_FREQ: u64 = 3000;

/// A word offered for the letters typed, and how many of them it spells (from the start).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub text: String,
    pub consumed: usize,
}

/// The index and what segmentation needs from it.
pub struct Lexicon {
    words: fst::Map<&'static [u8]>,
    table: CharTable,
    /// Every syllable and every start of one ("zh", "xia").
    prefixes: HashSet<Box<[u8]>>,
    syllables: HashSet<Box<[u8]>>,
}

/// The index, opened on first use (the editor's first keystroke, or [`warm`]).
pub fn lexicon() -> &'static Lexicon {
    static L: OnceLock<Lexicon> = OnceLock::new();
    L.get_or_init(|| {
        let words = fst::Map::new(WORDS).expect("the 拼音 index built by build.rs");
        Lexicon::new(words, CharTable::parse(CHARS))
    })
}

/// Opens the index ahead of the first keystroke (when a text field's editor opens).
pub fn warm() {
    lexicon();
}

/// The index's size in bytes (in the binary, read in place).
pub fn index_bytes() -> usize {
    WORDS.len()
}

impl Lexicon {
    fn new(words: fst::Map<&'static [u8]>, table: CharTable) -> Lexicon {
        let mut prefixes = HashSet::new();
        let mut syllables = HashSet::new();
        for s in table.syllables() {
            let b = s.as_bytes();
            syllables.insert(b.into());
            for i in 1..=b.len() {
                prefixes.insert(b[..i].into());
            }
        }
        Lexicon { words, table, prefixes, syllables }
    }

    /// Where typed letters split into syllables: fewest pieces, whole syllables before
    /// begun ones, a longer first piece on a tie ("xian" is one, "fangan" fang|an).
    /// Starts with 0, ends with the length; None if a letter cannot stand where it is.
    pub fn segment(&self, t: &[u8]) -> Option<Vec<usize>> {
        let n = t.len();
        let mut best: Vec<Option<(u32, usize)>> = vec![None; n + 1];
        best[n] = Some((0, n));
        for i in (0..n).rev() {
            for j in (i + 1..=n.min(i + 6)).rev() {
                let piece = &t[i..j];
                let Some((rest, _)) = best[j] else { continue };
                if !self.prefixes.contains(piece) {
                    continue;
                }
                let cost = rest + if self.syllables.contains(piece) { 10 } else { 11 };
                if best[i].is_none_or(|(c, _)| cost < c) {
                    best[i] = Some((cost, j));
                }
            }
        }
        let mut bounds = vec![0];
        let mut i = 0;
        while i < n {
            i = best[i]?.1;
            bounds.push(i);
        }
        Some(bounds)
    }

    /// Every key of the index (and of `terms`) that spells `t[..p]` for p in `accept`.
    fn search(&self, terms: Option<&Terms>, t: &[u8], accept: u64, mut found: impl FnMut(&[u8], u64, usize)) {
        index::search(&self.words, t, accept, SEARCH_LIMIT, &mut found);
        if let Some(terms) = terms {
            index::search(&terms.map, t, accept, SEARCH_LIMIT, &mut found);
        }
    }

    /// The candidates for `typed`, best first; empty if nothing spells it.
    pub fn candidates(&self, typed: &str, ctx: &Context) -> Vec<Candidate> {
        let t = typed.as_bytes();
        let n = t.len();
        if n == 0 || n > MAX_TYPED || !t.iter().all(u8::is_ascii_lowercase) {
            return Vec::new();
        }
        let Some(bounds) = self.segment(t) else { return Vec::new() };
        let terms = ctx.terms.as_deref();
        let mut hits: Vec<Hit> = Vec::new();
        self.search(terms, t, accept_after(&bounds, 0), |key, value, covers| {
            let score = ctx.score(&self.table, key, value);
            hits.push(Hit { key: key.to_vec(), covers, close: closeness(&t[..covers], key), score });
        });
        // Spelling more first, then closer, then likelier.
        hits.sort_by(|a, b| {
            b.covers
                .cmp(&a.covers)
                .then(a.close.cmp(&b.close))
                .then(b.score.cmp(&a.score))
                .then_with(|| a.key.cmp(&b.key))
        });
        let sentence = if bounds.len() > 2 { self.compose(terms, t, &bounds, &hits, ctx) } else { None };
        let mut out: Vec<Candidate> = Vec::new();
        let push = |out: &mut Vec<Candidate>, text: String, consumed: usize| {
            if out.len() < MAX_CANDIDATES && !out.iter().any(|c| c.text == text) {
                out.push(Candidate { text, consumed });
            }
        };
        // Whole words before a sentence made of several; the sentence before words that
        // spell less, or first when no whole word spells it closely.
        let whole = hits.iter().take_while(|h| h.covers == n).count();
        let whole_close = hits.first().is_some_and(|h| h.covers == n && h.close < 2);
        let sentence_at = if whole_close { whole } else { 0 };
        for (i, h) in hits.iter().enumerate() {
            if out.len() >= MAX_CANDIDATES {
                break;
            }
            if i == sentence_at {
                if let Some(s) = &sentence {
                    push(&mut out, s.clone(), n);
                }
            }
            if let Some(word) = self.table.decode(&h.key) {
                push(&mut out, word, h.covers);
            }
        }
        if sentence_at >= hits.len() {
            if let Some(s) = sentence {
                push(&mut out, s, n);
            }
        }
        out
    }

    /// The likeliest run of words that spells all of `t`, each ending at a syllable
    /// bound and spelling its syllables in full (the last one may be begun): None
    /// unless it takes two words or more. `first`: the hits from the start.
    fn compose(
        &self,
        terms: Option<&Terms>,
        t: &[u8],
        bounds: &[usize],
        first: &[Hit],
        ctx: &Context,
    ) -> Option<String> {
        let n = t.len();
        // Words spell their syllables in full here: a begun one before the last (an
        // initial) leaves no sentence.
        if bounds.windows(2).rev().skip(1).any(|w| !self.syllables.contains(&t[w[0]..w[1]])) {
            return None;
        }
        // The best word from each bound to each later one: (score, key).
        let mut best: HashMap<(usize, usize), (i64, Vec<u8>)> = HashMap::new();
        let mut note = |from: usize, to: usize, close: u8, score: i64, key: &[u8]| {
            if close == 2 || close == 1 && to != n {
                return;
            }
            let e = best.entry((from, to)).or_insert((i64::MIN, Vec::new()));
            if score - LN_TOTAL > e.0 {
                e.0 = score - LN_TOTAL;
                e.1.clear();
                e.1.extend_from_slice(key);
            }
        };
        for h in first {
            note(0, h.covers, h.close, h.score, &h.key);
        }
        for (k, &from) in bounds.iter().enumerate().take(bounds.len() - 1).skip(1) {
            let rest = &t[from..];
            self.search(terms, rest, accept_after(&bounds[k..], from), |key, value, covers| {
                note(from, from + covers, closeness(&rest[..covers], key), ctx.score(&self.table, key, value), key);
            });
        }
        // Viterbi over the bounds: the best path to each.
        let mut at: HashMap<usize, (i64, Vec<usize>)> = HashMap::from([(0, (0, vec![0]))]);
        for &to in &bounds[1..] {
            let mut pick: Option<(i64, Vec<usize>)> = None;
            for &from in bounds.iter().take_while(|&&b| b < to) {
                let (Some((s0, path)), Some((w, _))) = (at.get(&from), best.get(&(from, to))) else { continue };
                if pick.as_ref().is_none_or(|p| s0 + w > p.0) {
                    let mut p = path.clone();
                    p.push(to);
                    pick = Some((s0 + w, p));
                }
            }
            if let Some(p) = pick {
                at.insert(to, p);
            }
        }
        let (_, path) = at.get(&n)?;
        if path.len() <= 2 {
            return None;
        }
        path.windows(2).map(|w| self.table.decode(&best[&(w[0], w[1])].1)).collect()
    }
}

/// A key found for the typed letters: the letters it spells, how closely, its score.
struct Hit {
    key: Vec<u8>,
    covers: usize,
    close: u8,
    score: i64,
}

/// The ends a match may have, as bits counted from `from`: the bounds after it.
fn accept_after(bounds: &[usize], from: usize) -> u64 {
    bounds.iter().filter(|&&b| b > from).fold(0, |m, &b| m | 1 << (b - from))
}

/// What ranks words besides their frequency: the site's places and the catalog's terms.
#[derive(Default)]
pub struct Context {
    boosts: Arc<HashMap<String, i64>>,
    terms: Option<Arc<Terms>>,
}

impl Context {
    /// The terminal's site (see [`set_site`]) and the terms of `cat`.
    pub fn of(cat: &Catalog) -> Context {
        Context { boosts: site(), terms: Some(terms_of(cat)) }
    }

    /// A site given as its centre and branch text, and no catalog (tests, benches).
    pub fn for_site(texts: &[&str]) -> Context {
        Context { boosts: Arc::new(site_boosts(texts)), terms: None }
    }

    /// A key's score with the site's boost (places only: few words to spell out).
    fn score(&self, table: &CharTable, key: &[u8], value: u64) -> i64 {
        let base = i64::from(keys::score_of(value));
        if keys::flags_of(value) & keys::PLACE == 0 || self.boosts.is_empty() {
            return base;
        }
        base + table.decode(key).and_then(|w| self.boosts.get(&w).copied()).unwrap_or(0)
    }
}

/// The places the terminal's own texts name rank first (新乡市 in 新乡市政务服务中心,
/// and 新乡), the places under them next (红旗区, 卫滨区 …), and the places above a named
/// district rank first too. Counties are matched by full name only, cities and
/// provinces by their short form too.
pub fn site_boosts(texts: &[&str]) -> HashMap<String, i64> {
    let places: Vec<(&str, &str)> = keys::places(PLACES).collect();
    let named: Vec<&str> = places
        .iter()
        .filter(|(code, name)| {
            let county = !code.ends_with("00");
            let forms = keys::place_forms(name);
            texts.iter().any(|t| forms.iter().take(if county { 1 } else { 2 }).any(|f| t.contains(f)))
        })
        .map(|(code, _)| *code)
        .collect();
    // A code's prefix up to its level: 41 (province), 4107 (prefecture), 410702.
    let level = |c: &str| {
        if c.ends_with("0000") {
            2
        } else if c.ends_with("00") {
            4
        } else {
            6
        }
    };
    let mut out = HashMap::new();
    for (code, name) in &places {
        let boost = if named.iter().any(|n| {
            // The named place itself, or one above it.
            *n == *code || n.starts_with(&code[..level(code)]) && level(code) < level(n)
        }) {
            SITE_BOOST
        } else if named.iter().any(|n| code.starts_with(&n[..level(n)])) {
            LOCAL_BOOST
        } else {
            continue;
        };
        for f in keys::place_forms(name) {
            let e = out.entry(f.to_string()).or_insert(boost);
            *e = (*e).max(boost);
        }
    }
    out
}

fn site_cell() -> &'static RwLock<Arc<HashMap<String, i64>>> {
    static S: OnceLock<RwLock<Arc<HashMap<String, i64>>>> = OnceLock::new();
    S.get_or_init(Default::default)
}

fn site() -> Arc<HashMap<String, i64>> {
    site_cell().read().map(|s| s.clone()).unwrap_or_default()
}

/// The terminal's site, from its config (`terminal.centre` and `terminal.branch`): set
/// once at start.
pub fn set_site(centre: &str, branch: &str) {
    let boosts = Arc::new(site_boosts(&[centre, branch]));
    if let Ok(mut s) = site_cell().write() {
        *s = boosts;
    }
}

/// The catalog's terms as a small FST of the same keys: field labels and options,
/// matter, bundle and material names, split at punctuation (联系地址（邮寄地址）gives
/// 联系地址 and 邮寄地址).
pub struct Terms {
    map: fst::Map<Vec<u8>>,
}

impl Terms {
    pub fn of(cat: &Catalog) -> Terms {
        let table = &lexicon().table;
        let mut texts: Vec<&str> = Vec::new();
        for f in &cat.fields {
            texts.push(&f.label);
            texts.extend(f.options.iter().map(String::as_str));
        }
        texts.extend(cat.matters.iter().map(|m| m.name.as_str()));
        texts.extend(cat.bundles.iter().map(|b| b.name.as_str()));
        texts.extend(cat.materials.iter().map(|m| m.name.as_str()));
        let mut entries = std::collections::BTreeMap::new();
        for run in texts.into_iter().flat_map(keys::hanzi_runs) {
            if run.chars().count() >= 2 {
                table.add_word(&mut entries, run, keys::centi_ln(CATALOG_FREQ), keys::CATALOG);
            }
        }
        let map = fst::Map::from_iter(entries).unwrap_or_default();
        Terms { map }
    }

    pub fn len(&self) -> usize {
        self.map.len()
    }

    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }
}

/// The terms of the catalog in use, kept until another catalog is typed against.
fn terms_of(cat: &Catalog) -> Arc<Terms> {
    type Cached = Option<((String, usize, usize, usize), Arc<Terms>)>;
    static T: Mutex<Cached> = Mutex::new(None);
    let id = (cat.version.clone(), cat.fields.len(), cat.matters.len(), cat.bundles.len());
    let mut cached = T.lock().unwrap_or_else(|e| e.into_inner());
    match cached.as_ref() {
        Some((k, t)) if *k == id => t.clone(),
        _ => {
            let t = Arc::new(Terms::of(cat));
            *cached = Some((id, t.clone()));
            t
        }
    }
}

/// The candidates for `typed` at this terminal, with the terms of `cat`.
pub fn candidates(typed: &str, cat: &Catalog) -> Vec<Candidate> {
    lexicon().candidates(typed, &Context::of(cat))
}

/// Whether the editor takes these letters: they split into syllables, each at least
/// begun (xinx, xx); a letter that cannot stand where it is ("xv", "xinxiangi") or
/// a string past [`MAX_TYPED`] is refused at once, with a hint.
pub fn accepts(typed: &str) -> bool {
    let t = typed.as_bytes();
    !t.is_empty() && t.len() <= MAX_TYPED && t.iter().all(u8::is_ascii_lowercase) && lexicon().segment(t).is_some()
}

/// The candidate row (ui/screens/apply.slint, FieldEditor): the 1080-px window less
/// its 40-px paddings, the two 80-px paging buttons and a filler, with 8-px gaps; each
/// candidate takes its width and one gap.
const ROW_PX: u32 = 1080 - 2 * 40 - 2 * 80 - 2 * 8;

/// A candidate button's width with the gap after it, as FieldEditor draws it: the text
/// at Theme.title (Theme.body past 8 characters) plus 32 px, at least Theme.touch;
/// 长者版 scales type by 1.5 and touch to 120 px.
fn button_px(text: &str, elder: bool) -> u32 {
    let n = text.chars().count() as u32;
    let font = (if n > 8 { 32 } else { 48 }) * (if elder { 3 } else { 2 }) / 2;
    let touch = if elder { 120 } else { 96 };
    (n * font + 32).max(touch).min(ROW_PX - 8) + 8
}

/// Candidates split into pages that fit the candidate row: (start, end) of each.
pub fn pages(cands: &[Candidate], elder: bool) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let (mut start, mut width) = (0, 0);
    for (i, c) in cands.iter().enumerate() {
        let w = button_px(&c.text, elder);
        if i > start && (width + w > ROW_PX || i - start >= PAGE_MAX) {
            out.push((start, i));
            (start, width) = (i, 0);
        }
        width += w;
    }
    if start < cands.len() {
        out.push((start, cands.len()));
    }
    out
}

/// One page of candidates, and whether another follows.
pub fn page(typed: &str, page: usize, elder: bool, cat: &Catalog) -> (Vec<Candidate>, bool) {
    let all = candidates(typed, cat);
    let pages = pages(&all, elder);
    match pages.get(page) {
        Some(&(a, b)) => (all[a..b].to_vec(), page + 1 < pages.len()),
        None => (Vec::new(), false),
    }
}

#[cfg(test)]
mod tests;

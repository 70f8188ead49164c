//! Matching typed letters against the index: an FST automaton that walks only the keys
//! whose syllables can spell what was typed, each syllable in full, by its initial
//! (x, zh) or, for the last one typed, by any start (xinxia… → 新乡).

use super::keys::ESCAPE;
use fst::{Automaton, IntoStreamer, Streamer};

/// Letters the matcher takes at once (the editor refuses more).
pub const MAX_TYPED: usize = 40;

/// The typed letters (a..z, at most [`MAX_TYPED`]) and the places a match may end.
pub struct Spell<'a> {
    typed: &'a [u8],
    /// Bit p: typed[p] is the letter; one mask per letter.
    eq: [u64; 26],
    /// Bit p: typed[p] is the h of zh, ch or sh.
    digraph: u64,
    /// Bit p: a match may end having spelled typed[..p].
    accept: u64,
}

/// Positions in the typed letters, one bit each, in each phase of a syllable.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct State {
    /// At a syllable's first letter.
    start: u64,
    /// Its first letter matched.
    one: u64,
    /// zh, ch or sh matched.
    two: u64,
    /// More letters matched.
    long: u64,
    /// The syllable stands abbreviated; its other letters are passed over.
    skip: u64,
    /// The last byte closed a syllable (a character): a word may end here.
    closed: bool,
    /// The second byte of a two-byte character place comes next.
    esc: bool,
}

impl<'a> Spell<'a> {
    /// `accept`: bit p allows a match that spells `typed[..p]`.
    pub fn new(typed: &'a [u8], accept: u64) -> Spell<'a> {
        assert!(typed.len() <= MAX_TYPED && typed.iter().all(u8::is_ascii_lowercase));
        let mut eq = [0u64; 26];
        let mut digraph = 0;
        for (p, &b) in typed.iter().enumerate() {
            eq[usize::from(b - b'a')] |= 1 << p;
            if b == b'h' && p > 0 && matches!(typed[p - 1], b'z' | b'c' | b's') {
                digraph |= 1 << p;
            }
        }
        Spell { typed, eq, digraph, accept }
    }

    fn end(&self) -> u64 {
        1 << self.typed.len()
    }
}

impl Automaton for Spell<'_> {
    type State = State;

    fn start(&self) -> State {
        State { start: 1, ..State::default() }
    }

    fn is_match(&self, s: &State) -> bool {
        s.closed && !s.esc && s.start & self.accept != 0
    }

    fn can_match(&self, s: &State) -> bool {
        s.esc || (s.start | s.one | s.two | s.long | s.skip) != 0
    }

    fn accept(&self, s: &State, b: u8) -> State {
        if s.esc {
            return State { esc: false, ..*s };
        }
        if b.is_ascii_lowercase() {
            let eq = self.eq[usize::from(b - b'a')];
            let first = s.one & eq;
            State {
                start: 0,
                one: (s.start & eq) << 1,
                two: (first & self.digraph) << 1,
                long: ((first & !self.digraph) | (s.two & eq) | (s.long & eq)) << 1,
                // An initial (x, zh) stands for its syllable anywhere; a longer start
                // only for the last syllable typed.
                skip: s.one | s.two | (s.long & self.end()) | s.skip,
                closed: false,
                esc: false,
            }
        } else if b >= 0x80 {
            State {
                start: s.one | s.two | s.long | s.skip,
                one: 0,
                two: 0,
                long: 0,
                skip: 0,
                closed: true,
                esc: b == ESCAPE,
            }
        } else {
            State::default()
        }
    }
}

/// Every key of `map` that spells `typed[..p]` for an accepted p, at most `limit`, each
/// with its value and p (the typed letters it spells), to `found`.
pub fn search<D: AsRef<[u8]>>(
    map: &fst::Map<D>,
    typed: &[u8],
    accept: u64,
    limit: usize,
    mut found: impl FnMut(&[u8], u64, usize),
) {
    let spell = Spell::new(typed, accept);
    let mut stream = map.search_with_state(&spell).into_stream();
    let mut n = 0;
    while let Some((key, value, state)) = stream.next() {
        found(key, value, 63 - (state.start & accept).leading_zeros() as usize);
        n += 1;
        if n >= limit {
            break;
        }
    }
}

/// How closely a key's syllables spell `typed`: 0 every syllable in full, 1 the last
/// one only begun (typing goes on), 2 abbreviated by initials.
pub fn closeness(typed: &[u8], key: &[u8]) -> u8 {
    let mut at = 0;
    let mut i = 0;
    while i < key.len() {
        let start = i;
        while i < key.len() && key[i].is_ascii_lowercase() {
            i += 1;
        }
        let syl = &key[start..i];
        // The character's place: one byte, or ESCAPE and one more.
        i += if key.get(i) == Some(&ESCAPE) { 2 } else { 1 };
        let rest = &typed[at..];
        if rest.starts_with(syl) {
            at += syl.len();
        } else if i >= key.len() && !rest.is_empty() && syl.starts_with(rest) {
            return 1;
        } else {
            return 2;
        }
    }
    if at == typed.len() {
        0
    } else {
        2
    }
}

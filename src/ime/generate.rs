//! Build time only (build.rs includes this file and keys.rs): the 拼音 index from jieba's
//! dictionary (words and usage frequencies, MIT, from the jieba-rs crate's sources), the
//! GB 2312 characters and the GB/T 2260 places of data/ime/places.txt.
//!
//! Writes `$OUT_DIR/ime/words.fst` (the FST map, included into the binary and read in
//! place, never copied to the heap), `chars.txt` (the char table its keys point into)
//! and `stats.txt`. Skipped when its inputs are unchanged: build.rs also reruns for UI
//! changes, and the index takes seconds to build in a debug build script.

use crate::ime_keys as keys;
use std::collections::{BTreeMap, HashMap};
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};

/// Words used fewer times than this in jieba's corpus are left out (349k → 127k words).
pub const MIN_FREQ: u64 = 5;
/// Places score at least as a word used this often; the site's own rank first anyway
/// (src/ime/mod.rs).
pub const PLACE_FREQ: u64 = 2000;

pub fn run(manifest: &Path, out: &Path) {
    let places_path = manifest.join("data/ime/places.txt");
    for f in ["data/ime/places.txt", "src/ime/keys.rs", "src/ime/generate.rs"] {
        println!("cargo:rerun-if-changed={f}");
    }
    println!("cargo:rerun-if-env-changed=KIOSK_IME_DICT");
    let dict_path = find_dict(manifest);
    println!("cargo:rerun-if-changed={}", dict_path.display());
    let dict = std::fs::read_to_string(&dict_path).unwrap_or_else(|e| panic!("{}: {e}", dict_path.display()));
    let places = std::fs::read_to_string(&places_path).expect("data/ime/places.txt");

    let dir = out.join("ime");
    std::fs::create_dir_all(&dir).expect("OUT_DIR/ime");
    let mut h = std::collections::hash_map::DefaultHasher::new();
    (dict.len(), &places, include_str!("keys.rs"), include_str!("generate.rs")).hash(&mut h);
    let stamp = format!("{:016x}\n", h.finish());
    let stamp_path = dir.join("stamp");
    if std::fs::read_to_string(&stamp_path).ok().as_deref() == Some(stamp.as_str())
        && dir.join("words.fst").exists()
        && dir.join("chars.txt").exists()
    {
        return;
    }

    let (gb2312, order) = gb2312();
    let mut single: HashMap<char, u64> = HashMap::new();
    let mut words: Vec<(&str, u64)> = Vec::new();
    for line in dict.lines() {
        let mut it = line.split(' ');
        let (Some(w), Some(f)) = (it.next(), it.next().and_then(|f| f.parse::<u64>().ok())) else { continue };
        if !w.chars().all(|c| gb2312.contains_key(&c)) {
            continue;
        }
        let mut cs = w.chars();
        match (cs.next(), cs.next()) {
            (Some(c), None) => {
                single.insert(c, f);
            }
            _ if f >= MIN_FREQ => words.push((w, f)),
            _ => {}
        }
    }
    // Every GB 2312 character (level 1 before level 2 when jieba has no count), and
    // the characters of place names beyond it.
    let mut chars: Vec<(char, u64)> =
        order.iter().map(|&c| (c, single.get(&c).copied().unwrap_or(if gb2312[&c] == 1 { 2 } else { 1 }))).collect();
    for (_, name) in keys::places(&places) {
        for c in name.chars() {
            if !gb2312.contains_key(&c) && !chars.iter().any(|x| x.0 == c) {
                chars.push((c, 1));
            }
        }
    }
    let table = keys::CharTable::build(&chars);
    let mut map = BTreeMap::new();
    for &(c, f) in &chars {
        table.add_word(&mut map, c.encode_utf8(&mut [0; 4]), keys::centi_ln(f), 0);
    }
    let freq: HashMap<&str, u64> = words.iter().copied().collect();
    for &(w, f) in &words {
        table.add_word(&mut map, w, keys::centi_ln(f), 0);
    }
    let mut n_places = 0;
    for (_, name) in keys::places(&places) {
        for form in keys::place_forms(name) {
            let f = freq.get(form).copied().unwrap_or(0).max(PLACE_FREQ);
            table.add_word(&mut map, form, keys::centi_ln(f), keys::PLACE);
            n_places += 1;
        }
    }
    let mut b = fst::MapBuilder::memory();
    for (k, v) in &map {
        b.insert(k, *v).expect("keys in order");
    }
    let fst = b.into_inner().expect("fst");
    std::fs::write(dir.join("words.fst"), &fst).expect("words.fst");
    std::fs::write(dir.join("chars.txt"), table.to_text()).expect("chars.txt");
    let stats = format!(
        "dictionary {} ({} entries), {} words kept (frequency >= {MIN_FREQ}), {} characters, {} place names; {} keys, {} bytes\n",
        // Where it came from, without the build machine's home directory.
        dict_path.iter().rev().take(4).collect::<Vec<_>>().into_iter().rev().collect::<PathBuf>().display(),
        dict.lines().count(),
        words.len(),
        chars.len(),
        n_places,
        map.len(),
        fst.len()
    );
    std::fs::write(dir.join("stats.txt"), stats).expect("stats.txt");
    std::fs::write(stamp_path, stamp).expect("stamp");
}

/// GB 2312's hanzi, each with its level (1: the 3,755 common ones), and the list of
/// them in code order.
fn gb2312() -> (HashMap<char, u8>, Vec<char>) {
    let mut level = HashMap::new();
    let mut order = Vec::new();
    for hi in 0xB0u8..=0xF7 {
        for lo in 0xA1u8..=0xFE {
            let bytes = [hi, lo];
            let (s, _, bad) = encoding_rs::GBK.decode(&bytes);
            if let Some(c) = s.chars().next().filter(|_| !bad) {
                level.insert(c, if hi <= 0xD7 { 1 } else { 2 });
                order.push(c);
            }
        }
    }
    (level, order)
}

/// jieba's dict.txt: `KIOSK_IME_DICT`, else the jieba-rs sources cargo fetched for the
/// build-dependency (the version in Cargo.lock), under CARGO_HOME or a vendor/ directory.
fn find_dict(manifest: &Path) -> PathBuf {
    if let Some(p) = std::env::var_os("KIOSK_IME_DICT") {
        return PathBuf::from(p);
    }
    let lock = std::fs::read_to_string(manifest.join("Cargo.lock")).unwrap_or_default();
    let version = lock
        .split("[[package]]")
        .find(|p| p.contains("name = \"jieba-rs\""))
        .and_then(|p| p.lines().find_map(|l| l.strip_prefix("version = \"")?.strip_suffix('"').map(String::from)));
    let mut tried = Vec::new();
    if let Some(v) = &version {
        let home = std::env::var_os("CARGO_HOME")
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")));
        let mut dirs: Vec<PathBuf> = vec![manifest.join("vendor/jieba-rs")];
        if let Some(reg) = home.map(|h| h.join("registry/src")) {
            for e in std::fs::read_dir(&reg).into_iter().flatten().flatten() {
                dirs.push(e.path().join(format!("jieba-rs-{v}")));
            }
        }
        for d in dirs {
            let f = d.join("src/data/dict.txt");
            if f.exists() {
                return f;
            }
            tried.push(f);
        }
    }
    panic!(
        "jieba's dict.txt not found (jieba-rs {version:?} in Cargo.lock; tried {tried:?}); \
         run `cargo fetch`, or set KIOSK_IME_DICT to a copy of it"
    );
}

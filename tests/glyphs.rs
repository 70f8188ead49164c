//! Every character the kiosk can show or print has a glyph in the UI font it ships
//! (ui/fonts/NotoSansSC-Regular.otf, and -Bold.otf for what is drawn bold), read from
//! the fonts' cmap. A character without one is drawn as a box, or by whatever system
//! font happens to be there; a test that counts dark pixels passes on a box.
//!
//! Sources: the text in ui/**/*.slint, the catalog (data/catalog/), and the Rust string
//! literals of the screens' view and the journey's notices (src/ui/, src/journey/), the
//! receipts (src/receipt/) and the voice prompt table (src/voice/).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn files(dir: &Path, ext: &str, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else { return };
    for e in rd {
        let p = e.unwrap().path();
        if p.is_dir() {
            files(&p, ext, out);
        } else if p.extension().is_some_and(|x| x == ext) {
            out.push(p);
        }
    }
}

/// The text of the string literals in Slint or Rust source (comments skipped; escapes
/// decoded; Slint's `\{…}` interpolations and Rust's char literals left out).
fn string_literals(src: &str) -> Vec<String> {
    let cs: Vec<char> = src.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < cs.len() {
        match cs[i] {
            '/' if cs.get(i + 1) == Some(&'/') => {
                while i < cs.len() && cs[i] != '\n' {
                    i += 1;
                }
            }
            '/' if cs.get(i + 1) == Some(&'*') => {
                i += 2;
                while i + 1 < cs.len() && !(cs[i] == '*' && cs[i + 1] == '/') {
                    i += 1;
                }
                i += 2;
            }
            // A char literal ('"', '\n', '号'); a lifetime ('a) has no closing quote.
            '\'' => {
                if cs.get(i + 1) == Some(&'\\') {
                    i += 2;
                    while i < cs.len() && cs[i] != '\'' {
                        i += 1;
                    }
                    i += 1;
                } else if cs.get(i + 2) == Some(&'\'') {
                    i += 3;
                } else {
                    i += 1;
                }
            }
            '"' => {
                i += 1;
                let mut s = String::new();
                while i < cs.len() && cs[i] != '"' {
                    if cs[i] == '\\' {
                        i += 1;
                        match cs.get(i) {
                            Some('{') => {
                                // Slint interpolation: \{expr}
                                let mut depth = 0;
                                while i < cs.len() {
                                    if cs[i] == '{' {
                                        depth += 1;
                                    } else if cs[i] == '}' {
                                        depth -= 1;
                                        if depth == 0 {
                                            break;
                                        }
                                    }
                                    i += 1;
                                }
                            }
                            Some('u') if cs.get(i + 1) == Some(&'{') => {
                                let end = (i..cs.len()).find(|&j| cs[j] == '}').unwrap_or(cs.len());
                                let hex: String = cs[i + 2..end].iter().collect();
                                if let Some(c) = u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32) {
                                    s.push(c);
                                }
                                i = end;
                            }
                            Some('n' | 't' | 'r' | '0') => s.push(' '),
                            // A line continuation in Rust.
                            Some('\n') => {
                                while cs.get(i + 1).is_some_and(|c| c.is_whitespace()) {
                                    i += 1;
                                }
                            }
                            Some(&c) => s.push(c),
                            None => {}
                        }
                    } else {
                        s.push(cs[i]);
                    }
                    i += 1;
                }
                i += 1;
                out.push(s);
            }
            _ => i += 1,
        }
    }
    out
}

fn json_strings(v: &serde_json::Value, out: &mut Vec<String>) {
    match v {
        serde_json::Value::String(s) => out.push(s.clone()),
        serde_json::Value::Array(a) => a.iter().for_each(|x| json_strings(x, out)),
        serde_json::Value::Object(o) => o.values().for_each(|x| json_strings(x, out)),
        _ => {}
    }
}

/// Every character of the sources, with the first place it was found: all of them, or
/// (`screen_only`) those the screens draw, in any weight: the .slint files, the catalog
/// and the view (src/ui/, not its tests). Receipts are printed from the regular font;
/// journey notices are drawn regular; prompts are spoken.
fn characters(screen_only: bool) -> BTreeMap<char, String> {
    let mut texts: Vec<(String, String)> = Vec::new();
    let mut add = |path: &Path, strings: Vec<String>| {
        let name = path.strip_prefix(root()).unwrap().display().to_string();
        texts.extend(strings.into_iter().map(|s| (name.clone(), s)));
    };
    let mut slint = Vec::new();
    files(&root().join("ui"), "slint", &mut slint);
    assert!(slint.len() > 10, "found the .slint files");
    for p in &slint {
        add(p, string_literals(&std::fs::read_to_string(p).unwrap()));
    }
    let mut json = Vec::new();
    files(&root().join("data/catalog"), "json", &mut json);
    assert!(!json.is_empty(), "found the catalog");
    for p in &json {
        let v: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap();
        let mut strings = Vec::new();
        json_strings(&v, &mut strings);
        add(p, strings);
    }
    // The prompt table is optional: src/voice/ may not exist yet.
    for dir in ["src/ui", "src/journey", "src/receipt", "src/voice"] {
        if screen_only && dir != "src/ui" {
            continue;
        }
        let mut rs = Vec::new();
        files(&root().join(dir), "rs", &mut rs);
        assert!(!rs.is_empty() || dir == "src/voice", "found {dir}");
        for p in rs.iter().filter(|p| !(screen_only && p.ends_with("tests.rs"))) {
            add(p, string_literals(&std::fs::read_to_string(p).unwrap()));
        }
    }
    let mut chars = BTreeMap::new();
    for (place, s) in texts {
        for c in s.chars().filter(|c| !c.is_control()) {
            chars.entry(c).or_insert_with(|| format!("{place}: {s:?}"));
        }
    }
    chars
}

fn cmap(file: &str) -> BTreeSet<char> {
    let data = std::fs::read(root().join("ui/fonts").join(file)).unwrap();
    let face = ttf_parser::Face::parse(&data, 0).expect("an OpenType font");
    let mut have = BTreeSet::new();
    for sub in face.tables().cmap.expect("a cmap").subtables {
        if sub.is_unicode() {
            sub.codepoints(|cp| {
                if let Some(c) = char::from_u32(cp) {
                    if sub.glyph_index(cp).is_some_and(|g| g.0 != 0) {
                        have.insert(c);
                    }
                }
            });
        }
    }
    have
}

fn missing(font: &BTreeSet<char>, chars: &BTreeMap<char, String>) -> Vec<String> {
    chars
        .iter()
        .filter(|(c, _)| !font.contains(c))
        .map(|(c, place)| format!("U+{:04X} {c:?} in {place}", *c as u32))
        .collect()
}

#[test]
fn every_character_shown_or_printed_has_a_glyph_in_the_regular_font() {
    let chars = characters(false);
    assert!(chars.len() > 500, "read the texts ({} characters)", chars.len());
    let regular = cmap("NotoSansSC-Regular.otf");
    let gone = missing(&regular, &chars);
    assert!(gone.is_empty(), "no glyph in NotoSansSC-Regular.otf:\n{}", gone.join("\n"));
}

/// Bold text (titles, buttons, bundle and material names, headings) is drawn from
/// -Bold.otf, which carries GB 2312 and a little more: everything the screens write
/// must be in it. Citizens' names and addresses are drawn regular.
#[test]
fn every_character_the_screens_write_has_a_glyph_in_the_bold_font() {
    let chars = characters(true);
    assert!(chars.len() > 500, "read the texts ({} characters)", chars.len());
    let bold = cmap("NotoSansSC-Bold.otf");
    let gone = missing(&bold, &chars);
    assert!(gone.is_empty(), "no glyph in NotoSansSC-Bold.otf:\n{}", gone.join("\n"));
}

#[test]
fn the_literal_reader_finds_text_and_skips_comments() {
    let src = "// 注释 ✗\nText { text: \"提交\\n成功 \\{n} 项\"; } /* ✓ */ let c = '\"'; x(\"号\");";
    assert_eq!(string_literals(src), vec!["提交 成功  项".to_string(), "号".to_string()]);
}

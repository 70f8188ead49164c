//! The module graph of the kiosk crate, read from the sources: no two top-level modules
//! import each other, and the pure parts (the journey, the catalog, the operations
//! vocabulary) import nothing that does I/O. A new back-edge fails here, not in review.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// The top-level modules of src/ (lib.rs's `mod` items; main.rs is the binary).
fn modules(src: &Path) -> BTreeSet<String> {
    let lib = std::fs::read_to_string(src.join("lib.rs")).unwrap();
    lib.lines()
        .filter_map(|l| {
            let l = l.trim();
            let rest = l.strip_prefix("pub mod ").or_else(|| l.strip_prefix("mod "))?;
            Some(rest.trim_end_matches(';').trim().to_string())
        })
        .collect()
}

/// Which module a file belongs to: src/<m>.rs or src/<m>/….
fn owner(src: &Path, file: &Path) -> Option<String> {
    let rel = file.strip_prefix(src).ok()?;
    let first = rel.components().next()?.as_os_str().to_str()?;
    Some(first.trim_end_matches(".rs").to_string())
}

/// The crate modules a source text names, as `crate::m` (paths and `use crate::{m, …}`).
fn imports(text: &str, mods: &BTreeSet<String>) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    let code: String = text.lines().filter(|l| !l.trim_start().starts_with("//")).collect::<Vec<_>>().join("\n");
    for (i, _) in code.match_indices("crate::") {
        let rest = &code[i + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            // `use crate::{a, b::c, d::{e}}`: the first segment of each top-level item.
            let mut depth = 0;
            let mut item = String::new();
            for ch in group.chars() {
                match ch {
                    '{' => depth += 1,
                    '}' if depth == 0 => break,
                    '}' => depth -= 1,
                    ',' if depth == 0 => {
                        found.insert(item.trim().split("::").next().unwrap_or("").to_string());
                        item.clear();
                        continue;
                    }
                    _ => {}
                }
                if depth == 0 {
                    item.push(ch);
                }
            }
            found.insert(item.trim().split("::").next().unwrap_or("").to_string());
        } else {
            let name: String = rest.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
            found.insert(name);
        }
    }
    found.retain(|m| mods.contains(m));
    found
}

fn graph() -> BTreeMap<String, BTreeSet<String>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mods = modules(&src);
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut g: BTreeMap<String, BTreeSet<String>> = mods.iter().map(|m| (m.clone(), BTreeSet::new())).collect();
    for f in files {
        let Some(m) = owner(&src, &f) else { continue };
        if !mods.contains(&m) {
            continue; // main.rs, build helpers
        }
        let text = std::fs::read_to_string(&f).unwrap();
        let mut deps = imports(&text, &mods);
        deps.remove(&m);
        g.get_mut(&m).unwrap().extend(deps);
    }
    g
}

#[test]
fn no_two_modules_import_each_other() {
    let g = graph();
    assert!(g.len() > 20 && g["runtime"].contains("journey"), "the graph was read: {g:?}");
    let mut both = Vec::new();
    for (a, deps) in &g {
        for b in deps {
            if a < b && g.get(b).is_some_and(|d| d.contains(a)) {
                both.push(format!("{a} <-> {b}"));
            }
        }
    }
    assert!(both.is_empty(), "modules that import each other: {both:?}");
}

#[test]
fn the_pure_parts_import_nothing_that_does_io() {
    let g = graph();
    // What each pure module may import: other pure modules only.
    let pure: BTreeMap<&str, &[&str]> = BTreeMap::from([
        ("catalog", &[][..]),
        ("clock", &[][..]),
        ("ops", &["clock"][..]),
        ("signature", &[][..]),
        ("ime", &["catalog"][..]),
        ("journey", &["catalog", "ime", "ops", "signature", "clock"][..]),
    ]);
    for (m, allowed) in &pure {
        let extra: Vec<&String> = g[*m].iter().filter(|d| !allowed.contains(&d.as_str())).collect();
        assert!(extra.is_empty(), "{m} imports {extra:?}, which do I/O or are not pure");
    }
    // And no std I/O in their sources.
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    for m in ["catalog", "journey", "ops"] {
        let mut files = Vec::new();
        let dir = src.join(m);
        if dir.is_dir() {
            rust_files(&dir, &mut files);
        } else {
            files.push(src.join(format!("{m}.rs")));
        }
        for f in files {
            let text = std::fs::read_to_string(&f).unwrap();
            // Unit tests may read the sources (the audit catalogue's walk of src/).
            let text = text.split("#[cfg(test)]").next().unwrap_or("");
            for io in ["std::fs", "std::net", "rusqlite", "reqwest", "tokio::", "std::process"] {
                assert!(!text.contains(io), "{} uses {io}", f.display());
            }
        }
    }
}

//! `kiosk ime pinyin QUERY`: the 拼音 candidates as the editor offers them, for a
//! technician checking a terminal's dictionary and site.

use std::process::Command;

fn kiosk(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_kiosk")).args(args).output().unwrap()
}

#[test]
fn prints_the_top_candidates_with_the_letters_they_spell() {
    // The demo terminal is in 新乡: its city comes first.
    let out = kiosk(&["--demo", "ime", "pinyin", "xinxiang", "--top", "3"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 3, "{text}");
    assert_eq!(lines[0], "1\t新乡\txinxiang");
    // A word spelling the first syllables says which letters stay for the next pick.
    let out = kiosk(&["--demo", "ime", "pinyin", "weibinqu"]);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.starts_with("1\t卫滨区\tweibinqu\n"), "{text}");
    assert!(text.contains("\t卫滨\tweibin + qu\n"), "{text}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("looked up in"));
}

#[test]
fn letters_that_spell_nothing_get_a_hint() {
    let out = kiosk(&["--demo", "ime", "pinyin", "xv"]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("拼不成字词") && err.contains("xx"), "{err}");
    assert!(out.stdout.is_empty());
}

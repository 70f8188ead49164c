//! Line breaks for short labels in narrow columns (form labels, bundle names).
//!
//! Slint's `wrap: word-wrap` breaks Chinese between any two characters, so an 8-character
//! label in a 7-character column ends with one character alone on the second line
//! ("统一社会信用代 / 码"). Slint 1.18 has no "keep-all" wrapping nor balanced lines, so
//! the view breaks such labels itself: as few lines as the column allows, of about equal
//! width, preferably before an opening bracket or quote ("经营场所面积 / （平方米）"),
//! never inside a run of Latin letters or digits, never before closing punctuation or
//! after opening punctuation, and never with one character alone on a line. The text
//! keeps Slint's word-wrap as a fallback should a line still not fit.

/// How wide `c` is drawn, in ems of the UI font (Noto Sans SC: CJK and full-width forms
/// are 1 em; Latin letters and digits about 0.55).
fn width(c: char) -> f32 {
    match c {
        ' ' => 0.25,
        c if c.is_ascii() => 0.55,
        // Latin-1 is proportional; general punctuation (“ ” · …) is full-width in the
        // Chinese font.
        '\u{a0}'..='\u{2000}' => 0.55,
        _ => 1.0,
    }
}

/// Punctuation that must not begin a line (it closes what came before).
fn closing(c: char) -> bool {
    "）)」』”’，。、：；！？》〉】…·,.;:!?%".contains(c)
}

/// Punctuation that must not end a line (it opens what follows).
fn opening(c: char) -> bool {
    "（(「『“‘《〈【".contains(c)
}

/// Units that stay on one line: a run of ASCII letters, digits and their joiners
/// ("4107", "A-12", "3.5"), or one other character.
fn units(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut in_word = false;
    for (i, c) in text.char_indices() {
        let wordy = c.is_ascii_alphanumeric() || (in_word && "-.*_/".contains(c));
        if !(in_word && wordy) && i > start {
            out.push(&text[start..i]);
            start = i;
        }
        in_word = wordy;
    }
    if start < text.len() {
        out.push(&text[start..]);
    }
    out
}

/// A way to set the first units of a text: its cost and where its lines break.
type Setting = (f32, Vec<usize>);

fn units_width(us: &[&str]) -> f32 {
    us.iter().flat_map(|u| u.chars()).map(width).sum()
}

/// `text` with `\n` where it should break to fit `cols` ems per line, in lines of about
/// equal width (a label); unchanged when it fits on one line (or has breaks of its own).
pub fn balance(text: &str, cols: f32) -> String {
    breaks(text, cols, true)
}

/// `balance` for each line of a text (a card's list of items), but filling each line
/// before the next, as running text: "· 《出生医学证明》办理（首签）/ （市卫健委）".
pub fn balance_each(text: &str, cols: f32) -> String {
    text.split('\n').map(|l| breaks(l, cols, false)).collect::<Vec<_>>().join("\n")
}

fn breaks(text: &str, cols: f32, even: bool) -> String {
    let us = units(text);
    let total = units_width(&us);
    if total <= cols || text.contains('\n') || us.len() < 2 {
        return text.to_string();
    }
    let n_units = us.len();
    // Where a break may go: before unit i.
    let can_break = |i: usize| {
        let before = us[i - 1].chars().last().unwrap_or(' ');
        let after = us[i].chars().next().unwrap_or(' ');
        !closing(after) && !opening(before)
    };
    // A break before an opening bracket or after a separator reads as a phrase boundary.
    let preferred = |i: usize| {
        let before = us[i - 1].chars().last().unwrap_or(' ');
        let after = us[i].chars().next().unwrap_or(' ');
        opening(after) || "、，,；;。·/ ：:".contains(before) || after == ' '
    };
    let line_ok = |a: usize, b: usize| {
        let line = &us[a..b];
        let w = units_width(line);
        // One character alone on a line is what this module exists to prevent.
        let lone = line.len() == 1 && line[0].chars().count() == 1 && n_units > 1;
        w <= cols && !lone
    };
    // Fewest lines first, then the least cost: how far each line is from the average
    // width (even) or half how far it falls short of full (running text, all but the
    // last line), in ems, plus 5 for every break at no phrase boundary.
    for lines in 2..=n_units {
        let target = total / lines as f32;
        // best[k][i]: cheapest way to set units[..i] in k lines, with the break positions.
        let mut best: Vec<Vec<Option<Setting>>> = vec![vec![None; n_units + 1]; lines + 1];
        best[0][0] = Some((0.0, Vec::new()));
        for k in 1..=lines {
            for i in 1..=n_units {
                if k == lines && i != n_units {
                    continue;
                }
                if i < n_units && !can_break(i) {
                    continue;
                }
                let mut pick: Option<Setting> = None;
                for j in (k - 1)..i {
                    let Some((c, breaks)) = &best[k - 1][j] else { continue };
                    if !line_ok(j, i) {
                        continue;
                    }
                    let w = units_width(&us[j..i]);
                    // Even lines for a label; full lines but the last for running text.
                    let d = if even {
                        (w - target).abs()
                    } else if i < n_units {
                        (cols - w) / 2.0
                    } else {
                        0.0
                    };
                    let penalty = if i < n_units && !preferred(i) { 5.0 } else { 0.0 };
                    let cost = c + d + penalty;
                    // Ties go to the longer first line (j larger means a later break).
                    if pick.as_ref().is_none_or(|(pc, _)| cost <= *pc) {
                        let mut b = breaks.clone();
                        if i < n_units {
                            b.push(i);
                        }
                        pick = Some((cost, b));
                    }
                }
                best[k][i] = pick;
            }
        }
        if let Some((_, breaks)) = &best[lines][n_units] {
            let mut out = String::new();
            for (i, u) in us.iter().enumerate() {
                if breaks.contains(&i) {
                    out.push('\n');
                }
                out.push_str(u);
            }
            return out;
        }
    }
    // No way to break it without a lone character: leave it to Slint.
    text.to_string()
}

#[cfg(test)]
mod tests {
    use super::{balance, balance_each};

    #[test]
    fn short_labels_stay_on_one_line() {
        assert_eq!(balance("申请人姓名", 8.0), "申请人姓名");
        assert_eq!(balance("统一社会信用代码", 8.0), "统一社会信用代码");
    }

    #[test]
    fn long_labels_break_in_balanced_phrases() {
        assert_eq!(balance("统一社会信用代码", 7.0), "统一社会\n信用代码");
        assert_eq!(balance("经营场所面积（平方米）", 8.0), "经营场所面积\n（平方米）");
        assert_eq!(balance("联系地址（邮寄地址）", 8.0), "联系地址\n（邮寄地址）");
        assert_eq!(balance("本人社保卡金融账户", 8.0), "本人社保卡\n金融账户");
        assert_eq!(balance("新生儿出生“一件事”", 8.0), "新生儿出生\n“一件事”");
        assert_eq!(balance("社会保障卡居民服务“一件事”", 11.0), "社会保障卡居民服务\n“一件事”");
    }

    #[test]
    fn no_line_is_one_character_and_latin_runs_stay_whole() {
        for (label, cols) in [
            ("统一社会信用代码", 7.0),
            ("入学儿童身份号码", 7.0),
            ("共同申请家庭成员", 5.0),
            ("经营场所面积（平方米）", 6.0),
            ("道路运输经营许可证编号ABC123", 8.0),
        ] {
            let out = balance(label, cols);
            assert_eq!(out.replace('\n', ""), label);
            for line in out.lines() {
                assert!(line.chars().count() > 1, "{label} in {cols}: {out:?}");
                assert!(!line.starts_with('）') && !line.ends_with('（'), "{out:?}");
            }
        }
        assert!(balance("道路运输经营许可证编号ABC123", 8.0).contains("ABC123"));
    }

    #[test]
    fn each_line_of_a_list_fills_before_it_breaks() {
        let list = "· 预防接种证办理（市卫健委）\n· 《出生医学证明》办理（首签）（市卫健委）";
        assert_eq!(
            balance_each(list, 19.0),
            "· 预防接种证办理（市卫健委）\n· 《出生医学证明》办理（首签）\n（市卫健委）"
        );
    }
}

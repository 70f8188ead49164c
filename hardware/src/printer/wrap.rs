//! Line breaking for the receipt printer, done here rather than left to the printer's
//! own wrap at the paper edge, so Chinese typesetting rules hold (避头尾, per the
//! line-breaking rules of GB/T 15834 and the W3C clreq note): a line does not start with
//! closing punctuation such as "。" or "）", does not end with opening punctuation such
//! as "（", and an ASCII run (a number, a code, a link) is not split unless it is
//! longer than a line. No crate does this for ESC/POS column widths.

/// Printer columns a character takes in font A: half-width ASCII 1, everything else 2.
pub fn columns(c: char) -> usize {
    if c.is_ascii() {
        1
    } else {
        2
    }
}

fn no_start(c: char) -> bool {
    "。，、；：？！）》」』】〕〉”’…—·%,.;:?!)]}".contains(c)
}

fn no_end(c: char) -> bool {
    "（《「『【〔〈“‘([{".contains(c)
}

fn word(c: char) -> bool {
    c.is_ascii_graphic()
}

/// Splits `line` into lines of at most `cols` columns (a character wider than `cols`
/// still gets a line of its own).
pub fn wrap(line: &str, cols: usize) -> Vec<String> {
    let cols = cols.max(2);
    let mut out: Vec<Vec<char>> = Vec::new();
    let mut cur: Vec<char> = Vec::new();
    let mut width = 0;
    for c in line.chars() {
        let w = columns(c);
        if width + w <= cols || cur.is_empty() {
            cur.push(c);
            width += w;
            continue;
        }
        // Break before `c`: a space there just ends the line.
        if c == ' ' {
            out.push(std::mem::take(&mut cur));
            width = 0;
            continue;
        }
        // Decide what moves down with `c`: the new line must not start with closing
        // punctuation ("。）" carries both) and the old must not end with opening.
        let mut carry = 0;
        if word(c) && cur.last().is_some_and(|&p| word(p)) {
            carry = cur.iter().rev().take_while(|&&p| word(p)).count();
        }
        loop {
            let first = if carry == 0 { c } else { cur[cur.len() - carry] };
            let starts_bad = no_start(first);
            let ends_bad = carry < cur.len() && no_end(cur[cur.len() - carry - 1]);
            if !(starts_bad || ends_bad) || carry >= cur.len() {
                break;
            }
            carry += 1;
        }
        // Never move a whole line down (a run longer than a line is split).
        if carry >= cur.len() {
            carry = 0;
        }
        let mut next: Vec<char> = cur.split_off(cur.len() - carry);
        out.push(std::mem::take(&mut cur));
        next.push(c);
        width = next.iter().map(|&c| columns(c)).sum();
        cur = next;
        // A carried run may itself be wider than a line: split it plainly.
        while width > cols {
            let mut head = Vec::new();
            let mut hw = 0;
            while let Some(&c) = cur.first() {
                if hw + columns(c) > cols && !head.is_empty() {
                    break;
                }
                hw += columns(c);
                head.push(cur.remove(0));
            }
            out.push(head);
            width = cur.iter().map(|&c| columns(c)).sum();
        }
    }
    if !cur.is_empty() || out.is_empty() {
        out.push(cur);
    }
    out.into_iter().map(|l| l.into_iter().collect::<String>().trim_end_matches(' ').to_string()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn width(s: &str) -> usize {
        s.chars().map(columns).sum()
    }

    #[test]
    fn short_lines_stay_whole() {
        assert_eq!(wrap("收件回执", 32), ["收件回执"]);
        assert_eq!(wrap("", 32), [""]);
    }

    #[test]
    fn closing_punctuation_never_starts_a_line() {
        // 8 columns: four hanzi per line; "。" would start line 2 without the rule.
        let lines = wrap("一二三四。五六", 8);
        assert_eq!(lines, ["一二三", "四。五六"]);
        let lines = wrap("申请人须本人到场（携带身份证）办理。", 16);
        for l in &lines {
            assert!(!l.starts_with(no_start), "{lines:?}");
            assert!(!l.ends_with(no_end), "{lines:?}");
            assert!(width(l) <= 16, "{lines:?}");
        }
        assert_eq!(lines.concat(), "申请人须本人到场（携带身份证）办理。");
    }

    #[test]
    fn a_run_of_closing_punctuation_moves_down_with_a_character() {
        // "）" fits, "：" does not: both go down with "签".
        assert_eq!(wrap("一二首签）：在", 10), ["一二首", "签）：在"]);
    }

    #[test]
    fn opening_punctuation_never_ends_a_line() {
        assert_eq!(wrap("一二三（四）", 8), ["一二三", "（四）"]);
    }

    #[test]
    fn ascii_runs_move_down_whole() {
        let lines = wrap("编号：XX-0001-000042", 16);
        assert_eq!(lines, ["编号：", "XX-0001-000042"]);
        // Longer than a line: split, nothing lost.
        let url = "https://example.invalid/progress?no=XX-0001-000042";
        let lines = wrap(url, 16);
        assert!(lines.iter().all(|l| width(l) <= 16), "{lines:?}");
        assert_eq!(lines.concat(), url);
    }

    #[test]
    fn a_space_at_the_break_is_dropped() {
        assert_eq!(wrap("Long line that wraps", 15), ["Long line that", "wraps"]);
        assert_eq!(wrap("Long line that wraps", 14), ["Long line that", "wraps"]);
    }

    #[test]
    fn every_line_fits_and_text_is_kept() {
        let text = "· 出生医学证明：原件1份（电子证照，免提交；由医院推送）。办理地点：新乡市政务服务中心 二楼 综合受理窗口（人民东路）";
        for cols in [8, 16, 32, 48] {
            let lines = wrap(text, cols);
            // Only a space at a break may go.
            assert_eq!(lines.concat().replace(' ', ""), text.replace(' ', ""), "{cols}");
            assert!(lines.iter().all(|l| width(l) <= cols), "{cols}: {lines:?}");
        }
    }
}

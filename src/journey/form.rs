//! The merged form's inputs: the phone box and the editor for the other typed fields
//! (numbers, codes, ID numbers, choices, Chinese text through the 拼音 keypad).

use super::{gb11643_valid, Editor, State};
use crate::catalog::{Catalog, FieldSource, InputKind};
use crate::ime;
use zeroize::Zeroize;

/// Longest value the editor takes; addresses fit, runaway input does not.
pub(super) const TEXT_MAX: usize = 60;
const NUMBER_MAX: usize = 10;
const CODE_MAX: usize = 30;

/// Opens the editor on the phone (every matter asks for it: progress SMS).
pub(super) fn open_phone(s: &mut State) {
    let i = s.session.as_ref().and_then(|x| x.fields.iter().position(|f| f.key == PHONE));
    if let Some(i) = i {
        open(s, i);
    }
}

const PHONE: &str = "applicant.phone";

pub(super) fn open(s: &mut State, i: usize) {
    let Some(sess) = s.session.as_mut() else { return };
    let Some(f) = sess.fields.get(i).filter(|f| f.editable()) else { return };
    let mut ed = Editor {
        field: i,
        text: String::new(),
        pinyin: String::new(),
        page: 0,
        chosen: Vec::new(),
        hw: Default::default(),
    };
    if f.input == Some(InputKind::Choice) {
        ed.chosen = f.options.iter().enumerate().filter(|(_, o)| chosen(&f.value, o)).map(|(n, _)| n).collect();
    } else if f.source == FieldSource::Typed || f.source == FieldSource::Default || f.source == FieldSource::Profile {
        ed.text = f.value.clone();
    }
    if f.input == Some(InputKind::Text) {
        // The 拼音 index opens before the first letter is typed.
        ime::warm();
    }
    sess.editor = Some(ed);
    s.notice = None;
}

fn chosen(value: &str, option: &str) -> bool {
    value.split('、').any(|v| v == option)
}

/// A key from the editor's keypad: what it accepts depends on the field's kind.
pub(super) fn key(s: &mut State, c: char) {
    let Some(sess) = s.session.as_mut() else { return };
    let Some(ed) = sess.editor.as_mut() else { return };
    let Some(kind) = sess.fields.get(ed.field).and_then(|f| f.input) else { return };
    s.notice = None;
    if c == '\u{8}' {
        if ed.pinyin.pop().is_none() {
            ed.text.pop();
        }
        ed.page = 0;
        return;
    }
    let len = ed.text.chars().count();
    let ok = match kind {
        InputKind::Number => {
            c.is_ascii_digit() && len < NUMBER_MAX
                || c == '.' && !ed.text.contains('.') && !ed.text.is_empty() && len < NUMBER_MAX - 1
        }
        InputKind::IdNumber => len < 18 && (c.is_ascii_digit() || c == 'X' && len == 17),
        InputKind::Code => len < CODE_MAX && (c.is_ascii_alphanumeric() || "-()（）".contains(c)),
        InputKind::Text => {
            if c.is_ascii_lowercase() {
                // Letters spelling words: refused at once where no syllable can go on.
                if ed.pinyin.len() >= ime::MAX_TYPED {
                    s.notice = Some("拼音已经很长了，请先点选字词".into());
                } else {
                    ed.pinyin.push(c);
                    if ime::accepts(&ed.pinyin) {
                        ed.page = 0;
                    } else {
                        s.notice = Some(format!("“{}”拼不成字词，请检查拼音", ed.pinyin));
                        ed.pinyin.pop();
                    }
                }
                return;
            }
            len < TEXT_MAX && ed.pinyin.is_empty() && (c.is_ascii_digit() || "-（）#号".contains(c))
        }
        InputKind::Phone => c.is_ascii_digit() && len < 11,
        InputKind::Choice => false,
    };
    if ok {
        ed.text.push(c);
    } else if kind == InputKind::Text && !ed.pinyin.is_empty() {
        s.notice = Some("请先点选拼音对应的字词".into());
    }
}

/// Pick a candidate (text: the word goes in, the letters after those it spells stay
/// and are offered again) or toggle an option (choice).
pub(super) fn pick(s: &mut State, i: usize, cat: &Catalog) {
    let elder = s.elder;
    let Some(sess) = s.session.as_mut() else { return };
    let Some(ed) = sess.editor.as_mut() else { return };
    let Some(f) = sess.fields.get(ed.field) else { return };
    match f.input {
        Some(InputKind::Text) => {
            let (page, _) = ime::page(&ed.pinyin, ed.page, elder, cat);
            let Some(c) = page.get(i) else { return };
            if ed.text.chars().count() + c.text.chars().count() > TEXT_MAX {
                s.notice = Some(format!("最多 {TEXT_MAX} 个字"));
                return;
            }
            ed.text.push_str(&c.text);
            // In place: the editor's buffers are wiped when it closes.
            ed.pinyin.replace_range(..c.consumed.min(ed.pinyin.len()), "");
            ed.page = 0;
        }
        Some(InputKind::Choice) if i < f.options.len() => {
            if let Some(p) = ed.chosen.iter().position(|&n| n == i) {
                ed.chosen.remove(p);
            } else if f.multiple {
                ed.chosen.push(i);
                ed.chosen.sort_unstable();
            } else {
                ed.chosen = vec![i];
            }
        }
        _ => return,
    }
    s.notice = None;
}

pub(super) fn page(s: &mut State, next: bool, cat: &Catalog) {
    let elder = s.elder;
    let Some(ed) = s.session.as_mut().and_then(|x| x.editor.as_mut()) else { return };
    let (_, more) = ime::page(&ed.pinyin, ed.page, elder, cat);
    if next && more {
        ed.page += 1;
    } else if !next {
        ed.page = ed.page.saturating_sub(1);
    }
}

pub(super) fn cancel(s: &mut State) {
    if let Some(sess) = s.session.as_mut() {
        sess.editor = None;
    }
    s.notice = None;
}

/// Check the entry; keep it (provenance: typed) or say what is wrong and stay open.
pub(super) fn done(s: &mut State) {
    let Some(sess) = s.session.as_mut() else { return };
    let Some(ed) = sess.editor.as_ref() else { return };
    let Some(f) = sess.fields.get(ed.field) else { return };
    let value = match check(f.input, &f.options, ed) {
        Ok(v) => v,
        Err(msg) => {
            s.notice = Some(format!("{}：{msg}", f.label));
            return;
        }
    };
    let i = ed.field;
    sess.editor = None;
    let f = &mut sess.fields[i];
    f.value.zeroize();
    f.value = value;
    f.source = FieldSource::Typed;
    s.notice = None;
}

/// The value an editor holds, or what the citizen must fix (Chinese, shown as is).
fn check(kind: Option<InputKind>, options: &[String], ed: &Editor) -> Result<String, String> {
    let t = ed.text.trim();
    match kind {
        Some(InputKind::Choice) => {
            if ed.chosen.is_empty() {
                return Err("请至少选择一项".into());
            }
            Ok(ed.chosen.iter().filter_map(|&i| options.get(i)).cloned().collect::<Vec<_>>().join("、"))
        }
        Some(InputKind::Number) => match t.parse::<f64>() {
            Ok(x) if x > 0.0 && !t.ends_with('.') => Ok(t.to_string()),
            _ => Err("请输入大于 0 的数字，例如 120 或 35.5".into()),
        },
        Some(InputKind::IdNumber) => {
            if gb11643_valid(t) {
                Ok(t.to_string())
            } else if t.len() != 18 {
                Err("身份号码应为 18 位".into())
            } else {
                Err("身份号码校验未通过，请逐位核对".into())
            }
        }
        Some(InputKind::Code) if t.is_empty() => Err("请输入编号".into()),
        Some(InputKind::Code) => Ok(t.to_string()),
        Some(InputKind::Text) if !ed.pinyin.is_empty() => Err("请先点选拼音对应的字词".into()),
        Some(InputKind::Text) if t.chars().count() < 2 => Err("请至少输入 2 个字".into()),
        Some(InputKind::Text) => Ok(t.to_string()),
        Some(InputKind::Phone) if super::valid_mobile(t) => Ok(t.to_string()),
        Some(InputKind::Phone) => Err("请输入11位手机号码（1开头），用于接收办理进度短信".into()),
        None => Err("此项不能在这里修改".into()),
    }
}

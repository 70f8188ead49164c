//! What a GBK printer ROM can print, and GBK encoding of single characters.
//!
//! encoding_rs implements the WHATWG "gbk" encoder, which maps more than a GBK
//! printer ROM draws: 䶮 (U+4DAE) becomes FE 9F, a code that CP936 ROMs leave blank
//! (it was private use before GB 18030-2005). So we also refuse the user-defined
//! and re-mapped areas, and `€` (single byte 0x80), and draw those from the font.

use encoding_rs::GBK;

/// GBK bytes of `c` if a GBK printer ROM has a glyph for them.
pub fn encode_char(c: char) -> Option<Vec<u8>> {
    if c.is_ascii() {
        return (!c.is_ascii_control()).then(|| vec![c as u8]);
    }
    let mut buf = [0u8; 4];
    let s = c.encode_utf8(&mut buf);
    let (bytes, _, had_errors) = GBK.encode(s);
    if had_errors || bytes.len() != 2 {
        return None;
    }
    let (b1, b2) = (bytes[0], bytes[1]);
    rom_has(b1, b2).then(|| bytes.into_owned())
}

/// True for codes a CP936 printer font draws.
fn rom_has(b1: u8, b2: u8) -> bool {
    // User-defined areas: AAA1–AFFE, F8A1–FEFE, A140–A7A0.
    let user = ((0xAA..=0xAF).contains(&b1) || (0xF8..=0xFE).contains(&b1)) && b2 >= 0xA1
        || (0xA1..=0xA7).contains(&b1) && b2 < 0xA1;
    // Codes CP936 maps to private use that GB 18030-2005/WHATWG re-map to real
    // characters (vertical forms, ḿ, ideographic description, FE50–FEA0 radicals).
    let remapped = b1 == 0xFE && (0x50..=0xA0).contains(&b2)
        || b1 == 0xA6 && (0xD9..=0xF5).contains(&b2)
        || b1 == 0xA8 && (b2 == 0xBC || b2 == 0xBF)
        || b1 == 0xA9 && (0x89..=0x95).contains(&b2);
    !user && !remapped
}

/// Whether `c` prints from the ROM (ASCII or GBK).
pub fn printable(c: char) -> bool {
    encode_char(c).is_some()
}

/// GBK bytes of a whole string that is entirely `printable`.
pub fn encode(s: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(s.len());
    for c in s.chars() {
        out.extend(encode_char(c)?);
    }
    Some(out)
}

/// Decodes one double-byte code (Chinese mode) to a char.
pub fn decode_pair(b1: u8, b2: u8) -> Option<char> {
    let pair = [b1, b2];
    let (s, had_errors) = GBK.decode_without_bom_handling(&pair);
    let mut it = s.chars();
    match (it.next(), it.next(), had_errors) {
        (Some(c), None, false) => Some(c),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rare_chars_are_not_rom_printable() {
        assert_eq!(encode_char('张'), Some(vec![0xD5, 0xC5]));
        assert_eq!(encode_char('A'), Some(vec![0x41]));
        assert!(encode_char('𠮷').is_none());
        assert!(encode_char('䶮').is_none());
        assert!(encode_char('€').is_none());
        assert!(encode_char('\n').is_none());
        assert_eq!(decode_pair(0xD5, 0xC5), Some('张'));
    }
}

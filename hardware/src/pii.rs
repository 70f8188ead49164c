//! Masking of personal data for logs and diagnostics.
//!
//! Every log line that could carry an ID number or a name goes through these helpers,
//! so there is exactly one place that decides what a log may show.

use std::fmt;

/// Masks an ID number (or any identifier) keeping the first 4 and last 4 characters:
/// `410105199001011234` -> `4101**********1234`. Short values are masked entirely.
pub fn mask_id(id: &str) -> String {
    let chars: Vec<char> = id.chars().collect();
    if chars.len() <= 8 {
        return "*".repeat(chars.len());
    }
    let n = chars.len();
    let mut out: String = chars[..4].iter().collect();
    out.push_str(&"*".repeat(n - 8));
    out.extend(&chars[n - 4..]);
    out
}

/// Masks a person's name keeping only the first character: `张三丰` -> `张**`.
pub fn mask_name(name: &str) -> String {
    let mut chars = name.chars();
    match chars.next() {
        Some(first) => {
            let rest = chars.count();
            format!("{first}{}", "*".repeat(rest.max(1)))
        }
        None => String::new(),
    }
}

/// Masks a phone number keeping the first 3 and last 4 digits: `138****5678`.
pub fn mask_phone(phone: &str) -> String {
    let chars: Vec<char> = phone.chars().collect();
    if chars.len() < 8 {
        return "*".repeat(chars.len());
    }
    let n = chars.len();
    let mut out: String = chars[..3].iter().collect();
    out.push_str(&"*".repeat(n - 7));
    out.extend(&chars[n - 4..]);
    out
}

/// A wrapper whose `Display`/`Debug` print the masked ID, for use in `tracing` fields:
/// `tracing::info!(id = %Masked(&card.id_number), "card read")`.
pub struct Masked<'a>(pub &'a str);

impl fmt::Display for Masked<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&mask_id(self.0))
    }
}

impl fmt::Debug for Masked<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn id_keeps_four_and_four() {
        assert_eq!(mask_id("410105199001011234"), "4101**********1234");
        assert_eq!(mask_id("41010519900101123X"), "4101**********123X");
        assert_eq!(mask_id("1234"), "****");
    }

    #[test]
    fn name_keeps_first_char_even_outside_bmp() {
        assert_eq!(mask_name("张三丰"), "张**");
        assert_eq!(mask_name("𠮷明"), "𠮷*");
        assert_eq!(mask_name("李"), "李*");
        assert_eq!(mask_name(""), "");
    }

    #[test]
    fn phone_and_display() {
        assert_eq!(mask_phone("13812345678"), "138****5678");
        assert_eq!(format!("{}", Masked("410105199001011234")), "4101**********1234");
    }
}

//! Logging: `tracing` to stderr (journald picks it up on a terminal). Personal data is
//! never logged raw: fields go through `kiosk_hardware::pii` (mask_id, Masked, mask_name).

pub use kiosk_hardware::pii::{mask_id, mask_name, mask_phone, Masked};

/// Filter from KIOSK_LOG (e.g. "debug", "kiosk=trace"), default "info".
pub fn init() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("KIOSK_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_target(false)
        .try_init();
}

/// Masks what could be personal in free text (a panic message, an error from a
/// library): every run of 11 or more digits (phone and ID numbers, with an ID's final
/// X) keeps only its first 4 and last 4 characters.
pub fn scrub(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut run = String::new();
    let flush = |run: &mut String, out: &mut String| {
        if run.chars().count() >= 11 {
            out.push_str(&mask_id(run));
        } else {
            out.push_str(run);
        }
        run.clear();
    };
    for c in text.chars() {
        if c.is_ascii_digit() || (matches!(c, 'X' | 'x') && !run.is_empty()) {
            run.push(c);
        } else {
            flush(&mut run, &mut out);
            out.push(c);
        }
    }
    flush(&mut run, &mut out);
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn scrub_masks_id_and_phone_numbers_in_free_text() {
        let s = super::scrub("bad card 41010519900101123X for 13812345678 at step 42");
        assert_eq!(s, "bad card 4101**********123X for 1381***5678 at step 42");
    }
}

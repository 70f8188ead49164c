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

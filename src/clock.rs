//! Wall-clock time in the terminal's configured zone. A terminal's OS may be set to UTC
//! (or anything); citizens read Beijing time on screens and receipts.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

pub fn now(tz: Tz) -> DateTime<Tz> {
    Utc::now().with_timezone(&tz)
}

/// Unix time in milliseconds (0 if the clock is before 1970).
pub fn now_ms() -> i64 {
    use std::time::{SystemTime, UNIX_EPOCH};
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Offset, TimeZone};

    #[test]
    fn configured_zone_not_the_os_zone() {
        let t = Utc.with_ymd_and_hms(2026, 11, 27, 17, 30, 0).unwrap().with_timezone(&chrono_tz::Asia::Shanghai);
        assert_eq!(t.format("%Y-%m-%d %H:%M").to_string(), "2026-11-28 01:30");
        assert_eq!(now(chrono_tz::Asia::Shanghai).offset().fix().local_minus_utc(), 8 * 3600);
    }
}

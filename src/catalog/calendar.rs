//! Working days: public holidays and 调休 make-up days from the catalog's calendar
//! (published by the platform with the catalog). Pure: the caller passes today.

use chrono::{Datelike, NaiveDate};
use kiosk_api::wire::WorkCalendarDto;
use std::collections::HashSet;

/// The calendar parsed for lookups. Empty = weekends are the only days off.
#[derive(Debug, Clone, Default)]
pub struct WorkCalendar {
    holidays: HashSet<NaiveDate>,
    workdays: HashSet<NaiveDate>,
}

/// A calendar entry that is not a date, or a day listed both off and on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct CalendarError(pub String);

fn parse_day(s: &str, list: &str) -> Result<NaiveDate, CalendarError> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .map_err(|_| CalendarError(format!("{list}: `{s}` is not a YYYY-MM-DD date")))
}

impl WorkCalendar {
    pub fn from_dto(dto: &WorkCalendarDto) -> Result<Self, CalendarError> {
        let holidays =
            dto.holidays.iter().map(|s| parse_day(s, "calendar.holidays")).collect::<Result<HashSet<_>, _>>()?;
        let workdays =
            dto.workdays.iter().map(|s| parse_day(s, "calendar.workdays")).collect::<Result<HashSet<_>, _>>()?;
        if let Some(d) = holidays.intersection(&workdays).min() {
            return Err(CalendarError(format!("calendar: {d} is listed as a holiday and as a working day")));
        }
        Ok(WorkCalendar { holidays, workdays })
    }

    pub fn is_empty(&self) -> bool {
        self.holidays.is_empty() && self.workdays.is_empty()
    }

    /// A 调休 working day, else Monday to Friday outside the holidays.
    pub fn is_working_day(&self, d: NaiveDate) -> bool {
        self.workdays.contains(&d) || (d.weekday().number_from_monday() <= 5 && !self.holidays.contains(&d))
    }

    /// The date `days` working days after `from` (`from` itself does not count): the
    /// 容缺 deadline on the receipt and in the case's commitment.
    pub fn due_date(&self, from: NaiveDate, days: u32) -> NaiveDate {
        let mut d = from;
        let mut left = days;
        // Bounded: a year of days off in a row would be a broken calendar.
        let mut guard = 0;
        while left > 0 && guard < 366 + days * 7 {
            d = d.succ_opt().unwrap_or(d);
            guard += 1;
            if self.is_working_day(d) {
                left -= 1;
            }
        }
        d
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn seed() -> WorkCalendar {
        crate::catalog::Catalog::seed().calendar().clone()
    }

    #[test]
    fn without_a_calendar_only_weekends_are_skipped() {
        let c = WorkCalendar::default();
        // Friday + 5 = next Friday; Wednesday + 5 = next Wednesday; Saturday + 1 = Monday.
        assert_eq!(c.due_date(d(2026, 11, 20), 5), d(2026, 11, 27));
        assert_eq!(c.due_date(d(2026, 11, 18), 5), d(2026, 11, 25));
        assert_eq!(c.due_date(d(2026, 11, 21), 1), d(2026, 11, 23));
        // 国庆 is a plain week without the calendar.
        assert_eq!(c.due_date(d(2026, 9, 30), 5), d(2026, 10, 7));
    }

    #[test]
    fn national_day_2026_with_its_make_up_saturday() {
        let c = seed();
        // 10-01..07 off; 10-10 (Saturday) is a working day.
        assert!(!c.is_working_day(d(2026, 10, 1)) && !c.is_working_day(d(2026, 10, 7)));
        assert!(c.is_working_day(d(2026, 10, 10)) && !c.is_working_day(d(2026, 10, 11)));
        // Wed 09-30 + 1 = Thu 10-08; + 3 = Sat 10-10 (调休); + 4 = Mon 10-12.
        assert_eq!(c.due_date(d(2026, 9, 30), 1), d(2026, 10, 8));
        assert_eq!(c.due_date(d(2026, 9, 30), 3), d(2026, 10, 10));
        assert_eq!(c.due_date(d(2026, 9, 30), 4), d(2026, 10, 12));
        assert_eq!(c.due_date(d(2026, 9, 30), 5), d(2026, 10, 13));
        // Sunday 09-20 is a 调休 working day: Fri 09-18 + 1 = Sun 09-20.
        assert_eq!(c.due_date(d(2026, 9, 18), 1), d(2026, 9, 20));
    }

    #[test]
    fn spring_festival_2026_with_its_make_up_saturdays() {
        let c = seed();
        // 02-15..23 off; Saturdays 02-14 and 02-28 are working days.
        assert!(c.is_working_day(d(2026, 2, 14)) && c.is_working_day(d(2026, 2, 28)));
        assert!((15..=23).all(|day| !c.is_working_day(d(2026, 2, day))));
        // Thu 02-12 + 1 = Fri 02-13; + 2 = Sat 02-14; + 3 = Tue 02-24 after the break.
        assert_eq!(c.due_date(d(2026, 2, 12), 1), d(2026, 2, 13));
        assert_eq!(c.due_date(d(2026, 2, 12), 2), d(2026, 2, 14));
        assert_eq!(c.due_date(d(2026, 2, 12), 3), d(2026, 2, 24));
        // Mon 02-23 (last day off) + 5 = Sat 02-28 (调休).
        assert_eq!(c.due_date(d(2026, 2, 23), 5), d(2026, 2, 28));
        // 元旦: Wed 2025-12-31 + 1 = Sun 2026-01-04 (调休).
        assert_eq!(c.due_date(d(2025, 12, 31), 1), d(2026, 1, 4));
    }

    #[test]
    fn bad_calendars_are_refused() {
        let dto = |h: &[&str], w: &[&str]| WorkCalendarDto {
            holidays: h.iter().map(|s| s.to_string()).collect(),
            workdays: w.iter().map(|s| s.to_string()).collect(),
            source: String::new(),
        };
        assert!(WorkCalendar::from_dto(&dto(&["2026-13-01"], &[])).unwrap_err().0.contains("2026-13-01"));
        assert!(WorkCalendar::from_dto(&dto(&["2026-10-10"], &["2026-10-10"])).unwrap_err().0.contains("2026-10-10"));
        assert!(WorkCalendar::from_dto(&dto(&["2026-10-01"], &["2026-10-10"])).is_ok());
        // All days off: the count stops instead of looping forever.
        let off = WorkCalendar {
            holidays: (0..3000).map(|i| d(2026, 1, 1) + chrono::Days::new(i)).collect(),
            ..Default::default()
        };
        assert!(off.due_date(d(2026, 1, 1), 5) < d(2027, 3, 1));
    }
}

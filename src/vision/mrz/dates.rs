//! MRZ dates (`YYMMDD`, two-digit years) turned into display strings and calendar dates.
//!
//! The century is not printed, so it is chosen relative to a `today` the caller passes in (which
//! keeps every result deterministic):
//! - a birth date is the latest date with those digits that is not after `today`: with today
//!   2025-06-01, `250531` is 2025-05-31 and `250602` is 1925-06-02;
//! - an expiry date lies in the 100-year window from 79 years before today's year to 20 years
//!   after it: with today in 2025, `00`-`45` are 2000-2045 and `46`-`99` are 1946-1999. No
//!   travel document is valid for more than ~10 years, so a year more than 20 ahead means an
//!   expiry in the past century.
//!
//! Every function returns `None` for a date that cannot exist: a month outside 1-12, a day past
//! the month's end (29 February only in a leap year), or any filler (`<<<<<<` marks an unknown
//! date, `7408<<` an unknown day).

use std::fmt;

/// Offsets in `date` (`YYMMDD` as printed) of fillers that stand beside a digit in their
/// year, month or day. ICAO 9303 (Part 3, 4.8) prints an unknown part as two fillers, never
/// one, so such a filler is a misread zero, which the check digit cannot tell from it (both
/// count 0).
pub(crate) fn lone_fillers(date: &[char]) -> impl Iterator<Item = usize> + '_ {
    (0..date.len().saturating_sub(1))
        .step_by(2)
        .filter_map(|part| match date[part..part + 2] {
            ['<', d] if d.is_ascii_digit() => Some(part),
            [d, '<'] if d.is_ascii_digit() => Some(part + 1),
            _ => None,
        })
}

/// A day of the proleptic Gregorian calendar.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CalendarDate {
    pub year: i32,
    /// 1-12.
    pub month: u8,
    /// 1-31, within the month.
    pub day: u8,
}

fn is_leap(year: i32) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

fn days_in_month(year: i32, month: u8) -> u8 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap(year) => 29,
        2 => 28,
        _ => 0,
    }
}

impl CalendarDate {
    /// The date, or `None` if it does not exist.
    pub fn new(year: i32, month: u8, day: u8) -> Option<CalendarDate> {
        (day >= 1 && day <= days_in_month(year, month)).then_some(CalendarDate { year, month, day })
    }

    /// The date `days` days after 1970-01-01 (negative before it), e.g. from
    /// `SystemTime::now()` seconds divided by 86,400.
    pub fn from_unix_days(days: i64) -> CalendarDate {
        // Howard Hinnant's civil_from_days: eras of 400 years starting on 1 March.
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z.rem_euclid(146_097);
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = (doy - (153 * mp + 2) / 5 + 1) as u8;
        let month = if mp < 10 { mp + 3 } else { mp - 9 } as u8;
        let year = (yoe + era * 400 + i64::from(month <= 2)) as i32;
        CalendarDate { year, month, day }
    }
}

/// ISO 8601: `YYYY-MM-DD`.
impl fmt::Display for CalendarDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

/// The two-digit year, month and day of a `YYMMDD` string of six ASCII digits.
fn split_yymmdd(yymmdd: &str) -> Option<(i32, u8, u8)> {
    let b = yymmdd.as_bytes();
    if b.len() != 6 || !b.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let two = |i: usize| (b[i] - b'0') * 10 + (b[i + 1] - b'0');
    Some((i32::from(two(0)), two(2), two(4)))
}

/// `YYMMDD` as `dd-mm-yy` (Kredibel's `expirationDate` format), e.g. `120415` gives `15-04-12`.
/// The date must exist in some century: `000229` passes (2000 was a leap year).
pub fn ddmmyy(yymmdd: &str) -> Option<String> {
    let (yy, mm, dd) = split_yymmdd(yymmdd)?;
    // 2000 + yy is a leap year exactly when some century makes yy one.
    CalendarDate::new(2000 + yy, mm, dd)?;
    Some(format!("{dd:02}-{mm:02}-{yy:02}"))
}

/// A birth date: the latest date with these digits that is not after `today`.
pub fn birth_date(yymmdd: &str, today: CalendarDate) -> Option<CalendarDate> {
    let (yy, mm, dd) = split_yymmdd(yymmdd)?;
    let mut year = today.year - today.year.rem_euclid(100) + yy;
    if (year, mm, dd) > (today.year, today.month, today.day) {
        year -= 100;
    }
    CalendarDate::new(year, mm, dd)
}

/// An expiry date: the year in the window from 79 years before today's year to 20 after it.
pub fn expiry_date(yymmdd: &str, today: CalendarDate) -> Option<CalendarDate> {
    let (yy, mm, dd) = split_yymmdd(yymmdd)?;
    let mut year = today.year - today.year.rem_euclid(100) + yy;
    if year > today.year + 20 {
        year -= 100;
    } else if year < today.year - 79 {
        year += 100;
    }
    CalendarDate::new(year, mm, dd)
}

/// [`birth_date`] as `YYYY-MM-DD`.
pub fn birth_date_iso(yymmdd: &str, today: CalendarDate) -> Option<String> {
    birth_date(yymmdd, today).map(|d| d.to_string())
}

/// [`expiry_date`] as `YYYY-MM-DD`.
pub fn expiry_date_iso(yymmdd: &str, today: CalendarDate) -> Option<String> {
    expiry_date(yymmdd, today).map(|d| d.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    const TODAY: CalendarDate = CalendarDate {
        year: 2025,
        month: 6,
        day: 1,
    };

    #[test]
    fn ddmmyy_reorders_the_digits() {
        assert_eq!(ddmmyy("120415").as_deref(), Some("15-04-12"));
        assert_eq!(ddmmyy("740812").as_deref(), Some("12-08-74"));
        assert_eq!(ddmmyy("000229").as_deref(), Some("29-02-00"));
    }

    #[test]
    fn impossible_dates_have_no_form() {
        for bad in [
            "741312", "880941", "200746", "010229", "<<<<<<", "7408<<", "BB0911", "74081",
        ] {
            assert_eq!(ddmmyy(bad), None, "{bad}");
            assert_eq!(birth_date(bad, TODAY), None, "{bad}");
            assert_eq!(expiry_date(bad, TODAY), None, "{bad}");
        }
    }

    #[test]
    fn birth_dates_are_never_in_the_future() {
        assert_eq!(
            birth_date_iso("740812", TODAY).as_deref(),
            Some("1974-08-12")
        );
        assert_eq!(
            birth_date_iso("010203", TODAY).as_deref(),
            Some("2001-02-03")
        );
        assert_eq!(
            birth_date_iso("250601", TODAY).as_deref(),
            Some("2025-06-01")
        );
        assert_eq!(
            birth_date_iso("250602", TODAY).as_deref(),
            Some("1925-06-02")
        );
    }

    #[test]
    fn expiry_dates_fall_within_twenty_years_ahead() {
        assert_eq!(
            expiry_date_iso("120415", TODAY).as_deref(),
            Some("2012-04-15")
        );
        assert_eq!(
            expiry_date_iso("340528", TODAY).as_deref(),
            Some("2034-05-28")
        );
        assert_eq!(
            expiry_date_iso("451231", TODAY).as_deref(),
            Some("2045-12-31")
        );
        assert_eq!(
            expiry_date_iso("961210", TODAY).as_deref(),
            Some("1996-12-10")
        );
        let later = CalendarDate::new(2085, 1, 1).unwrap();
        assert_eq!(
            expiry_date_iso("050101", later).as_deref(),
            Some("2105-01-01")
        );
        assert_eq!(
            expiry_date_iso("100101", later).as_deref(),
            Some("2010-01-01")
        );
    }

    #[test]
    fn february_29_needs_a_leap_year_in_the_chosen_century() {
        assert_eq!(
            birth_date_iso("000229", TODAY).as_deref(),
            Some("2000-02-29")
        );
        let in_1999 = CalendarDate::new(1999, 12, 31).unwrap();
        // 1900 was not a leap year.
        assert_eq!(birth_date("000229", in_1999), None);
    }

    #[test]
    fn unix_days_count_from_1970() {
        assert_eq!(CalendarDate::from_unix_days(0).to_string(), "1970-01-01");
        assert_eq!(
            CalendarDate::from_unix_days(11_016).to_string(),
            "2000-02-29"
        );
        assert_eq!(
            CalendarDate::from_unix_days(20_240).to_string(),
            "2025-06-01"
        );
        assert_eq!(CalendarDate::from_unix_days(-1).to_string(), "1969-12-31");
    }
}

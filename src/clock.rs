//! The wall clock, in the forms the service uses: Unix milliseconds for expiry, today's
//! date for MRZ century decisions, ISO 8601 for LoopBack's `created`.

use std::time::{SystemTime, UNIX_EPOCH};

use crate::vision::mrz::CalendarDate;

/// Now, in milliseconds since the Unix epoch (0 if the clock is before it).
pub fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

/// Unix milliseconds `d` from now (an expiry).
pub fn ms_from_now(d: std::time::Duration) -> u64 {
    now_ms().saturating_add(d.as_millis() as u64)
}

/// Today's date by the system clock (UTC).
pub fn today() -> CalendarDate {
    CalendarDate::from_unix_days((now_ms() / 86_400_000) as i64)
}

/// `ms` (Unix milliseconds) as `2023-03-02T15:21:31.457Z`.
pub fn iso_8601(ms: u64) -> String {
    let secs = ms / 1000;
    let d = CalendarDate::from_unix_days((secs / 86_400) as i64);
    let s = secs % 86_400;
    format!(
        "{d}T{:02}:{:02}:{:02}.{:03}Z",
        s / 3600,
        s / 60 % 60,
        s % 60,
        ms % 1000
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_dates_are_utc_with_milliseconds() {
        assert_eq!(iso_8601(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(iso_8601(1_677_770_491_457), "2023-03-02T15:21:31.457Z");
        assert!(today().year >= 2026);
    }
}

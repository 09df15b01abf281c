//! Local time of the stations: China Standard Time, UTC+8 all year (China keeps no daylight
//! saving). Session hours are minutes after local midnight; "24:00" is the end of the day.

use chrono::{DateTime, Duration, FixedOffset, NaiveDate, Offset, TimeZone, Utc};

use crate::error::FieldError;
use crate::i18n::Text;

/// UTC+8.
pub fn china() -> FixedOffset {
    // 8 hours is within ±24 h, so the constructor cannot fail; keep a total fallback anyway.
    FixedOffset::east_opt(8 * 3600).unwrap_or(Utc.fix())
}

/// The local date at `instant`.
pub fn local_date(instant: DateTime<Utc>) -> NaiveDate {
    instant.with_timezone(&china()).date_naive()
}

/// Today's local date.
pub fn today() -> NaiveDate {
    local_date(crate::clock::now())
}

/// The instant `minute` minutes after local midnight of `day` (1440 is the next midnight).
pub fn instant(day: NaiveDate, minute: u32) -> DateTime<Utc> {
    let midnight = day.and_hms_opt(0, 0, 0).unwrap_or_default();
    let local = china()
        .from_local_datetime(&midnight)
        .single()
        .unwrap_or_else(|| Utc.from_utc_datetime(&midnight).fixed_offset());
    (local + Duration::minutes(i64::from(minute))).with_timezone(&Utc)
}

/// Minutes after local midnight of the local date of `instant`; 1440 when it is the next
/// midnight of `day`.
pub fn minute_of(day: NaiveDate, instant: DateTime<Utc>) -> u32 {
    let minutes = (instant - self::instant(day, 0)).num_minutes();
    u32::try_from(minutes.clamp(0, 1440)).unwrap_or(0)
}

/// `HH:MM`.
pub fn format_minute(minute: u32) -> String {
    format!("{:02}:{:02}", minute / 60, minute % 60)
}

/// A time of day as `HH:MM`, from `00:00` to `23:59`, or `24:00` when `end_of_day` is allowed.
pub fn parse_minute(field: &str, raw: &str, end_of_day: bool) -> Result<u32, FieldError> {
    let invalid = || {
        FieldError::new(
            field,
            "time",
            Text::fixed(
                "时间格式应为 HH:MM（00:00 至 24:00）。",
                "A time is HH:MM, from 00:00 to 24:00.",
            ),
        )
    };
    let (h, m) = raw.split_once(':').ok_or_else(invalid)?;
    if h.len() != 2 || m.len() != 2 || !h.bytes().chain(m.bytes()).all(|b| b.is_ascii_digit()) {
        return Err(invalid());
    }
    let (h, m): (u32, u32) = (
        h.parse().map_err(|_| invalid())?,
        m.parse().map_err(|_| invalid())?,
    );
    match (h, m) {
        (24, 0) if end_of_day => Ok(1440),
        (0..=23, 0..=59) => Ok(h * 60 + m),
        _ => Err(invalid()),
    }
}

/// Checks that hours `starts`..`ends` are a non-empty span of one day.
pub fn parse_hours(field: &str, starts: &str, ends: &str) -> Result<(u32, u32), FieldError> {
    let s = parse_minute(&format!("{field}.starts"), starts, false)?;
    let e = parse_minute(&format!("{field}.ends"), ends, true)?;
    if e <= s {
        return Err(FieldError::new(
            format!("{field}.ends"),
            "ends_before_start",
            Text::fixed(
                "结束时间必须晚于开始时间。",
                "The end must be after the start.",
            ),
        ));
    }
    Ok((s, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_midnight_is_sixteen_hours_utc_the_day_before() {
        let day = NaiveDate::from_ymd_opt(2027, 10, 6).unwrap_or_default();
        assert_eq!(instant(day, 0).to_rfc3339(), "2027-10-05T16:00:00+00:00");
        assert_eq!(
            instant(day, 9 * 60 + 30).to_rfc3339(),
            "2027-10-06T01:30:00+00:00"
        );
        assert_eq!(local_date(instant(day, 1439)), day);
        assert_eq!(minute_of(day, instant(day, 1440)), 1440);
    }

    #[test]
    fn times_of_day() {
        assert_eq!(parse_minute("t", "09:05", false), Ok(545));
        assert_eq!(parse_minute("t", "24:00", true), Ok(1440));
        for bad in [
            "24:00", "9:00", "09:60", "25:00", "ab:cd", "0900", "09:00:00", "",
        ] {
            assert!(parse_minute("t", bad, false).is_err(), "{bad}");
        }
        assert!(parse_hours("hours", "11:00", "09:00").is_err());
        assert!(parse_hours("hours", "09:00", "09:00").is_err());
        assert_eq!(format_minute(545), "09:05");
    }
}

//! The period a report covers and its division into months, quarters or years.
//!
//! A period is whole local days, `from` to `to` inclusive (China Standard Time). Each figure is
//! counted by the day of its own event: a submission by the day it was received, a case by the
//! day it was first assigned, a session by its date. `from` defaults to the first of January of
//! `to`'s year and `to` to today, so a bare request reports the year to date.

use chrono::{DateTime, Datelike, Months, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::domain::local_time;
use crate::error::ApiError;

/// The longest period a report may cover: five years, the term of a congress.
pub const MAX_YEARS: u32 = 5;

/// The years a period may lie in.
const FIRST_YEAR: i32 = 2000;
const LAST_YEAR: i32 = 2100;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    pub from: NaiveDate,
    pub to: NaiveDate,
}

impl Period {
    /// The local calendar year `year` (this year by default), with the year itself.
    pub fn year(year: Option<i32>) -> (i32, Period) {
        let year = year.unwrap_or_else(|| crate::domain::local_time::today().year());
        let day = |m, d| NaiveDate::from_ymd_opt(year, m, d).unwrap_or_default();
        (
            year,
            Period {
                from: day(1, 1),
                to: day(12, 31),
            },
        )
    }

    /// The period from the optional query parameters; `today` fills the gaps.
    pub fn resolve(
        from: Option<NaiveDate>,
        to: Option<NaiveDate>,
        today: NaiveDate,
    ) -> Result<Period, ApiError> {
        let to = to.unwrap_or(today);
        let from = from.unwrap_or_else(|| NaiveDate::from_ymd_opt(to.year(), 1, 1).unwrap_or(to));
        // Far dates would overflow the instant arithmetic and the databases' timestamp range;
        // nothing before the service or after this century has data.
        for (field, day) in [("from", from), ("to", to)] {
            if !(FIRST_YEAR..=LAST_YEAR).contains(&day.year()) {
                return Err(ApiError::query(
                    field,
                    "out_of_range",
                    "日期须在2000年至2100年之间。",
                    "Dates lie between 2000 and 2100.",
                ));
            }
        }
        if from > to {
            return Err(ApiError::query(
                "from",
                "after_to",
                "开始日期不能晚于结束日期。",
                "`from` must not be after `to`.",
            ));
        }
        let limit = from
            .checked_add_months(Months::new(12 * MAX_YEARS))
            .unwrap_or(NaiveDate::MAX);
        if to >= limit {
            return Err(ApiError::query(
                "to",
                "period_too_long",
                "统计期间最长五年。",
                "A period covers at most five years.",
            ));
        }
        Ok(Period { from, to })
    }

    /// The first instant of the period.
    pub fn start(&self) -> DateTime<Utc> {
        local_time::instant(self.from, 0)
    }

    /// The first instant after the period.
    pub fn end(&self) -> DateTime<Utc> {
        local_time::instant(self.to, 1440)
    }
}

/// How a trend divides its period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Interval {
    Month,
    Quarter,
    Year,
}

impl Interval {
    fn months(self) -> u32 {
        match self {
            Interval::Month => 1,
            Interval::Quarter => 3,
            Interval::Year => 12,
        }
    }

    /// The first day of the interval holding `day`.
    fn floor(self, day: NaiveDate) -> NaiveDate {
        let month0 = day.month0() - day.month0() % self.months();
        NaiveDate::from_ymd_opt(day.year(), month0 + 1, 1).unwrap_or(day)
    }
}

/// The buckets of `period` by `interval`: each one's first and last day, clipped to the period.
pub fn buckets(period: Period, interval: Interval) -> Vec<Period> {
    let mut out = Vec::new();
    let mut start = interval.floor(period.from);
    while start <= period.to {
        let next = start
            .checked_add_months(Months::new(interval.months()))
            .unwrap_or(NaiveDate::MAX);
        let last = next.pred_opt().unwrap_or(next);
        out.push(Period {
            from: start.max(period.from),
            to: last.min(period.to),
        });
        if next == NaiveDate::MAX {
            break;
        }
        start = next;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn year(y: i32) -> Period {
        Period {
            from: d(y, 1, 1),
            to: d(y, 12, 31),
        }
    }

    #[test]
    fn defaults_to_the_year_to_date() {
        let p = Period::resolve(None, None, d(2026, 11, 23)).unwrap();
        assert_eq!(
            p,
            Period {
                from: d(2026, 1, 1),
                to: d(2026, 11, 23)
            }
        );
        let p = Period::resolve(None, Some(d(2025, 3, 1)), d(2026, 11, 23)).unwrap();
        assert_eq!(p.from, d(2025, 1, 1));
    }

    #[test]
    fn refuses_reversed_and_overlong_periods() {
        let today = d(2026, 11, 23);
        assert!(Period::resolve(Some(d(2026, 2, 1)), Some(d(2026, 1, 31)), today).is_err());
        assert!(Period::resolve(Some(d(2026, 1, 1)), Some(d(2026, 1, 1)), today).is_ok());
        assert!(Period::resolve(Some(d(2021, 1, 1)), Some(d(2025, 12, 31)), today).is_ok());
        assert!(Period::resolve(Some(d(2021, 1, 1)), Some(d(2026, 1, 1)), today).is_err());
        assert!(Period::resolve(Some(d(1999, 12, 31)), None, today).is_err());
        assert!(Period::resolve(None, Some(d(2101, 1, 1)), today).is_err());
        assert!(Period::resolve(None, Some(NaiveDate::MAX), today).is_err());
    }

    #[test]
    fn instants_are_local_midnights() {
        let p = year(2026);
        assert_eq!(p.start().to_rfc3339(), "2025-12-31T16:00:00+00:00");
        assert_eq!(p.end().to_rfc3339(), "2026-12-31T16:00:00+00:00");
    }

    #[test]
    fn buckets_cover_the_period_clipped() {
        let p = Period {
            from: d(2026, 2, 10),
            to: d(2026, 5, 3),
        };
        let months = buckets(p, Interval::Month);
        assert_eq!(months.len(), 4);
        assert_eq!(
            months[0],
            Period {
                from: d(2026, 2, 10),
                to: d(2026, 2, 28)
            }
        );
        assert_eq!(
            months[3],
            Period {
                from: d(2026, 5, 1),
                to: d(2026, 5, 3)
            }
        );
        let quarters = buckets(p, Interval::Quarter);
        assert_eq!(
            quarters,
            vec![
                Period {
                    from: d(2026, 2, 10),
                    to: d(2026, 3, 31)
                },
                Period {
                    from: d(2026, 4, 1),
                    to: d(2026, 5, 3)
                },
            ]
        );
        assert_eq!(buckets(year(2026), Interval::Year).len(), 1);
        assert_eq!(buckets(year(2026), Interval::Month).len(), 12);
    }
}

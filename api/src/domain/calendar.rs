//! The working-day calendar: is a date a working day, and what is N working days from a date.
//!
//! China's calendar is weekends off, except the official holidays (法定节假日, with the days joined
//! to them) and the make-up working days (调休) on weekends, both published each year and loaded
//! by an administrator. A year that was not loaded falls back to "weekends are days off"; the
//! calendar remembers which years it guessed so that responses can say so.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Datelike, Days, NaiveDate, Weekday};

/// What a loaded year says about one day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exception {
    /// A day off, whatever the weekday.
    Holiday,
    /// A working day, whatever the weekday.
    Workday,
}

/// The calendar of some years: exceptions of the loaded years, weekends elsewhere.
#[derive(Debug, Clone, Default)]
pub struct WorkingCalendar {
    loaded: BTreeSet<i32>,
    exceptions: BTreeMap<NaiveDate, Exception>,
}

/// The furthest [`WorkingCalendar::next_working_day`] looks: no real calendar has a month off.
const MAX_DAYS_OFF: u64 = 60;

impl WorkingCalendar {
    /// A calendar with `exceptions` for the `loaded` years.
    pub fn new(
        loaded: impl IntoIterator<Item = i32>,
        exceptions: impl IntoIterator<Item = (NaiveDate, Exception)>,
    ) -> Self {
        WorkingCalendar {
            loaded: loaded.into_iter().collect(),
            exceptions: exceptions.into_iter().collect(),
        }
    }

    /// Whether the official calendar of `year` is known (otherwise weekends are guessed).
    pub fn is_loaded(&self, year: i32) -> bool {
        self.loaded.contains(&year)
    }

    /// The years from `from` to `to` whose calendar is a guess.
    pub fn fallback_years(&self, from: NaiveDate, to: NaiveDate) -> Vec<i32> {
        (from.year()..=to.year())
            .filter(|y| !self.is_loaded(*y))
            .collect()
    }

    pub fn is_working_day(&self, day: NaiveDate) -> bool {
        match self.exceptions.get(&day) {
            Some(Exception::Holiday) => false,
            Some(Exception::Workday) => true,
            None => !matches!(day.weekday(), Weekday::Sat | Weekday::Sun),
        }
    }

    /// `day` itself if it is a working day, else the first working day after it; `None` past the
    /// end of the dates chrono can hold or after an implausibly long run of days off.
    pub fn next_working_day(&self, day: NaiveDate) -> Option<NaiveDate> {
        (0..=MAX_DAYS_OFF)
            .map_while(|n| day.checked_add_days(Days::new(n)))
            .find(|d| self.is_working_day(*d))
    }

    /// The working day `n` working days after `day` (`day` itself not counted, so one working
    /// day after a Friday is the next Monday, or later around holidays). `n = 0` is `day`.
    pub fn add_working_days(&self, day: NaiveDate, n: u32) -> Option<NaiveDate> {
        let mut current = day;
        for _ in 0..n {
            current = self.next_working_day(current.checked_add_days(Days::new(1))?)?;
        }
        Some(current)
    }

    /// The working days after `from` up to and including `to`: how many working days something
    /// begun on `from` took when it ended on `to` (0 on the same day, or when `to` is earlier).
    pub fn working_days_between(&self, from: NaiveDate, to: NaiveDate) -> u32 {
        from.iter_days()
            .skip(1)
            .take_while(|d| *d <= to)
            .filter(|d| self.is_working_day(*d))
            .count()
            .try_into()
            .unwrap_or(u32::MAX)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn working_days_between_counts_the_days_after_the_start() {
        let cal = national_day();
        // Friday 9-25 to Monday 9-28: Sunday 9-27 is a make-up working day, and 9-28 counts.
        assert_eq!(cal.working_days_between(d(2026, 9, 25), d(2026, 9, 28)), 2);
        assert_eq!(cal.working_days_between(d(2026, 9, 25), d(2026, 9, 25)), 0);
        assert_eq!(cal.working_days_between(d(2026, 9, 28), d(2026, 9, 25)), 0);
        // Across the holiday: 9-30, then 10-9 and 10-10 (a make-up Saturday).
        assert_eq!(cal.working_days_between(d(2026, 9, 29), d(2026, 10, 10)), 3);
        for n in 0..30 {
            let day = cal.add_working_days(d(2026, 9, 20), n).unwrap();
            assert_eq!(cal.working_days_between(d(2026, 9, 20), day), n);
        }
    }

    /// A National Day week of the usual shape: October 1-8 off, Sunday 9-27 and Saturday
    /// 10-10 worked (the real data comes from the administrator).
    fn national_day() -> WorkingCalendar {
        let mut exceptions: Vec<_> = (1..=8)
            .map(|n| (d(2026, 10, n), Exception::Holiday))
            .collect();
        exceptions.push((d(2026, 9, 27), Exception::Workday));
        exceptions.push((d(2026, 10, 10), Exception::Workday));
        WorkingCalendar::new([2026], exceptions)
    }

    #[test]
    fn holidays_and_make_up_days_override_weekends() {
        let cal = national_day();
        assert!(!cal.is_working_day(d(2026, 10, 6)));
        assert!(cal.is_working_day(d(2026, 10, 10)), "a Saturday worked");
        assert!(!cal.is_working_day(d(2026, 10, 11)), "an ordinary Sunday");
        assert_eq!(cal.next_working_day(d(2026, 10, 6)), Some(d(2026, 10, 9)));
        assert_eq!(cal.next_working_day(d(2026, 10, 9)), Some(d(2026, 10, 9)));
    }

    #[test]
    fn adding_working_days_skips_days_off() {
        let cal = national_day();
        // Tuesday 9-29 + 3 working days: 9-30, (10-1..10-8 off), 10-9, 10-10.
        assert_eq!(
            cal.add_working_days(d(2026, 9, 29), 3),
            Some(d(2026, 10, 10))
        );
        assert_eq!(
            cal.add_working_days(d(2026, 9, 29), 0),
            Some(d(2026, 9, 29))
        );
        // Friday + 1 is Monday in an unloaded year.
        let plain = WorkingCalendar::default();
        assert_eq!(
            plain.add_working_days(d(2027, 3, 5), 1),
            Some(d(2027, 3, 8))
        );
        assert_eq!(
            plain.fallback_years(d(2026, 12, 1), d(2027, 1, 31)),
            vec![2026, 2027]
        );
        assert_eq!(
            cal.fallback_years(d(2026, 1, 1), d(2026, 12, 31)),
            Vec::<i32>::new()
        );
    }

    proptest! {
        /// Adding working days lands on a working day, never goes back, and adding in two
        /// steps equals adding at once.
        #[test]
        fn adding_working_days_composes(
            offset in 0u64..3000,
            a in 0u32..40,
            b in 0u32..40,
            holidays in proptest::collection::vec(0u64..3000, 0..200),
        ) {
            let start = d(2025, 1, 1);
            let cal = WorkingCalendar::new(
                [2025, 2026, 2027, 2028, 2029, 2030, 2031, 2032, 2033],
                holidays.iter().map(|h| (start + Days::new(*h), Exception::Holiday)),
            );
            let day = start + Days::new(offset);
            let once = cal.add_working_days(day, a + b).unwrap();
            let twice = cal.add_working_days(cal.add_working_days(day, a).unwrap(), b).unwrap();
            prop_assert_eq!(once, twice);
            prop_assert!(once >= day);
            if a + b > 0 {
                prop_assert!(cal.is_working_day(once));
                let between = day.iter_days().skip(1).take_while(|x| *x <= once)
                    .filter(|x| cal.is_working_day(*x)).count();
                prop_assert_eq!(between, (a + b) as usize);
            }
        }
    }
}

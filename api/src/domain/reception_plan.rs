//! Which days a reception rule implies: the days of the month (逢6: the 6th, 16th and 26th) or a
//! weekday, over a date range, with days off postponed to the next working day (节假日顺延) or
//! skipped. Pure: the caller supplies the calendar and the days already taken.

use std::collections::BTreeSet;

use chrono::{Datelike, NaiveDate, Weekday};

use super::calendar::WorkingCalendar;

/// When sessions are held.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Pattern {
    /// These days of every month (1 to 31; a day a month lacks is skipped that month).
    DaysOfMonth(BTreeSet<u32>),
    /// Every week on this day.
    Weekly(Weekday),
}

/// What to do with a rule day that is a day off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnDayOff {
    Postpone,
    Skip,
}

/// A session the rule implies: `rule_day` is the day the rule names, `day` where it is held.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Planned {
    pub rule_day: NaiveDate,
    pub day: NaiveDate,
}

/// A rule day that yields no session, and why.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Skipped {
    /// The month has no such day (the 31st of April).
    NoSuchDay { year: i32, month: u32, day: u32 },
    /// A day off under the `skip` policy.
    DayOff(NaiveDate),
    /// A day off whose next free working days were all taken (within two months).
    NoFreeWorkingDay(NaiveDate),
    /// A working day that another session of the station already holds.
    Taken(NaiveDate),
}

/// The rule's days from `from` to `to` (both included).
pub fn rule_days(
    pattern: &Pattern,
    from: NaiveDate,
    to: NaiveDate,
) -> (Vec<NaiveDate>, Vec<Skipped>) {
    let mut days = Vec::new();
    let mut skipped = Vec::new();
    match pattern {
        Pattern::Weekly(weekday) => {
            days.extend(
                from.iter_days()
                    .take_while(|d| *d <= to)
                    .filter(|d| d.weekday() == *weekday),
            );
        }
        Pattern::DaysOfMonth(wanted) => {
            let (mut year, mut month) = (from.year(), from.month());
            while (year, month) <= (to.year(), to.month()) {
                for &day in wanted {
                    match NaiveDate::from_ymd_opt(year, month, day) {
                        Some(d) if d >= from && d <= to => days.push(d),
                        Some(_) => {}
                        None => skipped.push(Skipped::NoSuchDay { year, month, day }),
                    }
                }
                (year, month) = if month == 12 {
                    (year + 1, 1)
                } else {
                    (year, month + 1)
                };
            }
        }
    }
    (days, skipped)
}

/// Places the rule days of `from`..`to`: a working rule day keeps its day; a day off is moved to
/// the next working day that no other session of the station holds (`taken`, plus every rule day
/// placed here), or skipped under [`OnDayOff::Skip`]. A working rule day that another session
/// already holds is skipped: that session is the reception of the day. Rule days in `settled`
/// already have their session and are left out.
///
/// Rule days that stay put are placed first, so a postponed session never lands on a later rule
/// day; postponed ones then take the free working days in order.
pub fn plan(
    pattern: &Pattern,
    policy: OnDayOff,
    from: NaiveDate,
    to: NaiveDate,
    calendar: &WorkingCalendar,
    taken: &BTreeSet<NaiveDate>,
    settled: &BTreeSet<NaiveDate>,
) -> (Vec<Planned>, Vec<Skipped>) {
    let (mut days, mut skipped) = rule_days(pattern, from, to);
    days.retain(|d| !settled.contains(d));
    let mut occupied = taken.clone();
    let mut planned = Vec::with_capacity(days.len());
    let mut off = Vec::new();
    for day in days {
        if taken.contains(&day) && calendar.is_working_day(day) {
            skipped.push(Skipped::Taken(day));
        } else if calendar.is_working_day(day) {
            occupied.insert(day);
            planned.push(Planned { rule_day: day, day });
        } else {
            off.push(day);
        }
    }
    for rule_day in off {
        if policy == OnDayOff::Skip {
            skipped.push(Skipped::DayOff(rule_day));
            continue;
        }
        let mut candidate = calendar.next_working_day(rule_day);
        while let Some(day) = candidate {
            if !occupied.contains(&day) {
                break;
            }
            candidate = day
                .succ_opt()
                .and_then(|next| calendar.next_working_day(next));
            if candidate.is_some_and(|c| (c - rule_day).num_days() > 60) {
                candidate = None;
            }
        }
        match candidate {
            Some(day) => {
                occupied.insert(day);
                planned.push(Planned { rule_day, day });
            }
            None => skipped.push(Skipped::NoFreeWorkingDay(rule_day)),
        }
    }
    planned.sort_by_key(|p| p.rule_day);
    (planned, skipped)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::calendar::Exception;
    use proptest::prelude::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn feng_liu() -> Pattern {
        Pattern::DaysOfMonth([6, 16, 26].into())
    }

    #[test]
    fn the_thirty_first_is_skipped_in_short_months() {
        let pattern = Pattern::DaysOfMonth([31].into());
        let (days, skipped) = rule_days(&pattern, d(2027, 1, 1), d(2027, 6, 30));
        assert_eq!(days, vec![d(2027, 1, 31), d(2027, 3, 31), d(2027, 5, 31)]);
        assert_eq!(skipped.len(), 3, "February, April, June: {skipped:?}");
    }

    #[test]
    fn weekly_rules_take_every_such_weekday() {
        let (days, _) = rule_days(
            &Pattern::Weekly(Weekday::Thu),
            d(2027, 3, 1),
            d(2027, 3, 31),
        );
        assert_eq!(
            days,
            vec![
                d(2027, 3, 4),
                d(2027, 3, 11),
                d(2027, 3, 18),
                d(2027, 3, 25)
            ]
        );
    }

    #[test]
    fn a_day_off_is_postponed_to_the_next_free_working_day() {
        // October 2027: 1-7 off; the 6th moves to the 8th (a Friday).
        let cal = WorkingCalendar::new(
            [2027],
            (1..=7).map(|n| (d(2027, 10, n), Exception::Holiday)),
        );
        let (planned, skipped) = plan(
            &feng_liu(),
            OnDayOff::Postpone,
            d(2027, 10, 1),
            d(2027, 10, 31),
            &cal,
            &BTreeSet::new(),
            &BTreeSet::new(),
        );
        assert!(skipped.is_empty());
        assert_eq!(
            planned,
            vec![
                Planned {
                    rule_day: d(2027, 10, 6),
                    day: d(2027, 10, 8)
                },
                Planned {
                    rule_day: d(2027, 10, 16),
                    day: d(2027, 10, 18)
                },
                Planned {
                    rule_day: d(2027, 10, 26),
                    day: d(2027, 10, 26)
                },
            ],
            "the 16th is a Saturday"
        );
        // A session already on the 8th pushes the postponed one to the 11th.
        let taken = [d(2027, 10, 8)].into();
        let (planned, _) = plan(
            &feng_liu(),
            OnDayOff::Postpone,
            d(2027, 10, 1),
            d(2027, 10, 10),
            &cal,
            &taken,
            &BTreeSet::new(),
        );
        assert_eq!(
            planned,
            vec![Planned {
                rule_day: d(2027, 10, 6),
                day: d(2027, 10, 11)
            }]
        );
        // Skip drops it.
        let (planned, skipped) = plan(
            &feng_liu(),
            OnDayOff::Skip,
            d(2027, 10, 1),
            d(2027, 10, 10),
            &cal,
            &BTreeSet::new(),
            &BTreeSet::new(),
        );
        assert!(planned.is_empty());
        assert_eq!(skipped, vec![Skipped::DayOff(d(2027, 10, 6))]);
    }

    #[test]
    fn a_postponed_day_never_lands_on_a_later_rule_day() {
        // Days 5 and 6 of a month where the 5th is a holiday and the 6th a working day.
        let cal = WorkingCalendar::new([2027], [(d(2027, 7, 5), Exception::Holiday)]);
        let pattern = Pattern::DaysOfMonth([5, 6].into());
        let (planned, _) = plan(
            &pattern,
            OnDayOff::Postpone,
            d(2027, 7, 1),
            d(2027, 7, 31),
            &cal,
            &BTreeSet::new(),
            &BTreeSet::new(),
        );
        assert_eq!(
            planned,
            vec![
                Planned {
                    rule_day: d(2027, 7, 5),
                    day: d(2027, 7, 7)
                },
                Planned {
                    rule_day: d(2027, 7, 6),
                    day: d(2027, 7, 6)
                },
            ]
        );
    }

    proptest! {
        /// Whatever the rule and calendar: sessions land on working days, on distinct days none
        /// of which was taken, never before their rule day, and planning is deterministic.
        #[test]
        fn planned_days_are_distinct_free_working_days(
            days in proptest::collection::btree_set(1u32..=31, 1..8),
            holidays in proptest::collection::vec(0u64..400, 0..120),
            taken in proptest::collection::btree_set(0u64..400, 0..20),
            start in 0u64..30,
            len in 0u64..366,
        ) {
            let base = d(2027, 1, 1);
            let cal = WorkingCalendar::new([2027, 2028], holidays.iter().map(|h| (base + chrono::Days::new(*h), Exception::Holiday)));
            let taken: BTreeSet<_> = taken.iter().map(|t| base + chrono::Days::new(*t)).collect();
            let from = base + chrono::Days::new(start);
            let to = from + chrono::Days::new(len);
            let pattern = Pattern::DaysOfMonth(days);
            let (planned, _) = plan(&pattern, OnDayOff::Postpone, from, to, &cal, &taken, &BTreeSet::new());
            let mut seen = BTreeSet::new();
            for p in &planned {
                prop_assert!(cal.is_working_day(p.day));
                prop_assert!(p.day >= p.rule_day);
                prop_assert!(!taken.contains(&p.day));
                prop_assert!(seen.insert(p.day), "two sessions on {}", p.day);
            }
            let again = plan(&pattern, OnDayOff::Postpone, from, to, &cal, &taken, &BTreeSet::new());
            prop_assert_eq!(again.0, planned);
        }
    }
}

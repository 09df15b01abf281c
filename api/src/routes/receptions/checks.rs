//! What a reception request body must hold before the service sees it: capacities, places,
//! reasons, the reception rule and date ranges, checked field by field so that one answer
//! lists every problem.

use std::collections::BTreeSet;

use chrono::{Months, NaiveDate, Weekday};
use entity::reception_rule::HolidayPolicy;

use super::dto::*;
use super::planning::RuleSpec;
use crate::domain::DisplayName;
use crate::domain::local_time::parse_hours;
use crate::domain::reception_plan::Pattern;
use crate::error::{ApiError, Checks, FieldError};
use crate::i18n::Text;

pub const PLACE_MAX: usize = 200;

pub const MAX_CAPACITY: i64 = 1000;

pub fn capacity(field: &str, value: i64) -> Result<i32, FieldError> {
    if (1..=MAX_CAPACITY).contains(&value) {
        Ok(i32::try_from(value).unwrap_or(1))
    } else {
        Err(FieldError::new(
            field,
            "range",
            Text::new(
                format!("名额必须在 1 到 {MAX_CAPACITY} 之间。"),
                format!("Must be from 1 to {MAX_CAPACITY}."),
            ),
        ))
    }
}

pub fn deputies_per_session(
    value: Option<DeputiesPerSessionDto>,
) -> Result<Option<(i16, i16)>, FieldError> {
    let Some(v) = value else { return Ok(None) };
    if v.min < 1 || v.min > 10 || v.max < v.min || v.max > 10 {
        return Err(FieldError::new(
            "deputies_per_session",
            "range",
            Text::fixed(
                "值班代表人数：min 为 1 到 10，max 不小于 min 且不超过 10。",
                "min is 1 to 10; max is from min to 10.",
            ),
        ));
    }
    Ok(Some((i16::from(v.min), i16::from(v.max))))
}

pub fn place(raw: Option<&str>) -> Result<Option<String>, FieldError> {
    raw.map(|p| DisplayName::parse("place", p, PLACE_MAX).map(DisplayName::into_inner))
        .transpose()
}

/// Free-text reason of 2 characters (once trimmed) to 500 (as sent, as the contract counts).
pub fn reason(field: &str, raw: &str) -> Result<String, FieldError> {
    let trimmed = raw.trim();
    if trimmed.chars().count() < 2
        || raw.chars().count() > 500
        || trimmed.chars().any(char::is_control)
    {
        return Err(FieldError::new(
            field,
            "length",
            Text::fixed(
                "请填写 2 到 500 个字符的原因。",
                "Give a reason of 2 to 500 characters.",
            ),
        ));
    }
    Ok(trimmed.to_owned())
}

pub fn rule_spec(body: ReceptionRuleRequest) -> Result<RuleSpec, ApiError> {
    let mut checks = Checks::default();
    let pattern = match (body.days_of_month, body.weekly) {
        (Some(days), None) => {
            let mut set = BTreeSet::new();
            if days.is_empty() || days.len() > 31 {
                checks.fail(FieldError::new(
                    "days_of_month",
                    "length",
                    Text::fixed("请列出 1 到 31 个日期。", "List 1 to 31 days."),
                ));
            }
            for (i, day) in days.iter().enumerate() {
                let field = format!("days_of_month[{i}]");
                if !(1..=31).contains(day) {
                    checks.fail(FieldError::new(
                        field,
                        "range",
                        Text::fixed(
                            "日期必须在 1 到 31 之间。",
                            "A day of the month is 1 to 31.",
                        ),
                    ));
                } else if !set.insert(u32::try_from(*day).unwrap_or(1)) {
                    checks.fail(FieldError::new(
                        field,
                        "duplicate",
                        Text::fixed("日期重复。", "The day is listed twice."),
                    ));
                }
            }
            Some(Pattern::DaysOfMonth(set))
        }
        (None, Some(weekday)) => match u8::try_from(weekday)
            .ok()
            .filter(|w| (1..=7).contains(w))
            .and_then(|w| Weekday::try_from(w - 1).ok())
        {
            Some(w) => Some(Pattern::Weekly(w)),
            None => {
                checks.fail(FieldError::new(
                    "weekly",
                    "range",
                    Text::fixed(
                        "星期必须在 1（周一）到 7（周日）之间。",
                        "A weekday is 1 (Monday) to 7 (Sunday).",
                    ),
                ));
                None
            }
        },
        _ => {
            checks.fail(FieldError::new(
                "days_of_month",
                "one_of",
                Text::fixed(
                    "days_of_month 与 weekly 必须且只能填一个。",
                    "Give exactly one of days_of_month and weekly.",
                ),
            ));
            None
        }
    };
    let hours = checks.check(parse_hours("hours", &body.hours.starts, &body.hours.ends));
    let place = checks.check(place(body.place.as_deref()));
    let capacity = checks.check(capacity("capacity", body.capacity));
    let deputies = checks.check(deputies_per_session(body.deputies_per_session));
    checks.finish()?;
    let (Some(pattern), Some((starts, ends)), Some(place), Some(capacity), Some(deputies)) =
        (pattern, hours, place, capacity, deputies)
    else {
        return Err(ApiError::internal(anyhow::anyhow!(
            "checked rule incomplete"
        )));
    };
    let (min, max) = deputies.unwrap_or((2, 3));
    Ok(RuleSpec {
        pattern,
        starts,
        ends,
        place,
        capacity,
        min_deputies: min,
        max_deputies: max,
        policy: match body.holiday_policy.unwrap_or(HolidayPolicyDto::Postpone) {
            HolidayPolicyDto::Postpone => HolidayPolicy::Postpone,
            HolidayPolicyDto::Skip => HolidayPolicy::Skip,
        },
    })
}

/// Checks a span: `to` not before `from`, and at most a year long.
pub fn range(from: NaiveDate, to: NaiveDate) -> Result<(NaiveDate, NaiveDate), ApiError> {
    if to < from {
        return Err(ApiError::validation(
            "to",
            "before_from",
            Text::fixed(
                "结束日期不能早于开始日期。",
                "`to` may not be before `from`.",
            ),
        ));
    }
    let limit = from.checked_add_months(Months::new(12));
    if limit.is_none_or(|limit| to >= limit) {
        return Err(ApiError::validation(
            "to",
            "range_too_long",
            Text::fixed("一次最多一年。", "At most a year at a time."),
        ));
    }
    Ok((from, to))
}

pub fn late_reason(raw: Option<&str>) -> Result<Option<String>, ApiError> {
    raw.map(|r| reason("late_reason", r))
        .transpose()
        .map_err(|e| ApiError::Validation(vec![e]))
}

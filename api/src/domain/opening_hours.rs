//! A station's opening hours: periods of weekdays with an opening and a closing time.

use chrono::NaiveTime;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error::FieldError;
use crate::i18n::Text;

/// The most periods a station may list.
pub const MAX_PERIODS: usize = 14;

/// One period: the same hours on some weekdays.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Period {
    /// ISO weekdays, Monday = 1 to Sunday = 7.
    #[schema(example = json!([1, 2, 3, 4, 5]))]
    pub weekdays: Vec<u8>,
    /// `HH:MM`, 24-hour clock.
    #[schema(example = "09:00", pattern = r"^\d{2}:\d{2}$")]
    pub opens: String,
    /// `HH:MM`, after `opens`.
    #[schema(example = "17:00", pattern = r"^\d{2}:\d{2}$")]
    pub closes: String,
}

/// Checks `periods`, naming the failing field as `{field}[i].name`.
pub fn check(field: &str, periods: &[Period]) -> Result<(), Vec<FieldError>> {
    let mut errors = Vec::new();
    if periods.len() > MAX_PERIODS {
        errors.push(FieldError::new(
            field,
            "length",
            Text::new(
                format!("开放时间最多 {MAX_PERIODS} 段。"),
                format!("At most {MAX_PERIODS} periods."),
            ),
        ));
    }
    for (i, period) in periods.iter().enumerate() {
        let at = |name: &str| format!("{field}[{i}].{name}");
        let mut days = period.weekdays.clone();
        days.sort_unstable();
        days.dedup();
        if period.weekdays.is_empty()
            || days.len() != period.weekdays.len()
            || days.iter().any(|d| !(1..=7).contains(d))
        {
            errors.push(FieldError::new(
                at("weekdays"),
                "invalid_value",
                Text::fixed(
                    "星期必须是 1（周一）到 7（周日）之间不重复的数字。",
                    "Weekdays are distinct numbers from 1 (Monday) to 7 (Sunday).",
                ),
            ));
        }
        let time = |value: &str, name: &str, errors: &mut Vec<FieldError>| {
            let parsed = (value.len() == 5)
                .then(|| NaiveTime::parse_from_str(value, "%H:%M").ok())
                .flatten();
            if parsed.is_none() {
                errors.push(FieldError::new(
                    at(name),
                    "invalid_format",
                    Text::fixed("时间格式为 HH:MM。", "Times are written HH:MM."),
                ));
            }
            parsed
        };
        let opens = time(&period.opens, "opens", &mut errors);
        let closes = time(&period.closes, "closes", &mut errors);
        if let (Some(opens), Some(closes)) = (opens, closes)
            && closes <= opens
        {
            errors.push(FieldError::new(
                at("closes"),
                "before_start",
                Text::fixed(
                    "关门时间必须晚于开门时间。",
                    "Closing must come after opening.",
                ),
            ));
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn period(weekdays: &[u8], opens: &str, closes: &str) -> Period {
        Period {
            weekdays: weekdays.to_vec(),
            opens: opens.into(),
            closes: closes.into(),
        }
    }

    #[test]
    fn valid_hours_pass() {
        assert!(
            check(
                "h",
                &[
                    period(&[1, 2, 3, 4, 5], "08:30", "17:30"),
                    period(&[6], "09:00", "12:00")
                ]
            )
            .is_ok()
        );
        assert!(check("h", &[]).is_ok());
    }

    #[test]
    fn bad_hours_name_the_field() {
        let errors = check("h", &[period(&[0, 8], "9:00", "25:00")]).unwrap_err();
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["h[0].weekdays", "h[0].opens", "h[0].closes"]);
        let errors = check("h", &[period(&[1, 1], "17:00", "09:00")]).unwrap_err();
        assert_eq!(errors.len(), 2);
        assert_eq!(errors[1].code, "before_start");
    }
}

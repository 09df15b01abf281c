//! Wire types of `/api/v1/holidays`.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use super::service::YearCalendar;
use entity::holiday_day::DayKind;

/// A day and what it is called.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NamedDay {
    #[schema(example = "2027-10-01")]
    pub date: NaiveDate,
    /// 1 to 50 characters, not all blank, e.g. 国庆节.
    #[schema(example = "国庆节", min_length = 1, max_length = 50, pattern = r"\S")]
    pub name: String,
}

/// A year's official calendar (国务院办公厅关于部分节假日安排的通知).
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PutHolidaysRequest {
    /// Days off (every day of each holiday, weekends included), at most 60.
    #[validate(length(max = 60))]
    #[schema(max_items = 60)]
    pub holidays: Vec<NamedDay>,
    /// Weekend days that are working days (调休上班), at most 20.
    #[validate(length(max = 20))]
    #[schema(max_items = 20)]
    pub workdays: Vec<NamedDay>,
}

/// A year's calendar as stored.
#[derive(Debug, Serialize, ToSchema)]
pub struct HolidayCalendarDto {
    pub year: i32,
    /// `false`: nothing was loaded for this year, and every date that depends on the calendar
    /// treats weekends as the only days off.
    pub loaded: bool,
    pub holidays: Vec<NamedDay>,
    pub workdays: Vec<NamedDay>,
    pub updated_at: Option<DateTime<Utc>>,
}

impl From<YearCalendar> for HolidayCalendarDto {
    fn from(calendar: YearCalendar) -> Self {
        let named = |kind: DayKind| {
            calendar
                .days
                .iter()
                .filter(|d| d.kind == kind)
                .map(|d| NamedDay {
                    date: d.day,
                    name: d.name.clone(),
                })
                .collect()
        };
        HolidayCalendarDto {
            year: calendar.year,
            loaded: calendar.loaded.is_some(),
            holidays: named(DayKind::Holiday),
            workdays: named(DayKind::Workday),
            updated_at: calendar.loaded.map(|y| y.updated_at),
        }
    }
}

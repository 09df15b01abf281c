//! Loading the working-day calendar (`domain::calendar::WorkingCalendar`) from the stored
//! holidays and make-up working days. Deadlines (suggestions, the deadline sweep), reception-day
//! planning and the statistics all count working days with it; the holidays feature stores
//! the years it reads.

use chrono::{Datelike, NaiveDate};
use entity::holiday_day::{self, DayKind};
use entity::holiday_year;
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter};

use crate::domain::calendar::{Exception, WorkingCalendar};

/// The working-day calendar for the years `from` to `to`.
pub async fn load(
    db: &impl ConnectionTrait,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<WorkingCalendar, DbErr> {
    let years = holiday_year::Entity::find()
        .filter(holiday_year::Column::Year.between(from.year(), to.year()))
        .all(db)
        .await?
        .into_iter()
        .map(|y| y.year);
    let days = holiday_day::Entity::find()
        .filter(holiday_day::Column::Year.between(from.year(), to.year()))
        .all(db)
        .await?
        .into_iter()
        .map(|d| {
            let kind = match d.kind {
                DayKind::Holiday => Exception::Holiday,
                DayKind::Workday => Exception::Workday,
            };
            (d.day, kind)
        });
    Ok(WorkingCalendar::new(years, days))
}

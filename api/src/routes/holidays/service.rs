//! Storing and reading a year's calendar (the working-day calendar that deadlines and
//! reception days count with is loaded by `crate::calendar`).

use chrono::NaiveDate;
use entity::holiday_day::{self, DayKind};
use entity::holiday_year;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    Set,
};

use crate::audit::{self, Actor, Entry};
use crate::auth::AuthUser;
use crate::db::Db;
use crate::error::ApiError;
use crate::http::client::ClientInfo;

/// A year's calendar as stored: its row (if loaded) and its days, by date.
pub struct YearCalendar {
    pub year: i32,
    pub loaded: Option<holiday_year::Model>,
    pub days: Vec<holiday_day::Model>,
}

pub async fn get(db: &impl ConnectionTrait, year: i32) -> Result<YearCalendar, DbErr> {
    let loaded = holiday_year::Entity::find_by_id(year).one(db).await?;
    let days = holiday_day::Entity::find()
        .filter(holiday_day::Column::Year.eq(year))
        .order_by_asc(holiday_day::Column::Day)
        .all(db)
        .await?;
    Ok(YearCalendar { year, loaded, days })
}

/// Replaces `year`'s calendar with `days` (already checked: in the year, each date once).
pub async fn put(
    db: &Db,
    caller: &AuthUser,
    client: &ClientInfo,
    year: i32,
    days: Vec<(NaiveDate, DayKind, String)>,
) -> Result<YearCalendar, ApiError> {
    let now = crate::clock::now();
    let txn = db.begin_write().await?;
    holiday_day::Entity::delete_many()
        .filter(holiday_day::Column::Year.eq(year))
        .exec(&txn)
        .await?;
    holiday_year::Entity::delete_by_id(year).exec(&txn).await?;
    holiday_year::ActiveModel {
        year: Set(year),
        updated_at: Set(now),
        updated_by: Set(Some(caller.id)),
    }
    .insert(&txn)
    .await?;
    let (holidays, workdays) = (
        days.iter().filter(|d| d.1 == DayKind::Holiday).count(),
        days.iter().filter(|d| d.1 == DayKind::Workday).count(),
    );
    for (day, kind, name) in days {
        holiday_day::ActiveModel {
            day: Set(day),
            year: Set(year),
            kind: Set(kind),
            name: Set(name),
        }
        .insert(&txn)
        .await?;
    }
    audit::record(
        &txn,
        Actor::user(caller, client),
        Entry::new("holidays.put", "holiday_year", year).details(serde_json::json!({
            "holidays": holidays,
            "workdays": workdays,
        })),
    )
    .await?;
    let stored = get(&txn, year).await?;
    txn.commit().await?;
    Ok(stored)
}

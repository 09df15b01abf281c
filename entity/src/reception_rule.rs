//! `reception_rules`: when a station holds its reception days (逢6进站, or every Thursday), at
//! what hours and where, how many voters may book, and how many deputies are on duty.

use sea_orm::entity::prelude::*;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum HolidayPolicy {
    /// A day off moves the session to the next working day (节假日顺延).
    #[sea_orm(string_value = "postpone")]
    Postpone,
    /// A day off drops the session.
    #[sea_orm(string_value = "skip")]
    Skip,
}

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "reception_rules")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub station_id: Uuid,
    /// `[6, 16, 26]`; `None` for a weekly rule.
    pub days_of_month: Option<Json>,
    /// ISO weekday, Monday = 1; `None` for a days-of-month rule.
    pub weekday: Option<i16>,
    /// Minutes after local midnight (China Standard Time).
    pub starts_minute: i32,
    /// Minutes after local midnight; at most 1440.
    pub ends_minute: i32,
    /// `None`: the station's address.
    pub place: Option<String>,
    pub capacity: i32,
    pub min_deputies: i16,
    pub max_deputies: i16,
    pub holiday_policy: HolidayPolicy,
    pub updated_at: DateTimeUtc,
    pub updated_by: Option<Uuid>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

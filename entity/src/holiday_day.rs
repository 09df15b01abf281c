//! `holiday_days`: the exceptions of a loaded year: public holidays on working days, and make-up
//! working days (调休) on weekends.

use sea_orm::entity::prelude::*;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum DayKind {
    /// A day off (法定节假日 and the days joined to it).
    #[sea_orm(string_value = "holiday")]
    Holiday,
    /// A weekend day that is a working day (调休上班).
    #[sea_orm(string_value = "workday")]
    Workday,
}

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "holiday_days")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub day: Date,
    pub year: i32,
    pub kind: DayKind,
    pub name: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

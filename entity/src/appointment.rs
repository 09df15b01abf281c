//! `appointments`: a voter's booking of a reception session (预约登记).

use sea_orm::entity::prelude::*;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum AppointmentStatus {
    #[sea_orm(string_value = "booked")]
    Booked,
    #[sea_orm(string_value = "cancelled")]
    Cancelled,
}

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "appointments")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub reception_id: Uuid,
    pub voter_id: Uuid,
    pub topic: String,
    /// A phone for reminders, given by the voter; shown to staff masked.
    pub phone: Option<String>,
    pub status: AppointmentStatus,
    /// `Some(1)` while booked, `None` once cancelled (see the unique index).
    pub active: Option<i16>,
    pub created_at: DateTimeUtc,
    pub cancelled_at: Option<DateTimeUtc>,
    /// `voter` or `reception_cancelled`.
    pub cancel_reason: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::reception::Entity",
        from = "Column::ReceptionId",
        to = "super::reception::Column::Id",
        on_delete = "Cascade"
    )]
    Reception,
}

impl Related<super::reception::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Reception.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}

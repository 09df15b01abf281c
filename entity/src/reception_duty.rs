//! `reception_duties`: a deputy on duty at a session (值班代表), and their sign-in (签到).

use sea_orm::entity::prelude::*;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum Attendance {
    #[sea_orm(string_value = "present")]
    Present,
    #[sea_orm(string_value = "absent")]
    Absent,
}

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "reception_duties")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub reception_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub deputy_id: Uuid,
    pub assigned_at: DateTimeUtc,
    /// The deputy's own sign-in; the first one stands.
    pub checked_in_at: Option<DateTimeUtc>,
    /// Recorded by staff by hand; overrides the sign-in.
    pub attendance: Option<Attendance>,
    pub attendance_reason: Option<String>,
    pub attendance_by: Option<Uuid>,
    /// An absence recorded as excused (请假); false otherwise.
    pub attendance_excused: bool,
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
    #[sea_orm(
        belongs_to = "super::deputy::Entity",
        from = "Column::DeputyId",
        to = "super::deputy::Column::Id",
        on_delete = "Restrict"
    )]
    Deputy,
}

impl Related<super::reception::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Reception.def()
    }
}

impl Related<super::deputy::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Deputy.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}

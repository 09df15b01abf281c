//! `station_staff`: who keeps a station: its head (站长), deputy head (副站长) and liaison
//! officers (联络员). These users may edit their station's day-to-day details.

use sea_orm::entity::prelude::*;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum StaffRole {
    #[sea_orm(string_value = "head")]
    Head,
    #[sea_orm(string_value = "deputy_head")]
    DeputyHead,
    #[sea_orm(string_value = "liaison")]
    Liaison,
}

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "station_staff")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub station_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub user_id: Uuid,
    pub role: StaffRole,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::user::Entity",
        from = "Column::UserId",
        to = "super::user::Column::Id",
        on_delete = "Cascade"
    )]
    User,
}

impl Related<super::user::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::User.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}

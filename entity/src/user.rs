//! `users`: people who sign in with a password (staff, deputies, unit handlers, administrators)
//! and, later, voters.

use sea_orm::entity::prelude::*;

/// What a user may do. Stored as text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum Role {
    #[sea_orm(string_value = "admin")]
    Admin,
    #[sea_orm(string_value = "station_staff")]
    StationStaff,
    #[sea_orm(string_value = "deputy")]
    Deputy,
    #[sea_orm(string_value = "unit_handler")]
    UnitHandler,
    #[sea_orm(string_value = "voter")]
    Voter,
}

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "users")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// As the user typed it.
    pub username: String,
    /// Lower-cased, for case-insensitive uniqueness and look-up.
    #[sea_orm(unique)]
    pub username_key: String,
    pub display_name: String,
    /// argon2id PHC string; `None` for accounts that cannot sign in with a password.
    pub password_hash: Option<String>,
    pub role: Role,
    /// The root of the region subtree the user works in; `None` only for global administrators.
    pub region_id: Option<Uuid>,
    pub disabled: bool,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub last_login_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::region::Entity",
        from = "Column::RegionId",
        to = "super::region::Column::Id",
        on_delete = "Restrict"
    )]
    Region,
}

impl Related<super::region::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Region.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}

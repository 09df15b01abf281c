//! `receptions`: one reception session (接待日) of a station: its day, hours and place, its
//! bookings' capacity, and whether it is a draft, published (公示) or cancelled.

use sea_orm::entity::prelude::*;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum ReceptionStatus {
    /// Planned, visible to staff only.
    #[sea_orm(string_value = "draft")]
    Draft,
    /// On the public roster; voters may book.
    #[sea_orm(string_value = "published")]
    Published,
    #[sea_orm(string_value = "cancelled")]
    Cancelled,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum ReceptionOrigin {
    /// Generated from the station's reception rule.
    #[sea_orm(string_value = "rule")]
    Rule,
    /// Added by hand.
    #[sea_orm(string_value = "manual")]
    Manual,
}

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "receptions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub station_id: Uuid,
    /// The local (China Standard Time) date the session is held on.
    pub day: Date,
    pub starts_at: DateTimeUtc,
    pub ends_at: DateTimeUtc,
    pub place: String,
    pub capacity: i32,
    /// Active bookings; kept in step with `appointments` by conditional updates.
    pub seats_taken: i32,
    pub min_deputies: i16,
    pub max_deputies: i16,
    pub status: ReceptionStatus,
    pub origin: ReceptionOrigin,
    /// The day of the rule this session was generated for (before any postponement).
    pub rule_day: Option<Date>,
    /// Changed by hand: generation leaves it alone.
    pub edited: bool,
    pub published_at: Option<DateTimeUtc>,
    /// Why the roster went public less than three days ahead.
    pub late_reason: Option<String>,
    pub cancelled_at: Option<DateTimeUtc>,
    pub cancel_reason: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::station::Entity",
        from = "Column::StationId",
        to = "super::station::Column::Id",
        on_delete = "Restrict"
    )]
    Station,
}

impl Related<super::station::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Station.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}

//! `stations`: liaison stations (联络站): a town's central station or a village's point.

use sea_orm::entity::prelude::*;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum StationKind {
    /// 中心联络站 of a town or street.
    #[sea_orm(string_value = "central")]
    Central,
    /// 联络点 of a village or community.
    #[sea_orm(string_value = "community")]
    Community,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum StationStatus {
    #[sea_orm(string_value = "active")]
    Active,
    /// Hidden from the public, kept for history.
    #[sea_orm(string_value = "archived")]
    Archived,
}

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "stations")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub region_id: Uuid,
    /// The district the region belongs to (whose checklist applies). Regions never move.
    pub district_id: Uuid,
    pub kind: StationKind,
    pub name: String,
    pub address: String,
    /// GCJ-02 latitude, as WeChat maps use.
    pub latitude: Option<f64>,
    /// GCJ-02 longitude.
    pub longitude: Option<f64>,
    /// `[{"weekdays": [1, 2, 3], "opens": "09:00", "closes": "17:00"}]`, Monday = 1.
    pub opening_hours: Json,
    pub opening_note: Option<String>,
    pub phone: Option<String>,
    pub photo_url: Option<String>,
    /// 0 to 5, set by administrators.
    pub star_rating: i16,
    pub status: StationStatus,
    #[sea_orm(unique)]
    pub public_code: String,
    /// Checklist items done, of the district's current items (kept in step on every change).
    pub checklist_done: i32,
    /// The district's current number of checklist items.
    pub checklist_total: i32,
    /// `checklist_done / checklist_total` in thousandths, for sorting by completion.
    pub checklist_permille: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub archived_at: Option<DateTimeUtc>,
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

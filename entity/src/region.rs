//! `regions`: the administrative tree (district > town/street > village/community).

use sea_orm::entity::prelude::*;

/// The level of a region in the tree. Stored as text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum RegionLevel {
    /// 区/县
    #[sea_orm(string_value = "district")]
    District,
    /// 镇/街道
    #[sea_orm(string_value = "town")]
    Town,
    /// 村/社区
    #[sea_orm(string_value = "village")]
    Village,
}

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "regions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub parent_id: Option<Uuid>,
    pub name: String,
    pub level: RegionLevel,
    /// The official administrative division code (行政区划代码), when known.
    #[sea_orm(unique)]
    pub code: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "Entity",
        from = "Column::ParentId",
        to = "Column::Id",
        on_delete = "Restrict"
    )]
    Parent,
}

impl ActiveModelBehavior for ActiveModel {}

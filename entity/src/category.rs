//! `categories`: what a submission is about. Rows without a region are the defaults every
//! district sees; a district adds its own (`region_id` set) and may retire them (`active`).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "categories")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// A stable machine name, unique across the service (`roads_transport`).
    #[sea_orm(unique)]
    pub code: String,
    /// `None` for the defaults; otherwise the region (a district) that manages it.
    pub region_id: Option<Uuid>,
    pub name: String,
    pub name_en: Option<String>,
    pub position: i32,
    pub active: bool,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

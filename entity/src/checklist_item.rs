//! `checklist_items`: a district's station checklist (“九有” by default), in order.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "checklist_items")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub district_id: Uuid,
    /// The default item it started as (`venue`, `sign`, ...); `None` for items a district added.
    pub key: Option<String>,
    pub name: String,
    pub position: i32,
    /// Dropped from the checklist; kept so that old answers still mean something.
    pub archived: bool,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

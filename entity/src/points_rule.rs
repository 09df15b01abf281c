//! `points_rules`: a region's weight for one kind of counted event in deputies' performance
//! points (履职积分). A region without rows follows its nearest ancestor's, or the default set.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "points_rules")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub region_id: Uuid,
    /// One of the kinds the service knows (`api::routes::performance::rules::Kind`).
    #[sea_orm(primary_key, auto_increment = false)]
    pub kind: String,
    pub weight: i32,
    pub updated_at: DateTimeUtc,
    pub updated_by: Option<Uuid>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

//! `changes`: one row per create, update or delete of a tracked object (submissions,
//! suggestions, stations, deputies, receptions), written by database triggers in the writing
//! transaction. `position` is given later by the sequencer and is the order of the change feed.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "changes")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub seq: i64,
    /// The feed position; `None` until sequenced.
    pub position: Option<i64>,
    /// The writer's PostgreSQL transaction id (`None` on SQLite).
    pub tx: Option<i64>,
    /// `submission`, `suggestion`, `station`, `deputy` or `reception`.
    pub object_type: String,
    pub object_id: Uuid,
    /// The object's version; for objects without one, its count of changes (set when sequenced).
    pub version: Option<i32>,
    /// `created`, `updated` or `deleted`.
    pub op: String,
    pub region_id: Option<Uuid>,
    pub at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

//! `webhook_attempts`: one HTTP attempt at a delivery and how it ended.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "webhook_attempts")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub delivery_id: Uuid,
    pub attempted_at: DateTimeUtc,
    /// The receiver's HTTP status, when it answered.
    pub status_code: Option<i32>,
    /// Why the attempt failed (a timeout, a refused connection, a non-2xx answer).
    pub error: Option<String>,
    pub duration_ms: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

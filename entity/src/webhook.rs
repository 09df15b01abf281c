//! `webhooks`: a machine client's subscription to events of the change feed, delivered to its
//! URL and signed with its secret. `cursor` is the feed position up to which deliveries have
//! been written.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "webhooks")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The owning client (`api_clients`); its region and scopes bound what is delivered.
    pub client_id: Uuid,
    pub url: String,
    /// Subscribed event types, space-separated (`suggestion.updated submission.*`).
    pub event_types: String,
    pub description: Option<String>,
    /// The signing secret. Kept as given, because every delivery is signed with it.
    pub secret: String,
    /// `active` or `paused`.
    pub status: String,
    pub cursor: i64,
    /// When the current run of failed attempts began (`None` after a success).
    pub failing_since: Option<DateTimeUtc>,
    pub paused_at: Option<DateTimeUtc>,
    /// `owner` (paused by its client) or `failing` (paused after failing for too long).
    pub pause_reason: Option<String>,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

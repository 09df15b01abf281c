//! `webhook_deliveries`: one event for one webhook, with the exact body that is signed and sent
//! (so that every retry and redelivery sends the same bytes) and where its delivery stands.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "webhook_deliveries")]
pub struct Model {
    /// Also the event id the receiver sees (`Lianluo-Event-Id`), the same on every retry.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub webhook_id: Uuid,
    /// The change's feed position.
    pub position: i64,
    /// `<object type>.<op>`, e.g. `suggestion.updated`.
    pub event_type: String,
    pub object_id: Uuid,
    #[sea_orm(column_type = "Text")]
    pub body: String,
    /// `pending`, `delivered` or `failed`.
    pub status: String,
    pub attempts: i32,
    pub next_attempt_at: DateTimeUtc,
    /// Retries stop after this; the delivery is then `failed`.
    pub retry_until: DateTimeUtc,
    /// Set while a worker is sending it.
    pub lease_until: Option<DateTimeUtc>,
    pub last_status_code: Option<i32>,
    pub last_error: Option<String>,
    pub created_at: DateTimeUtc,
    pub delivered_at: Option<DateTimeUtc>,
    pub failed_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
